//! Far transfers in protected mode: far JMP/CALL to code segments, through
//! call gates (with the stack switch and parameter copy of a CALL to an
//! inner privilege level), to task gates and TSS descriptors, and far
//! RET/IRET to the same or an outer privilege level (SDM Vol. 3A §5.8.1–
//! §5.8.6 privilege checks and call gates, §7.3 task switches; Vol. 2 CALL,
//! JMP, RET and IRET pseudocode). The shared pieces used by interrupt
//! delivery (`cpu::interrupt`) live here too: gate decoding, the inner
//! stack from the TSS, installing checked descriptors in CS/SS and
//! nulling data segments that are not valid at a new, outer CPL.
//!
//! Each transfer checks everything it can before changing state; the steps
//! after the point of no return (installing CS/SS, the pushes on a new
//! stack) run under [`Cpu::atomically`], so a fault there (a page fault on
//! the new stack) restores the registers the instruction started with.
//! Descriptor accessed bits and stack bytes below the stack pointer may
//! already be written, as on hardware.

use crate::cpu::access::Access;
use crate::cpu::exception::{ExResult, Exception};
use crate::cpu::segment::{sys_type, Descriptor};
use crate::cpu::state::{gpr, SegReg, Segment};
use crate::cpu::task::TaskSwitchSource;
use crate::cpu::Cpu;

/// A gate descriptor: call, interrupt, trap or task gate (SDM Vol. 3A
/// Figure 5-8 and Figure 6-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gate {
    /// Target code segment (call/interrupt/trap) or TSS (task gate).
    pub selector: u16,
    /// Entry point; 16-bit gates use only the low 16 bits.
    pub offset: u32,
    /// Type field (see [`sys`]); meaningful only when `system` is set.
    pub kind: u8,
    /// The S bit is clear: a system descriptor.
    pub system: bool,
    pub dpl: u8,
    pub present: bool,
    /// Call gates: number of stack parameters copied (5 bits).
    pub params: u8,
}

impl Gate {
    /// Decode the two dwords of a gate descriptor.
    pub fn from_raw(raw: u64) -> Self {
        let access = (raw >> 40) as u8;
        let kind = access & 0xF;
        let mut offset = (raw & 0xFFFF) as u32;
        if kind & 8 != 0 {
            offset |= ((raw >> 32) as u32) & 0xFFFF_0000;
        }
        Gate {
            selector: (raw >> 16) as u16,
            offset,
            kind,
            system: access & 0x10 == 0,
            dpl: (access >> 5) & 3,
            present: access & 0x80 != 0,
            params: (raw >> 32) as u8 & 0x1F,
        }
    }

    /// Bytes per push through this gate: 4 for 32-bit gates (type bit 3).
    #[inline]
    pub fn size(&self) -> u32 {
        if self.kind & 8 != 0 {
            4
        } else {
            2
        }
    }
}

/// The unusable segment a register holds after it is nulled.
pub const NULL_SEGMENT: Segment = Segment {
    selector: 0,
    base: 0,
    limit: 0,
    attr: 0,
};

impl Cpu {
    /// Run `f`; if it fails, put the whole register state back as it was
    /// (memory writes stay), so the fault is reported on the instruction's
    /// original state.
    pub fn atomically<T>(&mut self, f: impl FnOnce(&mut Cpu) -> ExResult<T>) -> ExResult<T> {
        let saved = self.state.clone();
        let r = f(self);
        if r.is_err() {
            self.state = saved;
        }
        r
    }

    /// The eight bytes of the GDT/LDT entry `sel` refers to; #GP(selector)
    /// beyond the table limit (or with no LDT).
    pub fn read_raw_descriptor(&mut self, sel: u16) -> ExResult<u64> {
        let lin = self
            .descriptor_address(sel)
            .ok_or(Exception::GeneralProtection(sel & !3))?;
        self.read_system(lin, 8)
    }

    /// The stack for privilege level `dpl` from the current TSS, checked for
    /// a transfer to that level by [`Cpu::tss_stack_ext`] (#TS/#SS with the
    /// EXT bit `ext`). Returns (SS, its descriptor, ESP).
    pub fn inner_stack(&mut self, dpl: u8, ext: bool) -> ExResult<(u16, Descriptor, u32)> {
        let (ss, esp) = self.tss_stack_ext(dpl, ext)?;
        let d = self.read_descriptor(ss)?;
        Ok((ss, d, esp))
    }

