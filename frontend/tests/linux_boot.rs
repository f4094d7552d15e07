//! Boots a real Linux: `ox86 run --kernel` with Debian bookworm's 686 kernel and the guest
//! kit's busybox initramfs (`test-roms/guests/`, built by `fetch.sh`). The boot reaches
//! `GUEST-BOOT-OK`, the workload prints the results listed in `test-roms/guests/expected.txt`
//! (md5 of 16 MiB of zeros, a 100 000-iteration shell loop, an awk floating-point sum), and
//! the guest's `poweroff -f` (ACPI S5) ends the run with status 0. With `--deterministic` two
//! boots print identical serial output. The kit is built when it is missing; where it cannot
//! be (no apt, no network), the tests say that they skipped.

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::{expected, first_missing, kit, run_boot, tail, Match, OX86};

/// Host seconds a boot may take before ox86 stops it (status 8).
const TIMEOUT_S: &str = "900";

fn boot(k: &Path, i: &Path, extra: &[&str]) -> Output {
    run_boot(
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
            .args(extra),
    )
}

fn check(o: &Output) -> String {
    let serial = String::from_utf8_lossy(&o.stdout).into_owned();
    let ctx = format!(
        "status {:?}\n--- last serial lines ---\n{}\n--- stderr ---\n{}",
        o.status.code(),
        tail(&serial, 15),
        String::from_utf8_lossy(&o.stderr)
    );
    if let Some(line) = first_missing(&serial, &expected(), Match::Whole) {
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
    assert_eq!(first_missing("x\nA\r\ny\nB\n", &want, Match::Whole), None);
    assert_eq!(first_missing("B\nA\n", &want, Match::Whole), Some("B"));
    assert_eq!(first_missing("", &want, Match::Whole), Some("A"));
    // Whole lines, or lines containing the wanted one.
    assert_eq!(first_missing("xA\nB\n", &want, Match::Whole), Some("A"));
    assert_eq!(first_missing("xA\nBy\r\n", &want, Match::Within), None);
    assert_eq!(first_missing("xB\nA\n", &want, Match::Within), Some("B"));
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
