//! The audit trail: append-only records of who did what to which resource and which persons,
//! chained by SHA-256 hashes so that any later change is detectable.
//!
//! There is deliberately no update or delete of a record in this module, and the database
//! refuses both (migration `2026-11-26-000010_audit_immutable`); only the staging table, which
//! holds records not yet chained, is emptied as they are chained.
//!
//! # The chain
//!
//! Records are numbered `seq` = 1, 2, 3… without gaps. Each carries `prev_hash`, the `hash` of
//! record `seq - 1` ([`GENESIS_HASH`] for record 1), and its own `hash`, the lowercase hex
//! SHA-256 of its [canonical encoding](canonical_bytes). The one-row table `audit_chain_head`
//! holds the last `seq` and `hash`. A request only stages its record ([`append`]: one row of
//! `audit_staged`, in the request's own transaction, nothing shared locked); [`chain_staged`]
//! chains the staged records in batches, under the head's row lock (`SELECT … FOR UPDATE` on
//! PostgreSQL; SQLite's single writer serialises anyway), called by the sequencer of the
//! Merkle tree before each of its batches and by [`settle`] before the trail is searched.
//! Concurrent chainers cannot fork the chain: they take the head one after the other.
//! [`verify`] recomputes everything and reports the first broken link.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{audit_chain_head, audit_record_persons, audit_records, audit_staged};
use crate::sql_types::{DbInstant, DbUuid, sqlite_instant_text};

/// `prev_hash` of the first record: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Tag that starts the canonical encoding; a future encoding gets a new tag.
pub const ENCODING_TAG: &str = "socialcare-audit-v1";

/// Resource type of the persons the office serves: a record on one concerns that person.
pub const PERSON_RESOURCE: &str = "person";

/// Rows read per batch when walking the chain.
pub(crate) const BATCH: i64 = 1000;

/// Person links inserted per statement.
const LINK_CHUNK: usize = 400;

/// Outcome of the audited action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The action happened.
    Success,
    /// The action was refused by authorization.
    Denied,
    /// The action failed (bad credentials, invalid token).
    Failure,
}

impl Outcome {
    /// Stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Denied => "denied",
            Outcome::Failure => "failure",
        }
    }

    /// Parses a stored code.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "success" => Some(Outcome::Success),
            "denied" => Some(Outcome::Denied),
            "failure" => Some(Outcome::Failure),
            _ => None,
        }
    }
}

/// A record to append.
#[derive(Debug, Clone)]
pub struct NewAuditRecord {
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// The authenticated actor, when there is one.
    pub actor_id: Option<Uuid>,
    /// The actor's username, or the username attempted at login.
    pub actor_username: Option<String>,
    /// The actor's roles at that moment.
    pub actor_roles: Vec<String>,
    /// What was done, e.g. `auth.login`, `user.create`, `user.read`.
    pub action: String,
    /// Kind of resource, e.g. `user`, `session`.
    pub resource_type: String,
    /// Identifier of the resource.
    pub resource_id: Option<String>,
    /// Outcome.
    pub outcome: Outcome,
    /// Request id of the HTTP request.
    pub request_id: Option<String>,
    /// Client address.
    pub client_addr: Option<String>,
    /// Extra context (JSON text), never secrets.
    pub details: Option<String>,
    /// The persons whose data the action concerns (order and duplicates do not matter).
    pub persons: Vec<Uuid>,
    /// Why the data was accessed: the break-glass reason, or the purpose the client declared in
    /// the `Access-Purpose` header.
    pub purpose: Option<String>,
    /// Whether the access happened under a break-glass grant.
    pub break_glass: bool,
    /// Whether the request changed nothing but the trail (a read): on PostgreSQL its commit may
    /// then be asynchronous (see [`set_asynchronous_read_commits`]).
    pub read_only: bool,
}

/// An `audit_records` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_records)]
#[diesel(treat_none_as_default_value = false)]
pub struct AuditRow {
    /// Primary key.
    pub id: DbUuid,
    /// When it happened.
    pub occurred_at: DbInstant,
    /// Actor id.
    pub actor_id: Option<DbUuid>,
    /// Actor username.
    pub actor_username: Option<String>,
    /// Comma-separated roles.
    pub actor_roles: String,
    /// Action code.
    pub action: String,
    /// Resource type.
    pub resource_type: String,
    /// Resource id.
    pub resource_id: Option<String>,
    /// Outcome code.
    pub outcome: String,
    /// Request id.
    pub request_id: Option<String>,
    /// Client address.
    pub client_addr: Option<String>,
    /// Extra context.
    pub details: Option<String>,
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// Declared purpose or break-glass reason.
    pub purpose: Option<String>,
    /// Whether it happened under a break-glass grant.
    pub break_glass: bool,
    /// Hash of the previous record ([`GENESIS_HASH`] for the first).
    pub prev_hash: String,
    /// Hash of this record.
    pub hash: String,
}

/// A record with the persons it concerns.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// The record.
    pub row: AuditRow,
    /// The persons concerned, ascending.
    pub persons: Vec<Uuid>,
}

impl std::ops::Deref for AuditEntry {
    type Target = AuditRow;

    fn deref(&self) -> &AuditRow {
        &self.row
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_record_persons)]
#[diesel(treat_none_as_default_value = false)]
struct PersonLink {
    audit_record_id: DbUuid,
    person_id: DbUuid,
}

#[derive(Debug, Clone, Queryable)]
struct Head {
    last_seq: i64,
    last_hash: String,
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    // Lengths above 4 GiB cannot occur (request bodies are limited to 1 MiB).
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    put_bytes(out, text.as_bytes());
}

fn put_opt_str(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        None => out.push(0),
        Some(t) => {
            out.push(1);
            put_str(out, t);
        }
    }
}

/// The bytes a record's hash is computed over (version 1). Every field is written in this
/// order, so that no two different records have the same encoding:
///
/// 1. the tag [`ENCODING_TAG`] as a string;
/// 2. `seq` as 8 bytes, big-endian two's complement;
/// 3. `id` as its 16 bytes;
/// 4. `occurred_at` as a string `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, microseconds);
/// 5. `actor_id`: byte 0 when absent, else byte 1 and its 16 bytes;
/// 6. `actor_username` (optional string), `actor_roles` (string, comma-separated as stored),
///    `action`, `resource_type` (strings), `resource_id` (optional), `outcome` (string),
///    `request_id`, `client_addr`, `details`, `purpose` (optional strings);
/// 7. `break_glass` as one byte, 0 or 1;
/// 8. the persons: their count as 4 bytes big-endian, then each id's 16 bytes, ascending,
///    without duplicates;
/// 9. `prev_hash` as a string.
///
/// A string is its UTF-8 byte length as 4 bytes big-endian followed by the bytes; an optional
/// string is byte 0 when absent, else byte 1 followed by the string.
pub fn canonical_bytes(row: &AuditRow, persons: &[Uuid]) -> Vec<u8> {
    // One buffer for the whole encoding (the verification encodes every record of the trail).
    let mut out = Vec::with_capacity(512);
    put_str(&mut out, ENCODING_TAG);
    out.extend_from_slice(&row.seq.to_be_bytes());
    put_body(&mut out, row, persons);
    put_str(&mut out, &row.prev_hash);
    out
}

