//! Tests of the bzImage loader with synthetic kernels.

use super::boot_params::*;
use super::setup_header::*;
use super::*;
use crate::memory_map::REGION_ACPI;

/// A synthetic bzImage: a setup header with the given fields, setup
/// sectors and a protected-mode part of recognisable bytes.
#[derive(Clone, Debug)]
pub(crate) struct BzImage {
    pub magic: [u8; 4],
    pub boot_flag: u16,
    pub version: u16,
    pub header_end: usize,
    /// As written in the file (0 means 4).
    pub setup_sects: u8,
    pub loadflags: u8,
    pub code32_start: u32,
    /// None: the protected-mode length / 16.
    pub syssize: Option<u32>,
    pub kernel_len: usize,
    pub initrd_addr_max: u32,
    pub cmdline_size: u32,
    pub relocatable: bool,
    pub kernel_alignment: u32,
    pub pref_address: u64,
    pub init_size: u32,
    pub xloadflags: u16,
}

impl Default for BzImage {
    fn default() -> Self {
        BzImage {
            magic: *HEADER_MAGIC,
            boot_flag: BOOT_FLAG_MAGIC,
            version: 0x020F,
            header_end: 0x26C,
            setup_sects: 4,
            loadflags: LOADED_HIGH,
            code32_start: 0x10_0000,
            syssize: None,
            kernel_len: 0x3000,
            initrd_addr_max: 0x7FFF_FFFF,
            cmdline_size: 2047,
            relocatable: true,
            kernel_alignment: 0x20_0000,
            pref_address: 0x100_0000,
            init_size: 0x40_0000,
            xloadflags: 0,
        }
    }
}

impl BzImage {
    pub fn build(&self) -> Vec<u8> {
        let sects = if self.setup_sects == 0 {
            4
        } else {
            usize::from(self.setup_sects)
        };
        let off = (sects + 1) * 512;
        let mut d = vec![0u8; off + self.kernel_len];
        for (i, b) in d[off..].iter_mut().enumerate() {
            *b = (i * 7 + 3) as u8;
        }
        let mut put = |at: usize, bytes: &[u8]| d[at..at + bytes.len()].copy_from_slice(bytes);
        put(OFF_SETUP_SECTS, &[self.setup_sects]);
        let syssize = self
            .syssize
            .unwrap_or((self.kernel_len / 16) as u32)
            .to_le_bytes();
        put(OFF_SYSSIZE, &syssize);
        put(OFF_BOOT_FLAG, &self.boot_flag.to_le_bytes());
        put(
            OFF_JUMP,
            &[0xEB, self.header_end.saturating_sub(OFF_HEADER) as u8],
        );
        put(OFF_HEADER, &self.magic);
        put(OFF_VERSION, &self.version.to_le_bytes());
        put(OFF_LOADFLAGS, &[self.loadflags]);
        put(OFF_CODE32_START, &self.code32_start.to_le_bytes());
        put(OFF_INITRD_ADDR_MAX, &self.initrd_addr_max.to_le_bytes());
        put(OFF_KERNEL_ALIGNMENT, &self.kernel_alignment.to_le_bytes());
        put(OFF_RELOCATABLE_KERNEL, &[u8::from(self.relocatable)]);
        put(OFF_XLOADFLAGS, &self.xloadflags.to_le_bytes());
        put(OFF_CMDLINE_SIZE, &self.cmdline_size.to_le_bytes());
        put(OFF_PREF_ADDRESS, &self.pref_address.to_le_bytes());
        put(OFF_INIT_SIZE, &self.init_size.to_le_bytes());
        d
    }
}

const RAM: u64 = 64 << 20;

pub(crate) fn opts() -> LinuxOptions<'static> {
    LinuxOptions {
        ram_size: RAM,
        cmdline: Some("console=ttyS0"),
        initrd: None,
        acpi: None,
        console: TextConsole::default(),
    }
}

