//! Data movement: MOV (incl. segment registers and moffs forms), MOVZX,
//! MOVSX, LEA, XCHG (SDM Vol. 2; Vol. 1 §7.3.1).

use crate::cpu::decode::{reg_size, DecodedInsn, Handler};
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::state::{size_mask, SegReg};
use crate::cpu::Cpu;
use iced_x86::{Instruction, Mnemonic, OpKind};

/// Handler for this family.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.mnemonic() {
        Mnemonic::Mov => {
            let op0_seg = insn.op0_kind() == OpKind::Register
                && SegReg::from_iced(insn.op0_register()).is_some();
            let op1_seg = insn.op1_kind() == OpKind::Register
                && SegReg::from_iced(insn.op1_register()).is_some();
            let op0_gpr = insn.op0_kind() != OpKind::Register || reg_size(insn.op0_register()) != 0;
            let op1_gpr = insn.op1_kind() != OpKind::Register || reg_size(insn.op1_register()) != 0;
            if op0_seg {
                mov_to_sreg
            } else if op1_seg {
                mov_from_sreg
            } else if op0_gpr && op1_gpr {
                mov
            } else {
                // Control/debug/test registers: the system family.
                return None;
            }
        }
        Mnemonic::Movzx => movzx,
        Mnemonic::Movsx => movsx,
        Mnemonic::Lea => lea,
        Mnemonic::Xchg => xchg,
        _ => return None,
    })
}

fn mov(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let v = cpu.read_op(d, 1, size)?;
    cpu.write_op(d, 0, size, v)
}

fn mov_to_sreg(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let Some(r) = SegReg::from_iced(d.insn.op0_register()) else {
        return Err(Exception::InvalidOpcode);
    };
    if r == SegReg::Cs {
        return Err(Exception::InvalidOpcode);
    }
    let v = cpu.read_op(d, 1, 2)? as u16;
    cpu.load_seg(r, v)
}

fn mov_from_sreg(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let v = cpu.state.get_reg(d.insn.op1_register());
    match d.insn.op0_kind() {
        // A 32-bit register destination receives the zero-extended selector.
        OpKind::Register => cpu.write_op(d, 0, reg_size(d.insn.op0_register()), v),
        _ => cpu.write_op(d, 0, 2, v),
    }
}

fn movzx(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let src = cpu.op_size(d, 1);
    let v = cpu.read_op(d, 1, src)?;
    cpu.write_op(d, 0, d.os(), v)
}

fn movsx(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let src = cpu.op_size(d, 1);
    let v = cpu.read_op(d, 1, src)?;
    let shift = 64 - 8 * src;
    let v = (((v << shift) as i64) >> shift) as u64;
    cpu.write_op(d, 0, d.os(), v & size_mask(d.os()))
}

fn lea(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let ea = cpu.ea(d);
    cpu.write_op(d, 0, d.os(), ea)
}

fn xchg(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let (a, loc) = cpu.read_rmw(d, size)?;
    let b = cpu.read_op(d, 1, size)?;
    cpu.write_rmw(d, loc, size, b)?;
    cpu.write_op(d, 1, size, a)
}

#[cfg(test)]
mod tests {
    use crate::cpu::exec::testutil::{cpu_with, step};
    use crate::cpu::CpuModel;

    #[test]
    fn mov_forms() {
        // mov ax, 0x1234 ; mov [0x200], ax ; mov ds, ax ; movzx ecx, byte [0x200] ; movsx edx, word [0x200]
        let code = [
            0xB8, 0x34, 0x12, 0xA3, 0x00, 0x02, 0x66, 0x0F, 0xB6, 0x0E, 0x00, 0x02, 0x66, 0x0F,
            0xBF, 0x16, 0x00, 0x02, 0x8E, 0xD8,
        ];
        let mut cpu = cpu_with(CpuModel::Pentium, &code);
        for _ in 0..5 {
            step(&mut cpu);
        }
        assert_eq!(cpu.state.regs[0] & 0xFFFF, 0x1234);
        assert_eq!(cpu.mem.read(0x200, 2), 0x1234);
        assert_eq!(cpu.state.regs[1], 0x34);
        assert_eq!(cpu.state.regs[2], 0x1234);
        assert_eq!(cpu.state.seg[3].selector, 0x1234);
        assert_eq!(cpu.state.seg[3].base, 0x12340);
    }

    #[test]
    fn lea_and_xchg() {
        // lea ax, [bx+si+5] ; xchg ax, cx
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x8D, 0x40, 0x05, 0x91]);
        cpu.state.regs[3] = 0xFFFF;
        cpu.state.regs[6] = 2;
        cpu.state.regs[1] = 7;
        step(&mut cpu);
        assert_eq!(cpu.state.regs[0], 6, "16-bit address wraps");
        step(&mut cpu);
        assert_eq!(cpu.state.regs[0], 7);
        assert_eq!(cpu.state.regs[1], 6);
    }
}