/// Appends items 3 to 8 of [`canonical_bytes`] to `out`.
fn put_body(out: &mut Vec<u8>, row: &AuditRow, persons: &[Uuid]) {
    out.extend_from_slice(row.id.0.as_bytes());
    put_str(out, &sqlite_instant_text(&row.occurred_at.0));
    match row.actor_id {
        None => out.push(0),
        Some(id) => {
            out.push(1);
            out.extend_from_slice(id.0.as_bytes());
        }
    }
    put_opt_str(out, row.actor_username.as_deref());
    put_str(out, &row.actor_roles);
    put_str(out, &row.action);
    put_str(out, &row.resource_type);
    put_opt_str(out, row.resource_id.as_deref());
    put_str(out, &row.outcome);
    put_opt_str(out, row.request_id.as_deref());
    put_opt_str(out, row.client_addr.as_deref());
    put_opt_str(out, row.details.as_deref());
    put_opt_str(out, row.purpose.as_deref());
    out.push(u8::from(row.break_glass));
    let mut sorted = persons.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let count = u32::try_from(sorted.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&count.to_be_bytes());
    for person in &sorted {
        out.extend_from_slice(person.as_bytes());
    }
}

/// The hash of a record: lowercase hex SHA-256 of [`canonical_bytes`].
pub fn compute_hash(row: &AuditRow, persons: &[Uuid]) -> String {
    hash_of_encoding(&canonical_bytes(row, persons))
}

