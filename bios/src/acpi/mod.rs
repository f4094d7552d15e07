//! ACPI tables for direct kernel boot, and the chipset setup a BIOS would
//! do before handing over (ACPI 6.4 §5.2 "ACPI System Description
//! Tables"; the PIIX4 power-management block the tables describe is
//! `devices::pci::acpi_pm`).
//!
//! The tables:
//! - RSDP revision 0 (§5.2.5), placed at [`RSDP_ADDR`] = E0000h in the
//!   reserved BIOS area, so a kernel that scans E0000–FFFFF finds it too.
//! - RSDT (§5.2.7) with one entry, the FADT.
//! - FADT revision 3 (§5.2.9): PM1a event/control blocks, PM timer and
//!   GPE0 at [`PM_BASE`], SCI_INT 9, SMI_CMD 0 (ACPI mode always on; the
//!   setup writes set SCI_EN), WBINVD and PROC_C1, RESET_REG = the PIIX3
//!   reset control port CF9h with value 06h.
//! - FACS (§5.2.10), required by the FADT's FIRMWARE_CTRL.
//! - DSDT (§5.2.11.1) holding `\_S5` (§7.4.2 "\_Sx (System States)") with
//!   SLP_TYP = [`SLP_TYP_S5`], the value the PIIX4 PM1_CNT decodes as soft
//!   off, and `\_SB.PCI0`, a PNP0A03 PCI root bridge (§6.1.5 `_HID`) with
//!   its `_CRS` windows and, under `PCI0.ISA`, the 8042 keyboard and mouse,
//!   the RTC and COM1/COM2 as PnP devices.
//!
//! - MADT (§5.2.12) only through [`build_with_madt`], for a machine that
//!   advertises its local APIC and I/O APIC; [`build`] leaves it out.
//!
//! Not yet: `_PRT`
//! interrupt routing and `_CRS` windows for PCI0 (no PCI device needs an
//! interrupt yet; Linux falls back to its defaults), processor objects,
//! and sleep states other than S5.
//!
//! The RSDT, FADT, FACS and DSDT sit in the last page of RAM, which the
//! Linux loader reports as ACPI reclaimable memory (E820 type 3).

pub mod aml;
pub mod tables;

use crate::boot::{AcpiTables, LoadSegment};
use tables::PmBlocks;

/// The PM I/O base the setup programs into the PIIX4's PMBA (a 64-byte
/// I/O block, as QEMU's i440FX machine uses).
pub const PM_BASE: u16 = 0x0600;
/// PM1a_EVT_BLK offset in the PM block (PM1_STS, PM1_EN).
pub const PM1_EVT_OFFSET: u16 = 0x00;
/// PM1a_CNT_BLK offset in the PM block (PM1_CNT).
pub const PM1_CNT_OFFSET: u16 = 0x04;
/// PM_TMR_BLK offset in the PM block.
pub const PM_TMR_OFFSET: u16 = 0x08;
/// GPE0_BLK offset in the PM block (GPSTS, GPEN).
pub const GPE0_OFFSET: u16 = 0x0C;
/// PM1_CNT bit 0.
pub const SCI_EN: u16 = 0x0001;
/// SLP_TYP for S5 (PIIX4 SUS_TYP 000b, "soft off").
pub const SLP_TYP_S5: u8 = 0;
/// The SCI's ISA IRQ (PIIX4: IRQ9, level).
pub const SCI_IRQ: u8 = 9;
/// The PIIX3 Reset Control port and the value FADT RESET_REG writes
/// (SRST | RCPU: a hard reset).
pub const RESET_PORT: u16 = 0xCF9;
/// See [`RESET_PORT`].
pub const RESET_VALUE: u8 = 0x06;
/// CMOS index of the century byte (the IBM AT BIOS location).
pub const CMOS_CENTURY: u8 = 0x32;
/// PIRQA#–PIRQD# routing the setup programs (the usual PIIX choice).
pub const PIRQ_IRQS: [u8; 4] = [10, 10, 11, 11];

