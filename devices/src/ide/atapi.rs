//! ATAPI CD-ROM: the PACKET command and the MMC commands a CD-ROM drive
//! answers (SFF-8020i "ATA Packet Interface for CD-ROMs", MMC-3/MMC-5
//! T10/1363-D and T10/1675-D, SPC-3 for INQUIRY/REQUEST SENSE).
//!
//! Implemented: TEST UNIT READY, REQUEST SENSE, INQUIRY, START STOP UNIT
//! (eject/load into a modelled tray), PREVENT ALLOW MEDIUM REMOVAL, READ
//! CAPACITY, READ(10), READ(12), SEEK(10), READ TOC/PMA/ATIP (formats 0
//! and 1, LBA or MSF; 2), MODE SENSE(10) (pages 01h, 2Ah, 3Fh), GET
//! CONFIGURATION (Profile List, Core, Morphing, Removable Medium, Random
//! Readable, CD Read features; profile 0008h CD-ROM), GET EVENT STATUS
//! NOTIFICATION (polled, media class), SET CD SPEED (accepted), READ DISC
//! INFORMATION (a finalized single-session disc), READ TOC format 2 (full
//! TOC), READ CD (user data of mode 1 sectors only), MECHANISM STATUS.
//! Other opcodes end with ILLEGAL REQUEST / INVALID COMMAND OPERATION CODE. Data-in goes by PIO
//! within the host's byte-count limit, or by DMA when the Features register
//! asks for it. A medium newly loaded reports UNIT ATTENTION / MEDIUM MAY
//! HAVE CHANGED once (and a NEW MEDIA event).

use super::drive::*;
use super::pio::*;
use crate::block::CD_SECTOR_SIZE;

/// MMC operation codes.
pub const GPCMD_TEST_UNIT_READY: u8 = 0x00;
pub const GPCMD_REQUEST_SENSE: u8 = 0x03;
pub const GPCMD_INQUIRY: u8 = 0x12;
pub const GPCMD_START_STOP_UNIT: u8 = 0x1B;
pub const GPCMD_PREVENT_ALLOW_MEDIUM_REMOVAL: u8 = 0x1E;
pub const GPCMD_READ_CAPACITY: u8 = 0x25;
pub const GPCMD_READ_10: u8 = 0x28;
pub const GPCMD_SEEK_10: u8 = 0x2B;
pub const GPCMD_READ_TOC_PMA_ATIP: u8 = 0x43;
pub const GPCMD_GET_CONFIGURATION: u8 = 0x46;
pub const GPCMD_GET_EVENT_STATUS_NOTIFICATION: u8 = 0x4A;
pub const GPCMD_READ_DISC_INFO: u8 = 0x51;
pub const GPCMD_MODE_SENSE_10: u8 = 0x5A;
pub const GPCMD_READ_12: u8 = 0xA8;
pub const GPCMD_SET_SPEED: u8 = 0xBB;
pub const GPCMD_MECHANISM_STATUS: u8 = 0xBD;
pub const GPCMD_READ_CD: u8 = 0xBE;

/// PACKET Features register bit 0: the data moves by DMA.
pub const ATAPI_FEAT_DMA: u8 = 0x01;
/// MMC profile 0008h: CD-ROM.
pub const MMC_PROFILE_CD_ROM: u16 = 0x0008;
/// GET EVENT STATUS NOTIFICATION: media class (bit 4 of the request).
pub const GESN_MEDIA: u8 = 4;
/// Media event codes: new media, media removal.
pub const MEC_NEW_MEDIA: u8 = 2;
pub const MEC_MEDIA_REMOVAL: u8 = 3;
/// Lead-out track number in a TOC.
const LEADOUT: u8 = 0xAA;

impl Drive {
    /// PACKET: DRQ for the 12-byte command packet, Interrupt Reason CoD
    /// (accelerated DRQ: no interrupt, IDENTIFY PACKET word 0 bits 6:5).
    pub(crate) fn start_packet(&mut self) {
        self.phase = Phase::Packet;
        self.pos = 0;
        self.status = ATA_SR_DRDY | ATA_SR_DSC | ATA_SR_DRQ;
        self.tf.nsect = ATAPI_IR_COD;
    }

    /// The byte-count limit of the PACKET command (LBA Mid/High), even
    /// and non-zero.
    fn byte_count_limit(&self) -> usize {
        let l = usize::from(u16::from_le_bytes([self.tf.lbam, self.tf.lbah])) & !1;
        if l == 0 {
            0xFFFE
        } else {
            l
        }
    }

