//! Host keys (as `minifb` reports them) → PS/2 scan code set 2 make and
//! break sequences for [`devices::i8042::I8042::key_event`], which
//! translates them to set 1 when the guest's 8042 command byte asks.
//!
//! Codes from the IBM PS/2 keyboard technical reference (scan code set 2,
//! 101/102-key layout; Windows keys and Menu from Microsoft's "Keyboard
//! Scan Code Specification"; F13–F15 from the same). A plain key's break
//! is `F0 code`; an extended key's make is `E0 code` and its break
//! `E0 F0 code`. Pause sends `E1 14 77 E1 F0 14 F0 77` when pressed and
//! nothing when released. minifb does not report Print Screen (it has no
//! key for it), so there is no entry for it; it maps keys by the keysym of
//! the unshifted key, so the table is a US layout: on another host layout
//! a key sends the code of the US key with the same symbol.
//!
//! Auto-repeat is left to the guest's keyboard model (typematic), so only
//! the first press of a held key is sent ([`KeyState`]).

use minifb::Key;

/// A set-2 byte sequence (at most 8 bytes: Pause).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScanBytes {
    len: u8,
    bytes: [u8; 8],
}

impl ScanBytes {
    fn new(src: &[u8]) -> Self {
        let mut bytes = [0; 8];
        bytes[..src.len()].copy_from_slice(src);
        ScanBytes {
            len: src.len() as u8,
            bytes,
        }
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// How a key is coded in set 2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Code {
    /// One byte; break `F0 code`.
    Plain(u8),
    /// `E0 code`; break `E0 F0 code`.
    Extended(u8),
    /// Pause/Break: a make sequence only.
    Pause,
}

/// The set-2 code of a host key; `None` for keys with no PC equivalent.
fn code(key: Key) -> Option<Code> {
    use Code::{Extended as E, Plain as P};
    Some(match key {
        Key::Key0 => P(0x45),
        Key::Key1 => P(0x16),
        Key::Key2 => P(0x1E),
        Key::Key3 => P(0x26),
        Key::Key4 => P(0x25),
        Key::Key5 => P(0x2E),
        Key::Key6 => P(0x36),
        Key::Key7 => P(0x3D),
        Key::Key8 => P(0x3E),
        Key::Key9 => P(0x46),
        Key::A => P(0x1C),
        Key::B => P(0x32),
        Key::C => P(0x21),
        Key::D => P(0x23),
        Key::E => P(0x24),
        Key::F => P(0x2B),
        Key::G => P(0x34),
        Key::H => P(0x33),
        Key::I => P(0x43),
        Key::J => P(0x3B),
        Key::K => P(0x42),
        Key::L => P(0x4B),
        Key::M => P(0x3A),
        Key::N => P(0x31),
        Key::O => P(0x44),
        Key::P => P(0x4D),
        Key::Q => P(0x15),
        Key::R => P(0x2D),
        Key::S => P(0x1B),
        Key::T => P(0x2C),
        Key::U => P(0x3C),
        Key::V => P(0x2A),
        Key::W => P(0x1D),
        Key::X => P(0x22),
        Key::Y => P(0x35),
        Key::Z => P(0x1A),
        Key::F1 => P(0x05),
        Key::F2 => P(0x06),
        Key::F3 => P(0x04),
        Key::F4 => P(0x0C),
        Key::F5 => P(0x03),
        Key::F6 => P(0x0B),
        Key::F7 => P(0x83),
        Key::F8 => P(0x0A),
        Key::F9 => P(0x01),
        Key::F10 => P(0x09),
        Key::F11 => P(0x78),
        Key::F12 => P(0x07),
        Key::F13 => P(0x08),
        Key::F14 => P(0x10),
        Key::F15 => P(0x18),
        Key::Down => E(0x72),
        Key::Left => E(0x6B),
        Key::Right => E(0x74),
        Key::Up => E(0x75),
        Key::Apostrophe => P(0x52),
        Key::Backquote => P(0x0E),
        Key::Backslash => P(0x5D),
        Key::Comma => P(0x41),
        Key::Equal => P(0x55),
        Key::LeftBracket => P(0x54),
        Key::Minus => P(0x4E),
        Key::Period => P(0x49),
        Key::RightBracket => P(0x5B),
        Key::Semicolon => P(0x4C),
        Key::Slash => P(0x4A),
        Key::Backspace => P(0x66),
        Key::Delete => E(0x71),
        Key::End => E(0x69),
        Key::Enter => P(0x5A),
        Key::Escape => P(0x76),
        Key::Home => E(0x6C),
        Key::Insert => E(0x70),
        Key::Menu => E(0x2F),
        Key::PageDown => E(0x7A),
        Key::PageUp => E(0x7D),
        Key::Pause => return Some(Code::Pause),
        Key::Space => P(0x29),
        Key::Tab => P(0x0D),
        Key::NumLock => P(0x77),
        Key::CapsLock => P(0x58),
        Key::ScrollLock => P(0x7E),
        Key::LeftShift => P(0x12),
        Key::RightShift => P(0x59),
        Key::LeftCtrl => P(0x14),
        Key::RightCtrl => E(0x14),
        Key::NumPad0 => P(0x70),
        Key::NumPad1 => P(0x69),
        Key::NumPad2 => P(0x72),
        Key::NumPad3 => P(0x7A),
        Key::NumPad4 => P(0x6B),
        Key::NumPad5 => P(0x73),
        Key::NumPad6 => P(0x74),
        Key::NumPad7 => P(0x6C),
        Key::NumPad8 => P(0x75),
        Key::NumPad9 => P(0x7D),
        Key::NumPadDot => P(0x71),
        Key::NumPadSlash => E(0x4A),
        Key::NumPadAsterisk => P(0x7C),
        Key::NumPadMinus => P(0x7B),
        Key::NumPadPlus => P(0x79),
        Key::NumPadEnter => E(0x5A),
        Key::LeftAlt => P(0x11),
        Key::RightAlt => E(0x11),
        Key::LeftSuper => E(0x1F),
        Key::RightSuper => E(0x27),
        Key::Unknown | Key::Count => return None,
    })
}

/// Pause/Break's make sequence (it has no break).
const PAUSE: [u8; 8] = [0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77];

/// The set-2 bytes for `key` pressed (`down`) or released; `None` when the
/// key has no PC code or no bytes for that edge (Pause released).
pub fn scan_bytes(key: Key, down: bool) -> Option<ScanBytes> {
    let bytes = match (code(key)?, down) {
        (Code::Plain(c), true) => ScanBytes::new(&[c]),
        (Code::Plain(c), false) => ScanBytes::new(&[0xF0, c]),
        (Code::Extended(c), true) => ScanBytes::new(&[0xE0, c]),
        (Code::Extended(c), false) => ScanBytes::new(&[0xE0, 0xF0, c]),
        (Code::Pause, true) => ScanBytes::new(&PAUSE),
        (Code::Pause, false) => return None,
    };
    Some(bytes)
}

/// Which host keys are down, so that host auto-repeat (repeated presses
/// without a release) is not passed on, and held keys can be released
/// when the window loses the keyboard.
#[derive(Clone, Debug)]
pub struct KeyState {
    down: [bool; Key::Count as usize],
}

impl Default for KeyState {
    fn default() -> Self {
        KeyState {
            down: [false; Key::Count as usize],
        }
    }
}

impl KeyState {
    /// Record a host key event; returns the bytes for the guest, if the
    /// event is a real edge with a PC code.
    pub fn event(&mut self, key: Key, down: bool) -> Option<ScanBytes> {
        let slot = self.down.get_mut(key as usize)?;
        if *slot == down {
            return None;
        }
        *slot = down;
        scan_bytes(key, down)
    }

