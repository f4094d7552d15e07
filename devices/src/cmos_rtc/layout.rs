//! The BIOS fields of PC CMOS RAM (IBM PC AT Technical Reference, "CMOS RAM
//! Address Map"; the bytes above 0x34 follow the SeaBIOS/QEMU convention
//! that firmware such as SeaBIOS reads):
//!
//! | byte        | field                                                   |
//! |-------------|---------------------------------------------------------|
//! | 0x10        | diskette types: drive A in bits 7–4, drive B in 3–0     |
//! | 0x12        | fixed disk types: disk 0 in bits 7–4, disk 1 in 3–0     |
//! | 0x14        | equipment byte                                          |
//! | 0x15/0x16   | base memory in KiB (low, high)                          |
//! | 0x17/0x18   | extended memory above 1 MiB in KiB, max 65 535          |
//! | 0x2E/0x2F   | checksum of 0x10–0x2D (high byte, low byte)             |
//! | 0x30/0x31   | extended memory again (as found by POST)                |
//! | 0x32        | century in BCD                                          |
//! | 0x34/0x35   | memory between 16 MiB and 4 GiB in 64 KiB units         |
//! | 0x5B–0x5D   | memory above 4 GiB in 64 KiB units (low, middle, high)  |

/// Diskette drive types (byte 0x10).
pub const CMOS_FLOPPY_TYPES: usize = 0x10;
/// Fixed disk types (byte 0x12).
pub const CMOS_DISK_TYPES: usize = 0x12;
/// Equipment byte (0x14).
pub const CMOS_EQUIPMENT: usize = 0x14;
/// Base memory in KiB, low byte (0x15; high byte at 0x16).
pub const CMOS_BASE_MEM_LOW: usize = 0x15;
/// Extended memory in KiB, low byte (0x17; high byte at 0x18).
pub const CMOS_EXT_MEM_LOW: usize = 0x17;
/// First byte covered by the checksum.
pub const CMOS_CHECKSUM_FIRST: usize = 0x10;
/// Last byte covered by the checksum.
pub const CMOS_CHECKSUM_LAST: usize = 0x2D;
/// Checksum, high byte (0x2E; low byte at 0x2F).
pub const CMOS_CHECKSUM_HIGH: usize = 0x2E;
/// Extended memory found by POST, low byte (0x30; high byte at 0x31).
pub const CMOS_POST_EXT_MEM_LOW: usize = 0x30;
/// Century in BCD.
pub const CMOS_CENTURY: usize = 0x32;
/// Memory between 16 MiB and 4 GiB in 64 KiB units, low byte (0x34/0x35).
pub const CMOS_MEM_ABOVE_16M_LOW: usize = 0x34;
/// Memory above 4 GiB in 64 KiB units, low byte (0x5B, then 0x5C, 0x5D).
pub const CMOS_MEM_ABOVE_4G_LOW: usize = 0x5B;

/// Equipment byte: at least one diskette drive.
pub const EQUIP_FLOPPY_PRESENT: u8 = 0x01;
/// Equipment byte: math coprocessor present.
pub const EQUIP_FPU_PRESENT: u8 = 0x02;
/// Equipment byte bits 5–4: primary display 00 = EGA/VGA (own BIOS).
pub const EQUIP_DISPLAY_VGA: u8 = 0x00;

/// Diskette type: no drive.
pub const FLOPPY_NONE: u8 = 0;
/// Diskette type: 3.5" 1.44 MB.
pub const FLOPPY_1440K: u8 = 4;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const BASE_MEM_MAX: u64 = 640 * KIB;

/// The BIOS fields of CMOS RAM for a machine; [`CmosLayout::new`] derives
/// the memory fields, the other fields are public to adjust.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CmosLayout {
    /// RAM below 4 GiB in bytes (from address 0).
    pub low_ram: u64,
    /// RAM above 4 GiB in bytes (from address 4 GiB).
    pub high_ram: u64,
    /// Diskette types of drives A and B (`FLOPPY_*`).
    pub floppy: [u8; 2],
    /// Fixed disk types of disks 0 and 1 (0 = none, 0xF = see extended bytes).
    pub disks: [u8; 2],
    /// Math coprocessor present (equipment byte bit 1).
    pub fpu_present: bool,
    /// Century (binary 0–99) stored in BCD at 0x32, or `None` to keep the
    /// RTC's own value (set from its start time).
    pub century: Option<u8>,
}

