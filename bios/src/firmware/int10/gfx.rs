//! Graphics-mode services: pixels (INT 10h AH=0Ch/0Dh), glyphs drawn for
//! the character functions, and scrolling, for the CGA modes (two 8 KiB
//! banks for even and odd lines at B8000h), the 16-colour planar modes
//! (write mode 2 with the Bit Mask, plane reads through Read Map Select;
//! IBM VGA Technical Reference, "Graphics Controller") and mode 13h.

use super::super::{Bus, Firmware};
use super::hw;
use super::modes::{self, Kind};
use super::text::{screen, Screen};

/// Graphics controller registers used here.
const GC_SET_RESET: u8 = 0;
const GC_ENABLE_SET_RESET: u8 = 1;
const GC_DATA_ROTATE: u8 = 3;
const GC_READ_MAP: u8 = 4;
const GC_MODE: u8 = 5;
const GC_BIT_MASK: u8 = 8;
/// Data Rotate function XOR.
const FUNC_XOR: u8 = 0x18;
/// Bytes per line of the CGA banks.
const CGA_PITCH: u32 = 80;
const CGA_BANK: u32 = 0x2000;

/// Width and height in pixels of the current graphics mode.
fn size(s: &Screen) -> (u32, u32) {
    modes::find(s.mode).map_or((0, 0), |m| (u32::from(m.width), u32::from(m.height)))
}

/// Start of pixel row `y` of `page`.
fn row_addr(s: &Screen, page: u8, y: u32) -> u32 {
    match s.kind {
        Some(Kind::Cga4 | Kind::Cga2) => s.base + (y & 1) * CGA_BANK + (y >> 1) * CGA_PITCH,
        Some(Kind::Linear) => s.base + y * 320,
        // Planar pages beyond the mode's count wrap (never outside the window).
        _ => {
            let pages = modes::find(s.mode).map_or(1, |m| u32::from(m.pages.max(1)));
            s.base + (u32::from(page) % pages) * s.page_size + y * s.cols
        }
    }
}

/// Bytes a character cell is wide.
fn cell_bytes(s: &Screen) -> u32 {
    match s.kind {
        Some(Kind::Cga4) => 2,
        Some(Kind::Linear) => 8,
        _ => 1,
    }
}

/// AH=0Ch: pixel (x, y) of `page` = `color` (bit 7: XOR, except 13h).
pub fn write_pixel(fw: &Firmware, bus: &mut dyn Bus, page: u8, x: u32, y: u32, color: u8) {
    let s = screen(fw, bus);
    let (w, h) = size(&s);
    if x >= w || y >= h {
        return;
    }
    let xor = color & 0x80 != 0;
    let row = row_addr(&s, page, y);
    match s.kind {
        Some(Kind::Cga4) => {
            let a = row + x / 4;
            let sh = 6 - 2 * (x & 3);
            let old = bus.read_u8(a);
            let bits = (color & 3) << sh;
            let v = if xor {
                old ^ bits
            } else {
                (old & !(3 << sh)) | bits
            };
            bus.write_u8(a, v);
        }
        Some(Kind::Cga2) => {
            let a = row + x / 8;
            let bit = 0x80 >> (x & 7);
            let old = bus.read_u8(a);
            let v = match (xor, color & 1 != 0) {
                (true, true) => old ^ bit,
                (true, false) => old,
                (false, true) => old | bit,
                (false, false) => old & !bit,
            };
            bus.write_u8(a, v);
        }
        Some(Kind::Planar) => {
            planar_write(bus, row + x / 8, 0x80 >> (x & 7), color & 0x0F, xor);
        }
        Some(Kind::Linear) => bus.write_u8(row + x, color),
        _ => {}
    }
}

/// Write mode 2: `color` into the pixels of `mask` at `addr` (all planes).
fn planar_write(bus: &mut dyn Bus, addr: u32, mask: u8, color: u8, xor: bool) {
    hw::gc_write(bus, GC_MODE, 0x02);
    hw::gc_write(bus, GC_BIT_MASK, mask);
    if xor {
        hw::gc_write(bus, GC_DATA_ROTATE, FUNC_XOR);
    }
    bus.read_u8(addr); // load the latches
    bus.write_u8(addr, color);
    hw::gc_write(bus, GC_DATA_ROTATE, 0);
    hw::gc_write(bus, GC_BIT_MASK, 0xFF);
    hw::gc_write(bus, GC_MODE, 0x00);
}

