//! `struct boot_params`, the 4 KiB "zero page" a 32-bit boot loader hands
//! the kernel in ESI (`Documentation/arch/x86/zero-page.rst`, and
//! boot.rst "32-bit Boot Protocol": the page is zeroed, the setup header is
//! copied in at 0x1F1, then the loader fills in its fields).

use super::setup_header::{
    SetupHeader, CAN_USE_HEAP, OFF_CMD_LINE_PTR, OFF_HEAP_END_PTR, OFF_LOADFLAGS,
    OFF_RAMDISK_IMAGE, OFF_RAMDISK_SIZE, OFF_SETUP_SECTS, OFF_TYPE_OF_LOADER, QUIET_FLAG,
};
use crate::memory_map::{MemoryRegion, EXTENDED_START};

/// Size of `boot_params`.
pub const ZERO_PAGE_SIZE: usize = 4096;

// Offsets in boot_params (zero-page.rst).
/// `screen_info.orig_x`, u8.
pub const ZP_ORIG_X: usize = 0x000;
/// `screen_info.orig_y`, u8.
pub const ZP_ORIG_Y: usize = 0x001;
/// `screen_info.ext_mem_k`: KiB of memory above 1 MiB (at most 0xFFFF), u16.
pub const ZP_EXT_MEM_K: usize = 0x002;
/// `screen_info.orig_video_page`, u16.
pub const ZP_ORIG_VIDEO_PAGE: usize = 0x004;
/// `screen_info.orig_video_mode`, u8.
pub const ZP_ORIG_VIDEO_MODE: usize = 0x006;
/// `screen_info.orig_video_cols`, u8.
pub const ZP_ORIG_VIDEO_COLS: usize = 0x007;
/// `screen_info.orig_video_ega_bx`: BX after INT 10h AH=12h BL=10h (BH 0 =
/// colour, BL 3 = 256 KiB; BL still 10h would mean a CGA/MDA), u16.
pub const ZP_ORIG_VIDEO_EGA_BX: usize = 0x00A;
/// `screen_info.orig_video_lines`, u8.
pub const ZP_ORIG_VIDEO_LINES: usize = 0x00E;
/// `screen_info.orig_video_isVGA`, u8.
pub const ZP_ORIG_VIDEO_IS_VGA: usize = 0x00F;
/// `screen_info.orig_video_points` (character height), u16.
pub const ZP_ORIG_VIDEO_POINTS: usize = 0x010;
/// `acpi_rsdp_addr`, u64 (protocol 2.14+).
pub const ZP_ACPI_RSDP_ADDR: usize = 0x070;
/// `alt_mem_k`: KiB of memory above 1 MiB, u32.
pub const ZP_ALT_MEM_K: usize = 0x1E0;
/// `e820_entries`, u8.
pub const ZP_E820_ENTRIES: usize = 0x1E8;
/// `sentinel`: must stay 0 (nonzero tells the kernel the loader did not
/// clear the page), u8.
pub const ZP_SENTINEL: usize = 0x1EF;
/// `e820_table`: up to [`E820_MAX_ENTRIES_ZEROPAGE`] entries of 20 bytes.
pub const ZP_E820_TABLE: usize = 0x2D0;
/// Capacity of `e820_table`.
pub const E820_MAX_ENTRIES_ZEROPAGE: usize = 128;
/// Size of one `boot_e820_entry` (u64 addr, u64 size, u32 type, packed).
pub const E820_ENTRY_SIZE: usize = 20;

/// `type_of_loader` of a loader with no assigned ID (boot.rst).
pub const LOADER_TYPE_UNDEFINED: u8 = 0xFF;
/// `heap_end_ptr`: the setup heap/stack ends at 0xE000 past the real-mode
/// code, minus 0x200 as boot.rst asks. Only the 16-bit setup code uses the
/// heap; the 32-bit entry skips it, so this is the conventional value.
pub const HEAP_END_PTR: u16 = 0xE000 - 0x200;

/// What the kernel is told about the text console: none (0 lines and
/// columns: the VGA console driver steps aside for the dummy console, for a
/// machine with no display adapter) or a colour VGA text screen in mode 3,
/// the state a PC BIOS leaves the VGA in (the loader's caller must put the
/// VGA there: [`super::vga::set_text_mode`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TextConsole {
    pub cols: u8,
    pub lines: u8,
}

impl TextConsole {
    /// No display adapter.
    pub const NONE: TextConsole = TextConsole { cols: 0, lines: 0 };
    /// VGA mode 3: 80x25 colour text, 9x16 character cells.
    pub const VGA_80X25: TextConsole = TextConsole {
        cols: 80,
        lines: 25,
    };
}

/// A zero page under construction.
#[derive(Clone)]
pub struct ZeroPage(pub Box<[u8; ZERO_PAGE_SIZE]>);

