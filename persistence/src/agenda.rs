//! The facts of a case manager's agenda, read in the agenda's own order
//! (`socialcare_domain::agenda::Position`: due day, kind, subject, commitment), each source
//! from a page's position on and at most a page of it, so that a page costs the same however
//! large the caseload and however deep the page:
//!
//! - the reviews of the active projects of the files they manage (`projects.next_review_on`);
//! - the stored deadlines of their pacts (`pact_deadlines`, written with every change of a pact
//!   by [`crate::pacts::store_deadlines`]), except those whose clock a running suspension stops;
//! - those few, which move with the day, read whole and placed by the domain;
//! - the expected releases to plan for, of the open files they manage and of every open file
//!   of the areas they coordinate (bounded by the persons in the prison area).
//!
//! Which items the agenda lists and how a page is cut stay `socialcare_domain::agenda`'s.

use chrono::NaiveDate;
use diesel::prelude::*;
use socialcare_domain::Area;
use socialcare_domain::agenda::{ItemKind, Position, Window};
use socialcare_domain::case_file::{CaseStatus, TeamRole};
use socialcare_domain::housing::PlacementStatus;
use socialcare_domain::pact::{Deadline, DueKind};
use socialcare_domain::project::ProjectStatus;
use socialcare_domain::sensitive::JusticeStatus;
use uuid::Uuid;

use crate::case_files::current_team_ids;
use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::pacts::DeadlineRow;
use crate::schema::{
    case_files, employment_placements, pact_deadlines, person_justice, persons, placements,
    projects,
};
use crate::sql_types::DbUuid;

/// The review of an active project, due on `due_on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewDue {
    /// The project.
    pub project_id: Uuid,
    /// Its case file.
    pub case_file_id: Uuid,
    /// The person of the case file.
    pub person_id: Uuid,
    /// The day of the next review.
    pub due_on: NaiveDate,
}

/// The planned end of a placement not ended yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlacementDue {
    /// The placement.
    pub placement_id: Uuid,
    /// Its case file.
    pub case_file_id: Uuid,
    /// The person placed.
    pub person_id: Uuid,
    /// The day the person is expected to leave.
    pub until: NaiveDate,
}

/// A stored deadline of a pact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PactDue {
    /// The pact.
    pub pact_id: Uuid,
    /// Its case file.
    pub case_file_id: Uuid,
    /// The person of the case file.
    pub person_id: Uuid,
    /// The deadline, to be read on the agenda's day ([`Deadline::on`]).
    pub deadline: Deadline,
}

/// A person of an open file in the agenda's scope whose release is expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReleaseDue {
    /// The open case file.
    pub case_file_id: Uuid,
    /// Its person.
    pub person_id: Uuid,
    /// The person's justice status (never `released`).
    pub status: JusticeStatus,
    /// The expected release day.
    pub expected_on: NaiveDate,
}

/// The due days a window lists besides the overdue ones, as the filter the database applies
/// before the domain's own ([`Window::shows`]): up to the last day, and, when the period starts
/// after today, either before today or from the period's first day.
macro_rules! window_filter {
    ($query:ident, $column:expr, $window:expr) => {
        $query = $query.filter($column.le($window.to));
        if $window.from > $window.today {
            $query = $query.filter($column.lt($window.today).or($column.ge($window.from)));
        }
    };
}

/// The reviews due for `manager`'s agenda in `window` after `after`, in the agenda's order, at
/// most `limit` of them: the active projects of the files where they are the current case
/// manager, by next review day then project.
pub fn reviews(
    conn: &mut AnyConnection,
    manager: Uuid,
    window: &Window,
    after: Option<&Position>,
    limit: i64,
) -> Result<Vec<ReviewDue>, StoreError> {
    let mut query = projects::table
        .inner_join(case_files::table)
        .filter(projects::case_file_id.eq_any(current_team_ids(
            manager,
            Some(TeamRole::CaseManager),
            window.today,
        )))
        .filter(projects::status.eq(ProjectStatus::Active.as_str()))
        .select((
            projects::id,
            projects::case_file_id,
            case_files::person_id,
            projects::next_review_on,
        ))
        .order((projects::next_review_on.asc(), projects::id.asc()))
        .limit(limit)
        .into_boxed();
    window_filter!(query, projects::next_review_on, window);
    if let Some(a) = after {
        let day = Some(a.due_on);
        query = if ItemKind::ProjectReview.rank() < a.kind.rank() {
            query.filter(projects::next_review_on.gt(day))
        } else {
            let project = DbUuid(a.subject.unwrap_or_default());
            query.filter(
                projects::next_review_on.gt(day).or(projects::next_review_on
                    .eq(day)
                    .and(projects::id.gt(project))),
            )
        };
    }
    let rows: Vec<(DbUuid, DbUuid, DbUuid, Option<NaiveDate>)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(project, file, person, due)| {
            due.map(|due_on| ReviewDue {
                project_id: project.0,
                case_file_id: file.0,
                person_id: person.0,
                due_on,
            })
        })
        .collect())
}

