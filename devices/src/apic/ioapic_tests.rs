//! 82093AA tests named after the datasheet behaviour they check, driven
//! through IOREGSEL/IOWIN.

use super::*;

fn read_reg(io: &mut IoApic, index: u8) -> u32 {
    io.mmio_write(IOREGSEL, 4, u32::from(index));
    io.mmio_read(IOWIN, 4)
}

fn write_reg(io: &mut IoApic, index: u8, v: u32) {
    io.mmio_write(IOREGSEL, 4, u32::from(index));
    io.mmio_write(IOWIN, 4, v);
}

/// Program `pin`'s redirection entry (low dword `low`, destination APIC 0).
fn route(io: &mut IoApic, pin: u8, low: u32) {
    write_reg(io, IOREDTBL0 + 2 * pin + 1, 0);
    write_reg(io, IOREDTBL0 + 2 * pin, low);
}

const LEVEL: u32 = RTE_LEVEL as u32;
const MASKED: u32 = RTE_MASKED as u32;
const POLARITY_LOW: u32 = RTE_POLARITY_LOW as u32;
const REMOTE_IRR: u32 = RTE_REMOTE_IRR as u32;

#[test]
fn identification_registers() {
    let mut io = IoApic::new(2);
    // (index, value)
    for (index, value) in [
        (IOAPICID, 0x0200_0000),
        (IOAPICVER, 0x0017_0011),
        (IOAPICARB, 0x0200_0000),
    ] {
        assert_eq!(read_reg(&mut io, index), value, "register {index:#x}");
    }
    write_reg(&mut io, IOAPICID, 0xFFFF_FFFF);
    assert_eq!(read_reg(&mut io, IOAPICID), 0x0F00_0000, "ID is bits 27:24");
    write_reg(&mut io, IOAPICVER, 0);
    assert_eq!(read_reg(&mut io, IOAPICVER), IOAPIC_VERSION, "read-only");
    assert_eq!(io.mmio_read(IOREGSEL, 4), u32::from(IOAPICVER));
    assert_eq!(read_reg(&mut io, 0x03), 0, "unimplemented index");
    assert_eq!(read_reg(&mut io, 0x40), 0, "past the last entry");
}

#[test]
fn reset_masks_every_redirection_entry() {
    let mut io = IoApic::new(0);
    for pin in 0..IOAPIC_PINS as u8 {
        assert_eq!(read_reg(&mut io, IOREDTBL0 + 2 * pin), MASKED, "pin {pin}");
        assert_eq!(read_reg(&mut io, IOREDTBL0 + 2 * pin + 1), 0, "pin {pin}");
    }
}

#[test]
fn redirection_entry_read_only_bits() {
    let mut io = IoApic::new(0);
    write_reg(&mut io, IOREDTBL0 + 6, 0xFFFF_FFFF);
    write_reg(&mut io, IOREDTBL0 + 7, 0xFFFF_FFFF);
    assert_eq!(
        read_reg(&mut io, IOREDTBL0 + 6),
        0x0001_AFFF,
        "delivery status and remote IRR are read-only"
    );
    assert_eq!(read_reg(&mut io, IOREDTBL0 + 7), 0xFF00_0000);
    assert_eq!(io.entry(3) >> RTE_DEST_SHIFT, 0xFF);
}

#[test]
fn edge_triggered_pin_sends_one_message_per_rising_edge() {
    let mut io = IoApic::new(0);
    route(&mut io, 4, 0x34);
    io.set_irq(4, true);
    let m = io.next_message().expect("rising edge");
    assert_eq!(
        m,
        Message {
            vector: 0x34,
            mode: DeliveryMode::Fixed,
            logical: false,
            dest: 0,
            level: false
        }
    );
    io.set_irq(4, true);
    assert_eq!(io.next_message(), None, "no new edge");
    io.set_irq(4, false);
    io.set_irq(4, true);
    assert!(io.next_message().is_some());
    assert_eq!(io.entry(4) & RTE_REMOTE_IRR, 0, "edge: no remote IRR");
}

