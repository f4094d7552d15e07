//! One IDE device slot: its copy of the task-file registers, its status
//! and the data-transfer engine shared by the ATA and ATAPI command sets.
//!
//! Both devices on a channel latch every write to the command block
//! registers (ATA8-ATA/ATAPI Transport, "Device 0/Device 1 register
//! behaviour"); only the selected one answers reads and runs commands.
//! A slot without a device keeps the latched values so that a host probing
//! an absent device 1 reads what device 0 answers in its place, except the
//! Status register, which reads 00h.
//!
//! The transfer engine moves a command's data as a byte stream:
//! - data in (device → host): bytes come from `buf`, refilled from the
//!   medium (`src_lba`/`src_left` sectors still to read) or preloaded with a
//!   command's response (IDENTIFY, INQUIRY...). PIO hands them out in DRQ
//!   data blocks of `block` bytes (ATA: sectors per block; ATAPI: the
//!   byte-count limit), bus-master DMA in PRD-sized pieces.
//! - data out (host → device): bytes collect in `buf` and whole sectors are
//!   written to the medium at `dst_lba`.

use crate::block::{BlockDevice, BlockError};

/// Status register bits (ATA8-ACS §6.2 / ATA8-APT "Status register").
pub const ATA_SR_BSY: u8 = 0x80;
pub const ATA_SR_DRDY: u8 = 0x40;
pub const ATA_SR_DF: u8 = 0x20;
/// Device seek complete (ATA-3; "service" on ATAPI devices).
pub const ATA_SR_DSC: u8 = 0x10;
pub const ATA_SR_DRQ: u8 = 0x08;
pub const ATA_SR_ERR: u8 = 0x01;

/// Error register bits (ATA8-ACS §6.3).
pub const ATA_ER_UNC: u8 = 0x40;
pub const ATA_ER_IDNF: u8 = 0x10;
pub const ATA_ER_ABRT: u8 = 0x04;

/// Device register bits: LBA addressing, device select (DEV).
pub const ATA_DEV_LBA: u8 = 0x40;
pub const ATA_DEV_DEV: u8 = 0x10;

/// ATAPI Interrupt Reason (Sector Count register) bits (SFF-8020i §5.14):
/// CoD = command packet, IO = transfer to the host.
pub const ATAPI_IR_COD: u8 = 0x01;
pub const ATAPI_IR_IO: u8 = 0x02;

/// Bytes the transfer buffer holds: enough for the largest ATAPI DRQ block
/// (byte count 0FFFEh) plus a partly consumed CD sector.
pub const BUF_CAP: usize = 128 * 1024;

/// What sits in a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriveKind {
    /// Nothing attached.
    None,
    /// ATA hard disk.
    Ata,
    /// ATAPI CD-ROM.
    Atapi,
}

/// The command block registers with their "previous content" (HOB) half
/// for 48-bit commands (ATA8-ACS §4.3 and ATA8-APT "HOB").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TaskFile {
    pub feature: u8,
    pub nsect: u8,
    pub lbal: u8,
    pub lbam: u8,
    pub lbah: u8,
    pub hob_feature: u8,
    pub hob_nsect: u8,
    pub hob_lbal: u8,
    pub hob_lbam: u8,
    pub hob_lbah: u8,
    pub device: u8,
}

/// Where a command's data is moving.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// No data transfer.
    Idle,
    /// Host reads the data port.
    PioIn,
    /// Host writes the data port.
    PioOut,
    /// Host writes the 12-byte ATAPI command packet.
    Packet,
    /// Bus master moves data to memory.
    DmaIn,
    /// Bus master moves data from memory.
    DmaOut,
}

/// Cylinders, heads, sectors per track.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chs {
    pub cylinders: u32,
    pub heads: u32,
    pub sectors: u32,
}

impl Chs {
    /// The default translation ATA disks report in IDENTIFY words 1/3/6:
    /// 16 heads × 63 sectors (at most 16383 cylinders); small images get
    /// fewer heads/sectors so that C×H×S does not exceed the medium.
    pub fn for_sectors(total: u64) -> Chs {
        if total >= 16 * 63 {
            Chs {
                cylinders: (total / (16 * 63)).min(16383) as u32,
                heads: 16,
                sectors: 63,
            }
        } else {
            let sectors = total.clamp(1, 63) as u32;
            Chs {
                cylinders: (total / u64::from(sectors)).max(1) as u32,
                heads: 1,
                sectors,
            }
        }
    }

    /// C × H × S.
    pub fn capacity(&self) -> u64 {
        u64::from(self.cylinders) * u64::from(self.heads) * u64::from(self.sectors)
    }
}

