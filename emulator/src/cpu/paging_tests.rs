//! Tests of paging as the CPU uses it: TLB staleness and invalidation,
//! accessed/dirty flags, rights by CPL and CR0.WP, accesses and
//! instruction fetches crossing a page boundary, and the block cache.

use crate::cpu::access::Access;
use crate::cpu::state::{attr, cr0, gpr, CpuState};
use crate::cpu::{Cpu, CpuModel, Exception, SegReg, Segment};
use crate::engine::interpreter::step;
use crate::engine::BlockCache;
use crate::memory::Memory;
use crate::mmu::{cr4, pf, pte};
use devices::IoBus;

/// Page directory.
const PD: u32 = 0x1000;
/// Page table of the first 4 MiB (identity mapped, user, writable).
const PT0: u32 = 0x2000;
/// Page table of 0x0040_0000–0x007F_FFFF (empty unless a test maps).
const PT1: u32 = 0x3000;
const GDT: u32 = 0x800;
const IDT: u32 = 0x600;
/// #PF handler: `hlt`.
const PF_HANDLER: u32 = 0x7000;
const STACK_TOP: u32 = 0x9000;
/// A linear page in the second 4 MiB, mapped by tests.
const LIN: u32 = 0x0040_0000;
const RW_US: u64 = pte::P | pte::RW | pte::US;

/// A Pentium in flat 32-bit protected mode at CPL 0 with paging on:
/// 0–4 MiB identity mapped by 4-KiB pages, an IDT whose #PF gate leads to
/// a `hlt`, ESP = 9000h.
fn paged_cpu() -> Cpu {
    let mut cpu = Cpu::new(
        CpuModel::Pentium,
        Memory::new(0x80_0000).unwrap(),
        IoBus::default(),
    );
    let mut s = CpuState::reset();
    for r in SegReg::ALL {
        let code = r == SegReg::Cs;
        s.seg[r as usize] = Segment {
            selector: if code { 0x08 } else { 0x10 },
            base: 0,
            limit: u32::MAX,
            attr: if code {
                attr::REAL_CODE
            } else {
                attr::REAL_DATA
            } | attr::DB
                | attr::G,
        };
    }
    s.cr0 = cr0::PE | cr0::PG | cr0::ET;
    s.cr3 = u64::from(PD);
    s.gdtr.base = u64::from(GDT);
    s.gdtr.limit = 23;
    s.idtr.base = u64::from(IDT);
    s.idtr.limit = 8 * 32 - 1;
    s.regs[gpr::RSP] = u64::from(STACK_TOP);
    s.rip = 0x5000;
    cpu.state = s;
    let m = &mut cpu.mem;
    m.write(GDT + 8, 8, 0x00CF_9A00_0000_FFFF);
    m.write(GDT + 16, 8, 0x00CF_9200_0000_FFFF);
    // 32-bit interrupt gate 08h:7000h, DPL 0, present.
    let gate = u64::from(PF_HANDLER & 0xFFFF)
        | (0x08 << 16)
        | (0x8E00u64 << 32)
        | (u64::from(PF_HANDLER >> 16) << 48);
    m.write(IDT + 14 * 8, 8, gate);
    m.write_u8(PF_HANDLER, 0xF4);
    m.write(PD, 4, u64::from(PT0) | RW_US);
    m.write(PD + 4, 4, u64::from(PT1) | RW_US);
    for i in 0..1024u32 {
        m.write(PT0 + 4 * i, 4, u64::from(i << 12) | RW_US);
    }
    cpu
}

/// Map linear page `lin` (in 0x0040_0000–0x007F_FFFF) with PTE `entry`.
fn map(cpu: &mut Cpu, lin: u32, entry: u64) {
    cpu.mem.write(pte_addr(lin), 4, entry);
}

fn pte_addr(lin: u32) -> u32 {
    assert_eq!(lin >> 22, 1);
    PT1 + ((lin >> 12) & 0x3FF) * 4
}

