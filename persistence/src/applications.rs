//! Applications for care resources, their protocol numbers and the inputs of their criteria.
//! The rules are `socialcare_domain::waiting_list`'s.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use socialcare_domain::waiting_list::{
    Application, ApplicationStatus, ApplicationTransition, CriterionKind, Input, InputSource,
    InputValue, Protocol,
};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{application_inputs, application_transitions, applications};
use crate::sql_types::{DbInstant, DbUuid};

/// The index that keeps one open application per person and resource.
pub const ONE_OPEN_APPLICATION: &str = "applications_one_open_idx";

/// An `applications` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = applications, treat_none_as_default_value = false)]
struct ApplicationRow {
    id: DbUuid,
    protocol_year: i32,
    protocol_number: i32,
    resource_id: DbUuid,
    case_file_id: DbUuid,
    person_id: DbUuid,
    submitted_at: DbInstant,
    submitted_on: NaiveDate,
    confirmed_on: NaiveDate,
    reconfirm_by: NaiveDate,
    status: String,
    version: i64,
    created_at: DbInstant,
    created_by: DbUuid,
    updated_at: DbInstant,
    updated_by: DbUuid,
}

/// An `application_inputs` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = application_inputs, treat_none_as_default_value = false)]
struct InputRow {
    id: DbUuid,
    application_id: DbUuid,
    kind: String,
    level: Option<i16>,
    isee_cents: Option<i64>,
    source: String,
    as_of: NaiveDate,
    reference: Option<String>,
    recorded_at: DbInstant,
    recorded_by: DbUuid,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("stored {what} is invalid: {e}"))
}

fn input_of(row: InputRow) -> Result<Input, StoreError> {
    let kind = row
        .kind
        .parse::<CriterionKind>()
        .map_err(|e| corrupt("input kind", e))?;
    let value = match (row.level, row.isee_cents) {
        (Some(level), None) => {
            InputValue::Level(u8::try_from(level).map_err(|e| corrupt("input level", e))?)
        }
        (None, cents) => InputValue::Isee(
            cents
                .map(u64::try_from)
                .transpose()
                .map_err(|e| corrupt("ISEE", e))?,
        ),
        _ => return Err(corrupt("input", "a level and an ISEE")),
    };
    Ok(Input {
        kind,
        value,
        source: row
            .source
            .parse::<InputSource>()
            .map_err(|e| corrupt("input source", e))?,
        as_of: row.as_of,
        reference: row.reference,
        recorded_at: row.recorded_at.0,
        recorded_by: row.recorded_by.0,
    })
}

/// The current inputs (the latest of each criterion) of `ids`, by application.
fn current_inputs(
    conn: &mut AnyConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Input>>, StoreError> {
    let mut by: HashMap<Uuid, Vec<Input>> = HashMap::new();
    if ids.is_empty() {
        return Ok(by);
    }
    let rows: Vec<InputRow> = application_inputs::table
        .filter(application_inputs::application_id.eq_any(ids.iter().copied().map(DbUuid)))
        .order((
            application_inputs::application_id,
            application_inputs::kind,
            application_inputs::recorded_at,
            application_inputs::id,
        ))
        .select(InputRow::as_select())
        .load(conn)?;
    for row in rows {
        let id = row.application_id.0;
        let input = input_of(row)?;
        let list = by.entry(id).or_default();
        // Rows come by kind then recording: a later one of the same kind replaces the earlier.
        match list.last_mut() {
            Some(last) if last.kind == input.kind => *last = input,
            _ => list.push(input),
        }
    }
    Ok(by)
}

impl ApplicationRow {
    fn into_application(self, inputs: Vec<Input>) -> Result<Application, StoreError> {
        Ok(Application {
            id: self.id.0,
            protocol: Protocol {
                year: self.protocol_year,
                number: u32::try_from(self.protocol_number)
                    .map_err(|e| corrupt("protocol number", e))?,
            },
            resource_id: self.resource_id.0,
            case_file_id: self.case_file_id.0,
            person_id: self.person_id.0,
            submitted_at: self.submitted_at.0,
            submitted_on: self.submitted_on,
            confirmed_on: self.confirmed_on,
            reconfirm_by: self.reconfirm_by,
            status: self
                .status
                .parse::<ApplicationStatus>()
                .map_err(|e| corrupt("application status", e))?,
            inputs,
            version: self.version,
            created_at: self.created_at.0,
            created_by: self.created_by.0,
            updated_at: self.updated_at.0,
        })
    }
}

fn with_inputs(
    conn: &mut AnyConnection,
    rows: Vec<ApplicationRow>,
) -> Result<Vec<Application>, StoreError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id.0).collect();
    let mut inputs = current_inputs(conn, &ids)?;
    rows.into_iter()
        .map(|r| {
            let i = inputs.remove(&r.id.0).unwrap_or_default();
            r.into_application(i)
        })
        .collect()
}

