//! VESA BIOS Extension 2.0/3.0 (VESA "VBE Core Functions Standard" 3.0)
//! on the Bochs DISPI interface of the VGA (index 1CEh, data 1CFh; the
//! linear framebuffer at BAR0 of PCI device 1234:1111).
//!
//! 4F00h controller information (version 3.0 when the caller passes
//! "VBE2", 2.0 otherwise; the mode list in the block's reserved area; the
//! OEM strings in its OEM data area, or the ROM's OEM string for VBE 1.x
//! callers), 4F01h mode information, 4F02h set mode (bit 14 linear
//! framebuffer, bit 15 keep memory; numbers below 100h set VGA modes),
//! 4F03h current mode, 4F04h state size/save/restore ([`super::state`]),
//! 4F05h bank (64 KiB window at A000h), 4F06h scan line length, 4F07h
//! display start, 4F08h DAC width, 4F09h palette. 4F0Ah (protected-mode
//! interface), 4F15h (DDC) and the others answer "not supported"
//! (AX = 014Fh).
//!
//! Modes: the VESA-numbered 100h–11Bh that are not 4-bit planar, and a
//! 32-bit series from 140h; only those that fit in the VGA's video memory
//! (DISPI register 0Ah) are listed or accepted.

use super::super::{Bus, Firmware, Regs, ROM_SEGMENT};
use super::{hw, modes, palette};

/// DISPI registers and ENABLE bits (Bochs `vbe.h`).
pub const DISPI_ID: u16 = 0;
pub const DISPI_XRES: u16 = 1;
pub const DISPI_YRES: u16 = 2;
pub const DISPI_BPP: u16 = 3;
pub const DISPI_ENABLE: u16 = 4;
pub const DISPI_BANK: u16 = 5;
pub const DISPI_VIRT_WIDTH: u16 = 6;
pub const DISPI_VIRT_HEIGHT: u16 = 7;
pub const DISPI_X_OFFSET: u16 = 8;
pub const DISPI_Y_OFFSET: u16 = 9;
pub const DISPI_VIDEO_MEMORY_64K: u16 = 0x0A;
pub const DISPI_ENABLED: u16 = 0x01;
pub const DISPI_8BIT_DAC: u16 = 0x20;
pub const DISPI_LFB_ENABLED: u16 = 0x40;
pub const DISPI_NOCLEARMEM: u16 = 0x80;
/// Oldest DISPI interface this BIOS uses (virtual width, offsets).
const DISPI_ID2: u16 = 0xB0C2;
/// Where the LFB is when no PCI function says otherwise.
pub const DEFAULT_LFB: u32 = 0xE000_0000;
/// PCI identity of the Bochs/QEMU VGA.
const VGA_VENDOR: u32 = 0x1234;
const VGA_DEVICE: u32 = 0x1111;

/// Status in AX.
const VBE_OK: u16 = 0x004F;
const VBE_FAILED: u16 = 0x014F;
const VBE_INVALID_IN_MODE: u16 = 0x034F;

/// A VBE mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VbeMode {
    pub number: u16,
    pub width: u16,
    pub height: u16,
    pub bpp: u8,
}

const fn m(number: u16, width: u16, height: u16, bpp: u8) -> VbeMode {
    VbeMode {
        number,
        width,
        height,
        bpp,
    }
}

