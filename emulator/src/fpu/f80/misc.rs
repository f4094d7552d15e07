//! FRNDINT, FPREM, FPREM1, FSCALE, FXTRACT and the compares (SDM Vol. 2
//! instruction pages; Vol. 1 §4.8.3.6 comparisons with NaNs, §8.1.4
//! condition codes).
//!
//! FPREM/FPREM1 partial reduction: when the exponent difference D ≥ 64 the
//! SDM lets the implementation pick N in 32..=63 and reduce by 2^(D−N).
//! [`prem_n`] uses N = 32 + (D mod 32), which leaves an exponent difference
//! that is a multiple of 32 and matches the AMD EPYC host bit for bit
//! (measured by the host differential tests; C0/C3/C1 are 0 in that case).
//! Intel parts have not been measured.

use super::arith::screen2;
use super::round::{normalize, round_bits, round_ext, shr_jam};
use super::{propagate_nan1, Class, F80Result, Rounding, X87Env, BIAS, DE, F80, IE, INT_BIT, ZE};

/// N of the FPREM/FPREM1 partial-remainder step (see module docs).
pub fn prem_n(d: i32) -> i32 {
    32 + (d & 31)
}

/// Rounds value = m/2^63 · 2^(e − BIAS) to an integer per RC. Returns the
/// integer magnitude (≤ 2^64), inexact, incremented.
pub(crate) fn round_int_parts(sign: bool, e: i32, m: u64, rc: Rounding) -> (u128, bool, bool) {
    let f = BIAS + 63 - e; // fraction bits of m
    if f <= 0 {
        // Already an integer; only reachable for magnitudes ≥ 2^63.
        let shift = (-f).min(64) as u32;
        return ((m as u128) << shift, false, false);
    }
    let mut x = (m as u128) << 64;
    let mut drop = f as u32 + 64;
    if drop > 127 {
        x = shr_jam(x, drop - 127);
        drop = 127;
    }
    round_bits(x, drop, sign, rc)
}

/// An integer magnitude (< 2^65) as an exact F80.
pub(crate) fn f80_from_int(sign: bool, q: u128) -> F80 {
    if q == 0 {
        return F80::zero(sign);
    }
    let lz = q.leading_zeros();
    F80 {
        sign,
        exp: (BIAS + 127 - lz as i32) as u16,
        sig: ((q << lz) >> 64) as u64,
    }
}

/// FRNDINT: round ST(0) to an integer per RC (PC does not apply).
pub fn round_to_int(a: F80, env: X87Env) -> F80Result {
    if a.is_unsupported() {
        return F80Result::invalid(0);
    }
    if a.is_nan() {
        return propagate_nan1(a);
    }
    if a.is_zero() || a.is_inf() {
        return F80Result::exact(a, 0);
    }
    let de = if a.is_denormal() { DE } else { 0 };
    let (e, m) = a.unpack();
    if e >= BIAS + 63 {
        return F80Result::exact(a, de);
    }
    let (q, inexact, inc) = round_int_parts(a.sign, e, m, env.rc);
    let flags = de | if inexact { super::PE } else { 0 };
    F80Result {
        value: f80_from_int(a.sign, q),
        flags,
        c1: inc,
    }
}

/// Result of FPREM/FPREM1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PremResult {
    pub value: F80,
    pub flags: u8,
    /// Low three bits of the quotient (Q2 → C0, Q1 → C3, Q0 → C1); 0 when
    /// the reduction is incomplete.
    pub q: u8,
    /// C2: the reduction is incomplete (exponent difference ≥ 64).
    pub incomplete: bool,
}

