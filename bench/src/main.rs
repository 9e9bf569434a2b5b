//! `socialcare-bench`: tools for the load benchmark of socialcare (see `docs/benchmarks.md`).
//!
//! - `anchor`: the database's own limit for a load scenario — the statements the endpoint
//!   executes, through the same persistence functions and driver, with no HTTP in between.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod anchor;

/// Benchmark tools for socialcare.
#[derive(Debug, Parser)]
#[command(name = "socialcare-bench", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the statements of one load scenario directly against the database, in N threads,
    /// and reports transactions per second and latency percentiles.
    Anchor(anchor::AnchorArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Anchor(args) => anchor::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            use std::io::Write;
            let _ = writeln!(std::io::stderr().lock(), "socialcare-bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}
