//! Offers and admissions to care resources: the allocations of places, what was decided on
//! them, and the count of places held per resource that the database bounds
//! (`resource_occupancy`, kept by trigger). The rules are `socialcare_domain::waiting_list`'s.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use socialcare_domain::waiting_list::{
    Allocation, AllocationDecision, AllocationState, Application, ApplicationStatus, Exit,
    Protocol, lapse_day,
};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{allocation_decisions, applications, place_allocations, resource_occupancy};
use crate::sql_types::{DbInstant, DbUuid};

/// The CHECK that keeps the places held of a resource within its ceiling.
pub const NO_FREE_PLACE: &str = "resource_occupancy_within";

/// The index that lets an application hold one place at most.
pub const ONE_HOLD_PER_APPLICATION: &str = "place_allocations_holding_idx";

/// A `place_allocations` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = place_allocations, treat_none_as_default_value = false)]
struct AllocationRow {
    id: DbUuid,
    application_id: DbUuid,
    resource_id: DbUuid,
    state: String,
    offered_on: Option<NaiveDate>,
    respond_by: Option<NaiveDate>,
    admitted_on: Option<NaiveDate>,
    ended_on: Option<NaiveDate>,
    exit: Option<String>,
    out_of_order_reason: Option<String>,
    version: i64,
    created_at: DbInstant,
    created_by: DbUuid,
    updated_at: DbInstant,
    updated_by: DbUuid,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("stored {what} is invalid: {e}"))
}

impl AllocationRow {
    fn into_allocation(self) -> Result<Allocation, StoreError> {
        Ok(Allocation {
            id: self.id.0,
            application_id: self.application_id.0,
            resource_id: self.resource_id.0,
            state: self
                .state
                .parse()
                .map_err(|e| corrupt("allocation state", e))?,
            offered_on: self.offered_on,
            respond_by: self.respond_by,
            admitted_on: self.admitted_on,
            ended_on: self.ended_on,
            exit: self
                .exit
                .map(|e| e.parse::<Exit>())
                .transpose()
                .map_err(|e| corrupt("exit", e))?,
            out_of_order_reason: self.out_of_order_reason,
            version: self.version,
            created_at: self.created_at.0,
            created_by: self.created_by.0,
            updated_at: self.updated_at.0,
        })
    }
}

/// The places held of a resource and the most that may be held, as the database keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occupancy {
    /// Places held by offers and admissions.
    pub held: u32,
    /// The most that may be held (refreshed by [`set_ceiling`]).
    pub ceiling: u32,
}

fn count(n: i32) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|e| corrupt("place count", e))
}

/// Takes the resource's occupancy row lock until the end of the transaction (PostgreSQL;
/// SQLite has one writer at a time, `BEGIN IMMEDIATE`), so that two requests taking a place
/// of the same resource decide one after the other; and reads it. None when the resource has
/// no occupancy row (no such resource).
pub fn lock_occupancy(
    conn: &mut AnyConnection,
    resource_id: Uuid,
) -> Result<Option<Occupancy>, StoreError> {
    let query = resource_occupancy::table.find(DbUuid(resource_id)).select((
        resource_occupancy::places_held,
        resource_occupancy::places_ceiling,
    ));
    let found: Option<(i32, i32)> = match conn {
        AnyConnection::Postgresql(c) => query.for_update().first(c).optional()?,
        AnyConnection::Sqlite(c) => query.first(c).optional()?,
    };
    found
        .map(|(held, ceiling)| {
            Ok(Occupancy {
                held: count(held)?,
                ceiling: count(ceiling)?,
            })
        })
        .transpose()
}

/// The occupancy of a resource, without a lock (reads).
pub fn occupancy(
    conn: &mut AnyConnection,
    resource_id: Uuid,
) -> Result<Option<Occupancy>, StoreError> {
    let found: Option<(i32, i32)> = resource_occupancy::table
        .find(DbUuid(resource_id))
        .select((
            resource_occupancy::places_held,
            resource_occupancy::places_ceiling,
        ))
        .first(conn)
        .optional()?;
    found
        .map(|(held, ceiling)| {
            Ok(Occupancy {
                held: count(held)?,
                ceiling: count(ceiling)?,
            })
        })
        .transpose()
}

/// Records the occupancy row of a new resource (nothing held).
pub fn insert_occupancy(
    conn: &mut AnyConnection,
    resource_id: Uuid,
    ceiling: u32,
) -> Result<(), StoreError> {
    diesel::insert_into(resource_occupancy::table)
        .values((
            resource_occupancy::resource_id.eq(DbUuid(resource_id)),
            resource_occupancy::places_held.eq(0),
            resource_occupancy::places_ceiling.eq(places(ceiling)),
        ))
        .execute(conn)?;
    Ok(())
}

