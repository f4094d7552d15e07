//! Runs `roms/x87.bin` (x87 state, arithmetic, compares, FNSAVE/FRSTOR,
//! #NM and #MF delivery; see `roms/x87.asm`) headless through the emulator
//! library on both execution tiers and checks its report. The FERR# →
//! IRQ13 path (CR0.NE = 0) is checked end to end by `ferr_irq13.rs`.

use test_roms::harness::{Guest, Run};

const ROM: &[u8] = include_bytes!("../roms/x87.bin");
const LIMIT: u64 = 1_000_000;

fn check(r: &Run) {
    let tier = r.tier;
    let n = r.assert_self_checks_passed();
    assert!(n >= 30, "{tier:?}: only {n} checks ran");
    r.assert_console_has(&[
        "PASS fninit: control word 037Fh",
        "PASS fldpi as single",
        "PASS fcompp 1 > 0 through sahf",
        "PASS fnsave: tag word",
        "PASS #NM with CR0.TS: vector",
        "PASS wait with MP and TS: #NM",
        "PASS #MF at the next waiting instruction: vector",
        "PASS   ... saved IP is the waiting instruction",
        "PASS CR0.NE = 0: no #MF",
    ]);
    let want_posts = [0x01, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xFF];
    assert_eq!(r.posts, want_posts, "{tier:?}: POST codes");
    assert!(
        !r.state.fpu.ferr,
        "{tier:?}: FERR# still asserted after FNCLEX"
    );
}

#[test]
fn x87_rom_passes_on_both_tiers() {
    Guest::rom(ROM)
        .limit(LIMIT)
        .no_reboot()
        .run_both_tiers_checked(check);
}
