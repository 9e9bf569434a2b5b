//! `socialcare-bench data`: fills an empty database with realistic, fictional and deterministic
//! benchmark data, and writes a manifest that load tests read.
//!
//! The load runs the migrations, refuses a database that already holds persons or accounts,
//! draws the skeleton of the data once to number the case files, then generates the rows in
//! chunks of persons (a generator thread) while the calling thread writes each chunk with
//! batched statements (`COPY` on PostgreSQL, multi-row `INSERT` on SQLite) inside one
//! transaction: either the whole data set is there, or nothing is. It ends with `ANALYZE`
//! (`VACUUM (ANALYZE)` on PostgreSQL, so that load tests do not meet autovacuum at work).
//!
//! Same seed, same size and same `--today` give the same rows, ids included, on both engines:
//! ids and instants come from the random streams and the reference day, never from the clock.

mod cases;
mod catalog;
mod employment;
mod generator;
mod housing;
mod pacts;
mod plan;
mod projects;
mod rows;
mod staff;
mod text;
mod training;
mod util;
mod waiting;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use chrono::NaiveDate;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde::Serialize;
use socialcare_domain::Area;
use socialcare_domain::case_file::CaseStatus;
use socialcare_persistence::schema::{persons, users};
use socialcare_persistence::{AnyConnection, DbTarget, Engine, migrations};
use uuid::Uuid;

use generator::{Generator, Settings, Stats};
use rows::{Batch, PgWrite};
use staff::{PASSWORD, Staff, area_index};

/// How much data to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    /// 10,000 persons (about 3,000 case files and 50,000 diary entries): seconds.
    Small,
    /// 1,000,000 persons (about 300,000 case files and 5,000,000 diary entries): minutes.
    Large,
}

impl Scale {
    /// Persons of the scale.
    pub fn persons(self) -> usize {
        match self {
            Scale::Small => 10_000,
            Scale::Large => 1_000_000,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Scale::Small => "small",
            Scale::Large => "large",
        }
    }
}

/// Options of `socialcare-bench data`.
#[derive(Debug, Clone, clap::Args)]
pub struct DataArgs {
    /// Database to fill: `sqlite://PATH` or `postgres://…`. It must be empty (no person, no
    /// account); missing migrations are applied first.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
    /// Size of the data set: `small` (10,000 persons) or `large` (1,000,000 persons).
    #[arg(long, value_enum, default_value = "small")]
    pub scale: Scale,
    /// A custom number of persons instead of the scale's (everything else scales with it).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=5_000_000))]
    pub persons: Option<u64>,
    /// Seed of the random streams: the same seed gives the same rows.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The reference day: the history of the office ends on it. Fixed by default so that the
    /// data does not depend on the day it is generated.
    #[arg(long, default_value = "2026-11-01")]
    pub today: NaiveDate,
    /// Writes a JSON manifest (credentials, usernames, ids, name fragments) for load tests.
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// How rows reach PostgreSQL (ignored on SQLite).
    #[arg(long, value_enum, default_value = "copy")]
    pub pg_write: PgWrite,
    /// Persons generated per chunk (bounds memory; rows of a chunk are written together).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(100..=1_000_000))]
    pub chunk_persons: u64,
}

impl DataArgs {
    fn persons(&self) -> usize {
        self.persons.map_or(self.scale.persons(), |p| {
            usize::try_from(p).unwrap_or(usize::MAX)
        })
    }
}

/// The manifest a load-test script reads (format `socialcare-bench-data/1`).
#[derive(Debug, Serialize)]
pub struct Manifest {
    /// Format identifier.
    pub format: &'static str,
    /// Engine loaded: `sqlite` or `postgresql`.
    pub engine: &'static str,
    /// Seed used.
    pub seed: u64,
    /// Scale name, or `custom` with `--persons`.
    pub scale: String,
    /// Persons generated.
    pub persons: usize,
    /// The reference day of the data.
    pub today: NaiveDate,
    /// The password of every account.
    pub password: &'static str,
    /// Usernames by role.
    pub users: ManifestUsers,
    /// The case manager whose caseload the load test uses.
    pub case_manager: ManifestCaseManager,
    /// Up to 50 case files (not closed) that the case manager currently manages.
    pub case_file_ids: Vec<Uuid>,
    /// An active case file of the case manager, for diary writes.
    pub diary_case_file_id: Option<Uuid>,
    /// The care resource whose ranking the load test reads (home care).
    pub ranking_resource_id: Option<Uuid>,
    /// Its waiting applications.
    pub ranking_waiting: u64,
    /// Fragments for the person search.
    pub person_name_fragments: ManifestFragments,
    /// Rows written per table.
    pub rows: BTreeMap<&'static str, u64>,
}

