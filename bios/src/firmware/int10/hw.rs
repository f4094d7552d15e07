//! VGA register access for the INT 10h services: the sequencer (3C4h/3C5h),
//! CRT controller (3D4h/3D5h or 3B4h/3B5h), graphics controller
//! (3CEh/3CFh), attribute controller (3C0h with the flip-flop reset by
//! reading Input Status 1 at 3DAh/3BAh), DAC (3C6h–3C9h) and the Bochs
//! DISPI registers (1CEh/1CFh), as the IBM VGA Technical Reference
//! describes the ports.

use super::super::bda::{self, at};
use super::super::Bus;

pub const SEQ_INDEX: u16 = 0x3C4;
pub const GC_INDEX: u16 = 0x3CE;
pub const ATTR_INDEX: u16 = 0x3C0;
pub const ATTR_READ: u16 = 0x3C1;
pub const MISC_WRITE: u16 = 0x3C2;
pub const MISC_READ: u16 = 0x3CC;
pub const DAC_MASK: u16 = 0x3C6;
pub const DAC_READ_INDEX: u16 = 0x3C7;
pub const DAC_WRITE_INDEX: u16 = 0x3C8;
pub const DAC_DATA: u16 = 0x3C9;
pub const DISPI_INDEX: u16 = 0x1CE;
pub const DISPI_DATA: u16 = 0x1CF;
/// Attribute index bit 5: palette address source (video on).
pub const ATTR_PAS: u8 = 0x20;

/// The CRTC index port in use (from the BDA, 3D4h unless 3B4h).
pub fn crtc_port(bus: &mut dyn Bus) -> u16 {
    if bus.read_u16(at(bda::CRTC_BASE)) == 0x3B4 {
        0x3B4
    } else {
        0x3D4
    }
}

pub fn seq_write(bus: &mut dyn Bus, i: u8, v: u8) {
    bus.outb(SEQ_INDEX, i);
    bus.outb(SEQ_INDEX + 1, v);
}

pub fn seq_read(bus: &mut dyn Bus, i: u8) -> u8 {
    bus.outb(SEQ_INDEX, i);
    bus.inb(SEQ_INDEX + 1)
}

pub fn gc_write(bus: &mut dyn Bus, i: u8, v: u8) {
    bus.outb(GC_INDEX, i);
    bus.outb(GC_INDEX + 1, v);
}

pub fn gc_read(bus: &mut dyn Bus, i: u8) -> u8 {
    bus.outb(GC_INDEX, i);
    bus.inb(GC_INDEX + 1)
}

pub fn crtc_write(bus: &mut dyn Bus, i: u8, v: u8) {
    let p = crtc_port(bus);
    bus.outb(p, i);
    bus.outb(p + 1, v);
}

pub fn crtc_read(bus: &mut dyn Bus, i: u8) -> u8 {
    let p = crtc_port(bus);
    bus.outb(p, i);
    bus.inb(p + 1)
}

/// Reset the attribute flip-flop (read Input Status 1 of both port sets:
/// only the decoded one answers).
fn attr_reset(bus: &mut dyn Bus) {
    bus.inb(0x3DA);
    bus.inb(0x3BA);
}

/// Write attribute register `i` and turn the display on again (PAS).
pub fn attr_write(bus: &mut dyn Bus, i: u8, v: u8) {
    attr_reset(bus);
    bus.outb(ATTR_INDEX, i & 0x1F);
    bus.outb(ATTR_INDEX, v);
    bus.outb(ATTR_INDEX, ATTR_PAS);
}

pub fn attr_read(bus: &mut dyn Bus, i: u8) -> u8 {
    attr_reset(bus);
    bus.outb(ATTR_INDEX, i & 0x1F);
    let v = bus.inb(ATTR_READ);
    attr_reset(bus);
    bus.outb(ATTR_INDEX, ATTR_PAS);
    v
}

/// Write DAC entries from `start`, three 6-bit (or 8-bit) components each.
pub fn dac_write(bus: &mut dyn Bus, start: u8, rgb: &[[u8; 3]]) {
    bus.outb(DAC_WRITE_INDEX, start);
    for c in rgb {
        for &v in c {
            bus.outb(DAC_DATA, v);
        }
    }
}

/// Read `n` DAC entries from `start`.
pub fn dac_read(bus: &mut dyn Bus, start: u8, n: usize) -> Vec<[u8; 3]> {
    bus.outb(DAC_READ_INDEX, start);
    (0..n)
        .map(|_| [bus.inb(DAC_DATA), bus.inb(DAC_DATA), bus.inb(DAC_DATA)])
        .collect()
}

pub fn dispi_write(bus: &mut dyn Bus, i: u16, v: u16) {
    bus.port_out(DISPI_INDEX, 2, u32::from(i));
    bus.port_out(DISPI_DATA, 2, u32::from(v));
}

pub fn dispi_read(bus: &mut dyn Bus, i: u16) -> u16 {
    bus.port_out(DISPI_INDEX, 2, u32::from(i));
    bus.port_in(DISPI_DATA, 2) as u16
}

/// Plane 2 (font) access: sequential addressing at A0000h, map mask =
/// plane 2, read map 2. Returns the registers to restore.
pub struct PlaneAccess {
    seq2: u8,
    seq4: u8,
    gc4: u8,
    gc5: u8,
    gc6: u8,
}

/// Open planar access to plane `plane` (writes and reads), as the BIOS
/// does to load fonts.
pub fn open_plane(bus: &mut dyn Bus, plane: u8) -> PlaneAccess {
    let saved = PlaneAccess {
        seq2: seq_read(bus, 2),
        seq4: seq_read(bus, 4),
        gc4: gc_read(bus, 4),
        gc5: gc_read(bus, 5),
        gc6: gc_read(bus, 6),
    };
    seq_write(bus, 2, 1 << (plane & 3));
    seq_write(bus, 4, 0x06 | (saved.seq4 & 0x02));
    gc_write(bus, 4, plane & 3);
    gc_write(bus, 5, 0x00);
    gc_write(bus, 6, 0x04 | (saved.gc6 & 1));
    saved
}

pub fn close_plane(bus: &mut dyn Bus, s: PlaneAccess) {
    seq_write(bus, 2, s.seq2);
    seq_write(bus, 4, s.seq4);
    gc_write(bus, 4, s.gc4);
    gc_write(bus, 5, s.gc5);
    gc_write(bus, 6, s.gc6);
}
