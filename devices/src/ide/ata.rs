//! The ATA command set of a hard disk (ATA8-ACS, T13/1699-D), and the ATA
//! commands an ATAPI device accepts (SFF-8020i §5.16 / ATA8-ACS "PACKET
//! feature set").
//!
//! Implemented: IDENTIFY DEVICE, READ/WRITE SECTOR(S) (PIO; CHS, LBA28,
//! LBA48 EXT), READ/WRITE MULTIPLE (+EXT) with SET MULTIPLE MODE, READ/WRITE
//! DMA (+EXT, through the bus master), READ VERIFY SECTOR(S) (+EXT), FLUSH
//! CACHE (+EXT), SET FEATURES (transfer mode, write cache, read look-ahead,
//! revert to defaults), INITIALIZE DEVICE PARAMETERS, READ NATIVE MAX
//! ADDRESS (+EXT), the power-management commands (accepted, no state),
//! RECALIBRATE and SEEK. Everything else aborts (ABRT). Data moves at once:
//! the device is never busy between a command and its first DRQ block.

use super::drive::*;
use crate::block::BlockDevice;

/// Command opcodes (ATA8-ACS §7 and Table B.2).
pub const ATA_CMD_NOP: u8 = 0x00;
pub const ATA_CMD_DEVICE_RESET: u8 = 0x08;
pub const ATA_CMD_RECALIBRATE: u8 = 0x10;
pub const ATA_CMD_READ_SECTORS: u8 = 0x20;
pub const ATA_CMD_READ_SECTORS_NORETRY: u8 = 0x21;
pub const ATA_CMD_READ_SECTORS_EXT: u8 = 0x24;
pub const ATA_CMD_READ_DMA_EXT: u8 = 0x25;
pub const ATA_CMD_READ_NATIVE_MAX_EXT: u8 = 0x27;
pub const ATA_CMD_READ_MULTIPLE_EXT: u8 = 0x29;
pub const ATA_CMD_WRITE_SECTORS: u8 = 0x30;
pub const ATA_CMD_WRITE_SECTORS_NORETRY: u8 = 0x31;
pub const ATA_CMD_WRITE_SECTORS_EXT: u8 = 0x34;
pub const ATA_CMD_WRITE_DMA_EXT: u8 = 0x35;
pub const ATA_CMD_WRITE_MULTIPLE_EXT: u8 = 0x39;
pub const ATA_CMD_READ_VERIFY: u8 = 0x40;
pub const ATA_CMD_READ_VERIFY_NORETRY: u8 = 0x41;
pub const ATA_CMD_READ_VERIFY_EXT: u8 = 0x42;
pub const ATA_CMD_SEEK: u8 = 0x70;
pub const ATA_CMD_EXECUTE_DEVICE_DIAGNOSTIC: u8 = 0x90;
pub const ATA_CMD_INITIALIZE_DEVICE_PARAMETERS: u8 = 0x91;
pub const ATA_CMD_PACKET: u8 = 0xA0;
pub const ATA_CMD_IDENTIFY_PACKET_DEVICE: u8 = 0xA1;
pub const ATA_CMD_READ_MULTIPLE: u8 = 0xC4;
pub const ATA_CMD_WRITE_MULTIPLE: u8 = 0xC5;
pub const ATA_CMD_SET_MULTIPLE_MODE: u8 = 0xC6;
pub const ATA_CMD_READ_DMA: u8 = 0xC8;
pub const ATA_CMD_READ_DMA_NORETRY: u8 = 0xC9;
pub const ATA_CMD_WRITE_DMA: u8 = 0xCA;
pub const ATA_CMD_WRITE_DMA_NORETRY: u8 = 0xCB;
pub const ATA_CMD_STANDBY_IMMEDIATE: u8 = 0xE0;
pub const ATA_CMD_IDLE_IMMEDIATE: u8 = 0xE1;
pub const ATA_CMD_STANDBY: u8 = 0xE2;
pub const ATA_CMD_IDLE: u8 = 0xE3;
pub const ATA_CMD_CHECK_POWER_MODE: u8 = 0xE5;
pub const ATA_CMD_SLEEP: u8 = 0xE6;
pub const ATA_CMD_FLUSH_CACHE: u8 = 0xE7;
pub const ATA_CMD_FLUSH_CACHE_EXT: u8 = 0xEA;
pub const ATA_CMD_IDENTIFY_DEVICE: u8 = 0xEC;
pub const ATA_CMD_SET_FEATURES: u8 = 0xEF;
pub const ATA_CMD_READ_NATIVE_MAX: u8 = 0xF8;

