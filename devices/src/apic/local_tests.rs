//! Local APIC tests named after the SDM Vol. 3A ch. 10 behaviour they check,
//! driven through the APIC page as an operating system drives it.

use super::*;

const ENABLED: u32 = SVR_APIC_ENABLED | 0xFF;

/// A software-enabled APIC (spurious vector FFh), everything else at reset.
fn enabled() -> LocalApic {
    let mut a = LocalApic::new(0);
    a.mmio_write(reg::SVR, 4, ENABLED);
    a
}

fn read(a: &mut LocalApic, offset: u32) -> u32 {
    a.mmio_read(offset, 4)
}

/// Self-IPI (fixed, "self" shorthand) of `vector`.
fn self_ipi(a: &mut LocalApic, vector: u8) {
    a.mmio_write(
        reg::ICR_LOW,
        4,
        (SHORTHAND_SELF << ICR_SHORTHAND_SHIFT) | u32::from(vector),
    );
}

fn eoi(a: &mut LocalApic) {
    a.mmio_write(reg::EOI, 4, 0);
}

#[test]
fn power_up_state_10_4_7_1() {
    let mut a = LocalApic::new(3);
    for (offset, value) in [
        (reg::ID, 3 << 24),
        (reg::VERSION, 0x0005_0014),
        (reg::TPR, 0),
        (reg::PPR, 0),
        (reg::LDR, 0),
        (reg::DFR, 0xFFFF_FFFF),
        (reg::SVR, 0xFF),
        (reg::ESR, 0),
        (reg::ICR_LOW, 0),
        (reg::LVT_TIMER, LVT_MASKED),
        (reg::LVT_THERMAL, LVT_MASKED),
        (reg::LVT_PERF, LVT_MASKED),
        (reg::LVT_LINT0, LVT_MASKED),
        (reg::LVT_LINT1, LVT_MASKED),
        (reg::LVT_ERROR, LVT_MASKED),
        (reg::TIMER_INITIAL, 0),
        (reg::TIMER_CURRENT, 0),
        (reg::TIMER_DCR, 0),
    ] {
        assert_eq!(read(&mut a, offset), value, "register {offset:#05x}");
    }
    assert_eq!(a.base_msr(), 0xFEE0_0900, "default base, BSP, enabled");
    assert!(!a.sw_enabled());
    assert_eq!(a.pending(), None);
}

#[test]
fn register_writable_bits() {
    // (register, value written, value read back) on a software-enabled APIC.
    let cases = [
        (reg::ID, 0xFFFF_FFFF, 0xFF00_0000),
        (reg::TPR, 0xFFFF_FFFF, 0xFF),
        (reg::LDR, 0xFFFF_FFFF, 0xFF00_0000),
        (reg::DFR, 0x0000_0000, 0x0FFF_FFFF),
        (reg::SVR, 0xFFFF_FFFF, 0x3FF),
        (reg::ICR_HIGH, 0xFFFF_FFFF, 0xFF00_0000),
        (reg::LVT_TIMER, 0xFFFF_FFFF, 0x0003_00FF),
        (reg::LVT_THERMAL, 0xFFFF_FFFF, 0x0001_07FF),
        (reg::LVT_PERF, 0xFFFF_FFFF, 0x0001_07FF),
        (reg::LVT_LINT0, 0xFFFF_FFFF, 0x0001_A7FF),
        (reg::LVT_LINT1, 0xFFFF_FFFF, 0x0001_A7FF),
        (reg::LVT_ERROR, 0xFFFF_FFFF, 0x0001_00FF),
        (reg::TIMER_DCR, 0xFFFF_FFFF, 0b1011),
        // Read-only registers ignore writes.
        (reg::VERSION, 0, APIC_VERSION),
        (reg::PPR, 0xFF, 0),
        (reg::IRR0 + 0x10, 0xFFFF_FFFF, 0),
        (reg::ISR0 + 0x70, 0xFFFF_FFFF, 0),
        (reg::TIMER_CURRENT, 5, 0),
    ];
    for (offset, written, expect) in cases {
        let mut a = enabled();
        a.mmio_write(offset, 4, written);
        assert_eq!(read(&mut a, offset), expect, "register {offset:#05x}");
    }
}

