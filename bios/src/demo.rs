//! The built-in demo ROM that `ox86` (`cargo run --release`) boots when no
//! `--bios` is given.
//!
//! It is a BIOS-replacement image written for this project: 64 KiB mapped at
//! F0000 (and aliased below 4 GiB) whose reset vector jumps to code that
//! identifies the CPU generation, draws the Mandelbrot set in ASCII with
//! integer arithmetic on the debug console (port 0xE9) and halts with
//! interrupts disabled. Source: `test-roms/demo/demo.asm`, assembled with
//! nasm by `test-roms/roms/build.sh`; the image is committed so building
//! ox86 needs only the Rust toolchain.

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
