//! The people the office serves (persona assistita): identity, residence, contacts.

use std::fmt;

use chrono::NaiveDate;
use uuid::Uuid;

use crate::case_file::periods_overlap;
use crate::error::ValidationErrors;
use crate::names;
use crate::staff::Email;
use crate::tax_code::{ConsistencyWarning, TaxCode, TaxCodeSex, consistency_warnings};

/// Sex as recorded in the civil registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
}

impl Sex {
    /// Stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
        }
    }

    /// Parses a stored code.
    pub fn parse(code: &str) -> Result<Self, String> {
        match code {
            "female" => Ok(Sex::Female),
            "male" => Ok(Sex::Male),
            other => Err(format!("unknown sex `{other}`")),
        }
    }

    fn as_tax_code_sex(self) -> TaxCodeSex {
        match self {
            Sex::Female => TaxCodeSex::Female,
            Sex::Male => TaxCodeSex::Male,
        }
    }
}

/// ISO 3166-1 alpha-2 codes (officially assigned), for citizenship.
const ISO_3166_ALPHA2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK";

/// A country, as an ISO 3166-1 alpha-2 code (upper case; `XK` is accepted for Kosovo, as
/// Italian registries do).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CountryCode(String);

impl CountryCode {
    /// Parses a code, case-insensitively.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let code = raw.trim().to_ascii_uppercase();
        if code.len() == 2 && ISO_3166_ALPHA2.split(' ').any(|c| c == code) {
            Ok(Self(code))
        } else {
            Err("must be an ISO 3166-1 alpha-2 country code such as IT, RO or NG".into())
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A spoken language, as an ISO 639 code: two letters (ISO 639-1, e.g. `it`, `ar`) or three
/// (ISO 639-2/3, e.g. `rom` for Romani, which has no two-letter code); stored lower-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LanguageCode(String);

impl LanguageCode {
    /// Parses a code, case-insensitively.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let code = raw.trim().to_ascii_lowercase();
        if (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase()) {
            Ok(Self(code))
        } else {
            Err("must be an ISO 639 language code such as it, ar or rom".into())
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A personal name part (given names or family names): 1-100 characters, no control characters,
/// cleaned by [`names::clean`] (invisible characters removed, Unicode NFC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePart(String);

impl NamePart {
    /// Parses a name part: removes invisible characters (zero-width, bidirectional controls,
    /// soft hyphen and other default-ignorable code points), normalises to NFC, trims and
    /// collapses inner whitespace. `"Ma\u{200B}rio"` gives `"Mario"`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = names::clean(raw)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let len = value.chars().count();
        if len == 0 {
            return Err("must not be empty".into());
        }
        if len > 100 {
            return Err("must be at most 100 characters long".into());
        }
        if value.chars().any(|c| c.is_control() || c.is_ascii_digit()) {
            return Err("must not contain digits or control characters".into());
        }
        Ok(Self(value))
    }

    /// The name as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn optional_text(raw: Option<&str>, max: usize) -> Result<Option<String>, String> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) if text.chars().count() > max => {
            Err(format!("must be at most {max} characters long"))
        }
        Some(text) if text.chars().any(char::is_control) => {
            Err("must not contain control characters".into())
        }
        Some(text) => Ok(Some(text.to_owned())),
    }
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// Street and number, e.g. `Via Roma 1`.
    pub street: Option<String>,
    /// Postal code (CAP).
    pub postal_code: Option<String>,
    /// Municipality (comune), required.
    pub municipality: String,
    /// Province code, e.g. `TN`.
    pub province: Option<String>,
}

/// Where a person is registered as living.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Residence {
    /// A registered residence.
    Registered(Address),
    /// A fictitious registry address (residenza fittizia), e.g. for homeless people.
    Fictitious(Address),
    /// No residence.
    None,
}

impl Residence {
    /// Stored code of the kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Residence::Registered(_) => "residence",
            Residence::Fictitious(_) => "fictitious",
            Residence::None => "none",
        }
    }

    /// The address, if any.
    pub fn address(&self) -> Option<&Address> {
        match self {
            Residence::Registered(a) | Residence::Fictitious(a) => Some(a),
            Residence::None => None,
        }
    }
}

