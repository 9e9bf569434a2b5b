//! Indicators for the Provincia (planning against severe adult marginalisation): the periods
//! they are asked for, their published definitions, and the protection of small numbers.
//!
//! An indicator is a table: one row per value of its dimension (target group, facility kind,
//! status…), one column per area of the office, with the total of each row, of each column
//! and of the table. No row is about a person. Before it leaves the office a table is
//! protected ([`protect`]): every cell, total included, that counts fewer than the threshold
//! (default 5) but more than none is suppressed (primary suppression), then, as long as a row
//! or a column has exactly one suppressed value, so that it could be recomputed from the
//! others and their total, a second value of that line is suppressed too (secondary
//! suppression, the smallest one, inner cells before totals). The values shown are never
//! changed: totals stay true.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Months, NaiveDate};

use crate::benefits;
use crate::case_file::{ClosingReason, TargetGroup, coded_enum};
use crate::employment::{WorkKind, WorkOutcome};
use crate::housing::FacilityKind;
use crate::pact::{DueKind, PactStatus};
use crate::staff::Area;
use crate::waiting_list::ResourceKind;

/// The first year an indicator may be asked for.
pub const FIRST_YEAR: i32 = 2000;
/// The last year an indicator may be asked for.
pub const LAST_YEAR: i32 = 2100;
/// The default threshold below which a count is suppressed.
pub const DEFAULT_THRESHOLD: u64 = 5;
/// The row of the records whose dimension is not recorded (a case file without target group,
/// a placement ended without outcome).
pub const NOT_RECORDED: &str = "not_recorded";
/// The row of benefits coded on an earlier catalogue whose code the current one lacks.
pub const OTHER: &str = "other";

/// A period an indicator is counted over: a calendar year, a quarter or a month (Europe/Rome
/// calendar days, both ends included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// A year: `2026`.
    Year(i32),
    /// A quarter, 1-4: `2026-Q3`.
    Quarter(i32, u32),
    /// A month, 1-12: `2026-11`.
    Month(i32, u32),
}

impl Period {
    /// The year of `day`.
    pub fn year_of(day: NaiveDate) -> Self {
        Period::Year(day.year())
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        let (year, month) = match self {
            Period::Year(y) => (y, 1),
            Period::Quarter(y, q) => (y, (q - 1) * 3 + 1),
            Period::Month(y, m) => (y, m),
        };
        // Years, quarters and months are checked when the period is made.
        NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// Its last day.
    pub fn last_day(self) -> NaiveDate {
        let months = match self {
            Period::Year(_) => 12,
            Period::Quarter(..) => 3,
            Period::Month(..) => 1,
        };
        self.first_day()
            .checked_add_months(Months::new(months))
            .and_then(|next| next.pred_opt())
            .unwrap_or(NaiveDate::MAX)
    }

    /// The days of the period that have begun by `today`: `None` when it has not begun yet.
    pub fn elapsed_until(self, today: NaiveDate) -> Option<NaiveDate> {
        (self.first_day() <= today).then(|| self.last_day().min(today))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(y) => write!(f, "{y}"),
            Period::Quarter(y, q) => write!(f, "{y}-Q{q}"),
            Period::Month(y, m) => write!(f, "{y}-{m:02}"),
        }
    }
}

impl FromStr for Period {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let shape = || {
            format!(
                "`{s}` is not a period: a year (`2026`), a quarter (`2026-Q3`) or a month (`2026-11`)"
            )
        };
        let (year_text, rest) = match s.split_once('-') {
            Some((y, rest)) => (y, Some(rest)),
            None => (s, None),
        };
        if year_text.len() != 4 || !year_text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(shape());
        }
        let year: i32 = year_text.parse().map_err(|_| shape())?;
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            return Err(format!(
                "the year of a period must be between {FIRST_YEAR} and {LAST_YEAR}"
            ));
        }
        let two_digits = |t: &str| t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit());
        match rest {
            None => Ok(Period::Year(year)),
            Some(q) if q.len() == 2 && q.starts_with('Q') => match q.as_bytes()[1] {
                b @ b'1'..=b'4' => Ok(Period::Quarter(year, u32::from(b - b'0'))),
                _ => Err(shape()),
            },
            Some(m) if two_digits(m) => match m.parse::<u32>() {
                Ok(month @ 1..=12) => Ok(Period::Month(year, month)),
                _ => Err(shape()),
            },
            Some(_) => Err(shape()),
        }
    }
}

