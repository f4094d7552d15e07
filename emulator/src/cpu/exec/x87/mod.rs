//! x87 FPU instructions (Intel SDM Vol. 1 ch. 8, Vol. 2 instruction pages,
//! Vol. 3A §2.5 CR0.EM/MP/TS/NE and §22.18 for FERR#).
//!
//! Dispatch and the checks every x87 instruction makes:
//! - CR0.EM or CR0.TS set → #NM for every ESC instruction; WAIT/FWAIT faults
//!   only when both MP and TS are set.
//! - "Waiting" instructions (all but FNINIT, FNCLEX, FNSTCW, FNSTSW,
//!   FNSTENV, FNSAVE and the 8087/287 no-ops) first look for a pending
//!   unmasked exception (status ES): with CR0.NE set they raise #MF, leaving
//!   the state untouched; with NE clear they assert FERR#
//!   ([`crate::cpu::fpu_state::FpuState::ferr`]) — the platform turns that
//!   into IRQ13 through the PIC (not wired yet). A real CPU then freezes at
//!   the waiting instruction until the IRQ13 handler clears the exception;
//!   ox86 instead continues as if IGNNE# were asserted (the instruction
//!   executes). This is a known simplification until the PIC path exists.
//! - iced decodes WAIT + FNxxx (FINIT, FCLEX, FSTCW, FSTSW, FSTENV, FSAVE)
//!   as one instruction; it faults at the WAIT byte. With CR0.TS set and MP
//!   clear a CPU would pass the WAIT and raise #NM on the FNxxx one byte
//!   later; ox86 reports it at the WAIT (retrying there is equivalent).
//! - Non-control instructions record FCS:FIP, FOP and (with a memory
//!   operand) FDS:FDP (§8.1.8, §8.1.9).
//!
//! Files: `control.rs` (FNINIT, FNCLEX, FLDCW, FNSTCW, FNSTSW, FWAIT, FNOP,
//! FINCSTP, FDECSTP, FFREE(P), FXCH, 8087/287 no-ops), `env.rs` (FSTENV,
//! FLDENV, FSAVE, FRSTOR in the four layouts), `load_store.rs` (loads and
//! stores of every format, constants, FCMOVcc, FCHS, FABS, FXAM),
//! `compare.rs`, `arith.rs` (arithmetic, FSQRT, FRNDINT, FSCALE, FXTRACT,
//! FPREM, FPREM1). Values come from the soft-float core [`crate::fpu::f80`].
//!
//! Where the SDM leaves a detail open, ox86 follows what a Core-class host
//! does, found by the host differential test (`host_diff.rs`): e.g.
//! compares set their condition codes even when IE/DE are unmasked (but do
//! not pop), FPREM clears C2/C1 when there is no quotient, FCOMI and FCMOVcc
//! keep C1, FLD m32/m64 still loads with an unmasked DE, FSTP1 (D9 D8+i)
//! makes no empty check.
//!
//! `transcendental.rs` has F2XM1, FYL2X, FYL2XP1, FPTAN, FPATAN, FSIN,
//! FCOS, FSINCOS (within 1 ulp of the host x87). Left unclaimed (#UD,
//! tested in `coverage` below): FISTTP, which is SSE3 and stays #UD on the
//! Pentium model. The x87 is
//! decoded on the Pentium model only (8086/80286 models: #UD as before).
//! The guest-level ROM `test-roms/roms/x87.asm` covers #NM and #MF (CR0.NE
//! = 1); the FERR# → IRQ13 path (NE = 0) can only be tested end to end once
//! the platform wires FERR# to the PIC.

mod arith;
mod compare;
mod control;
mod env;
#[cfg(all(test, target_arch = "x86_64"))]
mod host_diff;
/// The host differential tests need an x86-64 host; say so elsewhere.
#[cfg(all(test, not(target_arch = "x86_64")))]
#[test]
fn x87_host_differential_skipped() {
    eprintln!("x87 host differential tests skipped: the host is not x86-64");
}
mod load_store;
mod transcendental;

