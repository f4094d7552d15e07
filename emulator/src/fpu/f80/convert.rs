//! Format conversions of the x87 loads and stores (SDM Vol. 1 §4.2 formats,
//! §4.8.3.7 indefinites, §8.5; Vol. 2 FILD/FIST(P), FLD/FST(P) m32/m64,
//! FBLD/FBSTP): integers with RC and the integer indefinite, binary32/64
//! (exact widening with SNaN → IE + quiet; narrowing rounds with overflow,
//! underflow and denormal rules) and 18-digit packed BCD.

use super::misc::{f80_from_int, round_int_parts};
use super::round::{round_pack, Format, DOUBLE, SINGLE};
use super::{F80Result, X87Env, BIAS, DE, F80, IE, INT_BIT, OE, PE, UE, ZE};

/// Result of a store to an integer format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntResult {
    pub value: i64,
    pub flags: u8,
    pub c1: bool,
}

/// Result of FST m32.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct F32Result {
    pub bits: u32,
    pub flags: u8,
    pub c1: bool,
}

/// Result of FST m64.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct F64Result {
    pub bits: u64,
    pub flags: u8,
    pub c1: bool,
}

/// Result of FBSTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BcdResult {
    pub bytes: [u8; 10],
    pub flags: u8,
    pub c1: bool,
}

/// The packed BCD integer indefinite FFFF C000 0000 0000 0000h (§4.7).
pub const BCD_INDEFINITE: [u8; 10] = [0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF];

pub fn from_i64(v: i64) -> F80 {
    if v == 0 {
        return F80::ZERO;
    }
    f80_from_int(v < 0, v.unsigned_abs() as u128)
}

pub fn from_i32(v: i32) -> F80 {
    from_i64(v as i64)
}

pub fn from_i16(v: i16) -> F80 {
    from_i64(v as i64)
}

/// FIST: round per RC; NaN, ∞, unsupported or out of range → IE and the
/// integer indefinite (the most negative value).
fn to_int(a: F80, env: X87Env, bits: u32) -> IntResult {
    let indefinite = IntResult {
        value: i64::MIN >> (64 - bits),
        flags: IE,
        c1: false,
    };
    if a.is_unsupported() || a.is_nan() || a.is_inf() {
        return indefinite;
    }
    if a.is_zero() {
        return IntResult {
            value: 0,
            flags: 0,
            c1: false,
        };
    }
    // FIST does not raise DE for a denormal source, and out of range it
    // reports IE alone (host-verified).
    let (e, m) = a.unpack();
    let (q, inexact, inc) = round_int_parts(a.sign, e, m, env.rc);
    let limit = 1u128 << (bits - 1);
    if q > limit || (q == limit && !a.sign) {
        return indefinite;
    }
    let value = if a.sign {
        (q as i128).wrapping_neg() as i64
    } else {
        q as i64
    };
    IntResult {
        value,
        flags: if inexact { PE } else { 0 },
        c1: inc,
    }
}

pub fn to_i16(a: F80, env: X87Env) -> IntResult {
    to_int(a, env, 16)
}

pub fn to_i32(a: F80, env: X87Env) -> IntResult {
    to_int(a, env, 32)
}

pub fn to_i64(a: F80, env: X87Env) -> IntResult {
    to_int(a, env, 64)
}

/// Widens an IEEE value with `frac_bits` fraction bits and format `f`
/// exactly; NaNs keep their quiet bit. Returns DE for a denormal source.
fn widen(sign: bool, exp: u32, frac: u64, frac_bits: u32, f: Format) -> (F80, u8) {
    let emax = f.emax as u32 + 1;
    if exp == emax {
        let sig = INT_BIT | frac << (63 - frac_bits);
        return (
            F80 {
                sign,
                exp: 0x7FFF,
                sig,
            },
            0,
        );
    }
    if exp == 0 {
        if frac == 0 {
            return (F80::zero(sign), 0);
        }
        // frac · 2^(1 − bias − frac_bits)
        let lz = frac.leading_zeros() as i32;
        let e = 1 - f.bias - frac_bits as i32 + 63 - lz + BIAS;
        return (
            F80 {
                sign,
                exp: e as u16,
                sig: frac << lz,
            },
            DE,
        );
    }
    let e = exp as i32 - f.bias + BIAS;
    let sig = INT_BIT | frac << (63 - frac_bits);
    (
        F80 {
            sign,
            exp: e as u16,
            sig,
        },
        0,
    )
}

