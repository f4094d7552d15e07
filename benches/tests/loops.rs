//! The benchmark programs compute what they should on both tiers (so the
//! benchmark measures real work).

use emulator::engine::Tier;
use emulator::RunOutcome;
use ox86_benches::{
    enable_identity_paging, integer_loop_16, integer_loop_32, loop_instructions, machine_with,
    memory_loop_32,
};

#[test]
fn loops_retire_the_expected_instructions_on_both_tiers() {
    for (code, flat32, n, mask) in [
        (integer_loop_32(1000), true, 1000u64, 0xFFFF_FFFFu64),
        (integer_loop_16(1000), false, 1000, 0xFFFF),
    ] {
        let mut states = Vec::new();
        for tier in [Tier::Blocks, Tier::Interpreter] {
            let mut m = machine_with(&code, flat32, tier);
            assert_eq!(
                m.run_slice(1 << 30),
                RunOutcome::Halted {
                    interrupts_enabled: false
                }
            );
            assert_eq!(m.cpu.icount, loop_instructions(n));
            // ebx counted up n times; eax = sum of 0..n
            assert_eq!(m.cpu.state.regs[3], n);
            assert_eq!(m.cpu.state.regs[0], (n * (n - 1) / 2) & mask);
            states.push(m.cpu.state.clone());
        }
        assert_eq!(states[0], states[1]);
    }
}

#[test]
fn memory_loop_with_and_without_paging() {
    let n = 1000u64;
    let mut states = Vec::new();
    for (tier, paging) in [
        (Tier::Blocks, false),
        (Tier::Blocks, true),
        (Tier::Interpreter, true),
    ] {
        let mut m = machine_with(&memory_loop_32(n as u32), true, tier);
        if paging {
            enable_identity_paging(&mut m);
        }
        assert_eq!(
            m.run_slice(1 << 30),
            RunOutcome::Halted {
                interrupts_enabled: false
            }
        );
        assert_eq!(m.cpu.icount, loop_instructions(n));
        // [2000h] accumulated eax = 0, 1, ..., n-1; eax = n at the end.
        assert_eq!(m.cpu.mem.read(0x2000, 4), n * (n - 1) / 2);
        assert_eq!(m.cpu.state.regs[0], n);
        if paging {
            assert!(m.cpu.tlb.fills > 0, "paging used the TLB");
            // The page holding [2000h] is accessed and dirty.
            let entry = m
                .cpu
                .mem
                .read(ox86_benches::PAGE_DIRECTORY + 0x1000 + 2 * 4, 4);
            assert_eq!(entry & 0x60, 0x60);
        }
        states.push(m.cpu.state.clone());
    }
    assert_eq!(states[1], states[2]);
}
