//! The local APIC of one processor (Intel SDM Vol. 3A ch. 10 "Advanced
//! Programmable Interrupt Controller (APIC)", xAPIC mode), as a state
//! machine behind [`LocalApic::mmio_read`] / [`LocalApic::mmio_write`]
//! (offsets into the 4-KiB APIC page, SDM Table 10-1).
//!
//! Modelled:
//! - IA32_APIC_BASE (MSR 1Bh, §10.4.4): base address, BSP flag, global
//!   enable. Clearing the enable bit puts the APIC in its power-up state
//!   and takes it off the interrupt path ([`LocalApic::hw_enabled`]: the
//!   8259A then drives INTR directly, §10.4.3).
//! - Software enable and the spurious vector in the SVR (§10.4.7.2, §10.9):
//!   while software-disabled every LVT entry is masked and unmasking is
//!   ignored, and fixed interrupts are not accepted; pending IRR/ISR bits
//!   are kept.
//! - IRR/ISR/TMR (256 bits each), TPR, PPR, APR, EOI, and the priority
//!   rules of §10.8.3: a fixed interrupt is dispensed when its priority
//!   class is above the processor priority class.
//! - The LVT (§10.5.1): timer ([`super::timer`]), thermal, performance
//!   counter (no sources: registers only), LINT0, LINT1 and error. LINT
//!   inputs take fixed (edge or level, with remote IRR), NMI and ExtINT
//!   delivery; ExtINT on LINT0 is the virtual-wire mode through which the
//!   8259A's INTR reaches the processor (the vector then comes from the
//!   8259A's INTA cycle).
//! - The ESR (§10.5.3): send/receive illegal vector and illegal register
//!   address, latched into the readable register by a write to the ESR;
//!   each new error raises the error LVT.
//! - The ICR (§10.6.1) on a single processor: fixed and lowest-priority
//!   IPIs to itself (the "self" and "all including self" shorthands, or a
//!   physical/logical destination that matches), NMI to itself. INIT,
//!   start-up and SMI IPIs are logged and ignored; "all excluding self"
//!   reaches nobody.
//! - Logical destinations in the flat and cluster models (§10.6.2.2) for
//!   messages from the IOAPIC.
//!
//! Register access width: the SDM requires aligned 32-bit accesses to the
//! 16-byte-aligned registers. ox86 answers narrower reads with the bytes
//! of the register, reads of bytes 4–15 of a slot as 0, treats a narrower
//! write at the start of a slot as a 32-bit write of the zero-extended
//! value and ignores other writes.
//!
//! Virtual time comes in through [`LocalApic::advance`]; register accesses
//! use the time of the last call.

use super::timer::{ApicTimer, LVT_TIMER_MODE_SHIFT, TIMER_MODE_PERIODIC};
use super::{DeliveryMode, Message};

/// IA32_APIC_BASE MSR number.
pub const MSR_IA32_APIC_BASE: u32 = 0x1B;
/// IA32_APIC_BASE bit 8: this processor is the bootstrap processor.
pub const APIC_BASE_BSP: u64 = 1 << 8;
/// IA32_APIC_BASE bit 11: APIC global enable.
pub const APIC_BASE_ENABLE: u64 = 1 << 11;
/// IA32_APIC_BASE bits 31:12: APIC page (MAXPHYADDR = 32).
pub const APIC_BASE_ADDR_MASK: u64 = 0xFFFF_F000;
/// Bits of IA32_APIC_BASE a WRMSR may set (others are reserved: #GP).
pub const APIC_BASE_WRITABLE: u64 = APIC_BASE_ADDR_MASK | APIC_BASE_ENABLE | APIC_BASE_BSP;
/// Default APIC page.
pub const APIC_DEFAULT_BASE: u32 = 0xFEE0_0000;

