//! Differential test of the x87 instruction layer against the host x87
//! (x86-64 hosts only; `#[cfg(all(test, target_arch = "x86_64"))]`).
//!
//! For each instruction a random x87 state (TOP, which registers are in
//! use, values biased to zeros, denormals, pseudo-denormals, unnormals,
//! infinities, QNaN/SNaN and boundary exponents, random RC/PC, usually all
//! exceptions masked and sometimes some unmasked, random C0–C3 and masked
//! sticky flags) and a random 16-byte memory operand are loaded on the host
//! with FRSTOR, the instruction runs (raw `.byte` encoding with the memory
//! operand at [RAX]), and FNSAVE takes the result; ox86 runs the same
//! instruction (16-bit encoding, operand at [0200h]) from the same state.
//! Compared: control word, status word (flags, C0–C3, TOP, ES, B, SF), tag
//! word, every non-empty register, the memory operand and (for FCOMI and
//! FCMOV) EFLAGS. FIP/FDP/FOP differ by construction and are not compared.
//!
//! Counts: 50 000 random states per instruction form (99 forms, about
//! 5 M comparisons) and 50 000 chained steps by default;
//! `OX86_X87_DIFF_N=1000000` runs a million per form (passed, ~160 s).
//!
//! The transcendentals have their own test (1-ulp tolerance, C1 of inexact
//! results not compared). Not covered: the environment
//! instructions (FSAVE layouts have their own unit tests, and the protected
//! 32-bit image was checked against this host: reserved words read FFFFh).

use super::testutil::fpu_cpu;
use crate::cpu::exec::testutil::step;
use crate::cpu::fpu_state::{FpuState, Reg80, TAG_EMPTY};
use crate::cpu::Cpu;

/// Host state in and out: FSAVE image, memory operand, RFLAGS.
struct HostIo {
    image: [u8; 108],
    mem: [u8; 16],
    flags: u64,
}

macro_rules! host {
    ($name:ident, $bytes:literal) => {
        fn $name(io: &mut HostIo) {
            let mut save = [0u8; 108];
            let mut out = [0u8; 108];
            let fout: u64;
            // SAFETY: the template saves the host x87 state to `save` with
            // FNSAVE (108 bytes, a live local), loads the test state from
            // `io.image` with FRSTOR (its status word never holds an
            // unmasked pending exception, so no waiting instruction
            // faults), runs one x87 instruction whose only memory operand
            // is the 16-byte `io.mem` at [RAX], stores the result with
            // FNSAVE (which also clears any exception the instruction left
            // pending) into `out`, and restores the host state with FRSTOR.
            // RFLAGS is loaded with POPFQ from a value holding only the
            // arithmetic bits and bit 1, and read back with PUSHFQ; the
            // pushes and pops are balanced (the stack may be used: no
            // `nostack`; flags are clobbered: no `preserves_flags`).
            unsafe {
                core::arch::asm!(
                    "push {fin}",
                    "popfq",
                    "fnsave [{save}]",
                    "frstor [{inp}]",
                    $bytes,
                    "pushfq",
                    "pop {fout}",
                    "fnsave [{out}]",
                    "frstor [{save}]",
                    fin = in(reg) io.flags,
                    save = in(reg) save.as_mut_ptr(),
                    inp = in(reg) io.image.as_ptr(),
                    out = in(reg) out.as_mut_ptr(),
                    fout = out(reg) fout,
                    in("rax") io.mem.as_mut_ptr(),
                );
            }
            io.image = out;
            io.flags = fout;
        }
    };
}

/// xorshift64*.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// An extended value biased to the special classes.
    fn value(&mut self) -> Reg80 {
        let sign = if self.below(2) == 0 { 0 } else { 0x8000 };
        let r = self.next();
        let (e, sig) = match self.below(17) {
            0 => (0, 0),
            1 => (0, r >> 1 >> self.below(63)), // denormal
            2 => (0, r | 1 << 63),              // pseudo-denormal
            3 => (0x7FFF, 1 << 63),             // infinity
            4 => (0x7FFF, (1 << 63) | (1 << 62) | (r >> 3)), // QNaN
            5 => (0x7FFF, (1 << 63) | ((r >> 2) | 1)), // SNaN (maybe)
            6 => (1 + self.below(3) as u16, r | 1 << 63), // tiny normals
            7 => (0x7FFE - self.below(3) as u16, r | 1 << 63), // huge normals
            8 => (
                0x3FFF + self.below(70) as u16,
                (r | 1 << 63) & !((1 << self.below(64)) - 1),
            ), // integers-ish
            9 => match self.below(4) {
                0 => (0x3FFF, r >> 1),                                           // unnormal
                1 => (0x7FFF, 0),                                                // pseudo-infinity
                2 => (0x7FFF, (r >> 1) | 1),                                     // pseudo-NaN
                _ => (1 + self.below(0x7FFD) as u16, r >> (1 + self.below(63))), // unnormal
            },
            _ => (0x3FF0 + self.below(32) as u16, r | 1 << 63),
        };
        Reg80 { sig, se: e | sign }
    }
}

