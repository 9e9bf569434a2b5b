//! Housing (abitare): facilities, their beds, the nights a bed can hold someone, and the
//! placements (inserimenti) and night bookings that take those nights.
//!
//! A **night** is named by the Europe/Rome day it starts on: the night of 4 December runs from
//! the evening of the 4th to the morning of the 5th. A stay covers the nights `[from, until)`:
//! a person placed from the 4th until the 6th sleeps there the nights of the 4th and the 5th,
//! and the bed is free again on the night of the 6th.
//!
//! Rules enforced here (the database enforces the capacity and the one-bed-a-night rules as
//! well, with one row per bed, night and place; see `docs/housing.md`):
//! - a bed holds at most its capacity on any night, and nobody on a night it does not exist
//!   (a seasonal bed outside its season, a bed before it opens or after it is closed) or is out
//!   of service;
//! - a person is in at most one bed on any night;
//! - a facility's rules on who it takes (men, women, mixed, families) and its target groups hold
//!   unless an area coordinator overrides them with a reason;
//! - a placement moves `planned` → `active` → `ended`, or `planned` → `cancelled`; ending it
//!   needs the exit reason and destination.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Days, NaiveDate, Utc};
use uuid::Uuid;

use crate::Area;
use crate::case_file::{TargetGroup, code_list, coded_enum};
use crate::error::{FieldError, ValidationErrors};
use crate::person::Sex;

/// The longest stay booked in one request, in nights (a placement is then extended).
pub const MAX_STAY_NIGHTS: i64 = 731;

/// The most places one bed (a family room, a cot) may offer.
pub const MAX_BED_CAPACITY: u16 = 12;

/// The kind of a facility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FacilityKind {
    /// Dormitorio: beds booked night by night.
    NightShelter,
    /// Accoglienza adulti: reception with a placement.
    AdultReception,
    /// Protected flat.
    ProtectedFlat,
    /// Housing First flat.
    HousingFirstFlat,
    /// Co-housing.
    CoHousing,
    /// Residence for persons with disability.
    DisabilityResidence,
    /// Social housing unit.
    SocialHousingUnit,
}

coded_enum!(FacilityKind, "facility kind", {
    NightShelter => "night_shelter",
    AdultReception => "adult_reception",
    ProtectedFlat => "protected_flat",
    HousingFirstFlat => "housing_first_flat",
    CoHousing => "co_housing",
    DisabilityResidence => "disability_residence",
    SocialHousingUnit => "social_housing_unit",
});

impl FacilityKind {
    /// How its beds are taken: night by night (the night register) or by placements.
    pub fn tracking(self) -> Tracking {
        match self {
            FacilityKind::NightShelter => Tracking::NightByNight,
            _ => Tracking::EntryExit,
        }
    }
}

/// The two ways of tracking who sleeps where (as the US HMIS standard distinguishes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tracking {
    /// Each night: who was booked, who slept, who did not come.
    NightByNight,
    /// A placement from a day to a day.
    EntryExit,
}

/// Whom a facility (or a bed) takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Takes {
    /// Men only.
    Men,
    /// Women only.
    Women,
    /// Men and women.
    Mixed,
    /// Families (a household placed together).
    Families,
}

coded_enum!(Takes, "admission rule", {
    Men => "men",
    Women => "women",
    Mixed => "mixed",
    Families => "families",
});

/// Why a placement ended, and where the person went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExitDestination {
    /// Own housing (rented, owned, social housing).
    OwnHousing,
    /// With family or friends.
    Family,
    /// Another facility.
    OtherFacility,
    /// Hospital.
    Hospital,
    /// Prison.
    Prison,
    /// Back to the street.
    Street,
    /// Not known.
    Unknown,
    /// The person died.
    Deceased,
}

coded_enum!(ExitDestination, "exit destination", {
    OwnHousing => "own_housing",
    Family => "family",
    OtherFacility => "other_facility",
    Hospital => "hospital",
    Prison => "prison",
    Street => "street",
    Unknown => "unknown",
    Deceased => "deceased",
});

/// Whether a person booked for a night slept there (the night register of night shelters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Attendance {
    /// Booked; not recorded yet.
    Expected,
    /// Slept there.
    Present,
    /// Did not come.
    Absent,
}

