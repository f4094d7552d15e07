//! x87 transcendentals (SDM Vol. 1 §8.3.10, §8.3.8 "Pi"; Vol. 2 pages
//! F2XM1, FYL2X, FYL2XP1, FPTAN, FPATAN, FSIN, FCOS, FSINCOS).
//!
//! Values are computed in the 128-bit internal format [`Xf`] (series
//! evaluation after argument reduction) and rounded once to the 64-bit
//! significand: precision control is ignored (the transcendentals always
//! deliver 64 bits, §8.1.5.2), RC is applied to that final rounding, which
//! is also where OE/UE/PE and C1 (rounded up) come from.
//!
//! - FSIN/FCOS/FSINCOS/FPTAN: |x| < 2^63 is reduced as the x87 does
//!   (§8.3.8): the quotient from 448 bits of 2/π, the remainder exactly
//!   against π/2 rounded to 66 bits (so results near multiples of π are
//!   the x87's, not the mathematically exact ones); |x| ≥ 2^63 → `None`
//!   (the caller sets C2 and leaves the operand). ±∞ → IE.
//! - F2XM1: 2^x − 1 = expm1(x·ln 2) by series for |x| < 1, exact at ±1.
//! - FYL2X/FYL2XP1: ln by 2·atanh((f−1)/(f+1)) (resp. x/(x+2)).
//! - FPATAN: atan(t), 0 ≤ t ≤ 1, after three argument halvings, placed in
//!   the quadrant of (x, y) per the Vol. 2 FPATAN table.
//!
//! Host-derived choices (AMD EPYC host, see `host_diff/transcendental.rs`;
//! results within 1 ulp of it, special operands bit-exact):
//! - every computed result raises PE, exact ones (log2 of a power of two,
//!   F2XM1(±1)) included, and a tiny computed result raises UE;
//! - outside the SDM ranges: F2XM1 with |x| > 1 and FYL2XP1 with x ≤ −1
//!   return the operand unchanged with PE; FYL2XP1 with x = −∞ → IE;
//!   other out-of-range FYL2XP1 operands (0.29 < |x| < 1, x ≥ 1) are
//!   computed as y·log2(1 + x), which matched the host;
//! - an invalid operation or ZE (FYL2X of ±0) suppresses DE;
//! - C1 is the round-up bit of this module's correctly rounded result; the
//!   host's C1 for inexact results comes from its own internal
//!   approximation and is not reproduced (it differs in a few % of cases).
//!
//! Intel parts have not been measured.

use super::xf::Xf;
use super::{propagate_nan1, F80Result, X87Env, BIAS, DE, F80, PE, UE, ZE};

const FRAC_PI_2: Xf = Xf::konst(0xc90fdaa22168c234c4c6628b80dc1cd1, 0);
const LN_2: Xf = Xf::konst(0xb17217f7d1cf79abc9e3b39803f2f6af, -1);
const LOG2_E: Xf = Xf::konst(0xb8aa3b295c17f0bbbe87fed0691d3e88, 0);
/// π/2 rounded to 66 bits (the x87's internal π, SDM §8.3.8), · 2^65.
const PI66_HALF: u128 = 0xC90F_DAA2_2168_C234 << 2 | 3;
/// 2/π · 2^448, least significant limb first.
const TWO_OVER_PI: [u64; 7] = [
    0xfe1deb1cb129a73e,
    0x06492eea09d1921c,
    0xb7246e3a424dd2e0,
    0xfe5163abdebbc561,
    0xdb6295993c439041,
    0xfc2757d1f534ddc0,
    0xa2f9836e4e441529,
];

/// Unsupported encodings → IE; NaN → propagation; else the DE flag.
fn screen1(a: F80) -> Result<u8, F80Result> {
    if a.is_unsupported() {
        return Err(F80Result::invalid(0));
    }
    if a.is_nan() {
        return Err(propagate_nan1(a));
    }
    Ok(if a.is_denormal() { DE } else { 0 })
}

