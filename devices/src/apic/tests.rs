//! The APICs together: memory decoding, IOAPIC → local APIC delivery with
//! the EOI message back, and the 8259A through LINT0 (virtual wire).

use super::local::{reg, LVT_LEVEL, SVR_APIC_ENABLED};
use super::*;
use crate::pic8259::Pic;
use crate::testutil::PC_PIC_INIT;

const LAPIC: u32 = APIC_DEFAULT_BASE;
const IOAPIC: u32 = IOAPIC_DEFAULT_BASE;

fn ioapic_write(bus: &mut ApicBus, index: u8, v: u32) {
    bus.mmio_write(IOAPIC, 4, u32::from(index));
    bus.mmio_write(IOAPIC + 0x10, 4, v);
}

/// A bus with the local APIC software-enabled.
fn enabled_bus() -> ApicBus {
    let mut bus = ApicBus::new();
    bus.mmio_write(LAPIC + reg::SVR, 4, SVR_APIC_ENABLED | 0xFF);
    bus
}

/// A PIC pair programmed as a PC BIOS does (vectors 08h and 70h).
fn pc_pic() -> Pic {
    let mut pic = Pic::new();
    for (port, v) in PC_PIC_INIT {
        pic.write(port, v);
    }
    pic
}

#[test]
fn pages_decode_to_the_right_device() {
    let mut bus = ApicBus::new();
    assert_eq!(bus.mmio_read(LAPIC + reg::VERSION, 4), 0x0005_0014);
    bus.mmio_write(IOAPIC, 4, 1);
    assert_eq!(bus.mmio_read(IOAPIC + 0x10, 4), 0x0017_0011);
    assert!(bus.claims(LAPIC + 0xFFF) && bus.claims(IOAPIC));
    assert!(!bus.claims(LAPIC + 0x1000));
    assert_eq!(bus.mmio_read(0xFEB0_0000, 4), 0xFFFF_FFFF);
    assert_eq!(bus.mmio_read(0xFEB0_0000, 1), 0xFF);
    assert_eq!(bus.accesses, 5);
}

#[test]
fn globally_disabled_local_apic_is_not_decoded_and_the_pic_is_direct() {
    let mut bus = enabled_bus();
    assert!(bus.lapic.write_base_msr(0xFEE0_0000));
    assert!(!bus.claims(LAPIC));
    assert_eq!(bus.mmio_read(LAPIC + reg::VERSION, 4), 0xFFFF_FFFF);
    let mut pic = pc_pic();
    pic.service_irq(1, true);
    assert!(bus.interrupt_requested(Some(&pic)));
    assert_eq!(bus.acknowledge(Some(&mut pic)), Some(0x09));
}

#[test]
fn pic_reaches_the_processor_through_lint0_extint_only() {
    let mut bus = enabled_bus();
    let mut pic = pc_pic();
    pic.service_irq(0, true);
    assert!(
        !bus.interrupt_requested(Some(&pic)),
        "LINT0 masked (power-up): the 8259A is cut off"
    );
    bus.lapic.set_virtual_wire();
    assert!(bus.interrupt_requested(Some(&pic)));
    assert_eq!(bus.acknowledge(Some(&mut pic)), Some(0x08));
    assert!(bus.lapic.isr.highest().is_none(), "ExtINT bypasses the ISR");
    pic.service_irq(0, false);
    pic.write(0x20, 0x20);
    assert!(!bus.interrupt_requested(Some(&pic)));
}

#[test]
fn level_interrupt_from_the_ioapic_round_trip_with_eoi() {
    let mut bus = enabled_bus();
    ioapic_write(&mut bus, 0x10 + 2 * 11 + 1, 0); // destination APIC 0
    ioapic_write(&mut bus, 0x10 + 2 * 11, LVT_LEVEL | 0x4B);
    bus.set_irq(11, true);
    assert!(bus.interrupt_requested(None));
    assert_eq!(bus.acknowledge(None), Some(0x4B));
    assert_eq!(bus.mmio_read(LAPIC + reg::TMR0 + 0x20, 4), 1 << 0x0B);
    // The device keeps the line up; the handler clears it and writes EOI.
    bus.set_irq(11, false);
    bus.mmio_write(LAPIC + reg::EOI, 4, 0);
    assert_eq!(bus.ioapic.entry(11) & ioapic::RTE_REMOTE_IRR, 0);
    assert!(!bus.interrupt_requested(None));
    // A line still asserted at EOI is delivered again.
    bus.set_irq(11, true);
    assert_eq!(bus.acknowledge(None), Some(0x4B));
    bus.mmio_write(LAPIC + reg::EOI, 4, 0);
    assert_eq!(bus.acknowledge(None), Some(0x4B));
}

#[test]
fn ioapic_message_to_another_apic_id_is_dropped() {
    let mut bus = enabled_bus();
    ioapic_write(&mut bus, 0x10 + 1, 0x0500_0000);
    ioapic_write(&mut bus, 0x10, 0x40);
    bus.set_irq(0, true);
    assert!(!bus.interrupt_requested(None));
}

