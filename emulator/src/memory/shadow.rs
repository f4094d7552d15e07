//! Shadow RAM in C0000–FFFFF, as the i440FX's Programmable Attribute Map
//! registers PAM0–PAM6 select it (Intel 440FX PCIset datasheet, 82441FX
//! §3.2 "PAM — Programmable Attribute Map Registers").
//!
//! Each PAM nibble controls one segment: PAM0 bits 7–4 the 64 KiB at
//! F0000–FFFFF (its low nibble is reserved); PAM1–PAM6 two 16 KiB segments
//! each, low nibble first, from C0000 up to EFFFF. Nibble bit 0 (RE): reads
//! go to DRAM, else to the PCI/ISA bus; bit 1 (WE): writes go to DRAM, else
//! to the bus. On the bus, the segment shows whatever ROM the board maps
//! there (the BIOS, an option ROM) or open bus, and writes are dropped.
//! A BIOS copies itself into shadow RAM with WE set (SeaBIOS enables
//! RE|WE and copies from the alias below 4 GiB), then write-protects it
//! (RE only).
//!
//! Until the board first applies its PAM registers ([`Memory::set_pam`]),
//! memory does not model them: C0000–FFFFF is RAM except where a ROM is
//! mapped — the state a BIOS leaves behind, which a directly booted kernel
//! expects. A machine running real firmware applies the power-on values
//! (all zero: everything on the bus) before the first instruction.
//!
//! A change of what a page reads from is a write to that page for the
//! block cache: its cached code is invalidated. The chipset's PCI
//! configuration write reaches memory through [`Cpu::sync_shadow_ram`],
//! which the CPU calls after every CONFIG_DATA write.

use super::{Memory, PageKind, NO_ROM, PAGE_SHIFT};
use crate::cpu::Cpu;

/// Number of PAM-controlled segments: F0000–FFFFF and twelve 16 KiB
/// segments from C0000 to EFFFF.
pub const PAM_SEGMENTS: usize = 13;
/// First page of the shadowed area (C0000).
const SHADOW_FIRST_PAGE: usize = 0xC0;
/// Last page of the shadowed area (FF000).
const SHADOW_LAST_PAGE: usize = 0xFF;
/// First page of the F0000 segment.
const F_SEGMENT_FIRST_PAGE: usize = 0xF0;

/// Where the reads and writes of a segment go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PamMode {
    /// 00: both to the bus (ROM or open bus).
    Bus,
    /// 01 (RE): reads from DRAM, writes to the bus (write-protected shadow).
    ReadOnly,
    /// 10 (WE): reads from the bus, writes to DRAM (copying ROM to shadow).
    WriteOnly,
    /// 11: both to DRAM.
    ReadWrite,
}

impl PamMode {
    /// From a PAM nibble's RE (bit 0) and WE (bit 1).
    pub fn from_nibble(n: u8) -> Self {
        match n & 3 {
            0 => PamMode::Bus,
            1 => PamMode::ReadOnly,
            2 => PamMode::WriteOnly,
            _ => PamMode::ReadWrite,
        }
    }
}

/// The segment (index into [`Memory::pam`]) holding shadow page `p`.
fn segment(p: usize) -> usize {
    if p >= F_SEGMENT_FIRST_PAGE {
        0
    } else {
        1 + (p - SHADOW_FIRST_PAGE) / 4
    }
}

impl Memory {
    /// Apply the seven PAM register values (PAM0 at 59h first). Returns
    /// whether any segment changed mode.
    pub fn set_pam(&mut self, pam: &[u8; 7]) -> bool {
        let mut modes = [PamMode::Bus; PAM_SEGMENTS];
        modes[0] = PamMode::from_nibble(pam[0] >> 4);
        for (i, reg) in pam[1..].iter().enumerate() {
            modes[1 + 2 * i] = PamMode::from_nibble(reg & 0xF);
            modes[2 + 2 * i] = PamMode::from_nibble(reg >> 4);
        }
        if self.pam_managed && modes == self.pam {
            return false;
        }
        self.pam_managed = true;
        self.pam = modes;
        self.refresh_shadow(SHADOW_FIRST_PAGE, SHADOW_LAST_PAGE);
        true
    }

    /// The PAM mode of the segment holding physical address `addr`
    /// (C0000–FFFFF), `None` elsewhere or before the first
    /// [`Memory::set_pam`].
    pub fn pam_mode(&self, addr: u32) -> Option<PamMode> {
        let p = (addr >> PAGE_SHIFT) as usize;
        (self.pam_managed && (SHADOW_FIRST_PAGE..=SHADOW_LAST_PAGE).contains(&p))
            .then(|| self.pam[segment(p)])
    }

