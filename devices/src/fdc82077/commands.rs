//! The 82077AA command set (datasheet Table 5-1): decoding of the first
//! command byte, command lengths, and the commands without a data
//! execution phase. The data commands start in [`super::transfer`].

use super::transfer::{Xfer, XferOp};
use super::*;

/// Command byte modifiers.
pub const CMD_MT: u8 = 0x80;
pub const CMD_MFM: u8 = 0x40;
pub const CMD_SK: u8 = 0x20;

/// Command codes (bits 4–0 of the first byte, or the whole byte where the
/// datasheet fixes every bit).
pub const CMD_READ_TRACK: u8 = 0x02;
pub const CMD_SPECIFY: u8 = 0x03;
pub const CMD_SENSE_DRIVE_STATUS: u8 = 0x04;
pub const CMD_WRITE_DATA: u8 = 0x05;
pub const CMD_READ_DATA: u8 = 0x06;
pub const CMD_RECALIBRATE: u8 = 0x07;
pub const CMD_SENSE_INTERRUPT_STATUS: u8 = 0x08;
pub const CMD_WRITE_DELETED_DATA: u8 = 0x09;
pub const CMD_READ_ID: u8 = 0x0A;
pub const CMD_READ_DELETED_DATA: u8 = 0x0C;
pub const CMD_FORMAT_TRACK: u8 = 0x0D;
pub const CMD_DUMPREG: u8 = 0x0E;
pub const CMD_SEEK: u8 = 0x0F;
pub const CMD_VERSION: u8 = 0x10;
pub const CMD_PERPENDICULAR_MODE: u8 = 0x12;
pub const CMD_CONFIGURE: u8 = 0x13;
pub const CMD_LOCK: u8 = 0x14;
pub const CMD_VERIFY: u8 = 0x16;
/// RELATIVE SEEK: 1 DIR 0 0 1 1 1 1 (DIR = bit 6: step in).
pub const CMD_RELATIVE_SEEK: u8 = 0x8F;
pub const RELATIVE_SEEK_DIR: u8 = 0x40;
/// LOCK's bit 7.
pub const LOCK_BIT: u8 = 0x80;

/// VERSION's result: an 82077AA (enhanced controller).
pub const VERSION_82077AA: u8 = 0x90;

/// What a first command byte is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    ReadData,
    ReadDeletedData,
    WriteData,
    WriteDeletedData,
    ReadTrack,
    Verify,
    FormatTrack,
    ReadId,
    Recalibrate,
    SenseInterruptStatus,
    Specify,
    SenseDriveStatus,
    Seek,
    RelativeSeek,
    Configure,
    Dumpreg,
    Version,
    PerpendicularMode,
    Lock,
    Invalid,
}

impl Command {
    /// Decode a first command byte. Bits the datasheet shows as MT, MFM or
    /// SK are free for the commands that have them; every other bit must
    /// match.
    pub fn decode(b: u8) -> Command {
        use Command::*;
        let low = b & 0x1F;
        let mt_mfm_sk = b & 0xE0;
        let mt_mfm = b & 0xC0 == b & 0xE0;
        let mfm_only = b & 0xA0 == 0;
        match low {
            CMD_READ_DATA => ReadData,
            CMD_READ_DELETED_DATA => ReadDeletedData,
            CMD_VERIFY => Verify,
            CMD_WRITE_DATA if mt_mfm => WriteData,
            CMD_WRITE_DELETED_DATA if mt_mfm => WriteDeletedData,
            CMD_READ_TRACK if mfm_only => ReadTrack,
            CMD_FORMAT_TRACK if mfm_only => FormatTrack,
            CMD_READ_ID if mfm_only => ReadId,
            CMD_LOCK if b & 0x60 == 0 => Lock,
            CMD_SEEK if b == CMD_SEEK => Seek,
            CMD_SEEK if b & !RELATIVE_SEEK_DIR == CMD_RELATIVE_SEEK => RelativeSeek,
            _ if mt_mfm_sk != 0 => Invalid,
            CMD_RECALIBRATE => Recalibrate,
            CMD_SENSE_INTERRUPT_STATUS => SenseInterruptStatus,
            CMD_SPECIFY => Specify,
            CMD_SENSE_DRIVE_STATUS => SenseDriveStatus,
            CMD_CONFIGURE => Configure,
            CMD_DUMPREG => Dumpreg,
            CMD_VERSION => Version,
            CMD_PERPENDICULAR_MODE => PerpendicularMode,
            _ => Invalid,
        }
    }

