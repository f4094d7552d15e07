//! A hand encoder for the few AML terms the DSDT needs (ACPI 6.4 §20
//! "ACPI Machine Language (AML) Specification"): names, scopes, devices,
//! packages and integer constants. No AML compiler is involved; the byte
//! sequences are checked against hand-decoded encodings in the tests.

/// `ZeroOp` (§20.2.3).
pub const ZERO_OP: u8 = 0x00;
/// `OneOp`.
pub const ONE_OP: u8 = 0x01;
/// `NameOp` (§20.2.5.1): `NameOp NameString DataRefObject`.
pub const NAME_OP: u8 = 0x08;
/// `BytePrefix` (§20.2.3): an 8-bit integer follows.
pub const BYTE_PREFIX: u8 = 0x0A;
/// `WordPrefix`.
pub const WORD_PREFIX: u8 = 0x0B;
/// `DWordPrefix`.
pub const DWORD_PREFIX: u8 = 0x0C;
/// `ScopeOp` (§20.2.5.1): `ScopeOp PkgLength NameString TermList`.
pub const SCOPE_OP: u8 = 0x10;
/// `PackageOp` (§20.2.5.4): `PackageOp PkgLength NumElements PackageElementList`.
pub const PACKAGE_OP: u8 = 0x12;
/// `BufferOp` (§20.2.5.4): `BufferOp PkgLength BufferSize ByteList`.
pub const BUFFER_OP: u8 = 0x11;
/// `ExtOpPrefix` (§20.2.5.2).
pub const EXT_OP_PREFIX: u8 = 0x5B;
/// `DeviceOp` after `ExtOpPrefix`: `DeviceOp PkgLength NameString TermList`.
pub const DEVICE_OP: u8 = 0x82;
/// `RootChar` (§20.2.2): a name string starting at the namespace root.
pub const ROOT_CHAR: u8 = b'\\';

/// Encodes a `PkgLength` (§20.2.4) for `len` bytes of content that follow
/// it; the encoded length counts the PkgLength bytes themselves.
///
/// One byte holds lengths up to 63; longer ones put the count of extra
/// bytes in bits 7–6 of the lead byte, the low nibble in bits 3–0, and
/// the rest in up to three following bytes.
pub fn pkg_length(len: usize) -> Vec<u8> {
    if len < 0x3F {
        return vec![(len + 1) as u8];
    }
    for extra in 1..=3usize {
        let total = len + 1 + extra;
        if total < 1 << (4 + 8 * extra) {
            let mut out = vec![((extra as u8) << 6) | (total & 0xF) as u8];
            for i in 0..extra {
                out.push((total >> (4 + 8 * i)) as u8);
            }
            return out;
        }
    }
    // 2^28 bytes is the AML limit; nothing here comes near it.
    vec![0xFF, 0xFF, 0xFF, 0xFF]
}

/// An integer as the shortest AML constant (`ZeroOp`, `OneOp`, or a
/// byte/word/dword prefix).
pub fn integer(v: u32) -> Vec<u8> {
    match v {
        0 => vec![ZERO_OP],
        1 => vec![ONE_OP],
        2..=0xFF => vec![BYTE_PREFIX, v as u8],
        0x100..=0xFFFF => {
            let mut o = vec![WORD_PREFIX];
            o.extend_from_slice(&(v as u16).to_le_bytes());
            o
        }
        _ => {
            let mut o = vec![DWORD_PREFIX];
            o.extend_from_slice(&v.to_le_bytes());
            o
        }
    }
}

/// A compressed EISA ID (the ASL `EisaId("PNP0A03")` macro) as a DWORD
/// constant: three letters of five bits each, then four hex digits,
/// stored big-endian in the dword (ACPI 6.4 §19.6.35).
pub fn eisa_id(id: &[u8; 7]) -> Vec<u8> {
    let l = |c: u8| u16::from(c.wrapping_sub(0x40) & 0x1F);
    let letters = (l(id[0]) << 10) | (l(id[1]) << 5) | l(id[2]);
    let hex = |c: u8| match c {
        b'0'..=b'9' => c - b'0',
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    };
    let mut o = vec![DWORD_PREFIX];
    o.extend_from_slice(&letters.to_be_bytes());
    o.push(hex(id[3]) << 4 | hex(id[4]));
    o.push(hex(id[5]) << 4 | hex(id[6]));
    o
}

