//! Employment (occupazione): the employers the office places persons with, and the rules of
//! their identifiers. Employers are organisations, not persons (a sole trader's tax code is
//! personal data, kept like any other field of the register); they are annulled, never deleted.
//! See `docs/employment.md`.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

mod compliance;
mod placements;
mod reviews;

pub use compliance::*;
pub use placements::*;
pub use reviews::*;

use crate::case_file::coded_enum;
use crate::error::{FieldError, ValidationErrors};
use crate::tax_code::TaxCode;

/// What kind of organisation an employer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EmployerKind {
    /// A company.
    Company,
    /// A type-B social cooperative (work integration of disadvantaged persons, L. 381/1991).
    SocialCooperativeB,
    /// A type-A social cooperative (social, health and educational services).
    SocialCooperativeA,
    /// A public body.
    PublicBody,
    /// An association.
    Association,
}

coded_enum!(EmployerKind, "employer kind", {
    Company => "company",
    SocialCooperativeB => "social_cooperative_b",
    SocialCooperativeA => "social_cooperative_a",
    PublicBody => "public_body",
    Association => "association",
});

impl EmployerKind {
    /// Whether the employer is a social cooperative, recorded in the regional register of
    /// social cooperatives.
    pub fn is_social_cooperative(self) -> bool {
        matches!(
            self,
            EmployerKind::SocialCooperativeA | EmployerKind::SocialCooperativeB
        )
    }
}

/// The check digit of the first ten digits of a partita IVA: the Luhn-style sum the Agenzia
/// delle Entrate uses (odd positions as they are, even positions doubled less 9 above 9).
pub fn vat_check_digit(first_ten: &[u8; 10]) -> u8 {
    let sum: u32 = first_ten
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(*d);
            if i % 2 == 0 {
                d
            } else if d * 2 > 9 {
                d * 2 - 9
            } else {
                d * 2
            }
        })
        .sum();
    u8::try_from((10 - sum % 10) % 10).unwrap_or(0)
}

/// A partita IVA: eleven digits, the last the check digit of the others, not all zeros.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VatNumber(String);

impl VatNumber {
    /// The number, validated: spaces are ignored, an `IT` prefix is accepted.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        let digits = compact
            .strip_prefix("IT")
            .or_else(|| compact.strip_prefix("it"))
            .unwrap_or(&compact);
        if digits.len() != 11 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err("must be eleven digits (partita IVA)".into());
        }
        let values: Vec<u8> = digits.bytes().map(|b| b - b'0').collect();
        if values.iter().all(|d| *d == 0) {
            return Err("is not a partita IVA (all zeros)".into());
        }
        let mut first_ten = [0u8; 10];
        first_ten.copy_from_slice(&values[..10]);
        if vat_check_digit(&first_ten) != values[10] {
            return Err("has a wrong check digit (partita IVA)".into());
        }
        Ok(Self(digits.to_owned()))
    }

    /// The eleven digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for VatNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An employer's tax code: a company's is its eleven-digit number (checked like a partita IVA),
/// a sole trader's is their personal code of sixteen characters (checked like a person's).
pub fn parse_employer_tax_code(raw: &str) -> Result<String, String> {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() == 11 {
        return VatNumber::parse(&compact).map(|v| v.as_str().to_owned());
    }
    TaxCode::parse(&compact)
        .map(|code| code.as_str().to_owned())
        .map_err(|e| format!("is neither an eleven-digit tax code nor a personal one: {e}"))
}

/// Whether an employer's tax code is a person's (a sole trader).
pub fn is_personal_tax_code(code: &str) -> bool {
    code.len() == 16
}

/// What describes an employer (everything but its identity and bookkeeping).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployerContent {
    /// Kind.
    pub kind: EmployerKind,
    /// Name (1-200 characters).
    pub name: String,
    /// Partita IVA, if it has one.
    pub vat_number: Option<VatNumber>,
    /// Tax code (codice fiscale), if recorded.
    pub tax_code: Option<String>,
    /// Street and number.
    pub street: String,
    /// Municipality.
    pub municipality: String,
    /// Postcode (CAP).
    pub postcode: Option<String>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone.
    pub phone: Option<String>,
    /// Contact e-mail.
    pub email: Option<String>,
    /// Number in the regional register of social cooperatives (cooperatives only).
    pub cooperative_register_number: Option<String>,
    /// Day of that registration.
    pub cooperative_registered_on: Option<NaiveDate>,
}

