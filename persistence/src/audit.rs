//! The audit trail: append-only records of who did what to which resource and which persons,
//! chained by SHA-256 hashes so that any later change is detectable.
//!
//! There is deliberately no update or delete function in this module, and the database refuses
//! both (migration `2026-11-26-000010_audit_immutable`).
//!
//! # The chain
//!
//! Records are numbered `seq` = 1, 2, 3… without gaps. Each carries `prev_hash`, the `hash` of
//! record `seq - 1` ([`GENESIS_HASH`] for record 1), and its own `hash`, the lowercase hex
//! SHA-256 of its [canonical encoding](canonical_bytes). The one-row table `audit_chain_head`
//! holds the last `seq` and `hash`. On SQLite [`append`] reads it and chains the record at once
//! (the single writer connection already serialises write transactions); on PostgreSQL
//! [`append`] stages the record and a deferred trigger chains it when the transaction commits,
//! under a row lock on the head (`SELECT … FOR UPDATE`) held only during that commit. The records
//! of reads are appended after their read, several at once, by [`append_batch`] (through
//! [`crate::audit_appender::Appender`]), which takes the head the same way once per batch.
//! Either way concurrent appends cannot fork the chain.
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
use crate::schema::{audit_chain_head, audit_record_persons, audit_records};
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

/// Item 1 of [`canonical_bytes`]: the tag as a string.
fn canonical_tag() -> Vec<u8> {
    let mut out = Vec::with_capacity(ENCODING_TAG.len() + 4);
    put_str(&mut out, ENCODING_TAG);
    out
}

