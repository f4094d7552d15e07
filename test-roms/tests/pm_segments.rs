//! Runs `roms/pm_segments.bin` (protected-mode segmentation, see
//! `roms/pm_segments.asm`) headless through the emulator library on both
//! execution tiers and checks its report: every check passed, the fault
//! checks ran (vector, error code and saved CS:EIP of each provoked
//! fault), the ROM went back to real mode keeping 4 GiB limits (unreal
//! mode), and it ended the common way (POST 0xFF, exit port 0xF4).

use emulator::cpu::SegReg;
use emulator::engine::Tier;
use emulator::{CpuModel, CpuState, Machine, MachineConfig, RunOutcome};
use std::sync::Arc;

const ROM: &[u8] = include_bytes!("../roms/pm_segments.bin");
const EXIT_PORT: u16 = 0xF4;
/// Host status of EXIT_PASS (0x10 << 1 | 1).
const PASS: u32 = 33;
const LIMIT: u64 = 20_000_000;

struct Run {
    outcome: RunOutcome,
    console: String,
    posts: Vec<u8>,
    state: CpuState,
    icount: u64,
}

fn run(tier: Tier) -> Run {
    let cfg = MachineConfig {
        model: CpuModel::Pentium,
        bios: Some(Arc::from(ROM)),
        exit_port: Some(EXIT_PORT),
        tier,
        ..Default::default()
    };
    let mut m = Machine::new(&cfg).expect("machine");
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
            m.cpu.icount < LIMIT,
            "no end after {LIMIT} instructions; console so far:\n{}",
            String::from_utf8_lossy(&console)
        );
    };
    Run {
        outcome,
        console: String::from_utf8_lossy(&console).into_owned(),
        posts,
        state: m.cpu.state.clone(),
        icount: m.cpu.icount,
    }
}

fn check(r: &Run, tier: Tier) {
    let fails: Vec<&str> = r
        .console
        .lines()
        .filter(|l| l.starts_with("FAIL"))
        .collect();
    assert!(
        fails.is_empty(),
        "{tier:?}: failed checks:\n{}",
        fails.join("\n")
    );
    assert_eq!(
        r.outcome,
        RunOutcome::Exit(PASS),
        "{tier:?} console:\n{}",
        r.console
    );
    let summary = r.console.lines().last().unwrap_or("");
    let n: usize = summary
        .strip_prefix("all ")
        .and_then(|s| s.strip_suffix(" checks passed"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{tier:?}: bad summary line {summary:?}"));
    assert!(n >= 200, "{tier:?}: only {n} checks ran");
    let passes = r.console.lines().filter(|l| l.starts_with("PASS")).count();
    assert_eq!(passes, n, "{tier:?}: PASS lines vs summary");
    // Fault checks that must have run, with their exact error codes.
    for line in [
        "PASS mov ds, not-present data: #NP(sel)",
        "PASS mov ss, not present: #SS(sel)",
        "PASS read through execute-only CS: #GP(0)",
        "PASS SS: dword at FFFEh: #SS(0)",
        "PASS ltr of a busy TSS: #GP(sel)",
        "PASS unreal FS reaches 2 MiB after a real-mode reload",
        "PASS lar in real mode: #UD",
    ] {
        assert!(r.console.contains(line), "{tier:?}: {line:?} missing");
    }
    let want_posts = [
        0x01, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xA0, 0xFF,
    ];
    assert_eq!(r.posts, want_posts, "{tier:?}: POST codes");
    // The ROM ends in real mode with FS still holding a 4 GiB limit.
    assert!(!r.state.protected());
    let fs = r.state.sreg(SegReg::Fs);
    assert_eq!((fs.selector, fs.base, fs.limit), (0, 0, 0xFFFF_FFFF));
}

#[test]
fn pm_segments_rom_passes_on_both_tiers() {
    let blocks = run(Tier::Blocks);
    check(&blocks, Tier::Blocks);
    let interp = run(Tier::Interpreter);
    check(&interp, Tier::Interpreter);
    assert_eq!(blocks.console, interp.console);
    assert_eq!(blocks.icount, interp.icount);
    assert_eq!(blocks.state, interp.state);
}
