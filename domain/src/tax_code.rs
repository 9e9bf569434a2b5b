//! The Italian tax code (codice fiscale) of an assisted person.
//!
//! Two forms are accepted:
//! - the 16-character personal code, e.g. `RSSMRA85T10A562S`: three letters from the surname,
//!   three from the given name, the birth year (two digits), a month letter, the birth day (plus
//!   40 for women), the cadastral (Belfiore) code of the birthplace (`Z…` for a foreign country)
//!   and a check letter. When two people would get the same code, the revenue agency replaces
//!   digits with letters (*omocodia*); such codes are valid and decode to the same data;
//! - the 11-digit provisional code (codice fiscale provvisorio), with the check digit of the
//!   partita IVA.
//!
//! The code is validated when given, but it is optional for a person: many homeless people and
//! newly arrived migrants have none. Differences between the data encoded in the code and the
//! person's own fields are [warnings](consistency_warnings), never errors.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

/// Length of a personal tax code.
const PERSONAL_LEN: usize = 16;
/// Length of a provisional tax code.
const PROVISIONAL_LEN: usize = 11;
/// Indexes (0-based) of the characters that are digits in a code without omocodia.
const DIGIT_POSITIONS: [usize; 7] = [6, 7, 9, 10, 12, 13, 14];
/// Indexes (0-based) of the characters that are always letters (the check letter aside).
const LETTER_POSITIONS: [usize; 8] = [0, 1, 2, 3, 4, 5, 8, 11];
/// The letters that replace the digits 0 to 9 in omocodic codes.
const OMOCODIA_LETTERS: [u8; 10] = *b"LMNPQRSTUV";
/// The month letters, January to December.
const MONTH_LETTERS: [u8; 12] = *b"ABCDEHLMPRST";
/// Values of the letters `A`..=`Z` (and of the digits `0`..=`9`, as `A`..=`J`) in the odd
/// (1st, 3rd, …) positions of the check-character computation.
const ODD_VALUES: [u32; 26] = [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];

/// Why a text is not a valid tax code. The messages are written for the person filling in the
/// form, as the detail of a field error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxCodeError {
    /// Nothing was given (only spaces).
    #[error("must not be empty")]
    Empty,
    /// The length is neither 16 (personal code) nor 11 (provisional code).
    #[error("must be 16 characters (codice fiscale) or 11 digits (provisional code)")]
    InvalidLength,
    /// A character that must be a letter is not one.
    #[error("character {position} must be a letter")]
    ExpectedLetter {
        /// 1-based position of the character.
        position: usize,
    },
    /// A character that must be a digit is not one (in a personal code, the omocodia letters
    /// `L M N P Q R S T U V` are also accepted there).
    #[error("character {position} must be a digit")]
    ExpectedDigit {
        /// 1-based position of the character.
        position: usize,
    },
    /// The 9th character is not one of the month letters `A B C D E H L M P R S T`.
    #[error("invalid birth month letter")]
    InvalidMonth,
    /// The birth day is not 1–31 (men) or 41–71 (women), or does not exist in the birth month.
    #[error("invalid birth day")]
    InvalidDay,
    /// The last character does not match the others: there is a typing error somewhere.
    #[error("invalid check character: expected {expected}")]
    InvalidCheckCharacter {
        /// The check character computed from the other characters (a letter for a personal
        /// code, a digit for a provisional code).
        expected: char,
    },
}

/// Which of the two forms a tax code has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaxCodeKind {
    /// The 16-character code that encodes name, birth date, sex and birthplace.
    Personal,
    /// The 11-digit provisional code (codice fiscale provvisorio).
    Provisional,
}

/// The sex encoded in a personal tax code (women have 40 added to the birth day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaxCodeSex {
    /// Male (birth day 01–31).
    Male,
    /// Female (birth day 41–71).
    Female,
}

impl TaxCodeSex {
    /// The code of the value: `male` or `female`.
    pub fn as_str(self) -> &'static str {
        match self {
            TaxCodeSex::Male => "male",
            TaxCodeSex::Female => "female",
        }
    }
}

impl fmt::Display for TaxCodeSex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The data encoded in a personal tax code, with omocodia letters turned back into digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedTaxCode {
    /// The last two digits of the birth year (the century is not encoded).
    pub birth_year_two_digits: u8,
    /// The birth month, 1–12.
    pub birth_month: u32,
    /// The birth day of the month, 1–31 (without the 40 added for women).
    pub birth_day: u32,
    /// The sex.
    pub sex: TaxCodeSex,
    /// The cadastral (Belfiore) code of the birthplace, e.g. `H501` (Rome) or `Z404` (USA).
    pub birthplace_code: String,
    /// True when some digits were replaced by letters (omocodia).
    pub omocodic: bool,
}

impl DecodedTaxCode {
    /// True when the birthplace is a foreign country (cadastral codes starting with `Z`).
    pub fn is_foreign_born(&self) -> bool {
        self.birthplace_code.starts_with('Z')
    }

