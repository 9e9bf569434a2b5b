//! The case file (cartella sociale): its lifecycle, reference, target groups, assessments,
//! diary, team, consents and referrals.
//!
//! A person is taken in charge (presa in carico) by opening a case file in an area. The file
//! moves `intake` → `active` ⇄ `suspended` → `closed`, and a closed file can be reopened (back to
//! `active`). Every rule here is a pure function: callers pass the current state and, where time
//! matters, `now` or `today`.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use crate::dates::check_not_future;
use crate::error::{FieldError, ValidationErrors};

mod opening;
mod staffing;

pub use opening::{check_opened_on, check_transition_day};
pub use staffing::{
    AssignmentRefusal, StaffFacts, case_manager_handover, case_manager_requirement,
    check_assignment_end, check_assignment_start, check_case_worker, check_sensitive_access_change,
};

/// Implements `ALL`, `as_str`, `Display` and `FromStr` for a fieldless enum from its code table.
///
/// The variants must be listed in declaration order.
macro_rules! coded_enum {
    ($ty:ident, $what:literal, { $($variant:ident => $code:literal),+ $(,)? }) => {
        impl $ty {
            #[doc = concat!("Every ", $what, ", in a stable order.")]
            pub const ALL: [$ty; [$($code),+].len()] = [$($ty::$variant),+];

            /// The code used in the API and in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $code,)+
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $ty::ALL
                    .into_iter()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| format!(concat!("unknown ", $what, " `{}`"), s))
            }
        }
    };
}

pub(crate) use coded_enum;

/// Formats codes as `` `a`, `b` ``, or `none` when there are none.
pub(crate) fn code_list<T: fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        return "none".to_owned();
    }
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Formats the exclusive end of a period: `until <date>` or `with no end date`.
fn until_text(until: &Option<NaiveDate>) -> String {
    match until {
        Some(date) => format!("until {date}"),
        None => "with no end date".to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------------------------

/// Where a case file stands in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CaseStatus {
    /// First access: the assessment is running, the person is not yet taken in charge.
    Intake,
    /// In carico: the office is working with the person.
    Active,
    /// Temporarily paused (e.g. hospital stay, detention, temporary absence).
    Suspended,
    /// Closed with a closing reason; it can be reopened.
    Closed,
}

coded_enum!(CaseStatus, "case status", {
    Intake => "intake",
    Active => "active",
    Suspended => "suspended",
    Closed => "closed",
});

/// A closed case file takes no new work (projects, pacts, assessments, referrals…) until it is
/// reopened; `to_do` says what was refused, e.g. "draw up new projects".
pub fn check_takes_new_work(status: CaseStatus, to_do: &str) -> Result<(), String> {
    if status == CaseStatus::Closed {
        Err(format!("the case file is closed: reopen it to {to_do}"))
    } else {
        Ok(())
    }
}

/// Whether a case file being opened waits for the area coordinator's confirmation of the taking
/// in charge before its case manager and team reach the person's special categories.
///
/// Opening a file must not by itself unlock what other areas recorded about the person
/// (health, ethnicity, legal status, justice): a social worker who opens a file for a person
/// another area has in charge (`in_charge_elsewhere`: a file not closed in another area) waits
/// for the coordinator of the file's area. A coordinator of that area opening it is that
/// confirmation; a person nobody else has in charge needs none.
pub fn needs_confirmation(in_charge_elsewhere: bool, opener_coordinates_area: bool) -> bool {
    in_charge_elsewhere && !opener_coordinates_area
}

/// A change of status requested on a case file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CaseTransition {
    /// `intake` → `active`: the person is taken in charge.
    Activate,
    /// `active` → `suspended`.
    Suspend,
    /// `suspended` → `active`.
    Resume,
    /// `intake` | `active` | `suspended` → `closed`; requires a closing reason.
    Close,
    /// `closed` → `active`.
    Reopen,
}

coded_enum!(CaseTransition, "case transition", {
    Activate => "activate",
    Suspend => "suspend",
    Resume => "resume",
    Close => "close",
    Reopen => "reopen",
});

impl CaseTransition {
    /// The status reached by applying this transition to `from`, if it is allowed.
    fn target(self, from: CaseStatus) -> Option<CaseStatus> {
        use CaseStatus as S;
        use CaseTransition as T;
        match (from, self) {
            (S::Intake, T::Activate) | (S::Suspended, T::Resume) | (S::Closed, T::Reopen) => {
                Some(S::Active)
            }
            (S::Active, T::Suspend) => Some(S::Suspended),
            (S::Intake | S::Active | S::Suspended, T::Close) => Some(S::Closed),
            _ => None,
        }
    }
}

impl CaseStatus {
    /// The transitions allowed from this status, in the order of [`CaseTransition::ALL`].
    pub fn allowed_transitions(self) -> Vec<CaseTransition> {
        CaseTransition::ALL
            .into_iter()
            .filter(|t| t.target(self).is_some())
            .collect()
    }
}

/// A transition that the case file lifecycle does not allow from the current status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot `{transition}` a case file in status `{from}`; allowed transitions: {}",
    code_list(.allowed)
)]
pub struct IllegalTransition {
    /// The current status of the case file.
    pub from: CaseStatus,
    /// The transition that was requested.
    pub transition: CaseTransition,
    /// The transitions allowed from `from`.
    pub allowed: Vec<CaseTransition>,
}

/// Applies `transition` to a case file in `status`, returning the new status.
pub fn apply(
    status: CaseStatus,
    transition: CaseTransition,
) -> Result<CaseStatus, IllegalTransition> {
    transition.target(status).ok_or_else(|| IllegalTransition {
        from: status,
        transition,
        allowed: status.allowed_transitions(),
    })
}

/// Why a case file is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClosingReason {
    /// The goals of the project were achieved.
    GoalsAchieved,
    /// The person moved to another municipality.
    MovedAway,
    /// The person is now followed by another service.
    TransferredToOtherService,
    /// The person died.
    Deceased,
    /// The person refused the services offered.
    RefusedServices,
    /// The person no longer meets the conditions to be taken in charge.
    NoLongerEligible,
    /// The office lost contact with the person.
    LostContact,
    /// The file duplicated another case file of the same person and was merged into it.
    MergedDuplicate,
    /// Another reason, explained in the reason text.
    Other,
}

coded_enum!(ClosingReason, "closing reason", {
    GoalsAchieved => "goals_achieved",
    MovedAway => "moved_away",
    TransferredToOtherService => "transferred_to_other_service",
    Deceased => "deceased",
    RefusedServices => "refused_services",
    NoLongerEligible => "no_longer_eligible",
    LostContact => "lost_contact",
    MergedDuplicate => "merged_duplicate",
    Other => "other",
});

/// Maximum length, in characters, of the reason text of a transition.
pub const TRANSITION_REASON_MAX_CHARS: usize = 2000;

/// Checks the data that accompanies a transition request, independently of the current status.
///
/// The reason text is mandatory for every transition (1 to [`TRANSITION_REASON_MAX_CHARS`]
/// characters after trimming; field `reason`). A closing reason is required to `close` and
/// refused for every other transition (field `closing_reason`).
pub fn check_transition_request(
    transition: CaseTransition,
    closing_reason: Option<ClosingReason>,
    reason_text: &str,
) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    match (transition, closing_reason) {
        (CaseTransition::Close, None) => errors.push(FieldError::new(
            "closing_reason",
            "a closing reason is required to close a case file",
        )),
        (CaseTransition::Close, Some(_)) | (_, None) => {}
        (other, Some(_)) => errors.push(FieldError::new(
            "closing_reason",
            format!(
                "a closing reason is allowed only when closing a case file, not with `{other}`"
            ),
        )),
    }
    let len = reason_text.trim().chars().count();
    if len == 0 {
        errors.push(FieldError::new(
            "reason",
            "a reason is required for every change of status",
        ));
    } else if len > TRANSITION_REASON_MAX_CHARS {
        errors.push(FieldError::new(
            "reason",
            format!("must be at most {TRANSITION_REASON_MAX_CHARS} characters long"),
        ));
    }
    errors.into_result(())
}

// ---------------------------------------------------------------------------------------------
// Reference
// ---------------------------------------------------------------------------------------------

/// The human-readable reference of a case file, `CS-YYYY-NNNNNN`: the year it was opened and a
/// sequence number unique within that year, zero-padded to six digits (e.g. `CS-2025-000042`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CaseReference {
    year: i32,
    sequence: u32,
    text: String,
}

impl CaseReference {
    /// First year a reference may carry.
    pub const MIN_YEAR: i32 = 2000;
    /// Last year a reference may carry.
    pub const MAX_YEAR: i32 = 2999;
    /// Highest sequence number within a year.
    pub const MAX_SEQUENCE: u32 = 999_999;

    /// Builds the reference of the `sequence`-th case file opened in `year`.
    pub fn new(year: i32, sequence: u32) -> Result<Self, String> {
        if !(Self::MIN_YEAR..=Self::MAX_YEAR).contains(&year) {
            return Err(format!(
                "the year must be between {} and {}, got {year}",
                Self::MIN_YEAR,
                Self::MAX_YEAR
            ));
        }
        if !(1..=Self::MAX_SEQUENCE).contains(&sequence) {
            return Err(format!(
                "the sequence number must be between 1 and {}, got {sequence}",
                Self::MAX_SEQUENCE
            ));
        }
        Ok(Self {
            year,
            sequence,
            text: format!("CS-{year:04}-{sequence:06}"),
        })
    }

    /// Parses a reference such as `CS-2025-000042`. Surrounding spaces are ignored and the
    /// prefix may be typed in lower case.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let invalid = || "must be a case reference such as CS-2025-000042".to_owned();
        let value = raw.trim();
        let mut parts = value.split('-');
        let (Some(prefix), Some(year), Some(sequence), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !prefix.eq_ignore_ascii_case("CS") || !digits(year, 4) || !digits(sequence, 6) {
            return Err(invalid());
        }
        let year: i32 = year.parse().map_err(|_| invalid())?;
        let sequence: u32 = sequence.parse().map_err(|_| invalid())?;
        Self::new(year, sequence)
    }

