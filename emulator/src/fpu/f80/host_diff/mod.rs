//! Host differential tests: every operation of the f80 core runs on the host
//! x87 (inline asm: FLDCW with the RC/PC/masks under test, FLD m80, the
//! operation, FNSTSW, FNCLEX, FSTP m80) and in software, on seeded
//! pseudo-random operands biased towards special values, in every RC × PC
//! combination, with OE/UE/PE (and for most families IE/DE/ZE) randomly
//! unmasked. Values are compared bit for bit, together with the exception
//! flags (SW bits 0–5) and C1 (plus C0/C2/C3 where the instruction defines
//! them). Memory-operand forms (FADD/FSUB(R)/FMUL/FDIV(R)/FCOM m32/m64)
//! check the NaN rules and DE of the unconverted m32/m64 operand.
//!
//! `OX86_DIFF_CASES` sets the number of cases per operation family
//! (default 300 000, a few seconds for all families in the debug profile;
//! `OX86_DIFF_CASES=1000000` gives the ≥ 1 M per family the issue asks
//! for); `OX86_DIFF_SEED` sets the seed.

use super::*;
use core::arch::asm;

mod memory;
mod transcendental;

/// SW condition-code bits.
const SW_C0: u16 = 1 << 8;
const SW_C1: u16 = 1 << 9;
const SW_C2: u16 = 1 << 10;
const SW_C3: u16 = 1 << 14;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn bit(&mut self) -> bool {
        self.next() & 1 != 0
    }

    /// A significand with an interesting bit pattern (integer bit free).
    fn sig(&mut self) -> u64 {
        match self.below(8) {
            0 => u64::MAX,
            1 => INT_BIT,
            2 => INT_BIT | 1,
            3 => INT_BIT | (self.next() & 0xFF) << (self.below(56) as u32),
            4 => u64::MAX << self.below(64),
            5 => INT_BIT | 1 << self.below(63),
            _ => self.next(),
        }
    }

    /// An operand biased towards special values and boundary exponents.
    fn f80(&mut self) -> F80 {
        let sign = self.bit();
        let j = INT_BIT;
        let (exp, sig) = match self.below(24) {
            0 => (0, 0),
            1 => (0, (self.sig() & !j) >> self.below(64) | 1),
            2 => (0, self.sig() | j),
            3 => (
                1 + self.below(0x7FFE) as u16,
                self.sig() & !j >> self.below(3),
            ),
            4 => (0x7FFF, j),
            5 => (0x7FFF, self.sig() & !j & (self.below(2).wrapping_sub(1))),
            6 => (0x7FFF, self.sig() | j | QUIET_BIT),
            7 => (0x7FFF, (self.sig() | j | 1 << self.below(62)) & !QUIET_BIT),
            8 => return F80::INDEFINITE,
            9 => {
                let e = [1, 2, 0x7FFE, 0x7FFD, 0x3FFF, 0x3FFE, 0x4000, 0x403E, 0x403F];
                (e[self.below(e.len() as u64) as usize], self.sig() | j)
            }
            10..=12 => (0x3FFF + self.below(70) as u16, self.sig() | j),
            13 => (1 + self.below(80) as u16, self.sig() | j),
            14 => (0x7FFE - self.below(80) as u16, self.sig() | j),
            15 => (0x3FFF - 1100 + self.below(100) as u16 * 10, self.sig() | j),
            16 => (0x3FFF - 200 + self.below(400) as u16, self.sig() | j),
            17 => (1 + self.below(0x7FFE) as u16, self.sig() | j),
            _ => (0x3FFF - 64 + self.below(128) as u16, self.sig() | j),
        };
        F80 { sign, exp, sig }
    }

    /// A second operand, often correlated with the first.
    fn f80_near(&mut self, a: F80) -> F80 {
        match self.below(4) {
            0 if a.exp != 0 && a.exp != 0x7FFF => {
                let d = self.below(70) as u16;
                let exp = if self.bit() {
                    a.exp.saturating_sub(d).max(1)
                } else {
                    (a.exp + d).min(0x7FFE)
                };
                let sig = if self.bit() {
                    a.sig ^ (self.next() >> self.below(64))
                } else {
                    self.sig()
                };
                F80 {
                    sign: self.bit(),
                    exp,
                    sig: sig | INT_BIT,
                }
            }
            _ => self.f80(),
        }
    }

    fn env(&mut self) -> X87Env {
        let rc = [
            Rounding::Nearest,
            Rounding::Down,
            Rounding::Up,
            Rounding::Zero,
        ][self.below(4) as usize];
        let pc = [Precision::P24, Precision::P53, Precision::P64][self.below(3) as usize];
        let mut mask = ALL_EXCEPTIONS;
        if self.below(4) == 0 {
            mask &= !OE;
        }
        if self.below(4) == 0 {
            mask &= !UE;
        }
        // An unmasked PE changes nothing the core computes.
        if self.below(4) == 0 {
            mask &= !PE;
        }
        X87Env { rc, pc, mask }
    }

    /// Like `env`, with IE, DE and ZE also unmasked now and then.
    fn env_with_faults(&mut self) -> X87Env {
        let mut env = self.env();
        for bit in [IE, DE, ZE] {
            if self.below(8) == 0 {
                env.mask &= !bit;
            }
        }
        env
    }
}

