//! The bus's interrupt side: bringing the timers to the CPU's time, driving
//! the devices' IRQ lines into the 8259A pair (and the IOAPIC pins), and the
//! next timer event the scheduler runs to (see the parent module).

use super::*;

impl IoBus {
    /// Whether [`IoBus::update`] has work at `icount`: a device was
    /// accessed, or the next timer event is due.
    #[inline]
    pub fn needs_update(&self, icount: u64) -> bool {
        self.lines_dirty || self.clock.now_ns(icount) >= self.next_event
    }

    /// Bring the timers to the time of `icount`, drive the changed IRQ
    /// lines into the PIC and recompute the next timer event.
    pub fn update(&mut self, icount: u64) {
        let now = self.clock.now_ns(icount);
        self.last_icount = self.last_icount.max(icount);
        let mut pit_edges = 0;
        if let Some(pit) = self.pit.as_mut() {
            pit.advance(now);
            pit_edges = pit.take_irq0_edges();
        }
        if let Some(rtc) = self.rtc.as_mut() {
            rtc.advance(now);
        }
        if let Some(apic) = self.apic.as_mut() {
            apic.advance(now);
        }
        let levels = level_lines(self, now);
        if let Some(pic) = self.pic.as_mut() {
            if let Some(pit) = &self.pit {
                let was = self.irq_levels & 1 != 0;
                let out0 = pit.irq0_level();
                if pit_edges > 0 {
                    // Several periods may have passed: the 8259A's IRR holds
                    // one request, so one edge is what the CPU can see.
                    if was {
                        drive(pic, &mut self.apic, PIT_IRQ, false);
                    }
                    drive(pic, &mut self.apic, PIT_IRQ, true);
                    self.risen |= 1 << PIT_IRQ;
                    if !out0 {
                        drive(pic, &mut self.apic, PIT_IRQ, false);
                    }
                } else if out0 != was {
                    drive(pic, &mut self.apic, PIT_IRQ, out0);
                }
                self.irq_levels = (self.irq_levels & !1) | u16::from(out0);
            }
        }
        self.drive_level_lines(levels);
        // The 8042 loads its next byte (the rest of an E0 sequence, a
        // mouse packet) into an output buffer the CPU has emptied; IRQ1/12
        // were driven low above, so the new byte is a fresh edge (as QEMU's
        // 8042 lowers and raises the line after a data read).
        if let Some(k) = self.kbc.as_mut().filter(|_| self.kbc_data_read) {
            self.kbc_data_read = false;
            if k.status() & i8042::STATUS_OBF == 0 {
                k.service();
                if k.status() & i8042::STATUS_OBF != 0 {
                    let levels = level_lines(self, now);
                    self.drive_level_lines(levels);
                }
            }
        }
        if self.timers_dirty || now >= self.next_event {
            self.next_event = self.timer_events(false).unwrap_or(u64::MAX);
        }
        self.lines_dirty = false;
        self.timers_dirty = false;
    }

    /// Drive the level-style IRQ lines whose level changed into the PIC
    /// (and IOAPIC).
    fn drive_level_lines(&mut self, levels: u16) {
        let Some(pic) = self.pic.as_mut() else {
            return;
        };
        let changed = (levels ^ self.irq_levels) & LEVEL_LINES;
        if changed != 0 {
            for irq in 0..16u8 {
                if changed & (1 << irq) != 0 {
                    drive(pic, &mut self.apic, irq, levels & (1 << irq) != 0);
                }
            }
            self.irq_levels ^= changed;
            self.risen |= changed & levels;
        }
    }

    /// Guest time of the next timer event (PIT OUT0 edge, RTC interrupt
    /// condition), as of the last [`IoBus::update`].
    pub fn next_event_ns(&self) -> Option<u64> {
        (self.next_event != u64::MAX).then_some(self.next_event)
    }

    /// The next timer event that can wake a halted CPU: only sources whose
    /// IRQ is not masked in the 8259A and whose line can still rise (the
    /// RTC's stays high until register C is read; while the CPU is halted
    /// nothing can unmask or read). Call after [`IoBus::update`].
    pub fn next_wake_event_ns(&self) -> Option<u64> {
        self.timer_events(true)
    }

