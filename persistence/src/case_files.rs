//! Case files: rows, references, lifecycle history, team and target groups.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::prelude::*;
use socialcare_domain::Area;
use socialcare_domain::case_file::{
    CaseFile, CaseReference, CaseStatus, ClosingReason, TargetGroup, TeamAssignment, TeamMember,
    TeamRole, TransitionRecord,
};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{case_file_target_groups, case_file_team, case_file_transitions, case_files};
use crate::sql_types::{DbInstant, DbUuid};

/// A `case_files` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = case_files)]
#[diesel(treat_none_as_default_value = false)]
pub struct CaseFileRow {
    /// Primary key.
    pub id: DbUuid,
    /// `CS-YYYY-NNNNNN`.
    pub reference: String,
    /// Person.
    pub person_id: DbUuid,
    /// Area code.
    pub area: String,
    /// Status code.
    pub status: String,
    /// Opening day.
    pub opened_on: NaiveDate,
    /// Closing day.
    pub closed_on: Option<NaiveDate>,
    /// Closing reason code.
    pub closing_reason: Option<String>,
    /// Version.
    pub version: i64,
    /// Creation instant.
    pub created_at: DbInstant,
    /// Creator.
    pub created_by: DbUuid,
    /// Last change.
    pub updated_at: DbInstant,
    /// Last author.
    pub updated_by: DbUuid,
    /// When the taking in charge was confirmed; NULL while it waits for the area coordinator.
    pub confirmed_at: Option<DbInstant>,
    /// Who confirmed it.
    pub confirmed_by: Option<DbUuid>,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("stored {what} is invalid: {e}"))
}

fn to_domain(row: CaseFileRow, groups: Vec<TargetGroup>) -> Result<CaseFile, StoreError> {
    Ok(CaseFile {
        id: row.id.0,
        reference: CaseReference::parse(&row.reference).map_err(|e| corrupt("reference", e))?,
        person_id: row.person_id.0,
        area: row.area.parse::<Area>().map_err(|e| corrupt("area", e))?,
        status: row
            .status
            .parse::<CaseStatus>()
            .map_err(|e| corrupt("status", e))?,
        opened_on: row.opened_on,
        closed_on: row.closed_on,
        closing_reason: row
            .closing_reason
            .map(|c| c.parse::<ClosingReason>())
            .transpose()
            .map_err(|e| corrupt("closing reason", e))?,
        target_groups: groups,
        version: row.version,
        created_at: row.created_at.0,
        created_by: row.created_by.0,
        updated_at: row.updated_at.0,
        updated_by: row.updated_by.0,
        confirmed_at: row.confirmed_at.map(|t| t.0),
        confirmed_by: row.confirmed_by.map(|u| u.0),
    })
}

fn assemble(conn: &mut AnyConnection, rows: Vec<CaseFileRow>) -> Result<Vec<CaseFile>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<DbUuid> = rows.iter().map(|r| r.id).collect();
    let mut groups: HashMap<DbUuid, Vec<TargetGroup>> = HashMap::new();
    for (id, code) in case_file_target_groups::table
        .filter(case_file_target_groups::case_file_id.eq_any(&ids))
        .select((
            case_file_target_groups::case_file_id,
            case_file_target_groups::target_group,
        ))
        .load::<(DbUuid, String)>(conn)?
    {
        groups
            .entry(id)
            .or_default()
            .push(code.parse().map_err(|e| corrupt("target group", e))?);
    }
    rows.into_iter()
        .map(|row| {
            let mut g = groups.remove(&row.id).unwrap_or_default();
            g.sort();
            to_domain(row, g)
        })
        .collect()
}

/// Allocates the next reference of `year` inside the caller's transaction with an upsert on the
/// year's counter row: concurrent transactions queue on that row's lock (PostgreSQL) or on the
/// single writer (SQLite), so they never get the same number, and the first reference of a year
/// cannot race either.
pub fn next_reference(conn: &mut AnyConnection, year: i32) -> Result<CaseReference, StoreError> {
    let sequence = crate::db::next_in_year(conn, "case_reference_counters", year)?;
    CaseReference::new(year, u32::try_from(sequence).unwrap_or(0))
        .map_err(|e| StoreError::Conflict(format!("case reference counter: {e}")))
}

