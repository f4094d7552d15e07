//! PS/2 (IBM PC/AT MF-II) keyboard behind the 8042 keyboard port.
//!
//! Implements the keyboard side of the IBM "Keyboard and Auxiliary Device
//! Controller" protocol (IBM PS/2 Hardware Interface Technical Reference,
//! "Keyboard" chapter, "Commands from the System" and "Commands to the
//! System"): the keyboard answers every command byte with ACK (0xFA) and
//! queues scan codes for the controller to fetch.
//!
//! Modelled: reset (0xFF → 0xFA 0xAA), identify (0xF2 → 0xFA 0xAB 0x83),
//! get/set scan code set (0xF0), LEDs (0xED), typematic rate/delay (0xF3,
//! stored only), enable/disable scanning (0xF4/0xF5), set defaults (0xF6),
//! echo (0xEE), resend (0xFE), the set-3 key-type commands 0xF7–0xFD
//! (acknowledged, no effect), a 16-byte output buffer with the overrun code.
//!
//! Host keys arrive as set-2 make/break sequences ([`Keyboard::key_event`]).
//! With set 1 selected the keyboard converts them itself (the same table the
//! controller uses for translation). **Set 3 is not implemented** (no set-3
//! key table): selecting it is refused with 0xFE like an invalid set, so
//! drivers that probe for it (Linux `atkbd`) stay in set 2 instead of
//! receiving wrong codes. There is no typematic repeat: the host sends
//! repeats as repeated make codes if it wants them.

use std::collections::VecDeque;

/// Acknowledge: sent after every valid command or parameter byte.
pub const KBD_ACK: u8 = 0xFA;
/// Basic assurance test passed (sent after reset).
pub const KBD_BAT_OK: u8 = 0xAA;
/// Echo response.
pub const KBD_ECHO: u8 = 0xEE;
/// Resend request (invalid command or parameter).
pub const KBD_RESEND: u8 = 0xFE;
/// Keyboard ID bytes of an MF-II keyboard, sent after 0xF2.
pub const KBD_ID: [u8; 2] = [0xAB, 0x83];
/// Overrun code in scan code sets 2 and 3.
pub const KBD_OVERRUN_SET2: u8 = 0x00;
/// Overrun code in scan code set 1.
pub const KBD_OVERRUN_SET1: u8 = 0xFF;
/// Break prefix of scan code sets 2 and 3.
pub const SET2_BREAK_PREFIX: u8 = 0xF0;

// Commands from the system.
/// Set/reset mode indicators (LEDs); one parameter byte.
pub const CMD_SET_LEDS: u8 = 0xED;
/// Echo.
pub const CMD_ECHO: u8 = 0xEE;
/// Select alternate scan codes; one parameter (0 = report current set).
pub const CMD_SCANCODE_SET: u8 = 0xF0;
/// Read ID.
pub const CMD_IDENTIFY: u8 = 0xF2;
/// Set typematic rate/delay; one parameter byte.
pub const CMD_TYPEMATIC: u8 = 0xF3;
/// Enable (start scanning); clears the output buffer.
pub const CMD_ENABLE: u8 = 0xF4;
/// Default disable: reset to defaults and stop scanning.
pub const CMD_DISABLE: u8 = 0xF5;
/// Set default parameters.
pub const CMD_SET_DEFAULT: u8 = 0xF6;
/// Resend the last byte sent.
pub const CMD_RESEND: u8 = 0xFE;
/// Reset and run the basic assurance test.
pub const CMD_RESET: u8 = 0xFF;

/// Size of the keyboard's output buffer in bytes.
pub const KBD_BUFFER_LEN: usize = 16;
/// Default typematic byte: 10.9 characters/s, 500 ms delay.
pub const TYPEMATIC_DEFAULT: u8 = 0x2B;

/// Standard 8042 scan code translation table: set-2 code → set-1 code
/// (codes 0x00–0x7F; see [`set2_to_set1`] for the rest).
#[rustfmt::skip]
const SET2_TO_SET1: [u8; 128] = [
    0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
    0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
    0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
    0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
    0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
    0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45, 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
];

