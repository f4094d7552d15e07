//! The PIIX3 IDE controller (Intel 82371SB datasheet, function 1): two
//! channels in compatibility mode at the legacy ports, each with up to two
//! devices — ATA hard disks ([`ata`]) and ATAPI CD-ROMs ([`atapi`]) — and
//! bus-master DMA through PRD tables ([`busmaster`]).
//!
//! | channel | command block | control block | IRQ |
//! |---|---|---|---|
//! | primary | 1F0h–1F7h | 3F6h | 14 |
//! | secondary | 170h–177h | 376h | 15 |
//!
//! The bus-master block is at BMIBA (the PCI function's BAR4, 16 bytes).
//! Which of these ports respond is decided by the PCI function
//! ([`crate::pci::ide::PiixIde::decode`]); the controller is handed that
//! decode on each access. A channel with no device does not answer (its
//! ports float: all-ones), as on a real board with nothing on the cable.
//!
//! Interrupts: a channel's line is its selected device's INTRQ unless
//! nIEN is set ([`Ide::irq_level`]); it is a level the 8259A edge-detects,
//! as the PIIX passes INTRQ to IRQ14/15.
//!
//! DMA: the controller never sees guest memory directly. When a bus-master
//! transfer can run ([`Ide::dma_pending`]) the machine calls
//! [`Ide::run_dma`] with its memory behind the [`DmaMemory`] trait; the
//! whole transfer happens then.
//!
//! All data moves at once: commands complete (or reach their first DRQ
//! block) when the Command register is written, so BSY is only seen during
//! a software reset.

pub mod ata;
pub mod atapi;
pub mod busmaster;
pub mod channel;
pub mod drive;
pub mod pio;

pub use channel::Channel;
pub use drive::{Drive, DriveKind};

use crate::block::{BlockDevice, MediaKind};
use crate::io_bus::IoSize;
use crate::pci::ide::IdeDecode;

/// Guest physical memory as a bus master sees it. Writes must go through
/// the emulator's memory so that cached code in written pages is dropped.
pub trait DmaMemory {
    /// Read `buf.len()` bytes at physical `addr`.
    fn read(&mut self, addr: u32, buf: &mut [u8]);
    /// Write `data` at physical `addr`.
    fn write(&mut self, addr: u32, data: &[u8]);
}

/// Command block base ports of the primary and secondary channels.
pub const IDE_CMD_BASE: [u16; 2] = [0x1F0, 0x170];
/// Control block (alternate status / device control) ports.
pub const IDE_CTL_PORT: [u16; 2] = [0x3F6, 0x376];
/// ISA IRQs of the channels in compatibility mode.
pub const IDE_IRQ: [u8; 2] = [14, 15];
/// Bus-master registers per channel.
pub const BM_CHANNEL_SPAN: u16 = 8;

/// Errors attaching a drive.
#[derive(Debug, thiserror::Error)]
pub enum IdeError {
    #[error("IDE {channel}:{unit} does not exist (channels 0–1, units 0–1)")]
    NoSuchSlot { channel: usize, unit: usize },
    #[error("IDE {channel}:{unit} is already in use")]
    SlotInUse { channel: usize, unit: usize },
    #[error("{0}: a floppy image cannot be attached to IDE")]
    Floppy(String),
}

/// The IDE controller.
#[derive(Debug, Default)]
pub struct Ide {
    pub channels: [Channel; 2],
}

impl Ide {
    /// A controller with no devices.
    pub fn new() -> Self {
        Ide::default()
    }

    /// Attach an image at `channel` (0 primary, 1 secondary), `unit`
    /// (0 master, 1 slave): CD-ROM images become ATAPI devices, disk images
    /// ATA disks.
    pub fn attach(
        &mut self,
        channel: usize,
        unit: usize,
        media: BlockDevice,
    ) -> Result<(), IdeError> {
        let kind = match media.kind() {
            MediaKind::Disk => DriveKind::Ata,
            MediaKind::Cdrom => DriveKind::Atapi,
            MediaKind::Floppy => return Err(IdeError::Floppy(media.path().display().to_string())),
        };
        self.attach_kind(channel, unit, kind, Some(media))
    }

    /// Attach an ATAPI CD-ROM drive with no disc.
    pub fn attach_empty_cdrom(&mut self, channel: usize, unit: usize) -> Result<(), IdeError> {
        self.attach_kind(channel, unit, DriveKind::Atapi, None)
    }

    fn attach_kind(
        &mut self,
        channel: usize,
        unit: usize,
        kind: DriveKind,
        media: Option<BlockDevice>,
    ) -> Result<(), IdeError> {
        let slot = self
            .channels
            .get_mut(channel)
            .and_then(|c| c.drives.get_mut(unit))
            .ok_or(IdeError::NoSuchSlot { channel, unit })?;
        if slot.present() {
            return Err(IdeError::SlotInUse { channel, unit });
        }
        let tf = slot.tf;
        *slot = Drive::new(kind, media);
        slot.tf.device = tf.device;
        slot.slot = (channel * 2 + unit) as u8;
        Ok(())
    }

