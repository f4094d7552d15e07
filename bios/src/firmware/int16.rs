//! INT 16h keyboard services and the IRQ1 scan-code handler (IBM PC/AT
//! Technical Reference, "Keyboard I/O"; scan code set 1, which the 8042
//! translates to).
//!
//! IRQ1 (the ROM stub reads port 60h, offers the code to INT 15h AH=4Fh,
//! then traps here with it in AL) keeps the shift states in the BDA
//! (40:17, 40:18, 40:96) and puts (scan code, ASCII) words into the
//! circular buffer at 40:1E (head 40:1A, tail 40:1C). INT 16h AH=00h/10h
//! wait for a key (the stub halts until IRQ1 fills the buffer), 01h/11h
//! peek (ZF = 1: empty), 02h/12h shift flags, 03h typematic (accepted),
//! 05h store a key, 09h/0Ah capabilities and keyboard ID. Ctrl+Alt+Del
//! resets the machine through the 8042 (warm boot flag 1234h at 40:72).
//! Not translated: Alt+keypad codes, Pause/Break, Print Screen.

use super::bda::{self, at};
use super::{flag, Bus, Firmware, Outcome, Regs};

/// Shift flag bits (40:17).
const RSHIFT: u8 = 1 << 0;
const LSHIFT: u8 = 1 << 1;
const CTRL: u8 = 1 << 2;
const ALT: u8 = 1 << 3;
const SCROLL_LOCK: u8 = 1 << 4;
const NUM_LOCK: u8 = 1 << 5;
const CAPS_LOCK: u8 = 1 << 6;

/// BDA 40:72 value of a warm boot.
const WARM_BOOT: u16 = 0x1234;
/// 8042 command: pulse output port bit 0 (CPU reset).
const KBC_PULSE_RESET: u8 = 0xFE;

/// Scan-code state between IRQs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Keyboard {
    /// The previous byte was the E0h prefix.
    pub e0: bool,
}

/// Set-1 make codes 01h–39h: (unshifted, shifted) ASCII.
const ASCII: [(u8, u8); 0x3A] = [
    (0, 0),
    (0x1B, 0x1B),
    (b'1', b'!'),
    (b'2', b'@'),
    (b'3', b'#'),
    (b'4', b'$'),
    (b'5', b'%'),
    (b'6', b'^'),
    (b'7', b'&'),
    (b'8', b'*'),
    (b'9', b'('),
    (b'0', b')'),
    (b'-', b'_'),
    (b'=', b'+'),
    (0x08, 0x08),
    (0x09, 0),
    (b'q', b'Q'),
    (b'w', b'W'),
    (b'e', b'E'),
    (b'r', b'R'),
    (b't', b'T'),
    (b'y', b'Y'),
    (b'u', b'U'),
    (b'i', b'I'),
    (b'o', b'O'),
    (b'p', b'P'),
    (b'[', b'{'),
    (b']', b'}'),
    (b'\r', b'\r'),
    (0, 0), // Ctrl
    (b'a', b'A'),
    (b's', b'S'),
    (b'd', b'D'),
    (b'f', b'F'),
    (b'g', b'G'),
    (b'h', b'H'),
    (b'j', b'J'),
    (b'k', b'K'),
    (b'l', b'L'),
    (b';', b':'),
    (b'\'', b'"'),
    (b'`', b'~'),
    (0, 0), // left shift
    (b'\\', b'|'),
    (b'z', b'Z'),
    (b'x', b'X'),
    (b'c', b'C'),
    (b'v', b'V'),
    (b'b', b'B'),
    (b'n', b'N'),
    (b'm', b'M'),
    (b',', b'<'),
    (b'.', b'>'),
    (b'/', b'?'),
    (0, 0), // right shift
    (b'*', b'*'),
    (0, 0), // Alt
    (b' ', b' '),
];

