//! The PIIX4's Advanced Power Management ports (Intel 82371AB PIIX4
//! datasheet §7.1 "APMC — Advanced Power Management Control Port (I/O
//! B2h)" and "APMS — Advanced Power Management Status Port (I/O B3h)").
//!
//! On a PC a write to APMC raises SMI# (with DEVACTB.APMC_EN), and the
//! BIOS's SMM handler does what the value asks. There is no SMM here, so,
//! as QEMU does, the one request an operating system makes through this
//! port is carried out directly: ACPI firmware tables (SeaBIOS's FADT:
//! SMI_CMD = B2h, ACPI_ENABLE = F1h, ACPI_DISABLE = F0h) tell the OS to
//! write [`ACPI_ENABLE`] to switch the chipset to ACPI mode, which sets
//! PM1_CNT.SCI_EN ([`ACPI_DISABLE`] clears it). Both ports read back what
//! was last written; APMS is a plain scratch register.

/// APMC port.
pub const APMC_PORT: u16 = 0xB2;
/// APMS port.
pub const APMS_PORT: u16 = 0xB3;
/// The FADT's ACPI_ENABLE value (SeaBIOS and QEMU).
pub const ACPI_ENABLE: u8 = 0xF1;
/// The FADT's ACPI_DISABLE value.
pub const ACPI_DISABLE: u8 = 0xF0;

/// What a write to APMC asks of the power-management logic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApmRequest {
    /// Set SCI_EN.
    AcpiEnable,
    /// Clear SCI_EN.
    AcpiDisable,
    /// Anything else (an SMI handler would act on it; nothing here).
    None,
}

/// The two APM registers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Apm {
    control: u8,
    status: u8,
}

impl Apm {
    /// Byte read of APMC or APMS; `None` for other ports.
    pub fn read(&self, port: u16) -> Option<u8> {
        match port {
            APMC_PORT => Some(self.control),
            APMS_PORT => Some(self.status),
            _ => None,
        }
    }

    /// Byte write; `None` if the port is not APMC/APMS.
    pub fn write(&mut self, port: u16, value: u8) -> Option<ApmRequest> {
        match port {
            APMC_PORT => {
                self.control = value;
                Some(match value {
                    ACPI_ENABLE => ApmRequest::AcpiEnable,
                    ACPI_DISABLE => ApmRequest::AcpiDisable,
                    _ => ApmRequest::None,
                })
            }
            APMS_PORT => {
                self.status = value;
                Some(ApmRequest::None)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io_bus::IoSize;
    use crate::pci::acpi_pm::{PM1_CNT, SCI_EN};
    use crate::pci::Pci;

    #[test]
    fn registers_read_back_and_decode_requests() {
        let mut a = Apm::default();
        assert_eq!(a.write(APMS_PORT, 0x5A), Some(ApmRequest::None));
        assert_eq!(a.read(APMS_PORT), Some(0x5A));
        assert_eq!(a.write(APMC_PORT, 0xF1), Some(ApmRequest::AcpiEnable));
        assert_eq!(a.write(APMC_PORT, 0xF0), Some(ApmRequest::AcpiDisable));
        assert_eq!(a.write(APMC_PORT, 0x00), Some(ApmRequest::None));
        assert_eq!(a.read(APMC_PORT), Some(0));
        assert_eq!((a.read(0xB4), a.write(0xB1, 0)), (None, None));
    }

    #[test]
    fn acpi_enable_through_the_bus_sets_sci_en() {
        let mut p = Pci::new(0);
        // PMBA = B000h, PMIOSE.
        for (reg, size, v) in [(0x40u8, 4, 0xB001u32), (0x80, 1, 1)] {
            let a = crate::pci::config_address(0, 1, 3, reg);
            p.io_write(0xCF8, IoSize::Dword, a, 0);
            p.io_write(0xCFC, IoSize::from_bytes(size), v, 0);
        }
        let cnt = |p: &mut Pci| p.io_read(0xB000 + PM1_CNT, IoSize::Word, 0).unwrap();
        assert_eq!(cnt(&mut p) & u32::from(SCI_EN), 0);
        assert!(p.io_write(APMC_PORT, IoSize::Byte, 0xF1, 0));
        assert_eq!(cnt(&mut p) & u32::from(SCI_EN), u32::from(SCI_EN));
        assert_eq!(p.io_read(APMC_PORT, IoSize::Byte, 0), Some(0xF1));
        p.io_write(APMC_PORT, IoSize::Byte, 0xF0, 0);
        assert_eq!(cnt(&mut p) & u32::from(SCI_EN), 0);
        p.io_write(APMS_PORT, IoSize::Byte, 0x01, 0);
        assert_eq!(p.io_read(APMS_PORT, IoSize::Byte, 0), Some(0x01));
        p.reset(0);
        assert_eq!(p.io_read(APMS_PORT, IoSize::Byte, 0), Some(0));
    }
}