#[test]
fn software_disabled_apic_keeps_every_lvt_masked_10_4_7_2() {
    let mut a = LocalApic::new(0);
    a.mmio_write(reg::LVT_LINT0, 4, 0x700);
    assert_eq!(
        read(&mut a, reg::LVT_LINT0),
        0x700 | LVT_MASKED,
        "unmask ignored"
    );
    a.mmio_write(reg::SVR, 4, ENABLED);
    a.mmio_write(reg::LVT_LINT0, 4, 0x700);
    assert_eq!(read(&mut a, reg::LVT_LINT0), 0x700);
    // Clearing the software enable masks every entry again.
    a.mmio_write(reg::SVR, 4, 0xFF);
    for offset in (reg::LVT_TIMER..=reg::LVT_ERROR).step_by(16) {
        assert_ne!(read(&mut a, offset) & LVT_MASKED, 0, "{offset:#x}");
    }
}

#[test]
fn software_disabled_apic_accepts_no_fixed_interrupts() {
    let mut a = LocalApic::new(0);
    a.deliver(&Message {
        vector: 0x40,
        mode: DeliveryMode::Fixed,
        logical: false,
        dest: 0,
        level: false,
    });
    assert_eq!(a.irr.highest(), None);
}

#[test]
fn processor_priority_is_the_higher_of_tpr_and_isr_class_10_8_3_1() {
    // (TPR, vector in service, PPR)
    for (tpr, isr, ppr) in [
        (0x00, None, 0x00),
        (0x35, None, 0x35),
        (0x35, Some(0x41), 0x40),
        (0x45, Some(0x41), 0x45),
        (0x40, Some(0x4F), 0x40),
        (0x3F, Some(0x4F), 0x40),
    ] {
        let mut a = enabled();
        a.mmio_write(reg::TPR, 4, tpr);
        if let Some(v) = isr {
            a.isr.set(v);
        }
        assert_eq!(read(&mut a, reg::PPR), ppr, "TPR {tpr:#x} ISR {isr:?}");
    }
}

#[test]
fn fixed_interrupt_is_dispensed_only_above_the_processor_priority_class() {
    // (TPR, requested vector, dispensed?)
    for (tpr, vector, dispensed) in [
        (0x00, 0x20, true),
        (0x20, 0x2F, false),
        (0x2F, 0x30, true),
        (0x30, 0x3F, false),
        (0xF0, 0xFF, false),
    ] {
        let mut a = enabled();
        a.mmio_write(reg::TPR, 4, tpr);
        self_ipi(&mut a, vector);
        assert_eq!(
            a.pending_vector(),
            dispensed.then_some(vector),
            "TPR {tpr:#x} vector {vector:#x}"
        );
    }
}

#[test]
fn acknowledge_moves_irr_to_isr_and_eoi_clears_the_highest_isr_bit() {
    let mut a = enabled();
    self_ipi(&mut a, 0x31);
    self_ipi(&mut a, 0x52);
    assert_eq!(read(&mut a, reg::IRR0 + 0x10), 1 << 0x11);
    assert_eq!(a.acknowledge(), Some(0x52));
    assert_eq!(read(&mut a, reg::ISR0 + 0x20), 1 << 0x12);
    // 0x31 is in a lower class than the one in service: it waits.
    assert_eq!(a.pending_vector(), None);
    assert_eq!(read(&mut a, reg::PPR), 0x50);
    // A higher class nests.
    self_ipi(&mut a, 0x60);
    assert_eq!(a.acknowledge(), Some(0x60));
    eoi(&mut a);
    assert!(!a.isr.get(0x60) && a.isr.get(0x52));
    eoi(&mut a);
    assert_eq!(a.isr.highest(), None);
    assert_eq!(a.acknowledge(), Some(0x31));
    eoi(&mut a);
    // EOI with nothing in service is harmless.
    eoi(&mut a);
    assert_eq!(a.pending(), None);
}