fn cases() -> u64 {
    std::env::var("OX86_DIFF_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300_000)
}

fn rng(salt: u64) -> Rng {
    let seed = std::env::var("OX86_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x0086_F80D);
    Rng(seed ^ salt.wrapping_mul(0x1234_5678_9ABC_DEF1))
}

/// Collects mismatches and fails with the first few.
struct Check {
    name: &'static str,
    total: u64,
    bad: Vec<String>,
    count: u64,
}

impl Check {
    fn new(name: &'static str) -> Check {
        Check {
            name,
            total: 0,
            bad: Vec::new(),
            count: 0,
        }
    }
    fn eq<T: PartialEq + core::fmt::Debug>(&mut self, ctx: impl Fn() -> String, host: T, soft: T) {
        self.total += 1;
        if host != soft {
            self.count += 1;
            if self.bad.len() < 12 {
                self.bad.push(format!(
                    "{}\n    host {:x?}\n    soft {:x?}",
                    ctx(),
                    host,
                    soft
                ));
            }
        }
    }
    fn finish(self) {
        eprintln!(
            "{}: {} cases, {} mismatches",
            self.name, self.total, self.count
        );
        assert!(
            self.bad.is_empty(),
            "{} mismatches in {}:\n{}",
            self.count,
            self.name,
            self.bad.join("\n")
        );
    }
}

macro_rules! host_binary {
    ($name:ident, $insn:literal) => {
        /// ST(0) = a, ST(1) = b; runs the instruction; returns (ST(0), SW).
        fn $name(a: F80, b: F80, cw: u16) -> (F80, u16) {
            let (ab, bb) = (a.to_bytes(), b.to_bytes());
            let mut out = [0u8; 10];
            let mut save = 0u16;
            let sw: u16;
            // SAFETY: the pointers address live locals of the right sizes;
            // the sequence leaves the x87 stack empty and restores the
            // caller's control word; x87 registers are declared clobbered and
            // all exceptions raised are cleared by FNCLEX before the next
            // waiting instruction.
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
                    "fstp tbyte ptr [{out}]",
                    "fstp st(0)",
                    "fldcw word ptr [{save}]",
                    save = in(reg) &mut save,
                    cw = in(reg) &cw,
                    a = in(reg) &ab,
                    b = in(reg) &bb,
                    out = in(reg) &mut out,
                    out("ax") sw,
                    out("st(0)") _, out("st(1)") _, out("st(2)") _, out("st(3)") _,
                    out("st(4)") _, out("st(5)") _, out("st(6)") _, out("st(7)") _,
                    options(nostack),
                );
            }
            (F80::from_bytes(out), sw)
        }
    };
}