/// An indicator of the office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Indicator {
    /// Persons in charge, by target group.
    PersonsInCharge,
    /// Case files opened, by target group.
    CaseFilesOpened,
    /// Case files closed, by closing reason.
    CaseFilesClosed,
    /// Nights spent in the office's facilities, by kind of facility.
    BedNights,
    /// Inclusion pacts by status at the end of the period.
    PactsByStatus,
    /// Inclusion pacts late on a deadline of the period, by kind of deadline.
    PactsLate,
    /// Employment placements running in the period, by kind.
    EmploymentPlacements,
    /// Employment placements ended in the period, by outcome.
    EmploymentOutcomes,
    /// Applications for a resource submitted in the period, by kind of resource.
    Applications,
    /// Admissions to a resource in the period, by kind of resource.
    Admissions,
    /// Benefits granted in the period, by area of the nomenclator.
    BenefitsGranted,
    /// Admissions in the period, by the time waited since the application.
    WaitingTimes,
}

coded_enum!(Indicator, "indicator", {
    PersonsInCharge => "persons_in_charge",
    CaseFilesOpened => "case_files_opened",
    CaseFilesClosed => "case_files_closed",
    BedNights => "bed_nights",
    PactsByStatus => "pacts_by_status",
    PactsLate => "pacts_late",
    EmploymentPlacements => "employment_placements",
    EmploymentOutcomes => "employment_outcomes",
    Applications => "applications",
    Admissions => "admissions",
    BenefitsGranted => "benefits_granted",
    WaitingTimes => "waiting_times",
});

/// The bands of days waited from an application to its admission, with their lower bounds.
pub const WAITING_BANDS: [(&str, i64); 5] = [
    ("days_0_29", 0),
    ("days_30_89", 30),
    ("days_90_179", 90),
    ("days_180_364", 180),
    ("days_365_or_more", 365),
];

/// The published definition of an indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// The indicator.
    pub indicator: Indicator,
    /// What one unit of a cell is (`person`, `case_file`, `night`…).
    pub unit: &'static str,
    /// What is counted, on which date, in which statuses.
    pub counts: &'static str,
    /// The code list of the rows (`target_group`, `facility_kind`…).
    pub rows: &'static str,
    /// Whether one unit may be counted in several rows (a case file of two target groups), so
    /// that a column's total is less than the sum of its rows.
    pub rows_overlap: bool,
    /// Whether one unit may be counted in several areas (a person in charge of two areas), so
    /// that a row's total is less than the sum of its cells.
    pub columns_overlap: bool,
}

