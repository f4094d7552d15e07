//! Binary32/binary64 soft-float with SSE/SSE2 semantics, in pure Rust.
//!
//! Implements Intel SDM Vol. 1 §4.8 (real numbers and floating-point formats),
//! §4.9 (floating-point exception conditions), §4.8.3.5 / Table 4-7 (NaN rules
//! for SSE: the first source operand's NaN wins, an SNaN is quieted, invalid
//! operations return the QNaN floating-point indefinite), §10.2.3 (MXCSR:
//! rounding control, DAZ, FTZ, flags and masks) and §11.5 (SIMD floating-point
//! exceptions and their masked responses).
//!
//! Values are carried as raw bits in a `u64` (binary32 in the low 32 bits);
//! [`Format`] gives the field widths so [`F32`] and [`F64`] share one code
//! path. Every operation takes the MXCSR and returns `(result, flags)` where
//! `flags` uses the MXCSR flag bits ([`IE`]…[`PE`]). The result is the masked
//! response; when an exception is unmasked the caller (the instruction) must
//! not write it (SDM §11.5.1). Underflow is reported as the SDM specifies for
//! each mask state: masked → UE only when tiny *and* inexact; unmasked → UE
//! whenever tiny. Tininess is detected after rounding (SDM §4.9.1.5).
//!
//! - `arith`: add, sub, mul, div, sqrt.
//! - `cmp`: CMPPS predicates, COMISS/UCOMISS orderings, MIN/MAX.
//! - `convert`: binary32↔binary64, integer↔float (rounding and truncating).
//! - `approx`: RCPSS/RSQRTSS approximations (not bit-exact with Intel's tables).

mod approx;
mod arith;
mod cmp;
mod convert;
#[cfg(all(test, target_arch = "x86_64"))]
pub(crate) mod host_diff;

/// The host differential tests need an x86-64 host; elsewhere say so.
#[cfg(all(test, not(target_arch = "x86_64")))]
#[test]
fn host_diff_skipped() {
    eprintln!("fpu::ieee host differential tests skipped: the host is not x86-64");
}

pub use approx::{rcp, rsqrt};
pub use arith::{add, div, mul, sqrt, sub};
pub use cmp::{cmp, comi, max, min, Ordering};
pub use convert::{f32_to_f64, f64_to_f32, from_int, to_int};

/// MXCSR invalid-operation flag.
pub const IE: u32 = 1 << 0;
/// MXCSR denormal-operand flag.
pub const DE: u32 = 1 << 1;
/// MXCSR divide-by-zero flag.
pub const ZE: u32 = 1 << 2;
/// MXCSR overflow flag.
pub const OE: u32 = 1 << 3;
/// MXCSR underflow flag.
pub const UE: u32 = 1 << 4;
/// MXCSR precision (inexact) flag.
pub const PE: u32 = 1 << 5;
/// All six exception flags.
pub const FLAGS: u32 = 0x3F;
/// Denormals-are-zeros.
pub const DAZ: u32 = 1 << 6;
/// Exception masks IM..PM (bits 7–12); mask bit = flag bit << 7.
pub const MASK_SHIFT: u32 = 7;
/// Underflow mask.
pub const UM: u32 = UE << MASK_SHIFT;
/// Overflow mask.
pub const OM: u32 = OE << MASK_SHIFT;
/// Rounding-control field position (bits 13–14).
pub const RC_SHIFT: u32 = 13;
/// Flush-to-zero.
pub const FTZ: u32 = 1 << 15;

/// Rounding control (MXCSR.RC, SDM Table 4-8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Round {
    Nearest = 0,
    Down = 1,
    Up = 2,
    Zero = 3,
}

impl Round {
    /// The rounding mode selected by an MXCSR value.
    #[inline]
    pub fn of(mxcsr: u32) -> Round {
        match (mxcsr >> RC_SHIFT) & 3 {
            0 => Round::Nearest,
            1 => Round::Down,
            2 => Round::Up,
            _ => Round::Zero,
        }
    }
}