use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::fpu_state::Reg80;
use crate::cpu::state::{cr0, SegReg};
use crate::cpu::Cpu;
use crate::fpu::f80::{self, X87Env, F80};
use iced_x86::{Instruction, MemorySize, OpKind};

/// Handler for the x87 family (and WAIT/FWAIT).
pub fn handler(insn: &Instruction) -> Option<Handler> {
    control::handler(insn)
        .or_else(|| env::handler(insn))
        .or_else(|| load_store::handler(insn))
        .or_else(|| arith::handler(insn))
        .or_else(|| compare::handler(insn))
        .or_else(|| transcendental::handler(insn))
}

/// #NM checks of an ESC instruction (SDM Vol. 3A Table 2-2): CR0.EM or TS.
#[inline]
pub(super) fn check_nm(cpu: &Cpu) -> ExResult {
    if cpu.state.cr0 & (cr0::EM | cr0::TS) != 0 {
        return Err(Exception::DeviceNotAvailable);
    }
    Ok(())
}

/// The pending-exception check of a waiting instruction: #MF when CR0.NE,
/// else FERR# (see the module docs). MMX instructions and the MMX-register
/// SSE conversions make the same check (SDM Vol. 1 §9.5.3).
#[inline]
pub(crate) fn check_pending(cpu: &mut Cpu) -> ExResult {
    if cpu.state.fpu.sw & crate::cpu::fpu_state::sw::ES != 0 {
        if cpu.state.cr0 & cr0::NE != 0 {
            return Err(Exception::FpuError);
        }
        cpu.assert_ferr();
    }
    Ok(())
}

/// Prologue of a waiting x87 instruction: #NM, then pending exceptions.
#[inline]
pub(super) fn check_wait(cpu: &mut Cpu) -> ExResult {
    check_nm(cpu)?;
    check_pending(cpu)
}

/// Number of the ST(i) register in operand `n` (0 for ST0).
#[inline]
pub(super) fn sti(d: &DecodedInsn, n: u32) -> u8 {
    let r = d.insn.op_register(n) as u32;
    (r.wrapping_sub(iced_x86::Register::ST0 as u32) & 7) as u8
}

/// Whether operand 0 is in memory.
#[inline]
pub(super) fn has_mem(d: &DecodedInsn) -> bool {
    (0..d.insn.op_count()).any(|n| d.insn.op_kind(n) == OpKind::Memory)
}

/// Offset of the current instruction (its first prefix byte).
#[inline]
pub(super) fn insn_ip(cpu: &Cpu, d: &DecodedInsn) -> u64 {
    cpu.state.rip.wrapping_sub(u64::from(d.len)) & cpu.ip_mask()
}

/// Record FCS:FIP, FOP and, for memory operands, FDS:FDP (§8.1.8–8.1.9)
/// for a non-control instruction. FOP is the low three bits of the ESC
/// opcode byte and the ModR/M byte, read back from the instruction bytes.
pub(super) fn record(cpu: &mut Cpu, d: &DecodedInsn) {
    let ip = insn_ip(cpu, d);
    let cs = cpu.state.seg[SegReg::Cs as usize];
    let f = &mut cpu.state.fpu;
    f.fcs = cs.selector;
    f.fip = ip as u32;
    // Find the ESC byte after the prefixes (at most len − 2 of them).
    let mut op = 0u16;
    let lin = cs.base.wrapping_add(ip as u32);
    for i in 0..u32::from(d.len).saturating_sub(1) {
        let b = match cpu.read_lin(lin.wrapping_add(i), 1) {
            Ok(b) => b as u8,
            Err(_) => break,
        };
        if (0xD8..=0xDF).contains(&b) {
            if let Ok(m) = cpu.read_lin(lin.wrapping_add(i + 1), 1) {
                op = (u16::from(b & 7) << 8) | m as u16;
            }
            break;
        }
    }
    cpu.state.fpu.fop = op;
    if has_mem(d) {
        let seg = cpu.mem_seg(d);
        let off = cpu.ea(d);
        cpu.state.fpu.fds = cpu.state.seg[seg as usize].selector;
        cpu.state.fpu.fdp = off as u32;
    }
}

