//! The VGA's memory windows on the physical address space: the legacy
//! window A0000h–BFFFFh (always decoded by the board, the VGA's Graphics
//! Miscellaneous register choosing what it shows) and the Bochs VBE linear
//! framebuffer, which follows BAR0 of the VGA's PCI function (PCI Local Bus
//! Specification 3.0 §6.2.5: a memory BAR is decoded only while the Command
//! register's Memory Space bit is set and the BAR is assigned).
//!
//! Both are memory-mapped I/O pages ([`Memory::map_mmio`]) whose accesses
//! the CPU sends to `IoBus::mmio_read`/`mmio_write`, and from there to the
//! VGA. [`Cpu::sync_vga_lfb`] runs after every PCI CONFIG_DATA write (as
//! [`Cpu::sync_shadow_ram`] does) and moves the framebuffer's pages.

use super::{Memory, MemoryError};
use crate::cpu::Cpu;
use devices::vga::{bochs_vbe::VBE_VRAM_SIZE, LEGACY_WINDOW, LFB_UNMAPPED};

/// Where a firmware without its own PCI enumeration (the built-in BIOS,
/// a directly booted kernel, the demo) finds the framebuffer: the Bochs
/// VBE default, inside the board's PCI hole.
pub const DEFAULT_LFB_BASE: u64 = devices::vga::bochs_vbe::VBE_DISPI_LFB_PHYSICAL_ADDRESS;

/// First byte of the local APIC / IOAPIC area, which a framebuffer must not
/// cover (its pages stay the APIC's).
const APIC_AREA: (u64, u64) = (0xFEC0_0000, 0xFEF0_0000);

/// Map the legacy window as MMIO (the VGA claims A0000–BFFFF).
pub fn map_legacy_window(mem: &mut Memory) -> Result<(), MemoryError> {
    mem.map_mmio(LEGACY_WINDOW.0, LEGACY_WINDOW.1)
}

impl Cpu {
    /// Move the VGA's linear framebuffer to where its PCI BAR0 now decodes
    /// it (unmapping it while memory decoding is off). Nothing happens
    /// without a VGA or when nothing changed. A BAR that would cover the
    /// APIC area or end above 4 GiB is not decoded (logged).
    pub fn sync_vga_lfb(&mut self) {
        let Some(current) = self.io.vga.as_ref().map(|v| v.lfb_base) else {
            return;
        };
        let size = VBE_VRAM_SIZE as u64;
        let mut wanted = self.io.vga_lfb_decoded().unwrap_or(LFB_UNMAPPED);
        if wanted != LFB_UNMAPPED
            && (wanted + size > 1 << 32 || (wanted < APIC_AREA.1 && wanted + size > APIC_AREA.0))
        {
            log::warn!(
                "VGA framebuffer BAR at {wanted:#x} overlaps the APIC area or 4 GiB: not decoded"
            );
            wanted = LFB_UNMAPPED;
        }
        if wanted == current {
            return;
        }
        if current != LFB_UNMAPPED {
            // Page aligned, checked when it was mapped: cannot fail.
            let _ = self.mem.unmap_mmio(current, size);
        }
        if wanted != LFB_UNMAPPED && self.mem.map_mmio(wanted, size).is_err() {
            wanted = LFB_UNMAPPED;
        }
        if let Some(v) = self.io.vga.as_mut() {
            v.lfb_base = wanted;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::{Machine, MachineConfig};

    fn config_write(m: &mut Machine, offset: u8, size: u32, v: u32) {
        let addr = devices::pci::config_address(0, devices::pci::VGA_DEVICE, 0, offset);
        m.cpu.port_out(0xCF8, 4, addr).unwrap();
        let port = 0xCFC + u16::from(offset & 3);
        m.cpu.port_out(port, size, v).unwrap();
    }

    fn lfb_byte(m: &Machine, off: usize) -> u8 {
        m.cpu.io.vga.as_ref().unwrap().vbe.lfb_read(off)
    }

    #[test]
    fn the_framebuffer_follows_bar0_and_memory_decoding() {
        let mut m = Machine::new(&MachineConfig::default()).unwrap();
        // Preassigned for firmware that does not enumerate PCI.
        m.cpu.phys_store(DEFAULT_LFB_BASE as u32 + 5, 1, 0xA5);
        assert_eq!(lfb_byte(&m, 5), 0xA5);
        assert_eq!(m.cpu.phys_load(DEFAULT_LFB_BASE as u32 + 5, 1), 0xA5);
        // The legacy window is the VGA's, not RAM.
        assert!(m.cpu.mem.is_mmio(0xB8000) && m.cpu.mem.is_mmio(0xA0000));
        // An OS moves BAR0: the old range is open bus, the new one decodes.
        config_write(&mut m, 0x10, 4, 0xF000_0000);
        assert_eq!(m.cpu.phys_load(DEFAULT_LFB_BASE as u32 + 5, 1), 0xFF);
        assert_eq!(m.cpu.phys_load(0xF000_0005, 1), 0xA5);
        m.cpu.phys_store(0xF000_0006, 2, 0x1234);
        assert_eq!((lfb_byte(&m, 6), lfb_byte(&m, 7)), (0x34, 0x12));
        // Memory Space off: not decoded; on again: back.
        config_write(&mut m, 0x04, 2, 0x0001);
        assert_eq!(m.cpu.phys_load(0xF000_0005, 1), 0xFF);
        config_write(&mut m, 0x04, 2, 0x0003);
        assert_eq!(m.cpu.phys_load(0xF000_0005, 1), 0xA5);
        // A BAR over the APIC area is refused rather than hiding it.
        config_write(&mut m, 0x10, 4, 0xFE00_0000);
        assert_eq!(m.cpu.io.vga.as_ref().unwrap().lfb_base, LFB_UNMAPPED);
    }

    #[test]
    fn without_a_vga_the_legacy_window_is_ram() {
        let cfg = MachineConfig {
            vga: false,
            ..MachineConfig::default()
        };
        let mut m = Machine::new(&cfg).unwrap();
        assert!(!m.cpu.mem.is_mmio(0xB8000));
        m.cpu.phys_store(0xB8000, 1, 0x41);
        assert_eq!(m.cpu.phys_load(0xB8000, 1), 0x41);
    }
}