/// Items 3 to 8 of [`canonical_bytes`]: everything but the tag, `seq` and `prev_hash`, the
/// three parts the chain head decides. On PostgreSQL the application stages these bytes with the
/// record and the chaining trigger completes the encoding around them (see [`AppendStatement`]).
fn canonical_body(row: &AuditRow, persons: &[Uuid]) -> Vec<u8> {
    let mut out = Vec::with_capacity(384);
    put_body(&mut out, row, persons);
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

/// Reads the chain head (SQLite: the single writer connection already serialises appends).
fn read_head(conn: &mut diesel::SqliteConnection) -> Result<Head, StoreError> {
    let head: Option<(i64, String)> = audit_chain_head::table
        .find(1)
        .select((audit_chain_head::last_seq, audit_chain_head::last_hash))
        .first(conn)
        .optional()?;
    match head {
        Some((last_seq, last_hash)) if !last_hash.is_empty() => Ok(Head {
            last_seq,
            last_hash,
        }),
        _ => Err(head_missing()),
    }
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

fn insert_links(conn: &mut AnyConnection, id: Uuid, persons: &[Uuid]) -> Result<(), StoreError> {
    // Most records name one person: a single-row insert is a cached prepared statement, where a
    // multi-row one is prepared anew each time.
    if let [person] = persons {
        diesel::insert_into(audit_record_persons::table)
            .values(&PersonLink {
                audit_record_id: DbUuid(id),
                person_id: DbUuid(*person),
            })
            .execute(conn)?;
        return Ok(());
    }
    for chunk in persons.chunks(LINK_CHUNK) {
        let links: Vec<PersonLink> = chunk
            .iter()
            .map(|p| PersonLink {
                audit_record_id: DbUuid(id),
                person_id: DbUuid(*p),
            })
            .collect();
        // One multi-row INSERT per chunk; the multi-backend connection has no batch insert.
        match conn {
            AnyConnection::Postgresql(c) => diesel::insert_into(audit_record_persons::table)
                .values(&links)
                .execute(c)?,
            AnyConnection::Sqlite(c) => diesel::insert_into(audit_record_persons::table)
                .values(&links)
                .execute(c)?,
        };
    }
    Ok(())
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

/// Appends a record at the end of the chain; call it inside the transaction of the action it
/// records, so that both commit or neither does. Returns the record's id. The persons linked to
/// it are `record.persons` plus, for a record on a `person` resource, that person.
///
/// On PostgreSQL the record reaches `audit_records` when the transaction commits (it is staged
/// in `audit_pending` until then, see [`AppendStatement`]): a query in the same transaction
/// after the append does not see it yet, and a missing chain head makes the COMMIT fail rather
/// than this call.
pub fn append(conn: &mut AnyConnection, record: NewAuditRecord) -> Result<Uuid, StoreError> {
    if DISABLED_FOR_BENCHMARK {
        return Ok(Uuid::nil());
    }
    let asynchronous_commit =
        record.read_only && ASYNCHRONOUS_READ_COMMITS.load(std::sync::atomic::Ordering::Relaxed);
    let (mut row, persons) = unchained(&record);
    let id = row.id.0;
    let head = match conn {
        // Staged here, chained by the database when the transaction commits (see
        // `AppendStatement`): concurrent requests do not wait for one another until then.
        AnyConnection::Postgresql(c) => {
            let staged = AppendStatement {
                row: &row,
                persons: persons.iter().flat_map(|p| *p.as_bytes()).collect(),
                tag: canonical_tag(),
                body: canonical_body(&row, &persons),
                asynchronous_commit,
            }
            .execute(c)?;
            return if staged == 1 {
                Ok(id)
            } else {
                Err(StoreError::Internal(format!(
                    "staging the audit record inserted {staged} rows"
                )))
            };
        }
        AnyConnection::Sqlite(c) => read_head(c)?,
    };
    chain_on_sqlite(conn, &mut row, &persons, head.last_seq, &head.last_hash)?;
    set_head(conn, row.seq, &row.hash)?;
    Ok(id)
}

/// A record as a row not yet chained (`seq` 0, no hashes), with a fresh id, and the persons it
/// concerns, ascending, without duplicates.
fn unchained(record: &NewAuditRecord) -> (AuditRow, Vec<Uuid>) {
    let id = Uuid::now_v7();
    let mut persons = record.persons.clone();
    // A record on a person resource always concerns that person.
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
    let row = AuditRow {
        id: DbUuid(id),
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
        seq: 0,
        purpose: record.purpose.clone(),
        break_glass: record.break_glass,
        prev_hash: String::new(),
        hash: String::new(),
    };
    (row, persons)
}

/// SQLite: gives `row` the position after `last_seq`, chains it to `last_hash` and inserts it
/// with its person links (the caller moves the head).
fn chain_on_sqlite(
    conn: &mut AnyConnection,
    row: &mut AuditRow,
    persons: &[Uuid],
    last_seq: i64,
    last_hash: &str,
) -> Result<(), StoreError> {
    row.seq = last_seq + 1;
    row.prev_hash = last_hash.to_owned();
    row.hash = compute_hash(row, persons);
    diesel::insert_into(audit_records::table)
        .values(&*row)
        .execute(conn)?;
    insert_links(conn, row.id.0, persons)
}

/// Appends several records at the end of the chain, in their order, in one statement on
/// PostgreSQL (the function `audit_append_batch` of migration
/// `2026-12-07-000046_audit_append_batch` locks the head once, chains and inserts them all and
/// moves the head once) and under one reading of the head on SQLite. Call it inside a write
/// transaction, or on PostgreSQL outside any (the statement is then its own transaction).
/// Returns the records' ids, in order.
///
/// For the records of reads, which change nothing else: [`Appender`] gathers those of
/// concurrent requests into one call, so that they meet at the chain head once per batch
/// instead of once each. When every record is a read's, the PostgreSQL commit is asynchronous
/// as for [`append`] (see [`set_asynchronous_read_commits`]).
pub fn append_batch(
    conn: &mut AnyConnection,
    records: &[NewAuditRecord],
) -> Result<Vec<Uuid>, StoreError> {
    if DISABLED_FOR_BENCHMARK {
        return Ok(vec![Uuid::nil(); records.len()]);
    }
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let asynchronous_commit = records.iter().all(|r| r.read_only)
        && ASYNCHRONOUS_READ_COMMITS.load(std::sync::atomic::Ordering::Relaxed);
    let rows: Vec<(AuditRow, Vec<Uuid>)> = records.iter().map(unchained).collect();
    let ids: Vec<Uuid> = rows.iter().map(|(row, _)| row.id.0).collect();
    match conn {
        AnyConnection::Postgresql(c) => {
            let batch = batch_json(&rows);
            let last_seq: i64 =
                diesel::select(audit_append_batch(batch, asynchronous_commit)).get_result(c)?;
            if last_seq < i64::try_from(ids.len()).unwrap_or(i64::MAX) {
                return Err(StoreError::Internal(format!(
                    "the audit batch of {} records ended at seq {last_seq}",
                    ids.len()
                )));
            }
        }
        AnyConnection::Sqlite(c) => {
            let head = read_head(c)?;
            let mut last_seq = head.last_seq;
            let mut last_hash = head.last_hash;
            for (mut row, persons) in rows {
                chain_on_sqlite(conn, &mut row, &persons, last_seq, &last_hash)?;
                last_seq = row.seq;
                last_hash = row.hash;
            }
            set_head(conn, last_seq, &last_hash)?;
        }
    }
    Ok(ids)
}

diesel::define_sql_function! {
    /// Migration `2026-12-07-000046_audit_append_batch` (PostgreSQL): chains and inserts a
    /// batch of records given as a JSON array (text), returns the last `seq`.
    fn audit_append_batch(batch: diesel::sql_types::Text, asynchronous: diesel::sql_types::Bool) -> diesel::sql_types::BigInt;
}

/// A batch for `audit_append_batch`: per record, its columns (the instant as the canonical
/// text, which PostgreSQL reads back to the same microsecond), its persons and the parts of its
/// canonical encoding that do not depend on the chain, in hexadecimal.
fn batch_json(rows: &[(AuditRow, Vec<Uuid>)]) -> String {
    let tag = hex::encode(canonical_tag());
    serde_json::Value::Array(
        rows.iter()
            .map(|(row, persons)| {
                serde_json::json!({
                    "id": row.id.0.to_string(),
                    "occurred_at": sqlite_instant_text(&row.occurred_at.0),
                    "actor_id": row.actor_id.map(|a| a.0.to_string()),
                    "actor_username": row.actor_username,
                    "actor_roles": row.actor_roles,
                    "action": row.action,
                    "resource_type": row.resource_type,
                    "resource_id": row.resource_id,
                    "outcome": row.outcome,
                    "request_id": row.request_id,
                    "client_addr": row.client_addr,
                    "details": row.details,
                    "purpose": row.purpose,
                    "break_glass": row.break_glass,
                    "persons": persons.iter().map(Uuid::to_string).collect::<Vec<_>>(),
                    "tag": tag,
                    "body": hex::encode(canonical_body(row, persons)),
                })
            })
            .collect(),
    )
    .to_string()
}

/// PostgreSQL: stages the record in `audit_pending`, in one statement that locks nothing
/// shared; for a read it also makes the transaction's commit asynchronous
/// (`set_config(…, true)` is `SET LOCAL`).
///
/// The deferred trigger `audit_pending_chain` (migration
/// `2026-12-04-000015_audit_chained_at_commit`) chains the record when the transaction commits:
/// it locks the chain head, numbers the record, hashes it with the database's `sha256` over the
/// same bytes as [`canonical_bytes`] (the tag from [`canonical_tag`], `int8send(seq)` for the 8
/// big-endian bytes of `seq`, the body from [`canonical_body`], and `prev_hash` as a string),
/// inserts it and its person links, moves the head and deletes the staged row. The head is thus
/// locked only while the transaction commits, instead of from the append to the commit.
///
/// Written as a query fragment rather than `sql_query` because diesel never caches the
/// prepared statement of a `sql_query`: this one is prepared once per connection and then only
/// executed.
struct AppendStatement<'a> {
    row: &'a AuditRow,
    /// The persons' 16-byte ids concatenated, ascending, without duplicates.
    persons: Vec<u8>,
    /// Item 1 of the encoding, from [`canonical_tag`].
    tag: Vec<u8>,
    /// Items 3 to 8, from [`canonical_body`].
    body: Vec<u8>,
    asynchronous_commit: bool,
}

impl QueryId for AppendStatement<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<Pg> for AppendStatement<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        use crate::sql_types::{SqlInstant, SqlUuid};
        use diesel::sql_types::{Binary, Bool, Nullable, Text};
        let row = self.row;
        out.push_sql(
            "INSERT INTO audit_pending (id, occurred_at, actor_id, actor_username, actor_roles,
                 action, resource_type, resource_id, outcome, request_id, client_addr, details,
                 purpose, break_glass, persons, encoding_tag, encoding_body)
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
        out.push_bind_param::<Binary, _>(&self.persons)?;
        out.push_sql(", ");
        out.push_bind_param::<Binary, _>(&self.tag)?;
        out.push_sql(", ");
        out.push_bind_param::<Binary, _>(&self.body)?;
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

impl RunQueryDsl<diesel::PgConnection> for AppendStatement<'_> {}

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
                insert_links(conn, row.id.0, &missing)?;
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
