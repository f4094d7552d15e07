//! Runs the SingleStepTests 8086 and 80286 real-mode sets shipped next to
//! the repository (`../shared/conformance/singlestep`) and fails if the pass
//! count drops below what ox86 achieved when the floor was last raised.
//! Raise the floors when conformance improves; never lower them to make a
//! regression pass. Skipped (with a message) when the data is absent.

use emulator::CpuModel;
use std::path::PathBuf;
use test_roms::singlestep::{expand_paths, Counts, Suite};

/// Passing tests out of 81 250 (80286, real mode) at the last floor raise.
const FLOOR_80286: u64 = 81_250;
/// Passing tests out of 80 500 (8086) at the last floor raise.
const FLOOR_8086: u64 = 80_500;

fn data_dir(set: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/conformance/singlestep")
        .join(set);
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: SingleStepTests data {} not found", dir.display());
        None
    }
}

fn run_set(set: &str, model: CpuModel) -> Option<Counts> {
    let dir = data_dir(set)?;
    let files = expand_paths(&[dir]).expect("test files readable");
    let mut suite = Suite::new(model).expect("runner");
    let mut total = Counts::default();
    for f in &files {
        let c = suite
            .run_file(f, |_, _, _| {})
            .unwrap_or_else(|e| panic!("{e}"));
        if c.failed > 0 {
            println!(
                "{}: {} passed, {} failed",
                f.file_name().unwrap_or_default().to_string_lossy(),
                c.passed,
                c.failed
            );
        }
        total += c;
    }
    println!(
        "{set}: {} files, pass rate {:.3} %",
        files.len(),
        100.0 * total.pass_rate()
    );
    println!("{} passed, {} failed", total.passed, total.failed);
    Some(total)
}

#[test]
fn singlestep_80286_real_mode() {
    let Some(c) = run_set("80286", CpuModel::I80286) else {
        return;
    };
    assert!(
        c.passed >= FLOOR_80286,
        "80286: {} passed, below the floor of {FLOOR_80286}",
        c.passed
    );
}

#[test]
fn singlestep_8086() {
    let Some(c) = run_set("8086", CpuModel::I8086) else {
        return;
    };
    assert!(
        c.passed >= FLOOR_8086,
        "8086: {} passed, below the floor of {FLOOR_8086}",
        c.passed
    );
}