/// Register offsets in the APIC page (SDM Table 10-1).
pub mod reg {
    pub const ID: u32 = 0x020;
    pub const VERSION: u32 = 0x030;
    pub const TPR: u32 = 0x080;
    pub const APR: u32 = 0x090;
    pub const PPR: u32 = 0x0A0;
    pub const EOI: u32 = 0x0B0;
    pub const RRD: u32 = 0x0C0;
    pub const LDR: u32 = 0x0D0;
    pub const DFR: u32 = 0x0E0;
    pub const SVR: u32 = 0x0F0;
    pub const ISR0: u32 = 0x100;
    pub const TMR0: u32 = 0x180;
    pub const IRR0: u32 = 0x200;
    pub const ESR: u32 = 0x280;
    pub const ICR_LOW: u32 = 0x300;
    pub const ICR_HIGH: u32 = 0x310;
    pub const LVT_TIMER: u32 = 0x320;
    pub const LVT_THERMAL: u32 = 0x330;
    pub const LVT_PERF: u32 = 0x340;
    pub const LVT_LINT0: u32 = 0x350;
    pub const LVT_LINT1: u32 = 0x360;
    pub const LVT_ERROR: u32 = 0x370;
    pub const TIMER_INITIAL: u32 = 0x380;
    pub const TIMER_CURRENT: u32 = 0x390;
    pub const TIMER_DCR: u32 = 0x3E0;
}

/// Version register: version 14h (xAPIC), max LVT entry 5 (six entries:
/// timer, thermal, performance, LINT0, LINT1, error), no EOI-broadcast
/// suppression (SDM Figure 10-7).
pub const APIC_VERSION: u32 = 0x0005_0014;

/// SVR bit 8: APIC software enable.
pub const SVR_APIC_ENABLED: u32 = 1 << 8;
/// SVR bit 9: focus processor checking (kept, no effect on one CPU).
pub const SVR_FOCUS_DISABLED: u32 = 1 << 9;
const SVR_WRITABLE: u32 = 0x3FF;
const SVR_RESET: u32 = 0xFF;

/// DFR bits 31:28: model (1111b flat, 0000b cluster); bits 27:0 read 1.
const DFR_MODEL_MASK: u32 = 0xF000_0000;
const DFR_RESERVED_ONES: u32 = 0x0FFF_FFFF;

/// LVT bits (SDM Figure 10-8).
pub const LVT_VECTOR: u32 = 0xFF;
pub const LVT_DELIVERY_MODE_SHIFT: u32 = 8;
pub const LVT_DELIVERY_STATUS: u32 = 1 << 12;
pub const LVT_POLARITY_LOW: u32 = 1 << 13;
pub const LVT_REMOTE_IRR: u32 = 1 << 14;
pub const LVT_LEVEL: u32 = 1 << 15;
pub const LVT_MASKED: u32 = 1 << 16;

/// ESR bits (SDM Figure 10-9).
pub const ESR_SEND_ILLEGAL_VECTOR: u32 = 1 << 5;
pub const ESR_RECEIVE_ILLEGAL_VECTOR: u32 = 1 << 6;
pub const ESR_ILLEGAL_REGISTER: u32 = 1 << 7;

/// ICR bits (SDM Figure 10-12).
pub const ICR_DEST_LOGICAL: u32 = 1 << 11;
pub const ICR_LEVEL_ASSERT: u32 = 1 << 14;
pub const ICR_TRIGGER_LEVEL: u32 = 1 << 15;
pub const ICR_SHORTHAND_SHIFT: u32 = 18;
const ICR_LOW_WRITABLE: u32 = 0x000C_CFFF;
/// Destination shorthands.
pub const SHORTHAND_NONE: u32 = 0;
pub const SHORTHAND_SELF: u32 = 1;
pub const SHORTHAND_ALL_INCLUDING_SELF: u32 = 2;
pub const SHORTHAND_ALL_EXCLUDING_SELF: u32 = 3;

/// LVT entries, in register order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lvt {
    Timer = 0,
    Thermal = 1,
    Perf = 2,
    Lint0 = 3,
    Lint1 = 4,
    Error = 5,
}

impl Lvt {
    /// Writable bits of each entry (delivery status and remote IRR are
    /// read-only; the timer has no delivery mode, the error entry neither).
    fn writable(self) -> u32 {
        match self {
            Lvt::Timer => LVT_VECTOR | LVT_MASKED | (1 << LVT_TIMER_MODE_SHIFT),
            Lvt::Thermal | Lvt::Perf => LVT_VECTOR | 0x700 | LVT_MASKED,
            Lvt::Lint0 | Lvt::Lint1 => {
                LVT_VECTOR | 0x700 | LVT_POLARITY_LOW | LVT_LEVEL | LVT_MASKED
            }
            Lvt::Error => LVT_VECTOR | LVT_MASKED,
        }
    }
}

