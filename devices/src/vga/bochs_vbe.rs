//! Bochs VBE "DISPI" interface (Bochs `vbe.h` register set, as used by
//! SeaBIOS's VGA BIOS and Linux `bochs-drm`): index port 0x1CE, data port
//! 0x1CF, 16-bit registers, and a linear framebuffer (LFB).
//!
//! The LFB lives in its own memory ([`VBE_VRAM_SIZE`]); the legacy planes are
//! separate (on the Bochs card they share VRAM — nothing here relies on that).
//! While DISPI is enabled the A0000 64 KiB window maps bank `BANK` of the LFB.

/// Index port.
pub const VBE_DISPI_IOPORT_INDEX: u16 = 0x1CE;
/// Data port.
pub const VBE_DISPI_IOPORT_DATA: u16 = 0x1CF;
/// 00h ID.
pub const VBE_DISPI_INDEX_ID: usize = 0;
/// 01h X resolution.
pub const VBE_DISPI_INDEX_XRES: usize = 1;
/// 02h Y resolution.
pub const VBE_DISPI_INDEX_YRES: usize = 2;
/// 03h Bits per pixel.
pub const VBE_DISPI_INDEX_BPP: usize = 3;
/// 04h Enable.
pub const VBE_DISPI_INDEX_ENABLE: usize = 4;
/// 05h Bank (64 KiB window at A0000).
pub const VBE_DISPI_INDEX_BANK: usize = 5;
/// 06h Virtual width.
pub const VBE_DISPI_INDEX_VIRT_WIDTH: usize = 6;
/// 07h Virtual height.
pub const VBE_DISPI_INDEX_VIRT_HEIGHT: usize = 7;
/// 08h X offset.
pub const VBE_DISPI_INDEX_X_OFFSET: usize = 8;
/// 09h Y offset.
pub const VBE_DISPI_INDEX_Y_OFFSET: usize = 9;
/// 0Ah Video memory in 64 KiB units (read-only).
pub const VBE_DISPI_INDEX_VIDEO_MEMORY_64K: usize = 0x0A;
const NUM_REGS: usize = 0x0B;

/// Newest interface ID this model answers to.
pub const VBE_DISPI_ID5: u16 = 0xB0C5;
/// Oldest ID.
pub const VBE_DISPI_ID0: u16 = 0xB0C0;
/// ENABLE bit 0: DISPI enabled.
pub const VBE_DISPI_ENABLED: u16 = 0x01;
/// ENABLE bit 1: reads of XRES/YRES/BPP return the maxima.
pub const VBE_DISPI_GETCAPS: u16 = 0x02;
/// ENABLE bit 5: 8-bit DAC.
pub const VBE_DISPI_8BIT_DAC: u16 = 0x20;
/// ENABLE bit 6: LFB enabled.
pub const VBE_DISPI_LFB_ENABLED: u16 = 0x40;
/// ENABLE bit 7: do not clear memory on enable.
pub const VBE_DISPI_NOCLEARMEM: u16 = 0x80;
/// Maximum X resolution.
pub const VBE_DISPI_MAX_XRES: u16 = 2560;
/// Maximum Y resolution.
pub const VBE_DISPI_MAX_YRES: u16 = 1600;
/// Maximum bits per pixel.
pub const VBE_DISPI_MAX_BPP: u16 = 32;
/// LFB size (16 MiB).
pub const VBE_VRAM_SIZE: usize = 16 << 20;
/// Default LFB physical address (BAR0 once the PCI function exists).
pub const VBE_DISPI_LFB_PHYSICAL_ADDRESS: u64 = 0xE000_0000;
/// LFB dirty-tracking granule.
pub const LFB_GRANULE: usize = 4096;

/// DISPI registers and the linear framebuffer.
#[derive(Clone, Debug)]
pub struct BochsVbe {
    /// Index register.
    pub index: u16,
    regs: [u16; NUM_REGS],
    /// The linear framebuffer memory.
    pub vram: Vec<u8>,
    dirty: Vec<u64>,
    /// Registers changed since the last render.
    pub regs_dirty: bool,
}

