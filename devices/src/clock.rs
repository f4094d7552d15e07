//! The machine's one virtual clock: guest time in nanoseconds.
//!
//! Every device is driven with `now_ns` from this clock; none reads the
//! host clock. The clock turns the CPU's retired-instruction count into
//! nanoseconds with an affine map, re-anchored by the machine:
//!
//! `now_ns(icount) = anchor_ns + (anchor_frac + (icount − anchor_icount) × rate) / 2^16`
//!
//! where `rate` is nanoseconds per instruction in 16.16 fixed point and
//! `anchor_frac` the fraction of a nanosecond (same fixed point) the anchor
//! carries. One multiply, an add and a shift: cheap enough for every port
//! access (Linux's PIT/TSC calibration reads the PIT counter in tight
//! loops). Re-anchoring keeps the fraction: the machine re-anchors after
//! every port access in real time, and dropping it would lose up to 1 ns
//! per access — at a rate below 1 ns per instruction, a guest polling a
//! timer in a loop of a few instructions would see time stand still.
//!
//! Two modes ([`ClockMode`]):
//! - **Deterministic**: a virtual CPU that retires one instruction per
//!   nanosecond ([`DETERMINISTIC_NS_PER_INSN`], "1000 MIPS", the same
//!   convention as QEMU's `-icount shift=0`), plus the time skipped while
//!   the CPU is halted ([`VirtualClock::skip_to`]: the machine jumps to
//!   the next device event instead of spinning). Guest time is a pure
//!   function of the instruction stream, so identical runs give identical
//!   output and instruction counts.
//! - **Real time**: guest time follows the host's monotonic clock, which
//!   the machine reads and passes in ([`VirtualClock::sync_host`]) between
//!   blocks. Between syncs time is extrapolated from the instruction count
//!   with a measured instructions-per-nanosecond rate, so a guest polling a
//!   timer inside one block still sees it move. Time never goes backwards:
//!   a sync only moves the anchor forward. If extrapolation ran ahead of
//!   the host by more than [`REALTIME_MAX_LEAD_NS`] (the rate was measured
//!   on slower code), the clock holds until the next rate measurement,
//!   which replaces an estimate it finds off by more than 2×; so guest
//!   time never leads the host by more than that plus one sync interval.
//!
//! The time-stamp counter runs at [`TSC_HZ`] (1 GHz): one TSC tick per
//! guest nanosecond, in both modes, so RDTSC and the PIT/RTC/PM timer agree.

/// Nanoseconds per retired instruction in deterministic mode (a virtual
/// CPU of 1000 MIPS).
pub const DETERMINISTIC_NS_PER_INSN: u64 = 1;

/// Time-stamp counter frequency: 1 GHz, one tick per guest nanosecond.
pub const TSC_HZ: u64 = 1_000_000_000;

/// Fraction bits of the nanoseconds-per-instruction rate.
pub const RATE_SHIFT: u32 = 16;

/// Initial real-time estimate: 5 ns per instruction (200 MIPS, about
/// what the block tier runs ordinary code at).
pub const REALTIME_INITIAL_NS_PER_INSN_FP: u64 = 5 << RATE_SHIFT;

/// Bounds of the real-time rate estimate: 0.05 ns to 1 µs per instruction.
const REALTIME_MIN_RATE_FP: u64 = (1 << RATE_SHIFT) / 20;
const REALTIME_MAX_RATE_FP: u64 = 1000 << RATE_SHIFT;

/// Shortest host interval over which the real-time rate is measured.
const RATE_WINDOW_NS: u64 = 5_000_000;

/// How far extrapolated guest time may run ahead of the host before the
/// clock holds (real time).
pub const REALTIME_MAX_LEAD_NS: u64 = 4_000_000;

/// How guest time is derived.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClockMode {
    /// Time = f(instructions retired) + time skipped while halted.
    #[default]
    Deterministic,
    /// Time follows the host monotonic clock (passed in by the machine).
    RealTime,
}

/// The virtual clock (plain data; see the module docs).
#[derive(Clone, Debug)]
pub struct VirtualClock {
    mode: ClockMode,
    anchor_icount: u64,
    anchor_ns: u64,
    /// Fraction of a nanosecond at the anchor (below `1 << RATE_SHIFT`).
    anchor_frac: u64,
    /// Nanoseconds per instruction, 16.16 fixed point.
    rate_fp: u64,
    /// Real time: start of the current rate-measurement window
    /// (instruction count, host ns); `None` after a sleep.
    window: Option<(u64, u64)>,
}

