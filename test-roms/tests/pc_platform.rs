//! Runs `roms/pc_platform.bin` (PIT IRQ0 ticks counted with HLT and timed
//! with RDTSC, port 0x61 refresh toggle and counter 2 gate, RTC date and
//! CMOS fields, RTC periodic IRQ8 through the cascade, A20 through the 8042
//! and port 0x92, 8042 self-test) on both execution tiers, in the
//! deterministic clock mode: the output, instruction count and final state
//! are exact and the same on both tiers, and a second run repeats them.

use test_roms::harness::{Guest, Run};

const ROM: &[u8] = include_bytes!("../roms/pc_platform.bin");

fn check(r: &Run) {
    let tier = r.tier;
    let n = r.assert_self_checks_passed();
    assert_eq!(n, 21, "{tier:?}: checks run");
    r.assert_console_has(&[
        "PASS IRQ0 ticks counted with HLT",
        "PIT: 9 periods in 8999 us",
        "PASS 9 periods take 9 ms of TSC",
        "PASS OUT2 low while gate 2 is low",
        "PASS OUT2 high at terminal count with gate 2 high",
        "PASS RTC year (BCD)",
        "PASS CMOS extended memory KiB",
        "PASS RTC periodic interrupts on IRQ8",
        "PASS 8042 A20 off: FFFF:0510 wraps to 0500",
        "PASS port 0x92 bit 1 opens A20",
        "PASS 8042 self-test answer",
    ]);
    assert_eq!(
        r.posts,
        [0x01, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xFF],
        "{tier:?}: POST codes"
    );
}

#[test]
fn pc_platform_devices_on_both_tiers_deterministically() {
    let guest = Guest::rom(ROM).limit(5_000_000).no_reboot();
    let a = guest.run_both_tiers_checked(check);
    // Time is skipped while halted: the ~20 ms the ROM waits for cost few
    // instructions.
    assert!(a.icount < 2_000_000, "{} instructions", a.icount);
    let b = guest.run_both_tiers();
    a.assert_same_as(&b);
}
