//! SSE/SSE2 floating-point compares (SDM Vol. 2 CMPPS, CMPSS, CMPPD, CMPSD,
//! COMISS, COMISD, UCOMISS, UCOMISD; Vol. 1 §11.4.1.4).
//!
//! CMP* write an all-ones/all-zeros mask per element for predicate
//! `imm8 & 7` (EQ, LT, LE, UNORD, NEQ, NLT, NLE, ORD; the legacy-SSE
//! encoding ignores imm8 bits 3–7). COMIS*/UCOMIS* set ZF, PF, CF (111 for
//! unordered, 000 greater, 001 less, 100 equal) and clear OF, SF, AF;
//! COMIS* signal IE on any NaN, UCOMIS* only on an SNaN. Unmasked
//! exceptions follow [`super::sse_fp::commit`]: no destination (register or
//! EFLAGS) change, #XM or #UD.

use super::simd_common::{check_sse, no_mm, src128, uses_xmm, xmm_of};
use super::sse_fp::{commit, form, lanes};
use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::ExResult;
use crate::cpu::flags::{AF, ARITH, CF, OF, PF, SF, ZF};
use crate::cpu::Cpu;
use crate::fpu::ieee::{self, Ordering, F32, F64};
use iced_x86::{Instruction, Mnemonic};

/// Handler for the compare family (XMM forms only: the string CMPSD is a
/// different instruction with the same mnemonic).
pub fn handler(insn: &Instruction) -> Option<Handler> {
    if !uses_xmm(insn) {
        return None;
    }
    Some(match insn.mnemonic() {
        Mnemonic::Cmpps => cmp::<{ form::PS }>,
        Mnemonic::Cmpss => cmp::<{ form::SS }>,
        Mnemonic::Cmppd => cmp::<{ form::PD }>,
        Mnemonic::Cmpsd => cmp::<{ form::SD }>,
        Mnemonic::Comiss => comi::<false, true>,
        Mnemonic::Ucomiss => comi::<false, false>,
        Mnemonic::Comisd => comi::<true, true>,
        Mnemonic::Ucomisd => comi::<true, false>,
        _ => return None,
    })
}

/// CMPccPS/SS/PD/SD xmm1, xmm2/mem, imm8.
fn cmp<const FORM: u8>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let b = src128(cpu, d, 1, true, no_mm)?;
    let pred = d.insn.immediate8();
    let i = xmm_of(d, 0);
    let mx = cpu.state.mxcsr;
    let a = cpu.state.xmm[i];
    let (r, flags) = if FORM >= form::PD {
        lanes::<FORM>(a, b, |x, y| {
            let (t, f) = ieee::cmp::<F64>(x, y, pred, mx);
            (if t { u64::MAX } else { 0 }, f)
        })
    } else {
        lanes::<FORM>(a, b, |x, y| {
            let (t, f) = ieee::cmp::<F32>(x, y, pred, mx);
            (if t { u64::MAX } else { 0 }, f)
        })
    };
    commit(cpu, flags)?;
    cpu.state.xmm[i] = r;
    Ok(())
}