/// Where the RSDP is placed.
pub const RSDP_ADDR: u32 = 0xE_0000;
/// Size of the RAM region holding the other tables.
pub const REGION_LEN: u32 = 0x1000;
/// Highest end of the region: below the IOAPIC/APIC pages even with
/// nearly 4 GiB of RAM.
pub const REGION_LIMIT: u64 = 0xFEC0_0000;

/// Offsets of the tables inside the region.
pub const FACS_OFFSET: usize = 0x00; // 64-byte aligned (§5.2.10)
pub const RSDT_OFFSET: usize = 0x40;
pub const FADT_OFFSET: usize = 0x80;
pub const DSDT_OFFSET: usize = 0x180;

/// Start of the legacy VGA memory window, decoded by the PCI bus.
pub const VGA_WINDOW: (u32, u32) = (0xA_0000, 0xB_FFFF);
/// Last byte of the PCI memory window above RAM (below the IOAPIC).
pub const PCI_MEM_LIMIT: u32 = 0xFEBF_FFFF;

/// PCI0's current resources: bus numbers 0–FFh, the configuration ports
/// CF8h–CFFh (consumed), I/O 0–CF7h and D00h–FFFFh, the VGA window, and
/// the memory from `ram_top` up to [`PCI_MEM_LIMIT`] (the windows Linux
/// assigns BARs from and claims the PIIX4 PM block in).
fn pci0_crs(ram_top: u32) -> Vec<u8> {
    use aml::resources::*;
    let mut r = [
        word_space(RESOURCE_BUS, 0, 0x00, 0xFF),
        io(0xCF8, 8),
        word_space(RESOURCE_IO, IO_ENTIRE_RANGE, 0x0000, 0x0CF7),
        word_space(RESOURCE_IO, IO_ENTIRE_RANGE, 0x0D00, 0xFFFF),
        dword_space(
            RESOURCE_MEMORY,
            MEM_CACHEABLE_RW,
            VGA_WINDOW.0,
            VGA_WINDOW.1,
        ),
    ]
    .concat();
    if ram_top <= PCI_MEM_LIMIT {
        r.extend(dword_space(
            RESOURCE_MEMORY,
            MEM_CACHEABLE_RW,
            ram_top,
            PCI_MEM_LIMIT,
        ));
    }
    r.extend(end_tag());
    aml::buffer(&r)
}

/// A legacy device behind the PIIX3, as an ACPI PnP device (ACPI 6.4
/// §6.1.5 `_HID`, §6.1.12 `_UID`, §6.2.2 `_CRS`).
struct IsaDevice {
    name: &'static [u8; 4],
    hid: &'static [u8; 7],
    uid: u32,
    /// I/O ranges `(base, length)`.
    ports: &'static [(u16, u8)],
    irq: u8,
}

/// The devices that let the OS find the 8042, RTC and UARTs without
/// probing.
const ISA_DEVICES: [IsaDevice; 5] = [
    IsaDevice {
        name: b"KBD_",
        hid: b"PNP0303",
        uid: 0,
        ports: &[(0x60, 1), (0x64, 1)],
        irq: 1,
    },
    IsaDevice {
        name: b"MOU_",
        hid: b"PNP0F13",
        uid: 0,
        ports: &[],
        irq: 12,
    },
    IsaDevice {
        name: b"RTC_",
        hid: b"PNP0B00",
        uid: 0,
        ports: &[(0x70, 2)],
        irq: 8,
    },
    IsaDevice {
        name: b"COM1",
        hid: b"PNP0501",
        uid: 1,
        ports: &[(0x3F8, 8)],
        irq: 4,
    },
    IsaDevice {
        name: b"COM2",
        hid: b"PNP0501",
        uid: 2,
        ports: &[(0x2F8, 8)],
        irq: 3,
    },
];

