//! Headless views of the guest's screen (the VGA, `devices::vga`):
//!
//! - `--screenshot FILE.png` renders the VGA at the end of the run and writes
//!   an 8-bit RGB PNG of the display area (the frame [`Vga::render`] draws:
//!   text, legacy graphics or Bochs VBE). A screen that is blanked (sequencer
//!   screen off, attribute video disabled) gives a black image of the display
//!   size; a VGA with no display mode programmed (CRTC below 64×64 pixels, as
//!   at power-on) gives a 640×480 black image. Both cases are noted on stderr.
//!   On Unix hosts SIGUSR1 (`kill -USR1 PID`) writes the same file during the
//!   run, at the next slice boundary (from a copy of the VGA, so a window's
//!   incremental rendering is not disturbed).
//! - `--text-dump` prints the final text screen ([`Vga::text_screen`], CP437
//!   mapped to Unicode) on stdout, every row, trailing spaces trimmed. In a
//!   graphics mode it prints nothing and says so on stderr.
//! - `--text-stream` prints text-screen rows that changed on stderr while the
//!   guest runs, as `screen NN| text` (NN = row), at most every
//!   [`STREAM_INTERVAL_NS`] of guest time. When the screen scrolled, only the
//!   rows that came in at the bottom count as changed, so a scrolling console
//!   reads like a log; rows that became blank are not printed. Rows that
//!   scrolled in and out between two looks are lost (the stream is a view,
//!   not a capture of every write). A switch to a graphics or VBE mode
//!   prints `screen --| graphics mode WxH` once.
//! - `--until-text TEXT` ends the run (status 0) as soon as one row of the
//!   text screen contains TEXT. The screen is looked at only at the run
//!   loop's slice boundaries (at most every [`UNTIL_INTERVAL_NS`] of guest
//!   time), so a `--deterministic` run stops at the same instruction every
//!   time. A guest that ends (exit port, halt, power-off) within the slice
//!   that showed TEXT ends as it would without the option.
//!
//! Guest time (the machine's virtual clock), not host time, paces the text
//! checks: with `--deterministic` what the stream prints and where
//! `--until-text` stops are functions of the guest alone.

use crate::cli::RunArgs;
use anyhow::{bail, Context};
use devices::vga::{Framebuffer, Vga};
use emulator::Machine;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Guest time between two looks at the screen for `--text-stream`.
pub const STREAM_INTERVAL_NS: u64 = 20_000_000;
/// Guest time between two looks at the screen for `--until-text`.
pub const UNTIL_INTERVAL_NS: u64 = 1_000_000;
/// Size of the image written when the VGA has no display mode.
const NO_MODE_SIZE: (usize, usize) = (640, 480);
/// A frame smaller than this in either direction is not a display mode
/// (the registers' power-on values give a frame of a few pixels).
const MIN_MODE_DIM: usize = 64;

/// What the screen flags asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// `--screenshot FILE.png`.
    pub screenshot: Option<PathBuf>,
    /// `--text-dump`.
    pub text_dump: bool,
    /// `--text-stream`.
    pub text_stream: bool,
    /// `--until-text TEXT`.
    pub until_text: Option<String>,
}

impl Options {
    /// The screen options of `ox86 run`, validated.
    pub fn from_args(args: &RunArgs) -> anyhow::Result<Self> {
        if args.until_text.as_deref() == Some("") {
            bail!("--until-text: the text must not be empty");
        }
        if let Some(p) = &args.screenshot {
            if p.as_os_str().is_empty() {
                bail!("--screenshot: the file name is empty");
            }
            // Written at the end: catch a missing directory up front.
            if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                if !dir.is_dir() {
                    bail!(
                        "cannot create screenshot {}: no directory {}",
                        p.display(),
                        dir.display()
                    );
                }
            }
        }
        Ok(Options {
            screenshot: args.screenshot.clone(),
            text_dump: args.text_dump,
            text_stream: args.text_stream,
            until_text: args.until_text.clone(),
        })
    }
}

/// Watches the screen while the guest runs (`--text-stream`,
/// `--until-text`, the `--screenshot` signal); [`Watch::check`] is called at
/// slice boundaries.
#[derive(Debug, Default)]
pub struct Watch {
    stream: Option<Stream>,
    until_text: Option<String>,
    next_stream_ns: u64,
    next_until_ns: u64,
    found: bool,
    /// `--screenshot` file and the flag SIGUSR1 raises.
    signal_shot: Option<(PathBuf, Arc<AtomicBool>)>,
}

