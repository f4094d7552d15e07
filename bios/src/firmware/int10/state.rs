//! Video state: INT 10h AH=1Bh functionality/state information and AH=1Ch
//! (and VBE 4F04h) save/restore of the video state (IBM VGA Technical
//! Reference, "BIOS: Return Functionality/State Information", "Save/
//! Restore Video State").
//!
//! The save buffer is private to this BIOS: its sections, in this order
//! for the bits of CX, are bit 0 the registers (sequencer, CRTC, graphics,
//! attribute indexes and values, Miscellaneous Output), bit 1 the BDA
//! video fields and the INT 1Fh/43h font vectors, bit 2 the DAC (PEL mask
//! and 256 entries), bit 3 (VBE only) the Bochs DISPI registers.

use super::super::bda::{self, at};
use super::super::{Bus, Firmware, Regs, ROM_SEGMENT};
use super::hw;

/// Section sizes in bytes.
const HW_SIZE: usize = 1 + 5 + 1 + 25 + 1 + 9 + 1 + 21 + 1;
const BDA_SIZE: usize = (0x67 - 0x49) + (0x8B - 0x84) + 8;
const DAC_SIZE: usize = 1 + 768;
const DISPI_SIZE: usize = 2 * 10;

/// Size in 64-byte blocks of the sections in `states`.
pub fn blocks(states: u16) -> u16 {
    let mut n = 0;
    for (bit, size) in [(1, HW_SIZE), (2, BDA_SIZE), (4, DAC_SIZE), (8, DISPI_SIZE)] {
        if states & bit != 0 {
            n += size;
        }
    }
    n.div_ceil(64) as u16
}

/// Save the sections in `states` to `addr`.
pub fn save(bus: &mut dyn Bus, states: u16, addr: u32) {
    let mut out = Vec::new();
    if states & 1 != 0 {
        let seq_i = bus.inb(hw::SEQ_INDEX);
        out.push(seq_i);
        for i in 0..5 {
            out.push(hw::seq_read(bus, i));
        }
        bus.outb(hw::SEQ_INDEX, seq_i);
        let crtc = hw::crtc_port(bus);
        let crtc_i = bus.inb(crtc);
        out.push(crtc_i);
        for i in 0..25 {
            out.push(hw::crtc_read(bus, i));
        }
        bus.outb(crtc, crtc_i);
        let gc_i = bus.inb(hw::GC_INDEX);
        out.push(gc_i);
        for i in 0..9 {
            out.push(hw::gc_read(bus, i));
        }
        bus.outb(hw::GC_INDEX, gc_i);
        out.push(bus.inb(hw::ATTR_INDEX));
        for i in 0..21 {
            out.push(hw::attr_read(bus, i));
        }
        out.push(bus.inb(hw::MISC_READ));
    }
    if states & 2 != 0 {
        let mut b = vec![0u8; 0x67 - 0x49];
        bus.read(at(bda::VIDEO_MODE), &mut b);
        out.extend_from_slice(&b);
        let mut b = vec![0u8; 0x8B - 0x84];
        bus.read(at(bda::VIDEO_ROWS), &mut b);
        out.extend_from_slice(&b);
        out.extend_from_slice(&bus.read_u32(0x1F * 4).to_le_bytes());
        out.extend_from_slice(&bus.read_u32(0x43 * 4).to_le_bytes());
    }
    if states & 4 != 0 {
        out.push(bus.inb(hw::DAC_MASK));
        out.extend(hw::dac_read(bus, 0, 256).concat());
    }
    if states & 8 != 0 {
        for i in 0..10 {
            out.extend_from_slice(&hw::dispi_read(bus, i).to_le_bytes());
        }
    }
    bus.write(addr, &out);
}

