//! The retention procedure's reads and writes (docs/retention.md): which case files and persons
//! the rules may make due, the statements that erase the free text of case files, delete
//! special categories and pseudonymise identities, and the record of each run. Whether a record
//! is due is decided by [`socialcare_domain::personal_data`].

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Date, Nullable};
use socialcare_domain::names;
use socialcare_domain::personal_data::{
    ERASED, KINDS, PSEUDONYM_GIVEN_NAMES, PersonFacts, RetentionPolicy, Rule, coarse_birth_date,
    pseudonym,
};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::personal_data::{LINKS, schema_tables};
use crate::schema::{case_files, person_name_tokens, persons, retention_runs, siuss_exports};
use crate::sql_types::{DbInstant, DbUuid, SqlInstant, SqlUuid};

/// A closed case file whose content is not erased yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedCaseFile {
    /// The file.
    pub id: Uuid,
    /// Its person.
    pub person_id: Uuid,
    /// When it closed.
    pub closed_on: NaiveDate,
}

/// Closed case files whose content is not erased yet, closed before `before`, oldest closing
/// first, after the position `after` (`(closed_on, id)`) when given.
pub fn closed_case_files(
    conn: &mut AnyConnection,
    before: NaiveDate,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> Result<Vec<ClosedCaseFile>, StoreError> {
    let mut query = case_files::table
        .filter(case_files::closed_on.lt(before))
        .filter(case_files::content_erased_at.is_null())
        .order((case_files::closed_on.asc(), case_files::id.asc()))
        .select((case_files::id, case_files::person_id, case_files::closed_on))
        .limit(limit)
        .into_boxed();
    if let Some((day, id)) = after {
        query = query.filter(
            case_files::closed_on.gt(day).or(case_files::closed_on
                .eq(day)
                .and(case_files::id.gt(DbUuid(id)))),
        );
    }
    let rows: Vec<(DbUuid, DbUuid, Option<NaiveDate>)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, person, closed)| {
            closed.map(|closed_on| ClosedCaseFile {
                id: id.0,
                person_id: person.0,
                closed_on,
            })
        })
        .collect())
}

/// A person the person-wide rules may concern: nothing open, and their record unchanged since
/// before the cutoff asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonCandidate {
    /// The person.
    pub id: Uuid,
    /// What the rules decide on.
    pub facts: PersonFacts,
    /// Whether their identity is already pseudonymised.
    pub anonymised: bool,
    /// Whether any special-category record of theirs is kept.
    pub has_special: bool,
}

#[derive(QueryableByName)]
struct CandidateRow {
    #[diesel(sql_type = SqlUuid)]
    id: DbUuid,
    #[diesel(sql_type = SqlInstant)]
    updated_at: DbInstant,
    #[diesel(sql_type = Bool)]
    anonymised: bool,
    #[diesel(sql_type = Nullable<Date>)]
    last_closed_on: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    last_benefit_on: Option<NaiveDate>,
    #[diesel(sql_type = Bool)]
    has_special: bool,
}

const SPECIAL_TABLES: [&str; 4] = [
    "person_health_disability",
    "person_ethnicity",
    "person_legal_status",
    "person_justice",
];

