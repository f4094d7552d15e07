//! The ACPI fixed-hardware register block of the PIIX4 power-management
//! function (Intel 82371AB PIIX4 datasheet §7.2 "Power Management I/O
//! Space Registers"; ACPI 6.4 §4.8.3 "Fixed Hardware Registers").
//!
//! Offsets from PMBASE (a 64-byte I/O block):
//! - 00h PM1_STS (PMSTS) and 02h PM1_EN (PMEN), the PM1a event block:
//!   TMR_STS/TMR_EN, BM_STS, GBL_STS/GBL_EN, PWRBTN_STS/PWRBTN_EN,
//!   RTC_STS/RTC_EN, WAK_STS. Status bits are write-1-to-clear.
//! - 04h PM1_CNT (PMCNTRL), the PM1a control block: SCI_EN, BM_RLD,
//!   GBL_RLS (write-only), SLP_TYP (bits 12–10), SLP_EN (write-only). SLP_EN
//!   written with SLP_TYP = [`SLP_TYP_SOFT_OFF`] (PIIX4 SUS_TYP 000b,
//!   "soft off") requests power-off (S5). Other sleep types are not
//!   modelled: the write is ignored and logged.
//! - 08h PM_TMR (PMTMR): the 3.579545 MHz ACPI power-management timer,
//!   24 bits (TMR_VAL_EXT = 0), derived from virtual time. TMR_STS is set
//!   whenever bit 23 of the counter changes (ACPI §4.8.3.3).
//! - 0Ch GPE0_STS (GPSTS) and 0Eh GPE0_EN (GPEN), the GPE0 block: stored
//!   (status write-1-to-clear), but no general-purpose event source exists
//!   yet, so GPE0_STS stays 0.
//! - The rest of the block (processor control 10h–15h, the global/device
//!   status and control registers 18h–37h) reads 0 and ignores writes:
//!   **not modelled** (no C2/C3 states, no SMI).
//!
//! The SCI is the PIIX4's IRQ9 (level, active high into the 8259A via the
//! ELCR): asserted while SCI_EN is set and any enabled status bit is set.
//! With SCI_EN clear the events would raise SMI#, which is not modelled.

/// Size of the PM I/O block decoded at PMBASE.
pub const PM_IO_SIZE: u16 = 64;

/// Offset of PM1_STS (PM1a_EVT_BLK, first half).
pub const PM1_STS: u16 = 0x00;
/// Offset of PM1_EN (PM1a_EVT_BLK, second half).
pub const PM1_EN: u16 = 0x02;
/// Offset of PM1_CNT (PM1a_CNT_BLK).
pub const PM1_CNT: u16 = 0x04;
/// Offset of PM_TMR (PM_TMR_BLK).
pub const PM_TMR: u16 = 0x08;
/// Offset of GPE0_STS (GPE0_BLK, first half).
pub const GPE0_STS: u16 = 0x0C;
/// Offset of GPE0_EN (GPE0_BLK, second half).
pub const GPE0_EN: u16 = 0x0E;
/// Length of PM1a_EVT_BLK.
pub const PM1_EVT_LEN: u8 = 4;
/// Length of PM1a_CNT_BLK.
pub const PM1_CNT_LEN: u8 = 2;
/// Length of PM_TMR_BLK.
pub const PM_TMR_LEN: u8 = 4;
/// Length of GPE0_BLK.
pub const GPE0_BLK_LEN: u8 = 4;

/// PM1_STS/PM1_EN bit 0: timer carry (bit 23 changed).
pub const TMR_STS: u16 = 1 << 0;
/// PM1_STS bit 4: bus master activity.
pub const BM_STS: u16 = 1 << 4;
/// PM1_STS/PM1_EN bit 5: global (BIOS release) event.
pub const GBL_STS: u16 = 1 << 5;
/// PM1_STS/PM1_EN bit 8: power button pressed.
pub const PWRBTN_STS: u16 = 1 << 8;
/// PM1_STS/PM1_EN bit 10: RTC alarm.
pub const RTC_STS: u16 = 1 << 10;
/// PM1_STS bit 11 (PIIX4): power button override.
pub const PWRBTNOR_STS: u16 = 1 << 11;
/// PM1_STS bit 15: the system woke up.
pub const WAK_STS: u16 = 1 << 15;
/// PM1_STS bits that exist (and clear on a written 1).
pub const PM1_STS_MASK: u16 =
    TMR_STS | BM_STS | GBL_STS | PWRBTN_STS | RTC_STS | PWRBTNOR_STS | WAK_STS;
