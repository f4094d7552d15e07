//! Rendering the VGA state to an RGB framebuffer, driven by the registers
//! (never by a BIOS mode number), and the text dump.
//!
//! Geometry: width = CRTC End Horizontal Display + 1 characters × 8 or 9 dots
//! (text) or × 8 pixels (planar/CGA graphics) or × 4 pixels (256-colour shift
//! mode); height = CRTC Vertical Display End + 1 scan lines, halved by Scan
//! Doubling (CR09 bit 7). In graphics modes whose CRTC Mode Control has both
//! CMS and SRS set (no CGA interleave), repeated scan lines of a character row
//! (CR09 bits 4–0 > 0, e.g. mode 13h and Mode X) are shown once, so mode 13h
//! is 320×200 and Mode X 320×240.
//!
//! Each scan line walks the CRTC address counter (start address, Offset,
//! preset row scan, max scan line, byte/word/doubleword addressing, CGA
//! interleave, line compare resetting the counter for the split screen,
//! horizontal pixel panning, reset after line compare when Attribute Mode bit 5
//! is set). The 256-colour path takes the 8-bit pixel straight to the DAC
//! (the palette registers are bypassed — BIOS modes program them as identity).
//!
//! Dirty tracking: display-affecting register writes, DAC writes, a font-plane
//! write in text mode, a blink-attribute phase change or a new frame size
//! redraw the whole frame; a cursor blink phase change redraws the cursor's row; otherwise only scan lines whose memory range holds a written
//! 256-byte granule (4 KiB in the LFB) are redrawn, and with nothing written
//! [`super::Vga::render`] returns `false` without touching the framebuffer.
//!
//! Not modelled: the overscan border colour (the frame is the display area
//! only), the 256-colour path through the attribute palette, Mode Control
//! bit 7/bit 6 subtleties of the pixel clock, and CRTC horizontal timing
//! beyond End Horizontal Display (no partial-line effects).

mod graphics;
mod text;

use super::Vga;

/// One frame of 0x00RRGGBB pixels.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Framebuffer {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Row-major pixels, `width * height`.
    pub pixels: Vec<u32>,
}

impl Framebuffer {
    /// Pixel at (x, y), 0 outside.
    pub fn pixel(&self, x: usize, y: usize) -> u32 {
        if x < self.width {
            self.pixels.get(y * self.width + x).copied().unwrap_or(0)
        } else {
            0
        }
    }

    fn resize(&mut self, w: usize, h: usize) -> bool {
        if self.width == w && self.height == h && self.pixels.len() == w * h {
            return false;
        }
        self.width = w;
        self.height = h;
        self.pixels.clear();
        self.pixels.resize(w * h, 0);
        true
    }
}

/// Approximate frame time (70 Hz) for blink rates.
const FRAME_NS: u64 = 14_268_000;
/// Largest frame this renderer produces in either direction.
const MAX_DIM: usize = 4096;

/// Scan-line walk shared by the text and graphics paths.
pub(crate) struct ScanLine {
    /// Output row.
    pub y: usize,
    /// CRTC address counter at the start of the row.
    pub counter: usize,
    /// Row scan within the character row.
    pub row_scan: usize,
    /// Pixel panning for this line.
    pub pan: usize,
}

impl Vga {
    /// Output size of the current legacy (non-VBE) mode.
    pub fn legacy_size(&self) -> (usize, usize) {
        let chars = self.crtc.h_chars();
        let w = if !self.attr.graphics() {
            chars * if self.seq.dot8() { 8 } else { 9 }
        } else if self.attr.color8() {
            chars * 4
        } else {
            chars * 8
        };
        let mut h = self.crtc.v_display();
        if self.crtc.double_scan() {
            h /= 2;
        }
        if self.collapse_rows() {
            h /= self.crtc.max_scan() + 1;
        }
        (w.clamp(1, MAX_DIM), h.clamp(1, MAX_DIM))
    }

    fn collapse_rows(&self) -> bool {
        self.attr.graphics()
            && self.crtc.regs[super::crtc::MODE_CONTROL] & 3 == 3
            && self.crtc.max_scan() > 0
    }

