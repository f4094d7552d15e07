//! SSE/SSE2 integer shifts, pack/unpack, shuffles and element moves on XMM
//! registers (SDM Vol. 1 §11.4.3–11.4.4, §10.4.6; Vol. 2 pages of PSLLW/
//! PSLLD/PSLLQ, PSRLW/D/Q, PSRAW/D, PSLLDQ, PSRLDQ, PACKSSWB, PACKSSDW,
//! PACKUSWB, PUNPCKL*/PUNPCKH*, PSHUFD, PSHUFHW, PSHUFLW, SHUFPS, SHUFPD,
//! UNPCKLPS/UNPCKHPS/UNPCKLPD/UNPCKHPD, PINSRW, PEXTRW, PMOVMSKB,
//! MOVMSKPS, MOVMSKPD).
//!
//! The pure functions take the register width `w` in bytes (8 for MMX, 16
//! for XMM) so the MMX forms share them. m128 operands must be 16-byte
//! aligned (#GP(0)).

use super::simd_common::{check_sse, no_mm, src128, uses_mm, xmm_of};
use super::sse_int::{sat_s, sat_u, sx};
use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::ExResult;
use crate::cpu::Cpu;
use iced_x86::{Instruction, Mnemonic, OpKind};

/// Shift operations of [`shift`].
pub mod sh {
    pub const PSLLW: u8 = 0;
    pub const PSLLD: u8 = 1;
    pub const PSLLQ: u8 = 2;
    pub const PSRLW: u8 = 3;
    pub const PSRLD: u8 = 4;
    pub const PSRLQ: u8 = 5;
    pub const PSRAW: u8 = 6;
    pub const PSRAD: u8 = 7;
}

/// Pack/unpack operations of [`pack`].
pub mod pk {
    pub const PACKSSWB: u8 = 0;
    pub const PACKSSDW: u8 = 1;
    pub const PACKUSWB: u8 = 2;
    pub const PUNPCKLBW: u8 = 3;
    pub const PUNPCKLWD: u8 = 4;
    pub const PUNPCKLDQ: u8 = 5;
    pub const PUNPCKLQDQ: u8 = 6;
    pub const PUNPCKHBW: u8 = 7;
    pub const PUNPCKHWD: u8 = 8;
    pub const PUNPCKHDQ: u8 = 9;
    pub const PUNPCKHQDQ: u8 = 10;
}

/// Shift operation of a mnemonic.
pub fn shift_of(m: Mnemonic) -> Option<u8> {
    use sh::*;
    Some(match m {
        Mnemonic::Psllw => PSLLW,
        Mnemonic::Pslld => PSLLD,
        Mnemonic::Psllq => PSLLQ,
        Mnemonic::Psrlw => PSRLW,
        Mnemonic::Psrld => PSRLD,
        Mnemonic::Psrlq => PSRLQ,
        Mnemonic::Psraw => PSRAW,
        Mnemonic::Psrad => PSRAD,
        _ => return None,
    })
}

/// Pack/unpack operation of a mnemonic (UNPCK*PS/PD are the dword/qword
/// interleaves).
pub fn pack_of(m: Mnemonic) -> Option<u8> {
    use pk::*;
    Some(match m {
        Mnemonic::Packsswb => PACKSSWB,
        Mnemonic::Packssdw => PACKSSDW,
        Mnemonic::Packuswb => PACKUSWB,
        Mnemonic::Punpcklbw => PUNPCKLBW,
        Mnemonic::Punpcklwd => PUNPCKLWD,
        Mnemonic::Punpckldq | Mnemonic::Unpcklps => PUNPCKLDQ,
        Mnemonic::Punpcklqdq | Mnemonic::Unpcklpd => PUNPCKLQDQ,
        Mnemonic::Punpckhbw => PUNPCKHBW,
        Mnemonic::Punpckhwd => PUNPCKHWD,
        Mnemonic::Punpckhdq | Mnemonic::Unpckhps => PUNPCKHDQ,
        Mnemonic::Punpckhqdq | Mnemonic::Unpckhpd => PUNPCKHQDQ,
        _ => return None,
    })
}