/// Checks the rules that bind an employer's fields together: a partita IVA or a tax code;
/// a social cooperative's registration in the regional register (number and day), and no
/// registration for the others.
pub fn check_employer(content: &EmployerContent) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if content.vat_number.is_none() && content.tax_code.is_none() {
        errors.push(FieldError::new(
            "vat_number",
            "a partita IVA or a tax code is required",
        ));
    }
    let registered = content.cooperative_register_number.is_some();
    if content.kind.is_social_cooperative() {
        if !registered {
            errors.push(FieldError::new(
                "cooperative_register_number",
                "is required for a social cooperative (regional register)",
            ));
        }
        if content.cooperative_registered_on.is_none() {
            errors.push(FieldError::new(
                "cooperative_registered_on",
                "is required for a social cooperative (regional register)",
            ));
        }
    } else {
        if registered {
            errors.push(FieldError::new(
                "cooperative_register_number",
                "is only for social cooperatives",
            ));
        }
        if content.cooperative_registered_on.is_some() {
            errors.push(FieldError::new(
                "cooperative_registered_on",
                "is only for social cooperatives",
            ));
        }
    }
    errors.into_result(())
}

/// An employer as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Employer {
    /// Identifier.
    pub id: Uuid,
    /// Its description.
    pub content: EmployerContent,
    /// When it was annulled (recorded by mistake or no longer an employer), if it was.
    pub annulled_at: Option<DateTime<Utc>>,
    /// Why.
    pub annulment_reason: Option<String>,
    /// Optimistic-lock version.
    pub version: i64,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Employer {
    /// Whether the employer is a sole trader: personal data.
    pub fn is_sole_trader(&self) -> bool {
        self.content
            .tax_code
            .as_deref()
            .is_some_and(is_personal_tax_code)
    }
}

// ---------------------------------------------------------------------------------------------
// Procurement contracts with a social clause
// ---------------------------------------------------------------------------------------------

/// Which kind of CIG (codice identificativo gara, ANAC) a code is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CigKind {
    /// Seven digits and three hexadecimal characters.
    Standard,
    /// A smart CIG (simplified award): a letter from V to Z and nine hexadecimal characters.
    Smart,
    /// A CIG of the national e-procurement platform: a letter from A to U and nine hexadecimal
    /// characters.
    Platform,
}

/// A CIG: ten characters in one of the published formats ([`CigKind`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cig(String);

impl Cig {
    /// The code, validated (spaces dropped, letters upper-cased).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let code: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let hex = |s: &str| {
            s.bytes()
                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
        };
        let valid = code.len() == 10
            && code.is_ascii()
            && match code.as_bytes()[0] {
                b'0'..=b'9' => code[..7].bytes().all(|b| b.is_ascii_digit()) && hex(&code[7..]),
                b'A'..=b'Z' => hex(&code[1..]),
                _ => false,
            };
        if valid {
            Ok(Self(code))
        } else {
            Err(
                "must be a CIG: seven digits and three characters 0-9 A-F, or a letter and nine \
                 characters 0-9 A-F"
                    .into(),
            )
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Its kind.
    pub fn kind(&self) -> CigKind {
        match self.0.as_bytes()[0] {
            b'0'..=b'9' => CigKind::Standard,
            b'V'..=b'Z' => CigKind::Smart,
            _ => CigKind::Platform,
        }
    }
}

/// What a contract's social clause asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClauseKind {
    /// The contractor hires disadvantaged workers for the contract.
    DisadvantagedHiring,
    /// A contract reserved to social enterprises and type-B cooperatives.
    ReservedContract,
    /// An agreement with a type-B social cooperative (L. 381/1991 art. 5).
    TypeBAgreement,
}

coded_enum!(ClauseKind, "clause kind", {
    DisadvantagedHiring => "disadvantaged_hiring",
    ReservedContract => "reserved_contract",
    TypeBAgreement => "type_b_agreement",
});

/// What the clause requires of the contractor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// So many disadvantaged workers placed at any time of the contract.
    Workers(u16),
    /// This share (percent, 1-100) of the contract's working hours done by disadvantaged
    /// workers.
    HoursShare(u8),
}

/// The longest period of a contract recorded, in days (ten years).
pub const MAX_CONTRACT_DAYS: i64 = 3_653;

/// The most working hours a month a contract may state.
pub const MAX_CONTRACT_MONTHLY_HOURS: u32 = 1_000_000;

/// What describes a procurement contract with a social clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractContent {
    /// The contracting authority (stazione appaltante).
    pub contracting_authority: String,
    /// Its CIG.
    pub cig: Cig,
    /// What the contract is for.
    pub subject: String,
    /// First day of the contract.
    pub from_on: NaiveDate,
    /// Last day of the contract (inclusive).
    pub until_on: NaiveDate,
    /// The employer awarded the contract.
    pub employer_id: Uuid,
    /// The kind of social clause.
    pub clause: ClauseKind,
    /// What the clause requires.
    pub requirement: Requirement,
    /// The contract's working hours per month (all its workers), by which a share of hours is
    /// judged.
    pub monthly_hours: Option<u32>,
    /// Notes.
    pub notes: Option<String>,
}

