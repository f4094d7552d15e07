//! Differential tests against the host CPU (compiled for tests on x86-64
//! hosts only: `#[cfg(all(test, target_arch = "x86_64"))]` in `exec/mod.rs`).
//!
//! Each operation runs on the host with `asm!` (flags loaded with POPFQ and
//! read back with PUSHFQ) and on ox86 (the same instruction encoded for
//! 16-bit real mode, with 66h for 32-bit operands, executed by the step
//! interpreter), over seeded pseudo-random operands biased to edge values
//! (0, 1, all ones, sign boundaries), and results and flags are compared.
//! DAA/DAS/AAA/AAS/AAM/AAD do not exist in 64-bit mode and are not covered.
//!
//! ox86 models Intel behaviour for undefined flags. On a GenuineIntel host
//! every arithmetic flag is compared; on any other vendor (AMD differs in
//! undefined flags) only the architecturally defined ones are:
//! - ADD/ADC/SUB/SBB/INC/DEC/NEG: all six flags;
//! - AND/OR/XOR: all but AF;
//! - SHL/SHR: SF, ZF, PF, plus CF when the masked count is below the
//!   operand width, plus OF when it is 1 (AF is masked); SAR: the same, CF
//!   always; ROL/ROR/RCL/RCR: CF, the untouched SF/ZF/AF/PF, and OF when the
//!   count is 1; a masked count of 0: all six (unchanged);
//! - SHLD/SHRD: CF, SF, ZF, PF, OF when the count is 1; with a 16-bit count
//!   above 16 nothing (result and flags undefined);
//! - MUL/IMUL: CF and OF; BT/BTS/BTR/BTC: CF and the unaffected ZF;
//!   BSF/BSR: ZF.

use crate::cpu::exec::testutil::{cpu_with, step};
use crate::cpu::flags::{AF, ARITH, CF, OF, PF, SF, ZF};
use crate::cpu::state::size_mask;
use crate::cpu::CpuModel;

/// Registers in and out of one host instruction: A = RAX, B = RSI,
/// C = RCX (shift counts), D = RDX, and RFLAGS.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Regs {
    a: u64,
    b: u64,
    c: u64,
    d: u64,
    flags: u64,
}

/// Define a host function running one instruction on [`Regs`].
macro_rules! host {
    ($name:ident, $insn:literal) => {
        fn $name(r: &mut Regs) {
            // SAFETY: the template loads RFLAGS from an operand (only the
            // arithmetic bits and the reserved bit 1 are set, so TF, DF and
            // IF are unchanged / clear), runs one arithmetic instruction on
            // the registers named as operands, and reads RFLAGS back. The
            // two pushes are balanced by the two pops; the stack may be used
            // because `nostack` is not given, and flags are clobbered
            // because `preserves_flags` is not given.
            unsafe {
                core::arch::asm!(
                    "push {fl}",
                    "popfq",
                    $insn,
                    "pushfq",
                    "pop {fl}",
                    fl = inout(reg) r.flags,
                    inout("rax") r.a,
                    inout("rsi") r.b,
                    inout("rcx") r.c,
                    inout("rdx") r.d,
                );
            }
        }
    };
}