coded_enum!(Attendance, "attendance", {
    Expected => "expected",
    Present => "present",
    Absent => "absent",
});

/// Checks the recording of the attendance of `placement` on `night`, on `today`: only in the
/// night register (night-by-night facilities), only for a placement not cancelled, and only for
/// a night that has begun (tonight or before).
pub fn check_attendance(
    placement: &Placement,
    night: NaiveDate,
    today: NaiveDate,
) -> Result<(), String> {
    if placement.tracking != Tracking::NightByNight {
        return Err("attendance is recorded in the night register of night shelters only".into());
    }
    if placement.status == PlacementStatus::Cancelled {
        return Err("the placement was cancelled".into());
    }
    if night > today {
        return Err("the night has not begun yet".into());
    }
    Ok(())
}

/// A half-open run of nights `[from, until)`; `until` `None` runs on without end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nights {
    /// The first night.
    pub from: NaiveDate,
    /// The first night no longer covered.
    pub until: Option<NaiveDate>,
}

impl Nights {
    /// The nights from `from` to `until` (exclusive).
    pub fn new(from: NaiveDate, until: Option<NaiveDate>) -> Self {
        Self { from, until }
    }

    /// Whether `night` is one of them.
    pub fn contains(&self, night: NaiveDate) -> bool {
        night >= self.from && self.until.is_none_or(|u| night < u)
    }

    /// Whether the two runs share a night.
    pub fn overlaps(&self, other: &Nights) -> bool {
        let starts_before_other_ends = other.until.is_none_or(|u| self.from < u);
        let other_starts_before_end = self.until.is_none_or(|u| other.from < u);
        starts_before_other_ends && other_starts_before_end
    }

    /// Each night of a bounded run, in order (none for an unbounded one).
    pub fn each(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        let until = self.until.unwrap_or(self.from);
        self.from.iter_days().take_while(move |d| *d < until)
    }

    /// How many nights a bounded run covers.
    pub fn count(&self) -> Option<i64> {
        self.until.map(|u| (u - self.from).num_days().max(0))
    }
}

/// Why a stay's nights are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StayError {
    /// The run ends on or before it starts.
    #[error("must be after `from`: a stay covers at least one night")]
    Empty,
    /// The run is longer than [`MAX_STAY_NIGHTS`].
    #[error("a stay is booked for at most 731 nights at a time; extend it later")]
    TooLong,
}

/// The nights of a stay from `from` to `until` (exclusive): at least one, at most
/// [`MAX_STAY_NIGHTS`].
pub fn stay_nights(from: NaiveDate, until: NaiveDate) -> Result<Nights, StayError> {
    let n = (until - from).num_days();
    if n < 1 {
        return Err(StayError::Empty);
    }
    if n > MAX_STAY_NIGHTS {
        return Err(StayError::TooLong);
    }
    Ok(Nights::new(from, Some(until)))
}

/// What decides on which nights a bed can hold someone, and how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BedCalendar {
    /// Places the bed offers (1 for a bed, more for a family room).
    pub capacity: u16,
    /// The nights the bed exists: from its opening to its closure.
    pub exists: Nights,
    /// For a seasonal bed (the winter emergency plan), the season's nights: outside them the bed
    /// does not exist.
    pub season: Option<Nights>,
    /// Out-of-service periods: nobody sleeps in the bed then.
    pub out_of_service: Vec<Nights>,
}

impl BedCalendar {
    /// The places the bed offers on `night`: its capacity when it exists, is in season and in
    /// service, else 0.
    pub fn places_on(&self, night: NaiveDate) -> u16 {
        let open = self.exists.contains(night)
            && self.season.is_none_or(|s| s.contains(night))
            && !self.out_of_service.iter().any(|o| o.contains(night));
        if open { self.capacity } else { 0 }
    }

    /// The first night of `stay` the bed cannot hold one more person, given how many it already
    /// holds each night (`taken`); `None` when every night has a free place.
    pub fn first_full_night(
        &self,
        stay: &Nights,
        taken: impl Fn(NaiveDate) -> u16,
    ) -> Option<NaiveDate> {
        stay.each()
            .find(|night| taken(*night) >= self.places_on(*night))
    }
}

