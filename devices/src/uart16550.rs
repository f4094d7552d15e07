//! 16550A UART (National Semiconductor PC16550D datasheet, "Register
//! Description" and Tables II, IV), as found at COM1–COM4 on a PC.
//!
//! The device is a plain state machine in the style of rust-vmm's
//! `vm-superio` serial: it knows nothing of buses, threads or the CPU. The
//! bus calls [`Uart16550::read`] / [`Uart16550::write`] with a register
//! offset 0–7; transmitted bytes go to a generic [`std::io::Write`] sink
//! (a `Vec<u8>` on the machine's I/O bus, which the frontend drains, or in
//! tests); received bytes come from the host through
//! [`Uart16550::receive`].
//!
//! What is modelled:
//! - all ten registers, the divisor latch behind LCR.DLAB, the scratch
//!   register;
//! - the receive buffer (one byte) or, with FCR bit 0, the 16-byte receive
//!   FIFO with its trigger level, FIFO resets and overrun (LSR.OE);
//! - LSR status bits (DR, OE, BI, THRE, TEMT, FIFO error) with
//!   clear-on-read of the error bits; a received break (LSR.BI);
//! - interrupt identification with the datasheet priorities (line status >
//!   received data / character timeout > THR empty > modem status), their
//!   enables in IER and their clearing rules (Table IV);
//! - the modem control and status lines, with delta bits, and the loopback
//!   mode of MCR bit 4 (transmitter looped to the receiver, MCR outputs
//!   looped to the MSR inputs);
//!
//! Simplifications, and the wiring:
//! - There is no clock: a byte written to THR is transmitted at once, so
//!   THR and the transmitter are always empty (LSR.THRE and TEMT stay set)
//!   and the baud rate in the divisor latch only reads back. For the same
//!   reason the FIFO character-timeout indication (4 character times on
//!   real hardware) is reported as soon as the FIFO holds fewer bytes than
//!   the trigger level.
//! - The host line has no parity or framing, so LSR.PE and LSR.FE are never
//!   set; word length, parity and stop-bit settings in LCR only read back.
//!   Characters pass through 8 bits wide even when LCR selects shorter
//!   words (its reset value selects 5 bits): kernels often write to COM1
//!   without programming LCR, relying on firmware to have done it. The FIFO
//!   error bit (LSR bit 7) is set by a received break in FIFO mode and
//!   cleared by reading LSR, not tracked per character.
//! - [`Uart16550::interrupt_pending`] is the chip's INTR pin and
//!   [`Uart16550::irq_line`] the PC board's IRQ wiring (INTR gated by the
//!   OUT2 output), which the I/O bus (`io_bus`) drives into the 8259A
//!   (IRQ4 for COM1/COM3, IRQ3 for COM2/COM4).
//! - DMA mode (FCR bit 3) and the RXRDY/TXRDY pins are not modelled.

use std::collections::VecDeque;
use std::io::Write;

/// Base port of COM1 on a PC.
pub const COM1_BASE: u16 = 0x3F8;
/// ISA IRQ of COM1 on a PC.
pub const COM1_IRQ: u8 = 4;
/// Number of registers (ports) of one UART.
pub const REGISTER_COUNT: u16 = 8;

// Register offsets.
/// Receiver buffer (read) / transmitter holding (write); divisor latch LSB
/// when LCR.DLAB is set.
pub const DATA_OFFSET: u8 = 0;
/// Interrupt enable; divisor latch MSB when LCR.DLAB is set.
pub const IER_OFFSET: u8 = 1;
/// Interrupt identification (read) / FIFO control (write).
pub const IIR_FCR_OFFSET: u8 = 2;
/// Line control.
pub const LCR_OFFSET: u8 = 3;
/// Modem control.
pub const MCR_OFFSET: u8 = 4;
/// Line status.
pub const LSR_OFFSET: u8 = 5;
/// Modem status.
pub const MSR_OFFSET: u8 = 6;
/// Scratch.
pub const SCR_OFFSET: u8 = 7;

// Interrupt enable register.
/// ERBFI: received data available (and character timeout).
pub const IER_RDA: u8 = 0x01;
/// ETBEI: transmitter holding register empty.
pub const IER_THRE: u8 = 0x02;
/// ELSI: receiver line status.
pub const IER_RLS: u8 = 0x04;
/// EDSSI: modem status.
pub const IER_MS: u8 = 0x08;
const IER_MASK: u8 = 0x0F;

