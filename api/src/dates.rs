//! Plausible dates in requests: every date of a request body or query is bounded to
//! [`socialcare_domain::calendar::EARLIEST_DATE`] ..= [`socialcare_domain::calendar::LATEST_DATE`]
//! (1900-01-01 ..= 2199-12-31), so that year 0000 or -0001 never reaches a rule or a row.
//!
//! On a request DTO's date field (plain or `Option`), add
//!
//! ```text
//! /// ... Between 1900-01-01 and 2199-12-31.
//! #[validate(custom(function = "crate::dates::plausible"))]
//! #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]   // #[param(...)] in a query
//! ```
//!
//! The body's answer is then 422 with a pointer at the field, the query's 400 naming the
//! parameter, together with the struct's other validation errors.

use chrono::NaiveDate;
use socialcare_domain::calendar;
use validator::ValidationError;

/// The pattern the contract gives plausible dates (years 1900-2199).
pub const PATTERN: &str = r"^(19|2[01])\d{2}-\d{2}-\d{2}$";

/// Validator for a request date: refuses a date outside the plausible range, with the domain's
/// message ("must be a date between 1900-01-01 and 2199-12-31"). An `Option` field is checked
/// only when present.
pub fn plausible(date: &NaiveDate) -> Result<(), ValidationError> {
    calendar::check_plausible(*date)
        .map_err(|message| ValidationError::new("date_range").with_message(message.into()))
}

/// A day named in the path (`YYYY-MM-DD`, between 1900-01-01 and 2199-12-31), or 400 naming
/// the parameter.
pub fn path_day(
    req: &actix_web::HttpRequest,
    name: &str,
) -> Result<NaiveDate, crate::error::ApiError> {
    let raw = req.match_info().get(name).unwrap_or_default();
    let day = (raw.len() == 10)
        .then(|| NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| crate::error::ApiError::bad_parameter(name, "must be a day `YYYY-MM-DD`"))?;
    calendar::check_plausible(day).map_err(|e| crate::error::ApiError::bad_parameter(name, e))?;
    Ok(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_years_are_refused_with_a_message() {
        let refused = NaiveDate::from_ymd_opt(0, 1, 1).map(|d| plausible(&d));
        let Some(Err(error)) = refused else {
            panic!("year 0000 must be refused");
        };
        assert_eq!(
            error.message.as_deref(),
            Some("must be a date between 1900-01-01 and 2199-12-31")
        );
        assert!(NaiveDate::from_ymd_opt(-1, 12, 31).is_some_and(|d| plausible(&d).is_err()));
        assert!(NaiveDate::from_ymd_opt(2026, 12, 4).is_some_and(|d| plausible(&d).is_ok()));
    }
}
