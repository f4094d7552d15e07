//! INT 15h AH=C2h, pointing-device (PS/2 mouse) services, and the IRQ12
//! handler (IBM PS/2 BIOS interface: C200h enable/disable, C201h reset,
//! C202h sample rate, C203h resolution, C204h device type, C205h
//! initialise with packet size, C206h status/scaling, C207h far handler).
//!
//! Commands go to the mouse through the 8042 ("write to auxiliary
//! device", D4h) and the answers are polled from the output buffer (the
//! 8042 model answers at once). IRQ12 (the ROM stub traps here with the
//! byte read from port 60h) collects packets in the EBDA; when one is
//! complete and a handler is installed the service returns with live CF
//! set and AX = status, BX = X, CX = Y, DX = 0, DS = the EBDA, and the
//! stub pushes those four words and far-calls the handler whose pointer is
//! at EBDA offset [`EBDA_HANDLER`], as the PS/2 BIOS does.
//!
//! Bytes waiting in the 8042 before a command, and keyboard bytes met
//! while polling for a mouse answer, are dropped.

use super::bda::{self, at};
use super::{Bus, Firmware, Outcome, Regs};

/// 8042 ports, status bits and commands.
const KBC_DATA: u16 = 0x60;
const KBC_STATUS: u16 = 0x64;
const STATUS_OBF: u8 = 0x01;
const STATUS_AUX: u8 = 0x20;
const KBC_READ_CB: u8 = 0x20;
const KBC_WRITE_CB: u8 = 0x60;
const KBC_WRITE_AUX: u8 = 0xD4;
/// Command byte: aux interrupt enable, aux clock disable.
const CB_AUX_INT: u8 = 0x02;
const CB_AUX_DISABLE: u8 = 0x20;
/// Mouse commands and answers.
const MOUSE_ACK: u8 = 0xFA;
const MOUSE_RESET: u8 = 0xFF;
const MOUSE_ENABLE: u8 = 0xF4;
const MOUSE_DISABLE: u8 = 0xF5;
const MOUSE_SET_RATE: u8 = 0xF3;
const MOUSE_SET_RESOLUTION: u8 = 0xE8;
const MOUSE_GET_ID: u8 = 0xF2;
const MOUSE_STATUS: u8 = 0xE9;
const MOUSE_SCALING_1_1: u8 = 0xE6;
const MOUSE_SCALING_2_1: u8 = 0xE7;
/// Sample rates of C202h BH = 0..6.
const RATES: [u8; 7] = [10, 20, 40, 60, 80, 100, 200];
/// INT 15h C2h status codes.
const ERR_INVALID_FUNCTION: u8 = 0x01;
const ERR_INVALID_INPUT: u8 = 0x02;
const ERR_INTERFACE: u8 = 0x03;
const ERR_NO_HANDLER: u8 = 0x05;
/// EBDA layout (offsets from its segment).
pub const EBDA_HANDLER: u32 = 0x22;
const EBDA_FLAGS: u32 = 0x26;
const EBDA_PACKET_SIZE: u32 = 0x27;
const EBDA_PACKET: u32 = 0x28;
/// EBDA_FLAGS: handler installed (bit 7), bytes collected (bits 0–2).
const FLAG_HANDLER: u8 = 0x80;
/// Slave 8259A mask port and the IRQ12 bit; master cascade bit.
const PIC2_MASK: u16 = 0xA1;
const IRQ12_BIT: u8 = 1 << 4;
const PIC1_MASK: u16 = 0x21;
const IRQ2_BIT: u8 = 1 << 2;

fn ebda(bus: &mut dyn Bus) -> u32 {
    u32::from(bus.read_u16(at(bda::EBDA_SEG))) << 4
}

/// The next byte from the mouse, if one arrives.
fn read_aux(bus: &mut dyn Bus) -> Option<u8> {
    for _ in 0..32 {
        let st = bus.inb(KBC_STATUS);
        if st & STATUS_OBF == 0 {
            continue;
        }
        let v = bus.inb(KBC_DATA);
        if st & STATUS_AUX != 0 {
            return Some(v);
        }
    }
    None
}

