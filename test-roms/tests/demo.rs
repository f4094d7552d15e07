//! The built-in demo (`test-roms/demo/demo.asm`, what `cargo run --release`
//! boots): what it shows on the VGA at each of its parts, what it reports on
//! the debug console, that a key press skips ahead, and that it ends by
//! itself with the CPU halted. Runs the machine directly with the
//! deterministic clock and renders the VGA when the demo emits the POST code
//! that marks a finished screen.
//!
//! With `OX86_DEMO_SHOTS=DIR` set, the rendered screens are also written to
//! DIR as binary PPM files (for looking at them; nothing compares them).

use devices::vga::Framebuffer;
use emulator::engine::Tier;
use emulator::{CpuModel, Machine, MachineConfig, RunOutcome};
use std::collections::HashSet;
use std::sync::Arc;

const DEMO: &[u8] = include_bytes!("../demo/demo.bin");

/// POST codes the demo emits, in order (see the header of demo.asm).
const POSTS: [u8; 9] = [0x01, 0x10, 0x20, 0x30, 0x40, 0x41, 0x50, 0x60, 0xFF];
/// Title screen shown, Mandelbrot drawn, plasma drawn, summary shown.
const SCREENS: [u8; 4] = [0x30, 0x41, 0x50, 0x60];
/// Instructions per slice between two looks at the POST codes.
const SLICE: u64 = 1024;
/// The demo must end within this many instructions.
const LIMIT: u64 = 60_000_000;

struct Screen {
    post: u8,
    text: Vec<String>,
    fb: Framebuffer,
}

struct DemoRun {
    outcome: RunOutcome,
    console: String,
    posts: Vec<u8>,
    screens: Vec<Screen>,
    icount: u64,
    guest_ns: u64,
}

/// Run the demo; `key_at`: press and release a key (set 2 `A`) right after
/// this POST code.
fn run_demo(model: CpuModel, tier: Tier, key_at: Option<u8>) -> DemoRun {
    let cfg = MachineConfig {
        model,
        tier,
        bios: Some(Arc::from(DEMO)),
        ..Default::default()
    };
    let mut m = Machine::new(&cfg).expect("machine");
    let mut console = Vec::new();
    let mut posts = Vec::new();
    let mut screens = Vec::new();
    let outcome = loop {
        let o = m.run_slice(SLICE);
        console.extend(m.cpu.io.debug.take_console());
        for p in m.cpu.io.debug.take_post_codes() {
            posts.push(p);
            if SCREENS.contains(&p) {
                let mut fb = Framebuffer::default();
                m.cpu.io.render_screen(&mut fb);
                let text = m.cpu.io.vga.as_ref().expect("vga").text_screen();
                screens.push(Screen { post: p, text, fb });
            }
            if key_at == Some(p) {
                let kbc = m.cpu.io.kbc.as_mut().expect("8042");
                kbc.key_event(&[0x1C]);
                kbc.key_event(&[0xF0, 0x1C]);
            }
        }
        if o != RunOutcome::Budget {
            break o;
        }
        assert!(
            m.cpu.icount < LIMIT,
            "no end after {LIMIT} instructions; console:\n{}",
            String::from_utf8_lossy(&console)
        );
    };
    if let Ok(dir) = std::env::var("OX86_DEMO_SHOTS") {
        for s in &screens {
            let path = format!("{dir}/demo-{model:?}-{:02x}.ppm", s.post);
            write_ppm(&path, &s.fb);
        }
    }
    DemoRun {
        outcome,
        console: String::from_utf8_lossy(&console).into_owned(),
        posts,
        screens,
        icount: m.cpu.icount,
        guest_ns: m.now_ns(),
    }
}

fn write_ppm(path: &str, fb: &Framebuffer) {
    let mut out = format!("P6\n{} {}\n255\n", fb.width, fb.height).into_bytes();
    for &p in &fb.pixels {
        out.extend_from_slice(&[(p >> 16) as u8, (p >> 8) as u8, p as u8]);
    }
    std::fs::write(path, out).expect("write PPM");
}

fn distinct_colours(fb: &Framebuffer) -> usize {
    fb.pixels.iter().collect::<HashSet<_>>().len()
}

fn screen(r: &DemoRun, post: u8) -> &Screen {
    r.screens
        .iter()
        .find(|s| s.post == post)
        .unwrap_or_else(|| panic!("no screen at POST {post:#04x}: {:02x?}", r.posts))
}