/// Read `n` (≤ 16) bytes of the memory operand at byte offset `at` into a
/// little-endian u128.
pub(super) fn read_bytes(cpu: &mut Cpu, d: &DecodedInsn, at: u64, n: u32) -> ExResult<u128> {
    let seg = cpu.mem_seg(d);
    let base = cpu.ea(d).wrapping_add(at);
    let mut v = 0u128;
    let mut i = 0;
    while i < n {
        let chunk = if n - i >= 8 {
            8
        } else if n - i >= 4 {
            4
        } else if n - i >= 2 {
            2
        } else {
            1
        };
        let off = base.wrapping_add(u64::from(i)) & d.amask();
        v |= u128::from(cpu.read_mem(seg, off, chunk)?) << (8 * i);
        i += chunk;
    }
    Ok(v)
}

/// Write `n` (≤ 16) bytes to the memory operand at byte offset `at`
/// (callers check writability of the whole destination first).
pub(super) fn write_bytes(cpu: &mut Cpu, d: &DecodedInsn, at: u64, n: u32, v: u128) -> ExResult {
    let seg = cpu.mem_seg(d);
    let base = cpu.ea(d).wrapping_add(at);
    let mut i = 0;
    while i < n {
        let chunk = if n - i >= 8 {
            8
        } else if n - i >= 4 {
            4
        } else if n - i >= 2 {
            2
        } else {
            1
        };
        let off = base.wrapping_add(u64::from(i)) & d.amask();
        let part = (v >> (8 * i)) as u64;
        cpu.write_mem(seg, off, chunk, part)?;
        i += chunk;
    }
    Ok(())
}

/// Check that the `n`-byte memory operand may be written (so a store
/// faults before changing any x87 state).
pub(super) fn check_write(cpu: &mut Cpu, d: &DecodedInsn, n: u32) -> ExResult {
    let seg = cpu.mem_seg(d);
    let off = cpu.ea(d);
    cpu.check_write(seg, off, n)
}

/// The soft-float view of a register value.
#[inline]
pub(super) fn to_f80(r: Reg80) -> F80 {
    F80 {
        sign: r.se & 0x8000 != 0,
        exp: r.se & 0x7FFF,
        sig: r.sig,
    }
}

/// The register encoding of a soft-float value.
#[inline]
pub(super) fn from_f80(v: F80) -> Reg80 {
    Reg80 {
        sig: v.sig,
        se: (v.exp & 0x7FFF) | if v.sign { 0x8000 } else { 0 },
    }
}

/// Rounding/precision/masks of the current control word.
#[inline]
pub(super) fn env(cpu: &Cpu) -> X87Env {
    X87Env::from_control_word(cpu.state.fpu.cw)
}

/// The unmasked response to the exception `flags` of an operation, for the
/// exceptions in `which` that stop it (§8.5): returns the flags to record
/// and whether the destination must be left alone. An unmasked IE or DE is
/// detected before the operation, so only those flags are recorded; an
/// unmasked ZE likewise keeps only DE/ZE.
#[inline]
pub(super) fn screen(cpu: &Cpu, flags: u8, which: u8) -> (u8, bool) {
    let um = flags & !(cpu.state.fpu.cw as u8) & which;
    if um & (f80::IE | f80::DE) != 0 {
        (flags & (f80::IE | f80::DE), true)
    } else if um & f80::ZE != 0 {
        (flags & (f80::DE | f80::ZE), true)
    } else {
        (flags, um != 0)
    }
}

/// Read the memory source operand of an arithmetic or compare instruction
/// (m32/m64 real, m16/m32 integer) as an extended operand plus the DE its
/// denormal value carries (applied with [`f80::apply_operand_de`]).
/// Signalling NaNs stay signalling so the operation applies the x87 NaN
/// rules to both operands.
pub(super) fn read_source(cpu: &mut Cpu, d: &DecodedInsn) -> ExResult<(F80, u8)> {
    Ok(match d.insn.memory_size() {
        MemorySize::Float32 => f80::f32_operand(read_bytes(cpu, d, 0, 4)? as u32),
        MemorySize::Float64 => f80::f64_operand(read_bytes(cpu, d, 0, 8)? as u64),
        MemorySize::Int16 => (f80::from_i16(read_bytes(cpu, d, 0, 2)? as u16 as i16), 0),
        _ => (f80::from_i32(read_bytes(cpu, d, 0, 4)? as u32 as i32), 0),
    })
}

