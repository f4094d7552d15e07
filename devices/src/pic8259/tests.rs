//! Tests named after 8259A datasheet features, driven through the ports as
//! firmware and kernels drive the chips.

use super::chip::*;
use super::*;

const MASTER_BASE: u8 = 0x08;
const SLAVE_BASE: u8 = 0x70;

/// Program both chips as a PC BIOS does: cascade, 8086 mode, master
/// vectors 0x08–0x0F, slave 0x70–0x77, slave ID 2, nothing masked.
fn init_pair(master_icw4: u8, slave_icw4: u8) -> Pic {
    let mut pic = Pic::new();
    for (command, data, base, icw3, icw4) in [
        (
            PIC_MASTER_COMMAND,
            PIC_MASTER_DATA,
            MASTER_BASE,
            1 << CASCADE_IR,
            master_icw4,
        ),
        (
            PIC_SLAVE_COMMAND,
            PIC_SLAVE_DATA,
            SLAVE_BASE,
            CASCADE_IR,
            slave_icw4,
        ),
    ] {
        pic.write(command, ICW1_INIT | ICW1_IC4);
        pic.write(data, base);
        pic.write(data, icw3);
        pic.write(data, icw4);
    }
    pic
}

fn pc_pic() -> Pic {
    init_pair(ICW4_UPM, ICW4_UPM)
}

/// Non-specific EOI to the chip(s) that serviced `vector`.
fn eoi(pic: &mut Pic, vector: u8) {
    if vector >= SLAVE_BASE {
        pic.write(PIC_SLAVE_COMMAND, OCW2_NON_SPECIFIC_EOI);
    }
    pic.write(PIC_MASTER_COMMAND, OCW2_NON_SPECIFIC_EOI);
}

fn read_isr(pic: &mut Pic, command_port: u16) -> u8 {
    pic.write(command_port, OCW3_SELECT | OCW3_RR | OCW3_RIS);
    pic.read(command_port)
}

fn read_irr(pic: &mut Pic, command_port: u16) -> u8 {
    pic.write(command_port, OCW3_SELECT | OCW3_RR);
    pic.read(command_port)
}

#[test]
fn icw_sequence() {
    // (ICW1, the bytes that follow at A0 = 1, vector base, ICW3, ICW4)
    let cases: [(u8, &[u8], u8, u8, u8); 4] = [
        (ICW1_INIT | ICW1_IC4, &[0x20, 0x04, 0x01], 0x20, 0x04, 0x01),
        (
            ICW1_INIT | ICW1_SNGL | ICW1_IC4,
            &[0x28, 0x03],
            0x28,
            0x00,
            0x03,
        ),
        (ICW1_INIT, &[0x30, 0x04], 0x30, 0x04, 0x00),
        // T2–T0 of ICW2 are ignored in 8086 mode.
        (ICW1_INIT | ICW1_SNGL, &[0x0F], 0x08, 0x00, 0x00),
    ];
    for (icw1, bytes, base, icw3, icw4) in cases {
        let mut pic = Pic::new();
        pic.write(PIC_MASTER_DATA, 0xFF);
        pic.write(PIC_MASTER_COMMAND, icw1);
        assert_eq!(pic.state().master.init, InitStep::Icw2, "ICW1 {icw1:#04x}");
        for &byte in bytes {
            pic.write(PIC_MASTER_DATA, byte);
        }
        let master = pic.state().master;
        assert_eq!(master.init, InitStep::Ready, "ICW1 {icw1:#04x}");
        assert_eq!(master.vector_base, base, "ICW1 {icw1:#04x}");
        assert_eq!(master.icw3, icw3, "ICW1 {icw1:#04x}");
        assert_eq!(master.icw4, icw4, "ICW1 {icw1:#04x}");
        // ICW1 cleared the IMR; the next A0 = 1 write is OCW1.
        assert_eq!(pic.read(PIC_MASTER_DATA), 0x00, "ICW1 {icw1:#04x}");
        pic.write(PIC_MASTER_DATA, 0x5A);
        assert_eq!(pic.read(PIC_MASTER_DATA), 0x5A, "ICW1 {icw1:#04x}");
    }
}

