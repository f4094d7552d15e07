use super::*;
use crate::cmos_rtc::{REG_B_PIE, RTC_REG_B, RTC_REG_C};
use crate::testutil::{self, init_pics};

/// The PC bus, its RTC at 2024-01-01 00:00:00 UTC, 32 MiB in CMOS.
fn pc_bus() -> IoBus {
    testutil::pc_bus(1_704_067_200, 32 << 20)
}

#[test]
fn unclaimed_ports_read_all_ones() {
    let mut bus = IoBus::default();
    assert_eq!(bus.read(0x1234, IoSize::Byte), 0xFF);
    assert_eq!(bus.read(0x1234, IoSize::Word), 0xFFFF);
    assert_eq!(bus.read(0x1234, IoSize::Dword), 0xFFFF_FFFF);
    assert_eq!(bus.accesses, 3);
    // The full platform leaves the rest of the space open too, and a
    // sweep of every port and width never panics.
    let mut bus = pc_bus();
    for port in [0x1234, 0x3F7, 0x400, 0x62, 0x72, 0xCF8] {
        assert_eq!(bus.read(port, IoSize::Byte), 0xFF, "{port:#x}");
    }
    for port in 0..=0xFFFFu16 {
        for size in [IoSize::Byte, IoSize::Word, IoSize::Dword] {
            let _ = bus.read_at(port, size, u64::from(port));
        }
    }
}

#[test]
fn pic_ports_reach_the_pic_when_present() {
    let mut bus = IoBus::default();
    assert_eq!(bus.read(0x21, IoSize::Byte), 0xFF, "no PIC: open bus");
    let mut bus = IoBus::default().with_pic();
    for (port, v) in [
        (0x20, 0x11),
        (0x21, 0x08),
        (0x21, 0x04),
        (0x21, 0x01),
        (0x21, 0xFE),
    ] {
        bus.write(port, IoSize::Byte, v);
    }
    assert_eq!(bus.read(0x21, IoSize::Byte), 0xFE);
    let pic = bus.pic.as_mut().unwrap();
    pic.service_irq(0, true);
    assert!(pic.interrupt_requested());
    assert_eq!(pic.acknowledge(), Some(0x08));
}

#[test]
fn bare_bus_has_no_debug_console() {
    let mut bus = IoBus::bare();
    assert_eq!(bus.read(0xE9, IoSize::Byte), 0xFF);
    assert_eq!(IoBus::default().read(0xE9, IoSize::Byte), 0xE9);
}

#[test]
fn debugcon_byte_writes_reach_the_console() {
    let mut bus = IoBus::default();
    bus.write(0xE9, IoSize::Byte, u32::from(b'h'));
    bus.write(0xE9, IoSize::Byte, u32::from(b'i'));
    assert_eq!(bus.debug.take_console(), b"hi");
}

#[test]
fn com1_answers_at_0x3f8_only_when_present() {
    let mut bus = IoBus::default();
    assert_eq!(bus.read(0x3FD, IoSize::Byte), 0xFF, "no UART: open bus");
    let mut bus = IoBus::default().with_com1();
    // LSR: THR empty and transmitter empty.
    assert_eq!(bus.read(0x3FD, IoSize::Byte), 0x60);
    bus.write(0x3FF, IoSize::Byte, 0xA5);
    assert_eq!(bus.read(0x3FF, IoSize::Byte), 0xA5, "scratch register");
    for c in b"ok" {
        bus.write(0x3F8, IoSize::Byte, u32::from(*c));
    }
    assert_eq!(bus.take_serial_output(), b"ok");
    assert!(bus.take_serial_output().is_empty());
    // Neighbours stay unclaimed.
    assert_eq!(bus.read(0x3F7, IoSize::Byte), 0xFF);
    assert_eq!(bus.read(0x400, IoSize::Byte), 0xFF);
    // A word read of LCR/MCR is split into byte reads.
    bus.write(0x3FB, IoSize::Word, 0x0B03);
    assert_eq!(bus.read(0x3FB, IoSize::Word), 0x0B03);
}

