//! SingleStepTests conformance suites (8086 and 80286 real mode): the MOO
//! file parser, the per-folder side files, the test runner, and [`Suite`],
//! which walks files and folders the way `ox86 conformance singlestep` and
//! the integration test do.
//!
//! A folder is expanded to its `*.MOO.gz` / `*.MOO` files in sorted order;
//! `metadata.json` and `revocation_list.txt` are looked up next to each file
//! (both optional). A file's opcode key for the metadata comes from its name
//! (`D0.6.MOO.gz` → opcode `D0`, reg 6), or from the first test's bytes when
//! the name is not of that form.

pub mod metadata;
pub mod moo;
pub mod runner;

use emulator::CpuModel;
use metadata::{Metadata, MetadataError};
use moo::{MooError, MooFile, Test};
use runner::{Masks, Outcome, Runner, RunnerError};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use thiserror::Error;

/// Errors of a suite run: unreadable or malformed input.
#[derive(Debug, Error)]
pub enum SuiteError {
    // The cause is part of the message (not a `source`), so that a
    // cause chain printed with `{:#}` does not repeat it.
    #[error("{}: {cause}", path.display())]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{}: {cause}", path.display())]
    Moo { path: PathBuf, cause: MooError },
    #[error("{}: {cause}", path.display())]
    Metadata { path: PathBuf, cause: MetadataError },
    #[error("{}: no .MOO or .MOO.gz files", path.display())]
    Empty { path: PathBuf },
    #[error(transparent)]
    Runner(#[from] RunnerError),
}

/// Whether a file name looks like a MOO test file.
fn is_moo_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    n.ends_with(".MOO") || n.ends_with(".MOO.GZ")
}

/// Expand folders to their MOO files (sorted); files are kept as given.
pub fn expand_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>, SuiteError> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|cause| SuiteError::Io {
            path: p.clone(),
            cause,
        })?;
        if !meta.is_dir() {
            out.push(p.clone());
            continue;
        }
        let rd = std::fs::read_dir(p).map_err(|cause| SuiteError::Io {
            path: p.clone(),
            cause,
        })?;
        let mut files = Vec::new();
        for e in rd {
            let e = e.map_err(|cause| SuiteError::Io {
                path: p.clone(),
                cause,
            })?;
            let name = e.file_name();
            if is_moo_name(&name.to_string_lossy()) {
                files.push(e.path());
            }
        }
        if files.is_empty() {
            return Err(SuiteError::Empty { path: p.clone() });
        }
        files.sort();
        out.extend(files);
    }
    Ok(out)
}

/// Opcode key and ModR/M reg from a file name such as `D0.6.MOO.gz` or
/// `0F04.MOO`.
pub fn opcode_from_file_name(path: &Path) -> Option<(String, Option<u8>)> {
    let name = path.file_name()?.to_str()?;
    let mut parts = name.split('.');
    let op = parts.next()?;
    if op.is_empty() || op.len() % 2 != 0 || !op.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let reg = match parts.next() {
        Some(r) if r.len() == 1 && matches!(r.as_bytes()[0], b'0'..=b'7') => {
            Some(r.as_bytes()[0] - b'0')
        }
        _ => None,
    };
    Some((op.to_ascii_uppercase(), reg))
}

/// Prefix bytes of the 8086/80286 (segment overrides, LOCK, REP; F1 is a
/// LOCK alias on the 8086).
fn is_prefix(b: u8, model: CpuModel) -> bool {
    matches!(b, 0x26 | 0x2E | 0x36 | 0x3E | 0xF0 | 0xF2 | 0xF3)
        || (b == 0xF1 && model == CpuModel::I8086)
}

/// Opcode key and reg field from instruction bytes (prefixes skipped).
pub fn opcode_from_bytes(bytes: &[u8], model: CpuModel) -> Option<(String, Option<u8>)> {
    let i = bytes.iter().position(|&b| !is_prefix(b, model))?;
    let op = bytes[i];
    let (key, modrm) = if op == 0x0F && model != CpuModel::I8086 {
        (format!("0F{:02X}", bytes.get(i + 1)?), bytes.get(i + 2))
    } else {
        (format!("{op:02X}"), bytes.get(i + 1))
    };
    Some((key, modrm.map(|m| (m >> 3) & 7)))
}

/// Side files of one folder.
#[derive(Clone, Debug, Default)]
struct FolderInfo {
    metadata: Option<Arc<Metadata>>,
    revoked: Arc<HashSet<String>>,
}

/// Counts for one file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    /// Skipped because their hash is in the revocation list.
    pub revoked: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.passed += o.passed;
        self.failed += o.failed;
        self.revoked += o.revoked;
    }
}

impl Counts {
    /// Passed / (passed + failed), 1.0 for an empty run.
    pub fn pass_rate(&self) -> f64 {
        let n = self.passed + self.failed;
        if n == 0 {
            1.0
        } else {
            self.passed as f64 / n as f64
        }
    }
}

