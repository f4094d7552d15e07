//! The tables as an OS walks them: RSDP → RSDT → FADT → FACS/DSDT.

use super::tables::{fadt, sum, FADT_REV3_LEN, HEADER_LEN};
use super::*;

const BASE: u32 = 0x07FF_F000;

fn u16_at(t: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([t[at], t[at + 1]])
}

fn u32_at(t: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(t[at..at + 4].try_into().unwrap())
}

/// The table at physical address `addr` inside the region at `BASE`,
/// by its header length.
fn table_at(region: &[u8], addr: u32) -> &[u8] {
    let off = (addr - BASE) as usize;
    let len = u32_at(region, off + 4) as usize;
    &region[off..off + len]
}

#[test]
fn rsdp_points_at_an_rsdt_listing_the_fadt() {
    let (region, rsdp) = build_tables(BASE, None);
    assert_eq!(&rsdp[0..8], b"RSD PTR ");
    assert_eq!(sum(&rsdp), 0);
    let rsdt = table_at(&region, u32_at(&rsdp, 16));
    assert_eq!(&rsdt[0..4], b"RSDT");
    assert_eq!(rsdt.len(), HEADER_LEN + 4);
    assert_eq!(sum(rsdt), 0);
    let fadt = table_at(&region, u32_at(rsdt, HEADER_LEN));
    assert_eq!(&fadt[0..4], b"FACP");
    assert_eq!(fadt.len(), FADT_REV3_LEN);
    assert_eq!(fadt[8], 3, "FADT revision 3");
    assert_eq!(sum(fadt), 0);
}

#[test]
fn fadt_describes_the_piix4_pm_block() {
    let (region, _) = build_tables(BASE, None);
    let f = table_at(&region, BASE + FADT_OFFSET as u32);
    // (offset, width, expected)
    let fields: [(usize, usize, u32); 15] = [
        (fadt::SCI_INT, 2, 9),
        (fadt::SMI_CMD, 4, 0),
        (fadt::ACPI_ENABLE, 1, 0),
        (fadt::PM1A_EVT_BLK, 4, 0x600),
        (fadt::PM1A_CNT_BLK, 4, 0x604),
        (fadt::PM_TMR_BLK, 4, 0x608),
        (fadt::GPE0_BLK, 4, 0x60C),
        (fadt::PM1_EVT_LEN, 1, 4),
        (fadt::PM1_CNT_LEN, 1, 2),
        (fadt::PM_TMR_LEN, 1, 4),
        (fadt::GPE0_BLK_LEN, 1, 4),
        (fadt::P_LVL2_LAT, 2, 101),
        (fadt::P_LVL3_LAT, 2, 1001),
        (fadt::IAPC_BOOT_ARCH, 2, 3),
        (fadt::RESET_VALUE, 1, 6),
    ];
    for (off, width, want) in fields {
        let got = match width {
            1 => u32::from(f[off]),
            2 => u32::from(u16_at(f, off)),
            _ => u32_at(f, off),
        };
        assert_eq!(got, want, "FADT offset {off}");
    }
    let flags = u32_at(f, fadt::FLAGS);
    assert_ne!(flags & fadt::WBINVD, 0);
    assert_eq!(flags & fadt::TMR_VAL_EXT, 0, "24-bit PM timer");
    assert_eq!(flags & fadt::PWR_BUTTON, 0, "fixed power button");
    assert_ne!(flags & fadt::RESET_REG_SUP, 0);
    // RESET_REG: system I/O byte at CF9h.
    assert_eq!(f[fadt::RESET_REG], 1);
    assert_eq!(u32_at(f, fadt::RESET_REG + 4), 0xCF9);
    // The generic-address copies agree with the 32-bit fields.
    for (x, port) in [
        (fadt::X_PM1A_EVT_BLK, 0x600),
        (fadt::X_PM1A_CNT_BLK, 0x604),
        (fadt::X_PM_TMR_BLK, 0x608),
        (fadt::X_GPE0_BLK, 0x60C),
    ] {
        assert_eq!(f[x], 1, "system I/O");
        assert_eq!(u32_at(f, x + 4), port);
    }
    assert_eq!(f[fadt::X_PM_TMR_BLK + 1], 32, "bit width");
    assert_eq!(u32_at(f, fadt::X_DSDT), u32_at(f, fadt::DSDT));
    assert_eq!(u32_at(f, fadt::X_FIRMWARE_CTRL), 0, "FACS below 4 GiB");
}

#[test]
fn facs_is_64_byte_aligned() {
    let (region, _) = build_tables(BASE, None);
    let f = table_at(&region, BASE + FADT_OFFSET as u32);
    let facs_addr = u32_at(f, fadt::FIRMWARE_CTRL);
    assert_eq!(facs_addr % 64, 0);
    let off = (facs_addr - BASE) as usize;
    assert_eq!(&region[off..off + 4], b"FACS");
}

