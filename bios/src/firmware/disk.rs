//! The drives the BIOS serves through INT 13h: floppies (00h–), hard disks
//! (80h–) and the CD-ROM (El Torito no-emulation drive, E0h), with the CHS
//! geometry the BIOS reports for each.
//!
//! [`BlockDisk`] is the small image interface the firmware needs (sector
//! size, count, read, write). Until `devices::block` exists the machine
//! attaches [`FileDisk`]s; [`MemDisk`] serves tests.
//!
//! Geometry: floppies by image size (the IBM formats 160 KiB–2.88 MiB);
//! hard disks by the usual LBA-assisted translation (63 sectors per
//! track, 16/32/64/128/255 heads so that the cylinder count stays within
//! 1024 where possible).

use std::fmt::Debug;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use thiserror::Error;

/// Problems opening or using an image.
#[derive(Debug, Error)]
pub enum DiskError {
    #[error("cannot open disk image {path}: {source}")]
    Open {
        path: String,
        source: std::io::Error,
    },
    #[error("disk image {path} is empty")]
    Empty { path: String },
    #[error("disk image {path}: {what}")]
    Bad { path: String, what: String },
    #[error("disk I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("sector out of range")]
    Range,
    #[error("disk is read-only")]
    ReadOnly,
}

/// A disk image as the BIOS uses it.
pub trait BlockDisk: Debug {
    /// Bytes per sector (512, or 2048 for a CD).
    fn sector_size(&self) -> u32;
    /// Number of sectors.
    fn sector_count(&self) -> u64;
    /// Writes are refused.
    fn read_only(&self) -> bool;
    /// Read whole sectors from `lba` into `buf` (a multiple of the sector size).
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), DiskError>;
    /// Write whole sectors.
    fn write_sectors(&mut self, lba: u64, data: &[u8]) -> Result<(), DiskError>;
}

fn check_range(d: &dyn BlockDisk, lba: u64, len: usize) -> Result<(), DiskError> {
    let ss = u64::from(d.sector_size());
    let n = len as u64 / ss;
    if !(len as u64).is_multiple_of(ss) || lba.checked_add(n).is_none_or(|e| e > d.sector_count()) {
        return Err(DiskError::Range);
    }
    Ok(())
}

impl BlockDisk for devices::block::BlockDevice {
    fn sector_size(&self) -> u32 {
        devices::block::BlockDevice::sector_size(self) as u32
    }
    fn sector_count(&self) -> u64 {
        devices::block::BlockDevice::sector_count(self)
    }
    fn read_only(&self) -> bool {
        self.is_read_only()
    }
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), DiskError> {
        self.read(lba, buf)
            .map_err(|e| DiskError::Io(std::io::Error::other(e.to_string())))
    }
    fn write_sectors(&mut self, lba: u64, data: &[u8]) -> Result<(), DiskError> {
        self.write(lba, data)
            .map_err(|e| DiskError::Io(std::io::Error::other(e.to_string())))
    }
}

/// An image held in memory.
#[derive(Clone, Debug)]
pub struct MemDisk {
    pub data: Vec<u8>,
    pub sector_size: u32,
    pub read_only: bool,
}

impl MemDisk {
    pub fn new(data: Vec<u8>, sector_size: u32) -> Self {
        MemDisk {
            data,
            sector_size,
            read_only: false,
        }
    }
}

impl BlockDisk for MemDisk {
    fn sector_size(&self) -> u32 {
        self.sector_size
    }
    fn sector_count(&self) -> u64 {
        self.data.len() as u64 / u64::from(self.sector_size)
    }
    fn read_only(&self) -> bool {
        self.read_only
    }
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), DiskError> {
        check_range(self, lba, buf.len())?;
        let at = (lba * u64::from(self.sector_size)) as usize;
        buf.copy_from_slice(&self.data[at..at + buf.len()]);
        Ok(())
    }
    fn write_sectors(&mut self, lba: u64, data: &[u8]) -> Result<(), DiskError> {
        if self.read_only {
            return Err(DiskError::ReadOnly);
        }
        check_range(self, lba, data.len())?;
        let at = (lba * u64::from(self.sector_size)) as usize;
        self.data[at..at + data.len()].copy_from_slice(data);
        Ok(())
    }
}

