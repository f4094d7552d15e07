//! Execution phase of the data commands (82077AA datasheet §5.1 "Data
//! transfer commands", Table 5-6 "C, H, R, N after command"): READ DATA,
//! READ DELETED DATA, READ TRACK, VERIFY, WRITE DATA, FORMAT TRACK and
//! READ ID, moving data through DMA channel 2 or the FIFO (non-DMA mode).
//!
//! Termination (ST0 IC, ST1/ST2 and the C/H/R/N result bytes):
//! - TC from the DMA controller ends the command normally after the current
//!   sector (a partial written sector is completed with zeros); the result
//!   names the sector after the last one transferred.
//! - Passing EOT without TC (always so in non-DMA mode) ends it with
//!   IC = 01 and EN; the result names the next sector as for TC: R = 1 and
//!   C + 1 (MT = 0) or H complemented (MT = 1, side 0) or both (MT = 1,
//!   side 1).
//! - A sector whose ID does not match (C against the head's cylinder, H
//!   against the side, N against 2, R in 1..=SPT) ends it with ND (and WC
//!   or BC for a wrong cylinder); the result names the sector asked for.
//! - No ID fields at all (wrong data rate, FM mode, a cylinder or side the
//!   medium does not have) give MA. A write-protected image gives NW.

use super::*;

/// Sector or FORMAT ID buffer size (255 IDs of 4 bytes fit).
pub const BUF_SIZE: usize = 1024;

/// The data command in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XferOp {
    Read,
    ReadDeleted,
    ReadTrack,
    Verify,
    Write,
    Format,
    ReadId,
}

/// Execution-phase state of a data command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Xfer {
    pub op: XferOp,
    pub drive: usize,
    /// Physical side (HDS).
    pub hds: u8,
    pub mt: bool,
    pub mfm: bool,
    pub sk: bool,
    /// VERIFY's EC bit: DTL is a sector count.
    pub ec: bool,
    pub c: u8,
    pub h: u8,
    pub r: u8,
    pub n: u8,
    pub eot: u8,
    pub dtl: u8,
    /// FORMAT: sectors per track and fill byte.
    pub sc: u8,
    pub fill: u8,
    /// Bytes of `buf` transferred and expected.
    pub pos: usize,
    pub len: usize,
    /// The drive is not ready (motor off or no drive): waiting.
    pub waiting: bool,
    /// Sectors done (VERIFY with EC).
    pub done: u32,
}

impl Xfer {
    fn new(op: XferOp, drive: usize, hds: u8, first: u8) -> Xfer {
        Xfer {
            op,
            drive,
            hds,
            mt: first & commands::CMD_MT != 0,
            mfm: first & commands::CMD_MFM != 0,
            sk: first & commands::CMD_SK != 0,
            ec: false,
            c: 0,
            h: 0,
            r: 0,
            n: 0,
            eot: 0,
            dtl: 0,
            sc: 0,
            fill: 0,
            pos: 0,
            len: 0,
            waiting: false,
            done: 0,
        }
    }

    /// A 9-byte data command.
    pub fn data(op: XferOp, c: &[u8; 9]) -> Xfer {
        let mut x = Xfer::new(op, usize::from(c[1] & 3), (c[1] >> 2) & 1, c[0]);
        x.ec = op == XferOp::Verify && c[1] & 0x80 != 0;
        x.c = c[2];
        x.h = c[3];
        x.r = c[4];
        x.n = c[5];
        x.eot = c[6];
        x.dtl = c[8];
        if op == XferOp::ReadTrack {
            x.mt = false;
        }
        x
    }

    /// READ ID.
    pub fn read_id(drive: usize, hds: u8, first: u8) -> Xfer {
        Xfer::new(XferOp::ReadId, drive, hds, first)
    }

    /// FORMAT TRACK: N, SC, GPL, D.
    pub fn format(drive: usize, hds: u8, c: &[u8; 9]) -> Xfer {
        let mut x = Xfer::new(XferOp::Format, drive, hds, c[0]);
        x.mt = false;
        x.n = c[2];
        x.sc = c[3];
        x.fill = c[5];
        x
    }

    fn reads_to_host(&self) -> bool {
        matches!(
            self.op,
            XferOp::Read | XferOp::ReadDeleted | XferOp::ReadTrack
        )
    }

    /// C, H, R of the sector after the current one (Table 5-6).
    fn next_chr(&self) -> (u8, u8, u8) {
        if self.r != self.eot {
            (self.c, self.h, self.r.wrapping_add(1))
        } else if !self.mt {
            (self.c.wrapping_add(1), self.h, 1)
        } else if self.hds == 0 {
            (self.c, self.h ^ 1, 1)
        } else {
            (self.c.wrapping_add(1), self.h ^ 1, 1)
        }
    }
}

impl Fdc82077 {
    /// Enter the execution phase of `x`.
    pub(crate) fn begin(&mut self, x: Xfer) {
        self.cmd_len = 0;
        self.phase = Phase::Execution;
        self.xfer = Some(x);
        self.start_transfer();
    }

