//! Host differential tests of the memory-format conversions (FILD, FIST,
//! FLD/FST m32/m64, FBLD/FBSTP) and of the arithmetic and compare forms
//! with m16/m32/m64 source operands. The harness is in the parent module.

use super::*;

macro_rules! host_conv {
    ($name:ident, $in:ty, $out:ty, $pre:literal, $post:literal) => {
        /// Runs `$pre`, FNSTSW, FNCLEX, `$post` with `input` and `out` as
        /// the memory operands; returns (out, SW).
        fn $name(input: $in, cw: u16, mut out: $out) -> ($out, u16) {
            let mut save = 0u16;
            let sw: u16;
            // SAFETY: `inp` and `out` point to live locals of the operand
            // sizes the instructions use; the sequence leaves the x87 stack
            // empty (FNINIT at the end, also after a store that faulted and did
            // not pop), restores the
            // caller's control word, and clears raised exceptions with FNCLEX
            // before any waiting instruction.
            unsafe {
                asm!(
                    "fnstcw word ptr [{save}]",
                    "fninit",
                    "fldcw word ptr [{cw}]",
                    $pre,
                    "fnstsw ax",
                    "fnclex",
                    $post,
                    // A store that faulted does not pop: empty the stack.
                    "fninit",
                    "fldcw word ptr [{save}]",
                    save = in(reg) &mut save,
                    cw = in(reg) &cw,
                    inp = in(reg) &input,
                    out = in(reg) &mut out,
                    out("ax") sw,
                    out("st(0)") _, out("st(1)") _, out("st(2)") _, out("st(3)") _,
                    out("st(4)") _, out("st(5)") _, out("st(6)") _, out("st(7)") _,
                    options(nostack),
                );
            }
            (out, sw)
        }
    };
}

host_conv!(
    host_fild16,
    i16,
    [u8; 10],
    "fild word ptr [{inp}]",
    "fstp tbyte ptr [{out}]"
);
host_conv!(
    host_fild32,
    i32,
    [u8; 10],
    "fild dword ptr [{inp}]",
    "fstp tbyte ptr [{out}]"
);
host_conv!(
    host_fild64,
    i64,
    [u8; 10],
    "fild qword ptr [{inp}]",
    "fstp tbyte ptr [{out}]"
);
host_conv!(
    host_fld32,
    u32,
    [u8; 10],
    // FLDZ first: a load suppressed by an unmasked fault leaves +0 on top.
    "fldz\nfld dword ptr [{inp}]",
    "fstp tbyte ptr [{out}]"
);
host_conv!(
    host_fld64,
    u64,
    [u8; 10],
    "fldz\nfld qword ptr [{inp}]",
    "fstp tbyte ptr [{out}]"
);
host_conv!(
    host_fbld,
    [u8; 10],
    [u8; 10],
    "fbld tbyte ptr [{inp}]",
    "fstp tbyte ptr [{out}]"
);
host_conv!(
    host_fist16,
    [u8; 10],
    i16,
    "fld tbyte ptr [{inp}]\nfistp word ptr [{out}]",
    ""
);
host_conv!(
    host_fist32,
    [u8; 10],
    i32,
    "fld tbyte ptr [{inp}]\nfistp dword ptr [{out}]",
    ""
);
host_conv!(
    host_fist64,
    [u8; 10],
    i64,
    "fld tbyte ptr [{inp}]\nfistp qword ptr [{out}]",
    ""
);
host_conv!(
    host_fbstp,
    [u8; 10],
    [u8; 10],
    "fld tbyte ptr [{inp}]\nfbstp tbyte ptr [{out}]",
    ""
);
host_conv!(
    host_fst32,
    [u8; 10],
    u32,
    "fld tbyte ptr [{inp}]\nfst dword ptr [{out}]",
    "fstp st(0)"
);
host_conv!(
    host_fst64,
    [u8; 10],
    u64,
    "fld tbyte ptr [{inp}]\nfst qword ptr [{out}]",
    "fstp st(0)"
);

