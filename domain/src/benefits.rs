//! The register of benefits granted (prestazioni): every intervention or benefit the office
//! grants a person, coded on the nomenclator of social interventions and services, economic or
//! in kind, with its amount and frequency, its dependence on the ISEE (with the value and the
//! DSU protocol), its days and the decision (determina) that granted it. It holds what the
//! national register of social benefits (INPS SIUSS) must receive from the municipality.
//!
//! The code list is data (`domain/data/nomenclator-*.csv`), versioned by its file: a benefit
//! keeps the catalogue it was coded on.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::case_file::coded_enum;
use crate::error::{FieldError, ValidationErrors};
use crate::waiting_list::is_dsu_protocol;

/// The catalogue new benefits are coded on.
pub const CATALOGUE: &str = "cisis-2013-draft";

/// Its text, shipped with the project.
const CATALOGUE_TEXT: &str = include_str!("../data/nomenclator-cisis-2013-draft.csv");

/// The largest amount of one benefit, in cents (one million euro).
pub const MAX_AMOUNT_CENTS: u64 = 100_000_000;

/// Whether a code is granted as money, in kind, or either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CodeForm {
    /// Money only.
    Economic,
    /// A service only.
    InKind,
    /// Either.
    Either,
}

coded_enum!(CodeForm, "code form", {
    Economic => "economic",
    InKind => "in_kind",
    Either => "either",
});

/// One entry of the nomenclator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenefitCode {
    /// The code (`A1`, `F3`).
    pub code: String,
    /// Its area (`access`, `inclusion`, `home`, `day`, `residential`, `income`).
    pub area: String,
    /// Its title (Italian, as the nomenclator names it).
    pub title: String,
    /// How it is granted.
    pub form: CodeForm,
}

/// Parses a catalogue file: a header line, then `code;area;title;form` lines.
pub fn parse_catalogue(text: &str) -> Result<Vec<BenefitCode>, String> {
    let mut codes: Vec<BenefitCode> = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(';').collect();
        let [code, area, title, form] = fields.as_slice() else {
            return Err(format!("line {}: four fields expected", n + 1));
        };
        let code = (*code).to_owned();
        if codes.iter().any(|c| c.code == code) {
            return Err(format!("line {}: code {code} repeated", n + 1));
        }
        codes.push(BenefitCode {
            code,
            area: (*area).to_owned(),
            title: (*title).to_owned(),
            form: form.parse().map_err(|e| format!("line {}: {e}", n + 1))?,
        });
    }
    Ok(codes)
}

static CODES: LazyLock<Vec<BenefitCode>> =
    LazyLock::new(|| parse_catalogue(CATALOGUE_TEXT).unwrap_or_default());

/// The codes of the current catalogue.
pub fn catalogue() -> &'static [BenefitCode] {
    &CODES
}

/// The entry of `code` in the current catalogue.
pub fn find_code(code: &str) -> Option<&'static BenefitCode> {
    catalogue().iter().find(|c| c.code == code)
}

/// How a benefit is granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BenefitForm {
    /// Money (a contribution, an allowance, a voucher).
    Economic,
    /// A service.
    InKind,
}

coded_enum!(BenefitForm, "benefit form", {
    Economic => "economic",
    InKind => "in_kind",
});

/// How often an economic benefit is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PaymentFrequency {
    /// Once.
    OneOff,
    /// Every month.
    Monthly,
    /// Every two months.
    Bimonthly,
    /// Every three months.
    Quarterly,
    /// Every six months.
    HalfYearly,
    /// Every year.
    Yearly,
}

coded_enum!(PaymentFrequency, "frequency", {
    OneOff => "one_off",
    Monthly => "monthly",
    Bimonthly => "bimonthly",
    Quarterly => "quarterly",
    HalfYearly => "half_yearly",
    Yearly => "yearly",
});

/// What a benefit was granted with (its record is linked to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceKind {
    /// An admission to a care resource (its allocation).
    Admission,
    /// A housing placement.
    HousingPlacement,
    /// An employment placement (a grant, a traineeship's allowance).
    EmploymentPlacement,
}

