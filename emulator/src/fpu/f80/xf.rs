//! A wide internal binary float for the transcendentals (SDM Vol. 1
//! §8.3.10): a sign, an unbounded exponent and a 128-bit significand, with
//! truncating multiply/add/divide. Errors are a few units of 2^-127 relative
//! per operation, far below the 2^-64 of the final rounding to the
//! double-extended significand.

use super::round::round_ext;
use super::{F80Result, Rounding, BIAS, F80};

/// value = (-1)^neg · m · 2^(e − 127); `m` has bit 127 set, or is 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Xf {
    pub neg: bool,
    pub e: i32,
    pub m: u128,
}

/// 256-bit product of two u128 values as (high, low).
fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    let (a1, a0) = (a >> 64, a & u128::from(u64::MAX));
    let (b1, b0) = (b >> 64, b & u128::from(u64::MAX));
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 64) + (p01 & u128::from(u64::MAX)) + (p10 & u128::from(u64::MAX));
    let lo = (p00 & u128::from(u64::MAX)) | (mid << 64);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (hi, lo)
}

impl Xf {
    pub const ZERO: Xf = Xf {
        neg: false,
        e: 0,
        m: 0,
    };
    pub const ONE: Xf = Xf {
        neg: false,
        e: 0,
        m: 1 << 127,
    };

    pub const fn konst(m: u128, e: i32) -> Xf {
        Xf { neg: false, e, m }
    }

    pub fn is_zero(self) -> bool {
        self.m == 0
    }

    /// A finite F80 value (supported encodings, denormals included).
    pub fn from_f80(x: F80) -> Xf {
        if x.sig == 0 {
            return Xf {
                neg: x.sign,
                ..Xf::ZERO
            };
        }
        let (e, m) = x.unpack();
        Xf {
            neg: x.sign,
            e: e - BIAS,
            m: u128::from(m) << 64,
        }
    }

    pub fn from_u64(v: u64) -> Xf {
        if v == 0 {
            return Xf::ZERO;
        }
        let lz = v.leading_zeros();
        Xf {
            neg: false,
            e: 63 - lz as i32,
            m: u128::from(v << lz) << 64,
        }
    }

    /// From a fixed-point magnitude: value = v · 2^scale.
    pub fn from_fixed(neg: bool, v: u128, scale: i32) -> Xf {
        if v == 0 {
            return Xf::ZERO;
        }
        let lz = v.leading_zeros();
        Xf {
            neg,
            e: 127 - lz as i32 + scale,
            m: v << lz,
        }
    }

    pub fn neg(self) -> Xf {
        Xf {
            neg: !self.neg,
            ..self
        }
    }

    /// Multiplies by 2^k.
    pub fn ldexp(self, k: i32) -> Xf {
        if self.m == 0 {
            self
        } else {
            Xf {
                e: self.e + k,
                ..self
            }
        }
    }

    pub fn mul(self, b: Xf) -> Xf {
        if self.m == 0 || b.m == 0 {
            return Xf {
                neg: self.neg != b.neg,
                ..Xf::ZERO
            };
        }
        let (hi, lo) = mul_wide(self.m, b.m);
        let neg = self.neg != b.neg;
        if hi >> 127 != 0 {
            Xf {
                neg,
                e: self.e + b.e + 1,
                m: hi,
            }
        } else {
            Xf {
                neg,
                e: self.e + b.e,
                m: hi << 1 | lo >> 127,
            }
        }
    }

    pub fn add(self, b: Xf) -> Xf {
        if b.m == 0 {
            return self;
        }
        if self.m == 0 {
            return b;
        }
        let (big, small) = if (self.e, self.m) >= (b.e, b.m) {
            (self, b)
        } else {
            (b, self)
        };
        let d = (big.e - small.e) as u32;
        if big.neg == small.neg {
            let s = if d + 1 >= 128 { 0 } else { small.m >> (d + 1) };
            let sum = (big.m >> 1) + s;
            Xf::from_fixed(big.neg, sum, big.e + 1 - 127)
        } else {
            let s = if d >= 128 { 0 } else { small.m >> d };
            Xf::from_fixed(big.neg, big.m - s, big.e - 127)
        }
    }

