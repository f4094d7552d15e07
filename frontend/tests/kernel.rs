//! `ox86 run --kernel` as a process: the Multiboot test kernel
//! (`test-roms/kernels/multiboot.elf`) booted without firmware, its COM1
//! output routed by `--serial stdio|null|FILE`, `--append`, the exit
//! statuses, and one-line errors with status 2 for bad kernels and
//! unsupported combinations.

use std::path::{Path, PathBuf};

mod common;
use common::{ox86, scratch, stderr, stdout};

/// Host status of the kernel's EXIT_PASS.
const PASS: i32 = 33;
const SUMMARY: &str = "multiboot: 23 checks, 0 failed\n";

fn kernel() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-roms/kernels/multiboot.elf")
}

#[test]
fn kernel_prints_on_serial_stdio_and_exits_through_the_exit_port() {
    let k = kernel();
    let k = k.to_str().unwrap();
    let mut outputs = Vec::new();
    for tier in [&[][..], &["--interpreter"][..]] {
        let mut args = vec![
            "run",
            "--headless",
            "--kernel",
            k,
            "--append",
            "hello world",
            "--serial",
            "stdio",
            "--exit-port",
            "0xf4",
            "--quiet",
        ];
        args.extend_from_slice(tier);
        let o = ox86(&args);
        let out = stdout(&o);
        assert_eq!(
            o.status.code(),
            Some(PASS),
            "{tier:?}\n{out}\n{}",
            stderr(&o)
        );
        assert!(out.contains("cmdline: hello world\n"), "{out}");
        assert!(out.contains("loader: ox86\n"), "{out}");
        assert!(out.ends_with(SUMMARY), "{out}");
        assert!(!out.contains("FAIL"), "{out}");
        assert_eq!(stderr(&o), "", "--quiet");
        outputs.push(out);
    }
    assert_eq!(outputs[0], outputs[1], "both tiers print the same");
}

#[test]
fn serial_defaults_to_null_and_can_go_to_a_file() {
    let k = kernel();
    let k = k.to_str().unwrap();
    let o = ox86(&[
        "run",
        "--kernel",
        k,
        "--exit-port",
        "0xf4",
        "--quiet",
        "--headless",
    ]);
    assert_eq!(o.status.code(), Some(PASS));
    assert_eq!(stdout(&o), "", "no serial output by default");

    let dir = scratch("kernel", "file");
    let file = dir.join("com1.txt");
    let o = ox86(&[
        "run",
        "--headless",
        "--kernel",
        k,
        "--serial",
        file.to_str().unwrap(),
        "--exit-port",
        "0xf4",
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(PASS));
    assert_eq!(stdout(&o), "");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("multiboot: test kernel started\n"),
        "{text}"
    );
    assert!(text.ends_with(SUMMARY), "{text}");
    assert!(!text.contains("cmdline:"), "no --append, no command line");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn kernel_halting_ends_like_any_run() {
    let k = kernel();
    let k = k.to_str().unwrap();
    // Without an exit port the kernel halts with interrupts disabled.
    let o = ox86(&[
        "run",
        "--headless",
        "--kernel",
        k,
        "--until-halt",
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = ox86(&["run", "--headless", "--kernel", k, "--quiet"]);
    assert_eq!(o.status.code(), Some(10), "{}", stderr(&o));
    let o = ox86(&[
        "run",
        "--headless",
        "--kernel",
        k,
        "--max-instructions",
        "100",
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
}

#[test]
fn bad_kernels_and_combinations_are_one_line_errors() {
    let dir = scratch("kernel", "bad");
    let junk = dir.join("junk.elf");
    std::fs::write(&junk, [0x7F, b'E', b'L', b'F', 1, 1, 1]).unwrap();
    let k = kernel();
    let k = k.to_str().unwrap();
    let junk = junk.to_str().unwrap();
    // (arguments, text the message must contain)
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--kernel", "/nonexistent/k.elf"], "/nonexistent/k.elf"),
        (vec!["--kernel", junk], "junk.elf"),
        (vec!["--kernel", k, "--memory", "1"], "not in usable RAM"),
        (vec!["--kernel", k, "--bios", k], "not supported yet"),
        (vec!["--append", "x"], "--append needs --kernel"),
        (vec!["--kernel", k, "--serial", ""], "--serial"),
        (
            vec!["--kernel", k, "--serial", "/nonexistent/dir/out.txt"],
            "serial port file",
        ),
    ];
    for (args, want) in cases {
        let mut a = vec!["run"];
        a.extend_from_slice(&args);
        let o = ox86(&a);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
        assert_eq!(e.lines().count(), 1, "{args:?}: {e}");
        assert!(e.starts_with("ox86: ") && e.contains(want), "{args:?}: {e}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