#[test]
fn icw1_resets_mask_priority_and_modes() {
    let mut pic = pc_pic();
    pic.write(PIC_MASTER_DATA, 0xF0);
    pic.write(PIC_MASTER_COMMAND, OCW2_SET_PRIORITY | 3);
    pic.write(
        PIC_MASTER_COMMAND,
        OCW3_SELECT | OCW3_ESMM | OCW3_SMM | OCW3_RR | OCW3_RIS,
    );
    pic.service_irq(1, true); // edge, latched now ...
    pic.write(PIC_MASTER_COMMAND, ICW1_INIT | ICW1_IC4);
    let master = pic.state().master;
    assert_eq!(master.imr, 0);
    assert_eq!(master.highest_priority, 0, "IR7 is lowest again");
    assert!(!master.special_mask);
    assert!(!master.read_isr, "status read is set to the IRR");
    // ... and dropped by the edge sense reset: the line must go low and
    // high again.
    assert_eq!(master.irr, 0);
    for byte in [MASTER_BASE, 0x04, ICW4_UPM] {
        pic.write(PIC_MASTER_DATA, byte);
    }
    pic.service_irq(1, true);
    assert!(!pic.interrupt_requested());
    pic.service_irq(1, false);
    pic.service_irq(1, true);
    assert_eq!(pic.acknowledge(), Some(MASTER_BASE + 1));
}

#[test]
fn irr_isr_imr_readback() {
    let mut pic = pc_pic();
    pic.write(PIC_MASTER_DATA, 0x20);
    pic.service_irq(3, true);
    pic.service_irq(5, true);
    assert_eq!(pic.read(PIC_MASTER_COMMAND), 0x28, "IRR is read after init");
    assert_eq!(read_isr(&mut pic, PIC_MASTER_COMMAND), 0x00);
    assert_eq!(pic.acknowledge(), Some(MASTER_BASE + 3));
    // OCW3 RR/RIS selection is sticky.
    assert_eq!(pic.read(PIC_MASTER_COMMAND), 0x08);
    assert_eq!(
        read_irr(&mut pic, PIC_MASTER_COMMAND),
        0x20,
        "masked IR5 still requests"
    );
    assert_eq!(pic.read(PIC_MASTER_DATA), 0x20);
    // OCW3 without RR leaves the selection alone.
    pic.write(PIC_MASTER_COMMAND, OCW3_SELECT | OCW3_RIS);
    assert_eq!(pic.read(PIC_MASTER_COMMAND), 0x20);
}

#[test]
fn fully_nested_priority_order() {
    // (IRQs raised together, vectors in the order they are delivered)
    let cases: [(&[u8], &[u8]); 4] = [
        (&[4, 1, 3], &[0x09, 0x0B, 0x0C]),
        (&[7, 0], &[0x08, 0x0F]),
        // The slave's levels sit at master IR2, between IRQ1 and IRQ3.
        (&[3, 12, 1, 8, 4], &[0x09, 0x70, 0x74, 0x0B, 0x0C]),
        (&[15, 14, 9], &[0x71, 0x76, 0x77]),
    ];
    for (irqs, vectors) in cases {
        let mut pic = pc_pic();
        for &irq in irqs {
            pic.service_irq(irq, true);
        }
        for &want in vectors {
            assert!(pic.interrupt_requested(), "IRQs {irqs:?}");
            let vector = pic.acknowledge();
            assert_eq!(vector, Some(want), "IRQs {irqs:?}");
            eoi(&mut pic, want);
        }
        assert!(!pic.interrupt_requested(), "IRQs {irqs:?}");
    }
}

