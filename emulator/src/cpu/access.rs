//! Segmented memory access, stack operations and port I/O
//! (SDM Vol. 3A §3.4, §5.3 limit checking; Vol. 1 §6.2 stack).
//!
//! Every guest memory access of an instruction goes through
//! [`Cpu::read_mem`] / [`Cpu::write_mem`]: segment limit and type checks
//! turn into #GP/#SS values, then the linear address is translated and the
//! access goes to physical memory.
//!
//! With CR0.PG set the linear address goes through the paging unit
//! (`cpu/paging.rs`, [`crate::mmu`]): a TLB lookup with the rights of the
//! current privilege level; accesses that cross a page boundary translate
//! both pages before touching memory.

use super::exception::{ExResult, Exception};
use super::model::CpuModel;
use super::state::{attr, SegReg};
use super::Cpu;
use devices::IoSize;

/// Segment types (descriptor type bits 1–3: RW, E/C, code; SDM Vol. 3A
/// Table 3-1) as bit numbers of these masks, for the access each allows:
/// any data segment or readable code (types 0–3, 5, 7) may be read...
const READABLE_TYPES: u8 = 0b1010_1111;
/// ...writable data segments (types 1, 3) written...
const WRITABLE_TYPES: u8 = 0b0000_1010;
/// ...and code segments (types 4–7) executed.
const EXECUTABLE_TYPES: u8 = 0b1111_0000;

/// Kind of memory access, for segment type checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Execute,
}

impl Cpu {
    /// Fault for a bad access through `seg`: #SS for the stack segment,
    /// #GP otherwise (error code 0). The 80286 in real mode raises #GP for
    /// stack accesses past the limit too (SingleStepTests hardware data:
    /// POP/RET/LEAVE with SP or BP = FFFF take vector 13).
    #[inline]
    fn seg_fault(&self, seg: SegReg) -> Exception {
        if seg == SegReg::Ss && (self.model != CpuModel::I80286 || self.state.protected()) {
            Exception::StackFault(0)
        } else {
            Exception::GeneralProtection(0)
        }
    }

    /// Linear address of `size` bytes at `seg:off`, with limit and type
    /// checks (SDM Vol. 3A §5.3, §5.5 and Table 3-1). `off` is already
    /// masked to the address size.
    ///
    /// Protected mode: an unusable (null-loaded, P clear) segment is #GP(0);
    /// writes need a writable data segment, reads data or readable code,
    /// fetches code. Every mode from the 80286 on checks the cached limit:
    /// expand-up segments allow `0..=limit`, expand-down data segments
    /// `limit+1..=FFFFh` (B = 0) or `..=FFFFFFFFh` (B = 1); real mode keeps
    /// whatever limit and type the cache holds ("unreal mode") but makes
    /// no type checks, nor does virtual-8086 mode. Violations are #GP(0),
    /// or #SS(0) through SS.
    #[inline]
    pub fn linear(&self, seg: SegReg, off: u64, size: u32, access: Access) -> ExResult<u32> {
        let s = &self.state.seg[seg as usize];
        if !self.model.checks_real_limits() {
            return Ok(s.base.wrapping_add(off as u32));
        }
        let last = off + u64::from(size) - 1;
        if self.state.protected() && !self.state.v86() {
            if s.attr & attr::P == 0 {
                return Err(Exception::GeneralProtection(0));
            }
            let allowed = match access {
                Access::Read => READABLE_TYPES,
                Access::Write => WRITABLE_TYPES,
                Access::Execute => EXECUTABLE_TYPES,
            };
            if (allowed >> ((s.attr >> 1) & 7)) & 1 == 0 {
                return Err(self.seg_fault(seg));
            }
        }
        if s.attr & (attr::CODE | attr::DC) == attr::DC {
            let top: u64 = if s.big() { 0xFFFF_FFFF } else { 0xFFFF };
            if off <= u64::from(s.limit) || last > top {
                return Err(self.seg_fault(seg));
            }
        } else if last > u64::from(s.limit) {
            return Err(self.seg_fault(seg));
        }
        Ok(s.base.wrapping_add(off as u32))
    }

