//! Direct boot of a Linux bzImage by the 32-bit boot protocol
//! (`Documentation/arch/x86/boot.rst`, "32-bit Boot Protocol"), without a
//! BIOS:
//!
//! - the setup header is parsed and checked ([`setup_header`]): boot flag
//!   0xAA55, "HdrS", protocol 2.02 or newer, `LOADED_HIGH` (a bzImage);
//! - the protected-mode kernel (the file after the `setup_sects + 1`
//!   sectors of setup code, `syssize` paragraphs of it) is loaded at 1 MiB
//!   ([`BZIMAGE_LOAD_ADDR`]). The real-mode setup code is not loaded: the
//!   32-bit protocol does not run it. A relocatable kernel moves itself to
//!   `pref_address` (16 MiB for Debian's) to decompress, so the memory it
//!   needs is `[1 MiB, max(pref_address, load address aligned up to
//!   kernel_alignment) + init_size)`; RAM must hold it and the initrd is
//!   kept out of it;
//! - `boot_params` ([`boot_params`]) gets the setup header at 0x1F1, the
//!   loader fields (type 0xFF, `CAN_USE_HEAP`, `QUIET_FLAG` clear,
//!   `cmd_line_ptr`, the ramdisk), the E820 map of
//!   [`crate::memory_map::PcLayout`], a `screen_info` (none, or an 80x25 VGA
//!   text screen the caller sets up with [`vga::set_text_mode`])
//!   and, from protocol 2.14, `acpi_rsdp_addr`;
//! - the initrd is placed as high as allowed: page-aligned, in RAM above
//!   the kernel's area, ending at or below `min(initrd_addr_max + 1, 4 GiB)`
//!   and below the ACPI tables;
//! - the kernel is entered at `code32_start` in 32-bit protected mode with
//!   paging and interrupts off, CS = `__BOOT_CS` (0x10) and DS/ES/SS/FS/GS =
//!   `__BOOT_DS` (0x18) flat 4 GiB segments from a GDT in low memory, ESI =
//!   the address of `boot_params`, EBX = EBP = EDI = 0.
//!
//! Low memory used by the loader (all below 32 KiB, which Linux keeps for
//! itself): the GDT at [`BOOT_GDT`], `boot_params` at [`BOOT_PARAMS`], the
//! command line at [`BOOT_CMDLINE`] and a 4 KiB stack below
//! [`BOOT_STACK_TOP`] (the protocol leaves ESP undefined).
//!
//! Not supported: 16-bit entry through the setup code, kernels loaded
//! above 4 GiB, `setup_data` chains, EFI handover.

pub mod boot_params;
pub mod setup_header;
pub mod vga;

use crate::boot::{
    AcpiTables, BootImage, LoadSegment, ProtectedModeEntry, FLAT_CODE_DESCRIPTOR,
    FLAT_DATA_DESCRIPTOR,
};
use crate::memory_map::{
    MemoryRegion, PcLayout, EXTENDED_START, FOUR_GIB, REGION_ACPI, REGION_RAM,
};
pub use boot_params::TextConsole;
use boot_params::{ZeroPage, ZERO_PAGE_SIZE, ZP_ACPI_RSDP_ADDR};
pub use setup_header::{SetupHeader, BZIMAGE_LOAD_ADDR};
use thiserror::Error;