/// Handler for the XMM forms.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    if uses_mm(insn) {
        return None;
    }
    let m = insn.mnemonic();
    if let Some(o) = shift_of(m) {
        use sh::*;
        return Some(match o {
            PSLLW => xmm_shift::<PSLLW>,
            PSLLD => xmm_shift::<PSLLD>,
            PSLLQ => xmm_shift::<PSLLQ>,
            PSRLW => xmm_shift::<PSRLW>,
            PSRLD => xmm_shift::<PSRLD>,
            PSRLQ => xmm_shift::<PSRLQ>,
            PSRAW => xmm_shift::<PSRAW>,
            _ => xmm_shift::<PSRAD>,
        });
    }
    if let Some(o) = pack_of(m) {
        use pk::*;
        return Some(match o {
            PACKSSWB => xmm_pack::<PACKSSWB>,
            PACKSSDW => xmm_pack::<PACKSSDW>,
            PACKUSWB => xmm_pack::<PACKUSWB>,
            PUNPCKLBW => xmm_pack::<PUNPCKLBW>,
            PUNPCKLWD => xmm_pack::<PUNPCKLWD>,
            PUNPCKLDQ => xmm_pack::<PUNPCKLDQ>,
            PUNPCKLQDQ => xmm_pack::<PUNPCKLQDQ>,
            PUNPCKHBW => xmm_pack::<PUNPCKHBW>,
            PUNPCKHWD => xmm_pack::<PUNPCKHWD>,
            PUNPCKHDQ => xmm_pack::<PUNPCKHDQ>,
            _ => xmm_pack::<PUNPCKHQDQ>,
        });
    }
    Some(match m {
        Mnemonic::Pslldq => xmm_pslldq,
        Mnemonic::Psrldq => xmm_psrldq,
        Mnemonic::Pshufd => xmm_pshufd,
        Mnemonic::Pshufhw => xmm_pshufhw,
        Mnemonic::Pshuflw => xmm_pshuflw,
        Mnemonic::Shufps => xmm_shufps,
        Mnemonic::Shufpd => xmm_shufpd,
        Mnemonic::Pinsrw => xmm_pinsrw,
        Mnemonic::Pextrw if insn.op0_kind() == OpKind::Register => xmm_pextrw,
        Mnemonic::Pmovmskb => xmm_pmovmskb,
        Mnemonic::Movmskps => xmm_movmskps,
        Mnemonic::Movmskpd => xmm_movmskpd,
        _ => return None,
    })
}

/// Shift the lanes of the low `w` bytes of `a` by `count` (a 64-bit
/// count; logical shifts past the lane width give 0, arithmetic ones fill
/// with the sign).
#[inline(always)]
pub fn shift(o: u8, a: u128, count: u64, w: usize) -> u128 {
    use super::sse_int::lanes;
    use sh::*;
    let (bits, lane) = match o {
        PSLLW | PSRLW | PSRAW => (16u64, 2),
        PSLLD | PSRLD | PSRAD => (32, 4),
        _ => (64, 8),
    };
    let f = |x: u64, _| -> u64 {
        match o {
            PSLLW | PSLLD | PSLLQ if count >= bits => 0,
            PSLLW | PSLLD | PSLLQ => x << count,
            PSRLW | PSRLD | PSRLQ if count >= bits => 0,
            PSRLW | PSRLD | PSRLQ => x >> count,
            _ => (sx(x, bits as u32) >> count.min(bits - 1)) as u64,
        }
    };
    match lane {
        2 => lanes::<2>(a, 0, w, f),
        4 => lanes::<4>(a, 0, w, f),
        _ => lanes::<8>(a, 0, w, f),
    }
}

/// Lane `i` of `bits` bits.
#[inline(always)]
fn lane(v: u128, bits: usize, i: usize) -> u64 {
    let m = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    (v >> (i * bits)) as u64 & m
}