/// The hash of a record from its [`canonical_bytes`], already computed (the verification of
/// the log hashes the same bytes for the chain and for the tree's leaf).
pub fn hash_of_encoding(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn head_missing() -> StoreError {
    StoreError::Internal(
        "the audit chain head is missing or not initialised; apply the migrations with `socialcare migrate`".into(),
    )
}

fn set_head(conn: &mut AnyConnection, last_seq: i64, last_hash: &str) -> Result<(), StoreError> {
    let update = diesel::update(audit_chain_head::table.find(1)).set((
        audit_chain_head::last_seq.eq(last_seq),
        audit_chain_head::last_hash.eq(last_hash),
    ));
    // On the engine's own connection the statement is prepared once and cached; through the
    // multi-backend connection an UPDATE is prepared anew each time (seen in a perf profile).
    match conn {
        AnyConnection::Postgresql(c) => update.execute(c)?,
        AnyConnection::Sqlite(c) => update.execute(c)?,
    };
    Ok(())
}

/// Inserts person links, [`LINK_CHUNK`] to a statement (the multi-backend connection has no
/// batch insert: one multi-row `INSERT` per chunk on the engine's own connection).
fn insert_links(conn: &mut AnyConnection, links: &[PersonLink]) -> Result<(), StoreError> {
    for chunk in links.chunks(LINK_CHUNK) {
        match conn {
            AnyConnection::Postgresql(c) => diesel::insert_into(audit_record_persons::table)
                .values(chunk)
                .execute(c)?,
            AnyConnection::Sqlite(c) => diesel::insert_into(audit_record_persons::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(())
}

/// Whether the transaction staging `record` may commit without waiting for the WAL flush (a
/// read's, see [`set_asynchronous_read_commits`]).
fn asynchronous_commit(record: &NewAuditRecord) -> bool {
    record.read_only && ASYNCHRONOUS_READ_COMMITS.load(std::sync::atomic::Ordering::Relaxed)
}

static ASYNCHRONOUS_READ_COMMITS: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Chooses, for the whole process, whether the transactions of reads (records with
/// `read_only`) commit on PostgreSQL without waiting for the WAL flush. Such a transaction wrote
/// nothing but its audit record: a crash of the database server may lose the records of its
/// last fraction of a second (`wal_writer_delay`), never half a record nor a link of the chain,
/// because PostgreSQL replays the WAL in order. Writes always wait for the flush. SQLite runs in
/// WAL mode with `synchronous = NORMAL` anyway.
pub fn set_asynchronous_read_commits(asynchronous: bool) {
    ASYNCHRONOUS_READ_COMMITS.store(asynchronous, std::sync::atomic::Ordering::Relaxed);
}

/// True only in a build with the `unaudited-benchmark` feature (bench/audit-cost.sh), where
/// [`append`] records nothing; such a build refuses the production profile.
pub const DISABLED_FOR_BENCHMARK: bool = cfg!(feature = "unaudited-benchmark");

/// SQLite: the name under which every connection attaches the file of the reads' records
/// ([`crate::db::read_staging_path`]); its table `audit_staged` has the columns of the
/// database's own.
pub const READ_STAGING_SCHEMA: &str = "audit_reads";

/// SQLite: the settings and the staging table of the reads' file, for the schema it is known by
/// on a connection (`main` on the connection that stages, [`READ_STAGING_SCHEMA`] where it is
/// attached). The table is created when missing and mirrors `audit_staged` of migration
/// `000048`; the file holds only records waiting to be chained (a merge delay's worth), so a
/// later change of its columns chains it with the code that staged it first.
pub fn read_staging_setup(schema: &str) -> String {
    format!(
        "PRAGMA {schema}.journal_mode = WAL;
         PRAGMA {schema}.synchronous = NORMAL;
         PRAGMA {schema}.journal_size_limit = 67108864;
         CREATE TABLE IF NOT EXISTS {schema}.audit_staged (
             id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
             occurred_at TEXT NOT NULL,
             actor_id BLOB,
             actor_username TEXT,
             actor_roles TEXT NOT NULL,
             action TEXT NOT NULL,
             resource_type TEXT NOT NULL,
             resource_id TEXT,
             outcome TEXT NOT NULL,
             request_id TEXT,
             client_addr TEXT,
             details TEXT,
             purpose TEXT,
             break_glass INTEGER NOT NULL CHECK (break_glass IN (0, 1)),
             persons BLOB NOT NULL CHECK (length(persons) % 16 = 0)
         ) WITHOUT ROWID;"
    )
}

std::thread_local! {
    /// SQLite: whether the calling thread read the reads' file in its transaction since the
    /// writer last asked ([`reads_file_was_read`]).
    static READS_FILE_READ: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// SQLite: notes that the calling thread's transaction read the reads' file, whose snapshot is
/// now pinned until that transaction ends.
fn note_reads_file_read() {
    READS_FILE_READ.with(|read| read.set(true));
}

/// SQLite: whether the calling thread's transaction read the reads' file since the last call
/// (and forgets it). The writer asks after each write of a group and then commits the group at
/// once: another file's snapshot, unlike the database's, can move while the group is open (the
/// reads' records are staged by another connection), and a later write of the same group would
/// read it as it was, missing what was staged meanwhile.
pub(crate) fn reads_file_was_read() -> bool {
    READS_FILE_READ.with(|read| read.replace(false))
}

/// SQLite: the reads' staged records not yet chained (a record stays in the reads' file until
/// [`forget_chained_reads`] after the transaction that chained it, see [`chain_staged`]).
const READS_WAITING: &str = "FROM audit_reads.audit_staged AS s
     WHERE NOT EXISTS (SELECT 1 FROM main.audit_records AS r WHERE r.id = s.id)";

/// SQLite: removes from the reads' file the records already chained; returns how many. Run on
/// the connection that stages the reads ([`crate::db::Database::forget_chained_reads`], where
/// the file is `main` and the database is attached as [`TRAIL_SCHEMA`]), so that it never waits
/// for the file's lock; after the transaction that chained them (the sequencer runs it after
/// each run): that transaction only read the file, so the chaining is atomic, in one file,
/// whatever happens between the two; a record left behind by a crash in between is not chained
/// twice ([`chain_staged`] skips it) and goes at the next call.
pub fn forget_chained_reads(conn: &mut AnyConnection) -> Result<u64, StoreError> {
    let AnyConnection::Sqlite(c) = conn else {
        return Ok(0);
    };
    let deleted = diesel::sql_query(format!(
        "DELETE FROM main.audit_staged
         WHERE id IN (SELECT r.id FROM {TRAIL_SCHEMA}.audit_records AS r
                      WHERE r.id IN (SELECT id FROM main.audit_staged))"
    ))
    .execute(c)?;
    Ok(u64::try_from(deleted).unwrap_or(0))
}

/// SQLite: the name under which the connection that stages the reads' records attaches the
/// database itself (for [`forget_chained_reads`]).
pub const TRAIL_SCHEMA: &str = "trail";

/// Stages a record, to be chained at the end of the trail by the sequencer (or by a reader of
/// the trail, [`settle`]); call it inside the transaction of the action it records, so that
/// both commit or neither does. Returns the record's id. The persons linked to it are
/// `record.persons` plus, for a record on a `person` resource, that person.
///
/// The request writes one row of `audit_staged` and locks nothing shared: requests do not
/// meet at the chain head, which [`chain_staged`] takes once for a batch of hundreds. Until
/// then the record is not in `audit_records`: a query of the trail must [`settle`] first. For
/// a read's record (`read_only`) the PostgreSQL commit may be asynchronous (see
/// [`set_asynchronous_read_commits`]).
pub fn append(conn: &mut AnyConnection, record: NewAuditRecord) -> Result<Uuid, StoreError> {
    append_batch(conn, std::slice::from_ref(&record))?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::Internal("staging an audit record returned no id".into()))
}

/// Stages several records, in their order ([`append`] for each); returns their ids, in order.
/// On SQLite a group of read records ([`crate::audit_appender::StagingGroup`]) is staged in the
/// reads' file with one call.
pub fn append_batch(
    conn: &mut AnyConnection,
    records: &[NewAuditRecord],
) -> Result<Vec<Uuid>, StoreError> {
    if DISABLED_FOR_BENCHMARK {
        return Ok(vec![Uuid::nil(); records.len()]);
    }
    let mut ids = Vec::with_capacity(records.len());
    for record in records {
        let staged = StagedRow::of(record);
        ids.push(staged.id.0);
        // On the engine's own connection the statement is prepared once and cached.
        let inserted = match conn {
            AnyConnection::Postgresql(c) => StageStatement {
                row: &staged,
                asynchronous_commit: asynchronous_commit(record),
            }
            .execute(c)?,
            AnyConnection::Sqlite(c) => diesel::insert_into(audit_staged::table)
                .values(&staged)
                .execute(c)?,
        };
        if inserted != 1 {
            return Err(StoreError::Internal(format!(
                "staging an audit record inserted {inserted} rows"
            )));
        }
    }
    Ok(ids)
}

/// PostgreSQL: the statements that stage a group of records and commit the transaction they
/// end, as one simple-query text (`BEGIN` first when `open`, for a group staged in a transaction
/// of its own; then `SET LOCAL synchronous_commit = off` when every record is a read's, see
/// [`set_asynchronous_read_commits`]; then one insert of every record; then `COMMIT`), so that
/// a read that leads a group stages it in the round trip of its own commit
/// ([`crate::db::Database::read_recorded`]). Returns the text and, per record in order, its
/// staged id or why it was refused: a text holding a NUL character (which no PostgreSQL text can
/// hold) leaves its record out of the insert. The values are literals: ids, the instant and the
/// persons' bytes in forms made only of hexadecimal digits, dashes and the instant's
/// punctuation; every text in dollar quotes whose tag it does not contain ([`dollar_quoted`]),
/// which PostgreSQL takes literally whatever `standard_conforming_strings` says.
pub fn staged_group_with_commit(
    records: &[NewAuditRecord],
    open: bool,
) -> (String, Vec<Result<Uuid, StoreError>>) {
    let mut sql = String::with_capacity(200 + 440 * records.len());
    if open {
        sql.push_str("BEGIN; ");
    }
    if DISABLED_FOR_BENCHMARK {
        sql.push_str("COMMIT");
        return (sql, records.iter().map(|_| Ok(Uuid::nil())).collect());
    }
    let mut outcomes = Vec::with_capacity(records.len());
    let mut rows = Vec::with_capacity(records.len());
    for record in records {
        match staged_values(record) {
            Ok((id, values)) => {
                outcomes.push(Ok(id));
                rows.push(values);
            }
            Err(refused) => outcomes.push(Err(refused)),
        }
    }
    if !rows.is_empty() {
        if records.iter().all(asynchronous_commit) {
            sql.push_str("SET LOCAL synchronous_commit = off; ");
        }
        sql.push_str(
            "INSERT INTO audit_staged (id, occurred_at, actor_id, actor_username, actor_roles, \
             action, resource_type, resource_id, outcome, request_id, client_addr, details, \
             purpose, break_glass, persons) VALUES ",
        );
        sql.push_str(&rows.join(", "));
        sql.push_str("; ");
    }
    sql.push_str("COMMIT");
    (sql, outcomes)
}

/// One record's row of [`staged_group_with_commit`], `(…)`, with the id it is staged under.
fn staged_values(record: &NewAuditRecord) -> Result<(Uuid, String), StoreError> {
    let row = StagedRow::of(record);
    let text = dollar_quoted;
    let optional = |value: &Option<String>| match value {
        Some(v) => dollar_quoted(v),
        None => Ok("NULL".to_owned()),
    };
    let values = [
        format!("'{}'::uuid", row.id.0),
        format!("'{}'::timestamptz", sqlite_instant_text(&row.occurred_at.0)),
        row.actor_id
            .map_or_else(|| "NULL".to_owned(), |a| format!("'{}'::uuid", a.0)),
        optional(&row.actor_username)?,
        text(&row.actor_roles)?,
        text(&row.action)?,
        text(&row.resource_type)?,
        optional(&row.resource_id)?,
        text(&row.outcome)?,
        optional(&row.request_id)?,
        optional(&row.client_addr)?,
        optional(&row.details)?,
        optional(&row.purpose)?,
        if row.break_glass { "true" } else { "false" }.to_owned(),
        format!("decode('{}', 'hex')", hex::encode(&row.persons)),
    ];
    Ok((row.id.0, format!("({})", values.join(", "))))
}

/// `value` as a PostgreSQL dollar-quoted string constant, `$a$…$a$`, with a tag (`a`, `a1`,
/// `a2`…) that `value` does not contain, so that nothing in it can end the constant; refused
/// when it holds a NUL character.
fn dollar_quoted(value: &str) -> Result<String, StoreError> {
    if value.contains('\0') {
        return Err(StoreError::Internal(
            "an audit record's text holds a NUL character".into(),
        ));
    }
    let mut tag = String::from("$a$");
    let mut n = 0_u32;
    while value.contains(&tag) {
        n += 1;
        tag = format!("$a{n}$");
    }
    Ok(format!("{tag}{value}{tag}"))
}

/// The most staged records [`chain_staged`] chains in one call.
pub const CHAIN_BATCH: i64 = 2000;

/// Chains up to `limit` staged records at the end of the trail, in the order of their ids
/// (UUID v7, made when the record is staged: increasing within a process, by the millisecond
/// across processes): locks the chain head (PostgreSQL `SELECT … FOR UPDATE`; SQLite's
/// single writer serialises anyway), numbers and hashes each record after the one before,
/// inserts the records and their person links with a few multi-row statements, deletes them
/// from the staging table and moves the head once. Returns how many it chained. Run it in a
/// write transaction (on PostgreSQL `READ COMMITTED`, so that after waiting for the head it
/// sees what another chainer left): the sequencer does before each batch of the tree, and
/// [`settle`] before the trail is read.
pub fn chain_staged(conn: &mut AnyConnection, limit: i64) -> Result<u64, StoreError> {
    if DISABLED_FOR_BENCHMARK {
        return Ok(0);
    }
    let head = lock_head(conn)?;
    let mut staged: Vec<StagedRow> = audit_staged::table
        .select(StagedRow::as_select())
        .order(audit_staged::id.asc())
        .limit(limit)
        .load(conn)?;
    // The writes' records, deleted below; on SQLite the reads' follow, from their own file,
    // which this transaction only reads (see `forget_chained_reads`).
    let mut from_table = staged.len();
    if let AnyConnection::Sqlite(c) = conn {
        note_reads_file_read();
        let reads: Vec<StagedRow> =
            diesel::sql_query(format!("SELECT s.* {READS_WAITING} ORDER BY s.id LIMIT ?"))
                .bind::<diesel::sql_types::BigInt, _>(limit)
                .load(c)?;
        if !reads.is_empty() {
            let writes: std::collections::HashSet<DbUuid> = staged.iter().map(|r| r.id).collect();
            staged.extend(reads);
            staged.sort_unstable_by_key(|r| r.id.0);
            staged.truncate(usize::try_from(limit).unwrap_or(0));
            from_table = staged.iter().filter(|r| writes.contains(&r.id)).count();
        }
    }
    if staged.is_empty() {
        return Ok(0);
    }
    let mut last_seq = head.last_seq;
    let mut last_hash = head.last_hash;
    let mut rows = Vec::with_capacity(staged.len());
    let mut links = Vec::with_capacity(staged.len());
    for s in staged {
        let persons = s.persons()?;
        let mut row = s.into_row(last_seq + 1, last_hash);
        row.hash = compute_hash(&row, &persons);
        links.extend(persons.iter().map(|p| PersonLink {
            audit_record_id: row.id,
            person_id: DbUuid(*p),
        }));
        last_seq = row.seq;
        last_hash = row.hash.clone();
        rows.push(row);
    }
    let ids: Vec<DbUuid> = rows.iter().map(|r| r.id).collect();
    for chunk in rows.chunks(ROW_CHUNK) {
        // One multi-row INSERT per chunk; the multi-backend connection has no batch insert.
        match conn {
            AnyConnection::Postgresql(c) => diesel::insert_into(audit_records::table)
                .values(chunk)
                .execute(c)?,
            AnyConnection::Sqlite(c) => diesel::insert_into(audit_records::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    insert_links(conn, &links)?;
    let mut deleted = 0;
    for chunk in ids.chunks(ROW_CHUNK) {
        deleted += diesel::delete(audit_staged::table.filter(audit_staged::id.eq_any(chunk)))
            .execute(conn)?;
    }
    if deleted != from_table {
        // Only a chainer deletes staged rows, under the head's lock: another one cannot have.
        return Err(StoreError::Internal(format!(
            "chaining {from_table} staged audit records deleted {deleted} of them"
        )));
    }
    set_head(conn, last_seq, &last_hash)?;
    Ok(u64::try_from(ids.len()).unwrap_or(0))
}

/// Chains every staged record (see [`chain_staged`]), in batches of [`CHAIN_BATCH`], in the
/// caller's write transaction; returns how many. The searches and reports of the trail call it
/// first, so that they show every record committed before them, staged or not.
pub fn settle(conn: &mut AnyConnection) -> Result<u64, StoreError> {
    let mut total = 0;
    loop {
        let chained = chain_staged(conn, CHAIN_BATCH)?;
        total += chained;
        if chained < CHAIN_BATCH.unsigned_abs() {
            return Ok(total);
        }
    }
}

/// How many records are staged, and the `occurred_at` of the oldest (for the backlog gauges).
/// On SQLite the reads' file counts too (its records not yet chained).
pub fn staged(conn: &mut AnyConnection) -> Result<(u64, Option<DateTime<Utc>>), StoreError> {
    // The reads' file first (see `reads_waiting`).
    let reads = reads_waiting(conn, false)?;
    let count: i64 = audit_staged::table.count().get_result(conn)?;
    let oldest: Option<DbInstant> = if count > 0 {
        audit_staged::table
            .select(audit_staged::occurred_at)
            .order(audit_staged::occurred_at.asc())
            .first(conn)
            .optional()?
    } else {
        None
    };
    let oldest = match (oldest, reads.oldest) {
        (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
        (a, b) => a.or(b),
    };
    Ok((
        u64::try_from(count + reads.count).unwrap_or(0),
        oldest.map(|t| t.0),
    ))
}

/// SQLite: the reads' records waiting in their file, counted (`any`: whether there is one) with
/// the oldest; nothing on PostgreSQL. A statement that reads the file alone comes first, so that,
/// called first in a read transaction, the file's snapshot is taken before the database's: a
/// record taken out of the file ([`forget_chained_reads`]) was chained before, and is then seen
/// chained, never neither staged nor chained. (On the writer the database cannot change during
/// the transaction anyway.)
fn reads_waiting(conn: &mut AnyConnection, any: bool) -> Result<ReadsWaiting, StoreError> {
    let AnyConnection::Sqlite(c) = conn else {
        return Ok(ReadsWaiting {
            count: 0,
            oldest: None,
        });
    };
    note_reads_file_read();
    diesel::connection::SimpleConnection::batch_execute(
        c,
        "SELECT count(*) FROM audit_reads.audit_staged",
    )?;
    let sql = if any {
        format!("SELECT count(*) AS count, NULL AS oldest FROM (SELECT 1 {READS_WAITING} LIMIT 1)")
    } else {
        format!("SELECT count(*) AS count, min(s.occurred_at) AS oldest {READS_WAITING}")
    };
    Ok(diesel::sql_query(sql).get_result(c)?)
}

/// The reads' records waiting in their file (SQLite), for [`staged`].
#[derive(QueryableByName)]
struct ReadsWaiting {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<crate::sql_types::SqlInstant>)]
    oldest: Option<DbInstant>,
}

/// Whether any record is staged (a cheap read, to skip a write transaction); on SQLite in the
/// reads' file too.
pub fn any_staged(conn: &mut AnyConnection) -> Result<bool, StoreError> {
    if reads_waiting(conn, true)?.count > 0 {
        return Ok(true);
    }
    let first: Option<DbUuid> = audit_staged::table
        .select(audit_staged::id)
        .order(audit_staged::id.asc())
        .first(conn)
        .optional()?;
    Ok(first.is_some())
}

/// Rows of records inserted per statement (17 parameters a row).
const ROW_CHUNK: usize = 500;

/// Reads the chain head, locking it on PostgreSQL until the transaction ends.
fn lock_head(conn: &mut AnyConnection) -> Result<Head, StoreError> {
    let query = audit_chain_head::table
        .find(1)
        .select((audit_chain_head::last_seq, audit_chain_head::last_hash));
    let head: Option<(i64, String)> = match conn {
        AnyConnection::Postgresql(c) => query.for_update().first(c).optional()?,
        AnyConnection::Sqlite(c) => query.first(c).optional()?,
    };
    match head {
        Some((last_seq, last_hash)) if !last_hash.is_empty() => Ok(Head {
            last_seq,
            last_hash,
        }),
        _ => Err(head_missing()),
    }
}

/// An `audit_staged` row: a record as its request staged it, not yet chained.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = audit_staged)]
#[diesel(treat_none_as_default_value = false)]
struct StagedRow {
    id: DbUuid,
    occurred_at: DbInstant,
    actor_id: Option<DbUuid>,
    actor_username: Option<String>,
    actor_roles: String,
    action: String,
    resource_type: String,
    resource_id: Option<String>,
    outcome: String,
    request_id: Option<String>,
    client_addr: Option<String>,
    details: Option<String>,
    purpose: Option<String>,
    break_glass: bool,
    /// The persons' 16-byte ids concatenated, ascending, without duplicates.
    persons: Vec<u8>,
}

impl StagedRow {
    /// The row of a new record, with a fresh id. A record on a person resource always concerns
    /// that person.
    fn of(record: &NewAuditRecord) -> Self {
        let mut persons = record.persons.clone();
        if record.resource_type == PERSON_RESOURCE
            && let Some(person) = record
                .resource_id
                .as_deref()
                .and_then(|r| Uuid::parse_str(r).ok())
        {
            persons.push(person);
        }
        persons.sort_unstable();
        persons.dedup();
        Self {
            id: DbUuid(Uuid::now_v7()),
            occurred_at: record.occurred_at.into(),
            actor_id: record.actor_id.map(DbUuid),
            actor_username: record.actor_username.clone(),
            actor_roles: record.actor_roles.join(","),
            action: record.action.clone(),
            resource_type: record.resource_type.clone(),
            resource_id: record.resource_id.clone(),
            outcome: record.outcome.as_str().to_owned(),
            request_id: record.request_id.clone(),
            client_addr: record.client_addr.clone(),
            details: record.details.clone(),
            purpose: record.purpose.clone(),
            break_glass: record.break_glass,
            persons: persons.iter().flat_map(|p| *p.as_bytes()).collect(),
        }
    }

    /// The persons, from their concatenated ids.
    fn persons(&self) -> Result<Vec<Uuid>, StoreError> {
        if !self.persons.len().is_multiple_of(16) {
            return Err(StoreError::Internal(format!(
                "the staged audit record {} names persons in {} bytes, not a multiple of 16",
                self.id.0,
                self.persons.len()
            )));
        }
        Ok(self
            .persons
            .chunks_exact(16)
            .filter_map(|b| Uuid::from_slice(b).ok())
            .collect())
    }

    /// The record at position `seq` after the record whose hash is `prev_hash` (its own hash
    /// still to compute).
    fn into_row(self, seq: i64, prev_hash: String) -> AuditRow {
        AuditRow {
            id: self.id,
            occurred_at: self.occurred_at,
            actor_id: self.actor_id,
            actor_username: self.actor_username,
            actor_roles: self.actor_roles,
            action: self.action,
            resource_type: self.resource_type,
            resource_id: self.resource_id,
            outcome: self.outcome,
            request_id: self.request_id,
            client_addr: self.client_addr,
            details: self.details,
            seq,
            purpose: self.purpose,
            break_glass: self.break_glass,
            prev_hash,
            hash: String::new(),
        }
    }
}

/// PostgreSQL: stages a record in one statement that, for a read, also makes the transaction's
/// commit asynchronous (`set_config(…, true)` is `SET LOCAL`), so that a read's record costs one
/// round trip.
///
/// Written as a query fragment rather than `sql_query` because diesel never caches the
/// prepared statement of a `sql_query`: this one is prepared once per connection and then only
/// executed.
struct StageStatement<'a> {
    row: &'a StagedRow,
    asynchronous_commit: bool,
}

impl QueryId for StageStatement<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<Pg> for StageStatement<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        use crate::sql_types::{SqlInstant, SqlUuid};
        use diesel::sql_types::{Binary, Bool, Nullable, Text};
        let row = self.row;
        out.push_sql(
            "INSERT INTO audit_staged (id, occurred_at, actor_id, actor_username, actor_roles,
                 action, resource_type, resource_id, outcome, request_id, client_addr, details,
                 purpose, break_glass, persons)
             SELECT ",
        );
        out.push_bind_param::<SqlUuid, _>(&row.id)?;
        out.push_sql(", ");
        out.push_bind_param::<SqlInstant, _>(&row.occurred_at)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<SqlUuid>, _>(&row.actor_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&row.actor_username)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&row.actor_roles)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&row.action)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&row.resource_type)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&row.resource_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&row.outcome)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&row.request_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&row.client_addr)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&row.details)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&row.purpose)?;
        out.push_sql(", ");
        out.push_bind_param::<Bool, _>(&row.break_glass)?;
        out.push_sql(", ");
        out.push_bind_param::<Binary, _>(&row.persons)?;
        out.push_sql(
            "
             FROM (SELECT set_config('synchronous_commit',
                 CASE WHEN ",
        );
        out.push_bind_param::<Bool, _>(&self.asynchronous_commit)?;
        out.push_sql(
            " THEN 'off' ELSE current_setting('synchronous_commit') END, true)) AS commit_mode",
        );
        Ok(())
    }
}

