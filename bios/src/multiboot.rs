//! Multiboot (version 0.6.96, "v1") kernel loading, without a BIOS.
//!
//! - §3.1 (OS image format): the header — magic `0x1BADB002`, flags,
//!   checksum — is found 32-bit aligned in the first 8192 bytes. The kernel
//!   is loaded from its ELF32 program headers (`PT_LOAD`: `p_filesz` bytes
//!   copied to `p_paddr`, the rest of `p_memsz` zero-filled, the entry point
//!   translated from virtual to physical through the segment containing
//!   it, as GRUB 2 does) or, when header flag bit 16 is set, from the
//!   "a.out kludge" address fields of the header, which take precedence.
//! - §3.2 (machine state): EAX = `0x2BADB002`, EBX = physical address of
//!   the information structure, CS a flat 32-bit code segment and the other
//!   segment registers a flat data segment (selectors 0x08/0x10 of a GDT
//!   written in low memory), A20 on, CR0.PE set and CR0.PG clear, EFLAGS.IF
//!   and VM clear. ESP points to a 4 KiB scratch stack below
//!   [`BOOT_STACK_TOP`] (the spec leaves ESP undefined).
//! - §3.3 (boot information): flags, `mem_lower`/`mem_upper`, an empty
//!   module list, the memory map of [`crate::memory_map::pc_memory_map`],
//!   the boot loader name "ox86" and, if given, the command line.
//!
//! Header requirement flags: bit 0 (page-align modules) is met trivially
//! (there are no modules), bit 1 (memory information) always; bit 2 (video
//! mode information) cannot be met without a graphics card, so the kernel
//! gets no video information and [`MultibootKernel::video_mode_requested`]
//! tells the caller to warn (QEMU does the same). Any other bit in 0–15 is
//! a requirement this loader does not know: the load fails, as §3.1.2
//! demands. Modules, a.out/ELF symbol tables, drive and APM tables and the
//! boot device are not provided (their info flags are clear).
//!
//! Every field is validated: nothing in the file can make the loader panic
//! or write outside the RAM the memory map reports as usable.

use crate::boot::{
    flat_gdt, BootImage, LoadSegment, ProtectedModeEntry, BOOT_CODE_SELECTOR, BOOT_DATA_SELECTOR,
};
use crate::memory_map::{
    pc_memory_map, MemoryRegion, CONVENTIONAL_END, EXTENDED_START, REGION_RAM,
};
use thiserror::Error;

/// Magic value of the Multiboot header.
pub const MULTIBOOT_HEADER_MAGIC: u32 = 0x1BAD_B002;
/// EAX on entry: the kernel was booted by a Multiboot loader.
pub const MULTIBOOT_BOOTLOADER_MAGIC: u32 = 0x2BAD_B002;
/// The header lies within this many bytes from the start of the file.
pub const MULTIBOOT_SEARCH: usize = 8192;

// Header flags (§3.1.2). Bits 0–15 are requirements, 16–31 optional.
/// Align modules on 4 KiB boundaries.
pub const MULTIBOOT_PAGE_ALIGN: u32 = 1 << 0;
/// Provide `mem_*` and the memory map.
pub const MULTIBOOT_MEMORY_INFO: u32 = 1 << 1;
/// Provide the video mode table.
pub const MULTIBOOT_VIDEO_MODE: u32 = 1 << 2;
/// The header's address fields (offsets 12–28) are valid and used.
pub const MULTIBOOT_AOUT_KLUDGE: u32 = 1 << 16;
/// Requirement bits this loader fulfils (or, for video, reports).
const SUPPORTED_REQUIREMENTS: u32 =
    MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO | MULTIBOOT_VIDEO_MODE;
const REQUIREMENT_MASK: u32 = 0xFFFF;

