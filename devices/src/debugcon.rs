//! A firmware log port: QEMU's `isa-debugcon` device, which SeaBIOS writes
//! its debug messages to at port 0x402 (QEMU `-debugcon`,
//! `-device isa-debugcon,iobase=0x402`).
//!
//! Each byte written to the port is one byte of output. A read returns
//! 0xE9 (QEMU's default `readback` value), which firmware uses to detect
//! that the port is there before writing to it. (The Bochs-style console
//! at 0xE9 is in [`crate::debug_ports`].)

/// The port SeaBIOS logs to.
pub const FIRMWARE_LOG_PORT: u16 = 0x402;
/// What a read of the port returns.
pub const DEBUGCON_READBACK: u8 = 0xE9;

/// An isa-debugcon at one port, collecting what is written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IsaDebugcon {
    port: u16,
    out: Vec<u8>,
}

impl IsaDebugcon {
    /// A console at `port`.
    pub fn new(port: u16) -> Self {
        IsaDebugcon {
            port,
            out: Vec::new(),
        }
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Byte read; `None` if `port` is not this console's.
    pub fn read(&self, port: u16) -> Option<u8> {
        (port == self.port).then_some(DEBUGCON_READBACK)
    }

    /// Byte write; `false` if `port` is not this console's.
    pub fn write(&mut self, port: u16, value: u8) -> bool {
        if port != self.port {
            return false;
        }
        self.out.push(value);
        true
    }

    /// Bytes written since the last call.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_bytes_and_reads_back_e9() {
        let mut c = IsaDebugcon::new(FIRMWARE_LOG_PORT);
        assert_eq!(c.read(0x402), Some(0xE9));
        assert_eq!(c.read(0x403), None);
        assert!(c.write(0x402, b'o') && c.write(0x402, b'k'));
        assert!(!c.write(0xE9, b'x'));
        assert_eq!(c.take_output(), b"ok");
        assert!(c.take_output().is_empty());
    }
}