    /// The reference as text, `CS-YYYY-NNNNNN`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The year the case file was opened.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The sequence number within the year.
    pub fn sequence(&self) -> u32 {
        self.sequence
    }
}

impl fmt::Display for CaseReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for CaseReference {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

// ---------------------------------------------------------------------------------------------
// Target groups and assessments
// ---------------------------------------------------------------------------------------------

/// A group of people the office's projects are aimed at; a case file has one or more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetGroup {
    /// Adulto in difficoltà.
    AdultInNeed,
    /// Persona con disabilità.
    PersonWithDisability,
    /// Persona senza dimora.
    Homeless,
    /// Rom, Sinti e Caminanti.
    RomaSintiCaminanti,
    /// Titolare o richiedente protezione internazionale.
    InternationalProtection,
    /// Area penale (detention or alternative measures).
    PrisonArea,
    /// Beneficiario di una misura di sostegno al reddito (ADI, AUP, ...).
    IncomeSupportBeneficiary,
}

coded_enum!(TargetGroup, "target group", {
    AdultInNeed => "adult_in_need",
    PersonWithDisability => "person_with_disability",
    Homeless => "homeless",
    RomaSintiCaminanti => "roma_sinti_caminanti",
    InternationalProtection => "international_protection",
    PrisonArea => "prison_area",
    IncomeSupportBeneficiary => "income_support_beneficiary",
});

/// A domain of need scored by an assessment (valutazione del bisogno).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AssessmentDomain {
    /// Abitare.
    Housing,
    /// Reddito.
    Income,
    /// Lavoro.
    Employment,
    /// Salute.
    Health,
    /// Autonomia personale.
    Autonomy,
    /// Famiglia e relazioni.
    FamilyAndRelations,
    /// Situazione legale e documenti.
    LegalAndDocuments,
    /// Giustizia (prison area).
    Justice,
}

coded_enum!(AssessmentDomain, "assessment domain", {
    Housing => "housing",
    Income => "income",
    Employment => "employment",
    Health => "health",
    Autonomy => "autonomy",
    FamilyAndRelations => "family_and_relations",
    LegalAndDocuments => "legal_and_documents",
    Justice => "justice",
});

/// Number of assessment domains.
const DOMAIN_COUNT: usize = AssessmentDomain::ALL.len();

impl AssessmentDomain {
    /// Position of the domain in [`AssessmentDomain::ALL`].
    fn index(self) -> usize {
        self as usize
    }
}

/// The severity of a need in one domain: 0 (no problem) to 3 (severe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Severity(u8);

impl Severity {
    /// No problem in the domain.
    pub const MIN: Severity = Severity(0);
    /// Severe need in the domain.
    pub const MAX: Severity = Severity(3);

    /// Checks that `value` is between 0 and 3.
    pub fn new(value: u8) -> Result<Self, String> {
        if value > Self::MAX.0 {
            return Err(format!(
                "must be between {} and {}, got {value}",
                Self::MIN.0,
                Self::MAX.0
            ));
        }
        Ok(Self(value))
    }

    /// The severity as a number, 0 to 3.
    pub fn value(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The scores of one assessment: exactly one severity for every [`AssessmentDomain`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AssessmentScores {
    severities: [Severity; DOMAIN_COUNT],
}

impl AssessmentScores {
    /// Builds scores from typed values, one call of `severity` per domain.
    pub fn from_fn(mut severity: impl FnMut(AssessmentDomain) -> Severity) -> Self {
        Self {
            severities: AssessmentDomain::ALL.map(&mut severity),
        }
    }

    /// Parses `(domain code, severity)` pairs as a client sends them.
    ///
    /// Every domain must appear exactly once. An unknown domain, a domain given twice or a
    /// severity out of 0..=3 is reported under `scores/<index>` (the position of the pair);
    /// the domains that are missing are named in one error under `scores`.
    pub fn parse(pairs: &[(String, u8)]) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut seen_at: [Option<usize>; DOMAIN_COUNT] = [None; DOMAIN_COUNT];
        let mut severities = [Severity::MIN; DOMAIN_COUNT];
        for (i, (code, value)) in pairs.iter().enumerate() {
            let field = format!("scores/{i}");
            let Some(domain) = errors.collect(&field, code.parse::<AssessmentDomain>()) else {
                continue;
            };
            let slot = domain.index();
            if let Some(first) = seen_at[slot] {
                errors.push(FieldError::new(
                    field,
                    format!("the domain `{domain}` is already scored at scores/{first}"),
                ));
                continue;
            }
            seen_at[slot] = Some(i);
            match Severity::new(*value) {
                Ok(severity) => severities[slot] = severity,
                Err(detail) => errors.push(FieldError::new(
                    field,
                    format!("the severity of `{domain}` {detail}"),
                )),
            }
        }
        let missing: Vec<AssessmentDomain> = AssessmentDomain::ALL
            .into_iter()
            .filter(|d| seen_at[d.index()].is_none())
            .collect();
        if !missing.is_empty() {
            errors.push(FieldError::new(
                "scores",
                format!(
                    "every domain must be scored exactly once; missing: {}",
                    code_list(&missing)
                ),
            ));
        }
        errors.into_result(Self { severities })
    }

    /// The severity in `domain`.
    pub fn get(&self, domain: AssessmentDomain) -> Severity {
        self.severities[domain.index()]
    }

    /// Every domain with its severity, in the order of [`AssessmentDomain::ALL`].
    pub fn iter(&self) -> impl Iterator<Item = (AssessmentDomain, Severity)> + '_ {
        AssessmentDomain::ALL.into_iter().zip(self.severities)
    }

    /// The highest severity over all domains.
    pub fn max_severity(&self) -> Severity {
        self.severities
            .iter()
            .copied()
            .max()
            .unwrap_or(Severity::MIN)
    }
}

// ---------------------------------------------------------------------------------------------
// Diary
// ---------------------------------------------------------------------------------------------

/// The kind of a diary entry (diario sociale).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DiaryEntryKind {
    /// Colloquio.
    Interview,
    /// Visita domiciliare.
    HomeVisit,
    /// Telefonata.
    PhoneCall,
    /// Incontro (with the person, family or other services).
    Meeting,
    /// Riunione d'équipe.
    TeamMeeting,
    /// Nota.
    Note,
}

coded_enum!(DiaryEntryKind, "diary entry kind", {
    Interview => "interview",
    HomeVisit => "home_visit",
    PhoneCall => "phone_call",
    Meeting => "meeting",
    TeamMeeting => "team_meeting",
    Note => "note",
});

/// The text of a diary entry: 1 to 20,000 characters after trimming (leading and trailing
/// white space is removed, the rest is kept as written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiaryText(String);

impl DiaryText {
    /// Maximum length, in characters.
    pub const MAX_CHARS: usize = 20_000;

    /// Parses the text of a diary entry.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = raw.trim();
        let len = value.chars().count();
        if len == 0 {
            return Err("must not be empty".into());
        }
        if len > Self::MAX_CHARS {
            return Err(format!(
                "must be at most {} characters long",
                Self::MAX_CHARS
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How long, in hours, the author may edit a diary entry after writing it; afterwards the
/// entry is frozen and only a correcting entry may follow it.
pub const DIARY_EDIT_WINDOW_HOURS: i64 = 24;

/// Whether a diary entry created at `created_at` may still be edited at `now` (strictly less
/// than [`DIARY_EDIT_WINDOW_HOURS`] have passed).
pub fn diary_entry_editable(created_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - created_at < Duration::hours(DIARY_EDIT_WINDOW_HOURS)
}

/// How far in the future, in minutes, the time an event occurred may lie (clock skew between
/// the client and the server).
pub const OCCURRED_AT_MAX_FUTURE_MINUTES: i64 = 5;

/// Checks that the time a diary event occurred is not more than
/// [`OCCURRED_AT_MAX_FUTURE_MINUTES`] after `now`.
pub fn check_occurred_at(occurred_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), String> {
    if occurred_at > now + Duration::minutes(OCCURRED_AT_MAX_FUTURE_MINUTES) {
        return Err(format!(
            "must not be more than {OCCURRED_AT_MAX_FUTURE_MINUTES} minutes in the future"
        ));
    }
    Ok(())
}

/// Maximum length of an assessment's notes, in characters.
pub const ASSESSMENT_NOTES_MAX_CHARS: usize = 10_000;

/// Parses the free-text notes of an assessment: trimmed; empty means no notes; at most
/// [`ASSESSMENT_NOTES_MAX_CHARS`] characters.
pub fn parse_assessment_notes(raw: Option<&str>) -> Result<Option<String>, String> {
    let Some(value) = raw.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > ASSESSMENT_NOTES_MAX_CHARS {
        return Err(format!(
            "must be at most {ASSESSMENT_NOTES_MAX_CHARS} characters long"
        ));
    }
    Ok(Some(value.to_owned()))
}

/// Checks the day of an assessment: not in the future and not before the file was opened.
pub fn check_assessed_on(
    assessed_on: NaiveDate,
    opened_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), String> {
    check_not_future(assessed_on, today)?;
    if assessed_on < opened_on {
        return Err(format!(
            "must not be before the case file was opened ({opened_on})"
        ));
    }
    Ok(())
}

/// The version number the next assessment of a file gets, after the highest one recorded
/// (`None` when the file has none yet): versions are 1, 2, 3… per case file.
pub fn next_assessment_version(latest: Option<i32>) -> i32 {
    latest.map_or(1, |v| v.saturating_add(1))
}

/// Why a diary entry may not be edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiaryEditRefusal {
    /// Only the author edits an entry.
    NotAuthor,
    /// The edit window is over: the entry is frozen.
    WindowClosed,
}

impl fmt::Display for DiaryEditRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiaryEditRefusal::NotAuthor => f.write_str("only the author may edit a diary entry"),
            DiaryEditRefusal::WindowClosed => write!(
                f,
                "entries are never edited after {DIARY_EDIT_WINDOW_HOURS} hours: add a correcting entry"
            ),
        }
    }
}

