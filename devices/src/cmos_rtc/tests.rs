//! Unit tests of the MC146818A, named after the datasheet behaviour they
//! check. Time is virtual: every access carries its own `now_ns`.

use super::*;

/// Tue 2023-11-14 22:13:20 UTC.
const T0: i64 = 1_700_000_000;
const SEC: u64 = 1_000_000_000;

fn rtc() -> CmosRtc {
    CmosRtc::new(T0, 0)
}

fn rd(r: &mut CmosRtc, index: usize, now: u64) -> u8 {
    r.write(CMOS_INDEX_PORT, index as u8, now);
    r.read(CMOS_DATA_PORT, now)
}

fn wr(r: &mut CmosRtc, index: usize, value: u8, now: u64) {
    r.write(CMOS_INDEX_PORT, index as u8, now);
    r.write(CMOS_DATA_PORT, value, now);
}

fn hms(r: &mut CmosRtc, now: u64) -> [u8; 3] {
    [
        rd(r, RTC_HOURS, now),
        rd(r, RTC_MINUTES, now),
        rd(r, RTC_SECONDS, now),
    ]
}

#[test]
fn power_on_registers_and_time_from_epoch() {
    let mut r = rtc();
    assert_eq!(rd(&mut r, RTC_REG_A, 0), 0x26);
    assert_eq!(rd(&mut r, RTC_REG_B, 0), REG_B_24_HOUR);
    assert_eq!(rd(&mut r, RTC_REG_C, 0), 0);
    assert_eq!(rd(&mut r, RTC_REG_D, 0), REG_D_VRT);
    let expected = [
        (RTC_SECONDS, 0x20),
        (RTC_MINUTES, 0x13),
        (RTC_HOURS, 0x22),
        (RTC_DAY_OF_WEEK, 3),
        (RTC_DATE_OF_MONTH, 0x14),
        (RTC_MONTH, 0x11),
        (RTC_YEAR, 0x23),
        (layout::CMOS_CENTURY, 0x20),
    ];
    for (index, value) in expected {
        assert_eq!(rd(&mut r, index, 0), value, "register {index:#x}");
    }
}

#[test]
fn bcd_vs_binary_and_12_hour_mode_update_carries() {
    // (register B mode, hours/minutes/seconds written, read after one update)
    let bin = REG_B_DM_BINARY;
    let h24 = REG_B_24_HOUR;
    let cases: [(u8, [u8; 3], [u8; 3]); 8] = [
        (h24, [0x09, 0x59, 0x59], [0x10, 0x00, 0x00]), // BCD digit carry
        (h24, [0x21, 0x13, 0x20], [0x21, 0x13, 0x21]), // BCD
        (bin | h24, [21, 13, 20], [21, 13, 21]),       // binary
        (bin | h24, [9, 59, 59], [10, 0, 0]),          // binary carry
        (0, [0x11, 0x59, 0x59], [0x92, 0x00, 0x00]),   // 11 AM -> 12 PM
        (0, [0x91, 0x59, 0x59], [0x12, 0x00, 0x00]),   // 11 PM -> 12 AM
        (bin, [12, 59, 59], [1, 0, 0]),                // 12 AM -> 1 AM
        (bin, [HOURS_PM | 12, 59, 59], [HOURS_PM | 1, 0, 0]), // 12 PM -> 1 PM
    ];
    for (mode, written, after) in cases {
        let mut r = rtc();
        wr(&mut r, RTC_REG_B, REG_B_SET | mode, 0);
        wr(&mut r, RTC_HOURS, written[0], 0);
        wr(&mut r, RTC_MINUTES, written[1], 0);
        wr(&mut r, RTC_SECONDS, written[2], 0);
        wr(&mut r, RTC_REG_B, mode, 0);
        assert_eq!(hms(&mut r, SEC - 1), written, "mode {mode:#x}");
        assert_eq!(hms(&mut r, SEC), after, "mode {mode:#x} {written:x?}");
    }
}