/// A raw image file (written in place unless read-only).
#[derive(Debug)]
pub struct FileDisk {
    file: File,
    sectors: u64,
    sector_size: u32,
    read_only: bool,
}

impl FileDisk {
    /// Open `path` with `sector_size`-byte sectors; a partial last sector
    /// is ignored. Opened read-only when asked or when the file cannot be
    /// written.
    pub fn open(path: &Path, sector_size: u32, read_only: bool) -> Result<Self, DiskError> {
        let p = path.display().to_string();
        let (file, read_only) = if read_only {
            (File::open(path), true)
        } else {
            match std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(path)
            {
                Ok(f) => (Ok(f), false),
                Err(_) => (File::open(path), true),
            }
        };
        let file = file.map_err(|source| DiskError::Open {
            path: p.clone(),
            source,
        })?;
        let len = file
            .metadata()
            .map_err(|source| DiskError::Open {
                path: p.clone(),
                source,
            })?
            .len();
        let sectors = len / u64::from(sector_size);
        if sectors == 0 {
            return Err(DiskError::Empty { path: p });
        }
        Ok(FileDisk {
            file,
            sectors,
            sector_size,
            read_only,
        })
    }
}

impl BlockDisk for FileDisk {
    fn sector_size(&self) -> u32 {
        self.sector_size
    }
    fn sector_count(&self) -> u64 {
        self.sectors
    }
    fn read_only(&self) -> bool {
        self.read_only
    }
    fn read_sectors(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), DiskError> {
        check_range(self, lba, buf.len())?;
        self.file
            .seek(SeekFrom::Start(lba * u64::from(self.sector_size)))?;
        self.file.read_exact(buf)?;
        Ok(())
    }
    fn write_sectors(&mut self, lba: u64, data: &[u8]) -> Result<(), DiskError> {
        if self.read_only {
            return Err(DiskError::ReadOnly);
        }
        check_range(self, lba, data.len())?;
        self.file
            .seek(SeekFrom::Start(lba * u64::from(self.sector_size)))?;
        self.file.write_all(data)?;
        Ok(())
    }
}

/// What kind of BIOS drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriveKind {
    Floppy,
    HardDisk,
    /// A CD-ROM served with 2048-byte sectors (El Torito no emulation).
    Cdrom,
}

/// CHS geometry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    pub cylinders: u32,
    pub heads: u32,
    pub sectors: u32,
}

/// Floppy formats by size: (KiB, cylinders, heads, sectors, INT 13h 08h
/// drive type).
const FLOPPY_FORMATS: [(u64, u32, u32, u32, u8); 7] = [
    (160, 40, 1, 8, 1),
    (180, 40, 1, 9, 1),
    (320, 40, 2, 8, 1),
    (360, 40, 2, 9, 1),
    (720, 80, 2, 9, 3),
    (1200, 80, 2, 15, 2),
    (1440, 80, 2, 18, 4),
];
/// 2.88 MiB.
const FLOPPY_288: (u64, u32, u32, u32, u8) = (2880, 80, 2, 36, 5);

/// Floppy geometry and drive type for an image of `bytes`, if it is a
/// known format.
pub fn floppy_geometry(bytes: u64) -> Option<(Geometry, u8)> {
    FLOPPY_FORMATS
        .iter()
        .chain(std::iter::once(&FLOPPY_288))
        .find(|f| f.0 * 1024 == bytes)
        .map(|&(_, c, h, s, t)| {
            (
                Geometry {
                    cylinders: c,
                    heads: h,
                    sectors: s,
                },
                t,
            )
        })
}

/// LBA-assisted geometry of a hard disk of `sectors` 512-byte sectors.
pub fn hard_disk_geometry(sectors: u64) -> Geometry {
    let spt = 63u64;
    let heads = [16u64, 32, 64, 128, 255]
        .into_iter()
        .find(|h| sectors <= 1024 * h * spt)
        .unwrap_or(255);
    let cylinders = (sectors / (heads * spt)).clamp(1, 1024);
    Geometry {
        cylinders: cylinders as u32,
        heads: heads as u32,
        sectors: spt as u32,
    }
}