/// The stored pact deadlines of `manager`'s agenda in `window` after `after`, in the agenda's
/// order (due day, kind, pact, commitment), at most `limit` of them, only of `kind` when given:
/// those of the pacts of the files where they are the current case manager whose day is fixed.
/// The deadlines a running suspension moves are [`moving_pact_deadlines`].
pub fn pact_deadlines(
    conn: &mut AnyConnection,
    manager: Uuid,
    window: &Window,
    kind: Option<DueKind>,
    after: Option<&Position>,
    limit: i64,
) -> Result<Vec<PactDue>, StoreError> {
    let mut query = pact_deadlines::table
        .inner_join(case_files::table)
        .filter(pact_deadlines::case_file_id.eq_any(current_team_ids(
            manager,
            Some(TeamRole::CaseManager),
            window.today,
        )))
        .filter(pact_deadlines::stopped_since.is_null())
        .select((DeadlineRow::as_select(), case_files::person_id))
        .order((
            pact_deadlines::due_on.asc(),
            pact_deadlines::kind_rank.asc(),
            pact_deadlines::pact_id.asc(),
            pact_deadlines::commitment_key.asc(),
        ))
        .limit(limit)
        .into_boxed();
    window_filter!(query, pact_deadlines::due_on, window);
    if let Some(kind) = kind {
        query = query.filter(pact_deadlines::kind.eq(kind.as_str()));
    }
    if let Some(a) = after {
        let (day, rank) = (a.due_on, a.kind.rank());
        let pact = DbUuid(a.subject.unwrap_or_default());
        let commitment = DbUuid(a.commitment_id.unwrap_or_default());
        query = query.filter(
            pact_deadlines::due_on
                .gt(day)
                .or(pact_deadlines::due_on.eq(day).and(
                    pact_deadlines::kind_rank
                        .gt(rank)
                        .or(pact_deadlines::kind_rank.eq(rank).and(
                            pact_deadlines::pact_id.gt(pact).or(pact_deadlines::pact_id
                                .eq(pact)
                                .and(pact_deadlines::commitment_key.gt(commitment))),
                        )),
                )),
        );
    }
    pact_dues(query.load(conn)?)
}

/// The pact deadlines of `manager`'s agenda that a running suspension keeps moving (a check
/// whose clock is stopped): few, read whole, placed by the domain on the agenda's day.
pub fn moving_pact_deadlines(
    conn: &mut AnyConnection,
    manager: Uuid,
    today: NaiveDate,
) -> Result<Vec<PactDue>, StoreError> {
    let rows = pact_deadlines::table
        .inner_join(case_files::table)
        .filter(pact_deadlines::case_file_id.eq_any(current_team_ids(
            manager,
            Some(TeamRole::CaseManager),
            today,
        )))
        .filter(pact_deadlines::stopped_since.is_not_null())
        .select((DeadlineRow::as_select(), case_files::person_id))
        .load(conn)?;
    pact_dues(rows)
}

fn pact_dues(rows: Vec<(DeadlineRow, DbUuid)>) -> Result<Vec<PactDue>, StoreError> {
    rows.into_iter()
        .map(|(row, person)| {
            let pact_id = row.pact_id.0;
            let case_file_id = row.case_file_id.0;
            Ok(PactDue {
                pact_id,
                case_file_id,
                person_id: person.0,
                deadline: Deadline::try_from(row)?,
            })
        })
        .collect()
}

