//! The I/O ports that the ACPI tables of QEMU's i440FX machine — which
//! SeaBIOS builds when the board gives it none — expect beside the PIIX4
//! (QEMU `docs/specs/acpi_pci_hotplug.rst`, `acpi_cpu_hotplug.rst`):
//!
//! | ports | register |
//! |---|---|
//! | AFE0h–AFE1h | GPE0 status (write 1 to clear), the FADT's GPE0_BLK |
//! | AFE2h–AFE3h | GPE0 enable |
//! | AE00h–AE0Fh | PCI hotplug: slots up, down, eject / features, removable |
//! | AF00h–AF1Fh | legacy CPU hotplug: bitmap of present CPUs |
//!
//! There is no hotplug here: no GPE source exists (status stays 0), the
//! PCI hotplug registers read 0 (no slot changed, none removable, no
//! features) and ignore writes, and the CPU bitmap shows the CPUs the
//! board has. Without these ports the tables' GPE block would read as an
//! open bus (all GPEs pending) and the OS would act on phantom hotplug
//! events.

/// GPE0 block (4 bytes).
pub const GPE0_BASE: u16 = 0xAFE0;
/// PCI hotplug registers (16 bytes).
pub const PCIHP_BASE: u16 = 0xAE00;
/// Length of the PCI hotplug block.
pub const PCIHP_LEN: u16 = 0x10;
/// Legacy CPU hotplug bitmap (32 bytes).
pub const CPUHP_BASE: u16 = 0xAF00;
/// Length of the CPU bitmap.
pub const CPUHP_LEN: u16 = 0x20;

/// The registers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QemuAcpiPorts {
    gpe_sts: u16,
    gpe_en: u16,
    cpus: u8,
}

impl Default for QemuAcpiPorts {
    fn default() -> Self {
        QemuAcpiPorts::new(1)
    }
}

impl QemuAcpiPorts {
    /// Power-on state for a board with `cpus` CPUs (1–255).
    pub fn new(cpus: u8) -> Self {
        QemuAcpiPorts {
            gpe_sts: 0,
            gpe_en: 0,
            cpus,
        }
    }

    /// Whether `port` is one of these registers.
    pub fn decodes(port: u16) -> bool {
        (GPE0_BASE..GPE0_BASE + 4).contains(&port)
            || (PCIHP_BASE..PCIHP_BASE + PCIHP_LEN).contains(&port)
            || (CPUHP_BASE..CPUHP_BASE + CPUHP_LEN).contains(&port)
    }

    /// Byte read (call only for ports that [`QemuAcpiPorts::decodes`]).
    pub fn read_byte(&self, port: u16) -> u8 {
        let word = |w: u16| (w >> (8 * (port & 1))) as u8;
        match port {
            0xAFE0 | 0xAFE1 => word(self.gpe_sts),
            0xAFE2 | 0xAFE3 => word(self.gpe_en),
            CPUHP_BASE..=0xAF1F => {
                let first = u32::from(port - CPUHP_BASE) * 8;
                let n = u32::from(self.cpus).saturating_sub(first).min(8);
                ((1u16 << n) - 1) as u8
            }
            _ => 0,
        }
    }

    /// Byte write.
    pub fn write_byte(&mut self, port: u16, value: u8) {
        let shift = 8 * (port & 1);
        match port {
            0xAFE0 | 0xAFE1 => self.gpe_sts &= !(u16::from(value) << shift),
            0xAFE2 | 0xAFE3 => {
                self.gpe_en = (self.gpe_en & !(0xFF << shift)) | u16::from(value) << shift;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io_bus::IoSize;
    use crate::pci::Pci;

    #[test]
    fn gpe_block_pci_and_cpu_hotplug_registers() {
        let mut q = QemuAcpiPorts::new(1);
        assert!(QemuAcpiPorts::decodes(0xAFE3) && !QemuAcpiPorts::decodes(0xAFE4));
        assert!(QemuAcpiPorts::decodes(0xAE0F) && !QemuAcpiPorts::decodes(0xAE10));
        assert!(QemuAcpiPorts::decodes(0xAF1F) && !QemuAcpiPorts::decodes(0xAF20));
        q.write_byte(0xAFE2, 0xFF);
        q.write_byte(0xAFE3, 0x12);
        assert_eq!((q.read_byte(0xAFE2), q.read_byte(0xAFE3)), (0xFF, 0x12));
        q.write_byte(0xAFE0, 0xFF);
        assert_eq!(q.read_byte(0xAFE0), 0, "no GPE source");
        q.write_byte(0xAE08, 0xFF);
        for p in PCIHP_BASE..PCIHP_BASE + PCIHP_LEN {
            assert_eq!(q.read_byte(p), 0, "{p:#x}");
        }
        assert_eq!(q.read_byte(0xAF00), 0x01, "CPU 0 present");
        assert_eq!(q.read_byte(0xAF01), 0x00);
        let q = QemuAcpiPorts::new(10);
        assert_eq!((q.read_byte(0xAF00), q.read_byte(0xAF01)), (0xFF, 0x03));
    }

    #[test]
    fn reached_through_the_pci_bus_at_any_width() {
        let mut p = Pci::new(0);
        assert_eq!(p.io_read(0xAE00, IoSize::Dword, 0), Some(0));
        assert!(p.io_write(0xAFE2, IoSize::Word, 0xBEEF, 0));
        assert_eq!(p.io_read(0xAFE0, IoSize::Dword, 0), Some(0xBEEF_0000));
        assert_eq!(p.io_read(0xAF00, IoSize::Byte, 0), Some(1));
        assert_eq!(p.io_read(0xAFE4, IoSize::Byte, 0), None);
    }
}
