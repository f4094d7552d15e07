//! Integer arithmetic and logic: ADD, ADC, SUB, SBB, CMP, AND, OR, XOR,
//! TEST, INC, DEC, NEG, NOT (SDM Vol. 2 instruction pages; Vol. 1 §7.3.2).
//!
//! Flags are recorded lazily ([`crate::cpu::flags::LazyOp`]).

use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::ExResult;
use crate::cpu::flags::{Flags, LazyOp};
use crate::cpu::Cpu;
use iced_x86::{Instruction, Mnemonic, OpKind};

/// Binary operations (const parameter of [`binop`]).
const ADD: u8 = 0;
const ADC: u8 = 1;
const SUB: u8 = 2;
const SBB: u8 = 3;
const AND: u8 = 4;
const OR: u8 = 5;
const XOR: u8 = 6;
const CMP: u8 = 7;
const TEST: u8 = 8;

/// Handler for this family. Register-only forms get specialised handlers
/// (no operand-kind dispatch at run time); everything else goes through the
/// generic operand access.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    let rr = insn.op_count() == 2
        && insn.op0_kind() == OpKind::Register
        && insn.op1_kind() == OpKind::Register;
    let ri = insn.op_count() == 2
        && insn.op0_kind() == OpKind::Register
        && matches!(
            insn.op1_kind(),
            OpKind::Immediate8
                | OpKind::Immediate16
                | OpKind::Immediate32
                | OpKind::Immediate8to16
                | OpKind::Immediate8to32
        );
    let r = insn.op_count() == 1 && insn.op0_kind() == OpKind::Register;
    let two = insn.op_count() == 2;
    let rm = two && insn.op0_kind() == OpKind::Register && insn.op1_kind() == OpKind::Memory;
    let mr = two && insn.op0_kind() == OpKind::Memory && insn.op1_kind() == OpKind::Register;
    let mi = two
        && insn.op0_kind() == OpKind::Memory
        && matches!(
            insn.op1_kind(),
            OpKind::Immediate8
                | OpKind::Immediate16
                | OpKind::Immediate32
                | OpKind::Immediate8to16
                | OpKind::Immediate8to32
        );
    let size = if insn.op0_kind() == OpKind::Register {
        crate::cpu::decode::reg_size(insn.op0_register())
    } else {
        insn.memory_size().size() as u32
    };
    macro_rules! sized {
        ($f:ident, $op:expr $(, $imm:expr)?) => {
            match size {
                1 => $f::<{ $op }, 1 $(, $imm)?> as Handler,
                2 => $f::<{ $op }, 2 $(, $imm)?>,
                4 => $f::<{ $op }, 4 $(, $imm)?>,
                _ => binop::<{ $op }>,
            }
        };
    }
    macro_rules! pick {
        ($op:expr) => {
            if rr {
                binop_rr::<{ $op }> as Handler
            } else if ri {
                binop_ri::<{ $op }>
            } else if rm {
                sized!(binop_rm, $op)
            } else if mr {
                sized!(binop_m, $op, false)
            } else if mi {
                sized!(binop_m, $op, true)
            } else {
                binop::<{ $op }>
            }
        };
    }
    Some(match insn.mnemonic() {
        Mnemonic::Add => pick!(ADD),
        Mnemonic::Adc => pick!(ADC),
        Mnemonic::Sub => pick!(SUB),
        Mnemonic::Sbb => pick!(SBB),
        Mnemonic::And => pick!(AND),
        Mnemonic::Or => pick!(OR),
        Mnemonic::Xor => pick!(XOR),
        Mnemonic::Cmp => pick!(CMP),
        Mnemonic::Test => pick!(TEST),
        Mnemonic::Inc if r => inc_r,
        Mnemonic::Dec if r => dec_r,
        Mnemonic::Inc => inc,
        Mnemonic::Dec => dec,
        Mnemonic::Neg => neg,
        Mnemonic::Not => not,
        _ => return None,
    })
}

/// Compute `a OP b` on `size` bytes and record the flags.
#[inline(always)]
fn compute<const OP: u8>(f: &mut Flags, size: u32, a: u64, b: u64) -> u64 {
    match OP {
        ADD => {
            let r = a.wrapping_add(b);
            f.set_lazy(LazyOp::Add, size, a, b, r);
            r
        }
        ADC => {
            let r = a.wrapping_add(b).wrapping_add(u64::from(f.cf()));
            f.set_lazy(LazyOp::Adc, size, a, b, r);
            r
        }
        SUB | CMP => {
            let r = a.wrapping_sub(b);
            f.set_lazy(LazyOp::Sub, size, a, b, r);
            r
        }
        SBB => {
            let r = a.wrapping_sub(b).wrapping_sub(u64::from(f.cf()));
            f.set_lazy(LazyOp::Sbb, size, a, b, r);
            r
        }
        AND | TEST => {
            let r = a & b;
            f.set_lazy(LazyOp::Logic, size, a, b, r);
            r
        }
        OR => {
            let r = a | b;
            f.set_lazy(LazyOp::Logic, size, a, b, r);
            r
        }
        _ => {
            let r = a ^ b;
            f.set_lazy(LazyOp::Logic, size, a, b, r);
            r
        }
    }
}

