//! The `ox86 run` command line, run as a process: console routing, POST
//! codes, exit statuses (exit port, halt, triple fault, instruction limit,
//! timeout), RAM dumps, tracing, determinism, the built-in demo, and
//! one-line errors with status 2 for bad input.
//!
//! The ROMs are the committed images in `test-roms/`; a few tiny images
//! for the failure paths are written by hand here.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{instructions, ox86, scratch, stderr, stdout, OX86};

fn rom(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../test-roms")
        .join(name)
}

/// A 4 KiB ROM whose code at F000:F000 (its first byte) is `code`, with the
/// reset vector jumping there.
fn tiny_rom(dir: &Path, name: &str, code: &[u8]) -> PathBuf {
    let mut img = vec![0xF4u8; 4096];
    img[..code.len()].copy_from_slice(code);
    img[0xFF0..0xFF5].copy_from_slice(&[0xEA, 0x00, 0xF0, 0x00, 0xF0]); // jmp F000:F000
    let p = dir.join(name);
    std::fs::write(&p, img).expect("write ROM");
    p
}

#[test]
fn hello_rom_exits_through_the_exit_port() {
    let hello = rom("roms/hello.bin");
    let o = ox86(&[
        "run",
        "--headless",
        "--bios",
        hello.to_str().unwrap(),
        "--debugcon",
        "stdio",
        "--exit-port",
        "0xf4",
    ]);
    assert_eq!(o.status.code(), Some(33), "{}", stderr(&o));
    assert_eq!(stdout(&o), "Hello from an ox86 test ROM!\n");
    assert_eq!(instructions(&o), 160);
}

#[test]
fn self_checking_roms_pass_on_both_tiers_with_the_same_count() {
    for name in ["alu", "pm32", "smc"] {
        let path = rom(&format!("roms/{name}.bin"));
        let p = path.to_str().unwrap();
        let blocks = ox86(&["run", "--headless", "--bios", p, "--exit-port", "0xf4"]);
        let interp = ox86(&[
            "run",
            "--headless",
            "--bios",
            p,
            "--exit-port",
            "0xf4",
            "--interpreter",
        ]);
        assert_eq!(
            blocks.status.code(),
            Some(33),
            "{name}: {}",
            stdout(&blocks)
        );
        assert_eq!(
            interp.status.code(),
            Some(33),
            "{name}: {}",
            stdout(&interp)
        );
        assert_eq!(stdout(&blocks), stdout(&interp), "{name}");
        assert!(!stdout(&blocks).contains("FAIL"), "{name}");
        assert_eq!(instructions(&blocks), instructions(&interp), "{name}");
    }
}

#[test]
fn runs_are_deterministic() {
    let alu = rom("roms/alu.bin");
    let args = [
        "run",
        "--headless",
        "--bios",
        alu.to_str().unwrap(),
        "--deterministic",
    ];
    let a = ox86(&args);
    let b = ox86(&args);
    assert_eq!(stdout(&a), stdout(&b));
    assert_eq!(a.status.code(), b.status.code());
    assert_eq!(instructions(&a), instructions(&b));
}

#[test]
fn post_codes_go_to_stderr() {
    let hello = rom("roms/hello.bin");
    let o = ox86(&[
        "run",
        "--headless",
        "--bios",
        hello.to_str().unwrap(),
        "--post-codes",
        "--exit-port",
        "0xf4",
        "-q",
    ]);
    assert_eq!(stderr(&o), "POST 0x01\nPOST 0xFF\n");
}

#[test]
fn debugcon_null_and_file() {
    let dir = scratch("cli", "debugcon");
    let hello = rom("roms/hello.bin");
    let o = ox86(&[
        "run",
        "--headless",
        "--bios",
        hello.to_str().unwrap(),
        "--debugcon",
        "null",
    ]);
    assert_eq!(stdout(&o), "");
    let file = dir.join("con.txt");
    let o = ox86(&[
        "run",
        "--headless",
        "--bios",
        hello.to_str().unwrap(),
        "--debugcon",
        file.to_str().unwrap(),
    ]);
    assert_eq!(stdout(&o), "");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "Hello from an ox86 test ROM!\n"
    );
}

