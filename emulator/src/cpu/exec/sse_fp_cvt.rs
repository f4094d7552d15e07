//! SSE/SSE2 conversions on XMM registers and general registers (SDM Vol. 2
//! CVTPS2PD, CVTPD2PS, CVTSS2SD, CVTSD2SS, CVTSI2SS, CVTSI2SD, CVTSS2SI,
//! CVTTSS2SI, CVTSD2SI, CVTTSD2SI, CVTDQ2PS, CVTPS2DQ, CVTTPS2DQ, CVTDQ2PD,
//! CVTPD2DQ, CVTTPD2DQ; Vol. 1 §11.4.1.5 / §10.4.6).
//!
//! Float→integer conversions round per MXCSR.RC or truncate (the CVTT
//! forms); NaN or out-of-range sources give IE and the integer indefinite
//! 0x80000000 when masked. CVTPD2PS/CVTPD2DQ/CVTTPD2DQ zero the upper 64
//! bits of the destination; scalar forms keep the rest of the destination.
//! Exceptions follow [`super::sse_fp::commit`].
//!
//! The MMX forms CVTPI2PS, CVTPS2PI, CVTTPS2PI, CVTPI2PD, CVTPD2PI and
//! CVTTPD2PI convert two lanes between an MMX register (or m64) and an XMM
//! register. With an MMX register operand they first take a pending
//! unmasked x87 exception (#MF with CR0.NE, else FERR#) and, on completion,
//! make the x87→MMX transition (TOP = 0, all tags valid; a written MMi gets
//! sign/exponent all ones) as SDM Vol. 1 §9.5 / §11.6.7 describe; with a
//! memory source (CVTPI2PS/PD xmm, m64) no transition is made (our reading
//! of the SDM pages, not host-verified).

use super::simd_common::{check_sse, is_mm, no_mm, src128, uses_mm, uses_xmm, xmm_of};
use super::sse_fp::commit;
use super::x87::check_pending;
use crate::cpu::decode::{reg_size, DecodedInsn, Handler};
use crate::cpu::exception::ExResult;
use crate::cpu::fpu_state::Reg80;
use crate::cpu::Cpu;
use crate::fpu::ieee::{self, F32, F64};
use iced_x86::{Instruction, Mnemonic, OpKind, Register};

/// Conversion kinds.
mod kind {
    pub const PS2PD: u8 = 0;
    pub const PD2PS: u8 = 1;
    pub const SS2SD: u8 = 2;
    pub const SD2SS: u8 = 3;
    pub const DQ2PS: u8 = 4;
    pub const PS2DQ: u8 = 5;
    pub const TPS2DQ: u8 = 6;
    pub const DQ2PD: u8 = 7;
    pub const PD2DQ: u8 = 8;
    pub const TPD2DQ: u8 = 9;
}

/// Handler for the conversion family (XMM and GPR forms).
pub fn handler(insn: &Instruction) -> Option<Handler> {
    use kind::*;
    match insn.mnemonic() {
        Mnemonic::Cvtpi2ps => return Some(pi2p::<false>),
        Mnemonic::Cvtpi2pd => return Some(pi2p::<true>),
        Mnemonic::Cvtps2pi => return Some(p2pi::<false, false>),
        Mnemonic::Cvttps2pi => return Some(p2pi::<false, true>),
        Mnemonic::Cvtpd2pi => return Some(p2pi::<true, false>),
        Mnemonic::Cvttpd2pi => return Some(p2pi::<true, true>),
        _ => {}
    }
    if uses_mm(insn) || !uses_xmm(insn) {
        return None;
    }
    Some(match insn.mnemonic() {
        Mnemonic::Cvtps2pd => xmm_cvt::<PS2PD>,
        Mnemonic::Cvtpd2ps => xmm_cvt::<PD2PS>,
        Mnemonic::Cvtss2sd => xmm_cvt::<SS2SD>,
        Mnemonic::Cvtsd2ss => xmm_cvt::<SD2SS>,
        Mnemonic::Cvtdq2ps => xmm_cvt::<DQ2PS>,
        Mnemonic::Cvtps2dq => xmm_cvt::<PS2DQ>,
        Mnemonic::Cvttps2dq => xmm_cvt::<TPS2DQ>,
        Mnemonic::Cvtdq2pd => xmm_cvt::<DQ2PD>,
        Mnemonic::Cvtpd2dq => xmm_cvt::<PD2DQ>,
        Mnemonic::Cvttpd2dq => xmm_cvt::<TPD2DQ>,
        Mnemonic::Cvtsi2ss => si2s::<false>,
        Mnemonic::Cvtsi2sd => si2s::<true>,
        Mnemonic::Cvtss2si => s2si::<false, false>,
        Mnemonic::Cvttss2si => s2si::<false, true>,
        Mnemonic::Cvtsd2si => s2si::<true, false>,
        Mnemonic::Cvttsd2si => s2si::<true, true>,
        _ => return None,
    })
}

