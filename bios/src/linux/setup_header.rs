//! The real-mode kernel header ("setup header") of a Linux bzImage, as
//! `Documentation/arch/x86/boot.rst` describes it ("The Real-Mode Kernel
//! Header"). Offsets are from the start of the file; the same bytes are
//! copied to the same offsets of `boot_params` (the zero page).
//!
//! Fields newer than the kernel's protocol version read as their documented
//! defaults: `initrd_addr_max` 0x37FFFFFF before 2.03, `cmdline_size` 255
//! before 2.06, no alignment/relocation before 2.05, no `pref_address` or
//! `init_size` before 2.10, no `xloadflags` before 2.12.

use super::LinuxError;

/// Sector size of the real-mode setup code.
pub const SECTOR_SIZE: usize = 512;

// Offsets of the setup header fields (boot.rst, "The Real-Mode Kernel Header").
/// Size of the setup code in 512-byte sectors (0 means 4), u8.
pub const OFF_SETUP_SECTS: usize = 0x1F1;
/// Size of the 32-bit code in 16-byte paragraphs, u32 (2.04+).
pub const OFF_SYSSIZE: usize = 0x1F4;
/// 0xAA55 magic, u16.
pub const OFF_BOOT_FLAG: usize = 0x1FE;
/// x86 JMP instruction; its second byte gives the header's end.
pub const OFF_JUMP: usize = 0x200;
/// Magic signature "HdrS", u32.
pub const OFF_HEADER: usize = 0x202;
/// Boot protocol version, u16 (major << 8 | minor).
pub const OFF_VERSION: usize = 0x206;
/// Boot loader identifier, u8.
pub const OFF_TYPE_OF_LOADER: usize = 0x210;
/// Boot protocol option flags, u8.
pub const OFF_LOADFLAGS: usize = 0x211;
/// The 32-bit entry point, u32.
pub const OFF_CODE32_START: usize = 0x214;
/// initrd load address, u32.
pub const OFF_RAMDISK_IMAGE: usize = 0x218;
/// initrd size, u32.
pub const OFF_RAMDISK_SIZE: usize = 0x21C;
/// Free memory after setup end (offset from the real-mode code), u16.
pub const OFF_HEAP_END_PTR: usize = 0x224;
/// 32-bit pointer to the kernel command line (2.02+).
pub const OFF_CMD_LINE_PTR: usize = 0x228;
/// Highest legal initrd address (2.03+), u32.
pub const OFF_INITRD_ADDR_MAX: usize = 0x22C;
/// Physical address alignment required for the kernel (2.05+), u32.
pub const OFF_KERNEL_ALIGNMENT: usize = 0x230;
/// Whether the kernel is relocatable (2.05+), u8.
pub const OFF_RELOCATABLE_KERNEL: usize = 0x234;
/// Boot protocol option flags (2.12+), u16.
pub const OFF_XLOADFLAGS: usize = 0x236;
/// Maximum size of the kernel command line (2.06+), u32.
pub const OFF_CMDLINE_SIZE: usize = 0x238;
/// Preferred loading address (2.10+), u64.
pub const OFF_PREF_ADDRESS: usize = 0x258;
/// Linear memory required during initialisation (2.10+), u32.
pub const OFF_INIT_SIZE: usize = 0x260;

/// `boot_flag` value.
pub const BOOT_FLAG_MAGIC: u16 = 0xAA55;
/// `header` value: "HdrS".
pub const HEADER_MAGIC: &[u8; 4] = b"HdrS";
/// Oldest protocol this loader boots: 2.02 has `cmd_line_ptr`, the 32-bit
/// boot protocol's minimum.
pub const MIN_VERSION: u16 = 0x0202;
/// Setup sectors when the `setup_sects` field is 0.
pub const DEFAULT_SETUP_SECTS: u8 = 4;
/// `initrd_addr_max` before protocol 2.03.
pub const DEFAULT_INITRD_ADDR_MAX: u32 = 0x37FF_FFFF;
/// `cmdline_size` before protocol 2.06.
pub const DEFAULT_CMDLINE_SIZE: u32 = 255;
/// Where a bzImage's protected-mode code is loaded (and where a
/// non-relocatable kernel runs before protocol 2.10 told otherwise).
pub const BZIMAGE_LOAD_ADDR: u32 = 0x10_0000;
/// The smallest header end the fields this loader writes need: through
/// `cmd_line_ptr` (protocol 2.02).
pub const MIN_HEADER_END: usize = OFF_CMD_LINE_PTR + 4;
/// End of the setup header's space in `boot_params` (`edd_mbr_sig_buffer`
/// follows at 0x290).
pub const MAX_HEADER_END: usize = 0x290;