    pub(crate) fn xfer_wants_data(&self) -> bool {
        self.xfer
            .as_ref()
            .is_some_and(|x| !x.waiting && x.pos < x.len)
    }

    pub(crate) fn xfer_to_host(&self) -> bool {
        self.xfer.as_ref().is_some_and(Xfer::reads_to_host)
    }

    /// Start (or retry, once the motor is on) the execution phase.
    pub(crate) fn start_transfer(&mut self) {
        let Some(mut x) = self.xfer else { return };
        let n = x.drive;
        let motor = self.dor & (DOR_MOTOR_EN0 << n) != 0;
        let Some(geo) = self.drives.get(n).and_then(|d| d.geometry) else {
            // No drive: no index pulses, the command never ends.
            x.waiting = true;
            self.xfer = Some(x);
            return;
        };
        if !motor || self.drives[n].media.is_none() {
            x.waiting = true;
            self.xfer = Some(x);
            return;
        }
        x.waiting = false;
        let read_only = self.drives[n]
            .media
            .as_ref()
            .is_some_and(BlockDevice::is_read_only);
        if self.config.eis && !matches!(x.op, XferOp::ReadId | XferOp::Format) {
            let d = &mut self.drives[n];
            if d.cylinder != x.c {
                d.disk_changed = false;
                d.cylinder = x.c;
            }
        }
        self.xfer = Some(x);
        let cyl = self.drives[n].cylinder;
        if !x.mfm || !self.rate_matches(n) || cyl >= geo.cylinders || x.hds >= geo.heads {
            return self.finish(ST0_IC_ABNORMAL, ST1_MA, 0, (x.c, x.h, x.r));
        }
        if matches!(x.op, XferOp::Write | XferOp::Format) && read_only {
            return self.finish(ST0_IC_ABNORMAL, ST1_NW, 0, (x.c, x.h, x.r));
        }
        match x.op {
            XferOp::ReadId => {
                self.xfer = Some(Xfer { n: 2, ..x });
                self.finish(ST0_IC_NORMAL, 0, 0, (cyl, x.hds, 1))
            }
            XferOp::Format => {
                let len = usize::from(x.sc) * 4;
                self.xfer = Some(Xfer { pos: 0, len, ..x });
                if len == 0 {
                    self.finish(ST0_IC_NORMAL, 0, 0, (cyl, x.hds, 1));
                }
            }
            XferOp::Verify => self.verify(),
            XferOp::ReadDeleted if x.sk => {
                // Every sector has a normal data mark: all skipped.
                self.finish(ST0_IC_ABNORMAL, ST1_EN, 0, x.next_chr())
            }
            XferOp::ReadTrack => {
                self.xfer = Some(Xfer { r: 1, ..x });
                self.load_sector();
            }
            _ => self.load_sector(),
        }
    }

    /// LBA of the current sector, or the ST1/ST2 bits of why it is not
    /// found.
    fn locate(&self) -> Result<u64, (u8, u8)> {
        let x = self.xfer.as_ref().ok_or((ST1_ND, 0))?;
        let d = &self.drives[x.drive];
        let g = d.geometry.ok_or((ST1_MA, 0))?;
        if x.c != d.cylinder {
            let st2 = if x.c == 0xFF { ST2_BC } else { ST2_WC };
            return Err((ST1_ND, st2));
        }
        if x.h != x.hds || x.n != 2 {
            return Err((ST1_ND, 0));
        }
        g.chs_to_lba(d.cylinder, x.hds, x.r)
            .map(u64::from)
            .ok_or((ST1_ND, 0))
    }

    /// Find the current sector; read it into the buffer for the reading
    /// commands, or expect its data for WRITE DATA.
    fn load_sector(&mut self) {
        let Some(x) = self.xfer else { return };
        let lba = match self.locate() {
            Ok(l) => l,
            Err((st1, st2)) => return self.finish(ST0_IC_ABNORMAL, st1, st2, (x.c, x.h, x.r)),
        };
        if x.reads_to_host() {
            let d = &mut self.drives[x.drive];
            let ok = d
                .media
                .as_mut()
                .is_some_and(|m| m.read(lba, &mut self.buf[..SECTOR_SIZE]).is_ok());
            if !ok {
                return self.finish(ST0_IC_ABNORMAL, ST1_DE, ST2_DD, (x.c, x.h, x.r));
            }
        }
        self.xfer = Some(Xfer {
            pos: 0,
            len: SECTOR_SIZE,
            ..x
        });
    }