#[test]
fn ocw1_mask() {
    let mut pic = pc_pic();
    pic.write(PIC_MASTER_DATA, 0x10);
    pic.service_irq(4, true);
    assert!(!pic.interrupt_requested());
    pic.write(PIC_MASTER_DATA, 0x00);
    assert!(pic.interrupt_requested(), "the request waited in the IRR");
    assert_eq!(pic.acknowledge(), Some(MASTER_BASE + 4));
    // Masking the slave's line masks through the cascade.
    pic.write(PIC_SLAVE_DATA, 0x02);
    pic.service_irq(9, true);
    assert!(!pic.interrupt_requested());
    pic.write(PIC_SLAVE_DATA, 0x00);
    assert_eq!(
        pic.acknowledge(),
        Some(SLAVE_BASE + 1),
        "IR2 nests above IR4"
    );
}

#[test]
fn nested_interrupts_and_eoi() {
    let mut pic = pc_pic();
    pic.service_irq(4, true);
    assert_eq!(pic.acknowledge(), Some(MASTER_BASE + 4));
    pic.service_irq(6, true);
    assert!(!pic.interrupt_requested(), "lower priority waits");
    pic.service_irq(1, true);
    assert_eq!(
        pic.acknowledge(),
        Some(MASTER_BASE + 1),
        "higher priority nests"
    );
    assert_eq!(read_isr(&mut pic, PIC_MASTER_COMMAND), 0x12);
    // Non-specific EOI clears the highest-priority level in service.
    pic.write(PIC_MASTER_COMMAND, OCW2_NON_SPECIFIC_EOI);
    assert_eq!(pic.read(PIC_MASTER_COMMAND), 0x10);
    assert!(!pic.interrupt_requested());
    // Specific EOI clears the named level.
    pic.write(PIC_MASTER_COMMAND, OCW2_SPECIFIC_EOI | 4);
    assert_eq!(pic.read(PIC_MASTER_COMMAND), 0x00);
    assert_eq!(pic.acknowledge(), Some(MASTER_BASE + 6));
    // A no-operation OCW2 changes nothing.
    pic.write(PIC_MASTER_COMMAND, OCW2_NOP | 6);
    assert_eq!(pic.read(PIC_MASTER_COMMAND), 0x40);
}

#[test]
fn auto_eoi() {
    let mut pic = init_pair(ICW4_UPM | ICW4_AEOI, ICW4_UPM);
    pic.service_irq(3, true);
    assert_eq!(pic.acknowledge(), Some(MASTER_BASE + 3));
    assert_eq!(read_isr(&mut pic, PIC_MASTER_COMMAND), 0x00);
    pic.service_irq(5, true);
    assert_eq!(pic.acknowledge(), Some(MASTER_BASE + 5), "no EOI needed");
    assert_eq!(
        pic.state().master.highest_priority,
        0,
        "no rotation by default"
    );
}

#[test]
fn auto_eoi_slave_delivers_back_to_back() {
    let mut pic = init_pair(ICW4_UPM | ICW4_AEOI, ICW4_UPM | ICW4_AEOI);
    pic.service_irq(9, true);
    pic.service_irq(10, true);
    assert_eq!(pic.acknowledge(), Some(SLAVE_BASE + 1));
    // The slave's INT dropped during the INTA and rose again for IRQ10,
    // giving the edge-triggered IR2 a new edge.
    assert!(pic.interrupt_requested());
    assert_eq!(pic.acknowledge(), Some(SLAVE_BASE + 2));
    assert!(!pic.interrupt_requested());
}

