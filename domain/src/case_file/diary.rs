//! The diary of a case file, and the rules of an assessment's notes and day.

use super::*;

/// The kind of a diary entry (diario sociale).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DiaryEntryKind {
    /// Colloquio.
    Interview,
    /// Visita domiciliare.
    HomeVisit,
    /// Telefonata.
    PhoneCall,
    /// Incontro (with the person, family or other services).
    Meeting,
    /// Riunione d'équipe.
    TeamMeeting,
    /// Nota.
    Note,
}

coded_enum!(DiaryEntryKind, "diary entry kind", {
    Interview => "interview",
    HomeVisit => "home_visit",
    PhoneCall => "phone_call",
    Meeting => "meeting",
    TeamMeeting => "team_meeting",
    Note => "note",
});

/// The text of a diary entry: 1 to 20,000 characters after trimming (leading and trailing
/// white space is removed, the rest is kept as written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiaryText(String);

impl DiaryText {
    /// Maximum length, in characters.
    pub const MAX_CHARS: usize = 20_000;

    /// Parses the text of a diary entry.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = raw.trim();
        let len = value.chars().count();
        if len == 0 {
            return Err("must not be empty".into());
        }
        if len > Self::MAX_CHARS {
            return Err(format!(
                "must be at most {} characters long",
                Self::MAX_CHARS
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How long, in hours, the author may edit a diary entry after writing it; afterwards the
/// entry is frozen and only a correcting entry may follow it.
pub const DIARY_EDIT_WINDOW_HOURS: i64 = 24;

/// Whether a diary entry created at `created_at` may still be edited at `now` (strictly less
/// than [`DIARY_EDIT_WINDOW_HOURS`] have passed).
pub fn diary_entry_editable(created_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - created_at < Duration::hours(DIARY_EDIT_WINDOW_HOURS)
}

/// How far in the future, in minutes, the time an event occurred may lie (clock skew between
/// the client and the server).
pub const OCCURRED_AT_MAX_FUTURE_MINUTES: i64 = 5;

/// Checks that the time a diary event occurred is not more than
/// [`OCCURRED_AT_MAX_FUTURE_MINUTES`] after `now`.
pub fn check_occurred_at(occurred_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), String> {
    if occurred_at > now + Duration::minutes(OCCURRED_AT_MAX_FUTURE_MINUTES) {
        return Err(format!(
            "must not be more than {OCCURRED_AT_MAX_FUTURE_MINUTES} minutes in the future"
        ));
    }
    Ok(())
}

/// Maximum length of an assessment's notes, in characters.
pub const ASSESSMENT_NOTES_MAX_CHARS: usize = 10_000;

/// Parses the free-text notes of an assessment: trimmed; empty means no notes; at most
/// [`ASSESSMENT_NOTES_MAX_CHARS`] characters.
pub fn parse_assessment_notes(raw: Option<&str>) -> Result<Option<String>, String> {
    let Some(value) = raw.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > ASSESSMENT_NOTES_MAX_CHARS {
        return Err(format!(
            "must be at most {ASSESSMENT_NOTES_MAX_CHARS} characters long"
        ));
    }
    Ok(Some(value.to_owned()))
}

/// Checks the day of an assessment: not in the future and not before the file was opened.
pub fn check_assessed_on(
    assessed_on: NaiveDate,
    opened_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), String> {
    check_not_future(assessed_on, today)?;
    if assessed_on < opened_on {
        return Err(format!(
            "must not be before the case file was opened ({opened_on})"
        ));
    }
    Ok(())
}

/// The version number the next assessment of a file gets, after the highest one recorded
/// (`None` when the file has none yet): versions are 1, 2, 3… per case file.
pub fn next_assessment_version(latest: Option<i32>) -> i32 {
    latest.map_or(1, |v| v.saturating_add(1))
}

/// Why a diary entry may not be edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiaryEditRefusal {
    /// Only the author edits an entry.
    NotAuthor,
    /// The edit window is over: the entry is frozen.
    WindowClosed,
}

impl fmt::Display for DiaryEditRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiaryEditRefusal::NotAuthor => f.write_str("only the author may edit a diary entry"),
            DiaryEditRefusal::WindowClosed => write!(
                f,
                "entries are never edited after {DIARY_EDIT_WINDOW_HOURS} hours: add a correcting entry"
            ),
        }
    }
}

/// Whether `editor` may edit an entry written by `author` at `created_at`: only the author,
/// and only within [`DIARY_EDIT_WINDOW_HOURS`].
pub fn check_diary_edit(
    author: Uuid,
    editor: Uuid,
    created_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DiaryEditRefusal> {
    if author != editor {
        return Err(DiaryEditRefusal::NotAuthor);
    }
    if !diary_entry_editable(created_at, now) {
        return Err(DiaryEditRefusal::WindowClosed);
    }
    Ok(())
}
