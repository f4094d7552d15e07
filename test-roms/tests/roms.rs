//! Runs every test ROM in `test-roms/roms/` (and the built-in demo) headless
//! through the emulator library, on both execution tiers: the block cache
//! and the step interpreter. Checks the debug console output, the POST
//! codes and how the run ends, and that both tiers end in the same CPU
//! state after the same number of instructions with the same RAM.
//!
//! The ROMs follow the convention in `test-roms/roms/common.inc`: text on
//! port 0xE9, POST codes on 0x190, POST 0xFF then EXIT_PASS (0x10, host
//! status 33) on port 0xF4 when every check passed, then `cli; hlt`.
//! The `ox86` binary itself is tested in `frontend/tests/cli.rs`.

use emulator::engine::Tier;
use emulator::{CpuModel, CpuState, Machine, MachineConfig, RunOutcome};
use std::sync::Arc;

const HELLO: &[u8] = include_bytes!("../roms/hello.bin");
const ALU: &[u8] = include_bytes!("../roms/alu.bin");
const PM32: &[u8] = include_bytes!("../roms/pm32.bin");
const SMC: &[u8] = include_bytes!("../roms/smc.bin");
const DEMO: &[u8] = include_bytes!("../demo/demo.bin");

const EXIT_PORT: u16 = 0xF4;
/// Host status of EXIT_PASS (0x10 << 1 | 1).
const PASS: u32 = 33;
/// Every ROM finishes well within this many instructions.
const LIMIT: u64 = 50_000_000;
/// RAM compared between tiers: the first 3 MiB (the ROMs use no more).
const RAM_COMPARED: usize = 3 << 20;

/// What a run produced.
struct Run {
    outcome: RunOutcome,
    console: String,
    posts: Vec<u8>,
    icount: u64,
    state: CpuState,
    ram: Vec<u8>,
}

