//! Hardware task switching and the task-state segment (SDM Vol. 3A ch. 7;
//! ring stacks §6.12.1; I/O permission Vol. 1 §19.5).
//!
//! [`Cpu::task_switch`] follows the steps of SDM Vol. 3A §7.3 with the
//! exception conditions of Table 7-1 and the JMP/CALL/IRET/INT pseudo-code:
//!
//! - *Before the switch point* (the new TSS descriptor: GDT only, TSS type,
//!   busy bit, present, limit ≥ 67H / 2BH; the old TSS; every TSS byte and
//!   descriptor-table byte the switch will touch must translate), a fault
//!   leaves the old task untouched and is returned as `Err`.
//! - After it (old state saved, busy bits, back link, NT, TR, CR0.TS, CR3,
//!   LDTR, segment registers with the checks of the new task, the error code
//!   push and the EIP limit check), a fault belongs to the new task: it is
//!   delivered here, with CS:EIP of the new task saved, and `task_switch`
//!   returns `Ok` (the engine would otherwise roll EIP back into the old
//!   task).
//!
//! The caller owns what it alone knows: for JMP/CALL the DPL check of the
//! TSS descriptor or task gate it referenced (SDM §7.3 step 2), for IRET
//! the NT test ([`Cpu::task_return`] reads the back link).
//!
//! Choices where the SDM leaves behaviour undefined, documented here: a
//! 16-bit TSS loads IP, FLAGS and the registers zero-extended (the upper
//! halves "are modified and not maintained", §7.6) and FS/GS null; CR3 is
//! loaded from a 32-bit TSS only while paging is on (CR0.PG); the old TSS
//! must be a TSS with a valid limit (#TS(old TR) otherwise, so a switch
//! before any LTR cannot scribble over low memory).
//!
//! TSS and descriptor-table accesses are implicit supervisor accesses
//! ([`Cpu::read_system`] / [`Cpu::write_system`]); the segment loads of the
//! new task use the checks of `segment.rs` with [`LoadCause::Tss`].
//!
//! RF in the EFLAGS image saved for a fault delivered through a task gate
//! comes from [`Cpu::raise`], which sets it before delivery.

use super::access::Access;
use super::exception::{ExResult, Exception};
use super::flags;
use super::interrupt::IntSource;
use super::model::CpuModel;
use super::segment::{sys_type, Descriptor, LoadCause};
use super::state::{attr, cr0, SegReg, Segment};
use super::Cpu;

/// The busy bit of a TSS type, as a [`Segment::attr`] bit.
const BUSY: u16 = sys_type::TSS_BUSY_BIT as u16;

/// Offset of the I/O map base address in a 32-bit TSS (Figure 7-2).
pub const TSS32_IOMAP_BASE: u32 = 0x66;
/// Offset of the debug-trap (T) bit in a 32-bit TSS.
pub const TSS32_T: u32 = 0x64;
/// Offset of CR3 (PDBR) in a 32-bit TSS.
pub const TSS32_CR3: u32 = 0x1C;
/// DR6.BT: the debug exception was caused by a task switch to a TSS with T set.
const DR6_BT: u64 = 1 << 15;
/// CR3 bits a task switch loads: page-directory base, PCD, PWT.
const CR3_PDBR_MASK: u64 = 0xFFFF_F018;

/// What caused a task switch (it decides busy-bit, NT and back-link handling).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskSwitchSource {
    /// JMP to a TSS or task gate.
    Jmp,
    /// CALL to a TSS or task gate.
    Call,
    /// IRET with EFLAGS.NT set (return to the back-linked task).
    Iret,
    /// A software interrupt (INT n, INT3, INTO) through a task gate. The
    /// error code, if any, is pushed on the new task's stack.
    Interrupt(Option<u32>),
    /// A CPU exception, NMI or external interrupt through a task gate: as
    /// `Interrupt`, and faults raised by the switch carry EXT (bit 0) in
    /// their error codes (SDM §6.13).
    Event(Option<u32>),
}

