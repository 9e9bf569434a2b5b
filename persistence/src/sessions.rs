//! Refresh tokens: stored only as SHA-256 hashes, grouped in rotation families.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use socialcare_domain::refresh::RefreshTokenState;
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{refresh_tokens, users};
use crate::sql_types::{DbInstant, DbUuid};

/// A `refresh_tokens` row to insert.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = refresh_tokens)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewRefreshTokenRow {
    /// Primary key.
    pub id: DbUuid,
    /// The rotation family (the first token's id).
    pub family_id: DbUuid,
    /// Owner.
    pub user_id: DbUuid,
    /// Hex SHA-256 of the opaque token.
    pub token_hash: String,
    /// Issue instant.
    pub issued_at: DbInstant,
    /// Expiry instant.
    pub expires_at: DbInstant,
    /// When it was exchanged.
    pub used_at: Option<DbInstant>,
    /// When it was revoked.
    pub revoked_at: Option<DbInstant>,
}

/// A stored refresh token with what is needed to decide on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRefreshToken {
    /// Token id.
    pub id: Uuid,
    /// Rotation family.
    pub family_id: Uuid,
    /// Owner.
    pub user_id: Uuid,
    /// Its state for [`socialcare_domain::refresh::decide`].
    pub state: RefreshTokenState,
}

/// Stores a new token of `family_id` (a new family when `None`); returns the token id.
pub fn insert(
    conn: &mut AnyConnection,
    user_id: Uuid,
    family_id: Option<Uuid>,
    token_hash: String,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    let row = NewRefreshTokenRow {
        id: DbUuid(id),
        family_id: DbUuid(family_id.unwrap_or(id)),
        user_id: DbUuid(user_id),
        token_hash,
        issued_at: issued_at.into(),
        expires_at: expires_at.into(),
        used_at: None,
        revoked_at: None,
    };
    diesel::insert_into(refresh_tokens::table)
        .values(&row)
        .execute(conn)?;
    Ok(id)
}

/// Finds a token by its hash.
pub fn find_by_hash(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<StoredRefreshToken>, StoreError> {
    let found = refresh_tokens::table
        .inner_join(users::table)
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select((
            refresh_tokens::id,
            refresh_tokens::family_id,
            refresh_tokens::user_id,
            refresh_tokens::expires_at,
            refresh_tokens::used_at,
            refresh_tokens::revoked_at,
            users::active,
        ))
        .first::<(
            DbUuid,
            DbUuid,
            DbUuid,
            DbInstant,
            Option<DbInstant>,
            Option<DbInstant>,
            bool,
        )>(conn)
        .optional()?;
    Ok(found.map(
        |(id, family_id, user_id, expires_at, used_at, revoked_at, user_active)| {
            StoredRefreshToken {
                id: id.0,
                family_id: family_id.0,
                user_id: user_id.0,
                state: RefreshTokenState {
                    expires_at: expires_at.0,
                    used_at: used_at.map(|t| t.0),
                    revoked_at: revoked_at.map(|t| t.0),
                    user_active,
                },
            }
        },
    ))
}

/// Marks a token used, only if it is still unused and unrevoked. Returns false when another
/// request got there first (which the caller treats as reuse).
pub fn mark_used(
    conn: &mut AnyConnection,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        refresh_tokens::table
            .find(DbUuid(id))
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(Some(DbInstant(now))))
    .execute(conn)?;
    Ok(n == 1)
}

/// Revokes every token of a family that is not revoked yet; returns how many.
pub fn revoke_family(
    conn: &mut AnyConnection,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(DbUuid(family_id)))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(DbInstant(now))))
    .execute(conn)?)
}

/// Revokes every token of a user (account disabled, password reset); returns how many.
pub fn revoke_user(
    conn: &mut AnyConnection,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(DbUuid(user_id)))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(DbInstant(now))))
    .execute(conn)?)
}

/// Deletes tokens that expired before `before` (housekeeping); returns how many.
pub fn purge_expired(conn: &mut AnyConnection, before: DateTime<Utc>) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        refresh_tokens::table.filter(refresh_tokens::expires_at.lt(DbInstant(before))),
    )
    .execute(conn)?)
}
