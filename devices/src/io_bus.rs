//! The x86 I/O port space (IN/OUT/INS/OUTS) of the PC, and the wiring of
//! the legacy devices' interrupt lines, A20 and reset outputs.
//!
//! Ports are 16-bit addresses; accesses are 1, 2 or 4 bytes wide. A wide
//! access to ports claimed by byte-wide devices is split into byte accesses,
//! which is what the ISA bus does for 8-bit devices. Unclaimed ports read
//! all-ones (an open bus) and ignore writes.
//!
//! The PC platform ([`IoBus::with_pc_devices`]) puts these on the bus (IBM
//! PC/AT Technical Reference, "System I/O address map"):
//!
//! | ports | device | IRQ |
//! |---|---|---|
//! | 0x20/0x21, 0xA0/0xA1, 0x4D0/0x4D1 | dual 8259A + PIIX ELCR | — |
//! | 0x40–0x43, 0x61 | 8254 PIT, system control port B | 0 (OUT0) |
//! | 0x60, 0x64 | 8042 keyboard controller | 1, 12 |
//! | 0x70/0x71 | MC146818 CMOS/RTC (0x70 bit 7: NMI mask) | 8 |
//! | 0x92 | system control port A (fast A20, fast reset) | — |
//! | 0x3F8, 0x2F8, 0x3E8, 0x2E8 (8 each) | 16550A COM1–COM4 | 4, 3, 4, 3 |
//! | 0x1F0–0x1F7/0x3F6, 0x170–0x177/0x376 (+ bus master at BMIBA) | PIIX IDE, when drives are attached | 14, 15 |
//! | 0x00–0x0F, 0xC0–0xDF, 0x81–0x8F | dual 8237A DMA + page registers | — |
//! | 0x3F0–0x3F5, 0x3F7 | 82077AA floppy controller (DMA 2), when drives are attached | 6 |
//!
//! Time: the bus owns the machine's [`VirtualClock`]. Every access carries
//! the CPU's retired-instruction count ([`IoBus::read_at`] /
//! [`IoBus::write_at`]), which the clock turns into `now_ns` for the timer
//! devices: one multiply per access.
//!
//! Interrupt lines: the device models only expose their output levels.
//! [`IoBus::update`] brings the timers to the present and drives the
//! changed lines into the PIC (PIT OUT0 rising edges are replayed as
//! edges; the others are levels, edge-detected by the 8259A unless the ELCR
//! makes them level-triggered; COM1/COM3 and COM2/COM4 share a line, ORed).
//! The machine calls it when [`IoBus::needs_update`] says so: after a
//! device port access or host input, or when the next timer event
//! ([`IoBus::next_event_ns`]) is due.

use crate::clock::{ClockMode, VirtualClock};
use crate::cmos_rtc::{CmosLayout, CmosRtc, CMOS_DATA_PORT, CMOS_INDEX_PORT};
use crate::debug_ports::DebugPorts;
use crate::dma8237::Dma8237;
use crate::fdc82077::{Fdc82077, FDC_IRQ};
use crate::i8042::{self, I8042};
use crate::ide::{DmaMemory, Ide, IDE_IRQ};
use crate::pci::{Pci, SCI_IRQ};
use crate::pic8259::Pic;
use crate::pit8254::{Pit8254, PORT_CONTROL, PORT_COUNTER0, PORT_SYSTEM_CONTROL_B};
use crate::port92::{Port92, PORT92};
use crate::uart16550::{Uart16550, REGISTER_COUNT};

/// A serial port as the machine wires it: transmitted bytes collect in a
/// buffer that the host drains (see [`IoBus::take_com_output`]).
pub type SerialPort = Uart16550<Vec<u8>>;
/// COM1 (kept for older callers).
pub type Com1 = SerialPort;

