//! Runs every test ROM in `test-roms/roms/` headless through the emulator
//! library, on both execution tiers: the block cache
//! and the step interpreter. Checks the debug console output, the POST
//! codes and how the run ends, and that both tiers end in the same CPU
//! state after the same number of instructions with the same RAM.
//!
//! The ROMs follow the convention in `test-roms/roms/common.inc`: text on
//! port 0xE9, POST codes on 0x190, POST 0xFF then EXIT_PASS (0x10, host
//! status 33) on port 0xF4 when every check passed, then `cli; hlt`.
//! The `ox86` binary itself is tested in `frontend/tests/cli.rs`, the
//! built-in demo in `demo.rs`.

use emulator::engine::Tier;
use emulator::{CpuModel, RunOutcome};
use test_roms::harness::{Guest, Run, EXIT_PORT, PASS};

const HELLO: &[u8] = include_bytes!("../roms/hello.bin");
const ALU: &[u8] = include_bytes!("../roms/alu.bin");
const PM32: &[u8] = include_bytes!("../roms/pm32.bin");
const SMC: &[u8] = include_bytes!("../roms/smc.bin");

/// Run on both tiers (see `test_roms::harness`), return the block-cache run.
fn run_both_tiers(image: &[u8], model: CpuModel, exit_port: Option<u16>) -> Run {
    Guest::rom(image)
        .model(model)
        .exit_port(exit_port)
        .run_both_tiers()
}

/// A self-checking ROM passed: exit status 33, a summary line, no FAIL
/// line, POST codes from 0x01 to 0xFF.
fn assert_passed(name: &str, r: &Run, min_checks: usize) {
    let n = r.assert_self_checks_passed();
    assert!(n >= min_checks, "{name}: only {n} checks ran");
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
    let r = Guest::rom(ALU).exit_port(None).run(Tier::Blocks);
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
