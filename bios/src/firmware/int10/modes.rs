//! The standard VGA modes 00h–07h and 0Dh–13h: register values as the IBM
//! VGA Technical Reference tabulates them for each BIOS mode (Miscellaneous
//! Output, sequencer 01h–04h, CRTC 00h–18h, graphics controller 00h–08h,
//! attribute controller 00h–14h), the text geometry and page sizes the BIOS
//! data area reports, and the default DAC contents (the EGA-compatible 64
//! colours, the monochrome ramp, and the 256-colour default palette of
//! mode 13h: 16 CGA colours, a 16-step grey ramp, nine 24-hue wheels in
//! three intensities × three saturations, 8 black entries).

/// How a mode lays out video memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Characters and attributes (odd/even at B8000h or B0000h).
    Text,
    /// CGA 4-colour: 2 bits per pixel, even/odd rows in two 8 KiB banks.
    Cga4,
    /// CGA 2-colour: 1 bit per pixel, two banks.
    Cga2,
    /// 16-colour planar at A0000h (0Dh–12h).
    Planar,
    /// 256 colours, one byte per pixel, chain 4 (13h).
    Linear,
}

/// Which default DAC contents a mode loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Palette {
    Ega,
    Mono,
    Vga256,
}

/// A BIOS video mode.
#[derive(Clone, Copy, Debug)]
pub struct VgaMode {
    pub number: u8,
    pub kind: Kind,
    /// Text columns and rows, character cell height.
    pub cols: u8,
    pub rows: u8,
    pub char_height: u8,
    /// Pixels (graphics modes; text modes: the dot size of the screen).
    pub width: u16,
    pub height: u16,
    /// Bytes per page (BDA 44Ch) and the number of pages.
    pub page_size: u16,
    pub pages: u8,
    /// Start of the host window.
    pub base: u32,
    /// Bytes of the host window the mode uses (cleared on a mode set).
    pub window: u32,
    pub misc: u8,
    /// Sequencer 01h–04h.
    pub seq: [u8; 4],
    pub crtc: [u8; 25],
    pub gc: [u8; 9],
    /// Palette 00h–0Fh, then 10h–14h.
    pub attr: [u8; 21],
    pub palette: Palette,
    /// CGA mode control and palette bytes for BDA 465h/466h.
    pub cga_mode: u8,
    pub cga_palette: u8,
}

const CRTC_TEXT80: [u8; 25] = [
    0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00, 0x00,
    0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF,
];
const CRTC_TEXT40: [u8; 25] = [
    0x2D, 0x27, 0x28, 0x90, 0x2B, 0xA0, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00, 0x00,
    0x9C, 0x8E, 0x8F, 0x14, 0x1F, 0x96, 0xB9, 0xA3, 0xFF,
];
const CRTC_MONO: [u8; 25] = [
    0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00, 0x00,
    0x9C, 0x8E, 0x8F, 0x28, 0x0F, 0x96, 0xB9, 0xA3, 0xFF,
];
const CRTC_CGA4: [u8; 25] = [
    0x2D, 0x27, 0x28, 0x90, 0x2B, 0x80, 0xBF, 0x1F, 0x00, 0xC1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x9C, 0x8E, 0x8F, 0x14, 0x00, 0x96, 0xB9, 0xA2, 0xFF,
];
const CRTC_CGA2: [u8; 25] = [
    0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0xC1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x9C, 0x8E, 0x8F, 0x28, 0x00, 0x96, 0xB9, 0xC2, 0xFF,
];
const CRTC_0D: [u8; 25] = [
    0x2D, 0x27, 0x28, 0x90, 0x2B, 0x80, 0xBF, 0x1F, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x9C, 0x8E, 0x8F, 0x14, 0x00, 0x96, 0xB9, 0xE3, 0xFF,
];
const CRTC_0E: [u8; 25] = [
    0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x9C, 0x8E, 0x8F, 0x28, 0x00, 0x96, 0xB9, 0xE3, 0xFF,
];
const CRTC_350: [u8; 25] = [
    0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x83, 0x85, 0x5D, 0x28, 0x0F, 0x63, 0xBA, 0xE3, 0xFF,
];
const CRTC_480: [u8; 25] = [
    0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0x0B, 0x3E, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xEA, 0x8C, 0xDF, 0x28, 0x00, 0xE7, 0x04, 0xE3, 0xFF,
];
const CRTC_13: [u8; 25] = [
    0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x9C, 0x8E, 0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF,
];

