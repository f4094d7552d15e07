//! The local APIC timer (Intel SDM Vol. 3A §10.5.4 "APIC Timer"): a 32-bit
//! down-counter clocked by the bus clock through the divide configuration
//! register, in one-shot or periodic mode.
//!
//! Time is virtual: the counter is a pure function of the nanosecond at
//! which it was last loaded, so nothing ticks per instruction. ox86's APIC
//! bus clock is [`APIC_BUS_HZ`] = 1 GHz (one bus clock per virtual
//! nanosecond); a guest measures the rate against the PIT or the ACPI PM
//! timer, as Linux does, so the figure only has to be constant.
//!
//! Counting: after a load of the initial count `n` at time `t`, the current
//! count reads `n` at `t` and drops by one every `divisor` bus clocks; when
//! it reaches 0 the timer fires. In one-shot mode it stays at 0; in
//! periodic mode it is reloaded with `n` at the same clock, so a periodic
//! timer fires every `n · divisor` clocks. Writing 0 stops it. TSC-deadline
//! mode is not implemented (not advertised in CPUID); mode 10b behaves as
//! one-shot.

/// The APIC bus clock that drives the timer (before the divider).
pub const APIC_BUS_HZ: u64 = 1_000_000_000;

/// LVT timer bits 18:17: timer mode.
pub const LVT_TIMER_MODE_SHIFT: u32 = 17;
/// Timer mode 01b: periodic.
pub const TIMER_MODE_PERIODIC: u32 = 1;

/// Divide configuration register: bits 0, 1 and 3 are the divide value
/// (SDM Figure 10-10); bit 2 is reserved (0).
pub const DCR_WRITABLE: u32 = 0b1011;

/// The divisor selected by a divide configuration value (SDM Figure 10-10:
/// 0000b → 2, 0001b → 4, 0010b → 8, 0011b → 16, 1000b → 32, 1001b → 64,
/// 1010b → 128, 1011b → 1).
pub fn divisor(dcr: u32) -> u64 {
    let code = (dcr & 0b11) | ((dcr >> 1) & 0b100);
    if code == 0b111 {
        1
    } else {
        2 << code
    }
}

/// Nanoseconds for `clocks` bus clocks.
#[inline]
fn ns_of_clocks(clocks: u64) -> u64 {
    // 1 GHz: one clock per nanosecond.
    clocks * (1_000_000_000 / APIC_BUS_HZ)
}

/// Timer state (part of the local APIC's snapshot).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ApicTimer {
    /// Initial count register.
    pub initial: u32,
    /// Divide configuration register (writable bits only).
    pub dcr: u32,
    /// Counting (a one-shot timer that fired, or a count of 0, is idle).
    pub running: bool,
    /// Periodic mode (from the LVT timer entry).
    pub periodic: bool,
    /// Virtual time of the last load, reload or divider change...
    pub anchor_ns: u64,
    /// ...and the current count at that time.
    pub anchor_count: u32,
}

impl ApicTimer {
    fn period_ns(&self) -> u64 {
        ns_of_clocks(divisor(self.dcr))
    }

    /// Write of the initial count register at `now_ns`: loads the current
    /// count and starts counting (0 stops the timer).
    pub fn load(&mut self, initial: u32, now_ns: u64) {
        self.initial = initial;
        self.anchor_ns = now_ns;
        self.anchor_count = initial;
        self.running = initial != 0;
    }

    /// The current count register at `now_ns` (not before the last
    /// [`ApicTimer::fire_due`]).
    pub fn current(&self, now_ns: u64) -> u32 {
        if !self.running {
            return 0;
        }
        let ticks = now_ns.saturating_sub(self.anchor_ns) / self.period_ns();
        let anchor = u64::from(self.anchor_count);
        if ticks < anchor {
            return (anchor - ticks) as u32;
        }
        if !self.periodic {
            return 0;
        }
        let n = u64::from(self.initial);
        (n - (ticks - anchor) % n) as u32
    }

    /// Write of the divide configuration register at `now_ns`: the current
    /// count carries on at the new rate.
    pub fn set_dcr(&mut self, dcr: u32, now_ns: u64) {
        self.rebase(now_ns);
        self.dcr = dcr & DCR_WRITABLE;
    }

    /// Mode change through the LVT timer entry at `now_ns`.
    pub fn set_periodic(&mut self, periodic: bool, now_ns: u64) {
        if periodic != self.periodic {
            self.rebase(now_ns);
            self.periodic = periodic;
        }
    }

    /// Move the anchor to `now_ns`, keeping the count.
    fn rebase(&mut self, now_ns: u64) {
        if self.running && now_ns > self.anchor_ns {
            let c = self.current(now_ns);
            // Keep the anchor on a tick edge so the count stays exact.
            let ticks = (now_ns - self.anchor_ns) / self.period_ns();
            let edge = self.anchor_ns + ticks * self.period_ns();
            // A one-shot count that reached 0 stays due: `fire_due` takes it.
            self.anchor_ns = edge;
            self.anchor_count = c;
        }
    }

