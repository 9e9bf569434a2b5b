//! Tutor reviews of an employment placement (verifiche del tutor): while the person works, the
//! office's tutor meets them and the employer's tutor at regular intervals and records how the
//! placement goes; each review sets the day of the next one, which the agenda shows. The first
//! review is planned when the placement starts.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use super::{WorkPlacement, WorkStatus};
use crate::case_file::coded_enum;
use crate::error::{FieldError, ValidationErrors};

/// The usual interval between two reviews of a running placement, in days: the next review is
/// due this long after the last one (or the start) unless the tutor plans another day.
pub const REVIEW_INTERVAL_DAYS: i64 = 30;

/// The longest interval a tutor may plan between two reviews, in days (six months).
pub const MAX_REVIEW_INTERVAL_DAYS: i64 = 183;

/// How long after a placement ended its closing review may still be recorded, in days.
pub const CLOSING_REVIEW_DAYS: i64 = 30;

/// How the placement goes, as the tutor judged it at a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReviewProgress {
    /// As planned.
    OnTrack,
    /// Difficulties the tutor and the employer are working on.
    NeedsSupport,
    /// The placement may be interrupted.
    AtRisk,
}

coded_enum!(ReviewProgress, "review progress", {
    OnTrack => "on_track",
    NeedsSupport => "needs_support",
    AtRisk => "at_risk",
});

/// What a review records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewContent {
    /// The day of the meeting.
    pub held_on: NaiveDate,
    /// How the placement goes.
    pub progress: ReviewProgress,
    /// Whether the employer's tutor took part.
    pub with_company_tutor: bool,
    /// What was seen and agreed (work matters, never health or other special categories).
    pub summary: String,
    /// The day of the next review (none once the placement has ended).
    pub next_review_on: Option<NaiveDate>,
}

/// A review as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkReview {
    /// Identifier.
    pub id: Uuid,
    /// The placement.
    pub placement_id: Uuid,
    /// What it records.
    pub content: ReviewContent,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// Who recorded it.
    pub created_by: Uuid,
}

/// The day a review is due after a meeting (or the start) on `from`, when the tutor does not
/// choose one: [`REVIEW_INTERVAL_DAYS`] later, or the planned last day of the placement when
/// that comes first (the closing review).
pub fn default_next_review(from: NaiveDate, until_on: Option<NaiveDate>) -> NaiveDate {
    let usual = from + Duration::days(REVIEW_INTERVAL_DAYS);
    match until_on {
        Some(last) if last > from && last < usual => last,
        _ => usual,
    }
}

/// Checks a chosen next review day after `from`: later than `from` and at most
/// [`MAX_REVIEW_INTERVAL_DAYS`] after it.
fn check_next(from: NaiveDate, next: NaiveDate) -> Result<(), String> {
    if next <= from {
        return Err(format!("must be after {from}"));
    }
    if (next - from).num_days() > MAX_REVIEW_INTERVAL_DAYS {
        return Err(format!(
            "must be at most {MAX_REVIEW_INTERVAL_DAYS} days after {from}"
        ));
    }
    Ok(())
}

/// The first review of a placement starting on `started_on`: the chosen day when valid (after
/// the start, within [`MAX_REVIEW_INTERVAL_DAYS`]), else the error; the usual one when none
/// is chosen.
pub fn first_review(
    started_on: NaiveDate,
    until_on: Option<NaiveDate>,
    chosen: Option<NaiveDate>,
) -> Result<NaiveDate, String> {
    match chosen {
        Some(day) => check_next(started_on, day).map(|()| day),
        None => Ok(default_next_review(started_on, until_on)),
    }
}

