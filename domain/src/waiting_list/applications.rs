//! Applications (domande) of persons for a care resource: the inputs of each criterion with
//! their source and day, and the lifecycle `waiting` → `offered` → `admitted` | `declined`;
//! `withdrawn`; `suspended` ⇄ `waiting`; `expired` when not reconfirmed in time.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::criteria::{CriterionKind, InputValue, MAX_ISEE_CENTS};
use super::ranking::Protocol;
use crate::case_file::coded_enum;
use crate::error::{FieldError, ValidationErrors};

/// The status of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApplicationStatus {
    /// On the list, ranked.
    Waiting,
    /// A place is offered and held until the answer.
    Offered,
    /// Admitted to the resource (it holds a place until the person leaves).
    Admitted,
    /// The offer was declined.
    Declined,
    /// Withdrawn by the person.
    Withdrawn,
    /// Off the ranking for a while (e.g. a hospital stay); back to `waiting` when resumed.
    Suspended,
    /// Not reconfirmed in time.
    Expired,
}

coded_enum!(ApplicationStatus, "application status", {
    Waiting => "waiting",
    Offered => "offered",
    Admitted => "admitted",
    Declined => "declined",
    Withdrawn => "withdrawn",
    Suspended => "suspended",
    Expired => "expired",
});

impl ApplicationStatus {
    /// Whether the application is ranked (only `waiting` ones are).
    pub fn is_ranked(self) -> bool {
        self == ApplicationStatus::Waiting
    }

    /// Whether the application is still open (it may change and must be reconfirmed).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ApplicationStatus::Waiting | ApplicationStatus::Offered | ApplicationStatus::Suspended
        )
    }
}

/// A change of an application's status asked by the office (offers and admissions have their
/// own operations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApplicationTransition {
    /// The person withdraws it.
    Withdraw,
    /// Off the ranking for a while, with a reason.
    Suspend,
    /// Back on the ranking.
    Resume,
    /// The person confirms it is still needed: the reconfirmation period starts again.
    Reconfirm,
    /// Not reconfirmed in time: only once its reconfirmation day has passed.
    Expire,
}

coded_enum!(ApplicationTransition, "application transition", {
    Withdraw => "withdraw",
    Suspend => "suspend",
    Resume => "resume",
    Reconfirm => "reconfirm",
    Expire => "expire",
});

impl ApplicationStatus {
    /// The transitions allowed from this status.
    pub fn allowed_transitions(self) -> &'static [ApplicationTransition] {
        use ApplicationTransition::*;
        match self {
            ApplicationStatus::Waiting => &[Withdraw, Suspend, Reconfirm, Expire],
            ApplicationStatus::Suspended => &[Withdraw, Resume, Reconfirm, Expire],
            ApplicationStatus::Offered => &[Withdraw],
            _ => &[],
        }
    }
}

/// A transition not allowed from a status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {from} application cannot {transition}; allowed: {allowed}")]
pub struct ApplicationTransitionError {
    /// The current status.
    pub from: ApplicationStatus,
    /// What was asked.
    pub transition: ApplicationTransition,
    /// What is allowed.
    pub allowed: String,
}

/// The status a transition leads to from `from`.
pub fn apply_application(
    from: ApplicationStatus,
    transition: ApplicationTransition,
) -> Result<ApplicationStatus, ApplicationTransitionError> {
    use ApplicationTransition::*;
    if !from.allowed_transitions().contains(&transition) {
        return Err(ApplicationTransitionError {
            from,
            transition,
            allowed: crate::case_file::code_list(from.allowed_transitions()),
        });
    }
    Ok(match transition {
        Withdraw => ApplicationStatus::Withdrawn,
        Suspend => ApplicationStatus::Suspended,
        Resume => ApplicationStatus::Waiting,
        Reconfirm => from,
        Expire => ApplicationStatus::Expired,
    })
}

/// Checks the facts of a transition of `application` on `on` (its day) with the resource's
/// reconfirmation period: the day not in the future nor before the last confirmation; a reason
/// required to suspend; expiring only once the reconfirmation day has passed (on `on`).
pub fn check_application_change(
    application: &Application,
    transition: ApplicationTransition,
    on: NaiveDate,
    reason: Option<&str>,
    today: NaiveDate,
) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if on > today {
        errors.push(FieldError::new("occurred_on", crate::dates::IN_THE_FUTURE));
    } else if on < application.confirmed_on {
        errors.push(FieldError::new(
            "occurred_on",
            format!(
                "must not be before the last confirmation ({})",
                application.confirmed_on
            ),
        ));
    }
    if transition == ApplicationTransition::Suspend && reason.is_none() {
        errors.push(FieldError::new("reason", "is required to suspend"));
    }
    if transition == ApplicationTransition::Expire && on <= application.reconfirm_by {
        errors.push(FieldError::new(
            "occurred_on",
            format!(
                "the application may be reconfirmed until {}: it expires only after",
                application.reconfirm_by
            ),
        ));
    }
    errors.into_result(())
}

