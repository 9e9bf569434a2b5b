//! Where each kind of record about a person lives ([`socialcare_domain::personal_data::KINDS`]):
//! the condition that finds a person's rows in each table, the data subject's copy made from
//! them (every column of every row, as the database holds it), and the retention procedure's
//! statements that erase, delete and pseudonymise them.
//!
//! The copy reads the columns from the one schema ([`crate::schema`], parsed once from its
//! source), so a column added to a table is in the copy without anyone remembering to add it;
//! a test fails when a table of the schema is neither a kind of record about persons nor listed
//! as holding none.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use diesel::prelude::*;
use diesel::sql_types::Text;
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::sql_types::{DbUuid, SqlUuid};

/// How a column is stored, as far as its JSON form depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// `SqlUuid`: `uuid` / 16-byte BLOB; a string in JSON.
    Uuid,
    /// `SqlInstant`: `timestamptz` / RFC 3339 text; `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    Instant,
    /// `Date`: `YYYY-MM-DD`.
    Date,
    /// `Bool`: `true` / `false` (an integer in SQLite).
    Bool,
    /// `Integer`, `BigInt`, `SmallInt`: a number.
    Integer,
    /// `Text`: a string.
    Text,
    /// `Binary`: never in a table about persons.
    Binary,
}

/// A column of the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Its name.
    pub name: &'static str,
    /// Its type.
    pub ty: ColumnType,
    /// Whether it may be null.
    pub nullable: bool,
}

/// A table of the schema: its key and columns in declaration order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDef {
    /// The primary key's columns.
    pub key: Vec<&'static str>,
    /// The columns.
    pub columns: Vec<Column>,
}

/// The tables of [`crate::schema`], read from its source.
pub fn schema_tables() -> &'static BTreeMap<&'static str, TableDef> {
    static TABLES: OnceLock<BTreeMap<&'static str, TableDef>> = OnceLock::new();
    TABLES.get_or_init(|| parse_schema(include_str!("schema.rs")))
}

