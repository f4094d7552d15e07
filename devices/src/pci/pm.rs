//! The power-management function of the PIIX4, placed at 00:01.3 as on
//! the boards QEMU models (Intel 82371AB PIIX4 datasheet §3.4 "Power
//! Management Configuration Registers (Function 3)").
//!
//! What is modelled: the identity (8086:7113, class 068000), PMBA (40h,
//! the 64-byte PM I/O base, bit 0 hardwired to 1 = I/O space) and
//! PMREGMISC (80h, bit 0 PMIOSE: the PM I/O block decodes only while set);
//! the PM I/O block itself is [`AcpiPm`]. The counter/device-activity
//! registers 44h–7Fh, SMBBA (90h) and SMBHSTCFG (D2h) are stored but have
//! no effect: **the SMBus controller is not modelled.**
//!
//! There is no System Management Mode: DEVACTB (58h) powers on with
//! APMC_EN (bit 25) already set, which is how QEMU's PIIX4 tells firmware
//! that SMM was initialised (SeaBIOS then skips its SMM relocation, which
//! would wait forever for an SMI handler to clear APM status port B3h).

use super::acpi_pm::{AcpiPm, PM_IO_SIZE};
use super::config::{ConfigSpace, PCI_COMMAND, PCI_COMMAND_IO, PCI_INTERRUPT_PIN, PCI_STATUS};
use super::i440fx::PCI_VENDOR_ID_INTEL;

/// 82371AB function 3 device ID.
pub const PIIX4_PM_DEVICE_ID: u16 = 0x7113;
/// Revision (PIIX4E, as QEMU's piix4_pm reports).
pub const PIIX4_PM_REVISION: u8 = 0x03;
/// Class code: bridge, other.
pub const PCI_CLASS_BRIDGE_OTHER: u32 = 0x06_8000;
/// PCISTS power-on value: fast back-to-back capable, DEVSEL medium.
pub const PIIX4_PM_PCISTS_DEFAULT: u16 = 0x0280;

/// PMBA — power-management base address (dword).
pub const PIIX4_PMBA: u8 = 0x40;
/// PMBA bits 15–6: the base of the 64-byte block.
pub const PMBA_BASE_MASK: u32 = 0xFFC0;
/// PMBA bit 0: resource type indicator, hardwired 1 (I/O space).
pub const PMBA_RTE: u32 = 0x1;
/// CNTA — count A (first of the stored registers 44h–7Fh).
pub const PIIX4_CNTA: u8 = 0x44;
/// DEVACTB — device activity B (dword).
pub const PIIX4_DEVACTB: u8 = 0x58;
/// DEVACTB bit 25: APMC_EN, an SMI on writes to the APM control port B2h.
pub const DEVACTB_APMC_EN: u32 = 1 << 25;
/// PMREGMISC — miscellaneous power-management (byte).
pub const PIIX4_PMREGMISC: u8 = 0x80;
/// PMREGMISC bit 0: PMIOSE, PM I/O space enable.
pub const PMREGMISC_PMIOSE: u8 = 0x01;
/// SMBBA — SMBus base address (dword).
pub const PIIX4_SMBBA: u8 = 0x90;
/// SMBHSTCFG — SMBus host configuration (byte).
pub const PIIX4_SMBHSTCFG: u8 = 0xD2;

/// The PM function: configuration space plus its I/O block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piix4Pm {
    /// Configuration space; written through [`Piix4Pm::write`] so that
    /// the decoded PM base stays current.
    config: ConfigSpace,
    pub regs: AcpiPm,
    /// PMBA's base while PMIOSE is set (decoded on every port access, so
    /// kept rather than recomputed).
    pm_base: Option<u16>,
}

impl Default for Piix4Pm {
    fn default() -> Self {
        Piix4Pm::new(0)
    }
}