const GC_TEXT: [u8; 9] = [0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF];
const GC_MONO: [u8; 9] = [0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0A, 0x00, 0xFF];
const GC_CGA4: [u8; 9] = [0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x0F, 0x00, 0xFF];
const GC_CGA2: [u8; 9] = [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0D, 0x00, 0xFF];
const GC_PLANAR: [u8; 9] = [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0F, 0xFF];
const GC_0F: [u8; 9] = [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x05, 0xFF];
const GC_13: [u8; 9] = [0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF];

/// The text palette (also modes 10h and 12h): EGA colours with brown at 6.
const PAL_TEXT: [u8; 16] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F,
];
const PAL_CGA16: [u8; 16] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
];

const fn attr(pal: [u8; 16], mode: u8, plane_enable: u8, pan: u8) -> [u8; 21] {
    let mut a = [0u8; 21];
    let mut i = 0;
    while i < 16 {
        a[i] = pal[i];
        i += 1;
    }
    a[16] = mode;
    a[17] = 0;
    a[18] = plane_enable;
    a[19] = pan;
    a[20] = 0;
    a
}

const ATTR_TEXT: [u8; 21] = attr(PAL_TEXT, 0x0C, 0x0F, 0x08);
const ATTR_MONO: [u8; 21] = attr(
    [
        0x00, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x10, 0x18, 0x18, 0x18, 0x18, 0x18, 0x18,
        0x18,
    ],
    0x0E,
    0x0F,
    0x08,
);
const ATTR_CGA4: [u8; 21] = attr(
    [
        0x00, 0x13, 0x15, 0x17, 0x02, 0x04, 0x06, 0x07, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
        0x17,
    ],
    0x01,
    0x03,
    0x00,
);
const ATTR_CGA2: [u8; 21] = attr([0x17; 16], 0x01, 0x01, 0x00);
const ATTR_CGA16: [u8; 21] = attr(PAL_CGA16, 0x01, 0x0F, 0x00);
const ATTR_0F: [u8; 21] = attr(
    [
        0x00, 0x08, 0x00, 0x00, 0x18, 0x18, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x18, 0x00,
        0x00,
    ],
    0x0B,
    0x05,
    0x00,
);
const ATTR_EGA: [u8; 21] = attr(PAL_TEXT, 0x01, 0x0F, 0x00);
const ATTR_11: [u8; 21] = attr(
    [
        0x00, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F,
        0x3F,
    ],
    0x01,
    0x0F,
    0x00,
);
const ATTR_13: [u8; 21] = attr(
    [
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E,
        0x0F,
    ],
    0x41,
    0x0F,
    0x00,
);

const fn text(number: u8, cols: u8, cga_mode: u8) -> VgaMode {
    let w40 = cols == 40;
    VgaMode {
        number,
        kind: Kind::Text,
        cols,
        rows: 25,
        char_height: 16,
        width: if w40 { 360 } else { 720 },
        height: 400,
        page_size: if w40 { 0x800 } else { 0x1000 },
        pages: 8,
        base: 0xB_8000,
        window: 0x8000,
        misc: 0x67,
        seq: [if w40 { 0x08 } else { 0x00 }, 0x03, 0x00, 0x02],
        crtc: if w40 { CRTC_TEXT40 } else { CRTC_TEXT80 },
        gc: GC_TEXT,
        attr: ATTR_TEXT,
        palette: Palette::Ega,
        cga_mode,
        cga_palette: 0x30,
    }
}

