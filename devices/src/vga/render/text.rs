//! Alphanumeric modes: character codes in plane 0, attributes in plane 1, the
//! font in plane 2 (32 bytes per glyph at the Character Map Select offsets),
//! 8/9-dot cells with the Line Graphics 9th column (C0h–DFh), the CRTC cursor
//! (location CR0E:0F, scan lines CR0A–CR0B, blinking every 16 frames) and the
//! blink attribute (every 32 frames, Attribute Mode bit 3), and the underline
//! of monochrome emulation (Attribute Mode bit 1; attribute bits 6–4 = 000 and
//! 2–0 = 001 on the Underline Location scan line, CR14 bits 4–0).

use super::{Framebuffer, Vga};

impl Vga {
    pub(super) fn render_text(&mut self, fb: &mut Framebuffer, full: bool, blink: u64) {
        let palette: [u32; 16] =
            core::array::from_fn(|i| self.dac.rgb(self.attr.dac_index(i as u8)));
        let cols = self.crtc.h_chars();
        let cw = if self.seq.dot8() { 8 } else { 9 };
        let (font_b, font_a) = self.seq.font_bases();
        let cursor = self.crtc.cursor_shape();
        let cursor_loc = self.crtc.cursor_location();
        let cursor_on = blink.is_multiple_of(2);
        let char_on = (blink / 2).is_multiple_of(2);
        let blink_attr = self.attr.blink();
        let line_gfx = self.attr.line_graphics();
        // Underline: monochrome emulation, attribute x000x001, at CR14's scan line.
        let underline_row = self
            .attr
            .mono()
            .then_some(self.crtc.regs[super::super::crtc::UNDERLINE_LOC] as usize & 0x1F);
        let step = self.crtc.address_step();
        let width = fb.width;
        let height = fb.height;
        let planes = &self.mem.planes;
        let mem = &self.mem;
        let crtc = &self.crtc;
        let pixels = &mut fb.pixels;
        self.scan_lines(height, |sl| {
            let first = crtc.memory_address(sl.counter, sl.row_scan);
            if !full && !mem.range_dirty(first, (cols + 1) * step) {
                return;
            }
            let row = &mut pixels[sl.y * width..(sl.y + 1) * width];
            let glyph_row = sl.row_scan & 0x1F;
            for c in 0..=cols {
                let counter = (sl.counter + c) & 0xFFFF;
                let a = crtc.memory_address(counter, sl.row_scan);
                let code = planes[0][a];
                let at = planes[1][a];
                let base = if at & 0x08 != 0 { font_a } else { font_b };
                let glyph = planes[2][(base + code as usize * 32 + glyph_row) & 0xFFFF];
                let fg = palette[(at & 0x0F) as usize];
                let bg_i = if blink_attr { (at >> 4) & 7 } else { at >> 4 };
                let bg = palette[bg_i as usize];
                let blink_off = blink_attr && at & 0x80 != 0 && !char_on;
                let in_cursor = cursor_on
                    && counter == cursor_loc
                    && cursor.is_some_and(|(s, e)| s <= sl.row_scan && sl.row_scan <= e);
                for dx in 0..cw {
                    let bit = if dx < 8 {
                        glyph >> (7 - dx) & 1 != 0
                    } else {
                        line_gfx && (0xC0..=0xDF).contains(&code) && glyph & 1 != 0
                    };
                    let underline = underline_row == Some(sl.row_scan) && at & 0x77 == 0x01;
                    let on = in_cursor || ((bit || underline) && !blink_off);
                    let x = (c * cw + dx) as isize - sl.pan as isize;
                    if x >= 0 && (x as usize) < width {
                        row[x as usize] = if on { fg } else { bg };
                    }
                }
            }
        });
    }
}

/// CP437 code page to Unicode (the glyphs of the VGA ROM font).
pub(super) fn cp437(b: u8) -> char {
    const LOW: &str = " ☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼";
    const HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■ ";
    match b {
        0x00..=0x1F => LOW.chars().nth(b as usize).unwrap_or(' '),
        0x7F => '⌂',
        0x80..=0xFF => HIGH.chars().nth(b as usize - 0x80).unwrap_or(' '),
        _ => b as char,
    }
}
