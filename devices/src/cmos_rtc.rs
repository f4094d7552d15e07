//! Motorola MC146818A real-time clock plus RAM (MC146818A datasheet:
//! "Address Map", "Time, Calendar, and Alarm Locations", "Register A–D",
//! "Update Cycle", "Interrupts"), the PC's CMOS at ports 0x70/0x71.
//!
//! Port 0x70 selects one of the 128 bytes (bits 6–0); on the PC its bit 7
//! is not part of the chip but the NMI mask (set = NMI disabled), exposed
//! as [`CmosRtc::nmi_masked`]. Port 0x71 reads and writes the selected byte.
//! Bytes 0–9 are the time, calendar and alarm registers, 10–13 registers
//! A–D, 14–127 battery-backed RAM (see [`CmosLayout`] for the BIOS fields).
//!
//! Time is injected, never read from the host: [`CmosRtc::new`] starts the
//! clock at a Unix time (the machine passes the host time, or a fixed epoch
//! in deterministic runs) and every access carries the virtual time in
//! nanoseconds. Internally time is counted in periods of the 32.768 kHz time
//! base, so periodic rates such as 1024 Hz (976 562.5 ns) are exact over any
//! run length: tick `t` happens at `ceil(t * 10^9 / 32768)` ns.
//!
//! What is modelled:
//! - time/calendar registers in BCD or binary (register B DM) and 12/24-hour
//!   mode (B 24/12, hours bit 7 = PM), incremented once per second in the
//!   mode they are stored in (like the chip, a mode change does not convert
//!   stored values);
//! - register A: UIP (high from 244 µs before the update cycle to its end,
//!   1984 µs later; the register change is modelled at the end), the divider
//!   bits DV2–0 (010 = 32.768 kHz time base running; 11x = divider reset,
//!   releasing it starts the first update 500 ms later; other values are
//!   treated as a stopped time base, since a PC has the 32.768 kHz crystal)
//!   and the rate select RS3–0 (the 32.768 kHz column of the datasheet's
//!   periodic-rate table);
//! - register B: SET (inhibits updates; going high clears UIE), PIE, AIE, UIE, SQWE,
//!   DM, 24/12 and DSE are stored; interrupts follow PIE/AIE/UIE; DSE applies
//!   the chip's (1980s US) daylight-saving rule: last Sunday in April
//!   1:59:59 AM → 3:00:00 AM, last Sunday in October 1:59:59 AM → 1:00:00 AM
//!   once;
//! - register C: IRQF = PF·PIE + AF·AIE + UF·UIE, PF/AF/UF flags set even
//!   when their interrupt is disabled, all cleared by a read of C;
//! - register D: VRT always 1 (the battery is good);
//! - alarm compare against seconds, minutes, hours with the "don't care"
//!   codes 0xC0–0xFF; update-ended interrupts once per second;
//! - the IRQ output as a level ([`CmosRtc::irq_level`], true = IRQ8
//!   asserted) and the next time it may rise ([`CmosRtc::next_event_ns`]);
//! - the RESET pin ([`CmosRtc::reset`]).
//!
//! Not modelled (documented simplifications):
//! - daylight saving is not applied on the whole days that a single very
//!   long [`CmosRtc::advance`] (over two days at once) skips in bulk;
//! - the square-wave output pin (SQWE only reads back; it is not connected
//!   on a PC);
//! - time registers reading "undefined" during the update cycle: the update
//!   is atomic, so reads are always coherent;
//! - the century byte 0x32 is plain RAM (as on the chip) and does not roll
//!   over when the year register wraps from 99 to 0.

mod calendar;
pub mod layout;

pub use calendar::{DateTime, HOURS_PM};
pub use layout::CmosLayout;

/// Index (address) port; bit 7 of a write is the PC's NMI mask.
pub const CMOS_INDEX_PORT: u16 = 0x70;
/// Data port.
pub const CMOS_DATA_PORT: u16 = 0x71;
/// Bit 7 of a write to port 0x70: NMI disabled.
pub const NMI_MASK_BIT: u8 = 0x80;
/// Bytes of CMOS address space (14 clock bytes + 114 bytes of RAM).
pub const CMOS_SIZE: usize = 128;