#[test]
fn diff_fild() {
    let mut r = rng(20);
    let mut c = Check::new("fild");
    for _ in 0..cases() {
        let v = (r.next() as i64) >> r.below(64);
        let env = r.env();
        let cw = env.control_word();
        let want = |x: F80| (x, 0u16);
        let got = |(o, sw): ([u8; 10], u16)| (F80::from_bytes(o), sw & SW_FLAGS_C1);
        c.eq(
            || format!("{v}"),
            got(host_fild16(v as i16, cw, [0; 10])),
            want(from_i16(v as i16)),
        );
        c.eq(
            || format!("{v}"),
            got(host_fild32(v as i32, cw, [0; 10])),
            want(from_i32(v as i32)),
        );
        c.eq(
            || format!("{v}"),
            got(host_fild64(v, cw, [0; 10])),
            want(from_i64(v)),
        );
    }
    c.finish();
}

/// Operands near the integer and BCD ranges, plus the general mix.
fn int_operand(r: &mut Rng) -> F80 {
    if r.bit() {
        return r.f80();
    }
    let e = [14u16, 15, 16, 30, 31, 32, 58, 59, 62, 63, 64][r.below(11) as usize];
    let sig = if r.bit() {
        r.sig() | INT_BIT
    } else {
        INT_BIT | r.next() >> (1 + r.below(63))
    };
    F80 {
        sign: r.bit(),
        exp: 0x3FFF + e - r.below(2) as u16,
        sig,
    }
}

#[test]
fn diff_fist() {
    const SENTINEL: i64 = 0x5A5A_5A5A_5A5A_5A5A;
    let mut r = rng(21);
    let mut c = Check::new("fist");
    for _ in 0..cases() {
        let a = int_operand(&mut r);
        let env = r.env_with_faults();
        let cw = env.control_word();
        let b = a.to_bytes();
        let want = |x: IntResult, sentinel: i64| match store_expect(x.flags, x.c1, env.mask) {
            (true, sw) => (x.value, sw),
            (false, sw) => (sentinel, sw),
        };
        let h = host_fist16(b, cw, SENTINEL as i16);
        let s = want(to_i16(a, env), SENTINEL as i16 as i64);
        c.eq(|| ctx2(a, a, env), (h.0 as i64, h.1 & SW_FLAGS_C1), s);
        let h = host_fist32(b, cw, SENTINEL as i32);
        let s = want(to_i32(a, env), SENTINEL as i32 as i64);
        c.eq(|| ctx2(a, a, env), (h.0 as i64, h.1 & SW_FLAGS_C1), s);
        let h = host_fist64(b, cw, SENTINEL);
        let s = want(to_i64(a, env), SENTINEL);
        c.eq(|| ctx2(a, a, env), (h.0, h.1 & SW_FLAGS_C1), s);
    }
    c.finish();
}

/// Expected (stored?, SW flags + C1) of a store: unmasked IE/DE/ZE or
/// OE/UE leave the destination unwritten.
fn store_expect(flags: u8, c1: bool, mask: u8) -> (bool, u16) {
    if flags & !mask & (IE | DE | ZE) != 0 {
        (false, (flags & (IE | DE | ZE)) as u16)
    } else if flags & !mask & (OE | UE) != 0 {
        (false, flags as u16)
    } else {
        (true, flags as u16 | if c1 { SW_C1 } else { 0 })
    }
}

