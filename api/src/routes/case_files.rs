//! Case files (cartelle sociali): open, read, list, lifecycle, target groups, team.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::access::{Action, CaseListScope, Resource, case_list_scope, decide};
use socialcare_domain::calendar;
use socialcare_domain::case_file::{
    CaseFile, CaseStatus, TeamAssignment, TeamMember, TeamRole, TransitionRecord, apply,
    check_team_assignment, check_transition_request, needs_confirmation,
};
use socialcare_domain::{Area, Role};
use socialcare_persistence::audit::{self, Outcome};
use socialcare_persistence::case_files::{self, CaseFileQuery, NewCaseFile, Visibility};
use socialcare_persistence::{AnyConnection, StoreError, persons, users};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::conditional::IfMatchHeader;
use crate::conditional::{etag, if_match_of, require_if_match};
use crate::error::{ApiError, Problem, blocking, transact};
use crate::extract::{JsonBody, ValidQuery};
use crate::guard;
use crate::idempotency::IdempotencyKeyHeader;
use crate::idempotency::{self, Replayable};
use crate::routes::codes::{
    CaseStatusCode, CaseTransitionCode, ClosingReasonCode, TargetGroupCode, TeamRoleCode,
};
use crate::routes::users::AreaCode;
use crate::state::AppState;

/// A case file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseFileResponse {
    /// Identifier.
    pub id: Uuid,
    /// Human-readable reference, unique per year.
    #[schema(example = "CS-2026-000123")]
    pub reference: String,
    /// The person taken in charge.
    pub person_id: Uuid,
    /// The area that owns the file.
    pub area: AreaCode,
    /// Current status.
    pub status: CaseStatusCode,
    /// Transitions allowed from the current status.
    pub allowed_transitions: Vec<CaseTransitionCode>,
    /// The current case manager (user id).
    pub case_manager_id: Option<Uuid>,
    /// Day the file was opened.
    pub opened_on: NaiveDate,
    /// Day the file was closed, while closed.
    pub closed_on: Option<NaiveDate>,
    /// Why it was closed, while closed.
    pub closing_reason: Option<ClosingReasonCode>,
    /// Target groups.
    pub target_groups: Vec<TargetGroupCode>,
    /// Version, also sent as `ETag`; send it back in `If-Match` to change the file.
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
    /// When the taking in charge was confirmed; null while the file waits for the coordinator
    /// of its area (a file opened by a social worker for a person another area has in charge:
    /// until then its team does not reach the person's special categories). See
    /// `POST /case-files/{case_file_id}/confirmation`.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// Who confirmed it (the opener when no confirmation was needed).
    pub confirmed_by: Option<Uuid>,
}

pub(crate) fn response_of(file: &CaseFile, case_manager_id: Option<Uuid>) -> CaseFileResponse {
    CaseFileResponse {
        id: file.id,
        reference: file.reference.as_str().to_owned(),
        person_id: file.person_id,
        area: file.area.into(),
        status: file.status.into(),
        allowed_transitions: file
            .status
            .allowed_transitions()
            .into_iter()
            .map(Into::into)
            .collect(),
        case_manager_id,
        opened_on: file.opened_on,
        closed_on: file.closed_on,
        closing_reason: file.closing_reason.map(Into::into),
        target_groups: file.target_groups.iter().copied().map(Into::into).collect(),
        version: file.version,
        created_at: file.created_at,
        created_by: file.created_by,
        updated_at: file.updated_at,
        updated_by: file.updated_by,
        confirmed_at: file.confirmed_at,
        confirmed_by: file.confirmed_by,
    }
}

/// Loads a file with its current case manager and renders it.
pub(crate) fn render(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<(CaseFile, CaseFileResponse)>, StoreError> {
    let today = calendar::today(Utc::now());
    let manager = case_files::current_case_managers(conn, &[id], today)?
        .get(&id)
        .copied();
    render_with_manager(conn, id, manager)
}

/// [`render`] when the current case manager is already known: the guard read the file's current
/// team in the same transaction (`CaseFacts::case_manager`), so a plain read does not read it
/// again. After a change of the team, use [`render`].
fn render_with_manager(
    conn: &mut AnyConnection,
    id: Uuid,
    manager: Option<Uuid>,
) -> Result<Option<(CaseFile, CaseFileResponse)>, StoreError> {
    let Some(file) = case_files::find(conn, id)? else {
        return Ok(None);
    };
    let response = response_of(&file, manager);
    Ok(Some((file, response)))
}

fn replayable(status: StatusCode, response: &CaseFileResponse, location: bool) -> Replayable {
    Replayable {
        status,
        body: serde_json::to_value(response).unwrap_or_default(),
        location: location.then(|| format!("/api/v1/case-files/{}", response.id)),
        etag: Some(etag(response.version)),
        replayed: false,
    }
}

fn parse_id(raw: &str, name: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::bad_parameter(name, "must be a UUID"))
}

