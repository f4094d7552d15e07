//! The PC board: CPU, memory, devices and firmware wired together, and the
//! run loop used by the frontend.
//!
//! At this stage the machine has RAM, an optional ROM image (mapped at the
//! top of the first MiB and aliased just below 4 GiB, as a PC BIOS is), the
//! debug ports and COM1 (a 16550A at 0x3F8 whose output collects in a
//! buffer: `cpu.io.take_serial_output()`; its interrupt line is not
//! connected yet). A kernel can be booted directly, without firmware, from
//! a [`bios::BootImage`] ([`Machine::load_boot_image`]). The interrupt
//! controllers, timers and the rest of the platform come with the platform
//! work.

use crate::cpu::flags::Flags;
use crate::cpu::interrupt::IntSource;
use crate::cpu::state::{attr, cr0, Segment, TableReg};
use crate::cpu::{Cpu, CpuEvent, CpuModel, SegReg};
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
    #[error("boot image segment {start:#x}–{end:#x} is outside RAM")]
    BootSegmentOutsideRam { start: u64, end: u64 },
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
    /// Last FERR# level passed to the PIC as IRQ13.
    ferr_level: bool,
}

/// Longest run of instructions between two looks at the interrupt
/// controller: a device interrupt (or IRQ13 from the FPU) is taken within
/// this many instructions.
pub const INTERRUPT_WINDOW: u64 = 16 * 1024;

