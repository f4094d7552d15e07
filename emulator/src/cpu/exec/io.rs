//! Port I/O: IN and OUT with an imm8 or DX port, 8/16/32-bit (SDM Vol. 1
//! §19.2 and §19.5; Vol. 2 "IN", "OUT").
//!
//! The width comes from the accumulator operand (AL, AX or EAX). Permission
//! checks (IOPL and the TSS I/O bitmap in protected and virtual-8086 mode)
//! belong to [`Cpu::port_in`] / [`Cpu::port_out`]. INS/OUTS are in
//! [`super::string`].

use crate::cpu::decode::{reg_size, DecodedInsn, Handler};
use crate::cpu::exception::ExResult;
use crate::cpu::state::gpr;
use crate::cpu::Cpu;
use iced_x86::{Instruction, Mnemonic, OpKind};

/// Handler for this family.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.mnemonic() {
        Mnemonic::In => port_in,
        Mnemonic::Out => port_out,
        _ => return None,
    })
}

/// The port named by operand `n`: an 8-bit immediate or DX.
#[inline]
fn port(cpu: &Cpu, d: &DecodedInsn, n: u32) -> u16 {
    if d.insn.op_kind(n) == OpKind::Immediate8 {
        u16::from(d.insn.immediate8())
    } else {
        cpu.state.regs[gpr::RDX] as u16
    }
}

/// IN AL/AX/EAX, imm8|DX.
fn port_in(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let acc = d.insn.op0_register();
    let v = cpu.port_in(port(cpu, d, 1), reg_size(acc))?;
    cpu.state.set_reg(acc, u64::from(v));
    Ok(())
}

/// OUT imm8|DX, AL/AX/EAX.
fn port_out(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let acc = d.insn.op1_register();
    let v = cpu.state.get_reg(acc) as u32;
    cpu.port_out(port(cpu, d, 0), reg_size(acc), v)
}

#[cfg(test)]
mod tests {
    use crate::cpu::exec::testutil::{cpu_with, step};
    use crate::cpu::state::gpr::*;
    use crate::cpu::CpuModel;

    /// Port with no device behind it in the default bus (reads all ones).
    const UNCLAIMED: u16 = 0x1234;
    /// An unclaimed port reachable with the imm8 form.
    const UNCLAIMED_IMM: u8 = 0xE2;

    #[test]
    fn in_from_unclaimed_ports_reads_all_ones() {
        // (code, EAX before, EAX after)
        let cases: [(&[u8], u64, u64); 6] = [
            (&[0xE4, UNCLAIMED_IMM], 0x1111_1111, 0x1111_11FF),
            (&[0xE5, UNCLAIMED_IMM], 0x1111_1111, 0x1111_FFFF),
            (&[0x66, 0xE5, UNCLAIMED_IMM], 0x1111_1111, 0xFFFF_FFFF),
            (&[0xEC], 0x2222_2222, 0x2222_22FF),
            (&[0xED], 0x2222_2222, 0x2222_FFFF),
            (&[0x66, 0xED], 0x2222_2222, 0xFFFF_FFFF),
        ];
        for (code, before, after) in cases {
            let mut cpu = cpu_with(CpuModel::Pentium, code);
            cpu.state.regs[RAX] = before;
            cpu.state.regs[RDX] = u64::from(UNCLAIMED);
            step(&mut cpu);
            assert_eq!(cpu.state.regs[RAX], after, "{code:02x?}");
            assert_eq!(cpu.state.rip, 0x100 + code.len() as u64, "{code:02x?}");
        }
        // The 8086 and 286 read 0xFF too (SingleStepTests E4/E5/EC/ED).
        for model in [CpuModel::I8086, CpuModel::I80286] {
            let mut cpu = cpu_with(model, &[0xED]);
            cpu.state.regs[RDX] = u64::from(UNCLAIMED);
            step(&mut cpu);
            assert_eq!(cpu.state.regs[RAX], 0xFFFF, "{model:?}");
        }
    }

    #[test]
    fn out_to_the_debug_console() {
        // out dx, al ; out 0xE9, al ; out dx, ax (DX = 0xE9)
        let code = [0xEE, 0xE6, 0xE9, 0xEF];
        let mut cpu = cpu_with(CpuModel::Pentium, &code);
        cpu.state.regs[RDX] = 0xFFFF_00E9; // only DX is the port
        cpu.state.regs[RAX] = u64::from(u16::from_le_bytes(*b"ok"));
        for _ in 0..3 {
            step(&mut cpu);
        }
        // The word write puts 'o' on port E9 and 'k' on port EA (byte-wide
        // ports on the ISA bus), so the console sees three bytes.
        assert_eq!(cpu.io.debug.take_console(), b"ooo");
        assert_eq!(cpu.state.rip, 0x104);
        // 66 out dx, eax: only the low byte reaches port E9.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x66, 0xEF]);
        cpu.state.regs[RDX] = 0xE9;
        cpu.state.regs[RAX] = 0x6463_6278;
        step(&mut cpu);
        assert_eq!(cpu.io.debug.take_console(), b"x");
    }

    #[test]
    fn in_from_the_debug_port_reads_its_signature() {
        let mut cpu = cpu_with(CpuModel::Pentium, &[0xE4, 0xE9]);
        step(&mut cpu);
        assert_eq!(cpu.state.regs[RAX], 0xE9);
        assert_eq!(cpu.io.accesses, 1);
    }
}
