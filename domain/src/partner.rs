//! Partner systems: the organisations the office works with (the Centro per l'impiego, the
//! Agenzia del Lavoro, the Provincia, cooperatives…), the machine clients they run, the scopes
//! those clients hold, the public keys with which they sign their client assertions
//! (`private_key_jwt`, RFC 7523) and the rules on an assertion's lifetime.
//!
//! A machine client is never a staff member: it holds scopes, not roles, and a scope allows only
//! the partner operations listed in [`scope_permits`], never an action of the staff policy.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::access::Action;
use crate::case_file::{ExternalService, ReferralTransition, coded_enum};
use crate::error::{FieldError, ValidationErrors};

/// Maximum length, in characters, of an organisation's name.
pub const ORGANISATION_NAME_MAX_CHARS: usize = 200;
/// Maximum length, in characters, of a machine client's name.
pub const CLIENT_NAME_MAX_CHARS: usize = 100;
/// Maximum length of a key id (`kid`).
pub const KID_MAX_CHARS: usize = 100;
/// Maximum length of a public key as registered (PEM or JWK text).
pub const PUBLIC_KEY_MAX_CHARS: usize = 8000;
/// Maximum length of an assertion's `jti`.
pub const JTI_MAX_CHARS: usize = 200;
/// The longest lifetime (`exp` − `iat`) the office accepts for a client assertion, in seconds:
/// an assertion is made for one token request, not kept.
pub const MAX_ASSERTION_LIFETIME_SECS: i64 = 300;
/// Clock difference tolerated between the client and the office, in seconds.
pub const ASSERTION_LEEWAY_SECS: i64 = 30;

/// What kind of organisation a partner is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OrganisationKind {
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
    /// The Provincia (statistics, planning): receives no referrals.
    Province,
    /// Any other organisation.
    Other,
}

coded_enum!(OrganisationKind, "organisation kind", {
    EmploymentCentre => "employment_centre",
    LabourAgency => "labour_agency",
    MentalHealthCentre => "mental_health_centre",
    AddictionService => "addiction_service",
    ProbationOffice => "probation_office",
    HealthDistrict => "health_district",
    Cooperative => "cooperative",
    Province => "province",
    Other => "other",
});

impl OrganisationKind {
    /// The referral service an organisation of this kind receives referrals as; `None` for the
    /// Provincia, which receives none.
    pub fn referral_service(self) -> Option<ExternalService> {
        use OrganisationKind as K;
        Some(match self {
            K::EmploymentCentre => ExternalService::EmploymentCentre,
            K::LabourAgency => ExternalService::LabourAgency,
            K::MentalHealthCentre => ExternalService::MentalHealthCentre,
            K::AddictionService => ExternalService::AddictionService,
            K::ProbationOffice => ExternalService::ProbationOffice,
            K::HealthDistrict => ExternalService::HealthDistrict,
            K::Cooperative => ExternalService::Cooperative,
            K::Other => ExternalService::Other,
            K::Province => return None,
        })
    }
}

/// Why a referral cannot be addressed to a registered organisation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddresseeError {
    /// The organisation was deactivated.
    #[error("the organisation is no longer active")]
    Inactive,
    /// The organisation receives no referrals (the Provincia).
    #[error("an organisation of kind `{0}` receives no referrals")]
    ReceivesNone(OrganisationKind),
    /// The referral names another kind of service than the organisation's.
    #[error("the organisation is a `{kind}`, not a `{service}`")]
    OtherService {
        /// The organisation's kind.
        kind: OrganisationKind,
        /// The service the referral names.
        service: ExternalService,
    },
}

/// The service of a referral addressed to `organisation`: the one the request names, which
/// must be the organisation's, or the organisation's when the request names none.
pub fn referral_service_for(
    organisation: &PartnerOrganisation,
    requested: Option<ExternalService>,
) -> Result<ExternalService, AddresseeError> {
    if !organisation.active {
        return Err(AddresseeError::Inactive);
    }
    let service = organisation
        .kind
        .referral_service()
        .ok_or(AddresseeError::ReceivesNone(organisation.kind))?;
    match requested {
        Some(requested) if requested != service => Err(AddresseeError::OtherService {
            kind: organisation.kind,
            service: requested,
        }),
        _ => Ok(service),
    }
}