host!(add8, "add al, sil");
host!(add16, "add ax, si");
host!(add32, "add eax, esi");
host!(adc8, "adc al, sil");
host!(adc16, "adc ax, si");
host!(adc32, "adc eax, esi");
host!(sub8, "sub al, sil");
host!(sub16, "sub ax, si");
host!(sub32, "sub eax, esi");
host!(sbb8, "sbb al, sil");
host!(sbb16, "sbb ax, si");
host!(sbb32, "sbb eax, esi");
host!(and8, "and al, sil");
host!(and16, "and ax, si");
host!(and32, "and eax, esi");
host!(or8, "or al, sil");
host!(or16, "or ax, si");
host!(or32, "or eax, esi");
host!(xor8, "xor al, sil");
host!(xor16, "xor ax, si");
host!(xor32, "xor eax, esi");
host!(inc8, "inc al");
host!(inc16, "inc ax");
host!(inc32, "inc eax");
host!(dec8, "dec al");
host!(dec16, "dec ax");
host!(dec32, "dec eax");
host!(neg8, "neg al");
host!(neg16, "neg ax");
host!(neg32, "neg eax");
host!(rol8, "rol al, cl");
host!(rol16, "rol ax, cl");
host!(rol32, "rol eax, cl");
host!(ror8, "ror al, cl");
host!(ror16, "ror ax, cl");
host!(ror32, "ror eax, cl");
host!(rcl8, "rcl al, cl");
host!(rcl16, "rcl ax, cl");
host!(rcl32, "rcl eax, cl");
host!(rcr8, "rcr al, cl");
host!(rcr16, "rcr ax, cl");
host!(rcr32, "rcr eax, cl");
host!(shl8, "shl al, cl");
host!(shl16, "shl ax, cl");
host!(shl32, "shl eax, cl");
host!(shr8, "shr al, cl");
host!(shr16, "shr ax, cl");
host!(shr32, "shr eax, cl");
host!(sar8, "sar al, cl");
host!(sar16, "sar ax, cl");
host!(sar32, "sar eax, cl");
host!(shld16, "shld ax, si, cl");
host!(shld32, "shld eax, esi, cl");
host!(shrd16, "shrd ax, si, cl");
host!(shrd32, "shrd eax, esi, cl");
host!(mul8, "mul sil");
host!(mul16, "mul si");
host!(mul32, "mul esi");
host!(imul8, "imul sil");
host!(imul16, "imul si");
host!(imul32, "imul esi");
host!(imul2_16, "imul ax, si");
host!(imul2_32, "imul eax, esi");
host!(bt16, "bt ax, si");
host!(bt32, "bt eax, esi");
host!(bts16, "bts ax, si");
host!(bts32, "bts eax, esi");
host!(btr16, "btr ax, si");
host!(btr32, "btr eax, esi");
host!(btc16, "btc ax, si");
host!(btc32, "btc eax, esi");
host!(bsf16, "bsf ax, si");
host!(bsf32, "bsf eax, esi");
host!(bsr16, "bsr ax, si");
host!(bsr32, "bsr eax, esi");

/// What an operation is, for operand generation and defined-flag masks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Arith,
    Logic,
    /// SHL or SHR.
    ShiftLogical,
    Sar,
    /// ROL, ROR, RCL, RCR.
    Rotate,
    DoubleShift,
    Mul,
    BitTest,
    BitScan,
}

struct Op {
    name: &'static str,
    size: u32,
    kind: Kind,
    /// ox86 encoding: destination AX/EAX (or AL), source BX/EBX, count CL.
    code: &'static [u8],
    host: fn(&mut Regs),
}

const fn op(
    name: &'static str,
    size: u32,
    kind: Kind,
    code: &'static [u8],
    host: fn(&mut Regs),
) -> Op {
    Op {
        name,
        size,
        kind,
        code,
        host,
    }
}

use Kind::*;

