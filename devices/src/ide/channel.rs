//! One IDE channel: two device slots sharing the command block registers
//! (data, error/features, sector count, LBA low/mid/high, device,
//! status/command) and the control block (alternate status / device
//! control), its INTRQ line and its bus-master registers (ATA8-APT §5
//! "Interface register definitions", §7 "Register block definitions").

use super::busmaster::{BusMaster, BM_STATUS_INT};
use super::drive::*;
use super::DmaMemory;

/// Command block register offsets from the channel's base port.
pub const ATA_REG_DATA: u16 = 0;
pub const ATA_REG_ERROR_FEATURE: u16 = 1;
pub const ATA_REG_NSECT: u16 = 2;
pub const ATA_REG_LBAL: u16 = 3;
pub const ATA_REG_LBAM: u16 = 4;
pub const ATA_REG_LBAH: u16 = 5;
pub const ATA_REG_DEVICE: u16 = 6;
pub const ATA_REG_STATUS_COMMAND: u16 = 7;

/// Device Control register bits: nIEN (interrupts disabled), SRST
/// (software reset), HOB (read the previous content of 48-bit registers).
pub const ATA_DC_NIEN: u8 = 0x02;
pub const ATA_DC_SRST: u8 = 0x04;
pub const ATA_DC_HOB: u8 = 0x80;

/// A channel.
#[derive(Debug)]
pub struct Channel {
    pub drives: [Drive; 2],
    /// The selected device (Device register DEV bit).
    pub sel: usize,
    /// Device Control register.
    pub control: u8,
    pub bm: BusMaster,
}

impl Default for Channel {
    fn default() -> Self {
        Channel {
            drives: [Drive::empty(), Drive::empty()],
            sel: 0,
            control: 0,
            bm: BusMaster::default(),
        }
    }
}

impl Channel {
    /// At least one device is attached (otherwise the ports float).
    pub fn any_present(&self) -> bool {
        self.drives.iter().any(Drive::present)
    }

    /// Read a command block register (1–7).
    pub fn read_reg(&mut self, reg: u16) -> u8 {
        let hob = self.control & ATA_DC_HOB != 0;
        let d = &mut self.drives[self.sel];
        let t = &d.tf;
        match reg {
            ATA_REG_ERROR_FEATURE => d.error,
            ATA_REG_NSECT => pick(hob, t.hob_nsect, t.nsect),
            ATA_REG_LBAL => pick(hob, t.hob_lbal, t.lbal),
            ATA_REG_LBAM => pick(hob, t.hob_lbam, t.lbam),
            ATA_REG_LBAH => pick(hob, t.hob_lbah, t.lbah),
            // Bits 7 and 5 are obsolete and read as written.
            ATA_REG_DEVICE => t.device,
            ATA_REG_STATUS_COMMAND => {
                if !d.present() {
                    return 0;
                }
                // Reading Status acknowledges the interrupt.
                d.intrq = false;
                d.status
            }
            _ => 0xFF,
        }
    }

    /// Alternate Status: Status without acknowledging the interrupt.
    pub fn alt_status(&self) -> u8 {
        let d = &self.drives[self.sel];
        if d.present() {
            d.status
        } else {
            0
        }
    }

    /// Write a command block register (1–7).
    pub fn write_reg(&mut self, reg: u16, v: u8) {
        if reg == ATA_REG_STATUS_COMMAND {
            return self.command(v);
        }
        if self.drives[self.sel].status & ATA_SR_BSY != 0 {
            return; // ignored while the device is busy
        }
        // A command block write clears HOB (ATA8-APT "Device Control").
        self.control &= !ATA_DC_HOB;
        for d in &mut self.drives {
            let t = &mut d.tf;
            match reg {
                ATA_REG_ERROR_FEATURE => t.hob_feature = std::mem::replace(&mut t.feature, v),
                ATA_REG_NSECT => t.hob_nsect = std::mem::replace(&mut t.nsect, v),
                ATA_REG_LBAL => t.hob_lbal = std::mem::replace(&mut t.lbal, v),
                ATA_REG_LBAM => t.hob_lbam = std::mem::replace(&mut t.lbam, v),
                ATA_REG_LBAH => t.hob_lbah = std::mem::replace(&mut t.lbah, v),
                ATA_REG_DEVICE => t.device = v,
                _ => {}
            }
        }
        if reg == ATA_REG_DEVICE {
            self.sel = usize::from(v & ATA_DEV_DEV != 0);
        }
    }

    /// Write the Device Control register.
    pub fn write_control(&mut self, v: u8) {
        let was = self.control & ATA_DC_SRST != 0;
        let srst = v & ATA_DC_SRST != 0;
        self.control = v;
        if srst && !was {
            for d in self.drives.iter_mut().filter(|d| d.present()) {
                d.abort_transfer();
                d.intrq = false;
                d.status = ATA_SR_BSY;
            }
        } else if !srst && was {
            // Reset complete: signatures, device 0 selected, no interrupt.
            for d in self.drives.iter_mut() {
                d.reset_signature();
                d.intrq = false;
            }
            self.sel = 0;
        }
    }

    fn command(&mut self, cmd: u8) {
        let d = &mut self.drives[self.sel];
        if !d.present() || d.status & ATA_SR_BSY != 0 {
            return;
        }
        self.control &= !ATA_DC_HOB;
        if cmd == super::ata::ATA_CMD_EXECUTE_DEVICE_DIAGNOSTIC {
            // Addressed to both devices; device 0 reports (ATA8-ACS §7.9).
            for d in self.drives.iter_mut() {
                d.reset_signature();
            }
            self.sel = 0;
            if self.drives[0].present() {
                self.drives[0].raise_irq();
            }
        } else {
            d.command(cmd);
        }
        self.note_irqs();
    }

    /// Data register read of `n` bytes.
    pub fn data_read(&mut self, n: usize) -> u32 {
        let v = self.drives[self.sel].pio_read(n);
        self.note_irqs();
        v
    }

    /// Data register write of `n` bytes.
    pub fn data_write(&mut self, n: usize, v: u32) {
        self.drives[self.sel].pio_write(n, v);
        self.note_irqs();
    }

    /// A device asserted INTRQ: the bus master's interrupt bit follows.
    fn note_irqs(&mut self) {
        for d in &mut self.drives {
            if std::mem::take(&mut d.raised) {
                self.bm.status |= BM_STATUS_INT;
            }
        }
    }

    /// The channel's interrupt line: the selected device's INTRQ unless
    /// nIEN.
    pub fn irq_level(&self) -> bool {
        let d = &self.drives[self.sel];
        d.present() && d.intrq && self.control & ATA_DC_NIEN == 0
    }

    /// The bus master is started and the selected device requests DMA.
    pub fn dma_pending(&self) -> bool {
        let d = &self.drives[self.sel];
        self.bm.running() && matches!(d.phase, Phase::DmaIn | Phase::DmaOut)
    }

    /// Run a pending bus-master transfer.
    pub fn run_dma(&mut self, mem: &mut dyn DmaMemory) {
        if self.dma_pending() {
            self.bm.transfer(&mut self.drives[self.sel], mem);
            self.note_irqs();
        }
    }
}

fn pick(hob: bool, previous: u8, current: u8) -> u8 {
    if hob {
        previous
    } else {
        current
    }
}
