//! `ox86`: command-line front end.
//!
//! - `ox86` / `ox86 run [OPTIONS]`: run a machine (by default the built-in
//!   demo image; `--bios ROM` for a ROM image, `--kernel FILE` for a
//!   Multiboot kernel).
//! - `ox86 conformance singlestep [--cpu 8086|286] PATH...`: run the
//!   SingleStepTests CPU conformance suites.

mod cli;
mod conformance;
mod drives;
mod output;
mod run;
mod screen;
mod serial;
mod trace;
mod window;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let mut logger =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn"));
    logger.format_timestamp(None);
    // `run --trace` asks for the per-instruction log: enable its target
    // whatever RUST_LOG says about the others.
    if matches!(&args.command, Some(cli::Command::Run(a)) if a.trace) {
        logger.filter_module("ox86::trace", log::LevelFilter::Trace);
    }
    logger.init();
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
