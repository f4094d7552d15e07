//! INT 15h, system services:
//! - E820h (ACPI 6.4 §15.1 "INT 15H, E820H - Query System Address Map"):
//!   the same map the direct-boot loaders report
//!   ([`super::FirmwareConfig::memory_map`]), 20 bytes per entry (24 with
//!   the extended attributes dword when ECX ≥ 24);
//! - E801h (memory 1–16 MiB in KiB, above 16 MiB in 64 KiB blocks) and
//!   88h (KiB above 1 MiB, at most 63 MiB - 1 KiB as AT BIOSes report);
//! - 2400h–2403h A20 gate (port 92h, as PS/2 BIOSes do);
//! - 86h wait (CX:DX microseconds, by the virtual clock: the stub halts
//!   until the time has passed);
//! - 87h block move (GDT at ES:SI, CX words, any physical addresses);
//! - 88h, C0h (configuration table in the ROM), 4Fh keyboard intercept
//!   (default: keep the scan code), 90h/91h device busy/post (no-ops);
//! - C2h pointing device: [`super::mouse`].
//!
//! Other functions: CF = 1, AH = 86h (function not supported).

use super::{flag, Bus, Firmware, Outcome, Regs, ROM_SEGMENT};

/// 'SMAP'.
pub const SMAP: u32 = 0x534D_4150;
/// AH=86h: unsupported function.
pub const UNSUPPORTED: u8 = 0x86;
/// Port 92h and its A20 bit.
const PORT92: u16 = 0x92;
const PORT92_A20: u8 = 0x02;
/// Extended attributes: the entry is valid (ACPI 3.0 bit 0).
const E820_ATTR_ENABLED: u32 = 1;

/// The INT 15h dispatcher.
pub fn int15(fw: &mut Firmware, r: &mut Regs, bus: &mut dyn Bus) -> Outcome {
    match r.ah() {
        0x4F => {
            // Keyboard intercept: keep the scan code (CF = 1).
            r.set_frame_flag(bus, flag::CF, true);
        }
        0x24 => a20(r, bus),
        0x86 => return wait(fw, r, bus),
        0x87 => block_move(r, bus),
        0x88 => {
            let kib = fw
                .config
                .ram_size
                .saturating_sub(super::super::memory_map::EXTENDED_START)
                / 1024;
            r.set_ax(kib.min(0xFC00) as u16);
            r.set_frame_flag(bus, flag::CF, false);
        }
        0x90 | 0x91 => r.ok(bus),
        0xC0 => {
            r.es = ROM_SEGMENT;
            r.set_bx(fw.header.config_table);
            r.ok(bus);
        }
        0xC2 => super::mouse::int15_c2(r, bus),
        0xE8 if r.al() == 0x20 => e820(fw, r, bus),
        0xE8 if r.al() == 0x01 => e801(fw, r, bus),
        _ => r.fail(bus, UNSUPPORTED),
    }
    Outcome::Done
}

fn e820(fw: &Firmware, r: &mut Regs, bus: &mut dyn Bus) {
    let map = &fw.config.memory_map;
    let i = r.ebx as usize;
    if r.edx != SMAP || r.ecx < 20 || i >= map.len() {
        r.fail(bus, UNSUPPORTED);
        return;
    }
    let e = map[i];
    let mut out = [0u8; 24];
    out[0..8].copy_from_slice(&e.base.to_le_bytes());
    out[8..16].copy_from_slice(&e.len.to_le_bytes());
    out[16..20].copy_from_slice(&e.kind.to_le_bytes());
    out[20..24].copy_from_slice(&E820_ATTR_ENABLED.to_le_bytes());
    let n = if r.ecx >= 24 { 24 } else { 20 };
    bus.write(Regs::linear(r.es, r.di()), &out[..n]);
    r.eax = SMAP;
    r.ecx = n as u32;
    r.ebx = if i + 1 < map.len() { (i + 1) as u32 } else { 0 };
    r.set_frame_flag(bus, flag::CF, false);
}

fn e801(fw: &Firmware, r: &mut Regs, bus: &mut dyn Bus) {
    const MIB16: u64 = 16 << 20;
    let top = fw
        .config
        .memory_map
        .iter()
        .filter(|e| e.kind == super::super::memory_map::REGION_RAM && e.end() <= 1 << 32)
        .map(|e| e.end())
        .max()
        .unwrap_or(0);
    let low = (top.clamp(1 << 20, MIB16) - (1 << 20)) / 1024;
    let high = (top.saturating_sub(MIB16) / 65536).min(0xFFFF);
    r.set_ax(low as u16);
    r.set_cx(low as u16);
    r.set_bx(high as u16);
    r.set_dx(high as u16);
    r.set_frame_flag(bus, flag::CF, false);
}

fn a20(r: &mut Regs, bus: &mut dyn Bus) {
    match r.al() {
        0x00 | 0x01 => {
            let v = bus.inb(PORT92);
            let v = if r.al() == 1 {
                v | PORT92_A20
            } else {
                v & !PORT92_A20
            };
            bus.outb(PORT92, v & !1);
            r.ok(bus);
        }
        0x02 => {
            let on = bus.inb(PORT92) & PORT92_A20 != 0;
            r.set_al(u8::from(on));
            r.ok(bus);
        }
        0x03 => {
            // Supported through the 8042 and port 92h.
            r.set_bx(0x0003);
            r.ok(bus);
        }
        _ => r.fail(bus, UNSUPPORTED),
    }
}

