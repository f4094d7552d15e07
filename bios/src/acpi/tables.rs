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
    fn gas_system_io_encoding() {
        let mut t = [0u8; 12];
        put_gas_io(&mut t, 0, 0x608, 4, 4);
        assert_eq!(t, [1, 32, 0, 3, 0x08, 0x06, 0, 0, 0, 0, 0, 0]);
    }
}