#[test]
fn local_apic_timer_interrupt_through_the_bus() {
    let mut bus = enabled_bus();
    bus.advance(500);
    bus.mmio_write(LAPIC + reg::TIMER_DCR, 4, 0b1011);
    bus.mmio_write(LAPIC + reg::LVT_TIMER, 4, 0xEC);
    bus.mmio_write(LAPIC + reg::TIMER_INITIAL, 4, 1000);
    assert_eq!(bus.next_deadline_ns(), Some(1500));
    bus.advance(1499);
    assert!(!bus.interrupt_requested(None));
    bus.advance(1500);
    assert!(bus.interrupt_requested(None));
    assert_eq!(bus.acknowledge(None), Some(0xEC));
}

#[test]
fn nmi_through_lint1() {
    let mut bus = enabled_bus();
    bus.lapic.set_virtual_wire();
    bus.lapic.set_lint(1, true);
    assert!(bus.take_nmi());
    assert!(!bus.interrupt_requested(None), "an NMI is not INTR");
}

#[test]
fn extint_message_from_the_ioapic_takes_the_vector_from_the_8259a() {
    let mut bus = enabled_bus();
    let mut pic = pc_pic();
    ioapic_write(&mut bus, 0x10 + 2 * 3, 0x700); // pin 3: ExtINT, edge, unmasked
    pic.service_irq(3, true);
    bus.set_irq(3, true);
    assert!(bus.interrupt_requested(Some(&pic)));
    assert_eq!(bus.acknowledge(Some(&mut pic)), Some(0x0B));
    assert!(
        !bus.interrupt_requested(Some(&pic)),
        "one message, one INTA"
    );
}

#[test]
fn isa_irqs_on_ioapic_pins() {
    // (IRQ, pin)
    for (irq, pin) in [
        (0, Some(2)),
        (1, Some(1)),
        (2, None),
        (8, Some(8)),
        (15, Some(15)),
        (16, None),
    ] {
        assert_eq!(isa_irq_pin(irq), pin, "IRQ {irq}");
    }
}

#[test]
fn isa_irq_reachability_through_the_8259a_or_the_ioapic() {
    let mut bus = enabled_bus();
    // (PIC IMR blocks it, virtual wire, IOAPIC pin 2 unmasked, IRQ0 reachable)
    for (pic_masked, wire, ioapic, reachable) in [
        (false, false, false, false),
        (false, true, false, true),
        (true, true, false, false),
        (true, false, true, true),
        (true, true, true, true),
    ] {
        bus.mmio_write(
            LAPIC + reg::LVT_LINT0,
            4,
            if wire { 0x700 } else { 0x1_0700 },
        );
        ioapic_write(&mut bus, 0x10 + 2 * 2, if ioapic { 0x30 } else { 0x1_0030 });
        assert_eq!(
            bus.isa_irq_reachable(0, pic_masked),
            reachable,
            "PIC masked {pic_masked}, virtual wire {wire}, IOAPIC {ioapic}"
        );
    }
    assert!(bus.lapic.write_base_msr(0xFEE0_0000));
    assert!(bus.isa_irq_reachable(0, false), "APIC off: the PIC alone");
    assert!(!bus.isa_irq_reachable(0, true));
}

#[test]
fn isa_irq0_reaches_ioapic_pin_2() {
    let mut bus = enabled_bus();
    ioapic_write(&mut bus, 0x10 + 2 * 2, 0x30);
    bus.set_isa_irq(0, true);
    assert_eq!(bus.acknowledge(None), Some(0x30));
    bus.mmio_write(LAPIC + reg::EOI, 4, 0);
    bus.set_isa_irq(0, false);
    bus.set_isa_irq(2, true); // the cascade: no pin
    assert!(!bus.interrupt_requested(None));
    bus.set_isa_irq(0, true);
    assert!(bus.interrupt_requested(None));
}

#[test]
fn only_an_unmasked_timer_is_a_wake_event() {
    let mut bus = enabled_bus();
    bus.mmio_write(LAPIC + reg::LVT_TIMER, 4, 0x1_0040);
    bus.mmio_write(LAPIC + reg::TIMER_INITIAL, 4, 100);
    assert!(bus.next_deadline_ns().is_some());
    assert_eq!(bus.next_wake_deadline_ns(), None);
    bus.mmio_write(LAPIC + reg::LVT_TIMER, 4, 0x40);
    assert_eq!(bus.next_wake_deadline_ns(), bus.next_deadline_ns());
}

#[test]
fn random_guest_accesses_never_panic() {
    // xorshift64: any register, width, value and time, interleaved with
    // IRQ lines, INTA cycles and time steps.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut bus = enabled_bus();
    let mut pic = pc_pic();
    let mut now = 0u64;
    for _ in 0..200_000 {
        let r = next();
        let base = if r & 1 == 0 { LAPIC } else { IOAPIC };
        let addr = base + ((r >> 8) as u32 & 0xFFF);
        let size = [1, 2, 4, 4][(r >> 4) as usize & 3];
        match (r >> 2) & 3 {
            0 => {
                bus.mmio_read(addr, size);
            }
            1 => bus.mmio_write(addr & !3, 4, (r >> 32) as u32),
            2 => bus.set_irq((r >> 20) as usize % 30, r & (1 << 40) != 0),
            _ => {
                now += (r >> 24) & 0xFFFF;
                bus.advance(now);
                if bus.interrupt_requested(Some(&pic)) {
                    bus.acknowledge(Some(&mut pic));
                }
                bus.take_nmi();
                let _ = bus.next_deadline_ns();
            }
        }
    }
}
