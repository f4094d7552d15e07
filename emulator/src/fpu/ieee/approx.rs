//! RCPSS/RSQRTSS approximations (SDM Vol. 2 RCPPS/RCPSS/RSQRTPS/RSQRTSS).
//!
//! The SDM only bounds the relative error (|error| ≤ 1.5 × 2^-12); Intel's
//! lookup tables are not public and differ between microarchitectures, so
//! these results are **not bit-exact with any Intel CPU**: they are the
//! correctly rounded 1/x and 1/√x (relative error ≤ 2^-24), well inside the
//! bound. Special cases follow the SDM: no MXCSR flags are ever raised;
//! denormal inputs count as zero (→ ±∞); tiny reciprocals flush to ±0;
//! negative non-zero inputs to RSQRT give the QNaN indefinite; a NaN input
//! is returned quieted.

use super::*;

/// Round-to-nearest, all exceptions masked, no DAZ/FTZ.
const NEAREST: u32 = 0x1F80;

/// Approximate 1/a (binary32).
pub fn rcp(a: u32) -> u32 {
    let a = u64::from(a);
    if is_nan::<F32>(a) {
        return (a | F32::QUIET) as u32;
    }
    let s = sign::<F32>(a);
    if is_zero::<F32>(a) || is_denormal::<F32>(a) {
        return inf::<F32>(s) as u32;
    }
    let (r, _) = div::<F32>(0x3F80_0000, a, NEAREST);
    if is_denormal::<F32>(r) {
        return zero::<F32>(s) as u32;
    }
    r as u32
}

/// Approximate 1/√a (binary32).
pub fn rsqrt(a: u32) -> u32 {
    let a = u64::from(a);
    if is_nan::<F32>(a) {
        return (a | F32::QUIET) as u32;
    }
    let s = sign::<F32>(a);
    if is_zero::<F32>(a) || is_denormal::<F32>(a) {
        return inf::<F32>(s) as u32;
    }
    if s {
        return F32::INDEFINITE as u32;
    }
    if is_inf::<F32>(a) {
        return 0;
    }
    // √a then 1/√a in binary64 keeps the double rounding far below 2^-24.
    let (d, _) = f32_to_f64(a, NEAREST);
    let (root, _) = sqrt::<F64>(d, NEAREST);
    let (q, _) = div::<F64>(0x3FF0_0000_0000_0000, root, NEAREST);
    f64_to_f32(q, NEAREST).0 as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specials_and_values() {
        type Case = (fn(u32) -> u32, u32, u32);
        let cases: &[Case] = &[
            (rcp, 0x4000_0000, 0x3F00_0000),
            (rcp, 0x8000_0000, 0xFF80_0000),
            (rcp, 0x0000_0001, 0x7F80_0000),
            (rcp, 0x7F80_0000, 0x0000_0000),
            (rcp, 0x7F7F_FFFF, 0x0000_0000),
            (rcp, 0x7F80_0001, 0x7FC0_0001),
            (rsqrt, 0x4080_0000, 0x3F00_0000),
            (rsqrt, 0xBF80_0000, 0xFFC0_0000),
            (rsqrt, 0x8000_0000, 0xFF80_0000),
            (rsqrt, 0x7F80_0000, 0),
        ];
        for &(f, a, r) in cases {
            assert_eq!(f(a), r, "{a:#x}");
        }
    }
}
