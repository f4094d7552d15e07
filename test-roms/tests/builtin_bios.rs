//! The built-in BIOS (bios/src/firmware) booting a real disk: the
//! `boot/bios_services.img` boot sector on the IDE primary master (opened
//! with `--snapshot` semantics, so the committed image is never written)
//! checks INT 10h/11h/12h/13h/15h/16h/1Ah from the guest's side, and
//! `boot/vga_services.img` the video services on the VGA (mode 13h/12h
//! pixels, 80x50 text, VBE 4F00h–4F05h ending in 640x480x32 with two
//! pixels drawn through the banked window). Both execution tiers,
//! deterministic clock: the same output and instruction count, and every
//! check passes.

use bios::firmware::{Firmware, FirmwareConfig};
use devices::block::{BlockDevice, MediaKind, OpenOptions};
use emulator::engine::Tier;
use emulator::{Machine, MachineConfig, RunOutcome};
use std::path::Path;

const IMAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/boot/bios_services.img");
const VGA_IMAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/boot/vga_services.img");
const RAM: u64 = 32 << 20;

struct Run {
    outcome: RunOutcome,
    console: String,
    icount: u64,
    screen_row0: String,
    /// The VGA's picture at the end.
    frame: devices::vga::Framebuffer,
}

fn boot(tier: Tier) -> Run {
    boot_image(tier, IMAGE)
}

fn boot_image(tier: Tier, image: &str) -> Run {
    let mut m = Machine::new(&MachineConfig {
        ram_size: RAM,
        bios: Some(Firmware::rom_image()),
        exit_port: Some(0xF4),
        tier,
        no_reboot: true,
        ..Default::default()
    })
    .expect("machine");
    let disk = BlockDevice::open(
        Path::new(image),
        MediaKind::Disk,
        OpenOptions {
            read_only: false,
            snapshot: true,
        },
    )
    .expect("image");
    let mut ide = devices::ide::Ide::new();
    ide.attach(0, 0, disk).expect("attach");
    m.cpu.io.ide = Some(ide);
    m.install_builtin_bios(FirmwareConfig::new(RAM), Vec::new());
    let mut console = Vec::new();
    let outcome = loop {
        let o = m.run_slice(1 << 16);
        console.extend(m.cpu.io.debug.take_console());
        if o != RunOutcome::Budget {
            break o;
        }
        assert!(
            m.cpu.icount < 20_000_000,
            "{tier:?}: no end; console so far:\n{}",
            String::from_utf8_lossy(&console)
        );
    };
    // The top row of the VGA's text screen (empty if not in a text mode).
    let screen = m.cpu.io.vga.as_ref().map(|v| v.text_screen());
    let row0 = screen
        .and_then(|s| s.into_iter().next())
        .unwrap_or_default();
    let mut frame = devices::vga::Framebuffer::default();
    m.cpu.io.render_screen(&mut frame);
    Run {
        outcome,
        console: String::from_utf8_lossy(&console).into_owned(),
        icount: m.cpu.icount,
        screen_row0: row0,
        frame,
    }
}

#[test]
fn boot_sector_checks_the_bios_services_on_both_tiers() {
    let a = boot(Tier::Blocks);
    let b = boot(Tier::Interpreter);
    for r in [&a, &b] {
        assert!(!r.console.contains("FAIL"), "{}", r.console);
        assert_eq!(r.outcome, RunOutcome::Exit(0x21), "{}", r.console);
        assert_eq!(
            r.console.lines().last(),
            Some("all 19 checks passed"),
            "{}",
            r.console
        );
        assert!(
            r.screen_row0.starts_with("Booting from hard disk..."),
            "{:?}",
            r.screen_row0
        );
    }
    assert_eq!(a.console, b.console);
    assert_eq!(
        a.icount, b.icount,
        "instruction counts differ between tiers"
    );
}

#[test]
fn boot_sector_checks_the_video_services_on_both_tiers() {
    let a = boot_image(Tier::Blocks, VGA_IMAGE);
    let b = boot_image(Tier::Interpreter, VGA_IMAGE);
    for r in [&a, &b] {
        assert!(!r.console.contains("FAIL"), "{}", r.console);
        assert_eq!(r.outcome, RunOutcome::Exit(0x21), "{}", r.console);
        assert_eq!(
            r.console.lines().last(),
            Some("all 8 checks passed"),
            "{}",
            r.console
        );
        // PhysBasePtr: the VGA's BAR0 (the board preassigns 0xE0000000).
        assert!(r.console.contains("LFB E0000000"), "{}", r.console);
        // The VBE mode is on screen: red at (0,0), green at (384,25).
        assert_eq!((r.frame.width, r.frame.height), (640, 480));
        assert_eq!(r.frame.pixel(0, 0), 0xFF0000);
        assert_eq!(r.frame.pixel(384, 25), 0x00FF00);
        assert_eq!(r.frame.pixel(1, 0), 0);
    }
    assert_eq!(a.console, b.console);
    assert_eq!(
        a.icount, b.icount,
        "instruction counts differ between tiers"
    );
}
