//! Direct kernel boot: what a boot loader leaves behind, as plain data.
//!
//! A loader (Multiboot now, the Linux boot protocol later) turns a kernel
//! file into a [`BootImage`]: bytes to place in RAM and the CPU state to
//! start in. The machine applies it (`emulator::Machine::load_boot_image`);
//! this crate knows nothing of the CPU model.
//!
//! Both protocols enter the kernel in 32-bit protected mode with flat
//! segments, paging off and interrupts off (Multiboot 0.6.96 §3.2, Linux
//! `Documentation/arch/x86/boot.rst` "32-bit boot protocol"), so the entry
//! state is a [`ProtectedModeEntry`].

use crate::multiboot::{self, MultibootError, MultibootOptions};
use std::path::Path;
use thiserror::Error;

/// Selector of the flat 4 GiB code segment in the boot GDT.
pub const BOOT_CODE_SELECTOR: u16 = 0x08;
/// Selector of the flat 4 GiB data segment in the boot GDT.
pub const BOOT_DATA_SELECTOR: u16 = 0x10;
/// Flat 32-bit code descriptor: base 0, limit FFFFF with G=1 (4 GiB),
/// present, DPL 0, execute/read, accessed, D=1 (SDM Vol. 3A §3.4.5).
pub const FLAT_CODE_DESCRIPTOR: u64 = 0x00CF_9B00_0000_FFFF;
/// Flat 32-bit data descriptor: as the code one but read/write data.
pub const FLAT_DATA_DESCRIPTOR: u64 = 0x00CF_9300_0000_FFFF;

/// A boot GDT: null, flat code (0x08), flat data (0x10); 24 bytes.
pub fn flat_gdt() -> [u8; 24] {
    let mut g = [0u8; 24];
    g[8..16].copy_from_slice(&FLAT_CODE_DESCRIPTOR.to_le_bytes());
    g[16..24].copy_from_slice(&FLAT_DATA_DESCRIPTOR.to_le_bytes());
    g
}

/// Bytes to place in guest RAM: `data` at `addr`, then `zero_len` zero
/// bytes (an ELF segment's `p_memsz - p_filesz`, a kernel's bss).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadSegment {
    pub addr: u32,
    pub data: Vec<u8>,
    pub zero_len: u32,
}

impl LoadSegment {
    /// One past the last byte written (may be 2^32).
    pub fn end(&self) -> u64 {
        u64::from(self.addr) + self.data.len() as u64 + u64::from(self.zero_len)
    }
}

/// The CPU state a kernel starts in: 32-bit protected mode, paging off,
/// interrupts off (EFLAGS = 2), A20 enabled, CS = `code_selector` and the
/// other segment registers = `data_selector`, all flat 4 GiB segments
/// described by the GDT at `gdt_base` (which the image writes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtectedModeEntry {
    pub eip: u32,
    /// EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI (encoding order).
    pub regs: [u32; 8],
    pub gdt_base: u32,
    pub gdt_limit: u16,
    pub code_selector: u16,
    pub data_selector: u16,
}

/// A loaded kernel: memory contents and the entry state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootImage {
    pub segments: Vec<LoadSegment>,
    pub entry: ProtectedModeEntry,
}

/// Problems loading a kernel file; each names the file.
#[derive(Debug, Error)]
pub enum KernelError {
    #[error("cannot read kernel {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("kernel {path}: {source}")]
    Multiboot {
        path: String,
        source: MultibootError,
    },
    #[error("kernel {path} is a Linux bzImage; direct Linux boot is not supported yet (only Multiboot kernels)")]
    LinuxBzImage { path: String },
}

/// Offset of the Linux real-mode header signature "HdrS"
/// (`Documentation/arch/x86/boot.rst`).
const LINUX_HEADER_MAGIC_OFFSET: usize = 0x202;

/// Read a kernel file and load it for direct boot.
pub fn load_kernel_file(
    path: &Path,
    opts: &MultibootOptions<'_>,
) -> Result<multiboot::MultibootKernel, KernelError> {
    let p = path.display().to_string();
    let data = std::fs::read(path).map_err(|source| KernelError::Read {
        path: p.clone(),
        source,
    })?;
    match multiboot::load(&data, opts) {
        Ok(k) => Ok(k),
        Err(MultibootError::NoHeader)
            if data.get(LINUX_HEADER_MAGIC_OFFSET..LINUX_HEADER_MAGIC_OFFSET + 4)
                == Some(b"HdrS") =>
        {
            Err(KernelError::LinuxBzImage { path: p })
        }
        Err(source) => Err(KernelError::Multiboot { path: p, source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_gdt_descriptors_decode_to_4gib_ring0_segments() {
        let g = flat_gdt();
        assert_eq!(&g[..8], &[0; 8]);
        for (i, access) in [(1usize, 0x9Bu8), (2, 0x93)] {
            let d = &g[i * 8..i * 8 + 8];
            let limit = u32::from(d[0]) | u32::from(d[1]) << 8 | u32::from(d[6] & 0x0F) << 16;
            let base = u32::from(d[2]) | u32::from(d[3]) << 8 | u32::from(d[4]) << 16;
            assert_eq!((limit, base | u32::from(d[7]) << 24), (0xFFFFF, 0));
            assert_eq!(d[5], access);
            assert_eq!(d[6] >> 4, 0xC, "G and D/B set");
        }
    }

    #[test]
    fn kernel_file_errors_name_the_file() {
        let opts = MultibootOptions {
            ram_size: 32 << 20,
            cmdline: None,
        };
        let e = load_kernel_file(Path::new("/nonexistent/kernel.elf"), &opts).unwrap_err();
        assert!(matches!(e, KernelError::Read { .. }));
        assert!(e.to_string().contains("/nonexistent/kernel.elf"));

        let dir = std::env::temp_dir().join(format!("ox86-bios-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let junk = dir.join("junk.bin");
        std::fs::write(&junk, [0x90u8; 100]).unwrap();
        let e = load_kernel_file(&junk, &opts).unwrap_err();
        assert!(matches!(
            e,
            KernelError::Multiboot {
                source: MultibootError::NoHeader,
                ..
            }
        ));
        assert!(e.to_string().contains("junk.bin"), "{e}");
        assert!(!e.to_string().contains('\n'));

        let mut bz = vec![0u8; 0x1000];
        bz[0x202..0x206].copy_from_slice(b"HdrS");
        let bzp = dir.join("bzImage");
        std::fs::write(&bzp, &bz).unwrap();
        let e = load_kernel_file(&bzp, &opts).unwrap_err();
        assert!(matches!(e, KernelError::LinuxBzImage { .. }), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