/// The lane `i` of width `bits` of `v`.
#[inline(always)]
fn lane(v: u128, i: u32, bits: u32) -> u64 {
    let m = if bits == 64 {
        u64::MAX
    } else {
        (1 << bits) - 1
    };
    (v >> (i * bits)) as u64 & m
}

/// XMM→XMM conversions: computes the whole new destination.
#[inline(always)]
fn convert<const K: u8>(dst: u128, src: u128, mx: u32) -> (u128, u32) {
    use kind::*;
    let mut flags = 0;
    let mut acc = |(v, f): (u64, u32)| {
        flags |= f;
        u128::from(v)
    };
    let r = match K {
        PS2PD => {
            acc(ieee::f32_to_f64(lane(src, 0, 32), mx))
                | acc(ieee::f32_to_f64(lane(src, 1, 32), mx)) << 64
        }
        PD2PS => {
            acc(ieee::f64_to_f32(lane(src, 0, 64), mx))
                | acc(ieee::f64_to_f32(lane(src, 1, 64), mx)) << 32
        }
        SS2SD => dst & !u128::from(u64::MAX) | acc(ieee::f32_to_f64(lane(src, 0, 32), mx)),
        SD2SS => dst & !0xFFFF_FFFF | acc(ieee::f64_to_f32(lane(src, 0, 64), mx)),
        DQ2PS => (0..4).fold(0, |r, i| {
            r | acc(ieee::from_int::<F32>(
                i64::from(lane(src, i, 32) as u32 as i32),
                mx,
            )) << (32 * i)
        }),
        PS2DQ | TPS2DQ => (0..4).fold(0, |r, i| {
            r | acc(ieee::to_int::<F32>(lane(src, i, 32), 32, K == TPS2DQ, mx)) << (32 * i)
        }),
        DQ2PD => (0..2).fold(0, |r, i| {
            r | acc(ieee::from_int::<F64>(
                i64::from(lane(src, i, 32) as u32 as i32),
                mx,
            )) << (64 * i)
        }),
        _ => (0..2).fold(0, |r, i| {
            r | acc(ieee::to_int::<F64>(lane(src, i, 64), 32, K == TPD2DQ, mx)) << (32 * i)
        }),
    };
    (r, flags)
}

/// `xmm1 = convert(xmm2/mem)`.
fn xmm_cvt<const K: u8>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let src = src128(cpu, d, 1, true, no_mm)?;
    let i = xmm_of(d, 0);
    let (r, flags) = convert::<K>(cpu.state.xmm[i], src, cpu.state.mxcsr);
    commit(cpu, flags)?;
    cpu.state.xmm[i] = r;
    Ok(())
}

/// Width in bytes of the integer operand `n` (register or memory).
fn int_width(d: &DecodedInsn, n: u32) -> u32 {
    match d.insn.op_kind(n) {
        OpKind::Register => reg_size(d.insn.op_register(n)),
        _ => d.insn.memory_size().size() as u32,
    }
}

/// CVTSI2SS/CVTSI2SD xmm, r/m32 (r/m64 with REX.W).
fn si2s<const DOUBLE: bool>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let raw = src128(cpu, d, 1, false, no_mm)? as u64;
    let v = if int_width(d, 1) == 8 {
        raw as i64
    } else {
        i64::from(raw as u32 as i32)
    };
    let i = xmm_of(d, 0);
    let mx = cpu.state.mxcsr;
    let dst = cpu.state.xmm[i];
    let (r, flags) = if DOUBLE {
        let (x, f) = ieee::from_int::<F64>(v, mx);
        (dst & !u128::from(u64::MAX) | u128::from(x), f)
    } else {
        let (x, f) = ieee::from_int::<F32>(v, mx);
        (dst & !0xFFFF_FFFF | u128::from(x), f)
    };
    commit(cpu, flags)?;
    cpu.state.xmm[i] = r;
    Ok(())
}

