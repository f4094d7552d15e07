//! PIO data-block protocol and command completion (ATA8-APT "PIO data-in"
//! / "PIO data-out" command protocols; SFF-8020i §5.13 PACKET protocol).
//!
//! Data in: at the start of each DRQ data block the device has the block's
//! data ready, sets DRQ and asserts INTRQ; when the host has read the last
//! block the command ends without another interrupt (ATA) or with a
//! completion interrupt (ATAPI, Interrupt Reason IO|CoD). Data out: DRQ
//! for the first block without an interrupt, then an interrupt after each
//! block the device has taken, the last one meaning completion.

use super::drive::*;
use crate::block::BlockError;

/// SCSI sense keys (SPC-3 table 27) and additional sense codes used here.
pub const SENSE_NOT_READY: u8 = 0x02;
pub const SENSE_MEDIUM_ERROR: u8 = 0x03;
pub const SENSE_ILLEGAL_REQUEST: u8 = 0x05;
pub const SENSE_UNIT_ATTENTION: u8 = 0x06;
/// ASC 11h: unrecovered read error.
pub const ASC_UNRECOVERED_READ_ERROR: u8 = 0x11;
/// ASC 20h: invalid command operation code.
pub const ASC_INVALID_OPCODE: u8 = 0x20;
/// ASC 21h: logical block address out of range.
pub const ASC_LBA_OUT_OF_RANGE: u8 = 0x21;
/// ASC 24h: invalid field in CDB.
pub const ASC_INVALID_FIELD_IN_CDB: u8 = 0x24;
/// ASC 28h: not ready to ready change, medium may have changed.
pub const ASC_MEDIUM_MAY_HAVE_CHANGED: u8 = 0x28;
/// ASC 3Ah: medium not present.
pub const ASC_MEDIUM_NOT_PRESENT: u8 = 0x3A;
/// ASC 53h/02h: medium removal prevented.
pub const ASC_MEDIUM_REMOVAL_PREVENTED: u8 = 0x53;

impl Drive {
    /// Start a PIO data-in command: the first DRQ block (interrupt).
    pub(crate) fn start_pio_in(&mut self, block: usize) {
        self.block = block.max(1);
        if self.total_left == 0 {
            return self.complete();
        }
        self.next_block_in();
    }

    /// Start a PIO data-out command: DRQ for the first block, no interrupt.
    pub(crate) fn start_pio_out(&mut self, block: usize) {
        self.block = block.max(1);
        self.drq_left = (self.block as u64).min(self.total_left) as usize;
        self.phase = Phase::PioOut;
        self.status = ATA_SR_DRDY | ATA_SR_DSC | ATA_SR_DRQ;
    }

    /// Wait for the bus master (DRQ set: the device requests DMA).
    pub(crate) fn start_dma(&mut self, to_host: bool) {
        if self.total_left == 0 {
            return self.complete();
        }
        self.phase = if to_host { Phase::DmaIn } else { Phase::DmaOut };
        self.status = ATA_SR_DRDY | ATA_SR_DSC | ATA_SR_DRQ;
        if self.kind == DriveKind::Atapi {
            self.tf.nsect = if to_host { ATAPI_IR_IO } else { 0 };
        }
    }

    fn next_block_in(&mut self) {
        let mut n = (self.block as u64).min(self.total_left) as usize;
        if let Err(e) = self.fill(n) {
            return self.medium_error(&e);
        }
        // A stream shorter than announced (cannot happen for media reads
        // checked against the capacity) ends the command.
        n = n.min(self.len - self.pos);
        if n == 0 {
            self.total_left = 0;
            return self.complete();
        }
        self.drq_left = n;
        self.phase = Phase::PioIn;
        self.status = ATA_SR_DRDY | ATA_SR_DSC | ATA_SR_DRQ;
        if self.kind == DriveKind::Atapi {
            self.tf.lbam = n as u8;
            self.tf.lbah = (n >> 8) as u8;
            self.tf.nsect = ATAPI_IR_IO;
        }
        self.raise_irq();
    }

