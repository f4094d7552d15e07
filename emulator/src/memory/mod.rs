//! The physical address space: RAM, ROM images, memory-mapped I/O pages,
//! the A20 gate, open bus, and the code-page bitmap that lets the block
//! cache notice writes to code.
//!
//! Physical addresses are 32 bits. A per-4-KiB-page kind table routes each
//! access; an ordinary RAM access is one table lookup and a slice access.
//!
//! MMIO pages ([`Memory::map_mmio`], e.g. the local APIC and IOAPIC) belong
//! to devices that [`Memory`] does not own. [`Memory`] itself treats them
//! as open bus (reads all-ones, writes dropped): that is what DMA, loaders,
//! the page walker and instruction fetch see. The CPU's data accesses use
//! [`Memory::read_ram`] / [`Memory::write_ram`], which succeed only for
//! RAM within one page — the fast path, still one table test — and hand
//! everything else to the CPU's bus path (`cpu/bus.rs`), which sends the
//! bytes in MMIO pages ([`Memory::is_mmio`]) to the devices on the I/O bus.
//! Every write — CPU store, DMA, ROM load — goes through [`Memory`], so a
//! write to a page that holds decoded code is always seen: the page is
//! queued for invalidation and its code bit cleared (a store to a page with
//! no code pays one bit test).
//!
//! Shadow RAM (module `shadow`): the i440FX PAM registers decide, per
//! 16 KiB (64 KiB at F0000), whether reads and writes of C0000–FFFFF reach
//! RAM or the bus (the ROM mapped there, else open bus); see
//! [`Memory::set_pam`].

mod shadow;
mod vga_window;

pub use vga_window::{map_legacy_window, DEFAULT_LFB_BASE};

pub use shadow::{PamMode, PAM_SEGMENTS};

use thiserror::Error;

/// Page size used by the kind table and code tracking.
pub const PAGE_SIZE: u32 = 4096;
const PAGE_SHIFT: u32 = 12;
const PAGES: usize = 1 << (32 - PAGE_SHIFT);

/// What backs a physical page. Kinds whose reads come from RAM have an
/// odd discriminant ([`PageKind::reads_ram`] is one bit test).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum PageKind {
    /// Nothing: reads return all-ones, writes are dropped.
    Open = 0,
    /// RAM at the same offset in `ram`.
    Ram = 1,
    /// ROM region `n` (index into `roms`), read-only.
    Rom = 2,
    /// Shadow RAM, read-only: reads from RAM, writes dropped (PAM RE).
    RamReadOnly = 3,
    /// A device's registers: CPU accesses go to the I/O bus; everything
    /// else sees open bus.
    Mmio = 4,
    /// Shadow RAM, write-only: reads from the ROM (`rom_index`, or open
    /// bus without one), writes to RAM (PAM WE).
    RomWriteRam = 6,
}

impl PageKind {
    /// Reads of the page come from `ram`.
    #[inline(always)]
    fn reads_ram(self) -> bool {
        self as u8 & 1 != 0
    }
}

/// `rom_index` of a page with no ROM behind it.
const NO_ROM: u8 = u8::MAX;

/// Errors from setting up memory (never from guest accesses).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum MemoryError {
    #[error("RAM size {0:#x} is not a multiple of 4 KiB or exceeds 3.5 GiB")]
    BadRamSize(u64),
    #[error("ROM image of {len:#x} bytes at {base:#x} does not fit the 4 GiB address space or is not page aligned")]
    BadRom { base: u64, len: usize },
    #[error("MMIO range of {len:#x} bytes at {base:#x} is empty, not page aligned or past 4 GiB")]
    BadMmio { base: u64, len: u64 },
}

#[derive(Clone, Debug)]
struct RomRegion {
    base: u32,
    data: std::sync::Arc<[u8]>,
}