/// SET FEATURES subcommands (Features register, ATA8-ACS §7.48).
pub const SETFEATURES_WC_ON: u8 = 0x02;
pub const SETFEATURES_XFER: u8 = 0x03;
pub const SETFEATURES_REVERT_OFF: u8 = 0x66;
pub const SETFEATURES_RA_OFF: u8 = 0x55;
pub const SETFEATURES_WC_OFF: u8 = 0x82;
pub const SETFEATURES_RA_ON: u8 = 0xAA;
pub const SETFEATURES_REVERT_ON: u8 = 0xCC;

/// Largest DRQ block for READ/WRITE MULTIPLE (IDENTIFY word 47).
pub const MAX_MULTIPLE_SECTORS: u8 = 16;
/// Last sector addressable with 28-bit commands + 1.
const LBA28_LIMIT: u64 = 1 << 28;

/// How a read/write command moves its data.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Xfer {
    Pio,
    Multiple,
    Dma,
    Verify,
}

impl Drive {
    /// Run a command written to the Command register.
    pub(crate) fn command(&mut self, cmd: u8) {
        self.cmd = cmd;
        self.intrq = false;
        self.abort_transfer();
        match self.kind {
            DriveKind::Ata => self.ata_command(cmd),
            DriveKind::Atapi => self.atapi_ata_command(cmd),
            DriveKind::None => {}
        }
    }

    fn ata_command(&mut self, cmd: u8) {
        use ATA_CMD_READ_SECTORS as RS;
        match cmd {
            ATA_CMD_IDENTIFY_DEVICE => {
                let id = words_to_bytes(&self.identify_ata());
                self.stream_response(&id, 512);
                self.start_pio_in(512);
            }
            RS | ATA_CMD_READ_SECTORS_NORETRY => self.rw(false, false, Xfer::Pio),
            ATA_CMD_READ_SECTORS_EXT => self.rw(false, true, Xfer::Pio),
            ATA_CMD_READ_MULTIPLE => self.rw(false, false, Xfer::Multiple),
            ATA_CMD_READ_MULTIPLE_EXT => self.rw(false, true, Xfer::Multiple),
            ATA_CMD_READ_DMA | ATA_CMD_READ_DMA_NORETRY => self.rw(false, false, Xfer::Dma),
            ATA_CMD_READ_DMA_EXT => self.rw(false, true, Xfer::Dma),
            ATA_CMD_READ_VERIFY | ATA_CMD_READ_VERIFY_NORETRY => {
                self.rw(false, false, Xfer::Verify)
            }
            ATA_CMD_READ_VERIFY_EXT => self.rw(false, true, Xfer::Verify),
            ATA_CMD_WRITE_SECTORS | ATA_CMD_WRITE_SECTORS_NORETRY => {
                self.rw(true, false, Xfer::Pio)
            }
            ATA_CMD_WRITE_SECTORS_EXT => self.rw(true, true, Xfer::Pio),
            ATA_CMD_WRITE_MULTIPLE => self.rw(true, false, Xfer::Multiple),
            ATA_CMD_WRITE_MULTIPLE_EXT => self.rw(true, true, Xfer::Multiple),
            ATA_CMD_WRITE_DMA | ATA_CMD_WRITE_DMA_NORETRY => self.rw(true, false, Xfer::Dma),
            ATA_CMD_WRITE_DMA_EXT => self.rw(true, true, Xfer::Dma),
            ATA_CMD_SET_MULTIPLE_MODE => {
                let n = self.tf.nsect;
                if n <= MAX_MULTIPLE_SECTORS && n.is_power_of_two() || n == 0 {
                    self.mult = n;
                    self.complete();
                } else {
                    self.ata_error(ATA_ER_ABRT);
                }
            }
            ATA_CMD_INITIALIZE_DEVICE_PARAMETERS => {
                let heads = u32::from(self.tf.device & 0x0F) + 1;
                let sectors = u32::from(self.tf.nsect);
                if sectors == 0 {
                    return self.ata_error(ATA_ER_ABRT);
                }
                let total = self.capacity();
                self.cur = Chs {
                    cylinders: (total / u64::from(heads * sectors)).min(65535) as u32,
                    heads,
                    sectors,
                };
                self.complete();
            }
            ATA_CMD_SET_FEATURES => self.set_features(),
            ATA_CMD_FLUSH_CACHE | ATA_CMD_FLUSH_CACHE_EXT => {
                match self.media.as_mut().map(BlockDevice::flush) {
                    Some(Err(e)) => self.medium_error(&e),
                    _ => self.complete(),
                }
            }
            ATA_CMD_READ_NATIVE_MAX | ATA_CMD_READ_NATIVE_MAX_EXT => {
                let max = self.capacity().saturating_sub(1);
                self.set_lba(max, cmd == ATA_CMD_READ_NATIVE_MAX_EXT);
                self.complete();
            }
            ATA_CMD_CHECK_POWER_MODE => {
                self.tf.nsect = 0xFF; // active or idle
                self.complete();
            }
            ATA_CMD_STANDBY_IMMEDIATE
            | ATA_CMD_IDLE_IMMEDIATE
            | ATA_CMD_STANDBY
            | ATA_CMD_IDLE
            | ATA_CMD_SLEEP
            | 0x10..=0x1F // RECALIBRATE (ATA-1)
            | 0x70..=0x7F => self.complete(), // SEEK
            _ => {
                log::debug!("IDE: ATA command {cmd:#04x} not supported: aborted");
                self.ata_error(ATA_ER_ABRT);
            }
        }
    }

