//! Bus-master IDE registers and PRD-table DMA (Intel 82371SB PIIX3
//! datasheet §2.7 "Bus Master IDE Registers" and §2.8 "IDE Bus Master
//! Operation"; SFF-8038i).
//!
//! Per channel, at BMIBA + 0 (primary) / + 8 (secondary):
//! - +0 BMICX command: bit 0 SSBM start/stop, bit 3 RWCON (1 = the bus
//!   master writes memory, i.e. a device read).
//! - +2 BMISX status: bit 0 BMIDEA active (read-only), bit 1 DMA error and
//!   bit 2 IDEINTS interrupt (write 1 to clear), bits 5/6 drive 0/1 DMA
//!   capable (read/write).
//! - +4 BMIDTPX: physical address of the descriptor table (dword aligned).
//!
//! A PRD entry is 8 bytes: dword 0 the buffer's physical address (bit 0
//! zero), word 2 the byte count (bit 0 zero, 0 = 64 KiB), bit 31 of dword 1
//! EOT (last entry). The transfer runs when SSBM is set and the selected
//! device requests DMA. At the end of the device's data, BMIDEA clears if
//! the table ended with it (a larger table leaves it set, as the datasheet
//! says) and the device's interrupt sets IDEINTS. A table that ends first
//! clears BMIDEA and leaves the device waiting (no interrupt).

use super::drive::{Drive, Phase};
use super::DmaMemory;

/// BMICX bit 0: start/stop bus master.
pub const BM_CMD_START: u8 = 0x01;
/// BMICX bit 3: read/write control (1 = write to memory).
pub const BM_CMD_WRITE_TO_MEMORY: u8 = 0x08;
/// BMISX bit 0: bus master IDE active.
pub const BM_STATUS_ACTIVE: u8 = 0x01;
/// BMISX bit 1: DMA error.
pub const BM_STATUS_ERROR: u8 = 0x02;
/// BMISX bit 2: IDE interrupt status.
pub const BM_STATUS_INT: u8 = 0x04;
/// BMISX bits 5/6: drive 0/1 DMA capable.
pub const BM_STATUS_DRV_DMA: u8 = 0x60;
/// PRD dword 1 bit 31: end of table.
pub const PRD_EOT: u32 = 0x8000_0000;
/// At most this many entries fit the 64 KiB region a table may occupy.
const PRD_MAX_ENTRIES: usize = 8192;
/// Bytes moved per memory access during a transfer.
const CHUNK: usize = 4096;

/// One channel's bus-master registers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BusMaster {
    pub command: u8,
    pub status: u8,
    pub prd_addr: u32,
}

impl BusMaster {
    /// Register read at offset 0–7.
    pub fn read(&self, off: u16) -> u8 {
        match off {
            0 => self.command,
            2 => self.status,
            4..=7 => self.prd_addr.to_le_bytes()[usize::from(off - 4)],
            _ => 0,
        }
    }

    /// Register write at offset 0–7.
    pub fn write(&mut self, off: u16, v: u8) {
        match off {
            0 => {
                let was = self.command & BM_CMD_START != 0;
                self.command = v & (BM_CMD_START | BM_CMD_WRITE_TO_MEMORY);
                let start = v & BM_CMD_START != 0;
                if start && !was {
                    self.status |= BM_STATUS_ACTIVE;
                } else if !start {
                    // Stop: any transfer in progress is abandoned.
                    self.status &= !BM_STATUS_ACTIVE;
                }
            }
            2 => {
                let w1c = v & (BM_STATUS_ERROR | BM_STATUS_INT);
                self.status = (self.status & !BM_STATUS_DRV_DMA & !w1c) | (v & BM_STATUS_DRV_DMA);
            }
            4..=7 => {
                let mut b = self.prd_addr.to_le_bytes();
                b[usize::from(off - 4)] = v;
                self.prd_addr = u32::from_le_bytes(b) & !3;
            }
            _ => {}
        }
    }

    /// The bus master is started and active.
    pub fn running(&self) -> bool {
        self.command & BM_CMD_START != 0 && self.status & BM_STATUS_ACTIVE != 0
    }

    /// Move the device's data through the PRD table.
    pub fn transfer(&mut self, d: &mut Drive, mem: &mut dyn DmaMemory) {
        let to_memory = d.phase == Phase::DmaIn;
        let mut tmp = [0u8; CHUNK];
        let mut prd = self.prd_addr;
        for _ in 0..PRD_MAX_ENTRIES {
            let mut e = [0u8; 8];
            mem.read(prd, &mut e);
            let addr = u32::from_le_bytes([e[0], e[1], e[2], e[3]]) & !1;
            let flags = u32::from_le_bytes([e[4], e[5], e[6], e[7]]);
            let count = match flags & 0xFFFE {
                0 => 0x1_0000,
                n => n as usize,
            };
            let mut off = 0usize;
            while off < count && d.total_left > 0 {
                let n = (count - off).min(CHUNK);
                let at = addr.wrapping_add(off as u32);
                if to_memory {
                    match d.take(&mut tmp[..n]) {
                        Ok(0) => break,
                        Ok(got) => {
                            mem.write(at, &tmp[..got]);
                            off += got;
                        }
                        Err(e) => return self.failed(d, &e),
                    }
                } else {
                    mem.read(at, &mut tmp[..n]);
                    if let Err(e) = d.put(&tmp[..n]) {
                        return self.failed(d, &e);
                    }
                    off += n;
                }
            }
            let eot = flags & PRD_EOT != 0;
            if d.total_left == 0 {
                if eot && off == count {
                    self.status &= !BM_STATUS_ACTIVE;
                }
                d.complete();
                return;
            }
            if eot {
                break;
            }
            // The table may not cross a 64 KiB boundary: the address wraps.
            prd = (prd & 0xFFFF_0000) | (prd.wrapping_add(8) & 0xFFFF);
        }
        // The table ended before the device's data.
        log::debug!("IDE bus master: PRD table shorter than the transfer");
        self.status &= !BM_STATUS_ACTIVE;
    }

    fn failed(&mut self, d: &mut Drive, e: &crate::block::BlockError) {
        self.status &= !BM_STATUS_ACTIVE;
        d.medium_error(e);
    }
}
