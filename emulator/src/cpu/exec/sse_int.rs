//! SSE2 packed-integer arithmetic, compare and logic on XMM registers
//! (SDM Vol. 1 §11.4.3 and §9.4 for the MMX originals; Vol. 2 pages of
//! PADD*, PSUB*, PADDS*/PADDUS*, PSUBS*/PSUBUS*, PMULLW, PMULHW, PMULHUW,
//! PMULUDQ, PMADDWD, PAVGB/W, PMINUB/PMAXUB, PMINSW/PMAXSW, PSADBW,
//! PCMPEQ*/PCMPGT*, PAND, PANDN, POR, PXOR).
//!
//! The lane arithmetic ([`compute`]) works on a register value of `w` bytes
//! (8 for MMX, 16 for XMM) so the MMX forms share it. Memory operands are
//! m128 and must be 16-byte aligned (#GP(0) otherwise).

use super::simd_common::{check_sse, no_mm, src128, uses_mm, xmm_of};
use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::ExResult;
use crate::cpu::Cpu;
use iced_x86::{Instruction, Mnemonic};

/// Operation numbers of [`compute`].
pub mod op {
    pub const PADDB: u8 = 0;
    pub const PADDW: u8 = 1;
    pub const PADDD: u8 = 2;
    pub const PADDQ: u8 = 3;
    pub const PSUBB: u8 = 4;
    pub const PSUBW: u8 = 5;
    pub const PSUBD: u8 = 6;
    pub const PSUBQ: u8 = 7;
    pub const PADDSB: u8 = 8;
    pub const PADDSW: u8 = 9;
    pub const PADDUSB: u8 = 10;
    pub const PADDUSW: u8 = 11;
    pub const PSUBSB: u8 = 12;
    pub const PSUBSW: u8 = 13;
    pub const PSUBUSB: u8 = 14;
    pub const PSUBUSW: u8 = 15;
    pub const PMULLW: u8 = 16;
    pub const PMULHW: u8 = 17;
    pub const PMULHUW: u8 = 18;
    pub const PMULUDQ: u8 = 19;
    pub const PMADDWD: u8 = 20;
    pub const PAVGB: u8 = 21;
    pub const PAVGW: u8 = 22;
    pub const PMINUB: u8 = 23;
    pub const PMAXUB: u8 = 24;
    pub const PMINSW: u8 = 25;
    pub const PMAXSW: u8 = 26;
    pub const PSADBW: u8 = 27;
    pub const PCMPEQB: u8 = 28;
    pub const PCMPEQW: u8 = 29;
    pub const PCMPEQD: u8 = 30;
    pub const PCMPGTB: u8 = 31;
    pub const PCMPGTW: u8 = 32;
    pub const PCMPGTD: u8 = 33;
    pub const PAND: u8 = 34;
    pub const PANDN: u8 = 35;
    pub const POR: u8 = 36;
    pub const PXOR: u8 = 37;
}

/// The operation number of a mnemonic of this family.
pub fn op_of(m: Mnemonic) -> Option<u8> {
    use op::*;
    Some(match m {
        Mnemonic::Paddb => PADDB,
        Mnemonic::Paddw => PADDW,
        Mnemonic::Paddd => PADDD,
        Mnemonic::Paddq => PADDQ,
        Mnemonic::Psubb => PSUBB,
        Mnemonic::Psubw => PSUBW,
        Mnemonic::Psubd => PSUBD,
        Mnemonic::Psubq => PSUBQ,
        Mnemonic::Paddsb => PADDSB,
        Mnemonic::Paddsw => PADDSW,
        Mnemonic::Paddusb => PADDUSB,
        Mnemonic::Paddusw => PADDUSW,
        Mnemonic::Psubsb => PSUBSB,
        Mnemonic::Psubsw => PSUBSW,
        Mnemonic::Psubusb => PSUBUSB,
        Mnemonic::Psubusw => PSUBUSW,
        Mnemonic::Pmullw => PMULLW,
        Mnemonic::Pmulhw => PMULHW,
        Mnemonic::Pmulhuw => PMULHUW,
        Mnemonic::Pmuludq => PMULUDQ,
        Mnemonic::Pmaddwd => PMADDWD,
        Mnemonic::Pavgb => PAVGB,
        Mnemonic::Pavgw => PAVGW,
        Mnemonic::Pminub => PMINUB,
        Mnemonic::Pmaxub => PMAXUB,
        Mnemonic::Pminsw => PMINSW,
        Mnemonic::Pmaxsw => PMAXSW,
        Mnemonic::Psadbw => PSADBW,
        Mnemonic::Pcmpeqb => PCMPEQB,
        Mnemonic::Pcmpeqw => PCMPEQW,
        Mnemonic::Pcmpeqd => PCMPEQD,
        Mnemonic::Pcmpgtb => PCMPGTB,
        Mnemonic::Pcmpgtw => PCMPGTW,
        Mnemonic::Pcmpgtd => PCMPGTD,
        Mnemonic::Pand => PAND,
        Mnemonic::Pandn => PANDN,
        Mnemonic::Por => POR,
        Mnemonic::Pxor => PXOR,
        _ => return None,
    })
}

