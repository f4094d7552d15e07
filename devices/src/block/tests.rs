//! Unit tests of the raw image backend with temporary files.

use super::*;
use crate::testutil::TempImage;

/// `sectors` sectors of `size` bytes, each filled with its index (mod 251).
fn pattern(sectors: usize, size: usize) -> Vec<u8> {
    (0..sectors * size)
        .map(|i| ((i / size) % 251) as u8)
        .collect()
}

#[test]
fn raw_disk_reads_sectors_by_lba() {
    let img = TempImage::new("disk.img", &pattern(16, 512));
    let mut d = BlockDevice::open(&img.0, MediaKind::Disk, OpenOptions::default()).unwrap();
    assert_eq!(
        (d.sector_size(), d.sector_count(), d.size_bytes()),
        (512, 16, 8192)
    );
    assert!(!d.is_read_only());
    let mut buf = vec![0u8; 1024];
    d.read(5, &mut buf).unwrap();
    assert!(buf[..512].iter().all(|&b| b == 5) && buf[512..].iter().all(|&b| b == 6));
}

#[test]
fn writes_reach_the_file() {
    let img = TempImage::new("w.img", &pattern(8, 512));
    {
        let mut d = BlockDevice::open(&img.0, MediaKind::Disk, OpenOptions::default()).unwrap();
        d.write(3, &[0xAB; 1024]).unwrap();
        d.flush().unwrap();
        let mut buf = [0u8; 512];
        d.read(4, &mut buf).unwrap();
        assert_eq!(buf, [0xAB; 512]);
    }
    let b = img.bytes();
    assert!(b[3 * 512..5 * 512].iter().all(|&x| x == 0xAB));
    assert!(b[5 * 512..6 * 512].iter().all(|&x| x == 5));
}

#[test]
fn snapshot_keeps_the_image_unchanged() {
    let orig = pattern(8, 512);
    let img = TempImage::new("snap.img", &orig);
    let opts = OpenOptions {
        snapshot: true,
        ..Default::default()
    };
    {
        let mut d = BlockDevice::open(&img.0, MediaKind::Disk, opts).unwrap();
        assert!(d.is_snapshot() && !d.is_read_only());
        d.write(2, &[0xCC; 512]).unwrap();
        d.write(4, &[0xDD; 512]).unwrap();
        d.write(2, &[0xEE; 512]).unwrap();
        d.flush().unwrap();
        // A read spanning overlay and file sectors merges both.
        let mut buf = vec![0u8; 5 * 512];
        d.read(1, &mut buf).unwrap();
        let firsts: Vec<u8> = buf.chunks(512).map(|c| c[0]).collect();
        assert_eq!(firsts, [1, 0xEE, 3, 0xDD, 5]);
    }
    assert_eq!(img.bytes(), orig);
}

#[test]
fn read_only_media_reject_writes() {
    let img = TempImage::new("ro.img", &pattern(4, 512));
    let opts = OpenOptions {
        read_only: true,
        ..Default::default()
    };
    let mut d = BlockDevice::open(&img.0, MediaKind::Disk, opts).unwrap();
    assert!(d.is_read_only());
    let err = d.write(0, &[0; 512]).unwrap_err();
    assert!(matches!(err, BlockError::ReadOnly { .. }));
    assert!(err.to_string().contains("ro.img"), "{err}");
}

#[test]
fn read_only_host_file_opens_read_only() {
    use std::os::unix::fs::PermissionsExt;
    let img = TempImage::new("perm.img", &pattern(4, 512));
    std::fs::set_permissions(&img.0, std::fs::Permissions::from_mode(0o444)).unwrap();
    // Root ignores file modes; only check when the open for writing really fails.
    let writable = FsOpenOptions::new().write(true).open(&img.0).is_ok();
    let d = BlockDevice::open(&img.0, MediaKind::Disk, OpenOptions::default()).unwrap();
    assert_eq!(d.is_read_only(), !writable);
}

