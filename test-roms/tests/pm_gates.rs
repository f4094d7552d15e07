//! Runs `roms/pm_gates.bin` (privilege transfers, see `roms/pm_gates.asm`)
//! headless through the emulator library on both execution tiers and
//! checks its report: every check passed, each transfer it exercises
//! reported (IRET to ring 3, INT through interrupt gates with a stack
//! switch, #GP(vector·8+2) for a DPL 0 gate, a call gate with parameters
//! and RETF n, SYSENTER/SYSEXIT, a V86 round trip and a V86 #GP(0)), and
//! it ended the common way (POST 0xFF, exit port 0xF4), back at ring 0.

use emulator::cpu::SegReg;
use test_roms::harness::{Guest, Run};

const ROM: &[u8] = include_bytes!("../roms/pm_gates.bin");
const LIMIT: u64 = 10_000_000;
/// Checks the ROM makes (its summary line must say so).
const CHECKS: usize = 56;

fn check(r: &Run) {
    let tier = r.tier;
    let n = r.assert_self_checks_passed();
    assert_eq!(n, CHECKS, "{tier:?}: checks in the summary");
    r.assert_console_has(&[
        "PASS iret to ring 3: DS (DPL 0) nulled",
        "PASS   ... handler on the TSS ring-0 stack",
        "PASS int 41h through a DPL 0 gate: #GP(41h*8+2)",
        "PASS   ... parameter 2 copied",
        "PASS sysexit: CS",
        "PASS int 30h from V86 to ring 0: handler ESP (9 dwords)",
        "PASS   ... DS, ES, FS, GS nulled",
        "PASS CLI in V86 with IOPL 0: #GP handler ESP (10 dwords)",
    ]);
    let want_posts = [
        0x01, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xFF,
    ];
    assert_eq!(r.posts, want_posts, "{tier:?}: POST codes");
    // The ROM ends in the ring-0 monitor, in protected mode.
    assert!(r.state.protected() && !r.state.v86(), "{tier:?}: mode");
    assert_eq!(r.state.cpl, 0, "{tier:?}: CPL");
    assert_eq!(r.state.sreg(SegReg::Cs).selector, 0x08, "{tier:?}: CS");
    assert_eq!(r.state.tr.selector, 0x28, "{tier:?}: TR");
}

#[test]
fn pm_gates_rom_passes_on_both_tiers() {
    Guest::rom(ROM).limit(LIMIT).run_both_tiers_checked(check);
}