/// Checks a review of `placement` held on `held_on` and returns the day of the next review to
/// keep: the placement has started; the meeting is not in the future, not before the start,
/// and, for a placement that has ended, at most [`CLOSING_REVIEW_DAYS`] after its end; a
/// placement that has ended takes no next review, a running one gets the chosen day (after the
/// meeting, within [`MAX_REVIEW_INTERVAL_DAYS`]) or the usual one.
pub fn check_review(
    placement: &WorkPlacement,
    held_on: NaiveDate,
    next_review_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<Option<NaiveDate>, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let Some(started_on) = placement.started_on else {
        errors.push(FieldError::new(
            "held_on",
            "the placement has not started: reviews are held once the person works",
        ));
        return Err(errors);
    };
    if held_on > today {
        errors.push(FieldError::new("held_on", crate::dates::IN_THE_FUTURE));
    } else if held_on < started_on {
        errors.push(FieldError::new(
            "held_on",
            format!("must not be before the day the placement started ({started_on})"),
        ));
    } else if let Some(ended) = placement.ended_on
        && (held_on - ended).num_days() > CLOSING_REVIEW_DAYS
    {
        errors.push(FieldError::new(
            "held_on",
            format!(
                "must be at most {CLOSING_REVIEW_DAYS} days after the placement ended ({ended})"
            ),
        ));
    }
    let next = match (placement.status, next_review_on) {
        (WorkStatus::Active, Some(day)) => {
            errors.collect("next_review_on", check_next(held_on, day).map(|()| day))
        }
        (WorkStatus::Active, None) => {
            Some(default_next_review(held_on, placement.content.until_on))
        }
        (_, Some(_)) => errors.collect::<NaiveDate>(
            "next_review_on",
            Err("the placement has ended: no further review is planned".into()),
        ),
        (_, None) => None,
    };
    errors.into_result(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::employment::{WorkContent, WorkKind};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn fields(e: &ValidationErrors) -> Vec<&str> {
        e.errors().iter().map(|f| f.field.as_str()).collect()
    }

    fn placement(
        status: WorkStatus,
        started: Option<NaiveDate>,
        ended: Option<NaiveDate>,
    ) -> WorkPlacement {
        WorkPlacement {
            id: Uuid::from_u128(1),
            case_file_id: Uuid::from_u128(2),
            person_id: Uuid::from_u128(3),
            content: WorkContent {
                kind: WorkKind::WorkGrant,
                programme: None,
                employer_id: Uuid::from_u128(4),
                contract_id: None,
                office_tutor_id: None,
                company_tutor: None,
                weekly_hours: 20,
                from_on: day(2026, 3, 1),
                until_on: Some(day(2026, 8, 31)),
                notes: None,
                commitment_id: None,
                referral_id: None,
            },
            status,
            started_on: started,
            ended_on: ended,
            interruption_reason: None,
            outcome: None,
            outcome_on: None,
            next_review_on: None,
            hours: Vec::new(),
            version: 1,
            created_at: DateTime::<Utc>::default(),
            created_by: Uuid::from_u128(5),
            updated_at: DateTime::<Utc>::default(),
        }
    }

    #[test]
    fn the_usual_next_review_is_a_month_later_or_the_last_day() {
        assert_eq!(default_next_review(day(2026, 3, 1), None), day(2026, 3, 31));
        assert_eq!(
            default_next_review(day(2026, 3, 1), Some(day(2026, 8, 31))),
            day(2026, 3, 31)
        );
        // The last day comes first: the closing review.
        assert_eq!(
            default_next_review(day(2026, 8, 20), Some(day(2026, 8, 31))),
            day(2026, 8, 31)
        );
        // The planned end has passed (a late placement): a month later.
        assert_eq!(
            default_next_review(day(2026, 9, 10), Some(day(2026, 8, 31))),
            day(2026, 10, 10)
        );
    }

    #[test]
    fn a_first_review_is_after_the_start_and_within_six_months() {
        let start = day(2026, 3, 2);
        assert_eq!(first_review(start, None, None), Ok(day(2026, 4, 1)));
        assert_eq!(
            first_review(start, None, Some(day(2026, 3, 16))),
            Ok(day(2026, 3, 16))
        );
        assert!(first_review(start, None, Some(start)).is_err());
        assert!(first_review(start, None, Some(day(2026, 9, 1))).is_ok());
        assert!(first_review(start, None, Some(day(2026, 9, 2))).is_err());
    }

    #[test]
    fn a_review_of_a_running_placement_plans_the_next() {
        let p = placement(WorkStatus::Active, Some(day(2026, 3, 2)), None);
        let today = day(2026, 4, 10);
        assert_eq!(
            check_review(&p, day(2026, 4, 1), None, today),
            Ok(Some(day(2026, 5, 1)))
        );
        assert_eq!(
            check_review(&p, day(2026, 4, 1), Some(day(2026, 4, 15)), today),
            Ok(Some(day(2026, 4, 15)))
        );
        let err = check_review(&p, day(2026, 4, 1), Some(day(2026, 4, 1)), today).unwrap_err();
        assert_eq!(fields(&err), vec!["next_review_on"]);
        let err = check_review(&p, day(2026, 4, 11), None, today).unwrap_err();
        assert_eq!(fields(&err), vec!["held_on"]);
        let err = check_review(&p, day(2026, 3, 1), None, today).unwrap_err();
        assert_eq!(fields(&err), vec!["held_on"]);
    }

    #[test]
    fn a_placement_not_started_takes_no_review() {
        let p = placement(WorkStatus::Proposed, None, None);
        let err = check_review(&p, day(2026, 3, 1), None, day(2026, 3, 5)).unwrap_err();
        assert_eq!(fields(&err), vec!["held_on"]);
    }

    #[test]
    fn an_ended_placement_takes_a_closing_review_and_no_next() {
        let p = placement(
            WorkStatus::Completed,
            Some(day(2026, 3, 2)),
            Some(day(2026, 8, 31)),
        );
        let today = day(2026, 12, 1);
        assert_eq!(check_review(&p, day(2026, 9, 30), None, today), Ok(None));
        let err = check_review(&p, day(2026, 10, 1), None, today).unwrap_err();
        assert_eq!(fields(&err), vec!["held_on"]);
        let err = check_review(&p, day(2026, 9, 10), Some(day(2026, 10, 10)), today).unwrap_err();
        assert_eq!(fields(&err), vec!["next_review_on"]);
    }
}