#[test]
fn masked_before_inta_gives_the_spurious_vector_10_9() {
    let mut a = enabled();
    a.mmio_write(reg::SVR, 4, SVR_APIC_ENABLED | 0xEF);
    self_ipi(&mut a, 0x40);
    assert_eq!(a.pending(), Some(ApicInterrupt::Fixed(0x40)));
    a.mmio_write(reg::TPR, 4, 0x40);
    assert_eq!(a.acknowledge(), Some(0xEF));
    assert_eq!(a.isr.highest(), None, "no ISR bit for the spurious vector");
    assert!(a.irr.get(0x40), "the request stays pending");
}

#[test]
fn repeated_requests_merge_in_the_irr() {
    let mut a = enabled();
    self_ipi(&mut a, 0x40);
    self_ipi(&mut a, 0x40);
    assert_eq!(a.acknowledge(), Some(0x40));
    assert_eq!(a.pending_vector(), None);
}

#[test]
fn icr_destinations_on_one_processor_10_6_1() {
    // (ICR high, ICR low without vector, reaches this APIC (ID 2, LDR 04h flat))
    let fixed = 0;
    let logical = ICR_DEST_LOGICAL;
    for (high, low, reaches) in [
        (0, SHORTHAND_SELF << ICR_SHORTHAND_SHIFT, true),
        (0, SHORTHAND_ALL_INCLUDING_SELF << ICR_SHORTHAND_SHIFT, true),
        (
            0,
            SHORTHAND_ALL_EXCLUDING_SELF << ICR_SHORTHAND_SHIFT,
            false,
        ),
        (2 << 24, fixed, true),
        (3 << 24, fixed, false),
        (0xFF << 24, fixed, true),
        (0x04 << 24, logical, true),
        (0x0C << 24, logical, true),
        (0x08 << 24, logical, false),
        (2 << 24, 1 << 8, true), // lowest priority
    ] {
        let mut a = LocalApic::new(2);
        a.mmio_write(reg::SVR, 4, ENABLED);
        a.mmio_write(reg::LDR, 4, 0x04 << 24);
        a.mmio_write(reg::ICR_HIGH, 4, high);
        a.mmio_write(reg::ICR_LOW, 4, low | 0x44);
        assert_eq!(a.irr.get(0x44), reaches, "ICR {high:08x}:{low:08x}");
        assert_eq!(read(&mut a, reg::ICR_LOW) & LVT_DELIVERY_STATUS, 0, "idle");
    }
}

#[test]
fn logical_destination_flat_and_cluster_models_10_6_2_2() {
    // (DFR, LDR, destination, matches)
    for (dfr, ldr, dest, matches) in [
        (0xFFFF_FFFF, 0x01, 0x01, true),
        (0xFFFF_FFFF, 0x01, 0xFE, false),
        (0xFFFF_FFFF, 0x80, 0xFF, true),
        (0x0FFF_FFFF, 0x21, 0x21, true),
        (0x0FFF_FFFF, 0x21, 0x31, false),
        (0x0FFF_FFFF, 0x21, 0xF1, true),
        (0x0FFF_FFFF, 0x21, 0x22, false),
    ] {
        let mut a = enabled();
        a.mmio_write(reg::DFR, 4, dfr);
        a.mmio_write(reg::LDR, 4, ldr << 24);
        assert_eq!(
            a.matches_destination(dest, true),
            matches,
            "DFR {dfr:#x} LDR {ldr:#x} dest {dest:#x}"
        );
    }
}

#[test]
fn init_and_startup_ipis_to_self_are_ignored_and_nmi_is_taken() {
    let mut a = enabled();
    for mode in [5u32, 6] {
        a.mmio_write(
            reg::ICR_LOW,
            4,
            (SHORTHAND_SELF << 18) | ICR_LEVEL_ASSERT | (mode << 8),
        );
    }
    assert_eq!(a.pending(), None);
    a.mmio_write(reg::ICR_LOW, 4, (SHORTHAND_SELF << 18) | (4 << 8));
    assert_eq!(a.pending(), Some(ApicInterrupt::Nmi));
    assert!(a.take_nmi());
    assert!(!a.take_nmi());
}