/// Usernames of the manifest.
#[derive(Debug, Serialize)]
pub struct ManifestUsers {
    /// A social worker with a full caseload.
    pub case_manager: String,
    /// The office manager.
    pub office_manager: String,
    /// A coordinator of the case manager's area.
    pub coordinator: String,
    /// An educator of the case manager's area.
    pub educator: String,
    /// An administrative clerk.
    pub administrative: String,
    /// The privacy officer.
    pub privacy_officer: String,
    /// The system administrator.
    pub system_admin: String,
}

/// The case manager of the manifest.
#[derive(Debug, Serialize)]
pub struct ManifestCaseManager {
    /// Username.
    pub username: String,
    /// User id.
    pub id: Uuid,
    /// Area code.
    pub area: &'static str,
    /// Files currently assigned (any status): what `/me/caseload` lists.
    pub current_files: usize,
    /// Of which not closed.
    pub open_files: usize,
}

/// Name fragments of the manifest.
#[derive(Debug, Serialize)]
pub struct ManifestFragments {
    /// Prefixes of name words that many persons share (3–4 letters), most common first.
    pub many: Vec<Fragment>,
    /// A name word that very few persons have.
    pub few: Option<Fragment>,
}

/// A search fragment and how many persons (annulled records included) have a name word
/// starting with it.
#[derive(Debug, Serialize)]
pub struct Fragment {
    /// The fragment, folded (lower case, no accents).
    pub fragment: String,
    /// Persons matching.
    pub persons: u32,
}

/// What the generator thread hands back.
struct Report {
    stats: Stats,
    staff: Staff,
    /// The resource whose ranking the load test reads, and its waiting applications.
    ranking: (Option<Uuid>, u64),
}

