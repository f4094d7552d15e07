//! INT 10h, video services, for the text modes (IBM PC/AT Technical
//! Reference, "Video I/O"; VGA BIOS functions 10h–1Ah as in the IBM VGA
//! technical reference).
//!
//! Text goes to video memory at B8000h (B0000h for mode 7), where the
//! machine has RAM until the VGA device of issue 7 exists; the cursor
//! position is also written to the CRTC cursor registers (0Eh/0Fh) so a
//! VGA model picks it up. State lives in the BDA (mode, columns, page
//! size and offset, cursor positions and shape, active page, rows).
//!
//! Implemented: 00h set mode (0–3 and 7 text, 13h clears A0000h; the
//! others are refused), 01h cursor shape, 02h/03h cursor, 05h page,
//! 06h/07h scroll, 08h read char/attr, 09h/0Ah write char, 0Eh teletype
//! (optionally copied to COM1, [`super::FirmwareConfig::serial_console`]),
//! 0Fh get mode, 1130h font information, 1210h EGA information, 13h write
//! string, 1A00h display combination. The 10h palette calls are accepted
//! and ignored. VBE (4Fxxh) answers "function failed" (AX = 014Fh) until
//! the VGA with its VBE modes exists. Graphics mode 13h gets no glyph
//! drawing (teletype only moves the cursor there). The ROM's fonts (code
//! page 437) come from the public-domain X11 "misc-fixed" 8x16 glyphs
//! (Debian console-setup's Uni2-Fixed16, converted by `rom/mkfont.py`);
//! the 8x8 font is derived from them; a few control-character symbols are
//! blank.

use super::bda::{self, at};
use super::{Bus, Firmware, Outcome, Regs, ROM_SEGMENT};

/// Colour text memory.
pub const TEXT_COLOR_BASE: u32 = 0xB_8000;
/// Monochrome text memory.
pub const TEXT_MONO_BASE: u32 = 0xB_0000;
/// Graphics window.
pub const GRAPHICS_BASE: u32 = 0xA_0000;
/// Blank cell: space on light grey.
const BLANK_ATTR: u8 = 0x07;
/// CRTC cursor location registers.
const CRTC_CURSOR_HIGH: u8 = 0x0E;
const CRTC_CURSOR_LOW: u8 = 0x0F;
/// COM1 transmit register.
const COM1_THR: u16 = 0x3F8;

/// Text geometry of the current mode.
#[derive(Clone, Copy, Debug)]
struct Screen {
    cols: u32,
    rows: u32,
    base: u32,
    page_size: u32,
    text: bool,
}

fn screen(bus: &mut dyn Bus) -> Screen {
    let mode = bus.read_u8(at(bda::VIDEO_MODE));
    let cols = u32::from(bus.read_u16(at(bda::VIDEO_COLUMNS))).clamp(1, 255);
    let rows = (u32::from(bus.read_u8(at(bda::VIDEO_ROWS))) + 1).clamp(1, 255);
    let page_size = u32::from(bus.read_u16(at(bda::VIDEO_PAGE_SIZE)));
    Screen {
        cols,
        rows,
        base: if mode == 7 {
            TEXT_MONO_BASE
        } else {
            TEXT_COLOR_BASE
        },
        page_size,
        text: matches!(mode, 0..=3 | 7),
    }
}

impl Screen {
    fn cell(&self, page: u8, row: u32, col: u32) -> u32 {
        self.base + u32::from(page & 7) * self.page_size + (row * self.cols + col) * 2
    }
}

