//! CRT controller (IBM VGA Technical Reference, "CRT Controller Registers";
//! FreeVGA "CRTC Registers"): index at 0x3B4/0x3D4, data at 0x3B5/0x3D5.
//!
//! Only the registers the renderer and the status port need are decoded into
//! helpers; every register is stored and reads back. Registers 0–7 are
//! write-protected while bit 7 of the Vertical Retrace End register (11h) is
//! set, except the Line Compare bit (bit 4) of the Overflow register (07h).

/// Number of CRTC registers (00h–18h).
pub const CRTC_REGS: usize = 0x19;

/// 01h End Horizontal Display.
pub const END_HORIZ_DISPLAY: usize = 0x01;
/// 06h Vertical Total.
pub const VERT_TOTAL: usize = 0x06;
/// 07h Overflow.
pub const OVERFLOW: usize = 0x07;
/// 08h Preset Row Scan.
pub const PRESET_ROW_SCAN: usize = 0x08;
/// 09h Maximum Scan Line.
pub const MAX_SCAN_LINE: usize = 0x09;
/// 0Ah Cursor Start.
pub const CURSOR_START: usize = 0x0A;
/// 0Bh Cursor End.
pub const CURSOR_END: usize = 0x0B;
/// 0Ch Start Address High.
pub const START_ADDR_HIGH: usize = 0x0C;
/// 0Dh Start Address Low.
pub const START_ADDR_LOW: usize = 0x0D;
/// 0Eh Cursor Location High.
pub const CURSOR_LOC_HIGH: usize = 0x0E;
/// 0Fh Cursor Location Low.
pub const CURSOR_LOC_LOW: usize = 0x0F;
/// 10h Vertical Retrace Start.
pub const VERT_RETRACE_START: usize = 0x10;
/// 11h Vertical Retrace End (bit 7: protect registers 0–7).
pub const VERT_RETRACE_END: usize = 0x11;
/// 12h Vertical Display End.
pub const VERT_DISPLAY_END: usize = 0x12;
/// 13h Offset (logical line width).
pub const OFFSET: usize = 0x13;
/// 14h Underline Location (bit 6: doubleword mode).
pub const UNDERLINE_LOC: usize = 0x14;
/// 17h CRTC Mode Control.
pub const MODE_CONTROL: usize = 0x17;
/// 18h Line Compare.
pub const LINE_COMPARE: usize = 0x18;

/// How the CRTC's address counter becomes a display-memory address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressMode {
    /// Counter used as is (CR17 bit 6 = 1, CR14 bit 6 = 0).
    Byte,
    /// Counter shifted left by one, bit 13 or 15 into bit 0 (CR17 bit 6 = 0).
    Word,
    /// Counter shifted left by two (CR14 bit 6 = 1). The board also rotates
    /// counter bits into address bits 1–0; that is not modelled, so chain-4
    /// host offsets (`addr & !3`) and the CRTC agree over all 64 KiB.
    Dword,
}

/// CRT controller register file.
#[derive(Clone, Debug)]
pub struct Crtc {
    /// Index register.
    pub index: u8,
    /// Registers 00h–18h.
    pub regs: [u8; CRTC_REGS],
}

impl Default for Crtc {
    fn default() -> Self {
        Crtc {
            index: 0,
            regs: [0; CRTC_REGS],
        }
    }
}

impl Crtc {
    /// Reads the data register at the current index (out-of-range reads 0xFF).
    pub fn read_data(&self) -> u8 {
        self.regs.get(self.index as usize).copied().unwrap_or(0xFF)
    }

    /// Writes the data register at the current index, honouring the 0–7 protect bit.
    pub fn write_data(&mut self, v: u8) {
        let i = self.index as usize;
        if i >= CRTC_REGS {
            return;
        }
        if i <= OVERFLOW && self.regs[VERT_RETRACE_END] & 0x80 != 0 {
            if i == OVERFLOW {
                self.regs[i] = (self.regs[i] & !0x10) | (v & 0x10);
            }
            return;
        }
        self.regs[i] = v;
    }

    /// Characters per scan line (End Horizontal Display + 1).
    pub fn h_chars(&self) -> usize {
        self.regs[END_HORIZ_DISPLAY] as usize + 1
    }

    /// Scan lines displayed (Vertical Display End + 1, bits 8/9 in Overflow 1/6).
    pub fn v_display(&self) -> usize {
        let o = self.regs[OVERFLOW] as usize;
        (self.regs[VERT_DISPLAY_END] as usize | ((o >> 1) & 1) << 8 | ((o >> 6) & 1) << 9) + 1
    }

