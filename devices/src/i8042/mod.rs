//! Intel 8042 keyboard controller (UPI-41/42 running the IBM PC/AT keyboard
//! controller firmware) with a PS/2 keyboard and mouse.
//!
//! Follows the IBM PC/AT and PS/2 Technical References ("Keyboard
//! Controller": status register, command byte, controller commands, input and
//! output ports) as implemented by compatible controllers:
//! - port 0x60 reads the output buffer and writes the input buffer as data
//!   (to the keyboard, or a parameter of the last controller command);
//!   port 0x64 reads the status register and writes controller commands;
//! - status: OBF, IBF, SYS, A2 (command/data), INH, AUX_OBF, timeout, parity;
//! - the command byte (0x20 read / 0x60 write): IRQ1/IRQ12 enables, SYS,
//!   keyboard/aux clock disables, translation to scan code set 1;
//! - commands 0xAA self-test, 0xAB/0xA9 interface tests, 0xAD/0xAE and
//!   0xA7/0xA8 disable/enable the interfaces, 0xC0 read input port,
//!   0xD0/0xD1 read/write output port (A20 gate, system reset), 0xD2/0xD3
//!   write the keyboard/aux output buffer, 0xD4 write to the aux device,
//!   0xDD/0xDF A20 off/on, 0xF0–0xFF pulse output port (0xFE: reset), the
//!   internal RAM (0x21–0x3F read, 0x61–0x7F write).
//!
//! The keyboard ([`keyboard`]) and mouse ([`mouse`]) are separate state
//! machines; the controller moves their bytes into its one-byte output
//! buffer, translating keyboard bytes to set 1 when the command byte asks.
//!
//! Timing and simplifications:
//! - Writes are consumed at once, so IBF is never set. The devices always
//!   answer, so the timeout and parity error bits are never set.
//! - Reading port 0x60 empties the output buffer; the next queued byte only
//!   moves in on [`I8042::service`] or a status read (port 0x64). The caller
//!   (the machine) calls `service` periodically, so IRQ1/IRQ12 fall after
//!   each data read and rise again for the next byte, which an
//!   edge-triggered 8259A needs. No clock is involved.
//! - Outputs are levels the caller polls: [`I8042::irq1_level`],
//!   [`I8042::irq12_level`], [`I8042::a20`] and
//!   [`I8042::take_reset_request`].

pub mod keyboard;
pub mod mouse;

use std::collections::VecDeque;

pub use keyboard::{Keyboard, Set1Translator};
pub use mouse::Mouse;

/// Data port: output buffer (read), input buffer as data (write).
pub const DATA_PORT: u16 = 0x60;
/// Status register (read), command register (write).
pub const STATUS_PORT: u16 = 0x64;
/// ISA IRQ of the keyboard.
pub const KBD_IRQ: u8 = 1;
/// ISA IRQ of the aux (mouse) port.
pub const AUX_IRQ: u8 = 12;

// Status register bits.
/// Output buffer full.
pub const STATUS_OBF: u8 = 1 << 0;
/// Input buffer full.
pub const STATUS_IBF: u8 = 1 << 1;
/// System flag (copied from command byte bit 2).
pub const STATUS_SYS: u8 = 1 << 2;
/// Last input-buffer write was a command (port 0x64) rather than data.
pub const STATUS_A2: u8 = 1 << 3;
/// Keyboard inhibit switch: 1 = not inhibited.
pub const STATUS_INH: u8 = 1 << 4;
/// The output buffer holds aux (mouse) data.
pub const STATUS_AUX_OBF: u8 = 1 << 5;
/// General timeout.
pub const STATUS_TIMEOUT: u8 = 1 << 6;
/// Parity error.
pub const STATUS_PARITY: u8 = 1 << 7;

