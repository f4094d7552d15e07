//! Fonts (INT 10h AH=11h, IBM VGA Technical Reference "Character
//! Generator"): text-mode fonts live in plane 2, 32 bytes per character,
//! in one of eight blocks chosen by the Character Map Select register;
//! graphics-mode glyphs come from the tables INT 43h (and INT 1Fh for
//! 80h–FFh of the 8x8 font) point at.
//!
//! AL=00h/10h user font, 01h/11h ROM 8x14, 02h/12h ROM 8x8, 04h/14h ROM
//! 8x16 (the 1xh forms also set the character height, rows, page size,
//! CRTC Maximum Scan Line and cursor: 80x50 with 8x8), 03h block select,
//! 20h–24h graphics fonts, 30h font information.

use super::super::bda::{self, at};
use super::super::{Bus, Firmware, Regs, ROM_SEGMENT};
use super::hw;

/// Plane-2 offset of font block `n` (Character Map Select encoding).
pub fn block_offset(n: u8) -> u32 {
    u32::from(n & 3) * 0x4000 + u32::from(n >> 2 & 1) * 0x2000
}

/// Copy `count` glyphs of `height` bytes from `src` (linear) into font
/// block `block` starting at character `first`.
pub fn load_font(bus: &mut dyn Bus, src: u32, count: u32, first: u8, height: u8, block: u8) {
    let h = usize::from(height.clamp(1, 32));
    let count = count.min(256) as usize;
    let mut data = vec![0u8; count * h];
    bus.read(src, &mut data);
    let saved = hw::open_plane(bus, 2);
    let base = super::GRAPHICS_BASE + block_offset(block);
    for (i, g) in data.chunks(h).enumerate() {
        let ch = (usize::from(first) + i) & 0xFF;
        let mut cell = [0u8; 32];
        cell[..h].copy_from_slice(g);
        bus.write(base + ch as u32 * 32, &cell);
    }
    hw::close_plane(bus, saved);
}

/// The ROM font for a character height (8, 14 or 16; others get 8x16).
fn rom_font(fw: &Firmware, height: u8) -> (u16, u8) {
    match height {
        8 => (fw.header.font8x8, 8),
        14 => (fw.header.font8x14, 14),
        _ => (fw.header.font8x16, 16),
    }
}

/// Load the ROM font matching `height` into `block`.
pub fn load_rom_font(fw: &Firmware, bus: &mut dyn Bus, height: u8, block: u8) {
    let (off, h) = rom_font(fw, height);
    let src = (u32::from(ROM_SEGMENT) << 4) + u32::from(off);
    load_font(bus, src, 256, 0, h, block);
}

/// INT 43h → the ROM font for graphics with `height`-line cells (the
/// 8x8 one for text modes), INT 1Fh → the 8x8 font's upper half.
pub fn set_graphics_font_vector(fw: &Firmware, bus: &mut dyn Bus, height: u8) {
    let off = match height {
        14 => fw.header.font8x14,
        16 => fw.header.font8x16,
        _ => fw.header.font8x8,
    };
    let text = super::text::screen(fw, bus).text();
    let off = if text { fw.header.font8x8 } else { off };
    let far = |o: u16| u32::from(ROM_SEGMENT) << 16 | u32::from(o);
    bus.write_u32(0x43 * 4, far(off));
    bus.write_u32(0x1F * 4, far(fw.header.font8x8.wrapping_add(128 * 8)));
}

/// After a 1xh load: the text geometry for `height`-line characters
/// (rows from the displayed scan lines, CRTC 09h, cursor 0Ah/0Bh, BDA).
fn recalc(bus: &mut dyn Bus, height: u8) {
    let h = height.clamp(1, 32);
    let mut lines = crtc_display_lines(bus);
    let max_scan = hw::crtc_read(bus, 0x09);
    if max_scan & 0x80 != 0 {
        lines /= 2;
    }
    hw::crtc_write(bus, 0x09, (max_scan & 0xE0) | (h - 1));
    let cur_end = h.saturating_sub(2);
    let cur_start = if h > 8 { h - 3 } else { cur_end };
    hw::crtc_write(bus, 0x0A, cur_start);
    hw::crtc_write(bus, 0x0B, cur_end);
    let rows = (lines / u16::from(h)).clamp(1, 255) as u8;
    let cols = bus.read_u16(at(bda::VIDEO_COLUMNS));
    bus.write_u8(at(bda::VIDEO_ROWS), rows - 1);
    bus.write_u8(at(bda::CHAR_HEIGHT), h);
    let page = ((u32::from(rows) * u32::from(cols) * 2 + 0xFF) & !0xFF).min(0x8000);
    bus.write_u16(at(bda::VIDEO_PAGE_SIZE), page as u16);
    bus.write_u16(
        at(bda::CURSOR_SHAPE),
        u16::from(cur_start) << 8 | u16::from(cur_end),
    );
}