#[test]
fn rotate_on_eoi() {
    // (OCW2 after the first delivery, IRQs raised, delivery order); IRQ3 is
    // raised and delivered first, IR3 in service when the OCW2 is written.
    let cases: [(u8, &[u8], &[u8]); 5] = [
        (OCW2_NON_SPECIFIC_EOI, &[1, 3, 5], &[1, 3, 5]),
        // IR3 becomes lowest: 4 5 6 7 0 1 2 3.
        (OCW2_ROTATE_NON_SPECIFIC_EOI, &[1, 3, 5], &[5, 1, 3]),
        (OCW2_ROTATE_SPECIFIC_EOI | 3, &[1, 3, 5], &[5, 1, 3]),
        // Rotating on a specific EOI of IR6 makes 7 highest.
        (OCW2_ROTATE_SPECIFIC_EOI | 6, &[0, 7, 5], &[7, 0, 5]),
        // IR1 lowest: 2 (the slave) 3 ... 0 1.
        (OCW2_ROTATE_SPECIFIC_EOI | 1, &[1, 0, 12], &[12, 0, 1]),
    ];
    for (ocw2, irqs, order) in cases {
        let mut pic = pc_pic();
        pic.service_irq(3, true);
        assert_eq!(pic.acknowledge(), Some(MASTER_BASE + 3));
        pic.write(PIC_MASTER_COMMAND, ocw2);
        if ocw2 & OCW2_COMMAND_MASK == OCW2_ROTATE_SPECIFIC_EOI {
            pic.write(PIC_MASTER_COMMAND, OCW2_SPECIFIC_EOI | 3);
        }
        assert_eq!(
            read_isr(&mut pic, PIC_MASTER_COMMAND),
            0,
            "OCW2 {ocw2:#04x}"
        );
        for &irq in irqs {
            pic.service_irq(irq, false);
            pic.service_irq(irq, true);
        }
        for &irq in order {
            let want = if irq >= 8 {
                SLAVE_BASE + irq - 8
            } else {
                MASTER_BASE + irq
            };
            assert_eq!(pic.acknowledge(), Some(want), "OCW2 {ocw2:#04x}");
            if irq >= 8 {
                pic.write(PIC_SLAVE_COMMAND, OCW2_NON_SPECIFIC_EOI);
                pic.write(PIC_MASTER_COMMAND, OCW2_SPECIFIC_EOI | CASCADE_IR);
            } else {
                pic.write(PIC_MASTER_COMMAND, OCW2_SPECIFIC_EOI | irq);
            }
        }
    }
}

#[test]
fn set_priority() {
    let mut pic = pc_pic();
    // IR4 lowest, so IR5 highest: 5 6 7 0 1 2 3 4.
    pic.write(PIC_MASTER_COMMAND, OCW2_SET_PRIORITY | 4);
    assert_eq!(pic.state().master.highest_priority, 5);
    for irq in [4, 1, 6] {
        pic.service_irq(irq, true);
    }
    for irq in [6, 1, 4] {
        assert_eq!(pic.acknowledge(), Some(MASTER_BASE + irq));
        pic.write(PIC_MASTER_COMMAND, OCW2_NON_SPECIFIC_EOI);
    }
    // Nesting follows the new order too: 4, then 1, then 6 interrupt each
    // other, and a non-specific EOI clears IR6, the highest in service.
    for irq in [4, 1, 6] {
        pic.service_irq(irq, false);
        pic.service_irq(irq, true);
        assert_eq!(pic.acknowledge(), Some(MASTER_BASE + irq));
    }
    assert_eq!(read_isr(&mut pic, PIC_MASTER_COMMAND), 0x52);
    pic.write(PIC_MASTER_COMMAND, OCW2_NON_SPECIFIC_EOI);
    assert_eq!(pic.read(PIC_MASTER_COMMAND), 0x12);
}

#[test]
fn rotate_in_auto_eoi_mode() {
    let mut pic = init_pair(ICW4_UPM | ICW4_AEOI, ICW4_UPM);
    pic.write(PIC_MASTER_COMMAND, OCW2_SET_ROTATE_AEOI);
    pic.service_irq(1, true);
    assert_eq!(pic.acknowledge(), Some(MASTER_BASE + 1));
    assert_eq!(pic.state().master.highest_priority, 2);
    pic.service_irq(1, false);
    pic.service_irq(1, true);
    pic.service_irq(3, true);
    assert_eq!(
        pic.acknowledge(),
        Some(MASTER_BASE + 3),
        "IR1 is lowest now"
    );
    // Cleared: acknowledges no longer rotate.
    pic.write(PIC_MASTER_COMMAND, OCW2_CLEAR_ROTATE_AEOI);
    assert_eq!(pic.acknowledge(), Some(MASTER_BASE + 1));
    assert_eq!(pic.state().master.highest_priority, 4);
}

