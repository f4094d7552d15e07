//! The 82441FX PCI and Memory Controller (PMC) of the Intel 440FX PCIset,
//! function 00:00.0 (Intel 440FX PCIset datasheet, 82441FX §3.2
//! "PCI Configuration Registers").
//!
//! What is modelled: the identity (8086:1237, class 060000 host bridge),
//! the PAM0–PAM6 registers (59h–5Fh) and the SMRAM register (72h) with its
//! D_LCK lock, all as stored register values.
//!
//! **Partial:** the PAM and SMRAM values are only stored. Their effect on
//! memory decoding (shadow RAM for C0000–FFFFF: read/write enables routing
//! accesses to DRAM or to the ISA/PCI bus; the SMRAM window at A0000) comes
//! with a later issue, when the memory map gains shadow pages. The DRAM
//! row boundary and timing registers read as 0 and ignore writes.

use super::config::{ConfigSpace, PCI_COMMAND, PCI_COMMAND_PARITY, PCI_COMMAND_SERR, PCI_STATUS};

/// Intel's PCI vendor ID.
pub const PCI_VENDOR_ID_INTEL: u16 = 0x8086;
/// 82441FX device ID.
pub const I440FX_DEVICE_ID: u16 = 0x1237;
/// 82441FX revision (the 440FX stepping QEMU and SeaBIOS expect).
pub const I440FX_REVISION: u8 = 0x02;
/// Class code: bridge, host bridge.
pub const PCI_CLASS_BRIDGE_HOST: u32 = 0x06_0000;

/// PCICMD power-on value: memory access and bus master enabled (hardwired).
pub const I440FX_PCICMD_DEFAULT: u16 = 0x0006;
/// PCISTS power-on value: fast back-to-back capable, DEVSEL medium.
pub const I440FX_PCISTS_DEFAULT: u16 = 0x0280;

/// PMCCFG — PMC configuration (word).
pub const I440FX_PMCCFG: u8 = 0x50;
/// PAM0 — programmable attribute map for F0000–FFFFF (high nibble).
pub const I440FX_PAM0: u8 = 0x59;
/// PAM6 — the last PAM register (E4000–EFFFF in both nibbles).
pub const I440FX_PAM6: u8 = 0x5F;
/// Number of PAM registers.
pub const I440FX_PAM_COUNT: usize = 7;
/// PAM nibble bit 0: read enable (reads go to DRAM).
pub const PAM_RE: u8 = 0x1;
/// PAM nibble bit 1: write enable (writes go to DRAM).
pub const PAM_WE: u8 = 0x2;
/// SMRAM — system management RAM control (byte).
pub const I440FX_SMRAM: u8 = 0x72;
/// SMRAM bit 6: D_OPEN, SMRAM visible outside SMM.
pub const SMRAM_D_OPEN: u8 = 0x40;
/// SMRAM bit 5: D_CLS, SMRAM data accesses go to the bus.
pub const SMRAM_D_CLS: u8 = 0x20;
/// SMRAM bit 4: D_LCK, locks the register until reset.
pub const SMRAM_D_LCK: u8 = 0x10;
/// SMRAM bit 3: G_SMRAME, global SMRAM enable.
pub const SMRAM_G_SMRAME: u8 = 0x08;
/// SMRAM bits 2–0: C_BASE_SEG, hardwired to 010b (A0000–BFFFF).
pub const SMRAM_C_BASE_SEG: u8 = 0x02;

/// The host bridge function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct I440fx {
    pub config: ConfigSpace,
}

impl Default for I440fx {
    fn default() -> Self {
        I440fx::new()
    }
}

impl I440fx {
    /// Power-on state: PAM all 0 (C0000–FFFFF go to the bus), SMRAM 02h.
    pub fn new() -> Self {
        let mut c = ConfigSpace::new(
            PCI_VENDOR_ID_INTEL,
            I440FX_DEVICE_ID,
            I440FX_REVISION,
            PCI_CLASS_BRIDGE_HOST,
            0x00,
        );
        c.init_word(PCI_COMMAND, I440FX_PCICMD_DEFAULT);
        c.set_writable(
            PCI_COMMAND,
            2,
            u32::from(PCI_COMMAND_PARITY | PCI_COMMAND_SERR),
        );
        c.init_word(PCI_STATUS, I440FX_PCISTS_DEFAULT);
        c.set_writable(I440FX_PMCCFG, 2, 0xFFFF);
        // PAM0 uses only its high nibble; PAM1–6 cover two ranges each.
        c.set_writable(I440FX_PAM0, 1, u32::from((PAM_RE | PAM_WE) << 4));
        for reg in I440FX_PAM0 + 1..=I440FX_PAM6 {
            c.set_writable(reg, 1, 0x33);
        }
        c.init(I440FX_SMRAM, 1, u32::from(SMRAM_C_BASE_SEG));
        c.set_writable(
            I440FX_SMRAM,
            1,
            u32::from(SMRAM_D_OPEN | SMRAM_D_CLS | SMRAM_D_LCK | SMRAM_G_SMRAME),
        );
        I440fx { config: c }
    }