/// The boot area segment and the zero page in it.
fn zero_page(k: &LinuxKernel) -> ZeroPage {
    let area = &k.image.segments[0];
    assert_eq!(area.addr, BOOT_GDT);
    let at = (BOOT_PARAMS - BOOT_GDT) as usize;
    let mut p = ZeroPage(Box::new([0; ZERO_PAGE_SIZE]));
    p.0.copy_from_slice(&area.data[at..at + ZERO_PAGE_SIZE]);
    p
}

fn cmdline_of(k: &LinuxKernel) -> &[u8] {
    let area = &k.image.segments[0];
    &area.data[(BOOT_CMDLINE - BOOT_GDT) as usize..]
}

#[test]
fn loads_kernel_at_1mib_and_enters_at_code32_start() {
    let img = BzImage::default().build();
    let k = load(&img, &opts()).unwrap();
    let segs = &k.image.segments;
    assert_eq!(segs.len(), 2);
    assert_eq!(segs[1].addr, 0x10_0000);
    assert_eq!(segs[1].data, &img[5 * 512..]);
    let e = &k.image.entry;
    assert_eq!(e.eip, 0x10_0000);
    assert_eq!((e.code_selector, e.data_selector), (0x10, 0x18));
    assert_eq!((e.gdt_base, e.gdt_limit), (BOOT_GDT, 31));
    // EAX ECX EDX EBX ESP EBP ESI EDI
    assert_eq!(e.regs, [0, 0, 0, 0, BOOT_STACK_TOP, 0, BOOT_PARAMS, 0]);
    let gdt = &segs[0].data[..32];
    assert_eq!(gdt, &boot_gdt());
    assert_eq!(&gdt[0x10..0x18], &FLAT_CODE_DESCRIPTOR.to_le_bytes());
    assert_eq!(&gdt[0x18..0x20], &FLAT_DATA_DESCRIPTOR.to_le_bytes());
    // Relocatable, loaded below pref_address: runs at 16 MiB.
    assert_eq!(k.kernel_end, 0x100_0000 + 0x40_0000);
    assert_eq!(k.initrd, None);
}

#[test]
fn zero_page_has_header_loader_fields_cmdline_and_e820() {
    let img = BzImage::default().build();
    let k = load(&img, &opts()).unwrap();
    let p = zero_page(&k);
    // The header is the file's, except the fields the loader writes.
    for (off, &byte) in img.iter().enumerate().take(0x26C).skip(0x1F1) {
        let loader = (OFF_TYPE_OF_LOADER..=OFF_LOADFLAGS).contains(&off)
            || (OFF_HEAP_END_PTR..OFF_HEAP_END_PTR + 2).contains(&off)
            || (OFF_CMD_LINE_PTR..OFF_CMD_LINE_PTR + 4).contains(&off);
        if !loader {
            assert_eq!(p.0[off], byte, "offset {off:#x}");
        }
    }
    assert_eq!(p.u8(OFF_TYPE_OF_LOADER), LOADER_TYPE_UNDEFINED);
    assert_eq!(p.u8(OFF_LOADFLAGS), LOADED_HIGH | CAN_USE_HEAP);
    assert_eq!(p.u32(OFF_CMD_LINE_PTR), BOOT_CMDLINE);
    assert_eq!(&cmdline_of(&k)[..14], b"console=ttyS0\0");
    assert_eq!(p.u32(OFF_RAMDISK_IMAGE), 0);
    assert_eq!(p.u64(ZP_ACPI_RSDP_ADDR), 0);
    assert_eq!(p.u8(ZP_SENTINEL), 0);
    let want: Vec<(u64, u64, u32)> = PcLayout::new(RAM)
        .memory_map()
        .iter()
        .map(|r| (r.base, r.len, r.kind))
        .collect();
    assert_eq!(p.e820(), want);
    assert_eq!(p.u8(ZP_ORIG_VIDEO_LINES), 0, "headless: no text console");
    // No command line: an empty string, still pointed to.
    let k = load(
        &img,
        &LinuxOptions {
            cmdline: None,
            ..opts()
        },
    )
    .unwrap();
    assert_eq!(zero_page(&k).u32(OFF_CMD_LINE_PTR), BOOT_CMDLINE);
    assert_eq!(cmdline_of(&k), b"\0");
}

