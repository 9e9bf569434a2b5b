//! The facts of a case manager's agenda, read in the agenda's own order
//! (`socialcare_domain::agenda::Position`: due day, kind, subject, commitment), from a page's
//! position on and at most a page of it, so that a page costs the same however large the
//! caseload and however deep the page:
//!
//! - everything due in the files they manage — project reviews, pact deadlines, expected
//!   releases, planned ends of housing and employment placements, employment reviews,
//!   reconfirmations of open applications — from `agenda_entries`, the index the database keeps
//!   of them for each case-manager assignment (migration `000047`: triggers on every source and
//!   on the team, so no write path can forget it): a page is one range of one index, whatever
//!   the size of the caseload ([`entries`]); the pact checks whose deadline a running suspension
//!   keeps moving and the expected releases (their own horizon) are few and read whole
//!   ([`apart`]);
//! - for area coordinators, the expected releases of every open file of their areas
//!   ([`area_releases`]).
//!
//! Which items the agenda lists and how a page is cut stay `socialcare_domain::agenda`'s.

use chrono::NaiveDate;
use diesel::prelude::*;
use socialcare_domain::Area;
use socialcare_domain::agenda::{Due, ItemKind, Position, Window};
use socialcare_domain::case_file::CaseStatus;
use socialcare_domain::sensitive::JusticeStatus;
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{case_files, person_justice, persons};
use crate::sql_types::DbUuid;

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