/// Send `cmd` to the mouse; Ok if it acknowledges.
fn aux_cmd(bus: &mut dyn Bus, cmd: u8) -> Result<(), u8> {
    // Stale bytes (the mouse's power-on BAT answer, old packets) first.
    for _ in 0..32 {
        if bus.inb(KBC_STATUS) & STATUS_OBF == 0 {
            break;
        }
        bus.inb(KBC_DATA);
    }
    bus.outb(KBC_STATUS, KBC_WRITE_AUX);
    bus.outb(KBC_DATA, cmd);
    match read_aux(bus) {
        Some(MOUSE_ACK) => Ok(()),
        _ => Err(ERR_INTERFACE),
    }
}

fn set_command_byte(bus: &mut dyn Bus, set: u8, clear: u8) {
    bus.outb(KBC_STATUS, KBC_READ_CB);
    let mut cb = 0;
    for _ in 0..32 {
        if bus.inb(KBC_STATUS) & STATUS_OBF != 0 {
            cb = bus.inb(KBC_DATA);
            break;
        }
    }
    bus.outb(KBC_STATUS, KBC_WRITE_CB);
    bus.outb(KBC_DATA, (cb | set) & !clear);
}

fn reset(bus: &mut dyn Bus, r: &mut Regs) -> Result<(), u8> {
    aux_cmd(bus, MOUSE_RESET)?;
    let bat = read_aux(bus).ok_or(ERR_INTERFACE)?;
    let id = read_aux(bus).ok_or(ERR_INTERFACE)?;
    r.set_bl(bat);
    r.set_bh(id);
    let e = ebda(bus);
    let f = bus.read_u8(e + EBDA_FLAGS);
    bus.write_u8(e + EBDA_FLAGS, f & FLAG_HANDLER);
    Ok(())
}

/// INT 15h AH=C2h.
pub fn int15_c2(r: &mut Regs, bus: &mut dyn Bus) {
    let e = ebda(bus);
    let res = match r.al() {
        0x00 => match r.bh() {
            1 if bus.read_u8(e + EBDA_FLAGS) & FLAG_HANDLER == 0 => Err(ERR_NO_HANDLER),
            1 => aux_cmd(bus, MOUSE_ENABLE).map(|()| {
                set_command_byte(bus, CB_AUX_INT, CB_AUX_DISABLE);
                let m = bus.inb(PIC2_MASK);
                bus.outb(PIC2_MASK, m & !IRQ12_BIT);
                let m = bus.inb(PIC1_MASK);
                bus.outb(PIC1_MASK, m & !IRQ2_BIT);
            }),
            0 => {
                set_command_byte(bus, 0, CB_AUX_INT);
                aux_cmd(bus, MOUSE_DISABLE)
            }
            _ => Err(ERR_INVALID_INPUT),
        },
        0x01 => reset(bus, r),
        0x02 => match RATES.get(usize::from(r.bh())) {
            Some(&rate) => aux_cmd(bus, MOUSE_SET_RATE).and_then(|()| aux_cmd(bus, rate)),
            None => Err(ERR_INVALID_INPUT),
        },
        0x03 if r.bh() <= 3 => {
            aux_cmd(bus, MOUSE_SET_RESOLUTION).and_then(|()| aux_cmd(bus, r.bh()))
        }
        0x04 => aux_cmd(bus, MOUSE_GET_ID).and_then(|()| {
            let id = read_aux(bus).ok_or(ERR_INTERFACE)?;
            r.set_bh(id);
            Ok(())
        }),
        0x05 if (1..=8).contains(&r.bh()) => {
            bus.write_u8(e + EBDA_PACKET_SIZE, r.bh());
            reset(bus, r)
        }
        0x06 => match r.bh() {
            0 => aux_cmd(bus, MOUSE_STATUS).and_then(|()| {
                let s: Vec<u8> = (0..3).filter_map(|_| read_aux(bus)).collect();
                if s.len() != 3 {
                    return Err(ERR_INTERFACE);
                }
                r.set_bl(s[0]);
                r.set_cl(s[1]);
                r.set_dl(s[2]);
                Ok(())
            }),
            1 => aux_cmd(bus, MOUSE_SCALING_1_1),
            2 => aux_cmd(bus, MOUSE_SCALING_2_1),
            _ => Err(ERR_INVALID_INPUT),
        },
        0x07 => {
            bus.write_u16(e + EBDA_HANDLER, r.bx());
            bus.write_u16(e + EBDA_HANDLER + 2, r.es);
            let installed = r.es != 0 || r.bx() != 0;
            let f = bus.read_u8(e + EBDA_FLAGS) & !FLAG_HANDLER;
            bus.write_u8(e + EBDA_FLAGS, f | if installed { FLAG_HANDLER } else { 0 });
            Ok(())
        }
        0x03 | 0x05 => Err(ERR_INVALID_INPUT),
        _ => Err(ERR_INVALID_FUNCTION),
    };
    match res {
        Ok(()) => r.ok(bus),
        Err(code) => r.fail(bus, code),
    }
}

