//! Firmware for ox86: loading ROM images the way a PC maps its BIOS, and the
//! built-in demo image.
//!
//! Later: the built-in BIOS with its services, and direct kernel boot.

pub mod demo;
pub mod rom;

pub use rom::{load_rom_image, RomError};