fn screen2(a: F80, b: F80) -> Result<u8, F80Result> {
    super::arith::screen2(a, b)
}

fn with(mut r: F80Result, flags: u8) -> F80Result {
    r.flags |= flags;
    r
}

/// Rounds a computed result. The host x87 reports PE for every computed
/// transcendental result, exact ones (log2 of a power of two, 2^1 − 1)
/// included, so PE is set here too.
/// A tiny result is then also an underflow (the masked response raises UE
/// only for inexact tiny results, and these all count as inexact).
fn done(x: Xf, env: X87Env, de: u8) -> F80Result {
    let r = x.round(env.rc, env.mask);
    let ue = if r.value.exp == 0 && !x.is_zero() {
        UE
    } else {
        0
    };
    with(r, de | PE | ue)
}

/// Outside the range the host evaluates (F2XM1 |x| > 1, FYL2XP1 |x| ≥ 1):
/// the operand comes back unchanged with PE (SDM: undefined).
fn unchanged(x: F80, de: u8) -> F80Result {
    F80Result::exact(x, de | PE)
}

/// Σ t^k/k! for k ≥ 1 (e^t − 1).
fn expm1(t: Xf) -> Xf {
    let mut term = t;
    let mut sum = t;
    for k in 2..60u64 {
        term = term.mul(t).div_small(k);
        if term.is_zero() || term.e < sum.e - 130 {
            break;
        }
        sum = sum.add(term);
    }
    sum
}

/// 2·atanh(s) = 2·Σ s^(2k+1)/(2k+1).
fn atanh2(s: Xf) -> Xf {
    let s2 = s.mul(s);
    let mut p = s;
    let mut sum = s;
    for k in 1..200u64 {
        p = p.mul(s2);
        let term = p.div_small(2 * k + 1);
        if term.is_zero() || term.e < sum.e - 130 {
            break;
        }
        sum = sum.add(term);
    }
    sum.ldexp(1)
}

/// log2 of a positive finite value.
fn log2(x: Xf) -> Xf {
    // x = f · 2^k with f in [1/√2·…, √2).
    let mut k = x.e;
    let mut f = Xf { e: 0, ..x };
    // √2 ≈ 0xB504F333F9DE6484 · 2^-63.
    if f.m > 0xB504_F333_F9DE_6484u128 << 64 {
        f = f.ldexp(-1);
        k += 1;
    }
    let s = f.sub(Xf::ONE).div(f.add(Xf::ONE));
    let ln = atanh2(s);
    Xf::from_u64(k.unsigned_abs() as u64)
        .mul(Xf {
            neg: k < 0,
            ..Xf::ONE
        })
        .add(ln.mul(LOG2_E))
}

/// atan(t) for 0 ≤ t ≤ 1.
fn atan01(t: Xf) -> Xf {
    let mut t = t;
    for _ in 0..3 {
        t = t.div(Xf::ONE.add(Xf::ONE.add(t.mul(t)).sqrt()));
    }
    let t2 = t.mul(t);
    let mut p = t;
    let mut sum = t;
    for k in 1..200u64 {
        p = p.mul(t2);
        let term = p.div_small(2 * k + 1);
        if term.is_zero() || term.e < sum.e - 130 {
            if k == 1 {
                sum = sum.nudge(false);
            }
            break;
        }
        sum = if k & 1 == 1 {
            sum.sub(term)
        } else {
            sum.add(term)
        };
    }
    sum.ldexp(3)
}

