//! Unit tests of the Multiboot loader: ELF and a.out-kludge loading, the
//! information structure, every validation error, and fuzzing of the header
//! and ELF parsers with truncated and garbled images.

use super::*;
use crate::memory_map::{REGION_RAM, REGION_RESERVED};

const RAM: u64 = 32 << 20;

fn opts() -> MultibootOptions<'static> {
    MultibootOptions {
        ram_size: RAM,
        cmdline: None,
    }
}

/// A program header for [`elf`].
struct Ph {
    p_type: u32,
    vaddr: u32,
    paddr: u32,
    data: Vec<u8>,
    memsz: u32,
}

fn load_seg(paddr: u32, data: &[u8], memsz: u32) -> Ph {
    Ph {
        p_type: PT_LOAD,
        vaddr: paddr,
        paddr,
        data: data.to_vec(),
        memsz,
    }
}

/// Offset of the Multiboot header in images built by [`elf`].
const MB_OFFSET: usize = 0x100;

/// A Multiboot header with the given flags (and zeroed address fields).
fn mb_header(flags: u32) -> Vec<u8> {
    let mut h = Vec::new();
    for v in [
        MULTIBOOT_HEADER_MAGIC,
        flags,
        0u32.wrapping_sub(MULTIBOOT_HEADER_MAGIC.wrapping_add(flags)),
    ] {
        h.extend_from_slice(&v.to_le_bytes());
    }
    h.resize(48, 0);
    h
}

/// An ELF32 i386 executable: header, program headers at 52, the Multiboot
/// header at [`MB_OFFSET`], segment contents from 0x1000 on.
fn elf(entry: u32, phs: &[Ph], mb_flags: u32) -> Vec<u8> {
    let mut f = vec![0u8; 0x1000];
    f[..4].copy_from_slice(ELF_MAGIC);
    f[4] = ELFCLASS32;
    f[5] = ELFDATA2LSB;
    f[6] = 1; // EV_CURRENT
    f[16..18].copy_from_slice(&ET_EXEC.to_le_bytes());
    f[18..20].copy_from_slice(&EM_386.to_le_bytes());
    f[20..24].copy_from_slice(&1u32.to_le_bytes());
    f[24..28].copy_from_slice(&entry.to_le_bytes());
    f[28..32].copy_from_slice(&52u32.to_le_bytes());
    f[40..42].copy_from_slice(&52u16.to_le_bytes());
    f[42..44].copy_from_slice(&32u16.to_le_bytes());
    f[44..46].copy_from_slice(&(phs.len() as u16).to_le_bytes());
    f[MB_OFFSET..MB_OFFSET + 48].copy_from_slice(&mb_header(mb_flags));
    for (i, ph) in phs.iter().enumerate() {
        let offset = f.len() as u32;
        f.extend_from_slice(&ph.data);
        let at = 52 + 32 * i;
        for (n, v) in [
            ph.p_type,
            offset,
            ph.vaddr,
            ph.paddr,
            ph.data.len() as u32,
            ph.memsz,
            5, // R+X
            0x1000,
        ]
        .iter()
        .enumerate()
        {
            f[at + 4 * n..at + 4 * n + 4].copy_from_slice(&v.to_le_bytes());
        }
    }
    f
}

/// A typical kernel: text at 1 MiB, data + bss at 2 MiB.
fn kernel() -> Vec<u8> {
    elf(
        0x10_0010,
        &[
            load_seg(0x10_0000, &[0x90; 0x40], 0x40),
            load_seg(0x20_0000, &[1, 2, 3, 4], 0x1000),
        ],
        MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO,
    )
}

fn u32_of(area: &LoadSegment, addr: u32) -> u32 {
    let at = (addr - area.addr) as usize;
    u32::from_le_bytes(area.data[at..at + 4].try_into().unwrap())
}

fn boot_area_of(k: &MultibootKernel) -> &LoadSegment {
    k.image.segments.last().unwrap()
}

