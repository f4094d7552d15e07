//! The Debian kernel's display paths on ox86's VGA: what a monitor attached to the PC shows.
//!
//! - vgacon, direct `--kernel` boot: the loader reports an 80x25 VGA text screen
//!   (`screen_info`) and leaves the VGA in mode 3; the kit's `/init` prints `GUEST-BOOT-OK` on
//!   the VGA text screen (`console=ttyS0 console=tty0`: tty0 is `/dev/console`), found with
//!   `--until-text` and read back with `--text-dump`, under the kernel's boot messages.
//! - vgacon through the built-in BIOS and ISOLINUX (an ISO built with xorriso).
//! - vesafb through ISOLINUX with `vga=0x344` (VBE mode 144h, 1024x768x32 in the built-in
//!   BIOS's list): the kernel's real-mode setup sets the mode with VBE 4F01h/4F02h, vesafb and
//!   fbcon draw the console on the linear framebuffer.
//! - bochs-drm (Debian's `bochs.ko` and its DRM dependencies, appended to the initrd): the
//!   driver finds the Bochs DISPI interface and BAR0 of PCI 1234:1111, sets 1024x768x32 and
//!   fbcon moves onto its framebuffer.
//!
//! The framebuffer boots run a small `/vga-init` (rdinit) that reports `/proc/fb`, the fb0
//! geometry, `/sys/class/drm` and the driver's dmesg lines on COM1, prints `GUEST-BOOT-OK` on
//! the console, then ends the run through the isa-debug-exit port (`--exit-port`, written
//! through `/dev/port`) so that the screenshot taken at exit shows the console as the guest
//! left it (a power-off would shut the display down first).
//!
//! With `OX86_LINUX_VGA_SCREENSHOTS=DIR` each test copies its screenshot to `DIR/NAME.png` (how
//! `docs/screenshots/linux-*.png` were made).
//!
//! Needs the guest kit (test-roms/guests, built by fetch.sh; the tests skip when it is missing,
//! and the ISOLINUX ones also when xorriso is not installed). Release builds only: each boot
//! takes a minute or more of CPU.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod common;
use common::{append_to_initrd, cpio_entry, kit_with_modules};

const OX86: &str = env!("CARGO_BIN_EXE_ox86");
/// The isa-debug-exit port the framebuffer boots end through (a write of 1: status 3).
const EXIT_PORT: u16 = 0xF4;
/// Debian's DRM modules for bochs-drm, in dependency order (under lib/modules/VERSION/kernel).
const BOCHS_MODULES: [&str; 10] = [
    "drivers/video/fbdev/core/fb_sys_fops",
    "drivers/video/fbdev/core/sysimgblt",
    "drivers/video/fbdev/core/sysfillrect",
    "drivers/video/fbdev/core/syscopyarea",
    "drivers/gpu/drm/drm",
    "drivers/gpu/drm/drm_kms_helper",
    "drivers/gpu/drm/ttm/ttm",
    "drivers/gpu/drm/drm_ttm_helper",
    "drivers/gpu/drm/drm_vram_helper",
    "drivers/gpu/drm/tiny/bochs",
];

fn guests() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-roms/guests/cache")
}