    /// Linear → physical for the first byte of an access at the current
    /// privilege level: the identity without paging, else a TLB lookup
    /// (which may walk the page tables and raise #PF). The result is only
    /// good up to the end of `lin`'s 4-KiB page.
    #[inline(always)]
    pub fn translate(&mut self, lin: u32, access: Access) -> ExResult<u32> {
        if !self.paging_enabled() {
            return Ok(lin);
        }
        let user = self.user_mode();
        self.translate_paged(lin, access, user)
    }

    /// The linear address of `size` bytes at `seg:off` when the segment is
    /// a present, writable, expand-up data segment, the range is within its
    /// limit and no access hook is armed: then every check of
    /// [`Cpu::linear`] passes for reads and writes in every mode from the
    /// 80286 on. `None` sends the access the long way (which faults or
    /// handles the other segment kinds).
    #[inline(always)]
    fn fast_linear(&self, seg: SegReg, off: u64, size: u32) -> Option<u32> {
        const MASK: u16 = attr::P | attr::CODE | attr::DC | attr::RW;
        let s = &self.state.seg[seg as usize];
        let ok = s.attr & MASK == attr::P | attr::RW
            && off + u64::from(size) - 1 <= u64::from(s.limit)
            && self.model != CpuModel::I8086
            && !self.access_hooks();
        ok.then(|| s.base.wrapping_add(off as u32))
    }

    /// Read `size` (1, 2, 4 or 8) bytes at `seg:off`.
    #[inline(always)]
    pub fn read_mem(&mut self, seg: SegReg, off: u64, size: u32) -> ExResult<u64> {
        if let Some(lin) = self.fast_linear(seg, off, size) {
            return self.read_lin(lin, size);
        }
        self.read_mem_checked(seg, off, size)
    }

    /// [`Cpu::read_mem`] with every segment check and the access hooks.
    #[inline(never)]
    fn read_mem_checked(&mut self, seg: SegReg, off: u64, size: u32) -> ExResult<u64> {
        if self.model == CpuModel::I8086 {
            return Ok(self.read_mem_8086(seg, off, size));
        }
        let lin = self.linear(seg, off, size, Access::Read)?;
        if self.access_hooks() {
            // #AC and data breakpoints (cpu::debug); off the fast path.
            self.access_hook(lin, size, false)?;
        }
        self.read_lin(lin, size)
    }

    /// Write `size` bytes of `v` at `seg:off`.
    #[inline(always)]
    pub fn write_mem(&mut self, seg: SegReg, off: u64, size: u32, v: u64) -> ExResult {
        if let Some(lin) = self.fast_linear(seg, off, size) {
            return self.write_lin(lin, size, v);
        }
        self.write_mem_checked(seg, off, size, v)
    }

    /// [`Cpu::write_mem`] with every segment check and the access hooks.
    #[inline(never)]
    fn write_mem_checked(&mut self, seg: SegReg, off: u64, size: u32, v: u64) -> ExResult {
        if self.model == CpuModel::I8086 {
            self.write_mem_8086(seg, off, size, v);
            return Ok(());
        }
        let lin = self.linear(seg, off, size, Access::Write)?;
        if self.access_hooks() {
            self.access_hook(lin, size, true)?;
        }
        self.write_lin(lin, size, v)
    }

    /// Check that `size` bytes at `seg:off` may be written, without writing
    /// (for read-modify-write instructions that must fault before any
    /// register changes).
    #[inline]
    pub fn check_write(&mut self, seg: SegReg, off: u64, size: u32) -> ExResult {
        if self.model == CpuModel::I8086 {
            return Ok(());
        }
        let lin = self.linear(seg, off, size, Access::Write)?;
        self.check_write_lin(lin, size)
    }