impl RunQueryDsl<diesel::PgConnection> for StageStatement<'_> {}

/// The persons of each record, ascending.
pub(crate) fn persons_of(
    conn: &mut AnyConnection,
    ids: &[DbUuid],
) -> Result<HashMap<Uuid, Vec<Uuid>>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let links: Vec<(DbUuid, DbUuid)> = audit_record_persons::table
        .filter(audit_record_persons::audit_record_id.eq_any(ids.to_vec()))
        .select((
            audit_record_persons::audit_record_id,
            audit_record_persons::person_id,
        ))
        .load(conn)?;
    Ok(group_links(links))
}

/// Person links `(record, person)` grouped by record, each record's persons ascending.
fn group_links(links: Vec<(DbUuid, DbUuid)>) -> HashMap<Uuid, Vec<Uuid>> {
    let mut out: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (record, person) in links {
        out.entry(record.0).or_default().push(person.0);
    }
    for persons in out.values_mut() {
        persons.sort_unstable();
    }
    out
}

fn with_persons(
    conn: &mut AnyConnection,
    rows: Vec<AuditRow>,
) -> Result<Vec<AuditEntry>, StoreError> {
    let ids: Vec<DbUuid> = rows.iter().map(|r| r.id).collect();
    let mut persons = persons_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let persons = persons.remove(&row.id.0).unwrap_or_default();
            AuditEntry { row, persons }
        })
        .collect())
}