/// PM1_EN bits that exist (TMR_EN, GBL_EN, PWRBTN_EN, RTC_EN).
pub const PM1_EN_MASK: u16 = TMR_STS | GBL_STS | PWRBTN_STS | RTC_STS;

/// PM1_CNT bit 0: events raise SCI (1) rather than SMI (0).
pub const SCI_EN: u16 = 1 << 0;
/// PM1_CNT bit 1: bus master activity wakes from C3.
pub const BM_RLD: u16 = 1 << 1;
/// PM1_CNT bit 2: global release (write-only, raises the BIOS's SMI).
pub const GBL_RLS: u16 = 1 << 2;
/// PM1_CNT bits 12–10: the sleep type.
pub const SLP_TYP_MASK: u16 = 0x7 << SLP_TYP_SHIFT;
/// Position of SLP_TYP in PM1_CNT.
pub const SLP_TYP_SHIFT: u16 = 10;
/// PM1_CNT bit 13: enter the sleep state in SLP_TYP (write-only).
pub const SLP_EN: u16 = 1 << 13;
/// PIIX4 SUS_TYP 000b, soft off: the S5 value of `\_S5` in the DSDT.
pub const SLP_TYP_SOFT_OFF: u8 = 0;
/// PM1_CNT bits stored and read back.
pub const PM1_CNT_RW: u16 = SCI_EN | BM_RLD | SLP_TYP_MASK;

/// The PM timer frequency (ACPI §4.8.3.3).
pub const PM_TIMER_FREQUENCY_HZ: u64 = 3_579_545;
/// The counter is 24 bits wide.
pub const PM_TIMER_MASK: u32 = 0x00FF_FFFF;
/// TMR_STS is set when this counter bit changes.
pub const PM_TIMER_CARRY_SHIFT: u32 = 23;

const NS_PER_SEC: u128 = 1_000_000_000;

/// Timer ticks elapsed at `now_ns`.
fn ticks_at(now_ns: u64) -> u64 {
    (u128::from(now_ns) * u128::from(PM_TIMER_FREQUENCY_HZ) / NS_PER_SEC) as u64
}

/// The first virtual time at which `ticks_at` reaches `ticks`.
fn time_of_tick(ticks: u64) -> u64 {
    let f = u128::from(PM_TIMER_FREQUENCY_HZ);
    let ns = (u128::from(ticks) * NS_PER_SEC).div_ceil(f);
    u64::try_from(ns).unwrap_or(u64::MAX)
}

/// The PM register block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AcpiPm {
    pm1_sts: u16,
    pm1_en: u16,
    pm1_cnt: u16,
    gpe0_sts: u16,
    gpe0_en: u16,
    /// `ticks >> 23` when TMR_STS was last brought up to date.
    carry_epoch: u64,
    power_off_requested: bool,
}

impl AcpiPm {
    /// Power-on state at virtual time `now_ns`.
    pub fn new(now_ns: u64) -> Self {
        AcpiPm {
            carry_epoch: ticks_at(now_ns) >> PM_TIMER_CARRY_SHIFT,
            ..AcpiPm::default()
        }
    }

    /// The 24-bit PM_TMR value at `now_ns`.
    pub fn timer(now_ns: u64) -> u32 {
        ticks_at(now_ns) as u32 & PM_TIMER_MASK
    }

    /// Brings TMR_STS up to date: set if bit 23 changed since the last call.
    fn sync(&mut self, now_ns: u64) {
        let epoch = ticks_at(now_ns) >> PM_TIMER_CARRY_SHIFT;
        if epoch != self.carry_epoch {
            // Time only goes backwards across a machine reset, which
            // rebuilds the block; treat it as no carry.
            if epoch > self.carry_epoch {
                self.pm1_sts |= TMR_STS;
            }
            self.carry_epoch = epoch;
        }
    }