#[test]
fn illegal_vectors_set_the_esr_and_raise_the_error_lvt_10_5_3() {
    let mut a = enabled();
    a.mmio_write(reg::LVT_ERROR, 4, 0xFE);
    self_ipi(&mut a, 0x05);
    assert_eq!(
        read(&mut a, reg::ESR),
        0,
        "ESR reads the value latched by the last write"
    );
    a.mmio_write(reg::ESR, 4, 0);
    assert_eq!(read(&mut a, reg::ESR), ESR_SEND_ILLEGAL_VECTOR);
    assert_eq!(a.acknowledge(), Some(0xFE), "error interrupt");
    eoi(&mut a);
    // A received message with an illegal vector.
    a.deliver(&Message {
        vector: 0x0F,
        mode: DeliveryMode::Fixed,
        logical: false,
        dest: 0,
        level: false,
    });
    // An access to an unimplemented register.
    a.mmio_read(0x3F0, 4);
    a.mmio_write(reg::ESR, 4, 0);
    assert_eq!(
        read(&mut a, reg::ESR),
        ESR_RECEIVE_ILLEGAL_VECTOR | ESR_ILLEGAL_REGISTER
    );
    a.mmio_write(reg::ESR, 4, 0);
    assert_eq!(read(&mut a, reg::ESR), 0, "a write clears what was latched");
    assert!(a.irr.get(0xFE));
}

#[test]
fn lint0_in_extint_mode_is_virtual_wire() {
    let mut a = enabled();
    a.set_lint(0, true);
    assert_eq!(a.pending(), None, "LINT0 masked at reset");
    a.mmio_write(reg::LVT_LINT0, 4, 0x700);
    assert_eq!(a.pending(), Some(ApicInterrupt::ExtInt));
    // Not subject to the TPR.
    a.mmio_write(reg::TPR, 4, 0xFF);
    assert!(a.extint_requested());
    a.set_lint(0, false);
    assert_eq!(a.pending(), None);
}

#[test]
fn lint1_in_nmi_mode_takes_the_rising_edge() {
    let mut a = enabled();
    a.mmio_write(reg::LVT_LINT1, 4, 0x400);
    a.set_lint(1, true);
    assert!(a.take_nmi());
    a.set_lint(1, true);
    assert!(!a.take_nmi(), "still high: no new edge");
    a.set_lint(1, false);
    a.set_lint(1, true);
    assert!(a.take_nmi());
}

#[test]
fn level_triggered_lint_uses_remote_irr_until_eoi() {
    let mut a = enabled();
    a.mmio_write(reg::LVT_LINT0, 4, LVT_LEVEL | 0x61);
    a.set_lint(0, true);
    assert_ne!(read(&mut a, reg::LVT_LINT0) & LVT_REMOTE_IRR, 0);
    assert!(a.tmr.get(0x61), "level: TMR set");
    assert_eq!(a.acknowledge(), Some(0x61));
    a.set_lint(0, true);
    assert_eq!(a.pending_vector(), None, "remote IRR blocks a new request");
    eoi(&mut a);
    assert_eq!(a.take_eoi_broadcast(), Some(0x61));
    assert_eq!(a.pending_vector(), Some(0x61), "still asserted: again");
    assert_eq!(a.acknowledge(), Some(0x61));
    a.set_lint(0, false);
    eoi(&mut a);
    assert_eq!(read(&mut a, reg::LVT_LINT0) & LVT_REMOTE_IRR, 0);
    assert_eq!(a.pending_vector(), None);
}

#[test]
fn lint_polarity_active_low() {
    let mut a = enabled();
    a.mmio_write(reg::LVT_LINT1, 4, LVT_POLARITY_LOW | 0x62);
    a.set_lint(1, true);
    assert_eq!(a.pending_vector(), None);
    a.set_lint(1, false);
    assert_eq!(a.pending_vector(), Some(0x62));
}

#[test]
fn eoi_of_an_edge_triggered_vector_is_not_broadcast() {
    let mut a = enabled();
    self_ipi(&mut a, 0x40);
    a.acknowledge();
    eoi(&mut a);
    assert_eq!(a.take_eoi_broadcast(), None);
}

