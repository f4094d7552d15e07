//! `ox86 run`'s desktop window, for real: under Xvfb, ox86 boots the
//! keyboard-echo guest (test-roms/boot/kbd_echo.asm) from a floppy with the
//! built-in BIOS, xdotool types into the window, the guest echoes what
//! INT 16h returned on the debug console (stdout), and screenshots of the
//! X screen (`xwd -root`, parsed here) show the guest's VBE picture in the
//! window: a block of its colour, exactly 64 KiB of 32-bpp pixels at an
//! integer scale, and a second block drawn after the first key.
//!
//! Needs `Xvfb`, `xdotool` and `xwd` (Debian: xvfb, xdotool, x11-apps;
//! `.ci/run` installs them); without them the test says it skipped.
//! Also here: with no display, `ox86 run` says so in one line, status 2.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const OX86: &str = env!("CARGO_BIN_EXE_ox86");
/// The guest's first block (bank 0) and the one it draws after a key.
const COLOUR1: u32 = 0xC0_3080;
const COLOUR2: u32 = 0x20_A040;
/// Pixels in one 64 KiB bank of a 32-bpp mode.
const BANK_PIXELS: usize = 0x10000 / 4;
/// The guest's mode width.
const MODE_WIDTH: usize = 640;

/// Whether `tool` is on PATH.
fn have(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
}