impl Watch {
    /// A watch for these options (inactive when no screen flag is given).
    /// With `--screenshot` on a Unix host it takes over SIGUSR1.
    pub fn new(opts: &Options) -> Self {
        Watch {
            stream: opts.text_stream.then(Stream::default),
            until_text: opts.until_text.clone(),
            signal_shot: opts
                .screenshot
                .as_ref()
                .and_then(|p| screenshot_signal().map(|f| (p.clone(), f))),
            ..Default::default()
        }
    }

    /// Write the screenshot if SIGUSR1 asked for one.
    fn signalled_shot(&mut self, m: &Machine) {
        let Some((path, flag)) = &self.signal_shot else {
            return;
        };
        if !flag.swap(false, Ordering::Relaxed) {
            return;
        }
        // Render a copy: the real VGA's dirty state belongs to the window.
        let mut vga = m.cpu.io.vga.clone();
        let shot = screenshot(vga.as_mut(), m.now_ns());
        match write_png(path, &shot.frame) {
            Ok(()) => eprintln!(
                "ox86: screenshot {} written (SIGUSR1, {} instructions){}",
                path.display(),
                m.cpu.icount,
                shot.note.map(|n| format!(": {n}")).unwrap_or_default()
            ),
            Err(e) => eprintln!("ox86: {e:#}"),
        }
    }

    /// `--until-text`'s text has been seen on the screen.
    pub fn found(&self) -> bool {
        self.found
    }

    /// Look at the screen if it is time to; returns [`Watch::found`].
    pub fn check(&mut self, m: &Machine) -> bool {
        self.signalled_shot(m);
        if self.stream.is_none() && self.until_text.is_none() {
            return false;
        }
        let now = m.now_ns();
        let stream_due = self.stream.is_some() && now >= self.next_stream_ns;
        let until_due = self.until_text.is_some() && !self.found && now >= self.next_until_ns;
        if !stream_due && !until_due {
            return self.found;
        }
        let rows = m
            .cpu
            .io
            .vga
            .as_ref()
            .map(Vga::text_screen)
            .unwrap_or_default();
        if stream_due {
            self.next_stream_ns = now.saturating_add(STREAM_INTERVAL_NS);
            if let Some(s) = self.stream.as_mut() {
                let lines = s.look(m.cpu.io.vga.as_ref());
                if !lines.is_empty() {
                    let mut err = std::io::stderr().lock();
                    for l in lines {
                        // A closed stderr must not end the run.
                        let _ = writeln!(err, "{l}");
                    }
                }
            }
        }
        if until_due {
            self.next_until_ns = now.saturating_add(UNTIL_INTERVAL_NS);
            if let Some(t) = &self.until_text {
                self.found = rows.iter().any(|r| r.contains(t.as_str()));
            }
        }
        self.found
    }
}