#[test]
fn twelve_hour_mode_pm_bit_and_midnight_date_carry() {
    let mut r = rtc();
    // 12-hour BCD: 11:59:59 PM on Tue 14 Nov rolls to 12 AM Wed 15 Nov.
    wr(&mut r, RTC_REG_B, REG_B_SET, 0);
    wr(&mut r, RTC_HOURS, HOURS_PM | 0x11, 0);
    wr(&mut r, RTC_MINUTES, 0x59, 0);
    wr(&mut r, RTC_SECONDS, 0x59, 0);
    wr(&mut r, RTC_REG_B, 0, 0);
    assert_eq!(rd(&mut r, RTC_HOURS, SEC), 0x12);
    assert_eq!(rd(&mut r, RTC_DATE_OF_MONTH, SEC), 0x15);
    assert_eq!(rd(&mut r, RTC_DAY_OF_WEEK, SEC), 4);
    // Twelve hours later it is 12 PM: the PM bit is set.
    r.advance(SEC + 12 * 3600 * SEC);
    assert_eq!(
        rd(&mut r, RTC_HOURS, SEC + 12 * 3600 * SEC),
        HOURS_PM | 0x12
    );
}

#[test]
fn register_c_clears_on_read() {
    let mut r = rtc();
    wr(&mut r, RTC_REG_B, REG_B_24_HOUR | REG_B_UIE, 0);
    r.advance(SEC);
    assert!(r.irq_level());
    // PF is set too (1024 Hz), without an interrupt of its own.
    assert_eq!(rd(&mut r, RTC_REG_C, SEC), REG_C_IRQF | REG_C_PF | REG_C_UF);
    assert!(!r.irq_level());
    assert_eq!(rd(&mut r, RTC_REG_C, SEC), 0);
}

#[test]
fn flags_set_without_enables_and_irqf_follows_enables() {
    let mut r = rtc();
    r.advance(SEC);
    assert!(!r.irq_level(), "UF without UIE does not interrupt");
    // Enabling UIE while UF is pending raises IRQF at once.
    wr(&mut r, RTC_REG_B, REG_B_24_HOUR | REG_B_UIE, SEC);
    assert!(r.irq_level());
    wr(&mut r, RTC_REG_B, REG_B_24_HOUR, SEC);
    assert!(!r.irq_level());
    // PF (1024 Hz) and UF are both set, without IRQF.
    assert_eq!(rd(&mut r, RTC_REG_C, SEC), REG_C_PF | REG_C_UF);
}

#[test]
fn periodic_rate_1024hz_has_exact_period() {
    let mut r = rtc();
    wr(&mut r, RTC_REG_B, REG_B_24_HOUR | REG_B_PIE, 0);
    // 1024 Hz = 976 562.5 ns: each interrupt at ceil(k * 10^9 / 1024) ns.
    for k in 1..=2048u64 {
        let at = (k * SEC).div_ceil(1024);
        assert_eq!(r.next_event_ns(), Some(at), "period {k}");
        r.advance(at - 1);
        assert!(!r.irq_level(), "period {k} early");
        r.advance(at);
        assert!(r.irq_level(), "period {k}");
        assert_eq!(rd(&mut r, RTC_REG_C, at) & (REG_C_IRQF | REG_C_PF), 0xC0);
    }
    assert_eq!(r.next_event_ns(), Some(2 * SEC + SEC.div_ceil(1024)));
}

#[test]
fn periodic_rate_select_table() {
    // (RS3-0, frequency in Hz) for the 32.768 kHz time base.
    let table: [(u8, u64); 15] = [
        (1, 256),
        (2, 128),
        (3, 8192),
        (4, 4096),
        (5, 2048),
        (6, 1024),
        (7, 512),
        (8, 256),
        (9, 128),
        (10, 64),
        (11, 32),
        (12, 16),
        (13, 8),
        (14, 4),
        (15, 2),
    ];
    for (rs, hz) in table {
        let mut r = rtc();
        wr(&mut r, RTC_REG_A, REG_A_DV_32KHZ | rs, 0);
        wr(&mut r, RTC_REG_B, REG_B_24_HOUR | REG_B_PIE, 0);
        assert_eq!(r.next_event_ns(), Some(SEC.div_ceil(hz)), "RS {rs}");
    }
    let mut r = rtc();
    wr(&mut r, RTC_REG_A, REG_A_DV_32KHZ, 0);
    wr(&mut r, RTC_REG_B, REG_B_24_HOUR | REG_B_PIE, 0);
    assert_eq!(r.next_event_ns(), None, "RS = 0 disables the periodic flag");
    r.advance(10 * SEC);
    assert_eq!(rd(&mut r, RTC_REG_C, 10 * SEC) & REG_C_PF, 0);
}