/// Translates one set-2 code (not a prefix) to its set-1 code. Codes 0x80
/// and above pass unchanged except 0x83 (F7) and 0x84 (Alt+SysRq).
pub fn set2_to_set1(code: u8) -> u8 {
    match code {
        0x00..=0x7F => SET2_TO_SET1[code as usize],
        0x83 => 0x41,
        0x84 => 0x54,
        _ => code,
    }
}

/// Stateful set-2 → set-1 translator: an 0xF0 break prefix is swallowed and
/// the following code is translated with bit 7 set (the set-1 break form).
/// Prefix bytes 0xE0/0xE1 and responses (0xFA, 0xAA, 0xEE, 0xFE) pass
/// through unchanged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Set1Translator {
    break_pending: bool,
}

impl Set1Translator {
    /// Feeds one byte; returns the translated byte, or `None` for a
    /// swallowed break prefix.
    pub fn feed(&mut self, byte: u8) -> Option<u8> {
        if byte == SET2_BREAK_PREFIX {
            self.break_pending = true;
            return None;
        }
        let out = match byte {
            0xE0 | 0xE1 | KBD_ACK | KBD_BAT_OK | KBD_ECHO | KBD_RESEND => byte,
            _ => set2_to_set1(byte),
        };
        if std::mem::take(&mut self.break_pending) {
            Some(out | 0x80)
        } else {
            Some(out)
        }
    }

    /// Forgets a pending break prefix.
    pub fn reset(&mut self) {
        self.break_pending = false;
    }
}

/// A PS/2 keyboard.
#[derive(Clone, Debug)]
pub struct Keyboard {
    /// Bytes waiting to be sent to the controller.
    queue: VecDeque<u8>,
    /// Command waiting for its parameter byte.
    pending: Option<u8>,
    /// Last byte handed to the controller, for 0xFE.
    last_sent: u8,
    scanning: bool,
    scancode_set: u8,
    leds: u8,
    typematic: u8,
    /// Set-1 conversion of host input when set 1 is selected.
    set1: Set1Translator,
}

impl Default for Keyboard {
    fn default() -> Self {
        Self::new()
    }
}

impl Keyboard {
    /// A keyboard after power-on: BAT passed (0xAA queued), set 2, scanning.
    pub fn new() -> Self {
        let mut kbd = Keyboard {
            queue: VecDeque::with_capacity(KBD_BUFFER_LEN),
            pending: None,
            last_sent: 0,
            scanning: true,
            scancode_set: 2,
            leds: 0,
            typematic: TYPEMATIC_DEFAULT,
            set1: Set1Translator::default(),
        };
        kbd.queue.push_back(KBD_BAT_OK);
        kbd
    }

    /// Restores the default parameters (0xF6 / 0xF5 / reset).
    fn set_defaults(&mut self) {
        self.scancode_set = 2;
        self.typematic = TYPEMATIC_DEFAULT;
        self.set1.reset();
    }

    /// A byte the controller sends to the keyboard (a port 0x60 data write
    /// with no controller command pending).
    pub fn write(&mut self, byte: u8) {
        if let Some(cmd) = self.pending {
            // A parameter byte; a byte with bit 7 set is a new command.
            if byte & 0x80 == 0 {
                self.pending = None;
                self.parameter(cmd, byte);
                return;
            }
            self.pending = None;
        }
        match byte {
            CMD_SET_LEDS | CMD_SCANCODE_SET | CMD_TYPEMATIC => {
                self.pending = Some(byte);
                self.respond(&[KBD_ACK]);
            }
            CMD_ECHO => self.respond(&[KBD_ECHO]),
            CMD_IDENTIFY => self.respond(&[KBD_ACK, KBD_ID[0], KBD_ID[1]]),
            CMD_ENABLE => {
                self.queue.clear();
                self.scanning = true;
                self.respond(&[KBD_ACK]);
            }
            CMD_DISABLE => {
                self.queue.clear();
                self.set_defaults();
                self.scanning = false;
                self.respond(&[KBD_ACK]);
            }
            CMD_SET_DEFAULT => {
                self.queue.clear();
                self.set_defaults();
                self.respond(&[KBD_ACK]);
            }
            // Set-3 key type commands: acknowledged in any set, no effect.
            0xF7..=0xFD => self.respond(&[KBD_ACK]),
            CMD_RESEND => {
                let last = self.last_sent;
                self.queue.push_front(last);
            }
            CMD_RESET => {
                self.queue.clear();
                self.set_defaults();
                self.leds = 0;
                self.scanning = true;
                self.respond(&[KBD_ACK, KBD_BAT_OK]);
            }
            _ => {
                log::debug!("ps/2 keyboard: unknown command {byte:#04x}");
                self.respond(&[KBD_RESEND]);
            }
        }
    }

