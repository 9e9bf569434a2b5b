//! Training and supervision of the staff: the events and their attendance. The rules are
//! `socialcare_domain::training`'s.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use socialcare_domain::training::{Attended, EventContent, TrainingKind, credits_earned};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{training_attendance, training_events};
use crate::sql_types::{DbInstant, DbUuid};

/// A training or supervision event as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingEvent {
    /// Identifier.
    pub id: Uuid,
    /// What describes it.
    pub content: EventContent,
    /// Optimistic-lock version.
    pub version: i64,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

/// A `training_events` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = training_events, treat_none_as_default_value = false)]
struct EventRow {
    id: DbUuid,
    kind: String,
    title: String,
    provider: String,
    from_on: NaiveDate,
    until_on: NaiveDate,
    hours: i16,
    credits: i16,
    ethics_credits: i16,
    notes: Option<String>,
    version: i64,
    created_at: DbInstant,
    created_by: DbUuid,
    updated_at: DbInstant,
    updated_by: DbUuid,
}

impl TryFrom<EventRow> for TrainingEvent {
    type Error = StoreError;

    fn try_from(r: EventRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str, e: String| {
            StoreError::Internal(format!(
                "stored {what} of training event {} is invalid: {e}",
                r.id.0
            ))
        };
        let small = |what: &str, v: i16| u16::try_from(v).map_err(|e| corrupt(what, e.to_string()));
        Ok(TrainingEvent {
            id: r.id.0,
            content: EventContent {
                kind: r
                    .kind
                    .parse::<TrainingKind>()
                    .map_err(|e| corrupt("kind", e))?,
                title: r.title.clone(),
                provider: r.provider.clone(),
                from_on: r.from_on,
                until_on: r.until_on,
                hours: small("hours", r.hours)?,
                credits: small("credits", r.credits)?,
                ethics_credits: small("ethics credits", r.ethics_credits)?,
                notes: r.notes.clone(),
            },
            version: r.version,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        })
    }
}

fn small(v: u16) -> i16 {
    i16::try_from(v).unwrap_or(i16::MAX)
}

