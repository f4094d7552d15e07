//! The benchmark programs compute what they should on both tiers (so the
//! benchmark measures real work).

use emulator::engine::Tier;
use emulator::RunOutcome;
use ox86_benches::{integer_loop_16, integer_loop_32, loop_instructions, machine_with};

#[test]
fn loops_retire_the_expected_instructions_on_both_tiers() {
    for (code, flat32, n, mask) in
        [(integer_loop_32(1000), true, 1000u64, 0xFFFF_FFFFu64), (integer_loop_16(1000), false, 1000, 0xFFFF)]
    {
        let mut states = Vec::new();
        for tier in [Tier::Blocks, Tier::Interpreter] {
            let mut m = machine_with(&code, flat32, tier);
            assert_eq!(m.run_slice(1 << 30), RunOutcome::Halted { interrupts_enabled: false });
            assert_eq!(m.cpu.icount, loop_instructions(n));
            // ebx counted up n times; eax = sum of 0..n
            assert_eq!(m.cpu.state.regs[3], n);
            assert_eq!(m.cpu.state.regs[0], (n * (n - 1) / 2) & mask);
            states.push(m.cpu.state.clone());
        }
        assert_eq!(states[0], states[1]);
    }
}