coded_enum!(SourceKind, "benefit source", {
    Admission => "admission",
    HousingPlacement => "housing_placement",
    EmploymentPlacement => "employment_placement",
});

/// What a benefit is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenefitContent {
    /// Its code in the catalogue.
    pub code: String,
    /// Economic or in kind.
    pub form: BenefitForm,
    /// For an economic one: the amount of each payment, in cents.
    pub amount_cents: Option<u64>,
    /// For an economic one: how often it is paid.
    pub frequency: Option<PaymentFrequency>,
    /// Whether it depends on the ISEE (prestazione sociale agevolata).
    pub isee_dependent: bool,
    /// When it does: the ISEE value, in cents.
    pub isee_cents: Option<u64>,
    /// When it does: the DSU protocol of the ISEE certificate.
    pub dsu_protocol: Option<String>,
    /// The first day.
    pub from_on: NaiveDate,
    /// The last day, when known.
    pub until_on: Option<NaiveDate>,
    /// The decision that granted it (determina), 1-60 characters.
    pub decision_ref: String,
    /// The day of the decision.
    pub decision_on: NaiveDate,
    /// Notes, 1-2000 characters.
    pub notes: Option<String>,
}

/// A benefit as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Benefit {
    /// Identifier.
    pub id: Uuid,
    /// The case file it was granted in.
    pub case_file_id: Uuid,
    /// The person.
    pub person_id: Uuid,
    /// The catalogue its code belongs to.
    pub catalogue: String,
    /// What it is.
    pub content: BenefitContent,
    /// What it was granted with, if recorded from an admission or a placement.
    pub source: Option<(SourceKind, Uuid)>,
    /// Optimistic-lock version.
    pub version: i64,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// Who recorded it.
    pub created_by: Uuid,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Checks a benefit: a code of the catalogue granted in a form it allows; amount and frequency