/// Whether `editor` may edit an entry written by `author` at `created_at`: only the author,
/// and only within [`DIARY_EDIT_WINDOW_HOURS`].
pub fn check_diary_edit(
    author: Uuid,
    editor: Uuid,
    created_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DiaryEditRefusal> {
    if author != editor {
        return Err(DiaryEditRefusal::NotAuthor);
    }
    if !diary_entry_editable(created_at, now) {
        return Err(DiaryEditRefusal::WindowClosed);
    }
    Ok(())
}

#[cfg(test)]
mod casework_tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn notes_are_trimmed_optional_and_bounded() {
        assert_eq!(parse_assessment_notes(None), Ok(None));
        assert_eq!(parse_assessment_notes(Some("   ")), Ok(None));
        assert_eq!(
            parse_assessment_notes(Some("  casa  ")),
            Ok(Some("casa".into()))
        );
        let max = "à".repeat(ASSESSMENT_NOTES_MAX_CHARS);
        assert_eq!(parse_assessment_notes(Some(&max)), Ok(Some(max.clone())));
        assert!(parse_assessment_notes(Some(&format!("{max}x"))).is_err());
    }

    #[test]
    fn assessment_day_is_within_the_file_life_and_not_future() {
        let opened = day(2026, 3, 1);
        let today = day(2026, 11, 26);
        assert!(check_assessed_on(opened, opened, today).is_ok());
        assert!(check_assessed_on(today, opened, today).is_ok());
        assert!(check_assessed_on(day(2026, 2, 28), opened, today).is_err());
        assert!(check_assessed_on(day(2026, 11, 27), opened, today).is_err());
    }

    #[test]
    fn assessment_versions_count_from_one() {
        assert_eq!(next_assessment_version(None), 1);
        assert_eq!(next_assessment_version(Some(1)), 2);
        assert_eq!(next_assessment_version(Some(41)), 42);
    }

    #[test]
    fn only_the_author_edits_and_only_within_the_window() {
        let author = Uuid::now_v7();
        let other = Uuid::now_v7();
        let created = DateTime::parse_from_rfc3339("2026-11-26T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let soon = created + Duration::hours(DIARY_EDIT_WINDOW_HOURS) - Duration::seconds(1);
        let late = created + Duration::hours(DIARY_EDIT_WINDOW_HOURS);
        assert_eq!(check_diary_edit(author, author, created, soon), Ok(()));
        assert_eq!(
            check_diary_edit(author, author, created, late),
            Err(DiaryEditRefusal::WindowClosed)
        );
        assert_eq!(
            check_diary_edit(author, other, created, soon),
            Err(DiaryEditRefusal::NotAuthor)
        );
        assert!(
            DiaryEditRefusal::WindowClosed
                .to_string()
                .contains("add a correcting entry")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Team
// ---------------------------------------------------------------------------------------------

/// The role of a staff member in the team of a case file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TeamRole {
    /// The responsible social worker; one at a time per case file.
    CaseManager,
    /// Another social worker of the team.
    SocialWorker,
    /// Educatore professionale.
    Educator,
    /// Any other member of the team.
    Other,
}

coded_enum!(TeamRole, "team role", {
    CaseManager => "case_manager",
    SocialWorker => "social_worker",
    Educator => "educator",
    Other => "other",
});

/// Whether two periods share at least one day.
///
/// Each period includes its start (`from`) and excludes its end (`to`); `None` means
/// open-ended. An empty period (`to <= from`) overlaps nothing.
pub fn periods_overlap(
    a_from: NaiveDate,
    a_to: Option<NaiveDate>,
    b_from: NaiveDate,
    b_to: Option<NaiveDate>,
) -> bool {
    let a_nonempty = a_to.is_none_or(|to| to > a_from);
    let b_nonempty = b_to.is_none_or(|to| to > b_from);
    a_nonempty
        && b_nonempty
        && a_to.is_none_or(|to| b_from < to)
        && b_to.is_none_or(|to| a_from < to)
}

/// A staff member's place in the team of a case file over a period `[from, until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeamAssignment {
    /// The staff member.
    pub staff_id: Uuid,
    /// Their role in the team.
    pub role: TeamRole,
    /// First day of the assignment.
    pub from: NaiveDate,
    /// Day the assignment ended (exclusive); `None` while it is current.
    pub until: Option<NaiveDate>,
}

impl TeamAssignment {
    /// Whether the assignment holds on `date`.
    pub fn is_current_on(&self, date: NaiveDate) -> bool {
        self.from <= date && self.until.is_none_or(|until| date < until)
    }
}

/// Why a team assignment is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TeamRuleViolation {
    /// The period ends on or before the day it starts.
    #[error("the assignment must end after it starts ({from} to {until})")]
    EmptyPeriod {
        /// Requested first day.
        from: NaiveDate,
        /// Requested (exclusive) end.
        until: NaiveDate,
    },
    /// Another case manager is assigned over part of the period.
    #[error(
        "the case file already has a case manager ({staff_id}) from {from} {}",
        until_text(.until)
    )]
    CaseManagerOverlap {
        /// The case manager already assigned.
        staff_id: Uuid,
        /// First day of their assignment.
        from: NaiveDate,
        /// Exclusive end of their assignment.
        until: Option<NaiveDate>,
    },
    /// The same staff member is already in the team over part of the period.
    #[error(
        "the staff member is already in the team as `{role}` from {from} {}",
        until_text(.until)
    )]
    AlreadyInTeam {
        /// Their existing role.
        role: TeamRole,
        /// First day of the existing assignment.
        from: NaiveDate,
        /// Exclusive end of the existing assignment.
        until: Option<NaiveDate>,
    },
}

/// Checks a new (or changed) assignment against the other assignments of the same case file:
/// its period is not empty, there is at most one case manager on any day, and a staff member
/// holds at most one place in the team on any day.
///
/// When changing an assignment, pass the others in `existing`, not the one being changed.
pub fn check_team_assignment(
    existing: &[TeamAssignment],
    new: &TeamAssignment,
) -> Result<(), TeamRuleViolation> {
    if let Some(until) = new.until
        && until <= new.from
    {
        return Err(TeamRuleViolation::EmptyPeriod {
            from: new.from,
            until,
        });
    }
    let overlapping = existing
        .iter()
        .filter(|a| periods_overlap(a.from, a.until, new.from, new.until));
    for other in overlapping {
        if other.staff_id == new.staff_id {
            return Err(TeamRuleViolation::AlreadyInTeam {
                role: other.role,
                from: other.from,
                until: other.until,
            });
        }
        if new.role == TeamRole::CaseManager && other.role == TeamRole::CaseManager {
            return Err(TeamRuleViolation::CaseManagerOverlap {
                staff_id: other.staff_id,
                from: other.from,
                until: other.until,
            });
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Consents
// ---------------------------------------------------------------------------------------------

/// What a consent record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConsentKind {
    /// The person acknowledged the privacy notice (informativa), in a given version.
    PrivacyNotice,
    /// The person consents to sharing data with a named organisation for a purpose.
    DataSharing,
}

coded_enum!(ConsentKind, "consent kind", {
    PrivacyNotice => "privacy_notice",
    DataSharing => "data_sharing",
});

/// Whether a consent holds on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConsentState {
    /// Given, not expired, not revoked.
    Active,
    /// Past its last valid day.
    Expired,
    /// Revoked by the person (wins over expiry).
    Revoked,
    /// Given with a date that has not come yet.
    NotYetValid,
}

coded_enum!(ConsentState, "consent state", {
    Active => "active",
    Expired => "expired",
    Revoked => "revoked",
    NotYetValid => "not_yet_valid",
});

/// The state on `today` of a consent given on `given_on`.
///
/// `expires_on` is the last valid day; a revocation takes effect on `revoked_on` itself and
/// wins over expiry.
pub fn consent_state(
    given_on: NaiveDate,
    expires_on: Option<NaiveDate>,
    revoked_on: Option<NaiveDate>,
    today: NaiveDate,
) -> ConsentState {
    if revoked_on.is_some_and(|revoked| revoked <= today) {
        ConsentState::Revoked
    } else if today < given_on {
        ConsentState::NotYetValid
    } else if expires_on.is_some_and(|expires| expires < today) {
        ConsentState::Expired
    } else {
        ConsentState::Active
    }
}

/// Checks the dates of a consent: it cannot expire (field `expires_on`) nor be revoked (field
/// `revoked_on`) before it was given.
pub fn check_consent_dates(
    given_on: NaiveDate,
    expires_on: Option<NaiveDate>,
    revoked_on: Option<NaiveDate>,
) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if let Some(expires) = expires_on
        && expires < given_on
    {
        errors.push(FieldError::new(
            "expires_on",
            format!("must not be before the day the consent was given ({given_on})"),
        ));
    }
    if let Some(revoked) = revoked_on
        && revoked < given_on
    {
        errors.push(FieldError::new(
            "revoked_on",
            format!("must not be before the day the consent was given ({given_on})"),
        ));
    }
    errors.into_result(())
}

/// Checks the days of a new consent recorded on `today`: it was not given in the future (field
/// `given_on`) and does not expire before it was given (see [`check_consent_dates`]).
pub fn check_new_consent_dates(
    given_on: NaiveDate,
    expires_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    errors.collect("given_on", check_not_future(given_on, today));
    if let Err(more) = check_consent_dates(given_on, expires_on, None) {
        for error in more.errors() {
            errors.push(error.clone());
        }
    }
    errors.into_result(())
}

