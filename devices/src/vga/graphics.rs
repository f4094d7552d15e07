//! Graphics controller (IBM VGA Technical Reference, "Graphics Controller
//! Registers"; FreeVGA): index at 0x3CE, data at 0x3CF. The data path it
//! controls (write/read modes, latches) is in `memory.rs`.

/// 00h Set/Reset.
pub const SET_RESET: usize = 0;
/// 01h Enable Set/Reset.
pub const ENABLE_SET_RESET: usize = 1;
/// 02h Color Compare.
pub const COLOR_COMPARE: usize = 2;
/// 03h Data Rotate (bits 2–0 count, bits 4–3 logical function).
pub const DATA_ROTATE: usize = 3;
/// 04h Read Map Select.
pub const READ_MAP_SELECT: usize = 4;
/// 05h Graphics Mode.
pub const GRAPHICS_MODE: usize = 5;
/// 06h Miscellaneous Graphics.
pub const MISC_GRAPHICS: usize = 6;
/// 07h Color Don't Care.
pub const COLOR_DONT_CARE: usize = 7;
/// 08h Bit Mask.
pub const BIT_MASK: usize = 8;
/// Number of graphics controller registers.
pub const GC_REGS: usize = 9;

/// Graphics controller register file.
#[derive(Clone, Debug, Default)]
pub struct GraphicsController {
    /// Index register.
    pub index: u8,
    /// Registers 00h–08h.
    pub regs: [u8; GC_REGS],
}

impl GraphicsController {
    /// Reads the data register (out-of-range index reads 0xFF).
    pub fn read_data(&self) -> u8 {
        self.regs
            .get(self.index as usize & 0x0F)
            .copied()
            .unwrap_or(0xFF)
    }

    /// Writes the data register.
    pub fn write_data(&mut self, v: u8) {
        if let Some(r) = self.regs.get_mut(self.index as usize & 0x0F) {
            *r = v;
        }
    }

    /// Write mode 0–3 (Graphics Mode bits 1–0).
    pub fn write_mode(&self) -> u8 {
        self.regs[GRAPHICS_MODE] & 3
    }

    /// Read mode 1 (colour compare) when Graphics Mode bit 3 is set.
    pub fn read_mode1(&self) -> bool {
        self.regs[GRAPHICS_MODE] & 0x08 != 0
    }

    /// Host Odd/Even read addressing (Graphics Mode bit 4).
    pub fn host_odd_even(&self) -> bool {
        self.regs[GRAPHICS_MODE] & 0x10 != 0
    }

    /// Shift Register Interleave: CGA 2-bit pixels (Graphics Mode bit 5).
    pub fn shift_interleave(&self) -> bool {
        self.regs[GRAPHICS_MODE] & 0x20 != 0
    }

    /// 256-colour shift mode (Graphics Mode bit 6).
    pub fn shift256(&self) -> bool {
        self.regs[GRAPHICS_MODE] & 0x40 != 0
    }

    /// Graphics (not alphanumeric) mode (Miscellaneous bit 0).
    pub fn graphics_mode(&self) -> bool {
        self.regs[MISC_GRAPHICS] & 0x01 != 0
    }

    /// Chain Odd/Even (Miscellaneous bit 1).
    pub fn chain_odd_even(&self) -> bool {
        self.regs[MISC_GRAPHICS] & 0x02 != 0
    }

    /// Memory map window `(base, size)` from Miscellaneous bits 3–2.
    pub fn memory_window(&self) -> (u64, u64) {
        match (self.regs[MISC_GRAPHICS] >> 2) & 3 {
            0 => (0xA0000, 0x20000),
            1 => (0xA0000, 0x10000),
            2 => (0xB0000, 0x8000),
            _ => (0xB8000, 0x8000),
        }
    }

    /// Rotate count (Data Rotate bits 2–0).
    pub fn rotate(&self) -> u32 {
        (self.regs[DATA_ROTATE] & 7) as u32
    }

    /// Logical function: 0 replace, 1 AND, 2 OR, 3 XOR (Data Rotate bits 4–3).
    pub fn function(&self) -> u8 {
        (self.regs[DATA_ROTATE] >> 3) & 3
    }
}
