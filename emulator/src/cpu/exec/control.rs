//! Control transfer: JMP, Jcc (SDM Vol. 1 §6.3, §7.3.8).

use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::ExResult;
use crate::cpu::exec::condition;
use crate::cpu::Cpu;
use iced_x86::{Code, Instruction, Mnemonic, OpKind};

/// Handler for this family.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.mnemonic() {
        Mnemonic::Jmp => match insn.op0_kind() {
            OpKind::NearBranch16 | OpKind::NearBranch32 => jmp_rel,
            _ => return None,
        },
        Mnemonic::Jo
        | Mnemonic::Jno
        | Mnemonic::Jb
        | Mnemonic::Jae
        | Mnemonic::Je
        | Mnemonic::Jne
        | Mnemonic::Jbe
        | Mnemonic::Ja
        | Mnemonic::Js
        | Mnemonic::Jns
        | Mnemonic::Jp
        | Mnemonic::Jnp
        | Mnemonic::Jl
        | Mnemonic::Jge
        | Mnemonic::Jle
        | Mnemonic::Jg => jcc,
        _ => return None,
    })
}

/// Mask of the branch target: the operand size of the branch.
#[inline]
fn target_mask(d: &DecodedInsn) -> u64 {
    if d.insn.op0_kind() == OpKind::NearBranch16
        || matches!(d.insn.code(), Code::Jmp_rel8_16 | Code::Jmp_rel16)
    {
        0xFFFF
    } else {
        0xFFFF_FFFF
    }
}

fn jmp_rel(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    cpu.jump_near(cpu.state.rip.wrapping_add(d.rel()) & target_mask(d))
}

fn jcc(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    if condition(&cpu.state.flags, d.insn.condition_code()) {
        cpu.jump_near(cpu.state.rip.wrapping_add(d.rel()) & target_mask(d))?;
    }
    Ok(())
}

impl Cpu {
    /// Near jump to `ip` within CS; a target beyond the CS limit is #GP(0)
    /// on the 286 and later.
    #[inline]
    pub fn jump_near(&mut self, ip: u64) -> ExResult {
        if self.model.checks_real_limits() && ip > u64::from(self.state.seg[1].limit) {
            return Err(crate::cpu::Exception::GeneralProtection(0));
        }
        self.state.rip = ip;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::cpu::exec::testutil::{cpu_with, step};
    use crate::cpu::flags::ZF;
    use crate::cpu::CpuModel;

    #[test]
    fn jumps() {
        // jmp short +2 ; (skipped 2 bytes) ; jz -4
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xEB, 0x02, 0x90, 0x90, 0x74, 0xFA]);
        step(&mut cpu);
        assert_eq!(cpu.state.rip, 0x104);
        cpu.state.flags.set(ZF, true);
        step(&mut cpu);
        assert_eq!(cpu.state.rip, 0x100);
        // rel16 in 16-bit code wraps within 64 KiB: jmp near -0x200 from 0x103.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xE9, 0x00, 0xFE]);
        step(&mut cpu);
        assert_eq!(cpu.state.rip, 0xFF03);
    }
}