#[test]
fn four_serial_ports_at_their_bases_with_separate_outputs() {
    let mut bus = pc_bus();
    for (n, base) in COM_BASES.iter().enumerate() {
        bus.write(base + 7, IoSize::Byte, 0x10 + n as u32);
        bus.write(*base, IoSize::Byte, u32::from(b'a' + n as u8));
    }
    for (n, base) in COM_BASES.iter().enumerate() {
        assert_eq!(bus.read(base + 7, IoSize::Byte), 0x10 + n as u32);
        assert_eq!(bus.take_com_output(n), [b'a' + n as u8]);
    }
    assert!(bus.take_com_output(4).is_empty());
}

#[test]
fn serial_interrupts_reach_irq4_and_irq3_when_out2_is_set() {
    let mut bus = pc_bus();
    init_pics(&mut bus);
    // COM2: IER = received data, MCR = OUT2; a host byte raises IRQ3.
    bus.write(0x2F9, IoSize::Byte, 0x01);
    bus.write(0x2FC, IoSize::Byte, 0x08);
    bus.update(0);
    assert!(!bus.pic.as_ref().unwrap().interrupt_requested());
    assert!(bus.com_receive(1, b'x'));
    assert!(bus.needs_update(0));
    bus.update(0);
    assert_eq!(bus.pic.as_mut().unwrap().acknowledge(), Some(0x08 + 3));
    assert_eq!(bus.read(0x2F8, IoSize::Byte), u32::from(b'x'));
    // COM1: THR-empty interrupt as soon as it is enabled → IRQ4.
    bus.write(0x20, IoSize::Byte, 0x20); // EOI
    bus.write(0x3FC, IoSize::Byte, 0x08);
    bus.write(0x3F9, IoSize::Byte, 0x02);
    bus.update(0);
    assert_eq!(bus.pic.as_mut().unwrap().acknowledge(), Some(0x08 + 4));
}

#[test]
fn pit_counter0_drives_irq0_edges_at_the_programmed_rate() {
    let mut bus = pc_bus();
    init_pics(&mut bus);
    // Counter 0, LSB/MSB, mode 2, count 1193 (≈1 ms).
    bus.write_at(0x43, IoSize::Byte, 0x34, 0);
    bus.write_at(0x40, IoSize::Byte, 1193 & 0xFF, 0);
    bus.write_at(0x40, IoSize::Byte, 1193 >> 8, 0);
    bus.update(0);
    let first = bus.next_event_ns().expect("a periodic timer has an event");
    // The count is loaded on the first clock, then 1193 clocks pass.
    let expected = crate::pit8254::ns_of_clock(1194);
    assert_eq!(first, expected);
    assert!(!bus.needs_update(first - 1));
    assert!(bus.needs_update(first));
    bus.update(first);
    let pic = bus.pic.as_mut().unwrap();
    assert_eq!(pic.acknowledge(), Some(0x08));
    pic.write(0x20, 0x20);
    let second = bus.next_event_ns().unwrap();
    assert_eq!(second, crate::pit8254::ns_of_clock(1194 + 1193));
    // Ten periods at once give one request (the IRR holds one).
    bus.update(second + 10 * 1_000_000);
    let pic = bus.pic.as_mut().unwrap();
    assert_eq!(pic.acknowledge(), Some(0x08));
    pic.write(0x20, 0x20);
    assert!(!pic.interrupt_requested());
}

