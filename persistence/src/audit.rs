//! The audit trail: append-only records of who did what to which resource.
//!
//! There is deliberately no update or delete function in this module.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::audit_records;
use crate::sql_types::{DbInstant, DbUuid};

/// Outcome of the audited action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The action happened.
    Success,
    /// The action was refused by authorization.
    Denied,
    /// The action failed (bad credentials, invalid token).
    Failure,
}

impl Outcome {
    /// Stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Denied => "denied",
            Outcome::Failure => "failure",
        }
    }
}

/// A record to append.
#[derive(Debug, Clone)]
pub struct NewAuditRecord {
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// The authenticated actor, when there is one.
    pub actor_id: Option<Uuid>,
    /// The actor's username, or the username attempted at login.
    pub actor_username: Option<String>,
    /// The actor's roles at that moment.
    pub actor_roles: Vec<String>,
    /// What was done, e.g. `auth.login`, `user.create`, `user.read`.
    pub action: String,
    /// Kind of resource, e.g. `user`, `session`.
    pub resource_type: String,
    /// Identifier of the resource.
    pub resource_id: Option<String>,
    /// Outcome.
    pub outcome: Outcome,
    /// Request id of the HTTP request.
    pub request_id: Option<String>,
    /// Client address.
    pub client_addr: Option<String>,
    /// Extra context (JSON text), never secrets.
    pub details: Option<String>,
    /// The persons whose data was read or written.
    pub persons: Vec<Uuid>,
    /// Why: the break-glass reason, or the purpose the client declared.
    pub purpose: Option<String>,
    /// Whether the access was allowed only by a break-glass grant.
    pub break_glass: bool,
}

/// An `audit_records` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_records)]
pub struct AuditRow {
    /// Primary key.
    pub id: DbUuid,
    /// When it happened.
    pub occurred_at: DbInstant,
    /// Actor id.
    pub actor_id: Option<DbUuid>,
    /// Actor username.
    pub actor_username: Option<String>,
    /// Comma-separated roles.
    pub actor_roles: String,
    /// Action code.
    pub action: String,
    /// Resource type.
    pub resource_type: String,
    /// Resource id.
    pub resource_id: Option<String>,
    /// Outcome code.
    pub outcome: String,
    /// Request id.
    pub request_id: Option<String>,
    /// Client address.
    pub client_addr: Option<String>,
    /// Extra context.
    pub details: Option<String>,
}

/// Appends a record; call it inside the transaction of the action it records.
pub fn append(conn: &mut AnyConnection, record: NewAuditRecord) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    let row = AuditRow {
        id: DbUuid(id),
        occurred_at: record.occurred_at.into(),
        actor_id: record.actor_id.map(DbUuid),
        actor_username: record.actor_username,
        actor_roles: record.actor_roles.join(","),
        action: record.action,
        resource_type: record.resource_type,
        resource_id: record.resource_id,
        outcome: record.outcome.as_str().to_owned(),
        request_id: record.request_id,
        client_addr: record.client_addr,
        details: record.details,
    };
    diesel::insert_into(audit_records::table)
        .values(&row)
        .execute(conn)?;
    Ok(id)
}

/// The most recent records, newest first (for tests and the forthcoming audit endpoints).
pub fn recent(conn: &mut AnyConnection, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
    Ok(audit_records::table
        .select(AuditRow::as_select())
        .order(audit_records::id.desc())
        .limit(limit)
        .load(conn)?)
}