/// FLD m32/m64: the widened value; an SNaN raises IE and is quieted.
fn from_ieee(sign: bool, exp: u32, frac: u64, frac_bits: u32, f: Format) -> F80Result {
    let (v, de) = widen(sign, exp, frac, frac_bits, f);
    if v.is_nan() {
        return super::propagate_nan1(v);
    }
    F80Result::exact(v, de)
}

/// The m32 source operand of FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR/FCOM m32 as
/// an extended operand: exact, an SNaN still signaling (so the x87 NaN
/// rules apply to it), plus DE if it was a denormal. Combine the result of
/// the operation with [`apply_operand_de`].
pub fn f32_operand(bits: u32) -> (F80, u8) {
    widen(
        bits >> 31 != 0,
        (bits >> 23) & 0xFF,
        (bits & 0x7F_FFFF) as u64,
        23,
        SINGLE,
    )
}

/// The m64 source operand of the arithmetic and compare instructions (see
/// [`f32_operand`]).
pub fn f64_operand(bits: u64) -> (F80, u8) {
    widen(
        bits >> 63 != 0,
        ((bits >> 52) & 0x7FF) as u32,
        bits & ((1 << 52) - 1),
        52,
        DOUBLE,
    )
}

/// Adds the DE of a denormal m32/m64 source operand (`de` from
/// [`f32_operand`]/[`f64_operand`]) to the result of the operation on
/// `st` and `mem`: like extended denormals, it is not reported when a NaN
/// or unsupported operand or an invalid operation decides the result, nor
/// beside ZE (host-verified).
pub fn apply_operand_de(st: F80, mem: F80, mut r: F80Result, de: u8) -> F80Result {
    let decided = st.is_nan() || st.is_unsupported() || mem.is_nan() || r.flags & (IE | ZE) != 0;
    if !decided {
        r.flags |= de;
    }
    r
}

/// FLD m32.
pub fn from_f32(bits: u32) -> F80Result {
    from_ieee(
        bits >> 31 != 0,
        (bits >> 23) & 0xFF,
        (bits & 0x7F_FFFF) as u64,
        23,
        SINGLE,
    )
}

/// FLD m64.
pub fn from_f64(bits: u64) -> F80Result {
    from_ieee(
        bits >> 63 != 0,
        ((bits >> 52) & 0x7FF) as u32,
        bits & ((1 << 52) - 1),
        52,
        DOUBLE,
    )
}

/// Narrows to an IEEE format: returns (sign, exponent field, fraction,
/// flags, c1). Unmasked over/underflow leave nothing to store (the x87 does
/// not write the destination); the returned encoding is then meaningless.
fn to_ieee(a: F80, env: X87Env, frac_bits: u32, f: Format) -> (bool, u64, u64, u8, bool) {
    let emax = f.emax as u64 + 1;
    let fmask = (1u64 << frac_bits) - 1;
    if a.is_unsupported() {
        return (true, emax, 1 << (frac_bits - 1), IE, false);
    }
    if a.is_nan() {
        let r = super::propagate_nan1(a);
        let frac = (r.value.sig >> (63 - frac_bits)) & fmask;
        return (a.sign, emax, frac, r.flags, false);
    }
    if a.is_inf() {
        return (a.sign, emax, 0, 0, false);
    }
    if a.is_zero() {
        return (a.sign, 0, 0, 0, false);
    }
    // FST m32/m64 does not raise DE for a denormal source (host-verified).
    let (e, m) = a.unpack();
    let p = round_pack(
        a.sign,
        e - BIAS + f.bias,
        (m as u128) << 64,
        frac_bits + 1,
        env.rc,
        env.mask,
        f,
    );
    let unmasked = p.flags & !env.mask & (OE | UE);
    if unmasked != 0 {
        // Nothing is stored: only OE or UE is reported (no PE, C1 = 0).
        return (a.sign, 0, 0, unmasked, false);
    }
    let exp = if p.sig & INT_BIT == 0 {
        0
    } else {
        p.exp as u64 & emax
    };
    let frac = (p.sig >> (63 - frac_bits)) & fmask;
    (a.sign, exp, frac, p.flags, p.c1)
}

/// FST m32.
pub fn to_f32(a: F80, env: X87Env) -> F32Result {
    let (s, e, frac, flags, c1) = to_ieee(a, env, 23, SINGLE);
    F32Result {
        bits: (s as u32) << 31 | (e as u32) << 23 | frac as u32,
        flags,
        c1,
    }
}

/// FST m64.
pub fn to_f64(a: F80, env: X87Env) -> F64Result {
    let (s, e, frac, flags, c1) = to_ieee(a, env, 52, DOUBLE);
    F64Result {
        bits: (s as u64) << 63 | e << 52 | frac,
        flags,
        c1,
    }
}

