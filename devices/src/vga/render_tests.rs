//! Rendering from the registers: text (mode 3 with a font in plane 2), mode
//! 13h, Mode X, 16-colour planar (mode 12h), CGA 4-colour (mode 4), split
//! screen and panning, Bochs VBE linear modes, dirty tracking.

use super::tests::{program, set_dac, MODE12, MODE13, MODE3, MODE4};
use super::*;

fn crtc(v: &mut Vga, i: u8, val: u8) {
    v.io_write(0x3D4, 2, (val as u32) << 8 | i as u32);
}

fn frame(v: &mut Vga) -> Framebuffer {
    let mut fb = Framebuffer::default();
    assert!(v.render(&mut fb));
    fb
}

/// Loads one 16-line glyph into plane 2 the way a BIOS does (sequential
/// addressing, map mask 4, A0000 window), then restores mode 3's values.
fn load_glyph(v: &mut Vga, code: u8, rows: &[u8; 16]) {
    v.io_write(0x3C4, 2, 0x0402);
    v.io_write(0x3C4, 2, 0x0604);
    v.io_write(0x3CE, 2, 0x0005);
    v.io_write(0x3CE, 2, 0x0406);
    for (r, &bits) in rows.iter().enumerate() {
        v.mem_write(0xA0000 + code as u64 * 32 + r as u64, 1, bits as u64);
    }
    v.io_write(0x3C4, 2, 0x0302);
    v.io_write(0x3C4, 2, 0x0204);
    v.io_write(0x3CE, 2, 0x1005);
    v.io_write(0x3CE, 2, 0x0E06);
}

fn text_mode() -> Vga {
    let mut v = Vga::new();
    program(&mut v, &MODE3);
    set_dac(&mut v, 0x01, [0, 0, 42]);
    set_dac(&mut v, 0x07, [42, 42, 42]);
    set_dac(&mut v, 0x3E, [63, 63, 21]);
    let mut a = [0u8; 16];
    a[2] = 0x81;
    a[3] = 0x7E;
    load_glyph(&mut v, b'A', &a);
    let mut line = [0u8; 16];
    line[8] = 0xFF;
    load_glyph(&mut v, 0xC4, &line);
    v
}

#[test]
fn text_mode3_renders_glyph_from_plane2_with_attribute_colours() {
    let mut v = text_mode();
    assert_eq!(
        v.mem.planes[2][0x41 * 32 + 2],
        0x81,
        "font landed in plane 2"
    );
    v.mem_write(0xB8000, 2, 0x1E41); // 'A', yellow on blue
    let fb = frame(&mut v);
    assert_eq!((fb.width, fb.height), (720, 400));
    let (fg, bg) = (0xFFFF55, 0x0000AA);
    let cases: &[(usize, usize, u32)] = &[
        (0, 2, fg),
        (1, 2, bg),
        (7, 2, fg),
        (8, 2, bg), // 9th column of a non-line-graphics character is background
        (0, 3, bg),
        (1, 3, fg),
        (6, 3, fg),
        (0, 0, bg),
        (9, 2, 0), // next cell: blank, attribute 0
    ];
    for &(x, y, want) in cases {
        assert_eq!(fb.pixel(x, y), want, "({x},{y})");
    }
}

#[test]
fn text_line_graphics_repeat_column8_in_the_9th_column() {
    let mut v = text_mode();
    v.mem_write(0xB8000, 2, 0x07C4);
    v.mem_write(0xB8002, 2, 0x0741);
    let fb = frame(&mut v);
    assert_eq!(fb.pixel(8, 8), 0xAAAAAA, "C4h: 9th column copies column 8");
    assert_eq!(fb.pixel(9 + 8, 2), 0, "'A' (41h): 9th column is background");
    // Line Graphics Enable clear: the 9th column is background for C4h too.
    v.io_read(0x3DA, 1);
    v.io_write(0x3C0, 1, 0x30);
    v.io_write(0x3C0, 1, 0x08);
    let fb = frame(&mut v);
    assert_eq!(fb.pixel(8, 8), 0);
}