/// The BIOS key word (scan code << 8 | ASCII) for make code `code`, or
/// `None` for keys that only change state.
pub fn translate(code: u8, e0: bool, flags: u8) -> Option<u16> {
    let shift = flags & (LSHIFT | RSHIFT) != 0;
    let ctrl = flags & CTRL != 0;
    let alt = flags & ALT != 0;
    let word = |scan: u8, ascii: u8| Some(u16::from(scan) << 8 | u16::from(ascii));
    match code {
        0x01..=0x39 => {
            let (lo, hi) = ASCII[usize::from(code)];
            if lo == 0 && code != 0x0F {
                return None;
            }
            if e0 && code == 0x1C {
                return word(0xE0, b'\r');
            }
            if e0 && code == 0x35 {
                return word(0xE0, b'/');
            }
            if alt {
                return word(code, 0);
            }
            if ctrl {
                return match lo {
                    b'a'..=b'z' => word(code, lo - b'a' + 1),
                    b'\r' => word(code, b'\n'),
                    _ => word(code, 0),
                };
            }
            let letter = lo.is_ascii_lowercase();
            let caps = flags & CAPS_LOCK != 0 && letter;
            let ascii = if shift != caps { hi } else { lo };
            if code == 0x0F && shift {
                return word(0x0F, 0);
            }
            word(code, ascii)
        }
        // F1–F10.
        0x3B..=0x44 => {
            let scan = if shift {
                code + 0x19
            } else if ctrl {
                code + 0x23
            } else if alt {
                code + 0x2D
            } else {
                code
            };
            word(scan, 0)
        }
        // Keypad / cursor block: Home, Up, PgUp, -, Left, 5, Right, +,
        // End, Down, PgDn, Ins, Del.
        0x47..=0x53 => {
            const DIGITS: &[u8; 13] = b"789-456+1230.";
            let d = DIGITS[usize::from(code - 0x47)];
            let numeric = !e0 && (flags & NUM_LOCK != 0) != shift;
            if numeric || d == b'-' || d == b'+' {
                word(code, d)
            } else if e0 {
                word(code, 0xE0)
            } else {
                word(code, 0)
            }
        }
        0x57 => word(if shift { 0x87 } else { 0x85 }, 0), // F11
        0x58 => word(if shift { 0x88 } else { 0x86 }, 0), // F12
        _ => None,
    }
}

/// IRQ1: scan code in AL.
pub fn irq1(fw: &mut Firmware, r: &mut Regs, bus: &mut dyn Bus) {
    let code = r.al();
    if code == 0xE0 {
        fw.keyboard.e0 = true;
        return;
    }
    let e0 = std::mem::take(&mut fw.keyboard.e0);
    let release = code & 0x80 != 0;
    let make = code & 0x7F;
    let mut flags = bus.read_u8(at(bda::KBD_FLAGS1));
    let bit = match make {
        0x2A => Some(LSHIFT),
        0x36 => Some(RSHIFT),
        0x1D => Some(CTRL),
        0x38 => Some(ALT),
        _ => None,
    };
    if let Some(b) = bit {
        if e0 && (make == 0x2A || make == 0x36) {
            // Fake shifts around the grey keys.
            return;
        }
        if release {
            flags &= !b;
        } else {
            flags |= b;
        }
        bus.write_u8(at(bda::KBD_FLAGS1), flags);
        return;
    }
    if release {
        return;
    }
    let toggle = match make {
        0x3A => Some(CAPS_LOCK),
        0x45 if !e0 => Some(NUM_LOCK),
        0x46 if !e0 => Some(SCROLL_LOCK),
        _ => None,
    };
    if let Some(t) = toggle {
        bus.write_u8(at(bda::KBD_FLAGS1), flags ^ t);
        return;
    }
    if make == 0x53 && flags & (CTRL | ALT) == CTRL | ALT {
        // Ctrl+Alt+Del: warm boot (40:72 = 1234h skips the memory test on
        // real BIOSes) through the 8042's reset line.
        bus.write_u16(at(bda::RESET_FLAG), WARM_BOOT);
        bus.outb(0x64, KBC_PULSE_RESET);
        return;
    }
    if let Some(w) = translate(make, e0, flags) {
        push_key(bus, w);
    }
}

