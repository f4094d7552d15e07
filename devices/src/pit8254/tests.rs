//! Tests named after 8254 datasheet behaviour. Time is given in CLK pulses:
//! `at(k)` is the virtual time of pulse k, counts are written at time 0, so
//! the first pulse after a write is pulse 1.

use super::*;

fn at(k: u64) -> u64 {
    ns_of_clock(k)
}

/// Control word for `counter` with LSB-then-MSB access, `mode`, binary.
fn cw(counter: u8, mode: u8) -> u8 {
    counter << 6 | 0x30 | mode << 1
}

fn program(p: &mut Pit8254, counter: u8, mode: u8, count: u16, now: u64) {
    p.write(PORT_CONTROL, cw(counter, mode), now);
    write_count(p, counter, count, now);
}

fn write_count(p: &mut Pit8254, counter: u8, count: u16, now: u64) {
    let port = PORT_COUNTER0 + u16::from(counter);
    p.write(port, count as u8, now);
    p.write(port, (count >> 8) as u8, now);
}

/// Counter latch command, then read LSB and MSB.
fn latched(p: &mut Pit8254, counter: u8, now: u64) -> u16 {
    p.write(PORT_CONTROL, counter << 6, now);
    read_word(p, counter, now)
}

fn read_word(p: &mut Pit8254, counter: u8, now: u64) -> u16 {
    let port = PORT_COUNTER0 + u16::from(counter);
    let lo = p.read(port, now);
    let hi = p.read(port, now);
    u16::from_le_bytes([lo, hi])
}

fn out_at(p: &mut Pit8254, counter: usize, k: u64) -> bool {
    p.advance(at(k));
    p.out(counter)
}

/// Read-back command byte.
fn read_back(count: bool, status: bool, counters: &[u8]) -> u8 {
    let mut v = CW_SELECT_READ_BACK;
    if !count {
        v |= RB_NOT_COUNT;
    }
    if !status {
        v |= RB_NOT_STATUS;
    }
    for &c in counters {
        v |= 2 << c;
    }
    v
}

#[test]
fn clock_conversion_is_exact_at_pulse_boundaries() {
    for k in [1, 2, 3, 1000, PIT_CLOCK_HZ, 123_456_789] {
        assert_eq!(clocks_at(at(k)), k);
        assert_eq!(clocks_at(at(k) - 1), k - 1);
    }
    assert_eq!(clocks_at(1_000_000_000), PIT_CLOCK_HZ);
    assert_eq!(
        clocks_at(u64::MAX),
        (u128::from(u64::MAX) * 1_193_182 / 1_000_000_000) as u64
    );
}

#[test]
fn mode0_out_goes_high_n_plus_one_clocks_after_the_count_is_written() {
    let mut p = Pit8254::new();
    program(&mut p, 0, 0, 5, 0);
    assert!(!p.out(0), "mode 0: OUT low after the control word");
    let mut counts = Vec::new();
    for k in 1..=7 {
        counts.push(latched(&mut p, 0, at(k)));
        assert_eq!(p.out(0), k >= 6, "clock {k}");
    }
    // Pulse 1 loads CR into CE without decrementing; CE wraps after 0.
    assert_eq!(counts, [5, 4, 3, 2, 1, 0, 0xFFFF]);
    assert_eq!(p.take_irq0_edges(), 1);
    assert!(
        out_at(&mut p, 0, 70_000),
        "OUT stays high after terminal count"
    );
    assert_eq!(p.take_irq0_edges(), 0);
}

#[test]
fn mode0_gate_low_suspends_counting() {
    let mut p = Pit8254::new();
    // Counter 2's gate (port 0x61 bit 0) is low.
    program(&mut p, 2, 0, 3, 0);
    assert_eq!(
        latched(&mut p, 2, at(1)),
        3,
        "CR is loaded even with GATE low"
    );
    assert_eq!(latched(&mut p, 2, at(50)), 3);
    assert!(!p.out(2));
    p.write(PORT_SYSTEM_CONTROL_B, P61_TIMER2_GATE, at(50));
    assert!(!out_at(&mut p, 2, 52));
    assert!(out_at(&mut p, 2, 53));
}

