//! One 8259A: the interrupt request, in-service and mask registers and the
//! priority resolver (Intel 8259A datasheet, "Functional Description",
//! "Interrupt Sequence" and "Operation of the 8259A", including the
//! "Fully Nested Mode", "Automatic Rotation", "Specific Rotation",
//! "Special Mask Mode", "Poll Command" and "Special Fully Nested Mode"
//! sections).
//!
//! The chip is driven by [`super::Pic`], which wires two of them together
//! as on the PC/AT (slave INT → master IR2) and decodes the ports.
//!
//! Registers are kept in [`PicChipState`], a plain `Copy` struct that is
//! also the snapshot format.

// ICW1 (written with A0 = 0 and D4 = 1).
/// ICW1 D0: ICW4 will be written.
pub const ICW1_IC4: u8 = 0x01;
/// ICW1 D1: single 8259A, no ICW3.
pub const ICW1_SNGL: u8 = 0x02;
/// ICW1 D2: call address interval 4 (MCS-80/85 mode only; ignored).
pub const ICW1_ADI: u8 = 0x04;
/// ICW1 D3: level triggered mode for all eight inputs.
pub const ICW1_LTIM: u8 = 0x08;
/// ICW1 D4: identifies ICW1 among the A0 = 0 writes.
pub const ICW1_INIT: u8 = 0x10;

/// ICW2: T7–T3 of the interrupt vector (8086 mode; T2–T0 are the IR level).
pub const ICW2_VECTOR_MASK: u8 = 0xF8;
/// ICW3 on a slave: the slave identification (ID2–ID0).
pub const ICW3_SLAVE_ID_MASK: u8 = 0x07;

// ICW4.
/// ICW4 D0: 8086/8088 mode (0 = MCS-80/85 mode).
pub const ICW4_UPM: u8 = 0x01;
/// ICW4 D1: automatic end of interrupt.
pub const ICW4_AEOI: u8 = 0x02;
/// ICW4 D2: master/slave select in buffered mode.
pub const ICW4_MS: u8 = 0x04;
/// ICW4 D3: buffered mode.
pub const ICW4_BUF: u8 = 0x08;
/// ICW4 D4: special fully nested mode.
pub const ICW4_SFNM: u8 = 0x10;

// OCW2 (A0 = 0, D4 = 0, D3 = 0): R, SL, EOI in D7–D5, level in D2–D0.
/// OCW2 D2–D0: the IR level a specific command acts on.
pub const OCW2_LEVEL_MASK: u8 = 0x07;
/// OCW2 D7–D5 field.
pub const OCW2_COMMAND_MASK: u8 = 0xE0;
/// OCW2 R SL EOI = 000: rotate in automatic EOI mode (clear).
pub const OCW2_CLEAR_ROTATE_AEOI: u8 = 0x00;
/// OCW2 R SL EOI = 001: non-specific EOI.
pub const OCW2_NON_SPECIFIC_EOI: u8 = 0x20;
/// OCW2 R SL EOI = 010: no operation.
pub const OCW2_NOP: u8 = 0x40;
/// OCW2 R SL EOI = 011: specific EOI.
pub const OCW2_SPECIFIC_EOI: u8 = 0x60;
/// OCW2 R SL EOI = 100: rotate in automatic EOI mode (set).
pub const OCW2_SET_ROTATE_AEOI: u8 = 0x80;
/// OCW2 R SL EOI = 101: rotate on non-specific EOI.
pub const OCW2_ROTATE_NON_SPECIFIC_EOI: u8 = 0xA0;
/// OCW2 R SL EOI = 110: set priority (the given level becomes lowest).
pub const OCW2_SET_PRIORITY: u8 = 0xC0;
/// OCW2 R SL EOI = 111: rotate on specific EOI.
pub const OCW2_ROTATE_SPECIFIC_EOI: u8 = 0xE0;

// OCW3 (A0 = 0, D4 = 0, D3 = 1).
/// D3 set and D4 clear identifies OCW3 among the A0 = 0 writes.
pub const OCW3_SELECT: u8 = 0x08;
/// OCW3 D0: RIS, read the ISR (else the IRR) on the next read.
pub const OCW3_RIS: u8 = 0x01;
/// OCW3 D1: RR, the RIS bit is valid.
pub const OCW3_RR: u8 = 0x02;
/// OCW3 D2: P, poll command.
pub const OCW3_P: u8 = 0x04;
/// OCW3 D5: SMM, special mask mode on (with ESMM).
pub const OCW3_SMM: u8 = 0x20;
/// OCW3 D6: ESMM, the SMM bit is valid.
pub const OCW3_ESMM: u8 = 0x40;

/// Poll word D7: an interrupt was pending (W2–W0 hold its level).
pub const POLL_INTERRUPT: u8 = 0x80;