#[test]
fn elf_segments_are_loaded_by_physical_address_with_bss_zero_fill() {
    let k = load(&kernel(), &opts()).unwrap();
    let segs = &k.image.segments;
    assert_eq!(segs.len(), 3);
    assert_eq!(
        segs[0],
        LoadSegment {
            addr: 0x10_0000,
            data: vec![0x90; 0x40],
            zero_len: 0
        }
    );
    assert_eq!(
        segs[1],
        LoadSegment {
            addr: 0x20_0000,
            data: vec![1, 2, 3, 4],
            zero_len: 0xFFC
        }
    );
    assert_eq!(segs[2].addr, BOOT_AREA_START);
    assert!(!k.video_mode_requested());
}

#[test]
fn entry_state_follows_section_3_2() {
    let k = load(&kernel(), &opts()).unwrap();
    let e = &k.image.entry;
    assert_eq!(e.eip, 0x10_0010);
    assert_eq!(e.regs[0], MULTIBOOT_BOOTLOADER_MAGIC, "EAX");
    assert_eq!(e.regs[3], BOOT_INFO, "EBX");
    assert_eq!(e.regs[4], BOOT_STACK_TOP, "ESP");
    assert_eq!((e.code_selector, e.data_selector), (0x08, 0x10));
    assert_eq!((e.gdt_base, e.gdt_limit), (BOOT_GDT, 23));
    let area = boot_area_of(&k);
    let gdt = (BOOT_GDT - area.addr) as usize;
    assert_eq!(&area.data[gdt..gdt + 24], &crate::boot::flat_gdt());
}

#[test]
fn info_structure_has_memory_sizes_mmap_and_loader_name() {
    let k = load(&kernel(), &opts()).unwrap();
    let area = boot_area_of(&k);
    let flags = u32_of(area, BOOT_INFO);
    assert_eq!(
        flags,
        MULTIBOOT_INFO_MEMORY
            | MULTIBOOT_INFO_MODS
            | MULTIBOOT_INFO_MEM_MAP
            | MULTIBOOT_INFO_BOOT_LOADER_NAME
    );
    assert_eq!(u32_of(area, BOOT_INFO + 4), 640, "mem_lower");
    assert_eq!(u32_of(area, BOOT_INFO + 8), 31 * 1024, "mem_upper");
    assert_eq!(u32_of(area, BOOT_INFO + 20), 0, "mods_count");
    // The memory map: (base, length, type) entries of 20 + 4 bytes.
    let len = u32_of(area, BOOT_INFO + 44);
    let addr = u32_of(area, BOOT_INFO + 48);
    assert_eq!((len, addr), (4 * 24, BOOT_MMAP));
    let mut entries = Vec::new();
    let mut at = addr;
    while at < addr + len {
        assert_eq!(u32_of(area, at), MMAP_ENTRY_SIZE);
        let lo = |a| u64::from(u32_of(area, a)) | u64::from(u32_of(area, a + 4)) << 32;
        entries.push((lo(at + 4), lo(at + 12), u32_of(area, at + 20)));
        at += MMAP_ENTRY_SIZE + 4;
    }
    assert_eq!(
        entries,
        vec![
            (0, 0xA_0000, REGION_RAM),
            (0xA_0000, 0x2_0000, REGION_RESERVED),
            (0xC_0000, 0x4_0000, REGION_RESERVED),
            (0x10_0000, RAM - 0x10_0000, REGION_RAM),
        ]
    );
    let name = u32_of(area, BOOT_INFO + 64);
    let at = (name - area.addr) as usize;
    assert_eq!(&area.data[at..at + 5], b"ox86\0");
}

#[test]
fn command_line_is_passed_when_given() {
    let o = MultibootOptions {
        ram_size: RAM,
        cmdline: Some("console=ttyS0 quiet"),
    };
    let k = load(&kernel(), &o).unwrap();
    let area = boot_area_of(&k);
    assert_ne!(u32_of(area, BOOT_INFO) & MULTIBOOT_INFO_CMDLINE, 0);
    let at = (u32_of(area, BOOT_INFO + 16) - area.addr) as usize;
    assert_eq!(&area.data[at..at + 20], b"console=ttyS0 quiet\0");
    assert!(area.end() <= u64::from(BOOT_STACK_TOP - 0x1000));
    // Without one the flag is clear.
    let k = load(&kernel(), &opts()).unwrap();
    assert_eq!(
        u32_of(boot_area_of(&k), BOOT_INFO) & MULTIBOOT_INFO_CMDLINE,
        0
    );
}