/// Checks a contract against the rules that bind its fields and its employer: a period of at
/// most [`MAX_CONTRACT_DAYS`] ending on or after it starts; a requirement that asks something;
/// an agreement under L. 381/1991 art. 5 only with a type-B cooperative, a reserved contract
/// only with a social cooperative; never with an annulled employer.
pub fn check_contract(
    content: &ContractContent,
    employer_kind: EmployerKind,
    employer_annulled: bool,
) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if content.until_on < content.from_on {
        errors.push(FieldError::new("until_on", "must not be before `from_on`"));
    } else if (content.until_on - content.from_on).num_days() > MAX_CONTRACT_DAYS {
        errors.push(FieldError::new(
            "until_on",
            "a contract is recorded for at most ten years",
        ));
    }
    if content
        .monthly_hours
        .is_some_and(|h| h == 0 || h > MAX_CONTRACT_MONTHLY_HOURS)
    {
        errors.push(FieldError::new(
            "monthly_hours",
            format!("must be between 1 and {MAX_CONTRACT_MONTHLY_HOURS}"),
        ));
    }
    match content.requirement {
        Requirement::Workers(0) => {
            errors.push(FieldError::new("required_workers", "must be at least 1"))
        }
        Requirement::HoursShare(share) if share == 0 || share > 100 => errors.push(
            FieldError::new("required_hours_share", "must be between 1 and 100"),
        ),
        _ => {}
    }
    if employer_annulled {
        errors.push(FieldError::new("employer_id", "the employer is annulled"));
    } else {
        match (content.clause, employer_kind) {
            (ClauseKind::TypeBAgreement, EmployerKind::SocialCooperativeB) => {}
            (ClauseKind::TypeBAgreement, _) => errors.push(FieldError::new(
                "employer_id",
                "an agreement under L. 381/1991 art. 5 is made with a type-B social cooperative",
            )),
            (ClauseKind::ReservedContract, kind) if !kind.is_social_cooperative() => {
                errors.push(FieldError::new(
                    "employer_id",
                    "a reserved contract is awarded to a social cooperative",
                ))
            }
            _ => {}
        }
    }
    errors.into_result(())
}