fn read(cpu: &mut Cpu, lin: u32, size: u32) -> Result<u64, Exception> {
    cpu.read_mem(SegReg::Ds, u64::from(lin), size)
}

fn write(cpu: &mut Cpu, lin: u32, size: u32, v: u64) -> Result<(), Exception> {
    cpu.write_mem(SegReg::Ds, u64::from(lin), size, v)
}

fn pf(addr: u32, code: u32) -> Exception {
    Exception::PageFault {
        addr: u64::from(addr),
        code,
    }
}

#[test]
fn translation_and_identity_without_paging() {
    let mut cpu = paged_cpu();
    cpu.mem.write(0x5_0010, 4, 0xAABB_CCDD);
    map(&mut cpu, LIN, 0x5_0000 | RW_US);
    assert_eq!(read(&mut cpu, LIN + 0x10, 4), Ok(0xAABB_CCDD));
    assert_eq!(read(&mut cpu, LIN + 0x1010, 4), Err(pf(LIN + 0x1010, 0)));
    // Paging off: linear = physical, and the TLB is flushed by the change.
    cpu.write_cr0(cr0::PE).unwrap();
    assert_eq!(read(&mut cpu, 0x5_0010, 4), Ok(0xAABB_CCDD));
    assert_eq!(read(&mut cpu, LIN + 0x10, 4), Ok(0));
    assert_eq!(cpu.tlb.probe(u64::from(LIN)), None);
}

/// A changed PTE is not seen until INVLPG or a CR3 load; a global entry
/// survives the CR3 load but not INVLPG or a CR4.PGE change.
#[test]
fn tlb_keeps_stale_translations_until_flushed() {
    let mut cpu = paged_cpu();
    cpu.mem.write(0x5_0000, 4, 0x1111_1111);
    cpu.mem.write(0x6_0000, 4, 0x2222_2222);
    map(&mut cpu, LIN, 0x5_0000 | RW_US);
    assert_eq!(read(&mut cpu, LIN, 4), Ok(0x1111_1111));
    map(&mut cpu, LIN, 0x6_0000 | RW_US);
    assert_eq!(
        read(&mut cpu, LIN, 4),
        Ok(0x1111_1111),
        "stale until flushed"
    );
    // Not present in memory now, but the TLB still has the translation.
    map(&mut cpu, LIN, 0);
    assert_eq!(read(&mut cpu, LIN, 4), Ok(0x1111_1111));
    map(&mut cpu, LIN, 0x6_0000 | RW_US);
    cpu.invalidate_page(LIN + 0xABC);
    assert_eq!(read(&mut cpu, LIN, 4), Ok(0x2222_2222), "after INVLPG");
    map(&mut cpu, LIN, 0x5_0000 | RW_US);
    assert_eq!(read(&mut cpu, LIN, 4), Ok(0x2222_2222));
    cpu.set_cr3(u64::from(PD));
    assert_eq!(read(&mut cpu, LIN, 4), Ok(0x1111_1111), "after MOV CR3");

    // Global pages (CR4.PGE and G).
    let old_cr4 = cpu.state.cr4;
    cpu.state.cr4 |= cr4::PGE;
    cpu.paging_controls_changed(cpu.state.cr0, old_cr4);
    map(&mut cpu, LIN, 0x5_0000 | RW_US | pte::G);
    assert_eq!(read(&mut cpu, LIN, 4), Ok(0x1111_1111));
    map(&mut cpu, LIN, 0x6_0000 | RW_US | pte::G);
    cpu.set_cr3(u64::from(PD));
    assert_eq!(
        read(&mut cpu, LIN, 4),
        Ok(0x1111_1111),
        "global survives CR3"
    );
    cpu.invalidate_page(LIN);
    assert_eq!(
        read(&mut cpu, LIN, 4),
        Ok(0x2222_2222),
        "INVLPG drops global"
    );
    map(&mut cpu, LIN, 0x5_0000 | RW_US | pte::G);
    cpu.set_cr3(u64::from(PD));
    assert_eq!(read(&mut cpu, LIN, 4), Ok(0x2222_2222));
    let old_cr4 = cpu.state.cr4;
    cpu.state.cr4 &= !cr4::PGE;
    cpu.paging_controls_changed(cpu.state.cr0, old_cr4);
    assert_eq!(
        read(&mut cpu, LIN, 4),
        Ok(0x1111_1111),
        "PGE change flushes all"
    );
}