/// for an economic one only (and required there); the ISEE and the DSU protocol for an
/// ISEE-dependent one only (and required there); the last day not before the first; the
/// decision not in the future.
pub fn check_benefit(content: &BenefitContent, today: NaiveDate) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    match find_code(&content.code) {
        None => errors.push(FieldError::new(
            "code",
            format!("is not a code of the catalogue {CATALOGUE} (GET /benefit-codes)"),
        )),
        Some(code) => {
            let allowed = match (code.form, content.form) {
                (CodeForm::Either, _) => true,
                (CodeForm::Economic, f) => f == BenefitForm::Economic,
                (CodeForm::InKind, f) => f == BenefitForm::InKind,
            };
            if !allowed {
                errors.push(FieldError::new(
                    "form",
                    format!("`{}` is granted {}", code.code, code.form),
                ));
            }
        }
    }
    let economic = content.form == BenefitForm::Economic;
    match (economic, content.amount_cents) {
        (true, None) => errors.push(FieldError::new("amount", "is required for money")),
        (true, Some(c)) if c == 0 || c > MAX_AMOUNT_CENTS => errors.push(FieldError::new(
            "amount",
            "must be between 0.01 and 1000000.00",
        )),
        (false, Some(_)) => errors.push(FieldError::new("amount", "is only for money")),
        _ => {}
    }
    match (economic, content.frequency) {
        (true, None) => errors.push(FieldError::new("frequency", "is required for money")),
        (false, Some(_)) => errors.push(FieldError::new("frequency", "is only for money")),
        _ => {}
    }
    match (content.isee_dependent, content.isee_cents) {
        (true, None) => errors.push(FieldError::new(
            "isee",
            "is required when the benefit depends on the ISEE",
        )),
        (true, Some(c)) if c > MAX_AMOUNT_CENTS => errors.push(FieldError::new(
            "isee",
            "must be between 0.00 and 1000000.00",
        )),
        (false, Some(_)) => errors.push(FieldError::new(
            "isee",
            "is only for a benefit that depends on the ISEE",
        )),
        _ => {}
    }
    match (content.isee_dependent, content.dsu_protocol.as_deref()) {
        (true, None) => errors.push(FieldError::new(
            "dsu_protocol",
            "is required when the benefit depends on the ISEE",
        )),
        (true, Some(p)) if !is_dsu_protocol(p) => errors.push(FieldError::new(
            "dsu_protocol",
            "must be a DSU protocol such as INPS-ISEE-2026-12345678X-00",
        )),
        (false, Some(_)) => errors.push(FieldError::new(
            "dsu_protocol",
            "is only for a benefit that depends on the ISEE",
        )),
        _ => {}
    }
    if let Some(until) = content.until_on
        && until < content.from_on
    {
        errors.push(FieldError::new(
            "until_on",
            "must not be before the first day",
        ));
    }
    if content.decision_on > today {
        errors.push(FieldError::new("decision_on", crate::dates::IN_THE_FUTURE));
    }
    errors.into_result(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn grant(code: &str, form: BenefitForm) -> BenefitContent {
        BenefitContent {
            code: code.into(),
            form,
            amount_cents: None,
            frequency: None,
            isee_dependent: false,
            isee_cents: None,
            dsu_protocol: None,
            from_on: day("2026-12-01"),
            until_on: None,
            decision_ref: "Determina 12/2026".into(),
            decision_on: day("2026-11-28"),
            notes: None,
        }
    }

    fn fields(r: Result<(), ValidationErrors>) -> Vec<String> {
        r.err()
            .map(|e| e.errors().iter().map(|f| f.field.clone()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn the_shipped_catalogue_parses_with_unique_codes() {
        let codes = parse_catalogue(CATALOGUE_TEXT).unwrap();
        assert!(codes.len() >= 30, "{}", codes.len());
        assert_eq!(catalogue().len(), codes.len());
        assert_eq!(find_code("E1").map(|c| c.form), Some(CodeForm::InKind));
        assert!(parse_catalogue("h\nA1;x;t;in_kind\nA1;x;t;in_kind").is_err());
        assert!(parse_catalogue("h\nA1;x;t").is_err());
        assert!(parse_catalogue("h\nA1;x;t;cash").is_err());
    }

    #[test]
    fn money_has_an_amount_and_a_frequency_and_services_none() {
        let today = day("2026-12-04");
        assert!(fields(check_benefit(&grant("E1", BenefitForm::InKind), today)).is_empty());
        assert_eq!(
            fields(check_benefit(&grant("E1", BenefitForm::Economic), today)),
            ["form", "amount", "frequency"]
        );
        let mut money = grant("F1", BenefitForm::Economic);
        assert_eq!(
            fields(check_benefit(&money, today)),
            ["amount", "frequency"]
        );
        money.amount_cents = Some(25_000);
        money.frequency = Some(PaymentFrequency::Monthly);
        assert!(fields(check_benefit(&money, today)).is_empty());
        money.amount_cents = Some(0);
        assert_eq!(fields(check_benefit(&money, today)), ["amount"]);
        let mut service = grant("C1", BenefitForm::InKind);
        service.frequency = Some(PaymentFrequency::Monthly);
        assert_eq!(fields(check_benefit(&service, today)), ["frequency"]);
    }

    #[test]
    fn an_isee_dependent_benefit_carries_the_isee_and_its_dsu() {
        let today = day("2026-12-04");
        let mut b = grant("C3", BenefitForm::InKind);
        b.isee_dependent = true;
        assert_eq!(fields(check_benefit(&b, today)), ["isee", "dsu_protocol"]);
        b.isee_cents = Some(685_000);
        b.dsu_protocol = Some("INPS-ISEE-2026-12345678X-00".into());
        assert!(fields(check_benefit(&b, today)).is_empty());
        b.dsu_protocol = Some("12345".into());
        assert_eq!(fields(check_benefit(&b, today)), ["dsu_protocol"]);
        b.isee_dependent = false;
        b.dsu_protocol = None;
        assert_eq!(fields(check_benefit(&b, today)), ["isee"]);
    }

    #[test]
    fn days_and_decision_are_plausible() {
        let today = day("2026-12-04");
        let mut b = grant("Z9", BenefitForm::InKind);
        b.until_on = Some(day("2026-11-30"));
        b.decision_on = day("2026-12-05");
        assert_eq!(
            fields(check_benefit(&b, today)),
            ["code", "until_on", "decision_on"]
        );
    }
}
