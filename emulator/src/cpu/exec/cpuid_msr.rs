//! CPU identity, time-stamp counter and model-specific registers: CPUID,
//! RDTSC, RDMSR, WRMSR (SDM Vol. 2 instruction pages, CPUID Table 3-11
//! for the feature flags; Vol. 3A §17.17 time-stamp counter; Vol. 4
//! chapter 2 for the MSR indices).
//!
//! ox86 reports itself as a P54C Pentium ("GenuineIntel", family 5,
//! model 2). The time-stamp counter ticks once per retired instruction so
//! runs are deterministic. RDMSR/WRMSR are privileged (#GP(0) at CPL > 0);
//! RDTSC is privileged only with CR4.TSD set.
//!
//! Partial: only the TSC MSR has behaviour of its own; every other index
//! (APIC base, SYSENTER_* — which SYSENTER/SYSEXIT read, see
//! `exec::sysenter` —, anything else) is a read-back store, and no index
//! raises #GP for being undefined. CPUID advertises only the features ox86
//! implements (FPU, PSE, TSC, MSR, CX8, SEP, PGE, CMOV): no VME, DE, MCE,
//! APIC or MMX yet.

use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::exec::system::CR4_TSD;
use crate::cpu::state::gpr;
use crate::cpu::Cpu;
use iced_x86::{Code, Instruction};

/// Highest basic CPUID leaf (CPUID.0:EAX).
pub const CPUID_MAX_BASIC_LEAF: u32 = 1;
/// "GenuineIntel", as CPUID.0 returns it in EBX, EDX, ECX.
pub const CPUID_VENDOR_EBX: u32 = u32::from_le_bytes(*b"Genu");
pub const CPUID_VENDOR_EDX: u32 = u32::from_le_bytes(*b"ineI");
pub const CPUID_VENDOR_ECX: u32 = u32::from_le_bytes(*b"ntel");
/// Processor family 5: Pentium (P5).
pub const CPUID_FAMILY: u32 = 5;
/// Model 2: the P54C Pentium (75–200 MHz parts).
pub const CPUID_MODEL: u32 = 2;
/// Stepping reported by ox86's Pentium model.
pub const CPUID_STEPPING: u32 = 0xC;
/// Processor type 0: original OEM processor.
pub const CPUID_TYPE: u32 = 0;
/// CPUID.1:EDX feature bits (SDM Vol. 2 Table 3-11) that ox86 implements.
/// x87 FPU on chip (`exec::x87`, transcendentals included).
pub const CPUID_1_EDX_FPU: u32 = 1 << 0;
/// 4-MiB pages with CR4.PSE (`mmu`).
pub const CPUID_1_EDX_PSE: u32 = 1 << 3;
pub const CPUID_1_EDX_TSC: u32 = 1 << 4;
pub const CPUID_1_EDX_MSR: u32 = 1 << 5;
pub const CPUID_1_EDX_CX8: u32 = 1 << 8;
/// On-chip local APIC: set only on boards that have one
/// (`Machine::enable_apic`), not part of [`CPUID_1_EDX`].
pub const CPUID_1_EDX_APIC: u32 = 1 << 9;
/// SYSENTER/SYSEXIT (`exec::sysenter`).
pub const CPUID_1_EDX_SEP: u32 = 1 << 11;
/// Global pages with CR4.PGE (`mmu`).
pub const CPUID_1_EDX_PGE: u32 = 1 << 13;
pub const CPUID_1_EDX_CMOV: u32 = 1 << 15;
/// CLFLUSH (`exec::sse_mov_ctl`); the line size is in CPUID.1:EBX[15:8].
pub const CPUID_1_EDX_CLFSH: u32 = 1 << 19;
/// MMX (`exec::mmx`).
pub const CPUID_1_EDX_MMX: u32 = 1 << 23;
/// FXSAVE/FXRSTOR and CR4.OSFXSR (`exec::fxsave`).
pub const CPUID_1_EDX_FXSR: u32 = 1 << 24;
/// SSE (`exec::sse_*`, `fpu::ieee`).
pub const CPUID_1_EDX_SSE: u32 = 1 << 25;
/// SSE2 (`exec::sse_*`, `fpu::ieee`).
pub const CPUID_1_EDX_SSE2: u32 = 1 << 26;
/// CPUID.1:EBX[15:8]: CLFLUSH line size in 8-byte units (64 bytes).
pub const CPUID_1_EBX_CLFLUSH_SIZE: u32 = 8 << 8;
/// Everything CPUID.1:EDX advertises: FPU, PSE, TSC, MSR, CX8, SEP, PGE,
/// CMOV, CLFSH, MMX, FXSR, SSE, SSE2. No VME, DE, MCE or APIC yet. (CMOV and
/// the SIMD extensions are later than the P5 family this model reports;
/// ox86 implements them, so they are advertised.)
pub const CPUID_1_EDX: u32 = CPUID_1_EDX_FPU
    | CPUID_1_EDX_PSE
    | CPUID_1_EDX_TSC
    | CPUID_1_EDX_MSR
    | CPUID_1_EDX_CX8
    | CPUID_1_EDX_SEP
    | CPUID_1_EDX_PGE
    | CPUID_1_EDX_CMOV
    | CPUID_1_EDX_CLFSH
    | CPUID_1_EDX_MMX
    | CPUID_1_EDX_FXSR
    | CPUID_1_EDX_SSE
    | CPUID_1_EDX_SSE2;

