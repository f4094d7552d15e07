//! The serial ports on the host side: where COM1–COM4 output goes
//! (`--serial`, `--serial2` … `--serial4`: `stdio`, `null` or a file) and
//! host stdin as the receiver input of the first port sent to `stdio`.
//!
//! Input: a reader thread reads stdin in chunks and sends them over a
//! channel, then unparks the emulation thread (which may be sleeping in a
//! halted guest's idle time, see `emulator::machine`). The run loop moves
//! bytes into the UART's receiver as it has room ([`HostInput::feed`]), so
//! the emulation never blocks on the host and no input is dropped by an
//! overrun. The terminal is left as it is (canonical mode with local echo:
//! the guest gets a line when Enter is pressed, and a guest shell's own
//! echo shows the line a second time).
//!
//! With `--deterministic`, output is reproducible only without input
//! (stdin at end of file, e.g. `< /dev/null`): when host bytes arrive
//! depends on the host.

use crate::output::OutputTarget;
use anyhow::bail;
use emulator::Machine;
use std::collections::VecDeque;
use std::io::Read;
use std::sync::mpsc::{self, Receiver, TryRecvError};

/// Number of serial ports (COM1–COM4).
pub const PORTS: usize = 4;

/// Option names of the ports' output targets.
pub const OPTION_NAMES: [&str; PORTS] = ["--serial", "--serial2", "--serial3", "--serial4"];

/// Parse the four ports' targets (`None`: null). A file may be named only
/// once among them and the debug console.
pub fn parse_targets(
    values: [Option<&str>; PORTS],
    debugcon: &OutputTarget,
) -> anyhow::Result<[OutputTarget; PORTS]> {
    let mut out: [OutputTarget; PORTS] = std::array::from_fn(|_| OutputTarget::Null);
    for (i, v) in values.iter().enumerate() {
        out[i] = OutputTarget::parse(OPTION_NAMES[i], *v, OutputTarget::Null)?;
    }
    let mut files: Vec<(&str, &std::path::Path)> = Vec::new();
    if let OutputTarget::File(p) = debugcon {
        files.push(("--debugcon", p));
    }
    for (i, t) in out.iter().enumerate() {
        if let OutputTarget::File(p) = t {
            if let Some((other, _)) = files.iter().find(|(_, q)| *q == p.as_path()) {
                bail!(
                    "{other} and {} name the same file {}",
                    OPTION_NAMES[i],
                    p.display()
                );
            }
            files.push((OPTION_NAMES[i], p));
        }
    }
    Ok(out)
}

/// The port that receives stdin: the first one sent to `stdio`.
pub fn stdin_port(targets: &[OutputTarget; PORTS]) -> Option<usize> {
    targets.iter().position(|t| *t == OutputTarget::Stdout)
}

/// Host bytes on their way to a UART's receiver.
pub struct HostInput {
    port: usize,
    rx: Receiver<Vec<u8>>,
    pending: VecDeque<u8>,
    /// The source may still send bytes.
    open: bool,
}

impl HostInput {
    /// Feed host stdin to COM`port+1`: starts the reader thread, which
    /// wakes the calling (emulation) thread when input arrives.
    pub fn stdin(port: usize) -> Self {
        let (tx, rx) = mpsc::channel();
        let emulation = std::thread::current();
        let spawned = std::thread::Builder::new()
            .name("ox86-stdin".into())
            .spawn(move || {
                let mut buf = [0u8; 256];
                let mut stdin = std::io::stdin().lock();
                loop {
                    match stdin.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => {
                            if tx.send(buf[..n].to_vec()).is_err() {
                                break;
                            }
                            emulation.unpark();
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(_) => break,
                    }
                }
                // End of input: the channel closes with the sender.
                drop(tx);
                emulation.unpark();
            });
        if let Err(e) = spawned {
            log::warn!("cannot start the stdin reader: {e}; the serial port gets no input");
        }
        HostInput {
            port,
            rx,
            pending: VecDeque::new(),
            open: true,
        }
    }

    /// An input from a channel (for tests).
    #[cfg(test)]
    pub fn from_channel(port: usize, rx: Receiver<Vec<u8>>) -> Self {
        HostInput {
            port,
            rx,
            pending: VecDeque::new(),
            open: true,
        }
    }

    /// Move what arrived into the UART's receiver as far as it has room,
    /// and tell the machine whether input may still come (a halted guest
    /// then waits for it instead of ending the run).
    pub fn feed(&mut self, m: &mut Machine) {
        while self.open {
            match self.rx.try_recv() {
                Ok(bytes) => self.pending.extend(bytes),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => self.open = false,
            }
        }
        let mut room = m.cpu.io.com_rx_space(self.port);
        while room > 0 {
            let Some(b) = self.pending.pop_front() else {
                break;
            };
            m.cpu.io.com_receive(self.port, b);
            room -= 1;
        }
        m.host_input = self.open || !self.pending.is_empty();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use emulator::MachineConfig;

    #[test]
    fn targets_default_to_null_and_files_must_differ() {
        let t = parse_targets([None; 4], &OutputTarget::Stdout).unwrap();
        assert!(t.iter().all(|t| *t == OutputTarget::Null));
        let t = parse_targets(
            [Some("stdio"), Some("a.txt"), None, Some("stdio")],
            &OutputTarget::Null,
        )
        .unwrap();
        assert_eq!(t[1], OutputTarget::File("a.txt".into()));
        assert_eq!(stdin_port(&t), Some(0));
        for (values, debugcon) in [
            ([Some("a"), Some("a"), None, None], OutputTarget::Stdout),
            (
                [None, None, None, Some("d")],
                OutputTarget::File("d".into()),
            ),
            ([None, Some(""), None, None], OutputTarget::Null),
        ] {
            let e = parse_targets(values, &debugcon).unwrap_err().to_string();
            assert!(e.contains("--serial"), "{e}");
        }
    }

    #[test]
    fn input_waits_for_receiver_room_and_ends_with_the_source() {
        let mut m = Machine::new(&MachineConfig::default()).unwrap();
        let (tx, rx) = mpsc::channel();
        let mut input = HostInput::from_channel(1, rx);
        tx.send(b"abc".to_vec()).unwrap();
        input.feed(&mut m);
        assert!(m.host_input);
        // Without FIFOs the receiver holds one byte: the rest waits.
        assert_eq!(m.cpu.io.read(0x2F8, devices::IoSize::Byte), u32::from(b'a'));
        input.feed(&mut m);
        assert_eq!(m.cpu.io.read(0x2F8, devices::IoSize::Byte), u32::from(b'b'));
        tx.send(b"d".to_vec()).unwrap();
        drop(tx);
        input.feed(&mut m);
        assert!(m.host_input, "a byte is still pending");
        assert_eq!(m.cpu.io.read(0x2F8, devices::IoSize::Byte), u32::from(b'c'));
        input.feed(&mut m);
        assert!(!m.host_input, "the source ended and all went to the UART");
        assert_eq!(m.cpu.io.read(0x2F8, devices::IoSize::Byte), u32::from(b'd'));
    }
}