/// Handler for the XMM forms. The MMX forms (MMX-register operands) are
/// left to the MMX family.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    if uses_mm(insn) {
        return None;
    }
    use op::*;
    macro_rules! table {
        ($($k:ident),*) => {
            match op_of(insn.mnemonic())? {
                $($k => xmm_binop::<$k> as Handler,)*
                _ => return None,
            }
        };
    }
    Some(table!(
        PADDB, PADDW, PADDD, PADDQ, PSUBB, PSUBW, PSUBD, PSUBQ, PADDSB, PADDSW, PADDUSB, PADDUSW,
        PSUBSB, PSUBSW, PSUBUSB, PSUBUSW, PMULLW, PMULHW, PMULHUW, PMULUDQ, PMADDWD, PAVGB, PAVGW,
        PMINUB, PMAXUB, PMINSW, PMAXSW, PSADBW, PCMPEQB, PCMPEQW, PCMPEQD, PCMPGTB, PCMPGTW,
        PCMPGTD, PAND, PANDN, POR, PXOR
    ))
}

/// `xmm = xmm OP xmm/m128`.
fn xmm_binop<const OP: u8>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let b = src128(cpu, d, 1, true, no_mm)?;
    let i = xmm_of(d, 0);
    cpu.state.xmm[i] = compute::<OP>(cpu.state.xmm[i], b, 16);
    Ok(())
}

/// Sign-extend the low `bits` of `x`.
#[inline(always)]
pub fn sx(x: u64, bits: u32) -> i64 {
    ((x << (64 - bits)) as i64) >> (64 - bits)
}

/// Signed saturation of `v` to `bits`.
#[inline(always)]
pub fn sat_s(v: i64, bits: u32) -> u64 {
    let max = (1i64 << (bits - 1)) - 1;
    v.clamp(-max - 1, max) as u64
}

/// Unsigned saturation of `v` to `bits`.
#[inline(always)]
pub fn sat_u(v: i64, bits: u32) -> u64 {
    v.clamp(0, (1i64 << bits) - 1) as u64
}

/// Apply `f` to each `L`-byte lane of the low `w` bytes of `a` and `b`
/// (lane values zero-extended; results truncated to the lane).
#[inline(always)]
pub fn lanes<const L: usize>(a: u128, b: u128, w: usize, f: impl Fn(u64, u64) -> u64) -> u128 {
    let bits = L * 8;
    let mask = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let mut r = 0u128;
    for i in 0..w / L {
        let sh = i * bits;
        let x = (a >> sh) as u64 & mask;
        let y = (b >> sh) as u64 & mask;
        r |= u128::from(f(x, y) & mask) << sh;
    }
    r
}

/// All ones if `c`.
#[inline(always)]
fn ones(c: bool) -> u64 {
    if c {
        u64::MAX
    } else {
        0
    }
}