#[test]
fn cascade_irq() {
    let mut pic = pc_pic();
    pic.service_irq(12, true);
    assert!(pic.interrupt_requested());
    assert_eq!(read_irr(&mut pic, PIC_MASTER_COMMAND), 1 << CASCADE_IR);
    assert_eq!(read_irr(&mut pic, PIC_SLAVE_COMMAND), 0x10);
    assert_eq!(pic.acknowledge(), Some(SLAVE_BASE + 4));
    assert_eq!(read_isr(&mut pic, PIC_MASTER_COMMAND), 1 << CASCADE_IR);
    assert_eq!(read_isr(&mut pic, PIC_SLAVE_COMMAND), 0x10);
    assert!(!pic.interrupt_requested());
    eoi(&mut pic, SLAVE_BASE + 4);
    assert_eq!(pic.read(PIC_MASTER_COMMAND), 0);
    assert_eq!(pic.read(PIC_SLAVE_COMMAND), 0);
}

#[test]
fn slave_identification() {
    // (master ICW3, slave ICW3, vector for IRQ9)
    let cases = [
        (0x04, 0x02, SLAVE_BASE + 1),
        // The slave's ID does not match the cascade address: nobody drives
        // the bus.
        (0x04, 0x03, 0xFF),
        // The master does not know IR2 has a slave: it answers itself.
        (0x00, 0x02, MASTER_BASE + 2),
    ];
    for (master_icw3, slave_icw3, want) in cases {
        let mut pic = Pic::new();
        for (command, data, base, icw3) in [
            (
                PIC_MASTER_COMMAND,
                PIC_MASTER_DATA,
                MASTER_BASE,
                master_icw3,
            ),
            (PIC_SLAVE_COMMAND, PIC_SLAVE_DATA, SLAVE_BASE, slave_icw3),
        ] {
            pic.write(command, ICW1_INIT | ICW1_IC4);
            pic.write(data, base);
            pic.write(data, icw3);
            pic.write(data, ICW4_UPM);
        }
        pic.service_irq(9, true);
        assert_eq!(
            pic.acknowledge(),
            Some(want),
            "ICW3 {master_icw3:#x}/{slave_icw3:#x}"
        );
    }
}

#[test]
fn special_fully_nested_mode() {
    // (master ICW4, is IRQ9 delivered while IRQ12 is in service)
    for (icw4, nests) in [(ICW4_UPM, false), (ICW4_UPM | ICW4_SFNM, true)] {
        let mut pic = init_pair(icw4, ICW4_UPM);
        pic.service_irq(12, true);
        assert_eq!(pic.acknowledge(), Some(SLAVE_BASE + 4));
        pic.service_irq(9, true);
        assert_eq!(pic.interrupt_requested(), nests, "ICW4 {icw4:#04x}");
        if nests {
            assert_eq!(pic.acknowledge(), Some(SLAVE_BASE + 1));
            assert_eq!(read_isr(&mut pic, PIC_SLAVE_COMMAND), 0x12);
        }
        if !nests {
            // The slave forwards IRQ9; it is the master that holds it back.
            assert_eq!(pic.state().slave.pending(), Some(1));
        }
    }
}

