//! The CPU: architectural state plus the buses it drives.
//!
//! [`Cpu`] owns the [`CpuState`], physical [`Memory`] and the I/O bus.
//! Instruction handlers (in [`exec`], one file per instruction family) are
//! plain functions `fn(&mut Cpu, &DecodedInsn) -> ExResult`; both execution
//! tiers in [`crate::engine`] call the same handlers.

pub mod access;
pub mod bus;
pub mod debug;
pub mod decode;
pub mod exception;
pub mod exec;
pub mod flags;
pub mod fpu_state;
pub mod interrupt;
pub mod legacy8086;
pub mod model;
pub mod operand;
pub mod paging;
pub mod segment;
pub mod state;
pub mod task;

pub use decode::{DecodedInsn, Handler};
pub use exception::{ExResult, Exception};
pub use model::CpuModel;
pub use state::{CpuState, SegReg, Segment};

use crate::memory::Memory;
use devices::IoBus;

/// Why the CPU stopped executing instructions on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuEvent {
    /// Nothing special happened.
    None,
    /// Triple fault: the processor shut down (a PC resets on this).
    Shutdown,
}

/// The CPU with its memory and I/O buses.
#[derive(Debug)]
pub struct Cpu {
    pub state: CpuState,
    pub mem: Memory,
    pub io: IoBus,
    pub model: CpuModel,
    /// Instructions retired (deterministic time base).
    pub icount: u64,
    /// Set on triple fault.
    pub event: CpuEvent,
    /// Model-specific registers not given fields of their own (read back
    /// what was written). Kept small and sorted.
    pub msrs: Vec<(u32, u64)>,
    /// Breakpoint enables derived from DR7 and pending #DB conditions.
    pub debug: debug::DebugState,
    /// Software TLB of the paging unit (see [`crate::mmu`]).
    pub tlb: crate::mmu::Tlb,
    /// Something may have changed an interrupt line (a port access, FERR#):
    /// the execution tiers return to the machine before the next block so
    /// it can look at the interrupt controller. The machine clears it.
    pub irq_check: bool,
}

impl Cpu {
    /// A CPU in its reset state with the given memory and I/O bus.
    pub fn new(model: CpuModel, mem: Memory, io: IoBus) -> Self {
        let mut cpu = Cpu {
            state: CpuState::reset(),
            mem,
            io,
            model,
            icount: 0,
            event: CpuEvent::None,
            msrs: Vec::new(),
            debug: debug::DebugState::default(),
            tlb: crate::mmu::Tlb::new(),
            irq_check: false,
        };
        cpu.apply_model_reset();
        cpu
    }

    /// Model-specific parts of reset (address bus width, FLAGS image).
    fn apply_model_reset(&mut self) {
        match self.model {
            CpuModel::I8086 => {
                self.mem.set_address_bits(20);
                self.state.seg[SegReg::Cs as usize] = Segment::real(0xFFFF, true);
                self.state.rip = 0;
            }
            CpuModel::I80286 => {
                self.mem.set_address_bits(24);
                self.state.seg[SegReg::Cs as usize].base = 0xFF_0000;
            }
            CpuModel::Pentium => {}
        }
    }

    /// Reset the CPU (memory and devices keep their contents).
    pub fn reset(&mut self) {
        self.state = CpuState::reset();
        self.event = CpuEvent::None;
        self.debug = debug::DebugState::default();
        self.tlb.flush_all();
        self.apply_model_reset();
    }

    /// Mask for IP arithmetic in the current code segment.
    #[inline]
    pub fn ip_mask(&self) -> u64 {
        if self.state.code32() {
            0xFFFF_FFFF
        } else {
            0xFFFF
        }
    }

    /// Linear address of the current instruction pointer.
    #[inline]
    pub fn linear_ip(&self) -> u32 {
        self.state.seg[SegReg::Cs as usize]
            .base
            .wrapping_add(self.state.rip as u32)
    }

    /// The FLAGS/EFLAGS image as PUSHF and interrupts store it.
    #[inline]
    pub fn flags_image(&self) -> u32 {
        let f = self.state.flags.eflags();
        match self.model {
            // 8086: bits 12–15 always read as 1.
            CpuModel::I8086 => (f & 0x0FFF) | 0xF000,
            // 80286 real mode: IOPL and NT cannot be set; bit 15 clear.
            CpuModel::I80286 if !self.state.protected() => f & 0x0FFF,
            _ => f,
        }
    }

    /// Key of the decoding mode: blocks decoded in one mode are never run
    /// in another (operand size, CPU mode, privilege).
    #[inline]
    pub fn mode_key(&self) -> u32 {
        let s = &self.state;
        u32::from(s.code32())
            | (u32::from(s.protected()) << 1)
            | (u32::from(s.v86()) << 2)
            | (u32::from(s.cpl) << 3)
    }

    /// Assert the x87's FERR# output (an unmasked x87 exception met a
    /// waiting instruction with CR0.NE clear): on a PC it raises IRQ13.
    #[inline]
    pub fn assert_ferr(&mut self) {
        self.state.fpu.ferr = true;
        self.irq_check = true;
    }

    /// Read an MSR kept in the generic table (0 if never written).
    pub fn msr(&self, index: u32) -> u64 {
        self.msrs
            .iter()
            .find(|(i, _)| *i == index)
            .map_or(0, |(_, v)| *v)
    }

    /// Write an MSR kept in the generic table.
    pub fn set_msr(&mut self, index: u32, value: u64) {
        match self.msrs.iter_mut().find(|(i, _)| *i == index) {
            Some(e) => e.1 = value,
            None => self.msrs.push((index, value)),
        }
    }
}