impl Indicator {
    /// Its published definition.
    pub fn definition(self) -> Definition {
        use Indicator::*;
        let d = |unit, counts, rows| Definition {
            indicator: self,
            unit,
            counts,
            rows,
            rows_overlap: false,
            columns_overlap: false,
        };
        match self {
            PersonsInCharge => Definition {
                rows_overlap: true,
                columns_overlap: true,
                ..d(
                    "person",
                    "Distinct persons (not annulled) with a case file of the area open on at least \
                     one day of the period: opened on or before its last day and not closed, or \
                     closed on or after its first day, as the file stands when the indicator is \
                     read. Files closed as merged duplicates are left out. A person counts once \
                     per area and once per target group of their files (`not_recorded`: a file \
                     without target group); the totals count each person once.",
                    "target_group",
                )
            },
            CaseFilesOpened => Definition {
                rows_overlap: true,
                ..d(
                    "case_file",
                    "Case files of the area (of persons not annulled) whose opening day falls in \
                     the period, in any status now; files closed as merged duplicates are left \
                     out. A file counts once in each of its target groups (`not_recorded`: none); \
                     the totals count each file once.",
                    "target_group",
                )
            },
            CaseFilesClosed => d(
                "case_file",
                "Closures of case files of the area (of persons not annulled) recorded with a \
                 day in the period, by the closing reason given; a file closed, reopened and \
                 closed again in the period counts twice. Closures of merged duplicates are left \
                 out.",
                "closing_reason",
            ),
            BedNights => d(
                "night",
                "Nights of the period booked in a bed of a facility of the area (by the area \
                 of the facility, whatever the area of the case file) and not recorded as \
                 missed (attendance `present` or still `expected`), by the kind of the facility.",
                "facility_kind",
            ),
            PactsByStatus => d(
                "pact",
                "Inclusion pacts of case files of the area drafted on or before the last day of \
                 the period and not closed before its first day, by their status on the last \
                 day of the period (from the pact's recorded transitions; `draft` before the \
                 first).",
                "pact_status",
            ),
            PactsLate => Definition {
                rows_overlap: true,
                ..d(
                    "pact",
                    "Inclusion pacts of case files of the area with a deadline of the kind (as the \
                 pact's clock computes it when the indicator is read) due on a day of the period \
                 before today and still not met (a clock stopped by a suspension is not late); \
                 a pact counts once per kind, the totals once.",
                    "due_kind",
                )
            },
            EmploymentPlacements => d(
                "employment_placement",
                "Employment placements of case files of the area started on or before the last \
                 day of the period and not ended before its first day (proposals never started \
                 are left out), by kind.",
                "work_kind",
            ),
            EmploymentOutcomes => d(
                "employment_placement",
                "Employment placements of case files of the area that ended (completed or \
                 interrupted) on a day of the period, by the outcome recorded (`not_recorded`: \
                 none yet).",
                "work_outcome",
            ),
            Applications => d(
                "application",
                "Applications for a resource of the area (the area that manages the resource) \
                 submitted on a day of the period, in any status now, by kind of resource.",
                "resource_kind",
            ),
            Admissions => d(
                "admission",
                "Admissions to a place of a resource of the area with their day in the period \
                 (an admission ended since still counts), by kind of resource.",
                "resource_kind",
            ),
            WaitingTimes => d(
                "admission",
                "Admissions to a place of a resource of the area with their day in the period \
                 (as `admissions`), by the days from the submission of the application to the \
                 admission: under 30, 30-89, 90-179, 180-364, 365 or more.",
                "waiting_band",
            ),
            BenefitsGranted => d(
                "benefit",
                "Benefits of case files of the area whose decision (determina) is dated in the \
                 period, by the area of the nomenclator their code belongs to (`other`: a code \
                 the current catalogue does not hold).",
                "benefit_area",
            ),
        }
    }

    /// The codes of its rows, in order.
    pub fn row_codes(self) -> Vec<&'static str> {
        use Indicator::*;
        match self {
            PersonsInCharge | CaseFilesOpened => TargetGroup::ALL
                .iter()
                .map(|g| g.as_str())
                .chain([NOT_RECORDED])
                .collect(),
            CaseFilesClosed => ClosingReason::ALL
                .iter()
                .filter(|r| **r != ClosingReason::MergedDuplicate)
                .map(|r| r.as_str())
                .collect(),
            BedNights => FacilityKind::ALL.iter().map(|k| k.as_str()).collect(),
            PactsByStatus => PactStatus::ALL.iter().map(|s| s.as_str()).collect(),
            PactsLate => DueKind::ALL.iter().map(|k| k.as_str()).collect(),
            EmploymentPlacements => WorkKind::ALL.iter().map(|k| k.as_str()).collect(),
            EmploymentOutcomes => WorkOutcome::ALL
                .iter()
                .map(|o| o.as_str())
                .chain([NOT_RECORDED])
                .collect(),
            Applications | Admissions => ResourceKind::ALL.iter().map(|k| k.as_str()).collect(),
            BenefitsGranted => benefit_areas().into_iter().chain([OTHER]).collect(),
            WaitingTimes => WAITING_BANDS.iter().map(|(code, _)| *code).collect(),
        }
    }

    /// The row a recorded value falls in (`None`: not recorded): itself for most indicators;
    /// the area of the nomenclator for a benefit's code (`other` when the current catalogue
    /// does not hold it).
    pub fn row_of(self, value: Option<&str>) -> &'static str {
        let rows = self.row_codes();
        match (self, value) {
            (Indicator::BenefitsGranted, value) => value
                .and_then(benefits::find_code)
                .and_then(|c| rows.iter().find(|r| **r == c.area).copied())
                .unwrap_or(OTHER),
            (_, Some(value)) => rows
                .iter()
                .find(|r| **r == value)
                .copied()
                .unwrap_or(NOT_RECORDED),
            (_, None) => NOT_RECORDED,
        }
    }
}

