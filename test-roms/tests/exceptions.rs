//! Runs `roms/exceptions.bin` (faults, traps, double faults, single-step,
//! DR0/DR1 breakpoints and #AC, see `roms/exceptions.asm`) headless through
//! the emulator library on both execution tiers and checks its report:
//! every check passed, each area was reached, and the ROM ended the common
//! way (POST 0xFF, exit port 0xF4).

use test_roms::harness::{Guest, Run};

const ROM: &[u8] = include_bytes!("../roms/exceptions.bin");
const LIMIT: u64 = 2_000_000;

fn check(r: &Run) {
    let tier = r.tier;
    let n = r.assert_self_checks_passed();
    assert!(n >= 40, "{tier:?}: only {n} checks ran");
    r.assert_console_has(&[
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
    ]);
    let want_posts = [0x01, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0xFF];
    assert_eq!(r.posts, want_posts, "{tier:?}: POST codes");
    assert_eq!(r.state.cpl, 0, "{tier:?}: CPL");
}

#[test]
fn exceptions_rom_passes_on_both_tiers() {
    Guest::rom(ROM)
        .limit(LIMIT)
        .no_reboot()
        .run_both_tiers_checked(check);
}