#[test]
fn higher_half_entry_is_translated_to_physical() {
    let ph = Ph {
        p_type: PT_LOAD,
        vaddr: 0xC010_0000,
        paddr: 0x10_0000,
        data: vec![0xF4; 0x100],
        memsz: 0x100,
    };
    let k = load(&elf(0xC010_0020, &[ph], 0), &opts()).unwrap();
    assert_eq!(k.image.entry.eip, 0x10_0020);
    assert_eq!(k.image.segments[0].addr, 0x10_0000);
}

#[test]
fn non_load_and_empty_segments_are_skipped() {
    let note = Ph {
        p_type: 4, // PT_NOTE
        vaddr: 0,
        paddr: 0,
        data: vec![7; 8],
        memsz: 8,
    };
    let k = load(
        &elf(
            0x10_0000,
            &[
                note,
                load_seg(0x30_0000, &[], 0),
                load_seg(0x10_0000, &[0xF4], 1),
            ],
            0,
        ),
        &opts(),
    )
    .unwrap();
    assert_eq!(k.image.segments.len(), 2);
    assert_eq!(k.image.segments[0].addr, 0x10_0000);
}

/// A flat binary with the header at `at` and a.out-kludge address fields.
fn aout(at: usize, len: usize, fields: [u32; 5]) -> Vec<u8> {
    let mut f = vec![0xF4u8; len];
    let mut h = mb_header(MULTIBOOT_AOUT_KLUDGE | MULTIBOOT_MEMORY_INFO);
    for (n, v) in fields.iter().enumerate() {
        h[12 + 4 * n..16 + 4 * n].copy_from_slice(&v.to_le_bytes());
    }
    f[at..at + 32].copy_from_slice(&h[..32]);
    f
}

#[test]
fn aout_kludge_loads_by_the_header_addresses() {
    // Header at file offset 0x40 = address 0x100040; whole file, bss.
    let img = aout(0x40, 0x200, [0x10_0040, 0x10_0000, 0, 0x10_0300, 0x10_0080]);
    let k = load(&img, &opts()).unwrap();
    assert_eq!(
        k.image.segments[0],
        LoadSegment {
            addr: 0x10_0000,
            data: img.clone(),
            zero_len: 0x100
        }
    );
    assert_eq!(k.image.entry.eip, 0x10_0080);
    // load_addr below the header: the file offset follows.
    let img = aout(0x40, 0x200, [0x10_0020, 0x10_0000, 0x10_0100, 0, 0x10_0000]);
    let k = load(&img, &opts()).unwrap();
    assert_eq!(k.image.segments[0].data, img[0x20..0x120].to_vec());
    assert_eq!(k.image.segments[0].zero_len, 0);
}

#[test]
fn aout_kludge_takes_precedence_over_elf() {
    let mut img = kernel();
    let mut h = mb_header(MULTIBOOT_AOUT_KLUDGE);
    for (n, v) in [0x40_0100u32, 0x40_0000, 0, 0, 0x40_0000]
        .iter()
        .enumerate()
    {
        h[12 + 4 * n..16 + 4 * n].copy_from_slice(&v.to_le_bytes());
    }
    img[MB_OFFSET..MB_OFFSET + 48].copy_from_slice(&h);
    let k = load(&img, &opts()).unwrap();
    assert_eq!(k.image.segments[0].addr, 0x40_0000);
    assert_eq!(k.image.segments[0].data, img[0..].to_vec());
}

#[test]
fn video_mode_request_is_reported_not_fatal() {
    let img = elf(
        0x10_0000,
        &[load_seg(0x10_0000, &[0xF4], 1)],
        MULTIBOOT_VIDEO_MODE,
    );
    assert!(load(&img, &opts()).unwrap().video_mode_requested());
}

