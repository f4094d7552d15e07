//! The 82371SB PIIX3 PCI-to-ISA bridge, function 00:01.0 (Intel 82371FB
//! PIIX / 82371SB PIIX3 datasheet, §2.2 "PCI to ISA/EIO Bridge
//! Configuration Registers", and §2.4 "Reset Control Register").
//!
//! What is modelled: the identity (8086:7000, class 060100 ISA bridge,
//! multi-function header so functions 1–7 are probed), the PIRQ[A:D]#
//! route control registers 60h–63h, the other registers a BIOS programs
//! (IORT, XBCS, TOM, MBIRQ0, MBDMA, APICBASE, DLC, SMI control) as stored
//! values, and the Reset Control register at I/O port CF9h.
//!
//! The ELCR (4D0h/4D1h) of the PIIX3 lives with the 8259A model
//! (`crate::pic8259`). Routing an asserted PIRQ to its ISA IRQ is the
//! machine's job: [`Piix3::pirq_route`] says where each line goes.

use super::config::{ConfigSpace, PCI_COMMAND, PCI_HEADER_TYPE_MULTI_FUNCTION, PCI_STATUS};
use super::i440fx::PCI_VENDOR_ID_INTEL;

/// 82371SB function 0 device ID.
pub const PIIX3_ISA_DEVICE_ID: u16 = 0x7000;
/// Class code: bridge, ISA bridge.
pub const PCI_CLASS_BRIDGE_ISA: u32 = 0x06_0100;
/// PCICMD power-on value: I/O, memory and bus master enabled (hardwired).
pub const PIIX3_PCICMD_DEFAULT: u16 = 0x0007;
/// PCISTS power-on value: DEVSEL medium.
pub const PIIX3_PCISTS_DEFAULT: u16 = 0x0200;

/// IORT — ISA I/O recovery timer.
pub const PIIX3_IORT: u8 = 0x4C;
/// XBCS — X-Bus chip select (word).
pub const PIIX3_XBCS: u8 = 0x4E;
/// PIRQRC[A] — PIRQA# route control; B, C, D follow at 61h–63h.
pub const PIIX3_PIRQRC: u8 = 0x60;
/// Number of PIRQ lines.
pub const PIIX3_PIRQ_COUNT: usize = 4;
/// PIRQRC bit 7: IRQROUTEN — 1 = routing disabled (power-on).
pub const PIRQRC_IRQROUTEN_DISABLE: u8 = 0x80;
/// PIRQRC bits 3–0: the ISA IRQ the line is routed to.
pub const PIRQRC_IRQ_MASK: u8 = 0x0F;
/// TOM — top of memory.
pub const PIIX3_TOM: u8 = 0x69;
/// MSTAT — miscellaneous status (word).
pub const PIIX3_MSTAT: u8 = 0x6A;
/// MBIRQ0 — motherboard device IRQ route control 0.
pub const PIIX3_MBIRQ0: u8 = 0x70;
/// MBDMA0 — motherboard device DMA control (76h–77h).
pub const PIIX3_MBDMA: u8 = 0x76;
/// PCSC — programmable chip select control (word).
pub const PIIX3_PCSC: u8 = 0x78;
/// APICBASE — IOAPIC base address relocation.
pub const PIIX3_APICBASE: u8 = 0x80;
/// DLC — deterministic latency control.
pub const PIIX3_DLC: u8 = 0x82;
/// SMICNTL — SMI control; SMIEN (A2h), SEE (A4h), FTMR (A8h), SMIREQ
/// (AAh), CTLTMR (ACh), CTHTMR (AEh) follow.
pub const PIIX3_SMICNTL: u8 = 0xA0;

/// I/O port of the Reset Control register.
pub const PIIX3_RESET_CONTROL_PORT: u16 = 0xCF9;
/// RC bit 1: SRST — the reset initiated by RCPU is a hard (system) reset.
pub const RC_SRST: u8 = 0x02;
/// RC bit 2: RCPU — a 0-to-1 transition resets the CPU.
pub const RC_RCPU: u8 = 0x04;

/// ISA IRQs a PIRQ may be routed to (PIRQRC bits 3–0; 0–2, 8 and 13 are
/// reserved).
pub const PIRQ_VALID_IRQS: [u8; 11] = [3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15];

/// The ISA bridge function and its reset control register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piix3 {
    pub config: ConfigSpace,
    reset_control: u8,
    reset_requested: bool,
}

impl Default for Piix3 {
    fn default() -> Self {
        Piix3::new()
    }
}