/// Every operation compared (8/16/32-bit forms).
const OPS: &[Op] = &[
    op("add8", 1, Arith, &[0x00, 0xD8], add8),
    op("add16", 2, Arith, &[0x01, 0xD8], add16),
    op("add32", 4, Arith, &[0x66, 0x01, 0xD8], add32),
    op("adc8", 1, Arith, &[0x10, 0xD8], adc8),
    op("adc16", 2, Arith, &[0x11, 0xD8], adc16),
    op("adc32", 4, Arith, &[0x66, 0x11, 0xD8], adc32),
    op("sub8", 1, Arith, &[0x28, 0xD8], sub8),
    op("sub16", 2, Arith, &[0x29, 0xD8], sub16),
    op("sub32", 4, Arith, &[0x66, 0x29, 0xD8], sub32),
    op("sbb8", 1, Arith, &[0x18, 0xD8], sbb8),
    op("sbb16", 2, Arith, &[0x19, 0xD8], sbb16),
    op("sbb32", 4, Arith, &[0x66, 0x19, 0xD8], sbb32),
    op("and8", 1, Logic, &[0x20, 0xD8], and8),
    op("and16", 2, Logic, &[0x21, 0xD8], and16),
    op("and32", 4, Logic, &[0x66, 0x21, 0xD8], and32),
    op("or8", 1, Logic, &[0x08, 0xD8], or8),
    op("or16", 2, Logic, &[0x09, 0xD8], or16),
    op("or32", 4, Logic, &[0x66, 0x09, 0xD8], or32),
    op("xor8", 1, Logic, &[0x30, 0xD8], xor8),
    op("xor16", 2, Logic, &[0x31, 0xD8], xor16),
    op("xor32", 4, Logic, &[0x66, 0x31, 0xD8], xor32),
    op("inc8", 1, Arith, &[0xFE, 0xC0], inc8),
    op("inc16", 2, Arith, &[0x40], inc16),
    op("inc32", 4, Arith, &[0x66, 0x40], inc32),
    op("dec8", 1, Arith, &[0xFE, 0xC8], dec8),
    op("dec16", 2, Arith, &[0x48], dec16),
    op("dec32", 4, Arith, &[0x66, 0x48], dec32),
    op("neg8", 1, Arith, &[0xF6, 0xD8], neg8),
    op("neg16", 2, Arith, &[0xF7, 0xD8], neg16),
    op("neg32", 4, Arith, &[0x66, 0xF7, 0xD8], neg32),
    op("rol8", 1, Rotate, &[0xD2, 0xC0], rol8),
    op("rol16", 2, Rotate, &[0xD3, 0xC0], rol16),
    op("rol32", 4, Rotate, &[0x66, 0xD3, 0xC0], rol32),
    op("ror8", 1, Rotate, &[0xD2, 0xC8], ror8),
    op("ror16", 2, Rotate, &[0xD3, 0xC8], ror16),
    op("ror32", 4, Rotate, &[0x66, 0xD3, 0xC8], ror32),
    op("rcl8", 1, Rotate, &[0xD2, 0xD0], rcl8),
    op("rcl16", 2, Rotate, &[0xD3, 0xD0], rcl16),
    op("rcl32", 4, Rotate, &[0x66, 0xD3, 0xD0], rcl32),
    op("rcr8", 1, Rotate, &[0xD2, 0xD8], rcr8),
    op("rcr16", 2, Rotate, &[0xD3, 0xD8], rcr16),
    op("rcr32", 4, Rotate, &[0x66, 0xD3, 0xD8], rcr32),
    op("shl8", 1, ShiftLogical, &[0xD2, 0xE0], shl8),
    op("shl16", 2, ShiftLogical, &[0xD3, 0xE0], shl16),
    op("shl32", 4, ShiftLogical, &[0x66, 0xD3, 0xE0], shl32),
    op("shr8", 1, ShiftLogical, &[0xD2, 0xE8], shr8),
    op("shr16", 2, ShiftLogical, &[0xD3, 0xE8], shr16),
    op("shr32", 4, ShiftLogical, &[0x66, 0xD3, 0xE8], shr32),
    op("sar8", 1, Sar, &[0xD2, 0xF8], sar8),
    op("sar16", 2, Sar, &[0xD3, 0xF8], sar16),
    op("sar32", 4, Sar, &[0x66, 0xD3, 0xF8], sar32),
    op("shld16", 2, DoubleShift, &[0x0F, 0xA5, 0xD8], shld16),
    op("shld32", 4, DoubleShift, &[0x66, 0x0F, 0xA5, 0xD8], shld32),
    op("shrd16", 2, DoubleShift, &[0x0F, 0xAD, 0xD8], shrd16),
    op("shrd32", 4, DoubleShift, &[0x66, 0x0F, 0xAD, 0xD8], shrd32),
    op("mul8", 1, Mul, &[0xF6, 0xE3], mul8),
    op("mul16", 2, Mul, &[0xF7, 0xE3], mul16),
    op("mul32", 4, Mul, &[0x66, 0xF7, 0xE3], mul32),
    op("imul8", 1, Mul, &[0xF6, 0xEB], imul8),
    op("imul16", 2, Mul, &[0xF7, 0xEB], imul16),
    op("imul32", 4, Mul, &[0x66, 0xF7, 0xEB], imul32),
    op("imul ax,bx", 2, Mul, &[0x0F, 0xAF, 0xC3], imul2_16),
    op("imul eax,ebx", 4, Mul, &[0x66, 0x0F, 0xAF, 0xC3], imul2_32),
    op("bt16", 2, BitTest, &[0x0F, 0xA3, 0xD8], bt16),
    op("bt32", 4, BitTest, &[0x66, 0x0F, 0xA3, 0xD8], bt32),
    op("bts16", 2, BitTest, &[0x0F, 0xAB, 0xD8], bts16),
    op("bts32", 4, BitTest, &[0x66, 0x0F, 0xAB, 0xD8], bts32),
    op("btr16", 2, BitTest, &[0x0F, 0xB3, 0xD8], btr16),
    op("btr32", 4, BitTest, &[0x66, 0x0F, 0xB3, 0xD8], btr32),
    op("btc16", 2, BitTest, &[0x0F, 0xBB, 0xD8], btc16),
    op("btc32", 4, BitTest, &[0x66, 0x0F, 0xBB, 0xD8], btc32),
    op("bsf16", 2, BitScan, &[0x0F, 0xBC, 0xC3], bsf16),
    op("bsf32", 4, BitScan, &[0x66, 0x0F, 0xBC, 0xC3], bsf32),
    op("bsr16", 2, BitScan, &[0x0F, 0xBD, 0xC3], bsr16),
    op("bsr32", 4, BitScan, &[0x66, 0x0F, 0xBD, 0xC3], bsr32),
];