/// What the APIC asks of the processor (see [`LocalApic::pending`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApicInterrupt {
    /// An NMI (LINT1 in NMI mode, an NMI IPI).
    Nmi,
    /// An external interrupt: the 8259A supplies the vector (INTA cycle).
    ExtInt,
    /// A fixed interrupt with this vector, dispensed from the IRR.
    Fixed(u8),
}

/// 256-bit vector register (IRR, ISR, TMR) as eight 32-bit words, as the
/// APIC page shows them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VectorBits(pub [u32; 8]);

impl VectorBits {
    pub fn set(&mut self, v: u8) {
        self.0[usize::from(v >> 5)] |= 1 << (v & 31);
    }
    pub fn clear(&mut self, v: u8) {
        self.0[usize::from(v >> 5)] &= !(1 << (v & 31));
    }
    pub fn get(&self, v: u8) -> bool {
        self.0[usize::from(v >> 5)] & (1 << (v & 31)) != 0
    }
    /// Highest set vector.
    pub fn highest(&self) -> Option<u8> {
        (0..8)
            .rev()
            .find(|&i| self.0[i] != 0)
            .map(|i| (i as u32 * 32 + 31 - self.0[i].leading_zeros()) as u8)
    }
}

/// A local APIC (power-up state from [`LocalApic::new`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalApic {
    base_msr: u64,
    id: u32,
    tpr: u32,
    ldr: u32,
    dfr: u32,
    svr: u32,
    pub isr: VectorBits,
    pub tmr: VectorBits,
    pub irr: VectorBits,
    /// ESR as last latched by a write.
    esr: u32,
    /// Errors detected since the last ESR write.
    esr_pending: u32,
    icr_low: u32,
    icr_high: u32,
    lvt: [u32; 6],
    timer: ApicTimer,
    /// Input levels of LINT0 and LINT1 (asserted = true, after polarity).
    lint: [bool; 2],
    /// ExtINT message from the IOAPIC awaiting the INTA cycle.
    extint_message: bool,
    nmi_pending: bool,
    /// Vector of the last EOI of a level-triggered interrupt, for the
    /// IOAPIC (EOI message, §10.8.5).
    eoi_broadcast: Option<u8>,
    now_ns: u64,
}

impl Default for LocalApic {
    fn default() -> Self {
        Self::new(0)
    }
}

impl LocalApic {
    /// Power-up state (SDM §10.4.7.1) of the bootstrap processor's APIC
    /// with APIC ID `id`, globally enabled at the default base.
    pub fn new(id: u8) -> Self {
        let mut a = LocalApic {
            base_msr: u64::from(APIC_DEFAULT_BASE) | APIC_BASE_BSP | APIC_BASE_ENABLE,
            id: u32::from(id) << 24,
            tpr: 0,
            ldr: 0,
            dfr: 0,
            svr: 0,
            isr: VectorBits::default(),
            tmr: VectorBits::default(),
            irr: VectorBits::default(),
            esr: 0,
            esr_pending: 0,
            icr_low: 0,
            icr_high: 0,
            lvt: [0; 6],
            timer: ApicTimer::default(),
            lint: [false; 2],
            extint_message: false,
            nmi_pending: false,
            eoi_broadcast: None,
            now_ns: 0,
        };
        a.power_up_registers();
        a
    }

    /// Registers to their power-up values; base MSR, ID, input levels and
    /// time are kept.
    fn power_up_registers(&mut self) {
        self.tpr = 0;
        self.ldr = 0;
        self.dfr = u32::MAX;
        self.svr = SVR_RESET;
        self.isr = VectorBits::default();
        self.tmr = VectorBits::default();
        self.irr = VectorBits::default();
        self.esr = 0;
        self.esr_pending = 0;
        self.icr_low = 0;
        self.icr_high = 0;
        self.lvt = [LVT_MASKED; 6];
        self.timer = ApicTimer::default();
        self.extint_message = false;
        self.nmi_pending = false;
        self.eoi_broadcast = None;
    }

    /// What a PC BIOS leaves for an operating system (MP specification
    /// §3.6.2.2, virtual-wire mode): APIC software-enabled, LINT0 = ExtINT
    /// so the 8259A's INTR reaches the processor, LINT1 = NMI.
    pub fn set_virtual_wire(&mut self) {
        self.svr |= SVR_APIC_ENABLED;
        self.lvt[Lvt::Lint0 as usize] = (DeliveryMode::ExtInt as u32) << LVT_DELIVERY_MODE_SHIFT;
        self.lvt[Lvt::Lint1 as usize] = (DeliveryMode::Nmi as u32) << LVT_DELIVERY_MODE_SHIFT;
    }

