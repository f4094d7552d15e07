//! `ox86`: command-line front end.
//!
//! - `ox86` / `ox86 run [OPTIONS]`: run a machine (by default the built-in
//!   demo image; `--bios ROM` for a ROM image, `--kernel FILE` for a
//!   Multiboot kernel).
//! - `ox86 conformance singlestep [--cpu 8086|286] PATH...`: run the
//!   SingleStepTests CPU conformance suites.

mod cli;
mod conformance;
mod output;
mod run;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn"))
        .format_timestamp(None)
        .init();
    let result = match args.command.unwrap_or_default() {
        cli::Command::Run(a) => run::main(a),
        cli::Command::Conformance(c) => conformance::main(c),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ox86: {e:#}");
            ExitCode::from(2)
        }
    }
}
