//! Runs `roms/paging.bin` (32-bit paging: 4-KiB and 4-MiB pages, accessed
//! and dirty flags, #PF error codes and CR2, CR0.WP, user/supervisor
//! rights from ring 3, TLB staleness and its invalidation by INVLPG, MOV
//! CR3 and CR4.PGE, global pages; see `roms/paging.asm`) headless through
//! the emulator library on both execution tiers and checks its report:
//! every check passed, the key checks ran, and the ROM ended the common way
//! (POST 0xFF, exit port 0xF4) with paging on.

use emulator::cpu::state::cr0;
use test_roms::harness::{Guest, Run};

const ROM: &[u8] = include_bytes!("../roms/paging.bin");
const LIMIT: u64 = 5_000_000;
/// The ROM's page directory (`PD` in the source).
const PAGE_DIRECTORY: u64 = 0x10000;

fn check(r: &Run) {
    let tier = r.tier;
    let n = r.assert_self_checks_passed();
    assert!(n >= 70, "{tier:?}: only {n} checks ran");
    r.assert_console_has(&[
        "PASS CPUID.1:EDX has PSE and PGE",
        "PASS read 400010h: frame 20000h",
        "PASS first write sets D",
        "PASS write of a not-present page: #PF",
        "PASS   ... with WP = 1: #PF",
        "PASS dword write into a not-present 2nd page: #PF",
        "PASS   ... no byte written on the 1st page",
        "PASS fetch at 407000h (not present): #PF",
        "PASS instruction split over a not-present page: #PF",
        "PASS ring 3 read of a supervisor page: #PF",
        "PASS ring 3 write to a read-only page: #PF",
        "PASS PTE changed: the TLB still gives frame A",
        "PASS after INVLPG: frame B",
        "PASS after MOV CR3: frame A",
        "PASS global entry survives MOV CR3",
        "PASS clearing CR4.PGE flushes it: frame A",
        "PASS INVLPG anywhere in the 4-MiB page drops it",
        "PASS reserved bit 21 in a 4-MiB PDE: #PF",
        "PASS paging on again: 400010h -> 20010h",
    ]);
    let want_posts = [
        0x01, 0x10, 0x11, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xFF,
    ];
    assert_eq!(r.posts, want_posts, "{tier:?}: POST codes");
    // The ROM ends at CPL 0 with paging on and its page directory loaded.
    assert_eq!(r.state.cpl, 0, "{tier:?}: CPL");
    assert_ne!(r.state.cr0 & cr0::PG, 0, "{tier:?}: CR0.PG");
    assert_eq!(r.state.cr3, PAGE_DIRECTORY, "{tier:?}: CR3");
}

#[test]
fn paging_rom_passes_on_both_tiers() {
    Guest::rom(ROM).limit(LIMIT).run_both_tiers_checked(check);
}