// Information structure flags (§3.3).
/// `mem_lower` and `mem_upper` are valid.
pub const MULTIBOOT_INFO_MEMORY: u32 = 1 << 0;
/// `boot_device` is valid.
pub const MULTIBOOT_INFO_BOOTDEV: u32 = 1 << 1;
/// `cmdline` is valid.
pub const MULTIBOOT_INFO_CMDLINE: u32 = 1 << 2;
/// `mods_count` and `mods_addr` are valid.
pub const MULTIBOOT_INFO_MODS: u32 = 1 << 3;
/// `mmap_length` and `mmap_addr` are valid.
pub const MULTIBOOT_INFO_MEM_MAP: u32 = 1 << 6;
/// `boot_loader_name` is valid.
pub const MULTIBOOT_INFO_BOOT_LOADER_NAME: u32 = 1 << 9;

// Offsets in the information structure (§3.3).
const INFO_FLAGS: usize = 0;
const INFO_MEM_LOWER: usize = 4;
const INFO_MEM_UPPER: usize = 8;
const INFO_CMDLINE: usize = 16;
const INFO_MODS_COUNT: usize = 20;
const INFO_MODS_ADDR: usize = 24;
const INFO_MMAP_LENGTH: usize = 44;
const INFO_MMAP_ADDR: usize = 48;
const INFO_BOOT_LOADER_NAME: usize = 64;
/// Size of the information structure up to the framebuffer fields.
pub const INFO_SIZE: usize = 116;
/// Size of one memory map entry, not counting its own `size` field.
pub const MMAP_ENTRY_SIZE: u32 = 20;

// Where the loader puts its data: the low boot area [BOOT_AREA_START,
// BOOT_AREA_END). Kernels may not load there.
/// Start of the boot area.
pub const BOOT_AREA_START: u32 = 0x0800;
/// GDT (null, flat code 0x08, flat data 0x10).
pub const BOOT_GDT: u32 = 0x0800;
/// The Multiboot information structure (EBX on entry).
pub const BOOT_INFO: u32 = 0x0900;
/// The memory map entries.
pub const BOOT_MMAP: u32 = 0x0A00;
/// The boot loader name.
pub const BOOT_LOADER_NAME_ADDR: u32 = 0x0C00;
/// The command line (NUL-terminated).
pub const BOOT_CMDLINE: u32 = 0x1000;
/// Longest command line, with its NUL.
pub const CMDLINE_MAX: usize = 0x6000;
/// Top of the scratch stack (ESP on entry); the stack is 0x7000–0x7FFF.
pub const BOOT_STACK_TOP: u32 = 0x8000;
/// End of the boot area.
pub const BOOT_AREA_END: u32 = 0x8000;
/// The boot loader name in the information structure.
pub const BOOT_LOADER_NAME: &str = "ox86";

// ELF32 (System V ABI, Intel386 supplement).
const ELF_MAGIC: &[u8; 4] = b"\x7FELF";
const ELFCLASS32: u8 = 1;
const ELFDATA2LSB: u8 = 1;
const ET_EXEC: u16 = 2;
const EM_386: u16 = 3;
const PT_LOAD: u32 = 1;
const ELF32_EHDR_SIZE: usize = 52;
const ELF32_PHDR_SIZE: usize = 32;

