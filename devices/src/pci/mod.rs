//! The PCI bus 0 of an i440FX/PIIX3 board, reached through configuration
//! mechanism #1 (PCI Local Bus Specification 3.0 §3.2.2.3.2 "Software
//! Generation of Configuration Transactions"; Intel 440FX datasheet,
//! 82441FX "CONFADD/CONFDATA").
//!
//! - CONFIG_ADDRESS (CF8h) is a 32-bit register, decoded only for dword
//!   accesses: bit 31 enable, bits 23–16 bus, 15–11 device, 10–8
//!   function, 7–2 register; bits 30–24 and 1–0 read 0. Byte and word
//!   accesses to CF8h–CFBh are not CONFIG_ADDRESS: a byte at CF9h is the
//!   PIIX3 Reset Control register; the others are an open bus.
//! - CONFIG_DATA (CFCh–CFFh) accepts byte, word and dword accesses: the
//!   register offset is CONFIG_ADDRESS[7:2] plus the port's low two bits.
//!   With the enable bit clear, or for a function that does not exist
//!   (any bus but 0, or an empty device/function number), reads return
//!   all-ones (master abort) and writes are dropped.
//!
//! The functions: [`I440fx`] host bridge at 00:00.0, [`Piix3`] ISA bridge
//! at 00:01.0 (multi-function), [`Piix4Pm`] power management at 00:01.3
//! with its ACPI register block ([`AcpiPm`]) at PMBASE. A PIIX3 has no
//! ACPI function; the PIIX4's function 3 beside a PIIX3 ISA bridge is the
//! combination QEMU's i440FX machine uses, and what OSes expect there.
//!
//! The PIIX4's APM ports B2h/B3h ([`apm`], byte accesses) carry out the
//! OS's ACPI_ENABLE/ACPI_DISABLE request without SMM; [`qemu_acpi`] has
//! the GPE0 and (empty) hotplug ports that SeaBIOS's ACPI tables name.
//!
//! Towards the machine: [`Pci::sci_level`] is the SCI (IRQ 9, level);
//! [`Pci::take_power_off_request`] reports an S5 request;
//! [`Pci::take_reset_request`] a write to CF9h; [`Pci::next_event_ns`] the
//! PM timer's next carry when it can raise the SCI.
//!
//! The IDE function 00:01.1 ([`PiixIde`]) holds the IDE controller's
//! configuration; the controller itself is `crate::ide::Ide` on the I/O bus.
//!
//! Not present yet: the PIIX3's USB (01.2) function, and
//! PCI interrupt routing from a device's INTx# through PIRQ[A:D] to an ISA
//! IRQ ([`Piix3::pirq_route`] holds the routing; no PCI device raises an
//! interrupt yet).

pub mod acpi_pm;
pub mod apm;
pub mod config;
pub mod i440fx;
pub mod ide;
pub mod piix3;
pub mod pm;
pub mod qemu_acpi;

pub use acpi_pm::AcpiPm;
pub use config::ConfigSpace;
pub use i440fx::I440fx;
pub use ide::PiixIde;
pub use piix3::Piix3;
pub use pm::Piix4Pm;

use crate::io_bus::IoSize;

/// CONFIG_ADDRESS port.
pub const PCI_CONFIG_ADDRESS: u16 = 0xCF8;
/// CONFIG_DATA port (first of four).
pub const PCI_CONFIG_DATA: u16 = 0xCFC;
/// CONFIG_ADDRESS bit 31: configuration cycles enabled.
pub const CONFIG_ADDRESS_ENABLE: u32 = 0x8000_0000;
/// CONFIG_ADDRESS bits that exist (enable, bus, device, function, register).
pub const CONFIG_ADDRESS_MASK: u32 = 0x80FF_FFFC;

/// Device number of the host bridge.
pub const HOST_BRIDGE_DEVICE: u8 = 0;
/// Device number of the PIIX3 (ISA bridge = function 0).
pub const PIIX_DEVICE: u8 = 1;
/// Function number of the IDE function within the PIIX device.
pub const PIIX_IDE_FUNCTION: u8 = 1;
/// Function number of the PM function within the PIIX device.
pub const PIIX_PM_FUNCTION: u8 = 3;
/// Device number of the VGA (00:02.0, as on QEMU's `pc` machine).
pub const VGA_DEVICE: u8 = 2;
/// The IRQ the PIIX4 routes SCI to.
pub const SCI_IRQ: u8 = 9;

