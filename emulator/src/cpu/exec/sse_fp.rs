//! SSE/SSE2 floating-point arithmetic on XMM registers (SDM Vol. 2 pages of
//! ADDPS/SS/PD/SD, SUB*, MUL*, DIV*, SQRT*, MIN*, MAX*, RCPPS/SS,
//! RSQRTPS/SS, ANDPS/PD, ANDNPS/PD, ORPS/PD, XORPS/PD; Vol. 1 §10.4, §11.4,
//! §11.5 for the exception rules).
//!
//! Element arithmetic is [`crate::fpu::ieee`]. Exception handling
//! ([`commit`], SDM Vol. 1 §11.5.1): the flags of all elements are ORed;
//! if a pre-computation exception (IE, DE, ZE) is unmasked, only the
//! pre-computation flags are recorded; otherwise all flags are recorded.
//! Any unmasked exception leaves the destination unchanged and raises #XM
//! when CR4.OSXMMEXCPT is set, else #UD. Packed memory operands are m128
//! and must be 16-byte aligned (#GP(0)); scalar forms read m32/m64 with no
//! alignment rule. CR0.EM / CR4.OSFXSR → #UD, CR0.TS → #NM (`check_sse`).
//!
//! This pre/post split with flags ORed over all elements matches the host
//! CPU on random operands with random unmasked exceptions (see the
//! `unmasked` host differential test). RCP*/RSQRT* are not bit-exact with
//! Intel's lookup tables (see `fpu::ieee::approx`).

use super::simd_common::{check_sse, no_mm, src128, uses_mm, xmm_of, CR4_OSXMMEXCPT};
use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::Cpu;
use crate::fpu::ieee::{self, F32, F64};
use iced_x86::{Instruction, Mnemonic};

/// Element layout of an instruction form.
pub mod form {
    /// Packed single: four binary32 lanes.
    pub const PS: u8 = 0;
    /// Scalar single: lane 0 of four.
    pub const SS: u8 = 1;
    /// Packed double: two binary64 lanes.
    pub const PD: u8 = 2;
    /// Scalar double: lane 0 of two.
    pub const SD: u8 = 3;
}

/// Records `flags` in MXCSR and decides whether the result may be written
/// (SDM Vol. 1 §11.5.1): `Err(#XM or #UD)` on an unmasked exception.
pub fn commit(cpu: &mut Cpu, flags: u32) -> ExResult {
    let masks = (cpu.state.mxcsr >> ieee::MASK_SHIFT) & ieee::FLAGS;
    let pre = flags & (ieee::IE | ieee::DE | ieee::ZE);
    let recorded = if pre & !masks != 0 { pre } else { flags };
    cpu.state.mxcsr |= recorded;
    if recorded & !masks != 0 {
        return Err(if cpu.state.cr4 & CR4_OSXMMEXCPT != 0 {
            Exception::SimdFp
        } else {
            Exception::InvalidOpcode
        });
    }
    Ok(())
}

/// Applies `f(a_lane, b_lane)` to the lanes of `form`; scalar forms keep
/// the upper lanes of `a`. Returns the result and the ORed flags.
#[inline(always)]
pub fn lanes<const FORM: u8>(a: u128, b: u128, f: impl Fn(u64, u64) -> (u64, u32)) -> (u128, u32) {
    let (bits, n) = match FORM {
        form::PS => (32, 4),
        form::SS => (32, 1),
        form::PD => (64, 2),
        _ => (64, 1),
    };
    let mask: u128 = if bits == 32 {
        0xFFFF_FFFF
    } else {
        u64::MAX as u128
    };
    let mut r = a;
    let mut flags = 0;
    for i in 0..n {
        let sh = i * bits;
        let (v, f) = f((a >> sh & mask) as u64, (b >> sh & mask) as u64);
        r = (r & !(mask << sh)) | (u128::from(v) & mask) << sh;
        flags |= f;
    }
    (r, flags)
}