    /// Data register read of `n` (1, 2 or 4) bytes.
    pub(crate) fn pio_read(&mut self, n: usize) -> u32 {
        if self.phase != Phase::PioIn {
            return 0;
        }
        let mut b = [0u8; 4];
        let k = n.min(4).min(self.drq_left);
        if let Err(e) = self.take(&mut b[..k]) {
            self.medium_error(&e);
            return 0;
        }
        self.drq_left -= k;
        if self.drq_left == 0 {
            if self.total_left > 0 {
                self.next_block_in();
            } else {
                self.complete();
            }
        }
        u32::from_le_bytes(b)
    }

    /// Data register write of the low `n` bytes of `value`.
    pub(crate) fn pio_write(&mut self, n: usize, value: u32) {
        let bytes = value.to_le_bytes();
        match self.phase {
            Phase::Packet => {
                for &b in &bytes[..n.min(4)] {
                    if self.pos < self.cdb.len() {
                        self.cdb[self.pos] = b;
                        self.pos += 1;
                    }
                }
                if self.pos >= self.cdb.len() {
                    self.phase = Phase::Idle;
                    self.pos = 0;
                    self.packet();
                }
            }
            Phase::PioOut => {
                let k = n.min(4).min(self.drq_left);
                if let Err(e) = self.put(&bytes[..k]) {
                    return self.medium_error(&e);
                }
                self.drq_left -= k;
                if self.drq_left == 0 {
                    if let Err(e) = self.write_out() {
                        return self.medium_error(&e);
                    }
                    if self.total_left > 0 {
                        self.drq_left = (self.block as u64).min(self.total_left) as usize;
                        self.raise_irq();
                    } else {
                        self.complete();
                    }
                }
            }
            _ => {}
        }
    }

    /// The command's data has all moved: successful completion.
    pub(crate) fn complete(&mut self) {
        let pio_in = self.phase == Phase::PioIn;
        self.abort_transfer();
        self.status = ATA_SR_DRDY | ATA_SR_DSC;
        match self.kind {
            DriveKind::Atapi => {
                self.tf.nsect = ATAPI_IR_IO | ATAPI_IR_COD;
                self.sense = Sense::default();
                self.raise_irq();
            }
            // PIO data-in ends with the last block read: no interrupt.
            _ if pio_in => {}
            _ => self.raise_irq(),
        }
    }

    /// End an ATA command with an error (Error register bits `err`).
    pub(crate) fn ata_error(&mut self, err: u8) {
        self.abort_transfer();
        self.error = err;
        self.status = ATA_SR_DRDY | ATA_SR_DSC | ATA_SR_ERR;
        if self.kind == DriveKind::Atapi {
            self.tf.nsect = ATAPI_IR_IO | ATAPI_IR_COD;
        }
        self.raise_irq();
    }

    /// End an ATAPI command with CHECK CONDITION and the given sense.
    pub(crate) fn check_condition(&mut self, key: u8, asc: u8, ascq: u8) {
        self.abort_transfer();
        self.sense = Sense { key, asc, ascq };
        self.error = key << 4;
        self.status = ATA_SR_DRDY | ATA_SR_DSC | ATA_SR_ERR;
        self.tf.nsect = ATAPI_IR_IO | ATAPI_IR_COD;
        self.raise_irq();
    }

    /// A failed medium access ends the command.
    pub(crate) fn medium_error(&mut self, e: &BlockError) {
        log::warn!("IDE: {e}");
        match (self.kind, e) {
            (DriveKind::Atapi, BlockError::OutOfRange { .. }) => {
                self.check_condition(SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0)
            }
            (DriveKind::Atapi, _) => {
                self.check_condition(SENSE_MEDIUM_ERROR, ASC_UNRECOVERED_READ_ERROR, 0)
            }
            (_, BlockError::OutOfRange { .. }) => self.ata_error(ATA_ER_IDNF),
            (_, BlockError::ReadOnly { .. }) => self.ata_error(ATA_ER_ABRT),
            _ => self.ata_error(ATA_ER_UNC),
        }
    }
}