    /// IRQ lines into the PIC that rose (or had an edge replayed) since
    /// the last call, as a bit mask by IRQ number.
    pub fn take_risen_lines(&mut self) -> u16 {
        std::mem::take(&mut self.risen)
    }

    fn timer_events(&self, unmasked_only: bool) -> Option<u64> {
        let masked = |irq: u8| {
            unmasked_only
                && (self.irq_masked(irq) || self.irq_levels & (1 << irq) != 0 && irq != PIT_IRQ)
        };
        let pit = self
            .pit
            .as_ref()
            .filter(|_| !masked(PIT_IRQ))
            .and_then(Pit8254::next_irq0_ns);
        let rtc = self
            .rtc
            .as_ref()
            .filter(|_| !masked(RTC_IRQ))
            .and_then(CmosRtc::next_event_ns);
        let now = self.clock.now_ns(self.last_icount);
        let pm = self
            .pci
            .as_ref()
            .filter(|_| !masked(SCI_IRQ))
            .and_then(|p| p.next_event_ns(now));
        let apic = self.apic.as_ref().and_then(|a| {
            if unmasked_only {
                a.next_wake_deadline_ns()
            } else {
                a.next_deadline_ns()
            }
        });
        [pit, rtc, pm, apic].into_iter().flatten().min()
    }

    /// IRQ `irq` cannot reach the CPU because of an 8259A mask (its own
    /// IMR bit, or the master's cascade input for IRQ8–15), or there is
    /// no PIC.
    /// With the APICs present, the IRQ must also miss the IOAPIC (its pin
    /// masked) or the 8259A's way through LINT0.
    pub fn irq_masked(&self, irq: u8) -> bool {
        let pic_masked = self.pic_masked(irq);
        match &self.apic {
            Some(a) => !a.isa_irq_reachable(irq, pic_masked),
            None => pic_masked,
        }
    }

    /// IRQ `irq` is masked in the 8259A (or there is none).
    fn pic_masked(&self, irq: u8) -> bool {
        let Some(pic) = &self.pic else {
            return true;
        };
        let s = pic.state();
        match irq {
            0..=7 => s.master.imr & (1 << irq) != 0,
            8..=15 => s.slave.imr & (1 << (irq - 8)) != 0 || s.master.imr & (1 << 2) != 0,
            _ => true,
        }
    }

    /// Whether a host input source is attached to a serial port and the
    /// guest could be woken by it (a UART whose interrupt line can rise).
    pub fn com_input_can_interrupt(&self, n: usize) -> bool {
        self.com.get(n).is_some_and(Option::is_some) && !self.irq_masked(COM_IRQS[n])
    }
}

/// Drive ISA IRQ `irq` into the 8259A and, when present, the IOAPIC pin it
/// is wired to.
pub(super) fn drive(pic: &mut Pic, apic: &mut Option<crate::apic::ApicBus>, irq: u8, level: bool) {
    pic.service_irq(irq, level);
    if let Some(a) = apic {
        a.set_isa_irq(irq, level);
    }
}

/// Levels of the lines in [`LEVEL_LINES`].
fn level_lines(bus: &IoBus, now: u64) -> u16 {
    let mut l = 0u16;
    if let Some(p) = &bus.pci {
        l |= u16::from(p.sci_level(now)) << SCI_IRQ;
    }
    if let Some(k) = &bus.kbc {
        l |= u16::from(k.irq1_level()) << i8042::KBD_IRQ;
        l |= u16::from(k.irq12_level()) << i8042::AUX_IRQ;
    }
    if let Some(r) = &bus.rtc {
        l |= u16::from(r.irq_level()) << RTC_IRQ;
    }
    if let Some(ide) = &bus.ide {
        for (ch, irq) in IDE_IRQ.iter().enumerate() {
            l |= u16::from(ide.irq_level(ch)) << irq;
        }
    }
    if let Some(f) = &bus.fdc {
        l |= u16::from(f.irq_level()) << FDC_IRQ;
    }
    for (u, irq) in bus.com.iter().zip(COM_IRQS) {
        if u.as_ref().is_some_and(Uart16550::irq_line) {
            l |= 1 << irq;
        }
    }
    l
}