/// FBLD: 18 packed BCD digits and a sign bit. Invalid digits (A–F) are not
/// checked by the hardware (the SDM leaves the result undefined); they are
/// weighted like valid digits here.
pub fn from_bcd(b: [u8; 10]) -> F80 {
    let mut v: u64 = 0;
    for i in (0..9).rev() {
        v = v * 100 + (b[i] >> 4) as u64 * 10 + (b[i] & 0xF) as u64;
    }
    f80_from_int(b[9] & 0x80 != 0, v as u128)
}

/// FBSTP: round per RC; NaN, ∞, unsupported or |x| ≥ 10^18 → IE and the
/// packed BCD indefinite.
pub fn to_bcd(a: F80, env: X87Env) -> BcdResult {
    let indefinite = BcdResult {
        bytes: BCD_INDEFINITE,
        flags: IE,
        c1: false,
    };
    if a.is_unsupported() || a.is_nan() || a.is_inf() {
        return indefinite;
    }
    let (q, flags, c1) = if a.is_zero() {
        (0, 0, false)
    } else {
        // FBSTP does not raise DE for a denormal source (host-verified).
        let (e, m) = a.unpack();
        let (q, inexact, inc) = round_int_parts(a.sign, e, m, env.rc);
        if q >= 1_000_000_000_000_000_000 {
            return indefinite;
        }
        (q as u64, if inexact { PE } else { 0 }, inc)
    };
    let mut bytes = [0u8; 10];
    let mut v = q;
    for byte in bytes.iter_mut().take(9) {
        let lo = (v % 10) as u8;
        let hi = (v / 10 % 10) as u8;
        *byte = hi << 4 | lo;
        v /= 100;
    }
    bytes[9] = if a.sign { 0x80 } else { 0 };
    BcdResult { bytes, flags, c1 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fpu::f80::{Precision, Rounding};

    fn env(rc: Rounding) -> X87Env {
        X87Env {
            rc,
            pc: Precision::P64,
            mask: 0x3F,
        }
    }

    #[test]
    fn integer_round_trip_and_indefinite() {
        for v in [0i64, 1, -1, 12345, i64::MIN, i64::MAX] {
            assert_eq!(to_i64(from_i64(v), env(Rounding::Nearest)).value, v);
        }
        let big = from_i64(40000);
        assert_eq!(
            to_i16(big, env(Rounding::Nearest)),
            IntResult {
                value: -32768,
                flags: IE,
                c1: false
            }
        );
        assert_eq!(to_i16(from_i64(-32768), env(Rounding::Nearest)).flags, 0);
        let r = to_i32(
            F80::new(false, 0x3FFF, 0xC000_0000_0000_0000),
            env(Rounding::Up),
        );
        assert_eq!((r.value, r.flags, r.c1), (2, PE, true));
    }

    #[test]
    fn ieee_widen_and_narrow() {
        for bits in [
            0x3FF0_0000_0000_0000u64,
            0x0000_0000_0000_0001,
            0x7FEF_FFFF_FFFF_FFFF,
            0xFFF0_0000_0000_0000,
        ] {
            let x = from_f64(bits).value;
            assert_eq!(to_f64(x, env(Rounding::Nearest)).bits, bits, "{bits:#x}");
        }
        assert_eq!(from_f64(1).flags, DE);
        let s = from_f32(0x7F80_0001);
        assert_eq!((s.value.sig, s.flags), (0xC000_0100_0000_0000, IE));
        let r = to_f32(F80::new(false, 0x7000, INT_BIT), env(Rounding::Nearest));
        assert_eq!((r.bits, r.flags), (0x7F80_0000, OE | PE));
        let r = to_f32(F80::new(false, 0x1000, INT_BIT), env(Rounding::Up));
        assert_eq!((r.bits, r.flags), (1, UE | PE));
        assert_eq!(
            to_f64(F80::INDEFINITE, env(Rounding::Nearest)).bits,
            0xFFF8_0000_0000_0000
        );
    }

    #[test]
    fn bcd_round_trip() {
        let b = [0x89, 0x67, 0x45, 0x23, 0x01, 0, 0, 0, 0x99, 0x80];
        let x = from_bcd(b);
        assert_eq!(
            to_i64(x, env(Rounding::Nearest)).value,
            -990_000_000_123_456_789
        );
        assert_eq!(to_bcd(x, env(Rounding::Nearest)).bytes, b);
        assert_eq!(
            to_bcd(F80::INFINITY, env(Rounding::Nearest)).bytes,
            BCD_INDEFINITE
        );
    }
}
