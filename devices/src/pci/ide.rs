//! The IDE function of the 82371SB PIIX3, 00:01.1 (Intel 82371FB PIIX /
//! 82371SB PIIX3 datasheet, §2.3 "PCI Configuration Registers—IDE
//! Interface (Function 1)").
//!
//! What is modelled: the identity (8086:7010, class 010180: IDE, bus
//! master capable, both channels in compatibility mode at the legacy
//! ports), PCICMD (IOSE, BME), BMIBA (20h, the 16-byte bus-master block),
//! IDETIM (40h primary, 42h secondary; bit 15 IDE decode enable) and SIDETIM
//! (44h) as stored timing values. The ports themselves are the
//! [`crate::ide::Ide`] controller's; this function only says which of them
//! decode ([`PiixIde::decode`]).
//!
//! Decoding (datasheet PCICMD bit 0 and IDETIM bit 15): a channel's legacy
//! ports (1F0h–1F7h/3F6h, 170h–177h/376h) respond when IOSE and that
//! channel's IDE decode enable are set; the bus-master registers at BMIBA
//! respond when IOSE is set; bus-master transfers run only with BME.

use super::config::{
    ConfigSpace, PCI_COMMAND, PCI_COMMAND_IO, PCI_COMMAND_MASTER, PCI_LATENCY_TIMER, PCI_STATUS,
};
use super::i440fx::PCI_VENDOR_ID_INTEL;

/// 82371SB function 1 device ID.
pub const PIIX3_IDE_DEVICE_ID: u16 = 0x7010;
/// Class code: mass storage, IDE, programming interface 80h (bus master
/// capable, primary and secondary fixed in compatibility mode).
pub const PCI_CLASS_STORAGE_IDE_BM: u32 = 0x01_0180;
/// PCISTS power-on value: fast back-to-back capable, DEVSEL medium.
pub const PIIX_IDE_PCISTS_DEFAULT: u16 = 0x0280;
/// BMIBA — bus master interface base address (BAR4, dword).
pub const PIIX_IDE_BMIBA: u8 = 0x20;
/// Size of the bus-master register block (two channels of 8 bytes).
pub const BMIBA_SIZE: u32 = 16;
/// BMIBA bits 15–4: the base of the block.
pub const BMIBA_BASE_MASK: u32 = 0xFFF0;
/// IDETIM — IDE timing, primary channel (word).
pub const PIIX_IDE_IDETIM_PRI: u8 = 0x40;
/// IDETIM — IDE timing, secondary channel (word).
pub const PIIX_IDE_IDETIM_SEC: u8 = 0x42;
/// IDETIM bit 15: IDE decode enable for the channel's legacy ports.
pub const IDETIM_IDE_DECODE: u16 = 0x8000;
/// SIDETIM — slave IDE timing (byte, PIIX3).
pub const PIIX_IDE_SIDETIM: u8 = 0x44;
/// Where [`PiixIde::firmware_setup`] puts the bus-master block (inside
/// the PCI I/O window 0D00h–FFFFh of the ACPI tables).
pub const FIRMWARE_BMIBA: u16 = 0xC000;

/// What the IDE function decodes, from its configuration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IdeDecode {
    /// Legacy ports of the primary (0) and secondary (1) channel respond.
    pub channels: [bool; 2],
    /// Base of the bus-master block, when it responds.
    pub bm_base: Option<u16>,
    /// Bus-master transfers are allowed (PCICMD BME).
    pub bus_master: bool,
}

/// The IDE function's configuration space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PiixIde {
    config: ConfigSpace,
    decode: IdeDecode,
}

impl Default for PiixIde {
    fn default() -> Self {
        PiixIde::new()
    }
}

impl PiixIde {
    /// Power-on state: datasheet defaults (nothing decodes until firmware
    /// enables IOSE and the channels' decode bits).
    pub fn new() -> Self {
        let mut c = ConfigSpace::new(
            PCI_VENDOR_ID_INTEL,
            PIIX3_IDE_DEVICE_ID,
            0x00,
            PCI_CLASS_STORAGE_IDE_BM,
            0x00,
        );
        c.set_writable(
            PCI_COMMAND,
            2,
            u32::from(PCI_COMMAND_IO | PCI_COMMAND_MASTER),
        );
        c.init_word(PCI_STATUS, PIIX_IDE_PCISTS_DEFAULT);
        c.set_writable(PCI_LATENCY_TIMER, 1, 0xF0);
        c.set_io_bar(4, BMIBA_SIZE);
        c.set_writable(PIIX_IDE_IDETIM_PRI, 2, 0xFFFF);
        c.set_writable(PIIX_IDE_IDETIM_SEC, 2, 0xFFFF);
        c.set_writable(PIIX_IDE_SIDETIM, 1, 0xFF);
        PiixIde {
            config: c,
            decode: IdeDecode::default(),
        }
    }

