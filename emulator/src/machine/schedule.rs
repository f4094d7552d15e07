//! The run loop: CPU slices between device events, interrupt delivery,
//! the board's reset and A20 lines, and idle time while halted.
//!
//! [`Machine::run_slice`] runs the CPU in stretches that end at the next
//! timer event ([`devices::IoBus::next_event_ns`], converted to an
//! instruction count by the clock), after [`INTERRUPT_WINDOW`]
//! instructions, or when a port access may have changed an interrupt line
//! (`Cpu::irq_check`). Between stretches it brings the devices to the
//! present ([`devices::IoBus::update`], only when something changed or an
//! event is due), passes FERR# to IRQ13, and lets the 8259A interrupt the
//! CPU (SDM Vol. 3A §6.8.1; HLT resumes on an interrupt, §6.3 / HLT).
//!
//! A CPU halted with IF = 1 waits for the next event that can wake it
//! (a timer whose IRQ is not masked in the 8259A):
//! - deterministic clock: guest time jumps to the event at once (no
//!   instructions retire, so the time is a function of the instruction
//!   stream);
//! - real-time clock: the host thread sleeps until then (at most
//!   [`MAX_IDLE_SLEEP_NS`] at a time; `Thread::unpark` wakes it early for
//!   host input), and the slice ends so the frontend can pass output and
//!   input.
//!
//! With no such event (and no host input attached) the CPU is halted for
//! good: [`RunOutcome::Halted`]. HLT with IF = 0 ends the slice the same way
//! (there is no NMI source).

use super::{Machine, RunOutcome};
use crate::cpu::interrupt::IntSource;
use crate::cpu::CpuEvent;
use crate::engine::{interpreter, Tier};
use devices::ClockMode;
use std::time::Duration;

/// Longest run of instructions between two looks at the interrupt
/// controller: a device interrupt (or IRQ13 from the FPU) is taken within
/// this many instructions.
pub const INTERRUPT_WINDOW: u64 = 16 * 1024;

/// IRQ line of the x87 FERR# output on a PC/AT (slave 8259A input 5).
pub const IRQ_FERR: u8 = 13;

/// Longest host sleep of a halted CPU in one slice (real-time clock, or
/// waiting for host input): the slice ends after it.
pub const MAX_IDLE_SLEEP_NS: u64 = 50_000_000;

/// Deterministic skips in a row that raise no interrupt line before a
/// halted CPU counts as never waking (more than a day of RTC update
/// cycles, within which any valid alarm matches).
const MAX_QUIET_SKIPS: u32 = 100_000;

/// What the idle logic did for a halted CPU.
enum Idle {
    /// Guest time jumped to the next event (deterministic clock).
    Skipped,
    /// The host slept: end the slice.
    EndSlice,
    /// Nothing can wake the CPU.
    Never,
}

