//! The event outbox: one event per change, written in the change's transaction and given its
//! position in commit order (see migration 000038), read by position, and removed after the
//! retention period.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{event_head, event_pending, events};
use crate::sql_types::{DbInstant, DbUuid};

/// An event to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// Its id (the CloudEvents `id`).
    pub id: Uuid,
    /// Its type (`it.comune.socialcare.referral.create`).
    pub event_type: String,
    /// What it is about (`referral/<id>`).
    pub subject: String,
    /// When the change happened.
    pub time: DateTime<Utc>,
    /// The partner organisation it concerns, if any.
    pub organisation_id: Option<Uuid>,
    /// The CloudEvents `data` (JSON text).
    pub data: String,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct EventRow {
    /// Its position in commit order.
    pub position: i64,
    /// Its id.
    pub id: DbUuid,
    /// Its type.
    pub event_type: String,
    /// What it is about.
    pub subject: String,
    /// When the change happened.
    pub time: DbInstant,
    /// The partner organisation it concerns.
    pub organisation_id: Option<DbUuid>,
    /// The CloudEvents `data` (JSON text).
    pub data: String,
}

/// Writes an event in the caller's transaction. On PostgreSQL it is staged and gets its
/// position when the transaction commits (a deferred trigger, migration 000038); on SQLite, the
/// one writer, it gets the next position at once.
pub fn append(conn: &mut AnyConnection, event: &NewEvent) -> Result<(), StoreError> {
    match conn {
        AnyConnection::Postgresql(c) => {
            diesel::insert_into(event_pending::table)
                .values((
                    event_pending::id.eq(DbUuid(event.id)),
                    event_pending::event_type.eq(&event.event_type),
                    event_pending::subject.eq(&event.subject),
                    event_pending::time.eq(DbInstant(event.time)),
                    event_pending::organisation_id.eq(event.organisation_id.map(DbUuid)),
                    event_pending::data.eq(&event.data),
                ))
                .execute(c)?;
        }
        AnyConnection::Sqlite(c) => {
            let last: i64 = event_head::table
                .find(1)
                .select(event_head::last_position)
                .first(c)?;
            let position = last + 1;
            diesel::insert_into(events::table)
                .values((
                    events::position.eq(position),
                    events::id.eq(DbUuid(event.id)),
                    events::event_type.eq(&event.event_type),
                    events::subject.eq(&event.subject),
                    events::time.eq(DbInstant(event.time)),
                    events::organisation_id.eq(event.organisation_id.map(DbUuid)),
                    events::data.eq(&event.data),
                ))
                .execute(c)?;
            diesel::update(event_head::table.find(1))
                .set(event_head::last_position.eq(position))
                .execute(c)?;
        }
    }
    Ok(())
}

/// The last position given and the last position removed by the retention.
pub fn head(conn: &mut AnyConnection) -> Result<(i64, i64), StoreError> {
    Ok(event_head::table
        .find(1)
        .select((event_head::last_position, event_head::pruned_through))
        .first(conn)?)
}

/// What a reader asks for.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    /// Only events after this position.
    pub after: i64,
    /// Only events of these types (all when empty).
    pub types: Vec<String>,
    /// Only events concerning this organisation (all when `None`).
    pub organisation_id: Option<Uuid>,
    /// At most this many.
    pub limit: i64,
}

/// The events after `q.after`, in position (commit) order.
pub fn list(conn: &mut AnyConnection, q: &EventQuery) -> Result<Vec<EventRow>, StoreError> {
    let mut query = events::table
        .filter(events::position.gt(q.after))
        .order(events::position.asc())
        .limit(q.limit)
        .select(EventRow::as_select())
        .into_boxed();
    if !q.types.is_empty() {
        query = query.filter(events::event_type.eq_any(q.types.clone()));
    }
    if let Some(organisation) = q.organisation_id {
        query = query.filter(events::organisation_id.eq(DbUuid(organisation)));
    }
    Ok(query.load(conn)?)
}

/// Removes the events older than `before`; returns how many. The head remembers the last
/// position removed, so that a reader further behind learns that it missed events.
pub fn prune(conn: &mut AnyConnection, before: DateTime<Utc>) -> Result<usize, StoreError> {
    let last: Option<i64> = events::table
        .filter(events::time.lt(DbInstant(before)))
        .select(diesel::dsl::max(events::position))
        .first(conn)?;
    let Some(last) = last else {
        return Ok(0);
    };
    let removed = diesel::delete(events::table.filter(events::position.le(last))).execute(conn)?;
    diesel::update(
        event_head::table
            .find(1)
            .filter(event_head::pruned_through.lt(last)),
    )
    .set(event_head::pruned_through.eq(last))
    .execute(conn)?;
    Ok(removed)
}