#[test]
fn initrd_goes_as_high_as_allowed() {
    let acpi = AcpiTables {
        segments: vec![LoadSegment {
            addr: (RAM - 0x1_0000) as u32,
            data: vec![0xAC; 64],
            zero_len: 0,
        }],
        region_base: (RAM - 0x1_0000) as u32,
        region_len: 0x1_0000,
        rsdp_addr: (RAM - 0x1_0000) as u32,
    };
    // (initrd_addr_max, size, acpi, expected address)
    let cases: [(u32, u64, bool, u64); 5] = [
        (0x7FFF_FFFF, 0x1800, false, RAM - 0x2000),
        (0x7FFF_FFFF, 0x1000, false, RAM - 0x1000),
        (0x01FF_FFFF, 0x1800, false, (32 << 20) - 0x2000),
        (0x01FF_FFFE, 0x1000, false, (32 << 20) - 0x2000),
        (0x7FFF_FFFF, 0x1800, true, RAM - 0x1_0000 - 0x2000),
    ];
    for (max, size, with_acpi, want) in cases {
        let img = BzImage {
            initrd_addr_max: max,
            ..Default::default()
        }
        .build();
        let rd = vec![0x5A; size as usize];
        let o = LinuxOptions {
            initrd: Some(&rd),
            acpi: with_acpi.then_some(&acpi),
            ..opts()
        };
        let k = load(&img, &o).unwrap();
        assert_eq!(
            k.initrd,
            Some((want as u32, size as u32)),
            "{max:#x} {size:#x}"
        );
        let seg = k.image.segments.iter().find(|s| s.data == rd).unwrap();
        assert_eq!(u64::from(seg.addr), want);
        let p = zero_page(&k);
        assert_eq!(u64::from(p.u32(OFF_RAMDISK_IMAGE)), want);
        assert_eq!(u64::from(p.u32(OFF_RAMDISK_SIZE)), size);
        assert!(want >= k.kernel_end);
    }
}

#[test]
fn initrd_that_does_not_fit_is_an_error() {
    let img = BzImage::default().build();
    // Bigger than the RAM above the kernel's area (20 MiB).
    let rd = vec![1u8; (RAM - 0x140_0000 + 0x1000) as usize];
    let e = load(
        &img,
        &LinuxOptions {
            initrd: Some(&rd),
            ..opts()
        },
    )
    .unwrap_err();
    assert!(matches!(e, LinuxError::InitrdDoesNotFit { .. }), "{e}");
    // initrd_addr_max inside the kernel's area.
    let img = BzImage {
        initrd_addr_max: 0x0110_0000,
        ..Default::default()
    }
    .build();
    let e = load(
        &img,
        &LinuxOptions {
            initrd: Some(&[1, 2, 3]),
            ..opts()
        },
    )
    .unwrap_err();
    assert!(matches!(e, LinuxError::InitrdDoesNotFit { .. }), "{e}");
    let e = load(
        &img,
        &LinuxOptions {
            initrd: Some(&[]),
            ..opts()
        },
    )
    .unwrap_err();
    assert_eq!(e, LinuxError::EmptyInitrd);
}

#[test]
fn kernel_area_depends_on_relocation_and_protocol() {
    // (relocatable, alignment, pref_address, init_size, version, kernel_end)
    let cases: [(bool, u32, u64, u32, u16, u64); 5] = [
        (true, 0x20_0000, 0x100_0000, 0x40_0000, 0x020F, 0x140_0000),
        // pref below the aligned load address: the aligned address wins.
        (true, 0x40_0000, 0x10_0000, 0x10_0000, 0x020F, 0x50_0000),
        (false, 0x20_0000, 0x100_0000, 0x40_0000, 0x020F, 0x140_0000),
        (false, 0, 0x20_0000, 0x1000, 0x020F, 0x20_1000),
        // Before 2.10: no pref_address/init_size, 4 x the image.
        (
            false,
            0,
            0x100_0000,
            0x40_0000,
            0x0209,
            0x10_0000 + 4 * 0x3000,
        ),
    ];
    for (reloc, align, pref, init, version, want) in cases {
        let img = BzImage {
            relocatable: reloc,
            kernel_alignment: align,
            pref_address: pref,
            init_size: init,
            version,
            ..Default::default()
        }
        .build();
        let k = load(&img, &opts()).unwrap();
        assert_eq!(k.kernel_end, want, "{reloc} {align:#x} {pref:#x} {init:#x}");
    }
}