impl Piix3 {
    /// Power-on state (datasheet defaults; PIRQ routing disabled).
    pub fn new() -> Self {
        let mut c = ConfigSpace::new(
            PCI_VENDOR_ID_INTEL,
            PIIX3_ISA_DEVICE_ID,
            0x00,
            PCI_CLASS_BRIDGE_ISA,
            PCI_HEADER_TYPE_MULTI_FUNCTION,
        );
        c.init_word(PCI_COMMAND, PIIX3_PCICMD_DEFAULT);
        c.set_writable(PCI_COMMAND, 2, 0x0148); // SERR#, parity, special cycles
        c.init_word(PCI_STATUS, PIIX3_PCISTS_DEFAULT);
        // (offset, size, power-on value, writable mask)
        let regs: [(u8, usize, u32, u32); 12] = [
            (PIIX3_IORT, 1, 0x4D, 0xFF),
            (PIIX3_XBCS, 2, 0x0003, 0x07FF),
            (PIIX3_PIRQRC, 4, 0x8080_8080, 0x8F8F_8F8F),
            (PIIX3_TOM, 1, 0x02, 0xFF),
            (PIIX3_MSTAT, 2, 0x0000, 0x0001),
            (PIIX3_MBIRQ0, 1, 0x80, 0xCF),
            (PIIX3_MBDMA, 2, 0x0C0C, 0x8787),
            (PIIX3_PCSC, 2, 0x0002, 0xFFFF),
            (PIIX3_APICBASE, 1, 0x00, 0x7F),
            (PIIX3_DLC, 1, 0x00, 0x0F),
            (PIIX3_SMICNTL, 4, 0x0000_0008, 0x00FF_001F),
            (PIIX3_SMICNTL + 4, 4, 0x0000_0000, 0xFFFF_FFFF),
        ];
        for (off, size, value, mask) in regs {
            c.init(off, size, value);
            c.set_writable(off, size, mask);
        }
        // FTMR, SMIREQ, CTLTMR, CTHTMR.
        c.init(0xA8, 1, 0x0F);
        c.set_writable(0xA8, 1, 0xFF);
        c.set_writable(0xAA, 2, 0x01FF);
        c.set_writable(0xAC, 1, 0xFF);
        c.set_writable(0xAE, 1, 0xFF);
        Piix3 {
            config: c,
            reset_control: 0,
            reset_requested: false,
        }
    }

    /// Configuration read.
    pub fn read(&self, offset: u8, size: usize) -> u32 {
        self.config.read(offset, size)
    }

    /// Configuration write.
    pub fn write(&mut self, offset: u8, size: usize, value: u32) {
        self.config.write(offset, size, value);
    }

    /// The ISA IRQ PIRQ line `pin` (0 = PIRQA# … 3 = PIRQD#) is routed to,
    /// or `None` when routing is disabled or the IRQ number is reserved.
    pub fn pirq_route(&self, pin: usize) -> Option<u8> {
        let v = self
            .config
            .byte(PIIX3_PIRQRC + (pin % PIIX3_PIRQ_COUNT) as u8);
        let irq = v & PIRQRC_IRQ_MASK;
        (v & PIRQRC_IRQROUTEN_DISABLE == 0 && PIRQ_VALID_IRQS.contains(&irq)).then_some(irq)
    }

    /// Reads the Reset Control register (SRST; RCPU reads 0).
    pub fn read_reset_control(&self) -> u8 {
        self.reset_control
    }

    /// Writes the Reset Control register: SRST is stored; RCPU written as 1
    /// (it always reads 0, so every such write is a 0-to-1 transition)
    /// requests a reset.
    pub fn write_reset_control(&mut self, value: u8) {
        self.reset_control = value & RC_SRST;
        if value & RC_RCPU != 0 {
            self.reset_requested = true;
        }
    }

    /// Takes (and clears) a pending reset request.
    pub fn take_reset_request(&mut self) -> bool {
        std::mem::take(&mut self.reset_requested)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifies_as_multifunction_isa_bridge() {
        let d = Piix3::new();
        assert_eq!(d.read(0x00, 4), 0x7000_8086);
        assert_eq!(d.read(0x08, 4) >> 8, 0x06_0100);
        assert_eq!(d.read(0x0E, 1), 0x80);
        assert_eq!(d.read(0x04, 4), 0x0200_0007);
    }

    #[test]
    fn pirq_route_control_defaults_to_disabled() {
        let d = Piix3::new();
        assert_eq!(d.read(PIIX3_PIRQRC, 4), 0x8080_8080);
        for pin in 0..4 {
            assert_eq!(d.pirq_route(pin), None);
        }
    }

    #[test]
    fn pirq_route_control_routes_to_valid_isa_irqs_only() {
        // (value written, route reported, value read back)
        let cases = [
            (0x0B, Some(11), 0x0B),
            (0x05, Some(5), 0x05),
            (0x8B, None, 0x8B),
            (0x02, None, 0x02),
            (0x08, None, 0x08),
            (0x0D, None, 0x0D),
            (0x7F, Some(15), 0x0F),
        ];
        let mut d = Piix3::new();
        for (v, route, back) in cases {
            d.write(PIIX3_PIRQRC + 2, 1, v);
            assert_eq!(d.pirq_route(2), route, "PIRQC = {v:#x}");
            assert_eq!(d.read(PIIX3_PIRQRC + 2, 1), back);
        }
        d.write(PIIX3_PIRQRC, 4, 0x0B0B_0A0A);
        let routes: Vec<_> = (0..4).map(|p| d.pirq_route(p)).collect();
        assert_eq!(routes, [Some(10), Some(10), Some(11), Some(11)]);
    }

    #[test]
    fn reset_control_rcpu_requests_reset_and_srst_is_stored() {
        let mut d = Piix3::new();
        d.write_reset_control(RC_SRST);
        assert_eq!(d.read_reset_control(), RC_SRST);
        assert!(!d.take_reset_request());
        d.write_reset_control(RC_SRST | RC_RCPU);
        assert_eq!(d.read_reset_control(), RC_SRST, "RCPU reads 0");
        assert!(d.take_reset_request());
        assert!(!d.take_reset_request(), "taken once");
    }
}