fn not_found() -> ApiError {
    ApiError::NotFound("no case file with this id".into())
}

/// Checks that a user may work on cases (active, with a case-working role), and, when `area`
/// is given, that they hold `role` in that area.
fn check_staff(
    conn: &mut AnyConnection,
    staff_id: Uuid,
    pointer: &str,
    required: Option<(Role, Area)>,
) -> Result<Option<ApiError>, StoreError> {
    let Some(user) = users::find(conn, staff_id)? else {
        return Ok(Some(ApiError::invalid_field(
            pointer,
            "no user with this id",
        )));
    };
    if !user.active {
        return Ok(Some(ApiError::invalid_field(
            pointer,
            "the account is disabled",
        )));
    }
    if !socialcare_domain::access::permits(user.profile.roles(), Action::WriteCaseContent) {
        return Ok(Some(ApiError::invalid_field(
            pointer,
            "this user does not work on cases",
        )));
    }
    if let Some((role, area)) = required
        && (!user.profile.has_role(role) || !user.profile.areas().contains(&area))
    {
        return Ok(Some(ApiError::invalid_field(
            pointer,
            format!("must be a {role} of the area {area}"),
        )));
    }
    Ok(None)
}

/// Finds a file, checks `If-Match` and takes the optimistic lock (bumps the version).
fn lock_for_change(
    conn: &mut AnyConnection,
    id: Uuid,
    if_match: Option<&str>,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<CaseFile, ApiError> {
    let Some(file) = case_files::find(conn, id)? else {
        return Err(not_found());
    };
    require_if_match(if_match, file.version)?;
    if !case_files::bump_version(conn, id, file.version, actor, now)? {
        return Err(ApiError::PreconditionFailed(
            "the case file changed meanwhile; read it again and retry".into(),
        ));
    }
    Ok(file)
}

/// A new case file.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "person_id": "01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e5f",
    "area": "social_inclusion",
    "case_manager_id": "01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e60",
    "opened_on": "2026-11-26",
    "target_groups": ["homeless", "adult_in_need"]
}))]
pub struct OpenCaseFileRequest {
    /// The person taken in charge (registered, not annulled).
    pub person_id: Uuid,
    /// The owning area.
    pub area: AreaCode,
    /// The responsible social worker: an active `social_worker` of the area.
    pub case_manager_id: Uuid,
    /// Day of the first access (default today); not in the future.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub opened_on: Option<NaiveDate>,
    /// Target groups.
    #[serde(default)]
    #[validate(length(max = 7))]
    #[schema(max_items = 7)]
    pub target_groups: Vec<TargetGroupCode>,
}

/// Open a case file
///
/// Takes a person in charge in an area: the file starts in `intake` with a reference
/// `CS-YYYY-NNNNNN` (unique per year of opening) and its case manager. A person has at most one
/// file that is not closed per area (409). Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "case-files",
    operation_id = "open_case_file",
    params(IdempotencyKeyHeader),
    request_body = OpenCaseFileRequest,
    responses(
        (status = 201, description = "Opened.", body = CaseFileResponse,
            headers(("Location" = String, description = "URL of the case file."), ("ETag" = String, description = "Version, for If-Match."))),
        (status = 409, description = "The person already has an open case file in this area, or is annulled.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/case-files")]
