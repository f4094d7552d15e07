//! The fixed-layout ACPI tables (ACPI 6.4 §5.2): the RSDP, the common
//! table header, the RSDT, the FADT and the FACS.

/// Size of the ACPI 1.0 RSDP (§5.2.5.3; revision 0 has no length field).
pub const RSDP_V1_LEN: usize = 20;
/// Size of the system description table header (§5.2.6, Table 5.4).
pub const HEADER_LEN: usize = 36;
/// Size of a revision 3 FADT (ACPI 2.0/3.0 layout, the first 244 bytes of
/// Table 5.9 in ACPI 6.4).
pub const FADT_REV3_LEN: usize = 244;
/// Size of the FACS (§5.2.10, Table 5.14).
pub const FACS_LEN: usize = 64;

/// OEM ID in every table.
pub const OEM_ID: &[u8; 6] = b"OX86  ";
/// OEM table ID in every table.
pub const OEM_TABLE_ID: &[u8; 8] = b"OX86PC  ";
/// Creator ID (the "ASL compiler" vendor) in every table.
pub const CREATOR_ID: &[u8; 4] = b"OX86";

/// FADT offsets (Table 5.9).
pub mod fadt {
    pub const FIRMWARE_CTRL: usize = 36;
    pub const DSDT: usize = 40;
    pub const PREFERRED_PM_PROFILE: usize = 45;
    pub const SCI_INT: usize = 46;
    pub const SMI_CMD: usize = 48;
    pub const ACPI_ENABLE: usize = 52;
    pub const PM1A_EVT_BLK: usize = 56;
    pub const PM1A_CNT_BLK: usize = 64;
    pub const PM_TMR_BLK: usize = 76;
    pub const GPE0_BLK: usize = 80;
    pub const PM1_EVT_LEN: usize = 88;
    pub const PM1_CNT_LEN: usize = 89;
    pub const PM_TMR_LEN: usize = 91;
    pub const GPE0_BLK_LEN: usize = 92;
    pub const P_LVL2_LAT: usize = 96;
    pub const P_LVL3_LAT: usize = 98;
    pub const CENTURY: usize = 108;
    pub const IAPC_BOOT_ARCH: usize = 109;
    pub const FLAGS: usize = 112;
    pub const RESET_REG: usize = 116;
    pub const RESET_VALUE: usize = 128;
    pub const X_FIRMWARE_CTRL: usize = 132;
    pub const X_DSDT: usize = 140;
    pub const X_PM1A_EVT_BLK: usize = 148;
    pub const X_PM1A_CNT_BLK: usize = 172;
    pub const X_PM_TMR_BLK: usize = 208;
    pub const X_GPE0_BLK: usize = 220;

    /// Flags bit 0: WBINVD works.
    pub const WBINVD: u32 = 1 << 0;
    /// Flags bit 2: C1 (HLT) is supported on all processors.
    pub const PROC_C1: u32 = 1 << 2;
    /// Flags bit 4: the power button is a control method device (0 = fixed
    /// feature, PWRBTN_STS).
    pub const PWR_BUTTON: u32 = 1 << 4;
    /// Flags bit 5: there is no fixed-feature sleep button.
    pub const SLP_BUTTON: u32 = 1 << 5;
    /// Flags bit 6: RTC wake status is not in the fixed registers.
    pub const FIX_RTC: u32 = 1 << 6;
    /// Flags bit 8: the PM timer is 32 bits (0 = 24 bits).
    pub const TMR_VAL_EXT: u32 = 1 << 8;
    /// Flags bit 10: RESET_REG is supported.
    pub const RESET_REG_SUP: u32 = 1 << 10;

    /// IAPC_BOOT_ARCH bit 0: legacy ISA devices (LPC/ISA) exist.
    pub const LEGACY_DEVICES: u16 = 1 << 0;
    /// IAPC_BOOT_ARCH bit 1: an 8042 keyboard controller exists.
    pub const IAPC_8042: u16 = 1 << 1;

    /// P_LVL2_LAT above 100 µs: C2 is not supported.
    pub const C2_NOT_SUPPORTED: u16 = 101;
    /// P_LVL3_LAT above 1000 µs: C3 is not supported.
    pub const C3_NOT_SUPPORTED: u16 = 1001;
}

/// Generic Address Structure address space: system I/O (§5.2.3.2).
pub const GAS_SYSTEM_IO: u8 = 1;

/// The 8-bit sum of `bytes`; a valid table sums to 0.
pub fn sum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |s, b| s.wrapping_add(*b))
}

/// Sets the byte at `at` so that `bytes` sums to 0.
pub fn fix_checksum(bytes: &mut [u8], at: usize) {
    bytes[at] = 0;
    bytes[at] = 0u8.wrapping_sub(sum(bytes));
}

