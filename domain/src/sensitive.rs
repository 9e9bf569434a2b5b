//! The special categories of personal data of a person (GDPR art. 9 and 10), kept in four
//! separate groups so that each can be granted, read and audited on its own:
//! [`HealthDisability`], [`Ethnicity`], [`LegalStatus`] and [`Justice`].
//!
//! Each group is built from a plain input with `parse`, which trims texts, turns blank optional
//! texts into `None` and checks the group's rules; the validated value gives its data back with
//! `input()`. Field names in errors are the members of the API's request bodies.

use std::fmt;

use chrono::NaiveDate;

use crate::error::{FieldError, ValidationErrors};

/// The four groups of special-category data of a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SensitiveGroup {
    /// Disability recognition, civil invalidity, accompanying allowance, support needs.
    HealthDisability,
    /// Belonging to the Roma, Sinti or Caminanti communities.
    Ethnicity,
    /// Residence permit and international protection.
    LegalStatus,
    /// Detention or alternative measures (prison area).
    Justice,
}

impl SensitiveGroup {
    /// Every group, in a stable order.
    pub const ALL: [SensitiveGroup; 4] = [
        SensitiveGroup::HealthDisability,
        SensitiveGroup::Ethnicity,
        SensitiveGroup::LegalStatus,
        SensitiveGroup::Justice,
    ];

    /// The code used in audit actions (`person.<code>.read`).
    pub fn code(self) -> &'static str {
        match self {
            SensitiveGroup::HealthDisability => "health_disability",
            SensitiveGroup::Ethnicity => "ethnicity",
            SensitiveGroup::LegalStatus => "legal_status",
            SensitiveGroup::Justice => "justice",
        }
    }

    /// The path segment of the group under `/persons/{person_id}/`.
    pub fn path_segment(self) -> &'static str {
        match self {
            SensitiveGroup::HealthDisability => "health-disability",
            SensitiveGroup::Ethnicity => "ethnicity",
            SensitiveGroup::LegalStatus => "legal-status",
            SensitiveGroup::Justice => "justice",
        }
    }
}

impl fmt::Display for SensitiveGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Defines a closed list of codes with `as_str`, `parse` and `ALL`.
macro_rules! codes {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in a stable order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The code used in the API and in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// Parses a code.
            pub fn parse(code: &str) -> Result<Self, String> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == code)
                    .ok_or_else(|| {
                        let all: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                        format!("unknown code `{code}`: use one of {}", all.join(", "))
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

codes! {
    /// A community the person belongs to.
    Community {
        /// Rom.
        Roma => "roma",
        /// Sinti.
        Sinti => "sinti",
        /// Caminanti.
        Caminanti => "caminanti",
    }
}

codes! {
    /// International protection status.
    ProtectionStatus {
        /// Asylum applicant (richiedente asilo).
        Applicant => "applicant",
        /// Refugee status (status di rifugiato).
        Refugee => "refugee",
        /// Subsidiary protection (protezione sussidiaria).
        SubsidiaryProtection => "subsidiary_protection",
        /// Special protection (protezione speciale).
        SpecialProtection => "special_protection",
        /// Temporary protection (protezione temporanea).
        TemporaryProtection => "temporary_protection",
        /// No international protection.
        None => "none",
    }
}

codes! {
    /// Where the person stands with criminal justice.
    JusticeStatus {
        /// In prison.
        Detained => "detained",
        /// Serving an alternative measure (misura alternativa alla detenzione).
        AlternativeMeasure => "alternative_measure",
        /// Released.
        Released => "released",
    }
}

/// Most characters of the support needs text.
pub const SUPPORT_NEEDS_MAX: usize = 4000;
/// Most characters of the project relevance text of the ethnicity group.
pub const RELEVANCE_MAX: usize = 2000;
/// Most characters of a residence permit kind.
pub const PERMIT_KIND_MAX: usize = 100;
/// Most characters of an alternative measure kind or an institution.
pub const JUSTICE_TEXT_MAX: usize = 200;
/// Most characters of a UEPE contact reference.
pub const UEPE_REFERENCE_MAX: usize = 100;

/// Trims an optional text; blank becomes `None`; longer than `max` characters is an error.
fn optional_text(
    errors: &mut ValidationErrors,
    field: &str,
    raw: &Option<String>,
    max: usize,
) -> Option<String> {
    let text = raw.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
    if text.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
        return None;
    }
    Some(text.to_owned())
}

/// Trims a required text: blank or longer than `max` characters is an error.
fn required_text(
    errors: &mut ValidationErrors,
    field: &str,
    raw: &str,
    max: usize,
) -> Option<String> {
    let text = raw.trim();
    if text.is_empty() {
        errors.push(FieldError::new(field, "must not be blank"));
        return None;
    }
    optional_text(errors, field, &Some(text.to_owned()), max)
}

/// Disability and health data, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthDisabilityInput {
    /// Disability recognised under L. 104/1992.
    pub law_104_recognised: bool,
    /// Recognised with "gravità" (art. 3 c. 3 L. 104/1992).
    pub law_104_severe: bool,
    /// Civil invalidity percentage, 0-100.
    pub civil_invalidity_percent: Option<i32>,
    /// Receives the accompanying allowance (indennità di accompagnamento).
    pub accompanying_allowance: bool,
    /// Needs for support, free text.
    pub support_needs: Option<String>,
}

