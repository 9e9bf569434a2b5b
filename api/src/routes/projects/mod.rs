//! Social projects (progetti sociali personalizzati) of a case file: drawing up, lifecycle
//! `draft` → `active` → `completed` | `interrupted`, objectives, participants, actions and
//! reviews, one file per sub-resource. A project is inside its case file: every handler goes
//! through the gate ([`crate::case_work`]) with the target [`project_target`], so that it is
//! visible to whoever may read the file and written by the case team, decided in the
//! request's one transaction.

mod actions;
mod objectives;
mod participants;
mod project;
mod reviews;

pub use actions::*;
pub use objectives::*;
pub use participants::*;
pub use project::*;
pub use reviews::*;

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::ValidationErrors;
use socialcare_domain::access::Action;
use socialcare_domain::case_file::{CaseFile, check_takes_new_work};
use socialcare_domain::ids::{
    ActionId, CaseFileId, ObjectiveId, ParticipantId, ProjectId, ReviewId,
};
use socialcare_domain::project::{
    ActionContent, Objective, ObjectiveContent, ObjectiveStatus, Participant, ParticipantRef,
    Project, ProjectAction, ProjectChangeError, ProjectTransitionRecord, ProjectTransitionRequest,
    Review, SHORT_TEXT_MAX_CHARS, change_project, check_drafted_on, check_household_participant,
    check_next_review, check_parts_editable, check_review, check_staff_participant, optional_text,
    parse_title, review_overdue,
};
use socialcare_persistence::projects::{self, NewProject};
use socialcare_persistence::{AnyConnection, case_files, households, users};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, Answer, NoQuery, Op, Target, with_etag};
use crate::conditional::IfMatchHeader;
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::idempotency::IdempotencyKeyHeader;
use crate::routes::codes::{
    ActionStatusCode, AssessmentDomainCode, ExternalServiceCode, ObjectiveStatusCode,
    ParticipantKindCode, ProjectKindCode, ProjectStatusCode, ProjectTransitionCode,
};
use crate::state::AppState;

/// A project, located in its case file by the gate.
fn project_target(id: ProjectId) -> Target {
    Target::within(ProjectId::KIND, id, projects::case_file_of)
}

fn no_project() -> ApiError {
    ApiError::NotFound("no project with this id".into())
}

/// The case file, or 404.
fn file_of(conn: &mut AnyConnection, case_file_id: Uuid) -> Result<CaseFile, ApiError> {
    case_files::find(conn, case_file_id)?
        .ok_or_else(|| ApiError::NotFound("no case file with this id".into()))
}

/// The project with its case file, or 404.
fn project_of(conn: &mut AnyConnection, project_id: Uuid) -> Result<(CaseFile, Project), ApiError> {
    let project = projects::find(conn, project_id)?.ok_or_else(no_project)?;
    let file = file_of(conn, project.case_file_id)?;
    Ok((file, project))
}

/// The person a participant is, if any (an answer that shows it links that person).
fn participant_person(participant: &Participant) -> Option<Uuid> {
    participant.who.person()
}

/// Takes the optimistic lock of the project for a change of one of its parts.
fn touch(
    conn: &mut AnyConnection,
    project: &Project,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if projects::bump_version(conn, project.id, project.version, actor, now)? {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed(
            "the project changed meanwhile; read it again and retry".into(),
        ))
    }
}

fn change_error(error: ProjectChangeError) -> ApiError {
    match error {
        ProjectChangeError::Illegal(illegal) => ApiError::IllegalTransition {
            detail: illegal.to_string(),
            allowed: illegal
                .allowed
                .iter()
                .map(|t| t.as_str().to_owned())
                .collect(),
        },
        ProjectChangeError::State(detail) => ApiError::Conflict(detail),
        ProjectChangeError::Invalid(errors) => ApiError::from_domain(errors),
    }
}

