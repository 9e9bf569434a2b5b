//! The actions of a project.

use super::*;

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
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub due_on: Option<NaiveDate>,
    /// Status (default `planned`).
    pub status: Option<ActionStatusCode>,
    /// Day it was done: required with `done`, refused otherwise; not in the future.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub done_on: Option<NaiveDate>,
}

impl ActionRequest {
    pub(super) fn content(
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
        IdempotencyKeyHeader),
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
    id: Id<ProjectId>,
    body: Body<ActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::WriteCaseContent,
        "project.action.create",
        "project_action",
    );
    case_work::write(
        &state,
        caller,
        &req,
        project_target(id.0),
        op,
        body,
        move |work, request, _| {
            let (today, now, actor) = (work.today(), work.now(), work.actor());
            let (_, project) = project_of(work.conn(), id.0.uuid())?;
            let content = request.content(work.conn(), &project, today)?;
            check_parts_editable(project.status).map_err(change_error)?;
            touch(work.conn(), &project, actor, now)?;
            let action = projects::insert_action(work.conn(), project.id, &content, actor, now)?;
            work.resource(action.id).detail("project_id", project.id);
            Ok(Answer::created(
                &ActionResponse::from(&action),
                format!("/api/v1/projects/{}/actions/{}", project.id, action.id),
                Some(action.version),
            ))
        },
    )
    .await
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
    req: HttpRequest,
    id: Id<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "project.action.list", "project");
    let items = case_work::read(
        &state,
        caller,
        &req,
        project_target(id.0),
        op,
        move |work, _: NoQuery| Ok(projects::actions(work.conn(), id.0.uuid())?),
    )
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
    req: HttpRequest,
    id: Id<ProjectId>,
    action_id: Id<ActionId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadCaseFile,
        "project.action.read",
        "project_action",
    );
    let action = case_work::read(
        &state,
        caller,
        &req,
        project_target(id.0),
        op,
        move |work, _: NoQuery| {
            let action = projects::find_action(work.conn(), id.0.uuid(), action_id.0.uuid())?
                .ok_or_else(no_action)?;
            work.resource(action.id).detail("project_id", id.0.uuid());
            Ok(action)
        },
    )
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
        IfMatchHeader,
        IdempotencyKeyHeader),
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
    id: Id<ProjectId>,
    action_id: Id<ActionId>,
    body: Body<ActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::WriteCaseContent,
        "project.action.update",
        "project_action",
    );
    case_work::write(
        &state,
        caller,
        &req,
        project_target(id.0),
        op,
        body,
        move |work, request, if_match| {
            let (today, now, actor) = (work.today(), work.now(), work.actor());
            let (project_id, action_id) = (id.0.uuid(), action_id.0.uuid());
            let (_, project) = project_of(work.conn(), project_id)?;
            let action =
                projects::find_action(work.conn(), project_id, action_id)?.ok_or_else(no_action)?;
            if_match.check(action.version)?;
            let content = request.content(work.conn(), &project, today)?;
            check_parts_editable(project.status).map_err(change_error)?;
            touch(work.conn(), &project, actor, now)?;
            if !projects::update_action(
                work.conn(),
                action_id,
                action.version,
                &content,
                actor,
                now,
            )? {
                return Err(ApiError::PreconditionFailed(
                    "the action changed meanwhile; read it again and retry".into(),
                ));
            }
            work.resource(action_id)
                .detail("project_id", project_id)
                .detail("status", content.status.as_str());
            let updated =
                projects::find_action(work.conn(), project_id, action_id)?.ok_or_else(no_action)?;
            Ok(Answer::ok(
                &ActionResponse::from(&updated),
                Some(updated.version),
            ))
        },
    )
    .await
}