/// Physical memory.
#[derive(Clone, Debug)]
pub struct Memory {
    ram: Vec<u8>,
    kinds: Vec<PageKind>,
    /// For ROM pages: index of the region.
    rom_index: Vec<u8>,
    roms: Vec<RomRegion>,
    /// Address mask: bit 20 cleared while the A20 gate is off.
    a20_mask: u32,
    /// Highest physical address + 1 that the CPU can drive (address bus width).
    addr_mask: u32,
    /// One bit per page: decoded code is cached from this page.
    code_bits: Vec<u64>,
    /// Pages written since the engine last looked (code was cached there).
    invalidated: Vec<u32>,
    /// PAM read/write enables of each shadow segment ([`PAM_SEGMENTS`]).
    pam: [PamMode; PAM_SEGMENTS],
    /// `pam` is applied (after the first [`Memory::set_pam`]).
    pam_managed: bool,
}

impl Memory {
    /// `ram_size` bytes of RAM from physical address 0 (zero-filled).
    pub fn new(ram_size: u64) -> Result<Self, MemoryError> {
        if !ram_size.is_multiple_of(u64::from(PAGE_SIZE)) || ram_size > 0xE000_0000 {
            return Err(MemoryError::BadRamSize(ram_size));
        }
        let mut kinds = vec![PageKind::Open; PAGES];
        for k in kinds.iter_mut().take((ram_size >> PAGE_SHIFT) as usize) {
            *k = PageKind::Ram;
        }
        Ok(Memory {
            ram: vec![0; ram_size as usize],
            kinds,
            rom_index: vec![NO_ROM; PAGES],
            roms: Vec::new(),
            a20_mask: u32::MAX,
            addr_mask: u32::MAX,
            code_bits: vec![0; PAGES / 64],
            invalidated: Vec::with_capacity(64),
            pam: [PamMode::Bus; PAM_SEGMENTS],
            pam_managed: false,
        })
    }

    /// RAM size in bytes.
    pub fn ram_size(&self) -> u64 {
        self.ram.len() as u64
    }

    /// Map a ROM image at `base` (page aligned); it hides RAM below it.
    /// The same data may be mapped more than once (e.g. the BIOS at the top
    /// of the first MiB and just below 4 GiB).
    pub fn map_rom(&mut self, base: u64, data: std::sync::Arc<[u8]>) -> Result<(), MemoryError> {
        let len = data.len();
        if !base.is_multiple_of(u64::from(PAGE_SIZE))
            || len == 0
            || base + len as u64 > 1 << 32
            || self.roms.len() >= 255
        {
            return Err(MemoryError::BadRom { base, len });
        }
        let idx = self.roms.len() as u8;
        self.roms.push(RomRegion {
            base: base as u32,
            data,
        });
        let first = (base >> PAGE_SHIFT) as usize;
        let last = ((base + len as u64 - 1) >> PAGE_SHIFT) as usize;
        for p in first..=last {
            self.kinds[p] = PageKind::Rom;
            self.rom_index[p] = idx;
            self.mark_written(p as u32);
        }
        // In the shadowed area the PAM setting decides what is seen.
        self.refresh_shadow(first, last);
        Ok(())
    }

    /// Make the pages of `base..base + len` (page aligned) memory-mapped
    /// I/O: they hide RAM and ROM below them (as the APIC pages do).
    pub fn map_mmio(&mut self, base: u64, len: u64) -> Result<(), MemoryError> {
        let pages = self.page_range(base, len)?;
        for p in pages {
            self.kinds[p] = PageKind::Mmio;
            self.mark_written(p as u32);
        }
        Ok(())
    }

    /// Undo [`Memory::map_mmio`] (e.g. when the local APIC moves): the
    /// pages become RAM again where RAM is, else open bus.
    pub fn unmap_mmio(&mut self, base: u64, len: u64) -> Result<(), MemoryError> {
        let ram_pages = self.ram.len() >> PAGE_SHIFT;
        for p in self.page_range(base, len)? {
            if self.kinds[p] == PageKind::Mmio {
                self.kinds[p] = if p < ram_pages {
                    PageKind::Ram
                } else {
                    PageKind::Open
                };
            }
        }
        Ok(())
    }

