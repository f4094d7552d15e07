//! Interrupt and exception delivery (SDM Vol. 3A §6.12, real mode §20.1.4).
//!
//! Real mode: FLAGS, CS and IP are pushed and CS:IP loaded from the IVT.
//! Protected mode: the IDT gate is read and a same-privilege interrupt or
//! trap gate is followed. A fault while delivering a contributory fault
//! becomes #DF; a fault while delivering #DF shuts the CPU down.
//!
//! Partial: privilege-changing delivery (stack switch via the TSS), task
//! gates and V86 delivery come with the protected-mode system work; they
//! currently raise #GP(vector·8+2), as a gate a CPU cannot use would.

use super::exception::{ExResult, Exception};
use super::flags;
use super::model::CpuModel;
use super::state::SegReg;
use super::{Cpu, CpuEvent};

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

impl Cpu {
    /// Deliver interrupt `vector`; CS:IP is the return address to push.
    pub fn interrupt(&mut self, vector: u8, src: IntSource) -> ExResult {
        self.state.halted = false;
        if !self.state.protected() {
            return self.interrupt_real(vector);
        }
        self.interrupt_protected(vector, src)
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

    fn interrupt_protected(&mut self, vector: u8, src: IntSource) -> ExResult {
        let gate_err = u16::from(vector) * 8 + 2 + u16::from(src == IntSource::External);
        let off = u64::from(vector) * 8;
        if off + 7 > u64::from(self.state.idtr.limit) {
            return Err(Exception::GeneralProtection(gate_err));
        }
        let lin = self.state.idtr.base.wrapping_add(off) as u32;
        let phys = self.translate(lin, super::access::Access::Read)?;
        let raw = self.mem.read(phys, 8);
        let kind = ((raw >> 40) & 0x1F) as u8;
        let dpl = ((raw >> 45) & 3) as u8;
        let present = raw & (1 << 47) != 0;
        let selector = ((raw >> 16) & 0xFFFF) as u16;
        let offset = (raw & 0xFFFF) | ((raw >> 32) & 0xFFFF_0000);
        let (is32, trap) = match kind {
            0x06 => (false, false),
            0x07 => (false, true),
            0x0E => (true, false),
            0x0F => (true, true),
            _ => return Err(Exception::GeneralProtection(gate_err)),
        };
        if src == IntSource::Software && dpl < self.state.cpl {
            return Err(Exception::GeneralProtection(gate_err));
        }
        if !present {
            return Err(Exception::SegmentNotPresent(gate_err));
        }
        let desc = self.read_descriptor(selector)?;
        let target_dpl = ((desc.attr >> 5) & 3) as u8;
        if self.state.v86() || target_dpl != self.state.cpl {
            log::warn!("interrupt {vector:#x} needs a privilege change, not yet supported");
            return Err(Exception::GeneralProtection(gate_err));
        }
        let size = if is32 { 4 } else { 2 };
        let image = self.flags_image();
        let cs = self.state.seg[SegReg::Cs as usize].selector;
        let ip = self.state.rip;
        self.push(u64::from(image), size)?;
        self.push(u64::from(cs), size)?;
        self.push(ip, size)?;
        if let IntSource::Exception(Some(code)) = src {
            self.push(u64::from(code), size)?;
        }
        let mut clear = flags::TF | flags::NT | flags::RF | flags::VM;
        if !trap {
            clear |= flags::IF;
        }
        self.state.flags.set_masked(0, clear);
        self.load_seg(SegReg::Cs, (selector & !3) | u16::from(self.state.cpl))?;
        self.state.rip = if is32 { offset } else { offset & 0xFFFF };
        Ok(())
    }

    /// Deliver exception `e` raised by the instruction at the current CS:IP,
    /// escalating to #DF and to shutdown as the SDM's Table 6-5 says.
    pub fn raise(&mut self, e: Exception) {
        self.raise_nested(e, 0);
    }

    fn raise_nested(&mut self, e: Exception, depth: u32) {
        if let Exception::PageFault { addr, .. } = e {
            self.state.cr2 = addr;
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

    fn shutdown(&mut self) {
        log::warn!(
            "triple fault: CPU shutdown at {:04x}:{:08x}",
            self.state.seg[1].selector,
            self.state.rip
        );
        self.event = CpuEvent::Shutdown;
        self.state.halted = true;
    }
}