/// xorshift64* pseudo-random numbers (deterministic, seeded).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// An operand of `size` bytes, biased towards edge values.
    fn operand(&mut self, size: u32) -> u64 {
        let m = size_mask(size);
        let sign = 1u64 << (size * 8 - 1);
        let small = self.next() % 64;
        match self.next() % 8 {
            0 => {
                let edges = [0, 1, 2, m, m - 1, sign, sign - 1, sign + 1, 0x0F, 0x10];
                edges[(self.next() % edges.len() as u64) as usize] & m
            }
            1 => small,
            2 => m - small,
            3 => sign ^ small,
            4 => (sign - 1) ^ small,
            _ => self.next() & m,
        }
    }

    /// A shift count: mostly around the operand width, sometimes any byte.
    fn count(&mut self, size: u32) -> u64 {
        match self.next() % 4 {
            0 => self.next() % 256,
            1 => self.next() % 4,
            _ => self.next() % u64::from(size * 8 + 2),
        }
    }
}

/// Whether the host CPU is GenuineIntel.
fn host_is_intel() -> bool {
    // SAFETY: CPUID leaf 0 exists on every x86-64 processor. (The intrinsic
    // is a safe function in newer Rust releases, hence the allow.)
    #[allow(unused_unsafe)]
    let r = unsafe { core::arch::x86_64::__cpuid(0) };
    let mut id = [0u8; 12];
    id[..4].copy_from_slice(&r.ebx.to_le_bytes());
    id[4..8].copy_from_slice(&r.edx.to_le_bytes());
    id[8..].copy_from_slice(&r.ecx.to_le_bytes());
    &id == b"GenuineIntel"
}

/// Architecturally defined flags of `op` for count `c` (see module docs),
/// and whether the result is defined.
fn defined(op: &Op, c: u64) -> (u32, bool) {
    let width = u64::from(op.size * 8);
    let c = c & 0x1F;
    match op.kind {
        Arith => (ARITH, true),
        Logic => (ARITH & !AF, true),
        ShiftLogical | Sar | Rotate | DoubleShift if c == 0 => (ARITH, true),
        ShiftLogical | Sar => {
            let mut f = SF | ZF | PF;
            if op.kind == Sar || c < width {
                f |= CF;
            }
            if c == 1 {
                f |= OF;
            }
            (f, true)
        }
        Rotate => (CF | SF | ZF | AF | PF | if c == 1 { OF } else { 0 }, true),
        DoubleShift if c > width => (0, false),
        DoubleShift => (CF | SF | ZF | PF | if c == 1 { OF } else { 0 }, true),
        Mul => (CF | OF, true),
        BitTest => (CF | ZF, true),
        BitScan => (ZF, true),
    }
}