impl ZeroPage {
    /// A cleared page with the setup header copied in (bytes 0x1F1 to the
    /// header's end, as in the kernel file).
    pub fn new(kernel: &[u8], hdr: &SetupHeader) -> ZeroPage {
        let mut p = ZeroPage(Box::new([0; ZERO_PAGE_SIZE]));
        let end = hdr.header_end.min(kernel.len());
        p.0[OFF_SETUP_SECTS..end].copy_from_slice(&kernel[OFF_SETUP_SECTS..end]);
        p
    }

    pub fn set_u8(&mut self, off: usize, v: u8) {
        self.0[off] = v;
    }

    pub fn set_u16(&mut self, off: usize, v: u16) {
        self.0[off..off + 2].copy_from_slice(&v.to_le_bytes());
    }

    pub fn set_u32(&mut self, off: usize, v: u32) {
        self.0[off..off + 4].copy_from_slice(&v.to_le_bytes());
    }

    pub fn set_u64(&mut self, off: usize, v: u64) {
        self.0[off..off + 8].copy_from_slice(&v.to_le_bytes());
    }

    pub fn u8(&self, off: usize) -> u8 {
        self.0[off]
    }

    pub fn u16(&self, off: usize) -> u16 {
        u16::from_le_bytes([self.0[off], self.0[off + 1]])
    }

    pub fn u32(&self, off: usize) -> u32 {
        u32::from_le_bytes([
            self.0[off],
            self.0[off + 1],
            self.0[off + 2],
            self.0[off + 3],
        ])
    }

    pub fn u64(&self, off: usize) -> u64 {
        u64::from(self.u32(off)) | u64::from(self.u32(off + 4)) << 32
    }

    /// The loader's fields of the setup header: loader type 0xFF, heap
    /// usable (QUIET cleared: the kernel may print early), command line
    /// and ramdisk.
    pub fn set_loader_fields(&mut self, cmd_line_ptr: u32, ramdisk: Option<(u32, u32)>) {
        self.set_u8(OFF_TYPE_OF_LOADER, LOADER_TYPE_UNDEFINED);
        let flags = (self.u8(OFF_LOADFLAGS) | CAN_USE_HEAP) & !QUIET_FLAG;
        self.set_u8(OFF_LOADFLAGS, flags);
        self.set_u16(OFF_HEAP_END_PTR, HEAP_END_PTR);
        self.set_u32(OFF_CMD_LINE_PTR, cmd_line_ptr);
        let (image, size) = ramdisk.unwrap_or((0, 0));
        self.set_u32(OFF_RAMDISK_IMAGE, image);
        self.set_u32(OFF_RAMDISK_SIZE, size);
    }

    /// The memory sizes of the old interfaces (KiB above 1 MiB up to the
    /// first hole) and the E820 table. Entries beyond the table's capacity
    /// are dropped (a PC map has about ten).
    pub fn set_memory(&mut self, map: &[MemoryRegion]) {
        let ext_end = map
            .iter()
            .find(|r| r.base == EXTENDED_START && r.kind == crate::memory_map::REGION_RAM)
            .map_or(EXTENDED_START, MemoryRegion::end);
        let ext_k = (ext_end - EXTENDED_START) >> 10;
        self.set_u16(ZP_EXT_MEM_K, ext_k.min(0xFFFF) as u16);
        self.set_u32(ZP_ALT_MEM_K, ext_k.min(u64::from(u32::MAX)) as u32);
        let n = map.len().min(E820_MAX_ENTRIES_ZEROPAGE);
        for (i, r) in map[..n].iter().enumerate() {
            let at = ZP_E820_TABLE + i * E820_ENTRY_SIZE;
            self.set_u64(at, r.base);
            self.set_u64(at + 8, r.len);
            self.set_u32(at + 16, r.kind);
        }
        self.set_u8(ZP_E820_ENTRIES, n as u8);
    }

    /// `screen_info`: a colour VGA text console of the given size, or none.
    /// The fields are the ones the kernel's real-mode setup code stores
    /// (arch/x86/boot/video.c `store_mode_params`, video-vga.c `vga_probe`)
    /// and vgacon reads: with `orig_video_isVGA` = 1 and `orig_video_ega_bx`
    /// not 10h, vgacon drives the screen as "VGA+" at B8000h; the cursor
    /// starts at the top left (a freshly set mode).
    pub fn set_screen(&mut self, console: TextConsole) {
        self.set_u8(ZP_ORIG_X, 0);
        self.set_u8(ZP_ORIG_Y, 0);
        self.set_u16(ZP_ORIG_VIDEO_PAGE, 0);
        self.set_u8(ZP_ORIG_VIDEO_IS_VGA, 0);
        self.set_u8(ZP_ORIG_VIDEO_COLS, console.cols);
        self.set_u8(ZP_ORIG_VIDEO_LINES, console.lines);
        if console.cols != 0 && console.lines != 0 {
            // Mode 3, 80x25 colour text with 16-pixel characters, on a VGA.
            self.set_u8(ZP_ORIG_VIDEO_MODE, 3);
            self.set_u16(ZP_ORIG_VIDEO_POINTS, 16);
            self.set_u8(ZP_ORIG_VIDEO_IS_VGA, 1);
            self.set_u16(ZP_ORIG_VIDEO_EGA_BX, 0x0003);
        }
    }