    fn page_range(&self, base: u64, len: u64) -> Result<std::ops::Range<usize>, MemoryError> {
        if !base.is_multiple_of(u64::from(PAGE_SIZE))
            || !len.is_multiple_of(u64::from(PAGE_SIZE))
            || len == 0
            || base + len > 1 << 32
        {
            return Err(MemoryError::BadMmio { base, len });
        }
        Ok((base >> PAGE_SHIFT) as usize..((base + len) >> PAGE_SHIFT) as usize)
    }

    /// Whether the page holding `addr` (after the A20 gate and bus width)
    /// is memory-mapped I/O.
    #[inline]
    pub fn is_mmio(&self, addr: u32) -> bool {
        self.kinds[(self.wrap(addr) >> PAGE_SHIFT) as usize] == PageKind::Mmio
    }

    /// Enable or disable the A20 gate (address line 20 forced low when off).
    pub fn set_a20(&mut self, enabled: bool) {
        self.a20_mask = if enabled { u32::MAX } else { !(1 << 20) };
    }

    /// A20 gate state.
    pub fn a20(&self) -> bool {
        self.a20_mask & (1 << 20) != 0
    }

    /// Limit the physical address bus to `bits` lines (20 on the 8086,
    /// 24 on the 80286, 32 later).
    pub fn set_address_bits(&mut self, bits: u32) {
        self.addr_mask = if bits >= 32 {
            u32::MAX
        } else {
            (1u32 << bits) - 1
        };
    }

    #[inline]
    fn wrap(&self, addr: u32) -> u32 {
        addr & self.a20_mask & self.addr_mask
    }

    /// Read one byte.
    #[inline]
    pub fn read_u8(&self, addr: u32) -> u8 {
        let a = self.wrap(addr);
        match self.kinds[(a >> PAGE_SHIFT) as usize] {
            PageKind::Ram | PageKind::RamReadOnly => self.ram[a as usize],
            PageKind::Rom | PageKind::RomWriteRam => {
                match self
                    .roms
                    .get(self.rom_index[(a >> PAGE_SHIFT) as usize] as usize)
                {
                    Some(r) => r.data.get((a - r.base) as usize).copied().unwrap_or(0xFF),
                    None => 0xFF,
                }
            }
            PageKind::Open | PageKind::Mmio => 0xFF,
        }
    }

    /// Write one byte (dropped for ROM and open bus).
    #[inline]
    pub fn write_u8(&mut self, addr: u32, v: u8) {
        let a = self.wrap(addr);
        let page = a >> PAGE_SHIFT;
        if matches!(
            self.kinds[page as usize],
            PageKind::Ram | PageKind::RomWriteRam
        ) {
            self.check_code(page);
            self.ram[a as usize] = v;
        }
    }

    /// Fast path: `n`-byte little-endian read within one RAM page.
    #[inline]
    fn ram_slice(&self, a: u32, n: u32) -> Option<&[u8]> {
        if (a & (PAGE_SIZE - 1)) + n <= PAGE_SIZE
            && self.kinds[(a >> PAGE_SHIFT) as usize].reads_ram()
        {
            Some(&self.ram[a as usize..(a + n) as usize])
        } else {
            None
        }
    }

    /// CPU fast path: little-endian read of `n` ≤ 8 bytes if they are RAM
    /// (or read-only shadow RAM) within one page; `None` for anything else (the caller's slow path).
    #[inline(always)]
    pub fn read_ram(&self, addr: u32, n: u32) -> Option<u64> {
        let s = self.ram_slice(self.wrap(addr), n)?;
        let mut b = [0u8; 8];
        b[..n as usize].copy_from_slice(s);
        Some(u64::from_le_bytes(b))
    }

    /// CPU fast path: write the low `n` ≤ 8 bytes of `v` if they are RAM
    /// within one page; returns `false` (nothing written) otherwise.
    #[inline(always)]
    pub fn write_ram(&mut self, addr: u32, n: u32, v: u64) -> bool {
        let a = self.wrap(addr);
        if (a & (PAGE_SIZE - 1)) + n <= PAGE_SIZE
            && self.kinds[(a >> PAGE_SHIFT) as usize] == PageKind::Ram
        {
            self.check_code(a >> PAGE_SHIFT);
            self.ram[a as usize..(a + n) as usize].copy_from_slice(&v.to_le_bytes()[..n as usize]);
            true
        } else {
            false
        }
    }

