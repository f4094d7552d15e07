//! Shared by the `ox86` integration tests (each test file includes it with `mod common;` and
//! uses only part of it, hence `allow(dead_code)`):
//!
//! - running `ox86` as a process ([`ox86`], [`stdout`], [`stderr`], [`instructions`],
//!   [`scratch`]);
//! - the guest kit (`test-roms/guests`, built by fetch.sh): finding it ([`kit`], which builds it
//!   when missing, [`kit_with_modules`], [`find`]) and its boot images ([`kit_image`], built by
//!   images.sh/extlinux.sh when missing), skipping cleanly where it cannot be had, and
//!   checking a boot's serial output against `expected.txt` ([`expected`], [`first_missing`],
//!   [`tail`]);
//! - appending a newc cpio archive with driver modules and a test `/init` script to the kit's
//!   initrd ([`cpio_entry`], [`append_to_initrd`]; the kernel unpacks concatenated archives in
//!   turn).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;

pub const OX86: &str = env!("CARGO_BIN_EXE_ox86");
/// fetch.sh's (and images.sh's) "skipped" status.
pub const SKIPPED: i32 = 77;

/// Run ox86 with `args` (stdin inherited, `RUST_LOG` unset). A `run` gets a generous
/// `--timeout` unless it has one, so an emulator bug cannot hang the suite.
pub fn ox86(args: &[&str]) -> Output {
    let mut cmd = Command::new(OX86);
    cmd.args(args).env_remove("RUST_LOG");
    if args.first() == Some(&"run") && !args.contains(&"--timeout") {
        cmd.args(["--timeout", "120"]);
    }
    cmd.output().expect("run ox86")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Run a boot (`cmd` is `Command::new(OX86)` with its arguments) with no stdin and
/// `RUST_LOG` unset.
pub fn run_boot(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null())
        .env_remove("RUST_LOG")
        .output()
        .expect("run ox86")
}

/// Instruction count from the summary line (`ox86: N instructions in ...` on stderr).
pub fn instructions(o: &Output) -> u64 {
    let e = stderr(o);
    let line = e
        .lines()
        .find(|l| l.contains(" instructions in "))
        .unwrap_or_else(|| panic!("no summary in {e:?}"));
    line.trim_start_matches("ox86: ")
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("bad summary {line:?}"))
}

/// A scratch directory `ox86-{test}-{pid}-{name}` in the temp directory, created.
pub fn scratch(test: &str, name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ox86-{test}-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// The guest kit's directory, `test-roms/guests` (its scripts, `expected.txt`, `cache/`).
pub fn guests() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-roms/guests")
}

/// What the kit's scripts build: `test-roms/guests/cache/out`.
pub fn kit_out() -> PathBuf {
    guests().join("cache/out")
}

/// Runs the kit script `name` (fetch.sh, images.sh); false (after saying so) when it
/// reports "skipped" (no apt, no network).
pub fn run_kit_script(name: &str) -> bool {
    let st = Command::new("bash")
        .arg(guests().join(name))
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status()
        .unwrap_or_else(|e| panic!("run bash test-roms/guests/{name}: {e}"));
    if st.code() == Some(SKIPPED) {
        eprintln!(
            "skipped: test-roms/guests/{name} could not build the kit here (see its message)"
        );
        return false;
    }
    assert!(st.success(), "test-roms/guests/{name} failed: {st}");
    true
}

/// The kit's kernel and initrd, building the kit once (fetch.sh) if needed; None (after
/// saying so) when it cannot be built here.
pub fn kit() -> Option<(PathBuf, PathBuf)> {
    static LOCK: Mutex<()> = Mutex::new(());
    let _one_fetch_at_a_time = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let out = kit_out();
    let (k, i) = (out.join("vmlinuz-686"), out.join("initrd-686.gz"));
    // Short-circuit: the script runs only when the kit is missing.
    if !(k.exists() && i.exists() || run_kit_script("fetch.sh")) {
        return None;
    }
    Some((k, i))
}

