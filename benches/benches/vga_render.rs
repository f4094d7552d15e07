//! Cost of turning the VGA's state into a frame (`devices::vga::Vga::render`),
//! per frame: a full redraw (every line dirty, as after a palette change or
//! a screen fill) and an unchanged frame (what a window pays 60 times a
//! second while the guest's screen is static), for the text mode, mode 13h,
//! planar mode 12h and a Bochs VBE 1024×768×32 mode.
//!
//! The modes are programmed from the built-in BIOS's register tables
//! (`bios::firmware::int10::modes`), as its INT 10h does.

use bios::firmware::int10::modes::{default_dac, find, VgaMode};
use criterion::{criterion_group, criterion_main, Criterion};
use devices::vga::{Framebuffer, Vga};

fn out8(v: &mut Vga, port: u16, x: u8) {
    v.io_write(port, 1, u32::from(x));
}

/// Program `m`'s registers and default DAC, as a mode set does.
fn program(v: &mut Vga, m: &VgaMode) {
    out8(v, 0x3C2, m.misc);
    out8(v, 0x3C4, 0);
    out8(v, 0x3C5, 1);
    for (i, &x) in m.seq.iter().enumerate() {
        out8(v, 0x3C4, i as u8 + 1);
        out8(v, 0x3C5, x);
    }
    out8(v, 0x3C4, 0);
    out8(v, 0x3C5, 3);
    let crtc = if m.misc & 1 != 0 { 0x3D4 } else { 0x3B4 };
    out8(v, crtc, 0x11);
    out8(v, crtc + 1, 0);
    for (i, &x) in m.crtc.iter().enumerate() {
        out8(v, crtc, i as u8);
        out8(v, crtc + 1, x);
    }
    for (i, &x) in m.gc.iter().enumerate() {
        out8(v, 0x3CE, i as u8);
        out8(v, 0x3CF, x);
    }
    v.io_read(crtc + 6, 1);
    for (i, &x) in m.attr.iter().enumerate() {
        out8(v, 0x3C0, i as u8);
        out8(v, 0x3C0, x);
    }
    out8(v, 0x3C0, 0x20);
    out8(v, 0x3C8, 0);
    for rgb in default_dac(m.palette) {
        for c in rgb {
            out8(v, 0x3C9, c);
        }
    }
}

/// A VGA in BIOS mode `n` with `bytes` pseudo-random bytes written from
/// `base` (characters and attributes in text modes, pixels otherwise).
fn bios_mode(n: u8) -> Vga {
    let m = find(n).expect("standard mode");
    let mut v = Vga::new();
    program(&mut v, m);
    let mut x = 0x1234_5678u32;
    for off in 0..u64::from(m.window) {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        v.mem_write(u64::from(m.base) + off, 1, u64::from(x >> 24));
    }
    v
}

fn vbe_1024x768x32() -> Vga {
    let mut v = Vga::new();
    for (i, d) in [(1u32, 1024u32), (2, 768), (3, 32), (4, 0x41)] {
        v.io_write(0x1CE, 2, i);
        v.io_write(0x1CF, 2, d);
    }
    let lfb = v.lfb_base;
    for p in 0..1024 * 768u64 {
        v.mem_write(lfb + p * 4, 4, p.wrapping_mul(0x9E37_79B9) & 0xFF_FFFF);
    }
    v
}

fn render(c: &mut Criterion) {
    let cases = [
        ("text_80x25", bios_mode(0x03)),
        ("mode13h_320x200", bios_mode(0x13)),
        ("planar12h_640x480", bios_mode(0x12)),
        ("vbe_1024x768x32", vbe_1024x768x32()),
    ];
    let mut g = c.benchmark_group("vga_render");
    for (name, vga) in cases {
        let mut v = vga.clone();
        let mut fb = Framebuffer::default();
        let mut i = 0u8;
        g.bench_function(format!("{name}/full_frame"), |b| {
            b.iter(|| {
                // A DAC write makes the whole frame dirty.
                i = i.wrapping_add(1);
                v.io_write(0x3C8, 1, 0xFF);
                for _ in 0..3 {
                    v.io_write(0x3C9, 1, u32::from(i & 0x3F));
                }
                assert!(v.render(&mut fb));
            })
        });
        let mut v = vga;
        let mut fb = Framebuffer::default();
        v.render(&mut fb);
        g.bench_function(format!("{name}/unchanged_frame"), |b| {
            b.iter(|| v.render(&mut fb))
        });
    }
    g.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