/// The same through the instructions: MOV CR3, INVLPG, MOV CR4.
#[test]
fn flushing_instructions() {
    let mut cpu = paged_cpu();
    cpu.mem.write(0x5_0000, 4, 0x1111_1111);
    cpu.mem.write(0x6_0000, 4, 0x2222_2222);
    #[rustfmt::skip]
    cpu.mem.write_bytes(0x5000, &[
        0x8B, 0x1D, 0x00, 0x00, 0x40, 0x00, // mov ebx, [400000h]
        0x0F, 0x01, 0x3D, 0x00, 0x00, 0x40, 0x00, // invlpg [400000h]
        0x8B, 0x0D, 0x00, 0x00, 0x40, 0x00, // mov ecx, [400000h]
        0x0F, 0x20, 0xD8, // mov eax, cr3
        0x0F, 0x22, 0xD8, // mov cr3, eax
        0x8B, 0x15, 0x00, 0x00, 0x40, 0x00, // mov edx, [400000h]
        0xF4,
    ]);
    map(&mut cpu, LIN, 0x5_0000 | RW_US);
    assert_eq!(read(&mut cpu, LIN, 4), Ok(0x1111_1111));
    map(&mut cpu, LIN, 0x6_0000 | RW_US);
    step(&mut cpu);
    assert_eq!(cpu.state.regs[gpr::RBX], 0x1111_1111);
    step(&mut cpu);
    step(&mut cpu);
    assert_eq!(cpu.state.regs[gpr::RCX], 0x2222_2222);
    map(&mut cpu, LIN, 0x5_0000 | RW_US);
    step(&mut cpu);
    step(&mut cpu);
    step(&mut cpu);
    assert_eq!(cpu.state.regs[gpr::RDX], 0x1111_1111);
}

#[test]
fn accessed_and_dirty_flags() {
    let mut cpu = paged_cpu();
    map(&mut cpu, LIN, 0x5_0000 | RW_US);
    let pde1 = u64::from(PT1) | RW_US;
    assert_eq!(read(&mut cpu, LIN, 1), Ok(0));
    assert_eq!(cpu.mem.read(PD + 4, 4), pde1 | pte::A);
    assert_eq!(cpu.mem.read(pte_addr(LIN), 4), 0x5_0000 | RW_US | pte::A);
    // The first write walks again to set D (the TLB entry was clean).
    let fills = cpu.tlb.fills;
    write(&mut cpu, LIN, 1, 7).unwrap();
    assert_eq!(cpu.tlb.fills, fills + 1);
    assert_eq!(
        cpu.mem.read(pte_addr(LIN), 4),
        0x5_0000 | RW_US | pte::A | pte::D
    );
    // Later writes use the TLB: clearing D in memory goes unnoticed until
    // the guest flushes (as on hardware).
    map(&mut cpu, LIN, 0x5_0000 | RW_US | pte::A);
    write(&mut cpu, LIN, 1, 8).unwrap();
    assert_eq!(cpu.tlb.fills, fills + 1);
    assert_eq!(cpu.mem.read(pte_addr(LIN), 4), 0x5_0000 | RW_US | pte::A);
    cpu.invalidate_page(LIN);
    write(&mut cpu, LIN, 1, 9).unwrap();
    assert_eq!(
        cpu.mem.read(pte_addr(LIN), 4),
        0x5_0000 | RW_US | pte::A | pte::D
    );
    // check_write (read-modify-write) sets D before the write.
    map(&mut cpu, LIN + 0x1000, 0x5_1000 | RW_US);
    cpu.check_write(SegReg::Ds, u64::from(LIN + 0x1000), 4)
        .unwrap();
    assert_eq!(
        cpu.mem.read(pte_addr(LIN + 0x1000), 4),
        0x5_1000 | RW_US | pte::A | pte::D
    );
}