/// An IEEE binary interchange format (field widths).
pub trait Format {
    /// Fraction (trailing significand) bits: 23 or 52.
    const FRAC: u32;
    /// Exponent bits: 8 or 11.
    const EXP: u32;
    /// Total width.
    const WIDTH: u32 = 1 + Self::EXP + Self::FRAC;
    /// Exponent bias.
    const BIAS: i32 = (1 << (Self::EXP - 1)) - 1;
    /// All-ones biased exponent.
    const EMAX: u64 = (1 << Self::EXP) - 1;
    /// Sign bit.
    const SIGN: u64 = 1 << (Self::WIDTH - 1);
    /// Fraction mask.
    const FRAC_MASK: u64 = (1 << Self::FRAC) - 1;
    /// The quiet bit of a NaN (fraction MSB).
    const QUIET: u64 = 1 << (Self::FRAC - 1);
    /// +infinity.
    const INF: u64 = Self::EMAX << Self::FRAC;
    /// The QNaN floating-point indefinite (0xFFC00000 / 0xFFF8000000000000).
    const INDEFINITE: u64 = Self::SIGN | Self::INF | Self::QUIET;
    /// Largest finite magnitude.
    const MAX_FINITE: u64 = Self::INF - 1;
    /// Exponent of the LSB of a denormal: value = frac × 2^MIN_LSB.
    const MIN_LSB: i32 = 1 - Self::BIAS - Self::FRAC as i32;
}

/// IEEE binary32 (single precision).
#[derive(Clone, Copy, Debug)]
pub struct F32;
/// IEEE binary64 (double precision).
#[derive(Clone, Copy, Debug)]
pub struct F64;

impl Format for F32 {
    const FRAC: u32 = 23;
    const EXP: u32 = 8;
}
impl Format for F64 {
    const FRAC: u32 = 52;
    const EXP: u32 = 11;
}

#[inline]
pub(crate) fn sign<F: Format>(a: u64) -> bool {
    a & F::SIGN != 0
}
#[inline]
pub(crate) fn exp_field<F: Format>(a: u64) -> u64 {
    (a >> F::FRAC) & F::EMAX
}
/// NaN (quiet or signalling).
#[inline]
pub fn is_nan<F: Format>(a: u64) -> bool {
    exp_field::<F>(a) == F::EMAX && a & F::FRAC_MASK != 0
}
/// Signalling NaN.
#[inline]
pub fn is_snan<F: Format>(a: u64) -> bool {
    is_nan::<F>(a) && a & F::QUIET == 0
}
#[inline]
pub(crate) fn is_inf<F: Format>(a: u64) -> bool {
    a & !F::SIGN == F::INF
}
#[inline]
pub(crate) fn is_zero<F: Format>(a: u64) -> bool {
    a & !F::SIGN == 0
}
/// Denormal (exponent 0, fraction non-zero).
#[inline]
pub fn is_denormal<F: Format>(a: u64) -> bool {
    exp_field::<F>(a) == 0 && a & F::FRAC_MASK != 0
}
#[inline]
pub(crate) fn zero<F: Format>(s: bool) -> u64 {
    if s {
        F::SIGN
    } else {
        0
    }
}
#[inline]
pub(crate) fn inf<F: Format>(s: bool) -> u64 {
    zero::<F>(s) | F::INF
}

/// SSE two-operand NaN rule (SDM Table 4-7): the first source's NaN wins,
/// quieted; IE when either operand is an SNaN. Call only when one is a NaN.
#[inline]
pub(crate) fn propagate_nan<F: Format>(a: u64, b: u64) -> (u64, u32) {
    let ie = if is_snan::<F>(a) || is_snan::<F>(b) {
        IE
    } else {
        0
    };
    let r = if is_nan::<F>(a) { a } else { b };
    (r | F::QUIET, ie)
}

/// Applies DAZ to a non-NaN operand, or notes DE for a denormal.
#[inline]
pub(crate) fn daz<F: Format>(a: u64, mxcsr: u32, flags: &mut u32) -> u64 {
    if is_denormal::<F>(a) {
        if mxcsr & DAZ != 0 {
            return a & F::SIGN;
        }
        *flags |= DE;
    }
    a
}

/// A finite value split as (sign, sig, e) with value = sig × 2^e.
#[inline]
pub(crate) fn unpack<F: Format>(a: u64) -> (bool, u64, i32) {
    let e = exp_field::<F>(a);
    let f = a & F::FRAC_MASK;
    if e == 0 {
        (sign::<F>(a), f, F::MIN_LSB)
    } else {
        (
            sign::<F>(a),
            f | (1 << F::FRAC),
            e as i32 - F::BIAS - F::FRAC as i32,
        )
    }
}