#[test]
fn alarm_with_dont_care_wildcards() {
    // Start 22:13:20. (seconds, minutes, hours alarm; first second it fires)
    let cases: [([u8; 3], Option<u64>); 6] = [
        ([0x30, 0xC0, 0xC0], Some(10)),   // every minute at :30
        ([0x00, 0x14, 0x22], Some(40)),   // exact 22:14:00
        ([0xFF, 0xFF, 0xFF], Some(1)),    // every second
        ([0x25, 0xC0, 0x23], Some(2825)), // 23:00:25
        ([0x20, 0x13, 0x22], None),       // the start time itself: tomorrow
        ([0xC5, 0x15, 0xC0], Some(100)),  // any second of 22:15
    ];
    for (alarm, first) in cases {
        let mut r = rtc();
        wr(&mut r, RTC_SECONDS_ALARM, alarm[0], 0);
        wr(&mut r, RTC_MINUTES_ALARM, alarm[1], 0);
        wr(&mut r, RTC_HOURS_ALARM, alarm[2], 0);
        wr(&mut r, RTC_REG_B, REG_B_24_HOUR | REG_B_AIE, 0);
        let mut seen = None;
        for s in 1..=3000u64 {
            r.advance(s * SEC);
            if r.irq_level() {
                let c = REG_C_IRQF | REG_C_PF | REG_C_AF | REG_C_UF;
                assert_eq!(rd(&mut r, RTC_REG_C, s * SEC), c, "{alarm:x?}");
                seen = Some(s);
                break;
            }
        }
        assert_eq!(seen, first, "alarm {alarm:x?}");
    }
}

#[test]
fn long_advance_keeps_calendar_and_alarm() {
    let mut r = rtc();
    wr(&mut r, RTC_SECONDS_ALARM, 0x00, 0);
    wr(&mut r, RTC_MINUTES_ALARM, 0x00, 0);
    wr(&mut r, RTC_HOURS_ALARM, 0x03, 0);
    let later = 10 * 86_400 * SEC;
    r.advance(later);
    // Fri 2023-11-24 22:13:20.
    assert_eq!(hms(&mut r, later), [0x22, 0x13, 0x20]);
    assert_eq!(rd(&mut r, RTC_DATE_OF_MONTH, later), 0x24);
    assert_eq!(rd(&mut r, RTC_DAY_OF_WEEK, later), 6);
    assert_eq!(rd(&mut r, RTC_REG_C, later), REG_C_PF | REG_C_AF | REG_C_UF);
}

#[test]
fn update_interrupt_every_second() {
    let mut r = rtc();
    wr(&mut r, RTC_REG_B, REG_B_24_HOUR | REG_B_UIE, 0);
    for s in 1..=5u64 {
        assert_eq!(r.next_event_ns(), Some(s * SEC));
        r.advance(s * SEC - 1);
        assert!(!r.irq_level(), "second {s} early");
        r.advance(s * SEC);
        assert!(r.irq_level(), "second {s}");
        assert_eq!(
            rd(&mut r, RTC_REG_C, s * SEC),
            REG_C_IRQF | REG_C_PF | REG_C_UF
        );
        assert_eq!(rd(&mut r, RTC_SECONDS, s * SEC), 0x20 + s as u8);
    }
}