/// The service and organisation of a new referral: those of the registered `organisation` it
/// names (the service the request names, if any, must be its kind's, and the name it gives, if
/// any, must be the registered one), else the `service` and `name` the request gives, both
/// then required. Errors name the request's members: `service`, `organisation`,
/// `organisation_id`.
pub fn referral_addressee(
    organisation: Option<&PartnerOrganisation>,
    service: Option<ExternalService>,
    name: Option<&str>,
) -> Result<(ExternalService, String), ValidationErrors> {
    let Some(registered) = organisation else {
        return match (service, name) {
            (Some(service), Some(name)) => Ok((service, name.to_owned())),
            _ => {
                let mut errors = ValidationErrors::new();
                for (field, missing) in [
                    ("service", service.is_none()),
                    ("organisation", name.is_none()),
                ] {
                    if missing {
                        errors.push(FieldError::new(
                            field,
                            "is required unless `organisation_id` is given",
                        ));
                    }
                }
                Err(errors)
            }
        };
    };
    let service = referral_service_for(registered, service).map_err(|e| match e {
        AddresseeError::OtherService { .. } => ValidationErrors::single("service", e.to_string()),
        _ => ValidationErrors::single("organisation_id", e.to_string()),
    })?;
    if let Some(name) = name
        && name.trim() != registered.name
    {
        return Err(ValidationErrors::single(
            "organisation",
            format!(
                "the registered organisation is called `{}`; leave `organisation` out",
                registered.name
            ),
        ));
    }
    Ok((service, registered.name.clone()))
}

/// What a machine client may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Read and answer (accept, reject) the referrals addressed to the client's organisation.
    Referrals,
    /// Read the event feed and receive webhooks (ids only).
    Events,
    /// Read the pseudonymised indicators.
    Statistics,
}

coded_enum!(Scope, "scope", {
    Referrals => "referrals",
    Events => "events",
    Statistics => "statistics",
});

/// Whether a machine client holding `scopes` may perform `action`. No scope allows an action of
/// the staff policy: a client never reads a person, a case file or a diary.
pub fn scope_permits(scopes: &BTreeSet<Scope>, action: Action) -> bool {
    match action {
        Action::AnswerAddressedReferrals => scopes.contains(&Scope::Referrals),
        Action::ReadEvents => scopes.contains(&Scope::Events),
        Action::ReadStatistics => scopes.contains(&Scope::Statistics),
        _ => false,
    }
}

/// The OAuth 2.0 text of a set of scopes: the codes in the order of [`Scope::ALL`], separated
/// by one space.
pub fn scope_text(scopes: &BTreeSet<Scope>) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses the OAuth 2.0 text of a set of scopes (codes separated by spaces).
pub fn parse_scope_text(text: &str) -> Result<BTreeSet<Scope>, String> {
    text.split(' ')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<Scope>().map_err(|e| e.to_string()))
        .collect()
}

/// The scopes a token request may obtain: those it asks for (all the client holds when it asks
/// for none), each of which the client must hold.
pub fn granted_scopes(
    held: &BTreeSet<Scope>,
    requested: Option<&str>,
) -> Result<BTreeSet<Scope>, String> {
    let Some(requested) = requested.filter(|r| !r.trim().is_empty()) else {
        return Ok(held.clone());
    };
    let asked = parse_scope_text(requested)?;
    match asked.iter().find(|s| !held.contains(s)) {
        Some(missing) => Err(format!("the client does not hold the scope `{missing}`")),
        None => Ok(asked),
    }
}

/// Whether a machine client may apply `transition` to a referral addressed to its organisation:
/// it answers (`accept`, `reject`); closing is the office's.
pub fn client_may_apply(transition: ReferralTransition) -> bool {
    matches!(
        transition,
        ReferralTransition::Accept | ReferralTransition::Reject
    )
}

/// An algorithm a client may sign its assertions with (RFC 7518 names). HMAC is not offered: no
/// shared secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PSS with SHA-256.
    Ps256,
    /// ECDSA on P-256 with SHA-256.
    Es256,
    /// Ed25519.
    EdDsa,
}

coded_enum!(KeyAlgorithm, "key algorithm", {
    Rs256 => "RS256",
    Ps256 => "PS256",
    Es256 => "ES256",
    EdDsa => "EdDSA",
});

/// How a public key is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyFormat {
    /// A PEM `PUBLIC KEY` (SubjectPublicKeyInfo) block.
    Pem,
    /// A JSON Web Key (RFC 7517) with the public members only.
    Jwk,
}

coded_enum!(KeyFormat, "key format", {
    Pem => "pem",
    Jwk => "jwk",
});

/// A partner organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerOrganisation {
    /// Identifier.
    pub id: Uuid,
    /// Its name, as referrals show it.
    pub name: String,
    /// What it is.
    pub kind: OrganisationKind,
    /// Whether it still receives referrals and its clients may call.
    pub active: bool,
    /// Version (ETag).
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Who registered it.
    pub created_by: Uuid,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change.
    pub updated_by: Uuid,
}

