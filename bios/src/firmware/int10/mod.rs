//! INT 10h, video services, on the VGA (IBM PC/AT Technical Reference,
//! "Video I/O"; IBM VGA Technical Reference for functions 10h–1Ch and the
//! mode tables; VESA BIOS Extension Core Functions Standard 3.0 for AX =
//! 4Fxxh, in [`vbe`]).
//!
//! Every service programs the VGA through its ports (sequencer, CRTC,
//! graphics and attribute controllers, DAC: [`hw`]) and reaches display
//! memory through the host windows at A0000h–BFFFFh, as a VGA BIOS does;
//! the state a program may read lives in the BIOS data area (mode,
//! columns, page size and start, cursor positions and shape, active page,
//! CRTC port, CGA mode/palette bytes, rows, character height, EGA/VGA
//! control bytes 487h–48Ah).
//!
//! - 00h mode set for 00h–07h and 0Dh–13h from the register tables of
//!   [`modes`] (AL bit 7 keeps memory), with the font for text modes in
//!   plane 2 and the default DAC palette; 01h cursor shape (CGA-style
//!   shapes scaled to the character height unless emulation is off);
//!   02h/03h cursor; 05h page (CRTC start address); 06h/07h scroll,
//!   08h/09h/0Ah characters, 0Eh teletype and 13h write string in text and
//!   graphics modes (glyphs from the INT 43h font); 0Ch/0Dh pixels
//!   (planar, CGA, 13h); 0Fh state ([`text`], [`gfx`]).
//! - 10h palette and DAC ([`palette`]), 11h fonts ([`font`]), 12h
//!   alternate select (10h, 30h–34h, 36h), 1Ah display combination, 1Bh
//!   functionality/state information, 1Ch state save/restore ([`state`]).
//! - Teletype output can be copied to COM1
//!   ([`super::FirmwareConfig::serial_console`]).
//!
//! The ROM's fonts (code page 437) come from the public-domain X11
//! "misc-fixed" 8x16 glyphs (`rom/mkfont.py`); the 8x14 and 8x8 fonts are
//! derived from them.
//!
//! Not implemented: light pen (04h), display switching (12h BL=35h),
//! alternate print screen (12h BL=20h), the 9-dot alternate glyph tables
//! (1130h BH=5/7 point at an empty table), BIOS text output in VBE modes.

pub mod font;
pub mod gfx;
pub mod hw;
pub mod modes;
pub mod palette;
pub mod state;
pub mod text;
pub mod vbe;

use super::bda::{self, at};
use super::{Bus, Firmware, Outcome, Regs};
use modes::{Kind, VgaMode};

pub use text::teletype;

/// Colour text memory.
pub const TEXT_COLOR_BASE: u32 = 0xB_8000;
/// Monochrome text memory.
pub const TEXT_MONO_BASE: u32 = 0xB_0000;
/// Graphics window.
pub const GRAPHICS_BASE: u32 = 0xA_0000;

/// BDA 487h bits: cursor emulation disabled (0), no-clear of the last
/// mode set (7); 256 KiB of video memory (bits 6–5).
pub const CTL_NO_CURSOR_EMULATION: u8 = 0x01;
pub const CTL_NO_CLEAR: u8 = 0x80;
const CTL_MEMORY_256K: u8 = 0x60;
/// BDA 489h bits: VGA active (0), grey summing (1), default palette
/// loading disabled (3), 400 lines (4), 200 lines (7).
pub const FLAGS_VGA: u8 = 0x01;
pub const FLAGS_GREY: u8 = 0x02;
pub const FLAGS_NO_PALETTE: u8 = 0x08;
const FLAGS_400: u8 = 0x10;
const FLAGS_200: u8 = 0x80;
const FLAGS_INITIAL: u8 = 0x51;
/// BDA 48Ah: the display combination code (VGA with analog colour).
pub const DCC_VGA_COLOR: u8 = 0x08;
/// BDA 488h: feature bits 0, switches 1001b (EGA colour 80x25).
const SWITCHES: u8 = 0x09;

/// Video state the BDA does not hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VideoState {
    /// The VBE mode set by 4F02h (with its LFB/no-clear bits), if one is
    /// active.
    pub vbe_mode: Option<u16>,
}