#[test]
fn halting_ends_the_run() {
    let hello = rom("roms/hello.bin");
    let h = hello.to_str().unwrap();
    // Halted with interrupts disabled: success only with --until-halt.
    let o = ox86(&["run", "--headless", "--bios", h, "--until-halt"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("EAX="), "registers: {}", stderr(&o));
    let o = ox86(&["run", "--headless", "--bios", h]);
    assert_eq!(o.status.code(), Some(10));
    // Halted with interrupts enabled and nothing to wake the CPU.
    let dir = scratch("cli", "halt");
    let sti_hlt = tiny_rom(&dir, "sti.bin", &[0xFB, 0xF4]);
    let o = ox86(&[
        "run",
        "--headless",
        "--bios",
        sti_hlt.to_str().unwrap(),
        "--until-halt",
    ]);
    assert_eq!(o.status.code(), Some(10));
    assert!(stderr(&o).contains("interrupts enabled"), "{}", stderr(&o));
}

#[test]
fn limits_and_triple_faults_have_their_own_statuses() {
    let dir = scratch("cli", "limits");
    let spin = tiny_rom(&dir, "spin.bin", &[0xEB, 0xFE]); // jmp $
    let s = spin.to_str().unwrap();
    let o = ox86(&[
        "run",
        "--headless",
        "--bios",
        s,
        "--max-instructions",
        "1000",
    ]);
    assert_eq!(o.status.code(), Some(6));
    assert_eq!(instructions(&o), 1000);
    let o = ox86(&["run", "--headless", "--bios", s, "--timeout", "0.2"]);
    assert_eq!(o.status.code(), Some(8), "{}", stderr(&o));

    // lidt with limit 0, then int3: #GP, #DF, shutdown.
    let mut code = vec![0x2E, 0x0F, 0x01, 0x1E, 0x10, 0xF0, 0xCC];
    code.resize(0x10, 0x90);
    code.extend_from_slice(&[0; 6]); // IDTR image at F000:F010
    let tf = tiny_rom(&dir, "tf.bin", &code);
    let t = tf.to_str().unwrap();
    let o = ox86(&["run", "--headless", "--bios", t, "--no-reboot"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("triple fault"));
    assert_eq!(instructions(&o), 3, "jmp far, lidt, int3");
    // Without --no-reboot the CPU resets, as a PC does, and runs on.
    let o = ox86(&["run", "--headless", "--bios", t, "--max-instructions", "30"]);
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
}

#[test]
fn ram_dumps_see_the_rom_at_both_addresses() {
    let dir = scratch("cli", "dump");
    let hello = rom("roms/hello.bin");
    let low = dir.join("low.bin");
    let high = dir.join("high.bin");
    let o = ox86(&[
        "run",
        "--headless",
        "--bios",
        hello.to_str().unwrap(),
        "--dump-ram",
        &format!("0xf0000:0x10000:{}", low.display()),
        "--dump-ram",
        &format!("4294901760:65536:{}", high.display()),
    ]);
    assert_eq!(o.status.code(), Some(10));
    let image = std::fs::read(&hello).unwrap();
    assert!(std::fs::read(&low).unwrap() == image, "dump at F0000");
    assert!(std::fs::read(&high).unwrap() == image, "dump at FFFF0000");
}

#[test]
fn trace_logs_one_line_per_instruction() {
    let hello = rom("roms/hello.bin");
    let o = Command::new(OX86)
        .args([
            "run",
            "--headless",
            "--bios",
            hello.to_str().unwrap(),
            "--trace",
            "--exit-port",
            "0xf4",
        ])
        .env("RUST_LOG", "ox86::trace=trace")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(33));
    let e = stderr(&o);
    let lines: Vec<&str> = e.lines().filter(|l| l.contains("ox86::trace")).collect();
    assert_eq!(lines.len(), 160, "{e}");
    assert!(lines[0].contains("f000:0000fff0"), "{}", lines[0]);
    assert!(lines[0].contains("ea000000f0"), "{}", lines[0]);
}

#[test]
fn the_demo_runs_with_no_arguments() {
    // No arguments but --headless: without it a window opens (or, with no
    // display, the run stops with status 2; frontend/tests/window.rs).
    let o = ox86(&["run", "--headless"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("ox86 built-in demo"), "{out}");
    assert!(out.contains("Mandelbrot"), "{out}");
    assert!(
        out.lines().filter(|l| l.contains("@@@@")).count() > 5,
        "{out}"
    );
    let e = stderr(&o);
    assert!(e.contains(" instructions in "), "{e}");
    // The demo's waits are halts between timer ticks: with guest time from
    // the instruction count they take no wall time.
    for cpu in ["8086", "286", "pentium"] {
        let o = ox86(&["run", "--headless", "--deterministic", "--cpu", cpu, "-q"]);
        assert_eq!(o.status.code(), Some(0), "{cpu}");
        assert_eq!(stderr(&o), "", "{cpu}");
        let out = stdout(&o);
        assert!(out.contains("[4/4] VGA mode 3: summary"), "{cpu}: {out}");
        assert!(out.contains("Done: halting the CPU"), "{cpu}: {out}");
    }
}

#[test]
fn bad_input_gets_one_line_and_status_2() {
    let dir = scratch("cli", "bad");
    let big = dir.join("big.rom");
    std::fs::write(&big, vec![0u8; 300 * 1024]).unwrap();
    let empty = dir.join("empty.rom");
    std::fs::write(&empty, b"").unwrap();
    let hello = rom("roms/hello.bin");
    let h = hello.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["run", "--bios", "/nonexistent/rom.bin"],
        vec!["run", "--bios", big.to_str().unwrap()],
        vec!["run", "--bios", empty.to_str().unwrap()],
        vec!["run", "--bios", h, "--max-instructions", "12x"],
        vec!["run", "--bios", h, "--max-instructions", "1.5"],
        vec!["run", "--bios", h, "--exit-port", "0x1ffff"],
        vec!["run", "--bios", h, "--exit-port", "port"],
        vec!["run", "--bios", h, "--memory", "0"],
        vec!["run", "--bios", h, "--memory", "lots"],
        vec!["run", "--bios", h, "--timeout", "soon"],
        vec!["run", "--bios", h, "--dump-ram", "0:16"],
        vec!["run", "--bios", h, "--dump-ram", "0xffffffff:2:x.bin"],
        vec![
            "run",
            "--bios",
            h,
            "--dump-ram",
            "0:16:/nonexistent/dir/x.bin",
        ],
        vec!["run", "--bios", h, "--debugcon", "/nonexistent/dir/con.txt"],
    ];
    for args in cases {
        let o = ox86(&args);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
        assert_eq!(e.lines().count(), 1, "{args:?}: {e:?}");
        assert!(e.starts_with("ox86: "), "{args:?}: {e:?}");
        assert!(!e.contains("panicked"), "{args:?}: {e:?}");
        assert_eq!(stdout(&o), "", "{args:?}");
    }
}
