//! Segment register loads and descriptor tables (SDM Vol. 3A §3.4
//! selectors and descriptors, §3.5 system descriptor types, §5.4–5.6
//! privilege checks for data and stack segments, §7.2.4 the task
//! register, §9.9 mode switching; Vol. 2 MOV, POP, LDS/LES/LFS/LGS/LSS,
//! LLDT and LTR instruction pages).
//!
//! Real and virtual-8086 mode: a load changes the selector and the base
//! (selector × 16) only. Real mode keeps the cached limit and attributes,
//! so segments loaded in protected mode keep their limits after the
//! switch back ("unreal mode"); virtual-8086 mode sets a 64 KiB writable
//! DPL 3 segment, as the CPU does for every V86 load.
//!
//! Protected mode: the descriptor is read from the GDT or, for a selector
//! with TI = 1, the LDT (through LDTR, with its own limit). Every check the
//! MOV/POP/LxS pages list is made, in their order, with their error codes:
//!
//! | register | check | fault |
//! |---|---|---|
//! | SS | null selector | #GP(0) |
//! | SS | index beyond the table limit, RPL ≠ CPL, not a writable data segment, DPL ≠ CPL | #GP(sel) |
//! | SS | not present | #SS(sel) |
//! | DS ES FS GS | index beyond the table limit, not data or readable code, data/non-conforming code with RPL > DPL or CPL > DPL | #GP(sel) |
//! | DS ES FS GS | not present | #NP(sel) |
//! | DS ES FS GS | null selector | none: the register becomes unusable and any access through it is #GP(0) |
//!
//! `sel` in an error code is the selector with its RPL bits cleared (bit 0
//! is EXT, bit 1 IDT; both 0 for instruction-caused faults). Loads made by
//! a task switch or a stack switch report #TS instead of #GP
//! ([`LoadCause::Tss`]). A successful load sets the descriptor's accessed
//! bit in memory and fills the cache: base, limit with the granularity
//! applied, and the attributes including D/B.
//!
//! An unusable segment (null selector loaded, or cleared by a return to an
//! outer privilege level) is a cache with the P attribute clear.
//!
//! CS is loaded by control transfers, which make their own privilege
//! checks (`exec::control`, `interrupt`); they use [`Cpu::load_cs`] once a
//! target is accepted. LDTR without P set is "no LDT": references through
//! it are #GP(sel). (At reset the real CPU's LDTR has base 0, limit FFFFh
//! and P set; ox86 starts with no LDT, which only a guest using TI = 1
//! selectors before its first LLDT could notice.)
//!
//! Descriptor-table reads and the accessed/busy-bit writes are implicit
//! supervisor accesses (SDM Vol. 3A §4.6): [`Cpu::read_system`] and
//! [`Cpu::write_system`] whatever the CPL.

use super::exception::{ExResult, Exception};
use super::model::CpuModel;
use super::state::{attr, SegReg, Segment};
use super::Cpu;

/// System-descriptor types, the type field of a descriptor with S = 0
/// (SDM Vol. 3A Table 3-2).
pub mod sys_type {
    pub const TSS16_AVAILABLE: u8 = 0x1;
    pub const LDT: u8 = 0x2;
    pub const TSS16_BUSY: u8 = 0x3;
    pub const CALL_GATE16: u8 = 0x4;
    pub const TASK_GATE: u8 = 0x5;
    pub const INTERRUPT_GATE16: u8 = 0x6;
    pub const TRAP_GATE16: u8 = 0x7;
    pub const TSS32_AVAILABLE: u8 = 0x9;
    pub const TSS32_BUSY: u8 = 0xB;
    pub const CALL_GATE32: u8 = 0xC;
    pub const INTERRUPT_GATE32: u8 = 0xE;
    pub const TRAP_GATE32: u8 = 0xF;
    /// The busy bit of a TSS type (bit 1).
    pub const TSS_BUSY_BIT: u8 = 0x2;
}

/// A segment or system descriptor as stored in a descriptor table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Descriptor {
    pub base: u32,
    /// Limit with granularity applied.
    pub limit: u32,
    /// See [`attr`]: access byte in bits 0–7, AVL/L/D/B/G in bits 12–15.
    pub attr: u16,
    /// The descriptor as read (gates keep selector, offset and parameter
    /// count where a segment keeps base and limit).
    pub raw: u64,
}

impl Descriptor {
    /// Decode the two dwords of a descriptor.
    pub fn from_raw(raw: u64) -> Self {
        let lo = raw as u32;
        let hi = (raw >> 32) as u32;
        let base = (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF00_0000);
        let mut limit = (lo & 0xFFFF) | (hi & 0x000F_0000);
        let attr = ((hi >> 8) & 0xF0FF) as u16;
        if attr & attr::G != 0 {
            limit = (limit << 12) | 0xFFF;
        }
        Descriptor {
            base,
            limit,
            attr,
            raw,
        }
    }