    /// Configuration read.
    pub fn read(&self, offset: u8, size: usize) -> u32 {
        self.config.read(offset, size)
    }

    /// Configuration write (updates the decode).
    pub fn write(&mut self, offset: u8, size: usize, value: u32) {
        self.config.write(offset, size, value);
        let cmd = self.config.read(PCI_COMMAND, 2) as u16;
        let iose = cmd & PCI_COMMAND_IO != 0;
        let idetim = |off| self.config.read(off, 2) as u16 & IDETIM_IDE_DECODE != 0;
        let bm = (self.config.read(PIIX_IDE_BMIBA, 4) & BMIBA_BASE_MASK) as u16;
        self.decode = IdeDecode {
            channels: [
                iose && idetim(PIIX_IDE_IDETIM_PRI),
                iose && idetim(PIIX_IDE_IDETIM_SEC),
            ],
            bm_base: (iose && bm != 0).then_some(bm),
            bus_master: cmd & PCI_COMMAND_MASTER != 0,
        };
    }

    /// Which ports respond and whether bus mastering is on.
    pub fn decode(&self) -> IdeDecode {
        self.decode
    }

    /// What a PC BIOS does to this function at POST (for boots without
    /// firmware, such as a direct kernel boot): the bus-master block at
    /// [`FIRMWARE_BMIBA`], both channels' IDE decode enabled, I/O space and
    /// bus mastering on.
    pub fn firmware_setup(&mut self) {
        self.write(PIIX_IDE_BMIBA, 4, u32::from(FIRMWARE_BMIBA) | 1);
        self.write(PIIX_IDE_IDETIM_PRI, 2, u32::from(IDETIM_IDE_DECODE));
        self.write(PIIX_IDE_IDETIM_SEC, 2, u32::from(IDETIM_IDE_DECODE));
        self.write(
            PCI_COMMAND,
            2,
            u32::from(PCI_COMMAND_IO | PCI_COMMAND_MASTER),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifies_as_piix3_bus_master_ide() {
        let d = PiixIde::new();
        assert_eq!(d.read(0x00, 4), 0x7010_8086);
        assert_eq!(d.read(0x08, 4) >> 8, 0x01_0180);
        assert_eq!(d.read(PIIX_IDE_BMIBA, 4), 1, "I/O BAR, unassigned");
    }

    #[test]
    fn nothing_decodes_until_iose_and_idetim_decode_enable() {
        let mut d = PiixIde::new();
        assert_eq!(d.decode(), IdeDecode::default());
        d.write(PIIX_IDE_BMIBA, 4, 0xC001);
        d.write(PIIX_IDE_IDETIM_PRI, 2, u32::from(IDETIM_IDE_DECODE));
        assert_eq!(d.decode(), IdeDecode::default(), "IOSE clear");
        d.write(PCI_COMMAND, 2, u32::from(PCI_COMMAND_IO));
        assert_eq!(
            d.decode(),
            IdeDecode {
                channels: [true, false],
                bm_base: Some(0xC000),
                bus_master: false
            }
        );
        d.write(PIIX_IDE_IDETIM_SEC, 2, u32::from(IDETIM_IDE_DECODE));
        d.write(
            PCI_COMMAND,
            2,
            u32::from(PCI_COMMAND_IO | PCI_COMMAND_MASTER),
        );
        assert_eq!(d.decode().channels, [true, true]);
        assert!(d.decode().bus_master);
    }

    #[test]
    fn firmware_setup_enables_both_channels_and_the_bus_master() {
        let mut d = PiixIde::new();
        d.firmware_setup();
        assert_eq!(
            d.decode(),
            IdeDecode {
                channels: [true, true],
                bm_base: Some(FIRMWARE_BMIBA),
                bus_master: true
            }
        );
    }

    #[test]
    fn bmiba_sizes_as_a_16_byte_io_bar() {
        let mut d = PiixIde::new();
        d.write(PIIX_IDE_BMIBA, 4, 0xFFFF_FFFF);
        assert_eq!(d.read(PIIX_IDE_BMIBA, 4), 0xFFFF_FFF1, "sized over 32 bits");
    }
}
