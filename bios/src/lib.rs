//! Firmware for ox86: loading ROM images the way a PC maps its BIOS, the
//! built-in demo image, and direct kernel boot (Multiboot) without a BIOS.
//!
//! Later: the built-in BIOS with its services, and the Linux boot protocol.

pub mod boot;
pub mod demo;
pub mod memory_map;
pub mod multiboot;
pub mod rom;

pub use boot::{load_kernel_file, BootImage, KernelError, LoadSegment, ProtectedModeEntry};
pub use multiboot::{MultibootError, MultibootKernel, MultibootOptions};
pub use rom::{load_rom_image, RomError};
