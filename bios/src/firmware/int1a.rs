//! INT 1Ah: time of day (IBM PC/AT Technical Reference, "Time-of-Day";
//! the BDA tick count that IRQ0 advances, the MC146818 RTC through CMOS
//! ports 70h/71h) and the PCI BIOS (PCI BIOS Specification 2.1, §3:
//! AX=B101h installation check, B102h find device, B103h find class code,
//! B108h–B10Dh configuration reads and writes through configuration
//! mechanism #1 at CF8h/CFCh). B10Eh (IRQ routing options) answers
//! "function not supported".

use super::bda::{self, at};
use super::{flag, Bus, Outcome, Regs};

/// CMOS registers.
const RTC_SECONDS: u8 = 0x00;
const RTC_MINUTES: u8 = 0x02;
const RTC_HOURS: u8 = 0x04;
const RTC_DAY: u8 = 0x07;
const RTC_MONTH: u8 = 0x08;
const RTC_YEAR: u8 = 0x09;
const RTC_STATUS_A: u8 = 0x0A;
const RTC_STATUS_B: u8 = 0x0B;
const RTC_CENTURY: u8 = 0x32;
/// Status A: update in progress. Status B: binary mode, 24-hour, SET.
const RTC_UIP: u8 = 0x80;
const RTC_BINARY: u8 = 0x04;
const RTC_24H: u8 = 0x02;
const RTC_SET: u8 = 0x80;
/// Port 70h bit 7 masks NMI; kept set while the BIOS reads CMOS.
const NMI_OFF: u8 = 0x80;

/// PCI BIOS return codes.
const PCI_SUCCESSFUL: u8 = 0x00;
const PCI_FUNC_NOT_SUPPORTED: u8 = 0x81;
const PCI_DEVICE_NOT_FOUND: u8 = 0x86;
const PCI_BAD_REGISTER: u8 = 0x87;
/// 'PCI '.
const PCI_SIGNATURE: u32 = 0x2049_4350;
/// CONFIG_ADDRESS / CONFIG_DATA.
const PCI_CONFIG_ADDRESS: u16 = 0xCF8;
const PCI_CONFIG_DATA: u16 = 0xCFC;

fn cmos_read(bus: &mut dyn Bus, reg: u8) -> u8 {
    bus.outb(0x70, NMI_OFF | reg);
    bus.inb(0x71)
}

fn cmos_write(bus: &mut dyn Bus, reg: u8, v: u8) {
    bus.outb(0x70, NMI_OFF | reg);
    bus.outb(0x71, v);
}

fn to_bcd(v: u8) -> u8 {
    (v / 10) << 4 | (v % 10)
}

fn from_bcd(v: u8) -> u8 {
    (v >> 4) * 10 + (v & 0xF)
}

/// Read an RTC register as BCD whatever the data mode.
fn rtc_bcd(bus: &mut dyn Bus, reg: u8) -> u8 {
    let v = cmos_read(bus, reg);
    if cmos_read(bus, RTC_STATUS_B) & RTC_BINARY != 0 {
        to_bcd(v % 100)
    } else {
        v
    }
}

/// Hours, minutes, seconds (binary) from the RTC.
pub fn rtc_time(bus: &mut dyn Bus) -> (u8, u8, u8) {
    let b = cmos_read(bus, RTC_STATUS_B);
    let raw = cmos_read(bus, RTC_HOURS);
    let pm = raw & 0x80 != 0;
    let mut h = if b & RTC_BINARY != 0 {
        raw & 0x7F
    } else {
        from_bcd(raw & 0x7F)
    };
    if b & RTC_24H == 0 {
        h %= 12;
        if pm {
            h += 12;
        }
    }
    let m = from_bcd(rtc_bcd(bus, RTC_MINUTES));
    let s = from_bcd(rtc_bcd(bus, RTC_SECONDS));
    (h.min(23), m.min(59), s.min(59))
}