/// What is needed to open a case file.
#[derive(Debug, Clone)]
pub struct NewCaseFile {
    /// The person taken in charge.
    pub person_id: Uuid,
    /// The owning area.
    pub area: Area,
    /// The responsible social worker.
    pub case_manager_id: Uuid,
    /// Opening day.
    pub opened_on: NaiveDate,
    /// Target groups.
    pub target_groups: Vec<TargetGroup>,
    /// Whether the taking in charge is confirmed at opening (see
    /// [`socialcare_domain::case_file::needs_confirmation`]).
    pub confirmed: bool,
}

/// The `case_files` row of a file opened now: in `intake`, version 1, with its reference and,
/// when `new.confirmed`, its confirmation by `actor` (what [`insert`] writes; public for the
/// bulk import, which writes many at once).
pub fn new_row(
    id: Uuid,
    reference: &CaseReference,
    new: &NewCaseFile,
    actor: Uuid,
    now: DateTime<Utc>,
) -> CaseFileRow {
    CaseFileRow {
        id: DbUuid(id),
        reference: reference.as_str().to_owned(),
        person_id: DbUuid(new.person_id),
        area: new.area.as_str().to_owned(),
        status: CaseStatus::Intake.as_str().to_owned(),
        opened_on: new.opened_on,
        closed_on: None,
        closing_reason: None,
        version: 1,
        created_at: now.into(),
        created_by: DbUuid(actor),
        updated_at: now.into(),
        updated_by: DbUuid(actor),
        confirmed_at: new.confirmed.then(|| now.into()),
        confirmed_by: new.confirmed.then_some(DbUuid(actor)),
    }
}

