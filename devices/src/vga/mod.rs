//! VGA adapter model (IBM VGA Technical Reference; FreeVGA) with the Bochs VBE
//! DISPI extension — a self-contained state machine.
//!
//! Split by hardware unit: [`crtc`], [`sequencer`], [`graphics`] (graphics
//! controller registers), [`attribute`], [`dac`], [`memory`] (the four planes
//! and the CPU data path), [`bochs_vbe`] (DISPI + linear framebuffer) and
//! [`render`] (registers → RGB framebuffer, text dump).
//!
//! Ports decoded by [`Vga::io_read`]/[`Vga::io_write`]: 0x3B4/0x3B5 and 0x3BA
//! (mono CRTC/status) or 0x3D4/0x3D5 and 0x3DA (colour) as Miscellaneous Output
//! bit 0 selects — the other set is not decoded; 0x3C0/0x3C1 attribute,
//! 0x3C2 misc output (write) / input status 0 (read), 0x3C3 video subsystem
//! enable, 0x3C4/0x3C5 sequencer, 0x3C6–0x3C9 DAC, 0x3CA feature control read,
//! 0x3CC misc output read, 0x3CE/0x3CF graphics controller, 0x1CE/0x1CF DISPI.
//! Word/dword writes are split into byte writes to consecutive ports.
//!
//! Memory: [`Vga::mem_read`]/[`Vga::mem_write`] take physical addresses in the
//! legacy window 0xA0000–0xBFFFF (decoded per Graphics Misc bits 3–2) or the
//! LFB at [`Vga::lfb_base`].
//!
//! Time: Input Status 1 derives display-enable and vertical-retrace from the
//! virtual time given by [`Vga::set_time_ns`] (a 31.778 µs line, frame length
//! from the CRTC vertical total); text blink and cursor blink use it too.
//!
//! Wiring: `IoBus::attach_vga` puts it on the I/O bus and its PCI function
//! ([`pci`], 00:02.0, 1234:1111, BAR0 = LFB) on PCI bus 0; the machine maps
//! [`LEGACY_WINDOW`] and the LFB as MMIO pages and moves the LFB when the
//! firmware or OS programs BAR0.

pub mod attribute;
pub mod bochs_vbe;
pub mod crtc;
pub mod dac;
pub mod graphics;
pub mod memory;
pub mod pci;
pub mod render;
#[cfg(test)]
mod render_tests;
pub mod sequencer;
#[cfg(test)]
mod tests;

pub use render::Framebuffer;

use attribute::AttributeController;
use bochs_vbe::{BochsVbe, VBE_DISPI_IOPORT_DATA, VBE_DISPI_IOPORT_INDEX, VBE_VRAM_SIZE};
use crtc::Crtc;
use dac::Dac;
use graphics::GraphicsController;
use memory::VgaMemory;
use sequencer::Sequencer;

/// The legacy display memory window, A0000h–BFFFFh (start, length).
pub const LEGACY_WINDOW: (u64, u64) = (0xA_0000, 0x2_0000);

/// A [`Vga::lfb_base`] no 32-bit physical address reaches: the linear
/// framebuffer is not decoded (PCI memory decoding off, BAR unassigned).
pub const LFB_UNMAPPED: u64 = 1 << 40;

/// Duration of one scan line at the 25.175 MHz dot clock (800 dots).
pub const LINE_NS: u64 = 31_778;

/// The VGA adapter.
#[derive(Clone, Debug)]
pub struct Vga {
    /// CRT controller.
    pub crtc: Crtc,
    /// Sequencer.
    pub seq: Sequencer,
    /// Graphics controller.
    pub gc: GraphicsController,
    /// Attribute controller.
    pub attr: AttributeController,
    /// DAC.
    pub dac: Dac,
    /// Display memory.
    pub mem: VgaMemory,
    /// Bochs VBE.
    pub vbe: BochsVbe,
    /// Miscellaneous Output register.
    pub misc_output: u8,
    /// Feature Control register.
    pub feature_control: u8,
    /// Video Subsystem Enable (0x3C3).
    pub subsystem_enable: u8,
    /// Physical address of the linear framebuffer.
    pub lfb_base: u64,
    /// Current virtual time in ns.
    pub now_ns: u64,
    /// Display-affecting registers changed since the last render.
    pub(crate) regs_dirty: bool,
    pub(crate) last_blink: u64,
}

impl Default for Vga {
    fn default() -> Self {
        Vga::new()
    }
}