/// `Device(ISA)` at PCI address 00:01.0 with the [`ISA_DEVICES`].
fn isa_bridge() -> Vec<u8> {
    use aml::*;
    let mut terms = vec![name(b"_ADR", &integer(0x0001_0000))];
    for d in &ISA_DEVICES {
        let mut crs: Vec<u8> = d
            .ports
            .iter()
            .flat_map(|&(base, len)| resources::io(base, len))
            .collect();
        crs.extend(resources::irq(d.irq));
        crs.extend(resources::end_tag());
        terms.push(device(
            d.name,
            &[
                name(b"_HID", &eisa_id(d.hid)),
                name(b"_UID", &integer(d.uid)),
                name(b"_CRS", &buffer(&crs)),
            ],
        ));
    }
    device(b"ISA_", &terms)
}

/// The DSDT for a machine whose RAM ends at `ram_top`.
pub fn dsdt(ram_top: u32) -> Vec<u8> {
    use aml::*;
    let s5 = integer(u32::from(SLP_TYP_S5));
    let body = [
        scope(
            b"\\_SB_",
            &[device(
                b"PCI0",
                &[
                    name(b"_HID", &eisa_id(b"PNP0A03")),
                    name(b"_ADR", &integer(0)),
                    name(b"_UID", &integer(0)),
                    name(b"_CRS", &pci0_crs(ram_top)),
                    isa_bridge(),
                ],
            )],
        ),
        name(
            b"\\_S5_",
            &package(&[s5.clone(), s5, integer(0), integer(0)]),
        ),
    ]
    .concat();
    let mut t = tables::header(b"DSDT", tables::HEADER_LEN + body.len(), 1);
    t[tables::HEADER_LEN..].copy_from_slice(&body);
    tables::finish(t)
}

/// The RSDT, FADT, FACS and DSDT (and the MADT when `madt` is given) laid
/// out for a region at `base` ([`REGION_LEN`] bytes), and the RSDP
/// pointing at the RSDT.
pub fn build_tables(
    base: u32,
    madt: Option<&tables::MadtConfig>,
) -> (Vec<u8>, [u8; tables::RSDP_V1_LEN]) {
    let at = |off: usize| base + off as u32;
    let pm = PmBlocks {
        pm1a_evt: PM_BASE + PM1_EVT_OFFSET,
        pm1_evt_len: 4,
        pm1a_cnt: PM_BASE + PM1_CNT_OFFSET,
        pm1_cnt_len: 2,
        pm_tmr: PM_BASE + PM_TMR_OFFSET,
        gpe0: PM_BASE + GPE0_OFFSET,
        gpe0_len: 4,
        sci_int: u16::from(SCI_IRQ),
        reset: (RESET_PORT, RESET_VALUE),
        century: CMOS_CENTURY,
    };
    let dsdt = dsdt(at(0) + REGION_LEN);
    let madt_offset = (DSDT_OFFSET + dsdt.len()).next_multiple_of(16);
    let madt = madt.map(tables::madt);
    let mut rsdt = vec![at(FADT_OFFSET)];
    if madt.is_some() {
        rsdt.push(at(madt_offset));
    }
    let mut parts = vec![
        (FACS_OFFSET, tables::facs()),
        (RSDT_OFFSET, tables::rsdt(&rsdt)),
        (
            FADT_OFFSET,
            tables::fadt(at(FACS_OFFSET), at(DSDT_OFFSET), &pm),
        ),
        (DSDT_OFFSET, dsdt),
    ];
    if let Some(m) = madt {
        parts.push((madt_offset, m));
    }
    let end = parts.iter().map(|(o, t)| o + t.len()).max().unwrap_or(0);
    let mut region = vec![0u8; end];
    for (off, t) in parts {
        region[off..off + t.len()].copy_from_slice(&t);
    }
    (region, tables::rsdp(at(RSDT_OFFSET)))
}

/// The ACPI tables of a machine with `ram_size` bytes of RAM from address
/// 0, without an APIC: the region is the last page of RAM (below
/// [`REGION_LIMIT`]), the RSDP is at [`RSDP_ADDR`].
pub fn build(ram_size: u64) -> AcpiTables {
    build_with_madt(ram_size, None)
}