impl TaskSwitchSource {
    /// The source for an interrupt delivered through a task gate.
    pub fn for_interrupt(src: IntSource) -> Self {
        match src {
            IntSource::Software => TaskSwitchSource::Interrupt(None),
            IntSource::Exception(code) => TaskSwitchSource::Event(code),
            IntSource::External => TaskSwitchSource::Event(None),
        }
    }

    /// EXT bit for error codes of faults raised during the switch.
    fn ext(self) -> u16 {
        u16::from(matches!(self, TaskSwitchSource::Event(_)))
    }

    /// CALL and interrupts nest: NT set, back link written, old task busy.
    fn nests(self) -> bool {
        matches!(
            self,
            TaskSwitchSource::Call | TaskSwitchSource::Interrupt(_) | TaskSwitchSource::Event(_)
        )
    }

    fn error_code(self) -> Option<u32> {
        match self {
            TaskSwitchSource::Interrupt(c) | TaskSwitchSource::Event(c) => c,
            _ => None,
        }
    }
}

/// Field offsets of a 16- or 32-bit TSS (SDM Vol. 3A Figures 7-2, 7-10).
/// Registers are stored in encoding order (EAX, ECX, … EDI; ES, CS, SS,
/// DS, FS, GS) in both formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TssLayout {
    pub is32: bool,
}

impl TssLayout {
    const T16: TssLayout = TssLayout { is32: false };
    const T32: TssLayout = TssLayout { is32: true };

    /// The layout named by a TSS descriptor's attributes (busy or not);
    /// `None` for anything else. The 80286 knows only 16-bit TSSs.
    pub fn of(model: CpuModel, a: u16) -> Option<TssLayout> {
        if a & attr::S != 0 {
            return None;
        }
        match (a & 0xF & !BUSY) as u8 {
            sys_type::TSS16_AVAILABLE => Some(Self::T16),
            sys_type::TSS32_AVAILABLE if model.is_386_plus() => Some(Self::T32),
            _ => None,
        }
    }

    /// Width of the IP, FLAGS and general-register fields.
    fn width(self) -> u32 {
        if self.is32 {
            4
        } else {
            2
        }
    }

    /// Smallest valid TSS limit: 67H (32-bit) or 2BH (16-bit).
    pub fn min_limit(self) -> u32 {
        if self.is32 {
            0x67
        } else {
            0x2B
        }
    }

    fn ip(self) -> u32 {
        if self.is32 {
            0x20
        } else {
            0x0E
        }
    }

    fn flags(self) -> u32 {
        self.ip() + self.width()
    }

    fn gpr(self, n: usize) -> u32 {
        self.flags() + self.width() * (1 + n as u32)
    }

    /// Selector field of segment register `r` (ES = 0 … GS = 5); the
    /// 16-bit TSS has no FS/GS.
    fn seg(self, r: usize) -> u32 {
        if self.is32 {
            0x48 + 4 * r as u32
        } else {
            0x22 + 2 * r as u32
        }
    }

    fn seg_count(self) -> usize {
        if self.is32 {
            6
        } else {
            4
        }
    }

    fn ldt(self) -> u32 {
        if self.is32 {
            0x60
        } else {
            0x2A
        }
    }

    /// Offsets of the ring-`ring` stack pointer and stack selector.
    fn stack(self, ring: u8) -> (u32, u32) {
        let r = u32::from(ring & 3);
        if self.is32 {
            (4 + 8 * r, 8 + 8 * r)
        } else {
            (2 + 4 * r, 4 + 4 * r)
        }
    }
}

/// Where a task switch failed: before its switch point (old task intact,
/// fault returned) or after it (fault belongs to the new task).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SwitchFault {
    Before(Exception),
    After(Exception),
}

impl From<Exception> for SwitchFault {
    fn from(e: Exception) -> Self {
        SwitchFault::Before(e)
    }
}

/// The part of a TSS the switch loads (the 32-bit size covers both).
type TssImage = [u8; 0x68];