    fn parameter(&mut self, cmd: u8, value: u8) {
        match cmd {
            CMD_SET_LEDS => {
                self.leds = value & 0x07;
                self.respond(&[KBD_ACK]);
            }
            CMD_TYPEMATIC => {
                self.typematic = value & 0x7F;
                self.respond(&[KBD_ACK]);
            }
            CMD_SCANCODE_SET => match value {
                0 => {
                    let set = self.scancode_set;
                    self.respond(&[KBD_ACK, set]);
                }
                // Set 3 is refused until a set-3 key table exists.
                1 | 2 => {
                    self.scancode_set = value;
                    self.set1.reset();
                    self.respond(&[KBD_ACK]);
                }
                _ => self.respond(&[KBD_RESEND]),
            },
            _ => {}
        }
    }

    /// Queues command responses (they are never dropped: the buffer is
    /// cleared by the commands that could fill it).
    fn respond(&mut self, bytes: &[u8]) {
        self.queue.extend(bytes.iter().copied());
    }

    /// A host key event as a set-2 make or break sequence (e.g. `[0x1C]`
    /// for A pressed, `[0xF0, 0x1C]` released, `[0xE0, 0xF0, 0x75]` Up
    /// released). Dropped while scanning is disabled. If the whole sequence
    /// does not fit in the buffer, the overrun code is queued instead.
    pub fn key_event(&mut self, set2_bytes: &[u8]) {
        if !self.scanning || set2_bytes.is_empty() {
            return;
        }
        let overrun = if self.scancode_set == 1 {
            KBD_OVERRUN_SET1
        } else {
            KBD_OVERRUN_SET2
        };
        // One slot stays reserved for the overrun code.
        if self.queue.len() + set2_bytes.len() >= KBD_BUFFER_LEN {
            if self.queue.back() != Some(&overrun) && self.queue.len() < KBD_BUFFER_LEN {
                self.queue.push_back(overrun);
            }
            return;
        }
        for &b in set2_bytes {
            if self.scancode_set == 1 {
                if let Some(t) = self.set1.feed(b) {
                    self.queue.push_back(t);
                }
            } else {
                self.queue.push_back(b);
            }
        }
    }

    /// Whether a byte is waiting for the controller.
    pub fn has_data(&self) -> bool {
        !self.queue.is_empty()
    }

    /// Takes the next byte for the controller.
    pub fn pop(&mut self) -> Option<u8> {
        let b = self.queue.pop_front()?;
        self.last_sent = b;
        Some(b)
    }

    /// LED state from 0xED: bit 0 Scroll Lock, bit 1 Num Lock, bit 2 Caps Lock.
    pub fn leds(&self) -> u8 {
        self.leds
    }

    /// Selected scan code set (1 or 2).
    pub fn scancode_set(&self) -> u8 {
        self.scancode_set
    }

    /// Typematic rate/delay byte from 0xF3.
    pub fn typematic(&self) -> u8 {
        self.typematic
    }