#[test]
fn text_cursor_follows_crtc_location_shape_and_blinks() {
    let mut v = text_mode();
    v.mem_write(0xB80A2, 2, 0x0720); // row 1, column 1: space, grey on black
    crtc(&mut v, 0x0E, 0);
    crtc(&mut v, 0x0F, 81);
    let fb = frame(&mut v);
    let (x, y) = (9, 16);
    assert_eq!(fb.pixel(x, y + 12), 0, "above the cursor start line");
    assert_eq!(fb.pixel(x, y + 13), 0xAAAAAA);
    assert_eq!(fb.pixel(x + 8, y + 14), 0xAAAAAA);
    assert_eq!(fb.pixel(x, y + 15), 0, "below the cursor end line");
    // Blink: 16 frames later the cursor is off (and the frame changed).
    v.set_time_ns(16 * 14_268_000);
    let mut fb2 = fb.clone();
    assert!(v.render(&mut fb2));
    assert_eq!(fb2.pixel(x, y + 13), 0);
    // Cursor Disable (CR0A bit 5).
    v.set_time_ns(0);
    crtc(&mut v, 0x0A, 0x2D);
    let fb = frame(&mut v);
    assert_eq!(fb.pixel(x, y + 13), 0);
}

#[test]
fn text_blink_attribute_hides_foreground_and_limits_background() {
    let mut v = text_mode();
    v.mem_write(0xB8000, 2, 0x9E41); // blinking yellow on blue
    let fb = frame(&mut v);
    assert_eq!(fb.pixel(0, 2), 0xFFFF55);
    assert_eq!(
        fb.pixel(1, 2),
        0x0000AA,
        "background bit 7 is blink, not intensity"
    );
    v.set_time_ns(32 * 14_268_000);
    let fb = frame(&mut v);
    assert_eq!(fb.pixel(0, 2), 0x0000AA, "blink-off phase shows background");
}

#[test]
fn text_screen_dumps_rows_of_characters() {
    let mut v = text_mode();
    for (i, b) in b"Hello".iter().enumerate() {
        v.mem_write(0xB8000 + 160 + 2 * i as u64, 2, 0x0700 | *b as u64);
    }
    v.mem_write(0xB8000, 1, 0xC9); // ╔
    let s = v.text_screen();
    assert_eq!(s.len(), 25);
    assert_eq!(s[0].chars().count(), 80);
    assert!(s[0].starts_with('╔'));
    assert!(s[1].starts_with("Hello "));
    // Start address scrolls the dump.
    crtc(&mut v, 0x0D, 80);
    assert!(v.text_screen()[0].starts_with("Hello"));
}

#[test]
fn mode13h_renders_chained_bytes_through_the_dac() {
    let mut v = Vga::new();
    program(&mut v, &MODE13);
    set_dac(&mut v, 5, [63, 0, 0]);
    set_dac(&mut v, 6, [0, 63, 0]);
    v.mem_write(0xA0000 + 3 * 320 + 10, 1, 5);
    v.mem_write(0xA0000 + 199 * 320 + 319, 1, 6);
    let fb = frame(&mut v);
    assert_eq!((fb.width, fb.height), (320, 200));
    assert_eq!(fb.pixel(10, 3), 0xFF0000);
    assert_eq!(fb.pixel(11, 3), 0);
    assert_eq!(fb.pixel(10, 4), 0);
    assert_eq!(fb.pixel(319, 199), 0x00FF00);
}

#[test]
fn mode_x_unchained_planes_and_page_flip() {
    let mut v = Vga::new();
    program(&mut v, &MODE13);
    v.io_write(0x3C4, 2, 0x0604); // chain 4 off
    crtc(&mut v, 0x14, 0x00); // doubleword off
    crtc(&mut v, 0x17, 0xE3); // byte mode
    set_dac(&mut v, 9, [0, 0, 63]);
    let put = |v: &mut Vga, page: u64, x: u64, y: u64, c: u64| {
        v.io_write(0x3C4, 2, (1u32 << (x & 3)) << 8 | 2);
        v.mem_write(0xA0000 + page + y * 80 + x / 4, 1, c);
    };
    put(&mut v, 0, 7, 5, 9);
    put(&mut v, 0x4000, 2, 1, 9);
    let fb = frame(&mut v);
    assert_eq!((fb.width, fb.height), (320, 200));
    assert_eq!(fb.pixel(7, 5), 0x0000FF);
    assert_eq!(fb.pixel(6, 5), 0);
    assert_eq!(fb.pixel(2, 1), 0);
    crtc(&mut v, 0x0C, 0x40); // start address 4000h: second page
    let fb = frame(&mut v);
    assert_eq!(fb.pixel(2, 1), 0x0000FF);
    assert_eq!(fb.pixel(7, 5), 0);
}