#[test]
fn acpi_tables_are_loaded_reported_and_checked() {
    let base = (RAM - 0x2_0000) as u32;
    let acpi = AcpiTables {
        segments: vec![LoadSegment {
            addr: base,
            data: b"RSD PTR ".to_vec(),
            zero_len: 0,
        }],
        region_base: base,
        region_len: 0x2_0000,
        rsdp_addr: base,
    };
    for (version, rsdp) in [
        (0x020F, u64::from(base)),
        (0x020E, u64::from(base)),
        (0x020D, 0),
    ] {
        let img = BzImage {
            version,
            ..Default::default()
        }
        .build();
        let k = load(
            &img,
            &LinuxOptions {
                acpi: Some(&acpi),
                ..opts()
            },
        )
        .unwrap();
        let p = zero_page(&k);
        assert_eq!(p.u64(ZP_ACPI_RSDP_ADDR), rsdp, "version {version:#x}");
        assert!(p.e820().contains(&(u64::from(base), 0x2_0000, REGION_ACPI)));
        assert!(k.image.segments.contains(&acpi.segments[0]));
    }
    // Overlapping the kernel's area, or outside RAM.
    for region_base in [0x120_0000u32, RAM as u32, 0x9_0000] {
        let bad = AcpiTables {
            region_base,
            ..acpi.clone()
        };
        let e = load(
            &BzImage::default().build(),
            &LinuxOptions {
                acpi: Some(&bad),
                ..opts()
            },
        )
        .unwrap_err();
        assert!(matches!(e, LinuxError::BadAcpiTables { .. }), "{e}");
    }
}

#[test]
fn bad_requests_are_errors_not_panics() {
    type Case = (
        &'static str,
        BzImage,
        LinuxOptions<'static>,
        fn(&LinuxError) -> bool,
    );
    let cases: Vec<Case> = vec![
        (
            "small RAM",
            BzImage::default(),
            LinuxOptions {
                ram_size: 16 << 20,
                ..opts()
            },
            |e| {
                matches!(
                    e,
                    LinuxError::KernelDoesNotFit {
                        need_end: 0x140_0000,
                        ..
                    }
                )
            },
        ),
        (
            "cmdline_size",
            BzImage {
                cmdline_size: 10,
                ..Default::default()
            },
            opts(),
            |e| matches!(e, LinuxError::CmdlineTooLong { len: 13, max: 10 }),
        ),
        (
            "NUL in cmdline",
            BzImage::default(),
            LinuxOptions {
                cmdline: Some("a\0b"),
                ..opts()
            },
            |e| matches!(e, LinuxError::CmdlineNul),
        ),
        (
            "entry outside",
            BzImage {
                code32_start: 0x10_3000,
                ..Default::default()
            },
            opts(),
            |e| matches!(e, LinuxError::BadEntry(0x10_3000)),
        ),
        (
            "syssize past the end",
            BzImage {
                syssize: Some(0x301),
                ..Default::default()
            },
            opts(),
            |e| matches!(e, LinuxError::Truncated { .. }),
        ),
        (
            "huge syssize",
            BzImage {
                syssize: Some(u32::MAX),
                ..Default::default()
            },
            opts(),
            |e| matches!(e, LinuxError::Truncated { .. }),
        ),
        (
            "nothing after the setup code",
            BzImage {
                kernel_len: 0,
                ..Default::default()
            },
            opts(),
            |e| matches!(e, LinuxError::NothingToLoad),
        ),
        (
            "init_size past 4 GiB",
            BzImage {
                init_size: u32::MAX,
                pref_address: u64::MAX - 0x1000,
                ..Default::default()
            },
            LinuxOptions {
                ram_size: 3584 << 20,
                ..opts()
            },
            |e| matches!(e, LinuxError::KernelDoesNotFit { .. }),
        ),
    ];
    for (name, b, o, check) in cases {
        let e = load(&b.build(), &o).unwrap_err();
        assert!(check(&e), "{name}: {e}");
        let msg = e.to_string();
        assert!(!msg.contains('\n'), "{msg}");
    }
}

