//! Debug ports used by test ROMs, firmware and emulator test harnesses.
//!
//! - `0xE9`: the Bochs/QEMU "debugcon" console; each byte written is output.
//!   Reads return `0xE9` (the Bochs "port E9 hack" presence check).
//! - `0x80` and `0x190`: POST code ports; each value written is recorded.
//! - exit port (`--exit-port`, usually `0xF4`): QEMU's `isa-debug-exit`; a
//!   write of `v` requests the end of the run with host exit status
//!   `(v << 1) | 1`.

/// Port of the debug console (Bochs "port E9 hack", QEMU `-debugcon`).
pub const DEBUGCON_PORT: u16 = 0xE9;
/// Classic POST diagnostic port.
pub const POST_PORT: u16 = 0x80;
/// Alternative POST port used by ox86 test ROMs (also used by some boards).
pub const POST_PORT_ALT: u16 = 0x190;

/// Configuration of the debug ports.
#[derive(Clone, Debug)]
pub struct DebugPortsConfig {
    /// The debug console and POST ports are present. Harnesses that model
    /// bare hardware (conformance suites) turn them off, so those ports read
    /// as an open bus like any other.
    pub enabled: bool,
    /// Port of the isa-debug-exit device, if any.
    pub exit_port: Option<u16>,
    /// Width in bytes of the isa-debug-exit device.
    pub exit_port_size: u8,
}

impl Default for DebugPortsConfig {
    fn default() -> Self {
        DebugPortsConfig {
            enabled: true,
            exit_port: None,
            exit_port_size: 1,
        }
    }
}

/// State of the debug ports.
#[derive(Clone, Debug, Default)]
pub struct DebugPorts {
    config: DebugPortsConfig,
    console: Vec<u8>,
    post_codes: Vec<u8>,
    exit_request: Option<u32>,
}

impl DebugPorts {
    /// Debug ports with the given configuration.
    pub fn new(config: DebugPortsConfig) -> Self {
        DebugPorts {
            config,
            ..Default::default()
        }
    }

    /// Bytes written to the console since the last call.
    pub fn take_console(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.console)
    }

    /// POST codes written since the last call.
    pub fn take_post_codes(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.post_codes)
    }

    /// The host exit status requested through the exit port, if any.
    pub fn exit_request(&self) -> Option<u32> {
        self.exit_request
    }

    /// Byte read; `None` if the port is not one of ours.
    pub fn read(&mut self, port: u16) -> Option<u8> {
        if !self.config.enabled {
            return None;
        }
        match port {
            DEBUGCON_PORT => Some(0xE9),
            _ => None,
        }
    }

    /// A write of any width: the exit port takes the whole value at once.
    /// Returns `true` if the access was claimed.
    pub fn write_wide(&mut self, port: u16, _size: crate::IoSize, value: u32) -> bool {
        if Some(port) == self.config.exit_port {
            self.exit_request = Some((value << 1) | 1);
            return true;
        }
        false
    }

    /// Byte write; returns `true` if the port is one of ours.
    pub fn write(&mut self, port: u16, value: u8) -> bool {
        if !self.config.enabled {
            return false;
        }
        match port {
            DEBUGCON_PORT => {
                self.console.push(value);
                true
            }
            POST_PORT | POST_PORT_ALT => {
                self.post_codes.push(value);
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IoSize;

    #[test]
    fn exit_port_status_is_value_shifted_or_one() {
        let mut d = DebugPorts::new(DebugPortsConfig {
            exit_port: Some(0xF4),
            ..Default::default()
        });
        assert!(d.write_wide(0xF4, IoSize::Byte, 0x10));
        assert_eq!(d.exit_request(), Some(0x21));
    }

    #[test]
    fn post_codes_recorded_from_both_ports() {
        let mut d = DebugPorts::default();
        assert!(d.write(0x80, 1));
        assert!(d.write(0x190, 2));
        assert!(!d.write(0x81, 3));
        assert_eq!(d.take_post_codes(), vec![1, 2]);
        assert!(d.take_post_codes().is_empty());
    }

    #[test]
    fn disabled_ports_are_open_bus() {
        let mut d = DebugPorts::new(DebugPortsConfig {
            enabled: false,
            ..Default::default()
        });
        assert_eq!(d.read(DEBUGCON_PORT), None);
        assert!(!d.write(DEBUGCON_PORT, b'x'));
        assert!(!d.write(POST_PORT, 1));
    }

    #[test]
    fn no_exit_port_unless_configured() {
        let mut d = DebugPorts::default();
        assert!(!d.write_wide(0xF4, IoSize::Byte, 1));
        assert_eq!(d.exit_request(), None);
    }
}
