//! The software TLB (SDM Vol. 3A §4.10.2 "Translation Lookaside Buffers",
//! §4.10.4 "Invalidation of TLBs and Paging-Structure Caches").
//!
//! A direct-mapped array of [`TLB_ENTRIES`] entries indexed by the low bits
//! of the linear page number. An entry holds the linear page (tag), the
//! physical frame and the rights of the translation ([`perm`] bits in the
//! frame's low 12 bits), so a lookup is one compare of the tag and one of
//! the rights the access needs ([`super::required`]). A lookup that misses
//! or lacks a right (e.g. the first write to a clean page, which must walk
//! to set the dirty flag) goes to the walker, whose result replaces the
//! entry.
//!
//! Entries are made only from successful walks and stay until invalidated,
//! so a change to the paging structures is not seen until the guest
//! flushes, as on hardware (a real TLB may also drop entries at any time,
//! which the direct mapping does on a conflict):
//! - INVLPG: [`Tlb::flush_page`], the page's entry, global or not; for a
//!   4-MiB page, the entries of all its 4-KiB pieces (§4.10.2.3);
//! - MOV CR3 (and task switches): [`Tlb::flush_non_global`];
//! - changes of CR0.PG, CR4.PGE, CR4.PSE: [`Tlb::flush_all`].
//!
//! Paging-structure caches (§4.10.3) are not modelled: a walk always reads
//! the PDE from memory, which the SDM allows (a processor need not cache).

use super::{perm, Translation};

/// Number of entries (a power of two).
pub const TLB_ENTRIES: usize = 1024;
/// Valid bit of a tag (the rest is the page-aligned linear address).
const VALID: u64 = 1;
const PAGE_MASK: u64 = !0xFFF;
/// Pages in a 4-MiB page.
const PIECES_4M: u64 = 1024;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Entry {
    /// Linear page address | VALID, or 0.
    tag: u64,
    /// Physical frame | rights.
    frame_rights: u64,
}

/// The software TLB.
#[derive(Clone)]
pub struct Tlb {
    /// A fixed-size array, so that indexing by a masked slot needs no
    /// bounds check.
    entries: Box<[Entry; TLB_ENTRIES]>,
    /// Some entry may come from a 4-MiB page (INVLPG must then look at the
    /// other pieces of the page).
    has_large: bool,
    /// Some entry may be global (MOV CR3 must then keep it).
    has_global: bool,
    /// Walks done to fill the TLB (statistics, for tests and benchmarks).
    pub fills: u64,
}

impl std::fmt::Debug for Tlb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let valid = self.entries.iter().filter(|e| e.tag & VALID != 0).count();
        f.debug_struct("Tlb")
            .field("valid_entries", &valid)
            .field("fills", &self.fills)
            .finish()
    }
}

impl Default for Tlb {
    fn default() -> Self {
        Tlb {
            entries: Box::new([Entry::default(); TLB_ENTRIES]),
            has_large: false,
            has_global: false,
            fills: 0,
        }
    }
}

#[inline(always)]
fn slot(lin: u64) -> usize {
    (lin >> 12) as usize & (TLB_ENTRIES - 1)
}

#[inline(always)]
fn tag(lin: u64) -> u64 {
    (lin & PAGE_MASK) | VALID
}

impl Tlb {
    /// An empty TLB.
    pub fn new() -> Self {
        Self::default()
    }

    /// The physical address of `lin` if a cached translation grants every
    /// right in `required`.
    #[inline(always)]
    pub fn lookup(&self, lin: u64, required: u64) -> Option<u64> {
        let e = &self.entries[slot(lin)];
        if e.tag == tag(lin) && e.frame_rights & required == required {
            Some((e.frame_rights & PAGE_MASK) | (lin & !PAGE_MASK))
        } else {
            None
        }
    }

    /// The cached translation of `lin`'s page, if any (frame, rights).
    pub fn probe(&self, lin: u64) -> Option<Translation> {
        let e = &self.entries[slot(lin)];
        (e.tag == tag(lin)).then_some(Translation {
            frame: e.frame_rights & PAGE_MASK,
            rights: e.frame_rights & perm::MASK,
        })
    }

    /// Cache the translation of `lin`'s page.
    #[inline]
    pub fn insert(&mut self, lin: u64, t: &Translation) {
        self.has_large |= t.rights & perm::LARGE != 0;
        self.has_global |= t.rights & perm::GLOBAL != 0;
        self.entries[slot(lin)] = Entry {
            tag: tag(lin),
            frame_rights: (t.frame & PAGE_MASK) | (t.rights & perm::MASK),
        };
    }

    /// Drop every entry (CR0.PG, CR4.PGE or CR4.PSE changed; reset).
    pub fn flush_all(&mut self) {
        self.entries.fill(Entry::default());
        self.has_large = false;
        self.has_global = false;
    }