#[test]
fn syssize_zero_loads_the_rest_of_the_file_and_syssize_limits_it() {
    let mut b = BzImage {
        syssize: Some(0),
        ..Default::default()
    };
    let k = load(&b.build(), &opts()).unwrap();
    assert_eq!(k.image.segments[1].data.len(), 0x3000);
    b.syssize = Some(0x100);
    let k = load(&b.build(), &opts()).unwrap();
    assert_eq!(k.image.segments[1].data.len(), 0x1000);
}

#[test]
fn segments_do_not_overlap_and_lie_in_ram() {
    let rd = vec![7u8; 0x12_3456];
    let k = load(
        &BzImage::default().build(),
        &LinuxOptions {
            initrd: Some(&rd),
            ..opts()
        },
    )
    .unwrap();
    let mut spans: Vec<(u64, u64)> = k
        .image
        .segments
        .iter()
        .map(|s| (u64::from(s.addr), s.end()))
        .collect();
    spans.sort_unstable();
    for w in spans.windows(2) {
        assert!(w[0].1 <= w[1].0, "{spans:x?}");
    }
    assert!(spans.iter().all(|s| s.1 <= RAM));
    assert!(
        spans[0].1 <= u64::from(BOOT_STACK_TOP) - 0x1000,
        "below the stack"
    );
}

/// The guest kit's Debian kernel (`test-roms/guests/fetch.sh`), when it
/// has been built: its header parses to the values its build has, and it
/// loads with the kit's initrd. Skipped (with a message) without the kit.
#[test]
fn debian_686_kernel_from_the_guest_kit() {
    let out = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../test-roms/guests/cache/out/"
    );
    let (Ok(kernel), Ok(initrd)) = (
        std::fs::read(format!("{out}vmlinuz-686")),
        std::fs::read(format!("{out}initrd-686.gz")),
    ) else {
        eprintln!("skipped: no guest kit in {out} (run test-roms/guests/fetch.sh)");
        return;
    };
    let h = SetupHeader::parse(&kernel).unwrap();
    assert!(h.version >= 0x020F, "{}", h.version_string());
    assert!(h.relocatable_kernel && !h.is_64bit());
    assert_eq!(h.code32_start, 0x10_0000);
    assert_eq!(h.pref_address, 0x100_0000, "CONFIG_PHYSICAL_START");
    assert_eq!(h.cmdline_size, 2047);
    let o = LinuxOptions {
        ram_size: 128 << 20,
        initrd: Some(&initrd),
        ..opts()
    };
    let k = load(&kernel, &o).unwrap();
    let (addr, size) = k.initrd.unwrap();
    assert_eq!(size as usize, initrd.len());
    let top = 128u64 << 20;
    assert_eq!(u64::from(addr), (top - u64::from(size)) / 4096 * 4096);
    assert!(u64::from(addr) >= k.kernel_end && addr % 4096 == 0);
    // 33 MiB for the kernel to decompress in, then the initrd.
    assert!(load(
        &kernel,
        &LinuxOptions {
            ram_size: 64 << 20,
            ..o.clone()
        }
    )
    .is_ok());
    let e = load(
        &kernel,
        &LinuxOptions {
            ram_size: 32 << 20,
            ..o
        },
    )
    .unwrap_err();
    assert!(matches!(e, LinuxError::KernelDoesNotFit { .. }), "{e}");
}
