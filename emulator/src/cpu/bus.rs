//! The CPU's physical data accesses: RAM through [`Memory`]'s fast path,
//! everything else — ROM, open bus, and memory-mapped I/O pages — through
//! one out-of-line slow path.
//!
//! MMIO pages (local APIC, IOAPIC) belong to devices on the I/O bus, so
//! [`Memory`] cannot answer for them (its reads take `&self` and it owns
//! no devices). The slow path splits an access at page boundaries and
//! sends the pieces in MMIO pages to [`devices::IoBus::mmio_read`] /
//! [`devices::IoBus::mmio_write`] with the instruction count as the time:
//! exactly one device access per piece of 1, 2 or 4 bytes (an 8-byte piece
//! is two 4-byte accesses, low half first; odd sizes go byte by byte, which
//! only a misaligned access to device registers produces). A write to an
//! MMIO page sets [`Cpu::irq_check`], as port I/O does: an EOI or TPR write
//! can change what the interrupt controller asks of the CPU.
//!
//! Only CPU data accesses come here. Instruction fetch, the page walker and
//! DMA read MMIO pages as open bus (Memory's own view): code and paging
//! structures in device registers are not supported.
//!
//! [`Memory`]: crate::memory::Memory

use super::Cpu;
use crate::memory::PAGE_SIZE;

impl Cpu {
    /// Read `size` ≤ 8 bytes at physical `phys` as a CPU data access.
    #[inline(always)]
    pub fn phys_load(&mut self, phys: u32, size: u32) -> u64 {
        match self.mem.read_ram(phys, size) {
            Some(v) => v,
            None => self.phys_load_slow(phys, size),
        }
    }

    /// Write the low `size` ≤ 8 bytes of `v` at physical `phys` as a CPU
    /// data access.
    #[inline(always)]
    pub fn phys_store(&mut self, phys: u32, size: u32, v: u64) {
        if !self.mem.write_ram(phys, size, v) {
            self.phys_store_slow(phys, size, v);
        }
    }

    #[cold]
    #[inline(never)]
    fn phys_load_slow(&mut self, phys: u32, size: u32) -> u64 {
        let mut v = 0u64;
        let mut done = 0;
        while done < size {
            let a = phys.wrapping_add(done);
            let n = (size - done).min(PAGE_SIZE - (a & (PAGE_SIZE - 1)));
            let part = if self.mem.is_mmio(a) {
                self.mmio_load(a, n)
            } else {
                self.mem.read(a, n)
            };
            v |= part << (8 * done);
            done += n;
        }
        v
    }

    #[cold]
    #[inline(never)]
    fn phys_store_slow(&mut self, phys: u32, size: u32, v: u64) {
        let mut done = 0;
        while done < size {
            let a = phys.wrapping_add(done);
            let n = (size - done).min(PAGE_SIZE - (a & (PAGE_SIZE - 1)));
            let part = v >> (8 * done);
            if self.mem.is_mmio(a) {
                self.mmio_store(a, n, part);
                self.irq_check = true;
            } else {
                self.mem.write(a, n, part);
            }
            done += n;
        }
    }

    /// `n` bytes within one MMIO page.
    fn mmio_load(&mut self, a: u32, n: u32) -> u64 {
        let bus = self.mem.bus_address(a);
        match n {
            1 | 2 | 4 => u64::from(self.io.mmio_read(bus, n, self.icount)),
            8 => {
                let lo = self.io.mmio_read(bus, 4, self.icount);
                let hi = self.io.mmio_read(bus.wrapping_add(4), 4, self.icount);
                u64::from(lo) | (u64::from(hi) << 32)
            }
            _ => (0..n).fold(0, |v, i| {
                v | u64::from(self.io.mmio_read(bus.wrapping_add(i), 1, self.icount)) << (8 * i)
            }),
        }
    }

    /// The low `n` bytes of `v` within one MMIO page.
    fn mmio_store(&mut self, a: u32, n: u32, v: u64) {
        let bus = self.mem.bus_address(a);
        match n {
            1 | 2 | 4 => self.io.mmio_write(bus, n, v as u32, self.icount),
            8 => {
                self.io.mmio_write(bus, 4, v as u32, self.icount);
                self.io
                    .mmio_write(bus.wrapping_add(4), 4, (v >> 32) as u32, self.icount);
            }
            _ => {
                for i in 0..n {
                    let byte = u32::from((v >> (8 * i)) as u8);
                    self.io
                        .mmio_write(bus.wrapping_add(i), 1, byte, self.icount);
                }
            }
        }
    }
}