/// Pack with saturation or interleave (unpack) the low `w` bytes of `a`
/// (destination) and `b` (source).
#[inline(always)]
pub fn pack(o: u8, a: u128, b: u128, w: usize) -> u128 {
    use pk::*;
    let mut r = 0u128;
    match o {
        PACKSSWB | PACKSSDW | PACKUSWB => {
            // Source lanes of `ib` bits become `ib / 2`-bit lanes: a's in
            // the low half, b's in the high half.
            let ib = if o == PACKSSDW { 32 } else { 16 };
            let n = w * 8 / ib;
            for i in 0..2 * n {
                let v = if i < n {
                    lane(a, ib, i)
                } else {
                    lane(b, ib, i - n)
                };
                let s = sx(v, ib as u32);
                let p = if o == PACKUSWB {
                    sat_u(s, 8)
                } else {
                    sat_s(s, ib as u32 / 2) & ((1 << (ib / 2)) - 1)
                };
                r |= u128::from(p) << (i * ib / 2);
            }
        }
        _ => {
            let (bits, high) = match o {
                PUNPCKLBW => (8, false),
                PUNPCKLWD => (16, false),
                PUNPCKLDQ => (32, false),
                PUNPCKLQDQ => (64, false),
                PUNPCKHBW => (8, true),
                PUNPCKHWD => (16, true),
                PUNPCKHDQ => (32, true),
                _ => (64, true),
            };
            let n = w * 8 / bits / 2;
            let base = if high { n } else { 0 };
            for i in 0..n {
                r |= u128::from(lane(a, bits, base + i)) << (2 * i * bits);
                r |= u128::from(lane(b, bits, base + i)) << ((2 * i + 1) * bits);
            }
        }
    }
    r
}

/// PSHUFD: dword `i` of the result is dword `imm[2i+1:2i]` of `b`.
pub fn pshufd(b: u128, imm: u8) -> u128 {
    (0..4).fold(0, |r, i| {
        r | (u128::from(lane(b, 32, usize::from(imm >> (2 * i)) & 3)) << (32 * i))
    })
}

/// Shuffle the four words of a 64-bit value (PSHUFW, and the halves of
/// PSHUFLW/PSHUFHW).
pub fn pshufw(b: u64, imm: u8) -> u64 {
    (0..4).fold(0, |r, i| {
        r | (lane(u128::from(b), 16, usize::from(imm >> (2 * i)) & 3) << (16 * i))
    })
}

/// SHUFPS: dwords 0–1 from `a` and 2–3 from `b`, selected by `imm`.
pub fn shufps(a: u128, b: u128, imm: u8) -> u128 {
    let s = |v: u128, k: u8| u128::from(lane(v, 32, usize::from(k & 3)));
    s(a, imm) | (s(a, imm >> 2) << 32) | (s(b, imm >> 4) << 64) | (s(b, imm >> 6) << 96)
}

/// SHUFPD: qword 0 from `a`, qword 1 from `b`, selected by imm bits 0, 1.
pub fn shufpd(a: u128, b: u128, imm: u8) -> u128 {
    u128::from(lane(a, 64, usize::from(imm & 1)))
        | (u128::from(lane(b, 64, usize::from((imm >> 1) & 1))) << 64)
}

/// The most significant bit of each `bits`-bit lane of the low `w` bytes,
/// lane 0 in bit 0 (PMOVMSKB, MOVMSKPS, MOVMSKPD).
pub fn msb_mask(v: u128, bits: usize, w: usize) -> u64 {
    (0..w * 8 / bits).fold(0, |r, i| {
        r | (((v >> (i * bits + bits - 1)) & 1) as u64) << i
    })
}

/// Immediate byte (last operand).
#[inline]
fn imm(d: &DecodedInsn) -> u8 {
    d.insn.immediate8()
}