impl CmosLayout {
    /// The layout for `low_ram` bytes of RAM below 4 GiB and `high_ram`
    /// bytes above 4 GiB, no drives, no FPU, century kept.
    pub fn new(low_ram: u64, high_ram: u64) -> Self {
        CmosLayout {
            low_ram,
            high_ram,
            floppy: [FLOPPY_NONE; 2],
            disks: [0; 2],
            fpu_present: false,
            century: None,
        }
    }

    /// Splits `ram` bytes of RAM at `below_4g_limit` (where the machine's
    /// PCI hole starts) into the part below and above 4 GiB.
    pub fn from_ram_size(ram: u64, below_4g_limit: u64) -> Self {
        let low = ram.min(below_4g_limit);
        CmosLayout::new(low, ram - low)
    }

    /// Writes the fields into `ram` and the checksum over 0x10–0x2D.
    pub fn write_to(&self, ram: &mut [u8; 128]) {
        let put16 = |ram: &mut [u8; 128], at: usize, v: u16| {
            ram[at..at + 2].copy_from_slice(&v.to_le_bytes());
        };
        ram[CMOS_FLOPPY_TYPES] = (self.floppy[0] << 4) | (self.floppy[1] & 0x0F);
        ram[CMOS_DISK_TYPES] = (self.disks[0] << 4) | (self.disks[1] & 0x0F);
        let floppies = self.floppy.iter().filter(|&&t| t != FLOPPY_NONE).count() as u8;
        let mut equip = EQUIP_DISPLAY_VGA;
        if floppies > 0 {
            equip |= EQUIP_FLOPPY_PRESENT | ((floppies - 1) << 6);
        }
        if self.fpu_present {
            equip |= EQUIP_FPU_PRESENT;
        }
        ram[CMOS_EQUIPMENT] = equip;

        let base_kib = self.low_ram.min(BASE_MEM_MAX) / KIB;
        put16(ram, CMOS_BASE_MEM_LOW, base_kib as u16);
        let ext_kib = (self.low_ram.saturating_sub(MIB) / KIB).min(0xFFFF) as u16;
        put16(ram, CMOS_EXT_MEM_LOW, ext_kib);
        put16(ram, CMOS_POST_EXT_MEM_LOW, ext_kib);
        let above_16m = (self.low_ram.saturating_sub(16 * MIB) / (64 * KIB)).min(0xFFFF) as u16;
        put16(ram, CMOS_MEM_ABOVE_16M_LOW, above_16m);
        let above_4g = (self.high_ram / (64 * KIB)).min(0xFF_FFFF) as u32;
        ram[CMOS_MEM_ABOVE_4G_LOW..CMOS_MEM_ABOVE_4G_LOW + 3]
            .copy_from_slice(&above_4g.to_le_bytes()[..3]);
        if let Some(c) = self.century {
            ram[CMOS_CENTURY] = super::calendar::to_bcd(c);
        }

        let sum: u16 = ram[CMOS_CHECKSUM_FIRST..=CMOS_CHECKSUM_LAST]
            .iter()
            .map(|&b| u16::from(b))
            .sum();
        ram[CMOS_CHECKSUM_HIGH..CMOS_CHECKSUM_HIGH + 2].copy_from_slice(&sum.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_fields_for_typical_sizes() {
        // (low RAM, high RAM, base KiB, ext KiB, 64K units above 16M, 64K units above 4G)
        let cases: [(u64, u64, u16, u16, u16, u32); 4] = [
            (512 * KIB, 0, 512, 0, 0, 0),
            (32 * MIB, 0, 640, 31 * 1024, 256, 0),
            (128 * MIB, 0, 640, 0xFFFF, 1792, 0),
            (3584 * MIB, 2048 * MIB, 640, 0xFFFF, 57088, 32768),
        ];
        for (low, high, base, ext, above16, above4g) in cases {
            let mut ram = [0u8; 128];
            CmosLayout::new(low, high).write_to(&mut ram);
            let at16 = |i: usize| u16::from_le_bytes([ram[i], ram[i + 1]]);
            assert_eq!(at16(CMOS_BASE_MEM_LOW), base, "low {low:#x}");
            assert_eq!(at16(CMOS_EXT_MEM_LOW), ext, "low {low:#x}");
            assert_eq!(at16(CMOS_POST_EXT_MEM_LOW), ext, "low {low:#x}");
            assert_eq!(at16(CMOS_MEM_ABOVE_16M_LOW), above16, "low {low:#x}");
            let a4 = u32::from_le_bytes([ram[0x5B], ram[0x5C], ram[0x5D], 0]);
            assert_eq!(a4, above4g, "high {high:#x}");
        }
    }

    #[test]
    fn ram_size_splits_at_the_pci_hole() {
        let l = CmosLayout::from_ram_size(6 * 1024 * MIB, 3584 * MIB);
        assert_eq!((l.low_ram, l.high_ram), (3584 * MIB, 2560 * MIB));
        let l = CmosLayout::from_ram_size(64 * MIB, 3584 * MIB);
        assert_eq!((l.low_ram, l.high_ram), (64 * MIB, 0));
    }

    #[test]
    fn checksum_covers_0x10_to_0x2d_big_endian() {
        let mut ram = [0u8; 128];
        ram[0x20] = 0xFF; // a byte inside the range counts
        ram[0x2D] = 0x01;
        ram[0x0F] = 0x77; // bytes outside do not
        ram[0x40] = 0x77;
        let mut layout = CmosLayout::new(32 * MIB, 0);
        layout.floppy = [FLOPPY_1440K, FLOPPY_NONE];
        layout.write_to(&mut ram);
        let expected: u16 = ram[0x10..=0x2D].iter().map(|&b| u16::from(b)).sum();
        // floppy 0x40, equipment 0x01, 640 KiB = 0x0280, 31 MiB = 0x7C00 KiB, 0xFF, 0x01
        assert_eq!(expected, 0x40 + 0x01 + 0x80 + 0x02 + 0x7C + 0xFF + 0x01);
        assert_eq!(ram[CMOS_CHECKSUM_HIGH], (expected >> 8) as u8);
        assert_eq!(ram[CMOS_CHECKSUM_HIGH + 1], expected as u8);
    }

    #[test]
    fn equipment_byte_counts_floppies_and_fpu() {
        let cases = [
            ([FLOPPY_NONE, FLOPPY_NONE], false, 0x00),
            ([FLOPPY_1440K, FLOPPY_NONE], false, 0x01),
            ([FLOPPY_1440K, FLOPPY_1440K], true, 0x43),
        ];
        for (floppy, fpu, equip) in cases {
            let mut layout = CmosLayout::new(MIB, 0);
            layout.floppy = floppy;
            layout.fpu_present = fpu;
            let mut ram = [0u8; 128];
            layout.write_to(&mut ram);
            assert_eq!(ram[CMOS_EQUIPMENT], equip);
            assert_eq!(ram[CMOS_FLOPPY_TYPES], (floppy[0] << 4) | floppy[1]);
        }
    }

    #[test]
    fn century_is_written_in_bcd_when_given() {
        let mut ram = [0u8; 128];
        ram[CMOS_CENTURY] = 0x19;
        CmosLayout::new(MIB, 0).write_to(&mut ram);
        assert_eq!(ram[CMOS_CENTURY], 0x19);
        let mut layout = CmosLayout::new(MIB, 0);
        layout.century = Some(20);
        layout.write_to(&mut ram);
        assert_eq!(ram[CMOS_CENTURY], 0x20);
    }
}