/// A function on bus 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Function {
    Host,
    Isa,
    Ide,
    Pm,
    Vga,
}

/// The PCI bus 0 with its chipset functions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pci {
    pub host: I440fx,
    pub isa: Piix3,
    pub ide: PiixIde,
    pub pm: Piix4Pm,
    /// The APM control/status ports B2h/B3h (ACPI enable without SMM).
    pub apm: apm::Apm,
    /// GPE0 and hotplug ports of QEMU's ACPI tables (SeaBIOS's).
    pub qemu_acpi: qemu_acpi::QemuAcpiPorts,
    /// The display adapter at 00:02.0 (the Bochs/QEMU "stdvga",
    /// [`crate::vga::pci`]), when the board has one.
    pub vga: Option<ConfigSpace>,
    config_address: u32,
}

impl Default for Pci {
    fn default() -> Self {
        Pci::new(0)
    }
}

impl Pci {
    /// Power-on state at virtual time `now_ns`.
    pub fn new(now_ns: u64) -> Self {
        Pci {
            host: I440fx::new(),
            isa: Piix3::new(),
            ide: PiixIde::new(),
            pm: Piix4Pm::new(now_ns),
            apm: apm::Apm::default(),
            qemu_acpi: qemu_acpi::QemuAcpiPorts::default(),
            vga: None,
            config_address: 0,
        }
    }

    /// Put the VGA function (00:02.0, 1234:1111) on the bus.
    pub fn with_vga(mut self) -> Self {
        self.vga = Some(crate::vga::pci::vga_config_space());
        self
    }

    /// System reset: every register returns to its power-on value.
    pub fn reset(&mut self, now_ns: u64) {
        let vga = self.vga.is_some();
        *self = Pci::new(now_ns);
        if vga {
            *self = std::mem::take(self).with_vga();
        }
    }

    /// Reads the configuration space of bus 0 function `dev:func` directly
    /// (all-ones if absent), as a configuration cycle would.
    pub fn config_read(&self, dev: u8, func: u8, offset: u8, size: usize) -> u32 {
        self.data_read(config_address(0, dev, func, offset), offset & 3, size)
    }

    /// A CONFIG_DATA read of `size` bytes at byte lane `lane` with
    /// CONFIG_ADDRESS = `address`.
    fn data_read(&self, address: u32, lane: u8, size: usize) -> u32 {
        let all_ones = IoSize::from_bytes(size as u32).mask();
        let Some((f, reg)) = selected(address) else {
            return all_ones;
        };
        let lane = lane & 3;
        let n = size.min(usize::from(4 - lane));
        // Bytes past CFFh (an access straddling the data port) float high.
        let high = if n >= size {
            0
        } else {
            all_ones & (u32::MAX << (8 * n))
        };
        let off = reg | lane;
        let v = match f {
            Function::Host => self.host.read(off, n),
            Function::Isa => self.isa.read(off, n),
            Function::Ide => self.ide.read(off, n),
            Function::Pm => self.pm.read(off, n),
            Function::Vga => match &self.vga {
                Some(c) => c.read(off, n),
                None => return all_ones,
            },
        };
        v | high
    }

    /// Port read. `None` if the port is not decoded here (the bus then
    /// tries other devices or returns an open-bus value).
    pub fn io_read(&mut self, port: u16, size: IoSize, now_ns: u64) -> Option<u32> {
        let n = size as usize;
        match port {
            PCI_CONFIG_ADDRESS if size == IoSize::Dword => Some(self.config_address),
            piix3::PIIX3_RESET_CONTROL_PORT if size == IoSize::Byte => {
                Some(u32::from(self.isa.read_reset_control()))
            }
            apm::APMC_PORT | apm::APMS_PORT if size == IoSize::Byte => {
                self.apm.read(port).map(u32::from)
            }
            0xCF8..=0xCFB => Some(size.mask()),
            0xCFC..=0xCFF => Some(self.data_read(self.config_address, (port & 3) as u8, n)),
            _ if qemu_acpi::QemuAcpiPorts::decodes(port) => Some((0..n).fold(0, |v, i| {
                let p = port.wrapping_add(i as u16);
                let b = if qemu_acpi::QemuAcpiPorts::decodes(p) {
                    self.qemu_acpi.read_byte(p)
                } else {
                    0xFF
                };
                v | u32::from(b) << (8 * i)
            })),
            _ => {
                let off = self.pm.pm_offset(port)?;
                Some(self.pm.regs.read(off, n, now_ns))
            }
        }
    }

