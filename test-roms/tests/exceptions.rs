//! Runs `roms/exceptions.bin` (faults, traps, double faults, single-step,
//! DR0/DR1 breakpoints and #AC, see `roms/exceptions.asm`) headless through
//! the emulator library on both execution tiers and checks its report:
//! every check passed, each area was reached, and the ROM ended the common
//! way (POST 0xFF, exit port 0xF4).

use emulator::engine::Tier;
use emulator::{CpuModel, CpuState, Machine, MachineConfig, RunOutcome};
use std::sync::Arc;

const ROM: &[u8] = include_bytes!("../roms/exceptions.bin");
const EXIT_PORT: u16 = 0xF4;
/// Host status of EXIT_PASS (0x10 << 1 | 1).
const PASS: u32 = 33;
const LIMIT: u64 = 2_000_000;

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
        no_reboot: true,
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
    assert!(n >= 40, "{tier:?}: only {n} checks ran");
    let passes = r.console.lines().filter(|l| l.starts_with("PASS")).count();
    assert_eq!(passes, n, "{tier:?}: PASS lines vs summary");
    for line in [
        "PASS #DE div by 0: saved EIP",
        "PASS #DE: RF set in the pushed EFLAGS",
        "PASS #UD ud2: vector",
        "PASS #GP mov ds beyond the GDT limit: error code",
        "PASS #BP int3 (trap): saved EIP",
        "PASS single-step: last trap after the POPFD that clears TF",
        "PASS single-step: DR6.BS",
        "PASS DR0 instruction breakpoint: RF lets it run once",
        "PASS DR1 data write breakpoint (trap): saved EIP",
        "PASS #AC misaligned dword at ring 3: error code",
        "PASS #AC: not at ring 0",
        "PASS #DF: #GP with its gate not present",
        "PASS #DF: error code 0",
        "PASS #UD with its gate not present: #NP(6*8+IDT+EXT): error code",
    ] {
        assert!(r.console.contains(line), "{tier:?}: {line:?} missing");
    }
    let want_posts = [0x01, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0xFF];
    assert_eq!(r.posts, want_posts, "{tier:?}: POST codes");
    assert_eq!(r.state.cpl, 0, "{tier:?}: CPL");
}

#[test]
fn exceptions_rom_passes_on_both_tiers() {
    let blocks = run(Tier::Blocks);
    check(&blocks, Tier::Blocks);
    let interp = run(Tier::Interpreter);
    check(&interp, Tier::Interpreter);
    assert_eq!(blocks.console, interp.console);
    assert_eq!(blocks.icount, interp.icount);
    assert_eq!(blocks.state, interp.state);
}