#[test]
fn one_shot_timer_interrupts_once_10_5_4() {
    let mut a = enabled();
    a.advance(1_000);
    a.mmio_write(reg::TIMER_DCR, 4, 0b0001); // divide by 4
    a.mmio_write(reg::LVT_TIMER, 4, 0x30);
    a.mmio_write(reg::TIMER_INITIAL, 4, 250);
    assert_eq!(a.next_deadline_ns(), Some(2_000));
    a.advance(1_400);
    assert_eq!(read(&mut a, reg::TIMER_CURRENT), 150);
    assert_eq!(a.pending_vector(), None);
    a.advance(2_000);
    assert_eq!(a.pending_vector(), Some(0x30));
    assert_eq!(read(&mut a, reg::TIMER_CURRENT), 0);
    assert_eq!(a.next_deadline_ns(), None);
}

#[test]
fn periodic_timer_reloads_and_masked_timer_counts_silently() {
    let mut a = enabled();
    a.mmio_write(reg::TIMER_DCR, 4, 0b1011); // divide by 1
    a.mmio_write(reg::LVT_TIMER, 4, LVT_MASKED | (1 << 17) | 0x31);
    a.mmio_write(reg::TIMER_INITIAL, 4, 100);
    a.advance(100);
    assert_eq!(a.irr.highest(), None, "masked: no interrupt");
    assert_eq!(a.next_deadline_ns(), Some(200), "but it reloads");
    a.mmio_write(reg::LVT_TIMER, 4, (1 << 17) | 0x31);
    a.advance(250);
    assert_eq!(a.acknowledge(), Some(0x31));
    assert_eq!(read(&mut a, reg::TIMER_CURRENT), 50);
    a.mmio_write(reg::TIMER_INITIAL, 4, 0);
    assert_eq!(a.next_deadline_ns(), None, "writing 0 stops the timer");
}

#[test]
fn apic_base_msr_global_disable_10_4_3() {
    let mut a = enabled();
    self_ipi(&mut a, 0x40);
    assert!(!a.write_base_msr(1 << 32), "reserved bit: #GP");
    assert!(!a.write_base_msr(0xFEE0_0801), "reserved bit: #GP");
    assert!(a.write_base_msr(0xFEE0_0000));
    assert!(!a.hw_enabled());
    assert_eq!(a.base_msr(), 0xFEE0_0100, "BSP flag is read-only");
    assert_eq!(a.pending(), None);
    assert_eq!(a.acknowledge(), None);
    // Enabled again: power-up register state, at a new base.
    assert!(a.write_base_msr(0xFED0_0800));
    assert_eq!(a.base(), 0xFED0_0000);
    assert!(!a.sw_enabled());
    assert_eq!(a.irr.highest(), None);
    assert_eq!(read(&mut a, reg::LVT_LINT0), LVT_MASKED);
}

#[test]
fn narrow_register_reads_return_the_addressed_bytes() {
    let mut a = LocalApic::new(0);
    assert_eq!(a.mmio_read(reg::VERSION, 1), 0x14);
    assert_eq!(a.mmio_read(reg::VERSION + 2, 1), 0x05);
    assert_eq!(a.mmio_read(reg::VERSION + 2, 2), 0x0005);
    assert_eq!(a.mmio_read(reg::VERSION + 4, 4), 0, "bytes 4-15 of a slot");
}

#[test]
fn arbitration_priority_10_8_3_1() {
    // (TPR, ISR vector, IRR vector, APR)
    for (tpr, isr, irr, apr) in [
        (0x25, None, None, 0x25),
        (0x25, None, Some(0x41), 0x40),
        (0x25, Some(0x31), None, 0x30),
        (0x45, Some(0x31), Some(0x41), 0x45),
    ] {
        let mut a = enabled();
        a.mmio_write(reg::TPR, 4, tpr);
        if let Some(v) = isr {
            a.isr.set(v);
        }
        if let Some(v) = irr {
            a.irr.set(v);
        }
        assert_eq!(read(&mut a, reg::APR), apr, "TPR {tpr:#x}");
    }
}
