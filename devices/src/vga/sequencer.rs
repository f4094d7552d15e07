//! Sequencer (IBM VGA Technical Reference, "Sequencer Registers"; FreeVGA):
//! index at 0x3C4, data at 0x3C5.

/// 00h Reset.
pub const RESET: usize = 0;
/// 01h Clocking Mode.
pub const CLOCKING_MODE: usize = 1;
/// 02h Map Mask.
pub const MAP_MASK: usize = 2;
/// 03h Character Map Select.
pub const CHAR_MAP_SELECT: usize = 3;
/// 04h Memory Mode.
pub const MEMORY_MODE: usize = 4;
/// Number of sequencer registers.
pub const SEQ_REGS: usize = 5;

/// Sequencer register file.
#[derive(Clone, Debug, Default)]
pub struct Sequencer {
    /// Index register.
    pub index: u8,
    /// Registers 00h–04h.
    pub regs: [u8; SEQ_REGS],
}

impl Sequencer {
    /// Reads the data register (out-of-range index reads 0xFF).
    pub fn read_data(&self) -> u8 {
        self.regs
            .get(self.index as usize & 7)
            .copied()
            .unwrap_or(0xFF)
    }

    /// Writes the data register (the index is decoded on its low 3 bits).
    pub fn write_data(&mut self, v: u8) {
        if let Some(r) = self.regs.get_mut(self.index as usize & 7) {
            *r = v;
        }
    }

    /// Character clock is 8 dots (Clocking Mode bit 0 set) rather than 9.
    pub fn dot8(&self) -> bool {
        self.regs[CLOCKING_MODE] & 0x01 != 0
    }

    /// Screen Disable (Clocking Mode bit 5).
    pub fn screen_off(&self) -> bool {
        self.regs[CLOCKING_MODE] & 0x20 != 0
    }

    /// Map Mask: planes enabled for CPU writes.
    pub fn map_mask(&self) -> u8 {
        self.regs[MAP_MASK] & 0x0F
    }

    /// Chain 4 (Memory Mode bit 3): CPU address bits 1–0 select the plane.
    pub fn chain4(&self) -> bool {
        self.regs[MEMORY_MODE] & 0x08 != 0
    }

    /// Odd/Even host addressing (Memory Mode bit 2 *clear*).
    pub fn odd_even(&self) -> bool {
        self.regs[MEMORY_MODE] & 0x04 == 0
    }

    /// Font offsets in plane 2 for attribute bit 3 = 0 (map B) and = 1 (map A).
    /// Map n lives at n × 16 KiB for n < 4 and at (n − 4) × 16 KiB + 8 KiB above.
    pub fn font_bases(&self) -> (usize, usize) {
        let r = self.regs[CHAR_MAP_SELECT] as usize;
        let b = ((r >> 4) & 1) << 2 | (r & 3);
        let a = ((r >> 5) & 1) << 2 | ((r >> 2) & 3);
        (map_offset(b), map_offset(a))
    }
}

fn map_offset(n: usize) -> usize {
    (n & 3) * 0x4000 + (n >> 2) * 0x2000
}
