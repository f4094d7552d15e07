//! Bootstrap: INT 19h (boot in the `--boot` order), INT 18h (no bootable
//! device: a message and a halt), and El Torito CD boot with INT 13h
//! AH=4Bh ("El Torito" Bootable CD-ROM Format Specification 1.0).
//!
//! Floppy and hard disk: sector 0 goes to 0000:7C00h and must end in the
//! 55h AAh signature; the boot sector starts at 0000:7C00h with DL = the
//! drive. CD: the Boot Record Volume Descriptor at sector 17 points to
//! the boot catalog, whose validation entry (header ID 01h, checksum,
//! key 55h AAh) is followed by the initial/default entry (boot indicator
//! 88h, media type, load segment, sector count in 512-byte units, load
//! RBA):
//! - no emulation: the image goes to load segment:0 (07C0h by default)
//!   and starts there with DL = E0h, the CD drive (2048-byte blocks
//!   through the EDD calls);
//! - 1.2/1.44/2.88 MB floppy emulation: the image becomes drive 00h
//!   (real floppies move up one number), its first sector boots as a
//!   floppy boot sector;
//! - hard disk emulation: the image becomes drive 80h (real hard disks
//!   move up one number).
//!
//! Emulated drives are read-only. Only the initial/default entry is
//! used (no section entries).

use super::disk::{floppy_geometry, hard_disk_geometry, Drive, DriveKind};
use super::{flag, int10, Bus, Firmware, Outcome, Regs, ROM_SEGMENT};

/// BIOS drive number of the CD in no-emulation mode.
pub const CDROM_DRIVE: u8 = 0xE0;
/// Boot sector address and signature.
pub const BOOT_ADDR: u32 = 0x7C00;
pub const BOOT_SIGNATURE: u16 = 0xAA55;
/// ISO 9660 sector of the El Torito Boot Record Volume Descriptor.
pub const BOOT_RECORD_SECTOR: u64 = 17;
/// "EL TORITO SPECIFICATION" (padded with zeros to 32 bytes).
const EL_TORITO_ID: &[u8] = b"EL TORITO SPECIFICATION";
/// Offset of the boot catalog pointer in the boot record.
const CATALOG_POINTER: usize = 0x47;
/// Validation entry header ID, initial entry boot indicator.
const VALIDATION_HEADER_ID: u8 = 0x01;
const BOOTABLE: u8 = 0x88;
/// Media types of the initial entry.
pub const MEDIA_NO_EMULATION: u8 = 0;
pub const MEDIA_FLOPPY_12: u8 = 1;
pub const MEDIA_FLOPPY_144: u8 = 2;
pub const MEDIA_FLOPPY_288: u8 = 3;
pub const MEDIA_HARD_DISK: u8 = 4;
/// Default load segment.
const DEFAULT_LOAD_SEGMENT: u16 = 0x07C0;
/// Size of the INT 13h 4Bh specification packet.
const SPEC_PACKET_SIZE: u8 = 0x13;
/// Specification packet media byte: ATAPI drive (bit 6).
const SPEC_ATAPI: u8 = 0x40;

/// What an El Torito boot set up (for INT 13h AX=4B01h).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EltoritoBoot {
    pub media: u8,
    /// The emulated drive (00h/80h), or E0h with no emulation.
    pub drive: u8,
    /// The CD's drive index in `Firmware::drives`.
    pub load_rba: u32,
    pub load_segment: u16,
    pub sector_count: u16,
}

fn print(fw: &Firmware, bus: &mut dyn Bus, s: &str) {
    let page = bus.read_u8(super::bda::at(super::bda::ACTIVE_PAGE));
    for b in s.bytes() {
        int10::teletype(fw, bus, page, b);
    }
}

/// INT 18h: nothing to boot.
pub fn int18(fw: &mut Firmware, r: &mut Regs, bus: &mut dyn Bus) -> Outcome {
    print(fw, bus, "No bootable device.\r\n");
    r.cs = ROM_SEGMENT;
    r.eip = u32::from(fw.header.halt);
    Outcome::Jump
}

