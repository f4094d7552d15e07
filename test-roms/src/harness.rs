//! Harness for the headless guest tests in `test-roms/tests/`: build a
//! [`Machine`] for a test ROM (or a directly loaded kernel), run it to its
//! end on an execution tier, collect what it reported, and run it on both
//! tiers — the block cache and the step interpreter — checking that they
//! agree.
//!
//! The ROMs follow the convention of `test-roms/roms/common.inc`: text on
//! the debug console (port 0xE9), POST codes on port 0x190, one
//! `PASS name` or `FAIL name...` line per check, then a summary line
//! `all N checks passed`, POST 0xFF and EXIT_PASS on the isa-debug-exit
//! port 0xF4 (host status 33). Each test file keeps its own expectations
//! (lines that must appear, POST codes, final CPU state); this module holds
//! only what every test does the same way.
//!
//! ```no_run
//! use test_roms::harness::Guest;
//! let rom: &[u8] = &[]; // include_bytes!("../roms/pm32.bin")
//! let r = Guest::rom(rom).run_both_tiers_checked(|r| {
//!     let n = r.assert_self_checks_passed();
//!     assert!(n >= 40, "{:?}: only {n} checks ran", r.tier);
//! });
//! assert!(r.state.protected());
//! ```

use bios::BootImage;
use emulator::engine::Tier;
use emulator::{CpuModel, CpuState, Machine, MachineConfig, RunOutcome};
use std::sync::Arc;

/// The isa-debug-exit port the ROMs write their verdict to.
pub const EXIT_PORT: u16 = 0xF4;
/// Host status of EXIT_PASS (0x10 << 1 | 1).
pub const PASS: u32 = 33;
/// Host status of EXIT_FAIL (0x11 << 1 | 1).
pub const FAIL: u32 = 35;
/// RAM compared between the tiers: the first 3 MiB (the ROMs and the test
/// kernel use no more).
pub const RAM_COMPARED: usize = 3 << 20;
/// Instructions slice size between two collections of the output.
const SLICE: u64 = 1 << 16;
/// Default instruction limit of a run (see [`Guest::limit`]).
const DEFAULT_LIMIT: u64 = 50_000_000;

/// What to run and how: a machine configuration plus, for a kernel, the
/// image loaded into RAM before the first instruction.
#[derive(Clone, Debug)]
pub struct Guest<'a> {
    config: MachineConfig,
    kernel: Option<&'a BootImage>,
    limit: u64,
}

/// What a run produced.
#[derive(Clone, Debug)]
pub struct Run {
    /// The tier it ran on.
    pub tier: Tier,
    pub outcome: RunOutcome,
    /// Debug console (port 0xE9) output.
    pub console: String,
    /// COM1 output.
    pub serial: String,
    pub posts: Vec<u8>,
    pub icount: u64,
    pub state: CpuState,
    /// The first [`RAM_COMPARED`] bytes of RAM at the end.
    pub ram: Vec<u8>,
}

impl<'a> Guest<'a> {
    /// A test ROM as the BIOS image, on a Pentium with the exit port at
    /// [`EXIT_PORT`].
    pub fn rom(image: &[u8]) -> Self {
        Guest {
            config: MachineConfig {
                model: CpuModel::Pentium,
                bios: Some(Arc::from(image)),
                exit_port: Some(EXIT_PORT),
                ..Default::default()
            },
            kernel: None,
            limit: DEFAULT_LIMIT,
        }
    }

    /// A kernel loaded directly into `ram_size` bytes of RAM (no BIOS), as
    /// `ox86 run --kernel` does, with the exit port at [`EXIT_PORT`] and a
    /// triple fault ending the run.
    pub fn kernel(image: &'a BootImage, ram_size: u64) -> Self {
        Guest {
            config: MachineConfig {
                ram_size,
                bios: None,
                exit_port: Some(EXIT_PORT),
                no_reboot: true,
                ..Default::default()
            },
            kernel: Some(image),
            limit: DEFAULT_LIMIT,
        }
    }

    pub fn model(mut self, model: CpuModel) -> Self {
        self.config.model = model;
        self
    }

    /// The isa-debug-exit port, or none (the ROM then ends in `hlt`).
    pub fn exit_port(mut self, port: Option<u16>) -> Self {
        self.config.exit_port = port;
        self
    }

    /// End the run on a triple fault instead of resetting.
    pub fn no_reboot(mut self) -> Self {
        self.config.no_reboot = true;
        self
    }

    /// A run that has not ended after `instructions` fails the test.
    pub fn limit(mut self, instructions: u64) -> Self {
        self.limit = instructions;
        self
    }