host_binary!(host_fadd, "fadd st(0), st(1)");
host_binary!(host_fsub, "fsub st(0), st(1)");
host_binary!(host_fmul, "fmul st(0), st(1)");
host_binary!(host_fdiv, "fdiv st(0), st(1)");
host_binary!(host_fprem, "fprem");
host_binary!(host_fprem1, "fprem1");
host_binary!(host_fscale, "fscale");
host_binary!(host_fcom, "fcom st(1)");
host_binary!(host_fucom, "fucom st(1)");
host_binary!(host_fsqrt, "fsqrt");
host_binary!(host_frndint, "frndint");
host_binary!(host_fxam, "fxam");

fn ctx2(a: F80, b: F80, env: X87Env) -> String {
    format!("a={a:x?} b={b:x?} cw={:#06x}", env.control_word())
}

fn soft_sw(r: F80Result) -> (F80, u16) {
    (r.value, r.flags as u16 | if r.c1 { SW_C1 } else { 0 })
}

/// Host result with SW reduced to flags + C1 (ES etc. dropped).
fn host_val(h: (F80, u16)) -> (F80, u16) {
    (h.0, h.1 & (0x3F | SW_C1))
}

/// What the x87 shows after `r`: unchanged ST(0) = a if the operation
/// faulted on an unmasked IE/DE/ZE, else the result.
fn faulted(a: F80, r: F80Result, env: X87Env) -> F80Result {
    if r.faults(env.mask) {
        F80Result::exact(a, r.flags & (IE | DE | ZE))
    } else {
        r
    }
}

fn arith_family(
    name: &'static str,
    salt: u64,
    host: fn(F80, F80, u16) -> (F80, u16),
    soft: fn(F80, F80, X87Env) -> F80Result,
) {
    let mut r = rng(salt);
    let mut c = Check::new(name);
    for _ in 0..cases() {
        let a = r.f80();
        let b = r.f80_near(a);
        let env = r.env_with_faults();
        let s = faulted(a, soft(a, b, env), env);
        c.eq(
            || ctx2(a, b, env),
            host_val(host(a, b, env.control_word())),
            soft_sw(s),
        );
    }
    c.finish();
}

#[test]
fn diff_fadd() {
    arith_family("fadd", 1, host_fadd, add);
}

#[test]
fn diff_fsub() {
    arith_family("fsub", 2, host_fsub, sub);
}

#[test]
fn diff_fmul() {
    arith_family("fmul", 3, host_fmul, mul);
}

#[test]
fn diff_fdiv() {
    arith_family("fdiv", 4, host_fdiv, div);
}

#[test]
fn diff_fsqrt() {
    arith_family("fsqrt", 5, host_fsqrt, |a, _, env| sqrt(a, env));
}

#[test]
fn diff_frndint() {
    arith_family("frndint", 6, host_frndint, |a, _, env| round_to_int(a, env));
}

#[test]
fn diff_fscale() {
    let mut r = rng(7);
    let mut c = Check::new("fscale");
    for _ in 0..cases() {
        let a = r.f80();
        let b = if r.bit() {
            let n = (r.next() as i64) >> (40 + r.below(24));
            let x = from_i64(n);
            if r.bit() && !x.is_zero() {
                F80 {
                    sig: x.sig | r.next() >> (1 + r.below(63)),
                    ..x
                }
            } else {
                x
            }
        } else {
            r.f80()
        };
        let env = r.env_with_faults();
        c.eq(
            || ctx2(a, b, env),
            host_val(host_fscale(a, b, env.control_word())),
            soft_sw(faulted(a, fscale(a, b, env), env)),
        );
    }
    c.finish();
}