/// A machine client of a partner organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineClient {
    /// Identifier: the `client_id`, also the `iss` and `sub` of its assertions.
    pub id: Uuid,
    /// The organisation it acts for.
    pub organisation_id: Uuid,
    /// Its name (e.g. "SIL gateway").
    pub name: String,
    /// What it may do.
    pub scopes: BTreeSet<Scope>,
    /// Whether it may obtain tokens and call.
    pub enabled: bool,
    /// Its last accepted token request or call.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Version (ETag).
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Who registered it.
    pub created_by: Uuid,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change.
    pub updated_by: Uuid,
}

/// A public key of a machine client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientKey {
    /// The client.
    pub client_id: Uuid,
    /// The key id its assertions name in their `kid` header.
    pub kid: String,
    /// The one algorithm assertions signed with it may use.
    pub algorithm: KeyAlgorithm,
    /// How the key is written.
    pub format: KeyFormat,
    /// The key as registered.
    pub public_key: String,
    /// SHA-256 of the key as registered, hex.
    pub thumbprint: String,
    /// When it was added.
    pub added_at: DateTime<Utc>,
    /// Who added it.
    pub added_by: Uuid,
    /// When it was revoked: assertions signed with it are refused from then on.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Who revoked it.
    pub revoked_by: Option<Uuid>,
}

/// Checks a name: invisible characters removed and NFC (as person names, so that two names
/// that look alike are one), trimmed, 1 to `max` characters, no line breaks or tabs.
fn check_name(raw: &str, max: usize) -> Result<String, String> {
    let cleaned = crate::names::clean(raw);
    let value = cleaned.trim();
    if value.is_empty() {
        return Err("must not be empty".into());
    }
    if value.chars().count() > max {
        return Err(format!("must be at most {max} characters long"));
    }
    if value.chars().any(char::is_control) {
        return Err("must be one line, without tabs or control characters".into());
    }
    Ok(value.to_owned())
}

/// Checks an organisation's name (field `name`).
pub fn organisation_name(raw: &str) -> Result<String, ValidationErrors> {
    check_name(raw, ORGANISATION_NAME_MAX_CHARS).map_err(|e| ValidationErrors::single("name", e))
}

/// What registers a machine client: its name and scopes, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientContent {
    /// Its name.
    pub name: String,
    /// Its scopes (at least one).
    pub scopes: BTreeSet<Scope>,
}

impl ClientContent {
    /// Checks a client's name (field `name`) and scopes (field `scopes`: at least one).
    pub fn parse(name: &str, scopes: &[Scope]) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors.collect("name", check_name(name, CLIENT_NAME_MAX_CHARS));
        let scopes: BTreeSet<Scope> = scopes.iter().copied().collect();
        if scopes.is_empty() {
            errors.push(FieldError::new("scopes", "must name at least one scope"));
        }
        match name {
            Some(name) if errors.is_empty() => Ok(Self { name, scopes }),
            _ => Err(errors),
        }
    }
}

/// Checks a key id: 1 to [`KID_MAX_CHARS`] characters among `A-Z a-z 0-9 . _ : -`.
pub fn check_kid(raw: &str) -> Result<(), FieldError> {
    let ok = !raw.is_empty()
        && raw.len() <= KID_MAX_CHARS
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-'));
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "kid",
            format!("must be 1-{KID_MAX_CHARS} characters among A-Z a-z 0-9 . _ : -"),
        ))
    }
}

/// Why an assertion's times are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AssertionTimeError {
    /// `exp` has passed.
    #[error("the assertion has expired")]
    Expired,
    /// `iat` is in the future.
    #[error("the assertion is issued in the future")]
    IssuedInFuture,
    /// `nbf` is in the future.
    #[error("the assertion is not valid yet")]
    NotYetValid,
    /// `exp` is too far from `iat`.
    #[error("the assertion lives longer than {MAX_ASSERTION_LIFETIME_SECS} seconds")]
    TooLong,
}

