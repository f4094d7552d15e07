//! GRUB 2 (i386-pc, Debian's 2.06) boots the guest kit from a CD: `kit-grub.iso`, the rescue
//! CD that `test-roms/guests/images.sh` makes with grub-mkrescue from Debian's grub-common and
//! grub-pc-bin (El Torito no-emulation boot of cdboot.img + core.img; GRUB then reads its
//! modules and grub.cfg from the ISO 9660 file system through INT 13h extended reads).
//!
//! The image's grub.cfg puts GRUB's terminal on COM1 (and on the screen), shows its menu for
//! one second, then its first entry echoes `ox86-grub: ...` around `linux /vmlinuz
//! console=ttyS0 guest.work=0` and `initrd /initrd.gz`, and GRUB starts the kit's 686 kernel
//! through the 32-bit Linux boot protocol with its own E820 map from INT 15h.
//!
//! Each boot — ox86's built-in BIOS, then Debian's SeaBIOS 1.16 with its VGA BIOS
//! (`--bios bios.bin --vgabios vgabios-stdvga.bin`) — must show, in this order on COM1: GRUB's
//! menu (`GNU GRUB  version 2.06`, the entry's title, the countdown), `Booting ...`, the
//! entry's echo lines, the kernel's banner with the command line GRUB made (`BOOT_IMAGE=/vmlinuz
//! ... guest.work=0`), then the lines of `test-roms/guests/expected.txt` that the kit prints
//! without its workload (`guest.work=0` skips the MD5/loop/awk lines, which must not appear),
//! and end with the guest's ACPI power-off (status 0). The VGA text screen at the end
//! (`--text-dump`; Linux with `console=ttyS0` leaves it alone) must still show GRUB's
//! `Booting ...` and echo lines, written there through INT 10h.
//!
//! The runs are `--deterministic`, so a failure repeats at the same instruction; they print
//! their host time and instruction count. The kit and its images are built when missing; where
//! they cannot be (no apt, no network, no GRUB packages), the tests say that they skipped.
//! Release builds only (about a minute of host CPU per boot).

mod common;

use common::{kit_image, path, run_boot, tail, OX86};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Host seconds a boot may take before ox86 stops it (status 8): a boot costs about a minute of
/// CPU, several times that on a loaded 2-core host.
const TIMEOUT_S: &str = "3000";
/// The first entry of the image's grub.cfg (images.sh).
const ENTRY: &str = "ox86 kit: Linux 686 + busybox initramfs, guest.work=0";
/// expected.txt lines that only the workload prints (init.sh skips it with guest.work=0).
const WORKLOAD_LINES: [&str; 3] = ["GUEST-MD5", "GUEST-LOOP", "GUEST-AWK"];

/// expected.txt without the workload's lines.
fn expected_without_workload() -> Vec<String> {
    let mut want = common::expected();
    want.retain(|l| !WORKLOAD_LINES.iter().any(|w| l.starts_with(w)));
    assert!(
        want.len() >= 2,
        "expected.txt should keep GUEST-BOOT-OK and GUEST-END without the workload: {want:?}"
    );
    want
}

/// The first of `want` that does not appear in `text` after the previous one (GRUB's terminal
/// output has few line breaks: the menu and `Booting` share one line full of escape sequences).
fn first_missing_in_order<'a, S: AsRef<str>>(text: &str, want: &'a [S]) -> Option<&'a str> {
    let mut at = 0;
    for w in want {
        let w = w.as_ref();
        match text[at..].find(w) {
            Some(i) => at += i + w.len(),
            None => return Some(w),
        }
    }
    None
}