/// Runs `socialcare-bench data`, writing the summary to `out`.
pub fn run(args: &DataArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let started = Instant::now();
    let persons = args.persons();
    let target = DbTarget::parse(&args.database_url)?;
    if let DbTarget::Sqlite(path) = &target {
        ensure_parent(path)?;
    }
    let engine = target.engine();
    let mut conn = target.connect().with_context(|| {
        format!(
            "cannot connect to {}",
            socialcare_persistence::db::redact_url(&args.database_url)
        )
    })?;
    let applied = migrations::run_pending_on(&mut conn)?;
    refuse_non_empty(&mut conn)?;
    let migrated = started.elapsed();
    let foreign_keys = tune(&mut conn)?;

    let settings = Settings {
        seed: args.seed,
        persons,
        today: args.today,
        chunk_persons: usize::try_from(args.chunk_persons).unwrap_or(10_000),
    };
    let start_day = util::add(args.today, -generator::HISTORY_DAYS);
    let numbering = plan::number_files(args.seed, persons, start_day, args.today);
    let counters = numbering.per_year.clone();
    let (sender, receiver) = sync_channel::<Batch>(2);
    let generator_settings = settings.clone();
    let handle = std::thread::Builder::new()
        .name("generator".into())
        .spawn(move || -> anyhow::Result<Report> {
            let mut generator = Generator::new(&generator_settings, numbering)?;
            let staff_batch = std::mem::take(&mut generator.batch);
            if sender.send(staff_batch).is_err() {
                bail!("the writer stopped");
            }
            while !generator.done() {
                let batch = generator.chunk(generator_settings.chunk_persons)?;
                if sender.send(batch).is_err() {
                    bail!("the writer stopped");
                }
            }
            let batch = generator.counters();
            if sender.send(batch).is_err() {
                bail!("the writer stopped");
            }
            Ok(Report {
                ranking: (
                    generator.waiting.ranking_resource(),
                    generator.waiting.home_care_waiting,
                ),
                stats: generator.stats,
                staff: generator.staff,
            })
        })
        .context("cannot start the generator thread")?;
    let mut handle = Some(handle);
    let mut counts: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut spent: BTreeMap<&'static str, std::time::Duration> = BTreeMap::new();
    let mut verified: Option<(usize, std::time::Duration)> = None;
    let loading = Instant::now();
    let mut stderr = std::io::stderr();
    let outcome = conn.transaction::<Report, anyhow::Error, _>(|c| {
        let mut made = 0usize;
        let mut last_report = Instant::now();
        for batch in receiver {
            batch
                .write(c, args.pg_write, &mut spent)
                .context("writing a chunk")?;
            made += batch.persons.len();
            batch.count_into(&mut counts);
            if last_report.elapsed().as_secs() >= 10 {
                last_report = Instant::now();
                let rows: u64 = counts.values().sum();
                let _ = writeln!(
                    stderr,
                    "… {made}/{persons} persons, {rows} rows, {:.0} s",
                    loading.elapsed().as_secs_f64()
                );
            }
        }
        let report = handle
            .take()
            .context("generator already joined")?
            .join()
            .map_err(|_| anyhow!("the generator thread panicked"))??;
        let written: u32 = counts
            .get("case_reference_counters")
            .copied()
            .unwrap_or(0)
            .try_into()
            .unwrap_or(u32::MAX);
        if usize::try_from(written).unwrap_or(0) != counters.len() {
            bail!("the case reference counters were not all written");
        }
        if foreign_keys == ForeignKeys::VerifiedAtEnd {
            let verifying = Instant::now();
            let keys = verify_foreign_keys(c)?;
            verified = Some((keys, verifying.elapsed()));
            // The triggers that keep the agenda's index were off too: it is built once, from
            // what was loaded.
            socialcare_persistence::agenda::rebuild_entries(c)?;
        }
        Ok(report)
    });
    if foreign_keys == ForeignKeys::VerifiedAtEnd {
        conn.batch_execute("RESET session_replication_role")?;
    }
    let report = match outcome {
        Ok(report) => report,
        Err(error) => {
            if let Some(handle) = handle.take() {
                let _ = handle.join();
            }
            return Err(error.context(
                "the load failed and was rolled back: the database holds no generated data",
            ));
        }
    };
    let loaded = loading.elapsed();
    let analysing = Instant::now();
    analyse(&mut conn)?;
    let analysed = analysing.elapsed();

    let mut summary = String::new();
    summary.push_str(&format!(
        "benchmark data loaded into {} ({}): seed {}, {persons} persons, reference day {}\n",
        engine.as_str(),
        socialcare_persistence::db::redact_url(&args.database_url),
        args.seed,
        args.today
    ));
    if !applied.is_empty() {
        summary.push_str(&format!("migrations applied: {}\n", applied.len()));
    }
    summary.push_str("rows per table (and seconds spent writing them):\n");
    for table in Batch::TABLES {
        let n = counts.get(table).copied().unwrap_or(0);
        let seconds = spent.get(table).map_or(0.0, |d| d.as_secs_f64());
        summary.push_str(&format!("  {table:<28} {n:>10} {seconds:>8.2}\n"));
    }
    let total: u64 = counts.values().sum();
    summary.push_str(&format!("  {:<28} {total:>10}\n", "total"));
    summary.push_str(&match verified {
        Some((keys, took)) => format!(
            "foreign keys: checked once at the end ({keys} constraints, {:.1} s) instead of row by row\n",
            took.as_secs_f64()
        ),
        None => "foreign keys: checked row by row by the database\n".to_owned(),
    });
    summary.push_str(&format!(
        "tax codes: {} personal ({} with omocodia), {} provisional, {} left out after every variant collided\n",
        report.stats.personal_codes,
        report.stats.omocodic_codes,
        report.stats.provisional_codes,
        report.stats.code_collisions_skipped
    ));
    summary.push_str(&format!(
        "seconds: migrations {:.1}, load {:.1} ({:.0} rows/s), {} {:.1}, total {:.1}\n",
        migrated.as_secs_f64(),
        loaded.as_secs_f64(),
        total as f64 / loaded.as_secs_f64().max(0.001),
        if engine == Engine::Postgres {
            "vacuum analyze"
        } else {
            "analyze"
        },
        analysed.as_secs_f64(),
        started.elapsed().as_secs_f64()
    ));
    if let Some(path) = &args.manifest {
        let manifest = manifest(args, engine, persons, &report, counts)?;
        let text = serde_json::to_string_pretty(&manifest)?;
        std::fs::write(path, text + "\n")
            .with_context(|| format!("cannot write the manifest {}", path.display()))?;
        summary.push_str(&format!(
            "manifest: {} (case manager {} with {} files)\n",
            path.display(),
            manifest.users.case_manager,
            manifest.case_manager.current_files
        ));
    }
    out.write_all(summary.as_bytes())?;
    out.flush()?;
    Ok(())
}

fn ensure_parent(path: &Path) -> anyhow::Result<()> {
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    Ok(())
}

/// Refuses a database that already holds persons or staff accounts.
fn refuse_non_empty(conn: &mut AnyConnection) -> anyhow::Result<()> {
    let persons: i64 = persons::table.count().get_result(conn)?;
    if persons > 0 {
        bail!(
            "the database already holds {persons} persons: benchmark data goes only into an empty \
             database (create a new one, or delete the SQLite file)"
        );
    }
    let accounts: i64 = users::table.count().get_result(conn)?;
    if accounts > 0 {
        bail!(
            "the database already holds {accounts} staff accounts (was the server started on it?): \
             benchmark data goes only into an empty database (create a new one, or delete the \
             SQLite file)"
        );
    }
    Ok(())
}