/// Validated disability and health data of a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthDisability(HealthDisabilityInput);

impl HealthDisability {
    /// Validates: the "gravità" needs a recognised disability; the invalidity percentage is
    /// 0-100; support needs are at most 4000 characters.
    pub fn parse(input: &HealthDisabilityInput) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if input.law_104_severe && !input.law_104_recognised {
            errors.push(FieldError::new(
                "law_104_severe",
                "the severity of art. 3 c. 3 needs a disability recognised under L. 104/1992 \
                 (law_104_recognised)",
            ));
        }
        if let Some(percent) = input.civil_invalidity_percent
            && !(0..=100).contains(&percent)
        {
            errors.push(FieldError::new(
                "civil_invalidity_percent",
                "must be between 0 and 100",
            ));
        }
        let support_needs = optional_text(
            &mut errors,
            "support_needs",
            &input.support_needs,
            SUPPORT_NEEDS_MAX,
        );
        errors.into_result(Self(HealthDisabilityInput {
            support_needs,
            ..input.clone()
        }))
    }

    /// The validated data.
    pub fn input(&self) -> &HealthDisabilityInput {
        &self.0
    }
}

/// Community data, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EthnicityInput {
    /// The community.
    pub community: Community,
    /// Why it is relevant to the person's project (it is recorded only then).
    pub relevant_to_project: String,
}

/// Validated community data of a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ethnicity(EthnicityInput);

impl Ethnicity {
    /// Validates: the relevance to a project is required (1-2000 characters), since this data
    /// may be recorded only where relevant to a project.
    pub fn parse(input: &EthnicityInput) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let relevant = required_text(
            &mut errors,
            "relevant_to_project",
            &input.relevant_to_project,
            RELEVANCE_MAX,
        );
        errors.into_result(())?;
        Ok(Self(EthnicityInput {
            community: input.community,
            relevant_to_project: relevant.unwrap_or_default(),
        }))
    }

    /// The validated data.
    pub fn input(&self) -> &EthnicityInput {
        &self.0
    }
}

/// Residence permit and protection data, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalStatusInput {
    /// Kind of residence permit (e.g. "permesso per richiesta asilo", "lavoro subordinato").
    pub permit_kind: Option<String>,
    /// Expiry of the residence permit.
    pub permit_expires_on: Option<NaiveDate>,
    /// International protection status.
    pub protection_status: ProtectionStatus,
}

/// Validated residence permit and protection data of a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalStatus(LegalStatusInput);

impl LegalStatus {
    /// Validates: the permit kind is at most 100 characters, and required when an expiry is
    /// given (an expiry of an unknown permit cannot be acted on).
    pub fn parse(input: &LegalStatusInput) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let permit_kind = optional_text(
            &mut errors,
            "permit_kind",
            &input.permit_kind,
            PERMIT_KIND_MAX,
        );
        if input.permit_expires_on.is_some()
            && input
                .permit_kind
                .as_deref()
                .is_none_or(|k| k.trim().is_empty())
        {
            errors.push(FieldError::new(
                "permit_kind",
                "is required when permit_expires_on is given",
            ));
        }
        errors.into_result(Self(LegalStatusInput {
            permit_kind,
            ..input.clone()
        }))
    }

    /// The validated data.
    pub fn input(&self) -> &LegalStatusInput {
        &self.0
    }
}

/// Criminal justice data, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JusticeInput {
    /// Detained, serving an alternative measure, or released.
    pub status: JusticeStatus,
    /// Kind of alternative measure (e.g. "affidamento in prova ai servizi sociali"); required
    /// exactly when the status is `alternative_measure`.
    pub alternative_measure_kind: Option<String>,
    /// Prison or institution.
    pub institution: Option<String>,
    /// Start of the detention or measure.
    pub measure_start_on: Option<NaiveDate>,
    /// Expected release date; drives the planning of the prison area.
    pub expected_release_on: Option<NaiveDate>,
    /// Reference of the contact at the UEPE (Ufficio di esecuzione penale esterna).
    pub uepe_contact_reference: Option<String>,
}

