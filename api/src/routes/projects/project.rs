//! The projects of a case file: drawing up, listing, reading, lifecycle and history.

use super::*;

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
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub drafted_on: Option<NaiveDate>,
    /// The first review day, if already agreed: after `drafted_on`. Required to activate.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
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
        IdempotencyKeyHeader),
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
    id: Id<CaseFileId>,
    body: Body<CreateProjectRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::WriteCaseContent, "project.create", "project");
    case_work::write(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        body,
        |work, request, _| {
            let today = work.today();
            let case_file_id = work.case_file_id()?;
            let file = file_of(work.conn(), case_file_id)?;
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
            check_takes_new_work(file.status, "draw up new projects")
                .map_err(ApiError::Conflict)?;
            let (actor, now) = (work.actor(), work.now());
            let new = NewProject {
                case_file_id: file.id,
                kind: request.kind.into(),
                title,
                drafted_on,
                next_review_on: request.next_review_on,
            };
            let project = projects::insert(work.conn(), &new, actor, now)?;
            let mut objectives = Vec::with_capacity(contents.len());
            for content in &contents {
                objectives.push(projects::insert_objective(
                    work.conn(),
                    project.id,
                    content,
                    actor,
                    now,
                )?);
            }
            work.resource(project.id)
                .detail("kind", project.kind.as_str());
            let response = project_response(&file, &project, &objectives);
            Ok(Answer::created(
                &response,
                project_location(project.id),
                Some(project.version),
            ))
        },
    )
    .await
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
    id: Id<CaseFileId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "project.list", "case_file");
    let items = case_work::read(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        |work, q: ListProjectsQuery| {
            let case_file_id = work.case_file_id()?;
            let file = file_of(work.conn(), case_file_id)?;
            let found = projects::list(
                work.conn(),
                file.id,
                q.status.map(Into::into),
                q.kind.map(Into::into),
            )?;
            let mut items = Vec::with_capacity(found.len());
            for project in &found {
                let objectives = projects::objectives(work.conn(), project.id)?;
                items.push(project_response(&file, project, &objectives));
            }
            let returned: Vec<Uuid> = found.iter().map(|p| p.id).collect();
            work.detail("returned", returned);
            Ok(items)
        },
    )
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
    req: HttpRequest,
    id: Id<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "project.read", "project");
    let response = case_work::read(
        &state,
        caller,
        &req,
        project_target(id.0),
        op,
        move |work, _: NoQuery| render(work.conn(), id.0.uuid()),
    )
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
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub occurred_on: Option<NaiveDate>,
    /// Why (1-2000 characters): required to `interrupt`, optional otherwise.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000, example = "The person moved to another region")]
    pub reason: Option<String>,
    /// To `activate` only: the first review day, after `occurred_on` (default: the one set on
    /// the draft; one of the two is required).
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
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
        IfMatchHeader,
        IdempotencyKeyHeader),
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
    id: Id<ProjectId>,
    body: Body<ProjectTransitionBody>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::WriteCaseContent, "project.transition", "project");
    case_work::write(
        &state,
        caller,
        &req,
        project_target(id.0),
        op,
        body,
        move |work, request, if_match| {
            let (today, now, actor) = (work.today(), work.now(), work.actor());
            let (_, project) = project_of(work.conn(), id.0.uuid())?;
            if_match.check(project.version)?;
            let statuses: Vec<ObjectiveStatus> = projects::objectives(work.conn(), project.id)?
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
            touch(work.conn(), &project, actor, now)?;
            let transition_record = ProjectTransitionRecord {
                id: Uuid::now_v7(),
                transition: transition_request.transition,
                from: change.from,
                to: change.to,
                occurred_on: transition_request.occurred_on,
                reason: change.reason.clone(),
                author_id: actor,
                recorded_at: now,
            };
            projects::record_transition(work.conn(), project.id, &change, &transition_record)?;
            work.event(format!(
                "project.{}",
                transition_request.transition.as_str()
            ))
            .detail("from", change.from.as_str())
            .detail("to", change.to.as_str());
            let response = render(work.conn(), project.id)?;
            Ok(Answer::ok(&response, Some(response.version)))
        },
    )
    .await
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
    req: HttpRequest,
    id: Id<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "project.history.read", "project");
    let items = case_work::read(
        &state,
        caller,
        &req,
        project_target(id.0),
        op,
        move |work, _: NoQuery| Ok(projects::transitions(work.conn(), id.0.uuid())?),
    )
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
