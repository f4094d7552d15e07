//! CPU loads and stores to memory-mapped I/O pages reach the device exactly
//! once per access on both execution tiers, with and without paging
//! (TLB path), including read-modify-write, 8-byte MMX loads (two dword
//! accesses), an access straddling an open page and the APIC page, and
//! REP MOVSD from device registers (the string fast path must step aside).

use devices::apic::local::reg;
use devices::ApicBus;
use emulator::cpu::state::{attr, cr0, Segment};
use emulator::cpu::{CpuModel, SegReg};
use emulator::engine::Tier;
use emulator::{Machine, MachineConfig, RunOutcome};

const CODE: u32 = 0x1000;
const LAPIC: u32 = 0xFEE0_0000;
const IOAPIC: u32 = 0xFEC0_0000;

#[rustfmt::skip]
const PROGRAM: &[u8] = &[
    0xA1, 0x30, 0x00, 0xE0, 0xFE,                               // mov eax, [FEE00030] (version)
    0xC7, 0x05, 0x80, 0x00, 0xE0, 0xFE, 0x20, 0x00, 0x00, 0x00, // mov dword [FEE00080], 20h (TPR)
    0x8B, 0x1D, 0x80, 0x00, 0xE0, 0xFE,                         // mov ebx, [FEE00080]
    0x83, 0x05, 0x80, 0x00, 0xE0, 0xFE, 0x10,                   // add dword [FEE00080], 10h
    0x8B, 0x15, 0x80, 0x00, 0xE0, 0xFE,                         // mov edx, [FEE00080]
    0x0F, 0x6F, 0x05, 0x30, 0x00, 0xE0, 0xFE,                   // movq mm0, [FEE00030]
    0x0F, 0x7E, 0xC5,                                           // movd ebp, mm0
    0xC7, 0x05, 0x00, 0x00, 0xC0, 0xFE, 0x01, 0x00, 0x00, 0x00, // mov dword [FEC00000], 1 (IOREGSEL)
    0x8B, 0x3D, 0x10, 0x00, 0xC0, 0xFE,                         // mov edi, [FEC00010] (IOAPICVER)
    0x89, 0x3D, 0x00, 0x40, 0x00, 0x00,                         // mov [4000h], edi
    0x8B, 0x35, 0xFE, 0xFF, 0xDF, 0xFE,                         // mov esi, [FEDFFFFE] (straddles)
    0x89, 0x35, 0x04, 0x40, 0x00, 0x00,                         // mov [4004h], esi
    0xBE, 0x30, 0x00, 0xE0, 0xFE,                               // mov esi, FEE00030
    0xBF, 0x00, 0x30, 0x00, 0x00,                               // mov edi, 3000h
    0xB9, 0x02, 0x00, 0x00, 0x00,                               // mov ecx, 2
    0xFC,                                                       // cld
    0xF3, 0xA5,                                                 // rep movsd
    0xF4,                                                       // hlt
];

/// Device accesses the program makes: reads 1 + 1 + 1 (RMW) + 1 + 2 (MMX)
/// + 1 + 1 (straddling) + 2 (REP MOVSD), writes 1 + 1 (RMW) + 1.
const EXPECTED_ACCESSES: u64 = 13;

/// A flat 32-bit machine with the APICs at their PC addresses.
fn machine(tier: Tier, paging: bool) -> Machine {
    let cfg = MachineConfig {
        model: CpuModel::Pentium,
        ram_size: 1 << 20,
        tier,
        ..Default::default()
    };
    let mut m = Machine::new(&cfg).unwrap();
    m.cpu.io.apic = Some(ApicBus::new());
    m.cpu.mem.map_mmio(u64::from(LAPIC), 4096).unwrap();
    m.cpu.mem.map_mmio(u64::from(IOAPIC), 4096).unwrap();
    let s = &mut m.cpu.state;
    s.cr0 |= cr0::PE;
    for r in SegReg::ALL {
        let kind = if r == SegReg::Cs { attr::CODE } else { 0 };
        s.seg[r as usize] = Segment {
            selector: 8,
            base: 0,
            limit: 0xFFFF_FFFF,
            attr: attr::P | attr::S | attr::RW | attr::ACCESSED | attr::DB | attr::G | kind,
        };
    }
    s.rip = u64::from(CODE);
    s.regs[4] = 0x8000;
    if paging {
        // Identity map with 4-MiB pages (CR4.PSE), directory at 10000h.
        const PD: u32 = 0x1_0000;
        for i in 0..1024u32 {
            m.cpu.mem.write(PD + 4 * i, 4, u64::from((i << 22) | 0x83));
        }
        let s = &mut m.cpu.state;
        s.cr3 = u64::from(PD);
        s.cr4 |= 1 << 4;
        s.cr0 |= cr0::PG;
        m.cpu.tlb.flush_all();
    }
    m.cpu.mem.write(0x3000, 8, u64::MAX);
    m.cpu.mem.write_bytes(CODE, PROGRAM);
    m
}

fn run(m: &mut Machine) {
    for _ in 0..100 {
        if let RunOutcome::Halted { .. } = m.run_slice(1000) {
            return;
        }
    }
    panic!("the program did not halt");
}

#[test]
fn cpu_accesses_reach_mmio_devices_once_each() {
    for tier in [Tier::Interpreter, Tier::Blocks] {
        for paging in [false, true] {
            let what = format!("{tier:?}, paging {paging}");
            let mut m = machine(tier, paging);
            run(&mut m);
            let apic = m.cpu.io.apic.as_mut().unwrap();
            assert_eq!(apic.accesses, EXPECTED_ACCESSES, "{what}: device accesses");
            assert_eq!(apic.lapic.mmio_read(reg::TPR, 4), 0x30, "{what}: TPR");
            let r = &m.cpu.state.regs;
            assert_eq!(r[0], 0x0005_0014, "{what}: EAX = version");
            assert_eq!(r[3], 0x20, "{what}: EBX = TPR written");
            assert_eq!(r[2], 0x30, "{what}: EDX = TPR after ADD");
            assert_eq!(r[5], 0x0005_0014, "{what}: EBP = low half of MOVQ");
            assert_eq!(m.cpu.mem.read(0x4000, 4), 0x0017_0011, "{what}: IOAPICVER");
            assert_eq!(
                m.cpu.mem.read(0x4004, 4),
                0x0000_FFFF,
                "{what}: open bus, then APIC offset 0"
            );
            assert_eq!(m.cpu.mem.read(0x3000, 4), 0x0005_0014, "{what}: MOVSD 1");
            assert_eq!(m.cpu.mem.read(0x3004, 4), 0, "{what}: MOVSD 2");
        }
    }
}

#[test]
fn without_a_device_mmio_pages_read_all_ones() {
    let mut m = machine(Tier::Blocks, false);
    m.cpu.io.apic = None;
    run(&mut m);
    assert_eq!(m.cpu.state.regs[0], 0xFFFF_FFFF);
    assert_eq!(m.cpu.mem.read(0x4000, 4), 0xFFFF_FFFF);
}