    /// Reads `size` bytes at `offset` within the block.
    pub fn read(&mut self, offset: u16, size: usize, now_ns: u64) -> u32 {
        self.sync(now_ns);
        let timer = Self::timer(now_ns);
        (0..size).fold(0, |v, i| {
            let off = offset.wrapping_add(i as u16);
            v | u32::from(self.read_byte(off, timer)) << (8 * i)
        })
    }

    fn read_byte(&self, offset: u16, timer: u32) -> u8 {
        let word = |w: u16| (w >> (8 * (offset & 1))) as u8;
        match offset {
            0x00 | 0x01 => word(self.pm1_sts),
            0x02 | 0x03 => word(self.pm1_en),
            0x04 | 0x05 => word(self.pm1_cnt),
            0x08..=0x0B => (timer >> (8 * (offset - PM_TMR))) as u8,
            0x0C | 0x0D => word(self.gpe0_sts),
            0x0E | 0x0F => word(self.gpe0_en),
            _ => 0,
        }
    }

    /// Writes the low `size` bytes of `value` at `offset` within the block.
    pub fn write(&mut self, offset: u16, size: usize, value: u32, now_ns: u64) {
        self.sync(now_ns);
        for i in 0..size {
            let off = offset.wrapping_add(i as u16);
            self.write_byte(off, (value >> (8 * i)) as u8);
        }
    }

    fn write_byte(&mut self, offset: u16, value: u8) {
        let shift = 8 * (offset & 1);
        let lane = 0xFFu16 << shift;
        let v = u16::from(value) << shift;
        match offset {
            0x00 | 0x01 => self.pm1_sts &= !(v & PM1_STS_MASK),
            0x02 | 0x03 => self.pm1_en = (self.pm1_en & !lane) | (v & PM1_EN_MASK),
            0x04 | 0x05 => {
                self.pm1_cnt = (self.pm1_cnt & !lane) | (v & lane & PM1_CNT_RW);
                if v & SLP_EN != 0 {
                    self.sleep();
                }
            }
            0x0C | 0x0D => self.gpe0_sts &= !v,
            0x0E | 0x0F => self.gpe0_en = (self.gpe0_en & !lane) | v,
            _ => log::trace!("PM block write {value:#04x} at +{offset:#04x} ignored"),
        }
    }

    /// SLP_EN was written: enter the state in SLP_TYP.
    fn sleep(&mut self) {
        let typ = self.slp_typ();
        if typ == SLP_TYP_SOFT_OFF {
            self.power_off_requested = true;
        } else {
            log::warn!("ACPI sleep type {typ} requested: not modelled, ignored");
        }
    }

    /// Set or clear PM1_CNT.SCI_EN (ACPI mode), as the firmware's SMI
    /// handler does for an ACPI_ENABLE/ACPI_DISABLE command (see
    /// [`super::apm`]).
    pub fn set_sci_en(&mut self, on: bool) {
        if on {
            self.pm1_cnt |= SCI_EN;
        } else {
            self.pm1_cnt &= !SCI_EN;
        }
    }

    /// The SLP_TYP field of PM1_CNT.
    pub fn slp_typ(&self) -> u8 {
        ((self.pm1_cnt & SLP_TYP_MASK) >> SLP_TYP_SHIFT) as u8
    }

    /// PM1_STS as of `now_ns`.
    pub fn pm1_sts(&mut self, now_ns: u64) -> u16 {
        self.sync(now_ns);
        self.pm1_sts
    }

    /// The power button was pressed: sets PWRBTN_STS (an SCI if enabled).
    pub fn press_power_button(&mut self) {
        self.pm1_sts |= PWRBTN_STS;
    }

    /// PM1_STS as it reads at `now_ns` (without updating the block).
    fn status_at(&self, now_ns: u64) -> u16 {
        let carried = ticks_at(now_ns) >> PM_TIMER_CARRY_SHIFT > self.carry_epoch;
        self.pm1_sts | if carried { TMR_STS } else { 0 }
    }