/// Run `iterations` random cases of `op` on the host and on ox86. Flags
/// of ox86's result are XORed with `tamper` (a self-test of the
/// comparison). Returns the number of mismatches and the first few.
fn run_op(op: &Op, intel: bool, iterations: u32, seed: u64, tamper: u32) -> (u32, Vec<String>) {
    let mut rng = Rng(seed | 1);
    let mut cpu = cpu_with(CpuModel::Pentium, op.code);
    let m = size_mask(op.size);
    let mut fails = 0;
    let mut shown = Vec::new();
    for _ in 0..iterations {
        let a = rng.operand(op.size);
        let b = rng.operand(op.size);
        let c = rng.count(op.size);
        let d = rng.operand(op.size);
        let flags_in = (rng.next() as u32) & ARITH;

        let mut host = Regs {
            a,
            b,
            c,
            d,
            flags: u64::from(flags_in) | 0x2,
        };
        (op.host)(&mut host);

        cpu.state.rip = 0x100;
        cpu.state.regs[0] = a;
        cpu.state.regs[1] = c;
        cpu.state.regs[2] = d;
        cpu.state.regs[3] = b;
        cpu.state.flags.set_masked(flags_in, ARITH);
        step(&mut cpu);
        let emu = Regs {
            a: cpu.state.regs[0],
            b: cpu.state.regs[3],
            c: cpu.state.regs[1],
            d: cpu.state.regs[2],
            flags: u64::from((cpu.state.flags.eflags() ^ tamper) & ARITH),
        };

        let (flag_mask, result_defined) = if intel { (ARITH, true) } else { defined(op, c) };
        // RDX takes the high half of one-operand MUL/IMUL; only the low
        // `size` bytes of each register are architectural here.
        let a_mask = if op.kind == Mul && op.size == 1 {
            0xFFFF // AX = AL × r/m8
        } else {
            m
        };
        let (a_mask, reg_mask) = if result_defined { (a_mask, m) } else { (0, 0) };
        let same = (host.a ^ emu.a) & a_mask == 0
            && (host.b ^ emu.b) & m == 0
            && (host.d ^ emu.d) & reg_mask == 0
            && (host.flags as u32 ^ emu.flags as u32) & flag_mask == 0
            && cpu.state.rip == 0x100 + op.code.len() as u64;
        if !same {
            fails += 1;
            if shown.len() < 8 {
                shown.push(format!(
                    "{}: a={a:#x} b={b:#x} cl={c:#x} d={d:#x} flags_in={flags_in:#05x}: \
                     host a={:#x} d={:#x} flags={:#05x}, ox86 a={:#x} d={:#x} flags={:#05x} \
                     (compared flags {flag_mask:#05x})",
                    op.name,
                    host.a & a_mask,
                    host.d & m,
                    host.flags as u32 & ARITH,
                    emu.a & a_mask,
                    emu.d & m,
                    emu.flags,
                ));
            }
        }
    }
    (fails, shown)
}

#[test]
fn host_differential() {
    let intel = host_is_intel();
    let mut report = Vec::new();
    let mut total = 0;
    for (i, op) in OPS.iter().enumerate() {
        let (fails, shown) = run_op(op, intel, 3000, 0x9E37_79B9_7F4A_7C15 ^ i as u64, 0);
        total += fails;
        if fails > 0 {
            report.push(format!("{}: {fails} mismatches", op.name));
            report.extend(shown);
        }
    }
    assert!(
        total == 0,
        "host differential ({}): {total} mismatches\n{}",
        if intel {
            "Intel: all flags"
        } else {
            "non-Intel: defined flags only"
        },
        report.join("\n")
    );
}

#[test]
fn comparison_catches_a_wrong_flag() {
    // A deliberately wrong CF (or ZF) from ox86 must be reported for every
    // case, whatever the host vendor: CF and ZF are defined for ADD and
    // BSF respectively.
    let intel = host_is_intel();
    let (fails, _) = run_op(&OPS[0], intel, 200, 7, CF);
    assert_eq!(fails, 200, "a flipped CF of ADD went unnoticed");
    let bsf = OPS
        .iter()
        .find(|o| o.name == "bsf16")
        .expect("bsf16 listed");
    let (fails, _) = run_op(bsf, intel, 200, 7, ZF);
    assert_eq!(fails, 200, "a flipped ZF of BSF went unnoticed");
}
