//! Configuration mechanism #1 and the chipset seen through the ports.

use super::acpi_pm::{PM1_CNT, PM_TMR, SCI_EN, SLP_EN};
use super::pm::{PIIX4_PMBA, PIIX4_PMREGMISC};
use super::*;

const B: IoSize = IoSize::Byte;
const W: IoSize = IoSize::Word;
const D: IoSize = IoSize::Dword;

/// A configuration read through the ports.
fn cfg_read(pci: &mut Pci, dev: u8, func: u8, off: u8, size: IoSize) -> u32 {
    pci.io_write(0xCF8, D, config_address(0, dev, func, off), 0);
    pci.io_read(0xCFC + u16::from(off & 3), size, 0).unwrap()
}

/// A configuration write through the ports.
fn cfg_write(pci: &mut Pci, dev: u8, func: u8, off: u8, size: IoSize, v: u32) {
    pci.io_write(0xCF8, D, config_address(0, dev, func, off), 0);
    assert!(pci.io_write(0xCFC + u16::from(off & 3), size, v, 0));
}

#[test]
fn config_address_is_a_dword_register_with_reserved_bits_zero() {
    let mut pci = Pci::new(0);
    assert_eq!(pci.io_read(0xCF8, D, 0), Some(0));
    pci.io_write(0xCF8, D, 0xFFFF_FFFF, 0);
    assert_eq!(pci.io_read(0xCF8, D, 0), Some(0x80FF_FFFC));
    // Linux's pci_check_type1: a byte write to CFBh must not disturb it,
    // then 80000000h written as a dword reads back.
    pci.io_write(0xCFB, B, 0x01, 0);
    assert_eq!(pci.io_read(0xCF8, D, 0), Some(0x80FF_FFFC));
    pci.io_write(0xCF8, D, 0x8000_0000, 0);
    assert_eq!(pci.io_read(0xCF8, D, 0), Some(0x8000_0000));
    assert_eq!(pci.io_read(0xCF8, W, 0), Some(0xFFFF), "word: not CONFADD");
}

#[test]
fn config_data_with_enable_clear_reads_all_ones() {
    let mut pci = Pci::new(0);
    pci.io_write(0xCF8, D, 0x0000_0000, 0); // bus 0 dev 0 reg 0, no enable
    assert_eq!(pci.io_read(0xCFC, D, 0), Some(0xFFFF_FFFF));
    pci.io_write(0xCF8, D, 0x8000_0000, 0);
    assert_eq!(pci.io_read(0xCFC, D, 0), Some(0x1237_8086));
}

#[test]
fn non_existent_functions_read_all_ones() {
    let mut pci = Pci::new(0);
    // (bus, device, function)
    for (bus, dev, func) in [
        (0, 0, 1),
        (0, 1, 2),
        (0, 1, 4),
        (0, 2, 0),
        (0, 31, 7),
        (1, 0, 0),
    ] {
        pci.io_write(0xCF8, D, config_address(bus, dev, func, 0), 0);
        assert_eq!(
            pci.io_read(0xCFC, D, 0),
            Some(0xFFFF_FFFF),
            "{bus}:{dev}.{func}"
        );
        assert_eq!(pci.io_read(0xCFE, W, 0), Some(0xFFFF));
        assert_eq!(pci.io_read(0xCFD, B, 0), Some(0xFF));
        pci.io_write(0xCFC, D, 0, 0); // dropped, no panic
    }
}

#[test]
fn config_data_byte_and_word_lanes_select_the_register_byte() {
    let mut pci = Pci::new(0);
    // Vendor/device dword at 00:00.0 register 0 = 12378086h.
    pci.io_write(0xCF8, D, config_address(0, 0, 0, 0), 0);
    // (port, size, value)
    let cases = [
        (0xCFC, B, 0x86),
        (0xCFD, B, 0x80),
        (0xCFE, B, 0x37),
        (0xCFF, B, 0x12),
        (0xCFC, W, 0x8086),
        (0xCFE, W, 0x1237),
        (0xCFD, W, 0x3780),
        (0xCFF, W, 0xFF12),
    ];
    for (port, size, v) in cases {
        assert_eq!(pci.io_read(port, size, 0), Some(v), "{port:#x} {size:?}");
    }
    // A byte write through lane 2 of register 60h: PIRQRC[C].
    cfg_write(&mut pci, 1, 0, 0x62, B, 0x0B);
    assert_eq!(cfg_read(&mut pci, 1, 0, 0x60, D), 0x800B_8080);
    assert_eq!(pci.isa.pirq_route(2), Some(11));
}

