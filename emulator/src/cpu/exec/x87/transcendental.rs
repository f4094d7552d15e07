//! x87 transcendental instructions (SDM Vol. 1 §8.3.10; Vol. 2 pages F2XM1,
//! FYL2X, FYL2XP1, FPTAN, FPATAN, FSIN, FCOS, FSINCOS). Values come from
//! [`crate::fpu::f80`] (host-compared within 1 ulp).
//!
//! Stack rules: an empty operand is a stack underflow (masked: the
//! destination gets the real indefinite, with the pop or push the
//! instruction makes; unmasked: nothing changes). FPTAN and FSINCOS push:
//! ST(7) in use is a stack overflow (masked: ST(0) and the pushed value
//! become the indefinite). FSIN, FCOS, FPTAN, FSINCOS with |x| ≥ 2^63 set C2
//! and clear C1, changing nothing else; otherwise C2 is cleared (F2XM1
//! leaves it alone). FPTAN pushes 1.0, or
//! the NaN result again when the result is a NaN (host-verified). FSINCOS
//! leaves sin in ST(1) and cos in ST(0). An unmasked IE, DE or ZE leaves the
//! stack unchanged. C1 is the round-up bit of the final rounding (of cos for
//! FSINCOS, of tan for FPTAN).

use super::{check_wait, env, from_f80, record, screen, to_f80};
use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::ExResult;
use crate::cpu::fpu_state::{sw, Reg80};
use crate::cpu::Cpu;
use crate::fpu::f80::{self, F80Result, X87Env, DE, F80, IE, ZE};
use iced_x86::{Instruction, Mnemonic};

pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.mnemonic() {
        Mnemonic::F2xm1 => f2xm1,
        Mnemonic::Fsin => fsin,
        Mnemonic::Fcos => fcos,
        Mnemonic::Fptan => fptan,
        Mnemonic::Fsincos => fsincos,
        Mnemonic::Fyl2x => fyl2x,
        Mnemonic::Fyl2xp1 => fyl2xp1,
        Mnemonic::Fpatan => fpatan,
        _ => return None,
    })
}

/// Sets C2 (clearing is done by passing false), keeping C3/C1/C0.
fn set_c2(cpu: &mut Cpu, c2: bool) {
    let f = &mut cpu.state.fpu;
    if c2 {
        f.sw |= sw::C2;
    } else {
        f.sw &= !sw::C2;
    }
}

/// |x| ≥ 2^63: C2 = 1 and C1 = 0 (host-verified), nothing else changes.
fn out_of_range(cpu: &mut Cpu) {
    set_c2(cpu, true);
    cpu.state.fpu.set_c1(false);
}

/// Records the flags of `r`; returns false when an unmasked IE/DE/ZE
/// stops the instruction (C1 then cleared).
fn flags(cpu: &mut Cpu, r: F80Result) -> bool {
    let (flags, stop) = screen(cpu, r.flags, IE | DE | ZE);
    let f = &mut cpu.state.fpu;
    f.signal(u16::from(flags));
    f.set_c1(if stop { false } else { r.c1 });
    !stop
}

/// ST(0) ← op(ST(0)); `None` from op means out of range (C2 = 1).
/// `TRIG`: C2 reports the range (FSIN/FCOS); F2XM1 leaves it as it was.
fn unary<const TRIG: bool>(
    cpu: &mut Cpu,
    d: &DecodedInsn,
    op: fn(F80, X87Env) -> Option<F80Result>,
) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    if TRIG {
        set_c2(cpu, false);
    }
    if cpu.state.fpu.is_empty(0) {
        if !cpu.state.fpu.stack_underflow() {
            cpu.state.fpu.set_st(0, Reg80::INDEFINITE);
        }
        return Ok(());
    }
    match op(to_f80(cpu.state.fpu.st(0)), env(cpu)) {
        None => out_of_range(cpu),
        Some(r) => {
            if flags(cpu, r) {
                cpu.state.fpu.set_st(0, from_f80(r.value));
            }
        }
    }
    Ok(())
}

fn f2xm1(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    // C2 is undefined for F2XM1; the host leaves it unchanged.
    unary::<false>(cpu, d, |x, e| Some(f80::f2xm1(x, e)))
}

fn fsin(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    unary::<true>(cpu, d, f80::fsin)
}

fn fcos(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    unary::<true>(cpu, d, f80::fcos)
}

/// ST(0) ← first, then push second (FPTAN, FSINCOS).
fn pushing(
    cpu: &mut Cpu,
    d: &DecodedInsn,
    op: fn(F80, X87Env) -> Option<(F80Result, F80Result)>,
) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    set_c2(cpu, false);
    let f = &mut cpu.state.fpu;
    if f.is_empty(0) || !f.is_empty(7) {
        let masked = if f.is_empty(0) {
            !f.stack_underflow()
        } else {
            !f.stack_overflow()
        };
        if masked {
            f.set_st(0, Reg80::INDEFINITE);
            f.push_unchecked(Reg80::INDEFINITE);
        }
        return Ok(());
    }
    match op(to_f80(f.st(0)), env(cpu)) {
        None => out_of_range(cpu),
        Some((a, b)) => {
            let both = F80Result {
                value: b.value,
                flags: a.flags | b.flags,
                c1: b.c1,
            };
            if flags(cpu, both) {
                let f = &mut cpu.state.fpu;
                f.set_st(0, from_f80(a.value));
                f.push_unchecked(from_f80(b.value));
            }
        }
    }
    Ok(())
}