/// Operation numbers.
pub mod op {
    pub const ADD: u8 = 0;
    pub const SUB: u8 = 1;
    pub const MUL: u8 = 2;
    pub const DIV: u8 = 3;
    pub const MIN: u8 = 4;
    pub const MAX: u8 = 5;
    pub const SQRT: u8 = 6;
    pub const RCP: u8 = 7;
    pub const RSQRT: u8 = 8;
    pub const AND: u8 = 9;
    pub const ANDN: u8 = 10;
    pub const OR: u8 = 11;
    pub const XOR: u8 = 12;
}

/// One element of `OP` on format `F` (a = first source, b = second).
#[inline(always)]
fn element<const OP: u8, const DOUBLE: bool>(a: u64, b: u64, mx: u32) -> (u64, u32) {
    macro_rules! on {
        ($f:ident) => {
            if DOUBLE {
                ieee::$f::<F64>(a, b, mx)
            } else {
                ieee::$f::<F32>(a, b, mx)
            }
        };
    }
    use op::*;
    match OP {
        ADD => on!(add),
        SUB => on!(sub),
        MUL => on!(mul),
        DIV => on!(div),
        MIN => on!(min),
        MAX => on!(max),
        SQRT => {
            if DOUBLE {
                ieee::sqrt::<F64>(b, mx)
            } else {
                ieee::sqrt::<F32>(b, mx)
            }
        }
        RCP => (u64::from(ieee::rcp(b as u32)), 0),
        _ => (u64::from(ieee::rsqrt(b as u32)), 0),
    }
}

/// The operation and form of a mnemonic of this family.
fn op_form(m: Mnemonic) -> Option<(u8, u8)> {
    use form::*;
    use op::*;
    Some(match m {
        Mnemonic::Addps => (ADD, PS),
        Mnemonic::Addss => (ADD, SS),
        Mnemonic::Addpd => (ADD, PD),
        Mnemonic::Addsd => (ADD, SD),
        Mnemonic::Subps => (SUB, PS),
        Mnemonic::Subss => (SUB, SS),
        Mnemonic::Subpd => (SUB, PD),
        Mnemonic::Subsd => (SUB, SD),
        Mnemonic::Mulps => (MUL, PS),
        Mnemonic::Mulss => (MUL, SS),
        Mnemonic::Mulpd => (MUL, PD),
        Mnemonic::Mulsd => (MUL, SD),
        Mnemonic::Divps => (DIV, PS),
        Mnemonic::Divss => (DIV, SS),
        Mnemonic::Divpd => (DIV, PD),
        Mnemonic::Divsd => (DIV, SD),
        Mnemonic::Minps => (MIN, PS),
        Mnemonic::Minss => (MIN, SS),
        Mnemonic::Minpd => (MIN, PD),
        Mnemonic::Minsd => (MIN, SD),
        Mnemonic::Maxps => (MAX, PS),
        Mnemonic::Maxss => (MAX, SS),
        Mnemonic::Maxpd => (MAX, PD),
        Mnemonic::Maxsd => (MAX, SD),
        Mnemonic::Sqrtps => (SQRT, PS),
        Mnemonic::Sqrtss => (SQRT, SS),
        Mnemonic::Sqrtpd => (SQRT, PD),
        Mnemonic::Sqrtsd => (SQRT, SD),
        Mnemonic::Rcpps => (RCP, PS),
        Mnemonic::Rcpss => (RCP, SS),
        Mnemonic::Rsqrtps => (RSQRT, PS),
        Mnemonic::Rsqrtss => (RSQRT, SS),
        Mnemonic::Andps | Mnemonic::Andpd => (AND, PS),
        Mnemonic::Andnps | Mnemonic::Andnpd => (ANDN, PS),
        Mnemonic::Orps | Mnemonic::Orpd => (OR, PS),
        Mnemonic::Xorps | Mnemonic::Xorpd => (XOR, PS),
        _ => return None,
    })
}

/// Handler for the arithmetic and bitwise families.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    if uses_mm(insn) {
        return None;
    }
    let (o, f) = op_form(insn.mnemonic())?;
    use form::*;
    use op::*;
    macro_rules! forms {
        ($o:ident) => {
            match f {
                PS => arith::<$o, PS> as Handler,
                SS => arith::<$o, SS> as Handler,
                PD => arith::<$o, PD> as Handler,
                _ => arith::<$o, SD> as Handler,
            }
        };
    }
    Some(match o {
        ADD => forms!(ADD),
        SUB => forms!(SUB),
        MUL => forms!(MUL),
        DIV => forms!(DIV),
        MIN => forms!(MIN),
        MAX => forms!(MAX),
        SQRT => forms!(SQRT),
        RCP => forms!(RCP),
        RSQRT => forms!(RSQRT),
        AND => bitwise::<AND>,
        ANDN => bitwise::<ANDN>,
        OR => bitwise::<OR>,
        _ => bitwise::<XOR>,
    })
}