fn binop<const OP: u8>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let writes = OP != CMP && OP != TEST;
    let (a, loc) = if writes {
        cpu.read_rmw(d, size)?
    } else {
        (cpu.read_op(d, 0, size)?, None)
    };
    let b = cpu.read_op(d, 1, size)?;
    let r = compute::<OP>(&mut cpu.state.flags, size, a, b);
    if writes {
        cpu.write_rmw(d, loc, size, r)?;
    }
    Ok(())
}

/// Register, memory (`S` bytes).
fn binop_rm<const OP: u8, const S: u32>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let off = cpu.ea(d);
    let b = cpu.read_mem(d.mem.seg, off, S)?;
    let s = &mut cpu.state;
    let a = d.reg[0].read(&s.regs);
    let r = compute::<OP>(&mut s.flags, S, a, b);
    if OP != CMP && OP != TEST {
        d.reg[0].write(&mut s.regs, r);
    }
    Ok(())
}

/// Memory (`S` bytes), register or (`IMM`) immediate. A destination that
/// is written is checked for writing before anything changes.
fn binop_m<const OP: u8, const S: u32, const IMM: bool>(
    cpu: &mut Cpu,
    d: &DecodedInsn,
) -> ExResult {
    let writes = OP != CMP && OP != TEST;
    let off = cpu.ea(d);
    let seg = d.mem.seg;
    let a = cpu.read_mem(seg, off, S)?;
    if writes {
        cpu.check_write(seg, off, S)?;
    }
    let b = if IMM {
        d.imm & crate::cpu::state::size_mask(S)
    } else {
        d.reg[1].read(&cpu.state.regs)
    };
    let r = compute::<OP>(&mut cpu.state.flags, S, a, b);
    if writes {
        cpu.write_mem(seg, off, S, r)?;
    }
    Ok(())
}

/// Register, register.
fn binop_rr<const OP: u8>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let s = &mut cpu.state;
    let a = d.reg[0].read(&s.regs);
    let b = d.reg[1].read(&s.regs);
    let r = compute::<OP>(&mut s.flags, d.os(), a, b);
    if OP != CMP && OP != TEST {
        d.reg[0].write(&mut s.regs, r);
    }
    Ok(())
}

/// Register, immediate (sign-extended immediates are masked to the size).
fn binop_ri<const OP: u8>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let s = &mut cpu.state;
    let a = d.reg[0].read(&s.regs);
    let b = d.imm;
    let r = compute::<OP>(&mut s.flags, d.os(), a, b);
    if OP != CMP && OP != TEST {
        d.reg[0].write(&mut s.regs, r);
    }
    Ok(())
}

fn inc_r(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let s = &mut cpu.state;
    let a = d.reg[0].read(&s.regs);
    let r = a.wrapping_add(1);
    s.flags.set_lazy(LazyOp::Inc, d.os(), a, 1, r);
    d.reg[0].write(&mut s.regs, r);
    Ok(())
}

fn dec_r(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let s = &mut cpu.state;
    let a = d.reg[0].read(&s.regs);
    let r = a.wrapping_sub(1);
    s.flags.set_lazy(LazyOp::Dec, d.os(), a, 1, r);
    d.reg[0].write(&mut s.regs, r);
    Ok(())
}

fn inc(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let (a, loc) = cpu.read_rmw(d, size)?;
    let r = a.wrapping_add(1);
    cpu.state.flags.set_lazy(LazyOp::Inc, size, a, 1, r);
    cpu.write_rmw(d, loc, size, r)
}

fn dec(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let (a, loc) = cpu.read_rmw(d, size)?;
    let r = a.wrapping_sub(1);
    cpu.state.flags.set_lazy(LazyOp::Dec, size, a, 1, r);
    cpu.write_rmw(d, loc, size, r)
}

fn neg(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let (a, loc) = cpu.read_rmw(d, size)?;
    let r = 0u64.wrapping_sub(a);
    cpu.state.flags.set_lazy(LazyOp::Sub, size, 0, a, r);
    cpu.write_rmw(d, loc, size, r)
}

