//! The CPU side of paging (SDM Vol. 3A ch. 4): translation through the
//! software TLB with the current privilege, accesses that cross a page
//! boundary, implicit supervisor accesses, and the TLB invalidations of
//! MOV CR0/CR3/CR4 and INVLPG (§4.10.4.1).
//!
//! The walker and the TLB are in [`crate::mmu`]; this file only decides
//! which rights an access uses and when to flush.
//!
//! - User-mode accesses are those made at CPL 3 (virtual-8086 mode
//!   included), except the implicit supervisor accesses to the GDT, LDT,
//!   IDT and TSS (§4.6), which use [`Cpu::translate_system`] /
//!   [`Cpu::read_system`] / [`Cpu::write_system`] whatever the CPL.
//! - An access that crosses a page boundary translates both pages before
//!   any byte is read or written, so a #PF on the second page leaves memory
//!   unchanged; CR2 is then the first byte of the second page.

use super::access::Access;
use super::exception::{ExResult, Exception};
use super::state::cr0;
use super::Cpu;
use crate::mmu::{self, cr4, PagingConfig, Request};

/// Page size of the paging unit (the TLB works in 4-KiB pieces).
const PAGE: u32 = 4096;

impl Cpu {
    /// CR0.PG: linear addresses are translated by paging.
    #[inline(always)]
    pub fn paging_enabled(&self) -> bool {
        self.state.cr0 & cr0::PG != 0
    }

    /// Accesses at the current privilege level are user-mode accesses
    /// (CPL 3, which includes virtual-8086 mode). Meaningful with paging
    /// on, which implies protected mode.
    #[inline(always)]
    pub fn user_mode(&self) -> bool {
        self.state.cpl == 3 || self.state.v86()
    }

    /// Translate through the TLB with paging on; a miss walks the paging
    /// structures (and may fault).
    #[inline(always)]
    pub fn translate_paged(&mut self, lin: u32, access: Access, user: bool) -> ExResult<u32> {
        let need = mmu::required(access, user, self.state.cr0 & cr0::WP != 0);
        match self.tlb.lookup(u64::from(lin), need) {
            Some(p) => Ok(p as u32),
            None => self.tlb_fill(lin, access, user),
        }
    }

    #[cold]
    #[inline(never)]
    fn tlb_fill(&mut self, lin: u32, access: Access, user: bool) -> ExResult<u32> {
        let s = &self.state;
        let cfg = PagingConfig::from_crs(s.cr0, s.cr3, s.cr4);
        let lin64 = u64::from(lin);
        match mmu::walk(&mut self.mem, &cfg, lin64, Request { access, user }) {
            Ok(t) => {
                self.tlb.insert(lin64, &t);
                self.tlb.fills += 1;
                Ok((t.frame | (lin64 & 0xFFF)) as u32)
            }
            Err(code) => Err(Exception::PageFault { addr: lin64, code }),
        }
    }

    /// Linear → physical for an implicit supervisor access (descriptor
    /// tables, TSS): supervisor rights whatever the CPL.
    #[inline]
    pub fn translate_system(&mut self, lin: u32, access: Access) -> ExResult<u32> {
        if !self.paging_enabled() {
            return Ok(lin);
        }
        self.translate_paged(lin, access, false)
    }

    /// Read `size` ≤ 8 bytes at linear `lin` with the current privilege.
    #[inline(always)]
    pub fn read_lin(&mut self, lin: u32, size: u32) -> ExResult<u64> {
        if !self.paging_enabled() {
            return Ok(self.phys_load(lin, size));
        }
        if let Some(p) = self.tlb_hit(lin, size, Access::Read) {
            // RAM inline; ROM, open bus and MMIO out of line.
            if let Some(v) = self.ram_load(p, size) {
                return Ok(v);
            }
            return Ok(self.phys_read(p, size));
        }
        self.read_lin_paged(lin, size)
    }

    /// Write `size` ≤ 8 bytes at linear `lin` with the current privilege.
    #[inline(always)]
    pub fn write_lin(&mut self, lin: u32, size: u32, v: u64) -> ExResult {
        if !self.paging_enabled() {
            self.phys_store(lin, size, v);
            return Ok(());
        }
        if let Some(p) = self.tlb_hit(lin, size, Access::Write) {
            if !self.ram_store(p, size, v) {
                self.phys_write(p, size, v);
            }
            return Ok(());
        }
        self.write_lin_paged(lin, size, v)
    }

    /// The physical address of an access within one page that the TLB
    /// allows at the current privilege level, if it does.
    #[inline(always)]
    fn tlb_hit(&self, lin: u32, size: u32, access: Access) -> Option<u32> {
        if crosses_page(lin, size) {
            return None;
        }
        let need = mmu::required(access, self.user_mode(), self.state.cr0 & cr0::WP != 0);
        self.tlb.lookup(u64::from(lin), need).map(|p| p as u32)
    }

    /// Check that `size` bytes at linear `lin` may be written (both pages
    /// if the range crosses a boundary), without writing. Sets the
    /// accessed and dirty flags as the write will.
    #[inline(always)]
    pub fn check_write_lin(&mut self, lin: u32, size: u32) -> ExResult {
        if !self.paging_enabled() {
            return Ok(());
        }
        self.check_write_paged(lin, size)
    }

