//! INT 10h on the VGA model behind the test bus: mode sets programme the
//! registers the renderer reads, text services reach the text screen.

use super::*;
use crate::firmware::testutil::{setup, TestBus};

fn call(fw: &mut Firmware, bus: &mut TestBus, r: &mut Regs, ax: u16) {
    r.set_ax(ax);
    assert_eq!(int10(fw, r, bus), Outcome::Done);
}

fn screen_text(bus: &TestBus) -> Vec<String> {
    bus.vga.text_screen()
}

/// (mode, display size, columns, rows - 1, char height, page size, AL)
type ModeCase = (u8, (usize, usize), u16, u8, u8, u16, u8);

#[test]
fn every_mode_sets_the_vga_geometry_and_the_bda() {
    let cases: &[ModeCase] = &[
        (0x00, (360, 400), 40, 24, 16, 0x0800, 0x30),
        (0x01, (360, 400), 40, 24, 16, 0x0800, 0x30),
        (0x02, (720, 400), 80, 24, 16, 0x1000, 0x30),
        (0x03, (720, 400), 80, 24, 16, 0x1000, 0x30),
        (0x04, (320, 200), 40, 24, 8, 0x4000, 0x30),
        (0x05, (320, 200), 40, 24, 8, 0x4000, 0x30),
        (0x06, (640, 200), 80, 24, 8, 0x4000, 0x3F),
        (0x07, (720, 400), 80, 24, 16, 0x1000, 0x30),
        (0x0D, (320, 200), 40, 24, 8, 0x2000, 0x20),
        (0x0E, (640, 200), 80, 24, 8, 0x4000, 0x20),
        (0x0F, (640, 350), 80, 24, 14, 0x8000, 0x20),
        (0x10, (640, 350), 80, 24, 14, 0x8000, 0x20),
        (0x11, (640, 480), 80, 29, 16, 0xA000, 0x20),
        (0x12, (640, 480), 80, 29, 16, 0xA000, 0x20),
        (0x13, (320, 200), 40, 24, 8, 0xFA00, 0x20),
    ];
    for &(mode, size, cols, rows, height, page, al) in cases {
        let (mut fw, mut bus, mut r) = setup();
        call(&mut fw, &mut bus, &mut r, u16::from(mode));
        assert_eq!(r.al(), al, "mode {mode:#x}");
        assert_eq!(bus.vga.display_size(), size, "mode {mode:#x}");
        assert_eq!(bus.read_u8(at(bda::VIDEO_MODE)), mode);
        assert_eq!(bus.read_u16(at(bda::VIDEO_COLUMNS)), cols, "mode {mode:#x}");
        assert_eq!(bus.read_u8(at(bda::VIDEO_ROWS)), rows, "mode {mode:#x}");
        assert_eq!(bus.read_u8(at(bda::CHAR_HEIGHT)), height, "mode {mode:#x}");
        assert_eq!(
            bus.read_u16(at(bda::VIDEO_PAGE_SIZE)),
            page,
            "mode {mode:#x}"
        );
        // The monochrome modes (07h, 0Fh) use the 3B4h CRTC.
        let crtc = if matches!(mode, 7 | 0x0F) {
            0x3B4
        } else {
            0x3D4
        };
        assert_eq!(bus.read_u16(at(bda::CRTC_BASE)), crtc, "mode {mode:#x}");
        assert_eq!(bus.read_u8(at(bda::VGA_FLAGS)) & FLAGS_VGA, FLAGS_VGA);
        assert_eq!(bus.read_u8(at(bda::DCC_INDEX)), DCC_VGA_COLOR);
        assert!(bus.vga.attr.video_enabled(), "mode {mode:#x}: display on");
        call(&mut fw, &mut bus, &mut r, 0x0F00);
        assert_eq!((r.ah(), r.al()), (cols as u8, mode));
        // A frame renders at the size.
        let mut fb = devices::vga::Framebuffer::default();
        bus.vga.render(&mut fb);
        assert_eq!((fb.width, fb.height), size);
    }
}

#[test]
fn unsupported_modes_change_nothing() {
    let (mut fw, mut bus, mut r) = setup();
    call(&mut fw, &mut bus, &mut r, 0x0003);
    for m in [0x08u16, 0x0C, 0x14, 0x6A] {
        call(&mut fw, &mut bus, &mut r, m);
        call(&mut fw, &mut bus, &mut r, 0x0F00);
        assert_eq!(r.al(), 3);
    }
}

#[test]
fn mode_13h_palette_and_no_clear() {
    let (mut fw, mut bus, mut r) = setup();
    call(&mut fw, &mut bus, &mut r, 0x0013);
    bus.write_u8(0xA0000 + 320 * 10 + 5, 40);
    let mut fb = devices::vga::Framebuffer::default();
    bus.vga.render(&mut fb);
    // Default palette entry 40: bright red.
    assert_eq!(fb.pixel(5, 10), 0xFF0000);
    // AL bit 7 keeps memory; 0Fh reports bit 7.
    call(&mut fw, &mut bus, &mut r, 0x0093);
    assert_eq!(bus.read_u8(0xA0000 + 320 * 10 + 5), 40);
    call(&mut fw, &mut bus, &mut r, 0x0F00);
    assert_eq!(r.al(), 0x93);
    call(&mut fw, &mut bus, &mut r, 0x0013);
    assert_eq!(bus.read_u8(0xA0000 + 320 * 10 + 5), 0);
}

