//! `ox86 conformance singlestep [--cpu 8086|286] PATH...`: run SingleStepTests
//! MOO files (see `test_roms::singlestep`) and report.
//!
//! Each failing test is printed with its file, index, name and bytes, then
//! every register (expected, actual; differing ones marked `*`) and every
//! memory byte of the final state (plus any other byte that differs). Each
//! file gets a summary line; the run ends with the line `N passed, N failed`.
//! The exit status is 0 whenever the run completes — the pass rate is
//! reported, not asserted; unreadable or malformed input is an error
//! (exit status 2 from `main`).

use crate::cli::{ConformanceCommand, CpuArg, SingleStepArgs};
use emulator::CpuModel;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use test_roms::singlestep::moo::Test;
use test_roms::singlestep::runner::{MemKind, Outcome};
use test_roms::singlestep::{expand_paths, Counts, Suite};

/// Exit status when the reader of our output went away (`… | head`), as a
/// process killed by SIGPIPE reports it.
const EXIT_BROKEN_PIPE: u8 = 128 + 13;

pub fn main(cmd: ConformanceCommand) -> anyhow::Result<ExitCode> {
    let result = match cmd {
        ConformanceCommand::Singlestep(args) => singlestep(&args),
    };
    match result {
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(ExitCode::from(EXIT_BROKEN_PIPE))
        }
        r => r,
    }
}

/// File name matches one of the `--filter` opcodes (or there are none).
fn selected(path: &Path, filters: &[String]) -> bool {
    if filters.is_empty() {
        return true;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_uppercase())
        .unwrap_or_default();
    filters
        .iter()
        .any(|f| name.starts_with(&format!("{}.", f.to_ascii_uppercase())))
}

fn singlestep(args: &SingleStepArgs) -> anyhow::Result<ExitCode> {
    let model = match args.cpu {
        CpuArg::I8086 => CpuModel::I8086,
        CpuArg::I286 => CpuModel::I80286,
    };
    let files: Vec<_> = expand_paths(&args.paths)?
        .into_iter()
        .filter(|p| selected(p, &args.filter))
        .collect();
    if files.is_empty() {
        anyhow::bail!("no test files match the --filter options");
    }
    let mut suite = Suite::new(model)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut total = Counts::default();
    for path in &files {
        let shown_name = path.display().to_string();
        let mut shown = 0usize;
        let mut write_err = None;
        let counts = suite.run_file(path, |pos, t, o| {
            if o.passed() || args.quiet || write_err.is_some() {
                return;
            }
            if args.max_failures.is_some_and(|m| shown >= m) {
                return;
            }
            shown += 1;
            if let Err(e) = print_failure(&mut out, &shown_name, pos, t, o) {
                write_err = Some(e);
            }
        })?;
        if let Some(e) = write_err {
            return Err(e.into());
        }
        write!(
            out,
            "{shown_name}: {} passed, {} failed",
            counts.passed, counts.failed
        )?;
        if counts.revoked > 0 {
            write!(out, ", {} skipped (revoked)", counts.revoked)?;
        }
        writeln!(out)?;
        total += counts;
    }
    writeln!(
        out,
        "{} files, pass rate {:.3} %",
        files.len(),
        100.0 * total.pass_rate()
    )?;
    if total.revoked > 0 {
        writeln!(
            out,
            "{} tests skipped (in revocation_list.txt), not counted below",
            total.revoked
        )?;
    }
    writeln!(out, "{} passed, {} failed", total.passed, total.failed)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn print_failure(
    out: &mut impl Write,
    file: &str,
    pos: usize,
    t: &Test,
    o: &Outcome,
) -> std::io::Result<()> {
    let bytes: Vec<String> = t.bytes.iter().map(|b| format!("{b:02X}")).collect();
    writeln!(
        out,
        "FAIL {file} #{pos} \"{}\" bytes [{}] (ox86: {})",
        t.name,
        bytes.join(" "),
        o.decoded.as_deref().unwrap_or("?")
    )?;
    if let Some(e) = t.exception {
        writeln!(
            out,
            "  hardware raised interrupt {} (FLAGS pushed at {:#x})",
            e.vector, e.flag_addr
        )?;
    }
    writeln!(out, "    reg    expected  actual")?;
    for r in &o.regs {
        let mark = if r.ok() { ' ' } else { '*' };
        let note = match (r.mask, r.listed) {
            (0xFFFF, true) => String::new(),
            (0xFFFF, false) => "  (unchanged)".to_string(),
            (m, true) => format!("  (mask {m:04X})"),
            (m, false) => format!("  (unchanged, mask {m:04X})"),
        };
        writeln!(
            out,
            "  {mark} {:<6} {:04X}      {:04X}{note}",
            r.reg.name(),
            r.expected,
            r.actual
        )?;
    }
    if !o.mem.is_empty() {
        writeln!(out, "    address  expected  actual")?;
    }
    for m in &o.mem {
        let mark = if m.ok() { ' ' } else { '*' };
        let note = match m.kind {
            MemKind::Final => "",
            MemKind::Unchanged => "  (should be unchanged)",
            MemKind::Stray => "  (not in the test: stray write)",
        };
        let mask = if m.mask == 0xFF {
            String::new()
        } else {
            format!("  (mask {:02X})", m.mask)
        };
        writeln!(
            out,
            "  {mark} {:06X}   {:02X}        {:02X}{note}{mask}",
            m.addr, m.expected, m.actual
        )?;
    }
    Ok(())
}