/// Records an event.
pub fn insert_event(
    conn: &mut AnyConnection,
    c: &EventContent,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<TrainingEvent, StoreError> {
    let row = EventRow {
        id: DbUuid(Uuid::now_v7()),
        kind: c.kind.as_str().to_owned(),
        title: c.title.clone(),
        provider: c.provider.clone(),
        from_on: c.from_on,
        until_on: c.until_on,
        hours: small(c.hours),
        credits: small(c.credits),
        ethics_credits: small(c.ethics_credits),
        notes: c.notes.clone(),
        version: 1,
        created_at: now.into(),
        created_by: DbUuid(actor),
        updated_at: now.into(),
        updated_by: DbUuid(actor),
    };
    diesel::insert_into(training_events::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

/// Locks an event's row until the end of the transaction (false when there is none), so that
/// replacing the event and recording an attendance decide one after the other: an event never
/// lasts fewer hours than someone is recorded as attending.
pub fn lock_event(conn: &mut AnyConnection, id: Uuid) -> Result<bool, StoreError> {
    let found = match conn {
        AnyConnection::Postgresql(c) => training_events::table
            .find(DbUuid(id))
            .select(training_events::id)
            .for_update()
            .first::<DbUuid>(c)
            .optional()?,
        // The transaction already holds the database's one write lock (`BEGIN IMMEDIATE`).
        AnyConnection::Sqlite(c) => training_events::table
            .find(DbUuid(id))
            .select(training_events::id)
            .first::<DbUuid>(c)
            .optional()?,
    };
    Ok(found.is_some())
}

/// An event.
pub fn find_event(conn: &mut AnyConnection, id: Uuid) -> Result<Option<TrainingEvent>, StoreError> {
    training_events::table
        .find(DbUuid(id))
        .select(EventRow::as_select())
        .first(conn)
        .optional()?
        .map(TrainingEvent::try_from)
        .transpose()
}

/// Filters and position of the events list.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    /// Only events ending on or after this day.
    pub from: Option<NaiveDate>,
    /// Only events starting on or before this day.
    pub to: Option<NaiveDate>,
    /// Only events of this kind.
    pub kind: Option<TrainingKind>,
    /// Keyset: after this first day and id.
    pub after: Option<(NaiveDate, Uuid)>,
    /// At most this many.
    pub limit: i64,
}

/// Events by first day, then id.
pub fn list_events(
    conn: &mut AnyConnection,
    q: &EventQuery,
) -> Result<Vec<TrainingEvent>, StoreError> {
    let mut query = training_events::table
        .select(EventRow::as_select())
        .order((training_events::from_on.asc(), training_events::id.asc()))
        .limit(q.limit)
        .into_boxed();
    if let Some(from) = q.from {
        query = query.filter(training_events::until_on.ge(from));
    }
    if let Some(to) = q.to {
        query = query.filter(training_events::from_on.le(to));
    }
    if let Some(kind) = q.kind {
        query = query.filter(training_events::kind.eq(kind.as_str()));
    }
    if let Some((day, id)) = q.after {
        query = query.filter(
            training_events::from_on.gt(day).or(training_events::from_on
                .eq(day)
                .and(training_events::id.gt(DbUuid(id)))),
        );
    }
    query
        .load(conn)?
        .into_iter()
        .map(TrainingEvent::try_from)
        .collect()
}

/// Replaces an event still at `current.version` (false when stale).
pub fn update_event(
    conn: &mut AnyConnection,
    current: &TrainingEvent,
    c: &EventContent,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        training_events::table
            .find(DbUuid(current.id))
            .filter(training_events::version.eq(current.version)),
    )
    .set((
        training_events::kind.eq(c.kind.as_str()),
        training_events::title.eq(&c.title),
        training_events::provider.eq(&c.provider),
        training_events::from_on.eq(c.from_on),
        training_events::until_on.eq(c.until_on),
        training_events::hours.eq(small(c.hours)),
        training_events::credits.eq(small(c.credits)),
        training_events::ethics_credits.eq(small(c.ethics_credits)),
        training_events::notes.eq(c.notes.clone()),
        training_events::version.eq(current.version + 1),
        training_events::updated_at.eq(DbInstant::from(now)),
        training_events::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The largest attendance recorded for an event (what a shorter event must still hold).
pub fn most_hours_attended(conn: &mut AnyConnection, event_id: Uuid) -> Result<u16, StoreError> {
    let most: Option<i16> = training_attendance::table
        .filter(training_attendance::event_id.eq(DbUuid(event_id)))
        .select(diesel::dsl::max(training_attendance::hours))
        .first(conn)?;
    Ok(most.map_or(0, |h| u16::try_from(h).unwrap_or(0)))
}

/// Records (or replaces) the hours `user_id` attended `event_id`.
pub fn record_attendance(
    conn: &mut AnyConnection,
    event_id: Uuid,
    user_id: Uuid,
    hours: u16,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::delete(
        training_attendance::table
            .filter(training_attendance::event_id.eq(DbUuid(event_id)))
            .filter(training_attendance::user_id.eq(DbUuid(user_id))),
    )
    .execute(conn)?;
    diesel::insert_into(training_attendance::table)
        .values((
            training_attendance::event_id.eq(DbUuid(event_id)),
            training_attendance::user_id.eq(DbUuid(user_id)),
            training_attendance::hours.eq(small(hours)),
            training_attendance::recorded_at.eq(DbInstant::from(now)),
            training_attendance::recorded_by.eq(DbUuid(actor)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The attendance of an event: (staff member, hours), by staff member.
pub fn attendance_of(
    conn: &mut AnyConnection,
    event_id: Uuid,
) -> Result<Vec<(Uuid, u16)>, StoreError> {
    let rows: Vec<(DbUuid, i16)> = training_attendance::table
        .filter(training_attendance::event_id.eq(DbUuid(event_id)))
        .order(training_attendance::user_id.asc())
        .select((training_attendance::user_id, training_attendance::hours))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(u, h)| (u.0, u16::try_from(h).unwrap_or(0)))
        .collect())
}

/// What each of `users` attended (every staff member when `None`), with the credits the
/// domain gives for it, by staff member; events ending from `from` to `to`.
pub fn attended_by(
    conn: &mut AnyConnection,
    users: Option<&[Uuid]>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<Uuid, Vec<(TrainingEvent, Attended)>>, StoreError> {
    let mut query = training_attendance::table
        .inner_join(training_events::table)
        .filter(training_events::until_on.ge(from))
        .filter(training_events::until_on.le(to))
        .select((
            training_attendance::user_id,
            training_attendance::hours,
            EventRow::as_select(),
        ))
        .order((training_events::until_on.asc(), training_events::id.asc()))
        .into_boxed();
    if let Some(ids) = users {
        query = query.filter(training_attendance::user_id.eq_any(ids.iter().copied().map(DbUuid)));
    }
    let rows: Vec<(DbUuid, i16, EventRow)> = query.load(conn)?;
    let mut by: HashMap<Uuid, Vec<(TrainingEvent, Attended)>> = HashMap::new();
    for (user, hours, row) in rows {
        let event = TrainingEvent::try_from(row)?;
        let hours = u16::try_from(hours).unwrap_or(0);
        let (credits, ethics_credits) = credits_earned(&event.content, hours);
        let attended = Attended {
            until_on: event.content.until_on,
            hours,
            credits,
            ethics_credits,
        };
        by.entry(user.0).or_default().push((event, attended));
    }
    Ok(by)
}
