//! Per-folder SingleStepTests side files: `metadata.json` (opcode status and
//! masks of undefined flags) and `revocation_list.txt` (hashes of tests
//! found to be bad).
//!
//! `metadata.json` has an `opcodes` object keyed by the opcode in upper-case
//! hex (`"D0"`, `"0F04"`); an entry holds `status`, optionally `flags` and
//! `flags-mask` (ANDed into expected and actual FLAGS), or a `reg` object
//! keyed by the ModR/M reg digit (`"0"`–`"7"`) whose values have the same
//! fields.

use std::collections::{HashMap, HashSet};
use thiserror::Error;

/// Errors in the side files.
#[derive(Debug, Error)]
pub enum MetadataError {
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error("no `opcodes` object")]
    NoOpcodes,
    #[error("opcode {key}: `flags-mask` is not a 16-bit number")]
    BadMask { key: String },
    #[error("opcode {key}: `reg` key {reg:?} is not a digit 0-7")]
    BadReg { key: String, reg: String },
    #[error("revocation list line {line}: {text:?} is not a 40-digit hex SHA-1")]
    BadHash { line: usize, text: String },
}

/// One opcode (or opcode-extension) entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpcodeInfo {
    /// `normal`, `alias`, `undocumented`, `undefined`, `fpu`, `prefix`, …
    pub status: Option<String>,
    /// Mask of the defined FLAGS bits (undefined flags are 0).
    pub flags_mask: Option<u16>,
    /// Entries by ModR/M reg field.
    pub reg: [Option<Box<OpcodeInfo>>; 8],
}

/// A parsed `metadata.json`.
#[derive(Clone, Debug, Default)]
pub struct Metadata {
    opcodes: HashMap<String, OpcodeInfo>,
}

impl Metadata {
    /// Parse the JSON text of a `metadata.json`.
    pub fn parse(text: &str) -> Result<Self, MetadataError> {
        let v: serde_json::Value = serde_json::from_str(text)?;
        let obj = v
            .get("opcodes")
            .and_then(|o| o.as_object())
            .ok_or(MetadataError::NoOpcodes)?;
        let mut opcodes = HashMap::with_capacity(obj.len());
        for (key, entry) in obj {
            opcodes.insert(key.to_ascii_uppercase(), parse_entry(key, entry)?);
        }
        Ok(Metadata { opcodes })
    }

    /// The entry for `opcode` (upper-case hex), refined by the reg field if
    /// the opcode has per-reg entries.
    pub fn lookup(&self, opcode: &str, reg: Option<u8>) -> Option<&OpcodeInfo> {
        let e = self.opcodes.get(opcode)?;
        match reg.and_then(|r| e.reg.get(usize::from(r))?.as_deref()) {
            Some(sub) => Some(sub),
            None => Some(e),
        }
    }

    /// FLAGS mask for the opcode: all ones when nothing is undefined.
    pub fn flags_mask(&self, opcode: &str, reg: Option<u8>) -> u16 {
        self.lookup(opcode, reg)
            .and_then(|e| e.flags_mask)
            .unwrap_or(0xFFFF)
    }

    /// Number of opcode entries.
    pub fn len(&self) -> usize {
        self.opcodes.len()
    }

    /// No entries.
    pub fn is_empty(&self) -> bool {
        self.opcodes.is_empty()
    }
}

fn parse_entry(key: &str, v: &serde_json::Value) -> Result<OpcodeInfo, MetadataError> {
    let mut info = OpcodeInfo {
        status: v.get("status").and_then(|s| s.as_str()).map(str::to_string),
        ..Default::default()
    };
    if let Some(m) = v.get("flags-mask") {
        let m = m
            .as_u64()
            .and_then(|m| u16::try_from(m).ok())
            .ok_or_else(|| MetadataError::BadMask {
                key: key.to_string(),
            })?;
        info.flags_mask = Some(m);
    }
    if let Some(regs) = v.get("reg").and_then(|r| r.as_object()) {
        for (r, sub) in regs {
            let idx = match r.as_bytes() {
                [d @ b'0'..=b'7'] => usize::from(d - b'0'),
                _ => {
                    return Err(MetadataError::BadReg {
                        key: key.to_string(),
                        reg: r.clone(),
                    })
                }
            };
            info.reg[idx] = Some(Box::new(parse_entry(key, sub)?));
        }
    }
    Ok(info)
}

/// Parse a revocation list: one hex SHA-1 per line; `#` comments and blank
/// lines ignored. Hashes are returned in lower case.
pub fn parse_revocations(text: &str) -> Result<HashSet<String>, MetadataError> {
    let mut set = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if l.len() != 40 || !l.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(MetadataError::BadHash {
                line: i + 1,
                text: l.chars().take(60).collect(),
            });
        }
        set.insert(l.to_ascii_lowercase());
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
        "cpu": "286",
        "opcodes": {
            "00": {"status": "normal"},
            "08": {"status": "normal", "flags": ".....a..", "flags-mask": 65519},
            "d0": {"reg": {
                "4": {"status": "normal", "flags-mask": 65519},
                "6": {"status": "undocumented", "flags-mask": 63274}
            }}
        }
    }"#;

    #[test]
    fn masks_by_opcode_and_reg() {
        let m = Metadata::parse(SAMPLE).unwrap();
        assert_eq!(m.len(), 3);
        let cases: &[(&str, Option<u8>, u16)] = &[
            ("00", None, 0xFFFF),
            ("08", None, 0xFFEF),
            ("08", Some(3), 0xFFEF), // no per-reg entries: the opcode's own
            ("D0", Some(4), 0xFFEF),
            ("D0", Some(6), 63274),
            ("D0", Some(0), 0xFFFF), // reg entry absent
            ("D0", None, 0xFFFF),
            ("FF", None, 0xFFFF), // unknown opcode
        ];
        for &(op, reg, want) in cases {
            assert_eq!(m.flags_mask(op, reg), want, "{op} {reg:?}");
        }
        assert_eq!(
            m.lookup("D0", Some(6)).unwrap().status.as_deref(),
            Some("undocumented")
        );
    }

    #[test]
    fn bad_metadata_is_an_error() {
        assert!(matches!(Metadata::parse("{"), Err(MetadataError::Json(_))));
        assert!(matches!(
            Metadata::parse("{}"),
            Err(MetadataError::NoOpcodes)
        ));
        assert!(matches!(
            Metadata::parse(r#"{"opcodes": {"00": {"flags-mask": 70000}}}"#),
            Err(MetadataError::BadMask { .. })
        ));
        assert!(matches!(
            Metadata::parse(r#"{"opcodes": {"00": {"reg": {"9": {}}}}}"#),
            Err(MetadataError::BadReg { .. })
        ));
    }

    #[test]
    fn revocation_lists() {
        let text = "# comment\n\n626BE5084B331080EB08256C12A62D24AFDF2A03\n";
        let s = parse_revocations(text).unwrap();
        assert!(s.contains("626be5084b331080eb08256c12a62d24afdf2a03"));
        assert_eq!(s.len(), 1);
        assert!(matches!(
            parse_revocations("xyz\n"),
            Err(MetadataError::BadHash { line: 1, .. })
        ));
    }
}