/// sin(r) and cos(r) for |r| ≤ π/4.
fn sin_cos_kernel(r: Xf) -> (Xf, Xf) {
    if r.is_zero() {
        return (r, Xf::ONE);
    }
    let r2 = r.mul(r);
    let (mut ps, mut s) = (r, r);
    let (mut pc, mut c) = (Xf::ONE, Xf::ONE);
    let mut small_s = true;
    let mut small_c = true;
    for k in 1..60u64 {
        let neg = k & 1 == 1;
        pc = pc.mul(r2).div_small((2 * k - 1) * (2 * k));
        ps = ps.mul(r2).div_small((2 * k) * (2 * k + 1));
        let cs = !ps.is_zero() && ps.e >= s.e - 130;
        let cc = !pc.is_zero() && pc.e >= c.e - 130;
        if cs {
            small_s = false;
            s = if neg { s.sub(ps) } else { s.add(ps) };
        }
        if cc {
            small_c = false;
            c = if neg { c.sub(pc) } else { c.add(pc) };
        }
        if !cs && !cc {
            break;
        }
    }
    if small_s {
        s = s.nudge(false);
    }
    if small_c {
        c = c.nudge(false);
    }
    (s, c)
}

/// Bits [p, p+128) of a little-endian limb array (zero beyond the ends).
fn bits128(w: &[u64], p: i32) -> u128 {
    let mut v = 0u128;
    for i in 0..128 {
        let b = p + i;
        if b >= 0 && (b as usize) < w.len() * 64 {
            let bit = (w[b as usize / 64] >> (b % 64)) & 1;
            v |= u128::from(bit) << i;
        }
    }
    v
}

/// Reduces a finite |x| < 2^63 modulo π/2 the way the x87 does (SDM
/// §8.3.8): the quotient q = round(x / (π/2)) (from 448 bits of 2/π), then
/// the remainder x − q·P exactly, with P = π/2 rounded to 66 bits, the
/// x87's internal π. Returns (q mod 4, remainder, about [−π/4, π/4]).
fn reduce(x: F80) -> (u32, Xf) {
    let xa = Xf::from_f80(x.abs());
    // |x| ≤ π/4 (a little less, to stay clear of the boundary).
    if xa.is_zero() || xa.e < -1 || (xa.e == -1 && xa.m < 0xC90F_DAA2u128 << 96) {
        return (0, xa);
    }
    // x = M · 2^k, M the 64-bit significand.
    let (e, m) = x.unpack();
    let k = e - BIAS - 63; // −64 ≤ k ≤ −1 here
    let s = (-k) as u32;
    // W = M · TWO_OVER_PI: value x·2/π = W · 2^(k − 448).
    let mut w = [0u64; 8];
    let mut carry = 0u128;
    for i in 0..7 {
        let p = u128::from(m) * u128::from(TWO_OVER_PI[i]) + carry;
        w[i] = p as u64;
        carry = p >> 64;
    }
    w[7] = carry as u64;
    let n = 448 + s; // fraction bits
    let half = (w[(n - 1) as usize / 64] >> ((n - 1) % 64)) & 1 != 0;
    let q = (bits128(&w, n as i32) as u64).wrapping_add(u64::from(half));
    // r = x − q·(π/2)₆₆, exact: x·2^65 and q·PI66_HALF agree above bit 127.
    let xf = u128::from(m) << (k + 65);
    let r = xf.wrapping_sub(u128::from(q).wrapping_mul(PI66_HALF)) as i128;
    ((q & 3) as u32, Xf::from_fixed(r < 0, r.unsigned_abs(), -65))
}

/// Screening shared by FSIN/FCOS/FSINCOS/FPTAN: Ok((DE, in range)).
fn trig_screen(x: F80) -> Result<(u8, bool), F80Result> {
    let de = screen1(x)?;
    if x.is_inf() {
        return Err(F80Result::invalid(de));
    }
    // Out of range: |x| ≥ 2^63.
    let (e, _) = if x.is_zero() { (0, 0) } else { x.unpack() };
    Ok((de, e - BIAS < 63))
}

/// sin and cos of a finite in-range operand, before rounding.
fn sin_cos_xf(x: F80) -> (Xf, Xf) {
    let (quad, r) = reduce(x);
    let (s, c) = sin_cos_kernel(r);
    let (s, c) = match quad {
        0 => (s, c),
        1 => (c, s.neg()),
        2 => (s.neg(), c.neg()),
        _ => (c.neg(), s),
    };
    (if x.sign { s.neg() } else { s }, c)
}