/// The mode table.
pub const VBE_MODES: &[VbeMode] = &[
    m(0x100, 640, 400, 8),
    m(0x101, 640, 480, 8),
    m(0x103, 800, 600, 8),
    m(0x105, 1024, 768, 8),
    m(0x107, 1280, 1024, 8),
    m(0x10D, 320, 200, 15),
    m(0x10E, 320, 200, 16),
    m(0x10F, 320, 200, 24),
    m(0x110, 640, 480, 15),
    m(0x111, 640, 480, 16),
    m(0x112, 640, 480, 24),
    m(0x113, 800, 600, 15),
    m(0x114, 800, 600, 16),
    m(0x115, 800, 600, 24),
    m(0x116, 1024, 768, 15),
    m(0x117, 1024, 768, 16),
    m(0x118, 1024, 768, 24),
    m(0x119, 1280, 1024, 15),
    m(0x11A, 1280, 1024, 16),
    m(0x11B, 1280, 1024, 24),
    m(0x140, 320, 200, 32),
    m(0x141, 640, 400, 32),
    m(0x142, 640, 480, 32),
    m(0x143, 800, 600, 32),
    m(0x144, 1024, 768, 32),
    m(0x145, 1152, 864, 32),
    m(0x146, 1280, 1024, 32),
    m(0x147, 1600, 1200, 32),
    m(0x148, 1280, 720, 32),
    m(0x149, 1920, 1080, 32),
    m(0x14A, 1280, 800, 32),
    m(0x14B, 1440, 900, 32),
    m(0x14C, 1680, 1050, 32),
    m(0x14D, 1920, 1200, 32),
    m(0x150, 320, 200, 8),
    m(0x151, 1600, 1200, 8),
    m(0x152, 1600, 1200, 16),
    m(0x153, 1280, 720, 16),
    m(0x154, 1920, 1080, 16),
];

impl VbeMode {
    pub fn bytes_per_pixel(&self) -> u32 {
        u32::from(self.bpp).div_ceil(8)
    }

    pub fn pitch(&self) -> u32 {
        u32::from(self.width) * self.bytes_per_pixel()
    }

    pub fn size(&self) -> u32 {
        self.pitch() * u32::from(self.height)
    }
}

/// Video memory in bytes (DISPI register 0Ah × 64 KiB).
pub fn vram_size(bus: &mut dyn Bus) -> u32 {
    u32::from(hw::dispi_read(bus, DISPI_VIDEO_MEMORY_64K)) << 16
}

/// The Bochs DISPI interface answers.
pub fn dispi_present(bus: &mut dyn Bus) -> bool {
    let id = hw::dispi_read(bus, DISPI_ID);
    (DISPI_ID2..=0xB0CF).contains(&id)
}

/// The modes that fit in video memory.
pub fn available(bus: &mut dyn Bus) -> Vec<VbeMode> {
    if !dispi_present(bus) {
        return Vec::new();
    }
    let vram = vram_size(bus);
    VBE_MODES
        .iter()
        .copied()
        .filter(|m| m.size() <= vram)
        .collect()
}

fn find(bus: &mut dyn Bus, number: u16) -> Option<VbeMode> {
    available(bus)
        .into_iter()
        .find(|m| m.number == number & 0x1FF)
}

/// Physical address of the linear framebuffer: BAR0 of the first PCI
/// function 1234:1111 on bus 0, else [`DEFAULT_LFB`].
pub fn lfb_address(bus: &mut dyn Bus) -> u32 {
    for dev in 0..32u32 {
        let addr = 0x8000_0000 | dev << 11;
        bus.port_out(0xCF8, 4, addr);
        let id = bus.port_in(0xCFC, 4);
        if id == VGA_DEVICE << 16 | VGA_VENDOR {
            bus.port_out(0xCF8, 4, addr | 0x10);
            let bar = bus.port_in(0xCFC, 4) & !0xF;
            bus.port_out(0xCF8, 4, 0);
            return if bar != 0 { bar } else { DEFAULT_LFB };
        }
    }
    bus.port_out(0xCF8, 4, 0);
    DEFAULT_LFB
}

/// POST: give the VGA's BAR0 the default framebuffer address if nothing
/// assigned one, and turn on its I/O and memory decoding.
pub fn assign_lfb(bus: &mut dyn Bus) {
    for dev in 0..32u32 {
        let addr = 0x8000_0000 | dev << 11;
        bus.port_out(0xCF8, 4, addr);
        if bus.port_in(0xCFC, 4) != VGA_DEVICE << 16 | VGA_VENDOR {
            continue;
        }
        bus.port_out(0xCF8, 4, addr | 0x10);
        if bus.port_in(0xCFC, 4) & !0xF == 0 {
            bus.port_out(0xCFC, 4, DEFAULT_LFB);
        }
        bus.port_out(0xCF8, 4, addr | 0x04);
        let cmd = bus.port_in(0xCFC, 2);
        bus.port_out(0xCFC, 2, cmd | 0x3);
        break;
    }
    bus.port_out(0xCF8, 4, 0);
}

