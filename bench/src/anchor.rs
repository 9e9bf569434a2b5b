//! The database's own limit for a load scenario (`socialcare-bench anchor`).
//!
//! Each iteration does what the server does for one request of the scenario, minus HTTP, JSON
//! and the token check: the caller's account is loaded on a pooled connection (as the
//! `Authorization` extractor does), then, in ONE transaction opened exactly as the handler opens
//! it ([`Database::write`]: on SQLite the single writer connection and `BEGIN IMMEDIATE`), the
//! same persistence functions in the same order — the access facts, the reads or the insert, and
//! [`audit::append`] with a record shaped like the handler's. The statements are therefore the
//! ones the endpoint executes, through the same diesel driver, on either engine.
//!
//! The handlers mirrored (keep in step when they change):
//! - `case-file`: `api/src/routes/case_files.rs`, `get_case_file` (guard + `render`);
//! - `person-search`: `api/src/routes/persons.rs`, `search_persons` (+ `directory_entries` for
//!   the persons the caller may not read);
//! - `diary-entry`: `api/src/routes/diary.rs`, `create_diary_entry` (+ `audit_entry`).

use socialcare_domain::calendar;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use chrono::Utc;
use rand::Rng;
use serde::Deserialize;
use socialcare_domain::access::{Action, Decision, Resource, Subject, decide, permits};
use socialcare_domain::case_file::{DiaryEntryKind, DiaryText};
use socialcare_domain::{StaffUser, Username, names};
use socialcare_persistence::audit::{self, NewAuditRecord, Outcome};
use socialcare_persistence::case_files;
use socialcare_persistence::diary::{self, NewDiaryEntry};
use socialcare_persistence::persons::{self, PersonQuery};
use socialcare_persistence::{AnyConnection, Database, PoolOptions, access, users};
use uuid::Uuid;

/// Arguments of `socialcare-bench anchor`.
#[derive(Debug, clap::Args)]
pub struct AnchorArgs {
    /// The prepared database (`sqlite://PATH` or `postgres://…`), as for the server.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: String,
    /// The manifest written by `socialcare-bench data` (users, case-file ids, name fragments).
    #[arg(long)]
    manifest: PathBuf,
    /// Which endpoint's statements to run.
    #[arg(long, value_enum)]
    scenario: Scenario,
    /// Concurrent clients (threads), like wrk's connections and pgbench's `-c`.
    #[arg(long, default_value_t = 1)]
    connections: usize,
    /// Measured time, e.g. `10s`, `500ms`, `1m`.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    duration: Duration,
    /// Time run before measuring (caches, prepared statements), e.g. `2s`.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    warmup: Duration,
    /// Pooled connections (default: one per client, as pgbench opens). On SQLite the
    /// transactions run on the single writer connection anyway; the pool serves the account
    /// lookups.
    #[arg(long)]
    pool_size: Option<u32>,
    /// Whether read transactions commit asynchronously on PostgreSQL, as the server's
    /// `SOCIALCARE_AUDIT_READ_COMMIT` (default asynchronous, like the server).
    #[arg(long, env = "SOCIALCARE_AUDIT_READ_COMMIT", value_enum, default_value_t = ReadCommit::Asynchronous)]
    audit_read_commit: ReadCommit,
    /// The acting staff user (default: the manifest's case manager).
    #[arg(long)]
    user: Option<String>,
    /// Print, instead of running, the variables of the pgbench scripts (bench/pgbench/) for this
    /// scenario as JSON: what the server's code reads and looks up for each case file or name
    /// fragment of the manifest, computed in a transaction that is rolled back.
    #[arg(long)]
    plan: bool,
}

/// The scenarios with an anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// `GET /case-files/{id}` over the manifest's case files.
    CaseFile,
    /// `GET /persons?q=` over the manifest's name fragments.
    PersonSearch,
    /// `POST /case-files/{id}/diary-entries` on the manifest's diary case file.
    DiaryEntry,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::CaseFile => "case-file",
            Scenario::PersonSearch => "person-search",
            Scenario::DiaryEntry => "diary-entry",
        }
    }
}

/// `SOCIALCARE_AUDIT_READ_COMMIT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReadCommit {
    /// Reads commit without waiting for the WAL flush (the server's default).
    Asynchronous,
    /// Every commit waits for the flush.
    Synchronous,
}