/// Raw input for a residence, as received.
#[derive(Debug, Clone, Default)]
pub struct ResidenceInput {
    /// `residence`, `fictitious` or `none`.
    pub kind: String,
    /// Street and number.
    pub street: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Municipality.
    pub municipality: Option<String>,
    /// Province code.
    pub province: Option<String>,
}

/// Raw input for a person's identity and contacts, as received from a client or from storage.
#[derive(Debug, Clone, Default)]
pub struct PersonInput {
    /// Given names.
    pub given_names: String,
    /// Family names.
    pub family_names: String,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Birth place (municipality or country).
    pub birth_place: Option<String>,
    /// `female` or `male`.
    pub sex: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub citizenship: Option<String>,
    /// Codice fiscale or provisional code.
    pub tax_code: Option<String>,
    /// Residence.
    pub residence: ResidenceInput,
    /// Phone number.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// ISO 639 language codes.
    pub languages: Vec<String>,
}

/// A person's validated identity and contacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonDetails {
    /// Given names.
    pub given_names: NamePart,
    /// Family names.
    pub family_names: NamePart,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Birth place.
    pub birth_place: Option<String>,
    /// Sex.
    pub sex: Option<Sex>,
    /// Citizenship.
    pub citizenship: Option<CountryCode>,
    /// Tax code.
    pub tax_code: Option<TaxCode>,
    /// Residence.
    pub residence: Residence,
    /// Phone number.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<Email>,
    /// Spoken languages, sorted, without duplicates.
    pub languages: Vec<LanguageCode>,
}

/// Earliest accepted birth date.
pub fn earliest_birth_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN)
}

impl PersonDetails {
    /// Validates every field against the office's rules, reporting each invalid one; `today`
    /// bounds the birth date.
    pub fn parse(input: &PersonInput, today: NaiveDate) -> Result<Self, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let given_names = e.collect("given_names", NamePart::parse(&input.given_names));
        let family_names = e.collect("family_names", NamePart::parse(&input.family_names));
        if let Some(date) = input.birth_date
            && (date > today || date < earliest_birth_date())
        {
            e.push(crate::FieldError::new(
                "birth_date",
                "must be between 1900-01-01 and today",
            ));
        }
        let birth_place = e
            .collect(
                "birth_place",
                optional_text(input.birth_place.as_deref(), 100),
            )
            .flatten();
        let sex = match input.sex.as_deref() {
            Some(code) => e.collect("sex", Sex::parse(code)),
            None => None,
        };
        let citizenship = match input.citizenship.as_deref() {
            Some(code) => e.collect("citizenship", CountryCode::parse(code)),
            None => None,
        };
        let tax_code = match input.tax_code.as_deref().map(str::trim) {
            Some(code) if !code.is_empty() => e.collect(
                "tax_code",
                TaxCode::parse(code).map_err(|err| err.to_string()),
            ),
            _ => None,
        };
        let residence = parse_residence(&input.residence, &mut e);
        let phone = e
            .collect("phone", optional_text(input.phone.as_deref(), 30))
            .flatten();
        if let Some(p) = &phone
            && !p
                .chars()
                .all(|c| c.is_ascii_digit() || " +-()/.".contains(c))
        {
            e.push(crate::FieldError::new(
                "phone",
                "may contain only digits, spaces and + - ( ) / .",
            ));
        }
        let email = match input.email.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => e.collect("email", Email::parse(text)),
            _ => None,
        };
        let mut languages = Vec::new();
        if input.languages.len() > 10 {
            e.push(crate::FieldError::new("languages", "at most 10 languages"));
        }
        for (i, code) in input.languages.iter().enumerate() {
            if let Some(lang) = e.collect(&format!("languages/{i}"), LanguageCode::parse(code)) {
                languages.push(lang);
            }
        }
        languages.sort();
        languages.dedup();
        let (Some(given_names), Some(family_names), Some(residence)) =
            (given_names, family_names, residence)
        else {
            return Err(e);
        };
        e.into_result(Self {
            given_names,
            family_names,
            birth_date: input.birth_date,
            birth_place,
            sex,
            citizenship,
            tax_code,
            residence,
            phone,
            email,
            languages,
        })
    }

    /// Key for duplicate detection: folded names, word order ignored.
    pub fn name_key(&self) -> String {
        names::name_key(self.given_names.as_str(), self.family_names.as_str())
    }

    /// Key for stable alphabetical order: folded family names, then given names.
    pub fn sort_key(&self) -> String {
        format!(
            "{} {}",
            names::fold(self.family_names.as_str()),
            names::fold(self.given_names.as_str())
        )
    }

    /// The folded words of both names, for prefix search.
    pub fn name_tokens(&self) -> Vec<String> {
        let mut tokens: Vec<String> = names::fold(&format!(
            "{} {}",
            self.given_names.as_str(),
            self.family_names.as_str()
        ))
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
        tokens.sort();
        tokens.dedup();
        tokens
    }

    /// Differences between the tax code and the birth date or sex given (kept as given, reported).
    pub fn tax_code_warnings(&self) -> Vec<ConsistencyWarning> {
        match &self.tax_code {
            Some(code) => {
                consistency_warnings(code, self.birth_date, self.sex.map(Sex::as_tax_code_sex))
            }
            None => Vec::new(),
        }
    }
}

