//! Runs the 32-bit integer benchmark loop once and prints guest MIPS.
//! Handy under `valgrind --tool=callgrind` (host instructions per guest
//! instruction are repeatable where wall-clock timings on a busy machine
//! are not): `cargo run --release -p ox86-benches --example run_loop -- 200000`.
//! `--paging` runs it with 32-bit paging on (identity-mapped 4-KiB pages); `--memory` runs
//! [`memory_loop_32`] (three data accesses per five instructions) instead.

use emulator::engine::Tier;
use emulator::RunOutcome;
use ox86_benches::{enable_identity_paging, integer_loop_32, machine_with, memory_loop_32};
use std::time::Instant;

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000_000);
    let tier = if std::env::args().any(|a| a == "--interpreter") {
        Tier::Interpreter
    } else {
        Tier::Blocks
    };
    let code = if std::env::args().any(|a| a == "--memory") {
        memory_loop_32(n)
    } else {
        integer_loop_32(n)
    };
    let mut m = machine_with(&code, true, tier);
    if std::env::args().any(|a| a == "--paging") {
        enable_identity_paging(&mut m);
    }
    let t = Instant::now();
    while m.run_slice(u64::MAX) == RunOutcome::Budget {}
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{} guest instructions in {:.3} s: {:.1} MIPS",
        m.cpu.icount,
        secs,
        m.cpu.icount as f64 / secs / 1e6
    );
}