/// Seconds register.
pub const RTC_SECONDS: usize = 0x00;
/// Seconds alarm register.
pub const RTC_SECONDS_ALARM: usize = 0x01;
/// Minutes register.
pub const RTC_MINUTES: usize = 0x02;
/// Minutes alarm register.
pub const RTC_MINUTES_ALARM: usize = 0x03;
/// Hours register (bit 7 = PM in 12-hour mode).
pub const RTC_HOURS: usize = 0x04;
/// Hours alarm register.
pub const RTC_HOURS_ALARM: usize = 0x05;
/// Day of week (1–7, Sunday = 1).
pub const RTC_DAY_OF_WEEK: usize = 0x06;
/// Date of month (1–31).
pub const RTC_DATE_OF_MONTH: usize = 0x07;
/// Month (1–12).
pub const RTC_MONTH: usize = 0x08;
/// Year (0–99).
pub const RTC_YEAR: usize = 0x09;
/// Register A.
pub const RTC_REG_A: usize = 0x0A;
/// Register B.
pub const RTC_REG_B: usize = 0x0B;
/// Register C.
pub const RTC_REG_C: usize = 0x0C;
/// Register D.
pub const RTC_REG_D: usize = 0x0D;

/// Register A: update in progress (read-only).
pub const REG_A_UIP: u8 = 0x80;
/// Register A: divider control DV2–DV0.
pub const REG_A_DV_MASK: u8 = 0x70;
/// DV = 010: 32.768 kHz time base, normal operation.
pub const REG_A_DV_32KHZ: u8 = 0x20;
/// DV = 11x: divider chain held in reset.
pub const REG_A_DV_RESET: u8 = 0x60;
/// Register A: rate select RS3–RS0.
pub const REG_A_RS_MASK: u8 = 0x0F;

/// Register B: SET — inhibit updates.
pub const REG_B_SET: u8 = 0x80;
/// Register B: periodic interrupt enable.
pub const REG_B_PIE: u8 = 0x40;
/// Register B: alarm interrupt enable.
pub const REG_B_AIE: u8 = 0x20;
/// Register B: update-ended interrupt enable.
pub const REG_B_UIE: u8 = 0x10;
/// Register B: square-wave enable.
pub const REG_B_SQWE: u8 = 0x08;
/// Register B: data mode, 1 = binary, 0 = BCD.
pub const REG_B_DM_BINARY: u8 = 0x04;
/// Register B: 24/12, 1 = 24-hour mode.
pub const REG_B_24_HOUR: u8 = 0x02;
/// Register B: daylight-saving enable.
pub const REG_B_DSE: u8 = 0x01;

/// Register C: interrupt request flag.
pub const REG_C_IRQF: u8 = 0x80;
/// Register C: periodic interrupt flag.
pub const REG_C_PF: u8 = 0x40;
/// Register C: alarm interrupt flag.
pub const REG_C_AF: u8 = 0x20;
/// Register C: update-ended interrupt flag.
pub const REG_C_UF: u8 = 0x10;

/// Register D: valid RAM and time.
pub const REG_D_VRT: u8 = 0x80;

/// Alarm bytes 0xC0–0xFF match any value ("don't care").
pub const ALARM_DONT_CARE: u8 = 0xC0;

/// Power-on register A used by PC firmware: 32.768 kHz, 1024 Hz rate.
pub const REG_A_DEFAULT: u8 = REG_A_DV_32KHZ | 0x06;
/// Power-on register B used by PC firmware: BCD, 24-hour mode.
pub const REG_B_DEFAULT: u8 = REG_B_24_HOUR;

/// Time-base frequency in Hz.
pub const TIME_BASE_HZ: u64 = 32_768;
/// Ticks of the time base from the start of UIP to the end of the update:
/// 244 µs (8 ticks) before the cycle plus the 1984 µs (65 ticks) cycle.
const UIP_TICKS: u64 = 8 + 65;
/// Once a divider reset is released, the first update comes 500 ms later.
const FIRST_UPDATE_AFTER_RESET: u64 = TIME_BASE_HZ / 2;

