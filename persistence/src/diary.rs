//! The social diary (diario sociale): entries of a case file, read newest first.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use socialcare_domain::case_file::{DiaryEntry, DiaryEntryKind, DiaryText};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::diary_entries;
use crate::sql_types::{DbInstant, DbUuid};

/// A `diary_entries` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = diary_entries)]
#[diesel(treat_none_as_default_value = false)]
pub struct DiaryEntryRow {
    /// Primary key.
    pub id: DbUuid,
    /// Case file.
    pub case_file_id: DbUuid,
    /// Kind code.
    pub kind: String,
    /// When the event occurred.
    pub occurred_at: DbInstant,
    /// Text.
    pub text: String,
    /// Restricted flag.
    pub restricted: bool,
    /// Corrected entry.
    pub corrects_entry_id: Option<DbUuid>,
    /// Author.
    pub author_id: DbUuid,
    /// Version.
    pub version: i64,
    /// Creation instant.
    pub created_at: DbInstant,
    /// Last edit.
    pub updated_at: DbInstant,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("stored {what} is invalid: {e}"))
}

fn to_domain(row: DiaryEntryRow) -> Result<DiaryEntry, StoreError> {
    Ok(DiaryEntry {
        id: row.id.0,
        case_file_id: row.case_file_id.0,
        kind: row
            .kind
            .parse::<DiaryEntryKind>()
            .map_err(|e| corrupt("diary kind", e))?,
        occurred_at: row.occurred_at.0,
        text: DiaryText::parse(&row.text).map_err(|e| corrupt("diary text", e))?,
        restricted: row.restricted,
        corrects_entry_id: row.corrects_entry_id.map(|id| id.0),
        author_id: row.author_id.0,
        version: row.version,
        created_at: row.created_at.0,
        updated_at: row.updated_at.0,
    })
}

/// What is needed to write a diary entry.
#[derive(Debug, Clone)]
pub struct NewDiaryEntry {
    /// The case file.
    pub case_file_id: Uuid,
    /// Kind of event.
    pub kind: DiaryEntryKind,
    /// When it occurred.
    pub occurred_at: DateTime<Utc>,
    /// The text.
    pub text: DiaryText,
    /// Restricted flag.
    pub restricted: bool,
    /// The entry of the same file this one corrects (checked by the caller).
    pub corrects_entry_id: Option<Uuid>,
}

/// Writes an entry at version 1.
pub fn insert(
    conn: &mut AnyConnection,
    new: &NewDiaryEntry,
    author: Uuid,
    now: DateTime<Utc>,
) -> Result<DiaryEntry, StoreError> {
    let row = DiaryEntryRow {
        id: DbUuid(Uuid::now_v7()),
        case_file_id: DbUuid(new.case_file_id),
        kind: new.kind.as_str().to_owned(),
        occurred_at: new.occurred_at.into(),
        text: new.text.as_str().to_owned(),
        restricted: new.restricted,
        corrects_entry_id: new.corrects_entry_id.map(DbUuid),
        author_id: DbUuid(author),
        version: 1,
        created_at: now.into(),
        updated_at: now.into(),
    };
    diesel::insert_into(diary_entries::table)
        .values(&row)
        .execute(conn)?;
    to_domain(row)
}

/// Finds an entry by id within its case file (an entry of another file is `None`).
pub fn find(
    conn: &mut AnyConnection,
    case_file_id: Uuid,
    id: Uuid,
) -> Result<Option<DiaryEntry>, StoreError> {
    diary_entries::table
        .find(DbUuid(id))
        .filter(diary_entries::case_file_id.eq(DbUuid(case_file_id)))
        .select(DiaryEntryRow::as_select())
        .first(conn)
        .optional()?
        .map(to_domain)
        .transpose()
}

/// The editable parts of an entry, as they are after the edit.
#[derive(Debug, Clone)]
pub struct DiaryEdit {
    /// Kind of event.
    pub kind: DiaryEntryKind,
    /// When it occurred.
    pub occurred_at: DateTime<Utc>,
    /// The text.
    pub text: DiaryText,
    /// Restricted flag.
    pub restricted: bool,
}

/// Applies an edit if the entry is still at `expected_version` (the optimistic lock); returns
/// the new entry, or `None` when it changed meanwhile.
pub fn update(
    conn: &mut AnyConnection,
    entry: &DiaryEntry,
    expected_version: i64,
    edit: &DiaryEdit,
    now: DateTime<Utc>,
) -> Result<Option<DiaryEntry>, StoreError> {
    let n = diesel::update(
        diary_entries::table
            .find(DbUuid(entry.id))
            .filter(diary_entries::version.eq(expected_version)),
    )
    .set((
        diary_entries::kind.eq(edit.kind.as_str()),
        diary_entries::occurred_at.eq(DbInstant::from(edit.occurred_at)),
        diary_entries::text.eq(edit.text.as_str()),
        diary_entries::restricted.eq(edit.restricted),
        diary_entries::version.eq(expected_version + 1),
        diary_entries::updated_at.eq(DbInstant::from(now)),
    ))
    .execute(conn)?;
    if n != 1 {
        return Ok(None);
    }
    find(conn, entry.case_file_id, entry.id)
}

/// Diary list criteria.
#[derive(Debug, Clone)]
pub struct DiaryQuery {
    /// The case file.
    pub case_file_id: Uuid,
    /// Only entries of this kind.
    pub kind: Option<DiaryEntryKind>,
    /// Only entries that occurred at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only entries that occurred before this instant.
    pub until: Option<DateTime<Utc>>,
    /// Keyset position: only entries before this `(occurred_at, id)` in newest-first order.
    pub before: Option<(DateTime<Utc>, Uuid)>,
    /// Maximum number of rows.
    pub limit: i64,
}

/// Lists a file's entries, newest `occurred_at` first (ties by id, newest first).
pub fn list(conn: &mut AnyConnection, q: &DiaryQuery) -> Result<Vec<DiaryEntry>, StoreError> {
    let mut query = diary_entries::table
        .filter(diary_entries::case_file_id.eq(DbUuid(q.case_file_id)))
        .select(DiaryEntryRow::as_select())
        .order((diary_entries::occurred_at.desc(), diary_entries::id.desc()))
        .limit(q.limit)
        .into_boxed();
    if let Some(kind) = q.kind {
        query = query.filter(diary_entries::kind.eq(kind.as_str()));
    }
    if let Some(from) = q.from {
        query = query.filter(diary_entries::occurred_at.ge(DbInstant::from(from)));
    }
    if let Some(until) = q.until {
        query = query.filter(diary_entries::occurred_at.lt(DbInstant::from(until)));
    }
    if let Some((at, id)) = q.before {
        let at = DbInstant::from(at);
        query = query.filter(
            diary_entries::occurred_at
                .lt(at)
                .or(diary_entries::occurred_at
                    .eq(at)
                    .and(diary_entries::id.lt(DbUuid(id)))),
        );
    }
    query.load(conn)?.into_iter().map(to_domain).collect()
}