fn mode12() -> Vga {
    let mut v = Vga::new();
    program(&mut v, &MODE12);
    set_dac(&mut v, 0x3C, [63, 21, 21]);
    set_dac(&mut v, 0x01, [0, 0, 42]);
    v
}

#[test]
fn planar_16_colour_mode12h_combines_one_bit_per_plane() {
    let mut v = mode12();
    v.io_write(0x3CE, 2, 0x0205); // write mode 2
    v.io_write(0x3CE, 2, (1 << (7 - 5)) << 8 | 8); // bit mask: pixel 5
    v.mem_read(0xA0000 + 7 * 80, 1);
    v.mem_write(0xA0000 + 7 * 80, 1, 0x0C);
    let fb = frame(&mut v);
    assert_eq!((fb.width, fb.height), (640, 480));
    assert_eq!(fb.pixel(5, 7), 0xFF5555, "colour 0Ch → palette 3Ch");
    assert_eq!(fb.pixel(4, 7), 0);
    assert_eq!(fb.pixel(6, 7), 0);
    // Color Plane Enable masks planes 2 and 3 away: colour 0 remains.
    v.io_read(0x3DA, 1);
    v.io_write(0x3C0, 1, 0x32);
    v.io_write(0x3C0, 1, 0x03);
    let fb = frame(&mut v);
    assert_eq!(fb.pixel(5, 7), 0);
}

#[test]
fn split_screen_line_compare_and_pixel_panning() {
    let mut v = mode12();
    v.mem.planes[0][0x1000] = 0xFF;
    v.mem.planes[0][0] = 0x80;
    crtc(&mut v, 0x0C, 0x10); // start address 1000h
    crtc(&mut v, 0x18, 100); // line compare 100
    crtc(&mut v, 0x07, 0x2E); // Overflow bit 4 (line compare bit 8) clear
    crtc(&mut v, 0x09, 0x00); // CR09 bit 6 (line compare bit 9) clear
    let fb = frame(&mut v);
    assert_eq!(fb.pixel(1, 0), 0x0000AA, "top part from the start address");
    assert_eq!(fb.pixel(0, 99), 0);
    assert_eq!(fb.pixel(0, 100), 0x0000AA, "after line compare: address 0");
    assert_eq!(fb.pixel(1, 100), 0);
    // Horizontal pixel panning by 3 shifts the top, and the bottom as well
    // (Attribute Mode bit 5 clear).
    v.io_read(0x3DA, 1);
    v.io_write(0x3C0, 1, 0x33);
    v.io_write(0x3C0, 1, 0x03);
    let fb = frame(&mut v);
    assert_eq!(fb.pixel(4, 0), 0x0000AA);
    assert_eq!(fb.pixel(5, 0), 0);
    assert_eq!(fb.pixel(0, 100), 0);
}

#[test]
fn cga_mode4_interleaves_two_bit_pixels_and_odd_lines() {
    let mut v = Vga::new();
    program(&mut v, &MODE4);
    set_dac(&mut v, 0x13, [63, 0, 0]);
    set_dac(&mut v, 0x15, [0, 63, 0]);
    set_dac(&mut v, 0x17, [0, 0, 63]);
    v.mem_write(0xB8000, 1, 0b00_01_10_11);
    v.mem_write(0xB8001, 1, 0b11_00_00_00);
    v.mem_write(0xBA000, 1, 0b01_00_00_00); // odd scan line bank
    let fb = frame(&mut v);
    assert_eq!((fb.width, fb.height), (320, 200));
    let cases: &[(usize, usize, u32)] = &[
        (0, 0, 0),
        (1, 0, 0xFF0000),
        (2, 0, 0x00FF00),
        (3, 0, 0x0000FF),
        (4, 0, 0x0000FF),
        (5, 0, 0),
        (0, 1, 0xFF0000),
        (0, 2, 0),
    ];
    for &(x, y, want) in cases {
        assert_eq!(fb.pixel(x, y), want, "({x},{y})");
    }
}

fn dispi(v: &mut Vga, i: u16, d: u16) {
    v.io_write(0x1CE, 2, i as u32);
    v.io_write(0x1CF, 2, d as u32);
}