const NS_PER_SEC: u128 = 1_000_000_000;

/// Time-base tick in progress at `ns`.
fn tick_at(ns: u64) -> u64 {
    (u128::from(ns) * u128::from(TIME_BASE_HZ) / NS_PER_SEC) as u64
}

/// First nanosecond at which tick `t` has happened.
fn ns_of_tick(t: u64) -> u64 {
    let ns = (u128::from(t) * NS_PER_SEC).div_ceil(u128::from(TIME_BASE_HZ));
    u64::try_from(ns).unwrap_or(u64::MAX)
}

/// Periodic interrupt period in time-base ticks for RS3–0 (datasheet
/// periodic-rate table, 32.768 kHz column), `None` for RS = 0.
pub fn periodic_period_ticks(rs: u8) -> Option<u64> {
    match rs & REG_A_RS_MASK {
        0 => None,
        1 => Some(128), // 256 Hz, as RS = 1000
        2 => Some(256), // 128 Hz, as RS = 1001
        r => Some(1 << (r - 1)),
    }
}

/// Snapshot of the RTC (plain data).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CmosRtcState {
    /// The 128 bytes; register A bit 7 and register C bit 7 as last computed.
    pub ram: [u8; CMOS_SIZE],
    /// Selected address (0–127).
    pub index: u8,
    /// NMI mask bit of the last write to port 0x70.
    pub nmi_masked: bool,
    /// Time-base tick up to which the clock has been advanced.
    pub last_tick: u64,
    /// Divider count at tick `t` is `t + divider_phase` (modulo one second).
    pub divider_phase: u64,
    /// The October daylight-saving step was taken today.
    pub dse_fall_back_done: bool,
}

/// The MC146818A RTC and CMOS RAM.
#[derive(Clone, Debug)]
pub struct CmosRtc {
    ram: [u8; CMOS_SIZE],
    index: u8,
    nmi_masked: bool,
    last_tick: u64,
    divider_phase: u64,
    dse_fall_back_done: bool,
}

impl CmosRtc {
    /// An RTC whose clock reads `unix_secs` (UTC) at virtual time `now_ns`;
    /// the first update follows one second later. Registers A and B hold
    /// the usual firmware values (32.768 kHz, 1024 Hz, BCD, 24-hour),
    /// byte 0x32 the century in BCD, the rest of the RAM zero.
    pub fn new(unix_secs: i64, now_ns: u64) -> Self {
        let mut ram = [0u8; CMOS_SIZE];
        ram[RTC_REG_A] = REG_A_DEFAULT;
        ram[RTC_REG_B] = REG_B_DEFAULT;
        ram[RTC_REG_D] = REG_D_VRT;
        let (dt, century) = DateTime::from_unix(unix_secs);
        dt.encode(&mut ram, REG_B_DEFAULT);
        ram[layout::CMOS_CENTURY] = calendar::to_bcd(century);
        let now = tick_at(now_ns);
        CmosRtc {
            ram,
            index: 0,
            nmi_masked: false,
            last_tick: now,
            divider_phase: (TIME_BASE_HZ - now % TIME_BASE_HZ) % TIME_BASE_HZ,
            dse_fall_back_done: false,
        }
    }

    /// Restores a snapshot.
    pub fn from_state(s: &CmosRtcState) -> Self {
        CmosRtc {
            ram: s.ram,
            index: s.index & 0x7F,
            nmi_masked: s.nmi_masked,
            last_tick: s.last_tick,
            divider_phase: s.divider_phase % TIME_BASE_HZ,
            dse_fall_back_done: s.dse_fall_back_done,
        }
    }

    /// Snapshot of the device.
    pub fn state(&self) -> CmosRtcState {
        CmosRtcState {
            ram: self.ram,
            index: self.index,
            nmi_masked: self.nmi_masked,
            last_tick: self.last_tick,
            divider_phase: self.divider_phase,
            dse_fall_back_done: self.dse_fall_back_done,
        }
    }

    /// The NMI mask (bit 7 of the last write to port 0x70): true = NMI off.
    pub fn nmi_masked(&self) -> bool {
        self.nmi_masked
    }

