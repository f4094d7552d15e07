//! The headless screen options of `ox86 run`, run as a process:
//! `--until-text`, `--text-dump`, `--text-stream` and `--screenshot`.
//!
//! The guest is `test-roms/vga/vga_modes.bin` (a test ROM that programs the
//! VGA itself): its first scene is an 80x25 text screen ending in a
//! `C:\>` prompt, after which it waits for a host acknowledgement that
//! never comes here, so the screen stays as it is. The screenshot is
//! compared with that scene's golden image (`test-roms/golden/text.png`,
//! checked by `test-roms/tests/vga_modes.rs`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{instructions, ox86, scratch, OX86};

fn test_roms() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-roms")
}

fn vga_rom() -> String {
    test_roms()
        .join("vga/vga_modes.bin")
        .to_string_lossy()
        .into_owned()
}

/// `ox86 run --headless --deterministic` on the VGA golden-test ROM with
/// its debug console discarded, then `extra`.
fn run_vga_rom(extra: &[&str]) -> Output {
    let rom = vga_rom();
    let mut args = vec![
        "run",
        "--headless",
        "--deterministic",
        "--bios",
        &rom,
        "--debugcon",
        "null",
    ];
    args.extend_from_slice(extra);
    ox86(&args)
}

fn scratch_file(name: &str) -> PathBuf {
    scratch("screen", "files").join(name)
}

/// Width, height and 0xRRGGBB pixels of an 8-bit RGB PNG.
fn decode_png(path: &Path) -> (u32, u32, Vec<u32>) {
    let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut r = png::Decoder::new(std::io::BufReader::new(f))
        .read_info()
        .expect("PNG header");
    let mut buf = vec![0; r.output_buffer_size().expect("PNG size")];
    let info = r.next_frame(&mut buf).expect("PNG data");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let px = buf[..info.buffer_size()]
        .chunks_exact(3)
        .map(|c| (c[0] as u32) << 16 | (c[1] as u32) << 8 | c[2] as u32)
        .collect();
    (info.width, info.height, px)
}