/// `a OP b` on a register of `w` bytes (8 or 16); bits above `w` bytes of
/// the result are zero.
#[inline(always)]
pub fn compute<const OP: u8>(a: u128, b: u128, w: usize) -> u128 {
    use op::*;
    let wmask = if w == 16 {
        u128::MAX
    } else {
        (1u128 << (w * 8)) - 1
    };
    match OP {
        PADDB => lanes::<1>(a, b, w, |x, y| x.wrapping_add(y)),
        PADDW => lanes::<2>(a, b, w, |x, y| x.wrapping_add(y)),
        PADDD => lanes::<4>(a, b, w, |x, y| x.wrapping_add(y)),
        PADDQ => lanes::<8>(a, b, w, |x, y| x.wrapping_add(y)),
        PSUBB => lanes::<1>(a, b, w, |x, y| x.wrapping_sub(y)),
        PSUBW => lanes::<2>(a, b, w, |x, y| x.wrapping_sub(y)),
        PSUBD => lanes::<4>(a, b, w, |x, y| x.wrapping_sub(y)),
        PSUBQ => lanes::<8>(a, b, w, |x, y| x.wrapping_sub(y)),
        PADDSB => lanes::<1>(a, b, w, |x, y| sat_s(sx(x, 8) + sx(y, 8), 8)),
        PADDSW => lanes::<2>(a, b, w, |x, y| sat_s(sx(x, 16) + sx(y, 16), 16)),
        PADDUSB => lanes::<1>(a, b, w, |x, y| sat_u((x + y) as i64, 8)),
        PADDUSW => lanes::<2>(a, b, w, |x, y| sat_u((x + y) as i64, 16)),
        PSUBSB => lanes::<1>(a, b, w, |x, y| sat_s(sx(x, 8) - sx(y, 8), 8)),
        PSUBSW => lanes::<2>(a, b, w, |x, y| sat_s(sx(x, 16) - sx(y, 16), 16)),
        PSUBUSB => lanes::<1>(a, b, w, |x, y| sat_u(x as i64 - y as i64, 8)),
        PSUBUSW => lanes::<2>(a, b, w, |x, y| sat_u(x as i64 - y as i64, 16)),
        PMULLW => lanes::<2>(a, b, w, |x, y| x * y),
        PMULHW => lanes::<2>(a, b, w, |x, y| ((sx(x, 16) * sx(y, 16)) >> 16) as u64),
        PMULHUW => lanes::<2>(a, b, w, |x, y| (x * y) >> 16),
        PMULUDQ => lanes::<8>(a, b, w, |x, y| (x & 0xFFFF_FFFF) * (y & 0xFFFF_FFFF)),
        PMADDWD => lanes::<4>(a, b, w, |x, y| {
            let lo = sx(x, 16) * sx(y, 16);
            let hi = sx(x >> 16, 16) * sx(y >> 16, 16);
            (lo + hi) as u64
        }),
        PAVGB => lanes::<1>(a, b, w, |x, y| (x + y + 1) >> 1),
        PAVGW => lanes::<2>(a, b, w, |x, y| (x + y + 1) >> 1),
        PMINUB => lanes::<1>(a, b, w, |x, y| x.min(y)),
        PMAXUB => lanes::<1>(a, b, w, |x, y| x.max(y)),
        PMINSW => lanes::<2>(a, b, w, |x, y| sx(x, 16).min(sx(y, 16)) as u64),
        PMAXSW => lanes::<2>(a, b, w, |x, y| sx(x, 16).max(sx(y, 16)) as u64),
        PSADBW => lanes::<8>(a, b, w, |x, y| {
            (0..8)
                .map(|k| {
                    let p = (x >> (8 * k)) & 0xFF;
                    let q = (y >> (8 * k)) & 0xFF;
                    p.abs_diff(q)
                })
                .sum()
        }),
        PCMPEQB => lanes::<1>(a, b, w, |x, y| ones(x == y)),
        PCMPEQW => lanes::<2>(a, b, w, |x, y| ones(x == y)),
        PCMPEQD => lanes::<4>(a, b, w, |x, y| ones(x == y)),
        PCMPGTB => lanes::<1>(a, b, w, |x, y| ones(sx(x, 8) > sx(y, 8))),
        PCMPGTW => lanes::<2>(a, b, w, |x, y| ones(sx(x, 16) > sx(y, 16))),
        PCMPGTD => lanes::<4>(a, b, w, |x, y| ones(sx(x, 32) > sx(y, 32))),
        PAND => a & b & wmask,
        PANDN => !a & b & wmask,
        POR => (a | b) & wmask,
        PXOR => (a ^ b) & wmask,
        _ => 0,
    }
}

/// [`compute`] with the operation chosen at run time (tests and the host
/// differential tests).
#[cfg(test)]
pub fn compute_dyn(o: u8, a: u128, b: u128, w: usize) -> u128 {
    use op::*;
    macro_rules! dispatch {
        ($($k:ident),*) => {
            match o {
                $($k => compute::<$k>(a, b, w),)*
                _ => panic!("unknown op {o}"),
            }
        };
    }
    dispatch!(
        PADDB, PADDW, PADDD, PADDQ, PSUBB, PSUBW, PSUBD, PSUBQ, PADDSB, PADDSW, PADDUSB, PADDUSW,
        PSUBSB, PSUBSW, PSUBUSB, PSUBUSW, PMULLW, PMULHW, PMULHUW, PMULUDQ, PMADDWD, PAVGB, PAVGW,
        PMINUB, PMAXUB, PMINSW, PMAXSW, PSADBW, PCMPEQB, PCMPEQW, PCMPEQD, PCMPGTB, PCMPGTW,
        PCMPGTD, PAND, PANDN, POR, PXOR
    )
}

