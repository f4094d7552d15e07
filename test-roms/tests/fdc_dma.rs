//! Runs `roms/fdc_dma.bin` (the 82077AA floppy controller and the 8237A
//! DMA controller programmed directly: reset and polling interrupts,
//! VERSION, SPECIFY, RECALIBRATE, SEEK, READ ID, READ DATA of the boot
//! sector through DMA channel 2 with TC, WRITE DATA and a multi-track read
//! back) with a 1.44M image in drive A, on both execution tiers: same
//! output, instruction count, state and RAM; the written sector reaches the
//! image file.

use devices::block::{BlockDevice, MediaKind, OpenOptions};
use devices::fdc82077::{self, Fdc82077};
use emulator::engine::Tier;
use emulator::{CpuModel, Machine, MachineConfig, RunOutcome};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use test_roms::harness::{Run, EXIT_PORT, RAM_COMPARED};

const ROM: &[u8] = include_bytes!("../roms/fdc_dma.bin");
const SIZE_144: usize = 1_474_560;

/// A 1.44M image: each sector starts with its LBA; the boot sector ends in
/// 55 AA.
fn image(tag: &str) -> PathBuf {
    let mut v = vec![0u8; SIZE_144];
    for lba in 0..SIZE_144 / 512 {
        v[lba * 512..lba * 512 + 2].copy_from_slice(&(lba as u16).to_le_bytes());
    }
    v[510] = 0x55;
    v[511] = 0xAA;
    let p = std::env::temp_dir().join(format!("ox86-fdc-dma-{}-{tag}.img", std::process::id()));
    std::fs::write(&p, v).unwrap();
    p
}

fn run(tier: Tier, img: &Path) -> Run {
    let cfg = MachineConfig {
        model: CpuModel::Pentium,
        bios: Some(Arc::from(ROM)),
        exit_port: Some(EXIT_PORT),
        no_reboot: true,
        tier,
        ..Default::default()
    };
    let mut m = Machine::new(&cfg).expect("machine");
    let mut fdc = Fdc82077::new();
    let media = BlockDevice::open(img, MediaKind::Floppy, OpenOptions::default()).unwrap();
    fdc.insert(0, media);
    fdc82077::attach(&mut m.cpu.io, fdc);
    let mut console = Vec::new();
    let mut posts = Vec::new();
    let outcome = loop {
        let o = m.run_slice(1 << 16);
        console.extend(m.cpu.io.debug.take_console());
        posts.extend(m.cpu.io.debug.take_post_codes());
        if o != RunOutcome::Budget {
            break o;
        }
        assert!(
            m.cpu.icount < 5_000_000,
            "{tier:?}: no end; console:\n{}",
            String::from_utf8_lossy(&console)
        );
    };
    let mut ram = vec![0u8; RAM_COMPARED];
    m.cpu.mem.read_bytes(0, &mut ram);
    Run {
        tier,
        outcome,
        console: String::from_utf8_lossy(&console).into_owned(),
        serial: String::new(),
        posts,
        icount: m.cpu.icount,
        state: m.cpu.state.clone(),
        ram,
    }
}

#[test]
fn fdc_and_8237_read_and_write_a_floppy_on_both_tiers() {
    let mut runs = Vec::new();
    for (tier, tag) in [(Tier::Blocks, "blocks"), (Tier::Interpreter, "interp")] {
        let img = image(tag);
        let r = run(tier, &img);
        let n = r.assert_self_checks_passed();
        assert_eq!(n, 21, "{tier:?}: checks run");
        r.assert_console_has(&[
            "PASS four polling statuses C0h..C3h",
            "PASS boot sector: 55 AA",
            "PASS 8237 status: TC on channel 2",
            "PASS written sector read back",
        ]);
        assert_eq!(r.posts, [0x01, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0xFF]);
        // C1 H1 R18 = LBA 71: written through DMA to the file.
        let b = std::fs::read(&img).unwrap();
        let _ = std::fs::remove_file(&img);
        assert_eq!(&b[71 * 512..71 * 512 + 4], &[0x34, 0x12, 0x0D, 0xF0]);
        assert_eq!(&b[72 * 512..72 * 512 + 2], &[72, 0]);
        runs.push(r);
    }
    runs[0].assert_same_as(&runs[1]);
}