/// IA32_TIME_STAMP_COUNTER.
pub const MSR_TSC: u32 = 0x10;
/// IA32_APIC_BASE: the local APIC's (`cpu/bus.rs`) when the board has one,
/// else a read-back store.
pub const MSR_APIC_BASE: u32 = 0x1B;
/// IA32_SYSENTER_CS / _ESP / _EIP (read-back store, used by SYSENTER/SYSEXIT).
pub const MSR_SYSENTER_CS: u32 = 0x174;
pub const MSR_SYSENTER_ESP: u32 = 0x175;
pub const MSR_SYSENTER_EIP: u32 = 0x176;

/// Handler for this family.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.code() {
        Code::Cpuid => cpuid,
        Code::Rdtsc => rdtsc,
        Code::Rdmsr => rdmsr,
        Code::Wrmsr => wrmsr,
        _ => return None,
    })
}

impl Cpu {
    /// Time-stamp counter: the machine's virtual clock at
    /// [`devices::clock::TSC_HZ`] (1 GHz, one tick per guest nanosecond —
    /// in deterministic mode one tick per retired instruction plus the time
    /// skipped while halted), plus the offset kept in `state.tsc` (set by
    /// WRMSR to IA32_TIME_STAMP_COUNTER).
    #[inline]
    pub fn tsc(&self) -> u64 {
        self.state.tsc.wrapping_add(self.io.clock.tsc(self.icount))
    }

    /// CPUID leaf `leaf` as (EAX, EBX, ECX, EDX). Leaves above the highest
    /// basic leaf (extended 8000_0000h leaves included, which this
    /// Pentium-class model does not have) return the highest basic leaf's
    /// data, as Intel processors do.
    pub fn cpuid_leaf(leaf: u32) -> (u32, u32, u32, u32) {
        match leaf.min(CPUID_MAX_BASIC_LEAF) {
            0 => (
                CPUID_MAX_BASIC_LEAF,
                CPUID_VENDOR_EBX,
                CPUID_VENDOR_ECX,
                CPUID_VENDOR_EDX,
            ),
            _ => (
                CPUID_TYPE << 12 | CPUID_FAMILY << 8 | CPUID_MODEL << 4 | CPUID_STEPPING,
                CPUID_1_EBX_CLFLUSH_SIZE,
                0,
                CPUID_1_EDX,
            ),
        }
    }
}