/// Why a consent may not be revoked as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevocationRefusal {
    /// A consent is revoked once: it already was, on this day (409).
    AlreadyRevoked(NaiveDate),
    /// The day of the revocation is in the future or before the consent was given (422).
    Invalid(ValidationErrors),
}

impl fmt::Display for RevocationRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RevocationRefusal::AlreadyRevoked(day) => {
                write!(f, "the consent was already revoked on {day}")
            }
            RevocationRefusal::Invalid(errors) => errors.fmt(f),
        }
    }
}

/// Checks the revocation of `consent` from `revoked_on`, asked on `today`: a consent is revoked
/// once; the day (field `revoked_on`) is not in the future nor before the consent was given.
pub fn check_revocation(
    consent: &Consent,
    revoked_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), RevocationRefusal> {
    if let Some(day) = consent.revoked_on {
        return Err(RevocationRefusal::AlreadyRevoked(day));
    }
    check_not_future(revoked_on, today).map_err(|detail| {
        RevocationRefusal::Invalid(ValidationErrors::single("revoked_on", detail))
    })?;
    check_consent_dates(consent.given_on, consent.expires_on, Some(revoked_on))
        .map_err(RevocationRefusal::Invalid)
}

// ---------------------------------------------------------------------------------------------
// Referrals
// ---------------------------------------------------------------------------------------------

/// Whether a referral leaves the office or arrives at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReferralDirection {
    /// Sent by the office to another service (invio).
    Outgoing,
    /// Received by the office from another service (segnalazione).
    Incoming,
}

coded_enum!(ReferralDirection, "referral direction", {
    Outgoing => "outgoing",
    Incoming => "incoming",
});

/// Where a referral stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReferralStatus {
    /// Sent, waiting for the receiving service's reply.
    Sent,
    /// Accepted by the receiving service.
    Accepted,
    /// Rejected by the receiving service.
    Rejected,
    /// Closed; no further change.
    Closed,
}

coded_enum!(ReferralStatus, "referral status", {
    Sent => "sent",
    Accepted => "accepted",
    Rejected => "rejected",
    Closed => "closed",
});

/// A change of status requested on a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReferralTransition {
    /// `sent` → `accepted`.
    Accept,
    /// `sent` → `rejected`.
    Reject,
    /// `accepted` | `rejected` → `closed`.
    Close,
}

coded_enum!(ReferralTransition, "referral transition", {
    Accept => "accept",
    Reject => "reject",
    Close => "close",
});

impl ReferralTransition {
    /// The status reached by applying this transition to `from`, if it is allowed.
    fn target(self, from: ReferralStatus) -> Option<ReferralStatus> {
        use ReferralStatus as S;
        use ReferralTransition as T;
        match (from, self) {
            (S::Sent, T::Accept) => Some(S::Accepted),
            (S::Sent, T::Reject) => Some(S::Rejected),
            (S::Accepted | S::Rejected, T::Close) => Some(S::Closed),
            _ => None,
        }
    }
}

impl ReferralStatus {
    /// The transitions allowed from this status, in the order of [`ReferralTransition::ALL`].
    pub fn allowed_transitions(self) -> Vec<ReferralTransition> {
        ReferralTransition::ALL
            .into_iter()
            .filter(|t| t.target(self).is_some())
            .collect()
    }
}

/// A transition that the referral lifecycle does not allow from the current status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot `{transition}` a referral in status `{from}`; allowed transitions: {}",
    code_list(.allowed)
)]
pub struct IllegalReferralTransition {
    /// The current status of the referral.
    pub from: ReferralStatus,
    /// The transition that was requested.
    pub transition: ReferralTransition,
    /// The transitions allowed from `from` (empty once closed).
    pub allowed: Vec<ReferralTransition>,
}

/// Applies `transition` to a referral in `status`, returning the new status.
pub fn apply_referral(
    status: ReferralStatus,
    transition: ReferralTransition,
) -> Result<ReferralStatus, IllegalReferralTransition> {
    transition
        .target(status)
        .ok_or_else(|| IllegalReferralTransition {
            from: status,
            transition,
            allowed: status.allowed_transitions(),
        })
}

/// The kind of service a referral is sent to or received from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExternalService {
    /// Centro per l'impiego.
    EmploymentCentre,
    /// Agenzia del Lavoro.
    LabourAgency,
    /// Centro di salute mentale (CSM).
    MentalHealthCentre,
    /// Servizio per le dipendenze (SerD).
    AddictionService,
    /// Ufficio di esecuzione penale esterna (UEPE).
    ProbationOffice,
    /// Distretto sanitario.
    HealthDistrict,
    /// Cooperativa sociale.
    Cooperative,
    /// Any other service, named in the referral.
    Other,
}

coded_enum!(ExternalService, "external service", {
    EmploymentCentre => "employment_centre",
    LabourAgency => "labour_agency",
    MentalHealthCentre => "mental_health_centre",
    AddictionService => "addiction_service",
    ProbationOffice => "probation_office",
    HealthDistrict => "health_district",
    Cooperative => "cooperative",
    Other => "other",
});

// ---------------------------------------------------------------------------------------------
// Consent and referral requests
// ---------------------------------------------------------------------------------------------

/// Maximum length, in characters, of the version of a privacy notice (e.g. `2026.1`).
pub const PRIVACY_NOTICE_VERSION_MAX_CHARS: usize = 50;
/// Maximum length, in characters, of the name of an organisation.
pub const ORGANISATION_MAX_CHARS: usize = 200;
/// Maximum length, in characters, of the purpose of a data-sharing consent.
pub const PURPOSE_MAX_CHARS: usize = 1000;
/// Maximum length, in characters, of the reason a consent was revoked.
pub const REVOCATION_REASON_MAX_CHARS: usize = 2000;
/// Maximum length, in characters, of the reason of a referral.
pub const REFERRAL_REASON_MAX_CHARS: usize = 4000;
/// Maximum length, in characters, of a referral's reply text or of a note on its closing.
pub const REPLY_TEXT_MAX_CHARS: usize = 4000;

/// Trims an optional text and checks its length; an empty text counts as absent. Errors go to
/// `field`.
fn trimmed_text(
    errors: &mut ValidationErrors,
    field: &str,
    raw: Option<&str>,
    max: usize,
) -> Option<String> {
    let value = raw.map(str::trim).filter(|v| !v.is_empty())?;
    if value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("must be at most {max} characters long"),
        ));
        return None;
    }
    Some(value.to_owned())
}

/// What a consent covers: the privacy notice version, or the organisation and purpose of a
/// data-sharing consent. Texts are trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentTerms {
    /// The kind of consent.
    pub kind: ConsentKind,
    /// The version of the privacy notice (only for `privacy_notice`).
    pub privacy_notice_version: Option<String>,
    /// The organisation data may be shared with (only for `data_sharing`).
    pub organisation: Option<String>,
    /// Why data is shared (only for `data_sharing`).
    pub purpose: Option<String>,
}

impl ConsentTerms {
    /// Checks the fields a kind of consent needs: a `privacy_notice` needs
    /// `privacy_notice_version` (at most [`PRIVACY_NOTICE_VERSION_MAX_CHARS`]) and takes no
    /// organisation or purpose; a `data_sharing` consent needs `organisation` (at most
    /// [`ORGANISATION_MAX_CHARS`]) and `purpose` (at most [`PURPOSE_MAX_CHARS`]) and takes no
    /// privacy notice version. Blank texts count as missing.
    pub fn parse(
        kind: ConsentKind,
        privacy_notice_version: Option<&str>,
        organisation: Option<&str>,
        purpose: Option<&str>,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let version = trimmed_text(
            &mut errors,
            "privacy_notice_version",
            privacy_notice_version,
            PRIVACY_NOTICE_VERSION_MAX_CHARS,
        );
        let organisation = trimmed_text(
            &mut errors,
            "organisation",
            organisation,
            ORGANISATION_MAX_CHARS,
        );
        let purpose = trimmed_text(&mut errors, "purpose", purpose, PURPOSE_MAX_CHARS);
        let (required, refused) = match kind {
            ConsentKind::PrivacyNotice => (
                vec![("privacy_notice_version", version.is_some())],
                vec![
                    ("organisation", organisation.is_some()),
                    ("purpose", purpose.is_some()),
                ],
            ),
            ConsentKind::DataSharing => (
                vec![
                    ("organisation", organisation.is_some()),
                    ("purpose", purpose.is_some()),
                ],
                vec![("privacy_notice_version", version.is_some())],
            ),
        };
        for (field, present) in required {
            if !present && !errors.errors().iter().any(|e| e.field == field) {
                errors.push(FieldError::new(
                    field,
                    format!("is required for a `{kind}` consent"),
                ));
            }
        }
        for (field, present) in refused {
            if present {
                errors.push(FieldError::new(
                    field,
                    format!("is not allowed for a `{kind}` consent"),
                ));
            }
        }
        errors.into_result(Self {
            kind,
            privacy_notice_version: version,
            organisation,
            purpose,
        })
    }
}

/// Checks the reason a consent is revoked: 1 to [`REVOCATION_REASON_MAX_CHARS`] characters
/// after trimming (field `reason`); returns it trimmed.
pub fn check_revocation_reason(raw: &str) -> Result<String, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    match trimmed_text(
        &mut errors,
        "reason",
        Some(raw),
        REVOCATION_REASON_MAX_CHARS,
    ) {
        Some(reason) => Ok(reason),
        None => {
            if errors.is_empty() {
                errors.push(FieldError::new(
                    "reason",
                    "a reason is required to revoke a consent",
                ));
            }
            Err(errors)
        }
    }
}

/// The organisation and reason of a new referral, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralDetails {
    /// The organisation the referral goes to or comes from (e.g. "Centro per l'impiego di
    /// Trento"): 1 to [`ORGANISATION_MAX_CHARS`] characters.
    pub organisation: String,
    /// Why: 1 to [`REFERRAL_REASON_MAX_CHARS`] characters.
    pub reason: String,
}