fn field(img: &TssImage, off: u32, width: u32) -> u32 {
    let o = off as usize;
    let mut b = [0u8; 4];
    b[..width as usize].copy_from_slice(&img[o..o + width as usize]);
    u32::from_le_bytes(b)
}

impl Cpu {
    /// Switch to the task whose TSS descriptor is `tss_selector` (SDM Vol.
    /// 3A §7.3). See the module documentation for what the caller checks
    /// and how faults after the switch point are delivered.
    pub fn task_switch(&mut self, tss_selector: u16, src: TaskSwitchSource) -> ExResult {
        match self.switch_tasks(tss_selector, src) {
            Ok(()) => Ok(()),
            Err(SwitchFault::Before(e)) => Err(e),
            Err(SwitchFault::After(e)) => {
                log::debug!("{e} in the new task after a task switch to {tss_selector:#06x}");
                self.raise(e);
                Ok(())
            }
        }
    }

    /// IRET with NT set: switch back to the task named by the back link
    /// (offset 0) of the current TSS.
    pub fn task_return(&mut self) -> ExResult {
        let tr = self.state.tr;
        if TssLayout::of(self.model, tr.attr).is_none() || tr.limit < 1 {
            return Err(Exception::InvalidTss(tr.selector & !3));
        }
        let link = self.read_system(tr.base, 2)? as u16;
        self.task_switch(link, TaskSwitchSource::Iret)
    }

    /// The task switch proper, reporting on which side of the switch point
    /// a fault happened.
    pub(crate) fn switch_tasks(
        &mut self,
        sel: u16,
        src: TaskSwitchSource,
    ) -> Result<(), SwitchFault> {
        let ext = src.ext();
        let err = (sel & !3) | ext;
        let iret = src == TaskSwitchSource::Iret;
        // IRET reports an unusable back link as #TS; JMP, CALL and task
        // gates report an unusable TSS as #GP.
        let invalid = if iret {
            Exception::InvalidTss(err)
        } else {
            Exception::GeneralProtection(err)
        };
        // The new TSS descriptor: in the GDT, a TSS, busy only for IRET,
        // present, large enough.
        let desc = if sel & 4 != 0 {
            None
        } else {
            self.try_read_descriptor(sel)?
        };
        let Some(desc) = desc else {
            return Err(invalid.into());
        };
        let Some(layout) = TssLayout::of(self.model, desc.attr) else {
            return Err(invalid.into());
        };
        if (desc.attr & BUSY != 0) != iret {
            return Err(invalid.into());
        }
        if !desc.present() {
            return Err(Exception::SegmentNotPresent(err).into());
        }
        if desc.limit < layout.min_limit() {
            return Err(Exception::InvalidTss(err).into());
        }
        // The current TSS, where the old state goes.
        let old = self.state.tr;
        let old_layout = TssLayout::of(self.model, old.attr)
            .filter(|l| old.limit >= l.min_limit())
            .ok_or(Exception::InvalidTss((old.selector & !3) | ext))?;
        // Everything the switch touches must be reachable (SDM step 4):
        // read the new image now, probe the writes.
        let mut image: TssImage = [0; 0x68];
        let len = layout.min_limit() + 1;
        self.read_system_bytes(desc.base, &mut image[..len as usize])?;
        let old_first = old_layout.ip();
        let old_end = old_layout.seg(old_layout.seg_count());
        self.probe_system_write(old.base.wrapping_add(old_first), old_end - old_first)?;
        if !iret {
            self.probe_system_write(self.gdt_address(sel).wrapping_add(5), 1)?;
        }
        if matches!(src, TaskSwitchSource::Jmp | TaskSwitchSource::Iret) {
            self.probe_system_write(self.gdt_address(old.selector).wrapping_add(5), 1)?;
        }
        if src.nests() {
            self.probe_system_write(desc.base, 2)?;
        }
        // Switch point: from here on faults belong to the new task.
        self.commit_switch(sel, &desc, layout, old_layout, &mut image, src)
            .map_err(SwitchFault::After)
    }

