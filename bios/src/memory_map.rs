//! The physical memory map of the PC that ox86 builds, as a boot loader
//! reports it to a kernel (Multiboot `mmap_*`, later the E820 map of the
//! Linux boot protocol and INT 15h AX=E820h).
//!
//! Region types follow the ACPI address-range types used by both (ACPI
//! 6.4 §15, "System Address Map Interfaces"): 1 = usable RAM, 2 = reserved.

/// Usable RAM (ACPI `AddressRangeMemory`).
pub const REGION_RAM: u32 = 1;
/// Reserved, not usable by the OS (ACPI `AddressRangeReserved`).
pub const REGION_RESERVED: u32 = 2;

/// End of conventional memory (640 KiB).
pub const CONVENTIONAL_END: u64 = 0xA_0000;
/// Start of the VGA frame-buffer window.
pub const VGA_WINDOW_START: u64 = 0xA_0000;
/// Start of the option-ROM and system-BIOS area.
pub const ROM_AREA_START: u64 = 0xC_0000;
/// Start of extended memory (1 MiB).
pub const EXTENDED_START: u64 = 0x10_0000;

/// One range of the physical address space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryRegion {
    pub base: u64,
    pub len: u64,
    /// [`REGION_RAM`] or [`REGION_RESERVED`].
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

/// The map of a PC with `ram_size` bytes of RAM from address 0: RAM below
/// 640 KiB, the VGA window (A0000–BFFFF) and the ROM area (C0000–FFFFF)
/// reserved, RAM from 1 MiB to the end of RAM. Sorted, non-overlapping.
///
/// The RAM behind the VGA window and ROM area exists in ox86 (there is no
/// VGA or BIOS yet when a kernel is booted directly) but is reported
/// reserved, as on every PC, so kernels treat it the usual way.
pub fn pc_memory_map(ram_size: u64) -> Vec<MemoryRegion> {
    let mut map = Vec::with_capacity(4);
    let low = ram_size.min(CONVENTIONAL_END);
    if low > 0 {
        map.push(MemoryRegion {
            base: 0,
            len: low,
            kind: REGION_RAM,
        });
    }
    map.push(MemoryRegion {
        base: VGA_WINDOW_START,
        len: ROM_AREA_START - VGA_WINDOW_START,
        kind: REGION_RESERVED,
    });
    map.push(MemoryRegion {
        base: ROM_AREA_START,
        len: EXTENDED_START - ROM_AREA_START,
        kind: REGION_RESERVED,
    });
    if ram_size > EXTENDED_START {
        map.push(MemoryRegion {
            base: EXTENDED_START,
            len: ram_size - EXTENDED_START,
            kind: REGION_RAM,
        });
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_of_a_32_mib_pc() {
        let m = pc_memory_map(32 << 20);
        let got: Vec<(u64, u64, u32)> = m.iter().map(|r| (r.base, r.len, r.kind)).collect();
        assert_eq!(
            got,
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
    fn regions_are_sorted_and_disjoint() {
        for ram in [4096, 640 << 10, 1 << 20, (1 << 20) + 4096, 3584 << 20] {
            let m = pc_memory_map(ram);
            for w in m.windows(2) {
                assert!(w[0].end() <= w[1].base, "{ram:#x}: {w:?}");
            }
        }
    }
}