#[test]
fn special_mask_mode() {
    let mut pic = pc_pic();
    pic.service_irq(3, true);
    assert_eq!(pic.acknowledge(), Some(MASTER_BASE + 3));
    pic.service_irq(5, true);
    assert!(!pic.interrupt_requested());
    // The handler masks its own level and enables special mask mode:
    // lower levels get through.
    pic.write(PIC_MASTER_DATA, 0x08);
    assert!(!pic.interrupt_requested(), "masking alone does not help");
    pic.write(PIC_MASTER_COMMAND, OCW3_SELECT | OCW3_ESMM | OCW3_SMM);
    assert!(pic.state().master.special_mask);
    assert!(pic.interrupt_requested());
    assert_eq!(pic.acknowledge(), Some(MASTER_BASE + 5));
    // A non-specific EOI skips the masked in-service IR3.
    pic.write(PIC_MASTER_COMMAND, OCW2_NON_SPECIFIC_EOI);
    assert_eq!(read_isr(&mut pic, PIC_MASTER_COMMAND), 0x08);
    // OCW3 with SMM but without ESMM changes nothing; ESMM alone resets.
    pic.write(PIC_MASTER_COMMAND, OCW3_SELECT | OCW3_SMM);
    assert!(pic.state().master.special_mask);
    pic.write(PIC_MASTER_COMMAND, OCW3_SELECT | OCW3_ESMM);
    assert!(!pic.state().master.special_mask);
    pic.service_irq(6, true);
    assert!(!pic.interrupt_requested(), "IR3 in service blocks again");
}

#[test]
fn poll_mode() {
    let mut pic = pc_pic();
    pic.write(PIC_MASTER_COMMAND, OCW3_SELECT | OCW3_P);
    assert_eq!(pic.read(PIC_MASTER_COMMAND), 0x00, "nothing pending");
    pic.service_irq(6, true);
    pic.service_irq(4, true);
    // (port read for the poll, poll word, ISR afterwards)
    let cases = [
        (PIC_MASTER_COMMAND, POLL_INTERRUPT | 4, 0x10),
        (PIC_MASTER_DATA, 0x00, 0x10), // IR6 is below IR4 in service
    ];
    for (port, word, isr) in cases {
        pic.write(PIC_MASTER_COMMAND, OCW3_SELECT | OCW3_P);
        assert_eq!(pic.read(port), word, "port {port:#x}");
        assert_eq!(read_isr(&mut pic, PIC_MASTER_COMMAND), isr);
    }
    pic.write(PIC_MASTER_COMMAND, OCW2_NON_SPECIFIC_EOI);
    pic.write(PIC_MASTER_COMMAND, OCW3_SELECT | OCW3_P);
    assert_eq!(pic.read(PIC_MASTER_DATA), POLL_INTERRUPT | 6);
    // The poll is one-shot: the next read is the IMR again.
    assert_eq!(pic.read(PIC_MASTER_DATA), 0x00);
    // Polling the slave acknowledges on the slave only.
    pic.service_irq(13, true);
    pic.write(PIC_SLAVE_COMMAND, OCW3_SELECT | OCW3_P);
    assert_eq!(pic.read(PIC_SLAVE_COMMAND), POLL_INTERRUPT | 5);
    assert_eq!(read_isr(&mut pic, PIC_SLAVE_COMMAND), 0x20);
}

#[test]
fn spurious_irq7() {
    let mut pic = pc_pic();
    // A level-triggered request that goes away before the INTA.
    pic.write(PIIX_ELCR1, 0x20);
    pic.service_irq(5, true);
    assert!(pic.interrupt_requested());
    pic.service_irq(5, false);
    assert!(!pic.interrupt_requested());
    assert_eq!(pic.acknowledge(), Some(MASTER_BASE + 7));
    assert_eq!(
        read_isr(&mut pic, PIC_MASTER_COMMAND),
        0,
        "no ISR bit for IR7"
    );
    // A request masked between INTR and INTA.
    pic.service_irq(4, true);
    pic.write(PIC_MASTER_DATA, 0x10);
    assert_eq!(pic.acknowledge(), Some(MASTER_BASE + 7));
    assert_eq!(pic.read(PIC_MASTER_COMMAND), 0);
}

