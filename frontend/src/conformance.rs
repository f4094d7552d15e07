//! `ox86 conformance`.

use crate::cli::ConformanceCommand;
use std::process::ExitCode;

pub fn main(_cmd: ConformanceCommand) -> anyhow::Result<ExitCode> {
    anyhow::bail!("ox86 conformance is being written")
}