/// `__BOOT_CS`: the flat code selector the 32-bit entry expects.
pub const BOOT_CS: u16 = 0x10;
/// `__BOOT_DS`: the flat data selector the 32-bit entry expects.
pub const BOOT_DS: u16 = 0x18;
/// The boot GDT: null, unused, flat code (0x10), flat data (0x18).
pub const BOOT_GDT: u32 = 0x0800;
/// Size of the boot GDT.
pub const BOOT_GDT_SIZE: usize = 32;
/// `boot_params` (ESI on entry).
pub const BOOT_PARAMS: u32 = 0x1000;
/// The command line (NUL-terminated).
pub const BOOT_CMDLINE: u32 = 0x2000;
/// Room for the command line with its NUL.
pub const CMDLINE_AREA: usize = 0x5000;
/// Top of the boot stack (ESP on entry); the stack is 0x7000–0x7FFF.
pub const BOOT_STACK_TOP: u32 = 0x8000;
/// The initrd is page-aligned.
pub const INITRD_ALIGN: u64 = 0x1000;
/// Protocol version with `acpi_rsdp_addr`.
pub const ACPI_RSDP_VERSION: u16 = 0x020E;
/// Before protocol 2.10 the kernel does not say how much memory it needs
/// to decompress; assume this multiple of the compressed size (a guess:
/// such kernels are from 2009 and older).
pub const OLD_KERNEL_INIT_FACTOR: u64 = 4;

/// What is wrong with a kernel file or the loading request.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum LinuxError {
    #[error("no Linux setup header (\"HdrS\" at offset 0x202)")]
    NoHeader,
    #[error("the file is truncated: {what} needs {need} bytes, the file has {have}")]
    Truncated {
        what: &'static str,
        need: usize,
        have: usize,
    },
    #[error("bad boot_flag {0:#06x} at offset 0x1FE (must be 0xAA55)")]
    BadBootFlag(u16),
    #[error("boot protocol {}.{:02} is too old (2.02 or newer is needed)", .0 >> 8, .0 & 0xFF)]
    OldProtocol(u16),
    #[error("the setup header ends at {0:#x} (0x202 + the byte at 0x201); it must end between 0x22C and 0x290")]
    BadHeaderLength(usize),
    #[error("not a bzImage (loadflags LOADED_HIGH is clear): zImage kernels are not supported")]
    NotBzImage,
    #[error(
        "the kernel has no protected-mode code (syssize is 0 and nothing follows the setup code)"
    )]
    NothingToLoad,
    #[error("code32_start {0:#x} is not inside the kernel loaded at 0x100000")]
    BadEntry(u32),
    #[error("the kernel needs memory up to {need_end:#x} ({need_mib} MiB: pref_address {pref:#x} + init_size {init_size:#x}); the machine has {ram_mib} MiB of RAM (use --memory)", need_mib = need_end.div_ceil(1 << 20))]
    KernelDoesNotFit {
        need_end: u64,
        pref: u64,
        init_size: u64,
        ram_mib: u64,
    },
    #[error("the initrd ({size} bytes) does not fit in RAM between the kernel (up to {kernel_end:#x}) and {limit:#x} (initrd_addr_max or the end of usable RAM)")]
    InitrdDoesNotFit {
        size: u64,
        kernel_end: u64,
        limit: u64,
    },
    #[error("the initrd is empty")]
    EmptyInitrd,
    #[error("the command line is {len} bytes; this kernel takes at most {max}")]
    CmdlineTooLong { len: usize, max: usize },
    #[error("the command line contains a NUL byte")]
    CmdlineNul,
    #[error(
        "the ACPI tables ({start:#x}–{end:#x}) are not in RAM above 1 MiB or overlap the kernel"
    )]
    BadAcpiTables { start: u64, end: u64 },
}

/// What the loader is told about the machine and the user's wishes.
#[derive(Clone, Debug)]
pub struct LinuxOptions<'a> {
    /// RAM in bytes from address 0.
    pub ram_size: u64,
    /// Kernel command line (`--append`).
    pub cmdline: Option<&'a str>,
    /// initrd contents (`--initrd`).
    pub initrd: Option<&'a [u8]>,
    /// ACPI tables the machine provides.
    pub acpi: Option<&'a AcpiTables>,
    /// The text console to report (none when headless).
    pub console: TextConsole,
}

