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
//! MMIO page other than display memory sets [`Cpu::irq_check`], as port
//! I/O does: an EOI or TPR write can change what the interrupt controller
//! asks of the CPU.
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
        match self.ram_load(phys, size) {
            Some(v) => v,
            None => self.phys_load_slow(phys, size),
        }
    }

    /// The RAM fast path of [`Cpu::phys_load`] (`None`: not plain RAM in
    /// one page). Constant sizes let the copy compile to one load instead
    /// of a call to memcpy, which a variable size costs.
    #[inline(always)]
    pub fn ram_load(&self, phys: u32, size: u32) -> Option<u64> {
        match size {
            1 => self.mem.read_ram(phys, 1),
            2 => self.mem.read_ram(phys, 2),
            4 => self.mem.read_ram(phys, 4),
            8 => self.mem.read_ram(phys, 8),
            _ => self.mem.read_ram(phys, size),
        }
    }

    /// The RAM fast path of [`Cpu::phys_store`] (`false`: nothing written,
    /// not plain RAM in one page).
    #[inline(always)]
    pub fn ram_store(&mut self, phys: u32, size: u32, v: u64) -> bool {
        match size {
            1 => self.mem.write_ram(phys, 1, v),
            2 => self.mem.write_ram(phys, 2, v),
            4 => self.mem.write_ram(phys, 4, v),
            8 => self.mem.write_ram(phys, 8, v),
            _ => self.mem.write_ram(phys, size, v),
        }
    }

    /// Write the low `size` ≤ 8 bytes of `v` at physical `phys` as a CPU
    /// data access.
    #[inline(always)]
    pub fn phys_store(&mut self, phys: u32, size: u32, v: u64) {
        if !self.ram_store(phys, size, v) {
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
                // Display memory changes no interrupt line: a loop filling
                // the screen keeps running in its block.
                if self.mmio_store(a, n, part) {
                    self.irq_check = true;
                }
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

    /// The low `n` bytes of `v` within one MMIO page; whether an interrupt
    /// line may have changed (see `IoBus::mmio_write`).
    fn mmio_store(&mut self, a: u32, n: u32, v: u64) -> bool {
        let bus = self.mem.bus_address(a);
        match n {
            1 | 2 | 4 => self.io.mmio_write(bus, n, v as u32, self.icount),
            8 => {
                let lo = self.io.mmio_write(bus, 4, v as u32, self.icount);
                let hi = self
                    .io
                    .mmio_write(bus.wrapping_add(4), 4, (v >> 32) as u32, self.icount);
                lo | hi
            }
            _ => (0..n).fold(false, |changed, i| {
                let byte = u32::from((v >> (8 * i)) as u8);
                self.io
                    .mmio_write(bus.wrapping_add(i), 1, byte, self.icount)
                    | changed
            }),
        }
    }
}

impl Cpu {
    /// RDMSR IA32_APIC_BASE when the board has a local APIC (`None`: no
    /// APIC, the MSR is a plain read-back store).
    pub fn apic_base_msr(&self) -> Option<u64> {
        self.io.apic.as_ref().map(|a| a.lapic.base_msr())
    }

    /// WRMSR IA32_APIC_BASE when the board has a local APIC (`None`: no
    /// APIC). Reserved bits raise #GP(0) (SDM Vol. 3A §10.4.4); a new base
    /// moves the APIC's MMIO page.
    pub fn write_apic_base_msr(&mut self, v: u64) -> Option<super::ExResult> {
        let apic = self.io.apic.as_mut()?;
        let old = apic.lapic.base();
        if !apic.lapic.write_base_msr(v) {
            return Some(Err(super::Exception::GeneralProtection(0)));
        }
        let new = apic.lapic.base();
        if new != old {
            let ioapic = apic.ioapic_base();
            if old != ioapic {
                // Cannot fail: a page-aligned page below 4 GiB.
                let _ = self.mem.unmap_mmio(u64::from(old), u64::from(PAGE_SIZE));
            }
            let _ = self.mem.map_mmio(u64::from(new), u64::from(PAGE_SIZE));
        }
        Some(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use crate::cpu::exec::testutil::{cpu_with, step};
    use crate::cpu::CpuModel;
    use devices::ApicBus;

    const WRMSR_RDMSR: [u8; 4] = [0x0F, 0x30, 0x0F, 0x32];

    fn cpu_with_apic(edx_eax: u64) -> crate::cpu::Cpu {
        let mut cpu = cpu_with(CpuModel::Pentium, &WRMSR_RDMSR);
        cpu.io.apic = Some(ApicBus::new());
        cpu.mem.map_mmio(0xFEE0_0000, 4096).unwrap();
        cpu.mem.map_mmio(0xFEC0_0000, 4096).unwrap();
        cpu.state.regs[1] = 0x1B;
        cpu.state.regs[0] = edx_eax & 0xFFFF_FFFF;
        cpu.state.regs[2] = edx_eax >> 32;
        cpu
    }

    #[test]
    fn wrmsr_apic_base_moves_the_apic_page() {
        let mut cpu = cpu_with_apic(0xFED0_0800);
        step(&mut cpu);
        assert!(cpu.mem.is_mmio(0xFED0_0000));
        assert!(!cpu.mem.is_mmio(0xFEE0_0000), "old page released");
        assert!(cpu.mem.is_mmio(0xFEC0_0000), "IOAPIC page kept");
        assert_eq!(
            cpu.phys_load(0xFED0_0030, 4),
            0x0005_0014,
            "version at the new base"
        );
        assert_eq!(cpu.phys_load(0xFEE0_0030, 4), 0xFFFF_FFFF);
        step(&mut cpu);
        assert_eq!(
            (cpu.state.regs[2], cpu.state.regs[0]),
            (0, 0xFED0_0900),
            "BSP kept"
        );
    }

    #[test]
    fn wrmsr_apic_base_global_disable_stops_decoding() {
        let mut cpu = cpu_with_apic(0xFEE0_0000);
        step(&mut cpu);
        assert_eq!(cpu.phys_load(0xFEE0_0030, 4), 0xFFFF_FFFF);
        assert_eq!(cpu.phys_load(0xFEC0_0000, 4), 0, "the IOAPIC still answers");
    }

    #[test]
    fn wrmsr_apic_base_reserved_bits_raise_gp() {
        for value in [1u64 << 32, 0xFEE0_0801] {
            let mut cpu = cpu_with_apic(value);
            cpu.mem.write(13 * 4, 4, 0x0000_0500); // #GP handler at 0000:0500
            step(&mut cpu);
            assert_eq!(cpu.state.rip, 0x500, "{value:#x}: #GP(0)");
            assert_eq!(
                cpu.apic_base_msr(),
                Some(0xFEE0_0900),
                "{value:#x}: unchanged"
            );
        }
    }

    #[test]
    fn mmio_piece_sizes_and_page_straddling() {
        let mut cpu = cpu_with_apic(0);
        let apic = |cpu: &crate::cpu::Cpu| cpu.io.apic.as_ref().unwrap().accesses;
        // (address, size, value, device accesses)
        for (addr, size, value, accesses) in [
            (0xFEE0_0030, 1, 0x14, 1),
            (0xFEE0_0032, 2, 0x0005, 1),
            (0xFEE0_0030, 8, 0x0005_0014, 2),
            (0xFEE0_0031, 3, 0x0500, 3),
            (0xFEDF_FFFC, 8, 0x0000_0000_FFFF_FFFF, 1),
            (0xFEE0_0FFE, 4, 0xFFFF_0000, 1),
        ] {
            let before = apic(&cpu);
            assert_eq!(cpu.phys_load(addr, size), value, "{addr:#x}/{size}");
            assert_eq!(apic(&cpu) - before, accesses, "{addr:#x}/{size}: accesses");
        }
        cpu.irq_check = false;
        cpu.phys_store(0xFEE0_0080, 4, 0x40);
        assert!(
            cpu.irq_check,
            "an MMIO write makes the machine look at INTR"
        );
        assert_eq!(cpu.phys_load(0xFEE0_0080, 4), 0x40);
    }
}
