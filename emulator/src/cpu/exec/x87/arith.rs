//! x87 arithmetic (SDM Vol. 1 §8.3.5–8.3.7, Vol. 2 pages): FADD, FSUB,
//! FSUBR, FMUL, FDIV, FDIVR in every form (m32/m64 real, ST(0)/ST(i) both
//! ways, popping P forms, m16/m32 integer FIxxx), FSQRT, FRNDINT, FSCALE,
//! FXTRACT, FPREM, FPREM1. Values come from the soft-float core
//! [`crate::fpu::f80`].
//!
//! Exception handling (§8.5): an empty operand is a stack underflow (masked:
//! the destination gets the real indefinite; unmasked: nothing changes). An
//! unmasked IE, DE or ZE leaves the destination and TOP unchanged; unmasked
//! OE/UE store the re-biased result (the core provides it). C1 reports a
//! round-up, else 0.

use super::{check_wait, env, from_f80, read_source, record, screen, sti, to_f80};
use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::ExResult;
use crate::cpu::fpu_state::{sw, Reg80};
use crate::cpu::Cpu;
use crate::fpu::f80::{self, F80Result, X87Env, DE, F80, IE, ZE};
use iced_x86::{Code, Instruction, Mnemonic, OpKind};

const ADD: u8 = 0;
const SUB: u8 = 1;
const SUBR: u8 = 2;
const MUL: u8 = 3;
const DIV: u8 = 4;
const DIVR: u8 = 5;

pub fn handler(insn: &Instruction) -> Option<Handler> {
    let mem = insn.op_count() >= 1 && insn.op0_kind() == OpKind::Memory;
    macro_rules! pick {
        ($op:expr, $pop:expr) => {
            if mem {
                arith_mem::<{ $op }> as Handler
            } else {
                arith_reg::<{ $op }, { $pop }>
            }
        };
    }
    Some(match insn.mnemonic() {
        Mnemonic::Fadd | Mnemonic::Fiadd => pick!(ADD, false),
        Mnemonic::Fsub | Mnemonic::Fisub => pick!(SUB, false),
        Mnemonic::Fsubr | Mnemonic::Fisubr => pick!(SUBR, false),
        Mnemonic::Fmul | Mnemonic::Fimul => pick!(MUL, false),
        Mnemonic::Fdiv | Mnemonic::Fidiv => pick!(DIV, false),
        Mnemonic::Fdivr | Mnemonic::Fidivr => pick!(DIVR, false),
        Mnemonic::Faddp => pick!(ADD, true),
        Mnemonic::Fsubp => pick!(SUB, true),
        Mnemonic::Fsubrp => pick!(SUBR, true),
        Mnemonic::Fmulp => pick!(MUL, true),
        Mnemonic::Fdivp => pick!(DIV, true),
        Mnemonic::Fdivrp => pick!(DIVR, true),
        _ => match insn.code() {
            Code::Fsqrt => fsqrt,
            Code::Frndint => frndint,
            Code::Fscale => fscale,
            Code::Fxtract => fxtract,
            Code::Fprem => fprem::<false>,
            Code::Fprem1 => fprem::<true>,
            _ => return None,
        },
    })
}

#[inline]
fn compute<const OP: u8>(a: F80, b: F80, e: X87Env) -> F80Result {
    match OP {
        ADD => f80::add(a, b, e),
        SUB => f80::sub(a, b, e),
        SUBR => f80::sub(b, a, e),
        MUL => f80::mul(a, b, e),
        DIV => f80::div(a, b, e),
        _ => f80::div(b, a, e),
    }
}

/// Store the result `r` (plus `extra` load flags) into ST(dst), popping if
/// asked, with the unmasked-exception rules.
fn finish(cpu: &mut Cpu, dst: u8, r: F80Result, extra: u8, pop: bool) {
    let flags = r.flags | extra;
    let (flags, stop) = screen(cpu, flags, IE | DE | ZE);
    let f = &mut cpu.state.fpu;
    f.signal(u16::from(flags));
    if stop {
        f.set_c1(false);
        return;
    }
    f.set_c1(r.c1);
    f.set_st(dst, from_f80(r.value));
    if pop {
        f.pop();
    }
}

/// Masked underflow response: ST(dst) = indefinite (then pop if asked).
/// Returns after an unmasked underflow without changes.
fn underflow(cpu: &mut Cpu, dst: u8, pop: bool) {
    let f = &mut cpu.state.fpu;
    if f.stack_underflow() {
        return;
    }
    f.set_st(dst, Reg80::INDEFINITE);
    if pop {
        f.pop();
    }
}

/// ST(0) ← ST(0) OP m32/m64/m16int/m32int.
fn arith_mem<const OP: u8>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    let (b, lf) = read_source(cpu, d)?;
    record(cpu, d);
    if cpu.state.fpu.is_empty(0) {
        underflow(cpu, 0, false);
        return Ok(());
    }
    let a = to_f80(cpu.state.fpu.st(0));
    let r = compute::<OP>(a, b, env(cpu));
    let r = f80::apply_operand_de(a, b, r, lf);
    finish(cpu, 0, r, 0, false);
    Ok(())
}