impl Vga {
    /// Power-on state (registers zero; a BIOS programs a mode).
    pub fn new() -> Self {
        Vga {
            crtc: Crtc::default(),
            seq: Sequencer::default(),
            gc: GraphicsController::default(),
            attr: AttributeController::default(),
            dac: Dac::default(),
            mem: VgaMemory::default(),
            vbe: BochsVbe::default(),
            misc_output: 0,
            feature_control: 0,
            subsystem_enable: 1,
            lfb_base: bochs_vbe::VBE_DISPI_LFB_PHYSICAL_ADDRESS,
            now_ns: 0,
            regs_dirty: true,
            last_blink: u64::MAX,
        }
    }

    /// Sets the virtual time (ns) used for retrace status and blinking.
    pub fn set_time_ns(&mut self, ns: u64) {
        self.now_ns = ns;
    }

    fn color_io(&self) -> bool {
        self.misc_output & 1 != 0
    }

    /// Input Status 1: bit 0 display disabled (blanking), bit 3 vertical retrace.
    /// Reading it resets the attribute flip-flop (done by the caller of this helper).
    pub fn input_status1(&self) -> u8 {
        let total = self.crtc.v_total().max(2) as u64;
        let total = if total < 16 { 449 } else { total };
        let line_pos = self.now_ns / LINE_NS;
        let line = (line_pos % total) as usize;
        let in_line = self.now_ns % LINE_NS;
        let vdisp = self.crtc.v_display();
        let vrs = self.crtc.v_retrace_start();
        let mut v = 0;
        let hblank = in_line >= LINE_NS * 4 / 5;
        if hblank || line >= vdisp {
            v |= 0x01;
        }
        if line >= vrs && line < vrs + self.crtc.v_retrace_len() {
            v |= 0x08;
        }
        v
    }

    /// `port` is one this device answers right now (the 0x3Bx or 0x3Dx CRTC
    /// and status ports follow Miscellaneous Output bit 0).
    pub fn decodes_port(&self, port: u16) -> bool {
        let color = self.color_io();
        match port {
            VBE_DISPI_IOPORT_INDEX | VBE_DISPI_IOPORT_DATA => true,
            0x3C0..=0x3CA | 0x3CC | 0x3CE | 0x3CF => true,
            0x3B4 | 0x3B5 | 0x3BA => !color,
            0x3D4 | 0x3D5 | 0x3DA => color,
            _ => false,
        }
    }

    /// Port read of `size` bytes (1, 2 or 4); wider reads combine consecutive ports.
    pub fn io_read(&mut self, port: u16, size: u8) -> u32 {
        if port == VBE_DISPI_IOPORT_INDEX {
            return self.vbe.index as u32;
        }
        if port == VBE_DISPI_IOPORT_DATA {
            return self.vbe.read_data() as u32;
        }
        let mut v = 0u32;
        for i in 0..size.clamp(1, 4) {
            v |= (self.read_byte(port.wrapping_add(i as u16)) as u32) << (8 * i);
        }
        v
    }

    /// Port write of `size` bytes (1, 2 or 4); wider writes go to consecutive ports.
    pub fn io_write(&mut self, port: u16, size: u8, v: u32) {
        if port == VBE_DISPI_IOPORT_INDEX {
            self.vbe.index = v as u16;
            return;
        }
        if port == VBE_DISPI_IOPORT_DATA {
            self.vbe.write_data(v as u16);
            self.dac.eight_bit = self.vbe.dac8();
            self.regs_dirty = true;
            return;
        }
        for i in 0..size.clamp(1, 4) {
            self.write_byte(port.wrapping_add(i as u16), (v >> (8 * i)) as u8);
        }
    }

    fn read_byte(&mut self, port: u16) -> u8 {
        let color = self.color_io();
        match port {
            0x3B4 | 0x3D4 if (port == 0x3D4) == color => self.crtc.index,
            0x3B5 | 0x3D5 if (port == 0x3D5) == color => self.crtc.read_data(),
            0x3BA | 0x3DA if (port == 0x3DA) == color => {
                self.attr.data_next = false;
                self.input_status1()
            }
            0x3C0 => self.attr.index,
            0x3C1 => self.attr.read_data(),
            0x3C2 => 0x00,
            0x3C3 => self.subsystem_enable,
            0x3C4 => self.seq.index,
            0x3C5 => self.seq.read_data(),
            0x3C6 => self.dac.pel_mask,
            0x3C7 => self.dac.state(),
            0x3C8 => self.dac.write_index,
            0x3C9 => self.dac.read_data(),
            0x3CA => self.feature_control,
            0x3CC => self.misc_output,
            0x3CE => self.gc.index,
            0x3CF => self.gc.read_data(),
            _ => 0xFF,
        }
    }