impl Default for BochsVbe {
    fn default() -> Self {
        let mut regs = [0; NUM_REGS];
        regs[VBE_DISPI_INDEX_ID] = VBE_DISPI_ID5;
        regs[VBE_DISPI_INDEX_XRES] = 640;
        regs[VBE_DISPI_INDEX_YRES] = 480;
        regs[VBE_DISPI_INDEX_BPP] = 8;
        regs[VBE_DISPI_INDEX_VIDEO_MEMORY_64K] = (VBE_VRAM_SIZE >> 16) as u16;
        BochsVbe {
            index: 0,
            regs,
            vram: vec![0; VBE_VRAM_SIZE],
            dirty: vec![0; VBE_VRAM_SIZE / LFB_GRANULE / 64],
            regs_dirty: true,
        }
    }
}

/// Bytes per pixel for a DISPI BPP value (15 and 16 both take 2).
pub fn bytes_per_pixel(bpp: u16) -> usize {
    match bpp {
        15 | 16 => 2,
        24 => 3,
        32 => 4,
        _ => 1,
    }
}

impl BochsVbe {
    /// Register value by index (without GETCAPS substitution).
    pub fn reg(&self, i: usize) -> u16 {
        self.regs.get(i).copied().unwrap_or(0)
    }

    /// DISPI is enabled.
    pub fn enabled(&self) -> bool {
        self.regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_ENABLED != 0
    }

    /// 8-bit DAC requested.
    pub fn dac8(&self) -> bool {
        self.regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_8BIT_DAC != 0
    }

    /// Data-port read.
    pub fn read_data(&self) -> u16 {
        let i = self.index as usize;
        if self.regs[VBE_DISPI_INDEX_ENABLE] & VBE_DISPI_GETCAPS != 0 {
            match i {
                VBE_DISPI_INDEX_XRES => return VBE_DISPI_MAX_XRES,
                VBE_DISPI_INDEX_YRES => return VBE_DISPI_MAX_YRES,
                VBE_DISPI_INDEX_BPP => return VBE_DISPI_MAX_BPP,
                _ => {}
            }
        }
        self.reg(i)
    }

    /// Data-port write.
    pub fn write_data(&mut self, v: u16) {
        let i = self.index as usize;
        match i {
            VBE_DISPI_INDEX_ID if (VBE_DISPI_ID0..=VBE_DISPI_ID5).contains(&v) => {
                self.regs[i] = v;
            }
            VBE_DISPI_INDEX_XRES | VBE_DISPI_INDEX_YRES if !self.enabled() => self.regs[i] = v,
            VBE_DISPI_INDEX_BPP if !self.enabled() => {
                self.regs[i] = if v == 0 { 8 } else { v };
            }
            VBE_DISPI_INDEX_BANK => {
                let banks = (VBE_VRAM_SIZE >> 16) as u16;
                self.regs[i] = v % banks;
            }
            VBE_DISPI_INDEX_ENABLE => self.write_enable(v),
            VBE_DISPI_INDEX_VIRT_WIDTH => {
                self.regs[i] = v;
                self.fix_virtual();
            }
            VBE_DISPI_INDEX_X_OFFSET | VBE_DISPI_INDEX_Y_OFFSET => self.regs[i] = v,
            VBE_DISPI_INDEX_VIRT_HEIGHT | VBE_DISPI_INDEX_VIDEO_MEMORY_64K => {}
            _ => {}
        }
        self.regs_dirty = true;
    }