// Interrupt identification register (bits 0–3: pending flag and id).
/// No interrupt pending (bit 0 is active low).
pub const IIR_NO_INT: u8 = 0x01;
/// Receiver line status (priority 1, highest).
pub const IIR_RLS: u8 = 0x06;
/// Received data available (priority 2).
pub const IIR_RDA: u8 = 0x04;
/// Character timeout indication (priority 2, FIFO mode only).
pub const IIR_CTI: u8 = 0x0C;
/// Transmitter holding register empty (priority 3).
pub const IIR_THRE: u8 = 0x02;
/// Modem status (priority 4, lowest).
pub const IIR_MS: u8 = 0x00;
/// Bits 6–7: both set when the FIFOs are enabled.
pub const IIR_FIFO_ENABLED: u8 = 0xC0;

// FIFO control register.
/// Enable the transmit and receive FIFOs.
pub const FCR_FIFO_ENABLE: u8 = 0x01;
/// Clear the receive FIFO (self-clearing).
pub const FCR_RX_RESET: u8 = 0x02;
/// Clear the transmit FIFO (self-clearing).
pub const FCR_TX_RESET: u8 = 0x04;
/// DMA mode select (not modelled).
pub const FCR_DMA_MODE: u8 = 0x08;
/// Receiver trigger level field (bits 6–7: 1, 4, 8, 14 bytes).
pub const FCR_TRIGGER_MASK: u8 = 0xC0;

// Line control register.
/// Word length select field (bits 0–1: 5–8 bits).
pub const LCR_WORD_LENGTH_MASK: u8 = 0x03;
/// Number of stop bits.
pub const LCR_STOP_BITS: u8 = 0x04;
/// Parity enable.
pub const LCR_PARITY_ENABLE: u8 = 0x08;
/// Set break.
pub const LCR_SET_BREAK: u8 = 0x40;
/// Divisor latch access bit.
pub const LCR_DLAB: u8 = 0x80;

// Modem control register.
/// Data terminal ready.
pub const MCR_DTR: u8 = 0x01;
/// Request to send.
pub const MCR_RTS: u8 = 0x02;
/// OUT1 output.
pub const MCR_OUT1: u8 = 0x04;
/// OUT2 output (gates the IRQ on PC boards).
pub const MCR_OUT2: u8 = 0x08;
/// Loopback mode.
pub const MCR_LOOP: u8 = 0x10;
const MCR_MASK: u8 = 0x1F;

// Line status register.
/// Data ready.
pub const LSR_DR: u8 = 0x01;
/// Overrun error.
pub const LSR_OE: u8 = 0x02;
/// Parity error.
pub const LSR_PE: u8 = 0x04;
/// Framing error.
pub const LSR_FE: u8 = 0x08;
/// Break interrupt.
pub const LSR_BI: u8 = 0x10;
/// Transmitter holding register (or TX FIFO) empty.
pub const LSR_THR_EMPTY: u8 = 0x20;
/// Transmitter empty (THR and shift register).
pub const LSR_TEMT: u8 = 0x40;
/// At least one parity/framing error or break in the RX FIFO.
pub const LSR_FIFO_ERROR: u8 = 0x80;
/// The error bits whose presence raises a receiver line status interrupt.
const LSR_ERRORS: u8 = LSR_OE | LSR_PE | LSR_FE | LSR_BI;

// Modem status register.
/// Delta clear to send.
pub const MSR_DCTS: u8 = 0x01;
/// Delta data set ready.
pub const MSR_DDSR: u8 = 0x02;
/// Trailing edge ring indicator.
pub const MSR_TERI: u8 = 0x04;
/// Delta data carrier detect.
pub const MSR_DDCD: u8 = 0x08;
/// Clear to send.
pub const MSR_CTS: u8 = 0x10;
/// Data set ready.
pub const MSR_DSR: u8 = 0x20;
/// Ring indicator.
pub const MSR_RI: u8 = 0x40;
/// Data carrier detect.
pub const MSR_DCD: u8 = 0x80;
const MSR_DELTAS: u8 = 0x0F;