fn parse_schema(source: &'static str) -> BTreeMap<&'static str, TableDef> {
    let mut tables = BTreeMap::new();
    let mut current: Option<(&'static str, TableDef)> = None;
    let mut sql_name: Option<&'static str> = None;
    for line in source.lines() {
        let trimmed = line.trim();
        if let Some((_, def)) = current.as_mut() {
            if trimmed == "}" {
                if let Some((name, def)) = current.take() {
                    tables.insert(name, def);
                }
                continue;
            }
            if let Some(rest) = trimmed.strip_prefix("#[sql_name = \"") {
                sql_name = rest.split('"').next();
                continue;
            }
            let Some((column, ty)) = trimmed.trim_end_matches(',').split_once(" -> ") else {
                continue;
            };
            let (ty, nullable) = match ty.strip_prefix("Nullable<") {
                Some(inner) => (inner.trim_end_matches('>'), true),
                None => (ty, false),
            };
            let ty = match ty {
                "SqlUuid" => ColumnType::Uuid,
                "SqlInstant" => ColumnType::Instant,
                "Date" => ColumnType::Date,
                "Bool" => ColumnType::Bool,
                "Integer" | "BigInt" | "SmallInt" => ColumnType::Integer,
                "Binary" => ColumnType::Binary,
                _ => ColumnType::Text,
            };
            def.columns.push(Column {
                name: sql_name.take().unwrap_or(column),
                ty,
                nullable,
            });
            continue;
        }
        // `    users (id) {`
        if line.starts_with("    ")
            && !line.starts_with("     ")
            && trimmed.ends_with(") {")
            && let Some((name, rest)) = trimmed.split_once(" (")
        {
            let key = rest
                .trim_end_matches(") {")
                .split(',')
                .map(str::trim)
                .collect();
            current = Some((
                name,
                TableDef {
                    key,
                    columns: Vec::new(),
                },
            ));
        }
    }
    tables
}

/// How a table's rows are found for a set of persons: through the case files of theirs
/// (`{cf}`: a subquery or list of case file ids) and through the persons themselves (`{p}`: a
/// subquery or list of person ids). Either may be absent; a row matched by either belongs to
/// the person.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    /// The table.
    pub table: &'static str,
    /// The condition on rows of the persons' case files.
    pub by_case_file: Option<&'static str>,
    /// The condition on rows about the persons themselves.
    pub by_person: Option<&'static str>,
}

const fn cf(table: &'static str, condition: &'static str) -> Link {
    Link {
        table,
        by_case_file: Some(condition),
        by_person: None,
    }
}

const fn person(table: &'static str, condition: &'static str) -> Link {
    Link {
        table,
        by_case_file: None,
        by_person: Some(condition),
    }
}

const fn both(table: &'static str, by_case_file: &'static str, by_person: &'static str) -> Link {
    Link {
        table,
        by_case_file: Some(by_case_file),
        by_person: Some(by_person),
    }
}

/// Where every kind of record about persons is, in the order of
/// [`socialcare_domain::personal_data::KINDS`].
pub const LINKS: &[Link] = &[
    person("persons", "id IN ({p})"),
    person(
        "person_merges",
        "survivor_id IN ({p}) OR duplicate_id IN ({p})",
    ),
    person(
        "households",
        "id IN (SELECT household_id FROM household_members WHERE person_id IN ({p}))",
    ),
    person("household_members", "person_id IN ({p})"),
    person("import_rows", "person_id IN ({p})"),
    person("person_health_disability", "person_id IN ({p})"),
    person("person_ethnicity", "person_id IN ({p})"),
    person("person_legal_status", "person_id IN ({p})"),
    person("person_justice", "person_id IN ({p})"),
    cf("case_files", "id IN ({cf})"),
    cf("case_file_transitions", "case_file_id IN ({cf})"),
    cf("case_file_team", "case_file_id IN ({cf})"),
    cf("case_file_target_groups", "case_file_id IN ({cf})"),
    cf("break_glass_grants", "case_file_id IN ({cf})"),
    cf("assessments", "case_file_id IN ({cf})"),
    cf(
        "assessment_scores",
        "assessment_id IN (SELECT id FROM assessments WHERE case_file_id IN ({cf}))",
    ),
    cf("diary_entries", "case_file_id IN ({cf})"),
    cf("consents", "case_file_id IN ({cf})"),
    cf("referrals", "case_file_id IN ({cf})"),
    cf(
        "referral_events",
        "referral_id IN (SELECT id FROM referrals WHERE case_file_id IN ({cf}))",
    ),
    cf("projects", "case_file_id IN ({cf})"),
    cf("project_transitions", PROJECT),
    cf("project_objectives", PROJECT),
    both("project_participants", PROJECT, "person_id IN ({p})"),
    cf("project_actions", PROJECT),
    cf("project_reviews", PROJECT),
    cf(
        "project_review_outcomes",
        "review_id IN (SELECT id FROM project_reviews WHERE project_id IN \
         (SELECT id FROM projects WHERE case_file_id IN ({cf})))",
    ),
    cf("pacts", "case_file_id IN ({cf})"),
    cf("pact_steps", PACT),
    cf("pact_transitions", PACT),
    both("pact_commitments", PACT, "person_id IN ({p})"),
    cf("pact_checks", PACT),
    both("pact_check_attendees", PACT_CHECK, "person_id IN ({p})"),
    cf("pact_check_outcomes", PACT_CHECK),
    cf("pact_non_compliance", PACT),
    cf("pact_deadlines", "case_file_id IN ({cf})"),
    both("placements", "case_file_id IN ({cf})", "person_id IN ({p})"),
    cf("placement_transitions", PLACEMENT),
    cf("placement_moves", PLACEMENT),
    both("bed_nights", PLACEMENT, "person_id IN ({p})"),
    both(
        "employment_placements",
        "case_file_id IN ({cf})",
        "person_id IN ({p})",
    ),
    cf("employment_reviews", EMPLOYMENT_PLACEMENT),
    cf("employment_hours", EMPLOYMENT_PLACEMENT),
    both(
        "applications",
        "case_file_id IN ({cf})",
        "person_id IN ({p})",
    ),
    cf("application_inputs", APPLICATION),
    cf("application_transitions", APPLICATION),
    cf("place_allocations", APPLICATION),
    cf(
        "allocation_decisions",
        "allocation_id IN (SELECT id FROM place_allocations WHERE application_id IN \
         (SELECT id FROM applications WHERE case_file_id IN ({cf})))",
    ),
    cf("published_ranking_entries", APPLICATION),
    both("benefits", "case_file_id IN ({cf})", "person_id IN ({p})"),
    person("siuss_export_persons", "person_id IN ({p})"),
];

const PROJECT: &str = "project_id IN (SELECT id FROM projects WHERE case_file_id IN ({cf}))";
const PACT: &str = "pact_id IN (SELECT id FROM pacts WHERE case_file_id IN ({cf}))";
const PACT_CHECK: &str = "check_id IN (SELECT id FROM pact_checks WHERE pact_id IN \
                          (SELECT id FROM pacts WHERE case_file_id IN ({cf})))";
const PLACEMENT: &str = "placement_id IN (SELECT id FROM placements WHERE case_file_id IN ({cf}))";
const EMPLOYMENT_PLACEMENT: &str =
    "placement_id IN (SELECT id FROM employment_placements WHERE case_file_id IN ({cf}))";
const APPLICATION: &str =
    "application_id IN (SELECT id FROM applications WHERE case_file_id IN ({cf}))";

/// Which engine a statement is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    Postgres,
    Sqlite,
}