    // ---- IA32_APIC_BASE ----------------------------------------------

    /// RDMSR IA32_APIC_BASE.
    pub fn base_msr(&self) -> u64 {
        self.base_msr
    }

    /// WRMSR IA32_APIC_BASE. Returns `false` (the caller raises #GP) if a
    /// reserved bit is set. The BSP flag is read-only. Clearing the global
    /// enable resets the APIC's registers (§10.4.3).
    pub fn write_base_msr(&mut self, v: u64) -> bool {
        if v & !APIC_BASE_WRITABLE != 0 {
            return false;
        }
        let was = self.hw_enabled();
        self.base_msr =
            (v & (APIC_BASE_ADDR_MASK | APIC_BASE_ENABLE)) | (self.base_msr & APIC_BASE_BSP);
        if was && !self.hw_enabled() {
            self.power_up_registers();
        }
        true
    }

    /// Physical address of the APIC page.
    pub fn base(&self) -> u32 {
        (self.base_msr & APIC_BASE_ADDR_MASK) as u32
    }

    /// Globally enabled (IA32_APIC_BASE bit 11).
    pub fn hw_enabled(&self) -> bool {
        self.base_msr & APIC_BASE_ENABLE != 0
    }

    /// Software-enabled (SVR bit 8).
    pub fn sw_enabled(&self) -> bool {
        self.svr & SVR_APIC_ENABLED != 0
    }

    /// APIC ID (bits 31:24 of the ID register).
    pub fn id(&self) -> u8 {
        (self.id >> 24) as u8
    }

    /// Spurious-interrupt vector (SVR bits 7:0).
    pub fn spurious_vector(&self) -> u8 {
        self.svr as u8
    }

    /// An LVT entry.
    pub fn lvt(&self, which: Lvt) -> u32 {
        self.lvt[which as usize]
    }

    // ---- time ---------------------------------------------------------

    /// Bring the APIC to virtual time `now_ns`: the timer may fire.
    pub fn advance(&mut self, now_ns: u64) {
        self.now_ns = self.now_ns.max(now_ns);
        if self.timer.fire_due(self.now_ns) {
            let e = self.lvt[Lvt::Timer as usize];
            if e & LVT_MASKED == 0 {
                self.accept_fixed(e as u8, false);
            }
        }
    }

    /// Virtual time of the next timer expiry, if the timer runs.
    pub fn next_deadline_ns(&self) -> Option<u64> {
        if !self.hw_enabled() {
            return None;
        }
        self.timer.deadline_ns()
    }

    // ---- priorities (§10.8.3) -----------------------------------------

    fn isrv(&self) -> u32 {
        self.isr.highest().map_or(0, u32::from)
    }

    /// Processor-priority register.
    pub fn ppr(&self) -> u32 {
        let isrv = self.isrv();
        if self.tpr & 0xF0 >= isrv & 0xF0 {
            self.tpr & 0xFF
        } else {
            isrv & 0xF0
        }
    }

    /// Arbitration-priority register (§10.8.3.1, P6 family).
    pub fn apr(&self) -> u32 {
        let isrv = self.isrv() & 0xF0;
        let irrv = self.irr.highest().map_or(0, u32::from) & 0xF0;
        let tpr = self.tpr & 0xFF;
        if tpr & 0xF0 >= irrv && tpr & 0xF0 > isrv {
            tpr
        } else {
            (tpr & 0xF0).max(isrv).max(irrv)
        }
    }

    /// The fixed vector the APIC would dispense now: the highest IRR
    /// vector whose priority class is above the PPR's.
    pub fn pending_vector(&self) -> Option<u8> {
        let v = self.irr.highest()?;
        (u32::from(v) & 0xF0 > self.ppr() & 0xF0).then_some(v)
    }

    /// What the APIC asks of the processor, by precedence: NMI, then
    /// ExtINT (LINT0 in ExtINT mode with its input asserted, or an ExtINT
    /// message; not subject to the PPR), then a fixed vector. `None` while
    /// globally disabled (the 8259A then drives INTR directly).
    pub fn pending(&self) -> Option<ApicInterrupt> {
        if !self.hw_enabled() {
            return None;
        }
        if self.nmi_pending {
            return Some(ApicInterrupt::Nmi);
        }
        if self.extint_requested() {
            return Some(ApicInterrupt::ExtInt);
        }
        self.pending_vector().map(ApicInterrupt::Fixed)
    }