/// The lowest-priority level after initialisation, and the level a
/// spurious request is reported on ("default IR7").
pub const SPURIOUS_LEVEL: u8 = 7;

/// Where the chip is in its initialisation sequence.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InitStep {
    /// Power-on: no ICW1 yet, so the chip raises no interrupts.
    #[default]
    Uninitialized,
    /// ICW1 written; the next A0 = 1 write is ICW2.
    Icw2,
    /// The next A0 = 1 write is ICW3.
    Icw3,
    /// The next A0 = 1 write is ICW4.
    Icw4,
    /// Initialised: A0 = 1 writes go to the IMR (OCW1).
    Ready,
}

/// All registers of one 8259A (the snapshot format).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PicChipState {
    /// The IR input pins as last driven by [`PicChipState::set_line`].
    pub lines: u8,
    /// Interrupt request register. For edge-triggered inputs this is the
    /// edge-sense latch; for level-triggered inputs it follows the pin.
    pub irr: u8,
    /// In-service register.
    pub isr: u8,
    /// Interrupt mask register (OCW1).
    pub imr: u8,
    /// The level with the highest priority (0 after ICW1; rotation moves it).
    pub highest_priority: u8,
    /// ICW2 bits T7–T3.
    pub vector_base: u8,
    /// ICW1 as last written (IC4, SNGL, LTIM).
    pub icw1: u8,
    /// ICW3: master — bit n set if IR n has a slave; slave — its ID.
    pub icw3: u8,
    /// ICW4 as last written (zero when ICW1 had IC4 = 0).
    pub icw4: u8,
    /// PIIX edge/level control register: bit n set makes IR n level
    /// triggered (in addition to ICW1 LTIM).
    pub elcr: u8,
    /// Initialisation sequence position.
    pub init: InitStep,
    /// OCW3 RIS: reads at A0 = 0 return the ISR instead of the IRR.
    pub read_isr: bool,
    /// OCW3 P: the next read is a poll.
    pub poll: bool,
    /// OCW3 SMM: special mask mode.
    pub special_mask: bool,
    /// OCW2 rotate in automatic EOI mode.
    pub rotate_on_aeoi: bool,
}

/// The priority rank (0 = highest) of the first set bit of `bits`, counting
/// from `highest`, or 8 if no bit is set.
fn priority_rank(bits: u8, highest: u8) -> u8 {
    if bits == 0 {
        return 8;
    }
    // Rotate so that the highest-priority level lands in bit 0.
    bits.rotate_right(u32::from(highest & 7)).trailing_zeros() as u8
}

impl PicChipState {
    fn level_triggered(&self) -> u8 {
        if self.icw1 & ICW1_LTIM != 0 {
            0xFF
        } else {
            self.elcr
        }
    }

    /// Whether the ICW sequence has been completed.
    pub fn initialized(&self) -> bool {
        self.init == InitStep::Ready
    }

    /// Drive IR pin `ir` (0–7). Edge-triggered inputs latch a request on a
    /// low-to-high transition; level-triggered inputs request while high.
    ///
    /// Deviation from the datasheet, on purpose: a latched edge request
    /// stays in the IRR when the pin falls again before the acknowledge.
    /// The datasheet requires edge inputs to stay high until the first INTA
    /// (else the chip answers with a default IR7), but emulated devices
    /// often pulse their line, and losing those pulses would lose ticks.
    /// Level-triggered requests that vanish still give the spurious IR7.
    pub fn set_line(&mut self, ir: u8, high: bool) {
        let bit = 1u8 << (ir & 7);
        let was_high = self.lines & bit != 0;
        if high {
            self.lines |= bit;
            if self.level_triggered() & bit != 0 || !was_high {
                self.irr |= bit;
            }
        } else {
            self.lines &= !bit;
            if self.level_triggered() & bit != 0 {
                self.irr &= !bit;
            }
        }
    }

    /// Re-derive level-triggered IRR bits from the pins after LTIM or the
    /// ELCR changed. Edge latches are kept.
    pub fn sync_level_irr(&mut self) {
        let level = self.level_triggered();
        self.irr = (self.irr & !level) | (self.lines & level);
    }

    /// The level the priority resolver would present to the CPU, if any:
    /// the highest-priority unmasked request that is of higher priority
    /// than every level in service (fully nested mode). In special mask
    /// mode masked in-service levels do not inhibit anything; in special
    /// fully nested mode a cascaded level may interrupt its own service.
    pub fn pending(&self) -> Option<u8> {
        if !self.initialized() {
            return None;
        }
        let request = priority_rank(self.irr & !self.imr, self.highest_priority);
        if request == 8 {
            return None;
        }
        let mut in_service = self.isr;
        if self.special_mask {
            in_service &= !self.imr;
        }
        let current = priority_rank(in_service, self.highest_priority);
        let level = (request + self.highest_priority) & 7;
        let sfnm_reentry =
            self.icw4 & ICW4_SFNM != 0 && request == current && self.has_slave(level);
        (request < current || sfnm_reentry).then_some(level)
    }

