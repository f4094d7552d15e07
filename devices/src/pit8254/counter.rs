//! One 8254 counter (Intel 8254 datasheet, "Operation" and "Mode
//! Definitions", modes 0–5, and Figure 24 "Gate Pin Operations Summary").
//!
//! The counter is advanced by a number of CLK pulses at once: it computes the
//! number of pulses to its next *event* (a CR→CE load, terminal count, an OUT
//! transition, a reload) and jumps there arithmetically; in the periodic
//! modes 2 and 3 whole periods are skipped with one division. So the cost of
//! an advance does not depend on the elapsed time.
//!
//! Internally the count element (CE) is a binary number `0..modulus`
//! (`modulus` = 65536 in binary counting, 10000 in BCD), converted to BCD
//! digits only when read; an initial count of 0 means `modulus`.

/// Status byte bit 7: the current level of the OUT pin.
pub const STATUS_OUTPUT: u8 = 0x80;
/// Status byte bit 6: NULL COUNT — the last count written to CR has not been
/// transferred to CE yet.
pub const STATUS_NULL_COUNT: u8 = 0x40;

/// Read/write access of a counter (control word bits RW1, RW0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// RW = 01: least significant byte only (MSB of the count is 0).
    Lsb,
    /// RW = 10: most significant byte only (LSB of the count is 0).
    Msb,
    /// RW = 11: least significant byte first, then most significant byte.
    LsbMsb,
}

/// The complete state of one counter (plain data, so it doubles as the
/// snapshot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CounterState {
    /// Control word bits 5–0 as last written (RW1 RW0 M2 M1 M0 BCD); read
    /// back in the status byte.
    pub control: u8,
    /// Count register: the initial count as written (BCD-coded in BCD mode).
    pub cr: u16,
    /// A complete count has been written to CR since the control word.
    pub cr_valid: bool,
    /// LSB/MSB access: the next count write is the MSB.
    pub write_msb_next: bool,
    /// LSB/MSB access: the LSB written, held until the MSB completes the
    /// count (CR changes only with a complete count).
    pub written_lsb: u8,
    /// LSB/MSB access: the next read (of CE or the output latch) is the MSB.
    pub read_msb_next: bool,
    /// NULL COUNT status bit.
    pub null_count: bool,
    /// Output latch (counter latch command or read-back), while latched.
    pub latched_count: Option<u16>,
    /// Status latch (read-back command), while latched.
    pub latched_status: Option<u8>,
    /// Count element, binary, `0..modulus`.
    pub ce: u32,
    /// The initial count (1..=modulus) last transferred from CR to CE.
    pub loaded: u32,
    /// Mode 3: CLK pulses left in the current half period.
    pub remaining: u32,
    /// CR→CE transfer on the next CLK pulse (count written, or a gate
    /// trigger in modes 1, 2, 3, 5).
    pub load_pending: bool,
    /// CE holds a loaded count (false after a control word until the first
    /// load, and in mode 0 between the two bytes of a count).
    pub enabled: bool,
    /// Modes 0, 1, 4, 5: terminal count (and its OUT effect) still ahead.
    pub armed: bool,
    /// Level of the OUT pin.
    pub out: bool,
    /// Level of the GATE input.
    pub gate: bool,
    /// Rising edges of OUT since the owner last took them.
    pub rising_edges: u64,
}

impl CounterState {
    /// Power-on state. The datasheet leaves it undefined; ox86 picks mode 0,
    /// binary, LSB-then-MSB access, no count, OUT low.
    pub fn power_on(gate: bool) -> Self {
        Self {
            control: 0x30,
            cr: 0,
            cr_valid: false,
            write_msb_next: false,
            written_lsb: 0,
            read_msb_next: false,
            null_count: false,
            latched_count: None,
            latched_status: None,
            ce: 0,
            loaded: 0x1_0000,
            remaining: 0,
            load_pending: false,
            enabled: false,
            armed: false,
            out: false,
            gate,
            rising_edges: 0,
        }
    }

    /// Counting mode 0–5 (modes 6 and 7 are modes 2 and 3: M2 is "don't
    /// care" when M1 is set).
    pub fn mode(&self) -> u8 {
        let m = (self.control >> 1) & 7;
        if m & 2 != 0 {
            m & 3
        } else {
            m
        }
    }

    fn bcd(&self) -> bool {
        self.control & 1 != 0
    }

    /// Programmed access mode.
    pub fn access(&self) -> Access {
        match (self.control >> 4) & 3 {
            1 => Access::Lsb,
            2 => Access::Msb,
            _ => Access::LsbMsb,
        }
    }

    fn modulus(&self) -> u32 {
        if self.bcd() {
            10_000
        } else {
            0x1_0000
        }
    }