#[test]
fn mode0_writing_first_byte_disables_counting_and_sets_out_low() {
    let mut p = Pit8254::new();
    program(&mut p, 0, 0, 4, 0);
    assert!(out_at(&mut p, 0, 5));
    p.write(PORT_COUNTER0, 10, at(7));
    assert!(!p.out(0), "OUT low immediately");
    // CE: 0 at pulse 5, 0xFFFF at 6, 0xFFFE at 7, then frozen.
    assert_eq!(latched(&mut p, 0, at(20)), 0xFFFE);
    p.write(PORT_COUNTER0, 0, at(20));
    assert_eq!(latched(&mut p, 0, at(21)), 10);
    assert!(!out_at(&mut p, 0, 30));
    assert!(out_at(&mut p, 0, 31));
}

#[test]
fn mode1_gate_rising_edge_triggers_retriggerable_one_shot() {
    let mut p = Pit8254::new();
    program(&mut p, 2, 1, 5, 0);
    assert!(p.out(2), "mode 1: OUT high after the control word");
    assert!(out_at(&mut p, 2, 10), "no trigger, no pulse");
    p.write(PORT_SYSTEM_CONTROL_B, P61_TIMER2_GATE, at(10));
    assert!(
        !out_at(&mut p, 2, 11),
        "OUT low on the pulse after the trigger"
    );
    assert_eq!(latched(&mut p, 2, at(11)), 5);
    // Retrigger at pulse 14: CE reloads on pulse 15, OUT high at pulse 20
    // instead of 16.
    p.write(PORT_SYSTEM_CONTROL_B, 0, at(13));
    p.write(PORT_SYSTEM_CONTROL_B, P61_TIMER2_GATE, at(14));
    for k in 15..=19 {
        assert!(!out_at(&mut p, 2, k), "clock {k}");
    }
    assert!(out_at(&mut p, 2, 20));
    assert!(
        out_at(&mut p, 2, 100),
        "GATE level does not matter in mode 1"
    );
}

#[test]
fn mode1_null_count_stays_set_until_the_trigger_loads_ce() {
    let mut p = Pit8254::new();
    program(&mut p, 2, 1, 5, 0);
    p.advance(at(10));
    assert_ne!(p.state().counters[2].status() & STATUS_NULL_COUNT, 0);
    p.write(PORT_SYSTEM_CONTROL_B, P61_TIMER2_GATE, at(10));
    p.advance(at(11));
    assert_eq!(p.state().counters[2].status() & STATUS_NULL_COUNT, 0);
}

#[test]
fn mode2_rate_generator_period_n_with_one_clock_low_pulse() {
    let mut p = Pit8254::new();
    program(&mut p, 0, 2, 4, 0);
    p.take_irq0_edges();
    for k in 1..=40 {
        assert_eq!(out_at(&mut p, 0, k), k % 4 != 0, "clock {k}");
    }
    // Rising edges at pulses 5, 9, ..., 37.
    assert_eq!(p.take_irq0_edges(), 9);
}

#[test]
fn mode2_new_count_takes_effect_at_end_of_current_period() {
    let mut p = Pit8254::new();
    program(&mut p, 0, 2, 4, 0);
    write_count(&mut p, 0, 6, at(6));
    assert!(!out_at(&mut p, 0, 8), "old period still ends at pulse 8");
    for k in 9..=13 {
        assert!(out_at(&mut p, 0, k), "clock {k}");
    }
    assert!(!out_at(&mut p, 0, 14));
    assert!(out_at(&mut p, 0, 15));
    assert!(!out_at(&mut p, 0, 20));
}

#[test]
fn mode2_gate_low_forces_out_high_and_rising_gate_reloads() {
    let mut p = Pit8254::new();
    p.write(PORT_SYSTEM_CONTROL_B, P61_TIMER2_GATE, 0);
    program(&mut p, 2, 2, 5, 0);
    assert!(!out_at(&mut p, 2, 5));
    p.write(PORT_SYSTEM_CONTROL_B, 0, at(5));
    assert!(p.out(2), "GATE low sets OUT high immediately");
    assert_eq!(latched(&mut p, 2, at(30)), 1, "counting stopped");
    p.write(PORT_SYSTEM_CONTROL_B, P61_TIMER2_GATE, at(30));
    assert_eq!(
        latched(&mut p, 2, at(31)),
        5,
        "reloaded on the pulse after the gate rose"
    );
    assert!(out_at(&mut p, 2, 34));
    assert!(!out_at(&mut p, 2, 35));
}