    /// Steps 5–13 of SDM §7.3: save the old task, update busy bits, NT and
    /// the back link, load TR and the new task's state.
    fn commit_switch(
        &mut self,
        sel: u16,
        desc: &Descriptor,
        layout: TssLayout,
        old_layout: TssLayout,
        image: &mut TssImage,
        src: TaskSwitchSource,
    ) -> ExResult {
        let ext = src.ext();
        let iret = src == TaskSwitchSource::Iret;
        let old = self.state.tr;
        if matches!(src, TaskSwitchSource::Jmp | TaskSwitchSource::Iret) {
            self.set_tss_busy(old.selector, false)?;
        }
        let mut eflags = self.flags_image();
        if iret {
            eflags &= !flags::NT;
        }
        self.save_task(old.base, old_layout, eflags)?;
        // The old and new TSS may overlap (a back link to the current task):
        // the new task then sees what was just saved.
        let len = layout.min_limit() + 1;
        let old_len = old_layout.min_limit() + 1;
        if ranges_overlap(old.base, old_len, desc.base, len) {
            self.read_system_bytes(desc.base, &mut image[..len as usize])?;
        }
        if src.nests() {
            self.write_system(desc.base, 2, u64::from(old.selector))?;
        }
        if !iret {
            self.set_tss_busy(sel, true)?;
        }
        self.state.tr = desc.cache(sel);
        self.state.tr.attr |= BUSY;
        self.state.cr0 |= cr0::TS;
        self.load_task(image, layout, src.nests(), ext)?;
        if let Some(code) = src.error_code() {
            self.push(u64::from(code), layout.width())
                .map_err(|e| match e {
                    Exception::StackFault(_) => Exception::StackFault(ext),
                    e => e,
                })?;
        }
        if self.state.rip > u64::from(self.state.seg[SegReg::Cs as usize].limit) {
            return Err(Exception::GeneralProtection(ext));
        }
        if layout.is32 && image[TSS32_T as usize] & 1 != 0 {
            // Debug trap on entry to the task (SDM Vol. 3A §17.3.1.5):
            // delivered before the task's first instruction.
            self.state.dr[6] |= DR6_BT;
            self.raise(Exception::Debug);
        }
        Ok(())
    }

    /// Save the dynamic fields of the current task (EIP, EFLAGS, general
    /// and segment registers) into the TSS at `base`.
    fn save_task(&mut self, base: u32, l: TssLayout, eflags: u32) -> ExResult {
        let w = l.width();
        self.write_system(base.wrapping_add(l.ip()), w, self.state.rip)?;
        self.write_system(base.wrapping_add(l.flags()), w, u64::from(eflags))?;
        for n in 0..8 {
            self.write_system(base.wrapping_add(l.gpr(n)), w, self.state.regs[n])?;
        }
        for r in 0..l.seg_count() {
            let s = u64::from(self.state.seg[r].selector);
            self.write_system(base.wrapping_add(l.seg(r)), 2, s)?;
        }
        Ok(())
    }