#[test]
fn teletype_writes_wraps_and_scrolls() {
    let (mut fw, mut bus, mut r) = setup();
    assert!(set_mode(&mut fw, &mut bus, 3));
    for &c in b"Hi\r\nX" {
        call(&mut fw, &mut bus, &mut r, 0x0E00 | u16::from(c));
    }
    assert_eq!(bus.read_u16(TEXT_COLOR_BASE), 0x0748);
    let t = screen_text(&bus);
    assert!(t[0].starts_with("Hi "), "{:?}", t[0]);
    assert!(t[1].starts_with("X "));
    call(&mut fw, &mut bus, &mut r, 0x0300);
    assert_eq!((r.dh(), r.dl()), (1, 1));
    assert_eq!(bus.vga.text_cursor(), Some((1, 1)));
    // To the last row, then one more line: everything moves up.
    r.set_dx(24 << 8 | 79);
    call(&mut fw, &mut bus, &mut r, 0x0200);
    call(&mut fw, &mut bus, &mut r, 0x0E00 | u16::from(b'Z'));
    call(&mut fw, &mut bus, &mut r, 0x0300);
    assert_eq!((r.dh(), r.dl()), (24, 0));
    let t = screen_text(&bus);
    assert_eq!(t[23].chars().nth(79), Some('Z'));
    assert!(t[0].starts_with("X "), "scrolled up one line");
    assert_eq!(bus.vga.text_cursor(), Some((24, 0)));
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
fn cursor_shape_and_pages_program_the_crtc() {
    let (mut fw, mut bus, mut r) = setup();
    set_mode(&mut fw, &mut bus, 3);
    assert_eq!(bus.vga.crtc.cursor_shape(), Some((13, 14)));
    // (CX, CRTC start, end): CGA shapes are scaled to 16 lines.
    let cases = [
        (0x0607u16, Some((13usize, 14usize))),
        (0x0007, Some((0, 14))),
        (0x0407, Some((8, 14))),
        (0x000F, Some((0, 15))),
        (0x2000, None),
    ];
    for (cx, want) in cases {
        r.set_cx(cx);
        call(&mut fw, &mut bus, &mut r, 0x0100);
        assert_eq!(bus.vga.crtc.cursor_shape(), want, "{cx:#06x}");
    }
    // Emulation off (1234h): the values go through unchanged.
    r.set_bx(0x0034);
    call(&mut fw, &mut bus, &mut r, 0x1201);
    r.set_cx(0x0607);
    call(&mut fw, &mut bus, &mut r, 0x0100);
    assert_eq!(bus.vga.crtc.cursor_shape(), Some((6, 7)));
    // Page 2: start address 2 * 4096 bytes = 4096 words (CRTC word
    // mode), and the cursor of page 2 relative to it.
    r.set_bx(0x0200);
    r.set_dx(0x0305);
    call(&mut fw, &mut bus, &mut r, 0x0200);
    call(&mut fw, &mut bus, &mut r, 0x0502);
    assert_eq!(bus.vga.crtc.start_address(), 0x1000);
    assert_eq!(bus.read_u16(at(bda::VIDEO_PAGE_OFFSET)), 0x2000);
    assert_eq!(bus.vga.text_cursor(), Some((3, 5)));
    call(&mut fw, &mut bus, &mut r, 0x0E41);
    assert!(screen_text(&bus)[3].starts_with("     A"));
}

#[test]
fn teletype_in_graphics_modes_draws_glyphs() {
    for mode in [0x04u8, 0x06, 0x0D, 0x12, 0x13] {
        let (mut fw, mut bus, mut r) = setup();
        set_mode(&mut fw, &mut bus, mode);
        // Full block (DBh) in colour 3 at (0,0), then 'A' at column 1.
        r.set_bx(0x0003);
        call(&mut fw, &mut bus, &mut r, 0x0EDB);
        call(&mut fw, &mut bus, &mut r, 0x0300);
        assert_eq!((r.dh(), r.dl()), (0, 1), "mode {mode:#x}");
        let want = if mode == 6 { 1 } else { 3 };
        for (x, y) in [(0u16, 0u16), (7, 7), (3, 5)] {
            r.set_cx(x);
            r.set_dx(y);
            r.set_bx(0);
            call(&mut fw, &mut bus, &mut r, 0x0D00);
            assert_eq!(r.al(), want, "mode {mode:#x} pixel {x},{y}");
        }
        // Scrolling moves the block up a text row.
        let rows = u16::from(bus.read_u8(at(bda::VIDEO_ROWS)));
        let h = u16::from(bus.read_u8(at(bda::CHAR_HEIGHT)));
        r.set_bx(0);
        r.set_cx(0);
        r.set_dx(0xFFFF);
        call(&mut fw, &mut bus, &mut r, 0x0701);
        r.set_cx(2);
        r.set_dx(h + 2);
        call(&mut fw, &mut bus, &mut r, 0x0D00);
        assert_eq!(r.al(), want, "mode {mode:#x} after scroll down");
        r.set_dx(2);
        call(&mut fw, &mut bus, &mut r, 0x0D00);
        assert_eq!(r.al(), 0, "mode {mode:#x} row 0 cleared");
        assert!(rows > 20);
    }
}

#[test]
fn alternate_select_and_display_combination() {
    let (mut fw, mut bus, mut r) = setup();
    set_mode(&mut fw, &mut bus, 3);
    r.set_bx(0xFF10);
    call(&mut fw, &mut bus, &mut r, 0x1200);
    assert_eq!((r.bh(), r.bl(), r.cl()), (0, 3, 9));
    // 350 scan lines for the next text mode: 8x14 font, 640x350... 720x350.
    r.set_bx(0x0030);
    call(&mut fw, &mut bus, &mut r, 0x1201);
    assert_eq!(r.al(), 0x12);
    call(&mut fw, &mut bus, &mut r, 0x0003);
    assert_eq!(bus.vga.display_size(), (720, 350));
    assert_eq!(bus.read_u8(at(bda::CHAR_HEIGHT)), 14);
    assert_eq!(bus.read_u8(at(bda::VIDEO_ROWS)), 24);
    // 200 lines: 8x8 cells, double scanned.
    r.set_bx(0x0030);
    call(&mut fw, &mut bus, &mut r, 0x1200);
    call(&mut fw, &mut bus, &mut r, 0x0003);
    assert_eq!(bus.vga.display_size(), (720, 200));
    assert_eq!(bus.read_u8(at(bda::CHAR_HEIGHT)), 8);
    // Screen off/on (36h).
    r.set_bx(0x0036);
    call(&mut fw, &mut bus, &mut r, 0x1201);
    assert!(bus.vga.seq.screen_off());
    call(&mut fw, &mut bus, &mut r, 0x1200);
    assert!(!bus.vga.seq.screen_off());
    call(&mut fw, &mut bus, &mut r, 0x1A00);
    assert_eq!((r.al(), r.bl(), r.bh()), (0x1A, 0x08, 0));
}

#[test]
fn rom_fonts_have_glyphs() {
    let h = crate::firmware::RomHeader::parse(crate::firmware::ROM_IMAGE);
    let glyph = |off: u16, size: usize, c: usize| {
        let at = usize::from(off) + c * size;
        crate::firmware::ROM_IMAGE[at..at + size].to_vec()
    };
    // 'A' is drawn, space is blank, in every font.
    for (off, size) in [(h.font8x16, 16), (h.font8x14, 14), (h.font8x8, 8)] {
        assert!(glyph(off, size, 0x41).iter().any(|&b| b != 0));
        assert!(glyph(off, size, 0x20).iter().all(|&b| b == 0));
    }
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
    assert!(screen_text(&bus)[5].starts_with("     ok "));
    call(&mut fw, &mut bus, &mut r, 0x0300);
    assert_eq!(r.dx(), 0x0507);
}

/// Random registers into every video function never panic, whatever mode
/// the previous random call left (the host must survive any guest input).
#[test]
fn video_services_survive_random_input() {
    let (mut fw, mut bus, _) = setup();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let ahs = [
        0x00u8, 0x01, 0x02, 0x03, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
        0x10, 0x11, 0x12, 0x13, 0x1A, 0x1B, 0x1C, 0x4F,
    ];
    for i in 0..4000 {
        let v = next();
        let mut r = Regs {
            eax: v as u32,
            ebx: (v >> 32) as u32,
            ecx: next() as u32,
            edx: next() as u32,
            ebp: next() as u32,
            edi: next() as u32,
            es: next() as u16,
            esp: 0x7000,
            ..Default::default()
        };
        r.set_ah(ahs[(v >> 40) as usize % ahs.len()]);
        // Keep mode sets to real modes most of the time, and string or
        // block lengths short enough to run quickly.
        if r.ah() == 0x00 && i % 3 != 0 {
            r.set_al([0x03u8, 0x12, 0x13, 0x04, 0x06, 0x0D, 0x07][(v >> 48) as usize % 7]);
        }
        if r.ah() == 0x4F && r.al() == 0x02 {
            r.set_bx(VBE_TEST_MODES[(v >> 48) as usize % VBE_TEST_MODES.len()]);
        }
        r.set_cx(r.cx() % 300);
        assert_eq!(int10(&mut fw, &mut r, &mut bus), Outcome::Done);
    }
}

const VBE_TEST_MODES: [u16; 4] = [0x4101, 0x0111, 0xC144, 0x0003];
