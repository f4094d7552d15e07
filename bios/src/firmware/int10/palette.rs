//! Palette services (INT 10h AH=0Bh CGA palette, AH=10h attribute palette
//! and DAC, IBM VGA Technical Reference "BIOS: Set Palette Registers"):
//! AL=00h/01h/02h/03h set palette register, overscan, all, blink/intensity;
//! 07h/08h/09h read them; 10h/12h set DAC entries (with grey summing when
//! BDA 489h bit 1 is set); 13h colour page mode and page; 15h/17h read DAC
//! entries; 18h/19h PEL mask; 1Ah read colour page state; 1Bh sum to grey.

use super::super::bda::{self, at};
use super::super::{Bus, Firmware, Regs};
use super::{hw, FLAGS_GREY};

/// Attribute controller registers.
const ATTR_MODE: u8 = 0x10;
const ATTR_OVERSCAN: u8 = 0x11;
const ATTR_COLOR_SELECT: u8 = 0x14;

/// Luminance (30 % red, 59 % green, 11 % blue) as a grey entry.
pub fn grey(c: [u8; 3]) -> [u8; 3] {
    let y = ((u32::from(c[0]) * 77 + u32::from(c[1]) * 151 + u32::from(c[2]) * 28 + 0x80) >> 8)
        .min(63) as u8;
    [y, y, y]
}

/// Write DAC entries from `start`, summed to grey when the BDA says so.
pub fn write_dac(bus: &mut dyn Bus, start: u8, rgb: &[[u8; 3]]) {
    if bus.read_u8(at(bda::VGA_FLAGS)) & FLAGS_GREY != 0 {
        let g: Vec<[u8; 3]> = rgb.iter().map(|&c| grey(c)).collect();
        hw::dac_write(bus, start, &g);
    } else {
        hw::dac_write(bus, start, rgb);
    }
}

/// AH=0Bh: BH=00h background/border colour BL, BH=01h CGA palette BL.
pub fn cga_palette(fw: &Firmware, bus: &mut dyn Bus, bh: u8, bl: u8) {
    let s = super::text::screen(fw, bus);
    let mut pal = bus.read_u8(at(bda::PALETTE));
    match bh {
        0 => {
            pal = (pal & 0xE0) | (bl & 0x1F);
            // Border (overscan) in every mode; in graphics modes also
            // colour 0 (the background).
            let c = (bl & 7) | (bl & 0x10) >> 1;
            hw::attr_write(bus, ATTR_OVERSCAN, c);
            if !s.text() {
                hw::attr_write(bus, 0, c);
            }
        }
        1 => pal = (pal & !0x20) | (bl & 1) << 5,
        _ => return,
    }
    bus.write_u8(at(bda::PALETTE), pal);
    if s.kind == Some(super::modes::Kind::Cga4) {
        // Palette 0: green/red/brown, 1: cyan/magenta/white; bit 4 of
        // the palette byte: intensity.
        let bright = if pal & 0x10 != 0 { 0x10 } else { 0 };
        let base: [u8; 3] = if pal & 0x20 != 0 {
            [3, 5, 7]
        } else {
            [2, 4, 6]
        };
        for (i, &c) in base.iter().enumerate() {
            hw::attr_write(bus, i as u8 + 1, c | bright);
        }
    }
}

