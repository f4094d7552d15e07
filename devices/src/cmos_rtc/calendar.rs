//! Calendar arithmetic of the MC146818A update cycle (datasheet "Update
//! Cycle": seconds → minutes → hours → day of week / date → month → year,
//! with the leap-year rule "year divisible by 4", which is right for
//! 1901–2099) and the BCD / binary, 12 / 24-hour register encodings
//! (datasheet Table 3, "Time, Calendar, and Alarm Data Modes").
//!
//! The chip keeps the time registers in whatever mode register B selected
//! when they were written and increments them in that mode; it does not
//! convert them when the mode bits change. [`DateTime::decode`] and
//! [`DateTime::encode`] reproduce that: an update decodes the raw registers
//! in the current mode, steps the binary value and encodes it back.
//! Out-of-range (guest-written) values never panic: every field wraps at
//! its limit with `>=` comparisons.

use super::{
    REG_B_24_HOUR, REG_B_DM_BINARY, RTC_DATE_OF_MONTH, RTC_DAY_OF_WEEK, RTC_HOURS, RTC_MINUTES,
    RTC_MONTH, RTC_SECONDS, RTC_YEAR,
};

/// Hours register bit 7 in 12-hour mode: PM (datasheet Table 3).
pub const HOURS_PM: u8 = 0x80;

/// A decoded (binary, 24-hour) calendar time as the chip counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    /// 0–59.
    pub sec: u8,
    /// 0–59.
    pub min: u8,
    /// 0–23.
    pub hour: u8,
    /// 1–7, Sunday = 1.
    pub dow: u8,
    /// 1–31.
    pub day: u8,
    /// 1–12.
    pub month: u8,
    /// 0–99 (the century is plain CMOS RAM, byte 0x32).
    pub year: u8,
}

/// Binary value of a packed-BCD byte (garbage nibbles give up to 165).
pub fn from_bcd(v: u8) -> u8 {
    (v >> 4) * 10 + (v & 0x0F)
}

/// Packed BCD of `v` (values above 99 wrap within each digit).
pub fn to_bcd(v: u8) -> u8 {
    (((v / 10) % 10) << 4) | (v % 10)
}