#[test]
fn spurious_irq15() {
    let mut pic = pc_pic();
    pic.write(PIIX_ELCR2, 0x08);
    pic.service_irq(11, true);
    assert!(pic.interrupt_requested());
    pic.service_irq(11, false);
    // The master's edge latch on IR2 still holds the slave's request.
    assert_eq!(pic.acknowledge(), Some(SLAVE_BASE + 7));
    assert_eq!(read_isr(&mut pic, PIC_MASTER_COMMAND), 1 << CASCADE_IR);
    assert_eq!(read_isr(&mut pic, PIC_SLAVE_COMMAND), 0);
}

#[test]
fn level_triggered_stays_pending() {
    // Level triggering selected by ICW1 LTIM or by the ELCR.
    for (icw1, elcr1) in [
        (ICW1_INIT | ICW1_IC4 | ICW1_LTIM, 0x00),
        (ICW1_INIT | ICW1_IC4, 0x08),
    ] {
        let mut pic = Pic::new();
        pic.write(PIIX_ELCR1, elcr1);
        pic.write(PIC_MASTER_COMMAND, icw1);
        for byte in [MASTER_BASE, 0x04, ICW4_UPM] {
            pic.write(PIC_MASTER_DATA, byte);
        }
        pic.service_irq(3, true);
        assert_eq!(pic.acknowledge(), Some(MASTER_BASE + 3));
        assert_eq!(pic.read(PIC_MASTER_COMMAND), 0x08, "IRR follows the line");
        assert!(!pic.interrupt_requested(), "in service");
        pic.write(PIC_MASTER_COMMAND, OCW2_NON_SPECIFIC_EOI);
        assert!(
            pic.interrupt_requested(),
            "ICW1 {icw1:#04x} ELCR {elcr1:#04x}"
        );
        assert_eq!(pic.acknowledge(), Some(MASTER_BASE + 3));
        pic.service_irq(3, false);
        pic.write(PIC_MASTER_COMMAND, OCW2_NON_SPECIFIC_EOI);
        assert!(!pic.interrupt_requested());
    }
}

#[test]
fn elcr() {
    // (port, value written, value read back): IRQ0–2, 8 and 13 are reserved.
    let cases = [
        (PIIX_ELCR1, 0xFF, 0xF8),
        (PIIX_ELCR1, 0x28, 0x28),
        (PIIX_ELCR1, 0x07, 0x00),
        (PIIX_ELCR2, 0xFF, 0xDE),
        (PIIX_ELCR2, 0x21, 0x00),
        (PIIX_ELCR2, 0x9E, 0x9E),
    ];
    for (port, value, want) in cases {
        let mut pic = pc_pic();
        pic.write(port, value);
        assert_eq!(pic.read(port), want, "port {port:#x} value {value:#04x}");
    }
    // Switching a line that is held high to level triggering requests again.
    let mut pic = pc_pic();
    pic.service_irq(10, true);
    assert_eq!(pic.acknowledge(), Some(SLAVE_BASE + 2));
    eoi(&mut pic, SLAVE_BASE + 2);
    assert!(!pic.interrupt_requested(), "edge: no new edge");
    pic.write(PIIX_ELCR2, 0x04);
    assert!(pic.interrupt_requested());
    assert_eq!(pic.acknowledge(), Some(SLAVE_BASE + 2));
}

#[test]
fn irq2_is_routed_to_irq9() {
    let mut pic = pc_pic();
    pic.service_irq(2, true);
    assert_eq!(pic.acknowledge(), Some(SLAVE_BASE + 1));
}

#[test]
fn uninitialized_and_invalid_inputs() {
    let mut pic = Pic::new();
    pic.service_irq(0, true);
    assert!(!pic.interrupt_requested());
    assert_eq!(pic.acknowledge(), None);
    pic.service_irq(16, true);
    pic.service_irq(255, false);
    let before = pic.state();
    for port in [0x22, 0x4D2, 0xA2, 0x1F] {
        assert_eq!(pic.read(port), 0xFF, "port {port:#x}");
        pic.write(port, 0x11);
    }
    assert_eq!(pic.state(), before);
}