/// The areas of the nomenclator, in the catalogue's order.
fn benefit_areas() -> Vec<&'static str> {
    let mut areas: Vec<&'static str> = Vec::new();
    for code in benefits::catalogue() {
        if !areas.contains(&code.area.as_str()) {
            areas.push(code.area.as_str());
        }
    }
    areas
}

/// What the database counted for an indicator: the cells, and the totals when a unit may be
/// in several rows or areas (else the totals are the sums).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// `(row value, area, count)`; the row value as recorded (a benefit's code, a target
    /// group…), `None` when not recorded.
    pub cells: Vec<(Option<String>, Area, u64)>,
    /// The total of each row value, when units overlap across areas.
    pub row_totals: Option<Vec<(Option<String>, u64)>>,
    /// The total of each area, when units overlap across rows.
    pub column_totals: Option<Vec<(Area, u64)>>,
    /// The table's total, when units overlap.
    pub total: Option<u64>,
}

/// An indicator's table before protection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The row codes.
    pub rows: Vec<&'static str>,
    /// The areas, one per column.
    pub columns: Vec<Area>,
    /// `cells[row][column]`.
    pub cells: Vec<Vec<u64>>,
    /// The total of each row.
    pub row_totals: Vec<u64>,
    /// The total of each column.
    pub column_totals: Vec<u64>,
    /// The table's total.
    pub total: u64,
}

impl Table {
    /// Lays out what the database counted for `indicator`: every row and every area, zero
    /// where nothing was counted; the totals are the sums unless the tally gives them.
    pub fn of(indicator: Indicator, tally: &Tally) -> Table {
        let rows = indicator.row_codes();
        let columns = Area::ALL.to_vec();
        let row_index = |value: &Option<String>| {
            let code = indicator.row_of(value.as_deref());
            rows.iter().position(|r| *r == code)
        };
        let column_index = |area: &Area| columns.iter().position(|c| c == area);
        let mut cells = vec![vec![0u64; columns.len()]; rows.len()];
        for (value, area, n) in &tally.cells {
            if let (Some(r), Some(c)) = (row_index(value), column_index(area)) {
                cells[r][c] += n;
            }
        }
        let row_totals = match &tally.row_totals {
            Some(given) => {
                let mut totals = vec![0u64; rows.len()];
                for (value, n) in given {
                    if let Some(r) = row_index(value) {
                        totals[r] += n;
                    }
                }
                totals
            }
            None => cells.iter().map(|row| row.iter().sum()).collect(),
        };
        let column_totals = match &tally.column_totals {
            Some(given) => {
                let mut totals = vec![0u64; columns.len()];
                for (area, n) in given {
                    if let Some(c) = column_index(area) {
                        totals[c] += n;
                    }
                }
                totals
            }
            None => (0..columns.len())
                .map(|c| cells.iter().map(|row| row[c]).sum())
                .collect(),
        };
        let total = tally
            .total
            .unwrap_or_else(|| column_totals.iter().sum::<u64>());
        Table {
            rows,
            columns,
            cells,
            row_totals,
            column_totals,
            total,
        }
    }
}

/// A table as it may be published: `None` where a value is suppressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protected {
    /// `cells[row][column]`.
    pub cells: Vec<Vec<Option<u64>>>,
    /// The total of each row.
    pub row_totals: Vec<Option<u64>>,
    /// The total of each column.
    pub column_totals: Vec<Option<u64>>,
    /// The table's total.
    pub total: Option<u64>,
    /// How many values were below the threshold (primary suppression).
    pub primary: usize,
    /// How many more were suppressed so that none of those can be recomputed (secondary).
    pub secondary: usize,
}