    /// ATA commands an ATAPI device takes (SFF-8020i §5.16).
    fn atapi_ata_command(&mut self, cmd: u8) {
        match cmd {
            ATA_CMD_PACKET => self.start_packet(),
            ATA_CMD_IDENTIFY_PACKET_DEVICE => {
                let id = words_to_bytes(&self.identify_atapi());
                self.stream_response(&id, 512);
                self.start_pio_in(512);
            }
            ATA_CMD_DEVICE_RESET => {
                // Completes without an interrupt (ATA8-ACS §7.7); the
                // device stays selected.
                let dev = self.tf.device & ATA_DEV_DEV;
                self.reset_signature();
                self.tf.device = dev;
            }
            ATA_CMD_IDENTIFY_DEVICE => {
                // ATA8-ACS §7.16: a PACKET device aborts and leaves its
                // signature in the task file, which is how hosts find it.
                self.ata_error(ATA_ER_ABRT);
                self.set_signature();
            }
            ATA_CMD_SET_FEATURES => self.set_features(),
            ATA_CMD_CHECK_POWER_MODE => {
                self.tf.nsect = 0xFF;
                self.complete();
            }
            ATA_CMD_STANDBY_IMMEDIATE | ATA_CMD_IDLE_IMMEDIATE | ATA_CMD_SLEEP => self.complete(),
            _ => self.ata_error(ATA_ER_ABRT),
        }
    }

    fn set_features(&mut self) {
        match self.tf.feature {
            SETFEATURES_XFER => {
                let mode = self.tf.nsect;
                // PIO default/flow control (00h–0Fh), MWDMA 0–2 (20h–22h),
                // UDMA 0–5 (40h–45h).
                let ok = matches!(mode, 0x00..=0x01 | 0x08..=0x0C | 0x20..=0x22 | 0x40..=0x45);
                if ok {
                    self.xfer_mode = mode;
                    self.complete();
                } else {
                    self.ata_error(ATA_ER_ABRT);
                }
            }
            SETFEATURES_WC_ON | SETFEATURES_WC_OFF => {
                self.write_cache = self.tf.feature == SETFEATURES_WC_ON;
                self.complete();
            }
            SETFEATURES_RA_ON
            | SETFEATURES_RA_OFF
            | SETFEATURES_REVERT_ON
            | SETFEATURES_REVERT_OFF => self.complete(),
            f => {
                log::debug!("IDE: SET FEATURES {f:#04x} not supported: aborted");
                self.ata_error(ATA_ER_ABRT);
            }
        }
    }

    /// Sectors on the medium.
    pub(crate) fn capacity(&self) -> u64 {
        self.media.as_ref().map_or(0, BlockDevice::sector_count)
    }

