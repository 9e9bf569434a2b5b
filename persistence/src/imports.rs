//! Bulk imports (docs/import.md): the record of each import and of what became of each of its
//! lines, the claim that lets one request at a time work on an import, the facts a batch is
//! judged on, and the batched writes of its persons, households and case files (multi-row
//! `INSERT`s: one statement per table and batch, not one per row). The rules are
//! `socialcare_domain::import`'s.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::prelude::*;
use socialcare_domain::case_file::{CaseReference, TeamRole};
use socialcare_domain::household::Relationship;
use socialcare_domain::import::OfficeFacts;
use socialcare_domain::person::PersonDetails;
use uuid::Uuid;

use crate::case_files::{NewCaseFile, new_row};
use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::households::{HouseholdRow, MemberRow};
use crate::persons::{PersonRow, row_of};
use crate::schema::{
    case_file_target_groups, case_file_team, case_files, household_members, households,
    import_rows, imports, person_name_tokens, persons, users,
};
use crate::sql_types::{DbInstant, DbUuid};

/// Most bind parameters in one SQLite statement (`SQLITE_MAX_VARIABLE_NUMBER` of the bundled
/// SQLite); PostgreSQL allows twice as many, so the same chunks fit both.
const MAX_BINDS: usize = 32_766;

/// Writes `rows` into `table` with one multi-row `INSERT` per chunk that fits the engine's bind
/// limit (`columns` columns per row). The multi-backend connection has no batch insert, so each
/// engine gets its own.
macro_rules! insert_rows {
    ($conn:expr, $table:ident, $rows:expr, $columns:expr) => {{
        for chunk in $rows.chunks(MAX_BINDS / $columns) {
            match &mut *$conn {
                AnyConnection::Postgresql(c) => diesel::insert_into($table::table)
                    .values(chunk)
                    .execute(c)?,
                AnyConnection::Sqlite(c) => diesel::insert_into($table::table)
                    .values(chunk)
                    .execute(c)?,
            };
        }
    }};
}

/// An `imports` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = imports)]
#[diesel(treat_none_as_default_value = false)]
pub struct ImportRow {
    /// Primary key.
    pub id: DbUuid,
    /// SHA-256 of the file, lower-case hex.
    pub sha256: String,
    /// `running` or `completed`.
    pub status: String,
    /// `;` or `,`.
    pub delimiter: String,
    /// Data lines of the file.
    pub rows_total: i32,
    /// Batches of the file.
    pub batches: i32,
    /// The first batch not yet committed.
    pub next_batch: i32,
    /// Lines imported so far.
    pub imported: i32,
    /// Lines refused so far.
    pub refused: i32,
    /// Households created so far.
    pub households: i32,
    /// Case files opened so far.
    pub case_files: i32,
    /// The claim of the request working on the import.
    pub claim_token: Option<DbUuid>,
    /// Until when the claim holds.
    pub claimed_until: Option<DbInstant>,
    /// When the import was started.
    pub created_at: DbInstant,
    /// Who started it.
    pub created_by: DbUuid,
    /// When its last batch was committed.
    pub completed_at: Option<DbInstant>,
}

/// What an import starts with.
#[derive(Debug, Clone)]
pub struct NewImport {
    /// SHA-256 of the file.
    pub sha256: String,
    /// Its delimiter.
    pub delimiter: char,
    /// Its data lines.
    pub rows_total: i32,
    /// Its batches.
    pub batches: i32,
}

/// The import of a file, by its SHA-256.
pub fn find_by_sha256(
    conn: &mut AnyConnection,
    sha256: &str,
) -> Result<Option<ImportRow>, StoreError> {
    Ok(imports::table
        .filter(imports::sha256.eq(sha256))
        .select(ImportRow::as_select())
        .first(conn)
        .optional()?)
}

/// An import.
pub fn find(conn: &mut AnyConnection, id: Uuid) -> Result<Option<ImportRow>, StoreError> {
    Ok(imports::table
        .find(DbUuid(id))
        .select(ImportRow::as_select())
        .first(conn)
        .optional()?)
}

