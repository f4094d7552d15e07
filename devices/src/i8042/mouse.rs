//! PS/2 mouse (auxiliary device) behind the 8042 aux port.
//!
//! Implements the IBM PS/2 mouse protocol (IBM PS/2 Hardware Interface
//! Technical Reference, "Pointing Device" chapter) and the Microsoft
//! IntelliMouse wheel extension (set sample rate 200, 100, 80 → device ID 3,
//! 4-byte packets with the Z movement in byte 3).
//!
//! Modelled: reset (0xFF → 0xFA 0xAA 0x00), set defaults (0xF6), enable /
//! disable data reporting (0xF4/0xF5), set sample rate (0xF3), get device ID
//! (0xF2), set resolution (0xE8), scaling 1:1 / 2:1 (0xE6/0xE7, applied to
//! stream packets), status request (0xE9), stream mode (0xEA), remote mode
//! (0xF0) with read data (0xEB), wrap mode (0xEE/0xEC: bytes echoed), resend
//! (0xFE). Movement packets from [`Mouse::mouse_motion`] with 9-bit two's
//! complement deltas, clamped with the overflow bits set when they do not
//! fit.
//!
//! Not modelled: sample rate and resolution only read back (the host's
//! motion is reported as given, one packet per call).

use std::collections::VecDeque;

/// Acknowledge.
pub const AUX_ACK: u8 = 0xFA;
/// Basic assurance test passed.
pub const AUX_BAT_OK: u8 = 0xAA;
/// Resend request (invalid command or parameter).
pub const AUX_RESEND: u8 = 0xFE;
/// Device ID of a standard PS/2 mouse.
pub const AUX_ID_STANDARD: u8 = 0x00;
/// Device ID of an IntelliMouse (wheel) after the 200/100/80 knock.
pub const AUX_ID_INTELLIMOUSE: u8 = 0x03;

// Commands from the system.
/// Set scaling 1:1.
pub const CMD_SCALING_1_1: u8 = 0xE6;
/// Set scaling 2:1.
pub const CMD_SCALING_2_1: u8 = 0xE7;
/// Set resolution; one parameter byte (0–3: 1, 2, 4, 8 counts/mm).
pub const CMD_SET_RESOLUTION: u8 = 0xE8;
/// Status request: ACK then three status bytes.
pub const CMD_STATUS_REQUEST: u8 = 0xE9;
/// Set stream mode.
pub const CMD_SET_STREAM: u8 = 0xEA;
/// Read data (one packet, remote mode).
pub const CMD_READ_DATA: u8 = 0xEB;
/// Reset wrap mode.
pub const CMD_RESET_WRAP: u8 = 0xEC;
/// Set wrap mode (echo).
pub const CMD_SET_WRAP: u8 = 0xEE;
/// Set remote mode.
pub const CMD_SET_REMOTE: u8 = 0xF0;
/// Get device ID.
pub const CMD_GET_ID: u8 = 0xF2;
/// Set sample rate; one parameter byte.
pub const CMD_SET_SAMPLE_RATE: u8 = 0xF3;
/// Enable data reporting.
pub const CMD_ENABLE_REPORTING: u8 = 0xF4;
/// Disable data reporting.
pub const CMD_DISABLE_REPORTING: u8 = 0xF5;
/// Set defaults.
pub const CMD_SET_DEFAULTS: u8 = 0xF6;
/// Resend the last byte.
pub const CMD_RESEND: u8 = 0xFE;
/// Reset.
pub const CMD_RESET: u8 = 0xFF;

// Packet byte 0 (and status byte 0 for the button bits).
/// Left button.
pub const PKT_LEFT: u8 = 1 << 0;
/// Right button.
pub const PKT_RIGHT: u8 = 1 << 1;
/// Middle button.
pub const PKT_MIDDLE: u8 = 1 << 2;
/// Always one in byte 0 of a movement packet.
pub const PKT_ALWAYS_ONE: u8 = 1 << 3;
/// X delta is negative (bit 8 of the 9-bit delta).
pub const PKT_X_SIGN: u8 = 1 << 4;
/// Y delta is negative.
pub const PKT_Y_SIGN: u8 = 1 << 5;
/// X delta overflowed.
pub const PKT_X_OVERFLOW: u8 = 1 << 6;
/// Y delta overflowed.
pub const PKT_Y_OVERFLOW: u8 = 1 << 7;