#[test]
fn diff_fld_m32_m64() {
    let mut r = rng(22);
    let mut c = Check::new("fld m32/m64");
    for _ in 0..cases() {
        let env = r.env_with_faults();
        let cw = env.control_word();
        let e32 = [0u32, 0xFF, 1, 0xFE, r.below(256) as u32][r.below(5) as usize];
        let f32b = (r.bit() as u32) << 31 | e32 << 23 | (r.sig() >> 40) as u32 & 0x7F_FFFF;
        let e64 = [0u64, 0x7FF, 1, 0x7FE, r.below(2048)][r.below(5) as usize];
        let f64b = (r.bit() as u64) << 63 | e64 << 52 | r.sig() >> 11 & ((1 << 52) - 1);
        let got = |(o, sw): ([u8; 10], u16)| (F80::from_bytes(o), sw & SW_FLAGS_C1);
        // An unmasked IE suppresses the load (+0 from FLDZ stays on top);
        // an unmasked DE does not.
        let want = |x: F80Result| {
            let x = if x.flags & !env.mask & IE != 0 {
                F80Result::exact(F80::ZERO, IE)
            } else {
                x
            };
            (x.value, x.flags as u16)
        };
        c.eq(
            || format!("{f32b:#x}"),
            got(host_fld32(f32b, cw, [0; 10])),
            want(from_f32(f32b)),
        );
        c.eq(
            || format!("{f64b:#x}"),
            got(host_fld64(f64b, cw, [0; 10])),
            want(from_f64(f64b)),
        );
    }
    c.finish();
}

#[test]
fn diff_fst_m32_m64() {
    const SENTINEL32: u32 = 0x5A5A_5A5A;
    const SENTINEL64: u64 = 0x5A5A_5A5A_5A5A_5A5A;
    let mut r = rng(23);
    let mut c = Check::new("fst m32/m64");
    for _ in 0..cases() {
        let a = match r.below(4) {
            0 => F80 {
                exp: 0x3FFF - 160 + r.below(60) as u16,
                ..r.f80_near(F80::ONE)
            },
            1 => F80 {
                exp: 0x3FFF - 1090 + r.below(80) as u16,
                ..r.f80_near(F80::ONE)
            },
            2 => F80 {
                exp: 0x3FFF + 120 + r.below(15) as u16,
                ..r.f80_near(F80::ONE)
            },
            _ => F80 {
                exp: 0x3FFF + 1015 + r.below(15) as u16,
                ..r.f80()
            },
        };
        let a = if r.below(3) == 0 { r.f80() } else { a };
        let env = r.env_with_faults();
        let cw = env.control_word();
        let s = to_f32(a, env);
        let h = host_fst32(a.to_bytes(), cw, SENTINEL32);
        let want = match store_expect(s.flags, s.c1, env.mask) {
            (true, sw) => (s.bits, sw),
            (false, sw) => (SENTINEL32, sw),
        };
        c.eq(|| ctx2(a, a, env), (h.0, h.1 & SW_FLAGS_C1), want);
        let s = to_f64(a, env);
        let h = host_fst64(a.to_bytes(), cw, SENTINEL64);
        let want = match store_expect(s.flags, s.c1, env.mask) {
            (true, sw) => (s.bits, sw),
            (false, sw) => (SENTINEL64, sw),
        };
        c.eq(|| ctx2(a, a, env), (h.0, h.1 & SW_FLAGS_C1), want);
    }
    c.finish();
}

#[test]
fn diff_fbld_fbstp() {
    let mut r = rng(24);
    let mut c = Check::new("fbld/fbstp");
    for _ in 0..cases() {
        let env = r.env();
        let cw = env.control_word();
        let mut bcd = [0u8; 10];
        let invalid = r.below(8) == 0;
        let ndigits = r.below(19) as usize;
        for i in 0..ndigits {
            let d = if invalid { r.below(16) } else { r.below(10) } as u8;
            bcd[i / 2] |= if i % 2 == 0 { d } else { d << 4 };
        }
        bcd[9] = if r.bit() { 0x80 } else { 0 };
        let (h, sw) = host_fbld(bcd, cw, [0; 10]);
        c.eq(
            || format!("{bcd:x?}"),
            (F80::from_bytes(h), sw & SW_FLAGS_C1),
            (from_bcd(bcd), 0),
        );
        let a = int_operand(&mut r);
        let env = r.env_with_faults();
        let cw = env.control_word();
        let (h, sw) = host_fbstp(a.to_bytes(), cw, [0x5A; 10]);
        let s = to_bcd(a, env);
        let want = match store_expect(s.flags, s.c1, env.mask) {
            (true, sw) => (s.bytes, sw),
            (false, sw) => ([0x5A; 10], sw),
        };
        c.eq(|| ctx2(a, a, env), (h, sw & SW_FLAGS_C1), want);
    }
    c.finish();
}

