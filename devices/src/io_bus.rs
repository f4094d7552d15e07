//! The x86 I/O port space (IN/OUT/INS/OUTS).
//!
//! Ports are 16-bit addresses; accesses are 1, 2 or 4 bytes wide. A wide
//! access to ports claimed by byte-wide devices is split into byte accesses,
//! which is what the ISA bus does for 8-bit devices.

use crate::debug_ports::DebugPorts;
use crate::pic8259::Pic;
use crate::uart16550::{Uart16550, COM1_BASE, REGISTER_COUNT};

/// COM1 as the machine wires it: transmitted bytes collect in a buffer that
/// the host drains (see [`IoBus::take_serial_output`]).
pub type Com1 = Uart16550<Vec<u8>>;

/// Width of one port access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoSize {
    Byte = 1,
    Word = 2,
    Dword = 4,
}

impl IoSize {
    /// Size from a byte count (1, 2 or 4); anything else is treated as a byte.
    pub fn from_bytes(n: u32) -> Self {
        match n {
            2 => IoSize::Word,
            4 => IoSize::Dword,
            _ => IoSize::Byte,
        }
    }

    /// All-ones value for this width (what an open bus returns).
    pub fn mask(self) -> u32 {
        match self {
            IoSize::Byte => 0xFF,
            IoSize::Word => 0xFFFF,
            IoSize::Dword => 0xFFFF_FFFF,
        }
    }
}

/// The I/O bus: owns the port-mapped devices of the machine.
#[derive(Debug, Default)]
pub struct IoBus {
    /// POST code, debug console and exit ports.
    pub debug: DebugPorts,
    /// The 16550A UART at 0x3F8–0x3FF, if present.
    pub com1: Option<Com1>,
    /// The dual 8259A PIC (0x20/0x21, 0xA0/0xA1) with the PIIX ELCR
    /// (0x4D0/0x4D1), if present.
    pub pic: Option<Pic>,
    /// Number of port accesses seen (reads + writes); useful in tests.
    pub accesses: u64,
}

impl IoBus {
    /// A bus with only the debug ports configured as given.
    pub fn new(debug: DebugPorts) -> Self {
        IoBus {
            debug,
            com1: None,
            pic: None,
            accesses: 0,
        }
    }

    /// Add the dual 8259A PIC and the ELCR (in their power-on state).
    pub fn with_pic(mut self) -> Self {
        self.pic = Some(Pic::new());
        self
    }

    /// Add COM1 (a 16550A at 0x3F8–0x3FF, in its reset state).
    pub fn with_com1(mut self) -> Self {
        self.com1 = Some(Uart16550::new(Vec::new()));
        self
    }

    /// Bytes COM1 transmitted since the last call (empty without COM1).
    pub fn take_serial_output(&mut self) -> Vec<u8> {
        self.com1
            .as_mut()
            .map(|u| std::mem::take(u.sink_mut()))
            .unwrap_or_default()
    }

    /// A bus with nothing on it: every port is an open bus (for harnesses
    /// that model a bare CPU board, such as hardware conformance suites).
    pub fn bare() -> Self {
        IoBus::new(DebugPorts::new(crate::DebugPortsConfig {
            enabled: false,
            ..Default::default()
        }))
    }

    /// Read `size` bytes from `port`.
    pub fn read(&mut self, port: u16, size: IoSize) -> u32 {
        self.accesses += 1;
        let mut value = 0u32;
        for i in 0..size as u16 {
            let byte = self.read_byte(port.wrapping_add(i));
            value |= u32::from(byte) << (8 * i);
        }
        value
    }

    /// Write the low `size` bytes of `value` to `port`.
    pub fn write(&mut self, port: u16, size: IoSize, value: u32) {
        self.accesses += 1;
        if self.debug.write_wide(port, size, value) {
            return;
        }
        for i in 0..size as u16 {
            self.write_byte(port.wrapping_add(i), (value >> (8 * i)) as u8);
        }
    }

    fn read_byte(&mut self, port: u16) -> u8 {
        if let Some(v) = self.debug.read(port) {
            return v;
        }
        if let (Some(u), Some(off)) = (self.com1.as_mut(), com1_offset(port)) {
            return u.read(off);
        }
        if let (Some(p), true) = (self.pic.as_mut(), is_pic_port(port)) {
            return p.read(port);
        }
        log::trace!("read from unclaimed port {port:#06x}");
        0xFF
    }

