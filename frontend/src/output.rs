//! Where a guest's character output goes on the host: the debug console
//! (`--debugcon`, port 0xE9) and COM1 (`--serial`).

use anyhow::{bail, Context};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

/// A `stdio|null|FILE` option value.
#[derive(Debug, PartialEq, Eq)]
pub enum OutputTarget {
    Stdout,
    Null,
    File(PathBuf),
}

impl OutputTarget {
    /// Parse the value of option `name`; `None` gives `default`.
    pub fn parse(name: &str, value: Option<&str>, default: OutputTarget) -> anyhow::Result<Self> {
        Ok(match value {
            None => default,
            Some("stdio") => OutputTarget::Stdout,
            Some("null") => OutputTarget::Null,
            Some("") => bail!("{name} needs stdio, null or a file name"),
            Some(path) => OutputTarget::File(path.into()),
        })
    }
}

/// An open output. `what` names it in error messages ("debug console",
/// "serial port").
pub enum Output {
    Stdout(std::io::Stdout),
    File(BufWriter<File>, PathBuf, &'static str),
    Null,
}

impl Output {
    pub fn open(target: &OutputTarget, what: &'static str) -> anyhow::Result<Output> {
        Ok(match target {
            OutputTarget::Stdout => Output::Stdout(std::io::stdout()),
            OutputTarget::Null => Output::Null,
            OutputTarget::File(p) => {
                let f = File::create(p)
                    .with_context(|| format!("cannot create {what} file {}", p.display()))?;
                Output::File(BufWriter::new(f), p.clone(), what)
            }
        })
    }

    pub fn write(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        match self {
            Output::Stdout(s) => {
                let mut l = s.lock();
                // A closed stdout (e.g. `| head`) must not end the run.
                let _ = l.write_all(bytes).and_then(|()| l.flush());
            }
            Output::File(w, p, what) => w
                .write_all(bytes)
                .with_context(|| format!("cannot write {what} file {}", p.display()))?,
            Output::Null => {}
        }
        Ok(())
    }

    pub fn flush(&mut self) -> anyhow::Result<()> {
        if let Output::File(w, p, what) = self {
            w.flush()
                .with_context(|| format!("cannot write {what} file {}", p.display()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let p = |v| OutputTarget::parse("--serial", v, OutputTarget::Null);
        assert_eq!(p(None).unwrap(), OutputTarget::Null);
        assert_eq!(p(Some("stdio")).unwrap(), OutputTarget::Stdout);
        assert_eq!(p(Some("null")).unwrap(), OutputTarget::Null);
        assert_eq!(
            p(Some("out.txt")).unwrap(),
            OutputTarget::File("out.txt".into())
        );
        let e = p(Some("")).unwrap_err().to_string();
        assert!(e.contains("--serial"), "{e}");
    }
}
