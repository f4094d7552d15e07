//! Hardware task switching (SDM Vol. 3A §7.3): 16- and 32-bit TSS, busy
//! bits, NT and the back link.
//!
//! Being written: until then every task switch raises #GP(selector), the
//! exception a CPU gives for a TSS it cannot use, and logs why.

use super::exception::{ExResult, Exception};
use super::Cpu;

/// What caused a task switch (it decides busy-bit, NT and back-link handling).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskSwitchSource {
    /// JMP to a TSS or task gate.
    Jmp,
    /// CALL to a TSS or task gate.
    Call,
    /// IRET with EFLAGS.NT set (return to the back-linked task).
    Iret,
    /// An interrupt or exception through a task gate (error code, if any,
    /// is pushed on the new task's stack).
    Interrupt(Option<u32>),
}

impl Cpu {
    /// Switch to the task whose TSS descriptor is `tss_selector`.
    pub fn task_switch(&mut self, tss_selector: u16, src: TaskSwitchSource) -> ExResult {
        log::error!("task switch to {tss_selector:#06x} ({src:?}) is not implemented yet");
        Err(Exception::GeneralProtection(tss_selector & !3))
    }
}
