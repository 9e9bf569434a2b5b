//! The days a case file's own events take effect on: the opening and its transitions.

use chrono::NaiveDate;

use crate::dates::check_not_future;
use crate::{Area, Role, StaffProfile};

/// Whether the opener of a file in `area` coordinates that area: their opening is then the
/// confirmation of the taking in charge (see [`super::needs_confirmation`]).
pub fn coordinates_area(opener: &StaffProfile, area: Area) -> bool {
    opener.has_role(Role::AreaCoordinator) && opener.areas().contains(&area)
}

/// Checks the day a file is opened on: not in the future.
pub fn check_opened_on(opened_on: NaiveDate, today: NaiveDate) -> Result<(), String> {
    check_not_future(opened_on, today)
}

/// Checks the day a transition takes effect on: not in the future, not before the file was
/// opened.
pub fn check_transition_day(
    occurred_on: NaiveDate,
    opened_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), String> {
    check_not_future(occurred_on, today)?;
    if occurred_on < opened_on {
        return Err("must not be before the file was opened".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn only_a_coordinator_of_the_area_confirms_by_opening() {
        let profile = |roles: &[Role], areas: &[Area]| {
            StaffProfile::new(
                roles.iter().copied().collect(),
                areas.iter().copied().collect(),
            )
            .unwrap()
        };
        let cora = profile(&[Role::AreaCoordinator], &[Area::SocialInclusion]);
        assert!(coordinates_area(&cora, Area::SocialInclusion));
        assert!(!coordinates_area(&cora, Area::Transversal));
        let anna = profile(&[Role::SocialWorker], &[Area::SocialInclusion]);
        assert!(!coordinates_area(&anna, Area::SocialInclusion));
    }

    #[test]
    fn a_file_is_not_opened_in_the_future() {
        let today = day(2026, 3, 1);
        assert!(check_opened_on(today, today).is_ok());
        assert_eq!(
            check_opened_on(day(2026, 3, 2), today).unwrap_err(),
            crate::dates::IN_THE_FUTURE
        );
    }

    #[test]
    fn a_transition_falls_between_the_opening_and_today() {
        let (opened, today) = (day(2026, 1, 10), day(2026, 3, 1));
        assert!(check_transition_day(opened, opened, today).is_ok());
        assert!(check_transition_day(today, opened, today).is_ok());
        assert!(check_transition_day(day(2026, 1, 9), opened, today).is_err());
        assert!(check_transition_day(day(2026, 3, 2), opened, today).is_err());
    }
}