// Command byte bits.
/// Raise IRQ1 when the output buffer holds keyboard data.
pub const CB_KBD_INT: u8 = 1 << 0;
/// Raise IRQ12 when the output buffer holds aux data.
pub const CB_AUX_INT: u8 = 1 << 1;
/// System flag.
pub const CB_SYS: u8 = 1 << 2;
/// Disable the keyboard interface (clock held low).
pub const CB_KBD_DISABLE: u8 = 1 << 4;
/// Disable the aux interface.
pub const CB_AUX_DISABLE: u8 = 1 << 5;
/// Translate keyboard scan codes to set 1.
pub const CB_XLATE: u8 = 1 << 6;
/// Command byte at power-on: keyboard IRQ, translation.
pub const CB_POWER_ON: u8 = CB_KBD_INT | CB_XLATE;

// Output port bits.
/// System reset line (active low).
pub const OP_RESET_N: u8 = 1 << 0;
/// A20 gate.
pub const OP_A20: u8 = 1 << 1;
/// Keyboard output buffer full (IRQ1).
pub const OP_KBD_OBF: u8 = 1 << 4;
/// Aux output buffer full (IRQ12).
pub const OP_AUX_OBF: u8 = 1 << 5;
/// Output port bits held in the latch (4 and 5 mirror the output buffer).
const OP_LATCHED: u8 = !(OP_KBD_OBF | OP_AUX_OBF);
/// Output port after reset: the 8042 port pins come up high (reset
/// deasserted, A20 gate enabled, keyboard clock/data released).
pub const OP_POWER_ON: u8 = 0xCF;
/// Input port value for 0xC0: bit 7 keyboard not inhibited, bit 5 no
/// manufacturing jumper, bit 4 512 KiB+ base memory.
pub const INPUT_PORT: u8 = 0xB0;

// Controller commands (port 0x64).
/// Read command byte (RAM byte 0).
pub const CMD_READ_CB: u8 = 0x20;
/// Write command byte; data follows on port 0x60.
pub const CMD_WRITE_CB: u8 = 0x60;
/// Disable the aux interface.
pub const CMD_DISABLE_AUX: u8 = 0xA7;
/// Enable the aux interface.
pub const CMD_ENABLE_AUX: u8 = 0xA8;
/// Aux interface test (0x00 = no error).
pub const CMD_TEST_AUX: u8 = 0xA9;
/// Controller self-test.
pub const CMD_SELF_TEST: u8 = 0xAA;
/// Keyboard interface test (0x00 = no error).
pub const CMD_TEST_KBD: u8 = 0xAB;
/// Disable the keyboard interface.
pub const CMD_DISABLE_KBD: u8 = 0xAD;
/// Enable the keyboard interface.
pub const CMD_ENABLE_KBD: u8 = 0xAE;
/// Read input port.
pub const CMD_READ_INPUT: u8 = 0xC0;
/// Read output port.
pub const CMD_READ_OUTPUT: u8 = 0xD0;
/// Write output port; data follows.
pub const CMD_WRITE_OUTPUT: u8 = 0xD1;
/// Write the keyboard output buffer (as if from the keyboard); data follows.
pub const CMD_WRITE_KBD_OBUF: u8 = 0xD2;
/// Write the aux output buffer (as if from the mouse); data follows.
pub const CMD_WRITE_AUX_OBUF: u8 = 0xD3;
/// Write the next data byte to the aux device.
pub const CMD_WRITE_AUX: u8 = 0xD4;
/// Disable A20 (HP Vectra extension).
pub const CMD_A20_OFF: u8 = 0xDD;
/// Enable A20 (HP Vectra extension).
pub const CMD_A20_ON: u8 = 0xDF;
/// Pulse output port bit 0 (system reset).
pub const CMD_PULSE_RESET: u8 = 0xFE;
/// Self-test passed.
pub const SELF_TEST_OK: u8 = 0x55;
/// Interface test passed.
pub const INTERFACE_TEST_OK: u8 = 0x00;

/// Where the byte in the output buffer came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// Controller or keyboard: IRQ1, AUX_OBF clear.
    Kbd,
    /// Mouse: IRQ12, AUX_OBF set.
    Aux,
}