/// Records a new import, claimed by `token` until `until`. A file already recorded (by another
/// request in the meantime) is a conflict on `imports_sha256_key`.
pub fn insert(
    conn: &mut AnyConnection,
    new: &NewImport,
    token: Uuid,
    until: DateTime<Utc>,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<ImportRow, StoreError> {
    let row = ImportRow {
        id: DbUuid(Uuid::now_v7()),
        sha256: new.sha256.clone(),
        status: "running".into(),
        delimiter: new.delimiter.to_string(),
        rows_total: new.rows_total,
        batches: new.batches,
        next_batch: 0,
        imported: 0,
        refused: 0,
        households: 0,
        case_files: 0,
        claim_token: Some(DbUuid(token)),
        claimed_until: Some(until.into()),
        created_at: now.into(),
        created_by: DbUuid(actor),
        completed_at: None,
    };
    diesel::insert_into(imports::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// Claims a running import for `token` until `until`, unless another claim still holds at
/// `now`; whether it was claimed.
pub fn claim(
    conn: &mut AnyConnection,
    id: Uuid,
    token: Uuid,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        imports::table
            .find(DbUuid(id))
            .filter(imports::status.eq("running"))
            .filter(
                imports::claimed_until
                    .is_null()
                    .or(imports::claimed_until.lt(DbInstant(now))),
            ),
    )
    .set((
        imports::claim_token.eq(Some(DbUuid(token))),
        imports::claimed_until.eq(Some(DbInstant(until))),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// What one batch did.
#[derive(Debug, Clone, Copy, Default)]
pub struct BatchCounts {
    /// Lines imported.
    pub imported: i32,
    /// Lines refused.
    pub refused: i32,
    /// Households created.
    pub households: i32,
    /// Case files opened.
    pub case_files: i32,
}

/// Moves the import past batch `batch` with its counts and renews the claim, if `token` still
/// holds it and `batch` is its next batch; whether it did (when not, the caller rolls back).
pub fn advance(
    conn: &mut AnyConnection,
    id: Uuid,
    token: Uuid,
    batch: i32,
    counts: BatchCounts,
    until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        imports::table
            .find(DbUuid(id))
            .filter(imports::status.eq("running"))
            .filter(imports::claim_token.eq(DbUuid(token)))
            .filter(imports::next_batch.eq(batch)),
    )
    .set((
        imports::next_batch.eq(batch + 1),
        imports::imported.eq(imports::imported + counts.imported),
        imports::refused.eq(imports::refused + counts.refused),
        imports::households.eq(imports::households + counts.households),
        imports::case_files.eq(imports::case_files + counts.case_files),
        imports::claimed_until.eq(Some(DbInstant(until))),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Marks the import completed (every batch committed) and drops the claim; whether `token`
/// held it.
pub fn complete(
    conn: &mut AnyConnection,
    id: Uuid,
    token: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        imports::table
            .find(DbUuid(id))
            .filter(imports::status.eq("running"))
            .filter(imports::claim_token.eq(DbUuid(token)))
            .filter(imports::next_batch.eq(imports::batches)),
    )
    .set((
        imports::status.eq("completed"),
        imports::completed_at.eq(Some(DbInstant(now))),
        imports::claim_token.eq(None::<DbUuid>),
        imports::claimed_until.eq(None::<DbInstant>),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Gives up a claim (after a failed batch), so that the same file sent again goes on at once.
pub fn release(conn: &mut AnyConnection, id: Uuid, token: Uuid) -> Result<(), StoreError> {
    diesel::update(
        imports::table
            .find(DbUuid(id))
            .filter(imports::claim_token.eq(DbUuid(token))),
    )
    .set((
        imports::claim_token.eq(None::<DbUuid>),
        imports::claimed_until.eq(None::<DbInstant>),
    ))
    .execute(conn)?;
    Ok(())
}

/// Imports, newest first, before the position `(created_at, id)` when given.
pub fn list(
    conn: &mut AnyConnection,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<ImportRow>, StoreError> {
    let mut query = imports::table
        .order((imports::created_at.desc(), imports::id.desc()))
        .select(ImportRow::as_select())
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = before {
        query = query.filter(
            imports::created_at.lt(DbInstant(at)).or(imports::created_at
                .eq(DbInstant(at))
                .and(imports::id.lt(DbUuid(id)))),
        );
    }
    Ok(query.load(conn)?)
}

/// What became of one line of an imported file.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = import_rows)]
#[diesel(treat_none_as_default_value = false)]
pub struct LineRow {
    /// The import.
    pub import_id: DbUuid,
    /// Line number in the file.
    pub line: i32,
    /// `imported` or `refused`.
    pub outcome: String,
    /// The person it registered.
    pub person_id: Option<DbUuid>,
    /// The household it created or joined.
    pub household_id: Option<DbUuid>,
    /// The case file it opened.
    pub case_file_id: Option<DbUuid>,
    /// Why it was refused: a JSON array of `{column, reason}`.
    pub problems: Option<String>,
}

/// The lines of an import after line `after`, in file order, only those with `outcome` when
/// given.
pub fn lines(
    conn: &mut AnyConnection,
    id: Uuid,
    outcome: Option<&str>,
    after: i32,
    limit: i64,
) -> Result<Vec<LineRow>, StoreError> {
    let mut query = import_rows::table
        .filter(import_rows::import_id.eq(DbUuid(id)))
        .filter(import_rows::line.gt(after))
        .order(import_rows::line.asc())
        .select(LineRow::as_select())
        .limit(limit)
        .into_boxed();
    if let Some(outcome) = outcome {
        query = query.filter(import_rows::outcome.eq(outcome.to_owned()));
    }
    Ok(query.load(conn)?)
}

/// What the database knows of a batch's rows: the live persons holding one of `tax_codes`, the
/// live persons with one of `name_keys` (by name key and birth date), the staff accounts named
/// by `usernames` (with their ids).
pub fn office_facts(
    conn: &mut AnyConnection,
    tax_codes: &[String],
    name_keys: &[String],
    usernames: &[String],
) -> Result<(OfficeFacts, HashMap<String, Uuid>), StoreError> {
    let mut facts = OfficeFacts::default();
    for chunk in tax_codes.chunks(1000) {
        let found: Vec<(Option<String>, DbUuid)> = persons::table
            .filter(persons::tax_code.eq_any(chunk))
            .filter(persons::annulled_at.is_null())
            .select((persons::tax_code, persons::id))
            .load(conn)?;
        for (code, id) in found {
            if let Some(code) = code {
                facts.tax_codes.insert(code, id.0);
            }
        }
    }
    // PostgreSQL: `IN (SELECT unnest($1))`, not diesel's `= ANY($1)`. While an import runs the
    // table's statistics still describe it as it was before (autovacuum has not analysed the
    // rows just added), and the cached generic plan of `= ANY($1)` became a sequential scan
    // comparing every row with each of the 500 keys in turn: 120-270 ms a batch, most of a
    // 50 000-row import. The semi-join probes the name-key index once per key whatever the
    // statistics say. The annulled are left out here, not in SQL, so that no other index is
    // combined in. SQLite plans `IN (?, …)` on the index as it is.
    for chunk in name_keys.chunks(1000) {
        let found: Vec<NameMatch> = match conn {
            AnyConnection::Postgresql(c) => diesel::sql_query(
                "SELECT name_key, birth_date, id, annulled_at FROM persons \
                 WHERE name_key IN (SELECT unnest($1::text[]))",
            )
            .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(chunk)
            .load(c)?,
            AnyConnection::Sqlite(c) => persons::table
                .filter(persons::name_key.eq_any(chunk))
                .select((
                    persons::name_key,
                    persons::birth_date,
                    persons::id,
                    persons::annulled_at,
                ))
                .load::<(String, Option<NaiveDate>, DbUuid, Option<DbInstant>)>(c)?
                .into_iter()
                .map(|(name_key, birth_date, id, annulled_at)| NameMatch {
                    name_key,
                    birth_date,
                    id,
                    annulled_at,
                })
                .collect(),
        };
        for m in found {
            if let (Some(birth), None) = (m.birth_date, m.annulled_at) {
                facts
                    .names
                    .entry((m.name_key, birth))
                    .or_default()
                    .push(m.id.0);
            }
        }
    }
    let accounts: Vec<(String, DbUuid)> = users::table
        .filter(users::username.eq_any(usernames))
        .select((users::username, users::id))
        .load(conn)?;
    let mut ids = HashMap::new();
    for (username, id) in accounts {
        if let Some(staff) = crate::users::staff_facts(conn, id.0)? {
            facts.staff.insert(username.clone(), staff);
            ids.insert(username, id.0);
        }
    }
    Ok((facts, ids))
}

/// A person found by name key.
#[derive(QueryableByName)]
struct NameMatch {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name_key: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    birth_date: Option<NaiveDate>,
    #[diesel(sql_type = crate::sql_types::SqlUuid)]
    id: DbUuid,
    #[diesel(sql_type = diesel::sql_types::Nullable<crate::sql_types::SqlInstant>)]
    annulled_at: Option<DbInstant>,
}

/// One person of a batch, with what the row asks besides.
#[derive(Debug, Clone)]
pub struct NewPerson<'a> {
    /// The id to give it.
    pub id: Uuid,
    /// Identity and contacts.
    pub details: &'a PersonDetails,
}

/// One membership of a batch.
#[derive(Debug, Clone)]
pub struct NewMember {
    /// The household.
    pub household_id: Uuid,
    /// The person.
    pub person_id: Uuid,
    /// Relationship to the reference person.
    pub relationship: Relationship,
    /// First day.
    pub joined_on: NaiveDate,
}

/// What one batch writes.
#[derive(Debug, Default)]
pub struct BatchWrites<'a> {
    /// Persons.
    pub persons: Vec<NewPerson<'a>>,
    /// New households (ids).
    pub households: Vec<Uuid>,
    /// Memberships.
    pub members: Vec<NewMember>,
    /// Case files with the ids to give them (confirmed at opening: a new person is in charge
    /// of no other area).
    pub case_files: Vec<(Uuid, NewCaseFile)>,
    /// What became of each line.
    pub lines: Vec<LineRow>,
}

#[derive(Insertable)]
#[diesel(table_name = person_name_tokens)]
struct TokenRow {
    token: String,
    person_id: DbUuid,
    sort_key: String,
}

#[derive(Insertable)]
#[diesel(table_name = case_file_target_groups)]
struct TargetGroupRow {
    case_file_id: DbUuid,
    target_group: &'static str,
}

#[derive(Insertable)]
#[diesel(table_name = case_file_team)]
struct TeamRow {
    id: DbUuid,
    case_file_id: DbUuid,
    staff_id: DbUuid,
    role: &'static str,
    assigned_from: NaiveDate,
    assigned_until: Option<NaiveDate>,
    assigned_by: DbUuid,
    recorded_at: DbInstant,
    sensitive_access: bool,
}

/// Reserves `count` case references of `year` at once; the first of them.
fn reserve_references(conn: &mut AnyConnection, year: i32, count: i32) -> Result<i32, StoreError> {
    #[derive(QueryableByName)]
    struct Last {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        last_sequence: i32,
    }
    let upsert = "INSERT INTO case_reference_counters (year, last_sequence) VALUES ({y}, {n}) \
                  ON CONFLICT (year) DO UPDATE SET last_sequence = \
                  case_reference_counters.last_sequence + {n} RETURNING last_sequence";
    let last: Last = match conn {
        AnyConnection::Postgresql(c) => {
            diesel::sql_query(upsert.replace("{y}", "$1").replace("{n}", "$2"))
                .bind::<diesel::sql_types::Integer, _>(year)
                .bind::<diesel::sql_types::Integer, _>(count)
                .get_result(c)?
        }
        AnyConnection::Sqlite(c) => {
            diesel::sql_query(upsert.replace("{y}", "?1").replace("{n}", "?2"))
                .bind::<diesel::sql_types::Integer, _>(year)
                .bind::<diesel::sql_types::Integer, _>(count)
                .get_result(c)?
        }
    };
    Ok(last.last_sequence - count + 1)
}

/// Writes a batch: persons (with their name tokens), households and memberships, case files
/// (with references, target groups and case manager), and the lines' outcomes, one multi-row
/// `INSERT` per table, inside the caller's transaction.
pub fn write_batch(
    conn: &mut AnyConnection,
    batch: &BatchWrites<'_>,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut person_rows: Vec<PersonRow> = Vec::with_capacity(batch.persons.len());
    let mut tokens = Vec::new();
    for p in &batch.persons {
        person_rows.push(row_of(p.id, p.details, 1, (now, actor), (now, actor)));
        let sort_key = p.details.sort_key();
        for token in p.details.name_tokens() {
            tokens.push(TokenRow {
                token,
                person_id: DbUuid(p.id),
                sort_key: sort_key.clone(),
            });
        }
    }
    insert_rows!(conn, persons, person_rows, 26);
    insert_rows!(conn, person_name_tokens, tokens, 3);
    let household_rows: Vec<HouseholdRow> = batch
        .households
        .iter()
        .map(|id| HouseholdRow {
            id: DbUuid(*id),
            version: 1,
            created_at: now.into(),
            created_by: DbUuid(actor),
            updated_at: now.into(),
            updated_by: DbUuid(actor),
        })
        .collect();
    insert_rows!(conn, households, household_rows, 6);
    let member_rows: Vec<MemberRow> = batch
        .members
        .iter()
        .map(|m| MemberRow {
            id: DbUuid(Uuid::now_v7()),
            household_id: DbUuid(m.household_id),
            person_id: DbUuid(m.person_id),
            relationship: m.relationship.as_str().to_owned(),
            joined_on: m.joined_on,
            left_on: None,
            created_at: now.into(),
            created_by: DbUuid(actor),
            ended_at: None,
            ended_by: None,
        })
        .collect();
    insert_rows!(conn, household_members, member_rows, 10);
    write_case_files(conn, &batch.case_files, actor, now)?;
    insert_rows!(conn, import_rows, batch.lines, 7);
    Ok(())
}

fn write_case_files(
    conn: &mut AnyConnection,
    files: &[(Uuid, NewCaseFile)],
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut by_year: std::collections::BTreeMap<i32, Vec<(Uuid, &NewCaseFile)>> =
        Default::default();
    for (id, f) in files {
        by_year
            .entry(f.opened_on.year())
            .or_default()
            .push((*id, f));
    }
    let mut rows = Vec::with_capacity(files.len());
    let mut groups = Vec::new();
    let mut team = Vec::with_capacity(files.len());
    for (year, files) in by_year {
        let count = i32::try_from(files.len()).unwrap_or(i32::MAX);
        let first = reserve_references(conn, year, count)?;
        for (offset, (id, f)) in (0_i32..).zip(files) {
            let sequence = u32::try_from(first + offset).unwrap_or(0);
            let reference = CaseReference::new(year, sequence)
                .map_err(|e| StoreError::Conflict(format!("case reference counter: {e}")))?;
            rows.push(new_row(id, &reference, f, actor, now));
            for g in &f.target_groups {
                groups.push(TargetGroupRow {
                    case_file_id: DbUuid(id),
                    target_group: g.as_str(),
                });
            }
            team.push(TeamRow {
                id: DbUuid(Uuid::now_v7()),
                case_file_id: DbUuid(id),
                staff_id: DbUuid(f.case_manager_id),
                role: TeamRole::CaseManager.as_str(),
                assigned_from: f.opened_on,
                assigned_until: None,
                assigned_by: DbUuid(actor),
                recorded_at: now.into(),
                sensitive_access: false,
            });
        }
    }
    insert_rows!(conn, case_files, rows, 15);
    insert_rows!(conn, case_file_target_groups, groups, 2);
    insert_rows!(conn, case_file_team, team, 9);
    Ok(())
}