/// Validated criminal justice data of a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Justice(JusticeInput);

impl Justice {
    /// Validates: the alternative measure kind is given exactly when the status is
    /// `alternative_measure`; the expected release is not before the start; texts are bounded.
    pub fn parse(input: &JusticeInput) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let kind = optional_text(
            &mut errors,
            "alternative_measure_kind",
            &input.alternative_measure_kind,
            JUSTICE_TEXT_MAX,
        );
        let blank_kind = input
            .alternative_measure_kind
            .as_deref()
            .is_none_or(|k| k.trim().is_empty());
        match (input.status, blank_kind) {
            (JusticeStatus::AlternativeMeasure, true) => errors.push(FieldError::new(
                "alternative_measure_kind",
                "is required when the status is alternative_measure",
            )),
            (JusticeStatus::Detained | JusticeStatus::Released, false) => {
                errors.push(FieldError::new(
                    "alternative_measure_kind",
                    format!(
                        "must be empty when the status is {}: it applies only to \
                         alternative_measure",
                        input.status
                    ),
                ));
            }
            _ => {}
        }
        let institution = optional_text(
            &mut errors,
            "institution",
            &input.institution,
            JUSTICE_TEXT_MAX,
        );
        let uepe = optional_text(
            &mut errors,
            "uepe_contact_reference",
            &input.uepe_contact_reference,
            UEPE_REFERENCE_MAX,
        );
        if let (Some(start), Some(release)) = (input.measure_start_on, input.expected_release_on)
            && release < start
        {
            errors.push(FieldError::new(
                "expected_release_on",
                format!("must not be before measure_start_on ({start})"),
            ));
        }
        errors.into_result(Self(JusticeInput {
            status: input.status,
            alternative_measure_kind: kind,
            institution,
            measure_start_on: input.measure_start_on,
            expected_release_on: input.expected_release_on,
            uepe_contact_reference: uepe,
        }))
    }

    /// The validated data.
    pub fn input(&self) -> &JusticeInput {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(e: &ValidationErrors) -> Vec<&str> {
        e.errors().iter().map(|e| e.field.as_str()).collect()
    }

    fn health() -> HealthDisabilityInput {
        HealthDisabilityInput {
            law_104_recognised: true,
            law_104_severe: true,
            civil_invalidity_percent: Some(100),
            accompanying_allowance: true,
            support_needs: Some("  assistenza per l'igiene personale  ".into()),
        }
    }

    fn justice() -> JusticeInput {
        JusticeInput {
            status: JusticeStatus::AlternativeMeasure,
            alternative_measure_kind: Some("affidamento in prova".into()),
            institution: Some("Casa circondariale di Trento".into()),
            measure_start_on: NaiveDate::from_ymd_opt(2026, 1, 10),
            expected_release_on: NaiveDate::from_ymd_opt(2027, 1, 10),
            uepe_contact_reference: Some("UEPE TN 2026/114".into()),
        }
    }

    #[test]
    fn codes_round_trip() {
        for c in Community::ALL {
            assert_eq!(Community::parse(c.as_str()), Ok(*c));
        }
        for p in ProtectionStatus::ALL {
            assert_eq!(ProtectionStatus::parse(p.as_str()), Ok(*p));
        }
        for s in JusticeStatus::ALL {
            assert_eq!(JusticeStatus::parse(s.as_str()), Ok(*s));
        }
        assert_eq!(ProtectionStatus::ALL.len(), 6);
        assert!(Community::parse("Roma").is_err());
        assert_eq!(
            SensitiveGroup::ALL.map(SensitiveGroup::path_segment),
            ["health-disability", "ethnicity", "legal-status", "justice"]
        );
        assert_eq!(SensitiveGroup::LegalStatus.to_string(), "legal_status");
    }

    #[test]
    fn health_texts_are_trimmed_and_bounded() {
        let parsed = HealthDisability::parse(&health()).unwrap();
        assert_eq!(
            parsed.input().support_needs.as_deref(),
            Some("assistenza per l'igiene personale")
        );
        let blank = HealthDisability::parse(&HealthDisabilityInput {
            support_needs: Some("   ".into()),
            ..health()
        })
        .unwrap();
        assert_eq!(blank.input().support_needs, None);
        let long = HealthDisability::parse(&HealthDisabilityInput {
            support_needs: Some("à".repeat(SUPPORT_NEEDS_MAX)),
            ..health()
        });
        assert!(long.is_ok(), "characters, not bytes, are counted");
        let too_long = HealthDisability::parse(&HealthDisabilityInput {
            support_needs: Some("a".repeat(SUPPORT_NEEDS_MAX + 1)),
            ..health()
        })
        .unwrap_err();
        assert_eq!(fields(&too_long), ["support_needs"]);
    }

    #[test]
    fn severity_needs_recognition_and_percent_is_bounded() {
        let e = HealthDisability::parse(&HealthDisabilityInput {
            law_104_recognised: false,
            civil_invalidity_percent: Some(101),
            ..health()
        })
        .unwrap_err();
        assert_eq!(fields(&e), ["law_104_severe", "civil_invalidity_percent"]);
        assert!(
            HealthDisability::parse(&HealthDisabilityInput {
                civil_invalidity_percent: Some(-1),
                ..health()
            })
            .is_err()
        );
        for ok in [None, Some(0), Some(67), Some(100)] {
            assert!(
                HealthDisability::parse(&HealthDisabilityInput {
                    civil_invalidity_percent: ok,
                    ..health()
                })
                .is_ok()
            );
        }
        // Recognised without severity is fine.
        assert!(
            HealthDisability::parse(&HealthDisabilityInput {
                law_104_severe: false,
                ..health()
            })
            .is_ok()
        );
    }

    #[test]
    fn ethnicity_needs_a_project_relevance() {
        let ok = Ethnicity::parse(&EthnicityInput {
            community: Community::Sinti,
            relevant_to_project: " progetto di inclusione abitativa ".into(),
        })
        .unwrap();
        assert_eq!(
            ok.input().relevant_to_project,
            "progetto di inclusione abitativa"
        );
        let e = Ethnicity::parse(&EthnicityInput {
            community: Community::Roma,
            relevant_to_project: "  ".into(),
        })
        .unwrap_err();
        assert_eq!(fields(&e), ["relevant_to_project"]);
        assert!(
            Ethnicity::parse(&EthnicityInput {
                community: Community::Roma,
                relevant_to_project: "x".repeat(RELEVANCE_MAX + 1),
            })
            .is_err()
        );
    }

    #[test]
    fn permit_expiry_needs_a_kind() {
        let input = LegalStatusInput {
            permit_kind: Some(" protezione speciale ".into()),
            permit_expires_on: NaiveDate::from_ymd_opt(2027, 3, 1),
            protection_status: ProtectionStatus::SpecialProtection,
        };
        let ok = LegalStatus::parse(&input).unwrap();
        assert_eq!(
            ok.input().permit_kind.as_deref(),
            Some("protezione speciale")
        );
        let e = LegalStatus::parse(&LegalStatusInput {
            permit_kind: Some(" ".into()),
            ..input.clone()
        })
        .unwrap_err();
        assert_eq!(fields(&e), ["permit_kind"]);
        assert!(
            LegalStatus::parse(&LegalStatusInput {
                permit_kind: None,
                permit_expires_on: None,
                protection_status: ProtectionStatus::None,
            })
            .is_ok()
        );
        let e = LegalStatus::parse(&LegalStatusInput {
            permit_kind: Some("k".repeat(PERMIT_KIND_MAX + 1)),
            ..input
        })
        .unwrap_err();
        assert_eq!(fields(&e), ["permit_kind"]);
    }

    #[test]
    fn alternative_measure_kind_exactly_with_that_status() {
        assert!(Justice::parse(&justice()).is_ok());
        let e = Justice::parse(&JusticeInput {
            alternative_measure_kind: Some("  ".into()),
            ..justice()
        })
        .unwrap_err();
        assert_eq!(fields(&e), ["alternative_measure_kind"]);
        for status in [JusticeStatus::Detained, JusticeStatus::Released] {
            let e = Justice::parse(&JusticeInput {
                status,
                ..justice()
            })
            .unwrap_err();
            assert_eq!(fields(&e), ["alternative_measure_kind"]);
            assert!(
                Justice::parse(&JusticeInput {
                    status,
                    alternative_measure_kind: None,
                    ..justice()
                })
                .is_ok()
            );
        }
    }

    #[test]
    fn release_is_not_before_start() {
        let e = Justice::parse(&JusticeInput {
            expected_release_on: NaiveDate::from_ymd_opt(2025, 12, 31),
            ..justice()
        })
        .unwrap_err();
        assert_eq!(fields(&e), ["expected_release_on"]);
        assert!(
            Justice::parse(&JusticeInput {
                expected_release_on: NaiveDate::from_ymd_opt(2026, 1, 10),
                ..justice()
            })
            .is_ok()
        );
        let e = Justice::parse(&JusticeInput {
            institution: Some("i".repeat(JUSTICE_TEXT_MAX + 1)),
            uepe_contact_reference: Some("u".repeat(UEPE_REFERENCE_MAX + 1)),
            ..justice()
        })
        .unwrap_err();
        assert_eq!(fields(&e), ["institution", "uepe_contact_reference"]);
    }
}