#[test]
fn mode3_square_wave_even_count_has_equal_half_periods() {
    let mut p = Pit8254::new();
    program(&mut p, 0, 3, 6, 0);
    for k in 1..=30 {
        assert_eq!(out_at(&mut p, 0, k), (k - 1) / 3 % 2 == 0, "clock {k}");
    }
    let mut q = Pit8254::new();
    program(&mut q, 0, 3, 6, 0);
    let counts: Vec<u16> = (1..=7).map(|k| latched(&mut q, 0, at(k))).collect();
    assert_eq!(counts, [6, 4, 2, 6, 4, 2, 6], "CE decrements by two");
}

#[test]
fn mode3_square_wave_odd_count_high_n_plus_1_over_2_low_n_minus_1_over_2() {
    let mut p = Pit8254::new();
    program(&mut p, 0, 3, 5, 0);
    p.take_irq0_edges();
    for k in 1..=50 {
        assert_eq!(out_at(&mut p, 0, k), (k - 1) % 5 < 3, "clock {k}");
    }
    assert_eq!(p.take_irq0_edges(), 9, "rising edges at 6, 11, ..., 46");
    let mut q = Pit8254::new();
    program(&mut q, 0, 3, 5, 0);
    let counts: Vec<u16> = (1..=6).map(|k| latched(&mut q, 0, at(k))).collect();
    assert_eq!(counts, [4, 2, 0, 4, 2, 4], "N-1 loaded, decremented by two");
}

#[test]
fn mode3_new_count_takes_effect_at_end_of_half_period() {
    let mut p = Pit8254::new();
    program(&mut p, 0, 3, 6, 0);
    write_count(&mut p, 0, 10, at(2));
    assert!(out_at(&mut p, 0, 3));
    // The low half starting at pulse 4 already uses 10: 5 pulses low.
    for k in 4..=8 {
        assert!(!out_at(&mut p, 0, k), "clock {k}");
    }
    assert!(out_at(&mut p, 0, 9));
    assert!(!out_at(&mut p, 0, 14));
}

#[test]
fn mode3_gate_low_forces_out_high_and_stops_counting() {
    let mut p = Pit8254::new();
    p.write(PORT_SYSTEM_CONTROL_B, P61_TIMER2_GATE, 0);
    program(&mut p, 2, 3, 6, 0);
    assert!(!out_at(&mut p, 2, 5));
    p.write(PORT_SYSTEM_CONTROL_B, 0, at(5));
    assert!(p.out(2));
    assert_eq!(latched(&mut p, 2, at(40)), 4, "CE frozen");
    assert!(p.out(2));
    p.write(PORT_SYSTEM_CONTROL_B, P61_TIMER2_GATE, at(40));
    // Reload on pulse 41: high for 41..=43, low from 44.
    assert!(out_at(&mut p, 2, 43));
    assert!(!out_at(&mut p, 2, 44));
}

#[test]
fn mode4_software_triggered_strobe_is_one_clock_low_after_n_plus_1() {
    let mut p = Pit8254::new();
    program(&mut p, 0, 4, 3, 0);
    p.take_irq0_edges();
    for k in 1..=3 {
        assert!(out_at(&mut p, 0, k), "clock {k}");
    }
    assert!(!out_at(&mut p, 0, 4));
    assert!(out_at(&mut p, 0, 5));
    assert!(
        out_at(&mut p, 0, 200_000),
        "no second strobe without a new count"
    );
    assert_eq!(p.take_irq0_edges(), 1);
    // A new count re-arms the strobe.
    write_count(&mut p, 0, 2, at(200_000));
    assert!(!out_at(&mut p, 0, 200_003));
    assert!(out_at(&mut p, 0, 200_004));
}

#[test]
fn mode5_hardware_triggered_strobe_starts_on_gate_rising_edge() {
    let mut p = Pit8254::new();
    program(&mut p, 2, 5, 3, 0);
    assert!(out_at(&mut p, 2, 100), "no strobe before a trigger");
    p.write(PORT_SYSTEM_CONTROL_B, P61_TIMER2_GATE, at(10_000));
    assert!(out_at(&mut p, 2, 10_003));
    assert!(!out_at(&mut p, 2, 10_004));
    assert!(out_at(&mut p, 2, 10_005));
    // Retrigger.
    p.write(PORT_SYSTEM_CONTROL_B, 0, at(10_010));
    p.write(PORT_SYSTEM_CONTROL_B, P61_TIMER2_GATE, at(10_011));
    assert!(!out_at(&mut p, 2, 10_015));
    assert!(out_at(&mut p, 2, 10_016));
}