    /// When the count next reaches 0, if the timer runs.
    pub fn deadline_ns(&self) -> Option<u64> {
        self.running.then(|| {
            self.anchor_ns
                .saturating_add(u64::from(self.anchor_count).saturating_mul(self.period_ns()))
        })
    }

    /// Bring the timer to `now_ns`: returns whether it reached 0 since the
    /// last call (several periods elapsed at once fire once: the interrupt
    /// is one IRR bit).
    pub fn fire_due(&mut self, now_ns: u64) -> bool {
        let Some(deadline) = self.deadline_ns() else {
            return false;
        };
        if now_ns < deadline {
            return false;
        }
        if self.periodic {
            let period = u64::from(self.initial) * self.period_ns();
            let periods = (now_ns - deadline) / period;
            self.anchor_ns = deadline + periods * period;
            self.anchor_count = self.initial;
        } else {
            self.running = false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn divide_configuration_register_encodings() {
        // SDM Figure 10-10.
        for (dcr, div) in [
            (0b0000, 2),
            (0b0001, 4),
            (0b0010, 8),
            (0b0011, 16),
            (0b1000, 32),
            (0b1001, 64),
            (0b1010, 128),
            (0b1011, 1),
        ] {
            assert_eq!(divisor(dcr), div, "DCR {dcr:04b}");
        }
    }

    #[test]
    fn one_shot_counts_down_to_zero_and_stays() {
        let mut t = ApicTimer {
            dcr: 0b1011,
            ..Default::default()
        };
        t.load(100, 1000);
        for (now, count) in [(1000, 100), (1001, 99), (1050, 50), (1099, 1), (1100, 0)] {
            assert_eq!(t.current(now), count, "at {now}");
        }
        assert_eq!(t.deadline_ns(), Some(1100));
        assert!(!t.fire_due(1099));
        assert!(t.fire_due(1100));
        assert!(!t.fire_due(5000), "fires once");
        assert_eq!(t.current(5000), 0);
        assert_eq!(t.deadline_ns(), None);
    }

    #[test]
    fn periodic_reloads_the_initial_count() {
        let mut t = ApicTimer {
            dcr: 0b0000, // divide by 2
            periodic: true,
            ..Default::default()
        };
        t.load(10, 0);
        assert_eq!(t.deadline_ns(), Some(20));
        assert_eq!(t.current(19), 1);
        assert_eq!(t.current(20), 10, "reloaded at the clock it reached 0");
        assert_eq!(t.current(22), 9);
        assert!(t.fire_due(20));
        assert_eq!(t.deadline_ns(), Some(40));
        // Three periods missed: one firing, next deadline on the grid.
        assert!(t.fire_due(105));
        assert_eq!(t.deadline_ns(), Some(120));
        assert_eq!(
            t.current(105),
            8,
            "reloaded at 100, two ticks of 2 ns since"
        );
    }

    #[test]
    fn writing_zero_stops_the_timer() {
        let mut t = ApicTimer::default();
        t.load(5, 0);
        t.load(0, 3);
        assert_eq!(t.deadline_ns(), None);
        assert_eq!(t.current(100), 0);
        assert!(!t.fire_due(1_000_000));
    }

    #[test]
    fn divider_change_keeps_the_current_count() {
        let mut t = ApicTimer {
            dcr: 0b1011, // divide by 1
            ..Default::default()
        };
        t.load(1000, 0);
        t.set_dcr(0b0011, 400); // divide by 16 from now on
        assert_eq!(t.current(400), 600);
        assert_eq!(t.current(416), 599);
        assert_eq!(t.deadline_ns(), Some(400 + 600 * 16));
    }

    #[test]
    fn expiry_is_not_lost_by_a_divider_change_after_it() {
        let mut t = ApicTimer {
            dcr: 0b1011,
            ..Default::default()
        };
        t.load(10, 0);
        t.set_dcr(0b0000, 15);
        assert_eq!(t.current(15), 0);
        assert!(t.fire_due(15), "the expiry at 10 still fires");
        assert!(!t.fire_due(100));
    }

    #[test]
    fn switching_to_periodic_keeps_the_count() {
        let mut t = ApicTimer {
            dcr: 0b1011,
            ..Default::default()
        };
        t.load(100, 0);
        t.set_periodic(true, 30);
        assert_eq!(t.current(30), 70);
        assert!(t.fire_due(100));
        assert_eq!(t.deadline_ns(), Some(200));
    }

    #[test]
    fn count_is_exact_at_full_range() {
        let mut t = ApicTimer {
            dcr: 0b1010, // divide by 128
            ..Default::default()
        };
        t.load(u32::MAX, 7);
        let end = 7 + u64::from(u32::MAX) * 128;
        assert_eq!(t.deadline_ns(), Some(end));
        assert_eq!(t.current(end - 1), 1);
        assert!(t.fire_due(end));
    }
}