/// An application being made.
#[derive(Debug, Clone)]
pub struct NewApplication {
    /// The resource.
    pub resource_id: Uuid,
    /// The case file.
    pub case_file_id: Uuid,
    /// Its person.
    pub person_id: Uuid,
    /// The submission instant.
    pub submitted_at: DateTime<Utc>,
    /// The submission day (Europe/Rome).
    pub submitted_on: NaiveDate,
    /// The day by which it must be reconfirmed.
    pub reconfirm_by: NaiveDate,
}

/// Records an application, `waiting`, with the next protocol number of its submission year.
/// A second open application of the person for the resource fails with
/// [`StoreError::Conflict`] naming [`ONE_OPEN_APPLICATION`].
pub fn insert_application(
    conn: &mut AnyConnection,
    new: &NewApplication,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Application, StoreError> {
    use chrono::Datelike;
    let year = new.submitted_on.year();
    let number = crate::db::next_in_year(conn, "application_protocol_counters", year)?;
    let row = ApplicationRow {
        id: DbUuid(Uuid::now_v7()),
        protocol_year: year,
        protocol_number: number,
        resource_id: DbUuid(new.resource_id),
        case_file_id: DbUuid(new.case_file_id),
        person_id: DbUuid(new.person_id),
        submitted_at: new.submitted_at.into(),
        submitted_on: new.submitted_on,
        confirmed_on: new.submitted_on,
        reconfirm_by: new.reconfirm_by,
        status: ApplicationStatus::Waiting.as_str().to_owned(),
        version: 1,
        created_at: now.into(),
        created_by: DbUuid(actor),
        updated_at: now.into(),
        updated_by: DbUuid(actor),
    };
    diesel::insert_into(applications::table)
        .values(&row)
        .execute(conn)?;
    row.into_application(Vec::new())
}

/// An application with its current inputs.
pub fn find_application(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<Application>, StoreError> {
    let row = applications::table
        .find(DbUuid(id))
        .select(ApplicationRow::as_select())
        .first(conn)
        .optional()?;
    Ok(with_inputs(conn, row.into_iter().collect())?.pop())
}

/// The case file of an application.
pub fn application_case_file_of(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<Uuid>, StoreError> {
    Ok(applications::table
        .find(DbUuid(id))
        .select(applications::case_file_id)
        .first::<DbUuid>(conn)
        .optional()?
        .map(|id| id.0))
}

/// The applications of a case file, by submission.
pub fn applications_of(
    conn: &mut AnyConnection,
    case_file_id: Uuid,
) -> Result<Vec<Application>, StoreError> {
    let rows = applications::table
        .filter(applications::case_file_id.eq(DbUuid(case_file_id)))
        .order((applications::submitted_at.asc(), applications::id.asc()))
        .select(ApplicationRow::as_select())
        .load(conn)?;
    with_inputs(conn, rows)
}

/// The applications of a resource in `status`, with their current inputs.
pub fn applications_for(
    conn: &mut AnyConnection,
    resource_id: Uuid,
    status: ApplicationStatus,
) -> Result<Vec<Application>, StoreError> {
    let rows = applications::table
        .filter(applications::resource_id.eq(DbUuid(resource_id)))
        .filter(applications::status.eq(status.as_str()))
        .select(ApplicationRow::as_select())
        .load(conn)?;
    with_inputs(conn, rows)
}

/// Records an input of an application still at `application.version` (the earlier input of
/// the criterion stays, as history) and moves its version on; false when stale.
pub fn record_input(
    conn: &mut AnyConnection,
    application: &Application,
    input: &Input,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    // The resource's occupancy row first, as offers and admissions take it: every write of
    // an application locks that row then the application (the triggers of migrations 000033
    // and 000036 move the row), never the other way round, so two writes never deadlock.
    crate::admissions::lock_occupancy(conn, application.resource_id)?;
    let n = diesel::update(
        applications::table
            .find(DbUuid(application.id))
            .filter(applications::version.eq(application.version)),
    )
    .set((
        applications::version.eq(application.version + 1),
        applications::updated_at.eq(DbInstant::from(now)),
        applications::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    if n != 1 {
        return Ok(false);
    }
    let (level, isee_cents) = match input.value {
        InputValue::Level(l) => (Some(i16::from(l)), None),
        InputValue::Isee(cents) => (None, cents.map(|c| i64::try_from(c).unwrap_or(i64::MAX))),
    };
    diesel::insert_into(application_inputs::table)
        .values(&InputRow {
            id: DbUuid(Uuid::now_v7()),
            application_id: DbUuid(application.id),
            kind: input.kind.as_str().to_owned(),
            level,
            isee_cents,
            source: input.source.as_str().to_owned(),
            as_of: input.as_of,
            reference: input.reference.clone(),
            recorded_at: now.into(),
            recorded_by: DbUuid(actor),
        })
        .execute(conn)?;
    Ok(true)
}

/// Every input ever recorded for an application, by criterion then recording (corrections
/// after what they correct).
pub fn input_history(
    conn: &mut AnyConnection,
    application_id: Uuid,
) -> Result<Vec<Input>, StoreError> {
    application_inputs::table
        .filter(application_inputs::application_id.eq(DbUuid(application_id)))
        .order((
            application_inputs::kind,
            application_inputs::recorded_at,
            application_inputs::id,
        ))
        .select(InputRow::as_select())
        .load(conn)?
        .into_iter()
        .map(input_of)
        .collect()
}

/// The person's L. 104/1992 recognition, as the disability severity level of a criterion:
/// 0 none (or no health data), 1 recognised, 2 severe (art. 3 c. 3).
pub fn disability_level(conn: &mut AnyConnection, person_id: Uuid) -> Result<u8, StoreError> {
    use crate::schema::person_health_disability as h;
    let found: Option<(bool, bool)> = h::table
        .find(DbUuid(person_id))
        .select((h::law_104_recognised, h::law_104_severe))
        .first(conn)
        .optional()?;
    Ok(match found {
        Some((_, true)) => 2,
        Some((true, false)) => 1,
        _ => 0,
    })
}

/// A change of an application's status, as recorded.
#[derive(Debug, Clone)]
pub struct ApplicationChange {
    /// The transition.
    pub transition: ApplicationTransition,
    /// The status it leads to.
    pub to: ApplicationStatus,
    /// The day it happened.
    pub on: NaiveDate,
    /// Why (required to suspend).
    pub reason: Option<String>,
    /// For a reconfirmation: the next day by which it must be reconfirmed.
    pub reconfirm_by: Option<NaiveDate>,
}

/// Applies a change to an application still at `application.version` and records it in the
/// history (false when stale: nothing written).
pub fn change_application(
    conn: &mut AnyConnection,
    application: &Application,
    change: &ApplicationChange,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    // The resource's occupancy row first, as offers and admissions take it: every write of
    // an application locks that row then the application (the triggers of migrations 000033
    // and 000036 move the row), never the other way round, so two writes never deadlock.
    crate::admissions::lock_occupancy(conn, application.resource_id)?;
    let (confirmed_on, reconfirm_by) = match change.reconfirm_by {
        Some(by) => (change.on, by),
        None => (application.confirmed_on, application.reconfirm_by),
    };
    let n = diesel::update(
        applications::table
            .find(DbUuid(application.id))
            .filter(applications::version.eq(application.version)),
    )
    .set((
        applications::status.eq(change.to.as_str()),
        applications::confirmed_on.eq(confirmed_on),
        applications::reconfirm_by.eq(reconfirm_by),
        applications::version.eq(application.version + 1),
        applications::updated_at.eq(DbInstant::from(now)),
        applications::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    if n != 1 {
        return Ok(false);
    }
    if application.status == ApplicationStatus::Offered
        && change.transition == ApplicationTransition::Withdraw
    {
        // The offer's place is free again.
        crate::admissions::withdraw_offer(conn, application.id, change.on, actor, now)?;
    }
    diesel::insert_into(application_transitions::table)
        .values((
            application_transitions::id.eq(DbUuid(Uuid::now_v7())),
            application_transitions::application_id.eq(DbUuid(application.id)),
            application_transitions::transition.eq(change.transition.as_str()),
            application_transitions::from_status.eq(application.status.as_str()),
            application_transitions::to_status.eq(change.to.as_str()),
            application_transitions::occurred_on.eq(change.on),
            application_transitions::reason.eq(change.reason.clone()),
            application_transitions::recorded_at.eq(DbInstant::from(now)),
            application_transitions::recorded_by.eq(DbUuid(actor)),
        ))
        .execute(conn)?;
    Ok(true)
}

/// A recorded change of an application's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationEvent {
    /// The transition.
    pub transition: ApplicationTransition,
    /// The status before.
    pub from: ApplicationStatus,
    /// The status after.
    pub to: ApplicationStatus,
    /// The day it happened.
    pub on: NaiveDate,
    /// Why.
    pub reason: Option<String>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it.
    pub recorded_by: Uuid,
}

type EventRow = (
    String,
    String,
    String,
    NaiveDate,
    Option<String>,
    DbInstant,
    DbUuid,
);

/// The history of an application's status, as recorded.
pub fn history_of(
    conn: &mut AnyConnection,
    application_id: Uuid,
) -> Result<Vec<ApplicationEvent>, StoreError> {
    let rows: Vec<EventRow> = application_transitions::table
        .filter(application_transitions::application_id.eq(DbUuid(application_id)))
        .order((
            application_transitions::recorded_at,
            application_transitions::id,
        ))
        .select((
            application_transitions::transition,
            application_transitions::from_status,
            application_transitions::to_status,
            application_transitions::occurred_on,
            application_transitions::reason,
            application_transitions::recorded_at,
            application_transitions::recorded_by,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(transition, from, to, on, reason, at, by)| {
            let status = |s: &str| {
                s.parse::<ApplicationStatus>()
                    .map_err(|e| corrupt("application status", e))
            };
            Ok(ApplicationEvent {
                transition: transition
                    .parse()
                    .map_err(|e| corrupt("application transition", e))?,
                from: status(&from)?,
                to: status(&to)?,
                on,
                reason,
                recorded_at: at.0,
                recorded_by: by.0,
            })
        })
        .collect()
}
