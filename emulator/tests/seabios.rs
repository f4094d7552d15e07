//! Real firmware: Debian's SeaBIOS 1.16 (from the guest kit,
//! `test-roms/guests/cache/out/`, see test-roms/guests/README) runs its
//! POST on the board's fw_cfg, PAM shadow RAM, PCI, PIT, RTC, 8042 and
//! IDE: without disks it reaches "No bootable device"; with a hard disk
//! or a CD-ROM on the PIIX IDE it boots their boot code, which reports on
//! the 0xE9 console and exits through port 0xF4.
//!
//! The hard-disk boot runs on both execution tiers.
//!
//! Each test prints a message and passes when the kit is absent (the kit
//! is fetched by `test-roms/guests/fetch.sh`).

use devices::block::{BlockDevice, MediaKind, OpenOptions};
use emulator::engine::Tier;
use emulator::machine::FirmwareInterfaces;
use emulator::{Machine, MachineConfig, RunOutcome};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Instruction budget: SeaBIOS needs about 100 M instructions to reach
/// its boot attempts on the deterministic clock.
const BUDGET: u64 = 600_000_000;

fn kit_file(name: &str) -> Option<Arc<[u8]>> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../test-roms/guests/cache/out")
        .join(name);
    match std::fs::read(&p) {
        Ok(d) => Some(d.into()),
        Err(_) => {
            eprintln!(
                "skipping: {} not found (run test-roms/guests/fetch.sh)",
                p.display()
            );
            None
        }
    }
}

fn machine(bios: Arc<[u8]>, vga: Option<Arc<[u8]>>, boot_fail_wait_ms: Option<u32>) -> Machine {
    machine_with(
        bios,
        vga,
        FirmwareInterfaces {
            boot_fail_wait_ms,
            ..Default::default()
        },
    )
}

fn machine_with(bios: Arc<[u8]>, vga: Option<Arc<[u8]>>, fw: FirmwareInterfaces) -> Machine {
    Machine::new(&MachineConfig {
        bios: Some(bios),
        vga_bios: vga,
        exit_port: Some(0xF4),
        firmware_interfaces: Some(fw),
        ..Default::default()
    })
    .unwrap()
}

/// Run until `until` holds for the firmware log, the run ends, or the
/// budget is used; returns the outcome (Budget if it never ended), the
/// firmware log and the 0xE9 console.
fn run(m: &mut Machine, until: impl Fn(&str) -> bool) -> (RunOutcome, String, String) {
    let mut log = Vec::new();
    let mut console = Vec::new();
    let start = m.cpu.icount;
    while m.cpu.icount - start < BUDGET {
        let o = m.run_slice(1 << 22);
        log.extend(m.take_firmware_log());
        console.extend(m.cpu.io.debug.take_console());
        if o != RunOutcome::Budget {
            return (
                o,
                String::from_utf8_lossy(&log).into(),
                String::from_utf8_lossy(&console).into(),
            );
        }
        if until(&String::from_utf8_lossy(&log)) {
            break;
        }
    }
    (
        RunOutcome::Budget,
        String::from_utf8_lossy(&log).into(),
        String::from_utf8_lossy(&console).into(),
    )
}

#[test]
fn seabios_posts_to_no_bootable_device_without_disks() {
    for image in ["bios.bin", "bios-256k.bin"] {
        let Some(bios) = kit_file(image) else { return };
        let vga = kit_file("vgabios-stdvga.bin");
        // etc/boot-fail-wait = never: SeaBIOS stays at its message.
        let mut m = machine(bios, vga.clone(), Some(u32::MAX));
        let (_, log, _) = run(&mut m, |l| l.contains("No bootable device"));
        for line in [
            "SeaBIOS (version 1.16",
            "Found QEMU fw_cfg",
            "qemu/e820: addr 0x0000000000000000 len 0x0000000002000000 [RAM]",
            "PCI: init bdf=00:01.1 id=8086:7010",
            "Using pmtimer, ioport 0xb008",
            "ATA controller 1 at 1f0/3f4/0 (irq 14 dev 9)",
            "PS2 keyboard initialized",
            "Booting from Hard Disk...",
            "No bootable device.\n",
        ] {
            assert!(log.contains(line), "{image}: missing {line:?} in:\n{log}");
        }
        if vga.is_some() {
            assert!(log.contains("Start SeaVGABIOS"), "{image}:\n{log}");
            // SeaVGABIOS drives the wired VGA: SeaBIOS's messages are on
            // its 80x25 text screen (not in RAM at B8000).
            let vga = m.cpu.io.vga.as_ref().expect("the PC has a VGA");
            let screen = vga.text_screen();
            assert_eq!((screen.len(), screen[0].chars().count()), (25, 80));
            let text = screen.join("\n");
            for line in ["SeaBIOS (version 1.16", "No bootable device."] {
                assert!(
                    text.contains(line),
                    "{image}: {line:?} not on screen:\n{text}"
                );
            }
            assert_eq!(vga.display_size(), (720, 400), "{image}");
        }
        // SeaBIOS's shadow copy is write-protected (PAM RE only).
        assert_eq!(
            m.cpu.mem.pam_mode(0xF_0000),
            Some(emulator::memory::PamMode::ReadOnly),
            "{image}"
        );
    }
}

