//! Social projects (progetti sociali personalizzati) of a case file: drawing up, lifecycle
//! `draft` → `active` → `completed` | `interrupted`, objectives, participants, actions and
//! reviews. A project is visible to whoever may see its case file: every handler asks
//! [`authorize_project_work`] first.

use actix_web::http::StatusCode;
use actix_web::http::header::ETAG;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::ValidationErrors;
use socialcare_domain::access::Action;
use socialcare_domain::case_file::{CaseFile, CaseStatus};
use socialcare_domain::project::{
    ActionContent, Objective, ObjectiveContent, ObjectiveStatus, Participant, ParticipantRef,
    Project, ProjectAction, ProjectChangeError, ProjectTransitionRecord, ProjectTransitionRequest,
    Review, SHORT_TEXT_MAX_CHARS, change_project, check_drafted_on, check_next_review,
    check_parts_editable, check_review, optional_text, parse_title, review_overdue,
};
use socialcare_persistence::audit::{self, Outcome};
use socialcare_persistence::projects::{self, NewProject};
use socialcare_persistence::{AnyConnection, case_files, households, persons, users};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::conditional::{etag, if_match_of, require_if_match};
use crate::error::{ApiError, Problem, blocking, transact};
use crate::extract::{JsonBody, ValidQuery};
use crate::guard;
use crate::idempotency::{self, Replayable};
use crate::routes::codes::{
    ActionStatusCode, AssessmentDomainCode, ExternalServiceCode, ObjectiveStatusCode,
    ParticipantKindCode, ProjectKindCode, ProjectStatusCode, ProjectTransitionCode,
};
use crate::state::AppState;

// ---------------------------------------------------------------------------------------------
// Access, loading, errors
// ---------------------------------------------------------------------------------------------

/// The one access decision of this module: whether the caller may read (`write == false`) or
/// change (`write == true`) the projects of the case file `case_file_id`. A project is visible
/// to whoever may see its case file.
async fn authorize_project_work(
    state: &web::Data<AppState>,
    caller: &Caller,
    case_file_id: Uuid,
    write: bool,
) -> Result<Caller, ApiError> {
    // Projects are visible to whoever may see the case file (its bookkeeping readers included),
    // and written by the case team.
    let action = if write {
        Action::WriteCaseContent
    } else {
        Action::ReadCaseFile
    };
    caller
        .authorize(state, action, "case_file", Some(case_file_id.to_string()))
        .await?;
    let access = guard::case_file_now(state, caller, action, case_file_id).await?;
    Ok(access.mark(caller))
}

fn parse_id(raw: &str, name: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::bad_parameter(name, "must be a UUID"))
}

fn no_project() -> ApiError {
    ApiError::NotFound("no project with this id".into())
}

/// The case file a project belongs to (404 for an unknown project), to decide access before
/// anything else is read.
async fn case_file_of_project(
    state: &web::Data<AppState>,
    project_id: Uuid,
) -> Result<Uuid, ApiError> {
    let db = state.db.clone();
    blocking(move || Ok(db.read(|c| projects::case_file_of(c, project_id))?))
        .await?
        .ok_or_else(no_project)
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

/// Appends the audit record of an action on a project or one of its parts.
#[allow(clippy::too_many_arguments)]
fn record(
    conn: &mut AnyConnection,
    caller: &Caller,
    action: &str,
    resource_type: &str,
    resource_id: Uuid,
    file: &CaseFile,
    project_id: Option<Uuid>,
    extra: serde_json::Value,
) -> Result<(), ApiError> {
    let mut entry = caller.audit(
        action,
        resource_type,
        Some(resource_id.to_string()),
        Outcome::Success,
    );
    entry.persons = vec![file.person_id];
    let mut details = serde_json::json!({
        "person_id": file.person_id,
        "case_file_id": file.id,
    });
    if let Some(project_id) = project_id {
        details["project_id"] = serde_json::json!(project_id);
    }
    if let (Some(target), Some(more)) = (details.as_object_mut(), extra.as_object()) {
        target.extend(more.clone());
    }
    entry.details = Some(details.to_string());
    audit::append(conn, entry)?;
    Ok(())
}

fn replayable<T: Serialize>(
    status: StatusCode,
    body: &T,
    location: Option<String>,
    version: Option<i64>,
) -> Replayable {
    Replayable {
        status,
        body: serde_json::to_value(body).unwrap_or_default(),
        location,
        etag: version.map(etag),
        replayed: false,
    }
}

fn with_etag<T: Serialize>(version: i64, body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((ETAG, etag(version)))
        .json(body)
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

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
        review_overdue: review_overdue(p, Utc::now().date_naive()),
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

// ---------------------------------------------------------------------------------------------
// Projects
// ---------------------------------------------------------------------------------------------

/// An objective to add to a project.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "domain": "housing",
    "description": "Find a stable room in shared housing",
    "target_date": "2027-06-30",
    "indicator": "Signed rental contract"
}))]
pub struct NewObjectiveRequest {
    /// The domain of need it addresses.
    pub domain: AssessmentDomainCode,
    /// What is to be achieved (1-2000 characters).
    #[validate(length(min = 1, max = 2000))]
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "Find a stable room in shared housing"
    )]
    pub description: String,
    /// By when; not before the project was drawn up.
    pub target_date: NaiveDate,
    /// How achievement is measured (up to 500 characters).
    #[validate(length(max = 500))]
    #[schema(max_length = 500, example = "Signed rental contract")]
    pub indicator: Option<String>,
}

impl NewObjectiveRequest {
    fn content(&self, drafted_on: NaiveDate) -> Result<ObjectiveContent, ValidationErrors> {
        ObjectiveContent::parse(
            self.domain.into(),
            &self.description,
            self.target_date,
            self.indicator.as_deref(),
            ObjectiveStatus::Planned,
            drafted_on,
        )
    }
}

/// A new social project.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "housing_path",
    "title": "Back to autonomous housing",
    "drafted_on": "2026-11-20",
    "next_review_on": "2027-02-20",
    "objectives": [{
        "domain": "housing",
        "description": "Find a stable room in shared housing",
        "target_date": "2027-06-30",
        "indicator": "Signed rental contract"
    }]
}))]
pub struct CreateProjectRequest {
    /// The kind of project.
    pub kind: ProjectKindCode,
    /// Short title (1-200 characters).
    #[validate(length(min = 1, max = 200))]
    #[schema(
        min_length = 1,
        max_length = 200,
        example = "Back to autonomous housing"
    )]
    pub title: String,
    /// Day it is drawn up (default today): not in the future, not before the case file was
    /// opened.
    pub drafted_on: Option<NaiveDate>,
    /// The first review day, if already agreed: after `drafted_on`. Required to activate.
    pub next_review_on: Option<NaiveDate>,
    /// Objectives to start with (up to 50); more can be added later.
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub objectives: Vec<NewObjectiveRequest>,
}

