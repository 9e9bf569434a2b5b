//! The reference of a case file (`CS-YYYY-NNNNNN`).

use super::*;

/// The human-readable reference of a case file, `CS-YYYY-NNNNNN`: the year it was opened and a
/// sequence number unique within that year, zero-padded to six digits (e.g. `CS-2025-000042`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CaseReference {
    year: i32,
    sequence: u32,
    text: String,
}

impl CaseReference {
    /// First year a reference may carry.
    pub const MIN_YEAR: i32 = 2000;
    /// Last year a reference may carry.
    pub const MAX_YEAR: i32 = 2999;
    /// Highest sequence number within a year.
    pub const MAX_SEQUENCE: u32 = 999_999;

    /// Builds the reference of the `sequence`-th case file opened in `year`.
    pub fn new(year: i32, sequence: u32) -> Result<Self, String> {
        if !(Self::MIN_YEAR..=Self::MAX_YEAR).contains(&year) {
            return Err(format!(
                "the year must be between {} and {}, got {year}",
                Self::MIN_YEAR,
                Self::MAX_YEAR
            ));
        }
        if !(1..=Self::MAX_SEQUENCE).contains(&sequence) {
            return Err(format!(
                "the sequence number must be between 1 and {}, got {sequence}",
                Self::MAX_SEQUENCE
            ));
        }
        Ok(Self {
            year,
            sequence,
            text: format!("CS-{year:04}-{sequence:06}"),
        })
    }

    /// Parses a reference such as `CS-2025-000042`. Surrounding spaces are ignored and the
    /// prefix may be typed in lower case.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let invalid = || "must be a case reference such as CS-2025-000042".to_owned();
        let value = raw.trim();
        let mut parts = value.split('-');
        let (Some(prefix), Some(year), Some(sequence), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !prefix.eq_ignore_ascii_case("CS") || !digits(year, 4) || !digits(sequence, 6) {
            return Err(invalid());
        }
        let year: i32 = year.parse().map_err(|_| invalid())?;
        let sequence: u32 = sequence.parse().map_err(|_| invalid())?;
        Self::new(year, sequence)
    }

    /// The reference as text, `CS-YYYY-NNNNNN`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The year the case file was opened.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The sequence number within the year.
    pub fn sequence(&self) -> u32 {
        self.sequence
    }
}

impl fmt::Display for CaseReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for CaseReference {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}
