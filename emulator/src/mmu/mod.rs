//! Paging: linear → physical address translation (Intel SDM Vol. 3A ch. 4).
//!
//! - [`walk`]: the page walk of 32-bit paging (§4.3) with 4-KiB pages and,
//!   with CR4.PSE, 4-MiB pages; access rights (§4.6), the page-fault error
//!   code (§4.7) and the accessed/dirty flags (§4.8).
//! - [`tlb`]: a software TLB (§4.10): a direct-mapped array caching the
//!   result of a walk, so that an ordinary access is one lookup. Like a real
//!   TLB it keeps a translation after the paging structures change, until
//!   the guest invalidates it (INVLPG, MOV CR3, CR4.PGE/CR0.PG changes).
//!
//! The module knows nothing of the CPU: it works on a [`PagingConfig`]
//! (CR0/CR3/CR4 bits), a [`Request`] (kind of access, user or supervisor)
//! and physical [`Memory`]. The CPU glue is in `cpu/paging.rs`.
//!
//! PAE and NX are not implemented. The design leaves room for them: walk
//! results and TLB entries hold 64-bit linear and physical addresses and a
//! positive [`perm::EXEC`] right (NX would clear it), [`PagingMode`] selects
//! the walker, and the error code already has its I/D bit ([`pf::I`]).

pub mod tlb;
pub mod walk;

pub use tlb::Tlb;
pub use walk::{walk, Translation};

use crate::cpu::access::Access;

/// Page-fault error code bits (SDM Vol. 3A §4.7, Figure 4-12).
pub mod pf {
    /// 0: no translation (a P flag was 0); 1: protection or reserved bit.
    pub const P: u32 = 1 << 0;
    /// The access was a write.
    pub const W: u32 = 1 << 1;
    /// The access was a user-mode access.
    pub const U: u32 = 1 << 2;
    /// A reserved bit was set in a paging-structure entry.
    pub const RSVD: u32 = 1 << 3;
    /// Instruction fetch (only reported with PAE + NXE or SMEP: never with
    /// 32-bit paging).
    pub const I: u32 = 1 << 4;
}

/// Bits of 32-bit paging-structure entries (SDM Vol. 3A §4.3, Tables 4-4
/// to 4-6).
pub mod pte {
    /// Present.
    pub const P: u64 = 1 << 0;
    /// Read/write: writes allowed if 1.
    pub const RW: u64 = 1 << 1;
    /// User/supervisor: user-mode accesses allowed if 1.
    pub const US: u64 = 1 << 2;
    /// Page-level write-through.
    pub const PWT: u64 = 1 << 3;
    /// Page-level cache disable.
    pub const PCD: u64 = 1 << 4;
    /// Accessed.
    pub const A: u64 = 1 << 5;
    /// Dirty (in the entry that maps a page).
    pub const D: u64 = 1 << 6;
    /// Page size (in a PDE, with CR4.PSE): the PDE maps a 4-MiB page.
    pub const PS: u64 = 1 << 7;
    /// Global (in the entry that maps a page, with CR4.PGE).
    pub const G: u64 = 1 << 8;
    /// Reserved bits of a PDE mapping a 4-MiB page when MAXPHYADDR is 32
    /// (bits 21:13; PSE-36 is not implemented, Table 4-4).
    pub const PDE4M_RESERVED: u64 = 0x003F_E000;
    /// Frame address of a 4-KiB page or page table.
    pub const FRAME_4K: u64 = 0xFFFF_F000;
    /// Frame address of a 4-MiB page.
    pub const FRAME_4M: u64 = 0xFFC0_0000;
}

/// Paging-related CR4 bits (SDM Vol. 3A §2.5).
pub mod cr4 {
    /// Page size extensions: 4-MiB pages with 32-bit paging.
    pub const PSE: u64 = 1 << 4;
    /// Physical address extension (not implemented).
    pub const PAE: u64 = 1 << 5;
    /// Page global enable.
    pub const PGE: u64 = 1 << 7;
}

