//! Guest MIPS of the execution tiers on a simple integer loop.
//!
//! Criterion reports throughput in elements per second; one element is one
//! retired guest instruction, so "Melem/s" reads as guest MIPS.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use emulator::engine::Tier;
use emulator::RunOutcome;
use ox86_benches::{integer_loop_16, integer_loop_32, loop_instructions, machine_with};

fn run_to_halt(code: &[u8], flat32: bool, tier: Tier) -> u64 {
    let mut m = machine_with(code, flat32, tier);
    loop {
        match m.run_slice(u64::MAX) {
            RunOutcome::Budget => continue,
            RunOutcome::Halted { .. } => break,
            other => panic!("benchmark guest stopped unexpectedly: {other:?}"),
        }
    }
    m.cpu.icount
}

fn integer_loops(c: &mut Criterion) {
    let mut g = c.benchmark_group("integer_loop");
    g.sample_size(10);
    let n32 = 2_000_000u32;
    let code32 = integer_loop_32(n32);
    g.throughput(Throughput::Elements(loop_instructions(u64::from(n32))));
    g.bench_function("blocks_flat32", |b| {
        b.iter(|| run_to_halt(&code32, true, Tier::Blocks))
    });
    let n16 = 60_000u16;
    let code16 = integer_loop_16(n16);
    g.throughput(Throughput::Elements(loop_instructions(u64::from(n16))));
    g.bench_function("blocks_real16", |b| {
        b.iter(|| run_to_halt(&code16, false, Tier::Blocks))
    });
    g.bench_function("interpreter_real16", |b| {
        b.iter(|| run_to_halt(&code16, false, Tier::Interpreter))
    });
    g.finish();
}

criterion_group!(benches, integer_loops);
criterion_main!(benches);