/// `Name(name, value)`; `name` is a full NameString (e.g. `b"\\_S5_"`).
pub fn name(name: &[u8], value: &[u8]) -> Vec<u8> {
    let mut o = vec![NAME_OP];
    o.extend_from_slice(name);
    o.extend_from_slice(value);
    o
}

/// `Package() { elements }` of already encoded elements.
pub fn package(elements: &[Vec<u8>]) -> Vec<u8> {
    let mut body = vec![elements.len() as u8];
    for e in elements {
        body.extend_from_slice(e);
    }
    let mut o = vec![PACKAGE_OP];
    o.extend(pkg_length(body.len()));
    o.extend(body);
    o
}

/// `Buffer() { bytes }` (a `ResourceTemplate` is a buffer of resource
/// descriptors, see [`resources`]).
pub fn buffer(bytes: &[u8]) -> Vec<u8> {
    let mut body = integer(bytes.len() as u32);
    body.extend_from_slice(bytes);
    let mut o = vec![BUFFER_OP];
    o.extend(pkg_length(body.len()));
    o.extend(body);
    o
}

/// An opcode with a PkgLength over `name` and `terms`.
fn block(op: &[u8], name: &[u8], terms: &[Vec<u8>]) -> Vec<u8> {
    let mut body = name.to_vec();
    for t in terms {
        body.extend_from_slice(t);
    }
    let mut o = op.to_vec();
    o.extend(pkg_length(body.len()));
    o.extend(body);
    o
}

/// `Scope(path) { terms }`.
pub fn scope(path: &[u8], terms: &[Vec<u8>]) -> Vec<u8> {
    block(&[SCOPE_OP], path, terms)
}

/// `Device(name) { terms }`.
pub fn device(name: &[u8; 4], terms: &[Vec<u8>]) -> Vec<u8> {
    block(&[EXT_OP_PREFIX, DEVICE_OP], name, terms)
}

/// Resource descriptors for `_CRS` (ACPI 6.4 §6.4 "Resource Data Types
/// for ACPI").
pub mod resources {
    /// Address space resource type: memory range.
    pub const RESOURCE_MEMORY: u8 = 0;
    /// Address space resource type: I/O range.
    pub const RESOURCE_IO: u8 = 1;
    /// Address space resource type: bus number range.
    pub const RESOURCE_BUS: u8 = 2;
    /// General flags: producer, positive decode, _MIF and _MAF fixed.
    pub const PRODUCER_FIXED: u8 = 0x0C;
    /// I/O type-specific flags: _RNG = entire range (ISA and non-ISA).
    pub const IO_ENTIRE_RANGE: u8 = 0x03;
    /// Memory type-specific flags: _RW read/write, _MEM cacheable.
    pub const MEM_CACHEABLE_RW: u8 = 0x03;

    /// I/O port descriptor, 16-bit decode (§6.4.2.5): a fixed range of
    /// `len` ports at `base`.
    pub fn io(base: u16, len: u8) -> Vec<u8> {
        let [lo, hi] = base.to_le_bytes();
        vec![0x47, 0x01, lo, hi, lo, hi, 0x01, len]
    }

    /// IRQ descriptor without flags (§6.4.2.1, `IRQNoFlags`): edge
    /// triggered, active high, exclusive — the ISA default.
    pub fn irq(line: u8) -> Vec<u8> {
        let [lo, hi] = (1u16 << (line & 15)).to_le_bytes();
        vec![0x22, lo, hi]
    }

    /// Word address space descriptor (§6.4.3.5.3) for `[min, max]`.
    pub fn word_space(kind: u8, type_flags: u8, min: u16, max: u16) -> Vec<u8> {
        let mut o = vec![0x88, 0x0D, 0x00, kind, PRODUCER_FIXED, type_flags];
        let len = max.wrapping_sub(min).wrapping_add(1);
        for v in [0u16, min, max, 0, len] {
            o.extend_from_slice(&v.to_le_bytes());
        }
        o
    }

    /// DWord address space descriptor (§6.4.3.5.2) for `[min, max]`.
    pub fn dword_space(kind: u8, type_flags: u8, min: u32, max: u32) -> Vec<u8> {
        let mut o = vec![0x87, 0x17, 0x00, kind, PRODUCER_FIXED, type_flags];
        let len = max.wrapping_sub(min).wrapping_add(1);
        for v in [0u32, min, max, 0, len] {
            o.extend_from_slice(&v.to_le_bytes());
        }
        o
    }