fn has_line(text: &[String], needle: &str) -> bool {
    text.iter().any(|l| l.contains(needle))
}

#[test]
fn demo_screens_show_title_mandelbrot_plasma_and_summary() {
    let r = run_demo(CpuModel::Pentium, Tier::Blocks, None);
    assert_eq!(
        r.outcome,
        RunOutcome::Halted {
            interrupts_enabled: false
        },
        "{}",
        r.console
    );
    assert_eq!(r.posts, POSTS);

    // Title: mode 3, 720x400, the frame, banner colours and machine facts.
    let t = screen(&r, 0x30);
    assert_eq!((t.fb.width, t.fb.height), (720, 400));
    assert_eq!(t.text.len(), 25, "{:?}", t.text);
    let title = t.text.join("\n");
    assert!(
        t.text[0].starts_with('┌') && t.text[0].ends_with('┐'),
        "{title}"
    );
    assert!(t.text[0].contains(" ox86 built-in demo "), "{title}");
    assert!(t.text[24].starts_with('└'), "{title}");
    assert!(has_line(&t.text, "█"), "no banner in\n{title}");
    assert!(
        has_line(&t.text, "CPU: CPUID vendor GenuineIntel"),
        "{title}"
    );
    assert!(
        has_line(&t.text, "RAM: 640 KiB conventional, 32 MiB in all"),
        "{title}"
    );
    assert!(
        has_line(&t.text, "Video: VGA + Bochs VBE (DISPI ID 0xB0C5, 16 MiB)"),
        "{title}"
    );
    assert!(has_line(&t.text, "Any key skips"), "{title}");
    // Blue background, grey/white text, the banner's yellow, red, green, cyan.
    let colours = t.fb.pixels.iter().collect::<HashSet<_>>();
    for c in [0x0000AA, 0xFFFF55, 0xFF5555, 0x55FF55, 0x55FFFF, 0xFFFFFF] {
        assert!(colours.contains(&c), "no {c:06x} on the title screen");
    }

    // Mandelbrot: mode 13h, a picture symmetric about the real axis with the
    // set (colour 0, black) in the middle and many escape-time colours.
    let m = screen(&r, 0x41);
    assert_eq!((m.fb.width, m.fb.height), (320, 200));
    let n = distinct_colours(&m.fb);
    assert!(n > 40, "only {n} colours in the Mandelbrot picture");
    let black = m.fb.pixels.iter().filter(|&&p| p == 0).count();
    assert!(
        (4000..20000).contains(&black),
        "{black} black (inside) pixels"
    );
    // c = -0.2 + 0i: x = (-0.2 * 4096 + 2662 + 160 * 38) / 38.
    assert_eq!(m.fb.pixel(211, 100), 0, "c = -0.2 is in the set");
    assert_ne!(m.fb.pixel(0, 0), 0, "c = -2.1 + 1.1i is not");
    for y in 0..100 {
        for x in 0..320 {
            assert_eq!(m.fb.pixel(x, y), m.fb.pixel(x, 199 - y), "({x}, {y})");
        }
    }

    // Plasma: 320x200 at 32 bpp, far more colours than 256.
    let p = screen(&r, 0x50);
    assert_eq!((p.fb.width, p.fb.height), (320, 200));
    let n = distinct_colours(&p.fb);
    assert!(n > 2000, "only {n} colours in the plasma");
    assert!(p.text.is_empty(), "VBE mode shows no text");

    // Summary: back in text mode with the results.
    let s = screen(&r, 0x60);
    assert_eq!((s.fb.width, s.fb.height), (720, 400));
    let summary = s.text.join("\n");
    assert!(s.text[0].contains("summary"), "{summary}");
    assert!(
        has_line(&s.text, "Mandelbrot set: 64000 pixels, "),
        "{summary}"
    );
    assert!(has_line(&s.text, "Palette cycling: "), "{summary}");
    assert!(
        has_line(&s.text, "Plasma: 640x400 true-colour pixels drawn"),
        "{summary}"
    );
    assert!(has_line(&s.text, "; keys pressed: 0"), "{summary}");

    // The debug console tells the same story.
    for line in [
        "ox86 built-in demo",
        "CPU: CPUID vendor GenuineIntel, family",
        "RAM: 640 KiB conventional, 32 MiB in all (CMOS)",
        "[1/4] VGA mode 3",
        "[2/4] VGA mode 13h",
        "Mandelbrot set: 64000 pixels, ",
        "[3/4] Bochs VBE 320x200 at 32 bpp",
        "Plasma: 640x400 true-colour pixels drawn through 64 KiB banks in ",
        "[4/4] VGA mode 3: summary",
        "Palette cycling: ",
        "Done: halting the CPU",
    ] {
        assert!(r.console.contains(line), "{line:?} not in\n{}", r.console);
    }
    // The ASCII picture read back from video memory.
    let picture = r
        .console
        .lines()
        .filter(|l| l.len() == 78 && l.contains("@@@"))
        .count();
    assert!(picture > 8, "no ASCII picture in\n{}", r.console);

    // Deterministic time: the waits (2.5 + 2.5 + 2 s at 60 Hz) are halts.
    let secs = r.guest_ns as f64 / 1e9;
    assert!((6.5..7.5).contains(&secs), "{secs} s of guest time");
    assert!(r.icount < 40_000_000, "{} instructions", r.icount);
    eprintln!("demo: {} instructions, {secs:.2} s of guest time", r.icount);
}

