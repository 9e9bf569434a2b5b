//! Writes the event of a change, in the change's transaction (the outbox): called by the gates
//! ([`crate::case_work`], [`crate::partner_work`]) after the audit record of a successful write.

use chrono::{DateTime, Utc};
use socialcare_domain::access::Action;
use socialcare_domain::events::{event_type, publishes};
use socialcare_persistence::AnyConnection;
use socialcare_persistence::audit::{self, NewAuditRecord};
use socialcare_persistence::events::{self, NewEvent};
use uuid::Uuid;

use crate::error::ApiError;

/// What changed, as the event tells it.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    /// The policy action the change was decided as (some are never published).
    pub action: Action,
    /// The audit trail's event code (`referral.create`).
    pub code: &'a str,
    /// The kind of resource (`referral`).
    pub resource_type: &'a str,
    /// Its id.
    pub resource_id: Option<&'a str>,
    /// Its version after the change, when it has one.
    pub version: Option<i64>,
    /// The partner organisation it concerns, if any.
    pub organisation_id: Option<Uuid>,
    /// When it happened.
    pub time: DateTime<Utc>,
}

/// Writes the event of `change` unless its action is never published. Must follow the audit
/// append of the same transaction (lock order at commit: audit head, then event head).
pub fn record(conn: &mut AnyConnection, change: &Change<'_>) -> Result<(), ApiError> {
    if !publishes(change.action) {
        return Ok(());
    }
    let subject = match change.resource_id {
        Some(id) => format!("{}/{id}", change.resource_type),
        None => change.resource_type.to_owned(),
    };
    let mut data = serde_json::Map::new();
    data.insert("resource_type".into(), change.resource_type.into());
    if let Some(id) = change.resource_id {
        data.insert("id".into(), id.into());
    }
    if let Some(version) = change.version {
        data.insert("version".into(), version.into());
    }
    if let Some(organisation) = change.organisation_id {
        data.insert("organisation_id".into(), organisation.to_string().into());
    }
    events::append(
        conn,
        &NewEvent {
            id: Uuid::now_v7(),
            event_type: event_type(change.code),
            subject,
            time: change.time,
            organisation_id: change.organisation_id,
            data: serde_json::Value::Object(data).to_string(),
        },
    )?;
    Ok(())
}

/// Appends a gate's audit `record` and, when it records a change (not a read), the event of
/// that change: the resource's `version` after it, and the partner organisation it concerns.
/// The one ending of every gate (case work, partner work), so the order of the two appends
/// (audit head, then event head) is kept in one place.
pub fn append_with_event(
    conn: &mut AnyConnection,
    record: NewAuditRecord,
    action: Action,
    version: Option<i64>,
    organisation_id: Option<Uuid>,
) -> Result<(), ApiError> {
    let change = (!record.read_only).then(|| {
        (
            record.action.clone(),
            record.resource_type.clone(),
            record.resource_id.clone(),
            record.occurred_at,
        )
    });
    audit::append(conn, record)?;
    if let Some((code, resource_type, resource_id, time)) = change {
        self::record(
            conn,
            &Change {
                action,
                code: &code,
                resource_type: &resource_type,
                resource_id: resource_id.as_deref(),
                version,
                organisation_id,
                time,
            },
        )?;
    }
    Ok(())
}
