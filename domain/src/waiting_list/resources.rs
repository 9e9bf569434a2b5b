//! Care resources (risorse socio-assistenziali): residential and day services for persons with
//! disability, home care, meals, shelter places, social housing, each with its managing body,
//! its area, the places it has (changing over time) and the criteria set that ranks its
//! applicants.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::criteria::{CriteriaSet, parse_set_code};
use crate::case_file::coded_enum;
use crate::error::{FieldError, ValidationErrors};
use crate::staff::Area;

/// The most places a resource may have.
pub const MAX_PLACES: u32 = 100_000;

/// The longest reconfirmation period, in months.
pub const MAX_RECONFIRM_MONTHS: u32 = 36;

/// What kind of resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceKind {
    /// A residential service for persons with disability.
    DisabilityResidential,
    /// A day centre for persons with disability.
    DisabilityDayCentre,
    /// Home care (assistenza domiciliare).
    HomeCare,
    /// Meals at home or in a canteen.
    Meals,
    /// Places in shelters.
    ShelterPlaces,
    /// Social housing units.
    SocialHousing,
}

coded_enum!(ResourceKind, "resource kind", {
    DisabilityResidential => "disability_residential",
    DisabilityDayCentre => "disability_day_centre",
    HomeCare => "home_care",
    Meals => "meals",
    ShelterPlaces => "shelter_places",
    SocialHousing => "social_housing",
});

/// What a resource is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceContent {
    /// The kind.
    pub kind: ResourceKind,
    /// Its name, 1-200 characters.
    pub name: String,
    /// The body that runs it (the municipality, a cooperative…), 1-200 characters.
    pub managing_body: String,
    /// The area of the office that manages its list.
    pub area: Area,
    /// The code of the criteria set that ranks its applicants (the version in force on the
    /// day of a ranking applies).
    pub criteria_code: String,
    /// Months within which an application must be reconfirmed, 1-36.
    pub reconfirm_months: u32,
    /// Notes, 1-2000 characters.
    pub notes: Option<String>,
}

/// From a day on, a resource has so many places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacity {
    /// The first day.
    pub from_on: NaiveDate,
    /// The places, 0 to [`MAX_PLACES`].
    pub places: u32,
}

/// A resource as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// Identifier.
    pub id: Uuid,
    /// What it is.
    pub content: ResourceContent,
    /// Its places over time, by first day.
    pub capacity: Vec<Capacity>,
    /// The day it closed, if it has.
    pub closed_on: Option<NaiveDate>,
    /// Optimistic-lock version.
    pub version: i64,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// Who recorded it.
    pub created_by: Uuid,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Checks a resource's description: the criteria code's form, the reconfirmation period.
/// (That a criteria set of that code exists is the caller's check.)
pub fn check_resource(content: &ResourceContent) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    errors.collect("criteria_code", parse_set_code(&content.criteria_code));
    if !(1..=MAX_RECONFIRM_MONTHS).contains(&content.reconfirm_months) {
        errors.push(FieldError::new(
            "reconfirm_months",
            format!("must be between 1 and {MAX_RECONFIRM_MONTHS}"),
        ));
    }
    errors.into_result(())
}

/// The places of a resource on `day`: those of the latest capacity starting on or before it
/// (none before the first).
pub fn places_on(capacity: &[Capacity], day: NaiveDate) -> u32 {
    capacity
        .iter()
        .filter(|c| c.from_on <= day)
        .max_by_key(|c| c.from_on)
        .map_or(0, |c| c.places)
}

/// Checks a change of capacity from `change.from_on`: at most [`MAX_PLACES`] places, and not
/// from the day a closed resource closed on.
pub fn check_capacity(resource: &Resource, change: Capacity) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if change.places > MAX_PLACES {
        errors.push(FieldError::new(
            "places",
            format!("must be between 0 and {MAX_PLACES}"),
        ));
    }
    if let Some(closed) = resource.closed_on
        && change.from_on >= closed
    {
        errors.push(FieldError::new(
            "from_on",
            format!("the resource closed on {closed}"),
        ));
    }
    errors.into_result(())
}

/// The version of a criteria set in force on `on` among `versions` (all of one code): the
/// latest version whose `effective_from` is on or before `on`.
pub fn set_in_force(versions: &[CriteriaSet], on: NaiveDate) -> Option<&CriteriaSet> {
    versions
        .iter()
        .filter(|s| s.content.effective_from <= on)
        .max_by_key(|s| (s.content.effective_from, s.version))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::waiting_list::criteria::CriteriaContent;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn places_change_over_time() {
        let capacity = [
            Capacity {
                from_on: day(2026, 1, 1),
                places: 10,
            },
            Capacity {
                from_on: day(2026, 7, 1),
                places: 12,
            },
        ];
        assert_eq!(places_on(&capacity, day(2025, 12, 31)), 0);
        assert_eq!(places_on(&capacity, day(2026, 6, 30)), 10);
        assert_eq!(places_on(&capacity, day(2026, 7, 1)), 12);
    }

    #[test]
    fn the_version_in_force_is_the_latest_effective() {
        let version = |v: i32, from: NaiveDate| CriteriaSet {
            id: Uuid::from_u128(u128::try_from(v).unwrap()),
            version: v,
            content: CriteriaContent {
                code: "rsa".into(),
                title: "RSA".into(),
                effective_from: from,
                criteria: Vec::new(),
            },
            created_at: DateTime::<Utc>::MIN_UTC,
            created_by: Uuid::nil(),
        };
        let versions = [
            version(1, day(2026, 1, 1)),
            version(2, day(2027, 1, 1)),
            version(3, day(2026, 6, 1)),
        ];
        assert!(set_in_force(&versions, day(2025, 12, 31)).is_none());
        assert_eq!(
            set_in_force(&versions, day(2026, 5, 31)).unwrap().version,
            1
        );
        assert_eq!(
            set_in_force(&versions, day(2026, 12, 31)).unwrap().version,
            3
        );
        assert_eq!(set_in_force(&versions, day(2027, 1, 1)).unwrap().version, 2);
    }

    #[test]
    fn a_resource_names_a_criteria_code_and_a_period() {
        let content = ResourceContent {
            kind: ResourceKind::DisabilityResidential,
            name: "RSA Villa Serena".into(),
            managing_body: "APSP".into(),
            area: Area::AdultsDisability,
            criteria_code: "RSA!".into(),
            reconfirm_months: 0,
            notes: None,
        };
        let errors = check_resource(&content).unwrap_err();
        let fields: Vec<&str> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["criteria_code", "reconfirm_months"]);
    }
}