/// Memory-operand kind of a case (what random bytes to put there).
#[derive(Clone, Copy, PartialEq)]
enum Mem {
    None,
    F32,
    F64,
    F80,
    I16,
    I32,
    I64,
    Bcd,
}

fn random_mem(rng: &mut Rng, kind: Mem) -> [u8; 16] {
    let mut m = [0u8; 16];
    for b in m.iter_mut() {
        *b = rng.next() as u8;
    }
    let v = rng.value();
    match kind {
        Mem::F32 => {
            // Via the biased extended value's class: keep sign/class mix.
            let bits: u32 = match rng.below(6) {
                0 => (v.se as u32 & 0x8000) << 16,
                1 => (v.se as u32 & 0x8000) << 16 | (rng.next() as u32 & 0x7F_FFFF), // denormal
                2 => 0x7F80_0000 | (rng.next() as u32 & 0x7F_FFFF),                  // inf/NaN
                _ => rng.next() as u32,
            };
            m[..4].copy_from_slice(&bits.to_le_bytes());
        }
        Mem::F64 => {
            let bits: u64 = match rng.below(6) {
                0 => 0,
                1 => rng.next() & ((1 << 52) - 1) | (rng.next() & (1 << 63)),
                2 => 0x7FF0_0000_0000_0000 | (rng.next() & ((1 << 52) - 1)),
                _ => rng.next(),
            };
            m[..8].copy_from_slice(&bits.to_le_bytes());
        }
        Mem::F80 => m[..10].copy_from_slice(&v.to_bytes()),
        Mem::I16 | Mem::I32 | Mem::I64 => {
            if rng.below(3) == 0 {
                let small = (rng.below(200) as i64 - 100) as u64;
                m[..8].copy_from_slice(&small.to_le_bytes());
            }
        }
        Mem::Bcd => {
            let mut digits = 0u128;
            for k in 0..18 {
                digits |= u128::from(rng.below(10) as u8) << (4 * k);
            }
            m[..10].copy_from_slice(&digits.to_le_bytes()[..10]);
            m[9] = if rng.below(2) == 0 { 0 } else { 0x80 };
        }
        Mem::None => {}
    }
    m
}

fn random_state(rng: &mut Rng) -> FpuState {
    let mut f = FpuState::reset();
    f.init();
    f.top = rng.below(8) as u8;
    let used = match rng.below(10) {
        0 => 0,
        1 => 1,
        2 => 8,
        3 => rng.below(9) as u8,
        _ => 2 + rng.below(2) as u8,
    };
    for i in 0..used {
        f.set_st(i, rng.value());
    }
    let masks = if rng.below(5) == 0 {
        rng.next() as u16 & 0x3F
    } else {
        0x3F
    };
    let rc = (rng.below(4) as u16) << 10;
    let pc = [0u16, 2, 3, 3][rng.below(4) as usize] << 8;
    f.set_control_word(masks | rc | pc);
    // Random C0–C3 and masked sticky flags only (nothing pending).
    f.sw = (rng.next() as u16 & 0x4700) | (rng.next() as u16 & masks & 0x3F);
    f
}

/// The host FSAVE image (32-bit protected layout) of a state.
fn image(f: &FpuState) -> [u8; 108] {
    let mut b = [0u8; 108];
    b[0..2].copy_from_slice(&f.cw.to_le_bytes());
    b[4..6].copy_from_slice(&f.status_word().to_le_bytes());
    b[8..10].copy_from_slice(&f.tag_word().to_le_bytes());
    for i in 0..8u8 {
        let at = 28 + 10 * usize::from(i);
        b[at..at + 10].copy_from_slice(&f.st(i).to_bytes());
    }
    b
}

