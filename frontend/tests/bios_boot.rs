//! Boots the guest kit with ox86's built-in BIOS (`bios::firmware`): an ISO 9660 image
//! with ISOLINUX (El Torito no-emulation boot, INT 13h EDD reads of 2048-byte sectors,
//! INT 10h/15h/16h/1Ah) loads the kit's 686 kernel and initramfs with
//! `console=ttyS0`; the boot reaches `GUEST-BOOT-OK`, the workload's lines of
//! `test-roms/guests/expected.txt` appear and the guest powers off (status 0).
//!
//! The ISO is the kit's `cache/out/kit-isolinux.iso` when fetch.sh built it; otherwise this
//! test builds one from the kit's files (isolinux.bin, ldlinux.c32 from syslinux-common)
//! with xorriso. Without the kit or xorriso it says that it skipped. Release builds only
//! (a debug build is far too slow for a Linux boot).

use std::path::PathBuf;
use std::process::{Command, Stdio};

mod common;
use common::{expected, find, first_missing, guests, kit_out, run_boot, tail, Match, OX86};

/// Host seconds before ox86 gives up (a loaded 2-core host took 803 s).
const TIMEOUT_S: &str = "1800";

/// The ISOLINUX ISO of the kit, or None (after saying why) when it cannot be had here.
fn iso() -> Option<PathBuf> {
    let out = kit_out();
    let kit_iso = out.join("kit-isolinux.iso");
    if kit_iso.exists() {
        return Some(kit_iso);
    }
    let isolinux = out.join("isolinux.bin");
    let kernel = out.join("vmlinuz-686");
    let initrd = out.join("initrd-686.gz");
    let ldlinux = find(&guests().join("cache/x"), "ldlinux.c32");
    let (true, true, true, Some(ldlinux)) =
        (isolinux.exists(), kernel.exists(), initrd.exists(), ldlinux)
    else {
        eprintln!("skipped: the guest kit is not built (bash test-roms/guests/fetch.sh)");
        return None;
    };
    let dir = std::env::temp_dir().join(format!("ox86-bios-boot-{}", std::process::id()));
    let tree = dir.join("iso");
    std::fs::create_dir_all(tree.join("isolinux")).expect("temp dir");
    for (from, to) in [
        (&isolinux, "isolinux/isolinux.bin"),
        (&ldlinux, "isolinux/ldlinux.c32"),
        (&kernel, "vmlinuz"),
        (&initrd, "initrd.gz"),
    ] {
        std::fs::copy(from, tree.join(to)).expect("copy kit file");
    }
    std::fs::write(
        tree.join("isolinux/isolinux.cfg"),
        "SERIAL 0 115200\nDEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL /vmlinuz\n  \
         APPEND initrd=/initrd.gz console=ttyS0\n",
    )
    .expect("isolinux.cfg");
    let iso = dir.join("kit.iso");
    let st = Command::new("xorriso")
        .args(["-as", "mkisofs", "-quiet", "-o"])
        .arg(&iso)
        .args([
            "-b",
            "isolinux/isolinux.bin",
            "-c",
            "isolinux/boot.cat",
            "-no-emul-boot",
            "-boot-load-size",
            "4",
            "-boot-info-table",
        ])
        .arg(&tree)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status();
    match st {
        Ok(s) if s.success() => Some(iso),
        _ => {
            eprintln!("skipped: xorriso is not available (apt-get install -y xorriso)");
            None
        }
    }
}

#[test]
#[cfg_attr(debug_assertions, ignore = "a Linux boot needs a release build")]
fn isolinux_cd_boots_the_kit_with_the_builtin_bios() {
    let Some(iso) = iso() else { return };
    let out = run_boot(
        Command::new(OX86)
            .args(["run", "--headless", "--quiet", "--cdrom"])
            .arg(&iso)
            .args([
                "--boot",
                "d",
                "--bios-serial-console",
                "--serial",
                "stdio",
                "--memory",
                "256",
            ])
            .args(["--no-reboot", "--timeout", TIMEOUT_S]),
    );
    let serial = String::from_utf8_lossy(&out.stdout);
    let tail = tail(&serial, 30);
    assert!(
        serial.contains("ISOLINUX"),
        "no ISOLINUX banner on COM1:\n{tail}"
    );
    if let Some(line) = first_missing(&serial, &expected(), Match::Within) {
        panic!(
            "missing {line:?} (in order); last lines:\n{tail}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