/// The expected releases to plan for in `manager`'s agenda: the persons (not annulled, not
/// released) of the open files where `manager` is the current case manager or whose area is
/// among `coordinated`, whose release is expected on or before `until`, by day then file. One
/// row per open file. The two scopes are read apart (one query driven by the team rows, one by
/// the area), so that each uses its index.
pub fn releases(
    conn: &mut AnyConnection,
    manager: Uuid,
    coordinated: &[Area],
    today: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<ReleaseDue>, StoreError> {
    let base = || {
        person_justice::table
            .inner_join(persons::table)
            .inner_join(case_files::table.on(case_files::person_id.eq(person_justice::person_id)))
            .filter(persons::annulled_at.is_null())
            .filter(person_justice::status.ne(JusticeStatus::Released.as_str()))
            .filter(person_justice::expected_release_on.le(until))
            .filter(case_files::status.ne(CaseStatus::Closed.as_str()))
            .select((
                case_files::id,
                person_justice::person_id,
                person_justice::status,
                person_justice::expected_release_on,
            ))
            .into_boxed()
    };
    type Row = (DbUuid, DbUuid, String, Option<NaiveDate>);
    let mut rows: Vec<Row> = base()
        .filter(case_files::id.eq_any(current_team_ids(
            manager,
            Some(TeamRole::CaseManager),
            today,
        )))
        .load(conn)?;
    if !coordinated.is_empty() {
        let areas: Vec<&'static str> = coordinated.iter().map(|a| a.as_str()).collect();
        rows.extend(
            base()
                .filter(case_files::area.eq_any(areas))
                .load::<Row>(conn)?,
        );
    }
    let mut out = rows
        .into_iter()
        .filter_map(|(file, person, status, on)| on.map(|on| (file, person, status, on)))
        .map(|(file, person, status, expected_on)| {
            let status = JusticeStatus::parse(&status).map_err(|e| {
                StoreError::Internal(format!(
                    "stored justice status of {} is invalid: {e}",
                    person.0
                ))
            })?;
            Ok(ReleaseDue {
                case_file_id: file.0,
                person_id: person.0,
                status,
                expected_on,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    out.sort_by_key(|r| (r.expected_on, r.case_file_id));
    out.dedup_by_key(|r| r.case_file_id);
    Ok(out)
}

/// The planned ends of the placements (planned or active) of `manager`'s agenda in `window`
/// after `after`, in the agenda's order (the day the person is expected to leave, then the
/// placement), at most `limit` of them: those of the files where they are the current case
/// manager.
pub fn placement_ends(
    conn: &mut AnyConnection,
    manager: Uuid,
    window: &Window,
    after: Option<&Position>,
    limit: i64,
) -> Result<Vec<PlacementDue>, StoreError> {
    let mut query = placements::table
        .filter(placements::case_file_id.eq_any(current_team_ids(
            manager,
            Some(TeamRole::CaseManager),
            window.today,
        )))
        .filter(placements::status.eq_any([
            PlacementStatus::Planned.as_str(),
            PlacementStatus::Active.as_str(),
        ]))
        .select((
            placements::id,
            placements::case_file_id,
            placements::person_id,
            placements::until_on,
        ))
        .order((placements::until_on.asc(), placements::id.asc()))
        .limit(limit)
        .into_boxed();
    window_filter!(query, placements::until_on, window);
    if let Some(a) = after {
        let day = a.due_on;
        query = if ItemKind::PlacementEnd.rank() < a.kind.rank() {
            query.filter(placements::until_on.gt(day))
        } else if ItemKind::PlacementEnd.rank() > a.kind.rank() {
            query.filter(placements::until_on.ge(day))
        } else {
            let placement = DbUuid(a.subject.unwrap_or_default());
            query.filter(
                placements::until_on.gt(day).or(placements::until_on
                    .eq(day)
                    .and(placements::id.gt(placement))),
            )
        };
    }
    let rows: Vec<(DbUuid, DbUuid, DbUuid, NaiveDate)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, file, person, until)| PlacementDue {
            placement_id: id.0,
            case_file_id: file.0,
            person_id: person.0,
            until,
        })
        .collect())
}

/// The employment placements due in `manager`'s agenda in `window` after `after`, in the
/// agenda's order (the day, then the placement), at most `limit` of them, of the files where
/// they are the current case manager: for [`ItemKind::EmploymentEnd`], the planned last days of
/// those proposed or active with a planned end; for [`ItemKind::EmploymentReview`], the next
/// tutor reviews of those active. `until` is the due day.
pub fn employment_due(
    conn: &mut AnyConnection,
    manager: Uuid,
    window: &Window,
    kind: ItemKind,
    after: Option<&Position>,
    limit: i64,
) -> Result<Vec<PlacementDue>, StoreError> {
    use socialcare_domain::employment::WorkStatus;
    // One query shape for both sources: the due column and the statuses differ.
    macro_rules! due_by {
        ($column:expr, $statuses:expr) => {{
            let mut query = employment_placements::table
                .filter(employment_placements::case_file_id.eq_any(current_team_ids(
                    manager,
                    Some(TeamRole::CaseManager),
                    window.today,
                )))
                .filter(employment_placements::status.eq_any($statuses))
                .filter($column.is_not_null())
                .select((
                    employment_placements::id,
                    employment_placements::case_file_id,
                    employment_placements::person_id,
                    $column,
                ))
                .order(($column.asc(), employment_placements::id.asc()))
                .limit(limit)
                .into_boxed();
            window_filter!(query, $column, window);
            if let Some(a) = after {
                let day = a.due_on;
                query = if kind.rank() < a.kind.rank() {
                    query.filter($column.gt(day))
                } else if kind.rank() > a.kind.rank() {
                    query.filter($column.ge(day))
                } else {
                    let placement = DbUuid(a.subject.unwrap_or_default());
                    query.filter(
                        $column
                            .gt(day)
                            .or($column.eq(day).and(employment_placements::id.gt(placement))),
                    )
                };
            }
            let rows: Vec<(DbUuid, DbUuid, DbUuid, Option<NaiveDate>)> = query.load(conn)?;
            rows
        }};
    }
    let rows = match kind {
        ItemKind::EmploymentReview => due_by!(
            employment_placements::next_review_on,
            [WorkStatus::Active.as_str()]
        ),
        _ => due_by!(
            employment_placements::until_on,
            [WorkStatus::Proposed.as_str(), WorkStatus::Active.as_str()]
        ),
    };
    Ok(rows
        .into_iter()
        .filter_map(|(id, file, person, until)| {
            until.map(|until| PlacementDue {
                placement_id: id.0,
                case_file_id: file.0,
                person_id: person.0,
                until,
            })
        })
        .collect())
}

/// An open application whose reconfirmation is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconfirmationDue {
    /// The application.
    pub application_id: Uuid,
    /// Its case file.
    pub case_file_id: Uuid,
    /// The person applying.
    pub person_id: Uuid,
    /// The day by which it must be reconfirmed.
    pub reconfirm_by: NaiveDate,
}

/// The reconfirmations due of the open applications (waiting, offered, suspended) of
/// `manager`'s agenda in `window` after `after`, in the agenda's order (the day, then the
/// application), at most `limit` of them: those of the files where they are the current case
/// manager.
pub fn reconfirmations(
    conn: &mut AnyConnection,
    manager: Uuid,
    window: &Window,
    after: Option<&Position>,
    limit: i64,
) -> Result<Vec<ReconfirmationDue>, StoreError> {
    use crate::schema::applications;
    use socialcare_domain::waiting_list::ApplicationStatus;
    let kind = ItemKind::ApplicationReconfirmation;
    let mut query = applications::table
        .filter(applications::case_file_id.eq_any(current_team_ids(
            manager,
            Some(TeamRole::CaseManager),
            window.today,
        )))
        .filter(applications::status.eq_any([
            ApplicationStatus::Waiting.as_str(),
            ApplicationStatus::Offered.as_str(),
            ApplicationStatus::Suspended.as_str(),
        ]))
        .select((
            applications::id,
            applications::case_file_id,
            applications::person_id,
            applications::reconfirm_by,
        ))
        .order((applications::reconfirm_by.asc(), applications::id.asc()))
        .limit(limit)
        .into_boxed();
    window_filter!(query, applications::reconfirm_by, window);
    if let Some(a) = after {
        let day = a.due_on;
        query = if kind.rank() < a.kind.rank() {
            query.filter(applications::reconfirm_by.gt(day))
        } else if kind.rank() > a.kind.rank() {
            query.filter(applications::reconfirm_by.ge(day))
        } else {
            let application = DbUuid(a.subject.unwrap_or_default());
            query.filter(
                applications::reconfirm_by
                    .gt(day)
                    .or(applications::reconfirm_by
                        .eq(day)
                        .and(applications::id.gt(application))),
            )
        };
    }
    let rows: Vec<(DbUuid, DbUuid, DbUuid, NaiveDate)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, file, person, by)| ReconfirmationDue {
            application_id: id.0,
            case_file_id: file.0,
            person_id: person.0,
            reconfirm_by: by,
        })
        .collect())
}