fn vbe_mode(bpp: u16) -> Vga {
    let mut v = Vga::new();
    dispi(&mut v, 1, 64);
    dispi(&mut v, 2, 48);
    dispi(&mut v, 3, bpp);
    dispi(&mut v, 4, 0x41);
    v
}

#[test]
fn vbe_32bpp_linear_framebuffer_with_virtual_width_and_offsets() {
    let mut v = vbe_mode(32);
    let lfb = v.lfb_base;
    v.mem_write(lfb + (5 * 64 + 3) * 4, 4, 0x0012_3456);
    let fb = frame(&mut v);
    assert_eq!((fb.width, fb.height), (64, 48));
    assert_eq!(fb.pixel(3, 5), 0x123456);
    assert_eq!(fb.pixel(4, 5), 0);
    dispi(&mut v, 6, 128); // virtual width
    dispi(&mut v, 9, 2); // y offset
    dispi(&mut v, 8, 1); // x offset
    v.mem_write(lfb + (7 * 128 + 4) * 4, 4, 0x00AB_CDEF);
    let fb = frame(&mut v);
    assert_eq!(fb.pixel(3, 5), 0xABCDEF);
}

#[test]
fn vbe_pixel_formats_8_15_16_24() {
    let cases: &[(u16, &[u8], u32)] = &[
        (15, &[0x00, 0x7C], 0xFF0000),
        (15, &[0x1F, 0x00], 0x0000FF),
        (16, &[0x00, 0xF8], 0xFF0000),
        (16, &[0xE0, 0x07], 0x00FF00),
        (24, &[0x56, 0x34, 0x12], 0x123456),
        (8, &[0x05], 0xFF0000),
    ];
    for &(bpp, bytes, want) in cases {
        let mut v = vbe_mode(bpp);
        set_dac(&mut v, 5, [63, 0, 0]);
        let off = bochs_vbe::bytes_per_pixel(bpp) as u64;
        for (i, &b) in bytes.iter().enumerate() {
            v.mem_write(v.lfb_base + off + i as u64, 1, b as u64);
        }
        let fb = frame(&mut v);
        assert_eq!(fb.pixel(1, 0), want, "{bpp} bpp");
        assert_eq!(fb.pixel(0, 0), 0);
    }
}

#[test]
fn dirty_tracking_skips_unchanged_frames_and_clean_lines() {
    let mut v = Vga::new();
    program(&mut v, &MODE13);
    set_dac(&mut v, 1, [63, 63, 63]);
    let mut fb = Framebuffer::default();
    assert!(v.render(&mut fb));
    assert!(!v.render(&mut fb), "nothing written: unchanged");
    // A write redraws its line only: a sentinel on a far line survives.
    fb.pixels[150 * 320] = 0x123456;
    v.mem_write(0xA0000 + 10 * 320, 1, 1);
    assert!(v.render(&mut fb));
    assert_eq!(fb.pixel(0, 10), 0xFFFFFF);
    assert_eq!(fb.pixel(0, 150), 0x123456, "clean line not redrawn");
    assert!(!v.render(&mut fb));
    // Map-mask/bit-mask writes do not change the picture; DAC writes do.
    v.io_write(0x3C4, 2, 0x0F02);
    v.io_write(0x3CE, 2, 0xFF08);
    assert!(!v.render(&mut fb));
    set_dac(&mut v, 2, [1, 2, 3]);
    assert!(v.render(&mut fb));
    assert_eq!(fb.pixel(0, 150), 0, "register change redraws everything");
    // Text mode: a steady screen within one blink phase is unchanged.
    let mut t = text_mode();
    let mut fb = Framebuffer::default();
    assert!(t.render(&mut fb));
    t.set_time_ns(1_000_000);
    assert!(!t.render(&mut fb));
    // VBE: unchanged until the LFB is written.
    let mut b = vbe_mode(32);
    let mut fb = Framebuffer::default();
    assert!(b.render(&mut fb));
    assert!(!b.render(&mut fb));
    b.mem_write(b.lfb_base + 4, 4, 0xFFFFFF);
    assert!(b.render(&mut fb));
    assert_eq!(fb.pixel(1, 0), 0xFFFFFF);
}

