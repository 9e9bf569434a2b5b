//! `socialcare-bench`: benchmark tools of socialcare (see `docs/benchmarks.md`).
//!
//! - `data`: fills an empty database with realistic, deterministic benchmark data and writes a
//!   manifest for load tests (see [`data`]);
//! - `anchor`: the database's own limit for a load scenario — the statements the endpoint
//!   executes, through the same persistence functions and driver, with no HTTP in between.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod anchor;
mod audit_log;
mod audit_proofs;
mod data;
mod partners;

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
    /// Runs the statements of one load scenario directly against the database, in N threads,
    /// and reports transactions per second and latency percentiles.
    Anchor(anchor::AnchorArgs),
    /// How far behind the event feed is for a consumer while referrals are written at a given
    /// rate (server in this process, fresh database).
    FeedLag(partners::FeedLagArgs),
    /// How many events per second the webhook worker delivers to a local receiver (server in
    /// this process, fresh database).
    Webhooks(partners::WebhookArgs),
    /// How long the audit log's inclusion and consistency proofs take at a given tree size
    /// (fills a scratch database's tree with synthetic leaves).
    AuditProofs(audit_proofs::AuditProofsArgs),
    /// Fills a scratch database with N chained audit records, their tree and a signed
    /// checkpoint, to time `socialcare audit verify --checkpoint` over the whole log.
    AuditRecords(audit_log::AuditRecordsArgs),
    /// Samples how many audit records wait for the sequencer, and how old the oldest is,
    /// while a load runs against a server.
    MergeDelay(audit_log::MergeDelayArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Data(args) => data::run(&args, &mut std::io::stdout().lock()),
        Command::Anchor(args) => anchor::run(&args),
        Command::FeedLag(args) => partners::feed_lag(&args),
        Command::Webhooks(args) => partners::webhooks(&args),
        Command::AuditProofs(args) => audit_proofs::run(&args, &mut std::io::stdout().lock()),
        Command::AuditRecords(args) => audit_log::records(&args, &mut std::io::stdout().lock()),
        Command::MergeDelay(args) => audit_log::merge_delay(&args, &mut std::io::stdout().lock()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "socialcare-bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}