/// The expected releases to plan for in the agenda of the coordinator of `areas`: the persons
/// (not annulled, not released) of every open file of those areas whose release is expected on
/// or before `until`, by day then file, one row per open file.
pub fn area_releases(
    conn: &mut AnyConnection,
    areas: &[Area],
    until: NaiveDate,
) -> Result<Vec<ReleaseDue>, StoreError> {
    if areas.is_empty() {
        return Ok(Vec::new());
    }
    let areas: Vec<&'static str> = areas.iter().map(|a| a.as_str()).collect();
    let rows: Vec<(DbUuid, DbUuid, String, Option<NaiveDate>)> = person_justice::table
        .inner_join(persons::table)
        .inner_join(case_files::table.on(case_files::person_id.eq(person_justice::person_id)))
        .filter(persons::annulled_at.is_null())
        .filter(person_justice::status.ne(JusticeStatus::Released.as_str()))
        .filter(person_justice::expected_release_on.le(until))
        .filter(case_files::status.ne(CaseStatus::Closed.as_str()))
        .filter(case_files::area.eq_any(areas))
        .select((
            case_files::id,
            person_justice::person_id,
            person_justice::status,
            person_justice::expected_release_on,
        ))
        .load(conn)?;
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

/// The entries of `manager`'s agenda in `window` after `after`, in the agenda's order (due
/// day, kind, subject, commitment), at most `limit` of them, only of `kind` when given: those of
/// the files where `manager` is the case manager on the window's day, except what [`apart`]
/// reads.
pub fn entries(
    conn: &mut AnyConnection,
    manager: Uuid,
    window: &Window,
    kind: Option<ItemKind>,
    after: Option<&Position>,
    limit: i64,
) -> Result<Vec<Due>, StoreError> {
    // Two assignments of one case manager to one file at once are refused by the domain, not
    // by a constraint: should they exist, an item would come twice; such a page is read again
    // with room for the repeats, so that it is never cut short.
    let mut fetch = limit;
    loop {
        let rows = entry_rows(conn, manager, window, kind, after, fetch)?;
        let full = i64::try_from(rows.len()).unwrap_or(i64::MAX) >= fetch;
        let mut out = rows
            .into_iter()
            .map(due)
            .collect::<Result<Vec<_>, StoreError>>()?;
        let read = out.len();
        out.dedup();
        if out.len() == read || !full || fetch >= limit.saturating_mul(16) {
            out.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            return Ok(out);
        }
        fetch = fetch.saturating_mul(2);
    }
}

type EntryRow = (
    i16,
    DbUuid,
    Option<DbUuid>,
    DbUuid,
    DbUuid,
    DbUuid,
    NaiveDate,
    Option<NaiveDate>,
);

fn due(
    (rank, file, own_person, file_person, subject, commitment, due_on, stopped_since): EntryRow,
) -> Result<Due, StoreError> {
    let kind = ItemKind::ALL
        .into_iter()
        .find(|k| k.rank() == rank)
        .ok_or_else(|| {
            StoreError::Internal(format!("agenda entry of {} has kind rank {rank}", file.0))
        })?;
    Ok(Due {
        kind,
        case_file_id: file.0,
        person_id: own_person.unwrap_or(file_person).0,
        subject: subject.0,
        commitment_id: Some(commitment.0).filter(|c| !c.is_nil()),
        due_on,
        stopped_since,
    })
}

/// What `manager`'s agenda reads apart from its pages on `today`, of the files where they are
/// the case manager: the pact checks whose deadline a running suspension keeps moving (few,
/// read whole, placed by the domain on the day), and the expected releases (of persons not
/// released) on or before `release_until`.
pub fn apart(
    conn: &mut AnyConnection,
    manager: Uuid,
    today: NaiveDate,
    release_until: NaiveDate,
) -> Result<Vec<Due>, StoreError> {
    use crate::schema::agenda_entries as e;
    let rows: Vec<EntryRow> = e::table
        .inner_join(case_files::table)
        .filter(e::staff_id.eq(DbUuid(manager)))
        // Each side of the OR implies the predicate of one partial index
        // (`agenda_entries_moving_idx`, `agenda_entries_release_idx`).
        .filter(
            e::stopped_since.is_not_null().or(e::kind_rank
                .eq(ItemKind::ExpectedRelease.rank())
                .and(e::due_on.le(release_until))),
        )
        .filter(e::assigned_from.le(today))
        .filter(e::assigned_until.is_null().or(e::assigned_until.gt(today)))
        .select(EntryColumns::default())
        .load(conn)?;
    let mut out = rows.into_iter().map(due).collect::<Result<Vec<_>, _>>()?;
    out.sort_by_key(|d| (d.due_on, d.kind, d.subject, d.commitment_id));
    out.dedup();
    Ok(out)
}

/// The columns of an [`EntryRow`], the entry joined with its case file (diesel's columns are
/// unit values: `EntryColumns::default()` selects them).
type EntryColumns = (
    crate::schema::agenda_entries::kind_rank,
    crate::schema::agenda_entries::case_file_id,
    crate::schema::agenda_entries::person_id,
    case_files::person_id,
    crate::schema::agenda_entries::subject_id,
    crate::schema::agenda_entries::commitment_key,
    crate::schema::agenda_entries::due_on,
    crate::schema::agenda_entries::stopped_since,
);

fn entry_rows(
    conn: &mut AnyConnection,
    manager: Uuid,
    window: &Window,
    kind: Option<ItemKind>,
    after: Option<&Position>,
    limit: i64,
) -> Result<Vec<EntryRow>, StoreError> {
    use crate::schema::agenda_entries as e;
    let today = window.today;
    let mut query = e::table
        .inner_join(case_files::table)
        .filter(e::staff_id.eq(DbUuid(manager)))
        .filter(e::assigned_from.le(today))
        .filter(e::assigned_until.is_null().or(e::assigned_until.gt(today)))
        .filter(e::stopped_since.is_null())
        .filter(e::kind_rank.ne(ItemKind::ExpectedRelease.rank()))
        .select(EntryColumns::default())
        .order((
            e::due_on.asc(),
            e::kind_rank.asc(),
            e::subject_id.asc(),
            e::commitment_key.asc(),
            e::case_file_id.asc(),
        ))
        .limit(limit)
        .into_boxed();
    // The due days a window lists besides the overdue ones, as the filter the database applies
    // before the domain's own (`Window::shows`): up to the last day, and, when the period
    // starts after today, either before today or from the period's first day.
    query = query.filter(e::due_on.le(window.to));
    if window.from > today {
        query = query.filter(e::due_on.lt(today).or(e::due_on.ge(window.from)));
    }
    if let Some(kind) = kind {
        query = query.filter(e::kind_rank.eq(kind.rank()));
    }
    if let Some(a) = after {
        let (day, rank) = (a.due_on, a.kind.rank());
        let subject = DbUuid(a.subject.unwrap_or_default());
        let commitment = DbUuid(a.commitment_id.unwrap_or_default());
        // The first condition is implied by the second; it lets the index start at the day.
        query = query.filter(e::due_on.ge(day)).filter(
            e::due_on.gt(day).or(e::due_on.eq(day).and(
                e::kind_rank.gt(rank).or(e::kind_rank.eq(rank).and(
                    e::subject_id.gt(subject).or(e::subject_id
                        .eq(subject)
                        .and(e::commitment_key.gt(commitment))),
                )),
            )),
        );
    }
    Ok(query.load(conn)?)
}

/// What `agenda_entries` must hold: every item with a fixed due day (the view `agenda_due`)
/// once for each case-manager assignment of its file, as migration `000047` first filled it.
const EXPECTED_ENTRIES: &str = "SELECT t.id, t.staff_id, t.assigned_from, t.assigned_until,
        d.case_file_id, d.kind_rank, d.subject_id, d.commitment_key, d.due_on, d.stopped_since,
        d.person_id
     FROM agenda_due d
     JOIN case_file_team t ON t.case_file_id = d.case_file_id AND t.role = 'case_manager'";

const KEPT_ENTRIES: &str = "SELECT assignment_id, staff_id, assigned_from, assigned_until,
        case_file_id, kind_rank, subject_id, commitment_key, due_on, stopped_since, person_id
     FROM agenda_entries";

/// Writes `agenda_entries` again from its sources: for a database loaded with its triggers
/// off (the benchmark data on PostgreSQL). Returns the number of entries.
pub fn rebuild_entries(conn: &mut AnyConnection) -> Result<usize, StoreError> {
    diesel::delete(crate::schema::agenda_entries::table).execute(conn)?;
    Ok(
        diesel::sql_query(format!("INSERT INTO agenda_entries {EXPECTED_ENTRIES}"))
            .execute(conn)?,
    )
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// How far `agenda_entries` is from its sources: the entries it holds that they do not give,
/// and those they give that it lacks (0 and 0 while the triggers keep it).
pub fn entries_drift(conn: &mut AnyConnection) -> Result<(i64, i64), StoreError> {
    let mut count = |sql: String| -> Result<i64, StoreError> {
        Ok(diesel::sql_query(sql).get_result::<Count>(conn)?.n)
    };
    let extra = count(format!(
        "SELECT COUNT(*) AS n FROM ({KEPT_ENTRIES} EXCEPT {EXPECTED_ENTRIES}) x"
    ))?;
    let missing = count(format!(
        "SELECT COUNT(*) AS n FROM ({EXPECTED_ENTRIES} EXCEPT {KEPT_ENTRIES}) x"
    ))?;
    Ok((extra, missing))
}