    /// LINT0 passes the 8259A's INTR (virtual wire), or an ExtINT message
    /// waits.
    pub fn extint_requested(&self) -> bool {
        let e = self.lvt[Lvt::Lint0 as usize];
        self.extint_message
            || (self.lint[0] && e & LVT_MASKED == 0 && lvt_mode(e) == DeliveryMode::ExtInt)
    }

    /// Take a pending NMI.
    pub fn take_nmi(&mut self) -> bool {
        std::mem::take(&mut self.nmi_pending)
    }

    /// The INTA cycle for a fixed interrupt: the highest dispensable IRR
    /// vector moves to the ISR and is returned. If nothing is dispensable
    /// any more (masked by a TPR write since it was requested) the
    /// spurious vector is returned and no ISR bit is set (§10.9). `None`
    /// only while globally disabled.
    pub fn acknowledge(&mut self) -> Option<u8> {
        if !self.hw_enabled() {
            return None;
        }
        match self.pending_vector() {
            Some(v) => {
                self.irr.clear(v);
                self.isr.set(v);
                Some(v)
            }
            None => Some(self.spurious_vector()),
        }
    }

    /// The INTA cycle of an ExtINT: the ExtINT message (if any) is used up;
    /// the caller runs the 8259A's INTA for the vector.
    pub fn acknowledge_extint(&mut self) {
        self.extint_message = false;
    }

    /// Take the vector of the last EOI of a level-triggered interrupt (for
    /// the IOAPIC's remote IRR).
    pub fn take_eoi_broadcast(&mut self) -> Option<u8> {
        self.eoi_broadcast.take()
    }

    // ---- interrupt acceptance ------------------------------------------

    /// Accept a fixed interrupt into the IRR (§10.8.4); `level` sets its
    /// TMR bit. Vectors 0–15 are illegal (ESR receive illegal vector).
    fn accept_fixed(&mut self, vector: u8, level: bool) {
        if vector < 16 {
            self.error(ESR_RECEIVE_ILLEGAL_VECTOR);
            return;
        }
        self.irr.set(vector);
        if level {
            self.tmr.set(vector);
        } else {
            self.tmr.clear(vector);
        }
    }

    /// Record an error and raise the error LVT entry.
    fn error(&mut self, bit: u32) {
        self.esr_pending |= bit;
        let e = self.lvt[Lvt::Error as usize];
        if e & LVT_MASKED == 0 {
            if e as u8 >= 16 {
                self.irr.set(e as u8);
                self.tmr.clear(e as u8);
            } else {
                self.esr_pending |= ESR_RECEIVE_ILLEGAL_VECTOR;
            }
        }
    }

    /// This APIC is a target of a message to `dest` (§10.6.2): physical
    /// ID or broadcast FFh; logical flat (LDR & dest ≠ 0) or cluster (same
    /// cluster or broadcast cluster Fh, member bits overlap).
    pub fn matches_destination(&self, dest: u8, logical: bool) -> bool {
        if !logical {
            return dest == 0xFF || dest == self.id();
        }
        let ldr = (self.ldr >> 24) as u8;
        if self.dfr & DFR_MODEL_MASK == DFR_MODEL_MASK {
            ldr & dest != 0
        } else {
            let cluster_ok = dest >> 4 == 0xF || dest >> 4 == ldr >> 4;
            cluster_ok && dest & ldr & 0x0F != 0
        }
    }

    /// Receive an interrupt message (from the IOAPIC, or an IPI to self)
    /// already routed to this APIC.
    pub fn deliver(&mut self, m: &Message) {
        if !self.hw_enabled() {
            return;
        }
        match m.mode {
            DeliveryMode::Fixed | DeliveryMode::LowestPriority => {
                if self.sw_enabled() {
                    self.accept_fixed(m.vector, m.level);
                }
            }
            DeliveryMode::Nmi => self.nmi_pending = true,
            DeliveryMode::ExtInt => self.extint_message = true,
            DeliveryMode::Smi
            | DeliveryMode::Init
            | DeliveryMode::StartUp
            | DeliveryMode::Reserved => {
                log::debug!(
                    "local APIC: {:?} message ignored (one processor, no SMM)",
                    m.mode
                );
            }
        }
    }