/// Where a drive's image is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiskSlot {
    /// [`super::Firmware::disks`]`[i]`, owned by the firmware.
    Owned(usize),
    /// The medium of IDE `channel`/`unit`, shared with the controller
    /// ([`super::Bus::ide_media`]).
    Ide { channel: u8, unit: u8 },
    /// The medium in floppy drive `drive` of the 82077AA, shared with the
    /// controller ([`super::Bus::fdc_media`]).
    Fdc { drive: u8 },
}

/// One BIOS drive: a view of disk `disk` in 512-byte sectors (2048-byte sectors
/// for [`DriveKind::Cdrom`]), starting `offset` bytes into it (El Torito
/// emulation maps an image inside the CD).
#[derive(Clone, Debug)]
pub struct Drive {
    /// BIOS drive number (DL).
    pub number: u8,
    pub kind: DriveKind,
    pub disk: DiskSlot,
    /// Byte offset of the drive's first sector in the disk.
    pub offset: u64,
    /// Sectors of the drive (of `block_size` bytes).
    pub sectors: u64,
    pub geometry: Geometry,
    /// INT 13h AH=08h drive type (floppies).
    pub floppy_type: u8,
    /// Status of the last operation (INT 13h AH=01h).
    pub last_status: u8,
    /// Emulated by El Torito (read-only).
    pub emulated: bool,
}

impl Drive {
    /// Bytes per sector the BIOS serves.
    pub fn block_size(&self) -> u32 {
        if self.kind == DriveKind::Cdrom {
            2048
        } else {
            512
        }
    }

    /// A hard disk drive `number` (80h…) over disk `disk` of `bytes`.
    pub fn hard_disk(number: u8, disk: DiskSlot, bytes: u64) -> Self {
        let sectors = bytes / 512;
        Drive {
            number,
            kind: DriveKind::HardDisk,
            disk,
            offset: 0,
            sectors,
            geometry: hard_disk_geometry(sectors),
            floppy_type: 0,
            last_status: 0,
            emulated: false,
        }
    }

    /// A floppy drive `number` (00h/01h); images of unknown size get the
    /// 1.44 MB geometry (reads past the image fail).
    pub fn floppy(number: u8, disk: DiskSlot, bytes: u64) -> Self {
        let (geometry, floppy_type) = floppy_geometry(bytes).unwrap_or((
            Geometry {
                cylinders: 80,
                heads: 2,
                sectors: 18,
            },
            4,
        ));
        Drive {
            number,
            kind: DriveKind::Floppy,
            disk,
            offset: 0,
            sectors: bytes / 512,
            geometry,
            floppy_type,
            last_status: 0,
            emulated: false,
        }
    }

    /// The CD-ROM (2048-byte sectors) as drive `number`.
    pub fn cdrom(number: u8, disk: DiskSlot, bytes: u64) -> Self {
        Drive {
            number,
            kind: DriveKind::Cdrom,
            disk,
            offset: 0,
            sectors: bytes / 2048,
            geometry: Geometry {
                cylinders: 0,
                heads: 0,
                sectors: 0,
            },
            floppy_type: 0,
            last_status: 0,
            emulated: false,
        }
    }

    /// Read `buf.len()` bytes (a multiple of the block size) from block
    /// `lba` of the drive.
    pub fn read(
        &self,
        disk: &mut dyn BlockDisk,
        lba: u64,
        buf: &mut [u8],
    ) -> Result<(), DiskError> {
        let bs = u64::from(self.block_size());
        let n = buf.len() as u64 / bs;
        if lba.checked_add(n).is_none_or(|e| e > self.sectors) {
            return Err(DiskError::Range);
        }
        read_bytes(disk, self.offset + lba * bs, buf)
    }