    /// True when `date` has the encoded two-digit year, month and day.
    pub fn matches_birth_date(&self, date: NaiveDate) -> bool {
        i64::from(date.year()).rem_euclid(100) == i64::from(self.birth_year_two_digits)
            && date.month() == self.birth_month
            && date.day() == self.birth_day
    }

    /// The encoded birth date as `YY-MM-DD`, e.g. `85-03-12`.
    pub fn birth_date_yy_mm_dd(&self) -> String {
        format!(
            "{:02}-{:02}-{:02}",
            self.birth_year_two_digits, self.birth_month, self.birth_day
        )
    }
}

/// A valid tax code, normalised: no spaces, upper case, omocodia letters kept as given.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaxCode(String);

impl TaxCode {
    /// Parses a tax code: trims it, removes inner spaces, upper-cases it, then checks it as a
    /// 16-character personal code or an 11-digit provisional code.
    pub fn parse(raw: &str) -> Result<Self, TaxCodeError> {
        let value: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect();
        if value.is_empty() {
            return Err(TaxCodeError::Empty);
        }
        let chars: Vec<char> = value.chars().collect();
        match chars.len() {
            PERSONAL_LEN => check_personal(&chars)?,
            PROVISIONAL_LEN => check_provisional(&chars)?,
            _ => return Err(TaxCodeError::InvalidLength),
        }
        Ok(Self(value))
    }

    /// The normalised code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Which form the code has.
    pub fn kind(&self) -> TaxCodeKind {
        if self.0.len() == PROVISIONAL_LEN {
            TaxCodeKind::Provisional
        } else {
            TaxCodeKind::Personal
        }
    }

    /// True for an 11-digit provisional code.
    pub fn is_provisional(&self) -> bool {
        self.kind() == TaxCodeKind::Provisional
    }

    /// The data encoded in a personal code; `None` for a provisional code.
    pub fn decoded(&self) -> Option<DecodedTaxCode> {
        if self.is_provisional() {
            return None;
        }
        let bytes = self.0.as_bytes();
        decode_personal(bytes).ok()
    }
}