impl Machine {
    /// Run at most `budget` instructions; returns why it stopped.
    ///
    /// A triple fault shuts the CPU down. A PC board answers the shutdown
    /// cycle with a reset: unless [`Machine::no_reboot`] is set, the CPU
    /// gets its reset state (RAM and ROM keep their contents) and the slice
    /// goes on from the reset vector. A reset requested through the 8042
    /// or port 0x92 does the same ([`RunOutcome::ResetRequested`] with
    /// `no_reboot`).
    ///
    /// `RunOutcome::Budget` is also returned before the budget is used up
    /// when the CPU idled (see the module docs).
    pub fn run_slice(&mut self, budget: u64) -> RunOutcome {
        let start = self.cpu.icount;
        // Instruction count at the last deterministic skip while halted,
        // and how many skips in a row raised no interrupt line.
        let mut skipped_at = None;
        let mut quiet_skips = 0u32;
        loop {
            self.reboot_after_shutdown();
            if self.cpu.io.take_reset_request() {
                if self.no_reboot {
                    return RunOutcome::ResetRequested;
                }
                log::debug!("reset requested by the guest: resetting the board");
                self.reset_board();
            }
            self.apply_a20();
            // A built-in BIOS service trapped (before interrupts: the
            // stub must not be interrupted between its OUT and the call).
            self.firmware_trap();
            let icount = self.cpu.icount;
            if self.cpu.io.clock.mode() == ClockMode::RealTime {
                let host = self.host_ns();
                self.cpu.io.clock.sync_host(icount, host);
            }
            if self.cpu.io.dma_pending() {
                // A bus master was started (or its device became ready)
                // by the last port access: the transfer happens now.
                self.cpu.io.run_dma(&mut self.cpu.mem);
            }
            if self.cpu.io.needs_update(icount) {
                self.cpu.io.update(icount);
            }
            // The instruction in an STI/MOV SS shadow may run here: only
            // while the budget has room, so a slice never overruns it.
            self.service_interrupts(self.cpu.icount - start < budget);
            if let Some(o) = self.stopped() {
                if o == (RunOutcome::Halted {
                    interrupts_enabled: true,
                }) {
                    if skipped_at == Some(self.cpu.icount) {
                        // The skip did not wake the CPU. If an unmasked
                        // line rose, the 8259A holds the request back (not
                        // initialised, or a level in service without EOI)
                        // and nothing can change that while halted. If no
                        // line rose (an RTC alarm compare that did not
                        // match), skip on: any valid alarm matches within
                        // a day of update cycles.
                        let risen = self.cpu.io.take_risen_lines();
                        let unmasked = (0..16u8)
                            .filter(|&irq| risen & (1 << irq) != 0)
                            .any(|irq| !self.cpu.io.irq_masked(irq));
                        quiet_skips += 1;
                        if unmasked || quiet_skips > MAX_QUIET_SKIPS {
                            return o;
                        }
                    }
                    match self.idle() {
                        Idle::Skipped => {
                            skipped_at = Some(self.cpu.icount);
                            self.cpu.io.take_risen_lines();
                            continue;
                        }
                        Idle::EndSlice => return RunOutcome::Budget,
                        Idle::Never => return o,
                    }
                }
                return o;
            }
            let used = self.cpu.icount - start;
            if used >= budget {
                return RunOutcome::Budget;
            }
            let mut left = (budget - used).min(INTERRUPT_WINDOW);
            if let Some(t) = self.cpu.io.next_event_ns() {
                left = left.min(self.cpu.io.clock.insns_until(self.cpu.icount, t));
            }
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

    /// A system reset (8042 reset line, port 0x92 fast reset, PIIX3 CF9h):
    /// the CPU gets its reset state, the chipset registers (PCI functions),
    /// port 0x92, the IDE drives, the 8237s and the floppy controller their
    /// power-on values; RAM, the clock and the other devices keep theirs
    /// (firmware reinitialises them).
    fn reset_board(&mut self) {
        let now = self.now_ns();
        self.cpu.reset();
        if let Some(p) = self.cpu.io.pci.as_mut() {
            p.reset(now);
        }
        // PAM back to power-on: C0000–FFFFF on the bus again (the ROM).
        self.cpu.sync_shadow_ram(false);
        if let Some(p) = self.cpu.io.port92.as_mut() {
            p.reset();
        }
        // RESET- on the IDE cable: the drives return to their power-on
        // signatures, the bus masters stop.
        if let Some(ide) = self.cpu.io.ide.as_mut() {
            ide.reset();
        }
        // RESET on the ISA bus: the 8237s master-cleared (all channels
        // masked), the 82077AA held in reset (DOR = 0).
        if let Some(dma) = self.cpu.io.dma.as_mut() {
            dma.reset();
        }
        if let Some(fdc) = self.cpu.io.fdc.as_mut() {
            fdc.hardware_reset();
        }
        // PCI RST#: the VGA's registers to power-on (the BIOS sets a mode
        // again) and its BAR unassigned, or reassigned by the board for
        // firmware that does not enumerate PCI.
        if let Some(vga) = self.cpu.io.vga.as_mut() {
            let lfb = vga.lfb_base;
            *vga = devices::vga::Vga::new();
            vga.lfb_base = lfb;
        }
        self.cpu.sync_vga_lfb();
        self.firmware_vga_setup();
        self.resets += 1;
    }

    /// Host monotonic time since the machine was built, in nanoseconds.
    fn host_ns(&self) -> u64 {
        u64::try_from(self.host_epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Guest time now (nanoseconds of the virtual clock).
    pub fn now_ns(&self) -> u64 {
        self.cpu.io.clock.now_ns(self.cpu.icount)
    }

    /// The CPU is halted with IF = 1: wait for the next event that can
    /// wake it.
    fn idle(&mut self) -> Idle {
        let icount = self.cpu.icount;
        let wake = self.cpu.io.next_wake_event_ns();
        let mode = self.cpu.io.clock.mode();
        match (mode, wake) {
            (ClockMode::Deterministic, Some(t)) => {
                self.cpu.io.clock.skip_to(icount, t);
                Idle::Skipped
            }
            (_, None) if !self.host_input => Idle::Never,
            (ClockMode::Deterministic, None) => {
                // Only host input can wake the CPU; guest time stands still.
                std::thread::park_timeout(Duration::from_nanos(MAX_IDLE_SLEEP_NS));
                Idle::EndSlice
            }
            (ClockMode::RealTime, wake) => {
                let now = self.cpu.io.clock.now_ns(icount);
                let ns = wake.map_or(MAX_IDLE_SLEEP_NS, |t| {
                    t.saturating_sub(now).min(MAX_IDLE_SLEEP_NS)
                });
                if ns > 0 {
                    std::thread::park_timeout(Duration::from_nanos(ns));
                }
                let host = self.host_ns();
                self.cpu.io.clock.after_sleep(icount, host);
                Idle::EndSlice
            }
        }
    }

    /// Apply the board's A20 gate (8042 output port OR port 0x92) to
    /// memory when the devices changed it.
    fn apply_a20(&mut self) {
        let a20 = self.cpu.io.a20();
        if a20 != self.a20_line {
            self.a20_line = a20;
            self.cpu.mem.set_a20(a20);
        }
    }

    /// Pass FERR# to the PIC and, when the CPU accepts interrupts (IF set,
    /// no STI/MOV SS shadow), run the INTA cycle and deliver the vector
    /// (SDM Vol. 3A §6.8.1). A pending interrupt wakes a halted CPU. The
    /// device lines reach the PIC in `IoBus::update`.
    ///
    /// With the APICs present (`Machine::enable_apic`) INTR and INTA go
    /// through the local APIC ([`devices::IoBus::interrupt_requested`]).
    /// `may_step`: the instruction in an interrupt shadow may be run here
    /// (false at the end of a slice's budget: the interrupt then waits for
    /// the next slice).
    fn service_interrupts(&mut self, may_step: bool) {
        if self.cpu.io.pic.is_none() {
            return;
        }
        let ferr = self.cpu.state.fpu.ferr;
        if ferr != self.ferr_level {
            self.cpu.io.drive_irq(IRQ_FERR, ferr);
            self.ferr_level = ferr;
        }
        if !self.cpu.state.flags.if_() || !self.cpu.io.interrupt_requested() {
            return;
        }
        if self.cpu.state.halted {
            // HLT after STI: the shadow has passed.
            self.cpu.state.int_shadow = false;
        } else if self.cpu.state.int_shadow {
            // The instruction after STI / MOV SS runs before the interrupt
            // is taken (it may clear IF again, or halt).
            if !may_step {
                return;
            }
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
        let Some(vector) = self.cpu.io.acknowledge_interrupt() else {
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
                self.cpu.state.seg[crate::cpu::SegReg::Cs as usize].selector,
                self.cpu.state.rip,
                self.resets + 1
            );
            self.cpu.reset();
            self.resets += 1;
        }
    }

    pub(super) fn stopped(&self) -> Option<RunOutcome> {
        if let Some(s) = self.cpu.io.debug.exit_request() {
            return Some(RunOutcome::Exit(s));
        }
        if self.cpu.io.power_off_requested {
            return Some(RunOutcome::PowerOff);
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
mod tests;
