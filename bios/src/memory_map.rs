//! The physical memory map of the PC that ox86 builds, as a boot loader
//! reports it to a kernel (Multiboot `mmap_*`, the E820 table of the Linux
//! boot protocol, later INT 15h AX=E820h).
//!
//! Region types follow the ACPI address-range types used by all three
//! (ACPI 6.4 §15, "System Address Map Interfaces", Table 15.1): 1 = usable
//! RAM, 2 = reserved, 3 = ACPI reclaimable (the ACPI tables; the OS may use
//! the memory once it has read them), 4 = ACPI NVS.
//!
//! Two maps exist:
//! - [`pc_memory_map`]: the firmware-less map the Multiboot loader reports
//!   (RAM below 640 KiB, the VGA window and ROM area reserved, RAM from
//!   1 MiB). Nothing else is there when a Multiboot kernel starts.
//! - [`PcLayout::memory_map`]: the full map of the PC — the extended BIOS
//!   data area (EBDA, 9FC00–9FFFF) reserved as PCs leave it, the VGA window
//!   and ROM area, RAM from 1 MiB up to an ACPI table region at the top of
//!   RAM (type 3), the IOAPIC and local APIC register pages (82093AA
//!   datasheet: default base FEC00000; SDM Vol. 3A §11.4.1: APIC base
//!   FEE00000), and the alias of the BIOS ROM just below 4 GiB when a ROM
//!   is mapped. The Linux loader reports this map.

/// Usable RAM (ACPI `AddressRangeMemory`).
pub const REGION_RAM: u32 = 1;
/// Reserved, not usable by the OS (ACPI `AddressRangeReserved`).
pub const REGION_RESERVED: u32 = 2;
/// ACPI tables; usable after the OS has read them (`AddressRangeACPI`).
pub const REGION_ACPI: u32 = 3;
/// ACPI non-volatile storage (`AddressRangeNVS`).
pub const REGION_NVS: u32 = 4;

/// End of conventional memory (640 KiB).
pub const CONVENTIONAL_END: u64 = 0xA_0000;
/// Start of the extended BIOS data area: the top 1 KiB of conventional
/// memory, where a PC BIOS keeps it (BDA word 40:0E holds its segment).
pub const EBDA_START: u64 = 0x9_FC00;
/// Start of the VGA frame-buffer window.
pub const VGA_WINDOW_START: u64 = 0xA_0000;
/// Start of the option-ROM and system-BIOS area.
pub const ROM_AREA_START: u64 = 0xC_0000;
/// Start of extended memory (1 MiB).
pub const EXTENDED_START: u64 = 0x10_0000;
/// Default IOAPIC register window (82093AA `IOREGSEL`/`IOWIN` page).
pub const IOAPIC_BASE: u64 = 0xFEC0_0000;
/// Default local APIC register page (`IA32_APIC_BASE` reset value).
pub const LAPIC_BASE: u64 = 0xFEE0_0000;
/// Size of each APIC register page.
pub const APIC_PAGE_SIZE: u64 = 0x1000;
/// 4 GiB: the end of the 32-bit physical address space.
pub const FOUR_GIB: u64 = 1 << 32;

/// One range of the physical address space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryRegion {
    pub base: u64,
    pub len: u64,
    /// [`REGION_RAM`], [`REGION_RESERVED`], [`REGION_ACPI`] or [`REGION_NVS`].
    pub kind: u32,
}

impl MemoryRegion {
    /// One past the last byte.
    pub fn end(&self) -> u64 {
        self.base + self.len
    }

    /// `[start, end)` lies inside this region.
    pub fn contains(&self, start: u64, end: u64) -> bool {
        start >= self.base && end <= self.end()
    }
}

/// The map of a PC with `ram_size` bytes of RAM from address 0 and no
/// firmware: RAM below 640 KiB, the VGA window (A0000–BFFFF) and the ROM
/// area (C0000–FFFFF) reserved, RAM from 1 MiB to the end of RAM. Sorted,
/// non-overlapping. The Multiboot loader reports this map.
///
/// The RAM behind the VGA window and ROM area exists in ox86 (there is no
/// VGA or BIOS yet when a kernel is booted directly) but is reported
/// reserved, as on every PC, so kernels treat it the usual way.
pub fn pc_memory_map(ram_size: u64) -> Vec<MemoryRegion> {
    PcLayout {
        ram_size,
        ebda: false,
        acpi: None,
        apic_pages: false,
        bios_rom_size: None,
    }
    .memory_map()
}