/// Depth of the receive (and transmit) FIFO.
pub const FIFO_SIZE: usize = 16;
/// Divisor after reset: 9600 baud from the PC's 1.8432 MHz clock (the
/// datasheet leaves the latch undefined after reset).
pub const DEFAULT_DIVISOR: u16 = 12;
/// Modem inputs of a connected terminal: CTS, DSR and DCD asserted.
pub const DEFAULT_MODEM_INPUTS: u8 = MSR_CTS | MSR_DSR | MSR_DCD;

/// Everything a snapshot of the UART holds (the sink excepted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uart16550State {
    pub divisor: u16,
    pub ier: u8,
    pub fcr: u8,
    pub lcr: u8,
    pub mcr: u8,
    pub lsr: u8,
    pub msr: u8,
    pub scr: u8,
    /// The THR-empty interrupt condition is pending (cleared by reading IIR
    /// while it is the reported source, or by writing THR).
    pub thre_pending: bool,
    /// MSR bits 4–7 as driven by the outside world (used outside loopback).
    pub modem_inputs: u8,
    /// Received bytes not yet read, oldest first.
    pub rx: Vec<u8>,
}

impl Default for Uart16550State {
    /// The state after a master reset (datasheet Table II).
    fn default() -> Self {
        Uart16550State {
            divisor: DEFAULT_DIVISOR,
            ier: 0,
            fcr: 0,
            lcr: 0,
            mcr: 0,
            lsr: LSR_THR_EMPTY | LSR_TEMT,
            msr: DEFAULT_MODEM_INPUTS,
            scr: 0,
            thre_pending: false,
            modem_inputs: DEFAULT_MODEM_INPUTS,
            rx: Vec::new(),
        }
    }
}

/// A 16550A UART whose transmitter writes to `W`.
#[derive(Debug)]
pub struct Uart16550<W: Write> {
    divisor: u16,
    ier: u8,
    /// FIFO enable and trigger bits of the last FCR write.
    fcr: u8,
    lcr: u8,
    mcr: u8,
    /// Error and status bits; DR is derived from the receive queue.
    lsr: u8,
    msr: u8,
    scr: u8,
    thre_pending: bool,
    modem_inputs: u8,
    rx: VecDeque<u8>,
    out: W,
    /// A write to the sink failed (reported once).
    sink_failed: bool,
}

impl<W: Write> Uart16550<W> {
    /// A UART in its reset state transmitting to `out`.
    pub fn new(out: W) -> Self {
        Self::from_state(&Uart16550State::default(), out)
    }

    /// A UART restored from a snapshot.
    pub fn from_state(s: &Uart16550State, out: W) -> Self {
        let mut rx = VecDeque::with_capacity(FIFO_SIZE);
        rx.extend(s.rx.iter().take(FIFO_SIZE));
        Uart16550 {
            divisor: s.divisor,
            ier: s.ier & IER_MASK,
            fcr: s.fcr & (FCR_FIFO_ENABLE | FCR_TRIGGER_MASK),
            lcr: s.lcr,
            mcr: s.mcr & MCR_MASK,
            lsr: (s.lsr & !LSR_DR) | LSR_THR_EMPTY | LSR_TEMT,
            msr: s.msr,
            scr: s.scr,
            thre_pending: s.thre_pending,
            modem_inputs: s.modem_inputs & !MSR_DELTAS,
            rx,
            out,
            sink_failed: false,
        }
    }

    /// A snapshot of the registers and the receive queue.
    pub fn state(&self) -> Uart16550State {
        Uart16550State {
            divisor: self.divisor,
            ier: self.ier,
            fcr: self.fcr,
            lcr: self.lcr,
            mcr: self.mcr,
            lsr: self.line_status(),
            msr: self.msr,
            scr: self.scr,
            thre_pending: self.thre_pending,
            modem_inputs: self.modem_inputs,
            rx: self.rx.iter().copied().collect(),
        }
    }

    /// The transmit sink.
    pub fn sink(&self) -> &W {
        &self.out
    }

    /// The transmit sink, e.g. to drain a `Vec<u8>`.
    pub fn sink_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Register read at `offset` (0–7; higher bits are ignored).
    pub fn read(&mut self, offset: u8) -> u8 {
        match offset & 7 {
            DATA_OFFSET if self.dlab() => self.divisor as u8,
            DATA_OFFSET => self.read_rbr(),
            IER_OFFSET if self.dlab() => (self.divisor >> 8) as u8,
            IER_OFFSET => self.ier,
            IIR_FCR_OFFSET => self.read_iir(),
            LCR_OFFSET => self.lcr,
            MCR_OFFSET => self.mcr,
            LSR_OFFSET => {
                let v = self.line_status();
                // Reading LSR clears the error bits (and with them a
                // receiver line status interrupt).
                self.lsr &= !(LSR_ERRORS | LSR_FIFO_ERROR);
                v
            }
            MSR_OFFSET => {
                let v = self.msr;
                self.msr &= !MSR_DELTAS;
                v
            }
            _ => self.scr,
        }
    }

