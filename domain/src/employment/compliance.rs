//! Compliance with a contract's social clause: what the clause requires on a day and over the
//! contract's period, against what the placements under the contract give.
//!
//! - A clause that requires **workers** is met on a day when at least that many placements
//!   under the contract ran that day (started on or before it and not ended before it; a
//!   placement counts from its start to its end, both included). Over the period, every day
//!   from the contract's first day to its last (or to the day asked, if earlier) is judged.
//! - A clause that requires a **share of hours** is met in a month when the hours recorded for
//!   the placements under the contract in that month reach the share of the contract's monthly
//!   working hours; without those hours, the clause cannot be judged (`unknown`).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{Requirement, YearMonth};
use crate::case_file::coded_enum;
use std::fmt;
use std::str::FromStr;

/// When a placement under a contract ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Worked {
    /// The day it started.
    pub started_on: NaiveDate,
    /// The day it ended (none while it runs).
    pub ended_on: Option<NaiveDate>,
}

impl Worked {
    /// Whether it ran on `day`.
    pub fn ran_on(&self, day: NaiveDate) -> bool {
        self.started_on <= day && self.ended_on.is_none_or(|e| day <= e)
    }
}

/// How a clause stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ComplianceState {
    /// The contract had not started on the day.
    NotStarted,
    /// The requirement is met.
    Compliant,
    /// The requirement is not met.
    NotCompliant,
    /// The contract had ended before the day.
    Ended,
    /// The requirement cannot be judged (an hours share without the contract's hours).
    Unknown,
}

coded_enum!(ComplianceState, "compliance state", {
    NotStarted => "not_started",
    Compliant => "compliant",
    NotCompliant => "not_compliant",
    Ended => "ended",
    Unknown => "unknown",
});

/// What a clause is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplianceUnit {
    /// Workers placed on a day; worker-days over a period.
    Workers,
    /// Hours worked in a month; over a period, in its months.
    Hours,
}

/// The clause on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayCompliance {
    /// The day.
    pub on: NaiveDate,
    /// How it stands.
    pub state: ComplianceState,
    /// Workers (or hours of the day's month) required; none when unknown.
    pub required: Option<u64>,
    /// Workers placed that day (or hours recorded in the day's month).
    pub actual: u64,
}

/// The clause over the contract's period up to a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodCompliance {
    /// The first day judged (the contract's first).
    pub from: NaiveDate,
    /// The last day judged: the contract's last, or the day asked if earlier; none when the
    /// contract had not started.
    pub until: Option<NaiveDate>,
    /// Worker-days (or hours) required over the days (or months) judged; none when unknown.
    pub required: Option<u64>,
    /// Worker-days placed (or hours recorded) over them.
    pub actual: u64,
    /// Days (or months) judged.
    pub periods: u64,
    /// Of those, the days (or months) the requirement was met.
    pub periods_met: u64,
    /// The first day (or the first day of the first month) it was not met.
    pub first_shortfall: Option<NaiveDate>,
}

/// The inputs of a contract's compliance.
#[derive(Debug, Clone, Copy)]
pub struct Clause<'a> {
    /// The contract's first day.
    pub from_on: NaiveDate,
    /// The contract's last day.
    pub until_on: NaiveDate,
    /// What it requires.
    pub requirement: Requirement,
    /// The contract's working hours per month, for an hours share.
    pub monthly_hours: Option<u32>,
    /// The placements under the contract that started.
    pub worked: &'a [Worked],
    /// Hours recorded per month for those placements, summed.
    pub hours: &'a BTreeMap<YearMonth, u64>,
}

impl Requirement {
    /// The unit a clause with this requirement is measured in.
    pub fn unit(self) -> ComplianceUnit {
        match self {
            Requirement::Workers(_) => ComplianceUnit::Workers,
            Requirement::HoursShare(_) => ComplianceUnit::Hours,
        }
    }
}