#[test]
fn initial_count_zero_is_65536_in_binary_and_10000_in_bcd() {
    let mut p = Pit8254::new();
    program(&mut p, 0, 2, 0, 0);
    assert_eq!(latched(&mut p, 0, at(1)), 0);
    assert_eq!(latched(&mut p, 0, at(2)), 0xFFFF);
    p.take_irq0_edges();
    assert_eq!(p.next_irq0_ns(), Some(at(65_537)));
    assert!(!out_at(&mut p, 0, 65_536));
    assert!(out_at(&mut p, 0, 65_537));

    let mut q = Pit8254::new();
    q.write(PORT_CONTROL, cw(0, 2) | 1, 0);
    write_count(&mut q, 0, 0, 0);
    q.take_irq0_edges();
    assert_eq!(latched(&mut q, 0, at(2)), 0x9999);
    assert_eq!(q.next_irq0_ns(), Some(at(10_001)));
}

#[test]
fn bcd_counting_decrements_decimal_digits_and_wraps_0_to_9999() {
    let mut p = Pit8254::new();
    p.write(PORT_CONTROL, cw(0, 0) | 1, 0);
    write_count(&mut p, 0, 0x1000, 0);
    assert_eq!(latched(&mut p, 0, at(2)), 0x0999);
    assert!(!out_at(&mut p, 0, 1000));
    assert!(out_at(&mut p, 0, 1001));
    assert_eq!(latched(&mut p, 0, at(1001)), 0);
    assert_eq!(latched(&mut p, 0, at(1002)), 0x9999);
    assert_eq!(latched(&mut p, 0, at(1013)), 0x9988);
}

#[test]
fn counter_latch_holds_value_while_counting_and_second_latch_is_ignored() {
    let mut p = Pit8254::new();
    program(&mut p, 0, 2, 1000, 0);
    p.write(PORT_CONTROL, 0x00, at(11));
    p.write(PORT_CONTROL, 0x00, at(20));
    assert_eq!(read_word(&mut p, 0, at(500)), 990);
    assert_eq!(
        latched(&mut p, 0, at(600)),
        401,
        "a new latch after the read"
    );
    // LSB and MSB come from the same latch even when read far apart.
    p.write(PORT_CONTROL, 0x00, at(601));
    let lo = p.read(PORT_COUNTER0, at(601));
    let hi = p.read(PORT_COUNTER0, at(900));
    assert_eq!(u16::from_le_bytes([lo, hi]), 400);
}

#[test]
fn unlatched_reads_follow_ce_and_alternate_lsb_msb() {
    let mut p = Pit8254::new();
    program(&mut p, 0, 2, 0x1234, 0);
    assert_eq!(read_word(&mut p, 0, at(1)), 0x1234);
    assert_eq!(p.read(PORT_COUNTER0, at(3)), 0x32);
    assert_eq!(p.read(PORT_COUNTER0, at(3)), 0x12);
}

#[test]
fn lsb_only_and_msb_only_access_modes() {
    let mut p = Pit8254::new();
    p.write(PORT_CONTROL, 0x10, 0); // counter 0, LSB only, mode 0
    p.write(PORT_COUNTER0, 0x10, 0);
    assert!(!out_at(&mut p, 0, 16));
    assert!(out_at(&mut p, 0, 17));
    assert_eq!(p.read(PORT_COUNTER0, at(17)), 0);
    assert_eq!(p.read(PORT_COUNTER0, at(18)), 0xFF, "LSB of 0xFFFF");

    let mut q = Pit8254::new();
    q.write(PORT_CONTROL, 0x20, 0); // counter 0, MSB only, mode 0
    q.write(PORT_COUNTER0, 0x01, 0);
    assert_eq!(q.read(PORT_COUNTER0, at(1)), 0x01);
    assert!(!out_at(&mut q, 0, 256));
    assert!(out_at(&mut q, 0, 257));
}