// loadflags bits.
/// The protected-mode code is loaded at 0x100000 (a bzImage).
pub const LOADED_HIGH: u8 = 1 << 0;
/// Set by the kernel when KASLR is enabled.
pub const KASLR_FLAG: u8 = 1 << 1;
/// Suppress early messages.
pub const QUIET_FLAG: u8 = 1 << 5;
/// Do not reload the segment registers in the 32-bit entry point.
pub const KEEP_SEGMENTS: u8 = 1 << 6;
/// `heap_end_ptr` is valid.
pub const CAN_USE_HEAP: u8 = 1 << 7;

// xloadflags bits.
/// The kernel has the legacy 64-bit entry point at 0x200 (a 64-bit kernel).
pub const XLF_KERNEL_64: u16 = 1 << 0;
/// Kernel, boot_params, command line and ramdisk may lie above 4 GiB.
pub const XLF_CAN_BE_LOADED_ABOVE_4G: u16 = 1 << 1;
/// The kernel has a 32-bit EFI handover entry point.
pub const XLF_EFI_HANDOVER_32: u16 = 1 << 2;
/// The kernel has a 64-bit EFI handover entry point.
pub const XLF_EFI_HANDOVER_64: u16 = 1 << 3;

/// The fields of a setup header this loader uses, with version defaults
/// applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetupHeader {
    /// Protocol version (major << 8 | minor).
    pub version: u16,
    /// Setup sectors (after the 0 → 4 rule).
    pub setup_sects: u8,
    /// 32-bit code size in 16-byte paragraphs (0: the rest of the file).
    pub syssize: u32,
    pub loadflags: u8,
    pub code32_start: u32,
    pub initrd_addr_max: u32,
    pub kernel_alignment: u32,
    pub relocatable_kernel: bool,
    pub xloadflags: u16,
    pub cmdline_size: u32,
    pub pref_address: u64,
    pub init_size: u32,
    /// One past the header's last byte (0x202 + the byte at 0x201).
    pub header_end: usize,
}

fn u8_at(d: &[u8], off: usize) -> u8 {
    d.get(off).copied().unwrap_or(0)
}

fn u16_at(d: &[u8], off: usize) -> u16 {
    u16::from_le_bytes([u8_at(d, off), u8_at(d, off + 1)])
}

fn u32_at(d: &[u8], off: usize) -> u32 {
    u32::from(u16_at(d, off)) | u32::from(u16_at(d, off + 2)) << 16
}

fn u64_at(d: &[u8], off: usize) -> u64 {
    u64::from(u32_at(d, off)) | u64::from(u32_at(d, off + 4)) << 32
}

