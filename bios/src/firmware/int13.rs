//! INT 13h, disk services: the IBM AT functions (CHS read/write/verify,
//! parameters, type), the Phoenix Enhanced Disk Drive Specification 3.0
//! extensions (41h–48h) and the El Torito 1.0 CD functions (4Bh).
//!
//! Drives: floppies 00h–, hard disks 80h–, the CD-ROM E0h (no-emulation
//! El Torito drive, 2048-byte blocks, extended calls only). An El Torito
//! floppy or hard-disk emulation adds a read-only drive 00h or 80h over
//! the boot image (see [`super::boot`]).
//!
//! The transfer is done by the host straight into guest memory at the
//! linear address of the buffer, block by block: any count and pointer
//! is safe (memory past RAM is dropped by the bus). Floppy DMA
//! boundaries are not checked.

use super::bda::{self, at};
use super::disk::DriveKind;
use super::{Bus, Firmware, Outcome, Regs, ROM_SEGMENT};

/// Status codes (AH) of INT 13h.
pub mod status {
    pub const OK: u8 = 0x00;
    pub const INVALID: u8 = 0x01;
    pub const WRITE_PROTECTED: u8 = 0x03;
    pub const SECTOR_NOT_FOUND: u8 = 0x04;
    pub const MEDIA_NOT_PRESENT: u8 = 0x31;
    pub const NOT_READY: u8 = 0xAA;
    pub const UNDEFINED: u8 = 0xBB;
}

/// EDD version reported by AH=41h (3.0).
pub const EDD_VERSION: u8 = 0x30;
/// AH=41h support bits: fixed disk access (42h–44h, 47h, 48h), drive
/// locking and ejecting (45h, 46h, 48h; only for the CD), EDD (48h).
pub const EDD_FIXED_ACCESS: u16 = 1;
pub const EDD_LOCKING: u16 = 2;
pub const EDD_SUPPORT: u16 = 4;
/// AH=48h info flags: DMA boundary errors handled (bit 0), CHS valid
/// (bit 1), removable (bit 2), change line (bit 4), lockable (bit 5).
const EDD_INFO_DMA: u16 = 1 << 0;
const EDD_INFO_CHS_VALID: u16 = 1 << 1;
const EDD_INFO_REMOVABLE: u16 = 1 << 2;
const EDD_INFO_CHANGE_LINE: u16 = 1 << 4;
const EDD_INFO_LOCKABLE: u16 = 1 << 5;
/// Size of the AH=48h result buffer this BIOS fills (EDD 1.1 + DPTE
/// pointer).
const EDD_PARAMS_SIZE: u16 = 0x1E;
/// Most blocks one extended call may move (EDD: 127 for compatibility;
/// ox86 accepts more, up to the DAP's 16-bit count).
const BLOCKS_PER_CHUNK: usize = 64;