fn parse(b: &[u8; 108]) -> (u16, u16, u16, [Reg80; 8]) {
    let w = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
    let mut st = [Reg80::ZERO; 8];
    for (i, r) in st.iter_mut().enumerate() {
        let mut t = [0u8; 10];
        t.copy_from_slice(&b[28 + 10 * i..38 + 10 * i]);
        *r = Reg80::from_bytes(t);
    }
    (w(0), w(4), w(8), st)
}

const FLAG_BITS: u64 = 0x8D5;

/// The ox86 encoding of a case: a memory form's ModR/M gets rm = 110
/// (disp16 0200h).
fn encode(bytes: &[u8], mem: Mem) -> Vec<u8> {
    let mut code = bytes.to_vec();
    if mem != Mem::None {
        code[1] = (code[1] & 0x38) | 0x06;
        code.extend_from_slice(&[0x00, 0x02]);
    }
    code
}

/// Run one instruction (ox86 code at `at`) from state `st` on both and
/// compare; returns the resulting state.
fn one(
    cpu: &mut Cpu,
    at: u64,
    code_len: usize,
    host: fn(&mut HostIo),
    (st, m, fl): (&FpuState, [u8; 16], u64),
    ctx: &dyn Fn() -> String,
) -> FpuState {
    let mut io = HostIo {
        image: image(st),
        mem: m,
        flags: fl,
    };
    host(&mut io);
    cpu.state.rip = at;
    cpu.state.fpu = st.clone();
    cpu.state.flags.set_arith(fl as u32);
    cpu.mem.write_bytes(0x200, &m);
    step(cpu);
    let (hcw, hsw, htw, hst) = parse(&io.image);
    let f = &cpu.state.fpu;
    assert_eq!(cpu.state.rip, at + code_len as u64, "{} (faulted)", ctx());
    assert_eq!(f.cw, hcw, "cw: {}", ctx());
    assert_eq!(f.status_word(), hsw, "sw: {}", ctx());
    assert_eq!(f.tag_word(), htw, "tag: {}", ctx());
    for i in 0..8u8 {
        if (htw >> (2 * f.phys(i))) & 3 != TAG_EMPTY {
            assert_eq!(f.st(i), hst[usize::from(i)], "ST{i}: {}", ctx());
        }
    }
    let mut ours = [0u8; 16];
    for (k, b) in ours.iter_mut().enumerate() {
        *b = cpu.mem.read(0x200 + k as u32, 1) as u8;
    }
    assert_eq!(ours, io.mem, "memory: {}", ctx());
    assert_eq!(
        u64::from(cpu.state.flags.eflags()) & FLAG_BITS,
        io.flags & FLAG_BITS,
        "eflags: {}",
        ctx()
    );
    cpu.state.fpu.clone()
}

/// Run `n` random cases of one instruction on both.
fn diff(name: &str, host: fn(&mut HostIo), bytes: &[u8], mem: Mem, n: usize, seed: u64) {
    let code = encode(bytes, mem);
    let mut cpu: Cpu = fpu_cpu(&code);
    let mut rng = Rng(seed);
    for case in 0..n {
        let st = random_state(&mut rng);
        let m = random_mem(&mut rng, mem);
        let fl = (rng.next() & FLAG_BITS) | 2;
        let ctx = || format!("{name} case {case}: in {st:x?} mem {m:x?}");
        one(&mut cpu, 0x100, code.len(), host, (&st, m, fl), &ctx);
    }
}

macro_rules! cases {
    ($($name:ident: $asm:literal, [$($b:expr),*], $mem:ident;)*) => {
        $(host!($name, $asm);)*
        const CASES: &[(&str, fn(&mut HostIo), &[u8], Mem)] = &[
            $((stringify!($name), $name, &[$($b),*], Mem::$mem),)*
        ];
    };
}

