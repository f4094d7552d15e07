//! Runs the 32-bit integer benchmark loop once and prints guest MIPS.
//! Handy under `valgrind --tool=callgrind` (host instructions per guest
//! instruction are repeatable where wall-clock timings on a busy machine
//! are not): `cargo run --release -p ox86-benches --example run_loop -- 200000`.

use emulator::engine::Tier;
use emulator::RunOutcome;
use ox86_benches::{integer_loop_32, machine_with};
use std::time::Instant;

fn main() {
    let n: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000_000);
    let tier = if std::env::args().any(|a| a == "--interpreter") { Tier::Interpreter } else { Tier::Blocks };
    let mut m = machine_with(&integer_loop_32(n), true, tier);
    let t = Instant::now();
    while m.run_slice(u64::MAX) == RunOutcome::Budget {}
    let secs = t.elapsed().as_secs_f64();
    println!("{} guest instructions in {:.3} s: {:.1} MIPS", m.cpu.icount, secs, m.cpu.icount as f64 / secs / 1e6);
}
