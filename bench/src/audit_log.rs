//! Two measurements of the verifiable audit log (issue 20's targets):
//!
//! - `audit-records`: fills a scratch database with N real, chained audit records (what the
//!   server writes for case-file and person reads and diary writes, each naming one person), the
//!   Merkle tree's stored hashes over them, the chain and tree heads, and a signed checkpoint;
//!   writes the checkpoint and the verifier key to a directory, so that
//!   `socialcare audit verify --checkpoint` can be timed over the whole log (target: 10 000 000
//!   records in under 60 s, in constant memory).
//! - `merge-delay`: samples, while a load runs against a server, how many audit records wait
//!   for the sequencer and how old the oldest of them is (target: never older than 1 s).

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, TimeZone, Utc};
use diesel::prelude::*;
use rand::{Rng, SeedableRng};
use socialcare_api::audit_log::{LogKey, generate_key};
use socialcare_persistence::audit::{AuditRow, GENESIS_HASH, compute_hash};
use socialcare_persistence::audit_tree::{self, InMemoryHashes};
use socialcare_persistence::schema::{
    audit_chain_head, audit_record_persons, audit_records, audit_tree_head,
};
use socialcare_persistence::sql_types::{DbInstant, DbUuid};
use socialcare_persistence::{AnyConnection, DbTarget, migrations};
use tlog_tiles::tlog;
use uuid::Uuid;

/// The origin of the benchmark's log.
const ORIGIN: &str = "socialcare.bench/audit";
/// Records written per transaction.
const PER_TRANSACTION: usize = 20_000;
/// Rows per multi-row INSERT (17 columns: well under SQLite's 32 766 bound parameters).
const PER_STATEMENT: usize = 500;