    /// The E820 table as (base, len, type).
    pub fn e820(&self) -> Vec<(u64, u64, u32)> {
        (0..usize::from(self.u8(ZP_E820_ENTRIES)))
            .map(|i| {
                let at = ZP_E820_TABLE + i * E820_ENTRY_SIZE;
                (self.u64(at), self.u64(at + 8), self.u32(at + 16))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::BzImage;
    use super::*;
    use crate::memory_map::PcLayout;

    #[test]
    fn header_is_copied_and_the_rest_is_clear() {
        let img = BzImage::default().build();
        let h = SetupHeader::parse(&img).unwrap();
        let p = ZeroPage::new(&img, &h);
        assert_eq!(&p.0[0x1F1..0x26C], &img[0x1F1..0x26C]);
        assert!(p.0[..0x1F1].iter().all(|&b| b == 0));
        assert!(p.0[0x26C..].iter().all(|&b| b == 0));
        assert_eq!(p.u8(ZP_SENTINEL), 0);
    }

    #[test]
    fn loader_fields() {
        let img = BzImage {
            loadflags: 0x21, // LOADED_HIGH | QUIET_FLAG
            ..Default::default()
        }
        .build();
        let h = SetupHeader::parse(&img).unwrap();
        let mut p = ZeroPage::new(&img, &h);
        p.set_loader_fields(0x2000, Some((0x0700_0000, 0x12345)));
        assert_eq!(p.u8(OFF_TYPE_OF_LOADER), 0xFF);
        assert_eq!(p.u8(OFF_LOADFLAGS), 0x81, "CAN_USE_HEAP set, QUIET clear");
        assert_eq!(p.u16(OFF_HEAP_END_PTR), 0xDE00);
        assert_eq!(p.u32(OFF_CMD_LINE_PTR), 0x2000);
        assert_eq!(p.u32(OFF_RAMDISK_IMAGE), 0x0700_0000);
        assert_eq!(p.u32(OFF_RAMDISK_SIZE), 0x12345);
        p.set_loader_fields(0x2000, None);
        assert_eq!((p.u32(OFF_RAMDISK_IMAGE), p.u32(OFF_RAMDISK_SIZE)), (0, 0));
    }

    #[test]
    fn e820_table_and_memory_sizes() {
        let img = BzImage::default().build();
        let h = SetupHeader::parse(&img).unwrap();
        let mut p = ZeroPage::new(&img, &h);
        let map = PcLayout::new(128 << 20).memory_map();
        p.set_memory(&map);
        let want: Vec<(u64, u64, u32)> = map.iter().map(|r| (r.base, r.len, r.kind)).collect();
        assert_eq!(p.e820(), want);
        assert_eq!(p.u8(ZP_E820_ENTRIES) as usize, map.len());
        // Over 64 MiB of extended memory: ext_mem_k saturates.
        assert_eq!(p.u16(ZP_EXT_MEM_K), 0xFFFF);
        assert_eq!(p.u32(ZP_ALT_MEM_K), 127 * 1024);
        // Raw layout of the first entry: 20 packed bytes.
        assert_eq!(&p.0[0x2D0..0x2E4], &{
            let mut e = [0u8; 20];
            e[8..16].copy_from_slice(&0x9_FC00u64.to_le_bytes());
            e[16] = 1;
            e
        });
        p.set_memory(&PcLayout::new(32 << 20).memory_map());
        assert_eq!(p.u16(ZP_EXT_MEM_K), 31 * 1024);
        assert_eq!(p.u32(ZP_ALT_MEM_K), 31 * 1024);
        assert_eq!(p.e820().len(), 7);
    }

    #[test]
    fn screen_info_for_headless_and_text() {
        let img = BzImage::default().build();
        let h = SetupHeader::parse(&img).unwrap();
        for (console, mode, is_vga, ega_bx, points) in [
            (TextConsole::NONE, 0, 0, 0, 0),
            (TextConsole::VGA_80X25, 3, 1, 3, 16),
        ] {
            let mut p = ZeroPage::new(&img, &h);
            p.set_screen(console);
            assert_eq!(p.u8(ZP_ORIG_VIDEO_IS_VGA), is_vga);
            assert_eq!(p.u16(ZP_ORIG_VIDEO_EGA_BX), ega_bx);
            assert_eq!(p.u16(ZP_ORIG_VIDEO_POINTS), points);
            assert_eq!(p.u8(ZP_ORIG_VIDEO_COLS), console.cols);
            assert_eq!(p.u8(ZP_ORIG_VIDEO_LINES), console.lines);
            assert_eq!(p.u8(ZP_ORIG_VIDEO_MODE), mode);
        }
    }
}