/// Base ports of COM1–COM4.
pub const COM_BASES: [u16; 4] = [0x3F8, 0x2F8, 0x3E8, 0x2E8];
/// ISA IRQs of COM1–COM4 (COM3 shares IRQ4 with COM1, COM4 IRQ3 with COM2).
pub const COM_IRQS: [u8; 4] = [4, 3, 4, 3];
/// IRQ of the PIT's counter 0 output.
pub const PIT_IRQ: u8 = 0;
/// IRQ of the RTC.
pub const RTC_IRQ: u8 = 8;

/// ISA lines the bus drives as levels (all but IRQ0, which is replayed as
/// edges, and IRQ13, the FPU's FERR#, which the machine drives).
const LEVEL_LINES: u16 = 1 << i8042::KBD_IRQ
    | 1 << i8042::AUX_IRQ
    | 1 << RTC_IRQ
    | 1 << 3
    | 1 << 4
    | 1 << SCI_IRQ
    | 1 << IDE_IRQ[0]
    | 1 << IDE_IRQ[1]
    | 1 << FDC_IRQ;

/// Width of one port access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoSize {
    Byte = 1,
    Word = 2,
    Dword = 4,
}

impl IoSize {
    /// Size from a byte count (1, 2 or 4); anything else is treated as a byte.
    pub fn from_bytes(n: u32) -> Self {
        match n {
            2 => IoSize::Word,
            4 => IoSize::Dword,
            _ => IoSize::Byte,
        }
    }

    /// All-ones value for this width (what an open bus returns).
    pub fn mask(self) -> u32 {
        match self {
            IoSize::Byte => 0xFF,
            IoSize::Word => 0xFFFF,
            IoSize::Dword => 0xFFFF_FFFF,
        }
    }
}

/// How to build the PC devices.
#[derive(Clone, Debug)]
pub struct PlatformConfig {
    /// Clock mode.
    pub clock: ClockMode,
    /// The RTC's time (Unix seconds, UTC) at guest time 0.
    pub rtc_unix_secs: i64,
    /// The BIOS fields of CMOS RAM (memory sizes, equipment…).
    pub cmos: CmosLayout,
}

/// The I/O bus: owns the port-mapped devices of the machine and its clock.
#[derive(Debug, Default)]
pub struct IoBus {
    /// POST code, debug console and exit ports.
    pub debug: DebugPorts,
    /// The machine's virtual clock.
    pub clock: VirtualClock,
    /// COM1–COM4 (16550A), where present.
    pub com: [Option<SerialPort>; 4],
    /// The dual 8259A PIC (0x20/0x21, 0xA0/0xA1) with the PIIX ELCR
    /// (0x4D0/0x4D1), if present.
    pub pic: Option<Pic>,
    /// The 8254 PIT with port 0x61.
    pub pit: Option<Pit8254>,
    /// The CMOS RAM and RTC.
    pub rtc: Option<CmosRtc>,
    /// The 8042 keyboard controller with keyboard and mouse.
    pub kbc: Option<I8042>,
    /// Port 0x92.
    pub port92: Option<Port92>,
    /// The local APIC and IOAPIC (memory-mapped: [`IoBus::mmio_read`]),
    /// if present.
    pub apic: Option<crate::apic::ApicBus>,
    /// PCI bus 0 (i440FX, PIIX3, PIIX4 PM): ports 0xCF8–0xCFF and the ACPI
    /// PM block at PMBASE, full-width; its SCI drives IRQ 9.
    pub pci: Option<Pci>,
    /// The PIIX IDE controller (legacy ports, IRQ 14/15, bus master at
    /// the PCI function's BMIBA), when drives are attached.
    pub ide: Option<Ide>,
    /// The two 8237A DMA controllers and their page registers.
    pub dma: Option<Dma8237>,
    /// The 82077AA floppy controller (IRQ 6, DMA channel 2), when floppy
    /// drives are attached.
    pub fdc: Option<Fdc82077>,
    /// QEMU's firmware configuration interface (0x510/0x511), full-width,
    /// when the board offers it to firmware (`--bios`).
    pub fw_cfg: Option<crate::fw_cfg::FwCfg>,
    /// The VGA with the Bochs VBE interface ([`IoBus::attach_vga`]): ports
    /// 0x3B4–0x3DA and 0x1CE/0x1CF, and through [`IoBus::mmio_read`] the
    /// legacy window A0000–BFFFF and the linear framebuffer.
    pub vga: Option<crate::vga::Vga>,
    /// A firmware log port (isa-debugcon, e.g. SeaBIOS's 0x402), if any.
    pub firmware_log: Option<crate::debugcon::IsaDebugcon>,
    /// A device asked the machine to power off (ACPI S5 and the like): the
    /// machine ends the run with `RunOutcome::PowerOff`. Devices set it;
    /// nothing clears it.
    pub power_off_requested: bool,
    /// Number of port accesses seen (reads + writes); useful in tests.
    pub accesses: u64,
    /// Instruction count of the last access (time of accesses made without
    /// one, e.g. [`IoBus::read`]).
    last_icount: u64,
    /// A device's lines may have changed since the last [`IoBus::update`].
    lines_dirty: bool,
    /// A timer was accessed: its next event must be recomputed.
    timers_dirty: bool,
    /// Next timer event (`u64::MAX`: none), as of the last update.
    next_event: u64,
    /// Levels last driven into the PIC, by IRQ.
    irq_levels: u16,
    /// Port 60h was read since the last update: the 8042 may load its
    /// next byte.
    kbc_data_read: bool,
    /// Lines that rose (or got a replayed edge) since the last
    /// [`IoBus::take_risen_lines`].
    risen: u16,
}

