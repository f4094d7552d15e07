//! ADD/SUB/MUL/DIV/SQRT for binary32/binary64 with SSE semantics (SDM Vol. 1
//! §4.8.3.5, §4.9.1, §11.5.2; Vol. 2 ADDSS/SUBSS/MULSS/DIVSS/SQRTSS).

use super::*;

/// Exact-zero result of an addition: +0 unless rounding down (SDM §4.8.3.4).
#[inline]
fn zero_sum<F: Format>(mxcsr: u32) -> u64 {
    zero::<F>(Round::of(mxcsr) == Round::Down)
}

/// a + b.
pub fn add<F: Format>(a: u64, b: u64, mxcsr: u32) -> (u64, u32) {
    addsub::<F>(a, b, false, mxcsr)
}

/// a − b.
pub fn sub<F: Format>(a: u64, b: u64, mxcsr: u32) -> (u64, u32) {
    addsub::<F>(a, b, true, mxcsr)
}

fn addsub<F: Format>(a: u64, b: u64, negate_b: bool, mxcsr: u32) -> (u64, u32) {
    if is_nan::<F>(a) || is_nan::<F>(b) {
        return propagate_nan::<F>(a, b);
    }
    let mut flags = 0;
    let a = daz::<F>(a, mxcsr, &mut flags);
    let b = daz::<F>(b, mxcsr, &mut flags) ^ if negate_b { F::SIGN } else { 0 };
    let (sa, sb) = (sign::<F>(a), sign::<F>(b));
    if is_inf::<F>(a) || is_inf::<F>(b) {
        if is_inf::<F>(a) && is_inf::<F>(b) && sa != sb {
            return (F::INDEFINITE, flags | IE);
        }
        return (if is_inf::<F>(a) { a } else { b }, flags);
    }
    if is_zero::<F>(a) && is_zero::<F>(b) {
        let r = if sa == sb { a } else { zero_sum::<F>(mxcsr) };
        return (r, flags);
    }
    let (_, ma, ea) = unpack::<F>(a);
    let (_, mb, eb) = unpack::<F>(b);
    // Normalise both to bit 125 (room for a carry) and align with a sticky
    // (jamming) shift of the smaller one.
    let norm = |m: u64, e: i32| -> (u128, i32) {
        if m == 0 {
            return (0, i32::MIN);
        }
        let s = (m as u128).leading_zeros() as i32 - 2;
        ((m as u128) << s, e - s)
    };
    let (mut xa, mut xea) = norm(ma, ea);
    let (mut xb, mut xeb) = norm(mb, eb);
    let (mut s1, mut s2) = (sa, sb);
    if xb != 0 && (xa == 0 || xeb > xea || (xeb == xea && xb > xa)) {
        core::mem::swap(&mut xa, &mut xb);
        core::mem::swap(&mut xea, &mut xeb);
        core::mem::swap(&mut s1, &mut s2);
    }
    // Now |xa| ≥ |xb|, xa ≠ 0.
    if xb != 0 {
        let d = (xea - xeb) as u32;
        xb = if d >= 127 {
            1
        } else if d == 0 {
            xb
        } else {
            (xb >> d) | ((xb & ((1u128 << d) - 1) != 0) as u128)
        };
    }
    let sum = if s1 == s2 { xa + xb } else { xa - xb };
    if sum == 0 {
        return (zero_sum::<F>(mxcsr), flags);
    }
    let (r, f) = round_pack::<F>(s1, sum, false, xea, mxcsr);
    (r, flags | f)
}

/// a × b.
pub fn mul<F: Format>(a: u64, b: u64, mxcsr: u32) -> (u64, u32) {
    if is_nan::<F>(a) || is_nan::<F>(b) {
        return propagate_nan::<F>(a, b);
    }
    let mut flags = 0;
    let a = daz::<F>(a, mxcsr, &mut flags);
    let b = daz::<F>(b, mxcsr, &mut flags);
    let s = sign::<F>(a) != sign::<F>(b);
    if is_inf::<F>(a) || is_inf::<F>(b) {
        if is_zero::<F>(a) || is_zero::<F>(b) {
            return (F::INDEFINITE, flags | IE);
        }
        return (inf::<F>(s), flags);
    }
    if is_zero::<F>(a) || is_zero::<F>(b) {
        return (zero::<F>(s), flags);
    }
    let (_, ma, ea) = unpack::<F>(a);
    let (_, mb, eb) = unpack::<F>(b);
    let (r, f) = round_pack::<F>(s, ma as u128 * mb as u128, false, ea + eb, mxcsr);
    (r, flags | f)
}