fn days_in_month(month: u8, year: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Gregorian date of a day number counted from 1970-01-01 (the well-known
/// "civil from days" computation on 400-year eras).
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl DateTime {
    /// The UTC calendar time `secs` seconds after 1970-01-01 00:00:00, and
    /// its century (0–99).
    pub fn from_unix(secs: i64) -> (DateTime, u8) {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        // 1970-01-01 was a Thursday; Sunday = 1.
        let dow = (days + 4).rem_euclid(7) as u8 + 1;
        let dt = DateTime {
            sec: (rem % 60) as u8,
            min: (rem / 60 % 60) as u8,
            hour: (rem / 3600) as u8,
            dow,
            day,
            month,
            year: year.rem_euclid(100) as u8,
        };
        (dt, year.div_euclid(100).clamp(0, 99) as u8)
    }

    /// Decodes the time registers 0, 2, 4, 6–9 of `ram` in the mode of
    /// register B value `reg_b`.
    pub fn decode(ram: &[u8; 128], reg_b: u8) -> DateTime {
        let binary = reg_b & REG_B_DM_BINARY != 0;
        let field = |v: u8| if binary { v } else { from_bcd(v) };
        let raw_hour = ram[RTC_HOURS];
        let hour = if reg_b & REG_B_24_HOUR != 0 {
            field(raw_hour)
        } else {
            let h = field(raw_hour & !HOURS_PM) % 12;
            if raw_hour & HOURS_PM != 0 {
                h + 12
            } else {
                h
            }
        };
        DateTime {
            sec: field(ram[RTC_SECONDS]),
            min: field(ram[RTC_MINUTES]),
            hour,
            dow: field(ram[RTC_DAY_OF_WEEK]),
            day: field(ram[RTC_DATE_OF_MONTH]),
            month: field(ram[RTC_MONTH]),
            year: field(ram[RTC_YEAR]),
        }
    }

    /// The raw seconds, minutes and hours register values in mode `reg_b`.
    pub fn encode_hms(&self, reg_b: u8) -> [u8; 3] {
        let binary = reg_b & REG_B_DM_BINARY != 0;
        let field = |v: u8| if binary { v } else { to_bcd(v) };
        let hour = if reg_b & REG_B_24_HOUR != 0 {
            field(self.hour)
        } else {
            let h12 = match self.hour % 12 {
                0 => 12,
                h => h,
            };
            field(h12) | if self.hour >= 12 { HOURS_PM } else { 0 }
        };
        [field(self.sec), field(self.min), hour]
    }

    /// Stores the time into the registers of `ram` in mode `reg_b`.
    pub fn encode(&self, ram: &mut [u8; 128], reg_b: u8) {
        let binary = reg_b & REG_B_DM_BINARY != 0;
        let field = |v: u8| if binary { v } else { to_bcd(v) };
        let [sec, min, hour] = self.encode_hms(reg_b);
        ram[RTC_SECONDS] = sec;
        ram[RTC_MINUTES] = min;
        ram[RTC_HOURS] = hour;
        ram[RTC_DAY_OF_WEEK] = field(self.dow);
        ram[RTC_DATE_OF_MONTH] = field(self.day);
        ram[RTC_MONTH] = field(self.month);
        ram[RTC_YEAR] = field(self.year);
    }

    /// One update cycle: advance by one second, carrying into the date.
    pub fn tick_second(&mut self) {
        if self.sec < 59 {
            self.sec += 1;
            return;
        }
        self.sec = 0;
        if self.min < 59 {
            self.min += 1;
            return;
        }
        self.min = 0;
        if self.hour < 23 {
            self.hour += 1;
            return;
        }
        self.hour = 0;
        self.next_day();
    }

    /// Daylight-saving step after an update with register B DSE set
    /// (datasheet, register B bit 0): on the last Sunday in April the time
    /// goes from 1:59:59 AM to 3:00:00 AM; on the last Sunday in October it
    /// goes from 1:59:59 AM back to 1:00:00 AM the first time only.
    /// `fall_back_done` remembers that October step until the day is over.
    pub fn daylight_saving(&mut self, fall_back_done: &mut bool) {
        let last_sunday = |days: u8| self.dow == 1 && self.day.saturating_add(7) > days;
        let at_two = self.hour == 2 && self.min == 0 && self.sec == 0;
        if self.month == 4 && last_sunday(30) && at_two {
            self.hour = 3;
        } else if self.month == 10 && last_sunday(31) {
            if at_two && !*fall_back_done {
                self.hour = 1;
                *fall_back_done = true;
            }
        } else {
            *fall_back_done = false;
        }
    }

    /// Advance the date by one day (time of day unchanged).
    pub fn next_day(&mut self) {
        self.dow = if self.dow >= 7 { 1 } else { self.dow + 1 };
        if self.day < days_in_month(self.month, self.year) {
            self.day += 1;
            return;
        }
        self.day = 1;
        if self.month < 12 {
            self.month += 1;
            return;
        }
        self.month = 1;
        self.year = if self.year >= 99 { 0 } else { self.year + 1 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_epoch_conversion_matches_known_dates() {
        // (seconds, [year, month, day, dow, h, m, s, century])
        let cases: [(i64, [u8; 8]); 4] = [
            (0, [70, 1, 1, 5, 0, 0, 0, 19]),
            (951_782_400, [0, 2, 29, 3, 0, 0, 0, 20]), // 2000-02-29, Tuesday
            (1_700_000_000, [23, 11, 14, 3, 22, 13, 20, 20]), // Tue 2023-11-14 22:13:20
            (4_102_444_799, [99, 12, 31, 5, 23, 59, 59, 20]), // Thu 2099-12-31 23:59:59
        ];
        for (secs, [year, month, day, dow, hour, min, sec, century]) in cases {
            let (dt, c) = DateTime::from_unix(secs);
            let want = DateTime {
                sec,
                min,
                hour,
                dow,
                day,
                month,
                year,
            };
            assert_eq!((dt, c), (want, century), "secs {secs}");
        }
    }

    #[test]
    fn update_cycle_carries_through_leap_day_and_year_end() {
        let (mut dt, _) = DateTime::from_unix(951_868_799); // 2000-02-29 23:59:59
        dt.tick_second();
        assert_eq!((dt.month, dt.day, dt.dow, dt.hour), (3, 1, 4, 0));
        let (mut dt, _) = DateTime::from_unix(4_102_444_799); // 2099-12-31 23:59:59
        dt.tick_second();
        assert_eq!((dt.year, dt.month, dt.day, dt.dow), (0, 1, 1, 6));
    }

    #[test]
    fn daylight_saving_last_sundays_of_april_and_october() {
        // Sun 2023-04-30 01:59:59 UTC (the last Sunday of April).
        let (mut dt, _) = DateTime::from_unix(1_682_819_999);
        assert_eq!((dt.month, dt.day, dt.dow, dt.hour), (4, 30, 1, 1));
        let mut done = false;
        dt.tick_second();
        dt.daylight_saving(&mut done);
        assert_eq!((dt.hour, dt.min, dt.sec), (3, 0, 0));
        // Sun 2023-04-23 is not the last Sunday: no change.
        let (mut dt, _) = DateTime::from_unix(1_682_819_999 - 7 * 86_400);
        dt.tick_second();
        dt.daylight_saving(&mut done);
        assert_eq!(dt.hour, 2);
        // Sun 2023-10-29 01:59:59: back to 1:00:00 once, then on to 2:00.
        let (mut dt, _) = DateTime::from_unix(1_698_544_799);
        assert_eq!((dt.month, dt.day, dt.dow, dt.hour), (10, 29, 1, 1));
        let mut seen = Vec::new();
        for _ in 0..2 * 3600 {
            dt.tick_second();
            dt.daylight_saving(&mut done);
            if dt.min == 0 && dt.sec == 0 {
                seen.push(dt.hour);
            }
        }
        assert_eq!(seen, [1, 2]);
        assert!(done);
        // The next day clears the October flag.
        dt.next_day();
        dt.daylight_saving(&mut done);
        assert!(!done);
    }

    #[test]
    fn bcd_round_trip_and_garbage_never_panics() {
        for v in 0..100 {
            assert_eq!(from_bcd(to_bcd(v)), v);
        }
        for v in 0..=255u8 {
            let _ = to_bcd(from_bcd(v));
        }
        let mut dt = DateTime {
            sec: 255,
            min: 255,
            hour: 255,
            dow: 255,
            day: 255,
            month: 255,
            year: 255,
        };
        dt.tick_second();
        assert_eq!(
            (dt.sec, dt.min, dt.hour, dt.dow, dt.day, dt.month, dt.year),
            (0, 0, 0, 1, 1, 1, 0)
        );
    }
}