/// The INT 13h dispatcher.
pub fn int13(fw: &mut Firmware, r: &mut Regs, bus: &mut dyn Bus) -> Outcome {
    let dl = r.dl();
    if r.ah() == 0x4B {
        super::boot::int13_eltorito(fw, r, bus);
        return Outcome::Done;
    }
    let Some(idx) = fw.drive_index(dl) else {
        // No such drive. AH=08h on an absent hard disk still reports the
        // count (some loaders probe this way); AH=15h says "not present".
        match r.ah() {
            0x15 => {
                r.set_ah(0);
                r.set_frame_flag(bus, super::flag::CF, false);
            }
            0x08 if dl < 0x80 => {
                // No floppy: zero geometry, CF clear with DL = 0 drives.
                r.set_ax(0);
                r.set_bx(0);
                r.set_cx(0);
                r.set_dx(0);
                r.set_frame_flag(bus, super::flag::CF, false);
            }
            _ => r.fail(bus, status::INVALID),
        }
        return Outcome::Done;
    };
    let st = match r.ah() {
        0x00 | 0x0D | 0x10 | 0x11 | 0x14 | 0x0C | 0x47 => Ok(()),
        0x01 => {
            let last = fw.drives[idx].last_status;
            r.set_al(0);
            Err(last)
        }
        0x02..=0x04 => chs_transfer(fw, idx, r, bus),
        0x08 => get_parameters(fw, idx, r, bus),
        0x15 => {
            let d = &fw.drives[idx];
            match d.kind {
                DriveKind::Floppy => r.set_ah(0x02),
                _ => {
                    r.set_ah(0x03);
                    let n = d.sectors.min(u64::from(u32::MAX)) as u32;
                    r.set_cx((n >> 16) as u16);
                    r.set_dx(n as u16);
                }
            }
            r.set_frame_flag(bus, super::flag::CF, false);
            return Outcome::Done;
        }
        0x16 => {
            // Change line: not changed.
            Ok(())
        }
        0x41 => {
            if r.bx() != 0x55AA || fw.drives[idx].kind == DriveKind::Floppy {
                Err(status::INVALID)
            } else {
                r.set_bx(0xAA55);
                let mut caps = EDD_FIXED_ACCESS | EDD_SUPPORT;
                if fw.drives[idx].kind == DriveKind::Cdrom {
                    caps |= EDD_LOCKING;
                }
                r.set_cx(caps);
                r.set_ah(EDD_VERSION);
                r.set_frame_flag(bus, super::flag::CF, false);
                return Outcome::Done;
            }
        }
        0x42..=0x44 => ext_transfer(fw, idx, r, bus),
        0x45 | 0x46 if fw.drives[idx].kind == DriveKind::Cdrom => {
            // Lock/unlock (AL=2: status → unlocked), eject: accepted.
            if r.ah() == 0x45 {
                r.set_al(0);
            }
            Ok(())
        }
        0x48 => edd_parameters(fw, idx, r, bus),
        0x4E => Ok(()),
        _ => Err(status::INVALID),
    };
    let code = match st {
        Ok(()) => status::OK,
        Err(c) => c,
    };
    if r.ah() != 0x01 {
        fw.drives[idx].last_status = code;
    }
    let last = if dl < 0x80 {
        bda::FDC_LAST_STATUS
    } else {
        bda::HD_LAST_STATUS
    };
    bus.write_u8(at(last), code);
    r.finish(bus, code, code != status::OK);
    Outcome::Done
}

/// AH=02h/03h/04h: AL sectors at CH/CL/DH (cylinder bits 8–9 in CL bits
/// 6–7) to or from ES:BX. AL returns the sectors moved.
fn chs_transfer(fw: &mut Firmware, idx: usize, r: &mut Regs, bus: &mut dyn Bus) -> Result<(), u8> {
    let d = &fw.drives[idx];
    if d.kind == DriveKind::Cdrom {
        return Err(status::INVALID);
    }
    let g = d.geometry;
    let count = u32::from(r.al());
    let cyl = u32::from(r.ch()) | (u32::from(r.cl()) & 0xC0) << 2;
    let sector = u32::from(r.cl()) & 0x3F;
    let head = u32::from(r.dh());
    r.set_al(0);
    if count == 0 || sector == 0 || sector > g.sectors || head >= g.heads || cyl >= g.cylinders {
        return Err(status::SECTOR_NOT_FOUND);
    }
    let lba = (u64::from(cyl) * u64::from(g.heads) + u64::from(head)) * u64::from(g.sectors)
        + u64::from(sector - 1);
    let addr = Regs::linear(r.es, r.bx());
    let (done, res) = transfer(fw, idx, r.ah(), lba, count as usize, addr, bus);
    r.set_al(done as u8);
    res
}

/// Move `count` blocks between drive `idx` at `lba` and memory at `addr`
/// (`op`: 02h/42h read, 03h/43h write, 04h/44h verify). Returns the
/// blocks done and the status.
fn transfer(
    fw: &mut Firmware,
    idx: usize,
    op: u8,
    lba: u64,
    count: usize,
    addr: u32,
    bus: &mut dyn Bus,
) -> (usize, Result<(), u8>) {
    let bs = fw.drives[idx].block_size() as usize;
    let sectors = fw.drives[idx].sectors;
    if lba.checked_add(count as u64).is_none_or(|e| e > sectors) {
        return (0, Err(status::SECTOR_NOT_FOUND));
    }
    let write = matches!(op, 0x03 | 0x43);
    let verify = matches!(op, 0x04 | 0x44);
    if verify {
        return (count, Ok(()));
    }
    let mut buf = vec![0u8; bs * BLOCKS_PER_CHUNK.min(count.max(1))];
    let mut done = 0usize;
    while done < count {
        let n = (count - done).min(BLOCKS_PER_CHUNK);
        let chunk = &mut buf[..n * bs];
        let at = addr.wrapping_add((done * bs) as u32);
        let res = if write {
            bus.read(at, chunk);
            fw.write_blocks(bus, idx, lba + done as u64, chunk)
        } else {
            fw.read_blocks(bus, idx, lba + done as u64, chunk)
                .map(|()| {
                    bus.write(at, chunk);
                })
        };
        if let Err(e) = res {
            let code = match e {
                super::DiskError::ReadOnly => status::WRITE_PROTECTED,
                _ => status::SECTOR_NOT_FOUND,
            };
            return (done, Err(code));
        }
        done += n;
    }
    (done, Ok(()))
}