/// A night on which a bed would hold more persons than it offers: what a change of the bed, of
/// its facility or a new out-of-service period must not strand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the bed holds {held} person(s) on the night of {night} and would offer {offered}: \
     end, cancel or move those placements first"
)]
pub struct Overfull {
    /// The night.
    pub night: NaiveDate,
    /// Persons booked in the bed that night.
    pub held: u16,
    /// Places the bed would offer that night.
    pub offered: u16,
}

impl BedCalendar {
    /// The first of the booked nights (`held`: night and persons booked, in any order) on which
    /// the bed would offer fewer places than it holds persons; `None` when they all fit.
    pub fn first_overfull(
        &self,
        held: impl IntoIterator<Item = (NaiveDate, u16)>,
    ) -> Option<Overfull> {
        held.into_iter()
            .filter_map(|(night, held)| {
                let offered = self.places_on(night);
                (held > offered).then_some(Overfull {
                    night,
                    held,
                    offered,
                })
            })
            .min_by_key(|o| o.night)
    }
}

/// The lowest place of a bed that none of `taken` uses on a night, below `capacity`.
pub fn free_place(capacity: u16, taken: &[u16]) -> Option<u16> {
    (0..capacity).find(|p| !taken.contains(p))
}

/// Why a person does not match a facility's or bed's rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EligibilityError {
    /// The facility (or the bed) takes only men or only women.
    #[error("this {0} takes {1} only")]
    Gender(&'static str, &'static str),
    /// The person's sex is not recorded, and the facility takes one sex only.
    #[error("this {0} takes {1} only, and the person's sex is not recorded")]
    UnknownSex(&'static str, &'static str),
    /// None of the person's target groups is among the facility's.
    #[error("this facility is for {0}; the case file has none of them")]
    TargetGroup(String),
}

/// Whether a person (of `sex`, with the target groups of the case file) may be placed in a
/// facility that takes `facility_takes` and serves `facility_groups` (none: everybody), in a
/// bed reserved to `bed_takes`. A coordinator may override a refusal with a reason.
pub fn check_eligibility(
    sex: Option<Sex>,
    groups: &[TargetGroup],
    facility_takes: Takes,
    facility_groups: &[TargetGroup],
    bed_takes: Option<Takes>,
) -> Result<(), EligibilityError> {
    for (what, rule) in [("facility", Some(facility_takes)), ("bed", bed_takes)] {
        let only = match rule {
            Some(Takes::Men) => Some((Sex::Male, "men")),
            Some(Takes::Women) => Some((Sex::Female, "women")),
            _ => None,
        };
        if let Some((wanted, label)) = only {
            match sex {
                Some(s) if s == wanted => {}
                Some(_) => return Err(EligibilityError::Gender(what, label)),
                None => return Err(EligibilityError::UnknownSex(what, label)),
            }
        }
    }
    if !facility_groups.is_empty() && !groups.iter().any(|g| facility_groups.contains(g)) {
        return Err(EligibilityError::TargetGroup(code_list(facility_groups)));
    }
    Ok(())
}

/// Where a placement stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlacementStatus {
    /// Booked, the person has not arrived.
    Planned,
    /// The person is there.
    Active,
    /// The person left.
    Ended,
    /// Never started.
    Cancelled,
}

coded_enum!(PlacementStatus, "placement status", {
    Planned => "planned",
    Active => "active",
    Ended => "ended",
    Cancelled => "cancelled",
});

/// A change of a placement's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlacementTransition {
    /// The person arrived.
    Start,
    /// The person left: with the exit reason and destination.
    End,
    /// The placement will not happen.
    Cancel,
}

coded_enum!(PlacementTransition, "placement transition", {
    Start => "start",
    End => "end",
    Cancel => "cancel",
});

impl PlacementStatus {
    /// The transitions allowed from this status.
    pub fn allowed_transitions(self) -> &'static [PlacementTransition] {
        match self {
            PlacementStatus::Planned => &[PlacementTransition::Start, PlacementTransition::Cancel],
            PlacementStatus::Active => &[PlacementTransition::End],
            PlacementStatus::Ended | PlacementStatus::Cancelled => &[],
        }
    }
}

