//! `audit-proofs`: how long the audit log's inclusion and consistency proofs take at a given
//! tree size (issue 20's target: under 5 ms at 10 000 000 records). Fills the tree of a scratch
//! database with the stored hashes of N synthetic leaves (exactly what the sequencer stores for
//! N records; no records are written), then times proofs through
//! `socialcare_persistence::audit_tree`, the functions the HTTP handlers call, each in a read
//! transaction of its own, and the statement that reads the hashes alone.

use std::cell::RefCell;
use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use diesel::prelude::*;
use rand::{Rng, SeedableRng};
use socialcare_persistence::audit_tree::{self, Hash, InMemoryHashes};
use socialcare_persistence::schema::{audit_records, audit_tree_hashes};
use socialcare_persistence::{AnyConnection, DbTarget, migrations};
use tlog_tiles::tlog::{self, HashReader};

/// Arguments of `audit-proofs`.
#[derive(Debug, clap::Args)]
pub struct AuditProofsArgs {
    /// A scratch database (SQLite file or PostgreSQL database) whose audit tree is empty: it is
    /// migrated, then filled with hashes of leaves that have no records, so that no server
    /// should run on it afterwards.
    #[arg(long)]
    database_url: String,
    /// How many leaves the tree holds.
    #[arg(long, default_value_t = 10_000_000)]
    leaves: u64,
    /// How many proofs of each kind to time.
    #[arg(long, default_value_t = 1000)]
    proofs: u32,
    /// The seed of the random leaf indexes and sizes.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// Records which stored hashes the tree arithmetic asks for (and answers with zeros).
struct Recorder(RefCell<Vec<u64>>);

impl HashReader for Recorder {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog::Error> {
        self.0.borrow_mut().extend_from_slice(indexes);
        Ok(vec![Hash([0; 32]); indexes.len()])
    }
}

fn percentiles(mut samples: Vec<Duration>) -> String {
    samples.sort_unstable();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples[i].as_secs_f64() * 1000.0
    };
    format!(
        "p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms ({} proofs)",
        at(0.5),
        at(0.95),
        at(0.99),
        at(1.0),
        samples.len()
    )
}

/// Fills the tree with `leaves` leaves, committing every 200 000 stored hashes.
fn fill(conn: &mut AnyConnection, leaves: u64, out: &mut dyn Write) -> anyhow::Result<Hash> {
    let memory = InMemoryHashes::default();
    let mut written = 0_u64;
    let started = Instant::now();
    for n in 0..leaves {
        memory.append(tlog::record_hash(&n.to_be_bytes()))?;
        let total = memory.len();
        if total - written >= 200_000 || n + 1 == leaves {
            let chunk = memory.since(written);
            conn.transaction::<_, anyhow::Error, _>(|c| {
                audit_tree::store_hashes(c, written, &chunk)?;
                Ok(())
            })?;
            written = total;
            if (n + 1) % 1_000_000 == 0 {
                writeln!(
                    out,
                    "… {} leaves, {written} stored hashes, {:.0} s",
                    n + 1,
                    started.elapsed().as_secs_f64()
                )?;
            }
        }
    }
    let root = tlog::tree_hash(leaves, &memory)?;
    writeln!(
        out,
        "filled: {leaves} leaves, {written} stored hashes in {:.1} s",
        started.elapsed().as_secs_f64()
    )?;
    Ok(root)
}

/// Runs the benchmark.
pub fn run(args: &AuditProofsArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let target = DbTarget::parse(&args.database_url)?;
    let mut conn = target.connect().context("cannot connect to the database")?;
    migrations::run_pending_on(&mut conn)?;
    let records: i64 = audit_records::table.count().get_result(&mut conn)?;
    if records > 0 {
        bail!("the database holds {records} audit records: use an empty scratch database");
    }
    let stored: i64 = audit_tree_hashes::table.count().get_result(&mut conn)?;
    let n = args.leaves;
    let root = if stored == 0 {
        fill(&mut conn, n, out)?
    } else if u64::try_from(stored).unwrap_or(0) == tlog::stored_hash_count(n) {
        writeln!(out, "reusing the {stored} stored hashes of {n} leaves")?;
        audit_tree::root_at(&mut conn, n)?
    } else {
        bail!(
            "the database's audit tree holds {stored} hashes, not those of {n} leaves: use an empty scratch database"
        );
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(args.seed);

    // Inclusion: a random leaf of the whole tree, its proof and the root, checked.
    let mut inclusion = Vec::new();
    for _ in 0..args.proofs {
        let index = rng.random_range(0..n);
        let started = Instant::now();
        let (proof, leaf, at) = conn.transaction::<_, anyhow::Error, _>(|c| {
            let leaf = match audit_tree::placement(c, i64::try_from(index + 1)?, n)? {
                audit_tree::Placement::Integrated { leaf, .. } => leaf,
                audit_tree::Placement::Staged => bail!("leaf {index} is not in the tree"),
            };
            Ok((
                audit_tree::inclusion_proof(c, n, index)?,
                leaf,
                audit_tree::root_at(c, n)?,
            ))
        })?;
        inclusion.push(started.elapsed());
        tlog::check_record(&proof, n, at, index, leaf)?;
        if at != root {
            bail!("the root read back differs from the one computed");
        }
    }
    writeln!(
        out,
        "inclusion proof + leaf + root at {n} leaves: {}",
        percentiles(inclusion)
    )?;

    // Consistency: from a random size to the whole tree, with both roots, checked.
    let mut consistency = Vec::new();
    for _ in 0..args.proofs {
        let first = rng.random_range(1..=n);
        let started = Instant::now();
        let (proof, first_root, second_root) = conn.transaction::<_, anyhow::Error, _>(|c| {
            Ok((
                audit_tree::consistency_proof(c, first, n)?,
                audit_tree::root_at(c, first)?,
                audit_tree::root_at(c, n)?,
            ))
        })?;
        consistency.push(started.elapsed());
        tlog::check_tree(&proof, n, second_root, first, first_root)?;
    }
    writeln!(
        out,
        "consistency proof + both roots at {n} leaves: {}",
        percentiles(consistency)
    )?;

    // The statements alone: the hashes an inclusion proof of leaf n / 3 and the root read, by
    // index (one statement each, as `audit_tree` runs them).
    let index = n / 3;
    let recorder = Recorder(RefCell::new(Vec::new()));
    tlog::prove_record(n, index, &recorder)?;
    tlog::tree_hash(n, &recorder)?;
    let mut wanted: Vec<i64> = recorder
        .0
        .into_inner()
        .into_iter()
        .map(|i| i64::try_from(i).unwrap_or(0))
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut alone = Vec::new();
    for _ in 0..args.proofs {
        let started = Instant::now();
        let rows: Vec<(i64, Vec<u8>)> = audit_tree_hashes::table
            .filter(audit_tree_hashes::idx.eq_any(wanted.clone()))
            .select((audit_tree_hashes::idx, audit_tree_hashes::hash))
            .load(&mut conn)?;
        alone.push(started.elapsed());
        if rows.len() != wanted.len() {
            bail!(
                "the statement read {} hashes of {}",
                rows.len(),
                wanted.len()
            );
        }
    }
    writeln!(
        out,
        "the two statements' hashes in one statement ({} hashes by index): {}",
        wanted.len(),
        percentiles(alone)
    )?;
    Ok(())
}