/// AH=0Dh: the colour of pixel (x, y) of `page`.
pub fn read_pixel(fw: &Firmware, bus: &mut dyn Bus, page: u8, x: u32, y: u32) -> u8 {
    let s = screen(fw, bus);
    let (w, h) = size(&s);
    if x >= w || y >= h {
        return 0;
    }
    let row = row_addr(&s, page, y);
    match s.kind {
        Some(Kind::Cga4) => bus.read_u8(row + x / 4) >> (6 - 2 * (x & 3)) & 3,
        Some(Kind::Cga2) => bus.read_u8(row + x / 8) >> (7 - (x & 7)) & 1,
        Some(Kind::Planar) => {
            let mut c = 0;
            for p in 0..4 {
                hw::gc_write(bus, GC_READ_MAP, p);
                c |= (bus.read_u8(row + x / 8) >> (7 - (x & 7)) & 1) << p;
            }
            hw::gc_write(bus, GC_READ_MAP, 0);
            c
        }
        Some(Kind::Linear) => bus.read_u8(row + x),
        _ => 0,
    }
}

/// The glyph rows of `ch` from the graphics font (INT 43h; INT 1Fh for
/// 80h–FFh in the 8-line CGA modes).
fn glyph(bus: &mut dyn Bus, s: &Screen, ch: u8) -> Vec<u8> {
    let h = s.char_height as usize;
    let cga = matches!(s.kind, Some(Kind::Cga4 | Kind::Cga2));
    let (vector, index) = if cga && ch >= 0x80 && h == 8 {
        (0x1F, ch - 0x80)
    } else {
        (0x43, ch)
    };
    let v = bus.read_u32(vector * 4);
    let addr = ((v >> 16) << 4) + (v & 0xFFFF) + u32::from(index) * h as u32;
    let mut g = vec![0u8; h];
    bus.read(addr, &mut g);
    g
}

/// Draw `ch` in cell (row, col) of `page` in `color` (bit 7: XOR; the
/// rest of the cell is background 0).
#[allow(clippy::too_many_arguments)]
pub fn draw_char(bus: &mut dyn Bus, s: &Screen, page: u8, row: u32, col: u32, ch: u8, color: u8) {
    let g = glyph(bus, s, ch);
    let xor = color & 0x80 != 0 && s.kind != Some(Kind::Linear);
    let h = s.char_height;
    for (line, &bits) in g.iter().enumerate() {
        let y = row * h + line as u32;
        let a = row_addr(s, page, y) + col * cell_bytes(s);
        match s.kind {
            Some(Kind::Cga4) => {
                let mut v = 0u16;
                for i in 0..8 {
                    if bits >> (7 - i) & 1 != 0 {
                        v |= u16::from(color & 3) << (14 - 2 * i);
                    }
                }
                let mut bytes = [(v >> 8) as u8, v as u8];
                if xor {
                    let mut old = [0u8; 2];
                    bus.read(a, &mut old);
                    bytes = [bytes[0] ^ old[0], bytes[1] ^ old[1]];
                }
                bus.write(a, &bytes);
            }
            Some(Kind::Cga2) => {
                let v = if color & 1 != 0 { bits } else { 0 };
                let v = if xor { v ^ bus.read_u8(a) } else { v };
                bus.write_u8(a, v);
            }
            Some(Kind::Planar) => {
                if xor {
                    planar_write(bus, a, bits, color & 0x0F, true);
                } else {
                    planar_write(bus, a, 0xFF, 0, false);
                    planar_write(bus, a, bits, color & 0x0F, false);
                }
            }
            Some(Kind::Linear) => {
                let px: Vec<u8> = (0..8)
                    .map(|i| if bits >> (7 - i) & 1 != 0 { color } else { 0 })
                    .collect();
                bus.write(a, &px);
            }
            _ => {}
        }
    }
}

/// AH=08h in a graphics mode: the character whose glyph (INT 43h font)
/// matches cell (row, col) of `page`, pixels other than 0 counting as
/// foreground; 0 when none does.
pub fn read_char(fw: &Firmware, bus: &mut dyn Bus, page: u8, row: u32, col: u32) -> u8 {
    let s = screen(fw, bus);
    let h = s.char_height;
    let cell: Vec<u8> = (0..h)
        .map(|line| {
            (0..8).fold(0u8, |acc, i| {
                let px = read_pixel(fw, bus, page, col * 8 + i, row * h + line);
                acc | u8::from(px != 0) << (7 - i)
            })
        })
        .collect();
    (0..=255u8)
        .find(|&c| glyph(bus, &s, c) == cell)
        .unwrap_or(0)
}

