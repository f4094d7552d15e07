//! The Intel 82093AA I/O APIC (datasheet, May 1996): 24 interrupt input
//! pins, each with a 64-bit redirection table entry, reached through the
//! indirect IOREGSEL/IOWIN register pair at its memory base (FEC00000h on
//! a PC).
//!
//! Modelled: IOAPICID (bits 27:24), IOAPICVER (version 11h, maximum
//! redirection entry 17h), IOAPICARB (reads the ID), the redirection table
//! (vector, delivery mode fixed/lowest priority/SMI/NMI/INIT/ExtINT,
//! destination mode, delivery status, polarity, remote IRR, trigger mode,
//! mask, destination), edge- and level-triggered inputs, and the EOI
//! message that clears remote IRR. Delivery is instantaneous: a request
//! becomes a pending message that [`super::ApicBus`] hands to the local
//! APIC at once, so delivery status always reads idle.
//!
//! Inputs are electrical levels ([`IoApic::set_irq`]); the polarity bit
//! says which level is "asserted". An edge-triggered pin requests on the
//! rising edge of the asserted state and loses edges that arrive while it
//! is masked; a level-triggered pin requests while asserted, unmasked and
//! without remote IRR, and sets remote IRR when its message is sent.

use super::{DeliveryMode, Message};

/// Default memory base of the IOAPIC on a PC.
pub const IOAPIC_DEFAULT_BASE: u32 = 0xFEC0_0000;
/// I/O register select (byte register at offset 00h).
pub const IOREGSEL: u32 = 0x00;
/// I/O window (32-bit register at offset 10h).
pub const IOWIN: u32 = 0x10;

/// Indirect register indices.
pub const IOAPICID: u8 = 0x00;
pub const IOAPICVER: u8 = 0x01;
pub const IOAPICARB: u8 = 0x02;
/// First redirection table register (entry n: 10h + 2n low, 11h + 2n high).
pub const IOREDTBL0: u8 = 0x10;

/// Number of interrupt input pins.
pub const IOAPIC_PINS: usize = 24;
/// IOAPICVER: maximum redirection entry 23 (bits 23:16), version 11h.
pub const IOAPIC_VERSION: u32 = ((IOAPIC_PINS as u32 - 1) << 16) | 0x11;

/// IOAPICID bits 27:24.
const ID_MASK: u32 = 0x0F00_0000;

/// Redirection table entry bits.
pub const RTE_VECTOR: u64 = 0xFF;
pub const RTE_DELIVERY_MODE_SHIFT: u32 = 8;
pub const RTE_DEST_LOGICAL: u64 = 1 << 11;
pub const RTE_DELIVERY_STATUS: u64 = 1 << 12;
pub const RTE_POLARITY_LOW: u64 = 1 << 13;
pub const RTE_REMOTE_IRR: u64 = 1 << 14;
pub const RTE_LEVEL: u64 = 1 << 15;
pub const RTE_MASKED: u64 = 1 << 16;
pub const RTE_DEST_SHIFT: u32 = 56;
/// Software-writable bits (delivery status and remote IRR are read-only).
const RTE_WRITABLE: u64 = 0xFF00_0000_0001_AFFF;

/// An 82093AA (power-up state from [`IoApic::new`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IoApic {
    id: u32,
    ioregsel: u8,
    rte: [u64; IOAPIC_PINS],
    /// Pin input levels (electrical, high = 1).
    levels: u32,
    /// Pins with a request not yet sent as a message.
    requests: u32,
}

impl Default for IoApic {
    fn default() -> Self {
        Self::new(0)
    }
}

impl IoApic {
    /// Reset state: every entry masked (the other entry bits are undefined
    /// after reset in the datasheet; ox86 clears them), ID `id`.
    pub fn new(id: u8) -> Self {
        IoApic {
            id: (u32::from(id) << 24) & ID_MASK,
            ioregsel: 0,
            rte: [RTE_MASKED; IOAPIC_PINS],
            levels: 0,
            requests: 0,
        }
    }

    /// IOAPIC ID.
    pub fn id(&self) -> u8 {
        (self.id >> 24) as u8
    }

    /// Redirection table entry of `pin`.
    pub fn entry(&self, pin: usize) -> u64 {
        self.rte[pin]
    }

    fn asserted(&self, pin: usize) -> bool {
        let high = self.levels & (1 << pin) != 0;
        high != (self.rte[pin] & RTE_POLARITY_LOW != 0)
    }

    /// Drive input `pin` to electrical `level`. Pins past 23 are ignored.
    pub fn set_irq(&mut self, pin: usize, level: bool) {
        if pin >= IOAPIC_PINS {
            return;
        }
        let was = self.asserted(pin);
        if level {
            self.levels |= 1 << pin;
        } else {
            self.levels &= !(1 << pin);
        }
        let now = self.asserted(pin);
        let e = self.rte[pin];
        if e & RTE_LEVEL == 0 {
            if now && !was && e & RTE_MASKED == 0 {
                self.requests |= 1 << pin;
            }
        } else {
            self.update_level_request(pin);
        }
    }