fn cpuid(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    let leaf = cpu.state.gpr(gpr::RAX, 4) as u32;
    let (a, b, c, mut d) = Cpu::cpuid_leaf(leaf);
    if leaf.min(CPUID_MAX_BASIC_LEAF) == 1 && cpu.io.apic.is_some() {
        // The board has a local APIC (`Machine::enable_apic`).
        d |= CPUID_1_EDX_APIC;
    }
    let s = &mut cpu.state;
    s.set_gpr(gpr::RAX, 4, u64::from(a));
    s.set_gpr(gpr::RBX, 4, u64::from(b));
    s.set_gpr(gpr::RCX, 4, u64::from(c));
    s.set_gpr(gpr::RDX, 4, u64::from(d));
    Ok(())
}

/// Store a 64-bit value in EDX:EAX.
#[inline]
fn set_edx_eax(cpu: &mut Cpu, v: u64) {
    cpu.state.set_gpr(gpr::RAX, 4, v & 0xFFFF_FFFF);
    cpu.state.set_gpr(gpr::RDX, 4, v >> 32);
}

fn rdtsc(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    if cpu.state.cr4 & CR4_TSD != 0 && cpu.privilege_level() != 0 {
        return Err(Exception::GeneralProtection(0));
    }
    let t = cpu.tsc();
    set_edx_eax(cpu, t);
    Ok(())
}

/// RDMSR: the TSC is computed; every other MSR (APIC base, SYSENTER_*,
/// anything else) reads back what was last written (0 at first).
fn rdmsr(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    cpu.require_cpl0()?;
    let index = cpu.state.gpr(gpr::RCX, 4) as u32;
    let v = match index {
        MSR_TSC => cpu.tsc(),
        MSR_APIC_BASE => cpu.apic_base_msr().unwrap_or_else(|| cpu.msr(index)),
        _ => cpu.msr(index),
    };
    set_edx_eax(cpu, v);
    Ok(())
}