    /// Whether scanning is enabled (0xF4) or disabled (0xF5).
    pub fn scanning(&self) -> bool {
        self.scanning
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(k: &mut Keyboard) -> Vec<u8> {
        std::iter::from_fn(|| k.pop()).collect()
    }

    fn fresh() -> Keyboard {
        let mut k = Keyboard::new();
        assert_eq!(drain(&mut k), [KBD_BAT_OK]);
        k
    }

    #[test]
    fn keyboard_reset_sequence() {
        let mut k = fresh();
        k.write(CMD_SCANCODE_SET);
        k.write(1);
        k.write(CMD_DISABLE);
        drain(&mut k);
        k.key_event(&[0x1C]);
        k.write(CMD_RESET);
        assert_eq!(drain(&mut k), [KBD_ACK, KBD_BAT_OK]);
        assert_eq!(k.scancode_set(), 2);
        assert!(k.scanning());
    }

    #[test]
    fn identify() {
        let mut k = fresh();
        k.write(CMD_IDENTIFY);
        assert_eq!(drain(&mut k), [0xFA, 0xAB, 0x83]);
    }

    #[test]
    fn scancode_set_get_and_set() {
        let mut k = fresh();
        let cases: [(u8, &[u8], u8); 6] = [
            (2, &[KBD_ACK, KBD_ACK], 2),
            (0, &[KBD_ACK, KBD_ACK, 2], 2),
            (3, &[KBD_ACK, KBD_RESEND], 2),
            (1, &[KBD_ACK, KBD_ACK], 1),
            (0, &[KBD_ACK, KBD_ACK, 1], 1),
            (4, &[KBD_ACK, KBD_RESEND], 1),
        ];
        for (param, reply, set) in cases {
            k.write(CMD_SCANCODE_SET);
            k.write(param);
            assert_eq!(drain(&mut k), reply, "param {param}");
            assert_eq!(k.scancode_set(), set);
        }
    }

    #[test]
    fn set_leds_and_typematic() {
        let mut k = fresh();
        k.write(CMD_SET_LEDS);
        k.write(0x05);
        k.write(CMD_TYPEMATIC);
        k.write(0x20);
        assert_eq!(drain(&mut k), [KBD_ACK; 4]);
        assert_eq!(k.leds(), 5);
        assert_eq!(k.typematic(), 0x20);
    }

    #[test]
    fn command_interrupts_pending_parameter() {
        let mut k = fresh();
        k.write(CMD_SET_LEDS);
        k.write(CMD_ECHO);
        assert_eq!(drain(&mut k), [KBD_ACK, KBD_ECHO]);
        assert_eq!(k.leds(), 0);
    }

    #[test]
    fn enable_disable_scanning() {
        let mut k = fresh();
        k.write(CMD_DISABLE);
        k.key_event(&[0x1C]);
        assert_eq!(drain(&mut k), [KBD_ACK]);
        k.write(CMD_ENABLE);
        k.key_event(&[0x1C]);
        assert_eq!(drain(&mut k), [KBD_ACK, 0x1C]);
    }

    #[test]
    fn resend_repeats_last_byte() {
        let mut k = fresh();
        k.write(CMD_ECHO);
        assert_eq!(drain(&mut k), [KBD_ECHO]);
        k.write(CMD_RESEND);
        assert_eq!(drain(&mut k), [KBD_ECHO]);
        k.write(0x01);
        assert_eq!(drain(&mut k), [KBD_RESEND]);
    }

    #[test]
    fn set1_selected_converts_host_keys() {
        let mut k = fresh();
        k.write(CMD_SCANCODE_SET);
        k.write(1);
        drain(&mut k);
        k.key_event(&[0x1C]);
        k.key_event(&[0xF0, 0x1C]);
        k.key_event(&[0xE0, 0xF0, 0x75]);
        assert_eq!(drain(&mut k), [0x1E, 0x9E, 0xE0, 0xC8]);
    }

    #[test]
    fn buffer_overrun_code() {
        let mut k = fresh();
        for _ in 0..20 {
            k.key_event(&[0x1C]);
        }
        let out = drain(&mut k);
        assert_eq!(out.len(), KBD_BUFFER_LEN);
        assert_eq!(out[KBD_BUFFER_LEN - 1], KBD_OVERRUN_SET2);
        assert!(out[..KBD_BUFFER_LEN - 1].iter().all(|&b| b == 0x1C));
    }

    #[test]
    fn translation_table_samples() {
        // (set 2, set 1): A, Esc, Enter, F1, F7, Space, KP*, Alt+SysRq, 1.
        let cases = [
            (0x1C, 0x1E),
            (0x76, 0x01),
            (0x5A, 0x1C),
            (0x05, 0x3B),
            (0x83, 0x41),
            (0x29, 0x39),
            (0x7C, 0x37),
            (0x84, 0x54),
            (0x16, 0x02),
        ];
        for (s2, s1) in cases {
            assert_eq!(set2_to_set1(s2), s1, "set 2 code {s2:#04x}");
        }
    }
}