/// The kit's file `name` in cache/out/ (an image, or firmware such as `bios.bin`), building the
/// kit (fetch.sh) and then its images once if needed: `kit-extlinux.img` with its own script
/// extlinux.sh (images.sh runs it too, but goes on when it skips), anything else with
/// images.sh. None (after saying why) when they cannot be built here.
pub fn kit_image(name: &str) -> Option<PathBuf> {
    static LOCK: Mutex<()> = Mutex::new(());
    let _one_build_at_a_time = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let p = kit_out().join(name);
    if p.exists() {
        return Some(p);
    }
    if !kit_out().join("vmlinuz-686").exists() && !run_kit_script("fetch.sh") {
        return None;
    }
    let script = if name == "kit-extlinux.img" {
        "extlinux.sh"
    } else {
        "images.sh"
    };
    if !p.exists() && !run_kit_script(script) {
        return None;
    }
    assert!(p.exists(), "{script} did not build {}", p.display());
    Some(p)
}

/// `p` as a command-line argument.
pub fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// Kernel, initrd and the kernel's module tree (`lib/modules/VERSION/kernel`), if the kit is
/// built (it is not built here: the caller says that it skipped).
pub fn kit_with_modules() -> Option<(PathBuf, PathBuf, PathBuf)> {
    let out = kit_out();
    let (k, i) = (out.join("vmlinuz-686"), out.join("initrd-686.gz"));
    let modules = std::fs::read_dir(guests().join("cache/x"))
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            let n = p.file_name().unwrap_or_default().to_string_lossy();
            n.starts_with("linux-image-") && n.ends_with("-686_i386")
        })
        .and_then(|p| std::fs::read_dir(p.join("lib/modules")).ok()?.next())?
        .ok()?
        .path()
        .join("kernel");
    (k.exists() && i.exists() && modules.exists()).then_some((k, i, modules))
}

/// The first file called `name` below `dir` (depth first).
pub fn find(dir: &Path, name: &str) -> Option<PathBuf> {
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let p = e.path();
        if p.is_dir() {
            if let Some(f) = find(&p, name) {
                return Some(f);
            }
        } else if p.file_name().is_some_and(|n| n == name) {
            return Some(p);
        }
    }
    None
}

/// The non-empty lines of `test-roms/guests/expected.txt`: what a kit boot prints on COM1.
pub fn expected() -> Vec<String> {
    std::fs::read_to_string(guests().join("expected.txt"))
        .expect("test-roms/guests/expected.txt")
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// How [`first_missing`] matches a wanted line against a serial line.
#[derive(Clone, Copy)]
pub enum Match {
    /// The serial line (less a trailing CR) is the wanted line.
    Whole,
    /// The serial line contains the wanted line (a loader may prefix or colour it).
    Within,
}

/// The first line of `want` that does not appear, in order, in `serial`.
pub fn first_missing<'a>(serial: &str, want: &'a [String], how: Match) -> Option<&'a str> {
    let mut next = 0;
    for line in serial.lines().map(|l| l.trim_end_matches('\r')) {
        let Some(w) = want.get(next) else { break };
        let seen = match how {
            Match::Whole => line == w,
            Match::Within => line.contains(w.as_str()),
        };
        if seen {
            next += 1;
        }
    }
    want.get(next).map(String::as_str)
}

/// The last `n` lines of `text`, in order.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// One newc cpio entry.
pub fn cpio_entry(out: &mut Vec<u8>, ino: u32, name: &str, mode: u32, data: &[u8]) {
    let fields = [
        ino,
        mode,
        0,
        0,
        1,
        0,
        data.len() as u32,
        0,
        0,
        0,
        0,
        name.len() as u32 + 1,
        0,
    ];
    out.extend_from_slice(b"070701");
    for f in fields {
        out.extend_from_slice(format!("{f:08X}").as_bytes());
    }
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    out.resize(out.len().next_multiple_of(4), 0);
    out.extend_from_slice(data);
    out.resize(out.len().next_multiple_of(4), 0);
}

/// Write `path`: the kit's initrd followed by `cpio` (entries from [`cpio_entry`]), closed
/// with the trailer and padded to 512 bytes.
pub fn append_to_initrd(kit_initrd: &Path, mut cpio: Vec<u8>, path: PathBuf) -> PathBuf {
    cpio_entry(&mut cpio, 0, "TRAILER!!!", 0, &[]);
    cpio.resize(cpio.len().next_multiple_of(512), 0);
    let mut all = std::fs::read(kit_initrd).expect("kit initrd");
    all.extend_from_slice(&cpio);
    std::fs::write(&path, all).unwrap();
    path
}
