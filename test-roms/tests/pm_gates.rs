//! Runs `roms/pm_gates.bin` (privilege transfers, see `roms/pm_gates.asm`)
//! headless through the emulator library on both execution tiers and
//! checks its report: every check passed, each transfer it exercises
//! reported (IRET to ring 3, INT through interrupt gates with a stack
//! switch, #GP(vector·8+2) for a DPL 0 gate, a call gate with parameters
//! and RETF n, SYSENTER/SYSEXIT, a V86 round trip and a V86 #GP(0)), and
//! it ended the common way (POST 0xFF, exit port 0xF4), back at ring 0.

use emulator::cpu::SegReg;
use emulator::engine::Tier;
use emulator::{CpuModel, CpuState, Machine, MachineConfig, RunOutcome};
use std::sync::Arc;

const ROM: &[u8] = include_bytes!("../roms/pm_gates.bin");
const EXIT_PORT: u16 = 0xF4;
/// Host status of EXIT_PASS (0x10 << 1 | 1).
const PASS: u32 = 33;
const LIMIT: u64 = 10_000_000;
/// Checks the ROM makes (its summary line must say so).
const CHECKS: usize = 56;

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
    assert_eq!(
        r.console.lines().last(),
        Some(format!("all {CHECKS} checks passed").as_str()),
        "{tier:?}: summary"
    );
    let passes = r.console.lines().filter(|l| l.starts_with("PASS")).count();
    assert_eq!(passes, CHECKS, "{tier:?}: PASS lines");
    for line in [
        "PASS iret to ring 3: DS (DPL 0) nulled",
        "PASS   ... handler on the TSS ring-0 stack",
        "PASS int 41h through a DPL 0 gate: #GP(41h*8+2)",
        "PASS   ... parameter 2 copied",
        "PASS sysexit: CS",
        "PASS int 30h from V86 to ring 0: handler ESP (9 dwords)",
        "PASS   ... DS, ES, FS, GS nulled",
        "PASS CLI in V86 with IOPL 0: #GP handler ESP (10 dwords)",
    ] {
        assert!(r.console.contains(line), "{tier:?}: {line:?} missing");
    }
    let want_posts = [
        0x01, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xFF,
    ];
    assert_eq!(r.posts, want_posts, "{tier:?}: POST codes");
    // The ROM ends in the ring-0 monitor, in protected mode.
    assert!(r.state.protected() && !r.state.v86());
    assert_eq!(r.state.cpl, 0);
    assert_eq!(r.state.sreg(SegReg::Cs).selector, 0x08);
    assert_eq!(r.state.tr.selector, 0x28);
}

#[test]
fn pm_gates_rom_passes_on_both_tiers() {
    let blocks = run(Tier::Blocks);
    check(&blocks, Tier::Blocks);
    let interp = run(Tier::Interpreter);
    check(&interp, Tier::Interpreter);
    assert_eq!(blocks.console, interp.console);
    assert_eq!(blocks.icount, interp.icount);
    assert_eq!(blocks.state, interp.state);
}
