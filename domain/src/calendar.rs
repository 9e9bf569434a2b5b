//! The office's calendar: which day it is, and which days are plausible.
//!
//! The office is in Italy, so every date rule (opening days, deadlines, the agenda, "not in the
//! future") counts Europe/Rome calendar days, never UTC ones: between 22:00 and 24:00 UTC the
//! UTC date is still yesterday in Rome. Instants stay in UTC; only their calendar day is read in
//! Rome time, by [`day_of`].
//!
//! A date typed by hand can be absurd (year 0000, year -0001, 20260 for 2026): [`check_plausible`]
//! bounds every date the office records to [`EARLIEST_DATE`] ..= [`LATEST_DATE`].

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Rome;

/// The office's time zone.
pub const OFFICE_TIME_ZONE: chrono_tz::Tz = Rome;

/// Earliest plausible date: 1 January 1900 (also the earliest birth date).
pub const EARLIEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

/// Latest plausible date: 31 December 2199.
pub const LATEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2199, 12, 31) {
    Some(day) => day,
    None => NaiveDate::MAX,
};

/// The Europe/Rome calendar day of an instant.
pub fn day_of(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&OFFICE_TIME_ZONE).date_naive()
}

/// The office's "today" at `now`: the Europe/Rome calendar day (CET in winter, CEST in summer).
pub fn today(now: DateTime<Utc>) -> NaiveDate {
    day_of(now)
}

/// The instant the Europe/Rome calendar day `day` starts (midnight in Rome, 23:00 or 22:00 UTC
/// of the day before): the lower bound of "on or after `day`" for instants.
pub fn start_of_day(day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_time(NaiveTime::MIN);
    // Rome changes its clocks at 02:00 and 03:00, so midnight always exists exactly once.
    OFFICE_TIME_ZONE
        .from_local_datetime(&midnight)
        .earliest()
        .map_or_else(|| midnight.and_utc(), |start| start.with_timezone(&Utc))
}

/// Checks that `date` lies in the plausible range [`EARLIEST_DATE`] ..= [`LATEST_DATE`]; the
/// error says so in words a form can show.
pub fn check_plausible(date: NaiveDate) -> Result<(), String> {
    if (EARLIEST_DATE..=LATEST_DATE).contains(&date) {
        Ok(())
    } else {
        Err(format!(
            "must be a date between {EARLIEST_DATE} and {LATEST_DATE}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .unwrap_or_default()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn winter_2330_utc_is_already_tomorrow_in_rome() {
        assert_eq!(today(utc(2026, 1, 15, 23, 30)), day(2026, 1, 16));
    }

    #[test]
    fn winter_2230_utc_is_still_today_in_rome() {
        assert_eq!(today(utc(2026, 1, 15, 22, 30)), day(2026, 1, 15));
    }

    #[test]
    fn summer_2230_utc_is_already_tomorrow_in_rome() {
        assert_eq!(today(utc(2026, 7, 15, 22, 30)), day(2026, 7, 16));
        assert_eq!(today(utc(2026, 7, 15, 21, 59)), day(2026, 7, 15));
    }

    #[test]
    fn new_year_in_rome_comes_before_new_year_in_utc() {
        assert_eq!(day_of(utc(2026, 12, 31, 23, 30)), day(2027, 1, 1));
    }

    #[test]
    fn a_rome_day_starts_at_rome_midnight() {
        assert_eq!(start_of_day(day(2026, 1, 16)), utc(2026, 1, 15, 23, 0));
        assert_eq!(start_of_day(day(2026, 7, 16)), utc(2026, 7, 15, 22, 0));
        // The days the clocks change.
        assert_eq!(start_of_day(day(2026, 3, 29)), utc(2026, 3, 28, 23, 0));
        assert_eq!(start_of_day(day(2026, 10, 25)), utc(2026, 10, 24, 22, 0));
        for d in [day(2026, 1, 16), day(2026, 3, 29), day(2026, 10, 25)] {
            assert_eq!(day_of(start_of_day(d)), d);
        }
    }

    #[test]
    fn plausible_dates_are_bounded() {
        assert!(check_plausible(day(1900, 1, 1)).is_ok());
        assert!(check_plausible(day(2199, 12, 31)).is_ok());
        assert!(check_plausible(day(2026, 12, 4)).is_ok());
        assert!(check_plausible(day(1899, 12, 31)).is_err());
        assert!(check_plausible(day(2200, 1, 1)).is_err());
        assert!(check_plausible(day(0, 1, 1)).is_err());
        assert!(check_plausible(day(-1, 1, 1)).is_err());
        assert_eq!(EARLIEST_DATE, day(1900, 1, 1));
        assert_eq!(LATEST_DATE, day(2199, 12, 31));
    }
}