/// AH=86h: wait CX:DX microseconds. The first call sets the deadline; the
/// stub halts (interrupts on) and calls again until it has passed.
fn wait(fw: &mut Firmware, r: &mut Regs, bus: &mut dyn Bus) -> Outcome {
    let now = bus.now_ns();
    let until = *fw.wait_until.get_or_insert_with(|| {
        let us = u64::from(r.cx()) << 16 | u64::from(r.dx());
        now.saturating_add(us.saturating_mul(1000))
    });
    if now < until {
        return Outcome::Wait;
    }
    fw.wait_until = None;
    r.ok(bus);
    Outcome::Done
}

/// AH=87h: copy CX words between the source (GDT entry 2, at ES:SI+10h)
/// and destination (entry 3, at +18h) 24-bit (+ bits 24–31 in byte 7)
/// base addresses.
fn block_move(r: &mut Regs, bus: &mut dyn Bus) {
    let gdt = Regs::linear(r.es, r.si());
    let base = |bus: &mut dyn Bus, d: u32| -> u32 {
        let lo = bus.read_u32(d + 2) & 0x00FF_FFFF;
        lo | u32::from(bus.read_u8(d + 7)) << 24
    };
    let src = base(bus, gdt + 0x10);
    let dst = base(bus, gdt + 0x18);
    let bytes = usize::from(r.cx()) * 2;
    let mut buf = vec![0u8; bytes];
    bus.read(src, &mut buf);
    bus.write(dst, &buf);
    r.ok(bus);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::testutil::{frame_cf, setup};

    #[test]
    fn e820_walks_the_map() {
        let (mut fw, mut bus, mut r) = setup();
        let n = fw.config.memory_map.len();
        assert!(n >= 4);
        r.ebx = 0;
        let mut seen = Vec::new();
        loop {
            r.eax = 0xE820;
            r.edx = SMAP;
            r.ecx = 24;
            r.es = 0x100;
            r.set_di(0);
            int15(&mut fw, &mut r, &mut bus);
            assert!(!frame_cf(&mut bus, &r));
            assert_eq!((r.eax, r.ecx), (SMAP, 24));
            let mut e = [0u8; 24];
            bus.read(0x1000, &mut e);
            seen.push((
                u64::from_le_bytes(e[0..8].try_into().unwrap()),
                u32::from_le_bytes(e[16..20].try_into().unwrap()),
            ));
            assert_eq!(e[20], 1);
            if r.ebx == 0 {
                break;
            }
        }
        assert_eq!(seen.len(), n);
        assert_eq!(seen[0], (0, 1));
        assert!(seen.contains(&(0x10_0000, 1)));
        // Bad signature or index: CF.
        r.eax = 0xE820;
        r.edx = 0;
        r.ecx = 20;
        int15(&mut fw, &mut r, &mut bus);
        assert!(frame_cf(&mut bus, &r));
        r.eax = 0xE820;
        r.edx = SMAP;
        r.ebx = 1000;
        int15(&mut fw, &mut r, &mut bus);
        assert!(frame_cf(&mut bus, &r));
    }

    #[test]
    fn memory_sizes() {
        let (mut fw, mut bus, mut r) = setup();
        r.set_ax(0xE801);
        int15(&mut fw, &mut r, &mut bus);
        assert_eq!((r.ax(), r.bx()), (15 * 1024, 256));
        assert_eq!((r.cx(), r.dx()), (15 * 1024, 256));
        r.set_ax(0x8800);
        int15(&mut fw, &mut r, &mut bus);
        assert_eq!(r.ax(), 31 * 1024);
    }

    #[test]
    fn a20_config_and_unsupported() {
        let (mut fw, mut bus, mut r) = setup();
        bus.open = 0;
        r.set_ax(0x2401);
        int15(&mut fw, &mut r, &mut bus);
        assert!(bus.outs.contains(&(0x92, 2)));
        r.set_ax(0x2403);
        int15(&mut fw, &mut r, &mut bus);
        assert_eq!(r.bx(), 3);
        r.set_ax(0xC000);
        int15(&mut fw, &mut r, &mut bus);
        assert_eq!((r.es, r.bx()), (0xF000, fw.header.config_table));
        assert!(!frame_cf(&mut bus, &r));
        r.set_ax(0x5300);
        int15(&mut fw, &mut r, &mut bus);
        assert!(frame_cf(&mut bus, &r));
        assert_eq!(r.ah(), UNSUPPORTED);
    }

    #[test]
    fn wait_until_the_clock_passes() {
        let (mut fw, mut bus, mut r) = setup();
        bus.now = 1000;
        r.set_ax(0x8600);
        r.set_cx(0);
        r.set_dx(10); // 10 µs
        assert_eq!(int15(&mut fw, &mut r, &mut bus), Outcome::Wait);
        bus.now = 10_999;
        assert_eq!(int15(&mut fw, &mut r, &mut bus), Outcome::Wait);
        bus.now = 11_000;
        r.set_ax(0x8600);
        assert_eq!(int15(&mut fw, &mut r, &mut bus), Outcome::Done);
        assert!(!frame_cf(&mut bus, &r));
        assert_eq!(fw.wait_until, None);
    }

    #[test]
    fn block_move_copies() {
        let (mut fw, mut bus, mut r) = setup();
        let mut gdt = [0u8; 0x30];
        gdt[0x12..0x15].copy_from_slice(&[0x00, 0x00, 0x01]); // 010000h
        gdt[0x1A..0x1D].copy_from_slice(&[0x00, 0x00, 0x10]); // 100000h
        bus.write(0x800, &gdt);
        bus.write(0x10000, b"abcd");
        r.es = 0x80;
        r.set_si(0);
        r.set_cx(2);
        r.set_ax(0x8700);
        int15(&mut fw, &mut r, &mut bus);
        let mut b = [0u8; 4];
        bus.read(0x10_0000, &mut b);
        assert_eq!(&b, b"abcd");
    }
}