/// Where an input comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InputSource {
    /// Assessed by the social worker of the case.
    SocialWorkerAssessment,
    /// Declared by the applicant (autocertificazione).
    Declaration,
    /// The ISEE certificate (attestazione ISEE of the DSU).
    IseeCertificate,
    /// The person's health and disability data held by the office.
    HealthDisabilityData,
    /// The office's household records.
    HouseholdRecords,
}

coded_enum!(InputSource, "input source", {
    SocialWorkerAssessment => "social_worker_assessment",
    Declaration => "declaration",
    IseeCertificate => "isee_certificate",
    HealthDisabilityData => "health_disability_data",
    HouseholdRecords => "household_records",
});

/// The sources an input of `kind` may come from.
pub fn sources_of(kind: CriterionKind) -> &'static [InputSource] {
    use InputSource::*;
    match kind {
        CriterionKind::Urgency => &[SocialWorkerAssessment],
        CriterionKind::FamilySupport => &[SocialWorkerAssessment, Declaration],
        CriterionKind::DisabilitySeverity => &[HealthDisabilityData],
        CriterionKind::Isee => &[IseeCertificate, Declaration],
        CriterionKind::MinorsInHousehold => &[HouseholdRecords, Declaration],
        CriterionKind::MonthsOnList => &[],
    }
}

/// An input of an application as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The criterion it feeds.
    pub kind: CriterionKind,
    /// Its value.
    pub value: InputValue,
    /// Where it comes from.
    pub source: InputSource,
    /// The day it refers to (the assessment, the certificate, the declaration).
    pub as_of: NaiveDate,
    /// The DSU protocol of the ISEE certificate, when that is the source.
    pub reference: Option<String>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it.
    pub recorded_by: Uuid,
}

/// Checks an input before it is recorded: the criterion takes one; its value's shape (a level
/// of the kind, an ISEE up to the bound); a source the kind accepts; a day not in the future
/// and not before the application's submission minus a year (an older certificate says
/// nothing of today); the DSU protocol only for an ISEE certificate (and required there).
pub fn check_input(
    kind: CriterionKind,
    value: InputValue,
    source: InputSource,
    as_of: NaiveDate,
    reference: Option<&str>,
    submitted_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if !kind.takes_input() {
        errors.push(FieldError::new(
            "kind",
            "the months on the list come from the submission day",
        ));
        return Err(errors);
    }
    match (kind.levels(), value) {
        (Some(levels), InputValue::Level(l)) if usize::from(l) < levels.len() => {}
        (None, InputValue::Isee(None)) => {}
        (None, InputValue::Isee(Some(cents))) if cents <= MAX_ISEE_CENTS => {}
        _ => errors.push(FieldError::new(
            "value",
            format!("is not a value of `{kind}`"),
        )),
    }
    if !sources_of(kind).contains(&source) {
        let allowed: Vec<&str> = sources_of(kind).iter().map(|s| s.as_str()).collect();
        errors.push(FieldError::new(
            "source",
            format!("`{kind}` comes from {}", allowed.join(", ")),
        ));
    }
    if as_of > today {
        errors.push(FieldError::new("as_of", crate::dates::IN_THE_FUTURE));
    } else if (submitted_on - as_of).num_days() > 366 {
        errors.push(FieldError::new(
            "as_of",
            "must not be more than a year before the submission",
        ));
    }
    match (source, reference) {
        (InputSource::IseeCertificate, None) => errors.push(FieldError::new(
            "reference",
            "the DSU protocol of the ISEE certificate is required",
        )),
        (InputSource::IseeCertificate, Some(r)) if !is_dsu_protocol(r) => {
            errors.push(FieldError::new(
                "reference",
                "must be a DSU protocol such as INPS-ISEE-2026-12345678X-00",
            ));
        }
        (InputSource::IseeCertificate, Some(_)) | (_, None) => {}
        (_, Some(_)) => errors.push(FieldError::new(
            "reference",
            "is only for an ISEE certificate",
        )),
    }
    errors.into_result(())
}