/// A flag SIGUSR1 raises (Unix only; `None` elsewhere or if the handler
/// cannot be installed, which is said on stderr).
fn screenshot_signal() -> Option<Arc<AtomicBool>> {
    #[cfg(unix)]
    {
        let flag = Arc::new(AtomicBool::new(false));
        match signal_hook::flag::register(signal_hook::consts::SIGUSR1, flag.clone()) {
            Ok(_) => Some(flag),
            Err(e) => {
                eprintln!("ox86: warning: SIGUSR1 screenshots unavailable: {e}");
                None
            }
        }
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The text screen as last printed by `--text-stream`.
#[derive(Debug, Default)]
pub struct Stream {
    last: Vec<String>,
    /// The graphics mode last reported, while the screen is in one.
    graphics: Option<(usize, usize)>,
}

impl Stream {
    /// The lines `--text-stream` prints for the screen now: changed rows
    /// as `screen NN| text`, or once `screen --| graphics mode WxH` when
    /// the VGA is in a graphics (or VBE) mode. Back in a text mode every
    /// non-blank row counts as changed.
    pub fn look(&mut self, vga: Option<&Vga>) -> Vec<String> {
        let Some(vga) = vga else {
            return Vec::new();
        };
        let rows = vga.text_screen();
        if rows.is_empty() {
            let size = vga.display_size();
            if self.graphics == Some(size) {
                return Vec::new();
            }
            self.graphics = Some(size);
            self.last.clear();
            return vec![format!("screen --| graphics mode {}x{}", size.0, size.1)];
        }
        self.graphics = None;
        self.update(&rows)
            .into_iter()
            .map(|(n, text)| format!("screen {n:02}| {text}"))
            .collect()
    }

    /// Compare `rows` (one string per screen row) with the screen last seen
    /// and return the rows to print, `(row number, text without trailing
    /// spaces)`. A scroll by k rows (the largest overlap of the old screen
    /// moved up with the new one) makes only the rows that differ from the
    /// moved old screen count; blank rows are never returned.
    pub fn update(&mut self, rows: &[String]) -> Vec<(usize, String)> {
        let new: Vec<&str> = rows.iter().map(|r| r.trim_end()).collect();
        let old: Vec<&str> = self.last.iter().map(|r| r.trim_end()).collect();
        if new == old {
            return Vec::new();
        }
        let shift = scroll_shift(&old, &new);
        let out = new
            .iter()
            .enumerate()
            .filter(|&(i, r)| !r.is_empty() && old.get(i + shift) != Some(r))
            .map(|(i, r)| (i, (*r).to_owned()))
            .collect();
        self.last = rows.to_vec();
        out
    }
}

/// How far the screen scrolled up between `old` and `new`: the shift k
/// under which most non-blank rows of `new` equal `old[i + k]` (0 on a tie
/// or when nothing matches).
fn scroll_shift(old: &[&str], new: &[&str]) -> usize {
    let mut best = (0, 0);
    for k in 0..old.len() {
        let matches = new
            .iter()
            .enumerate()
            .filter(|&(i, r)| !r.is_empty() && old.get(i + k) == Some(r))
            .count();
        if matches > best.1 {
            best = (k, matches);
        }
    }
    best.0
}

/// What the end of a run does with the screen: `--screenshot` and
/// `--text-dump` (in that order). Notes go to stderr unless `quiet`.
pub fn at_exit(m: &mut Machine, opts: &Options, quiet: bool) -> anyhow::Result<()> {
    if let Some(path) = &opts.screenshot {
        let now = m.now_ns();
        let shot = screenshot(m.cpu.io.vga.as_mut(), now);
        write_png(path, &shot.frame)?;
        if let Some(note) = shot.note {
            if !quiet {
                eprintln!("ox86: --screenshot {}: {note}", path.display());
            }
        }
    }
    if opts.text_dump {
        match text_dump(m.cpu.io.vga.as_ref()) {
            Ok(rows) => {
                let mut out = std::io::stdout().lock();
                for r in rows {
                    writeln!(out, "{r}").context("--text-dump: cannot write to stdout")?;
                }
                out.flush().context("--text-dump: cannot write to stdout")?;
            }
            Err(why) => eprintln!("ox86: --text-dump: {why}"),
        }
    }
    Ok(())
}

/// A rendered screen and what is unusual about it.
#[derive(Debug)]
pub struct Shot {
    /// The picture.
    pub frame: Framebuffer,
    /// Why the picture is black, if it is.
    pub note: Option<String>,
}

/// Render the whole screen at guest time `now_ns` (a fresh framebuffer,
/// so every line is drawn whatever the VGA's dirty state).
pub fn screenshot(vga: Option<&mut Vga>, now_ns: u64) -> Shot {
    let black = |note: &str| Shot {
        frame: Framebuffer {
            width: NO_MODE_SIZE.0,
            height: NO_MODE_SIZE.1,
            pixels: vec![0; NO_MODE_SIZE.0 * NO_MODE_SIZE.1],
        },
        note: Some(note.to_owned()),
    };
    let Some(vga) = vga else {
        return black("this machine has no VGA: the image is 640x480 black");
    };
    let (w, h) = vga.display_size();
    if w < MIN_MODE_DIM || h < MIN_MODE_DIM {
        return black("the VGA has no display mode programmed: the image is 640x480 black");
    }
    vga.set_time_ns(now_ns);
    let mut frame = Framebuffer::default();
    vga.render(&mut frame);
    let note = frame.pixels.iter().all(|&p| p & 0x00FF_FFFF == 0).then(|| {
        format!(
            "the screen is black (blanked or nothing drawn): the image is {}x{} black",
            frame.width, frame.height
        )
    });
    Shot { frame, note }
}

/// The text screen's rows with trailing spaces trimmed, or why there is
/// none.
pub fn text_dump(vga: Option<&Vga>) -> Result<Vec<String>, String> {
    let Some(vga) = vga else {
        return Err("this machine has no VGA".into());
    };
    let (w, h) = vga.display_size();
    if w < MIN_MODE_DIM || h < MIN_MODE_DIM {
        return Err("the VGA has no display mode programmed: no text to dump".into());
    }
    let rows = vga.text_screen();
    if rows.is_empty() {
        return Err(format!(
            "the screen is in a graphics mode ({w}x{h}): no text to dump"
        ));
    }
    Ok(rows.iter().map(|r| r.trim_end().to_owned()).collect())
}

/// Encode `fb` (0x00RRGGBB pixels) as an 8-bit RGB PNG.
pub fn encode_png(fb: &Framebuffer, out: impl Write) -> Result<(), png::EncodingError> {
    let (w, h) = (
        u32::try_from(fb.width).unwrap_or(u32::MAX),
        u32::try_from(fb.height).unwrap_or(u32::MAX),
    );
    let mut enc = png::Encoder::new(out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header()?;
    let mut data = Vec::with_capacity(fb.pixels.len() * 3);
    for &p in &fb.pixels {
        data.extend_from_slice(&[(p >> 16) as u8, (p >> 8) as u8, p as u8]);
    }
    writer.write_image_data(&data)?;
    writer.finish()
}

/// Write `fb` as a PNG file.
pub fn write_png(path: &Path, fb: &Framebuffer) -> anyhow::Result<()> {
    let f = std::fs::File::create(path)
        .with_context(|| format!("cannot create screenshot {}", path.display()))?;
    let mut w = std::io::BufWriter::new(f);
    encode_png(fb, &mut w)
        .with_context(|| format!("cannot write screenshot {}", path.display()))?;
    w.flush()
        .with_context(|| format!("cannot write screenshot {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|s| format!("{s:<10}")).collect()
    }

    #[test]
    fn stream_prints_changed_rows_and_only_new_rows_after_a_scroll() {
        let mut s = Stream::default();
        type Step<'a> = (&'a [&'a str], &'a [(usize, &'a str)]);
        let cases: &[Step] = &[
            // First look: every non-blank row.
            (&["boot", "", "", ""], &[(0, "boot")]),
            // Unchanged: nothing.
            (&["boot", "", "", ""], &[]),
            // A row typed further and a new row.
            (&["booting", "a", "", ""], &[(0, "booting"), (1, "a")]),
            // Filled up.
            (&["booting", "a", "b", "c"], &[(2, "b"), (3, "c")]),
            // Scrolled by one: only the new bottom row.
            (&["a", "b", "c", "d"], &[(3, "d")]),
            // Scrolled by two.
            (&["c", "d", "e", "f"], &[(2, "e"), (3, "f")]),
            // Cleared: blank rows are not printed.
            (&["", "", "", ""], &[]),
            // Completely new content.
            (&["x", "y", "", ""], &[(0, "x"), (1, "y")]),
        ];
        for (i, (screen, want)) in cases.iter().enumerate() {
            let got = s.update(&rows(screen));
            let want: Vec<(usize, String)> = want.iter().map(|&(n, t)| (n, t.to_owned())).collect();
            assert_eq!(got, want, "step {i}: {screen:?}");
        }
    }

    #[test]
    fn scroll_shift_prefers_no_shift_on_a_tie() {
        assert_eq!(scroll_shift(&["a", "a"], &["a", "a"]), 0);
        assert_eq!(scroll_shift(&["a", "b", "c"], &["b", "c", "d"]), 1);
        assert_eq!(scroll_shift(&[], &["b"]), 0);
    }

    #[test]
    fn png_round_trips_size_and_pixels() {
        let fb = Framebuffer {
            width: 3,
            height: 2,
            pixels: vec![0xFF0000, 0x00FF00, 0x0000FF, 0x123456, 0xFFFFFF, 0],
        };
        let mut bytes = Vec::new();
        encode_png(&fb, &mut bytes).expect("encode");
        let dec = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut r = dec.read_info().expect("header");
        let mut buf = vec![0; r.output_buffer_size().expect("size")];
        let info = r.next_frame(&mut buf).expect("frame");
        assert_eq!((info.width, info.height), (3, 2));
        assert_eq!(info.color_type, png::ColorType::Rgb);
        assert_eq!(
            &buf[..info.buffer_size()],
            &[255, 0, 0, 0, 255, 0, 0, 0, 255, 0x12, 0x34, 0x56, 255, 255, 255, 0, 0, 0]
        );
    }

    #[test]
    fn unprogrammed_or_missing_vga_gives_a_black_640x480_image_with_a_note() {
        let mut vga = Vga::new();
        for shot in [screenshot(Some(&mut vga), 0), screenshot(None, 0)] {
            assert_eq!((shot.frame.width, shot.frame.height), (640, 480));
            assert_eq!(shot.frame.pixels.len(), 640 * 480);
            assert!(shot.frame.pixels.iter().all(|&p| p == 0));
            assert!(shot.note.is_some());
        }
    }

    /// Program `vga` from an IBM-style table: Misc Output, SR0-4, CR00-18,
    /// GR0-8, AR00-14.
    fn set_mode(vga: &mut Vga, t: &[u8; 60]) {
        vga.io_write(0x3C2, 1, t[0] as u32);
        for (i, &v) in t[1..6].iter().enumerate() {
            vga.io_write(0x3C4, 2, (v as u32) << 8 | i as u32);
        }
        vga.io_write(0x3D4, 2, 0x0011); // unprotect CR0-7
        for (i, &v) in t[6..31].iter().enumerate() {
            vga.io_write(0x3D4, 2, (v as u32) << 8 | i as u32);
        }
        for (i, &v) in t[31..40].iter().enumerate() {
            vga.io_write(0x3CE, 2, (v as u32) << 8 | i as u32);
        }
        vga.io_read(0x3DA, 1);
        for (i, &v) in t[40..].iter().enumerate() {
            vga.io_write(0x3C0, 1, i as u32);
            vga.io_write(0x3C0, 1, v as u32);
        }
        vga.io_write(0x3C0, 1, 0x20);
    }

    const MODE_03H: [u8; 60] = [
        0x67, 0x03, 0x00, 0x03, 0x00, 0x02, 0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00,
        0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3,
        0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF, 0x00, 0x01, 0x02, 0x03, 0x04,
        0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08,
    ];
    const MODE_13H: [u8; 60] = [
        0x63, 0x03, 0x01, 0x0F, 0x00, 0x0E, 0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00,
        0x41, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3,
        0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF, 0x00, 0x01, 0x02, 0x03, 0x04,
        0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x41, 0x00, 0x0F, 0x00,
    ];

    #[test]
    fn text_dump_trims_rows_and_refuses_graphics_modes() {
        let mut vga = Vga::new();
        set_mode(&mut vga, &MODE_03H);
        for (i, &b) in b"Hi \x01 there".iter().enumerate() {
            vga.mem_write(0xB8000 + 2 * i as u64, 2, 0x0700 | b as u64);
        }
        vga.mem_write(0xB8000 + 160 * 24 + 2 * 79, 2, 0x07DB);
        let rows = text_dump(Some(&vga)).expect("text mode");
        assert_eq!(rows.len(), 25);
        assert_eq!(rows[0], "Hi ☺ there");
        // Power-on memory is zero: NUL characters, shown as spaces.
        assert!(rows[1..24].iter().all(String::is_empty), "{rows:?}");
        assert_eq!(rows[24], format!("{}█", " ".repeat(79)));
        set_mode(&mut vga, &MODE_13H);
        let err = text_dump(Some(&vga)).expect_err("graphics mode");
        assert!(err.contains("graphics mode (320x200)"), "{err}");
        let shot = screenshot(Some(&mut vga), 0);
        assert_eq!((shot.frame.width, shot.frame.height), (320, 200));
        assert!(shot.note.is_some(), "all black: a note");
    }

    #[test]
    fn stream_reports_graphics_modes_once_and_the_whole_text_screen_after() {
        let mut vga = Vga::new();
        set_mode(&mut vga, &MODE_03H);
        vga.mem_write(0xB8000, 2, 0x0741);
        let mut s = Stream::default();
        assert_eq!(s.look(Some(&vga)), ["screen 00| A"]);
        assert!(s.look(Some(&vga)).is_empty());
        set_mode(&mut vga, &MODE_13H);
        assert_eq!(s.look(Some(&vga)), ["screen --| graphics mode 320x200"]);
        assert!(s.look(Some(&vga)).is_empty());
        set_mode(&mut vga, &MODE_03H);
        // Mode 13h wrote nothing to plane 0/1 here: the same "A" again.
        assert_eq!(s.look(Some(&vga)), ["screen 00| A"]);
        assert!(s.look(None).is_empty());
    }

    #[test]
    fn text_dump_without_vga_or_mode_says_why() {
        assert!(text_dump(None).is_err());
        assert!(text_dump(Some(&Vga::new())).is_err());
    }
}