#[test]
fn dsdt_holds_s5_with_the_soft_off_slp_typ_and_pci0() {
    let (region, _) = build_tables(BASE, None);
    let f = table_at(&region, BASE + FADT_OFFSET as u32);
    let d = table_at(&region, u32_at(f, fadt::DSDT));
    assert_eq!(&d[0..4], b"DSDT");
    assert_eq!(sum(d), 0);
    let aml = &d[HEADER_LEN..];
    let s5 = [0x08, b'\\', b'_', b'S', b'5', b'_', 0x12, 0x06, 0x04];
    let at = aml.windows(s5.len()).position(|w| w == s5).expect("\\_S5");
    assert_eq!(aml[at + s5.len()], SLP_TYP_S5, "SLP_TYPa (ZeroOp)");
    assert_eq!(SLP_TYP_S5, 0, "PIIX4 SUS_TYP 000b = soft off");
    // _HID EisaId("PNP0A03") inside Device(PCI0) inside Scope(\_SB).
    let hid = [0x08, b'_', b'H', b'I', b'D', 0x0C, 0x41, 0xD0, 0x0A, 0x03];
    assert!(aml.windows(hid.len()).any(|w| w == hid));
    assert_eq!(&aml[0..1], [0x10]);
    assert_eq!(aml[1] >> 6, 1, "two-byte PkgLength");
    let scope_len = usize::from(aml[1] & 0x0F) | usize::from(aml[2]) << 4;
    assert_eq!(1 + scope_len, at, "the scope ends where _S5 starts");
}

#[test]
fn pci0_crs_has_bus_range_io_windows_and_memory_above_ram() {
    use super::aml::resources::*;
    let (region, _) = build_tables(BASE, None);
    let f = table_at(&region, BASE + FADT_OFFSET as u32);
    let d = table_at(&region, u32_at(f, fadt::DSDT));
    let count = |t: &[u8], needle: &[u8]| t.windows(needle.len()).filter(|w| *w == needle).count();
    assert_eq!(
        count(d, b"_CRS"),
        1 + ISA_DEVICES.len(),
        "PCI0 and the ISA devices"
    );
    assert_eq!(
        count(d, &word_space(RESOURCE_BUS, 0, 0, 0xFF)),
        1,
        "bus range"
    );
    assert_eq!(count(d, &io(0xCF8, 8)), 1);
    assert_eq!(
        count(d, &word_space(RESOURCE_IO, IO_ENTIRE_RANGE, 0, 0xCF7)),
        1
    );
    assert_eq!(
        count(d, &word_space(RESOURCE_IO, IO_ENTIRE_RANGE, 0xD00, 0xFFFF)),
        1
    );
    let ram_top = BASE + REGION_LEN;
    let window = dword_space(RESOURCE_MEMORY, MEM_CACHEABLE_RW, ram_top, PCI_MEM_LIMIT);
    assert_eq!(count(d, &window), 1, "PCI memory from the end of RAM");
    // Nearly 4 GiB of RAM: no room for that window, only the VGA one.
    let memory_descriptor = [0x87, 0x17, 0x00, RESOURCE_MEMORY];
    assert_eq!(count(d, &memory_descriptor), 2);
    let t = dsdt(0xFEC0_0000);
    assert_eq!(count(&t, &memory_descriptor), 1);
    assert_eq!(
        count(&t, &end_tag()),
        1 + ISA_DEVICES.len(),
        "every template ends"
    );
    assert_eq!(sum(&t), 0);
}

#[test]
fn tables_fit_the_region() {
    let (region, _) = build_tables(BASE, None);
    assert!(region.len() <= REGION_LEN as usize);
}

#[test]
fn build_places_the_region_in_the_last_ram_page() {
    // (RAM size, region base)
    let cases = [
        (128 << 20, (128 << 20) - 0x1000),
        ((64 << 20) + 0x800, (64 << 20) - 0x1000),
        (4 << 30, 0xFEBF_F000u64),
    ];
    for (ram, base) in cases {
        let t = build(ram);
        assert_eq!(u64::from(t.region_base), base, "RAM {ram:#x}");
        assert_eq!(t.region_len, REGION_LEN);
        assert_eq!(t.rsdp_addr, RSDP_ADDR);
        assert_eq!(t.segments[0].addr, t.region_base);
        assert_eq!(t.segments[1].addr, RSDP_ADDR);
        // The RSDP's RSDT pointer lies inside the region.
        let rsdt = u32_at(&t.segments[1].data, 16);
        assert_eq!(rsdt, t.region_base + RSDT_OFFSET as u32);
    }
}

#[test]
fn firmware_setup_marks_pirq_and_sci_irqs_level_in_the_elcr() {
    let w = firmware_port_writes();
    let elcr: Vec<_> = w.iter().filter(|p| p.port & 0xFFFE == 0x4D0).collect();
    assert_eq!(elcr.len(), 2);
    assert_eq!((elcr[0].port, elcr[0].value), (0x4D0, 0x00));
    assert_eq!(
        (elcr[1].port, elcr[1].value),
        (0x4D1, 0x0E),
        "IRQ 9, 10, 11"
    );
    let last = w.last().unwrap();
    assert_eq!((last.port, last.value), (0xCF8, 0));
}

