//! Training and supervision of the office's staff (formazione e supervisione): the events, who
//! attended them, and each staff member's register of hours and professional credits against
//! the obligation of social workers' continuing education: 60 credits in each three-year
//! period, 15 of them on ethics and professional conduct (deontologia), periods fixed by the
//! national council (2014-2016, 2017-2019, …, 2026-2028). Staff data, not case data.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

use crate::case_file::coded_enum;
use crate::error::{FieldError, ValidationErrors};

/// What kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TrainingKind {
    /// A course, a seminar, a conference.
    Training,
    /// Group supervision of practice.
    SupervisionGroup,
    /// Individual supervision.
    SupervisionIndividual,
}

coded_enum!(TrainingKind, "training kind", {
    Training => "training",
    SupervisionGroup => "supervision_group",
    SupervisionIndividual => "supervision_individual",
});

/// Credits required in a three-year period.
pub const CREDITS_REQUIRED: u32 = 60;
/// Of which on ethics and professional conduct.
pub const ETHICS_CREDITS_REQUIRED: u32 = 15;
/// The first year of the first three-year period.
pub const FIRST_PERIOD_YEAR: i32 = 2014;
/// The most hours an event may last.
pub const MAX_EVENT_HOURS: u16 = 1_000;
/// The most credits an event may give.
pub const MAX_EVENT_CREDITS: u16 = 60;
/// The longest event, in days (a year).
pub const MAX_EVENT_DAYS: i64 = 366;
/// The share of an event's hours (percent) a staff member must attend to earn its credits.
pub const ATTENDANCE_FOR_CREDITS: u32 = 80;

/// A three-year period of continuing education.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CreditPeriod {
    /// Its first year.
    pub first_year: i32,
}

impl CreditPeriod {
    /// The period a day falls in (periods before the first count back from it).
    pub fn of(day: NaiveDate) -> Self {
        let offset = (day.year() - FIRST_PERIOD_YEAR).div_euclid(3);
        Self {
            first_year: FIRST_PERIOD_YEAR + 3 * offset,
        }
    }

    /// The period starting in `year`, when a period starts then.
    pub fn starting(year: i32) -> Option<Self> {
        ((year - FIRST_PERIOD_YEAR).rem_euclid(3) == 0).then_some(Self { first_year: year })
    }

    /// Its last year.
    pub fn last_year(self) -> i32 {
        self.first_year + 2
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.first_year, 1, 1).unwrap_or(NaiveDate::MIN)
    }

    /// Its last day.
    pub fn last_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.last_year(), 12, 31).unwrap_or(NaiveDate::MAX)
    }

    /// Whether `day` falls in it.
    pub fn contains(self, day: NaiveDate) -> bool {
        self.first_day() <= day && day <= self.last_day()
    }
}

impl fmt::Display for CreditPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.first_year, self.last_year())
    }
}

/// What describes a training or supervision event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventContent {
    /// Its kind.
    pub kind: TrainingKind,
    /// Its title.
    pub title: String,
    /// Who gives it.
    pub provider: String,
    /// First day.
    pub from_on: NaiveDate,
    /// Last day (inclusive).
    pub until_on: NaiveDate,
    /// Its length in hours.
    pub hours: u16,
    /// Professional credits it gives to whoever attends it.
    pub credits: u16,
    /// Of which on ethics and professional conduct.
    pub ethics_credits: u16,
    /// Notes.
    pub notes: Option<String>,
}

/// Checks an event: a period ending on or after it starts, at most a year long; 1 to
/// [`MAX_EVENT_HOURS`] hours; at most [`MAX_EVENT_CREDITS`] credits, of which the ethics ones
/// are a part.
pub fn check_event(content: &EventContent) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if content.until_on < content.from_on {
        errors.push(FieldError::new("until_on", "must not be before `from_on`"));
    } else if (content.until_on - content.from_on).num_days() >= MAX_EVENT_DAYS {
        errors.push(FieldError::new("until_on", "an event lasts at most a year"));
    }
    if content.hours == 0 || content.hours > MAX_EVENT_HOURS {
        errors.push(FieldError::new(
            "hours",
            format!("must be between 1 and {MAX_EVENT_HOURS}"),
        ));
    }
    if content.credits > MAX_EVENT_CREDITS {
        errors.push(FieldError::new(
            "credits",
            format!("must be between 0 and {MAX_EVENT_CREDITS}"),
        ));
    }
    if content.ethics_credits > content.credits {
        errors.push(FieldError::new(
            "ethics_credits",
            "must not be more than `credits` (they are a part of them)",
        ));
    }
    errors.into_result(())
}

/// The credits a staff member earns from an event attended for `hours_attended` hours: all of
/// them (and all its ethics credits) from [`ATTENDANCE_FOR_CREDITS`] percent of its hours,
/// none below.
pub fn credits_earned(event: &EventContent, hours_attended: u16) -> (u32, u32) {
    let enough = u32::from(hours_attended) * 100 >= u32::from(event.hours) * ATTENDANCE_FOR_CREDITS;
    if enough && hours_attended > 0 {
        (u32::from(event.credits), u32::from(event.ethics_credits))
    } else {
        (0, 0)
    }
}

