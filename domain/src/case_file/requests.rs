//! The contents of consent and referral requests: their terms, details, replies and changes.

use super::*;

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
