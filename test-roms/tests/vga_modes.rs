//! Golden images of the VGA: the `vga/vga_modes.bin` test ROM programs the
//! VGA registers itself (IBM tables of modes 03h, 13h, 12h and 04h, 80x50
//! text with two fonts, Mode X with a split screen and pixel panning; Bochs
//! DISPI at 32 bpp and at 16 bpp on a virtual screen with offsets, through
//! the PCI BAR0 framebuffer) and draws one scene in each (see
//! vga_modes.asm). At each scene's POST code (0x11-0x18) this test
//! renders the VGA (`devices::vga::Vga::render` into a fresh framebuffer at
//! a fixed guest time) and compares the picture pixel for pixel with
//! `test-roms/golden/<scene>.png`, then lets the ROM go on. The text scene is
//! rendered twice: at time 0 (cursor shown, blinking cells shown) and in the
//! fourth cursor period (cursor hidden, blinking cells hidden).
//!
//! Both execution tiers run the ROM and must give the same pictures.
//! `OX86_BLESS=1` rewrites the golden images from the block tier's run. On
//! a mismatch the test writes the picture it got to Cargo's temporary
//! directory for integration tests and names it, with the first pixel that
//! differs.

use devices::vga::Framebuffer;
use emulator::engine::Tier;
use emulator::{Machine, MachineConfig, RunOutcome};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const ROM: &[u8] = include_bytes!("../vga/vga_modes.bin");
/// The byte the ROM polls for the number of the last scene captured.
const ACK: u32 = 0x500;
/// Instructions the whole run may take (it needs about 9.6 M).
const LIMIT: u64 = 40_000_000;
/// The renderer's cursor phase flips every 16 frames of 14.268 ms, the
/// blink attribute every 32 (devices/src/vga/render): at the start of the
/// fourth cursor period (index 3) both the cursor and the blinking cells
/// are hidden.
const BLINK_OFF_NS: u64 = 3 * 16 * 14_268_000;

/// One captured picture.
struct Shot {
    name: &'static str,
    frame: Framebuffer,
}

/// Scenes in order: (POST code, golden names with the guest time of the
/// render).
const SCENES: &[(u8, &[(&str, u64)])] = &[
    (0x11, &[("text", 0), ("text_blink_off", BLINK_OFF_NS)]),
    (0x12, &[("mode13", 0)]),
    (0x13, &[("mode12", 0)]),
    (0x14, &[("vbe32", 0)]),
    (0x15, &[("modex", 0)]),
    (0x16, &[("text80x50", 0)]),
    (0x17, &[("mode04", 0)]),
    (0x18, &[("vbe16", 0)]),
];

fn render_at(m: &mut Machine, ns: u64) -> Framebuffer {
    let vga = m.cpu.io.vga.as_mut().expect("the PC has a VGA");
    vga.set_time_ns(ns);
    let mut fb = Framebuffer::default();
    vga.render(&mut fb);
    fb
}

/// Run the ROM on `tier`, capturing every scene; also checks the text
/// scene's characters and cursor through the VGA's text view.
fn run(tier: Tier) -> (Vec<Shot>, u64) {
    let mut m = Machine::new(&MachineConfig {
        bios: Some(Arc::from(ROM)),
        exit_port: Some(0xF4),
        tier,
        ..Default::default()
    })
    .expect("machine");
    let mut shots: Vec<Shot> = Vec::new();
    let mut console = Vec::new();
    let mut scene = 0;
    loop {
        let outcome = m.run_slice(1 << 16);
        console.extend(m.cpu.io.debug.take_console());
        for post in m.cpu.io.debug.take_post_codes() {
            let Some((code, names)) = SCENES.get(scene) else {
                continue;
            };
            if post != *code {
                continue;
            }
            for &(name, ns) in names.iter() {
                shots.push(Shot {
                    name,
                    frame: render_at(&mut m, ns),
                });
            }
            let last = shots.last().map(|s| &s.frame);
            match *code {
                0x11 => check_text_view(&m),
                0x14 => check_vbe_corners(last),
                0x15 => check_modex_geometry(&m, last),
                0x16 => check_text80x50_view(&m),
                0x17 => check_cga_geometry(&m, last),
                0x18 => check_vbe16_window(last),
                _ => {}
            }
            scene += 1;
            m.cpu.mem.write_u8(ACK, scene as u8);
        }
        let console = String::from_utf8_lossy(&console);
        match outcome {
            RunOutcome::Budget => {}
            RunOutcome::Exit(33) => {
                assert!(!console.contains("FAIL"), "{tier:?}:\n{console}");
                break;
            }
            other => panic!("{tier:?}: the ROM ended with {other:?}; console:\n{console}"),
        }
        assert!(
            m.cpu.icount < LIMIT,
            "{tier:?}: no end after {LIMIT} instructions (scene {scene}); console:\n{console}"
        );
    }
    assert_eq!(scene, SCENES.len(), "{tier:?}: scenes seen");
    (shots, m.cpu.icount)
}