fn prem_family(
    name: &'static str,
    salt: u64,
    host: fn(F80, F80, u16) -> (F80, u16),
    soft: fn(F80, F80, X87Env) -> PremResult,
) {
    let mut r = rng(salt);
    let mut c = Check::new(name);
    for _ in 0..cases() {
        let a = r.f80();
        let b = if r.below(3) == 0 || a.exp == 0 || a.exp == 0x7FFF {
            r.f80()
        } else {
            let d = r.below(90) as u16;
            F80 {
                sign: r.bit(),
                exp: a.exp.saturating_sub(d).max(1),
                sig: r.sig() | INT_BIT,
            }
        };
        let env = r.env_with_faults();
        let h = host(a, b, env.control_word());
        let s = soft(a, b, env);
        let s = if s.flags & !env.mask & (IE | DE | ZE) != 0 {
            // Faulting: ST(0) unchanged, no condition codes from the operation.
            PremResult {
                value: a,
                flags: s.flags & (IE | DE | ZE),
                q: 0,
                incomplete: false,
            }
        } else {
            s
        };
        let q = |bits: u8| {
            (if bits & 4 != 0 { SW_C0 } else { 0 })
                | (if bits & 2 != 0 { SW_C3 } else { 0 })
                | (if bits & 1 != 0 { SW_C1 } else { 0 })
        };
        let sw = s.flags as u16 | q(s.q) | if s.incomplete { SW_C2 } else { 0 };
        c.eq(
            || ctx2(a, b, env),
            (h.0, h.1 & (0x3F | SW_C0 | SW_C1 | SW_C2 | SW_C3)),
            (s.value, sw),
        );
    }
    c.finish();
}

#[test]
fn diff_fprem() {
    prem_family("fprem", 8, host_fprem, fprem);
}

#[test]
fn diff_fprem1() {
    prem_family("fprem1", 9, host_fprem1, fprem1);
}

fn compare_family(
    name: &'static str,
    salt: u64,
    host: fn(F80, F80, u16) -> (F80, u16),
    ordered: bool,
) {
    let mut r = rng(salt);
    let mut c = Check::new(name);
    for _ in 0..cases() {
        let a = r.f80();
        let b = if r.below(4) == 0 {
            F80 { sign: r.bit(), ..a }
        } else {
            r.f80_near(a)
        };
        let env = r.env_with_faults();
        let (_, sw) = host(a, b, env.control_word());
        let (ord, flags) = compare(a, b, ordered);
        let cc = match ord {
            Ordering::Greater => 0,
            Ordering::Less => SW_C0,
            Ordering::Equal => SW_C3,
            Ordering::Unordered => SW_C0 | SW_C2 | SW_C3,
        };
        // The condition codes are set even when IE/DE are unmasked.
        c.eq(
            || ctx2(a, b, env),
            sw & (0x3F | SW_C0 | SW_C1 | SW_C2 | SW_C3),
            flags as u16 | cc,
        );
    }
    c.finish();
}

#[test]
fn diff_fcom() {
    compare_family("fcom", 10, host_fcom, true);
}

#[test]
fn diff_fucom() {
    compare_family("fucom", 11, host_fucom, false);
}

/// FXTRACT: returns (significand, exponent, SW).
fn host_fxtract(a: F80, cw: u16) -> (F80, F80, u16) {
    let ab = a.to_bytes();
    let (mut o1, mut o2) = ([0u8; 10], [0u8; 10]);
    let mut save = 0u16;
    let sw: u16;
    // SAFETY: pointers to live locals of the right sizes; the x87 stack is
    // left empty, the control word restored, exceptions cleared by FNCLEX.
    unsafe {
        asm!(
            "fnstcw word ptr [{save}]",
            "fninit",
            "fldcw word ptr [{cw}]",
            "fld tbyte ptr [{a}]",
            "fxtract",
            "fnstsw ax",
            "fnclex",
            "fstp tbyte ptr [{o1}]",
            "fstp tbyte ptr [{o2}]",
            "fldcw word ptr [{save}]",
            save = in(reg) &mut save,
            cw = in(reg) &cw,
            a = in(reg) &ab,
            o1 = in(reg) &mut o1,
            o2 = in(reg) &mut o2,
            out("ax") sw,
            out("st(0)") _, out("st(1)") _, out("st(2)") _, out("st(3)") _,
            out("st(4)") _, out("st(5)") _, out("st(6)") _, out("st(7)") _,
            options(nostack),
        );
    }
    (F80::from_bytes(o1), F80::from_bytes(o2), sw)
}