/// Checks the times of a client assertion (seconds since the epoch) at `now`: not expired, not
/// issued or valid only in the future (beyond [`ASSERTION_LEEWAY_SECS`]), and living at most
/// [`MAX_ASSERTION_LIFETIME_SECS`] from its issue.
pub fn check_assertion_times(
    iat: i64,
    nbf: Option<i64>,
    exp: i64,
    now: i64,
) -> Result<(), AssertionTimeError> {
    if exp <= now - ASSERTION_LEEWAY_SECS {
        return Err(AssertionTimeError::Expired);
    }
    if iat > now + ASSERTION_LEEWAY_SECS {
        return Err(AssertionTimeError::IssuedInFuture);
    }
    if nbf.is_some_and(|nbf| nbf > now + ASSERTION_LEEWAY_SECS) {
        return Err(AssertionTimeError::NotYetValid);
    }
    if exp.saturating_sub(iat) > MAX_ASSERTION_LIFETIME_SECS || exp < iat {
        return Err(AssertionTimeError::TooLong);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fields(errors: &ValidationErrors) -> Vec<&str> {
        errors.errors().iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_referral_is_addressed_to_the_registered_organisation_or_to_the_named_one() {
        let cpi = organisation(OrganisationKind::EmploymentCentre, true);
        let to = |o: Option<&PartnerOrganisation>, s: Option<ExternalService>, n: Option<&str>| {
            referral_addressee(o, s, n)
        };
        assert_eq!(
            to(Some(&cpi), None, None).ok(),
            Some((ExternalService::EmploymentCentre, cpi.name.clone()))
        );
        assert_eq!(
            to(
                Some(&cpi),
                Some(ExternalService::EmploymentCentre),
                Some(&format!(" {} ", cpi.name))
            )
            .ok(),
            Some((ExternalService::EmploymentCentre, cpi.name.clone()))
        );
        let wrong_service = to(Some(&cpi), Some(ExternalService::Cooperative), None);
        assert_eq!(
            wrong_service.as_ref().map_err(fields).err(),
            Some(vec!["service"])
        );
        let wrong_name = to(Some(&cpi), None, Some("CPI"));
        assert_eq!(
            wrong_name.as_ref().map_err(fields).err(),
            Some(vec!["organisation"])
        );
        let inactive = organisation(OrganisationKind::EmploymentCentre, false);
        let refused = to(Some(&inactive), None, None);
        assert_eq!(
            refused.as_ref().map_err(fields).err(),
            Some(vec!["organisation_id"])
        );
        let province = organisation(OrganisationKind::Province, true);
        let refused = to(Some(&province), None, None);
        assert_eq!(
            refused.as_ref().map_err(fields).err(),
            Some(vec!["organisation_id"])
        );

        assert_eq!(
            to(None, Some(ExternalService::Cooperative), Some("Il Ponte")).ok(),
            Some((ExternalService::Cooperative, "Il Ponte".to_owned()))
        );
        let neither = to(None, None, None);
        assert_eq!(
            neither.as_ref().map_err(fields).err(),
            Some(vec!["service", "organisation"])
        );
        let no_name = to(None, Some(ExternalService::Cooperative), None);
        assert_eq!(
            no_name.as_ref().map_err(fields).err(),
            Some(vec!["organisation"])
        );
    }

    fn organisation(kind: OrganisationKind, active: bool) -> PartnerOrganisation {
        let now = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        PartnerOrganisation {
            id: Uuid::from_u128(1),
            name: "Centro per l'impiego di Trento".into(),
            kind,
            active,
            version: 1,
            created_at: now,
            created_by: Uuid::from_u128(2),
            updated_at: now,
            updated_by: Uuid::from_u128(2),
        }
    }

    #[test]
    fn a_referral_to_an_organisation_takes_its_service() {
        let cpi = organisation(OrganisationKind::EmploymentCentre, true);
        assert_eq!(
            referral_service_for(&cpi, None),
            Ok(ExternalService::EmploymentCentre)
        );
        assert_eq!(
            referral_service_for(&cpi, Some(ExternalService::EmploymentCentre)),
            Ok(ExternalService::EmploymentCentre)
        );
        assert_eq!(
            referral_service_for(&cpi, Some(ExternalService::HealthDistrict)),
            Err(AddresseeError::OtherService {
                kind: OrganisationKind::EmploymentCentre,
                service: ExternalService::HealthDistrict
            })
        );
        let province = organisation(OrganisationKind::Province, true);
        assert_eq!(
            referral_service_for(&province, None),
            Err(AddresseeError::ReceivesNone(OrganisationKind::Province))
        );
        let closed = organisation(OrganisationKind::EmploymentCentre, false);
        assert_eq!(
            referral_service_for(&closed, None),
            Err(AddresseeError::Inactive)
        );
    }

    #[test]
    fn every_kind_but_the_province_receives_referrals() {
        for kind in OrganisationKind::ALL {
            assert_eq!(
                kind.referral_service().is_none(),
                kind == OrganisationKind::Province
            );
        }
    }

    #[test]
    fn no_scope_allows_a_staff_action() {
        let all: BTreeSet<Scope> = Scope::ALL.into_iter().collect();
        for action in Action::ALL {
            // The indicators are the one action staff and partners share: pseudonymised.
            let partner = matches!(
                action,
                Action::AnswerAddressedReferrals | Action::ReadEvents | Action::ReadStatistics
            );
            assert_eq!(scope_permits(&all, action), partner, "{action:?}");
        }
        let events: BTreeSet<Scope> = [Scope::Events].into_iter().collect();
        assert!(!scope_permits(&events, Action::AnswerAddressedReferrals));
        assert!(scope_permits(&events, Action::ReadEvents));
        assert!(!scope_permits(&events, Action::ReadStatistics));
        let statistics: BTreeSet<Scope> = [Scope::Statistics].into_iter().collect();
        assert!(scope_permits(&statistics, Action::ReadStatistics));
    }

    #[test]
    fn a_token_gets_the_scopes_asked_for_among_those_held() {
        let held: BTreeSet<Scope> = [Scope::Referrals, Scope::Events].into_iter().collect();
        assert_eq!(granted_scopes(&held, None), Ok(held.clone()));
        assert_eq!(granted_scopes(&held, Some("  ")), Ok(held.clone()));
        assert_eq!(
            granted_scopes(&held, Some("events")),
            Ok([Scope::Events].into_iter().collect())
        );
        assert!(granted_scopes(&held, Some("statistics")).is_err());
        assert!(granted_scopes(&held, Some("events admin")).is_err());
        assert_eq!(scope_text(&held), "referrals events");
        assert_eq!(parse_scope_text("referrals events"), Ok(held));
    }

    #[test]
    fn a_client_answers_but_does_not_close() {
        assert!(client_may_apply(ReferralTransition::Accept));
        assert!(client_may_apply(ReferralTransition::Reject));
        assert!(!client_may_apply(ReferralTransition::Close));
    }

    #[test]
    fn client_content_needs_a_name_and_a_scope() {
        assert!(ClientContent::parse("SIL gateway", &[Scope::Referrals]).is_ok());
        let errors = ClientContent::parse("  ", &[]).unwrap_err();
        let fields: Vec<&str> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "scopes"]);
        assert!(ClientContent::parse("two\nlines", &[Scope::Events]).is_err());
        assert!(organisation_name(&"x".repeat(201)).is_err());
        assert_eq!(
            organisation_name("Agenzia\u{200B} del Lavoro")
                .ok()
                .as_deref(),
            Some("Agenzia del Lavoro")
        );
        assert!(organisation_name("\u{200B}\u{FEFF}").is_err());
        assert_eq!(
            organisation_name("  Agenzia del Lavoro ").ok().as_deref(),
            Some("Agenzia del Lavoro")
        );
    }

    #[test]
    fn kids_are_plain() {
        assert!(check_kid("cpi-2026.1:a_b").is_ok());
        for bad in ["", "a b", "ключ", "a/b", &"k".repeat(101)] {
            assert!(check_kid(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn assertion_times() {
        let now = 1_800_000_000;
        assert_eq!(check_assertion_times(now, None, now + 60, now), Ok(()));
        assert_eq!(
            check_assertion_times(now - 400, None, now - 31, now),
            Err(AssertionTimeError::Expired)
        );
        assert_eq!(
            check_assertion_times(now + 31, None, now + 90, now),
            Err(AssertionTimeError::IssuedInFuture)
        );
        assert_eq!(
            check_assertion_times(now, Some(now + 31), now + 90, now),
            Err(AssertionTimeError::NotYetValid)
        );
        assert_eq!(
            check_assertion_times(now, None, now + 301, now),
            Err(AssertionTimeError::TooLong)
        );
        // Within the leeway of a clock a little behind or ahead.
        assert_eq!(check_assertion_times(now + 20, None, now + 80, now), Ok(()));
        assert_eq!(
            check_assertion_times(now - 300, None, now - 10, now),
            Ok(())
        );
    }

    proptest! {
        #[test]
        fn an_accepted_assertion_is_short_and_current(
            iat in -1_000i64..1_000, life in -100i64..1_000, now in -1_000i64..1_000,
        ) {
            let exp = iat + life;
            if check_assertion_times(iat, None, exp, now).is_ok() {
                prop_assert!(exp - iat <= MAX_ASSERTION_LIFETIME_SECS);
                prop_assert!(exp > now - ASSERTION_LEEWAY_SECS);
                prop_assert!(iat <= now + ASSERTION_LEEWAY_SECS);
            }
        }
    }
}