impl Piix4Pm {
    /// Power-on state at virtual time `now_ns` (PM I/O disabled).
    pub fn new(now_ns: u64) -> Self {
        let mut c = ConfigSpace::new(
            PCI_VENDOR_ID_INTEL,
            PIIX4_PM_DEVICE_ID,
            PIIX4_PM_REVISION,
            PCI_CLASS_BRIDGE_OTHER,
            0x00,
        );
        // PCICMD bit 0 (IOSE) enables the SMBus I/O space only.
        c.set_writable(PCI_COMMAND, 2, u32::from(PCI_COMMAND_IO));
        c.init_word(PCI_STATUS, PIIX4_PM_PCISTS_DEFAULT);
        c.init(PCI_INTERRUPT_PIN, 1, 0x01); // INTA#
        c.init(PIIX4_PMBA, 4, PMBA_RTE);
        c.set_writable(PIIX4_PMBA, 4, PMBA_BASE_MASK);
        for off in (PIIX4_CNTA..PIIX4_PMREGMISC).step_by(4) {
            c.set_writable(off, 4, 0xFFFF_FFFF);
        }
        c.init(PIIX4_DEVACTB, 4, DEVACTB_APMC_EN);
        c.set_writable(PIIX4_PMREGMISC, 1, u32::from(PMREGMISC_PMIOSE));
        c.init(PIIX4_SMBBA, 4, PMBA_RTE);
        c.set_writable(PIIX4_SMBBA, 4, 0xFFF0);
        c.set_writable(PIIX4_SMBHSTCFG, 1, 0x0F);
        Piix4Pm {
            config: c,
            regs: AcpiPm::new(now_ns),
            pm_base: None,
        }
    }

    /// Configuration read.
    pub fn read(&self, offset: u8, size: usize) -> u32 {
        self.config.read(offset, size)
    }

    /// Configuration write.
    pub fn write(&mut self, offset: u8, size: usize, value: u32) {
        self.config.write(offset, size, value);
        let enabled = self.config.byte(PIIX4_PMREGMISC) & PMREGMISC_PMIOSE != 0;
        let base = self.config.read(PIIX4_PMBA, 4) & PMBA_BASE_MASK;
        self.pm_base = enabled.then_some(base as u16);
    }

    /// The PM I/O base while PMIOSE is set.
    pub fn pm_base(&self) -> Option<u16> {
        self.pm_base
    }

    /// Offset of `port` in the PM I/O block, if the block decodes it.
    pub fn pm_offset(&self, port: u16) -> Option<u16> {
        let off = port.wrapping_sub(self.pm_base()?);
        (off < PM_IO_SIZE).then_some(off)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifies_as_piix4_power_management_function() {
        let d = Piix4Pm::new(0);
        assert_eq!(d.read(0x00, 4), 0x7113_8086);
        assert_eq!(d.read(0x08, 4), 0x0680_0003);
        assert_eq!(d.read(PCI_INTERRUPT_PIN, 1), 1);
    }

    #[test]
    fn devactb_reports_smm_as_already_set_up() {
        let d = Piix4Pm::new(0);
        assert_eq!(d.read(PIIX4_DEVACTB, 4), DEVACTB_APMC_EN);
        assert_eq!(d.read(PIIX4_DEVACTB + 3, 1), 0x02, "byte 5Bh");
    }

    #[test]
    fn pmba_decodes_64_bytes_only_while_pmiose() {
        let mut d = Piix4Pm::new(0);
        assert_eq!(d.read(PIIX4_PMBA, 4), 0x0000_0001, "power-on PMBA");
        d.write(PIIX4_PMBA, 4, 0x0000_0601);
        assert_eq!(d.read(PIIX4_PMBA, 4), 0x0000_0601, "bits 5–1 read 0");
        assert_eq!(d.pm_base(), None, "PMIOSE clear");
        assert_eq!(d.pm_offset(0x608), None);
        d.write(PIIX4_PMREGMISC, 1, 0xFF);
        assert_eq!(d.read(PIIX4_PMREGMISC, 1), 0x01);
        assert_eq!(d.pm_base(), Some(0x600));
        // (port, offset in block)
        for (port, off) in [
            (0x5FF, None),
            (0x600, Some(0)),
            (0x63F, Some(0x3F)),
            (0x640, None),
        ] {
            assert_eq!(d.pm_offset(port), off, "port {port:#x}");
        }
    }

    #[test]
    fn clearing_pmiose_or_moving_pmba_moves_the_decode() {
        let mut d = Piix4Pm::new(0);
        d.write(PIIX4_PMBA, 2, 0xB000);
        d.write(PIIX4_PMREGMISC, 1, 1);
        assert_eq!(d.pm_offset(0xB004), Some(4));
        d.write(PIIX4_PMBA + 1, 1, 0x06); // byte write of bits 15–8
        assert_eq!(d.pm_offset(0xB004), None);
        assert_eq!(d.pm_offset(0x0604), Some(4));
        d.write(PIIX4_PMREGMISC, 1, 0);
        assert_eq!(d.pm_offset(0x0604), None);
    }

    #[test]
    fn pmba_sizing_reads_back_a_64_byte_io_block() {
        let mut d = Piix4Pm::new(0);
        d.write(PIIX4_PMBA, 4, 0xFFFF_FFFF);
        assert_eq!(d.read(PIIX4_PMBA, 4), 0x0000_FFC1);
    }
}