#[test]
fn uip_bit_precedes_the_update() {
    let mut r = rtc();
    let uip_start = ns_of_tick(TIME_BASE_HZ - UIP_TICKS);
    // 244 µs + 1984 µs = 73 ticks of 30.52 µs.
    assert!((2_227_000..2_229_000).contains(&(SEC - uip_start)));
    assert_eq!(rd(&mut r, RTC_REG_A, uip_start - 1), 0x26);
    assert_eq!(rd(&mut r, RTC_REG_A, uip_start), REG_A_UIP | 0x26);
    assert_eq!(rd(&mut r, RTC_REG_A, SEC - 1), REG_A_UIP | 0x26);
    assert_eq!(rd(&mut r, RTC_SECONDS, SEC - 1), 0x20);
    assert_eq!(rd(&mut r, RTC_REG_A, SEC), 0x26);
    assert_eq!(rd(&mut r, RTC_SECONDS, SEC), 0x21);
    // UIP is read-only.
    wr(&mut r, RTC_REG_A, REG_A_UIP | 0x26, SEC);
    assert_eq!(rd(&mut r, RTC_REG_A, SEC), 0x26);
}

#[test]
fn set_bit_freezes_updates_and_clears_uie() {
    let mut r = rtc();
    wr(&mut r, RTC_REG_B, REG_B_SET | REG_B_UIE | REG_B_24_HOUR, 0);
    assert_eq!(rd(&mut r, RTC_REG_B, 0), REG_B_SET | REG_B_24_HOUR);
    assert_eq!(r.next_event_ns(), None);
    // No UIP while SET.
    assert_eq!(rd(&mut r, RTC_REG_A, SEC - 1) & REG_A_UIP, 0);
    r.advance(5 * SEC);
    assert_eq!(hms(&mut r, 5 * SEC), [0x22, 0x13, 0x20]);
    assert_eq!(rd(&mut r, RTC_REG_C, 5 * SEC) & REG_C_UF, 0);
    // Only the rising edge of SET clears UIE.
    wr(
        &mut r,
        RTC_REG_B,
        REG_B_SET | REG_B_UIE | REG_B_24_HOUR,
        5 * SEC,
    );
    assert_eq!(
        rd(&mut r, RTC_REG_B, 5 * SEC),
        REG_B_SET | REG_B_UIE | REG_B_24_HOUR
    );
    // Clearing SET resumes at the next second boundary of the divider.
    wr(&mut r, RTC_REG_B, REG_B_24_HOUR, 5 * SEC + SEC / 2);
    assert_eq!(rd(&mut r, RTC_SECONDS, 6 * SEC - 1), 0x20);
    assert_eq!(rd(&mut r, RTC_SECONDS, 6 * SEC), 0x21);
}

#[test]
fn divider_reset_holds_the_clock_and_first_update_is_500ms_after_release() {
    let mut r = rtc();
    wr(&mut r, RTC_REG_A, REG_A_DV_RESET | 0x06, 0);
    wr(&mut r, RTC_REG_B, REG_B_24_HOUR | REG_B_PIE | REG_B_UIE, 0);
    assert_eq!(r.next_event_ns(), None);
    r.advance(3 * SEC);
    assert_eq!(rd(&mut r, RTC_SECONDS, 3 * SEC), 0x20);
    assert_eq!(rd(&mut r, RTC_REG_C, 3 * SEC), 0);
    let release = 3 * SEC + SEC / 2;
    wr(&mut r, RTC_REG_A, REG_A_DEFAULT, release);
    r.advance(4 * SEC - 1);
    assert_eq!(rd(&mut r, RTC_SECONDS, 4 * SEC - 1), 0x20);
    assert_eq!(rd(&mut r, RTC_SECONDS, 4 * SEC), 0x21);
}

#[test]
fn nmi_mask_bit_of_the_index_port() {
    let mut r = rtc();
    assert!(!r.nmi_masked());
    r.write(CMOS_INDEX_PORT, NMI_MASK_BIT | RTC_REG_B as u8, 0);
    assert!(r.nmi_masked());
    // Bit 7 is not part of the address.
    assert_eq!(r.read(CMOS_DATA_PORT, 0), REG_B_24_HOUR);
    r.write(CMOS_INDEX_PORT, RTC_REG_D as u8, 0);
    assert!(!r.nmi_masked());
    assert_eq!(r.read(CMOS_DATA_PORT, 0), REG_D_VRT);
}