/// The 8042 controller with its keyboard and mouse.
#[derive(Clone, Debug)]
pub struct I8042 {
    /// Internal RAM; byte 0 is the command byte.
    ram: [u8; 32],
    output_port: u8,
    /// Output buffer contents, if full.
    obuf: Option<(u8, Source)>,
    /// Last byte read from port 0x60 (read again when the buffer is empty).
    last_data: u8,
    /// Controller responses waiting for the output buffer (before device data).
    responses: VecDeque<(u8, Source)>,
    /// Controller command waiting for its data byte.
    pending: Option<u8>,
    /// A2: last write was to the command port.
    last_was_command: bool,
    reset_request: bool,
    translator: Set1Translator,
    /// The keyboard on the first port.
    pub keyboard: Keyboard,
    /// The mouse on the aux port.
    pub mouse: Mouse,
}

impl Default for I8042 {
    fn default() -> Self {
        Self::new()
    }
}

impl I8042 {
    /// A controller after power-on with a keyboard and mouse attached.
    pub fn new() -> Self {
        let mut ram = [0; 32];
        ram[0] = CB_POWER_ON;
        I8042 {
            ram,
            output_port: OP_POWER_ON,
            obuf: None,
            last_data: 0,
            responses: VecDeque::with_capacity(4),
            pending: None,
            last_was_command: false,
            reset_request: false,
            translator: Set1Translator::default(),
            keyboard: Keyboard::new(),
            mouse: Mouse::new(),
        }
    }

    /// The command byte.
    pub fn command_byte(&self) -> u8 {
        self.ram[0]
    }

    /// Reads port 0x60 or 0x64 (other ports read all-ones).
    pub fn read(&mut self, port: u16) -> u8 {
        match port {
            DATA_PORT => match self.obuf.take() {
                Some((b, _)) => {
                    self.last_data = b;
                    b
                }
                None => self.last_data,
            },
            STATUS_PORT => {
                self.service();
                self.status()
            }
            _ => 0xFF,
        }
    }

    /// Writes port 0x60 or 0x64 (other ports are ignored).
    pub fn write(&mut self, port: u16, value: u8) {
        match port {
            DATA_PORT => {
                self.last_was_command = false;
                match self.pending.take() {
                    Some(cmd) => self.command_data(cmd, value),
                    None => self.keyboard.write(value),
                }
            }
            STATUS_PORT => {
                self.last_was_command = true;
                self.pending = None;
                self.command(value);
            }
            _ => return,
        }
        self.service();
    }

    /// The status register.
    pub fn status(&self) -> u8 {
        let mut s = STATUS_INH;
        match self.obuf {
            Some((_, Source::Aux)) => s |= STATUS_OBF | STATUS_AUX_OBF,
            Some((_, Source::Kbd)) => s |= STATUS_OBF,
            None => {}
        }
        if self.ram[0] & CB_SYS != 0 {
            s |= STATUS_SYS;
        }
        if self.last_was_command {
            s |= STATUS_A2;
        }
        s
    }

    fn respond(&mut self, b: u8) {
        self.responses.push_back((b, Source::Kbd));
    }

    fn command(&mut self, cmd: u8) {
        match cmd {
            CMD_READ_CB..=0x3F => {
                let b = self.ram[(cmd & 0x1F) as usize];
                self.respond(b);
            }
            CMD_WRITE_CB..=0x7F
            | CMD_WRITE_OUTPUT
            | CMD_WRITE_KBD_OBUF
            | CMD_WRITE_AUX_OBUF
            | CMD_WRITE_AUX => self.pending = Some(cmd),
            CMD_DISABLE_AUX => self.ram[0] |= CB_AUX_DISABLE,
            CMD_ENABLE_AUX => self.ram[0] &= !CB_AUX_DISABLE,
            CMD_TEST_AUX | CMD_TEST_KBD => self.respond(INTERFACE_TEST_OK),
            CMD_SELF_TEST => {
                // A successful self-test sets the system flag.
                self.ram[0] |= CB_SYS;
                self.respond(SELF_TEST_OK);
            }
            CMD_DISABLE_KBD => self.ram[0] |= CB_KBD_DISABLE,
            CMD_ENABLE_KBD => self.ram[0] &= !CB_KBD_DISABLE,
            CMD_READ_INPUT => self.respond(INPUT_PORT),
            CMD_READ_OUTPUT => {
                let b = self.output_port_value();
                self.respond(b);
            }
            CMD_A20_OFF => self.output_port &= !OP_A20,
            CMD_A20_ON => self.output_port |= OP_A20,
            0xF0..=0xFF => {
                // Pulse the output port bits whose command bit is 0; only
                // bit 0 (reset) has an effect worth modelling.
                if cmd & OP_RESET_N == 0 {
                    self.reset_request = true;
                }
            }
            _ => log::debug!("i8042: unhandled controller command {cmd:#04x}"),
        }
    }

