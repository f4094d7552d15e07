//! Boots the guest kit through firmware, from the bootable images that
//! `test-roms/guests/images.sh` builds from Debian packages (see its header):
//!
//! - `kit-extlinux.img` (raw hard disk: syslinux's MBR, an ext2 partition with EXTLINUX,
//!   the kit's 686 kernel and busybox initramfs in /boot; built by
//!   `test-roms/guests/extlinux.sh`, which needs root and a loop mount) with ox86's built-in
//!   BIOS, and
//! - `kit-isolinux.iso` (El Torito no-emulation CD with ISOLINUX) and `kit-extlinux.img`
//!   with Debian's SeaBIOS 1.16 (`--bios cache/out/bios.bin`).
//!
//! (images.sh's `kit-syslinux.img`, the same loader core on FAT16, is not booted here: it
//! would cost two more Linux boots of CI time for a path the EXTLINUX boots cover up to the
//! file system driver.)
//!
//! Each boot must print the loader's banner, reach every line of
//! `test-roms/guests/expected.txt` (GUEST-BOOT-OK, the workload's results, GUEST-END) and
//! end with the guest's ACPI power-off (status 0). The ISO with the built-in BIOS is
//! frontend/tests/bios_boot.rs (the bios helper's test, same image).
//!
//! memtest86+ 6.10 (ia32) from `memtest86+ia32.img` (1.44 MB floppy) with the built-in BIOS
//! must complete its first pass with no errors, read from the VGA's text screen
//! (`--until-text`, `--text-dump`).
//!
//! The kit and its images are built when missing; where they cannot be (no apt, no network,
//! no xorriso/mtools), the tests say that they skipped. Release builds only: a Linux boot
//! costs 2–3 minutes of host CPU even there. The disk images are attached with `--snapshot`,
//! so the cached images are never written.

mod common;

use common::{expected, first_missing, kit_image, path, run_boot, tail, Match, OX86};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Instant;

/// Host seconds a boot may take before ox86 stops it (status 8). A boot costs 2–3 minutes of
/// CPU; on a loaded 2-core host the three boots of this file ran for 20–30 minutes each.
const TIMEOUT_S: &str = "3000";
/// Host seconds memtest86+ may run before ox86 stops it (a safety net: the run ends when the
/// screen shows the first completed pass). With 8 MiB its first pass is the memory tests
/// (about 6 G instructions) plus the bit-fade test's 2 x 80 s of real-time sleep: 600-1000 s
/// on a loaded 2-core host.
const MEMTEST_TIMEOUT_S: &str = "3000";
/// What memtest86+ 6.10 shows once its first pass is complete (row 8: "Pass:  N  Errors: E").
const MEMTEST_PASS_1: &str = "Pass:  1";
/// The EXTLINUX hard disk image (test-roms/guests/extlinux.sh).
const EXTLINUX_IMG: &str = "kit-extlinux.img";
/// What ldlinux prints when it loads the kernel from extlinux.conf: the path is on the ext2
/// file system (kit-syslinux.img's FAT configuration loads `/vmlinuz`).
const EXTLINUX_LOADS_KERNEL: &str = "Loading /boot/vmlinuz... ok";
/// The loader's banner. SYSLINUX 6 has one ldlinux core for every file system, and its banner
/// says SYSLINUX on ext2 too.
const LDLINUX_BANNER: &str = "SYSLINUX 6.04";

/// `ox86 run --headless` with the serial console on stdout and `args`.
fn ox86(args: &[&str]) -> Output {
    run_boot(
        Command::new(OX86)
            .args([
                "run",
                "--headless",
                "--quiet",
                "--serial",
                "stdio",
                "--no-reboot",
            ])
            .args(["--timeout", TIMEOUT_S])
            .args(args),
    )
}

/// Boots the kit with `args` (firmware, drive, boot order): the loader's `banner` appears on
/// COM1, then every expected line in order, and the guest powers off (status 0). Returns the
/// serial output.
fn boot_kit(what: &str, banner: &str, args: &[&str]) -> String {
    let start = Instant::now();
    let out = ox86(&[&["--memory", "256"], args].concat());
    let secs = start.elapsed().as_secs_f64();
    let serial = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{what}: {secs:.1} s host time, {}", out.status);
    assert!(
        serial.contains(banner),
        "{what}: no {banner:?} banner on COM1 ({}):\n{}\nstderr:\n{}",
        out.status,
        tail(&serial, 30),
        tail(&stderr, 30)
    );
    let want = expected();
    if let Some(line) = first_missing(&serial, &want, Match::Within) {
        panic!(
            "{what}: {line:?} missing from the serial output ({}); last lines:\n{}\nstderr:\n{}",
            out.status,
            tail(&serial, 30),
            tail(&stderr, 30)
        );
    }
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: the guest did not power off; last lines:\n{}\nstderr:\n{}",
        tail(&serial, 10),
        tail(&stderr, 30)
    );
    serial
}