    /// The starting sector of a read/write command: 48-bit from the HOB
    /// registers, 28-bit LBA, or CHS through the current translation.
    fn start_lba(&self, lba48: bool) -> Option<u64> {
        let t = &self.tf;
        if lba48 {
            let b = [
                t.lbal, t.lbam, t.lbah, t.hob_lbal, t.hob_lbam, t.hob_lbah, 0, 0,
            ];
            return Some(u64::from_le_bytes(b));
        }
        if t.device & ATA_DEV_LBA != 0 {
            let b = [t.lbal, t.lbam, t.lbah, t.device & 0x0F];
            return Some(u64::from(u32::from_le_bytes(b)));
        }
        let cyl = u64::from(u16::from_le_bytes([t.lbam, t.lbah]));
        let head = u64::from(t.device & 0x0F);
        let sector = u64::from(t.lbal);
        let c = &self.cur;
        if sector == 0 || sector > u64::from(c.sectors) || head >= u64::from(c.heads) {
            return None;
        }
        Some((cyl * u64::from(c.heads) + head) * u64::from(c.sectors) + sector - 1)
    }

    /// Write an LBA back into the task file (READ NATIVE MAX ADDRESS).
    fn set_lba(&mut self, lba: u64, lba48: bool) {
        let b = lba.to_le_bytes();
        self.tf.lbal = b[0];
        self.tf.lbam = b[1];
        self.tf.lbah = b[2];
        if lba48 {
            (self.tf.hob_lbal, self.tf.hob_lbam, self.tf.hob_lbah) = (b[3], b[4], b[5]);
        } else {
            self.tf.device = (self.tf.device & 0xF0) | (b[3] & 0x0F);
        }
    }

    /// READ/WRITE SECTOR(S), MULTIPLE, DMA and READ VERIFY.
    fn rw(&mut self, write: bool, lba48: bool, xfer: Xfer) {
        let count = if lba48 {
            match u16::from_le_bytes([self.tf.nsect, self.tf.hob_nsect]) {
                0 => 65536,
                n => u64::from(n),
            }
        } else {
            match self.tf.nsect {
                0 => 256,
                n => u64::from(n),
            }
        };
        if xfer == Xfer::Multiple && self.mult == 0 {
            return self.ata_error(ATA_ER_ABRT);
        }
        let Some(lba) = self.start_lba(lba48) else {
            return self.ata_error(ATA_ER_IDNF);
        };
        let limit = if lba48 {
            self.capacity()
        } else {
            self.capacity().min(LBA28_LIMIT)
        };
        if lba + count > limit {
            return self.ata_error(ATA_ER_IDNF);
        }
        if write && self.media.as_ref().is_none_or(BlockDevice::is_read_only) {
            return self.ata_error(ATA_ER_ABRT);
        }
        let bytes = count * 512;
        if xfer == Xfer::Verify {
            return self.complete();
        }
        if write {
            self.stream_out(bytes, lba);
        } else {
            self.stream_in(bytes, lba, count);
        }
        let block = match xfer {
            Xfer::Multiple => usize::from(self.mult) * 512,
            _ => 512,
        };
        match (xfer, write) {
            (Xfer::Dma, _) => self.start_dma(!write),
            (_, false) => self.start_pio_in(block),
            (_, true) => self.start_pio_out(block),
        }
    }

