//! Interrupt and exception delivery (SDM Vol. 3A §6.12, §6.13 error codes,
//! §20.1.4 real mode, §20.3.1 interrupts in virtual-8086 mode; Vol. 2 INT n
//! pseudocode).
//!
//! Real mode: FLAGS, CS and IP are pushed and CS:IP loaded from the IVT.
//! Protected mode: the IDT gate is checked (in bounds and an interrupt,
//! trap or task gate: #GP(vector·8+2); DPL ≥ CPL for INT n/INT3/INTO:
//! #GP(vector·8+2); present: #NP(vector·8+2)). A task gate switches tasks
//! ([`Cpu::task_switch`]). An interrupt or trap gate to a non-conforming
//! segment with DPL < CPL switches to the stack of that level from the TSS
//! and pushes the old SS:ESP; from virtual-8086 mode (handler DPL 0 only)
//! GS, FS, DS and ES are pushed first and then nulled. Then EFLAGS, CS,
//! EIP and the error code go on the stack, 16 or 32 bits wide as the gate
//! says; TF, NT, RF and VM are cleared, and IF for an interrupt gate.
//!
//! Error codes of faults raised during delivery of an exception or an
//! external interrupt have the EXT bit (bit 0) set; for INT n, INT3 and
//! INTO it is clear. Delivery through an interrupt or trap gate is atomic:
//! if it faults, the registers are as they were before (stack bytes below
//! the stack pointer and descriptor accessed bits may have been written,
//! as on hardware). A fault while delivering a contributory fault becomes
//! #DF; a fault while delivering #DF shuts the CPU down.

use super::exception::{ExResult, Exception};
use super::exec::gates::{Gate, NULL_SEGMENT};
use super::flags;
use super::model::CpuModel;
use super::segment::sys_type;
use super::state::{gpr, SegReg};
use super::task::TaskSwitchSource;
use super::{Cpu, CpuEvent};

/// Bit 1 of an error code: the index refers to the IDT (SDM Vol. 3A §6.13).
const ERR_IDT: u16 = 2;

/// Where an interrupt comes from (affects error codes and checks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntSource {
    /// INT n, INT3, INTO.
    Software,
    /// A CPU exception, with its error code when it has one.
    Exception(Option<u32>),
    /// A hardware interrupt (PIC/APIC) or NMI.
    External,
}

/// `e` with the EXT bit set in its error code, if it has a selector error
/// code (#TS, #NP, #SS, #GP).
fn with_ext(e: Exception, ext: u16) -> Exception {
    match e {
        Exception::InvalidTss(c) => Exception::InvalidTss(c | ext),
        Exception::SegmentNotPresent(c) => Exception::SegmentNotPresent(c | ext),
        Exception::StackFault(c) => Exception::StackFault(c | ext),
        Exception::GeneralProtection(c) => Exception::GeneralProtection(c | ext),
        other => other,
    }
}

impl Cpu {
    /// Deliver interrupt `vector`; CS:IP is the return address to push.
    /// On a fault the registers are left as they were (except after the
    /// switch point of a task switch, which `task_switch` handles).
    pub fn interrupt(&mut self, vector: u8, src: IntSource) -> ExResult {
        self.state.halted = false;
        if !self.state.protected() {
            return self.atomically(|cpu| cpu.interrupt_real(vector));
        }
        let ext = u16::from(src != IntSource::Software);
        self.interrupt_protected(vector, src)
            .map_err(|e| with_ext(e, ext))
    }

    fn interrupt_real(&mut self, vector: u8) -> ExResult {
        let off = u64::from(vector) * 4;
        if off + 3 > u64::from(self.state.idtr.limit) {
            return Err(Exception::GeneralProtection(u16::from(vector) * 8 + 2));
        }
        let image = self.flags_image();
        let cs = self.state.seg[SegReg::Cs as usize].selector;
        let ip = self.state.rip;
        let base = self.state.idtr.base as u32 + off as u32;
        let new_ip = self.mem.read(base, 2);
        let new_cs = self.mem.read(base.wrapping_add(2), 2) as u16;
        self.push(u64::from(image), 2)?;
        self.push(u64::from(cs), 2)?;
        self.push(ip, 2)?;
        let mut clear = flags::IF | flags::TF;
        if self.model >= CpuModel::Pentium {
            clear |= flags::AC | flags::RF;
        }
        self.state.flags.set_masked(0, clear);
        self.load_seg(SegReg::Cs, new_cs)?;
        self.state.rip = new_ip;
        Ok(())
    }