fn prem(a: F80, b: F80, env: X87Env, ieee: bool) -> PremResult {
    let done = |r: F80Result| PremResult {
        value: r.value,
        flags: r.flags,
        q: 0,
        incomplete: false,
    };
    let de = match screen2(a, b) {
        Ok(de) => de,
        Err(r) => return done(r),
    };
    if a.is_inf() || b.is_zero() {
        // The invalid operand takes precedence over DE.
        return done(F80Result::invalid(0));
    }
    if a.is_zero() {
        return done(F80Result::exact(a, de));
    }
    let (ea, ma) = a.unpack();
    let (eb, mb) = if b.is_inf() {
        (i32::MAX / 2, INT_BIT)
    } else {
        b.unpack()
    };
    // A finite ST(0) against ∞ is returned like any |ST(0)| < |ST(1)|:
    // normalized, and re-biased on unmasked underflow (as the host does).
    let d = ea - eb;
    let mask = env.mask;
    if d >= 64 {
        // Partial step: QQ = trunc(ma·2^N / mb); r = ma·2^N − QQ·mb at the
        // scale of 2^(ea − N − BIAS − 63).
        let n = prem_n(d);
        let num = (ma as u128) << n;
        let r = num % mb as u128;
        let value = if r == 0 {
            F80Result::exact(F80::zero(a.sign), 0)
        } else {
            let (lz, m) = normalize(r);
            round_ext(a.sign, ea - n + 64 - lz, m, 64, Rounding::Nearest, mask)
        };
        return PremResult {
            value: value.value,
            flags: value.flags | de,
            q: 0,
            incomplete: true,
        };
    }
    if d < -1 || (d == -1 && !ieee) {
        let r = round_ext(a.sign, ea, (ma as u128) << 64, 64, Rounding::Nearest, mask);
        return PremResult {
            value: r.value,
            flags: r.flags | de,
            q: 0,
            incomplete: false,
        };
    }
    // Both at the scale 2^(eb − BIAS − 64).
    let num = (ma as u128) << (d + 1);
    let den = (mb as u128) << 1;
    let mut q = num / den;
    let mut r = num % den;
    let mut sign = a.sign;
    if ieee && (2 * r > den || (2 * r == den && q & 1 == 1)) {
        q += 1;
        r = den - r;
        sign = !sign;
    }
    let value = if r == 0 {
        F80Result::exact(F80::zero(a.sign), 0)
    } else {
        let (lz, m) = normalize(r);
        round_ext(sign, eb + 63 - lz, m, 64, Rounding::Nearest, mask)
    };
    PremResult {
        value: value.value,
        flags: value.flags | de,
        q: (q & 7) as u8,
        incomplete: false,
    }
}

/// FPREM: truncating partial remainder ST(0) rem ST(1).
pub fn fprem(a: F80, b: F80, env: X87Env) -> PremResult {
    prem(a, b, env, false)
}

/// FPREM1: IEEE partial remainder (quotient rounded to nearest).
pub fn fprem1(a: F80, b: F80, env: X87Env) -> PremResult {
    prem(a, b, env, true)
}

/// FSCALE: ST(0) · 2^trunc(ST(1)), rounded per RC (PC does not apply).
pub fn fscale(a: F80, b: F80, env: X87Env) -> F80Result {
    let de = match screen2(a, b) {
        Ok(de) => de,
        Err(r) => return r,
    };
    if b.is_inf() {
        return match (b.sign, a.is_zero(), a.is_inf()) {
            (false, true, _) | (true, _, true) => F80Result::invalid(de),
            (false, _, _) => F80Result::exact(F80::inf(a.sign), de),
            (true, _, _) => F80Result::exact(F80::zero(a.sign), de),
        };
    }
    if a.is_inf() || a.is_zero() {
        return F80Result::exact(a, de);
    }
    let n: i32 = if b.is_zero() {
        0
    } else {
        let (eb, mb) = b.unpack();
        let k = eb - BIAS; // |b| in [2^k, 2^(k+1))
        let mag = if k < 0 {
            0
        } else if k > 20 {
            1 << 21
        } else {
            (mb >> (63 - k)) as i32
        };
        if b.sign {
            -mag
        } else {
            mag
        }
    };
    let (ea, ma) = a.unpack();
    let r = round_ext(a.sign, ea + n, (ma as u128) << 64, 64, env.rc, env.mask);
    F80Result {
        flags: r.flags | de,
        ..r
    }
}

/// Result of FXTRACT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct XtractResult {
    /// Unbiased exponent as a real (goes to ST(1)).
    pub exponent: F80,
    /// Significand with exponent 0 (goes to ST(0)).
    pub significand: F80,
    pub flags: u8,
}

/// FXTRACT: split into exponent and significand.
pub fn fxtract(a: F80) -> XtractResult {
    let both = |v: F80, flags| XtractResult {
        exponent: v,
        significand: v,
        flags,
    };
    if a.is_unsupported() {
        return both(F80::INDEFINITE, IE);
    }
    if a.is_nan() {
        let r = propagate_nan1(a);
        return both(r.value, r.flags);
    }
    if a.is_zero() {
        return XtractResult {
            exponent: F80::inf(true),
            significand: a,
            flags: ZE,
        };
    }
    if a.is_inf() {
        return XtractResult {
            exponent: F80::INFINITY,
            significand: a,
            flags: 0,
        };
    }
    let de = if a.is_denormal() { DE } else { 0 };
    let (e, m) = a.unpack();
    let u = e - BIAS;
    XtractResult {
        exponent: f80_from_int(u < 0, u.unsigned_abs() as u128),
        significand: F80 {
            sign: a.sign,
            exp: BIAS as u16,
            sig: m,
        },
        flags: de,
    }
}