#[test]
fn read_back_status_reports_output_null_count_and_programmed_mode() {
    let mut p = Pit8254::new();
    p.write(PORT_CONTROL, 0x34, 0);
    p.write(PORT_CONTROL, read_back(false, true, &[0]), 0);
    assert_eq!(
        p.read(PORT_COUNTER0, 0),
        STATUS_OUTPUT | STATUS_NULL_COUNT | 0x34
    );
    write_count(&mut p, 0, 100, 0);
    p.write(PORT_CONTROL, read_back(false, true, &[0]), 0);
    assert_eq!(
        p.read(PORT_COUNTER0, 0),
        STATUS_OUTPUT | STATUS_NULL_COUNT | 0x34,
        "CR not yet in CE"
    );
    p.write(PORT_CONTROL, read_back(false, true, &[0]), at(1));
    assert_eq!(p.read(PORT_COUNTER0, at(1)), STATUS_OUTPUT | 0x34);
    p.write(PORT_CONTROL, read_back(false, true, &[0]), at(100));
    assert_eq!(p.read(PORT_COUNTER0, at(100)), 0x34, "OUT low when CE is 1");
    // Mode 0, BCD on counter 1.
    p.write(PORT_CONTROL, 0x71, at(100));
    p.write(PORT_CONTROL, read_back(false, true, &[1]), at(100));
    assert_eq!(p.read(PORT_COUNTER1, at(100)), STATUS_NULL_COUNT | 0x31);
}

#[test]
fn read_back_latches_status_then_count_for_several_counters() {
    let mut p = Pit8254::new();
    program(&mut p, 0, 2, 300, 0);
    program(&mut p, 1, 3, 400, 0);
    p.write(PORT_CONTROL, read_back(true, true, &[0, 1]), at(11));
    // Status latched again before being read: ignored.
    p.write(PORT_CONTROL, read_back(false, true, &[0]), at(20));
    assert_eq!(p.read(PORT_COUNTER0, at(50)), STATUS_OUTPUT | 0x34);
    assert_eq!(read_word(&mut p, 0, at(50)), 290);
    assert_eq!(p.read(PORT_COUNTER1, at(60)), STATUS_OUTPUT | 0x36);
    assert_eq!(read_word(&mut p, 1, at(60)), 400 - 20);
    // Counter 2 was not selected: its reads are live.
    assert_eq!(p.read_back_free(2), (None, None));
}

impl Pit8254 {
    fn read_back_free(&self, counter: usize) -> (Option<u16>, Option<u8>) {
        let c = &self.state().counters[counter];
        (c.latched_count, c.latched_status)
    }
}

#[test]
fn irq0_edges_over_one_second_are_exact() {
    let mut p = Pit8254::new();
    program(&mut p, 0, 2, 11_932, 0);
    p.take_irq0_edges();
    p.advance(1_000_000_000);
    // Rising edges at pulses 1 + 11932 j.
    assert_eq!(p.take_irq0_edges(), (clocks_at(1_000_000_000) - 1) / 11_932);
    // A full day of 18.2 Hz ticks in one call.
    let mut q = Pit8254::new();
    program(&mut q, 0, 3, 0, 0);
    q.take_irq0_edges();
    let day = 86_400 * 1_000_000_000;
    q.advance(day);
    // Rising edges at pulses 1 + 65536 j.
    assert_eq!(q.take_irq0_edges(), (clocks_at(day) - 1) / 65_536);
}

#[test]
fn advancing_in_small_steps_matches_one_large_advance_in_every_mode() {
    for mode in 0..=5u8 {
        for count in [2u16, 3, 7, 10, 0] {
            for counter in [0u8, 2] {
                let mut a = Pit8254::new();
                a.write(PORT_SYSTEM_CONTROL_B, P61_TIMER2_GATE, 0);
                program(&mut a, counter, mode, count, 0);
                let mut b = a.clone();
                // Modes 1 and 5 need a trigger.
                a.set_gate(usize::from(counter), false, at(3));
                a.set_gate(usize::from(counter), true, at(4));
                b.set_gate(usize::from(counter), false, at(3));
                b.set_gate(usize::from(counter), true, at(4));
                let end = at(200_000);
                let mut t = at(4);
                while t < end {
                    t = (t + 977).min(end);
                    b.advance(t);
                }
                a.advance(end);
                assert_eq!(
                    a.state(),
                    b.state(),
                    "mode {mode} count {count} counter {counter}"
                );
            }
        }
    }
}