/// Opens a case file in `intake`, with its reference, case manager and target groups.
pub fn insert(
    conn: &mut AnyConnection,
    new: &NewCaseFile,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<CaseFile, StoreError> {
    let id = Uuid::now_v7();
    let reference = next_reference(conn, new.opened_on.year())?;
    let row = new_row(id, &reference, new, actor, now);
    diesel::insert_into(case_files::table)
        .values(&row)
        .execute(conn)?;
    write_target_groups(conn, id, &new.target_groups)?;
    add_team_member(
        conn,
        id,
        &TeamAssignment {
            staff_id: new.case_manager_id,
            role: TeamRole::CaseManager,
            from: new.opened_on,
            until: None,
        },
        false,
        actor,
        now,
    )?;
    find(conn, id)?.ok_or(StoreError::NotFound)
}

fn write_target_groups(
    conn: &mut AnyConnection,
    id: Uuid,
    groups: &[TargetGroup],
) -> Result<(), StoreError> {
    diesel::delete(
        case_file_target_groups::table.filter(case_file_target_groups::case_file_id.eq(DbUuid(id))),
    )
    .execute(conn)?;
    let mut sorted = groups.to_vec();
    sorted.sort();
    sorted.dedup();
    for group in sorted {
        diesel::insert_into(case_file_target_groups::table)
            .values((
                case_file_target_groups::case_file_id.eq(DbUuid(id)),
                case_file_target_groups::target_group.eq(group.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Finds a case file.
pub fn find(conn: &mut AnyConnection, id: Uuid) -> Result<Option<CaseFile>, StoreError> {
    let row = case_files::table
        .find(DbUuid(id))
        .select(CaseFileRow::as_select())
        .first(conn)
        .optional()?;
    Ok(assemble(conn, row.into_iter().collect())?.pop())
}

/// Whether another area has the person in charge: a case file of theirs, not closed, in an area
/// other than `area`.
pub fn in_charge_elsewhere(
    conn: &mut AnyConnection,
    person_id: Uuid,
    area: Area,
) -> Result<bool, StoreError> {
    let found: Option<DbUuid> = case_files::table
        .filter(case_files::person_id.eq(DbUuid(person_id)))
        .filter(case_files::area.ne(area.as_str()))
        .filter(case_files::status.ne(CaseStatus::Closed.as_str()))
        .select(case_files::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Confirms the taking in charge of a file still waiting for it, if its version is still
/// `version`; returns whether it changed (false: another change came first, or it was already
/// confirmed).
pub fn confirm(
    conn: &mut AnyConnection,
    id: Uuid,
    version: i64,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        case_files::table
            .filter(case_files::id.eq(DbUuid(id)))
            .filter(case_files::version.eq(version))
            .filter(case_files::confirmed_at.is_null()),
    )
    .set((
        case_files::confirmed_at.eq(Some(DbInstant(now))),
        case_files::confirmed_by.eq(Some(DbUuid(actor))),
        case_files::version.eq(version + 1),
        case_files::updated_at.eq(DbInstant(now)),
        case_files::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}
/// Name of the unique index that allows one non-closed case file per person and area: the
/// [`StoreError::Conflict`] of an insert, reopening or merge that would make a second one.
pub const ONE_OPEN_PER_AREA: &str = "case_files_one_open_per_person_area_idx";

/// Whether the person has a case file that is not closed in `area`.
pub fn open_in_area(
    conn: &mut AnyConnection,
    person_id: Uuid,
    area: Area,
) -> Result<Option<Uuid>, StoreError> {
    Ok(case_files::table
        .filter(case_files::person_id.eq(DbUuid(person_id)))
        .filter(case_files::area.eq(area.as_str()))
        .filter(case_files::status.ne(CaseStatus::Closed.as_str()))
        .select(case_files::id)
        .first::<DbUuid>(conn)
        .optional()?
        .map(|id| id.0))
}

/// Bumps the version of a case file if it is still `expected_version` (the optimistic lock for
/// every change to the file or its parts). Returns false when stale.
pub fn bump_version(
    conn: &mut AnyConnection,
    id: Uuid,
    expected_version: i64,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        case_files::table
            .find(DbUuid(id))
            .filter(case_files::version.eq(expected_version)),
    )
    .set((
        case_files::version.eq(expected_version + 1),
        case_files::updated_at.eq(DbInstant::from(now)),
        case_files::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records a transition and applies its outcome to the file (call after [`bump_version`]).
pub fn record_transition(
    conn: &mut AnyConnection,
    file: &CaseFile,
    record: &TransitionRecord,
) -> Result<(), StoreError> {
    let (closed_on, closing_reason) = if record.to == CaseStatus::Closed {
        (
            Some(record.occurred_on),
            record.closing_reason.map(|c| c.as_str().to_owned()),
        )
    } else {
        (None, None)
    };
    diesel::update(case_files::table.find(DbUuid(file.id)))
        .set((
            case_files::status.eq(record.to.as_str()),
            case_files::closed_on.eq(closed_on),
            case_files::closing_reason.eq(closing_reason),
        ))
        .execute(conn)?;
    diesel::insert_into(case_file_transitions::table)
        .values((
            case_file_transitions::id.eq(DbUuid(record.id)),
            case_file_transitions::case_file_id.eq(DbUuid(file.id)),
            case_file_transitions::transition.eq(record.transition.as_str()),
            case_file_transitions::from_status.eq(record.from.as_str()),
            case_file_transitions::to_status.eq(record.to.as_str()),
            case_file_transitions::occurred_on.eq(record.occurred_on),
            case_file_transitions::reason.eq(&record.reason),
            case_file_transitions::closing_reason
                .eq(record.closing_reason.map(|c| c.as_str().to_owned())),
            case_file_transitions::author_id.eq(DbUuid(record.author_id)),
            case_file_transitions::recorded_at.eq(DbInstant::from(record.recorded_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The lifecycle history of a file, oldest first.
pub fn transitions(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Vec<TransitionRecord>, StoreError> {
    type Row = (
        DbUuid,
        String,
        String,
        String,
        NaiveDate,
        String,
        Option<String>,
        DbUuid,
        DbInstant,
    );
    let rows: Vec<Row> = case_file_transitions::table
        .filter(case_file_transitions::case_file_id.eq(DbUuid(id)))
        .order((
            case_file_transitions::recorded_at.asc(),
            case_file_transitions::id.asc(),
        ))
        .select((
            case_file_transitions::id,
            case_file_transitions::transition,
            case_file_transitions::from_status,
            case_file_transitions::to_status,
            case_file_transitions::occurred_on,
            case_file_transitions::reason,
            case_file_transitions::closing_reason,
            case_file_transitions::author_id,
            case_file_transitions::recorded_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, t, from, to, on, reason, closing, author, at)| {
            Ok(TransitionRecord {
                id: id.0,
                transition: t.parse().map_err(|e| corrupt("transition", e))?,
                from: from.parse().map_err(|e| corrupt("status", e))?,
                to: to.parse().map_err(|e| corrupt("status", e))?,
                occurred_on: on,
                reason,
                closing_reason: closing
                    .map(|c| c.parse())
                    .transpose()
                    .map_err(|e| corrupt("closing reason", e))?,
                author_id: author.0,
                recorded_at: at.0,
            })
        })
        .collect()
}

/// Replaces the target groups (call after [`bump_version`]).
pub fn set_target_groups(
    conn: &mut AnyConnection,
    id: Uuid,
    groups: &[TargetGroup],
) -> Result<(), StoreError> {
    write_target_groups(conn, id, groups)
}

/// Every team assignment of a file (current and past), oldest first.
pub fn team(conn: &mut AnyConnection, id: Uuid) -> Result<Vec<TeamMember>, StoreError> {
    type Row = (
        DbUuid,
        DbUuid,
        String,
        NaiveDate,
        Option<NaiveDate>,
        DbUuid,
        DbInstant,
        bool,
    );
    let rows: Vec<Row> = case_file_team::table
        .filter(case_file_team::case_file_id.eq(DbUuid(id)))
        .order((
            case_file_team::assigned_from.asc(),
            case_file_team::id.asc(),
        ))
        .select((
            case_file_team::id,
            case_file_team::staff_id,
            case_file_team::role,
            case_file_team::assigned_from,
            case_file_team::assigned_until,
            case_file_team::assigned_by,
            case_file_team::recorded_at,
            case_file_team::sensitive_access,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, staff, role, from, until, by, at, sensitive)| {
            Ok(TeamMember {
                id: id.0,
                assignment: TeamAssignment {
                    staff_id: staff.0,
                    role: role.parse().map_err(|e| corrupt("team role", e))?,
                    from,
                    until,
                },
                assigned_by: by.0,
                recorded_at: at.0,
                sensitive_access: sensitive,
            })
        })
        .collect()
}

/// Adds a team assignment; returns its id. `sensitive_access` is the case manager's grant of the
/// special categories and restricted entries (ignored for the case manager's own assignment).
pub fn add_team_member(
    conn: &mut AnyConnection,
    case_file_id: Uuid,
    assignment: &TeamAssignment,
    sensitive_access: bool,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    let sensitive_access = sensitive_access && assignment.role != TeamRole::CaseManager;
    let id = Uuid::now_v7();
    diesel::insert_into(case_file_team::table)
        .values((
            case_file_team::id.eq(DbUuid(id)),
            case_file_team::case_file_id.eq(DbUuid(case_file_id)),
            case_file_team::staff_id.eq(DbUuid(assignment.staff_id)),
            case_file_team::role.eq(assignment.role.as_str()),
            case_file_team::assigned_from.eq(assignment.from),
            case_file_team::assigned_until.eq(assignment.until),
            case_file_team::assigned_by.eq(DbUuid(actor)),
            case_file_team::recorded_at.eq(DbInstant::from(now)),
            case_file_team::sensitive_access.eq(sensitive_access),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Grants or withdraws a team member's access to the special categories and restricted
/// entries (call after [`bump_version`]).
pub fn set_sensitive_access(
    conn: &mut AnyConnection,
    assignment_id: Uuid,
    granted: bool,
) -> Result<(), StoreError> {
    diesel::update(case_file_team::table.find(DbUuid(assignment_id)))
        .set(case_file_team::sensitive_access.eq(granted))
        .execute(conn)?;
    Ok(())
}

/// Ends a team assignment on `until` (exclusive).
pub fn end_team_member(
    conn: &mut AnyConnection,
    assignment_id: Uuid,
    until: NaiveDate,
) -> Result<(), StoreError> {
    diesel::update(case_file_team::table.find(DbUuid(assignment_id)))
        .set(case_file_team::assigned_until.eq(Some(until)))
        .execute(conn)?;
    Ok(())
}

/// List criteria; every given criterion must hold. Ordered by id (creation order).
#[derive(Debug, Clone, Default)]
pub struct CaseFileQuery {
    /// Only files whose current case manager (on `today`) is this user.
    pub case_manager_id: Option<Uuid>,
    /// Only files where this user is currently in the team in any role (the caseload).
    pub team_member_id: Option<Uuid>,
    /// Only files of this person.
    pub person_id: Option<Uuid>,
    /// Only files of this area.
    pub area: Option<Area>,
    /// Only files in this status.
    pub status: Option<CaseStatus>,
    /// Only files with this target group.
    pub target_group: Option<TargetGroup>,
    /// The day "current" refers to.
    pub today: NaiveDate,
    /// Keyset position: only files created after this id.
    pub after: Option<Uuid>,
    /// Maximum number of rows.
    pub limit: i64,
    /// Only files the caller may see: `None` for everything.
    pub visible_to: Option<Visibility>,
}

/// The case files a caller may list: every file of `areas`, and the files where `staff_id` is
/// currently in the team (any role).
#[derive(Debug, Clone, Default)]
pub struct Visibility {
    /// The caller.
    pub staff_id: Uuid,
    /// Areas whose files are all visible.
    pub areas: Vec<Area>,
}

/// Condition "the staff member holds a team role on a day".
type CurrentCondition = diesel::dsl::And<
    diesel::dsl::And<
        diesel::dsl::And<
            diesel::dsl::Eq<case_file_team::staff_id, DbUuid>,
            diesel::dsl::LtEq<case_file_team::assigned_from, NaiveDate>,
        >,
        diesel::dsl::Or<
            diesel::dsl::IsNull<case_file_team::assigned_until>,
            diesel::dsl::Gt<case_file_team::assigned_until, NaiveDate>,
        >,
    >,
    diesel::dsl::EqAny<case_file_team::role, Vec<String>>,
>;

/// Subquery of the ids of the files where a staff member currently holds a role.
type CurrentTeamIds = diesel::dsl::Select<
    diesel::dsl::Filter<case_file_team::table, CurrentCondition>,
    case_file_team::case_file_id,
>;

/// The codes of one team role, or of every role.
fn role_codes(role: Option<TeamRole>) -> Vec<String> {
    match role {
        Some(r) => vec![r.as_str().to_owned()],
        None => TeamRole::ALL
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect(),
    }
}

/// The files where `staff` currently holds any team role (their caseload and teams).
pub fn current_team_files(
    conn: &mut AnyConnection,
    staff: Uuid,
    today: NaiveDate,
) -> Result<Vec<Uuid>, StoreError> {
    Ok(current_team_ids(staff, None, today)
        .load::<DbUuid>(conn)?
        .into_iter()
        .map(|id| id.0)
        .collect())
}

pub(crate) fn current_team_ids(
    staff: Uuid,
    role: Option<TeamRole>,
    today: NaiveDate,
) -> CurrentTeamIds {
    let roles = role_codes(role);
    case_file_team::table
        .filter(
            case_file_team::staff_id
                .eq(DbUuid(staff))
                .and(case_file_team::assigned_from.le(today))
                .and(
                    case_file_team::assigned_until
                        .is_null()
                        .or(case_file_team::assigned_until.gt(today)),
                )
                .and(case_file_team::role.eq_any(roles)),
        )
        .select(case_file_team::case_file_id)
}

/// Applies the criteria other than the driving team member to a boxed query over
/// `case_files` (alone, or joined with the driving member's team rows): the same SQL in both.
macro_rules! case_file_filters {
    ($query:ident, $q:expr) => {
        if let Some(person) = $q.person_id {
            $query = $query.filter(case_files::person_id.eq(DbUuid(person)));
        }
        if let Some(area) = $q.area {
            $query = $query.filter(case_files::area.eq(area.as_str()));
        }
        if let Some(status) = $q.status {
            $query = $query.filter(case_files::status.eq(status.as_str()));
        }
        if let Some(group) = $q.target_group {
            $query = $query.filter(
                case_files::id.eq_any(
                    case_file_target_groups::table
                        .filter(case_file_target_groups::target_group.eq(group.as_str()))
                        .select(case_file_target_groups::case_file_id),
                ),
            );
        }
    };
}

/// Lists case files after the cursor with the criteria.
///
/// A caseload (`team_member_id`, or `case_manager_id`) is read from the member's current team
/// rows in file order, through the index `(staff_id, case_file_id)`, joined to their files: a
/// page costs a page of index entries however large the caseload, and a page deep into it
/// starts at the cursor. A staff member is never twice in a file's team over the same day
/// (`TeamRuleViolation::AlreadyInTeam`), so the join yields each file once.
pub fn list(conn: &mut AnyConnection, q: &CaseFileQuery) -> Result<Vec<CaseFile>, StoreError> {
    let driver = match (q.team_member_id, q.case_manager_id) {
        (Some(member), _) => Some((member, None)),
        (None, Some(manager)) => Some((manager, Some(TeamRole::CaseManager))),
        (None, None) => None,
    };
    let rows = match driver {
        Some((staff, role)) => {
            let mut query = case_files::table
                .inner_join(case_file_team::table)
                .filter(case_file_team::staff_id.eq(DbUuid(staff)))
                .filter(case_file_team::assigned_from.le(q.today))
                .filter(
                    case_file_team::assigned_until
                        .is_null()
                        .or(case_file_team::assigned_until.gt(q.today)),
                )
                .filter(case_file_team::role.eq_any(role_codes(role)))
                .select(CaseFileRow::as_select())
                .order(case_file_team::case_file_id.asc())
                .limit(q.limit)
                .into_boxed();
            // The team table is in the join already: the other team conditions (both the member
            // and the case manager given; the caller's visibility) take their ids first.
            if let (Some(_), Some(manager)) = (q.team_member_id, q.case_manager_id) {
                let ids: Vec<DbUuid> =
                    current_team_ids(manager, Some(TeamRole::CaseManager), q.today).load(conn)?;
                query = query.filter(case_files::id.eq_any(ids));
            }
            if let Some(visible) = &q.visible_to {
                let areas: Vec<&str> = visible.areas.iter().map(|a| a.as_str()).collect();
                let ids: Vec<DbUuid> =
                    current_team_ids(visible.staff_id, None, q.today).load(conn)?;
                query = query.filter(
                    case_files::area
                        .eq_any(areas)
                        .or(case_files::id.eq_any(ids)),
                );
            }
            case_file_filters!(query, q);
            if let Some(after) = q.after {
                query = query.filter(case_file_team::case_file_id.gt(DbUuid(after)));
            }
            query.load(conn)?
        }
        None => {
            let mut query = case_files::table
                .select(CaseFileRow::as_select())
                .order(case_files::id.asc())
                .limit(q.limit)
                .into_boxed();
            case_file_filters!(query, q);
            if let Some(visible) = &q.visible_to {
                let areas: Vec<&str> = visible.areas.iter().map(|a| a.as_str()).collect();
                query =
                    query.filter(case_files::area.eq_any(areas).or(
                        case_files::id.eq_any(current_team_ids(visible.staff_id, None, q.today)),
                    ));
            }
            if let Some(after) = q.after {
                query = query.filter(case_files::id.gt(DbUuid(after)));
            }
            query.load(conn)?
        }
    };
    assemble(conn, rows)
}

/// One case file as the directory answer shows it: whose, which area, which status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryFile {
    /// The file.
    pub id: Uuid,
    /// The person it concerns.
    pub person_id: Uuid,
    /// The area that holds it.
    pub area: Area,
    /// Its status.
    pub status: CaseStatus,
}

/// The case files of several persons, oldest first, in one query (the directory answers of a
/// page of search results are built from it without a query per person).
pub fn directory_of_persons(
    conn: &mut AnyConnection,
    person_ids: &[Uuid],
) -> Result<Vec<DirectoryFile>, StoreError> {
    if person_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<DbUuid> = person_ids.iter().copied().map(DbUuid).collect();
    let rows: Vec<(DbUuid, DbUuid, String, String)> = case_files::table
        .filter(case_files::person_id.eq_any(&ids))
        .order(case_files::id.asc())
        .select((
            case_files::id,
            case_files::person_id,
            case_files::area,
            case_files::status,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, person, area, status)| {
            Ok(DirectoryFile {
                id: id.0,
                person_id: person.0,
                area: area.parse::<Area>().map_err(|e| corrupt("area", e))?,
                status: status
                    .parse::<CaseStatus>()
                    .map_err(|e| corrupt("status", e))?,
            })
        })
        .collect()
}

/// The current case manager (on `today`) of each of the given files.
pub fn current_case_managers(
    conn: &mut AnyConnection,
    ids: &[Uuid],
    today: NaiveDate,
) -> Result<HashMap<Uuid, Uuid>, StoreError> {
    let ids: Vec<DbUuid> = ids.iter().copied().map(DbUuid).collect();
    let rows: Vec<(DbUuid, DbUuid)> = case_file_team::table
        .filter(case_file_team::case_file_id.eq_any(&ids))
        .filter(case_file_team::role.eq(TeamRole::CaseManager.as_str()))
        .filter(case_file_team::assigned_from.le(today))
        .filter(
            case_file_team::assigned_until
                .is_null()
                .or(case_file_team::assigned_until.gt(today)),
        )
        .select((case_file_team::case_file_id, case_file_team::staff_id))
        .load(conn)?;
    Ok(rows.into_iter().map(|(f, s)| (f.0, s.0)).collect())
}