#[cfg(test)]
mod tests {
    use super::op::*;
    use super::*;
    use crate::cpu::exception::Exception;
    use crate::cpu::exec::simd_common::testing::{exec, sse_cpu};
    use crate::cpu::exec::simd_common::CR4_OSFXSR;
    use crate::cpu::state::cr0;

    /// Build a u128 from 16-bit lanes, lane 0 first.
    fn w16(l: [u16; 8]) -> u128 {
        l.iter()
            .enumerate()
            .fold(0, |r, (i, &x)| r | (u128::from(x) << (16 * i)))
    }

    /// Build a u128 from bytes, byte 0 first.
    fn b8(l: [u8; 16]) -> u128 {
        u128::from_le_bytes(l)
    }

    #[test]
    fn lane_operations() {
        let a16 = w16([0x7FFF, 0x8000, 0xFFFF, 1, 0x1234, 0, 0x8000, 3]);
        let b16 = w16([1, 0xFFFF, 1, 0xFFFF, 0x1234, 0, 0x8000, 0xFFFD]);
        // (op, a, b, expected)
        let cases: [(u8, u128, u128, u128); 16] = [
            (
                PADDW,
                a16,
                b16,
                w16([0x8000, 0x7FFF, 0, 0, 0x2468, 0, 0, 0]),
            ),
            (
                PADDSW,
                a16,
                b16,
                w16([0x7FFF, 0x8000, 0, 0, 0x2468, 0, 0x8000, 0]),
            ),
            (
                PADDUSW,
                a16,
                b16,
                w16([0x8000, 0xFFFF, 0xFFFF, 0xFFFF, 0x2468, 0, 0xFFFF, 0xFFFF]),
            ),
            (
                PSUBSW,
                a16,
                b16,
                w16([0x7FFE, 0x8001, 0xFFFE, 2, 0, 0, 0, 6]),
            ),
            (PSUBUSW, a16, b16, w16([0x7FFE, 0, 0xFFFE, 0, 0, 0, 0, 0])),
            (
                PMULLW,
                a16,
                b16,
                w16([0x7FFF, 0x8000, 0xFFFF, 0xFFFF, 0x5A90, 0, 0, 0xFFF7]),
            ),
            (
                PMULHW,
                a16,
                b16,
                w16([0, 0, 0xFFFF, 0xFFFF, 0x014B, 0, 0x4000, 0xFFFF]),
            ),
            (
                PMULHUW,
                a16,
                b16,
                w16([0, 0x7FFF, 0, 0, 0x014B, 0, 0x4000, 2]),
            ),
            (
                PAVGW,
                a16,
                b16,
                w16([0x4000, 0xC000, 0x8000, 0x8000, 0x1234, 0, 0x8000, 0x8000]),
            ),
            (
                PMINSW,
                a16,
                b16,
                w16([1, 0x8000, 0xFFFF, 0xFFFF, 0x1234, 0, 0x8000, 0xFFFD]),
            ),
            (
                PMAXSW,
                a16,
                b16,
                w16([0x7FFF, 0xFFFF, 1, 1, 0x1234, 0, 0x8000, 3]),
            ),
            (
                PCMPEQW,
                a16,
                b16,
                w16([0, 0, 0, 0, 0xFFFF, 0xFFFF, 0xFFFF, 0]),
            ),
            (
                PCMPGTW,
                a16,
                b16,
                w16([0xFFFF, 0, 0, 0xFFFF, 0, 0, 0, 0xFFFF]),
            ),
            // PMADDWD: 0x7FFF*1 + (-0x8000)*(-1); -1*1 + 1*-1; ...
            (
                PMADDWD,
                a16,
                b16,
                0xFFFF
                    | (0xFFFF_FFFEu128 << 32)
                    | (0x014B_5A90u128 << 64)
                    | (0x3FFF_FFF7u128 << 96),
            ),
            (PANDN, 0xF0F0, 0xFF00, 0x0F00),
            (
                PSADBW,
                b8([1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 255]),
                b8([8, 7, 6, 5, 4, 3, 2, 1, 255, 0, 0, 0, 0, 0, 0, 0]),
                32 | (510u128 << 64),
            ),
        ];
        for (o, a, b, want) in cases {
            assert_eq!(compute_dyn(o, a, b, 16), want, "op {o}: {a:#x} {b:#x}");
        }
    }