/// The INT 1Ah dispatcher.
pub fn int1a(r: &mut Regs, bus: &mut dyn Bus) -> Outcome {
    match r.ah() {
        0x00 => {
            let t = bus.read_u32(at(bda::TICKS));
            r.set_cx((t >> 16) as u16);
            r.set_dx(t as u16);
            r.set_al(bus.read_u8(at(bda::MIDNIGHT)));
            bus.write_u8(at(bda::MIDNIGHT), 0);
            r.set_frame_flag(bus, flag::CF, false);
        }
        0x01 => {
            bus.write_u32(at(bda::TICKS), u32::from(r.cx()) << 16 | u32::from(r.dx()));
            bus.write_u8(at(bda::MIDNIGHT), 0);
            r.set_frame_flag(bus, flag::CF, false);
        }
        0x02 => {
            if cmos_read(bus, RTC_STATUS_A) & RTC_UIP != 0 {
                // Update in progress: callers retry.
                r.set_frame_flag(bus, flag::CF, true);
                return Outcome::Done;
            }
            let (h, m, s) = rtc_time(bus);
            r.set_ch(to_bcd(h));
            r.set_cl(to_bcd(m));
            r.set_dh(to_bcd(s));
            r.set_dl(0);
            r.set_frame_flag(bus, flag::CF, false);
        }
        0x03 => {
            let time = [
                (RTC_HOURS, r.ch()),
                (RTC_MINUTES, r.cl()),
                (RTC_SECONDS, r.dh()),
            ];
            rtc_set(bus, &time, RTC_24H);
            r.set_frame_flag(bus, flag::CF, false);
        }
        0x04 => {
            r.set_ch(rtc_bcd(bus, RTC_CENTURY));
            r.set_cl(rtc_bcd(bus, RTC_YEAR));
            r.set_dh(rtc_bcd(bus, RTC_MONTH));
            r.set_dl(rtc_bcd(bus, RTC_DAY));
            r.set_frame_flag(bus, flag::CF, false);
        }
        0x05 => {
            let date = [
                (RTC_CENTURY, r.ch()),
                (RTC_YEAR, r.cl()),
                (RTC_MONTH, r.dh()),
                (RTC_DAY, r.dl()),
            ];
            rtc_set(bus, &date, 0);
            r.set_frame_flag(bus, flag::CF, false);
        }
        0xB1 => pci_bios(r, bus),
        _ => r.set_frame_flag(bus, flag::CF, true),
    }
    Outcome::Done
}

/// Write `fields` ((register, BCD value) from the caller) into the RTC with status B's SET
/// bit held so that no update runs meanwhile, converted to binary when the RTC counts in
/// binary; then clear SET, OR-ing `status_b_or` into status B.
fn rtc_set(bus: &mut dyn Bus, fields: &[(u8, u8)], status_b_or: u8) {
    let b = cmos_read(bus, RTC_STATUS_B);
    cmos_write(bus, RTC_STATUS_B, b | RTC_SET);
    let binary = b & RTC_BINARY != 0;
    for &(reg, x) in fields {
        cmos_write(bus, reg, if binary { from_bcd(x) } else { x });
    }
    cmos_write(bus, RTC_STATUS_B, (b & !RTC_SET) | status_b_or);
}

/// CONFIG_ADDRESS for bus/devfn in BX and register `reg`.
fn config_address(bx: u16, reg: u16) -> u32 {
    0x8000_0000 | u32::from(bx) << 8 | u32::from(reg & 0xFC)
}

fn config_read(bus: &mut dyn Bus, bx: u16, reg: u16, size: u8) -> u32 {
    bus.port_out(PCI_CONFIG_ADDRESS, 4, config_address(bx, reg));
    bus.port_in(PCI_CONFIG_DATA + (reg & 3), size)
}

fn config_write(bus: &mut dyn Bus, bx: u16, reg: u16, size: u8, v: u32) {
    bus.port_out(PCI_CONFIG_ADDRESS, 4, config_address(bx, reg));
    bus.port_out(PCI_CONFIG_DATA + (reg & 3), size, v);
}

/// Bus 0 functions (bus/devfn as in BX) that answer, in order.
fn functions(bus: &mut dyn Bus) -> Vec<u16> {
    let mut out = Vec::new();
    for dev in 0..32u16 {
        for func in 0..8u16 {
            let bx = dev << 3 | func;
            let id = config_read(bus, bx, 0, 4);
            if id & 0xFFFF == 0xFFFF {
                if func == 0 {
                    break;
                }
                continue;
            }
            out.push(bx);
            if func == 0 && config_read(bus, bx, 0x0E, 1) & 0x80 == 0 {
                break;
            }
        }
    }
    out
}