fn xmm_shift<const OP: u8>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let count = if d.insn.op1_kind() == OpKind::Immediate8 {
        u64::from(imm(d))
    } else {
        src128(cpu, d, 1, true, no_mm)? as u64
    };
    let i = xmm_of(d, 0);
    cpu.state.xmm[i] = shift(OP, cpu.state.xmm[i], count, 16);
    Ok(())
}

fn xmm_pack<const OP: u8>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let b = src128(cpu, d, 1, true, no_mm)?;
    let i = xmm_of(d, 0);
    cpu.state.xmm[i] = pack(OP, cpu.state.xmm[i], b, 16);
    Ok(())
}

fn xmm_pslldq(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let i = xmm_of(d, 0);
    let n = u32::from(imm(d));
    cpu.state.xmm[i] = if n > 15 {
        0
    } else {
        cpu.state.xmm[i] << (8 * n)
    };
    Ok(())
}

fn xmm_psrldq(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let i = xmm_of(d, 0);
    let n = u32::from(imm(d));
    cpu.state.xmm[i] = if n > 15 {
        0
    } else {
        cpu.state.xmm[i] >> (8 * n)
    };
    Ok(())
}

fn xmm_pshufd(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let b = src128(cpu, d, 1, true, no_mm)?;
    cpu.state.xmm[xmm_of(d, 0)] = pshufd(b, imm(d));
    Ok(())
}

fn xmm_pshufhw(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let b = src128(cpu, d, 1, true, no_mm)?;
    let hi = pshufw((b >> 64) as u64, imm(d));
    cpu.state.xmm[xmm_of(d, 0)] = (b & u128::from(u64::MAX)) | (u128::from(hi) << 64);
    Ok(())
}

fn xmm_pshuflw(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let b = src128(cpu, d, 1, true, no_mm)?;
    let lo = pshufw(b as u64, imm(d));
    cpu.state.xmm[xmm_of(d, 0)] = (b & !u128::from(u64::MAX)) | u128::from(lo);
    Ok(())
}

fn xmm_shufps(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let b = src128(cpu, d, 1, true, no_mm)?;
    let i = xmm_of(d, 0);
    cpu.state.xmm[i] = shufps(cpu.state.xmm[i], b, imm(d));
    Ok(())
}

fn xmm_shufpd(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let b = src128(cpu, d, 1, true, no_mm)?;
    let i = xmm_of(d, 0);
    cpu.state.xmm[i] = shufpd(cpu.state.xmm[i], b, imm(d));
    Ok(())
}

/// PINSRW xmm, r32/m16, imm8: word `imm & 7` from the low word of the
/// source.
fn xmm_pinsrw(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let v = src128(cpu, d, 1, false, no_mm)? & 0xFFFF;
    let i = xmm_of(d, 0);
    let sh = 16 * u32::from(imm(d) & 7);
    cpu.state.xmm[i] = (cpu.state.xmm[i] & !(0xFFFFu128 << sh)) | (v << sh);
    Ok(())
}

/// PEXTRW r32, xmm, imm8: word `imm & 7`, zero-extended.
fn xmm_pextrw(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let v = lane(cpu.state.xmm[xmm_of(d, 1)], 16, usize::from(imm(d) & 7));
    write_gpr32(cpu, d, v);
    Ok(())
}

/// Write a 32-bit general destination (zero-extended, as 32-bit writes
/// are).
fn write_gpr32(cpu: &mut Cpu, d: &DecodedInsn, v: u64) {
    cpu.state.set_reg(d.insn.op0_register(), v);
}

fn xmm_pmovmskb(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let v = msb_mask(cpu.state.xmm[xmm_of(d, 1)], 8, 16);
    write_gpr32(cpu, d, v);
    Ok(())
}

fn xmm_movmskps(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let v = msb_mask(cpu.state.xmm[xmm_of(d, 1)], 32, 16);
    write_gpr32(cpu, d, v);
    Ok(())
}