/// Arguments of `audit-records`.
#[derive(Debug, clap::Args)]
pub struct AuditRecordsArgs {
    /// A scratch database (SQLite file or PostgreSQL database) without audit records: it is
    /// migrated, then filled with synthetic records, so that no server should run on it.
    #[arg(long)]
    database_url: String,
    /// How many records to write.
    #[arg(long, default_value_t = 10_000_000)]
    records: u64,
    /// Where the signed checkpoint (`checkpoint`) and the verifier key (`verifier.key`) go.
    #[arg(long)]
    out: PathBuf,
    /// The seed of the synthetic records' content (their ids are UUIDv7 of the run's time).
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// The synthetic record number `seq` (not yet chained) and the one person it names.
fn record(rng: &mut rand::rngs::StdRng, seq: i64, start: DateTime<Utc>) -> (AuditRow, Uuid) {
    const ACTIONS: [(&str, &str); 4] = [
        ("case_file.read", "case_file"),
        ("person.read", "person"),
        ("case_file.diary_entry.create", "case_file"),
        ("agenda.read", "user"),
    ];
    let (action, resource_type) = ACTIONS[rng.random_range(0..ACTIONS.len())];
    let actor = rng.random_range(0..200_u32);
    let person = Uuid::from_u128(
        0x5c00_0000_0000_4000_8000_0000_0000_0000 | u128::from(rng.random_range(0..100_000_u32)),
    );
    let row = AuditRow {
        id: DbUuid(Uuid::now_v7()),
        occurred_at: DbInstant(start + chrono::Duration::milliseconds(seq * 250)),
        actor_id: Some(DbUuid(Uuid::from_u128(u128::from(actor) + 1))),
        actor_username: Some(format!("operatore.{actor}")),
        actor_roles: "social_worker".into(),
        action: action.into(),
        resource_type: resource_type.into(),
        resource_id: Some(if resource_type == "person" {
            person.to_string()
        } else {
            Uuid::from_u128(rng.random()).to_string()
        }),
        outcome: "success".into(),
        request_id: Some(Uuid::from_u128(rng.random()).to_string()),
        client_addr: Some(format!("10.1.{}.{}", actor / 250, actor % 250)),
        details: (action == "agenda.read").then(|| r#"{"from":"2026-01-01","days":30}"#.into()),
        seq,
        purpose: rng
            .random_bool(0.1)
            .then(|| "verifica del progetto individuale".into()),
        break_glass: false,
        prev_hash: String::new(),
        hash: String::new(),
    };
    (row, person)
}

fn insert(conn: &mut AnyConnection, rows: &[AuditRow], persons: &[Uuid]) -> anyhow::Result<()> {
    for (chunk, people) in rows
        .chunks(PER_STATEMENT)
        .zip(persons.chunks(PER_STATEMENT))
    {
        let links: Vec<_> = chunk
            .iter()
            .zip(people)
            .map(|(row, person)| {
                (
                    audit_record_persons::audit_record_id.eq(row.id),
                    audit_record_persons::person_id.eq(DbUuid(*person)),
                )
            })
            .collect();
        // One multi-row INSERT per chunk; the multi-backend connection has no batch insert.
        match conn {
            AnyConnection::Postgresql(c) => {
                diesel::insert_into(audit_records::table)
                    .values(chunk)
                    .execute(c)?;
                diesel::insert_into(audit_record_persons::table)
                    .values(&links)
                    .execute(c)?;
            }
            AnyConnection::Sqlite(c) => {
                diesel::insert_into(audit_records::table)
                    .values(chunk)
                    .execute(c)?;
                diesel::insert_into(audit_record_persons::table)
                    .values(&links)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

/// Runs `audit-records`.
pub fn records(args: &AuditRecordsArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let target = DbTarget::parse(&args.database_url)?;
    let mut conn = target.connect().context("cannot connect to the database")?;
    migrations::run_pending_on(&mut conn)?;
    let existing: i64 = audit_records::table.count().get_result(&mut conn)?;
    if existing > 0 {
        bail!("the database holds {existing} audit records: use an empty scratch database");
    }
    let key = LogKey::parse(&generate_key(ORIGIN)?, ORIGIN)?;
    std::fs::create_dir_all(&args.out)?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(args.seed);
    let start = Utc
        .with_ymd_and_hms(2026, 1, 1, 7, 0, 0)
        .single()
        .context("start instant")?;
    let memory = InMemoryHashes::default();
    let mut stored = 0_u64;
    let mut prev = GENESIS_HASH.to_owned();
    let mut seq = 0_i64;
    let started = Instant::now();
    let total = i64::try_from(args.records)?;
    while seq < total {
        let n = usize::try_from((total - seq).min(PER_TRANSACTION as i64))?;
        let mut rows = Vec::with_capacity(n);
        let mut persons = Vec::with_capacity(n);
        for _ in 0..n {
            seq += 1;
            let (mut row, person) = record(&mut rng, seq, start);
            row.prev_hash = prev;
            row.hash = compute_hash(&row, &[person]);
            prev = row.hash.clone();
            memory.append(audit_tree::leaf_hash(&row, &[person]))?;
            rows.push(row);
            persons.push(person);
        }
        let fresh = memory.since(stored);
        conn.transaction::<_, anyhow::Error, _>(|c| {
            insert(c, &rows, &persons)?;
            audit_tree::store_hashes(c, stored, &fresh)?;
            Ok(())
        })?;
        stored = memory.len();
        if seq % 1_000_000 == 0 {
            writeln!(
                out,
                "… {seq} records, {:.0} s",
                started.elapsed().as_secs_f64()
            )?;
        }
    }
    let size = args.records;
    let root = tlog::tree_hash(size, &memory)?;
    let checkpoint = key.sign(size, &root).map_err(anyhow::Error::msg)?;
    conn.transaction::<_, anyhow::Error, _>(|c| {
        diesel::update(audit_chain_head::table.find(1))
            .set((
                audit_chain_head::last_seq.eq(seq),
                audit_chain_head::last_hash.eq(&prev),
            ))
            .execute(c)?;
        diesel::update(audit_tree_head::table.find(1))
            .set((
                audit_tree_head::size.eq(seq),
                audit_tree_head::root_hash.eq(root.0.as_slice()),
                audit_tree_head::last_record_hash.eq(&prev),
                audit_tree_head::checkpoint.eq(&checkpoint),
                audit_tree_head::updated_at.eq(DbInstant(Utc::now())),
            ))
            .execute(c)?;
        Ok(())
    })?;
    // PostgreSQL plans from statistics that autovacuum gathers after a bulk load; where it is
    // off (the CI server) the planner would guess, and the verification's `= ANY` of each batch
    // became a parallel bitmap scan with JIT (90 ms a batch instead of 1.5 ms).
    if let AnyConnection::Postgresql(c) = &mut conn {
        use diesel::connection::SimpleConnection;
        c.batch_execute("ANALYZE audit_records, audit_record_persons, audit_tree_hashes")?;
    }
    std::fs::write(args.out.join("checkpoint"), &checkpoint)?;
    std::fs::write(args.out.join("verifier.key"), key.verifier_key())?;
    writeln!(
        out,
        "written: {size} records, {stored} stored hashes in {:.1} s; checkpoint and verifier key in {}",
        started.elapsed().as_secs_f64(),
        args.out.display()
    )?;
    Ok(())
}

/// Arguments of `merge-delay`.
#[derive(Debug, clap::Args)]
pub struct MergeDelayArgs {
    /// The database a server (or several) writes to while the load runs.
    #[arg(long)]
    database_url: String,
    /// How long to sample.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Time between two samples.
    #[arg(long, default_value_t = 100)]
    interval_ms: u64,
    /// The merge delay the samples are compared with.
    #[arg(long, default_value_t = 1000)]
    merge_delay_ms: u64,
}

fn at(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i]
}

/// Runs `merge-delay`: one line with what the samples saw.
pub fn merge_delay(args: &MergeDelayArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let target = DbTarget::parse(&args.database_url)?;
    let mut conn = target.connect().context("cannot connect to the database")?;
    let first = audit_tree::backlog(&mut conn)?;
    let deadline = Instant::now() + Duration::from_secs_f64(args.seconds);
    let mut ages = Vec::new();
    let mut lower = Vec::new();
    let mut reads = Vec::new();
    let mut waiting = Vec::new();
    let mut last = first;
    let age_at = |at: DateTime<Utc>, oldest: Option<DateTime<Utc>>| {
        oldest.map_or(0.0, |oldest| {
            ((at - oldest).num_microseconds().unwrap_or(0) as f64 / 1000.0).max(0.0)
        })
    };
    while Instant::now() < deadline {
        // The database reads the backlog at some moment between these two instants: the age
        // from the first is a lower bound, from the second an upper bound (the figure kept).
        let before = Utc::now();
        let backlog = conn.transaction(audit_tree::backlog)?;
        let after = Utc::now();
        ages.push(age_at(after, backlog.oldest));
        lower.push(age_at(before, backlog.oldest));
        reads.push((after - before).num_microseconds().unwrap_or(0) as f64 / 1000.0);
        waiting.push(backlog.records as f64);
        last = backlog;
        std::thread::sleep(Duration::from_millis(args.interval_ms));
    }
    let over = ages
        .iter()
        .filter(|a| **a > args.merge_delay_ms as f64)
        .count();
    ages.sort_by(f64::total_cmp);
    lower.sort_by(f64::total_cmp);
    reads.sort_by(f64::total_cmp);
    waiting.sort_by(f64::total_cmp);
    let grown = last.size - first.size;
    writeln!(
        out,
        "merge delay: {} samples in {:.0} s; the tree grew by {grown} records ({:.0}/s); records waiting p50 {:.0}, max {:.0}; age of the oldest waiting record p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms (max {:.0} ms counted from before the read, which took up to {:.0} ms); {over} samples over {} ms",
        ages.len(),
        args.seconds,
        grown as f64 / args.seconds,
        at(&waiting, 0.5),
        at(&waiting, 1.0),
        at(&ages, 0.5),
        at(&ages, 0.99),
        at(&ages, 1.0),
        at(&lower, 1.0),
        at(&reads, 1.0),
        args.merge_delay_ms,
    )?;
    Ok(())
}