#[test]
fn header_must_be_aligned_and_within_8192_bytes() {
    // Moved to an unaligned offset: not found.
    let mut img = vec![0u8; 0x3000];
    img[0x102..0x102 + 12].copy_from_slice(&mb_header(0)[..12]);
    assert_eq!(load(&img, &opts()), Err(MultibootError::NoHeader));
    // Beyond the search area: not found.
    let mut img = vec![0u8; 0x3000];
    img[0x2000..0x200C].copy_from_slice(&mb_header(0)[..12]);
    assert_eq!(load(&img, &opts()), Err(MultibootError::NoHeader));
    // A later valid header wins over an earlier bad checksum.
    let mut img = kernel();
    img[0x80..0x84].copy_from_slice(&MULTIBOOT_HEADER_MAGIC.to_le_bytes());
    assert!(load(&img, &opts()).is_ok());
}

/// Overwrite the little-endian u32 at `at`.
fn patch(mut img: Vec<u8>, at: usize, v: u32) -> Vec<u8> {
    img[at..at + 4].copy_from_slice(&v.to_le_bytes());
    img
}

#[test]
fn bad_images_are_errors() {
    use MultibootError as E;
    let good = kernel();
    let ph1 = 52 + 32; // second program header
    let aout_fields = |f: [u32; 5]| aout(0, 0x100, f);
    // (name, image, ram, expected)
    let cases: Vec<(&str, Vec<u8>, u64, E)> = vec![
        ("empty", vec![], RAM, E::NoHeader),
        ("no header", vec![0x90; 9000], RAM, E::NoHeader),
        (
            "bad checksum",
            patch(good.clone(), MB_OFFSET + 8, 0),
            RAM,
            E::BadChecksum { offset: MB_OFFSET },
        ),
        (
            "magic at the very end",
            MULTIBOOT_HEADER_MAGIC.to_le_bytes().to_vec(),
            RAM,
            E::HeaderTruncated { offset: 0 },
        ),
        (
            "a.out fields cut off",
            mb_header(MULTIBOOT_AOUT_KLUDGE)[..20].to_vec(),
            RAM,
            E::HeaderTruncated { offset: 0 },
        ),
        (
            "unknown requirement",
            mb_header(1 << 3),
            RAM,
            E::UnsupportedRequirements(1 << 3),
        ),
        (
            "flat binary without a.out fields",
            mb_header(0),
            RAM,
            E::NotElf,
        ),
        (
            "ELF64",
            {
                let mut i = good.clone();
                i[4] = 2;
                i
            },
            RAM,
            E::BadElf("64-bit ELF kernels are not Multiboot v1 kernels"),
        ),
        (
            "big-endian",
            {
                let mut i = good.clone();
                i[5] = 2;
                i
            },
            RAM,
            E::BadElf("not little-endian"),
        ),
        (
            "shared object",
            patch(good.clone(), 16, 0x0003_0003),
            RAM,
            E::BadElf("not an executable (e_type is not ET_EXEC)"),
        ),
        (
            "x86-64 machine",
            patch(good.clone(), 16, 0x003E_0002),
            RAM,
            E::BadElf("not an Intel 386 executable (e_machine is not EM_386)"),
        ),
        (
            "tiny phentsize",
            patch(good.clone(), 40, 0x0010_0034),
            RAM,
            E::BadElf("program header entries are smaller than 32 bytes"),
        ),
        (
            "phdrs past the end",
            patch(good.clone(), 28, good.len() as u32 - 40),
            RAM,
            E::Truncated {
                what: "the program header table",
            },
        ),
        (
            "segment data past the end",
            patch(good.clone(), ph1 + 16, 0x10_0000),
            RAM,
            E::FileSizeExceedsMemSize {
                filesz: 0x10_0000,
                memsz: 0x1000,
            },
        ),
        (
            "segment offset past the end",
            patch(good.clone(), ph1 + 4, 0xFFFF_FFF0),
            RAM,
            E::Truncated {
                what: "a segment's file contents",
            },
        ),
        (
            "filesz > memsz",
            patch(good.clone(), ph1 + 20, 2),
            RAM,
            E::FileSizeExceedsMemSize {
                filesz: 4,
                memsz: 2,
            },
        ),
        ("no PT_LOAD", elf(0x10_0000, &[], 0), RAM, E::NothingToLoad),
        (
            "beyond 4 GiB",
            patch(good.clone(), ph1 + 12, 0xFFFF_F800),
            RAM,
            E::BadElf("a segment extends past 4 GiB"),
        ),
        (
            "above the end of RAM",
            good.clone(),
            2 << 20,
            E::OutsideRam {
                start: 0x20_0000,
                end: 0x20_1000,
                ram_mib: 2,
            },
        ),
        (
            "in the VGA window",
            patch(good.clone(), ph1 + 12, 0xB_8000),
            RAM,
            E::OutsideRam {
                start: 0xB_8000,
                end: 0xB_9000,
                ram_mib: 32,
            },
        ),
        (
            "across the 640 KiB line",
            patch(good.clone(), ph1 + 12, 0x9_F800),
            RAM,
            E::OutsideRam {
                start: 0x9_F800,
                end: 0xA_0800,
                ram_mib: 32,
            },
        ),
        (
            "in the boot area",
            patch(good.clone(), ph1 + 12, 0x7800),
            RAM,
            E::OutsideRam {
                start: 0x7800,
                end: 0x8800,
                ram_mib: 32,
            },
        ),
        (
            "overlapping segments",
            patch(good.clone(), ph1 + 12, 0x10_0020),
            RAM,
            E::Overlap {
                a_start: 0x10_0000,
                a_end: 0x10_0040,
                b_start: 0x10_0020,
                b_end: 0x10_1020,
            },
        ),
        (
            "entry outside",
            patch(good.clone(), 24, 0x50_0000),
            RAM,
            E::EntryOutside(0x50_0000),
        ),
        (
            "RAM too small",
            good.clone(),
            0x4000,
            E::RamTooSmall { ram_size: 0x4000 },
        ),
        (
            "load_addr above header_addr",
            aout_fields([0x10_0000, 0x10_0010, 0, 0, 0x10_0010]),
            RAM,
            E::BadAddressFields("load_addr is above header_addr"),
        ),
        (
            "header_addr too far above load_addr",
            aout_fields([0x10_0100, 0x10_0000, 0, 0, 0x10_0000]),
            RAM,
            E::BadAddressFields("header_addr - load_addr is larger than the header's file offset"),
        ),
        (
            "load_end below header",
            aout_fields([0x10_0000, 0x10_0000, 0xF_0000, 0, 0x10_0000]),
            RAM,
            E::BadAddressFields("load_end_addr is not above header_addr"),
        ),
        (
            "load_end past the file",
            aout_fields([0x10_0000, 0x10_0000, 0x10_1000, 0, 0x10_0000]),
            RAM,
            E::Truncated {
                what: "the image (load_end_addr)",
            },
        ),
        (
            "bss_end below load_end",
            aout_fields([0x10_0000, 0x10_0000, 0x10_0080, 0x10_0040, 0x10_0000]),
            RAM,
            E::BadAddressFields("bss_end_addr is below the end of the loaded image"),
        ),
        (
            "a.out image past 4 GiB",
            aout_fields([0xFFFF_FFF0, 0xFFFF_FFF0, 0, 0, 0xFFFF_FFF0]),
            RAM,
            E::BadAddressFields("the image extends past 4 GiB"),
        ),
        (
            "a.out entry outside",
            aout_fields([0x10_0000, 0x10_0000, 0, 0, 0x20_0000]),
            RAM,
            E::EntryOutside(0x20_0000),
        ),
    ];
    for (name, img, ram, want) in cases {
        let o = MultibootOptions {
            ram_size: ram,
            cmdline: None,
        };
        let got = load(&img, &o);
        assert_eq!(got, Err(want), "{name}");
        let msg = got.unwrap_err().to_string();
        assert!(!msg.is_empty() && !msg.contains('\n'), "{name}: {msg}");
    }
}