impl ReferralDetails {
    /// Checks the texts of a new referral (fields `organisation` and `reason`).
    pub fn parse(organisation: &str, reason: &str) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let org = trimmed_text(
            &mut errors,
            "organisation",
            Some(organisation),
            ORGANISATION_MAX_CHARS,
        );
        let why = trimmed_text(
            &mut errors,
            "reason",
            Some(reason),
            REFERRAL_REASON_MAX_CHARS,
        );
        for (field, value) in [("organisation", &org), ("reason", &why)] {
            if value.is_none() && !errors.errors().iter().any(|e| e.field == field) {
                errors.push(FieldError::new(field, "must not be empty"));
            }
        }
        match (org, why) {
            (Some(organisation), Some(reason)) if errors.is_empty() => Ok(Self {
                organisation,
                reason,
            }),
            _ => Err(errors),
        }
    }
}

/// Checks the text that goes with a referral transition, independently of the current status:
/// `accept` and `reject` need the receiving service's reply (field `reply_text`, 1 to
/// [`REPLY_TEXT_MAX_CHARS`] characters after trimming); for `close` the text is an optional
/// note. Returns the text trimmed (`None` when absent or blank).
pub fn check_referral_transition_request(
    transition: ReferralTransition,
    reply_text: Option<&str>,
) -> Result<Option<String>, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let text = trimmed_text(&mut errors, "reply_text", reply_text, REPLY_TEXT_MAX_CHARS);
    if text.is_none()
        && errors.is_empty()
        && matches!(
            transition,
            ReferralTransition::Accept | ReferralTransition::Reject
        )
    {
        errors.push(FieldError::new(
            "reply_text",
            format!("the reply of the service is required to `{transition}` a referral"),
        ));
    }
    errors.into_result(text)
}

/// What a legal transition changes on a referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralChange {
    /// Status before.
    pub from: ReferralStatus,
    /// Status after.
    pub to: ReferralStatus,
    /// Reply text after the change.
    pub reply_text: Option<String>,
    /// Reply day after the change.
    pub replied_on: Option<NaiveDate>,
    /// Closing day after the change.
    pub closed_on: Option<NaiveDate>,
}

/// Why a referral transition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferralChangeError {
    /// Not allowed from the current status (409 with the allowed transitions).
    #[error(transparent)]
    Illegal(#[from] IllegalReferralTransition),
    /// The day is in the future or before an earlier step of the referral (field
    /// `occurred_on`).
    #[error("{0}")]
    Date(String),
}