#[test]
fn state_snapshot_roundtrip() {
    let mut pic = pc_pic();
    pic.write(PIIX_ELCR2, 0x80);
    pic.service_irq(15, true);
    pic.service_irq(5, true);
    pic.write(PIC_MASTER_COMMAND, OCW2_SET_PRIORITY | 3);
    let state = pic.state();
    let mut copy = Pic::new();
    copy.restore(&state);
    assert_eq!(copy.state(), state);
    for _ in 0..2 {
        let vector = pic.acknowledge();
        assert_eq!(copy.acknowledge(), vector);
    }
}

#[test]
fn poll_mode_through_the_cascade() {
    let mut pic = pc_pic();
    pic.service_irq(11, true);
    // The master's poll word names the cascade level; software then polls
    // the slave for the real one.
    pic.write(PIC_MASTER_COMMAND, OCW3_SELECT | OCW3_P);
    assert_eq!(pic.read(PIC_MASTER_COMMAND), POLL_INTERRUPT | CASCADE_IR);
    pic.write(PIC_SLAVE_COMMAND, OCW3_SELECT | OCW3_P);
    assert_eq!(pic.read(PIC_SLAVE_COMMAND), POLL_INTERRUPT | 3);
    assert_eq!(read_isr(&mut pic, PIC_MASTER_COMMAND), 1 << CASCADE_IR);
    assert_eq!(read_isr(&mut pic, PIC_SLAVE_COMMAND), 0x08);
    assert!(!pic.interrupt_requested());
}

#[test]
fn random_guest_io_never_panics() {
    // Deterministic xorshift; guest port writes, line changes and INTA
    // cycles in any order. Whatever the guest programmed, an INTA returns
    // a vector from one of the programmed bases or the floating bus.
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut pic = pc_pic();
    for _ in 0..200_000 {
        let r = next();
        let value = (r >> 8) as u8;
        match r % 8 {
            0 | 1 => pic.service_irq(value % 18, r & 0x10000 != 0),
            2 => {
                let port = PIC_PORTS[(value % 6) as usize];
                // Keep ICW1 rare so the chips spend time initialised.
                if value & 0x10 == 0 || r & 0x3F_0000 == 0 {
                    pic.write(port, value);
                }
            }
            3 => {
                let port = PIC_PORTS[(value % 6) as usize];
                pic.read(port);
            }
            _ => {
                if pic.interrupt_requested() {
                    let state = pic.state();
                    let vector = pic.acknowledge().expect("initialised master");
                    let base = vector & ICW2_VECTOR_MASK;
                    assert!(
                        base == state.master.vector_base
                            || base == state.slave.vector_base
                            || vector == 0xFF,
                        "vector {vector:#04x} from {state:?}"
                    );
                }
            }
        }
    }
}

/// A request latched while masked is delivered once the mask is lifted,
/// also through the cascade (slave IRQ13 → master IR2).
#[test]
fn request_latched_while_masked_is_delivered_on_unmask_through_cascade() {
    let mut pic = Pic::new();
    for (port, v) in [
        (0x20, 0x11),
        (0xA0, 0x11),
        (0x21, 0x08),
        (0xA1, 0x70),
        (0x21, 0x04),
        (0xA1, 0x02),
        (0x21, 0x01),
        (0xA1, 0x01),
        (0x21, 0xFB),
        (0xA1, 0xFF),
    ] {
        pic.write(port, v);
    }
    pic.service_irq(13, true);
    assert!(!pic.interrupt_requested(), "masked on the slave");
    pic.write(0xA1, 0xDF);
    assert!(pic.interrupt_requested(), "unmasked: INTR");
    assert_eq!(pic.acknowledge(), Some(0x75));
}