fn parse_residence(input: &ResidenceInput, e: &mut ValidationErrors) -> Option<Residence> {
    let street = e
        .collect(
            "residence/street",
            optional_text(input.street.as_deref(), 200),
        )
        .flatten();
    let postal_code = e
        .collect(
            "residence/postal_code",
            optional_text(input.postal_code.as_deref(), 10),
        )
        .flatten();
    let municipality = e
        .collect(
            "residence/municipality",
            optional_text(input.municipality.as_deref(), 100),
        )
        .flatten();
    let province = e
        .collect(
            "residence/province",
            optional_text(input.province.as_deref(), 2).map(|p| p.map(|v| v.to_ascii_uppercase())),
        )
        .flatten();
    let address = |e: &mut ValidationErrors| match municipality.clone() {
        Some(municipality) => Some(Address {
            street: street.clone(),
            postal_code: postal_code.clone(),
            municipality,
            province: province.clone(),
        }),
        None => {
            e.push(crate::FieldError::new(
                "residence/municipality",
                "is required for a residence or a fictitious address",
            ));
            None
        }
    };
    match input.kind.as_str() {
        "residence" => address(e).map(Residence::Registered),
        "fictitious" => address(e).map(Residence::Fictitious),
        "none" => {
            if street.is_some() || postal_code.is_some() || municipality.is_some() {
                e.push(crate::FieldError::new(
                    "residence",
                    "a person without residence has no address",
                ));
                None
            } else {
                Some(Residence::None)
            }
        }
        other => {
            e.push(crate::FieldError::new(
                "residence/kind",
                format!("unknown kind `{other}`: use residence, fictitious or none"),
            ));
            None
        }
    }
}

/// Why and by whom a wrong record was annulled (never deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annulment {
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// By whom.
    pub by: uuid::Uuid,
    /// Why.
    pub reason: String,
}

/// A stored person with its bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    /// Identifier.
    pub id: uuid::Uuid,
    /// Identity and contacts.
    pub details: PersonDetails,
    /// Incremented at every change; the ETag of the person.
    pub version: i64,
    /// Creation instant.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Creator.
    pub created_by: uuid::Uuid,
    /// Last change instant.
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// Author of the last change.
    pub updated_by: uuid::Uuid,
    /// Set when the record was annulled.
    pub annulment: Option<Annulment>,
    /// When the retention procedure pseudonymised the person (see
    /// [`crate::personal_data`]): the record keeps what statistics need and takes no change.
    pub anonymised_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Refuses a change to, or new work on, a person the retention procedure pseudonymised: the