    /// Vertical total in scan lines (register + 2; bits 8/9 in Overflow 0/5).
    pub fn v_total(&self) -> usize {
        let o = self.regs[OVERFLOW] as usize;
        (self.regs[VERT_TOTAL] as usize | (o & 1) << 8 | ((o >> 5) & 1) << 9) + 2
    }

    /// Vertical retrace start line (bits 8/9 in Overflow 2/7).
    pub fn v_retrace_start(&self) -> usize {
        let o = self.regs[OVERFLOW] as usize;
        self.regs[VERT_RETRACE_START] as usize | ((o >> 2) & 1) << 8 | ((o >> 7) & 1) << 9
    }

    /// Vertical retrace length in lines (end is compared on its low 4 bits).
    pub fn v_retrace_len(&self) -> usize {
        let start = self.v_retrace_start();
        let end = self.regs[VERT_RETRACE_END] as usize & 0x0F;
        let len = end.wrapping_sub(start) & 0x0F;
        if len == 0 {
            16
        } else {
            len
        }
    }

    /// Line compare (split screen) line: bit 8 in Overflow bit 4, bit 9 in CR09 bit 6.
    pub fn line_compare(&self) -> usize {
        let o = self.regs[OVERFLOW] as usize;
        let m = self.regs[MAX_SCAN_LINE] as usize;
        self.regs[LINE_COMPARE] as usize | ((o >> 4) & 1) << 8 | ((m >> 6) & 1) << 9
    }

    /// Maximum scan line of a character row (CR09 bits 4–0).
    pub fn max_scan(&self) -> usize {
        self.regs[MAX_SCAN_LINE] as usize & 0x1F
    }

    /// Scan doubling (CR09 bit 7).
    pub fn double_scan(&self) -> bool {
        self.regs[MAX_SCAN_LINE] & 0x80 != 0
    }

    /// Preset row scan (CR08 bits 4–0).
    pub fn preset_row_scan(&self) -> usize {
        self.regs[PRESET_ROW_SCAN] as usize & 0x1F
    }

    /// Display start address (CR0C:CR0D).
    pub fn start_address(&self) -> usize {
        (self.regs[START_ADDR_HIGH] as usize) << 8 | self.regs[START_ADDR_LOW] as usize
    }

    /// Cursor location (CR0E:CR0F).
    pub fn cursor_location(&self) -> usize {
        (self.regs[CURSOR_LOC_HIGH] as usize) << 8 | self.regs[CURSOR_LOC_LOW] as usize
    }

    /// Cursor scan lines `(start, end)`, or `None` when Cursor Disable (CR0A bit 5) is set.
    pub fn cursor_shape(&self) -> Option<(usize, usize)> {
        if self.regs[CURSOR_START] & 0x20 != 0 {
            return None;
        }
        Some((
            self.regs[CURSOR_START] as usize & 0x1F,
            self.regs[CURSOR_END] as usize & 0x1F,
        ))
    }

    /// Address-counter advance per character row (2 × Offset).
    pub fn row_offset(&self) -> usize {
        self.regs[OFFSET] as usize * 2
    }

    /// Byte, word or doubleword addressing of display memory.
    pub fn address_mode(&self) -> AddressMode {
        if self.regs[UNDERLINE_LOC] & 0x40 != 0 {
            AddressMode::Dword
        } else if self.regs[MODE_CONTROL] & 0x40 == 0 {
            AddressMode::Word
        } else {
            AddressMode::Byte
        }
    }

    /// Maps an address-counter value and row scan to a display-memory offset
    /// (word/dword shifts, then CR17 bits 0/1: row scan bits 0/1 replace
    /// address bits 13/14 when clear — the CGA/Hercules interleave).
    pub fn memory_address(&self, counter: usize, row_scan: usize) -> usize {
        let mut a = match self.address_mode() {
            AddressMode::Byte => counter,
            AddressMode::Word => {
                let wrap_bit = if self.regs[MODE_CONTROL] & 0x20 != 0 {
                    15
                } else {
                    13
                };
                (counter << 1) | ((counter >> wrap_bit) & 1)
            }
            AddressMode::Dword => counter << 2,
        };
        let mc = self.regs[MODE_CONTROL];
        if mc & 0x01 == 0 {
            a = (a & !(1 << 13)) | ((row_scan & 1) << 13);
        }
        if mc & 0x02 == 0 {
            a = (a & !(1 << 14)) | (((row_scan >> 1) & 1) << 14);
        }
        a & 0xFFFF
    }

    /// Bytes of display memory one counter step covers (1, 2 or 4).
    pub fn address_step(&self) -> usize {
        match self.address_mode() {
            AddressMode::Byte => 1,
            AddressMode::Word => 2,
            AddressMode::Dword => 4,
        }
    }
}