    /// Configuration read.
    pub fn read(&self, offset: u8, size: usize) -> u32 {
        self.config.read(offset, size)
    }

    /// Configuration write. Once D_LCK is set, the SMRAM register is
    /// read-only (D_OPEN cleared) until reset.
    pub fn write(&mut self, offset: u8, size: usize, value: u32) {
        let smram_locked = self.config.byte(I440FX_SMRAM) & SMRAM_D_LCK != 0;
        let smram_old = self.config.byte(I440FX_SMRAM);
        self.config.write(offset, size, value);
        if smram_locked {
            self.config.set_byte(I440FX_SMRAM, smram_old);
        } else if self.config.byte(I440FX_SMRAM) & SMRAM_D_LCK != 0 {
            let v = self.config.byte(I440FX_SMRAM) & !SMRAM_D_OPEN;
            self.config.set_byte(I440FX_SMRAM, v);
        }
    }

    /// The seven PAM register values (stored only; see the module docs).
    pub fn pam(&self) -> [u8; I440FX_PAM_COUNT] {
        let mut p = [0; I440FX_PAM_COUNT];
        for (i, v) in p.iter_mut().enumerate() {
            *v = self.config.byte(I440FX_PAM0 + i as u8);
        }
        p
    }

    /// The SMRAM register value (stored only).
    pub fn smram(&self) -> u8 {
        self.config.byte(I440FX_SMRAM)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifies_as_82441fx_host_bridge() {
        let d = I440fx::new();
        assert_eq!(d.read(0x00, 4), 0x1237_8086);
        assert_eq!(d.read(0x08, 4), 0x0600_0002);
        assert_eq!(d.read(0x04, 4), 0x0280_0006);
        assert_eq!(d.read(0x0E, 1), 0x00, "single-function header");
    }

    #[test]
    fn pam_registers_store_read_and_write_enables() {
        let mut d = I440fx::new();
        assert_eq!(d.pam(), [0; 7], "power-on: all ranges on the bus");
        // A BIOS copies itself to shadow RAM: PAM0 = 30h, PAM1–6 = 33h.
        d.write(I440FX_PAM0, 4, 0x3333_33FF);
        d.write(I440FX_PAM0 + 4, 4, 0xFF33_3333);
        assert_eq!(d.pam(), [0x30, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33]);
        assert_eq!(d.read(0x5C, 4), 0x3333_3333, "dword read across PAMs");
        d.write(0x5A, 1, 0x11);
        assert_eq!(d.pam()[1], 0x11, "read-only shadow");
        assert_eq!(d.read(0x60, 1), 0, "DRB registers not modelled");
    }

    #[test]
    fn smram_c_base_seg_is_hardwired() {
        let mut d = I440fx::new();
        assert_eq!(d.smram(), 0x02);
        d.write(I440FX_SMRAM, 1, 0xFF);
        assert_eq!(d.smram() & 0x07, 0x02);
    }

    #[test]
    fn smram_d_lck_clears_d_open_and_locks_until_reset() {
        let mut d = I440fx::new();
        d.write(I440FX_SMRAM, 1, u32::from(SMRAM_D_OPEN | SMRAM_G_SMRAME));
        assert_eq!(d.smram(), 0x4A);
        d.write(
            I440FX_SMRAM,
            1,
            u32::from(SMRAM_D_LCK | SMRAM_D_OPEN | SMRAM_G_SMRAME),
        );
        assert_eq!(d.smram(), 0x1A, "D_LCK set, D_OPEN forced to 0");
        d.write(I440FX_SMRAM, 1, u32::from(SMRAM_D_OPEN));
        assert_eq!(d.smram(), 0x1A, "locked: writes ignored");
        d = I440fx::new();
        assert_eq!(d.smram(), 0x02, "reset unlocks");
    }
}