    fn command_data(&mut self, cmd: u8, value: u8) {
        match cmd {
            CMD_WRITE_CB..=0x7F => {
                // Bit 3 and 7 of the command byte are reserved (read 0).
                let v = if cmd == CMD_WRITE_CB {
                    value & 0x77
                } else {
                    value
                };
                self.ram[(cmd & 0x1F) as usize] = v;
            }
            CMD_WRITE_OUTPUT => {
                self.output_port = value & OP_LATCHED;
                if value & OP_RESET_N == 0 {
                    self.reset_request = true;
                }
            }
            CMD_WRITE_KBD_OBUF => self.responses.push_back((value, Source::Kbd)),
            CMD_WRITE_AUX_OBUF => self.responses.push_back((value, Source::Aux)),
            CMD_WRITE_AUX => self.mouse.write(value),
            _ => {}
        }
    }

    fn output_port_value(&self) -> u8 {
        let mut v = self.output_port & OP_LATCHED;
        match self.obuf {
            Some((_, Source::Kbd)) => v |= OP_KBD_OBF,
            Some((_, Source::Aux)) => v |= OP_AUX_OBF,
            None => {}
        }
        v
    }

    /// Moves the next waiting byte into an empty output buffer: controller
    /// responses first, then keyboard data (translated when the command
    /// byte's XLATE bit is set), then mouse data. A device's data waits
    /// while its interface is disabled.
    pub fn service(&mut self) {
        if self.obuf.is_some() {
            return;
        }
        if let Some(r) = self.responses.pop_front() {
            self.obuf = Some(r);
            return;
        }
        if self.ram[0] & CB_KBD_DISABLE == 0 {
            while let Some(b) = self.keyboard.pop() {
                if self.ram[0] & CB_XLATE == 0 {
                    self.obuf = Some((b, Source::Kbd));
                    return;
                }
                if let Some(t) = self.translator.feed(b) {
                    self.obuf = Some((t, Source::Kbd));
                    return;
                }
            }
        }
        if self.ram[0] & CB_AUX_DISABLE == 0 {
            if let Some(b) = self.mouse.pop() {
                self.obuf = Some((b, Source::Aux));
            }
        }
    }

    /// IRQ1 output: keyboard data in the output buffer and CB_KBD_INT set.
    pub fn irq1_level(&self) -> bool {
        matches!(self.obuf, Some((_, Source::Kbd))) && self.ram[0] & CB_KBD_INT != 0
    }

    /// IRQ12 output: aux data in the output buffer and CB_AUX_INT set.
    pub fn irq12_level(&self) -> bool {
        matches!(self.obuf, Some((_, Source::Aux))) && self.ram[0] & CB_AUX_INT != 0
    }

    /// The A20 gate output (output port bit 1).
    pub fn a20(&self) -> bool {
        self.output_port & OP_A20 != 0
    }

    /// Returns and clears a pending system reset request (output port bit 0
    /// driven low by 0xD1 or pulsed by 0xFE). The machine polls this.
    pub fn take_reset_request(&mut self) -> bool {
        std::mem::take(&mut self.reset_request)
    }

    /// Host key event as a set-2 sequence (see [`Keyboard::key_event`]).
    /// The first byte moves into an empty output buffer at once.
    pub fn key_event(&mut self, set2_bytes: &[u8]) {
        self.keyboard.key_event(set2_bytes);
        self.service();
    }

    /// Host mouse event (see [`Mouse::mouse_motion`]).
    /// The first byte moves into an empty output buffer at once.
    pub fn mouse_motion(&mut self, dx: i32, dy: i32, dz: i32, buttons: u8) {
        self.mouse.mouse_motion(dx, dy, dz, buttons);
        self.service();
    }
}

#[cfg(test)]
mod tests;