    /// Recompute the kind of the shadowed pages among `first..=last`; a
    /// page that now reads from elsewhere (RAM instead of the bus or back)
    /// counts as written: its cached code is dropped.
    pub(super) fn refresh_shadow(&mut self, first: usize, last: usize) {
        if !self.pam_managed {
            return;
        }
        let ram_pages = self.ram.len() >> PAGE_SHIFT;
        for p in first.max(SHADOW_FIRST_PAGE)..=last.min(SHADOW_LAST_PAGE) {
            let old = self.kinds[p];
            if old == PageKind::Mmio {
                continue;
            }
            let bus = if self.rom_index[p] == NO_ROM {
                PageKind::Open
            } else {
                PageKind::Rom
            };
            let kind = if p >= ram_pages {
                bus
            } else {
                match self.pam[segment(p)] {
                    PamMode::Bus => bus,
                    PamMode::ReadOnly => PageKind::RamReadOnly,
                    PamMode::WriteOnly => PageKind::RomWriteRam,
                    PamMode::ReadWrite => PageKind::Ram,
                }
            };
            if kind != old {
                self.kinds[p] = kind;
                if kind.reads_ram() != old.reads_ram() {
                    self.mark_written(p as u32);
                }
            }
        }
    }
}

impl Cpu {
    /// Bring memory's shadow-RAM map in line with the i440FX's PAM
    /// registers (after a PCI configuration write or a chipset reset).
    /// Nothing happens without a PCI bus, or before the machine asked for
    /// shadow RAM (`start` = false and memory not managing it yet): see
    /// the module docs.
    pub fn sync_shadow_ram(&mut self, start: bool) {
        if !start && !self.mem.pam_managed {
            return;
        }
        if let Some(pci) = &self.io.pci {
            let pam = pci.host.pam();
            self.mem.set_pam(&pam);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// 1 MiB of RAM holding 0x11 in C0000–FFFFF, a 128 KiB "BIOS" of 0xB0
    /// at E0000 and a 4 KiB "option ROM" of 0x0C at C0000.
    fn board() -> Memory {
        let mut m = Memory::new(0x20_0000).unwrap();
        m.write_bytes(0xC_0000, &[0x11; 0x4_0000]);
        m.set_pam(&[0; 7]);
        m.map_rom(0xE_0000, Arc::from(vec![0xB0; 0x2_0000]))
            .unwrap();
        m.map_rom(0xC_0000, Arc::from(vec![0x0C; 0x1000])).unwrap();
        m
    }

    #[test]
    fn unmanaged_until_the_first_set_pam() {
        let mut m = Memory::new(0x20_0000).unwrap();
        m.map_rom(0xF_0000, Arc::from(vec![0xB0; 0x1_0000]))
            .unwrap();
        m.write_u8(0xC_0000, 7);
        assert_eq!(m.read_u8(0xC_0000), 7, "RAM");
        assert_eq!(m.read_u8(0xF_0000), 0xB0, "ROM");
        assert_eq!(m.pam_mode(0xC_0000), None);
        assert!(m.set_pam(&[0; 7]), "the power-on values change the map");
        assert_eq!(m.read_u8(0xC_0000), 0xFF, "open bus");
        assert_eq!(m.pam_mode(0xC_0000), Some(PamMode::Bus));
    }

    #[test]
    fn power_on_reads_the_bus_and_drops_writes() {
        let mut m = board();
        for (a, v) in [
            (0xF_FFF0, 0xB0),
            (0xE_0000, 0xB0),
            (0xC_0000, 0x0C),
            (0xC_1000, 0xFF),
        ] {
            assert_eq!(m.read_u8(a), v, "{a:#x}");
            m.write_u8(a, 0x99);
            assert_eq!(m.read_u8(a), v, "{a:#x} not written");
            assert_eq!(m.pam_mode(a), Some(PamMode::Bus));
        }
        assert_eq!(m.read_u8(0xB_FFFF), 0, "below C0000: plain RAM");
        assert_eq!(m.pam_mode(0xB_FFFF), None);
        assert_eq!(m.pam_mode(0x10_0000), None);
    }

    #[test]
    fn each_nibble_controls_its_segment() {
        // (PAM register, nibble shift, first address, size)
        let segments = [(0, 4, 0xF_0000, 0x1_0000)]
            .into_iter()
            .chain((1..7).flat_map(|r| {
                let base = 0xC_0000 + (r - 1) * 0x8000;
                [(r, 0, base, 0x4000), (r, 4, base + 0x4000, 0x4000)]
            }));
        for (reg, shift, base, size) in segments {
            let mut m = board();
            let mut pam = [0u8; 7];
            pam[reg as usize] = 3 << shift;
            assert!(m.set_pam(&pam));
            assert!(!m.set_pam(&pam), "no change");
            for a in [base, base + size - 1] {
                assert_eq!(m.pam_mode(a), Some(PamMode::ReadWrite), "{a:#x}");
                assert_eq!(m.read_u8(a), 0x11, "{a:#x} reads RAM");
            }
            for a in [base - 1, base + size] {
                if (0xC_0000..0x10_0000).contains(&a) {
                    assert_eq!(m.pam_mode(a), Some(PamMode::Bus), "{a:#x}");
                }
            }
        }
    }

    #[test]
    fn bios_shadowing_sequence() {
        let mut m = board();
        // Write-only: reads still see the ROM, writes land in RAM below it
        // (a copy loop reads and writes the same addresses).
        m.set_pam(&[0x20, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22]);
        assert_eq!(m.read(0xF_0000, 4), 0xB0B0_B0B0);
        m.write(0xF_0000, 4, 0xB0B0_B0B0);
        m.write(0xF_0004, 2, 0xBEEF);
        assert_eq!(m.read_u8(0xF_0004), 0xB0, "reads from ROM");
        assert_eq!(m.read_u8(0xC_1000), 0xFF, "no ROM: open bus");
        // Read/write: the copies are there, and RAM is writable.
        m.set_pam(&[0x30, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33]);
        assert_eq!(m.read(0xF_0000, 4), 0xB0B0_B0B0);
        assert_eq!(m.read(0xF_0004, 2), 0xBEEF);
        assert_eq!(m.read_ram(0xF_0004, 2), Some(0xBEEF), "CPU fast path");
        assert!(m.write_ram(0xF_0008, 1, 0x42));
        // Read-only: reads RAM (fast path too), writes dropped.
        m.set_pam(&[0x10, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11]);
        assert_eq!(m.read_u8(0xF_0008), 0x42);
        assert_eq!(m.read_ram(0xF_0008, 1), Some(0x42));
        assert!(!m.write_ram(0xF_0008, 1, 0x55), "not the write fast path");
        m.write_u8(0xF_0008, 0x55);
        m.write(0xC_0000, 2, 0x5555);
        assert_eq!(m.read_u8(0xF_0008), 0x42, "write-protected");
        assert_eq!(m.read(0xC_0000, 2), 0x1111);
        // The high alias of a ROM is never shadowed.
        m.map_rom(0xFFFE_0000, Arc::from(vec![0xB0; 0x2_0000]))
            .unwrap();
        assert_eq!(m.read_u8(0xFFFF_0008), 0xB0);
        // Back to the bus: the ROM again.
        m.set_pam(&[0; 7]);
        assert_eq!(m.read_u8(0xF_0008), 0xB0);
    }

    #[test]
    fn a_rom_mapped_into_a_shadowed_segment_stays_hidden() {
        let mut m = Memory::new(0x20_0000).unwrap();
        m.write_u8(0xC_0000, 0);
        m.set_pam(&[0x30, 0x33, 0, 0, 0, 0, 0]);
        m.map_rom(0xC_0000, Arc::from(vec![0x0C; 0x8000])).unwrap();
        assert_eq!(m.read_u8(0xC_0000), 0, "RAM");
        m.set_pam(&[0x30, 0x00, 0, 0, 0, 0, 0]);
        assert_eq!(m.read_u8(0xC_7FFF), 0x0C, "ROM");
    }

    #[test]
    fn without_ram_behind_it_pam_changes_nothing() {
        let mut m = Memory::new(0x8_0000).unwrap();
        m.set_pam(&[0; 7]);
        m.map_rom(0xF_0000, Arc::from(vec![0xB0; 0x1_0000]))
            .unwrap();
        m.set_pam(&[0x30, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33]);
        assert_eq!(m.read_u8(0xF_0000), 0xB0);
        assert_eq!(m.read_u8(0xC_0000), 0xFF);
    }

    #[test]
    fn changing_what_a_code_page_reads_invalidates_it() {
        let mut m = board();
        m.mark_code(0xF_FFF0);
        m.mark_code(0x1_0000);
        m.set_pam(&[0x20, 0, 0, 0, 0, 0, 0]);
        assert!(!m.has_invalidations(), "write-only: reads still from ROM");
        m.set_pam(&[0x30, 0, 0, 0, 0, 0, 0]);
        let mut pages = Vec::new();
        m.take_invalidations(&mut pages);
        assert_eq!(pages, [0xFF], "only the code page that now reads RAM");
        m.mark_code(0xF_FFF0);
        m.set_pam(&[0x10, 0, 0, 0, 0, 0, 0]);
        assert!(!m.has_invalidations(), "read-only: still RAM");
        m.set_pam(&[0; 7]);
        m.take_invalidations(&mut pages);
        assert_eq!(pages, [0xFF, 0xFF]);
    }
}