#[test]
fn ram_bytes_and_read_only_registers() {
    let mut r = rtc();
    for index in [0x0E, 0x40, 0x7F] {
        wr(&mut r, index, 0x5A, 0);
        assert_eq!(rd(&mut r, index, 0), 0x5A);
    }
    wr(&mut r, RTC_REG_C, 0xFF, 0);
    wr(&mut r, RTC_REG_D, 0x00, 0);
    assert_eq!(rd(&mut r, RTC_REG_C, 0), 0);
    assert_eq!(rd(&mut r, RTC_REG_D, 0), REG_D_VRT);
    assert_eq!(r.read(CMOS_INDEX_PORT, 0), 0xFF);
    assert_eq!(r.read(0x72, 0), 0xFF);
    r.set_ram_byte(0x10, 0x40);
    r.set_ram_byte(RTC_SECONDS, 0x99); // ignored: clock registers
    assert_eq!(r.ram()[0x10], 0x40);
    assert_eq!(r.ram()[RTC_SECONDS], 0x20);
}

#[test]
fn reset_pin_clears_enables_and_flags() {
    let mut r = rtc();
    let all = REG_B_24_HOUR | REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE | REG_B_DM_BINARY;
    wr(&mut r, RTC_REG_B, all, 0);
    r.advance(SEC);
    assert!(r.irq_level());
    r.reset(SEC);
    assert!(!r.irq_level());
    assert_eq!(rd(&mut r, RTC_REG_B, SEC), REG_B_24_HOUR | REG_B_DM_BINARY);
    assert_eq!(rd(&mut r, RTC_REG_C, SEC), 0);
}

#[test]
fn apply_layout_writes_checksummed_bios_fields() {
    let mut r = rtc();
    r.apply_layout(&CmosLayout::new(64 << 20, 0));
    let ram = r.ram();
    assert_eq!(u16::from_le_bytes([ram[0x15], ram[0x16]]), 640);
    let sum: u16 = ram[0x10..=0x2D].iter().map(|&b| u16::from(b)).sum();
    assert_eq!(u16::from_be_bytes([ram[0x2E], ram[0x2F]]), sum);
    assert_eq!(ram[layout::CMOS_CENTURY], 0x20, "century kept");
}

#[test]
fn snapshot_round_trip_continues_identically() {
    let mut a = rtc();
    wr(
        &mut a,
        RTC_REG_B,
        REG_B_24_HOUR | REG_B_PIE | REG_B_UIE,
        123,
    );
    a.advance(SEC / 3);
    let mut b = CmosRtc::from_state(&a.state());
    for t in [SEC / 2, SEC, 3 * SEC + 7] {
        assert_eq!(rd(&mut a, RTC_REG_C, t), rd(&mut b, RTC_REG_C, t));
        assert_eq!(hms(&mut a, t), hms(&mut b, t));
        assert_eq!(a.next_event_ns(), b.next_event_ns());
    }
}

#[test]
fn guest_garbage_never_panics_and_time_never_runs_backwards() {
    let mut r = rtc();
    for index in 0..=0x7Fu8 {
        wr(&mut r, usize::from(index), 0xFF, 0);
    }
    // Register A = 0xFF holds the divider in reset and B = 0xFF sets SET:
    // run the clock in binary mode over the garbage.
    wr(&mut r, RTC_REG_B, 0x7F, SEC);
    wr(&mut r, RTC_REG_A, REG_A_DV_32KHZ | 0x0F, SEC);
    r.advance(u64::MAX);
    r.advance(5);
    for index in 0..=0x7Fu8 {
        rd(&mut r, usize::from(index), 0);
    }
    let _ = r.next_event_ns();
}

#[test]
fn daylight_saving_enable_skips_an_hour_in_april() {
    // Sun 2023-04-30 01:59:59 UTC, BCD 24-hour with DSE.
    let mut r = CmosRtc::new(1_682_819_999, 0);
    assert_eq!(rd(&mut r, RTC_HOURS, SEC - 1), 0x01);
    wr(&mut r, RTC_REG_B, REG_B_24_HOUR | REG_B_DSE, 0);
    assert_eq!(hms(&mut r, SEC), [0x03, 0x00, 0x00]);
    // Without DSE the same second reads 2:00:00.
    let mut r = CmosRtc::new(1_682_819_999, 0);
    assert_eq!(hms(&mut r, SEC), [0x02, 0x00, 0x00]);
}