    /// The scan lines of the frame in display order (line compare applied).
    pub(crate) fn scan_lines(&self, height: usize, mut f: impl FnMut(&ScanLine)) {
        let vdisp = self.crtc.v_display().min(2 * MAX_DIM);
        let dbl = self.crtc.double_scan();
        let collapse = self.collapse_rows();
        let max_scan = self.crtc.max_scan();
        let compare = self.crtc.line_compare();
        let text9 = !self.attr.graphics() && !self.seq.dot8();
        let mut pan = self.attr.panning(text9);
        let mut counter = self.crtc.start_address();
        let mut row_scan = self.crtc.preset_row_scan();
        let mut y = 0;
        for line in 0..vdisp {
            if line == compare {
                counter = 0;
                row_scan = 0;
                if self.attr.pan_compat() {
                    pan = 0;
                }
            }
            let emit = (!dbl || line % 2 == 0) && (!collapse || row_scan == 0);
            if emit && y < height {
                f(&ScanLine {
                    y,
                    counter,
                    row_scan,
                    pan,
                });
                y += 1;
            }
            if !dbl || line % 2 == 1 {
                row_scan += 1;
                if row_scan > max_scan {
                    row_scan = 0;
                    counter = counter.wrapping_add(self.crtc.row_offset()) & 0xFFFF;
                }
            }
        }
    }

    /// Renders the current screen into `fb`; returns whether any pixel may
    /// have changed. Cheap (no pixel work) when nothing was written.
    pub fn render(&mut self, fb: &mut Framebuffer) -> bool {
        if self.vbe.enabled() {
            return self.render_vbe(fb);
        }
        let (w, h) = self.legacy_size();
        let text = !self.attr.graphics();
        let blink = self.now_ns / (16 * FRAME_NS);
        let mut full = fb.resize(w, h) || self.regs_dirty || self.vbe.regs_dirty;
        if text && self.mem.plane2_dirty {
            full = true;
        }
        if text && blink != self.last_blink {
            // Blink attribute phase (every 32 frames) changes every blinking
            // cell: redraw all. The cursor phase (every 16) only its cell.
            if self.attr.blink() && blink / 2 != self.last_blink / 2 {
                full = true;
            } else if self.crtc.cursor_shape().is_some() {
                let loc = self.crtc.cursor_location();
                for scan in 0..4 {
                    let a = self.crtc.memory_address(loc, scan);
                    self.mem.mark_dirty(a);
                }
            }
        }
        self.last_blink = blink;
        if !full && !self.mem.any_dirty() {
            return false;
        }
        if self.seq.screen_off() || !self.attr.video_enabled() {
            fb.pixels.fill(0);
        } else if text {
            self.render_text(fb, full, blink);
        } else {
            self.render_graphics(fb, full);
        }
        self.mem.clear_dirty();
        self.vbe.clear_dirty();
        self.regs_dirty = false;
        true
    }

    /// Size of the frame [`Vga::render`] produces right now (VBE or legacy).
    pub fn display_size(&self) -> (usize, usize) {
        if self.vbe.enabled() {
            (
                (self.vbe.reg(super::bochs_vbe::VBE_DISPI_INDEX_XRES) as usize).clamp(1, MAX_DIM),
                (self.vbe.reg(super::bochs_vbe::VBE_DISPI_INDEX_YRES) as usize).clamp(1, MAX_DIM),
            )
        } else {
            self.legacy_size()
        }
    }

    /// Text cursor `(row, column)` relative to the start address, when in a
    /// text mode with the cursor enabled and on screen.
    pub fn text_cursor(&self) -> Option<(usize, usize)> {
        if self.attr.graphics() || self.vbe.enabled() {
            return None;
        }
        self.crtc.cursor_shape()?;
        let stride = self.crtc.row_offset().max(1);
        let rel = self
            .crtc
            .cursor_location()
            .checked_sub(self.crtc.start_address())?;
        let (row, col) = (rel / stride, rel % stride);
        (col < self.crtc.h_chars() && row < self.text_screen_rows()).then_some((row, col))
    }

    fn text_screen_rows(&self) -> usize {
        let mut lines = self.crtc.v_display();
        if self.crtc.double_scan() {
            lines /= 2;
        }
        (lines / (self.crtc.max_scan() + 1)).min(MAX_DIM)
    }

    /// Characters of the current text screen, one `String` per row (CP437
    /// mapped to Unicode, NUL shown as a space). Empty in graphics or VBE modes.
    /// The split screen (line compare) is not reflected in the dump.
    pub fn text_screen(&self) -> Vec<String> {
        if self.attr.graphics() || self.vbe.enabled() {
            return Vec::new();
        }
        let cols = self.crtc.h_chars();
        let rows = self.text_screen_rows();
        let start = self.crtc.start_address();
        (0..rows)
            .map(|r| {
                let row = start + r * self.crtc.row_offset();
                (0..cols)
                    .map(|c| {
                        let a = self.crtc.memory_address((row + c) & 0xFFFF, 0);
                        text::cp437(self.mem.planes[0][a])
                    })
                    .collect()
            })
            .collect()
    }
}
