//! Target groups and the assessment of need: domains, severities, scores.

use super::*;

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
    pub(super) fn index(self) -> usize {
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