    /// Descriptor privilege level.
    #[inline]
    pub fn dpl(&self) -> u8 {
        ((self.attr >> attr::DPL_SHIFT) & 3) as u8
    }

    /// P flag.
    #[inline]
    pub fn present(&self) -> bool {
        self.attr & attr::P != 0
    }

    /// A code or data segment (S = 1), not a system descriptor.
    #[inline]
    pub fn is_segment(&self) -> bool {
        self.attr & attr::S != 0
    }

    /// The type field of a system descriptor (S = 0), see [`sys_type`];
    /// `None` for code and data segments.
    #[inline]
    pub fn system_type(&self) -> Option<u8> {
        (!self.is_segment()).then_some((self.attr & 0xF) as u8)
    }

    /// A code segment.
    #[inline]
    pub fn is_code(&self) -> bool {
        self.attr & (attr::S | attr::CODE) == attr::S | attr::CODE
    }

    /// A data segment.
    #[inline]
    pub fn is_data(&self) -> bool {
        self.attr & (attr::S | attr::CODE) == attr::S
    }

    /// A conforming code segment.
    #[inline]
    pub fn is_conforming_code(&self) -> bool {
        self.is_code() && self.attr & attr::DC != 0
    }

    /// Data, or code with the readable bit.
    #[inline]
    pub fn is_readable(&self) -> bool {
        self.is_data() || (self.is_code() && self.attr & attr::RW != 0)
    }

    /// A data segment with the writable bit.
    #[inline]
    pub fn is_writable_data(&self) -> bool {
        self.is_data() && self.attr & attr::RW != 0
    }

    /// The segment cache this descriptor loads for `selector`.
    #[inline]
    pub fn cache(&self, selector: u16) -> Segment {
        Segment {
            selector,
            base: self.base,
            limit: self.limit,
            attr: self.attr,
        }
    }
}

/// Who loads a segment register, which decides the exceptions its checks
/// raise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadCause {
    /// An instruction (MOV/POP Sreg, LDS…LSS, LLDT): #GP(sel) for a bad
    /// selector or descriptor, #NP(sel) when not present (#SS(sel) for SS).
    Instruction,
    /// A task switch or the stack switch of a privilege change, loading a
    /// selector read from a TSS: #TS(sel | ext) instead of #GP, with `ext`
    /// (0 or 1) the EXT bit of the error code (SDM Vol. 3A §6.13, Table
    /// 7-1). Not present stays #NP (#SS for SS), except for an LDT (#TS).
    Tss(u16),
}

impl LoadCause {
    /// Error code for `selector`: index and TI, with EXT.
    #[inline]
    fn code(self, selector: u16) -> u16 {
        match self {
            LoadCause::Instruction => selector & !3,
            LoadCause::Tss(ext) => (selector & !3) | (ext & 1),
        }
    }

    /// The protection fault of this cause with error code `code`.
    #[inline]
    fn fault(self, code: u16) -> Exception {
        match self {
            LoadCause::Instruction => Exception::GeneralProtection(code),
            LoadCause::Tss(_) => Exception::InvalidTss(code),
        }
    }
}

impl Cpu {
    /// Linear address of the descriptor `selector` names, or `None` when
    /// it lies beyond the GDT or LDT limit (or no LDT is loaded).
    pub fn descriptor_address(&self, selector: u16) -> Option<u32> {
        let index = u32::from(selector & !7);
        let (base, limit) = if selector & 4 != 0 {
            let l = &self.state.ldtr;
            if l.attr & attr::P == 0 {
                return None;
            }
            (l.base, l.limit)
        } else {
            (
                self.state.gdtr.base as u32,
                u32::from(self.state.gdtr.limit),
            )
        };
        (u64::from(index) + 7 <= u64::from(limit)).then(|| base.wrapping_add(index))
    }

    /// Read the descriptor `selector` names, `Ok(None)` if it lies beyond
    /// its table's limit. Errors come only from the memory access (#PF).
    /// The 80286 ignores the descriptor's last word (base bits 24–31,
    /// limit bits 16–19 and the G, D/B, L, AVL flags).
    pub fn try_read_descriptor(&mut self, selector: u16) -> ExResult<Option<Descriptor>> {
        let Some(lin) = self.descriptor_address(selector) else {
            return Ok(None);
        };
        let mut raw = self.read_system(lin, 8)?;
        if self.model == CpuModel::I80286 {
            raw &= 0x0000_FFFF_FFFF_FFFF;
        }
        Ok(Some(Descriptor::from_raw(raw)))
    }