/// Applies `transition` on `occurred_on` to `referral`, on `today`: `accept` and `reject`
/// record the reply text and the reply day, `close` records the closing day. The day may not
/// be in the future, nor before the referral was sent or (to close) before the reply.
/// Legality is checked first.
pub fn change_referral(
    referral: &Referral,
    transition: ReferralTransition,
    occurred_on: NaiveDate,
    text: Option<String>,
    today: NaiveDate,
) -> Result<ReferralChange, ReferralChangeError> {
    let to = apply_referral(referral.status, transition)?;
    check_not_future(occurred_on, today).map_err(ReferralChangeError::Date)?;
    if occurred_on < referral.sent_on {
        return Err(ReferralChangeError::Date(format!(
            "must not be before the referral was sent ({})",
            referral.sent_on
        )));
    }
    let mut change = ReferralChange {
        from: referral.status,
        to,
        reply_text: referral.reply_text.clone(),
        replied_on: referral.replied_on,
        closed_on: referral.closed_on,
    };
    match transition {
        ReferralTransition::Accept | ReferralTransition::Reject => {
            change.reply_text = text;
            change.replied_on = Some(occurred_on);
        }
        ReferralTransition::Close => {
            if let Some(replied) = referral.replied_on
                && occurred_on < replied
            {
                return Err(ReferralChangeError::Date(format!(
                    "must not be before the reply ({replied})"
                )));
            }
            change.closed_on = Some(occurred_on);
        }
    }
    Ok(change)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_person_in_charge_elsewhere_waits_for_the_coordinator() {
        assert!(needs_confirmation(true, false));
        assert!(!needs_confirmation(true, true));
        assert!(!needs_confirmation(false, false));
        assert!(!needs_confirmation(false, true));
    }

    #[test]
    fn a_closed_file_takes_no_new_work() {
        assert_eq!(
            check_takes_new_work(CaseStatus::Closed, "draw up new projects"),
            Err("the case file is closed: reopen it to draw up new projects".into())
        );
        for open in [
            CaseStatus::Intake,
            CaseStatus::Active,
            CaseStatus::Suspended,
        ] {
            assert!(check_takes_new_work(open, "x").is_ok());
        }
    }
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn fields(errors: &ValidationErrors) -> Vec<&str> {
        errors.errors().iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn codes_round_trip_and_are_distinct() {
        fn check<T>(all: &[T])
        where
            T: Copy + PartialEq + fmt::Debug + fmt::Display + FromStr<Err = String>,
        {
            let mut seen = std::collections::BTreeSet::new();
            for v in all {
                let code = v.to_string();
                assert!(seen.insert(code.clone()), "duplicate code {code}");
                assert_eq!(code.parse::<T>(), Ok(*v));
            }
            assert!("nope".parse::<T>().is_err());
        }
        check(&CaseStatus::ALL);
        check(&CaseTransition::ALL);
        check(&ClosingReason::ALL);
        check(&TargetGroup::ALL);
        check(&AssessmentDomain::ALL);
        check(&DiaryEntryKind::ALL);
        check(&TeamRole::ALL);
        check(&ConsentKind::ALL);
        check(&ConsentState::ALL);
        check(&ReferralDirection::ALL);
        check(&ReferralStatus::ALL);
        check(&ReferralTransition::ALL);
        check(&ExternalService::ALL);
        assert_eq!(
            "Active".parse::<CaseStatus>(),
            Err("unknown case status `Active`".into())
        );
    }

    #[test]
    fn codes_are_the_documented_ones() {
        let codes = |v: Vec<&'static str>| v.join(",");
        assert_eq!(
            codes(CaseStatus::ALL.map(CaseStatus::as_str).to_vec()),
            "intake,active,suspended,closed"
        );
        assert_eq!(
            codes(ClosingReason::ALL.map(ClosingReason::as_str).to_vec()),
            "goals_achieved,moved_away,transferred_to_other_service,deceased,refused_services,\
             no_longer_eligible,lost_contact,merged_duplicate,other"
        );
        assert_eq!(
            codes(TargetGroup::ALL.map(TargetGroup::as_str).to_vec()),
            "adult_in_need,person_with_disability,homeless,roma_sinti_caminanti,\
             international_protection,prison_area,income_support_beneficiary"
        );
        assert_eq!(
            codes(ExternalService::ALL.map(ExternalService::as_str).to_vec()),
            "employment_centre,labour_agency,mental_health_centre,addiction_service,\
             probation_office,health_district,cooperative,other"
        );
        for (i, d) in AssessmentDomain::ALL.into_iter().enumerate() {
            assert_eq!(d.index(), i);
        }
    }

    /// The lifecycle written out by hand, independently of `CaseTransition::target`.
    fn expected_case(from: CaseStatus, t: CaseTransition) -> Option<CaseStatus> {
        use CaseStatus::*;
        use CaseTransition::*;
        let table = [
            (Intake, Activate, Active),
            (Intake, Close, Closed),
            (Active, Suspend, Suspended),
            (Active, Close, Closed),
            (Suspended, Resume, Active),
            (Suspended, Close, Closed),
            (Closed, Reopen, Active),
        ];
        table
            .into_iter()
            .find(|(f, tr, _)| *f == from && *tr == t)
            .map(|(_, _, to)| to)
    }

    #[test]
    fn allowed_transitions_per_status() {
        use CaseTransition::*;
        assert_eq!(
            CaseStatus::Intake.allowed_transitions(),
            vec![Activate, Close]
        );
        assert_eq!(
            CaseStatus::Active.allowed_transitions(),
            vec![Suspend, Close]
        );
        assert_eq!(
            CaseStatus::Suspended.allowed_transitions(),
            vec![Resume, Close]
        );
        assert_eq!(CaseStatus::Closed.allowed_transitions(), vec![Reopen]);
    }

    #[test]
    fn every_status_and_transition_pair() {
        let mut legal = 0;
        for from in CaseStatus::ALL {
            for t in CaseTransition::ALL {
                match (apply(from, t), expected_case(from, t)) {
                    (Ok(to), Some(expected)) => {
                        assert_eq!(to, expected, "{from} --{t}-->");
                        legal += 1;
                    }
                    (Err(e), None) => {
                        assert_eq!(
                            e,
                            IllegalTransition {
                                from,
                                transition: t,
                                allowed: from.allowed_transitions(),
                            }
                        );
                        assert!(!e.allowed.contains(&t));
                    }
                    (got, expected) => panic!("{from} --{t}-->: got {got:?}, want {expected:?}"),
                }
            }
        }
        assert_eq!(legal, 7);
    }

    #[test]
    fn illegal_transition_message_names_the_allowed_ones() {
        let e = apply(CaseStatus::Closed, CaseTransition::Suspend).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot `suspend` a case file in status `closed`; allowed transitions: `reopen`"
        );
        let e = apply(CaseStatus::Intake, CaseTransition::Resume).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot `resume` a case file in status `intake`; allowed transitions: \
             `activate`, `close`"
        );
    }

    #[test]
    fn closing_reason_is_required_to_close_and_refused_otherwise() {
        for t in CaseTransition::ALL {
            let with = check_transition_request(t, Some(ClosingReason::MovedAway), "ok");
            let without = check_transition_request(t, None, "ok");
            if t == CaseTransition::Close {
                assert_eq!(with, Ok(()));
                let e = without.unwrap_err();
                assert_eq!(fields(&e), ["closing_reason"]);
            } else {
                assert_eq!(without, Ok(()));
                let e = with.unwrap_err();
                assert_eq!(fields(&e), ["closing_reason"]);
                assert!(e.errors()[0].detail.contains(t.as_str()));
            }
        }
    }

    #[test]
    fn reason_text_is_mandatory_and_bounded() {
        let close = CaseTransition::Close;
        let e = check_transition_request(close, None, "  \n ").unwrap_err();
        assert_eq!(fields(&e), ["closing_reason", "reason"]);
        let e = check_transition_request(CaseTransition::Activate, None, "").unwrap_err();
        assert_eq!(fields(&e), ["reason"]);
        // 2000 multi-byte characters are fine, 2001 are not
        let max = "è".repeat(TRANSITION_REASON_MAX_CHARS);
        assert_eq!(
            check_transition_request(CaseTransition::Suspend, None, &format!("  {max}  ")),
            Ok(())
        );
        let e = check_transition_request(CaseTransition::Suspend, None, &format!("{max}x"))
            .unwrap_err();
        assert_eq!(fields(&e), ["reason"]);
    }

    #[test]
    fn reference_formats_and_parses() {
        let r = CaseReference::new(2025, 42).unwrap();
        assert_eq!(r.as_str(), "CS-2025-000042");
        assert_eq!(r.to_string(), "CS-2025-000042");
        assert_eq!((r.year(), r.sequence()), (2025, 42));
        assert_eq!(CaseReference::parse("CS-2025-000042"), Ok(r.clone()));
        assert_eq!(CaseReference::parse(" cs-2025-000042 "), Ok(r.clone()));
        assert_eq!("CS-2025-000042".parse::<CaseReference>(), Ok(r));
        assert_eq!(
            CaseReference::new(2999, 999_999).map(|r| r.to_string()),
            Ok("CS-2999-999999".into())
        );
        assert_eq!(
            CaseReference::new(2000, 1).map(|r| r.to_string()),
            Ok("CS-2000-000001".into())
        );
        let a = CaseReference::new(2024, 999_999).unwrap();
        let b = CaseReference::new(2025, 1).unwrap();
        assert!(a < b);
    }

    #[test]
    fn reference_rejects_invalid_values() {
        assert!(CaseReference::new(1999, 1).is_err());
        assert!(CaseReference::new(3000, 1).is_err());
        assert!(CaseReference::new(2025, 0).is_err());
        assert!(CaseReference::new(2025, 1_000_000).is_err());
        for bad in [
            "",
            "CS",
            "CS-2025",
            "CS-2025-42",
            "CS-2025-0000042",
            "CS-25-000042",
            "CS-2025-000000",
            "CS-1999-000001",
            "CS-2025-00004a",
            "CS-2025-+00042",
            "CS-+025-000042",
            "CX-2025-000042",
            "CS 2025 000042",
            "CS-2025-000042-1",
            "CS--2025-000042",
            "CS-２０２５-000042",
        ] {
            assert!(CaseReference::parse(bad).is_err(), "{bad} accepted");
        }
    }

    fn all_pairs(value: u8) -> Vec<(String, u8)> {
        AssessmentDomain::ALL
            .iter()
            .map(|d| (d.as_str().to_owned(), value))
            .collect()
    }

    #[test]
    fn assessment_scores_accept_every_domain_once() {
        let mut pairs = all_pairs(1);
        pairs.reverse();
        pairs[0].1 = 3; // justice
        pairs[7].1 = 0; // housing
        let scores = AssessmentScores::parse(&pairs).unwrap();
        assert_eq!(scores.get(AssessmentDomain::Justice).value(), 3);
        assert_eq!(scores.get(AssessmentDomain::Housing), Severity::MIN);
        assert_eq!(scores.get(AssessmentDomain::Health).value(), 1);
        assert_eq!(scores.max_severity(), Severity::MAX);
        assert_eq!(scores.iter().count(), 8);
        assert_eq!(
            scores.iter().next(),
            Some((AssessmentDomain::Housing, Severity::MIN))
        );
        let zero = AssessmentScores::from_fn(|_| Severity::MIN);
        assert_eq!(zero.max_severity(), Severity::MIN);
        assert_eq!(AssessmentScores::parse(&all_pairs(0)), Ok(zero));
    }

    #[test]
    fn assessment_scores_report_missing_domains() {
        let e = AssessmentScores::parse(&[]).unwrap_err();
        assert_eq!(fields(&e), ["scores"]);
        let mut pairs = all_pairs(2);
        pairs.retain(|(c, _)| c != "income" && c != "justice");
        let e = AssessmentScores::parse(&pairs).unwrap_err();
        assert_eq!(fields(&e), ["scores"]);
        assert_eq!(
            e.errors()[0].detail,
            "every domain must be scored exactly once; missing: `income`, `justice`"
        );
    }

    #[test]
    fn assessment_scores_report_unknown_duplicate_and_out_of_range_entries() {
        let mut pairs = all_pairs(2);
        pairs.push(("housing".into(), 1)); // 8: duplicate
        pairs.push(("weather".into(), 1)); // 9: unknown
        pairs[3].1 = 4; // health out of range
        let e = AssessmentScores::parse(&pairs).unwrap_err();
        assert_eq!(fields(&e), ["scores/3", "scores/8", "scores/9"]);
        assert!(e.errors()[0].detail.contains("health"));
        assert!(e.errors()[1].detail.contains("scores/0"));
        assert!(e.errors()[2].detail.contains("weather"));
    }

    #[test]
    fn severity_range() {
        for v in 0..=3 {
            assert_eq!(Severity::new(v).map(Severity::value), Ok(v));
        }
        assert!(Severity::new(4).is_err());
        assert!(Severity::new(255).is_err());
    }

    #[test]
    fn diary_text_counts_characters_after_trimming() {
        assert!(DiaryText::parse(" \n\t ").is_err());
        assert_eq!(
            DiaryText::parse("  Colloquio con la sig.ra  \n").map(|t| t.0),
            Ok("Colloquio con la sig.ra".into())
        );
        let max = "à".repeat(DiaryText::MAX_CHARS);
        assert!(DiaryText::parse(&max).is_ok());
        assert!(DiaryText::parse(&format!("{max}à")).is_err());
    }

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn diary_edit_window_is_strictly_24_hours() {
        let created = t0();
        assert!(diary_entry_editable(created, created));
        assert!(diary_entry_editable(
            created,
            created + Duration::hours(23) + Duration::minutes(59) + Duration::seconds(59)
        ));
        assert!(!diary_entry_editable(
            created,
            created + Duration::hours(24)
        ));
        assert!(!diary_entry_editable(created, created + Duration::days(30)));
    }

    #[test]
    fn occurred_at_may_be_at_most_five_minutes_ahead() {
        let now = t0();
        assert_eq!(check_occurred_at(now - Duration::days(400), now), Ok(()));
        assert_eq!(check_occurred_at(now + Duration::minutes(5), now), Ok(()));
        assert!(check_occurred_at(now + Duration::minutes(5) + Duration::seconds(1), now).is_err());
    }

    #[test]
    fn periods_overlap_with_exclusive_ends() {
        let (d1, d5, d10, d20) = (
            day(2025, 1, 1),
            day(2025, 1, 5),
            day(2025, 1, 10),
            day(2025, 1, 20),
        );
        assert!(periods_overlap(d1, Some(d10), d5, Some(d20)));
        assert!(periods_overlap(d5, Some(d20), d1, Some(d10)));
        assert!(!periods_overlap(d1, Some(d10), d10, Some(d20)));
        assert!(!periods_overlap(d10, None, d1, Some(d10)));
        assert!(periods_overlap(d1, None, d20, None));
        assert!(periods_overlap(d1, None, d5, Some(d10)));
        assert!(periods_overlap(d5, Some(d10), d1, None));
        assert!(!periods_overlap(d1, Some(d5), d10, None));
        // empty periods overlap nothing
        assert!(!periods_overlap(d5, Some(d5), d1, None));
        assert!(!periods_overlap(d1, None, d10, Some(d5)));
    }

    #[test]
    fn one_case_manager_at_a_time() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let existing = [
            TeamAssignment {
                staff_id: a,
                role: TeamRole::CaseManager,
                from: day(2025, 1, 1),
                until: Some(day(2025, 3, 1)),
            },
            TeamAssignment {
                staff_id: c,
                role: TeamRole::Educator,
                from: day(2025, 1, 1),
                until: None,
            },
        ];
        assert!(existing[0].is_current_on(day(2025, 2, 28)));
        assert!(!existing[0].is_current_on(day(2025, 3, 1)));
        let mut new = TeamAssignment {
            staff_id: b,
            role: TeamRole::CaseManager,
            from: day(2025, 2, 1),
            until: None,
        };
        assert_eq!(
            check_team_assignment(&existing, &new),
            Err(TeamRuleViolation::CaseManagerOverlap {
                staff_id: a,
                from: day(2025, 1, 1),
                until: Some(day(2025, 3, 1)),
            })
        );
        new.from = day(2025, 3, 1);
        assert_eq!(check_team_assignment(&existing, &new), Ok(()));
        new.role = TeamRole::SocialWorker;
        new.from = day(2025, 2, 1);
        assert_eq!(check_team_assignment(&existing, &new), Ok(()));
        new.staff_id = c;
        assert!(matches!(
            check_team_assignment(&existing, &new),
            Err(TeamRuleViolation::AlreadyInTeam {
                role: TeamRole::Educator,
                ..
            })
        ));
        new.until = Some(new.from);
        assert!(matches!(
            check_team_assignment(&existing, &new),
            Err(TeamRuleViolation::EmptyPeriod { .. })
        ));
        let message = TeamRuleViolation::CaseManagerOverlap {
            staff_id: a,
            from: day(2025, 1, 1),
            until: None,
        }
        .to_string();
        assert!(
            message.ends_with("from 2025-01-01 with no end date"),
            "{message}"
        );
    }

    #[test]
    fn consent_states() {
        let given = day(2025, 1, 10);
        let expires = Some(day(2025, 6, 30));
        let state = |revoked, today| consent_state(given, expires, revoked, today);
        assert_eq!(state(None, day(2025, 1, 9)), ConsentState::NotYetValid);
        assert_eq!(state(None, given), ConsentState::Active);
        assert_eq!(state(None, day(2025, 6, 30)), ConsentState::Active);
        assert_eq!(state(None, day(2025, 7, 1)), ConsentState::Expired);
        let revoked = Some(day(2025, 3, 1));
        assert_eq!(state(revoked, day(2025, 2, 28)), ConsentState::Active);
        assert_eq!(state(revoked, day(2025, 3, 1)), ConsentState::Revoked);
        // revoked wins over expired
        assert_eq!(state(revoked, day(2026, 1, 1)), ConsentState::Revoked);
        assert_eq!(
            consent_state(given, None, None, day(2099, 1, 1)),
            ConsentState::Active
        );
    }

    #[test]
    fn consent_dates_are_not_before_the_consent() {
        let given = day(2025, 1, 10);
        assert_eq!(check_consent_dates(given, None, None), Ok(()));
        assert_eq!(check_consent_dates(given, Some(given), Some(given)), Ok(()));
        let before = Some(day(2025, 1, 9));
        let e = check_consent_dates(given, before, before).unwrap_err();
        assert_eq!(fields(&e), ["expires_on", "revoked_on"]);
        let e = check_consent_dates(given, None, before).unwrap_err();
        assert_eq!(fields(&e), ["revoked_on"]);
    }

    #[test]
    fn referral_lifecycle_is_exhaustive() {
        use ReferralStatus::*;
        use ReferralTransition::*;
        let table = [
            (Sent, Accept, Accepted),
            (Sent, Reject, Rejected),
            (Accepted, Close, Closed),
            (Rejected, Close, Closed),
        ];
        for from in ReferralStatus::ALL {
            for t in ReferralTransition::ALL {
                let expected = table
                    .iter()
                    .find(|(f, tr, _)| *f == from && *tr == t)
                    .map(|(_, _, to)| *to);
                match expected {
                    Some(to) => assert_eq!(apply_referral(from, t), Ok(to)),
                    None => assert_eq!(
                        apply_referral(from, t),
                        Err(IllegalReferralTransition {
                            from,
                            transition: t,
                            allowed: from.allowed_transitions(),
                        })
                    ),
                }
            }
        }
        assert_eq!(Sent.allowed_transitions(), vec![Accept, Reject]);
        assert_eq!(Accepted.allowed_transitions(), vec![Close]);
        assert_eq!(Rejected.allowed_transitions(), vec![Close]);
        assert_eq!(Closed.allowed_transitions(), vec![]);
        assert_eq!(
            apply_referral(Closed, Accept).unwrap_err().to_string(),
            "cannot `accept` a referral in status `closed`; allowed transitions: none"
        );
    }

    proptest! {
        #[test]
        fn random_transition_sequences_stay_in_the_lifecycle(
            steps in proptest::collection::vec(proptest::sample::select(CaseTransition::ALL.to_vec()), 0..50)
        ) {
            let mut status = CaseStatus::Intake;
            for t in steps {
                match apply(status, t) {
                    Ok(next) => {
                        prop_assert!(status.allowed_transitions().contains(&t));
                        prop_assert_eq!(Some(next), expected_case(status, t));
                        status = next;
                    }
                    Err(e) => {
                        prop_assert_eq!(e.from, status);
                        prop_assert_eq!(e.transition, t);
                        prop_assert_eq!(&e.allowed, &status.allowed_transitions());
                        prop_assert!(!e.allowed.contains(&t));
                        prop_assert_eq!(expected_case(status, t), None);
                    }
                }
                prop_assert!(CaseStatus::ALL.contains(&status));
            }
        }

        #[test]
        fn reference_round_trips(year in 2000i32..=2999, sequence in 1u32..=999_999) {
            let r = CaseReference::new(year, sequence).unwrap();
            prop_assert_eq!(r.as_str().len(), 14);
            let parsed = CaseReference::parse(&r.to_string()).unwrap();
            prop_assert_eq!(parsed.year(), year);
            prop_assert_eq!(parsed.sequence(), sequence);
            prop_assert_eq!(parsed, r);
        }
    }
}

