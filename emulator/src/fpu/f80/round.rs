//! Rounding and packing of exact intermediate results (SDM Vol. 1 §4.8.4
//! rounding, §4.9.1.4 overflow, §4.9.1.5 underflow, §8.1.5.2 precision
//! control). Tininess is detected after rounding with an unbounded exponent
//! (§4.9.1.5); masked underflow denormalizes and raises UE only if the
//! denormalized result is inexact, unmasked underflow raises UE whenever the
//! result is tiny. The re-bias of unmasked over/underflow (§8.5.4/§8.5.5)
//! cannot bring FSCALE's huge exponents into range: the host x87 then
//! returns ∞ (any RC) or a signed zero, which is matched here.

use super::{F80Result, Rounding, F80, INT_BIT, OE, PE, UE, WRAP_BIAS};

/// A destination format: exponent bias and the largest normal exponent field.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Format {
    pub bias: i32,
    pub emax: i32,
    /// Re-bias for unmasked overflow/underflow results.
    pub wrap: i32,
}

pub(crate) const EXT: Format = Format {
    bias: 16383,
    emax: 0x7FFE,
    wrap: WRAP_BIAS,
};
pub(crate) const DOUBLE: Format = Format {
    bias: 1023,
    emax: 0x7FE,
    wrap: 1536,
};
pub(crate) const SINGLE: Format = Format {
    bias: 127,
    emax: 0xFE,
    wrap: 192,
};

/// A rounded result in a generic format: exponent field (may be out of the
/// format's range only for unmasked over/underflow of the extended format),
/// 64-bit significand with the integer bit at bit 63.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Packed {
    pub sign: bool,
    pub exp: i32,
    pub sig: u64,
    pub flags: u8,
    pub c1: bool,
}

/// Shifts right, OR-ing every bit shifted out into bit 0.
pub(crate) fn shr_jam(x: u128, n: u32) -> u128 {
    if n == 0 {
        x
    } else if n >= 128 {
        (x != 0) as u128
    } else {
        x >> n | ((x & ((1u128 << n) - 1)) != 0) as u128
    }
}

/// Drops the low `drop` bits (1 ≤ drop ≤ 127) per RC. Returns (kept value,
/// inexact, incremented).
pub(crate) fn round_bits(x: u128, drop: u32, sign: bool, rc: Rounding) -> (u128, bool, bool) {
    let mask = (1u128 << drop) - 1;
    let half = 1u128 << (drop - 1);
    let rem = x & mask;
    let q = x >> drop;
    let inexact = rem != 0;
    let inc = match rc {
        Rounding::Nearest => rem > half || (rem == half && q & 1 == 1),
        Rounding::Zero => false,
        Rounding::Up => !sign && inexact,
        Rounding::Down => sign && inexact,
    };
    (q + inc as u128, inexact, inc)
}

/// Rounds value = sig / 2^127 · 2^(exp − bias) (sig normalized with bit 127
/// set, or zero) to `p` significant bits in format `f`.
pub(crate) fn round_pack(
    sign: bool,
    exp: i32,
    sig: u128,
    p: u32,
    rc: Rounding,
    mask: u8,
    f: Format,
) -> Packed {
    if sig == 0 {
        return Packed {
            sign,
            exp: 0,
            sig: 0,
            flags: 0,
            c1: false,
        };
    }
    debug_assert!(sig >> 127 == 1);
    let drop = 128 - p;
    let (mut q, inexact, inc) = round_bits(sig, drop, sign, rc);
    let mut e = exp;
    if q >> p != 0 {
        q >>= 1;
        e += 1;
    }
    let pe = if inexact { PE } else { 0 };
    if e > f.emax {
        if mask & OE == 0 && e - f.wrap <= f.emax {
            return Packed {
                sign,
                exp: e - f.wrap,
                sig: (q as u64) << (64 - p),
                flags: OE | pe,
                c1: inc,
            };
        }
        // Masked response, or (FSCALE) an exponent still out of range after
        // the re-bias: the host then delivers ∞ regardless of RC.
        let to_inf = mask & OE == 0
            || match rc {
                Rounding::Nearest => true,
                Rounding::Zero => false,
                Rounding::Up => !sign,
                Rounding::Down => sign,
            };
        return if to_inf {
            Packed {
                sign,
                exp: f.emax + 1,
                sig: INT_BIT,
                flags: OE | PE,
                c1: true,
            }
        } else {
            let max = u64::MAX << (64 - p);
            Packed {
                sign,
                exp: f.emax,
                sig: max,
                flags: OE | PE,
                c1: false,
            }
        };
    }
    if e >= 1 {
        return Packed {
            sign,
            exp: e,
            sig: (q as u64) << (64 - p),
            flags: pe,
            c1: inc,
        };
    }
    // Tiny after rounding.
    if mask & UE == 0 && e + f.wrap < 1 {
        // Still tiny after the re-bias (FSCALE): signed zero, UE | PE.
        return Packed {
            sign,
            exp: 0,
            sig: 0,
            flags: UE | PE,
            c1: false,
        };
    }
    if mask & UE == 0 {
        return Packed {
            sign,
            exp: e + f.wrap,
            sig: (q as u64) << (64 - p),
            flags: UE | pe,
            c1: inc,
        };
    }
    let d = shr_jam(sig, (1 - exp) as u32);
    let (q, inexact, inc) = round_bits(d, drop, sign, rc);
    let sig64 = (q as u64) << (64 - p);
    let exp = if sig64 & INT_BIT != 0 { 1 } else { 0 };
    let flags = if inexact { UE | PE } else { 0 };
    Packed {
        sign,
        exp,
        sig: sig64,
        flags,
        c1: inc,
    }
}