pub async fn open_case_file(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: JsonBody<OpenCaseFileRequest>,
) -> Result<HttpResponse, ApiError> {
    caller
        .authorize(&state, Action::OpenCaseFile, "case_file", None)
        .await?;
    let key = idempotency::key_of(&req)?;
    let (request, raw) = body.parse_raw().await?;
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let today = calendar::today(Utc::now());
    let opened_on = request.opened_on.unwrap_or(today);
    if opened_on > today {
        return Err(ApiError::invalid_field(
            "/opened_on",
            "must not be in the future",
        ));
    }
    let area = Area::from(request.area);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        transact(&st.db, |c| {
            if !decide(
                &caller.subject(),
                Action::OpenCaseFile,
                Resource::Area(area),
            )
            .allowed()
            {
                return Err(guard::denied(
                    &caller,
                    Action::OpenCaseFile,
                    "area",
                    area.as_str(),
                    vec![request.person_id],
                ));
            }
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                match persons::find(c, request.person_id)? {
                    None => {
                        return Err(ApiError::invalid_field(
                            "/person_id",
                            "no person with this id",
                        ));
                    }
                    Some(p) if p.annulment.is_some() => {
                        return Err(ApiError::Conflict("the person was annulled".into()));
                    }
                    Some(_) => {}
                }
                if let Some(e) = check_staff(
                    c,
                    request.case_manager_id,
                    "/case_manager_id",
                    Some((Role::SocialWorker, area)),
                )? {
                    return Err(e);
                }
                if let Some(existing) = case_files::open_in_area(c, request.person_id, area)? {
                    return Err(ApiError::Conflict(format!(
                        "the person already has an open case file in this area ({existing})"
                    )));
                }
                let in_charge_elsewhere =
                    case_files::in_charge_elsewhere(c, request.person_id, area)?;
                let coordinates = caller.user.profile.roles().contains(&Role::AreaCoordinator)
                    && caller.user.profile.areas().contains(&area);
                let file = case_files::insert(
                    c,
                    &NewCaseFile {
                        person_id: request.person_id,
                        area,
                        case_manager_id: request.case_manager_id,
                        opened_on,
                        target_groups: request
                            .target_groups
                            .iter()
                            .copied()
                            .map(Into::into)
                            .collect(),
                        confirmed: !needs_confirmation(in_charge_elsewhere, coordinates),
                    },
                    caller.id(),
                    now,
                )?;
                let mut record = caller.audit(
                    "case_file.open",
                    "case_file",
                    Some(file.id.to_string()),
                    Outcome::Success,
                );
                record.persons = vec![file.person_id];
                record.details = Some(
                    serde_json::json!({
                        "person_id": file.person_id,
                        "confirmed": file.confirmed_at.is_some(),
                    })
                    .to_string(),
                );
                audit::append(c, record)?;
                let response = response_of(&file, Some(request.case_manager_id));
                Ok(replayable(StatusCode::CREATED, &response, true))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// Read a case file
///
/// Returns the file with its current case manager and the transitions allowed now.
#[utoipa::path(
    tag = "case-files",
    operation_id = "get_case_file",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier.")),
    responses(
        (status = 200, description = "The case file.", body = CaseFileResponse,
            headers(("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/case-files/{case_file_id}")]
pub async fn get_case_file(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case_file_id")?;
    caller
        .authorize(
            &state,
            Action::ReadCaseFile,
            "case_file",
            Some(id.to_string()),
        )
        .await?;
    let st = state.clone();
    let (_, response) = blocking(move || {
        transact(&st.db, |c| {
            let access = guard::case_file(c, &caller, Action::ReadCaseFile, id)?;
            let found = render_with_manager(c, id, access.facts.case_manager)?;
            if found.is_some() {
                audit::append(c, access.record(&caller, "case_file.read", "case_file", id))?;
            }
            Ok(found)
        })
    })
    .await?
    .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag(response.version)))
        .json(response))
}

/// Filters and position of a case file list.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListCaseFilesQuery {
    /// Only files whose current case manager is this user.
    pub case_manager_id: Option<Uuid>,
    /// Only files of this person.
    pub person_id: Option<Uuid>,
    /// Only files of this area.
    pub area: Option<AreaCode>,
    /// Only files in this status.
    pub status: Option<CaseStatusCode>,
    /// Only files with this target group.
    pub target_group: Option<TargetGroupCode>,
    /// Opaque position returned in `next` (base64url, 1-500 characters among `A-Z a-z 0-9 - _`);
    /// omit for the first page. Anything else, or a position of another list, is 400.
    #[validate(length(min = 1, max = 500))]
    #[param(min_length = 1, max_length = 500, pattern = "^[A-Za-z0-9_-]{1,500}$")]
    pub cursor: Option<String>,
    /// Page size, 1-100 (default 20).
    #[validate(range(min = 1, max = 100))]
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
}

/// One page of case files, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseFilePage {
    /// The files of this page.
    pub items: Vec<CaseFileResponse>,
    /// Link to the next page, or null on the last one.
    pub next: Option<String>,
}

async fn list_page(
    state: web::Data<AppState>,
    caller: Caller,
    req: &HttpRequest,
    mut query: CaseFileQuery,
    cursor: Option<String>,
    limit: u32,
    base: &str,
) -> Result<HttpResponse, ApiError> {
    query.after = cursor
        .as_deref()
        .map(|c| {
            crate::cursor::decode(c).and_then(|position| {
                Uuid::parse_str(&position).map_err(|_| {
                    ApiError::bad_parameter("cursor", "is not a cursor returned by this API")
                })
            })
        })
        .transpose()?;
    query.limit = i64::from(limit) + 1;
    query.visible_to = match case_list_scope(&caller.subject()) {
        CaseListScope::Everything => None,
        // The caller's own caseload is visible to them by definition (their areas OR their
        // teams): repeating the condition made the database read every file of the office
        // instead of starting from the caseload (docs/benchmarks.md).
        CaseListScope::AreasAndTeams(_) if query.team_member_id == Some(caller.id()) => None,
        CaseListScope::AreasAndTeams(areas) => Some(Visibility {
            staff_id: caller.id(),
            areas: areas.into_iter().collect(),
        }),
    };
    let st = state.clone();
    let (mut files, managers) = blocking(move || {
        transact(&st.db, |c| {
            let files = case_files::list(c, &query)?;
            let ids: Vec<Uuid> = files.iter().map(|f| f.id).collect();
            let managers = case_files::current_case_managers(c, &ids, query.today)?;
            let returned: Vec<serde_json::Value> = files
                .iter()
                .take(limit as usize)
                .map(|f| serde_json::json!({ "case_file_id": f.id, "person_id": f.person_id }))
                .collect();
            let mut record = caller.audit("case_file.list", "case_file", None, Outcome::Success);
            record.persons = files
                .iter()
                .take(limit as usize)
                .map(|f| f.person_id)
                .collect();
            record.details = Some(serde_json::json!({ "returned": returned }).to_string());
            audit::append(c, record)?;
            Ok((files, managers))
        })
    })
    .await?;
    let next = if files.len() > limit as usize {
        files.truncate(limit as usize);
        files.last().map(|last| {
            let mut pairs: Vec<String> = req
                .query_string()
                .split('&')
                .filter(|kv| !kv.is_empty() && !kv.starts_with("cursor="))
                .map(str::to_owned)
                .collect();
            pairs.push(format!(
                "cursor={}",
                crate::cursor::encode(&last.id.to_string())
            ));
            format!("{base}?{}", pairs.join("&"))
        })
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(CaseFilePage {
        items: files
            .iter()
            .map(|f| response_of(f, managers.get(&f.id).copied()))
            .collect(),
        next,
    }))
}