#[test]
fn diff_fxtract() {
    let mut r = rng(12);
    let mut c = Check::new("fxtract");
    for _ in 0..cases() {
        let a = r.f80();
        let env = r.env();
        let (s1, s2, sw) = host_fxtract(a, env.control_word());
        let x = fxtract(a);
        c.eq(
            || format!("a={a:x?}"),
            (s1, s2, sw & (0x3F | SW_C1)),
            (x.significand, x.exponent, x.flags as u16),
        );
    }
    c.finish();
}

/// SW bits a load or store defines: flags and C1.
const SW_FLAGS_C1: u16 = 0x3F | SW_C1;

macro_rules! host_const {
    ($name:ident, $insn:literal) => {
        /// Loads the constant under control word `cw`; returns (ST(0), SW).
        fn $name(cw: u16) -> (F80, u16) {
            let mut out = [0u8; 10];
            let mut save = 0u16;
            let sw: u16;
            // SAFETY: `out` is a live 10-byte local; the x87 stack is left
            // empty and the caller's control word restored.
            unsafe {
                asm!(
                    "fnstcw word ptr [{save}]",
                    "fninit",
                    "fldcw word ptr [{cw}]",
                    $insn,
                    "fnstsw ax",
                    "fnclex",
                    "fstp tbyte ptr [{out}]",
                    "fldcw word ptr [{save}]",
                    save = in(reg) &mut save,
                    cw = in(reg) &cw,
                    out = in(reg) &mut out,
                    out("ax") sw,
                    out("st(0)") _, out("st(1)") _, out("st(2)") _, out("st(3)") _,
                    out("st(4)") _, out("st(5)") _, out("st(6)") _, out("st(7)") _,
                    options(nostack),
                );
            }
            (F80::from_bytes(out), sw)
        }
    };
}

host_const!(host_fld1, "fld1");
host_const!(host_fldl2t, "fldl2t");
host_const!(host_fldl2e, "fldl2e");
host_const!(host_fldpi, "fldpi");
host_const!(host_fldlg2, "fldlg2");
host_const!(host_fldln2, "fldln2");
host_const!(host_fldz, "fldz");

#[test]
fn diff_constants() {
    let mut c = Check::new("fld constants");
    type HostConst = fn(u16) -> (F80, u16);
    let table: [(Constant, HostConst); 7] = [
        (Constant::One, host_fld1),
        (Constant::L2T, host_fldl2t),
        (Constant::L2E, host_fldl2e),
        (Constant::Pi, host_fldpi),
        (Constant::Lg2, host_fldlg2),
        (Constant::Ln2, host_fldln2),
        (Constant::Zero, host_fldz),
    ];
    for rc in [
        Rounding::Nearest,
        Rounding::Down,
        Rounding::Up,
        Rounding::Zero,
    ] {
        for pc in [Precision::P24, Precision::P53, Precision::P64] {
            let env = X87Env {
                rc,
                pc,
                mask: ALL_EXCEPTIONS,
            };
            for (k, host) in table {
                let (v, sw) = host(env.control_word());
                c.eq(
                    || format!("{k:?} {rc:?} {pc:?}"),
                    (v, sw & SW_FLAGS_C1),
                    (constant(k, rc), 0),
                );
            }
        }
    }
    c.finish();
}

#[test]
fn diff_fxam() {
    let mut r = rng(25);
    let mut c = Check::new("fxam");
    for _ in 0..cases() {
        let a = r.f80();
        let (_, sw) = host_fxam(a, F80::ZERO, ALL_EXCEPTIONS as u16 | 0x340);
        c.eq(
            || format!("{a:x?}"),
            sw & (0x3F | SW_C0 | SW_C1 | SW_C2 | SW_C3),
            fxam(a),
        );
    }
    c.finish();
}

#[test]
fn reserved_precision_control_is_64_bit() {
    // PC = 01b is reserved; X87Env::from_control_word treats it as 64-bit.
    let three = from_i64(3);
    let (h, sw) = host_fdiv(F80::ONE, three, 0x017F);
    let s = div(F80::ONE, three, X87Env::from_control_word(0x017F));
    assert_eq!((h, sw & SW_FLAGS_C1), soft_sw(s));
}