/// What is wrong with a Multiboot kernel image.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum MultibootError {
    #[error("no Multiboot header (magic 0x1BADB002, 32-bit aligned) in the first 8192 bytes")]
    NoHeader,
    #[error("Multiboot header at offset {offset:#x} has a bad checksum (magic + flags + checksum must be 0)")]
    BadChecksum { offset: usize },
    #[error("Multiboot header at offset {offset:#x} is cut off (its fields must lie within the first 8192 bytes of the file)")]
    HeaderTruncated { offset: usize },
    #[error("Multiboot header requires features this loader does not know (flag bits {0:#06x})")]
    UnsupportedRequirements(u32),
    #[error("not an ELF file and the Multiboot header has no address fields (flag bit 16)")]
    NotElf,
    #[error("ELF: {0}")]
    BadElf(&'static str),
    #[error("the file is truncated: {what} extends past its end")]
    Truncated { what: &'static str },
    #[error("bad a.out-kludge address fields: {0}")]
    BadAddressFields(&'static str),
    #[error("the kernel has nothing to load")]
    NothingToLoad,
    #[error("ELF segment has p_filesz {filesz:#x} > p_memsz {memsz:#x}")]
    FileSizeExceedsMemSize { filesz: u32, memsz: u32 },
    #[error("segment {start:#x}–{end:#x} is not in usable RAM (RAM below 640 KiB from {boot_end:#x}, or from 1 MiB to the end of the {ram_mib} MiB of RAM)", boot_end = BOOT_AREA_END)]
    OutsideRam { start: u64, end: u64, ram_mib: u64 },
    #[error("segments {a_start:#x}–{a_end:#x} and {b_start:#x}–{b_end:#x} overlap")]
    Overlap {
        a_start: u64,
        a_end: u64,
        b_start: u64,
        b_end: u64,
    },
    #[error("entry point {0:#x} is not inside a loaded segment")]
    EntryOutside(u32),
    #[error("the command line is {len} bytes; the limit is {max}", max = CMDLINE_MAX - 1)]
    CmdlineTooLong { len: usize },
    #[error("the command line contains a NUL byte")]
    CmdlineNul,
    #[error("{ram_size:#x} bytes of RAM cannot hold the boot area")]
    RamTooSmall { ram_size: u64 },
}

/// What the loader is told about the machine and the user's wishes.
#[derive(Clone, Debug)]
pub struct MultibootOptions<'a> {
    /// RAM in bytes from address 0.
    pub ram_size: u64,
    /// Kernel command line (`--append`).
    pub cmdline: Option<&'a str>,
}

/// A Multiboot kernel ready to boot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultibootKernel {
    /// Kernel segments, then the boot area (GDT, information structure,
    /// memory map, strings).
    pub image: BootImage,
    /// The header's flags word.
    pub header_flags: u32,
}

impl MultibootKernel {
    /// The kernel asked for video mode information (flag bit 2), which it
    /// does not get: there is no graphics card.
    pub fn video_mode_requested(&self) -> bool {
        self.header_flags & MULTIBOOT_VIDEO_MODE != 0
    }
}

/// A found header.
#[derive(Clone, Copy, Debug)]
struct Header {
    offset: usize,
    flags: u32,
}