/// A transition not allowed from a status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {from} placement cannot {transition}; allowed: {allowed}")]
pub struct PlacementTransitionError {
    /// The current status.
    pub from: PlacementStatus,
    /// What was asked.
    pub transition: PlacementTransition,
    /// What is allowed.
    pub allowed: String,
}

/// The status a transition leads to from `from`.
pub fn apply_placement(
    from: PlacementStatus,
    transition: PlacementTransition,
) -> Result<PlacementStatus, PlacementTransitionError> {
    if !from.allowed_transitions().contains(&transition) {
        return Err(PlacementTransitionError {
            from,
            transition,
            allowed: code_list(from.allowed_transitions()),
        });
    }
    Ok(match transition {
        PlacementTransition::Start => PlacementStatus::Active,
        PlacementTransition::End => PlacementStatus::Ended,
        PlacementTransition::Cancel => PlacementStatus::Cancelled,
    })
}

/// The nights a placement keeps once it ends on `ended_on` (the day the person left): those
/// before it. Ending before the placement started is refused.
pub fn nights_kept(stay: &Nights, ended_on: NaiveDate) -> Option<Nights> {
    if ended_on < stay.from {
        return None;
    }
    let until = stay.until.map_or(ended_on, |u| u.min(ended_on));
    Some(Nights::new(stay.from, Some(until)))
}

/// `day` plus `n` days, saturating.
pub fn plus_days(day: NaiveDate, n: u64) -> NaiveDate {
    day.checked_add_days(Days::new(n)).unwrap_or(NaiveDate::MAX)
}

// ---------------------------------------------------------------------------------------------
// Facilities, beds and placements as recorded
// ---------------------------------------------------------------------------------------------

/// What describes a facility (everything but its identity and bookkeeping).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacilityContent {
    /// Name, unique in the office (1-200 characters).
    pub name: String,
    /// Kind.
    pub kind: FacilityKind,
    /// The office area that runs it.
    pub area: Area,
    /// The organisation that operates it (1-200 characters).
    pub operator: String,
    /// Street and number.
    pub street: String,
    /// Municipality.
    pub municipality: String,
    /// Postcode (CAP, five digits).
    pub postcode: Option<String>,
    /// Whom it takes.
    pub takes: Takes,
    /// Accessible to persons with reduced mobility.
    pub accessible: bool,
    /// The target groups it serves (none: everybody).
    pub target_groups: Vec<TargetGroup>,
    /// First night it is open.
    pub opens_on: NaiveDate,
    /// First night it is closed for good (exclusive), if known.
    pub closes_on: Option<NaiveDate>,
    /// Contact phone.
    pub phone: Option<String>,
    /// Contact e-mail.
    pub email: Option<String>,
}

/// A facility.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facility {
    /// Identifier.
    pub id: Uuid,
    /// What describes it.
    pub content: FacilityContent,
    /// Optimistic-lock version.
    pub version: i64,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Facility {
    /// The nights it is open.
    pub fn open_nights(&self) -> Nights {
        Nights::new(self.content.opens_on, self.content.closes_on)
    }
}

/// What describes a bed (or a room or flat let as a whole: a bed of larger capacity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BedContent {
    /// The room or flat it is in (1-100 characters).
    pub unit: String,
    /// Its label in the unit (1-50 characters).
    pub label: String,
    /// Places (1-12).
    pub capacity: u16,
    /// Reserved to men or women (`None`: as the facility).
    pub takes: Option<Takes>,
    /// Accessible.
    pub accessible: bool,
    /// First night it exists.
    pub opens_on: NaiveDate,
    /// First night it no longer exists (exclusive).
    pub closes_on: Option<NaiveDate>,
    /// For a seasonal bed, the season's nights `[from, until)`.
    pub season: Option<(NaiveDate, NaiveDate)>,
}

/// A bed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bed {
    /// Identifier.
    pub id: Uuid,
    /// Its facility.
    pub facility_id: Uuid,
    /// What describes it.
    pub content: BedContent,
    /// Optimistic-lock version.
    pub version: i64,
}