/// Set video mode `mode` (bit 7: keep memory). Returns false for modes
/// this BIOS does not provide.
pub fn set_mode(_fw: &mut Firmware, bus: &mut dyn Bus, mode: u8) -> bool {
    let keep = mode & 0x80 != 0;
    let mode = mode & 0x7F;
    let (cols, text) = match mode {
        0 | 1 => (40u16, true),
        2 | 3 | 7 => (80, true),
        0x13 => (40, false),
        _ => return false,
    };
    bus.write_u8(at(bda::VIDEO_MODE), mode);
    bus.write_u16(at(bda::VIDEO_COLUMNS), cols);
    let page_size: u16 = if text {
        if cols == 40 {
            0x800
        } else {
            0x1000
        }
    } else {
        0
    };
    bus.write_u16(at(bda::VIDEO_PAGE_SIZE), page_size);
    bus.write_u16(at(bda::VIDEO_PAGE_OFFSET), 0);
    bus.write(at(bda::CURSOR_POS), &[0; 16]);
    bus.write_u16(
        at(bda::CURSOR_SHAPE),
        if mode == 7 { 0x0B0C } else { 0x0607 },
    );
    bus.write_u8(at(bda::ACTIVE_PAGE), 0);
    bus.write_u16(at(bda::CRTC_BASE), if mode == 7 { 0x3B4 } else { 0x3D4 });
    bus.write_u8(at(bda::MODE_CONTROL), if text { 0x29 } else { 0x09 });
    bus.write_u8(at(bda::PALETTE), 0x30);
    bus.write_u8(at(bda::VIDEO_ROWS), 24);
    bus.write_u8(at(bda::CHAR_HEIGHT), if text { 16 } else { 8 });
    bus.write_u8(at(bda::VIDEO_CONTROL), 0x60);
    bus.write_u8(at(bda::VIDEO_SWITCHES), 0x09);
    bus.write_u8(at(bda::VGA_FLAGS), 0x51);
    if !keep {
        if text {
            let s = screen(bus);
            let blank: Vec<u8> = [b' ', BLANK_ATTR].repeat((s.page_size as usize / 2) * 8);
            bus.write(s.base, &blank);
        } else {
            bus.write(GRAPHICS_BASE, &vec![0u8; 320 * 200]);
        }
    }
    update_hw_cursor(bus, 0);
    true
}

fn cursor(bus: &mut dyn Bus, page: u8) -> (u32, u32) {
    let a = at(bda::CURSOR_POS) + 2 * u32::from(page & 7);
    let col = bus.read_u8(a);
    let row = bus.read_u8(a + 1);
    (u32::from(row), u32::from(col))
}

fn set_cursor(bus: &mut dyn Bus, page: u8, row: u32, col: u32) {
    let a = at(bda::CURSOR_POS) + 2 * u32::from(page & 7);
    bus.write(a, &[col as u8, row as u8]);
    if page & 7 == bus.read_u8(at(bda::ACTIVE_PAGE)) {
        update_hw_cursor(bus, page);
    }
}

fn update_hw_cursor(bus: &mut dyn Bus, page: u8) {
    let s = screen(bus);
    let (row, col) = cursor(bus, page);
    let pos = (u32::from(page & 7) * s.page_size / 2 + row * s.cols + col) as u16;
    let crtc = bus.read_u16(at(bda::CRTC_BASE));
    let crtc = if crtc == 0x3B4 { 0x3B4 } else { 0x3D4 };
    bus.outb(crtc, CRTC_CURSOR_HIGH);
    bus.outb(crtc + 1, (pos >> 8) as u8);
    bus.outb(crtc, CRTC_CURSOR_LOW);
    bus.outb(crtc + 1, pos as u8);
}

/// Scroll the window (r0,c0)-(r1,c1) of `page` up (or down) by `lines`
/// (0: clear), filling with `attr`.
#[allow(clippy::too_many_arguments)]
fn scroll(
    bus: &mut dyn Bus,
    page: u8,
    lines: u32,
    attr: u8,
    (r0, c0): (u32, u32),
    (r1, c1): (u32, u32),
    up: bool,
) {
    let s = screen(bus);
    if !s.text {
        return;
    }
    let r1 = r1.min(s.rows - 1);
    let c1 = c1.min(s.cols - 1);
    if r0 > r1 || c0 > c1 {
        return;
    }
    let height = r1 - r0 + 1;
    let lines = if lines == 0 || lines > height {
        height
    } else {
        lines
    };
    let width = ((c1 - c0 + 1) * 2) as usize;
    let mut row_buf = vec![0u8; width];
    let blank: Vec<u8> = [b' ', attr].repeat(width / 2);
    for i in 0..height {
        let dst = if up { r0 + i } else { r1 - i };
        if i + lines < height {
            let src = if up { dst + lines } else { dst - lines };
            bus.read(s.cell(page, src, c0), &mut row_buf);
            bus.write(s.cell(page, dst, c0), &row_buf);
        } else {
            bus.write(s.cell(page, dst, c0), &blank);
        }
    }
}

