//! Shared helpers for the ox86 benchmarks: small guest programs placed
//! directly in RAM, with the CPU state set up for them (no firmware).

use emulator::cpu::state::{attr, cr0, Segment};
use emulator::cpu::{CpuModel, SegReg};
use emulator::engine::Tier;
use emulator::mmu::pte;
use emulator::{Machine, MachineConfig};

/// Where the benchmark programs are placed.
pub const CODE_BASE: u32 = 0x1000;

/// `mov ecx, N; top: add eax, ebx; inc ebx; xor edx, eax; dec ecx; jnz top; hlt`
/// in 32-bit code: 5 instructions per iteration.
pub fn integer_loop_32(iterations: u32) -> Vec<u8> {
    let mut code = vec![0xB9];
    code.extend_from_slice(&iterations.to_le_bytes());
    code.extend_from_slice(&[0x01, 0xD8, 0x43, 0x31, 0xC2, 0x49, 0x75, 0xF8, 0xF4]);
    code
}

/// The same loop in 16-bit real-mode code (CX-counted, so at most 65535).
pub fn integer_loop_16(iterations: u16) -> Vec<u8> {
    let mut code = vec![0xB9];
    code.extend_from_slice(&iterations.to_le_bytes());
    code.extend_from_slice(&[0x01, 0xD8, 0x43, 0x31, 0xC2, 0x49, 0x75, 0xF8, 0xF4]);
    code
}

/// `mov ecx, N; top: add [2000h], eax; mov ebx, [2004h]; inc eax; dec ecx; jnz top; hlt`
/// in 32-bit code: 5 instructions and 3 data accesses (a read-modify-write and a read) per iteration.
pub fn memory_loop_32(iterations: u32) -> Vec<u8> {
    let mut code = vec![0xB9];
    code.extend_from_slice(&iterations.to_le_bytes());
    code.extend_from_slice(&[
        0x01, 0x05, 0x00, 0x20, 0x00, 0x00, 0x8B, 0x1D, 0x04, 0x20, 0x00, 0x00, 0x40, 0x49, 0x75,
        0xF0, 0xF4,
    ]);
    code
}

/// Where [`enable_identity_paging`] puts the page directory (its 4 page tables follow).
pub const PAGE_DIRECTORY: u32 = 0x20_0000;

/// Turn on 32-bit paging in a [`machine_with`] machine (flat32), with page tables that map the 16 MiB
/// of RAM to themselves with 4-KiB user-writable pages.
pub fn enable_identity_paging(m: &mut Machine) {
    let flags = pte::P | pte::RW | pte::US;
    for t in 0..4u32 {
        let table = PAGE_DIRECTORY + 0x1000 * (t + 1);
        m.cpu
            .mem
            .write(PAGE_DIRECTORY + 4 * t, 4, u64::from(table) | flags);
        for i in 0..1024u32 {
            m.cpu
                .mem
                .write(table + 4 * i, 4, u64::from(((t << 10) | i) << 12) | flags);
        }
    }
    m.cpu.state.cr3 = u64::from(PAGE_DIRECTORY);
    m.cpu.state.cr0 |= cr0::PG;
}

/// Instructions the loops above retire for `iterations` (1 + 5n + hlt).
pub fn loop_instructions(iterations: u64) -> u64 {
    1 + 5 * iterations + 1
}

/// A machine with `code` at [`CODE_BASE`], running in flat 32-bit protected
/// mode (`flat32`) or real mode, on the given tier.
pub fn machine_with(code: &[u8], flat32: bool, tier: Tier) -> Machine {
    let cfg = MachineConfig {
        model: CpuModel::Pentium,
        ram_size: 16 << 20,
        tier,
        ..Default::default()
    };
    let mut m = Machine::new(&cfg).expect("benchmark machine");
    let s = &mut m.cpu.state;
    for r in SegReg::ALL {
        s.seg[r as usize] = Segment::real(0, r == SegReg::Cs);
    }
    if flat32 {
        s.cr0 |= cr0::PE;
        for r in SegReg::ALL {
            let code = r == SegReg::Cs;
            let a = if code {
                attr::REAL_CODE
            } else {
                attr::REAL_DATA
            };
            s.seg[r as usize] = Segment {
                selector: if code { 8 } else { 16 },
                base: 0,
                limit: u32::MAX,
                attr: a | attr::DB | attr::G,
            };
        }
    }
    s.rip = u64::from(CODE_BASE);
    s.regs[4] = 0x8000;
    m.cpu.mem.write_bytes(CODE_BASE, code);
    m
}