/// Checks the hours a staff member attended: at most the event's hours.
pub fn check_attendance(event: &EventContent, hours_attended: u16) -> Result<(), String> {
    if hours_attended > event.hours {
        Err(format!(
            "must not be more than the event's {} hours",
            event.hours
        ))
    } else {
        Ok(())
    }
}

/// One event attended, as a register counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attended {
    /// The event's last day (its credits count in the period of that day).
    pub until_on: NaiveDate,
    /// Hours attended.
    pub hours: u16,
    /// Credits earned.
    pub credits: u32,
    /// Of which on ethics.
    pub ethics_credits: u32,
}

/// A staff member's totals in a three-year period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodTotals {
    /// The period.
    pub period: CreditPeriod,
    /// Hours attended.
    pub hours: u32,
    /// Credits earned.
    pub credits: u32,
    /// Of which on ethics.
    pub ethics_credits: u32,
    /// Credits still missing to the obligation (ethics ones included).
    pub credits_missing: u32,
    /// Ethics credits still missing.
    pub ethics_credits_missing: u32,
}

impl PeriodTotals {
    /// Whether the obligation of the period is met.
    pub fn met(&self) -> bool {
        self.credits_missing == 0 && self.ethics_credits_missing == 0
    }
}

/// The totals of `period` from the events attended (those ending in it).
pub fn totals(period: CreditPeriod, attended: &[Attended]) -> PeriodTotals {
    let (mut hours, mut credits, mut ethics) = (0u32, 0u32, 0u32);
    for a in attended.iter().filter(|a| period.contains(a.until_on)) {
        hours += u32::from(a.hours);
        credits += a.credits;
        ethics += a.ethics_credits;
    }
    PeriodTotals {
        period,
        hours,
        credits,
        ethics_credits: ethics,
        credits_missing: CREDITS_REQUIRED.saturating_sub(credits),
        ethics_credits_missing: ETHICS_CREDITS_REQUIRED.saturating_sub(ethics),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn event(hours: u16, credits: u16, ethics: u16) -> EventContent {
        EventContent {
            kind: TrainingKind::Training,
            title: "Etica e deontologia".into(),
            provider: "Ordine degli assistenti sociali".into(),
            from_on: day(2026, 3, 1),
            until_on: day(2026, 3, 2),
            hours,
            credits,
            ethics_credits: ethics,
            notes: None,
        }
    }

    #[test]
    fn periods_are_the_councils_triennia() {
        for (d, first) in [
            (day(2014, 1, 1), 2014),
            (day(2016, 12, 31), 2014),
            (day(2025, 6, 1), 2023),
            (day(2026, 1, 1), 2026),
            (day(2028, 12, 31), 2026),
            (day(2029, 1, 1), 2029),
            (day(2013, 12, 31), 2011),
        ] {
            assert_eq!(CreditPeriod::of(d).first_year, first, "{d}");
        }
        assert_eq!(CreditPeriod::of(day(2026, 5, 5)).to_string(), "2026-2028");
        assert_eq!(
            CreditPeriod::starting(2026).map(|p| p.last_year()),
            Some(2028)
        );
        assert_eq!(CreditPeriod::starting(2027), None);
    }

    #[test]
    fn event_rules() {
        assert!(check_event(&event(8, 8, 4)).is_ok());
        let fields = |e: &EventContent| -> Vec<String> {
            check_event(e)
                .err()
                .map(|e| e.errors().iter().map(|f| f.field.clone()).collect())
                .unwrap_or_default()
        };
        assert_eq!(
            fields(&event(0, 61, 62)),
            ["hours", "credits", "ethics_credits"]
        );
        let mut long = event(8, 8, 0);
        long.until_on = day(2027, 3, 2);
        assert_eq!(fields(&long), ["until_on"]);
        long.until_on = day(2026, 2, 28);
        assert_eq!(fields(&long), ["until_on"]);
    }

    #[test]
    fn credits_need_eighty_percent_of_the_hours() {
        let e = event(10, 6, 2);
        assert_eq!(credits_earned(&e, 10), (6, 2));
        assert_eq!(credits_earned(&e, 8), (6, 2));
        assert_eq!(credits_earned(&e, 7), (0, 0));
        assert_eq!(credits_earned(&e, 0), (0, 0));
        assert!(check_attendance(&e, 11).is_err());
        assert!(check_attendance(&e, 10).is_ok());
    }

    #[test]
    fn totals_count_the_events_ending_in_the_period() {
        let attended = [
            Attended {
                until_on: day(2025, 12, 31),
                hours: 8,
                credits: 40,
                ethics_credits: 10,
            },
            Attended {
                until_on: day(2026, 1, 1),
                hours: 6,
                credits: 50,
                ethics_credits: 5,
            },
            Attended {
                until_on: day(2028, 12, 31),
                hours: 4,
                credits: 10,
                ethics_credits: 10,
            },
        ];
        let t = totals(CreditPeriod::of(day(2026, 6, 1)), &attended);
        assert_eq!((t.hours, t.credits, t.ethics_credits), (10, 60, 15));
        assert_eq!((t.credits_missing, t.ethics_credits_missing), (0, 0));
        assert!(t.met());
        let before = totals(CreditPeriod::of(day(2024, 6, 1)), &attended);
        assert_eq!(
            (before.credits_missing, before.ethics_credits_missing),
            (20, 5)
        );
        assert!(!before.met());
    }
}