    // Only the TLB hit is inlined in the accessors above; misses, page
    // crossings and write checks are out of line, and the paged paths reach
    // physical memory through the two out-of-line helpers below, so that
    // the accessors (inlined into every instruction handler) keep the
    // no-paging path as small as it was before paging existed. Measured
    // with callgrind on the benchmark memory loop: with more inlined call
    // sites of `Memory::read`, LLVM stops inlining it into `read_mem` and
    // the no-paging loop costs 3 % more host instructions; an inlined TLB
    // hit in `check_write_lin` costs it 1.5 %.

    #[inline(never)]
    fn read_lin_paged(&mut self, lin: u32, size: u32) -> ExResult<u64> {
        let user = self.user_mode();
        if crosses_page(lin, size) {
            return self.read_split(lin, size, user);
        }
        let phys = self.translate_paged(lin, Access::Read, user)?;
        Ok(self.phys_read(phys, size))
    }

    #[inline(never)]
    fn write_lin_paged(&mut self, lin: u32, size: u32, v: u64) -> ExResult {
        let user = self.user_mode();
        if crosses_page(lin, size) {
            return self.write_split(lin, size, v, user);
        }
        let phys = self.translate_paged(lin, Access::Write, user)?;
        self.phys_write(phys, size, v);
        Ok(())
    }

    #[inline(never)]
    fn check_write_paged(&mut self, lin: u32, size: u32) -> ExResult {
        let user = self.user_mode();
        self.translate_paged(lin, Access::Write, user)?;
        if crosses_page(lin, size) {
            self.translate_paged(second_page(lin), Access::Write, user)?;
        }
        Ok(())
    }

    #[inline(never)]
    fn phys_read(&mut self, phys: u32, size: u32) -> u64 {
        self.phys_load(phys, size)
    }

    #[inline(never)]
    fn phys_write(&mut self, phys: u32, size: u32, v: u64) {
        self.phys_store(phys, size, v);
    }

    /// Implicit supervisor read (GDT/LDT/IDT entries, TSS fields).
    pub fn read_system(&mut self, lin: u32, size: u32) -> ExResult<u64> {
        if !self.paging_enabled() {
            return Ok(self.phys_read(lin, size));
        }
        if crosses_page(lin, size) {
            return self.read_split(lin, size, false);
        }
        let phys = self.translate_paged(lin, Access::Read, false)?;
        Ok(self.phys_read(phys, size))
    }

    /// Implicit supervisor write (descriptor accessed/busy bits, TSS).
    pub fn write_system(&mut self, lin: u32, size: u32, v: u64) -> ExResult {
        if !self.paging_enabled() {
            self.phys_write(lin, size, v);
            return Ok(());
        }
        if crosses_page(lin, size) {
            return self.write_split(lin, size, v, false);
        }
        let phys = self.translate_paged(lin, Access::Write, false)?;
        self.phys_write(phys, size, v);
        Ok(())
    }

    /// A read crossing a page boundary: both pages are translated first.
    #[cold]
    fn read_split(&mut self, lin: u32, size: u32, user: bool) -> ExResult<u64> {
        let first = PAGE - (lin & (PAGE - 1));
        let p1 = self.translate_paged(lin, Access::Read, user)?;
        let p2 = self.translate_paged(second_page(lin), Access::Read, user)?;
        let lo = self.phys_read(p1, first);
        let hi = self.phys_read(p2, size - first);
        Ok(lo | (hi << (8 * first)))
    }

    /// A write crossing a page boundary: both pages are translated (and
    /// may fault) before any byte is written.
    #[cold]
    fn write_split(&mut self, lin: u32, size: u32, v: u64, user: bool) -> ExResult {
        let first = PAGE - (lin & (PAGE - 1));
        let p1 = self.translate_paged(lin, Access::Write, user)?;
        let p2 = self.translate_paged(second_page(lin), Access::Write, user)?;
        self.phys_write(p1, first, v);
        self.phys_write(p2, size - first, v >> (8 * first));
        Ok(())
    }

    /// Load CR3 (MOV CR3, task switch): the non-global TLB entries go.
    pub fn set_cr3(&mut self, v: u64) {
        self.state.cr3 = v;
        self.tlb.flush_non_global();
    }

    /// INVLPG: drop the TLB entries for the page holding `lin`.
    pub fn invalidate_page(&mut self, lin: u32) {
        self.tlb.flush_page(u64::from(lin));
    }

    /// After CR0 or CR4 changed from `old_cr0`/`old_cr4`: a change of
    /// CR0.PG, CR4.PGE or CR4.PSE flushes the whole TLB, global entries
    /// included (§4.10.4.1). CR0.WP needs no flush: TLB entries keep the
    /// R/W rights, and WP is applied at each lookup.
    pub fn paging_controls_changed(&mut self, old_cr0: u64, old_cr4: u64) {
        let cr0_changed = (old_cr0 ^ self.state.cr0) & cr0::PG != 0;
        let cr4_changed = (old_cr4 ^ self.state.cr4) & (cr4::PGE | cr4::PSE | cr4::PAE) != 0;
        if cr0_changed || cr4_changed {
            self.tlb.flush_all();
        }
    }
}

/// `size` bytes from `lin` do not fit in `lin`'s page.
#[inline(always)]
fn crosses_page(lin: u32, size: u32) -> bool {
    (lin & (PAGE - 1)) + size > PAGE
}

/// The first byte of the page after `lin`'s (wrapping at 4 GiB).
#[inline(always)]
fn second_page(lin: u32) -> u32 {
    (lin | (PAGE - 1)).wrapping_add(1)
}

#[cfg(test)]
#[path = "paging_tests.rs"]
mod tests;