/// Persons with no case file open and no open-ended benefit, whose case files all closed before
/// `closed_before` (or, with none, whose record last changed before `changed_before`), who still
/// have something a person-wide rule would take (an identity not pseudonymised, or
/// special-category records), by id after `after`, with their facts.
pub fn person_candidates(
    conn: &mut AnyConnection,
    closed_before: NaiveDate,
    changed_before: DateTime<Utc>,
    after: Uuid,
    limit: i64,
) -> Result<Vec<PersonCandidate>, StoreError> {
    let special = SPECIAL_TABLES
        .iter()
        .map(|t| format!("EXISTS (SELECT 1 FROM {t} s WHERE s.person_id = p.id)"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let statement = format!(
        "SELECT p.id AS id, p.updated_at AS updated_at, \
           (p.anonymised_at IS NOT NULL) AS anonymised, \
           (SELECT MAX(c.closed_on) FROM case_files c WHERE c.person_id = p.id) AS last_closed_on, \
           (SELECT MAX(b.until_on) FROM benefits b WHERE b.person_id = p.id) AS last_benefit_on, \
           ({special}) AS has_special \
         FROM persons p \
         WHERE p.id > {{2}} \
           AND (p.anonymised_at IS NULL OR {special}) \
           AND CASE WHEN EXISTS (SELECT 1 FROM case_files c WHERE c.person_id = p.id) \
                 THEN NOT EXISTS (SELECT 1 FROM case_files c WHERE c.person_id = p.id AND c.closed_on >= {{4}}) \
                 ELSE p.updated_at < {{1}} END \
           AND NOT EXISTS (SELECT 1 FROM case_files c WHERE c.person_id = p.id AND c.closed_on IS NULL) \
           AND NOT EXISTS (SELECT 1 FROM benefits b WHERE b.person_id = p.id AND b.until_on IS NULL) \
         ORDER BY p.id LIMIT {{3}}"
    );
    let rows: Vec<CandidateRow> = match conn {
        AnyConnection::Postgresql(c) => diesel::sql_query(
            statement
                .replace("{1}", "$1")
                .replace("{2}", "$2")
                .replace("{3}", "$3")
                .replace("{4}", "$4"),
        )
        .bind::<SqlInstant, _>(DbInstant(changed_before))
        .bind::<SqlUuid, _>(DbUuid(after))
        .bind::<diesel::sql_types::BigInt, _>(limit)
        .bind::<Date, _>(closed_before)
        .load(c)?,
        AnyConnection::Sqlite(c) => diesel::sql_query(
            statement
                .replace("{1}", "?1")
                .replace("{2}", "?2")
                .replace("{3}", "?3")
                .replace("{4}", "?4"),
        )
        .bind::<SqlInstant, _>(DbInstant(changed_before))
        .bind::<SqlUuid, _>(DbUuid(after))
        .bind::<diesel::sql_types::BigInt, _>(limit)
        .bind::<Date, _>(closed_before)
        .load(c)?,
    };
    Ok(rows
        .into_iter()
        .map(|r| PersonCandidate {
            id: r.id.0,
            facts: PersonFacts {
                open_case_files: 0,
                last_closed_on: r.last_closed_on,
                last_changed_on: socialcare_domain::calendar::day_of(r.updated_at.0),
                last_benefit_on: r.last_benefit_on,
                benefit_open_ended: false,
            },
            anonymised: r.anonymised,
            has_special: r.has_special,
        })
        .collect())
}

/// A list of ids as SQL literals of the engine (ids the office made, never input).
fn literals(conn: &AnyConnection, ids: &[Uuid]) -> String {
    ids.iter()
        .map(|id| match conn {
            AnyConnection::Postgresql(_) => format!("'{id}'::uuid"),
            AnyConnection::Sqlite(_) => format!("x'{}'", id.simple()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn execute(conn: &mut AnyConnection, statement: &str) -> Result<usize, StoreError> {
    Ok(match conn {
        AnyConnection::Postgresql(c) => diesel::sql_query(statement).execute(c)?,
        AnyConnection::Sqlite(c) => diesel::sql_query(statement).execute(c)?,
    })
}

/// `UPDATE`s that erase the fields `rule` erases in the rows `condition` picks of each kind.
fn erase_fields(
    conn: &mut AnyConnection,
    rule: Rule,
    condition: impl Fn(&crate::personal_data::Link) -> Option<String>,
) -> Result<(), StoreError> {
    let tables = schema_tables();
    for (kind, link) in KINDS.iter().zip(LINKS) {
        if kind.rule != rule || kind.erase.is_empty() || kind.table == "persons" {
            continue;
        }
        let Some(condition) = condition(link) else {
            continue;
        };
        let Some(def) = tables.get(kind.table) else {
            continue;
        };
        let sets: Vec<String> = kind
            .erase
            .iter()
            .filter_map(|field| def.columns.iter().find(|c| c.name == *field))
            .map(|c| {
                if c.nullable {
                    format!("{} = NULL", c.name)
                } else {
                    format!("{} = '{ERASED}'", c.name)
                }
            })
            .collect();
        execute(
            conn,
            &format!(
                "UPDATE {} SET {} WHERE {condition}",
                kind.table,
                sets.join(", ")
            ),
        )?;
    }
    Ok(())
}

/// Erases the content of `files` (the free text of every record in them) and marks them;
/// returns how many were marked now.
pub fn erase_case_content(
    conn: &mut AnyConnection,
    files: &[Uuid],
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    if files.is_empty() {
        return Ok(0);
    }
    let list = literals(conn, files);
    erase_fields(conn, Rule::CaseContent, |link| {
        link.by_case_file.map(|c| c.replace("{cf}", &list))
    })?;
    let ids: Vec<DbUuid> = files.iter().copied().map(DbUuid).collect();
    Ok(diesel::update(
        case_files::table
            .filter(case_files::id.eq_any(ids))
            .filter(case_files::content_erased_at.is_null()),
    )
    .set(case_files::content_erased_at.eq(Some(DbInstant(now))))
    .execute(conn)?)
}

/// Deletes the special-category records of `persons`; returns how many records went.
pub fn erase_special_categories(
    conn: &mut AnyConnection,
    persons: &[Uuid],
) -> Result<usize, StoreError> {
    if persons.is_empty() {
        return Ok(0);
    }
    let list = literals(conn, persons);
    let mut deleted = 0;
    for table in SPECIAL_TABLES {
        deleted += execute(
            conn,
            &format!("DELETE FROM {table} WHERE person_id IN ({list})"),
        )?;
    }
    Ok(deleted)
}

/// Pseudonymises `persons` not yet pseudonymised: names replaced by a pseudonym, identifying
/// fields erased, the birth date kept as its year, their name search tokens removed, the free
/// text of their identity records erased, the content of every case file of theirs erased and
/// their special categories deleted. Returns how many persons were pseudonymised now.
pub fn pseudonymise(
    conn: &mut AnyConnection,
    persons_to_do: &[Uuid],
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    if persons_to_do.is_empty() {
        return Ok(0);
    }
    let ids: Vec<DbUuid> = persons_to_do.iter().copied().map(DbUuid).collect();
    let files: Vec<DbUuid> = case_files::table
        .filter(case_files::person_id.eq_any(ids.clone()))
        .select(case_files::id)
        .load(conn)?;
    let files: Vec<Uuid> = files.into_iter().map(|f| f.0).collect();
    for chunk in files.chunks(500) {
        erase_case_content(conn, chunk, now)?;
    }
    erase_special_categories(conn, persons_to_do)?;
    let list = literals(conn, persons_to_do);
    erase_fields(conn, Rule::Identity, |link| {
        link.by_person.map(|c| c.replace("{p}", &list))
    })?;
    diesel::delete(
        person_name_tokens::table.filter(person_name_tokens::person_id.eq_any(ids.clone())),
    )
    .execute(conn)?;
    let births: Vec<(DbUuid, Option<NaiveDate>)> = persons::table
        .filter(persons::id.eq_any(ids))
        .filter(persons::anonymised_at.is_null())
        .select((persons::id, persons::birth_date))
        .load(conn)?;
    let mut done = 0;
    for (id, birth_date) in births {
        let family = pseudonym(id.0);
        let key = names::name_key(PSEUDONYM_GIVEN_NAMES, &family);
        let sort_key = format!(
            "{} {}",
            names::fold(&family),
            names::fold(PSEUDONYM_GIVEN_NAMES)
        );
        done += diesel::update(
            persons::table
                .find(id)
                .filter(persons::anonymised_at.is_null()),
        )
        .set((
            persons::given_names.eq(PSEUDONYM_GIVEN_NAMES),
            persons::family_names.eq(&family),
            persons::name_key.eq(&key),
            persons::sort_key.eq(&sort_key),
            persons::birth_date.eq(birth_date.map(coarse_birth_date)),
            persons::birth_place.eq(None::<String>),
            persons::tax_code.eq(None::<String>),
            persons::address_street.eq(None::<String>),
            persons::address_postal_code.eq(None::<String>),
            persons::phone.eq(None::<String>),
            persons::email.eq(None::<String>),
            persons::anonymised_at.eq(Some(DbInstant(now))),
            persons::version.eq(persons::version + 1),
            persons::updated_at.eq(DbInstant(now)),
            persons::updated_by.eq(DbUuid(actor)),
        ))
        .execute(conn)?;
    }
    // An annulment's reason is free text too.
    diesel::update(
        persons::table
            .filter(
                persons::id.eq_any(
                    persons_to_do
                        .iter()
                        .copied()
                        .map(DbUuid)
                        .collect::<Vec<_>>(),
                ),
            )
            .filter(persons::annulment_reason.is_not_null()),
    )
    .set(persons::annulment_reason.eq(Some(ERASED)))
    .execute(conn)?;
    Ok(done)
}

/// Erases the content of the SIUSS export files made before `before` (every person named in
/// them is past the identity rule's period, or will be before any other): their record stays,
/// with its period, count and hash. Returns how many were erased now.
pub fn erase_old_exports(
    conn: &mut AnyConnection,
    before: DateTime<Utc>,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        siuss_exports::table
            .filter(siuss_exports::created_at.lt(DbInstant(before)))
            .filter(siuss_exports::content.ne(ERASED)),
    )
    .set(siuss_exports::content.eq(ERASED))
    .execute(conn)?)
}

/// Number of SIUSS export files made before `before` whose content is still kept.
pub fn count_old_exports(
    conn: &mut AnyConnection,
    before: DateTime<Utc>,
) -> Result<i64, StoreError> {
    Ok(siuss_exports::table
        .filter(siuss_exports::created_at.lt(DbInstant(before)))
        .filter(siuss_exports::content.ne(ERASED))
        .count()
        .get_result(conn)?)
}

/// A run of the retention procedure.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = retention_runs)]
pub struct RunRow {
    /// Primary key.
    pub id: DbUuid,
    /// `running`, `completed` or `interrupted`.
    pub status: String,
    /// The authorisation to discard the run carries out.
    pub authorisation: String,
    /// The day the periods were counted to.
    pub as_of: NaiveDate,
    /// The policy's case content period.
    pub case_content_years: i32,
    /// The policy's special categories period.
    pub special_category_years: i32,
    /// The policy's identity period.
    pub identity_years: i32,
    /// Case files whose content was erased.
    pub case_files: i32,
    /// Persons whose special categories were erased.
    pub special_categories: i32,
    /// Persons pseudonymised.
    pub persons: i32,
    /// SIUSS export files erased.
    pub exports: i32,
    /// Until when the run holds its claim.
    pub claimed_until: DbInstant,
    /// When it started.
    pub created_at: DbInstant,
    /// Who started it.
    pub created_by: DbUuid,
    /// When it completed.
    pub completed_at: Option<DbInstant>,
}

/// Name of the index that lets one run at a time be `running`.
pub const ONE_RUNNING: &str = "retention_runs_one_running";

/// Starts a run: a run whose claim lapsed is marked `interrupted` first; another run still
/// working is a conflict on [`ONE_RUNNING`].
pub fn start(
    conn: &mut AnyConnection,
    authorisation: &str,
    policy: &RetentionPolicy,
    as_of: NaiveDate,
    until: DateTime<Utc>,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<RunRow, StoreError> {
    diesel::update(
        retention_runs::table
            .filter(retention_runs::status.eq("running"))
            .filter(retention_runs::claimed_until.lt(DbInstant(now))),
    )
    .set(retention_runs::status.eq("interrupted"))
    .execute(conn)?;
    let row = RunRow {
        id: DbUuid(Uuid::now_v7()),
        status: "running".into(),
        authorisation: authorisation.to_owned(),
        as_of,
        case_content_years: i32::from(policy.case_content_years),
        special_category_years: i32::from(policy.special_category_years),
        identity_years: i32::from(policy.identity_years),
        case_files: 0,
        special_categories: 0,
        persons: 0,
        exports: 0,
        claimed_until: DbInstant(until),
        created_at: DbInstant(now),
        created_by: DbUuid(actor),
        completed_at: None,
    };
    diesel::insert_into(retention_runs::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// What one batch of a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunCounts {
    /// Case files whose content was erased.
    pub case_files: i32,
    /// Persons whose special categories were erased.
    pub special_categories: i32,
    /// Persons pseudonymised.
    pub persons: i32,
    /// Export files erased.
    pub exports: i32,
}

/// Adds a batch's counts to the run and renews its claim until `until`, completing it when
/// `last`; `false` when the run is no longer `running` (taken over as interrupted).
pub fn advance(
    conn: &mut AnyConnection,
    id: Uuid,
    counts: RunCounts,
    until: DateTime<Utc>,
    last: bool,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let target = retention_runs::table
        .find(DbUuid(id))
        .filter(retention_runs::status.eq("running"));
    let changed = diesel::update(target)
        .set((
            retention_runs::case_files.eq(retention_runs::case_files + counts.case_files),
            retention_runs::special_categories
                .eq(retention_runs::special_categories + counts.special_categories),
            retention_runs::persons.eq(retention_runs::persons + counts.persons),
            retention_runs::exports.eq(retention_runs::exports + counts.exports),
            retention_runs::claimed_until.eq(DbInstant(until)),
        ))
        .execute(conn)?;
    if changed == 1 && last {
        diesel::update(retention_runs::table.find(DbUuid(id)))
            .set((
                retention_runs::status.eq("completed"),
                retention_runs::completed_at.eq(Some(DbInstant(now))),
            ))
            .execute(conn)?;
    }
    Ok(changed == 1)
}

/// One run.
pub fn find(conn: &mut AnyConnection, id: Uuid) -> Result<Option<RunRow>, StoreError> {
    Ok(retention_runs::table
        .find(DbUuid(id))
        .select(RunRow::as_select())
        .first(conn)
        .optional()?)
}

/// Runs, newest first, before the position `(created_at, id)` when given.
pub fn list(
    conn: &mut AnyConnection,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<RunRow>, StoreError> {
    let mut query = retention_runs::table
        .order((retention_runs::created_at.desc(), retention_runs::id.desc()))
        .select(RunRow::as_select())
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = before {
        query = query.filter(
            retention_runs::created_at
                .lt(DbInstant(at))
                .or(retention_runs::created_at
                    .eq(DbInstant(at))
                    .and(retention_runs::id.lt(DbUuid(id)))),
        );
    }
    Ok(query.load(conn)?)
}