#[test]
fn pit_reads_see_time_from_the_instruction_count() {
    let mut bus = pc_bus();
    bus.write_at(0x43, IoSize::Byte, 0x30, 0); // counter 0, LSB/MSB, mode 0
    bus.write_at(0x40, IoSize::Byte, 0xFF, 0);
    bus.write_at(0x40, IoSize::Byte, 0xFF, 0);
    let read = |bus: &mut IoBus, icount| {
        bus.write_at(0x43, IoSize::Byte, 0x00, icount); // latch
        let lo = bus.read_at(0x40, IoSize::Byte, icount);
        let hi = bus.read_at(0x40, IoSize::Byte, icount);
        (hi << 8) | lo
    };
    let a = read(&mut bus, 10_000);
    let b = read(&mut bus, 1_010_000); // 1 ms later at 1 ns per instruction
    let clocks = crate::pit8254::clocks_at(1_010_000) - crate::pit8254::clocks_at(10_000);
    assert_eq!(u64::from(a - b), clocks);
}

#[test]
fn port61_refresh_bit_toggles_with_time() {
    let mut bus = pc_bus();
    let ns_per_toggle = crate::pit8254::ns_of_clock(crate::pit8254::REFRESH_PERIOD_CLOCKS);
    let a = bus.read_at(0x61, IoSize::Byte, 0) & 0x10;
    let b = bus.read_at(0x61, IoSize::Byte, ns_per_toggle + 1) & 0x10;
    assert_ne!(a, b);
}

#[test]
fn rtc_periodic_interrupt_reaches_irq8_through_the_cascade() {
    let mut bus = pc_bus();
    init_pics(&mut bus);
    bus.write(0x70, IoSize::Byte, RTC_REG_B as u32);
    let b = bus.read(0x71, IoSize::Byte);
    bus.write(0x71, IoSize::Byte, b | u32::from(REG_B_PIE));
    bus.update(0);
    let t = bus.next_event_ns().expect("1024 Hz periodic interrupt");
    assert!(t <= 976_563, "{t}");
    bus.update(t);
    assert_eq!(bus.pic.as_mut().unwrap().acknowledge(), Some(0x70));
    // Reading register C lowers the line.
    bus.write(0x70, IoSize::Byte, RTC_REG_C as u32);
    assert_ne!(bus.read(0x71, IoSize::Byte) & 0x80, 0, "IRQF");
    bus.update(t);
    assert_eq!(bus.irq_levels & (1 << RTC_IRQ), 0);
}

#[test]
fn rtc_reads_the_configured_time_and_cmos_memory_fields() {
    let mut bus = pc_bus();
    let cmos = |bus: &mut IoBus, i: u32| {
        bus.write(0x70, IoSize::Byte, i);
        bus.read(0x71, IoSize::Byte)
    };
    // 2024-01-01 00:00:00, BCD.
    assert_eq!(cmos(&mut bus, 0x09), 0x24);
    assert_eq!(cmos(&mut bus, 0x08), 0x01);
    assert_eq!(cmos(&mut bus, 0x32), 0x20);
    // 640 KiB base, 31 MiB extended memory.
    assert_eq!(cmos(&mut bus, 0x15) | cmos(&mut bus, 0x16) << 8, 640);
    assert_eq!(cmos(&mut bus, 0x17) | cmos(&mut bus, 0x18) << 8, 31 * 1024);
    assert_eq!(cmos(&mut bus, 0x30) | cmos(&mut bus, 0x31) << 8, 31 * 1024);
    // Port 0x70 bit 7 is the NMI mask, not part of the index.
    bus.write(0x70, IoSize::Byte, 0x80 | 0x09);
    assert!(bus.nmi_masked());
    assert_eq!(bus.read(0x71, IoSize::Byte), 0x24);
    // One second later the seconds register has ticked.
    bus.write_at(0x70, IoSize::Byte, 0x00, 1_000_000_001);
    assert_eq!(bus.read_at(0x71, IoSize::Byte, 1_000_000_001), 0x01);
}

#[test]
fn a20_is_the_or_of_the_8042_and_port_92() {
    let mut bus = pc_bus();
    assert!(bus.a20(), "8042 output port powers on with A20 set");
    // 8042: write output port with A20 clear (and reset inactive).
    bus.write(0x64, IoSize::Byte, 0xD1);
    bus.write(0x60, IoSize::Byte, 0xDD);
    assert!(!bus.a20());
    bus.write(0x92, IoSize::Byte, 0x02);
    assert!(bus.a20());
    assert_eq!(bus.read(0x92, IoSize::Byte), 0x02);
    bus.write(0x92, IoSize::Byte, 0x00);
    assert!(!bus.a20());
    bus.write(0x64, IoSize::Byte, 0xDF); // A20 on
    assert!(bus.a20());
    assert!(IoBus::default().a20(), "no gate device: A20 open");
}