/// SCSI sense data (SPC-3 §4.5) kept by an ATAPI device.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sense {
    pub key: u8,
    pub asc: u8,
    pub ascq: u8,
}

/// One device slot.
#[derive(Debug)]
pub struct Drive {
    pub kind: DriveKind,
    /// The medium (a CD-ROM slot may be empty).
    pub media: Option<BlockDevice>,
    /// An ejected CD image, reloaded by START STOP UNIT (LoEj, Start).
    pub(crate) tray: Option<BlockDevice>,
    pub tf: TaskFile,
    pub status: u8,
    pub error: u8,
    /// INTRQ pending (cleared by a Status register read).
    pub intrq: bool,
    /// INTRQ was asserted since the channel last looked (sets the bus
    /// master's interrupt bit).
    pub(crate) raised: bool,
    /// Physical geometry reported in IDENTIFY.
    pub(crate) geom: Chs,
    /// Current CHS translation (INITIALIZE DEVICE PARAMETERS).
    pub(crate) cur: Chs,
    /// Sectors per DRQ block for READ/WRITE MULTIPLE (0: disabled).
    pub(crate) mult: u8,
    /// Transfer mode set by SET FEATURES 03h (Count field value).
    pub(crate) xfer_mode: u8,
    pub(crate) write_cache: bool,
    /// Position on the controller (channel × 2 + unit), for the serial
    /// number in IDENTIFY.
    pub(crate) slot: u8,
    // --- transfer engine ---
    pub phase: Phase,
    pub(crate) cmd: u8,
    pub(crate) buf: Vec<u8>,
    pub(crate) pos: usize,
    pub(crate) len: usize,
    /// Bytes of the whole command still to move.
    pub(crate) total_left: u64,
    /// Bytes left in the current PIO DRQ data block.
    pub(crate) drq_left: usize,
    /// Bytes per PIO DRQ data block.
    pub(crate) block: usize,
    pub(crate) src_lba: u64,
    pub(crate) src_left: u64,
    pub(crate) dst_lba: u64,
    // --- ATAPI ---
    /// The command packet being received (`pos` counts its bytes).
    pub(crate) cdb: [u8; 12],
    pub(crate) sense: Sense,
    /// Report UNIT ATTENTION (medium may have changed) on the next command.
    pub(crate) unit_attention: bool,
    /// PREVENT ALLOW MEDIUM REMOVAL state.
    pub(crate) locked: bool,
    /// Pending GET EVENT STATUS NOTIFICATION media event code.
    pub(crate) media_event: u8,
}

impl Drive {
    /// An empty slot.
    pub fn empty() -> Drive {
        Drive::new(DriveKind::None, None)
    }

    /// A device of `kind` with `media` (power-on state).
    pub fn new(kind: DriveKind, media: Option<BlockDevice>) -> Drive {
        let sectors = media.as_ref().map_or(0, BlockDevice::sector_count);
        // A CD-ROM powering up with a disc reports it as newly loaded.
        let new_disc = kind == DriveKind::Atapi && media.is_some();
        let geom = Chs::for_sectors(sectors);
        let mut d = Drive {
            kind,
            media,
            tray: None,
            tf: TaskFile::default(),
            status: 0,
            error: 0,
            intrq: false,
            raised: false,
            geom,
            cur: geom,
            mult: 0,
            xfer_mode: 0,
            write_cache: true,
            slot: 0,
            phase: Phase::Idle,
            cmd: 0,
            buf: if kind == DriveKind::None {
                Vec::new()
            } else {
                vec![0; BUF_CAP]
            },
            pos: 0,
            len: 0,
            total_left: 0,
            drq_left: 0,
            block: 0,
            src_lba: 0,
            src_left: 0,
            dst_lba: 0,
            cdb: [0; 12],
            sense: Sense::default(),
            unit_attention: new_disc,
            locked: false,
            media_event: if new_disc { 2 } else { 0 },
        };
        d.reset_signature();
        d
    }

    pub fn present(&self) -> bool {
        self.kind != DriveKind::None
    }

    /// After power-on, hardware/software reset or EXECUTE DEVICE
    /// DIAGNOSTIC: the signature in the task file (ATA8-ACS §9.12 / 9.14:
    /// ATA 01h/01h/00h/00h, PACKET 01h/01h/14h/EBh), Error = 01h (passed).
    pub fn reset_signature(&mut self) {
        self.abort_transfer();
        self.set_signature();
        self.tf.device = 0;
        self.error = 0x01;
        self.status = match self.kind {
            DriveKind::Ata => ATA_SR_DRDY | ATA_SR_DSC,
            _ => 0,
        };
    }