#[test]
fn next_irq0_ns_predicts_the_rising_edge() {
    let mut p = Pit8254::new();
    program(&mut p, 0, 2, 100, 0);
    p.take_irq0_edges();
    assert_eq!(p.next_event_ns(), Some(at(101)));
    p.advance(at(101) - 1);
    assert_eq!(p.take_irq0_edges(), 0);
    p.advance(at(101));
    assert_eq!(p.take_irq0_edges(), 1);
    assert_eq!(p.next_irq0_ns(), Some(at(201)));

    let mut q = Pit8254::new();
    program(&mut q, 0, 0, 50, 0);
    assert_eq!(q.next_irq0_ns(), Some(at(51)));
    q.advance(at(51));
    assert_eq!(q.next_irq0_ns(), None, "mode 0 fires once");

    let mut r = Pit8254::new();
    program(&mut r, 0, 3, 7, 0);
    r.advance(at(1));
    assert_eq!(r.next_irq0_ns(), Some(at(8)));
    assert_eq!(Pit8254::new().next_irq0_ns(), None, "unprogrammed");
}

#[test]
fn port61_gate2_speaker_data_out2_and_refresh_toggle() {
    let mut p = Pit8254::new();
    p.write(PORT_SYSTEM_CONTROL_B, 0xFF, 0);
    assert_eq!(
        p.read(PORT_SYSTEM_CONTROL_B, 0),
        0x0F,
        "bits 0-3 read back, OUT2 low"
    );
    program(&mut p, 2, 3, 4, 0);
    for k in 1..=8 {
        let v = p.read(PORT_SYSTEM_CONTROL_B, at(k));
        assert_eq!(v & P61_TIMER2_OUT != 0, (k - 1) % 4 < 2, "clock {k}");
        assert_eq!(p.speaker(), v & P61_TIMER2_OUT != 0);
    }
    p.write(PORT_SYSTEM_CONTROL_B, P61_TIMER2_GATE, at(8));
    assert!(!p.speaker(), "speaker data bit off");
    let refresh =
        |p: &mut Pit8254, k| p.read(PORT_SYSTEM_CONTROL_B, at(k)) & P61_REFRESH_TOGGLE != 0;
    assert!(!refresh(&mut p, 17));
    assert!(refresh(&mut p, 18));
    assert!(refresh(&mut p, 35));
    assert!(!refresh(&mut p, 36));
}

#[test]
fn control_port_and_foreign_ports_read_all_ones_and_time_never_goes_back() {
    let mut p = Pit8254::new();
    assert_eq!(p.read(PORT_CONTROL, 0), 0xFF);
    assert_eq!(p.read(0x44, 0), 0xFF);
    p.write(0x44, 0x12, 0);
    program(&mut p, 0, 2, 10, at(100));
    assert_eq!(latched(&mut p, 0, at(105)), 6);
    assert_eq!(latched(&mut p, 0, at(50)), 6, "earlier time is ignored");
}

#[test]
fn snapshot_restores_an_identical_device() {
    let mut p = Pit8254::new();
    program(&mut p, 0, 3, 1001, 0);
    p.write(PORT_COUNTER0, 0x55, at(7)); // half of a new count
    p.write(PORT_CONTROL, read_back(true, true, &[0]), at(9));
    let mut q = Pit8254::from_state(&p.state());
    for k in [9, 500, 3000] {
        assert_eq!(p.read(PORT_COUNTER0, at(k)), q.read(PORT_COUNTER0, at(k)));
    }
    assert_eq!(p.state(), q.state());
}

#[test]
fn two_byte_count_reaches_cr_only_with_the_msb() {
    let mut p = Pit8254::new();
    program(&mut p, 0, 2, 4, 0);
    p.write(PORT_COUNTER0, 6, at(2));
    for k in 3..=20 {
        assert_eq!(
            out_at(&mut p, 0, k),
            k % 4 != 0,
            "clock {k}: period still 4"
        );
    }
    p.write(PORT_COUNTER0, 0, at(21));
    assert!(!out_at(&mut p, 0, 24));
    assert!(out_at(&mut p, 0, 29));
    assert!(!out_at(&mut p, 0, 30));
    assert!(out_at(&mut p, 0, 31));
}

/// Small deterministic generator for the randomized tests.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