/// pseudonym must not gather new data (a person who comes back is registered again).
pub fn check_not_anonymised(
    anonymised_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(), String> {
    match anonymised_at {
        Some(_) => Err(
            "the retention procedure pseudonymised this person: nothing more is recorded on the \
             pseudonym; register the person again if they come back"
                .into(),
        ),
        None => Ok(()),
    }
}

/// Checks the reason given for annulling a record: 1-2000 characters after trimming.
pub fn parse_annulment_reason(raw: &str) -> Result<String, String> {
    let reason = raw.trim();
    match reason.chars().count() {
        0 => Err("a reason is required".into()),
        n if n > 2000 => Err("must be at most 2000 characters long".into()),
        _ => Ok(reason.to_owned()),
    }
}

/// An annulled person's record is kept as it is: refused (as a conflict) when `annulled`.
pub fn check_changeable(annulled: bool) -> Result<(), String> {
    if annulled {
        Err("the person was annulled and cannot be changed".into())
    } else {
        Ok(())
    }
}

/// A record is annulled once: annulling an annulled record is a conflict.
pub fn check_annullable(annulled: bool) -> Result<(), String> {
    if annulled {
        Err("the person is already annulled".into())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod annulment_rules {
    use super::*;

    #[test]
    fn a_record_is_annulled_once() {
        assert_eq!(check_annullable(false), Ok(()));
        assert_eq!(
            check_annullable(true),
            Err("the person is already annulled".into())
        );
    }
}

/// What the register holds that could make a new or corrected record a duplicate (live
/// persons only, the record itself excluded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DuplicateFacts {
    /// The live person holding the same tax code, if any.
    pub tax_code_holder: Option<Uuid>,
    /// Live persons with the same name (ignoring accents, case and word order) and birth date.
    pub same_name_and_birth: Vec<Uuid>,
}

/// Why a record would duplicate one already registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Duplicate {
    /// The tax code belongs to another live person.
    TaxCode {
        /// The tax code.
        code: String,
        /// Who holds it.
        holder: Uuid,
    },
    /// Persons with the same name and birth date, and the caller did not confirm someone else.
    Likely(Vec<Uuid>),
}

impl Duplicate {
    /// The message for the caller.
    pub fn detail(&self) -> String {
        match self {
            Duplicate::TaxCode { code, .. } => {
                format!("a person with tax code {code} is already registered")
            }
            Duplicate::Likely(_) => "persons with the same name and birth date are already \
                registered; check them, then repeat with confirm_new_person=true if this is \
                someone else"
                .into(),
        }
    }

    /// The persons already registered.
    pub fn ids(&self) -> Vec<Uuid> {
        match self {
            Duplicate::TaxCode { holder, .. } => vec![*holder],
            Duplicate::Likely(ids) => ids.clone(),
        }
    }
}

/// A tax code held by another live person is always a duplicate; the same name and birth date
/// is one unless `confirmed` (the caller checked the candidates and says it is someone else).
pub fn check_duplicates(
    details: &PersonDetails,
    facts: &DuplicateFacts,
    confirmed: bool,
) -> Result<(), Duplicate> {
    if let (Some(code), Some(holder)) = (&details.tax_code, facts.tax_code_holder) {
        return Err(Duplicate::TaxCode {
            code: code.as_str().to_owned(),
            holder,
        });
    }
    if !confirmed && !facts.same_name_and_birth.is_empty() {
        return Err(Duplicate::Likely(facts.same_name_and_birth.clone()));
    }
    Ok(())
}

/// A correction keeping the name and the birth date cannot create a new likely duplicate: it
/// counts as confirmed.
pub fn correction_confirmed(current: &PersonDetails, corrected: &PersonDetails) -> bool {
    corrected.name_key() == current.name_key() && corrected.birth_date == current.birth_date
}

/// One of the two records of a merge, as the merge rules see it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeSide {
    /// Whether the record is annulled.
    pub annulled: bool,
    /// Its tax code.
    pub tax_code: Option<String>,
    /// Its case files that are not closed: area and reference.
    pub open_files: Vec<(crate::staff::Area, String)>,
    /// Its household memberships: joined on, left on.
    pub memberships: Vec<(NaiveDate, Option<NaiveDate>)>,
}

