//! Boots the guest kit through firmware, from the bootable images that
//! `test-roms/guests/images.sh` builds from Debian packages (see its header):
//!
//! - `kit-syslinux.img` (raw hard disk: syslinux's MBR, a FAT16 partition with SYSLINUX,
//!   the kit's 686 kernel and busybox initramfs) with ox86's built-in BIOS, and
//! - `kit-isolinux.iso` (El Torito no-emulation CD with ISOLINUX) and `kit-syslinux.img`
//!   with Debian's SeaBIOS 1.16 (`--bios cache/out/bios.bin`).
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

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::Instant;

const OX86: &str = env!("CARGO_BIN_EXE_ox86");
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
/// fetch.sh's and images.sh's "skipped" status.
const SKIPPED: i32 = 77;

fn guests() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-roms/guests")
}

fn out_dir() -> PathBuf {
    guests().join("cache/out")
}

/// Runs a kit script; false (after saying so) when it reports "skipped".
fn run_script(name: &str) -> bool {
    let st = Command::new("bash")
        .arg(guests().join(name))
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status()
        .unwrap_or_else(|e| panic!("run bash test-roms/guests/{name}: {e}"));
    if st.code() == Some(SKIPPED) {
        eprintln!(
            "skipped: test-roms/guests/{name} could not build the kit here (see its message)"
        );
        return false;
    }
    assert!(st.success(), "test-roms/guests/{name} failed: {st}");
    true
}

/// The kit's image `name` in cache/out/, building the kit and its images once if needed;
/// None (after saying why) when they cannot be built here.
pub fn kit_image(name: &str) -> Option<PathBuf> {
    static LOCK: Mutex<()> = Mutex::new(());
    let _one_build_at_a_time = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let p = out_dir().join(name);
    if p.exists() {
        return Some(p);
    }
    if !out_dir().join("vmlinuz-686").exists() && !run_script("fetch.sh") {
        return None;
    }
    if !p.exists() && !run_script("images.sh") {
        return None;
    }
    assert!(p.exists(), "images.sh did not build {}", p.display());
    Some(p)
}

fn expected() -> Vec<String> {
    std::fs::read_to_string(guests().join("expected.txt"))
        .expect("test-roms/guests/expected.txt")
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The first line of `want` that does not appear, in order, in `serial`.
fn first_missing<'a>(serial: &str, want: &'a [String]) -> Option<&'a str> {
    let mut next = 0;
    for line in serial.lines().map(|l| l.trim_end_matches('\r')) {
        if next < want.len() && line.contains(want[next].as_str()) {
            next += 1;
        }
    }
    want.get(next).map(String::as_str)
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// `ox86 run --headless` with the serial console on stdout and `args`.
fn ox86(args: &[&str]) -> Output {
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
        .args(args)
        .stdin(Stdio::null())
        .env_remove("RUST_LOG")
        .output()
        .expect("run ox86")
}

/// Boots the kit with `args` (firmware, drive, boot order): the loader's `banner` appears on
/// COM1, then every expected line in order, and the guest powers off (status 0).
fn boot_kit(what: &str, banner: &str, args: &[&str]) {
    let start = Instant::now();
    let out = ox86(&[&["--memory", "256"], args].concat());
    let secs = start.elapsed().as_secs_f64();
    let serial = String::from_utf8_lossy(&out.stdout);
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
    if let Some(line) = first_missing(&serial, &want) {
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
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

#[test]
#[cfg_attr(debug_assertions, ignore = "a Linux boot needs a release build")]
fn syslinux_hard_disk_boots_the_kit_with_the_builtin_bios() {
    let Some(hdd) = kit_image("kit-syslinux.img") else {
        return;
    };
    boot_kit(
        "built-in BIOS, SYSLINUX hard disk",
        "SYSLINUX 6.04",
        &["--hda", path(&hdd), "--snapshot", "--boot", "c"],
    );
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
fn syslinux_hard_disk_boots_the_kit_with_seabios() {
    let (Some(hdd), Some(bios)) = (kit_image("kit-syslinux.img"), kit_image("bios.bin")) else {
        return;
    };
    boot_kit(
        "SeaBIOS, SYSLINUX hard disk",
        "SYSLINUX 6.04",
        &[
            "--bios",
            path(&bios),
            "--hda",
            path(&hdd),
            "--snapshot",
            "--boot",
            "c",
        ],
    );
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
    let out = Command::new(OX86)
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
        ])
        .stdin(Stdio::null())
        .env_remove("RUST_LOG")
        .output()
        .expect("run ox86");
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