#[test]
fn geometry_follows_crtc_and_sequencer_not_mode_numbers() {
    // (description, register tweaks, expected size, text rows)
    type Tweak = fn(&mut Vga);
    let cases: &[(&str, Tweak, (usize, usize), usize)] = &[
        ("80x25 9-dot", |_| {}, (720, 400), 25),
        (
            "80x25 8-dot",
            |v| v.io_write(0x3C4, 2, 0x0101),
            (640, 400),
            25,
        ),
        (
            "40x25 (dot clock / 2, 40 characters)",
            |v| {
                v.io_write(0x3C4, 2, 0x0801);
                crtc(v, 0x11, 0x0E); // clear the CR0–7 protect bit
                crtc(v, 0x01, 0x27);
                crtc(v, 0x13, 0x14);
            },
            (360, 400),
            25,
        ),
        (
            "80x50 (8-line cells)",
            |v| crtc(v, 0x09, 0x47),
            (720, 400),
            50,
        ),
        (
            "mode 0Dh-like: 40 chars, double scan",
            |v| {
                program(v, &MODE12);
                crtc(v, 0x11, 0x0C); // clear the CR0–7 protect bit
                crtc(v, 0x01, 0x27);
                crtc(v, 0x09, 0xC0);
                crtc(v, 0x07, 0x1F);
                crtc(v, 0x12, 0x8F);
            },
            (320, 200),
            0,
        ),
    ];
    for &(name, tweak, size, rows) in cases {
        let mut v = text_mode();
        tweak(&mut v);
        let fb = frame(&mut v);
        assert_eq!((fb.width, fb.height), size, "{name}");
        assert_eq!(v.text_screen().len(), rows, "{name}");
    }
}

#[test]
fn text_80x50_rows_advance_after_eight_scan_lines() {
    let mut v = text_mode();
    crtc(&mut v, 0x09, 0x47);
    v.mem_write(0xB8000 + 160, 2, 0x1E41); // row 1
    let fb = frame(&mut v);
    assert_eq!(
        fb.pixel(0, 8 + 2),
        0xFFFF55,
        "glyph row 2 of text row 1 at line 10"
    );
    assert_eq!(v.text_screen()[1].chars().next(), Some('A'));
}

#[test]
fn mono_text_at_b0000_through_3b4_ports() {
    // Mode 7-like: misc bit 0 clear (CRTC at 3B4h), memory map B0000h.
    let mut v = text_mode();
    v.io_write(0x3C2, 1, 0x66);
    v.io_write(0x3CE, 2, 0x0A06);
    v.io_write(0x3B4, 2, 0x0A0A); // cursor start 10 via the mono port
    v.mem_write(0xB0000, 2, 0x1E41);
    v.mem_write(0xB8000, 2, 0x0742); // not decoded: B8000 belongs to someone else
    assert!(!v.claims(0xB8000));
    let fb = frame(&mut v);
    assert_eq!(fb.pixel(0, 2), 0xFFFF55);
    assert!(v.text_screen()[0].starts_with('A'));
    assert_eq!(v.crtc.regs[0x0A], 0x0A);
}

#[test]
fn mono_underline_on_the_underline_location_scan_line() {
    let mut v = text_mode();
    crtc(&mut v, 0x14, 0x0D); // underline location 13
    crtc(&mut v, 0x0A, 0x20); // cursor off (it sits at 0 on lines 13-14)
    v.mem_write(0xB8000, 2, 0x0120); // space, underline attribute
    v.mem_write(0xB8002, 2, 0x0720); // space, normal attribute
    let fb = frame(&mut v);
    assert_eq!(fb.pixel(0, 13), 0, "colour mode: no underline");
    v.io_read(0x3DA, 1);
    v.io_write(0x3C0, 1, 0x30);
    v.io_write(0x3C0, 1, 0x0E); // mode control: mono emulation
    let fb = frame(&mut v);
    assert_eq!(
        fb.pixel(0, 13),
        0x0000AA,
        "underline in the foreground colour"
    );
    assert_eq!(fb.pixel(0, 12), 0);
    assert_eq!(fb.pixel(9, 13), 0, "attribute 07h has no underline");
}

