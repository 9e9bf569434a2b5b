//! Inclusion pacts of case files: rows, reads and writes of the pact, its steps, lifecycle
//! history, commitments, periodic checks and non-compliance events, and the facts its clock is
//! computed from. Every rule is decided in `socialcare_domain::pact`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use socialcare_domain::agenda::ItemKind;
use socialcare_domain::pact::{
    AnalysisOutcome, CheckOutcome, ClockFacts, Commitment, CommitmentContent, CommitmentStatus,
    Deadline, DueKind, Measure, NonCompliance, Pact, PactCheck, PactStatus, PactStep,
    PactTransition, PactTransitionRecord, StepKind, clock_deadlines, rules_version, suspensions_of,
};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{
    pact_check_attendees, pact_check_outcomes, pact_checks, pact_commitments, pact_deadlines,
    pact_non_compliance, pact_steps, pact_transitions, pacts,
};
use crate::sql_types::{DbInstant, DbUuid};

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("stored {what} is invalid: {e}"))
}

fn parse_opt<T: std::str::FromStr<Err = String>>(
    what: &str,
    raw: Option<String>,
) -> Result<Option<T>, StoreError> {
    raw.map(|r| r.parse::<T>())
        .transpose()
        .map_err(|e| corrupt(what, e))
}

/// A `pacts` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = pacts)]
#[diesel(treat_none_as_default_value = false)]
pub struct PactRow {
    /// Primary key.
    pub id: DbUuid,
    /// Case file.
    pub case_file_id: DbUuid,
    /// Household.
    pub household_id: Option<DbUuid>,
    /// Measure code.
    pub measure: String,
    /// Application reference.
    pub application_reference: String,
    /// Status code.
    pub status: String,
    /// Day drawn up.
    pub drafted_on: NaiveDate,
    /// Activation day of the benefit.
    pub activation_on: Option<NaiveDate>,
    /// Convocation day.
    pub convocation_on: Option<NaiveDate>,
    /// Outcome of the preliminary analysis.
    pub analysis_outcome: Option<String>,
    /// Signature day.
    pub signed_on: Option<NaiveDate>,
    /// First active day.
    pub active_since: Option<NaiveDate>,
    /// Last check day.
    pub last_check_on: Option<NaiveDate>,
    /// Closing day.
    pub closed_on: Option<NaiveDate>,
    /// Closure outcome code.
    pub closure_outcome: Option<String>,
    /// Clock rule version.
    pub rules_version: String,
    /// Version.
    pub version: i64,
    /// Creation instant.
    pub created_at: DbInstant,
    /// Creator.
    pub created_by: DbUuid,
    /// Last change.
    pub updated_at: DbInstant,
    /// Last author.
    pub updated_by: DbUuid,
}

impl TryFrom<PactRow> for Pact {
    type Error = StoreError;

    fn try_from(row: PactRow) -> Result<Self, StoreError> {
        Ok(Pact {
            id: row.id.0,
            case_file_id: row.case_file_id.0,
            household_id: row.household_id.map(|h| h.0),
            measure: row
                .measure
                .parse::<Measure>()
                .map_err(|e| corrupt("measure", e))?,
            application_reference: row.application_reference,
            status: row
                .status
                .parse::<PactStatus>()
                .map_err(|e| corrupt("pact status", e))?,
            drafted_on: row.drafted_on,
            activation_on: row.activation_on,
            convocation_on: row.convocation_on,
            analysis_outcome: parse_opt("analysis outcome", row.analysis_outcome)?,
            signed_on: row.signed_on,
            active_since: row.active_since,
            last_check_on: row.last_check_on,
            closed_on: row.closed_on,
            closure_outcome: parse_opt("closure outcome", row.closure_outcome)?,
            rules_version: row.rules_version,
            version: row.version,
            created_at: row.created_at.0,
            created_by: row.created_by.0,
            updated_at: row.updated_at.0,
            updated_by: row.updated_by.0,
        })
    }
}

/// What is needed to draw up a pact.
#[derive(Debug, Clone)]
pub struct NewPact {
    /// The case file.
    pub case_file_id: Uuid,
    /// The household covered.
    pub household_id: Option<Uuid>,
    /// The measure.
    pub measure: Measure,
    /// Application reference (checked).
    pub application_reference: String,
    /// Day drawn up.
    pub drafted_on: NaiveDate,
    /// Activation day of the benefit.
    pub activation_on: Option<NaiveDate>,
    /// The clock rule version.
    pub rules_version: String,
}