    /// Whether IR `ir` of this chip (as a master) has a slave attached.
    pub fn has_slave(&self, ir: u8) -> bool {
        self.icw1 & ICW1_SNGL == 0 && self.icw3 & (1 << (ir & 7)) != 0
    }

    /// The slave identification from ICW3 (meaningful on a slave).
    pub fn slave_id(&self) -> u8 {
        self.icw3 & ICW3_SLAVE_ID_MASK
    }

    /// The vector for level `ir` (8086 mode: T7–T3 from ICW2, level in T2–T0).
    pub fn vector(&self, ir: u8) -> u8 {
        self.vector_base | (ir & 7)
    }

    /// The interrupt acknowledge of level `ir` (or a poll read selecting
    /// it): the IRR bit is cleared for edge inputs (a level input keeps
    /// requesting while its pin is high), the ISR bit is set unless in AEOI
    /// mode, where rotate-in-AEOI makes the level the lowest priority.
    pub fn acknowledge(&mut self, ir: u8) {
        let bit = 1u8 << (ir & 7);
        if self.level_triggered() & bit == 0 {
            self.irr &= !bit;
        }
        if self.icw4 & ICW4_AEOI != 0 {
            if self.rotate_on_aeoi {
                self.highest_priority = (ir + 1) & 7;
            }
        } else {
            self.isr |= bit;
        }
    }

    /// The highest-priority level in service, as a non-specific EOI sees
    /// it. In special mask mode masked in-service levels are not cleared.
    fn highest_in_service(&self) -> Option<u8> {
        let mut in_service = self.isr;
        if self.special_mask {
            in_service &= !self.imr;
        }
        let rank = priority_rank(in_service, self.highest_priority);
        (rank < 8).then(|| (rank + self.highest_priority) & 7)
    }

    /// Write with A0 = 0: ICW1, OCW2 or OCW3.
    pub fn write_command(&mut self, value: u8) {
        if value & ICW1_INIT != 0 {
            self.write_icw1(value);
        } else if value & OCW3_SELECT != 0 {
            self.write_ocw3(value);
        } else {
            self.write_ocw2(value);
        }
    }

    /// Write with A0 = 1: ICW2–ICW4 during initialisation, else OCW1.
    pub fn write_data(&mut self, value: u8) {
        match self.init {
            InitStep::Icw2 => {
                self.vector_base = value & ICW2_VECTOR_MASK;
                self.init = if self.icw1 & ICW1_SNGL == 0 {
                    InitStep::Icw3
                } else if self.icw1 & ICW1_IC4 != 0 {
                    InitStep::Icw4
                } else {
                    InitStep::Ready
                };
            }
            InitStep::Icw3 => {
                self.icw3 = value;
                self.init = if self.icw1 & ICW1_IC4 != 0 {
                    InitStep::Icw4
                } else {
                    InitStep::Ready
                };
            }
            InitStep::Icw4 => {
                if value & ICW4_UPM == 0 {
                    // MCS-80/85 mode puts CALL instructions on the bus;
                    // nothing on a PC uses it, so vectors stay 8086-style.
                    log::warn!("8259A: ICW4 selects MCS-80/85 mode, treated as 8086 mode");
                }
                self.icw4 = value;
                self.init = InitStep::Ready;
            }
            InitStep::Uninitialized | InitStep::Ready => self.imr = value,
        }
    }

    /// ICW1 starts the initialisation sequence. The datasheet lists its
    /// side effects: the edge sense circuit is reset (an edge input must go
    /// low and high again), the IMR is cleared, IR7 gets the lowest
    /// priority, special mask mode is cleared and status read is set to the
    /// IRR, and without IC4 every ICW4 function is zero. The ISR is cleared
    /// too (the datasheet does not say; software reinitialises an idle
    /// chip), and rotate-in-AEOI and a pending poll are dropped.
    fn write_icw1(&mut self, value: u8) {
        self.icw1 = value;
        self.icw4 = 0;
        self.imr = 0;
        self.isr = 0;
        self.highest_priority = 0;
        self.special_mask = false;
        self.read_isr = false;
        self.poll = false;
        self.rotate_on_aeoi = false;
        let level = self.level_triggered();
        self.irr = self.lines & level;
        self.init = InitStep::Icw2;
    }

