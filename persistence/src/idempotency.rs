//! Stored responses of write requests sent with an `Idempotency-Key`.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::idempotency_keys;
use crate::sql_types::{DbInstant, DbUuid};

/// How long keys are kept (the contract promises at least 24 hours).
pub fn retention() -> Duration {
    Duration::hours(48)
}

/// A stored response.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
#[diesel(treat_none_as_default_value = false)]
pub struct StoredResponse {
    /// Who sent the request (keys are per user).
    pub actor_id: DbUuid,
    /// The client's key.
    pub idempotency_key: String,
    /// SHA-256 of method, path and body of the first request.
    pub request_hash: String,
    /// Status of the first response.
    pub status_code: i32,
    /// Body of the first response.
    pub response_body: String,
    /// `Location` of the first response.
    pub location: Option<String>,
    /// `ETag` of the first response.
    pub etag: Option<String>,
    /// When it was stored.
    pub created_at: DbInstant,
}

/// The stored response of a key still within its retention, if any.
pub fn find(
    conn: &mut AnyConnection,
    actor: Uuid,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<StoredResponse>, StoreError> {
    Ok(idempotency_keys::table
        .find((DbUuid(actor), key))
        .filter(idempotency_keys::created_at.gt(DbInstant(now - retention())))
        .select(StoredResponse::as_select())
        .first(conn)
        .optional()?)
}

/// Stores a response, replacing an expired one of the same key, and forgets expired keys.
pub fn store(conn: &mut AnyConnection, response: &StoredResponse) -> Result<(), StoreError> {
    let cutoff = DbInstant(response.created_at.0 - retention());
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.le(cutoff)))
        .execute(conn)?;
    diesel::insert_into(idempotency_keys::table)
        .values(response)
        .execute(conn)?;
    Ok(())
}