    /// Run on `tier` until the guest exits, halts or shuts down.
    pub fn run(&self, tier: Tier) -> Run {
        let cfg = MachineConfig {
            tier,
            ..self.config.clone()
        };
        let mut m = Machine::new(&cfg).expect("machine");
        if let Some(image) = self.kernel {
            m.load_boot_image(image).expect("boot image");
        }
        let mut console = Vec::new();
        let mut serial = Vec::new();
        let mut posts = Vec::new();
        let outcome = loop {
            let o = m.run_slice(SLICE);
            console.extend(m.cpu.io.debug.take_console());
            serial.extend(m.cpu.io.take_serial_output());
            posts.extend(m.cpu.io.debug.take_post_codes());
            if o != RunOutcome::Budget {
                break o;
            }
            assert!(
                m.cpu.icount < self.limit,
                "{tier:?}: no end after {} instructions; console so far:\n{}\nserial so far:\n{}",
                self.limit,
                String::from_utf8_lossy(&console),
                String::from_utf8_lossy(&serial)
            );
        };
        let mut ram = vec![0u8; RAM_COMPARED];
        m.cpu.mem.read_bytes(0, &mut ram);
        Run {
            tier,
            outcome,
            console: String::from_utf8_lossy(&console).into_owned(),
            serial: String::from_utf8_lossy(&serial).into_owned(),
            posts,
            icount: m.cpu.icount,
            state: m.cpu.state.clone(),
            ram,
        }
    }

    /// Run on both tiers, check that they agree ([`Run::assert_same_as`]),
    /// return the block-cache run.
    pub fn run_both_tiers(&self) -> Run {
        self.run_both_tiers_checked(|_| {})
    }

    /// As [`Guest::run_both_tiers`], applying `check` to each tier's run
    /// first (so a failure names the tier it happened on).
    pub fn run_both_tiers_checked(&self, check: impl Fn(&Run)) -> Run {
        let blocks = self.run(Tier::Blocks);
        check(&blocks);
        let interp = self.run(Tier::Interpreter);
        check(&interp);
        blocks.assert_same_as(&interp);
        blocks
    }
}

impl Run {
    /// The two tiers agree: the same output, POST codes and outcome after
    /// the same number of instructions, the same final CPU state and RAM.
    pub fn assert_same_as(&self, other: &Run) {
        let tiers = (self.tier, other.tier);
        assert_eq!(
            self.console, other.console,
            "{tiers:?}: console differs between tiers"
        );
        assert_eq!(
            self.serial, other.serial,
            "{tiers:?}: serial output differs between tiers"
        );
        assert_eq!(
            self.posts, other.posts,
            "{tiers:?}: POST codes differ between tiers"
        );
        assert_eq!(
            self.outcome, other.outcome,
            "{tiers:?}: outcome differs between tiers"
        );
        assert_eq!(
            self.icount, other.icount,
            "{tiers:?}: instruction count differs"
        );
        assert_eq!(
            self.state, other.state,
            "{tiers:?}: final CPU state differs"
        );
        if let Some(i) = (0..RAM_COMPARED).find(|&i| self.ram[i] != other.ram[i]) {
            panic!("{tiers:?}: RAM differs between tiers first at {i:#x}");
        }
    }

    /// A self-checking ROM passed: no `FAIL` line, exit status [`PASS`], a
    /// last line `all N checks passed` and N `PASS` lines. Returns N.
    pub fn assert_self_checks_passed(&self) -> usize {
        let tier = self.tier;
        let failures: Vec<&str> = self
            .console
            .lines()
            .filter(|l| l.starts_with("FAIL"))
            .collect();
        assert!(
            failures.is_empty(),
            "{tier:?}: failed checks:\n{}",
            failures.join("\n")
        );
        assert_eq!(
            self.outcome,
            RunOutcome::Exit(PASS),
            "{tier:?} console:\n{}",
            self.console
        );
        let summary = self.console.lines().last().unwrap_or("");
        let n: usize = summary
            .strip_prefix("all ")
            .and_then(|s| s.strip_suffix(" checks passed"))
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{tier:?}: bad summary line {summary:?}"));
        let passes = self
            .console
            .lines()
            .filter(|l| l.starts_with("PASS"))
            .count();
        assert_eq!(passes, n, "{tier:?}: PASS lines vs summary");
        n
    }

    /// Each of `lines` appears in the console output.
    pub fn assert_console_has(&self, lines: &[&str]) {
        for line in lines {
            assert!(
                self.console.contains(line),
                "{:?}: {line:?} missing from the console:\n{}",
                self.tier,
                self.console
            );
        }
    }
}