cases! {
    fadd_st0_st1: ".byte 0xD8, 0xC1", [0xD8, 0xC1], None;
    fmul_st0_st1: ".byte 0xD8, 0xC9", [0xD8, 0xC9], None;
    fsub_st1_st0: ".byte 0xDC, 0xE9", [0xDC, 0xE9], None;
    fsubr_st0_st1: ".byte 0xD8, 0xE9", [0xD8, 0xE9], None;
    fdivr_st0_st1: ".byte 0xD8, 0xF9", [0xD8, 0xF9], None;
    fdivp_st1_st0: ".byte 0xDE, 0xF9", [0xDE, 0xF9], None;
    fdivrp_st1_st0: ".byte 0xDE, 0xF1", [0xDE, 0xF1], None;
    fsubp_st2_st0: ".byte 0xDE, 0xEA", [0xDE, 0xEA], None;
    fadd_m64: ".byte 0xDC, 0x00", [0xDC, 0x00], F64;
    fdiv_m32: ".byte 0xD8, 0x30", [0xD8, 0x30], F32;
    fsubr_m64: ".byte 0xDC, 0x28", [0xDC, 0x28], F64;
    fisub_m32: ".byte 0xDA, 0x20", [0xDA, 0x20], I32;
    fidivr_m16: ".byte 0xDE, 0x38", [0xDE, 0x38], I16;
    fimul_m16: ".byte 0xDE, 0x08", [0xDE, 0x08], I16;
    fsqrt: ".byte 0xD9, 0xFA", [0xD9, 0xFA], None;
    frndint: ".byte 0xD9, 0xFC", [0xD9, 0xFC], None;
    fscale: ".byte 0xD9, 0xFD", [0xD9, 0xFD], None;
    fxtract: ".byte 0xD9, 0xF4", [0xD9, 0xF4], None;
    fprem: ".byte 0xD9, 0xF8", [0xD9, 0xF8], None;
    fprem1: ".byte 0xD9, 0xF5", [0xD9, 0xF5], None;
    fcom_st1: ".byte 0xD8, 0xD1", [0xD8, 0xD1], None;
    fucom_st1: ".byte 0xDD, 0xE1", [0xDD, 0xE1], None;
    fcompp: ".byte 0xDE, 0xD9", [0xDE, 0xD9], None;
    fucompp: ".byte 0xDA, 0xE9", [0xDA, 0xE9], None;
    ftst: ".byte 0xD9, 0xE4", [0xD9, 0xE4], None;
    fxam: ".byte 0xD9, 0xE5", [0xD9, 0xE5], None;
    fcomi: ".byte 0xDB, 0xF1", [0xDB, 0xF1], None;
    fucomip: ".byte 0xDF, 0xE9", [0xDF, 0xE9], None;
    fcom_m32: ".byte 0xD8, 0x10", [0xD8, 0x10], F32;
    fcomp_m64: ".byte 0xDC, 0x18", [0xDC, 0x18], F64;
    ficomp_m16: ".byte 0xDE, 0x18", [0xDE, 0x18], I16;
    fld_m32: ".byte 0xD9, 0x00", [0xD9, 0x00], F32;
    fld_m64: ".byte 0xDD, 0x00", [0xDD, 0x00], F64;
    fld_m80: ".byte 0xDB, 0x28", [0xDB, 0x28], F80;
    fild_m64: ".byte 0xDF, 0x28", [0xDF, 0x28], I64;
    fild_m16: ".byte 0xDF, 0x00", [0xDF, 0x00], I16;
    fbld: ".byte 0xDF, 0x20", [0xDF, 0x20], Bcd;
    fstp_m32: ".byte 0xD9, 0x18", [0xD9, 0x18], F32;
    fst_m64: ".byte 0xDD, 0x10", [0xDD, 0x10], F64;
    fstp_m80: ".byte 0xDB, 0x38", [0xDB, 0x38], F80;
    fistp_m32: ".byte 0xDB, 0x18", [0xDB, 0x18], I32;
    fistp_m64: ".byte 0xDF, 0x38", [0xDF, 0x38], I64;
    fist_m16: ".byte 0xDF, 0x10", [0xDF, 0x10], I16;
    fbstp: ".byte 0xDF, 0x30", [0xDF, 0x30], Bcd;
    fxch_st1: ".byte 0xD9, 0xC9", [0xD9, 0xC9], None;
    fld_st2: ".byte 0xD9, 0xC2", [0xD9, 0xC2], None;
    fstp_st2: ".byte 0xDD, 0xDA", [0xDD, 0xDA], None;
    fst_st1: ".byte 0xDD, 0xD1", [0xDD, 0xD1], None;
    fchs: ".byte 0xD9, 0xE0", [0xD9, 0xE0], None;
    fabs: ".byte 0xD9, 0xE1", [0xD9, 0xE1], None;
    fld1: ".byte 0xD9, 0xE8", [0xD9, 0xE8], None;
    fldz: ".byte 0xD9, 0xEE", [0xD9, 0xEE], None;
    fldpi: ".byte 0xD9, 0xEB", [0xD9, 0xEB], None;
    fldl2e: ".byte 0xD9, 0xEA", [0xD9, 0xEA], None;
    fldl2t: ".byte 0xD9, 0xE9", [0xD9, 0xE9], None;
    fldlg2: ".byte 0xD9, 0xEC", [0xD9, 0xEC], None;
    fldln2: ".byte 0xD9, 0xED", [0xD9, 0xED], None;
    fcmovb_st1: ".byte 0xDA, 0xC1", [0xDA, 0xC1], None;
    fcmovnbe_st1: ".byte 0xDB, 0xD1", [0xDB, 0xD1], None;
    fcmovu_st1: ".byte 0xDA, 0xD9", [0xDA, 0xD9], None;
    fincstp: ".byte 0xD9, 0xF7", [0xD9, 0xF7], None;
    fdecstp: ".byte 0xD9, 0xF6", [0xD9, 0xF6], None;
    ffree_st1: ".byte 0xDD, 0xC1", [0xDD, 0xC1], None;
    ffreep_st1: ".byte 0xDF, 0xC1", [0xDF, 0xC1], None;
    fnop: ".byte 0xD9, 0xD0", [0xD9, 0xD0], None;
    fxch_alias_dd: ".byte 0xDD, 0xC9", [0xDD, 0xC9], None;
    fxch_alias_df: ".byte 0xDF, 0xCA", [0xDF, 0xCA], None;
    fstp_alias_d9: ".byte 0xD9, 0xD9", [0xD9, 0xD9], None;
    fstp_alias_dfd0: ".byte 0xDF, 0xD1", [0xDF, 0xD1], None;
    fstp_alias_dfd8: ".byte 0xDF, 0xDA", [0xDF, 0xDA], None;
    fcom_alias_dc: ".byte 0xDC, 0xD1", [0xDC, 0xD1], None;
    fcomp_alias_dc: ".byte 0xDC, 0xD9", [0xDC, 0xD9], None;
    fcomp_alias_de: ".byte 0xDE, 0xD1", [0xDE, 0xD1], None;
    fcomp_st2: ".byte 0xD8, 0xDA", [0xD8, 0xDA], None;
    fucomp_st1: ".byte 0xDD, 0xE9", [0xDD, 0xE9], None;
    fucomi_st2: ".byte 0xDB, 0xEA", [0xDB, 0xEA], None;
    fcomip_st1: ".byte 0xDF, 0xF1", [0xDF, 0xF1], None;
    fcmove_st2: ".byte 0xDA, 0xCA", [0xDA, 0xCA], None;
    fcmovbe_st1: ".byte 0xDA, 0xD1", [0xDA, 0xD1], None;
    fcmovnb_st1: ".byte 0xDB, 0xC1", [0xDB, 0xC1], None;
    fcmovne_st1: ".byte 0xDB, 0xC9", [0xDB, 0xC9], None;
    fcmovnu_st1: ".byte 0xDB, 0xD9", [0xDB, 0xD9], None;
    faddp_st3_st0: ".byte 0xDE, 0xC3", [0xDE, 0xC3], None;
    fmulp_st1_st0: ".byte 0xDE, 0xC9", [0xDE, 0xC9], None;
    fdiv_st0_st2: ".byte 0xD8, 0xF2", [0xD8, 0xF2], None;
    fdiv_st2_st0: ".byte 0xDC, 0xFA", [0xDC, 0xFA], None;
    fdivr_st2_st0: ".byte 0xDC, 0xF2", [0xDC, 0xF2], None;
    fsubr_st1_st0: ".byte 0xDC, 0xE1", [0xDC, 0xE1], None;
    fsubrp_st1_st0: ".byte 0xDE, 0xE1", [0xDE, 0xE1], None;
    fsub_m32: ".byte 0xD8, 0x20", [0xD8, 0x20], F32;
    fmul_m64: ".byte 0xDC, 0x08", [0xDC, 0x08], F64;
    fdivr_m64: ".byte 0xDC, 0x38", [0xDC, 0x38], F64;
    fiadd_m16: ".byte 0xDE, 0x00", [0xDE, 0x00], I16;
    fidiv_m32: ".byte 0xDA, 0x30", [0xDA, 0x30], I32;
    ficom_m32: ".byte 0xDA, 0x10", [0xDA, 0x10], I32;
    fild_m32: ".byte 0xDB, 0x00", [0xDB, 0x00], I32;
    fst_m32: ".byte 0xD9, 0x10", [0xD9, 0x10], F32;
    fstp_m64: ".byte 0xDD, 0x18", [0xDD, 0x18], F64;
    fist_m32: ".byte 0xDB, 0x10", [0xDB, 0x10], I32;
    fistp_m16: ".byte 0xDF, 0x18", [0xDF, 0x18], I16;
}

