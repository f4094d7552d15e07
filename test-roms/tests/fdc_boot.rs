//! Booting a 1.44M floppy image (`boot/floppy_read.img` at LBA 0: it reads
//! sectors through INT 13h and checks them) from drive A, which is on the
//! 82077AA floppy controller:
//! - with SeaBIOS (the guest kit's `bios.bin`; skipped without the kit),
//!   whose INT 13h drives the FDC and 8237 channel 2 for real: on both
//!   execution tiers, with the same output and instruction count;
//! - with the built-in BIOS (its INT 13h reads the image itself);
//! - every size from 360K to 2.88M (`boot/floppy_geometry.img`: INT 13h
//!   AH=08h geometry, then the disk's last sector) with both firmwares.

use bios::firmware::{Firmware, FirmwareConfig};
use devices::block::{BlockDevice, MediaKind, OpenOptions};
use devices::fdc82077::{self, Fdc82077};
use emulator::engine::Tier;
use emulator::machine::FirmwareInterfaces;
use emulator::{Machine, MachineConfig, RunOutcome};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const BOOT: &[u8] = include_bytes!("../boot/floppy_read.img");
const GEOMETRY_BOOT: &[u8] = include_bytes!("../boot/floppy_geometry.img");
/// Floppy sizes from 360K to 2.88M.
const SIZES: [usize; 5] = [368_640, 737_280, 1_228_800, SIZE_144, 2_949_120];
const SIZE_144: usize = 1_474_560;
const RAM: u64 = 32 << 20;

struct TempImage(PathBuf);

impl TempImage {
    /// The boot sector at LBA 0, "OK" at LBA 1, every other sector
    /// starting with its LBA.
    fn new(tag: &str) -> TempImage {
        TempImage::with(tag, SIZE_144, BOOT)
    }

    fn with(tag: &str, size: usize, boot: &[u8]) -> TempImage {
        let mut v = vec![0u8; size];
        for lba in 0..size / 512 {
            v[lba * 512..lba * 512 + 2].copy_from_slice(&(lba as u16).to_le_bytes());
        }
        v[..512].copy_from_slice(boot);
        v[512..514].copy_from_slice(b"OK");
        let p =
            std::env::temp_dir().join(format!("ox86-fdc-boot-{}-{tag}.img", std::process::id()));
        std::fs::write(&p, v).unwrap();
        TempImage(p)
    }
}

impl Drop for TempImage {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn floppy(img: &TempImage) -> BlockDevice {
    BlockDevice::open(&img.0, MediaKind::Floppy, OpenOptions::default()).unwrap()
}

fn kit_bios() -> Option<Arc<[u8]>> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("guests/cache/out/bios.bin");
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

/// Run to the end; returns the outcome, the 0xE9 console and the count.
fn run(m: &mut Machine, budget: u64) -> (RunOutcome, String, u64) {
    let mut console = Vec::new();
    let outcome = loop {
        let o = m.run_slice(1 << 20);
        console.extend(m.cpu.io.debug.take_console());
        if o != RunOutcome::Budget || m.cpu.icount > budget {
            break o;
        }
    };
    (
        outcome,
        String::from_utf8_lossy(&console).into(),
        m.cpu.icount,
    )
}

#[test]
fn seabios_boots_a_floppy_through_the_82077aa_on_both_tiers() {
    let Some(bios) = kit_bios() else { return };
    let mut runs = Vec::new();
    for tier in [Tier::Blocks, Tier::Interpreter] {
        let img = TempImage::new(&format!("{tier:?}"));
        let mut m = Machine::new(&MachineConfig {
            bios: Some(bios.clone()),
            exit_port: Some(0xF4),
            firmware_interfaces: Some(FirmwareInterfaces::default()),
            tier,
            ..Default::default()
        })
        .unwrap();
        let mut fdc = Fdc82077::new();
        fdc.insert(0, floppy(&img));
        fdc82077::attach(&mut m.cpu.io, fdc);
        let (outcome, console, icount) = run(&mut m, 400_000_000);
        assert!(console.contains("FLOPPY READ OK"), "{tier:?}: {console:?}");
        assert_eq!(outcome, RunOutcome::Exit(0x21), "{tier:?}: {console:?}");
        runs.push((console, icount));
    }
    assert_eq!(runs[0], runs[1], "tiers agree");
}

#[test]
fn builtin_bios_boots_the_same_floppy() {
    let img = TempImage::new("builtin");
    let mut m = Machine::new(&MachineConfig {
        ram_size: RAM,
        bios: Some(Firmware::rom_image()),
        exit_port: Some(0xF4),
        no_reboot: true,
        ..Default::default()
    })
    .unwrap();
    let mut fdc = Fdc82077::new();
    fdc.insert(0, floppy(&img));
    fdc82077::attach(&mut m.cpu.io, fdc);
    m.install_builtin_bios(FirmwareConfig::new(RAM), vec![floppy(&img)]);
    let (outcome, console, _) = run(&mut m, 50_000_000);
    assert!(console.contains("FLOPPY READ OK"), "{console:?}");
    assert_eq!(outcome, RunOutcome::Exit(0x21), "{console:?}");
}

#[test]
fn every_floppy_size_boots_with_seabios_and_the_builtin_bios() {
    let seabios = kit_bios();
    for size in SIZES {
        let img = TempImage::with(&format!("geom-{size}"), size, GEOMETRY_BOOT);
        if let Some(bios) = &seabios {
            let mut m = Machine::new(&MachineConfig {
                bios: Some(bios.clone()),
                exit_port: Some(0xF4),
                firmware_interfaces: Some(FirmwareInterfaces::default()),
                ..Default::default()
            })
            .unwrap();
            let mut fdc = Fdc82077::new();
            fdc.insert(0, floppy(&img));
            fdc82077::attach(&mut m.cpu.io, fdc);
            let (outcome, console, _) = run(&mut m, 400_000_000);
            assert!(
                console.contains("GEOMETRY OK"),
                "SeaBIOS {size}: {console:?}"
            );
            assert_eq!(outcome, RunOutcome::Exit(0x21), "SeaBIOS {size}");
        }
        let mut m = Machine::new(&MachineConfig {
            ram_size: RAM,
            bios: Some(Firmware::rom_image()),
            exit_port: Some(0xF4),
            no_reboot: true,
            ..Default::default()
        })
        .unwrap();
        let mut fdc = Fdc82077::new();
        fdc.insert(0, floppy(&img));
        fdc82077::attach(&mut m.cpu.io, fdc);
        m.install_builtin_bios(FirmwareConfig::new(RAM), vec![floppy(&img)]);
        let (outcome, console, _) = run(&mut m, 50_000_000);
        assert!(
            console.contains("GEOMETRY OK"),
            "built-in {size}: {console:?}"
        );
        assert_eq!(outcome, RunOutcome::Exit(0x21), "built-in {size}");
    }
}