    /// The device in a slot, if any.
    pub fn drive(&self, channel: usize, unit: usize) -> Option<&Drive> {
        let d = self.channels.get(channel)?.drives.get(unit)?;
        d.present().then_some(d)
    }

    /// The medium in a slot (for firmware disk services sharing the
    /// images with the controller).
    pub fn media_mut(&mut self, channel: usize, unit: usize) -> Option<&mut BlockDevice> {
        self.channels
            .get_mut(channel)?
            .drives
            .get_mut(unit)?
            .media
            .as_mut()
    }

    /// Hardware reset (RESET- on the cable): every device to its power-on
    /// signature, bus masters stopped.
    pub fn reset(&mut self) {
        for c in &mut self.channels {
            for d in &mut c.drives {
                d.reset_signature();
                d.intrq = false;
                d.mult = 0;
                d.cur = d.geom;
            }
            c.sel = 0;
            c.control = 0;
            c.bm = Default::default();
        }
    }

    /// Make every medium's writes durable (host exit).
    pub fn flush(&mut self) {
        for c in &mut self.channels {
            for m in c.drives.iter_mut().filter_map(|d| d.media.as_mut()) {
                if let Err(e) = m.flush() {
                    log::error!("{e}");
                }
            }
        }
    }

    /// A port read, or `None` when the port is not decoded here.
    pub fn io_read(&mut self, port: u16, size: IoSize, decode: &IdeDecode) -> Option<u32> {
        let n = size as usize;
        for (ch, c) in self.channels.iter_mut().enumerate() {
            if !decode.channels[ch] || !c.any_present() {
                continue;
            }
            let base = IDE_CMD_BASE[ch];
            if port == base {
                return Some(c.data_read(n));
            }
            if port > base && port <= base + 7 {
                let mut v = 0u32;
                for i in 0..n as u16 {
                    let reg = port - base + i;
                    let b = if reg <= 7 { c.read_reg(reg) } else { 0xFF };
                    v |= u32::from(b) << (8 * i);
                }
                return Some(v);
            }
            if port == IDE_CTL_PORT[ch] && size == IoSize::Byte {
                return Some(u32::from(c.alt_status()));
            }
        }
        let off = self.bm_offset(port, decode)?;
        let mut v = 0u32;
        for i in 0..n as u16 {
            let o = off + i;
            let b = match self.channels.get((o / BM_CHANNEL_SPAN) as usize) {
                Some(c) => c.bm.read(o % BM_CHANNEL_SPAN),
                None => 0xFF,
            };
            v |= u32::from(b) << (8 * i);
        }
        Some(v)
    }

    /// A port write; `false` when the port is not decoded here.
    pub fn io_write(&mut self, port: u16, size: IoSize, value: u32, decode: &IdeDecode) -> bool {
        let n = size as usize;
        for (ch, c) in self.channels.iter_mut().enumerate() {
            if !decode.channels[ch] || !c.any_present() {
                continue;
            }
            let base = IDE_CMD_BASE[ch];
            if port == base {
                c.data_write(n, value);
                return true;
            }
            if port > base && port <= base + 7 {
                for i in 0..n as u16 {
                    let reg = port - base + i;
                    if reg <= 7 {
                        c.write_reg(reg, (value >> (8 * i)) as u8);
                    }
                }
                return true;
            }
            if port == IDE_CTL_PORT[ch] && size == IoSize::Byte {
                c.write_control(value as u8);
                return true;
            }
        }
        let Some(off) = self.bm_offset(port, decode) else {
            return false;
        };
        for i in 0..n as u16 {
            let o = off + i;
            if let Some(c) = self.channels.get_mut((o / BM_CHANNEL_SPAN) as usize) {
                c.bm.write(o % BM_CHANNEL_SPAN, (value >> (8 * i)) as u8);
            }
        }
        true
    }

    fn bm_offset(&self, port: u16, decode: &IdeDecode) -> Option<u16> {
        let base = decode.bm_base?;
        let off = port.wrapping_sub(base);
        (off < 2 * BM_CHANNEL_SPAN).then_some(off)
    }

    /// The interrupt line of `channel` (IRQ14/15).
    pub fn irq_level(&self, channel: usize) -> bool {
        self.channels.get(channel).is_some_and(Channel::irq_level)
    }

    /// A bus-master transfer can run.
    pub fn dma_pending(&self) -> bool {
        self.channels.iter().any(Channel::dma_pending)
    }

    /// Run the pending bus-master transfers against guest memory (only
    /// while the PCI function's bus mastering is enabled).
    pub fn run_dma(&mut self, mem: &mut dyn DmaMemory, decode: &IdeDecode) {
        if !decode.bus_master {
            return;
        }
        for c in &mut self.channels {
            c.run_dma(mem);
        }
    }
}

#[cfg(test)]
mod tests;