impl SetupHeader {
    /// Parse and validate the header of a kernel file (at least its first
    /// sectors). The whole header and the setup code must be in `data`.
    pub fn parse(data: &[u8]) -> Result<SetupHeader, LinuxError> {
        if data.len() < OFF_HEADER + 4 {
            return Err(LinuxError::Truncated {
                what: "the setup header",
                need: OFF_HEADER + 4,
                have: data.len(),
            });
        }
        if &data[OFF_HEADER..OFF_HEADER + 4] != HEADER_MAGIC {
            return Err(LinuxError::NoHeader);
        }
        let boot_flag = u16_at(data, OFF_BOOT_FLAG);
        if boot_flag != BOOT_FLAG_MAGIC {
            return Err(LinuxError::BadBootFlag(boot_flag));
        }
        let version = u16_at(data, OFF_VERSION);
        if version < MIN_VERSION {
            return Err(LinuxError::OldProtocol(version));
        }
        let header_end = OFF_HEADER + usize::from(u8_at(data, OFF_JUMP + 1));
        if !(MIN_HEADER_END..=MAX_HEADER_END).contains(&header_end) {
            return Err(LinuxError::BadHeaderLength(header_end));
        }
        let setup_sects = match u8_at(data, OFF_SETUP_SECTS) {
            0 => DEFAULT_SETUP_SECTS,
            n => n,
        };
        let setup_len = (usize::from(setup_sects) + 1) * SECTOR_SIZE;
        let need = setup_len.max(header_end);
        if data.len() < need {
            return Err(LinuxError::Truncated {
                what: "the setup code",
                need,
                have: data.len(),
            });
        }
        let loadflags = u8_at(data, OFF_LOADFLAGS);
        if loadflags & LOADED_HIGH == 0 {
            return Err(LinuxError::NotBzImage);
        }
        // A field exists when the protocol has it and the header reaches it.
        let has = |min_version: u16, off: usize, size: usize| {
            version >= min_version && off + size <= header_end
        };
        let (kernel_alignment, relocatable_kernel) = if has(0x0205, OFF_RELOCATABLE_KERNEL, 1) {
            (
                u32_at(data, OFF_KERNEL_ALIGNMENT),
                u8_at(data, OFF_RELOCATABLE_KERNEL) != 0,
            )
        } else {
            (0, false)
        };
        Ok(SetupHeader {
            version,
            setup_sects,
            syssize: if version >= 0x0204 {
                u32_at(data, OFF_SYSSIZE)
            } else {
                u32::from(u16_at(data, OFF_SYSSIZE))
            },
            loadflags,
            code32_start: u32_at(data, OFF_CODE32_START),
            initrd_addr_max: if has(0x0203, OFF_INITRD_ADDR_MAX, 4) {
                u32_at(data, OFF_INITRD_ADDR_MAX)
            } else {
                DEFAULT_INITRD_ADDR_MAX
            },
            kernel_alignment,
            relocatable_kernel,
            xloadflags: if has(0x020C, OFF_XLOADFLAGS, 2) {
                u16_at(data, OFF_XLOADFLAGS)
            } else {
                0
            },
            cmdline_size: if has(0x0206, OFF_CMDLINE_SIZE, 4) {
                u32_at(data, OFF_CMDLINE_SIZE)
            } else {
                DEFAULT_CMDLINE_SIZE
            },
            pref_address: if has(0x020A, OFF_PREF_ADDRESS, 8) {
                u64_at(data, OFF_PREF_ADDRESS)
            } else {
                0
            },
            init_size: if has(0x020A, OFF_INIT_SIZE, 4) {
                u32_at(data, OFF_INIT_SIZE)
            } else {
                0
            },
            header_end,
        })
    }

    /// File offset of the protected-mode code: after the boot sector and
    /// the setup sectors.
    pub fn kernel_offset(&self) -> usize {
        (usize::from(self.setup_sects) + 1) * SECTOR_SIZE
    }

    /// A 64-bit kernel (it also has the 32-bit entry point, but needs long
    /// mode).
    pub fn is_64bit(&self) -> bool {
        self.xloadflags & XLF_KERNEL_64 != 0
    }