/// Result of a comparison (C3/C2/C0 of FCOM, ZF/PF/CF of FCOMI).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ordering {
    Less,
    Equal,
    Greater,
    Unordered,
}

/// Compares a with b. `ordered` (FCOM, FCOMI, FTST) raises IE for any NaN;
/// unordered (FUCOM, FUCOMI) only for SNaNs. Unsupported formats → IE.
pub fn compare(a: F80, b: F80, ordered: bool) -> (Ordering, u8) {
    if a.is_unsupported() || b.is_unsupported() {
        return (Ordering::Unordered, IE);
    }
    if a.is_nan() || b.is_nan() {
        let ie = ordered || a.is_snan() || b.is_snan();
        return (Ordering::Unordered, if ie { IE } else { 0 });
    }
    let de = if a.is_denormal() || b.is_denormal() {
        DE
    } else {
        0
    };
    // Magnitude key: zero < finite (by exponent, significand) < infinity.
    let key = |x: F80| -> (i32, u64) {
        if x.is_zero() {
            (i32::MIN, 0)
        } else if x.is_inf() {
            (i32::MAX, 0)
        } else {
            x.unpack()
        }
    };
    let (ka, kb) = (key(a), key(b));
    if a.is_zero() && b.is_zero() {
        return (Ordering::Equal, de);
    }
    let ord = match (a.sign, b.sign) {
        (false, true) => Ordering::Greater,
        (true, false) => Ordering::Less,
        (s, _) => match ka.cmp(&kb) {
            core::cmp::Ordering::Equal => Ordering::Equal,
            core::cmp::Ordering::Greater if !s => Ordering::Greater,
            core::cmp::Ordering::Less if s => Ordering::Greater,
            _ => Ordering::Less,
        },
    };
    // +0 vs −x etc. are handled by the sign match; a zero with either sign
    // against a nonzero value compares by the nonzero value's sign.
    let ord = if a.is_zero() {
        if b.sign {
            Ordering::Greater
        } else {
            Ordering::Less
        }
    } else if b.is_zero() {
        if a.sign {
            Ordering::Less
        } else {
            Ordering::Greater
        }
    } else {
        ord
    };
    (ord, de)
}

/// FXAM condition codes for a non-empty register, as status-word bits
/// (C3 = bit 14, C2 = bit 10, C1 = bit 9 = sign, C0 = bit 8; SDM Vol. 2
/// FXAM instruction page: unsupported 000, NaN 001, normal 010, infinity 011,
/// zero 100, denormal 110). An empty register (101) is the caller's case.
pub fn fxam(a: F80) -> u16 {
    const C0: u16 = 1 << 8;
    const C2: u16 = 1 << 10;
    const C3: u16 = 1 << 14;
    let class = match a.class() {
        Class::Unnormal | Class::PseudoInfinity | Class::PseudoNan => 0,
        Class::QNan | Class::SNan => C0,
        Class::Normal => C2,
        Class::Infinity => C2 | C0,
        Class::Zero => C3,
        Class::Denormal | Class::PseudoDenormal => C3 | C2,
    };
    class | if a.sign { 1 << 9 } else { 0 }
}

/// The constants of FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2 and FLDZ
/// (SDM Vol. 2 "FLD1/FLDL2T/..."; Vol. 1 §8.3.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Constant {
    One,
    L2T,
    L2E,
    Pi,
    Lg2,
    Ln2,
    Zero,
}