    /// Load the new task's registers from its TSS image (SDM §7.3 steps
    /// 11–12): CR3, EFLAGS, EIP and the general registers; then the
    /// selectors, with the descriptors loaded and checked afterwards in the
    /// new task's context: LDTR, CS, SS, ES, DS, FS, GS (#TS/#NP/#SS with
    /// the selector, Table 7-1).
    fn load_task(&mut self, img: &TssImage, l: TssLayout, nested: bool, ext: u16) -> ExResult {
        let w = l.width();
        if l.is32 && self.paging_enabled() {
            self.set_cr3(u64::from(field(img, TSS32_CR3, 4)) & CR3_PDBR_MASK);
        }
        let mut eflags = field(img, l.flags(), w);
        if nested {
            eflags |= flags::NT;
        }
        self.state.flags.set_masked(eflags, u32::MAX);
        self.state.rip = u64::from(field(img, l.ip(), w));
        for n in 0..8 {
            self.state.regs[n] = u64::from(field(img, l.gpr(n), w));
        }
        let mut sels = [0u16; 6];
        for (r, s) in sels.iter_mut().enumerate().take(l.seg_count()) {
            *s = field(img, l.seg(r), 2) as u16;
        }
        let ldt = field(img, l.ldt(), 2) as u16;
        // Selectors first, descriptors not yet loaded (unusable caches).
        for r in SegReg::ALL {
            self.state.seg[r as usize] = Segment {
                selector: sels[r as usize],
                ..Segment::default()
            };
        }
        self.state.ldtr = Segment {
            selector: ldt,
            ..Segment::default()
        };
        let v86 = self.state.v86();
        let cpl = if v86 {
            3
        } else {
            (sels[SegReg::Cs as usize] & 3) as u8
        };
        self.state.cpl = cpl;
        let cause = LoadCause::Tss(ext);
        self.load_ldtr(ldt, cause)?;
        if v86 {
            for r in SegReg::ALL {
                let s = &mut self.state.seg[r as usize];
                *s = Segment::real(s.selector, r == SegReg::Cs);
                s.attr |= 3 << attr::DPL_SHIFT;
            }
            return Ok(());
        }
        let cs = sels[SegReg::Cs as usize];
        let desc = self.check_task_cs(cs, ext)?;
        self.load_cs(cs, &desc, cpl)?;
        for r in [SegReg::Ss, SegReg::Es, SegReg::Ds, SegReg::Fs, SegReg::Gs] {
            let sel = sels[r as usize];
            let desc = self.check_segment(r, sel, cpl, cause)?;
            self.commit_segment(r, sel, desc.as_ref())?;
        }
        Ok(())
    }

    /// CS of the new task: a code segment (#TS(sel)) with DPL = RPL, or
    /// DPL ≤ RPL if conforming (#TS(sel)), present (#NP(sel)).
    fn check_task_cs(&mut self, sel: u16, ext: u16) -> ExResult<Descriptor> {
        let err = (sel & !3) | ext;
        let bad = Exception::InvalidTss(err);
        if sel & !3 == 0 {
            return Err(bad);
        }
        let desc = self.try_read_descriptor(sel)?.ok_or(bad)?;
        let rpl = (sel & 3) as u8;
        let ok = desc.is_code()
            && if desc.is_conforming_code() {
                desc.dpl() <= rpl
            } else {
                desc.dpl() == rpl
            };
        if !ok {
            return Err(bad);
        }
        if !desc.present() {
            return Err(Exception::SegmentNotPresent(err));
        }
        Ok(desc)
    }

    /// Set or clear the busy bit of the TSS descriptor `sel` in the GDT.
    fn set_tss_busy(&mut self, sel: u16, busy: bool) -> ExResult {
        let lin = self.gdt_address(sel).wrapping_add(5);
        let b = self.read_system(lin, 1)? as u8;
        let nb = if busy {
            b | sys_type::TSS_BUSY_BIT
        } else {
            b & !sys_type::TSS_BUSY_BIT
        };
        self.write_system(lin, 1, u64::from(nb))
    }

    /// The ring-`cpl` stack SS:ESP from the current TSS (SDM Vol. 3A
    /// §6.12.1, INT n pseudo-code), with its checks: the TSS limit
    /// (#TS(TR)), then the new SS: null → #TS(0); outside its table, RPL ≠
    /// `cpl`, DPL ≠ `cpl` or not a writable data segment → #TS(SS); not
    /// present → #SS(SS). A 16-bit TSS gives a 16-bit SP. Error codes have
    /// EXT clear; see [`Cpu::tss_stack_ext`].
    pub fn tss_stack(&mut self, cpl: u8) -> ExResult<(u16, u32)> {
        self.tss_stack_ext(cpl, false)
    }

