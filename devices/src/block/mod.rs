//! Disk image backends shared by the IDE model, the floppy controller and the
//! built-in BIOS's INT 13h services.
//!
//! A [`BlockDevice`] is one opened image file seen as an array of fixed-size
//! sectors: 512 bytes for hard disks and floppies, 2048 bytes for CD-ROMs
//! (ISO 9660 "logical sector", ECMA-119 §6.1.2). Sector addressing is by LBA.
//!
//! Write policy:
//! - Raw images are written in place with positioned writes, so every guest
//!   write is in the host page cache as soon as the guest's command completes;
//!   [`BlockDevice::flush`] (guest FLUSH CACHE) and drop make it durable
//!   (`fsync`). Raw images have no header, so a killed process cannot leave a
//!   torn header — at worst the sectors of the command in flight.
//! - With [`OpenOptions::snapshot`] the file is opened read-only and every
//!   write lands in an in-memory overlay (sector → data); the image is never
//!   modified and the overlay is dropped with the device.
//! - Read-only media (CD-ROMs, `read_only`, or a file the host does not let
//!   us write) reject writes with [`BlockError::ReadOnly`].
//!
//! qcow2 images (detected by their magic, [`format`]) are read and written
//! through the `imago` crate, built synchronously (`features = ["sync"]`: no
//! async runtime, no C code). Guest writes go to imago as they come;
//! [`BlockDevice::flush`] (and drop) writes back imago's cached metadata and
//! syncs. Crash consistency of the qcow2 metadata (refcounts, L1/L2 tables)
//! is imago's; ox86 never rewrites the header itself. A backing file named
//! in the header is opened by imago. `--snapshot` works as for raw images
//! (the qcow2 file is opened read-only under the overlay).
//!
//! Errors name the file, so a bad image gives a one-line message before the
//! guest starts (see [`BlockError`]).

mod backend;
pub mod floppy;
pub mod format;

use backend::Backend;
use std::collections::HashMap;
use std::fs::{File, OpenOptions as FsOpenOptions};
use std::io::{self, ErrorKind};
use std::path::{Path, PathBuf};

pub use floppy::{FloppyGeometry, FloppyType};
pub use format::ImageFormat;

/// Sector size of hard disks and floppies (ATA8-ACS logical sector).
pub const DISK_SECTOR_SIZE: usize = 512;
/// Sector size of CD-ROM data (mode 1 user data, ECMA-119/ISO 9660).
pub const CD_SECTOR_SIZE: usize = 2048;

/// What kind of drive an image is attached to; decides the sector size and
/// the sanity checks done at open time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKind {
    /// ATA hard disk: 512-byte sectors, the file must be whole sectors.
    Disk,
    /// ATAPI CD-ROM: 2048-byte sectors, always read-only.
    Cdrom,
    /// Floppy disk: 512-byte sectors, the size must be a known format
    /// ([`FloppyGeometry::from_size`]).
    Floppy,
}

impl MediaKind {
    /// Bytes per sector of this kind of media.
    pub fn sector_size(self) -> usize {
        match self {
            MediaKind::Disk | MediaKind::Floppy => DISK_SECTOR_SIZE,
            MediaKind::Cdrom => CD_SECTOR_SIZE,
        }
    }

    /// Guess from a file name: `.iso` files are CD-ROMs, everything else a
    /// hard disk (floppies are only attached explicitly).
    pub fn guess_from_path(path: &Path) -> MediaKind {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("iso") => MediaKind::Cdrom,
            _ => MediaKind::Disk,
        }
    }
}

/// How to open an image.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// The user asked for read-only media: guest writes fail.
    pub read_only: bool,
    /// Keep all writes in memory; the file is never modified.
    pub snapshot: bool,
}