fn u16_at(data: &[u8], off: usize) -> Option<u16> {
    let b = data.get(off..off.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(data: &[u8], off: usize) -> Option<u32> {
    let b = data.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Load a Multiboot kernel image (the whole file) for a machine.
pub fn load(data: &[u8], opts: &MultibootOptions<'_>) -> Result<MultibootKernel, MultibootError> {
    if opts.ram_size < u64::from(BOOT_AREA_END) {
        return Err(MultibootError::RamTooSmall {
            ram_size: opts.ram_size,
        });
    }
    let header = find_header(data)?;
    let unknown = header.flags & REQUIREMENT_MASK & !SUPPORTED_REQUIREMENTS;
    if unknown != 0 {
        return Err(MultibootError::UnsupportedRequirements(unknown));
    }
    let (mut segments, entry) = if header.flags & MULTIBOOT_AOUT_KLUDGE != 0 {
        load_aout_kludge(data, header)?
    } else if data.starts_with(ELF_MAGIC) {
        load_elf(data)?
    } else {
        return Err(MultibootError::NotElf);
    };
    check_placement(&segments, opts.ram_size)?;
    if !segments
        .iter()
        .any(|s| u64::from(entry) >= u64::from(s.addr) && u64::from(entry) < s.end())
    {
        return Err(MultibootError::EntryOutside(entry));
    }
    segments.push(boot_area(opts)?);
    let mut regs = [0u32; 8];
    regs[0] = MULTIBOOT_BOOTLOADER_MAGIC; // EAX
    regs[3] = BOOT_INFO; // EBX
    regs[4] = BOOT_STACK_TOP; // ESP
    Ok(MultibootKernel {
        image: BootImage {
            segments,
            entry: ProtectedModeEntry {
                eip: entry,
                regs,
                gdt_base: BOOT_GDT,
                gdt_limit: 23,
                code_selector: BOOT_CODE_SELECTOR,
                data_selector: BOOT_DATA_SELECTOR,
            },
        },
        header_flags: header.flags,
    })
}

/// The first aligned header with a valid checksum in the search area.
fn find_header(data: &[u8]) -> Result<Header, MultibootError> {
    let area = &data[..data.len().min(MULTIBOOT_SEARCH)];
    let mut bad_checksum = None;
    for offset in (0..area.len()).step_by(4) {
        if u32_at(area, offset) != Some(MULTIBOOT_HEADER_MAGIC) {
            continue;
        }
        let (Some(flags), Some(checksum)) = (u32_at(area, offset + 4), u32_at(area, offset + 8))
        else {
            return Err(MultibootError::HeaderTruncated { offset });
        };
        if MULTIBOOT_HEADER_MAGIC
            .wrapping_add(flags)
            .wrapping_add(checksum)
            == 0
        {
            // The address fields (to offset 32) and video fields (to 48)
            // must be there when their flags say so.
            let len = if flags & MULTIBOOT_VIDEO_MODE != 0 {
                48
            } else if flags & MULTIBOOT_AOUT_KLUDGE != 0 {
                32
            } else {
                12
            };
            if offset + len > area.len() {
                return Err(MultibootError::HeaderTruncated { offset });
            }
            return Ok(Header { offset, flags });
        }
        bad_checksum.get_or_insert(offset);
    }
    Err(match bad_checksum {
        Some(offset) => MultibootError::BadChecksum { offset },
        None => MultibootError::NoHeader,
    })
}

/// Load by the header's address fields (§3.1.3, flag bit 16).
fn load_aout_kludge(data: &[u8], h: Header) -> Result<(Vec<LoadSegment>, u32), MultibootError> {
    let field = |n: usize| u32_at(data, h.offset + 12 + 4 * n).unwrap_or(0);
    let (header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr) =
        (field(0), field(1), field(2), field(3), field(4));
    use MultibootError::BadAddressFields as Bad;
    if load_addr > header_addr {
        return Err(Bad("load_addr is above header_addr"));
    }
    // The file offset that load_addr corresponds to.
    let file_start = (h.offset as u64)
        .checked_sub(u64::from(header_addr - load_addr))
        .ok_or(Bad(
            "header_addr - load_addr is larger than the header's file offset",
        ))? as usize;
    let load_len = if load_end_addr == 0 {
        // The text and data occupy the rest of the file.
        (data.len() - file_start) as u64
    } else if load_end_addr <= header_addr {
        return Err(Bad("load_end_addr is not above header_addr"));
    } else {
        u64::from(load_end_addr - load_addr)
    };
    if file_start as u64 + load_len > data.len() as u64 {
        return Err(MultibootError::Truncated {
            what: "the image (load_end_addr)",
        });
    }
    let load_end = u64::from(load_addr) + load_len;
    if load_end > 1 << 32 {
        return Err(Bad("the image extends past 4 GiB"));
    }
    let zero_len = if bss_end_addr == 0 {
        0
    } else if u64::from(bss_end_addr) < load_end {
        return Err(Bad("bss_end_addr is below the end of the loaded image"));
    } else {
        (u64::from(bss_end_addr) - load_end) as u32
    };
    let data = data[file_start..file_start + load_len as usize].to_vec();
    Ok((
        vec![LoadSegment {
            addr: load_addr,
            data,
            zero_len,
        }],
        entry_addr,
    ))
}

/// Load by the ELF32 program headers.
fn load_elf(data: &[u8]) -> Result<(Vec<LoadSegment>, u32), MultibootError> {
    use MultibootError::BadElf;
    if data.len() < ELF32_EHDR_SIZE {
        return Err(MultibootError::Truncated {
            what: "the ELF header",
        });
    }
    match data[4] {
        ELFCLASS32 => {}
        2 => return Err(BadElf("64-bit ELF kernels are not Multiboot v1 kernels")),
        _ => return Err(BadElf("unknown ELF class")),
    }
    if data[5] != ELFDATA2LSB {
        return Err(BadElf("not little-endian"));
    }
    let half = |off| u16_at(data, off).unwrap_or(0);
    let word = |off| u32_at(data, off).unwrap_or(0);
    if half(16) != ET_EXEC {
        return Err(BadElf("not an executable (e_type is not ET_EXEC)"));
    }
    if half(18) != EM_386 {
        return Err(BadElf(
            "not an Intel 386 executable (e_machine is not EM_386)",
        ));
    }
    let (e_entry, e_phoff, e_phentsize, e_phnum) = (
        word(24),
        word(28),
        usize::from(half(42)),
        usize::from(half(44)),
    );
    if e_phnum > 0 && e_phentsize < ELF32_PHDR_SIZE {
        return Err(BadElf("program header entries are smaller than 32 bytes"));
    }
    let mut segments = Vec::new();
    let mut entry = None;
    for i in 0..e_phnum {
        let off = u64::from(e_phoff) + (i * e_phentsize) as u64;
        let ph = usize::try_from(off)
            .ok()
            .and_then(|o| data.get(o..o.checked_add(ELF32_PHDR_SIZE)?))
            .ok_or(MultibootError::Truncated {
                what: "the program header table",
            })?;
        let f = |n: usize| u32::from_le_bytes([ph[n], ph[n + 1], ph[n + 2], ph[n + 3]]);
        let (p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz) =
            (f(0), f(4), f(8), f(12), f(16), f(20));
        if p_type != PT_LOAD || p_memsz == 0 {
            continue;
        }
        if p_filesz > p_memsz {
            return Err(MultibootError::FileSizeExceedsMemSize {
                filesz: p_filesz,
                memsz: p_memsz,
            });
        }
        let file_end = u64::from(p_offset) + u64::from(p_filesz);
        if file_end > data.len() as u64 {
            return Err(MultibootError::Truncated {
                what: "a segment's file contents",
            });
        }
        if u64::from(p_paddr) + u64::from(p_memsz) > 1 << 32 {
            return Err(BadElf("a segment extends past 4 GiB"));
        }
        // The entry point is virtual; the kernel runs at physical
        // addresses until it enables paging.
        if entry.is_none()
            && e_entry >= p_vaddr
            && u64::from(e_entry) < u64::from(p_vaddr) + u64::from(p_memsz)
        {
            entry = Some(e_entry - p_vaddr + p_paddr);
        }
        segments.push(LoadSegment {
            addr: p_paddr,
            data: data[p_offset as usize..file_end as usize].to_vec(),
            zero_len: p_memsz - p_filesz,
        });
    }
    if segments.is_empty() {
        return Err(MultibootError::NothingToLoad);
    }
    let entry = entry.ok_or(MultibootError::EntryOutside(e_entry))?;
    Ok((segments, entry))
}

/// Every segment lies in usable RAM outside the boot area, and no two
/// overlap.
fn check_placement(segments: &[LoadSegment], ram_size: u64) -> Result<(), MultibootError> {
    let map = pc_memory_map(ram_size);
    let usable: Vec<MemoryRegion> = map
        .iter()
        .filter(|r| r.kind == REGION_RAM)
        .map(|r| {
            // The boot area at the bottom of conventional memory is ours.
            let mut r = *r;
            if r.base < u64::from(BOOT_AREA_END) {
                r.len = r.end().saturating_sub(u64::from(BOOT_AREA_END));
                r.base = u64::from(BOOT_AREA_END);
            }
            r
        })
        .collect();
    let mut spans: Vec<(u64, u64)> = Vec::with_capacity(segments.len());
    for s in segments {
        let (start, end) = (u64::from(s.addr), s.end());
        if start == end {
            continue;
        }
        if !usable.iter().any(|r| r.contains(start, end)) {
            return Err(MultibootError::OutsideRam {
                start,
                end,
                ram_mib: ram_size >> 20,
            });
        }
        spans.push((start, end));
    }
    spans.sort_unstable();
    for w in spans.windows(2) {
        if w[0].1 > w[1].0 {
            return Err(MultibootError::Overlap {
                a_start: w[0].0,
                a_end: w[0].1,
                b_start: w[1].0,
                b_end: w[1].1,
            });
        }
    }
    Ok(())
}

/// The boot area: GDT, information structure, memory map, loader name and
/// command line, as one segment at [`BOOT_AREA_START`].
fn boot_area(opts: &MultibootOptions<'_>) -> Result<LoadSegment, MultibootError> {
    let base = BOOT_AREA_START;
    let cmdline_len = opts.cmdline.map_or(0, |c| c.len() + 1);
    let mut area = vec![0u8; (BOOT_CMDLINE - base) as usize + cmdline_len];
    let mut put = |addr: u32, bytes: &[u8]| {
        let at = (addr - base) as usize;
        area[at..at + bytes.len()].copy_from_slice(bytes);
    };
    put(BOOT_GDT, &flat_gdt());

    let mut info = [0u8; INFO_SIZE];
    let mut set = |off: usize, v: u32| info[off..off + 4].copy_from_slice(&v.to_le_bytes());
    let mut flags = MULTIBOOT_INFO_MEMORY
        | MULTIBOOT_INFO_MODS
        | MULTIBOOT_INFO_MEM_MAP
        | MULTIBOOT_INFO_BOOT_LOADER_NAME;
    // mem_lower: KiB from 0 (at most 640); mem_upper: KiB from 1 MiB to
    // the first hole (the end of RAM).
    set(
        INFO_MEM_LOWER,
        (opts.ram_size.min(CONVENTIONAL_END) >> 10) as u32,
    );
    set(
        INFO_MEM_UPPER,
        (opts.ram_size.saturating_sub(EXTENDED_START) >> 10) as u32,
    );
    set(INFO_MODS_COUNT, 0);
    set(INFO_MODS_ADDR, 0);
    let mut mmap = Vec::new();
    for r in pc_memory_map(opts.ram_size) {
        mmap.extend_from_slice(&MMAP_ENTRY_SIZE.to_le_bytes());
        mmap.extend_from_slice(&r.base.to_le_bytes());
        mmap.extend_from_slice(&r.len.to_le_bytes());
        mmap.extend_from_slice(&r.kind.to_le_bytes());
    }
    debug_assert!(mmap.len() <= (BOOT_LOADER_NAME_ADDR - BOOT_MMAP) as usize);
    set(INFO_MMAP_LENGTH, mmap.len() as u32);
    set(INFO_MMAP_ADDR, BOOT_MMAP);
    set(INFO_BOOT_LOADER_NAME, BOOT_LOADER_NAME_ADDR);
    if let Some(c) = opts.cmdline {
        if c.len() >= CMDLINE_MAX {
            return Err(MultibootError::CmdlineTooLong { len: c.len() });
        }
        if c.as_bytes().contains(&0) {
            return Err(MultibootError::CmdlineNul);
        }
        flags |= MULTIBOOT_INFO_CMDLINE;
        set(INFO_CMDLINE, BOOT_CMDLINE);
    }
    set(INFO_FLAGS, flags);
    put(BOOT_INFO, &info);
    put(BOOT_MMAP, &mmap);
    put(BOOT_LOADER_NAME_ADDR, BOOT_LOADER_NAME.as_bytes());
    if let Some(c) = opts.cmdline {
        put(BOOT_CMDLINE, c.as_bytes()); // the NUL is already there
    }
    Ok(LoadSegment {
        addr: base,
        data: area,
        zero_len: 0,
    })
}

#[cfg(test)]
mod tests;