impl IoBus {
    /// A bus with only the debug ports configured as given.
    pub fn new(debug: DebugPorts) -> Self {
        IoBus {
            debug,
            next_event: u64::MAX,
            ..Default::default()
        }
    }

    /// Add the dual 8259A PIC and the ELCR (in their power-on state).
    pub fn with_pic(mut self) -> Self {
        self.pic = Some(Pic::new());
        self
    }

    /// Add COM1 (a 16550A at 0x3F8–0x3FF, in its reset state).
    pub fn with_com1(mut self) -> Self {
        self.com[0] = Some(Uart16550::new(Vec::new()));
        self
    }

    /// Add the PC platform: PIC, PIT, CMOS/RTC, 8042, port 0x92 and
    /// COM1–COM4, with the clock in `cfg.clock` mode at time 0.
    pub fn with_pc_devices(mut self, cfg: &PlatformConfig) -> Self {
        self.clock = VirtualClock::new(cfg.clock);
        self.pic = Some(Pic::new());
        self.pit = Some(Pit8254::new());
        let mut rtc = CmosRtc::new(cfg.rtc_unix_secs, 0);
        rtc.apply_layout(&cfg.cmos);
        self.rtc = Some(rtc);
        self.kbc = Some(I8042::new());
        self.port92 = Some(Port92::new());
        self.pci = Some(Pci::new(0));
        self.dma = Some(Dma8237::new());
        for c in &mut self.com {
            *c = Some(Uart16550::new(Vec::new()));
        }
        self.lines_dirty = true;
        self.timers_dirty = true;
        self
    }

    /// Put a VGA (with the Bochs VBE interface) on the board, and its PCI
    /// function 00:02.0 on the PCI bus if there is one. The machine maps
    /// [`crate::vga::LEGACY_WINDOW`] and the framebuffer as MMIO pages.
    pub fn attach_vga(&mut self) {
        // The framebuffer is decoded once BAR0 is assigned (the machine
        // maps it then).
        self.vga = Some(crate::vga::Vga {
            lfb_base: crate::vga::LFB_UNMAPPED,
            ..crate::vga::Vga::new()
        });
        if let Some(pci) = self.pci.take() {
            self.pci = Some(pci.with_vga());
        }
    }

    /// Render the VGA's picture into `fb` at the current guest time
    /// (`false`: nothing changed since the last call, or no VGA).
    pub fn render_screen(&mut self, fb: &mut crate::vga::Framebuffer) -> bool {
        let now = self.clock.now_ns(self.last_icount);
        match self.vga.as_mut() {
            Some(v) => {
                v.set_time_ns(now);
                v.render(fb)
            }
            None => false,
        }
    }

