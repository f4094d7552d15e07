//! The PC/AT's two Intel 8237A DMA controllers (8237A High Performance
//! Programmable DMA Controller datasheet; IBM PC AT Technical Reference,
//! "DMA Controller" and "System I/O address map"; Intel 82371 PIIX "DMA
//! registers").
//!
//! - DMA1 (channels 0–3, byte transfers) decodes ports 0x00–0x0F; DMA2
//!   (channels 4–7, word transfers) decodes 0xC0–0xDF with its registers on
//!   even ports (A0 of the register select is the bus's A1). Channel 4 is
//!   DMA2's cascade input from DMA1: with it masked or not in cascade mode,
//!   no 8-bit channel can reach the bus.
//! - The page registers at 0x81–0x8F (0x87/0x83/0x81/0x82 for channels
//!   0–3, 0x8F/0x8B/0x89/0x8A for 4–7) supply address bits 23–16; the
//!   other ports of the block are plain scratch registers. Port 0x80 (the
//!   POST code port) belongs to the debug ports.
//! - 8-bit channels address bytes: A23–A16 from the page, A15–A0 from the
//!   current address register, which wraps inside the 64 KiB page. 16-bit
//!   channels address words: A23–A17 from the page (its bit 0 unused),
//!   A16–A1 from the address register, wrapping inside 128 KiB; their count
//!   is in words.
//! - Registers per channel: base/current address and base/current word
//!   count (16 bits each, written and read low byte then high byte through
//!   the byte pointer flip-flop), mode. Per controller: command, status (TC
//!   bits 3–0 cleared on read, request bits 7–4), request, mask, temporary.
//!
//! Transfers: a device asks for its channel ([`Dma8237::channel_ready`])
//! and the machine moves the bytes at once with [`Dma8237::transfer`]:
//! write transfers (device → memory), read transfers (memory → device) and
//! verify (counts only), address increment or decrement, up to terminal
//! count. At TC the channel's status bit is set and it either reloads its
//! base registers (auto-initialize) or masks itself. Demand, single and
//! block modes all move the data the device offers while DREQ is active:
//! they differ only in bus timing, which is not modelled. Memory-to-memory
//! transfers (DMA1 channels 0/1, command bit 0) are not supported: no PC
//! software uses them; the bit is stored and ignored.

use crate::ide::DmaMemory;

/// First port of DMA1 (channels 0–3).
pub const DMA1_BASE: u16 = 0x00;
/// First port of DMA2 (channels 4–7; registers on even ports).
pub const DMA2_BASE: u16 = 0xC0;
/// Page register block (0x80 itself is the POST code port).
pub const PAGE_BASE: u16 = 0x80;
/// Page register port of each channel (PC/AT).
pub const PAGE_PORTS: [u16; 8] = [0x87, 0x83, 0x81, 0x82, 0x8F, 0x8B, 0x89, 0x8A];

/// Register select 8: status (read) / command (write).
pub const REG_STATUS_COMMAND: u8 = 8;
/// Register select 9: request register (write).
pub const REG_REQUEST: u8 = 9;
/// Register select 10: single mask register bit (write).
pub const REG_SINGLE_MASK: u8 = 10;
/// Register select 11: mode register (write).
pub const REG_MODE: u8 = 11;
/// Register select 12: clear byte pointer flip-flop (write).
pub const REG_CLEAR_FLIP_FLOP: u8 = 12;
/// Register select 13: temporary register (read) / master clear (write).
pub const REG_TEMP_MASTER_CLEAR: u8 = 13;
/// Register select 14: clear mask register (write).
pub const REG_CLEAR_MASK: u8 = 14;
/// Register select 15: write all mask register bits (reads back the mask
/// on the PIIX).
pub const REG_ALL_MASK: u8 = 15;

/// Mode register bits 3–2: transfer type.
pub const MODE_TRANSFER_MASK: u8 = 0x0C;
/// Transfer type: verify (no memory cycle).
pub const MODE_VERIFY: u8 = 0x00;
/// Transfer type: write transfer (I/O device → memory).
pub const MODE_WRITE: u8 = 0x04;
/// Transfer type: read transfer (memory → I/O device).
pub const MODE_READ: u8 = 0x08;
/// Mode register bit 4: auto-initialize.
pub const MODE_AUTOINIT: u8 = 0x10;
/// Mode register bit 5: address decrement.
pub const MODE_DECREMENT: u8 = 0x20;
/// Mode register bits 7–6: mode select.
pub const MODE_SELECT_MASK: u8 = 0xC0;
/// Mode select: demand mode.
pub const MODE_DEMAND: u8 = 0x00;
/// Mode select: single mode.
pub const MODE_SINGLE: u8 = 0x40;
/// Mode select: block mode.
pub const MODE_BLOCK: u8 = 0x80;
/// Mode select: cascade mode.
pub const MODE_CASCADE: u8 = 0xC0;

/// Command register bit 0: memory-to-memory enable.
pub const CMD_MEM_TO_MEM: u8 = 0x01;
/// Command register bit 2: controller disable.
pub const CMD_DISABLE: u8 = 0x04;