/// The text scene as `Vga::text_screen` and `text_cursor` see it.
fn check_text_view(m: &Machine) {
    let vga = m.cpu.io.vga.as_ref().expect("VGA");
    let rows = vga.text_screen();
    assert_eq!(rows.len(), 25);
    assert!(rows.iter().all(|r| r.chars().count() == 80));
    assert!(
        rows[0].starts_with(" ox86 VGA golden test"),
        "{:?}",
        rows[0]
    );
    assert!(rows[2].contains("0█ 1█ 2█"), "{:?}", rows[2]);
    assert!(
        rows[9].contains("│ line graphics: 9th column │"),
        "{:?}",
        rows[9]
    );
    assert!(rows[12].contains(" ☺☻♥♦"), "{:?}", rows[12]);
    assert!(rows[18].starts_with("C:\\> "), "{:?}", rows[18]);
    assert_eq!(vga.text_cursor(), Some((18, 5)));
    assert_eq!(vga.display_size(), (720, 400));
}

/// The VBE gradient's corners, whatever the golden image says: R = x*4/5,
/// G = y*5/4, B = 255 - R.
fn check_vbe_corners(fb: Option<&Framebuffer>) {
    let fb = fb.expect("vbe32 picture");
    assert_eq!((fb.width, fb.height), (320, 200));
    for (x, y, want) in [
        (0, 0, 0x0000FF),
        (319, 0, 0xFF0000),
        (0, 199, 0x00F8FF),
        (319, 199, 0xFFF800),
    ] {
        assert_eq!(
            fb.pixel(x, y),
            want,
            "vbe32 pixel ({x}, {y}): did the ROM's writes at the PCI BAR0 address reach the LFB?"
        );
    }
}

/// Mode X: which memory pixel shows where, whatever the golden image says.
/// Rows 0-159 show page 1 (start address 19200) panned left by one pixel,
/// rows 160-239 show page 0 from its first row (the split screen), unpanned;
/// the colours are DAC entries (the ROM's formulas, see vga_modes.asm).
fn check_modex_geometry(m: &Machine, fb: Option<&Framebuffer>) {
    let fb = fb.expect("modex picture");
    assert_eq!((fb.width, fb.height), (320, 240));
    let vga = m.cpu.io.vga.as_ref().expect("VGA");
    let page1 = |x: usize, y: usize| (x & 0x0F | y & 0xF0) as u8;
    let page0 = |x: usize, y: usize| (((x >> 4) & 0x0F) << 4 | (y >> 3) & 0x0F) as u8;
    for (x, y) in [(0, 0), (1, 0), (7, 33), (200, 100), (318, 159)] {
        assert_eq!(
            fb.pixel(x, y),
            vga.dac.rgb(page1(x + 1, y)),
            "modex ({x}, {y}): page 1 pixel ({}, {y})",
            x + 1
        );
    }
    for (x, y) in [(0, 160), (17, 161), (150, 200), (319, 239)] {
        assert_eq!(
            fb.pixel(x, y),
            vga.dac.rgb(page0(x, y - 160)),
            "modex ({x}, {y}): page 0 pixel ({x}, {})",
            y - 160
        );
    }
}

/// The 80x50 scene as the text view sees it.
fn check_text80x50_view(m: &Machine) {
    let vga = m.cpu.io.vga.as_ref().expect("VGA");
    let rows = vga.text_screen();
    assert_eq!(rows.len(), 50);
    assert!(
        rows[0].starts_with(" 80x50 text: 8x8 font"),
        "{:?}",
        rows[0]
    );
    assert!(
        rows[17].starts_with("  F background, attribute bit 3 clear"),
        "{:?}",
        rows[17]
    );
    assert_eq!(vga.text_cursor(), Some((49, 79)));
    assert_eq!(vga.display_size(), (640, 400));
}

/// Mode 04h: the CGA interleave puts each pixel where the ROM's formula
/// says (colours through the attribute palette and the DAC).
fn check_cga_geometry(m: &Machine, fb: Option<&Framebuffer>) {
    let fb = fb.expect("mode04 picture");
    assert_eq!((fb.width, fb.height), (320, 200));
    let vga = m.cpu.io.vga.as_ref().expect("VGA");
    let rgb = |c: usize| vga.dac.rgb(vga.attr.dac_index(c as u8));
    let colours: Vec<u32> = (0..4).map(rgb).collect();
    for (i, a) in colours.iter().enumerate() {
        assert!(
            !colours[i + 1..].contains(a),
            "distinct colours {colours:06x?}"
        );
    }
    for y in (0..200).step_by(7) {
        for x in (0..320).step_by(3) {
            let c = if y < 100 { x / 80 } else { ((x + y) >> 3) & 3 };
            assert_eq!(fb.pixel(x, y), rgb(c), "mode04 ({x}, {y}): colour {c}");
        }
    }
}

