//! Intel 8254 Programmable Interval Timer (Intel 8254 datasheet, order
//! number 231164: "Control Word Format", "Read Operations" — counter latch
//! and read-back commands, "Mode Definitions" 0–5, "Gate Pin Operations
//! Summary"), with the PC's system control port B (port 0x61) that carries
//! counter 2's gate and the speaker data bit.
//!
//! On a PC the three counters run from one 1.193182 MHz clock: counter 0's
//! OUT is IRQ0, counter 1 drove DRAM refresh, counter 2 drives the speaker
//! (its gate is port 0x61 bit 0). Gates 0 and 1 are tied high.
//!
//! Time is injected: the owner passes virtual time in nanoseconds
//! ([`Pit8254::advance`], and with every port access). CLK pulse *k*
//! happens at `k * 10^9 / PIT_CLOCK_HZ` ns after time 0; the counters are
//! advanced arithmetically, event to event, never pulse by pulse. The
//! device never reads the host clock and raises no callbacks: the owner
//! polls [`Pit8254::take_irq0_edges`] (rising edges of OUT0 since the last
//! poll) and sleeps until [`Pit8254::next_irq0_ns`].
//!
//! What is modelled: all six modes in binary and BCD; LSB, MSB and LSB/MSB
//! access; the counter latch command; the read-back command (count and
//! status, with OUTPUT and NULL COUNT); gate levels and edges; initial
//! count 0 = 65536 (10000 in BCD); port 0x61 bits 0–5.
//!
//! Edges: every low-to-high transition of OUT0 counts as an IRQ0 edge,
//! including the one a control word causes when it sets OUT high (modes
//! 1–5 after power-on or mode 0), as the pin really rises then. In
//! LSB-then-MSB access the first byte is held aside and CR (and NULL COUNT)
//! change only when the second byte completes the count.
//!
//! Simplifications: the power-on state (undefined on the chip) is mode 0,
//! binary, no count, OUT low. Counts of 1 in mode 2 and mode 3 (illegal on
//! the chip) give a constant OUT (low in mode 2, high in mode 3). A control
//! word also discards unread latched count and status. Port 0x61 bits 6–7
//! (parity / I/O channel check) always read 0. On the machine's I/O bus
//! (`io_bus`) OUT0 drives IRQ0 and every access carries the virtual time.

mod counter;

pub use counter::{Access, CounterState, STATUS_NULL_COUNT, STATUS_OUTPUT};

/// Input clock of the PC's 8254 (14.31818 MHz / 12), in Hz.
pub const PIT_CLOCK_HZ: u64 = 1_193_182;
/// Port of counter 0 (IRQ0).
pub const PORT_COUNTER0: u16 = 0x40;
/// Port of counter 1 (DRAM refresh).
pub const PORT_COUNTER1: u16 = 0x41;
/// Port of counter 2 (speaker).
pub const PORT_COUNTER2: u16 = 0x42;
/// Control word register (write only; reads as 0xFF).
pub const PORT_CONTROL: u16 = 0x43;
/// PC system control port B.
pub const PORT_SYSTEM_CONTROL_B: u16 = 0x61;

/// Control word SC1 SC0 = 11: read-back command.
pub const CW_SELECT_READ_BACK: u8 = 0xC0;
/// Control word RW1 RW0 = 00: counter latch command.
pub const CW_RW_LATCH: u8 = 0x00;
/// Read-back bit 5: /COUNT (0 = latch the count of the selected counters).
pub const RB_NOT_COUNT: u8 = 0x20;
/// Read-back bit 4: /STATUS (0 = latch the status of the selected counters).
pub const RB_NOT_STATUS: u8 = 0x10;

/// Port 0x61 bit 0: counter 2 GATE.
pub const P61_TIMER2_GATE: u8 = 0x01;
/// Port 0x61 bit 1: speaker data (enables OUT2 to the speaker).
pub const P61_SPEAKER_DATA: u8 = 0x02;
/// Port 0x61 bits 2–3: parity / I/O channel check enables (read back only).
pub const P61_CHECK_ENABLES: u8 = 0x0C;
/// Port 0x61 bit 4: refresh request, toggling with every refresh cycle.
pub const P61_REFRESH_TOGGLE: u8 = 0x10;
/// Port 0x61 bit 5: counter 2 OUT.
pub const P61_TIMER2_OUT: u8 = 0x20;
/// Port 0x61 bits a write may change.
const P61_WRITABLE: u8 = P61_TIMER2_GATE | P61_SPEAKER_DATA | P61_CHECK_ENABLES;
/// PC refresh period in PIT clocks (the BIOS programs counter 1 with 18,
/// 15.085 µs); port 0x61 bit 4 toggles once per period. It is derived from
/// time, independent of how the guest programs counter 1.
pub const REFRESH_PERIOD_CLOCKS: u64 = 18;

/// Complete device state (plain data: it is the snapshot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pit8254State {
    /// The three counters.
    pub counters: [CounterState; 3],
    /// CLK pulses elapsed up to the last advance.
    pub clocks: u64,
    /// Port 0x61 writable bits (gate 2, speaker data, check enables).
    pub port61: u8,
}

/// The 8254 with port 0x61.
#[derive(Clone, Debug)]
pub struct Pit8254 {
    s: Pit8254State,
}

impl Default for Pit8254 {
    fn default() -> Self {
        Self::new()
    }
}

/// CLK pulses that have happened at or before `ns`.
pub fn clocks_at(ns: u64) -> u64 {
    (u128::from(ns) * u128::from(PIT_CLOCK_HZ) / 1_000_000_000) as u64
}