/// Teletype output of `ch` on `page` (BEL ignored, BS, CR, LF; scrolls
/// with attribute 07h at the bottom).
pub fn teletype(fw: &Firmware, bus: &mut dyn Bus, page: u8, ch: u8) {
    if fw.config.serial_console {
        bus.outb(COM1_THR, ch);
    }
    let s = screen(bus);
    let (mut row, mut col) = cursor(bus, page);
    match ch {
        0x07 => return,
        0x08 => col = col.saturating_sub(1),
        b'\r' => col = 0,
        b'\n' => row += 1,
        _ => {
            if s.text {
                bus.write_u8(s.cell(page, row.min(s.rows - 1), col.min(s.cols - 1)), ch);
            }
            col += 1;
        }
    }
    if col >= s.cols {
        col = 0;
        row += 1;
    }
    if row >= s.rows {
        let attr = if s.text {
            bus.read_u8(s.cell(page, s.rows - 1, 0) + 1)
        } else {
            BLANK_ATTR
        };
        scroll(bus, page, 1, attr, (0, 0), (s.rows - 1, s.cols - 1), true);
        row = s.rows - 1;
    }
    set_cursor(bus, page, row, col);
}

fn write_chars(bus: &mut dyn Bus, page: u8, ch: u8, attr: Option<u8>, count: u32) {
    let s = screen(bus);
    if !s.text {
        return;
    }
    let (row, col) = cursor(bus, page);
    let start = row * s.cols + col;
    let end = (start + count).min(s.rows * s.cols);
    for p in start..end {
        let a = s.cell(page, p / s.cols, p % s.cols);
        bus.write_u8(a, ch);
        if let Some(at) = attr {
            bus.write_u8(a + 1, at);
        }
    }
}

/// The INT 10h dispatcher.
pub fn int10(fw: &mut Firmware, r: &mut Regs, bus: &mut dyn Bus) -> Outcome {
    match r.ah() {
        0x00 if set_mode(fw, bus, r.al()) => {
            // AL = 30h for modes 0–5 and 7 (IBM), 20h otherwise.
            r.set_al(if r.al() & 0x7F <= 7 { 0x30 } else { 0x20 });
        }
        0x01 => bus.write_u16(at(bda::CURSOR_SHAPE), r.cx()),
        0x02 => set_cursor(bus, r.bh(), u32::from(r.dh()), u32::from(r.dl())),
        0x03 => {
            let (row, col) = cursor(bus, r.bh());
            r.set_dh(row as u8);
            r.set_dl(col as u8);
            r.set_cx(bus.read_u16(at(bda::CURSOR_SHAPE)));
        }
        0x05 => {
            let page = r.al() & 7;
            bus.write_u8(at(bda::ACTIVE_PAGE), page);
            let size = bus.read_u16(at(bda::VIDEO_PAGE_SIZE));
            bus.write_u16(
                at(bda::VIDEO_PAGE_OFFSET),
                size.wrapping_mul(u16::from(page)),
            );
            update_hw_cursor(bus, page);
        }
        0x06 | 0x07 => {
            let page = bus.read_u8(at(bda::ACTIVE_PAGE));
            scroll(
                bus,
                page,
                u32::from(r.al()),
                r.bh(),
                (u32::from(r.ch()), u32::from(r.cl())),
                (u32::from(r.dh()), u32::from(r.dl())),
                r.ah() == 0x06,
            );
        }
        0x08 => {
            let s = screen(bus);
            let (row, col) = cursor(bus, r.bh());
            if s.text && row < s.rows && col < s.cols {
                let a = s.cell(r.bh(), row, col);
                let ch = bus.read_u8(a);
                let attr = bus.read_u8(a + 1);
                r.set_ax(u16::from(attr) << 8 | u16::from(ch));
            } else {
                r.set_ax(0);
            }
        }
        0x09 => write_chars(bus, r.bh(), r.al(), Some(r.bl()), u32::from(r.cx())),
        0x0A => write_chars(bus, r.bh(), r.al(), None, u32::from(r.cx())),
        0x0E => {
            let page = bus.read_u8(at(bda::ACTIVE_PAGE));
            teletype(fw, bus, page, r.al());
        }
        0x0F => {
            r.set_ah(bus.read_u16(at(bda::VIDEO_COLUMNS)) as u8);
            r.set_al(bus.read_u8(at(bda::VIDEO_MODE)));
            r.set_bh(bus.read_u8(at(bda::ACTIVE_PAGE)));
        }
        0x10 => {}
        0x11 if r.al() == 0x30 => font_info(fw, r, bus),
        0x12 if r.bl() == 0x10 => {
            // Colour, 256 KiB, feature bits 0, switches 9.
            r.set_bx(0x0003);
            r.set_cx(0x0009);
        }
        0x13 => write_string(fw, r, bus),
        0x1A if r.al() == 0x00 => {
            r.set_al(0x1A);
            // Active display: VGA with colour analog monitor; no alternate.
            r.set_bx(0x0008);
        }
        0x4F => r.set_ax(0x014F),
        _ => {}
    }
    Outcome::Done
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
        3 => (ROM_SEGMENT, fw.header.font8x8),
        4 => (ROM_SEGMENT, fw.header.font8x8.wrapping_add(128 * 8)),
        // 8x14 and the 9-dot alternates: the 8x16 font.
        _ => (ROM_SEGMENT, fw.header.font8x16),
    };
    r.es = seg;
    r.ebp = (r.ebp & 0xFFFF_0000) | u32::from(off);
    r.set_cx(u16::from(bus.read_u8(at(bda::CHAR_HEIGHT))));
    r.set_dl(bus.read_u8(at(bda::VIDEO_ROWS)));
}