    /// Read the descriptor for `selector`: #GP(selector & ~3) beyond the
    /// table limit.
    pub fn read_descriptor(&mut self, selector: u16) -> ExResult<Descriptor> {
        self.try_read_descriptor(selector)?
            .ok_or(Exception::GeneralProtection(selector & !3))
    }

    /// OR `bits` into byte 5 (the access byte) of the descriptor for
    /// `selector`, writing only if something changes (accessed bit of
    /// segments, busy bit of TSS descriptors).
    fn set_descriptor_bits(&mut self, selector: u16, bits: u8) -> ExResult {
        let Some(lin) = self.descriptor_address(selector) else {
            return Err(Exception::GeneralProtection(selector & !3));
        };
        let lin = lin.wrapping_add(5);
        let b = self.read_system(lin, 1)? as u8;
        if b & bits != bits {
            self.write_system(lin, 1, u64::from(b | bits))?;
        }
        Ok(())
    }

    /// Load a segment register with `selector` (MOV, POP, LDS…LSS, and the
    /// far transfers for CS). See the module docs for the checks; on a
    /// fault nothing changes. Loading SS inhibits interrupts for one
    /// instruction.
    pub fn load_seg(&mut self, r: SegReg, selector: u16) -> ExResult {
        if !self.state.protected() || self.state.v86() {
            self.load_seg_real(r, selector);
        } else if r == SegReg::Cs {
            let desc = self.check_cs_basic(selector)?;
            self.load_cs(selector, &desc, (selector & 3) as u8)?;
        } else {
            let desc = self.check_segment(r, selector, self.state.cpl, LoadCause::Instruction)?;
            self.commit_segment(r, selector, desc.as_ref())?;
        }
        if r == SegReg::Ss {
            self.state.int_shadow = true;
        }
        Ok(())
    }

    /// Real and virtual-8086 mode load (see the module docs).
    fn load_seg_real(&mut self, r: SegReg, selector: u16) {
        let v86 = self.state.v86();
        let s = &mut self.state.seg[r as usize];
        s.selector = selector;
        s.base = u32::from(selector) << 4;
        if v86 {
            s.limit = 0xFFFF;
            s.attr = if r == SegReg::Cs {
                attr::REAL_CODE
            } else {
                attr::REAL_DATA
            } | (3 << attr::DPL_SHIFT);
        }
    }

    /// Check a load of `selector` into SS, DS, ES, FS or GS at privilege
    /// level `cpl` without changing anything (the accessed bit included).
    /// `Ok(None)` is a null selector, which DS/ES/FS/GS accept.
    pub fn check_segment(
        &mut self,
        r: SegReg,
        selector: u16,
        cpl: u8,
        cause: LoadCause,
    ) -> ExResult<Option<Descriptor>> {
        let code = cause.code(selector);
        if selector & !3 == 0 {
            return match (r, cause) {
                (SegReg::Ss, LoadCause::Instruction) => Err(Exception::GeneralProtection(0)),
                (SegReg::Ss, LoadCause::Tss(_)) => Err(Exception::InvalidTss(code)),
                _ => Ok(None),
            };
        }
        let Some(desc) = self.try_read_descriptor(selector)? else {
            return Err(cause.fault(code));
        };
        let rpl = (selector & 3) as u8;
        if r == SegReg::Ss {
            if rpl != cpl || !desc.is_writable_data() || desc.dpl() != cpl {
                return Err(cause.fault(code));
            }
            if !desc.present() {
                return Err(Exception::StackFault(code));
            }
        } else {
            if !desc.is_readable()
                || (!desc.is_conforming_code() && (rpl > desc.dpl() || cpl > desc.dpl()))
            {
                return Err(cause.fault(code));
            }
            if !desc.present() {
                return Err(Exception::SegmentNotPresent(code));
            }
        }
        Ok(Some(desc))
    }

    /// Load SS/DS/ES/FS/GS with a selector [`Cpu::check_segment`] accepted:
    /// sets the accessed bit and fills the cache; `None` (null selector)
    /// makes the register unusable.
    pub fn commit_segment(
        &mut self,
        r: SegReg,
        selector: u16,
        desc: Option<&Descriptor>,
    ) -> ExResult {
        let cache = match desc {
            Some(d) => {
                self.set_descriptor_bits(selector, attr::ACCESSED as u8)?;
                let mut c = d.cache(selector);
                c.attr |= attr::ACCESSED;
                c
            }
            None => Segment {
                selector,
                base: 0,
                limit: 0,
                attr: 0,
            },
        };
        self.state.seg[r as usize] = cache;
        Ok(())
    }