/// Restore the sections in `states` from `addr`.
pub fn restore(bus: &mut dyn Bus, states: u16, addr: u32) {
    let mut buf = vec![0u8; usize::from(blocks(states)) * 64];
    bus.read(addr, &mut buf);
    let mut p = 0usize;
    let mut take = |n: usize| {
        let s = buf[p..p + n].to_vec();
        p += n;
        s
    };
    if states & 1 != 0 {
        let s = take(6);
        let c = take(26);
        let g = take(10);
        let a = take(22);
        let misc = take(1)[0];
        hw::seq_write(bus, 0, 0x01);
        bus.outb(hw::MISC_WRITE, misc);
        let crtc_port = if misc & 1 != 0 { 0x3D4 } else { 0x3B4 };
        bus.write_u16(at(bda::CRTC_BASE), crtc_port);
        for (i, &v) in s[2..].iter().enumerate() {
            hw::seq_write(bus, i as u8 + 1, v);
        }
        hw::seq_write(bus, 0, s[1]);
        bus.outb(hw::SEQ_INDEX, s[0]);
        hw::crtc_write(bus, 0x11, c[1 + 0x11] & 0x7F);
        for (i, &v) in c[1..].iter().enumerate() {
            hw::crtc_write(bus, i as u8, v);
        }
        bus.outb(crtc_port, c[0]);
        for (i, &v) in g[1..].iter().enumerate() {
            hw::gc_write(bus, i as u8, v);
        }
        bus.outb(hw::GC_INDEX, g[0]);
        for (i, &v) in a[1..].iter().enumerate() {
            hw::attr_write(bus, i as u8, v);
        }
    }
    if states & 2 != 0 {
        let b = take(0x67 - 0x49);
        bus.write(at(bda::VIDEO_MODE), &b);
        let b = take(0x8B - 0x84);
        bus.write(at(bda::VIDEO_ROWS), &b);
        let v = take(8);
        bus.write(0x1F * 4, &v[..4]);
        bus.write(0x43 * 4, &v[4..]);
    }
    let dac = (states & 4 != 0).then(|| take(DAC_SIZE));
    if states & 8 != 0 {
        let d = take(DISPI_SIZE);
        let reg = |i: usize| u16::from_le_bytes([d[2 * i], d[2 * i + 1]]);
        // Disabled first so the resolution registers accept writes; the
        // DAC width (an ENABLE bit) before the DAC entries.
        hw::dispi_write(bus, 4, 0);
        for i in [1u16, 2, 3, 5, 6] {
            hw::dispi_write(bus, i, reg(usize::from(i)));
        }
        hw::dispi_write(bus, 4, reg(4) | super::vbe::DISPI_NOCLEARMEM);
        for i in [8u16, 9] {
            hw::dispi_write(bus, i, reg(usize::from(i)));
        }
    }
    if let Some(d) = dac {
        bus.outb(hw::DAC_MASK, d[0]);
        let rgb: Vec<[u8; 3]> = d[1..].chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
        hw::dac_write(bus, 0, &rgb);
    }
}

/// AH=1Ch: AL=00h size (BX blocks), 01h save, 02h restore at ES:BX, CX
/// = the states (bits 0–2).
pub fn save_restore(r: &mut Regs, bus: &mut dyn Bus) {
    let states = r.cx() & 7;
    let addr = Regs::linear(r.es, r.bx());
    match r.al() {
        0 => r.set_bx(blocks(states)),
        1 => save(bus, states, addr),
        2 => restore(bus, states, addr),
        _ => return,
    }
    r.set_al(0x1C);
}