/// Rights by CPL and CR0.WP; implicit supervisor accesses at CPL 3.
#[test]
fn rights_by_privilege_and_wp() {
    let ro_user = 0x5_0000 | pte::P | pte::US;
    let rw_sup = 0x5_0000 | pte::P | pte::RW;
    // (PTE, CPL, WP, write, expected)
    #[rustfmt::skip]
    let cases = [
        (ro_user, 3, false, false, Ok(())),
        (ro_user, 3, false, true, Err(pf(LIN + 4, pf::P | pf::W | pf::U))),
        (ro_user, 0, false, true, Ok(())),
        (ro_user, 0, true, true, Err(pf(LIN + 4, pf::P | pf::W))),
        (ro_user, 1, true, false, Ok(())),
        (rw_sup, 3, false, false, Err(pf(LIN + 4, pf::P | pf::U))),
        (rw_sup, 3, true, true, Err(pf(LIN + 4, pf::P | pf::W | pf::U))),
        (rw_sup, 2, true, true, Ok(())),
        (0, 3, true, true, Err(pf(LIN + 4, pf::W | pf::U))),
        (0, 0, true, false, Err(pf(LIN + 4, 0))),
    ];
    for (i, (entry, cpl, wp, is_write, want)) in cases.into_iter().enumerate() {
        let mut cpu = paged_cpu();
        map(&mut cpu, LIN, entry);
        if wp {
            cpu.state.cr0 |= cr0::WP;
        }
        cpu.state.cpl = cpl;
        let got = if is_write {
            write(&mut cpu, LIN + 4, 4, 0x1234_5678)
        } else {
            read(&mut cpu, LIN + 4, 4).map(|_| ())
        };
        assert_eq!(got, want, "case {i}");
        if want.is_err() {
            assert_eq!(cpu.mem.read(0x5_0004, 4), 0, "case {i}: nothing written");
        }
    }
    // A supervisor page read at CPL 3 through the system path (descriptor
    // tables, TSS) uses supervisor rights.
    let mut cpu = paged_cpu();
    map(&mut cpu, LIN, rw_sup);
    cpu.mem.write(0x5_0008, 8, 0x0123_4567_89AB_CDEF);
    cpu.state.cpl = 3;
    assert_eq!(cpu.read_system(LIN + 8, 8), Ok(0x0123_4567_89AB_CDEF));
    assert_eq!(cpu.translate_system(LIN + 8, Access::Write), Ok(0x5_0008));
    assert_eq!(
        cpu.translate(LIN + 8, Access::Read),
        Err(pf(LIN + 8, pf::P | pf::U))
    );
    // Virtual-8086 mode is user mode.
    let mut cpu = paged_cpu();
    map(&mut cpu, LIN, rw_sup);
    cpu.state
        .flags
        .set_masked(crate::cpu::flags::VM, crate::cpu::flags::VM);
    assert!(cpu.user_mode());
    assert_eq!(
        cpu.translate(LIN, Access::Read),
        Err(pf(LIN, pf::P | pf::U))
    );
}

