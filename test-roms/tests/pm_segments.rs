//! Runs `roms/pm_segments.bin` (protected-mode segmentation, see
//! `roms/pm_segments.asm`) headless through the emulator library on both
//! execution tiers and checks its report: every check passed, the fault
//! checks ran (vector, error code and saved CS:EIP of each provoked
//! fault), the ROM went back to real mode keeping 4 GiB limits (unreal
//! mode), and it ended the common way (POST 0xFF, exit port 0xF4).

use emulator::cpu::SegReg;
use test_roms::harness::{Guest, Run};

const ROM: &[u8] = include_bytes!("../roms/pm_segments.bin");
const LIMIT: u64 = 20_000_000;

fn check(r: &Run) {
    let tier = r.tier;
    let n = r.assert_self_checks_passed();
    assert!(n >= 200, "{tier:?}: only {n} checks ran");
    // Fault checks that must have run, with their exact error codes.
    r.assert_console_has(&[
        "PASS mov ds, not-present data: #NP(sel)",
        "PASS mov ss, not present: #SS(sel)",
        "PASS read through execute-only CS: #GP(0)",
        "PASS SS: dword at FFFEh: #SS(0)",
        "PASS ltr of a busy TSS: #GP(sel)",
        "PASS unreal FS reaches 2 MiB after a real-mode reload",
        "PASS lar in real mode: #UD",
    ]);
    let want_posts = [
        0x01, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xA0, 0xFF,
    ];
    assert_eq!(r.posts, want_posts, "{tier:?}: POST codes");
    // The ROM ends in real mode with FS still holding a 4 GiB limit.
    assert!(!r.state.protected(), "{tier:?}: protected mode");
    let fs = r.state.sreg(SegReg::Fs);
    assert_eq!(
        (fs.selector, fs.base, fs.limit),
        (0, 0, 0xFFFF_FFFF),
        "{tier:?}: FS"
    );
}

#[test]
fn pm_segments_rom_passes_on_both_tiers() {
    Guest::rom(ROM).limit(LIMIT).run_both_tiers_checked(check);
}