/// Inserts a pact in `draft`.
pub fn insert(
    conn: &mut AnyConnection,
    new: &NewPact,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Pact, StoreError> {
    let row = PactRow {
        id: DbUuid(Uuid::now_v7()),
        case_file_id: DbUuid(new.case_file_id),
        household_id: new.household_id.map(DbUuid),
        measure: new.measure.as_str().to_owned(),
        application_reference: new.application_reference.clone(),
        status: PactStatus::Draft.as_str().to_owned(),
        drafted_on: new.drafted_on,
        activation_on: new.activation_on,
        convocation_on: None,
        analysis_outcome: None,
        signed_on: None,
        active_since: None,
        last_check_on: None,
        closed_on: None,
        closure_outcome: None,
        rules_version: new.rules_version.clone(),
        version: 1,
        created_at: now.into(),
        created_by: DbUuid(actor),
        updated_at: now.into(),
        updated_by: DbUuid(actor),
    };
    diesel::insert_into(pacts::table)
        .values(&row)
        .execute(conn)?;
    let pact: Pact = row.try_into()?;
    store_deadlines(conn, pact.id)?;
    Ok(pact)
}

/// Finds a pact.
pub fn find(conn: &mut AnyConnection, id: Uuid) -> Result<Option<Pact>, StoreError> {
    pacts::table
        .find(DbUuid(id))
        .select(PactRow::as_select())
        .first(conn)
        .optional()?
        .map(Pact::try_from)
        .transpose()
}

/// The case file a pact belongs to.
pub fn case_file_of(conn: &mut AnyConnection, id: Uuid) -> Result<Option<Uuid>, StoreError> {
    Ok(pacts::table
        .find(DbUuid(id))
        .select(pacts::case_file_id)
        .first::<DbUuid>(conn)
        .optional()?
        .map(|id| id.0))
}

/// The pacts of some case files, oldest first, optionally only of a status and a measure.
pub fn list(
    conn: &mut AnyConnection,
    case_file_ids: &[Uuid],
    status: Option<PactStatus>,
    measure: Option<Measure>,
) -> Result<Vec<Pact>, StoreError> {
    let ids: Vec<DbUuid> = case_file_ids.iter().copied().map(DbUuid).collect();
    let mut query = pacts::table
        .filter(pacts::case_file_id.eq_any(ids))
        .select(PactRow::as_select())
        .order(pacts::id.asc())
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(pacts::status.eq(status.as_str()));
    }
    if let Some(measure) = measure {
        query = query.filter(pacts::measure.eq(measure.as_str()));
    }
    query.load(conn)?.into_iter().map(Pact::try_from).collect()
}

