//! Differential tests of the SSE2 integer instructions against the host
//! CPU (x86-64 hosts only; elsewhere a test prints that they are skipped).
//!
//! Each operation runs on the host with `asm!` on XMM registers and in ox86
//! over seeded pseudo-random operands biased to edge lane values (0, 1,
//! all ones, sign boundaries, byte/word extremes). The ox86 side is checked
//! two ways: the pure lane functions on every operand (`ITERS` per
//! operation, `OX86_SIMD_DIFF_ITERS` overrides), and the full decode →
//! handler path (`xmm0 OP= xmm1` encoded for 16-bit real mode) on a slice
//! of them, which also checks the encoding-to-handler mapping.
//! Operations with an immediate are run for a fixed set of immediates.

#[cfg(not(target_arch = "x86_64"))]
#[test]
fn simd_host_differential_skipped() {
    eprintln!("simd_host_diff: skipped (needs an x86-64 host)");
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod imp {
    use crate::cpu::exec::simd_common::testing::{exec, sse_cpu};
    use crate::cpu::exec::sse_int::{compute, op::*};
    use crate::cpu::exec::sse_int2::{
        msb_mask, pack, pk::*, pshufd, pshufw, sh::*, shift, shufpd, shufps,
    };
    use core::arch::x86_64::__m128i;

    /// Default operands per operation (pure path); the decode path runs
    /// every [`DECODE_EVERY`]-th of them.
    const ITERS: u32 = 50_000;
    const DECODE_EVERY: u32 = 16;

    pub(crate) type F2 = fn(u128, u128) -> u128;

    /// One operation: the encoding of `OP xmm0, xmm1` (plus immediate) in
    /// 16-bit code, the host function and ox86's lane function.
    pub(crate) struct Op {
        pub name: &'static str,
        pub code: &'static [u8],
        pub host: F2,
        pub emu: F2,
    }

    #[inline(always)]
    pub(crate) fn to_m(v: u128) -> __m128i {
        // SAFETY: u128 and __m128i are both 16 plain bytes with no invalid
        // bit patterns; the transmute is a bit copy.
        unsafe { core::mem::transmute::<u128, __m128i>(v) }
    }

    #[inline(always)]
    pub(crate) fn from_m(v: __m128i) -> u128 {
        // SAFETY: as in `to_m`.
        unsafe { core::mem::transmute::<__m128i, u128>(v) }
    }

    /// `x = x OP y` on the host.
    macro_rules! h2 {
        ($t:literal) => {{
            fn f(a: u128, b: u128) -> u128 {
                let mut x = to_m(a);
                let y = to_m(b);
                // SAFETY: one SSE2 instruction (baseline on x86-64) on two
                // XMM registers allocated by the compiler; no memory, stack
                // or flags are touched.
                unsafe {
                    core::arch::asm!(concat!($t, " {x}, {y}"), x = inout(xmm_reg) x,
                        y = in(xmm_reg) y, options(pure, nomem, nostack, preserves_flags));
                }
                from_m(x)
            }
            f as F2
        }};
        ($t:literal, $imm:literal) => {{
            fn f(a: u128, b: u128) -> u128 {
                let mut x = to_m(a);
                let y = to_m(b);
                // SAFETY: as above, with an immediate operand.
                unsafe {
                    core::arch::asm!(concat!($t, " {x}, {y}, ", $imm), x = inout(xmm_reg) x,
                        y = in(xmm_reg) y, options(pure, nomem, nostack, preserves_flags));
                }
                from_m(x)
            }
            f as F2
        }};
    }

    /// `x = x SHIFT imm` on the host (`b` unused).
    macro_rules! h1i {
        ($t:literal, $imm:literal) => {{
            fn f(a: u128, _: u128) -> u128 {
                let mut x = to_m(a);
                // SAFETY: one SSE2 shift-by-immediate on a compiler-allocated
                // XMM register; no memory, stack or flags are touched.
                unsafe {
                    core::arch::asm!(concat!($t, " {x}, ", $imm), x = inout(xmm_reg) x,
                        options(pure, nomem, nostack, preserves_flags));
                }
                from_m(x)
            }
            f as F2
        }};
    }

    macro_rules! op {
        ($name:literal, [$($c:expr),*], $host:expr, $emu:expr) => {
            Op { name: $name, code: &[$($c),*], host: $host, emu: $emu }
        };
    }

    /// The binary lane operations MMX (`0F xx /r`) and SSE2 (`66 0F xx /r`) share, as an
    /// array of `$m!(mnemonic, opcode byte, sse_int::op kind)`: each harness expands them with
    /// its own encoding and host code.
    macro_rules! lane_arith_ops {
        ($m:ident) => {
            [
                $m!("paddb", 0xFC, PADDB),
                $m!("paddw", 0xFD, PADDW),
                $m!("paddd", 0xFE, PADDD),
                $m!("paddq", 0xD4, PADDQ),
                $m!("psubb", 0xF8, PSUBB),
                $m!("psubw", 0xF9, PSUBW),
                $m!("psubd", 0xFA, PSUBD),
                $m!("psubq", 0xFB, PSUBQ),
                $m!("paddsb", 0xEC, PADDSB),
                $m!("paddsw", 0xED, PADDSW),
                $m!("paddusb", 0xDC, PADDUSB),
                $m!("paddusw", 0xDD, PADDUSW),
                $m!("psubsb", 0xE8, PSUBSB),
                $m!("psubsw", 0xE9, PSUBSW),
                $m!("psubusb", 0xD8, PSUBUSB),
                $m!("psubusw", 0xD9, PSUBUSW),
                $m!("pmullw", 0xD5, PMULLW),
                $m!("pmulhw", 0xE5, PMULHW),
                $m!("pmulhuw", 0xE4, PMULHUW),
                $m!("pmuludq", 0xF4, PMULUDQ),
                $m!("pmaddwd", 0xF5, PMADDWD),
                $m!("pavgb", 0xE0, PAVGB),
                $m!("pavgw", 0xE3, PAVGW),
                $m!("pminub", 0xDA, PMINUB),
                $m!("pmaxub", 0xDE, PMAXUB),
                $m!("pminsw", 0xEA, PMINSW),
                $m!("pmaxsw", 0xEE, PMAXSW),
                $m!("psadbw", 0xF6, PSADBW),
                $m!("pcmpeqb", 0x74, PCMPEQB),
                $m!("pcmpeqw", 0x75, PCMPEQW),
                $m!("pcmpeqd", 0x76, PCMPEQD),
                $m!("pcmpgtb", 0x64, PCMPGTB),
                $m!("pcmpgtw", 0x65, PCMPGTW),
                $m!("pcmpgtd", 0x66, PCMPGTD),
                $m!("pand", 0xDB, PAND),
                $m!("pandn", 0xDF, PANDN),
                $m!("por", 0xEB, POR),
                $m!("pxor", 0xEF, PXOR),
            ]
        };
    }
    pub(crate) use lane_arith_ops;

    /// The shifts by a register count MMX and SSE2 share, as [`lane_arith_ops`]
    /// (`$m!(mnemonic, opcode byte, sse_int2::sh kind)`).
    macro_rules! lane_count_shift_ops {
        ($m:ident) => {
            [
                $m!("psllw", 0xF1, PSLLW),
                $m!("pslld", 0xF2, PSLLD),
                $m!("psllq", 0xF3, PSLLQ),
                $m!("psrlw", 0xD1, PSRLW),
                $m!("psrld", 0xD2, PSRLD),
                $m!("psrlq", 0xD3, PSRLQ),
                $m!("psraw", 0xE1, PSRAW),
                $m!("psrad", 0xE2, PSRAD),
            ]
        };
    }
    pub(crate) use lane_count_shift_ops;

    /// Binary lane operations `66 0F xx C1`.
    pub(crate) fn arith_ops() -> Vec<Op> {
        macro_rules! a {
            ($name:literal, $opc:literal, $k:ident) => {
                op!(
                    $name,
                    [0x66, 0x0F, $opc, 0xC1],
                    h2!($name),
                    |a, b| compute::<$k>(a, b, 16)
                )
            };
        }
        lane_arith_ops!(a).into()
    }

    /// Shifts by an XMM count, by immediates, and the byte shifts.
    pub(crate) fn shift_ops() -> Vec<Op> {
        macro_rules! s {
            ($name:literal, $opc:literal, $k:ident) => {
                op!($name, [0x66, 0x0F, $opc, 0xC1], h2!($name), |a, b| shift(
                    $k, a, b as u64, 16
                ))
            };
        }
        macro_rules! si {
            ($name:literal, $opc:literal, $modrm:literal, $k:ident, $imm:literal) => {
                op!(
                    $name,
                    [0x66, 0x0F, $opc, $modrm, $imm],
                    h1i!($name, $imm),
                    |a, _| shift($k, a, $imm, 16)
                )
            };
        }
        macro_rules! bs {
            ($name:literal, $modrm:literal, $imm:literal, $left:literal) => {
                op!(
                    $name,
                    [0x66, 0x0F, 0x73, $modrm, $imm],
                    h1i!($name, $imm),
                    |a, _| { byte_shift(a, $imm, $left) }
                )
            };
        }
        let mut ops = Vec::from(lane_count_shift_ops!(s));
        ops.extend([
            si!("psllw", 0x71, 0xF0, PSLLW, 3),
            si!("psllw", 0x71, 0xF0, PSLLW, 16),
            si!("psrlw", 0x71, 0xD0, PSRLW, 15),
            si!("psraw", 0x71, 0xE0, PSRAW, 200),
            si!("psraw", 0x71, 0xE0, PSRAW, 7),
            si!("pslld", 0x72, 0xF0, PSLLD, 31),
            si!("psrld", 0x72, 0xD0, PSRLD, 1),
            si!("psrad", 0x72, 0xE0, PSRAD, 33),
            si!("psllq", 0x73, 0xF0, PSLLQ, 63),
            si!("psrlq", 0x73, 0xD0, PSRLQ, 9),
            si!("psrlq", 0x73, 0xD0, PSRLQ, 64),
            bs!("pslldq", 0xF8, 5, true),
            bs!("pslldq", 0xF8, 16, true),
            bs!("psrldq", 0xD8, 15, false),
            bs!("psrldq", 0xD8, 0, false),
        ]);
        ops
    }

    /// PSLLDQ/PSRLDQ reference: whole-register byte shift.
    fn byte_shift(a: u128, n: u32, left: bool) -> u128 {
        match (n > 15, left) {
            (true, _) => 0,
            (false, true) => a << (8 * n),
            (false, false) => a >> (8 * n),
        }
    }

    /// Pack/unpack and shuffles.
    pub(crate) fn shuffle_ops() -> Vec<Op> {
        macro_rules! p {
            ($name:literal, [$($c:expr),*], $k:ident) => {
                op!($name, [$($c),*], h2!($name), |a, b| pack($k, a, b, 16))
            };
        }
        macro_rules! shuf {
            ($name:literal, [$($c:expr),*], $imm:literal, $f:expr) => {
                op!($name, [$($c,)* $imm], h2!($name, $imm), |a, b| ($f)(a, b, $imm))
            };
        }
        vec![
            p!("packsswb", [0x66, 0x0F, 0x63, 0xC1], PACKSSWB),
            p!("packssdw", [0x66, 0x0F, 0x6B, 0xC1], PACKSSDW),
            p!("packuswb", [0x66, 0x0F, 0x67, 0xC1], PACKUSWB),
            p!("punpcklbw", [0x66, 0x0F, 0x60, 0xC1], PUNPCKLBW),
            p!("punpcklwd", [0x66, 0x0F, 0x61, 0xC1], PUNPCKLWD),
            p!("punpckldq", [0x66, 0x0F, 0x62, 0xC1], PUNPCKLDQ),
            p!("punpcklqdq", [0x66, 0x0F, 0x6C, 0xC1], PUNPCKLQDQ),
            p!("punpckhbw", [0x66, 0x0F, 0x68, 0xC1], PUNPCKHBW),
            p!("punpckhwd", [0x66, 0x0F, 0x69, 0xC1], PUNPCKHWD),
            p!("punpckhdq", [0x66, 0x0F, 0x6A, 0xC1], PUNPCKHDQ),
            p!("punpckhqdq", [0x66, 0x0F, 0x6D, 0xC1], PUNPCKHQDQ),
            p!("unpcklps", [0x0F, 0x14, 0xC1], PUNPCKLDQ),
            p!("unpckhps", [0x0F, 0x15, 0xC1], PUNPCKHDQ),
            p!("unpcklpd", [0x66, 0x0F, 0x14, 0xC1], PUNPCKLQDQ),
            p!("unpckhpd", [0x66, 0x0F, 0x15, 0xC1], PUNPCKHQDQ),
            shuf!("pshufd", [0x66, 0x0F, 0x70, 0xC1], 0x1B, |_, b, i| pshufd(
                b, i
            )),
            shuf!("pshufd", [0x66, 0x0F, 0x70, 0xC1], 0x9C, |_, b, i| pshufd(
                b, i
            )),
            shuf!(
                "pshufhw",
                [0xF3, 0x0F, 0x70, 0xC1],
                0x4E,
                |_, b: u128, i| {
                    (b & u128::from(u64::MAX)) | (u128::from(pshufw((b >> 64) as u64, i)) << 64)
                }
            ),
            shuf!(
                "pshuflw",
                [0xF2, 0x0F, 0x70, 0xC1],
                0xB1,
                |_, b: u128, i| { (b & !u128::from(u64::MAX)) | u128::from(pshufw(b as u64, i)) }
            ),
            shuf!("shufps", [0x0F, 0xC6, 0xC1], 0x93, shufps),
            shuf!("shufps", [0x0F, 0xC6, 0xC1], 0x0F, shufps),
            shuf!("shufpd", [0x66, 0x0F, 0xC6, 0xC1], 2, shufpd),
            shuf!("shufpd", [0x66, 0x0F, 0xC6, 0xC1], 1, shufpd),
        ]
    }

    /// Seeded generator biased to edge values.
    pub(crate) struct Rng(pub u64);

    impl Rng {
        pub fn next(&mut self) -> u64 {
            // splitmix64
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// A 128-bit operand: random, or made of edge-valued 16-bit or
        /// 8-bit pieces.
        pub fn operand(&mut self) -> u128 {
            const W: [u16; 10] = [
                0, 0xFFFF, 0x8000, 0x7FFF, 1, 0x00FF, 0xFF00, 0x0080, 0x007F, 0x8080,
            ];
            match self.next() % 4 {
                0 => u128::from(self.next()) | (u128::from(self.next()) << 64),
                1 => (0..8).fold(0, |r, i| {
                    let k = self.next() as usize % (W.len() + 2);
                    let w = W.get(k).copied().unwrap_or(self.next() as u16);
                    r | (u128::from(w) << (16 * i))
                }),
                2 => (0..16).fold(0, |r, i| {
                    let b = [0u8, 0xFF, 0x80, 0x7F, 1, self.next() as u8][self.next() as usize % 6];
                    r | (u128::from(b) << (8 * i))
                }),
                _ => {
                    // Small shift counts in the low qword, noise above.
                    let c = match self.next() % 8 {
                        0 => self.next(),
                        1 => 1u64 << (self.next() % 64),
                        _ => self.next() % 70,
                    };
                    u128::from(c) | (u128::from(self.next()) << 64)
                }
            }
        }
    }

    pub(crate) fn iterations() -> u32 {
        std::env::var("OX86_SIMD_DIFF_ITERS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(ITERS)
    }

    /// Run every op of `ops`; returns the failures (at most a few per op).
    pub(crate) fn run_ops(ops: &[Op], iters: u32, seed: u64) -> (u64, Vec<String>) {
        let mut fails = Vec::new();
        let mut count = 0u64;
        for (n, op) in ops.iter().enumerate() {
            let mut rng = Rng(seed ^ (n as u64).wrapping_mul(0x1234_5678_9ABC));
            let mut cpu = sse_cpu(op.code);
            let mut bad = 0;
            for i in 0..iters {
                let (a, b) = (rng.operand(), rng.operand());
                let want = (op.host)(a, b);
                let got = (op.emu)(a, b);
                count += 1;
                let dec = if i % DECODE_EVERY == 0 {
                    cpu.state.rip = 0x100;
                    cpu.state.xmm[0] = a;
                    cpu.state.xmm[1] = b;
                    let r = exec(&mut cpu);
                    Some((r, cpu.state.xmm[0]))
                } else {
                    None
                };
                let dec_bad = matches!(dec, Some((r, v)) if r.is_err() || v != want);
                if (got != want || dec_bad) && bad < 3 {
                    bad += 1;
                    fails.push(format!(
                        "{} {:02x?}: a={a:#034x} b={b:#034x} host={want:#034x} ox86={got:#034x} decoded={dec:x?}",
                        op.name, op.code
                    ));
                }
            }
        }
        (count, fails)
    }

    fn check(family: &str, ops: &[Op]) {
        let iters = iterations();
        let (count, fails) = run_ops(ops, iters, 0x5EED_0004);
        eprintln!(
            "simd_host_diff {family}: {} ops, {count} operand pairs, {} failures",
            ops.len(),
            fails.len()
        );
        assert!(fails.is_empty(), "{}", fails.join("\n"));
    }

    #[test]
    fn sse2_integer_arithmetic_vs_host() {
        check("arith", &arith_ops());
    }

    #[test]
    fn sse2_integer_shifts_vs_host() {
        check("shifts", &shift_ops());
    }

    #[test]
    fn sse2_pack_unpack_shuffle_vs_host() {
        check("shuffle", &shuffle_ops());
    }

    #[test]
    fn movemask_vs_host() {
        let mut rng = Rng(7);
        for _ in 0..iterations() {
            let a = rng.operand();
            let (r1, r2, r3): (u32, u32, u32);
            let x = to_m(a);
            // SAFETY: three SSE/SSE2 move-mask instructions from one XMM
            // register to general registers; no memory, stack or flags.
            unsafe {
                core::arch::asm!("pmovmskb {r1:e}, {x}", "movmskps {r2:e}, {x}",
                    "movmskpd {r3:e}, {x}", x = in(xmm_reg) x, r1 = out(reg) r1, r2 = out(reg) r2,
                    r3 = out(reg) r3, options(pure, nomem, nostack, preserves_flags));
            }
            assert_eq!(
                (msb_mask(a, 8, 16), msb_mask(a, 32, 16), msb_mask(a, 64, 16)),
                (u64::from(r1), u64::from(r2), u64::from(r3)),
                "{a:#x}"
            );
        }
    }

    /// The comparison itself can fail: a deliberately wrong ox86 function
    /// is caught.
    #[test]
    fn differential_catches_a_wrong_result() {
        let wrong = [op!(
            "paddw",
            [0x66, 0x0F, 0xFD, 0xC1],
            h2!("paddw"),
            |a, b| { compute::<PADDSW>(a, b, 16) }
        )];
        let (_, fails) = run_ops(&wrong, 200, 1);
        assert!(!fails.is_empty());
    }
}
