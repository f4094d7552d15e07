//! The window title: guest state, speed and the pointer hint, e.g.
//! `ox86 — running — 142 MIPS — Ctrl+Alt+G releases pointer`.

use std::time::{Duration, Instant};

/// What the guest is doing, as the title shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    Running,
    /// The CPU halted for good; the window stays until closed.
    Halted,
    PoweredOff,
    /// The run ended another way (exit port, limit, fault).
    Stopped,
}

impl RunState {
    fn word(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Halted => "halted",
            RunState::PoweredOff => "powered off",
            RunState::Stopped => "stopped",
        }
    }

    /// The state as a small number (for an atomic).
    pub fn to_u8(self) -> u8 {
        self as u8
    }

    /// The state from [`RunState::to_u8`].
    pub fn from_u8(v: u8) -> Self {
        match v {
            1 => RunState::Halted,
            2 => RunState::PoweredOff,
            3 => RunState::Stopped,
            _ => RunState::Running,
        }
    }
}

/// The title text. `mips` is shown while running.
pub fn title(state: RunState, mips: Option<f64>, grabbed: bool) -> String {
    let mut t = format!("ox86 — {}", state.word());
    if let (RunState::Running, Some(m)) = (state, mips) {
        if m >= 10.0 {
            t.push_str(&format!(" — {m:.0} MIPS"));
        } else {
            t.push_str(&format!(" — {m:.1} MIPS"));
        }
    }
    if grabbed {
        t.push_str(" — Ctrl+Alt+G releases pointer");
    }
    t
}

/// Guest speed from the retired-instruction count, averaged over about
/// half a second.
#[derive(Clone, Debug)]
pub struct Speed {
    at: Instant,
    icount: u64,
    mips: Option<f64>,
}

/// Shortest interval the speed is averaged over.
const SPEED_INTERVAL: Duration = Duration::from_millis(500);

impl Speed {
    /// Start measuring at `icount`.
    pub fn new(now: Instant, icount: u64) -> Self {
        Speed {
            at: now,
            icount,
            mips: None,
        }
    }

    /// Take a sample; returns true when the value changed.
    pub fn sample(&mut self, now: Instant, icount: u64) -> bool {
        let dt = now.saturating_duration_since(self.at);
        if dt < SPEED_INTERVAL {
            return false;
        }
        let n = icount.saturating_sub(self.icount);
        self.mips = Some(n as f64 / dt.as_secs_f64() / 1e6);
        self.at = now;
        self.icount = icount;
        true
    }

    /// Million instructions per second over the last interval.
    pub fn mips(&self) -> Option<f64> {
        self.mips
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        let cases = [
            (
                RunState::Running,
                Some(142.4),
                false,
                "ox86 — running — 142 MIPS",
            ),
            (
                RunState::Running,
                Some(3.25),
                true,
                "ox86 — running — 3.2 MIPS — Ctrl+Alt+G releases pointer",
            ),
            (RunState::Running, None, false, "ox86 — running"),
            (RunState::Halted, Some(5.0), false, "ox86 — halted"),
            (
                RunState::PoweredOff,
                None,
                true,
                "ox86 — powered off — Ctrl+Alt+G releases pointer",
            ),
        ];
        for (state, mips, grabbed, want) in cases {
            assert_eq!(title(state, mips, grabbed), want);
        }
        for s in [
            RunState::Running,
            RunState::Halted,
            RunState::PoweredOff,
            RunState::Stopped,
        ] {
            assert_eq!(RunState::from_u8(s.to_u8()), s);
        }
    }

    #[test]
    fn speed_averages_over_half_a_second() {
        let t0 = Instant::now();
        let mut s = Speed::new(t0, 1000);
        assert!(!s.sample(t0 + Duration::from_millis(100), 50_000_000));
        assert_eq!(s.mips(), None);
        assert!(s.sample(t0 + Duration::from_secs(1), 100_001_000));
        assert!((s.mips().unwrap() - 100.0).abs() < 1e-6);
    }
}
