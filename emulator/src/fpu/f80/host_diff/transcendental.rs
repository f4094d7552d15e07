//! Host differential tests of the transcendentals (F2XM1, FYL2X, FYL2XP1,
//! FPTAN, FPATAN, FSIN, FCOS, FSINCOS): random operands biased towards
//! each instruction's range and special values, every RC and PC, OE/UE/PE
//! and now and then IE/DE/ZE unmasked. Results must be within 1 ulp of the
//! host's (bit-exact for special operands, i.e. whenever the host result
//! is exact); flags must match (C1 too when the values are equal), C2
//! (out of range) always. The maximum ulp distance is printed.

use super::*;

/// ST(0) = a, ST(1) = b; runs the instruction; returns (ST(0), ST(1), SW).
macro_rules! host_op {
    ($name:ident, $insn:literal) => {
        fn $name(a: F80, b: F80, cw: u16) -> (F80, F80, u16) {
            let (ab, bb) = (a.to_bytes(), b.to_bytes());
            let mut out0 = [0u8; 10];
            let mut out1 = [0u8; 10];
            let mut save = 0u16;
            let sw: u16;
            // SAFETY: the pointers address live locals of the right sizes;
            // FNINIT at the end empties the x87 stack (the instruction may
            // push) and the caller's control word is restored; x87
            // registers are declared clobbered and exceptions are cleared by
            // FNCLEX before the next waiting instruction.
            unsafe {
                asm!(
                    "fnstcw word ptr [{save}]",
                    "fninit",
                    "fldcw word ptr [{cw}]",
                    "fld tbyte ptr [{b}]",
                    "fld tbyte ptr [{a}]",
                    $insn,
                    "fnstsw ax",
                    "fnclex",
                    "fstp tbyte ptr [{o0}]",
                    "fstp tbyte ptr [{o1}]",
                    "fninit",
                    "fldcw word ptr [{save}]",
                    save = in(reg) &mut save,
                    cw = in(reg) &cw,
                    a = in(reg) &ab,
                    b = in(reg) &bb,
                    o0 = in(reg) &mut out0,
                    o1 = in(reg) &mut out1,
                    out("ax") sw,
                    out("st(0)") _, out("st(1)") _, out("st(2)") _, out("st(3)") _,
                    out("st(4)") _, out("st(5)") _, out("st(6)") _, out("st(7)") _,
                    options(nostack),
                );
            }
            (F80::from_bytes(out0), F80::from_bytes(out1), sw)
        }
    };
}

host_op!(host_fsin, "fsin");
host_op!(host_fcos, "fcos");
host_op!(host_fptan, "fptan");
host_op!(host_fsincos, "fsincos");
host_op!(host_f2xm1, "f2xm1");
host_op!(host_fyl2x, "fyl2x");
host_op!(host_fyl2xp1, "fyl2xp1");
host_op!(host_fpatan, "fpatan");

/// Position of a value on the number line in ulps (same-format neighbours
/// differ by 1), for finite values; None for NaNs/infinities.
fn ulp_key(v: F80) -> Option<i128> {
    if v.exp == 0x7FFF {
        return None;
    }
    let k = if v.exp == 0 {
        v.sig as i128
    } else {
        (i128::from(v.exp) << 63) + (v.sig & !INT_BIT) as i128
    };
    Some(if v.sign { -k } else { k })
}

/// Compares one result: exact (value, flags, C1), or within 1 ulp with the
/// same flags (C1 may then differ). Returns the ulp distance.
struct Ulps {
    check: Check,
    max: i128,
    off: u64,
}

impl Ulps {
    fn new(name: &'static str) -> Ulps {
        Ulps {
            check: Check::new(name),
            max: 0,
            off: 0,
        }
    }

    fn cmp(&mut self, ctx: impl Fn() -> String, host: (F80, u16), soft: (F80, u16)) {
        // C1 of an inexact result reflects the host's own internal
        // approximation (it differs even when the rounded values agree):
        // compared only for exact results.
        let (host, soft) = if host.1 & u16::from(PE) != 0 && soft.1 & u16::from(PE) != 0 {
            ((host.0, host.1 & !SW_C1), (soft.0, soft.1 & !SW_C1))
        } else {
            (host, soft)
        };
        if host.0 != soft.0 {
            if let (Some(h), Some(s)) = (ulp_key(host.0), ulp_key(soft.0)) {
                let d = (h - s).abs();
                self.max = self.max.max(d);
                if d <= 1 && host.1 & 0x3F == soft.1 & 0x3F {
                    self.off += 1;
                    self.check.total += 1;
                    return;
                }
            }
        }
        self.check.eq(ctx, host, soft);
    }