    /// Where the VGA's linear framebuffer should be now: BAR0 of its PCI
    /// function when memory decoding is on, else `None` (not decoded).
    /// Without a PCI bus it stays at [`crate::vga::Vga::lfb_base`].
    pub fn vga_lfb_decoded(&self) -> Option<u64> {
        let vga = self.vga.as_ref()?;
        match self.pci.as_ref().and_then(|p| p.vga.as_ref()) {
            Some(c) => crate::vga::pci::lfb_base_from_config(c),
            None => Some(vga.lfb_base),
        }
    }

    /// A bus with nothing on it: every port is an open bus (for harnesses
    /// that model a bare CPU board, such as hardware conformance suites).
    pub fn bare() -> Self {
        IoBus::new(DebugPorts::new(crate::DebugPortsConfig {
            enabled: false,
            ..Default::default()
        }))
    }

    /// Bytes COM1 transmitted since the last call (empty without COM1).
    pub fn take_serial_output(&mut self) -> Vec<u8> {
        self.take_com_output(0)
    }

    /// Bytes COM`n+1` transmitted since the last call (empty if absent).
    pub fn take_com_output(&mut self, n: usize) -> Vec<u8> {
        self.com
            .get_mut(n)
            .and_then(Option::as_mut)
            .map(|u| std::mem::take(u.sink_mut()))
            .unwrap_or_default()
    }

    /// Bytes COM`n+1`'s receiver can take without an overrun (0 if absent).
    pub fn com_rx_space(&self, n: usize) -> usize {
        self.com
            .get(n)
            .and_then(Option::as_ref)
            .map_or(0, Uart16550::rx_space)
    }

    /// A byte arrives from the host on COM`n+1`'s serial input; false if
    /// lost (see [`Uart16550::receive`]) or the port is absent.
    pub fn com_receive(&mut self, n: usize, byte: u8) -> bool {
        let Some(u) = self.com.get_mut(n).and_then(Option::as_mut) else {
            return false;
        };
        self.lines_dirty = true;
        u.receive(byte)
    }

    /// Guest time now, for the last access's instruction count.
    pub fn now_ns(&self) -> u64 {
        self.clock.now_ns(self.last_icount)
    }

    /// The A20 gate as the board computes it: the 8042's output port bit 1
    /// OR port 0x92 bit 1 (true without either device: the gate is open).
    pub fn a20(&self) -> bool {
        match (&self.kbc, &self.port92) {
            (None, None) => true,
            (k, p) => k.as_ref().is_some_and(I8042::a20) || p.as_ref().is_some_and(Port92::a20),
        }
    }

    /// Takes a pending CPU reset request (8042 output port bit 0 pulsed
    /// low, or port 0x92 bit 0 set).
    pub fn take_reset_request(&mut self) -> bool {
        let k = self.kbc.as_mut().is_some_and(I8042::take_reset_request);
        let p = self.port92.as_mut().is_some_and(Port92::take_reset_request);
        let c = self.pci.as_mut().is_some_and(Pci::take_reset_request);
        k || p || c
    }

    /// NMI disabled through port 0x70 bit 7 (false without an RTC).
    pub fn nmi_masked(&self) -> bool {
        self.rtc.as_ref().is_some_and(CmosRtc::nmi_masked)
    }

    /// Read `size` bytes from `port` at the time of the last access.
    pub fn read(&mut self, port: u16, size: IoSize) -> u32 {
        self.read_at(port, size, self.last_icount)
    }

    /// Write the low `size` bytes of `value` to `port` at the time of the
    /// last access.
    pub fn write(&mut self, port: u16, size: IoSize, value: u32) {
        self.write_at(port, size, value, self.last_icount)
    }