/// Draw up a project
///
/// Draws up a social project for the case file, in `draft`, optionally with its first
/// objectives and review day. A closed case file takes no new projects (409). Send
/// `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "projects",
    operation_id = "create_project",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key and body return the first response; another body is 422.")),
    request_body = CreateProjectRequest,
    responses(
        (status = 201, description = "Drawn up, in `draft`.", body = ProjectResponse,
            headers(("Location" = String, description = "URL of the project."), ("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The case file is closed.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (JSON Pointers such as `/objectives/0/target_date`).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/case-files/{case_file_id}/projects")]
pub async fn create_project(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<CreateProjectRequest>,
) -> Result<HttpResponse, ApiError> {
    let case_file_id = parse_id(&path, "case_file_id")?;
    let caller = authorize_project_work(&state, &caller, case_file_id, true).await?;
    let key = idempotency::key_of(&req)?;
    let (request, raw) = body.parse_raw().await?;
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        let today = now.date_naive();
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let file = file_of(c, case_file_id)?;
                let drafted_on = request.drafted_on.unwrap_or(today);
                let mut errors = ValidationErrors::new();
                let title = errors.collect("title", parse_title(&request.title));
                errors.collect(
                    "drafted_on",
                    check_drafted_on(drafted_on, file.opened_on, today),
                );
                if let Some(next) = request.next_review_on {
                    errors.collect("next_review_on", check_next_review(next, drafted_on));
                }
                let mut contents = Vec::with_capacity(request.objectives.len());
                for (i, objective) in request.objectives.iter().enumerate() {
                    match objective.content(drafted_on) {
                        Ok(content) => contents.push(content),
                        Err(e) => errors.extend_prefixed(&format!("objectives/{i}"), e),
                    }
                }
                let Some(title) = title.filter(|_| errors.is_empty()) else {
                    return Err(ApiError::from_domain(errors));
                };
                if file.status == CaseStatus::Closed {
                    return Err(ApiError::Conflict(
                        "the case file is closed: reopen it to draw up new projects".into(),
                    ));
                }
                let project = projects::insert(
                    c,
                    &NewProject {
                        case_file_id,
                        kind: request.kind.into(),
                        title,
                        drafted_on,
                        next_review_on: request.next_review_on,
                    },
                    caller.id(),
                    now,
                )?;
                let mut objectives = Vec::with_capacity(contents.len());
                for content in &contents {
                    objectives.push(projects::insert_objective(
                        c,
                        project.id,
                        content,
                        caller.id(),
                        now,
                    )?);
                }
                record(
                    c,
                    &caller,
                    "project.create",
                    "project",
                    project.id,
                    &file,
                    None,
                    serde_json::json!({ "kind": project.kind.as_str() }),
                )?;
                let response = project_response(&file, &project, &objectives);
                Ok(replayable(
                    StatusCode::CREATED,
                    &response,
                    Some(project_location(project.id)),
                    Some(project.version),
                ))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// Filters of the projects of a case file.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListProjectsQuery {
    /// Only projects in this status.
    pub status: Option<ProjectStatusCode>,
    /// Only projects of this kind.
    pub kind: Option<ProjectKindCode>,
}

/// The projects of a case file.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectList {
    /// Projects, oldest first.
    pub items: Vec<ProjectResponse>,
}

/// List the projects of a case file
///
/// Every project of the file with its objectives, oldest first, filtered by status and kind.
#[utoipa::path(
    tag = "projects",
    operation_id = "list_projects",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."), ListProjectsQuery),
    responses(
        (status = 200, description = "The projects.", body = ProjectList),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/case-files/{case_file_id}/projects")]
pub async fn list_projects(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let case_file_id = parse_id(&path, "case_file_id")?;
    let caller = authorize_project_work(&state, &caller, case_file_id, false).await?;
    let q = ValidQuery::<ListProjectsQuery>::parse(&req)?;
    let st = state.clone();
    let items = blocking(move || {
        transact(&st.db, |c| {
            let file = file_of(c, case_file_id)?;
            let found = projects::list(
                c,
                case_file_id,
                q.status.map(Into::into),
                q.kind.map(Into::into),
            )?;
            let mut items = Vec::with_capacity(found.len());
            for project in &found {
                let objectives = projects::objectives(c, project.id)?;
                items.push(project_response(&file, project, &objectives));
            }
            let returned: Vec<Uuid> = found.iter().map(|p| p.id).collect();
            record(
                c,
                &caller,
                "project.list",
                "case_file",
                case_file_id,
                &file,
                None,
                serde_json::json!({ "returned": returned }),
            )?;
            Ok(items)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(ProjectList { items }))
}

/// Read a project
///
/// One project with its objectives, the transitions allowed now and whether its review is
/// overdue.
#[utoipa::path(
    tag = "projects",
    operation_id = "get_project",
    params(("project_id" = Uuid, Path, description = "Project identifier.")),
    responses(
        (status = 200, description = "The project.", body = ProjectResponse,
            headers(("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No project with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects/{project_id}")]
pub async fn get_project(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let project_id = parse_id(&path, "project_id")?;
    let case_file_id = case_file_of_project(&state, project_id).await?;
    let caller = authorize_project_work(&state, &caller, case_file_id, false).await?;
    let st = state.clone();
    let response = blocking(move || {
        transact(&st.db, |c| {
            let response = render(c, project_id)?;
            let file = file_of(c, case_file_id)?;
            record(
                c,
                &caller,
                "project.read",
                "project",
                project_id,
                &file,
                None,
                serde_json::json!({}),
            )?;
            Ok(response)
        })
    })
    .await?;
    Ok(with_etag(response.version, &response))
}

/// A lifecycle transition to apply to a project.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"transition": "activate", "occurred_on": "2026-11-26", "next_review_on": "2027-02-26"}))]
pub struct ProjectTransitionBody {
    /// The transition: `activate` (from `draft`), `complete` or `interrupt` (from `active`).
    pub transition: ProjectTransitionCode,
    /// Day it takes effect (default today): not in the future, not before the project was
    /// drawn up (or started).
    pub occurred_on: Option<NaiveDate>,
    /// Why (1-2000 characters): required to `interrupt`, optional otherwise.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000, example = "The person moved to another region")]
    pub reason: Option<String>,
    /// To `activate` only: the first review day, after `occurred_on` (default: the one set on
    /// the draft; one of the two is required).
    pub next_review_on: Option<NaiveDate>,
}

/// Change the status of a project
///
/// `activate` needs at least one objective (409) and a next review date (422); `complete`
/// needs every objective in a final status (409); `interrupt` needs a reason (422). An illegal
/// transition is 409 listing the allowed ones. Requires `If-Match` with the project's ETag.
#[utoipa::path(
    tag = "projects",
    operation_id = "transition_project",
    params(("project_id" = Uuid, Path, description = "Project identifier."),
        ("If-Match" = String, Header, description = "The ETag of the project."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = ProjectTransitionBody,
    responses(
        (status = 200, description = "The project in its new status.", body = ProjectResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 404, description = "No project with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the current status (`allowed_transitions` lists what is), or the objectives do not allow it.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing reason or next review date, or a day out of order.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/projects/{project_id}/transitions")]
pub async fn transition_project(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<ProjectTransitionBody>,
) -> Result<HttpResponse, ApiError> {
    let project_id = parse_id(&path, "project_id")?;
    let case_file_id = case_file_of_project(&state, project_id).await?;
    let caller = authorize_project_work(&state, &caller, case_file_id, true).await?;
    let key = idempotency::key_of(&req)?;
    let (request, raw) = body.parse_raw().await?;
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let if_match = if_match_of(&req);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        let today = now.date_naive();
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let (file, project) = project_of(c, project_id)?;
                require_if_match(if_match.as_deref(), project.version)?;
                let statuses: Vec<ObjectiveStatus> = projects::objectives(c, project_id)?
                    .iter()
                    .map(|o| o.content.status)
                    .collect();
                let transition_request = ProjectTransitionRequest {
                    transition: request.transition.into(),
                    occurred_on: request.occurred_on.unwrap_or(today),
                    reason: request.reason.clone(),
                    next_review_on: request.next_review_on,
                };
                let change = change_project(&project, &statuses, &transition_request, today)
                    .map_err(change_error)?;
                touch(c, &project, caller.id(), now)?;
                let transition_record = ProjectTransitionRecord {
                    id: Uuid::now_v7(),
                    transition: transition_request.transition,
                    from: change.from,
                    to: change.to,
                    occurred_on: transition_request.occurred_on,
                    reason: change.reason.clone(),
                    author_id: caller.id(),
                    recorded_at: now,
                };
                projects::record_transition(c, project_id, &change, &transition_record)?;
                record(
                    c,
                    &caller,
                    &format!("project.{}", transition_request.transition.as_str()),
                    "project",
                    project_id,
                    &file,
                    None,
                    serde_json::json!({ "from": change.from.as_str(), "to": change.to.as_str() }),
                )?;
                let response = render(c, project_id)?;
                Ok(replayable(
                    StatusCode::OK,
                    &response,
                    None,
                    Some(response.version),
                ))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// A recorded transition of a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectTransitionResponse {
    /// Identifier.
    pub id: Uuid,
    /// The transition.
    pub transition: ProjectTransitionCode,
    /// Status before.
    pub from_status: ProjectStatusCode,
    /// Status after.
    pub to_status: ProjectStatusCode,
    /// Day it took effect.
    pub occurred_on: NaiveDate,
    /// Why.
    pub reason: Option<String>,
    /// Who recorded it.
    pub author_id: Uuid,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// The lifecycle history of a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectTransitionList {
    /// Transitions, oldest first.
    pub items: Vec<ProjectTransitionResponse>,
}

/// History of a project
///
/// Every status change of the project with its day, reason and author, oldest first.
#[utoipa::path(
    tag = "projects",
    operation_id = "list_project_transitions",
    params(("project_id" = Uuid, Path, description = "Project identifier.")),
    responses(
        (status = 200, description = "The history.", body = ProjectTransitionList),
        (status = 404, description = "No project with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects/{project_id}/transitions")]
pub async fn list_project_transitions(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let project_id = parse_id(&path, "project_id")?;
    let case_file_id = case_file_of_project(&state, project_id).await?;
    let caller = authorize_project_work(&state, &caller, case_file_id, false).await?;
    let st = state.clone();
    let items = blocking(move || {
        transact(&st.db, |c| {
            let (file, _) = project_of(c, project_id)?;
            let items = projects::transitions(c, project_id)?;
            record(
                c,
                &caller,
                "project.history.read",
                "project",
                project_id,
                &file,
                None,
                serde_json::json!({}),
            )?;
            Ok(items)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(ProjectTransitionList {
        items: items
            .iter()
            .map(|t| ProjectTransitionResponse {
                id: t.id,
                transition: t.transition.into(),
                from_status: t.from.into(),
                to_status: t.to.into(),
                occurred_on: t.occurred_on,
                reason: t.reason.clone(),
                author_id: t.author_id,
                recorded_at: t.recorded_at,
            })
            .collect(),
    }))
}

// ---------------------------------------------------------------------------------------------
// Objectives
// ---------------------------------------------------------------------------------------------

/// The objectives of a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectiveList {
    /// Objectives, oldest first.
    pub items: Vec<ObjectiveResponse>,
}

/// Add an objective
///
/// Adds an objective, in `planned`, to a draft or active project (409 once it has ended).
/// Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "projects",
    operation_id = "create_project_objective",
    params(("project_id" = Uuid, Path, description = "Project identifier."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = NewObjectiveRequest,
    responses(
        (status = 201, description = "Added.", body = ObjectiveResponse,
            headers(("Location" = String, description = "URL of the objective."), ("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No project with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The project has ended: it is read-only.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/projects/{project_id}/objectives")]
pub async fn create_project_objective(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<NewObjectiveRequest>,
) -> Result<HttpResponse, ApiError> {
    let project_id = parse_id(&path, "project_id")?;
    let case_file_id = case_file_of_project(&state, project_id).await?;
    let caller = authorize_project_work(&state, &caller, case_file_id, true).await?;
    let key = idempotency::key_of(&req)?;
    let (request, raw) = body.parse_raw().await?;
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let (file, project) = project_of(c, project_id)?;
                let content = request
                    .content(project.drafted_on)
                    .map_err(ApiError::from_domain)?;
                check_parts_editable(project.status).map_err(change_error)?;
                touch(c, &project, caller.id(), now)?;
                let objective =
                    projects::insert_objective(c, project_id, &content, caller.id(), now)?;
                record(
                    c,
                    &caller,
                    "project.objective.create",
                    "project_objective",
                    objective.id,
                    &file,
                    Some(project_id),
                    serde_json::json!({}),
                )?;
                Ok(replayable(
                    StatusCode::CREATED,
                    &ObjectiveResponse::from(&objective),
                    Some(format!(
                        "/api/v1/projects/{project_id}/objectives/{}",
                        objective.id
                    )),
                    Some(objective.version),
                ))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// List the objectives of a project
///
/// Every objective of the project, oldest first.
#[utoipa::path(
    tag = "projects",
    operation_id = "list_project_objectives",
    params(("project_id" = Uuid, Path, description = "Project identifier.")),
    responses(
        (status = 200, description = "The objectives.", body = ObjectiveList),
        (status = 404, description = "No project with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects/{project_id}/objectives")]
pub async fn list_project_objectives(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let project_id = parse_id(&path, "project_id")?;
    let case_file_id = case_file_of_project(&state, project_id).await?;
    let caller = authorize_project_work(&state, &caller, case_file_id, false).await?;
    let st = state.clone();
    let items = blocking(move || {
        transact(&st.db, |c| {
            let (file, _) = project_of(c, project_id)?;
            let items = projects::objectives(c, project_id)?;
            record(
                c,
                &caller,
                "project.objective.list",
                "project",
                project_id,
                &file,
                None,
                serde_json::json!({}),
            )?;
            Ok(items)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(ObjectiveList {
        items: items.iter().map(ObjectiveResponse::from).collect(),
    }))
}

fn no_objective() -> ApiError {
    ApiError::NotFound("no such objective in this project".into())
}

/// Read an objective
///
/// One objective of the project. An objective of another project is 404.
#[utoipa::path(
    tag = "projects",
    operation_id = "get_project_objective",
    params(("project_id" = Uuid, Path, description = "Project identifier."),
        ("objective_id" = Uuid, Path, description = "Objective identifier.")),
    responses(
        (status = 200, description = "The objective.", body = ObjectiveResponse,
            headers(("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No such project, or no such objective in it.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects/{project_id}/objectives/{objective_id}")]
pub async fn get_project_objective(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let project_id = parse_id(&path.0, "project_id")?;
    let objective_id = parse_id(&path.1, "objective_id")?;
    let case_file_id = case_file_of_project(&state, project_id).await?;
    let caller = authorize_project_work(&state, &caller, case_file_id, false).await?;
    let st = state.clone();
    let objective = blocking(move || {
        transact(&st.db, |c| {
            let (file, _) = project_of(c, project_id)?;
            let objective =
                projects::find_objective(c, project_id, objective_id)?.ok_or_else(no_objective)?;
            record(
                c,
                &caller,
                "project.objective.read",
                "project_objective",
                objective_id,
                &file,
                Some(project_id),
                serde_json::json!({}),
            )?;
            Ok(objective)
        })
    })
    .await?;
    Ok(with_etag(
        objective.version,
        &ObjectiveResponse::from(&objective),
    ))
}

/// The new content of an objective.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "domain": "housing",
    "description": "Find a stable room in shared housing",
    "target_date": "2027-06-30",
    "indicator": "Signed rental contract",
    "status": "in_progress"
}))]
pub struct UpdateObjectiveRequest {
    /// The domain of need it addresses.
    pub domain: AssessmentDomainCode,
    /// What is to be achieved (1-2000 characters).
    #[validate(length(min = 1, max = 2000))]
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "Find a stable room in shared housing"
    )]
    pub description: String,
    /// By when; not before the project was drawn up.
    pub target_date: NaiveDate,
    /// How achievement is measured (up to 500 characters).
    #[validate(length(max = 500))]
    #[schema(max_length = 500, example = "Signed rental contract")]
    pub indicator: Option<String>,
    /// The status.
    pub status: ObjectiveStatusCode,
}

/// Change an objective
///
/// Replaces the content and status of an objective of a draft or active project (409 once it
/// has ended). Requires `If-Match` with the objective's ETag.
#[utoipa::path(
    tag = "projects",
    operation_id = "update_project_objective",
    params(("project_id" = Uuid, Path, description = "Project identifier."),
        ("objective_id" = Uuid, Path, description = "Objective identifier."),
        ("If-Match" = String, Header, description = "The ETag of the objective."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = UpdateObjectiveRequest,
    responses(
        (status = 200, description = "The changed objective.", body = ObjectiveResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 404, description = "No such project, or no such objective in it.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The project has ended: it is read-only.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/projects/{project_id}/objectives/{objective_id}")]
pub async fn update_project_objective(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: JsonBody<UpdateObjectiveRequest>,
) -> Result<HttpResponse, ApiError> {
    let project_id = parse_id(&path.0, "project_id")?;
    let objective_id = parse_id(&path.1, "objective_id")?;
    let case_file_id = case_file_of_project(&state, project_id).await?;
    let caller = authorize_project_work(&state, &caller, case_file_id, true).await?;
    let key = idempotency::key_of(&req)?;
    let (request, raw) = body.parse_raw().await?;
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let if_match = if_match_of(&req);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let (file, project) = project_of(c, project_id)?;
                let objective = projects::find_objective(c, project_id, objective_id)?
                    .ok_or_else(no_objective)?;
                require_if_match(if_match.as_deref(), objective.version)?;
                let content = ObjectiveContent::parse(
                    request.domain.into(),
                    &request.description,
                    request.target_date,
                    request.indicator.as_deref(),
                    request.status.into(),
                    project.drafted_on,
                )
                .map_err(ApiError::from_domain)?;
                check_parts_editable(project.status).map_err(change_error)?;
                touch(c, &project, caller.id(), now)?;
                if !projects::update_objective(
                    c,
                    objective_id,
                    objective.version,
                    &content,
                    caller.id(),
                    now,
                )? {
                    return Err(ApiError::PreconditionFailed(
                        "the objective changed meanwhile; read it again and retry".into(),
                    ));
                }
                record(
                    c,
                    &caller,
                    "project.objective.update",
                    "project_objective",
                    objective_id,
                    &file,
                    Some(project_id),
                    serde_json::json!({ "status": content.status.as_str() }),
                )?;
                let updated = projects::find_objective(c, project_id, objective_id)?
                    .ok_or_else(no_objective)?;
                Ok(replayable(
                    StatusCode::OK,
                    &ObjectiveResponse::from(&updated),
                    None,
                    Some(updated.version),
                ))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

// ---------------------------------------------------------------------------------------------
// Participants
// ---------------------------------------------------------------------------------------------

/// A participant of a project.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ParticipantResponse {
    /// Identifier.
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// Who the participant is.
    pub kind: ParticipantKindCode,
    /// The person (kinds `person` and `household_member`).
    pub person_id: Option<Uuid>,
    /// The staff member (kind `staff`).
    pub staff_id: Option<Uuid>,
    /// The kind of external service (kind `external_service`), when known.
    pub service: Option<ExternalServiceCode>,
    /// The organisation (kind `external_service`).
    #[schema(example = "SerD di Trento")]
    pub organisation: Option<String>,
    /// Their role in the project.
    #[schema(example = "Supports the job search")]
    pub role: Option<String>,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Who added them.
    pub created_by: Uuid,
}

impl From<&Participant> for ParticipantResponse {
    fn from(p: &Participant) -> Self {
        let (person_id, staff_id, service, organisation) = match &p.who {
            ParticipantRef::Person(id) | ParticipantRef::HouseholdMember(id) => {
                (Some(*id), None, None, None)
            }
            ParticipantRef::Staff(id) => (None, Some(*id), None, None),
            ParticipantRef::ExternalService {
                service,
                organisation,
            } => (
                None,
                None,
                service.map(Into::into),
                Some(organisation.clone()),
            ),
        };
        Self {
            id: p.id,
            project_id: p.project_id,
            kind: p.who.kind().into(),
            person_id,
            staff_id,
            service,
            organisation,
            role: p.role.clone(),
            created_at: p.created_at,
            created_by: p.created_by,
        }
    }
}

/// A participant to add.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "external_service", "service": "addiction_service", "organisation": "SerD di Trento", "role": "Weekly meetings"}))]
pub struct CreateParticipantRequest {
    /// Who the participant is.
    pub kind: ParticipantKindCode,
    /// For `household_member` (required: a current member of the household of the person of
    /// the case file) and `person` (optional, must be the person of the case file).
    pub person_id: Option<Uuid>,
    /// For `staff` (required): an active user who works on cases.
    pub staff_id: Option<Uuid>,
    /// For `external_service` (optional): the kind of service.
    pub service: Option<ExternalServiceCode>,
    /// For `external_service` (required): the organisation (1-500 characters).
    #[validate(length(max = 500))]
    #[schema(max_length = 500, example = "SerD di Trento")]
    pub organisation: Option<String>,
    /// Their role in the project (up to 500 characters).
    #[validate(length(max = 500))]
    #[schema(max_length = 500, example = "Weekly meetings")]
    pub role: Option<String>,
}

/// The participants of a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantList {
    /// Participants, oldest first.
    pub items: Vec<ParticipantResponse>,
}

fn no_participant() -> ApiError {
    ApiError::NotFound("no such participant in this project".into())
}

/// Add a participant
///
/// Adds the person, a household member, a staff member or an external service to a draft or
/// active project (409 once it has ended). Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "projects",
    operation_id = "create_project_participant",
    params(("project_id" = Uuid, Path, description = "Project identifier."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = CreateParticipantRequest,
    responses(
        (status = 201, description = "Added.", body = ParticipantResponse,
            headers(("Location" = String, description = "URL of the participant."))),
        (status = 404, description = "No project with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The project has ended: it is read-only.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or an unknown person or staff member.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/projects/{project_id}/participants")]
pub async fn create_project_participant(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<CreateParticipantRequest>,
) -> Result<HttpResponse, ApiError> {
    let project_id = parse_id(&path, "project_id")?;
    let case_file_id = case_file_of_project(&state, project_id).await?;
    let caller = authorize_project_work(&state, &caller, case_file_id, true).await?;
    let key = idempotency::key_of(&req)?;
    let (request, raw) = body.parse_raw().await?;
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let (file, project) = project_of(c, project_id)?;
                let mut errors = ValidationErrors::new();
                let role = errors
                    .collect(
                        "role",
                        optional_text(request.role.as_deref(), SHORT_TEXT_MAX_CHARS),
                    )
                    .flatten();
                let who = match ParticipantRef::parse(
                    request.kind.into(),
                    request.person_id,
                    request.staff_id,
                    request.service.map(Into::into),
                    request.organisation.as_deref(),
                    file.person_id,
                ) {
                    Ok(who) => Some(who),
                    Err(e) => {
                        for error in e.errors() {
                            errors.push(error.clone());
                        }
                        None
                    }
                };
                match &who {
                    Some(ParticipantRef::HouseholdMember(person)) => {
                        let today = now.date_naive();
                        let home = households::household_of_person_on(c, file.person_id, today)?;
                        if persons::find(c, *person)?.is_none() {
                            errors.push(socialcare_domain::FieldError::new(
                                "person_id",
                                "no person with this id",
                            ));
                        } else if home.is_none()
                            || households::household_of_person_on(c, *person, today)? != home
                        {
                            errors.push(socialcare_domain::FieldError::new(
                                "person_id",
                                "not a current member of the household of the person of the \
                                 case file",
                            ));
                        }
                    }
                    Some(ParticipantRef::Staff(staff)) => match users::find(c, *staff)? {
                        Some(user) if user.active => {}
                        _ => errors.push(socialcare_domain::FieldError::new(
                            "staff_id",
                            "no active user with this id",
                        )),
                    },
                    _ => {}
                }
                let Some(who) = who.filter(|_| errors.is_empty()) else {
                    return Err(ApiError::from_domain(errors));
                };
                check_parts_editable(project.status).map_err(change_error)?;
                touch(c, &project, caller.id(), now)?;
                let participant =
                    projects::insert_participant(c, project_id, &who, role, caller.id(), now)?;
                record(
                    c,
                    &caller,
                    "project.participant.create",
                    "project_participant",
                    participant.id,
                    &file,
                    Some(project_id),
                    serde_json::json!({ "kind": who.kind().as_str() }),
                )?;
                Ok(replayable(
                    StatusCode::CREATED,
                    &ParticipantResponse::from(&participant),
                    Some(format!(
                        "/api/v1/projects/{project_id}/participants/{}",
                        participant.id
                    )),
                    None,
                ))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// List the participants of a project
///
/// Every participant of the project, oldest first.
#[utoipa::path(
    tag = "projects",
    operation_id = "list_project_participants",
    params(("project_id" = Uuid, Path, description = "Project identifier.")),
    responses(
        (status = 200, description = "The participants.", body = ParticipantList),
        (status = 404, description = "No project with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects/{project_id}/participants")]
pub async fn list_project_participants(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let project_id = parse_id(&path, "project_id")?;
    let case_file_id = case_file_of_project(&state, project_id).await?;
    let caller = authorize_project_work(&state, &caller, case_file_id, false).await?;
    let st = state.clone();
    let items = blocking(move || {
        transact(&st.db, |c| {
            let (file, _) = project_of(c, project_id)?;
            let items = projects::participants(c, project_id)?;
            record(
                c,
                &caller,
                "project.participant.list",
                "project",
                project_id,
                &file,
                None,
                serde_json::json!({}),
            )?;
            Ok(items)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(ParticipantList {
        items: items.iter().map(ParticipantResponse::from).collect(),
    }))
}

/// Read a participant
///
/// One participant of the project. A participant of another project is 404.
#[utoipa::path(
    tag = "projects",
    operation_id = "get_project_participant",
    params(("project_id" = Uuid, Path, description = "Project identifier."),
        ("participant_id" = Uuid, Path, description = "Participant identifier.")),
    responses(
        (status = 200, description = "The participant.", body = ParticipantResponse),
        (status = 404, description = "No such project, or no such participant in it.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects/{project_id}/participants/{participant_id}")]
pub async fn get_project_participant(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let project_id = parse_id(&path.0, "project_id")?;
    let participant_id = parse_id(&path.1, "participant_id")?;
    let case_file_id = case_file_of_project(&state, project_id).await?;
    let caller = authorize_project_work(&state, &caller, case_file_id, false).await?;
    let st = state.clone();
    let participant = blocking(move || {
        transact(&st.db, |c| {
            let (file, _) = project_of(c, project_id)?;
            let participant = projects::participants(c, project_id)?
                .into_iter()
                .find(|p| p.id == participant_id)
                .ok_or_else(no_participant)?;
            record(
                c,
                &caller,
                "project.participant.read",
                "project_participant",
                participant_id,
                &file,
                Some(project_id),
                serde_json::json!({}),
            )?;
            Ok(participant)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(ParticipantResponse::from(&participant)))
}

// ---------------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------------

/// An action of a project.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActionResponse {
    /// Identifier.
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// What is to be done.
    #[schema(example = "Accompany to the housing office")]
    pub description: String,
    /// The participant responsible for it.
    pub participant_id: Option<Uuid>,
    /// By when.
    pub due_on: Option<NaiveDate>,
    /// Status.
    pub status: ActionStatusCode,
    /// Day it was done.
    pub done_on: Option<NaiveDate>,
    /// Version, also sent as `ETag`; send it back in `If-Match` to change the action.
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

impl From<&ProjectAction> for ActionResponse {
    fn from(a: &ProjectAction) -> Self {
        Self {
            id: a.id,
            project_id: a.project_id,
            description: a.content.description.clone(),
            participant_id: a.content.participant_id,
            due_on: a.content.due_on,
            status: a.content.status.into(),
            done_on: a.content.done_on,
            version: a.version,
            created_at: a.created_at,
            created_by: a.created_by,
            updated_at: a.updated_at,
            updated_by: a.updated_by,
        }
    }
}

/// The content of an action (to add or to replace).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": "Accompany to the housing office", "due_on": "2027-01-15", "status": "planned"}))]
pub struct ActionRequest {
    /// What is to be done (1-2000 characters).
    #[validate(length(min = 1, max = 2000))]
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "Accompany to the housing office"
    )]
    pub description: String,
    /// The participant responsible for it: a participant of this project.
    pub participant_id: Option<Uuid>,
    /// By when; not before the project was drawn up.
    pub due_on: Option<NaiveDate>,
    /// Status (default `planned`).
    pub status: Option<ActionStatusCode>,
    /// Day it was done: required with `done`, refused otherwise; not in the future.
    pub done_on: Option<NaiveDate>,
}

impl ActionRequest {
    fn content(
        &self,
        conn: &mut AnyConnection,
        project: &Project,
        today: NaiveDate,
    ) -> Result<ActionContent, ApiError> {
        let checked = ActionContent::parse(
            &self.description,
            self.participant_id,
            self.due_on,
            self.status.map_or(
                socialcare_domain::project::ActionStatus::Planned,
                Into::into,
            ),
            self.done_on,
            project.drafted_on,
            today,
        );
        let mut errors = match &checked {
            Ok(_) => ValidationErrors::new(),
            Err(e) => e.clone(),
        };
        if let Some(participant) = self.participant_id
            && !projects::is_participant(conn, project.id, participant)?
        {
            errors.push(socialcare_domain::FieldError::new(
                "participant_id",
                "no such participant in this project",
            ));
        }
        match checked {
            Ok(content) if errors.is_empty() => Ok(content),
            _ => Err(ApiError::from_domain(errors)),
        }
    }
}

/// The actions of a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionList {
    /// Actions, oldest first.
    pub items: Vec<ActionResponse>,
}

fn no_action() -> ApiError {
    ApiError::NotFound("no such action in this project".into())
}

/// Add an action
///
/// Adds an action to a draft or active project (409 once it has ended). Send
/// `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "projects",
    operation_id = "create_project_action",
    params(("project_id" = Uuid, Path, description = "Project identifier."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = ActionRequest,
    responses(
        (status = 201, description = "Added.", body = ActionResponse,
            headers(("Location" = String, description = "URL of the action."), ("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No project with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The project has ended: it is read-only.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/projects/{project_id}/actions")]
pub async fn create_project_action(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<ActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let project_id = parse_id(&path, "project_id")?;
    let case_file_id = case_file_of_project(&state, project_id).await?;
    let caller = authorize_project_work(&state, &caller, case_file_id, true).await?;
    let key = idempotency::key_of(&req)?;
    let (request, raw) = body.parse_raw().await?;
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let (file, project) = project_of(c, project_id)?;
                let content = request.content(c, &project, now.date_naive())?;
                check_parts_editable(project.status).map_err(change_error)?;
                touch(c, &project, caller.id(), now)?;
                let action = projects::insert_action(c, project_id, &content, caller.id(), now)?;
                record(
                    c,
                    &caller,
                    "project.action.create",
                    "project_action",
                    action.id,
                    &file,
                    Some(project_id),
                    serde_json::json!({}),
                )?;
                Ok(replayable(
                    StatusCode::CREATED,
                    &ActionResponse::from(&action),
                    Some(format!(
                        "/api/v1/projects/{project_id}/actions/{}",
                        action.id
                    )),
                    Some(action.version),
                ))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// List the actions of a project
///
/// Every action of the project, oldest first.
#[utoipa::path(
    tag = "projects",
    operation_id = "list_project_actions",
    params(("project_id" = Uuid, Path, description = "Project identifier.")),
    responses(
        (status = 200, description = "The actions.", body = ActionList),
        (status = 404, description = "No project with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects/{project_id}/actions")]
pub async fn list_project_actions(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let project_id = parse_id(&path, "project_id")?;
    let case_file_id = case_file_of_project(&state, project_id).await?;
    let caller = authorize_project_work(&state, &caller, case_file_id, false).await?;
    let st = state.clone();
    let items = blocking(move || {
        transact(&st.db, |c| {
            let (file, _) = project_of(c, project_id)?;
            let items = projects::actions(c, project_id)?;
            record(
                c,
                &caller,
                "project.action.list",
                "project",
                project_id,
                &file,
                None,
                serde_json::json!({}),
            )?;
            Ok(items)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(ActionList {
        items: items.iter().map(ActionResponse::from).collect(),
    }))
}

/// Read an action
///
/// One action of the project. An action of another project is 404.
#[utoipa::path(
    tag = "projects",
    operation_id = "get_project_action",
    params(("project_id" = Uuid, Path, description = "Project identifier."),
        ("action_id" = Uuid, Path, description = "Action identifier.")),
    responses(
        (status = 200, description = "The action.", body = ActionResponse,
            headers(("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No such project, or no such action in it.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects/{project_id}/actions/{action_id}")]
pub async fn get_project_action(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let project_id = parse_id(&path.0, "project_id")?;
    let action_id = parse_id(&path.1, "action_id")?;
    let case_file_id = case_file_of_project(&state, project_id).await?;
    let caller = authorize_project_work(&state, &caller, case_file_id, false).await?;
    let st = state.clone();
    let action = blocking(move || {
        transact(&st.db, |c| {
            let (file, _) = project_of(c, project_id)?;
            let action = projects::find_action(c, project_id, action_id)?.ok_or_else(no_action)?;
            record(
                c,
                &caller,
                "project.action.read",
                "project_action",
                action_id,
                &file,
                Some(project_id),
                serde_json::json!({}),
            )?;
            Ok(action)
        })
    })
    .await?;
    Ok(with_etag(action.version, &ActionResponse::from(&action)))
}

/// Change an action
///
/// Replaces the content and status of an action of a draft or active project (409 once it has
/// ended). Requires `If-Match` with the action's ETag.
#[utoipa::path(
    tag = "projects",
    operation_id = "update_project_action",
    params(("project_id" = Uuid, Path, description = "Project identifier."),
        ("action_id" = Uuid, Path, description = "Action identifier."),
        ("If-Match" = String, Header, description = "The ETag of the action."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = ActionRequest,
    responses(
        (status = 200, description = "The changed action.", body = ActionResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 404, description = "No such project, or no such action in it.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The project has ended: it is read-only.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/projects/{project_id}/actions/{action_id}")]
pub async fn update_project_action(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: JsonBody<ActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let project_id = parse_id(&path.0, "project_id")?;
    let action_id = parse_id(&path.1, "action_id")?;
    let case_file_id = case_file_of_project(&state, project_id).await?;
    let caller = authorize_project_work(&state, &caller, case_file_id, true).await?;
    let key = idempotency::key_of(&req)?;
    let (request, raw) = body.parse_raw().await?;
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let if_match = if_match_of(&req);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let (file, project) = project_of(c, project_id)?;
                let action =
                    projects::find_action(c, project_id, action_id)?.ok_or_else(no_action)?;
                require_if_match(if_match.as_deref(), action.version)?;
                let content = request.content(c, &project, now.date_naive())?;
                check_parts_editable(project.status).map_err(change_error)?;
                touch(c, &project, caller.id(), now)?;
                if !projects::update_action(
                    c,
                    action_id,
                    action.version,
                    &content,
                    caller.id(),
                    now,
                )? {
                    return Err(ApiError::PreconditionFailed(
                        "the action changed meanwhile; read it again and retry".into(),
                    ));
                }
                record(
                    c,
                    &caller,
                    "project.action.update",
                    "project_action",
                    action_id,
                    &file,
                    Some(project_id),
                    serde_json::json!({ "status": content.status.as_str() }),
                )?;
                let updated =
                    projects::find_action(c, project_id, action_id)?.ok_or_else(no_action)?;
                Ok(replayable(
                    StatusCode::OK,
                    &ActionResponse::from(&updated),
                    None,
                    Some(updated.version),
                ))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

// ---------------------------------------------------------------------------------------------
// Reviews
// ---------------------------------------------------------------------------------------------

/// The outcome of a review for one objective.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewOutcomeBody {
    /// The objective (of this project).
    pub objective_id: Uuid,
    /// Its status after the review.
    pub status: ObjectiveStatusCode,
    /// A note on it (up to 2000 characters).
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000, example = "Room found, contract signed")]
    pub note: Option<String>,
}

/// A review (verifica) of a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewResponse {
    /// Identifier.
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// Day of the review.
    pub reviewed_on: NaiveDate,
    /// Outcome per objective.
    pub outcomes: Vec<ReviewOutcomeBody>,
    /// Notes.
    #[schema(example = "Good progress on housing; employment still open")]
    pub notes: Option<String>,
    /// The next review day it set.
    pub next_review_on: NaiveDate,
    /// Who recorded it.
    pub author_id: Uuid,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

impl From<&Review> for ReviewResponse {
    fn from(r: &Review) -> Self {
        Self {
            id: r.id,
            project_id: r.project_id,
            reviewed_on: r.reviewed_on,
            outcomes: r
                .outcomes
                .iter()
                .map(|o| ReviewOutcomeBody {
                    objective_id: o.objective_id,
                    status: o.status.into(),
                    note: o.note.clone(),
                })
                .collect(),
            notes: r.notes.clone(),
            next_review_on: r.next_review_on,
            author_id: r.author_id,
            recorded_at: r.recorded_at,
        }
    }
}

/// A review to record.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "reviewed_on": "2026-11-26",
    "outcomes": [{"objective_id": "01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e5f", "status": "in_progress", "note": "Two flats visited"}],
    "notes": "Good progress on housing; employment still open",
    "next_review_on": "2027-02-26"
}))]
pub struct CreateReviewRequest {
    /// Day of the review (default today): not in the future, not before the project started.
    pub reviewed_on: Option<NaiveDate>,
    /// Outcome per objective (up to 50; each objective at most once). The objectives take the
    /// status given here.
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub outcomes: Vec<ReviewOutcomeBody>,
    /// Notes (up to 10,000 characters).
    #[validate(length(max = 10000))]
    #[schema(
        max_length = 10000,
        example = "Good progress on housing; employment still open"
    )]
    pub notes: Option<String>,
    /// The next review day: after `reviewed_on`.
    pub next_review_on: NaiveDate,
}

/// The reviews of a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewList {
    /// Reviews, newest first.
    pub items: Vec<ReviewResponse>,
}

/// Record a review
///
/// Records a review of an active project (409 otherwise): the outcome per objective (which
/// sets the objectives' statuses), notes and the next review day, which becomes the project's.
/// Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "projects",
    operation_id = "create_project_review",
    params(("project_id" = Uuid, Path, description = "Project identifier."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = CreateReviewRequest,
    responses(
        (status = 201, description = "Recorded.", body = ReviewResponse,
            headers(("Location" = String, description = "URL of the review."))),
        (status = 404, description = "No project with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The project is not active.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, e.g. an objective of another project at `/outcomes/0/objective_id`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/projects/{project_id}/reviews")]
pub async fn create_project_review(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<CreateReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let project_id = parse_id(&path, "project_id")?;
    let case_file_id = case_file_of_project(&state, project_id).await?;
    let caller = authorize_project_work(&state, &caller, case_file_id, true).await?;
    let key = idempotency::key_of(&req)?;
    let (request, raw) = body.parse_raw().await?;
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        let today = now.date_naive();
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let (file, project) = project_of(c, project_id)?;
                let objective_ids: Vec<Uuid> = projects::objectives(c, project_id)?
                    .iter()
                    .map(|o| o.id)
                    .collect();
                let outcomes: Vec<(Uuid, ObjectiveStatus, Option<String>)> = request
                    .outcomes
                    .iter()
                    .map(|o| (o.objective_id, o.status.into(), o.note.clone()))
                    .collect();
                let reviewed_on = request.reviewed_on.unwrap_or(today);
                let (notes, outcomes) = check_review(
                    &project,
                    &objective_ids,
                    reviewed_on,
                    request.next_review_on,
                    &outcomes,
                    request.notes.as_deref(),
                    today,
                )
                .map_err(change_error)?;
                touch(c, &project, caller.id(), now)?;
                let review = projects::insert_review(
                    c,
                    project_id,
                    reviewed_on,
                    notes,
                    request.next_review_on,
                    &outcomes,
                    caller.id(),
                    now,
                )?;
                record(
                    c,
                    &caller,
                    "project.review.create",
                    "project_review",
                    review.id,
                    &file,
                    Some(project_id),
                    serde_json::json!({ "next_review_on": review.next_review_on }),
                )?;
                Ok(replayable(
                    StatusCode::CREATED,
                    &ReviewResponse::from(&review),
                    Some(format!(
                        "/api/v1/projects/{project_id}/reviews/{}",
                        review.id
                    )),
                    None,
                ))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// List the reviews of a project
///
/// Every review of the project with its outcomes, newest first.
#[utoipa::path(
    tag = "projects",
    operation_id = "list_project_reviews",
    params(("project_id" = Uuid, Path, description = "Project identifier.")),
    responses(
        (status = 200, description = "The reviews.", body = ReviewList),
        (status = 404, description = "No project with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects/{project_id}/reviews")]
pub async fn list_project_reviews(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let project_id = parse_id(&path, "project_id")?;
    let case_file_id = case_file_of_project(&state, project_id).await?;
    let caller = authorize_project_work(&state, &caller, case_file_id, false).await?;
    let st = state.clone();
    let items = blocking(move || {
        transact(&st.db, |c| {
            let (file, _) = project_of(c, project_id)?;
            let items = projects::reviews(c, project_id)?;
            record(
                c,
                &caller,
                "project.review.list",
                "project",
                project_id,
                &file,
                None,
                serde_json::json!({}),
            )?;
            Ok(items)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(ReviewList {
        items: items.iter().map(ReviewResponse::from).collect(),
    }))
}

/// Read a review
///
/// One review of the project with its outcomes. A review of another project is 404.
#[utoipa::path(
    tag = "projects",
    operation_id = "get_project_review",
    params(("project_id" = Uuid, Path, description = "Project identifier."),
        ("review_id" = Uuid, Path, description = "Review identifier.")),
    responses(
        (status = 200, description = "The review.", body = ReviewResponse),
        (status = 404, description = "No such project, or no such review in it.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects/{project_id}/reviews/{review_id}")]
pub async fn get_project_review(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let project_id = parse_id(&path.0, "project_id")?;
    let review_id = parse_id(&path.1, "review_id")?;
    let case_file_id = case_file_of_project(&state, project_id).await?;
    let caller = authorize_project_work(&state, &caller, case_file_id, false).await?;
    let st = state.clone();
    let review = blocking(move || {
        transact(&st.db, |c| {
            let (file, _) = project_of(c, project_id)?;
            let review = projects::find_review(c, project_id, review_id)?
                .ok_or_else(|| ApiError::NotFound("no such review in this project".into()))?;
            record(
                c,
                &caller,
                "project.review.read",
                "project_review",
                review_id,
                &file,
                Some(project_id),
                serde_json::json!({}),
            )?;
            Ok(review)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(ReviewResponse::from(&review)))
}