/// The scan lines text modes get (BDA 489h bits 7 and 4).
fn text_scan_lines(bus: &mut dyn Bus) -> u16 {
    let f = bus.read_u8(at(bda::VGA_FLAGS));
    if f & FLAGS_VGA == 0 {
        // Not initialised yet (first mode set after POST cleared the BDA).
        return 400;
    }
    match (f & FLAGS_200 != 0, f & FLAGS_400 != 0) {
        (true, _) => 200,
        (false, false) => 350,
        _ => 400,
    }
}

/// The mode to program for `number`, with the text scan-line choice.
pub fn effective_mode(bus: &mut dyn Bus, number: u8) -> Option<VgaMode> {
    let mut m = *modes::find(number)?;
    if m.kind == Kind::Text && m.number != 7 {
        modes::text_lines(&mut m, text_scan_lines(bus));
    }
    Some(m)
}

/// Load the mode's registers into the VGA.
pub fn program_registers(bus: &mut dyn Bus, m: &VgaMode) {
    // Sequencer synchronous reset while the clocks change.
    hw::seq_write(bus, 0, 0x01);
    bus.outb(hw::MISC_WRITE, m.misc);
    // The CRTC port follows Miscellaneous Output bit 0.
    let crtc = if m.misc & 1 != 0 { 0x3D4 } else { 0x3B4 };
    bus.write_u16(at(bda::CRTC_BASE), crtc);
    for (i, &v) in m.seq.iter().enumerate() {
        hw::seq_write(bus, i as u8 + 1, v);
    }
    hw::seq_write(bus, 0, 0x03);
    // Unprotect CRTC 00h–07h, then load all 25.
    hw::crtc_write(bus, 0x11, m.crtc[0x11] & 0x7F);
    for (i, &v) in m.crtc.iter().enumerate() {
        hw::crtc_write(bus, i as u8, v);
    }
    for (i, &v) in m.gc.iter().enumerate() {
        hw::gc_write(bus, i as u8, v);
    }
    bus.inb(crtc + 6);
    for (i, &v) in m.attr.iter().enumerate() {
        bus.outb(hw::ATTR_INDEX, i as u8);
        bus.outb(hw::ATTR_INDEX, v);
    }
    bus.outb(hw::ATTR_INDEX, hw::ATTR_PAS);
}

/// Set video mode `al` (bit 7: keep memory). Returns false for modes this
/// BIOS does not provide (nothing changes then).
pub fn set_mode(fw: &mut Firmware, bus: &mut dyn Bus, al: u8) -> bool {
    let keep = al & 0x80 != 0;
    let Some(m) = effective_mode(bus, al & 0x7F) else {
        return false;
    };
    // Leave any VBE mode: the VGA's own registers drive the screen again.
    vbe::disable_dispi(bus);
    fw.video.vbe_mode = None;
    program_registers(bus, &m);
    let flags = bus.read_u8(at(bda::VGA_FLAGS));
    if flags & FLAGS_NO_PALETTE == 0 {
        bus.outb(hw::DAC_MASK, 0xFF);
        let dac = modes::default_dac(m.palette);
        palette::write_dac(bus, 0, &dac);
    }
    write_mode_bda(bus, &m, keep);
    if !keep {
        clear_memory(bus, &m);
    }
    if m.kind == Kind::Text {
        font::load_rom_font(fw, bus, m.char_height, 0);
    }
    font::set_graphics_font_vector(fw, bus, m.char_height);
    // Cursor: the table's scan lines (the BDA keeps the CGA-style shape).
    text::update_hw_cursor(fw, bus, 0);
    true
}