/// How foreign keys are checked during the load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ForeignKeys {
    /// Row by row by the database (SQLite; PostgreSQL without the privilege to defer).
    PerRow,
    /// PostgreSQL: the per-row triggers are off for the load connection
    /// (`session_replication_role = replica`, which needs a superuser), every foreign key
    /// is verified with one query per constraint before the commit, and the agenda's index
    /// (kept by triggers) is built once at the end.
    VerifiedAtEnd,
}

/// Settings of the load connection: no waiting for the disk at each commit and, on
/// PostgreSQL when allowed, foreign keys checked once at the end instead of row by row (the
/// per-row triggers take about two thirds of the load time).
fn tune(conn: &mut AnyConnection) -> anyhow::Result<ForeignKeys> {
    match conn {
        AnyConnection::Sqlite(c) => {
            c.batch_execute(
                "PRAGMA synchronous = OFF;
                 PRAGMA cache_size = -262144;
                 PRAGMA temp_store = MEMORY;",
            )?;
            Ok(ForeignKeys::PerRow)
        }
        AnyConnection::Postgresql(c) => {
            c.batch_execute(
                "SET synchronous_commit = off;
                 SET maintenance_work_mem = '256MB';",
            )?;
            Ok(
                match c.batch_execute("SET session_replication_role = replica") {
                    Ok(()) => ForeignKeys::VerifiedAtEnd,
                    Err(_) => ForeignKeys::PerRow,
                },
            )
        }
    }
}

/// One foreign key of the schema, its columns in order (comma-separated).
#[derive(Debug, QueryableByName)]
struct ForeignKey {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    child: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    child_columns: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    parent: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    parent_columns: String,
}

