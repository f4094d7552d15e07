//! Small services: INT 11h (equipment word, BDA 40:10), INT 12h (base
//! memory in KiB, BDA 40:13), INT 14h serial port (IBM AT "RS232 I/O" on
//! the 16550A ports listed in the BDA: 00h initialise, 01h send, 02h
//! receive, 03h status; no waiting: the UART model never blocks), INT 17h
//! printer (no parallel ports: every call reports a time-out).

use super::bda::{self, at};
use super::{Bus, Outcome, Regs};

/// UART register offsets and bits (16550A).
const UART_THR: u16 = 0;
const UART_RBR: u16 = 0;
const UART_DLL: u16 = 0;
const UART_DLM: u16 = 1;
const UART_LCR: u16 = 3;
const UART_MCR: u16 = 4;
const UART_LSR: u16 = 5;
const UART_MSR: u16 = 6;
const LCR_DLAB: u8 = 0x80;
const LSR_DATA_READY: u8 = 0x01;
const LSR_THR_EMPTY: u8 = 0x20;
/// INT 14h AH=00h baud rates (AL bits 5–7) as 115200 divisors.
const DIVISORS: [u16; 8] = [1047, 768, 384, 192, 96, 48, 24, 12];
/// INT 14h: time-out bit of AH.
const TIMEOUT: u8 = 0x80;
/// INT 17h: time-out status.
const PRINTER_TIMEOUT: u8 = 0x01;

pub fn int11(r: &mut Regs, bus: &mut dyn Bus) -> Outcome {
    r.set_ax(bus.read_u16(at(bda::EQUIPMENT)));
    Outcome::Done
}

pub fn int12(r: &mut Regs, bus: &mut dyn Bus) -> Outcome {
    r.set_ax(bus.read_u16(at(bda::MEMORY_KIB)));
    Outcome::Done
}

pub fn int14(r: &mut Regs, bus: &mut dyn Bus) -> Outcome {
    let n = r.dx();
    let base = if n < 4 {
        bus.read_u16(at(bda::COM_PORTS) + 2 * u32::from(n))
    } else {
        0
    };
    if base == 0 {
        r.set_ah(TIMEOUT);
        return Outcome::Done;
    }
    let status = |bus: &mut dyn Bus| -> u16 {
        u16::from(bus.inb(base + UART_LSR)) << 8 | u16::from(bus.inb(base + UART_MSR))
    };
    match r.ah() {
        0x00 => {
            let al = r.al();
            bus.outb(base + UART_LCR, LCR_DLAB);
            let d = DIVISORS[usize::from(al >> 5)];
            bus.outb(base + UART_DLL, d as u8);
            bus.outb(base + UART_DLM, (d >> 8) as u8);
            // Word length (bits 0–1), stop bits (2), parity (3–4).
            bus.outb(base + UART_LCR, al & 0x1F);
            bus.outb(base + UART_MCR, 0x03);
            r.set_ax(status(bus));
        }
        0x01 => {
            let lsr = bus.inb(base + UART_LSR);
            if lsr & LSR_THR_EMPTY == 0 {
                r.set_ah(lsr | TIMEOUT);
            } else {
                bus.outb(base + UART_THR, r.al());
                r.set_ah(bus.inb(base + UART_LSR));
            }
        }
        0x02 => {
            let lsr = bus.inb(base + UART_LSR);
            if lsr & LSR_DATA_READY == 0 {
                r.set_ah(lsr | TIMEOUT);
            } else {
                r.set_al(bus.inb(base + UART_RBR));
                r.set_ah(lsr & 0x1E);
            }
        }
        0x03 => r.set_ax(status(bus)),
        _ => {}
    }
    Outcome::Done
}

pub fn int17(r: &mut Regs, _bus: &mut dyn Bus) -> Outcome {
    r.set_ah(PRINTER_TIMEOUT);
    Outcome::Done
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::testutil::setup;

    #[test]
    fn equipment_memory_printer() {
        let (_, mut bus, mut r) = setup();
        bus.write_u16(at(bda::EQUIPMENT), 0x4423);
        bus.write_u16(at(bda::MEMORY_KIB), 639);
        int11(&mut r, &mut bus);
        assert_eq!(r.ax(), 0x4423);
        int12(&mut r, &mut bus);
        assert_eq!(r.ax(), 639);
        int17(&mut r, &mut bus);
        assert_eq!(r.ah(), PRINTER_TIMEOUT);
    }

    #[test]
    fn serial_send_and_missing_port() {
        let (_, mut bus, mut r) = setup();
        bus.write_u16(at(bda::COM_PORTS), 0x3F8);
        bus.open = u32::from(LSR_THR_EMPTY);
        r.set_ax(0x0141);
        r.set_dx(0);
        int14(&mut r, &mut bus);
        assert!(bus.outs.contains(&(0x3F8, 0x41)));
        assert_eq!(r.ah() & TIMEOUT, 0);
        r.set_ax(0x00E3); // 9600 8N1
        int14(&mut r, &mut bus);
        assert!(bus.outs.contains(&(0x3F8, 12)));
        assert!(bus.outs.contains(&(0x3FB, 3)));
        // Receive with nothing ready: time-out.
        bus.open = 0;
        r.set_ax(0x0200);
        int14(&mut r, &mut bus);
        assert_ne!(r.ah() & TIMEOUT, 0);
        r.set_dx(7);
        r.set_ax(0x0141);
        int14(&mut r, &mut bus);
        assert_eq!(r.ah(), TIMEOUT);
    }
}