fn not(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    let size = d.os();
    let (a, loc) = cpu.read_rmw(d, size)?;
    cpu.write_rmw(d, loc, size, !a)
}

#[cfg(test)]
mod tests {
    use crate::cpu::exec::testutil::{cpu_with, step};
    use crate::cpu::flags::*;
    use crate::cpu::CpuModel;

    struct Case {
        name: &'static str,
        code: &'static [u8],
        ax: u64,
        bx: u64,
        cf: bool,
        ax_out: u64,
        flags_out: u32,
    }

    #[test]
    fn alu_table() {
        let cases = [
            Case {
                name: "add ax,bx",
                code: &[0x01, 0xD8],
                ax: 0xFFFF,
                bx: 1,
                cf: false,
                ax_out: 0,
                flags_out: CF | ZF | PF | AF,
            },
            Case {
                name: "adc ax,bx",
                code: &[0x11, 0xD8],
                ax: 1,
                bx: 1,
                cf: true,
                ax_out: 3,
                flags_out: PF,
            },
            Case {
                name: "sub al,bl",
                code: &[0x28, 0xD8],
                ax: 0,
                bx: 1,
                cf: false,
                ax_out: 0xFF,
                flags_out: CF | SF | PF | AF,
            },
            Case {
                name: "sbb ax,bx",
                code: &[0x19, 0xD8],
                ax: 5,
                bx: 5,
                cf: true,
                ax_out: 0xFFFF,
                flags_out: CF | SF | PF | AF,
            },
            Case {
                name: "cmp ax,bx",
                code: &[0x39, 0xD8],
                ax: 5,
                bx: 7,
                cf: false,
                ax_out: 5,
                flags_out: CF | SF | AF,
            },
            Case {
                name: "and ax,bx",
                code: &[0x21, 0xD8],
                ax: 0xF0F0,
                bx: 0x0FF0,
                cf: true,
                ax_out: 0x00F0,
                flags_out: PF,
            },
            Case {
                name: "xor eax,ebx",
                code: &[0x66, 0x31, 0xD8],
                ax: 0x8000_0000,
                bx: 0,
                cf: false,
                ax_out: 0x8000_0000,
                flags_out: SF | PF,
            },
            Case {
                name: "inc ax",
                code: &[0x40],
                ax: 0x7FFF,
                bx: 0,
                cf: true,
                ax_out: 0x8000,
                flags_out: CF | OF | SF | AF | PF,
            },
            Case {
                name: "dec al",
                code: &[0xFE, 0xC8],
                ax: 0,
                bx: 0,
                cf: false,
                ax_out: 0xFF,
                flags_out: SF | AF | PF,
            },
            Case {
                name: "neg ax",
                code: &[0xF7, 0xD8],
                ax: 0x8000,
                bx: 0,
                cf: false,
                ax_out: 0x8000,
                flags_out: CF | OF | SF | PF,
            },
            Case {
                name: "not ax",
                code: &[0xF7, 0xD0],
                ax: 0x00FF,
                bx: 0,
                cf: true,
                ax_out: 0xFF00,
                flags_out: CF,
            },
            Case {
                name: "add ax,imm8",
                code: &[0x83, 0xC0, 0xFF],
                ax: 1,
                bx: 0,
                cf: false,
                ax_out: 0,
                flags_out: CF | ZF | PF | AF,
            },
        ];
        for c in &cases {
            let mut cpu = cpu_with(CpuModel::Pentium, c.code);
            cpu.state.regs[0] = c.ax;
            cpu.state.regs[3] = c.bx;
            cpu.state.flags.set(CF, c.cf);
            step(&mut cpu);
            assert_eq!(cpu.state.regs[0], c.ax_out, "{}: result", c.name);
            assert_eq!(
                cpu.state.flags.eflags() & ARITH,
                c.flags_out,
                "{}: flags",
                c.name
            );
            assert_eq!(cpu.state.rip, 0x100 + c.code.len() as u64, "{}: ip", c.name);
        }
    }

    #[test]
    fn memory_destination_and_fault_leaves_no_effect() {
        // add [bx], ax with bx=0xFFFF: word at offset FFFF faults on a 286+.
        let mut cpu = cpu_with(CpuModel::Pentium, &[0x01, 0x07]);
        cpu.state.regs[3] = 0x2000;
        cpu.state.regs[0] = 0x1234;
        cpu.mem.write(0x2000, 2, 0x1111);
        step(&mut cpu);
        assert_eq!(cpu.mem.read(0x2000, 2), 0x2345);
    }
}
