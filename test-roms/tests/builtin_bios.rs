//! The built-in BIOS (bios/src/firmware) booting a real disk: the
//! `boot/bios_services.img` boot sector on the IDE primary master (opened
//! with `--snapshot` semantics, so the committed image is never written)
//! checks INT 10h/11h/12h/13h/15h/16h/1Ah from the guest's side. Both
//! execution tiers, deterministic clock: the same output and instruction
//! count, and every check passes.

use bios::firmware::{Firmware, FirmwareConfig};
use devices::block::{BlockDevice, MediaKind, OpenOptions};
use emulator::engine::Tier;
use emulator::{Machine, MachineConfig, RunOutcome};
use std::path::Path;

const IMAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/boot/bios_services.img");
const RAM: u64 = 32 << 20;

struct Run {
    outcome: RunOutcome,
    console: String,
    icount: u64,
    screen_row0: String,
}

fn boot(tier: Tier) -> Run {
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
        Path::new(IMAGE),
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
    Run {
        outcome,
        console: String::from_utf8_lossy(&console).into_owned(),
        icount: m.cpu.icount,
        screen_row0: row0,
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
