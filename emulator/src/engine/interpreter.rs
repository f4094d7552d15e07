//! The step interpreter: fetch, decode and execute one instruction.

use crate::cpu::{Cpu, CpuModel, DecodedInsn, Exception};

/// Execute one decoded instruction whose first byte is at CS:IP. Advances
/// IP, runs the handler and, on a fault, rolls IP back and delivers the
/// exception. Returns `false` if an exception was raised.
#[inline]
pub fn execute(cpu: &mut Cpu, d: &DecodedInsn) -> bool {
    let ip = cpu.state.rip;
    cpu.state.rip = ip.wrapping_add(u64::from(d.len)) & cpu.ip_mask();
    cpu.icount += 1;
    match (d.handler)(cpu, d) {
        Ok(()) => true,
        Err(e) => {
            // The 8086 pushes the address of the next instruction for #DE.
            if !(cpu.model == CpuModel::I8086 && e == Exception::DivideError) {
                cpu.state.rip = ip;
            }
            cpu.raise(e);
            false
        }
    }
}

/// Decode and execute the instruction at CS:IP (nothing if halted).
/// Returns the decoded instruction when it ran, for tracing.
pub fn step(cpu: &mut Cpu) -> Option<DecodedInsn> {
    if cpu.state.halted {
        return None;
    }
    let lin = cpu.linear_ip();
    match cpu.decode_at(lin) {
        Ok(d) => {
            execute(cpu, &d);
            Some(d)
        }
        Err(e) => {
            cpu.icount += 1;
            cpu.raise(e);
            None
        }
    }
}