/// WRMSR: writing the TSC sets the offset so the next read continues from
/// the written value (all 64 bits); other MSRs go to the read-back store.
fn wrmsr(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    cpu.require_cpl0()?;
    let index = cpu.state.gpr(gpr::RCX, 4) as u32;
    let v = cpu.state.gpr(gpr::RDX, 4) << 32 | cpu.state.gpr(gpr::RAX, 4);
    match index {
        MSR_TSC => cpu.state.tsc = v.wrapping_sub(cpu.io.clock.tsc(cpu.icount)),
        MSR_APIC_BASE if cpu.io.apic.is_some() => cpu.write_apic_base_msr(v).unwrap_or(Ok(()))?,
        _ => cpu.set_msr(index, v),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::exec::testutil::{cpu_with, step};
    use crate::cpu::state::cr0;
    use crate::cpu::CpuModel;

    /// Decode and run the handler at CS:IP without delivering a fault, so a
    /// test sees the `Err` and the state the handler left.
    fn run_handler(cpu: &mut Cpu) -> ExResult {
        let d = cpu.decode_at(cpu.linear_ip())?;
        cpu.state.rip = cpu.state.rip.wrapping_add(u64::from(d.len)) & cpu.ip_mask();
        (d.handler)(cpu, &d)
    }

    #[test]
    fn cpuid_leaves() {
        // (EAX in, EAX, EBX, ECX, EDX out)
        let cases = [
            (
                0u32,
                1u32,
                CPUID_VENDOR_EBX,
                CPUID_VENDOR_ECX,
                CPUID_VENDOR_EDX,
            ),
            (1, 0x52C, 0x800, 0, CPUID_1_EDX),
            (2, 0x52C, 0x800, 0, CPUID_1_EDX),
            (0x8000_0000, 0x52C, 0x800, 0, CPUID_1_EDX),
        ];
        for (leaf, a, b, c, d) in cases {
            // 66 cpuid in 16-bit code is still CPUID (0F A2).
            let mut cpu = cpu_with(CpuModel::Pentium, &[0x0F, 0xA2]);
            cpu.state.regs[0] = u64::from(leaf);
            cpu.state.regs[3] = u64::MAX;
            step(&mut cpu);
            let r = |n: usize| cpu.state.regs[n] as u32;
            assert_eq!((r(0), r(3), r(1), r(2)), (a, b, c, d), "leaf {leaf:#x}");
            assert_eq!(cpu.state.regs[3] >> 32, 0, "upper half cleared");
        }
        let mut vendor = Vec::new();
        for v in [CPUID_VENDOR_EBX, CPUID_VENDOR_EDX, CPUID_VENDOR_ECX] {
            vendor.extend_from_slice(&v.to_le_bytes());
        }
        assert_eq!(vendor, b"GenuineIntel");
        assert_eq!(
            CPUID_1_EDX, 0x0788_A939,
            "FPU PSE TSC MSR CX8 SEP PGE CMOV CLFSH MMX FXSR SSE SSE2"
        );
        // CPUID does not exist on the 286: #UD.
        let mut cpu = cpu_with(CpuModel::I80286, &[0x0F, 0xA2]);
        assert_eq!(run_handler(&mut cpu), Err(Exception::InvalidOpcode));
    }

    #[test]
    fn rdtsc_monotonic_and_deterministic() {
        // rdtsc ; mov ebx, eax ; mov esi, edx ; rdtsc ; hlt
        let code = [
            0x0F, 0x31, 0x66, 0x89, 0xC3, 0x66, 0x89, 0xD6, 0x0F, 0x31, 0xF4,
        ];
        let run = || {
            let mut cpu = cpu_with(CpuModel::Pentium, &code);
            for _ in 0..5 {
                step(&mut cpu);
            }
            let first = cpu.state.regs[6] << 32 | cpu.state.regs[3];
            let second = cpu.state.regs[2] << 32 | cpu.state.regs[0];
            (first, second)
        };
        let (a, b) = run();
        assert!(b > a);
        assert_eq!(b - a, 3, "one tick per instruction");
        assert_eq!(run(), (a, b), "same program, same values");
    }

    #[test]
    fn wrmsr_tsc_and_msr_store() {
        // mov ecx, 10h ; wrmsr ; rdtsc
        let mut cpu = cpu_with(
            CpuModel::Pentium,
            &[0x66, 0xB9, 0x10, 0, 0, 0, 0x0F, 0x30, 0x0F, 0x31],
        );
        cpu.state.regs[0] = 0x1000;
        cpu.state.regs[2] = 0x5;
        for _ in 0..3 {
            step(&mut cpu);
        }
        assert_eq!((cpu.state.regs[2], cpu.state.regs[0]), (5, 0x1001));
        // Read-back MSRs: SYSENTER_CS, APIC base and an arbitrary index.
        for index in [
            MSR_SYSENTER_CS,
            MSR_SYSENTER_ESP,
            MSR_SYSENTER_EIP,
            MSR_APIC_BASE,
            0x8B,
        ] {
            let mut cpu = cpu_with(CpuModel::Pentium, &[0x0F, 0x30, 0x0F, 0x32]);
            cpu.state.regs[1] = u64::from(index);
            cpu.state.regs[0] = 0xFEE0_0900;
            cpu.state.regs[2] = 0x12;
            step(&mut cpu);
            cpu.state.regs[0] = 0;
            cpu.state.regs[2] = 0;
            step(&mut cpu);
            assert_eq!((cpu.state.regs[2], cpu.state.regs[0]), (0x12, 0xFEE0_0900));
        }
    }

    #[test]
    fn rdtsc_with_cr4_tsd() {
        for (cpl, ok) in [(0u8, true), (3, false)] {
            let mut cpu = cpu_with(CpuModel::Pentium, &[0x0F, 0x31]);
            cpu.state.cr4 = CR4_TSD;
            cpu.state.cr0 |= cr0::PE;
            cpu.state.cpl = cpl;
            assert_eq!(run_handler(&mut cpu).is_ok(), ok, "cpl {cpl}");
        }
    }
}