/// ST(dst) ← ST(dst) OP ST(src), the destination being operand 0 (ST(0)
/// or ST(i)); P forms pop afterwards.
fn arith_reg<const OP: u8, const POP: bool>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    // FADDP etc. without operands (DE C1) are ST(1), ST(0) in iced.
    let (dst, src) = if d.insn.op_count() == 2 {
        (sti(d, 0), sti(d, 1))
    } else {
        (1, 0)
    };
    let f = &cpu.state.fpu;
    if f.is_empty(dst) || f.is_empty(src) {
        underflow(cpu, dst, POP);
        return Ok(());
    }
    let (a, b) = (to_f80(f.st(dst)), to_f80(f.st(src)));
    let r = compute::<OP>(a, b, env(cpu));
    finish(cpu, dst, r, 0, POP);
    Ok(())
}

/// One-operand ST(0) operations.
fn unary(cpu: &mut Cpu, d: &DecodedInsn, op: fn(F80, X87Env) -> F80Result) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    if cpu.state.fpu.is_empty(0) {
        underflow(cpu, 0, false);
        return Ok(());
    }
    let r = op(to_f80(cpu.state.fpu.st(0)), env(cpu));
    finish(cpu, 0, r, 0, false);
    Ok(())
}

fn fsqrt(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    unary(cpu, d, f80::sqrt)
}

fn frndint(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    unary(cpu, d, f80::round_to_int)
}

/// FSCALE: ST(0) ← ST(0) · 2^trunc(ST(1)).
fn fscale(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    let f = &cpu.state.fpu;
    if f.is_empty(0) || f.is_empty(1) {
        underflow(cpu, 0, false);
        return Ok(());
    }
    let r = f80::fscale(to_f80(f.st(0)), to_f80(f.st(1)), env(cpu));
    finish(cpu, 0, r, 0, false);
    Ok(())
}

/// FXTRACT: ST(0) ← exponent, then push the significand. Stack underflow
/// (empty ST(0)) masked: both become the indefinite; overflow (ST(7) in
/// use) masked: the same.
fn fxtract(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    let f = &mut cpu.state.fpu;
    if f.is_empty(0) {
        if !f.stack_underflow() {
            f.set_st(0, Reg80::INDEFINITE);
            f.push_unchecked(Reg80::INDEFINITE);
        }
        return Ok(());
    }
    if !f.is_empty(7) {
        if !f.stack_overflow() {
            f.set_st(0, Reg80::INDEFINITE);
            f.push_unchecked(Reg80::INDEFINITE);
        }
        return Ok(());
    }
    let x = f80::fxtract(to_f80(f.st(0)));
    let flags = x.flags;
    let (flags, stop) = screen(cpu, flags, IE | DE | ZE);
    let f = &mut cpu.state.fpu;
    f.signal(u16::from(flags));
    f.set_c1(false);
    if stop {
        return Ok(());
    }
    f.set_st(0, from_f80(x.exponent));
    f.push_unchecked(from_f80(x.significand));
    Ok(())
}