    #[test]
    fn byte_and_wide_lanes() {
        let a = b8([
            0x7F, 0x80, 0xFF, 0, 10, 200, 0x80, 1, 0, 0, 0, 0, 0, 0, 0, 0xFF,
        ]);
        let b = b8([1, 0xFF, 1, 1, 20, 100, 0x80, 0xFF, 0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(
            compute_dyn(PADDSB, a, b, 16),
            b8([0x7F, 0x80, 0, 1, 30, 0x2C, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        );
        assert_eq!(
            compute_dyn(PADDUSB, a, b, 16),
            b8([0x80, 0xFF, 0xFF, 1, 30, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0xFF])
        );
        assert_eq!(
            compute_dyn(PSUBUSB, a, b, 16),
            b8([0x7E, 0, 0xFE, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFE])
        );
        assert_eq!(
            compute_dyn(PCMPGTB, a, b, 16),
            b8([0xFF, 0, 0, 0, 0, 0, 0, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0])
        );
        assert_eq!(
            compute_dyn(PAVGB, a, b, 16),
            b8([0x40, 0xC0, 0x80, 1, 15, 150, 0x80, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x80])
        );
        let q = u128::MAX;
        assert_eq!(compute_dyn(PADDQ, q, 1, 16), u128::from(u64::MAX) << 64);
        assert_eq!(
            compute_dyn(PMULUDQ, q, q, 16),
            0xFFFF_FFFE_0000_0001u128 | (0xFFFF_FFFE_0000_0001u128 << 64)
        );
        // MMX width: the upper 64 bits of the result are zero.
        assert_eq!(compute_dyn(PADDB, q, q, 8), 0xFEFE_FEFE_FEFE_FEFE);
        assert_eq!(compute_dyn(PXOR, q, 0, 8), u128::from(u64::MAX));
    }

    /// `66 0F FD /r` PADDW xmm0, xmm1 and `66 0F FD 07` PADDW xmm0, [bx].
    #[test]
    fn handler_register_memory_and_faults() {
        let code = [0x66, 0x0F, 0xFD, 0xC1, 0x66, 0x0F, 0xFD, 0x07];
        let mut cpu = sse_cpu(&code);
        cpu.state.xmm[0] = w16([1, 2, 3, 4, 5, 6, 7, 0xFFFF]);
        cpu.state.xmm[1] = w16([1, 1, 1, 1, 1, 1, 1, 1]);
        assert_eq!(exec(&mut cpu), Ok(()));
        assert_eq!(cpu.state.xmm[0], w16([2, 3, 4, 5, 6, 7, 8, 0]));
        cpu.state.regs[3] = 0x2000;
        cpu.mem.write(0x2000, 8, 0x0001_0001_0001_0001);
        cpu.mem.write(0x2008, 8, 0x0002_0002_0002_0002);
        let at_mem = cpu.state.rip;
        assert_eq!(exec(&mut cpu), Ok(()));
        let after = w16([3, 4, 5, 6, 8, 9, 10, 2]);
        assert_eq!(cpu.state.xmm[0], after);
        assert_eq!(cpu.state.rip, 0x108);
        // Misaligned m128: #GP(0); CR0.TS: #NM; CR4.OSFXSR clear or
        // CR0.EM: #UD. Nothing changes.
        let faults = [
            (0x2004, 0, CR4_OSFXSR, Exception::GeneralProtection(0)),
            (0x2000, cr0::TS, CR4_OSFXSR, Exception::DeviceNotAvailable),
            (0x2000, 0, 0, Exception::InvalidOpcode),
            (0x2000, cr0::EM, CR4_OSFXSR, Exception::InvalidOpcode),
        ];
        for (bx, c0, c4, e) in faults {
            cpu.state.rip = at_mem;
            cpu.state.regs[3] = bx;
            cpu.state.cr0 = c0;
            cpu.state.cr4 = c4;
            assert_eq!(exec(&mut cpu), Err(e));
            assert_eq!(cpu.state.xmm[0], after);
            assert_eq!(cpu.state.rip, at_mem);
        }
    }
}