#[allow(clippy::too_many_arguments)]
const fn gfx(
    number: u8,
    kind: Kind,
    (width, height, char_height): (u16, u16, u8),
    (page_size, pages): (u16, u8),
    misc: u8,
    seq: [u8; 4],
    crtc: [u8; 25],
    gc: [u8; 9],
    attr: [u8; 21],
    palette: Palette,
) -> VgaMode {
    let cga = matches!(kind, Kind::Cga4 | Kind::Cga2);
    VgaMode {
        number,
        kind,
        cols: (width / 8) as u8,
        rows: (height / char_height as u16) as u8,
        char_height,
        width,
        height,
        page_size,
        pages,
        base: if cga { 0xB_8000 } else { 0xA_0000 },
        window: if cga { 0x8000 } else { 0x1_0000 },
        misc,
        seq,
        crtc,
        gc,
        attr,
        palette,
        cga_mode: match number {
            4 => 0x2A,
            5 => 0x2E,
            6 => 0x1E,
            _ => 0x29,
        },
        cga_palette: if number == 6 { 0x3F } else { 0x30 },
    }
}

/// Every standard mode.
pub const MODES: [VgaMode; 15] = [
    text(0x00, 40, 0x2C),
    text(0x01, 40, 0x28),
    text(0x02, 80, 0x2D),
    text(0x03, 80, 0x29),
    gfx(
        0x04,
        Kind::Cga4,
        (320, 200, 8),
        (0x4000, 1),
        0x63,
        [0x09, 0x03, 0x00, 0x02],
        CRTC_CGA4,
        GC_CGA4,
        ATTR_CGA4,
        Palette::Ega,
    ),
    gfx(
        0x05,
        Kind::Cga4,
        (320, 200, 8),
        (0x4000, 1),
        0x63,
        [0x09, 0x03, 0x00, 0x02],
        CRTC_CGA4,
        GC_CGA4,
        ATTR_CGA4,
        Palette::Ega,
    ),
    gfx(
        0x06,
        Kind::Cga2,
        (640, 200, 8),
        (0x4000, 1),
        0x63,
        [0x01, 0x01, 0x00, 0x06],
        CRTC_CGA2,
        GC_CGA2,
        ATTR_CGA2,
        Palette::Ega,
    ),
    VgaMode {
        number: 0x07,
        misc: 0x66,
        base: 0xB_0000,
        crtc: CRTC_MONO,
        gc: GC_MONO,
        attr: ATTR_MONO,
        palette: Palette::Mono,
        ..text(0x07, 80, 0x29)
    },
    gfx(
        0x0D,
        Kind::Planar,
        (320, 200, 8),
        (0x2000, 8),
        0x63,
        [0x09, 0x0F, 0x00, 0x06],
        CRTC_0D,
        GC_PLANAR,
        ATTR_CGA16,
        Palette::Ega,
    ),
    gfx(
        0x0E,
        Kind::Planar,
        (640, 200, 8),
        (0x4000, 4),
        0x63,
        [0x01, 0x0F, 0x00, 0x06],
        CRTC_0E,
        GC_PLANAR,
        ATTR_CGA16,
        Palette::Ega,
    ),
    gfx(
        0x0F,
        Kind::Planar,
        (640, 350, 14),
        (0x8000, 2),
        0xA2,
        [0x01, 0x0F, 0x00, 0x06],
        CRTC_350,
        GC_0F,
        ATTR_0F,
        Palette::Mono,
    ),
    gfx(
        0x10,
        Kind::Planar,
        (640, 350, 14),
        (0x8000, 2),
        0xA3,
        [0x01, 0x0F, 0x00, 0x06],
        CRTC_350,
        GC_PLANAR,
        ATTR_EGA,
        Palette::Ega,
    ),
    gfx(
        0x11,
        Kind::Planar,
        (640, 480, 16),
        (0xA000, 1),
        0xE3,
        [0x01, 0x0F, 0x00, 0x06],
        CRTC_480,
        GC_PLANAR,
        ATTR_11,
        Palette::Ega,
    ),
    gfx(
        0x12,
        Kind::Planar,
        (640, 480, 16),
        (0xA000, 1),
        0xE3,
        [0x01, 0x0F, 0x00, 0x06],
        CRTC_480,
        GC_PLANAR,
        ATTR_EGA,
        Palette::Ega,
    ),
    gfx(
        0x13,
        Kind::Linear,
        (320, 200, 8),
        (0xFA00, 1),
        0x63,
        [0x01, 0x0F, 0x00, 0x0E],
        CRTC_13,
        GC_13,
        ATTR_13,
        Palette::Vga256,
    ),
];