#[test]
fn bad_command_lines_are_errors() {
    let long = "x".repeat(CMDLINE_MAX);
    for (c, want) in [
        (
            long.as_str(),
            MultibootError::CmdlineTooLong { len: CMDLINE_MAX },
        ),
        ("a\0b", MultibootError::CmdlineNul),
    ] {
        let o = MultibootOptions {
            ram_size: RAM,
            cmdline: Some(c),
        };
        assert_eq!(load(&kernel(), &o), Err(want));
    }
    // The longest accepted one fits below the stack.
    let longest = "y".repeat(CMDLINE_MAX - 1);
    let o = MultibootOptions {
        ram_size: RAM,
        cmdline: Some(&longest),
    };
    let k = load(&kernel(), &o).unwrap();
    assert!(boot_area_of(&k).end() <= u64::from(BOOT_STACK_TOP - 0x1000));
}

/// What every successful load guarantees, whatever the input.
fn check_invariants(k: &MultibootKernel, ram: u64) {
    let segs = &k.image.segments;
    let (kernel, boot) = segs.split_at(segs.len() - 1);
    assert_eq!(boot[0].addr, BOOT_AREA_START);
    assert!(boot[0].end() <= u64::from(BOOT_AREA_END));
    let mut spans: Vec<(u64, u64)> = kernel
        .iter()
        .filter(|s| s.end() > u64::from(s.addr))
        .map(|s| (u64::from(s.addr), s.end()))
        .collect();
    spans.sort_unstable();
    for &(a, e) in &spans {
        let low = a >= u64::from(BOOT_AREA_END) && e <= CONVENTIONAL_END;
        let high = a >= EXTENDED_START && e <= ram;
        assert!(low || high, "{a:#x}-{e:#x} outside usable RAM");
    }
    for w in spans.windows(2) {
        assert!(w[0].1 <= w[1].0, "overlap {w:?}");
    }
    let eip = u64::from(k.image.entry.eip);
    assert!(kernel
        .iter()
        .any(|s| eip >= u64::from(s.addr) && eip < s.end()));
}