/// The first whole nanosecond at or after CLK pulse `clock`.
pub fn ns_of_clock(clock: u64) -> u64 {
    let ns = (u128::from(clock) * 1_000_000_000).div_ceil(u128::from(PIT_CLOCK_HZ));
    u64::try_from(ns).unwrap_or(u64::MAX)
}

impl Pit8254 {
    /// Power-on state at virtual time 0 (gates 0 and 1 high, gate 2 low).
    pub fn new() -> Self {
        Self {
            s: Pit8254State {
                counters: [
                    CounterState::power_on(true),
                    CounterState::power_on(true),
                    CounterState::power_on(false),
                ],
                clocks: 0,
                port61: 0,
            },
        }
    }

    /// Restore from a snapshot.
    pub fn from_state(s: &Pit8254State) -> Self {
        Self { s: *s }
    }

    /// Snapshot.
    pub fn state(&self) -> Pit8254State {
        self.s
    }

    /// Bring the counters to virtual time `now_ns`. Time going backwards is
    /// ignored.
    pub fn advance(&mut self, now_ns: u64) {
        let target = clocks_at(now_ns);
        if target <= self.s.clocks {
            return;
        }
        let n = target - self.s.clocks;
        for c in &mut self.s.counters {
            c.run(n);
        }
        self.s.clocks = target;
    }

    /// Port read at `now_ns` (0x40–0x43, 0x61; other ports read 0xFF).
    pub fn read(&mut self, port: u16, now_ns: u64) -> u8 {
        self.advance(now_ns);
        match port {
            PORT_COUNTER0..=PORT_COUNTER2 => {
                self.s.counters[usize::from(port - PORT_COUNTER0)].read()
            }
            PORT_SYSTEM_CONTROL_B => {
                let mut v = self.s.port61 & P61_WRITABLE;
                if (self.s.clocks / REFRESH_PERIOD_CLOCKS) & 1 == 1 {
                    v |= P61_REFRESH_TOGGLE;
                }
                if self.s.counters[2].out {
                    v |= P61_TIMER2_OUT;
                }
                v
            }
            // The control word register cannot be read (the chip leaves the
            // bus floating).
            _ => 0xFF,
        }
    }

    /// Port write at `now_ns` (0x40–0x43, 0x61; other ports are ignored).
    pub fn write(&mut self, port: u16, value: u8, now_ns: u64) {
        self.advance(now_ns);
        match port {
            PORT_COUNTER0..=PORT_COUNTER2 => {
                self.s.counters[usize::from(port - PORT_COUNTER0)].write(value)
            }
            PORT_CONTROL => self.write_control(value),
            PORT_SYSTEM_CONTROL_B => {
                self.s.port61 = value & P61_WRITABLE;
                self.s.counters[2].set_gate(value & P61_TIMER2_GATE != 0);
            }
            _ => {}
        }
    }

    fn write_control(&mut self, value: u8) {
        if value & CW_SELECT_READ_BACK == CW_SELECT_READ_BACK {
            for (i, c) in self.s.counters.iter_mut().enumerate() {
                if value & (2 << i) == 0 {
                    continue;
                }
                if value & RB_NOT_COUNT == 0 {
                    c.latch_count();
                }
                if value & RB_NOT_STATUS == 0 {
                    c.latch_status();
                }
            }
            return;
        }
        let c = &mut self.s.counters[usize::from(value >> 6)];
        if value & 0x30 == CW_RW_LATCH {
            c.latch_count();
        } else {
            c.write_control(value);
        }
    }

    /// Set a counter's GATE input at `now_ns` (counter 2's gate is also
    /// driven by port 0x61 bit 0). Counters above 2 are ignored.
    pub fn set_gate(&mut self, counter: usize, level: bool, now_ns: u64) {
        self.advance(now_ns);
        if let Some(c) = self.s.counters.get_mut(counter) {
            c.set_gate(level);
        }
    }

    /// Level of a counter's OUT pin (as of the last advance).
    pub fn out(&self, counter: usize) -> bool {
        self.s.counters.get(counter).is_some_and(|c| c.out)
    }

    /// IRQ0 level (OUT0).
    pub fn irq0_level(&self) -> bool {
        self.s.counters[0].out
    }

    /// Rising edges of OUT0 (IRQ0) since the last call.
    pub fn take_irq0_edges(&mut self) -> u64 {
        std::mem::take(&mut self.s.counters[0].rising_edges)
    }

    /// Speaker input: OUT2 gated by the speaker data bit.
    pub fn speaker(&self) -> bool {
        self.s.counters[2].out && self.s.port61 & P61_SPEAKER_DATA != 0
    }

    /// Virtual time of the next rising edge of OUT0 after the last advance,
    /// or `None` if none will come without further port writes or gate
    /// changes.
    pub fn next_irq0_ns(&self) -> Option<u64> {
        let mut c = self.s.counters[0];
        c.rising_edges = 0;
        let mut clocks = self.s.clocks;
        // Every mode reaches a rising edge within four events if it reaches
        // one at all (load, half/period ends, strobe end).
        for _ in 0..8 {
            let d = c.clocks_to_event()?;
            c.count_down(d - 1);
            c.clock_event();
            clocks = clocks.saturating_add(d);
            if c.rising_edges > 0 {
                return Some(ns_of_clock(clocks));
            }
        }
        None
    }

    /// Alias of [`Self::next_irq0_ns`] for schedulers.
    pub fn next_event_ns(&self) -> Option<u64> {
        self.next_irq0_ns()
    }
}

#[cfg(test)]
mod tests;