    /// Send `total` bytes of prepared stream to the host (PIO or DMA).
    fn data_in(&mut self, whole_sectors: bool) {
        if self.tf.feature & ATAPI_FEAT_DMA != 0 {
            return self.start_dma(true);
        }
        let mut block = self.byte_count_limit();
        if whole_sectors && block >= CD_SECTOR_SIZE {
            block = block / CD_SECTOR_SIZE * CD_SECTOR_SIZE;
        }
        self.start_pio_in(block);
    }

    /// Reply with `data` cut to the allocation length `alloc`.
    fn reply(&mut self, data: &[u8], alloc: usize) {
        self.stream_response(data, alloc);
        self.data_in(false);
    }

    /// Run the command packet in `cdb`.
    pub(crate) fn packet(&mut self) {
        let cdb = self.cdb;
        let op = cdb[0];
        let no_ua = matches!(
            op,
            GPCMD_INQUIRY
                | GPCMD_REQUEST_SENSE
                | GPCMD_GET_EVENT_STATUS_NOTIFICATION
                | GPCMD_GET_CONFIGURATION
        );
        if self.unit_attention && !no_ua {
            self.unit_attention = false;
            return self.check_condition(SENSE_UNIT_ATTENTION, ASC_MEDIUM_MAY_HAVE_CHANGED, 0);
        }
        let needs_medium = matches!(
            op,
            GPCMD_TEST_UNIT_READY
                | GPCMD_READ_CAPACITY
                | GPCMD_READ_10
                | GPCMD_READ_12
                | GPCMD_SEEK_10
                | GPCMD_READ_TOC_PMA_ATIP
                | GPCMD_READ_DISC_INFO
                | GPCMD_READ_CD
        );
        if needs_medium && self.media.is_none() {
            return self.check_condition(SENSE_NOT_READY, ASC_MEDIUM_NOT_PRESENT, 0);
        }
        let be16 = |i: usize| usize::from(u16::from_be_bytes([cdb[i], cdb[i + 1]]));
        let be32 = |i: usize| u32::from_be_bytes([cdb[i], cdb[i + 1], cdb[i + 2], cdb[i + 3]]);
        match op {
            GPCMD_TEST_UNIT_READY | GPCMD_SEEK_10 | GPCMD_SET_SPEED => self.complete(),
            GPCMD_REQUEST_SENSE => {
                let mut s = [0u8; 18];
                s[0] = 0x70; // current error, fixed format
                s[2] = self.sense.key;
                s[7] = 10; // additional sense length
                s[12] = self.sense.asc;
                s[13] = self.sense.ascq;
                self.reply(&s, usize::from(cdb[4]));
            }
            GPCMD_INQUIRY => {
                let mut d = [0u8; 36];
                d[0] = 0x05; // CD/DVD device
                d[1] = 0x80; // removable
                d[2] = 0x00;
                d[3] = 0x21; // ATAPI version 2, response data format 1
                d[4] = 31;
                d[8..16].copy_from_slice(b"OX86    ");
                d[16..32].copy_from_slice(b"OX86 CD-ROM     ");
                d[32..36].copy_from_slice(b"1.0 ");
                self.reply(&d, be16(3));
            }
            GPCMD_START_STOP_UNIT => self.start_stop(cdb[4]),
            GPCMD_PREVENT_ALLOW_MEDIUM_REMOVAL => {
                self.locked = cdb[4] & 1 != 0;
                self.complete();
            }
            GPCMD_READ_CAPACITY => {
                let last = self.capacity().saturating_sub(1).min(u64::from(u32::MAX)) as u32;
                let mut d = [0u8; 8];
                d[..4].copy_from_slice(&last.to_be_bytes());
                d[4..].copy_from_slice(&(CD_SECTOR_SIZE as u32).to_be_bytes());
                self.reply(&d, 8);
            }
            GPCMD_READ_10 => self.read(u64::from(be32(2)), be16(7) as u64),
            GPCMD_READ_12 => self.read(u64::from(be32(2)), u64::from(be32(6))),
            GPCMD_READ_CD => {
                // Only the 2048-byte user data of mode 1 sectors (flags
                // byte 10h) or nothing (00h); raw sector parts are not
                // synthesised.
                let count = u64::from(u32::from_be_bytes([0, cdb[6], cdb[7], cdb[8]]));
                let sector_type = (cdb[1] >> 2) & 7;
                match (cdb[9], sector_type) {
                    (0x00, 0 | 2) => self.complete(),
                    (0x10, 0 | 2) => self.read(u64::from(be32(2)), count),
                    _ => self.check_condition(SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB, 0),
                }
            }
            GPCMD_MECHANISM_STATUS => {
                // No changer, mechanism idle, no slot tables.
                self.reply(&[0u8; 8], be16(8));
            }
            GPCMD_READ_TOC_PMA_ATIP => self.read_toc(&cdb),
            GPCMD_MODE_SENSE_10 => self.mode_sense(cdb[2], be16(7)),
            GPCMD_GET_CONFIGURATION => self.get_configuration(cdb[1] & 3, be16(2), be16(7)),
            GPCMD_GET_EVENT_STATUS_NOTIFICATION => self.event_status(&cdb),
            GPCMD_READ_DISC_INFO => {
                let mut d = [0u8; 34];
                d[1] = 32; // data length
                d[2] = 0x0E; // last session complete, disc finalized
                d[3] = 1; // first track
                d[4] = 1; // sessions (LSB)
                d[5] = 1; // first track in last session
                d[6] = 1; // last track in last session
                d[7] = 0x20; // unrestricted use
                d[8] = 0x00; // CD-DA or CD-ROM
                self.reply(&d, be16(7));
            }
            _ => {
                log::debug!("ATAPI: command {op:#04x} not supported");
                self.check_condition(SENSE_ILLEGAL_REQUEST, ASC_INVALID_OPCODE, 0);
            }
        }
    }