/// The most recent records, newest first (tests use it to check side effects); see
/// [`recent_entries`] for the persons they concern.
pub fn recent(conn: &mut AnyConnection, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
    Ok(audit_records::table
        .select(AuditRow::as_select())
        .order(audit_records::seq.desc())
        .limit(limit)
        .load(conn)?)
}

/// The most recent records with the persons they concern, newest first.
pub fn recent_entries(conn: &mut AnyConnection, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
    let rows = recent(conn, limit)?;
    with_persons(conn, rows)
}

/// One record by id, with its persons.
pub fn find(conn: &mut AnyConnection, id: Uuid) -> Result<Option<AuditEntry>, StoreError> {
    let row = audit_records::table
        .find(DbUuid(id))
        .select(AuditRow::as_select())
        .first(conn)
        .optional()?;
    Ok(with_persons(conn, row.into_iter().collect())?.pop())
}

/// How the action of a search is matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionFilter {
    /// Exactly this action code.
    Exact(String),
    /// Every action starting with this text (e.g. `case_file.`).
    Prefix(String),
}

/// Filters of a search of the trail; every filter present must hold.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Records of this actor.
    pub actor_id: Option<Uuid>,
    /// Records concerning this person.
    pub person_id: Option<Uuid>,
    /// Records of this action.
    pub action: Option<ActionFilter>,
    /// Records on this kind of resource.
    pub resource_type: Option<String>,
    /// Records with this outcome.
    pub outcome: Option<Outcome>,
    /// Only records made under (true) or outside (false) a break-glass grant.
    pub break_glass: Option<bool>,
    /// Records that happened at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Records that happened before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Keyset position: records with a `seq` below this one.
    pub before_seq: Option<i64>,
    /// Page size.
    pub limit: i64,
}

fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Searches the trail, newest first (descending `seq`).
pub fn search(conn: &mut AnyConnection, q: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
    let mut query = audit_records::table
        .select(AuditRow::as_select())
        .order(audit_records::seq.desc())
        .limit(q.limit)
        .into_boxed();
    if let Some(actor) = q.actor_id {
        query = query.filter(audit_records::actor_id.eq(DbUuid(actor)));
    }
    if let Some(person) = q.person_id {
        query = query.filter(
            audit_records::id.eq_any(
                audit_record_persons::table
                    .filter(audit_record_persons::person_id.eq(DbUuid(person)))
                    .select(audit_record_persons::audit_record_id),
            ),
        );
    }
    match &q.action {
        Some(ActionFilter::Exact(action)) => {
            query = query.filter(audit_records::action.eq(action.clone()));
        }
        Some(ActionFilter::Prefix(prefix)) => {
            query = query.filter(
                audit_records::action
                    .like(format!("{}%", like_escape(prefix)))
                    .escape('\\'),
            );
        }
        None => {}
    }
    if let Some(resource_type) = &q.resource_type {
        query = query.filter(audit_records::resource_type.eq(resource_type.clone()));
    }
    if let Some(outcome) = q.outcome {
        query = query.filter(audit_records::outcome.eq(outcome.as_str()));
    }
    if let Some(break_glass) = q.break_glass {
        query = query.filter(audit_records::break_glass.eq(break_glass));
    }
    if let Some(from) = q.from {
        query = query.filter(audit_records::occurred_at.ge(DbInstant::from(from)));
    }
    if let Some(to) = q.to {
        query = query.filter(audit_records::occurred_at.lt(DbInstant::from(to)));
    }
    if let Some(before) = q.before_seq {
        query = query.filter(audit_records::seq.lt(before));
    }
    let rows = query.load(conn)?;
    with_persons(conn, rows)
}

/// What one actor did with a person's data within a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorSummary {
    /// The actor (absent for anonymous attempts and the command line).
    pub actor_id: Option<Uuid>,
    /// The actor's username as recorded (the latest one seen).
    pub actor_username: Option<String>,
    /// Number of records.
    pub count: u64,
    /// First record.
    pub first: DateTime<Utc>,
    /// Last record.
    pub last: DateTime<Utc>,
}

/// Every access to a person's data within a period (GDPR art. 15 access request).
#[derive(Debug, Clone)]
pub struct PersonAccessReport {
    /// The records, oldest first, at most the requested number.
    pub entries: Vec<AuditEntry>,
    /// Whether more records exist than were returned in `entries`.
    pub truncated: bool,
    /// One line per actor over every record of the period (not only those in `entries`),
    /// by number of records, descending.
    pub actors: Vec<ActorSummary>,
    /// Number of records in the period.
    pub total: u64,
}

/// Who accessed `person_id` between `from` (inclusive) and `to` (exclusive): the records
/// (oldest first, at most `max_entries`) and a summary per actor over all of them.
pub fn person_access_report(
    conn: &mut AnyConnection,
    person_id: Uuid,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    max_entries: i64,
) -> Result<PersonAccessReport, StoreError> {
    let concerning = || {
        audit_records::id.eq_any(
            audit_record_persons::table
                .filter(audit_record_persons::person_id.eq(DbUuid(person_id)))
                .select(audit_record_persons::audit_record_id),
        )
    };
    let mut summary_query = audit_records::table
        .filter(concerning())
        .select((
            audit_records::seq,
            audit_records::actor_id,
            audit_records::actor_username,
            audit_records::occurred_at,
        ))
        .order(audit_records::seq.asc())
        .into_boxed();
    let mut entries_query = audit_records::table
        .filter(concerning())
        .select(AuditRow::as_select())
        .order(audit_records::seq.asc())
        .limit(max_entries + 1)
        .into_boxed();
    if let Some(from) = from {
        summary_query = summary_query.filter(audit_records::occurred_at.ge(DbInstant::from(from)));
        entries_query = entries_query.filter(audit_records::occurred_at.ge(DbInstant::from(from)));
    }
    if let Some(to) = to {
        summary_query = summary_query.filter(audit_records::occurred_at.lt(DbInstant::from(to)));
        entries_query = entries_query.filter(audit_records::occurred_at.lt(DbInstant::from(to)));
    }
    let mut rows = entries_query.load(conn)?;
    let truncated = rows.len() as i64 > max_entries;
    rows.truncate(usize::try_from(max_entries).unwrap_or(0));
    let entries = with_persons(conn, rows)?;

    let light: Vec<(i64, Option<DbUuid>, Option<String>, DbInstant)> = summary_query.load(conn)?;
    let total = light.len() as u64;
    let mut by_actor: BTreeMap<Option<Uuid>, ActorSummary> = BTreeMap::new();
    for (_, actor, username, at) in light {
        let actor = actor.map(|a| a.0);
        let line = by_actor.entry(actor).or_insert_with(|| ActorSummary {
            actor_id: actor,
            actor_username: username.clone(),
            count: 0,
            first: at.0,
            last: at.0,
        });
        line.count += 1;
        line.first = line.first.min(at.0);
        if at.0 >= line.last {
            line.last = at.0;
            line.actor_username = username;
        }
    }
    let mut actors: Vec<ActorSummary> = by_actor.into_values().collect();
    actors.sort_by(|a, b| b.count.cmp(&a.count).then(a.first.cmp(&b.first)));
    Ok(PersonAccessReport {
        entries,
        truncated,
        actors,
        total,
    })
}

/// Number of records made under break-glass by `actor_id` between `from` (inclusive) and `to`
/// (inclusive) that concern `case_file_id` (as their resource) or `person_id`.
pub fn count_break_glass(
    conn: &mut AnyConnection,
    actor_id: Uuid,
    case_file_id: Uuid,
    person_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<i64, StoreError> {
    Ok(audit_records::table
        .filter(audit_records::actor_id.eq(DbUuid(actor_id)))
        .filter(audit_records::break_glass.eq(true))
        .filter(audit_records::occurred_at.ge(DbInstant::from(from)))
        .filter(audit_records::occurred_at.le(DbInstant::from(to)))
        .filter(
            audit_records::resource_id
                .eq(case_file_id.to_string())
                .or(audit_records::id.eq_any(
                    audit_record_persons::table
                        .filter(audit_record_persons::person_id.eq(DbUuid(person_id)))
                        .select(audit_record_persons::audit_record_id),
                )),
        )
        .count()
        .get_result(conn)?)
}

/// The first place where the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// Position of the first record that fails (or that is missing).
    pub seq: i64,
    /// Its id, when the record exists.
    pub id: Option<Uuid>,
    /// What is wrong, in words.
    pub reason: String,
}

/// Result of a verification of the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Records checked before the first broken link (all of them when the chain is intact).
    pub checked: u64,
    /// The `seq` of the last record according to the chain head when verification started.
    pub head_seq: i64,
    /// The hash of that last record according to the chain head.
    pub head_hash: String,
    /// The first broken link, or `None` when the chain is intact.
    pub first_broken: Option<BrokenLink>,
}

