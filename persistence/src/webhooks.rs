//! Webhook subscriptions, the lease a delivery worker takes on one, the end of a delivery run,
//! and the delivery log.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use socialcare_domain::webhooks::Subscription;
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{
    event_head, machine_clients, partner_organisations, webhook_attempts, webhook_subscriptions,
};
use crate::sql_types::{DbInstant, DbUuid};

/// A `webhook_subscriptions` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_subscriptions)]
#[diesel(treat_none_as_default_value = false)]
struct SubscriptionRow {
    id: DbUuid,
    client_id: DbUuid,
    url: String,
    event_types: String,
    secret: String,
    enabled: bool,
    disabled_reason: Option<String>,
    delivered_through: i64,
    consecutive_failures: i32,
    next_attempt_at: DbInstant,
    leased_until: Option<DbInstant>,
    lease_owner: Option<DbUuid>,
    version: i64,
    created_at: DbInstant,
    updated_at: DbInstant,
}

impl From<SubscriptionRow> for Subscription {
    fn from(row: SubscriptionRow) -> Self {
        Self {
            id: row.id.0,
            client_id: row.client_id.0,
            url: row.url,
            event_types: row
                .event_types
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            secret: row.secret,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
            delivered_through: row.delivered_through,
            consecutive_failures: u32::try_from(row.consecutive_failures).unwrap_or(0),
            next_attempt_at: row.next_attempt_at.0,
            version: row.version,
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        }
    }
}

