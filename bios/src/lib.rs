//! Firmware for ox86: loading ROM images the way a PC maps its BIOS, the
//! built-in demo image, and direct kernel boot without a BIOS (Linux
//! bzImages by the 32-bit boot protocol, Multiboot kernels).
//!
//! The built-in BIOS (module [`firmware`]): a ROM of stubs trapping into
//! services written in Rust, the default firmware for disk, CD and floppy
//! boots.

pub mod acpi;
pub mod boot;
pub mod demo;
pub mod firmware;
pub mod linux;
pub mod memory_map;
pub mod multiboot;
pub mod rom;

pub use boot::{
    is_linux_kernel_file, kernel_kind, load_kernel_file, AcpiTables, BootImage, KernelError,
    KernelKind, KernelOptions, LoadSegment, LoadedKernel, ProtectedModeEntry,
};
pub use linux::{LinuxError, LinuxKernel, LinuxOptions, TextConsole};
pub use multiboot::{MultibootError, MultibootKernel, MultibootOptions};
pub use rom::{load_rom_image, RomError};