/// Shifts `sig` right by `sh` bits (left when negative) and rounds the
/// integer quotient in mode `rc`; `sticky` stands for non-zero bits below
/// `sig`. Returns the rounded integer and whether it was inexact.
#[inline]
pub(crate) fn shift_round(sig: u128, sticky: bool, sh: i32, neg: bool, rc: Round) -> (u128, bool) {
    if sh <= 0 {
        // Callers keep enough bits that a sticky remainder never meets a
        // left shift; the value is then exact.
        return (sig << (-sh) as u32, sticky);
    }
    let (q, rem_cmp, inexact) = if sh > 128 {
        (0, core::cmp::Ordering::Less, sig != 0 || sticky)
    } else {
        let sh = sh as u32;
        let q = if sh == 128 { 0 } else { sig >> sh };
        let rem = if sh == 128 {
            sig
        } else {
            sig & ((1u128 << sh) - 1)
        };
        let half = 1u128 << (sh - 1);
        let c = match rem.cmp(&half) {
            core::cmp::Ordering::Equal if sticky => core::cmp::Ordering::Greater,
            o => o,
        };
        (q, c, rem != 0 || sticky)
    };
    let up = match rc {
        Round::Nearest => {
            rem_cmp == core::cmp::Ordering::Greater
                || (rem_cmp == core::cmp::Ordering::Equal && q & 1 == 1)
        }
        Round::Zero => false,
        Round::Down => neg && inexact,
        Round::Up => !neg && inexact,
    };
    (q + up as u128, inexact)
}

/// Rounds the non-zero exact value (−1)^neg × (sig + sticky) × 2^e to format
/// `F` under `mxcsr` (rounding, FTZ, underflow/overflow masks): SDM §4.8.4,
/// §4.9.1.4–4.9.1.6, §10.2.3.3. `sticky` means non-zero bits below `sig`,
/// which must then carry at least FRAC + 3 significant bits.
pub(crate) fn round_pack<F: Format>(
    neg: bool,
    sig: u128,
    sticky: bool,
    e: i32,
    mxcsr: u32,
) -> (u64, u32) {
    debug_assert!(sig != 0);
    let rc = Round::of(mxcsr);
    let top = 127 - sig.leading_zeros() as i32 + e; // value in [2^top, 2^(top+1))
    let emin = 1 - F::BIAS; // smallest normal exponent
    let target = (top - F::FRAC as i32).max(F::MIN_LSB);
    let (mut m, inexact) = shift_round(sig, sticky, target - e, neg, rc);
    let mut lsb = target;
    if m >> (F::FRAC + 1) != 0 {
        m >>= 1;
        lsb += 1;
    }
    let mut flags = if inexact { PE } else { 0 };
    // Tininess after rounding: round with an unbounded exponent.
    let (mu, inexact_unbounded) = shift_round(sig, sticky, top - F::FRAC as i32 - e, neg, rc);
    let tiny = top < emin && !(mu >> (F::FRAC + 1) != 0 && top + 1 == emin);
    if tiny {
        if mxcsr & UM == 0 {
            // Unmasked: the result is not delivered; PE reflects the
            // rounding of the exponent-unbounded result (host-checked by
            // the unmasked test in cpu/exec/sse_fp_host_diff.rs).
            return (
                zero::<F>(neg) | m as u64,
                UE | if inexact_unbounded { PE } else { 0 },
            );
        } else if mxcsr & FTZ != 0 {
            return (zero::<F>(neg), UE | PE);
        } else if inexact {
            flags |= UE;
        }
        // A denormal or zero encoding: the biased exponent is 0 unless the
        // rounding carried into the smallest normal.
        let bits = m as u64; // m ≤ 2^FRAC here
        return (zero::<F>(neg) | bits, flags);
    }
    let biased = i64::from(lsb) + i64::from(F::FRAC) + i64::from(F::BIAS);
    if biased >= F::EMAX as i64 {
        let to_inf = match rc {
            Round::Nearest => true,
            Round::Zero => false,
            Round::Down => neg,
            Round::Up => !neg,
        };
        let mag = if to_inf { F::INF } else { F::MAX_FINITE };
        if mxcsr & OM == 0 {
            // Unmasked: not delivered; PE only if the exponent-unbounded
            // rounding was inexact (host-checked, as for UE above).
            return (zero::<F>(neg) | mag, OE | if inexact { PE } else { 0 });
        }
        return (zero::<F>(neg) | mag, OE | PE);
    }
    let bits = ((biased as u64) << F::FRAC) | (m as u64 & F::FRAC_MASK);
    (zero::<F>(neg) | bits, flags)
}

#[cfg(test)]
pub(crate) mod testvals {
    /// Handy binary32 constants.
    pub const ONE32: u64 = 0x3F80_0000;
    pub const TWO32: u64 = 0x4000_0000;
    pub const ONE64: u64 = 0x3FF0_0000_0000_0000;
}