/// FSIN: `None` when |x| ≥ 2^63 (C2 = 1, ST(0) unchanged).
pub fn fsin(x: F80, env: X87Env) -> Option<F80Result> {
    match trig_screen(x) {
        Err(r) => Some(r),
        Ok((_, false)) => None,
        Ok((de, true)) => {
            if x.is_zero() {
                return Some(F80Result::exact(x, de));
            }
            Some(done(sin_cos_xf(x).0, env, de))
        }
    }
}

/// FCOS: `None` when |x| ≥ 2^63.
pub fn fcos(x: F80, env: X87Env) -> Option<F80Result> {
    match trig_screen(x) {
        Err(r) => Some(r),
        Ok((_, false)) => None,
        Ok((de, true)) => {
            if x.is_zero() {
                return Some(F80Result::exact(F80::ONE, de));
            }
            Some(done(sin_cos_xf(x).1, env, de))
        }
    }
}

/// FSINCOS: (sin, cos), or `None` when |x| ≥ 2^63. Special operands give
/// the same result for both.
pub fn fsincos(x: F80, env: X87Env) -> Option<(F80Result, F80Result)> {
    match trig_screen(x) {
        Err(r) => Some((r, r)),
        Ok((_, false)) => None,
        Ok((de, true)) => {
            if x.is_zero() {
                return Some((F80Result::exact(x, de), F80Result::exact(F80::ONE, de)));
            }
            let (s, c) = sin_cos_xf(x);
            Some((done(s, env, de), done(c, env, de)))
        }
    }
}

/// FPTAN: tan(x) (the caller pushes 1.0), or `None` when |x| ≥ 2^63.
pub fn fptan(x: F80, env: X87Env) -> Option<F80Result> {
    match trig_screen(x) {
        Err(r) => Some(r),
        Ok((_, false)) => None,
        Ok((de, true)) => {
            if x.is_zero() {
                return Some(F80Result::exact(x, de));
            }
            let (quad, r) = reduce(x);
            let (s, c) = sin_cos_kernel(r);
            let mut t = if quad & 1 == 0 {
                s.div(c)
            } else {
                c.div(s).neg()
            };
            if r.e < -64 && quad & 1 == 0 {
                t = t.nudge(true);
            }
            Some(done(if x.sign { t.neg() } else { t }, env, de))
        }
    }
}

/// F2XM1: 2^x − 1.
pub fn f2xm1(x: F80, env: X87Env) -> F80Result {
    let de = match screen1(x) {
        Ok(de) => de,
        Err(r) => return r,
    };
    if x.is_zero() {
        return F80Result::exact(x, de);
    }
    if x.is_inf() {
        // 2^+∞ − 1 = +∞; 2^−∞ − 1 = −1.
        let v = if x.sign { F80::ONE.negate() } else { x };
        return F80Result::exact(v, de);
    }
    let xf = Xf::from_f80(x);
    if xf.e >= 0 {
        if xf.e == 0 && xf.m == 1 << 127 {
            // 2^1 − 1 = 1, 2^-1 − 1 = −1/2 (exact, PE as on the host).
            let v = if x.sign {
                Xf::ONE.neg().ldexp(-1)
            } else {
                Xf::ONE
            };
            return done(v, env, de);
        }
        return unchanged(x, de);
    }
    done(expm1(xf.mul(LN_2)), env, de)
}