#[test]
fn a_key_press_skips_ahead() {
    let plain = run_demo(CpuModel::Pentium, Tier::Blocks, None);
    let keyed = run_demo(CpuModel::Pentium, Tier::Blocks, Some(0x30));
    assert_eq!(keyed.posts, POSTS);
    assert!(
        keyed.console.contains("; keys pressed: 1"),
        "{}",
        keyed.console
    );
    // The title screen's 2 s (120 ticks) were cut short.
    let secs = |r: &DemoRun| r.guest_ns as f64 / 1e9;
    assert!(
        secs(&keyed) < secs(&plain) - 1.5,
        "{} s with the key, {} s without",
        secs(&keyed),
        secs(&plain)
    );
}

#[test]
fn demo_draws_the_same_picture_on_the_286_and_pentium_and_both_tiers() {
    let mut pictures = Vec::new();
    for (model, cpu_line) in [
        (CpuModel::I80286, "CPU: 80286"),
        (CpuModel::Pentium, "CPU: CPUID vendor"),
    ] {
        for tier in [Tier::Blocks, Tier::Interpreter] {
            let r = run_demo(model, tier, None);
            assert_eq!(
                r.outcome,
                RunOutcome::Halted {
                    interrupts_enabled: false
                },
                "{model:?} {tier:?}"
            );
            assert_eq!(r.posts, POSTS, "{model:?} {tier:?}");
            assert!(
                r.console.contains(cpu_line),
                "{model:?}: {cpu_line:?} not in\n{}",
                r.console
            );
            let m = screen(&r, 0x41);
            let t = screen(&r, 0x30);
            assert!(has_line(&t.text, cpu_line), "{model:?} {tier:?}");
            pictures.push((model, tier, m.fb.clone(), r.icount));
        }
    }
    for (model, tier, fb, _) in &pictures[1..] {
        assert!(
            *fb == pictures[0].2,
            "{model:?} {tier:?} drew another picture"
        );
    }
    // The tiers agree on the instruction count for each model.
    for pair in pictures.chunks(2) {
        assert_eq!(pair[0].3, pair[1].3, "{:?}", pair[0].0);
    }
}

/// The 8086 model reaches memory through its own byte-wise path
/// (`Cpu::read_mem_8086`/`write_mem_8086` in emulator/src/cpu/access.rs),
/// which goes straight to RAM/ROM and skips MMIO pages: the VGA never sees
/// the demo's writes, so the screens stay black. The demo itself runs to its
/// end on the 8086 (checked below); the screens are checked once that path
/// routes MMIO.
#[test]
fn demo_runs_to_its_end_on_the_8086() {
    let r = run_demo(CpuModel::I8086, Tier::Blocks, None);
    assert_eq!(
        r.outcome,
        RunOutcome::Halted {
            interrupts_enabled: false
        }
    );
    assert_eq!(r.posts, POSTS);
    assert!(r.console.contains("CPU: 8086/8088"), "{}", r.console);
}

#[test]
fn demo_draws_the_same_picture_on_the_8086() {
    let pentium = run_demo(CpuModel::Pentium, Tier::Blocks, None);
    let r = run_demo(CpuModel::I8086, Tier::Blocks, None);
    assert!(has_line(&screen(&r, 0x30).text, "CPU: 8086/8088"));
    assert!(screen(&r, 0x41).fb == screen(&pentium, 0x41).fb);
}