/// Errors from opening or accessing an image. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum BlockError {
    #[error("{path}: cannot open disk image: {cause}")]
    Open { path: PathBuf, cause: io::Error },
    #[error("{path}: I/O error: {cause}")]
    Io { path: PathBuf, cause: io::Error },
    #[error("{path}: image is empty")]
    Empty { path: PathBuf },
    #[error("{path}: image is truncated: {detail}")]
    Truncated { path: PathBuf, detail: String },
    #[error("{path}: {size} bytes is not a floppy size (160K, 180K, 320K, 360K, 720K, 1.2M, 1.44M, 1.68M, 1.72M or 2.88M)")]
    FloppySize { path: PathBuf, size: u64 },
    #[error("{path}: {format} images are not supported ({reason}); convert with `qemu-img convert -O raw`")]
    UnsupportedFormat {
        path: PathBuf,
        format: &'static str,
        reason: &'static str,
    },
    #[error("{path}: medium is read-only")]
    ReadOnly { path: PathBuf },
    #[error("{path}: sectors {lba}..{end} are beyond the end of the medium ({sectors} sectors)")]
    OutOfRange {
        path: PathBuf,
        lba: u64,
        end: u64,
        sectors: u64,
    },
    #[error("{path}: buffer of {len} bytes is not a whole number of {sector_size}-byte sectors")]
    BadLength {
        path: PathBuf,
        len: usize,
        sector_size: usize,
    },
}

/// One opened disk image.
#[derive(Debug)]
pub struct BlockDevice {
    path: PathBuf,
    backend: Backend,
    kind: MediaKind,
    sector_size: usize,
    sectors: u64,
    /// Bytes of the file (a CD image's last sector may be partial: reads past
    /// the end of the file return zeros).
    file_len: u64,
    read_only: bool,
    /// `--snapshot`: sector index → contents written by the guest.
    overlay: Option<HashMap<u64, Box<[u8]>>>,
    /// Writes reached the file since the last fsync.
    dirty: bool,
}

impl BlockDevice {
    /// Open `path` as `kind`. The file is opened read-only when `opts` asks,
    /// for snapshots, for CD-ROMs, or when the host refuses write access.
    pub fn open(path: &Path, kind: MediaKind, opts: OpenOptions) -> Result<Self, BlockError> {
        let open_err = |cause| BlockError::Open {
            path: path.to_path_buf(),
            cause,
        };
        let want_write = !opts.read_only && !opts.snapshot && kind != MediaKind::Cdrom;
        let (file, writable) = if want_write {
            match FsOpenOptions::new().read(true).write(true).open(path) {
                Ok(f) => (f, true),
                Err(e)
                    if e.kind() == ErrorKind::PermissionDenied
                        || e.raw_os_error() == Some(30 /* EROFS */) =>
                {
                    (File::open(path).map_err(open_err)?, false)
                }
                Err(e) => return Err(open_err(e)),
            }
        } else {
            (File::open(path).map_err(open_err)?, false)
        };
        let meta = file.metadata().map_err(open_err)?;
        if meta.is_dir() {
            return Err(open_err(io::Error::new(
                ErrorKind::InvalidInput,
                "is a directory",
            )));
        }
        let mut head = [0u8; 512];
        let mut backend = Backend::Raw(file);
        let n = backend.read_at(&mut head, 0).map_err(open_err)?;
        match ImageFormat::detect(&head[..n]) {
            Some(ImageFormat::Qcow) => {
                backend = Backend::open_qcow2(path, writable).map_err(open_err)?;
            }
            Some(fmt) => {
                return Err(BlockError::UnsupportedFormat {
                    path: path.to_path_buf(),
                    format: fmt.name(),
                    reason: fmt.unsupported_reason(),
                });
            }
            None => {}
        }
        let file_len = backend.len().map_err(open_err)?;
        if file_len == 0 {
            return Err(BlockError::Empty {
                path: path.to_path_buf(),
            });
        }
        let sector_size = kind.sector_size();
        let sectors = match kind {
            MediaKind::Disk => {
                if !file_len.is_multiple_of(sector_size as u64) {
                    return Err(BlockError::Truncated {
                        path: path.to_path_buf(),
                        detail: format!(
                            "{file_len} bytes is not a whole number of {sector_size}-byte sectors"
                        ),
                    });
                }
                file_len / sector_size as u64
            }
            MediaKind::Floppy => {
                if FloppyGeometry::from_size(file_len).is_none() {
                    return Err(BlockError::FloppySize {
                        path: path.to_path_buf(),
                        size: file_len,
                    });
                }
                file_len / sector_size as u64
            }
            MediaKind::Cdrom => file_len.div_ceil(sector_size as u64),
        };
        let dev = BlockDevice {
            path: path.to_path_buf(),
            backend,
            kind,
            sector_size,
            sectors,
            file_len,
            read_only: !writable && !opts.snapshot || opts.read_only || kind == MediaKind::Cdrom,
            overlay: opts.snapshot.then(HashMap::new),
            dirty: false,
        };
        dev.check_consistency()?;
        Ok(dev)
    }