/// Loads a constant, rounded to 64 bits per RC (PC does not apply; no
/// exception flags). The irrational constants are kept to 128 bits here,
/// which decides every rounding the same way as the exact value.
pub fn constant(c: Constant, rc: Rounding) -> F80 {
    let (exp, sig): (i32, u128) = match c {
        Constant::One => return F80::ONE,
        Constant::Zero => return F80::ZERO,
        Constant::L2T => (1, 0xD49A_784B_CD1B_8AFE_492B_F6FF_4DAF_DB4C),
        Constant::L2E => (0, 0xB8AA_3B29_5C17_F0BB_BE87_FED0_691D_3E88),
        Constant::Pi => (1, 0xC90F_DAA2_2168_C234_C4C6_628B_80DC_1CD1),
        Constant::Lg2 => (-2, 0x9A20_9A84_FBCF_F798_8F89_59AC_0B7C_9178),
        Constant::Ln2 => (-1, 0xB172_17F7_D1CF_79AB_C9E3_B398_03F2_F6AF),
    };
    // Bit 0 stands in for the infinite tail (all are irrational).
    let (q, _, _) = round_bits(sig | 1, 64, false, rc);
    F80 {
        sign: false,
        exp: (BIAS + exp) as u16,
        sig: q as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fpu::f80::{Precision, PE};

    fn f(sign: bool, exp: u16, sig: u64) -> F80 {
        F80::new(sign, exp, sig)
    }
    fn env(rc: Rounding) -> X87Env {
        X87Env {
            rc,
            pc: Precision::P64,
            mask: 0x3F,
        }
    }
    const TWO_HALF: F80 = F80 {
        sign: false,
        exp: 0x4000,
        sig: 0xA000_0000_0000_0000,
    };

    #[test]
    fn frndint_per_rc() {
        let cases = [
            (
                Rounding::Nearest,
                TWO_HALF,
                f(false, 0x4000, INT_BIT),
                false,
            ),
            (
                Rounding::Up,
                TWO_HALF,
                f(false, 0x4000, 0xC000_0000_0000_0000),
                true,
            ),
            (
                Rounding::Down,
                TWO_HALF.negate(),
                f(true, 0x4000, 0xC000_0000_0000_0000),
                true,
            ),
            (
                Rounding::Zero,
                TWO_HALF.negate(),
                f(true, 0x4000, INT_BIT),
                false,
            ),
            (Rounding::Up, f(false, 0x3000, INT_BIT), F80::ONE, true),
            (
                Rounding::Nearest,
                f(true, 0x3000, INT_BIT),
                F80::ZERO.negate(),
                false,
            ),
        ];
        for (rc, x, want, c1) in cases {
            let r = round_to_int(x, env(rc));
            assert_eq!((r.value, r.flags, r.c1), (want, PE, c1), "{rc:?} {x:?}");
        }
    }

    #[test]
    fn fprem_quotient_bits() {
        // 7 rem 2: FPREM → 1, Q = 3; FPREM1 → −1, Q = 4.
        let seven = f(false, 0x4001, 0xE000_0000_0000_0000);
        let two = f(false, 0x4000, INT_BIT);
        let r = fprem(seven, two, env(Rounding::Nearest));
        assert_eq!((r.value, r.q, r.incomplete), (F80::ONE, 3, false));
        let r = fprem1(seven, two, env(Rounding::Nearest));
        assert_eq!((r.value, r.q), (F80::ONE.negate(), 4));
        let big = f(false, 0x4100, INT_BIT);
        assert!(fprem(big, two, env(Rounding::Nearest)).incomplete);
    }

    #[test]
    fn fscale_and_fxtract() {
        let r = fscale(
            F80::ONE,
            f(false, 0x4000, 0xA000_0000_0000_0000),
            env(Rounding::Nearest),
        );
        assert_eq!(r.value, f(false, 0x4001, INT_BIT));
        let x = fxtract(f(true, 0x4003, 0xC000_0000_0000_0000));
        assert_eq!(x.exponent, f(false, 0x4001, INT_BIT));
        assert_eq!(x.significand, f(true, 0x3FFF, 0xC000_0000_0000_0000));
        assert_eq!(fxtract(F80::ZERO).flags, ZE);
    }

    #[test]
    fn constants_per_rc() {
        assert_eq!(
            constant(Constant::Pi, Rounding::Nearest).sig,
            0xC90F_DAA2_2168_C235
        );
        assert_eq!(
            constant(Constant::Pi, Rounding::Down).sig,
            0xC90F_DAA2_2168_C234
        );
        assert_eq!(
            constant(Constant::L2E, Rounding::Up).sig,
            0xB8AA_3B29_5C17_F0BC
        );
        assert_eq!(constant(Constant::Lg2, Rounding::Nearest).exp, 0x3FFD);
    }

    #[test]
    fn compare_table() {
        let q = F80::INDEFINITE;
        let s = f(false, 0x7FFF, INT_BIT | 1);
        let cases = [
            (F80::ONE, F80::ZERO, true, Ordering::Greater, 0),
            (F80::ZERO.negate(), F80::ZERO, true, Ordering::Equal, 0),
            (
                F80::ONE.negate(),
                F80::INFINITY.negate(),
                true,
                Ordering::Greater,
                0,
            ),
            (
                F80::ONE.negate(),
                f(true, 0x4000, INT_BIT),
                true,
                Ordering::Greater,
                0,
            ),
            (q, F80::ONE, true, Ordering::Unordered, IE),
            (q, F80::ONE, false, Ordering::Unordered, 0),
            (s, F80::ONE, false, Ordering::Unordered, IE),
            (f(false, 0, 1), F80::ZERO, false, Ordering::Greater, DE),
        ];
        for (a, b, ordered, want, flags) in cases {
            assert_eq!(compare(a, b, ordered), (want, flags), "{a:?} {b:?}");
        }
    }
}