/// A procurement contract as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    /// Identifier.
    pub id: Uuid,
    /// Its description, as last amended.
    pub content: ContractContent,
    /// Optimistic-lock version: 1, then one more per amendment.
    pub version: i64,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it was last amended.
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn with_check(first_ten: [u8; 10]) -> String {
        let mut s: String = first_ten.iter().map(|d| char::from(b'0' + d)).collect();
        s.push(char::from(b'0' + vat_check_digit(&first_ten)));
        s
    }

    #[test]
    fn known_partite_iva() {
        // The Agenzia delle Entrate's own, and a municipality's.
        assert!(VatNumber::parse("06363391001").is_ok());
        assert!(VatNumber::parse("00355870221").is_ok());
        assert_eq!(
            VatNumber::parse("IT 0035587 0221").unwrap().as_str(),
            "00355870221"
        );
        assert!(VatNumber::parse("00355870222").is_err());
        assert!(VatNumber::parse("0035587022").is_err());
        assert!(VatNumber::parse("0035587022a").is_err());
        assert!(VatNumber::parse("00000000000").is_err());
    }

    #[test]
    fn a_cooperative_needs_its_registration_and_others_have_none() {
        let content = EmployerContent {
            kind: EmployerKind::SocialCooperativeB,
            name: "Cooperativa sociale Il Ponte".into(),
            vat_number: None,
            tax_code: None,
            street: "Via Brennero 1".into(),
            municipality: "Trento".into(),
            postcode: None,
            contact_name: None,
            phone: None,
            email: None,
            cooperative_register_number: None,
            cooperative_registered_on: None,
        };
        let fields: Vec<String> = check_employer(&content)
            .unwrap_err()
            .errors()
            .iter()
            .map(|e| e.field.clone())
            .collect();
        assert_eq!(
            fields,
            [
                "vat_number",
                "cooperative_register_number",
                "cooperative_registered_on"
            ]
        );
        let company = EmployerContent {
            kind: EmployerKind::Company,
            vat_number: Some(VatNumber::parse("00355870221").unwrap()),
            cooperative_register_number: Some("A123".into()),
            ..content.clone()
        };
        assert_eq!(check_employer(&company).unwrap_err().errors().len(), 1);
        let cooperative = EmployerContent {
            tax_code: Some("00355870221".into()),
            cooperative_register_number: Some("A123".into()),
            cooperative_registered_on: NaiveDate::from_ymd_opt(2001, 5, 3),
            ..content
        };
        assert!(check_employer(&cooperative).is_ok());
    }

    #[test]
    fn a_tax_code_is_a_company_number_or_a_personal_code() {
        assert_eq!(
            parse_employer_tax_code("00355870221").unwrap(),
            "00355870221"
        );
        assert!(parse_employer_tax_code("00355870222").is_err());
        assert!(parse_employer_tax_code("RSSMRA85T10A562S").is_ok());
        assert!(is_personal_tax_code("RSSMRA85T10A562S"));
        assert!(parse_employer_tax_code("RSSMRA85T10A562X").is_err());
    }

    #[test]
    fn cigs_of_each_published_format() {
        assert_eq!(Cig::parse("1234567ABF").unwrap().kind(), CigKind::Standard);
        assert_eq!(Cig::parse("z0a1b2c3d4").unwrap().as_str(), "Z0A1B2C3D4");
        assert_eq!(Cig::parse("Z0A1B2C3D4").unwrap().kind(), CigKind::Smart);
        assert_eq!(Cig::parse("B123456789").unwrap().kind(), CigKind::Platform);
        for bad in [
            "123456ABCD",
            "1234567ABG",
            "Z0A1B2C3D",
            "Z0A1B2C3D45",
            "#123456789",
            "ÀBCDEF1234",
        ] {
            assert!(Cig::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_clause_binds_the_employer_and_the_period() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 1, d).unwrap();
        let contract = ContractContent {
            contracting_authority: "Comune di Trento".into(),
            cig: Cig::parse("1234567ABF").unwrap(),
            subject: "Manutenzione del verde".into(),
            from_on: day(10),
            until_on: day(9),
            employer_id: Uuid::nil(),
            clause: ClauseKind::TypeBAgreement,
            requirement: Requirement::Workers(0),
            monthly_hours: None,
            notes: None,
        };
        let fields = |r: Result<(), ValidationErrors>| -> Vec<String> {
            r.err()
                .map(|e| e.errors().iter().map(|f| f.field.clone()).collect())
                .unwrap_or_default()
        };
        assert_eq!(
            fields(check_contract(&contract, EmployerKind::Company, false)),
            ["until_on", "required_workers", "employer_id"]
        );
        let fine = ContractContent {
            until_on: day(31),
            requirement: Requirement::Workers(2),
            monthly_hours: None,
            ..contract.clone()
        };
        assert!(check_contract(&fine, EmployerKind::SocialCooperativeB, false).is_ok());
        assert_eq!(
            fields(check_contract(
                &fine,
                EmployerKind::SocialCooperativeB,
                true
            )),
            ["employer_id"]
        );
        let reserved = ContractContent {
            clause: ClauseKind::ReservedContract,
            requirement: Requirement::HoursShare(30),
            monthly_hours: None,
            ..fine.clone()
        };
        assert!(check_contract(&reserved, EmployerKind::SocialCooperativeA, false).is_ok());
        assert!(check_contract(&reserved, EmployerKind::Association, false).is_err());
        let hiring = ContractContent {
            clause: ClauseKind::DisadvantagedHiring,
            requirement: Requirement::HoursShare(101),
            monthly_hours: None,
            ..fine
        };
        assert_eq!(
            fields(check_contract(&hiring, EmployerKind::Company, false)),
            ["required_hours_share"]
        );
    }

    proptest! {
        #[test]
        fn every_number_with_its_check_digit_is_valid(digits in proptest::array::uniform10(0u8..10)) {
            prop_assume!(digits.iter().any(|d| *d != 0));
            let number = with_check(digits);
            let parsed = VatNumber::parse(&number).unwrap();
            prop_assert_eq!(parsed.as_str(), number.as_str());
        }

        #[test]
        fn every_other_last_digit_is_refused(
            digits in proptest::array::uniform10(0u8..10),
            shift in 1u8..10,
        ) {
            prop_assume!(digits.iter().any(|d| *d != 0));
            let mut number = with_check(digits).into_bytes();
            number[10] = b'0' + (number[10] - b'0' + shift) % 10;
            let number = String::from_utf8(number).unwrap();
            prop_assert!(VatNumber::parse(&number).is_err());
        }

        #[test]
        fn a_swap_of_two_adjacent_different_digits_is_caught(
            digits in proptest::array::uniform10(0u8..10),
            at in 0usize..9,
        ) {
            // The Luhn-style sum catches every swap of adjacent digits except 0↔9.
            prop_assume!(digits.iter().any(|d| *d != 0));
            prop_assume!(digits[at] != digits[at + 1]);
            prop_assume!(!matches!((digits[at], digits[at + 1]), (0, 9) | (9, 0)));
            let number = with_check(digits);
            let mut swapped = number.clone().into_bytes();
            swapped.swap(at, at + 1);
            let swapped = String::from_utf8(swapped).unwrap();
            prop_assert!(VatNumber::parse(&swapped).is_err());
        }
    }
}
