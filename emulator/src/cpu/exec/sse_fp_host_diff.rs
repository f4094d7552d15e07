//! Instruction-level host differential tests for the SSE/SSE2 floating-point
//! handlers: each packed/scalar instruction runs on the host (`asm!`, all
//! exceptions masked, random RC/DAZ/FTZ) and through ox86's decoder and
//! handler on whole 128-bit registers; destination register and MXCSR flags
//! must match bit for bit. This checks the lane plumbing (upper-lane
//! preservation, zeroed halves, flag ORing) on top of the element-level
//! tests in `fpu::ieee::host_diff`. Case count: `OX86_DIFF_CASES` / 10.

use crate::cpu::exec::simd_common::testing::sse_cpu;
use crate::cpu::Cpu;
use crate::fpu::ieee::host_diff::{cases, mode, seed, special, Rng};
use crate::fpu::ieee::{F32, F64, FLAGS};
use core::arch::asm;
use core::arch::x86_64::__m128;

/// A 128-bit operand: four binary32 or two binary64 special-biased lanes,
/// or integers for the DQ conversions.
fn operand(r: &mut Rng) -> u128 {
    match r.below(3) {
        0 => (0..4).fold(0, |v, i| v | u128::from(special::<F32>(r)) << (32 * i)),
        1 => u128::from(special::<F64>(r)) | u128::from(special::<F64>(r)) << 64,
        _ => u128::from(r.next()) | u128::from(r.next()) << 64,
    }
}

fn to_m128(v: u128) -> __m128 {
    // SAFETY: __m128 and u128 are both 16 plain bytes.
    unsafe { core::mem::transmute::<u128, __m128>(v) }
}

fn from_m128(v: __m128) -> u128 {
    // SAFETY: as in `to_m128`.
    unsafe { core::mem::transmute::<__m128, u128>(v) }
}

/// Host `insn xmm_a, xmm_b` (template `$t`, operands `x`, `y`).
macro_rules! host {
    ($name:ident, $t:literal) => {
        fn $name(a: u128, b: u128, mx: u32) -> (u128, u32) {
            let mut x = to_m128(a);
            let y = to_m128(b);
            let (mut saved, mut out) = (0u32, 0u32);
            // SAFETY: only MXCSR and the named XMM registers are touched;
            // MXCSR is restored; every exception is masked in `mx`.
            unsafe {
                asm!("stmxcsr [{s}]", "ldmxcsr [{m}]", $t, "stmxcsr [{o}]", "ldmxcsr [{s}]",
                    x = inout(xmm_reg) x, y = in(xmm_reg) y, m = in(reg) &mx,
                    s = in(reg) &mut saved, o = in(reg) &mut out, options(nostack));
            }
            (from_m128(x), out & FLAGS)
        }
    };
}

