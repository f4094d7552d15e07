//! The APIC interrupt architecture of a one-processor PC: the processor's
//! local APIC ([`local`], Intel SDM Vol. 3A ch. 10) and an 82093AA I/O APIC
//! ([`ioapic`]), joined by [`ApicBus`], which stands in for the APIC bus /
//! system bus messages between them and decodes their memory-mapped pages.
//!
//! The CPU side mirrors the 8259A's: [`ApicBus::interrupt_requested`] is
//! the INTR pin as the processor sees it and [`ApicBus::acknowledge`] the
//! INTA cycle. With the local APIC globally disabled (IA32_APIC_BASE bit 11
//! clear) both pass straight to the 8259A, as on a processor without an
//! APIC; enabled, the 8259A's INTR reaches the processor only through
//! LINT0 in ExtINT mode (virtual wire) and fixed interrupts come from the
//! IRR by priority. NMIs are taken with [`ApicBus::take_nmi`].
//!
//! Nothing calls back into the CPU; the machine polls after each slice.
//! Time is virtual ([`ApicBus::advance`]); devices never read a host clock.

pub mod ioapic;
pub mod local;
pub mod timer;

pub use ioapic::{IoApic, IOAPIC_DEFAULT_BASE};
pub use local::{ApicInterrupt, LocalApic, APIC_DEFAULT_BASE, MSR_IA32_APIC_BASE};

use crate::pic8259::Pic;

/// APIC ID of the (only) processor's local APIC.
pub const PC_LAPIC_ID: u8 = 0;
/// ID of the IOAPIC (after the processor's, as MP/ACPI firmware numbers them).
pub const PC_IOAPIC_ID: u8 = 1;

/// Size of each APIC's memory-mapped page.
pub const APIC_PAGE_SIZE: u32 = 4096;

/// The IOAPIC input an ISA IRQ line drives on a PC: IRQ n on pin n, except
/// the timer's IRQ0, which is wired to pin 2 (the interrupt source override
/// an MP table or MADT reports: ISA IRQ0 → global system interrupt 2), and
/// IRQ2, the 8259A cascade, which reaches no pin.
pub fn isa_irq_pin(irq: u8) -> Option<usize> {
    match irq {
        0 => Some(2),
        2 => None,
        1..=15 => Some(usize::from(irq)),
        _ => None,
    }
}

/// Delivery modes of LVT entries, the ICR and IOAPIC redirection entries
/// (SDM Figure 10-8 / 10-12; 82093AA Table 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryMode {
    Fixed = 0,
    LowestPriority = 1,
    Smi = 2,
    Reserved = 3,
    Nmi = 4,
    Init = 5,
    StartUp = 6,
    ExtInt = 7,
}

impl DeliveryMode {
    /// From the three-bit field in bits 2:0 of `bits`.
    pub fn from_bits(bits: u32) -> Self {
        match bits & 7 {
            0 => DeliveryMode::Fixed,
            1 => DeliveryMode::LowestPriority,
            2 => DeliveryMode::Smi,
            4 => DeliveryMode::Nmi,
            5 => DeliveryMode::Init,
            6 => DeliveryMode::StartUp,
            7 => DeliveryMode::ExtInt,
            _ => DeliveryMode::Reserved,
        }
    }
}

/// An interrupt message (IOAPIC redirection or IPI).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message {
    pub vector: u8,
    pub mode: DeliveryMode,
    /// Logical destination mode.
    pub logical: bool,
    /// Destination (APIC ID, or logical destination).
    pub dest: u8,
    /// Level-triggered.
    pub level: bool,
}

/// The local APIC and the IOAPIC of a one-processor PC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApicBus {
    pub lapic: LocalApic,
    pub ioapic: IoApic,
    ioapic_base: u32,
    /// MMIO accesses seen (reads + writes); useful in tests.
    pub accesses: u64,
}

impl Default for ApicBus {
    fn default() -> Self {
        Self::new()
    }
}

impl ApicBus {
    /// Local APIC ID 0 at FEE00000h (globally enabled, software-disabled:
    /// the power-up state) and IOAPIC ID 1 at FEC00000h with every pin
    /// masked.
    pub fn new() -> Self {
        ApicBus {
            lapic: LocalApic::new(PC_LAPIC_ID),
            ioapic: IoApic::new(PC_IOAPIC_ID),
            ioapic_base: IOAPIC_DEFAULT_BASE,
            accesses: 0,
        }
    }

    /// Physical base of the IOAPIC page.
    pub fn ioapic_base(&self) -> u32 {
        self.ioapic_base
    }

    /// Which device answers at physical `addr`: the local APIC's page
    /// (while globally enabled) or the IOAPIC's.
    fn decode(&self, addr: u32) -> Option<(Target, u32)> {
        let page = addr & !(APIC_PAGE_SIZE - 1);
        let offset = addr & (APIC_PAGE_SIZE - 1);
        if self.lapic.hw_enabled() && page == self.lapic.base() {
            Some((Target::Local, offset))
        } else if page == self.ioapic_base {
            Some((Target::Io, offset))
        } else {
            None
        }
    }

    /// Whether `addr` is in a page one of the APICs decodes.
    pub fn claims(&self, addr: u32) -> bool {
        self.decode(addr).is_some()
    }

