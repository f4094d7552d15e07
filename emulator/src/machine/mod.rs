//! The PC board: CPU, memory, devices and firmware wired together, and the
//! run loop used by the frontend.
//!
//! At this stage the machine has RAM, an optional ROM image (mapped at the
//! top of the first MiB and aliased just below 4 GiB, as a PC BIOS is) and
//! the debug ports. The interrupt controllers, timers and the rest of the
//! platform come with the platform work.

use crate::cpu::{Cpu, CpuEvent, CpuModel};
use crate::engine::{interpreter, BlockCache, Tier};
use crate::memory::{Memory, MemoryError};
use devices::{DebugPorts, DebugPortsConfig, IoBus};
use std::sync::Arc;
use thiserror::Error;

/// Errors building a machine from a configuration.
#[derive(Debug, Error)]
pub enum MachineError {
    #[error(transparent)]
    Memory(#[from] MemoryError),
    #[error("ROM image is {0} bytes; it must be a non-zero multiple of 4 KiB and at most 256 KiB")]
    BadRomSize(usize),
}

/// What to build.
#[derive(Clone, Debug)]
pub struct MachineConfig {
    pub model: CpuModel,
    /// RAM in bytes (multiple of 4 KiB).
    pub ram_size: u64,
    /// ROM image mapped so that it ends at 1 MiB and at 4 GiB.
    pub bios: Option<Arc<[u8]>>,
    /// isa-debug-exit port.
    pub exit_port: Option<u16>,
    /// Execution tier.
    pub tier: Tier,
    /// On a triple fault (CPU shutdown) end the run with
    /// [`RunOutcome::Shutdown`] instead of resetting the CPU as a PC board
    /// does (QEMU's `-no-reboot`).
    pub no_reboot: bool,
}

impl Default for MachineConfig {
    fn default() -> Self {
        MachineConfig {
            model: CpuModel::Pentium,
            ram_size: 32 << 20,
            bios: None,
            exit_port: None,
            tier: Tier::Blocks,
            no_reboot: false,
        }
    }
}

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// The guest wrote to the exit port; the host exit status is given.
    Exit(u32),
    /// The CPU halted. `interrupts_enabled` tells whether an interrupt could
    /// wake it (with no interrupt sources yet, nothing will).
    Halted { interrupts_enabled: bool },
    /// Triple fault with [`MachineConfig::no_reboot`] (without it the
    /// machine resets and goes on).
    Shutdown,
    /// The slice's instruction budget was used up; the guest can go on.
    Budget,
}

/// A whole PC.
#[derive(Debug)]
pub struct Machine {
    pub cpu: Cpu,
    pub blocks: BlockCache,
    pub tier: Tier,
    /// End the run on a triple fault instead of resetting.
    pub no_reboot: bool,
    /// Resets caused by triple faults so far.
    pub resets: u64,
}

impl Machine {
    /// Build a machine and reset it.
    pub fn new(cfg: &MachineConfig) -> Result<Self, MachineError> {
        let mut mem = Memory::new(cfg.ram_size)?;
        if let Some(rom) = &cfg.bios {
            let len = rom.len();
            if len == 0 || len % 4096 != 0 || len > 256 * 1024 {
                return Err(MachineError::BadRomSize(len));
            }
            mem.map_rom(0x10_0000 - len as u64, rom.clone())?;
            // The alias at the top of the physical address space, where the
            // reset vector is: below 4 GiB, or below 16 MiB on the 80286's
            // 24-bit bus (as on the PC/AT).
            let top: u64 = match cfg.model {
                CpuModel::I80286 => 1 << 24,
                _ => 1 << 32,
            };
            mem.map_rom(top - len as u64, rom.clone())?;
        }
        let io = IoBus::new(DebugPorts::new(DebugPortsConfig {
            exit_port: cfg.exit_port,
            ..Default::default()
        }));
        let cpu = Cpu::new(cfg.model, mem, io);
        Ok(Machine {
            cpu,
            blocks: BlockCache::new(),
            tier: cfg.tier,
            no_reboot: cfg.no_reboot,
            resets: 0,
        })
    }

    /// Run at most `budget` instructions; returns why it stopped.
    ///
    /// A triple fault shuts the CPU down. A PC board answers the shutdown
    /// cycle with a reset: unless [`Machine::no_reboot`] is set, the CPU
    /// gets its reset state (RAM and ROM keep their contents) and the slice
    /// goes on from the reset vector.
    pub fn run_slice(&mut self, budget: u64) -> RunOutcome {
        let start = self.cpu.icount;
        loop {
            self.reboot_after_shutdown();
            if let Some(o) = self.stopped() {
                return o;
            }
            let used = self.cpu.icount - start;
            if used >= budget {
                return RunOutcome::Budget;
            }
            let left = budget - used;
            match self.tier {
                Tier::Blocks => {
                    self.blocks.run(&mut self.cpu, left);
                }
                Tier::Interpreter => {
                    let start = self.cpu.icount;
                    while self.cpu.icount - start < left && self.stopped().is_none() {
                        interpreter::step(&mut self.cpu);
                    }
                }
            }
            if self.cpu.event != CpuEvent::Shutdown || self.no_reboot {
                return self.stopped().unwrap_or(RunOutcome::Budget);
            }
        }
    }

    /// Reset the CPU if it shut down and the board reboots on shutdown.
    fn reboot_after_shutdown(&mut self) {
        if self.cpu.event == CpuEvent::Shutdown && !self.no_reboot {
            log::warn!("triple fault: resetting the CPU");
            self.cpu.reset();
            self.resets += 1;
        }
    }

    fn stopped(&self) -> Option<RunOutcome> {
        if let Some(s) = self.cpu.io.debug.exit_request() {
            return Some(RunOutcome::Exit(s));
        }
        if self.cpu.event == CpuEvent::Shutdown {
            return Some(RunOutcome::Shutdown);
        }
        if self.cpu.state.halted {
            return Some(RunOutcome::Halted {
                interrupts_enabled: self.cpu.state.flags.if_(),
            });
        }
        None
    }
}