    /// Drive LINT0 (`pin` 0) or LINT1 (1) to `level` (true = electrically
    /// high; the entry's polarity decides what is asserted). On a PC the
    /// 8259A's INTR drives LINT0 and NMI drives LINT1.
    pub fn set_lint(&mut self, pin: usize, level: bool) {
        let which = if pin == 0 { Lvt::Lint0 } else { Lvt::Lint1 };
        let e = self.lvt[which as usize];
        let asserted = level != (e & LVT_POLARITY_LOW != 0);
        let rising = asserted && !self.lint[pin & 1];
        self.lint[pin & 1] = asserted;
        if rising || (asserted && e & LVT_LEVEL != 0) {
            self.trigger_lint(which);
        }
    }

    /// An asserted LINT input acts through its LVT entry (§10.5.1): fixed
    /// edge sets the IRR, fixed level also sets remote IRR (until EOI),
    /// NMI on the edge; ExtINT is a level seen by [`LocalApic::pending`].
    fn trigger_lint(&mut self, which: Lvt) {
        let e = self.lvt[which as usize];
        if e & LVT_MASKED != 0 || !self.hw_enabled() {
            return;
        }
        match lvt_mode(e) {
            DeliveryMode::Fixed => {
                if e & LVT_LEVEL != 0 {
                    if e & LVT_REMOTE_IRR != 0 {
                        return;
                    }
                    self.lvt[which as usize] |= LVT_REMOTE_IRR;
                }
                self.accept_fixed(e as u8, e & LVT_LEVEL != 0);
            }
            DeliveryMode::Nmi => self.nmi_pending = true,
            _ => {}
        }
    }

    /// EOI (§10.8.5): the highest ISR bit is cleared; a level-triggered
    /// vector is broadcast to the IOAPIC and clears the remote IRR of LINT
    /// entries with that vector (a LINT input still asserted fires again).
    fn eoi(&mut self) {
        let Some(v) = self.isr.highest() else {
            return;
        };
        self.isr.clear(v);
        if !self.tmr.get(v) {
            return;
        }
        self.eoi_broadcast = Some(v);
        for (pin, which) in [(0, Lvt::Lint0), (1, Lvt::Lint1)] {
            let e = &mut self.lvt[which as usize];
            if *e & LVT_REMOTE_IRR != 0 && *e as u8 == v {
                *e &= !LVT_REMOTE_IRR;
                if self.lint[pin] {
                    self.trigger_lint(which);
                }
            }
        }
    }

    /// Write of the ICR low half: send the IPI (§10.6.1).
    fn send_ipi(&mut self) {
        let icr = self.icr_low;
        let mode = DeliveryMode::from_bits(icr >> 8);
        let m = Message {
            vector: icr as u8,
            mode,
            logical: icr & ICR_DEST_LOGICAL != 0,
            dest: (self.icr_high >> 24) as u8,
            level: icr & ICR_TRIGGER_LEVEL != 0,
        };
        let to_self = match (icr >> ICR_SHORTHAND_SHIFT) & 3 {
            SHORTHAND_SELF | SHORTHAND_ALL_INCLUDING_SELF => true,
            SHORTHAND_ALL_EXCLUDING_SELF => false,
            _ => self.matches_destination(m.dest, m.logical),
        };
        match mode {
            DeliveryMode::Fixed | DeliveryMode::LowestPriority if m.vector < 16 => {
                self.error(ESR_SEND_ILLEGAL_VECTOR);
            }
            DeliveryMode::Init if icr & ICR_LEVEL_ASSERT == 0 => {
                // INIT level de-assert: only synchronises arbitration IDs.
            }
            _ if to_self => self.deliver(&m),
            _ => log::debug!(
                "local APIC: IPI {icr:#x} to {:#x} reaches no processor",
                m.dest
            ),
        }
    }

    // ---- register access ------------------------------------------------

    /// Read `size` (1, 2 or 4) bytes at `offset` in the APIC page.
    pub fn mmio_read(&mut self, offset: u32, size: u32) -> u32 {
        let slot = offset & 0xFF0;
        let byte = offset & 0xF;
        if byte >= 4 {
            return 0;
        }
        let v = self.read_register(slot) >> (8 * byte);
        match size {
            1 => v & 0xFF,
            2 => v & 0xFFFF,
            _ => v,
        }
    }

