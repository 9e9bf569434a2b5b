//! The objectives of a project.

use super::*;

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
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub target_date: NaiveDate,
    /// How achievement is measured (up to 500 characters).
    #[validate(length(max = 500))]
    #[schema(max_length = 500, example = "Signed rental contract")]
    pub indicator: Option<String>,
}

impl NewObjectiveRequest {
    pub(super) fn content(
        &self,
        drafted_on: NaiveDate,
    ) -> Result<ObjectiveContent, ValidationErrors> {
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
        IdempotencyKeyHeader),
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
    id: Id<ProjectId>,
    body: Body<NewObjectiveRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::WriteCaseContent,
        "project.objective.create",
        "project_objective",
    );
    case_work::write(
        &state,
        caller,
        &req,
        project_target(id.0),
        op,
        body,
        move |work, request, _| {
            let (now, actor) = (work.now(), work.actor());
            let (_, project) = project_of(work.conn(), id.0.uuid())?;
            let content = request
                .content(project.drafted_on)
                .map_err(ApiError::from_domain)?;
            check_parts_editable(project.status).map_err(change_error)?;
            touch(work.conn(), &project, actor, now)?;
            let objective =
                projects::insert_objective(work.conn(), project.id, &content, actor, now)?;
            work.resource(objective.id).detail("project_id", project.id);
            Ok(Answer::created(
                &ObjectiveResponse::from(&objective),
                format!(
                    "/api/v1/projects/{}/objectives/{}",
                    project.id, objective.id
                ),
                Some(objective.version),
            ))
        },
    )
    .await
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
    req: HttpRequest,
    id: Id<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "project.objective.list", "project");
    let items = case_work::read(
        &state,
        caller,
        &req,
        project_target(id.0),
        op,
        move |work, _: NoQuery| Ok(projects::objectives(work.conn(), id.0.uuid())?),
    )
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
    req: HttpRequest,
    id: Id<ProjectId>,
    objective_id: Id<ObjectiveId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadCaseFile,
        "project.objective.read",
        "project_objective",
    );
    let objective = case_work::read(
        &state,
        caller,
        &req,
        project_target(id.0),
        op,
        move |work, _: NoQuery| {
            let objective =
                projects::find_objective(work.conn(), id.0.uuid(), objective_id.0.uuid())?
                    .ok_or_else(no_objective)?;
            work.resource(objective.id)
                .detail("project_id", id.0.uuid());
            Ok(objective)
        },
    )
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
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
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
        IfMatchHeader,
        IdempotencyKeyHeader),
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
    id: Id<ProjectId>,
    objective_id: Id<ObjectiveId>,
    body: Body<UpdateObjectiveRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::WriteCaseContent,
        "project.objective.update",
        "project_objective",
    );
    case_work::write(
        &state,
        caller,
        &req,
        project_target(id.0),
        op,
        body,
        move |work, request, if_match| {
            let (now, actor) = (work.now(), work.actor());
            let (project_id, objective_id) = (id.0.uuid(), objective_id.0.uuid());
            let (_, project) = project_of(work.conn(), project_id)?;
            let objective = projects::find_objective(work.conn(), project_id, objective_id)?
                .ok_or_else(no_objective)?;
            if_match.check(objective.version)?;
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
            touch(work.conn(), &project, actor, now)?;
            if !projects::update_objective(
                work.conn(),
                objective_id,
                objective.version,
                &content,
                actor,
                now,
            )? {
                return Err(ApiError::PreconditionFailed(
                    "the objective changed meanwhile; read it again and retry".into(),
                ));
            }
            work.resource(objective_id)
                .detail("project_id", project_id)
                .detail("status", content.status.as_str());
            let updated = projects::find_objective(work.conn(), project_id, objective_id)?
                .ok_or_else(no_objective)?;
            Ok(Answer::ok(
                &ObjectiveResponse::from(&updated),
                Some(updated.version),
            ))
        },
    )
    .await
}
