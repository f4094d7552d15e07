//! Comparisons for binary32/binary64: the eight CMPPS/CMPPD predicates,
//! COMISS/UCOMISS orderings and MINPS/MAXPS (SDM Vol. 2 CMPPS, COMISS,
//! UCOMISS, MINPS, MAXPS; Vol. 1 §11.5.2.1).

use super::*;

/// The result of an ordered/unordered comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ordering {
    Less,
    Equal,
    Greater,
    Unordered,
}

/// Orders two non-NaN values (after DAZ): ±0 compare equal.
fn order<F: Format>(a: u64, b: u64) -> Ordering {
    if is_zero::<F>(a) && is_zero::<F>(b) {
        return Ordering::Equal;
    }
    // Map sign-magnitude to a monotonic signed key.
    let key = |x: u64| -> i128 {
        let mag = (x & !F::SIGN) as i128;
        if sign::<F>(x) {
            -mag
        } else {
            mag
        }
    };
    match key(a).cmp(&key(b)) {
        core::cmp::Ordering::Less => Ordering::Less,
        core::cmp::Ordering::Equal => Ordering::Equal,
        core::cmp::Ordering::Greater => Ordering::Greater,
    }
}

/// Compares a with b; `signal_qnan` makes a QNaN operand raise IE (COMISS,
/// signalling predicates). DE is reported for denormal operands unless DAZ.
fn compare<F: Format>(a: u64, b: u64, signal_qnan: bool, mxcsr: u32) -> (Ordering, u32) {
    if is_nan::<F>(a) || is_nan::<F>(b) {
        let ie = if signal_qnan || is_snan::<F>(a) || is_snan::<F>(b) {
            IE
        } else {
            0
        };
        return (Ordering::Unordered, ie);
    }
    let mut flags = 0;
    let a = daz::<F>(a, mxcsr, &mut flags);
    let b = daz::<F>(b, mxcsr, &mut flags);
    (order::<F>(a, b), flags)
}

/// CMPPS/CMPSS/CMPPD/CMPSD predicate `imm & 7` (EQ_OQ, LT_OS, LE_OS,
/// UNORD_Q, NEQ_UQ, NLT_US, NLE_US, ORD_Q): (true?, flags).
pub fn cmp<F: Format>(a: u64, b: u64, pred: u8, mxcsr: u32) -> (bool, u32) {
    let pred = pred & 7;
    let signalling = matches!(pred, 1 | 2 | 5 | 6);
    let (o, f) = compare::<F>(a, b, signalling, mxcsr);
    let r = match pred {
        0 => o == Ordering::Equal,
        1 => o == Ordering::Less,
        2 => matches!(o, Ordering::Less | Ordering::Equal),
        3 => o == Ordering::Unordered,
        4 => o != Ordering::Equal,
        5 => o != Ordering::Less,
        6 => !matches!(o, Ordering::Less | Ordering::Equal),
        _ => o != Ordering::Unordered,
    };
    (r, f)
}

/// COMISS (`signal_qnan`) / UCOMISS ordering and flags.
pub fn comi<F: Format>(a: u64, b: u64, signal_qnan: bool, mxcsr: u32) -> (Ordering, u32) {
    compare::<F>(a, b, signal_qnan, mxcsr)
}

fn minmax<F: Format>(a: u64, b: u64, want: Ordering, mxcsr: u32) -> (u64, u32) {
    if is_nan::<F>(a) || is_nan::<F>(b) {
        // Any NaN operand: IE, and the second source is returned (after
        // DAZ, which reports no DE here).
        let mut ignore = 0;
        return (daz::<F>(b, mxcsr, &mut ignore), IE);
    }
    let mut flags = 0;
    let a = daz::<F>(a, mxcsr, &mut flags);
    let b = daz::<F>(b, mxcsr, &mut flags);
    if order::<F>(a, b) == want && !(is_zero::<F>(a) && is_zero::<F>(b)) {
        (a, flags)
    } else {
        (b, flags)
    }
}

/// MINPS element: a < b ? a : b (second source on NaN or both zero).
pub fn min<F: Format>(a: u64, b: u64, mxcsr: u32) -> (u64, u32) {
    minmax::<F>(a, b, Ordering::Less, mxcsr)
}

/// MAXPS element: a > b ? a : b (second source on NaN or both zero).
pub fn max<F: Format>(a: u64, b: u64, mxcsr: u32) -> (u64, u32) {
    minmax::<F>(a, b, Ordering::Greater, mxcsr)
}

#[cfg(test)]
mod tests {
    use super::super::testvals::*;
    use super::*;
    const M: u32 = 0x1F80;
    const QNAN: u64 = 0x7FC0_0000;
    const SNAN: u64 = 0x7F80_0001;

    #[test]
    fn predicates() {
        // (a, b, pred, result, flags)
        let cases: &[(u64, u64, u8, bool, u32)] = &[
            (ONE32, ONE32, 0, true, 0),
            (ONE32, TWO32, 1, true, 0),
            (TWO32, ONE32, 1, false, 0),
            (ONE32, ONE32, 2, true, 0),
            (QNAN, ONE32, 0, false, 0),
            (QNAN, ONE32, 1, false, IE),
            (QNAN, ONE32, 3, true, 0),
            (QNAN, ONE32, 4, true, 0),
            (QNAN, ONE32, 5, true, IE),
            (SNAN, ONE32, 7, false, IE),
            (0x8000_0000, 0, 0, true, 0),
            (1, 0, 0, false, DE),
        ];
        for &(a, b, p, r, f) in cases {
            assert_eq!(cmp::<F32>(a, b, p, M), (r, f), "{a:#x} {b:#x} pred {p}");
        }
        assert_eq!(cmp::<F32>(1, 0, 0, M | DAZ), (true, 0));
    }

    #[test]
    fn comi_and_minmax() {
        assert_eq!(comi::<F32>(QNAN, ONE32, true, M), (Ordering::Unordered, IE));
        assert_eq!(comi::<F32>(QNAN, ONE32, false, M), (Ordering::Unordered, 0));
        assert_eq!(
            comi::<F32>(SNAN, ONE32, false, M),
            (Ordering::Unordered, IE)
        );
        assert_eq!(comi::<F32>(ONE32, TWO32, false, M), (Ordering::Less, 0));
        assert_eq!(min::<F32>(ONE32, TWO32, M), (ONE32, 0));
        assert_eq!(max::<F32>(ONE32, TWO32, M), (TWO32, 0));
        assert_eq!(min::<F32>(0, 0x8000_0000, M), (0x8000_0000, 0));
        assert_eq!(max::<F32>(0x8000_0000, 0, M), (0, 0));
        assert_eq!(min::<F32>(QNAN, ONE32, M), (ONE32, IE));
        assert_eq!(min::<F32>(ONE32, SNAN, M), (SNAN, IE));
    }
}
