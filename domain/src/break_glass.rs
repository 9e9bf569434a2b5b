//! Break-glass access: a staff member outside a case team opens the case file in an emergency,
//! stating why; the access is time-limited and reviewed by the office manager.

use chrono::{DateTime, SecondsFormat, Utc};
use uuid::Uuid;

use crate::access::Relation;

/// Shortest accepted reason, in characters (after trimming).
pub const REASON_MIN_CHARS: usize = 10;
/// Longest accepted reason, in characters.
pub const REASON_MAX_CHARS: usize = 500;
/// Longest accepted acknowledgement note, in characters.
pub const NOTE_MAX_CHARS: usize = 500;

/// Why a break-glass access is needed: 10-500 characters of text, trimmed, without control
/// characters other than line breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakGlassReason(String);

fn check_text(raw: &str, min: usize, max: usize) -> Result<String, String> {
    let text = raw.trim();
    let chars = text.chars().count();
    if chars < min {
        return Err(format!("must be at least {min} characters"));
    }
    if chars > max {
        return Err(format!("must be at most {max} characters"));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        return Err("must not contain control characters".into());
    }
    Ok(text.to_owned())
}

impl BreakGlassReason {
    /// Parses a reason.
    pub fn parse(raw: &str) -> Result<Self, String> {
        check_text(raw, REASON_MIN_CHARS, REASON_MAX_CHARS).map(Self)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The office manager's note when acknowledging a break-glass access: 1-500 characters of
/// text, trimmed; a blank note is no note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcknowledgementNote(String);

impl AcknowledgementNote {
    /// Parses an optional note; `Ok(None)` for a missing or blank one.
    pub fn parse(raw: Option<&str>) -> Result<Option<Self>, String> {
        match raw.map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => check_text(text, 1, NOTE_MAX_CHARS).map(|t| Some(Self(t))),
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A break-glass access is for staff outside the case: refused (as a conflict) when the
/// caller's relation to the case file already gives access (its team, the coordination of its
/// area, the office manager). A caller whose break-glass access is still open passes here and
/// is refused by [`check_no_open_grant`].
pub fn check_needed(relation: Relation) -> Result<(), String> {
    match relation {
        Relation::None | Relation::BreakGlass => Ok(()),
        _ => Err(
            "you already have access to this case file (its team, or the \
                  coordination of its area): break-glass access is not needed"
                .into(),
        ),
    }
}

/// One open break-glass access per staff member and case file: refused (as a conflict) when
/// `open` (its id and end) is still running.
pub fn check_no_open_grant(open: Option<(Uuid, DateTime<Utc>)>) -> Result<(), String> {
    match open {
        None => Ok(()),
        Some((id, expires_at)) => Err(format!(
            "you already have a break-glass access to this case file ({id}) until {}",
            expires_at.to_rfc3339_opts(SecondsFormat::Secs, true)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_callers_outside_the_case_need_break_glass() {
        assert!(check_needed(Relation::None).is_ok());
        assert!(check_needed(Relation::BreakGlass).is_ok());
        for relation in [
            Relation::CaseManager,
            Relation::AreaCoordinator,
            Relation::GrantedTeamMember,
            Relation::TeamMember,
            Relation::OfficeManager,
            Relation::Administrative,
        ] {
            assert!(check_needed(relation).is_err(), "{relation:?}");
        }
    }

    #[test]
    fn one_open_grant_at_a_time() {
        assert!(check_no_open_grant(None).is_ok());
        let until = DateTime::parse_from_rfc3339("2026-12-05T10:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        let err = check_no_open_grant(Some((Uuid::nil(), until))).unwrap_err();
        assert!(err.contains("2026-12-05T10:00:00Z"), "{err}");
    }

    #[test]
    fn reasons_have_bounds() {
        assert_eq!(
            BreakGlassReason::parse("  Urgent call from the hospital  ")
                .map(|r| r.as_str().to_owned()),
            Ok("Urgent call from the hospital".to_owned())
        );
        assert!(BreakGlassReason::parse("too short").is_err());
        assert!(BreakGlassReason::parse("          x         ").is_err());
        assert!(BreakGlassReason::parse(&"é".repeat(500)).is_ok());
        assert!(BreakGlassReason::parse(&"é".repeat(501)).is_err());
        assert!(BreakGlassReason::parse("line one\nline two ok").is_ok());
        assert!(BreakGlassReason::parse("bell \u{7} character here").is_err());
    }

    #[test]
    fn blank_notes_are_no_notes() {
        assert_eq!(AcknowledgementNote::parse(None), Ok(None));
        assert_eq!(AcknowledgementNote::parse(Some("   ")), Ok(None));
        assert_eq!(
            AcknowledgementNote::parse(Some(" ok ")).map(|n| n.map(|n| n.as_str().to_owned())),
            Ok(Some("ok".to_owned()))
        );
        assert!(AcknowledgementNote::parse(Some(&"x".repeat(501))).is_err());
    }
}
