//! The counts behind the Provincia's indicators: one aggregate statement per table (and, where
//! a unit may be counted in several rows or areas, one per kind of total), the same text on
//! both engines. What each counts is `socialcare_domain::statistics::Indicator::definition`;
//! the statements below are that definition in SQL and `docs/statistics.md` quotes them.
//!
//! The statements take only typed values as parameters (`$1` the period's first day, `$2` its
//! last day, `$3` today): nothing a caller types reaches their text.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use diesel::sql_types::{BigInt, Date, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl, sql_query};
use socialcare_domain::Area;
use socialcare_domain::benefits::CATALOGUE;
use socialcare_domain::statistics::{Indicator, Tally, WAITING_BANDS};

use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::sql_types::{DbUuid, SqlUuid};

/// One count: of a row value (`None`: not recorded) in an area (`None`: every area).
#[derive(Debug, QueryableByName)]
struct Count {
    #[diesel(sql_type = Nullable<Text>)]
    value: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    area: Option<String>,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A case file counts while the person is not annulled and the file is not a merged duplicate.
/// The annulled persons are few and have their own index (`persons_annulled_idx`): the list of
/// them, read once (`NOT IN` an uncorrelated subquery, hashed by both engines), costs far less
/// than a join with every person or a lookup of the person of each file (SQLite answered a
/// correlated `NOT EXISTS` with one primary-key probe per file).
const FILE_COUNTS: &str = "cf.person_id NOT IN (SELECT p.id FROM persons p \
     WHERE p.annulled_at IS NOT NULL) \
     AND (cf.closing_reason IS NULL OR cf.closing_reason <> 'merged_duplicate')";

/// A case file open on a day of the period.
const FILE_OPEN: &str = "cf.opened_on <= $2 AND (cf.closed_on IS NULL OR cf.closed_on >= $1)";

/// The days from an application's submission to its admission, written for each engine by
/// [`counts`].
const DAYS_WAITED: &str = "{days_waited}";

/// Persons in charge: one row per file open in the period that counts and per target group of
/// it (a file without a target group once, with none). [`persons_in_charge`] counts the
/// distinct persons from these rows: the database reads them in one scan, and four hash sets
/// count what four `COUNT(DISTINCT …)` over a `SELECT DISTINCT` made each engine sort (SQLite
/// took 2.3 s for a year at 1 000 000 persons; see docs/benchmarks.md).
const IN_CHARGE_ROWS: &str = "SELECT cf.person_id AS person_id, cf.area AS area, \
     g.target_group AS value \
     FROM case_files cf \
     LEFT JOIN case_file_target_groups g ON g.case_file_id = cf.id \
     WHERE {FILE_OPEN} AND {FILE_COUNTS}";

/// One row of [`IN_CHARGE_ROWS`].
#[derive(Debug, QueryableByName)]
struct InCharge {
    #[diesel(sql_type = SqlUuid)]
    person_id: DbUuid,
    #[diesel(sql_type = Text)]
    area: String,
    #[diesel(sql_type = Nullable<Text>)]
    value: Option<String>,
}

/// Persons in charge: each person once per area and target group (the cells), once per target
/// group (the row totals), once per area (the column totals) and once in all (the total).
fn persons_in_charge(
    conn: &mut AnyConnection,
    from: NaiveDate,
    until: NaiveDate,
    today: NaiveDate,
) -> Result<Tally, StoreError> {
    let sql = IN_CHARGE_ROWS
        .replace("{FILE_OPEN}", FILE_OPEN)
        .replace("{FILE_COUNTS}", FILE_COUNTS);
    let rows: Vec<InCharge> = counts(conn, &sql, from, until, today)?;
    let mut cells: HashSet<(Option<&str>, Area, Uuid)> = HashSet::new();
    let mut by_value: HashSet<(Option<&str>, Uuid)> = HashSet::new();
    let mut by_area: HashSet<(Area, Uuid)> = HashSet::new();
    let mut persons: HashSet<Uuid> = HashSet::new();
    let mut areas = Vec::with_capacity(rows.len());
    for r in &rows {
        areas.push(area_of(Some(r.area.clone()))?);
    }
    for (r, area) in rows.iter().zip(areas) {
        let person = r.person_id.0;
        let value = r.value.as_deref();
        cells.insert((value, area, person));
        by_value.insert((value, person));
        by_area.insert((area, person));
        persons.insert(person);
    }
    let mut cell_counts: BTreeMap<(Option<&str>, Area), u64> = BTreeMap::new();
    for (value, area, _) in &cells {
        *cell_counts.entry((*value, *area)).or_default() += 1;
    }
    let mut row_counts: BTreeMap<Option<&str>, u64> = BTreeMap::new();
    for (value, _) in &by_value {
        *row_counts.entry(*value).or_default() += 1;
    }
    let mut column_counts: BTreeMap<Area, u64> = BTreeMap::new();
    for (area, _) in &by_area {
        *column_counts.entry(*area).or_default() += 1;
    }
    let owned = |v: Option<&str>| v.map(str::to_owned);
    Ok(Tally {
        cells: cell_counts
            .into_iter()
            .map(|((value, area), n)| (owned(value), area, n))
            .collect(),
        row_totals: Some(
            row_counts
                .into_iter()
                .map(|(value, n)| (owned(value), n))
                .collect(),
        ),
        column_totals: Some(column_counts.into_iter().collect()),
        total: Some(persons.len() as u64),
    })
}

/// The statements of an indicator: the cells, then (when units overlap) the row totals, the
/// column totals and the table's total. Each selects `value`, `area` and `n`.
struct Statements {
    cells: String,
    row_totals: Option<String>,
    column_totals: Option<String>,
    total: Option<String>,
}

impl Statements {
    fn cells(cells: String) -> Self {
        Self {
            cells,
            row_totals: None,
            column_totals: None,
            total: None,
        }
    }
}

/// The statements of `indicator`, as they are run; `None` for persons in charge, which
/// [`persons_in_charge`] counts from the rows of [`IN_CHARGE_ROWS`].
fn statements(indicator: Indicator) -> Option<Statements> {
    use Indicator::*;
    let files = "FROM case_files cf \
         LEFT JOIN case_file_target_groups g ON g.case_file_id = cf.id";
    Some(match indicator {
        PersonsInCharge => return None,
        CaseFilesOpened => {
            let filter = format!("WHERE cf.opened_on BETWEEN $1 AND $2 AND {FILE_COUNTS}");
            Statements {
                cells: format!(
                    "SELECT g.target_group AS value, cf.area AS area, COUNT(*) AS n \
                     {files} {filter} GROUP BY g.target_group, cf.area"
                ),
                row_totals: None,
                column_totals: Some(format!(
                    "SELECT CAST(NULL AS TEXT) AS value, cf.area AS area, COUNT(*) AS n \
                     FROM case_files cf {filter} GROUP BY cf.area"
                )),
                total: None,
            }
        }
        CaseFilesClosed => Statements::cells(
            "SELECT t.closing_reason AS value, cf.area AS area, COUNT(*) AS n \
             FROM case_file_transitions t JOIN case_files cf ON cf.id = t.case_file_id \
             WHERE t.to_status = 'closed' AND t.occurred_on BETWEEN $1 AND $2 \
             AND (t.closing_reason IS NULL OR t.closing_reason <> 'merged_duplicate') \
             AND cf.person_id NOT IN (SELECT p.id FROM persons p \
             WHERE p.annulled_at IS NOT NULL) \
             GROUP BY t.closing_reason, cf.area"
                .into(),
        ),
        BedNights => Statements::cells(
            "SELECT f.kind AS value, f.area AS area, COUNT(*) AS n \
             FROM bed_nights bn JOIN beds b ON b.id = bn.bed_id \
             JOIN facilities f ON f.id = b.facility_id \
             WHERE bn.night BETWEEN $1 AND $2 AND bn.attendance <> 'absent' \
             GROUP BY f.kind, f.area"
                .into(),
        ),
        PactsByStatus => Statements::cells(
            "SELECT COALESCE((SELECT t.to_status FROM pact_transitions t \
             WHERE t.pact_id = pa.id AND t.occurred_on <= $2 \
             ORDER BY t.occurred_on DESC, t.recorded_at DESC LIMIT 1), 'draft') AS value, \
             cf.area AS area, COUNT(*) AS n \
             FROM pacts pa JOIN case_files cf ON cf.id = pa.case_file_id \
             WHERE pa.drafted_on <= $2 AND (pa.closed_on IS NULL OR pa.closed_on >= $1) \
             GROUP BY 1, cf.area"
                .into(),
        ),
        PactsLate => {
            let from = "FROM pact_deadlines d JOIN pacts pa ON pa.id = d.pact_id \
                 JOIN case_files cf ON cf.id = d.case_file_id \
                 WHERE d.due_on BETWEEN $1 AND $2 AND d.due_on < $3 \
                 AND d.stopped_since IS NULL AND pa.status <> 'closed'";
            Statements {
                cells: format!(
                    "SELECT d.kind AS value, cf.area AS area, COUNT(DISTINCT d.pact_id) AS n \
                     {from} GROUP BY d.kind, cf.area"
                ),
                row_totals: None,
                column_totals: Some(format!(
                    "SELECT CAST(NULL AS TEXT) AS value, cf.area AS area, \
                     COUNT(DISTINCT d.pact_id) AS n {from} GROUP BY cf.area"
                )),
                total: None,
            }
        }
        EmploymentPlacements => Statements::cells(
            "SELECT ep.kind AS value, cf.area AS area, COUNT(*) AS n \
             FROM employment_placements ep JOIN case_files cf ON cf.id = ep.case_file_id \
             WHERE ep.started_on IS NOT NULL AND ep.started_on <= $2 \
             AND (ep.ended_on IS NULL OR ep.ended_on >= $1) \
             GROUP BY ep.kind, cf.area"
                .into(),
        ),
        EmploymentOutcomes => Statements::cells(
            "SELECT ep.outcome AS value, cf.area AS area, COUNT(*) AS n \
             FROM employment_placements ep JOIN case_files cf ON cf.id = ep.case_file_id \
             WHERE ep.ended_on BETWEEN $1 AND $2 \
             GROUP BY ep.outcome, cf.area"
                .into(),
        ),
        Applications => Statements::cells(
            "SELECT r.kind AS value, r.area AS area, COUNT(*) AS n \
             FROM applications a JOIN resources r ON r.id = a.resource_id \
             WHERE a.submitted_on BETWEEN $1 AND $2 \
             GROUP BY r.kind, r.area"
                .into(),
        ),
        Admissions => Statements::cells(
            "SELECT r.kind AS value, r.area AS area, COUNT(*) AS n \
             FROM place_allocations pl JOIN resources r ON r.id = pl.resource_id \
             WHERE pl.admitted_on BETWEEN $1 AND $2 \
             GROUP BY r.kind, r.area"
                .into(),
        ),
        WaitingTimes => Statements::cells(format!(
            "SELECT CASE {bands} END AS value, r.area AS area, COUNT(*) AS n \
             FROM place_allocations pl JOIN resources r ON r.id = pl.resource_id \
             JOIN applications a ON a.id = pl.application_id \
             WHERE pl.admitted_on BETWEEN $1 AND $2 \
             GROUP BY 1, r.area",
            bands = WAITING_BANDS
                .iter()
                .rev()
                .map(|(code, from)| format!("WHEN {DAYS_WAITED} >= {from} THEN '{code}'"))
                .collect::<Vec<_>>()
                .join(" ")
        )),
        BenefitsGranted => Statements::cells(
            "SELECT b.catalogue || ' ' || b.code AS value, cf.area AS area, COUNT(*) AS n \
             FROM benefits b JOIN case_files cf ON cf.id = b.case_file_id \
             WHERE b.decision_on BETWEEN $1 AND $2 \
             GROUP BY b.catalogue, b.code, cf.area"
                .into(),
        ),
    })
}

/// Runs one statement with the period's days and today.
fn counts<R>(
    conn: &mut AnyConnection,
    sql: &str,
    from: NaiveDate,
    until: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<R>, StoreError>
where
    R: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + 'static,
{
    // `$3` is not used by every statement; PostgreSQL refuses a parameter it cannot type.
    let uses_today = sql.contains("$3");
    macro_rules! load {
        ($c:expr, $sql:expr) => {{
            let q = sql_query($sql).bind::<Date, _>(from).bind::<Date, _>(until);
            if uses_today {
                q.bind::<Date, _>(today).load($c)?
            } else {
                q.load($c)?
            }
        }};
    }
    Ok(match conn {
        AnyConnection::Postgresql(c) => load!(
            c,
            sql.replace(DAYS_WAITED, "(pl.admitted_on - a.submitted_on)")
        ),
        // SQLite numbers its parameters `?1`, `?2`… and counts days with julianday.
        AnyConnection::Sqlite(c) => load!(
            c,
            sql.replace('$', "?").replace(
                DAYS_WAITED,
                "CAST(julianday(pl.admitted_on) - julianday(a.submitted_on) AS INTEGER)"
            )
        ),
    })
}

/// The value of a row as the domain reads it: a benefit's code only when it was coded on the
/// current catalogue.
fn value_of(indicator: Indicator, value: Option<String>) -> Option<String> {
    match indicator {
        Indicator::BenefitsGranted => value.and_then(|v| {
            v.split_once(' ')
                .filter(|(catalogue, _)| *catalogue == CATALOGUE)
                .map(|(_, code)| code.to_owned())
        }),
        _ => value,
    }
}

fn area_of(area: Option<String>) -> Result<Area, StoreError> {
    let text = area.unwrap_or_default();
    text.parse()
        .map_err(|_| StoreError::Internal(format!("unknown area `{text}` in a count")))
}

fn unsigned(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// What the database counts for `indicator` over the days `from..=until`.
pub fn tally(
    conn: &mut AnyConnection,
    indicator: Indicator,
    from: NaiveDate,
    until: NaiveDate,
    today: NaiveDate,
) -> Result<Tally, StoreError> {
    let Some(s) = statements(indicator) else {
        return persons_in_charge(conn, from, until, today);
    };
    let mut tally = Tally::default();
    for c in counts::<Count>(conn, &s.cells, from, until, today)? {
        tally.cells.push((
            value_of(indicator, c.value),
            area_of(c.area)?,
            unsigned(c.n),
        ));
    }
    if let Some(sql) = &s.row_totals {
        tally.row_totals = Some(
            counts::<Count>(conn, sql, from, until, today)?
                .into_iter()
                .map(|c| (value_of(indicator, c.value), unsigned(c.n)))
                .collect(),
        );
    }
    if let Some(sql) = &s.column_totals {
        tally.column_totals = Some(
            counts::<Count>(conn, sql, from, until, today)?
                .into_iter()
                .map(|c| Ok((area_of(c.area)?, unsigned(c.n))))
                .collect::<Result<_, StoreError>>()?,
        );
    }
    if let Some(sql) = &s.total {
        tally.total = counts::<Count>(conn, sql, from, until, today)?
            .first()
            .map(|c| unsigned(c.n));
    }
    Ok(tally)
}
