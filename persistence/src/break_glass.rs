//! Break-glass grants: emergency access of a staff member to a case file outside their case
//! team, with a mandatory reason, for a limited time, reviewed by the office manager.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::audit;
use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{break_glass_grants, case_files, users};
use crate::sql_types::{DbInstant, DbUuid};

/// Constraint name reported by [`acknowledge`] when the grant was already acknowledged.
pub const ALREADY_ACKNOWLEDGED: &str = "break_glass_grants_already_acknowledged";

/// A `break_glass_grants` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = break_glass_grants)]
#[diesel(treat_none_as_default_value = false)]
pub struct GrantRow {
    /// Primary key.
    pub id: DbUuid,
    /// The case file opened.
    pub case_file_id: DbUuid,
    /// The staff member who opened it.
    pub staff_id: DbUuid,
    /// Why.
    pub reason: String,
    /// Start of the access.
    pub granted_at: DbInstant,
    /// End of the access.
    pub expires_at: DbInstant,
    /// When the office manager reviewed it.
    pub acknowledged_at: Option<DbInstant>,
    /// Who reviewed it.
    pub acknowledged_by: Option<DbUuid>,
    /// The reviewer's note.
    pub acknowledgement_note: Option<String>,
}

/// A break-glass grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Identifier.
    pub id: Uuid,
    /// The case file opened.
    pub case_file_id: Uuid,
    /// The staff member who opened it.
    pub staff_id: Uuid,
    /// Why (mandatory).
    pub reason: String,
    /// Start of the access.
    pub granted_at: DateTime<Utc>,
    /// End of the access (exclusive).
    pub expires_at: DateTime<Utc>,
    /// When the office manager reviewed it.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Who reviewed it.
    pub acknowledged_by: Option<Uuid>,
    /// The reviewer's note.
    pub acknowledgement_note: Option<String>,
}

impl Grant {
    /// Whether the access is open at `now`.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.granted_at <= now && now < self.expires_at
    }
}

impl From<GrantRow> for Grant {
    fn from(r: GrantRow) -> Self {
        Self {
            id: r.id.0,
            case_file_id: r.case_file_id.0,
            staff_id: r.staff_id.0,
            reason: r.reason,
            granted_at: r.granted_at.0,
            expires_at: r.expires_at.0,
            acknowledged_at: r.acknowledged_at.map(|a| a.0),
            acknowledged_by: r.acknowledged_by.map(|a| a.0),
            acknowledgement_note: r.acknowledgement_note,
        }
    }
}