    /// Protocol version as "major.minor".
    pub fn version_string(&self) -> String {
        format!("{}.{:02}", self.version >> 8, self.version & 0xFF)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::BzImage;
    use super::*;

    #[test]
    fn parses_a_modern_header() {
        let img = BzImage::default().build();
        let h = SetupHeader::parse(&img).unwrap();
        assert_eq!(h.version, 0x020F);
        assert_eq!(h.version_string(), "2.15");
        assert_eq!(h.setup_sects, 4);
        assert_eq!(h.kernel_offset(), 5 * 512);
        assert_eq!(h.code32_start, 0x10_0000);
        assert_eq!(h.initrd_addr_max, 0x7FFF_FFFF);
        assert_eq!(h.cmdline_size, 2047);
        assert!(h.relocatable_kernel);
        assert_eq!(h.kernel_alignment, 0x20_0000);
        assert_eq!(h.pref_address, 0x100_0000);
        assert_eq!(h.init_size, 0x40_0000);
        assert_eq!(h.header_end, 0x26C);
        assert!(!h.is_64bit());
    }

    #[test]
    fn old_protocols_get_the_documented_defaults() {
        // 2.02: no initrd_addr_max, cmdline_size, relocation, pref_address.
        let img = BzImage {
            version: 0x0202,
            header_end: 0x22C,
            setup_sects: 0,
            ..Default::default()
        }
        .build();
        let h = SetupHeader::parse(&img).unwrap();
        assert_eq!(h.setup_sects, DEFAULT_SETUP_SECTS, "0 means 4");
        assert_eq!(h.initrd_addr_max, DEFAULT_INITRD_ADDR_MAX);
        assert_eq!(h.cmdline_size, DEFAULT_CMDLINE_SIZE);
        assert!(!h.relocatable_kernel);
        assert_eq!((h.pref_address, h.init_size, h.xloadflags), (0, 0, 0));
        // A 2.09 header does not have pref_address even when long enough.
        let img = BzImage {
            version: 0x0209,
            ..Default::default()
        }
        .build();
        let h = SetupHeader::parse(&img).unwrap();
        assert_eq!((h.pref_address, h.init_size), (0, 0));
        assert_eq!(h.cmdline_size, 2047);
        assert!(h.relocatable_kernel);
    }

    #[test]
    fn bad_headers_are_rejected_with_the_reason() {
        type Edit = fn(&mut BzImage);
        type Check = fn(&LinuxError) -> bool;
        let cases: [(&str, Edit, Check); 6] = [
            (
                "no HdrS",
                |b| b.magic = *b"HdrX",
                |e| matches!(e, LinuxError::NoHeader),
            ),
            (
                "boot flag",
                |b| b.boot_flag = 0x55AA,
                |e| matches!(e, LinuxError::BadBootFlag(0x55AA)),
            ),
            (
                "protocol 2.01",
                |b| b.version = 0x0201,
                |e| matches!(e, LinuxError::OldProtocol(0x0201)),
            ),
            (
                "zImage",
                |b| b.loadflags = 0,
                |e| matches!(e, LinuxError::NotBzImage),
            ),
            (
                "header too short",
                |b| b.header_end = 0x220,
                |e| matches!(e, LinuxError::BadHeaderLength(0x220)),
            ),
            (
                "header too long",
                |b| b.header_end = 0x2A0,
                |e| matches!(e, LinuxError::BadHeaderLength(0x2A0)),
            ),
        ];
        for (name, edit, check) in cases {
            let mut b = BzImage::default();
            edit(&mut b);
            let e = SetupHeader::parse(&b.build()).unwrap_err();
            assert!(check(&e), "{name}: {e}");
            assert!(!e.to_string().contains('\n'));
        }
    }

    #[test]
    fn truncated_and_random_inputs_never_panic() {
        let img = BzImage::default().build();
        let setup_len = 5 * 512;
        for len in 0..=setup_len + 16 {
            let r = SetupHeader::parse(&img[..len]);
            assert_eq!(r.is_ok(), len >= setup_len, "length {len}");
        }
        // xorshift: deterministic pseudo-random headers around a valid one.
        let mut x = 0x1234_5678_9ABC_DEF0u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let mut d = img.clone();
            let len = (next() % (d.len() as u64 + 1)) as usize;
            d.truncate(len);
            for _ in 0..(next() % 8) {
                if d.is_empty() {
                    break;
                }
                // Mostly the header bytes.
                let at = if next() % 4 == 0 {
                    (next() % d.len() as u64) as usize
                } else {
                    0x1F1 + (next() % 0x80) as usize
                };
                if let Some(b) = d.get_mut(at) {
                    *b = next() as u8;
                }
            }
            if let Ok(h) = SetupHeader::parse(&d) {
                assert!(h.kernel_offset() <= d.len());
                assert!(h.header_end <= MAX_HEADER_END);
            }
            let _ = super::super::load(&d, &super::super::tests::opts());
        }
    }
}
