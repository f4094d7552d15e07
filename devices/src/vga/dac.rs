//! Video DAC (IBM VGA Technical Reference, "Video DAC Palette"; FreeVGA):
//! 0x3C6 PEL mask, 0x3C7 read index (write) / DAC state (read), 0x3C8 write
//! index, 0x3C9 data. Each of the 256 entries is three 6-bit values written or
//! read red, green, blue; after the third the index auto-increments.

/// DAC state.
#[derive(Clone, Debug)]
pub struct Dac {
    /// 256 entries of `[r, g, b]`, 6 bits each (8 bits in Bochs VBE 8-bit DAC mode).
    pub palette: [[u8; 3]; 256],
    /// PEL mask (0x3C6).
    pub pel_mask: u8,
    /// Next entry written through 0x3C9.
    pub write_index: u8,
    /// Next entry read through 0x3C9.
    pub read_index: u8,
    /// Component (0 red, 1 green, 2 blue) of the current access.
    pub component: u8,
    /// `true` after a 0x3C7 write (reads in progress), `false` after 0x3C8.
    pub reading: bool,
    /// Bochs VBE 8-bit DAC: entries keep 8 bits.
    pub eight_bit: bool,
}

impl Default for Dac {
    fn default() -> Self {
        Dac {
            palette: [[0; 3]; 256],
            pel_mask: 0xFF,
            write_index: 0,
            read_index: 0,
            component: 0,
            reading: false,
            eight_bit: false,
        }
    }
}

impl Dac {
    /// 0x3C7 write: start reading at `index`.
    pub fn set_read_index(&mut self, index: u8) {
        self.read_index = index;
        self.component = 0;
        self.reading = true;
    }

    /// 0x3C8 write: start writing at `index`.
    pub fn set_write_index(&mut self, index: u8) {
        self.write_index = index;
        self.component = 0;
        self.reading = false;
    }

    /// 0x3C7 read: DAC state, 3 in read mode and 0 in write mode.
    pub fn state(&self) -> u8 {
        if self.reading {
            3
        } else {
            0
        }
    }

    /// 0x3C9 write: one component; the third one advances the write index.
    pub fn write_data(&mut self, v: u8) {
        let mask = if self.eight_bit { 0xFF } else { 0x3F };
        self.palette[self.write_index as usize][self.component as usize] = v & mask;
        self.component += 1;
        if self.component == 3 {
            self.component = 0;
            self.write_index = self.write_index.wrapping_add(1);
        }
    }

    /// 0x3C9 read: one component; the third one advances the read index.
    pub fn read_data(&mut self) -> u8 {
        let v = self.palette[self.read_index as usize][self.component as usize];
        self.component += 1;
        if self.component == 3 {
            self.component = 0;
            self.read_index = self.read_index.wrapping_add(1);
        }
        v
    }

    /// Entry `index` (after the PEL mask) as 0x00RRGGBB, 6-bit values scaled to 8 bits.
    pub fn rgb(&self, index: u8) -> u32 {
        let [r, g, b] = self.palette[(index & self.pel_mask) as usize];
        let s = |c: u8| -> u32 {
            if self.eight_bit {
                c as u32
            } else {
                let c = (c & 0x3F) as u32;
                (c << 2) | (c >> 4)
            }
        };
        s(r) << 16 | s(g) << 8 | s(b)
    }
}