/// The mode numbered `n` (bit 7 ignored).
pub fn find(n: u8) -> Option<&'static VgaMode> {
    MODES.iter().find(|m| m.number == n & 0x7F)
}

/// The text modes' vertical timing for 200, 350 or 400 scan lines (INT
/// 10h AH=12h BL=30h): (misc sync polarity bits 7–6, CRTC 06h/07h/09h/
/// 10h/11h/12h/15h/16h, character height).
pub fn text_lines(mode: &mut VgaMode, lines: u16) {
    match lines {
        200 => {
            mode.crtc[9] = 0xC7;
            mode.crtc[0x0A] = 0x06;
            mode.crtc[0x0B] = 0x07;
            mode.char_height = 8;
            mode.height = 200;
        }
        350 => {
            mode.misc = (mode.misc & 0x3F) | 0x80;
            mode.crtc[0x06] = 0xBF;
            mode.crtc[0x07] = 0x1F;
            mode.crtc[0x09] = 0x4D;
            mode.crtc[0x0A] = 0x0B;
            mode.crtc[0x0B] = 0x0C;
            mode.crtc[0x10] = 0x83;
            mode.crtc[0x11] = 0x85;
            mode.crtc[0x12] = 0x5D;
            mode.crtc[0x15] = 0x63;
            mode.crtc[0x16] = 0xBA;
            mode.char_height = 14;
            mode.height = 350;
        }
        _ => {}
    }
}

/// EGA colour `i` (bits 0–2 primary blue/green/red at 2/3 intensity,
/// bits 3–5 secondary at 1/3) as 6-bit DAC components.
pub fn ega_color(i: u8) -> [u8; 3] {
    let c = |primary: u8, secondary: u8| (i >> primary & 1) * 42 + (i >> secondary & 1) * 21;
    [c(2, 5), c(1, 4), c(0, 3)]
}

/// Monochrome entry `i`: bit 3 video (2/3), bit 4 intensity (1/3).
pub fn mono_color(i: u8) -> [u8; 3] {
    let v = (i >> 3 & 1) * 42 + (i >> 4 & 1) * 21;
    [v, v, v]
}

/// Entry `i` of the default 256-colour palette.
pub fn vga256_color(i: u8) -> [u8; 3] {
    const GREY: [u8; 16] = [0, 5, 8, 11, 14, 17, 20, 24, 28, 32, 36, 40, 45, 50, 56, 63];
    // (high, low, three steps between) of the nine hue wheels.
    const WHEELS: [(u8, u8, [u8; 3]); 9] = [
        (63, 0, [16, 31, 47]),
        (63, 31, [39, 47, 55]),
        (63, 45, [49, 54, 58]),
        (28, 0, [7, 14, 21]),
        (28, 14, [17, 21, 24]),
        (28, 20, [22, 24, 26]),
        (16, 0, [4, 8, 12]),
        (16, 8, [10, 12, 14]),
        (16, 11, [12, 13, 15]),
    ];
    match i {
        0..=15 => ega_color(PAL_TEXT[usize::from(i)]),
        16..=31 => {
            let g = GREY[usize::from(i - 16)];
            [g, g, g]
        }
        32..=247 => {
            let n = usize::from(i - 32);
            let (hi, lo, m) = WHEELS[n / 24];
            let ramp = [lo, m[0], m[1], m[2], hi];
            // Position on the wheel: blue→magenta→red→yellow→green→cyan→blue.
            let k = n % 24;
            let up = |s: usize| ramp[s];
            let down = |s: usize| ramp[4 - s];
            match k / 4 {
                0 => [up(k % 4), lo, hi],
                1 => [hi, lo, down(k % 4)],
                2 => [hi, up(k % 4), lo],
                3 => [down(k % 4), hi, lo],
                4 => [lo, hi, up(k % 4)],
                _ => [lo, down(k % 4), hi],
            }
        }
        _ => [0, 0, 0],
    }
}