    fn write_byte(&mut self, port: u16, v: u8) {
        let color = self.color_io();
        match port {
            0x3B4 | 0x3D4 if (port == 0x3D4) == color => self.crtc.index = v,
            0x3B5 | 0x3D5 if (port == 0x3D5) == color => {
                self.crtc.write_data(v);
                self.regs_dirty = true;
            }
            0x3BA | 0x3DA if (port == 0x3DA) == color => self.feature_control = v,
            0x3C0 => {
                let was_enabled = self.attr.video_enabled();
                let was_data = self.attr.data_next;
                self.attr.write(v);
                if was_data || was_enabled != self.attr.video_enabled() {
                    self.regs_dirty = true;
                }
            }
            0x3C2 => {
                self.misc_output = v;
                self.regs_dirty = true;
            }
            0x3C3 => self.subsystem_enable = v,
            0x3C4 => self.seq.index = v,
            0x3C5 => {
                self.seq.write_data(v);
                if self.seq.index & 7 != sequencer::MAP_MASK as u8 {
                    self.regs_dirty = true;
                }
            }
            0x3C6 => {
                self.dac.pel_mask = v;
                self.regs_dirty = true;
            }
            0x3C7 => self.dac.set_read_index(v),
            0x3C8 => self.dac.set_write_index(v),
            0x3C9 => {
                self.dac.write_data(v);
                self.regs_dirty = true;
            }
            0x3CE => self.gc.index = v,
            0x3CF => {
                self.gc.write_data(v);
                let i = self.gc.index as usize & 0x0F;
                if i == graphics::GRAPHICS_MODE || i == graphics::MISC_GRAPHICS {
                    self.regs_dirty = true;
                }
            }
            _ => {}
        }
    }

    /// Window offset of a legacy-window address, if the Memory Map Select decodes it.
    fn legacy_offset(&self, addr: u64) -> Option<usize> {
        if self.misc_output & 0x02 == 0 {
            return None; // RAM Enable clear: the host cannot reach display memory
        }
        let (base, size) = self.gc.memory_window();
        (addr >= base && addr < base + size).then(|| (addr - base) as usize)
    }

    fn mem_read_byte(&mut self, addr: u64) -> u8 {
        if addr >= self.lfb_base && addr < self.lfb_base + VBE_VRAM_SIZE as u64 {
            return self.vbe.lfb_read((addr - self.lfb_base) as usize);
        }
        if self.vbe.enabled() && (0xA0000..0xB0000).contains(&addr) {
            return self.vbe.lfb_read(self.vbe.bank_offset(addr as usize));
        }
        match self.legacy_offset(addr) {
            Some(off) => self.mem.read(&self.seq, &self.gc, off),
            None => 0xFF,
        }
    }

    fn mem_write_byte(&mut self, addr: u64, v: u8) {
        if addr >= self.lfb_base && addr < self.lfb_base + VBE_VRAM_SIZE as u64 {
            self.vbe.lfb_write((addr - self.lfb_base) as usize, v);
            return;
        }
        if self.vbe.enabled() && (0xA0000..0xB0000).contains(&addr) {
            let off = self.vbe.bank_offset(addr as usize);
            self.vbe.lfb_write(off, v);
            return;
        }
        if let Some(off) = self.legacy_offset(addr) {
            self.mem.write(&self.seq, &self.gc, off, v);
        }
    }

    /// MMIO read of `size` bytes (little-endian) at physical `addr`; bytes
    /// outside the decoded windows read 0xFF.
    pub fn mem_read(&mut self, addr: u64, size: u8) -> u64 {
        let mut v = 0u64;
        for i in 0..size.clamp(1, 8) {
            v |= (self.mem_read_byte(addr.wrapping_add(i as u64)) as u64) << (8 * i);
        }
        v
    }

    /// MMIO write of `size` bytes (little-endian) at physical `addr`.
    pub fn mem_write(&mut self, addr: u64, size: u8, v: u64) {
        for i in 0..size.clamp(1, 8) {
            self.mem_write_byte(addr.wrapping_add(i as u64), (v >> (8 * i)) as u8);
        }
    }

    /// `addr` is in the legacy window or the linear framebuffer, the ranges
    /// the board maps to this device (decoded or not: undecoded bytes read
    /// 0xFF and ignore writes).
    pub fn owns_address(&self, addr: u64) -> bool {
        (LEGACY_WINDOW.0..LEGACY_WINDOW.0 + LEGACY_WINDOW.1).contains(&addr)
            || (addr >= self.lfb_base && addr < self.lfb_base + VBE_VRAM_SIZE as u64)
    }

    /// `addr` is in a window this device decodes right now (legacy window or LFB).
    pub fn claims(&self, addr: u64) -> bool {
        (addr >= self.lfb_base && addr < self.lfb_base + VBE_VRAM_SIZE as u64)
            || (self.vbe.enabled() && (0xA0000..0xB0000).contains(&addr))
            || self.legacy_offset(addr).is_some()
    }
}