/// What the machine has, for the full memory map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PcLayout {
    /// RAM in bytes from address 0 (below the PCI hole).
    pub ram_size: u64,
    /// Reserve the EBDA (9FC00–9FFFF).
    pub ebda: bool,
    /// ACPI tables region `(base, len)`, carved out of RAM as
    /// [`REGION_ACPI`]. Ignored where it is not inside RAM above 1 MiB.
    pub acpi: Option<(u64, u64)>,
    /// Reserve the IOAPIC and local APIC register pages.
    pub apic_pages: bool,
    /// Size of a BIOS ROM mapped just below 4 GiB (reserved there).
    pub bios_rom_size: Option<u64>,
}

impl PcLayout {
    /// A PC with `ram_size` bytes of RAM: EBDA and APIC pages reserved, no
    /// ACPI region, no ROM.
    pub fn new(ram_size: u64) -> Self {
        PcLayout {
            ram_size,
            ebda: true,
            acpi: None,
            apic_pages: true,
            bios_rom_size: None,
        }
    }

    /// The memory map: sorted by base, non-overlapping, no empty regions.
    pub fn memory_map(&self) -> Vec<MemoryRegion> {
        let reserved = |base: u64, end: u64| MemoryRegion {
            base,
            len: end - base,
            kind: REGION_RESERVED,
        };
        let mut map = Vec::with_capacity(10);
        let low_end = if self.ebda {
            EBDA_START
        } else {
            CONVENTIONAL_END
        };
        let low = self.ram_size.min(low_end);
        if low > 0 {
            map.push(MemoryRegion {
                base: 0,
                len: low,
                kind: REGION_RAM,
            });
        }
        if self.ebda && self.ram_size > EBDA_START {
            map.push(reserved(EBDA_START, CONVENTIONAL_END));
        }
        map.push(reserved(VGA_WINDOW_START, ROM_AREA_START));
        map.push(reserved(ROM_AREA_START, EXTENDED_START));
        if self.ram_size > EXTENDED_START {
            let ram_end = self.ram_size.min(FOUR_GIB);
            match self.acpi {
                Some((base, len)) if len > 0 && base >= EXTENDED_START && base + len <= ram_end => {
                    let end = base + len;
                    for (b, e, kind) in [
                        (EXTENDED_START, base, REGION_RAM),
                        (base, end, REGION_ACPI),
                        (end, ram_end, REGION_RAM),
                    ] {
                        if e > b {
                            map.push(MemoryRegion {
                                base: b,
                                len: e - b,
                                kind,
                            });
                        }
                    }
                }
                _ => map.push(MemoryRegion {
                    base: EXTENDED_START,
                    len: ram_end - EXTENDED_START,
                    kind: REGION_RAM,
                }),
            }
        }
        let mut high = Vec::with_capacity(3);
        if self.apic_pages {
            high.push(reserved(IOAPIC_BASE, IOAPIC_BASE + APIC_PAGE_SIZE));
            high.push(reserved(LAPIC_BASE, LAPIC_BASE + APIC_PAGE_SIZE));
        }
        if let Some(size) = self.bios_rom_size {
            let size = size.min(FOUR_GIB - LAPIC_BASE - APIC_PAGE_SIZE);
            if size > 0 {
                high.push(reserved(FOUR_GIB - size, FOUR_GIB));
            }
        }
        let top = map.last().map_or(0, MemoryRegion::end);
        map.extend(high.into_iter().filter(|r| r.base >= top));
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triples(m: &[MemoryRegion]) -> Vec<(u64, u64, u32)> {
        m.iter().map(|r| (r.base, r.len, r.kind)).collect()
    }

    #[test]
    fn map_of_a_32_mib_pc() {
        let m = pc_memory_map(32 << 20);
        assert_eq!(
            triples(&m),
            vec![
                (0, 0xA_0000, REGION_RAM),
                (0xA_0000, 0x2_0000, REGION_RESERVED),
                (0xC_0000, 0x4_0000, REGION_RESERVED),
                (0x10_0000, (32 << 20) - 0x10_0000, REGION_RAM),
            ]
        );
    }

    #[test]
    fn small_ram_has_no_extended_memory() {
        let m = pc_memory_map(1 << 20);
        assert!(m
            .iter()
            .all(|r| r.kind != REGION_RAM || r.end() <= CONVENTIONAL_END));
        let m = pc_memory_map(256 << 10);
        assert_eq!(m[0].len, 256 << 10);
    }

    #[test]
    fn full_pc_map_with_acpi_tables_apic_pages_and_rom_alias() {
        let ram = 64u64 << 20;
        let acpi = (ram - 0x1_0000, 0x1_0000);
        let m = PcLayout {
            acpi: Some(acpi),
            bios_rom_size: Some(128 << 10),
            ..PcLayout::new(ram)
        }
        .memory_map();
        assert_eq!(
            triples(&m),
            vec![
                (0, 0x9_FC00, REGION_RAM),
                (0x9_FC00, 0x400, REGION_RESERVED),
                (0xA_0000, 0x2_0000, REGION_RESERVED),
                (0xC_0000, 0x4_0000, REGION_RESERVED),
                (0x10_0000, ram - 0x1_0000 - 0x10_0000, REGION_RAM),
                (ram - 0x1_0000, 0x1_0000, REGION_ACPI),
                (0xFEC0_0000, 0x1000, REGION_RESERVED),
                (0xFEE0_0000, 0x1000, REGION_RESERVED),
                (0xFFFE_0000, 0x2_0000, REGION_RESERVED),
            ]
        );
    }

    #[test]
    fn acpi_region_outside_extended_ram_is_ignored() {
        let ram = 16u64 << 20;
        for acpi in [(0x8_0000, 0x1000), (ram - 0x1000, 0x2000), (ram, 0x1000)] {
            let m = PcLayout {
                acpi: Some(acpi),
                ..PcLayout::new(ram)
            }
            .memory_map();
            assert!(m.iter().all(|r| r.kind != REGION_ACPI), "{acpi:x?}");
            assert!(m
                .iter()
                .any(|r| r.kind == REGION_RAM && r.base == EXTENDED_START && r.end() == ram));
        }
        // In the middle of RAM: RAM on both sides.
        let m = PcLayout {
            acpi: Some((8 << 20, 0x1000)),
            ..PcLayout::new(ram)
        }
        .memory_map();
        let kinds: Vec<u32> = m
            .iter()
            .filter(|r| r.base >= EXTENDED_START && r.base < ram)
            .map(|r| r.kind)
            .collect();
        assert_eq!(kinds, vec![REGION_RAM, REGION_ACPI, REGION_RAM]);
    }

    #[test]
    fn regions_are_sorted_disjoint_and_non_empty() {
        for ram in [
            4096,
            0x9_FC00,
            640 << 10,
            1 << 20,
            (1 << 20) + 4096,
            3584 << 20,
        ] {
            for layout in [
                PcLayout {
                    ebda: false,
                    apic_pages: false,
                    ..PcLayout::new(ram)
                },
                PcLayout::new(ram),
                PcLayout {
                    acpi: Some((ram.saturating_sub(0x2000), 0x2000)),
                    bios_rom_size: Some(1 << 20),
                    ..PcLayout::new(ram)
                },
                PcLayout {
                    bios_rom_size: Some(1 << 30),
                    ..PcLayout::new(ram)
                },
            ] {
                let m = layout.memory_map();
                assert!(m.iter().all(|r| r.len > 0), "{ram:#x}: {m:x?}");
                for w in m.windows(2) {
                    assert!(w[0].end() <= w[1].base, "{ram:#x}: {w:x?}");
                }
                let ram_total: u64 = m
                    .iter()
                    .filter(|r| r.kind == REGION_RAM || r.kind == REGION_ACPI)
                    .map(|r| r.len)
                    .sum();
                let hidden = |a: u64, b: u64| ram.min(b).saturating_sub(a);
                let expect = ram
                    - hidden(VGA_WINDOW_START, EXTENDED_START)
                    - if layout.ebda {
                        hidden(EBDA_START, CONVENTIONAL_END)
                    } else {
                        0
                    };
                assert_eq!(ram_total, expect, "{ram:#x}: {m:x?}");
            }
        }
    }
}