    /// Protected-mode and virtual-8086-mode delivery: the IDT gate checks,
    /// then a task switch or [`Cpu::through_interrupt_gate`].
    fn interrupt_protected(&mut self, vector: u8, src: IntSource) -> ExResult {
        let v86 = self.state.v86();
        let cpl = if v86 { 3 } else { self.state.cpl };
        let gate_err = u16::from(vector) * 8 + ERR_IDT;
        let off = u32::from(vector) * 8;
        if off + 7 > u32::from(self.state.idtr.limit) {
            return Err(Exception::GeneralProtection(gate_err));
        }
        let raw = self.read_system((self.state.idtr.base as u32).wrapping_add(off), 8)?;
        let g = Gate::from_raw(raw);
        let valid = g.system
            && match g.kind {
                sys_type::TASK_GATE | sys_type::INTERRUPT_GATE16 | sys_type::TRAP_GATE16 => true,
                // The 80286 has only 16-bit gates.
                sys_type::INTERRUPT_GATE32 | sys_type::TRAP_GATE32 => self.model.is_386_plus(),
                _ => false,
            };
        if !valid {
            return Err(Exception::GeneralProtection(gate_err));
        }
        if src == IntSource::Software && g.dpl < cpl {
            return Err(Exception::GeneralProtection(gate_err));
        }
        if !g.present {
            return Err(Exception::SegmentNotPresent(gate_err));
        }
        if g.kind == sys_type::TASK_GATE {
            return self.task_switch(g.selector, TaskSwitchSource::for_interrupt(src));
        }
        self.atomically(|cpu| cpu.through_interrupt_gate(&g, src, cpl, v86))
    }

    /// Delivery through an interrupt or trap gate (SDM Vol. 2 INT n:
    /// TRAP-OR-INTERRUPT-GATE, INTER-PRIVILEGE-LEVEL-INTERRUPT,
    /// INTERRUPT-FROM-VIRTUAL-8086-MODE, INTRA-PRIVILEGE-LEVEL-INTERRUPT).
    /// Error codes here lack EXT; the caller adds it. Not atomic by itself.
    fn through_interrupt_gate(&mut self, g: &Gate, src: IntSource, cpl: u8, v86: bool) -> ExResult {
        let sel = g.selector;
        if sel & !3 == 0 {
            return Err(Exception::GeneralProtection(0));
        }
        let err = sel & !3;
        let d = self.read_descriptor(sel)?;
        if !d.is_code() || d.dpl() > cpl {
            return Err(Exception::GeneralProtection(err));
        }
        if !d.present() {
            return Err(Exception::SegmentNotPresent(err));
        }
        let size = g.size();
        let code = match src {
            IntSource::Exception(c) => c,
            _ => None,
        };
        let ip = u64::from(g.offset);
        let image = u64::from(self.flags_image());
        let old_cs = u64::from(self.state.seg[SegReg::Cs as usize].selector);
        let old_ip = self.state.rip;
        let inner = !d.is_conforming_code() && d.dpl() < cpl;
        // The flags change before the pushes (SDM INT n: VM := 0 first), so
        // the new stack is accessed as protected-mode, supervisor memory.
        let trap = matches!(g.kind, sys_type::TRAP_GATE16 | sys_type::TRAP_GATE32);
        let mut clear = flags::TF | flags::NT | flags::RF | flags::VM;
        if !trap {
            clear |= flags::IF;
        }
        self.state.flags.set_masked(0, clear);
        let new_cpl = if inner {
            if v86 && d.dpl() != 0 {
                return Err(Exception::GeneralProtection(err));
            }
            let new_cpl = d.dpl();
            let (ss, ssd, esp) = self.inner_stack(new_cpl, src != IntSource::Software)?;
            let old_ss = u64::from(self.state.seg[SegReg::Ss as usize].selector);
            let old_esp = self.state.regs[gpr::RSP];
            self.install_ss(ss, &ssd)?;
            self.state.regs[gpr::RSP] = u64::from(esp);
            // The pushes on the inner stack are made at the new CPL.
            self.state.cpl = new_cpl;
            let slots = if v86 { 9 } else { 5 } + u32::from(code.is_some());
            self.check_stack_room(slots, size, ss & !3)?;
            if ip > u64::from(d.limit) {
                return Err(Exception::GeneralProtection(0));
            }
            if v86 {
                for r in [SegReg::Gs, SegReg::Fs, SegReg::Ds, SegReg::Es] {
                    self.push(u64::from(self.state.seg[r as usize].selector), size)?;
                }
            }
            self.push(old_ss, size)?;
            self.push(old_esp, size)?;
            new_cpl
        } else {
            if v86 {
                return Err(Exception::GeneralProtection(err));
            }
            self.check_stack_room(3 + u32::from(code.is_some()), size, 0)?;
            if ip > u64::from(d.limit) {
                return Err(Exception::GeneralProtection(0));
            }
            cpl
        };
        self.push(image, size)?;
        self.push(old_cs, size)?;
        self.push(old_ip, size)?;
        if let Some(c) = code {
            self.push(u64::from(c), size)?;
        }
        if v86 {
            for r in [SegReg::Es, SegReg::Ds, SegReg::Fs, SegReg::Gs] {
                self.state.seg[r as usize] = NULL_SEGMENT;
            }
        }
        self.load_cs(sel, &d, new_cpl)?;
        self.state.rip = ip;
        Ok(())
    }