/// Request/single-mask register bit 2: set (1) or reset (0) the bit.
pub const REQ_MASK_SET: u8 = 0x04;

/// One channel's registers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DmaChannel {
    pub base_address: u16,
    pub base_count: u16,
    pub current_address: u16,
    pub current_count: u16,
    pub mode: u8,
}

/// One 8237A.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dma8237Chip {
    pub channels: [DmaChannel; 4],
    pub command: u8,
    /// TC bits 3–0 (the request bits 7–4 are computed on read).
    pub tc: u8,
    /// Software request bits 3–0.
    pub request: u8,
    /// Mask bits 3–0.
    pub mask: u8,
    pub temporary: u8,
    /// Byte pointer flip-flop: the next 16-bit register access is the high
    /// byte.
    pub flip_flop: bool,
}

impl Default for Dma8237Chip {
    fn default() -> Self {
        Dma8237Chip {
            channels: [DmaChannel::default(); 4],
            command: 0,
            tc: 0,
            request: 0,
            mask: 0x0F,
            temporary: 0,
            flip_flop: false,
        }
    }
}

impl Dma8237Chip {
    /// Master clear (and hardware reset): command, status, request,
    /// temporary and flip-flop cleared, all channels masked. Address,
    /// count and mode registers keep their contents.
    pub fn master_clear(&mut self) {
        self.command = 0;
        self.tc = 0;
        self.request = 0;
        self.temporary = 0;
        self.flip_flop = false;
        self.mask = 0x0F;
    }

    fn read(&mut self, reg: u8, dreq: u8) -> u8 {
        match reg {
            0..=7 => {
                let ch = &self.channels[usize::from(reg >> 1)];
                let v = if reg & 1 == 0 {
                    ch.current_address
                } else {
                    ch.current_count
                };
                let hi = self.flip_flop;
                self.flip_flop = !hi;
                (v >> if hi { 8 } else { 0 }) as u8
            }
            REG_STATUS_COMMAND => {
                let v = self.tc | ((self.request | dreq) & 0x0F) << 4;
                self.tc = 0;
                v
            }
            REG_TEMP_MASTER_CLEAR => self.temporary,
            REG_ALL_MASK => 0xF0 | self.mask,
            _ => 0xFF,
        }
    }

    fn write(&mut self, reg: u8, value: u8) {
        match reg {
            0..=7 => {
                let hi = self.flip_flop;
                self.flip_flop = !hi;
                let ch = &mut self.channels[usize::from(reg >> 1)];
                let set = |r: &mut u16| {
                    *r = if hi {
                        (*r & 0x00FF) | u16::from(value) << 8
                    } else {
                        (*r & 0xFF00) | u16::from(value)
                    }
                };
                // Writing the base register writes the current one too.
                if reg & 1 == 0 {
                    set(&mut ch.base_address);
                    set(&mut ch.current_address);
                } else {
                    set(&mut ch.base_count);
                    set(&mut ch.current_count);
                }
            }
            REG_STATUS_COMMAND => self.command = value,
            REG_REQUEST => {
                let bit = 1 << (value & 3);
                if value & REQ_MASK_SET != 0 {
                    self.request |= bit;
                } else {
                    self.request &= !bit;
                }
            }
            REG_SINGLE_MASK => {
                let bit = 1 << (value & 3);
                if value & REQ_MASK_SET != 0 {
                    self.mask |= bit;
                } else {
                    self.mask &= !bit;
                }
            }
            REG_MODE => self.channels[usize::from(value & 3)].mode = value & !3,
            REG_CLEAR_FLIP_FLOP => self.flip_flop = false,
            REG_TEMP_MASTER_CLEAR => self.master_clear(),
            REG_CLEAR_MASK => self.mask = 0,
            REG_ALL_MASK => self.mask = value & 0x0F,
            _ => {}
        }
    }

    /// Channel `n` (0–3) can be granted the bus by this chip.
    fn channel_enabled(&self, n: usize) -> bool {
        self.command & CMD_DISABLE == 0 && self.mask & (1 << n) == 0
    }
}

/// Result of [`Dma8237::transfer`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DmaTransfer {
    /// Bytes of the device's buffer used (moved, or counted in verify).
    pub bytes: usize,
    /// The channel reached terminal count (the device sees TC).
    pub tc: bool,
}

/// The two controllers and the page registers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dma8237 {
    /// DMA1 (channels 0–3) and DMA2 (channels 4–7).
    pub chips: [Dma8237Chip; 2],
    /// Page registers 0x80–0x8F (index = port − 0x80).
    pub pages: [u8; 16],
    /// DREQ lines from devices, by channel.
    pub dreq: u8,
}

impl Dma8237 {
    /// Power-on state: every channel masked, registers cleared.
    pub fn new() -> Self {
        Dma8237::default()
    }

    /// Whether the controllers decode `port`.
    pub fn decodes(port: u16) -> bool {
        matches!(port, 0x00..=0x0F | 0xC0..=0xDF | 0x81..=0x8F)
    }