// Status byte 0 of 0xE9 (buttons as in [`PKT_LEFT`] but left/right swapped:
// bit 0 right, bit 1 middle, bit 2 left).
/// Status: scaling 2:1.
pub const STATUS_SCALING_2_1: u8 = 1 << 4;
/// Status: data reporting enabled.
pub const STATUS_ENABLED: u8 = 1 << 5;
/// Status: remote mode.
pub const STATUS_REMOTE: u8 = 1 << 6;

/// Size of the mouse output buffer in bytes (whole packets only).
pub const AUX_BUFFER_LEN: usize = 64;
/// Default sample rate (reports/s).
pub const SAMPLE_RATE_DEFAULT: u8 = 100;
/// Default resolution code (4 counts/mm).
pub const RESOLUTION_DEFAULT: u8 = 2;
/// Sample rates that switch a standard mouse to IntelliMouse mode.
pub const INTELLIMOUSE_KNOCK: [u8; 3] = [200, 100, 80];

/// A PS/2 mouse with an optional wheel.
#[derive(Clone, Debug)]
pub struct Mouse {
    queue: VecDeque<u8>,
    pending: Option<u8>,
    last_sent: u8,
    reporting: bool,
    remote: bool,
    wrap: bool,
    scaling_2_1: bool,
    sample_rate: u8,
    resolution: u8,
    device_id: u8,
    /// Last three sample rates set, oldest first.
    rate_history: [u8; 3],
    buttons: u8,
    /// Movement accumulated in remote mode.
    acc: (i32, i32, i32),
}

impl Default for Mouse {
    fn default() -> Self {
        Self::new()
    }
}

impl Mouse {
    /// A mouse after power-on: BAT passed (0xAA 0x00 queued), stream mode,
    /// reporting disabled.
    pub fn new() -> Self {
        let mut m = Mouse {
            queue: VecDeque::with_capacity(AUX_BUFFER_LEN),
            pending: None,
            last_sent: 0,
            reporting: false,
            remote: false,
            wrap: false,
            scaling_2_1: false,
            sample_rate: SAMPLE_RATE_DEFAULT,
            resolution: RESOLUTION_DEFAULT,
            device_id: AUX_ID_STANDARD,
            rate_history: [0; 3],
            buttons: 0,
            acc: (0, 0, 0),
        };
        m.queue.extend([AUX_BAT_OK, AUX_ID_STANDARD]);
        m
    }

    fn set_defaults(&mut self) {
        self.reporting = false;
        self.remote = false;
        self.scaling_2_1 = false;
        self.sample_rate = SAMPLE_RATE_DEFAULT;
        self.resolution = RESOLUTION_DEFAULT;
        self.acc = (0, 0, 0);
    }