    /// Load SS for a stack switch from a descriptor already checked (no
    /// interrupt shadow: that is only for MOV SS / POP SS).
    pub fn install_ss(&mut self, sel: u16, d: &Descriptor) -> ExResult {
        self.commit_segment(SegReg::Ss, sel, Some(d))
    }

    /// #SS(`code`) unless `slots` pushes of `size` bytes fit below the
    /// stack pointer in the current SS ("if the stack does not have room").
    pub fn check_stack_room(&self, slots: u32, size: u32, code: u16) -> ExResult {
        let m = self.sp_mask();
        let esp = self.state.regs[gpr::RSP];
        for i in 1..=u64::from(slots) {
            let off = esp.wrapping_sub(i * u64::from(size)) & m;
            if self.linear(SegReg::Ss, off, size, Access::Write).is_err() {
                return Err(Exception::StackFault(code));
            }
        }
        Ok(())
    }

    /// ESP after a return to an outer stack: the popped value; when the
    /// outer SS is 16-bit only SP is written and the upper half of ESP keeps
    /// the inner stack's value, as the hardware does.
    pub fn set_outer_esp(&mut self, esp: u64) {
        let rsp = self.state.regs[gpr::RSP];
        self.state.regs[gpr::RSP] = if self.state.stack32() {
            esp & 0xFFFF_FFFF
        } else {
            (rsp & 0xFFFF_0000) | (esp & 0xFFFF)
        };
    }

    /// Far JMP (`call` = None) or CALL (`call` = its operand size) to
    /// `sel:ip` in protected mode (SDM Vol. 2 CALL and JMP pseudocode).
    pub fn far_jmp_call_pm(&mut self, sel: u16, ip: u64, call: Option<u32>) -> ExResult {
        if sel & !3 == 0 {
            return Err(Exception::GeneralProtection(0));
        }
        let err = sel & !3;
        let raw = self.read_raw_descriptor(sel)?;
        let d = Descriptor::from_raw(raw);
        let cpl = self.state.cpl;
        let rpl = (sel & 3) as u8;
        if d.is_segment() {
            if !d.is_code() {
                return Err(Exception::GeneralProtection(err));
            }
            let bad = if d.is_conforming_code() {
                d.dpl() > cpl
            } else {
                rpl > cpl || d.dpl() != cpl
            };
            if bad {
                return Err(Exception::GeneralProtection(err));
            }
            if !d.present() {
                return Err(Exception::SegmentNotPresent(err));
            }
            return self.enter_same_level(sel, &d, ip, call);
        }
        let g = Gate::from_raw(raw);
        if g.kind & 8 != 0 && !self.model.is_386_plus() {
            // 32-bit gates and TSSs do not exist on the 80286.
            return Err(Exception::GeneralProtection(err));
        }
        let src = if call.is_some() {
            TaskSwitchSource::Call
        } else {
            TaskSwitchSource::Jmp
        };
        match g.kind {
            sys_type::CALL_GATE16 | sys_type::CALL_GATE32 => {
                self.through_call_gate(sel, &g, call.is_some())
            }
            sys_type::TASK_GATE
            | sys_type::TSS16_AVAILABLE
            | sys_type::TSS32_AVAILABLE
            | sys_type::TSS16_BUSY
            | sys_type::TSS32_BUSY => {
                // The caller's part of a task switch (SDM §7.3 step 2): the
                // gate's or TSS descriptor's DPL against CPL and RPL; a busy
                // TSS is #GP(sel) here too. `task_switch` checks the TSS.
                let busy = g.kind & sys_type::TSS_BUSY_BIT != 0 && g.kind != sys_type::TASK_GATE;
                if g.dpl < cpl || g.dpl < rpl || busy {
                    return Err(Exception::GeneralProtection(err));
                }
                if !g.present {
                    return Err(Exception::SegmentNotPresent(err));
                }
                let tss = if g.kind == sys_type::TASK_GATE {
                    g.selector
                } else {
                    sel
                };
                self.task_switch(tss, src)
            }
            _ => Err(Exception::GeneralProtection(err)),
        }
    }

