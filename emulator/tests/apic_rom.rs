//! Runs `test-roms/roms/apic.bin` (local APIC and IOAPIC as an operating
//! system meets them: CPUID/MSR, self-IPI, TPR, timer, IOAPIC routing of
//! the PIT, virtual wire, global disable) on a machine with the APICs, on
//! both execution tiers; and checks that without them nothing is
//! advertised.

use emulator::engine::Tier;
use emulator::{Machine, MachineConfig, RunOutcome};
use std::sync::Arc;

const ROM: &[u8] = include_bytes!("../../test-roms/roms/apic.bin");
/// Host exit status of a ROM whose checks all passed (common.inc).
const PASS: u32 = 33;

fn run(tier: Tier, apic: bool) -> (RunOutcome, String) {
    let cfg = MachineConfig {
        bios: Some(Arc::from(ROM)),
        exit_port: Some(0xF4),
        tier,
        ..Default::default()
    };
    let mut m = Machine::new(&cfg).unwrap();
    if apic {
        m.enable_apic();
    }
    let mut console = Vec::new();
    let mut outcome = RunOutcome::Budget;
    for _ in 0..1000 {
        outcome = m.run_slice(1_000_000);
        console.extend(m.cpu.io.debug.take_console());
        if outcome != RunOutcome::Budget {
            break;
        }
    }
    (outcome, String::from_utf8_lossy(&console).into_owned())
}

#[test]
fn apic_rom_passes_on_both_tiers() {
    for tier in [Tier::Interpreter, Tier::Blocks] {
        let (outcome, console) = run(tier, true);
        assert!(!console.contains("FAIL"), "{tier:?}:\n{console}");
        assert_eq!(outcome, RunOutcome::Exit(PASS), "{tier:?}:\n{console}");
        for line in [
            "PASS self-IPI 40h taken once after STI",
            "PASS periodic timer: one interrupt per HLT",
            "PASS PIT IRQ0 through IOAPIC pin 2, 8259A masked",
            "PASS LINT0 masked: the 8259A is cut off",
            "PASS EN = 0: the 8259A interrupts directly",
            "all 28 checks passed",
        ] {
            assert!(
                console.contains(line),
                "{tier:?}: missing {line:?}:\n{console}"
            );
        }
    }
}

#[test]
fn without_the_apics_nothing_is_advertised() {
    let (outcome, console) = run(Tier::Blocks, false);
    assert!(
        console.contains("FAIL CPUID.1:EDX[9]: on-chip APIC"),
        "{console}"
    );
    assert_ne!(outcome, RunOutcome::Exit(PASS));
}
