//! Instruction handlers, one file per instruction family.
//!
//! Each family exposes `handler(&Instruction) -> Option<Handler>`, chosen
//! once at decode time (mostly by mnemonic: operands are accessed
//! generically through [`crate::cpu::operand`]). An instruction no family
//! claims raises #UD.

pub mod alu;
pub mod atomic;
pub mod bcd;
pub mod bit;
pub mod control;
pub mod cpuid_msr;
pub mod data;
pub mod flagops;
pub mod fxsave;
pub mod gates;
#[cfg(all(test, target_arch = "x86_64"))]
mod host_diff;
pub mod interrupts;
pub mod io;
pub mod mmx;
#[cfg(all(test, target_arch = "x86_64"))]
mod mmx_host_diff;
pub mod muldiv;
#[cfg(test)]
pub(crate) mod pm_fixture;
pub mod protected;
pub mod shift;
pub mod simd_common;
#[cfg(test)]
mod simd_host_diff;
pub mod sse_fp;
pub mod sse_fp_cmp;
pub mod sse_fp_cvt;
pub mod sse_int;
pub mod sse_int2;
pub mod sse_mov;
pub mod sse_mov_ctl;
pub mod stack;
pub mod string;
pub mod sysenter;
pub mod system;
pub mod x87;

use super::decode::Handler;
use super::flags::Flags;
use iced_x86::{ConditionCode, FlowControl, Instruction, Mnemonic};

/// The handler for a decoded instruction, if the emulator implements it.
pub fn handler_for(insn: &Instruction) -> Option<Handler> {
    alu::handler(insn)
        .or_else(|| data::handler(insn))
        .or_else(|| control::handler(insn))
        .or_else(|| interrupts::handler(insn))
        .or_else(|| stack::handler(insn))
        // x87 before system: it owns WAIT/FWAIT.
        .or_else(|| x87::handler(insn))
        .or_else(|| system::handler(insn))
        .or_else(|| cpuid_msr::handler(insn))
        .or_else(|| shift::handler(insn))
        .or_else(|| muldiv::handler(insn))
        .or_else(|| bcd::handler(insn))
        .or_else(|| bit::handler(insn))
        .or_else(|| atomic::handler(insn))
        .or_else(|| string::handler(insn))
        .or_else(|| flagops::handler(insn))
        .or_else(|| io::handler(insn))
        .or_else(|| protected::handler(insn))
        .or_else(|| sysenter::handler(insn))
        .or_else(|| sse_fp::handler(insn))
        .or_else(|| sse_fp_cmp::handler(insn))
        .or_else(|| sse_fp_cvt::handler(insn))
        .or_else(|| sse_int::handler(insn))
        .or_else(|| sse_int2::handler(insn))
        .or_else(|| sse_mov::handler(insn))
        .or_else(|| sse_mov_ctl::handler(insn))
        .or_else(|| mmx::handler(insn))
        .or_else(|| fxsave::handler(insn))
}

/// Whether the instruction must end a basic block: control transfers and
/// instructions that may change how following bytes decode or whether
/// interrupts are taken.
pub fn ends_block(insn: &Instruction) -> bool {
    if insn.flow_control() != FlowControl::Next {
        return true;
    }
    matches!(
        insn.mnemonic(),
        Mnemonic::Hlt
            | Mnemonic::Sti
            | Mnemonic::Cli
            | Mnemonic::Popf
            | Mnemonic::Popfd
            | Mnemonic::Lmsw
            | Mnemonic::Clts
            | Mnemonic::Lgdt
            | Mnemonic::Lidt
            | Mnemonic::Lldt
            | Mnemonic::Ltr
            | Mnemonic::Wrmsr
            | Mnemonic::Invlpg
            | Mnemonic::Cpuid
            | Mnemonic::Out
            | Mnemonic::Outsb
            | Mnemonic::Outsw
            | Mnemonic::Outsd
    ) || (insn.is_string_instruction() && (insn.has_rep_prefix() || insn.has_repne_prefix()))
        // A REP string instruction may leave IP on itself to resume later
        // (exec::string::MAX_ITERATIONS_PER_CALL).
        || (insn.mnemonic() == Mnemonic::Mov
        && (is_cr_or_dr(insn.op0_register()) || insn.op0_register() == iced_x86::Register::SS))
        || (insn.mnemonic() == Mnemonic::Pop && insn.op0_register() == iced_x86::Register::SS)
}

fn is_cr_or_dr(r: iced_x86::Register) -> bool {
    let n = r as u32;
    let cr0 = iced_x86::Register::CR0 as u32;
    let dr15 = iced_x86::Register::DR15 as u32;
    (cr0..=dr15).contains(&n)
}

/// Evaluate a condition code against the flags (SDM Vol. 1 Appendix B).
#[inline]
pub fn condition(f: &Flags, cc: ConditionCode) -> bool {
    match cc {
        ConditionCode::None => true,
        ConditionCode::o => f.of(),
        ConditionCode::no => !f.of(),
        ConditionCode::b => f.cf(),
        ConditionCode::ae => !f.cf(),
        ConditionCode::e => f.zf(),
        ConditionCode::ne => !f.zf(),
        ConditionCode::be => f.cf() || f.zf(),
        ConditionCode::a => !f.cf() && !f.zf(),
        ConditionCode::s => f.sf(),
        ConditionCode::ns => !f.sf(),
        ConditionCode::p => f.pf(),
        ConditionCode::np => !f.pf(),
        ConditionCode::l => f.sf() != f.of(),
        ConditionCode::ge => f.sf() == f.of(),
        ConditionCode::le => f.zf() || f.sf() != f.of(),
        ConditionCode::g => !f.zf() && f.sf() == f.of(),
    }
}

/// Test helpers: run raw bytes on a small flat real-mode machine.
#[cfg(test)]
pub(crate) mod testutil {
    use crate::cpu::{Cpu, CpuModel, CpuState};
    use crate::memory::Memory;
    use devices::IoBus;

    /// A CPU in real mode with 1 MiB RAM, CS=DS=ES=SS=0, IP=0x100, SP=0xFFFE,
    /// and `code` at 0x100.
    pub fn cpu_with(model: CpuModel, code: &[u8]) -> Cpu {
        let mut cpu = Cpu::new(model, Memory::new(0x10_0000).unwrap(), IoBus::default());
        let mut s = CpuState::reset();
        for r in crate::cpu::SegReg::ALL {
            s.seg[r as usize] = crate::cpu::Segment::real(0, r == crate::cpu::SegReg::Cs);
        }
        s.rip = 0x100;
        s.regs[4] = 0xFFFE;
        cpu.state = s;
        cpu.mem.write_bytes(0x100, code);
        cpu
    }

    /// Execute one instruction at CS:IP with the step interpreter.
    pub fn step(cpu: &mut Cpu) {
        crate::engine::interpreter::step(cpu);
    }
}