/// Accesses crossing a page boundary use both translations, and fault
/// before writing anything.
#[test]
fn accesses_crossing_pages() {
    let mut cpu = paged_cpu();
    // LIN → frame 0x5_0000, LIN+0x1000 → frame 0x3_0000 (not adjacent).
    map(&mut cpu, LIN, 0x5_0000 | RW_US);
    map(&mut cpu, LIN + 0x1000, 0x3_0000 | RW_US);
    cpu.mem.write(0x5_0FFE, 2, 0x2211);
    cpu.mem.write(0x3_0000, 2, 0x4433);
    assert_eq!(read(&mut cpu, LIN + 0xFFE, 4), Ok(0x4433_2211));
    write(&mut cpu, LIN + 0xFFD, 4, 0xDDCC_BBAA).unwrap();
    assert_eq!(cpu.mem.read(0x5_0FFD, 3), 0xCC_BBAA);
    assert_eq!(cpu.mem.read(0x3_0000, 1), 0xDD);
    // Second page not present: #PF at its first byte, memory unchanged.
    map(&mut cpu, LIN + 0x2000, 0x6_0000 | RW_US);
    cpu.mem.write(0x6_0FFC, 4, 0x5555_5555);
    assert_eq!(
        write(&mut cpu, LIN + 0x2FFE, 4, 0),
        Err(pf(LIN + 0x3000, pf::W))
    );
    assert_eq!(cpu.mem.read(0x6_0FFC, 4), 0x5555_5555, "no partial write");
    assert_eq!(read(&mut cpu, LIN + 0x2FFF, 2), Err(pf(LIN + 0x3000, 0)));
    // Second page read-only at CPL 3.
    map(&mut cpu, LIN + 0x3000, 0x7_0000 | pte::P | pte::US);
    cpu.state.cpl = 3;
    assert_eq!(
        write(&mut cpu, LIN + 0x2FFF, 2, 0),
        Err(pf(LIN + 0x3000, pf::P | pf::W | pf::U))
    );
    assert_eq!(cpu.mem.read(0x6_0FFC, 4), 0x5555_5555);
    assert_eq!(
        cpu.check_write(SegReg::Ds, u64::from(LIN + 0x2FFF), 2),
        Err(pf(LIN + 0x3000, pf::P | pf::W | pf::U))
    );
    // A fault on the first page is reported first.
    map(&mut cpu, LIN + 0x2000, 0);
    cpu.invalidate_page(LIN + 0x2000);
    assert_eq!(
        read(&mut cpu, LIN + 0x2FFF, 2),
        Err(pf(LIN + 0x2FFF, pf::U))
    );
}

/// Run until halted (at most `n` steps).
fn run_steps(cpu: &mut Cpu, n: usize) {
    for _ in 0..n {
        if cpu.state.halted {
            break;
        }
        step(cpu);
    }
}

/// An instruction crossing into an unmapped page faults with CR2 = the
/// page's first byte; one that ends at the page end does not fault.
#[test]
fn fetch_faults_on_the_page_an_instruction_needs() {
    for tier_blocks in [false, true] {
        let mut cpu = paged_cpu();
        map(&mut cpu, LIN, 0x5_0000 | RW_US);
        // mov eax, 12345678h ending exactly at the page end, then (at the
        // next page, unmapped) anything.
        cpu.mem
            .write_bytes(0x5_0FFB, &[0xB8, 0x78, 0x56, 0x34, 0x12]);
        cpu.state.rip = u64::from(LIN + 0xFFB);
        if tier_blocks {
            BlockCache::new().run(&mut cpu, 10);
        } else {
            run_steps(&mut cpu, 10);
        }
        assert_eq!(
            cpu.state.regs[gpr::RAX],
            0x1234_5678,
            "blocks {tier_blocks}"
        );
        assert!(cpu.state.halted);
        assert_eq!(cpu.state.cr2, u64::from(LIN + 0x1000));
        // The #PF frame: error code, EIP of the faulting fetch, CS, EFLAGS.
        let esp = cpu.state.regs[gpr::RSP] as u32;
        assert_eq!(cpu.mem.read(esp, 4), 0, "error code: fetch, not present");
        assert_eq!(cpu.mem.read(esp + 4, 4), u64::from(LIN + 0x1000));

        // An instruction straddling the boundary: the same fault, with the
        // EIP of the instruction.
        let mut cpu = paged_cpu();
        map(&mut cpu, LIN, 0x5_0000 | RW_US);
        cpu.mem.write_bytes(0x5_0FFD, &[0xB8, 0x78, 0x56]);
        cpu.state.rip = u64::from(LIN + 0xFFD);
        cpu.state.cpl = 0;
        if tier_blocks {
            BlockCache::new().run(&mut cpu, 10);
        } else {
            run_steps(&mut cpu, 10);
        }
        assert_eq!(cpu.state.cr2, u64::from(LIN + 0x1000));
        let esp = cpu.state.regs[gpr::RSP] as u32;
        assert_eq!(cpu.mem.read(esp + 4, 4), u64::from(LIN + 0xFFD));
        assert_eq!(cpu.state.regs[gpr::RAX], 0);
    }
}