/// AX=1B00h, BX=0: the 64-byte state table at ES:DI.
pub fn functionality(fw: &Firmware, r: &mut Regs, bus: &mut dyn Bus) {
    let mut t = [0u8; 64];
    let far = u32::from(ROM_SEGMENT) << 16 | u32::from(fw.header.video_functionality);
    t[0..4].copy_from_slice(&far.to_le_bytes());
    let mut b = [0u8; 0x67 - 0x49];
    bus.read(at(bda::VIDEO_MODE), &mut b);
    // Mode, columns, page size, page start, cursors (4 + 0x1A bytes).
    t[4..4 + 0x17].copy_from_slice(&b[..0x17]);
    // Cursor end, start (BDA 460h is end, start already), page, CRTC,
    // 3x8h, 3x9h.
    t[0x1B..0x22].copy_from_slice(&b[0x17..0x1E]);
    let rows = bus.read_u8(at(bda::VIDEO_ROWS));
    t[0x22] = rows.wrapping_add(1);
    t[0x23] = bus.read_u8(at(bda::CHAR_HEIGHT));
    t[0x25] = bus.read_u8(at(bda::DCC_INDEX));
    let mode = bus.read_u8(at(bda::VIDEO_MODE));
    let colors: u16 = match mode {
        4 | 5 => 4,
        6 | 0x11 => 2,
        7 | 0x0F => 0,
        0x13 => 256,
        _ => 16,
    };
    t[0x27..0x29].copy_from_slice(&colors.to_le_bytes());
    t[0x29] = super::modes::find(mode).map_or(1, |m| m.pages);
    let lines = hw::crtc_read(bus, 0x12);
    t[0x2A] = match super::modes::find(mode).map(|m| m.height) {
        Some(200) => 0,
        Some(350) => 1,
        Some(480) => 3,
        _ if lines == 0x5D => 1,
        _ => 2,
    };
    let cms = hw::seq_read(bus, 3);
    t[0x2B] = (cms & 3) | (cms >> 2 & 4);
    t[0x2C] = (cms >> 2 & 3) | (cms >> 3 & 4);
    let flags = bus.read_u8(at(bda::VGA_FLAGS));
    let ctl = bus.read_u8(at(bda::VIDEO_CONTROL));
    let blink = bus.read_u8(at(bda::MODE_CONTROL)) & 0x20 != 0;
    t[0x2D] = (flags & 0x0F & !1)
        | u8::from(ctl & super::CTL_NO_CURSOR_EMULATION == 0) << 4
        | u8::from(blink) << 5;
    t[0x31] = 3; // 256 KiB
    bus.write(Regs::linear(r.es, r.di()), &t);
    r.set_al(0x1B);
}

#[cfg(test)]
mod tests {
    use super::super::set_mode;
    use super::*;
    use crate::firmware::testutil::setup;

    #[test]
    fn save_and_restore_round_trip() {
        let (mut fw, mut bus, mut r) = setup();
        set_mode(&mut fw, &mut bus, 3);
        r.set_ax(0x1C00);
        r.set_cx(7);
        save_restore(&mut r, &mut bus);
        assert_eq!((r.al(), r.bx()), (0x1C, 14));
        r.es = 0x100;
        r.set_bx(0);
        r.set_ax(0x1C01);
        save_restore(&mut r, &mut bus);
        let before = (
            bus.vga.crtc.regs,
            bus.vga.dac.palette[20],
            bus.vga.misc_output,
        );
        set_mode(&mut fw, &mut bus, 0x13);
        assert_ne!(bus.vga.crtc.regs, before.0);
        r.set_ax(0x1C02);
        r.set_bx(0);
        save_restore(&mut r, &mut bus);
        let after = (
            bus.vga.crtc.regs,
            bus.vga.dac.palette[20],
            bus.vga.misc_output,
        );
        assert_eq!(after, before);
        assert_eq!(bus.read_u8(at(bda::VIDEO_MODE)), 3);
        assert_eq!(bus.vga.display_size(), (720, 400));
    }

    #[test]
    fn functionality_table() {
        let (mut fw, mut bus, mut r) = setup();
        set_mode(&mut fw, &mut bus, 3);
        r.es = 0x100;
        r.set_di(0);
        r.set_ax(0x1B00);
        r.set_bx(0);
        functionality(&fw, &mut r, &mut bus);
        assert_eq!(r.al(), 0x1B);
        let mut t = [0u8; 64];
        bus.read(0x1000, &mut t);
        assert_eq!(t[4], 3);
        assert_eq!(u16::from_le_bytes([t[5], t[6]]), 80);
        assert_eq!((t[0x22], t[0x23], t[0x2A]), (25, 16, 2));
        let ptr = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
        assert_eq!(ptr >> 16, 0xF000);
    }
}