    fn read(&mut self, lba: u64, count: u64) {
        if lba + count > self.capacity() {
            return self.check_condition(SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
        }
        if count == 0 {
            return self.complete();
        }
        self.stream_in(count * CD_SECTOR_SIZE as u64, lba, count);
        self.data_in(true);
    }

    fn start_stop(&mut self, flags: u8) {
        let (start, loej) = (flags & 1 != 0, flags & 2 != 0);
        if loej {
            if !start {
                if self.locked {
                    return self.check_condition(
                        SENSE_ILLEGAL_REQUEST,
                        ASC_MEDIUM_REMOVAL_PREVENTED,
                        2,
                    );
                }
                if let Some(m) = self.media.take() {
                    self.tray = Some(m);
                    self.media_event = MEC_MEDIA_REMOVAL;
                }
            } else if let Some(m) = self.tray.take() {
                self.media = Some(m);
                self.unit_attention = true;
                self.media_event = MEC_NEW_MEDIA;
            }
        }
        self.complete();
    }

    /// READ TOC/PMA/ATIP formats 0 (TOC) and 1 (session info) for a
    /// single-track data disc (MMC-3 §5.24).
    fn read_toc(&mut self, cdb: &[u8; 12]) {
        let msf = cdb[1] & 2 != 0;
        let mut format = cdb[2] & 0x0F;
        if format == 0 {
            // SFF-8020i put the format in bits 7:6 of the control byte.
            format = cdb[9] >> 6;
        }
        let start_track = cdb[6];
        let alloc = usize::from(u16::from_be_bytes([cdb[7], cdb[8]]));
        let leadout = self.capacity().min(u64::from(u32::MAX)) as u32;
        let addr = |lba: u32| -> [u8; 4] {
            if msf {
                let f = lba + 150; // 2-second pregap
                [0, (f / 75 / 60) as u8, (f / 75 % 60) as u8, (f % 75) as u8]
            } else {
                lba.to_be_bytes()
            }
        };
        let mut d = Vec::with_capacity(32);
        d.extend_from_slice(&[0, 0, 1, 1]);
        match format {
            0 => {
                if start_track > 1 && start_track != LEADOUT {
                    return self.check_condition(
                        SENSE_ILLEGAL_REQUEST,
                        ASC_INVALID_FIELD_IN_CDB,
                        0,
                    );
                }
                if start_track <= 1 {
                    d.extend_from_slice(&[0, 0x14, 1, 0]); // ADR 1, data track
                    d.extend_from_slice(&addr(0));
                }
                d.extend_from_slice(&[0, 0x14, LEADOUT, 0]);
                d.extend_from_slice(&addr(leadout));
            }
            1 => {
                d.extend_from_slice(&[0, 0x14, 1, 0]);
                d.extend_from_slice(&addr(0));
            }
            2 => {
                // Full TOC: points A0h (first track, disc type CD-ROM),
                // A1h (last track), A2h (lead-out) and track 1, in MSF.
                let msf = |lba: u32| {
                    let f = lba + 150;
                    [(f / 75 / 60) as u8, (f / 75 % 60) as u8, (f % 75) as u8]
                };
                let lo = msf(leadout);
                let t1 = msf(0);
                for (point, p) in [
                    (0xA0, [1, 0x00, 0]),
                    (0xA1, [1, 0, 0]),
                    (0xA2, lo),
                    (0x01, t1),
                ] {
                    d.extend_from_slice(&[1, 0x14, 0, point, 0, 0, 0, 0]);
                    d.extend_from_slice(&p);
                }
            }
            _ => return self.check_condition(SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB, 0),
        }
        let len = (d.len() - 2) as u16;
        d[..2].copy_from_slice(&len.to_be_bytes());
        self.reply(&d, alloc);
    }

    /// MODE SENSE(10): header + read error recovery (01h) and CD
    /// capabilities (2Ah) pages (MMC-3 §6.3).
    fn mode_sense(&mut self, page_control: u8, alloc: usize) {
        let page = page_control & 0x3F;
        let mut d = vec![0u8; 8];
        d[2] = 0x01; // medium type: 120 mm CD-ROM data only
        if matches!(page, 0x01 | 0x3F) {
            d.extend_from_slice(&[0x01, 0x06, 0x00, 0x05, 0, 0, 0, 0]);
        }
        if matches!(page, 0x2A | 0x3F) {
            let mut p = [0u8; 20];
            p[0] = 0x2A;
            p[1] = 18;
            p[2] = 0x00; // reads CD-R/RW: no
            p[4] = 0x71; // multi-session, mode 2 form 1/2, audio play
            p[5] = 0x00;
            p[6] = 0x29 | if self.locked { 0x02 } else { 0 }; // tray, eject, lock
            p[8..10].copy_from_slice(&(706u16 * 4).to_be_bytes()); // max speed (kB/s)
            p[10..12].copy_from_slice(&0x00FFu16.to_be_bytes()); // volume levels
            p[12..14].copy_from_slice(&512u16.to_be_bytes()); // buffer (KiB)
            p[14..16].copy_from_slice(&(706u16 * 4).to_be_bytes()); // current speed
            d.extend_from_slice(&p);
        }
        if d.len() == 8 {
            return self.check_condition(SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB, 0);
        }
        let len = (d.len() - 2) as u16;
        d[..2].copy_from_slice(&len.to_be_bytes());
        self.reply(&d, alloc);
    }

    /// GET CONFIGURATION (MMC-5 §6.6): feature descriptors from `start` on
    /// (RT 0: all, 1: current ones, 2: only `start`).
    fn get_configuration(&mut self, rt: u8, start: usize, alloc: usize) {
        let present = self.media.is_some();
        let cur = u8::from(present);
        let profile = if present { MMC_PROFILE_CD_ROM } else { 0 };
        // (feature code, version/persistent/current byte, data)
        let p = MMC_PROFILE_CD_ROM.to_be_bytes();
        let features: [(u16, u8, Vec<u8>); 6] = [
            (0x0000, 0x03, vec![p[0], p[1], cur, 0]),     // profile list
            (0x0001, 0x0B, vec![0, 0, 0, 2, 0, 0, 0, 0]), // core: ATAPI
            (0x0002, 0x07, vec![0, 0, 0, 0]),             // morphing
            (0x0003, 0x03, vec![0x29, 0, 0, 0]),          // removable: tray, eject, lock
            (0x0010, cur, vec![0x08, 0x00, 0x00, 0x01, 0, 0, 0, 0]), // random readable
            (0x001E, 0x04 | cur, vec![0, 0, 0, 0]),       // CD read
        ];
        let mut d = vec![0u8; 8];
        d[6..8].copy_from_slice(&profile.to_be_bytes());
        for (code, flags, data) in &features {
            let code_u = usize::from(*code);
            let wanted = match rt {
                2 => code_u == start,
                1 => code_u >= start && flags & 1 != 0,
                _ => code_u >= start,
            };
            if wanted {
                d.extend_from_slice(&code.to_be_bytes());
                d.push(*flags);
                d.push(data.len() as u8);
                d.extend_from_slice(data);
            }
        }
        let len = (d.len() - 4) as u32;
        d[..4].copy_from_slice(&len.to_be_bytes());
        self.reply(&d, alloc);
    }

    /// GET EVENT STATUS NOTIFICATION, polled mode only (MMC-5 §6.7).
    fn event_status(&mut self, cdb: &[u8; 12]) {
        if cdb[1] & 1 == 0 {
            return self.check_condition(SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB, 0);
        }
        let alloc = usize::from(u16::from_be_bytes([cdb[7], cdb[8]]));
        let supported = 1 << GESN_MEDIA;
        let d = if cdb[4] & supported != 0 {
            let code = std::mem::take(&mut self.media_event);
            let status = if self.media.is_some() { 0x02 } else { 0x00 };
            vec![0, 6, GESN_MEDIA, supported, code, status, 0, 0]
        } else {
            // No event class requested that we support: NEA.
            vec![0, 2, 0x80, supported]
        };
        self.reply(&d, alloc);
    }
}
