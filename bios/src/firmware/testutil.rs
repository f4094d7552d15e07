//! A [`Bus`] for unit tests: 1 MiB + 64 KiB of memory, a CMOS array
//! behind ports 70h/71h, a keyboard data byte at 60h, a log of port
//! writes, and a VGA (`devices::vga::Vga`) behind its ports and the
//! A0000h–BFFFFh window (and its linear framebuffer), as on the PC.

use super::{Bus, Firmware, FirmwareConfig, Regs};

pub struct TestBus {
    pub mem: Vec<u8>,
    pub outs: Vec<(u16, u32)>,
    pub cmos: [u8; 128],
    cmos_index: u8,
    pub port60: u8,
    pub now: u64,
    /// Value read from ports not modelled here.
    pub open: u32,
    /// PCI configuration space of bus 0 (device, function) → 256 bytes.
    pub pci: Vec<((u8, u8), [u8; 256])>,
    cf8: u32,
    pub vga: devices::vga::Vga,
}

impl TestBus {
    pub fn new() -> Self {
        let mut mem = vec![0; 0x11_0000];
        // The ROM at F0000h (fonts and tables the services point at).
        mem[super::ROM_BASE as usize..][..super::ROM_SIZE].copy_from_slice(super::ROM_IMAGE);
        TestBus {
            mem,
            outs: Vec::new(),
            cmos: [0; 128],
            cmos_index: 0,
            port60: 0,
            now: 0,
            open: 0xFFFF_FFFF,
            pci: Vec::new(),
            cf8: 0,
            vga: devices::vga::Vga::new(),
        }
    }

    fn pci_space(&mut self) -> Option<&mut [u8; 256]> {
        if self.cf8 & 0x8000_0000 == 0 || (self.cf8 >> 16) & 0xFF != 0 {
            return None;
        }
        let dev = ((self.cf8 >> 11) & 0x1F) as u8;
        let func = ((self.cf8 >> 8) & 7) as u8;
        self.pci
            .iter_mut()
            .find(|e| e.0 == (dev, func))
            .map(|e| &mut e.1)
    }
}

/// The VGA's memory: the legacy window and its framebuffer.
fn vga_address(vga: &devices::vga::Vga, a: u32) -> bool {
    (0xA_0000..0xC_0000).contains(&a) || vga.claims(u64::from(a))
}

impl Bus for TestBus {
    fn read(&mut self, addr: u32, buf: &mut [u8]) {
        for (i, b) in buf.iter_mut().enumerate() {
            let a = addr.wrapping_add(i as u32);
            *b = if vga_address(&self.vga, a) {
                self.vga.mem_read(u64::from(a), 1) as u8
            } else {
                self.mem.get(a as usize).copied().unwrap_or(0xFF)
            };
        }
    }
    fn write(&mut self, addr: u32, data: &[u8]) {
        for (i, &b) in data.iter().enumerate() {
            let a = addr.wrapping_add(i as u32);
            if vga_address(&self.vga, a) {
                self.vga.mem_write(u64::from(a), 1, u64::from(b));
            } else if let Some(m) = self.mem.get_mut(a as usize) {
                *m = b;
            }
        }
    }
    fn port_in(&mut self, port: u16, size: u8) -> u32 {
        if self.vga.decodes_port(port) {
            return self.vga.io_read(port, size);
        }
        match port {
            0x71 => u32::from(self.cmos[usize::from(self.cmos_index & 0x7F)]),
            0x60 => u32::from(self.port60),
            0xCF8 => self.cf8,
            0xCFC..=0xCFF => {
                let off = (self.cf8 & 0xFC) as usize + usize::from(port - 0xCFC);
                let mask = match size {
                    1 => 0xFF,
                    2 => 0xFFFF,
                    _ => 0xFFFF_FFFF,
                };
                match self.pci_space() {
                    Some(s) => {
                        let mut v = 0u32;
                        for i in 0..usize::from(size) {
                            v |= u32::from(s[(off + i) & 0xFF]) << (8 * i);
                        }
                        v
                    }
                    None => mask,
                }
            }
            _ => self.open,
        }
    }
    fn port_out(&mut self, port: u16, size: u8, value: u32) {
        self.outs.push((port, value));
        if self.vga.decodes_port(port) {
            self.vga.io_write(port, size, value);
            return;
        }
        match port {
            0x70 => self.cmos_index = value as u8,
            0x71 => self.cmos[usize::from(self.cmos_index & 0x7F)] = value as u8,
            0xCF8 if size == 4 => self.cf8 = value,
            0xCFC..=0xCFF => {
                let off = (self.cf8 & 0xFC) as usize + usize::from(port - 0xCFC);
                if let Some(s) = self.pci_space() {
                    for i in 0..usize::from(size) {
                        s[(off + i) & 0xFF] = (value >> (8 * i)) as u8;
                    }
                }
            }
            _ => {}
        }
    }
    fn now_ns(&mut self) -> u64 {
        self.now
    }
}

/// A firmware over a 32 MiB PC with no drives, and registers with the
/// stack at 0:7000h holding an INT frame (FLAGS = 0202h).
pub fn setup() -> (Firmware, TestBus, Regs) {
    let fw = Firmware::new(FirmwareConfig::new(32 << 20));
    let mut bus = TestBus::new();
    let r = Regs {
        esp: 0x7000,
        ..Default::default()
    };
    bus.write(0x7000, &[0, 0, 0, 0, 0x02, 0x02]);
    (fw, bus, r)
}

/// CF in the saved FLAGS of the INT frame.
pub fn frame_cf(bus: &mut TestBus, r: &Regs) -> bool {
    bus.read_u16(Regs::linear(r.ss, r.sp().wrapping_add(4))) & 1 != 0
}

/// ZF in the saved FLAGS.
pub fn frame_zf(bus: &mut TestBus, r: &Regs) -> bool {
    bus.read_u16(Regs::linear(r.ss, r.sp().wrapping_add(4))) & 0x40 != 0
}
