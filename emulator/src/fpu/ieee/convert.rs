//! Conversions (SDM Vol. 2 CVTSS2SD, CVTSD2SS, CVTSI2SS/SD, CVTSS2SI,
//! CVTTSS2SI and the packed forms): binary32↔binary64 and signed
//! integer↔float with MXCSR rounding or truncation. An out-of-range or NaN
//! source gives IE and the integer indefinite (sign bit only).

use super::*;

/// binary32 → binary64 (exact except for NaN quieting).
pub fn f32_to_f64(a: u64, mxcsr: u32) -> (u64, u32) {
    let a = a & 0xFFFF_FFFF;
    if is_nan::<F32>(a) {
        let ie = if is_snan::<F32>(a) { IE } else { 0 };
        let s = if sign::<F32>(a) { F64::SIGN } else { 0 };
        return (s | F64::INF | F64::QUIET | ((a & F32::FRAC_MASK) << 29), ie);
    }
    let mut flags = 0;
    let a = daz::<F32>(a, mxcsr, &mut flags);
    let s = sign::<F32>(a);
    if is_inf::<F32>(a) {
        return (inf::<F64>(s), flags);
    }
    if is_zero::<F32>(a) {
        return (zero::<F64>(s), flags);
    }
    let (_, m, e) = unpack::<F32>(a);
    let (r, f) = round_pack::<F64>(s, m as u128, false, e, mxcsr);
    (r, flags | f)
}

/// binary64 → binary32 (rounded per MXCSR; may overflow or underflow).
pub fn f64_to_f32(a: u64, mxcsr: u32) -> (u64, u32) {
    if is_nan::<F64>(a) {
        let ie = if is_snan::<F64>(a) { IE } else { 0 };
        let s = if sign::<F64>(a) { F32::SIGN } else { 0 };
        return (s | F32::INF | F32::QUIET | ((a & F64::FRAC_MASK) >> 29), ie);
    }
    let mut flags = 0;
    let a = daz::<F64>(a, mxcsr, &mut flags);
    let s = sign::<F64>(a);
    if is_inf::<F64>(a) {
        return (inf::<F32>(s), flags);
    }
    if is_zero::<F64>(a) {
        return (zero::<F32>(s), flags);
    }
    let (_, m, e) = unpack::<F64>(a);
    let (r, f) = round_pack::<F32>(s, m as u128, false, e, mxcsr);
    (r, flags | f)
}

/// Signed integer `v` (already sign-extended) → float, rounded per MXCSR.
pub fn from_int<F: Format>(v: i64, mxcsr: u32) -> (u64, u32) {
    if v == 0 {
        return (0, 0);
    }
    // Ignore FTZ/underflow: integers are never tiny.
    round_pack::<F>(v < 0, v.unsigned_abs() as u128, false, 0, mxcsr & !FTZ)
}

/// Float → signed integer of `width` bits (32 or 64), rounded per MXCSR or
/// truncated; the result is zero-extended from `width` bits.
pub fn to_int<F: Format>(a: u64, width: u32, truncate: bool, mxcsr: u32) -> (u64, u32) {
    let indefinite = 1u64 << (width - 1);
    if is_nan::<F>(a) || is_inf::<F>(a) {
        return (indefinite, IE);
    }
    // DAZ applies; conversions report no DE (SDM: Invalid, Precision).
    let a = if is_denormal::<F>(a) && mxcsr & DAZ != 0 {
        a & F::SIGN
    } else {
        a
    };
    if is_zero::<F>(a) {
        return (0, 0);
    }
    let (s, m, e) = unpack::<F>(a);
    let rc = if truncate {
        Round::Zero
    } else {
        Round::of(mxcsr)
    };
    // Exponents above 64 are out of range for any width.
    if e > 64 {
        return (indefinite, IE);
    }
    let (q, inexact) = shift_round(m as u128, false, -e, s, rc);
    let limit = 1u128 << (width - 1); // |min| ; max = limit − 1
    if (!s && q >= limit) || (s && q > limit) {
        return (indefinite, IE);
    }
    let v = if s {
        (q as u64).wrapping_neg()
    } else {
        q as u64
    };
    let mask = if width == 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    };
    (v & mask, if inexact { PE } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::super::testvals::*;
    use super::*;
    const M: u32 = 0x1F80;

    #[test]
    fn table() {
        assert_eq!(f32_to_f64(ONE32, M), (ONE64, 0));
        assert_eq!(f32_to_f64(0x7F80_0001, M), (0x7FF8_0000_2000_0000, IE));
        assert_eq!(f32_to_f64(1, M), (0x36A0_0000_0000_0000, DE));
        assert_eq!(f64_to_f32(ONE64, M), (ONE32, 0));
        assert_eq!(f64_to_f32(0x7FEF_FFFF_FFFF_FFFF, M), (0x7F80_0000, OE | PE));
        assert_eq!(f64_to_f32(1, M), (0, DE | UE | PE));
        assert_eq!(from_int::<F32>(16_777_217, M), (0x4B80_0000, PE));
        assert_eq!(from_int::<F32>(-1, M), (0xBF80_0000, 0));
        assert_eq!(to_int::<F32>(0x3FC0_0000, 32, false, M), (2, PE)); // 1.5 → 2
        assert_eq!(to_int::<F32>(0x4020_0000, 32, false, M), (2, PE)); // 2.5 → 2
        assert_eq!(to_int::<F32>(0x3FC0_0000, 32, true, M), (1, PE));
        assert_eq!(to_int::<F32>(0xBFC0_0000, 32, true, M), (0xFFFF_FFFF, PE));
        assert_eq!(to_int::<F32>(0x4F00_0000, 32, false, M), (0x8000_0000, IE)); // 2^31
        assert_eq!(to_int::<F32>(0xCF00_0000, 32, false, M), (0x8000_0000, 0)); // −2^31
        assert_eq!(
            to_int::<F64>(0x7FF8_0000_0000_0000, 64, false, M),
            (1 << 63, IE)
        );
        assert_eq!(
            to_int::<F64>(0x41DF_FFFF_FFFF_FFFF, 32, true, M),
            (0x7FFF_FFFF, PE)
        );
    }
}