impl Default for VirtualClock {
    fn default() -> Self {
        VirtualClock::new(ClockMode::Deterministic)
    }
}

impl VirtualClock {
    /// A clock at time 0 for instruction 0.
    pub fn new(mode: ClockMode) -> Self {
        let rate_fp = match mode {
            ClockMode::Deterministic => DETERMINISTIC_NS_PER_INSN << RATE_SHIFT,
            ClockMode::RealTime => REALTIME_INITIAL_NS_PER_INSN_FP,
        };
        VirtualClock {
            mode,
            anchor_icount: 0,
            anchor_ns: 0,
            anchor_frac: 0,
            rate_fp,
            window: None,
        }
    }

    /// The mode.
    pub fn mode(&self) -> ClockMode {
        self.mode
    }

    /// Guest time when `icount` instructions have retired. Instruction
    /// counts before the anchor give the anchor time (time never runs
    /// backwards).
    #[inline]
    pub fn now_ns(&self, icount: u64) -> u64 {
        self.anchor_ns
            .wrapping_add((self.elapsed_fp(icount) >> RATE_SHIFT) as u64)
    }

    /// Time since the anchor at `icount`, plus the anchor's fraction, in
    /// 1/2^16 ns.
    #[inline]
    fn elapsed_fp(&self, icount: u64) -> u128 {
        let d = icount.saturating_sub(self.anchor_icount);
        u128::from(d) * u128::from(self.rate_fp) + u128::from(self.anchor_frac)
    }

    /// Move the anchor to `icount` (later than the anchor) without changing
    /// the time, keeping the fraction of a nanosecond.
    fn advance_anchor(&mut self, icount: u64) {
        let e = self.elapsed_fp(icount);
        self.anchor_ns = self.anchor_ns.wrapping_add((e >> RATE_SHIFT) as u64);
        self.anchor_frac = (e as u64) & ((1 << RATE_SHIFT) - 1);
        self.anchor_icount = icount;
    }

    /// Time-stamp counter at `icount` ([`TSC_HZ`] = one tick per ns).
    #[inline]
    pub fn tsc(&self, icount: u64) -> u64 {
        self.now_ns(icount)
    }

    /// Nanoseconds per instruction (16.16 fixed point) currently used.
    pub fn rate_fp(&self) -> u64 {
        self.rate_fp
    }

    /// Instructions that retire before guest time reaches `deadline_ns`
    /// from `icount` (at least 1; `u64::MAX` if the rate is zero).
    pub fn insns_until(&self, icount: u64, deadline_ns: u64) -> u64 {
        let now = self.now_ns(icount);
        if deadline_ns <= now {
            return 1;
        }
        let d = u128::from(deadline_ns - now) << RATE_SHIFT;
        let n = d.div_ceil(u128::from(self.rate_fp.max(1)));
        u64::try_from(n).unwrap_or(u64::MAX).max(1)
    }

    /// Re-anchor at `icount` without changing the time (keeps the affine
    /// map's products small over very long runs).
    pub fn reanchor(&mut self, icount: u64) {
        if icount > self.anchor_icount {
            self.advance_anchor(icount);
        }
    }

    /// The CPU is halted at `icount`: jump guest time forward to `ns`
    /// (deterministic mode's HLT skip). Earlier times are ignored.
    pub fn skip_to(&mut self, icount: u64, ns: u64) {
        self.reanchor(icount);
        if ns > self.anchor_ns {
            self.anchor_ns = ns;
            self.anchor_frac = 0;
        }
    }