    fn write_ocw2(&mut self, value: u8) {
        let level = value & OCW2_LEVEL_MASK;
        match value & OCW2_COMMAND_MASK {
            OCW2_CLEAR_ROTATE_AEOI => self.rotate_on_aeoi = false,
            OCW2_SET_ROTATE_AEOI => self.rotate_on_aeoi = true,
            OCW2_NON_SPECIFIC_EOI | OCW2_ROTATE_NON_SPECIFIC_EOI => {
                if let Some(ir) = self.highest_in_service() {
                    self.isr &= !(1 << ir);
                    if value & OCW2_COMMAND_MASK == OCW2_ROTATE_NON_SPECIFIC_EOI {
                        self.highest_priority = (ir + 1) & 7;
                    }
                }
            }
            OCW2_SPECIFIC_EOI => self.isr &= !(1 << level),
            OCW2_ROTATE_SPECIFIC_EOI => {
                self.isr &= !(1 << level);
                self.highest_priority = (level + 1) & 7;
            }
            OCW2_SET_PRIORITY => self.highest_priority = (level + 1) & 7,
            _ => {} // OCW2_NOP
        }
    }

    fn write_ocw3(&mut self, value: u8) {
        if value & OCW3_ESMM != 0 {
            self.special_mask = value & OCW3_SMM != 0;
        }
        if value & OCW3_RR != 0 {
            self.read_isr = value & OCW3_RIS != 0;
        }
        self.poll = value & OCW3_P != 0;
    }

    /// Read with A0 = 0 (IRR or ISR per OCW3) or A0 = 1 (IMR), when no poll
    /// is pending.
    pub fn read_register(&self, a0: bool) -> u8 {
        if a0 {
            self.imr
        } else if self.read_isr {
            self.isr
        } else {
            self.irr
        }
    }

    /// The poll read that follows an OCW3 with P set (either address): it
    /// acts as an interrupt acknowledge and returns the poll word
    /// (D7 = interrupt pending, W2–W0 = its level), 0 if nothing pends.
    pub fn poll_read(&mut self) -> u8 {
        self.poll = false;
        match self.pending() {
            Some(ir) => {
                self.acknowledge(ir);
                POLL_INTERRUPT | ir
            }
            None => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready_chip() -> PicChipState {
        let mut chip = PicChipState::default();
        chip.write_command(ICW1_INIT | ICW1_SNGL | ICW1_IC4);
        chip.write_data(0x08);
        chip.write_data(ICW4_UPM);
        chip
    }

    #[test]
    fn priority_rank_rotation() {
        // (bits, highest-priority level, rank of the winner)
        let cases = [
            (0x00, 0, 8),
            (0x01, 0, 0),
            (0x80, 0, 7),
            (0x81, 0, 0),
            (0x81, 1, 6),
            (0x81, 7, 0),
            (0x0C, 3, 0),
            (0x0C, 4, 6),
            (0x10, 5, 7),
        ];
        for (bits, highest, rank) in cases {
            assert_eq!(
                priority_rank(bits, highest),
                rank,
                "bits {bits:#04x} highest {highest}"
            );
        }
    }

    #[test]
    fn fully_nested_mode() {
        // Requests, in-service levels, and the level presented (if any).
        let cases: [(u8, u8, Option<u8>); 6] = [
            (0x00, 0x00, None),
            (0x28, 0x00, Some(3)),
            (0x28, 0x08, None), // IR3 in service, IR5 waits
            (0x28, 0x10, Some(3)),
            (0x01, 0x02, Some(0)), // higher priority nests
            (0x80, 0x80, None),
        ];
        for (irr, isr, want) in cases {
            let mut chip = ready_chip();
            chip.irr = irr;
            chip.isr = isr;
            assert_eq!(chip.pending(), want, "irr {irr:#04x} isr {isr:#04x}");
        }
    }

    #[test]
    fn edge_triggered_needs_new_edge() {
        let mut chip = ready_chip();
        chip.set_line(4, true);
        assert_eq!(chip.pending(), Some(4));
        chip.acknowledge(4);
        chip.write_command(OCW2_NON_SPECIFIC_EOI);
        // The pin is still high but there was no new edge.
        assert_eq!(chip.pending(), None);
        chip.set_line(4, true);
        assert_eq!(chip.pending(), None);
        chip.set_line(4, false);
        chip.set_line(4, true);
        assert_eq!(chip.pending(), Some(4));
    }

    #[test]
    fn edge_pulse_is_latched() {
        let mut chip = ready_chip();
        chip.set_line(1, true);
        chip.set_line(1, false);
        assert_eq!(chip.pending(), Some(1));
        assert_eq!(chip.irr, 0x02);
    }

    #[test]
    fn uninitialized_chip_requests_nothing() {
        let mut chip = PicChipState::default();
        chip.set_line(0, true);
        assert_eq!(chip.pending(), None);
        chip.write_command(ICW1_INIT | ICW1_SNGL);
        assert_eq!(chip.pending(), None, "mid-sequence");
        chip.write_data(0x20);
        assert!(chip.initialized());
    }
}