impl VerifyReport {
    /// Whether every record and the head are consistent.
    pub fn intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

fn broken(seq: i64, id: Option<Uuid>, reason: String) -> Option<BrokenLink> {
    Some(BrokenLink { seq, id, reason })
}

/// Rows read per batch by the walks of the whole trail ([`verify`], and the audit log's
/// verification against a checkpoint).
pub(crate) const WALK_BATCH: i64 = 2000;

/// A batch of a walk of the trail: records in `seq` order, each with its persons (ascending).
pub(crate) type WalkBatch = Vec<(AuditRow, Vec<Uuid>)>;

/// Reads batch `number` of a walk of the trail: the records with `seq` from
/// `number × WALK_BATCH + 1` to `(number + 1) × WALK_BATCH` (and at most `until`, when given)
/// in `seq` order, each with its persons (ascending). `None` when there is no record from there
/// on (the end of the trail); an empty batch when a gap swallows the whole range but records
/// follow it (the chain's check then names the first missing record).
///
/// The persons come from one range scan of the link table's primary key, from the smallest to
/// the largest record id of the batch: record ids are UUID v7, ordered by time, so a batch of
/// consecutive records holds ids close together and the range holds little more than its own
/// links (one descent of the index instead of one per record; the links of records outside the
/// batch that fall in the range are skipped). A batch with an id of another version (records
/// written before the ids were v7) is looked up id by id.
pub(crate) fn read_walk_batch(
    conn: &mut AnyConnection,
    number: u64,
    until: Option<i64>,
) -> Result<Option<WalkBatch>, StoreError> {
    let batch = WALK_BATCH.unsigned_abs();
    let first = i64::try_from(number.saturating_mul(batch).saturating_add(1)).unwrap_or(i64::MAX);
    let last = first
        .saturating_add(WALK_BATCH - 1)
        .min(until.unwrap_or(i64::MAX));
    if first > last {
        return Ok(None);
    }
    let rows: Vec<AuditRow> = audit_records::table
        .select(AuditRow::as_select())
        .filter(audit_records::seq.between(first, last))
        .order(audit_records::seq.asc())
        .load(conn)?;
    if rows.is_empty() {
        let later: Option<i64> = audit_records::table
            .filter(audit_records::seq.gt(last))
            .select(audit_records::seq)
            .order(audit_records::seq.asc())
            .first(conn)
            .optional()?;
        return Ok(later
            .filter(|&seq| seq <= until.unwrap_or(i64::MAX))
            .map(|_| Vec::new()));
    }
    let ordered = rows.iter().all(|r| r.id.0.get_version_num() == 7);
    let mut persons = match (
        rows.iter().map(|r| r.id).min(),
        rows.iter().map(|r| r.id).max(),
    ) {
        (Some(low), Some(high)) if ordered => {
            let links: Vec<(DbUuid, DbUuid)> = audit_record_persons::table
                .filter(audit_record_persons::audit_record_id.between(low, high))
                .select((
                    audit_record_persons::audit_record_id,
                    audit_record_persons::person_id,
                ))
                .load(conn)?;
            group_links(links)
        }
        _ => {
            let ids: Vec<DbUuid> = rows.iter().map(|r| r.id).collect();
            persons_of(conn, &ids)?
        }
    };
    Ok(Some(
        rows.into_iter()
            .map(|row| {
                let links = persons.remove(&row.id.0).unwrap_or_default();
                (row, links)
            })
            .collect(),
    ))
}

/// Runs a walk of the trail as a pipeline: each of `readers` reads every n-th batch (`load`
/// with the batch's number) on a thread of its own while `consume` checks the batches in their
/// order on this thread, so that the database's answers, their decoding and the hashing
/// overlap. Each reader hands over one batch at a time: memory stays constant. Stops at the
/// first batch that `load` gives as `None` (the end), at the first failure of a reader (its
/// error is returned), or when `consume` returns `false` (it found what it looked for). An
/// error without any reader.
pub(crate) fn pipelined<B, L, C>(
    readers: &mut [&mut AnyConnection],
    load: L,
    mut consume: C,
) -> Result<(), StoreError>
where
    B: Send,
    L: Fn(&mut AnyConnection, u64) -> Result<Option<B>, StoreError> + Sync,
    C: FnMut(B) -> bool,
{
    if readers.is_empty() {
        return Err(StoreError::Internal(
            "no connection to read the trail".into(),
        ));
    }
    let count = readers.len() as u64;
    std::thread::scope(|scope| {
        let load = &load;
        let mut receivers = Vec::new();
        let mut workers = Vec::new();
        for (nth, conn) in (0_u64..).zip(readers.iter_mut()) {
            let (sender, receiver) = std::sync::mpsc::sync_channel::<B>(1);
            receivers.push(receiver);
            workers.push(scope.spawn(move || -> Result<(), StoreError> {
                let mut number = nth;
                while let Some(batch) = load(conn, number)? {
                    if sender.send(batch).is_err() {
                        // The check stopped: it found what it looked for.
                        break;
                    }
                    number += count;
                }
                Ok(())
            }));
        }
        'walk: loop {
            for receiver in &receivers {
                match receiver.recv() {
                    Ok(batch) => {
                        if !consume(batch) {
                            break 'walk;
                        }
                    }
                    // That reader reached the end, or failed.
                    Err(_) => break 'walk,
                }
            }
        }
        drop(receivers);
        let mut outcome = Ok(());
        for worker in workers {
            let result = worker.join().unwrap_or_else(|_| {
                Err(StoreError::Internal(
                    "a reader of the audit trail failed".into(),
                ))
            });
            if outcome.is_ok() {
                outcome = result;
            }
        }
        outcome
    })
}

/// The check of the chain, record by record, in `seq` order from record 1; see [`verify`].
#[derive(Debug)]
pub(crate) struct ChainWalk {
    report: VerifyReport,
    expected: i64,
    prev: String,
    /// The hash of record `head_seq`, once the walk passed it.
    at_head: Option<String>,
}

impl ChainWalk {
    /// Starts a walk against the chain head as it is now; `None`, with the report to give, when
    /// the head is missing.
    pub(crate) fn start(
        conn: &mut AnyConnection,
    ) -> Result<Result<Self, VerifyReport>, StoreError> {
        let head: Option<(i64, String)> = audit_chain_head::table
            .find(1)
            .select((audit_chain_head::last_seq, audit_chain_head::last_hash))
            .first(conn)
            .optional()?;
        let Some((head_seq, head_hash)) = head else {
            return Ok(Err(VerifyReport {
                checked: 0,
                head_seq: 0,
                head_hash: String::new(),
                first_broken: broken(0, None, "the chain head is missing".into()),
            }));
        };
        Ok(Ok(Self {
            at_head: (head_seq == 0).then(|| GENESIS_HASH.to_owned()),
            report: VerifyReport {
                checked: 0,
                head_seq,
                head_hash,
                first_broken: None,
            },
            expected: 1,
            prev: GENESIS_HASH.to_owned(),
        }))
    }

    /// The `seq` of the last record according to the chain head at the start.
    pub(crate) fn head_seq(&self) -> i64 {
        self.report.head_seq
    }

    /// Checks the next record, given its canonical encoding: it must follow the previous one
    /// without a gap, name its hash and hash to its own. Returns the first broken link.
    pub(crate) fn step(&mut self, row: &AuditRow, encoding: &[u8]) -> Option<&BrokenLink> {
        let expected = self.expected;
        let fault = if row.seq != expected {
            Some((
                expected,
                None,
                format!(
                    "record {expected} is missing (the next record has seq {})",
                    row.seq
                ),
            ))
        } else if row.prev_hash != self.prev {
            Some((
                expected,
                Some(row.id.0),
                if expected == 1 {
                    "prev_hash of the first record is not the genesis hash".into()
                } else {
                    format!(
                        "prev_hash does not match the hash of record {}",
                        expected - 1
                    )
                },
            ))
        } else if hash_of_encoding(encoding) != row.hash {
            Some((
                expected,
                Some(row.id.0),
                "the stored hash does not match the record's content: the record or its persons were changed".into(),
            ))
        } else {
            None
        };
        if let Some((seq, id, reason)) = fault {
            self.report.first_broken = broken(seq, id, reason);
            return self.report.first_broken.as_ref();
        }
        self.prev.clone_from(&row.hash);
        if expected == self.report.head_seq {
            self.at_head = Some(row.hash.clone());
        }
        self.expected += 1;
        self.report.checked += 1;
        None
    }

    /// The report, once every record was given: the walk must have reached the record the head
    /// names, and that record's hash must be the head's.
    pub(crate) fn finish(mut self) -> VerifyReport {
        if self.report.first_broken.is_some() {
            return self.report;
        }
        let head_seq = self.report.head_seq;
        match &self.at_head {
            None => {
                let expected = self.expected;
                self.report.first_broken = broken(
                    expected,
                    None,
                    format!(
                        "records {expected} to {head_seq} are missing (the chain head names {head_seq})"
                    ),
                );
            }
            Some(hash) if *hash != self.report.head_hash => {
                self.report.first_broken = broken(
                    head_seq,
                    None,
                    format!("the chain head's hash does not match the hash of record {head_seq}"),
                );
            }
            Some(_) => {}
        }
        self.report
    }
}