    /// Deliver exception `e` raised by the instruction at the current CS:IP
    /// (for faults) or after it (for traps), escalating to #DF and to
    /// shutdown as the SDM's Table 6-5 says (Vol. 3A §6.15 "Interrupt
    /// 8—Double Fault Exception"):
    ///
    /// | first \ second | benign | contributory | page fault |
    /// |---|---|---|---|
    /// | benign | serial | serial | serial |
    /// | contributory | serial | #DF | serial |
    /// | page fault | serial | #DF | #DF |
    /// | double fault | shutdown | shutdown | shutdown |
    ///
    /// "Serial" delivers the second exception instead (the first is lost,
    /// as its handler was never entered). Debug traps pending for the
    /// instruction are discarded. On 386+ CPUs in protected mode a fault
    /// pushes EFLAGS with RF set (except #DB), so that IRET restarts the
    /// instruction without re-triggering its instruction breakpoint
    /// (§17.3.1.1).
    pub fn raise(&mut self, e: Exception) {
        self.debug.hits = 0;
        self.debug.held = 0;
        self.debug.inhibit = false;
        self.debug.rearm();
        self.raise_nested(e, 0);
    }

    fn raise_nested(&mut self, e: Exception, depth: u32) {
        if let Exception::PageFault { addr, .. } = e {
            self.state.cr2 = addr;
        }
        if self.model >= CpuModel::Pentium && self.state.protected() {
            match e {
                // An abort: no RF, even if a failed fault delivery set it.
                Exception::DoubleFault => self.state.flags.set(flags::RF, false),
                e if sets_rf(e) => self.state.flags.set(flags::RF, true),
                _ => {}
            }
        }
        let src = IntSource::Exception(if self.state.protected() {
            e.error_code()
        } else {
            None
        });
        let Err(second) = self.interrupt(e.vector(), src) else {
            return;
        };
        if e == Exception::DoubleFault || depth > 3 {
            self.shutdown();
            return;
        }
        let is_pf = |x: Exception| matches!(x, Exception::PageFault { .. });
        let escalate = (e.is_contributory() && second.is_contributory())
            || (is_pf(e) && (second.is_contributory() || is_pf(second)));
        if escalate {
            log::debug!("{second} while delivering {e}: double fault");
            self.raise_nested(Exception::DoubleFault, depth + 1);
        } else {
            // Benign combination: the second exception is handled serially.
            self.raise_nested(second, depth + 1);
        }
    }

    /// Enter shutdown (triple fault): the CPU stops until reset. The
    /// machine resets it (see `Machine::run_slice`) or ends the run.
    fn shutdown(&mut self) {
        log::debug!(
            "triple fault: CPU shutdown at {:04x}:{:08x}",
            self.state.seg[1].selector,
            self.state.rip
        );
        self.event = CpuEvent::Shutdown;
        self.state.halted = true;
    }
}

#[cfg(test)]
#[path = "interrupt_tests.rs"]
mod tests;

/// Fault-class exceptions push EFLAGS.RF set (SDM Vol. 3A §17.3.1.1); traps,
/// aborts and #DB (which an instruction breakpoint raises as a fault) do
/// not.
fn sets_rf(e: Exception) -> bool {
    !(e.is_trap() || matches!(e, Exception::Debug | Exception::DoubleFault))
}