    fn write_byte(&mut self, port: u16, value: u8) {
        if self.debug.write(port, value) {
            return;
        }
        if let (Some(u), Some(off)) = (self.com1.as_mut(), com1_offset(port)) {
            u.write(off, value);
            return;
        }
        if let (Some(p), true) = (self.pic.as_mut(), is_pic_port(port)) {
            p.write(port, value);
            return;
        }
        log::trace!("write {value:#04x} to unclaimed port {port:#06x}");
    }
}

/// Ports of the master and slave 8259A and the ELCR.
#[inline]
fn is_pic_port(port: u16) -> bool {
    matches!(port, 0x20 | 0x21 | 0xA0 | 0xA1 | 0x4D0 | 0x4D1)
}

/// Register offset of `port` within COM1's eight ports.
#[inline]
fn com1_offset(port: u16) -> Option<u8> {
    let off = port.wrapping_sub(COM1_BASE);
    (off < REGISTER_COUNT).then_some(off as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unclaimed_ports_read_all_ones() {
        let mut bus = IoBus::default();
        assert_eq!(bus.read(0x1234, IoSize::Byte), 0xFF);
        assert_eq!(bus.read(0x1234, IoSize::Word), 0xFFFF);
        assert_eq!(bus.read(0x1234, IoSize::Dword), 0xFFFF_FFFF);
        assert_eq!(bus.accesses, 3);
    }

    #[test]
    fn pic_ports_reach_the_pic_when_present() {
        let mut bus = IoBus::default();
        assert_eq!(bus.read(0x21, IoSize::Byte), 0xFF, "no PIC: open bus");
        let mut bus = IoBus::default().with_pic();
        // ICW1..ICW4 for the master, then OCW1 masks all but IRQ0.
        for (port, v) in [
            (0x20, 0x11),
            (0x21, 0x08),
            (0x21, 0x04),
            (0x21, 0x01),
            (0x21, 0xFE),
        ] {
            bus.write(port, IoSize::Byte, v);
        }
        assert_eq!(bus.read(0x21, IoSize::Byte), 0xFE);
        let pic = bus.pic.as_mut().unwrap();
        pic.service_irq(0, true);
        assert!(pic.interrupt_requested());
        assert_eq!(pic.acknowledge(), Some(0x08));
    }

    #[test]
    fn bare_bus_has_no_debug_console() {
        let mut bus = IoBus::bare();
        assert_eq!(bus.read(0xE9, IoSize::Byte), 0xFF);
        assert_eq!(IoBus::default().read(0xE9, IoSize::Byte), 0xE9);
    }

    #[test]
    fn debugcon_byte_writes_reach_the_console() {
        let mut bus = IoBus::default();
        bus.write(0xE9, IoSize::Byte, u32::from(b'h'));
        bus.write(0xE9, IoSize::Byte, u32::from(b'i'));
        assert_eq!(bus.debug.take_console(), b"hi");
    }

    #[test]
    fn com1_answers_at_0x3f8_only_when_present() {
        let mut bus = IoBus::default();
        assert_eq!(bus.read(0x3FD, IoSize::Byte), 0xFF, "no UART: open bus");
        let mut bus = IoBus::default().with_com1();
        // LSR: THR empty and transmitter empty.
        assert_eq!(bus.read(0x3FD, IoSize::Byte), 0x60);
        bus.write(0x3FF, IoSize::Byte, 0xA5);
        assert_eq!(bus.read(0x3FF, IoSize::Byte), 0xA5, "scratch register");
        for c in b"ok" {
            bus.write(0x3F8, IoSize::Byte, u32::from(*c));
        }
        assert_eq!(bus.take_serial_output(), b"ok");
        assert!(bus.take_serial_output().is_empty());
        // Neighbours stay unclaimed.
        assert_eq!(bus.read(0x3F7, IoSize::Byte), 0xFF);
        assert_eq!(bus.read(0x400, IoSize::Byte), 0xFF);
        // A word read of LCR/MCR is split into byte reads.
        bus.write(0x3FB, IoSize::Word, 0x0B03);
        assert_eq!(bus.read(0x3FB, IoSize::Word), 0x0B03);
    }
}