#[test]
fn x87_instructions_match_the_host() {
    let n: usize = std::env::var("OX86_X87_DIFF_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50_000);
    for (k, (name, host, bytes, mem)) in CASES.iter().enumerate() {
        diff(
            name,
            *host,
            bytes,
            *mem,
            n,
            0x9E37_79B9_7F4A_7C15 ^ k as u64,
        );
    }
}

/// FNSTENV on the host (32-bit protected-mode layout in 64-bit code).
fn host_fnstenv(image: &[u8; 108]) -> [u8; 28] {
    let mut save = [0u8; 108];
    let mut env = [0u8; 28];
    // SAFETY: FNSAVE saves the host x87 state into `save` (108 bytes, a
    // live local), FRSTOR loads the test image (no unmasked exception
    // pending), FNSTENV stores 28 bytes into `env` (a live local) and masks
    // exceptions, and FRSTOR restores the host state. No flags or stack
    // are involved.
    unsafe {
        core::arch::asm!(
            "fnsave [{save}]",
            "frstor [{inp}]",
            "fnstenv [{env}]",
            "frstor [{save}]",
            save = in(reg) save.as_mut_ptr(),
            inp = in(reg) image.as_ptr(),
            env = in(reg) env.as_mut_ptr(),
            options(nostack, preserves_flags),
        );
    }
    env
}

/// The 32-bit protected-mode environment image: control, status and tag
/// words with their reserved upper halves, and the reserved upper half of
/// the FDS dword, match the host (FIP/FCS/FOP/FDP are the host's own).
#[test]
fn fnstenv_image_matches_the_host() {
    let mut cpu = fpu_cpu(&[0x90]);
    cpu.state.cr0 |= crate::cpu::state::cr0::PE;
    let mut rng = Rng(0x1234_5678);
    for case in 0..20_000 {
        let st = random_state(&mut rng);
        let host = host_fnstenv(&image(&st));
        cpu.state.fpu = st.clone();
        let ours = super::env::env_image(&cpu, 28);
        assert_eq!(ours[..12], host[..12], "case {case}: {st:x?}");
        assert_eq!(ours[26..], host[26..], "case {case}: {st:x?}");
    }
}

/// Random sequences of the instructions above, each starting from the
/// state the previous one left (unmasked flags cleared so that nothing is
/// pending), to exercise TOP wrap-around, tags and values produced by
/// earlier operations rather than by the generator.
#[test]
fn x87_sequences_match_the_host() {
    let n: usize = std::env::var("OX86_X87_DIFF_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50_000);
    // Each case's code at 1000h + 16 k.
    let mut cpu: Cpu = fpu_cpu(&[0x90]);
    for (k, (_, _, bytes, mem)) in CASES.iter().enumerate() {
        let code = encode(bytes, *mem);
        cpu.mem.write_bytes(0x1000 + 16 * k as u32, &code);
    }
    let mut rng = Rng(0xC0FF_EE00_D15E_A5E5);
    let mut st = random_state(&mut rng);
    for seq in 0..n {
        if seq.is_multiple_of(64) {
            st = random_state(&mut rng);
        }
        let k = rng.below(CASES.len() as u64) as usize;
        let (name, host, bytes, mem) = CASES[k];
        let code_len = encode(bytes, mem).len();
        let m = random_mem(&mut rng, mem);
        let fl = (rng.next() & FLAG_BITS) | 2;
        let prev = st.clone();
        let ctx = || format!("step {seq} {name}: in {prev:x?} mem {m:x?}");
        st = one(
            &mut cpu,
            0x1000 + 16 * k as u64,
            code_len,
            host,
            (&prev, m, fl),
            &ctx,
        );
        // Nothing may be pending when the host runs the next instruction.
        st.sw &= !(st.sw & !st.cw & 0x3F);
        st.update_es();
    }
}

host!(host_f2xm1, ".byte 0xD9, 0xF0");
host!(host_fyl2x, ".byte 0xD9, 0xF1");
host!(host_fptan, ".byte 0xD9, 0xF2");
host!(host_fpatan, ".byte 0xD9, 0xF3");
host!(host_fyl2xp1, ".byte 0xD9, 0xF9");
host!(host_fsincos, ".byte 0xD9, 0xFB");
host!(host_fsin, ".byte 0xD9, 0xFE");
host!(host_fcos, ".byte 0xD9, 0xFF");

/// The transcendentals: results may differ from the host's by 1 ulp (the
/// issue's accuracy bound; the f80 core's own host test covers values in
/// depth), and C1 of an inexact result reflects the host's internal
/// approximation, so it is not compared when PE is set. Everything else
/// (stack under/overflow, TOP, tags, C2, flags, unmasked-exception
/// behaviour) must match exactly.
#[test]
fn x87_transcendentals_match_the_host() {
    let n: usize = std::env::var("OX86_X87_DIFF_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50_000);
    type Form = (&'static str, fn(&mut HostIo), [u8; 2]);
    let forms: [Form; 8] = [
        ("f2xm1", host_f2xm1, [0xD9, 0xF0]),
        ("fyl2x", host_fyl2x, [0xD9, 0xF1]),
        ("fptan", host_fptan, [0xD9, 0xF2]),
        ("fpatan", host_fpatan, [0xD9, 0xF3]),
        ("fyl2xp1", host_fyl2xp1, [0xD9, 0xF9]),
        ("fsincos", host_fsincos, [0xD9, 0xFB]),
        ("fsin", host_fsin, [0xD9, 0xFE]),
        ("fcos", host_fcos, [0xD9, 0xFF]),
    ];
    // Ulp position of a finite value (None for exponent 7FFFh).
    let key = |r: Reg80| -> Option<i128> {
        let e = r.se & 0x7FFF;
        if e == 0x7FFF {
            return None;
        }
        let k = if e == 0 {
            r.sig as i128
        } else {
            (i128::from(e) << 63) + (r.sig & !(1 << 63)) as i128
        };
        Some(if r.se & 0x8000 != 0 { -k } else { k })
    };
    for (k, (name, host, bytes)) in forms.into_iter().enumerate() {
        let mut cpu: Cpu = fpu_cpu(&bytes);
        let mut rng = Rng(0x7A4C_E5D0_0000_0001 ^ k as u64);
        let mut off = 0u64;
        for case in 0..n {
            let st = random_state(&mut rng);
            let mut io = HostIo {
                image: image(&st),
                mem: [0; 16],
                flags: 2,
            };
            host(&mut io);
            cpu.state.rip = 0x100;
            cpu.state.fpu = st.clone();
            step(&mut cpu);
            let (hcw, hsw, htw, hst) = parse(&io.image);
            let f = &cpu.state.fpu;
            let ctx = || format!("{name} case {case}: in {st:x?}");
            assert_eq!(cpu.state.rip, 0x102, "{} (faulted)", ctx());
            assert_eq!(f.cw, hcw, "cw: {}", ctx());
            let c1 = if hsw & 0x20 != 0 { 0x200 } else { 0 };
            assert_eq!(
                f.status_word() & !c1,
                hsw & !c1,
                "sw: {} ox86 {:#x}",
                ctx(),
                f.status_word()
            );
            assert_eq!(f.tag_word(), htw, "tag: {}", ctx());
            for i in 0..8u8 {
                if (htw >> (2 * f.phys(i))) & 3 == TAG_EMPTY {
                    continue;
                }
                let (ours, theirs) = (f.st(i), hst[usize::from(i)]);
                if ours == theirs {
                    continue;
                }
                let near =
                    matches!((key(ours), key(theirs)), (Some(a), Some(b)) if (a - b).abs() <= 1);
                assert!(near, "ST{i}: ox86 {ours:x?} host {theirs:x?}: {}", ctx());
                off += 1;
            }
        }
        eprintln!("{name}: {n} random states, {off} registers 1 ulp off the host");
    }
}