/// COMISS/UCOMISS/COMISD/UCOMISD xmm1, xmm2/m32|m64.
fn comi<const DOUBLE: bool, const SIGNAL: bool>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let b = src128(cpu, d, 1, false, no_mm)?;
    let a = cpu.state.xmm[xmm_of(d, 0)];
    let mx = cpu.state.mxcsr;
    let (o, flags) = if DOUBLE {
        ieee::comi::<F64>(a as u64, b as u64, SIGNAL, mx)
    } else {
        ieee::comi::<F32>(a as u32 as u64, b as u32 as u64, SIGNAL, mx)
    };
    commit(cpu, flags)?;
    let v = match o {
        Ordering::Unordered => ZF | PF | CF,
        Ordering::Equal => ZF,
        Ordering::Less => CF,
        Ordering::Greater => 0,
    };
    debug_assert_eq!(ARITH, CF | PF | AF | ZF | SF | OF);
    cpu.state.flags.set_arith(v);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::simd_common::testing::{exec, sse_cpu};
    use super::*;
    use crate::cpu::exception::Exception;

    const ONE: u128 = 0x3F80_0000;
    const TWO: u128 = 0x4000_0000;
    const QNAN: u128 = 0x7FC0_0000;
    const SNAN: u128 = 0x7F80_0001;

    #[test]
    fn cmpps_predicates() {
        // cmpps xmm0, xmm1, imm: lanes (1,2), (2,1), (1,1), (QNaN,1).
        let a = ONE | TWO << 32 | ONE << 64 | QNAN << 96;
        let b = TWO | ONE << 32 | ONE << 64 | ONE << 96;
        let m = |l: [bool; 4]| -> u128 {
            l.iter()
                .enumerate()
                .map(|(i, &t)| if t { 0xFFFF_FFFFu128 << (32 * i) } else { 0 })
                .sum()
        };
        let cases: &[(u8, u128, u32)] = &[
            (0, m([false, false, true, false]), 0),
            (1, m([true, false, false, false]), ieee::IE),
            (2, m([true, false, true, false]), ieee::IE),
            (3, m([false, false, false, true]), 0),
            (4, m([true, true, false, true]), 0),
            (5, m([false, true, true, true]), ieee::IE),
            (6, m([false, true, false, true]), ieee::IE),
            (7, m([true, true, true, false]), 0),
        ];
        for &(p, r, f) in cases {
            let mut cpu = sse_cpu(&[0x0F, 0xC2, 0xC1, p]);
            cpu.state.xmm[0] = a;
            cpu.state.xmm[1] = b;
            cpu.state.mxcsr = 0x1F80;
            assert_eq!(exec(&mut cpu), Ok(()));
            assert_eq!(
                (cpu.state.xmm[0], cpu.state.mxcsr & 0x3F),
                (r, f),
                "pred {p}"
            );
        }
        // cmpsd (F2 0F C2) keeps the upper lane.
        let mut cpu = sse_cpu(&[0xF2, 0x0F, 0xC2, 0xC1, 0]);
        cpu.state.xmm[0] = 0x3FF0 << 48 | 9 << 64;
        cpu.state.xmm[1] = 0x3FF0 << 48;
        cpu.state.mxcsr = 0x1F80;
        assert_eq!(exec(&mut cpu), Ok(()));
        assert_eq!(cpu.state.xmm[0], u128::from(u64::MAX) | 9 << 64);
    }

    #[test]
    fn comiss_flags() {
        // (code, a, b, eflags arith bits, mxcsr flags)
        let comiss: &[u8] = &[0x0F, 0x2F, 0xC1];
        let ucomiss: &[u8] = &[0x0F, 0x2E, 0xC1];
        let cases: &[(&[u8], u128, u128, u32, u32)] = &[
            (comiss, ONE, TWO, CF, 0),
            (comiss, TWO, ONE, 0, 0),
            (comiss, ONE, ONE, ZF, 0),
            (comiss, QNAN, ONE, ZF | PF | CF, ieee::IE),
            (ucomiss, QNAN, ONE, ZF | PF | CF, 0),
            (ucomiss, SNAN, ONE, ZF | PF | CF, ieee::IE),
        ];
        for (i, &(code, a, b, fl, mf)) in cases.iter().enumerate() {
            let mut cpu = sse_cpu(code);
            cpu.state.xmm[0] = a;
            cpu.state.xmm[1] = b;
            cpu.state.mxcsr = 0x1F80;
            cpu.state.flags.set_arith(ARITH);
            assert_eq!(exec(&mut cpu), Ok(()), "case {i}");
            assert_eq!(cpu.state.flags.eflags() & ARITH, fl, "case {i}");
            assert_eq!(cpu.state.mxcsr & 0x3F, mf, "case {i}");
        }
        // Unmasked IE: EFLAGS untouched, #UD (no OSXMMEXCPT).
        let mut cpu = sse_cpu(comiss);
        cpu.state.xmm[0] = QNAN;
        cpu.state.mxcsr = 0x1F80 & !(ieee::IE << 7);
        cpu.state.flags.set_arith(OF | SF);
        assert_eq!(exec(&mut cpu), Err(Exception::InvalidOpcode));
        assert_eq!(cpu.state.flags.eflags() & ARITH, OF | SF);
    }
}