/// IRQ12: the byte in AL joins the packet; a complete packet with a
/// handler installed returns [`Outcome::Wait`] (live CF: call it) with
/// the handler's arguments in AX, BX, CX, DX and DS = the EBDA.
pub fn irq12(_fw: &mut Firmware, r: &mut Regs, bus: &mut dyn Bus) -> Outcome {
    let e = ebda(bus);
    let size = match bus.read_u8(e + EBDA_PACKET_SIZE) {
        0 => 3,
        n => n.min(8),
    };
    let flags = bus.read_u8(e + EBDA_FLAGS);
    let n = (flags & 0x07).min(7);
    bus.write_u8(e + EBDA_PACKET + u32::from(n), r.al());
    let n = n + 1;
    if n < size {
        bus.write_u8(e + EBDA_FLAGS, (flags & FLAG_HANDLER) | n);
        return Outcome::Done;
    }
    bus.write_u8(e + EBDA_FLAGS, flags & FLAG_HANDLER);
    if flags & FLAG_HANDLER == 0 {
        return Outcome::Done;
    }
    let mut p = [0u8; 3];
    bus.read(e + EBDA_PACKET, &mut p);
    r.set_ax(u16::from(p[0]));
    r.set_bx(u16::from(p[1]));
    r.set_cx(u16::from(p[2]));
    r.set_dx(0);
    r.ds = (e >> 4) as u16;
    Outcome::Wait
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::testutil::{frame_cf, setup};

    #[test]
    fn handler_and_packets() {
        let (mut fw, mut bus, mut r) = setup();
        bus.write_u16(at(bda::EBDA_SEG), 0x9FC0);
        // Enable without a handler fails.
        r.set_ax(0xC200);
        r.set_bh(1);
        int15_c2(&mut r, &mut bus);
        assert!(frame_cf(&mut bus, &r));
        assert_eq!(r.ah(), ERR_NO_HANDLER);
        // Install 1234:5678.
        r.set_ax(0xC207);
        r.es = 0x1234;
        r.set_bx(0x5678);
        int15_c2(&mut r, &mut bus);
        assert!(!frame_cf(&mut bus, &r));
        assert_eq!(bus.read_u32(0x9FC00 + EBDA_HANDLER), 0x1234_5678);
        // A 3-byte packet: the third byte asks the stub to call it.
        let mut out = Outcome::Done;
        for b in [0x09u8, 0x05, 0xFB] {
            r.set_al(b);
            out = irq12(&mut fw, &mut r, &mut bus);
        }
        assert_eq!(out, Outcome::Wait);
        assert_eq!((r.ax(), r.bx(), r.cx(), r.dx()), (0x09, 0x05, 0xFB, 0));
        assert_eq!(r.ds, 0x9FC0);
        // Without an answering mouse (open bus) commands fail cleanly.
        bus.open = 0;
        r.set_ax(0xC201);
        int15_c2(&mut r, &mut bus);
        assert!(frame_cf(&mut bus, &r));
        assert_eq!(r.ah(), ERR_INTERFACE);
        r.set_ax(0xC202);
        r.set_bh(9);
        int15_c2(&mut r, &mut bus);
        assert_eq!(r.ah(), ERR_INVALID_INPUT);
        r.set_ax(0xC2FF);
        int15_c2(&mut r, &mut bus);
        assert_eq!(r.ah(), ERR_INVALID_FUNCTION);
    }
}