    /// The IRQ output (IRQ8 on a PC): true while register C's IRQF is set.
    pub fn irq_level(&self) -> bool {
        self.ram[RTC_REG_C] & REG_C_IRQF != 0
    }

    /// The CMOS bytes, without side effects (for firmware and debugging).
    pub fn ram(&self) -> &[u8; CMOS_SIZE] {
        &self.ram
    }

    /// Sets a RAM byte 14–127 from the host (firmware set-up); the clock
    /// registers 0–13 are only changed through the ports.
    pub fn set_ram_byte(&mut self, index: usize, value: u8) {
        if (RTC_REG_D + 1..CMOS_SIZE).contains(&index) {
            self.ram[index] = value;
        }
    }

    /// Writes the BIOS fields of `layout` (bytes 0x10–0x5D, incl. the
    /// checksum) into the RAM.
    pub fn apply_layout(&mut self, layout: &CmosLayout) {
        layout.write_to(&mut self.ram);
    }

    /// Reads port 0x70 or 0x71 at virtual time `now_ns`. The index
    /// register is write-only and reads as an open bus (0xFF), like any
    /// other port.
    pub fn read(&mut self, port: u16, now_ns: u64) -> u8 {
        if port != CMOS_DATA_PORT {
            return 0xFF;
        }
        self.advance(now_ns);
        let index = usize::from(self.index);
        match index {
            RTC_REG_A => {
                let uip = if self.update_in_progress() {
                    REG_A_UIP
                } else {
                    0
                };
                (self.ram[RTC_REG_A] & !REG_A_UIP) | uip
            }
            RTC_REG_C => {
                let v = self.ram[RTC_REG_C];
                self.ram[RTC_REG_C] = 0;
                v
            }
            RTC_REG_D => REG_D_VRT,
            _ => self.ram[index],
        }
    }

    /// Writes port 0x70 (index and NMI mask) or 0x71 (selected byte) at
    /// virtual time `now_ns`. Registers C and D are read-only, as is
    /// register A's UIP bit.
    pub fn write(&mut self, port: u16, value: u8, now_ns: u64) {
        match port {
            CMOS_INDEX_PORT => {
                self.index = value & 0x7F;
                self.nmi_masked = value & NMI_MASK_BIT != 0;
            }
            CMOS_DATA_PORT => {
                self.advance(now_ns);
                self.write_register(usize::from(self.index), value);
            }
            _ => {}
        }
    }

    fn write_register(&mut self, index: usize, value: u8) {
        match index {
            RTC_REG_A => {
                let was_running = self.running();
                self.ram[RTC_REG_A] = value & !REG_A_UIP;
                if !was_running && self.running() {
                    // Released from reset (or time base started): the first
                    // update comes 500 ms later.
                    let now = self.last_tick % TIME_BASE_HZ;
                    self.divider_phase =
                        (FIRST_UPDATE_AFTER_RESET + TIME_BASE_HZ - now) % TIME_BASE_HZ;
                }
            }
            RTC_REG_B => {
                let mut b = value;
                if b & REG_B_SET != 0 && !self.set_bit() {
                    // "The SET bit going high clears the UIE bit."
                    b &= !REG_B_UIE;
                }
                self.ram[RTC_REG_B] = b;
                self.update_irqf();
            }
            RTC_REG_C | RTC_REG_D => {}
            _ => self.ram[index] = value,
        }
    }

    /// The RESET pin: clears PIE, AIE, UIE, SQWE and the flags of register
    /// C (time, calendar, RAM and registers A, B's other bits are kept).
    pub fn reset(&mut self, now_ns: u64) {
        self.advance(now_ns);
        self.ram[RTC_REG_B] &= !(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE);
        self.ram[RTC_REG_C] = 0;
    }

    /// True while the 32.768 kHz divider chain runs (DV = 010).
    fn running(&self) -> bool {
        self.ram[RTC_REG_A] & REG_A_DV_MASK == REG_A_DV_32KHZ
    }

    fn set_bit(&self) -> bool {
        self.ram[RTC_REG_B] & REG_B_SET != 0
    }