    /// Little-endian read of `n` ≤ 8 bytes.
    #[inline]
    pub fn read(&self, addr: u32, n: u32) -> u64 {
        let a = self.wrap(addr);
        if let Some(s) = self.ram_slice(a, n) {
            let mut b = [0u8; 8];
            b[..n as usize].copy_from_slice(s);
            return u64::from_le_bytes(b);
        }
        let mut v = 0u64;
        for i in 0..n {
            v |= u64::from(self.read_u8(addr.wrapping_add(i))) << (8 * i);
        }
        v
    }

    /// Little-endian write of the low `n` ≤ 8 bytes of `v`.
    #[inline]
    pub fn write(&mut self, addr: u32, n: u32, v: u64) {
        let a = self.wrap(addr);
        if (a & (PAGE_SIZE - 1)) + n <= PAGE_SIZE
            && self.kinds[(a >> PAGE_SHIFT) as usize] == PageKind::Ram
        {
            self.check_code(a >> PAGE_SHIFT);
            self.ram[a as usize..(a + n) as usize].copy_from_slice(&v.to_le_bytes()[..n as usize]);
            return;
        }
        for i in 0..n {
            self.write_u8(addr.wrapping_add(i), (v >> (8 * i)) as u8);
        }
    }

    /// Copy bytes out (instruction fetch, DMA).
    pub fn read_bytes(&self, addr: u32, out: &mut [u8]) {
        for (i, b) in out.iter_mut().enumerate() {
            *b = self.read_u8(addr.wrapping_add(i as u32));
        }
    }

    /// Copy bytes in (loaders, DMA); honours ROM and code tracking.
    pub fn write_bytes(&mut self, addr: u32, data: &[u8]) {
        for (i, &b) in data.iter().enumerate() {
            self.write_u8(addr.wrapping_add(i as u32), b);
        }
    }

    /// Physical address as the bus sees it (A20 and bus width applied).
    #[inline]
    pub fn bus_address(&self, addr: u32) -> u32 {
        self.wrap(addr)
    }

    /// Record that decoded code was cached from the page holding `addr`.
    #[inline]
    pub fn mark_code(&mut self, addr: u32) {
        let p = self.wrap(addr) >> PAGE_SHIFT;
        self.code_bits[(p >> 6) as usize] |= 1 << (p & 63);
    }

    #[inline]
    fn check_code(&mut self, page: u32) {
        let w = &mut self.code_bits[(page >> 6) as usize];
        if *w & (1 << (page & 63)) != 0 {
            *w &= !(1 << (page & 63));
            self.invalidated.push(page);
        }
    }

    fn mark_written(&mut self, page: u32) {
        self.check_code(page);
    }

    /// Pages holding cached code that were written since the last call.
    #[inline]
    pub fn has_invalidations(&self) -> bool {
        !self.invalidated.is_empty()
    }

