//! The participants of a project: the person, household members, staff, external services.

use super::*;

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
        IdempotencyKeyHeader),
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
    id: Id<ProjectId>,
    body: Body<CreateParticipantRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::WriteCaseContent,
        "project.participant.create",
        "project_participant",
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
            let (file, project) = project_of(work.conn(), id.0.uuid())?;
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
                    let facts =
                        households::participant_facts(work.conn(), file.person_id, *person, today)?;
                    errors.collect("person_id", check_household_participant(&facts));
                }
                Some(ParticipantRef::Staff(staff)) => {
                    let active = users::find(work.conn(), *staff)?.is_some_and(|u| u.active);
                    errors.collect("staff_id", check_staff_participant(active));
                }
                _ => {}
            }
            let Some(who) = who.filter(|_| errors.is_empty()) else {
                return Err(ApiError::from_domain(errors));
            };
            check_parts_editable(project.status).map_err(change_error)?;
            touch(work.conn(), &project, actor, now)?;
            let participant =
                projects::insert_participant(work.conn(), project.id, &who, role, actor, now)?;
            if let ParticipantRef::HouseholdMember(person) = &who {
                work.shows([*person]);
            }
            work.resource(participant.id)
                .detail("project_id", project.id)
                .detail("kind", who.kind().as_str());
            Ok(Answer::created(
                &ParticipantResponse::from(&participant),
                format!(
                    "/api/v1/projects/{}/participants/{}",
                    project.id, participant.id
                ),
                None,
            ))
        },
    )
    .await
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
    req: HttpRequest,
    id: Id<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "project.participant.list", "project");
    let items = case_work::read(
        &state,
        caller,
        &req,
        project_target(id.0),
        op,
        move |work, _: NoQuery| {
            let items = projects::participants(work.conn(), id.0.uuid())?;
            work.shows(items.iter().filter_map(participant_person));
            Ok(items)
        },
    )
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
    req: HttpRequest,
    id: Id<ProjectId>,
    participant_id: Id<ParticipantId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadCaseFile,
        "project.participant.read",
        "project_participant",
    );
    let participant = case_work::read(
        &state,
        caller,
        &req,
        project_target(id.0),
        op,
        move |work, _: NoQuery| {
            let participant = projects::participants(work.conn(), id.0.uuid())?
                .into_iter()
                .find(|p| p.id == participant_id.0.uuid())
                .ok_or_else(no_participant)?;
            work.shows(participant_person(&participant));
            work.resource(participant.id)
                .detail("project_id", id.0.uuid());
            Ok(participant)
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(ParticipantResponse::from(&participant)))
}