/// The kit's kernel and initrd, or None after saying the test skips.
fn kit() -> Option<(PathBuf, PathBuf)> {
    let out = guests().join("out");
    let (k, i) = (out.join("vmlinuz-686"), out.join("initrd-686.gz"));
    if k.exists() && i.exists() {
        Some((k, i))
    } else {
        eprintln!("skipped: the guest kit is not built (bash test-roms/guests/fetch.sh)");
        None
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ox86-linux-vga-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `/vga-init`: load `modules` (file names in /vga), report the display on COM1, print
/// GUEST-BOOT-OK on the console and end the run through the exit port.
fn vga_init(modules: &[&str]) -> String {
    format!(
        r#"#!/bin/sh
/bin/busybox mkdir -p /proc /sys /dev
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in {mods}; do insmod /vga/$m.ko || echo "VGA-TEST insmod $m failed" > /dev/ttyS0; done
{{
echo "VGA-TEST proc-fb: $(cat /proc/fb | tr '\n' ';')"
echo "VGA-TEST fb0: $(cat /sys/class/graphics/fb0/virtual_size) bpp $(cat /sys/class/graphics/fb0/bits_per_pixel)"
echo "VGA-TEST drm: $(ls /sys/class/drm 2>/dev/null | tr '\n' ' ')"
dmesg | grep -i -e bochs -e vesafb -e "Console:" -e "fb0:" | sed 's/^/VGA-TEST dmesg: /'
}} > /dev/ttyS0
echo "GUEST-BOOT-OK"
echo "VGA-TEST on the framebuffer console: $(uname -r)"
printf '\033[41m  RED  \033[42m  GREEN  \033[44m  BLUE  \033[0m\n'
sleep 1
echo "VGA-TEST exit" > /dev/ttyS0
printf '\001' | dd of=/dev/port bs=1 seek={port} count=1 2>/dev/null
poweroff -f
"#,
        mods = modules.join(" "),
        port = EXIT_PORT,
    )
}

/// The kit's initrd plus `/vga-init` and the given modules (paths under `module_root`).
fn vga_initrd(kit_initrd: &Path, module_root: &Path, modules: &[&str], dir: &Path) -> PathBuf {
    let names: Vec<&str> = modules
        .iter()
        .map(|m| m.rsplit('/').next().unwrap())
        .collect();
    let mut cpio = Vec::new();
    cpio_entry(&mut cpio, 9001, "vga", 0o40755, &[]);
    for (i, m) in modules.iter().enumerate() {
        let data = std::fs::read(module_root.join(format!("{m}.ko"))).expect("kernel module");
        let name = format!("vga/{}.ko", names[i]);
        cpio_entry(&mut cpio, 9002 + i as u32, &name, 0o100644, &data);
    }
    let script = vga_init(&names);
    cpio_entry(&mut cpio, 9100, "vga-init", 0o100755, script.as_bytes());
    append_to_initrd(kit_initrd, cpio, dir.join("initrd-vga.img"))
}

/// An ISOLINUX CD with the kit's kernel, `initrd` and `append` as its command line, or None
/// (after saying why) when xorriso or the kit's ISOLINUX files are missing.
fn isolinux_cd(initrd: &Path, append: &str, dir: &Path) -> Option<PathBuf> {
    let out = guests().join("out");
    let isolinux = out.join("isolinux.bin");
    let ldlinux = find(&guests().join("x"), "ldlinux.c32");
    let (true, Some(ldlinux)) = (isolinux.exists(), ldlinux) else {
        eprintln!("skipped: the kit has no ISOLINUX (bash test-roms/guests/fetch.sh)");
        return None;
    };
    let tree = dir.join("iso");
    std::fs::create_dir_all(tree.join("isolinux")).unwrap();
    for (from, to) in [
        (isolinux.as_path(), "isolinux/isolinux.bin"),
        (ldlinux.as_path(), "isolinux/ldlinux.c32"),
        (out.join("vmlinuz-686").as_path(), "vmlinuz"),
        (initrd, "initrd.gz"),
    ] {
        std::fs::copy(from, tree.join(to)).expect("copy kit file");
    }
    let cfg = format!(
        "SERIAL 0 115200\nDEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL /vmlinuz\n  \
         APPEND initrd=/initrd.gz {append}\n"
    );
    std::fs::write(tree.join("isolinux/isolinux.cfg"), cfg).unwrap();
    let iso = dir.join("vga.iso");
    let st = Command::new("xorriso")
        .args(["-as", "mkisofs", "-quiet", "-o"])
        .arg(&iso)
        .args(["-b", "isolinux/isolinux.bin", "-c", "isolinux/boot.cat"])
        .args(["-no-emul-boot", "-boot-load-size", "4", "-boot-info-table"])
        .arg(&tree)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match st {
        Ok(s) if s.success() => Some(iso),
        _ => {
            eprintln!("skipped: xorriso is not available (apt-get install -y xorriso)");
            None
        }
    }
}

fn find(dir: &Path, name: &str) -> Option<PathBuf> {
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let p = e.path();
        if p.is_dir() {
            if let Some(f) = find(&p, name) {
                return Some(f);
            }
        } else if p.file_name().is_some_and(|n| n == name) {
            return Some(p);
        }
    }
    None
}

/// What a run left: exit status, `--text-dump` output, COM1, the screenshot.
struct Outcome {
    status: Option<i32>,
    text: String,
    serial: String,
    stderr: String,
    shot: Shot,
}

impl Outcome {
    fn context(&self) -> String {
        let tail: Vec<&str> = self.serial.lines().rev().take(25).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        format!(
            "status {:?}; stderr:\n{}\nscreen:\n{}\nlast COM1 lines:\n{}",
            self.status,
            self.stderr.trim_end(),
            self.text.trim_end(),
            tail.join("\n")
        )
    }
}

/// A decoded RGB screenshot.
struct Shot {
    width: usize,
    height: usize,
    pixels: Vec<u32>,
}

impl Shot {
    fn load(path: &Path) -> Shot {
        let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut r = png::Decoder::new(std::io::BufReader::new(f))
            .read_info()
            .expect("PNG header");
        let mut buf = vec![0; r.output_buffer_size().expect("PNG size")];
        let info = r.next_frame(&mut buf).expect("PNG data");
        assert_eq!(info.color_type, png::ColorType::Rgb);
        let pixels = buf[..info.buffer_size()]
            .chunks_exact(3)
            .map(|c| u32::from(c[0]) << 16 | u32::from(c[1]) << 8 | u32::from(c[2]))
            .collect();
        Shot {
            width: info.width as usize,
            height: info.height as usize,
            pixels,
        }
    }

    /// Pixels that are not black in rows `rows`.
    fn lit(&self, rows: std::ops::Range<usize>) -> usize {
        rows.flat_map(|y| &self.pixels[y * self.width..(y + 1) * self.width])
            .filter(|&&p| p != 0)
            .count()
    }

    /// How many of the character-height bands in the top `rows` rows have some lit pixels
    /// (lines of text drawn on the console).
    fn text_lines(&self, rows: usize, cell: usize) -> usize {
        (0..rows / cell)
            .filter(|i| self.lit(i * cell..(i + 1) * cell) > 20)
            .count()
    }
}

/// Run ox86 with `args` plus the common ones (COM1 to a file, deterministic time, screenshot
/// and text dump at exit).
fn run(dir: &Path, args: &[&std::ffi::OsStr]) -> Outcome {
    let serial = dir.join("com1.txt");
    let shot = dir.join("screen.png");
    let out = Command::new(OX86)
        .args([
            "run",
            "--headless",
            "--quiet",
            "--deterministic",
            "--no-reboot",
        ])
        .args(["--memory", "128", "--timeout", "1800", "--text-dump"])
        .arg("--serial")
        .arg(&serial)
        .arg("--screenshot")
        .arg(&shot)
        .args(args)
        .stdin(Stdio::null())
        .env_remove("RUST_LOG")
        .output()
        .expect("run ox86");
    Outcome {
        status: out.status.code(),
        text: String::from_utf8_lossy(&out.stdout).into_owned(),
        serial: std::fs::read_to_string(&serial).unwrap_or_default(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        shot: Shot::load(&shot),
    }
}

/// Keep the screenshot as `$OX86_LINUX_VGA_SCREENSHOTS/name.png` when that is set.
fn keep_screenshot(dir: &Path, name: &str) {
    if let Some(to) = std::env::var_os("OX86_LINUX_VGA_SCREENSHOTS") {
        let to = Path::new(&to).join(format!("{name}.png"));
        std::fs::copy(dir.join("screen.png"), &to).expect("copy the screenshot");
        eprintln!("screenshot: {}", to.display());
    }
}

/// The VGA text screen shows the kit's GUEST-BOOT-OK under the kernel's last boot messages,
/// drawn in the 9x16 font of a 720x400 mode-3 screen.
fn check_text_console(o: &Outcome) {
    let ctx = o.context();
    assert_eq!(
        o.status,
        Some(0),
        "--until-text GUEST-BOOT-OK ends the run; {ctx}"
    );
    assert!(
        o.serial.contains("Console: colour VGA+ 80x25"),
        "vgacon took the screen; {ctx}"
    );
    let rows: Vec<&str> = o.text.lines().collect();
    assert_eq!(rows.len(), 25, "{ctx}");
    let ok = rows.iter().position(|r| r.contains("GUEST-BOOT-OK"));
    let ok = ok.unwrap_or_else(|| panic!("GUEST-BOOT-OK on the screen; {ctx}"));
    assert!(
        rows[..ok]
            .iter()
            .any(|r| r.contains("Run /init as init process")
                || r.contains("Freeing unused kernel image")),
        "kernel messages above it; {ctx}"
    );
    assert!(
        rows[..ok].iter().filter(|r| r.starts_with('[')).count() >= 10,
        "a screenful of timestamped kernel lines; {ctx}"
    );
    let s = &o.shot;
    assert_eq!((s.width, s.height), (720, 400), "mode 3; {ctx}");
    assert!(s.text_lines(400, 16) >= 10, "text drawn in the screenshot");
}

/// A framebuffer console: 1024x768, the console's lines drawn from the top (8x16 font).
fn check_framebuffer_console(o: &Outcome, driver: &str) {
    let ctx = o.context();
    assert_eq!(
        o.status,
        Some(3),
        "the run ends through the exit port; {ctx}"
    );
    assert!(
        !o.serial.contains("insmod"),
        "a module failed to load; {ctx}"
    );
    assert!(
        o.serial.contains("GUEST-BOOT-OK") || o.text.is_empty(),
        "{ctx}"
    );
    assert!(
        o.serial.contains("VGA-TEST fb0: 1024,768 bpp 32"),
        "fb0 is 1024x768x32; {ctx}"
    );
    assert!(
        o.serial.contains(&format!("VGA-TEST proc-fb: 0 {driver}")),
        "fb0 is {driver}; {ctx}"
    );
    let s = &o.shot;
    assert_eq!((s.width, s.height), (1024, 768), "{ctx}");
    assert!(
        s.text_lines(768, 16) >= 20,
        "console text drawn on the framebuffer ({} of 48 bands lit); {ctx}",
        s.text_lines(768, 16)
    );
    assert!(s.lit(0..16) > 200, "the top line has text; {ctx}");
    // The colour bar /vga-init printed: fbcon's red, green and blue backgrounds (VGA palette
    // 0xAA in one channel) land in the right channels of the 32-bpp pixels, in that order
    // from the left (a red/blue swap would move them).
    let mut last_x = 0;
    for (name, want) in [("red", 0xAA0000), ("green", 0x00AA00), ("blue", 0x0000AA)] {
        let xs: Vec<usize> = (0..s.pixels.len())
            .filter(|&i| s.pixels[i] == want)
            .map(|i| i % s.width)
            .collect();
        assert!(
            xs.len() > 500,
            "{} pixels of {want:06x} ({name} background); {ctx}",
            xs.len()
        );
        let mean_x = xs.iter().sum::<usize>() / xs.len();
        assert!(
            mean_x > last_x,
            "the {name} cells follow the previous colour"
        );
        last_x = mean_x;
    }
}

#[test]
#[cfg_attr(debug_assertions, ignore = "boots Linux: release builds only")]
fn vgacon_direct_kernel_boot_shows_the_boot_on_the_text_screen() {
    let Some((k, initrd)) = kit() else { return };
    let dir = temp_dir("vgacon-kernel");
    let o = run(
        &dir,
        &[
            "--kernel".as_ref(),
            k.as_os_str(),
            "--initrd".as_ref(),
            initrd.as_os_str(),
            "--append".as_ref(),
            "console=ttyS0 console=tty0 guest.work=0".as_ref(),
            "--until-text".as_ref(),
            "GUEST-BOOT-OK".as_ref(),
        ],
    );
    check_text_console(&o);
    keep_screenshot(&dir, "linux-vgacon");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[cfg_attr(debug_assertions, ignore = "boots Linux: release builds only")]
fn vgacon_through_the_builtin_bios_and_isolinux() {
    let Some((_, initrd)) = kit() else { return };
    let dir = temp_dir("vgacon-iso");
    let Some(iso) = isolinux_cd(&initrd, "console=ttyS0 console=tty0 guest.work=0", &dir) else {
        return;
    };
    let o = run(
        &dir,
        &[
            "--cdrom".as_ref(),
            iso.as_os_str(),
            "--until-text".as_ref(),
            "GUEST-BOOT-OK".as_ref(),
        ],
    );
    check_text_console(&o);
    assert!(o.serial.contains("ISOLINUX"), "{}", o.context());
    keep_screenshot(&dir, "linux-vgacon-isolinux");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[cfg_attr(debug_assertions, ignore = "boots Linux: release builds only")]
fn vesafb_through_isolinux_vga_0x344_draws_the_console() {
    let Some((_, kit_initrd)) = kit() else { return };
    let dir = temp_dir("vesafb");
    let initrd = vga_initrd(&kit_initrd, &dir, &[], &dir);
    let append = "console=ttyS0 console=tty0 vga=0x344 rdinit=/vga-init";
    let Some(iso) = isolinux_cd(&initrd, append, &dir) else {
        return;
    };
    let o = run(
        &dir,
        &[
            "--cdrom".as_ref(),
            iso.as_os_str(),
            "--exit-port".as_ref(),
            EXIT_PORT.to_string().as_ref(),
        ],
    );
    check_framebuffer_console(&o, "VESA VGA");
    assert!(
        o.serial.contains("vesafb: mode is 1024x768x32"),
        "the kernel's setup code set VBE mode 144h; {}",
        o.context()
    );
    keep_screenshot(&dir, "linux-vesafb");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[cfg_attr(debug_assertions, ignore = "boots Linux: release builds only")]
fn bochs_drm_takes_over_the_console() {
    let Some((k, kit_initrd, modules)) = kit_with_modules() else {
        eprintln!("skipped: the guest kit is not built (bash test-roms/guests/fetch.sh)");
        return;
    };
    let dir = temp_dir("bochs-drm");
    let initrd = vga_initrd(&kit_initrd, &modules, &BOCHS_MODULES, &dir);
    let o = run(
        &dir,
        &[
            "--kernel".as_ref(),
            k.as_os_str(),
            "--initrd".as_ref(),
            initrd.as_os_str(),
            "--append".as_ref(),
            "console=ttyS0 console=tty0 rdinit=/vga-init".as_ref(),
            "--exit-port".as_ref(),
            EXIT_PORT.to_string().as_ref(),
        ],
    );
    check_framebuffer_console(&o, "bochs-drmdrmfb");
    let ctx = o.context();
    assert!(
        o.serial.contains("[drm] Found bochs VGA, ID 0xb0c5."),
        "bochs-drm found the DISPI interface; {ctx}"
    );
    assert!(
        o.serial
            .contains("[drm] Framebuffer size 16384 kB @ 0xe0000000, ioports @ 0x1ce."),
        "BAR0 and the DISPI's memory size agree; {ctx}"
    );
    assert!(o.serial.contains("VGA-TEST drm: card0"), "{ctx}");
    keep_screenshot(&dir, "linux-bochs-drm");
    let _ = std::fs::remove_dir_all(&dir);
}