    pub fn sub(self, b: Xf) -> Xf {
        self.add(b.neg())
    }

    /// Long division (b ≠ 0).
    pub fn div(self, b: Xf) -> Xf {
        let neg = self.neg != b.neg;
        if self.m == 0 {
            return Xf { neg, ..Xf::ZERO };
        }
        let mut rem = self.m;
        let mut q: u128 = 0;
        if rem >= b.m {
            rem -= b.m;
            q = 1;
        }
        for _ in 0..127 {
            let carry = rem >> 127;
            rem <<= 1;
            q <<= 1;
            if carry != 0 || rem >= b.m {
                rem = rem.wrapping_sub(b.m);
                q |= 1;
            }
        }
        Xf::from_fixed(neg, q, self.e - b.e - 127)
    }

    /// Division by a small positive integer (u128 division with the
    /// remainder carried into the bits the normalization shifts in).
    pub fn div_small(self, k: u64) -> Xf {
        if self.m == 0 {
            return self;
        }
        let k = u128::from(k);
        let q = self.m / k;
        let r = self.m % k;
        let lz = q.leading_zeros();
        // r < k < 2^64 and lz ≤ 64, so r << lz cannot overflow.
        let low = if lz == 0 { 0 } else { (r << lz) / k };
        Xf {
            neg: self.neg,
            e: self.e - lz as i32,
            m: q << lz | low,
        }
    }

    /// Square root of a positive value (Newton from a binary64 guess).
    pub fn sqrt(self) -> Xf {
        if self.m == 0 {
            return self;
        }
        let odd = self.e & 1;
        let f = (self.m >> 75) as f64 / (1u64 << 52) as f64 * if odd != 0 { 2.0 } else { 1.0 };
        let g = f.sqrt();
        let gm = (g * (1u64 << 52) as f64) as u128;
        let mut y = Xf::from_fixed(false, gm, (self.e - odd) / 2 - 52);
        for _ in 0..2 {
            y = y.add(self.div(y)).ldexp(-1);
        }
        y
    }

    /// Rounds to the double-extended format at 64 bits with `rc`.
    pub fn round(self, rc: Rounding, mask: u8) -> F80Result {
        if self.m == 0 {
            return F80Result::exact(F80::zero(self.neg), 0);
        }
        let e = (self.e + BIAS).clamp(-0x10000, 0x10000);
        round_ext(self.neg, e, self.m, 64, rc, mask)
    }

    /// Moves the magnitude one unit of 2^-127 (relative) down or up: used
    /// where a series term fell below the working precision, so the final
    /// rounding still sees an inexact value on the correct side.
    pub fn nudge(self, up: bool) -> Xf {
        if self.m == 0 {
            return self;
        }
        if up {
            if self.m == u128::MAX {
                self
            } else {
                Xf {
                    m: self.m + 1,
                    ..self
                }
            }
        } else if self.m == 1 << 127 {
            Xf {
                m: u128::MAX,
                e: self.e - 1,
                ..self
            }
        } else {
            Xf {
                m: self.m - 1,
                ..self
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_arithmetic() {
        let two = Xf::from_u64(2);
        let three = Xf::from_u64(3);
        assert_eq!(two.mul(three), Xf::from_u64(6));
        assert_eq!(three.sub(two), Xf::ONE);
        assert_eq!(two.sub(three), Xf::ONE.neg());
        assert_eq!(Xf::from_u64(6).div(three), two);
        assert_eq!(Xf::from_u64(9).sqrt().sub(three).m >> 8, 0);
        assert_eq!(Xf::ONE.div(Xf::from_u64(4)), Xf::ONE.ldexp(-2));
        for k in [1u64, 3, 7, 120, 2450, u32::MAX as u64] {
            let x = Xf::from_u64(0xDEAD_BEEF_1234_5678);
            let (a, b) = (x.div_small(k), x.div(Xf::from_u64(k)));
            assert_eq!((a.neg, a.e), (b.neg, b.e), "{k}");
            assert!(a.m.abs_diff(b.m) <= 1, "{k}");
        }
    }
}
