//! Runs `roms/simd.bin` (MMX arithmetic, the FXSAVE/FXRSTOR layout with
//! MMX/x87 aliasing and the abridged tag word, and the #UD/#NM/#GP rules
//! of SSE, MMX and FXSAVE; see `roms/simd.asm`) headless through the
//! emulator library on both execution tiers and checks its report: every
//! check passed, the key checks ran, and the ROM ended the common way
//! (POST 0xFF, exit port 0xF4).

use test_roms::harness::{Guest, Run};

const ROM: &[u8] = include_bytes!("../roms/simd.bin");
const LIMIT: u64 = 2_000_000;

fn check(r: &Run) {
    let tier = r.tier;
    let n = r.assert_self_checks_passed();
    assert!(n >= 30, "{tier:?}: only {n} checks ran");
    r.assert_console_has(&[
        "PASS paddsw word 1 saturates to 7FFFh",
        "PASS pcmpeqb / psrlw / pmovmskb",
        "PASS fxsave: abridged tag word after MMX: all valid",
        "PASS fxsave: MMX write set sign+exponent to FFFFh",
        "PASS fxsave: MXCSR at reset",
        "PASS emms: abridged tag word all empty",
        "PASS fxrstor: tag word rebuilt (R0 special, rest empty)",
        "PASS fxsave to a misaligned area: #GP",
        "PASS SSE with CR4.OSFXSR clear: #UD",
        "PASS MMX with CR0.TS: #NM",
        "PASS fxsave with CR0.TS: #NM",
        "PASS MMX with CR0.EM: #UD",
    ]);
    assert_eq!(
        r.posts,
        [0x01, 0x10, 0x20, 0x30, 0xFF],
        "{tier:?}: POST codes"
    );
}

#[test]
fn simd_rom_passes_on_both_tiers() {
    Guest::rom(ROM).limit(LIMIT).run_both_tiers_checked(check);
}
