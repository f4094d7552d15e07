//! Runs `roms/pm_tasks.bin` (hardware task switching and the I/O
//! permission bitmap, see `roms/pm_tasks.asm`) headless through the
//! emulator library on both execution tiers and checks its report: every
//! check passed, the task switches of each kind and the provoked faults
//! (exact vector, error code and saved CS:EIP) were checked, the I/O
//! bitmap from ring 3 and from virtual-8086 mode, and the ROM ended the
//! common way (POST 0xFF, exit port 0xF4) back in its main task.

use test_roms::harness::{Guest, Run};

const ROM: &[u8] = include_bytes!("../roms/pm_tasks.bin");
const LIMIT: u64 = 5_000_000;
/// The ROM's main task (`TSS_MAIN` in the source).
const TSS_MAIN: u16 = 0x28;

fn check(r: &Run) {
    let tier = r.tier;
    let n = r.assert_self_checks_passed();
    assert!(n >= 100, "{tier:?}: only {n} checks ran");
    r.assert_console_has(&[
        "PASS jmp to a TSS runs the task",
        "PASS   ... back link is the caller",
        "PASS iret frees the called task",
        "PASS call through a task gate in the GDT",
        "PASS int 40h through an IDT task gate",
        "PASS   ... error code on the handler task's stack",
        "PASS jmp to a 16-bit TSS runs the task",
        "PASS jmp to the running (busy) TSS: #GP(sel)",
        "PASS call a not-present TSS: #NP(sel)",
        "PASS jmp to a TSS with limit 50h: #TS(sel)",
        "PASS iret (NT) to an available TSS: #TS(sel)",
        "PASS fault in the new task's GS: #NP(sel)",
        "PASS T bit in the TSS: #DB on entry",
        "PASS in ax, 6Fh (70h's bit set): #GP(0)",
        "PASS in al, dx = 400h (beyond the TSS limit): #GP(0)",
        "PASS insb from port 70h: #GP(0)",
        "PASS back from ring 3 through a DPL-3 task gate",
        "PASS V86 at IOPL 3: in al, 70h (bit set): #GP(0)",
        "PASS back from V86 through an IDT task gate: NT set",
    ]);
    let want_posts = [
        0x01, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xFF,
    ];
    assert_eq!(r.posts, want_posts, "{tier:?}: POST codes");
    // The ROM ends in its main task at CPL 0.
    assert_eq!(r.state.tr.selector, TSS_MAIN, "{tier:?}: TR");
    assert_eq!(r.state.cpl, 0, "{tier:?}: CPL");
}

#[test]
fn pm_tasks_rom_passes_on_both_tiers() {
    Guest::rom(ROM).limit(LIMIT).run_both_tiers_checked(check);
}
