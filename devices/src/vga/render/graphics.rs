//! Graphics modes: 16-colour planar (0Dh–12h: pixel bit p from plane p),
//! CGA 4-colour (Shift Register Interleave: 2-bit pixels from planes 0/1 and
//! 2/3), CGA 2-colour (planar with one plane enabled), 256-colour (mode 13h
//! and unchained Mode X: one byte from each plane per character clock), and
//! the Bochs VBE linear modes (8/15/16/24/32 bpp).

use super::super::bochs_vbe::{
    bytes_per_pixel, VBE_DISPI_INDEX_BPP, VBE_DISPI_INDEX_XRES, VBE_DISPI_INDEX_YRES,
};
use super::{Framebuffer, Vga, MAX_DIM};

impl Vga {
    pub(super) fn render_graphics(&mut self, fb: &mut Framebuffer, full: bool) {
        let pal16: [u32; 16] = core::array::from_fn(|i| self.dac.rgb(self.attr.dac_index(i as u8)));
        let pal256: [u32; 256] = core::array::from_fn(|i| self.dac.rgb(i as u8));
        let cols = self.crtc.h_chars();
        let step = self.crtc.address_step();
        let c8 = self.attr.color8();
        let interleave = self.gc.shift_interleave();
        let ppc = if c8 { 4 } else { 8 };
        let width = fb.width;
        let height = fb.height;
        let mem = &self.mem;
        let crtc = &self.crtc;
        let pixels = &mut fb.pixels;
        self.scan_lines(height, |sl| {
            let first = crtc.memory_address(sl.counter, sl.row_scan);
            if !full && !mem.range_dirty(first, (cols + 1) * step) {
                return;
            }
            let row = &mut pixels[sl.y * width..(sl.y + 1) * width];
            for c in 0..=cols {
                let a = crtc.memory_address((sl.counter + c) & 0xFFFF, sl.row_scan);
                let p = [
                    mem.planes[0][a],
                    mem.planes[1][a],
                    mem.planes[2][a],
                    mem.planes[3][a],
                ];
                for dx in 0..ppc {
                    let x = (c * ppc + dx) as isize - sl.pan as isize;
                    if x < 0 || x as usize >= width {
                        continue;
                    }
                    row[x as usize] = if c8 {
                        pal256[p[dx] as usize]
                    } else if interleave {
                        let (lo, hi) = if dx < 4 { (p[0], p[2]) } else { (p[1], p[3]) };
                        let sh = 6 - 2 * (dx % 4);
                        let v = (lo >> sh) & 3 | ((hi >> sh) & 3) << 2;
                        pal16[v as usize]
                    } else {
                        let sh = 7 - dx;
                        let v = (p[0] >> sh) & 1
                            | ((p[1] >> sh) & 1) << 1
                            | ((p[2] >> sh) & 1) << 2
                            | ((p[3] >> sh) & 1) << 3;
                        pal16[v as usize]
                    };
                }
            }
        });
    }

    pub(super) fn render_vbe(&mut self, fb: &mut Framebuffer) -> bool {
        let w = (self.vbe.reg(VBE_DISPI_INDEX_XRES) as usize).clamp(1, MAX_DIM);
        let h = (self.vbe.reg(VBE_DISPI_INDEX_YRES) as usize).clamp(1, MAX_DIM);
        let bpp = self.vbe.reg(VBE_DISPI_INDEX_BPP);
        let bytes = bytes_per_pixel(bpp);
        let full = fb.resize(w, h) || self.regs_dirty || self.vbe.regs_dirty;
        if !full && !self.vbe.any_dirty() {
            return false;
        }
        let pal256: [u32; 256] = core::array::from_fn(|i| self.dac.rgb(i as u8));
        let pitch = self.vbe.pitch();
        let start = self.vbe.start_offset();
        let vram = &self.vbe.vram;
        for y in 0..h {
            let line = start + y * pitch;
            if !full && !self.vbe.range_dirty(line, w * bytes) {
                continue;
            }
            let row = &mut fb.pixels[y * w..(y + 1) * w];
            // Fast path: the whole line inside the LFB at 32 bpp.
            if bpp == 32 {
                if let Some(src) = vram.get(line..line + w * 4) {
                    for (px, c) in row.iter_mut().zip(src.chunks_exact(4)) {
                        *px = u32::from_le_bytes([c[0], c[1], c[2], 0]);
                    }
                    continue;
                }
            }
            for (x, px) in row.iter_mut().enumerate() {
                let o = line + x * bytes;
                let b = |i: usize| vram.get(o + i).copied().unwrap_or(0) as u32;
                *px = match bpp {
                    15 => {
                        let v = b(0) | b(1) << 8;
                        let (r, g, bl) = ((v >> 10) & 31, (v >> 5) & 31, v & 31);
                        (r << 3 | r >> 2) << 16 | (g << 3 | g >> 2) << 8 | (bl << 3 | bl >> 2)
                    }
                    16 => {
                        let v = b(0) | b(1) << 8;
                        let (r, g, bl) = ((v >> 11) & 31, (v >> 5) & 63, v & 31);
                        (r << 3 | r >> 2) << 16 | (g << 2 | g >> 4) << 8 | (bl << 3 | bl >> 2)
                    }
                    24 | 32 => b(2) << 16 | b(1) << 8 | b(0),
                    _ => pal256[b(0) as usize],
                };
            }
        }
        self.vbe.clear_dirty();
        self.mem.clear_dirty();
        self.regs_dirty = false;
        true
    }
}
