//! Attribute controller (IBM VGA Technical Reference, "Attribute Controller
//! Registers"; FreeVGA): one port, 0x3C0, toggles between index and data on
//! each write (the flip-flop, reset by reading Input Status 1); data reads at
//! 0x3C1. Index bit 5 (PAS) enables the palette to the display.

/// 10h Attribute Mode Control.
pub const MODE_CONTROL: usize = 0x10;
/// 11h Overscan Color.
pub const OVERSCAN: usize = 0x11;
/// 12h Color Plane Enable.
pub const COLOR_PLANE_ENABLE: usize = 0x12;
/// 13h Horizontal Pixel Panning.
pub const H_PEL_PANNING: usize = 0x13;
/// 14h Color Select.
pub const COLOR_SELECT: usize = 0x14;
/// Number of attribute registers.
pub const ATTR_REGS: usize = 0x15;

/// Attribute controller state.
#[derive(Clone, Debug)]
pub struct AttributeController {
    /// Index register (bits 4–0) with Palette Address Source (bit 5).
    pub index: u8,
    /// Flip-flop: `true` when the next 0x3C0 write is data.
    pub data_next: bool,
    /// Registers 00h–14h.
    pub regs: [u8; ATTR_REGS],
}

impl Default for AttributeController {
    fn default() -> Self {
        AttributeController {
            index: 0,
            data_next: false,
            regs: [0; ATTR_REGS],
        }
    }
}

impl AttributeController {
    /// A write to 0x3C0: index or data depending on the flip-flop.
    pub fn write(&mut self, v: u8) {
        if self.data_next {
            if let Some(r) = self.regs.get_mut(self.index as usize & 0x1F) {
                *r = v;
            }
        } else {
            self.index = v & 0x3F;
        }
        self.data_next = !self.data_next;
    }

    /// A read of 0x3C1: the register at the current index.
    pub fn read_data(&self) -> u8 {
        self.regs
            .get(self.index as usize & 0x1F)
            .copied()
            .unwrap_or(0)
    }

    /// Palette Address Source (index bit 5): the display uses the palette.
    pub fn video_enabled(&self) -> bool {
        self.index & 0x20 != 0
    }

    /// Graphics mode (Mode Control bit 0).
    pub fn graphics(&self) -> bool {
        self.regs[MODE_CONTROL] & 0x01 != 0
    }

    /// Monochrome Emulation (Mode Control bit 1): underline attributes apply.
    pub fn mono(&self) -> bool {
        self.regs[MODE_CONTROL] & 0x02 != 0
    }

    /// Line Graphics Enable: 9th column copies column 8 for C0h–DFh (bit 2).
    pub fn line_graphics(&self) -> bool {
        self.regs[MODE_CONTROL] & 0x04 != 0
    }

    /// Blink Enable: attribute bit 7 blinks instead of bright background (bit 3).
    pub fn blink(&self) -> bool {
        self.regs[MODE_CONTROL] & 0x08 != 0
    }

    /// Pixel panning resets to 0 after a line-compare match (bit 5).
    pub fn pan_compat(&self) -> bool {
        self.regs[MODE_CONTROL] & 0x20 != 0
    }

    /// 8-bit colour (256-colour) mode (bit 6).
    pub fn color8(&self) -> bool {
        self.regs[MODE_CONTROL] & 0x40 != 0
    }

    /// Maps a 4-bit pixel through Color Plane Enable, the palette and Color
    /// Select (P54S, bit 7 of Mode Control) to an 8-bit DAC index.
    pub fn dac_index(&self, pixel: u8) -> u8 {
        let p = self.regs[(pixel & self.regs[COLOR_PLANE_ENABLE] & 0x0F) as usize] & 0x3F;
        let cs = self.regs[COLOR_SELECT];
        let low = if self.regs[MODE_CONTROL] & 0x80 != 0 {
            (p & 0x0F) | (cs & 0x03) << 4
        } else {
            p
        };
        low | (cs & 0x0C) << 4
    }

    /// Horizontal pixel panning in pixels for the current mode.
    pub fn panning(&self, nine_dot_text: bool) -> usize {
        let v = self.regs[H_PEL_PANNING] as usize & 0x0F;
        if nine_dot_text {
            if v >= 8 {
                0
            } else {
                v + 1
            }
        } else if self.color8() {
            (v & 7) >> 1
        } else {
            v & 7
        }
    }
}