/// INT 19h: try each boot device in order.
pub fn int19(fw: &mut Firmware, r: &mut Regs, bus: &mut dyn Bus) -> Outcome {
    let order = fw.config.boot_order.clone();
    for dev in order {
        let res = match dev {
            super::BootDevice::Floppy => boot_sector(fw, bus, 0x00, "floppy"),
            super::BootDevice::HardDisk => boot_sector(fw, bus, 0x80, "hard disk"),
            super::BootDevice::Cdrom => eltorito(fw, bus),
        };
        match res {
            Ok((cs, ip, dl)) => {
                r.cs = cs;
                r.eip = u32::from(ip);
                r.ds = 0;
                r.es = 0;
                r.edx = u32::from(dl);
                r.eax = 0;
                r.ebx = 0;
                r.ecx = 0;
                r.esi = 0;
                r.edi = 0;
                r.ebp = 0;
                r.eflags = (r.eflags & !0xFFF) | 0x2 | flag::IF;
                return Outcome::Jump;
            }
            Err(Some(msg)) => print(fw, bus, &msg),
            Err(None) => {}
        }
    }
    int18(fw, r, bus)
}

/// Boot sector of drive `dl` to 0:7C00h. `Err(None)`: no such drive.
fn boot_sector(
    fw: &mut Firmware,
    bus: &mut dyn Bus,
    dl: u8,
    what: &str,
) -> Result<(u16, u16, u8), Option<String>> {
    let i = fw.drive_index(dl).ok_or(None)?;
    let mut sector = [0u8; 512];
    fw.read_blocks(bus, i, 0, &mut sector)
        .map_err(|e| Some(format!("Boot failed: {what}: {e}\r\n")))?;
    if u16::from_le_bytes([sector[510], sector[511]]) != BOOT_SIGNATURE {
        return Err(Some(format!(
            "Boot failed: {what}: not a bootable disk\r\n"
        )));
    }
    bus.write(BOOT_ADDR, &sector);
    print(fw, bus, &format!("Booting from {what}...\r\n"));
    Ok((0, BOOT_ADDR as u16, dl))
}

/// Parse the boot record and catalog of the CD: the initial entry's
/// (media, load segment, sector count, load RBA).
pub fn read_catalog(
    fw: &mut Firmware,
    bus: &mut dyn Bus,
    cd: usize,
) -> Result<(u8, u16, u16, u32), String> {
    let mut blk = vec![0u8; 2048];
    fw.read_blocks(bus, cd, BOOT_RECORD_SECTOR, &mut blk)
        .map_err(|e| e.to_string())?;
    if blk[0] != 0 || &blk[1..6] != b"CD001" || !blk[7..].starts_with(EL_TORITO_ID) {
        return Err("no El Torito boot record".into());
    }
    let catalog = u32::from_le_bytes([
        blk[CATALOG_POINTER],
        blk[CATALOG_POINTER + 1],
        blk[CATALOG_POINTER + 2],
        blk[CATALOG_POINTER + 3],
    ]);
    fw.read_blocks(bus, cd, u64::from(catalog), &mut blk)
        .map_err(|e| format!("boot catalog: {e}"))?;
    let sum = blk[..32].chunks(2).fold(0u16, |s, w| {
        s.wrapping_add(u16::from_le_bytes([w[0], w[1]]))
    });
    if blk[0] != VALIDATION_HEADER_ID || blk[0x1E] != 0x55 || blk[0x1F] != 0xAA || sum != 0 {
        return Err("bad boot catalog validation entry".into());
    }
    let e = &blk[0x20..0x40];
    if e[0] != BOOTABLE {
        return Err("the default entry is not bootable".into());
    }
    let media = e[1] & 0x0F;
    let seg = u16::from_le_bytes([e[2], e[3]]);
    let count = u16::from_le_bytes([e[6], e[7]]);
    let rba = u32::from_le_bytes([e[8], e[9], e[10], e[11]]);
    Ok((
        media,
        if seg == 0 { DEFAULT_LOAD_SEGMENT } else { seg },
        count,
        rba,
    ))
}