/// List case files
///
/// Lists case files by case manager, person, area, status and target group, oldest first, with
/// cursor pagination.
#[utoipa::path(
    tag = "case-files",
    operation_id = "list_case_files",
    params(ListCaseFilesQuery),
    responses((status = 200, description = "One page of case files.", body = CaseFilePage))
)]
#[get("/case-files")]
pub async fn list_case_files(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    caller
        .authorize(&state, Action::ListCaseFiles, "case_file", None)
        .await?;
    let q = ValidQuery::<ListCaseFilesQuery>::parse(&req)?;
    let query = CaseFileQuery {
        case_manager_id: q.case_manager_id,
        person_id: q.person_id,
        area: q.area.map(Into::into),
        status: q.status.map(Into::into),
        target_group: q.target_group.map(Into::into),
        today: calendar::today(Utc::now()),
        ..CaseFileQuery::default()
    };
    list_page(
        state,
        caller,
        &req,
        query,
        q.cursor,
        q.limit.unwrap_or(20),
        "/api/v1/case-files",
    )
    .await
}

/// Position and filter of the caller's caseload.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseloadQuery {
    /// Only files in this status.
    pub status: Option<CaseStatusCode>,
    /// Opaque position returned in `next` (base64url, 1-500 characters among `A-Z a-z 0-9 - _`);
    /// omit for the first page. Anything else, or a position of another list, is 400.
    #[validate(length(min = 1, max = 500))]
    #[param(min_length = 1, max_length = 500, pattern = "^[A-Za-z0-9_-]{1,500}$")]
    pub cursor: Option<String>,
    /// Page size, 1-100 (default 20).
    #[validate(range(min = 1, max = 100))]
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
}

/// My caseload
///
/// The case files where the caller is currently the case manager or a team member.
#[utoipa::path(
    tag = "case-files",
    operation_id = "get_my_caseload",
    params(CaseloadQuery),
    responses((status = 200, description = "One page of the caller's case files.", body = CaseFilePage))
)]
#[get("/me/caseload")]
pub async fn get_my_caseload(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    caller
        .authorize(&state, Action::ListCaseFiles, "case_file", None)
        .await?;
    let q = ValidQuery::<CaseloadQuery>::parse(&req)?;
    let query = CaseFileQuery {
        team_member_id: Some(caller.id()),
        status: q.status.map(Into::into),
        today: calendar::today(Utc::now()),
        ..CaseFileQuery::default()
    };
    list_page(
        state,
        caller,
        &req,
        query,
        q.cursor,
        q.limit.unwrap_or(20),
        "/api/v1/me/caseload",
    )
    .await
}

/// A lifecycle transition to apply.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"transition": "close", "reason": "Moved to Bolzano, file handed over", "closing_reason": "moved_away", "occurred_on": "2026-11-26"}))]
pub struct TransitionRequest {
    /// The transition.
    pub transition: CaseTransitionCode,
    /// Why (1-2000 characters).
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// Required to `close`, refused otherwise.
    pub closing_reason: Option<ClosingReasonCode>,
    /// Day it takes effect (default today); not in the future, not before the file was opened.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub occurred_on: Option<NaiveDate>,
}

/// A recorded transition.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransitionResponse {
    /// Identifier.
    pub id: Uuid,
    /// The transition.
    pub transition: CaseTransitionCode,
    /// Status before.
    pub from_status: CaseStatusCode,
    /// Status after.
    pub to_status: CaseStatusCode,
    /// Day it took effect.
    pub occurred_on: NaiveDate,
    /// Why.
    pub reason: String,
    /// Closing reason, for `close`.
    pub closing_reason: Option<ClosingReasonCode>,
    /// Who recorded it.
    pub author_id: Uuid,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