    /// [`Cpu::tss_stack`] for delivery of an event external to the program
    /// (`ext`: EXT set in the error codes).
    pub fn tss_stack_ext(&mut self, cpl: u8, ext: bool) -> ExResult<(u16, u32)> {
        let ext = u16::from(ext);
        let tr = self.state.tr;
        let tr_err = (tr.selector & !3) | ext;
        let l = TssLayout::of(self.model, tr.attr).ok_or(Exception::InvalidTss(tr_err))?;
        let (sp_off, ss_off) = l.stack(cpl);
        if ss_off + 1 > tr.limit {
            return Err(Exception::InvalidTss(tr_err));
        }
        let sp = self.read_system(tr.base.wrapping_add(sp_off), l.width())? as u32;
        let ss = self.read_system(tr.base.wrapping_add(ss_off), 2)? as u16;
        self.check_segment(SegReg::Ss, ss, cpl & 3, LoadCause::Tss(ext))?;
        Ok((ss, sp))
    }

    /// I/O permission check of IN/OUT/INS/OUTS (SDM Vol. 1 §19.5): in
    /// protected mode with CPL > IOPL, and always in virtual-8086 mode, every
    /// bit of the accessed ports in the TSS I/O permission bitmap must be
    /// clear. No 32-bit TSS, a bitmap base or bitmap bytes beyond the TSS
    /// limit, or a set bit: #GP(0).
    #[inline]
    pub fn check_io(&mut self, port: u16, size: u32) -> ExResult {
        let s = &self.state;
        if !s.protected() || (!s.v86() && s.cpl <= s.flags.iopl()) {
            return Ok(());
        }
        self.check_io_bitmap(port, size)
    }

    #[cold]
    fn check_io_bitmap(&mut self, port: u16, size: u32) -> ExResult {
        let denied = Err(Exception::GeneralProtection(0));
        let tr = self.state.tr;
        if TssLayout::of(self.model, tr.attr) != Some(TssLayout::T32)
            || tr.limit < TssLayout::T32.min_limit()
        {
            return denied;
        }
        let map = self.read_system(tr.base.wrapping_add(TSS32_IOMAP_BASE), 2)? as u32;
        // The CPU always reads two bitmap bytes (§19.5.2): both must be
        // within the limit.
        let off = map + u32::from(port >> 3);
        if off + 1 > tr.limit {
            return denied;
        }
        let bits = self.read_system(tr.base.wrapping_add(off), 2)? as u32;
        let mask = ((1u32 << size) - 1) << (port & 7);
        if bits & mask != 0 {
            return denied;
        }
        Ok(())
    }

    /// Linear address of descriptor `sel` in the GDT (no limit check: TR's
    /// descriptor was checked when it was loaded).
    fn gdt_address(&self, sel: u16) -> u32 {
        (self.state.gdtr.base as u32).wrapping_add(u32::from(sel & !7))
    }

    fn read_system_bytes(&mut self, lin: u32, out: &mut [u8]) -> ExResult {
        for (i, chunk) in out.chunks_mut(4).enumerate() {
            let a = lin.wrapping_add(4 * i as u32);
            let v = self.read_system(a, chunk.len() as u32)? as u32;
            chunk.copy_from_slice(&v.to_le_bytes()[..chunk.len()]);
        }
        Ok(())
    }

    /// Fault now if any byte of the `len` bytes at `lin` could not be
    /// written (every page the range touches is translated for writing).
    fn probe_system_write(&mut self, lin: u32, len: u32) -> ExResult {
        let mut a = lin;
        loop {
            self.translate_system(a, Access::Write)?;
            let next = (a | 0xFFF).wrapping_add(1);
            if next.wrapping_sub(lin) >= len || next == 0 {
                return Ok(());
            }
            a = next;
        }
    }
}

/// Whether linear ranges `[a, a+alen)` and `[b, b+blen)` intersect.
fn ranges_overlap(a: u32, alen: u32, b: u32, blen: u32) -> bool {
    let (a, b) = (u64::from(a), u64::from(b));
    a < b + u64::from(blen) && b < a + u64::from(alen)
}

#[cfg(test)]
mod delivery_tests;
#[cfg(test)]
mod io_tests;
#[cfg(test)]
mod tests;