/// FYL2X: ST(1) · log2(ST(0)) with `x` = ST(0), `y` = ST(1).
pub fn fyl2x(x: F80, y: F80, env: X87Env) -> F80Result {
    let de = match screen2(x, y) {
        Ok(de) => de,
        Err(r) => return r,
    };
    // An invalid operation suppresses DE.
    if x.sign && !x.is_zero() {
        return F80Result::invalid(0);
    }
    if x.is_zero() {
        // log2(±0) = −∞: y = 0 → IE; finite y → ZE; ∞ → no exception.
        if y.is_zero() {
            return F80Result::invalid(0);
        }
        // ZE suppresses DE (as for FDIV).
        let flags = if y.is_inf() { de } else { ZE };
        return F80Result::exact(F80::inf(!y.sign), flags);
    }
    if x.is_inf() {
        if y.is_zero() {
            return F80Result::invalid(de);
        }
        return F80Result::exact(F80::inf(y.sign), de);
    }
    // x finite positive.
    let l = log2(Xf::from_f80(x));
    if y.is_inf() {
        if l.is_zero() {
            return F80Result::invalid(de);
        }
        return F80Result::exact(F80::inf(y.sign != l.neg), de);
    }
    if l.is_zero() {
        // log2(1) = +0: y · +0.
        return F80Result::exact(F80::zero(y.sign), de);
    }
    if y.is_zero() {
        return F80Result::exact(F80::zero(y.sign != l.neg), de);
    }
    done(Xf::from_f80(y).mul(l), env, de)
}

/// FYL2XP1: ST(1) · log2(ST(0) + 1) with `x` = ST(0), `y` = ST(1).
pub fn fyl2xp1(x: F80, y: F80, env: X87Env) -> F80Result {
    let de = match screen2(x, y) {
        Ok(de) => de,
        Err(r) => return r,
    };
    let xf = Xf::from_f80(x);
    if x.is_zero() {
        if y.is_inf() {
            return F80Result::invalid(de);
        }
        return F80Result::exact(F80::zero(x.sign != y.sign), de);
    }
    if x.sign && x.is_inf() {
        return F80Result::invalid(0);
    }
    if x.is_inf() {
        // log2(+∞) · y; +∞ · 0 is invalid.
        if y.is_zero() {
            return F80Result::invalid(0);
        }
        return F80Result::exact(F80::inf(y.sign), de);
    }
    if y.is_inf() {
        return F80Result::exact(F80::inf(x.sign != y.sign), de);
    }
    if y.is_zero() {
        return F80Result::exact(F80::zero(x.sign != y.sign), de);
    }
    if x.sign && xf.e >= 0 {
        // x ≤ −1 (the SDM leaves |x| ≥ 1 − √2/2 undefined): as the host.
        return unchanged(x, de);
    }
    let l = if xf.e < -2 {
        atanh2(xf.div(xf.add(Xf::ONE.ldexp(1)))).mul(LOG2_E)
    } else {
        log2(xf.add(Xf::ONE))
    };
    done(Xf::from_f80(y).mul(l), env, de)
}