/// Whether a count is too small to publish: more than none, fewer than the threshold.
pub fn is_small(value: u64, threshold: u64) -> bool {
    value > 0 && value < threshold
}

/// Protects a table: primary suppression of the small values (totals included), then
/// secondary suppression until no row or column (with its total) has exactly one suppressed
/// value. The values left are the true ones.
pub fn protect(table: &Table, threshold: u64) -> Protected {
    let (rows, columns) = (table.rows.len(), table.columns.len());
    // The grid with its margins: row `rows` holds the column totals, column `columns` the row
    // totals, and the corner the table's total.
    let value = |r: usize, c: usize| -> u64 {
        match (r == rows, c == columns) {
            (false, false) => table.cells[r][c],
            (false, true) => table.row_totals[r],
            (true, false) => table.column_totals[c],
            (true, true) => table.total,
        }
    };
    let mut hidden = vec![vec![false; columns + 1]; rows + 1];
    let mut primary = 0;
    for (r, line) in hidden.iter_mut().enumerate() {
        for (c, cell) in line.iter_mut().enumerate() {
            if is_small(value(r, c), threshold) {
                *cell = true;
                primary += 1;
            }
        }
    }
    // A line is a row (`true`, its index) or a column (`false`, its index), totals included.
    let members = |row: bool, i: usize| -> Vec<(usize, usize)> {
        if row {
            (0..=columns).map(|c| (i, c)).collect()
        } else {
            (0..=rows).map(|r| (r, i)).collect()
        }
    };
    let lines: Vec<(bool, usize)> = (0..=rows)
        .map(|r| (true, r))
        .chain((0..=columns).map(|c| (false, c)))
        .collect();
    let mut secondary = 0;
    loop {
        let mut changed = false;
        for &(row, i) in &lines {
            let line = members(row, i);
            if line.iter().filter(|(r, c)| hidden[*r][*c]).count() != 1 {
                continue;
            }
            // The complement: a value not yet suppressed; the table's total last, inner cells
            // before the other totals; then one
            // whose other line already has a single suppressed value (both are mended at
            // once), or several, before one whose other line has none (it would need a
            // complement in turn); values above zero before zeros (a zero is often known to
            // be one); the smallest.
            let crossing_hidden = |r: usize, c: usize| {
                let (cross_row, j) = if row { (false, c) } else { (true, r) };
                members(cross_row, j)
                    .iter()
                    .filter(|(r, c)| hidden[*r][*c])
                    .count()
            };
            let complement = line
                .iter()
                .filter(|(r, c)| !hidden[*r][*c])
                .min_by_key(|(r, c)| {
                    let v = value(*r, *c);
                    let mends = match crossing_hidden(*r, *c) {
                        1 => 0,
                        0 => 2,
                        _ => 1,
                    };
                    let corner = *r == rows && *c == columns;
                    (v == 0, corner, *r == rows || *c == columns, mends, v)
                })
                .copied();
            if let Some((r, c)) = complement {
                hidden[r][c] = true;
                secondary += 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let shown = |r: usize, c: usize| (!hidden[r][c]).then(|| value(r, c));
    Protected {
        cells: (0..rows)
            .map(|r| (0..columns).map(|c| shown(r, c)).collect())
            .collect(),
        row_totals: (0..rows).map(|r| shown(r, columns)).collect(),
        column_totals: (0..columns).map(|c| shown(rows, c)).collect(),
        total: shown(rows, columns),
        primary,
        secondary,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn periods_parse_and_span_their_days() {
        let year: Period = "2026".parse().unwrap();
        assert_eq!(
            (year.first_day(), year.last_day()),
            (day(2026, 1, 1), day(2026, 12, 31))
        );
        let quarter: Period = "2024-Q1".parse().unwrap();
        assert_eq!(quarter.last_day(), day(2024, 3, 31));
        let quarter: Period = "2026-Q4".parse().unwrap();
        assert_eq!(
            (quarter.first_day(), quarter.last_day()),
            (day(2026, 10, 1), day(2026, 12, 31))
        );
        let month: Period = "2024-02".parse().unwrap();
        assert_eq!(
            (month.first_day(), month.last_day()),
            (day(2024, 2, 1), day(2024, 2, 29))
        );
        for text in ["2026", "2026-Q3", "2026-11", "2000-01", "2100-Q4"] {
            assert_eq!(text.parse::<Period>().unwrap().to_string(), text);
        }
        for bad in [
            "",
            "26",
            "2026-",
            "2026-Q0",
            "2026-Q5",
            "2026-13",
            "2026-00",
            "2026-1",
            "1999",
            "2101",
            "+202",
            "2026-q1",
            "2026-11-01",
            "２０２６",
        ] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_period_has_elapsed_up_to_today() {
        let p: Period = "2026-Q4".parse().unwrap();
        assert_eq!(p.elapsed_until(day(2026, 12, 6)), Some(day(2026, 12, 6)));
        assert_eq!(p.elapsed_until(day(2027, 3, 1)), Some(day(2026, 12, 31)));
        assert_eq!(p.elapsed_until(day(2026, 9, 30)), None);
    }

    #[test]
    fn every_indicator_has_a_definition_and_rows() {
        for indicator in Indicator::ALL {
            let d = indicator.definition();
            assert_eq!(d.indicator, indicator);
            assert!(!d.counts.is_empty() && !d.unit.is_empty());
            let rows = indicator.row_codes();
            assert!(!rows.is_empty(), "{indicator}");
            let mut unique = rows.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), rows.len(), "{indicator}");
        }
        assert_eq!(
            Indicator::BenefitsGranted.row_of(Some("no-such-code")),
            OTHER
        );
        assert_eq!(Indicator::BenefitsGranted.row_of(None), OTHER);
        assert_eq!(Indicator::EmploymentOutcomes.row_of(Some("none")), "none");
        assert_eq!(Indicator::EmploymentOutcomes.row_of(None), NOT_RECORDED);
    }

    fn table(cells: Vec<Vec<u64>>) -> Table {
        let tally = Tally {
            cells: cells
                .iter()
                .enumerate()
                .flat_map(|(r, row)| {
                    row.iter().enumerate().map(move |(c, n)| {
                        (
                            Some(Indicator::BedNights.row_codes()[r].to_owned()),
                            Area::ALL[c],
                            *n,
                        )
                    })
                })
                .collect(),
            ..Tally::default()
        };
        Table::of(Indicator::BedNights, &tally)
    }

    #[test]
    fn a_table_lays_out_every_row_and_area_with_true_totals() {
        let t = table(vec![vec![10, 2, 0], vec![7, 8, 9]]);
        assert_eq!(t.rows.len(), FacilityKind::ALL.len());
        assert_eq!(t.cells[0], vec![10, 2, 0]);
        assert_eq!(t.row_totals[..2], [12, 24]);
        assert_eq!(t.column_totals, vec![17, 10, 9]);
        assert_eq!(t.total, 36);
    }

    #[test]
    fn a_small_cell_that_a_total_would_give_away_takes_a_complement() {
        // Row 0: 10, 2, 0 with total 12: the 2 alone suppressed is 12 - 10 - 0.
        let t = table(vec![vec![10, 2, 0], vec![7, 8, 9]]);
        let p = protect(&t, 5);
        assert_eq!(p.cells[0][1], None, "the small cell");
        assert_eq!(p.primary, 1);
        // Its row: the complement is the 10 (the zero is left: it is often known).
        assert_eq!(p.cells[0][0], None);
        // Column 0 (10, 7) then loses the 7, and row 1 the 8, which also mends column 1 (2, 8):
        // every line holds two suppressed values or none.
        assert_eq!(p.cells[1][1], None);
        assert_eq!(p.cells[1][0], None);
        assert_eq!(p.cells[1][2], Some(9));
        assert_eq!(p.cells[0][2], Some(0));
        assert_eq!(p.row_totals[..2], [Some(12), Some(24)]);
        assert_eq!(p.column_totals, vec![Some(17), Some(10), Some(9)]);
        assert_eq!(p.total, Some(36));
        assert_eq!(p.secondary, 3);
    }

    #[test]
    fn a_small_total_is_suppressed_with_its_complements() {
        // Row 0 counts 3 in all: its cell and its total are small; nothing else is.
        let t = table(vec![vec![3, 0, 0], vec![20, 30, 40], vec![6, 7, 8]]);
        let p = protect(&t, 5);
        assert_eq!(p.cells[0][0], None);
        assert_eq!(p.row_totals[0], None);
        // Column 0 (3, 20, 6 + the empty rows' zeros, total 29) takes the 6, the smallest.
        assert_eq!(p.cells[2][0], None);
        assert_eq!(p.total, Some(114));
        assert!(p.primary == 2);
        assert_no_line_with_one_hidden(&t, &p);
    }

    #[test]
    fn a_complement_that_mends_another_line_is_chosen_first() {
        // Row 0: 0, 6, 2 (total 8); row 1: 0, 5, 0. The 2 and its column's total 2 are small.
        // Row 0 then needs a complement for the 2: the 6 (a zero is often known to be one).
        // The row of the column totals needs one for the 2: the 11 above the 6, which mends
        // column 1 at once; the 5 and every zero stay.
        let t = table(vec![vec![0, 6, 2], vec![0, 5, 0]]);
        let p = protect(&t, 5);
        assert_eq!(p.cells[0], vec![Some(0), None, None]);
        assert_eq!(p.cells[1], vec![Some(0), Some(5), Some(0)]);
        assert_eq!(p.column_totals, vec![Some(0), None, None]);
        assert_eq!(p.row_totals[..2], [Some(8), Some(5)]);
        assert_eq!(p.total, Some(13));
        assert_eq!((p.primary, p.secondary), (2, 2));
        assert_no_line_with_one_hidden(&t, &p);
    }

    #[test]
    fn nothing_is_suppressed_when_every_count_is_large_or_zero() {
        let t = table(vec![vec![10, 0, 5], vec![0, 0, 0]]);
        let p = protect(&t, 5);
        assert_eq!((p.primary, p.secondary), (0, 0));
        assert_eq!(p.cells[0], vec![Some(10), Some(0), Some(5)]);
    }

    fn grid(t: &Table, p: &Protected) -> Vec<Vec<(u64, bool)>> {
        let mut g: Vec<Vec<(u64, bool)>> = (0..t.rows.len())
            .map(|r| {
                (0..t.columns.len())
                    .map(|c| (t.cells[r][c], p.cells[r][c].is_none()))
                    .chain([(t.row_totals[r], p.row_totals[r].is_none())])
                    .collect()
            })
            .collect();
        g.push(
            (0..t.columns.len())
                .map(|c| (t.column_totals[c], p.column_totals[c].is_none()))
                .chain([(t.total, p.total.is_none())])
                .collect(),
        );
        g
    }

    fn assert_no_line_with_one_hidden(t: &Table, p: &Protected) {
        let g = grid(t, p);
        for row in &g {
            assert_ne!(row.iter().filter(|(_, h)| *h).count(), 1, "{g:?}");
        }
        for c in 0..g[0].len() {
            assert_ne!(g.iter().filter(|row| row[c].1).count(), 1, "{g:?}");
        }
    }

    proptest! {
        #[test]
        fn no_small_value_is_shown_or_recomputable_and_shown_values_are_true(
            cells in proptest::collection::vec(proptest::collection::vec(0u64..12, 3), 7),
            threshold in 1u64..8,
        ) {
            let t = table(cells);
            let p = protect(&t, threshold);
            let g = grid(&t, &p);
            for row in &g {
                for (v, hidden) in row {
                    prop_assert!(!is_small(*v, threshold) || *hidden);
                }
            }
            for (r, row) in p.cells.iter().enumerate() {
                for (c, shown) in row.iter().enumerate() {
                    if let Some(v) = shown {
                        prop_assert_eq!(*v, t.cells[r][c]);
                    }
                }
            }
            if let Some(total) = p.total {
                prop_assert_eq!(total, t.total);
            }
            for row in &g {
                prop_assert_ne!(row.iter().filter(|(_, h)| *h).count(), 1);
            }
            for c in 0..g[0].len() {
                prop_assert_ne!(g.iter().filter(|row| row[c].1).count(), 1);
            }
        }
    }
}
