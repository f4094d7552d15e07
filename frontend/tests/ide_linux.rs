//! Linux on the PIIX IDE: boots the guest kit's 686 kernel with `--hda` (a raw disk with an
//! MBR partition) and `--cdrom` (a small ISO 9660 image), loads Debian's `ata_piix`, `sd_mod`
//! and `sr_mod` modules from an initramfs appended to the kit's, and checks from inside the
//! guest that the partition table is read (`sda1`), that the partition and the CD's volume
//! descriptor read back, that the disk runs in multiword DMA mode 2 (bus-master transfers), and that a
//! guest write reaches the image file — or, with `--snapshot`, leaves it byte-identical.
//! Needs the guest kit (test-roms/guests, built by fetch.sh; these tests skip when it is
//! missing). Release builds only: a boot takes minutes in a debug build.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{append_to_initrd, cpio_entry, kit_with_modules, run_boot, tail, OX86};

/// Modules to load, in dependency order (paths under lib/modules/VERSION/kernel).
const MODULES: [&str; 12] = [
    "drivers/scsi/scsi_common",
    "drivers/scsi/scsi_mod",
    "drivers/ata/libata",
    "drivers/ata/ata_piix",
    "crypto/crct10dif_common",
    "lib/crc-t10dif",
    "lib/crc64",
    "lib/crc64-rocksoft",
    "block/t10-pi",
    "drivers/scsi/sd_mod",
    "drivers/cdrom/cdrom",
    "drivers/scsi/sr_mod",
];
/// Disk size and where its partition starts.
const DISK_SECTORS: u32 = 65536;
const PART_START: u32 = 2048;
/// Sector the guest writes.
const WRITE_LBA: usize = 100;

/// The kit's initrd followed by an uncompressed cpio with the modules and `/ide-init` (the
/// kernel unpacks concatenated archives in turn).
fn initrd(kit_initrd: &Path, modules: &Path, dir: &Path) -> PathBuf {
    let names: Vec<&str> = MODULES
        .iter()
        .map(|m| m.rsplit('/').next().unwrap())
        .collect();
    let script = format!(
        r#"#!/bin/sh
/bin/busybox mkdir -p /proc /sys /dev
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in {mods}; do insmod /ide/$m.ko || echo "IDE-TEST insmod $m failed"; done
for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /dev/sda1 ] && [ -e /dev/sr0 ] && break; sleep 1; done
echo "IDE-TEST sda1: $(dd if=/dev/sda1 bs=8 count=1 2>/dev/null)"
echo "IDE-TEST sr0: $(dd if=/dev/sr0 bs=2048 skip=16 count=1 2>/dev/null | dd bs=1 skip=1 count=5 2>/dev/null)"
echo "IDE-TEST xfer: $(cat /sys/class/ata_device/dev1.0/xfer_mode)"
echo "IDE-TEST written" | dd of=/dev/sda bs=512 seek={lba} conv=sync 2>/dev/null
sync
echo "IDE-TEST readback: $(dd if=/dev/sda bs=512 skip={lba} count=1 iflag=direct 2>/dev/null | head -c 16)"
exec /init
"#,
        mods = names.join(" "),
        lba = WRITE_LBA
    );
    let mut cpio = Vec::new();
    cpio_entry(&mut cpio, 9001, "ide", 0o40755, &[]);
    for (i, m) in MODULES.iter().enumerate() {
        let data = std::fs::read(modules.join(format!("{m}.ko"))).expect("kernel module");
        cpio_entry(
            &mut cpio,
            9002 + i as u32,
            &format!("ide/{}.ko", names[i]),
            0o100644,
            &data,
        );
    }
    cpio_entry(&mut cpio, 9100, "ide-init", 0o100755, script.as_bytes());
    append_to_initrd(kit_initrd, cpio, dir.join("initrd-ide.img"))
}