impl Bed {
    /// Its calendar, with its out-of-service periods and its facility's opening.
    pub fn calendar(&self, facility: &Nights, out_of_service: Vec<Nights>) -> BedCalendar {
        let from = self.content.opens_on.max(facility.from);
        let until = match (self.content.closes_on, facility.until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        BedCalendar {
            capacity: self.content.capacity,
            exists: Nights::new(from, until),
            season: self
                .content
                .season
                .map(|(from, until)| Nights::new(from, Some(until))),
            out_of_service,
        }
    }
}

/// Checks the description of a bed: a closure after the opening, a season that is a period
/// of at most a year, a capacity of 1 to [`MAX_BED_CAPACITY`], and, in a facility that takes
/// one sex only, no bed reserved to the other.
pub fn check_bed(content: &BedContent, facility_takes: Takes) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if content.capacity == 0 || content.capacity > MAX_BED_CAPACITY {
        errors.push(FieldError::new("capacity", "must be between 1 and 12"));
    }
    if let Some(closes) = content.closes_on
        && closes <= content.opens_on
    {
        errors.push(FieldError::new("closes_on", "must be after `opens_on`"));
    }
    if let Some((from, until)) = content.season {
        if until <= from {
            errors.push(FieldError::new(
                "season_until",
                "must be after `season_from`",
            ));
        } else if (until - from).num_days() > 366 {
            errors.push(FieldError::new(
                "season_until",
                "a season lasts at most 366 nights",
            ));
        }
    }
    let clash = matches!(
        (facility_takes, content.takes),
        (Takes::Men, Some(Takes::Women)) | (Takes::Women, Some(Takes::Men))
    );
    if clash {
        errors.push(FieldError::new(
            "takes",
            "the facility takes the other sex only",
        ));
    }
    errors.into_result(())
}

/// Checks a facility's opening period.
pub fn check_facility_period(
    opens_on: NaiveDate,
    closes_on: Option<NaiveDate>,
) -> Result<(), String> {
    match closes_on {
        Some(closes) if closes <= opens_on => Err("must be after `opens_on`".into()),
        _ => Ok(()),
    }
}

/// A postcode (CAP): five digits.
pub fn parse_postcode(raw: &str) -> Result<String, String> {
    let value = raw.trim();
    if value.len() == 5 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_owned())
    } else {
        Err("must be five digits (CAP)".into())
    }
}

/// A placement in a bed: entry/exit, or a night booking of a night shelter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// Identifier.
    pub id: Uuid,
    /// The case file it belongs to.
    pub case_file_id: Uuid,
    /// The person placed.
    pub person_id: Uuid,
    /// The facility.
    pub facility_id: Uuid,
    /// The bed.
    pub bed_id: Uuid,
    /// How it is tracked.
    pub tracking: Tracking,
    /// Where it stands.
    pub status: PlacementStatus,
    /// The nights booked `[from, until)`.
    pub nights: Nights,
    /// The day the person arrived.
    pub started_on: Option<NaiveDate>,
    /// The day the person left.
    pub ended_on: Option<NaiveDate>,
    /// Where the person went.
    pub exit_destination: Option<ExitDestination>,
    /// Notes on the exit.
    pub exit_notes: Option<String>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// Why a coordinator placed the person against the facility's rules.
    pub override_reason: Option<String>,
    /// Optimistic-lock version.
    pub version: i64,
    /// When it was recorded, and by whom.
    pub created_at: DateTime<Utc>,
    /// Who recorded it.
    pub created_by: Uuid,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// The tracking code stored and shown.
impl Tracking {
    /// The code.
    pub fn as_str(self) -> &'static str {
        match self {
            Tracking::NightByNight => "night_by_night",
            Tracking::EntryExit => "entry_exit",
        }
    }

    /// The tracking of a code.
    pub fn parse(code: &str) -> Option<Self> {
        [Tracking::NightByNight, Tracking::EntryExit]
            .into_iter()
            .find(|t| t.as_str() == code)
    }
}