    /// Real time: the host monotonic clock reads `host_ns` (nanoseconds
    /// since the machine started) at `icount`. Moves the anchor forward to
    /// the host time (never backwards) and refines the rate estimate.
    /// Ignored in deterministic mode.
    pub fn sync_host(&mut self, icount: u64, host_ns: u64) {
        if self.mode != ClockMode::RealTime {
            return;
        }
        let extrapolated = self.now_ns(icount);
        self.reanchor(icount);
        if host_ns > self.anchor_ns {
            self.anchor_ns = host_ns;
            self.anchor_frac = 0;
        }
        if extrapolated > host_ns.saturating_add(REALTIME_MAX_LEAD_NS) {
            // The rate overestimates the time an instruction takes now (it
            // was measured on slower code, e.g. port I/O): hold the clock
            // (it cannot go back) until the next measurement, which takes
            // the true rate at once.
            self.rate_fp = REALTIME_MIN_RATE_FP;
            self.window = Some((icount, host_ns));
            return;
        }
        match self.window {
            None => self.window = Some((icount, host_ns)),
            Some((i0, h0)) => {
                let (di, dh) = (icount.saturating_sub(i0), host_ns.saturating_sub(h0));
                if dh >= RATE_WINDOW_NS && di > 0 {
                    let sample = ((u128::from(dh) << RATE_SHIFT) / u128::from(di)) as u64;
                    // Exponential average (weight 1/4 for the new sample),
                    // but a sample off by more than 2× replaces the
                    // estimate: the guest's code changed character.
                    let r = if sample > self.rate_fp * 2 || sample * 2 < self.rate_fp {
                        sample
                    } else {
                        (self.rate_fp * 3 + sample) / 4
                    };
                    self.rate_fp = r.clamp(REALTIME_MIN_RATE_FP, REALTIME_MAX_RATE_FP);
                    self.window = Some((icount, host_ns));
                }
            }
        }
    }