/// Scroll a window of character cells in a graphics mode, filling with
/// colour `fill`.
#[allow(clippy::too_many_arguments)]
pub fn scroll(
    bus: &mut dyn Bus,
    s: &Screen,
    page: u8,
    lines: u32,
    fill: u8,
    (r0, c0): (u32, u32),
    (r1, c1): (u32, u32),
    up: bool,
) {
    let h = s.char_height;
    let height = r1 - r0 + 1;
    let cb = cell_bytes(s);
    let width = ((c1 - c0 + 1) * cb) as usize;
    let planar = s.kind == Some(Kind::Planar);
    let fill_byte = match s.kind {
        Some(Kind::Cga4) => (fill & 3) * 0x55,
        Some(Kind::Cga2) => {
            if fill & 1 != 0 {
                0xFF
            } else {
                0
            }
        }
        _ => fill,
    };
    let mut buf = vec![0u8; width];
    for i in 0..height {
        let dst = if up { r0 + i } else { r1 - i };
        let src = (i + lines < height).then(|| if up { dst + lines } else { dst - lines });
        for line in 0..h {
            let d = row_addr(s, page, dst * h + line) + c0 * cb;
            match (src, planar) {
                (Some(src), false) => {
                    let sa = row_addr(s, page, src * h + line) + c0 * cb;
                    bus.read(sa, &mut buf);
                    bus.write(d, &buf);
                }
                (Some(src), true) => {
                    // Write mode 1: the latches of each source byte go to
                    // all four planes.
                    let sa = row_addr(s, page, src * h + line) + c0 * cb;
                    hw::gc_write(bus, GC_MODE, 0x01);
                    for k in 0..width as u32 {
                        bus.read_u8(sa + k);
                        bus.write_u8(d + k, 0);
                    }
                    hw::gc_write(bus, GC_MODE, 0x00);
                }
                (None, false) => bus.write(d, &vec![fill_byte; width]),
                (None, true) => {
                    hw::gc_write(bus, GC_SET_RESET, fill & 0x0F);
                    hw::gc_write(bus, GC_ENABLE_SET_RESET, 0x0F);
                    bus.write(d, &vec![0u8; width]);
                    hw::gc_write(bus, GC_ENABLE_SET_RESET, 0);
                    hw::gc_write(bus, GC_SET_RESET, 0);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::set_mode;
    use super::*;
    use crate::firmware::testutil::setup;

    #[test]
    fn pixels_round_trip_in_every_graphics_mode() {
        // (mode, x, y, colour, colour read back)
        let cases = [
            (0x04u8, 13u32, 7u32, 2u8, 2u8),
            (0x06, 601, 199, 1, 1),
            (0x0D, 319, 5, 0x0B, 0x0B),
            (0x0E, 3, 150, 0x0E, 0x0E),
            (0x10, 400, 349, 0x09, 0x09),
            (0x12, 639, 479, 0x0C, 0x0C),
            (0x13, 100, 100, 0xC8, 0xC8),
        ];
        for (mode, x, y, c, back) in cases {
            let (mut fw, mut bus, _) = setup();
            assert!(set_mode(&mut fw, &mut bus, mode));
            write_pixel(&fw, &mut bus, 0, x, y, c);
            assert_eq!(read_pixel(&fw, &mut bus, 0, x, y), back, "mode {mode:#x}");
            assert_eq!(read_pixel(&fw, &mut bus, 0, x ^ 1, y), 0, "mode {mode:#x}");
            // XOR with the same colour clears it (not in 13h).
            if mode != 0x13 {
                write_pixel(&fw, &mut bus, 0, x, y, c | 0x80);
                assert_eq!(read_pixel(&fw, &mut bus, 0, x, y), 0, "mode {mode:#x}");
            }
        }
    }

    #[test]
    fn characters_read_back_from_graphics_cells() {
        for mode in [0x04u8, 0x06, 0x0E, 0x10, 0x12, 0x13] {
            let (mut fw, mut bus, _) = setup();
            set_mode(&mut fw, &mut bus, mode);
            let s = screen(&fw, &mut bus);
            draw_char(&mut bus, &s, 0, 2, 3, b'Q', 0x01);
            assert_eq!(read_char(&fw, &mut bus, 0, 2, 3), b'Q', "mode {mode:#x}");
            // A blank cell reads as the first blank glyph (00h).
            assert_eq!(read_char(&fw, &mut bus, 0, 0, 0), 0, "mode {mode:#x}");
        }
    }

    #[test]
    fn planar_pixel_reaches_the_rendered_frame() {
        let (mut fw, mut bus, _) = setup();
        set_mode(&mut fw, &mut bus, 0x12);
        write_pixel(&fw, &mut bus, 0, 10, 20, 0x04);
        let mut fb = devices::vga::Framebuffer::default();
        bus.vga.render(&mut fb);
        assert_eq!((fb.width, fb.height), (640, 480));
        // Colour 4 = red (2/3 intensity: 0xAA).
        assert_eq!(fb.pixel(10, 20), 0xAA0000);
        assert_eq!(fb.pixel(11, 20), 0);
    }
}