fn places(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Sets the most places that may be held of a resource (the database refuses one below the
/// places held: [`NO_FREE_PLACE`]).
pub fn set_ceiling(
    conn: &mut AnyConnection,
    resource_id: Uuid,
    ceiling: u32,
) -> Result<(), StoreError> {
    diesel::update(resource_occupancy::table.find(DbUuid(resource_id)))
        .set(resource_occupancy::places_ceiling.eq(places(ceiling)))
        .execute(conn)?;
    Ok(())
}

const ALLOCATION_ORDER: (place_allocations::created_at, place_allocations::id) =
    (place_allocations::created_at, place_allocations::id);

/// The latest allocation of each of `application_ids`.
pub fn latest_allocations(
    conn: &mut AnyConnection,
    application_ids: &[Uuid],
) -> Result<HashMap<Uuid, Allocation>, StoreError> {
    let mut by = HashMap::new();
    if application_ids.is_empty() {
        return Ok(by);
    }
    let rows: Vec<AllocationRow> = place_allocations::table
        .filter(
            place_allocations::application_id.eq_any(application_ids.iter().copied().map(DbUuid)),
        )
        .order(ALLOCATION_ORDER)
        .select(AllocationRow::as_select())
        .load(conn)?;
    for row in rows {
        let a = row.into_allocation()?;
        // By creation: a later one replaces the earlier.
        by.insert(a.application_id, a);
    }
    Ok(by)
}

/// The latest allocation of an application.
pub fn latest_allocation(
    conn: &mut AnyConnection,
    application_id: Uuid,
) -> Result<Option<Allocation>, StoreError> {
    Ok(latest_allocations(conn, &[application_id])?.remove(&application_id))
}

/// A decision recorded on an allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionEvent {
    /// The allocation.
    pub allocation_id: Uuid,
    /// What was decided.
    pub decision: AllocationDecision,
    /// The day it happened.
    pub on: NaiveDate,
    /// Why.
    pub reason: Option<String>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it.
    pub recorded_by: Uuid,
}

/// Every decision on the allocations of an application, in order.
pub fn decisions_of(
    conn: &mut AnyConnection,
    application_id: Uuid,
) -> Result<Vec<DecisionEvent>, StoreError> {
    let rows: Vec<(DbUuid, String, NaiveDate, Option<String>, DbInstant, DbUuid)> =
        allocation_decisions::table
            .inner_join(place_allocations::table)
            .filter(place_allocations::application_id.eq(DbUuid(application_id)))
            .order((allocation_decisions::recorded_at, allocation_decisions::id))
            .select((
                allocation_decisions::allocation_id,
                allocation_decisions::decision,
                allocation_decisions::occurred_on,
                allocation_decisions::reason,
                allocation_decisions::recorded_at,
                allocation_decisions::recorded_by,
            ))
            .load(conn)?;
    rows.into_iter()
        .map(|(allocation, decision, on, reason, at, by)| {
            Ok(DecisionEvent {
                allocation_id: allocation.0,
                decision: decision
                    .parse()
                    .map_err(|e| corrupt("allocation decision", e))?,
                on,
                reason,
                recorded_at: at.0,
                recorded_by: by.0,
            })
        })
        .collect()
}

fn record_decision(
    conn: &mut AnyConnection,
    allocation_id: Uuid,
    decision: AllocationDecision,
    on: NaiveDate,
    reason: Option<&str>,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::insert_into(allocation_decisions::table)
        .values((
            allocation_decisions::id.eq(DbUuid(Uuid::now_v7())),
            allocation_decisions::allocation_id.eq(DbUuid(allocation_id)),
            allocation_decisions::decision.eq(decision.as_str()),
            allocation_decisions::occurred_on.eq(on),
            allocation_decisions::reason.eq(reason),
            allocation_decisions::recorded_at.eq(DbInstant::from(now)),
            allocation_decisions::recorded_by.eq(DbUuid(actor)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Moves an application still at `version` to `to` (false when stale: nothing written).
fn set_status(
    conn: &mut AnyConnection,
    application_id: Uuid,
    version: i64,
    to: ApplicationStatus,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        applications::table
            .find(DbUuid(application_id))
            .filter(applications::version.eq(version)),
    )
    .set((
        applications::status.eq(to.as_str()),
        applications::version.eq(version + 1),
        applications::updated_at.eq(DbInstant::from(now)),
        applications::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Lapses the offers of a resource whose answer day passed before `today`: each offer
/// `lapsed` (its place freed), its application back to `waiting`, a `lapse` decision recorded
/// by `actor` (whose request found it). Returns the applications concerned.
pub fn lapse_offers(
    conn: &mut AnyConnection,
    resource_id: Uuid,
    today: NaiveDate,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, StoreError> {
    let rows: Vec<AllocationRow> = place_allocations::table
        .filter(place_allocations::resource_id.eq(DbUuid(resource_id)))
        .filter(place_allocations::state.eq(AllocationState::Offered.as_str()))
        .filter(place_allocations::respond_by.lt(today))
        .order(ALLOCATION_ORDER)
        .select(AllocationRow::as_select())
        .load(conn)?;
    let mut lapsed = Vec::with_capacity(rows.len());
    for row in rows {
        let a = row.into_allocation()?;
        let Some(by) = a.respond_by else { continue };
        let on = lapse_day(by);
        end_allocation(conn, &a, AllocationState::Lapsed, on, None, actor, now)?;
        record_decision(
            conn,
            a.id,
            AllocationDecision::Lapse,
            on,
            Some(&format!("no answer by {by}")),
            actor,
            now,
        )?;
        diesel::update(applications::table.find(DbUuid(a.application_id)))
            .filter(applications::status.eq(ApplicationStatus::Offered.as_str()))
            .set((
                applications::status.eq(ApplicationStatus::Waiting.as_str()),
                applications::version.eq(applications::version + 1),
                applications::updated_at.eq(DbInstant::from(now)),
                applications::updated_by.eq(DbUuid(actor)),
            ))
            .execute(conn)?;
        lapsed.push(a.application_id);
    }
    Ok(lapsed)
}

fn end_allocation(
    conn: &mut AnyConnection,
    a: &Allocation,
    to: AllocationState,
    on: NaiveDate,
    exit: Option<Exit>,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::update(place_allocations::table.find(DbUuid(a.id)))
        .set((
            place_allocations::state.eq(to.as_str()),
            place_allocations::ended_on.eq(Some(on)),
            place_allocations::exit.eq(exit.map(Exit::as_str)),
            place_allocations::version.eq(a.version + 1),
            place_allocations::updated_at.eq(DbInstant::from(now)),
            place_allocations::updated_by.eq(DbUuid(actor)),
        ))
        .execute(conn)?;
    Ok(())
}

/// A new offer, or an admission without an offer.
#[derive(Debug, Clone)]
pub struct NewAllocation {
    /// `Offered` or `Admitted`.
    pub state: AllocationState,
    /// The day of the decision.
    pub on: NaiveDate,
    /// For an offer: the last day to answer.
    pub respond_by: Option<NaiveDate>,
    /// Why the place goes out of the ranking's order.
    pub reason: Option<String>,
}

/// Gives a place to an application still at its version: a new allocation (the trigger counts
/// the place held; the database refuses one over the ceiling, [`NO_FREE_PLACE`]), the
/// application `offered` or `admitted`, the decision recorded. False when the application is
/// stale (nothing written).
pub fn take(
    conn: &mut AnyConnection,
    application: &Application,
    new: &NewAllocation,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let (to, decision, admitted_on, offered_on) = match new.state {
        AllocationState::Offered => (
            ApplicationStatus::Offered,
            AllocationDecision::Offer,
            None,
            Some(new.on),
        ),
        _ => (
            ApplicationStatus::Admitted,
            AllocationDecision::Admit,
            Some(new.on),
            None,
        ),
    };
    if !set_status(conn, application.id, application.version, to, actor, now)? {
        return Ok(false);
    }
    let row = AllocationRow {
        id: DbUuid(Uuid::now_v7()),
        application_id: DbUuid(application.id),
        resource_id: DbUuid(application.resource_id),
        state: new.state.as_str().to_owned(),
        offered_on,
        respond_by: new.respond_by,
        admitted_on,
        ended_on: None,
        exit: None,
        out_of_order_reason: new.reason.clone(),
        version: 1,
        created_at: now.into(),
        created_by: DbUuid(actor),
        updated_at: now.into(),
        updated_by: DbUuid(actor),
    };
    diesel::insert_into(place_allocations::table)
        .values(&row)
        .execute(conn)?;
    record_decision(
        conn,
        row.id.0,
        decision,
        new.on,
        new.reason.as_deref(),
        actor,
        now,
    )?;
    Ok(true)
}

/// A decision on the allocation an application holds.
#[derive(Debug, Clone)]
pub struct HeldChange {
    /// `Admit` (accepting the offer), `Decline`, `Leave` or `Withdraw`.
    pub decision: AllocationDecision,
    /// The day it happened.
    pub on: NaiveDate,
    /// Why.
    pub reason: Option<String>,
    /// For leaving: why.
    pub exit: Option<Exit>,
}

/// Applies a decision to the allocation `held` of an application still at `version`; the
/// application moves to `to` when given (leaving keeps it `admitted`). False when stale.
pub fn change_held(
    conn: &mut AnyConnection,
    held: &Allocation,
    application_version: i64,
    to: Option<ApplicationStatus>,
    change: &HeldChange,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    match to {
        Some(to) => {
            if !set_status(
                conn,
                held.application_id,
                application_version,
                to,
                actor,
                now,
            )? {
                return Ok(false);
            }
        }
        None => {
            // The application's version still moves, so that its ETag says it changed.
            let n = diesel::update(
                applications::table
                    .find(DbUuid(held.application_id))
                    .filter(applications::version.eq(application_version)),
            )
            .set((
                applications::version.eq(application_version + 1),
                applications::updated_at.eq(DbInstant::from(now)),
                applications::updated_by.eq(DbUuid(actor)),
            ))
            .execute(conn)?;
            if n != 1 {
                return Ok(false);
            }
        }
    }
    match change.decision {
        AllocationDecision::Admit => {
            diesel::update(place_allocations::table.find(DbUuid(held.id)))
                .set((
                    place_allocations::state.eq(AllocationState::Admitted.as_str()),
                    place_allocations::admitted_on.eq(Some(change.on)),
                    place_allocations::version.eq(held.version + 1),
                    place_allocations::updated_at.eq(DbInstant::from(now)),
                    place_allocations::updated_by.eq(DbUuid(actor)),
                ))
                .execute(conn)?;
        }
        decision => {
            let state = match decision {
                AllocationDecision::Decline => AllocationState::Declined,
                AllocationDecision::Withdraw => AllocationState::Withdrawn,
                _ => AllocationState::Left,
            };
            end_allocation(conn, held, state, change.on, change.exit, actor, now)?;
        }
    }
    record_decision(
        conn,
        held.id,
        change.decision,
        change.on,
        change.reason.as_deref(),
        actor,
        now,
    )?;
    Ok(true)
}

/// Frees the place an offer holds when its application is withdrawn (in the transaction of
/// the withdrawal).
pub fn withdraw_offer(
    conn: &mut AnyConnection,
    application_id: Uuid,
    on: NaiveDate,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if let Some(held) = latest_allocation(conn, application_id)?
        && held.state == AllocationState::Offered
    {
        end_allocation(
            conn,
            &held,
            AllocationState::Withdrawn,
            on,
            None,
            actor,
            now,
        )?;
        record_decision(
            conn,
            held.id,
            AllocationDecision::Withdraw,
            on,
            None,
            actor,
            now,
        )?;
    }
    Ok(())
}

/// Whether the person is admitted to the resource now (an allocation `admitted`).
pub fn is_admitted(
    conn: &mut AnyConnection,
    resource_id: Uuid,
    person_id: Uuid,
) -> Result<bool, StoreError> {
    let n: i64 = place_allocations::table
        .inner_join(applications::table)
        .filter(place_allocations::resource_id.eq(DbUuid(resource_id)))
        .filter(place_allocations::state.eq(AllocationState::Admitted.as_str()))
        .filter(applications::person_id.eq(DbUuid(person_id)))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// One place held of a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The allocation.
    pub allocation: Allocation,
    /// Its application's protocol number.
    pub protocol: Protocol,
    /// The person.
    pub person_id: Uuid,
    /// The case file.
    pub case_file_id: Uuid,
}

/// The places held of a resource (offers and admissions), by the day they were given.
pub fn holders(conn: &mut AnyConnection, resource_id: Uuid) -> Result<Vec<Holder>, StoreError> {
    let rows: Vec<(AllocationRow, i32, i32, DbUuid, DbUuid)> = place_allocations::table
        .inner_join(applications::table)
        .filter(place_allocations::resource_id.eq(DbUuid(resource_id)))
        .filter(place_allocations::state.eq_any([
            AllocationState::Offered.as_str(),
            AllocationState::Admitted.as_str(),
        ]))
        .order(ALLOCATION_ORDER)
        .select((
            AllocationRow::as_select(),
            applications::protocol_year,
            applications::protocol_number,
            applications::person_id,
            applications::case_file_id,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(row, year, number, person, case_file)| {
            Ok(Holder {
                allocation: row.into_allocation()?,
                protocol: Protocol {
                    year,
                    number: u32::try_from(number).map_err(|e| corrupt("protocol number", e))?,
                },
                person_id: person.0,
                case_file_id: case_file.0,
            })
        })
        .collect()
}

/// The ranking version of a resource: moved by the database with any change of one of its
/// applications or their inputs (migration 000036). None when there is no such resource.
pub fn ranking_version(
    conn: &mut AnyConnection,
    resource_id: Uuid,
) -> Result<Option<i64>, StoreError> {
    Ok(resource_occupancy::table
        .find(DbUuid(resource_id))
        .select(resource_occupancy::ranking_version)
        .first(conn)
        .optional()?)
}