#[test]
fn preset_row_scan_scrolls_text_by_scan_lines() {
    let mut v = text_mode();
    v.mem_write(0xB8000, 2, 0x1E41);
    crtc(&mut v, 0x08, 0x02); // preset row scan 2
    let fb = frame(&mut v);
    assert_eq!(fb.pixel(0, 0), 0xFFFF55, "glyph row 2 is now the top line");
    assert_eq!(fb.pixel(1, 1), 0xFFFF55, "glyph row 3 (7Eh) on line 1");
}

#[test]
fn mode13h_pixel_panning_moves_by_whole_pixels() {
    let mut v = Vga::new();
    program(&mut v, &MODE13);
    set_dac(&mut v, 5, [63, 0, 0]);
    v.mem_write(0xA0000 + 3, 1, 5);
    v.io_read(0x3DA, 1);
    v.io_write(0x3C0, 1, 0x33);
    v.io_write(0x3C0, 1, 0x02); // 2 dots = 1 pixel in 256-colour mode
    let fb = frame(&mut v);
    assert_eq!(fb.pixel(2, 0), 0xFF0000);
    assert_eq!(fb.pixel(3, 0), 0);
}

#[test]
fn text_cursor_and_display_size_helpers() {
    let mut v = text_mode();
    crtc(&mut v, 0x0E, 0x00);
    crtc(&mut v, 0x0F, 165); // row 2, column 5
    assert_eq!(v.text_cursor(), Some((2, 5)));
    assert_eq!(v.display_size(), (720, 400));
    crtc(&mut v, 0x0A, 0x20);
    assert_eq!(v.text_cursor(), None, "cursor disabled");
    let mut b = vbe_mode(32);
    assert_eq!(b.display_size(), (64, 48));
    assert_eq!(b.text_cursor(), None);
    assert!(b.text_screen().is_empty());
    dispi(&mut b, 4, 0); // back to VGA
    assert_eq!(b.display_size(), b.legacy_size());
}

#[test]
fn cursor_blink_redraws_only_the_cursor_row_without_blink_attribute() {
    let mut v = text_mode();
    v.io_read(0x3DA, 1);
    v.io_write(0x3C0, 1, 0x30);
    v.io_write(0x3C0, 1, 0x04); // blink attribute off (bright backgrounds)
    v.mem_write(0xB8000, 2, 0x0720);
    let mut fb = Framebuffer::default();
    assert!(v.render(&mut fb));
    assert_eq!(fb.pixel(0, 13), 0xAAAAAA, "cursor on at row 0");
    fb.pixels[300 * 720] = 0x123456;
    v.set_time_ns(16 * 14_268_000);
    assert!(v.render(&mut fb));
    assert_eq!(fb.pixel(0, 13), 0, "cursor off");
    assert_eq!(fb.pixel(0, 300), 0x123456, "other rows not redrawn");
    v.set_time_ns(16 * 14_268_000 + 1000);
    assert!(!v.render(&mut fb));
}

#[test]
fn character_map_select_attribute_bit3_picks_the_second_font() {
    // Map A = map 1 (16 KiB), map B = map 0: Character Map Select 04h.
    let cases: &[(u8, usize)] = &[(0x00, 0), (0x04, 0x4000), (0x20, 0x2000), (0x2C, 0xE000)];
    for &(sel, base_a) in cases {
        let mut v = Vga::new();
        v.io_write(0x3C4, 2, (sel as u32) << 8 | 3);
        assert_eq!(v.seq.font_bases(), (0, base_a), "select {sel:02x}");
    }
    let mut v = text_mode();
    v.io_write(0x3C4, 2, 0x0403);
    set_dac(&mut v, 0x3F, [63, 63, 63]);
    v.mem.planes[2][0x4000 + 0x41 * 32 + 5] = 0xFF; // 'A' row 5 in the second font
    v.mem_write(0xB8000, 2, 0x0741); // attribute bit 3 clear: first font
    v.mem_write(0xB8002, 2, 0x0F41); // attribute bit 3 set: second font
    let fb = frame(&mut v);
    assert_eq!(fb.pixel(0, 2), 0xAAAAAA, "first font row 2 (81h)");
    assert_eq!(fb.pixel(0, 5), 0);
    assert_eq!(fb.pixel(9, 2), 0);
    assert_eq!(fb.pixel(9 + 3, 5), 0xFFFFFF, "second font row 5");
    assert_eq!(fb.pixel(9, 2), 0, "second font has no row 2 bits");
}