/// Records a grant of `ttl` from `now`. The caller checks first that no grant is active
/// ([`active_grant`]) in the same transaction.
pub fn grant(
    conn: &mut AnyConnection,
    case_file_id: Uuid,
    staff_id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<Grant, StoreError> {
    let row = GrantRow {
        id: DbUuid(Uuid::now_v7()),
        case_file_id: DbUuid(case_file_id),
        staff_id: DbUuid(staff_id),
        reason: reason.to_owned(),
        granted_at: now.into(),
        expires_at: (now + ttl).into(),
        acknowledged_at: None,
        acknowledged_by: None,
        acknowledgement_note: None,
    };
    diesel::insert_into(break_glass_grants::table)
        .values(&row)
        .execute(conn)?;
    Ok(row.into())
}

/// The grant that lets `staff_id` into `case_file_id` at `now`, if any (the one expiring last).
pub fn active_grant(
    conn: &mut AnyConnection,
    staff_id: Uuid,
    case_file_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Grant>, StoreError> {
    let now = DbInstant::from(now);
    Ok(break_glass_grants::table
        .filter(break_glass_grants::staff_id.eq(DbUuid(staff_id)))
        .filter(break_glass_grants::case_file_id.eq(DbUuid(case_file_id)))
        .filter(break_glass_grants::expires_at.gt(now))
        .filter(break_glass_grants::granted_at.le(now))
        .order(break_glass_grants::expires_at.desc())
        .select(GrantRow::as_select())
        .first(conn)
        .optional()?
        .map(Grant::from))
}

/// The reasons of `staff`'s grants active at `now` on any of `case_files`, by case file (one
/// query whatever the number of files; used by the access policy's facts).
pub fn active_reasons(
    conn: &mut AnyConnection,
    staff: Uuid,
    case_files: &[DbUuid],
    now: DateTime<Utc>,
) -> Result<std::collections::HashMap<Uuid, String>, StoreError> {
    let now = DbInstant::from(now);
    let rows: Vec<(DbUuid, String)> = break_glass_grants::table
        .filter(break_glass_grants::staff_id.eq(DbUuid(staff)))
        .filter(break_glass_grants::case_file_id.eq_any(case_files))
        .filter(break_glass_grants::expires_at.gt(now))
        .filter(break_glass_grants::granted_at.le(now))
        .order(break_glass_grants::expires_at.asc())
        .select((break_glass_grants::case_file_id, break_glass_grants::reason))
        .load(conn)?;
    // Ordered by expiry: the grant expiring last wins.
    Ok(rows
        .into_iter()
        .map(|(file, reason)| (file.0, reason))
        .collect())
}

/// One grant by id.
pub fn find(conn: &mut AnyConnection, id: Uuid) -> Result<Option<Grant>, StoreError> {
    Ok(break_glass_grants::table
        .find(DbUuid(id))
        .select(GrantRow::as_select())
        .first(conn)
        .optional()?
        .map(Grant::from))
}

/// Keyset position in the review list: the last grant of the previous page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewCursor {
    /// Its start.
    pub granted_at: DateTime<Utc>,
    /// Its id.
    pub id: Uuid,
}

/// A grant as the office manager reviews it.
#[derive(Debug, Clone)]
pub struct ReviewItem {
    /// The grant.
    pub grant: Grant,
    /// Username of the staff member.
    pub staff_username: String,
    /// Display name of the staff member.
    pub staff_display_name: String,
    /// Reference of the case file (`CS-YYYY-NNNNNN`).
    pub case_reference: String,
    /// The person of the case file.
    pub person_id: Uuid,
    /// Audit records made under the grant: break-glass records by the staff member on the case
    /// file or its person, within the grant's window.
    pub audit_records: i64,
}

/// The review list, newest first: every grant, or only those (not) acknowledged.
pub fn list(
    conn: &mut AnyConnection,
    acknowledged: Option<bool>,
    cursor: Option<ReviewCursor>,
    limit: i64,
) -> Result<Vec<ReviewItem>, StoreError> {
    let mut query = break_glass_grants::table
        .inner_join(case_files::table)
        .inner_join(users::table.on(users::id.eq(break_glass_grants::staff_id)))
        .select((
            GrantRow::as_select(),
            users::username,
            users::display_name,
            case_files::reference,
            case_files::person_id,
        ))
        .order((
            break_glass_grants::granted_at.desc(),
            break_glass_grants::id.desc(),
        ))
        .limit(limit)
        .into_boxed();
    match acknowledged {
        Some(true) => query = query.filter(break_glass_grants::acknowledged_at.is_not_null()),
        Some(false) => query = query.filter(break_glass_grants::acknowledged_at.is_null()),
        None => {}
    }
    if let Some(c) = cursor {
        let at = DbInstant::from(c.granted_at);
        query = query.filter(
            break_glass_grants::granted_at
                .lt(at)
                .or(break_glass_grants::granted_at
                    .eq(at)
                    .and(break_glass_grants::id.lt(DbUuid(c.id)))),
        );
    }
    let rows: Vec<(GrantRow, String, String, String, DbUuid)> = query.load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (row, staff_username, staff_display_name, case_reference, person_id) in rows {
        let grant = Grant::from(row);
        let audit_records = audit::count_break_glass(
            conn,
            grant.staff_id,
            grant.case_file_id,
            person_id.0,
            grant.granted_at,
            grant.expires_at,
        )?;
        out.push(ReviewItem {
            grant,
            staff_username,
            staff_display_name,
            case_reference,
            person_id: person_id.0,
            audit_records,
        });
    }
    Ok(out)
}

/// Marks a grant as reviewed. `NotFound` when there is no such grant; `Conflict`
/// ([`ALREADY_ACKNOWLEDGED`]) when it was already acknowledged.
pub fn acknowledge(
    conn: &mut AnyConnection,
    id: Uuid,
    by: Uuid,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Grant, StoreError> {
    let changed = diesel::update(
        break_glass_grants::table
            .find(DbUuid(id))
            .filter(break_glass_grants::acknowledged_at.is_null()),
    )
    .set((
        break_glass_grants::acknowledged_at.eq(Some(DbInstant::from(now))),
        break_glass_grants::acknowledged_by.eq(Some(DbUuid(by))),
        break_glass_grants::acknowledgement_note.eq(note),
    ))
    .execute(conn)?;
    match find(conn, id)? {
        None => Err(StoreError::NotFound),
        Some(_) if changed == 0 => Err(StoreError::Conflict(ALREADY_ACKNOWLEDGED.into())),
        Some(grant) => Ok(grant),
    }
}