/// Put a key word into the BDA buffer; false if full.
pub fn push_key(bus: &mut dyn Bus, w: u16) -> bool {
    let (start, end) = buffer_bounds(bus);
    let head = bus.read_u16(at(bda::KBD_HEAD));
    let tail = bus.read_u16(at(bda::KBD_TAIL));
    let mut next = tail.wrapping_add(2);
    if next >= end {
        next = start;
    }
    if next == head || !(start..end).contains(&tail) {
        return false;
    }
    bus.write_u16(at(0) + u32::from(tail), w);
    bus.write_u16(at(bda::KBD_TAIL), next);
    true
}

fn buffer_bounds(bus: &mut dyn Bus) -> (u16, u16) {
    let start = bus.read_u16(at(bda::KBD_START));
    let end = bus.read_u16(at(bda::KBD_END));
    if start < end && end <= 0x100 && start >= 0x1E {
        (start, end)
    } else {
        (bda::KBD_BUFFER, bda::KBD_BUFFER_END)
    }
}

/// The next key word without removing it.
fn peek_key(bus: &mut dyn Bus) -> Option<u16> {
    let head = bus.read_u16(at(bda::KBD_HEAD));
    let tail = bus.read_u16(at(bda::KBD_TAIL));
    (head != tail).then(|| bus.read_u16(at(0) + u32::from(head)))
}

fn pop_key(bus: &mut dyn Bus) -> Option<u16> {
    let w = peek_key(bus)?;
    let (start, end) = buffer_bounds(bus);
    let head = bus.read_u16(at(bda::KBD_HEAD));
    let mut next = head.wrapping_add(2);
    if next >= end || next < start {
        next = start;
    }
    bus.write_u16(at(bda::KBD_HEAD), next);
    Some(w)
}

/// Old functions (00h/01h) map extended keys (E0h ASCII) to plain ones.
fn legacy(w: u16) -> u16 {
    if w & 0xFF == 0xE0 && w >> 8 != 0 {
        w & 0xFF00
    } else if w >> 8 == 0xE0 {
        (0x1C << 8) | (w & 0xFF)
    } else {
        w
    }
}