/// A bzImage ready to boot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinuxKernel {
    /// Boot area, kernel, initrd, ACPI tables.
    pub image: BootImage,
    pub header: SetupHeader,
    /// End of the memory the kernel needs to start (decompression area).
    pub kernel_end: u64,
    /// Where the initrd went: (address, size).
    pub initrd: Option<(u32, u32)>,
}

/// The GDT of the 32-bit boot protocol: 0x10 flat code, 0x18 flat data.
pub fn boot_gdt() -> [u8; BOOT_GDT_SIZE] {
    let mut g = [0u8; BOOT_GDT_SIZE];
    g[usize::from(BOOT_CS)..usize::from(BOOT_CS) + 8]
        .copy_from_slice(&FLAT_CODE_DESCRIPTOR.to_le_bytes());
    g[usize::from(BOOT_DS)..usize::from(BOOT_DS) + 8]
        .copy_from_slice(&FLAT_DATA_DESCRIPTOR.to_le_bytes());
    g
}

fn align_up(v: u64, align: u64) -> u64 {
    v.div_ceil(align) * align
}

/// Load a bzImage (the whole file) for a machine.
pub fn load(data: &[u8], opts: &LinuxOptions<'_>) -> Result<LinuxKernel, LinuxError> {
    let hdr = SetupHeader::parse(data)?;
    let cmdline = opts.cmdline.unwrap_or("");
    let max = (hdr.cmdline_size as usize).min(CMDLINE_AREA - 1);
    if cmdline.len() > max {
        return Err(LinuxError::CmdlineTooLong {
            len: cmdline.len(),
            max,
        });
    }
    if cmdline.as_bytes().contains(&0) {
        return Err(LinuxError::CmdlineNul);
    }

    // The protected-mode kernel.
    let off = hdr.kernel_offset();
    let len = if hdr.syssize == 0 {
        data.len() - off
    } else {
        let len = u64::from(hdr.syssize) * 16;
        if off as u64 + len > data.len() as u64 {
            return Err(LinuxError::Truncated {
                what: "the protected-mode kernel (syssize)",
                need: (off as u64 + len).min(usize::MAX as u64) as usize,
                have: data.len(),
            });
        }
        len as usize
    };
    if len == 0 {
        return Err(LinuxError::NothingToLoad);
    }
    let load = u64::from(BZIMAGE_LOAD_ADDR);
    let load_end = load + len as u64;
    let entry = hdr.code32_start;
    if !(load..load_end).contains(&u64::from(entry)) {
        return Err(LinuxError::BadEntry(entry));
    }
    // Where it decompresses: see the module documentation.
    let pref = if hdr.pref_address != 0 {
        hdr.pref_address
    } else {
        load
    };
    let run_start = if hdr.relocatable_kernel {
        let align = u64::from(hdr.kernel_alignment.max(1));
        align_up(load, align).max(pref)
    } else {
        pref
    };
    let init_size = if hdr.init_size != 0 {
        u64::from(hdr.init_size)
    } else {
        len as u64 * OLD_KERNEL_INIT_FACTOR
    };
    let kernel_end = load_end.max(run_start.saturating_add(init_size));

    let mut layout = PcLayout::new(opts.ram_size);
    if let Some(a) = opts.acpi {
        layout.acpi = Some((u64::from(a.region_base), u64::from(a.region_len)));
    }
    let map = layout.memory_map();
    if let Some(a) = opts.acpi {
        let start = u64::from(a.region_base);
        let end = start + u64::from(a.region_len);
        let in_ram = map
            .iter()
            .any(|r| r.kind == REGION_ACPI && r.base == start && r.end() == end);
        if !in_ram || start < kernel_end {
            return Err(LinuxError::BadAcpiTables { start, end });
        }
    }
    let ext_ram: Option<&MemoryRegion> = map
        .iter()
        .find(|r| r.kind == REGION_RAM && r.base == EXTENDED_START);
    if ext_ram.is_none_or(|r| kernel_end > r.end()) {
        return Err(LinuxError::KernelDoesNotFit {
            need_end: kernel_end,
            pref: run_start,
            init_size,
            ram_mib: opts.ram_size >> 20,
        });
    }
    let mut segments = vec![LoadSegment {
        addr: BZIMAGE_LOAD_ADDR,
        data: data[off..off + len].to_vec(),
        zero_len: 0,
    }];
    if let Some(a) = opts.acpi {
        segments.extend(a.segments.iter().cloned());
    }
    let initrd = match opts.initrd {
        None => None,
        Some([]) => return Err(LinuxError::EmptyInitrd),
        Some(rd) => {
            let (addr, size) = place_initrd(&map, rd.len() as u64, kernel_end, &hdr)?;
            segments.push(LoadSegment {
                addr,
                data: rd.to_vec(),
                zero_len: 0,
            });
            Some((addr, size))
        }
    };

    let mut zp = ZeroPage::new(data, &hdr);
    zp.set_loader_fields(BOOT_CMDLINE, initrd);
    zp.set_memory(&map);
    zp.set_screen(opts.console);
    if let Some(a) = opts.acpi {
        if hdr.version >= ACPI_RSDP_VERSION {
            zp.set_u64(ZP_ACPI_RSDP_ADDR, u64::from(a.rsdp_addr));
        }
    }
    // The boot area: GDT, zero page, command line.
    let base = BOOT_GDT as usize;
    let mut area = vec![0u8; BOOT_CMDLINE as usize - base + cmdline.len() + 1];
    area[..BOOT_GDT_SIZE].copy_from_slice(&boot_gdt());
    let zp_at = BOOT_PARAMS as usize - base;
    area[zp_at..zp_at + ZERO_PAGE_SIZE].copy_from_slice(&zp.0[..]);
    let cl_at = BOOT_CMDLINE as usize - base;
    area[cl_at..cl_at + cmdline.len()].copy_from_slice(cmdline.as_bytes());
    segments.insert(
        0,
        LoadSegment {
            addr: BOOT_GDT,
            data: area,
            zero_len: 0,
        },
    );

    let mut regs = [0u32; 8];
    regs[4] = BOOT_STACK_TOP; // ESP
    regs[6] = BOOT_PARAMS; // ESI
    Ok(LinuxKernel {
        image: BootImage {
            segments,
            entry: ProtectedModeEntry {
                eip: entry,
                regs,
                gdt_base: BOOT_GDT,
                gdt_limit: BOOT_GDT_SIZE as u16 - 1,
                code_selector: BOOT_CS,
                data_selector: BOOT_DS,
            },
        },
        header: hdr,
        kernel_end,
        initrd,
    })
}

/// The highest page-aligned place for `size` bytes in one RAM region,
/// above `kernel_end` and ending at or below `initrd_addr_max + 1` (and
/// 4 GiB).
fn place_initrd(
    map: &[MemoryRegion],
    size: u64,
    kernel_end: u64,
    hdr: &SetupHeader,
) -> Result<(u32, u32), LinuxError> {
    let limit = (u64::from(hdr.initrd_addr_max) + 1).min(FOUR_GIB);
    let floor = align_up(kernel_end, INITRD_ALIGN);
    for r in map.iter().rev().filter(|r| r.kind == REGION_RAM) {
        let top = r.end().min(limit);
        let Some(start) = top.checked_sub(size) else {
            continue;
        };
        let start = start / INITRD_ALIGN * INITRD_ALIGN;
        if start >= r.base.max(floor) && size <= u64::from(u32::MAX) {
            return Ok((start as u32, size as u32));
        }
    }
    Err(LinuxError::InitrdDoesNotFit {
        size,
        kernel_end,
        limit: map
            .iter()
            .filter(|r| r.kind == REGION_RAM)
            .map(MemoryRegion::end)
            .max()
            .unwrap_or(0)
            .min(limit),
    })
}

#[cfg(test)]
pub(crate) mod tests;