    /// Read `size` bytes from `port` when `icount` instructions have
    /// retired.
    pub fn read_at(&mut self, port: u16, size: IoSize, icount: u64) -> u32 {
        self.accesses += 1;
        self.last_icount = icount;
        if let Some(v) = self.pci_read(port, size) {
            return v;
        }
        if let Some(v) = self.ide_read(port, size) {
            return v;
        }
        if let Some(v) = self.fw_cfg.as_mut().and_then(|f| f.io_read(port, size)) {
            return v;
        }
        if let Some(vga) = self.vga.as_mut().filter(|v| v.decodes_port(port)) {
            vga.set_time_ns(self.clock.now_ns(icount));
            return vga.io_read(port, size as u8);
        }
        let mut value = 0u32;
        for i in 0..size as u16 {
            let byte = self.read_byte(port.wrapping_add(i));
            value |= u32::from(byte) << (8 * i);
        }
        value
    }

    /// Write the low `size` bytes of `value` to `port` when `icount`
    /// instructions have retired.
    pub fn write_at(&mut self, port: u16, size: IoSize, value: u32, icount: u64) {
        self.accesses += 1;
        self.last_icount = icount;
        if self.debug.write_wide(port, size, value)
            || self.pci_write(port, size, value)
            || self.ide_write(port, size, value)
            || self
                .fw_cfg
                .as_mut()
                .is_some_and(|f| f.io_write(port, size, value))
        {
            return;
        }
        if let Some(vga) = self.vga.as_mut().filter(|v| v.decodes_port(port)) {
            vga.set_time_ns(self.clock.now_ns(icount));
            vga.io_write(port, size as u8, value);
            return;
        }
        for i in 0..size as u16 {
            self.write_byte(port.wrapping_add(i), (value >> (8 * i)) as u8);
        }
    }

    /// CPU load of `size` (1, 2 or 4) bytes at physical `addr` in an MMIO
    /// page, when `icount` instructions have retired. Nothing decoded
    /// there: all-ones.
    pub fn mmio_read(&mut self, addr: u32, size: u32, icount: u64) -> u32 {
        self.accesses += 1;
        self.last_icount = icount;
        if let Some(vga) = self
            .vga
            .as_mut()
            .filter(|v| v.owns_address(u64::from(addr)))
        {
            return vga.mem_read(u64::from(addr), size.clamp(1, 4) as u8) as u32;
        }
        let now = self.clock.now_ns(icount);
        match self.apic.as_mut() {
            Some(a) => {
                a.advance(now);
                a.mmio_read(addr, size)
            }
            None => u32::MAX >> (32 - 8 * size.clamp(1, 4)),
        }
    }

    /// CPU store of `size` bytes of `value` at physical `addr` in an MMIO
    /// page, when `icount` instructions have retired. Returns whether an
    /// interrupt line may have changed: `false` for display memory (a
    /// screen fill need not stop the CPU's block).
    pub fn mmio_write(&mut self, addr: u32, size: u32, value: u32, icount: u64) -> bool {
        self.accesses += 1;
        self.last_icount = icount;
        if let Some(vga) = self
            .vga
            .as_mut()
            .filter(|v| v.owns_address(u64::from(addr)))
        {
            vga.mem_write(u64::from(addr), size.clamp(1, 4) as u8, u64::from(value));
            return false;
        }
        let now = self.clock.now_ns(icount);
        if let Some(a) = self.apic.as_mut() {
            a.advance(now);
            a.mmio_write(addr, size, value);
            self.lines_dirty = true;
            self.timers_dirty = true;
        }
        true
    }

    /// A full-width access to the PCI ports or the PM block, if decoded.
    fn pci_read(&mut self, port: u16, size: IoSize) -> Option<u32> {
        let now = self.clock.now_ns(self.last_icount);
        let v = self.pci.as_mut()?.io_read(port, size, now)?;
        self.lines_dirty = true;
        self.timers_dirty = true;
        Some(v)
    }