/// Recomputes the whole chain, in `seq` order and in batches, up to the head as read at the
/// start (records appended meanwhile are left for the next run): every record must follow the
/// previous one without a gap, carry the previous hash, and hash to its stored hash; the head
/// must name the last record. Reads and checks overlap ([`pipelined`]); memory stays constant.
/// Run it in a read transaction.
pub fn verify(conn: &mut AnyConnection) -> Result<VerifyReport, StoreError> {
    verify_on(&mut [conn])
}

/// [`verify`] with several connections, each in a read transaction, reading batches at once
/// (the first one reads the head).
pub fn verify_on(readers: &mut [&mut AnyConnection]) -> Result<VerifyReport, StoreError> {
    let Some(first) = readers.first_mut() else {
        return Err(StoreError::Internal(
            "no connection to read the trail".into(),
        ));
    };
    let mut walk = match ChainWalk::start(first)? {
        Ok(walk) => walk,
        Err(report) => return Ok(report),
    };
    let until = walk.head_seq();
    pipelined(
        readers,
        |c, number| read_walk_batch(c, number, Some(until)),
        |batch| {
            batch
                .iter()
                .all(|(row, persons)| walk.step(row, &canonical_bytes(row, persons)).is_none())
        },
    )?;
    Ok(walk.finish())
}

/// The persons a record written before persons were linked concerns: the person of a `person`
/// resource, and the `person_id` member of its details (records of case-file data carried it
/// there). The details are JSON written by the application itself, compact.
fn legacy_persons(row: &AuditRow) -> Vec<Uuid> {
    const KEY: &str = "\"person_id\":\"";
    let mut found = Vec::new();
    if row.resource_type == PERSON_RESOURCE
        && let Some(id) = row
            .resource_id
            .as_deref()
            .and_then(|r| Uuid::parse_str(r).ok())
    {
        found.push(id);
    }
    if let Some(details) = row.details.as_deref() {
        let mut rest = details;
        while let Some(at) = rest.find(KEY) {
            rest = &rest[at + KEY.len()..];
            if let Some(id) = rest.get(..36).and_then(|t| Uuid::parse_str(t).ok()) {
                found.push(id);
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    found
}

/// Chains the records that have no hash yet (those written before the chain existed, numbered
/// by migration `2026-11-26-000009_audit_chain`) and sets the head; before hashing a record it
/// links the persons it names ([`legacy_persons`]), so that access reports cover the time before
/// the chain. Idempotent; returns how many records it hashed. Runs before the migration that
/// makes the trail immutable.
pub fn chain_unhashed(conn: &mut AnyConnection) -> Result<u64, StoreError> {
    let mut hashed = 0_u64;
    let mut last_seq = 0_i64;
    let mut prev = GENESIS_HASH.to_owned();
    loop {
        let rows: Vec<AuditRow> = audit_records::table
            .select(AuditRow::as_select())
            .filter(audit_records::seq.gt(last_seq))
            .order(audit_records::seq.asc())
            .limit(BATCH)
            .load(conn)?;
        if rows.is_empty() {
            break;
        }
        let ids: Vec<DbUuid> = rows.iter().map(|r| r.id).collect();
        let mut persons = persons_of(conn, &ids)?;
        for mut row in rows {
            if row.hash.is_empty() {
                row.prev_hash = prev.clone();
                let mut links = persons.remove(&row.id.0).unwrap_or_default();
                let found = legacy_persons(&row);
                let missing: Vec<Uuid> = found.into_iter().filter(|p| !links.contains(p)).collect();
                let missing_links: Vec<PersonLink> = missing
                    .iter()
                    .map(|p| PersonLink {
                        audit_record_id: row.id,
                        person_id: DbUuid(*p),
                    })
                    .collect();
                insert_links(conn, &missing_links)?;
                links.extend(missing);
                row.hash = compute_hash(&row, &links);
                diesel::update(audit_records::table.find(row.id))
                    .set((
                        audit_records::prev_hash.eq(&row.prev_hash),
                        audit_records::hash.eq(&row.hash),
                    ))
                    .execute(conn)?;
                hashed += 1;
            }
            last_seq = row.seq;
            prev = row.hash;
        }
    }
    set_head(conn, last_seq, &prev)?;
    Ok(hashed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> AuditRow {
        AuditRow {
            id: DbUuid(Uuid::from_u128(7)),
            occurred_at: DbInstant(
                DateTime::parse_from_rfc3339("2026-11-26T10:00:00.123456Z")
                    .map(|d| d.with_timezone(&Utc))
                    .unwrap_or_default(),
            ),
            actor_id: Some(DbUuid(Uuid::from_u128(1))),
            actor_username: Some("anna".into()),
            actor_roles: "social_worker".into(),
            action: "person.read".into(),
            resource_type: "person".into(),
            resource_id: Some("x".into()),
            outcome: "success".into(),
            request_id: None,
            client_addr: Some("127.0.0.1".into()),
            details: None,
            seq: 1,
            purpose: None,
            break_glass: false,
            prev_hash: GENESIS_HASH.into(),
            hash: String::new(),
        }
    }

    #[test]
    fn every_field_changes_the_hash() {
        let base = compute_hash(&row(), &[]);
        assert_eq!(base.len(), 64);
        let mut variants: Vec<AuditRow> = Vec::new();
        let mut r = row();
        r.seq = 2;
        variants.push(r);
        let mut r = row();
        r.purpose = Some(String::new());
        variants.push(r);
        let mut r = row();
        r.break_glass = true;
        variants.push(r);
        let mut r = row();
        r.request_id = Some(String::new());
        variants.push(r);
        let mut r = row();
        r.actor_id = None;
        variants.push(r);
        let mut r = row();
        r.prev_hash = "1".repeat(64);
        variants.push(r);
        for v in variants {
            assert_ne!(compute_hash(&v, &[]), base, "{v:?}");
        }
        assert_ne!(compute_hash(&row(), &[Uuid::from_u128(3)]), base);
    }

    #[test]
    fn persons_are_a_set() {
        let (a, b) = (Uuid::from_u128(3), Uuid::from_u128(4));
        assert_eq!(
            compute_hash(&row(), &[a, b]),
            compute_hash(&row(), &[b, a, b])
        );
    }

    #[test]
    fn fields_cannot_slide_into_each_other() {
        let mut one = row();
        one.action = "ab".into();
        one.resource_type = "c".into();
        let mut two = row();
        two.action = "a".into();
        two.resource_type = "bc".into();
        assert_ne!(compute_hash(&one, &[]), compute_hash(&two, &[]));
    }

    #[test]
    fn legacy_records_name_their_persons() {
        let (a, b) = (Uuid::from_u128(0xa), Uuid::from_u128(0xb));
        let mut r = row();
        r.resource_id = Some(a.to_string());
        r.details = Some(format!(r#"{{"person_id":"{b}","case_file_id":"x"}}"#));
        assert_eq!(legacy_persons(&r), vec![a, b]);
        r.resource_type = "case_file".into();
        r.details = Some(format!(
            r#"{{"person_id":"{b}","x":{{"person_id":"{b}"}}}}"#
        ));
        assert_eq!(legacy_persons(&r), vec![b]);
        r.details = Some(r#"{"person_id":"not-a-uuid"}"#.into());
        assert!(legacy_persons(&r).is_empty());
        r.details = Some("free text".into());
        assert!(legacy_persons(&r).is_empty());
    }

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(like_escape("case_file."), "case\\_file.");
        assert_eq!(like_escape("50%"), "50\\%");
    }
}