/// a ÷ b.
pub fn div<F: Format>(a: u64, b: u64, mxcsr: u32) -> (u64, u32) {
    if is_nan::<F>(a) || is_nan::<F>(b) {
        return propagate_nan::<F>(a, b);
    }
    let mut flags = 0;
    let a = daz::<F>(a, mxcsr, &mut flags);
    let b = daz::<F>(b, mxcsr, &mut flags);
    let s = sign::<F>(a) != sign::<F>(b);
    if is_zero::<F>(b) && !is_zero::<F>(a) && !is_inf::<F>(a) {
        // Division by zero outranks a denormal dividend: ZE alone (host-checked).
        return (inf::<F>(s), ZE);
    }
    match (is_inf::<F>(a), is_inf::<F>(b)) {
        (true, true) => return (F::INDEFINITE, flags | IE),
        (true, false) => return (inf::<F>(s), flags),
        (false, true) => return (zero::<F>(s), flags),
        _ => {}
    }
    match (is_zero::<F>(a), is_zero::<F>(b)) {
        (true, true) => return (F::INDEFINITE, flags | IE),
        (false, true) => return (inf::<F>(s), flags | ZE),
        (true, false) => return (zero::<F>(s), flags),
        _ => {}
    }
    let (_, ma, ea) = unpack::<F>(a);
    let (_, mb, eb) = unpack::<F>(b);
    let sh = (ma as u128).leading_zeros();
    let n = (ma as u128) << sh;
    let q = n / mb as u128;
    let sticky = !n.is_multiple_of(mb as u128);
    let (r, f) = round_pack::<F>(s, q, sticky, ea - sh as i32 - eb, mxcsr);
    (r, flags | f)
}