    fn finish(self) {
        eprintln!(
            "{}: max {} ulp, {} results 1 ulp off",
            self.check.name, self.max, self.off
        );
        self.check.finish();
    }
}

/// An operand with its exponent in [lo, hi] (unbiased), or a special one.
fn ranged(r: &mut Rng, lo: i32, hi: i32) -> F80 {
    if r.below(5) == 0 {
        return r.f80();
    }
    let e = lo + r.below((hi - lo + 1) as u64) as i32;
    F80 {
        sign: r.bit(),
        exp: (e + BIAS) as u16,
        sig: r.sig() | INT_BIT,
    }
}

fn ctx1(name: &str, a: F80, b: F80, env: X87Env) -> String {
    format!("{name}: a={a:x?} b={b:x?} cw={:#06x}", env.control_word())
}

fn with_c1(r: F80Result) -> (F80, u16) {
    soft_sw(r)
}

/// FSIN, FCOS, FPTAN, FSINCOS over |x| < 2^64 and specials.
#[test]
fn diff_trig() {
    let mut r = rng(101);
    let mut u = [
        Ulps::new("fsin"),
        Ulps::new("fcos"),
        Ulps::new("fptan"),
        Ulps::new("fsincos"),
    ];
    for _ in 0..cases() {
        let mut a = ranged(&mut r, -70, 64);
        if r.below(6) == 0 {
            // Near a multiple of π/2: the reduction cancels most bits.
            let half_pi = F80::new(false, 0x3FFF, 0xC90F_DAA2_2168_C235);
            let k = (r.next() >> (1 + r.below(62))) as i64;
            a = mul(from_i64(k.max(1)), half_pi, X87Env::default()).value;
            a.sig = a.sig.wrapping_add(r.below(9)).wrapping_sub(4) | INT_BIT;
            a.sign = r.bit();
        }
        let b = F80::ONE;
        let env = r.env_with_faults();
        let cw = env.control_word();
        let mask = 0x3F | SW_C1;
        // FSIN / FCOS
        for (i, host, soft) in [
            (
                0,
                host_fsin as fn(F80, F80, u16) -> (F80, F80, u16),
                fsin as fn(F80, X87Env) -> Option<F80Result>,
            ),
            (1, host_fcos, fcos),
        ] {
            let h = host(a, b, cw);
            let s = soft(a, env);
            let name = u[i].check.name;
            match s {
                None => u[i].check.eq(
                    || ctx1(name, a, b, env),
                    (h.0, h.2 & (SW_C2 | 0x3F)),
                    (a, SW_C2),
                ),
                Some(s) => {
                    let s = faulted(a, s, env);
                    u[i].check.eq(|| ctx1(name, a, b, env), h.2 & SW_C2, 0);
                    u[i].cmp(|| ctx1(name, a, b, env), (h.0, h.2 & mask), with_c1(s));
                }
            }
        }
        // FPTAN: ST(0) = 1.0 pushed, ST(1) = tan.
        let h = host_fptan(a, b, cw);
        match fptan(a, env) {
            None => u[2].check.eq(
                || ctx1("fptan", a, b, env),
                (h.0, h.2 & (SW_C2 | 0x3F)),
                (a, SW_C2),
            ),
            Some(s) => {
                if s.faults(env.mask) {
                    u[2].check.eq(
                        || ctx1("fptan", a, b, env),
                        (h.0, h.2 & mask),
                        (a, (s.flags & (IE | DE | ZE)) as u16),
                    );
                } else {
                    // A NaN result (NaN operand, masked IE) is pushed instead of 1.0.
                    let one = if s.value.is_nan() { s.value } else { F80::ONE };
                    u[2].check.eq(
                        || ctx1("fptan one", a, b, env),
                        (h.0, h.2 & SW_C2),
                        (one, 0),
                    );
                    u[2].cmp(|| ctx1("fptan", a, b, env), (h.1, h.2 & mask), with_c1(s));
                }
            }
        }
        // FSINCOS: ST(0) = cos, ST(1) = sin.
        let h = host_fsincos(a, b, cw);
        match fsincos(a, env) {
            None => u[3].check.eq(
                || ctx1("fsincos", a, b, env),
                (h.0, h.2 & (SW_C2 | 0x3F)),
                (a, SW_C2),
            ),
            Some((s, c)) => {
                if s.faults(env.mask) {
                    u[3].check.eq(
                        || ctx1("fsincos", a, b, env),
                        (h.0, h.2 & mask),
                        (a, (s.flags & (IE | DE | ZE)) as u16),
                    );
                } else {
                    let flags = u16::from(s.flags | c.flags);
                    u[3].cmp(
                        || ctx1("fsincos sin", a, b, env),
                        (h.1, h.2 & 0x3F),
                        (s.value, flags),
                    );
                    u[3].cmp(
                        || ctx1("fsincos cos", a, b, env),
                        (h.0, h.2 & mask),
                        (c.value, flags | if c.c1 { SW_C1 } else { 0 }),
                    );
                }
            }
        }
    }
    for x in u {
        x.finish();
    }
}

