//! Runs `roms/ferr_irq13.bin` (the x87 error path of a PC/AT: with CR0.NE
//! clear an unmasked x87 exception asserts FERR#, which the machine passes
//! to the 8259A as IRQ13; the handler clears it with FNCLEX and sends EOIs;
//! a pending IRQ13 wakes HLT) on both execution tiers.

use test_roms::harness::{Guest, Run};

const ROM: &[u8] = include_bytes!("../roms/ferr_irq13.bin");

fn check(r: &Run) {
    let tier = r.tier;
    let n = r.assert_self_checks_passed();
    assert_eq!(n, 6, "{tier:?}: checks run");
    r.assert_console_has(&[
        "PASS IRQ13 masked: no interrupt",
        "PASS IF clear: no interrupt",
        "PASS IRQ13 taken once IF is set",
        "PASS handler saw ES and ZE",
        "PASS IRQ13 wakes HLT",
    ]);
    assert_eq!(
        r.posts,
        [0x01, 0x10, 0x20, 0x30, 0x40, 0xFF],
        "{tier:?}: POST codes"
    );
    assert!(
        !r.state.fpu.ferr,
        "{tier:?}: FERR# still asserted after FNCLEX"
    );
}

#[test]
fn ferr_reaches_the_cpu_as_irq13_on_both_tiers() {
    Guest::rom(ROM)
        .limit(100_000)
        .no_reboot()
        .run_both_tiers_checked(check);
}
