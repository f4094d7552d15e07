//! Cursor, pages, scrolling and character output (INT 10h AH=01h–03h,
//! 05h–0Ah, 0Eh, 13h) in text modes, and through [`super::gfx`] in
//! graphics modes.

use super::super::bda::{self, at};
use super::super::{Bus, Firmware, Regs};
use super::modes::Kind;
use super::{gfx, hw, CTL_NO_CURSOR_EMULATION};

/// Blank cell attribute: light grey on black.
pub const BLANK_ATTR: u8 = 0x07;
/// CRTC registers the text services program.
const CRTC_CURSOR_START: u8 = 0x0A;
const CRTC_CURSOR_END: u8 = 0x0B;
const CRTC_START_HIGH: u8 = 0x0C;
const CRTC_START_LOW: u8 = 0x0D;
const CRTC_CURSOR_HIGH: u8 = 0x0E;
const CRTC_CURSOR_LOW: u8 = 0x0F;
/// COM1 transmit register.
const COM1_THR: u16 = 0x3F8;

/// Geometry of the current mode, from the BDA and the mode table.
#[derive(Clone, Copy, Debug)]
pub struct Screen {
    pub mode: u8,
    /// `None` in a VBE mode (no BIOS text output there).
    pub kind: Option<Kind>,
    pub cols: u32,
    pub rows: u32,
    pub base: u32,
    pub page_size: u32,
    pub char_height: u32,
}

pub fn screen(fw: &Firmware, bus: &mut dyn Bus) -> Screen {
    let mode = bus.read_u8(at(bda::VIDEO_MODE));
    let table = super::modes::find(mode);
    let cols = u32::from(bus.read_u16(at(bda::VIDEO_COLUMNS))).clamp(1, 255);
    let rows = (u32::from(bus.read_u8(at(bda::VIDEO_ROWS))) + 1).clamp(1, 255);
    let kind = if fw.video.vbe_mode.is_some() {
        None
    } else {
        Some(table.map_or(Kind::Text, |m| m.kind))
    };
    Screen {
        mode,
        kind,
        cols,
        rows,
        base: table.map_or(super::TEXT_COLOR_BASE, |m| m.base),
        page_size: u32::from(bus.read_u16(at(bda::VIDEO_PAGE_SIZE))),
        char_height: u32::from(bus.read_u8(at(bda::CHAR_HEIGHT))).clamp(1, 32),
    }
}

impl Screen {
    pub fn text(&self) -> bool {
        self.kind == Some(Kind::Text)
    }

    /// Address of the cell (row, col) of `page` in a text mode.
    pub fn cell(&self, page: u8, row: u32, col: u32) -> u32 {
        self.base + u32::from(page & 7) * self.page_size + (row * self.cols + col) * 2
    }
}

pub fn cursor(bus: &mut dyn Bus, page: u8) -> (u32, u32) {
    let a = at(bda::CURSOR_POS) + 2 * u32::from(page & 7);
    let col = bus.read_u8(a);
    let row = bus.read_u8(a + 1);
    (u32::from(row), u32::from(col))
}

pub fn set_cursor(fw: &Firmware, bus: &mut dyn Bus, page: u8, row: u32, col: u32) {
    let a = at(bda::CURSOR_POS) + 2 * u32::from(page & 7);
    bus.write(a, &[col as u8, row as u8]);
    if page & 7 == bus.read_u8(at(bda::ACTIVE_PAGE)) {
        update_hw_cursor(fw, bus, page);
    }
}

/// CRTC cursor location of `page`'s cursor (text modes).
pub fn update_hw_cursor(fw: &Firmware, bus: &mut dyn Bus, page: u8) {
    let s = screen(fw, bus);
    if !s.text() {
        return;
    }
    let (row, col) = cursor(bus, page);
    let pos = (u32::from(page & 7) * s.page_size / 2 + row * s.cols + col) as u16;
    hw::crtc_write(bus, CRTC_CURSOR_HIGH, (pos >> 8) as u8);
    hw::crtc_write(bus, CRTC_CURSOR_LOW, pos as u8);
}