fn fptan(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    pushing(cpu, d, |x, e| {
        f80::fptan(x, e).map(|t| {
            let one = if t.value.is_nan() { t.value } else { F80::ONE };
            (
                t,
                F80Result {
                    value: one,
                    flags: 0,
                    c1: t.c1,
                },
            )
        })
    })
}

fn fsincos(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    pushing(cpu, d, f80::fsincos)
}

/// ST(1) ← op(ST(0), ST(1)), then pop (FYL2X, FYL2XP1, FPATAN).
fn binary_pop(cpu: &mut Cpu, d: &DecodedInsn, op: fn(F80, F80, X87Env) -> F80Result) -> ExResult {
    check_wait(cpu)?;
    record(cpu, d);
    let f = &mut cpu.state.fpu;
    if f.is_empty(0) || f.is_empty(1) {
        if !f.stack_underflow() {
            f.set_st(1, Reg80::INDEFINITE);
            f.pop();
        }
        return Ok(());
    }
    let r = op(to_f80(f.st(0)), to_f80(f.st(1)), env(cpu));
    if flags(cpu, r) {
        let f = &mut cpu.state.fpu;
        f.set_st(1, from_f80(r.value));
        f.pop();
    }
    Ok(())
}

fn fyl2x(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    binary_pop(cpu, d, f80::fyl2x)
}

fn fyl2xp1(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    binary_pop(cpu, d, f80::fyl2xp1)
}

fn fpatan(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    binary_pop(cpu, d, f80::fpatan)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{fpu_cpu, int, run};
    use crate::cpu::fpu_state::{sw, Reg80};

    const PI_SIG: u64 = 0xC90F_DAA2_2168_C235;

    /// (code, steps, ST(0), ST(1) if checked, TOP)
    type Case = (&'static [u8], usize, Reg80, Option<Reg80>, u16);

    #[test]
    fn stack_effects() {
        // FLD1 FLD1 FPATAN → π/4; FLDZ FPTAN → 0, 1.0 pushed; FLDZ FSINCOS → sin 0, cos 0;
        // FLD1 FLD1 FYL2X (1·log2 1 = 0); FLD1 F2XM1 → 1.
        let quarter_pi = Reg80 {
            sig: PI_SIG,
            se: 0x3FFE,
        };
        let cases: [Case; 5] = [
            (
                &[0xD9, 0xE8, 0xD9, 0xE8, 0xD9, 0xF3],
                3,
                quarter_pi,
                None,
                7,
            ),
            (&[0xD9, 0xEE, 0xD9, 0xF2], 2, int(1), Some(Reg80::ZERO), 6),
            (&[0xD9, 0xEE, 0xD9, 0xFB], 2, int(1), Some(Reg80::ZERO), 6),
            (
                &[0xD9, 0xE8, 0xD9, 0xE8, 0xD9, 0xF1],
                3,
                Reg80::ZERO,
                None,
                7,
            ),
            (&[0xD9, 0xE8, 0xD9, 0xF0], 2, int(1), None, 7),
        ];
        for (code, n, st0, st1, top) in cases {
            let mut cpu = fpu_cpu(code);
            run(&mut cpu, n);
            let f = &cpu.state.fpu;
            assert_eq!(f.st(0), st0, "{code:x?}");
            if let Some(v) = st1 {
                assert_eq!(f.st(1), v, "{code:x?}");
            }
            assert_eq!(u16::from(f.top), top, "{code:x?}");
            assert_eq!(f.sw & sw::C2, 0);
        }
    }

    #[test]
    fn out_of_range_sets_c2_and_keeps_the_operand() {
        // FLD tword [0x200] (2^63), FSIN / FPTAN / FSINCOS.
        for op in [[0xD9, 0xFE], [0xD9, 0xF2], [0xD9, 0xFB]] {
            let mut code = vec![0xDB, 0x2E, 0x00, 0x02];
            code.extend_from_slice(&op);
            let mut cpu = fpu_cpu(&code);
            let big = Reg80 {
                sig: 1 << 63,
                se: 0x3FFF + 63,
            };
            for (i, b) in big.to_bytes().iter().enumerate() {
                cpu.write_mem(
                    crate::cpu::state::SegReg::Ds,
                    0x200 + i as u64,
                    1,
                    u64::from(*b),
                )
                .unwrap();
            }
            run(&mut cpu, 2);
            let f = &cpu.state.fpu;
            assert_eq!(f.st(0), big, "{op:x?}");
            assert_ne!(f.sw & sw::C2, 0, "{op:x?}");
            assert_eq!(f.top, 7, "{op:x?}");
        }
    }

    #[test]
    fn empty_operand_is_a_masked_underflow() {
        // FPATAN on an empty stack: ST(1) ← indefinite, pop; IE + SF.
        let mut cpu = fpu_cpu(&[0xD9, 0xF3]);
        run(&mut cpu, 1);
        let f = &cpu.state.fpu;
        assert_eq!(f.sw & 0x41, 0x41);
        assert_eq!(f.st(0), Reg80::INDEFINITE);
    }
}