/// A cached block whose instruction crosses into a page that is then
/// mapped elsewhere (and invalidated) decodes the new bytes.
#[test]
fn block_with_instruction_crossing_pages_follows_the_mapping() {
    let mut cpu = paged_cpu();
    map(&mut cpu, LIN, 0x5_0000 | RW_US);
    map(&mut cpu, LIN + 0x1000, 0x6_0000 | RW_US);
    // nop; mov eax, imm32 (crossing: B8 78 56 | 34 12); hlt
    cpu.mem
        .write_bytes(0x5_0FFB, &[0x90, 0x90, 0xB8, 0x78, 0x56]);
    cpu.mem.write_bytes(0x6_0000, &[0x34, 0x12, 0xF4]);
    cpu.mem.write_bytes(0x7_0000, &[0xBB, 0xAA, 0xF4]);
    let mut cache = BlockCache::new();
    let start = cpu.state.clone();
    cpu.state.rip = u64::from(LIN + 0xFFB);
    cache.run(&mut cpu, 10);
    assert!(cpu.state.halted);
    assert_eq!(cpu.state.regs[gpr::RAX], 0x1234_5678);
    // Map the second page elsewhere: with the stale TLB entry the old
    // bytes are still fetched...
    map(&mut cpu, LIN + 0x1000, 0x7_0000 | RW_US);
    cpu.state = start.clone();
    cpu.state.rip = u64::from(LIN + 0xFFB);
    cache.run(&mut cpu, 10);
    assert_eq!(cpu.state.regs[gpr::RAX], 0x1234_5678);
    // ...and after INVLPG the new ones, in both tiers.
    cpu.invalidate_page(LIN + 0x1000);
    cpu.state = start.clone();
    cpu.state.rip = u64::from(LIN + 0xFFB);
    cache.run(&mut cpu, 10);
    assert_eq!(cpu.state.regs[gpr::RAX], 0xAABB_5678);
    let mut stepped = paged_cpu();
    map(&mut stepped, LIN, 0x5_0000 | RW_US);
    map(&mut stepped, LIN + 0x1000, 0x7_0000 | RW_US);
    stepped
        .mem
        .write_bytes(0x5_0FFB, &[0x90, 0x90, 0xB8, 0x78, 0x56]);
    stepped.mem.write_bytes(0x7_0000, &[0xBB, 0xAA, 0xF4]);
    stepped.state.rip = u64::from(LIN + 0xFFB);
    run_steps(&mut stepped, 10);
    assert_eq!(stepped.state.regs[gpr::RAX], 0xAABB_5678);
    // Unmapping the second page makes the cached block fault at lookup.
    map(&mut cpu, LIN + 0x1000, 0);
    cpu.invalidate_page(LIN + 0x1000);
    cpu.state = start;
    cpu.state.rip = u64::from(LIN + 0xFFB);
    cache.run(&mut cpu, 10);
    assert_eq!(cpu.state.cr2, u64::from(LIN + 0x1000));
    let esp = cpu.state.regs[gpr::RSP] as u32;
    assert_eq!(cpu.mem.read(esp + 4, 4), u64::from(LIN + 0xFFD));
}

/// A user-mode fetch from a supervisor page faults (P | U).
#[test]
fn user_fetch_from_supervisor_page() {
    let mut cpu = paged_cpu();
    map(&mut cpu, LIN, 0x5_0000 | pte::P | pte::RW);
    cpu.mem.write_u8(0x5_0000, 0x90);
    cpu.state.rip = u64::from(LIN);
    cpu.state.cpl = 3;
    assert_eq!(
        cpu.decode_at(LIN).map(|d| d.len),
        Err(pf(LIN, pf::P | pf::U))
    );
    cpu.state.cpl = 0;
    assert_eq!(cpu.decode_at(LIN).map(|d| d.len), Ok(1));
}