    /// Register write at `offset` (0–7; higher bits are ignored).
    pub fn write(&mut self, offset: u8, value: u8) {
        match offset & 7 {
            DATA_OFFSET if self.dlab() => {
                self.divisor = (self.divisor & 0xFF00) | u16::from(value);
            }
            DATA_OFFSET => self.write_thr(value),
            IER_OFFSET if self.dlab() => {
                self.divisor = (self.divisor & 0x00FF) | (u16::from(value) << 8);
            }
            IER_OFFSET => {
                let enabling_thre = value & IER_THRE != 0 && self.ier & IER_THRE == 0;
                self.ier = value & IER_MASK;
                // Enabling ETBEI while THR is empty raises the interrupt.
                if enabling_thre {
                    self.thre_pending = true;
                }
            }
            IIR_FCR_OFFSET => self.write_fcr(value),
            LCR_OFFSET => self.lcr = value,
            MCR_OFFSET => self.write_mcr(value),
            // LSR and MSR are read-only (writes are for factory test).
            LSR_OFFSET | MSR_OFFSET => {}
            _ => self.scr = value,
        }
    }

    /// A byte arrives on the serial input from the host. Returns `false` if
    /// it was lost: the UART is in loopback mode (its serial input is
    /// disconnected), or the receiver was full, which sets LSR.OE (in FIFO
    /// mode the new byte is discarded; without FIFOs it overwrites the
    /// unread one). Hosts feeding input should respect
    /// [`Uart16550::rx_space`].
    pub fn receive(&mut self, byte: u8) -> bool {
        if self.loopback() {
            return false;
        }
        self.receive_char(byte)
    }

    /// A break condition arrives on the serial input: a zero character is
    /// received with LSR.BI set (and LSR bit 7 in FIFO mode).
    pub fn receive_break(&mut self) -> bool {
        if self.loopback() {
            return false;
        }
        self.lsr |= LSR_BI;
        if self.fifo_enabled() {
            self.lsr |= LSR_FIFO_ERROR;
        }
        self.receive_char(0)
    }

    /// Bytes the receiver can take without an overrun.
    pub fn rx_space(&self) -> usize {
        self.rx_capacity().saturating_sub(self.rx.len())
    }

    /// Drive the modem status inputs (MSR bits 4–7: CTS, DSR, RI, DCD),
    /// setting the delta bits for the lines that changed. Ignored by the
    /// MSR while in loopback mode (the inputs are disconnected) but kept
    /// for when loopback ends.
    pub fn set_modem_inputs(&mut self, lines: u8) {
        self.modem_inputs = lines & !MSR_DELTAS;
        if !self.loopback() {
            self.update_msr(self.modem_inputs);
        }
    }

    /// The INTR pin: an enabled interrupt condition is pending.
    pub fn interrupt_pending(&self) -> bool {
        self.interrupt_id() != IIR_NO_INT
    }

    /// The IRQ line as wired on a PC: INTR gated by the OUT2 output, which
    /// loopback mode forces inactive.
    pub fn irq_line(&self) -> bool {
        self.interrupt_pending() && self.mcr & MCR_OUT2 != 0 && !self.loopback()
    }

    fn dlab(&self) -> bool {
        self.lcr & LCR_DLAB != 0
    }

    fn loopback(&self) -> bool {
        self.mcr & MCR_LOOP != 0
    }

    fn fifo_enabled(&self) -> bool {
        self.fcr & FCR_FIFO_ENABLE != 0
    }

    fn rx_capacity(&self) -> usize {
        if self.fifo_enabled() {
            FIFO_SIZE
        } else {
            1
        }
    }

    /// Receiver trigger level of FCR bits 6–7.
    fn trigger_level(&self) -> usize {
        match self.fcr >> 6 {
            0 => 1,
            1 => 4,
            2 => 8,
            _ => 14,
        }
    }