/// Runs the instruction `code` (operands xmm0, xmm1) `cases()/10` times in
/// ox86 and on the host.
fn diff(name: &str, salt: u64, code: &[u8], host: fn(u128, u128, u32) -> (u128, u32)) {
    let n = (cases() / 10).max(1000);
    let mut r = Rng(seed() ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut cpu: Cpu = sse_cpu(code);
    let d = cpu.decode_at(0x100).expect("decodes");
    let mut bad = 0;
    for _ in 0..n {
        let (a, b, mx) = (operand(&mut r), operand(&mut r), mode(&mut r));
        cpu.state.xmm[0] = a;
        cpu.state.xmm[1] = b;
        cpu.state.mxcsr = mx;
        let res = (d.handler)(&mut cpu, &d);
        let soft = (cpu.state.xmm[0], cpu.state.mxcsr & FLAGS);
        let h = host(a, b, mx);
        if res.is_err() || soft != h {
            bad += 1;
            if bad <= 5 {
                eprintln!(
                    "{name} a={a:#x} b={b:#x} mx={mx:#x}: {res:?} soft {soft:x?} host {h:x?}"
                );
            }
        }
    }
    eprintln!("sse_fp host_diff {name}: {} / {n} match", n - bad);
    assert_eq!(bad, 0, "{name}");
}

host!(addps, "addps {x}, {y}");
host!(subpd, "subpd {x}, {y}");
host!(mulss, "mulss {x}, {y}");
host!(divsd, "divsd {x}, {y}");
host!(divps, "divps {x}, {y}");
host!(sqrtps, "sqrtps {x}, {y}");
host!(sqrtsd, "sqrtsd {x}, {y}");
host!(minps, "minps {x}, {y}");
host!(maxpd, "maxpd {x}, {y}");
host!(cmpps1, "cmpps {x}, {y}, 1");
host!(cmppd4, "cmppd {x}, {y}, 4");
host!(cmpss6, "cmpss {x}, {y}, 6");
host!(cvtps2pd, "cvtps2pd {x}, {y}");
host!(cvtpd2ps, "cvtpd2ps {x}, {y}");
host!(cvtss2sd, "cvtss2sd {x}, {y}");
host!(cvtsd2ss, "cvtsd2ss {x}, {y}");
host!(cvtdq2ps, "cvtdq2ps {x}, {y}");
host!(cvtps2dq, "cvtps2dq {x}, {y}");
host!(cvttps2dq, "cvttps2dq {x}, {y}");
host!(cvtdq2pd, "cvtdq2pd {x}, {y}");
host!(cvtpd2dq, "cvtpd2dq {x}, {y}");
host!(cvttpd2dq, "cvttpd2dq {x}, {y}");
host!(andnps, "andnps {x}, {y}");

#[test]
fn packed_and_scalar_instructions() {
    type HostOp = fn(u128, u128, u32) -> (u128, u32);
    let table: &[(&str, &[u8], HostOp)] = &[
        ("addps", &[0x0F, 0x58, 0xC1], addps),
        ("subpd", &[0x66, 0x0F, 0x5C, 0xC1], subpd),
        ("mulss", &[0xF3, 0x0F, 0x59, 0xC1], mulss),
        ("divsd", &[0xF2, 0x0F, 0x5E, 0xC1], divsd),
        ("divps", &[0x0F, 0x5E, 0xC1], divps),
        ("sqrtps", &[0x0F, 0x51, 0xC1], sqrtps),
        ("sqrtsd", &[0xF2, 0x0F, 0x51, 0xC1], sqrtsd),
        ("minps", &[0x0F, 0x5D, 0xC1], minps),
        ("maxpd", &[0x66, 0x0F, 0x5F, 0xC1], maxpd),
        ("cmpltps", &[0x0F, 0xC2, 0xC1, 1], cmpps1),
        ("cmpneqpd", &[0x66, 0x0F, 0xC2, 0xC1, 4], cmppd4),
        ("cmpnless", &[0xF3, 0x0F, 0xC2, 0xC1, 6], cmpss6),
        ("cvtps2pd", &[0x0F, 0x5A, 0xC1], cvtps2pd),
        ("cvtpd2ps", &[0x66, 0x0F, 0x5A, 0xC1], cvtpd2ps),
        ("cvtss2sd", &[0xF3, 0x0F, 0x5A, 0xC1], cvtss2sd),
        ("cvtsd2ss", &[0xF2, 0x0F, 0x5A, 0xC1], cvtsd2ss),
        ("cvtdq2ps", &[0x0F, 0x5B, 0xC1], cvtdq2ps),
        ("cvtps2dq", &[0x66, 0x0F, 0x5B, 0xC1], cvtps2dq),
        ("cvttps2dq", &[0xF3, 0x0F, 0x5B, 0xC1], cvttps2dq),
        ("cvtdq2pd", &[0xF3, 0x0F, 0xE6, 0xC1], cvtdq2pd),
        ("cvtpd2dq", &[0xF2, 0x0F, 0xE6, 0xC1], cvtpd2dq),
        ("cvttpd2dq", &[0x66, 0x0F, 0xE6, 0xC1], cvttpd2dq),
        ("andnps", &[0x0F, 0x55, 0xC1], andnps),
    ];
    for (i, &(name, code, host)) in table.iter().enumerate() {
        diff(name, 100 + i as u64, code, host);
    }
}

/// Unmasked-exception differential test: the host runs the instruction with
/// a random subset of MXCSR exception masks cleared; a resulting #XM
/// arrives as SIGFPE, whose handler (installed with raw `rt_sigaction`, no
/// libc) resumes after the instruction. The kernel restores the faulting
/// context, so the MXCSR read afterwards holds the flags the CPU recorded
/// and xmm0 is the unchanged destination. ox86 must fault exactly when the
/// host does, with the same flags and destination.
mod unmasked {
    use super::*;
    use crate::cpu::decode::DecodedInsn;
    use crate::cpu::flags::{AF, ARITH, CF, PF, SF};
    use core::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
    use std::sync::Mutex;

    static RESUME: AtomicU64 = AtomicU64::new(0);
    static FAULTED: AtomicBool = AtomicBool::new(false);
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

    const SIGFPE: u64 = 8;
    const SA_SIGINFO: u64 = 4;
    const SA_RESTORER: u64 = 0x0400_0000;
    /// Offset of gregs[REG_RIP] in the x86-64 Linux `ucontext_t`.
    const UC_RIP: usize = 40 + 16 * 8;

    #[repr(C)]
    struct KSigaction {
        handler: usize,
        flags: u64,
        restorer: usize,
        mask: u64,
    }

    core::arch::global_asm!(
        ".globl ox86_sse_fp_sigreturn",
        "ox86_sse_fp_sigreturn:",
        "mov eax, 15", // rt_sigreturn
        "syscall",
    );
    extern "C" {
        fn ox86_sse_fp_sigreturn();
    }

    extern "C" fn on_fpe(_sig: i32, _info: *mut u8, uc: *mut u8) {
        // SAFETY: the kernel passes a valid ucontext_t; gregs[REG_RIP] is at
        // UC_RIP. Redirecting RIP to the label after the faulting
        // instruction is the whole purpose of this handler.
        unsafe { (uc.add(UC_RIP) as *mut u64).write(RESUME.load(Relaxed)) };
        FAULTED.store(true, Relaxed);
    }

    fn sigaction(act: &KSigaction, old: &mut KSigaction) -> i64 {
        let ret: i64;
        // SAFETY: rt_sigaction(SIGFPE, act, old, 8) with valid pointers to
        // kernel-layout structures.
        unsafe {
            asm!("syscall", inlateout("rax") 13i64 => ret, in("rdi") SIGFPE,
                in("rsi") act as *const KSigaction, in("rdx") old as *mut KSigaction,
                in("r10") 8u64, lateout("rcx") _, lateout("r11") _, options(nostack));
        }
        ret
    }

    /// Host `$t` on xmm0, xmm1 under `mx` (exceptions possibly unmasked):
    /// (xmm0, MXCSR flags, faulted).
    macro_rules! host_u {
        ($name:ident, $t:literal) => {
            fn $name(a: u128, b: u128, mx: u32) -> (u128, u32, bool) {
                let mut x = to_m128(a);
                let y = to_m128(b);
                let (mut saved, mut out) = (0u32, 0u32);
                FAULTED.store(false, Relaxed);
                // SAFETY: as in `host!`; an unmasked exception raises
                // SIGFPE, whose handler (installed by the caller) resumes at
                // label 2 with the register state of the fault, so the
                // pointers in general registers are still valid.
                unsafe {
                    asm!("stmxcsr [{s}]", "lea {t}, [rip + 2f]", "mov [{r}], {t}",
                        "ldmxcsr [{m}]", $t, "2:", "stmxcsr [{o}]", "ldmxcsr [{s}]",
                        inout("xmm0") x, in("xmm1") y, t = out(reg) _,
                        r = in(reg) RESUME.as_ptr(), m = in(reg) &mx,
                        s = in(reg) &mut saved, o = in(reg) &mut out, options(nostack));
                }
                (from_m128(x), out & FLAGS, FAULTED.load(Relaxed))
            }
        };
    }
    host_u!(u_addps, "addps xmm0, xmm1");
    host_u!(u_mulss, "mulss xmm0, xmm1");
    host_u!(u_divpd, "divpd xmm0, xmm1");
    host_u!(u_sqrtps, "sqrtps xmm0, xmm1");
    host_u!(u_minps, "minps xmm0, xmm1");
    host_u!(u_cmpps, "cmpps xmm0, xmm1, 1");
    host_u!(u_cvtpd2ps, "cvtpd2ps xmm0, xmm1");
    host_u!(u_cvtps2dq, "cvtps2dq xmm0, xmm1");
    host_u!(u_subsd, "subsd xmm0, xmm1");
    host_u!(u_divss, "divss xmm0, xmm1");
    host_u!(u_maxsd, "maxsd xmm0, xmm1");
    host_u!(u_cvtsd2ss, "cvtsd2ss xmm0, xmm1");
    host_u!(u_cvtdq2ps, "cvtdq2ps xmm0, xmm1");
    host_u!(u_cvttpd2dq, "cvttpd2dq xmm0, xmm1");
    host_u!(u_cmpunordpd, "cmppd xmm0, xmm1, 3");

    type UnmaskedOp = fn(u128, u128, u32) -> (u128, u32, bool);

    /// One operation of the unmasked tests: `(cases() / 10).max(1000)` seeded cases (`salt`
    /// picks the stream) of two special-biased operands in XMM0/XMM1 and a random MXCSR mode
    /// with each exception mask cleared with probability 1/4. `soft` runs ox86's handler
    /// (setting up anything else it needs first) and returns (result, MXCSR flags, faulted)
    /// to compare with `host`. Prints the first five mismatches and a summary; returns the
    /// number of mismatches.
    fn unmasked_cases(
        name: &str,
        salt: u64,
        code: &[u8],
        host: UnmaskedOp,
        soft: impl Fn(&mut Cpu, &DecodedInsn) -> (u128, u32, bool),
    ) -> u64 {
        let n = (cases() / 10).max(1000);
        let mut r = Rng(seed() ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut cpu: Cpu = sse_cpu(code);
        let d = cpu.decode_at(0x100).expect("decodes");
        let (mut bad, mut faults) = (0, 0);
        for _ in 0..n {
            let (a, b) = (operand(&mut r), operand(&mut r));
            // Clear each exception mask with probability 1/4.
            let clear = (0..6).fold(0, |m, i| m | u32::from(r.below(4) == 0) << (7 + i));
            let mx = mode(&mut r) & !clear;
            cpu.state.xmm[0] = a;
            cpu.state.xmm[1] = b;
            cpu.state.mxcsr = mx;
            let ours = soft(&mut cpu, &d);
            let h = host(a, b, mx);
            faults += u32::from(h.2);
            if ours != h {
                bad += 1;
                if bad <= 5 {
                    eprintln!("{name} a={a:#x} b={b:#x} mx={mx:#x}: soft {ours:x?} host {h:x?}");
                }
            }
        }
        eprintln!(
            "sse_fp unmasked {name}: {} / {n} match ({faults} host faults)",
            n - bad
        );
        bad
    }

    #[test]
    fn unmasked_exceptions() {
        let _handler = Installed::new();
        type Op = fn(u128, u128, u32) -> (u128, u32, bool);
        let table: &[(&str, &[u8], Op)] = &[
            ("addps", &[0x0F, 0x58, 0xC1], u_addps),
            ("mulss", &[0xF3, 0x0F, 0x59, 0xC1], u_mulss),
            ("divpd", &[0x66, 0x0F, 0x5E, 0xC1], u_divpd),
            ("sqrtps", &[0x0F, 0x51, 0xC1], u_sqrtps),
            ("minps", &[0x0F, 0x5D, 0xC1], u_minps),
            ("cmpltps", &[0x0F, 0xC2, 0xC1, 1], u_cmpps),
            ("cvtpd2ps", &[0x66, 0x0F, 0x5A, 0xC1], u_cvtpd2ps),
            ("cvtps2dq", &[0x66, 0x0F, 0x5B, 0xC1], u_cvtps2dq),
            ("subsd", &[0xF2, 0x0F, 0x5C, 0xC1], u_subsd),
            ("divss", &[0xF3, 0x0F, 0x5E, 0xC1], u_divss),
            ("maxsd", &[0xF2, 0x0F, 0x5F, 0xC1], u_maxsd),
            ("cvtsd2ss", &[0xF2, 0x0F, 0x5A, 0xC1], u_cvtsd2ss),
            ("cvtdq2ps", &[0x0F, 0x5B, 0xC1], u_cvtdq2ps),
            ("cvttpd2dq", &[0x66, 0x0F, 0xE6, 0xC1], u_cvttpd2dq),
            ("cmpunordpd", &[0x66, 0x0F, 0xC2, 0xC1, 3], u_cmpunordpd),
        ];
        let mut total_bad = 0;
        for (k, &(name, code, host)) in table.iter().enumerate() {
            total_bad += unmasked_cases(name, 200 + k as u64, code, host, |cpu, d| {
                let res = (d.handler)(cpu, d);
                (cpu.state.xmm[0], cpu.state.mxcsr & FLAGS, res.is_err())
            });
        }
        assert_eq!(total_bad, 0);
    }

    /// The SIGFPE handler, installed while alive (one test at a time).
    struct Installed {
        old: KSigaction,
        _lock: std::sync::MutexGuard<'static, ()>,
    }

    impl Installed {
        fn new() -> Self {
            let lock = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
            let act = KSigaction {
                handler: on_fpe as *const () as usize,
                flags: SA_SIGINFO | SA_RESTORER,
                restorer: ox86_sse_fp_sigreturn as *const () as usize,
                mask: 0,
            };
            let mut old = KSigaction {
                handler: 0,
                flags: 0,
                restorer: 0,
                mask: 0,
            };
            assert_eq!(sigaction(&act, &mut old), 0, "rt_sigaction");
            Installed { old, _lock: lock }
        }
    }

    impl Drop for Installed {
        fn drop(&mut self) {
            let mut none = KSigaction {
                handler: 0,
                flags: 0,
                restorer: 0,
                mask: 0,
            };
            sigaction(&self.old, &mut none);
        }
    }

    /// EFLAGS before the compare: `cmp 1, 2` leaves CF, PF, AF, SF set.
    const BEFORE: u32 = CF | PF | AF | SF;

    /// Host COMIS*/UCOMIS* xmm0, xmm1: (arithmetic EFLAGS, MXCSR flags,
    /// faulted).
    macro_rules! host_comi_u {
        ($name:ident, $t:literal) => {
            fn $name(a: u128, b: u128, mx: u32) -> (u128, u32, bool) {
                let x = to_m128(a);
                let y = to_m128(b);
                let (mut saved, mut out) = (0u32, 0u32);
                let fl: u64;
                FAULTED.store(false, Relaxed);
                // SAFETY: as in `host_u!`; PUSHFQ/POP use the stack (no
                // `nostack`).
                unsafe {
                    asm!("stmxcsr [{s}]", "lea {t}, [rip + 2f]", "mov [{r}], {t}",
                        "ldmxcsr [{m}]", "mov {t:e}, 1", "cmp {t:e}, 2", $t, "2:",
                        "pushfq", "pop {t}", "stmxcsr [{o}]", "ldmxcsr [{s}]",
                        in("xmm0") x, in("xmm1") y, t = out(reg) fl,
                        r = in(reg) RESUME.as_ptr(), m = in(reg) &mx,
                        s = in(reg) &mut saved, o = in(reg) &mut out);
                }
                (u128::from(fl as u32 & ARITH), out & FLAGS, FAULTED.load(Relaxed))
            }
        };
    }
    host_comi_u!(u_comiss, "comiss xmm0, xmm1");
    host_comi_u!(u_ucomisd, "ucomisd xmm0, xmm1");

    /// Host CVT(T)S*2SI eax-class register: (register, flags, faulted); the
    /// register starts as 0x1234_5678.
    macro_rules! host_si_u {
        ($name:ident, $t:literal) => {
            fn $name(_: u128, b: u128, mx: u32) -> (u128, u32, bool) {
                let y = to_m128(b);
                let (mut saved, mut out) = (0u32, 0u32);
                let mut v: u64 = 0x1234_5678;
                FAULTED.store(false, Relaxed);
                // SAFETY: as in `host_u!`.
                unsafe {
                    asm!("stmxcsr [{s}]", "lea {t}, [rip + 2f]", "mov [{r}], {t}",
                        "ldmxcsr [{m}]", $t, "2:", "stmxcsr [{o}]", "ldmxcsr [{s}]",
                        inout("rax") v, in("xmm1") y, t = out(reg) _,
                        r = in(reg) RESUME.as_ptr(), m = in(reg) &mx,
                        s = in(reg) &mut saved, o = in(reg) &mut out, options(nostack));
                }
                (u128::from(v), out & FLAGS, FAULTED.load(Relaxed))
            }
        };
    }
    host_si_u!(u_cvtss2si, "cvtss2si eax, xmm1");
    host_si_u!(u_cvttsd2si, "cvttsd2si eax, xmm1");

    #[test]
    fn unmasked_eflags_and_gpr() {
        let _handler = Installed::new();
        type Op = fn(u128, u128, u32) -> (u128, u32, bool);
        // (name, code, host, destination: 0 = EFLAGS, 1 = EAX)
        let table: &[(&str, &[u8], Op, u8)] = &[
            ("comiss", &[0x0F, 0x2F, 0xC1], u_comiss, 0),
            ("ucomisd", &[0x66, 0x0F, 0x2E, 0xC1], u_ucomisd, 0),
            ("cvtss2si", &[0x66, 0xF3, 0x0F, 0x2D, 0xC1], u_cvtss2si, 1),
            ("cvttsd2si", &[0x66, 0xF2, 0x0F, 0x2C, 0xC1], u_cvttsd2si, 1),
        ];
        let mut total_bad = 0;
        for (k, &(name, code, host, dest)) in table.iter().enumerate() {
            total_bad += unmasked_cases(name, 300 + k as u64, code, host, |cpu, d| {
                cpu.state.regs[0] = 0x1234_5678;
                cpu.state.flags.set_arith(BEFORE);
                let res = (d.handler)(cpu, d);
                let v = if dest == 0 {
                    u128::from(cpu.state.flags.eflags() & ARITH)
                } else {
                    u128::from(cpu.state.regs[0])
                };
                (v, cpu.state.mxcsr & FLAGS, res.is_err())
            });
        }
        assert_eq!(total_bad, 0);
    }
}