    /// The device-type signature in Sector Count/LBA Low/Mid/High.
    pub(crate) fn set_signature(&mut self) {
        self.tf.nsect = 1;
        self.tf.lbal = 1;
        (self.tf.lbam, self.tf.lbah) = match self.kind {
            DriveKind::Atapi => (0x14, 0xEB),
            _ => (0, 0),
        };
    }

    /// Drop any data transfer in progress.
    pub fn abort_transfer(&mut self) {
        self.phase = Phase::Idle;
        self.pos = 0;
        self.len = 0;
        self.total_left = 0;
        self.drq_left = 0;
        self.src_left = 0;
    }

    pub(crate) fn raise_irq(&mut self) {
        self.intrq = true;
        self.raised = true;
    }

    /// Bytes per sector of the medium (512 without one).
    pub(crate) fn sector_size(&self) -> usize {
        self.media.as_ref().map_or(512, BlockDevice::sector_size)
    }

    /// Make at least `need` bytes (or all that is left) available in `buf`
    /// from the medium.
    pub(crate) fn fill(&mut self, need: usize) -> Result<(), BlockError> {
        if self.len - self.pos >= need || self.src_left == 0 {
            return Ok(());
        }
        self.buf.copy_within(self.pos..self.len, 0);
        self.len -= self.pos;
        self.pos = 0;
        let ss = self.sector_size();
        while self.len < need && self.src_left > 0 {
            let room = (BUF_CAP - self.len) / ss;
            let n = (self.src_left.min(room as u64)) as usize;
            if n == 0 {
                break;
            }
            let Some(media) = self.media.as_mut() else {
                return Err(BlockError::Io {
                    path: Default::default(),
                    cause: std::io::Error::other("medium removed"),
                });
            };
            media.read(self.src_lba, &mut self.buf[self.len..self.len + n * ss])?;
            self.len += n * ss;
            self.src_lba += n as u64;
            self.src_left -= n as u64;
        }
        Ok(())
    }

    /// Take up to `out.len()` data-in bytes from the stream; returns the
    /// count (short at the end of the data, or on a medium error: `Err`).
    pub(crate) fn take(&mut self, out: &mut [u8]) -> Result<usize, BlockError> {
        let want = (out.len() as u64).min(self.total_left) as usize;
        self.fill(want)?;
        let n = want.min(self.len - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        self.total_left -= n as u64;
        Ok(n)
    }

    /// Add data-out bytes to the stream; writes whole sectors to the medium
    /// when the buffer is full or the command's data is complete.
    pub(crate) fn put(&mut self, data: &[u8]) -> Result<(), BlockError> {
        let mut data = &data[..(data.len() as u64).min(self.total_left) as usize];
        while !data.is_empty() {
            let n = data.len().min(BUF_CAP - self.len);
            self.buf[self.len..self.len + n].copy_from_slice(&data[..n]);
            self.len += n;
            self.total_left -= n as u64;
            data = &data[n..];
            if self.len == BUF_CAP || self.total_left == 0 {
                self.write_out()?;
            }
        }
        Ok(())
    }

    /// Write the whole sectors collected in `buf` to the medium.
    pub(crate) fn write_out(&mut self) -> Result<(), BlockError> {
        let ss = self.sector_size();
        let whole = self.len / ss * ss;
        if whole > 0 {
            if let Some(media) = self.media.as_mut() {
                media.write(self.dst_lba, &self.buf[..whole])?;
            }
            self.dst_lba += (whole / ss) as u64;
            self.buf.copy_within(whole..self.len, 0);
            self.len -= whole;
        }
        Ok(())
    }

    /// Set up a data-in stream of `total` bytes: `preload` bytes already
    /// in `buf`, then `src_sectors` sectors from `src_lba`.
    pub(crate) fn stream_in(&mut self, total: u64, src_lba: u64, src_sectors: u64) {
        self.pos = 0;
        self.len = 0;
        self.total_left = total;
        self.src_lba = src_lba;
        self.src_left = src_sectors;
    }

    /// Set up a data-in stream from a command's response bytes (truncated
    /// to `limit`).
    pub(crate) fn stream_response(&mut self, data: &[u8], limit: usize) {
        let n = data.len().min(limit).min(BUF_CAP);
        self.buf[..n].copy_from_slice(&data[..n]);
        self.pos = 0;
        self.len = n;
        self.total_left = n as u64;
        self.src_left = 0;
    }

    /// Set up a data-out stream of `total` bytes to sectors from `dst_lba`.
    pub(crate) fn stream_out(&mut self, total: u64, dst_lba: u64) {
        self.pos = 0;
        self.len = 0;
        self.total_left = total;
        self.dst_lba = dst_lba;
    }
}