/// Boots `kit-grub.iso` with `firmware` (extra arguments) and checks GRUB's menu and steps,
/// the kernel's command line, the kit's lines, the power-off and the final text screen.
fn boot_grub_cd(what: &str, tag: &str, iso: &Path, firmware: &[&str]) {
    let serial_file =
        std::env::temp_dir().join(format!("ox86-grub-{tag}-{}.serial", std::process::id()));
    let start = Instant::now();
    let out = run_boot(
        Command::new(OX86)
            .args(["run", "--headless", "--no-reboot", "--deterministic"])
            .args(["--memory", "256", "--timeout", TIMEOUT_S])
            .args(firmware)
            .args(["--cdrom", path(iso), "--boot", "d"])
            .args(["--serial", path(&serial_file), "--text-dump"]),
    );
    let secs = start.elapsed().as_secs_f64();
    let serial =
        String::from_utf8_lossy(&std::fs::read(&serial_file).unwrap_or_default()).replace('\r', "");
    let _ = std::fs::remove_file(&serial_file);
    let screen = common::stdout(&out);
    let stderr = common::stderr(&out);
    let summary = stderr.lines().last().unwrap_or("");
    eprintln!("{what}: {secs:.1} s host time, {}; {summary}", out.status);
    let context = || {
        format!(
            "({}) last serial lines:\n{}\nscreen:\n{}\nstderr:\n{}",
            out.status,
            tail(&serial, 30),
            screen.trim_end(),
            tail(&stderr, 20)
        )
    };

    // GRUB's menu and the entry's steps, the kernel GRUB loaded, the kit's lines, in order.
    let booting = format!("Booting `{ENTRY}'");
    let mut want: Vec<String> = [
        "GNU GRUB  version 2.06",
        ENTRY,
        "The highlighted entry will be executed automatically in 1s.",
        &booting,
        "ox86-grub: loading /vmlinuz",
        "ox86-grub: loading /initrd.gz",
        "ox86-grub: booting Linux",
        "Linux version 6.",
        "Kernel command line: BOOT_IMAGE=/vmlinuz console=ttyS0 guest.work=0",
    ]
    .map(str::to_owned)
    .to_vec();
    want.extend(expected_without_workload());
    if let Some(missing) = first_missing_in_order(&serial, &want) {
        panic!(
            "{what}: {missing:?} missing (in order) from COM1 {}",
            context()
        );
    }
    for w in WORKLOAD_LINES {
        assert!(
            !serial.contains(w),
            "{what}: {w} printed although GRUB passed guest.work=0 {}",
            context()
        );
    }
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: the guest did not power off {}",
        context()
    );
    // GRUB's console output went to the VGA text screen too (INT 10h teletype).
    let on_screen = [booting.as_str(), "ox86-grub: booting Linux"];
    if let Some(missing) = first_missing_in_order(&screen, &on_screen) {
        panic!(
            "{what}: {missing:?} missing from the text screen {}",
            context()
        );
    }
}

#[test]
#[cfg_attr(debug_assertions, ignore = "a Linux boot needs a release build")]
fn grub_cd_boots_the_kit_with_the_builtin_bios() {
    let Some(iso) = kit_image("kit-grub.iso") else {
        return;
    };
    boot_grub_cd("built-in BIOS, GRUB 2 CD", "builtin", &iso, &[]);
}

#[test]
#[cfg_attr(debug_assertions, ignore = "a Linux boot needs a release build")]
fn grub_cd_boots_the_kit_with_seabios() {
    let (Some(iso), Some(bios), Some(vgabios)) = (
        kit_image("kit-grub.iso"),
        kit_image("bios.bin"),
        kit_image("vgabios-stdvga.bin"),
    ) else {
        return;
    };
    boot_grub_cd(
        "SeaBIOS, GRUB 2 CD",
        "seabios",
        &iso,
        &["--bios", path(&bios), "--vgabios", path(&vgabios)],
    );
}