fn run(image: &[u8], model: CpuModel, tier: Tier, exit_port: Option<u16>) -> Run {
    let cfg = MachineConfig {
        model,
        bios: Some(Arc::from(image)),
        exit_port,
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
    let mut ram = vec![0u8; RAM_COMPARED];
    m.cpu.mem.read_bytes(0, &mut ram);
    Run {
        outcome,
        console: String::from_utf8_lossy(&console).into_owned(),
        posts,
        icount: m.cpu.icount,
        state: m.cpu.state.clone(),
        ram,
    }
}

/// Run on both tiers, check that they agree, return the block-cache run.
fn run_both_tiers(image: &[u8], model: CpuModel, exit_port: Option<u16>) -> Run {
    let blocks = run(image, model, Tier::Blocks, exit_port);
    let interp = run(image, model, Tier::Interpreter, exit_port);
    assert_eq!(
        blocks.console, interp.console,
        "console differs between tiers"
    );
    assert_eq!(
        blocks.posts, interp.posts,
        "POST codes differ between tiers"
    );
    assert_eq!(
        blocks.outcome, interp.outcome,
        "outcome differs between tiers"
    );
    assert_eq!(blocks.icount, interp.icount, "instruction count differs");
    assert_eq!(blocks.state, interp.state, "final CPU state differs");
    if let Some(i) = (0..RAM_COMPARED).find(|&i| blocks.ram[i] != interp.ram[i]) {
        panic!("RAM differs between tiers first at {i:#x}");
    }
    blocks
}

/// A self-checking ROM passed: exit status 33, a summary line, no FAIL
/// line, POST codes from 0x01 to 0xFF.
fn assert_passed(name: &str, r: &Run, min_checks: u32) {
    let failures: Vec<&str> = r
        .console
        .lines()
        .filter(|l| l.starts_with("FAIL"))
        .collect();
    assert!(
        failures.is_empty(),
        "{name}: failed checks:\n{}",
        failures.join("\n")
    );
    assert_eq!(
        r.outcome,
        RunOutcome::Exit(PASS),
        "{name} console:\n{}",
        r.console
    );
    let summary = r.console.lines().last().unwrap_or("");
    let n: u32 = summary
        .strip_prefix("all ")
        .and_then(|s| s.strip_suffix(" checks passed"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{name}: bad summary line {summary:?}"));
    assert!(n >= min_checks, "{name}: only {n} checks ran");
    let passes = r.console.lines().filter(|l| l.starts_with("PASS")).count();
    assert_eq!(passes, n as usize, "{name}: PASS lines vs summary");
    assert_eq!(r.posts.first(), Some(&0x01), "{name}: {:02x?}", r.posts);
    assert_eq!(r.posts.last(), Some(&0xFF), "{name}: {:02x?}", r.posts);
}

#[test]
fn hello_prints_and_exits_through_the_exit_port() {
    let r = run_both_tiers(HELLO, CpuModel::Pentium, Some(EXIT_PORT));
    assert_eq!(r.console, "Hello from an ox86 test ROM!\n");
    assert_eq!(r.outcome, RunOutcome::Exit(PASS));
    assert_eq!(r.posts, vec![0x01, 0xFF]);
}

#[test]
fn hello_halts_without_an_exit_port() {
    let r = run_both_tiers(HELLO, CpuModel::Pentium, None);
    assert_eq!(r.console, "Hello from an ox86 test ROM!\n");
    assert_eq!(
        r.outcome,
        RunOutcome::Halted {
            interrupts_enabled: false
        }
    );
}

#[test]
fn hello_runs_on_every_cpu_model() {
    for model in [CpuModel::I8086, CpuModel::I80286] {
        let r = run_both_tiers(HELLO, model, Some(EXIT_PORT));
        assert_eq!(r.console, "Hello from an ox86 test ROM!\n", "{model:?}");
        assert_eq!(r.outcome, RunOutcome::Exit(PASS), "{model:?}");
    }
}

#[test]
fn alu_rom_passes() {
    let r = run_both_tiers(ALU, CpuModel::Pentium, Some(EXIT_PORT));
    assert_passed("alu", &r, 180);
}

#[test]
fn alu_rom_halts_with_no_failures_without_an_exit_port() {
    let r = run(ALU, CpuModel::Pentium, Tier::Blocks, None);
    assert_eq!(
        r.outcome,
        RunOutcome::Halted {
            interrupts_enabled: false
        }
    );
    assert_eq!(r.state.regs[0] & 0xFFFF, 0, "AX = failed checks");
    assert_eq!(r.posts.last(), Some(&0xFF));
}

#[test]
fn pm32_rom_passes() {
    let r = run_both_tiers(PM32, CpuModel::Pentium, Some(EXIT_PORT));
    assert_passed("pm32", &r, 40);
    assert!(r.state.protected(), "pm32 ends in protected mode");
    assert!(r.state.code32());
}

#[test]
fn smc_rom_passes() {
    let r = run_both_tiers(SMC, CpuModel::Pentium, Some(EXIT_PORT));
    assert_passed("smc", &r, 13);
}

#[test]
fn demo_draws_the_same_picture_on_every_cpu_model() {
    let mut pictures = Vec::new();
    for (model, cpu_line) in [
        (CpuModel::I8086, "CPU: 8086/8088"),
        (CpuModel::I80286, "CPU: 80286"),
        (CpuModel::Pentium, "CPU: CPUID vendor"),
    ] {
        let r = run_both_tiers(DEMO, model, None);
        assert_eq!(
            r.outcome,
            RunOutcome::Halted {
                interrupts_enabled: false
            },
            "{model:?}"
        );
        assert!(
            r.console.contains(cpu_line),
            "{model:?}: {cpu_line:?} not in\n{}",
            r.console
        );
        assert_eq!(r.posts, vec![0x01, 0x10, 0x20, 0xFF], "{model:?}");
        let picture: Vec<&str> = r
            .console
            .lines()
            .filter(|l| l.len() == 78 && l.contains('@'))
            .collect();
        assert!(
            picture.len() > 10,
            "{model:?}: no picture in\n{}",
            r.console
        );
        pictures.push(picture.join("\n"));
    }
    assert_eq!(pictures[0], pictures[1]);
    assert_eq!(pictures[1], pictures[2]);
}