    /// The current sector is complete (or TC came): store it for WRITE
    /// DATA, then end the command or go on to the next sector.
    fn sector_done(&mut self, tc: bool) {
        let Some(mut x) = self.xfer else { return };
        if x.op == XferOp::Write {
            self.buf[x.pos.min(SECTOR_SIZE)..SECTOR_SIZE].fill(0);
            let lba = self.locate();
            let d = &mut self.drives[x.drive];
            let ok = lba.is_ok_and(|l| {
                d.media
                    .as_mut()
                    .is_some_and(|m| m.write(l, &self.buf[..SECTOR_SIZE]).is_ok())
            });
            if !ok {
                return self.finish(ST0_IC_ABNORMAL, ST1_DE, ST2_DD, (x.c, x.h, x.r));
            }
        }
        if tc {
            return self.finish(ST0_IC_NORMAL, 0, 0, x.next_chr());
        }
        if x.op == XferOp::ReadDeleted {
            // A normal data mark with SK = 0: the sector is read, CM set.
            return self.finish(ST0_IC_NORMAL, 0, ST2_CM, x.next_chr());
        }
        if !self.advance(&mut x) {
            return self.finish(ST0_IC_ABNORMAL, ST1_EN, 0, x.next_chr());
        }
        self.xfer = Some(x);
        self.load_sector();
    }

    /// Step `x` to the next sector; false at the end of the cylinder.
    fn advance(&self, x: &mut Xfer) -> bool {
        let heads = self.drives[x.drive].geometry.map_or(1, |g| g.heads);
        if x.r != x.eot {
            x.r = x.r.wrapping_add(1);
            true
        } else if x.mt && x.hds == 0 && heads == 2 {
            x.hds = 1;
            x.h ^= 1;
            x.r = 1;
            true
        } else {
            false
        }
    }

    /// VERIFY: check each sector's ID up to EOT (EC = 0) or DTL sectors
    /// (EC = 1); no data moves.
    fn verify(&mut self) {
        let Some(mut x) = self.xfer else { return };
        loop {
            self.xfer = Some(x);
            if let Err((st1, st2)) = self.locate() {
                return self.finish(ST0_IC_ABNORMAL, st1, st2, (x.c, x.h, x.r));
            }
            x.done += 1;
            if x.ec && x.done >= u32::from(x.dtl) {
                return self.finish(ST0_IC_NORMAL, 0, 0, x.next_chr());
            }
            let chr = x.next_chr();
            if !self.advance(&mut x) {
                let (ic, st1) = if x.ec {
                    (ST0_IC_ABNORMAL, ST1_EN)
                } else {
                    (ST0_IC_NORMAL, 0)
                };
                return self.finish(ic, st1, 0, chr);
            }
        }
    }

    /// FORMAT TRACK: write each received ID's sector filled with D (IDs
    /// that do not fit the image's layout are ignored: a raw image stores
    /// only the standard format).
    fn format_done(&mut self) {
        let Some(x) = self.xfer else { return };
        let d = &mut self.drives[x.drive];
        let (Some(g), Some(m)) = (d.geometry, d.media.as_mut()) else {
            return;
        };
        let fill = [x.fill; SECTOR_SIZE];
        let mut last = [0u8; 4];
        let mut ok = true;
        for id in self.buf[..x.pos].chunks_exact(4) {
            last.copy_from_slice(id);
            if id[3] != x.n || x.n != 2 {
                continue;
            }
            if let Some(lba) = g.chs_to_lba(d.cylinder, x.hds, id[2]) {
                ok &= m.write(u64::from(lba), &fill).is_ok();
            }
        }
        self.xfer = Some(Xfer { n: last[3], ..x });
        if ok {
            self.finish(ST0_IC_NORMAL, 0, 0, (last[0], last[1], last[2]));
        } else {
            self.finish(ST0_IC_ABNORMAL, ST1_DE, ST2_DD, (last[0], last[1], last[2]));
        }
    }

    /// End the command: result phase with ST0–ST2 and C/H/R/N, interrupt.
    fn finish(&mut self, ic: u8, st1: u8, st2: u8, chr: (u8, u8, u8)) {
        let Some(x) = self.xfer.take() else { return };
        let st0 = ic | x.hds << 2 | x.drive as u8;
        self.set_result(&[st0, st1, st2, chr.0, chr.1, chr.2, x.n], true);
    }

    /// Data the host moved into or out of the buffer: `n` bytes, with TC.
    fn moved(&mut self, n: usize, tc: bool) {
        let Some(x) = self.xfer.as_mut() else { return };
        x.pos += n;
        let complete = x.pos >= x.len;
        if x.op == XferOp::Format {
            if complete || tc {
                self.format_done();
            }
        } else if complete || tc {
            self.sector_done(tc);
        }
    }

    /// One DMA burst; false if nothing moved.
    pub(crate) fn dma_step(&mut self, dma: &mut Dma8237, mem: &mut dyn DmaMemory) -> bool {
        let Some(x) = self.xfer else { return false };
        let t = dma.transfer(FDC_DMA_CHANNEL, &mut self.buf[x.pos..x.len], mem);
        if t.bytes == 0 && !t.tc {
            return false;
        }
        self.moved(t.bytes, t.tc);
        true
    }

    /// Non-DMA read of the next data byte.
    pub(crate) fn pio_read(&mut self) -> u8 {
        let Some(x) = self.xfer else { return 0 };
        let v = self.buf[x.pos];
        self.moved(1, false);
        v
    }

    /// Non-DMA write of the next data byte.
    pub(crate) fn pio_write(&mut self, v: u8) {
        let Some(x) = self.xfer else { return };
        self.buf[x.pos] = v;
        self.moved(1, false);
    }
}