/// `xmm1 = xmm1 OP xmm2/mem` for one operation and form.
fn arith<const OP: u8, const FORM: u8>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let b = src128(cpu, d, 1, true, no_mm)?;
    let i = xmm_of(d, 0);
    let mx = cpu.state.mxcsr;
    let a = cpu.state.xmm[i];
    let (r, flags) = if FORM >= form::PD {
        lanes::<FORM>(a, b, |x, y| element::<OP, true>(x, y, mx))
    } else {
        lanes::<FORM>(a, b, |x, y| element::<OP, false>(x, y, mx))
    };
    commit(cpu, flags)?;
    cpu.state.xmm[i] = r;
    Ok(())
}

/// ANDPS/ANDNPS/ORPS/XORPS and the PD forms: bitwise, no MXCSR effects.
fn bitwise<const OP: u8>(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult {
    check_sse(cpu)?;
    let b = src128(cpu, d, 1, true, no_mm)?;
    let i = xmm_of(d, 0);
    let a = cpu.state.xmm[i];
    cpu.state.xmm[i] = match OP {
        op::AND => a & b,
        op::ANDN => !a & b,
        op::OR => a | b,
        _ => a ^ b,
    };
    Ok(())
}

#[cfg(all(test, target_arch = "x86_64"))]
#[path = "sse_fp_host_diff.rs"]
mod host_diff;

/// The instruction-level host differential tests need an x86-64 host.
#[cfg(all(test, not(target_arch = "x86_64")))]
#[test]
fn host_diff_skipped() {
    eprintln!("sse_fp host differential tests skipped: the host is not x86-64");
}

#[cfg(test)]
mod tests {
    use super::super::simd_common::testing::{exec, sse_cpu};
    use super::*;
    use crate::cpu::exec::simd_common::CR4_OSFXSR;
    use crate::cpu::state::cr0;

    const ONE: u128 = 0x3F80_0000;
    const TWO: u128 = 0x4000_0000;

    /// Runs `code` with xmm0 = a, xmm1 = b and MXCSR = mx; returns the
    /// result (xmm0, mxcsr).
    fn run(code: &[u8], a: u128, b: u128, mx: u32) -> (ExResult, u128, u32) {
        let mut cpu = sse_cpu(code);
        cpu.state.xmm[0] = a;
        cpu.state.xmm[1] = b;
        cpu.state.mxcsr = mx;
        let r = exec(&mut cpu);
        (r, cpu.state.xmm[0], cpu.state.mxcsr)
    }

    #[test]
    fn packed_and_scalar() {
        let four = |x: u128| x | x << 32 | x << 64 | x << 96;
        // (code, a, b, result)
        let cases: &[(&[u8], u128, u128, u128)] = &[
            (&[0x0F, 0x58, 0xC1], four(ONE), four(ONE), four(TWO)), // addps
            (
                &[0xF3, 0x0F, 0x58, 0xC1],
                four(ONE),
                four(ONE),
                four(ONE) & !0xFFFF_FFFF | TWO,
            ), // addss
            (&[0x0F, 0x59, 0xC1], four(TWO), four(TWO), four(0x4080_0000)), // mulps
            (&[0x0F, 0x5C, 0xC1], four(TWO), four(ONE), four(ONE)), // subps
            (&[0x0F, 0x5E, 0xC1], four(TWO), four(TWO), four(ONE)), // divps
            (&[0x0F, 0x5D, 0xC1], four(TWO), four(ONE), four(ONE)), // minps
            (&[0x0F, 0x5F, 0xC1], four(TWO), four(ONE), four(TWO)), // maxps
            (&[0x0F, 0x51, 0xC1], 0, four(0x4080_0000), four(TWO)), // sqrtps
            // addpd 1.0 + 1.0 in both lanes
            (
                &[0x66, 0x0F, 0x58, 0xC1],
                0x3FF0 << 48 | 0x3FF0 << 112,
                0x3FF0 << 48 | 0x3FF0 << 112,
                0x4000 << 48 | 0x4000 << 112,
            ),
            // addsd keeps the upper lane
            (
                &[0xF2, 0x0F, 0x58, 0xC1],
                0x3FF0 << 48 | 7 << 64,
                0x3FF0 << 48,
                0x4000 << 48 | 7 << 64,
            ),
            (&[0x0F, 0x54, 0xC1], 0xF0F0, 0xFF00, 0xF000), // andps
            (&[0x0F, 0x55, 0xC1], 0xF0F0, 0xFF00, 0x0F00), // andnps
            (&[0x66, 0x0F, 0x56, 0xC1], 0xF0F0, 0xFF00, 0xFFF0), // orpd
            (&[0x0F, 0x57, 0xC1], 0xF0F0, 0xFF00, 0x0FF0), // xorps
            (
                &[0xF3, 0x0F, 0x53, 0xC1],
                5 << 32,
                TWO,
                5 << 32 | 0x3F00_0000,
            ), // rcpss
        ];
        for (i, &(code, a, b, r)) in cases.iter().enumerate() {
            let (res, x, _) = run(code, a, b, 0x1F80);
            assert_eq!(res, Ok(()), "case {i}");
            assert_eq!(x, r, "case {i}: {x:#x}");
        }
    }

    #[test]
    fn exceptions() {
        // divss by zero, masked: ∞ and ZE.
        let (r, x, mx) = run(&[0xF3, 0x0F, 0x5E, 0xC1], ONE, 0, 0x1F80);
        assert_eq!((r, x as u32, mx), (Ok(()), 0x7F80_0000, 0x1F84));
        // Unmasked ZE: #UD without OSXMMEXCPT, xmm0 unchanged, ZE recorded.
        let (r, x, mx) = run(&[0xF3, 0x0F, 0x5E, 0xC1], ONE, 0, 0x1F80 & !(ieee::ZE << 7));
        assert_eq!((r, x, mx), (Err(Exception::InvalidOpcode), ONE, 0x1D84));
        // With OSXMMEXCPT: #XM.
        let mut cpu = sse_cpu(&[0xF3, 0x0F, 0x5E, 0xC1]);
        cpu.state.cr4 |= CR4_OSXMMEXCPT;
        cpu.state.xmm[0] = ONE;
        cpu.state.mxcsr = 0x1F80 & !(ieee::ZE << 7);
        assert_eq!(exec(&mut cpu), Err(Exception::SimdFp));
        // Unmasked PE: 1/3 raises PE → #UD, xmm0 unchanged.
        let (r, _, mx) = run(
            &[0xF3, 0x0F, 0x5E, 0xC1],
            ONE,
            0x4040_0000,
            0x1F80 & !(ieee::PE << 7),
        );
        assert_eq!((r, mx & 0x3F), (Err(Exception::InvalidOpcode), ieee::PE));
        // Availability: TS → #NM, EM → #UD, !OSFXSR → #UD.
        let mut cpu = sse_cpu(&[0x0F, 0x58, 0xC1]);
        cpu.state.cr0 |= cr0::TS;
        assert_eq!(exec(&mut cpu), Err(Exception::DeviceNotAvailable));
        let mut cpu = sse_cpu(&[0x0F, 0x58, 0xC1]);
        cpu.state.cr4 &= !CR4_OSFXSR;
        assert_eq!(exec(&mut cpu), Err(Exception::InvalidOpcode));
        // Misaligned m128 → #GP(0); scalar m32 is fine. addps xmm0,[bx]
        let mut cpu = sse_cpu(&[0x0F, 0x58, 0x07]);
        cpu.state.regs[3] = 0x201;
        assert_eq!(exec(&mut cpu), Err(Exception::GeneralProtection(0)));
        let mut cpu = sse_cpu(&[0xF3, 0x0F, 0x58, 0x07]);
        cpu.state.regs[3] = 0x201;
        assert_eq!(exec(&mut cpu), Ok(()));
    }
}