/// Whether `text` looks like the protocol of a DSU (the declaration behind an ISEE):
/// `INPS-ISEE-YYYY-` then 8-10 digits, a letter and `-` two digits
/// (`INPS-ISEE-2026-12345678X-00`).
pub fn is_dsu_protocol(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("INPS-ISEE-") else {
        return false;
    };
    let parts: Vec<&str> = rest.split('-').collect();
    let [year, body, suffix] = parts.as_slice() else {
        return false;
    };
    let (digits, letter) = body.split_at(body.len().saturating_sub(1));
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && (8..=10).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && letter.len() == 1
        && letter.bytes().all(|b| b.is_ascii_uppercase())
        && suffix.len() == 2
        && suffix.bytes().all(|b| b.is_ascii_digit())
}

/// An application as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    /// Identifier.
    pub id: Uuid,
    /// Its protocol number.
    pub protocol: Protocol,
    /// The resource applied for.
    pub resource_id: Uuid,
    /// The case file it was made in.
    pub case_file_id: Uuid,
    /// The person applying.
    pub person_id: Uuid,
    /// When it was submitted (the first tie-breaker).
    pub submitted_at: DateTime<Utc>,
    /// The day it was submitted (Europe/Rome).
    pub submitted_on: NaiveDate,
    /// The last day it was confirmed (the submission, then each reconfirmation).
    pub confirmed_on: NaiveDate,
    /// The day by which it must be reconfirmed: the resource's period after `confirmed_on`, as
    /// it was when the application was confirmed.
    pub reconfirm_by: NaiveDate,
    /// Current status.
    pub status: ApplicationStatus,
    /// The current input of each criterion (the latest recorded).
    pub inputs: Vec<Input>,
    /// Optimistic-lock version.
    pub version: i64,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// Who recorded it.
    pub created_by: Uuid,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Application {
    /// Whether it is open and its reconfirmation day has passed on `today`.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status.is_open() && self.reconfirm_by < today
    }
}