impl Engine {
    fn of(conn: &AnyConnection) -> Self {
        match conn {
            AnyConnection::Postgresql(_) => Engine::Postgres,
            AnyConnection::Sqlite(_) => Engine::Sqlite,
        }
    }

    /// The one parameter of a statement (the person's id), usable several times.
    fn parameter(self) -> &'static str {
        match self {
            Engine::Postgres => "$1",
            Engine::Sqlite => "?1",
        }
    }

    /// The JSON value of a column, the same text on both engines.
    fn json_value(self, column: &Column) -> String {
        let c = column.name;
        match (self, column.ty) {
            (Engine::Postgres, ColumnType::Uuid) => format!("{c}::text"),
            (Engine::Postgres, ColumnType::Instant) => {
                format!("to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
            }
            (Engine::Postgres, ColumnType::Date) => format!("to_char({c}, 'YYYY-MM-DD')"),
            (Engine::Sqlite, ColumnType::Uuid) => format!(
                "lower(substr(hex({c}), 1, 8) || '-' || substr(hex({c}), 9, 4) || '-' || \
                 substr(hex({c}), 13, 4) || '-' || substr(hex({c}), 17, 4) || '-' || \
                 substr(hex({c}), 21, 12))"
            ),
            (Engine::Sqlite, ColumnType::Bool) => format!(
                "json(CASE WHEN {c} IS NULL THEN NULL WHEN {c} <> 0 THEN 'true' ELSE 'false' END)"
            ),
            _ => c.to_owned(),
        }
    }

    /// `SELECT` of every column of `table` as one JSON object text.
    fn json_object(self, def: &TableDef) -> String {
        let fields: Vec<String> = def
            .columns
            .iter()
            .filter(|c| c.ty != ColumnType::Binary)
            .map(|c| format!("'{}', {}", c.name, self.json_value(c)))
            .collect();
        match self {
            Engine::Postgres => format!("json_build_object({})::text", fields.join(", ")),
            Engine::Sqlite => format!("json_object({})", fields.join(", ")),
        }
    }
}

/// The condition that finds the rows of one person in `link`'s table.
fn person_condition(link: &Link, parameter: &str) -> String {
    let files = format!("SELECT id FROM case_files WHERE person_id = {parameter}");
    let parts: Vec<String> = [
        link.by_case_file.map(|c| c.replace("{cf}", &files)),
        link.by_person.map(|c| c.replace("{p}", parameter)),
    ]
    .into_iter()
    .flatten()
    .map(|c| format!("({c})"))
    .collect();
    parts.join(" OR ")
}

#[derive(QueryableByName)]
struct JsonRow {
    #[diesel(sql_type = Text)]
    row: String,
}

/// One kind of record in the data subject's copy: its table and its rows, each a JSON object
/// of every column (as text, in the order of the key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Records {
    /// The table ([`socialcare_domain::personal_data::RecordKind::table`]).
    pub table: &'static str,
    /// The rows, each one JSON object text.
    pub rows: Vec<String>,
}

/// Everything the office holds about `person_id`, kind by kind (the order of [`LINKS`]); the
/// audit trail's record of who accessed it is [`crate::audit::person_access_report`].
pub fn copy(conn: &mut AnyConnection, person_id: Uuid) -> Result<Vec<Records>, StoreError> {
    let engine = Engine::of(conn);
    let tables = schema_tables();
    let mut out = Vec::with_capacity(LINKS.len());
    for link in LINKS {
        let Some(def) = tables.get(link.table) else {
            return Err(StoreError::Internal(format!(
                "the table {} is not in the schema",
                link.table
            )));
        };
        let statement = format!(
            "SELECT {} AS row FROM {} WHERE {} ORDER BY {}",
            engine.json_object(def),
            link.table,
            person_condition(link, engine.parameter()),
            def.key.join(", ")
        );
        let query = diesel::sql_query(statement).bind::<SqlUuid, _>(DbUuid(person_id));
        let rows: Vec<JsonRow> = match conn {
            AnyConnection::Postgresql(c) => query.load(c)?,
            AnyConnection::Sqlite(c) => query.load(c)?,
        };
        out.push(Records {
            table: link.table,
            rows: rows.into_iter().map(|r| r.row).collect(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