/// CRTC Vertical Display End + 1 (with the overflow bits).
fn crtc_display_lines(bus: &mut dyn Bus) -> u16 {
    let vde = u16::from(hw::crtc_read(bus, 0x12));
    let o = u16::from(hw::crtc_read(bus, 0x07));
    (vde | (o >> 1 & 1) << 8 | (o >> 6 & 1) << 9) + 1
}

/// AH=11h.
pub fn int10_11(fw: &mut Firmware, r: &mut Regs, bus: &mut dyn Bus) {
    let rom = |h: u8| (u32::from(ROM_SEGMENT) << 4) + u32::from(rom_font(fw, h).0);
    let es_bp = Regs::linear(r.es, r.ebp as u16);
    match r.al() {
        0x00 | 0x10 => {
            let h = r.bh().clamp(1, 32);
            load_font(bus, es_bp, u32::from(r.cx()), r.dl(), h, r.bl());
            if r.al() == 0x10 {
                recalc(bus, h);
            }
        }
        0x01 | 0x02 | 0x04 | 0x11 | 0x12 | 0x14 => {
            let h = match r.al() & 0x0F {
                1 => 14,
                2 => 8,
                _ => 16,
            };
            load_font(bus, rom(h), 256, 0, h, r.bl());
            if r.al() & 0x10 != 0 {
                recalc(bus, h);
            }
        }
        0x03 => hw::seq_write(bus, 3, r.bl()),
        0x20 => bus.write_u32(0x1F * 4, u32::from(r.es) << 16 | (r.ebp & 0xFFFF)),
        0x21..=0x24 => {
            let (ptr, h) = match r.al() {
                0x21 => (
                    u32::from(r.es) << 16 | (r.ebp & 0xFFFF),
                    r.cx().clamp(1, 32) as u8,
                ),
                0x22 => (
                    u32::from(ROM_SEGMENT) << 16 | u32::from(fw.header.font8x14),
                    14,
                ),
                0x23 => (
                    u32::from(ROM_SEGMENT) << 16 | u32::from(fw.header.font8x8),
                    8,
                ),
                _ => (
                    u32::from(ROM_SEGMENT) << 16 | u32::from(fw.header.font8x16),
                    16,
                ),
            };
            bus.write_u32(0x43 * 4, ptr);
            bus.write_u8(at(bda::CHAR_HEIGHT), h);
            // BL: 0 = DL rows, 1 = 14, 2 = 25, 3 = 43.
            let rows = match r.bl() {
                0 => r.dl(),
                1 => 14,
                2 => 25,
                _ => 43,
            };
            bus.write_u8(at(bda::VIDEO_ROWS), rows.saturating_sub(1));
        }
        0x30 => font_info(fw, r, bus),
        _ => {}
    }
}

/// AX=1130h: ES:BP = the font BH selects, CX = character height, DL =
/// rows - 1.
fn font_info(fw: &Firmware, r: &mut Regs, bus: &mut dyn Bus) {
    let (seg, off) = match r.bh() {
        0 => {
            let v = bus.read_u32(0x1F * 4);
            ((v >> 16) as u16, v as u16)
        }
        1 => {
            let v = bus.read_u32(0x43 * 4);
            ((v >> 16) as u16, v as u16)
        }
        2 => (ROM_SEGMENT, fw.header.font8x14),
        3 => (ROM_SEGMENT, fw.header.font8x8),
        4 => (ROM_SEGMENT, fw.header.font8x8.wrapping_add(128 * 8)),
        5 | 7 => (ROM_SEGMENT, fw.header.font_alt),
        _ => (ROM_SEGMENT, fw.header.font8x16),
    };
    r.es = seg;
    r.ebp = (r.ebp & 0xFFFF_0000) | u32::from(off);
    r.set_cx(u16::from(bus.read_u8(at(bda::CHAR_HEIGHT))));
    r.set_dl(bus.read_u8(at(bda::VIDEO_ROWS)));
}