/// AH=13h: write the string at ES:BP (CX characters, or cells with AL
/// bit 1) at DH,DL on page BH; AL bit 0 moves the cursor.
fn write_string(fw: &Firmware, r: &mut Regs, bus: &mut dyn Bus) {
    let page = r.bh();
    let (old_row, old_col) = cursor(bus, page);
    set_cursor(bus, page, u32::from(r.dh()), u32::from(r.dl()));
    let cells = r.al() & 2 != 0;
    let mut off = r.ebp as u16;
    let mut attr = r.bl();
    for _ in 0..r.cx() {
        let ch = bus.read_u8(Regs::linear(r.es, off));
        off = off.wrapping_add(1);
        if cells {
            attr = bus.read_u8(Regs::linear(r.es, off));
            off = off.wrapping_add(1);
        }
        match ch {
            0x07 | 0x08 | b'\r' | b'\n' => teletype(fw, bus, page, ch),
            _ => {
                write_chars(bus, page, ch, Some(attr), 1);
                let s = screen(bus);
                let (row, col) = cursor(bus, page);
                // Advance like teletype without writing the character again.
                let (mut row, mut col) = (row, col + 1);
                if col >= s.cols {
                    col = 0;
                    row += 1;
                }
                if row >= s.rows {
                    scroll(bus, page, 1, attr, (0, 0), (s.rows - 1, s.cols - 1), true);
                    row = s.rows - 1;
                }
                set_cursor(bus, page, row, col);
            }
        }
    }
    if r.al() & 1 == 0 {
        set_cursor(bus, page, old_row, old_col);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::testutil::setup;

    fn call(fw: &mut Firmware, bus: &mut dyn Bus, r: &mut Regs, ax: u16) {
        r.set_ax(ax);
        assert_eq!(int10(fw, r, bus), Outcome::Done);
    }

    #[test]
    fn teletype_writes_wraps_and_scrolls() {
        let (mut fw, mut bus, mut r) = setup();
        assert!(set_mode(&mut fw, &mut bus, 3));
        for &c in b"Hi\r\nX" {
            call(&mut fw, &mut bus, &mut r, 0x0E00 | u16::from(c));
        }
        assert_eq!(bus.read_u16(TEXT_COLOR_BASE), 0x0748);
        assert_eq!(bus.read_u8(TEXT_COLOR_BASE + 2), b'i');
        assert_eq!(bus.read_u8(TEXT_COLOR_BASE + 160), b'X');
        call(&mut fw, &mut bus, &mut r, 0x0300);
        assert_eq!((r.dh(), r.dl()), (1, 1));
        // To the last row, then one more line: everything moves up.
        r.set_dx(24 << 8 | 79);
        call(&mut fw, &mut bus, &mut r, 0x0200);
        call(&mut fw, &mut bus, &mut r, 0x0E00 | u16::from(b'Z'));
        call(&mut fw, &mut bus, &mut r, 0x0300);
        assert_eq!((r.dh(), r.dl()), (24, 0));
        assert_eq!(bus.read_u8(TEXT_COLOR_BASE + 23 * 160 + 158), b'Z');
        assert_eq!(bus.read_u8(TEXT_COLOR_BASE), b'X', "scrolled up one line");
        // The CRTC cursor registers follow.
        assert!(bus.outs.contains(&(0x3D4, 0x0F)));
    }

    #[test]
    fn serial_console_copies_teletype() {
        let (mut fw, mut bus, mut r) = setup();
        fw.config.serial_console = true;
        set_mode(&mut fw, &mut bus, 3);
        call(&mut fw, &mut bus, &mut r, 0x0E41);
        assert!(bus.outs.contains(&(0x3F8, 0x41)));
    }

    #[test]
    fn scroll_window_and_write_char_attr() {
        let (mut fw, mut bus, mut r) = setup();
        set_mode(&mut fw, &mut bus, 3);
        // 'A' x3 with attribute 1Fh at row 2.
        r.set_dx(2 << 8);
        call(&mut fw, &mut bus, &mut r, 0x0200);
        r.set_bx(0x001F);
        r.set_cx(3);
        call(&mut fw, &mut bus, &mut r, 0x0941);
        assert_eq!(bus.read_u16(TEXT_COLOR_BASE + 2 * 160 + 4), 0x1F41);
        call(&mut fw, &mut bus, &mut r, 0x0800);
        assert_eq!(r.ax(), 0x1F41);
        // Scroll rows 1–3, columns 0–1 up by 1 with attribute 70h.
        r.set_bx(0x7000);
        r.set_cx(0x0100);
        r.set_dx(0x0301);
        call(&mut fw, &mut bus, &mut r, 0x0601);
        assert_eq!(bus.read_u16(TEXT_COLOR_BASE + 160), 0x1F41);
        assert_eq!(bus.read_u16(TEXT_COLOR_BASE + 3 * 160), 0x7020);
        assert_eq!(
            bus.read_u16(TEXT_COLOR_BASE + 2 * 160 + 4),
            0x1F41,
            "outside the window"
        );
        // Scroll down with AL = 0 clears; huge window coordinates are clamped.
        r.set_cx(0);
        r.set_dx(0xFFFF);
        call(&mut fw, &mut bus, &mut r, 0x0700);
        assert_eq!(bus.read_u16(TEXT_COLOR_BASE + 160), 0x7020);
    }

    #[test]
    fn modes_and_queries() {
        let (mut fw, mut bus, mut r) = setup();
        call(&mut fw, &mut bus, &mut r, 0x0013);
        call(&mut fw, &mut bus, &mut r, 0x0F00);
        assert_eq!((r.ah(), r.al()), (40, 0x13));
        call(&mut fw, &mut bus, &mut r, 0x0003);
        assert_eq!(r.al(), 0x30);
        call(&mut fw, &mut bus, &mut r, 0x0F00);
        assert_eq!((r.ah(), r.al(), r.bh()), (80, 3, 0));
        // Unsupported mode: unchanged.
        call(&mut fw, &mut bus, &mut r, 0x0012);
        call(&mut fw, &mut bus, &mut r, 0x0F00);
        assert_eq!(r.al(), 3);
        call(&mut fw, &mut bus, &mut r, 0x1A00);
        assert_eq!((r.al(), r.bl()), (0x1A, 0x08));
        r.set_bx(0x0600);
        call(&mut fw, &mut bus, &mut r, 0x1130);
        assert_eq!((r.es, r.ebp as u16), (0xF000, fw.header.font8x16));
        assert_eq!((r.cx(), r.dl()), (16, 24));
        call(&mut fw, &mut bus, &mut r, 0x4F00);
        assert_eq!(r.ax(), 0x014F);
    }

    #[test]
    fn rom_fonts_have_glyphs() {
        let h = crate::firmware::RomHeader::parse(crate::firmware::ROM_IMAGE);
        let glyph = |off: u16, size: usize, c: usize| {
            let at = usize::from(off) + c * size;
            crate::firmware::ROM_IMAGE[at..at + size].to_vec()
        };
        // 'A' is drawn, space is blank, in both fonts.
        assert!(glyph(h.font8x16, 16, 0x41).iter().any(|&b| b != 0));
        assert!(glyph(h.font8x16, 16, 0x20).iter().all(|&b| b == 0));
        assert!(glyph(h.font8x8, 8, 0x41).iter().any(|&b| b != 0));
        assert_eq!(glyph(h.font8x16, 16, 0xDB), vec![0xFF; 16], "full block");
    }

    #[test]
    fn write_string_with_cursor_update() {
        let (mut fw, mut bus, mut r) = setup();
        set_mode(&mut fw, &mut bus, 3);
        bus.write(0x500, b"ok");
        r.es = 0x50;
        r.ebp = 0;
        r.set_bx(0x0007);
        r.set_cx(2);
        r.set_dx(0x0505);
        call(&mut fw, &mut bus, &mut r, 0x1301);
        assert_eq!(bus.read_u8(TEXT_COLOR_BASE + 5 * 160 + 10), b'o');
        assert_eq!(bus.read_u8(TEXT_COLOR_BASE + 5 * 160 + 12), b'k');
        call(&mut fw, &mut bus, &mut r, 0x0300);
        assert_eq!(r.dx(), 0x0507);
    }
}