    fn update_in_progress(&self) -> bool {
        self.running()
            && !self.set_bit()
            && (self.last_tick + self.divider_phase) % TIME_BASE_HZ >= TIME_BASE_HZ - UIP_TICKS
    }

    fn update_irqf(&mut self) {
        let b = self.ram[RTC_REG_B];
        let c = self.ram[RTC_REG_C];
        let pending = (c & REG_C_PF != 0 && b & REG_B_PIE != 0)
            || (c & REG_C_AF != 0 && b & REG_B_AIE != 0)
            || (c & REG_C_UF != 0 && b & REG_B_UIE != 0);
        self.ram[RTC_REG_C] = if pending {
            c | REG_C_IRQF
        } else {
            c & !REG_C_IRQF
        };
    }

    /// Brings the clock to virtual time `now_ns`: runs the periodic flag
    /// and the update cycles (with alarm compare) that happened since the
    /// last call. Time never runs backwards: an earlier `now_ns` is ignored.
    pub fn advance(&mut self, now_ns: u64) {
        let now = tick_at(now_ns);
        if now <= self.last_tick {
            return;
        }
        let (from, to) = (
            self.last_tick + self.divider_phase,
            now + self.divider_phase,
        );
        self.last_tick = now;
        if !self.running() {
            return;
        }
        if let Some(p) = periodic_period_ticks(self.ram[RTC_REG_A]) {
            if to / p > from / p {
                self.ram[RTC_REG_C] |= REG_C_PF;
            }
        }
        let updates = to / TIME_BASE_HZ - from / TIME_BASE_HZ;
        if updates > 0 && !self.set_bit() {
            self.run_updates(updates);
        }
        self.update_irqf();
    }

    /// `n` update cycles: the time advances `n` seconds, UF is set, and AF
    /// if any of the new times matched the alarm.
    fn run_updates(&mut self, n: u64) {
        let b = self.ram[RTC_REG_B];
        let mut dt = DateTime::decode(&self.ram, b);
        let mut remaining = n;
        // Whole days beyond the last one cannot change the alarm outcome
        // (the last 86 400 updates see every time of day): skip them by days.
        while remaining > 2 * 86_400 {
            dt.next_day();
            remaining -= 86_400;
        }
        let alarm = [
            self.ram[RTC_SECONDS_ALARM],
            self.ram[RTC_MINUTES_ALARM],
            self.ram[RTC_HOURS_ALARM],
        ];
        let mut alarm_hit = false;
        let dse = b & REG_B_DSE != 0;
        for _ in 0..remaining {
            dt.tick_second();
            if dse {
                dt.daylight_saving(&mut self.dse_fall_back_done);
            }
            if !alarm_hit {
                let now = dt.encode_hms(b);
                alarm_hit = alarm
                    .iter()
                    .zip(now)
                    .all(|(&a, t)| a >= ALARM_DONT_CARE || a == t);
            }
        }
        dt.encode(&mut self.ram, b);
        self.ram[RTC_REG_C] |= REG_C_UF | if alarm_hit { REG_C_AF } else { 0 };
    }

    /// Virtual time of the next event that may raise the IRQ output, or
    /// `None` if none is scheduled (divider stopped or no interrupt
    /// enabled). With AIE this is the next update cycle, at which the alarm
    /// is compared (possibly earlier than the alarm itself).
    pub fn next_event_ns(&self) -> Option<u64> {
        if !self.running() {
            return None;
        }
        let b = self.ram[RTC_REG_B];
        let at = self.last_tick + self.divider_phase;
        let next_multiple = |p: u64| (at / p + 1) * p - self.divider_phase;
        let periodic = periodic_period_ticks(self.ram[RTC_REG_A])
            .filter(|_| b & REG_B_PIE != 0)
            .map(next_multiple);
        let update = (b & (REG_B_AIE | REG_B_UIE) != 0 && b & REG_B_SET == 0)
            .then(|| next_multiple(TIME_BASE_HZ));
        [periodic, update]
            .into_iter()
            .flatten()
            .min()
            .map(ns_of_tick)
    }
}

#[cfg(test)]
mod tests;