/// AH=10h.
pub fn int10_10(_fw: &mut Firmware, r: &mut Regs, bus: &mut dyn Bus) {
    let es_dx = Regs::linear(r.es, r.dx());
    match r.al() {
        0x00 if r.bl() <= 0x14 => hw::attr_write(bus, r.bl(), r.bh()),
        0x01 => hw::attr_write(bus, ATTR_OVERSCAN, r.bh()),
        0x02 => {
            let mut t = [0u8; 17];
            bus.read(es_dx, &mut t);
            for (i, &v) in t.iter().take(16).enumerate() {
                hw::attr_write(bus, i as u8, v);
            }
            hw::attr_write(bus, ATTR_OVERSCAN, t[16]);
        }
        0x03 => {
            let m = hw::attr_read(bus, ATTR_MODE);
            let m = if r.bl() == 0 { m & !0x08 } else { m | 0x08 };
            hw::attr_write(bus, ATTR_MODE, m);
            let ctl = bus.read_u8(at(bda::MODE_CONTROL));
            let ctl = if r.bl() == 0 { ctl & !0x20 } else { ctl | 0x20 };
            bus.write_u8(at(bda::MODE_CONTROL), ctl);
        }
        0x07 if r.bl() <= 0x14 => {
            let v = hw::attr_read(bus, r.bl());
            r.set_bh(v);
        }
        0x08 => {
            let v = hw::attr_read(bus, ATTR_OVERSCAN);
            r.set_bh(v);
        }
        0x09 => {
            let mut t = [0u8; 17];
            for (i, v) in t.iter_mut().take(16).enumerate() {
                *v = hw::attr_read(bus, i as u8);
            }
            t[16] = hw::attr_read(bus, ATTR_OVERSCAN);
            bus.write(es_dx, &t);
        }
        0x10 => write_dac(bus, r.bl(), &[[r.dh(), r.ch(), r.cl()]]),
        0x12 => {
            let n = usize::from(r.cx()).min(256 - usize::from(r.bl()));
            let mut t = vec![0u8; n * 3];
            bus.read(es_dx, &mut t);
            let rgb: Vec<[u8; 3]> = t.chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
            write_dac(bus, r.bl(), &rgb);
        }
        0x13 => {
            let m = hw::attr_read(bus, ATTR_MODE);
            if r.bl() == 0 {
                // Paging mode: BH=0 four pages of 64, 1: sixteen of 16.
                let m = if r.bh() & 1 != 0 { m | 0x80 } else { m & !0x80 };
                hw::attr_write(bus, ATTR_MODE, m);
            } else if r.bl() == 1 {
                let v = if m & 0x80 != 0 {
                    r.bh() & 0x0F
                } else {
                    (r.bh() & 3) << 2
                };
                hw::attr_write(bus, ATTR_COLOR_SELECT, v);
            }
        }
        0x15 => {
            let c = hw::dac_read(bus, r.bl(), 1)[0];
            r.set_dh(c[0]);
            r.set_ch(c[1]);
            r.set_cl(c[2]);
        }
        0x17 => {
            let n = usize::from(r.cx()).min(256 - usize::from(r.bl()));
            let t: Vec<u8> = hw::dac_read(bus, r.bl(), n).concat();
            bus.write(es_dx, &t);
        }
        0x18 => bus.outb(hw::DAC_MASK, r.bl()),
        0x19 => {
            let v = bus.inb(hw::DAC_MASK);
            r.set_bl(v);
        }
        0x1A => {
            let m = hw::attr_read(bus, ATTR_MODE);
            let cs = hw::attr_read(bus, ATTR_COLOR_SELECT);
            let paging = m >> 7;
            r.set_bl(paging);
            r.set_bh(if paging != 0 { cs & 0x0F } else { cs >> 2 & 3 });
        }
        0x1B => {
            let n = usize::from(r.cx()).min(256 - usize::from(r.bl()));
            let g: Vec<[u8; 3]> = hw::dac_read(bus, r.bl(), n).into_iter().map(grey).collect();
            hw::dac_write(bus, r.bl(), &g);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::set_mode;
    use super::*;
    use crate::firmware::testutil::setup;

    fn call(
        fw: &mut Firmware,
        bus: &mut crate::firmware::testutil::TestBus,
        r: &mut Regs,
        ax: u16,
    ) {
        r.set_ax(ax);
        int10_10(fw, r, bus);
    }

    #[test]
    fn palette_and_dac_functions() {
        let (mut fw, mut bus, mut r) = setup();
        set_mode(&mut fw, &mut bus, 3);
        // Palette register 1 = 3Fh, read back.
        r.set_bx(0x3F01);
        call(&mut fw, &mut bus, &mut r, 0x1000);
        assert_eq!(bus.vga.attr.regs[1], 0x3F);
        r.set_bx(0x0001);
        call(&mut fw, &mut bus, &mut r, 0x1007);
        assert_eq!(r.bh(), 0x3F);
        // DAC 5 = (1, 2, 3), read back through 1015h and 1017h.
        r.set_bx(5);
        r.set_dx(0x0100);
        r.set_cx(0x0203);
        call(&mut fw, &mut bus, &mut r, 0x1010);
        assert_eq!(bus.vga.dac.palette[5], [1, 2, 3]);
        r.set_cx(0);
        r.set_dx(0);
        call(&mut fw, &mut bus, &mut r, 0x1015);
        assert_eq!((r.dh(), r.ch(), r.cl()), (1, 2, 3));
        r.es = 0x50;
        r.set_dx(0);
        r.set_bx(4);
        r.set_cx(2);
        call(&mut fw, &mut bus, &mut r, 0x1017);
        let mut t = [0u8; 6];
        bus.read(0x500, &mut t);
        assert_eq!(t, [42, 0, 0, 1, 2, 3]);
        // Block write of 2 entries at 10h.
        bus.write(0x600, &[10, 20, 30, 40, 50, 60]);
        r.es = 0x60;
        r.set_bx(0x10);
        call(&mut fw, &mut bus, &mut r, 0x1012);
        assert_eq!(bus.vga.dac.palette[0x11], [40, 50, 60]);
        // Blink off: attribute mode bit 3.
        r.set_bx(0);
        call(&mut fw, &mut bus, &mut r, 0x1003);
        assert_eq!(bus.vga.attr.regs[0x10] & 0x08, 0);
        // Grey summing of entry 4 (42, 0, 0).
        r.set_bx(4);
        r.set_cx(1);
        call(&mut fw, &mut bus, &mut r, 0x101B);
        assert_eq!(bus.vga.dac.palette[4], [13, 13, 13]);
        // The display stays on (PAS) after all the attribute accesses.
        assert!(bus.vga.attr.video_enabled());
    }
}