    fn line_status(&self) -> u8 {
        let dr = if self.rx.is_empty() { 0 } else { LSR_DR };
        self.lsr | dr | LSR_THR_EMPTY | LSR_TEMT
    }

    /// The highest-priority enabled interrupt (IIR bits 0–3).
    fn interrupt_id(&self) -> u8 {
        if self.ier & IER_RLS != 0 && self.lsr & LSR_ERRORS != 0 {
            IIR_RLS
        } else if self.ier & IER_RDA != 0 && !self.rx.is_empty() {
            if self.fifo_enabled() && self.rx.len() < self.trigger_level() {
                IIR_CTI
            } else {
                IIR_RDA
            }
        } else if self.ier & IER_THRE != 0 && self.thre_pending {
            IIR_THRE
        } else if self.ier & IER_MS != 0 && self.msr & MSR_DELTAS != 0 {
            IIR_MS
        } else {
            IIR_NO_INT
        }
    }

    fn read_iir(&mut self) -> u8 {
        let id = self.interrupt_id();
        // Reading IIR while it reports THRE clears that interrupt.
        if id == IIR_THRE {
            self.thre_pending = false;
        }
        let fifo = if self.fifo_enabled() {
            IIR_FIFO_ENABLED
        } else {
            0
        };
        id | fifo
    }

    fn read_rbr(&mut self) -> u8 {
        self.rx.pop_front().unwrap_or(0)
    }

    fn write_thr(&mut self, value: u8) {
        if self.loopback() {
            self.receive_char(value);
        } else if let Err(e) = self.out.write_all(&[value]) {
            if !self.sink_failed {
                log::warn!("serial output failed: {e}; further output may be lost");
                self.sink_failed = true;
            }
        }
        // Writing THR clears the THRE interrupt; the byte moves on at once,
        // so THR is empty again and the interrupt condition returns.
        self.thre_pending = true;
    }

    fn write_fcr(&mut self, value: u8) {
        let enable = value & FCR_FIFO_ENABLE != 0;
        if enable != self.fifo_enabled() {
            // Changing FCR bit 0 clears both FIFOs.
            self.rx.clear();
        }
        if !enable {
            // The other bits are only programmed together with bit 0.
            self.fcr = 0;
            return;
        }
        if value & FCR_RX_RESET != 0 {
            self.rx.clear();
        }
        // FCR_TX_RESET: the transmitter is always empty.
        self.fcr = value & (FCR_FIFO_ENABLE | FCR_TRIGGER_MASK);
    }

    fn write_mcr(&mut self, value: u8) {
        self.mcr = value & MCR_MASK;
        let inputs = if self.loopback() {
            // Loopback: CTS ← RTS, DSR ← DTR, RI ← OUT1, DCD ← OUT2.
            let m = self.mcr;
            let bit = |mask: u8, to: u8| if m & mask != 0 { to } else { 0 };
            bit(MCR_RTS, MSR_CTS)
                | bit(MCR_DTR, MSR_DSR)
                | bit(MCR_OUT1, MSR_RI)
                | bit(MCR_OUT2, MSR_DCD)
        } else {
            self.modem_inputs
        };
        self.update_msr(inputs);
    }

    /// New MSR input lines (bits 4–7); set the delta bits for the change.
    fn update_msr(&mut self, lines: u8) {
        let old = self.msr;
        let changed = old ^ lines;
        let mut deltas = 0;
        if changed & MSR_CTS != 0 {
            deltas |= MSR_DCTS;
        }
        if changed & MSR_DSR != 0 {
            deltas |= MSR_DDSR;
        }
        if old & MSR_RI != 0 && lines & MSR_RI == 0 {
            deltas |= MSR_TERI;
        }
        if changed & MSR_DCD != 0 {
            deltas |= MSR_DDCD;
        }
        self.msr = (lines & !MSR_DELTAS) | (old & MSR_DELTAS) | deltas;
    }

    /// A character completes in the receiver (from the line or loopback).
    fn receive_char(&mut self, byte: u8) -> bool {
        if self.rx.len() < self.rx_capacity() {
            self.rx.push_back(byte);
            return true;
        }
        self.lsr |= LSR_OE;
        if !self.fifo_enabled() {
            // 16450 mode: the unread character is destroyed.
            self.rx.clear();
            self.rx.push_back(byte);
        }
        false
    }
}

#[cfg(test)]
mod tests;
