//! Direct kernel boot: what a boot loader leaves behind, as plain data.
//!
//! A loader (Multiboot, or the Linux boot protocol) turns a kernel
//! file into a [`BootImage`]: bytes to place in RAM and the CPU state to
//! start in. The machine applies it (`emulator::Machine::load_boot_image`);
//! this crate knows nothing of the CPU model.
//!
//! Both protocols enter the kernel in 32-bit protected mode with flat
//! segments, paging off and interrupts off (Multiboot 0.6.96 §3.2, Linux
//! `Documentation/arch/x86/boot.rst` "32-bit boot protocol"), so the entry
//! state is a [`ProtectedModeEntry`].

use crate::linux::{self, LinuxError, LinuxOptions, TextConsole};
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

/// ACPI tables the machine provides, for a loader to write to RAM and
/// report to the kernel (built by `bios::acpi`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcpiTables {
    /// Bytes to write: the tables, and the RSDP wherever it lies.
    pub segments: Vec<LoadSegment>,
    /// The ACPI region `[region_base, region_base + region_len)` at the top
    /// of RAM, reported as ACPI reclaimable memory (E820 type 3).
    pub region_base: u32,
    pub region_len: u32,
    /// Physical address of the RSDP.
    pub rsdp_addr: u32,
}

/// Which protocol a kernel file is booted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelKind {
    /// A Linux bzImage (32-bit boot protocol).
    Linux,
    /// A Multiboot (v1) kernel.
    Multiboot,
}

/// What the loaders are told about the machine and the user's wishes.
#[derive(Clone, Debug, Default)]
pub struct KernelOptions<'a> {
    /// RAM in bytes from address 0.
    pub ram_size: u64,
    /// Kernel command line (`--append`).
    pub cmdline: Option<&'a str>,
    /// An initial RAM disk (`--initrd`); Linux kernels only.
    pub initrd: Option<&'a Path>,
    /// ACPI tables the machine provides (reported to Linux kernels).
    pub acpi: Option<&'a AcpiTables>,
    /// The text screen reported to Linux kernels: none, or 80x25 VGA text
    /// when the machine has a VGA (then put it in mode 3 with
    /// [`linux::vga::set_text_mode`] before the kernel runs).
    pub console: TextConsole,
}

/// A kernel file loaded for direct boot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedKernel {
    pub kind: KernelKind,
    pub image: BootImage,
    /// Things the user should know (one line each), e.g. a request the
    /// machine cannot meet.
    pub notes: Vec<String>,
}

/// Problems loading a kernel file; each names the file.
#[derive(Debug, Error)]
pub enum KernelError {
    // The causes are named `error`, not `source`: the message already
    // holds them, and anyhow's `{:#}` would print a `source` twice.
    #[error("cannot read kernel {path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("cannot read initrd {path}: {error}")]
    ReadInitrd { path: String, error: std::io::Error },
    #[error("kernel {path}: {error}")]
    Multiboot { path: String, error: MultibootError },
    #[error("Linux kernel {path}: {error}")]
    Linux { path: String, error: LinuxError },
    #[error("kernel {path} is neither a Linux bzImage (\"HdrS\" at 0x202) nor a Multiboot kernel (magic 0x1BADB002 in the first 8 KiB)")]
    UnknownFormat { path: String },
    #[error("--initrd needs a Linux kernel; {path} is a Multiboot kernel (Multiboot modules are not supported)")]
    InitrdNeedsLinux { path: String },
}

/// Offset of the Linux real-mode header signature "HdrS"
/// (`Documentation/arch/x86/boot.rst`).
const LINUX_HEADER_MAGIC_OFFSET: usize = 0x202;

/// The kind of kernel in a file: a Linux bzImage has "HdrS" at 0x202;
/// anything else is tried as Multiboot.
pub fn kernel_kind(data: &[u8]) -> KernelKind {
    if data.get(LINUX_HEADER_MAGIC_OFFSET..LINUX_HEADER_MAGIC_OFFSET + 4) == Some(b"HdrS") {
        KernelKind::Linux
    } else {
        KernelKind::Multiboot
    }
}

/// Whether the file at `path` is a Linux bzImage (by its "HdrS"
/// signature); false when it cannot be read. For choosing defaults before
/// loading (e.g. the RAM size): errors come from [`load_kernel_file`].
pub fn is_linux_kernel_file(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; LINUX_HEADER_MAGIC_OFFSET + 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| kernel_kind(&head) == KernelKind::Linux)
}