#[test]
fn edge_arriving_while_masked_is_lost() {
    let mut io = IoApic::new(0);
    route(&mut io, 1, MASKED | 0x31);
    io.set_irq(1, true);
    route(&mut io, 1, 0x31);
    assert_eq!(io.next_message(), None);
}

#[test]
fn level_triggered_pin_holds_remote_irr_until_eoi() {
    let mut io = IoApic::new(0);
    route(&mut io, 10, LEVEL | 0x5A);
    io.set_irq(10, true);
    let m = io.next_message().expect("asserted");
    assert!(m.level);
    assert_eq!(read_reg(&mut io, IOREDTBL0 + 20) & REMOTE_IRR, REMOTE_IRR);
    io.set_irq(10, true);
    assert_eq!(io.next_message(), None, "remote IRR set: no new message");
    io.eoi(0x5B);
    assert_eq!(io.next_message(), None, "EOI of another vector");
    io.eoi(0x5A);
    assert_eq!(io.entry(10) & RTE_REMOTE_IRR, 0);
    assert!(io.next_message().is_some(), "still asserted: sent again");
    io.set_irq(10, false);
    io.eoi(0x5A);
    assert_eq!(io.entry(10) & RTE_REMOTE_IRR, 0);
    assert_eq!(io.next_message(), None, "deasserted: nothing more");
}

#[test]
fn level_request_withdrawn_when_the_line_falls_before_delivery() {
    let mut io = IoApic::new(0);
    route(&mut io, 9, LEVEL | 0x39);
    io.set_irq(9, true);
    io.set_irq(9, false);
    assert_eq!(io.next_message(), None);
}

#[test]
fn unmasking_an_asserted_level_pin_requests() {
    let mut io = IoApic::new(0);
    route(&mut io, 11, LEVEL | MASKED | 0x3B);
    io.set_irq(11, true);
    assert_eq!(io.next_message(), None);
    route(&mut io, 11, LEVEL | 0x3B);
    assert_eq!(io.next_message().map(|m| m.vector), Some(0x3B));
}

#[test]
fn active_low_polarity_inverts_the_input() {
    let mut io = IoApic::new(0);
    io.set_irq(16, true); // PCI INTx idles high
    route(&mut io, 16, LEVEL | POLARITY_LOW | 0x50);
    assert_eq!(io.next_message(), None, "high is inactive");
    io.set_irq(16, false);
    assert_eq!(io.next_message().map(|m| m.vector), Some(0x50));
}

#[test]
fn message_fields_follow_the_redirection_entry() {
    // (low dword, high dword, message)
    for (low, high, mode, logical) in [
        (
            0x0000_0130,
            0x0300_0000,
            DeliveryMode::LowestPriority,
            false,
        ),
        (0x0000_0830, 0x0F00_0000, DeliveryMode::Fixed, true),
        (0x0000_0400, 0, DeliveryMode::Nmi, false),
        (0x0000_0700, 0, DeliveryMode::ExtInt, false),
        (0x0000_0200, 0, DeliveryMode::Smi, false),
    ] {
        let mut io = IoApic::new(0);
        write_reg(&mut io, IOREDTBL0 + 1, high);
        write_reg(&mut io, IOREDTBL0, low);
        io.set_irq(0, true);
        let m = io.next_message().expect("edge");
        assert_eq!(
            (m.vector, m.mode, m.logical, m.dest),
            (low as u8, mode, logical, (high >> 24) as u8),
            "RTE {high:08x}:{low:08x}"
        );
    }
}

#[test]
fn pins_are_served_lowest_first_and_out_of_range_pins_ignored() {
    let mut io = IoApic::new(0);
    route(&mut io, 5, 0x45);
    route(&mut io, 2, 0x42);
    io.set_irq(5, true);
    io.set_irq(2, true);
    io.set_irq(24, true);
    io.set_irq(usize::MAX, true);
    assert_eq!(io.next_message().map(|m| m.vector), Some(0x42));
    assert_eq!(io.next_message().map(|m| m.vector), Some(0x45));
    assert_eq!(io.next_message(), None);
}