    /// Real time: the host slept (the CPU was halted); the instructions
    /// since the last sync do not measure the CPU's speed. Call with the
    /// host time after the sleep.
    pub fn after_sleep(&mut self, icount: u64, host_ns: u64) {
        self.window = None;
        self.sync_host(icount, host_ns);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_time_is_one_ns_per_instruction() {
        let c = VirtualClock::new(ClockMode::Deterministic);
        for n in [0, 1, 1000, 1 << 40] {
            assert_eq!(c.now_ns(n), n * DETERMINISTIC_NS_PER_INSN);
            assert_eq!(c.tsc(n), c.now_ns(n));
        }
    }

    #[test]
    fn halt_skip_moves_time_forward_only() {
        let mut c = VirtualClock::default();
        c.skip_to(100, 5_000);
        assert_eq!(c.now_ns(100), 5_000);
        assert_eq!(c.now_ns(110), 5_010, "runs on from the skip");
        c.skip_to(110, 10);
        assert_eq!(c.now_ns(110), 5_010, "never backwards");
        // An icount before the anchor reads the anchor time.
        assert_eq!(c.now_ns(50), 5_010);
    }

    #[test]
    fn insns_until_rounds_up_and_is_at_least_one() {
        let mut c = VirtualClock::default();
        assert_eq!(c.insns_until(0, 1_000), 1_000);
        assert_eq!(c.insns_until(10, 5), 1);
        c.rate_fp = 3 << RATE_SHIFT;
        assert_eq!(c.insns_until(0, 10), 4, "ceil(10/3)");
    }

    #[test]
    fn reanchor_keeps_time() {
        let mut c = VirtualClock::default();
        c.skip_to(0, 77);
        c.reanchor(1_000);
        assert_eq!(c.now_ns(1_000), 1_077);
        assert_eq!(c.now_ns(1_500), 1_577);
    }

    #[test]
    fn deterministic_mode_ignores_the_host() {
        let mut c = VirtualClock::default();
        c.sync_host(10, 1_000_000_000);
        assert_eq!(c.now_ns(10), 10);
    }

    #[test]
    fn real_time_follows_the_host_and_never_goes_back() {
        let mut c = VirtualClock::new(ClockMode::RealTime);
        c.sync_host(0, 1_000);
        assert_eq!(c.now_ns(0), 1_000);
        // Extrapolated at 5 ns per instruction between syncs.
        assert_eq!(c.now_ns(100), 1_500);
        // The host is ahead: jump to it.
        c.sync_host(100, 9_000);
        assert_eq!(c.now_ns(100), 9_000);
        // The host is behind the extrapolation: hold, never go back.
        c.sync_host(2_000, 10_000);
        assert_eq!(c.now_ns(2_000), 9_000 + 1_900 * 5);
        let mut last = 0;
        for (i, h) in [(2_100, 11_000), (2_200, 30_000), (2_300, 30_100)] {
            c.sync_host(i, h);
            let t = c.now_ns(i);
            assert!(t >= last && t >= h);
            last = t;
        }
    }

    #[test]
    fn real_time_rate_converges_to_the_measured_speed() {
        let mut c = VirtualClock::new(ClockMode::RealTime);
        // The host runs 100 instructions per µs (10 ns each), in 10 ms steps.
        for k in 0..60u64 {
            c.sync_host(k * 1_000_000, k * 10_000_000);
        }
        let r = c.rate_fp() as f64 / f64::from(1 << RATE_SHIFT);
        assert!((r - 10.0).abs() < 0.2, "rate {r}");
        // A sleep does not count as slow instructions.
        c.after_sleep(60_000_000, 2_000_000_000);
        c.sync_host(61_000_000, 2_010_000_000);
        let r2 = c.rate_fp() as f64 / f64::from(1 << RATE_SHIFT);
        assert!((r2 - 10.0).abs() < 0.2, "rate after sleep {r2}");
    }

    #[test]
    fn time_keeps_moving_while_held_and_polled() {
        // Linux's acpi_pm check reads PM_TMR 10 000 times and gives up if
        // it never changes. In real time the machine syncs after every
        // port read (~15 instructions here); while the clock holds (rate
        // 0.05 ns per instruction) each sync used to drop the sub-ns part,
        // freezing guest time until the host caught up (milliseconds).
        let mut c = VirtualClock::new(ClockMode::RealTime);
        c.sync_host(0, 0);
        c.rate_fp = 1000 << RATE_SHIFT;
        c.sync_host(10_000, 100);
        assert_eq!(c.rate_fp(), REALTIME_MIN_RATE_FP, "the clock holds");
        let t0 = c.now_ns(10_000);
        let (mut i, mut h) = (10_000u64, 100u64);
        let mut last = t0;
        for _ in 0..10_000 {
            i += 15;
            h += 300;
            c.sync_host(i, h);
            let t = c.now_ns(i);
            assert!(t >= last, "never backwards");
            last = t;
        }
        // 150 000 instructions at 3276/65536 ns each.
        let expect = (150_000u64 * REALTIME_MIN_RATE_FP) >> RATE_SHIFT;
        assert!(h < t0, "still held: the host is behind");
        assert_eq!(last - t0, expect, "time advanced while polled");
        // A PM timer (3.579545 MHz) read in that loop changes.
        assert!(expect * 3_579_545 / 1_000_000_000 >= 20);
    }

    #[test]
    fn reanchoring_keeps_fractions_of_a_nanosecond() {
        for mode in [ClockMode::Deterministic, ClockMode::RealTime] {
            let mut c = VirtualClock::new(mode);
            c.rate_fp = (3 << RATE_SHIFT) / 7; // 0.43 ns per instruction
            for k in 1..=1_000u64 {
                c.reanchor(k * 2);
            }
            assert_eq!(c.now_ns(2_000), (2_000 * c.rate_fp) >> RATE_SHIFT);
            // A skip to a later time starts a whole nanosecond.
            c.skip_to(2_000, 10_000);
            assert_eq!(c.now_ns(2_000), 10_000);
            assert_eq!(c.now_ns(2_007), 10_000 + ((7 * c.rate_fp) >> RATE_SHIFT));
        }
    }

    #[test]
    fn real_time_lead_is_bounded_after_slow_code() {
        let mut c = VirtualClock::new(ClockMode::RealTime);
        // Port-heavy code: 1 µs per instruction for 50 ms of host time.
        let (mut i, mut h) = (0u64, 0u64);
        for _ in 0..10 {
            c.sync_host(i, h);
            i += 5_000;
            h += 5_000_000;
        }
        assert!(c.rate_fp() > 100 << RATE_SHIFT, "slow rate measured");
        // Then fast code: 5 ns per instruction, synced every 20 000
        // instructions (100 µs of host time) for 2 s.
        let mut worst = 0i64;
        for _ in 0..20_000 {
            i += 20_000;
            h += 100_000;
            c.sync_host(i, h);
            worst = worst.max(c.now_ns(i) as i64 - h as i64);
        }
        // Before the hold the lead grew to seconds; now it stays within
        // the allowed lead plus one sync interval at the old rate.
        assert!(worst < 30_000_000, "guest led the host by {worst} ns");
        let r = c.rate_fp() as f64 / f64::from(1 << RATE_SHIFT);
        assert!((r - 5.0).abs() < 0.5, "rate {r}");
        assert!(c.now_ns(i) >= h, "guest time keeps up with the host");
    }
}