/// xorshift64*: a deterministic generator for the fuzz tests.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn fuzz_truncated_images_never_panic() {
    let good = kernel();
    let flat = aout(0x40, 0x200, [0x10_0040, 0x10_0000, 0, 0x10_0300, 0x10_0080]);
    for img in [&good, &flat] {
        let mut ok = 0;
        for len in 0..=img.len() {
            if let Ok(k) = load(&img[..len], &opts()) {
                check_invariants(&k, RAM);
                ok += 1;
            }
        }
        // Only cuts that keep what is loaded can succeed.
        assert!(ok >= 1 && ok < img.len(), "{ok}");
    }
}

#[test]
fn fuzz_garbled_headers_and_elf_fields() {
    let mut rng = Rng(0x0DDB_1A5E_5BAD_5EED);
    let good = kernel();
    let mut loaded = 0;
    for _ in 0..20_000 {
        let mut img = good.clone();
        // Garble 1–4 bytes in the ELF header, program headers or the
        // Multiboot header, sometimes anywhere.
        for _ in 0..1 + rng.below(4) {
            let at = match rng.below(4) {
                0 => rng.below(52),
                1 => 52 + rng.below(64),
                2 => MB_OFFSET + rng.below(48),
                _ => rng.below(img.len()),
            };
            img[at] = rng.next() as u8;
        }
        // Sometimes also cut it short.
        if rng.below(8) == 0 {
            img.truncate(rng.below(img.len() + 1));
        }
        let ram = [1u64 << 20, 2 << 20, RAM][rng.below(3)];
        let o = MultibootOptions {
            ram_size: ram,
            cmdline: None,
        };
        if let Ok(k) = load(&img, &o) {
            check_invariants(&k, ram);
            loaded += 1;
        }
    }
    assert!(loaded > 0, "some garbled images still load");
}

#[test]
fn fuzz_random_aout_fields_and_random_bytes() {
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    for i in 0..20_000 {
        let len = rng.below(0x400) + 32;
        let mut img: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if i % 2 == 0 {
            // A valid header with random (but often plausible) fields.
            let at = rng.below(len / 4 - 7) * 4;
            let base = [0x10_0000u32, 0x9_0000, 0, 0xFFFF_F000][rng.below(4)];
            let mut f = [0u32; 5];
            for v in f.iter_mut() {
                *v = match rng.below(3) {
                    0 => rng.next() as u32,
                    1 => 0,
                    _ => base.wrapping_add(rng.below(0x800) as u32),
                };
            }
            let h = aout(0, 32, f);
            img[at..at + 32].copy_from_slice(&h);
        }
        if let Ok(k) = load(&img, &opts()) {
            check_invariants(&k, RAM);
        }
    }
}