#[test]
fn bus_scan_finds_host_bridge_isa_bridge_ide_and_pm_function() {
    // Enumerate bus 0 the way an OS does: function 0 of each device, the
    // other functions only when the header type says multi-function.
    let mut pci = Pci::new(0);
    let mut found = Vec::new();
    for dev in 0..32 {
        for func in 0..8 {
            let id = cfg_read(&mut pci, dev, func, 0, D);
            if id == 0xFFFF_FFFF {
                continue;
            }
            let class = cfg_read(&mut pci, dev, func, 0x08, D) >> 8;
            found.push((dev, func, id, class));
            if func == 0 && cfg_read(&mut pci, dev, 0, 0x0E, B) & 0x80 == 0 {
                break;
            }
        }
    }
    assert_eq!(
        found,
        [
            (0, 0, 0x1237_8086, 0x06_0000),
            (1, 0, 0x7000_8086, 0x06_0100),
            (1, 1, 0x7010_8086, 0x01_0180),
            (1, 3, 0x7113_8086, 0x06_8000),
        ]
    );
}

#[test]
fn pm_block_appears_at_pmbase_once_pmiose_is_set() {
    let mut pci = Pci::new(0);
    assert_eq!(pci.io_read(0x608, D, 0), None, "not decoded before setup");
    cfg_write(&mut pci, 1, 3, PIIX4_PMBA, D, 0x601);
    assert_eq!(pci.io_read(0x608, D, 0), None, "PMIOSE still clear");
    cfg_write(&mut pci, 1, 3, PIIX4_PMREGMISC, B, 1);
    assert_eq!(
        pci.io_read(0x600 + PM_TMR, D, 1_000_000_000),
        Some(3_579_545)
    );
    assert_eq!(pci.io_read(0x640, D, 0), None, "64 bytes only");
    // Power-off through the ports.
    assert!(pci.io_write(0x600 + PM1_CNT, W, u32::from(SCI_EN), 0));
    assert!(!pci.take_power_off_request());
    pci.io_write(0x600 + PM1_CNT, W, u32::from(SCI_EN | SLP_EN), 0);
    assert!(pci.take_power_off_request());
    // Moving PMBASE moves the block.
    cfg_write(&mut pci, 1, 3, PIIX4_PMBA, W, 0xB000);
    assert_eq!(pci.io_read(0x608, D, 0), None);
    assert!(pci.io_read(0xB008, D, 0).is_some());
}

#[test]
fn reset_control_is_a_byte_register_at_cf9() {
    let mut pci = Pci::new(0);
    pci.io_write(0xCF8, D, 0x8000_0000, 0);
    pci.io_write(0xCF9, B, 0x06, 0);
    assert!(pci.take_reset_request());
    assert_eq!(pci.io_read(0xCF9, B, 0), Some(0x02));
    assert_eq!(pci.io_read(0xCF8, D, 0), Some(0x8000_0000), "CONFADD kept");
    pci.io_write(0xCF8, D, 0x8000_0400, 0); // dword write: not a reset
    assert!(!pci.take_reset_request());
}

#[test]
fn other_ports_are_not_claimed() {
    let mut pci = Pci::new(0);
    for port in [0x0000, 0x0CF7, 0x0D00, 0xFFFF] {
        assert_eq!(pci.io_read(port, B, 0), None);
        assert!(!pci.io_write(port, B, 0, 0));
    }
}

#[test]
fn sci_reaches_the_line_through_the_ports() {
    use super::acpi_pm::{PM1_EN, PWRBTN_STS};
    let mut pci = Pci::new(0);
    cfg_write(&mut pci, 1, 3, PIIX4_PMBA, D, 0x600);
    cfg_write(&mut pci, 1, 3, PIIX4_PMREGMISC, B, 1);
    pci.io_write(0x600 + PM1_CNT, W, u32::from(SCI_EN), 0);
    pci.io_write(0x600 + PM1_EN, W, u32::from(PWRBTN_STS), 0);
    assert!(!pci.sci_level(0));
    pci.pm.regs.press_power_button();
    assert!(pci.sci_level(0));
    pci.io_write(0x600, W, u32::from(PWRBTN_STS), 0);
    assert!(!pci.sci_level(0));
}

#[test]
fn guest_garbage_never_panics() {
    // A deterministic xorshift walk over the whole decode range.
    let mut pci = Pci::new(0);
    cfg_write(&mut pci, 1, 3, PIIX4_PMREGMISC, B, 1);
    let mut x = 0x1234_5678_9ABC_DEF0u64;
    for i in 0..20_000u64 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let port = [
            0xCF8, 0xCF9, 0xCFA, 0xCFC, 0xCFD, 0xCFE, 0xCFF, 0x0000, 0x003E,
        ][(x % 9) as usize];
        let size = [B, W, D][((x >> 8) % 3) as usize];
        let v = (x >> 16) as u32;
        if x & 1 << 40 != 0 {
            pci.io_write(port, size, v, i);
        } else {
            let _ = pci.io_read(port, size, i);
        }
    }
    let _ = pci.take_power_off_request();
    let _ = pci.take_reset_request();
}

