//! FADD/FSUB/FMUL/FDIV/FSQRT on the double-extended format (SDM Vol. 1
//! §4.8, §8.5; Vol. 2 FADD, FMUL, FDIV, FSQRT exception tables). Results are
//! rounded to the precision-control width with the 15-bit exponent range.

use super::round::{normalize, round_ext, shr_jam};
use super::{propagate_nan1, propagate_nan2, F80Result, Rounding, X87Env, DE, F80, ZE};

/// Shared operand screening of two-operand arithmetic: unsupported formats
/// → IE + indefinite, NaNs → §4.8.3.5 propagation. Returns the DE flag
/// otherwise.
pub(crate) fn screen2(a: F80, b: F80) -> Result<u8, F80Result> {
    if a.is_unsupported() || b.is_unsupported() {
        return Err(F80Result::invalid(0));
    }
    if a.is_nan() || b.is_nan() {
        return Err(propagate_nan2(a, b));
    }
    Ok(if a.is_denormal() || b.is_denormal() {
        DE
    } else {
        0
    })
}

fn with_flags(mut r: F80Result, flags: u8) -> F80Result {
    r.flags |= flags;
    r
}

/// Rounds a finite value to the precision-control width (x + 0, x · 1).
fn round_value(x: F80, env: X87Env, de: u8) -> F80Result {
    if x.is_zero() {
        return F80Result::exact(x, de);
    }
    let (e, m) = x.unpack();
    with_flags(
        round_ext(
            x.sign,
            e,
            (m as u128) << 64,
            env.pc.bits(),
            env.rc,
            env.mask,
        ),
        de,
    )
}

pub fn add(a: F80, b: F80, env: X87Env) -> F80Result {
    let de = match screen2(a, b) {
        Ok(de) => de,
        Err(r) => return r,
    };
    match (a.is_inf(), b.is_inf()) {
        (true, true) if a.sign != b.sign => return F80Result::invalid(de),
        (true, _) => return F80Result::exact(a, de),
        (_, true) => return F80Result::exact(b, de),
        _ => {}
    }
    match (a.is_zero(), b.is_zero()) {
        (true, true) => {
            let sign = if a.sign == b.sign {
                a.sign
            } else {
                env.rc == Rounding::Down
            };
            return F80Result::exact(F80::zero(sign), de);
        }
        (true, false) => return round_value(b, env, de),
        (false, true) => return round_value(a, env, de),
        _ => {}
    }
    let (ea, ma) = a.unpack();
    let (eb, mb) = b.unpack();
    // Larger magnitude first.
    let (big, small) = if (ea, ma) >= (eb, mb) {
        ((a.sign, ea, ma), (b.sign, eb, mb))
    } else {
        ((b.sign, eb, mb), (a.sign, ea, ma))
    };
    let x = (big.2 as u128) << 62;
    let y = shr_jam((small.2 as u128) << 62, (big.1 - small.1) as u32);
    let s = if big.0 == small.0 { x + y } else { x - y };
    if s == 0 {
        return F80Result::exact(F80::zero(env.rc == Rounding::Down), de);
    }
    let (lz, m) = normalize(s);
    // x = m·2^62 ⇒ value = s / 2^125 · 2^(e − bias).
    let e = big.1 + 2 - lz;
    with_flags(round_ext(big.0, e, m, env.pc.bits(), env.rc, env.mask), de)
}

pub fn sub(a: F80, b: F80, env: X87Env) -> F80Result {
    // b's sign flip must not touch NaN selection: screen first.
    if let Err(r) = screen2(a, b) {
        return r;
    }
    add(a, b.negate(), env)
}

pub fn mul(a: F80, b: F80, env: X87Env) -> F80Result {
    let de = match screen2(a, b) {
        Ok(de) => de,
        Err(r) => return r,
    };
    let sign = a.sign != b.sign;
    if (a.is_inf() && b.is_zero()) || (a.is_zero() && b.is_inf()) {
        return F80Result::invalid(de);
    }
    if a.is_inf() || b.is_inf() {
        return F80Result::exact(F80::inf(sign), de);
    }
    if a.is_zero() || b.is_zero() {
        return F80Result::exact(F80::zero(sign), de);
    }
    let (ea, ma) = a.unpack();
    let (eb, mb) = b.unpack();
    let p = ma as u128 * mb as u128;
    let (lz, m) = normalize(p);
    // p / 2^126 · 2^(ea + eb − 2·bias)
    let e = ea + eb - super::BIAS + 1 - lz;
    with_flags(round_ext(sign, e, m, env.pc.bits(), env.rc, env.mask), de)
}

pub fn div(a: F80, b: F80, env: X87Env) -> F80Result {
    let de = match screen2(a, b) {
        Ok(de) => de,
        Err(r) => return r,
    };
    let sign = a.sign != b.sign;
    if (a.is_inf() && b.is_inf()) || (a.is_zero() && b.is_zero()) {
        return F80Result::invalid(de);
    }
    if a.is_inf() {
        return F80Result::exact(F80::inf(sign), de);
    }
    if b.is_inf() || a.is_zero() {
        return F80Result::exact(F80::zero(sign), de);
    }
    if b.is_zero() {
        // Zero divide takes precedence over a denormal dividend (no DE).
        return F80Result::exact(F80::inf(sign), ZE);
    }
    let (ea, ma) = a.unpack();
    let (eb, mb) = b.unpack();
    let s = if ma >= mb { 63 } else { 64 };
    let n = (ma as u128) << s;
    let d = mb as u128;
    let (q1, r1) = (n / d, n % d);
    let n2 = r1 << 64;
    let (q2, r2) = (n2 / d, n2 % d);
    let m = q1 << 64 | q2 | (r2 != 0) as u128;
    let e = ea - eb + super::BIAS + 63 - s;
    with_flags(round_ext(sign, e, m, env.pc.bits(), env.rc, env.mask), de)
}

