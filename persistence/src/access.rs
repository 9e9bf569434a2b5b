//! The facts the access policy decides on: a case file's area, its current case manager and
//! team (with the sensitive-data grants), and the caller's active break-glass grant.
//!
//! Loaded with a fixed number of queries whatever the number of files (a search page of 100
//! persons costs the same three queries as one case file).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use socialcare_domain::Area;
use socialcare_domain::access::{CaseFacts, TeamFact};
use socialcare_domain::case_file::TeamRole;
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{case_file_team, case_files};
use crate::sql_types::{DbInstant, DbUuid};

/// One case file with the facts the policy needs about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseAccessFacts {
    /// The case file.
    pub case_file_id: Uuid,
    /// Its person.
    pub person_id: Uuid,
    /// What the policy decides on.
    pub facts: CaseFacts,
    /// The reason of the caller's active break-glass grant on the file, if any.
    pub break_glass_reason: Option<String>,
}

/// The facts of one case file as seen by `caller` on `today`; `None` when there is no such file.
pub fn case_file(
    conn: &mut AnyConnection,
    case_file_id: Uuid,
    caller: Uuid,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Option<CaseAccessFacts>, StoreError> {
    let rows: Vec<FileRow> = case_files::table
        .filter(case_files::id.eq(DbUuid(case_file_id)))
        .select(FILE_COLUMNS)
        .load(conn)?;
    Ok(assemble(conn, rows, caller, today, now)?.into_iter().next())
}

/// The facts of every case file of each person, as seen by `caller` on `today`. Persons with no
/// case file are absent from the map.
pub fn persons(
    conn: &mut AnyConnection,
    person_ids: &[Uuid],
    caller: Uuid,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, Vec<CaseAccessFacts>>, StoreError> {
    if person_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<DbUuid> = person_ids.iter().copied().map(DbUuid).collect();
    let rows: Vec<FileRow> = case_files::table
        .filter(case_files::person_id.eq_any(&ids))
        .order(case_files::id.asc())
        .select(FILE_COLUMNS)
        .load(conn)?;
    let mut by_person: HashMap<Uuid, Vec<CaseAccessFacts>> = HashMap::new();
    for facts in assemble(conn, rows, caller, today, now)? {
        by_person.entry(facts.person_id).or_default().push(facts);
    }
    Ok(by_person)
}

/// A file's id, person, area and confirmation instant.
type FileRow = (DbUuid, DbUuid, String, Option<DbInstant>);

const FILE_COLUMNS: (
    case_files::id,
    case_files::person_id,
    case_files::area,
    case_files::confirmed_at,
) = (
    case_files::id,
    case_files::person_id,
    case_files::area,
    case_files::confirmed_at,
);

fn assemble(
    conn: &mut AnyConnection,
    rows: Vec<FileRow>,
    caller: Uuid,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<CaseAccessFacts>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<DbUuid> = rows.iter().map(|r| r.0).collect();
    let team: Vec<(DbUuid, DbUuid, String, bool)> = case_file_team::table
        .filter(case_file_team::case_file_id.eq_any(&ids))
        .filter(case_file_team::assigned_from.le(today))
        .filter(
            case_file_team::assigned_until
                .is_null()
                .or(case_file_team::assigned_until.gt(today)),
        )
        .select((
            case_file_team::case_file_id,
            case_file_team::staff_id,
            case_file_team::role,
            case_file_team::sensitive_access,
        ))
        .load(conn)?;
    let grants = crate::break_glass::active_reasons(conn, caller, &ids, now)?;
    let mut managers: HashMap<Uuid, Uuid> = HashMap::new();
    let mut members: HashMap<Uuid, Vec<TeamFact>> = HashMap::new();
    for (file, staff, role, sensitive) in team {
        if role == TeamRole::CaseManager.as_str() {
            managers.insert(file.0, staff.0);
        } else {
            members.entry(file.0).or_default().push(TeamFact {
                staff_id: staff.0,
                sensitive_access: sensitive,
            });
        }
    }
    rows.into_iter()
        .map(|(id, person, area, confirmed_at)| {
            let area = area
                .parse::<Area>()
                .map_err(|e| StoreError::Internal(format!("stored area is invalid: {e}")))?;
            let break_glass_reason = grants.get(&id.0).cloned();
            Ok(CaseAccessFacts {
                case_file_id: id.0,
                person_id: person.0,
                facts: CaseFacts {
                    area,
                    case_manager: managers.get(&id.0).copied(),
                    team: members.remove(&id.0).unwrap_or_default(),
                    break_glass: break_glass_reason.is_some(),
                    confirmed: confirmed_at.is_some(),
                },
                break_glass_reason,
            })
        })
        .collect()
}
