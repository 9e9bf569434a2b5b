//! `socialcare-bench`: benchmark tools of socialcare.
//!
//! - `data`: fills an empty database with realistic, deterministic benchmark data and writes a
//!   manifest for load tests (see [`data`]).

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod data;

/// Benchmark tools of socialcare.
#[derive(Debug, Parser)]
#[command(name = "socialcare-bench", version, about)]
struct Cli {
    /// What to do.
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Fill an empty database with deterministic benchmark data (and write a manifest).
    Data(data::DataArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Data(args) => data::run(&args, &mut std::io::stdout().lock()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