/// An Xvfb server, killed on drop.
struct Xvfb {
    child: Child,
    display: String,
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        // SIGTERM, so that the server removes its socket and lock file
        // (SIGKILL would leave them, using up a display number per run).
        let terminated = Command::new("kill")
            .arg(self.child.id().to_string())
            .status()
            .is_ok_and(|s| s.success());
        if !terminated {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Start Xvfb on a display number it picks itself (`-displayfd`: it
/// writes the number to its stdout once it is ready), so tests running at
/// the same time cannot collide.
fn start_xvfb() -> Xvfb {
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1600x1200x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start Xvfb");
    let mut out = child.stdout.take().expect("Xvfb stdout");
    let mut number = String::new();
    let mut byte = [0u8; 1];
    while out.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
        number.push(char::from(byte[0]));
    }
    let xvfb = Xvfb {
        child,
        display: format!(":{}", number.trim()),
    };
    assert!(
        !number.trim().is_empty() && number.trim().bytes().all(|b| b.is_ascii_digit()),
        "Xvfb did not start (display {number:?})"
    );
    xvfb
}

/// Run an X client on `display`; its output.
fn x(display: &str, cmd: &str, args: &[&str]) -> Output {
    Command::new(cmd)
        .args(args)
        .env("DISPLAY", display)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"))
}

/// A 24/32-bit TrueColor screenshot.
struct Shot {
    width: usize,
    height: usize,
    pixels: Vec<u32>,
}

/// Parse an XWD file (X11 `XWDFileHeader`: 25 big-endian CARD32 fields,
/// the window name, the colour map, then the image) of a 32 bpp ZPixmap.
fn parse_xwd(d: &[u8]) -> Shot {
    let field = |n: usize| u32::from_be_bytes(d[n * 4..n * 4 + 4].try_into().unwrap()) as usize;
    let (header_size, format, width, height) = (field(0), field(2), field(4), field(5));
    let (byte_order, bpp, bytes_per_line) = (field(7), field(11), field(12));
    let (red_mask, green_mask, blue_mask, ncolors) = (field(14), field(15), field(16), field(19));
    assert_eq!(format, 2, "ZPixmap");
    assert_eq!(bpp, 32, "32 bits per pixel");
    let data = header_size + ncolors * 12;
    let chan = |px: u32, mask: usize| ((px as usize & mask) >> mask.trailing_zeros()) as u32;
    let mut pixels = Vec::with_capacity(width * height);
    for y in 0..height {
        for xx in 0..width {
            let at = data + y * bytes_per_line + xx * 4;
            let b: [u8; 4] = d[at..at + 4].try_into().unwrap();
            let px = if byte_order == 0 {
                u32::from_le_bytes(b)
            } else {
                u32::from_be_bytes(b)
            };
            pixels.push(chan(px, red_mask) << 16 | chan(px, green_mask) << 8 | chan(px, blue_mask));
        }
    }
    Shot {
        width,
        height,
        pixels,
    }
}

fn screenshot(display: &str) -> Shot {
    let o = x(display, "xwd", &["-root", "-silent"]);
    assert!(
        o.status.success(),
        "xwd: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    parse_xwd(&o.stdout)
}

/// The pixels of `colour`: count and bounding box (x0, y0, x1, y1).
fn find(shot: &Shot, colour: u32) -> (usize, Option<(usize, usize, usize, usize)>) {
    let mut n = 0;
    let mut bbox: Option<(usize, usize, usize, usize)> = None;
    for y in 0..shot.height {
        for xx in 0..shot.width {
            if shot.pixels[y * shot.width + xx] == colour {
                n += 1;
                bbox = Some(match bbox {
                    None => (xx, y, xx, y),
                    Some((a, b, c, d)) => (a.min(xx), b.min(y), c.max(xx), d.max(y)),
                });
            }
        }
    }
    (n, bbox)
}

/// The guest's block of `colour` is in the window: one bank of pixels,
/// each shown k×k, 640·k wide. Returns k.
fn block_scale(shot: &Shot, colour: u32) -> Option<usize> {
    let (n, bbox) = find(shot, colour);
    let (x0, _, x1, _) = bbox?;
    let k = (x1 - x0 + 1) / MODE_WIDTH;
    (k >= 1 && x1 - x0 + 1 == MODE_WIDTH * k && n == BANK_PIXELS * k * k).then_some(k)
}

/// The guest's mouse packets `[ss xx yy]` in `out`: (buttons, dx, dy)
/// with the 9-bit movements sign-extended from the status byte.
fn packets(out: &str) -> Vec<(u8, i32, i32)> {
    let mut v = Vec::new();
    let mut rest = out;
    while let Some(i) = rest.find('[') {
        let p = &rest[i + 1..];
        let f: Vec<u8> = p
            .get(..8)
            .unwrap_or("")
            .split(' ')
            .filter_map(|h| u8::from_str_radix(h, 16).ok())
            .collect();
        if let [s, x, y] = f[..] {
            let ext = |v: u8, neg: bool| i32::from(v) - if neg { 256 } else { 0 };
            v.push((s & 7, ext(x, s & 0x10 != 0), ext(y, s & 0x20 != 0)));
        }
        rest = p;
    }
    v
}

/// Wait up to `secs` for `f` to give `Some`.
fn wait_for<T>(secs: u64, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The echo guest on a 1.44 MB floppy image.
fn floppy() -> PathBuf {
    let sector = Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-roms/boot/kbd_echo.img");
    let mut img = std::fs::read(&sector).expect("test-roms/boot/kbd_echo.img");
    img.resize(1_474_560, 0);
    // One image per call: the tests run at the same time.
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("window-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("kbd_echo.img");
    std::fs::write(&path, img).unwrap();
    path
}

/// ox86 in its window, stdout collected; killed on drop if still running.
struct Ox86 {
    child: Child,
    stdout: Arc<Mutex<String>>,
}

impl Drop for Ox86 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Ox86 {
    fn out(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    fn wait_output(&self, text: &str, secs: u64) {
        let ok = wait_for(secs, || self.out().contains(text).then_some(()));
        assert!(
            ok.is_some(),
            "{text:?} not on the guest's console: {:?}",
            self.out()
        );
    }

    /// Its stderr (after it ended).
    fn stderr(&mut self) -> String {
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        err
    }

    fn wait_exit(&mut self, secs: u64) -> Option<ExitStatus> {
        wait_for(secs, || self.child.try_wait().ok().flatten())
    }
}

/// The tools the window tests need are there (else they say they skip).
fn tools_present(test: &str) -> bool {
    let missing: Vec<&str> = ["Xvfb", "xdotool", "xwd"]
        .into_iter()
        .filter(|t| !have(t))
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "{test} skipped: {} not found (Debian: apt-get install xvfb xdotool x11-apps)",
            missing.join(", ")
        );
    }
    missing.is_empty()
}

/// Start ox86 in its window on `display` with the echo guest; wait until
/// the guest is ready and the window is there. Returns the window's id.
fn launch(display: &str) -> (Ox86, String) {
    let img = floppy();
    let mut child = Command::new(OX86)
        .args(["run", "--fda"])
        .arg(&img)
        .args(["--exit-port", "0xf4", "--timeout", "120"])
        .env("DISPLAY", display)
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ox86");
    let stdout = Arc::new(Mutex::new(String::new()));
    let mut pipe = child.stdout.take().unwrap();
    let sink = stdout.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let ox = Ox86 { child, stdout };
    ox.wait_output("kbd_echo ready\n", 60);
    // The window, by its title.
    let wid = wait_for(20, || {
        let o = x(display, "xdotool", &["search", "--name", "^ox86"]);
        let s = String::from_utf8_lossy(&o.stdout).into_owned();
        s.lines().next().map(str::to_owned)
    })
    .expect("no window titled ox86");
    (ox, wid)
}

#[test]
fn keys_typed_into_the_window_reach_the_guest_and_its_picture_is_shown() {
    if !tools_present("window test") {
        return;
    }
    let xvfb = start_xvfb();
    let d = xvfb.display.as_str();
    let (mut ox, wid) = launch(d);
    let name = x(d, "xdotool", &["getwindowname", &wid]);
    let name = String::from_utf8_lossy(&name.stdout).into_owned();
    assert!(name.starts_with("ox86 — running"), "title {name:?}");

    // The guest's first block, in full, at an integer scale.
    let k = wait_for(20, || block_scale(&screenshot(d), COLOUR1));
    assert!(
        k.is_some(),
        "the guest's C03080h block is not in the window"
    );
    assert_eq!(
        find(&screenshot(d), COLOUR2).0,
        0,
        "no second block before a key"
    );

    // Type. No window manager under Xvfb: focus the window directly.
    let o = x(d, "xdotool", &["windowfocus", "--sync", &wid]);
    assert!(
        o.status.success(),
        "windowfocus: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = x(d, "xdotool", &["type", "--delay", "40", "Hi ox86!"]);
    assert!(o.status.success(), "xdotool type");
    let o = x(
        d,
        "xdotool",
        &["key", "--delay", "40", "Up", "F1", "Escape"],
    );
    assert!(o.status.success(), "xdotool key");
    // INT 16h AH=00h: ASCII for the printable keys (Shift included),
    // scan codes for the others (E0 extended Up: 48h, F1: 3Bh, Esc: 01h).
    ox.wait_output("kbd_echo ready\nHi ox86!<48><3b><01>", 30);
    assert!(!ox.out().contains("mouse off"), "{:?}", ox.out());

    // The first key drew the second block.
    let k2 = wait_for(20, || block_scale(&screenshot(d), COLOUR2));
    assert_eq!(k2, k, "the second block, at the same scale");

    // The mouse: a click in the window grabs the pointer (the click is not
    // passed on, only its release), the title says how to release it.
    let title = |d: &str| {
        let o = x(d, "xdotool", &["getwindowname", &wid]);
        String::from_utf8_lossy(&o.stdout).trim().to_owned()
    };
    x(d, "xdotool", &["mousemove", "--window", &wid, "400", "300"]);
    // minifb polls the buttons once per frame: a click must last longer
    // than a frame (a person's does; xdotool's `click` does not).
    let click = |d: &str, b: &str| {
        x(d, "xdotool", &["mousedown", b]);
        std::thread::sleep(Duration::from_millis(300));
        x(d, "xdotool", &["mouseup", b]);
    };
    click(d, "1");
    let grabbed = wait_for(10, || {
        title(d)
            .contains("Ctrl+Alt+G releases pointer")
            .then_some(())
    });
    assert!(grabbed.is_some(), "title after a click: {:?}", title(d));
    // Host motion right 20, up 10 = PS/2 +20, +10 (Y up is positive).
    let mark = ox.out().len();
    x(d, "xdotool", &["mousemove_relative", "--", "20", "-10"]);
    let moved = wait_for(20, || {
        let p = packets(&ox.out()[mark..]);
        let sum = p.iter().fold((0, 0), |(x, y), q| (x + q.1, y + q.2));
        (sum == (20, 10)).then_some(p)
    });
    assert!(moved.is_some(), "motion packets: {:?}", &ox.out()[mark..]);
    // Far to the right: the pointer is warped back to the window's centre
    // near the edge and confined to the window (X11), the guest sees all
    // of the movement.
    let mark = ox.out().len();
    for _ in 0..3 {
        x(d, "xdotool", &["mousemove_relative", "--", "150", "0"]);
        std::thread::sleep(Duration::from_millis(100));
    }
    let moved = wait_for(20, || {
        let sum: i32 = packets(&ox.out()[mark..]).iter().map(|p| p.1).sum();
        (sum == 450).then_some(())
    });
    assert!(moved.is_some(), "motion packets: {:?}", &ox.out()[mark..]);
    let o = x(d, "xdotool", &["getmouselocation", "--shell"]);
    let loc = String::from_utf8_lossy(&o.stdout).into_owned();
    let geo = x(d, "xdotool", &["getwindowgeometry", "--shell", &wid]);
    let geo = String::from_utf8_lossy(&geo.stdout).into_owned();
    let var = |s: &str, k: &str| -> i64 {
        s.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(-1)
    };
    let (px, wx, ww) = (var(&loc, "X"), var(&geo, "X"), var(&geo, "WIDTH"));
    assert!(
        px > wx && px < wx + ww,
        "pointer at x={px}, window {wx}+{ww}: not held in the window"
    );
    // The right button, pressed and released.
    let mark = ox.out().len();
    click(d, "3");
    let clicked = wait_for(20, || {
        let b: Vec<u8> = packets(&ox.out()[mark..]).iter().map(|p| p.0).collect();
        b.ends_with(&[2, 0]).then_some(())
    });
    assert!(clicked.is_some(), "button packets: {:?}", &ox.out()[mark..]);
    // Ctrl+Alt+G gives the pointer back: no more packets, no hint.
    x(d, "xdotool", &["key", "ctrl+alt+g"]);
    let released = wait_for(10, || (!title(d).contains("Ctrl+Alt+G")).then_some(()));
    assert!(released.is_some(), "title after Ctrl+Alt+G: {:?}", title(d));
    let mark = ox.out().len();
    x(d, "xdotool", &["mousemove_relative", "--", "30", "30"]);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(&ox.out()[mark..], "", "motion after the release");

    // The window is resizable and scales by whole numbers: at 1400×1000
    // the 640×480 frame is shown at 2× (1280×960).
    // (Moved to the corner first, so that all of it is on the screen.)
    let o = x(d, "xdotool", &["windowmove", "--sync", &wid, "0", "0"]);
    assert!(o.status.success(), "windowmove");
    let o = x(
        d,
        "xdotool",
        &["windowsize", "--sync", &wid, "1400", "1000"],
    );
    assert!(o.status.success(), "windowsize");
    let k3 = wait_for(20, || {
        block_scale(&screenshot(d), COLOUR1).filter(|&k| k == 2)
    });
    assert_eq!(k3, Some(2), "scale after the resize");

    // Enter: the guest exits through the exit port (10h → status 21h).
    let o = x(d, "xdotool", &["key", "Return"]);
    assert!(o.status.success(), "xdotool key Return");
    let status = ox.wait_exit(30).expect("ox86 did not end after Enter");
    let err = ox.stderr();
    assert_eq!(status.code(), Some(0x21), "stderr: {err}");
    assert!(ox.out().ends_with("]\n"), "{:?}", ox.out());
    assert!(!err.contains("panicked"), "{err}");
}

#[cfg(target_os = "linux")]
#[test]
fn closing_the_window_ends_the_run_with_status_0() {
    if !tools_present("window close test") {
        return;
    }
    let xvfb = start_xvfb();
    let d = xvfb.display.as_str();
    let (mut ox, wid) = launch(d);
    // What a window manager's close button sends.
    wm_delete_window(d, wid.parse().expect("window id"));
    let status = ox
        .wait_exit(30)
        .expect("ox86 did not end when its window was closed");
    let err = ox.stderr();
    assert_eq!(status.code(), Some(0), "stderr: {err}");
    assert!(err.contains("ox86: the window was closed"), "{err}");
    assert_eq!(ox.out(), "kbd_echo ready\n");
}

/// Send the window a WM_DELETE_WINDOW message (ICCCM §4.2.8.1), as a
/// window manager does when its close button is pressed (xdotool has no
/// command for it: `windowclose` destroys the window instead).
#[cfg(target_os = "linux")]
fn wm_delete_window(display: &str, window: u64) {
    use std::ffi::CString;
    use x11_dl::xlib;
    let xl = xlib::Xlib::open().expect("libX11");
    let name = CString::new(display).unwrap();
    // SAFETY: plain Xlib calls on a display this function opens, checks
    // and closes; the event is a zeroed XEvent whose client_message
    // fields are filled in before it is sent.
    unsafe {
        let dpy = (xl.XOpenDisplay)(name.as_ptr());
        assert!(!dpy.is_null(), "XOpenDisplay {display}");
        let protocols = (xl.XInternAtom)(dpy, c"WM_PROTOCOLS".as_ptr(), 0);
        let delete = (xl.XInternAtom)(dpy, c"WM_DELETE_WINDOW".as_ptr(), 0);
        let mut ev: xlib::XEvent = std::mem::zeroed();
        ev.client_message.type_ = xlib::ClientMessage;
        ev.client_message.window = window;
        ev.client_message.message_type = protocols;
        ev.client_message.format = 32;
        ev.client_message
            .data
            .set_long(0, delete as std::os::raw::c_long);
        ev.client_message
            .data
            .set_long(1, xlib::CurrentTime as std::os::raw::c_long);
        let sent = (xl.XSendEvent)(dpy, window, 0, xlib::NoEventMask, &mut ev);
        assert_ne!(sent, 0, "XSendEvent");
        (xl.XFlush)(dpy);
        (xl.XCloseDisplay)(dpy);
    }
}

#[test]
fn without_a_display_ox86_run_says_so_in_one_line() {
    let cases: [(&[(&str, &str)], &str); 3] = [
        (&[], "DISPLAY is not set"),
        (&[("WAYLAND_DISPLAY", "wayland-0")], "XWayland"),
        // A display that is not there: the window cannot be opened.
        (&[("DISPLAY", ":1999")], "cannot open a window"),
    ];
    // A plain ROM (not the no-argument demo, which may behave specially).
    let rom = Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-roms/roms/hello.bin");
    for (env, want) in cases {
        let mut cmd = Command::new(OX86);
        cmd.args(["run", "--timeout", "30", "--exit-port", "0xf4", "--bios"])
            .arg(&rom)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("RUST_LOG");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let o = cmd.output().expect("run ox86");
        let e = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{env:?}: {e}");
        assert_eq!(e.lines().count(), 1, "{env:?}: {e:?}");
        assert!(
            e.contains(want) && e.contains("--headless"),
            "{env:?}: {e:?}"
        );
        assert!(!e.contains("panicked"), "{e}");
    }
}