#[test]
fn seabios_retries_after_boot_fail_wait_through_a_board_reset() {
    let Some(bios) = kit_file("bios.bin") else {
        return;
    };
    let mut m = machine(bios, None, Some(1000));
    let (_, log, _) = run(&mut m, |l| l.matches("Booting from Floppy").count() == 2);
    let reboot = log
        .find("No bootable device.  Retrying in 1 seconds.\nRebooting.\n")
        .unwrap_or_else(|| panic!("no retry:\n{log}"));
    let after = &log[reboot..];
    assert!(
        after.contains("SeaBIOS (version") && after.contains("Booting from Floppy"),
        "a second POST after the reset:\n{log}"
    );
    assert!(m.resets >= 1, "the board was reset");
}

/// A temporary image file, removed on drop.
struct TempImage(PathBuf);

impl TempImage {
    fn new(name: &str, data: &[u8]) -> Self {
        let p = std::env::temp_dir().join(format!("ox86-seabios-{}-{name}", std::process::id()));
        std::fs::write(&p, data).unwrap();
        TempImage(p)
    }
}

impl Drop for TempImage {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Boot code: print `tag` on the 0xE9 console, then exit with 0x10 if DL
/// holds `drive` (the boot drive SeaBIOS passes), else 0x11.
fn boot_code(tag: &[u8], drive: u8) -> Vec<u8> {
    let mut c = Vec::new();
    for &b in tag {
        c.extend_from_slice(&[0xB0, b, 0xE6, 0xE9]); // mov al, b; out 0xe9, al
    }
    c.extend_from_slice(&[0x80, 0xFA, drive, 0x75, 0x05]); // cmp dl, drive; jne +5
    c.extend_from_slice(&[0xB0, 0x10, 0xE6, 0xF4, 0xF4]); // mov al, 0x10; out 0xf4, al; hlt
    c.extend_from_slice(&[0xB0, 0x11, 0xE6, 0xF4, 0xF4]); // mov al, 0x11; out 0xf4, al; hlt
    c
}

fn attach(m: &mut Machine, channel: usize, image: &TempImage, kind: MediaKind) {
    let dev = BlockDevice::open(&image.0, kind, OpenOptions::default()).unwrap();
    let mut ide = m.cpu.io.ide.take().unwrap_or_default();
    ide.attach(channel, 0, dev).unwrap();
    m.cpu.io.ide = Some(ide);
}

#[test]
fn seabios_boots_a_hard_disk_on_the_ide_primary_master() {
    let Some(bios) = kit_file("bios.bin") else {
        return;
    };
    let mut disk = vec![0u8; 1 << 20];
    let code = boot_code(b"MBR", 0x80);
    disk[..code.len()].copy_from_slice(&code);
    disk[510..512].copy_from_slice(&[0x55, 0xAA]);
    let img = TempImage::new("disk.img", &disk);
    for tier in [Tier::Blocks, Tier::Interpreter] {
        let mut m = machine(bios.clone(), None, None);
        m.tier = tier;
        attach(&mut m, 0, &img, MediaKind::Disk);
        let (o, log, console) = run(&mut m, |_| false);
        assert_eq!(console, "MBR", "{tier:?}: {log}");
        assert_eq!(
            o,
            RunOutcome::Exit(0x21),
            "{tier:?}: boot drive 80h:\n{log}"
        );
        assert!(log.contains("Booting from Hard Disk..."), "{log}");
    }
}

/// A minimal El Torito CD image (ECMA-119 volume descriptors, El Torito
/// 1.0 boot record, catalog and a no-emulation boot image of one 2048-byte
/// sector at LBA 20).
fn eltorito_iso(boot: &[u8]) -> Vec<u8> {
    const S: usize = 2048;
    let mut iso = vec![0u8; 24 * S];
    // Primary volume descriptor (LBA 16): type 1, "CD001", version 1.
    let pvd = &mut iso[16 * S..17 * S];
    pvd[0] = 1;
    pvd[1..6].copy_from_slice(b"CD001");
    pvd[6] = 1;
    pvd[80..84].copy_from_slice(&24u32.to_le_bytes()); // volume space size
    pvd[84..88].copy_from_slice(&24u32.to_be_bytes());
    pvd[128..130].copy_from_slice(&2048u16.to_le_bytes()); // block size
    pvd[130..132].copy_from_slice(&2048u16.to_be_bytes());
    // Boot record (LBA 17): type 0, "CD001", version 1, the El Torito
    // identifier, the catalog's LBA at byte 71.
    let br = &mut iso[17 * S..18 * S];
    br[1..6].copy_from_slice(b"CD001");
    br[6] = 1;
    br[7..30].copy_from_slice(b"EL TORITO SPECIFICATION");
    br[71..75].copy_from_slice(&19u32.to_le_bytes());
    // Terminator (LBA 18).
    let term = &mut iso[18 * S..19 * S];
    term[0] = 255;
    term[1..6].copy_from_slice(b"CD001");
    term[6] = 1;
    // Boot catalog (LBA 19): validation entry (header 1, platform 0 =
    // 80x86, key 55 AA, words summing to 0), then the initial entry:
    // bootable (88h), no emulation, load segment 0 (= 7C0h), 4 virtual
    // sectors, image at LBA 20.
    let cat = &mut iso[19 * S..20 * S];
    cat[0] = 1;
    cat[30] = 0x55;
    cat[31] = 0xAA;
    let sum = (0..16).fold(0u16, |s, i| {
        s.wrapping_add(u16::from_le_bytes([cat[2 * i], cat[2 * i + 1]]))
    });
    cat[28..30].copy_from_slice(&sum.wrapping_neg().to_le_bytes());
    cat[32] = 0x88;
    cat[38..40].copy_from_slice(&4u16.to_le_bytes());
    cat[40..44].copy_from_slice(&20u32.to_le_bytes());
    iso[20 * S..20 * S + boot.len()].copy_from_slice(boot);
    iso
}

#[test]
fn seabios_boots_an_el_torito_cd_on_the_ide_secondary_master() {
    let Some(bios) = kit_file("bios.bin") else {
        return;
    };
    // SeaBIOS numbers the CD after the hard disks: E0h with none.
    let img = TempImage::new("cd.iso", &eltorito_iso(&boot_code(b"CD", 0xE0)));
    let mut m = machine(bios, None, None);
    attach(&mut m, 1, &img, MediaKind::Cdrom);
    let (o, log, console) = run(&mut m, |_| false);
    assert_eq!(console, "CD", "{log}");
    assert_eq!(o, RunOutcome::Exit(0x21), "boot drive E0h:\n{log}");
    assert!(log.contains("Booting from DVD/CD..."), "{log}");
}

#[test]
fn seabios_follows_the_cmos_boot_order() {
    let Some(bios) = kit_file("bios.bin") else {
        return;
    };
    let mut disk = vec![0u8; 1 << 20];
    let code = boot_code(b"MBR", 0x80);
    disk[..code.len()].copy_from_slice(&code);
    disk[510..512].copy_from_slice(&[0x55, 0xAA]);
    let hd = TempImage::new("order.img", &disk);
    // SeaBIOS numbers CD-ROMs from E0h whatever the hard disks.
    let cd = TempImage::new("order.iso", &eltorito_iso(&boot_code(b"CD", 0xE0)));
    for (order, console) in [("dc", "CD"), ("cd", "MBR"), ("adc", "CD")] {
        let mut m = machine_with(
            bios.clone(),
            None,
            FirmwareInterfaces {
                boot_order: order.into(),
                ..Default::default()
            },
        );
        attach(&mut m, 0, &hd, MediaKind::Disk);
        attach(&mut m, 1, &cd, MediaKind::Cdrom);
        let (o, log, out) = run(&mut m, |_| false);
        assert_eq!(out, console, "order {order}:\n{log}");
        assert_eq!(o, RunOutcome::Exit(0x21), "order {order}:\n{log}");
    }
}