fn write_mode_bda(bus: &mut dyn Bus, m: &VgaMode, keep: bool) {
    bus.write_u8(at(bda::VIDEO_MODE), m.number);
    bus.write_u16(at(bda::VIDEO_COLUMNS), u16::from(m.cols));
    let rows = if m.kind == Kind::Text {
        (m.height / u16::from(m.char_height)) as u8
    } else {
        m.rows
    };
    // 40x25 and 80x25 pages as IBM sizes them; others rows × cols × 2.
    let page_size = if m.kind == Kind::Text && rows != 25 {
        (u16::from(rows) * u16::from(m.cols) * 2 + 0xFF) & !0xFF
    } else {
        m.page_size
    };
    bus.write_u16(at(bda::VIDEO_PAGE_SIZE), page_size);
    bus.write_u16(at(bda::VIDEO_PAGE_OFFSET), 0);
    bus.write(at(bda::CURSOR_POS), &[0; 16]);
    let shape = if m.number == 7 { 0x0B0C } else { 0x0607 };
    bus.write_u16(at(bda::CURSOR_SHAPE), shape);
    bus.write_u8(at(bda::ACTIVE_PAGE), 0);
    bus.write_u8(at(bda::MODE_CONTROL), m.cga_mode);
    bus.write_u8(at(bda::PALETTE), m.cga_palette);
    bus.write_u8(at(bda::VIDEO_ROWS), rows.saturating_sub(1));
    bus.write_u8(at(bda::CHAR_HEIGHT), m.char_height);
    let ctl = bus.read_u8(at(bda::VIDEO_CONTROL)) & CTL_NO_CURSOR_EMULATION;
    let ctl = ctl | CTL_MEMORY_256K | if keep { CTL_NO_CLEAR } else { 0 };
    bus.write_u8(at(bda::VIDEO_CONTROL), ctl);
    bus.write_u8(at(bda::VIDEO_SWITCHES), SWITCHES);
    let flags = bus.read_u8(at(bda::VGA_FLAGS));
    // First mode set: VGA active, 400-line text, display switching on.
    let flags = if flags & FLAGS_VGA == 0 {
        FLAGS_INITIAL
    } else {
        flags
    };
    bus.write_u8(at(bda::VGA_FLAGS), flags);
    bus.write_u8(at(bda::DCC_INDEX), DCC_VGA_COLOR);
    // Equipment word bits 5–4: 11b monochrome, 10b 80x25 colour.
    let equip = bus.read_u16(at(bda::EQUIPMENT)) & !0x30;
    let video = if m.number == 7 { 0x30 } else { 0x20 };
    bus.write_u16(at(bda::EQUIPMENT), equip | video);
}

/// Clear the mode's window: blanks (20h on 07h) in text modes, zeros in
/// graphics modes (all four planes through the Map Mask).
fn clear_memory(bus: &mut dyn Bus, m: &VgaMode) {
    if m.kind == Kind::Text {
        let blank: Vec<u8> = [b' ', 0x07].repeat(m.window as usize / 2);
        bus.write(m.base, &blank);
    } else {
        let mask = hw::seq_read(bus, 2);
        hw::seq_write(bus, 2, 0x0F);
        bus.write(m.base, &vec![0u8; m.window as usize]);
        hw::seq_write(bus, 2, mask);
    }
}