    /// Open with the kind guessed from the file name ([`MediaKind::guess_from_path`]).
    pub fn open_auto(path: &Path, opts: OpenOptions) -> Result<Self, BlockError> {
        Self::open(path, MediaKind::guess_from_path(path), opts)
    }

    /// Structural checks that catch truncated images: an ISO 9660 volume
    /// larger than the file, or MBR partitions that end past the end of a disk.
    fn check_consistency(&self) -> Result<(), BlockError> {
        let truncated = |detail: String| BlockError::Truncated {
            path: self.path.clone(),
            detail,
        };
        match self.kind {
            MediaKind::Cdrom => {
                // Primary volume descriptor at logical sector 16 (ECMA-119 §8.4):
                // type 1, "CD001", volume space size (both-endian u32) at byte 80.
                let mut pvd = [0u8; 88];
                let n = self
                    .backend
                    .read_at(&mut pvd, 16 * CD_SECTOR_SIZE as u64)
                    .map_err(|e| self.io_err(e))?;
                if n == pvd.len() && pvd[0] == 1 && &pvd[1..6] == b"CD001" {
                    let blocks = u32::from_le_bytes([pvd[80], pvd[81], pvd[82], pvd[83]]) as u64;
                    if blocks > self.sectors {
                        return Err(truncated(format!(
                            "the ISO 9660 volume has {blocks} sectors but the file only {}",
                            self.sectors
                        )));
                    }
                }
            }
            MediaKind::Disk => {
                // Classic MBR: four 16-byte entries at 446, signature 55AA at 510.
                let mut mbr = [0u8; 512];
                let n = self
                    .backend
                    .read_at(&mut mbr, 0)
                    .map_err(|s| self.io_err(s))?;
                // A FAT/NTFS volume boot record (superfloppy) has boot code
                // where an MBR has its table; only a table whose four boot
                // flags are all 00h/80h is trusted.
                let is_vbr = &mbr[0x36..0x39] == b"FAT"
                    || &mbr[0x52..0x55] == b"FAT"
                    || &mbr[3..7] == b"NTFS";
                let flags_ok = (0..4).all(|i| matches!(mbr[446 + 16 * i], 0x00 | 0x80));
                if n == 512 && mbr[510] == 0x55 && mbr[511] == 0xAA && !is_vbr && flags_ok {
                    for i in 0..4 {
                        let e = &mbr[446 + 16 * i..462 + 16 * i];
                        let ptype = e[4];
                        let start = u32::from_le_bytes([e[8], e[9], e[10], e[11]]) as u64;
                        let len = u32::from_le_bytes([e[12], e[13], e[14], e[15]]) as u64;
                        // 0xEE (GPT protective) may claim the whole 32-bit range.
                        if ptype == 0 || ptype == 0xEE || len == 0 {
                            continue;
                        }
                        if start + len > self.sectors {
                            return Err(truncated(format!(
                                "partition {} ends at sector {} but the image has {} sectors",
                                i + 1,
                                start + len,
                                self.sectors
                            )));
                        }
                    }
                }
            }
            MediaKind::Floppy => {}
        }
        Ok(())
    }

    fn io_err(&self, cause: io::Error) -> BlockError {
        BlockError::Io {
            path: self.path.clone(),
            cause,
        }
    }

    /// The image file's path (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The kind of media this image was opened as.
    pub fn kind(&self) -> MediaKind {
        self.kind
    }