    /// Bytes in the command phase, the first included.
    pub fn length(self) -> usize {
        use Command::*;
        match self {
            ReadData | ReadDeletedData | WriteData | WriteDeletedData | ReadTrack | Verify => 9,
            FormatTrack => 6,
            Configure => 4,
            Specify | Seek | RelativeSeek => 3,
            ReadId | Recalibrate | SenseDriveStatus | PerpendicularMode => 2,
            SenseInterruptStatus | Dumpreg | Version | Lock | Invalid => 1,
        }
    }
}

/// Bytes in the command phase of a command starting with `first`.
pub fn command_length(first: u8) -> usize {
    Command::decode(first).length()
}

impl Fdc82077 {
    /// The command phase is complete: run it.
    pub(crate) fn execute(&mut self) {
        let c = self.cmd;
        let drive = usize::from(c[1] & 3);
        let hds = (c[1] >> 2) & 1;
        match Command::decode(c[0]) {
            Command::Invalid => self.set_result(&[ST0_IC_INVALID], false),
            Command::Version => self.set_result(&[VERSION_82077AA], false),
            Command::Specify => {
                self.config.srt_hut = c[1];
                self.config.hlt_nd = c[2];
                self.command_done();
            }
            Command::SenseDriveStatus => {
                let st3 = self.st3(drive, hds);
                self.set_result(&[st3], false);
            }
            Command::Recalibrate => {
                self.command_done();
                self.recalibrate(drive);
            }
            Command::Seek => {
                self.command_done();
                self.seek(drive, hds, c[2]);
            }
            Command::RelativeSeek => {
                self.command_done();
                let pcn = self.pcn(drive);
                let ncn = if c[0] & RELATIVE_SEEK_DIR != 0 {
                    pcn.saturating_add(c[2])
                } else {
                    pcn.saturating_sub(c[2])
                };
                self.seek(drive, hds, ncn);
            }
            Command::SenseInterruptStatus => self.sense_interrupt_status(),
            Command::Configure => {
                self.config.eis = c[2] & 0x40 != 0;
                self.config.efifo = c[2] & 0x20 != 0;
                self.config.poll_disabled = c[2] & 0x10 != 0;
                self.config.fifothr = c[2] & 0x0F;
                self.config.pretrk = c[3];
                self.command_done();
            }
            Command::Lock => {
                self.config.lock = c[0] & LOCK_BIT != 0;
                self.set_result(&[u8::from(self.config.lock) << 4], false);
            }
            Command::PerpendicularMode => {
                let keep = if c[1] & 0x80 != 0 { 0 } else { 0x3C };
                self.config.perpendicular =
                    (self.config.perpendicular & keep) | (c[1] & (0x03 | (!keep & 0x3C)));
                self.command_done();
            }
            Command::Dumpreg => {
                let cfg = self.config;
                let r = [
                    self.pcn(0),
                    self.pcn(1),
                    0,
                    0,
                    cfg.srt_hut,
                    cfg.hlt_nd,
                    self.last_eot,
                    u8::from(cfg.lock) << 7 | cfg.perpendicular & 0x3F,
                    u8::from(cfg.eis) << 6
                        | u8::from(cfg.efifo) << 5
                        | u8::from(cfg.poll_disabled) << 4
                        | cfg.fifothr,
                    cfg.pretrk,
                ];
                self.set_result(&r, false);
            }
            Command::ReadId => self.begin(Xfer::read_id(drive, hds, c[0])),
            Command::FormatTrack => {
                self.last_eot = c[3];
                self.begin(Xfer::format(drive, hds, &c))
            }
            cmd => {
                self.last_eot = c[6];
                let op = match cmd {
                    Command::ReadData => XferOp::Read,
                    Command::ReadDeletedData => XferOp::ReadDeleted,
                    Command::WriteData | Command::WriteDeletedData => XferOp::Write,
                    Command::ReadTrack => XferOp::ReadTrack,
                    _ => XferOp::Verify,
                };
                self.begin(Xfer::data(op, &c))
            }
        }
    }