    /// A byte the controller sends to the mouse (controller command 0xD4).
    pub fn write(&mut self, byte: u8) {
        if self.wrap && byte != CMD_RESET_WRAP && byte != CMD_RESET {
            self.queue.push_back(byte);
            return;
        }
        if let Some(cmd) = self.pending.take() {
            self.parameter(cmd, byte);
            return;
        }
        match byte {
            CMD_SET_SAMPLE_RATE | CMD_SET_RESOLUTION => {
                self.pending = Some(byte);
                self.ack();
            }
            CMD_SCALING_1_1 | CMD_SCALING_2_1 => {
                self.scaling_2_1 = byte == CMD_SCALING_2_1;
                self.ack();
            }
            CMD_STATUS_REQUEST => {
                self.ack();
                let b = self.buttons;
                let mut s0 = ((b & PKT_LEFT) << 2) | (b & PKT_MIDDLE) >> 1 | (b & PKT_RIGHT) >> 1;
                if self.scaling_2_1 {
                    s0 |= STATUS_SCALING_2_1;
                }
                if self.reporting {
                    s0 |= STATUS_ENABLED;
                }
                if self.remote {
                    s0 |= STATUS_REMOTE;
                }
                self.queue.extend([s0, self.resolution, self.sample_rate]);
            }
            CMD_SET_STREAM | CMD_SET_REMOTE => {
                self.remote = byte == CMD_SET_REMOTE;
                self.acc = (0, 0, 0);
                self.ack();
            }
            CMD_READ_DATA => {
                self.ack();
                let (dx, dy, dz) = std::mem::take(&mut self.acc);
                self.queue_packet(dx, dy, dz, false);
            }
            CMD_RESET_WRAP => {
                self.wrap = false;
                self.ack();
            }
            CMD_SET_WRAP => {
                self.wrap = true;
                self.ack();
            }
            CMD_GET_ID => {
                self.ack();
                self.queue.push_back(self.device_id);
            }
            CMD_ENABLE_REPORTING | CMD_DISABLE_REPORTING => {
                self.reporting = byte == CMD_ENABLE_REPORTING;
                self.ack();
            }
            CMD_SET_DEFAULTS => {
                self.set_defaults();
                self.ack();
            }
            CMD_RESEND => {
                let last = self.last_sent;
                self.queue.push_back(last);
            }
            CMD_RESET => {
                self.queue.clear();
                self.set_defaults();
                self.wrap = false;
                self.device_id = AUX_ID_STANDARD;
                self.rate_history = [0; 3];
                self.queue.extend([AUX_ACK, AUX_BAT_OK, AUX_ID_STANDARD]);
            }
            _ => {
                log::debug!("ps/2 mouse: unknown command {byte:#04x}");
                self.queue.push_back(AUX_RESEND);
            }
        }
    }

    fn parameter(&mut self, cmd: u8, value: u8) {
        match cmd {
            CMD_SET_SAMPLE_RATE => {
                self.sample_rate = value;
                self.rate_history = [self.rate_history[1], self.rate_history[2], value];
                if self.rate_history == INTELLIMOUSE_KNOCK {
                    self.device_id = AUX_ID_INTELLIMOUSE;
                }
                self.ack();
            }
            CMD_SET_RESOLUTION if value <= 3 => {
                self.resolution = value;
                self.ack();
            }
            _ => self.queue.push_back(AUX_RESEND),
        }
    }

    fn ack(&mut self) {
        self.queue.push_back(AUX_ACK);
    }

    /// 2:1 scaling of the PS/2 reference: 0→0, 1→1, 2→1, 3→3, 4→6, 5→9,
    /// n ≥ 6 → 2n (sign preserved).
    fn scale_2_1(d: i32) -> i32 {
        let m = match d.unsigned_abs() {
            0 => 0,
            1 | 2 => 1,
            3 => 3,
            4 => 6,
            5 => 9,
            n => 2 * n.min(i32::MAX as u32 / 2) as i32,
        };
        if d < 0 {
            -m
        } else {
            m
        }
    }

    /// Host movement: `dx` right-positive, `dy` up-positive (PS/2
    /// convention), `dz` wheel (positive = towards the user, as the
    /// IntelliMouse reports it), `buttons` bit 0 left, bit 1 right, bit 2
    /// middle. In stream mode with reporting enabled one packet is queued;
    /// in remote mode the movement accumulates for 0xEB.
    pub fn mouse_motion(&mut self, dx: i32, dy: i32, dz: i32, buttons: u8) {
        self.buttons = buttons & (PKT_LEFT | PKT_RIGHT | PKT_MIDDLE);
        if self.wrap {
            return;
        }
        if self.remote {
            self.acc.0 = self.acc.0.saturating_add(dx);
            self.acc.1 = self.acc.1.saturating_add(dy);
            self.acc.2 = self.acc.2.saturating_add(dz);
            return;
        }
        if self.reporting {
            self.queue_packet(dx, dy, dz, self.scaling_2_1);
        }
    }