/// `kit-grub-gfxterm.iso`: GRUB on gfxterm (VBE 800x600x32) lists the VBE modes and halts
/// (ACPI power-off, status 0). COM1 shows VBE 3.0 and the current mode 800x600x32, the VGA
/// switches to that graphics mode (`--text-stream`) and the final screen (`--screenshot`) is
/// 800x600 with GRUB's grey text on black: a large number of grey pixels and nothing else.
fn grub_gfxterm(what: &str, tag: &str, firmware: &[&str]) {
    let Some(iso) = kit_image("kit-grub-gfxterm.iso") else {
        return;
    };
    let tmp = std::env::temp_dir();
    let serial_file = tmp.join(format!("ox86-grub-gfx-{tag}-{}.serial", std::process::id()));
    let png_file = tmp.join(format!("ox86-grub-gfx-{tag}-{}.png", std::process::id()));
    let out = run_boot(
        Command::new(OX86)
            .args(["run", "--headless", "--no-reboot", "--deterministic"])
            .args(["--memory", "64", "--timeout", TIMEOUT_S])
            .args(firmware)
            .args(["--cdrom", path(&iso), "--boot", "d"])
            .args(["--serial", path(&serial_file), "--text-stream"])
            .args(["--screenshot", path(&png_file)]),
    );
    let serial =
        String::from_utf8_lossy(&std::fs::read(&serial_file).unwrap_or_default()).replace('\r', "");
    let _ = std::fs::remove_file(&serial_file);
    let stderr = common::stderr(&out);
    eprintln!(
        "{what}: {}; {}",
        out.status,
        stderr.lines().last().unwrap_or("")
    );
    let context = || {
        format!(
            "({}) serial:\n{}\nstderr:\n{}",
            out.status,
            tail(&serial, 20),
            tail(&stderr, 20)
        )
    };
    let want = [
        "ox86-grub-gfxterm: on",
        "VBE info:   version: 3.0",
        "ox86-grub-gfxterm: halt",
    ];
    if let Some(missing) = first_missing_in_order(&serial, &want) {
        panic!("{what}: {missing:?} missing from COM1 {}", context());
    }
    assert!(
        serial
            .lines()
            .any(|l| l.starts_with("* 0x") && l.contains("800 x  600 x 32")),
        "{what}: videoinfo does not mark 800x600x32 as the current mode {}",
        context()
    );
    assert!(
        stderr.contains("screen --| graphics mode 800x600"),
        "{what}: the VGA never showed an 800x600 graphics mode {}",
        context()
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: GRUB's halt {}",
        context()
    );
    let png = std::fs::File::open(&png_file).expect("the screenshot");
    let mut reader = png::Decoder::new(std::io::BufReader::new(png))
        .read_info()
        .expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("PNG size")];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    let _ = std::fs::remove_file(&png_file);
    assert_eq!(
        (info.width, info.height),
        (800, 600),
        "{what}: screenshot size"
    );
    assert_eq!(
        info.color_type,
        png::ColorType::Rgb,
        "{what}: screenshot format"
    );
    let (mut grey, mut other) = (0usize, 0usize);
    for px in buf[..info.buffer_size()].chunks_exact(3) {
        match (px[0], px[1], px[2]) {
            (0, 0, 0) => {}
            (r, g, b) if r == g && g == b => grey += 1,
            _ => other += 1,
        }
    }
    // 30+ rows of text at about 20 lit pixels per character.
    assert!(
        grey > 20_000 && other == 0,
        "{what}: gfxterm's text should be grey on black: {grey} grey, {other} other pixels"
    );
}

#[test]
#[cfg_attr(debug_assertions, ignore = "needs a release build")]
fn grub_gfxterm_draws_on_vbe_with_the_builtin_bios() {
    grub_gfxterm("built-in BIOS, GRUB gfxterm", "builtin", &[]);
}

#[test]
#[cfg_attr(debug_assertions, ignore = "needs a release build")]
fn grub_gfxterm_draws_on_vbe_with_seabios_and_its_vga_bios() {
    let (Some(bios), Some(vgabios)) = (kit_image("bios.bin"), kit_image("vgabios-stdvga.bin"))
    else {
        return;
    };
    grub_gfxterm(
        "SeaBIOS + VGA BIOS, GRUB gfxterm",
        "seabios",
        &["--bios", path(&bios), "--vgabios", path(&vgabios)],
    );
}

#[test]
fn order_check_finds_what_is_missing_or_out_of_order() {
    let text = "menu Booting `x'\nA\nB\nC";
    assert_eq!(first_missing_in_order(text, &["menu", "A", "C"]), None);
    assert_eq!(first_missing_in_order(text, &["A", "menu"]), Some("menu"));
    assert_eq!(first_missing_in_order(text, &["A", "D"]), Some("D"));
    let want = expected_without_workload();
    assert!(want.iter().all(|l| !l.starts_with("GUEST-MD5")));
    assert_eq!(want.first().map(String::as_str), Some("GUEST-BOOT-OK"));
}
