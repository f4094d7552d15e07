//! MOO test files ("Machine Opcode Operation"), the binary format of the
//! SingleStepTests suites (format v1.1, `dbalsom/moo` `doc/moo_format_v1.md`;
//! summary in `conformance/singlestep/8086/MOO-FORMAT.md`).
//!
//! A file is a sequence of chunks `[tag: 4 ASCII][len: u32 LE][payload]`: a
//! `MOO ` header (version, test count, CPU id), an optional `META` chunk,
//! then one `TEST` chunk per test. A `TEST` payload is a `u32` index
//! followed by subchunks (`NAME`, `BYTS`, `INIT`, `FINA`, `CYCL`, `EXCP`,
//! `HASH`, `GMET`, …); `INIT`/`FINA` hold `REGS`, `RMSK`, `RAM ` and `QUEU`
//! subchunks. Unknown chunks are skipped by their length, as the format
//! asks. The parser returns plain structs and never panics: every read is
//! bounds-checked and a malformed file is a [`MooError`].

use std::io::Read;
use std::path::Path;
use thiserror::Error;

/// The 16-bit register file in the order of the `REGS` bitmask.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Reg {
    Ax = 0,
    Bx,
    Cx,
    Dx,
    Cs,
    Ss,
    Ds,
    Es,
    Sp,
    Bp,
    Si,
    Di,
    Ip,
    Flags,
}

/// Number of registers in a `REGS` chunk.
pub const REG_COUNT: usize = 14;
/// `REGS` bitmask with every register present.
pub const ALL_REGS: u16 = (1 << REG_COUNT) - 1;

impl Reg {
    /// All registers in bitmask order.
    pub const ALL: [Reg; REG_COUNT] = [
        Reg::Ax,
        Reg::Bx,
        Reg::Cx,
        Reg::Dx,
        Reg::Cs,
        Reg::Ss,
        Reg::Ds,
        Reg::Es,
        Reg::Sp,
        Reg::Bp,
        Reg::Si,
        Reg::Di,
        Reg::Ip,
        Reg::Flags,
    ];

    /// Lower-case name as the JSON tests spell it.
    pub fn name(self) -> &'static str {
        [
            "ax", "bx", "cx", "dx", "cs", "ss", "ds", "es", "sp", "bp", "si", "di", "ip", "flags",
        ][self as usize]
    }
}

/// A (possibly partial) 16-bit register file: `present` has bit `r` set
/// when `values[r]` is meaningful.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Regs {
    pub present: u16,
    pub values: [u16; REG_COUNT],
}

impl Regs {
    /// A register's value, if present.
    #[inline]
    pub fn get(&self, r: Reg) -> Option<u16> {
        (self.present & (1 << r as u16) != 0).then(|| self.values[r as usize])
    }

    /// Set a register (marks it present).
    pub fn set(&mut self, r: Reg, v: u16) {
        self.present |= 1 << r as u16;
        self.values[r as usize] = v;
    }
}

/// A CPU snapshot: `INIT` (complete) or `FINA` (changes only).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct State {
    pub regs: Regs,
    /// Masks of undefined register bits (`RMSK`), if given.
    pub reg_masks: Option<Regs>,
    /// (physical address, byte) pairs.
    pub ram: Vec<(u32, u8)>,
    /// Prefetch-queue contents (8086 only; not used by ox86).
    pub queue: Vec<u8>,
}

/// The `EXCP` chunk: the test raised an exception or interrupt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExceptionInfo {
    pub vector: u8,
    /// Physical address of the FLAGS word pushed on the stack.
    pub flag_addr: u32,
}

/// One test.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Test {
    pub index: u32,
    pub name: String,
    pub bytes: Vec<u8>,
    pub init: State,
    pub fina: State,
    pub exception: Option<ExceptionInfo>,
    /// SHA-1 identifying the test (absent in the 8086 v1 files).
    pub hash: Option<[u8; 20]>,
}

