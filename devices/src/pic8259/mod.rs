//! The PC/AT pair of 8259A programmable interrupt controllers (Intel 8259A
//! datasheet) with the PIIX/PIIX3 edge/level control registers (Intel
//! 82371FB/SB PIIX/PIIX3 datasheet, "ELCR1/ELCR2 — Edge/Level Control
//! Registers", I/O 04D0h/04D1h).
//!
//! The master answers at ports 0x20/0x21 and serves IRQ0–7; the slave at
//! 0xA0/0xA1 serves IRQ8–15, and its INT output drives the master's IR2
//! (the cascade). The CPU side is the crosvm-style trio:
//! [`Pic::service_irq`] drives an IRQ line, [`Pic::interrupt_requested`] is
//! the INTR pin, and [`Pic::acknowledge`] is the INTA cycle returning the
//! vector. Nothing calls back into the CPU; the caller polls.
//!
//! What is modelled (per chip, see [`chip`]): the ICW1–ICW4 sequence
//! (SNGL, IC4, LTIM, vector base, cascade ICW3 on master and slave, AEOI,
//! SFNM), OCW1 masking, every OCW2 command (non-specific/specific EOI,
//! rotate on EOI, rotate in AEOI, set priority), OCW3 (IRR/ISR read-back,
//! poll command, special mask mode), fully nested priority with rotation,
//! special fully nested mode, cascade with slave identification (the slave
//! puts its vector on the bus only when the master's cascade address
//! matches its ICW3 ID), and the spurious "default IR7" vectors: master
//! IRQ7 (no ISR bit set) and slave IRQ15 (the master's IR2 ISR bit is set,
//! the slave's is not), when a request vanished before the acknowledge.
//!
//! Simplifications, stated in the code where they apply:
//! - Edge requests are latched even if the line falls before INTA (see
//!   [`chip::PicChipState::set_line`]); only level requests can vanish.
//! - MCS-80/85 mode (ICW4 µPM = 0) is treated as 8086 mode; buffered mode
//!   and ICW4 M/S only read back as written.
//! - A level is level triggered if ICW1 LTIM or its ELCR bit is set (on a
//!   real PIIX, LTIM is ignored and only the ELCR counts).
//! - `service_irq(2, …)` is routed to IRQ9, as the AT wires the ISA bus's
//!   IRQ2 pin; the master's IR2 is only the slave's INT output.

pub mod chip;

pub use chip::{InitStep, PicChipState};

/// Master command port (A0 = 0).
pub const PIC_MASTER_COMMAND: u16 = 0x20;
/// Master data port (A0 = 1).
pub const PIC_MASTER_DATA: u16 = 0x21;
/// Slave command port (A0 = 0).
pub const PIC_SLAVE_COMMAND: u16 = 0xA0;
/// Slave data port (A0 = 1).
pub const PIC_SLAVE_DATA: u16 = 0xA1;
/// PIIX ELCR1: edge/level control for IRQ0–7.
pub const PIIX_ELCR1: u16 = 0x4D0;
/// PIIX ELCR2: edge/level control for IRQ8–15.
pub const PIIX_ELCR2: u16 = 0x4D1;
/// Every port the pair decodes.
pub const PIC_PORTS: [u16; 6] = [
    PIC_MASTER_COMMAND,
    PIC_MASTER_DATA,
    PIC_SLAVE_COMMAND,
    PIC_SLAVE_DATA,
    PIIX_ELCR1,
    PIIX_ELCR2,
];

/// ELCR1 bits 2–0 (IRQ0–2) are reserved and read as 0: the timer, the
/// keyboard and the cascade are always edge triggered.
pub const ELCR1_WRITABLE: u8 = 0xF8;
/// ELCR2 bits 0 (IRQ8, the RTC) and 5 (IRQ13, the FPU) are reserved.
pub const ELCR2_WRITABLE: u8 = 0xDE;

/// The master's input that the slave's INT output drives.
pub const CASCADE_IR: u8 = 2;
/// The ISA IRQ the AT routes the bus's IRQ2 pin to.
pub const IRQ2_REDIRECT: u8 = 9;

const MASTER: usize = 0;
const SLAVE: usize = 1;

/// Snapshot of both chips.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PicState {
    /// The master (IRQ0–7).
    pub master: PicChipState,
    /// The slave (IRQ8–15).
    pub slave: PicChipState,
}

/// The dual 8259A with the PIIX ELCR.
#[derive(Clone, Debug, Default)]
pub struct Pic {
    chips: [PicChipState; 2],
}

impl Pic {
    /// Both chips at power-on: uninitialised, raising no interrupt until
    /// the firmware writes the ICW sequence.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of every register.
    pub fn state(&self) -> PicState {
        PicState {
            master: self.chips[MASTER],
            slave: self.chips[SLAVE],
        }
    }