/// Bumps the version of a pact if it is still `expected_version`; false when stale.
pub fn bump_version(
    conn: &mut AnyConnection,
    id: Uuid,
    expected_version: i64,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        pacts::table
            .find(DbUuid(id))
            .filter(pacts::version.eq(expected_version)),
    )
    .set((
        pacts::version.eq(expected_version + 1),
        pacts::updated_at.eq(DbInstant::from(now)),
        pacts::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

// ---------------------------------------------------------------------------------------------
// Steps and transitions
// ---------------------------------------------------------------------------------------------

/// Records a step and its effect on the pact: the convocation day, the analysis outcome (call
/// after [`bump_version`]).
#[allow(clippy::too_many_arguments)]
pub fn insert_step(
    conn: &mut AnyConnection,
    pact_id: Uuid,
    kind: StepKind,
    occurred_on: NaiveDate,
    outcome: Option<AnalysisOutcome>,
    notes: Option<String>,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<PactStep, StoreError> {
    let id = Uuid::now_v7();
    diesel::insert_into(pact_steps::table)
        .values((
            pact_steps::id.eq(DbUuid(id)),
            pact_steps::pact_id.eq(DbUuid(pact_id)),
            pact_steps::kind.eq(kind.as_str()),
            pact_steps::occurred_on.eq(occurred_on),
            pact_steps::outcome.eq(outcome.map(|o| o.as_str().to_owned())),
            pact_steps::notes.eq(notes.clone()),
            pact_steps::author_id.eq(DbUuid(actor)),
            pact_steps::recorded_at.eq(DbInstant::from(now)),
        ))
        .execute(conn)?;
    match kind {
        StepKind::Convocation => {
            diesel::update(pacts::table.find(DbUuid(pact_id)))
                .set(pacts::convocation_on.eq(Some(occurred_on)))
                .execute(conn)?;
        }
        StepKind::PreliminaryAnalysis => {
            diesel::update(pacts::table.find(DbUuid(pact_id)))
                .set(pacts::analysis_outcome.eq(outcome.map(|o| o.as_str().to_owned())))
                .execute(conn)?;
        }
        StepKind::InDepthAssessment | StepKind::Signature => {}
    }
    if kind == StepKind::Convocation {
        store_deadlines(conn, pact_id)?;
    }
    Ok(PactStep {
        id,
        pact_id,
        kind,
        occurred_on,
        outcome,
        notes,
        author_id: actor,
        recorded_at: DbInstant::from(now).0,
    })
}

/// The steps of a pact, in the order they happened.
pub fn steps(conn: &mut AnyConnection, pact_id: Uuid) -> Result<Vec<PactStep>, StoreError> {
    type Row = (
        DbUuid,
        String,
        NaiveDate,
        Option<String>,
        Option<String>,
        DbUuid,
        DbInstant,
    );
    let rows: Vec<Row> = pact_steps::table
        .filter(pact_steps::pact_id.eq(DbUuid(pact_id)))
        .order((pact_steps::occurred_on.asc(), pact_steps::id.asc()))
        .select((
            pact_steps::id,
            pact_steps::kind,
            pact_steps::occurred_on,
            pact_steps::outcome,
            pact_steps::notes,
            pact_steps::author_id,
            pact_steps::recorded_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, kind, on, outcome, notes, author, at)| {
            Ok(PactStep {
                id: id.0,
                pact_id,
                kind: kind.parse().map_err(|e| corrupt("step", e))?,
                occurred_on: on,
                outcome: parse_opt("analysis outcome", outcome)?,
                notes,
                author_id: author.0,
                recorded_at: at.0,
            })
        })
        .collect()
}

/// Applies a transition to the pact and records it (call after [`bump_version`]): signing
/// sets the signature day (and records the signature step), the first activation the start,
/// closing the day and the outcome.
pub fn record_transition(
    conn: &mut AnyConnection,
    pact: &Pact,
    record: &PactTransitionRecord,
) -> Result<(), StoreError> {
    let on = record.occurred_on;
    // One statement, so that the row's checks (a signed pact has its day, a closed one its
    // outcome) hold after it.
    let signed_on = if record.transition == PactTransition::Sign {
        Some(on)
    } else {
        pact.signed_on
    };
    let active_since = match (record.transition, pact.active_since) {
        (PactTransition::Activate, None) => Some(on),
        (_, since) => since,
    };
    let (closed_on, closure_outcome) = if record.transition == PactTransition::Close {
        (
            Some(on),
            record.closure_outcome.map(|c| c.as_str().to_owned()),
        )
    } else {
        (
            pact.closed_on,
            pact.closure_outcome.map(|c| c.as_str().to_owned()),
        )
    };
    diesel::update(pacts::table.find(DbUuid(pact.id)))
        .set((
            pacts::status.eq(record.to.as_str()),
            pacts::signed_on.eq(signed_on),
            pacts::active_since.eq(active_since),
            pacts::closed_on.eq(closed_on),
            pacts::closure_outcome.eq(closure_outcome),
        ))
        .execute(conn)?;
    if record.transition == PactTransition::Sign {
        insert_step(
            conn,
            pact.id,
            StepKind::Signature,
            on,
            None,
            record.reason.clone(),
            record.author_id,
            record.recorded_at,
        )?;
    }
    diesel::insert_into(pact_transitions::table)
        .values((
            pact_transitions::id.eq(DbUuid(record.id)),
            pact_transitions::pact_id.eq(DbUuid(pact.id)),
            pact_transitions::transition.eq(record.transition.as_str()),
            pact_transitions::from_status.eq(record.from.as_str()),
            pact_transitions::to_status.eq(record.to.as_str()),
            pact_transitions::occurred_on.eq(on),
            pact_transitions::reason.eq(record.reason.clone()),
            pact_transitions::closure_outcome
                .eq(record.closure_outcome.map(|c| c.as_str().to_owned())),
            pact_transitions::author_id.eq(DbUuid(record.author_id)),
            pact_transitions::recorded_at.eq(DbInstant::from(record.recorded_at)),
        ))
        .execute(conn)?;
    store_deadlines(conn, pact.id)
}

/// The lifecycle history of a pact, oldest first.
pub fn transitions(
    conn: &mut AnyConnection,
    pact_id: Uuid,
) -> Result<Vec<PactTransitionRecord>, StoreError> {
    type Row = (
        DbUuid,
        String,
        String,
        String,
        NaiveDate,
        Option<String>,
        Option<String>,
        DbUuid,
        DbInstant,
    );
    let rows: Vec<Row> = pact_transitions::table
        .filter(pact_transitions::pact_id.eq(DbUuid(pact_id)))
        .order((
            pact_transitions::recorded_at.asc(),
            pact_transitions::id.asc(),
        ))
        .select((
            pact_transitions::id,
            pact_transitions::transition,
            pact_transitions::from_status,
            pact_transitions::to_status,
            pact_transitions::occurred_on,
            pact_transitions::reason,
            pact_transitions::closure_outcome,
            pact_transitions::author_id,
            pact_transitions::recorded_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, t, from, to, on, reason, closure, author, at)| {
            Ok(PactTransitionRecord {
                id: id.0,
                transition: t.parse().map_err(|e| corrupt("transition", e))?,
                from: from.parse().map_err(|e| corrupt("status", e))?,
                to: to.parse().map_err(|e| corrupt("status", e))?,
                occurred_on: on,
                reason,
                closure_outcome: parse_opt("closure outcome", closure)?,
                author_id: author.0,
                recorded_at: at.0,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Commitments
// ---------------------------------------------------------------------------------------------

/// A `pact_commitments` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = pact_commitments)]
#[diesel(treat_none_as_default_value = false)]
pub struct CommitmentRow {
    /// Primary key.
    pub id: DbUuid,
    /// Pact.
    pub pact_id: DbUuid,
    /// Household member.
    pub person_id: DbUuid,
    /// Kind code.
    pub kind: String,
    /// Who follows it.
    pub owner: String,
    /// Frequency code.
    pub frequency: String,
    /// Due day.
    pub due_on: NaiveDate,
    /// How it is verified.
    pub verification: String,
    /// Status code.
    pub status: String,
    /// Justification.
    pub justification: Option<String>,
    /// Version.
    pub version: i64,
    /// Creation instant.
    pub created_at: DbInstant,
    /// Creator.
    pub created_by: DbUuid,
    /// Last change.
    pub updated_at: DbInstant,
    /// Last author.
    pub updated_by: DbUuid,
}

impl TryFrom<CommitmentRow> for Commitment {
    type Error = StoreError;

    fn try_from(row: CommitmentRow) -> Result<Self, StoreError> {
        Ok(Commitment {
            id: row.id.0,
            pact_id: row.pact_id.0,
            content: CommitmentContent {
                person_id: row.person_id.0,
                kind: row
                    .kind
                    .parse()
                    .map_err(|e| corrupt("commitment kind", e))?,
                owner: row.owner,
                frequency: row.frequency.parse().map_err(|e| corrupt("frequency", e))?,
                due_on: row.due_on,
                verification: row.verification,
                status: row
                    .status
                    .parse()
                    .map_err(|e| corrupt("commitment status", e))?,
                justification: row.justification,
            },
            version: row.version,
            created_at: row.created_at.0,
            created_by: row.created_by.0,
            updated_at: row.updated_at.0,
            updated_by: row.updated_by.0,
        })
    }
}

/// Adds a commitment.
pub fn insert_commitment(
    conn: &mut AnyConnection,
    pact_id: Uuid,
    content: &CommitmentContent,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Commitment, StoreError> {
    let row = CommitmentRow {
        id: DbUuid(Uuid::now_v7()),
        pact_id: DbUuid(pact_id),
        person_id: DbUuid(content.person_id),
        kind: content.kind.as_str().to_owned(),
        owner: content.owner.clone(),
        frequency: content.frequency.as_str().to_owned(),
        due_on: content.due_on,
        verification: content.verification.clone(),
        status: content.status.as_str().to_owned(),
        justification: content.justification.clone(),
        version: 1,
        created_at: now.into(),
        created_by: DbUuid(actor),
        updated_at: now.into(),
        updated_by: DbUuid(actor),
    };
    diesel::insert_into(pact_commitments::table)
        .values(&row)
        .execute(conn)?;
    store_deadlines(conn, pact_id)?;
    row.try_into()
}

/// The commitments of a pact, by due day.
pub fn commitments(conn: &mut AnyConnection, pact_id: Uuid) -> Result<Vec<Commitment>, StoreError> {
    pact_commitments::table
        .filter(pact_commitments::pact_id.eq(DbUuid(pact_id)))
        .order((pact_commitments::due_on.asc(), pact_commitments::id.asc()))
        .select(CommitmentRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Commitment::try_from)
        .collect()
}

/// A commitment of the pact (none for a commitment of another pact).
pub fn find_commitment(
    conn: &mut AnyConnection,
    pact_id: Uuid,
    id: Uuid,
) -> Result<Option<Commitment>, StoreError> {
    pact_commitments::table
        .find(DbUuid(id))
        .filter(pact_commitments::pact_id.eq(DbUuid(pact_id)))
        .select(CommitmentRow::as_select())
        .first(conn)
        .optional()?
        .map(Commitment::try_from)
        .transpose()
}

/// Replaces a commitment if it is still `expected_version`; false when stale.
pub fn update_commitment(
    conn: &mut AnyConnection,
    id: Uuid,
    expected_version: i64,
    content: &CommitmentContent,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        pact_commitments::table
            .find(DbUuid(id))
            .filter(pact_commitments::version.eq(expected_version)),
    )
    .set((
        pact_commitments::person_id.eq(DbUuid(content.person_id)),
        pact_commitments::kind.eq(content.kind.as_str()),
        pact_commitments::owner.eq(&content.owner),
        pact_commitments::frequency.eq(content.frequency.as_str()),
        pact_commitments::due_on.eq(content.due_on),
        pact_commitments::verification.eq(&content.verification),
        pact_commitments::status.eq(content.status.as_str()),
        pact_commitments::justification.eq(content.justification.clone()),
        pact_commitments::version.eq(expected_version + 1),
        pact_commitments::updated_at.eq(DbInstant::from(now)),
        pact_commitments::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    if n != 1 {
        return Ok(false);
    }
    let pact_id: DbUuid = pact_commitments::table
        .find(DbUuid(id))
        .select(pact_commitments::pact_id)
        .first(conn)?;
    store_deadlines(conn, pact_id.0)?;
    Ok(true)
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/// Records a periodic check with its attendees and outcomes: the outcomes set the commitments'
/// statuses (a justified one keeps the note as justification), and the check becomes the
/// pact's last (call after [`bump_version`]).
#[allow(clippy::too_many_arguments)]
pub fn insert_check(
    conn: &mut AnyConnection,
    pact_id: Uuid,
    checked_on: NaiveDate,
    attendees: &[Uuid],
    outcomes: &[CheckOutcome],
    notes: Option<String>,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<PactCheck, StoreError> {
    let id = Uuid::now_v7();
    diesel::insert_into(pact_checks::table)
        .values((
            pact_checks::id.eq(DbUuid(id)),
            pact_checks::pact_id.eq(DbUuid(pact_id)),
            pact_checks::checked_on.eq(checked_on),
            pact_checks::notes.eq(notes.clone()),
            pact_checks::author_id.eq(DbUuid(actor)),
            pact_checks::recorded_at.eq(DbInstant::from(now)),
        ))
        .execute(conn)?;
    let mut people = attendees.to_vec();
    people.sort();
    people.dedup();
    for person in &people {
        diesel::insert_into(pact_check_attendees::table)
            .values((
                pact_check_attendees::check_id.eq(DbUuid(id)),
                pact_check_attendees::person_id.eq(DbUuid(*person)),
            ))
            .execute(conn)?;
    }
    for outcome in outcomes {
        diesel::insert_into(pact_check_outcomes::table)
            .values((
                pact_check_outcomes::check_id.eq(DbUuid(id)),
                pact_check_outcomes::commitment_id.eq(DbUuid(outcome.commitment_id)),
                pact_check_outcomes::status.eq(outcome.status.as_str()),
                pact_check_outcomes::note.eq(outcome.note.clone()),
            ))
            .execute(conn)?;
        let justification = (outcome.status == CommitmentStatus::Justified)
            .then(|| outcome.note.clone())
            .flatten();
        diesel::update(pact_commitments::table.find(DbUuid(outcome.commitment_id)))
            .set((
                pact_commitments::status.eq(outcome.status.as_str()),
                pact_commitments::justification.eq(justification),
                pact_commitments::version.eq(pact_commitments::version + 1),
                pact_commitments::updated_at.eq(DbInstant::from(now)),
                pact_commitments::updated_by.eq(DbUuid(actor)),
            ))
            .execute(conn)?;
    }
    diesel::update(pacts::table.find(DbUuid(pact_id)))
        .set(pacts::last_check_on.eq(Some(checked_on)))
        .execute(conn)?;
    store_deadlines(conn, pact_id)?;
    Ok(PactCheck {
        id,
        pact_id,
        checked_on,
        attendees: people,
        outcomes: outcomes.to_vec(),
        notes,
        author_id: actor,
        recorded_at: DbInstant::from(now).0,
    })
}

/// The checks of a pact, newest first; or one check when `only` is given.
pub fn checks(
    conn: &mut AnyConnection,
    pact_id: Uuid,
    only: Option<Uuid>,
) -> Result<Vec<PactCheck>, StoreError> {
    type Row = (DbUuid, NaiveDate, Option<String>, DbUuid, DbInstant);
    let mut query = pact_checks::table
        .filter(pact_checks::pact_id.eq(DbUuid(pact_id)))
        .order((pact_checks::checked_on.desc(), pact_checks::id.desc()))
        .select((
            pact_checks::id,
            pact_checks::checked_on,
            pact_checks::notes,
            pact_checks::author_id,
            pact_checks::recorded_at,
        ))
        .into_boxed();
    if let Some(id) = only {
        query = query.filter(pact_checks::id.eq(DbUuid(id)));
    }
    let rows: Vec<Row> = query.load(conn)?;
    let ids: Vec<DbUuid> = rows.iter().map(|r| r.0).collect();
    let mut attendees: HashMap<DbUuid, Vec<Uuid>> = HashMap::new();
    for (check, person) in pact_check_attendees::table
        .filter(pact_check_attendees::check_id.eq_any(&ids))
        .order((
            pact_check_attendees::check_id.asc(),
            pact_check_attendees::person_id.asc(),
        ))
        .select((
            pact_check_attendees::check_id,
            pact_check_attendees::person_id,
        ))
        .load::<(DbUuid, DbUuid)>(conn)?
    {
        attendees.entry(check).or_default().push(person.0);
    }
    let mut outcomes: HashMap<DbUuid, Vec<CheckOutcome>> = HashMap::new();
    for (check, commitment, status, note) in pact_check_outcomes::table
        .filter(pact_check_outcomes::check_id.eq_any(&ids))
        .order((
            pact_check_outcomes::check_id.asc(),
            pact_check_outcomes::commitment_id.asc(),
        ))
        .select((
            pact_check_outcomes::check_id,
            pact_check_outcomes::commitment_id,
            pact_check_outcomes::status,
            pact_check_outcomes::note,
        ))
        .load::<(DbUuid, DbUuid, String, Option<String>)>(conn)?
    {
        outcomes.entry(check).or_default().push(CheckOutcome {
            commitment_id: commitment.0,
            status: status.parse().map_err(|e| corrupt("outcome", e))?,
            note,
        });
    }
    Ok(rows
        .into_iter()
        .map(|(id, on, notes, author, at)| PactCheck {
            id: id.0,
            pact_id,
            checked_on: on,
            attendees: attendees.remove(&id).unwrap_or_default(),
            outcomes: outcomes.remove(&id).unwrap_or_default(),
            notes,
            author_id: author.0,
            recorded_at: at.0,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Non-compliance
// ---------------------------------------------------------------------------------------------

/// Records a non-compliance event (call after [`bump_version`]).
#[allow(clippy::too_many_arguments)]
pub fn insert_non_compliance(
    conn: &mut AnyConnection,
    pact_id: Uuid,
    commitment_id: Option<Uuid>,
    occurred_on: NaiveDate,
    description: String,
    relevant_for_sanctions: bool,
    reported_on: Option<NaiveDate>,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<NonCompliance, StoreError> {
    let id = Uuid::now_v7();
    diesel::insert_into(pact_non_compliance::table)
        .values((
            pact_non_compliance::id.eq(DbUuid(id)),
            pact_non_compliance::pact_id.eq(DbUuid(pact_id)),
            pact_non_compliance::commitment_id.eq(commitment_id.map(DbUuid)),
            pact_non_compliance::occurred_on.eq(occurred_on),
            pact_non_compliance::description.eq(&description),
            pact_non_compliance::relevant_for_sanctions.eq(relevant_for_sanctions),
            pact_non_compliance::reported_on.eq(reported_on),
            pact_non_compliance::recorded_by.eq(DbUuid(actor)),
            pact_non_compliance::recorded_at.eq(DbInstant::from(now)),
        ))
        .execute(conn)?;
    Ok(NonCompliance {
        id,
        pact_id,
        commitment_id,
        occurred_on,
        description,
        relevant_for_sanctions,
        reported_on,
        recorded_by: actor,
        recorded_at: DbInstant::from(now).0,
    })
}

/// The non-compliance events of a pact, by day.
pub fn non_compliance(
    conn: &mut AnyConnection,
    pact_id: Uuid,
) -> Result<Vec<NonCompliance>, StoreError> {
    type Row = (
        DbUuid,
        Option<DbUuid>,
        NaiveDate,
        String,
        bool,
        Option<NaiveDate>,
        DbUuid,
        DbInstant,
    );
    let rows: Vec<Row> = pact_non_compliance::table
        .filter(pact_non_compliance::pact_id.eq(DbUuid(pact_id)))
        .order((
            pact_non_compliance::occurred_on.asc(),
            pact_non_compliance::id.asc(),
        ))
        .select((
            pact_non_compliance::id,
            pact_non_compliance::commitment_id,
            pact_non_compliance::occurred_on,
            pact_non_compliance::description,
            pact_non_compliance::relevant_for_sanctions,
            pact_non_compliance::reported_on,
            pact_non_compliance::recorded_by,
            pact_non_compliance::recorded_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, commitment, on, description, relevant, reported, by, at)| NonCompliance {
                id: id.0,
                pact_id,
                commitment_id: commitment.map(|c| c.0),
                occurred_on: on,
                description,
                relevant_for_sanctions: relevant,
                reported_on: reported,
                recorded_by: by.0,
                recorded_at: at.0,
            },
        )
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Clock
// ---------------------------------------------------------------------------------------------

/// What the clock of `pact` is computed from: its dates, suspensions (from the transitions)
/// and pending commitments.
pub fn clock_facts(conn: &mut AnyConnection, pact: &Pact) -> Result<ClockFacts, StoreError> {
    let history = transitions(conn, pact.id)?;
    let pending: Vec<(DbUuid, NaiveDate)> = pact_commitments::table
        .filter(pact_commitments::pact_id.eq(DbUuid(pact.id)))
        .filter(pact_commitments::status.eq(CommitmentStatus::Pending.as_str()))
        .select((pact_commitments::id, pact_commitments::due_on))
        .load(conn)?;
    Ok(ClockFacts {
        status: pact.status,
        activation_on: pact.activation_on,
        convocation_on: pact.convocation_on,
        signed_on: pact.signed_on,
        active_since: pact.active_since,
        last_check_on: pact.last_check_on,
        suspensions: suspensions_of(&history),
        pending_commitments: pending.into_iter().map(|(id, d)| (id.0, d)).collect(),
    })
}

/// Rewrites the stored deadlines of a pact from its current facts
/// ([`socialcare_domain::pact::clock_deadlines`]): called by every write of this module that
/// changes what the clock is computed from, in the same transaction, so that the agenda never
/// reads deadlines older than the pact.
pub fn store_deadlines(conn: &mut AnyConnection, pact_id: Uuid) -> Result<(), StoreError> {
    let pact = find(conn, pact_id)?
        .ok_or_else(|| StoreError::Internal(format!("pact {pact_id} vanished in its change")))?;
    let rules = rules_version(&pact.rules_version).ok_or_else(|| {
        StoreError::Internal(format!(
            "pact {pact_id} has the unknown clock rule version {}",
            pact.rules_version
        ))
    })?;
    let facts = clock_facts(conn, &pact)?;
    diesel::delete(pact_deadlines::table.filter(pact_deadlines::pact_id.eq(DbUuid(pact_id))))
        .execute(conn)?;
    for deadline in clock_deadlines(&facts, rules) {
        diesel::insert_into(pact_deadlines::table)
            .values(deadline_row(&pact, &deadline))
            .execute(conn)?;
    }
    Ok(())
}

/// The stored deadlines of a pact, in the order [`socialcare_domain::pact::clock_deadlines`]
/// gives them (for the tests that compare them with a recomputation).
pub fn stored_deadlines(
    conn: &mut AnyConnection,
    pact_id: Uuid,
) -> Result<Vec<Deadline>, StoreError> {
    let rows: Vec<DeadlineRow> = pact_deadlines::table
        .filter(pact_deadlines::pact_id.eq(DbUuid(pact_id)))
        .select(DeadlineRow::as_select())
        .load(conn)?;
    let mut out: Vec<Deadline> = rows
        .into_iter()
        .map(Deadline::try_from)
        .collect::<Result<_, _>>()?;
    out.sort_by_key(|d| (d.due_on, d.kind, d.commitment_id));
    Ok(out)
}

/// Computes and stores the deadlines of every pact: the step that precedes the migration
/// indexing them, for the pacts that existed before deadlines were stored. Returns how many
/// pacts it went through. Safe to run again (each pact's rows are rewritten).
pub fn store_all_deadlines(conn: &mut AnyConnection) -> Result<usize, StoreError> {
    let ids: Vec<DbUuid> = pacts::table
        .select(pacts::id)
        .order(pacts::id.asc())
        .load(conn)?;
    for id in &ids {
        store_deadlines(conn, id.0)?;
    }
    Ok(ids.len())
}

/// A row of `pact_deadlines`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = pact_deadlines)]
pub struct DeadlineRow {
    /// The pact.
    pub pact_id: DbUuid,
    /// Its case file.
    pub case_file_id: DbUuid,
    /// The due kind's code.
    pub kind: String,
    /// The place of the kind among the items of a day.
    pub kind_rank: i16,
    /// The commitment, or the nil UUID.
    pub commitment_key: DbUuid,
    /// The due day (on the day the clock stopped, when `stopped_since` is set).
    pub due_on: NaiveDate,
    /// First day of the running suspension that stops the clock.
    pub stopped_since: Option<NaiveDate>,
}

fn deadline_row(pact: &Pact, deadline: &Deadline) -> DeadlineRow {
    DeadlineRow {
        pact_id: DbUuid(pact.id),
        case_file_id: DbUuid(pact.case_file_id),
        kind: deadline.kind.as_str().to_owned(),
        kind_rank: ItemKind::from(deadline.kind).rank(),
        commitment_key: DbUuid(deadline.commitment_id.unwrap_or(Uuid::nil())),
        due_on: deadline.due_on,
        stopped_since: deadline.stopped_since,
    }
}

impl TryFrom<DeadlineRow> for Deadline {
    type Error = StoreError;

    fn try_from(row: DeadlineRow) -> Result<Self, StoreError> {
        let kind: DueKind = row.kind.parse().map_err(|e| corrupt("deadline kind", e))?;
        Ok(Deadline {
            kind,
            due_on: row.due_on,
            stopped_since: row.stopped_since,
            commitment_id: (kind == DueKind::Commitment).then_some(row.commitment_key.0),
        })
    }
}

/// The latest day recorded on a pact, its steps and its transitions (see
/// [`socialcare_domain::pact::last_change_on`]).
pub fn last_change_on(conn: &mut AnyConnection, pact: &Pact) -> Result<NaiveDate, StoreError> {
    let steps = steps(conn, pact.id)?;
    let transitions = transitions(conn, pact.id)?;
    Ok(socialcare_domain::pact::last_change_on(
        pact,
        steps
            .iter()
            .map(|s| s.occurred_on)
            .chain(transitions.iter().map(|t| t.occurred_on)),
    ))
}

/// The persons of a household a pact may cover: every member, past and present, or with
/// `on` only the members on that day. None for an unknown household.
pub fn household_members(
    conn: &mut AnyConnection,
    household_id: Uuid,
    on: Option<NaiveDate>,
) -> Result<Vec<Uuid>, StoreError> {
    Ok(crate::households::members_of_household(conn, household_id)?
        .iter()
        .filter(|m| on.is_none_or(|day| m.membership.is_current_on(day)))
        .map(|m| m.membership.person_id)
        .collect())
}