    /// Bytes per sector (512 or 2048).
    pub fn sector_size(&self) -> usize {
        self.sector_size
    }

    /// Number of sectors on the medium.
    pub fn sector_count(&self) -> u64 {
        self.sectors
    }

    /// Size in bytes (`sector_count * sector_size`).
    pub fn size_bytes(&self) -> u64 {
        self.sectors * self.sector_size as u64
    }

    /// Guest writes fail on this medium.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Writes go to the in-memory overlay (`--snapshot`).
    pub fn is_snapshot(&self) -> bool {
        self.overlay.is_some()
    }

    /// Floppy geometry from the image size (only for floppies of a known size).
    pub fn floppy_geometry(&self) -> Option<FloppyGeometry> {
        FloppyGeometry::from_size(self.file_len)
    }

    fn check_range(&self, lba: u64, len: usize) -> Result<u64, BlockError> {
        if !len.is_multiple_of(self.sector_size) {
            return Err(BlockError::BadLength {
                path: self.path.clone(),
                len,
                sector_size: self.sector_size,
            });
        }
        let count = (len / self.sector_size) as u64;
        match lba.checked_add(count) {
            Some(end) if end <= self.sectors => Ok(count),
            _ => Err(BlockError::OutOfRange {
                path: self.path.clone(),
                lba,
                end: lba.saturating_add(count),
                sectors: self.sectors,
            }),
        }
    }

    /// Read `buf.len() / sector_size` sectors starting at `lba`. `buf` must be
    /// a whole number of sectors and lie within the medium.
    pub fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), BlockError> {
        let count = self.check_range(lba, buf.len())?;
        let ss = self.sector_size;
        match &self.overlay {
            Some(ov) if !ov.is_empty() => {
                // Runs of sectors not in the overlay are read from the file in one go.
                let mut i = 0u64;
                while i < count {
                    let off = i as usize * ss;
                    if let Some(data) = ov.get(&(lba + i)) {
                        buf[off..off + ss].copy_from_slice(data);
                        i += 1;
                        continue;
                    }
                    let mut j = i + 1;
                    while j < count && !ov.contains_key(&(lba + j)) {
                        j += 1;
                    }
                    let end = j as usize * ss;
                    self.read_file(lba + i, &mut buf[off..end])?;
                    i = j;
                }
                Ok(())
            }
            _ => self.read_file(lba, buf),
        }
    }

    fn read_file(&self, lba: u64, buf: &mut [u8]) -> Result<(), BlockError> {
        let pos = lba * self.sector_size as u64;
        let n = self.backend.read_at(buf, pos).map_err(|s| self.io_err(s))?;
        // Only a CD's partial last sector ends early (checked at open).
        buf[n..].fill(0);
        Ok(())
    }

    /// Write `data.len() / sector_size` sectors starting at `lba`.
    pub fn write(&mut self, lba: u64, data: &[u8]) -> Result<(), BlockError> {
        let count = self.check_range(lba, data.len())?;
        if self.read_only {
            return Err(BlockError::ReadOnly {
                path: self.path.clone(),
            });
        }
        let ss = self.sector_size;
        if let Some(ov) = &mut self.overlay {
            for i in 0..count {
                let off = i as usize * ss;
                let src = &data[off..off + ss];
                match ov.get_mut(&(lba + i)) {
                    Some(d) => d.copy_from_slice(src),
                    None => {
                        ov.insert(lba + i, src.into());
                    }
                }
            }
            return Ok(());
        }
        self.backend
            .write_all_at(data, lba * ss as u64)
            .map_err(|s| self.io_err(s))?;
        self.dirty = true;
        Ok(())
    }

    /// Make written data durable (guest FLUSH CACHE; also done on drop).
    pub fn flush(&mut self) -> Result<(), BlockError> {
        if self.dirty {
            self.backend.flush().map_err(|s| self.io_err(s))?;
            self.dirty = false;
        }
        Ok(())
    }
}

impl Drop for BlockDevice {
    fn drop(&mut self) {
        if let Err(e) = self.flush() {
            log::error!("{e}");
        }
    }
}

#[cfg(test)]
mod tests;