    /// End tag (§6.4.2.9) with checksum 0 ("treat as valid").
    pub fn end_tag() -> Vec<u8> {
        vec![0x79, 0x00]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkg_length_one_to_four_bytes() {
        // (content length, encoding)
        let cases: [(usize, &[u8]); 6] = [
            (0, &[0x01]),
            (5, &[0x06]),
            (62, &[0x3F]),
            (63, &[0x41, 0x04]),           // 65 = 0x41: lead 0x40 | 1, then 0x04
            (0x0FFD, &[0x4F, 0xFF]),       // 0xFFF total
            (0x0FFE, &[0x81, 0x00, 0x01]), // 0x1001 total
        ];
        for (len, enc) in cases {
            assert_eq!(pkg_length(len), enc, "len {len}");
        }
    }

    #[test]
    fn integers_use_the_shortest_encoding() {
        assert_eq!(integer(0), [0x00]);
        assert_eq!(integer(1), [0x01]);
        assert_eq!(integer(5), [0x0A, 0x05]);
        assert_eq!(integer(0x1234), [0x0B, 0x34, 0x12]);
        assert_eq!(integer(0x0001_0000), [0x0C, 0x00, 0x00, 0x01, 0x00]);
    }

    #[test]
    fn eisa_id_pnp0a03_is_030ad041() {
        assert_eq!(eisa_id(b"PNP0A03"), [0x0C, 0x41, 0xD0, 0x0A, 0x03]);
        assert_eq!(eisa_id(b"PNP0C0F"), [0x0C, 0x41, 0xD0, 0x0C, 0x0F]);
    }

    #[test]
    fn name_s5_package_encoding() {
        // Name(\_S5, Package() { 0, 0, 0, 0 })
        let p = package(&[integer(0), integer(0), integer(0), integer(0)]);
        let n = name(b"\\_S5_", &p);
        assert_eq!(
            n,
            [0x08, b'\\', b'_', b'S', b'5', b'_', 0x12, 0x06, 0x04, 0, 0, 0, 0]
        );
    }

    #[test]
    fn resource_descriptors_match_the_spec_layouts() {
        use resources::*;
        assert_eq!(
            io(0xCF8, 8),
            [0x47, 0x01, 0xF8, 0x0C, 0xF8, 0x0C, 0x01, 0x08]
        );
        let bus = word_space(RESOURCE_BUS, 0, 0, 0xFF);
        assert_eq!(bus.len(), 16, "3-byte header + 13");
        assert_eq!(&bus[..6], [0x88, 0x0D, 0x00, 2, 0x0C, 0]);
        assert_eq!(
            &bus[12..16],
            [0x00, 0x00, 0x00, 0x01],
            "translation 0, length 100h"
        );
        let mem = dword_space(RESOURCE_MEMORY, MEM_CACHEABLE_RW, 0xA_0000, 0xB_FFFF);
        assert_eq!(mem.len(), 26, "3-byte header + 23");
        assert_eq!(&mem[10..14], 0xA_0000u32.to_le_bytes());
        assert_eq!(&mem[22..26], 0x2_0000u32.to_le_bytes());
        let full = word_space(RESOURCE_IO, IO_ENTIRE_RANGE, 0, 0xFFFF);
        assert_eq!(
            &full[14..16],
            [0, 0],
            "a 64 KiB length wraps to 0 in a word"
        );
        assert_eq!(buffer(&end_tag()), [0x11, 0x05, 0x0A, 0x02, 0x79, 0x00]);
    }

    #[test]
    fn device_and_scope_wrap_their_terms() {
        let d = device(b"PCI0", &[name(b"_ADR", &integer(0))]);
        assert_eq!(
            d,
            [0x5B, 0x82, 0x0B, b'P', b'C', b'I', b'0', 0x08, b'_', b'A', b'D', b'R', 0x00]
        );
        let s = scope(b"\\_SB_", std::slice::from_ref(&d));
        assert_eq!(s[0], SCOPE_OP);
        assert_eq!(usize::from(s[1]), 1 + 5 + d.len());
        assert_eq!(&s[2..7], b"\\_SB_");
    }
}