fn binary(
    name: &'static str,
    salt: u64,
    gen: fn(&mut Rng) -> (F80, F80),
    host: fn(F80, F80, u16) -> (F80, F80, u16),
    soft: fn(F80, F80, X87Env) -> F80Result,
    pops: bool,
) {
    let mut r = rng(salt);
    let mut u = Ulps::new(name);
    for _ in 0..cases() {
        let (a, b) = gen(&mut r);
        let env = r.env_with_faults();
        let h = host(a, b, env.control_word());
        let s = soft(a, b, env);
        let mask = 0x3F | SW_C1;
        if pops {
            // Result in ST(1), popped: ST(0) after; unchanged stack on a fault.
            if s.faults(env.mask) {
                u.check.eq(
                    || ctx1(name, a, b, env),
                    (h.0, h.1, h.2 & mask),
                    (a, b, (s.flags & (IE | DE | ZE)) as u16),
                );
            } else {
                u.cmp(|| ctx1(name, a, b, env), (h.0, h.2 & mask), with_c1(s));
            }
        } else {
            let s = faulted(a, s, env);
            u.cmp(|| ctx1(name, a, b, env), (h.0, h.2 & mask), with_c1(s));
        }
    }
    u.finish();
}

#[test]
fn diff_f2xm1() {
    binary(
        "f2xm1",
        102,
        |r| (ranged(r, -80, 0), F80::ONE),
        host_f2xm1,
        |a, _, env| f2xm1(a, env),
        false,
    );
}

#[test]
fn diff_fyl2x() {
    binary(
        "fyl2x",
        103,
        |r| {
            let mut x = r.f80();
            if r.below(3) != 0 {
                x.sign = false;
            }
            if r.below(4) == 0 {
                // Just above 1 (or 1/2), or just below 1: log2 cancels.
                let d = r.next() >> (20 + r.below(44));
                x = if r.bit() {
                    F80 {
                        sign: false,
                        exp: 0x3FFF - (r.below(2) as u16),
                        sig: INT_BIT | d,
                    }
                } else {
                    F80 {
                        sign: false,
                        exp: 0x3FFE,
                        sig: u64::MAX - d,
                    }
                };
            }
            (x, ranged(r, -40, 40))
        },
        host_fyl2x,
        fyl2x,
        true,
    );
}

#[test]
fn diff_fyl2xp1() {
    binary(
        "fyl2xp1",
        104,
        |r| {
            let mut x = ranged(r, -90, -2);
            if x.exp == 0x3FFD {
                x.sig = x.sig.min(0x95F6_1998_0C43_36F7);
            }
            (x, ranged(r, -40, 40))
        },
        host_fyl2xp1,
        fyl2xp1,
        true,
    );
}

#[test]
fn diff_fpatan() {
    binary(
        "fpatan",
        105,
        |r| {
            let a = ranged(r, -70, 70);
            (a, r.f80_near(a))
        },
        host_fpatan,
        fpatan,
        true,
    );
}