    /// See [`IoBus::pci_read`]; an S5 request sets `power_off_requested`.
    fn pci_write(&mut self, port: u16, size: IoSize, value: u32) -> bool {
        let now = self.clock.now_ns(self.last_icount);
        let Some(p) = self.pci.as_mut() else {
            return false;
        };
        if !p.io_write(port, size, value, now) {
            return false;
        }
        self.power_off_requested |= p.take_power_off_request();
        self.lines_dirty = true;
        self.timers_dirty = true;
        true
    }

    /// What the IDE function decodes (without a PCI bus: both channels'
    /// legacy ports, no bus master).
    fn ide_decode(&self) -> crate::pci::ide::IdeDecode {
        match &self.pci {
            Some(p) => p.ide.decode(),
            None => crate::pci::ide::IdeDecode {
                channels: [true, true],
                ..Default::default()
            },
        }
    }

    /// A full-width access to the IDE ports, if decoded.
    fn ide_read(&mut self, port: u16, size: IoSize) -> Option<u32> {
        let decode = self.ide_decode();
        let v = self.ide.as_mut()?.io_read(port, size, &decode)?;
        self.lines_dirty = true;
        Some(v)
    }

    /// See [`IoBus::ide_read`].
    fn ide_write(&mut self, port: u16, size: IoSize, value: u32) -> bool {
        let decode = self.ide_decode();
        let Some(ide) = self.ide.as_mut() else {
            return false;
        };
        if !ide.io_write(port, size, value, &decode) {
            return false;
        }
        self.lines_dirty = true;
        true
    }

    /// A bus-master transfer is waiting for guest memory
    /// ([`IoBus::run_dma`]).
    #[inline]
    pub fn dma_pending(&self) -> bool {
        self.ide.as_ref().is_some_and(Ide::dma_pending) || self.fdc_dma_pending()
    }

    /// The floppy controller asks for DMA channel 2 and the 8237 would
    /// grant it.
    #[inline]
    fn fdc_dma_pending(&self) -> bool {
        match (&self.fdc, &self.dma) {
            (Some(f), Some(d)) => {
                f.dma_request() && d.channel_ready(crate::fdc82077::FDC_DMA_CHANNEL)
            }
            _ => false,
        }
    }

    /// Run the pending bus-master transfers with the machine's memory.
    pub fn run_dma(&mut self, mem: &mut dyn DmaMemory) {
        let decode = self.ide_decode();
        if let Some(ide) = self.ide.as_mut() {
            ide.run_dma(mem, &decode);
            self.lines_dirty = true;
        }
        if let (Some(f), Some(d)) = (self.fdc.as_mut(), self.dma.as_mut()) {
            f.run_dma(d, mem);
            self.lines_dirty = true;
        }
    }

    /// Drive ISA IRQ line `irq` (into the 8259A and, when present, the
    /// IOAPIC), for lines the machine owns (FERR# → IRQ13).
    pub fn drive_irq(&mut self, irq: u8, level: bool) {
        if let Some(pic) = self.pic.as_mut() {
            drive(pic, &mut self.apic, irq, level);
        }
    }

    /// The processor's INTR: the 8259A's INT output, or with the APICs
    /// present what the local APIC asks for (fixed interrupts, and the
    /// 8259A through LINT0 in virtual-wire mode).
    pub fn interrupt_requested(&mut self) -> bool {
        match self.apic.as_mut() {
            Some(a) => a.interrupt_requested(self.pic.as_ref()),
            None => self.pic.as_ref().is_some_and(Pic::interrupt_requested),
        }
    }

    /// The INTA cycle after [`IoBus::interrupt_requested`]: the vector.
    pub fn acknowledge_interrupt(&mut self) -> Option<u8> {
        match self.apic.as_mut() {
            Some(a) => a.acknowledge(self.pic.as_mut()),
            None => self.pic.as_mut().and_then(|p| p.acknowledge()),
        }
    }