/// The PC bus with the chipset, its PICs initialised (vectors 08h/70h,
/// all lines unmasked), PMBASE = 600h with PMIOSE set, SCI_EN set.
fn pc_bus_with_acpi() -> crate::IoBus {
    let mut bus = crate::testutil::pc_bus(0, 32 << 20);
    crate::testutil::init_pics(&mut bus);
    bus.write(0x4D1, B, 0x02); // ELCR: IRQ 9 level triggered
    bus.write(0xCF8, D, config_address(0, 1, 3, PIIX4_PMBA));
    bus.write(0xCFC, D, 0x601);
    bus.write(0xCF8, D, config_address(0, 1, 3, PIIX4_PMREGMISC));
    bus.write(0xCFC, B, 1);
    bus.write(0x600 + PM1_CNT, W, u32::from(SCI_EN));
    bus
}

#[test]
fn io_bus_passes_full_width_accesses_to_the_chipset() {
    let mut bus = pc_bus_with_acpi();
    bus.write(0xCF8, D, 0x8000_0000);
    assert_eq!(bus.read(0xCF8, D), 0x8000_0000);
    assert_eq!(bus.read(0xCFC, D), 0x1237_8086);
    assert_eq!(bus.read(0xCFE, W), 0x1237);
    // PM_TMR at 1 s of deterministic time (1 ns per instruction).
    assert_eq!(bus.read_at(0x608, D, 1_000_000_000), 3_579_545);
}

#[test]
fn io_bus_s5_write_requests_power_off() {
    use super::acpi_pm::SLP_TYP_SHIFT;
    let mut bus = pc_bus_with_acpi();
    let typ = u32::from(super::acpi_pm::SLP_TYP_SOFT_OFF) << SLP_TYP_SHIFT;
    bus.write(0x604, W, u32::from(SCI_EN) | typ);
    assert!(!bus.power_off_requested);
    bus.write(0x604, W, u32::from(SCI_EN | SLP_EN) | typ);
    assert!(bus.power_off_requested);
}

#[test]
fn io_bus_cf9_reset_control_requests_reset() {
    let mut bus = pc_bus_with_acpi();
    assert!(!bus.take_reset_request());
    bus.write(0xCF9, B, 0x06);
    assert!(bus.take_reset_request());
}

#[test]
fn sci_reaches_irq9_level_triggered_through_the_pic() {
    use super::acpi_pm::{PM1_EN, PWRBTN_STS};
    let mut bus = pc_bus_with_acpi();
    bus.write(0x600 + PM1_EN, W, u32::from(PWRBTN_STS));
    bus.update(10);
    assert!(!bus.pic.as_ref().unwrap().interrupt_requested());
    bus.pci.as_mut().unwrap().pm.regs.press_power_button();
    bus.update(20);
    let pic = bus.pic.as_mut().unwrap();
    assert!(pic.interrupt_requested());
    assert_eq!(pic.acknowledge(), Some(0x71), "slave base 70h + IRQ 9 - 8");
    assert_eq!(bus.take_risen_lines() & (1 << 9), 1 << 9);
    // The handler clears PWRBTN_STS (the level falls) and sends EOIs; the
    // machine updates the lines after every port access.
    bus.write(0x600, W, u32::from(PWRBTN_STS));
    bus.update(25);
    bus.write(0xA0, B, 0x20);
    bus.write(0x20, B, 0x20);
    bus.update(30);
    assert!(!bus.pic.as_ref().unwrap().interrupt_requested());
    // Still level triggered: a held line requests again after the EOI.
    bus.pci.as_mut().unwrap().pm.regs.press_power_button();
    bus.update(40);
    let pic = bus.pic.as_mut().unwrap();
    assert_eq!(pic.acknowledge(), Some(0x71));
    bus.write(0xA0, B, 0x20);
    bus.write(0x20, B, 0x20);
    bus.update(50);
    assert!(
        bus.pic.as_ref().unwrap().interrupt_requested(),
        "line still high"
    );
}

#[test]
fn pm_timer_carry_is_a_bus_timer_event_when_tmr_en() {
    use super::acpi_pm::{PM1_EN, TMR_STS};
    let mut bus = pc_bus_with_acpi();
    bus.update(0);
    let before = bus.next_event_ns();
    bus.write(0x600 + PM1_EN, W, u32::from(TMR_STS));
    bus.update(1);
    // Bit 23 of a 3.579545 MHz counter first changes after 2^23 ticks.
    let carry = ((1u128 << 23) * 1_000_000_000).div_ceil(3_579_545) as u64;
    let next = bus.next_event_ns().unwrap();
    assert_eq!(next, before.map_or(carry, |b| b.min(carry)));
    assert!(bus.needs_update(carry));
    bus.update(carry);
    let pic = bus.pic.as_mut().unwrap();
    assert!(pic.interrupt_requested());
}