/// IRQ line of the x87 FERR# output on a PC/AT (slave 8259A input 5).
pub const IRQ_FERR: u8 = 13;

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
        }))
        .with_com1()
        .with_pic();
        let cpu = Cpu::new(cfg.model, mem, io);
        Ok(Machine {
            cpu,
            blocks: BlockCache::new(),
            tier: cfg.tier,
            no_reboot: cfg.no_reboot,
            resets: 0,
            ferr_level: false,
        })
    }

    /// Boot a kernel directly: write the image's segments to RAM and put the
    /// CPU in its protected-mode entry state — CR0.PE set and paging off,
    /// EFLAGS = 2 (interrupts off, not V86), CPL 0, A20 on, CS and the
    /// data segment registers loaded with flat 4 GiB 32-bit descriptors
    /// matching the image's GDT, GDTR pointing at it, registers as given.
    /// Every segment must lie in RAM.
    pub fn load_boot_image(&mut self, img: &bios::BootImage) -> Result<(), MachineError> {
        let ram = self.cpu.mem.ram_size();
        for s in &img.segments {
            if s.end() > ram {
                return Err(MachineError::BootSegmentOutsideRam {
                    start: u64::from(s.addr),
                    end: s.end(),
                });
            }
        }
        let zeros = [0u8; 4096];
        for s in &img.segments {
            self.cpu.mem.write_bytes(s.addr, &s.data);
            let mut at = u64::from(s.addr) + s.data.len() as u64;
            while at < s.end() {
                let n = (s.end() - at).min(zeros.len() as u64) as usize;
                self.cpu.mem.write_bytes(at as u32, &zeros[..n]);
                at += n as u64;
            }
        }
        let e = &img.entry;
        let st = &mut self.cpu.state;
        for (i, v) in e.regs.iter().enumerate() {
            st.regs[i] = u64::from(*v);
        }
        st.rip = u64::from(e.eip);
        st.flags = Flags::from_bits(0x2);
        st.cr0 = (st.cr0 | cr0::PE) & !cr0::PG;
        st.cpl = 0;
        st.halted = false;
        st.gdtr = TableReg {
            base: u64::from(e.gdt_base),
            limit: e.gdt_limit,
        };
        let flat = |selector, kind| Segment {
            selector,
            base: 0,
            limit: 0xFFFF_FFFF,
            attr: attr::P | attr::S | kind | attr::RW | attr::ACCESSED | attr::DB | attr::G,
        };
        for r in SegReg::ALL {
            st.seg[r as usize] = match r {
                SegReg::Cs => flat(e.code_selector, attr::CODE),
                _ => flat(e.data_selector, 0),
            };
        }
        self.cpu.mem.set_a20(true);
        self.cpu.tlb.flush_all();
        Ok(())
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
            self.service_interrupts();
            if let Some(o) = self.stopped() {
                return o;
            }
            let used = self.cpu.icount - start;
            if used >= budget {
                return RunOutcome::Budget;
            }
            let left = (budget - used).min(INTERRUPT_WINDOW);
            match self.tier {
                Tier::Blocks => {
                    self.blocks.run(&mut self.cpu, left);
                }
                Tier::Interpreter => {
                    // Stop where the block tier would (see BlockCache::run):
                    // when an interrupt line may have changed or IF rose.
                    let start = self.cpu.icount;
                    self.cpu.irq_check = false;
                    let if_was = self.cpu.state.flags.if_();
                    while self.cpu.icount - start < left
                        && self.stopped().is_none()
                        && !self.cpu.irq_check
                        && (if_was || !self.cpu.state.flags.if_())
                    {
                        interpreter::step(&mut self.cpu);
                    }
                }
            }
        }
    }

    /// Pass interrupt lines to the PIC and, when the CPU accepts interrupts
    /// (IF set, no STI/MOV SS shadow), run the INTA cycle and deliver the
    /// vector (SDM Vol. 3A §6.8.1). A pending interrupt wakes a halted CPU.
    ///
    /// Lines wired so far: FERR# → IRQ13 (the x87's error output when
    /// CR0.NE is clear, as the PC/AT wires it). The timers, UART, keyboard
    /// and RTC lines come with the platform work.
    fn service_interrupts(&mut self) {
        let Some(pic) = self.cpu.io.pic.as_mut() else {
            return;
        };
        let ferr = self.cpu.state.fpu.ferr;
        if ferr != self.ferr_level {
            pic.service_irq(IRQ_FERR, ferr);
            self.ferr_level = ferr;
        }
        if !self.cpu.state.flags.if_() || !pic.interrupt_requested() {
            return;
        }
        if self.cpu.state.halted {
            // HLT after STI: the shadow has passed.
            self.cpu.state.int_shadow = false;
        } else if self.cpu.state.int_shadow {
            // The instruction after STI / MOV SS runs before the interrupt
            // is taken (it may clear IF again, or halt).
            self.cpu.state.int_shadow = false;
            interpreter::step(&mut self.cpu);
            if !self.cpu.state.flags.if_()
                || self
                    .stopped()
                    .is_some_and(|o| !matches!(o, RunOutcome::Halted { .. }))
            {
                return;
            }
        }
        let Some(vector) = self.cpu.io.pic.as_mut().and_then(|p| p.acknowledge()) else {
            return;
        };
        self.cpu.state.halted = false;
        if let Err(e) = self.cpu.interrupt(vector, IntSource::External) {
            self.cpu.raise(e);
        }
    }

    /// Reset the CPU if it shut down and the board reboots on shutdown.
    fn reboot_after_shutdown(&mut self) {
        if self.cpu.event == CpuEvent::Shutdown && !self.no_reboot {
            // Warn once: a guest may triple-fault in a loop.
            let level = if self.resets == 0 {
                log::Level::Warn
            } else {
                log::Level::Debug
            };
            log::log!(
                level,
                "triple fault at {:04x}:{:08x}: resetting the CPU (reset {})",
                self.cpu.state.seg[SegReg::Cs as usize].selector,
                self.cpu.state.rip,
                self.resets + 1
            );
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

#[cfg(test)]
mod tests {
    use super::*;
    use bios::{BootImage, LoadSegment, ProtectedModeEntry};

    /// A boot image whose code at 1 MiB checks EAX, prints "k" on COM1 and
    /// writes 0x10 to the exit port (0x11 if EAX is wrong).
    fn image(eax: u32) -> BootImage {
        let code = vec![
            0x3D, 0x02, 0xB0, 0xAD, 0x2B, // cmp eax, 0x2BADB002
            0x75, 0x0C, // jne fail
            0x66, 0xBA, 0xF8, 0x03, // mov dx, 0x3F8
            0xB0, b'k', // mov al, 'k'
            0xEE, // out dx, al
            0xB0, 0x10, 0xE6, 0xF4, // mov al, 0x10; out 0xF4, al
            0xF4, // hlt
            0xB0, 0x11, 0xE6, 0xF4, 0xF4, // fail: mov al, 0x11; out 0xF4, al; hlt
        ];
        let mut regs = [0; 8];
        regs[0] = eax;
        BootImage {
            segments: vec![
                LoadSegment {
                    addr: 0x10_0000,
                    data: code,
                    zero_len: 0x20,
                },
                LoadSegment {
                    addr: 0x800,
                    data: bios::boot::flat_gdt().to_vec(),
                    zero_len: 0,
                },
            ],
            entry: ProtectedModeEntry {
                eip: 0x10_0000,
                regs,
                gdt_base: 0x800,
                gdt_limit: 23,
                code_selector: 0x08,
                data_selector: 0x10,
            },
        }
    }

    #[test]
    fn boot_image_enters_flat_protected_mode_on_both_tiers() {
        for tier in [Tier::Blocks, Tier::Interpreter] {
            for (eax, status) in [(0x2BAD_B002, 0x21), (0, 0x23)] {
                let mut m = Machine::new(&MachineConfig {
                    exit_port: Some(0xF4),
                    tier,
                    ..Default::default()
                })
                .unwrap();
                // Garbage where the zero fill goes.
                m.cpu.mem.write_bytes(0x10_0018, &[0xAA; 0x20]);
                m.load_boot_image(&image(eax)).unwrap();
                let s = &m.cpu.state;
                assert!(s.protected() && s.code32() && s.stack32());
                assert_eq!(s.cr0 & cr0::PG, 0);
                assert!(!s.flags.if_() && !s.flags.vm());
                assert_eq!(s.sreg(SegReg::Cs).selector, 0x08);
                assert_eq!(s.sreg(SegReg::Ds).limit, 0xFFFF_FFFF);
                assert_eq!((s.gdtr.base, s.gdtr.limit), (0x800, 23));
                assert_eq!(m.cpu.mem.read_u8(0x10_0018 + 0x1F), 0, "zero fill");
                assert_eq!(m.run_slice(1000), RunOutcome::Exit(status), "{tier:?}");
                let out = m.cpu.io.take_serial_output();
                assert_eq!(out, if status == 0x21 { &b"k"[..] } else { b"" });
            }
        }
    }

    #[test]
    fn boot_image_outside_ram_is_an_error() {
        let mut m = Machine::new(&MachineConfig {
            ram_size: 1 << 20,
            ..Default::default()
        })
        .unwrap();
        assert!(matches!(
            m.load_boot_image(&image(0)),
            Err(MachineError::BootSegmentOutsideRam {
                start: 0x10_0000,
                ..
            })
        ));
    }
}