    /// Restore from [`Pic::state`].
    pub fn restore(&mut self, state: &PicState) {
        self.chips = [state.master, state.slave];
        self.update_cascade();
    }

    /// Drive ISA IRQ line `irq` (0–15) to `level`. Edge detection for
    /// edge-triggered lines happens inside. Out-of-range lines are ignored.
    pub fn service_irq(&mut self, irq: u8, level: bool) {
        let irq = if irq == CASCADE_IR {
            IRQ2_REDIRECT
        } else {
            irq
        };
        match irq {
            0..=7 => self.chips[MASTER].set_line(irq, level),
            8..=15 => {
                self.chips[SLAVE].set_line(irq - 8, level);
                self.update_cascade();
            }
            _ => log::warn!("8259A: IRQ {irq} does not exist"),
        }
    }

    /// The INTR pin to the CPU: the master has a request the priority
    /// resolver would present.
    pub fn interrupt_requested(&self) -> bool {
        self.chips[MASTER].pending().is_some()
    }

    /// The INTA cycle. Call it when the CPU accepts the interrupt after
    /// seeing [`Pic::interrupt_requested`]. Returns the vector and updates
    /// IRR/ISR on the master and, for a cascaded level, on the slave
    /// selected by the cascade address. If the request has vanished since,
    /// the answer is the spurious IR7 vector of the chip concerned. Returns
    /// `None` only when the master is not initialised (nothing would drive
    /// the data bus in the vector cycle).
    pub fn acknowledge(&mut self) -> Option<u8> {
        let master = &mut self.chips[MASTER];
        if !master.initialized() {
            return None;
        }
        let Some(ir) = master.pending() else {
            // Default IR7: the ISR is left alone.
            return Some(master.vector(chip::SPURIOUS_LEVEL));
        };
        master.acknowledge(ir);
        let cascaded = master.has_slave(ir);
        let vector = if cascaded {
            let slave = &mut self.chips[SLAVE];
            if slave.slave_id() != ir || !slave.initialized() {
                log::warn!("8259A: no slave answers cascade address {ir}");
                0xFF // nothing drives the bus: it floats high
            } else if let Some(slave_ir) = slave.pending() {
                slave.acknowledge(slave_ir);
                slave.vector(slave_ir)
            } else {
                slave.vector(chip::SPURIOUS_LEVEL)
            }
        } else {
            master.vector(ir)
        };
        // The slave's INT falls during its INTA cycle and rises again if it
        // still has a request (e.g. a second one in AEOI mode), which gives
        // the edge-triggered IR2 a fresh edge.
        if cascaded {
            self.chips[MASTER].set_line(CASCADE_IR, false);
        }
        self.update_cascade();
        Some(vector)
    }

    /// Read an I/O port of the pair; ports it does not decode read 0xFF.
    pub fn read(&mut self, port: u16) -> u8 {
        let value = match port {
            PIC_MASTER_COMMAND | PIC_MASTER_DATA => self.read_chip(MASTER, port == PIC_MASTER_DATA),
            PIC_SLAVE_COMMAND | PIC_SLAVE_DATA => self.read_chip(SLAVE, port == PIC_SLAVE_DATA),
            PIIX_ELCR1 => self.chips[MASTER].elcr,
            PIIX_ELCR2 => self.chips[SLAVE].elcr,
            _ => 0xFF,
        };
        self.update_cascade();
        value
    }

    /// Write an I/O port of the pair; other ports are ignored.
    pub fn write(&mut self, port: u16, value: u8) {
        match port {
            PIC_MASTER_COMMAND => self.chips[MASTER].write_command(value),
            PIC_MASTER_DATA => self.chips[MASTER].write_data(value),
            PIC_SLAVE_COMMAND => self.chips[SLAVE].write_command(value),
            PIC_SLAVE_DATA => self.chips[SLAVE].write_data(value),
            PIIX_ELCR1 => {
                self.chips[MASTER].elcr = value & ELCR1_WRITABLE;
                self.chips[MASTER].sync_level_irr();
            }
            PIIX_ELCR2 => {
                self.chips[SLAVE].elcr = value & ELCR2_WRITABLE;
                self.chips[SLAVE].sync_level_irr();
            }
            _ => {}
        }
        self.update_cascade();
    }

    fn read_chip(&mut self, index: usize, a0: bool) -> u8 {
        let chip = &mut self.chips[index];
        if chip.poll {
            chip.poll_read()
        } else {
            chip.read_register(a0)
        }
    }

    /// Propagate the slave's INT output to the master's IR2 pin.
    fn update_cascade(&mut self) {
        let slave_int = self.chips[SLAVE].pending().is_some();
        self.chips[MASTER].set_line(CASCADE_IR, slave_int);
    }
}

#[cfg(test)]
mod tests;