    /// Write whole blocks at `lba`.
    pub fn write(&self, disk: &mut dyn BlockDisk, lba: u64, data: &[u8]) -> Result<(), DiskError> {
        if self.emulated || disk.read_only() {
            return Err(DiskError::ReadOnly);
        }
        let bs = u64::from(self.block_size());
        let n = data.len() as u64 / bs;
        if lba.checked_add(n).is_none_or(|e| e > self.sectors) {
            return Err(DiskError::Range);
        }
        let ss = u64::from(disk.sector_size());
        let start = self.offset + lba * bs;
        if !start.is_multiple_of(ss) || !(data.len() as u64).is_multiple_of(ss) {
            return Err(DiskError::Range);
        }
        disk.write_sectors(start / ss, data)
    }
}

/// Read bytes at any byte offset of `disk` (through whole sectors).
pub fn read_bytes(disk: &mut dyn BlockDisk, start: u64, buf: &mut [u8]) -> Result<(), DiskError> {
    let ss = u64::from(disk.sector_size());
    if start.is_multiple_of(ss) && (buf.len() as u64).is_multiple_of(ss) {
        return disk.read_sectors(start / ss, buf);
    }
    let mut sector = vec![0u8; ss as usize];
    let mut done = 0usize;
    while done < buf.len() {
        let at = start + done as u64;
        disk.read_sectors(at / ss, &mut sector)?;
        let within = (at % ss) as usize;
        let n = (sector.len() - within).min(buf.len() - done);
        buf[done..done + n].copy_from_slice(&sector[within..within + n]);
        done += n;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floppy_formats() {
        let (g, t) = floppy_geometry(1_474_560).unwrap();
        assert_eq!((g.cylinders, g.heads, g.sectors, t), (80, 2, 18, 4));
        let (g, t) = floppy_geometry(368_640).unwrap();
        assert_eq!((g.cylinders, g.heads, g.sectors, t), (40, 2, 9, 1));
        assert!(floppy_geometry(1_000_000).is_none());
    }

    #[test]
    fn hard_disk_translation() {
        // 10 MiB: 16 heads.
        let g = hard_disk_geometry(20480);
        assert_eq!((g.cylinders, g.heads, g.sectors), (20, 16, 63));
        // 1 GiB: 64 heads.
        let g = hard_disk_geometry(2 << 20);
        assert_eq!((g.heads, g.sectors), (64, 63));
        assert!(g.cylinders <= 1024);
        // Huge: capped at 1024 cylinders, 255 heads.
        let g = hard_disk_geometry(1 << 40);
        assert_eq!((g.cylinders, g.heads), (1024, 255));
        assert_eq!(hard_disk_geometry(0).cylinders, 1);
    }

    #[test]
    fn drive_views_of_a_cd() {
        let mut data = vec![0u8; 2048 * 8];
        for (i, b) in data.iter_mut().enumerate() {
            *b = (i / 512) as u8;
        }
        let mut disk = MemDisk::new(data, 2048);
        // A floppy image emulated at CD sector 2.
        let mut d = Drive::floppy(0, DiskSlot::Owned(0), 1_474_560);
        d.offset = 2 * 2048;
        d.sectors = 4;
        d.emulated = true;
        let mut buf = [0u8; 512];
        d.read(&mut disk, 1, &mut buf).unwrap();
        assert_eq!(buf[0], 9);
        assert!(d.read(&mut disk, 4, &mut buf).is_err());
        assert!(matches!(
            d.write(&mut disk, 0, &buf),
            Err(DiskError::ReadOnly)
        ));
        let cd = Drive::cdrom(0xE0, DiskSlot::Owned(0), 2048 * 8);
        let mut blk = vec![0u8; 2048];
        cd.read(&mut disk, 7, &mut blk).unwrap();
        assert_eq!((blk[0], blk[2047]), (28, 31));
        assert!(cd.read(&mut disk, u64::MAX, &mut blk).is_err());
    }

    #[test]
    fn writes_reach_the_disk() {
        let mut disk = MemDisk::new(vec![0; 512 * 4], 512);
        let d = Drive::hard_disk(0x80, DiskSlot::Owned(0), 512 * 4);
        d.write(&mut disk, 3, &[7; 512]).unwrap();
        let mut b = [0u8; 512];
        d.read(&mut disk, 3, &mut b).unwrap();
        assert_eq!(b[511], 7);
        assert!(d.write(&mut disk, 4, &[7; 512]).is_err());
        assert_eq!(disk.data[3 * 512], 7);
    }
}