#[cfg(test)]
mod tests {
    use super::super::set_mode;
    use super::*;
    use crate::firmware::testutil::setup;

    #[test]
    fn mode_set_loads_the_rom_font_into_plane_2() {
        let (mut fw, mut bus, _) = setup();
        set_mode(&mut fw, &mut bus, 3);
        let a = usize::from(fw.header.font8x16) + 0x41 * 16;
        let want = crate::firmware::ROM_IMAGE[a..a + 16].to_vec();
        assert_eq!(&bus.vga.mem.planes[2][0x41 * 32..0x41 * 32 + 16], &want[..]);
        // Planes 0/1 hold blanks; the host view at B8000 is text again.
        assert_eq!(bus.vga.mem.planes[0][0], b' ');
        assert_eq!(bus.vga.mem.planes[1][0], 0x07);
        assert_eq!(bus.read_u16(0xB8000), 0x0720);
    }

    #[test]
    fn font_1112_gives_80x50() {
        let (mut fw, mut bus, mut r) = setup();
        set_mode(&mut fw, &mut bus, 3);
        r.set_ax(0x1112);
        r.set_bx(0);
        int10_11(&mut fw, &mut r, &mut bus);
        assert_eq!(bus.read_u8(at(bda::VIDEO_ROWS)), 49);
        assert_eq!(bus.read_u8(at(bda::CHAR_HEIGHT)), 8);
        assert_eq!(bus.vga.text_screen().len(), 50);
        let a = usize::from(fw.header.font8x8) + 0x41 * 8;
        let want = crate::firmware::ROM_IMAGE[a..a + 8].to_vec();
        assert_eq!(&bus.vga.mem.planes[2][0x41 * 32..0x41 * 32 + 8], &want[..]);
        // Teletype reaches row 49 before scrolling.
        r.set_ax(0x0200);
        r.set_dx(49 << 8);
        super::super::int10(&mut fw, &mut r, &mut bus);
        for &c in b"bottom" {
            r.set_ax(0x0E00 | u16::from(c));
            super::super::int10(&mut fw, &mut r, &mut bus);
        }
        assert!(bus.vga.text_screen()[49].starts_with("bottom"));
        // 1130h reports the 8-line font and 49.
        r.set_ax(0x1130);
        r.set_bx(0x0300);
        int10_11(&mut fw, &mut r, &mut bus);
        assert_eq!((r.cx(), r.dl(), r.ebp as u16), (8, 49, fw.header.font8x8));
    }

    #[test]
    fn user_font_1110h() {
        let (mut fw, mut bus, mut r) = setup();
        set_mode(&mut fw, &mut bus, 3);
        // Two 10-line glyphs for 'a' and 'b' at ES:BP, block 0, with recalc.
        let glyphs: Vec<u8> = (0..20).collect();
        bus.write(0x600, &glyphs);
        r.es = 0x60;
        r.ebp = 0;
        r.set_cx(2);
        r.set_dx(u16::from(b'a'));
        r.set_bx(0x0A00);
        r.set_ax(0x1110);
        int10_11(&mut fw, &mut r, &mut bus);
        let a = usize::from(b'b') * 32;
        assert_eq!(
            &bus.vga.mem.planes[2][a..a + 11],
            &[10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 0]
        );
        // 400 lines / 10 = 40 rows.
        assert_eq!(bus.read_u8(at(bda::VIDEO_ROWS)), 39);
        assert_eq!(bus.vga.text_screen().len(), 40);
        // A 1-line font does not underflow the cursor lines.
        r.set_bx(0x0100);
        r.set_ax(0x1110);
        int10_11(&mut fw, &mut r, &mut bus);
        assert_eq!(bus.read_u8(at(bda::CHAR_HEIGHT)), 1);
    }
}