/// AH=08h: geometry (maximum cylinder, head and sector numbers), drive
/// count; for floppies the drive type in BL and ES:DI = the diskette
/// parameter table.
fn get_parameters(
    fw: &mut Firmware,
    idx: usize,
    r: &mut Regs,
    bus: &mut dyn Bus,
) -> Result<(), u8> {
    let d = &fw.drives[idx];
    if d.kind == DriveKind::Cdrom {
        return Err(status::INVALID);
    }
    let g = d.geometry;
    let max_cyl = g.cylinders.saturating_sub(1).min(1023);
    r.set_ch(max_cyl as u8);
    r.set_cl((g.sectors.min(63) as u8) | ((max_cyl >> 2) as u8 & 0xC0));
    r.set_dh(g.heads.saturating_sub(1).min(255) as u8);
    let floppy = d.kind == DriveKind::Floppy;
    let kind = d.kind;
    let count = fw
        .drives
        .iter()
        .filter(|x| (x.number < 0x80) == floppy && x.kind == kind)
        .count() as u8;
    r.set_dl(if floppy {
        count
    } else {
        bus.read_u8(at(bda::HD_COUNT)).max(count)
    });
    if floppy {
        r.set_bl(fw.drives[idx].floppy_type);
        r.set_bh(0);
        r.es = ROM_SEGMENT;
        r.edi = (r.edi & 0xFFFF_0000) | u32::from(fw.header.diskette_params);
    }
    r.set_al(0);
    Ok(())
}

/// AH=42h/43h/44h: the disk address packet at DS:SI (size 10h or 18h,
/// block count, buffer seg:off, 64-bit LBA, and with size 18h a flat
/// 64-bit buffer address when seg:off is FFFF:FFFF). The count field
/// returns the blocks moved.
fn ext_transfer(fw: &mut Firmware, idx: usize, r: &mut Regs, bus: &mut dyn Bus) -> Result<(), u8> {
    let dap = Regs::linear(r.ds, r.si());
    let size = bus.read_u8(dap);
    if size < 0x10 {
        return Err(status::INVALID);
    }
    let count = bus.read_u16(dap + 2);
    let off = bus.read_u16(dap + 4);
    let seg = bus.read_u16(dap + 6);
    let lba = u64::from(bus.read_u32(dap + 8)) | u64::from(bus.read_u32(dap + 12)) << 32;
    let addr = if off == 0xFFFF && seg == 0xFFFF && size >= 0x18 {
        let flat = u64::from(bus.read_u32(dap + 16)) | u64::from(bus.read_u32(dap + 20)) << 32;
        match u32::try_from(flat) {
            Ok(a) => a,
            Err(_) => return Err(status::INVALID),
        }
    } else {
        Regs::linear(seg, off)
    };
    if fw.drives[idx].kind == DriveKind::Cdrom && r.ah() == 0x43 {
        bus.write_u16(dap + 2, 0);
        return Err(status::WRITE_PROTECTED);
    }
    let (done, res) = transfer(fw, idx, r.ah(), lba, usize::from(count), addr, bus);
    bus.write_u16(dap + 2, done as u16);
    res
}