    /// The SCI output at `now_ns`: SCI_EN and an enabled event pending.
    pub fn sci_level(&self, now_ns: u64) -> bool {
        self.pm1_cnt & SCI_EN != 0
            && (self.status_at(now_ns) & self.pm1_en & PM1_EN_MASK != 0
                || self.gpe0_sts & self.gpe0_en != 0)
    }

    /// When the SCI may next rise by itself: the next timer carry after
    /// `now_ns`, if the timer event is enabled and not already pending.
    pub fn next_event_ns(&self, now_ns: u64) -> Option<u64> {
        let armed = self.pm1_cnt & SCI_EN != 0
            && self.pm1_en & TMR_STS != 0
            && self.status_at(now_ns) & TMR_STS == 0;
        let epoch = ticks_at(now_ns) >> PM_TIMER_CARRY_SHIFT;
        armed.then(|| time_of_tick((epoch + 1) << PM_TIMER_CARRY_SHIFT))
    }

    /// Takes (and clears) a pending power-off (S5) request.
    pub fn take_power_off_request(&mut self) -> bool {
        std::mem::take(&mut self.power_off_requested)
    }

    /// A power-off request is pending.
    pub fn power_off_pending(&self) -> bool {
        self.power_off_requested
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Virtual time of timer tick `t`.
    fn at_tick(t: u64) -> u64 {
        time_of_tick(t)
    }

    #[test]
    fn pm_timer_counts_at_3_579545_mhz() {
        // (virtual ns, PM_TMR)
        let cases = [
            (0, 0),
            (1_000, 3),
            (1_000_000, 3579),
            (1_000_000_000, 3_579_545),
            (
                4_686_000_000,
                (4_686u64 * 3_579_545 / 1000) as u32 & PM_TIMER_MASK,
            ),
        ];
        let mut pm = AcpiPm::new(0);
        for (ns, v) in cases {
            assert_eq!(pm.read(PM_TMR, 4, ns), v, "at {ns} ns");
        }
    }

    #[test]
    fn pm_timer_is_24_bits_and_wraps() {
        let mut pm = AcpiPm::new(0);
        let t = at_tick(1 << 24);
        assert_eq!(pm.read(PM_TMR, 4, t - 1), PM_TIMER_MASK);
        assert_eq!(pm.read(PM_TMR, 4, t), 0);
        assert_eq!(pm.read(PM_TMR + 3, 1, t - 1), 0, "bits 31–24 read 0");
        assert_eq!(pm.read(PM_TMR + 2, 1, t - 1), 0xFF, "byte access");
    }

    #[test]
    fn tmr_sts_sets_when_bit_23_toggles_and_clears_on_write_one() {
        let mut pm = AcpiPm::new(0);
        let carry = at_tick(1 << 23);
        assert_eq!(pm.read(PM1_STS, 2, carry - 1) & 1, 0);
        assert_eq!(pm.read(PM1_STS, 2, carry) & 1, 1, "0 -> 1 of bit 23");
        pm.write(PM1_STS, 2, 0, carry);
        assert_eq!(pm.pm1_sts(carry) & TMR_STS, TMR_STS, "writing 0 keeps it");
        pm.write(PM1_STS, 2, u32::from(TMR_STS), carry);
        assert_eq!(pm.pm1_sts(carry) & TMR_STS, 0, "write 1 clears");
        let wrap = at_tick(1 << 24);
        assert_eq!(pm.pm1_sts(wrap - 1) & TMR_STS, 0);
        assert_eq!(pm.pm1_sts(wrap) & TMR_STS, TMR_STS, "1 -> 0 of bit 23");
    }

    #[test]
    fn status_bits_are_write_one_to_clear_per_bit() {
        let mut pm = AcpiPm::new(0);
        pm.press_power_button();
        let carry = at_tick(1 << 23);
        assert_eq!(pm.pm1_sts(carry), TMR_STS | PWRBTN_STS);
        pm.write(PM1_STS + 1, 1, 0x01, carry); // byte write: PWRBTN_STS
        assert_eq!(pm.pm1_sts(carry), TMR_STS);
    }

    #[test]
    fn pm1_en_keeps_only_defined_enables() {
        let mut pm = AcpiPm::new(0);
        pm.write(PM1_EN, 2, 0xFFFF, 0);
        assert_eq!(pm.read(PM1_EN, 2, 0), 0x0521);
    }

    #[test]
    fn sci_follows_enabled_status_while_sci_en() {
        // (SCI_EN, PWRBTN_EN, button pressed, SCI)
        let cases = [
            (false, false, false, false),
            (false, true, true, false),
            (true, false, true, false),
            (true, true, false, false),
            (true, true, true, true),
        ];
        for (sci_en, en, press, level) in cases {
            let mut pm = AcpiPm::new(0);
            pm.write(PM1_CNT, 2, u32::from(sci_en), 0);
            pm.write(PM1_EN, 2, if en { u32::from(PWRBTN_STS) } else { 0 }, 0);
            if press {
                pm.press_power_button();
            }
            assert_eq!(pm.sci_level(0), level, "{sci_en} {en} {press}");
        }
    }

    #[test]
    fn timer_carry_raises_sci_when_tmr_en() {
        let mut pm = AcpiPm::new(0);
        assert_eq!(pm.next_event_ns(0), None, "nothing enabled");
        pm.write(PM1_CNT, 2, u32::from(SCI_EN), 0);
        pm.write(PM1_EN, 2, u32::from(TMR_STS), 0);
        let carry = at_tick(1 << 23);
        assert_eq!(pm.next_event_ns(0), Some(carry));
        assert!(!pm.sci_level(carry - 1));
        assert!(pm.sci_level(carry));
        assert_eq!(pm.next_event_ns(carry), None, "pending: no new deadline");
        pm.write(PM1_STS, 2, u32::from(TMR_STS), carry);
        assert!(!pm.sci_level(carry));
        assert_eq!(pm.next_event_ns(carry), Some(at_tick(2 << 23)));
    }

    #[test]
    fn slp_en_with_soft_off_type_requests_power_off() {
        let mut pm = AcpiPm::new(0);
        pm.write(PM1_CNT, 2, u32::from(SCI_EN), 0);
        // Linux writes SLP_TYP first, then SLP_TYP | SLP_EN.
        pm.write(PM1_CNT, 2, u32::from(SCI_EN), 0);
        assert!(!pm.power_off_pending());
        pm.write(PM1_CNT, 2, u32::from(SCI_EN | SLP_EN), 0);
        assert!(pm.take_power_off_request());
        assert!(!pm.take_power_off_request(), "taken once");
        assert_eq!(pm.read(PM1_CNT, 2, 0), u32::from(SCI_EN), "SLP_EN reads 0");
    }

    #[test]
    fn slp_en_with_other_sleep_types_does_not_power_off() {
        let mut pm = AcpiPm::new(0);
        for typ in 1..8u16 {
            pm.write(PM1_CNT, 2, u32::from(typ << SLP_TYP_SHIFT | SLP_EN), 0);
            assert!(!pm.take_power_off_request(), "SLP_TYP {typ}");
            assert_eq!(pm.slp_typ(), typ as u8);
            assert_eq!(pm.read(PM1_CNT, 2, 0), u32::from(typ << SLP_TYP_SHIFT));
        }
        // A byte write of the high half carries SLP_TYP and SLP_EN together.
        pm.write(PM1_CNT + 1, 1, 0x20, 0);
        assert!(pm.take_power_off_request());
    }

    #[test]
    fn gpe0_block_stores_enables_and_clears_status() {
        let mut pm = AcpiPm::new(0);
        pm.write(GPE0_EN, 2, 0xA55A, 0);
        assert_eq!(pm.read(GPE0_STS, 4, 0), 0xA55A_0000);
        pm.write(GPE0_STS, 2, 0xFFFF, 0);
        assert_eq!(pm.read(GPE0_STS, 2, 0), 0);
    }

    #[test]
    fn unmodelled_registers_read_zero() {
        let mut pm = AcpiPm::new(0);
        pm.write(0x10, 4, 0xFFFF_FFFF, 0);
        assert_eq!(pm.read(0x10, 4, 0), 0);
        assert_eq!(pm.read(0x3C, 4, 0), 0);
    }
}
