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