/// An objective of a project.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ObjectiveResponse {
    /// Identifier.
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// The domain of need it addresses.
    pub domain: AssessmentDomainCode,
    /// What is to be achieved.
    #[schema(example = "Find a stable room in shared housing")]
    pub description: String,
    /// By when.
    pub target_date: NaiveDate,
    /// How achievement is measured.
    #[schema(example = "Signed rental contract")]
    pub indicator: Option<String>,
    /// Current status.
    pub status: ObjectiveStatusCode,
    /// Version, also sent as `ETag`; send it back in `If-Match` to change the objective.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Creator.
    pub created_by: Uuid,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change.
    pub updated_by: Uuid,
}

impl From<&Objective> for ObjectiveResponse {
    fn from(o: &Objective) -> Self {
        Self {
            id: o.id,
            project_id: o.project_id,
            domain: o.content.domain.into(),
            description: o.content.description.clone(),
            target_date: o.content.target_date,
            indicator: o.content.indicator.clone(),
            status: o.content.status.into(),
            version: o.version,
            created_at: o.created_at,
            created_by: o.created_by,
            updated_at: o.updated_at,
            updated_by: o.updated_by,
        }
    }
}

/// A social project with its objectives.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectResponse {
    /// Identifier.
    pub id: Uuid,
    /// The case file it belongs to.
    pub case_file_id: Uuid,
    /// The person of the case file.
    pub person_id: Uuid,
    /// The kind of project.
    pub kind: ProjectKindCode,
    /// Short title.
    #[schema(example = "Back to autonomous housing")]
    pub title: String,
    /// Current status.
    pub status: ProjectStatusCode,
    /// Transitions allowed from the current status.
    pub allowed_transitions: Vec<ProjectTransitionCode>,
    /// Day it was drawn up.
    pub drafted_on: NaiveDate,
    /// Day it became active.
    pub started_on: Option<NaiveDate>,
    /// Day it was completed or interrupted.
    pub ended_on: Option<NaiveDate>,
    /// Why it was interrupted.
    pub interruption_reason: Option<String>,
    /// When the next review is due (none once the project has ended).
    pub next_review_on: Option<NaiveDate>,
    /// True when the project is active and its next review day has passed.
    pub review_overdue: bool,
    /// The objectives, oldest first.
    pub objectives: Vec<ObjectiveResponse>,
    /// Version, also sent as `ETag`; send it back in `If-Match` to change the status.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Creator.
    pub created_by: Uuid,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change.
    pub updated_by: Uuid,
}

fn project_response(file: &CaseFile, p: &Project, objectives: &[Objective]) -> ProjectResponse {
    ProjectResponse {
        id: p.id,
        case_file_id: p.case_file_id,
        person_id: file.person_id,
        kind: p.kind.into(),
        title: p.title.clone(),
        status: p.status.into(),
        allowed_transitions: p
            .status
            .allowed_transitions()
            .into_iter()
            .map(Into::into)
            .collect(),
        drafted_on: p.drafted_on,
        started_on: p.started_on,
        ended_on: p.ended_on,
        interruption_reason: p.interruption_reason.clone(),
        next_review_on: p.next_review_on,
        review_overdue: review_overdue(p, socialcare_domain::calendar::today(Utc::now())),
        objectives: objectives.iter().map(ObjectiveResponse::from).collect(),
        version: p.version,
        created_at: p.created_at,
        created_by: p.created_by,
        updated_at: p.updated_at,
        updated_by: p.updated_by,
    }
}

/// Loads and renders a project.
fn render(conn: &mut AnyConnection, project_id: Uuid) -> Result<ProjectResponse, ApiError> {
    let (file, project) = project_of(conn, project_id)?;
    let objectives = projects::objectives(conn, project_id)?;
    Ok(project_response(&file, &project, &objectives))
}

fn project_location(id: Uuid) -> String {
    format!("/api/v1/projects/{id}")
}