    fn write_enable(&mut self, v: u16) {
        let was = self.enabled();
        if v & VBE_DISPI_ENABLED != 0 && !was {
            let bpp = self.regs[VBE_DISPI_INDEX_BPP];
            if ![8, 15, 16, 24, 32].contains(&bpp)
                || self.regs[VBE_DISPI_INDEX_XRES] == 0
                || self.regs[VBE_DISPI_INDEX_YRES] == 0
                || self.regs[VBE_DISPI_INDEX_XRES] > VBE_DISPI_MAX_XRES
                || self.regs[VBE_DISPI_INDEX_YRES] > VBE_DISPI_MAX_YRES
            {
                // Bochs refuses an unusable mode; stay disabled.
                self.regs[VBE_DISPI_INDEX_ENABLE] = v & !VBE_DISPI_ENABLED;
                return;
            }
            self.regs[VBE_DISPI_INDEX_VIRT_WIDTH] = self.regs[VBE_DISPI_INDEX_XRES];
            self.regs[VBE_DISPI_INDEX_X_OFFSET] = 0;
            self.regs[VBE_DISPI_INDEX_Y_OFFSET] = 0;
            self.regs[VBE_DISPI_INDEX_BANK] = 0;
            self.fix_virtual();
            if v & VBE_DISPI_NOCLEARMEM == 0 {
                self.vram.fill(0);
            }
            self.mark_all_dirty();
        }
        self.regs[VBE_DISPI_INDEX_ENABLE] = v;
    }

    /// Clamps the virtual width to the resolution and derives the virtual height.
    fn fix_virtual(&mut self) {
        let xres = self.regs[VBE_DISPI_INDEX_XRES];
        if self.regs[VBE_DISPI_INDEX_VIRT_WIDTH] < xres {
            self.regs[VBE_DISPI_INDEX_VIRT_WIDTH] = xres;
        }
        let pitch = self.pitch().max(1);
        let h = (VBE_VRAM_SIZE / pitch).min(u16::MAX as usize) as u16;
        self.regs[VBE_DISPI_INDEX_VIRT_HEIGHT] = h;
    }

    /// Bytes per virtual scan line.
    pub fn pitch(&self) -> usize {
        self.regs[VBE_DISPI_INDEX_VIRT_WIDTH] as usize
            * bytes_per_pixel(self.regs[VBE_DISPI_INDEX_BPP])
    }

    /// Byte offset in the LFB of the first displayed pixel.
    pub fn start_offset(&self) -> usize {
        self.regs[VBE_DISPI_INDEX_Y_OFFSET] as usize * self.pitch()
            + self.regs[VBE_DISPI_INDEX_X_OFFSET] as usize
                * bytes_per_pixel(self.regs[VBE_DISPI_INDEX_BPP])
    }

    /// LFB byte read (out of range reads 0xFF).
    pub fn lfb_read(&self, offset: usize) -> u8 {
        self.vram.get(offset).copied().unwrap_or(0xFF)
    }

    /// LFB byte write (out of range is dropped).
    pub fn lfb_write(&mut self, offset: usize, v: u8) {
        if let Some(b) = self.vram.get_mut(offset) {
            *b = v;
            let g = offset / LFB_GRANULE;
            self.dirty[g / 64] |= 1 << (g % 64);
        }
    }

    /// LFB offset of banked-window offset `off` (A0000 window, 64 KiB banks).
    pub fn bank_offset(&self, off: usize) -> usize {
        ((self.regs[VBE_DISPI_INDEX_BANK] as usize) << 16) + (off & 0xFFFF)
    }

    /// Any LFB granule in `[start, start + len)` written since the last clear.
    pub fn range_dirty(&self, start: usize, len: usize) -> bool {
        if len == 0 {
            return false;
        }
        let first = start / LFB_GRANULE;
        let last = (start + len - 1) / LFB_GRANULE;
        (first..=last).any(|g| {
            self.dirty
                .get(g / 64)
                .is_some_and(|w| w >> (g % 64) & 1 != 0)
        })
    }

    /// Any LFB write since the last clear.
    pub fn any_dirty(&self) -> bool {
        self.regs_dirty || self.dirty.iter().any(|&w| w != 0)
    }

    /// Marks the whole LFB dirty.
    pub fn mark_all_dirty(&mut self) {
        self.dirty.fill(u64::MAX);
    }

    /// Forgets all dirty marks.
    pub fn clear_dirty(&mut self) {
        self.dirty.fill(0);
        self.regs_dirty = false;
    }
}