impl From<&TransitionRecord> for TransitionResponse {
    fn from(t: &TransitionRecord) -> Self {
        Self {
            id: t.id,
            transition: t.transition.into(),
            from_status: t.from.into(),
            to_status: t.to.into(),
            occurred_on: t.occurred_on,
            reason: t.reason.clone(),
            closing_reason: t.closing_reason.map(Into::into),
            author_id: t.author_id,
            recorded_at: t.recorded_at,
        }
    }
}

/// The lifecycle history of a case file.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransitionList {
    /// Transitions, oldest first.
    pub items: Vec<TransitionResponse>,
}

/// Change the status of a case file
///
/// Applies a lifecycle transition (activate, suspend, resume, close, reopen) with its date,
/// reason and, to close, a closing reason. An illegal transition is 409 listing the allowed
/// ones. Requires `If-Match`.
#[utoipa::path(
    tag = "case-files",
    operation_id = "transition_case_file",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."),
        IfMatchHeader,
        IdempotencyKeyHeader),
    request_body = TransitionRequest,
    responses(
        (status = 200, description = "The case file in its new status.", body = CaseFileResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the current status (`allowed_transitions` lists what is), or a reopening while the person has another open case file in the area.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/case-files/{case_file_id}/transitions")]
pub async fn transition_case_file(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<TransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case_file_id")?;
    caller
        .authorize(
            &state,
            Action::ChangeCaseFile,
            "case_file",
            Some(id.to_string()),
        )
        .await?;
    let key = idempotency::key_of(&req)?;
    let parsed = body
        .parse_raw()
        .await
        .map(|(request, raw)| (request, idempotency::fingerprint(&req, &raw)));
    let if_match = if_match_of(&req);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        transact(&st.db, |c| {
            let access = guard::case_file(c, &caller, Action::ChangeCaseFile, id)?;
            let (request, fingerprint) = parsed?;
            let transition = request.transition.into();
            let closing_reason = request.closing_reason.map(Into::into);
            check_transition_request(transition, closing_reason, &request.reason)
                .map_err(ApiError::from_domain)?;
            let today = calendar::today(now);
            let occurred_on = request.occurred_on.unwrap_or(today);
            if occurred_on > today {
                return Err(ApiError::invalid_field(
                    "/occurred_on",
                    "must not be in the future",
                ));
            }
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let file = lock_for_change(c, id, if_match.as_deref(), caller.id(), now)?;
                let to = match apply(file.status, transition) {
                    Ok(to) => to,
                    Err(illegal) => {
                        return Err(ApiError::IllegalTransition {
                            detail: illegal.to_string(),
                            allowed: illegal.allowed.iter().map(|t| t.as_str().to_owned()).collect(),
                        });
                    }
                };
                if occurred_on < file.opened_on {
                    return Err(ApiError::invalid_field("/occurred_on", "must not be before the file was opened"));
                }
                let record = TransitionRecord {
                    id: Uuid::now_v7(),
                    transition,
                    from: file.status,
                    to,
                    occurred_on,
                    reason: request.reason.trim().to_owned(),
                    closing_reason,
                    author_id: caller.id(),
                    recorded_at: now,
                };
                case_files::record_transition(c, &file, &record)?;
                let mut entry = access.record(&caller, &format!("case_file.{}", transition.as_str()), "case_file", id);
                entry.details = Some(serde_json::json!({ "person_id": file.person_id, "from": file.status.as_str(), "to": to.as_str() }).to_string());
                audit::append(c, entry)?;
                let (_, response) = render(c, id)?.ok_or(StoreError::NotFound)?;
                Ok(replayable(StatusCode::OK, &response, false))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// Lifecycle history of a case file
///
/// Every transition with its date, author, reason and closing reason, oldest first.
#[utoipa::path(
    tag = "case-files",
    operation_id = "list_case_file_transitions",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier.")),
    responses(
        (status = 200, description = "The history.", body = TransitionList),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/case-files/{case_file_id}/transitions")]
pub async fn list_case_file_transitions(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case_file_id")?;
    caller
        .authorize(
            &state,
            Action::ReadCaseFile,
            "case_file",
            Some(id.to_string()),
        )
        .await?;
    let st = state.clone();
    let items = blocking(move || {
        transact(&st.db, |c| {
            let access = guard::case_file(c, &caller, Action::ReadCaseFile, id)?;
            let items = case_files::transitions(c, id)?;
            audit::append(
                c,
                access.record(&caller, "case_file.history.read", "case_file", id),
            )?;
            Ok(items)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(TransitionList {
        items: items.iter().map(TransitionResponse::from).collect(),
    }))
}

/// The target groups of a case file.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"target_groups": ["homeless", "adult_in_need"]}))]
pub struct TargetGroupsRequest {
    /// The complete new list (replaces the old one).
    #[validate(length(max = 7))]
    #[schema(max_items = 7)]
    pub target_groups: Vec<TargetGroupCode>,
}

/// Set the target groups of a case file
///
/// Replaces the list of target groups. Requires `If-Match`.
#[utoipa::path(
    tag = "case-files",
    operation_id = "set_case_file_target_groups",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."),
        IfMatchHeader),
    request_body = TargetGroupsRequest,
    responses(
        (status = 200, description = "The updated case file.", body = CaseFileResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/case-files/{case_file_id}/target-groups")]
pub async fn set_case_file_target_groups(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<TargetGroupsRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case_file_id")?;
    caller
        .authorize(
            &state,
            Action::ChangeCaseFile,
            "case_file",
            Some(id.to_string()),
        )
        .await?;
    let parsed = body.parse().await;
    let if_match = if_match_of(&req);
    let st = state.clone();
    let response = blocking(move || {
        let now = Utc::now();
        transact(&st.db, |c| {
            let access = guard::case_file(c, &caller, Action::ChangeCaseFile, id)?;
            let request = parsed?;
            lock_for_change(c, id, if_match.as_deref(), caller.id(), now)?;
            let groups: Vec<_> = request
                .target_groups
                .iter()
                .copied()
                .map(Into::into)
                .collect();
            case_files::set_target_groups(c, id, &groups)?;
            audit::append(
                c,
                access.record(&caller, "case_file.target_groups.update", "case_file", id),
            )?;
            let (_, response) = render(c, id)?.ok_or(StoreError::NotFound)?;
            Ok(response)
        })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag(response.version)))
        .json(response))
}

/// A team assignment.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamMemberResponse {
    /// Identifier of the assignment.
    pub id: Uuid,
    /// The staff member (user id).
    pub staff_id: Uuid,
    /// Role in the team.
    pub role: TeamRoleCode,
    /// First day.
    pub assigned_from: NaiveDate,
    /// Day it ended (exclusive), or null while current.
    pub assigned_until: Option<NaiveDate>,
    /// Whether it holds today.
    pub current: bool,
    /// Who made it.
    pub assigned_by: Uuid,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Whether the member was granted the special categories of the person and the restricted
    /// diary entries (the case manager has them by role, and shows `false`).
    pub sensitive_access: bool,
}

/// The team of a case file, current and past.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamList {
    /// Assignments, oldest first.
    pub items: Vec<TeamMemberResponse>,
}

fn team_response(members: &[TeamMember], today: NaiveDate) -> TeamList {
    TeamList {
        items: members
            .iter()
            .map(|m| TeamMemberResponse {
                id: m.id,
                staff_id: m.assignment.staff_id,
                role: m.assignment.role.into(),
                assigned_from: m.assignment.from,
                assigned_until: m.assignment.until,
                current: m.assignment.is_current_on(today),
                assigned_by: m.assigned_by,
                recorded_at: m.recorded_at,
                sensitive_access: m.sensitive_access,
            })
            .collect(),
    }
}

/// Team of a case file
///
/// Every assignment (case manager and team), current and past, oldest first.
#[utoipa::path(
    tag = "case-files",
    operation_id = "list_case_file_team",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier.")),
    responses(
        (status = 200, description = "The team with its history.", body = TeamList),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/case-files/{case_file_id}/team")]
pub async fn list_case_file_team(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case_file_id")?;
    caller
        .authorize(
            &state,
            Action::ReadCaseFile,
            "case_file",
            Some(id.to_string()),
        )
        .await?;
    let st = state.clone();
    let members = blocking(move || {
        transact(&st.db, |c| {
            let access = guard::case_file(c, &caller, Action::ReadCaseFile, id)?;
            let members = case_files::team(c, id)?;
            audit::append(
                c,
                access.record(&caller, "case_file.team.read", "case_file", id),
            )?;
            Ok(members)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(team_response(&members, calendar::today(Utc::now()))))
}

/// A change to the team: a new member, or a new case manager.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"staff_id": "01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e61", "role": "educator", "from": "2026-11-26"}))]
pub struct TeamChangeRequest {
    /// The staff member (user id).
    pub staff_id: Uuid,
    /// Their role; `case_manager` reassigns the file (the current case manager's assignment
    /// ends the day before `from`).
    pub role: TeamRoleCode,
    /// First day (default today).
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub from: Option<NaiveDate>,
    /// Grant the member the special categories of the person (health and disability,
    /// ethnicity, legal status, justice) and the restricted diary entries (default false;
    /// meaningless for the case manager, who has them anyway).
    pub sensitive_access: Option<bool>,
}

/// Add a team member or reassign the case manager
///
/// Adds a staff member to the team, or (role `case_manager`) hands the file to another social
/// worker of the area: there is one case manager at a time, and the history is kept.
/// Requires `If-Match` on the case file.
#[utoipa::path(
    tag = "case-files",
    operation_id = "change_case_file_team",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."),
        IfMatchHeader,
        IdempotencyKeyHeader),
    request_body = TeamChangeRequest,
    responses(
        (status = 200, description = "The team after the change.", body = TeamList,
            headers(("ETag" = String, description = "The new version of the case file."))),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The change breaks a team rule (already in the team, a closed file).", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/case-files/{case_file_id}/team")]
pub async fn change_case_file_team(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<TeamChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case_file_id")?;
    caller
        .authorize(
            &state,
            Action::ManageCaseTeam,
            "case_file",
            Some(id.to_string()),
        )
        .await?;
    let key = idempotency::key_of(&req)?;
    let parsed = body
        .parse_raw()
        .await
        .map(|(request, raw)| (request, idempotency::fingerprint(&req, &raw)));
    let if_match = if_match_of(&req);
    let today = calendar::today(Utc::now());
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        transact(&st.db, |c| {
            let access = guard::case_file(c, &caller, Action::ManageCaseTeam, id)?;
            let (request, fingerprint) = parsed?;
            let from = request.from.unwrap_or(today);
            let role: TeamRole = request.role.into();
            if role == TeamRole::CaseManager && !access.also(&caller, Action::ReassignCaseManager) {
                return Err(guard::denied(
                    &caller,
                    Action::ReassignCaseManager,
                    "case_file",
                    id,
                    vec![access.person_id],
                ));
            }
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
            let file = lock_for_change(c, id, if_match.as_deref(), caller.id(), now)?;
            if file.status == CaseStatus::Closed {
                return Err(ApiError::Conflict("the case file is closed".into()));
            }
            if from < file.opened_on {
                return Err(ApiError::invalid_field("/from", "must not be before the file was opened"));
            }
            let required = (role == TeamRole::CaseManager).then_some((Role::SocialWorker, file.area));
            if let Some(e) = check_staff(c, request.staff_id, "/staff_id", required)? {
                return Err(e);
            }
            let mut existing = case_files::team(c, id)?;
            if role == TeamRole::CaseManager {
                // End the current case manager's assignment the day before the new one starts.
                for member in existing.iter_mut().filter(|m| {
                    m.assignment.role == TeamRole::CaseManager && m.assignment.until.is_none_or(|u| u > from)
                }) {
                    if member.assignment.from >= from {
                        return Err(ApiError::invalid_field("/from", "must be after the start of the current case manager's assignment"));
                    }
                    case_files::end_team_member(c, member.id, from)?;
                    member.assignment.until = Some(from);
                }
            }
            let assignment = TeamAssignment { staff_id: request.staff_id, role, from, until: None };
            let current: Vec<TeamAssignment> = existing.iter().map(|m| m.assignment).collect();
            if let Err(rule) = check_team_assignment(&current, &assignment) {
                return Err(ApiError::Conflict(rule.to_string()));
            }
            let sensitive = request.sensitive_access.unwrap_or(false);
            case_files::add_team_member(c, id, &assignment, sensitive, caller.id(), now)?;
            let action = if role == TeamRole::CaseManager { "case_file.reassign" } else { "case_file.team.add" };
            let mut record = access.record(&caller, action, "case_file", id);
            record.details = Some(serde_json::json!({ "person_id": file.person_id, "staff_id": request.staff_id, "role": role.as_str(), "sensitive_access": sensitive && role != TeamRole::CaseManager }).to_string());
            audit::append(c, record)?;
            Ok(team_replayable(&case_files::team(c, id)?, today, file.version + 1))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// The team after a change, with the file's new version, in a form the idempotency store can
/// replay.
fn team_replayable(members: &[TeamMember], today: NaiveDate, version: i64) -> Replayable {
    Replayable {
        status: StatusCode::OK,
        body: serde_json::to_value(team_response(members, today)).unwrap_or_default(),
        location: None,
        etag: Some(etag(version)),
        replayed: false,
    }
}

/// End of a team assignment.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"until": "2026-11-26"}))]
pub struct EndAssignmentRequest {
    /// Day the assignment ends (exclusive; default today).
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub until: Option<NaiveDate>,
}

/// End a team assignment
///
/// Ends a team member's assignment. The case manager's assignment cannot be ended this way:
/// reassign the file instead (409). Requires `If-Match` on the case file.
#[utoipa::path(
    tag = "case-files",
    operation_id = "end_case_file_team_assignment",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."),
        ("assignment_id" = Uuid, Path, description = "Team assignment identifier."),
        IfMatchHeader,
        IdempotencyKeyHeader),
    request_body = EndAssignmentRequest,
    responses(
        (status = 200, description = "The team after the change.", body = TeamList,
            headers(("ETag" = String, description = "The new version of the case file."))),
        (status = 404, description = "No such case file or assignment.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The assignment is the case manager's, or already ended.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/case-files/{case_file_id}/team/{assignment_id}/end")]
pub async fn end_case_file_team_assignment(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: JsonBody<EndAssignmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path.0, "case_file_id")?;
    let assignment_id = parse_id(&path.1, "assignment_id")?;
    caller
        .authorize(
            &state,
            Action::ManageCaseTeam,
            "case_file",
            Some(id.to_string()),
        )
        .await?;
    let key = idempotency::key_of(&req)?;
    let parsed = body
        .parse_raw()
        .await
        .map(|(request, raw)| (request, idempotency::fingerprint(&req, &raw)));
    let if_match = if_match_of(&req);
    let today = calendar::today(Utc::now());
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        transact(&st.db, |c| {
            let access = guard::case_file(c, &caller, Action::ManageCaseTeam, id)?;
            let (request, fingerprint) = parsed?;
            let until = request.until.unwrap_or(today);
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let file = lock_for_change(c, id, if_match.as_deref(), caller.id(), now)?;
                let team = case_files::team(c, id)?;
                // Objects are checked by id within their parent: an assignment of another file is 404.
                let Some(member) = team.iter().find(|m| m.id == assignment_id) else {
                    return Err(ApiError::NotFound(
                        "no such assignment in this case file".into(),
                    ));
                };
                if member.assignment.role == TeamRole::CaseManager {
                    return Err(ApiError::Conflict(
                        "the case manager is replaced, not removed: reassign the file".into(),
                    ));
                }
                if member.assignment.until.is_some() {
                    return Err(ApiError::Conflict(
                        "the assignment has already ended".into(),
                    ));
                }
                if until <= member.assignment.from {
                    return Err(ApiError::invalid_field(
                        "/until",
                        "must be after the first day of the assignment",
                    ));
                }
                case_files::end_team_member(c, assignment_id, until)?;
                let mut record = access.record(&caller, "case_file.team.end", "case_file", id);
                record.details = Some(
                serde_json::json!({ "person_id": file.person_id, "assignment_id": assignment_id })
                    .to_string(),
            );
                audit::append(c, record)?;
                Ok(team_replayable(
                    &case_files::team(c, id)?,
                    today,
                    file.version + 1,
                ))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// A grant or withdrawal of the special categories to a team member.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"granted": true}))]
pub struct SensitiveAccessRequest {
    /// Whether the member may read and write the special categories of the person (health and
    /// disability, ethnicity, legal status, justice) and the restricted diary entries.
    pub granted: bool,
}

/// Grant or withdraw special-category access to a team member
///
/// The case manager (or the area coordinator) decides which current team members see the
/// special categories of the person and the restricted diary entries. The case manager's own
/// assignment cannot be changed (409: they have them by role). Requires `If-Match` on the case
/// file.
#[utoipa::path(
    tag = "case-files",
    operation_id = "set_case_file_team_sensitive_access",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."),
        ("assignment_id" = Uuid, Path, description = "Team assignment identifier."),
        IfMatchHeader),
    request_body = SensitiveAccessRequest,
    responses(
        (status = 200, description = "The team after the change.", body = TeamList,
            headers(("ETag" = String, description = "The new version of the case file."))),
        (status = 404, description = "No such case file or assignment.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The assignment is the case manager's, or has ended.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/case-files/{case_file_id}/team/{assignment_id}/sensitive-access")]
pub async fn set_case_file_team_sensitive_access(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: JsonBody<SensitiveAccessRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path.0, "case_file_id")?;
    let assignment_id = parse_id(&path.1, "assignment_id")?;
    caller
        .authorize(
            &state,
            Action::ManageCaseTeam,
            "case_file",
            Some(id.to_string()),
        )
        .await?;
    let parsed = body.parse().await;
    let if_match = if_match_of(&req);
    let today = calendar::today(Utc::now());
    let st = state.clone();
    let (members, version) = blocking(move || {
        let now = Utc::now();
        transact(&st.db, |c| {
            let access = guard::case_file(c, &caller, Action::ManageCaseTeam, id)?;
            let request = parsed?;
            let file = lock_for_change(c, id, if_match.as_deref(), caller.id(), now)?;
            let team = case_files::team(c, id)?;
            let Some(member) = team.iter().find(|m| m.id == assignment_id) else {
                return Err(ApiError::NotFound(
                    "no such assignment in this case file".into(),
                ));
            };
            if member.assignment.role == TeamRole::CaseManager {
                return Err(ApiError::Conflict(
                    "the case manager has the special categories by role".into(),
                ));
            }
            if member.assignment.until.is_some_and(|until| until <= today) {
                return Err(ApiError::Conflict("the assignment has ended".into()));
            }
            case_files::set_sensitive_access(c, assignment_id, request.granted)?;
            let mut record = access.record(
                &caller,
                if request.granted {
                    "case_file.team.sensitive_grant"
                } else {
                    "case_file.team.sensitive_revoke"
                },
                "case_file",
                id,
            );
            record.details = Some(
                serde_json::json!({
                    "person_id": file.person_id,
                    "assignment_id": assignment_id,
                    "staff_id": member.assignment.staff_id,
                })
                .to_string(),
            );
            audit::append(c, record)?;
            Ok((case_files::team(c, id)?, file.version + 1))
        })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag(version)))
        .json(team_response(&members, today)))
}