/// Turn DISPI off (VGA modes), keeping the DAC width bit clear.
pub fn disable_dispi(bus: &mut dyn Bus) {
    if dispi_present(bus) {
        hw::dispi_write(bus, DISPI_ENABLE, 0);
    }
}

/// The INT 10h AH=4Fh dispatcher.
pub fn int10_4f(fw: &mut Firmware, r: &mut Regs, bus: &mut dyn Bus) {
    if !dispi_present(bus) {
        r.set_ax(VBE_FAILED);
        return;
    }
    let es_di = Regs::linear(r.es, r.di());
    let status = match r.al() {
        0x00 => controller_info(fw, bus, r.es, r.di()),
        0x01 => mode_info(fw, bus, r.cx(), es_di),
        0x02 => set_mode(fw, bus, r.bx()),
        0x03 => {
            let mode = match fw.video.vbe_mode {
                Some(m) => m & 0x7FFF,
                None => u16::from(bus.read_u8(super::bda::at(super::bda::VIDEO_MODE))),
            };
            r.set_bx(mode);
            VBE_OK
        }
        0x04 => {
            let states = r.cx() & 0x0F;
            let addr = Regs::linear(r.es, r.bx());
            match r.dl() {
                0 => r.set_bx(super::state::blocks(states)),
                1 => super::state::save(bus, states, addr),
                2 => super::state::restore(bus, states, addr),
                _ => {}
            }
            if r.dl() <= 2 {
                VBE_OK
            } else {
                VBE_FAILED
            }
        }
        0x05 => bank(fw, r, bus),
        0x06 => scan_line(fw, r, bus),
        0x07 => display_start(fw, r, bus),
        0x08 => dac_width(r, bus),
        0x09 => palette_data(r, bus),
        _ => VBE_FAILED,
    };
    r.set_ax(status);
}

/// Write an ASCIIZ string at `addr`; returns the address after it.
fn put_str(bus: &mut dyn Bus, addr: u32, s: &[u8]) -> u32 {
    bus.write(addr, s);
    bus.write_u8(addr + s.len() as u32, 0);
    addr + s.len() as u32 + 1
}

/// A far pointer to linear `addr` inside the caller's block at ES:DI.
fn far_into(es_di: u32, addr: u32, seg: u16, di: u16) -> u32 {
    u32::from(seg) << 16 | u32::from(di.wrapping_add((addr - es_di) as u16))
}

/// 4F00h: the VbeInfoBlock at ES:DI.
fn controller_info(fw: &Firmware, bus: &mut dyn Bus, seg: u16, di: u16) -> u16 {
    let es_di = Regs::linear(seg, di);
    let mut sig = [0u8; 4];
    bus.read(es_di, &mut sig);
    let vbe2 = &sig == b"VBE2";
    let size = if vbe2 { 512 } else { 256 };
    bus.write(es_di, &vec![0u8; size]);
    bus.write(es_di, b"VESA");
    bus.write_u16(es_di + 4, if vbe2 { 0x0300 } else { 0x0200 });
    // Capabilities: DAC switchable to 8 bits.
    bus.write_u32(es_di + 0x0A, 1);
    let total = (vram_size(bus) >> 16) as u16;
    bus.write_u16(es_di + 0x12, total);
    // The mode list in the reserved area at 22h.
    let list = es_di + 0x22;
    let modes = available(bus);
    let max = (0xFE - 0x22) / 2 - 1;
    let mut a = list;
    for md in modes.iter().take(max) {
        bus.write_u16(a, md.number);
        a += 2;
    }
    bus.write_u16(a, 0xFFFF);
    bus.write_u32(es_di + 0x0E, far_into(es_di, list, seg, di));
    if vbe2 {
        bus.write_u16(es_di + 0x14, 0x0100);
        let mut p = es_di + 0x100;
        let strings: [(u32, &[u8]); 4] = [
            (0x06, b"ox86 VGA BIOS"),
            (0x16, b"ox86"),
            (0x1A, b"ox86 Bochs DISPI VGA"),
            (0x1E, b"1.0"),
        ];
        for (field, s) in strings {
            bus.write_u32(es_di + field, far_into(es_di, p, seg, di));
            p = put_str(bus, p, s);
        }
    } else {
        let oem = u32::from(ROM_SEGMENT) << 16 | u32::from(fw.header.vbe_oem);
        bus.write_u32(es_di + 0x06, oem);
    }
    VBE_OK
}