fn put_u16(t: &mut [u8], at: usize, v: u16) {
    t[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

fn put_u32(t: &mut [u8], at: usize, v: u32) {
    t[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn put_u64(t: &mut [u8], at: usize, v: u64) {
    t[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// A Generic Address Structure for a system-I/O register block of `len`
/// bytes at `port`, accessed `access` bytes at a time (0 = undefined).
fn put_gas_io(t: &mut [u8], at: usize, port: u16, len: u8, access: u8) {
    let access_size = match access {
        1 => 1,
        2 => 2,
        4 => 3,
        _ => 0,
    };
    t[at] = GAS_SYSTEM_IO;
    t[at + 1] = len * 8;
    t[at + 2] = 0;
    t[at + 3] = access_size;
    put_u64(t, at + 4, u64::from(port));
}

/// A table of `len` bytes with its header filled in (checksum not yet
/// computed).
pub fn header(signature: &[u8; 4], len: usize, revision: u8) -> Vec<u8> {
    let mut t = vec![0u8; len];
    t[0..4].copy_from_slice(signature);
    put_u32(&mut t, 4, len as u32);
    t[8] = revision;
    t[10..16].copy_from_slice(OEM_ID);
    t[16..24].copy_from_slice(OEM_TABLE_ID);
    put_u32(&mut t, 24, 1); // OEM revision
    t[28..32].copy_from_slice(CREATOR_ID);
    put_u32(&mut t, 32, 1); // creator revision
    t
}

/// Completes a table: header checksum (byte 9) over the whole length.
pub fn finish(mut t: Vec<u8>) -> Vec<u8> {
    fix_checksum(&mut t, 9);
    t
}

/// RSDP revision 0 (ACPI 1.0) pointing at the RSDT (§5.2.5.3).
pub fn rsdp(rsdt_addr: u32) -> [u8; RSDP_V1_LEN] {
    let mut r = [0u8; RSDP_V1_LEN];
    r[0..8].copy_from_slice(b"RSD PTR ");
    r[9..15].copy_from_slice(OEM_ID);
    r[15] = 0; // revision 0: ACPI 1.0, RSDT only
    put_u32(&mut r, 16, rsdt_addr);
    fix_checksum(&mut r, 8);
    r
}

/// RSDT listing `entries` (§5.2.7).
pub fn rsdt(entries: &[u32]) -> Vec<u8> {
    let mut t = header(b"RSDT", HEADER_LEN + 4 * entries.len(), 1);
    for (i, e) in entries.iter().enumerate() {
        put_u32(&mut t, HEADER_LEN + 4 * i, *e);
    }
    finish(t)
}

/// FACS (§5.2.10): no waking vector, no global lock owner, version 1. It
/// has no checksum.
pub fn facs() -> Vec<u8> {
    let mut t = vec![0u8; FACS_LEN];
    t[0..4].copy_from_slice(b"FACS");
    put_u32(&mut t, 4, FACS_LEN as u32);
    t[32] = 1; // version
    t
}

/// Where the PM registers are, as the FADT reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PmBlocks {
    pub pm1a_evt: u16,
    pub pm1_evt_len: u8,
    pub pm1a_cnt: u16,
    pub pm1_cnt_len: u8,
    pub pm_tmr: u16,
    pub gpe0: u16,
    pub gpe0_len: u8,
    pub sci_int: u16,
    /// RESET_REG: a system I/O byte register and the value to write.
    pub reset: (u16, u8),
    /// CMOS index of the century byte.
    pub century: u8,
}

/// FADT revision 3 (§5.2.9): the PM blocks in both the 32-bit and the
/// generic-address fields, SMI_CMD = 0 (ACPI mode is always on: there is
/// no SMM to switch), C2/C3 latencies marking both unsupported, a 24-bit
/// PM timer, legacy devices and an 8042.
pub fn fadt(facs_addr: u32, dsdt_addr: u32, pm: &PmBlocks) -> Vec<u8> {
    use fadt::*;
    let mut t = header(b"FACP", FADT_REV3_LEN, 3);
    put_u32(&mut t, FIRMWARE_CTRL, facs_addr);
    put_u32(&mut t, DSDT, dsdt_addr);
    t[PREFERRED_PM_PROFILE] = 0; // unspecified
    put_u16(&mut t, SCI_INT, pm.sci_int);
    put_u32(&mut t, SMI_CMD, 0);
    put_u32(&mut t, PM1A_EVT_BLK, u32::from(pm.pm1a_evt));
    put_u32(&mut t, PM1A_CNT_BLK, u32::from(pm.pm1a_cnt));
    put_u32(&mut t, PM_TMR_BLK, u32::from(pm.pm_tmr));
    put_u32(&mut t, GPE0_BLK, u32::from(pm.gpe0));
    t[PM1_EVT_LEN] = pm.pm1_evt_len;
    t[PM1_CNT_LEN] = pm.pm1_cnt_len;
    t[PM_TMR_LEN] = 4;
    t[GPE0_BLK_LEN] = pm.gpe0_len;
    put_u16(&mut t, P_LVL2_LAT, C2_NOT_SUPPORTED);
    put_u16(&mut t, P_LVL3_LAT, C3_NOT_SUPPORTED);
    t[CENTURY] = pm.century;
    put_u16(&mut t, IAPC_BOOT_ARCH, LEGACY_DEVICES | IAPC_8042);
    let flags = WBINVD | PROC_C1 | SLP_BUTTON | FIX_RTC | RESET_REG_SUP;
    put_u32(&mut t, FLAGS, flags);
    put_gas_io(&mut t, RESET_REG, pm.reset.0, 1, 1);
    t[RESET_VALUE] = pm.reset.1;
    // X_FIRMWARE_CTRL stays 0: the FACS is below 4 GiB and FIRMWARE_CTRL
    // holds it (with both set, OSPM sees two FACS pointers).
    put_u64(&mut t, X_DSDT, u64::from(dsdt_addr));
    put_gas_io(&mut t, X_PM1A_EVT_BLK, pm.pm1a_evt, pm.pm1_evt_len, 2);
    put_gas_io(&mut t, X_PM1A_CNT_BLK, pm.pm1a_cnt, pm.pm1_cnt_len, 2);
    put_gas_io(&mut t, X_PM_TMR_BLK, pm.pm_tmr, 4, 4);
    put_gas_io(&mut t, X_GPE0_BLK, pm.gpe0, pm.gpe0_len, 1);
    finish(t)
}

/// MADT entry types (§5.2.12, Table 5.21) and flags.
pub mod madt {
    /// Offset of the local interrupt controller address.
    pub const LOCAL_APIC_ADDRESS: usize = 36;
    /// Offset of the flags.
    pub const FLAGS: usize = 40;
    /// Offset of the first interrupt controller structure.
    pub const ENTRIES: usize = 44;
    /// Flags bit 0: the system also has dual 8259As (PCAT_COMPAT).
    pub const PCAT_COMPAT: u32 = 1;
    /// Processor Local APIC structure (§5.2.12.2), 8 bytes.
    pub const TYPE_LOCAL_APIC: u8 = 0;
    /// I/O APIC structure (§5.2.12.3), 12 bytes.
    pub const TYPE_IO_APIC: u8 = 1;
    /// Interrupt Source Override structure (§5.2.12.5), 10 bytes.
    pub const TYPE_INTERRUPT_SOURCE_OVERRIDE: u8 = 2;
    /// Local APIC NMI structure (§5.2.12.7), 6 bytes.
    pub const TYPE_LOCAL_APIC_NMI: u8 = 4;
    /// Local APIC flags bit 0: enabled.
    pub const LAPIC_ENABLED: u32 = 1;
    /// MPS INTI flags: active high (polarity 01b).
    pub const INTI_ACTIVE_HIGH: u16 = 0x1;
    /// MPS INTI flags: level triggered (trigger mode 11b).
    pub const INTI_LEVEL: u16 = 0x3 << 2;
    /// "All processors" in a Local APIC NMI structure.
    pub const ALL_PROCESSORS: u8 = 0xFF;
}

/// What the MADT describes: one processor and one I/O APIC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MadtConfig {
    /// Local APIC register page (the IA32_APIC_BASE reset value FEE00000h).
    pub lapic_addr: u32,
    /// The boot processor's local APIC ID.
    pub lapic_id: u8,
    /// The I/O APIC's ID register value.
    pub ioapic_id: u8,
    /// The I/O APIC register window (FEC00000h).
    pub ioapic_addr: u32,
    /// The SCI's ISA IRQ (overridden to level, active high).
    pub sci_irq: u8,
    /// LINT pin wired to NMI.
    pub nmi_lint: u8,
}

/// MADT (§5.2.12): the local APIC of processor UID 0, the I/O APIC at GSI
/// base 0, the PC overrides (ISA IRQ0 → GSI 2, where the timer reaches an
/// 82093AA; the SCI level triggered, active high as the PIIX4 drives it),
/// LINT1 = NMI, and PCAT_COMPAT (the 8259As exist too).
pub fn madt(c: &MadtConfig) -> Vec<u8> {
    use madt::*;
    let mut e = Vec::new();
    e.extend([TYPE_LOCAL_APIC, 8, 0, c.lapic_id]);
    e.extend(LAPIC_ENABLED.to_le_bytes());
    e.extend([TYPE_IO_APIC, 12, c.ioapic_id, 0]);
    e.extend(c.ioapic_addr.to_le_bytes());
    e.extend(0u32.to_le_bytes());
    for (irq, gsi, flags) in [
        (0u8, 2u32, 0u16),
        (
            c.sci_irq,
            u32::from(c.sci_irq),
            INTI_ACTIVE_HIGH | INTI_LEVEL,
        ),
    ] {
        e.extend([TYPE_INTERRUPT_SOURCE_OVERRIDE, 10, 0, irq]);
        e.extend(gsi.to_le_bytes());
        e.extend(flags.to_le_bytes());
    }
    e.extend([TYPE_LOCAL_APIC_NMI, 6, ALL_PROCESSORS, 0, 0, c.nmi_lint]);
    let mut t = header(b"APIC", ENTRIES + e.len(), 1);
    put_u32(&mut t, LOCAL_APIC_ADDRESS, c.lapic_addr);
    put_u32(&mut t, FLAGS, PCAT_COMPAT);
    t[ENTRIES..].copy_from_slice(&e);
    finish(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u32_at(t: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(t[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn rsdp_v1_checksum_covers_20_bytes() {
        let r = rsdp(0x0123_4000);
        assert_eq!(&r[0..8], b"RSD PTR ");
        assert_eq!(sum(&r), 0);
        assert_eq!(r[15], 0, "revision 0");
        assert_eq!(u32_at(&r, 16), 0x0123_4000);
    }

    #[test]
    fn header_fields_at_their_offsets() {
        let t = finish(header(b"TEST", 40, 2));
        assert_eq!(&t[0..4], b"TEST");
        assert_eq!(u32_at(&t, 4), 40);
        assert_eq!(t[8], 2);
        assert_eq!(&t[10..16], OEM_ID);
        assert_eq!(&t[16..24], OEM_TABLE_ID);
        assert_eq!(&t[28..32], CREATOR_ID);
        assert_eq!(sum(&t), 0);
    }

    #[test]
    fn rsdt_lists_32_bit_entries() {
        let t = rsdt(&[0x1000, 0x2000]);
        assert_eq!(t.len(), 44);
        assert_eq!(u32_at(&t, 36), 0x1000);
        assert_eq!(u32_at(&t, 40), 0x2000);
        assert_eq!(sum(&t), 0);
    }

    #[test]
    fn facs_is_64_bytes_without_checksum() {
        let f = facs();
        assert_eq!(&f[0..4], b"FACS");
        assert_eq!(u32_at(&f, 4), 64);
        assert_eq!(f[32], 1);
    }

    #[test]
    fn madt_entries_walk_by_their_lengths() {
        let c = MadtConfig {
            lapic_addr: 0xFEE0_0000,
            lapic_id: 0,
            ioapic_id: 1,
            ioapic_addr: 0xFEC0_0000,
            sci_irq: 9,
            nmi_lint: 1,
        };
        let t = madt(&c);
        assert_eq!(&t[0..4], b"APIC");
        assert_eq!(u32_at(&t, 4) as usize, t.len());
        assert_eq!(sum(&t), 0);
        assert_eq!(u32_at(&t, madt::LOCAL_APIC_ADDRESS), 0xFEE0_0000);
        assert_eq!(u32_at(&t, madt::FLAGS), madt::PCAT_COMPAT);
        // (type, length, bytes after the two-byte entry header)
        let mut entries = Vec::new();
        let mut at = madt::ENTRIES;
        while at < t.len() {
            let (kind, len) = (t[at], usize::from(t[at + 1]));
            entries.push((kind, len, t[at + 2..at + len].to_vec()));
            at += len;
        }
        assert_eq!(at, t.len(), "entries end at the table end");
        let expect: [(u8, usize, Vec<u8>); 5] = [
            (0, 8, vec![0, 0, 1, 0, 0, 0]),
            (1, 12, vec![1, 0, 0x00, 0x00, 0xC0, 0xFE, 0, 0, 0, 0]),
            (2, 10, vec![0, 0, 2, 0, 0, 0, 0x00, 0x00]),
            (2, 10, vec![0, 9, 9, 0, 0, 0, 0x0D, 0x00]),
            (4, 6, vec![0xFF, 0, 0, 1]),
        ];
        assert_eq!(entries, expect);
    }

    #[test]
    fn gas_system_io_encoding() {
        let mut t = [0u8; 12];
        put_gas_io(&mut t, 0, 0x608, 4, 4);
        assert_eq!(t, [1, 32, 0, 3, 0x08, 0x06, 0, 0, 0, 0, 0, 0]);
    }
}