impl Test {
    /// The hash as 40 lower-case hex digits.
    pub fn hash_hex(&self) -> Option<String> {
        self.hash
            .map(|h| h.iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// The `META` chunk (80286 and later files).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    pub set_major: u8,
    pub set_minor: u8,
    pub cpu_type: u8,
    /// Raw opcode of the file's tests (0xFFFFFFFF if mixed).
    pub opcode: u32,
    pub mnemonic: String,
    pub test_count: u32,
    /// CPU mode enumeration; 0 = real mode.
    pub cpu_mode: Option<u8>,
}

/// A parsed MOO file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MooFile {
    pub major: u8,
    pub minor: u8,
    /// CPU id from the header, e.g. `8086` or `C286`.
    pub cpu_id: String,
    pub meta: Option<Meta>,
    /// File-wide register masks (top-level `RMSK`).
    pub reg_masks: Option<Regs>,
    pub tests: Vec<Test>,
}

/// A malformed or unreadable MOO file.
#[derive(Debug, Error)]
pub enum MooError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("not a MOO file (no `MOO ` header chunk)")]
    NotMoo,
    #[error("truncated {what} at byte {offset:#x}")]
    Truncated { what: &'static str, offset: usize },
    #[error("test {index}: no {chunk} chunk")]
    Missing { index: u32, chunk: &'static str },
    #[error("test {index}: INIT REGS lacks registers (mask {mask:#06x})")]
    IncompleteInit { index: u32, mask: u16 },
    #[error("test {index}: register mask {mask:#06x} names registers that do not exist")]
    BadRegMask { index: u32, mask: u16 },
    #[error("test {index}: 32-bit register file (RG32) is not supported")]
    Regs32 { index: u32 },
    #[error("header announces {declared} tests but the file holds {found}")]
    CountMismatch { declared: u32, found: usize },
}

/// Bounds-checked little-endian reader over one chunk payload; offsets in
/// errors are relative to the start of the file.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8], base: usize) -> Self {
        Reader { buf, pos: 0, base }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    fn offset(&self) -> usize {
        self.base + self.pos
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], MooError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let Some(end) = end else {
            return Err(MooError::Truncated {
                what,
                offset: self.offset(),
            });
        };
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, MooError> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &'static str) -> Result<u16, MooError> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, MooError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The next chunk: (tag, payload reader).
    fn chunk(&mut self) -> Result<([u8; 4], Reader<'a>), MooError> {
        let t = self.take(4, "chunk tag")?;
        let tag = [t[0], t[1], t[2], t[3]];
        let len = self.u32("chunk length")? as usize;
        let base = self.offset();
        let payload = self.take(len, "chunk payload")?;
        Ok((tag, Reader::new(payload, base)))
    }

    /// A `u32`-length-prefixed byte string (NAME, BYTS, QUEU).
    fn counted(&mut self, what: &'static str) -> Result<&'a [u8], MooError> {
        let n = self.u32(what)? as usize;
        self.take(n, what)
    }
}

/// Decompress `raw` if it is gzip data, else return it unchanged.
pub fn maybe_gunzip(raw: Vec<u8>) -> Result<Vec<u8>, MooError> {
    if raw.starts_with(&[0x1F, 0x8B]) {
        let mut out = Vec::with_capacity(raw.len() * 8);
        flate2::read::GzDecoder::new(&raw[..]).read_to_end(&mut out)?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Read and parse a `.MOO` or `.MOO.gz` file.
pub fn load(path: &Path) -> Result<MooFile, MooError> {
    parse(&maybe_gunzip(std::fs::read(path)?)?)
}

/// Parse an uncompressed MOO file.
pub fn parse(data: &[u8]) -> Result<MooFile, MooError> {
    let mut r = Reader::new(data, 0);
    if data.len() < 8 || &data[..4] != b"MOO " {
        return Err(MooError::NotMoo);
    }
    let (_, mut h) = r.chunk()?;
    let major = h.u8("header version")?;
    let minor = h.u8("header version")?;
    h.take(2, "header reserved bytes")?;
    let declared = h.u32("header test count")?;
    let cpu_id = String::from_utf8_lossy(h.take(4, "header CPU id")?)
        .trim_end()
        .to_string();
    let mut file = MooFile {
        major,
        minor,
        cpu_id,
        meta: None,
        reg_masks: None,
        tests: Vec::with_capacity(declared.min(100_000) as usize),
    };
    while !r.at_end() {
        let (tag, mut c) = r.chunk()?;
        match &tag {
            b"META" => file.meta = Some(parse_meta(&mut c)?),
            b"RMSK" => file.reg_masks = Some(parse_regs(&mut c, u32::MAX)?),
            b"RM32" => return Err(MooError::Regs32 { index: u32::MAX }),
            b"TEST" => file.tests.push(parse_test(&mut c)?),
            _ => {}
        }
    }
    if file.tests.len() != declared as usize {
        return Err(MooError::CountMismatch {
            declared,
            found: file.tests.len(),
        });
    }
    Ok(file)
}

fn parse_meta(c: &mut Reader) -> Result<Meta, MooError> {
    let set_major = c.u8("META")?;
    let set_minor = c.u8("META")?;
    let cpu_type = c.u8("META")?;
    let opcode = c.u32("META opcode")?;
    let mnemonic = String::from_utf8_lossy(c.take(8, "META mnemonic")?)
        .trim_end()
        .to_string();
    let test_count = c.u32("META test count")?;
    // Optional tail (seed, mode); older files may stop earlier.
    let cpu_mode = if c.take(8, "META seed").is_ok() {
        c.u8("META mode").ok()
    } else {
        None
    };
    Ok(Meta {
        set_major,
        set_minor,
        cpu_type,
        opcode,
        mnemonic,
        test_count,
        cpu_mode,
    })
}

fn parse_regs(c: &mut Reader, index: u32) -> Result<Regs, MooError> {
    let mask = c.u16("REGS mask")?;
    if mask & !ALL_REGS != 0 {
        return Err(MooError::BadRegMask { index, mask });
    }
    let mut regs = Regs::default();
    for r in Reg::ALL {
        if mask & (1 << r as u16) != 0 {
            regs.set(r, c.u16("REGS value")?);
        }
    }
    Ok(regs)
}

fn parse_state(c: &mut Reader, index: u32, initial: bool) -> Result<State, MooError> {
    let mut s = State::default();
    let mut have_regs = false;
    while !c.at_end() {
        let (tag, mut sub) = c.chunk()?;
        match &tag {
            b"REGS" => {
                s.regs = parse_regs(&mut sub, index)?;
                have_regs = true;
            }
            b"RMSK" => s.reg_masks = Some(parse_regs(&mut sub, index)?),
            b"RG32" | b"RM32" => return Err(MooError::Regs32 { index }),
            b"RAM " => {
                let n = sub.u32("RAM count")? as usize;
                // Each entry is 5 bytes; check before allocating.
                let entries = sub.take(n.saturating_mul(5), "RAM entries")?;
                s.ram = entries
                    .chunks_exact(5)
                    .map(|e| (u32::from_le_bytes([e[0], e[1], e[2], e[3]]), e[4]))
                    .collect();
            }
            b"QUEU" => s.queue = sub.counted("QUEU")?.to_vec(),
            _ => {}
        }
    }
    if !have_regs {
        return Err(MooError::Missing {
            index,
            chunk: if initial { "INIT REGS" } else { "FINA REGS" },
        });
    }
    if initial && s.regs.present != ALL_REGS {
        return Err(MooError::IncompleteInit {
            index,
            mask: s.regs.present,
        });
    }
    Ok(s)
}

fn parse_test(c: &mut Reader) -> Result<Test, MooError> {
    let index = c.u32("TEST index")?;
    let mut t = Test {
        index,
        ..Default::default()
    };
    let (mut init, mut fina, mut bytes) = (None, None, None);
    while !c.at_end() {
        let (tag, mut sub) = c.chunk()?;
        match &tag {
            b"NAME" => t.name = String::from_utf8_lossy(sub.counted("NAME")?).into_owned(),
            b"BYTS" => bytes = Some(sub.counted("BYTS")?.to_vec()),
            b"INIT" => init = Some(parse_state(&mut sub, index, true)?),
            b"FINA" => fina = Some(parse_state(&mut sub, index, false)?),
            b"EXCP" => {
                t.exception = Some(ExceptionInfo {
                    vector: sub.u8("EXCP number")?,
                    flag_addr: sub.u32("EXCP flag address")?,
                })
            }
            b"HASH" => {
                let h = sub.take(20, "HASH")?;
                let mut a = [0u8; 20];
                a.copy_from_slice(h);
                t.hash = Some(a);
            }
            _ => {}
        }
    }
    t.bytes = bytes.ok_or(MooError::Missing {
        index,
        chunk: "BYTS",
    })?;
    t.init = init.ok_or(MooError::Missing {
        index,
        chunk: "INIT",
    })?;
    t.fina = fina.ok_or(MooError::Missing {
        index,
        chunk: "FINA",
    })?;
    Ok(t)
}

/// Builders of MOO byte streams for tests (here and in the runner).
#[cfg(test)]
pub(crate) mod build {
    /// `tag` + u32 length + payload.
    pub fn chunk(tag: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut v = tag.to_vec();
        v.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        v.extend_from_slice(payload);
        v
    }

    /// A REGS chunk with the given (bit, value) pairs.
    pub fn regs(pairs: &[(u8, u16)]) -> Vec<u8> {
        let mut sorted = pairs.to_vec();
        sorted.sort_by_key(|p| p.0);
        let mask: u16 = sorted.iter().map(|p| 1u16 << p.0).sum();
        let mut p = mask.to_le_bytes().to_vec();
        for (_, v) in sorted {
            p.extend_from_slice(&v.to_le_bytes());
        }
        chunk(b"REGS", &p)
    }

    /// A RAM chunk.
    pub fn ram(entries: &[(u32, u8)]) -> Vec<u8> {
        let mut p = (entries.len() as u32).to_le_bytes().to_vec();
        for (a, b) in entries {
            p.extend_from_slice(&a.to_le_bytes());
            p.push(*b);
        }
        chunk(b"RAM ", &p)
    }

    /// A length-prefixed chunk (NAME, BYTS, QUEU).
    pub fn counted(tag: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut p = (data.len() as u32).to_le_bytes().to_vec();
        p.extend_from_slice(data);
        chunk(tag, &p)
    }

    /// One test chunk.
    pub fn test(
        index: u32,
        name: &str,
        bytes: &[u8],
        init: &[u8],
        fina: &[u8],
        extra: &[u8],
    ) -> Vec<u8> {
        let mut p = index.to_le_bytes().to_vec();
        p.extend(counted(b"NAME", name.as_bytes()));
        p.extend(counted(b"BYTS", bytes));
        p.extend(chunk(b"INIT", init));
        p.extend(chunk(b"FINA", fina));
        p.extend_from_slice(extra);
        chunk(b"TEST", &p)
    }

    /// A whole file with the given CPU id and test chunks.
    pub fn file(cpu: &[u8; 4], tests: &[Vec<u8>]) -> Vec<u8> {
        let mut h = vec![1u8, 0, 0, 0];
        h.extend_from_slice(&(tests.len() as u32).to_le_bytes());
        h.extend_from_slice(cpu);
        let mut v = chunk(b"MOO ", &h);
        for t in tests {
            v.extend_from_slice(t);
        }
        v
    }

    /// A complete INIT register file: every register gets `base + bit`.
    pub fn full_regs(base: u16) -> Vec<(u8, u16)> {
        (0..14u8).map(|b| (b, base + u16::from(b))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::build::*;
    use super::*;

    fn sample() -> Vec<u8> {
        let mut init = regs(&full_regs(0x100));
        init.extend(ram(&[(0x1234, 0x90), (0x1235, 0xF4)]));
        init.extend(counted(b"QUEU", &[0x90]));
        let mut fina = regs(&[(12, 0x0203), (0, 7)]);
        fina.extend(ram(&[(0x1234, 0x91)]));
        let mut extra = chunk(b"GMET", &[0; 10]); // unknown: skipped
        extra.extend(chunk(b"EXCP", &[6, 0x78, 0x56, 0x34, 0x12]));
        extra.extend(chunk(b"HASH", &[0xAB; 20]));
        let t0 = test(0, "nop", &[0x90, 0xF4], &init, &fina, &extra);
        let t1 = test(1, "second", &[0x40], &regs(&full_regs(0)), &regs(&[]), &[]);
        file(b"C286", &[t0, t1])
    }

    #[test]
    fn parses_a_hand_built_file() {
        let f = parse(&sample()).unwrap();
        assert_eq!(f.cpu_id, "C286");
        assert_eq!((f.major, f.minor), (1, 0));
        assert_eq!(f.tests.len(), 2);
        let t = &f.tests[0];
        assert_eq!(t.name, "nop");
        assert_eq!(t.bytes, vec![0x90, 0xF4]);
        assert_eq!(t.init.regs.get(Reg::Ax), Some(0x100));
        assert_eq!(t.init.regs.get(Reg::Flags), Some(0x10D));
        assert_eq!(t.init.ram, vec![(0x1234, 0x90), (0x1235, 0xF4)]);
        assert_eq!(t.init.queue, vec![0x90]);
        assert_eq!(t.fina.regs.present, 0x1001);
        assert_eq!(t.fina.regs.get(Reg::Ip), Some(0x203));
        assert_eq!(t.fina.regs.get(Reg::Bx), None);
        assert_eq!(
            t.exception,
            Some(ExceptionInfo {
                vector: 6,
                flag_addr: 0x1234_5678
            })
        );
        assert_eq!(t.hash_hex().unwrap(), "ab".repeat(20));
        assert_eq!(f.tests[1].index, 1);
        assert_eq!(f.tests[1].fina.regs.present, 0);
        assert!(f.tests[1].hash.is_none());
    }

    #[test]
    fn gzip_is_detected() {
        use std::io::Write;
        let raw = sample();
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&raw).unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(maybe_gunzip(gz).unwrap(), raw);
        assert_eq!(maybe_gunzip(raw.clone()).unwrap(), raw);
        assert!(maybe_gunzip(vec![0x1F, 0x8B, 0, 1, 2]).is_err());
    }

    #[test]
    fn malformed_files_are_errors() {
        assert!(matches!(parse(b""), Err(MooError::NotMoo)));
        assert!(matches!(parse(b"MOOX\0\0\0\0"), Err(MooError::NotMoo)));
        // INIT without all registers.
        let t = test(0, "x", &[0x90], &regs(&[(0, 1)]), &regs(&[]), &[]);
        assert!(matches!(
            parse(&file(b"8086", &[t])),
            Err(MooError::IncompleteInit { .. })
        ));
        // Register bits beyond flags.
        let bad = chunk(b"REGS", &[0, 0x80]);
        let t = test(0, "x", &[0x90], &regs(&full_regs(0)), &bad, &[]);
        assert!(matches!(
            parse(&file(b"8086", &[t])),
            Err(MooError::BadRegMask { .. })
        ));
        // A missing FINA.
        let mut p = 0u32.to_le_bytes().to_vec();
        p.extend(counted(b"BYTS", &[0x90]));
        p.extend(chunk(b"INIT", &regs(&full_regs(0))));
        let t = chunk(b"TEST", &p);
        assert!(matches!(
            parse(&file(b"8086", &[t])),
            Err(MooError::Missing { chunk: "FINA", .. })
        ));
        // Whole tests missing at the end.
        let mut f = sample();
        let one = test(1, "second", &[0x40], &regs(&full_regs(0)), &regs(&[]), &[]);
        f.truncate(f.len() - one.len());
        assert!(matches!(parse(&f), Err(MooError::CountMismatch { .. })));
    }

    /// Tiny deterministic generator (xorshift) for the fuzz tests.
    fn rng(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let f = sample();
        for n in 0..f.len() {
            assert!(parse(&f[..n]).is_err(), "prefix of {n} bytes parsed");
        }
    }

    #[test]
    fn garbled_files_never_panic() {
        let f = sample();
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            let mut g = f.clone();
            let flips = 1 + rng(&mut seed) % 4;
            for _ in 0..flips {
                let i = (rng(&mut seed) % g.len() as u64) as usize;
                g[i] = rng(&mut seed) as u8;
            }
            // Must return (Ok or Err), not panic or allocate absurdly.
            let _ = parse(&g);
        }
        // Huge counts must fail cleanly rather than allocate.
        let mut h = vec![1u8, 0, 0, 0];
        h.extend_from_slice(&u32::MAX.to_le_bytes());
        h.extend_from_slice(b"8086");
        let mut g = chunk(b"MOO ", &h);
        let mut init = regs(&full_regs(0));
        init.extend(chunk(b"RAM ", &u32::MAX.to_le_bytes()));
        g.extend(test(0, "x", &[0x90], &init, &regs(&[]), &[]));
        assert!(matches!(parse(&g), Err(MooError::Truncated { .. })));
    }
}