/// AH=01h: cursor shape CH (start, bit 5 hides) / CL (end). With cursor
/// emulation on and a character cell taller than 8 lines, CGA shapes
/// (lines 0–7) are scaled: an underline (start within 2 of end) moves to
/// the cell's last lines, a shape starting at the top reaches the bottom,
/// others start at mid-cell.
pub fn set_cursor_shape(fw: &Firmware, bus: &mut dyn Bus, cx: u16) {
    bus.write_u16(at(bda::CURSOR_SHAPE), cx);
    let s = screen(fw, bus);
    if !s.text() {
        return;
    }
    let (mut start, mut end) = ((cx >> 8) as u8, cx as u8 & 0x1F);
    let hidden = start & 0x60 == 0x20;
    start &= 0x1F;
    let h = s.char_height as u8;
    let emulate = bus.read_u8(at(bda::VIDEO_CONTROL)) & CTL_NO_CURSOR_EMULATION == 0;
    if !hidden && emulate && h > 8 && start <= 7 && end <= 7 {
        if end < start {
            // Split cursor on CGA: leave it.
        } else if start + 2 >= end && end >= 3 {
            let len = end - start;
            end = h - 2;
            start = end - len;
        } else if start <= 2 {
            end = h - 2;
        } else {
            start = h / 2;
            end = h - 2;
        }
    }
    hw::crtc_write(
        bus,
        CRTC_CURSOR_START,
        if hidden { 0x20 } else { start & 0x1F },
    );
    hw::crtc_write(bus, CRTC_CURSOR_END, end & 0x1F);
}

/// AH=05h: display page `page` (CRTC start address).
pub fn set_page(fw: &Firmware, bus: &mut dyn Bus, page: u8) {
    let s = screen(fw, bus);
    let pages = super::modes::find(s.mode).map_or(8, |m| m.pages);
    if s.kind.is_none() || page >= pages {
        return;
    }
    bus.write_u8(at(bda::ACTIVE_PAGE), page);
    let offset = s.page_size * u32::from(page);
    bus.write_u16(at(bda::VIDEO_PAGE_OFFSET), offset as u16);
    // The CRTC counts words in text modes, bytes in graphics modes.
    let start = match s.kind {
        Some(Kind::Text) => offset / 2,
        _ => offset,
    };
    hw::crtc_write(bus, CRTC_START_HIGH, (start >> 8) as u8);
    hw::crtc_write(bus, CRTC_START_LOW, start as u8);
    update_hw_cursor(fw, bus, page);
}