/// Rows counted by a verification query.
#[derive(Debug, QueryableByName)]
struct Violations {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Checks every foreign key of the schema on PostgreSQL with an anti-join: fails (and the load
/// rolls back) on the first constraint that a row breaks.
fn verify_foreign_keys(conn: &mut AnyConnection) -> anyhow::Result<usize> {
    let AnyConnection::Postgresql(c) = conn else {
        return Ok(0);
    };
    let keys: Vec<ForeignKey> = diesel::sql_query(
        "SELECT c.conname::text AS name, c.conrelid::regclass::text AS child,
                c.confrelid::regclass::text AS parent,
                string_agg(a.attname::text, ',' ORDER BY k.i) AS child_columns,
                string_agg(af.attname::text, ',' ORDER BY k.i) AS parent_columns
         FROM pg_constraint c
         CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(ck, fk, i)
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.ck
         JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = k.fk
         WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace
         GROUP BY c.conname, c.conrelid, c.confrelid
         ORDER BY 1",
    )
    .load(c)?;
    for key in &keys {
        let pairs: Vec<(&str, &str)> = key
            .child_columns
            .split(',')
            .zip(key.parent_columns.split(','))
            .collect();
        let present: Vec<String> = pairs
            .iter()
            .map(|(child, _)| format!("t.{child} IS NOT NULL"))
            .collect();
        let matched: Vec<String> = pairs
            .iter()
            .map(|(child, parent)| format!("p.{parent} = t.{child}"))
            .collect();
        let query = format!(
            "SELECT count(*) AS n FROM {child} t WHERE {present} \
             AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE {matched})",
            child = key.child,
            parent = key.parent,
            present = present.join(" AND "),
            matched = matched.join(" AND "),
        );
        let found: Violations = diesel::sql_query(query).get_result(c)?;
        if found.n > 0 {
            bail!(
                "{} rows of {} break the foreign key {}",
                found.n,
                key.child,
                key.name
            );
        }
    }
    Ok(keys.len())
}

/// Statistics for the planner after the load.
fn analyse(conn: &mut AnyConnection) -> anyhow::Result<()> {
    match conn {
        AnyConnection::Sqlite(c) => c.batch_execute(
            "ANALYZE;
             PRAGMA wal_checkpoint(TRUNCATE);",
        )?,
        AnyConnection::Postgresql(c) => c.batch_execute("VACUUM (ANALYZE);")?,
    }
    Ok(())
}

/// Chooses what the load test needs from what was generated.
fn manifest(
    args: &DataArgs,
    engine: Engine,
    persons: usize,
    report: &Report,
    rows: BTreeMap<&'static str, u64>,
) -> anyhow::Result<Manifest> {
    let staff = &report.staff;
    let open =
        |files: &[(Uuid, CaseStatus)]| files.iter().filter(|f| f.1 != CaseStatus::Closed).count();
    let mut managers: Vec<(&Uuid, &Vec<(Uuid, CaseStatus)>)> =
        report.stats.caseloads.iter().collect();
    managers.sort_by(|a, b| {
        open(b.1)
            .cmp(&open(a.1))
            .then_with(|| staff.usernames.get(a.0).cmp(&staff.usernames.get(b.0)))
    });
    let (&manager, files) = managers
        .first()
        .copied()
        .context("no case file was generated")?;
    let area = Area::ALL
        .into_iter()
        .find(|a| staff.social_workers[area_index(*a)].contains(&manager))
        .context("the case manager has no area")?;
    let mut open_files: Vec<(Uuid, CaseStatus)> = files
        .iter()
        .copied()
        .filter(|f| f.1 != CaseStatus::Closed)
        .collect();
    open_files.sort();
    let step = (open_files.len() / 50).max(1);
    let case_file_ids: Vec<Uuid> = open_files
        .iter()
        .step_by(step)
        .take(50)
        .map(|f| f.0)
        .collect();
    let diary_case_file_id = open_files
        .iter()
        .filter(|f| f.1 == CaseStatus::Active)
        .find(|f| !case_file_ids.contains(&f.0))
        .or_else(|| open_files.iter().find(|f| f.1 == CaseStatus::Active))
        .map(|f| f.0);
    let i = area_index(area);
    let first = |ids: &[Uuid]| -> anyhow::Result<String> {
        let id = ids.first().context("no account of this role")?;
        Ok(staff.username(*id)?.to_owned())
    };
    let users = ManifestUsers {
        case_manager: staff.username(manager)?.to_owned(),
        office_manager: staff.username(staff.office_manager)?.to_owned(),
        coordinator: first(&staff.coordinators[i])?,
        educator: first(&staff.educators[i])?,
        administrative: first(&staff.administrative)?,
        privacy_officer: staff.username(staff.privacy_officer)?.to_owned(),
        system_admin: staff.username(staff.system_admin)?.to_owned(),
    };
    Ok(Manifest {
        format: "socialcare-bench-data/1",
        engine: engine.as_str(),
        seed: args.seed,
        scale: if args.persons.is_some() {
            "custom".into()
        } else {
            args.scale.as_str().into()
        },
        persons,
        today: args.today,
        password: PASSWORD,
        case_manager: ManifestCaseManager {
            username: users.case_manager.clone(),
            id: manager,
            area: area.as_str(),
            current_files: files.len(),
            open_files: open_files.len(),
        },
        users,
        case_file_ids,
        diary_case_file_id,
        ranking_resource_id: report.ranking.0,
        ranking_waiting: report.ranking.1,
        person_name_fragments: fragments(&report.stats),
        rows,
    })
}

/// The fragments of the manifest: the most common 4- and 3-letter prefixes, and one whole
/// name word that only a handful of persons have (and that begins no other word).
fn fragments(stats: &Stats) -> ManifestFragments {
    let mut common: Vec<(&String, &u32)> = stats
        .prefixes
        .iter()
        .filter(|(p, _)| p.chars().all(|c| c.is_ascii_lowercase()))
        .collect();
    common.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let mut many: Vec<Fragment> = common
        .iter()
        .filter(|(p, _)| p.chars().count() == 4)
        .take(3)
        .map(|(p, n)| Fragment {
            fragment: (*p).clone(),
            persons: **n,
        })
        .collect();
    if let Some((p, n)) = common.iter().find(|(p, _)| {
        p.chars().count() == 3 && !many.iter().any(|m| m.fragment.starts_with(p.as_str()))
    }) {
        many.push(Fragment {
            fragment: (*p).clone(),
            persons: **n,
        });
    }
    let mut tokens: Vec<&String> = stats.tokens.keys().collect();
    tokens.sort();
    let few = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| t.len() >= 6 && t.chars().all(|c| c.is_ascii_lowercase()))
        .filter(|(i, t)| {
            tokens
                .get(i + 1)
                .is_none_or(|next| !next.starts_with(t.as_str()))
        })
        .filter_map(|(_, t)| stats.tokens.get(*t).map(|n| (t, *n)))
        .filter(|(_, n)| (1..=3).contains(n))
        .min_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(b.0)))
        .map(|(t, n)| Fragment {
            fragment: (*t).clone(),
            persons: n,
        });
    ManifestFragments { many, few }
}
