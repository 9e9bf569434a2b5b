//! Consents recorded in a case file: kinds, states over time, revocation.

use super::*;

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