/// The INT 10h dispatcher.
pub fn int10(fw: &mut Firmware, r: &mut Regs, bus: &mut dyn Bus) -> Outcome {
    match r.ah() {
        0x00 if set_mode(fw, bus, r.al()) => {
            // AL: 30h for modes 0–5 and 7, 3Fh for 6, 20h above (IBM).
            r.set_al(match r.al() & 0x7F {
                6 => 0x3F,
                0..=7 => 0x30,
                _ => 0x20,
            });
        }
        0x01 => text::set_cursor_shape(fw, bus, r.cx()),
        0x02 => text::set_cursor(fw, bus, r.bh(), u32::from(r.dh()), u32::from(r.dl())),
        0x03 => {
            let (row, col) = text::cursor(bus, r.bh());
            r.set_dh(row as u8);
            r.set_dl(col as u8);
            r.set_cx(bus.read_u16(at(bda::CURSOR_SHAPE)));
        }
        0x05 => text::set_page(fw, bus, r.al()),
        0x06 | 0x07 => {
            let page = bus.read_u8(at(bda::ACTIVE_PAGE));
            text::scroll(
                fw,
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
            let v = text::read_char(fw, bus, r.bh());
            r.set_ax(v);
        }
        0x09 => text::write_chars(fw, bus, r.bh(), r.al(), Some(r.bl()), u32::from(r.cx())),
        0x0A => text::write_chars(fw, bus, r.bh(), r.al(), None, u32::from(r.cx())),
        0x0B => palette::cga_palette(fw, bus, r.bh(), r.bl()),
        0x0C => gfx::write_pixel(
            fw,
            bus,
            r.bh(),
            u32::from(r.cx()),
            u32::from(r.dx()),
            r.al(),
        ),
        0x0D => {
            let v = gfx::read_pixel(fw, bus, r.bh(), u32::from(r.cx()), u32::from(r.dx()));
            r.set_al(v);
        }
        0x0E => {
            let page = bus.read_u8(at(bda::ACTIVE_PAGE));
            text::teletype_color(fw, bus, page, r.al(), r.bl());
        }
        0x0F => {
            r.set_ah(bus.read_u16(at(bda::VIDEO_COLUMNS)) as u8);
            let mode = bus.read_u8(at(bda::VIDEO_MODE));
            let ctl = bus.read_u8(at(bda::VIDEO_CONTROL)) & CTL_NO_CLEAR;
            r.set_al(mode | ctl);
            r.set_bh(bus.read_u8(at(bda::ACTIVE_PAGE)));
        }
        0x10 => palette::int10_10(fw, r, bus),
        0x11 => font::int10_11(fw, r, bus),
        0x12 => alternate_select(fw, r, bus),
        0x13 => text::write_string(fw, r, bus),
        0x1A => display_combination(r, bus),
        0x1B if r.bx() == 0 => state::functionality(fw, r, bus),
        0x1C => state::save_restore(r, bus),
        0x4F => vbe::int10_4f(fw, r, bus),
        _ => {}
    }
    Outcome::Done
}

/// AH=12h: alternate select.
fn alternate_select(fw: &mut Firmware, r: &mut Regs, bus: &mut dyn Bus) {
    let set_bit = |bus: &mut dyn Bus, field: u32, bit: u8, on: bool| {
        let v = bus.read_u8(at(field));
        bus.write_u8(at(field), if on { v | bit } else { v & !bit });
    };
    match r.bl() {
        0x10 => {
            // Colour, 256 KiB, feature bits 0, switches.
            r.set_bx(0x0003);
            r.set_cx(u16::from(SWITCHES));
        }
        0x30 => {
            let (f200, f400) = match r.al() {
                0 => (true, false),
                1 => (false, false),
                2 => (false, true),
                _ => {
                    r.set_al(0);
                    return;
                }
            };
            set_bit(bus, bda::VGA_FLAGS, FLAGS_200, f200);
            set_bit(bus, bda::VGA_FLAGS, FLAGS_400, f400);
            r.set_al(0x12);
        }
        0x31 if r.al() <= 1 => {
            set_bit(bus, bda::VGA_FLAGS, FLAGS_NO_PALETTE, r.al() == 1);
            r.set_al(0x12);
        }
        0x32 if r.al() <= 1 => {
            // Video subsystem enable (3C3h bit 0).
            bus.outb(0x3C3, u8::from(r.al() == 0));
            r.set_al(0x12);
        }
        0x33 if r.al() <= 1 => {
            set_bit(bus, bda::VGA_FLAGS, FLAGS_GREY, r.al() == 0);
            r.set_al(0x12);
        }
        0x34 if r.al() <= 1 => {
            set_bit(
                bus,
                bda::VIDEO_CONTROL,
                CTL_NO_CURSOR_EMULATION,
                r.al() == 1,
            );
            r.set_al(0x12);
        }
        0x36 if r.al() <= 1 => {
            // Sequencer Clocking Mode bit 5: screen off.
            let v = hw::seq_read(bus, 1);
            hw::seq_write(bus, 1, if r.al() == 1 { v | 0x20 } else { v & !0x20 });
            r.set_al(0x12);
        }
        _ => {}
    }
    let _ = fw;
}

/// AH=1Ah: display combination code (AL=00h read, 01h write).
fn display_combination(r: &mut Regs, bus: &mut dyn Bus) {
    match r.al() {
        0x00 => {
            r.set_bl(bus.read_u8(at(bda::DCC_INDEX)));
            r.set_bh(0);
            r.set_al(0x1A);
        }
        0x01 => {
            bus.write_u8(at(bda::DCC_INDEX), r.bl());
            r.set_al(0x1A);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests;