fn eltorito(fw: &mut Firmware, bus: &mut dyn Bus) -> Result<(u16, u16, u8), Option<String>> {
    let cd = fw.drive_index(CDROM_DRIVE).ok_or(None)?;
    let fail = |m: String| Some(format!("Boot failed: CD-ROM: {m}\r\n"));
    let (media, seg, count, rba) = read_catalog(fw, bus, cd).map_err(fail)?;
    let base = Regs::linear(seg, 0);
    let disk = fw.drives[cd].disk;
    let cd_bytes = fw.drives[cd].sectors * 2048;
    let image_offset = u64::from(rba) * 2048;
    match media {
        MEDIA_NO_EMULATION => {
            let bytes = usize::from(count.max(1)) * 512;
            let blocks = bytes.div_ceil(2048);
            let mut buf = vec![0u8; blocks * 2048];
            fw.read_blocks(bus, cd, u64::from(rba), &mut buf)
                .map_err(|e| fail(e.to_string()))?;
            bus.write(base, &buf[..bytes]);
            fw.eltorito = Some(EltoritoBoot {
                media,
                drive: CDROM_DRIVE,
                load_rba: rba,
                load_segment: seg,
                sector_count: count,
            });
            print(fw, bus, "Booting from CD-ROM...\r\n");
            Ok((seg, 0, CDROM_DRIVE))
        }
        MEDIA_FLOPPY_12 | MEDIA_FLOPPY_144 | MEDIA_FLOPPY_288 | MEDIA_HARD_DISK => {
            let floppy = media != MEDIA_HARD_DISK;
            let number = if floppy { 0x00 } else { 0x80 };
            let mut drive = if floppy {
                let kib = match media {
                    MEDIA_FLOPPY_12 => 1200,
                    MEDIA_FLOPPY_144 => 1440,
                    _ => 2880,
                };
                let mut d = Drive::floppy(number, disk, kib * 1024);
                if let Some((g, t)) = floppy_geometry(kib * 1024) {
                    d.geometry = g;
                    d.floppy_type = t;
                }
                d
            } else {
                let sectors = cd_bytes.saturating_sub(image_offset) / 512;
                let mut d = Drive::hard_disk(number, disk, sectors * 512);
                d.geometry = hard_disk_geometry(sectors);
                d
            };
            drive.offset = image_offset;
            drive.sectors = drive
                .sectors
                .min(cd_bytes.saturating_sub(image_offset) / 512);
            drive.emulated = true;
            let kind = drive.kind;
            for d in fw.drives.iter_mut() {
                if d.kind == kind && !d.emulated {
                    d.number = d.number.wrapping_add(1);
                }
            }
            fw.drives.push(drive);
            let i = fw.drives.len() - 1;
            let mut sector = [0u8; 512];
            fw.read_blocks(bus, i, 0, &mut sector)
                .map_err(|e| fail(e.to_string()))?;
            if kind == DriveKind::HardDisk {
                let n = bus.read_u8(super::bda::at(super::bda::HD_COUNT));
                bus.write_u8(super::bda::at(super::bda::HD_COUNT), n.saturating_add(1));
            }
            bus.write(base, &sector);
            fw.eltorito = Some(EltoritoBoot {
                media,
                drive: number,
                load_rba: rba,
                load_segment: seg,
                sector_count: count,
            });
            print(fw, bus, "Booting from CD-ROM (emulation)...\r\n");
            Ok((0, BOOT_ADDR as u16, number))
        }
        _ => Err(fail(format!("unknown media type {media}"))),
    }
}