/// Integer square root of a u128: (floor(√n), whether it was inexact).
fn isqrt(n: u128) -> (u128, bool) {
    let mut rem = n;
    let mut root: u128 = 0;
    let mut bit: u128 = 1 << 126;
    while bit > n {
        bit >>= 2;
    }
    while bit != 0 {
        if rem >= root + bit {
            rem -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    (root, rem != 0)
}

/// √a.
pub fn sqrt<F: Format>(a: u64, mxcsr: u32) -> (u64, u32) {
    if is_nan::<F>(a) {
        return propagate_nan::<F>(a, a);
    }
    if sign::<F>(a) && !is_zero::<F>(a) && !(is_denormal::<F>(a) && mxcsr & DAZ != 0) {
        // Negative operand: IE alone, even for a denormal (host-checked).
        return (F::INDEFINITE, IE);
    }
    let mut flags = 0;
    let a = daz::<F>(a, mxcsr, &mut flags);
    if is_zero::<F>(a) {
        return (a, flags);
    }
    if is_inf::<F>(a) {
        return (a, flags);
    }
    let (_, m, e) = unpack::<F>(a);
    // Shift left by an amount of the parity of e so the exponent halves.
    let mut sh = (m as u128).leading_zeros() as i32 - 2;
    if (e - sh) & 1 != 0 {
        sh -= 1;
    }
    let (r, inexact) = isqrt((m as u128) << sh);
    let (res, f) = round_pack::<F>(false, r, inexact, (e - sh) / 2, mxcsr);
    (res, flags | f)
}

#[cfg(test)]
mod tests {
    use super::super::testvals::*;
    use super::*;

    const M: u32 = 0x1F80; // all masked, RN

    #[test]
    fn table_f32() {
        // (op, a, b, mxcsr, result, flags)
        type Op = fn(u64, u64, u32) -> (u64, u32);
        let cases: &[(Op, u64, u64, u32, u64, u32)] = &[
            (add::<F32>, ONE32, ONE32, M, TWO32, 0),
            (sub::<F32>, ONE32, ONE32, M, 0, 0),
            (sub::<F32>, ONE32, ONE32, M | 1 << RC_SHIFT, 0x8000_0000, 0),
            (mul::<F32>, TWO32, TWO32, M, 0x4080_0000, 0),
            (div::<F32>, ONE32, 0x4040_0000, M, 0x3EAA_AAAB, PE),
            (
                div::<F32>,
                ONE32,
                0x4040_0000,
                M | 3 << RC_SHIFT,
                0x3EAA_AAAA,
                PE,
            ),
            (div::<F32>, ONE32, 0, M, 0x7F80_0000, ZE),
            (div::<F32>, 0, 0, M, 0xFFC0_0000, IE),
            (mul::<F32>, 0x7F80_0000, 0, M, 0xFFC0_0000, IE),
            (add::<F32>, 0x7F80_0000, 0xFF80_0000, M, 0xFFC0_0000, IE),
            // First source NaN wins; SNaN quieted and IE.
            (add::<F32>, 0x7FC0_0001, 0x7FC0_0002, M, 0x7FC0_0001, 0),
            (add::<F32>, 0x7F80_0001, 0x7FC0_0002, M, 0x7FC0_0001, IE),
            (add::<F32>, ONE32, 0xFF80_0001, M, 0xFFC0_0001, IE),
            // Overflow masked: RN → ∞, RZ → max.
            (mul::<F32>, 0x7F00_0000, TWO32, M, 0x7F80_0000, OE | PE),
            (
                mul::<F32>,
                0x7F00_0000,
                TWO32,
                M | 3 << RC_SHIFT,
                0x7F7F_FFFF,
                OE | PE,
            ),
            // Exact denormal result: no UE when masked; DE for the input.
            (add::<F32>, 1, 1, M, 2, DE),
            (add::<F32>, 1, 1, M | DAZ, 0, 0),
            // Tiny and inexact: UE|PE; FTZ → 0.
            (
                mul::<F32>,
                0x0080_0001,
                0x3F00_0000,
                M,
                0x0040_0000,
                UE | PE,
            ),
            (mul::<F32>, 0x0080_0001, 0x3F00_0000, M | FTZ, 0, UE | PE),
        ];
        for (i, &(op, a, b, mx, r, f)) in cases.iter().enumerate() {
            assert_eq!(op(a, b, mx), (r, f), "case {i}: {a:#x} {b:#x} mx={mx:#x}");
        }
    }

    #[test]
    fn table_f64_and_sqrt() {
        assert_eq!(add::<F64>(ONE64, ONE64, M), (0x4000_0000_0000_0000, 0));
        assert_eq!(
            sqrt::<F64>(0x4010_0000_0000_0000, M),
            (0x4000_0000_0000_0000, 0)
        );
        assert_eq!(
            sqrt::<F64>(0x4000_0000_0000_0000, M),
            (0x3FF6_A09E_667F_3BCD, PE)
        );
        assert_eq!(sqrt::<F32>(0x8000_0000, M), (0x8000_0000, 0));
        assert_eq!(sqrt::<F32>(0xBF80_0000, M), (0xFFC0_0000, IE));
        assert_eq!(
            sqrt::<F64>(0x8000_0000_0000_0000 | 5, M),
            (0xFFF8_0000_0000_0000, IE)
        );
        assert_eq!(sqrt::<F32>(1, M), (0x1A35_04F3, DE | PE));
    }
}

#[cfg(test)]
mod unmasked_tests {
    use super::*;

    #[test]
    fn unmasked_underflow_and_overflow_flags() {
        // Masks all set except the one under test.
        let um = 0x1F80 & !UM;
        let om = 0x1F80 & !OM;
        // Exact tiny result: masked → no UE; unmasked → UE alone.
        assert_eq!(add::<F32>(1, 1, 0x1F80), (2, DE));
        assert_eq!(add::<F32>(1, 1, um).1, DE | UE);
        // Tiny, inexact even with an unbounded exponent: UE|PE; exact with
        // an unbounded exponent (though inexact as a denormal): UE alone.
        assert_eq!(mul::<F32>(0x0080_0003, 0x3F40_0000, um).1, UE | PE);
        assert_eq!(mul::<F32>(0x0080_0001, 0x3F00_0000, um).1, UE);
        assert_eq!(mul::<F32>(0x0080_0001, 0x3F00_0000, 0x1F80).1, UE | PE);
        // FTZ does not apply when UE is unmasked.
        assert_eq!(mul::<F32>(0x0080_0003, 0x3F40_0000, um | FTZ).1, UE | PE);
        // Exact overflow (2^127 × 2): unmasked → OE alone; masked → OE|PE.
        assert_eq!(mul::<F32>(0x7F00_0000, 0x4000_0000, om).1, OE);
        assert_eq!(mul::<F32>(0x7F00_0000, 0x4000_0000, 0x1F80).1, OE | PE);
        // Inexact overflow, unmasked: OE|PE.
        assert_eq!(mul::<F32>(0x7F00_0001, 0x4000_0001, om).1, OE | PE);
    }
}
