//! Rules on the days the office records.
//!
//! A day on which something happened (a consent given, a referral sent, an assessment made, a
//! reply received) is never after the office's calendar day: the record says what happened,
//! not what is planned. The caller passes `today`, the office's day at the instant of the
//! request.

use chrono::NaiveDate;

/// The message of a day refused because it lies after today.
pub const IN_THE_FUTURE: &str = "must not be in the future";

/// Whether `day`, a day on which something happened, lies after `today` (and so is refused).
pub fn is_future(day: NaiveDate, today: NaiveDate) -> bool {
    day > today
}

/// Checks that `day`, a day on which something happened, is not after `today`.
pub fn check_not_future(day: NaiveDate, today: NaiveDate) -> Result<(), String> {
    if is_future(day, today) {
        Err(IN_THE_FUTURE.into())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn today_and_the_past_are_accepted_tomorrow_is_not() {
        let today = day(2026, 12, 31);
        assert_eq!(check_not_future(today, today), Ok(()));
        assert_eq!(check_not_future(day(2000, 1, 1), today), Ok(()));
        assert_eq!(
            check_not_future(day(2027, 1, 1), today),
            Err(IN_THE_FUTURE.to_owned())
        );
    }
}