    /// IDENTIFY DEVICE data (ATA8-ACS §7.16, Table 22).
    pub fn identify_ata(&self) -> [u16; 256] {
        let mut w = [0u16; 256];
        let total = self.capacity();
        let g = self.geom;
        w[0] = 0x0040; // fixed device
        w[1] = g.cylinders as u16;
        w[3] = g.heads as u16;
        w[6] = g.sectors as u16;
        put_string(&mut w[10..20], &format!("OX86-HD-{:04}", self.slot + 1));
        w[20] = 3; // buffer type (obsolete)
        w[21] = 512; // buffer size (obsolete)
        put_string(&mut w[23..27], env!("CARGO_PKG_VERSION"));
        put_string(&mut w[27..47], "OX86 HARDDISK");
        w[47] = 0x8000 | u16::from(MAX_MULTIPLE_SECTORS);
        w[48] = 0x0001; // 32-bit PIO (obsolete)
        w[49] = 0x0B00; // IORDY supported, LBA, DMA
        w[51] = 0x0200; // PIO timing mode 2 (obsolete)
        w[53] = 0x0007; // words 54–58, 64–70 and 88 are valid
        let c = self.cur;
        w[54] = c.cylinders as u16;
        w[55] = c.heads as u16;
        w[56] = c.sectors as u16;
        let cap = c.capacity().min(total).min(u64::from(u32::MAX)) as u32;
        w[57] = cap as u16;
        w[58] = (cap >> 16) as u16;
        if self.mult != 0 {
            w[59] = 0x0100 | u16::from(self.mult);
        }
        let lba28 = total.min(LBA28_LIMIT - 1) as u32;
        w[60] = lba28 as u16;
        w[61] = (lba28 >> 16) as u16;
        w[63] = 0x0007 | self.selected_mode(0x20, 2); // MWDMA 0–2
        w[64] = 0x0003; // PIO 3 and 4
        w[65..69].copy_from_slice(&[120, 120, 120, 120]); // cycle times (ns)
        w[80] = 0x00F0; // ATA/ATAPI-4 to -7
        w[81] = 0x0016;
        w[82] = 0x4020; // NOP, write cache
        w[83] = 0x7400; // FLUSH CACHE EXT, FLUSH CACHE, 48-bit address
        w[84] = 0x4000;
        w[85] = 0x4000 | if self.write_cache { 0x0020 } else { 0 };
        w[86] = 0x3400;
        w[87] = 0x4000;
        w[88] = 0x003F | self.selected_mode(0x40, 5); // UDMA 0–5
        w[93] = 0x6001
            | if self.tf.device & ATA_DEV_DEV == 0 {
                0x0008
            } else {
                0x0800
            };
        let b = total.to_le_bytes();
        for i in 0..4 {
            w[100 + i] = u16::from_le_bytes([b[2 * i], b[2 * i + 1]]);
        }
        w
    }

    /// IDENTIFY PACKET DEVICE data (ATA8-ACS §7.17, Table 26; SFF-8020i
    /// Table 18).
    pub fn identify_atapi(&self) -> [u16; 256] {
        let mut w = [0u16; 256];
        // ATAPI, CD-ROM device type, removable, accelerated DRQ (50 µs),
        // 12-byte packets.
        w[0] = 0x8000 | 0x05 << 8 | 0x0080 | 0x0040;
        put_string(&mut w[10..20], &format!("OX86-CD-{:04}", self.slot + 1));
        put_string(&mut w[23..27], env!("CARGO_PKG_VERSION"));
        put_string(&mut w[27..47], "OX86 CD-ROM");
        w[49] = 0x0B00; // IORDY, LBA, DMA
        w[53] = 0x0006; // words 64–70 and 88 valid
        w[63] = 0x0007 | self.selected_mode(0x20, 2);
        w[64] = 0x0003;
        w[65..69].copy_from_slice(&[120, 120, 120, 120]);
        w[71] = 30; // typical PACKET bus release (ns)
        w[72] = 30;
        w[80] = 0x0070; // ATA/ATAPI-4 to -6
        w[82] = 0x4210; // NOP, DEVICE RESET, PACKET
        w[83] = 0x4000;
        w[84] = 0x4000;
        w[85] = 0x4210;
        w[87] = 0x4000;
        w[88] = 0x003F | self.selected_mode(0x40, 5);
        w[93] = 0x6001
            | if self.tf.device & ATA_DEV_DEV == 0 {
                0x0008
            } else {
                0x0800
            };
        w
    }

    /// "Mode selected" bits (high byte) of an IDENTIFY DMA mode word for
    /// the mode family starting at SET FEATURES value `base`.
    fn selected_mode(&self, base: u8, max: u8) -> u16 {
        match self.xfer_mode.checked_sub(base) {
            Some(m) if m <= max => 0x0100 << m,
            _ => 0,
        }
    }
}

/// ATA string: two characters per word, first in the high byte, padded
/// with spaces (ATA8-ACS §3.3.10).
fn put_string(words: &mut [u16], s: &str) {
    let mut bytes = s.bytes().chain(std::iter::repeat(b' '));
    for w in words {
        let hi = bytes.next().unwrap_or(b' ');
        let lo = bytes.next().unwrap_or(b' ');
        *w = u16::from_be_bytes([hi, lo]);
    }
}

/// IDENTIFY words as the little-endian bytes the data port returns.
fn words_to_bytes(words: &[u16; 256]) -> [u8; 512] {
    let mut b = [0u8; 512];
    for (i, w) in words.iter().enumerate() {
        b[2 * i..2 * i + 2].copy_from_slice(&w.to_le_bytes());
    }
    b
}