/// Subscribes a client's URL to the events after the feed's current head (version 1,
/// enabled).
pub fn insert(
    conn: &mut AnyConnection,
    client_id: Uuid,
    url: &str,
    event_types: &[String],
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Subscription, StoreError> {
    let head: i64 = event_head::table
        .find(1)
        .select(event_head::last_position)
        .first(conn)?;
    let row = SubscriptionRow {
        id: DbUuid(Uuid::now_v7()),
        client_id: DbUuid(client_id),
        url: url.to_owned(),
        event_types: event_types.join(","),
        secret: secret.to_owned(),
        enabled: true,
        disabled_reason: None,
        delivered_through: head,
        consecutive_failures: 0,
        next_attempt_at: now.into(),
        leased_until: None,
        lease_owner: None,
        version: 1,
        created_at: now.into(),
        updated_at: now.into(),
    };
    diesel::insert_into(webhook_subscriptions::table)
        .values(&row)
        .execute(conn)?;
    Ok(row.into())
}

/// A subscription of `client_id`; `None` for another client's.
pub fn find(
    conn: &mut AnyConnection,
    client_id: Uuid,
    id: Uuid,
) -> Result<Option<Subscription>, StoreError> {
    Ok(webhook_subscriptions::table
        .find(DbUuid(id))
        .filter(webhook_subscriptions::client_id.eq(DbUuid(client_id)))
        .select(SubscriptionRow::as_select())
        .first(conn)
        .optional()?
        .map(Into::into))
}

/// The subscriptions of a client, oldest first.
pub fn list(conn: &mut AnyConnection, client_id: Uuid) -> Result<Vec<Subscription>, StoreError> {
    Ok(webhook_subscriptions::table
        .filter(webhook_subscriptions::client_id.eq(DbUuid(client_id)))
        .order(webhook_subscriptions::id.asc())
        .select(SubscriptionRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Replaces a subscription's URL, types and enabled flag if it is still `expected_version`;
/// enabling it (again) clears the failures and its reason and makes it due at once.
pub fn update(
    conn: &mut AnyConnection,
    current: &Subscription,
    url: &str,
    event_types: &[String],
    enabled: bool,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let target = webhook_subscriptions::table
        .find(DbUuid(current.id))
        .filter(webhook_subscriptions::version.eq(current.version));
    let changed = (
        webhook_subscriptions::url.eq(url),
        webhook_subscriptions::event_types.eq(event_types.join(",")),
        webhook_subscriptions::enabled.eq(enabled),
        webhook_subscriptions::version.eq(current.version + 1),
        webhook_subscriptions::updated_at.eq(DbInstant(now)),
    );
    let n = if enabled && !current.enabled {
        diesel::update(target)
            .set((
                changed,
                webhook_subscriptions::disabled_reason.eq(None::<String>),
                webhook_subscriptions::consecutive_failures.eq(0),
                webhook_subscriptions::next_attempt_at.eq(DbInstant(now)),
            ))
            .execute(conn)?
    } else {
        diesel::update(target).set(changed).execute(conn)?
    };
    Ok(n == 1)
}

/// Moves a subscription back to `after` (a manual redelivery of the events after it) and makes
/// it due at once, if it is still `expected_version`.
pub fn rewind(
    conn: &mut AnyConnection,
    current: &Subscription,
    after: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        webhook_subscriptions::table
            .find(DbUuid(current.id))
            .filter(webhook_subscriptions::version.eq(current.version)),
    )
    .set((
        webhook_subscriptions::delivered_through.eq(after),
        webhook_subscriptions::next_attempt_at.eq(DbInstant(now)),
        webhook_subscriptions::version.eq(current.version + 1),
        webhook_subscriptions::updated_at.eq(DbInstant(now)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// A subscription leased to a worker, with what the run needs.
#[derive(Debug, Clone)]
pub struct Leased {
    /// The subscription.
    pub subscription: Subscription,
    /// The organisation of its client (whose events it receives).
    pub organisation_id: Uuid,
    /// The feed's head when the lease was taken: every event at or before it has committed.
    pub head: i64,
}

/// Takes the lease of one subscription that is due (enabled, its client enabled and its
/// organisation active, its next attempt not in the future, events after its position, no live
/// lease), for `owner` until `until`. On PostgreSQL the candidate row is locked with
/// `FOR UPDATE SKIP LOCKED`: a worker of another server process takes another subscription or
/// none, never the same one.
pub fn lease(
    conn: &mut AnyConnection,
    owner: Uuid,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Option<Leased>, StoreError> {
    let head: i64 = event_head::table
        .find(1)
        .select(event_head::last_position)
        .first(conn)?;
    let candidates: Vec<(DbUuid, DbUuid)> = webhook_subscriptions::table
        .inner_join(machine_clients::table.inner_join(partner_organisations::table))
        .filter(webhook_subscriptions::enabled.eq(true))
        .filter(machine_clients::enabled.eq(true))
        .filter(partner_organisations::active.eq(true))
        .filter(webhook_subscriptions::next_attempt_at.le(DbInstant(now)))
        .filter(webhook_subscriptions::delivered_through.lt(head))
        .filter(
            webhook_subscriptions::leased_until
                .is_null()
                .or(webhook_subscriptions::leased_until.lt(DbInstant(now))),
        )
        .order(webhook_subscriptions::next_attempt_at.asc())
        .limit(8)
        .select((webhook_subscriptions::id, machine_clients::organisation_id))
        .load(conn)?;
    let mut found = None;
    for (id, organisation) in candidates {
        // Locked alone (not its client or organisation), and passed over when another worker
        // holds it; its lease is checked again under the lock.
        macro_rules! candidate {
            () => {
                webhook_subscriptions::table
                    .find(id)
                    .filter(webhook_subscriptions::enabled.eq(true))
                    .filter(
                        webhook_subscriptions::leased_until
                            .is_null()
                            .or(webhook_subscriptions::leased_until.lt(DbInstant(now))),
                    )
                    .select(SubscriptionRow::as_select())
            };
        }
        let row = match conn {
            AnyConnection::Postgresql(c) => candidate!()
                .for_update()
                .skip_locked()
                .first(c)
                .optional()?,
            AnyConnection::Sqlite(c) => candidate!().first(c).optional()?,
        };
        if let Some(row) = row {
            found = Some((row, organisation));
            break;
        }
    }
    let Some((row, organisation)) = found else {
        return Ok(None);
    };
    diesel::update(webhook_subscriptions::table.find(row.id))
        .set((
            webhook_subscriptions::leased_until.eq(Some(DbInstant(until))),
            webhook_subscriptions::lease_owner.eq(Some(DbUuid(owner))),
        ))
        .execute(conn)?;
    Ok(Some(Leased {
        subscription: row.into(),
        organisation_id: organisation.0,
        head,
    }))
}

/// One attempt of the delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_attempts)]
#[diesel(treat_none_as_default_value = false)]
pub struct Attempt {
    /// Identifier.
    pub id: DbUuid,
    /// The subscription.
    pub subscription_id: DbUuid,
    /// The event's position.
    pub event_position: i64,
    /// The event's id.
    pub event_id: DbUuid,
    /// When it was sent.
    pub attempted_at: DbInstant,
    /// Whether the receiver answered 2xx in time.
    pub succeeded: bool,
    /// The receiver's status code, when it answered.
    pub status_code: Option<i32>,
    /// What went wrong, when nothing was answered (timeout, refused connection…).
    pub error: Option<String>,
    /// How long the attempt took.
    pub duration_ms: i32,
}

/// How a delivery run ended.
#[derive(Debug, Clone)]
pub struct RunEnd {
    /// The position reached (the last event sent or passed over).
    pub delivered_through: i64,
    /// Failures since the last success.
    pub consecutive_failures: u32,
    /// When the next attempt may be made.
    pub next_attempt_at: DateTime<Utc>,
    /// `Some(reason)` when the subscription is disabled by this run.
    pub disabled: Option<String>,
    /// The attempts of the run, for the log.
    pub attempts: Vec<Attempt>,
}

/// Records the end of `owner`'s run on a subscription and releases its lease; `false` (and
/// nothing recorded) when the lease was lost meanwhile (it expired and another worker took it).
pub fn end_run(
    conn: &mut AnyConnection,
    id: Uuid,
    owner: Uuid,
    end: &RunEnd,
) -> Result<bool, StoreError> {
    let target = webhook_subscriptions::table
        .find(DbUuid(id))
        .filter(webhook_subscriptions::lease_owner.eq(DbUuid(owner)));
    let released = (
        webhook_subscriptions::delivered_through.eq(end.delivered_through),
        webhook_subscriptions::consecutive_failures
            .eq(i32::try_from(end.consecutive_failures).unwrap_or(i32::MAX)),
        webhook_subscriptions::next_attempt_at.eq(DbInstant(end.next_attempt_at)),
        webhook_subscriptions::leased_until.eq(None::<DbInstant>),
        webhook_subscriptions::lease_owner.eq(None::<DbUuid>),
    );
    let n = match &end.disabled {
        Some(reason) => diesel::update(target)
            .set((
                released,
                webhook_subscriptions::enabled.eq(false),
                webhook_subscriptions::disabled_reason.eq(Some(reason.as_str())),
            ))
            .execute(conn)?,
        None => diesel::update(target).set(released).execute(conn)?,
    };
    if n != 1 {
        return Ok(false);
    }
    for chunk in end.attempts.chunks(500) {
        // One multi-row statement per engine (the multi-backend connection has no batch
        // insert of its own).
        match conn {
            AnyConnection::Postgresql(c) => diesel::insert_into(webhook_attempts::table)
                .values(chunk)
                .execute(c)?,
            AnyConnection::Sqlite(c) => diesel::insert_into(webhook_attempts::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(true)
}

/// The delivery log of a subscription, newest first, before `before` (an attempt id), at most
/// `limit`.
pub fn attempts(
    conn: &mut AnyConnection,
    subscription_id: Uuid,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Attempt>, StoreError> {
    let mut query = webhook_attempts::table
        .filter(webhook_attempts::subscription_id.eq(DbUuid(subscription_id)))
        .order(webhook_attempts::id.desc())
        .limit(limit)
        .select(Attempt::as_select())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(webhook_attempts::id.lt(DbUuid(before)));
    }
    Ok(query.load(conn)?)
}