#[test]
fn until_text_stops_with_status_0_and_dumps_the_text_screen_and_a_screenshot() {
    let shot = scratch_file("text.png");
    let shot_s = shot.to_string_lossy().into_owned();
    let o = run_vga_rom(&[
        "--until-text",
        "C:\\>",
        "--text-dump",
        "--screenshot",
        &shot_s,
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("ox86: the screen shows \"C:\\\\>\""), "{err}");
    // The whole screen, 25 rows, trailing spaces trimmed.
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows.len(), 25, "{out}");
    assert_eq!(
        rows[0],
        " ox86 VGA golden test: mode 03h registers, 80x25 text, 9-dot cells"
    );
    assert_eq!(rows[4].trim_start(), "Background:   0  1  2  3  4  5  6  7");
    assert_eq!(rows[18], "C:\\>");
    assert_eq!(rows[24], "");
    // It stopped long before the ROM's wait loop would use up the
    // instruction budget, and deterministically.
    let n = instructions(&o);
    assert!(n < 2_000_000, "{n} instructions");
    // The screenshot is the text scene's golden picture (the cursor is in
    // its shown phase this early in guest time).
    let (w, h, px) = decode_png(&shot);
    assert_eq!((w, h), (720, 400));
    let (gw, gh, golden) = decode_png(&test_roms().join("golden/text.png"));
    assert_eq!((gw, gh), (w, h));
    if let Some(i) = px.iter().zip(&golden).position(|(a, b)| a != b) {
        panic!(
            "screenshot differs from golden/text.png at ({}, {}): {:06x} vs {:06x}",
            i % 720,
            i / 720,
            px[i],
            golden[i]
        );
    }
    let again = run_vga_rom(&["--until-text", "C:\\>"]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(
        instructions(&again),
        n,
        "--until-text stops at the same instruction"
    );
}

#[test]
fn until_text_that_never_shows_leaves_the_other_limits_in_charge() {
    let o = run_vga_rom(&["--until-text", "Pass: 1", "--max-instructions", "3000000"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(6), "{err}");
    assert!(err.contains("instruction limit reached (3000000"), "{err}");
}

#[test]
fn text_stream_prints_the_rows_as_they_appear() {
    let o = run_vga_rom(&["--text-stream", "--max-instructions", "3000000", "--quiet"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(6), "{err}");
    let stream: Vec<&str> = err.lines().filter(|l| l.starts_with("screen ")).collect();
    assert!(
        stream.contains(
            &"screen 00|  ox86 VGA golden test: mode 03h registers, 80x25 text, 9-dot cells"
        ),
        "{err}"
    );
    assert!(stream.contains(&"screen 18| C:\\>"), "{err}");
    // Each row once: the screen does not change after it is drawn.
    let mut sorted = stream.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), stream.len(), "{err}");
}

#[test]
fn a_vga_without_a_mode_gives_a_black_640x480_screenshot_and_no_text() {
    let shot = scratch_file("none.png");
    let shot_s = shot.to_string_lossy().into_owned();
    let hello = test_roms().join("roms/hello.bin");
    let o = ox86(&[
        "run",
        "--headless",
        "--bios",
        &hello.to_string_lossy(),
        "--exit-port",
        "0xf4",
        "--text-dump",
        "--screenshot",
        &shot_s,
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(33), "{err}");
    assert!(
        err.contains("--text-dump: the VGA has no display mode programmed"),
        "{err}"
    );
    assert!(
        err.contains("no display mode programmed: the image is 640x480 black"),
        "{err}"
    );
    let (w, h, px) = decode_png(&shot);
    assert_eq!((w, h), (640, 480));
    assert!(px.iter().all(|&p| p == 0));
}

#[test]
fn bad_screen_options_are_one_line_errors() {
    let o = ox86(&["run", "--headless", "--until-text", ""]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--until-text"), "{err}");
    let o = ox86(&[
        "run",
        "--headless",
        "--screenshot",
        "/nonexistent-dir/x.png",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("cannot create screenshot"), "{err}");
}

#[cfg(unix)]
#[test]
fn sigusr1_writes_the_screenshot_during_the_run() {
    use std::io::BufRead;
    use std::process::Stdio;
    let shot = scratch_file("signal.png");
    let mut child = Command::new(OX86)
        .args(["run", "--headless", "--deterministic", "--bios", &vga_rom()])
        .args(["--debugcon", "null", "--text-stream", "--timeout", "60"])
        .arg("--screenshot")
        .arg(&shot)
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ox86");
    let pid = child.id().to_string();
    let stderr = std::io::BufReader::new(child.stderr.take().expect("stderr"));
    let mut seen = Vec::new();
    let mut written = false;
    for line in stderr.lines() {
        let line = line.expect("stderr line");
        if line == "screen 18| C:\\>" {
            // The guest's screen is complete and ox86 handles SIGUSR1.
            match Command::new("kill").args(["-USR1", &pid]).status() {
                Ok(st) => assert!(st.success(), "kill -USR1 {pid}"),
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    eprintln!("skipped: no kill command ({e})");
                    return;
                }
            }
        }
        if line.contains("(SIGUSR1, ") {
            written = line.contains("written");
            seen.push(line);
            break;
        }
        seen.push(line);
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(written, "{}", seen.join("\n"));
    let (w, h, px) = decode_png(&shot);
    assert_eq!((w, h), (720, 400));
    // Row 0 is the title bar: white on blue.
    assert!(px[..720 * 16].contains(&0x0000AA), "no blue title bar");
}

/// The built-in BIOS's INT 10h teletype on the VGA, seen by --text-dump and
/// --screenshot: `boot/bios_services.img` writes "Hi" at row 10 through
/// INT 10h before it reports its checks on port 0xF4. (--until-text is
/// looked at between slices of a million instructions; this guest is done
/// within one, so its exit comes first.)
#[test]
fn builtin_bios_teletype_reaches_the_text_dump_and_screenshot() {
    let img = test_roms().join("boot/bios_services.img");
    let shot = scratch_file("bios.png");
    let o = ox86(&[
        "run",
        "--headless",
        "--deterministic",
        "--snapshot",
        "--hda",
        &img.to_string_lossy(),
        "--exit-port",
        "0xf4",
        "--debugcon",
        "null",
        "--text-dump",
        "--screenshot",
        &shot.to_string_lossy(),
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(33), "all checks pass:\n{err}");
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows.len(), 25, "{out}");
    assert_eq!(rows[10], "Hi", "{out}");
    let (w, h, px) = decode_png(&shot);
    assert_eq!((w, h), (720, 400), "mode 3 on the VGA");
    // "Hi" is light grey on black at row 10 (scan lines 160-175), columns
    // 0-1 (18 pixels); the rows below it are empty.
    let lit = |y0: usize, y1: usize| (y0..y1).any(|y| (0..18).any(|x| px[y * 720 + x] != 0));
    assert!(lit(160, 176), "no glyph pixels for \"Hi\"");
    assert!(!lit(176, 400), "pixels below the text");
}