    /// A level-triggered pin requests while asserted, unmasked and without
    /// remote IRR; a request whose level went away before delivery is
    /// withdrawn.
    fn update_level_request(&mut self, pin: usize) {
        let e = self.rte[pin];
        if self.asserted(pin) && e & (RTE_MASKED | RTE_REMOTE_IRR) == 0 {
            self.requests |= 1 << pin;
        } else {
            self.requests &= !(1 << pin);
        }
    }

    /// The next interrupt message to send, lowest pin first. Sending a
    /// level-triggered message sets the entry's remote IRR.
    pub fn next_message(&mut self) -> Option<Message> {
        if self.requests == 0 {
            return None;
        }
        let pin = self.requests.trailing_zeros() as usize;
        self.requests &= !(1 << pin);
        let e = self.rte[pin];
        if e & RTE_LEVEL != 0 {
            self.rte[pin] |= RTE_REMOTE_IRR;
        }
        Some(Message {
            vector: e as u8,
            mode: DeliveryMode::from_bits((e >> RTE_DELIVERY_MODE_SHIFT) as u32),
            logical: e & RTE_DEST_LOGICAL != 0,
            dest: (e >> RTE_DEST_SHIFT) as u8,
            level: e & RTE_LEVEL != 0,
        })
    }

    /// EOI message for `vector` from a local APIC: clears the remote IRR of
    /// level-triggered entries with that vector; a pin still asserted
    /// requests again.
    pub fn eoi(&mut self, vector: u8) {
        for pin in 0..IOAPIC_PINS {
            let e = self.rte[pin];
            if e & RTE_LEVEL != 0 && e & RTE_REMOTE_IRR != 0 && e as u8 == vector {
                self.rte[pin] &= !RTE_REMOTE_IRR;
                self.update_level_request(pin);
            }
        }
    }

    /// Read `size` bytes at `offset` in the IOAPIC's page: IOREGSEL, the
    /// selected register through IOWIN; other offsets read 0.
    pub fn mmio_read(&mut self, offset: u32, size: u32) -> u32 {
        let v = match offset & !3 {
            IOREGSEL => u32::from(self.ioregsel),
            IOWIN => self.read_indirect(self.ioregsel),
            _ => 0,
        } >> (8 * (offset & 3));
        match size {
            1 => v & 0xFF,
            2 => v & 0xFFFF,
            _ => v,
        }
    }

    /// Write at `offset`: IOREGSEL takes the low byte; IOWIN writes the
    /// selected register (a narrower write is zero-extended); others are
    /// ignored.
    pub fn mmio_write(&mut self, offset: u32, _size: u32, value: u32) {
        match offset {
            IOREGSEL => self.ioregsel = value as u8,
            IOWIN => self.write_indirect(self.ioregsel, value),
            _ => {}
        }
    }

    fn read_indirect(&self, index: u8) -> u32 {
        match index {
            IOAPICID | IOAPICARB => self.id,
            IOAPICVER => IOAPIC_VERSION,
            _ => match rte_index(index) {
                Some((pin, high)) => (self.rte[pin] >> if high { 32 } else { 0 }) as u32,
                None => 0,
            },
        }
    }

    fn write_indirect(&mut self, index: u8, value: u32) {
        if index == IOAPICID {
            self.id = value & ID_MASK;
            return;
        }
        let Some((pin, high)) = rte_index(index) else {
            return;
        };
        let old = self.rte[pin];
        let new = if high {
            (old & 0xFFFF_FFFF) | (u64::from(value) << 32)
        } else {
            (old & !0xFFFF_FFFF) | u64::from(value)
        };
        let fixed = RTE_REMOTE_IRR | RTE_DELIVERY_STATUS;
        let mut e = (new & RTE_WRITABLE) | (old & fixed);
        if e & RTE_LEVEL == 0 {
            // Remote IRR is undefined for edge-triggered entries; keep it 0.
            e &= !RTE_REMOTE_IRR;
        }
        self.rte[pin] = e;
        if e & RTE_LEVEL != 0 {
            self.update_level_request(pin);
        } else if e & RTE_MASKED != 0 {
            self.requests &= !(1 << pin);
        }
    }
}

/// Pin and half (high dword?) of a redirection table register index.
fn rte_index(index: u8) -> Option<(usize, bool)> {
    let i = usize::from(index.checked_sub(IOREDTBL0)?);
    (i < 2 * IOAPIC_PINS).then_some((i / 2, i % 2 == 1))
}

#[cfg(test)]
#[path = "ioapic_tests.rs"]
mod tests;