/// Mask size and position of red, green, blue and reserved for `bpp`.
fn masks(bpp: u8) -> [u8; 8] {
    match bpp {
        15 => [5, 10, 5, 5, 5, 0, 1, 15],
        16 => [5, 11, 6, 5, 5, 0, 0, 0],
        24 => [8, 16, 8, 8, 8, 0, 0, 0],
        32 => [8, 16, 8, 8, 8, 0, 8, 24],
        _ => [0; 8],
    }
}

/// 4F01h: the ModeInfoBlock of mode `cx` at ES:DI.
fn mode_info(fw: &Firmware, bus: &mut dyn Bus, cx: u16, es_di: u32) -> u16 {
    let Some(md) = find(bus, cx) else {
        return VBE_FAILED;
    };
    let vram = vram_size(bus);
    let lfb = lfb_address(bus);
    let mut b = [0u8; 256];
    let w16 = |b: &mut [u8; 256], o: usize, v: u16| b[o..o + 2].copy_from_slice(&v.to_le_bytes());
    // Supported, optional info, colour, graphics, LFB (not VGA-compatible
    // registers: bit 5).
    w16(&mut b, 0x00, 0x00BB);
    b[0x02] = 0x07; // window A: exists, readable, writable
    b[0x03] = 0x00;
    w16(&mut b, 0x04, 64); // granularity, KiB
    w16(&mut b, 0x06, 64); // size, KiB
    w16(&mut b, 0x08, 0xA000);
    w16(&mut b, 0x0A, 0);
    let win_fn = u32::from(ROM_SEGMENT) << 16 | u32::from(fw.header.vbe_window);
    b[0x0C..0x10].copy_from_slice(&win_fn.to_le_bytes());
    let pitch = md.pitch();
    w16(&mut b, 0x10, pitch as u16);
    w16(&mut b, 0x12, md.width);
    w16(&mut b, 0x14, md.height);
    b[0x16] = 8;
    b[0x17] = 16;
    b[0x18] = 1; // planes
    b[0x19] = md.bpp;
    b[0x1A] = 1; // banks
    b[0x1B] = if md.bpp == 8 { 4 } else { 6 }; // packed pixel / direct colour
    b[0x1C] = 0;
    let pages = (vram / md.size().max(1)).saturating_sub(1).min(255) as u8;
    b[0x1D] = pages;
    b[0x1E] = 1;
    let mk = masks(md.bpp);
    b[0x1F..0x27].copy_from_slice(&mk);
    b[0x27] = if md.bpp == 32 { 0x02 } else { 0 };
    b[0x28..0x2C].copy_from_slice(&lfb.to_le_bytes());
    // VBE 3.0 fields.
    w16(&mut b, 0x32, pitch as u16);
    b[0x34] = pages;
    b[0x35] = pages;
    b[0x36..0x3E].copy_from_slice(&mk);
    b[0x3E..0x42].copy_from_slice(&135_000_000u32.to_le_bytes());
    bus.write(es_di, &b);
    VBE_OK
}