    /// Write `size` bytes of `value` at `offset` (see the module notes on
    /// access widths).
    pub fn mmio_write(&mut self, offset: u32, _size: u32, value: u32) {
        if offset & 0xF != 0 {
            return;
        }
        self.write_register(offset & 0xFF0, value);
    }

    fn read_register(&mut self, slot: u32) -> u32 {
        match slot {
            reg::ID => self.id,
            reg::VERSION => APIC_VERSION,
            reg::TPR => self.tpr,
            reg::APR => self.apr(),
            reg::PPR => self.ppr(),
            reg::EOI | reg::RRD => 0,
            reg::LDR => self.ldr,
            reg::DFR => self.dfr,
            reg::SVR => self.svr,
            0x100..=0x170 => self.isr.0[((slot - reg::ISR0) >> 4) as usize],
            0x180..=0x1F0 => self.tmr.0[((slot - reg::TMR0) >> 4) as usize],
            0x200..=0x270 => self.irr.0[((slot - reg::IRR0) >> 4) as usize],
            reg::ESR => self.esr,
            reg::ICR_LOW => self.icr_low,
            reg::ICR_HIGH => self.icr_high,
            0x320..=0x370 => self.lvt[((slot - reg::LVT_TIMER) >> 4) as usize],
            reg::TIMER_INITIAL => self.timer.initial,
            reg::TIMER_CURRENT => self.timer.current(self.now_ns),
            reg::TIMER_DCR => self.timer.dcr,
            _ => {
                self.error(ESR_ILLEGAL_REGISTER);
                0
            }
        }
    }

    fn write_register(&mut self, slot: u32, v: u32) {
        match slot {
            reg::ID => self.id = v & 0xFF00_0000,
            reg::TPR => self.tpr = v & 0xFF,
            reg::EOI => self.eoi(),
            reg::LDR => self.ldr = v & 0xFF00_0000,
            reg::DFR => self.dfr = (v & DFR_MODEL_MASK) | DFR_RESERVED_ONES,
            reg::SVR => {
                self.svr = v & SVR_WRITABLE;
                if !self.sw_enabled() {
                    for e in &mut self.lvt {
                        *e |= LVT_MASKED;
                    }
                }
            }
            reg::ESR => {
                self.esr = self.esr_pending;
                self.esr_pending = 0;
            }
            reg::ICR_LOW => {
                self.icr_low = v & ICR_LOW_WRITABLE;
                self.send_ipi();
            }
            reg::ICR_HIGH => self.icr_high = v & 0xFF00_0000,
            0x320..=0x370 => self.write_lvt(((slot - reg::LVT_TIMER) >> 4) as usize, v),
            reg::TIMER_INITIAL => self.timer.load(v, self.now_ns),
            reg::TIMER_DCR => self.timer.set_dcr(v, self.now_ns),
            // Read-only registers ignore writes.
            reg::VERSION | reg::APR | reg::PPR | reg::RRD | 0x100..=0x270 | reg::TIMER_CURRENT => {}
            _ => self.error(ESR_ILLEGAL_REGISTER),
        }
    }

    fn write_lvt(&mut self, i: usize, v: u32) {
        const ORDER: [Lvt; 6] = [
            Lvt::Timer,
            Lvt::Thermal,
            Lvt::Perf,
            Lvt::Lint0,
            Lvt::Lint1,
            Lvt::Error,
        ];
        let which = ORDER[i];
        let mut v = v & which.writable();
        if !self.sw_enabled() {
            v |= LVT_MASKED;
        }
        self.lvt[i] = v | (self.lvt[i] & LVT_REMOTE_IRR);
        match which {
            Lvt::Timer => self.timer.set_periodic(
                (v >> LVT_TIMER_MODE_SHIFT) & 3 == TIMER_MODE_PERIODIC,
                self.now_ns,
            ),
            // An unmasked level-triggered LINT input still asserted acts now.
            Lvt::Lint0 | Lvt::Lint1 => {
                let pin = i - Lvt::Lint0 as usize;
                if self.lint[pin] && v & LVT_LEVEL != 0 {
                    self.trigger_lint(which);
                }
            }
            _ => {}
        }
    }
}

/// Delivery mode of an LVT entry.
fn lvt_mode(e: u32) -> DeliveryMode {
    DeliveryMode::from_bits(e >> LVT_DELIVERY_MODE_SHIFT)
}

#[cfg(test)]
#[path = "local_tests.rs"]
mod tests;
