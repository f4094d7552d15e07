//! Boots a real Linux: `ox86 run --kernel` with Debian bookworm's 686 kernel and the guest
//! kit's busybox initramfs (`test-roms/guests/`, built by `fetch.sh`). The boot reaches
//! `GUEST-BOOT-OK`, the workload prints the results listed in `test-roms/guests/expected.txt`
//! (md5 of 16 MiB of zeros, a 100 000-iteration shell loop, an awk floating-point sum), and
//! the guest's `poweroff -f` (ACPI S5) ends the run with status 0. With `--deterministic` two
//! boots print identical serial output. The kit is built when it is missing; where it cannot
//! be (no apt, no network), the tests say that they skipped.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;

const OX86: &str = env!("CARGO_BIN_EXE_ox86");
/// Host seconds a boot may take before ox86 stops it (status 8).
const TIMEOUT_S: &str = "900";
/// fetch.sh's "skipped" status.
const SKIPPED: i32 = 77;

fn guests() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-roms/guests")
}

/// The kit's kernel and initrd, building the kit once if needed; None (after saying so) when it
/// cannot be built here.
fn kit() -> Option<(PathBuf, PathBuf)> {
    static LOCK: Mutex<()> = Mutex::new(());
    let _one_fetch_at_a_time = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let out = guests().join("cache/out");
    let (k, i) = (out.join("vmlinuz-686"), out.join("initrd-686.gz"));
    if !(k.exists() && i.exists()) {
        let st = Command::new("bash")
            .arg(guests().join("fetch.sh"))
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            .status()
            .expect("run bash test-roms/guests/fetch.sh");
        if st.code() == Some(SKIPPED) {
            eprintln!("skipped: the guest kit could not be built here (see fetch.sh's message)");
            return None;
        }
        assert!(st.success(), "test-roms/guests/fetch.sh failed: {st}");
    }
    Some((k, i))
}

fn expected() -> Vec<String> {
    std::fs::read_to_string(guests().join("expected.txt"))
        .expect("test-roms/guests/expected.txt")
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn boot(k: &Path, i: &Path, extra: &[&str]) -> Output {
    Command::new(OX86)
        .args(["run", "--headless", "--quiet", "--kernel"])
        .arg(k)
        .arg("--initrd")
        .arg(i)
        .args([
            "--append",
            "console=ttyS0",
            "--serial",
            "stdio",
            "--memory",
            "256",
        ])
        .args(["--no-reboot", "--timeout", TIMEOUT_S])
        .args(extra)
        .stdin(Stdio::null())
        .env_remove("RUST_LOG")
        .output()
        .expect("run ox86")
}

/// The first line of `want` that does not appear, in order, in `serial`.
fn first_missing<'a>(serial: &str, want: &'a [String]) -> Option<&'a str> {
    let mut next = 0;
    for line in serial.lines().map(|l| l.trim_end_matches('\r')) {
        if next < want.len() && line == want[next] {
            next += 1;
        }
    }
    want.get(next).map(String::as_str)
}

fn check(o: &Output) -> String {
    let serial = String::from_utf8_lossy(&o.stdout).into_owned();
    let tail: Vec<&str> = serial.lines().rev().take(15).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    let ctx = format!(
        "status {:?}\n--- last serial lines ---\n{}\n--- stderr ---\n{}",
        o.status.code(),
        tail.join("\n"),
        String::from_utf8_lossy(&o.stderr)
    );
    if let Some(line) = first_missing(&serial, &expected()) {
        panic!("expected serial line not seen: {line:?}\n{ctx}");
    }
    assert_eq!(
        o.status.code(),
        Some(0),
        "poweroff -f ends the run with status 0\n{ctx}"
    );
    serial
}

#[test]
fn first_missing_finds_lines_out_of_order() {
    let want: Vec<String> = ["A", "B"].map(String::from).to_vec();
    assert_eq!(first_missing("x\nA\r\ny\nB\n", &want), None);
    assert_eq!(first_missing("B\nA\n", &want), Some("B"));
    assert_eq!(first_missing("", &want), Some("A"));
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "boots Linux: release only (.ci/run runs it)"
)]
fn debian_686_kernel_boots_the_kit_runs_the_workload_and_powers_off() {
    let Some((k, i)) = kit() else { return };
    // Real-time clock, and the local APIC + IOAPIC (MADT): the kernel runs in
    // symmetric I/O mode with the LAPIC timer. The --deterministic boots
    // below use the 8259A path, so both interrupt paths boot Linux here.
    let serial = check(&boot(&k, &i, &["--apic"]));
    assert!(
        serial.contains("IOAPIC[0]: apic_id"),
        "the kernel found the I/O APIC in the MADT"
    );
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "boots Linux twice: release only (.ci/run runs it)"
)]
fn deterministic_boots_print_identical_serial_output() {
    let Some((k, i)) = kit() else { return };
    let a = check(&boot(&k, &i, &["--deterministic"]));
    let b = check(&boot(&k, &i, &["--deterministic"]));
    assert!(a == b, "two --deterministic boots differ:\n{a}\n-----\n{b}");
}