/// The INT 16h dispatcher.
pub fn int16(_fw: &mut Firmware, r: &mut Regs, bus: &mut dyn Bus) -> Outcome {
    match r.ah() {
        0x00 | 0x10 => match pop_key(bus) {
            Some(w) => r.set_ax(if r.ah() == 0 { legacy(w) } else { w }),
            None => return Outcome::Wait,
        },
        0x01 | 0x11 => match peek_key(bus) {
            Some(w) => {
                r.set_ax(if r.ah() == 1 { legacy(w) } else { w });
                r.set_frame_flag(bus, flag::ZF, false);
            }
            None => r.set_frame_flag(bus, flag::ZF, true),
        },
        0x02 => r.set_al(bus.read_u8(at(bda::KBD_FLAGS1))),
        0x12 => {
            r.set_al(bus.read_u8(at(bda::KBD_FLAGS1)));
            r.set_ah(bus.read_u8(at(bda::KBD_FLAGS2)));
        }
        0x03 => {}
        0x05 => {
            let full = !push_key(bus, r.cx());
            r.set_al(u8::from(full));
        }
        // Functions 0Ah (ID) and 10h–12h are supported (bits 5, 6).
        0x09 => r.set_al(0x60),
        0x0A => r.set_bx(0x41AB),
        _ => {}
    }
    Outcome::Done
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::testutil::{frame_zf, setup};

    fn init_buffer(bus: &mut dyn Bus) {
        bus.write_u16(at(bda::KBD_HEAD), bda::KBD_BUFFER);
        bus.write_u16(at(bda::KBD_TAIL), bda::KBD_BUFFER);
        bus.write_u16(at(bda::KBD_START), bda::KBD_BUFFER);
        bus.write_u16(at(bda::KBD_END), bda::KBD_BUFFER_END);
    }

    #[test]
    fn translation_table() {
        let cases: &[(u8, bool, u8, Option<u16>)] = &[
            (0x1E, false, 0, Some(0x1E61)),         // a
            (0x1E, false, LSHIFT, Some(0x1E41)),    // A
            (0x1E, false, CAPS_LOCK, Some(0x1E41)), // caps A
            (0x02, false, CAPS_LOCK, Some(0x0231)), // caps does not shift digits
            (0x1E, false, CTRL, Some(0x1E01)),      // ^A
            (0x1E, false, ALT, Some(0x1E00)),       // Alt-A
            (0x1C, false, 0, Some(0x1C0D)),         // Enter
            (0x1C, true, 0, Some(0xE00D)),          // keypad Enter
            (0x3B, false, 0, Some(0x3B00)),         // F1
            (0x48, true, 0, Some(0x48E0)),          // grey Up
            (0x48, false, 0, Some(0x4800)),         // keypad Up
            (0x48, false, NUM_LOCK, Some(0x4838)),  // keypad 8
            (0x1D, false, 0, None),                 // Ctrl alone
            (0x60, false, 0, None),
        ];
        for &(code, e0, flags, want) in cases {
            assert_eq!(
                translate(code, e0, flags),
                want,
                "code {code:#x} flags {flags:#x}"
            );
        }
    }

    #[test]
    fn irq_fills_buffer_and_int16_reads_it() {
        let (mut fw, mut bus, mut r) = setup();
        init_buffer(&mut bus);
        // Peek on empty: ZF = 1; read: wait.
        r.set_ax(0x0100);
        int16(&mut fw, &mut r, &mut bus);
        assert!(frame_zf(&mut bus, &r));
        r.set_ax(0x0000);
        assert_eq!(int16(&mut fw, &mut r, &mut bus), Outcome::Wait);
        // Shift down, 'b', shift up, 'b'.
        for code in [0x2A, 0x30, 0xB0, 0xAA, 0x30] {
            r.set_al(code);
            irq1(&mut fw, &mut r, &mut bus);
        }
        r.set_ax(0x0100);
        int16(&mut fw, &mut r, &mut bus);
        assert!(!frame_zf(&mut bus, &r));
        assert_eq!(r.ax(), 0x3042);
        r.set_ax(0x0000);
        int16(&mut fw, &mut r, &mut bus);
        assert_eq!(r.ax(), 0x3042);
        r.set_ax(0x1000);
        int16(&mut fw, &mut r, &mut bus);
        assert_eq!(r.ax(), 0x3062);
        r.set_ax(0x0200);
        int16(&mut fw, &mut r, &mut bus);
        assert_eq!(r.al(), 0);
    }

    #[test]
    fn ctrl_alt_del_resets() {
        let (mut fw, mut bus, mut r) = setup();
        init_buffer(&mut bus);
        for code in [0x1D, 0x38, 0x53] {
            r.set_al(code);
            irq1(&mut fw, &mut r, &mut bus);
        }
        assert!(bus.outs.contains(&(0x64, u32::from(KBC_PULSE_RESET))));
        assert_eq!(bus.read_u16(at(bda::RESET_FLAG)), WARM_BOOT);
        // Del alone is a key.
        let (mut fw, mut bus, mut r) = setup();
        init_buffer(&mut bus);
        r.set_al(0x53);
        irq1(&mut fw, &mut r, &mut bus);
        assert!(!bus.outs.contains(&(0x64, u32::from(KBC_PULSE_RESET))));
        assert_eq!(peek_key(&mut bus), Some(0x5300));
    }

    #[test]
    fn buffer_wraps_and_fills() {
        let (mut fw, mut bus, mut r) = setup();
        init_buffer(&mut bus);
        // 15 keys fit in the 16-word buffer.
        for i in 0..15u16 {
            assert!(push_key(&mut bus, 0x1000 + i));
        }
        assert!(!push_key(&mut bus, 0x2000));
        for i in 0..15u16 {
            r.set_ax(0x1000);
            int16(&mut fw, &mut r, &mut bus);
            assert_eq!(r.ax(), 0x1000 + i);
        }
        // Stored via AH=05h after wrapping.
        r.set_ax(0x0500);
        r.set_cx(0x1234);
        int16(&mut fw, &mut r, &mut bus);
        assert_eq!(r.al(), 0);
        r.set_ax(0x1000);
        int16(&mut fw, &mut r, &mut bus);
        assert_eq!(r.ax(), 0x1234);
        // Garbage head/tail pointers do not panic.
        bus.write_u16(at(bda::KBD_TAIL), 0xFFFF);
        assert!(!push_key(&mut bus, 1));
    }
}