impl Packed {
    pub(crate) fn to_f80(self) -> F80Result {
        F80Result {
            value: F80 {
                sign: self.sign,
                exp: (self.exp & 0x7FFF) as u16,
                sig: self.sig,
            },
            flags: self.flags,
            c1: self.c1,
        }
    }
}

/// Rounds to the extended format with precision `p`.
pub(crate) fn round_ext(
    sign: bool,
    exp: i32,
    sig: u128,
    p: u32,
    rc: Rounding,
    mask: u8,
) -> F80Result {
    round_pack(sign, exp, sig, p, rc, mask, EXT).to_f80()
}

/// Normalizes a nonzero u128 so bit 127 is set; returns (shift, value).
pub(crate) fn normalize(x: u128) -> (i32, u128) {
    let lz = x.leading_zeros();
    (lz as i32, x << lz)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fpu::f80::ALL_EXCEPTIONS;

    const ONE: u128 = 1 << 127;

    #[test]
    fn rounding_modes_on_ties() {
        // 1 + 2^-64 exactly half an ulp above 1.0 at 64 bits.
        let x = ONE | 1 << 63;
        let cases = [
            (Rounding::Nearest, false, INT_BIT, false),
            (Rounding::Up, false, INT_BIT | 1, true),
            (Rounding::Down, false, INT_BIT, false),
            (Rounding::Zero, false, INT_BIT, false),
            (Rounding::Down, true, INT_BIT | 1, true),
        ];
        for (rc, sign, sig, c1) in cases {
            let r = round_pack(sign, 0x3FFF, x, 64, rc, ALL_EXCEPTIONS, EXT);
            assert_eq!((r.sig, r.c1, r.flags), (sig, c1, PE), "{rc:?} {sign}");
        }
    }

    #[test]
    fn overflow_masked_and_unmasked() {
        let r = round_pack(
            false,
            0x7FFF,
            ONE,
            64,
            Rounding::Nearest,
            ALL_EXCEPTIONS,
            EXT,
        );
        assert_eq!(
            (r.exp, r.sig, r.flags, r.c1),
            (0x7FFF, INT_BIT, OE | PE, true)
        );
        let r = round_pack(false, 0x7FFF, ONE, 24, Rounding::Zero, ALL_EXCEPTIONS, EXT);
        assert_eq!((r.exp, r.sig, r.c1), (0x7FFE, 0xFFFF_FF00_0000_0000, false));
        let r = round_pack(
            false,
            0x7FFF,
            ONE,
            64,
            Rounding::Nearest,
            ALL_EXCEPTIONS & !OE,
            EXT,
        );
        assert_eq!((r.exp, r.sig, r.flags), (0x7FFF - WRAP_BIAS, INT_BIT, OE));
    }

    #[test]
    fn underflow_masked_and_unmasked() {
        // 2^-16383 exactly: tiny and exact → denormal without UE when masked.
        let r = round_pack(false, 0, ONE, 64, Rounding::Nearest, ALL_EXCEPTIONS, EXT);
        assert_eq!((r.exp, r.sig, r.flags), (0, 1 << 62, 0));
        let r = round_pack(
            false,
            0,
            ONE,
            64,
            Rounding::Nearest,
            ALL_EXCEPTIONS & !UE,
            EXT,
        );
        assert_eq!((r.exp, r.sig, r.flags), (WRAP_BIAS, INT_BIT, UE));
        // Inexact tiny → UE | PE.
        let r = round_pack(
            false,
            -100,
            ONE | 1,
            64,
            Rounding::Nearest,
            ALL_EXCEPTIONS,
            EXT,
        );
        assert_eq!((r.exp, r.sig, r.flags), (0, 0, UE | PE));
        let r = round_pack(false, -100, ONE | 1, 64, Rounding::Up, ALL_EXCEPTIONS, EXT);
        assert_eq!((r.exp, r.sig, r.flags, r.c1), (0, 1, UE | PE, true));
    }

    #[test]
    fn shr_jam_keeps_sticky() {
        assert_eq!(shr_jam(0b1011, 2), 0b11);
        assert_eq!(shr_jam(0b1000, 2), 0b10);
        assert_eq!(shr_jam(5, 200), 1);
    }
}