#[test]
fn random_programming_arithmetic_advance_matches_small_steps_and_next_irq0_ns() {
    let mut rng = Lcg(0x8254);
    let (mut predicted_and_rose, mut predicted_later) = (0, 0);
    for _ in 0..200 {
        let mut big = Pit8254::new();
        let mut small = Pit8254::new();
        let mut t = 0u64;
        for _ in 0..12 {
            let (port, value) = match rng.next() % 6 {
                0 => (
                    PORT_CONTROL,
                    ((rng.next() % 3) as u8 * 0x40) | 0x30 | (rng.next() % 12) as u8,
                ),
                1 => (PORT_COUNTER0, (rng.next() % 40) as u8),
                2 => (PORT_COUNTER0, 0),
                3 => (
                    PORT_COUNTER0 + (rng.next() % 3) as u16,
                    (rng.next() % 8) as u8,
                ),
                4 => (PORT_SYSTEM_CONTROL_B, (rng.next() % 4) as u8),
                _ => (
                    PORT_CONTROL,
                    read_back(
                        rng.next().is_multiple_of(2),
                        rng.next().is_multiple_of(2),
                        &[0, 1, 2],
                    ),
                ),
            };
            big.write(port, value, t);
            small.write(port, value, t);
            if rng.next().is_multiple_of(3) {
                let r = PORT_COUNTER0 + (rng.next() % 3) as u16;
                assert_eq!(big.read(r, t), small.read(r, t));
            }
            // Check the prediction, then move on.
            let predicted = big.next_irq0_ns();
            let step = rng.next() % [200_000, 20_000_000][(rng.next() % 2) as usize];
            let end = t + step;
            let edges_before = big.state().counters[0].rising_edges;
            big.advance(end);
            while t < end {
                t = (t + 1 + rng.next() % (3000 + step / 100)).min(end);
                small.advance(t);
            }
            assert_eq!(big.state(), small.state());
            let rose = big.state().counters[0].rising_edges > edges_before;
            match predicted {
                Some(ns) => {
                    assert_eq!(rose, ns <= end, "predicted {ns}, end {end}");
                    if rose {
                        predicted_and_rose += 1;
                    } else {
                        predicted_later += 1;
                    }
                }
                None => assert!(!rose, "an edge came that was not predicted"),
            }
        }
    }
    // The sequences exercise both outcomes of a prediction.
    assert!(
        predicted_and_rose > 50 && predicted_later > 50,
        "{predicted_and_rose} {predicted_later}"
    );
}

#[test]
fn modes_6_and_7_behave_as_modes_2_and_3_and_read_back_as_written() {
    for (m, base) in [(6u8, 2u8), (7, 3)] {
        let mut a = Pit8254::new();
        let mut b = Pit8254::new();
        program(&mut a, 0, m, 9, 0);
        program(&mut b, 0, base, 9, 0);
        for k in 1..=30 {
            assert_eq!(
                out_at(&mut a, 0, k),
                out_at(&mut b, 0, k),
                "mode {m} clock {k}"
            );
        }
        a.write(PORT_CONTROL, read_back(false, true, &[0]), at(30));
        assert_eq!(a.read(PORT_COUNTER0, at(30)) & 0x0E, m << 1);
    }
}

#[test]
fn null_count_stays_set_until_the_new_count_is_loaded_at_period_end() {
    let mut p = Pit8254::new();
    program(&mut p, 0, 2, 10, 0);
    write_count(&mut p, 0, 20, at(3));
    let status = |p: &mut Pit8254, k| {
        p.write(PORT_CONTROL, read_back(false, true, &[0]), at(k));
        p.read(PORT_COUNTER0, at(k))
    };
    // Period 1..=10 ends with the reload on pulse 11.
    assert_ne!(status(&mut p, 10) & STATUS_NULL_COUNT, 0);
    assert_eq!(status(&mut p, 11) & STATUS_NULL_COUNT, 0);
    assert_eq!(latched(&mut p, 0, at(11)), 20);
}

#[test]
fn mode4_count_written_during_the_strobe_ends_it_and_rearms() {
    let mut p = Pit8254::new();
    program(&mut p, 0, 4, 3, 0);
    assert!(!out_at(&mut p, 0, 4), "strobe");
    write_count(&mut p, 0, 2, at(4));
    assert!(out_at(&mut p, 0, 5), "strobe lasts one pulse");
    assert!(out_at(&mut p, 0, 6));
    assert!(!out_at(&mut p, 0, 7), "second strobe from the new count");
    assert!(out_at(&mut p, 0, 8));
}