    /// Port write. `false` if the port is not decoded here.
    pub fn io_write(&mut self, port: u16, size: IoSize, value: u32, now_ns: u64) -> bool {
        let n = size as usize;
        match port {
            PCI_CONFIG_ADDRESS if size == IoSize::Dword => {
                self.config_address = value & CONFIG_ADDRESS_MASK;
            }
            piix3::PIIX3_RESET_CONTROL_PORT if size == IoSize::Byte => {
                self.isa.write_reset_control(value as u8);
            }
            apm::APMC_PORT | apm::APMS_PORT if size == IoSize::Byte => {
                match self.apm.write(port, value as u8) {
                    Some(apm::ApmRequest::AcpiEnable) => self.pm.regs.set_sci_en(true),
                    Some(apm::ApmRequest::AcpiDisable) => self.pm.regs.set_sci_en(false),
                    _ => {}
                }
            }
            0xCF8..=0xCFB => {}
            0xCFC..=0xCFF => {
                let lane = (port & 3) as u8;
                let n = n.min(usize::from(4 - lane));
                if let Some((f, reg)) = selected(self.config_address) {
                    let off = reg | lane;
                    match f {
                        Function::Host => self.host.write(off, n, value),
                        Function::Isa => self.isa.write(off, n, value),
                        Function::Ide => self.ide.write(off, n, value),
                        Function::Pm => self.pm.write(off, n, value),
                        Function::Vga => {
                            if let Some(c) = self.vga.as_mut() {
                                c.write(off, n, value);
                            }
                        }
                    }
                }
            }
            _ if qemu_acpi::QemuAcpiPorts::decodes(port) => {
                for i in 0..n {
                    let p = port.wrapping_add(i as u16);
                    if qemu_acpi::QemuAcpiPorts::decodes(p) {
                        self.qemu_acpi.write_byte(p, (value >> (8 * i)) as u8);
                    }
                }
            }
            _ => match self.pm.pm_offset(port) {
                Some(off) => self.pm.regs.write(off, n, value, now_ns),
                None => return false,
            },
        }
        true
    }

    /// The SCI line (IRQ 9, level triggered).
    pub fn sci_level(&self, now_ns: u64) -> bool {
        self.pm.regs.sci_level(now_ns)
    }

    /// When a device here may next change an interrupt line by itself.
    pub fn next_event_ns(&self, now_ns: u64) -> Option<u64> {
        self.pm.regs.next_event_ns(now_ns)
    }

    /// Takes a pending power-off (ACPI S5) request.
    pub fn take_power_off_request(&mut self) -> bool {
        self.pm.regs.take_power_off_request()
    }

    /// Takes a pending reset request (PIIX3 Reset Control, CF9h).
    pub fn take_reset_request(&mut self) -> bool {
        self.isa.take_reset_request()
    }
}

/// The function a CONFIG_ADDRESS value selects, with the register offset.
fn selected(address: u32) -> Option<(Function, u8)> {
    if address & CONFIG_ADDRESS_ENABLE == 0 || (address >> 16) & 0xFF != 0 {
        return None;
    }
    let (dev, func) = (((address >> 11) & 0x1F) as u8, ((address >> 8) & 0x7) as u8);
    let f = match (dev, func) {
        (HOST_BRIDGE_DEVICE, 0) => Function::Host,
        (PIIX_DEVICE, 0) => Function::Isa,
        (PIIX_DEVICE, PIIX_IDE_FUNCTION) => Function::Ide,
        (PIIX_DEVICE, PIIX_PM_FUNCTION) => Function::Pm,
        (VGA_DEVICE, 0) => Function::Vga,
        _ => return None,
    };
    Some((f, (address & 0xFC) as u8))
}

/// A CONFIG_ADDRESS value (enable bit set).
pub fn config_address(bus: u8, dev: u8, func: u8, offset: u8) -> u32 {
    CONFIG_ADDRESS_ENABLE
        | u32::from(bus) << 16
        | u32::from(dev & 0x1F) << 11
        | u32::from(func & 7) << 8
        | u32::from(offset & 0xFC)
}

#[cfg(test)]
mod tests;