/// Read a kernel file (and the initrd) and load it for direct boot.
pub fn load_kernel_file(
    path: &Path,
    opts: &KernelOptions<'_>,
) -> Result<LoadedKernel, KernelError> {
    let p = path.display().to_string();
    let data = std::fs::read(path).map_err(|error| KernelError::Read {
        path: p.clone(),
        error,
    })?;
    let kind = kernel_kind(&data);
    let mut notes = Vec::new();
    let image = match kind {
        KernelKind::Linux => {
            let initrd = match opts.initrd {
                Some(rd) => Some(std::fs::read(rd).map_err(|error| KernelError::ReadInitrd {
                    path: rd.display().to_string(),
                    error,
                })?),
                None => None,
            };
            let lo = LinuxOptions {
                ram_size: opts.ram_size,
                cmdline: opts.cmdline,
                initrd: initrd.as_deref(),
                acpi: opts.acpi,
                console: opts.console,
            };
            let k = linux::load(&data, &lo).map_err(|error| KernelError::Linux {
                path: p.clone(),
                error,
            })?;
            if k.header.is_64bit() {
                notes.push(format!("{p} is a 64-bit kernel: it needs long mode, which the emulated CPU does not have"));
            }
            k.image
        }
        KernelKind::Multiboot => {
            let mo = MultibootOptions {
                ram_size: opts.ram_size,
                cmdline: opts.cmdline,
            };
            let k = match multiboot::load(&data, &mo) {
                Ok(k) => k,
                Err(MultibootError::NoHeader) => {
                    return Err(KernelError::UnknownFormat { path: p })
                }
                Err(error) => return Err(KernelError::Multiboot { path: p, error }),
            };
            if opts.initrd.is_some() {
                return Err(KernelError::InitrdNeedsLinux { path: p });
            }
            if k.video_mode_requested() {
                notes.push("the kernel asks for video mode information; there is no graphics card, so it gets none".into());
            }
            k.image
        }
    };
    Ok(LoadedKernel { kind, image, notes })
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
        let opts = KernelOptions {
            ram_size: 64 << 20,
            ..Default::default()
        };
        let e = load_kernel_file(Path::new("/nonexistent/kernel.elf"), &opts).unwrap_err();
        assert!(matches!(e, KernelError::Read { .. }));
        assert!(e.to_string().contains("/nonexistent/kernel.elf"));

        let dir = std::env::temp_dir().join(format!("ox86-bios-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let junk = dir.join("junk.bin");
        std::fs::write(&junk, [0x90u8; 100]).unwrap();
        let e = load_kernel_file(&junk, &opts).unwrap_err();
        assert!(matches!(e, KernelError::UnknownFormat { .. }), "{e}");
        assert!(e.to_string().contains("junk.bin"), "{e}");
        assert!(!e.to_string().contains('\n'));

        let mut bz = vec![0u8; 0x1000];
        bz[0x202..0x206].copy_from_slice(b"HdrS");
        let bzp = dir.join("bzImage");
        std::fs::write(&bzp, &bz).unwrap();
        let e = load_kernel_file(&bzp, &opts).unwrap_err();
        assert!(
            matches!(
                e,
                KernelError::Linux {
                    error: LinuxError::BadBootFlag(0),
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("bzImage"), "{e}");

        // A good bzImage with an initrd; then a missing initrd.
        std::fs::write(&bzp, crate::linux::tests::BzImage::default().build()).unwrap();
        let rd = dir.join("initrd.gz");
        std::fs::write(&rd, [0x1F, 0x8B, 8, 0]).unwrap();
        let k = load_kernel_file(
            &bzp,
            &KernelOptions {
                initrd: Some(&rd),
                cmdline: Some("console=ttyS0"),
                ..opts.clone()
            },
        )
        .unwrap();
        assert_eq!(k.kind, KernelKind::Linux);
        assert!(k.notes.is_empty());
        assert!(is_linux_kernel_file(&bzp));
        assert!(!is_linux_kernel_file(&junk));
        assert!(!is_linux_kernel_file(&dir.join("missing")));
        assert!(k
            .image
            .segments
            .iter()
            .any(|s| s.data == [0x1F, 0x8B, 8, 0]));
        let missing = dir.join("missing.gz");
        let e = load_kernel_file(
            &bzp,
            &KernelOptions {
                initrd: Some(&missing),
                ..opts.clone()
            },
        )
        .unwrap_err();
        assert!(matches!(e, KernelError::ReadInitrd { .. }), "{e}");
        assert!(e.to_string().contains("missing.gz"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn multiboot_kernels_still_load_but_take_no_initrd() {
        let mb = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../test-roms/kernels/multiboot.elf"
        ));
        let opts = KernelOptions {
            ram_size: 32 << 20,
            cmdline: Some("hello"),
            ..Default::default()
        };
        let k = load_kernel_file(mb, &opts).unwrap();
        assert_eq!(k.kind, KernelKind::Multiboot);
        assert_eq!(k.image.entry.regs[0], multiboot::MULTIBOOT_BOOTLOADER_MAGIC);
        let e = load_kernel_file(
            mb,
            &KernelOptions {
                initrd: Some(mb),
                ..opts
            },
        )
        .unwrap_err();
        assert!(matches!(e, KernelError::InitrdNeedsLinux { .. }), "{e}");
    }
}