/// Checks the submission day of an application: not in the future, not more than a year ago
/// (older paper applications are entered with their day, within a year).
pub fn check_submitted_on(submitted_on: NaiveDate, today: NaiveDate) -> Result<(), String> {
    if submitted_on > today {
        return Err(crate::dates::IN_THE_FUTURE.into());
    }
    if (today - submitted_on).num_days() > 366 {
        return Err("must not be more than a year ago".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn fields(r: Result<(), ValidationErrors>) -> Vec<String> {
        r.err()
            .map(|e| e.errors().iter().map(|f| f.field.clone()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn inputs_have_a_value_of_their_kind_a_source_and_a_day() {
        let (s, t) = (day(2026, 11, 2), day(2026, 12, 1));
        let ok = |kind, value, source, reference| {
            fields(check_input(kind, value, source, t, reference, s, t))
        };
        use CriterionKind::*;
        use InputSource::*;
        assert!(ok(Urgency, InputValue::Level(3), SocialWorkerAssessment, None).is_empty());
        assert_eq!(
            ok(Urgency, InputValue::Level(4), SocialWorkerAssessment, None),
            ["value"]
        );
        assert_eq!(
            ok(Urgency, InputValue::Level(1), Declaration, None),
            ["source"]
        );
        assert_eq!(
            ok(Isee, InputValue::Isee(Some(900_000)), IseeCertificate, None),
            ["reference"]
        );
        assert!(
            ok(
                Isee,
                InputValue::Isee(Some(900_000)),
                IseeCertificate,
                Some("INPS-ISEE-2026-12345678X-00")
            )
            .is_empty()
        );
        assert_eq!(
            ok(Isee, InputValue::Level(1), Declaration, Some("x")),
            ["value", "reference"]
        );
        assert_eq!(
            ok(DisabilitySeverity, InputValue::Level(2), Declaration, None),
            ["source"]
        );
        assert_eq!(
            fields(check_input(
                MonthsOnList,
                InputValue::Level(0),
                Declaration,
                t,
                None,
                s,
                t
            )),
            ["kind"]
        );
        assert_eq!(
            fields(check_input(
                Urgency,
                InputValue::Level(1),
                SocialWorkerAssessment,
                day(2026, 12, 2),
                None,
                s,
                t
            )),
            ["as_of"]
        );
        assert_eq!(
            fields(check_input(
                Urgency,
                InputValue::Level(1),
                SocialWorkerAssessment,
                day(2025, 10, 1),
                None,
                s,
                t
            )),
            ["as_of"]
        );
    }

    #[test]
    fn the_lifecycle_allows_what_each_status_can_do() {
        use ApplicationStatus as S;
        use ApplicationTransition as T;
        assert_eq!(apply_application(S::Waiting, T::Suspend), Ok(S::Suspended));
        assert_eq!(apply_application(S::Suspended, T::Resume), Ok(S::Waiting));
        assert_eq!(
            apply_application(S::Suspended, T::Reconfirm),
            Ok(S::Suspended)
        );
        assert_eq!(apply_application(S::Offered, T::Withdraw), Ok(S::Withdrawn));
        assert_eq!(apply_application(S::Waiting, T::Expire), Ok(S::Expired));
        assert!(apply_application(S::Waiting, T::Resume).is_err());
        assert!(apply_application(S::Offered, T::Suspend).is_err());
        for closed in [S::Admitted, S::Declined, S::Withdrawn, S::Expired] {
            for t in ApplicationTransition::ALL {
                assert!(apply_application(closed, t).is_err(), "{closed} {t}");
            }
        }
    }

    #[test]
    fn dsu_protocols_have_their_shape() {
        assert!(is_dsu_protocol("INPS-ISEE-2026-12345678X-00"));
        assert!(is_dsu_protocol("INPS-ISEE-2026-1234567890A-01"));
        for bad in [
            "INPS-ISEE-2026-1234567X-00",
            "INPS-ISEE-26-12345678X-00",
            "INPS-ISEE-2026-12345678x-00",
            "INPS-ISEE-2026-12345678X-0",
            "ISEE-2026-12345678X-00",
            "INPS-ISEE-2026-12345678X",
        ] {
            assert!(!is_dsu_protocol(bad), "{bad}");
        }
    }

    #[test]
    fn open_applications_are_reconfirmed_in_time() {
        let a = Application {
            id: Uuid::nil(),
            protocol: Protocol {
                year: 2026,
                number: 1,
            },
            resource_id: Uuid::nil(),
            case_file_id: Uuid::nil(),
            person_id: Uuid::nil(),
            submitted_at: DateTime::<Utc>::MIN_UTC,
            submitted_on: day(2025, 12, 1),
            confirmed_on: day(2025, 12, 1),
            reconfirm_by: crate::waiting_list::reconfirm_by(day(2025, 12, 1), 12),
            status: ApplicationStatus::Waiting,
            inputs: Vec::new(),
            version: 1,
            created_at: DateTime::<Utc>::MIN_UTC,
            created_by: Uuid::nil(),
            updated_at: DateTime::<Utc>::MIN_UTC,
        };
        assert_eq!(a.reconfirm_by, day(2026, 12, 1));
        assert!(!a.is_overdue(day(2026, 12, 1)));
        assert!(a.is_overdue(day(2026, 12, 2)));
        // Expiring only after the reconfirmation day; suspending with a reason.
        let expire = |on| {
            fields(check_application_change(
                &a,
                ApplicationTransition::Expire,
                on,
                None,
                day(2027, 1, 1),
            ))
        };
        assert_eq!(expire(day(2026, 12, 1)), ["occurred_on"]);
        assert!(expire(day(2026, 12, 2)).is_empty());
        assert_eq!(
            fields(check_application_change(
                &a,
                ApplicationTransition::Suspend,
                day(2026, 6, 1),
                None,
                day(2027, 1, 1)
            )),
            ["reason"]
        );
        assert_eq!(
            fields(check_application_change(
                &a,
                ApplicationTransition::Reconfirm,
                day(2025, 11, 30),
                None,
                day(2027, 1, 1)
            )),
            ["occurred_on"]
        );
        let admitted = Application {
            status: ApplicationStatus::Admitted,
            ..a
        };
        assert!(!admitted.is_overdue(day(2027, 6, 1)));
        assert!(check_submitted_on(day(2026, 12, 2), day(2026, 12, 1)).is_err());
        assert!(check_submitted_on(day(2025, 11, 30), day(2026, 12, 1)).is_ok());
        assert!(check_submitted_on(day(2025, 11, 29), day(2026, 12, 1)).is_err());
        assert!(check_submitted_on(day(2026, 1, 1), day(2026, 12, 1)).is_ok());
    }
}