/// 4-MiB pages through the CPU: translation, INVLPG of any address in the
/// page drops every cached piece.
#[test]
fn large_pages() {
    let mut cpu = paged_cpu();
    cpu.state.cr4 |= cr4::PSE;
    // PDE 1 maps 0x0040_0000 → 0 (4 MiB).
    cpu.mem.write(PD + 4, 4, pte::PS | RW_US);
    cpu.mem.write(0x1234, 4, 0x0BAD_F00D);
    cpu.mem.write(0x3_1234, 4, 0x600D_F00D);
    assert_eq!(read(&mut cpu, LIN + 0x1234, 4), Ok(0x0BAD_F00D));
    assert_eq!(read(&mut cpu, LIN + 0x3_1234, 4), Ok(0x600D_F00D));
    assert_ne!(cpu.mem.read(PD + 4, 4) & pte::A, 0);
    // Remap the large page to 0x0040_0000 (phys): stale until INVLPG of
    // another address in the same 4 MiB.
    cpu.mem.write(PD + 4, 4, 0x0040_0000 | pte::PS | RW_US);
    cpu.mem.write(0x43_1234, 4, 0x7777_7777);
    assert_eq!(read(&mut cpu, LIN + 0x3_1234, 4), Ok(0x600D_F00D));
    cpu.invalidate_page(LIN + 0x2F_0000);
    assert_eq!(read(&mut cpu, LIN + 0x3_1234, 4), Ok(0x7777_7777));
    // Reserved bit 13 set: #PF with RSVD.
    cpu.mem.write(PD + 4, 4, (1 << 13) | pte::PS | RW_US);
    cpu.invalidate_page(LIN);
    assert_eq!(read(&mut cpu, LIN, 4), Err(pf(LIN, pf::P | pf::RSVD)));
}

/// REP MOVS through pages mapped to scattered frames: the string fast path
/// translates each page it runs in, so the copy follows the mappings.
#[test]
fn rep_movs_follows_scattered_pages() {
    let mut cpu = paged_cpu();
    // Source: linear LIN..LIN+3000h -> frames 53000h, 51000h, 52000h;
    // destination: LIN+4000h..LIN+7000h -> frames 62000h, 60000h, 61000h.
    let src_frames = [0x5_3000u64, 0x5_1000, 0x5_2000];
    let dst_frames = [0x6_2000u64, 0x6_0000, 0x6_1000];
    for (i, (s, d)) in src_frames.iter().zip(dst_frames).enumerate() {
        map(&mut cpu, LIN + 0x1000 * i as u32, s | RW_US);
        map(&mut cpu, LIN + 0x4000 + 0x1000 * i as u32, d | RW_US);
    }
    let data: Vec<u8> = (0..0x3000u32).map(|i| (i * 7 + (i >> 8)) as u8).collect();
    for (i, b) in data.iter().enumerate() {
        let frame = src_frames[i >> 12] as u32;
        cpu.mem.write_u8(frame + (i as u32 & 0xFFF), *b);
    }
    // rep movsb; hlt
    cpu.mem.write_bytes(0x5000, &[0xF3, 0xA4, 0xF4]);
    let (from, to, n) = (0x123u32, 0x456u32, 0x2800u32);
    cpu.state.regs[gpr::RSI] = u64::from(LIN + from);
    cpu.state.regs[gpr::RDI] = u64::from(LIN + 0x4000 + to);
    cpu.state.regs[gpr::RCX] = u64::from(n);
    run_steps(&mut cpu, 10_000);
    assert!(cpu.state.halted);
    assert_eq!(cpu.state.regs[gpr::RCX], 0);
    for i in 0..n {
        let got = read(&mut cpu, LIN + 0x4000 + to + i, 1).unwrap() as u8;
        assert_eq!(got, data[(from + i) as usize], "byte {i:#x}");
    }
    // Accessed source pages, dirty destination pages.
    for i in 0..3 {
        let s = cpu.mem.read(pte_addr(LIN + 0x1000 * i), 4);
        let d = cpu.mem.read(pte_addr(LIN + 0x4000 + 0x1000 * i), 4);
        assert_eq!(s & (pte::A | pte::D), pte::A, "source page {i}");
        assert_eq!(
            d & (pte::A | pte::D),
            pte::A | pte::D,
            "destination page {i}"
        );
    }
}

