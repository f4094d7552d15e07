//! `--trace`: run the machine one instruction at a time on the step
//! interpreter and log each instruction (count, CS:IP, bytes, disassembly,
//! registers) before it runs, at trace level on the `ox86::trace` target.

use crate::run::TRACE_TARGET;
use emulator::cpu::access::Access;
use emulator::cpu::{Cpu, SegReg};
use emulator::engine::Tier;
use emulator::{Machine, RunOutcome};

/// Step `budget` instructions, logging each one before it runs.
pub fn traced_slice(m: &mut Machine, budget: u64) -> RunOutcome {
    let tier = m.tier;
    m.tier = Tier::Interpreter;
    let mut outcome = RunOutcome::Budget;
    for _ in 0..budget {
        if log::log_enabled!(target: TRACE_TARGET, log::Level::Trace) && !m.cpu.state.halted {
            log::trace!(target: TRACE_TARGET, "{}", trace_line(&mut m.cpu));
        }
        outcome = m.run_slice(1);
        if outcome != RunOutcome::Budget {
            break;
        }
    }
    m.tier = tier;
    outcome
}

/// One trace line: instruction count, CS:IP, bytes, disassembly, and the
/// registers before the instruction runs. The code address is translated
/// as the instruction fetch that follows will translate it (same TLB fill
/// and accessed bits); a fetch that faults shows as `(bad)`.
fn trace_line(cpu: &mut Cpu) -> String {
    let mut bytes = [0u8; 15];
    let fetched = match cpu.translate(cpu.linear_ip(), Access::Execute) {
        Ok(phys) => {
            cpu.mem.read_bytes(phys, &mut bytes);
            true
        }
        Err(_) => false,
    };
    let s = &cpu.state;
    let bitness = if s.code32() { 32 } else { 16 };
    let mut dec =
        iced_x86::Decoder::with_ip(bitness, &bytes, s.rip, iced_x86::DecoderOptions::NONE);
    let insn = dec.decode();
    let len = match (fetched, insn.is_invalid()) {
        (false, _) => 0,
        (true, true) => 1,
        (true, false) => insn.len(),
    };
    let hex: String = bytes[..len].iter().map(|b| format!("{b:02x}")).collect();
    let text = if fetched {
        disassemble(&insn)
    } else {
        "(fetch faults)".to_string()
    };
    let cs = s.seg[SegReg::Cs as usize].selector;
    let r = |n: usize| s.regs[n] as u32;
    format!(
        "{:>10} {cs:04x}:{:08x} {hex:<20} {:<32} eax={:08x} ebx={:08x} ecx={:08x} edx={:08x} \
         esi={:08x} edi={:08x} ebp={:08x} esp={:08x} efl={:08x}",
        cpu.icount,
        s.rip,
        text,
        r(0),
        r(3),
        r(1),
        r(2),
        r(6),
        r(7),
        r(5),
        r(4),
        s.flags.eflags()
    )
}

#[cfg(feature = "tracing")]
fn disassemble(insn: &iced_x86::Instruction) -> String {
    use iced_x86::Formatter;
    if insn.is_invalid() {
        return "(bad)".into();
    }
    let mut out = String::new();
    iced_x86::IntelFormatter::new().format(insn, &mut out);
    out
}

/// Without the `tracing` feature there is no formatter: show the mnemonic.
#[cfg(not(feature = "tracing"))]
fn disassemble(insn: &iced_x86::Instruction) -> String {
    if insn.is_invalid() {
        return "(bad)".into();
    }
    format!("{:?}", insn.mnemonic()).to_lowercase()
}