impl Clause<'_> {
    /// The unit the clause is measured in.
    pub fn unit(&self) -> ComplianceUnit {
        self.requirement.unit()
    }

    /// The hours required in a month: the share of the monthly hours, rounded up.
    fn month_hours_required(&self) -> Option<u64> {
        match self.requirement {
            Requirement::Workers(_) => None,
            Requirement::HoursShare(share) => self
                .monthly_hours
                .map(|h| (u64::from(h) * u64::from(share)).div_ceil(100)),
        }
    }

    fn workers_on(&self, day: NaiveDate) -> u64 {
        self.worked.iter().filter(|w| w.ran_on(day)).count() as u64
    }

    fn hours_in(&self, month: YearMonth) -> u64 {
        self.hours.get(&month).copied().unwrap_or(0)
    }

    /// How the clause stands on `day`.
    pub fn on(&self, day: NaiveDate) -> DayCompliance {
        self.judge(day, self.workers_on(day), self.hours_in(YearMonth::of(day)))
    }

    /// How the clause stands on `day` with `workers` placements running that day and `hours`
    /// recorded in its month, counted elsewhere (the database, for many contracts at once);
    /// `worked` and `hours` of the clause are not read.
    pub fn judge(&self, day: NaiveDate, workers: u64, hours: u64) -> DayCompliance {
        let (required, actual) = match self.requirement {
            Requirement::Workers(n) => (Some(u64::from(n)), workers),
            Requirement::HoursShare(_) => (self.month_hours_required(), hours),
        };
        let state = if day < self.from_on {
            ComplianceState::NotStarted
        } else if day > self.until_on {
            ComplianceState::Ended
        } else {
            match required {
                None => ComplianceState::Unknown,
                Some(r) if actual >= r => ComplianceState::Compliant,
                Some(_) => ComplianceState::NotCompliant,
            }
        };
        DayCompliance {
            on: day,
            state,
            required,
            actual,
        }
    }

    /// The clause over the contract's days (or months) from its first to `day` (or its last,
    /// if earlier). Workers are counted per day with one sweep over the starts and ends.
    pub fn over(&self, day: NaiveDate) -> PeriodCompliance {
        let last = day.min(self.until_on);
        let mut result = PeriodCompliance {
            from: self.from_on,
            until: (last >= self.from_on).then_some(last),
            required: Some(0),
            actual: 0,
            periods: 0,
            periods_met: 0,
            first_shortfall: None,
        };
        let Some(last) = result.until else {
            return result;
        };
        match self.requirement {
            Requirement::Workers(n) => {
                let need = u64::from(n);
                // +1 on each start, -1 the day after each end, within the period.
                let mut change: BTreeMap<NaiveDate, i64> = BTreeMap::new();
                for w in self.worked {
                    let start = w.started_on.max(self.from_on);
                    let end = w.ended_on.unwrap_or(last).min(last);
                    if start > end {
                        continue;
                    }
                    *change.entry(start).or_default() += 1;
                    if let Some(after) = end.succ_opt() {
                        *change.entry(after).or_default() -= 1;
                    }
                }
                let mut running: i64 = 0;
                let mut cursor = self.from_on;
                let mut changes = change.into_iter().peekable();
                // Walk the runs of days between changes.
                loop {
                    while let Some((d, delta)) = changes.peek().copied() {
                        if d <= cursor {
                            running += delta;
                            changes.next();
                        } else {
                            break;
                        }
                    }
                    let next_change = changes.peek().map(|(d, _)| *d);
                    let run_end = match next_change {
                        Some(d) if d <= last => d.pred_opt().unwrap_or(d),
                        _ => last,
                    };
                    let days = (run_end - cursor).num_days().max(0) as u64 + 1;
                    let workers = u64::try_from(running).unwrap_or(0);
                    result.periods += days;
                    result.actual += workers * days;
                    if workers >= need {
                        result.periods_met += days;
                    } else if result.first_shortfall.is_none() {
                        result.first_shortfall = Some(cursor);
                    }
                    match run_end.succ_opt() {
                        Some(next) if run_end < last => cursor = next,
                        _ => break,
                    }
                }
                result.required = Some(need * result.periods);
            }
            Requirement::HoursShare(_) => {
                let need = self.month_hours_required();
                for month in YearMonth::of(self.from_on).through(YearMonth::of(last)) {
                    let worked = self.hours_in(month);
                    result.periods += 1;
                    result.actual += worked;
                    match need {
                        Some(n) if worked >= n => result.periods_met += 1,
                        _ => {
                            if result.first_shortfall.is_none() && need.is_some() {
                                result.first_shortfall = Some(month.first_day().max(self.from_on));
                            }
                        }
                    }
                }
                result.required = need.map(|n| n * result.periods);
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn clause<'a>(
        requirement: Requirement,
        worked: &'a [Worked],
        hours: &'a BTreeMap<YearMonth, u64>,
    ) -> Clause<'a> {
        Clause {
            from_on: day(2026, 1, 1),
            until_on: day(2026, 12, 31),
            requirement,
            monthly_hours: Some(1_000),
            worked,
            hours,
        }
    }

    #[test]
    fn workers_on_a_day_count_placements_from_their_start_to_their_end() {
        let worked = [
            Worked {
                started_on: day(2026, 2, 1),
                ended_on: Some(day(2026, 2, 28)),
            },
            Worked {
                started_on: day(2026, 2, 15),
                ended_on: None,
            },
        ];
        let none = BTreeMap::new();
        let c = clause(Requirement::Workers(2), &worked, &none);
        let at = |d| c.on(d);
        assert_eq!(at(day(2026, 1, 31)).actual, 0);
        assert_eq!(at(day(2026, 1, 31)).state, ComplianceState::NotCompliant);
        assert_eq!(at(day(2026, 2, 15)).state, ComplianceState::Compliant);
        assert_eq!(at(day(2026, 2, 28)).actual, 2);
        assert_eq!(at(day(2026, 3, 1)).actual, 1);
        assert_eq!(at(day(2025, 12, 31)).state, ComplianceState::NotStarted);
        assert_eq!(at(day(2027, 1, 1)).state, ComplianceState::Ended);
    }

    #[test]
    fn over_the_period_worker_days_and_the_first_shortfall() {
        let worked = [
            Worked {
                started_on: day(2025, 12, 1),
                ended_on: Some(day(2026, 1, 10)),
            },
            Worked {
                started_on: day(2026, 1, 5),
                ended_on: None,
            },
        ];
        let none = BTreeMap::new();
        let c = clause(Requirement::Workers(2), &worked, &none);
        let p = c.over(day(2026, 1, 20));
        assert_eq!(p.until, Some(day(2026, 1, 20)));
        assert_eq!(p.periods, 20);
        assert_eq!(p.periods_met, 6, "5 to 10 January");
        assert_eq!(p.required, Some(40));
        assert_eq!(p.actual, 10 + 16);
        assert_eq!(p.first_shortfall, Some(day(2026, 1, 1)));
        let before = c.over(day(2025, 12, 31));
        assert_eq!((before.until, before.periods), (None, 0));
    }

    #[test]
    fn an_hours_share_is_judged_per_month_and_unknown_without_the_hours() {
        let mut hours = BTreeMap::new();
        hours.insert("2026-01".parse().unwrap(), 300);
        hours.insert("2026-02".parse().unwrap(), 299);
        let c = clause(Requirement::HoursShare(30), &[], &hours);
        assert_eq!(c.on(day(2026, 1, 9)).state, ComplianceState::Compliant);
        assert_eq!(c.on(day(2026, 2, 9)).required, Some(300));
        assert_eq!(c.on(day(2026, 2, 9)).state, ComplianceState::NotCompliant);
        let p = c.over(day(2026, 3, 5));
        assert_eq!((p.periods, p.periods_met), (3, 1));
        assert_eq!((p.required, p.actual), (Some(900), 599));
        assert_eq!(p.first_shortfall, Some(day(2026, 2, 1)));
        let unknown = Clause {
            monthly_hours: None,
            ..c
        };
        assert_eq!(unknown.on(day(2026, 1, 9)).state, ComplianceState::Unknown);
        assert_eq!(unknown.over(day(2026, 3, 5)).required, None);
    }

    #[test]
    fn judging_from_counts_agrees_with_counting_the_placements() {
        let worked = [Worked {
            started_on: day(2026, 2, 1),
            ended_on: None,
        }];
        let none = BTreeMap::new();
        let c = clause(Requirement::Workers(1), &worked, &none);
        assert_eq!(c.judge(day(2026, 3, 1), 1, 0), c.on(day(2026, 3, 1)));
        assert_eq!(c.judge(day(2026, 1, 9), 0, 0), c.on(day(2026, 1, 9)));
    }

    proptest! {
        /// The sweep over the period agrees with counting day by day.
        #[test]
        fn the_sweep_agrees_with_counting_each_day(
            spans in proptest::collection::vec((0i64..400, 0i64..200, any::<bool>()), 0..12),
            need in 1u16..4,
            upto in 0i64..420,
        ) {
            let base = day(2025, 12, 1);
            let worked: Vec<Worked> = spans
                .iter()
                .map(|(s, len, open)| Worked {
                    started_on: base + chrono::Days::new(*s as u64),
                    ended_on: (!open).then(|| base + chrono::Days::new((*s + *len) as u64)),
                })
                .collect();
            let none = BTreeMap::new();
            let c = clause(Requirement::Workers(need), &worked, &none);
            let asked = base + chrono::Days::new(upto as u64);
            let p = c.over(asked);
            let mut d = c.from_on;
            let (mut periods, mut met, mut actual, mut first) = (0u64, 0u64, 0u64, None);
            while d <= asked.min(c.until_on) {
                let on = c.on(d);
                periods += 1;
                actual += on.actual;
                if on.actual >= u64::from(need) { met += 1 } else if first.is_none() { first = Some(d) }
                d = d.succ_opt().unwrap();
            }
            prop_assert_eq!(p.periods, periods);
            prop_assert_eq!(p.periods_met, met);
            prop_assert_eq!(p.actual, actual);
            prop_assert_eq!(p.first_shortfall, first);
        }
    }
}