/// VBE 16 bpp: the visible window starts at (100, 20) of the 640-pixel-wide
/// virtual screen, and 5:6:5 all-on channels show as 0xFF.
fn check_vbe16_window(fb: Option<&Framebuffer>) {
    let fb = fb.expect("vbe16 picture");
    assert_eq!((fb.width, fb.height), (320, 200));
    const RGB: [u32; 8] = [
        0x000000, 0x0000FF, 0x00FF00, 0x00FFFF, 0xFF0000, 0xFF00FF, 0xFFFF00, 0xFFFFFF,
    ];
    for y in (0..200).step_by(5) {
        for x in (0..320).step_by(3) {
            let (vx, vy) = (x + 100, y + 20);
            let c = ((vx >> 4) + 3 * (vy >> 4)) & 7;
            assert_eq!(
                fb.pixel(x, y),
                RGB[c],
                "vbe16 ({x}, {y}): virtual ({vx}, {vy})"
            );
        }
    }
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("golden")
}

fn encode(fb: &Framebuffer) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, fb.width as u32, fb.height as u32);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().expect("PNG header");
    let data: Vec<u8> = fb
        .pixels
        .iter()
        .flat_map(|&p| [(p >> 16) as u8, (p >> 8) as u8, p as u8])
        .collect();
    w.write_image_data(&data).expect("PNG data");
    w.finish().expect("PNG end");
    out
}

/// A golden PNG as 0x00RRGGBB pixels.
fn decode(path: &Path) -> Framebuffer {
    let file = std::fs::File::open(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (OX86_BLESS=1 creates the golden images)",
            path.display()
        )
    });
    let mut r = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .expect("PNG header");
    let mut buf = vec![0; r.output_buffer_size().expect("PNG size")];
    let info = r.next_frame(&mut buf).expect("PNG data");
    assert_eq!(
        (info.color_type, info.bit_depth),
        (png::ColorType::Rgb, png::BitDepth::Eight),
        "{}: golden images are 8-bit RGB",
        path.display()
    );
    let pixels = buf[..info.buffer_size()]
        .chunks_exact(3)
        .map(|c| (c[0] as u32) << 16 | (c[1] as u32) << 8 | c[2] as u32)
        .collect();
    Framebuffer {
        width: info.width as usize,
        height: info.height as usize,
        pixels,
    }
}

/// Compare with the golden image; a description of the difference, after
/// writing the actual picture next to the build's temporary files.
fn compare(shot: &Shot, tier: Tier) -> Result<(), String> {
    let golden = decode(&golden_dir().join(format!("{}.png", shot.name)));
    let got = &shot.frame;
    let first_diff = if (golden.width, golden.height) != (got.width, got.height) {
        Some(format!(
            "size {}x{}, golden {}x{}",
            got.width, got.height, golden.width, golden.height
        ))
    } else {
        golden
            .pixels
            .iter()
            .zip(&got.pixels)
            .position(|(a, b)| a != b)
            .map(|i| {
                format!(
                    "first difference at ({}, {}): {:06x}, golden {:06x}",
                    i % got.width,
                    i / got.width,
                    got.pixels[i],
                    golden.pixels[i]
                )
            })
    };
    let Some(diff) = first_diff else {
        return Ok(());
    };
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{}-{tier:?}.png", shot.name));
    std::fs::write(&out, encode(got)).expect("write the actual picture");
    Err(format!(
        "{} ({tier:?}): {diff}; the picture is in {}",
        shot.name,
        out.display()
    ))
}

#[test]
fn vga_scenes_match_the_golden_images_on_both_tiers() {
    let bless = std::env::var_os("OX86_BLESS").is_some_and(|v| v == "1");
    let (blocks, n_blocks) = run(Tier::Blocks);
    if bless {
        std::fs::create_dir_all(golden_dir()).expect("golden dir");
        for s in &blocks {
            let path = golden_dir().join(format!("{}.png", s.name));
            std::fs::write(&path, encode(&s.frame)).expect("write golden");
            eprintln!("blessed {}", path.display());
        }
    }
    let (interp, n_interp) = run(Tier::Interpreter);
    assert_eq!(n_blocks, n_interp, "instruction counts of the two tiers");
    eprintln!("vga_modes.bin: {n_blocks} instructions");
    let errors: Vec<String> = [(Tier::Blocks, &blocks), (Tier::Interpreter, &interp)]
        .into_iter()
        .flat_map(|(tier, shots)| shots.iter().filter_map(move |s| compare(s, tier).err()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn golden_images_have_the_sizes_of_their_modes() {
    for (name, size) in [
        ("text", (720, 400)),
        ("text_blink_off", (720, 400)),
        ("mode13", (320, 200)),
        ("mode12", (640, 480)),
        ("vbe32", (320, 200)),
        ("modex", (320, 240)),
        ("text80x50", (640, 400)),
        ("mode04", (320, 200)),
        ("vbe16", (320, 200)),
    ] {
        let g = decode(&golden_dir().join(format!("{name}.png")));
        assert_eq!((g.width, g.height), size, "{name}");
    }
}