/// A disk with one Linux partition whose first bytes are "OX86DISK".
fn disk(dir: &Path) -> PathBuf {
    let mut d = vec![0u8; DISK_SECTORS as usize * 512];
    let e = &mut d[446..462];
    e[0] = 0x80;
    e[4] = 0x83;
    e[8..12].copy_from_slice(&PART_START.to_le_bytes());
    e[12..16].copy_from_slice(&(DISK_SECTORS - PART_START).to_le_bytes());
    d[510] = 0x55;
    d[511] = 0xAA;
    let p = PART_START as usize * 512;
    d[p..p + 8].copy_from_slice(b"OX86DISK");
    let path = dir.join("hd.img");
    std::fs::write(&path, d).unwrap();
    path
}

/// A 64-sector ISO 9660 image: just the volume descriptors.
fn iso(dir: &Path) -> PathBuf {
    let mut d = vec![0u8; 64 * 2048];
    let pvd = &mut d[16 * 2048..];
    pvd[0] = 1;
    pvd[1..6].copy_from_slice(b"CD001");
    pvd[6] = 1;
    pvd[80..84].copy_from_slice(&64u32.to_le_bytes());
    pvd[84..88].copy_from_slice(&64u32.to_be_bytes());
    let term = &mut d[17 * 2048..];
    term[0] = 255;
    term[1..6].copy_from_slice(b"CD001");
    term[6] = 1;
    let path = dir.join("cd.iso");
    std::fs::write(&path, d).unwrap();
    path
}

fn boot_with_drives(snapshot: bool) {
    let Some((k, kit_initrd, modules)) = kit_with_modules() else {
        eprintln!("skipped: the guest kit is not built (bash test-roms/guests/fetch.sh)");
        return;
    };
    let dir =
        std::env::temp_dir().join(format!("ox86-ide-linux-{}-{snapshot}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let initrd = initrd(&kit_initrd, &modules, &dir);
    let hd = disk(&dir);
    let cd = iso(&dir);
    let before = std::fs::read(&hd).unwrap();
    let mut cmd = Command::new(OX86);
    cmd.args(["run", "--headless", "--quiet", "--kernel"])
        .arg(&k)
        .arg("--initrd")
        .arg(&initrd)
        .args(["--append", "console=ttyS0 guest.work=0 rdinit=/ide-init"])
        .args([
            "--serial",
            "stdio",
            "--memory",
            "256",
            "--no-reboot",
            "--timeout",
            "1800",
        ])
        // Guest time from the instruction count: the same run however
        // loaded the host is.
        .arg("--deterministic")
        .arg("--hda")
        .arg(&hd)
        .arg("--cdrom")
        .arg(&cd);
    if snapshot {
        cmd.arg("--snapshot");
    }
    let out = run_boot(&mut cmd);
    let serial = String::from_utf8_lossy(&out.stdout);
    let context = format!(
        "status {:?}; last lines:\n{}",
        out.status,
        tail(&serial, 40)
    );
    for want in [
        " sda: sda1",
        "IDE-TEST sda1: OX86DISK",
        "IDE-TEST sr0: CD001",
        "IDE-TEST xfer: XFER_MW_DMA_2",
        "IDE-TEST readback: IDE-TEST written",
        "GUEST-END",
    ] {
        assert!(serial.contains(want), "missing {want:?}; {context}");
    }
    assert!(
        !serial.contains("insmod"),
        "a module failed to load; {context}"
    );
    assert_eq!(out.status.code(), Some(0), "{context}");
    let after = std::fs::read(&hd).unwrap();
    if snapshot {
        assert!(after == before, "--snapshot modified the image");
    } else {
        let s = &after[WRITE_LBA * 512..WRITE_LBA * 512 + 16];
        assert_eq!(s, b"IDE-TEST written", "the guest's write is in the image");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[cfg_attr(debug_assertions, ignore = "boots Linux: release builds only")]
fn linux_finds_disk_and_cdrom_and_writes_reach_the_image() {
    boot_with_drives(false);
}

#[test]
#[cfg_attr(debug_assertions, ignore = "boots Linux: release builds only")]
fn snapshot_leaves_the_image_byte_identical() {
    boot_with_drives(true);
}
