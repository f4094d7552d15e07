//! System and miscellaneous instructions: NOP, HLT (SDM Vol. 2).

use crate::cpu::decode::{DecodedInsn, Handler};
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::Cpu;
use iced_x86::{Instruction, Mnemonic};

/// Handler for this family.
pub fn handler(insn: &Instruction) -> Option<Handler> {
    Some(match insn.mnemonic() {
        Mnemonic::Nop => nop,
        Mnemonic::Hlt => hlt,
        _ => return None,
    })
}

fn nop(_cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    Ok(())
}

fn hlt(cpu: &mut Cpu, _d: &DecodedInsn) -> ExResult {
    if cpu.state.protected() && cpu.state.cpl != 0 {
        return Err(Exception::GeneralProtection(0));
    }
    cpu.state.halted = true;
    Ok(())
}
