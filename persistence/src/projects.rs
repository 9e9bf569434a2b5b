//! Social projects of case files: rows, reads and writes of the project, its lifecycle history,
//! objectives, participants, actions and reviews. Every rule is decided in
//! `socialcare_domain::project`; this module only loads and saves, inside the caller's
//! transaction, with the optimistic lock on versions.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use socialcare_domain::project::{
    ActionContent, Objective, ObjectiveContent, ObjectiveStatus, Participant, ParticipantKind,
    ParticipantRef, Project, ProjectAction, ProjectChange, ProjectKind, ProjectStatus,
    ProjectTransitionRecord, Review, ReviewOutcome,
};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{
    project_actions, project_objectives, project_participants, project_review_outcomes,
    project_reviews, project_transitions, projects,
};
use crate::sql_types::{DbInstant, DbUuid};

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("stored {what} is invalid: {e}"))
}

/// A `projects` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = projects)]
#[diesel(treat_none_as_default_value = false)]
pub struct ProjectRow {
    /// Primary key.
    pub id: DbUuid,
    /// Case file.
    pub case_file_id: DbUuid,
    /// Kind code.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Status code.
    pub status: String,
    /// Day drawn up.
    pub drafted_on: NaiveDate,
    /// Day started.
    pub started_on: Option<NaiveDate>,
    /// Day ended.
    pub ended_on: Option<NaiveDate>,
    /// Interruption reason.
    pub interruption_reason: Option<String>,
    /// Next review day.
    pub next_review_on: Option<NaiveDate>,
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

impl TryFrom<ProjectRow> for Project {
    type Error = StoreError;