    /// Present cylinder number of drive `n` (0 for drives that do not
    /// exist).
    pub fn pcn(&self, n: usize) -> u8 {
        self.drives.get(n).map_or(0, |d| d.cylinder)
    }

    fn drive_exists(&self, n: usize) -> bool {
        self.drives.get(n).is_some_and(|d| d.media.is_some())
    }

    /// ST3 for SENSE DRIVE STATUS.
    fn st3(&self, n: usize, hds: u8) -> u8 {
        let mut st3 = ST3_ONE_5 | ST3_ONE_3 | hds << 2 | n as u8;
        if let Some(d) = self.drives.get(n).filter(|d| d.media.is_some()) {
            if d.cylinder == 0 {
                st3 |= ST3_T0;
            }
            if d.media.as_ref().is_some_and(BlockDevice::is_read_only) {
                st3 |= ST3_WP;
            }
        }
        st3
    }

    /// Step drive `n` to cylinder `ncn`: a step pulse with a disk in
    /// resets the disk-change line. The seek ends at once (SE) with an
    /// interrupt.
    fn seek(&mut self, n: usize, _hds: u8, ncn: u8) {
        if let Some(d) = self.drives.get_mut(n) {
            if d.cylinder != ncn && d.media.is_some() {
                d.disk_changed = false;
            }
            d.cylinder = ncn;
            // The H bit of ST0 after a seek reads 0 (datasheet §5.2.3).
            d.seek_status = Some(ST0_SE | n as u8);
        }
        // Drives 2 and 3 are not on the cable: the step pulses go nowhere
        // and the controller's count still ends the seek.
        self.interrupt = true;
        self.extra_seek_status(n, ST0_SE);
    }

    /// RECALIBRATE: step out until TRK0, at most 79 pulses; without TRK0
    /// (no drive, or a head beyond cylinder 79) the command ends with
    /// IC = 01 and EC.
    fn recalibrate(&mut self, n: usize) {
        let exists = self.drive_exists(n);
        if let Some(d) = self.drives.get_mut(n) {
            let found = exists && d.cylinder <= 79;
            if exists {
                if d.cylinder != 0 {
                    d.disk_changed = false;
                }
                d.cylinder = d.cylinder.saturating_sub(79);
            }
            let st0 = if found {
                ST0_SE | n as u8
            } else {
                ST0_IC_ABNORMAL | ST0_SE | ST0_EC | n as u8
            };
            d.seek_status = Some(st0);
        }
        self.interrupt = true;
        self.extra_seek_status(n, ST0_IC_ABNORMAL | ST0_SE | ST0_EC);
    }

    /// Seek statuses of drives 2 and 3 (not on the cable).
    fn extra_seek_status(&mut self, n: usize, st0: u8) {
        if n >= DRIVES {
            self.phantom_seek = Some(st0 | n as u8);
        }
    }

    /// SENSE INTERRUPT STATUS: the polling statuses after a reset (one per
    /// drive), else the first drive with a finished seek; else invalid.
    fn sense_interrupt_status(&mut self) {
        self.interrupt = false;
        if self.reset_sense > 0 {
            let n = 4 - self.reset_sense;
            self.reset_sense -= 1;
            let pcn = self.pcn(usize::from(n));
            self.set_result(&[ST0_IC_POLLING | n, pcn], false);
            return;
        }
        let found = self
            .drives
            .iter_mut()
            .enumerate()
            .find_map(|(i, d)| d.seek_status.take().map(|s| (i, s)));
        if let Some((i, st0)) = found {
            let pcn = self.pcn(i);
            self.set_result(&[st0, pcn], false);
        } else if let Some(st0) = self.phantom_seek.take() {
            self.set_result(&[st0, 0], false);
        } else {
            self.set_result(&[ST0_IC_INVALID], false);
        }
        // Other drives' finished seeks keep the line asserted.
        self.interrupt = self.drives.iter().any(|d| d.seek_status.is_some());
    }
}