/// CVT(T)SS2SI / CVT(T)SD2SI r32/r64, xmm/m32|m64.
fn s2si<const DOUBLE: bool, const TRUNC: bool>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let src = src128(cpu, d, 1, false, no_mm)? as u64;
    let dst = d.insn.op0_register();
    let width = reg_size(dst) * 8;
    let mx = cpu.state.mxcsr;
    let (v, flags) = if DOUBLE {
        ieee::to_int::<F64>(src, width, TRUNC, mx)
    } else {
        ieee::to_int::<F32>(src & 0xFFFF_FFFF, width, TRUNC, mx)
    };
    commit(cpu, flags)?;
    cpu.state.set_reg(dst, v);
    Ok(())
}

/// The x87→MMX transition of a completed instruction: TOP = 0, tags valid.
fn mmx_transition(cpu: &mut Cpu) {
    cpu.state.fpu.top = 0;
    cpu.state.fpu.tag = 0;
}

/// MMX register number of operand `n`.
fn mm_index(d: &DecodedInsn, n: u32) -> usize {
    (d.insn.op_register(n) as usize).wrapping_sub(Register::MM0 as usize) & 7
}

/// MMi as the source reader for `src128`.
fn mm_read(cpu: &Cpu, i: usize) -> u64 {
    cpu.state.fpu.regs[i & 7].sig
}

/// CVTPI2PS / CVTPI2PD xmm, mm/m64.
fn pi2p<const DOUBLE: bool>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let from_mm = d.insn.op1_kind() == OpKind::Register && is_mm(d.insn.op1_register());
    if from_mm {
        check_pending(cpu)?;
    }
    let src = src128(cpu, d, 1, false, mm_read)?;
    let i = xmm_of(d, 0);
    let mx = cpu.state.mxcsr;
    let lo = i64::from(src as u32 as i32);
    let hi = i64::from((src >> 32) as u32 as i32);
    let (r, flags) = if DOUBLE {
        let (a, f0) = ieee::from_int::<F64>(lo, mx);
        let (b, f1) = ieee::from_int::<F64>(hi, mx);
        (u128::from(a) | u128::from(b) << 64, f0 | f1)
    } else {
        let (a, f0) = ieee::from_int::<F32>(lo, mx);
        let (b, f1) = ieee::from_int::<F32>(hi, mx);
        let dst = cpu.state.xmm[i] & !u128::from(u64::MAX);
        (dst | u128::from(a) | u128::from(b) << 32, f0 | f1)
    };
    commit(cpu, flags)?;
    cpu.state.xmm[i] = r;
    if from_mm {
        mmx_transition(cpu);
    }
    Ok(())
}