macro_rules! host_mem {
    ($name:ident, $ty:ty, $insn:literal) => {
        /// ST(0) = a, then `$insn` with the memory operand m; returns
        /// (ST(0), SW).
        fn $name(a: F80, m: $ty, cw: u16) -> (F80, u16) {
            let ab = a.to_bytes();
            let mut out = [0u8; 10];
            let mut save = 0u16;
            let sw: u16;
            // SAFETY: the pointers address live locals of the operand sizes
            // used; FNINIT empties the x87 stack at the end, the caller's
            // control word is restored, exceptions are cleared by FNCLEX.
            unsafe {
                asm!(
                    "fnstcw word ptr [{save}]",
                    "fninit",
                    "fldcw word ptr [{cw}]",
                    "fld tbyte ptr [{a}]",
                    $insn,
                    "fnstsw ax",
                    "fnclex",
                    "fstp tbyte ptr [{out}]",
                    "fninit",
                    "fldcw word ptr [{save}]",
                    save = in(reg) &mut save,
                    cw = in(reg) &cw,
                    a = in(reg) &ab,
                    m = in(reg) &m,
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

host_mem!(host_fadd_m32, u32, "fadd dword ptr [{m}]");
host_mem!(host_fsub_m32, u32, "fsub dword ptr [{m}]");
host_mem!(host_fsubr_m32, u32, "fsubr dword ptr [{m}]");
host_mem!(host_fmul_m32, u32, "fmul dword ptr [{m}]");
host_mem!(host_fdiv_m32, u32, "fdiv dword ptr [{m}]");
host_mem!(host_fdivr_m32, u32, "fdivr dword ptr [{m}]");
host_mem!(host_fcom_m32, u32, "fcom dword ptr [{m}]");
host_mem!(host_fadd_m64, u64, "fadd qword ptr [{m}]");
host_mem!(host_fsubr_m64, u64, "fsubr qword ptr [{m}]");
host_mem!(host_fmul_m64, u64, "fmul qword ptr [{m}]");
host_mem!(host_fdiv_m64, u64, "fdiv qword ptr [{m}]");
host_mem!(host_fdivr_m64, u64, "fdivr qword ptr [{m}]");
host_mem!(host_fcom_m64, u64, "fcom qword ptr [{m}]");
host_mem!(host_fiadd_m32, i32, "fiadd dword ptr [{m}]");
host_mem!(host_fidivr_m16, i16, "fidivr word ptr [{m}]");

type SoftOp = fn(F80, F80, X87Env) -> F80Result;

/// Random m32 / m64 images biased to zeros, denormals, ∞ and NaNs.
fn m32(r: &mut Rng) -> u32 {
    let e = [0u32, 0xFF, 1, 0xFE, 0x7F, r.below(256) as u32][r.below(6) as usize];
    (r.bit() as u32) << 31 | e << 23 | (r.sig() >> 40) as u32 & 0x7F_FFFF
}

fn m64(r: &mut Rng) -> u64 {
    let e = [0u64, 0x7FF, 1, 0x7FE, 0x3FF, r.below(2048)][r.below(6) as usize];
    (r.bit() as u64) << 63 | e << 52 | r.sig() >> 11 & ((1 << 52) - 1)
}

/// Soft result of `op` between ST(0) = a and a widened memory operand.
fn soft_mem(a: F80, (m, de): (F80, u8), op: SoftOp, reversed: bool, env: X87Env) -> F80Result {
    let r = if reversed {
        op(m, a, env)
    } else {
        op(a, m, env)
    };
    faulted(a, apply_operand_de(a, m, r, de), env)
}

#[test]
fn diff_arith_m32_m64() {
    let mut r = rng(26);
    let mut c = Check::new("arith m32/m64");
    type Host32 = fn(F80, u32, u16) -> (F80, u16);
    type Host64 = fn(F80, u64, u16) -> (F80, u16);
    let t32: [(Host32, SoftOp, bool); 6] = [
        (host_fadd_m32, add, false),
        (host_fsub_m32, sub, false),
        (host_fsubr_m32, sub, true),
        (host_fmul_m32, mul, false),
        (host_fdiv_m32, div, false),
        (host_fdivr_m32, div, true),
    ];
    let t64: [(Host64, SoftOp, bool); 5] = [
        (host_fadd_m64, add, false),
        (host_fsubr_m64, sub, true),
        (host_fmul_m64, mul, false),
        (host_fdiv_m64, div, false),
        (host_fdivr_m64, div, true),
    ];
    for _ in 0..cases() / 4 {
        let a = r.f80();
        let env = r.env_with_faults();
        let cw = env.control_word();
        let b32 = m32(&mut r);
        let b64 = m64(&mut r);
        for (host, op, rev) in t32 {
            let s = soft_mem(a, f32_operand(b32), op, rev, env);
            c.eq(
                || format!("{} m32={b32:#x}", ctx2(a, a, env)),
                host_val(host(a, b32, cw)),
                soft_sw(s),
            );
        }
        for (host, op, rev) in t64 {
            let s = soft_mem(a, f64_operand(b64), op, rev, env);
            c.eq(
                || format!("{} m64={b64:#x}", ctx2(a, a, env)),
                host_val(host(a, b64, cw)),
                soft_sw(s),
            );
        }
        // FIADD m32 / FIDIVR m16: exact integer operands.
        let i = (r.next() as i64 >> r.below(64)) as i32;
        let s = faulted(a, add(a, from_i32(i), env), env);
        c.eq(
            || format!("{} fiadd {i}", ctx2(a, a, env)),
            host_val(host_fiadd_m32(a, i, cw)),
            soft_sw(s),
        );
        let s = faulted(a, div(from_i16(i as i16), a, env), env);
        c.eq(
            || format!("{} fidivr {}", ctx2(a, a, env), i as i16),
            host_val(host_fidivr_m16(a, i as i16, cw)),
            soft_sw(s),
        );
        // FCOM m32/m64: condition codes and flags.
        let cc = |(m, de): (F80, u8)| {
            let (ord, flags) = compare(a, m, true);
            let flags = if flags & IE == 0 && !a.is_nan() && !m.is_nan() {
                flags | de
            } else {
                flags
            };
            let bits = match ord {
                Ordering::Greater => 0,
                Ordering::Less => SW_C0,
                Ordering::Equal => SW_C3,
                Ordering::Unordered => SW_C0 | SW_C2 | SW_C3,
            };
            flags as u16 | bits
        };
        let mask = SW_FLAGS_C1 | SW_C0 | SW_C2 | SW_C3;
        let env = X87Env {
            mask: ALL_EXCEPTIONS,
            ..env
        };
        let cw = env.control_word();
        c.eq(
            || format!("fcom m32={b32:#x} a={a:x?}"),
            host_fcom_m32(a, b32, cw).1 & mask,
            cc(f32_operand(b32)),
        );
        c.eq(
            || format!("fcom m64={b64:#x} a={a:x?}"),
            host_fcom_m64(a, b64, cw).1 & mask,
            cc(f64_operand(b64)),
        );
    }
    c.finish();
}
