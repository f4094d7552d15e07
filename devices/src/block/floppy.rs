//! Floppy geometry detection from the image size.
//!
//! A raw floppy image carries no geometry, so it is inferred from the byte
//! count, as PC BIOSes and emulators do. The table covers the IBM PC formats
//! from 160K (5¼" single-sided, 8 sectors) to 2.88M (3½" ED), plus the
//! common extended 3½" HD formats (DMF 1.68M, 1.72M). The drive type is the
//! CMOS diskette drive type (register 10h: 1 = 360K, 2 = 1.2M, 3 = 720K,
//! 4 = 1.44M, 5 = 2.88M) of the drive the medium is meant for.

/// CMOS drive type (RTC register 10h nibble) a floppy medium belongs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloppyType {
    /// 5¼" 360K double density.
    Dd525 = 1,
    /// 5¼" 1.2M high density.
    Hd525 = 2,
    /// 3½" 720K double density.
    Dd35 = 3,
    /// 3½" 1.44M high density (also DMF/1.72M media).
    Hd35 = 4,
    /// 3½" 2.88M extra density.
    Ed35 = 5,
}

impl FloppyType {
    /// The CMOS register 10h value for this drive type.
    pub fn cmos_type(self) -> u8 {
        self as u8
    }
}

/// Cylinders, heads and sectors per track of a floppy image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FloppyGeometry {
    pub cylinders: u8,
    pub heads: u8,
    pub sectors_per_track: u8,
    pub drive_type: FloppyType,
}

/// (cylinders, heads, sectors per track, drive type) of each known format.
const FORMATS: [(u8, u8, u8, FloppyType); 10] = [
    (40, 1, 8, FloppyType::Dd525),  // 160K
    (40, 1, 9, FloppyType::Dd525),  // 180K
    (40, 2, 8, FloppyType::Dd525),  // 320K
    (40, 2, 9, FloppyType::Dd525),  // 360K
    (80, 2, 9, FloppyType::Dd35),   // 720K
    (80, 2, 15, FloppyType::Hd525), // 1.2M
    (80, 2, 18, FloppyType::Hd35),  // 1.44M
    (80, 2, 21, FloppyType::Hd35),  // 1.68M (DMF)
    (82, 2, 21, FloppyType::Hd35),  // 1.72M
    (80, 2, 36, FloppyType::Ed35),  // 2.88M
];

impl FloppyGeometry {
    /// The geometry of a floppy image of `size` bytes, or `None` when the
    /// size is not a known format.
    pub fn from_size(size: u64) -> Option<FloppyGeometry> {
        FORMATS
            .iter()
            .find(|&&(c, h, s, _)| u64::from(c) * u64::from(h) * u64::from(s) * 512 == size)
            .map(
                |&(cylinders, heads, sectors_per_track, drive_type)| FloppyGeometry {
                    cylinders,
                    heads,
                    sectors_per_track,
                    drive_type,
                },
            )
    }

    /// Total sectors on the medium.
    pub fn total_sectors(&self) -> u32 {
        u32::from(self.cylinders) * u32::from(self.heads) * u32::from(self.sectors_per_track)
    }

    /// LBA of a CHS address (sectors numbered from 1), or `None` when the
    /// address is outside the medium.
    pub fn chs_to_lba(&self, cylinder: u8, head: u8, sector: u8) -> Option<u32> {
        if cylinder >= self.cylinders
            || head >= self.heads
            || sector == 0
            || sector > self.sectors_per_track
        {
            return None;
        }
        let spt = u32::from(self.sectors_per_track);
        Some(
            (u32::from(cylinder) * u32::from(self.heads) + u32::from(head)) * spt
                + u32::from(sector)
                - 1,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_sizes_map_to_their_geometry() {
        let cases: [(u64, u8, u8, u8, u8); 6] = [
            (368_640, 40, 2, 9, 1),
            (737_280, 80, 2, 9, 3),
            (1_228_800, 80, 2, 15, 2),
            (1_474_560, 80, 2, 18, 4),
            (1_720_320, 80, 2, 21, 4),
            (2_949_120, 80, 2, 36, 5),
        ];
        for (size, c, h, s, t) in cases {
            let g = FloppyGeometry::from_size(size).expect("known size");
            assert_eq!(
                (
                    g.cylinders,
                    g.heads,
                    g.sectors_per_track,
                    g.drive_type.cmos_type()
                ),
                (c, h, s, t),
                "{size}"
            );
            assert_eq!(u64::from(g.total_sectors()) * 512, size);
        }
    }

    #[test]
    fn odd_sizes_are_not_floppies() {
        for size in [0, 512, 1_474_560 + 512, 1_000_000, 10 << 20] {
            assert_eq!(FloppyGeometry::from_size(size), None, "{size}");
        }
    }

    #[test]
    fn chs_to_lba_follows_cylinder_head_sector_order() {
        let g = FloppyGeometry::from_size(1_474_560).unwrap();
        assert_eq!(g.chs_to_lba(0, 0, 1), Some(0));
        assert_eq!(g.chs_to_lba(0, 0, 18), Some(17));
        assert_eq!(g.chs_to_lba(0, 1, 1), Some(18));
        assert_eq!(g.chs_to_lba(1, 0, 1), Some(36));
        assert_eq!(g.chs_to_lba(79, 1, 18), Some(2879));
        assert_eq!(g.chs_to_lba(80, 0, 1), None);
        assert_eq!(g.chs_to_lba(0, 2, 1), None);
        assert_eq!(g.chs_to_lba(0, 0, 0), None);
        assert_eq!(g.chs_to_lba(0, 0, 19), None);
    }
}