#[cfg(test)]
pub(crate) mod testutil {
    use crate::cpu::exec::testutil::{cpu_with, step};
    use crate::cpu::fpu_state::Reg80;
    use crate::cpu::{Cpu, CpuModel};

    /// A Pentium in real mode after FNINIT, with `code` at 0:100.
    pub fn fpu_cpu(code: &[u8]) -> Cpu {
        let mut cpu = cpu_with(CpuModel::Pentium, code);
        cpu.state.fpu.init();
        cpu
    }

    /// Run `n` instructions.
    pub fn run(cpu: &mut Cpu, n: usize) {
        for _ in 0..n {
            step(cpu);
        }
    }

    /// 1.0, 2.0, … as register values.
    pub fn int(v: i64) -> Reg80 {
        if v == 0 {
            return Reg80::ZERO;
        }
        let m = v.unsigned_abs();
        let lz = m.leading_zeros();
        Reg80 {
            sig: m << lz,
            se: (0x3FFF + 63 - lz) as u16 | if v < 0 { 0x8000 } else { 0 },
        }
    }
}

#[cfg(test)]
mod coverage {
    use crate::cpu::exec::handler_for;
    use iced_x86::{Decoder, DecoderOptions, Mnemonic};

    /// Every ESC opcode (D8–DF, all ModR/M register forms and /0–/7 memory
    /// forms): exactly FISTTP (SSE3) is unclaimed, so it raises #UD. (FRSTPM, 287XL only, does not decode.)
    #[test]
    fn unclaimed_x87_opcodes() {
        let mut missing = Vec::new();
        for esc in 0xD8u8..=0xDF {
            for modrm in (0u8..8).map(|r| r << 3).chain(0xC0..=0xFF) {
                let bytes = [esc, modrm, 0, 0];
                let mut dec = Decoder::new(16, &bytes, DecoderOptions::NONE);
                let insn = dec.decode();
                if insn.is_invalid() {
                    continue;
                }
                if handler_for(&insn).is_none() && !missing.contains(&insn.mnemonic()) {
                    missing.push(insn.mnemonic());
                }
            }
        }
        let expected = [Mnemonic::Fisttp];
        missing.sort_by_key(|m| *m as u32);
        let mut want = expected.to_vec();
        want.sort_by_key(|m| *m as u32);
        assert_eq!(missing, want);
    }
}

#[cfg(test)]
mod pointer_tests {
    use super::testutil::{fpu_cpu, run};

    /// (code, FIP, FOP, FDP) after the last instruction; FNSTCW and FLDCW
    /// are control instructions and leave the pointers alone.
    #[test]
    fn last_instruction_and_data_pointers() {
        let cases: [(&[u8], u32, u16, u32); 4] = [
            (&[0xD9, 0xE8], 0x100, 0x1E8, 0),                         // FLD1
            (&[0x3E, 0xDD, 0x06, 0x34, 0x12], 0x100, 0x506, 0x1234),  // DS: FLD qword [1234h]
            (&[0xD9, 0xE8, 0xD9, 0x3E, 0x00, 0x03], 0x100, 0x1E8, 0), // FLD1; FNSTCW
            (&[0x26, 0x66, 0xDF, 0x07], 0x100, 0x707, 0x40), // ES: FILD word [bx] (67h-less)
        ];
        for (code, fip, fop, fdp) in cases {
            let mut cpu = fpu_cpu(code);
            cpu.state.regs[3] = 0x40; // BX
            let n = if code.len() == 6 { 2 } else { 1 };
            run(&mut cpu, n);
            let f = &cpu.state.fpu;
            assert_eq!(
                (f.fip, f.fop, f.fdp, f.fcs),
                (fip, fop, fdp, 0),
                "{code:x?}"
            );
        }
    }
}
