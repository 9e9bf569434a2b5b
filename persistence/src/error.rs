//! Errors of the persistence layer.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// What can go wrong when talking to the database, in terms the API can act on.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    /// The row looked for does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness or reference rule of the schema refused the change; names the constraint.
    #[error("conflict on {0}")]
    Conflict(String),
    /// No connection could be had in time (database down or pool exhausted).
    #[error("database unavailable")]
    Unavailable,
    /// The database stayed locked by another writer past the busy timeout.
    #[error("database busy")]
    Busy,
    /// The configuration is wrong (bad URL, unusable path).
    #[error("configuration: {0}")]
    Config(String),
    /// Anything else: a bug or an unexpected database state. Never shown to clients.
    #[error("database error: {0}")]
    Internal(String),
}

/// Unique indexes that SQLite names only by their columns in its message, with the name
/// PostgreSQL reports for them, so that both engines give the same [`StoreError::Conflict`].
const SQLITE_UNIQUE_INDEXES: &[(&str, &str)] = &[
    (
        "UNIQUE constraint failed: case_files.person_id, case_files.area",
        crate::case_files::ONE_OPEN_PER_AREA,
    ),
    (
        "UNIQUE constraint failed: criteria_sets.code, criteria_sets.version",
        crate::waiting_list::ONE_VERSION_NUMBER,
    ),
    (
        "UNIQUE constraint failed: published_rankings.resource_id, published_rankings.number",
        crate::rankings::ONE_NUMBER,
    ),
    (
        "UNIQUE constraint failed: benefits.source_kind, benefits.source_id",
        crate::benefits::ONE_PER_SOURCE,
    ),
];

impl From<DieselError> for StoreError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => StoreError::NotFound,
            // The database's own bound on the places held of a resource (a CHECK, named alike
            // on both engines): reported as a conflict, like a unique index.
            DieselError::DatabaseError(_, info)
                if info.constraint_name() == Some(crate::admissions::NO_FREE_PLACE)
                    || info.message().contains(crate::admissions::NO_FREE_PLACE) =>
            {
                StoreError::Conflict(crate::admissions::NO_FREE_PLACE.to_owned())
            }
            DieselError::DatabaseError(
                DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::ForeignKeyViolation,
                info,
            ) => StoreError::Conflict(info.constraint_name().map_or_else(
                || {
                    SQLITE_UNIQUE_INDEXES
                        .iter()
                        .find(|(message, _)| *message == info.message())
                        .map_or_else(|| info.message().to_owned(), |(_, name)| (*name).to_owned())
                },
                ToOwned::to_owned,
            )),
            DieselError::DatabaseError(_, info)
                if info.message().contains("database is locked")
                    || info.message().contains("database is busy") =>
            {
                StoreError::Busy
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                StoreError::Unavailable
            }
            other => StoreError::Internal(other.to_string()),
        }
    }
}