fn pci_bios(r: &mut Regs, bus: &mut dyn Bus) {
    let status = match r.al() {
        0x01 => {
            // Mechanism #1, version 2.10, last bus 0.
            r.edx = PCI_SIGNATURE;
            r.set_al(0x01);
            r.set_bx(0x0210);
            r.set_cl(0);
            r.edi = 0;
            PCI_SUCCESSFUL
        }
        0x02 => {
            let want = u32::from(r.cx()) << 16 | u32::from(r.dx());
            let hit = functions(bus)
                .into_iter()
                .filter(|&bx| config_read(bus, bx, 0, 4) == want)
                .nth(usize::from(r.si()));
            match hit {
                Some(bx) => {
                    r.set_bx(bx);
                    PCI_SUCCESSFUL
                }
                None => PCI_DEVICE_NOT_FOUND,
            }
        }
        0x03 => {
            let want = r.ecx & 0x00FF_FFFF;
            let hit = functions(bus)
                .into_iter()
                .filter(|&bx| config_read(bus, bx, 8, 4) >> 8 == want)
                .nth(usize::from(r.si()));
            match hit {
                Some(bx) => {
                    r.set_bx(bx);
                    PCI_SUCCESSFUL
                }
                None => PCI_DEVICE_NOT_FOUND,
            }
        }
        0x08..=0x0D => {
            let reg = r.di();
            let size: u8 = match r.al() {
                0x08 | 0x0B => 1,
                0x09 | 0x0C => 2,
                _ => 4,
            };
            if reg > 0xFF || !reg.is_multiple_of(u16::from(size)) {
                PCI_BAD_REGISTER
            } else if r.al() <= 0x0A {
                let v = config_read(bus, r.bx(), reg, size);
                match size {
                    1 => r.set_cl(v as u8),
                    2 => r.set_cx(v as u16),
                    _ => r.ecx = v,
                }
                PCI_SUCCESSFUL
            } else {
                let v = match size {
                    1 => u32::from(r.cl()),
                    2 => u32::from(r.cx()),
                    _ => r.ecx,
                };
                config_write(bus, r.bx(), reg, size, v);
                PCI_SUCCESSFUL
            }
        }
        _ => PCI_FUNC_NOT_SUPPORTED,
    };
    r.finish(bus, status, status != PCI_SUCCESSFUL);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::testutil::{frame_cf, setup};

    #[test]
    fn ticks_and_rtc() {
        let (_, mut bus, mut r) = setup();
        bus.write_u32(at(bda::TICKS), 0x0012_3456);
        bus.write_u8(at(bda::MIDNIGHT), 1);
        r.set_ax(0x0000);
        int1a(&mut r, &mut bus);
        assert_eq!((r.cx(), r.dx(), r.al()), (0x12, 0x3456, 1));
        assert_eq!(bus.read_u8(at(bda::MIDNIGHT)), 0);
        // BCD RTC, 24-hour: 13:45:07 on 2024-02-29.
        bus.cmos[RTC_STATUS_B as usize] = RTC_24H;
        bus.cmos[RTC_HOURS as usize] = 0x13;
        bus.cmos[RTC_MINUTES as usize] = 0x45;
        bus.cmos[RTC_SECONDS as usize] = 0x07;
        bus.cmos[RTC_CENTURY as usize] = 0x20;
        bus.cmos[RTC_YEAR as usize] = 0x24;
        bus.cmos[RTC_MONTH as usize] = 0x02;
        bus.cmos[RTC_DAY as usize] = 0x29;
        r.set_ax(0x0200);
        int1a(&mut r, &mut bus);
        assert_eq!((r.cx(), r.dh()), (0x1345, 0x07));
        assert!(!frame_cf(&mut bus, &r));
        r.set_ax(0x0400);
        int1a(&mut r, &mut bus);
        assert_eq!((r.cx(), r.dx()), (0x2024, 0x0229));
        // Binary mode, 12-hour: 1 PM.
        bus.cmos[RTC_STATUS_B as usize] = RTC_BINARY;
        bus.cmos[RTC_HOURS as usize] = 0x81;
        bus.cmos[RTC_MINUTES as usize] = 5;
        assert_eq!(rtc_time(&mut bus).0, 13);
        // Set time in binary mode stores binary.
        r.set_ax(0x0300);
        r.set_cx(0x2359);
        r.set_dh(0x30);
        int1a(&mut r, &mut bus);
        assert_eq!(bus.cmos[RTC_MINUTES as usize], 59);
        assert_eq!(bus.cmos[RTC_HOURS as usize], 23);
        assert_eq!(bus.cmos[RTC_SECONDS as usize], 30);
        // SET released, 24-hour mode selected.
        assert_eq!(bus.cmos[RTC_STATUS_B as usize], RTC_BINARY | RTC_24H);
        // Set date in BCD mode stores BCD and leaves status B as it was.
        bus.cmos[RTC_STATUS_B as usize] = RTC_24H;
        r.set_ax(0x0500);
        r.set_cx(0x2025);
        r.set_dx(0x1231);
        int1a(&mut r, &mut bus);
        let date = [RTC_CENTURY, RTC_YEAR, RTC_MONTH, RTC_DAY].map(|i| bus.cmos[i as usize]);
        assert_eq!(date, [0x20, 0x25, 0x12, 0x31]);
        assert_eq!(bus.cmos[RTC_STATUS_B as usize], RTC_24H);
        assert!(!frame_cf(&mut bus, &r));
    }

    #[test]
    fn pci_bios_calls() {
        let (_, mut bus, mut r) = setup();
        let mut host = [0u8; 256];
        host[0..4].copy_from_slice(&0x1237_8086u32.to_le_bytes());
        host[8..12].copy_from_slice(&0x0600_0002u32.to_le_bytes());
        let mut isa = [0u8; 256];
        isa[0..4].copy_from_slice(&0x7000_8086u32.to_le_bytes());
        isa[8..12].copy_from_slice(&0x0601_0000u32.to_le_bytes());
        isa[0x0E] = 0x80;
        let mut ide = [0u8; 256];
        ide[0..4].copy_from_slice(&0x7010_8086u32.to_le_bytes());
        ide[8..12].copy_from_slice(&0x0101_8000u32.to_le_bytes());
        bus.pci = vec![((0, 0), host), ((1, 0), isa), ((1, 1), ide)];
        r.set_ax(0xB101);
        int1a(&mut r, &mut bus);
        assert_eq!((r.ah(), r.al(), r.edx), (0, 1, PCI_SIGNATURE));
        // Find 8086:7010.
        r.set_ax(0xB102);
        r.set_cx(0x7010);
        r.set_dx(0x8086);
        r.set_si(0);
        int1a(&mut r, &mut bus);
        assert!(!frame_cf(&mut bus, &r));
        assert_eq!(r.bx(), 1 << 3 | 1);
        r.set_ax(0xB102);
        r.set_si(1);
        int1a(&mut r, &mut bus);
        assert_eq!(r.ah(), PCI_DEVICE_NOT_FOUND);
        // Find class 060100 (ISA bridge).
        r.set_ax(0xB103);
        r.ecx = 0x06_0100;
        r.set_si(0);
        int1a(&mut r, &mut bus);
        assert_eq!(r.bx(), 1 << 3);
        // Read and write configuration space.
        r.set_ax(0xB109);
        r.set_bx(0);
        r.set_di(2);
        int1a(&mut r, &mut bus);
        assert_eq!(r.cx(), 0x1237);
        r.set_ax(0xB10B);
        r.set_bx(1 << 3);
        r.set_di(0x60);
        r.set_cl(0x0B);
        int1a(&mut r, &mut bus);
        r.set_ax(0xB108);
        int1a(&mut r, &mut bus);
        assert_eq!(r.cl(), 0x0B);
        // Misaligned register.
        r.set_ax(0xB10A);
        r.set_di(2);
        int1a(&mut r, &mut bus);
        assert_eq!(r.ah(), PCI_BAD_REGISTER);
        assert!(frame_cf(&mut bus, &r));
    }
}
