//! Linux's floppy driver on the 82077AA: boots the guest kit's 686 kernel with `--fda` (a 1.44M
//! image whose sectors start with their LBA), loads Debian's `floppy` module from an initramfs
//! appended to the kit's, and checks from inside the guest that the controller is recognised
//! ("post-1991 82077"), that sectors on both sides read back (DMA channel 2), that the whole
//! disk's MD5 matches the image's, and that a guest write reaches the image file.
//! Needs the guest kit (test-roms/guests, built by fetch.sh; skipped when it is missing).
//! Release builds only: a boot takes minutes in a debug build.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{append_to_initrd, cpio_entry, kit_with_modules, run_boot, tail, OX86};

const SIZE_144: usize = 1_474_560;
/// Sector the guest writes.
const WRITE_LBA: usize = 100;

/// The kit's initrd followed by a cpio with floppy.ko and `/fd-init`.
fn initrd(kit_initrd: &Path, modules: &Path, dir: &Path) -> PathBuf {
    let script = format!(
        r#"#!/bin/sh
/bin/busybox mkdir -p /proc /sys /dev
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
insmod /fd/floppy.ko || echo "FD-TEST insmod failed"
for i in 1 2 3 4 5; do [ -e /dev/fd0 ] && break; sleep 1; done
echo "FD-TEST lba1: $(dd if=/dev/fd0 bs=512 skip=1 count=1 2>/dev/null | head -c 8)"
echo "FD-TEST lba71: $(dd if=/dev/fd0 bs=512 skip=71 count=1 2>/dev/null | od -An -tu2 -N2 | tr -d ' ')"
echo "FD-TEST md5: $(md5sum < /dev/fd0 | cut -d' ' -f1)"
echo "FD-TEST written" | dd of=/dev/fd0 bs=512 seek={lba} conv=sync 2>/dev/null
sync
echo 3 > /proc/sys/vm/drop_caches
echo "FD-TEST readback: $(dd if=/dev/fd0 bs=512 skip={lba} count=1 2>/dev/null | head -c 15)"
dmesg | grep -E "Floppy|FDC"
exec /init
"#,
        lba = WRITE_LBA
    );
    let mut cpio = Vec::new();
    cpio_entry(&mut cpio, 9001, "fd", 0o40755, &[]);
    let ko = std::fs::read(modules.join("drivers/block/floppy.ko")).expect("floppy.ko");
    cpio_entry(&mut cpio, 9002, "fd/floppy.ko", 0o100644, &ko);
    cpio_entry(&mut cpio, 9003, "fd-init", 0o100755, script.as_bytes());
    append_to_initrd(kit_initrd, cpio, dir.join("initrd-fd.img"))
}

/// A 1.44M image: every sector starts with its LBA; "OX86FLOP" at LBA 1.
fn floppy(dir: &Path) -> (PathBuf, Vec<u8>) {
    let mut d = vec![0u8; SIZE_144];
    for lba in 0..SIZE_144 / 512 {
        d[lba * 512..lba * 512 + 2].copy_from_slice(&(lba as u16).to_le_bytes());
    }
    d[512..520].copy_from_slice(b"OX86FLOP");
    let path = dir.join("fd.img");
    std::fs::write(&path, &d).unwrap();
    (path, d)
}

/// MD5 of `data` as lowercase hex (RFC 1321), to compare with the guest's md5sum.
fn md5_hex(data: &[u8]) -> String {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i| ((i as f64 + 1.0).sin().abs() * 4_294_967_296.0) as u32)
        .collect();
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64) * 8).to_le_bytes());
    let mut h = [0x67452301u32, 0xefcdab89, 0x98badcfe, 0x10325476];
    for chunk in msg.chunks(64) {
        let m: Vec<u32> = chunk
            .chunks(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let [mut a, mut b, mut c, mut d] = h;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let t = d;
            d = c;
            c = b;
            b = b.wrapping_add(
                a.wrapping_add(f)
                    .wrapping_add(k[i])
                    .wrapping_add(m[g])
                    .rotate_left(S[i]),
            );
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d]) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter()
        .flat_map(|w| w.to_le_bytes())
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn md5_of_known_strings() {
    assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
    assert_eq!(
        md5_hex(b"The quick brown fox jumps over the lazy dog"),
        "9e107d9d372bb6826bd81d3542a419d6"
    );
}

#[test]
#[cfg_attr(debug_assertions, ignore = "boots Linux: release builds only")]
fn linux_floppy_driver_reads_and_writes_through_the_82077aa() {
    let Some((k, kit_initrd, modules)) = kit_with_modules() else {
        eprintln!("skipped: the guest kit is not built (bash test-roms/guests/fetch.sh)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("ox86-fdc-linux-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let initrd = initrd(&kit_initrd, &modules, &dir);
    let (fd, contents) = floppy(&dir);
    let md5 = md5_hex(&contents);
    let out = run_boot(
        Command::new(OX86)
            .args(["run", "--headless", "--quiet", "--kernel"])
            .arg(&k)
            .arg("--initrd")
            .arg(&initrd)
            .args(["--append", "console=ttyS0 guest.work=0 rdinit=/fd-init"])
            .args(["--serial", "stdio", "--memory", "256", "--no-reboot"])
            .args(["--timeout", "1800", "--deterministic", "--fda"])
            .arg(&fd),
    );
    let serial = String::from_utf8_lossy(&out.stdout);
    let context = format!(
        "status {:?}; last lines:\n{}",
        out.status,
        tail(&serial, 40)
    );
    for want in [
        "Floppy drive(s): fd0 is 1.44M".to_string(),
        "FDC 0 is a post-1991 82077".to_string(),
        "FD-TEST lba1: OX86FLOP".to_string(),
        "FD-TEST lba71: 71".to_string(),
        format!("FD-TEST md5: {md5}"),
        "FD-TEST readback: FD-TEST written".to_string(),
        "GUEST-END".to_string(),
    ] {
        assert!(serial.contains(&want), "missing {want:?}; {context}");
    }
    assert!(!serial.contains("insmod failed"), "{context}");
    assert_eq!(out.status.code(), Some(0), "{context}");
    let after = std::fs::read(&fd).unwrap();
    assert_eq!(
        &after[WRITE_LBA * 512..WRITE_LBA * 512 + 15],
        b"FD-TEST written",
        "the guest's write is in the image"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