/// FPREM/FPREM1: ST(0) ← partial remainder of ST(0) / ST(1); C2 = 1 when
/// incomplete; else C0, C3, C1 = quotient bits Q2, Q1, Q0.
fn fprem<const IEEE: bool>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    let f = &cpu.state.fpu;
    if f.is_empty(0) || f.is_empty(1) {
        underflow(cpu, 0, false);
        cpu.state.fpu.sw &= !sw::C2;
        return Ok(());
    }
    let (a, b) = (to_f80(f.st(0)), to_f80(f.st(1)));
    let e = env(cpu);
    let r = if IEEE {
        f80::fprem1(a, b, e)
    } else {
        f80::fprem(a, b, e)
    };
    let (flags, stop) = screen(cpu, r.flags, IE | DE | ZE);
    let f = &mut cpu.state.fpu;
    f.signal(u16::from(flags));
    let no_quotient = stop || a.is_nan() || b.is_nan() || r.flags & IE != 0;
    if no_quotient {
        // C2 and C1 cleared, C3 and C0 kept, also when IE/DE are unmasked (as
        // a Core host does).
        let (c3, c0) = (f.sw & sw::C3 != 0, f.sw & sw::C0 != 0);
        f.set_cc(c3, false, false, c0);
    }
    if stop {
        return Ok(());
    }
    f.set_st(0, from_f80(r.value));
    if !no_quotient {
        // Incomplete: C2 = 1 and the quotient bits of this partial step.
        f.set_cc(r.q & 2 != 0, r.incomplete, r.q & 1 != 0, r.q & 4 != 0);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{fpu_cpu, int, run};
    use crate::cpu::fpu_state::{sw, Reg80};

    /// (code after FLD qword[0x200] (=a) and FILD word [0x208] (=b), steps,
    /// expected ST(0), expected TOP)
    #[test]
    fn forms_and_operand_order() {
        // a = 7 (m64 at 0x200), b = 2 (m16 at 0x208): stack ST0=b=2, ST1=a=7.
        let cases: [(&[u8], u64, Reg80, u8); 10] = [
            (&[0xD8, 0xC1], 1, int(9), 6),              // FADD ST0, ST1
            (&[0xD8, 0xE1], 1, int(-5), 6),             // FSUB ST0, ST1: 2-7
            (&[0xD8, 0xE9], 1, int(5), 6),              // FSUBR ST0, ST1: 7-2
            (&[0xDC, 0xE9], 1, int(5), 6),              // FSUB ST1, ST0: ST1 = 7-2
            (&[0xDE, 0xE9], 1, int(5), 7),              // FSUBP ST1, ST0: 7-2, pop
            (&[0xDE, 0xE1], 1, int(-5), 7),             // FSUBRP ST1, ST0: 2-7, pop
            (&[0xDE, 0xC9], 1, int(14), 7),             // FMULP
            (&[0xDA, 0x06, 0x08, 0x02], 1, int(4), 6),  // FIADD dword [0x208] (=2 + 2)
            (&[0xDC, 0x0E, 0x00, 0x02], 1, int(14), 6), // FMUL qword [0x200]
            (
                &[0xD9, 0xFA],
                1,
                Reg80 {
                    sig: 0xB504_F333_F9DE_6484,
                    se: 0x3FFF,
                },
                6,
            ), // FSQRT
        ];
        for (code, steps, want, top) in cases {
            let mut prog = vec![0xDD, 0x06, 0x00, 0x02, 0xDF, 0x06, 0x08, 0x02];
            prog.extend_from_slice(code);
            let mut cpu = fpu_cpu(&prog);
            cpu.mem.write(0x200, 8, 7.0f64.to_bits());
            cpu.mem.write(0x208, 4, 2);
            run(&mut cpu, 2 + steps as usize);
            let f = &cpu.state.fpu;
            let got = if code[0] == 0xDC && code[1] == 0xE9 {
                f.st(1)
            } else {
                f.st(0)
            };
            assert_eq!((got, f.top), (want, top), "{code:x?}");
        }
    }

    #[test]
    fn divide_by_zero_masked_and_unmasked() {
        // FLD1; FLDZ; FDIVP ST1, ST0 → +inf (masked ZE)
        let mut cpu = fpu_cpu(&[0xD9, 0xE8, 0xD9, 0xEE, 0xDE, 0xF9]);
        run(&mut cpu, 3);
        assert_eq!(
            cpu.state.fpu.st(0),
            Reg80 {
                sig: 1 << 63,
                se: 0x7FFF
            }
        );
        assert_eq!(cpu.state.fpu.sw & sw::EXCEPTIONS, sw::ZE);
        // Unmasked: nothing stored, no pop, ES set.
        let mut cpu = fpu_cpu(&[0xD9, 0xE8, 0xD9, 0xEE, 0xDE, 0xF9]);
        cpu.state.fpu.set_control_word(0x037B);
        run(&mut cpu, 3);
        let f = &cpu.state.fpu;
        assert_eq!((f.top, f.st(0), f.st(1)), (6, Reg80::ZERO, int(1)));
        assert_eq!(f.sw & (sw::ZE | sw::ES | sw::B), sw::ZE | sw::ES | sw::B);
    }

    #[test]
    fn prem_quotient_bits_and_xtract() {
        // FILD word [0x200] (3); FILD word [0x202] (17); FPREM → 17 mod 3 = 2, q = 5
        let mut cpu = fpu_cpu(&[0xDF, 0x06, 0x00, 0x02, 0xDF, 0x06, 0x02, 0x02, 0xD9, 0xF8]);
        cpu.mem.write(0x200, 2, 3);
        cpu.mem.write(0x202, 2, 17);
        run(&mut cpu, 3);
        let f = &cpu.state.fpu;
        assert_eq!(f.st(0), int(2));
        // q = 5 = 101b: C0 = Q2 = 1, C3 = Q1 = 0, C1 = Q0 = 1, C2 = 0.
        assert_eq!(f.sw & sw::CC, sw::C0 | sw::C1);
        // FXTRACT of 12: ST1 = 3, ST0 = 1.5
        let mut cpu = fpu_cpu(&[0xDF, 0x06, 0x00, 0x02, 0xD9, 0xF4]);
        cpu.mem.write(0x200, 2, 12);
        run(&mut cpu, 2);
        let f = &cpu.state.fpu;
        assert_eq!(
            (f.st(1), f.st(0)),
            (
                int(3),
                Reg80 {
                    sig: 0xC000_0000_0000_0000,
                    se: 0x3FFF
                }
            )
        );
    }
}