/// Integer square root: (floor(√n), n − floor(√n)²).
fn isqrt(n: u128) -> (u128, u128) {
    let mut rem = n;
    let mut root: u128 = 0;
    let mut bit: u128 = 1 << 126;
    while bit != 0 {
        if rem >= root + bit {
            rem -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    (root, rem)
}

pub fn sqrt(a: F80, env: X87Env) -> F80Result {
    if a.is_unsupported() {
        return F80Result::invalid(0);
    }
    if a.is_nan() {
        return propagate_nan1(a);
    }
    let de = if a.is_denormal() { DE } else { 0 };
    if a.is_zero() {
        return F80Result::exact(a, 0);
    }
    if a.sign {
        // The invalid operand takes precedence over DE.
        return F80Result::invalid(0);
    }
    if a.is_inf() {
        return F80Result::exact(a, 0);
    }
    let (e, m) = a.unpack();
    // value = m · 2^u
    let u = e - super::BIAS - 63;
    let (n, k) = if u % 2 == 0 {
        ((m as u128) << 64, (u - 64) / 2)
    } else {
        ((m as u128) << 63, (u - 63).div_euclid(2))
    };
    let (r, rem) = isqrt(n);
    // r has bit 63 set; the guard bit is set iff rem > r (√n is never a
    // half-integer), and any nonzero remainder is sticky.
    let m = r << 64 | ((rem > r) as u128) << 63 | (rem != 0) as u128;
    let e = k + 63 + super::BIAS;
    with_flags(round_ext(false, e, m, env.pc.bits(), env.rc, env.mask), de)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fpu::f80::{Precision, IE, INT_BIT, OE, PE};

    fn f(sign: bool, exp: u16, sig: u64) -> F80 {
        F80::new(sign, exp, sig)
    }
    const ENV: X87Env = X87Env {
        rc: Rounding::Nearest,
        pc: Precision::P64,
        mask: 0x3F,
    };

    #[test]
    fn basic_arithmetic_table() {
        let one = F80::ONE;
        let two = f(false, 0x4000, INT_BIT);
        let three = f(false, 0x4000, 0xC000_0000_0000_0000);
        type Op = fn(F80, F80, X87Env) -> F80Result;
        let cases: &[(Op, F80, F80, F80, u8)] = &[
            (add, one, two, three, 0),
            (sub, one, one, F80::ZERO, 0),
            (mul, two, three, f(false, 0x4001, 0xC000_0000_0000_0000), 0),
            (div, three, two, f(false, 0x3FFF, 0xC000_0000_0000_0000), 0),
            (div, one, three, f(false, 0x3FFD, 0xAAAA_AAAA_AAAA_AAAB), PE),
            (div, one, F80::ZERO, F80::INFINITY, ZE),
            (mul, F80::INFINITY, F80::ZERO, F80::INDEFINITE, IE),
            (
                add,
                F80::INFINITY,
                F80::INFINITY.negate(),
                F80::INDEFINITE,
                IE,
            ),
            (mul, f(false, 0x7FFE, INT_BIT), two, F80::INFINITY, OE | PE),
            (add, f(false, 0, 1), f(false, 0, 1), f(false, 0, 2), DE),
        ];
        for (i, &(op, a, b, want, flags)) in cases.iter().enumerate() {
            let r = op(a, b, ENV);
            assert_eq!((r.value, r.flags), (want, flags), "case {i}");
        }
    }

    #[test]
    fn precision_control_rounds_to_24_bits() {
        let env = X87Env {
            pc: Precision::P24,
            ..ENV
        };
        let r = div(F80::ONE, f(false, 0x4000, 0xC000_0000_0000_0000), env);
        assert_eq!(r.value, f(false, 0x3FFD, 0xAAAA_AB00_0000_0000));
        assert!(r.c1);
    }

    #[test]
    fn sqrt_table() {
        let four = f(false, 0x4001, INT_BIT);
        let two = f(false, 0x4000, INT_BIT);
        assert_eq!(sqrt(four, ENV).value, two);
        let r = sqrt(two, ENV);
        assert_eq!(r.value, f(false, 0x3FFF, 0xB504_F333_F9DE_6484));
        assert_eq!(r.flags, PE);
        assert_eq!(sqrt(F80::ONE.negate(), ENV).value, F80::INDEFINITE);
        assert_eq!(sqrt(F80::ZERO.negate(), ENV).value, F80::ZERO.negate());
    }

    #[test]
    fn isqrt_exact() {
        for n in [0u128, 1, 2, 15, 16, 1 << 126, u128::MAX] {
            let (r, rem) = isqrt(n);
            assert_eq!(r * r + rem, n);
            let above = match (r + 1).checked_mul(r + 1) {
                Some(s) => s > n,
                None => true,
            };
            assert!(above);
        }
    }
}
