//! Command-line syntax (clap derive).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "ox86", version, about = "A pure-software x86 PC emulator")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a machine (with no options: the built-in demo image).
    Run(RunArgs),
    /// Run CPU conformance suites.
    #[command(subcommand)]
    Conformance(ConformanceCommand),
}

impl Default for Command {
    fn default() -> Self {
        Command::Run(RunArgs::default())
    }
}

/// Options of `ox86 run` (filled in by the run module's owner).
#[derive(Debug, Args, Default)]
pub struct RunArgs {
    /// Run without a window.
    #[arg(long)]
    pub headless: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConformanceCommand {
    /// SingleStepTests (MOO files, gzip'd): `ox86 conformance singlestep --cpu 286 DIR`.
    Singlestep(SingleStepArgs),
}

/// CPU generation a conformance suite was recorded on.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum CpuArg {
    #[value(name = "8086")]
    I8086,
    #[value(name = "286")]
    I286,
}

#[derive(Debug, Args)]
pub struct SingleStepArgs {
    /// CPU the tests were recorded on.
    #[arg(long, value_enum, default_value = "286")]
    pub cpu: CpuArg,
    /// MOO files (.MOO or .MOO.gz) or directories holding them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}