    /// Far JMP or same-level CALL to the checked code segment `d`: the
    /// return address (`call` = push size) is pushed on the current stack.
    fn enter_same_level(
        &mut self,
        sel: u16,
        d: &Descriptor,
        ip: u64,
        call: Option<u32>,
    ) -> ExResult {
        let cpl = self.state.cpl;
        if let Some(size) = call {
            self.check_stack_room(2, size, 0)?;
        }
        if ip > u64::from(d.limit) {
            return Err(Exception::GeneralProtection(0));
        }
        self.atomically(|cpu| {
            if let Some(size) = call {
                let cs = cpu.state.seg[SegReg::Cs as usize].selector;
                cpu.push(u64::from(cs), size)?;
                cpu.push(cpu.state.rip, size)?;
            }
            cpu.load_cs(sel, d, cpl)?;
            cpu.state.rip = ip;
            Ok(())
        })
    }

    /// JMP or CALL through the call gate `g` (selector `gate_sel`), SDM
    /// Vol. 3A §5.8.4–5.8.5: the gate's DPL must be ≥ CPL and ≥ RPL; a JMP
    /// stays at CPL (conforming or DPL = CPL targets only); a CALL to a
    /// non-conforming segment with DPL < CPL switches stacks.
    fn through_call_gate(&mut self, gate_sel: u16, g: &Gate, call: bool) -> ExResult {
        let cpl = self.state.cpl;
        if g.dpl < cpl || ((gate_sel & 3) as u8) > g.dpl {
            return Err(Exception::GeneralProtection(gate_sel & !3));
        }
        if !g.present {
            return Err(Exception::SegmentNotPresent(gate_sel & !3));
        }
        let csel = g.selector;
        if csel & !3 == 0 {
            return Err(Exception::GeneralProtection(0));
        }
        let cerr = csel & !3;
        let d = self.read_descriptor(csel)?;
        if !d.is_code() {
            return Err(Exception::GeneralProtection(cerr));
        }
        let conforming = d.is_conforming_code();
        let bad = if call {
            d.dpl() > cpl
        } else {
            (conforming && d.dpl() > cpl) || (!conforming && d.dpl() != cpl)
        };
        if bad {
            return Err(Exception::GeneralProtection(cerr));
        }
        if !d.present() {
            return Err(Exception::SegmentNotPresent(cerr));
        }
        let ip = u64::from(g.offset);
        if !call {
            return self.enter_same_level(csel, &d, ip, None);
        }
        if !conforming && d.dpl() < cpl {
            return self.call_gate_inner(csel, &d, ip, g);
        }
        self.enter_same_level(csel, &d, ip, Some(g.size()))
    }

    /// CALL through a call gate to a more privileged non-conforming code
    /// segment: switch to the inner stack from the TSS, push the caller's
    /// SS:ESP, copy the gate's count of stack parameters, push CS:EIP (SDM
    /// Vol. 3A §5.8.5, Figure 5-13). Pushes have the gate's size.
    fn call_gate_inner(&mut self, csel: u16, d: &Descriptor, ip: u64, g: &Gate) -> ExResult {
        let new_cpl = d.dpl();
        let (ss, ssd, esp) = self.inner_stack(new_cpl, false)?;
        let size = g.size();
        let n = usize::from(g.params);
        // The parameters, read through the caller's SS:ESP first.
        let mut params = [0u64; 32];
        for (i, p) in params.iter_mut().enumerate().take(n) {
            *p = self.peek((i as u64) * u64::from(size), size)?;
        }
        let old_ss = u64::from(self.state.seg[SegReg::Ss as usize].selector);
        let old_esp = self.state.regs[gpr::RSP];
        let old_cs = u64::from(self.state.seg[SegReg::Cs as usize].selector);
        let old_ip = self.state.rip;
        self.atomically(|cpu| {
            cpu.install_ss(ss, &ssd)?;
            cpu.state.regs[gpr::RSP] = u64::from(esp);
            // The pushes on the inner stack are made at the new CPL.
            cpu.state.cpl = new_cpl;
            cpu.check_stack_room(4 + n as u32, size, ss & !3)?;
            if ip > u64::from(d.limit) {
                return Err(Exception::GeneralProtection(0));
            }
            cpu.push(old_ss, size)?;
            cpu.push(old_esp, size)?;
            for &p in params[..n].iter().rev() {
                cpu.push(p, size)?;
            }
            cpu.push(old_cs, size)?;
            cpu.push(old_ip, size)?;
            cpu.load_cs(csel, d, new_cpl)?;
            cpu.state.rip = ip;
            Ok(())
        })
    }