    /// CR as a binary initial count in `1..=modulus`. BCD digits above 9
    /// (undefined on the chip) are taken at face value, reduced mod 10000.
    fn initial_count(&self) -> u32 {
        let cr = u32::from(self.cr);
        let v = if self.bcd() {
            ((cr >> 12) & 0xF) * 1000
                + ((cr >> 8) & 0xF) * 100
                + ((cr >> 4) & 0xF) * 10
                + (cr & 0xF)
        } else {
            cr
        };
        match v % self.modulus() {
            0 => self.modulus(),
            v => v,
        }
    }

    /// The value of CE as the chip would latch it (BCD-coded in BCD mode).
    pub fn ce_value(&self) -> u16 {
        let m = self.modulus();
        let v = if self.mode() == 3 && self.enabled {
            // Mode 3 counts down by two; odd counts spend one extra clock
            // at 0 in the high half (datasheet, mode 3 "odd counts").
            let r = if self.loaded & 1 == 1 && self.out {
                self.remaining.saturating_sub(1)
            } else {
                self.remaining
            };
            (2 * r) % m
        } else {
            self.ce % m
        };
        if self.bcd() {
            let v = v as u16;
            (v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | (v % 10)
        } else {
            v as u16
        }
    }

    /// The status byte (read-back command).
    pub fn status(&self) -> u8 {
        let mut s = self.control & 0x3F;
        if self.out {
            s |= STATUS_OUTPUT;
        }
        if self.null_count {
            s |= STATUS_NULL_COUNT;
        }
        s
    }

    fn set_out(&mut self, level: bool) {
        if level && !self.out {
            self.rising_edges = self.rising_edges.saturating_add(1);
        }
        self.out = level;
    }

    /// Control word with RW ≠ 00: sets the mode and resets the counter
    /// logic; OUT takes its initial level (low in mode 0, high otherwise).
    pub fn write_control(&mut self, control: u8) {
        self.control = control & 0x3F;
        self.cr_valid = false;
        self.write_msb_next = false;
        self.read_msb_next = false;
        self.latched_count = None;
        self.latched_status = None;
        self.null_count = true;
        self.load_pending = false;
        self.enabled = false;
        self.armed = false;
        let level = self.mode() != 0;
        self.set_out(level);
    }

    /// Counter latch command: latch CE unless a latched count is still
    /// unread (a second latch is ignored).
    pub fn latch_count(&mut self) {
        if self.latched_count.is_none() {
            self.latched_count = Some(self.ce_value());
        }
    }

    /// Read-back status latch, ignored while a latched status is unread.
    pub fn latch_status(&mut self) {
        if self.latched_status.is_none() {
            self.latched_status = Some(self.status());
        }
    }

    /// A read of the counter's port: latched status first, then the latched
    /// count, else CE live, in the programmed byte order.
    pub fn read(&mut self) -> u8 {
        if let Some(s) = self.latched_status.take() {
            return s;
        }
        let (value, latched) = match self.latched_count {
            Some(v) => (v, true),
            None => (self.ce_value(), false),
        };
        let (byte, done) = match self.access() {
            Access::Lsb => (value as u8, true),
            Access::Msb => ((value >> 8) as u8, true),
            Access::LsbMsb => {
                let msb = self.read_msb_next;
                self.read_msb_next = !msb;
                if msb {
                    ((value >> 8) as u8, true)
                } else {
                    (value as u8, false)
                }
            }
        };
        if latched && done {
            self.latched_count = None;
        }
        byte
    }

    /// A write of the counter's port (a count byte).
    pub fn write(&mut self, value: u8) {
        let v = u16::from(value);
        match self.access() {
            Access::Lsb => self.cr = v,
            Access::Msb => self.cr = v << 8,
            Access::LsbMsb => {
                if !self.write_msb_next {
                    self.write_msb_next = true;
                    self.written_lsb = value;
                    if self.mode() == 0 {
                        // "Writing the first byte disables counting. OUT is
                        // set low immediately."
                        self.enabled = false;
                        self.load_pending = false;
                        self.out = false;
                    }
                    return;
                }
                self.write_msb_next = false;
                self.cr = u16::from_le_bytes([self.written_lsb, value]);
            }
        }
        self.count_written();
    }

    fn count_written(&mut self) {
        self.cr_valid = true;
        self.null_count = true;
        match self.mode() {
            0 => {
                self.out = false;
                self.load_pending = true;
            }
            4 => self.load_pending = true,
            // A new count does not disturb the current period / half period.
            2 | 3 => self.load_pending |= !self.enabled,
            // Modes 1 and 5 wait for a gate trigger.
            _ => {}
        }
    }

    /// Set the GATE input level.
    pub fn set_gate(&mut self, level: bool) {
        let rising = level && !self.gate;
        self.gate = level;
        match self.mode() {
            1 | 5 if rising && self.cr_valid => self.load_pending = true,
            2 | 3 => {
                if !level {
                    // Gate low: counting stops, OUT is forced high at once.
                    self.set_out(true);
                } else if rising && self.cr_valid {
                    self.load_pending = true;
                }
            }
            _ => {}
        }
    }

    /// CE decrements on CLK pulses (modes 0, 2, 3, 4 need GATE high).
    fn counting(&self) -> bool {
        self.enabled && (self.gate || matches!(self.mode(), 1 | 5))
    }

    /// CLK pulses until the next event (the event happens on that pulse), or
    /// `None` when nothing but plain decrementing lies ahead.
    pub fn clocks_to_event(&self) -> Option<u64> {
        if self.load_pending {
            return Some(1);
        }
        if !self.counting() {
            return None;
        }
        let m = self.modulus();
        let to_zero = u64::from(if self.ce == 0 { m } else { self.ce });
        match self.mode() {
            0 | 1 if self.armed => Some(to_zero),
            4 | 5 if self.armed => Some(if self.out { to_zero } else { 1 }),
            2 => Some(if self.out {
                u64::from((self.ce + m - 1) % m).max(1)
            } else {
                1
            }),
            3 => Some(u64::from(self.remaining.max(1))),
            _ => None,
        }
    }

    /// `k` plain CLK pulses; `k` is smaller than [`Self::clocks_to_event`].
    pub fn count_down(&mut self, k: u64) {
        if k == 0 || !self.counting() {
            return;
        }
        if self.mode() == 3 {
            self.remaining = self.remaining.saturating_sub(k as u32);
        } else {
            let m = u64::from(self.modulus());
            self.ce = ((u64::from(self.ce) + m - k % m) % m) as u32;
        }
    }

    fn decrement(&mut self) {
        let m = self.modulus();
        self.ce = (self.ce + m - 1) % m;
    }

    /// Transfer CR to CE (clears NULL COUNT).
    fn transfer(&mut self) {
        self.loaded = self.initial_count();
        self.null_count = false;
        self.ce = self.loaded % self.modulus();
    }

    /// Mode 3: start a half period at `level`. Even counts: N/2 clocks each;
    /// odd counts: (N+1)/2 high, (N-1)/2 low. A zero-length low half (N = 1,
    /// illegal on the chip) is skipped, leaving OUT high.
    fn start_half(&mut self, level: bool) {
        let n = self.loaded;
        let level = level || n / 2 == 0;
        self.remaining = if level { n.div_ceil(2) } else { n / 2 };
        self.set_out(level);
    }

    /// The CLK pulse on which the event found by [`Self::clocks_to_event`]
    /// happens.
    pub fn clock_event(&mut self) {
        if self.load_pending {
            self.load_pending = false;
            self.enabled = true;
            self.transfer();
            match self.mode() {
                0 => self.armed = true,
                // A load during the one-clock strobe ends it: OUT is high
                // again on this pulse, and the new count is armed.
                4 | 5 => {
                    self.armed = true;
                    self.set_out(true);
                }
                1 => {
                    self.armed = true;
                    self.out = false;
                }
                // Mode 2 with a count of 1 (illegal on the chip) keeps OUT low.
                2 => self.set_out(self.loaded != 1),
                _ => self.start_half(true),
            }
            return;
        }
        match self.mode() {
            0 | 1 => {
                self.decrement();
                if self.ce == 0 {
                    self.set_out(true);
                    self.armed = false;
                }
            }
            4 | 5 => {
                self.decrement();
                if self.out {
                    if self.ce == 0 {
                        self.out = false;
                    }
                } else {
                    self.set_out(true);
                    self.armed = false;
                }
            }
            2 => {
                if self.out && self.ce != 1 {
                    self.decrement();
                    if self.ce == 1 {
                        self.out = false;
                    }
                } else {
                    self.transfer();
                    self.set_out(self.loaded != 1);
                }
            }
            _ => {
                self.loaded = self.initial_count();
                self.null_count = false;
                self.start_half(!self.out);
            }
        }
    }

    /// Advance by `n` CLK pulses.
    pub fn run(&mut self, mut n: u64) {
        while n > 0 {
            let Some(d) = self.clocks_to_event().filter(|&d| d <= n) else {
                self.count_down(n);
                return;
            };
            self.count_down(d - 1);
            self.clock_event();
            n -= d;
            // Steady state of a periodic mode, at the start of a period
            // (OUT just rose): skip whole periods at once.
            let mode = self.mode();
            let at_period_start = match mode {
                2 => (self.out || self.loaded == 1) && self.ce == self.loaded % self.modulus(),
                3 => self.out && self.remaining == self.loaded.div_ceil(2),
                _ => false,
            };
            if at_period_start && !self.null_count && !self.load_pending && self.gate {
                let period = u64::from(self.loaded);
                let k = n / period;
                n -= k * period;
                if self.loaded > 1 {
                    self.rising_edges = self.rising_edges.saturating_add(k);
                }
            }
        }
    }
}