#[test]
fn out_of_range_and_partial_sector_accesses_fail() {
    let img = TempImage::new("range.img", &pattern(4, 512));
    let mut d = BlockDevice::open(&img.0, MediaKind::Disk, OpenOptions::default()).unwrap();
    let mut buf = vec![0u8; 1024];
    assert!(matches!(
        d.read(3, &mut buf),
        Err(BlockError::OutOfRange { .. })
    ));
    assert!(matches!(
        d.read(u64::MAX, &mut buf),
        Err(BlockError::OutOfRange { .. })
    ));
    assert!(matches!(
        d.write(4, &[0; 512]),
        Err(BlockError::OutOfRange { .. })
    ));
    assert!(matches!(
        d.read(0, &mut [0u8; 100]),
        Err(BlockError::BadLength { .. })
    ));
    d.read(2, &mut buf).unwrap();
}

#[test]
fn cdrom_uses_2048_byte_sectors_and_is_read_only() {
    let img = TempImage::new("cd.iso", &pattern(20, 2048));
    assert_eq!(MediaKind::guess_from_path(&img.0), MediaKind::Cdrom);
    let mut d = BlockDevice::open_auto(&img.0, OpenOptions::default()).unwrap();
    assert_eq!((d.sector_size(), d.sector_count()), (2048, 20));
    assert!(d.is_read_only());
    let mut buf = vec![0u8; 2048];
    d.read(19, &mut buf).unwrap();
    assert!(buf.iter().all(|&b| b == 19));
    assert!(matches!(d.write(0, &buf), Err(BlockError::ReadOnly { .. })));
}

#[test]
fn cdrom_partial_last_sector_reads_as_zeros() {
    let mut data = pattern(3, 2048);
    data.truncate(2 * 2048 + 100);
    let img = TempImage::new("short.iso", &data);
    let mut d = BlockDevice::open(&img.0, MediaKind::Cdrom, OpenOptions::default()).unwrap();
    assert_eq!(d.sector_count(), 3);
    let mut buf = vec![0xFFu8; 2048];
    d.read(2, &mut buf).unwrap();
    assert!(buf[..100].iter().all(|&b| b == 2) && buf[100..].iter().all(|&b| b == 0));
}