    /// Check the code segment a far RET or IRET returns to (SDM Vol. 2 RET
    /// pseudocode): #GP(0) for null; #GP(selector) if it is not code, its
    /// RPL is below CPL, or its DPL does not match the RPL (above it, for
    /// conforming code); #NP(selector) if not present.
    pub fn check_return_cs(&mut self, sel: u16) -> ExResult<Descriptor> {
        if sel & !3 == 0 {
            return Err(Exception::GeneralProtection(0));
        }
        let err = sel & !3;
        let d = self.read_descriptor(sel)?;
        let rpl = (sel & 3) as u8;
        let bad = !d.is_code()
            || rpl < self.state.cpl
            || if d.is_conforming_code() {
                d.dpl() > rpl
            } else {
                d.dpl() != rpl
            };
        if bad {
            return Err(Exception::GeneralProtection(err));
        }
        if !d.present() {
            return Err(Exception::SegmentNotPresent(err));
        }
        Ok(d)
    }

    /// Check the stack segment a return to outer level `rpl` pops: #GP(0)
    /// for null; #GP(selector) unless its RPL and DPL are `rpl` and it is
    /// writable data; #SS(selector) if not present.
    pub fn check_return_ss(&mut self, sel: u16, rpl: u8) -> ExResult<Descriptor> {
        if sel & !3 == 0 {
            return Err(Exception::GeneralProtection(0));
        }
        let err = sel & !3;
        let d = self.read_descriptor(sel)?;
        if (sel & 3) as u8 != rpl || !d.is_writable_data() || d.dpl() != rpl {
            return Err(Exception::GeneralProtection(err));
        }
        if !d.present() {
            return Err(Exception::StackFault(err));
        }
        Ok(d)
    }

    /// The part of a far RET or IRET to outer level `rpl` after the checks:
    /// load CS and SS:ESP, release `imm` bytes on the outer stack, null the
    /// data segments the outer level may not use.
    #[allow(clippy::too_many_arguments)]
    pub fn enter_outer_level(
        &mut self,
        sel: u16,
        d: &Descriptor,
        ip: u64,
        ss: u16,
        ssd: &Descriptor,
        esp: u64,
        imm: u64,
    ) -> ExResult {
        let rpl = (sel & 3) as u8;
        self.load_cs(sel, d, rpl)?;
        self.install_ss(ss, ssd)?;
        self.set_outer_esp(esp);
        self.release_stack(imm);
        self.null_inaccessible_segments();
        self.state.rip = ip;
        Ok(())
    }

    /// Far RET (operand size `os`, `imm` bytes of parameters) in protected
    /// mode, to the same or an outer privilege level (SDM Vol. 3A §5.8.6;
    /// Vol. 2 RET).
    pub fn ret_far_pm(&mut self, os: u32, imm: u64) -> ExResult {
        let size = u64::from(os);
        let ip = self.peek(0, os)?;
        let sel = self.peek(size, os)? as u16;
        let d = self.check_return_cs(sel)?;
        let rpl = (sel & 3) as u8;
        if rpl == self.state.cpl {
            if ip > u64::from(d.limit) {
                return Err(Exception::GeneralProtection(0));
            }
            self.load_cs(sel, &d, rpl)?;
            self.state.rip = ip;
            self.release_stack(2 * size + imm);
            return Ok(());
        }
        let esp = self.peek(2 * size + imm, os)?;
        let ss = self.peek(3 * size + imm, os)? as u16;
        let ssd = self.check_return_ss(ss, rpl)?;
        if ip > u64::from(d.limit) {
            return Err(Exception::GeneralProtection(0));
        }
        self.atomically(|cpu| cpu.enter_outer_level(sel, &d, ip, ss, &ssd, esp, imm))
    }
}

#[cfg(test)]
#[path = "gates_tests.rs"]
mod tests;