impl fmt::Display for TaxCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for TaxCode {
    type Err = TaxCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for TaxCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Checks the structure and the check character of a 16-character code (already upper-cased).
fn check_personal(chars: &[char]) -> Result<(), TaxCodeError> {
    for &i in &LETTER_POSITIONS {
        if !chars[i].is_ascii_uppercase() {
            return Err(TaxCodeError::ExpectedLetter { position: i + 1 });
        }
    }
    for &i in &DIGIT_POSITIONS {
        if digit_value(chars[i]).is_none() {
            return Err(TaxCodeError::ExpectedDigit { position: i + 1 });
        }
    }
    if !chars[15].is_ascii_uppercase() {
        return Err(TaxCodeError::ExpectedLetter { position: 16 });
    }
    // Every character is ASCII from here on.
    let bytes: Vec<u8> = chars.iter().map(|&c| c as u8).collect();
    decode_personal(&bytes)?;
    let expected = check_character(&bytes[..15]).ok_or(TaxCodeError::InvalidLength)?;
    if bytes[15] != expected as u8 {
        return Err(TaxCodeError::InvalidCheckCharacter { expected });
    }
    Ok(())
}

/// Checks an 11-character provisional code: digits only and a valid check digit.
fn check_provisional(chars: &[char]) -> Result<(), TaxCodeError> {
    let mut digits = [0u32; PROVISIONAL_LEN];
    for (i, c) in chars.iter().enumerate() {
        digits[i] = c
            .to_digit(10)
            .ok_or(TaxCodeError::ExpectedDigit { position: i + 1 })?;
    }
    let expected = provisional_check_digit(&digits[..10]);
    if digits[10] != expected {
        let expected = char::from_digit(expected, 10).unwrap_or('0');
        return Err(TaxCodeError::InvalidCheckCharacter { expected });
    }
    Ok(())
}

/// The check digit of the first ten digits of a provisional code (the partita IVA algorithm).
pub fn provisional_check_digit(digits: &[u32]) -> u32 {
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                d
            } else {
                let twice = d * 2;
                if twice > 9 { twice - 9 } else { twice }
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// The value of a character in a digit position: a digit, or an omocodia letter.
fn digit_value(c: char) -> Option<u32> {
    if let Some(d) = c.to_digit(10) {
        return Some(d);
    }
    let byte = u8::try_from(c).ok()?;
    OMOCODIA_LETTERS
        .iter()
        .position(|&l| l == byte)
        .and_then(|p| u32::try_from(p).ok())
}

/// The number made of the characters of `bytes` at `positions`, after omocodia decoding.
fn number_at(bytes: &[u8], positions: &[usize]) -> Option<u32> {
    positions.iter().try_fold(0u32, |acc, &i| {
        let d = digit_value(char::from(*bytes.get(i)?))?;
        Some(acc * 10 + d)
    })
}

/// Decodes birth date, sex and birthplace of a structurally checked 16-character code.
fn decode_personal(bytes: &[u8]) -> Result<DecodedTaxCode, TaxCodeError> {
    let year = number_at(bytes, &[6, 7]).ok_or(TaxCodeError::ExpectedDigit { position: 7 })?;
    let month_letter = *bytes.get(8).ok_or(TaxCodeError::InvalidLength)?;
    let month = MONTH_LETTERS
        .iter()
        .position(|&l| l == month_letter)
        .and_then(|p| u32::try_from(p + 1).ok())
        .ok_or(TaxCodeError::InvalidMonth)?;
    let raw_day = number_at(bytes, &[9, 10]).ok_or(TaxCodeError::ExpectedDigit { position: 10 })?;
    let (day, sex) = match raw_day {
        1..=31 => (raw_day, TaxCodeSex::Male),
        41..=71 => (raw_day - 40, TaxCodeSex::Female),
        _ => return Err(TaxCodeError::InvalidDay),
    };
    if day > max_day(month) {
        return Err(TaxCodeError::InvalidDay);
    }
    let place_letter = *bytes.get(11).ok_or(TaxCodeError::InvalidLength)?;
    let place_number =
        number_at(bytes, &[12, 13, 14]).ok_or(TaxCodeError::ExpectedDigit { position: 13 })?;
    let omocodic = DIGIT_POSITIONS
        .iter()
        .any(|&i| bytes.get(i).is_some_and(|b| !b.is_ascii_digit()));
    Ok(DecodedTaxCode {
        birth_year_two_digits: u8::try_from(year).map_err(|_| TaxCodeError::InvalidLength)?,
        birth_month: month,
        birth_day: day,
        sex,
        birthplace_code: format!("{}{place_number:03}", char::from(place_letter)),
        omocodic,
    })
}

/// The last day of `month` in any year (29 for February: the century is not encoded, so any
/// two-digit year may be a leap year).
fn max_day(month: u32) -> u32 {
    match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The check character of 15 upper-case ASCII letters or digits.
fn check_character(first15: &[u8]) -> Option<char> {
    if first15.len() != 15 {
        return None;
    }
    let mut sum = 0u32;
    for (i, &b) in first15.iter().enumerate() {
        let index = match b {
            b'0'..=b'9' => b - b'0',
            b'A'..=b'Z' => b - b'A',
            _ => return None,
        };
        // Positions are counted from 1: index 0 is the 1st, an odd position.
        sum += if i % 2 == 0 {
            ODD_VALUES[usize::from(index)]
        } else {
            u32::from(index)
        };
    }
    let offset = u8::try_from(sum % 26).ok()?;
    Some(char::from(b'A' + offset))
}

/// The check character (16th) of a personal code from its first 15 characters (letters or
/// digits, any case); `None` when the input is not 15 such characters. Only the standard
/// odd/even position tables are applied: the structure is not checked.
pub fn compute_check_character(first15: &str) -> Option<char> {
    let upper = first15.to_ascii_uppercase();
    check_character(upper.as_bytes())
}

/// Builds a valid personal code (without omocodia) from already computed 3-letter surname and
/// name codes (see [`surname_code`] and [`name_code`]), the birth date, the sex and the
/// cadastral code of the birthplace (a letter and three digits, e.g. `H501`). `None` when an
/// argument has the wrong shape. Used by tests and by demo data generators.
pub fn encode_personal(
    surname_code: &str,
    name_code: &str,
    birth: NaiveDate,
    sex: TaxCodeSex,
    birthplace: &str,
) -> Option<TaxCode> {
    let is_three_letters = |s: &str| s.len() == 3 && s.bytes().all(|b| b.is_ascii_alphabetic());
    if !is_three_letters(surname_code) || !is_three_letters(name_code) {
        return None;
    }
    let place = birthplace.as_bytes();
    if place.len() != 4
        || !place[0].is_ascii_alphabetic()
        || !place[1..].iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let month_index = usize::try_from(birth.month0()).ok()?;
    let month = char::from(*MONTH_LETTERS.get(month_index)?);
    let year = i64::from(birth.year()).rem_euclid(100);
    let day = match sex {
        TaxCodeSex::Male => birth.day(),
        TaxCodeSex::Female => birth.day() + 40,
    };
    let first15 = format!("{surname_code}{name_code}{year:02}{month}{day:02}{birthplace}")
        .to_ascii_uppercase();
    let check = compute_check_character(&first15)?;
    TaxCode::parse(&format!("{first15}{check}")).ok()
}

/// The letters of `text` for the name codes: diacritics stripped, upper case, letters only.
fn code_letters(text: &str) -> Vec<char> {
    crate::names::fold(text)
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// True for the vowels of the tax-code rules (`A E I O U`; every other letter is a consonant).
fn is_vowel(c: char) -> bool {
    matches!(c, 'A' | 'E' | 'I' | 'O' | 'U')
}

/// The first three of `consonants` then `vowels` then `X`s.
fn three_letters(consonants: &[char], vowels: &[char]) -> String {
    consonants
        .iter()
        .chain(vowels)
        .copied()
        .chain(std::iter::repeat('X'))
        .take(3)
        .collect()
}

/// The 3-letter surname code: the consonants, then the vowels, padded with `X`
/// (`Rossi` → `RSS`, `Fo` → `FOX`). Accents are stripped; apostrophes, spaces and other
/// non-letters are ignored (`D'Angelo` → `DNG`).
pub fn surname_code(surname: &str) -> String {
    let letters = code_letters(surname);
    let (vowels, consonants): (Vec<char>, Vec<char>) =
        letters.into_iter().partition(|&c| is_vowel(c));
    three_letters(&consonants, &vowels)
}

/// The 3-letter given-name code: with four or more consonants, the 1st, 3rd and 4th
/// (`Gianfranco` → `GFR`); otherwise as for the surname (`Mario` → `MRA`, `Luca` → `LCU`).
pub fn name_code(given_name: &str) -> String {
    let letters = code_letters(given_name);
    let (vowels, consonants): (Vec<char>, Vec<char>) =
        letters.into_iter().partition(|&c| is_vowel(c));
    if consonants.len() >= 4 {
        [consonants[0], consonants[2], consonants[3]]
            .iter()
            .collect()
    } else {
        three_letters(&consonants, &vowels)
    }
}

/// A difference between the data encoded in a personal tax code and the person's own fields.
/// The office keeps the data as given: these are shown as warnings, never as errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsistencyWarning {
    /// The birth date encoded in the code differs from the person's birth date.
    BirthDateMismatch {
        /// The encoded date as `YY-MM-DD`, e.g. `85-03-12`.
        encoded: String,
    },
    /// The sex encoded in the code differs from the person's sex.
    SexMismatch {
        /// The encoded sex.
        encoded: TaxCodeSex,
    },
}

impl ConsistencyWarning {
    /// The person's field the warning is about: `birth_date` or `sex`.
    pub fn field(&self) -> &'static str {
        match self {
            ConsistencyWarning::BirthDateMismatch { .. } => "birth_date",
            ConsistencyWarning::SexMismatch { .. } => "sex",
        }
    }

    /// A message in English for the user.
    pub fn message(&self) -> String {
        match self {
            ConsistencyWarning::BirthDateMismatch { encoded } => format!(
                "the tax code encodes the birth date {encoded} (YY-MM-DD), \
                 which differs from the birth date given"
            ),
            ConsistencyWarning::SexMismatch { encoded } => {
                format!("the tax code encodes the sex {encoded}, which differs from the sex given")
            }
        }
    }
}

impl fmt::Display for ConsistencyWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// Compares the birth date and sex encoded in `code` with the person's fields, when known.
/// Provisional codes encode nothing and give no warnings.
pub fn consistency_warnings(
    code: &TaxCode,
    birth_date: Option<NaiveDate>,
    sex: Option<TaxCodeSex>,
) -> Vec<ConsistencyWarning> {
    let Some(decoded) = code.decoded() else {
        return Vec::new();
    };
    let mut warnings = Vec::new();
    if let Some(date) = birth_date
        && !decoded.matches_birth_date(date)
    {
        warnings.push(ConsistencyWarning::BirthDateMismatch {
            encoded: decoded.birth_date_yy_mm_dd(),
        });
    }
    if let Some(sex) = sex
        && sex != decoded.sex
    {
        warnings.push(ConsistencyWarning::SexMismatch {
            encoded: decoded.sex,
        });
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// `code` with the character at `index` replaced and the check character recomputed.
    fn with_char(code: &str, index: usize, c: char) -> String {
        let mut chars: Vec<char> = code.chars().collect();
        chars[index] = c;
        let first15: String = chars[..15].iter().collect();
        let check = compute_check_character(&first15).unwrap();
        format!("{first15}{check}")
    }

    /// `code` with the digit positions selected by `mask` (bit 0 = rightmost) replaced by
    /// their omocodia letters and the check character recomputed.
    fn omocodic_variant(code: &str, mask: u8) -> String {
        let mut chars: Vec<char> = code.chars().collect();
        for (bit, &i) in DIGIT_POSITIONS.iter().rev().enumerate() {
            if mask & (1 << bit) != 0 {
                let d = chars[i].to_digit(10).unwrap() as usize;
                chars[i] = char::from(OMOCODIA_LETTERS[d]);
            }
        }
        let first15: String = chars[..15].iter().collect();
        let check = compute_check_character(&first15).unwrap();
        format!("{first15}{check}")
    }

    fn without_omocodic_flag(d: DecodedTaxCode) -> DecodedTaxCode {
        DecodedTaxCode {
            omocodic: false,
            ..d
        }
    }

    /// A valid provisional code built from ten digits.
    fn provisional(first10: &str) -> String {
        let digits: Vec<u32> = first10.chars().map(|c| c.to_digit(10).unwrap()).collect();
        format!("{first10}{}", provisional_check_digit(&digits))
    }

    #[test]
    fn well_known_sample_is_valid_and_decodes() {
        assert_eq!(compute_check_character("RSSMRA85T10A562"), Some('S'));
        let code = TaxCode::parse("RSSMRA85T10A562S").unwrap();
        assert_eq!(code.as_str(), "RSSMRA85T10A562S");
        assert_eq!(code.kind(), TaxCodeKind::Personal);
        assert!(!code.is_provisional());
        let decoded = code.decoded().unwrap();
        assert_eq!(
            decoded,
            DecodedTaxCode {
                birth_year_two_digits: 85,
                birth_month: 12,
                birth_day: 10,
                sex: TaxCodeSex::Male,
                birthplace_code: "A562".into(),
                omocodic: false,
            }
        );
        assert!(!decoded.is_foreign_born());
        assert!(decoded.matches_birth_date(date(1985, 12, 10)));
        assert!(decoded.matches_birth_date(date(1885, 12, 10)));
        assert!(!decoded.matches_birth_date(date(1985, 12, 11)));
        assert!(!decoded.matches_birth_date(date(1986, 12, 10)));
    }

    #[test]
    fn input_is_normalised() {
        let code = TaxCode::parse("  rss mra 85t10\ta562s ").unwrap();
        assert_eq!(code.as_str(), "RSSMRA85T10A562S");
        assert_eq!(code.to_string(), "RSSMRA85T10A562S");
        assert_eq!("rssmra85t10a562s".parse::<TaxCode>(), Ok(code));
    }

    #[test]
    fn encode_personal_builds_the_sample() {
        let code = encode_personal("RSS", "MRA", date(1985, 12, 10), TaxCodeSex::Male, "A562");
        assert_eq!(code.map(|c| c.0), Some("RSSMRA85T10A562S".to_owned()));
        assert_eq!(
            encode_personal("rs", "MRA", date(1985, 12, 10), TaxCodeSex::Male, "A562"),
            None
        );
        assert_eq!(
            encode_personal("RSS", "MR1", date(1985, 12, 10), TaxCodeSex::Male, "A562"),
            None
        );
        assert_eq!(
            encode_personal("RSS", "MRA", date(1985, 12, 10), TaxCodeSex::Male, "AA62"),
            None
        );
        assert_eq!(
            encode_personal("RSS", "MRA", date(1985, 12, 10), TaxCodeSex::Male, "A56"),
            None
        );
    }

    #[test]
    fn female_day_has_forty_added() {
        let code =
            encode_personal("BNC", "LCU", date(2001, 3, 12), TaxCodeSex::Female, "H501").unwrap();
        assert_eq!(&code.as_str()[6..11], "01C52");
        let decoded = code.decoded().unwrap();
        assert_eq!(decoded.sex, TaxCodeSex::Female);
        assert_eq!(decoded.birth_day, 12);
        assert_eq!(decoded.birth_month, 3);
        assert_eq!(decoded.birthplace_code, "H501");
        assert!(decoded.matches_birth_date(date(2001, 3, 12)));
        assert_eq!(decoded.birth_date_yy_mm_dd(), "01-03-12");
    }

    #[test]
    fn foreign_born() {
        let code =
            encode_personal("SMT", "JHN", date(1970, 1, 1), TaxCodeSex::Male, "Z404").unwrap();
        let decoded = code.decoded().unwrap();
        assert!(decoded.is_foreign_born());
        assert_eq!(decoded.birthplace_code, "Z404");
    }

    #[test]
    fn february_29_is_accepted_in_any_year_but_not_30() {
        let leap =
            encode_personal("RSS", "MRA", date(2000, 2, 29), TaxCodeSex::Male, "H501").unwrap();
        // Same code with year 01 (not a leap year in either century): still valid.
        let other_year = with_char(leap.as_str(), 7, '1');
        assert!(TaxCode::parse(&other_year).is_ok());
        let day_30 = with_char(&with_char(leap.as_str(), 9, '3'), 10, '0');
        assert_eq!(TaxCode::parse(&day_30), Err(TaxCodeError::InvalidDay));
        let female_70 = with_char(&with_char(leap.as_str(), 9, '7'), 10, '0');
        assert_eq!(TaxCode::parse(&female_70), Err(TaxCodeError::InvalidDay));
        let female_69 = with_char(&with_char(leap.as_str(), 9, '6'), 10, '9');
        assert!(TaxCode::parse(&female_69).is_ok());
    }

    #[test]
    fn each_error_variant() {
        assert_eq!(TaxCode::parse(""), Err(TaxCodeError::Empty));
        assert_eq!(TaxCode::parse("  \t "), Err(TaxCodeError::Empty));
        assert_eq!(
            TaxCode::parse("RSSMRA85T10A562"),
            Err(TaxCodeError::InvalidLength)
        );
        assert_eq!(
            TaxCode::parse("RSSMRA85T10A562SS"),
            Err(TaxCodeError::InvalidLength)
        );
        assert_eq!(
            TaxCode::parse("1234567890"),
            Err(TaxCodeError::InvalidLength)
        );
        assert_eq!(
            TaxCode::parse("R1SMRA85T10A562S"),
            Err(TaxCodeError::ExpectedLetter { position: 2 })
        );
        assert_eq!(
            TaxCode::parse("RSSMRA85T10256 2S"),
            Err(TaxCodeError::ExpectedLetter { position: 12 })
        );
        assert_eq!(
            TaxCode::parse("RSSMRA85T10A5621"),
            Err(TaxCodeError::ExpectedLetter { position: 16 })
        );
        assert_eq!(
            TaxCode::parse("RSSMRÀ85T10A562S"),
            Err(TaxCodeError::ExpectedLetter { position: 6 })
        );
        assert_eq!(
            TaxCode::parse("RSSMRA8AT10A562S"),
            Err(TaxCodeError::ExpectedDigit { position: 8 })
        );
        assert_eq!(
            TaxCode::parse("RSSMRA85T1-A562S"),
            Err(TaxCodeError::ExpectedDigit { position: 11 })
        );
        assert_eq!(
            TaxCode::parse("RSSMRA85F10A562S"),
            Err(TaxCodeError::InvalidMonth)
        );
        assert_eq!(
            TaxCode::parse("RSSMRA85T00A562S"),
            Err(TaxCodeError::InvalidDay)
        );
        assert_eq!(
            TaxCode::parse("RSSMRA85T32A562S"),
            Err(TaxCodeError::InvalidDay)
        );
        assert_eq!(
            TaxCode::parse("RSSMRA85T40A562S"),
            Err(TaxCodeError::InvalidDay)
        );
        assert_eq!(
            TaxCode::parse("RSSMRA85T72A562S"),
            Err(TaxCodeError::InvalidDay)
        );
        assert_eq!(
            TaxCode::parse("RSSMRA85D31A562S"),
            Err(TaxCodeError::InvalidDay)
        );
        assert_eq!(
            TaxCode::parse("RSSMRA85T10A562A"),
            Err(TaxCodeError::InvalidCheckCharacter { expected: 'S' })
        );
        assert_eq!(
            TaxCode::parse("1234567890A"),
            Err(TaxCodeError::ExpectedDigit { position: 11 })
        );
        let valid = provisional("1234567890");
        let wrong: String = format!("{}{}", &valid[..10], (valid.as_bytes()[10] - b'0' + 1) % 10);
        let expected = char::from(valid.as_bytes()[10]);
        assert_eq!(
            TaxCode::parse(&wrong),
            Err(TaxCodeError::InvalidCheckCharacter { expected })
        );
    }

    #[test]
    fn error_messages_are_for_users() {
        assert_eq!(
            TaxCodeError::InvalidLength.to_string(),
            "must be 16 characters (codice fiscale) or 11 digits (provisional code)"
        );
        assert_eq!(
            TaxCodeError::InvalidCheckCharacter { expected: 'X' }.to_string(),
            "invalid check character: expected X"
        );
        assert_eq!(
            TaxCodeError::InvalidMonth.to_string(),
            "invalid birth month letter"
        );
        assert_eq!(TaxCodeError::InvalidDay.to_string(), "invalid birth day");
        assert_eq!(
            TaxCodeError::ExpectedLetter { position: 3 }.to_string(),
            "character 3 must be a letter"
        );
        assert_eq!(
            TaxCodeError::ExpectedDigit { position: 7 }.to_string(),
            "character 7 must be a digit"
        );
    }

    #[test]
    fn omocodic_variants_decode_identically() {
        let base = TaxCode::parse("RSSMRA85T10A562S").unwrap();
        let base_decoded = base.decoded().unwrap();
        // The revenue agency replaces digits from the right: 2 → N, 6 → S, 5 → R, …
        let mut current = base.as_str().to_owned();
        for &i in DIGIT_POSITIONS.iter().rev() {
            let d = current.as_bytes()[i] - b'0';
            current = with_char(&current, i, char::from(OMOCODIA_LETTERS[usize::from(d)]));
            let code = TaxCode::parse(&current).unwrap();
            let decoded = code.decoded().unwrap();
            assert!(decoded.omocodic);
            assert_eq!(without_omocodic_flag(decoded), base_decoded);
        }
        assert_eq!(&current[..15], "RSSMRAURTMLARSN");
        // The first omocodic variant: last digit 2 → N.
        let first = omocodic_variant(base.as_str(), 1);
        assert_eq!(&first[..15], "RSSMRA85T10A56N");
        assert!(TaxCode::parse(&first).is_ok());
        // An omocodic code with the base code's check character is rejected.
        assert!(matches!(
            TaxCode::parse("RSSMRA85T10A56NS"),
            Err(TaxCodeError::InvalidCheckCharacter { .. })
        ));
    }

    #[test]
    fn omocodia_letters_are_decoded_before_day_checks() {
        // Day "4M" = 41: a woman born on the 1st.
        let code =
            encode_personal("RSS", "MRA", date(1985, 12, 1), TaxCodeSex::Female, "H501").unwrap();
        let variant = with_char(code.as_str(), 10, 'M');
        let decoded = TaxCode::parse(&variant).unwrap().decoded().unwrap();
        assert_eq!((decoded.birth_day, decoded.sex), (1, TaxCodeSex::Female));
        // Day "Q2" = 42 is fine, "U2" = 82 is not.
        let bad = with_char(code.as_str(), 9, 'U');
        assert_eq!(TaxCode::parse(&bad), Err(TaxCodeError::InvalidDay));
        // A letter that is not an omocodia letter in a digit position.
        let bad = with_char(code.as_str(), 13, 'A');
        assert_eq!(
            TaxCode::parse(&bad),
            Err(TaxCodeError::ExpectedDigit { position: 14 })
        );
    }

    #[test]
    fn provisional_codes() {
        // Check digits computed by hand: 1234567890 → sum 1+4+3+8+5+3+7+7+9+0 = 47 → 3.
        assert_eq!(provisional("1234567890"), "12345678903");
        let code = TaxCode::parse(" 123 456 789 03 ").unwrap();
        assert_eq!(code.as_str(), "12345678903");
        assert!(code.is_provisional());
        assert_eq!(code.kind(), TaxCodeKind::Provisional);
        assert_eq!(code.decoded(), None);
        assert!(TaxCode::parse("00000000000").is_ok());
        assert_eq!(
            TaxCode::parse("12345678901"),
            Err(TaxCodeError::InvalidCheckCharacter { expected: '3' })
        );
        // A swap of two adjacent digits is detected.
        assert!(TaxCode::parse("21345678903").is_err());
    }

    #[test]
    fn compute_check_character_rejects_bad_input() {
        assert_eq!(compute_check_character("RSSMRA85T10A56"), None);
        assert_eq!(compute_check_character("RSSMRA85T10A5622"), None);
        assert_eq!(compute_check_character("RSSMRA85T10A56-"), None);
        assert_eq!(compute_check_character("RSSMRA85T10A56È"), None);
        assert_eq!(compute_check_character("rssmra85t10a562"), Some('S'));
    }

    #[test]
    fn name_codes() {
        assert_eq!(surname_code("Rossi"), "RSS");
        assert_eq!(surname_code("Bianchi"), "BNC");
        assert_eq!(surname_code("Fo"), "FOX");
        assert_eq!(surname_code("Re"), "REX");
        assert_eq!(surname_code("Oe"), "OEX");
        assert_eq!(surname_code("D'Angelo"), "DNG");
        assert_eq!(surname_code("De Luca"), "DLC");
        assert_eq!(surname_code("Niccolò"), "NCC");
        assert_eq!(surname_code("Àgnese"), "GNS");
        assert_eq!(surname_code("Ai"), "AIX");
        assert_eq!(surname_code(""), "XXX");
        assert_eq!(name_code("Mario"), "MRA");
        assert_eq!(name_code("Gianfranco"), "GFR");
        assert_eq!(name_code("Alessandro"), "LSN");
        assert_eq!(name_code("Luca"), "LCU");
        assert_eq!(name_code("Maria Grazia"), "MGR");
        assert_eq!(name_code("Federica"), "FRC");
        assert_eq!(name_code("Ugo"), "GUO");
        assert_eq!(name_code("Ió"), "IOX");
        assert_eq!(name_code("Zoë"), "ZOE");
    }

    #[test]
    fn consistency_warnings_report_differences() {
        let code =
            encode_personal("RSS", "MRA", date(1985, 3, 12), TaxCodeSex::Female, "H501").unwrap();
        assert!(
            consistency_warnings(&code, Some(date(1985, 3, 12)), Some(TaxCodeSex::Female))
                .is_empty()
        );
        assert!(consistency_warnings(&code, Some(date(1885, 3, 12)), None).is_empty());
        assert!(consistency_warnings(&code, None, None).is_empty());
        let warnings = consistency_warnings(&code, Some(date(1985, 3, 13)), Some(TaxCodeSex::Male));
        assert_eq!(
            warnings,
            vec![
                ConsistencyWarning::BirthDateMismatch {
                    encoded: "85-03-12".into()
                },
                ConsistencyWarning::SexMismatch {
                    encoded: TaxCodeSex::Female
                },
            ]
        );
        assert_eq!(warnings[0].field(), "birth_date");
        assert_eq!(warnings[1].field(), "sex");
        assert!(warnings[0].message().contains("85-03-12"));
        assert!(warnings[1].message().contains("female"));
        assert_eq!(warnings[1].to_string(), warnings[1].message());

        let provisional = TaxCode::parse("12345678903").unwrap();
        assert!(
            consistency_warnings(
                &provisional,
                Some(date(1985, 3, 13)),
                Some(TaxCodeSex::Male)
            )
            .is_empty()
        );
    }

    fn letters3() -> impl Strategy<Value = String> {
        "[A-Z]{3}"
    }

    fn birth_dates() -> impl Strategy<Value = NaiveDate> {
        (1900i32..=2025, 1u32..=12, 1u32..=31)
            .prop_filter_map("no such day", |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
    }

    fn sexes() -> impl Strategy<Value = TaxCodeSex> {
        prop_oneof![Just(TaxCodeSex::Male), Just(TaxCodeSex::Female)]
    }

    fn birthplaces() -> impl Strategy<Value = String> {
        "[A-MZ][0-9]{3}"
    }

    fn valid_codes() -> impl Strategy<Value = (TaxCode, NaiveDate, TaxCodeSex, String)> {
        (
            letters3(),
            letters3(),
            birth_dates(),
            sexes(),
            birthplaces(),
        )
            .prop_map(|(s, n, birth, sex, place)| {
                let code = encode_personal(&s, &n, birth, sex, &place).unwrap();
                (code, birth, sex, place)
            })
    }

    /// The characters allowed at `index` of a personal code, structure-wise.
    fn allowed_at(index: usize) -> Vec<char> {
        if DIGIT_POSITIONS.contains(&index) {
            ('0'..='9')
                .chain(OMOCODIA_LETTERS.iter().map(|&b| char::from(b)))
                .collect()
        } else {
            ('A'..='Z').collect()
        }
    }

    proptest! {
        #[test]
        fn encoded_codes_parse_and_decode((code, birth, sex, place) in valid_codes()) {
            let parsed = TaxCode::parse(code.as_str()).unwrap();
            prop_assert_eq!(&parsed, &code);
            let decoded = parsed.decoded().unwrap();
            prop_assert_eq!(decoded.birth_month, birth.month());
            prop_assert_eq!(decoded.birth_day, birth.day());
            prop_assert_eq!(decoded.sex, sex);
            prop_assert_eq!(&decoded.birthplace_code, &place);
            prop_assert!(!decoded.omocodic);
            prop_assert!(decoded.matches_birth_date(birth));
            prop_assert!(consistency_warnings(&parsed, Some(birth), Some(sex)).is_empty());
        }

        #[test]
        fn any_single_substitution_is_rejected(
            (code, _, _, _) in valid_codes(),
            index in 0usize..16,
            pick in any::<prop::sample::Index>(),
        ) {
            let allowed = allowed_at(index);
            let original = code.as_str().chars().nth(index).unwrap();
            let others: Vec<char> = allowed.into_iter().filter(|&c| c != original).collect();
            let replacement = others[pick.index(others.len())];
            let mut chars: Vec<char> = code.as_str().chars().collect();
            chars[index] = replacement;
            let changed: String = chars.into_iter().collect();
            prop_assert!(TaxCode::parse(&changed).is_err(), "{} accepted", changed);
        }

        #[test]
        fn parse_never_panics(raw in "\\PC{0,20}") {
            let _ = TaxCode::parse(&raw);
        }

        #[test]
        fn parse_never_panics_on_code_like_input(raw in "[A-Z0-9 a-z]{10,18}") {
            if let Ok(code) = TaxCode::parse(&raw) {
                let _ = code.decoded();
                let _ = consistency_warnings(&code, None, None);
            }
        }

        #[test]
        fn all_omocodia_patterns_decode_identically((code, _, _, _) in valid_codes()) {
            let base = code.decoded().unwrap();
            for mask in 0u8..128 {
                let variant = omocodic_variant(code.as_str(), mask);
                let parsed = TaxCode::parse(&variant);
                prop_assert!(parsed.is_ok(), "{} rejected: {:?}", variant, parsed);
                let decoded = parsed.unwrap().decoded().unwrap();
                prop_assert_eq!(decoded.omocodic, mask != 0);
                prop_assert_eq!(without_omocodic_flag(decoded), base.clone());
            }
        }

        #[test]
        fn provisional_codes_round_trip(first10 in "[0-9]{10}", wrong in 1u32..10) {
            let valid = provisional(&first10);
            prop_assert!(TaxCode::parse(&valid).is_ok());
            let check = valid.as_bytes()[10] - b'0';
            let bad_check = (u32::from(check) + wrong) % 10;
            let invalid = format!("{first10}{bad_check}");
            prop_assert!(TaxCode::parse(&invalid).is_err());
        }
    }
}