/// 4F02h.
fn set_mode(fw: &mut Firmware, bus: &mut dyn Bus, bx: u16) -> u16 {
    let number = bx & 0x1FF;
    let keep = bx & 0x8000 != 0;
    if number < 0x100 {
        let al = number as u8 | if keep { 0x80 } else { 0 };
        return if super::set_mode(fw, bus, al) {
            VBE_OK
        } else {
            VBE_FAILED
        };
    }
    let Some(md) = find(bus, number) else {
        return VBE_FAILED;
    };
    hw::dispi_write(bus, DISPI_ENABLE, 0);
    // The VGA behind DISPI: a graphics mode so the attribute controller
    // and the A0000h window behave like a VBE BIOS leaves them.
    if let Some(m13) = modes::find(0x13) {
        super::program_registers(bus, m13);
    }
    if md.bpp == 8 {
        palette::write_dac(bus, 0, &modes::default_dac(modes::Palette::Vga256));
    }
    hw::dispi_write(bus, DISPI_XRES, md.width);
    hw::dispi_write(bus, DISPI_YRES, md.height);
    hw::dispi_write(bus, DISPI_BPP, u16::from(md.bpp));
    let mut en = DISPI_ENABLED;
    if bx & 0x4000 != 0 {
        en |= DISPI_LFB_ENABLED;
    }
    if keep {
        en |= DISPI_NOCLEARMEM;
    }
    hw::dispi_write(bus, DISPI_ENABLE, en);
    if hw::dispi_read(bus, DISPI_ENABLE) & DISPI_ENABLED == 0 {
        return VBE_FAILED;
    }
    fw.video.vbe_mode = Some(md.number | (bx & 0xC000));
    VBE_OK
}

fn current(fw: &Firmware, bus: &mut dyn Bus) -> Option<VbeMode> {
    find(bus, fw.video.vbe_mode?)
}

/// 4F05h: BH=00h set window BL to DX (64 KiB units), 01h get.
fn bank(fw: &Firmware, r: &mut Regs, bus: &mut dyn Bus) -> u16 {
    if current(fw, bus).is_none() {
        return VBE_INVALID_IN_MODE;
    }
    if r.bl() != 0 {
        return VBE_FAILED;
    }
    match r.bh() {
        0 => hw::dispi_write(bus, DISPI_BANK, r.dx()),
        1 => {
            let b = hw::dispi_read(bus, DISPI_BANK);
            r.set_dx(b);
        }
        _ => return VBE_FAILED,
    }
    VBE_OK
}

/// 4F06h: BL=00h set in pixels (CX), 01h get, 02h set in bytes, 03h get
/// maximum; returns BX bytes, CX pixels, DX lines.
fn scan_line(fw: &Firmware, r: &mut Regs, bus: &mut dyn Bus) -> u16 {
    let Some(md) = current(fw, bus) else {
        return VBE_INVALID_IN_MODE;
    };
    let bpp = md.bytes_per_pixel();
    let vram = vram_size(bus);
    match r.bl() {
        0 => hw::dispi_write(bus, DISPI_VIRT_WIDTH, r.cx()),
        2 => hw::dispi_write(bus, DISPI_VIRT_WIDTH, (u32::from(r.cx()) / bpp) as u16),
        1 => {}
        3 => {
            let max_bytes = (vram / u32::from(md.height)).min(0xFFFF) / bpp * bpp;
            r.set_bx(max_bytes as u16);
            r.set_cx((max_bytes / bpp) as u16);
            r.set_dx(md.height);
            return VBE_OK;
        }
        _ => return VBE_FAILED,
    }
    let width = u32::from(hw::dispi_read(bus, DISPI_VIRT_WIDTH));
    let bytes = width * bpp;
    if bytes > 0xFFFF || bytes * u32::from(md.height) > vram {
        // Too wide: back to the mode's width.
        hw::dispi_write(bus, DISPI_VIRT_WIDTH, md.width);
        return VBE_FAILED;
    }
    r.set_bx(bytes as u16);
    r.set_cx(width as u16);
    r.set_dx((vram / bytes.max(1)).min(0xFFFF) as u16);
    VBE_OK
}

/// 4F07h: BL=00h/80h set start CX (pixel), DX (line); 01h get; 02h/82h
/// set by byte address ECX (VBE 3.0); 04h scheduled flip done.
fn display_start(fw: &Firmware, r: &mut Regs, bus: &mut dyn Bus) -> u16 {
    let Some(md) = current(fw, bus) else {
        return VBE_INVALID_IN_MODE;
    };
    match r.bl() {
        0x00 | 0x80 => {
            hw::dispi_write(bus, DISPI_X_OFFSET, r.cx());
            hw::dispi_write(bus, DISPI_Y_OFFSET, r.dx());
        }
        0x01 => {
            r.set_bh(0);
            let x = hw::dispi_read(bus, DISPI_X_OFFSET);
            let y = hw::dispi_read(bus, DISPI_Y_OFFSET);
            r.set_cx(x);
            r.set_dx(y);
        }
        0x02 | 0x82 => {
            let pitch =
                u32::from(hw::dispi_read(bus, DISPI_VIRT_WIDTH)).max(1) * md.bytes_per_pixel();
            let y = r.ecx / pitch;
            let x = r.ecx % pitch / md.bytes_per_pixel();
            hw::dispi_write(bus, DISPI_X_OFFSET, x as u16);
            hw::dispi_write(bus, DISPI_Y_OFFSET, y as u16);
        }
        0x04 => r.set_cx(1),
        _ => return VBE_FAILED,
    }
    VBE_OK
}