/// AH=48h: drive parameters into the buffer at DS:SI (its first word
/// gives its size, at least 1Ah).
fn edd_parameters(
    fw: &mut Firmware,
    idx: usize,
    r: &mut Regs,
    bus: &mut dyn Bus,
) -> Result<(), u8> {
    let buf = Regs::linear(r.ds, r.si());
    let size = bus.read_u16(buf);
    if size < 0x1A {
        return Err(status::INVALID);
    }
    let d = &fw.drives[idx];
    let g = d.geometry;
    let (flags, cyls, heads, spt) = match d.kind {
        DriveKind::Cdrom => (
            EDD_INFO_DMA | EDD_INFO_REMOVABLE | EDD_INFO_CHANGE_LINE | EDD_INFO_LOCKABLE,
            u32::MAX,
            u32::MAX,
            u32::MAX,
        ),
        DriveKind::Floppy => (
            EDD_INFO_DMA | EDD_INFO_CHS_VALID | EDD_INFO_REMOVABLE | EDD_INFO_CHANGE_LINE,
            g.cylinders,
            g.heads,
            g.sectors,
        ),
        DriveKind::HardDisk => (
            EDD_INFO_DMA | EDD_INFO_CHS_VALID,
            g.cylinders,
            g.heads,
            g.sectors,
        ),
    };
    let mut out = [0u8; EDD_PARAMS_SIZE as usize];
    let out_size = if size >= EDD_PARAMS_SIZE {
        EDD_PARAMS_SIZE
    } else {
        0x1A
    };
    out[0..2].copy_from_slice(&out_size.to_le_bytes());
    out[2..4].copy_from_slice(&flags.to_le_bytes());
    out[4..8].copy_from_slice(&cyls.to_le_bytes());
    out[8..12].copy_from_slice(&heads.to_le_bytes());
    out[12..16].copy_from_slice(&spt.to_le_bytes());
    out[16..24].copy_from_slice(&d.sectors.to_le_bytes());
    out[24..26].copy_from_slice(&(d.block_size() as u16).to_le_bytes());
    // No device parameter table extension.
    out[26..30].copy_from_slice(&[0xFF; 4]);
    bus.write(buf, &out[..usize::from(out_size)]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::testutil::{frame_cf, setup};
    use crate::firmware::MemDisk;

    fn disk(sectors: usize, ss: usize) -> Box<MemDisk> {
        let mut data = vec![0u8; sectors * ss];
        for (i, c) in data.chunks_mut(ss).enumerate() {
            c[0] = i as u8;
            c[1] = (i >> 8) as u8;
            c[ss - 1] = 0x5A;
        }
        Box::new(MemDisk::new(data, ss as u32))
    }

    #[test]
    fn chs_read_write_verify() {
        let (mut fw, mut bus, mut r) = setup();
        fw.attach_hard_disk(disk(20480, 512)); // 20 cyl x 16 heads x 63
        r.set_dl(0x80);
        // Read 2 sectors at C=1 H=2 S=3 → LBA (1*16+2)*63+2 = 1136.
        r.set_ax(0x0202);
        r.set_cx(0x0103);
        r.set_dh(2);
        r.es = 0x1000;
        r.set_bx(0x0100);
        int13(&mut fw, &mut r, &mut bus);
        assert!(!frame_cf(&mut bus, &r));
        assert_eq!(r.ax(), 0x0002);
        assert_eq!(bus.read_u16(0x10100), 1136);
        assert_eq!(bus.read_u16(0x10300), 1137);
        // Write it back one sector further, then verify it.
        r.set_ax(0x0301);
        r.set_cx(0x0104);
        int13(&mut fw, &mut r, &mut bus);
        assert_eq!(r.ax(), 0x0001);
        let mut b = [0u8; 512];
        fw.read_blocks(&mut bus, 0, 1137, &mut b).unwrap();
        assert_eq!(b[0..2], [0x70, 0x04]);
        // Beyond the geometry: sector not found, CF set, AL = 0.
        r.set_ax(0x0201);
        r.set_cx(0x0140); // sector 0
        int13(&mut fw, &mut r, &mut bus);
        assert!(frame_cf(&mut bus, &r));
        assert_eq!(r.ax(), 0x0400);
        r.set_ax(0x0100);
        int13(&mut fw, &mut r, &mut bus);
        assert_eq!(r.ah(), 0x04);
    }

    #[test]
    fn parameters_and_type() {
        let (mut fw, mut bus, mut r) = setup();
        fw.attach_hard_disk(disk(20480, 512));
        fw.attach_floppy(disk(2880, 512));
        bus.write_u8(at(bda::HD_COUNT), 1);
        r.set_dl(0x80);
        r.set_ax(0x0800);
        int13(&mut fw, &mut r, &mut bus);
        assert_eq!((r.ch(), r.cl(), r.dh(), r.dl()), (19, 63, 15, 1));
        r.set_dl(0x00);
        r.set_ax(0x0800);
        int13(&mut fw, &mut r, &mut bus);
        assert_eq!((r.ch(), r.cl(), r.dh(), r.dl(), r.bl()), (79, 18, 1, 1, 4));
        assert_eq!(r.es, 0xF000);
        r.set_dl(0x80);
        r.set_ax(0x1500);
        int13(&mut fw, &mut r, &mut bus);
        assert_eq!((r.ah(), r.cx(), r.dx()), (3, 0, 20480));
        // Absent drive.
        r.set_dl(0x81);
        r.set_ax(0x0200);
        int13(&mut fw, &mut r, &mut bus);
        assert!(frame_cf(&mut bus, &r));
        r.set_ax(0x1500);
        int13(&mut fw, &mut r, &mut bus);
        assert_eq!(r.ah(), 0);
        assert!(!frame_cf(&mut bus, &r));
    }

    #[test]
    fn edd_extended_read_and_parameters() {
        let (mut fw, mut bus, mut r) = setup();
        fw.attach_hard_disk(disk(100, 512));
        let cd = fw.attach_cdrom(disk(16, 2048));
        assert_eq!(cd, 0xE0);
        for dl in [0x80, 0xE0] {
            r.set_dl(dl);
            r.set_bx(0x55AA);
            r.set_ax(0x4100);
            int13(&mut fw, &mut r, &mut bus);
            assert!(!frame_cf(&mut bus, &r));
            assert_eq!((r.bx(), r.ah()), (0xAA55, EDD_VERSION));
            assert_ne!(r.cx() & EDD_FIXED_ACCESS, 0);
        }
        // DAP at 0:600: 3 CD blocks from LBA 5 to 2000:0.
        let mut dap = [0u8; 16];
        dap[0] = 0x10;
        dap[2] = 3;
        dap[6..8].copy_from_slice(&0x2000u16.to_le_bytes());
        dap[8] = 5;
        bus.write(0x600, &dap);
        r.ds = 0;
        r.set_si(0x600);
        r.set_dl(0xE0);
        r.set_ax(0x4200);
        int13(&mut fw, &mut r, &mut bus);
        assert!(!frame_cf(&mut bus, &r));
        assert_eq!(bus.read_u8(0x20000), 5);
        assert_eq!(bus.read_u8(0x20000 + 2 * 2048), 7);
        assert_eq!(bus.read_u8(0x20000 + 3 * 2048 - 1), 0x5A);
        // Past the end: error, count 0 moved.
        dap[8] = 15;
        bus.write(0x600, &dap);
        r.set_ax(0x4200);
        int13(&mut fw, &mut r, &mut bus);
        assert!(frame_cf(&mut bus, &r));
        assert_eq!(bus.read_u16(0x602), 0);
        // A huge count and a buffer at the top of memory do not panic.
        dap[2..4].copy_from_slice(&0xFFFFu16.to_le_bytes());
        dap[4..8].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
        dap[8] = 0;
        bus.write(0x600, &dap);
        r.set_dl(0x80);
        r.set_ax(0x4200);
        int13(&mut fw, &mut r, &mut bus);
        assert!(frame_cf(&mut bus, &r));
        // AH=48h.
        bus.write_u16(0x700, 0x1E);
        r.set_si(0x700);
        r.set_dl(0xE0);
        r.set_ax(0x4800);
        int13(&mut fw, &mut r, &mut bus);
        assert!(!frame_cf(&mut bus, &r));
        assert_eq!(bus.read_u16(0x700), 0x1E);
        assert_eq!(bus.read_u32(0x700 + 16), 16);
        assert_eq!(bus.read_u16(0x700 + 24), 2048);
        r.set_dl(0x80);
        r.set_ax(0x4800);
        int13(&mut fw, &mut r, &mut bus);
        assert_eq!(bus.read_u32(0x700 + 16), 100);
        assert_eq!(bus.read_u16(0x700 + 24), 512);
    }

    #[test]
    fn read_only_disks_refuse_writes() {
        let (mut fw, mut bus, mut r) = setup();
        let mut d = disk(100, 512);
        d.read_only = true;
        fw.attach_hard_disk(d);
        r.set_dl(0x80);
        r.set_ax(0x0301);
        r.set_cx(0x0001);
        int13(&mut fw, &mut r, &mut bus);
        assert!(frame_cf(&mut bus, &r));
        assert_eq!(r.ah(), status::WRITE_PROTECTED);
    }
}