    /// Queues one movement packet (3 bytes, 4 with ID 3), if it fits whole.
    fn queue_packet(&mut self, dx: i32, dy: i32, dz: i32, scale: bool) {
        let (dx, dy) = if scale {
            (Self::scale_2_1(dx), Self::scale_2_1(dy))
        } else {
            (dx, dy)
        };
        let len = if self.device_id == AUX_ID_INTELLIMOUSE {
            4
        } else {
            3
        };
        if self.queue.len() + len > AUX_BUFFER_LEN {
            return;
        }
        let mut b0 = PKT_ALWAYS_ONE | self.buttons;
        let (x, x_over) = clamp9(dx);
        let (y, y_over) = clamp9(dy);
        if x < 0 {
            b0 |= PKT_X_SIGN;
        }
        if y < 0 {
            b0 |= PKT_Y_SIGN;
        }
        if x_over {
            b0 |= PKT_X_OVERFLOW;
        }
        if y_over {
            b0 |= PKT_Y_OVERFLOW;
        }
        self.queue.extend([b0, x as u8, y as u8]);
        if len == 4 {
            self.queue.push_back(dz.clamp(-8, 7) as i8 as u8);
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

    /// Current device ID (0 or 3).
    pub fn device_id(&self) -> u8 {
        self.device_id
    }

    /// Whether data reporting is enabled.
    pub fn reporting(&self) -> bool {
        self.reporting
    }
}

/// Clamps a delta to the 9-bit two's complement range −256..=255; the flag
/// says whether it overflowed.
fn clamp9(d: i32) -> (i32, bool) {
    let c = d.clamp(-256, 255);
    (c, c != d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(m: &mut Mouse) -> Vec<u8> {
        std::iter::from_fn(|| m.pop()).collect()
    }

    fn fresh() -> Mouse {
        let mut m = Mouse::new();
        assert_eq!(drain(&mut m), [AUX_BAT_OK, AUX_ID_STANDARD]);
        m
    }

    fn set_rate(m: &mut Mouse, r: u8) {
        m.write(CMD_SET_SAMPLE_RATE);
        m.write(r);
        assert_eq!(drain(m), [AUX_ACK, AUX_ACK]);
    }

    #[test]
    fn mouse_reset_sequence() {
        let mut m = fresh();
        m.write(CMD_ENABLE_REPORTING);
        m.write(CMD_RESET);
        assert_eq!(drain(&mut m), [AUX_ACK, AUX_BAT_OK, AUX_ID_STANDARD]);
        assert!(!m.reporting());
    }

    #[test]
    fn intellimouse_id() {
        let mut m = fresh();
        m.write(CMD_GET_ID);
        assert_eq!(drain(&mut m), [AUX_ACK, 0x00]);
        // A wrong order does not switch.
        for r in [100, 200, 80] {
            set_rate(&mut m, r);
        }
        assert_eq!(m.device_id(), AUX_ID_STANDARD);
        for r in INTELLIMOUSE_KNOCK {
            set_rate(&mut m, r);
        }
        m.write(CMD_GET_ID);
        assert_eq!(drain(&mut m), [AUX_ACK, 0x03]);
        m.write(CMD_ENABLE_REPORTING);
        m.mouse_motion(1, -1, -2, PKT_LEFT);
        assert_eq!(drain(&mut m), [AUX_ACK, 0x29, 0x01, 0xFF, 0xFE]);
        m.write(CMD_RESET);
        assert_eq!(drain(&mut m), [AUX_ACK, AUX_BAT_OK, 0x00]);
        assert_eq!(m.device_id(), AUX_ID_STANDARD);
    }

    #[test]
    fn mouse_packet_format() {
        let mut m = fresh();
        m.mouse_motion(5, 5, 0, 0);
        assert!(!m.has_data(), "reporting disabled at power-on");
        m.write(CMD_ENABLE_REPORTING);
        drain(&mut m);
        // (dx, dy, buttons) → packet
        let cases: [(i32, i32, u8, [u8; 3]); 4] = [
            (0, 0, 0, [0x08, 0, 0]),
            (10, 20, PKT_RIGHT, [0x0A, 10, 20]),
            (-1, -2, PKT_MIDDLE, [0x3C, 0xFF, 0xFE]),
            (255, -256, 0, [0x28, 0xFF, 0x00]),
        ];
        for (dx, dy, b, pkt) in cases {
            m.mouse_motion(dx, dy, 0, b);
            assert_eq!(drain(&mut m), pkt, "({dx},{dy})");
        }
    }

    #[test]
    fn mouse_packet_overflow() {
        let mut m = fresh();
        m.write(CMD_ENABLE_REPORTING);
        drain(&mut m);
        m.mouse_motion(300, -1000, 0, 0);
        assert_eq!(
            drain(&mut m),
            [
                PKT_ALWAYS_ONE | PKT_X_OVERFLOW | PKT_Y_OVERFLOW | PKT_Y_SIGN,
                0xFF,
                0x00
            ]
        );
        m.mouse_motion(-257, 256, 0, 0);
        assert_eq!(
            drain(&mut m),
            [
                PKT_ALWAYS_ONE | PKT_X_OVERFLOW | PKT_Y_OVERFLOW | PKT_X_SIGN,
                0x00,
                0xFF
            ]
        );
    }

    #[test]
    fn scaling_2_1() {
        let mut m = fresh();
        m.write(CMD_ENABLE_REPORTING);
        m.write(CMD_SCALING_2_1);
        drain(&mut m);
        for (d, s) in [
            (0, 0),
            (1, 1),
            (2, 1),
            (3, 3),
            (4, 6),
            (5, 9),
            (6, 12),
            (-5, -9),
        ] {
            m.mouse_motion(d, 0, 0, 0);
            assert_eq!(drain(&mut m)[1], s as i8 as u8, "delta {d}");
        }
        m.write(CMD_SCALING_1_1);
        m.mouse_motion(5, 0, 0, 0);
        assert_eq!(drain(&mut m), [AUX_ACK, 0x08, 5, 0]);
    }

    #[test]
    fn status_request() {
        let mut m = fresh();
        m.write(CMD_SET_RESOLUTION);
        m.write(3);
        assert_eq!(drain(&mut m), [AUX_ACK, AUX_ACK]);
        set_rate(&mut m, 40);
        m.write(CMD_ENABLE_REPORTING);
        m.write(CMD_SCALING_2_1);
        drain(&mut m);
        m.mouse_motion(0, 0, 0, PKT_LEFT);
        drain(&mut m);
        m.write(CMD_STATUS_REQUEST);
        assert_eq!(drain(&mut m), [AUX_ACK, 0x34, 3, 40]);
        m.write(CMD_SET_RESOLUTION);
        m.write(4);
        assert_eq!(drain(&mut m), [AUX_ACK, AUX_RESEND]);
    }

    #[test]
    fn remote_mode_read_data() {
        let mut m = fresh();
        m.write(CMD_SET_REMOTE);
        m.mouse_motion(3, 4, 0, 0);
        m.mouse_motion(1, -1, 0, 0);
        m.write(CMD_READ_DATA);
        assert_eq!(drain(&mut m), [AUX_ACK, AUX_ACK, 0x08, 4, 3]);
        m.write(CMD_SET_STREAM);
        assert_eq!(drain(&mut m), [AUX_ACK]);
    }

    #[test]
    fn wrap_mode_echoes() {
        let mut m = fresh();
        m.write(CMD_SET_WRAP);
        m.write(0x12);
        m.write(CMD_GET_ID);
        m.write(CMD_RESET_WRAP);
        m.write(CMD_GET_ID);
        assert_eq!(
            drain(&mut m),
            [AUX_ACK, 0x12, CMD_GET_ID, AUX_ACK, AUX_ACK, 0]
        );
    }
}