    /// The RESET pin (system reset): both chips master-cleared (every
    /// channel masked); page registers keep their contents.
    pub fn reset(&mut self) {
        for c in &mut self.chips {
            c.master_clear();
        }
        self.dreq = 0;
    }

    /// What a PC BIOS POST does: channel 4 in cascade mode and unmasked,
    /// so that DMA1's channels reach the bus.
    pub fn firmware_setup(&mut self) {
        self.write(DMA2_BASE + 2 * u16::from(REG_MODE), MODE_CASCADE);
        self.write(DMA2_BASE + 2 * u16::from(REG_SINGLE_MASK), 0);
    }

    /// Read a byte port (see [`Dma8237::decodes`]); other ports read 0xFF.
    pub fn read(&mut self, port: u16) -> u8 {
        match port {
            0x00..=0x0F => self.chips[0].read(port as u8, self.dreq & 0x0F),
            0xC0..=0xDF if port & 1 == 0 => {
                self.chips[1].read(((port - DMA2_BASE) >> 1) as u8, self.dreq >> 4)
            }
            0x81..=0x8F => self.pages[usize::from(port - PAGE_BASE)],
            _ => 0xFF,
        }
    }

    /// Write a byte port.
    pub fn write(&mut self, port: u16, value: u8) {
        match port {
            0x00..=0x0F => self.chips[0].write(port as u8, value),
            0xC0..=0xDF if port & 1 == 0 => {
                self.chips[1].write(((port - DMA2_BASE) >> 1) as u8, value)
            }
            0x81..=0x8F => self.pages[usize::from(port - PAGE_BASE)] = value,
            _ => {}
        }
    }

    /// Drive channel `ch`'s DREQ line (shown in the status register's
    /// request bits).
    pub fn set_dreq(&mut self, ch: usize, level: bool) {
        let bit = 1u8 << (ch & 7);
        if level {
            self.dreq |= bit;
        } else {
            self.dreq &= !bit;
        }
    }

    /// Channel `ch` (0–7) would be granted the bus now: unmasked, its
    /// controller enabled, not a cascade channel, and for channels 0–3
    /// the cascade channel 4 unmasked in cascade mode.
    pub fn channel_ready(&self, ch: usize) -> bool {
        if ch > 7 {
            return false;
        }
        let (chip, n) = (&self.chips[ch / 4], ch % 4);
        if !chip.channel_enabled(n) || chip.channels[n].mode & MODE_SELECT_MASK == MODE_CASCADE {
            return false;
        }
        ch >= 4
            || (self.chips[1].channel_enabled(0)
                && self.chips[1].channels[0].mode & MODE_SELECT_MASK == MODE_CASCADE)
    }

    /// Physical address of channel `ch`'s current transfer unit.
    pub fn current_address(&self, ch: usize) -> u32 {
        let c = &self.chips[(ch / 4) & 1].channels[ch % 4];
        let page = u32::from(self.pages[usize::from(PAGE_PORTS[ch & 7] - PAGE_BASE)]);
        if ch < 4 {
            page << 16 | u32::from(c.current_address)
        } else {
            (page & 0xFE) << 16 | u32::from(c.current_address) << 1
        }
    }

    /// Serve a device's request on channel `ch`: move units between `dev`
    /// and memory as the channel's mode says (write transfer: `dev` →
    /// memory; read transfer: memory → `dev`; verify: nothing moves) until
    /// terminal count or the end of `dev`. Nothing happens when the
    /// channel is not ready ([`Dma8237::channel_ready`]).
    pub fn transfer(&mut self, ch: usize, dev: &mut [u8], mem: &mut dyn DmaMemory) -> DmaTransfer {
        let mut done = DmaTransfer::default();
        if !self.channel_ready(ch) {
            return done;
        }
        let unit = if ch < 4 { 1 } else { 2 };
        while done.bytes + unit <= dev.len() {
            let addr = self.current_address(ch);
            let chip = &mut self.chips[ch / 4];
            let c = &mut chip.channels[ch % 4];
            let data = &mut dev[done.bytes..done.bytes + unit];
            match c.mode & MODE_TRANSFER_MASK {
                MODE_WRITE => mem.write(addr, data),
                MODE_READ => mem.read(addr, data),
                _ => {}
            }
            done.bytes += unit;
            c.current_address = if c.mode & MODE_DECREMENT != 0 {
                c.current_address.wrapping_sub(1)
            } else {
                c.current_address.wrapping_add(1)
            };
            let (count, wrapped) = c.current_count.overflowing_sub(1);
            c.current_count = count;
            if wrapped {
                chip.tc |= 1 << (ch % 4);
                chip.request &= !(1 << (ch % 4));
                if c.mode & MODE_AUTOINIT != 0 {
                    c.current_address = c.base_address;
                    c.current_count = c.base_count;
                } else {
                    chip.mask |= 1 << (ch % 4);
                }
                done.tc = true;
                break;
            }
        }
        done
    }
}

#[cfg(test)]
mod tests;