fn xmm_movmskpd(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let v = msb_mask(cpu.state.xmm[xmm_of(d, 1)], 64, 16);
    write_gpr32(cpu, d, v);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::exception::Exception;
    use crate::cpu::exec::simd_common::testing::{exec, sse_cpu};

    #[test]
    fn shifts() {
        use sh::*;
        let a = 0x8000_0001_7FFF_8001_0000_0001_8000_0000u128;
        // (op, count, expected)
        let cases: [(u8, u64, u128); 10] = [
            (PSLLW, 1, 0x0000_0002_FFFE_0002_0000_0002_0000_0000),
            (PSLLW, 16, 0),
            (PSRLW, 15, 0x0001_0000_0000_0001_0000_0000_0001_0000),
            (PSRAW, 15, 0xFFFF_0000_0000_FFFF_0000_0000_FFFF_0000),
            (PSRAW, 1 << 40, 0xFFFF_0000_0000_FFFF_0000_0000_FFFF_0000),
            (PSRAD, 4, 0xF800_0000_07FF_F800_0000_0000_F800_0000),
            (PSLLD, 31, 0x8000_0000_8000_0000_8000_0000_0000_0000),
            (PSLLQ, 4, 0x0000_0017_FFF8_0010_0000_0018_0000_0000),
            (PSRLQ, 64, 0),
            (PSRLQ, 63, 0x1_0000_0000_0000_0000),
        ];
        for (o, c, want) in cases {
            assert_eq!(shift(o, a, c, 16), want, "op {o} count {c}");
        }
        // MMX width stays within 64 bits.
        assert_eq!(shift(PSRAW, 0x8000, 1, 8), 0xC000);
    }

    #[test]
    fn packs_and_unpacks() {
        use pk::*;
        let a = 0x0080_FF7F_7FFF_8000_0001_FFFF_0100_007Fu128; // words
        let b = 0x1234_5678_9ABC_DEF0_0F0E_0D0C_0B0A_0908u128;
        // words of a low→high: 007F 0100 FFFF 0001 8000 7FFF FF7F 0080
        assert_eq!(pack(PACKSSWB, a, 0, 16), 0x7F80_7F80_01FF_7F7Fu128);
        assert_eq!(pack(PACKUSWB, a, 0, 16), 0x8000_FF00_0100_FF7Fu128);
        assert_eq!(pack(PUNPCKHBW, a, b, 16), interleave_bytes(a, b, true));
        // The dwords of a are all above 7FFFh.
        assert_eq!(pack(PACKSSDW, a, 0, 16), 0x7FFF_7FFF_7FFF_7FFF);
        assert_eq!(
            pack(PACKSSDW, 0, 0xFFFF_8000_8000_0000, 16),
            0x8000_8000u128 << 64
        );
        assert_eq!(pack(PUNPCKLBW, a, b, 16), interleave_bytes(a, b, false));
        assert_eq!(
            pack(PUNPCKLQDQ, a, b, 16),
            (b << 64) | (a & u128::from(u64::MAX))
        );
        assert_eq!(
            pack(PUNPCKHQDQ, a, b, 16),
            (b & !u128::from(u64::MAX)) | (a >> 64)
        );
        assert_eq!(
            pack(PUNPCKHDQ, a, b, 16),
            0x1234_5678_0080_FF7F_9ABC_DEF0_7FFF_8000u128
        );
        assert_eq!(
            pack(PUNPCKLWD, 0x4444_3333_2222_1111, 0xDDDD_CCCC_BBBB_AAAA, 8),
            0xBBBB_2222_AAAA_1111
        );
        assert_eq!(
            pack(PUNPCKHBW, 0x8877_6655_4433_2211, 0xFFEE_DDCC_BBAA_9988, 8),
            0xFF88_EE77_DD66_CC55
        );
        assert_eq!(
            pack(PACKSSWB, 0x8000_7FFF_0100_FFFF, 0x0001, 8),
            0x0000_0001_807F_7FFF
        );
    }

    /// Reference byte interleave for the PUNPCK{L,H}BW test.
    fn interleave_bytes(a: u128, b: u128, high: bool) -> u128 {
        let (x, y) = (a.to_le_bytes(), b.to_le_bytes());
        let off = if high { 8 } else { 0 };
        let mut r = [0u8; 16];
        for i in 0..8 {
            r[2 * i] = x[off + i];
            r[2 * i + 1] = y[off + i];
        }
        u128::from_le_bytes(r)
    }

    #[test]
    fn shuffles_and_masks() {
        let v = 0x3333_3333_2222_2222_1111_1111_0000_0000u128;
        let u = 0x7777_7777_6666_6666_5555_5555_4444_4444u128;
        assert_eq!(pshufd(v, 0x1B), 0x0000_0000_1111_1111_2222_2222_3333_3333);
        assert_eq!(
            shufps(v, u, 0b01_00_11_10),
            0x5555_5555_4444_4444_3333_3333_2222_2222
        );
        assert_eq!(
            shufpd(v, u, 0b01),
            0x5555_5555_4444_4444_3333_3333_2222_2222
        );
        assert_eq!(
            shufpd(v, u, 0b10),
            0x7777_7777_6666_6666_1111_1111_0000_0000
        );
        assert_eq!(
            pshufw(0x4444_3333_2222_1111, 0b00_01_10_11),
            0x1111_2222_3333_4444
        );
        assert_eq!(
            msb_mask(0x8000_0000_0000_0000_0000_0000_0000_0080, 8, 16),
            0x8001
        );
        assert_eq!(
            msb_mask(0x8000_0000_0000_0000_0000_0000_8000_0000, 32, 16),
            0b1001
        );
        assert_eq!(
            msb_mask(0x8000_0000_0000_0000_0000_0000_0000_0000, 64, 16),
            0b10
        );
    }

    /// PSLLDQ xmm1, 3 / PSRLDQ xmm1, 16 / PEXTRW eax, xmm1, 7 /
    /// PINSRW xmm1, [bx], 1 / PMOVMSKB ecx, xmm1 (16-bit code, 66 prefixes).
    #[test]
    fn handlers() {
        let code = [
            0x66, 0x0F, 0x73, 0xF9, 0x03, // pslldq xmm1, 3
            0x66, 0x0F, 0xC5, 0xC1, 0x07, // pextrw eax, xmm1, 7
            0x66, 0x0F, 0xC4, 0x0F, 0x01, // pinsrw xmm1, [bx], 1
            0x66, 0x0F, 0xD7, 0xC9, // pmovmskb ecx, xmm1
            0x66, 0x0F, 0x73, 0xD9, 0x10, // psrldq xmm1, 16
            0x66, 0x0F, 0x70, 0x0F, 0x1B, // pshufd xmm1, [bx], 1b
        ];
        let mut cpu = sse_cpu(&code);
        cpu.state.xmm[1] = 0x0123_4567_89AB_CDEF_FEDC_BA98_7654_3210;
        let x = cpu.state.xmm[1];
        exec(&mut cpu).unwrap();
        assert_eq!(cpu.state.xmm[1], x << 24);
        cpu.state.regs[0] = 0xFFFF_FFFF_FFFF_FFFF;
        exec(&mut cpu).unwrap();
        assert_eq!(cpu.state.regs[0], ((x << 24) >> 112) as u64);
        cpu.state.regs[3] = 0x3001; // m16: no alignment rule
        cpu.mem.write(0x3001, 2, 0x8899);
        exec(&mut cpu).unwrap();
        assert_eq!((cpu.state.xmm[1] >> 16) as u16, 0x8899);
        exec(&mut cpu).unwrap();
        assert_eq!(cpu.state.regs[1], msb_mask(cpu.state.xmm[1], 8, 16));
        assert_ne!(cpu.state.regs[1], 0);
        exec(&mut cpu).unwrap();
        assert_eq!(cpu.state.xmm[1], 0);
        assert_eq!(exec(&mut cpu), Err(Exception::GeneralProtection(0)));
        cpu.state.regs[3] = 0x3000;
        exec(&mut cpu).unwrap();
        assert_eq!(cpu.state.xmm[1], 0x0088_9900u128 << 96);
    }
}