    fn read_byte(&mut self, port: u16) -> u8 {
        if let Some(v) = self.debug.read(port) {
            return v;
        }
        if let Some(v) = self.firmware_log.as_ref().and_then(|c| c.read(port)) {
            return v;
        }
        let now = self.clock.now_ns(self.last_icount);
        let v = match port {
            0x20 | 0x21 | 0xA0 | 0xA1 | 0x4D0 | 0x4D1 => self.pic.as_mut().map(|p| p.read(port)),
            PORT_COUNTER0..=PORT_CONTROL | PORT_SYSTEM_CONTROL_B => {
                self.timers_dirty = true;
                self.lines_dirty = true;
                self.pit.as_mut().map(|p| p.read(port, now))
            }
            i8042::DATA_PORT | i8042::STATUS_PORT => {
                self.lines_dirty = true;
                self.kbc_data_read |= port == i8042::DATA_PORT;
                self.kbc.as_mut().map(|k| k.read(port))
            }
            CMOS_INDEX_PORT | CMOS_DATA_PORT => {
                self.timers_dirty = true;
                self.lines_dirty = true;
                self.rtc.as_mut().map(|r| r.read(port, now))
            }
            PORT92 => self.port92.as_ref().map(Port92::read),
            _ if Dma8237::decodes(port) => {
                let drq = self.fdc.as_ref().is_some_and(Fdc82077::dma_request);
                self.dma.as_mut().map(|d| {
                    d.set_dreq(crate::fdc82077::FDC_DMA_CHANNEL, drq);
                    d.read(port)
                })
            }
            _ if Fdc82077::decodes(port) && self.fdc.is_some() => {
                self.lines_dirty = true;
                self.fdc.as_mut().map(|f| f.read(port))
            }
            _ => match com_port(port) {
                Some((n, off)) => {
                    self.lines_dirty = true;
                    self.com[n].as_mut().map(|u| u.read(off))
                }
                None => None,
            },
        };
        v.unwrap_or_else(|| {
            log::trace!("read from unclaimed port {port:#06x}");
            0xFF
        })
    }

    fn write_byte(&mut self, port: u16, value: u8) {
        if self.debug.write(port, value)
            || self
                .firmware_log
                .as_mut()
                .is_some_and(|c| c.write(port, value))
        {
            return;
        }
        let now = self.clock.now_ns(self.last_icount);
        let claimed = match port {
            0x20 | 0x21 | 0xA0 | 0xA1 | 0x4D0 | 0x4D1 => {
                self.pic.as_mut().map(|p| p.write(port, value))
            }
            PORT_COUNTER0..=PORT_CONTROL | PORT_SYSTEM_CONTROL_B => {
                self.timers_dirty = true;
                self.lines_dirty = true;
                self.pit.as_mut().map(|p| p.write(port, value, now))
            }
            i8042::DATA_PORT | i8042::STATUS_PORT => {
                self.lines_dirty = true;
                self.kbc.as_mut().map(|k| k.write(port, value))
            }
            CMOS_INDEX_PORT | CMOS_DATA_PORT => {
                self.timers_dirty = true;
                self.lines_dirty = true;
                self.rtc.as_mut().map(|r| r.write(port, value, now))
            }
            PORT92 => self.port92.as_mut().map(|p| p.write(value)),
            _ if Dma8237::decodes(port) => self.dma.as_mut().map(|d| d.write(port, value)),
            _ if Fdc82077::decodes(port) && self.fdc.is_some() => {
                self.lines_dirty = true;
                self.fdc.as_mut().map(|f| f.write(port, value))
            }
            _ => match com_port(port) {
                Some((n, off)) => {
                    self.lines_dirty = true;
                    self.com[n].as_mut().map(|u| u.write(off, value))
                }
                None => None,
            },
        };
        if claimed.is_none() {
            log::trace!("write {value:#04x} to unclaimed port {port:#06x}");
        }
    }
}

/// Serial port index and register offset of `port`.
#[inline]
fn com_port(port: u16) -> Option<(usize, u8)> {
    COM_BASES.iter().enumerate().find_map(|(n, &base)| {
        let off = port.wrapping_sub(base);
        (off < REGISTER_COUNT).then_some((n, off as u8))
    })
}

mod irq_lines;
#[cfg(test)]
mod tests;

use irq_lines::drive;