/// What the anchor needs from the manifest of `socialcare-bench data` (format
/// `socialcare-bench-data/1`); other fields are ignored.
#[derive(Debug, Deserialize)]
pub struct Manifest {
    /// The generated staff accounts.
    pub users: ManifestUsers,
    /// Case files of the case manager, for reads.
    pub case_file_ids: Vec<Uuid>,
    /// The case file the diary writes go to.
    pub diary_case_file_id: Option<Uuid>,
    /// Name fragments to search for.
    pub person_name_fragments: NameFragments,
}

/// Usernames in the manifest.
#[derive(Debug, Deserialize)]
pub struct ManifestUsers {
    /// A social worker with a full caseload.
    pub case_manager: String,
}

/// Name fragments in the manifest.
#[derive(Debug, Deserialize)]
pub struct NameFragments {
    /// Fragments that match many persons.
    pub many: Vec<Fragment>,
    /// A fragment that matches few persons.
    pub few: Option<Fragment>,
}

/// One name fragment.
#[derive(Debug, Deserialize)]
pub struct Fragment {
    /// The text searched for.
    pub fragment: String,
}

/// Parses `10s`, `500ms`, `2m` or a bare number of seconds.
fn parse_duration(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let (number, unit) = raw
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((raw, "s"), |at| raw.split_at(at));
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{raw}` is not a duration such as 10s, 500ms or 1m"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        _ => return Err(format!("`{raw}`: use the unit ms, s or m")),
    };
    Ok(Duration::from_secs_f64(seconds))
}

/// What every iteration of a scenario uses, read once at start.
struct Shared {
    scenario: Scenario,
    user_id: Uuid,
    case_files: Vec<Uuid>,
    diary_case_file: Uuid,
    fragments: Vec<String>,
}

/// Runs the anchor and prints one JSON line with the figures on stdout.
pub fn run(args: &AnchorArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.manifest)
        .with_context(|| format!("cannot read the manifest {}", args.manifest.display()))?;
    let manifest: Manifest = serde_json::from_str(&text)
        .with_context(|| format!("the manifest {} is not usable", args.manifest.display()))?;
    if args.connections == 0 {
        bail!("--connections must be at least 1");
    }
    let pool_size = args
        .pool_size
        .unwrap_or_else(|| u32::try_from(args.connections).unwrap_or(u32::MAX));
    let db = Database::connect(
        &args.database_url,
        &PoolOptions {
            max_size: pool_size,
            acquire_timeout: Duration::from_secs(30),
        },
    )?;
    audit::set_asynchronous_read_commits(args.audit_read_commit == ReadCommit::Asynchronous);

    let username = args
        .user
        .clone()
        .unwrap_or_else(|| manifest.users.case_manager.clone());
    let parsed = Username::parse(&username).map_err(|e| anyhow!("username {username}: {e}"))?;
    let user_id = {
        let mut conn = db.conn()?;
        users::find_credentials(&mut conn, &parsed)?
            .map(|(user, _)| user.id)
            .ok_or_else(|| anyhow!("no staff account `{username}` in the database"))?
    };
    let fragments: Vec<String> = manifest
        .person_name_fragments
        .many
        .iter()
        .chain(&manifest.person_name_fragments.few)
        .map(|f| f.fragment.clone())
        .collect();
    let context = Arc::new(Shared {
        scenario: args.scenario,
        user_id,
        case_files: manifest.case_file_ids.clone(),
        diary_case_file: manifest
            .diary_case_file_id
            .or_else(|| manifest.case_file_ids.first().copied())
            .ok_or_else(|| anyhow!("the manifest names no case file"))?,
        fragments,
    });
    if context.case_files.is_empty() || context.fragments.is_empty() {
        bail!("the manifest lists no case file or no name fragment");
    }

    if args.plan {
        let plan = plan(&db, &context, args.audit_read_commit)?;
        writeln!(std::io::stdout().lock(), "{plan}")?;
        return Ok(());
    }

    // One iteration first, so that a scenario that cannot work fails loudly instead of
    // reporting the speed of an error.
    iteration(&db, &context, &mut rand::rng(), 0)
        .with_context(|| format!("the first {} iteration failed", args.scenario.name()))?;

    let stop = Arc::new(AtomicBool::new(false));
    let measuring = Arc::new(AtomicBool::new(false));
    let mut handles = Vec::with_capacity(args.connections);
    for client in 0..args.connections {
        let (db, context, stop, measuring) =
            (db.clone(), context.clone(), stop.clone(), measuring.clone());
        handles.push(std::thread::spawn(move || {
            client_loop(&db, &context, client as u64, &stop, &measuring)
        }));
    }
    std::thread::sleep(args.warmup);
    measuring.store(true, Ordering::SeqCst);
    let started = Instant::now();
    std::thread::sleep(args.duration);
    stop.store(true, Ordering::SeqCst);
    let mut latencies: Vec<Duration> = Vec::new();
    let mut errors = 0u64;
    let mut first_error: Option<String> = None;
    for handle in handles {
        let result = handle
            .join()
            .map_err(|_| anyhow!("a client thread panicked"))?;
        latencies.extend(result.latencies);
        errors += result.errors;
        if first_error.is_none() {
            first_error = result.first_error;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let ms = |p: f64| percentile(&latencies, p).as_secs_f64() * 1000.0;
    let report = serde_json::json!({
        "scenario": args.scenario.name(),
        "engine": db.engine().as_str(),
        "connections": args.connections,
        "pool_size": pool_size,
        "seconds": elapsed,
        "transactions": latencies.len(),
        "errors": errors,
        "first_error": first_error,
        "tps": latencies.len() as f64 / elapsed,
        "p50_ms": ms(50.0),
        "p95_ms": ms(95.0),
        "p99_ms": ms(99.0),
        "max_ms": latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
    });
    writeln!(std::io::stdout().lock(), "{report}")?;
    Ok(())
}

/// Nearest-rank percentile of sorted durations.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

struct ClientResult {
    latencies: Vec<Duration>,
    errors: u64,
    first_error: Option<String>,
}

fn client_loop(
    db: &Database,
    context: &Shared,
    client: u64,
    stop: &AtomicBool,
    measuring: &AtomicBool,
) -> ClientResult {
    let mut rng = rand::rng();
    let mut result = ClientResult {
        latencies: Vec::new(),
        errors: 0,
        first_error: None,
    };
    let mut n = client << 32;
    while !stop.load(Ordering::Relaxed) {
        let counted = measuring.load(Ordering::Relaxed);
        let started = Instant::now();
        let outcome = iteration(db, context, &mut rng, n);
        let took = started.elapsed();
        n += 1;
        if !counted {
            continue;
        }
        match outcome {
            Ok(()) => result.latencies.push(took),
            Err(error) => {
                result.errors += 1;
                if result.first_error.is_none() {
                    result.first_error = Some(format!("{error:#}"));
                }
            }
        }
    }
    result
}

fn iteration(db: &Database, context: &Shared, rng: &mut impl Rng, n: u64) -> anyhow::Result<()> {
    match context.scenario {
        Scenario::CaseFile => {
            let id = context.case_files[rng.random_range(0..context.case_files.len())];
            read_case_file(db, context.user_id, id)
        }
        Scenario::PersonSearch => {
            let fragment = &context.fragments[rng.random_range(0..context.fragments.len())];
            search_persons(db, context.user_id, fragment)
        }
        Scenario::DiaryEntry => write_diary_entry(db, context.user_id, context.diary_case_file, n),
    }
}

/// The `Authorization` extractor: the account, on a pooled connection outside the handler's
/// transaction (`api/src/auth/caller.rs`).
fn caller(db: &Database, id: Uuid) -> anyhow::Result<StaffUser> {
    db.with_conn(|c| users::find(c, id))?
        .filter(|user| user.active)
        .ok_or_else(|| anyhow!("the account {id} is disabled or gone"))
}

fn subject(user: &StaffUser) -> Subject<'_> {
    Subject {
        id: user.id,
        roles: user.profile.roles(),
        areas: user.profile.areas(),
    }
}

/// `Caller::audit` (`api/src/auth/caller.rs`) for a request from the loopback address.
fn record(
    user: &StaffUser,
    action: &str,
    resource_type: &str,
    resource_id: Option<String>,
    read_only: bool,
) -> NewAuditRecord {
    NewAuditRecord {
        occurred_at: Utc::now(),
        actor_id: Some(user.id),
        actor_username: Some(user.username.as_str().to_owned()),
        actor_roles: user
            .profile
            .roles()
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect(),
        action: action.to_owned(),
        resource_type: resource_type.to_owned(),
        resource_id,
        outcome: Outcome::Success,
        request_id: Some(Uuid::now_v7().to_string()),
        client_addr: Some("127.0.0.1".to_owned()),
        details: None,
        persons: Vec::new(),
        purpose: None,
        break_glass: false,
        read_only,
    }
}

/// The guard (`api/src/guard.rs`, `case_file`): the access facts of one file and the decision.
fn guard_case_file(
    conn: &mut AnyConnection,
    user: &StaffUser,
    action: Action,
    id: Uuid,
) -> anyhow::Result<access::CaseAccessFacts> {
    let now = Utc::now();
    let found = access::case_file(conn, id, user.id, calendar::today(now), now)?
        .ok_or_else(|| anyhow!("no case file {id}"))?;
    match decide(&subject(user), action, Resource::Case(&found.facts)) {
        Decision::Allow { .. } => Ok(found),
        Decision::Deny => bail!(
            "{} may not `{}` case file {id}",
            user.username.as_str(),
            action.code()
        ),
    }
}

/// `GET /case-files/{id}`.
fn read_case_file(db: &Database, user_id: Uuid, id: Uuid) -> anyhow::Result<()> {
    let user = caller(db, user_id)?;
    if !permits(user.profile.roles(), Action::ReadCaseFile) {
        bail!(
            "the roles of {} do not allow reading case files",
            user.username.as_str()
        );
    }
    db.write(|c| -> anyhow::Result<()> {
        let access = guard_case_file(c, &user, Action::ReadCaseFile, id)?;
        // `render_with_manager`: the file (its case manager is the guard's).
        let found = case_files::find(c, id)?;
        if found.is_some() {
            let mut r = record(
                &user,
                "case_file.read",
                "case_file",
                Some(id.to_string()),
                true,
            );
            r.persons = vec![access.person_id];
            audit::append(c, r)?;
        }
        Ok(())
    })
}

/// What a search found and looked up, for the audit record and the pgbench plan.
#[derive(Debug, Default)]
struct SearchOutcome {
    /// The persons on the page.
    shown: Vec<Uuid>,
    /// Their case files, as the access facts query returned them.
    shown_files: Vec<Uuid>,
    /// The persons shown in full.
    full: Vec<Uuid>,
    /// The persons the caller may only see in the directory.
    restricted: Vec<Uuid>,
    /// Their case files, as `directory_of_persons` returned them.
    directory_files: Vec<Uuid>,
    /// The current case managers of those files, whose contacts are read.
    directory_managers: Vec<Uuid>,
}

impl SearchOutcome {
    /// The `details` of the audit record, as the handler writes them.
    fn details(&self) -> String {
        serde_json::json!({ "returned": self.full, "directory_only": self.restricted }).to_string()
    }
}

/// The page size of the search (the API's default).
const SEARCH_LIMIT: usize = 20;

/// `search_persons` inside its transaction, up to the audit record.
fn search_in(
    c: &mut AnyConnection,
    user: &StaffUser,
    fragment: &str,
) -> anyhow::Result<SearchOutcome> {
    let query = PersonQuery {
        name_tokens: names::search_tokens(fragment),
        limit: SEARCH_LIMIT as i64 + 1,
        ..PersonQuery::default()
    };
    let found = persons::search(c, &query)?;
    let shown: Vec<Uuid> = found.iter().take(SEARCH_LIMIT).map(|p| p.id).collect();
    let now = Utc::now();
    let mut facts = access::persons(c, &shown, user.id, calendar::today(now), now)?;
    let mut shown_files: Vec<Uuid> = facts.values().flatten().map(|f| f.case_file_id).collect();
    shown_files.sort_unstable();
    let mut outcome = SearchOutcome {
        shown_files,
        ..SearchOutcome::default()
    };
    for person in found.iter().take(SEARCH_LIMIT) {
        let files = facts.remove(&person.id).unwrap_or_default();
        let case_facts: Vec<_> = files.iter().map(|f| f.facts.clone()).collect();
        match decide(
            &subject(user),
            Action::ReadPerson,
            Resource::Person(&case_facts),
        ) {
            Decision::Allow { .. } => outcome.full.push(person.id),
            Decision::Deny => outcome.restricted.push(person.id),
        }
    }
    directory_entries(c, &mut outcome)?;
    outcome.shown = shown;
    Ok(outcome)
}

/// `GET /persons?q=fragment` (first page of 20).
fn search_persons(db: &Database, user_id: Uuid, fragment: &str) -> anyhow::Result<()> {
    let user = caller(db, user_id)?;
    if !permits(user.profile.roles(), Action::SearchPersons) {
        bail!(
            "the roles of {} do not allow searching persons",
            user.username.as_str()
        );
    }
    db.write(|c| -> anyhow::Result<()> {
        let outcome = search_in(c, &user, fragment)?;
        let mut r = record(&user, "person.search", "person", None, true);
        r.details = Some(outcome.details());
        r.persons = outcome.shown;
        audit::append(c, r)?;
        Ok(())
    })
}

/// `directory_entries` of `api/src/routes/persons.rs` for the restricted persons of the page
/// (called even when there is none): their files, the files' current case managers, and those
/// managers' contacts.
fn directory_entries(c: &mut AnyConnection, outcome: &mut SearchOutcome) -> anyhow::Result<()> {
    let today = calendar::today(Utc::now());
    let files = case_files::directory_of_persons(c, &outcome.restricted)?;
    let file_ids: Vec<Uuid> = files.iter().map(|f| f.id).collect();
    let managers: HashMap<Uuid, Uuid> = case_files::current_case_managers(c, &file_ids, today)?;
    let mut manager_ids: Vec<Uuid> = managers.values().copied().collect();
    manager_ids.sort_unstable();
    manager_ids.dedup();
    let _contacts = users::contacts(c, &manager_ids)?;
    outcome.directory_files = file_ids;
    outcome.directory_managers = manager_ids;
    Ok(())
}

/// The diary entry's text: a typical length, different at every request.
fn diary_text(n: u64) -> String {
    format!(
        "Colloquio di verifica n. {n}: la persona riferisce di aver ripreso i contatti con il \
         centro per l'impiego e di aver consegnato la documentazione ISEE richiesta."
    )
}

/// The `details` of a diary entry's audit record (`audit_entry` in `api/src/routes/diary.rs`).
fn diary_details(person_id: Uuid, case_file_id: Uuid) -> String {
    serde_json::json!({
        "person_id": person_id,
        "case_file_id": case_file_id,
        "restricted": false,
    })
    .to_string()
}

/// `POST /case-files/{id}/diary-entries` without `Idempotency-Key` (what bench/load.sh sends).
fn write_diary_entry(db: &Database, user_id: Uuid, id: Uuid, n: u64) -> anyhow::Result<()> {
    let user = caller(db, user_id)?;
    if !permits(user.profile.roles(), Action::WriteCaseContent) {
        bail!(
            "the roles of {} do not allow writing case content",
            user.username.as_str()
        );
    }
    let now = Utc::now();
    let text = DiaryText::parse(&diary_text(n)).map_err(|e| anyhow!("diary text: {e}"))?;
    db.write(|c| -> anyhow::Result<()> {
        let access = guard_case_file(c, &user, Action::WriteCaseContent, id)?;
        let entry = diary::insert(
            c,
            &NewDiaryEntry {
                case_file_id: id,
                kind: DiaryEntryKind::Interview,
                occurred_at: now - chrono::Duration::hours(1),
                text,
                restricted: false,
                corrects_entry_id: None,
            },
            user.id,
            now,
        )?;
        let mut r = record(
            &user,
            "diary_entry.create",
            "diary_entry",
            Some(entry.id.to_string()),
            false,
        );
        r.persons = vec![access.person_id];
        r.details = Some(diary_details(access.person_id, entry.case_file_id));
        audit::append(c, r)?;
        Ok(())
    })
}

/// A PostgreSQL array literal of UUIDs, as diesel binds `eq_any`.
fn pg_array(ids: &[Uuid]) -> String {
    let items: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    format!("{{{}}}", items.join(","))
}

/// The variables of the pgbench scripts of the scenario (see `bench/loadlib.py`,
/// `pgbench-scripts`): `globals` for every script, and one item per script.
fn plan(db: &Database, context: &Shared, read_commit: ReadCommit) -> anyhow::Result<String> {
    use serde_json::{Value, json};
    let user = caller(db, context.user_id)?;
    let now = Utc::now();
    let roles: Vec<&str> = user.profile.roles().iter().map(|r| r.as_str()).collect();
    let asynchronous = read_commit == ReadCommit::Asynchronous;
    let globals = json!({
        "user_id": user.id,
        "user_ids": pg_array(&[user.id]),
        "username": user.username.as_str(),
        "actor_roles": roles.join(","),
        "today": calendar::today(now).to_string(),
        "now": now.format("%Y-%m-%d %H:%M:%S%.6f+00").to_string(),
        "audit_async": (asynchronous && context.scenario != Scenario::DiaryEntry).to_string(),
    });
    // Nothing is written: the transaction is rolled back by returning an error at the end.
    let mut items: Vec<Value> = Vec::new();
    let outcome = db.write(|c| -> anyhow::Result<()> {
        match context.scenario {
            Scenario::CaseFile => {
                for id in &context.case_files {
                    let facts = guard_case_file(c, &user, Action::ReadCaseFile, *id)?;
                    items.push(json!({
                        "case_file_id": id,
                        "case_file_ids": pg_array(&[*id]),
                        "audit_persons": pg_array(&[facts.person_id]),
                    }));
                }
            }
            Scenario::DiaryEntry => {
                let id = context.diary_case_file;
                let facts = guard_case_file(c, &user, Action::WriteCaseContent, id)?;
                items.push(json!({
                    "case_file_id": id,
                    "case_file_ids": pg_array(&[id]),
                    "occurred_at": (now - chrono::Duration::hours(1))
                        .format("%Y-%m-%d %H:%M:%S+00")
                        .to_string(),
                    "diary_text": diary_text(0),
                    "audit_persons": pg_array(&[facts.person_id]),
                    "audit_details": diary_details(facts.person_id, id),
                }));
            }
            Scenario::PersonSearch => {
                for fragment in &context.fragments {
                    let found = search_in(c, &user, fragment)?;
                    let words = names::search_tokens(fragment);
                    let bounds =
                        |t: &String| json!({ "token_lo": t, "token_hi": format!("{t}\u{10FFFF}") });
                    // persons::search: the longest word drives (the last of equals, as
                    // `max_by_key` picks), through the index words it is a prefix of.
                    let (driver_index, driver) = words
                        .iter()
                        .enumerate()
                        .max_by_key(|(_, word)| word.chars().count())
                        .ok_or_else(|| anyhow!("the fragment `{fragment}` has no word"))?;
                    let index_words =
                        persons::words_with_prefix(c, driver, persons::MAX_WORD_STREAMS + 1)?;
                    let streamed = index_words.len() <= persons::MAX_WORD_STREAMS;
                    let other_tokens: Vec<Value> = words
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| *i != driver_index)
                        .map(|(_, t)| bounds(t))
                        .collect();
                    let any_shown = if found.shown.is_empty() {
                        json!([])
                    } else {
                        let any_files = if found.shown_files.is_empty() {
                            json!([])
                        } else {
                            json!([{ "shown_files": pg_array(&found.shown_files) }])
                        };
                        json!([{ "shown": pg_array(&found.shown), "any_files": any_files }])
                    };
                    items.push(json!({
                        "fragment": fragment,
                        "driver_lo": driver,
                        "driver_hi": format!("{driver}\u{10FFFF}"),
                        // One statement for all the words (unnest + LATERAL), when there are any.
                        "streamed": if streamed && !index_words.is_empty() {
                            json!([{ "words_array": format!("{{{}}}", index_words.join(",")) }])
                        } else {
                            json!([])
                        },
                        "other_tokens": other_tokens,
                        "fallback": if streamed { json!([]) } else { json!([{}]) },
                        "tokens": words.iter().map(bounds).collect::<Vec<_>>(),
                        "any_shown": any_shown,
                        "dir_any_persons": if found.restricted.is_empty() {
                            json!([])
                        } else {
                            json!([{ "dir_persons": pg_array(&found.restricted) }])
                        },
                        "dir_files": pg_array(&found.directory_files),
                        "dir_any_managers": if found.directory_managers.is_empty() {
                            json!([])
                        } else {
                            json!([{ "dir_managers": pg_array(&found.directory_managers) }])
                        },
                        "audit_persons": pg_array(&found.shown),
                        "audit_details": found.details(),
                    }));
                }
            }
        }
        Err(anyhow!("rolled back"))
    });
    match outcome {
        Err(e) if e.to_string() == "rolled back" => {}
        Err(e) => return Err(e),
        Ok(()) => {}
    }
    Ok(
        json!({ "scenario": context.scenario.name(), "globals": globals, "items": items })
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(parse_duration("3h").is_err());
        assert!(parse_duration("s").is_err());
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let sorted: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&sorted, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&sorted, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&[], 99.0), Duration::ZERO);
    }
}