/// kit-extlinux.img, checked before booting it: the MBR's first partition is an active Linux
/// partition (83h) at LBA 2048 holding ext2 (superblock magic EF53h at byte 1080), with EXTLINUX's
/// boot sector (hidden sectors = 2048) in its first sector.
fn extlinux_image() -> Option<PathBuf> {
    let hdd = kit_image(EXTLINUX_IMG)?;
    let mut f = std::fs::File::open(&hdd).expect("open kit-extlinux.img");
    let read_at = |f: &mut std::fs::File, off: u64, buf: &mut [u8]| {
        use std::io::{Read, Seek, SeekFrom};
        f.seek(SeekFrom::Start(off)).expect("seek");
        f.read_exact(buf).expect("read kit-extlinux.img");
    };
    let mut mbr = [0u8; 512];
    read_at(&mut f, 0, &mut mbr);
    let entry = &mbr[446..462];
    assert_eq!(&mbr[510..], &[0x55, 0xAA], "MBR signature");
    assert_eq!((entry[0], entry[4]), (0x80, 0x83), "active Linux partition");
    let lba = u32::from_le_bytes([entry[8], entry[9], entry[10], entry[11]]);
    assert_eq!(lba, 2048, "partition start");
    let base = u64::from(lba) * 512;
    let mut vbr = [0u8; 512];
    read_at(&mut f, base, &mut vbr);
    assert_eq!(
        u32::from_le_bytes([vbr[0x1C], vbr[0x1D], vbr[0x1E], vbr[0x1F]]),
        lba,
        "EXTLINUX boot sector's hidden sectors"
    );
    let mut magic = [0u8; 2];
    read_at(&mut f, base + 1024 + 56, &mut magic);
    assert_eq!(u16::from_le_bytes(magic), 0xEF53, "ext2 superblock magic");
    Some(hdd)
}

/// Boots kit-extlinux.img with `firmware` arguments (none: the built-in BIOS).
fn boot_extlinux(what: &str, firmware: &[&str]) {
    let Some(hdd) = extlinux_image() else {
        return;
    };
    let drive = ["--hda", path(&hdd), "--snapshot", "--boot", "c"];
    let serial = boot_kit(what, LDLINUX_BANNER, &[firmware, &drive].concat());
    assert!(
        serial.contains(EXTLINUX_LOADS_KERNEL),
        "{what}: no {EXTLINUX_LOADS_KERNEL:?} (the kernel from ext2) on COM1"
    );
}

#[test]
#[cfg_attr(debug_assertions, ignore = "a Linux boot needs a release build")]
fn extlinux_hard_disk_boots_the_kit_with_the_builtin_bios() {
    boot_extlinux("built-in BIOS, EXTLINUX hard disk", &[]);
}

#[test]
#[cfg_attr(debug_assertions, ignore = "a Linux boot needs a release build")]
fn isolinux_cd_boots_the_kit_with_seabios() {
    let (Some(iso), Some(bios)) = (kit_image("kit-isolinux.iso"), kit_image("bios.bin")) else {
        return;
    };
    boot_kit(
        "SeaBIOS, ISOLINUX CD",
        "ISOLINUX 6.04",
        &["--bios", path(&bios), "--cdrom", path(&iso), "--boot", "d"],
    );
}

#[test]
#[cfg_attr(debug_assertions, ignore = "a Linux boot needs a release build")]
fn extlinux_hard_disk_boots_the_kit_with_seabios() {
    let Some(bios) = kit_image("bios.bin") else {
        return;
    };
    boot_extlinux("SeaBIOS, EXTLINUX hard disk", &["--bios", path(&bios)]);
}

/// memtest86+ 6.10 (ia32) from a 1.44 MB floppy with the built-in BIOS: the boot sector loads
/// the program through INT 13h, it switches to protected mode, sizes memory from E820 and runs
/// its first pass (tests 0–10; the first pass divides the iterations by 3, so the bit-fade test
/// sleeps 2 × 80 s of guest time). memtest never stops by itself: the run ends (status 0) when
/// the VGA's text screen shows the first pass done (`--until-text`), and `--text-dump` prints
/// that screen; `--timeout` is only the safety net. The real-time clock makes the bit-fade
/// sleeps cost host time but little CPU. 8 MiB of RAM keeps the memory tests short.
#[test]
#[cfg_attr(debug_assertions, ignore = "memtest86+ needs a release build")]
fn memtest86_floppy_completes_its_first_pass_with_the_builtin_bios() {
    let Some(fd) = kit_image("memtest86+ia32.img") else {
        return;
    };
    let start = Instant::now();
    let out = run_boot(
        Command::new(OX86)
            .args([
                "run",
                "--headless",
                "--quiet",
                "--fda",
                path(&fd),
                "--boot",
                "a",
            ])
            .args([
                "--memory",
                "8",
                "--timeout",
                MEMTEST_TIMEOUT_S,
                "--until-text",
                MEMTEST_PASS_1,
                "--text-dump",
            ]),
    );
    let secs = start.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let screen: Vec<&str> = text.lines().collect();
    eprintln!(
        "memtest86+ floppy: {secs:.1} s host time, {}\n{text}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "memtest86+ should show {MEMTEST_PASS_1:?} before the timeout:\n{text}"
    );
    assert_eq!(screen.len(), 25, "the 80x25 text screen:\n{text}");
    assert!(
        screen[0].contains("Memtest86+ v6"),
        "no memtest86+ banner:\n{text}"
    );
    // Row 8: "Pass:  N        Errors: 0" (N = completed passes).
    let passes: u32 = screen[8]
        .split("Pass:")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(passes >= 1, "the first pass did not complete:\n{text}");
    assert!(
        screen[8].contains("Errors: 0"),
        "memtest86+ reports errors:\n{text}"
    );
}