    /// The checks every CS load makes whatever the transfer: not null
    /// (#GP(0)), within the table, a code segment (#GP(sel)), present
    /// (#NP(sel)). Privilege rules depend on the transfer and are the
    /// caller's.
    pub fn check_cs_basic(&mut self, selector: u16) -> ExResult<Descriptor> {
        if selector & !3 == 0 {
            return Err(Exception::GeneralProtection(0));
        }
        let desc = self.read_descriptor(selector)?;
        if !desc.is_code() {
            return Err(Exception::GeneralProtection(selector & !3));
        }
        if !desc.present() {
            return Err(Exception::SegmentNotPresent(selector & !3));
        }
        Ok(desc)
    }

    /// Load CS with an accepted code-segment descriptor and make `cpl`
    /// the current privilege level (CS.RPL = CPL); sets the accessed bit.
    pub fn load_cs(&mut self, selector: u16, desc: &Descriptor, cpl: u8) -> ExResult {
        self.set_descriptor_bits(selector, attr::ACCESSED as u8)?;
        let sel = (selector & !3) | u16::from(cpl);
        let mut c = desc.cache(sel);
        c.attr |= attr::ACCESSED;
        self.state.seg[SegReg::Cs as usize] = c;
        self.state.cpl = cpl;
        Ok(())
    }

    /// After a return to an outer privilege level (RET far, IRET): ES, DS,
    /// FS and GS holding a data or non-conforming code segment with DPL <
    /// CPL become null and unusable (SDM Vol. 2 RET and IRET operation,
    /// Vol. 3A §5.8.6).
    pub fn null_inaccessible_segments(&mut self) {
        let cpl = u16::from(self.state.cpl);
        for r in [SegReg::Es, SegReg::Ds, SegReg::Fs, SegReg::Gs] {
            let s = &mut self.state.seg[r as usize];
            let conforming_code = s.attr & (attr::CODE | attr::DC) == attr::CODE | attr::DC;
            let dpl = (s.attr >> attr::DPL_SHIFT) & 3;
            if s.attr & attr::P != 0 && !conforming_code && dpl < cpl {
                *s = Segment {
                    selector: 0,
                    base: 0,
                    limit: 0,
                    attr: 0,
                };
            }
        }
    }

    /// Load LDTR (LLDT, or a task switch with [`LoadCause::Tss`]). A null
    /// selector leaves no LDT. Otherwise the selector must point into the
    /// GDT (TI = 0) at an LDT descriptor (#GP/#TS(sel)) that is present
    /// (#NP(sel), or #TS(sel) in a task switch).
    pub fn load_ldtr(&mut self, selector: u16, cause: LoadCause) -> ExResult {
        if selector & !3 == 0 {
            self.state.ldtr = Segment {
                selector,
                base: 0,
                limit: 0,
                attr: 0,
            };
            return Ok(());
        }
        let code = cause.code(selector);
        let desc = if selector & 4 != 0 {
            None
        } else {
            self.try_read_descriptor(selector)?
        };
        let Some(desc) = desc.filter(|d| d.system_type() == Some(sys_type::LDT)) else {
            return Err(cause.fault(code));
        };
        if !desc.present() {
            return Err(match cause {
                LoadCause::Instruction => Exception::SegmentNotPresent(code),
                LoadCause::Tss(_) => Exception::InvalidTss(code),
            });
        }
        self.state.ldtr = desc.cache(selector);
        Ok(())
    }

    /// LTR: load the task register from an available TSS descriptor in the
    /// GDT and mark it busy in memory. Null is #GP(0); TI = 1, beyond the
    /// GDT, not an available TSS (or a 32-bit TSS on the 80286) is
    /// #GP(sel); not present is #NP(sel).
    pub fn load_tr(&mut self, selector: u16) -> ExResult {
        if selector & !3 == 0 {
            return Err(Exception::GeneralProtection(0));
        }
        let code = selector & !3;
        let desc = if selector & 4 != 0 {
            None
        } else {
            self.try_read_descriptor(selector)?
        };
        let available = |t: Option<u8>, model: CpuModel| match t {
            Some(sys_type::TSS16_AVAILABLE) => true,
            Some(sys_type::TSS32_AVAILABLE) => model.is_386_plus(),
            _ => false,
        };
        let Some(desc) = desc.filter(|d| available(d.system_type(), self.model)) else {
            return Err(Exception::GeneralProtection(code));
        };
        if !desc.present() {
            return Err(Exception::SegmentNotPresent(code));
        }
        self.set_descriptor_bits(selector, sys_type::TSS_BUSY_BIT)?;
        let mut c = desc.cache(selector);
        c.attr |= u16::from(sys_type::TSS_BUSY_BIT);
        self.state.tr = c;
        Ok(())
    }
}

#[cfg(test)]
#[path = "segment_tests.rs"]
pub(crate) mod tests;
