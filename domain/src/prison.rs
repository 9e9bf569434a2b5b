//! The prison area: reintegration is planned before release, so a person whose expected
//! release date is near (or already past while still recorded as detained or under an
//! alternative measure) appears in the agenda of their case manager and area coordinators.
//!
//! The justice data itself (status, institution, dates, UEPE contact) is the `justice`
//! sensitive group of the person ([`crate::sensitive::Justice`]).

use chrono::NaiveDate;

use crate::pact::add_days;
use crate::sensitive::JusticeStatus;

/// Default number of days ahead in which an expected release enters the agenda.
pub const RELEASE_PLANNING_DAYS: u32 = 90;

/// Largest number of days ahead a client may ask for.
pub const RELEASE_PLANNING_MAX_DAYS: u32 = 365;

/// An expected release to plan for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReleaseDue {
    /// The expected release day.
    pub due_on: NaiveDate,
    /// True when the day has passed and the person is still recorded as detained or under a
    /// measure (the record needs updating, or the release happened without a plan).
    pub late: bool,
}

/// Whether a person with `status` and `expected_release_on` must be planned for on `today`,
/// looking `within_days` ahead: not once released; when the expected release is on or before
/// `today + within_days` (past days are late).
pub fn release_due(
    status: JusticeStatus,
    expected_release_on: Option<NaiveDate>,
    today: NaiveDate,
    within_days: u32,
) -> Option<ReleaseDue> {
    if status == JusticeStatus::Released {
        return None;
    }
    planned_release(expected_release_on?, today, within_days)
}

/// [`release_due`] of a person known not to be released: when `expected_release_on` is on or
/// before `today + within_days` (past days are late).
pub fn planned_release(
    expected_release_on: NaiveDate,
    today: NaiveDate,
    within_days: u32,
) -> Option<ReleaseDue> {
    let due_on = expected_release_on;
    (due_on <= add_days(today, u64::from(within_days))).then_some(ReleaseDue {
        due_on,
        late: due_on < today,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn releases_are_planned_ahead_and_late_ones_stay() {
        let today = day(2028, 2, 1);
        // 29 February of a leap year, 28 days ahead.
        let leap = Some(day(2028, 2, 29));
        assert_eq!(
            release_due(JusticeStatus::Detained, leap, today, 28),
            Some(ReleaseDue {
                due_on: day(2028, 2, 29),
                late: false
            })
        );
        assert_eq!(release_due(JusticeStatus::Detained, leap, today, 27), None);
        assert_eq!(
            release_due(
                JusticeStatus::AlternativeMeasure,
                Some(day(2028, 1, 1)),
                today,
                1
            ),
            Some(ReleaseDue {
                due_on: day(2028, 1, 1),
                late: true
            })
        );
        assert_eq!(release_due(JusticeStatus::Released, leap, today, 90), None);
        assert_eq!(release_due(JusticeStatus::Detained, None, today, 90), None);
    }

    proptest! {
        /// Due exactly when not released, with a date no later than the horizon.
        #[test]
        fn due_iff_within_the_horizon(offset in -400i64..800, within in 0u32..=365, released in any::<bool>()) {
            let today = day(2026, 12, 31);
            let expected = today + chrono::Duration::days(offset);
            let status = if released { JusticeStatus::Released } else { JusticeStatus::Detained };
            let due = release_due(status, Some(expected), today, within);
            prop_assert_eq!(due.is_some(), !released && offset <= i64::from(within));
            if let Some(d) = due {
                prop_assert_eq!(d.late, offset < 0);
            }
        }
    }
}