    /// CPU load of `size` (1, 2 or 4) bytes at physical `addr`; addresses
    /// no APIC decodes read all-ones.
    pub fn mmio_read(&mut self, addr: u32, size: u32) -> u32 {
        self.accesses += 1;
        match self.decode(addr) {
            Some((Target::Local, off)) => self.lapic.mmio_read(off, size),
            Some((Target::Io, off)) => self.ioapic.mmio_read(off, size),
            None => u32::MAX >> (32 - 8 * size.clamp(1, 4)),
        }
    }

    /// CPU store of `size` bytes of `value` at physical `addr`. An EOI of a
    /// level-triggered vector reaches the IOAPIC; requests the IOAPIC
    /// raises (unmasking a pin) reach the local APIC.
    pub fn mmio_write(&mut self, addr: u32, size: u32, value: u32) {
        self.accesses += 1;
        match self.decode(addr) {
            Some((Target::Local, off)) => {
                self.lapic.mmio_write(off, size, value);
                if let Some(v) = self.lapic.take_eoi_broadcast() {
                    self.ioapic.eoi(v);
                }
            }
            Some((Target::Io, off)) => self.ioapic.mmio_write(off, size, value),
            None => {}
        }
        self.route();
    }

    /// Deliver the IOAPIC's pending messages to the local APIC.
    fn route(&mut self) {
        while let Some(m) = self.ioapic.next_message() {
            if self.lapic.matches_destination(m.dest, m.logical) {
                self.lapic.deliver(&m);
            } else {
                log::debug!("IOAPIC message {m:?} matches no local APIC");
            }
        }
    }

    /// Drive IOAPIC input `pin` to `level`.
    pub fn set_irq(&mut self, pin: usize, level: bool) {
        self.ioapic.set_irq(pin, level);
        self.route();
    }

    /// Drive ISA IRQ line `irq` to `level` on its IOAPIC pin
    /// ([`isa_irq_pin`]); the caller drives the 8259A's input as well.
    pub fn set_isa_irq(&mut self, irq: u8, level: bool) {
        if let Some(pin) = isa_irq_pin(irq) {
            self.set_irq(pin, level);
        }
    }

    /// Whether ISA IRQ `irq` can reach the processor: through the 8259A
    /// (`pic_masked`: its IMR blocks the line) and, with the local APIC
    /// globally enabled, LINT0 in unmasked ExtINT mode; or through an
    /// unmasked IOAPIC entry.
    pub fn isa_irq_reachable(&self, irq: u8, pic_masked: bool) -> bool {
        if !self.lapic.hw_enabled() {
            return !pic_masked;
        }
        let lint0 = self.lapic.lvt(local::Lvt::Lint0);
        let virtual_wire = lint0 & local::LVT_MASKED == 0
            && DeliveryMode::from_bits(lint0 >> local::LVT_DELIVERY_MODE_SHIFT)
                == DeliveryMode::ExtInt;
        let ioapic =
            isa_irq_pin(irq).is_some_and(|pin| self.ioapic.entry(pin) & ioapic::RTE_MASKED == 0);
        (virtual_wire && !pic_masked) || ioapic
    }

    /// The next local APIC timer expiry that raises an interrupt (LVT
    /// timer unmasked): an event that can wake a halted processor.
    pub fn next_wake_deadline_ns(&self) -> Option<u64> {
        let lvt = self.lapic.lvt(local::Lvt::Timer);
        if lvt & local::LVT_MASKED != 0 {
            return None;
        }
        self.next_deadline_ns()
    }

    /// Bring the APICs to virtual time `now_ns`.
    pub fn advance(&mut self, now_ns: u64) {
        self.lapic.advance(now_ns);
    }

    /// Virtual time of the next event (local APIC timer expiry).
    pub fn next_deadline_ns(&self) -> Option<u64> {
        self.lapic.next_deadline_ns()
    }

    /// The processor's INTR as seen through the APIC, given the 8259A's
    /// INT output (LINT0 on a PC). Also passes that level to LINT0.
    pub fn interrupt_requested(&mut self, pic: Option<&Pic>) -> bool {
        let pic_intr = pic.is_some_and(|p| p.interrupt_requested());
        if !self.lapic.hw_enabled() {
            return pic_intr;
        }
        self.lapic.set_lint(0, pic_intr);
        self.lapic.extint_requested() || self.lapic.pending_vector().is_some()
    }

    /// The INTA cycle: the vector to deliver. ExtINT (and the globally
    /// disabled APIC) take it from the 8259A; fixed interrupts from the
    /// local APIC's IRR (or its spurious vector, §10.9).
    pub fn acknowledge(&mut self, pic: Option<&mut Pic>) -> Option<u8> {
        if !self.lapic.hw_enabled() {
            return pic.and_then(|p| p.acknowledge());
        }
        if self.lapic.extint_requested() {
            self.lapic.acknowledge_extint();
            return pic.and_then(|p| p.acknowledge());
        }
        self.lapic.acknowledge()
    }

    /// Take a pending NMI (LINT1 in NMI mode, NMI IPI or IOAPIC message).
    pub fn take_nmi(&mut self) -> bool {
        self.lapic.take_nmi()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Local,
    Io,
}

#[cfg(test)]
mod tests;