/// Checks the nights asked for a new placement on `today`: at least one, at most
/// [`MAX_STAY_NIGHTS`], not starting more than a year back nor more than a year ahead.
pub fn check_new_stay(
    from: NaiveDate,
    until: NaiveDate,
    today: NaiveDate,
) -> Result<Nights, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if (today - from).num_days() > 366 {
        errors.push(FieldError::new("from", "must be at most a year ago"));
    }
    if (from - today).num_days() > 366 {
        errors.push(FieldError::new("from", "must be at most a year ahead"));
    }
    let nights = match stay_nights(from, until) {
        Ok(n) => Some(n),
        Err(e) => {
            errors.push(FieldError::new("until", e.to_string()));
            None
        }
    };
    match (nights, errors.is_empty()) {
        (Some(n), true) => Ok(n),
        _ => Err(errors),
    }
}

/// The nights a placement gains when its stay is extended to `until`: after its current end,
/// at most [`MAX_STAY_NIGHTS`] after its first night.
pub fn check_extension(placement: &Placement, until: NaiveDate) -> Result<Nights, String> {
    let current = placement.nights.until.unwrap_or(placement.nights.from);
    if until <= current {
        return Err(format!("must be after the current end, {current}"));
    }
    if (until - placement.nights.from).num_days() > MAX_STAY_NIGHTS {
        return Err("a stay is booked for at most 731 nights at a time".into());
    }
    Ok(Nights::new(current, Some(until)))
}

/// Why a placement's remaining nights cannot move to another bed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    /// Only a planned or active placement has nights ahead to move.
    #[error("a {0} placement does not move; place the person again")]
    Status(&'static str),
    /// The first night moved is not one of the placement's nights still ahead.
    #[error("{0}")]
    Night(String),
}

/// The nights of `placement` that move to another bed from the night `from` on `today`: its
/// nights from `from` to its end. `from` is a night of the placement, tonight or later (the
/// nights already slept stay where they were).
pub fn check_move(
    placement: &Placement,
    from: NaiveDate,
    today: NaiveDate,
) -> Result<Nights, MoveError> {
    if !matches!(
        placement.status,
        PlacementStatus::Planned | PlacementStatus::Active
    ) {
        return Err(MoveError::Status(placement.status.as_str()));
    }
    let until = placement.nights.until.unwrap_or(placement.nights.from);
    if from < today {
        return Err(MoveError::Night(
            "must not be before tonight: the nights already slept stay where they were".into(),
        ));
    }
    if from < placement.nights.from {
        return Err(MoveError::Night(format!(
            "must not be before the first night of the placement, {}",
            placement.nights.from
        )));
    }
    if from >= until {
        return Err(MoveError::Night(format!(
            "must be before the end of the stay, {until}"
        )));
    }
    Ok(Nights::new(from, Some(until)))
}

