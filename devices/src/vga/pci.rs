//! PCI function description of the Bochs/QEMU "stdvga" card (vendor 1234h,
//! device 1111h, class 03h/00h/00h VGA-compatible controller; PCI Local Bus
//! Specification 3.0 §6.1, Appendix D class codes) with BAR0 = the linear
//! framebuffer (prefetchable memory, [`VBE_VRAM_SIZE`]).
//!
//! **Not wired:** nothing adds this function to `devices::pci::Pci` yet; the
//! machine will do so, then move [`super::Vga::lfb_base`] with
//! [`lfb_base_from_config`] whenever BAR0 or the Command register changes.

use super::bochs_vbe::VBE_VRAM_SIZE;
use crate::pci::config::{ConfigSpace, PCI_BASE_ADDRESS_0, PCI_COMMAND, PCI_COMMAND_MEMORY};

/// Bochs/QEMU vendor ID.
pub const VGA_PCI_VENDOR: u16 = 0x1234;
/// "stdvga" device ID.
pub const VGA_PCI_DEVICE: u16 = 0x1111;
/// Revision.
pub const VGA_PCI_REVISION: u8 = 0x02;
/// Class code: display controller, VGA-compatible, programming interface 0.
pub const VGA_PCI_CLASS: u32 = 0x03_00_00;

/// The configuration space of the VGA function.
pub fn vga_config_space() -> ConfigSpace {
    let mut c = ConfigSpace::new(
        VGA_PCI_VENDOR,
        VGA_PCI_DEVICE,
        VGA_PCI_REVISION,
        VGA_PCI_CLASS,
        0,
    );
    c.set_writable(PCI_COMMAND, 2, 0x0003);
    c.set_mem_bar(0, VBE_VRAM_SIZE as u32, true);
    c
}

/// The LFB address BAR0 decodes, or `None` while memory decoding is off or
/// the BAR is unassigned.
pub fn lfb_base_from_config(c: &ConfigSpace) -> Option<u64> {
    let cmd = c.read(PCI_COMMAND, 2) as u16;
    let bar = c.read(PCI_BASE_ADDRESS_0, 4) & !0xF;
    (cmd & PCI_COMMAND_MEMORY != 0 && bar != 0).then_some(bar as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_class_and_bar0_sizing() {
        let mut c = vga_config_space();
        assert_eq!(c.read(0, 4), 0x1111_1234);
        assert_eq!(c.read(0x08, 4) >> 8, VGA_PCI_CLASS);
        c.write(PCI_BASE_ADDRESS_0, 4, 0xFFFF_FFFF);
        assert_eq!(
            c.read(PCI_BASE_ADDRESS_0, 4),
            !(VBE_VRAM_SIZE as u32 - 1) | 0x8
        );
        c.write(PCI_BASE_ADDRESS_0, 4, 0xFD00_0000);
        assert_eq!(lfb_base_from_config(&c), None, "memory decoding off");
        c.write(PCI_COMMAND, 2, PCI_COMMAND_MEMORY as u32);
        assert_eq!(lfb_base_from_config(&c), Some(0xFD00_0000));
    }
}