/// Access rights of a translation, as kept in a [`Translation`] and a TLB
/// entry. Each bit is a right (1 = allowed), so the check of an access is
/// `rights & required == required` (see [`required`]). The bit positions of
/// `WRITE`, `USER`, `DIRTY`, `LARGE` and `GLOBAL` are those of the entry
/// bits they come from.
pub mod perm {
    /// R/W was 1 at every level (logical AND, §4.6).
    pub const WRITE: u64 = 1 << 1;
    /// U/S was 1 at every level.
    pub const USER: u64 = 1 << 2;
    /// The dirty flag is already set in the entry mapping the page, so a
    /// write needs no walk to set it.
    pub const DIRTY: u64 = 1 << 6;
    /// Mapped by a 4-MiB page (the TLB keeps 4-KiB pieces of it).
    pub const LARGE: u64 = 1 << 7;
    /// Global translation (G set and CR4.PGE on): kept across MOV CR3.
    pub const GLOBAL: u64 = 1 << 8;
    /// Instruction fetches allowed (always with 32-bit paging; NX will
    /// clear it).
    pub const EXEC: u64 = 1 << 9;
    /// Every rights bit (the rest of a TLB entry's low 12 bits is free).
    pub const MASK: u64 = WRITE | USER | DIRTY | LARGE | GLOBAL | EXEC;
}

/// The paging structures' format. Only 32-bit paging exists so far; PAE
/// and 4-level paging will be further variants with their own walkers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PagingMode {
    /// 32-bit paging (CR0.PG = 1, CR4.PAE = 0), §4.3.
    #[default]
    Bits32,
}

/// The control-register state a walk depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct PagingConfig {
    pub mode: PagingMode,
    /// CR3 (page-directory base in bits 31:12).
    pub cr3: u64,
    /// CR4.PSE: PDEs with PS = 1 map 4-MiB pages.
    pub pse: bool,
    /// CR4.PGE: G marks translations global.
    pub pge: bool,
    /// CR0.WP: supervisor writes honour R/W.
    pub wp: bool,
}

impl PagingConfig {
    /// The configuration from CR0, CR3 and CR4 values.
    pub fn from_crs(cr0: u64, cr3: u64, cr4_value: u64) -> Self {
        PagingConfig {
            mode: PagingMode::Bits32,
            cr3,
            pse: cr4_value & cr4::PSE != 0,
            pge: cr4_value & cr4::PGE != 0,
            wp: cr0 & crate::cpu::state::cr0::WP != 0,
        }
    }
}

/// One access as paging sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    pub access: Access,
    /// User-mode access (CPL 3 and not an implicit supervisor access to a
    /// descriptor table or TSS, §4.6).
    pub user: bool,
}

impl Request {
    /// The W/R and U/S bits of a page-fault error code for this access.
    #[inline]
    pub fn error_bits(self) -> u32 {
        let mut code = 0;
        if self.access == Access::Write {
            code |= pf::W;
        }
        if self.user {
            code |= pf::U;
        }
        code
    }
}

/// Rights a translation needs for an access (SDM Vol. 3A §4.6.1, without
/// SMEP/SMAP/NX): user accesses need U/S = 1; user writes also R/W = 1;
/// supervisor writes need R/W = 1 only when CR0.WP = 1. Writes also need
/// [`perm::DIRTY`], so the first write to a clean page walks again to set
/// the dirty flag.
#[inline(always)]
pub fn required(access: Access, user: bool, wp: bool) -> u64 {
    match access {
        Access::Read => {
            if user {
                perm::USER
            } else {
                0
            }
        }
        Access::Write => {
            perm::DIRTY
                | if user {
                    perm::USER | perm::WRITE
                } else if wp {
                    perm::WRITE
                } else {
                    0
                }
        }
        Access::Execute => perm::EXEC | if user { perm::USER } else { 0 },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_rights() {
        use perm::*;
        // (access, user, wp, required)
        let cases = [
            (Access::Read, false, false, 0),
            (Access::Read, false, true, 0),
            (Access::Read, true, false, USER),
            (Access::Write, false, false, DIRTY),
            (Access::Write, false, true, DIRTY | WRITE),
            (Access::Write, true, false, DIRTY | WRITE | USER),
            (Access::Write, true, true, DIRTY | WRITE | USER),
            (Access::Execute, false, true, EXEC),
            (Access::Execute, true, false, EXEC | USER),
        ];
        for (a, user, wp, want) in cases {
            assert_eq!(required(a, user, wp), want, "{a:?} user {user} wp {wp}");
        }
    }

    #[test]
    fn error_bits_describe_the_access() {
        let r = |access, user| Request { access, user }.error_bits();
        assert_eq!(r(Access::Read, false), 0);
        assert_eq!(r(Access::Write, false), pf::W);
        assert_eq!(r(Access::Read, true), pf::U);
        assert_eq!(r(Access::Write, true), pf::W | pf::U);
        // No I/D bit with 32-bit paging.
        assert_eq!(r(Access::Execute, true), pf::U);
    }
}
