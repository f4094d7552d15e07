//! Display memory: four 64 KiB planes and the graphics controller's CPU data
//! path (IBM VGA Technical Reference, "Graphics Controller"; FreeVGA "VGA
//! Memory Organization", "Graphics Controller Registers").
//!
//! Host addressing (offset within the memory-map window):
//! - Chain 4 (Sequencer Memory Mode bit 3): address bits 1–0 select the plane
//!   and the plane offset is the address with those bits cleared (as on the real
//!   board, so mode 13h uses every fourth byte of each plane and the CRTC reads
//!   it in doubleword mode).
//! - Odd/Even (Memory Mode bit 2 clear): address bit 0 selects planes 0/2
//!   (even) or 1/3 (odd) for writes, and the plane offset has bit 0 cleared;
//!   reads with Graphics Mode bit 4 take plane `(Read Map Select & 2) | A0`.
//! - Otherwise every plane sees the address unchanged (planar modes, Mode X).
//!
//! Simplification: the Odd/Even Page Select (Misc Output bit 5) and Chain
//! Odd/Even (Graphics Misc bit 1) do not alter the plane offset; host bit 0
//! (or bits 1–0 for chain 4) is simply cleared, which keeps the host view
//! and the CRTC's word/doubleword fetches consistent.
//!
//! Every read loads the four latches. Write modes 0–3 rotate, apply Set/Reset,
//! the logical function against the latches and the Bit Mask; the Map Mask
//! selects the planes written. Read mode 1 is the colour compare.

use super::graphics::{
    GraphicsController, BIT_MASK, COLOR_COMPARE, COLOR_DONT_CARE, ENABLE_SET_RESET,
    READ_MAP_SELECT, SET_RESET,
};
use super::sequencer::Sequencer;

/// Size of one plane.
pub const PLANE_SIZE: usize = 0x10000;
/// Dirty-tracking granule within a plane.
pub const DIRTY_GRANULE: usize = 256;
const DIRTY_WORDS: usize = PLANE_SIZE / DIRTY_GRANULE / 64;

/// The four planes, the latches and the dirty map.
#[derive(Clone, Debug)]
pub struct VgaMemory {
    /// Planes 0–3.
    pub planes: [Vec<u8>; 4],
    /// Latches loaded by every host read.
    pub latch: [u8; 4],
    dirty: [u64; DIRTY_WORDS],
    /// A write reached plane 2 (the font plane in text modes).
    pub plane2_dirty: bool,
}

impl Default for VgaMemory {
    fn default() -> Self {
        VgaMemory {
            planes: [
                vec![0; PLANE_SIZE],
                vec![0; PLANE_SIZE],
                vec![0; PLANE_SIZE],
                vec![0; PLANE_SIZE],
            ],
            latch: [0; 4],
            dirty: [0; DIRTY_WORDS],
            plane2_dirty: false,
        }
    }
}

fn func(f: u8, data: u8, latch: u8) -> u8 {
    match f {
        0 => data,
        1 => data & latch,
        2 => data | latch,
        _ => data ^ latch,
    }
}

fn expand(bit: bool) -> u8 {
    if bit {
        0xFF
    } else {
        0
    }
}

impl VgaMemory {
    /// Host read of window offset `addr`.
    pub fn read(&mut self, seq: &Sequencer, gc: &GraphicsController, addr: usize) -> u8 {
        let (offset, plane) = if seq.chain4() {
            (addr & 0xFFFC, addr & 3)
        } else if gc.host_odd_even() {
            (
                addr & 0xFFFE,
                (gc.regs[READ_MAP_SELECT] as usize & 2) | (addr & 1),
            )
        } else {
            (addr & 0xFFFF, gc.regs[READ_MAP_SELECT] as usize & 3)
        };
        for p in 0..4 {
            self.latch[p] = self.planes[p][offset];
        }
        if gc.read_mode1() {
            let cc = gc.regs[COLOR_COMPARE];
            let care = gc.regs[COLOR_DONT_CARE];
            let mut diff = 0u8;
            for p in 0..4 {
                if care >> p & 1 != 0 {
                    diff |= self.latch[p] ^ expand(cc >> p & 1 != 0);
                }
            }
            !diff
        } else {
            self.latch[plane]
        }
    }

    /// Host write of `v` to window offset `addr`.
    pub fn write(&mut self, seq: &Sequencer, gc: &GraphicsController, addr: usize, v: u8) {
        let mut mask = seq.map_mask();
        let offset = if seq.chain4() {
            mask &= 1 << (addr & 3);
            addr & 0xFFFC
        } else if seq.odd_even() {
            mask &= if addr & 1 == 0 { 0b0101 } else { 0b1010 };
            addr & 0xFFFE
        } else {
            addr & 0xFFFF
        };
        if mask == 0 {
            return;
        }
        let sr = gc.regs[SET_RESET];
        let esr = gc.regs[ENABLE_SET_RESET];
        let f = gc.function();
        let rotated = v.rotate_right(gc.rotate());
        let mut bit_mask = gc.regs[BIT_MASK];
        let mut data = [0u8; 4];
        match gc.write_mode() {
            0 => {
                for (p, d) in data.iter_mut().enumerate() {
                    let src = if esr >> p & 1 != 0 {
                        expand(sr >> p & 1 != 0)
                    } else {
                        rotated
                    };
                    *d = func(f, src, self.latch[p]);
                }
            }
            1 => {
                data = self.latch;
                bit_mask = 0xFF;
            }
            2 => {
                for (p, d) in data.iter_mut().enumerate() {
                    *d = func(f, expand(v >> p & 1 != 0), self.latch[p]);
                }
            }
            _ => {
                bit_mask &= rotated;
                for (p, d) in data.iter_mut().enumerate() {
                    *d = func(f, expand(sr >> p & 1 != 0), self.latch[p]);
                }
            }
        }
        for (p, d) in data.iter().enumerate() {
            if mask >> p & 1 != 0 {
                self.planes[p][offset] = (d & bit_mask) | (self.latch[p] & !bit_mask);
            }
        }
        if mask & 0b0100 != 0 {
            self.plane2_dirty = true;
        }
        self.mark_dirty(offset);
    }

    /// Marks the granule holding plane offset `offset` dirty.
    pub fn mark_dirty(&mut self, offset: usize) {
        let g = (offset & 0xFFFF) / DIRTY_GRANULE;
        self.dirty[g / 64] |= 1 << (g % 64);
    }

    /// Any granule overlapping plane offsets `[start, start + len)` (wrapping at 64 KiB) is dirty.
    pub fn range_dirty(&self, start: usize, len: usize) -> bool {
        if len == 0 {
            return false;
        }
        let first = (start & 0xFFFF) / DIRTY_GRANULE;
        let count = (len.min(PLANE_SIZE) + (start % DIRTY_GRANULE)).div_ceil(DIRTY_GRANULE);
        (0..count).any(|i| {
            let g = (first + i) % (PLANE_SIZE / DIRTY_GRANULE);
            self.dirty[g / 64] >> (g % 64) & 1 != 0
        })
    }

    /// Any write since the last [`VgaMemory::clear_dirty`].
    pub fn any_dirty(&self) -> bool {
        self.plane2_dirty || self.dirty.iter().any(|&w| w != 0)
    }

    /// Forgets all dirty marks (after a render).
    pub fn clear_dirty(&mut self) {
        self.dirty = [0; DIRTY_WORDS];
        self.plane2_dirty = false;
    }
}