    /// 8086: the offset wraps within the 64 KiB segment byte by byte. The
    /// bytes go through the CPU's physical access path (RAM, ROM, and
    /// device memory such as the VGA's).
    fn read_mem_8086(&mut self, seg: SegReg, off: u64, size: u32) -> u64 {
        let base = self.state.seg[seg as usize].base;
        let off = off as u32 & 0xFFFF;
        if off + size <= 0x1_0000 {
            return self.phys_load(base.wrapping_add(off), size);
        }
        let mut v = 0u64;
        for i in 0..size {
            let o = off.wrapping_add(i) & 0xFFFF;
            v |= self.phys_load(base.wrapping_add(o), 1) << (8 * i);
        }
        v
    }

    fn write_mem_8086(&mut self, seg: SegReg, off: u64, size: u32, v: u64) {
        let base = self.state.seg[seg as usize].base;
        let off = off as u32 & 0xFFFF;
        if off + size <= 0x1_0000 {
            self.phys_store(base.wrapping_add(off), size, v);
            return;
        }
        for i in 0..size {
            let o = off.wrapping_add(i) & 0xFFFF;
            self.phys_store(base.wrapping_add(o), 1, (v >> (8 * i)) & 0xFF);
        }
    }

    /// Mask of the stack pointer (SP or ESP, from SS.B).
    #[inline]
    pub fn sp_mask(&self) -> u64 {
        if self.state.stack32() {
            0xFFFF_FFFF
        } else {
            0xFFFF
        }
    }

    /// Push `size` (2 or 4) bytes. RSP changes only if the write succeeds.
    #[inline]
    pub fn push(&mut self, v: u64, size: u32) -> ExResult {
        let m = self.sp_mask();
        let rsp = self.state.regs[4];
        let sp = rsp.wrapping_sub(u64::from(size)) & m;
        self.write_mem(SegReg::Ss, sp, size, v)?;
        self.state.regs[4] = (rsp & !m) | sp;
        Ok(())
    }

    /// Pop `size` (2 or 4) bytes.
    #[inline]
    pub fn pop(&mut self, size: u32) -> ExResult<u64> {
        let m = self.sp_mask();
        let rsp = self.state.regs[4];
        let v = self.read_mem(SegReg::Ss, rsp & m, size)?;
        self.state.regs[4] = (rsp & !m) | (rsp.wrapping_add(u64::from(size)) & m);
        Ok(v)
    }

    /// Read the stack at SP + `offset` without popping.
    #[inline]
    pub fn peek(&mut self, offset: u64, size: u32) -> ExResult<u64> {
        let m = self.sp_mask();
        let sp = self.state.regs[4].wrapping_add(offset) & m;
        self.read_mem(SegReg::Ss, sp, size)
    }

    /// IN from `port`, after the I/O permission check ([`Cpu::check_io`]:
    /// IOPL and the TSS I/O bitmap in protected and virtual-8086 mode).
    /// The bus gets the instruction count, which its clock turns into the
    /// devices' `now_ns`.
    #[inline]
    pub fn port_in(&mut self, port: u16, size: u32) -> ExResult<u32> {
        self.check_io(port, size)?;
        self.irq_check = true;
        Ok(self.io.read_at(port, IoSize::from_bytes(size), self.icount))
    }

    /// OUT to `port` (see [`Cpu::port_in`] for what is checked).
    #[inline]
    pub fn port_out(&mut self, port: u16, size: u32, v: u32) -> ExResult {
        self.check_io(port, size)?;
        self.io
            .write_at(port, IoSize::from_bytes(size), v, self.icount);
        self.irq_check = true;
        if port & !3 == devices::pci::PCI_CONFIG_DATA {
            // A PAM register may have changed what backs C0000–FFFFF, a
            // BAR where the VGA's framebuffer is.
            self.sync_shadow_ram(false);
            self.sync_vga_lfb();
        }
        Ok(())
    }
}