/// 4F08h: BL=00h set DAC width BH (6 or 8), 01h get; BH = the width.
fn dac_width(r: &mut Regs, bus: &mut dyn Bus) -> u16 {
    let en = hw::dispi_read(bus, DISPI_ENABLE);
    match r.bl() {
        0 => {
            let en = if r.bh() >= 8 {
                en | DISPI_8BIT_DAC
            } else {
                en & !DISPI_8BIT_DAC
            };
            hw::dispi_write(bus, DISPI_ENABLE, en);
        }
        1 => {}
        _ => return VBE_FAILED,
    }
    let en = hw::dispi_read(bus, DISPI_ENABLE);
    r.set_bh(if en & DISPI_8BIT_DAC != 0 { 8 } else { 6 });
    VBE_OK
}

/// 4F09h: BL=00h/80h set CX entries from DX with the (blue, green, red,
/// pad) table at ES:DI, 01h get.
fn palette_data(r: &mut Regs, bus: &mut dyn Bus) -> u16 {
    let start = r.dx().min(255) as u8;
    let n = usize::from(r.cx()).min(256 - usize::from(start));
    let addr = Regs::linear(r.es, r.di());
    match r.bl() {
        0x00 | 0x80 => {
            let mut t = vec![0u8; n * 4];
            bus.read(addr, &mut t);
            let rgb: Vec<[u8; 3]> = t.chunks(4).map(|c| [c[2], c[1], c[0]]).collect();
            hw::dac_write(bus, start, &rgb);
        }
        0x01 => {
            let t: Vec<u8> = hw::dac_read(bus, start, n)
                .into_iter()
                .flat_map(|c| [c[2], c[1], c[0], 0])
                .collect();
            bus.write(addr, &t);
        }
        _ => return VBE_FAILED,
    }
    VBE_OK
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::testutil::{setup, TestBus};

    fn call(fw: &mut Firmware, bus: &mut TestBus, r: &mut Regs, ax: u16) -> u16 {
        r.set_ax(ax);
        int10_4f(fw, r, bus);
        r.ax()
    }

    /// A PCI function 1234:1111 at 00:02.0 with BAR0 = `bar`.
    fn with_vga_pci(bus: &mut TestBus, bar: u32) {
        let mut cfg = [0u8; 256];
        cfg[0..4].copy_from_slice(&0x1111_1234u32.to_le_bytes());
        cfg[0x10..0x14].copy_from_slice(&bar.to_le_bytes());
        bus.pci.push(((2, 0), cfg));
    }

    #[test]
    fn controller_info_vbe2_and_vbe1() {
        let (mut fw, mut bus, mut r) = setup();
        r.es = 0x2000;
        r.set_di(0x10);
        bus.write(0x20010, b"VBE2");
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F00), 0x004F);
        let base = 0x20010;
        let mut sig = [0u8; 4];
        bus.read(base, &mut sig);
        assert_eq!(&sig, b"VESA");
        assert_eq!(bus.read_u16(base + 4), 0x0300);
        // 16 MiB of VRAM = 256 blocks of 64 KiB.
        assert_eq!(bus.read_u16(base + 0x12), 256);
        let far = |bus: &mut TestBus, o: u32| {
            let v = bus.read_u32(base + o);
            ((v >> 16) << 4) + (v & 0xFFFF)
        };
        let list = far(&mut bus, 0x0E);
        let mut modes = Vec::new();
        for i in 0..120 {
            let m = bus.read_u16(list + 2 * i);
            if m == 0xFFFF {
                break;
            }
            modes.push(m);
        }
        assert!(modes.contains(&0x101) && modes.contains(&0x118) && modes.contains(&0x144));
        assert_eq!(modes.len(), VBE_MODES.len());
        let oem = far(&mut bus, 0x06);
        let mut s = [0u8; 13];
        bus.read(oem, &mut s);
        assert_eq!(&s, b"ox86 VGA BIOS");
        // Without "VBE2": version 2.0, the OEM string in the ROM.
        bus.write(0x20010, b"\0\0\0\0");
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F00), 0x004F);
        assert_eq!(bus.read_u16(base + 4), 0x0200);
        let oem = bus.read_u32(base + 6);
        assert_eq!(oem >> 16, 0xF000);
    }

    #[test]
    fn mode_info_fields() {
        let (mut fw, mut bus, mut r) = setup();
        with_vga_pci(&mut bus, 0xFD00_0008);
        r.es = 0x3000;
        r.set_di(0);
        // (mode, width, height, bpp, bytes per line, memory model, red
        // mask size/position)
        let cases = [
            (0x101u16, 640u16, 480u16, 8u8, 640u16, 4u8, (0u8, 0u8)),
            (0x111, 640, 480, 16, 1280, 6, (5, 11)),
            (0x110, 640, 480, 15, 1280, 6, (5, 10)),
            (0x115, 800, 600, 24, 2400, 6, (8, 16)),
            (0x144, 1024, 768, 32, 4096, 6, (8, 16)),
        ];
        for (mode, w, h, bpp, pitch, model, red) in cases {
            r.set_cx(mode);
            assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F01), 0x004F);
            let b = 0x30000;
            assert_eq!(bus.read_u16(b) & 0x99, 0x99, "{mode:#x} attributes");
            assert_eq!(bus.read_u16(b + 8), 0xA000);
            assert_eq!(bus.read_u16(b + 4), 64);
            assert_eq!(bus.read_u16(b + 0x10), pitch, "{mode:#x}");
            assert_eq!((bus.read_u16(b + 0x12), bus.read_u16(b + 0x14)), (w, h));
            assert_eq!(bus.read_u8(b + 0x19), bpp);
            assert_eq!(bus.read_u8(b + 0x1B), model);
            assert_eq!((bus.read_u8(b + 0x1F), bus.read_u8(b + 0x20)), red);
            assert_eq!(bus.read_u32(b + 0x28), 0xFD00_0000, "PhysBasePtr = BAR0");
            assert_eq!(bus.read_u16(b + 0x32), pitch);
        }
        r.set_cx(0x102);
        assert_eq!(
            call(&mut fw, &mut bus, &mut r, 0x4F01),
            0x014F,
            "4-bit mode"
        );
    }

    #[test]
    fn set_mode_drives_dispi_and_the_lfb() {
        let (mut fw, mut bus, mut r) = setup();
        super::super::set_mode(&mut fw, &mut bus, 3);
        r.set_bx(0x4144);
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F02), 0x004F);
        assert_eq!(bus.vga.display_size(), (1024, 768));
        assert!(bus.vga.vbe.enabled());
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F03), 0x004F);
        assert_eq!(r.bx(), 0x4144);
        // A pixel through the LFB (default address without PCI) and one
        // through the 64 KiB window at bank 1.
        bus.write_u32(DEFAULT_LFB + 4 * 10, 0x00FF_8000);
        let mut fb = devices::vga::Framebuffer::default();
        bus.vga.render(&mut fb);
        assert_eq!(fb.pixel(10, 0), 0xFF8000);
        r.set_bx(0);
        r.set_dx(1);
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F05), 0x004F);
        bus.write_u32(0xA0000, 0x0000_00FF);
        bus.vga.render(&mut fb);
        // Byte 64 KiB = pixel 16384 = (0, 16) at 4096 bytes per line.
        assert_eq!(fb.pixel(0, 16), 0x0000FF);
        r.set_bx(0x0100);
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F05), 0x004F);
        assert_eq!(r.dx(), 1);
        // Scan line length 2048 pixels, then display start (5, 7).
        r.set_bx(0);
        r.set_cx(2048);
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F06), 0x004F);
        assert_eq!((r.bx(), r.cx()), (8192, 2048));
        assert_eq!(r.dx(), 2048, "16 MiB / 8 KiB lines");
        r.set_bx(0);
        r.set_cx(5);
        r.set_dx(7);
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F07), 0x004F);
        assert_eq!(bus.vga.vbe.start_offset(), 7 * 8192 + 5 * 4);
        r.set_bx(1);
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F07), 0x004F);
        assert_eq!((r.cx(), r.dx()), (5, 7));
        // VBE 3.0: display start by byte address (line 3, pixel 9).
        r.set_bx(0x02);
        r.ecx = 3 * 8192 + 9 * 4;
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F07), 0x004F);
        assert_eq!(bus.vga.vbe.start_offset(), 3 * 8192 + 9 * 4);
        // Maximum scan line: 16 MiB / 768 lines = 21845 bytes, whole pixels.
        r.set_bx(3);
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F06), 0x004F);
        assert_eq!((r.bx(), r.cx(), r.dx()), (21844, 5461, 768));
        // Too wide for the memory: refused, the mode's width again.
        r.set_bx(0);
        r.set_cx(0xFFFF);
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F06), 0x014F);
        r.set_bx(1);
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F06), 0x004F);
        assert_eq!(r.cx(), 1024);
        // Back to text: DISPI off, 80x25 again.
        r.set_bx(0x0003);
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F02), 0x004F);
        assert!(!bus.vga.vbe.enabled());
        assert_eq!(bus.vga.display_size(), (720, 400));
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F03), 0x004F);
        assert_eq!(r.bx(), 3);
        // Bank switching outside a VBE mode is refused.
        r.set_bx(0);
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F05), 0x034F);
        // Unknown modes fail.
        r.set_bx(0x1FF);
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F02), 0x014F);
    }

    #[test]
    fn dac_width_palette_and_state() {
        let (mut fw, mut bus, mut r) = setup();
        r.set_bx(0x0101);
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F02), 0x004F);
        r.set_bx(0x0800);
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F08), 0x004F);
        assert_eq!(r.bh(), 8);
        assert!(bus.vga.dac.eight_bit);
        // Palette entry 9 = (200, 100, 50) from a B, G, R, pad table.
        bus.write(0x700, &[50, 100, 200, 0]);
        r.es = 0x70;
        r.set_di(0);
        r.set_bx(0);
        r.set_cx(1);
        r.set_dx(9);
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F09), 0x004F);
        assert_eq!(bus.vga.dac.palette[9], [200, 100, 50]);
        r.set_di(0x10);
        r.set_bx(1);
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F09), 0x004F);
        assert_eq!(bus.read_u32(0x710), 0x00C8_6432);
        // State: size for all four sections, save, change, restore.
        r.set_cx(0x000F);
        r.set_dx(0);
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F04), 0x004F);
        assert_eq!(r.bx(), 15);
        r.es = 0x100;
        r.set_bx(0);
        r.set_dx(1);
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F04), 0x004F);
        super::super::set_mode(&mut fw, &mut bus, 3);
        assert!(!bus.vga.vbe.enabled());
        r.set_bx(0);
        r.set_dx(2);
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F04), 0x004F);
        assert!(bus.vga.vbe.enabled());
        assert_eq!(bus.vga.display_size(), (640, 480));
        assert_eq!(bus.vga.dac.palette[9], [200, 100, 50]);
        // Unsupported functions.
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F0A), 0x014F);
        assert_eq!(call(&mut fw, &mut bus, &mut r, 0x4F15), 0x014F);
    }

    #[test]
    fn post_assigns_bar0() {
        let (_, mut bus, _) = setup();
        with_vga_pci(&mut bus, 0);
        assign_lfb(&mut bus);
        assert_eq!(lfb_address(&mut bus), DEFAULT_LFB);
        let cfg = &bus.pci.iter().find(|e| e.0 == (2, 0)).unwrap().1;
        assert_eq!(cfg[4] & 3, 3, "I/O and memory decoding on");
    }
}
