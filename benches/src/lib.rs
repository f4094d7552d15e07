//! Shared helpers for the ox86 benchmarks: small guest programs placed
//! directly in RAM, with the CPU state set up for them (no firmware).

use emulator::cpu::state::{attr, cr0, Segment};
use emulator::cpu::{CpuModel, SegReg};
use emulator::engine::Tier;
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

/// Instructions the loops above retire for `iterations` (1 + 5n + hlt).
pub fn loop_instructions(iterations: u64) -> u64 {
    1 + 5 * iterations + 1
}

/// A machine with `code` at [`CODE_BASE`], running in flat 32-bit protected
/// mode (`flat32`) or real mode, on the given tier.
pub fn machine_with(code: &[u8], flat32: bool, tier: Tier) -> Machine {
    let cfg = MachineConfig { model: CpuModel::Pentium, ram_size: 16 << 20, tier, ..Default::default() };
    let mut m = Machine::new(&cfg).expect("benchmark machine");
    let s = &mut m.cpu.state;
    for r in SegReg::ALL {
        s.seg[r as usize] = Segment::real(0, r == SegReg::Cs);
    }
    if flat32 {
        s.cr0 |= cr0::PE;
        for r in SegReg::ALL {
            let code = r == SegReg::Cs;
            let a = if code { attr::REAL_CODE } else { attr::REAL_DATA };
            s.seg[r as usize] = Segment { selector: if code { 8 } else { 16 }, base: 0, limit: u32::MAX, attr: a | attr::DB | attr::G };
        }
    }
    s.rip = u64::from(CODE_BASE);
    s.regs[4] = 0x8000;
    m.cpu.mem.write_bytes(CODE_BASE, code);
    m
}