    fn try_from(row: ProjectRow) -> Result<Self, StoreError> {
        Ok(Project {
            id: row.id.0,
            case_file_id: row.case_file_id.0,
            kind: row
                .kind
                .parse::<ProjectKind>()
                .map_err(|e| corrupt("project kind", e))?,
            title: row.title,
            status: row
                .status
                .parse::<ProjectStatus>()
                .map_err(|e| corrupt("project status", e))?,
            drafted_on: row.drafted_on,
            started_on: row.started_on,
            ended_on: row.ended_on,
            interruption_reason: row.interruption_reason,
            next_review_on: row.next_review_on,
            version: row.version,
            created_at: row.created_at.0,
            created_by: row.created_by.0,
            updated_at: row.updated_at.0,
            updated_by: row.updated_by.0,
        })
    }
}

/// What is needed to draw up a project.
#[derive(Debug, Clone)]
pub struct NewProject {
    /// The case file.
    pub case_file_id: Uuid,
    /// Kind.
    pub kind: ProjectKind,
    /// Title (checked).
    pub title: String,
    /// Day drawn up.
    pub drafted_on: NaiveDate,
    /// First review day, when already known.
    pub next_review_on: Option<NaiveDate>,
}

/// Inserts a project in `draft`.
pub fn insert(
    conn: &mut AnyConnection,
    new: &NewProject,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Project, StoreError> {
    let row = ProjectRow {
        id: DbUuid(Uuid::now_v7()),
        case_file_id: DbUuid(new.case_file_id),
        kind: new.kind.as_str().to_owned(),
        title: new.title.clone(),
        status: ProjectStatus::Draft.as_str().to_owned(),
        drafted_on: new.drafted_on,
        started_on: None,
        ended_on: None,
        interruption_reason: None,
        next_review_on: new.next_review_on,
        version: 1,
        created_at: now.into(),
        created_by: DbUuid(actor),
        updated_at: now.into(),
        updated_by: DbUuid(actor),
    };
    diesel::insert_into(projects::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

/// Finds a project.
pub fn find(conn: &mut AnyConnection, id: Uuid) -> Result<Option<Project>, StoreError> {
    projects::table
        .find(DbUuid(id))
        .select(ProjectRow::as_select())
        .first(conn)
        .optional()?
        .map(Project::try_from)
        .transpose()
}

/// The case file a project belongs to.
pub fn case_file_of(conn: &mut AnyConnection, id: Uuid) -> Result<Option<Uuid>, StoreError> {
    Ok(projects::table
        .find(DbUuid(id))
        .select(projects::case_file_id)
        .first::<DbUuid>(conn)
        .optional()?
        .map(|id| id.0))
}

/// The projects of a case file, oldest first, optionally only of a status and a kind.
pub fn list(
    conn: &mut AnyConnection,
    case_file_id: Uuid,
    status: Option<ProjectStatus>,
    kind: Option<ProjectKind>,
) -> Result<Vec<Project>, StoreError> {
    let mut query = projects::table
        .filter(projects::case_file_id.eq(DbUuid(case_file_id)))
        .select(ProjectRow::as_select())
        .order(projects::id.asc())
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(projects::status.eq(status.as_str()));
    }
    if let Some(kind) = kind {
        query = query.filter(projects::kind.eq(kind.as_str()));
    }
    query
        .load(conn)?
        .into_iter()
        .map(Project::try_from)
        .collect()
}

/// Active projects whose next review falls on or before `until`, by review day: the reviews
/// due or overdue, for the agenda.
pub fn reviews_due(
    conn: &mut AnyConnection,
    case_file_ids: &[Uuid],
    until: NaiveDate,
) -> Result<Vec<Project>, StoreError> {
    let ids: Vec<DbUuid> = case_file_ids.iter().copied().map(DbUuid).collect();
    projects::table
        .filter(projects::case_file_id.eq_any(ids))
        .filter(projects::status.eq(ProjectStatus::Active.as_str()))
        .filter(projects::next_review_on.le(until))
        .select(ProjectRow::as_select())
        .order((projects::next_review_on.asc(), projects::id.asc()))
        .load(conn)?
        .into_iter()
        .map(Project::try_from)
        .collect()
}

/// Bumps the version of a project if it is still `expected_version` (the optimistic lock of
/// every change to the project or its parts). Returns false when stale.
pub fn bump_version(
    conn: &mut AnyConnection,
    id: Uuid,
    expected_version: i64,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        projects::table
            .find(DbUuid(id))
            .filter(projects::version.eq(expected_version)),
    )
    .set((
        projects::version.eq(expected_version + 1),
        projects::updated_at.eq(DbInstant::from(now)),
        projects::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Applies a transition's outcome and records it (call after [`bump_version`]).
pub fn record_transition(
    conn: &mut AnyConnection,
    project_id: Uuid,
    change: &ProjectChange,
    record: &ProjectTransitionRecord,
) -> Result<(), StoreError> {
    diesel::update(projects::table.find(DbUuid(project_id)))
        .set((
            projects::status.eq(change.to.as_str()),
            projects::started_on.eq(change.started_on),
            projects::ended_on.eq(change.ended_on),
            projects::interruption_reason.eq(change.interruption_reason.clone()),
            projects::next_review_on.eq(change.next_review_on),
        ))
        .execute(conn)?;
    diesel::insert_into(project_transitions::table)
        .values((
            project_transitions::id.eq(DbUuid(record.id)),
            project_transitions::project_id.eq(DbUuid(project_id)),
            project_transitions::transition.eq(record.transition.as_str()),
            project_transitions::from_status.eq(record.from.as_str()),
            project_transitions::to_status.eq(record.to.as_str()),
            project_transitions::occurred_on.eq(record.occurred_on),
            project_transitions::reason.eq(record.reason.clone()),
            project_transitions::author_id.eq(DbUuid(record.author_id)),
            project_transitions::recorded_at.eq(DbInstant::from(record.recorded_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The lifecycle history of a project, oldest first.
pub fn transitions(
    conn: &mut AnyConnection,
    project_id: Uuid,
) -> Result<Vec<ProjectTransitionRecord>, StoreError> {
    type Row = (
        DbUuid,
        String,
        String,
        String,
        NaiveDate,
        Option<String>,
        DbUuid,
        DbInstant,
    );
    let rows: Vec<Row> = project_transitions::table
        .filter(project_transitions::project_id.eq(DbUuid(project_id)))
        .order((
            project_transitions::recorded_at.asc(),
            project_transitions::id.asc(),
        ))
        .select((
            project_transitions::id,
            project_transitions::transition,
            project_transitions::from_status,
            project_transitions::to_status,
            project_transitions::occurred_on,
            project_transitions::reason,
            project_transitions::author_id,
            project_transitions::recorded_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, t, from, to, on, reason, author, at)| {
            Ok(ProjectTransitionRecord {
                id: id.0,
                transition: t.parse().map_err(|e| corrupt("transition", e))?,
                from: from.parse().map_err(|e| corrupt("status", e))?,
                to: to.parse().map_err(|e| corrupt("status", e))?,
                occurred_on: on,
                reason,
                author_id: author.0,
                recorded_at: at.0,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Objectives
// ---------------------------------------------------------------------------------------------

/// A `project_objectives` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = project_objectives)]
#[diesel(treat_none_as_default_value = false)]
pub struct ObjectiveRow {
    /// Primary key.
    pub id: DbUuid,
    /// Project.
    pub project_id: DbUuid,
    /// Domain code.
    pub domain: String,
    /// Description.
    pub description: String,
    /// Target date.
    pub target_date: NaiveDate,
    /// Indicator.
    pub indicator: Option<String>,
    /// Status code.
    pub status: String,
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

impl TryFrom<ObjectiveRow> for Objective {
    type Error = StoreError;

    fn try_from(row: ObjectiveRow) -> Result<Self, StoreError> {
        Ok(Objective {
            id: row.id.0,
            project_id: row.project_id.0,
            content: ObjectiveContent {
                domain: row.domain.parse().map_err(|e| corrupt("domain", e))?,
                description: row.description,
                target_date: row.target_date,
                indicator: row.indicator,
                status: row
                    .status
                    .parse()
                    .map_err(|e| corrupt("objective status", e))?,
            },
            version: row.version,
            created_at: row.created_at.0,
            created_by: row.created_by.0,
            updated_at: row.updated_at.0,
            updated_by: row.updated_by.0,
        })
    }
}

/// Adds an objective to a project.
pub fn insert_objective(
    conn: &mut AnyConnection,
    project_id: Uuid,
    content: &ObjectiveContent,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Objective, StoreError> {
    let row = ObjectiveRow {
        id: DbUuid(Uuid::now_v7()),
        project_id: DbUuid(project_id),
        domain: content.domain.as_str().to_owned(),
        description: content.description.clone(),
        target_date: content.target_date,
        indicator: content.indicator.clone(),
        status: content.status.as_str().to_owned(),
        version: 1,
        created_at: now.into(),
        created_by: DbUuid(actor),
        updated_at: now.into(),
        updated_by: DbUuid(actor),
    };
    diesel::insert_into(project_objectives::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

/// The objectives of a project, oldest first.
pub fn objectives(
    conn: &mut AnyConnection,
    project_id: Uuid,
) -> Result<Vec<Objective>, StoreError> {
    project_objectives::table
        .filter(project_objectives::project_id.eq(DbUuid(project_id)))
        .order(project_objectives::id.asc())
        .select(ObjectiveRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Objective::try_from)
        .collect()
}

/// An objective of the project (none for an objective of another project).
pub fn find_objective(
    conn: &mut AnyConnection,
    project_id: Uuid,
    id: Uuid,
) -> Result<Option<Objective>, StoreError> {
    project_objectives::table
        .find(DbUuid(id))
        .filter(project_objectives::project_id.eq(DbUuid(project_id)))
        .select(ObjectiveRow::as_select())
        .first(conn)
        .optional()?
        .map(Objective::try_from)
        .transpose()
}

/// Replaces the content of an objective if it is still `expected_version`; false when stale.
pub fn update_objective(
    conn: &mut AnyConnection,
    id: Uuid,
    expected_version: i64,
    content: &ObjectiveContent,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        project_objectives::table
            .find(DbUuid(id))
            .filter(project_objectives::version.eq(expected_version)),
    )
    .set((
        project_objectives::domain.eq(content.domain.as_str()),
        project_objectives::description.eq(&content.description),
        project_objectives::target_date.eq(content.target_date),
        project_objectives::indicator.eq(content.indicator.clone()),
        project_objectives::status.eq(content.status.as_str()),
        project_objectives::version.eq(expected_version + 1),
        project_objectives::updated_at.eq(DbInstant::from(now)),
        project_objectives::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Sets the status of an objective (the outcome of a review), bumping its version.
pub fn set_objective_status(
    conn: &mut AnyConnection,
    id: Uuid,
    status: ObjectiveStatus,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::update(project_objectives::table.find(DbUuid(id)))
        .set((
            project_objectives::status.eq(status.as_str()),
            project_objectives::version.eq(project_objectives::version + 1),
            project_objectives::updated_at.eq(DbInstant::from(now)),
            project_objectives::updated_by.eq(DbUuid(actor)),
        ))
        .execute(conn)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Participants
// ---------------------------------------------------------------------------------------------

/// A `project_participants` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = project_participants)]
#[diesel(treat_none_as_default_value = false)]
pub struct ParticipantRow {
    /// Primary key.
    pub id: DbUuid,
    /// Project.
    pub project_id: DbUuid,
    /// Kind code.
    pub kind: String,
    /// Person (person, household member).
    pub person_id: Option<DbUuid>,
    /// Staff member.
    pub staff_id: Option<DbUuid>,
    /// External service code.
    pub service: Option<String>,
    /// Organisation.
    pub organisation: Option<String>,
    /// Role in the project.
    pub role: Option<String>,
    /// Creation instant.
    pub created_at: DbInstant,
    /// Creator.
    pub created_by: DbUuid,
}

impl TryFrom<ParticipantRow> for Participant {
    type Error = StoreError;

    fn try_from(row: ParticipantRow) -> Result<Self, StoreError> {
        let kind: ParticipantKind = row
            .kind
            .parse()
            .map_err(|e| corrupt("participant kind", e))?;
        let missing = || corrupt("participant", format!("{kind} without its identifier"));
        let who = match kind {
            ParticipantKind::Person => ParticipantRef::Person(row.person_id.ok_or_else(missing)?.0),
            ParticipantKind::HouseholdMember => {
                ParticipantRef::HouseholdMember(row.person_id.ok_or_else(missing)?.0)
            }
            ParticipantKind::Staff => ParticipantRef::Staff(row.staff_id.ok_or_else(missing)?.0),
            ParticipantKind::ExternalService => ParticipantRef::ExternalService {
                service: row
                    .service
                    .map(|s| s.parse())
                    .transpose()
                    .map_err(|e| corrupt("service", e))?,
                organisation: row.organisation.ok_or_else(missing)?,
            },
        };
        Ok(Participant {
            id: row.id.0,
            project_id: row.project_id.0,
            who,
            role: row.role,
            created_at: row.created_at.0,
            created_by: row.created_by.0,
        })
    }
}

/// Adds a participant to a project.
pub fn insert_participant(
    conn: &mut AnyConnection,
    project_id: Uuid,
    who: &ParticipantRef,
    role: Option<String>,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Participant, StoreError> {
    let (person_id, staff_id, service, organisation) = match who {
        ParticipantRef::Person(p) | ParticipantRef::HouseholdMember(p) => {
            (Some(DbUuid(*p)), None, None, None)
        }
        ParticipantRef::Staff(s) => (None, Some(DbUuid(*s)), None, None),
        ParticipantRef::ExternalService {
            service,
            organisation,
        } => (
            None,
            None,
            service.map(|s| s.as_str().to_owned()),
            Some(organisation.clone()),
        ),
    };
    let row = ParticipantRow {
        id: DbUuid(Uuid::now_v7()),
        project_id: DbUuid(project_id),
        kind: who.kind().as_str().to_owned(),
        person_id,
        staff_id,
        service,
        organisation,
        role,
        created_at: now.into(),
        created_by: DbUuid(actor),
    };
    diesel::insert_into(project_participants::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

/// The participants of a project, oldest first.
pub fn participants(
    conn: &mut AnyConnection,
    project_id: Uuid,
) -> Result<Vec<Participant>, StoreError> {
    project_participants::table
        .filter(project_participants::project_id.eq(DbUuid(project_id)))
        .order(project_participants::id.asc())
        .select(ParticipantRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Participant::try_from)
        .collect()
}

/// Whether `id` is a participant of the project.
pub fn is_participant(
    conn: &mut AnyConnection,
    project_id: Uuid,
    id: Uuid,
) -> Result<bool, StoreError> {
    let n: i64 = project_participants::table
        .filter(project_participants::id.eq(DbUuid(id)))
        .filter(project_participants::project_id.eq(DbUuid(project_id)))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

// ---------------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------------

/// A `project_actions` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = project_actions)]
#[diesel(treat_none_as_default_value = false)]
pub struct ActionRow {
    /// Primary key.
    pub id: DbUuid,
    /// Project.
    pub project_id: DbUuid,
    /// Description.
    pub description: String,
    /// Responsible participant.
    pub participant_id: Option<DbUuid>,
    /// Due day.
    pub due_on: Option<NaiveDate>,
    /// Status code.
    pub status: String,
    /// Day done.
    pub done_on: Option<NaiveDate>,
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

impl TryFrom<ActionRow> for ProjectAction {
    type Error = StoreError;

    fn try_from(row: ActionRow) -> Result<Self, StoreError> {
        Ok(ProjectAction {
            id: row.id.0,
            project_id: row.project_id.0,
            content: ActionContent {
                description: row.description,
                participant_id: row.participant_id.map(|p| p.0),
                due_on: row.due_on,
                status: row
                    .status
                    .parse()
                    .map_err(|e| corrupt("action status", e))?,
                done_on: row.done_on,
            },
            version: row.version,
            created_at: row.created_at.0,
            created_by: row.created_by.0,
            updated_at: row.updated_at.0,
            updated_by: row.updated_by.0,
        })
    }
}

/// Adds an action to a project.
pub fn insert_action(
    conn: &mut AnyConnection,
    project_id: Uuid,
    content: &ActionContent,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<ProjectAction, StoreError> {
    let row = ActionRow {
        id: DbUuid(Uuid::now_v7()),
        project_id: DbUuid(project_id),
        description: content.description.clone(),
        participant_id: content.participant_id.map(DbUuid),
        due_on: content.due_on,
        status: content.status.as_str().to_owned(),
        done_on: content.done_on,
        version: 1,
        created_at: now.into(),
        created_by: DbUuid(actor),
        updated_at: now.into(),
        updated_by: DbUuid(actor),
    };
    diesel::insert_into(project_actions::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

/// The actions of a project, oldest first.
pub fn actions(
    conn: &mut AnyConnection,
    project_id: Uuid,
) -> Result<Vec<ProjectAction>, StoreError> {
    project_actions::table
        .filter(project_actions::project_id.eq(DbUuid(project_id)))
        .order(project_actions::id.asc())
        .select(ActionRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ProjectAction::try_from)
        .collect()
}

/// An action of the project (none for an action of another project).
pub fn find_action(
    conn: &mut AnyConnection,
    project_id: Uuid,
    id: Uuid,
) -> Result<Option<ProjectAction>, StoreError> {
    project_actions::table
        .find(DbUuid(id))
        .filter(project_actions::project_id.eq(DbUuid(project_id)))
        .select(ActionRow::as_select())
        .first(conn)
        .optional()?
        .map(ProjectAction::try_from)
        .transpose()
}

/// Replaces the content of an action if it is still `expected_version`; false when stale.
pub fn update_action(
    conn: &mut AnyConnection,
    id: Uuid,
    expected_version: i64,
    content: &ActionContent,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        project_actions::table
            .find(DbUuid(id))
            .filter(project_actions::version.eq(expected_version)),
    )
    .set((
        project_actions::description.eq(&content.description),
        project_actions::participant_id.eq(content.participant_id.map(DbUuid)),
        project_actions::due_on.eq(content.due_on),
        project_actions::status.eq(content.status.as_str()),
        project_actions::done_on.eq(content.done_on),
        project_actions::version.eq(expected_version + 1),
        project_actions::updated_at.eq(DbInstant::from(now)),
        project_actions::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

// ---------------------------------------------------------------------------------------------
// Reviews
// ---------------------------------------------------------------------------------------------

/// Records a review with its outcomes, applies the outcomes to the objectives and moves the
/// project's next review day (call after [`bump_version`]).
#[allow(clippy::too_many_arguments)]
pub fn insert_review(
    conn: &mut AnyConnection,
    project_id: Uuid,
    reviewed_on: NaiveDate,
    notes: Option<String>,
    next_review_on: NaiveDate,
    outcomes: &[ReviewOutcome],
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Review, StoreError> {
    let id = Uuid::now_v7();
    diesel::insert_into(project_reviews::table)
        .values((
            project_reviews::id.eq(DbUuid(id)),
            project_reviews::project_id.eq(DbUuid(project_id)),
            project_reviews::reviewed_on.eq(reviewed_on),
            project_reviews::notes.eq(notes.clone()),
            project_reviews::next_review_on.eq(next_review_on),
            project_reviews::author_id.eq(DbUuid(actor)),
            project_reviews::recorded_at.eq(DbInstant::from(now)),
        ))
        .execute(conn)?;
    for outcome in outcomes {
        diesel::insert_into(project_review_outcomes::table)
            .values((
                project_review_outcomes::review_id.eq(DbUuid(id)),
                project_review_outcomes::objective_id.eq(DbUuid(outcome.objective_id)),
                project_review_outcomes::status.eq(outcome.status.as_str()),
                project_review_outcomes::note.eq(outcome.note.clone()),
            ))
            .execute(conn)?;
        set_objective_status(conn, outcome.objective_id, outcome.status, actor, now)?;
    }
    diesel::update(projects::table.find(DbUuid(project_id)))
        .set(projects::next_review_on.eq(Some(next_review_on)))
        .execute(conn)?;
    Ok(Review {
        id,
        project_id,
        reviewed_on,
        outcomes: outcomes.to_vec(),
        notes,
        next_review_on,
        author_id: actor,
        recorded_at: DbInstant::from(now).0,
    })
}

type ReviewTuple = (
    DbUuid,
    DbUuid,
    NaiveDate,
    Option<String>,
    NaiveDate,
    DbUuid,
    DbInstant,
);

fn assemble_reviews(
    conn: &mut AnyConnection,
    rows: Vec<ReviewTuple>,
) -> Result<Vec<Review>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<DbUuid> = rows.iter().map(|r| r.0).collect();
    let mut outcomes: HashMap<DbUuid, Vec<ReviewOutcome>> = HashMap::new();
    let loaded: Vec<(DbUuid, DbUuid, String, Option<String>)> = project_review_outcomes::table
        .filter(project_review_outcomes::review_id.eq_any(&ids))
        .order((
            project_review_outcomes::review_id.asc(),
            project_review_outcomes::objective_id.asc(),
        ))
        .select((
            project_review_outcomes::review_id,
            project_review_outcomes::objective_id,
            project_review_outcomes::status,
            project_review_outcomes::note,
        ))
        .load(conn)?;
    for (review, objective, status, note) in loaded {
        outcomes.entry(review).or_default().push(ReviewOutcome {
            objective_id: objective.0,
            status: status.parse().map_err(|e| corrupt("outcome status", e))?,
            note,
        });
    }
    Ok(rows
        .into_iter()
        .map(|(id, project, on, notes, next, author, at)| Review {
            id: id.0,
            project_id: project.0,
            reviewed_on: on,
            outcomes: outcomes.remove(&id).unwrap_or_default(),
            notes,
            next_review_on: next,
            author_id: author.0,
            recorded_at: at.0,
        })
        .collect())
}

const REVIEW_COLUMNS: (
    project_reviews::id,
    project_reviews::project_id,
    project_reviews::reviewed_on,
    project_reviews::notes,
    project_reviews::next_review_on,
    project_reviews::author_id,
    project_reviews::recorded_at,
) = (
    project_reviews::id,
    project_reviews::project_id,
    project_reviews::reviewed_on,
    project_reviews::notes,
    project_reviews::next_review_on,
    project_reviews::author_id,
    project_reviews::recorded_at,
);

/// The reviews of a project, newest first.
pub fn reviews(conn: &mut AnyConnection, project_id: Uuid) -> Result<Vec<Review>, StoreError> {
    let rows: Vec<ReviewTuple> = project_reviews::table
        .filter(project_reviews::project_id.eq(DbUuid(project_id)))
        .order((
            project_reviews::reviewed_on.desc(),
            project_reviews::id.desc(),
        ))
        .select(REVIEW_COLUMNS)
        .load(conn)?;
    assemble_reviews(conn, rows)
}

/// A review of the project (none for a review of another project).
pub fn find_review(
    conn: &mut AnyConnection,
    project_id: Uuid,
    id: Uuid,
) -> Result<Option<Review>, StoreError> {
    let rows: Vec<ReviewTuple> = project_reviews::table
        .filter(project_reviews::id.eq(DbUuid(id)))
        .filter(project_reviews::project_id.eq(DbUuid(project_id)))
        .select(REVIEW_COLUMNS)
        .load(conn)?;
    Ok(assemble_reviews(conn, rows)?.pop())
}

/// The `prison_reintegration` projects that are still open (draft or active) in the given case
/// files: case file → project (the oldest, when there are several).
pub fn open_reintegration_projects(
    conn: &mut AnyConnection,
    case_file_ids: &[Uuid],
) -> Result<HashMap<Uuid, Uuid>, StoreError> {
    let ids: Vec<DbUuid> = case_file_ids.iter().copied().map(DbUuid).collect();
    let rows: Vec<(DbUuid, DbUuid)> = projects::table
        .filter(projects::case_file_id.eq_any(ids))
        .filter(projects::kind.eq(ProjectKind::PrisonReintegration.as_str()))
        .filter(projects::status.eq_any([
            ProjectStatus::Draft.as_str(),
            ProjectStatus::Active.as_str(),
        ]))
        .order(projects::id.desc())
        .select((projects::case_file_id, projects::id))
        .load(conn)?;
    Ok(rows.into_iter().map(|(f, p)| (f.0, p.0)).collect())
}
