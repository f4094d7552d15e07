//! Port 0x92, "system control port A" (IBM PS/2 Technical Reference, Intel
//! 82371 PIIX "Port 92h"): the fast A20 gate and the fast reset.
//!
//! - Bit 1 (`ALT_A20_GATE`): A20 enabled while set. The machine ORs
//!   [`Port92::a20`] with the 8042's A20 output to gate address line 20.
//! - Bit 0 (`ALT_RESET`): writing 1 requests a CPU reset. The request is
//!   latched until the machine takes it with [`Port92::take_reset_request`];
//!   the bit itself reads back as 0 (it is a pulse, not a state).
//! - Bits 7–2 are stored and read back (on the PS/2 they are the fixed-disk
//!   activity lights and the CMOS security lock; nothing here uses them).
//!
//! The device is a plain state machine; the I/O bus (`io_bus`) ORs its A20
//! output with the 8042's and the machine applies it and the reset.

/// The system control port A.
pub const PORT92: u16 = 0x92;
/// Bit 1: alternate (fast) A20 gate.
pub const ALT_A20_GATE: u8 = 0x02;
/// Bit 0: alternate (fast) reset.
pub const ALT_RESET: u8 = 0x01;

/// Port 0x92 state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Port92 {
    value: u8,
    reset_requested: bool,
}

impl Port92 {
    /// Power-on state: A20 gate off, no reset pending.
    pub fn new() -> Self {
        Port92::default()
    }

    /// Reads the port (bit 0 always 0).
    pub fn read(&self) -> u8 {
        self.value
    }

    /// Writes the port: sets the A20 gate from bit 1; bit 0 = 1 requests a
    /// reset.
    pub fn write(&mut self, value: u8) {
        self.value = value & !ALT_RESET;
        if value & ALT_RESET != 0 {
            self.reset_requested = true;
        }
    }

    /// The fast A20 gate output.
    pub fn a20(&self) -> bool {
        self.value & ALT_A20_GATE != 0
    }

    /// A reset was requested and not yet taken.
    pub fn reset_pending(&self) -> bool {
        self.reset_requested
    }

    /// Takes (and clears) a pending reset request; the machine polls this.
    pub fn take_reset_request(&mut self) -> bool {
        std::mem::take(&mut self.reset_requested)
    }

    /// System reset: the register returns to its power-on value.
    pub fn reset(&mut self) {
        *self = Port92::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_a20_gate_follows_bit_1() {
        // (value written, A20 output, value read back)
        let cases = [
            (0x02, true, 0x02),
            (0x00, false, 0x00),
            (0xC2, true, 0xC2),
            (0xFD, false, 0xFC),
        ];
        let mut p = Port92::new();
        assert!(!p.a20());
        for (value, a20, read) in cases {
            p.write(value);
            assert_eq!(p.a20(), a20, "{value:#x}");
            assert_eq!(p.read(), read, "{value:#x}");
            p.take_reset_request();
        }
    }

    #[test]
    fn fast_reset_bit_0_requests_a_reset_once() {
        let mut p = Port92::new();
        p.write(ALT_A20_GATE);
        assert!(!p.reset_pending());
        p.write(ALT_A20_GATE | ALT_RESET);
        assert!(p.reset_pending());
        assert_eq!(p.read(), ALT_A20_GATE, "reset bit reads 0");
        assert!(p.take_reset_request());
        assert!(!p.take_reset_request());
        p.reset();
        assert!(!p.a20());
        assert_eq!(p, Port92::new());
    }
}