/// CVT(T)PS2PI mm, xmm/m64 and CVT(T)PD2PI mm, xmm/m128 (aligned).
fn p2pi<const DOUBLE: bool, const TRUNC: bool>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    check_pending(cpu)?;
    let src = src128(cpu, d, 1, true, no_mm)?;
    let mx = cpu.state.mxcsr;
    let (lo, hi) = if DOUBLE {
        (
            ieee::to_int::<F64>(src as u64, 32, TRUNC, mx),
            ieee::to_int::<F64>((src >> 64) as u64, 32, TRUNC, mx),
        )
    } else {
        (
            ieee::to_int::<F32>(src as u64 & 0xFFFF_FFFF, 32, TRUNC, mx),
            ieee::to_int::<F32>((src >> 32) as u64 & 0xFFFF_FFFF, 32, TRUNC, mx),
        )
    };
    commit(cpu, lo.1 | hi.1)?;
    cpu.state.fpu.regs[mm_index(d, 0)] = Reg80 {
        sig: lo.0 | hi.0 << 32,
        se: 0xFFFF,
    };
    mmx_transition(cpu);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::simd_common::testing::{exec, sse_cpu};
    use super::*;
    use crate::cpu::exception::Exception;
    use crate::cpu::fpu_state::sw;
    use crate::cpu::state::cr0;

    fn run(code: &[u8], a: u128, b: u128, mx: u32) -> (ExResult, u128, u32, u64) {
        let mut cpu = sse_cpu(code);
        cpu.state.xmm[0] = a;
        cpu.state.xmm[1] = b;
        cpu.state.mxcsr = mx;
        cpu.state.regs[1] = 0x1234_5678;
        let r = exec(&mut cpu);
        (r, cpu.state.xmm[0], cpu.state.mxcsr, cpu.state.regs[1])
    }

    #[test]
    fn xmm_forms() {
        let up = 0xAAAA_u128 << 96;
        // (code, dst, src, result, mxcsr flags)
        let cases: &[(&[u8], u128, u128, u128, u32)] = &[
            // cvtps2pd: (1.0, 2.0) → (1.0, 2.0)
            (
                &[0x0F, 0x5A, 0xC1],
                up,
                0x4000_0000_3F80_0000,
                0x4000 << 112 | 0x3FF0 << 48,
                0,
            ),
            // cvtpd2ps: upper half zeroed
            (
                &[0x66, 0x0F, 0x5A, 0xC1],
                up,
                0x4000 << 112 | 0x3FF0 << 48,
                0x4000_0000_3F80_0000,
                0,
            ),
            // cvtss2sd keeps the upper lane
            (
                &[0xF3, 0x0F, 0x5A, 0xC1],
                up,
                0x3F80_0000,
                up | 0x3FF0 << 48,
                0,
            ),
            // cvtsd2ss of 0.1: inexact
            (
                &[0xF2, 0x0F, 0x5A, 0xC1],
                up,
                0x3FB9_9999_9999_999A,
                up | 0x3DCC_CCCD,
                ieee::PE,
            ),
            // cvtdq2ps (-1, 3)
            (
                &[0x0F, 0x5B, 0xC1],
                up,
                0x3_FFFF_FFFF,
                0x4040_0000_BF80_0000,
                0,
            ),
            // cvtps2dq (1.5 → 2, 2.5 → 2, NaN → indefinite)
            (
                &[0x66, 0x0F, 0x5B, 0xC1],
                0,
                0x7FC0_0000_u128 << 64 | 0x4020_0000_3FC0_0000,
                0x8000_0000_u128 << 64 | 0x2_0000_0002,
                ieee::IE | ieee::PE,
            ),
            // cvttps2dq (1.5 → 1, -1.5 → -1)
            (
                &[0xF3, 0x0F, 0x5B, 0xC1],
                0,
                0xBFC0_0000_3FC0_0000,
                0xFFFF_FFFF_0000_0001,
                ieee::PE,
            ),
            // cvtdq2pd (-1, 2)
            (
                &[0xF3, 0x0F, 0xE6, 0xC1],
                up,
                0x2_FFFF_FFFF,
                0x4000 << 112 | 0xBFF0 << 48,
                0,
            ),
            // cvttpd2dq (2.75, -2.75) → (2, -2), upper zeroed
            (
                &[0x66, 0x0F, 0xE6, 0xC1],
                up,
                0xC006_u128 << 112 | 0x4006 << 48,
                0xFFFF_FFFE_0000_0002,
                ieee::PE,
            ),
            // cvtpd2dq (2.75, -2.75) → (3, -3)
            (
                &[0xF2, 0x0F, 0xE6, 0xC1],
                up,
                0xC006_u128 << 112 | 0x4006 << 48,
                0xFFFF_FFFD_0000_0003,
                ieee::PE,
            ),
        ];
        for (i, &(code, a, b, r, f)) in cases.iter().enumerate() {
            let (res, x, mx, _) = run(code, a, b, 0x1F80);
            assert_eq!(res, Ok(()), "case {i}");
            assert_eq!((x, mx & 0x3F), (r, f), "case {i}: {x:#x}");
        }
    }

    #[test]
    fn gpr_forms() {
        // cvtsi2ss xmm0, ecx (66-less 32-bit operand in real mode: F3 0F 2A C1)
        let (r, x, _, _) = run(&[0xF3, 0x0F, 0x2A, 0xC1], 0xFFFF_u128 << 32, 0, 0x1F80);
        assert_eq!((r, x), (Ok(()), 0xFFFF_u128 << 32 | 0x4D91_A2B4));
        // cvtsi2sd xmm0, ecx
        let (r, x, _, _) = run(&[0xF2, 0x0F, 0x2A, 0xC1], 0, 0, 0x1F80);
        assert_eq!((r, x), (Ok(()), 0x41B2_3456_7800_0000));
        // cvtss2si ecx, xmm1 (2.5 → 2) and cvttss2si (−2.5 → −2)
        let (r, _, _, c) = run(&[0xF3, 0x0F, 0x2D, 0xC9], 0, 0x4020_0000, 0x1F80);
        assert_eq!((r, c), (Ok(()), 2));
        let (r, _, _, c) = run(&[0xF3, 0x0F, 0x2C, 0xC9], 0, 0xC020_0000, 0x1F80);
        assert_eq!((r, c), (Ok(()), 0xFFFF_FFFE));
        // cvtsd2si ecx, xmm1 of 2^40: IE → indefinite when masked…
        let big = 0x4270_0000_0000_0000;
        let (r, _, mx, c) = run(&[0xF2, 0x0F, 0x2D, 0xC9], 0, big, 0x1F80);
        assert_eq!((r, c, mx & 0x3F), (Ok(()), 0x8000_0000, ieee::IE));
        // …and #UD with ECX unchanged when IE is unmasked.
        let (r, _, _, c) = run(&[0xF2, 0x0F, 0x2D, 0xC9], 0, big, 0x1F00);
        assert_eq!((r, c), (Err(Exception::InvalidOpcode), 0x1234_5678));
    }

    #[test]
    fn mmx_forms() {
        // cvtpi2ps xmm0, mm1: (−1, 3); upper half of xmm0 kept; transition.
        let mut cpu = sse_cpu(&[0x0F, 0x2A, 0xC1]);
        cpu.state.xmm[0] = 0x5555_u128 << 100;
        cpu.state.fpu.regs[1] = Reg80 {
            sig: 0x3_FFFF_FFFF,
            se: 0xFFFF,
        };
        cpu.state.fpu.top = 5;
        cpu.state.fpu.tag = 0xFFFF;
        cpu.state.mxcsr = 0x1F80;
        assert_eq!(exec(&mut cpu), Ok(()));
        assert_eq!(cpu.state.xmm[0], 0x5555_u128 << 100 | 0x4040_0000_BF80_0000);
        assert_eq!((cpu.state.fpu.top, cpu.state.fpu.tag), (0, 0));
        // cvtpi2pd xmm0, mm1
        let mut cpu = sse_cpu(&[0x66, 0x0F, 0x2A, 0xC1]);
        cpu.state.fpu.regs[1] = Reg80 {
            sig: 0x2_FFFF_FFFF,
            se: 0xFFFF,
        };
        assert_eq!(exec(&mut cpu), Ok(()));
        assert_eq!(cpu.state.xmm[0], 0x4000 << 112 | 0xBFF0 << 48);
        // cvtps2pi mm2, xmm1: (2.5, −1.5) → (2, −2); cvttps2pi → (2, −1)
        for (code, r) in [
            (&[0x0F, 0x2D, 0xD1], 0xFFFF_FFFE_0000_0002u64),
            (&[0x0F, 0x2C, 0xD1], 0xFFFF_FFFF_0000_0002),
        ] {
            let mut cpu = sse_cpu(code);
            cpu.state.xmm[1] = 0xBFC0_0000_4020_0000;
            cpu.state.mxcsr = 0x1F80;
            assert_eq!(exec(&mut cpu), Ok(()));
            assert_eq!(cpu.state.fpu.regs[2], Reg80 { sig: r, se: 0xFFFF });
            assert_eq!(cpu.state.mxcsr & 0x3F, ieee::PE);
        }
        // cvtpd2pi mm2, xmm1 with a NaN lane: indefinite, IE.
        let mut cpu = sse_cpu(&[0x66, 0x0F, 0x2D, 0xD1]);
        cpu.state.xmm[1] = 0x7FF8_u128 << 112 | 0x4000 << 48;
        cpu.state.mxcsr = 0x1F80;
        assert_eq!(exec(&mut cpu), Ok(()));
        assert_eq!(cpu.state.fpu.regs[2].sig, 0x8000_0000_0000_0002);
        assert_eq!(cpu.state.mxcsr & 0x3F, ieee::IE);
        // A pending unmasked x87 exception with CR0.NE → #MF, nothing changed.
        let mut cpu = sse_cpu(&[0x0F, 0x2D, 0xD1]);
        cpu.state.fpu.sw |= sw::ES;
        cpu.state.cr0 |= cr0::NE;
        cpu.state.fpu.top = 3;
        assert_eq!(exec(&mut cpu), Err(Exception::FpuError));
        assert_eq!(cpu.state.fpu.top, 3);
    }

    #[test]
    fn memory_forms_and_alignment() {
        // (code with [bx] operand, bx, memory bytes at bx, expected result)
        let two_f32 = 0x4000_0000_3F80_0000u64.to_le_bytes();
        let one_f64 = 0x3FF0_0000_0000_0000u64.to_le_bytes();
        let mut m128 = [0u8; 16];
        m128[..8].copy_from_slice(&one_f64);
        // cvtps2pd xmm0, [bx]: m64, no alignment rule.
        let mut cpu = sse_cpu(&[0x0F, 0x5A, 0x07]);
        cpu.state.regs[3] = 0x203;
        cpu.mem.write_bytes(0x203, &two_f32);
        assert_eq!(exec(&mut cpu), Ok(()));
        assert_eq!(cpu.state.xmm[0], 0x4000 << 112 | 0x3FF0 << 48);
        // cvtsd2ss xmm0, [bx]: m64 scalar.
        let mut cpu = sse_cpu(&[0xF2, 0x0F, 0x5A, 0x07]);
        cpu.state.regs[3] = 0x205;
        cpu.mem.write_bytes(0x205, &one_f64);
        assert_eq!(exec(&mut cpu), Ok(()));
        assert_eq!(cpu.state.xmm[0] as u32, 0x3F80_0000);
        // cvtpd2ps xmm0, [bx]: m128, must be aligned.
        let mut cpu = sse_cpu(&[0x66, 0x0F, 0x5A, 0x07]);
        cpu.state.regs[3] = 0x208;
        cpu.mem.write_bytes(0x208, &m128);
        assert_eq!(exec(&mut cpu), Err(Exception::GeneralProtection(0)));
        cpu.state.regs[3] = 0x210;
        cpu.mem.write_bytes(0x210, &m128);
        assert_eq!(exec(&mut cpu), Ok(()));
        assert_eq!(cpu.state.xmm[0], 0x3F80_0000);
        // cvtpd2pi mm0, [bx]: m128 aligned as well; no x87 change on the fault.
        let mut cpu = sse_cpu(&[0x66, 0x0F, 0x2D, 0x07]);
        cpu.state.regs[3] = 0x208;
        cpu.state.fpu.top = 4;
        assert_eq!(exec(&mut cpu), Err(Exception::GeneralProtection(0)));
        assert_eq!(cpu.state.fpu.top, 4);
        // cvtpi2ps xmm0, [bx] (m64): converts, no x87 transition.
        let mut cpu = sse_cpu(&[0x0F, 0x2A, 0x07]);
        cpu.state.regs[3] = 0x201;
        cpu.mem
            .write_bytes(0x201, &0x0000_0002_FFFF_FFFFu64.to_le_bytes());
        cpu.state.fpu.top = 4;
        assert_eq!(exec(&mut cpu), Ok(()));
        assert_eq!(cpu.state.xmm[0], 0x4000_0000_BF80_0000);
        assert_eq!(cpu.state.fpu.top, 4);
        // cvtsi2sd xmm0, dword [bx] (66 for a 32-bit operand in real mode).
        let mut cpu = sse_cpu(&[0x66, 0xF2, 0x0F, 0x2A, 0x07]);
        cpu.state.regs[3] = 0x201;
        cpu.mem.write_bytes(0x201, &(-3i32).to_le_bytes());
        assert_eq!(exec(&mut cpu), Ok(()));
        assert_eq!(cpu.state.xmm[0], 0xC008_0000_0000_0000);
    }
}
