//! The page walk of 32-bit paging (SDM Vol. 3A §4.3), with access rights
//! (§4.6), page-fault error codes (§4.7) and accessed/dirty flags (§4.8).
//!
//! A linear address is split into a 10-bit directory index (bits 31:22), a
//! 10-bit table index (bits 21:12) and a 12-bit offset. The PDE at
//! CR3[31:12] + 4·dir either maps a 4-MiB page (PS = 1 with CR4.PSE = 1) or
//! points to a page table whose PTE maps a 4-KiB page.
//!
//! Rights are the logical AND of R/W and of U/S over both levels. The
//! accessed flags of the entries used, and the dirty flag of the entry that
//! maps the page on a write, are set only when the translation succeeds and
//! allows the access (a faulting access changes no paging structure).
//! Reserved bits: with CR4.PSE a 4-MiB PDE must have bits 21:13 clear
//! (MAXPHYADDR = 32: no PSE-36); a violation is a #PF with P and RSVD set.

use super::{perm, pf, pte, required, PagingConfig, PagingMode, Request};
use crate::cpu::access::Access;
use crate::memory::Memory;

/// A successful translation of one 4-KiB linear page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Translation {
    /// Physical address of the 4-KiB frame (for a 4-MiB page, of the
    /// 4-KiB piece holding the address).
    pub frame: u64,
    /// Rights and attributes ([`perm`] bits).
    pub rights: u64,
}

/// Walk the paging structures for `lin`, check `req` against the rights
/// and set accessed/dirty flags. `Err` holds the #PF error code.
pub fn walk(
    mem: &mut Memory,
    cfg: &PagingConfig,
    lin: u64,
    req: Request,
) -> Result<Translation, u32> {
    match cfg.mode {
        PagingMode::Bits32 => walk32(mem, cfg, lin as u32, req),
    }
}

/// Read a 32-bit paging-structure entry.
#[inline]
fn read_entry(mem: &Memory, addr: u32) -> u64 {
    mem.read(addr, 4)
}

/// Store the new accessed/dirty bits of an entry (both are in its low
/// byte), if they changed.
#[inline]
fn update_entry(mem: &mut Memory, addr: u32, old: u64, new: u64) {
    if new != old {
        mem.write_u8(addr, new as u8);
    }
}