/// Checks the day of a transition of `placement` on `today`: not in the future; a start on or
/// after the first night; an end on or after the start.
pub fn check_transition_day(
    placement: &Placement,
    transition: PlacementTransition,
    on: NaiveDate,
    today: NaiveDate,
) -> Result<(), String> {
    if on > today {
        return Err(crate::dates::IN_THE_FUTURE.into());
    }
    match transition {
        PlacementTransition::Start if on < placement.nights.from => {
            Err("must not be before the first night of the placement".into())
        }
        PlacementTransition::End if placement.started_on.is_some_and(|s| on < s) => {
            Err("must not be before the day the person arrived".into())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(n: i64) -> NaiveDate {
        plus_days(
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            u64::try_from(n).unwrap(),
        )
    }

    fn bed(capacity: u16) -> BedCalendar {
        BedCalendar {
            capacity,
            exists: Nights::new(day(0), None),
            season: None,
            out_of_service: Vec::new(),
        }
    }

    #[test]
    fn a_stay_covers_the_nights_before_its_end() {
        let stay = stay_nights(day(3), day(5)).unwrap();
        assert_eq!(stay.each().collect::<Vec<_>>(), [day(3), day(4)]);
        assert_eq!(stay.count(), Some(2));
        assert_eq!(stay_nights(day(3), day(3)), Err(StayError::Empty));
        assert_eq!(stay_nights(day(3), day(2)), Err(StayError::Empty));
        assert_eq!(stay_nights(day(0), day(732)), Err(StayError::TooLong));
        assert!(stay_nights(day(0), day(731)).is_ok());
        // Back to back stays share no night.
        let next = stay_nights(day(5), day(6)).unwrap();
        assert!(!stay.overlaps(&next));
        assert!(stay.overlaps(&Nights::new(day(4), None)));
    }

    #[test]
    fn seasons_out_of_service_and_closure_take_the_places_away() {
        let mut winter = bed(2);
        winter.season = Some(Nights::new(day(10), Some(day(20))));
        winter.out_of_service = vec![Nights::new(day(12), Some(day(14)))];
        winter.exists = Nights::new(day(0), Some(day(19)));
        let places: Vec<u16> = (8..22).map(|n| winter.places_on(day(n))).collect();
        assert_eq!(places, [0, 0, 2, 2, 0, 0, 2, 2, 2, 2, 2, 0, 0, 0]);
        let stay = stay_nights(day(10), day(13)).unwrap();
        assert_eq!(winter.first_full_night(&stay, |_| 0), Some(day(12)));
        let stay = stay_nights(day(10), day(12)).unwrap();
        assert_eq!(winter.first_full_night(&stay, |_| 1), None);
        assert_eq!(
            winter.first_full_night(&stay, |n| if n == day(11) { 2 } else { 0 }),
            Some(day(11))
        );
    }

    #[test]
    fn a_change_that_would_strand_a_booking_names_its_first_night() {
        let mut shrunk = bed(1);
        shrunk.out_of_service = vec![Nights::new(day(12), Some(day(13)))];
        // Booked: two on day 11 (the bed had two places), one on day 12 (now out of service).
        let held = [(day(12), 1), (day(11), 2), (day(10), 1)];
        assert_eq!(
            shrunk.first_overfull(held),
            Some(Overfull {
                night: day(11),
                held: 2,
                offered: 1
            })
        );
        assert_eq!(
            shrunk
                .first_overfull([(day(12), 1)])
                .map(|o| (o.night, o.offered)),
            Some((day(12), 0))
        );
        assert_eq!(shrunk.first_overfull([(day(10), 1), (day(13), 1)]), None);
        assert_eq!(bed(2).first_overfull([(day(11), 2)]), None);
    }

    #[test]
    fn a_move_takes_the_nights_still_ahead() {
        let placement = Placement {
            id: Uuid::nil(),
            case_file_id: Uuid::nil(),
            person_id: Uuid::nil(),
            facility_id: Uuid::nil(),
            bed_id: Uuid::nil(),
            tracking: Tracking::EntryExit,
            status: PlacementStatus::Active,
            nights: Nights::new(day(0), Some(day(10))),
            started_on: Some(day(0)),
            ended_on: None,
            exit_destination: None,
            exit_notes: None,
            cancel_reason: None,
            override_reason: None,
            version: 2,
            created_at: DateTime::<Utc>::MIN_UTC,
            created_by: Uuid::nil(),
            updated_at: DateTime::<Utc>::MIN_UTC,
        };
        assert_eq!(
            check_move(&placement, day(4), day(4)),
            Ok(Nights::new(day(4), Some(day(10))))
        );
        assert_eq!(
            check_move(&placement, day(9), day(4)),
            Ok(Nights::new(day(9), Some(day(10))))
        );
        assert!(matches!(
            check_move(&placement, day(3), day(4)),
            Err(MoveError::Night(_))
        ));
        assert!(matches!(
            check_move(&placement, day(10), day(4)),
            Err(MoveError::Night(_))
        ));
        let planned = Placement {
            status: PlacementStatus::Planned,
            nights: Nights::new(day(6), Some(day(8))),
            ..placement.clone()
        };
        assert!(matches!(
            check_move(&planned, day(5), day(4)),
            Err(MoveError::Night(_))
        ));
        assert!(check_move(&planned, day(6), day(4)).is_ok());
        let ended = Placement {
            status: PlacementStatus::Ended,
            ..placement
        };
        assert_eq!(
            check_move(&ended, day(4), day(4)),
            Err(MoveError::Status("ended"))
        );
    }

    #[test]
    fn eligibility_follows_the_facility_and_the_bed() {
        use TargetGroup::*;
        assert!(check_eligibility(Some(Sex::Male), &[Homeless], Takes::Men, &[], None).is_ok());
        assert_eq!(
            check_eligibility(Some(Sex::Female), &[Homeless], Takes::Men, &[], None),
            Err(EligibilityError::Gender("facility", "men"))
        );
        assert_eq!(
            check_eligibility(None, &[], Takes::Women, &[], None),
            Err(EligibilityError::UnknownSex("facility", "women"))
        );
        assert_eq!(
            check_eligibility(Some(Sex::Male), &[], Takes::Mixed, &[], Some(Takes::Women)),
            Err(EligibilityError::Gender("bed", "women"))
        );
        assert!(check_eligibility(None, &[Homeless], Takes::Mixed, &[Homeless], None).is_ok());
        assert!(matches!(
            check_eligibility(None, &[AdultInNeed], Takes::Families, &[Homeless], None),
            Err(EligibilityError::TargetGroup(_))
        ));
    }

    #[test]
    fn ending_keeps_the_nights_before_the_day_of_leaving() {
        let stay = stay_nights(day(3), day(10)).unwrap();
        assert_eq!(
            nights_kept(&stay, day(5)),
            Some(Nights::new(day(3), Some(day(5))))
        );
        assert_eq!(
            nights_kept(&stay, day(12)),
            Some(Nights::new(day(3), Some(day(10))))
        );
        assert_eq!(nights_kept(&stay, day(2)), None);
        assert_eq!(
            nights_kept(&stay, day(3)),
            Some(Nights::new(day(3), Some(day(3))))
        );
    }

    proptest! {
        /// Any sequence of transitions: the allowed list predicts success exactly, and ended or
        /// cancelled placements never move.
        #[test]
        fn placement_lifecycle_is_consistent(
            steps in prop::collection::vec(prop::sample::select(PlacementTransition::ALL.to_vec()), 0..8),
        ) {
            let mut status = PlacementStatus::Planned;
            for t in steps {
                let allowed = status.allowed_transitions();
                match apply_placement(status, t) {
                    Ok(next) => {
                        prop_assert!(allowed.contains(&t));
                        prop_assert_ne!(next, PlacementStatus::Planned);
                        status = next;
                    }
                    Err(e) => {
                        prop_assert!(!allowed.contains(&t));
                        prop_assert_eq!(e.from, status);
                    }
                }
            }
            if matches!(status, PlacementStatus::Ended | PlacementStatus::Cancelled) {
                prop_assert!(status.allowed_transitions().is_empty());
            }
        }

        /// Booking random stays one after the other, each only when `first_full_night` finds a
        /// place every night and taking the lowest free place: no night ever holds more than
        /// the bed offers, and no two stays share a place on a night.
        #[test]
        fn booked_stays_never_overfill_a_bed(
            capacity in 1u16..4,
            season in prop::option::of((0i64..30, 1i64..40)),
            repair in prop::option::of((0i64..40, 1i64..10)),
            stays in prop::collection::vec((0i64..60, 1i64..15), 1..40),
        ) {
            let mut calendar = bed(capacity);
            calendar.season = season.map(|(s, n)| Nights::new(day(s), Some(day(s + n))));
            calendar.out_of_service = repair
                .map(|(s, n)| vec![Nights::new(day(s), Some(day(s + n)))])
                .unwrap_or_default();
            let mut places: std::collections::BTreeMap<NaiveDate, Vec<u16>> = Default::default();
            for (from, n) in stays {
                let stay = stay_nights(day(from), day(from + n)).unwrap();
                let count = |night: NaiveDate| {
                    places.get(&night).map_or(0, |p| u16::try_from(p.len()).unwrap())
                };
                if calendar.first_full_night(&stay, count).is_some() {
                    continue;
                }
                for night in stay.each() {
                    let taken = places.entry(night).or_default();
                    let place = free_place(calendar.places_on(night), taken).unwrap();
                    taken.push(place);
                }
            }
            for (night, taken) in &places {
                prop_assert!(taken.len() <= usize::from(calendar.places_on(*night)));
                let mut distinct = taken.clone();
                distinct.sort_unstable();
                distinct.dedup();
                prop_assert_eq!(distinct.len(), taken.len());
                prop_assert!(taken.iter().all(|p| *p < capacity));
            }
        }
    }
}
