//! `ox86 run`.

use crate::cli::RunArgs;
use std::process::ExitCode;

pub fn main(_args: RunArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("ox86 run is being written")
}