/// The default DAC contents of `p` (256 entries).
pub fn default_dac(p: Palette) -> Vec<[u8; 3]> {
    (0..=255u8)
        .map(|i| match p {
            Palette::Ega if i < 64 => ega_color(i),
            Palette::Mono if i < 64 => mono_color(i),
            Palette::Vga256 => vga256_color(i),
            _ => [0, 0, 0],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_palettes() {
        // (entry, palette, rgb): IBM VGA default values.
        let cases: &[(u8, Palette, [u8; 3])] = &[
            (0x00, Palette::Ega, [0, 0, 0]),
            (0x14, Palette::Ega, [42, 21, 0]),
            (0x38, Palette::Ega, [21, 21, 21]),
            (0x3F, Palette::Ega, [63, 63, 63]),
            (0x18, Palette::Mono, [63, 63, 63]),
            (0x08, Palette::Mono, [42, 42, 42]),
            (6, Palette::Vga256, [42, 21, 0]),
            (15, Palette::Vga256, [63, 63, 63]),
            (16, Palette::Vga256, [0, 0, 0]),
            (31, Palette::Vga256, [63, 63, 63]),
            (32, Palette::Vga256, [0, 0, 63]),
            (36, Palette::Vga256, [63, 0, 63]),
            (40, Palette::Vga256, [63, 0, 0]),
            (44, Palette::Vga256, [63, 63, 0]),
            (48, Palette::Vga256, [0, 63, 0]),
            (52, Palette::Vga256, [0, 63, 63]),
            (55, Palette::Vga256, [0, 16, 63]),
            (56, Palette::Vga256, [31, 31, 63]),
            (104, Palette::Vga256, [0, 0, 28]),
            (247, Palette::Vga256, [11, 12, 16]),
            (248, Palette::Vga256, [0, 0, 0]),
        ];
        for &(i, p, rgb) in cases {
            assert_eq!(default_dac(p)[usize::from(i)], rgb, "{p:?} {i:#x}");
        }
    }

    #[test]
    fn mode_table_geometry() {
        // (mode, cols, rows, page size, base)
        let cases = [
            (0x00u8, 40u8, 25u8, 0x800u16, 0xB8000u32),
            (0x03, 80, 25, 0x1000, 0xB8000),
            (0x04, 40, 25, 0x4000, 0xB8000),
            (0x06, 80, 25, 0x4000, 0xB8000),
            (0x07, 80, 25, 0x1000, 0xB0000),
            (0x0D, 40, 25, 0x2000, 0xA0000),
            (0x10, 80, 25, 0x8000, 0xA0000),
            (0x12, 80, 30, 0xA000, 0xA0000),
            (0x13, 40, 25, 0xFA00, 0xA0000),
        ];
        for (n, cols, rows, page, base) in cases {
            let m = find(n).unwrap();
            assert_eq!(
                (m.cols, m.rows, m.page_size, m.base),
                (cols, rows, page, base),
                "mode {n:#x}"
            );
        }
        assert!(find(0x08).is_none());
        assert_eq!(find(0x83).unwrap().number, 3);
    }
}