/// REP STOS running into a not-present page faults at that iteration:
/// ECX and EDI count the bytes stored, CR2 is the page, EIP the REP.
#[test]
fn rep_stos_faults_at_the_first_unmapped_byte() {
    let mut cpu = paged_cpu();
    map(&mut cpu, LIN, 0x5_0000 | RW_US);
    map(&mut cpu, LIN + 0x1000, 0x5_1000 | RW_US);
    // rep stosb
    cpu.mem.write_bytes(0x5000, &[0xF3, 0xAA]);
    cpu.state.regs[gpr::RAX] = 0x5A;
    cpu.state.regs[gpr::RDI] = u64::from(LIN + 0x800);
    cpu.state.regs[gpr::RCX] = 0x3000;
    run_steps(&mut cpu, 10_000);
    assert!(cpu.state.halted, "stopped in the #PF handler");
    assert_eq!(cpu.state.cr2, u64::from(LIN + 0x2000));
    assert_eq!(cpu.state.regs[gpr::RCX], 0x3000 - 0x1800);
    assert_eq!(cpu.state.regs[gpr::RDI], u64::from(LIN + 0x2000));
    let esp = cpu.state.regs[gpr::RSP] as u32;
    assert_eq!(cpu.mem.read(esp, 4), u64::from(pf::W), "error code");
    assert_eq!(cpu.mem.read(esp + 4, 4), 0x5000, "EIP of the REP STOSB");
    assert_eq!(cpu.mem.read(0x5_0800, 1), 0x5A);
    assert_eq!(cpu.mem.read(0x5_1FFF, 1), 0x5A);
    assert_eq!(cpu.mem.read(0x5_07FF, 1), 0);
}

/// The block cache looks blocks up by the physical address the TLB gives:
/// remapping a code page runs the new page's code once the guest flushed
/// the translation, and the old page's code until then.
#[test]
fn block_cache_follows_code_page_mappings() {
    let mut cpu = paged_cpu();
    cpu.mem.write_bytes(0x5_0000, &[0xB8, 1, 0, 0, 0, 0xF4]); // mov eax, 1; hlt
    cpu.mem.write_bytes(0x6_0000, &[0xB8, 2, 0, 0, 0, 0xF4]); // mov eax, 2; hlt
    map(&mut cpu, LIN, 0x5_0000 | RW_US);
    let start = cpu.state.clone();
    let mut cache = BlockCache::new();
    let mut run = |cpu: &mut Cpu, cr0_value: u64| {
        cpu.state = start.clone();
        cpu.state.cr0 = cr0_value;
        cpu.state.rip = u64::from(LIN);
        cache.run(cpu, 10);
        cpu.state.regs[gpr::RAX]
    };
    let paged = start.cr0;
    assert_eq!(run(&mut cpu, paged), 1);
    map(&mut cpu, LIN, 0x6_0000 | RW_US);
    assert_eq!(run(&mut cpu, paged), 1, "stale translation until flushed");
    cpu.set_cr3(u64::from(PD));
    assert_eq!(run(&mut cpu, paged), 2);
    // Paging off: linear LIN is physical; the paged block is not reused.
    cpu.mem.write_bytes(LIN, &[0xB8, 3, 0, 0, 0, 0xF4]);
    assert_eq!(run(&mut cpu, paged & !cr0::PG), 3);
    assert_eq!(run(&mut cpu, paged), 2);
}