#[test]
fn reset_requests_from_the_8042_and_port_92() {
    let mut bus = pc_bus();
    assert!(!bus.take_reset_request());
    bus.write(0x64, IoSize::Byte, 0xFE);
    assert!(bus.take_reset_request());
    assert!(!bus.take_reset_request(), "taken once");
    bus.write(0x92, IoSize::Byte, 0x01);
    assert!(bus.take_reset_request());
}

#[test]
fn keyboard_output_raises_irq1() {
    let mut bus = pc_bus();
    init_pics(&mut bus);
    // Self-test answer 0x55 in the output buffer; command byte has KBD INT.
    bus.write(0x64, IoSize::Byte, 0xAA);
    bus.update(0);
    assert_eq!(bus.pic.as_mut().unwrap().acknowledge(), Some(0x09));
    assert_eq!(bus.read(0x60, IoSize::Byte), 0x55);
}

#[test]
fn masked_sources_cannot_wake_a_halted_cpu() {
    let mut bus = pc_bus();
    init_pics(&mut bus);
    bus.write(0x43, IoSize::Byte, 0x34);
    bus.write(0x40, IoSize::Byte, 0x00);
    bus.write(0x40, IoSize::Byte, 0x10);
    bus.update(0);
    assert!(bus.next_wake_event_ns().is_some());
    bus.write(0x21, IoSize::Byte, 0x01);
    assert!(bus.next_event_ns().is_some());
    assert_eq!(bus.next_wake_event_ns(), None);
}

#[test]
fn the_8042_loads_the_next_byte_after_a_data_read_with_a_new_irq1_edge() {
    let mut bus = pc_bus();
    init_pics(&mut bus);
    // Command byte: translation, system flag, keyboard interrupt.
    bus.write(0x64, IoSize::Byte, 0x60);
    bus.write(0x60, IoSize::Byte, 0x45);
    // Drain what the keyboard sent at power-on (its self-test result).
    for t in 0..4 {
        if bus.read_at(0x64, IoSize::Byte, t) & 1 != 0 {
            bus.read_at(0x60, IoSize::Byte, t);
        }
        bus.update(t);
        while bus.interrupt_requested() {
            bus.acknowledge_interrupt();
            bus.write_at(0x20, IoSize::Byte, 0x20, t);
        }
    }
    assert_eq!(
        bus.read_at(0x64, IoSize::Byte, 5) & 1,
        0,
        "output buffer empty"
    );
    bus.update(5);
    bus.take_risen_lines();
    // Cursor Up: set 2 E0 75, translated to set 1 E0 48.
    bus.kbc.as_mut().unwrap().key_event(&[0xE0, 0x75]);
    bus.update(10);
    assert_ne!(bus.take_risen_lines() & 0b10, 0, "IRQ1 for the first byte");
    assert_eq!(bus.acknowledge_interrupt(), Some(0x09));
    bus.write_at(0x20, IoSize::Byte, 0x20, 15);
    assert_eq!(bus.read_at(0x60, IoSize::Byte, 20), 0xE0);
    // An interrupt handler that reads only port 60h (a BIOS INT 9, DOS)
    // gets the second byte with its own edge once the bus updates.
    bus.update(30);
    assert_ne!(
        bus.take_risen_lines() & 0b10,
        0,
        "IRQ1 again for E0's successor"
    );
    assert_eq!(bus.read_at(0x60, IoSize::Byte, 40), 0x48);
    bus.update(50);
    assert_eq!(bus.take_risen_lines() & 0b10, 0, "nothing more");
}