/// A stored case file with its bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFile {
    /// Identifier.
    pub id: Uuid,
    /// Human-readable reference, unique per year.
    pub reference: CaseReference,
    /// The person taken in charge.
    pub person_id: Uuid,
    /// The area that owns the file.
    pub area: crate::staff::Area,
    /// Current status.
    pub status: CaseStatus,
    /// Day the file was opened.
    pub opened_on: NaiveDate,
    /// Day the file was closed, while closed.
    pub closed_on: Option<NaiveDate>,
    /// Why it was closed, while closed.
    pub closing_reason: Option<ClosingReason>,
    /// Target groups, sorted.
    pub target_groups: Vec<TargetGroup>,
    /// Version (ETag).
    pub version: i64,
    /// Creation instant.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Creator.
    pub created_by: Uuid,
    /// Last change instant.
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// Author of the last change.
    pub updated_by: Uuid,
    /// When the taking in charge was confirmed (see [`needs_confirmation`]); `None` while the
    /// file waits for the area coordinator.
    pub confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Who confirmed it (the opener when no confirmation was needed).
    pub confirmed_by: Option<Uuid>,
}

/// A recorded lifecycle transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionRecord {
    /// Identifier.
    pub id: Uuid,
    /// The transition.
    pub transition: CaseTransition,
    /// Status before.
    pub from: CaseStatus,
    /// Status after.
    pub to: CaseStatus,
    /// Day it took effect.
    pub occurred_on: NaiveDate,
    /// Why.
    pub reason: String,
    /// Closing reason, for `close`.
    pub closing_reason: Option<ClosingReason>,
    /// Who recorded it.
    pub author_id: Uuid,
    /// When it was recorded.
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

/// A stored team assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMember {
    /// Identifier of the assignment.
    pub id: Uuid,
    /// The assignment.
    pub assignment: TeamAssignment,
    /// Who made it.
    pub assigned_by: Uuid,
    /// When it was recorded.
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    /// Whether the case manager granted this member the special categories of the person and
    /// the restricted diary entries (always false for the case manager, who has them anyway).
    pub sensitive_access: bool,
}

/// A recorded assessment: one version of the valutazione del bisogno of a case file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// Identifier.
    pub id: Uuid,
    /// The case file.
    pub case_file_id: Uuid,
    /// 1, 2, 3… per case file.
    pub version_number: i32,
    /// Day of the assessment.
    pub assessed_on: NaiveDate,
    /// Who assessed.
    pub author_id: Uuid,
    /// Free-text notes.
    pub notes: Option<String>,
    /// One severity per domain.
    pub scores: AssessmentScores,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

/// A recorded diary entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiaryEntry {
    /// Identifier.
    pub id: Uuid,
    /// The case file.
    pub case_file_id: Uuid,
    /// Kind of event.
    pub kind: DiaryEntryKind,
    /// When the event occurred.
    pub occurred_at: DateTime<Utc>,
    /// The text.
    pub text: DiaryText,
    /// Readable only by the author, the case manager and the area coordinators.
    pub restricted: bool,
    /// The entry of the same file this one corrects.
    pub corrects_entry_id: Option<Uuid>,
    /// Who wrote it.
    pub author_id: Uuid,
    /// Version (ETag).
    pub version: i64,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// Last edit.
    pub updated_at: DateTime<Utc>,
}

/// A stored consent of a case file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// Identifier.
    pub id: Uuid,
    /// The case file it belongs to.
    pub case_file_id: Uuid,
    /// What it covers.
    pub terms: ConsentTerms,
    /// Day it was given.
    pub given_on: NaiveDate,
    /// Last valid day, if it expires.
    pub expires_on: Option<NaiveDate>,
    /// Day it was revoked, if it was.
    pub revoked_on: Option<NaiveDate>,
    /// Why it was revoked.
    pub revocation_reason: Option<String>,
    /// Version (ETag).
    pub version: i64,
    /// Who recorded it.
    pub recorded_by: Uuid,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change.
    pub updated_by: Uuid,
}

impl Consent {
    /// The state of the consent on `today` (see [`consent_state`]).
    pub fn state_on(&self, today: NaiveDate) -> ConsentState {
        consent_state(self.given_on, self.expires_on, self.revoked_on, today)
    }
}

/// A stored referral to or from an external service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    /// Identifier.
    pub id: Uuid,
    /// The case file it belongs to.
    pub case_file_id: Uuid,
    /// Sent by the office or received by it.
    pub direction: ReferralDirection,
    /// The kind of service on the other side.
    pub service: ExternalService,
    /// The organisation and reason.
    pub details: ReferralDetails,
    /// Current status.
    pub status: ReferralStatus,
    /// Day it was sent (or received).
    pub sent_on: NaiveDate,
    /// The reply of the receiving service.
    pub reply_text: Option<String>,
    /// Day of the reply.
    pub replied_on: Option<NaiveDate>,
    /// Day it was closed.
    pub closed_on: Option<NaiveDate>,
    /// Version (ETag).
    pub version: i64,
    /// Who recorded it.
    pub created_by: Uuid,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change.
    pub updated_by: Uuid,
}

/// A recorded status change of a referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralEvent {
    /// Identifier.
    pub id: Uuid,
    /// The referral.
    pub referral_id: Uuid,
    /// The transition.
    pub transition: ReferralTransition,
    /// Status before.
    pub from: ReferralStatus,
    /// Status after.
    pub to: ReferralStatus,
    /// Day it happened.
    pub occurred_on: NaiveDate,
    /// The reply text (accept, reject) or closing note.
    pub note: Option<String>,
    /// Who recorded it.
    pub author_id: Uuid,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