#[test]
fn truncated_iso_volume_is_an_error() {
    let mut data = vec![0u8; 20 * 2048];
    let pvd = &mut data[16 * 2048..];
    pvd[0] = 1;
    pvd[1..6].copy_from_slice(b"CD001");
    pvd[80..84].copy_from_slice(&100u32.to_le_bytes());
    pvd[84..88].copy_from_slice(&100u32.to_be_bytes());
    let img = TempImage::new("trunc.iso", &data);
    let err = BlockDevice::open(&img.0, MediaKind::Cdrom, OpenOptions::default()).unwrap_err();
    assert!(matches!(err, BlockError::Truncated { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("trunc.iso") && !msg.contains('\n'), "{msg}");
}

#[test]
fn mbr_partition_past_the_end_is_truncated() {
    let mut data = vec![0u8; 64 * 512];
    data[510] = 0x55;
    data[511] = 0xAA;
    let e = &mut data[446..462];
    e[4] = 0x83;
    e[8..12].copy_from_slice(&2048u32.to_le_bytes());
    e[12..16].copy_from_slice(&4096u32.to_le_bytes());
    let img = TempImage::new("mbr.img", &data);
    let err = BlockDevice::open(&img.0, MediaKind::Disk, OpenOptions::default()).unwrap_err();
    assert!(matches!(err, BlockError::Truncated { .. }), "{err}");
    // The same partition on a big enough disk is fine.
    data.resize(6144 * 512, 0);
    let img = TempImage::new("mbr-ok.img", &data);
    BlockDevice::open(&img.0, MediaKind::Disk, OpenOptions::default()).unwrap();
}

#[test]
fn disk_of_partial_sectors_is_truncated() {
    let img = TempImage::new("odd.img", &[0u8; 1000]);
    let err = BlockDevice::open(&img.0, MediaKind::Disk, OpenOptions::default()).unwrap_err();
    assert!(matches!(err, BlockError::Truncated { .. }), "{err}");
}

#[test]
fn empty_missing_and_directory_images_are_errors() {
    let img = TempImage::new("empty.img", &[]);
    let err = BlockDevice::open(&img.0, MediaKind::Disk, OpenOptions::default()).unwrap_err();
    assert!(matches!(err, BlockError::Empty { .. }));
    let missing = std::env::temp_dir().join("ox86-block-does-not-exist.img");
    let err = BlockDevice::open(&missing, MediaKind::Disk, OpenOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("ox86-block-does-not-exist.img"),
        "{err}"
    );
    let dir = std::env::temp_dir();
    assert!(BlockDevice::open(&dir, MediaKind::Disk, OpenOptions::default()).is_err());
}

#[test]
fn floppy_images_must_have_a_floppy_size() {
    let img = TempImage::new("fd.img", &vec![0u8; 1_474_560]);
    let d = BlockDevice::open(&img.0, MediaKind::Floppy, OpenOptions::default()).unwrap();
    assert_eq!(d.sector_count(), 2880);
    assert_eq!(d.floppy_geometry().map(|g| g.sectors_per_track), Some(18));
    let img = TempImage::new("fd-bad.img", &vec![0u8; 1_474_560 - 512]);
    let err = BlockDevice::open(&img.0, MediaKind::Floppy, OpenOptions::default()).unwrap_err();
    assert!(matches!(err, BlockError::FloppySize { .. }), "{err}");
    assert!(err.to_string().contains("fd-bad.img"));
}

#[test]
fn other_container_formats_get_a_one_line_error() {
    let mut data = vec![0u8; 4096];
    data[..4].copy_from_slice(b"KDMV");
    let img = TempImage::new("disk.vmdk", &data);
    let err = BlockDevice::open(&img.0, MediaKind::Disk, OpenOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("VMDK") && msg.contains("disk.vmdk") && !msg.contains('\n'),
        "{msg}"
    );
}

#[test]
fn corrupt_qcow2_is_a_one_line_error() {
    let mut data = vec![0u8; 4096];
    data[..8].copy_from_slice(b"QFI\xfb\0\0\0\x03");
    let img = TempImage::new("bad.qcow2", &data);
    let err = BlockDevice::open(&img.0, MediaKind::Disk, OpenOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("bad.qcow2") && !msg.contains('\n'), "{msg}");
}

/// Create an empty qcow2 image of `size` bytes with imago.
fn make_qcow2(name: &str, size: u64) -> TempImage {
    use imago::{FormatCreateBuilder, Storage, StorageOpenOptions};
    let img = TempImage::new(name, &[]);
    let storage =
        imago::file::File::open(StorageOpenOptions::new().write(true).filename(&img.0)).unwrap();
    imago::qcow2::Qcow2::<imago::file::File>::create_builder(storage)
        .size(size)
        .create()
        .unwrap();
    img
}

#[test]
fn qcow2_images_are_read_and_written_through_imago() {
    let img = make_qcow2("disk.qcow2", 1 << 20);
    {
        let mut d = BlockDevice::open(&img.0, MediaKind::Disk, OpenOptions::default()).unwrap();
        assert_eq!(d.sector_count(), 2048);
        let mut buf = [0xFFu8; 512];
        d.read(5, &mut buf).unwrap();
        assert_eq!(buf, [0; 512], "unallocated clusters read as zeros");
        d.write(5, &[0xAB; 512]).unwrap();
        d.write(2047, &[0xCD; 512]).unwrap();
        d.flush().unwrap();
    }
    let mut d = BlockDevice::open(&img.0, MediaKind::Disk, OpenOptions::default()).unwrap();
    let mut buf = vec![0u8; 3 * 512];
    d.read(4, &mut buf).unwrap();
    assert!(buf[..512].iter().all(|&b| b == 0));
    assert!(buf[512..1024].iter().all(|&b| b == 0xAB));
    let mut last = [0u8; 512];
    d.read(2047, &mut last).unwrap();
    assert_eq!(last, [0xCD; 512]);
    assert!(matches!(
        d.read(2048, &mut last),
        Err(BlockError::OutOfRange { .. })
    ));
}

#[test]
fn qcow2_snapshot_leaves_the_file_unchanged() {
    let img = make_qcow2("snap.qcow2", 1 << 20);
    let orig = img.bytes();
    {
        let opts = OpenOptions {
            snapshot: true,
            ..Default::default()
        };
        let mut d = BlockDevice::open(&img.0, MediaKind::Disk, opts).unwrap();
        d.write(0, &[0x11; 4096]).unwrap();
        let mut buf = [0u8; 512];
        d.read(7, &mut buf).unwrap();
        assert_eq!(buf, [0x11; 512]);
        d.flush().unwrap();
    }
    assert_eq!(img.bytes(), orig);
}