/// Scroll the window (r0,c0)-(r1,c1) of `page` up (or down) by `lines`
/// (0: clear), filling with `attr` (a colour in graphics modes).
#[allow(clippy::too_many_arguments)]
pub fn scroll(
    fw: &Firmware,
    bus: &mut dyn Bus,
    page: u8,
    lines: u32,
    attr: u8,
    (r0, c0): (u32, u32),
    (r1, c1): (u32, u32),
    up: bool,
) {
    let s = screen(fw, bus);
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
    if !s.text() {
        if s.kind.is_some() {
            gfx::scroll(bus, &s, page, lines, attr, (r0, c0), (r1, c1), up);
        }
        return;
    }
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

/// Teletype output of `ch` on `page` with graphics colour 07h.
pub fn teletype(fw: &Firmware, bus: &mut dyn Bus, page: u8, ch: u8) {
    teletype_color(fw, bus, page, ch, BLANK_ATTR);
}

/// Teletype output (BEL ignored, BS, CR, LF; scrolls at the bottom with
/// the attribute of the last row's first cell, or 0 in graphics modes);
/// `color` is the foreground in graphics modes.
pub fn teletype_color(fw: &Firmware, bus: &mut dyn Bus, page: u8, ch: u8, color: u8) {
    if fw.config.serial_console {
        bus.outb(COM1_THR, ch);
    }
    let s = screen(fw, bus);
    if s.kind.is_none() {
        return;
    }
    let (mut row, mut col) = cursor(bus, page);
    match ch {
        0x07 => return,
        0x08 => col = col.saturating_sub(1),
        b'\r' => col = 0,
        b'\n' => row += 1,
        _ => {
            put_char(
                bus,
                &s,
                page,
                row.min(s.rows - 1),
                col.min(s.cols - 1),
                ch,
                None,
                color,
            );
            col += 1;
        }
    }
    if col >= s.cols {
        col = 0;
        row += 1;
    }
    if row >= s.rows {
        let attr = if s.text() {
            bus.read_u8(s.cell(page, s.rows - 1, 0) + 1)
        } else {
            0
        };
        scroll(
            fw,
            bus,
            page,
            1,
            attr,
            (0, 0),
            (s.rows - 1, s.cols - 1),
            true,
        );
        row = s.rows - 1;
    }
    set_cursor(fw, bus, page, row, col);
}

/// One character at (row, col): text modes write the code (and `attr`
/// when given); graphics modes draw the glyph in `color`.
#[allow(clippy::too_many_arguments)]
fn put_char(
    bus: &mut dyn Bus,
    s: &Screen,
    page: u8,
    row: u32,
    col: u32,
    ch: u8,
    attr: Option<u8>,
    color: u8,
) {
    if s.text() {
        let a = s.cell(page, row, col);
        bus.write_u8(a, ch);
        if let Some(at) = attr {
            bus.write_u8(a + 1, at);
        }
    } else if s.kind.is_some() {
        gfx::draw_char(bus, s, page, row, col, ch, attr.unwrap_or(color));
    }
}

/// AH=09h/0Ah: `count` copies of `ch` from the cursor (the cursor does
/// not move).
pub fn write_chars(
    fw: &Firmware,
    bus: &mut dyn Bus,
    page: u8,
    ch: u8,
    attr: Option<u8>,
    count: u32,
) {
    let s = screen(fw, bus);
    if s.kind.is_none() {
        return;
    }
    let (row, col) = cursor(bus, page);
    let start = row * s.cols + col;
    let end = (start + count).min(s.rows * s.cols);
    // AH=0Ah in graphics modes: BL is the colour all the same.
    let color = attr.unwrap_or(BLANK_ATTR);
    for p in start..end {
        put_char(bus, &s, page, p / s.cols, p % s.cols, ch, attr, color);
    }
}

/// AH=08h: character and attribute at the cursor (in graphics modes the
/// character recognised from the cell's pixels, attribute 0).
pub fn read_char(fw: &Firmware, bus: &mut dyn Bus, page: u8) -> u16 {
    let s = screen(fw, bus);
    let (row, col) = cursor(bus, page);
    if row >= s.rows || col >= s.cols {
        return 0;
    }
    if s.text() {
        let a = s.cell(page, row, col);
        let ch = bus.read_u8(a);
        let attr = bus.read_u8(a + 1);
        u16::from(attr) << 8 | u16::from(ch)
    } else if s.kind.is_some() {
        u16::from(gfx::read_char(fw, bus, page, row, col))
    } else {
        0
    }
}

/// AH=13h: write the string at ES:BP (CX characters, or cells with AL
/// bit 1) at DH,DL on page BH; AL bit 0 moves the cursor.
pub fn write_string(fw: &Firmware, r: &mut Regs, bus: &mut dyn Bus) {
    let page = r.bh();
    let (old_row, old_col) = cursor(bus, page);
    set_cursor(fw, bus, page, u32::from(r.dh()), u32::from(r.dl()));
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
            0x07 | 0x08 | b'\r' | b'\n' => teletype_color(fw, bus, page, ch, attr),
            _ => {
                write_chars(fw, bus, page, ch, Some(attr), 1);
                let s = screen(fw, bus);
                let (row, col) = cursor(bus, page);
                // Advance like teletype without writing the character again.
                let (mut row, mut col) = (row, col + 1);
                if col >= s.cols {
                    col = 0;
                    row += 1;
                }
                if row >= s.rows {
                    let fill = if s.text() { attr } else { 0 };
                    let last = (s.rows - 1, s.cols - 1);
                    scroll(fw, bus, page, 1, fill, (0, 0), last, true);
                    row = s.rows - 1;
                }
                set_cursor(fw, bus, page, row, col);
            }
        }
    }
    if r.al() & 1 == 0 {
        set_cursor(fw, bus, page, old_row, old_col);
    }
}