/// As [`build`], plus a MADT when the machine advertises its local APIC
/// and I/O APIC (pass `None` while the APIC is hidden: an OS must not see
/// a MADT then).
pub fn build_with_madt(ram_size: u64, madt: Option<&tables::MadtConfig>) -> AcpiTables {
    let top = ram_size.min(REGION_LIMIT) & !u64::from(REGION_LEN - 1);
    let base = top.saturating_sub(u64::from(REGION_LEN)) as u32;
    let (region, rsdp) = build_tables(base, madt);
    AcpiTables {
        segments: vec![
            LoadSegment {
                addr: base,
                data: region,
                zero_len: 0,
            },
            LoadSegment {
                addr: RSDP_ADDR,
                data: rsdp.to_vec(),
                zero_len: 0,
            },
        ],
        region_base: base,
        region_len: REGION_LEN,
        rsdp_addr: RSDP_ADDR,
    }
}

/// One port write of the firmware setup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortWrite {
    pub port: u16,
    /// 1, 2 or 4 bytes.
    pub size: u8,
    pub value: u32,
}

/// PCI configuration mechanism #1 address of bus 0 `dev.func`, register
/// `offset` (enable bit set).
fn config_address(dev: u8, func: u8, offset: u8) -> u32 {
    0x8000_0000 | u32::from(dev) << 11 | u32::from(func) << 8 | u32::from(offset & 0xFC)
}

/// Port writes for one configuration write of bus 0 `dev.func`.
fn config_write(dev: u8, func: u8, offset: u8, size: u8, value: u32) -> [PortWrite; 2] {
    [
        PortWrite {
            port: 0xCF8,
            size: 4,
            value: config_address(dev, func, offset),
        },
        PortWrite {
            port: 0xCFC + u16::from(offset & 3),
            size,
            value,
        },
    ]
}

/// What a BIOS POST does to the chipset before booting, as port writes
/// for the machine to apply in order before a directly booted kernel
/// starts:
/// 1. i440FX PAM0–PAM6 (59h–5Fh) = 30h/33h: C0000–FFFFF read/write DRAM,
///    which is what ox86 has there when no ROM is mapped.
/// 2. PIIX3 PIRQRC[A:D] (60h–63h) = [`PIRQ_IRQS`], and the ELCR (4D0h/
///    4D1h) marking those IRQs and the SCI level triggered.
/// 3. PIIX4 PM: PMBA (40h) = [`PM_BASE`], interrupt line (3Ch) = 9,
///    PMREGMISC.PMIOSE (80h) = 1, then PM1_CNT.SCI_EN = 1 (the FADT has
///    no SMI_CMD, so the OS expects ACPI mode already on).
/// 4. CONFIG_ADDRESS left 0.
pub fn firmware_port_writes() -> Vec<PortWrite> {
    let mut w = Vec::new();
    w.extend(config_write(0, 0, 0x59, 1, 0x30));
    for pam in 0x5A..=0x5F {
        w.extend(config_write(0, 0, pam, 1, 0x33));
    }
    let pirq = u32::from_le_bytes(PIRQ_IRQS);
    w.extend(config_write(1, 0, 0x60, 4, pirq));
    let elcr = PIRQ_IRQS
        .iter()
        .chain(&[SCI_IRQ])
        .fold(0u16, |m, irq| m | 1 << irq);
    w.push(PortWrite {
        port: 0x4D0,
        size: 1,
        value: u32::from(elcr & 0xFF),
    });
    w.push(PortWrite {
        port: 0x4D1,
        size: 1,
        value: u32::from(elcr >> 8),
    });
    w.extend(config_write(1, 3, 0x40, 4, u32::from(PM_BASE) | 1));
    w.extend(config_write(1, 3, 0x3C, 1, u32::from(SCI_IRQ)));
    w.extend(config_write(1, 3, 0x80, 1, 1));
    w.push(PortWrite {
        port: PM_BASE + PM1_CNT_OFFSET,
        size: 2,
        value: u32::from(SCI_EN),
    });
    w.push(PortWrite {
        port: 0xCF8,
        size: 4,
        value: 0,
    });
    w
}

#[cfg(test)]
mod tests;