/// INT 13h AH=4Bh: AL=00h terminate emulation, AL=01h get status; the
/// specification packet goes to DS:SI.
pub fn int13_eltorito(fw: &mut Firmware, r: &mut Regs, bus: &mut dyn Bus) {
    let Some(b) = fw.eltorito else {
        r.fail(bus, 0x01);
        return;
    };
    if !matches!(r.al(), 0x00 | 0x01) {
        r.fail(bus, 0x01);
        return;
    }
    let mut p = [0u8; SPEC_PACKET_SIZE as usize];
    p[0] = SPEC_PACKET_SIZE;
    p[1] = b.media | SPEC_ATAPI;
    p[2] = b.drive;
    p[3] = 0;
    p[4..8].copy_from_slice(&b.load_rba.to_le_bytes());
    p[8..10].copy_from_slice(&0u16.to_le_bytes());
    p[10..12].copy_from_slice(&0u16.to_le_bytes());
    p[12..14].copy_from_slice(&b.load_segment.to_le_bytes());
    p[14..16].copy_from_slice(&b.sector_count.to_le_bytes());
    if let Some(d) = fw.drives.iter().find(|d| d.emulated && d.number == b.drive) {
        let g = d.geometry;
        let max_cyl = g.cylinders.saturating_sub(1).min(1023);
        p[16] = max_cyl as u8;
        p[17] = (g.sectors.min(63) as u8) | ((max_cyl >> 2) as u8 & 0xC0);
        p[18] = g.heads.saturating_sub(1).min(255) as u8;
    }
    bus.write(Regs::linear(r.ds, r.si()), &p);
    if r.al() == 0x00 && b.media != MEDIA_NO_EMULATION {
        fw.end_emulation();
    }
    r.ok(bus);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::testutil::{frame_cf, setup};
    use crate::firmware::{BootDevice, MemDisk};

    /// A CD image with a boot catalog at sector 20 whose default entry
    /// has `media`, and the boot image at sector 24.
    pub fn cd_image(media: u8, count: u16) -> Vec<u8> {
        let mut cd = vec![0u8; 2048 * 64];
        let br = 17 * 2048;
        cd[br] = 0;
        cd[br + 1..br + 6].copy_from_slice(b"CD001");
        cd[br + 6] = 1;
        cd[br + 7..br + 7 + EL_TORITO_ID.len()].copy_from_slice(EL_TORITO_ID);
        cd[br + CATALOG_POINTER..br + CATALOG_POINTER + 4].copy_from_slice(&20u32.to_le_bytes());
        let cat = 20 * 2048;
        cd[cat] = VALIDATION_HEADER_ID;
        cd[cat + 0x1E] = 0x55;
        cd[cat + 0x1F] = 0xAA;
        let sum = cd[cat..cat + 32].chunks(2).fold(0u16, |s, w| {
            s.wrapping_add(u16::from_le_bytes([w[0], w[1]]))
        });
        cd[cat + 0x1C..cat + 0x1E].copy_from_slice(&0u16.wrapping_sub(sum).to_le_bytes());
        cd[cat + 0x20] = BOOTABLE;
        cd[cat + 0x21] = media;
        cd[cat + 0x26..cat + 0x28].copy_from_slice(&count.to_le_bytes());
        cd[cat + 0x28..cat + 0x2C].copy_from_slice(&24u32.to_le_bytes());
        let img = 24 * 2048;
        cd[img] = 0xFA;
        cd[img + 510] = 0x55;
        cd[img + 511] = 0xAA;
        cd[img + 512] = 0x42;
        cd[img + 2048] = 0x43;
        cd
    }

    #[test]
    fn hard_disk_boot_sector() {
        let (mut fw, mut bus, mut r) = setup();
        let mut img = vec![0u8; 512 * 16];
        img[0] = 0xEB;
        img[510] = 0x55;
        img[511] = 0xAA;
        fw.attach_hard_disk(Box::new(MemDisk::new(img, 512)));
        assert_eq!(int19(&mut fw, &mut r, &mut bus), Outcome::Jump);
        assert_eq!((r.cs, r.eip, r.dl()), (0, 0x7C00, 0x80));
        assert_eq!(bus.read_u8(0x7C00), 0xEB);
        assert_ne!(r.eflags & flag::IF, 0);
    }

    #[test]
    fn unbootable_disks_fall_through_to_int18() {
        let (mut fw, mut bus, mut r) = setup();
        int10::set_mode(&mut fw, &mut bus, 3);
        fw.attach_hard_disk(Box::new(MemDisk::new(vec![0u8; 512 * 4], 512)));
        fw.config.boot_order = vec![BootDevice::Floppy, BootDevice::HardDisk, BootDevice::Cdrom];
        assert_eq!(int19(&mut fw, &mut r, &mut bus), Outcome::Jump);
        assert_eq!((r.cs, r.eip), (ROM_SEGMENT, u32::from(fw.header.halt)));
        let mut line = [0u8; 2 * 30];
        bus.read(int10::TEXT_COLOR_BASE, &mut line);
        let text: String = line.iter().step_by(2).map(|&b| b as char).collect();
        assert!(text.starts_with("Boot failed: hard disk: not a"), "{text}");
        let mut line2 = [0u8; 2 * 19];
        bus.read(int10::TEXT_COLOR_BASE + 160, &mut line2);
        let text: String = line2.iter().step_by(2).map(|&b| b as char).collect();
        assert_eq!(text, "No bootable device.");
    }

    #[test]
    fn cd_no_emulation_boot_and_status() {
        let (mut fw, mut bus, mut r) = setup();
        fw.attach_cdrom(Box::new(MemDisk::new(cd_image(0, 5), 2048)));
        fw.config.boot_order = vec![BootDevice::Cdrom];
        assert_eq!(int19(&mut fw, &mut r, &mut bus), Outcome::Jump);
        assert_eq!((r.cs, r.eip, r.dl()), (0x07C0, 0, 0xE0));
        assert_eq!(bus.read_u8(0x7C00), 0xFA);
        assert_eq!(bus.read_u8(0x7C00 + 512), 0x42);
        // 5 sectors of 512 bytes loaded, not the whole second block.
        assert_eq!(bus.read_u8(0x7C00 + 2048), 0x43);
        assert_eq!(bus.read_u8(0x7C00 + 2560), 0);
        r.set_ax(0x4B01);
        r.ds = 0;
        r.set_si(0x600);
        r.set_dl(0xE0);
        crate::firmware::int13::int13(&mut fw, &mut r, &mut bus);
        assert!(!frame_cf(&mut bus, &r));
        let mut p = [0u8; 0x13];
        bus.read(0x600, &mut p);
        assert_eq!((p[0], p[1] & 0xF, p[2]), (0x13, 0, 0xE0));
        assert_eq!(u32::from_le_bytes(p[4..8].try_into().unwrap()), 24);
        assert_eq!(u16::from_le_bytes([p[14], p[15]]), 5);
    }

    #[test]
    fn cd_floppy_emulation() {
        let (mut fw, mut bus, mut r) = setup();
        let mut cd = cd_image(MEDIA_FLOPPY_144, 1);
        cd.resize(24 * 2048 + 1_474_560, 0);
        fw.attach_cdrom(Box::new(MemDisk::new(cd, 2048)));
        fw.attach_floppy(Box::new(MemDisk::new(vec![0; 1_474_560], 512)));
        fw.config.boot_order = vec![BootDevice::Cdrom];
        assert_eq!(int19(&mut fw, &mut r, &mut bus), Outcome::Jump);
        assert_eq!((r.cs, r.eip, r.dl()), (0, 0x7C00, 0));
        // Drive 00h is the image now (sector 2 = CD block 24 + 512 bytes),
        // the real floppy is 01h.
        let i = fw.drive_index(0).unwrap();
        assert!(fw.drives[i].emulated);
        assert!(fw.drive_index(1).is_some());
        let mut s = [0u8; 512];
        fw.read_blocks(&mut bus, i, 1, &mut s).unwrap();
        assert_eq!(s[0], 0x42);
        // Terminate the emulation.
        r.set_ax(0x4B00);
        r.set_si(0x600);
        crate::firmware::int13::int13(&mut fw, &mut r, &mut bus);
        assert!(fw.drives.iter().all(|d| !d.emulated));
        // The real floppy is 00h again.
        let i = fw.drive_index(0).unwrap();
        assert_eq!(fw.drives[i].kind, crate::firmware::DriveKind::Floppy);
        assert!(fw.drive_index(1).is_none());
    }

    #[test]
    fn cd_hard_disk_emulation() {
        let (mut fw, mut bus, mut r) = setup();
        let mut cd = cd_image(MEDIA_HARD_DISK, 1);
        cd.resize(24 * 2048 + 512 * 1008, 0);
        fw.attach_hard_disk(Box::new(MemDisk::new(vec![0; 512 * 16], 512)));
        fw.attach_cdrom(Box::new(MemDisk::new(cd, 2048)));
        bus.write_u8(crate::firmware::bda::at(crate::firmware::bda::HD_COUNT), 1);
        fw.config.boot_order = vec![BootDevice::Cdrom];
        assert_eq!(int19(&mut fw, &mut r, &mut bus), Outcome::Jump);
        assert_eq!((r.cs, r.eip, r.dl()), (0, 0x7C00, 0x80));
        let i = fw.drive_index(0x80).unwrap();
        assert!(fw.drives[i].emulated);
        assert_eq!(fw.drives[i].sectors, 1008);
        let real = fw.drive_index(0x81).unwrap();
        assert!(!fw.drives[real].emulated);
        assert_eq!(
            bus.read_u8(crate::firmware::bda::at(crate::firmware::bda::HD_COUNT)),
            2
        );
        // Writes to the emulated disk are refused.
        let mut s = [0u8; 512];
        fw.read_blocks(&mut bus, i, 1, &mut s).unwrap();
        assert_eq!(s[0], 0x42);
        assert!(fw.write_blocks(&mut bus, i, 1, &s).is_err());
    }

    #[test]
    fn broken_catalogs_are_reported() {
        let (mut fw, mut bus, mut r) = setup();
        let mut cd = cd_image(0, 4);
        cd[20 * 2048 + 4] ^= 1; // checksum
        fw.attach_cdrom(Box::new(MemDisk::new(cd, 2048)));
        let cd_i = fw.drive_index(0xE0).unwrap();
        assert!(read_catalog(&mut fw, &mut bus, cd_i)
            .unwrap_err()
            .contains("validation"));
        fw.config.boot_order = vec![BootDevice::Cdrom];
        assert_eq!(int19(&mut fw, &mut r, &mut bus), Outcome::Jump);
        assert_eq!(r.cs, ROM_SEGMENT);
        // A tiny CD (no sector 17) does not panic.
        let (mut fw, mut bus, mut r) = setup();
        fw.attach_cdrom(Box::new(MemDisk::new(vec![0; 2048], 2048)));
        fw.config.boot_order = vec![BootDevice::Cdrom];
        assert_eq!(int19(&mut fw, &mut r, &mut bus), Outcome::Jump);
    }
}