/// FPATAN: arctan(ST(1)/ST(0)) with `x` = ST(0), `y` = ST(1), in the
/// quadrant of (x, y) (Vol. 2 FPATAN table).
pub fn fpatan(x: F80, y: F80, env: X87Env) -> F80Result {
    let de = match screen2(x, y) {
        Ok(de) => de,
        Err(r) => return r,
    };
    let pi = FRAC_PI_2.ldexp(1);
    let sign = |v: Xf| if y.sign { v.neg() } else { v };
    let r = match (x.is_inf(), y.is_inf()) {
        (true, true) => {
            let q = FRAC_PI_2.ldexp(-1);
            if x.sign {
                pi.sub(q)
            } else {
                q
            }
        }
        (_, true) => FRAC_PI_2,
        (true, false) => {
            if x.sign {
                pi
            } else {
                return F80Result::exact(F80::zero(y.sign), de);
            }
        }
        _ => {
            if y.is_zero() {
                if x.sign {
                    pi
                } else {
                    return F80Result::exact(F80::zero(y.sign), de);
                }
            } else if x.is_zero() {
                FRAC_PI_2
            } else {
                let (a, b) = (Xf::from_f80(y.abs()), Xf::from_f80(x.abs()));
                let base = if (a.e, a.m) <= (b.e, b.m) {
                    atan01(a.div(b))
                } else {
                    FRAC_PI_2.sub(atan01(b.div(a)))
                };
                if x.sign {
                    pi.sub(base)
                } else {
                    base
                }
            }
        }
    };
    done(sign(r), env, de)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fpu::f80::{IE, PE, ZE};

    fn f(v: f64) -> F80 {
        crate::fpu::f80::from_f64(v.to_bits()).value
    }

    fn env() -> X87Env {
        X87Env::default()
    }

    /// (operation, input, expected value, flags)
    #[test]
    fn exact_and_special_cases() {
        let e = env();
        let cases: Vec<(&str, F80Result, F80, u8)> = vec![
            ("sin 0", fsin(F80::ZERO, e).unwrap(), F80::ZERO, 0),
            (
                "sin -0",
                fsin(F80::ZERO.negate(), e).unwrap(),
                F80::ZERO.negate(),
                0,
            ),
            ("cos 0", fcos(F80::ZERO, e).unwrap(), F80::ONE, 0),
            ("tan 0", fptan(F80::ZERO, e).unwrap(), F80::ZERO, 0),
            (
                "sin inf",
                fsin(F80::INFINITY, e).unwrap(),
                F80::INDEFINITE,
                IE,
            ),
            ("f2xm1 0", f2xm1(F80::ZERO, e), F80::ZERO, 0),
            ("f2xm1 1", f2xm1(F80::ONE, e), F80::ONE, PE),
            ("f2xm1 -1", f2xm1(F80::ONE.negate(), e), f(-0.5), PE),
            ("log2 8", fyl2x(f(8.0), F80::ONE, e), f(3.0), PE),
            ("log2 1/4 * 3", fyl2x(f(0.25), f(3.0), e), f(-6.0), PE),
            (
                "log2 0",
                fyl2x(F80::ZERO, F80::ONE, e),
                F80::INFINITY.negate(),
                ZE,
            ),
            (
                "log2 -1",
                fyl2x(F80::ONE.negate(), F80::ONE, e),
                F80::INDEFINITE,
                IE,
            ),
            (
                "log2 1 * inf",
                fyl2x(F80::ONE, F80::INFINITY, e),
                F80::INDEFINITE,
                IE,
            ),
            ("f2xm1 2", f2xm1(f(2.0), e), f(2.0), PE),
            ("lnp1 0", fyl2xp1(F80::ZERO, F80::ONE, e), F80::ZERO, 0),
            ("atan 0/1", fpatan(F80::ONE, F80::ZERO, e), F80::ZERO, 0),
        ];
        for (name, r, want, flags) in cases {
            assert_eq!((r.value, r.flags), (want, flags), "{name}");
        }
        assert!(fsin(f(9.3e18), e).is_none());
        assert!(fsin(f(9.2e18), e).is_some());
    }

    /// Values against binary64 references (well within their precision).
    #[test]
    fn values_near_libm() {
        let e = env();
        let close = |name: &str, r: F80Result, want: f64| {
            let got = f64::from_bits(crate::fpu::f80::to_f64(r.value, e).bits);
            assert!(
                (got - want).abs() <= want.abs() * 1e-15,
                "{name}: {got} vs {want}"
            );
            assert_eq!(r.flags & PE, PE, "{name}");
        };
        close("sin 1", fsin(f(1.0), e).unwrap(), 1f64.sin());
        close("cos 2", fcos(f(2.0), e).unwrap(), 2f64.cos());
        close("sin 100", fsin(f(100.0), e).unwrap(), 100f64.sin());
        close("tan 0.5", fptan(f(0.5), e).unwrap(), 0.5f64.tan());
        close("tan -3", fptan(f(-3.0), e).unwrap(), (-3f64).tan());
        close("f2xm1 .5", f2xm1(f(0.5), e), 2f64.sqrt() - 1.0);
        close("log2 10", fyl2x(f(10.0), F80::ONE, e), 10f64.log2());
        close("lnp1 .1", fyl2xp1(f(0.1), F80::ONE, e), 1.1f64.log2());
        close("atan2 1,-1", fpatan(f(-1.0), f(1.0), e), 1f64.atan2(-1.0));
        close("atan2 -3,2", fpatan(f(2.0), f(-3.0), e), (-3f64).atan2(2.0));
    }
}