    /// Drop every entry but the global ones (MOV CR3, task switch).
    pub fn flush_non_global(&mut self) {
        if !self.has_global {
            self.flush_all();
            return;
        }
        let mut large = false;
        for e in self.entries.iter_mut() {
            if e.frame_rights & perm::GLOBAL == 0 {
                *e = Entry::default();
            } else {
                large |= e.frame_rights & perm::LARGE != 0;
            }
        }
        self.has_large = large;
    }

    /// INVLPG: drop the entries for the page holding `lin`, global or not.
    /// Entries are kept per 4-KiB piece, so for a 4-MiB page every piece
    /// that came from a large page in the same 4-MiB region goes.
    pub fn flush_page(&mut self, lin: u64) {
        let s = slot(lin);
        if self.entries[s].tag == tag(lin) {
            self.entries[s] = Entry::default();
        }
        if self.has_large {
            let region = lin & !(PIECES_4M * 4096 - 1);
            for i in 0..PIECES_4M {
                let piece = region + i * 4096;
                let e = &mut self.entries[slot(piece)];
                if e.tag == tag(piece) && e.frame_rights & perm::LARGE != 0 {
                    *e = Entry::default();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perm::*;

    fn t(frame: u64, rights: u64) -> Translation {
        Translation { frame, rights }
    }

    #[test]
    fn lookup_needs_tag_and_rights() {
        let mut tlb = Tlb::new();
        tlb.insert(0x1234_5678, &t(0xAB000, WRITE | EXEC));
        // (linear, required, result)
        let cases = [
            (0x1234_5FFF, 0, Some(0xABFFF)),
            (0x1234_5000, WRITE, Some(0xAB000)),
            (0x1234_5000, EXEC, Some(0xAB000)),
            (0x1234_5000, USER, None),
            (0x1234_5000, WRITE | DIRTY, None),
            // Another page in the same slot.
            (0x1274_5000, 0, None),
            (0x1234_6000, 0, None),
        ];
        for (lin, req, want) in cases {
            assert_eq!(tlb.lookup(lin, req), want, "{lin:#x} {req:#x}");
        }
        assert_eq!(tlb.probe(0x1234_5000), Some(t(0xAB000, WRITE | EXEC)));
        assert_eq!(tlb.probe(0x1274_5000), None);
        // Linear page 0 is a valid tag too.
        tlb.insert(0x10, &t(0x7000, 0));
        assert_eq!(tlb.lookup(0x10, 0), Some(0x7010));
    }

    #[test]
    fn invalidation() {
        let mut tlb = Tlb::new();
        tlb.insert(0x1000, &t(0x5000, 0));
        tlb.insert(0x2000, &t(0x6000, GLOBAL));
        tlb.insert(0x3000, &t(0x7000, 0));
        // MOV CR3 keeps global entries only.
        tlb.flush_non_global();
        assert_eq!(tlb.lookup(0x1000, 0), None);
        assert_eq!(tlb.lookup(0x2000, 0), Some(0x6000));
        assert_eq!(tlb.lookup(0x3000, 0), None);
        // INVLPG drops a global entry too.
        tlb.insert(0x3000, &t(0x7000, 0));
        tlb.flush_page(0x2FFF);
        assert_eq!(tlb.lookup(0x2000, 0), None);
        assert_eq!(tlb.lookup(0x3000, 0), Some(0x7000));
        tlb.flush_all();
        assert_eq!(tlb.lookup(0x3000, 0), None);
    }

    #[test]
    fn invlpg_drops_every_piece_of_a_large_page() {
        let mut tlb = Tlb::new();
        // Three pieces of the 4-MiB page at 0x0040_0000, a 4-KiB page in
        // the same region and a piece of another large page.
        for lin in [0x0040_0000u64, 0x0041_0000, 0x007F_F000] {
            tlb.insert(lin, &t(0x0080_0000 + (lin & 0x3F_F000), LARGE | GLOBAL));
        }
        tlb.insert(0x0042_0000, &t(0x9000, 0));
        tlb.insert(0x00C1_1000, &t(0x0101_1000, LARGE));
        tlb.flush_page(0x0055_5555);
        for lin in [0x0040_0000u64, 0x0041_0000, 0x007F_F000] {
            assert_eq!(tlb.lookup(lin, 0), None, "{lin:#x}");
        }
        assert_eq!(tlb.lookup(0x0042_0000, 0), Some(0x9000));
        assert_eq!(tlb.lookup(0x00C1_1000, 0), Some(0x0101_1000));
        // Global large pieces survive MOV CR3.
        tlb.insert(0x0040_0000, &t(0x0080_0000, LARGE | GLOBAL));
        tlb.flush_non_global();
        assert_eq!(tlb.lookup(0x0040_0000, 0), Some(0x0080_0000));
        assert_eq!(tlb.lookup(0x00C1_1000, 0), None);
    }
}