/// The setup writes applied to the real chipset model: the PM block
/// answers where the FADT says, ACPI mode is on, and the `\_S5` SLP_TYP
/// powers the machine off.
#[test]
fn firmware_setup_on_the_chipset_matches_the_tables() {
    use devices::pci::acpi_pm::{PM1_CNT, SLP_EN, SLP_TYP_SHIFT};
    use devices::{IoSize, Pci};
    let mut pci = Pci::new(0);
    for p in firmware_port_writes() {
        if p.port & 0xFFFE != 0x4D0 {
            assert!(pci.io_write(p.port, IoSize::from_bytes(u32::from(p.size)), p.value, 0));
        }
    }
    assert_eq!(pci.isa.pirq_route(0), Some(10));
    assert_eq!(pci.isa.pirq_route(3), Some(11));
    assert_eq!(pci.pm.pm_base(), Some(PM_BASE));
    assert_eq!(pci.host.pam(), [0x30, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33]);
    assert_eq!(pci.config_read(1, 3, 0x3C, 1), 9);
    let tmr = pci.io_read(PM_BASE + PM_TMR_OFFSET, IoSize::Dword, 1_000_000);
    assert_eq!(tmr, Some(3579));
    let cnt = pci.io_read(PM_BASE + PM1_CNT_OFFSET, IoSize::Word, 0);
    assert_eq!(cnt, Some(u32::from(SCI_EN)), "SCI_EN reads 1");
    // What Linux's acpi_enter_sleep_state(S5) writes.
    let typ = u32::from(SLP_TYP_S5) << SLP_TYP_SHIFT;
    let port = PM_BASE + PM1_CNT;
    pci.io_write(port, IoSize::Word, u32::from(SCI_EN) | typ, 0);
    assert!(!pci.take_power_off_request());
    pci.io_write(port, IoSize::Word, u32::from(SCI_EN | SLP_EN) | typ, 0);
    assert!(pci.take_power_off_request());
}

#[test]
fn isa_pnp_devices_carry_their_ports_and_irqs() {
    use super::aml::{buffer, eisa_id, resources::*};
    let d = dsdt(0x1000_0000);
    let has = |needle: &[u8]| d.windows(needle.len()).any(|w| w == needle);
    // Device(ISA_) with _ADR 0x00010000 (device 1, function 0).
    assert!(has(b"ISA_\x08_ADR\x0C\x00\x00\x01\x00"));
    // (name, _HID, _CRS)
    let cases: [(&[u8; 4], &[u8; 7], Vec<u8>); 5] = [
        (
            b"KBD_",
            b"PNP0303",
            [io(0x60, 1), io(0x64, 1), irq(1)].concat(),
        ),
        (b"MOU_", b"PNP0F13", irq(12)),
        (b"RTC_", b"PNP0B00", [io(0x70, 2), irq(8)].concat()),
        (b"COM1", b"PNP0501", [io(0x3F8, 8), irq(4)].concat()),
        (b"COM2", b"PNP0501", [io(0x2F8, 8), irq(3)].concat()),
    ];
    for (seg, hid, crs) in cases {
        let at = d.windows(4).position(|w| w == seg).expect("device name");
        let hid_term = [b"\x08_HID".as_slice(), &eisa_id(hid)].concat();
        assert_eq!(&d[at + 4..at + 4 + hid_term.len()], hid_term, "{seg:?}");
        let crs_term = [b"\x08_CRS".as_slice(), &buffer(&[crs, end_tag()].concat())].concat();
        assert!(has(&crs_term), "{seg:?} _CRS");
    }
}

#[test]
fn madt_is_listed_in_the_rsdt_only_when_asked_for() {
    let (region, rsdp) = build_tables(BASE, None);
    let rsdt = table_at(&region, u32_at(&rsdp, 16));
    assert_eq!(rsdt.len(), HEADER_LEN + 4, "FADT only");
    assert!(!region.windows(4).any(|w| w == b"APIC"));
    let c = tables::MadtConfig {
        lapic_addr: 0xFEE0_0000,
        lapic_id: 0,
        ioapic_id: 1,
        ioapic_addr: 0xFEC0_0000,
        sci_irq: SCI_IRQ,
        nmi_lint: 1,
    };
    let (region, rsdp) = build_tables(BASE, Some(&c));
    assert!(region.len() <= REGION_LEN as usize);
    let rsdt = table_at(&region, u32_at(&rsdp, 16));
    assert_eq!(rsdt.len(), HEADER_LEN + 8);
    assert_eq!(sum(rsdt), 0);
    let madt_addr = u32_at(rsdt, HEADER_LEN + 4);
    assert_eq!(madt_addr % 16, 0);
    let m = table_at(&region, madt_addr);
    assert_eq!(&m[0..4], b"APIC");
    assert_eq!(sum(m), 0);
    assert_eq!(m, tables::madt(&c));
    // The other tables do not move.
    let fadt = table_at(&region, u32_at(rsdt, HEADER_LEN));
    assert_eq!(&fadt[0..4], b"FACP");
    let t = build_with_madt(128 << 20, Some(&c));
    assert_eq!(t.segments[0].data, build_tables(t.region_base, Some(&c)).0);
}