/// Two records of the same person can be merged unless either is annulled, they have
/// different tax codes, both have a file that is not closed in the same area, or both belong
/// to a household over the same period. The refusal says why.
pub fn check_mergeable(survivor: &MergeSide, duplicate: &MergeSide) -> Result<(), String> {
    if survivor.annulled || duplicate.annulled {
        return Err("annulled records cannot be merged".into());
    }
    if let (Some(a), Some(b)) = (&survivor.tax_code, &duplicate.tax_code)
        && a != b
    {
        return Err(format!(
            "the records have different tax codes ({a} and {b}): they are not the same person"
        ));
    }
    for (area, reference) in &duplicate.open_files {
        if let Some((_, clash)) = survivor.open_files.iter().find(|(a, _)| a == area) {
            return Err(format!(
                "both records have an open case file in the area {area} ({clash} and \
                 {reference}): close one first"
            ));
        }
    }
    for (joined, left) in &duplicate.memberships {
        if survivor
            .memberships
            .iter()
            .any(|(j, l)| periods_overlap(*joined, *left, *j, *l))
        {
            return Err(
                "both records belong to a household over the same period: end one \
                        membership first"
                    .into(),
            );
        }
    }
    Ok(())
}

impl fmt::Display for NamePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details(given: &str, tax_code: Option<&str>) -> PersonDetails {
        let mut raw = input();
        raw.given_names = given.into();
        raw.tax_code = tax_code.map(Into::into);
        PersonDetails::parse(&raw, today()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_tax_code_held_by_another_is_always_a_duplicate() {
        let holder = Uuid::now_v7();
        let facts = DuplicateFacts {
            tax_code_holder: Some(holder),
            same_name_and_birth: Vec::new(),
        };
        let with_code = details("Maria Grazia", Some("RSSMRA85T10A562S"));
        let err = check_duplicates(&with_code, &facts, true).unwrap_err();
        assert_eq!(err.ids(), vec![holder]);
        assert!(err.detail().contains("tax code"), "{}", err.detail());
        assert!(check_duplicates(&details("Maria Grazia", None), &facts, false).is_ok());
    }

    #[test]
    fn the_same_name_and_birth_date_is_a_duplicate_unless_confirmed() {
        let other = Uuid::now_v7();
        let facts = DuplicateFacts {
            tax_code_holder: None,
            same_name_and_birth: vec![other],
        };
        let d = details("Maria Grazia", None);
        assert_eq!(
            check_duplicates(&d, &facts, false),
            Err(Duplicate::Likely(vec![other]))
        );
        assert!(check_duplicates(&d, &facts, true).is_ok());
        assert!(check_duplicates(&d, &DuplicateFacts::default(), false).is_ok());
    }

    #[test]
    fn a_correction_keeping_name_and_birth_date_is_confirmed() {
        let current = details("Maria Grazia", None);
        assert!(correction_confirmed(
            &current,
            &details("Grazia Maria", None)
        ));
        assert!(!correction_confirmed(&current, &details("Maria", None)));
    }

    #[test]
    fn merges_refuse_what_cannot_be_the_same_person() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 1, d).unwrap_or_default();
        let side = MergeSide::default();
        assert!(check_mergeable(&side, &side).is_ok());
        let annulled = MergeSide {
            annulled: true,
            ..MergeSide::default()
        };
        assert!(check_mergeable(&side, &annulled).is_err());
        assert!(check_mergeable(&annulled, &side).is_err());
        let coded = |c: &str| MergeSide {
            tax_code: Some(c.into()),
            ..MergeSide::default()
        };
        assert!(check_mergeable(&coded("A"), &coded("B")).is_err());
        assert!(check_mergeable(&coded("A"), &coded("A")).is_ok());
        assert!(check_mergeable(&coded("A"), &side).is_ok());
        let filed = |area, r: &str| MergeSide {
            open_files: vec![(area, r.into())],
            ..MergeSide::default()
        };
        let clash = check_mergeable(
            &filed(crate::staff::Area::Transversal, "CS-1"),
            &filed(crate::staff::Area::Transversal, "CS-2"),
        )
        .unwrap_err();
        assert!(clash.contains("CS-1") && clash.contains("CS-2"), "{clash}");
        assert!(
            check_mergeable(
                &filed(crate::staff::Area::Transversal, "CS-1"),
                &filed(crate::staff::Area::SocialInclusion, "CS-2"),
            )
            .is_ok()
        );
        let home = |from, to: Option<u32>| MergeSide {
            memberships: vec![(day(from), to.map(day))],
            ..MergeSide::default()
        };
        assert!(check_mergeable(&home(1, Some(10)), &home(5, None)).is_err());
        assert!(check_mergeable(&home(1, Some(5)), &home(5, None)).is_ok());
    }

    #[test]
    fn annulled_persons_are_not_changed() {
        assert!(check_changeable(false).is_ok());
        assert!(check_changeable(true).is_err());
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap_or_default()
    }

    fn input() -> PersonInput {
        PersonInput {
            given_names: " Maria  Grazia ".into(),
            family_names: "D'Angelo".into(),
            birth_date: NaiveDate::from_ymd_opt(1985, 3, 12),
            sex: Some("female".into()),
            citizenship: Some("it".into()),
            residence: ResidenceInput {
                kind: "fictitious".into(),
                municipality: Some("Trento".into()),
                province: Some("tn".into()),
                ..ResidenceInput::default()
            },
            languages: vec!["it".into(), "EN".into(), "it".into()],
            ..PersonInput::default()
        }
    }

    #[test]
    fn valid_input_is_normalised() {
        let p = PersonDetails::parse(&input(), today()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.given_names.as_str(), "Maria Grazia");
        assert_eq!(p.citizenship.as_ref().map(CountryCode::as_str), Some("IT"));
        assert_eq!(p.residence.kind(), "fictitious");
        assert_eq!(
            p.residence.address().and_then(|a| a.province.clone()),
            Some("TN".into())
        );
        let langs: Vec<&str> = p.languages.iter().map(LanguageCode::as_str).collect();
        assert_eq!(langs, vec!["en", "it"]);
        assert_eq!(p.name_tokens(), vec!["angelo", "d", "grazia", "maria"]);
    }

    #[test]
    fn invisible_characters_are_removed_from_names() {
        let mut with_zero_width = input();
        with_zero_width.given_names = "Ma\u{200B}ria \u{FEFF}Grazia".into();
        with_zero_width.family_names = "D'An\u{AD}ge\u{202E}lo".into();
        let p = PersonDetails::parse(&with_zero_width, today()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.given_names.as_str(), "Maria Grazia");
        assert_eq!(p.family_names.as_str(), "D'Angelo");
        let plain = PersonDetails::parse(&input(), today()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.name_key(), plain.name_key());
        assert_eq!(
            NamePart::parse("E\u{301}lodie").map(|n| n.0),
            Ok("\u{C9}lodie".to_owned())
        );
        assert!(NamePart::parse("\u{200B}\u{200D}").is_err());
    }

    #[test]
    fn every_invalid_field_is_reported() {
        let mut bad = input();
        bad.given_names = " ".into();
        bad.birth_date = NaiveDate::from_ymd_opt(2030, 1, 1);
        bad.citizenship = Some("XX".into());
        bad.tax_code = Some("ABC".into());
        bad.residence.municipality = None;
        bad.languages = vec!["italian".into()];
        bad.phone = Some("call me".into());
        let errors = PersonDetails::parse(&bad, today())
            .err()
            .unwrap_or_default();
        let fields: Vec<&str> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        for field in [
            "given_names",
            "birth_date",
            "citizenship",
            "tax_code",
            "residence/municipality",
            "languages/0",
            "phone",
        ] {
            assert!(fields.contains(&field), "{field} missing in {fields:?}");
        }
    }

    #[test]
    fn no_residence_means_no_address() {
        let mut i = input();
        i.residence = ResidenceInput {
            kind: "none".into(),
            ..ResidenceInput::default()
        };
        assert!(PersonDetails::parse(&i, today()).is_ok());
        i.residence.street = Some("Via Roma 1".into());
        assert!(PersonDetails::parse(&i, today()).is_err());
    }
}