    /// Take the list of written code pages (page numbers).
    pub fn take_invalidations(&mut self, out: &mut Vec<u32>) {
        out.append(&mut self.invalidated);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn ram_rom_and_open_bus() {
        let mut m = Memory::new(0x10_0000).unwrap();
        m.write(0x1000, 4, 0x1122_3344);
        assert_eq!(m.read(0x1000, 4), 0x1122_3344);
        assert_eq!(m.read(0x1001, 2), 0x2233);
        // Open bus above RAM.
        assert_eq!(m.read(0x20_0000, 2), 0xFFFF);
        m.write(0x20_0000, 1, 5);
        assert_eq!(m.read_u8(0x20_0000), 0xFF);
        let rom: Arc<[u8]> = vec![0xAA; 0x1000].into();
        m.map_rom(0xF_F000, rom.clone()).unwrap();
        m.map_rom(0xFFFF_F000, rom).unwrap();
        assert_eq!(m.read_u8(0xF_FFFF), 0xAA);
        assert_eq!(m.read_u8(0xFFFF_FFF0), 0xAA);
        m.write_u8(0xF_F000, 0);
        assert_eq!(m.read_u8(0xF_F000), 0xAA, "ROM is read-only");
    }

    #[test]
    fn accesses_crossing_pages_and_the_end_of_ram() {
        let mut m = Memory::new(0x2000).unwrap();
        m.write(0xFFE, 4, 0xAABB_CCDD);
        assert_eq!(m.read(0xFFE, 4), 0xAABB_CCDD);
        m.write(0x1FFF, 2, 0x1234);
        assert_eq!(m.read(0x1FFF, 2), 0xFF34);
    }

    #[test]
    fn a20_wraps_at_one_megabyte() {
        let mut m = Memory::new(0x20_0000).unwrap();
        m.write_u8(0x10_0005, 7);
        m.set_a20(false);
        assert_eq!(m.read_u8(0x10_0005), 0);
        m.write_u8(0x10_0005, 9);
        assert_eq!(m.read_u8(0x5), 9);
        m.set_a20(true);
        assert_eq!(m.read_u8(0x10_0005), 7);
    }

    #[test]
    fn writes_to_code_pages_are_reported_once() {
        let mut m = Memory::new(0x10000).unwrap();
        m.mark_code(0x3004);
        m.write_u8(0x2FFF, 1);
        assert!(!m.has_invalidations());
        m.write(0x3FFF, 2, 0);
        m.write_u8(0x3000, 1);
        let mut v = Vec::new();
        m.take_invalidations(&mut v);
        assert_eq!(v, vec![3]);
    }

    #[test]
    fn mmio_pages_are_open_bus_to_memory_and_not_ram_to_the_cpu_fast_path() {
        let mut m = Memory::new(0x10_0000).unwrap();
        m.write(0x5000, 4, 0x1234_5678);
        m.map_mmio(0x5000, 0x1000).unwrap();
        m.map_mmio(0xFEE0_0000, 0x1000).unwrap();
        for a in [0x5000, 0x5FFF, 0xFEE0_0030] {
            assert!(m.is_mmio(a), "{a:#x}");
            assert_eq!(m.read(a, 1), 0xFF, "DMA/fetch see open bus at {a:#x}");
            assert_eq!(m.read_ram(a, 1), None);
            assert!(!m.write_ram(a, 4, 0));
        }
        assert!(!m.is_mmio(0x4FFF) && !m.is_mmio(0x6000));
        assert_eq!(m.read_ram(0x4FFC, 4), Some(0));
        assert_eq!(m.read_ram(0x4FFE, 4), None, "crosses into MMIO");
        assert!(m.write_ram(0x6000, 2, 0xBEEF));
        assert_eq!(m.read(0x6000, 2), 0xBEEF);
        // Unmapping brings the RAM (and its contents) back.
        m.unmap_mmio(0x5000, 0x1000).unwrap();
        assert_eq!(m.read_ram(0x5000, 4), Some(0x1234_5678));
        m.unmap_mmio(0xFEE0_0000, 0x1000).unwrap();
        assert!(!m.is_mmio(0xFEE0_0000));
        assert_eq!(m.read(0xFEE0_0000, 4), 0xFFFF_FFFF);
        assert!(m.map_mmio(0x5001, 0x1000).is_err());
        assert!(m.map_mmio(0xFFFF_F000, 0x2000).is_err());
        assert!(m.map_mmio(0x5000, 0).is_err());
    }

    #[test]
    fn bad_sizes_are_errors() {
        assert!(Memory::new(1000).is_err());
        let mut m = Memory::new(0x1000).unwrap();
        assert!(m.map_rom(0xFFFF_F000, vec![0u8; 0x2000].into()).is_err());
        assert!(m.map_rom(0x123, vec![0u8; 16].into()).is_err());
    }
}
