//! The built-in demo ROM that `ox86` (`cargo run --release`) boots when no
//! `--bios` is given.
//!
//! It is a BIOS-replacement image written for this project: 64 KiB mapped at
//! F0000 (and aliased below 4 GiB) that uses no BIOS services. It identifies
//! the CPU generation, reads the RAM size from the CMOS, programs the 8259A
//! pair, the PIT (60 Hz) and the VGA itself, and shows, in about 7 s of
//! guest time: a mode 3 title screen (its own font loaded into plane 2), the
//! Mandelbrot set in mode 13h with palette cycling, a 32-bpp plasma through
//! the Bochs VBE (DISPI) panned over a virtual screen, and a summary; then
//! it halts with interrupts disabled. A key press skips ahead. Everything is
//! also reported on the debug console (port 0xE9), which is what a headless
//! run shows. Source: `test-roms/demo/demo.asm`, assembled with nasm by
//! `test-roms/roms/build.sh`; the image is committed so building ox86 needs
//! only the Rust toolchain. Tests: `test-roms/tests/demo.rs`.

/// The assembled demo image (64 KiB, ends with the reset vector).
pub const DEMO_ROM: &[u8] = include_bytes!("../../test-roms/demo/demo.bin");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_a_64k_image_with_a_far_jump_at_the_reset_vector() {
        assert_eq!(DEMO_ROM.len(), 0x10000);
        // jmp far F000:xxxx
        assert_eq!(DEMO_ROM[0xFFF0], 0xEA);
        assert_eq!(&DEMO_ROM[0xFFF3..0xFFF5], &[0x00, 0xF0]);
    }
}