    /// Whether `key` is down.
    pub fn is_down(&self, key: Key) -> bool {
        self.down.get(key as usize).copied().unwrap_or(false)
    }

    /// Release every key that is down (focus lost): the break sequences.
    pub fn release_all(&mut self) -> Vec<ScanBytes> {
        let mut out = Vec::new();
        for (n, d) in self.down.iter_mut().enumerate() {
            if std::mem::take(d) {
                if let Some(b) = u8::try_from(n).ok().and_then(key_from_index) {
                    out.extend(scan_bytes(b, false));
                }
            }
        }
        out
    }
}

/// Every key minifb can report, in index order.
#[rustfmt::skip]
pub const ALL_KEYS: [Key; 107] = {
    use Key::*;
    [
        Key0, Key1, Key2, Key3, Key4, Key5, Key6, Key7, Key8, Key9, A, B, C, D, E, F, G, H, I, J, K,
        L, M, N, O, P, Q, R, S, T, U, V, W, X, Y, Z, F1, F2, F3, F4, F5, F6, F7, F8, F9, F10, F11,
        F12, F13, F14, F15, Down, Left, Right, Up, Apostrophe, Backquote, Backslash, Comma, Equal,
        LeftBracket, Minus, Period, RightBracket, Semicolon, Slash, Backspace, Delete, End, Enter,
        Escape, Home, Insert, Menu, PageDown, PageUp, Pause, Space, Tab, NumLock, CapsLock,
        ScrollLock, LeftShift, RightShift, LeftCtrl, RightCtrl, NumPad0, NumPad1, NumPad2, NumPad3,
        NumPad4, NumPad5, NumPad6, NumPad7, NumPad8, NumPad9, NumPadDot, NumPadSlash,
        NumPadAsterisk, NumPadMinus, NumPadPlus, NumPadEnter, LeftAlt, RightAlt, LeftSuper,
        RightSuper, Unknown,
    ]
};

/// The key with index `n` (its `as usize` value).
fn key_from_index(n: u8) -> Option<Key> {
    ALL_KEYS.get(usize::from(n)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use devices::i8042::Set1Translator;

    /// Set-1 make codes (IBM PC/AT, translated by the 8042) for every key;
    /// extended keys with their E0 prefix. Written independently of the
    /// set-2 table above: translating set 2 must give these.
    const SET1: &[(Key, &[u8])] = &[
        (Key::Key1, &[0x02]),
        (Key::Key2, &[0x03]),
        (Key::Key3, &[0x04]),
        (Key::Key4, &[0x05]),
        (Key::Key5, &[0x06]),
        (Key::Key6, &[0x07]),
        (Key::Key7, &[0x08]),
        (Key::Key8, &[0x09]),
        (Key::Key9, &[0x0A]),
        (Key::Key0, &[0x0B]),
        (Key::Minus, &[0x0C]),
        (Key::Equal, &[0x0D]),
        (Key::Backspace, &[0x0E]),
        (Key::Tab, &[0x0F]),
        (Key::Q, &[0x10]),
        (Key::W, &[0x11]),
        (Key::E, &[0x12]),
        (Key::R, &[0x13]),
        (Key::T, &[0x14]),
        (Key::Y, &[0x15]),
        (Key::U, &[0x16]),
        (Key::I, &[0x17]),
        (Key::O, &[0x18]),
        (Key::P, &[0x19]),
        (Key::LeftBracket, &[0x1A]),
        (Key::RightBracket, &[0x1B]),
        (Key::Enter, &[0x1C]),
        (Key::LeftCtrl, &[0x1D]),
        (Key::A, &[0x1E]),
        (Key::S, &[0x1F]),
        (Key::D, &[0x20]),
        (Key::F, &[0x21]),
        (Key::G, &[0x22]),
        (Key::H, &[0x23]),
        (Key::J, &[0x24]),
        (Key::K, &[0x25]),
        (Key::L, &[0x26]),
        (Key::Semicolon, &[0x27]),
        (Key::Apostrophe, &[0x28]),
        (Key::Backquote, &[0x29]),
        (Key::LeftShift, &[0x2A]),
        (Key::Backslash, &[0x2B]),
        (Key::Z, &[0x2C]),
        (Key::X, &[0x2D]),
        (Key::C, &[0x2E]),
        (Key::V, &[0x2F]),
        (Key::B, &[0x30]),
        (Key::N, &[0x31]),
        (Key::M, &[0x32]),
        (Key::Comma, &[0x33]),
        (Key::Period, &[0x34]),
        (Key::Slash, &[0x35]),
        (Key::RightShift, &[0x36]),
        (Key::NumPadAsterisk, &[0x37]),
        (Key::LeftAlt, &[0x38]),
        (Key::Space, &[0x39]),
        (Key::CapsLock, &[0x3A]),
        (Key::F1, &[0x3B]),
        (Key::F2, &[0x3C]),
        (Key::F3, &[0x3D]),
        (Key::F4, &[0x3E]),
        (Key::F5, &[0x3F]),
        (Key::F6, &[0x40]),
        (Key::F7, &[0x41]),
        (Key::F8, &[0x42]),
        (Key::F9, &[0x43]),
        (Key::F10, &[0x44]),
        (Key::NumLock, &[0x45]),
        (Key::ScrollLock, &[0x46]),
        (Key::NumPad7, &[0x47]),
        (Key::NumPad8, &[0x48]),
        (Key::NumPad9, &[0x49]),
        (Key::NumPadMinus, &[0x4A]),
        (Key::NumPad4, &[0x4B]),
        (Key::NumPad5, &[0x4C]),
        (Key::NumPad6, &[0x4D]),
        (Key::NumPadPlus, &[0x4E]),
        (Key::NumPad1, &[0x4F]),
        (Key::NumPad2, &[0x50]),
        (Key::NumPad3, &[0x51]),
        (Key::NumPad0, &[0x52]),
        (Key::NumPadDot, &[0x53]),
        (Key::F11, &[0x57]),
        (Key::F12, &[0x58]),
        (Key::F13, &[0x64]),
        (Key::F14, &[0x65]),
        (Key::F15, &[0x66]),
        (Key::NumPadEnter, &[0xE0, 0x1C]),
        (Key::RightCtrl, &[0xE0, 0x1D]),
        (Key::NumPadSlash, &[0xE0, 0x35]),
        (Key::RightAlt, &[0xE0, 0x38]),
        (Key::Home, &[0xE0, 0x47]),
        (Key::Up, &[0xE0, 0x48]),
        (Key::PageUp, &[0xE0, 0x49]),
        (Key::Left, &[0xE0, 0x4B]),
        (Key::Right, &[0xE0, 0x4D]),
        (Key::End, &[0xE0, 0x4F]),
        (Key::Down, &[0xE0, 0x50]),
        (Key::PageDown, &[0xE0, 0x51]),
        (Key::Insert, &[0xE0, 0x52]),
        (Key::Delete, &[0xE0, 0x53]),
        (Key::LeftSuper, &[0xE0, 0x5B]),
        (Key::RightSuper, &[0xE0, 0x5C]),
        (Key::Menu, &[0xE0, 0x5D]),
        (Key::Escape, &[0x01]),
    ];

    fn translate(bytes: &[u8]) -> Vec<u8> {
        let mut t = Set1Translator::default();
        bytes.iter().filter_map(|&b| t.feed(b)).collect()
    }

    #[test]
    fn every_reported_key_has_set1_codes_through_the_8042_translation() {
        for &(key, make1) in SET1 {
            let make = scan_bytes(key, true).expect("make");
            assert_eq!(translate(make.as_slice()), make1, "{key:?} make");
            let brk = scan_bytes(key, false).expect("break");
            let mut break1 = make1.to_vec();
            let last = break1.len() - 1;
            break1[last] |= 0x80;
            assert_eq!(translate(brk.as_slice()), break1, "{key:?} break");
        }
        // Every key but Pause and Unknown is in the table exactly once.
        for key in ALL_KEYS {
            let n = SET1.iter().filter(|(k, _)| *k == key).count();
            let expected = usize::from(!matches!(key, Key::Pause | Key::Unknown));
            assert_eq!(n, expected, "{key:?} in the set-1 table");
        }
    }

    #[test]
    fn set2_sequences_have_the_documented_shapes() {
        let cases: &[(Key, bool, &[u8])] = &[
            (Key::A, true, &[0x1C]),
            (Key::A, false, &[0xF0, 0x1C]),
            (Key::Up, true, &[0xE0, 0x75]),
            (Key::Up, false, &[0xE0, 0xF0, 0x75]),
            (Key::RightCtrl, false, &[0xE0, 0xF0, 0x14]),
            (Key::NumPadEnter, true, &[0xE0, 0x5A]),
            (Key::F7, true, &[0x83]),
            (Key::F7, false, &[0xF0, 0x83]),
            (Key::Pause, true, &PAUSE),
        ];
        for &(key, down, bytes) in cases {
            assert_eq!(
                scan_bytes(key, down).map(|b| b.as_slice().to_vec()),
                Some(bytes.to_vec()),
                "{key:?} down={down}"
            );
        }
        assert_eq!(scan_bytes(Key::Pause, false), None, "Pause has no break");
        assert_eq!(scan_bytes(Key::Unknown, true), None);
        // Pause through the 8042: E1 1D 45 E1 9D C5 in set 1.
        assert_eq!(
            translate(&PAUSE),
            [0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5],
            "Pause in set 1"
        );
    }

    #[test]
    fn all_keys_are_in_index_order() {
        for (n, key) in ALL_KEYS.iter().enumerate() {
            assert_eq!(*key as usize, n, "{key:?}");
        }
        assert_eq!(ALL_KEYS.len(), Key::Count as usize);
    }

    #[test]
    fn host_auto_repeat_is_dropped_and_focus_loss_releases_held_keys() {
        let mut s = KeyState::default();
        assert_eq!(
            s.event(Key::LeftShift, true).map(|b| b.as_slice().to_vec()),
            Some(vec![0x12])
        );
        assert_eq!(s.event(Key::LeftShift, true), None, "repeat");
        assert!(s.event(Key::Up, true).is_some());
        assert!(s.is_down(Key::Up));
        let released: Vec<Vec<u8>> = s
            .release_all()
            .iter()
            .map(|b| b.as_slice().to_vec())
            .collect();
        assert_eq!(released, [vec![0xE0, 0xF0, 0x75], vec![0xF0, 0x12]]);
        assert_eq!(s.event(Key::Up, false), None, "already released");
        assert!(!s.is_down(Key::LeftShift));
    }
}