#[cfg(test)]
mod consent_and_referral_tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn fields(errors: &ValidationErrors) -> Vec<&str> {
        errors.errors().iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn consent_terms_need_the_fields_of_their_kind() {
        let t =
            ConsentTerms::parse(ConsentKind::PrivacyNotice, Some(" 2026.1 "), None, None).unwrap();
        assert_eq!(t.privacy_notice_version.as_deref(), Some("2026.1"));
        let e = ConsentTerms::parse(ConsentKind::PrivacyNotice, Some("  "), Some("ASL"), None)
            .unwrap_err();
        assert_eq!(fields(&e), ["privacy_notice_version", "organisation"]);
        let t = ConsentTerms::parse(
            ConsentKind::DataSharing,
            None,
            Some("Centro per l'impiego di Trento"),
            Some("Employment path"),
        )
        .unwrap();
        assert_eq!(
            t.organisation.as_deref(),
            Some("Centro per l'impiego di Trento")
        );
        let e =
            ConsentTerms::parse(ConsentKind::DataSharing, Some("1"), None, Some("x")).unwrap_err();
        assert_eq!(fields(&e), ["organisation", "privacy_notice_version"]);
    }

    #[test]
    fn consent_terms_limit_lengths_in_characters() {
        let org = "à".repeat(ORGANISATION_MAX_CHARS);
        let purpose = "è".repeat(PURPOSE_MAX_CHARS);
        assert!(
            ConsentTerms::parse(ConsentKind::DataSharing, None, Some(&org), Some(&purpose)).is_ok()
        );
        let e = ConsentTerms::parse(
            ConsentKind::DataSharing,
            None,
            Some(&format!("{org}à")),
            Some(&format!("{purpose}è")),
        )
        .unwrap_err();
        // too long, not also "required"
        assert_eq!(fields(&e), ["organisation", "purpose"]);
        let v = "1".repeat(PRIVACY_NOTICE_VERSION_MAX_CHARS + 1);
        let e = ConsentTerms::parse(ConsentKind::PrivacyNotice, Some(&v), None, None).unwrap_err();
        assert_eq!(fields(&e), ["privacy_notice_version"]);
    }

    #[test]
    fn revocation_needs_a_reason() {
        assert_eq!(check_revocation_reason(" moved ").unwrap(), "moved");
        assert_eq!(
            fields(&check_revocation_reason(" ").unwrap_err()),
            ["reason"]
        );
        let long = "x".repeat(REVOCATION_REASON_MAX_CHARS + 1);
        assert_eq!(
            fields(&check_revocation_reason(&long).unwrap_err()),
            ["reason"]
        );
    }

    #[test]
    fn referral_details_are_required_and_bounded() {
        let d = ReferralDetails::parse(" CPI Trento ", " job search ").unwrap();
        assert_eq!(
            (d.organisation.as_str(), d.reason.as_str()),
            ("CPI Trento", "job search")
        );
        let e = ReferralDetails::parse("", " ").unwrap_err();
        assert_eq!(fields(&e), ["organisation", "reason"]);
        let e = ReferralDetails::parse(&"o".repeat(201), &"r".repeat(4001)).unwrap_err();
        assert_eq!(fields(&e), ["organisation", "reason"]);
        assert!(ReferralDetails::parse(&"o".repeat(200), &"r".repeat(4000)).is_ok());
    }

    #[test]
    fn replies_are_required_to_accept_and_reject() {
        use ReferralTransition::*;
        for t in [Accept, Reject] {
            assert_eq!(
                fields(&check_referral_transition_request(t, None).unwrap_err()),
                ["reply_text"]
            );
            assert_eq!(
                fields(&check_referral_transition_request(t, Some(" ")).unwrap_err()),
                ["reply_text"]
            );
            assert_eq!(
                check_referral_transition_request(t, Some(" ok ")),
                Ok(Some("ok".into()))
            );
        }
        assert_eq!(check_referral_transition_request(Close, None), Ok(None));
        assert_eq!(
            check_referral_transition_request(Close, Some("done")),
            Ok(Some("done".into()))
        );
        let long = "x".repeat(REPLY_TEXT_MAX_CHARS + 1);
        assert!(check_referral_transition_request(Close, Some(&long)).is_err());
    }

    fn referral(status: ReferralStatus) -> Referral {
        let t = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        Referral {
            id: Uuid::from_u128(1),
            case_file_id: Uuid::from_u128(2),
            direction: ReferralDirection::Outgoing,
            service: ExternalService::EmploymentCentre,
            details: ReferralDetails::parse("CPI", "work").unwrap(),
            status,
            sent_on: day(2026, 3, 1),
            reply_text: None,
            replied_on: None,
            closed_on: None,
            version: 1,
            created_by: Uuid::from_u128(3),
            created_at: t,
            updated_at: t,
            updated_by: Uuid::from_u128(3),
        }
    }

    #[test]
    fn changes_record_replies_and_closing_days() {
        let today = day(2026, 4, 1);
        let sent = referral(ReferralStatus::Sent);
        let c = change_referral(
            &sent,
            ReferralTransition::Accept,
            day(2026, 3, 10),
            Some("yes".into()),
            today,
        )
        .unwrap();
        assert_eq!(c.to, ReferralStatus::Accepted);
        assert_eq!(
            (c.reply_text.as_deref(), c.replied_on),
            (Some("yes"), Some(day(2026, 3, 10)))
        );
        assert_eq!(c.closed_on, None);
        let mut accepted = referral(ReferralStatus::Accepted);
        accepted.reply_text = Some("yes".into());
        accepted.replied_on = Some(day(2026, 3, 10));
        let c = change_referral(
            &accepted,
            ReferralTransition::Close,
            day(2026, 3, 10),
            Some("note".into()),
            today,
        )
        .unwrap();
        assert_eq!(c.to, ReferralStatus::Closed);
        assert_eq!(c.reply_text.as_deref(), Some("yes"));
        assert_eq!(c.closed_on, Some(day(2026, 3, 10)));
        assert!(matches!(
            change_referral(
                &accepted,
                ReferralTransition::Close,
                day(2026, 3, 9),
                None,
                today
            ),
            Err(ReferralChangeError::Date(_))
        ));
        assert!(matches!(
            change_referral(
                &sent,
                ReferralTransition::Reject,
                day(2026, 2, 28),
                Some("no".into()),
                today
            ),
            Err(ReferralChangeError::Date(_))
        ));
        assert!(matches!(
            change_referral(
                &sent,
                ReferralTransition::Reject,
                day(2026, 4, 2),
                Some("no".into()),
                today
            ),
            Err(ReferralChangeError::Date(_))
        ));
        // Legality first, even with a bad date.
        assert!(matches!(
            change_referral(&sent, ReferralTransition::Close, day(2030, 1, 1), None, today),
            Err(ReferralChangeError::Illegal(IllegalReferralTransition { allowed, .. }))
                if allowed == vec![ReferralTransition::Accept, ReferralTransition::Reject]
        ));
    }

    #[test]
    fn consent_state_on_a_day() {
        let t = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let consent = Consent {
            id: Uuid::from_u128(1),
            case_file_id: Uuid::from_u128(2),
            terms: ConsentTerms::parse(ConsentKind::PrivacyNotice, Some("1"), None, None).unwrap(),
            given_on: day(2026, 1, 1),
            expires_on: Some(day(2026, 1, 31)),
            revoked_on: None,
            revocation_reason: None,
            version: 1,
            recorded_by: Uuid::from_u128(3),
            created_at: t,
            updated_at: t,
            updated_by: Uuid::from_u128(3),
        };
        assert_eq!(consent.state_on(day(2026, 1, 31)), ConsentState::Active);
        assert_eq!(consent.state_on(day(2026, 2, 1)), ConsentState::Expired);
    }

    #[test]
    fn a_new_consent_is_not_given_in_the_future_nor_expires_before() {
        let today = day(2026, 5, 10);
        assert_eq!(check_new_consent_dates(today, None, today), Ok(()));
        assert_eq!(
            check_new_consent_dates(day(2026, 5, 1), Some(day(2026, 5, 1)), today),
            Ok(())
        );
        let e =
            check_new_consent_dates(day(2026, 5, 11), Some(day(2026, 5, 5)), today).unwrap_err();
        assert_eq!(fields(&e), ["given_on", "expires_on"]);
        assert_eq!(e.errors()[0].detail, crate::dates::IN_THE_FUTURE);
    }

    #[test]
    fn a_consent_is_revoked_once_from_a_day_between_giving_and_today() {
        let t = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let mut consent = Consent {
            id: Uuid::from_u128(1),
            case_file_id: Uuid::from_u128(2),
            terms: ConsentTerms::parse(ConsentKind::PrivacyNotice, Some("1"), None, None).unwrap(),
            given_on: day(2026, 2, 1),
            expires_on: None,
            revoked_on: None,
            revocation_reason: None,
            version: 1,
            recorded_by: Uuid::from_u128(3),
            created_at: t,
            updated_at: t,
            updated_by: Uuid::from_u128(3),
        };
        let today = day(2026, 3, 1);
        assert_eq!(check_revocation(&consent, day(2026, 2, 1), today), Ok(()));
        assert_eq!(check_revocation(&consent, today, today), Ok(()));
        for refused in [day(2026, 1, 31), day(2026, 3, 2)] {
            match check_revocation(&consent, refused, today) {
                Err(RevocationRefusal::Invalid(e)) => assert_eq!(fields(&e), ["revoked_on"]),
                other => panic!("{refused}: {other:?}"),
            }
        }
        consent.revoked_on = Some(day(2026, 2, 15));
        let refusal = check_revocation(&consent, today, today).unwrap_err();
        assert_eq!(refusal, RevocationRefusal::AlreadyRevoked(day(2026, 2, 15)));
        assert!(refusal.to_string().contains("2026-02-15"));
    }
}