fn walk32(
    mem: &mut Memory,
    cfg: &PagingConfig,
    lin: u32,
    req: Request,
) -> Result<Translation, u32> {
    let access_bits = req.error_bits();
    let write = req.access == Access::Write;
    // Rights the access needs, apart from the dirty flag (set below).
    let need = required(req.access, req.user, cfg.wp) & !perm::DIRTY;
    let pde_addr = (cfg.cr3 as u32 & pte::FRAME_4K as u32) | ((lin >> 22) << 2);
    let pde = read_entry(mem, pde_addr);
    if pde & pte::P == 0 {
        return Err(access_bits);
    }
    if cfg.pse && pde & pte::PS != 0 {
        if pde & pte::PDE4M_RESERVED != 0 {
            return Err(pf::P | pf::RSVD | access_bits);
        }
        let mut rights = (pde & (pte::RW | pte::US)) | perm::EXEC | perm::LARGE;
        if cfg.pge && pde & pte::G != 0 {
            rights |= perm::GLOBAL;
        }
        if rights & need != need {
            return Err(pf::P | access_bits);
        }
        let mut new = pde | pte::A;
        if write {
            new |= pte::D;
        }
        update_entry(mem, pde_addr, pde, new);
        if new & pte::D != 0 {
            rights |= perm::DIRTY;
        }
        let frame = (pde & pte::FRAME_4M) | u64::from(lin & 0x003F_F000);
        return Ok(Translation { frame, rights });
    }
    let pte_addr = (pde as u32 & pte::FRAME_4K as u32) | (((lin >> 12) & 0x3FF) << 2);
    let entry = read_entry(mem, pte_addr);
    if entry & pte::P == 0 {
        return Err(access_bits);
    }
    let mut rights = (pde & entry & (pte::RW | pte::US)) | perm::EXEC;
    if cfg.pge && entry & pte::G != 0 {
        rights |= perm::GLOBAL;
    }
    if rights & need != need {
        return Err(pf::P | access_bits);
    }
    update_entry(mem, pde_addr, pde, pde | pte::A);
    let mut new = entry | pte::A;
    if write {
        new |= pte::D;
    }
    update_entry(mem, pte_addr, entry, new);
    if new & pte::D != 0 {
        rights |= perm::DIRTY;
    }
    Ok(Translation {
        frame: entry & pte::FRAME_4K,
        rights,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pte::{A, D, G, P, PS, RW, US};

    const CR3: u32 = 0x1000;
    const PT: u32 = 0x2000;
    /// Linear address used by the table: directory 1, table 2, offset 0x345.
    const LIN: u32 = 0x0040_2345;
    const PDE_ADDR: u32 = CR3 + 4;
    const PTE_ADDR: u32 = PT + 8;

    fn cfg(pse: bool, pge: bool, wp: bool) -> PagingConfig {
        PagingConfig {
            mode: PagingMode::Bits32,
            cr3: u64::from(CR3),
            pse,
            pge,
            wp,
        }
    }

    fn mem_with(pde: u64, entry: u64) -> Memory {
        let mut m = Memory::new(0x10_0000).unwrap();
        m.write(PDE_ADDR, 4, pde);
        m.write(PTE_ADDR, 4, entry);
        m
    }

    /// Walk `LIN` for an access.
    fn go(m: &mut Memory, c: PagingConfig, access: Access, user: bool) -> Result<Translation, u32> {
        walk(m, &c, u64::from(LIN), Request { access, user })
    }

    /// (PDE, PTE, access, user, CR0.WP, physical address or #PF code)
    type Case4K = (u64, u64, Access, bool, bool, Result<u64, u32>);
    /// (PDE, access, user, CR0.WP, physical address or #PF code)
    type Case4M = (u64, Access, bool, bool, Result<u64, u32>);

    /// 4-KiB pages: PDE and PTE bits, access, CPL, WP → the translated
    /// address or the exact #PF error code.
    #[test]
    fn four_kib_pages_rights_and_error_codes() {
        use Access::{Execute as X, Read as R, Write as W};
        let pde_t = u64::from(PT);
        let frame = 0x5_6000u64;
        let ok = Ok(frame | 0x345);
        #[rustfmt::skip]
        let cases: [Case4K; 26] = [
            // Not present at either level: P = 0, W/R and U/S describe the access.
            (0, frame | P | RW | US, R, false, false, Err(0)),
            (0, frame | P | RW | US, W, false, false, Err(pf::W)),
            (0, frame | P | RW | US, W, true, false, Err(pf::W | pf::U)),
            (pde_t | P | RW | US, frame, R, true, false, Err(pf::U)),
            (pde_t | P | RW | US, frame | RW | US, X, true, false, Err(pf::U)),
            // Everything allowed.
            (pde_t | P | RW | US, frame | P | RW | US, R, true, true, ok),
            (pde_t | P | RW | US, frame | P | RW | US, W, true, true, ok),
            (pde_t | P | RW | US, frame | P | RW | US, X, true, true, ok),
            // Supervisor page: user accesses fault with P = 1.
            (pde_t | P | RW, frame | P | RW | US, R, true, false, Err(pf::P | pf::U)),
            (pde_t | P | RW | US, frame | P | RW, X, true, false, Err(pf::P | pf::U)),
            (pde_t | P | RW | US, frame | P | RW, W, true, false, Err(pf::P | pf::W | pf::U)),
            (pde_t | P | RW, frame | P | RW, R, false, true, ok),
            // Read-only at either level: user writes fault; supervisor
            // writes only with CR0.WP.
            (pde_t | P | US, frame | P | RW | US, W, true, false, Err(pf::P | pf::W | pf::U)),
            (pde_t | P | RW | US, frame | P | US, W, true, false, Err(pf::P | pf::W | pf::U)),
            (pde_t | P | RW | US, frame | P | US, R, true, false, ok),
            (pde_t | P | US, frame | P | US, W, false, false, ok),
            (pde_t | P | US, frame | P | US, W, false, true, Err(pf::P | pf::W)),
            (pde_t | P | RW | US, frame | P, W, false, true, Err(pf::P | pf::W)),
            (pde_t | P | RW | US, frame | P, W, false, false, ok),
            (pde_t | P | RW | US, frame | P, R, false, true, ok),
            // No NX with 32-bit paging: any present page can be executed.
            (pde_t | P, frame | P, X, false, true, ok),
            // PS in a PDE is ignored without CR4.PSE (cfg below has PSE
            // only where noted), and so are 4-MiB reserved bits.
            (pde_t | P | PS | RW | US, frame | P | RW | US, R, true, false, ok),
            // A page table outside RAM reads as all-ones: a present PTE
            // with frame FFFFF000 and every right.
            (pde_t | P | RW | US | 0x3000_0000, frame | P | RW | US, R, false, false,
                Ok(0xFFFF_F000 | 0x345)),
            // Ignored bits (9–11) and PWT/PCD do not matter.
            (pde_t | P | RW | US | 0xE18, frame | P | RW | US | 0xE18, W, true, true, ok),
            (pde_t | P | RW | US, frame | P | RW | US | G, R, true, true, ok),
            (pde_t | P | RW | US | G, frame | P | RW | US, R, true, true, ok),
        ];
        for (i, (pde, entry, access, user, wp, want)) in cases.into_iter().enumerate() {
            let mut m = mem_with(pde, entry);
            let got = go(&mut m, cfg(false, false, wp), access, user)
                .map(|t| t.frame | u64::from(LIN & 0xFFF));
            assert_eq!(
                got, want,
                "case {i}: pde {pde:#x} pte {entry:#x} {access:?} user {user} wp {wp}"
            );
        }
    }

    /// 4-MiB pages (CR4.PSE): rights, reserved bits, frames.
    #[test]
    fn four_mib_pages() {
        use Access::{Read as R, Write as W};
        let base = 0x0080_0000u64;
        let ok = Ok(base | 0x2345);
        #[rustfmt::skip]
        let cases: [Case4M; 9] = [
            (base | P | PS | RW | US, R, true, false, ok),
            (base | P | PS | RW | US, W, true, false, ok),
            (base | PS | RW | US, R, false, false, Err(0)),
            (base | P | PS | RW, R, true, false, Err(pf::P | pf::U)),
            (base | P | PS | US, W, true, false, Err(pf::P | pf::W | pf::U)),
            (base | P | PS | US, W, false, true, Err(pf::P | pf::W)),
            (base | P | PS | US, W, false, false, ok),
            // Bits 21:13 are reserved: RSVD with P = 1.
            (base | P | PS | RW | US | (1 << 13), R, true, false, Err(pf::P | pf::RSVD | pf::U)),
            (base | P | PS | RW | US | (1 << 21), W, false, false, Err(pf::P | pf::RSVD | pf::W)),
        ];
        for (i, (pde, access, user, wp, want)) in cases.into_iter().enumerate() {
            let mut m = mem_with(pde, 0);
            let got = go(&mut m, cfg(true, false, wp), access, user)
                .map(|t| t.frame | u64::from(LIN & 0xFFF));
            assert_eq!(
                got, want,
                "case {i}: pde {pde:#x} {access:?} user {user} wp {wp}"
            );
        }
    }

    #[test]
    fn accessed_and_dirty_flags() {
        let pde = u64::from(PT) | P | RW | US;
        let entry = 0x5_6000 | P | RW | US;
        // A read sets A in the PDE and the PTE, not D.
        let mut m = mem_with(pde, entry);
        let t = go(&mut m, cfg(false, false, true), Access::Read, true).unwrap();
        assert_eq!(m.read(PDE_ADDR, 4), pde | A);
        assert_eq!(m.read(PTE_ADDR, 4), entry | A);
        assert_eq!(t.rights & perm::DIRTY, 0);
        // A write sets D in the PTE only.
        let t = go(&mut m, cfg(false, false, true), Access::Write, true).unwrap();
        assert_eq!(m.read(PDE_ADDR, 4), pde | A);
        assert_eq!(m.read(PTE_ADDR, 4), entry | A | D);
        assert_ne!(t.rights & perm::DIRTY, 0);
        // A read of a page already dirty reports it, so a later write needs no walk.
        let t = go(&mut m, cfg(false, false, true), Access::Read, false).unwrap();
        assert_ne!(t.rights & perm::DIRTY, 0);
        // A faulting access changes nothing.
        let ro = 0x5_6000 | P | US;
        let mut m = mem_with(pde, ro);
        assert_eq!(
            go(&mut m, cfg(false, false, true), Access::Write, true),
            Err(pf::P | pf::W | pf::U)
        );
        assert_eq!((m.read(PDE_ADDR, 4), m.read(PTE_ADDR, 4)), (pde, ro));
        // Not-present PTE: the PDE's A flag stays clear too.
        let mut m = mem_with(pde, 0);
        assert!(go(&mut m, cfg(false, false, true), Access::Read, false).is_err());
        assert_eq!(m.read(PDE_ADDR, 4), pde);
        // 4-MiB page: A and D in the PDE.
        let big = 0x0080_0000 | P | PS | RW;
        let mut m = mem_with(big, 0);
        go(&mut m, cfg(true, false, true), Access::Read, false).unwrap();
        assert_eq!(m.read(PDE_ADDR, 4), big | A);
        go(&mut m, cfg(true, false, true), Access::Write, false).unwrap();
        assert_eq!(m.read(PDE_ADDR, 4), big | A | D);
    }

    #[test]
    fn global_and_large_attributes() {
        let table = u64::from(PT) | P | RW;
        let page = 0x5_6000 | P | RW;
        let big = 0x0080_0000 | P | PS | RW;
        // (CR4.PSE, CR4.PGE, PDE, PTE, expected GLOBAL, expected LARGE)
        let cases = [
            (false, false, table, page | G, false, false),
            (false, true, table, page | G, true, false),
            (true, true, big | G, 0, true, true),
            (true, false, big | G, 0, false, true),
            // G in a PDE that points to a page table is ignored.
            (false, true, table | G, page, false, false),
        ];
        for (i, (pse, pge, pde, entry, global, large)) in cases.into_iter().enumerate() {
            let mut m = mem_with(pde, entry);
            let t = go(&mut m, cfg(pse, pge, false), Access::Read, false).unwrap();
            assert_eq!(t.rights & perm::GLOBAL != 0, global, "case {i} global");
            assert_eq!(t.rights & perm::LARGE != 0, large, "case {i} large");
        }
    }
}