/// Runs MOO files of one CPU generation.
pub struct Suite {
    runner: Runner,
    folders: HashMap<PathBuf, FolderInfo>,
}

impl Suite {
    /// A suite for `model` (8086 or 80286).
    pub fn new(model: CpuModel) -> Result<Self, SuiteError> {
        Ok(Suite {
            runner: Runner::new(model)?,
            folders: HashMap::new(),
        })
    }

    fn folder(&mut self, file: &Path) -> Result<FolderInfo, SuiteError> {
        let dir = file.parent().unwrap_or(Path::new(".")).to_path_buf();
        if let Some(f) = self.folders.get(&dir) {
            return Ok(f.clone());
        }
        let mut info = FolderInfo::default();
        let mpath = dir.join("metadata.json");
        if let Some(text) = read_optional(&mpath)? {
            let m = Metadata::parse(&text).map_err(|cause| SuiteError::Metadata {
                path: mpath.clone(),
                cause,
            })?;
            info.metadata = Some(Arc::new(m));
        }
        let rpath = dir.join("revocation_list.txt");
        if let Some(text) = read_optional(&rpath)? {
            let r = metadata::parse_revocations(&text).map_err(|cause| SuiteError::Metadata {
                path: rpath.clone(),
                cause,
            })?;
            info.revoked = Arc::new(r);
        }
        self.folders.insert(dir, info.clone());
        Ok(info)
    }

    /// Load one MOO file.
    pub fn load(path: &Path) -> Result<MooFile, SuiteError> {
        moo::load(path).map_err(|cause| match cause {
            MooError::Io(cause) => SuiteError::Io {
                path: path.to_path_buf(),
                cause,
            },
            cause => SuiteError::Moo {
                path: path.to_path_buf(),
                cause,
            },
        })
    }

    /// Run every test of the file at `path`; `on_result` sees each test
    /// that ran, with its position in the file and its outcome. (The
    /// position is what identifies a test: the 8086 v1 files store 0 in
    /// every `TEST` index field.)
    pub fn run_file(
        &mut self,
        path: &Path,
        mut on_result: impl FnMut(usize, &Test, &Outcome),
    ) -> Result<Counts, SuiteError> {
        let file = Self::load(path)?;
        let folder = self.folder(path)?;
        let model = self.runner.model();
        // A name-derived key is used only if the metadata knows it.
        let key = opcode_from_file_name(path).filter(|(k, _)| match &folder.metadata {
            Some(m) => m.lookup(k, None).is_some(),
            None => true,
        });
        let mut counts = Counts::default();
        for (pos, t) in file.tests.iter().enumerate() {
            if let Some(h) = t.hash_hex() {
                if folder.revoked.contains(&h) {
                    counts.revoked += 1;
                    continue;
                }
            }
            let flags = match (&folder.metadata, &key) {
                (Some(m), Some((k, reg))) => m.flags_mask(k, *reg),
                (Some(m), None) => match opcode_from_bytes(&t.bytes, model) {
                    Some((k, reg)) => m.flags_mask(&k, reg),
                    None => 0xFFFF,
                },
                (None, _) => 0xFFFF,
            };
            let masks = Masks {
                flags,
                file_regs: file.reg_masks.as_ref(),
            };
            let out = self.runner.run(t, masks);
            if out.passed() {
                counts.passed += 1;
            } else {
                counts.failed += 1;
            }
            on_result(pos, t, &out);
        }
        Ok(counts)
    }
}

fn read_optional(path: &Path) -> Result<Option<String>, SuiteError> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(cause) => Err(SuiteError::Io {
            path: path.to_path_buf(),
            cause,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opcode_keys_from_names_and_bytes() {
        type Case = (&'static str, Option<(&'static str, Option<u8>)>);
        let cases: &[Case] = &[
            ("D0.6.MOO.gz", Some(("D0", Some(6)))),
            ("00.MOO.gz", Some(("00", None))),
            ("0f04.MOO", Some(("0F04", None))),
            ("abc.MOO", None),
            ("LICENSE", None),
        ];
        for &(name, want) in cases {
            let got = opcode_from_file_name(Path::new(name));
            assert_eq!(got, want.map(|(k, r)| (k.to_string(), r)), "{name}");
        }
        assert_eq!(
            opcode_from_bytes(&[0x26, 0xF3, 0xD0, 0xF0], CpuModel::I80286),
            Some(("D0".to_string(), Some(6)))
        );
        assert_eq!(
            opcode_from_bytes(&[0xF1, 0x90], CpuModel::I8086),
            Some(("90".to_string(), None))
        );
        assert_eq!(opcode_from_bytes(&[0x26], CpuModel::I8086), None);
    }
}
