//! Case files (cartelle sociali): open, read, list, lifecycle, target groups, team.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::Area;
use socialcare_domain::access::{Action, CaseListScope, Resource, case_list_scope, decide};
use socialcare_domain::case_file::{
    AssignmentRefusal, CaseFile, TeamAssignment, TeamMember, TeamRole, TransitionRecord, apply,
    case_manager_handover, case_manager_requirement, check_assignment_end, check_assignment_start,
    check_case_worker, check_opened_on, check_sensitive_access_change, check_takes_new_work,
    check_team_assignment, check_transition_day, check_transition_request, coordinates_area,
    needs_confirmation,
};
use socialcare_domain::ids::{CaseFileId, TeamAssignmentId};
use socialcare_persistence::case_files::{self, CaseFileQuery, NewCaseFile, Visibility};
use socialcare_persistence::{AnyConnection, StoreError, persons, users};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, Answer, IfMatch, NoQuery, Op, Target, Work, with_etag};
use crate::conditional::IfMatchHeader;
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::idempotency::IdempotencyKeyHeader;
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

/// Loads a file with its current case manager on the office's day `today` and renders it.
pub(crate) fn render(
    conn: &mut AnyConnection,
    id: Uuid,
    today: NaiveDate,
) -> Result<Option<(CaseFile, CaseFileResponse)>, StoreError> {
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

/// The URL of a case file.
fn location(id: Uuid) -> String {
    format!("/api/v1/case-files/{id}")
}

fn not_found() -> ApiError {
    ApiError::NotFound("no case file with this id".into())
}

/// Finds a file, checks `If-Match` and takes the optimistic lock (bumps the version).
fn lock_for_change(
    conn: &mut AnyConnection,
    id: Uuid,
    if_match: &IfMatch,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<CaseFile, ApiError> {
    let file = case_files::find(conn, id)?.ok_or_else(not_found)?;
    if_match.check(file.version)?;
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
        (status = 409, description = "The person already has an open case file in this area, or is annulled or pseudonymised by the retention procedure.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/case-files")]
pub async fn open_case_file(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Body<OpenCaseFileRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::OpenCaseFile, "case_file.open", "case_file");
    case_work::create(&state, caller, &req, op, body, |work, request, _| {
        let area = Area::from(request.area);
        work.shows([request.person_id]);
        if !decide(
            &work.caller().subject(),
            Action::OpenCaseFile,
            Resource::Area(area),
        )
        .allowed()
        {
            work.resource(area.as_str());
            return Err(work.refuse(format!(
                "your relation to this area does not allow `{}`",
                Action::OpenCaseFile.code()
            )));
        }
        let (today, now, actor) = (work.today(), work.now(), work.actor());
        let opened_on = request.opened_on.unwrap_or(today);
        check_opened_on(opened_on, today).map_err(|e| ApiError::invalid_field("/opened_on", e))?;
        match persons::find(work.conn(), request.person_id)? {
            None => {
                return Err(ApiError::invalid_field(
                    "/person_id",
                    "no person with this id",
                ));
            }
            Some(p) if p.annulment.is_some() => {
                return Err(ApiError::Conflict("the person was annulled".into()));
            }
            Some(p) => socialcare_domain::person::check_not_anonymised(p.anonymised_at)
                .map_err(ApiError::Conflict)?,
        }
        let manager = users::staff_facts(work.conn(), request.case_manager_id)?;
        check_case_worker(manager.as_ref(), Some(case_manager_requirement(area)))
            .map_err(|e| ApiError::invalid_field("/case_manager_id", e))?;
        if let Some(existing) = case_files::open_in_area(work.conn(), request.person_id, area)? {
            return Err(ApiError::Conflict(format!(
                "the person already has an open case file in this area ({existing})"
            )));
        }
        let in_charge_elsewhere =
            case_files::in_charge_elsewhere(work.conn(), request.person_id, area)?;
        let coordinates = coordinates_area(&work.caller().user.profile, area);
        let file = case_files::insert(
            work.conn(),
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
            actor,
            now,
        )?;
        work.resource(file.id)
            .detail("person_id", file.person_id)
            .detail("confirmed", file.confirmed_at.is_some());
        let response = response_of(&file, Some(request.case_manager_id));
        Ok(Answer::created(
            &response,
            location(file.id),
            Some(response.version),
        ))
    })
    .await
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
    req: HttpRequest,
    id: Id<CaseFileId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "case_file.read", "case_file");
    let response = case_work::read(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        move |work, _: NoQuery| {
            let manager = work.case()?.facts.case_manager;
            let (_, response) =
                render_with_manager(work.conn(), id.0.uuid(), manager)?.ok_or_else(not_found)?;
            Ok(response)
        },
    )
    .await?;
    Ok(with_etag(response.version, &response))
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

/// One page of a case-file list: only the files the caller may read, each person linked in the
/// audit record.
fn list_page(
    work: &mut Work<'_>,
    mut query: CaseFileQuery,
    cursor: Option<String>,
    limit: u32,
    next_base: &str,
) -> Result<CaseFilePage, ApiError> {
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
    query.today = work.today();
    let actor = work.actor();
    query.visible_to = match case_list_scope(&work.caller().subject()) {
        CaseListScope::Everything => None,
        // The caller's own caseload is visible to them by definition (their areas OR their
        // teams): repeating the condition made the database read every file of the office
        // instead of starting from the caseload (docs/benchmarks.md).
        CaseListScope::AreasAndTeams(_) if query.team_member_id == Some(actor) => None,
        CaseListScope::AreasAndTeams(areas) => Some(Visibility {
            staff_id: actor,
            areas: areas.into_iter().collect(),
        }),
    };
    let mut files = case_files::list(work.conn(), &query)?;
    let more = files.len() > limit as usize;
    files.truncate(limit as usize);
    let ids: Vec<Uuid> = files.iter().map(|f| f.id).collect();
    let managers = case_files::current_case_managers(work.conn(), &ids, query.today)?;
    let returned: Vec<serde_json::Value> = files
        .iter()
        .map(|f| serde_json::json!({ "case_file_id": f.id, "person_id": f.person_id }))
        .collect();
    work.detail("returned", returned)
        .shows(files.iter().map(|f| f.person_id));
    let next = more.then(|| files.last()).flatten().map(|last| {
        format!(
            "{next_base}cursor={}",
            crate::cursor::encode(&last.id.to_string())
        )
    });
    Ok(CaseFilePage {
        items: files
            .iter()
            .map(|f| response_of(f, managers.get(&f.id).copied()))
            .collect(),
        next,
    })
}

/// The start of the `next` link of a list: `base?` and the request's query without its cursor.
fn next_base(req: &HttpRequest, base: &str) -> String {
    let mut out = format!("{base}?");
    for kv in req
        .query_string()
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("cursor="))
    {
        out.push_str(kv);
        out.push('&');
    }
    out
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
    let op = Op::new(Action::ListCaseFiles, "case_file.list", "case_file");
    let base = next_base(&req, "/api/v1/case-files");
    let page = case_work::list(
        &state,
        caller,
        &req,
        op,
        move |work, q: ListCaseFilesQuery| {
            let query = CaseFileQuery {
                case_manager_id: q.case_manager_id,
                person_id: q.person_id,
                area: q.area.map(Into::into),
                status: q.status.map(Into::into),
                target_group: q.target_group.map(Into::into),
                ..CaseFileQuery::default()
            };
            list_page(work, query, q.cursor, q.limit.unwrap_or(20), &base)
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
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
    let op = Op::new(Action::ListCaseFiles, "case_file.list", "case_file");
    let base = next_base(&req, "/api/v1/me/caseload");
    let page = case_work::list(&state, caller, &req, op, move |work, q: CaseloadQuery| {
        let query = CaseFileQuery {
            team_member_id: Some(work.actor()),
            status: q.status.map(Into::into),
            ..CaseFileQuery::default()
        };
        list_page(work, query, q.cursor, q.limit.unwrap_or(20), &base)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
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
    id: Id<CaseFileId>,
    body: Body<TransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ChangeCaseFile, "case_file.transition", "case_file");
    let id = id.0.uuid();
    case_work::write(
        &state,
        caller,
        &req,
        Target::CaseFile(CaseFileId::new(id)),
        op,
        body,
        move |work, request, if_match| {
            let transition = request.transition.into();
            let closing_reason = request.closing_reason.map(Into::into);
            check_transition_request(transition, closing_reason, &request.reason)
                .map_err(ApiError::from_domain)?;
            let (today, now, actor) = (work.today(), work.now(), work.actor());
            let occurred_on = request.occurred_on.unwrap_or(today);
            check_opened_on(occurred_on, today)
                .map_err(|e| ApiError::invalid_field("/occurred_on", e))?;
            let file = lock_for_change(work.conn(), id, &if_match, actor, now)?;
            let to =
                apply(file.status, transition).map_err(|illegal| ApiError::IllegalTransition {
                    detail: illegal.to_string(),
                    allowed: illegal
                        .allowed
                        .iter()
                        .map(|t| t.as_str().to_owned())
                        .collect(),
                })?;
            check_transition_day(occurred_on, file.opened_on, today)
                .map_err(|e| ApiError::invalid_field("/occurred_on", e))?;
            let record = TransitionRecord {
                id: Uuid::now_v7(),
                transition,
                from: file.status,
                to,
                occurred_on,
                reason: request.reason.trim().to_owned(),
                closing_reason,
                author_id: actor,
                recorded_at: now,
            };
            case_files::record_transition(work.conn(), &file, &record)?;
            work.event(format!("case_file.{}", transition.as_str()))
                .detail("from", file.status.as_str())
                .detail("to", to.as_str());
            let (_, response) = render(work.conn(), id, today)?.ok_or(StoreError::NotFound)?;
            Ok(Answer::ok(&response, Some(response.version)))
        },
    )
    .await
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
    req: HttpRequest,
    id: Id<CaseFileId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "case_file.history.read", "case_file");
    let items = case_work::read(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        move |work, _: NoQuery| Ok(case_files::transitions(work.conn(), id.0.uuid())?),
    )
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
        IfMatchHeader,
        IdempotencyKeyHeader),
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
    id: Id<CaseFileId>,
    body: Body<TargetGroupsRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ChangeCaseFile,
        "case_file.target_groups.update",
        "case_file",
    );
    let id = id.0.uuid();
    case_work::write(
        &state,
        caller,
        &req,
        Target::CaseFile(CaseFileId::new(id)),
        op,
        body,
        move |work, request, if_match| {
            let (today, now, actor) = (work.today(), work.now(), work.actor());
            lock_for_change(work.conn(), id, &if_match, actor, now)?;
            let groups: Vec<_> = request
                .target_groups
                .iter()
                .copied()
                .map(Into::into)
                .collect();
            case_files::set_target_groups(work.conn(), id, &groups)?;
            let (_, response) = render(work.conn(), id, today)?.ok_or(StoreError::NotFound)?;
            Ok(Answer::ok(&response, Some(response.version)))
        },
    )
    .await
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
    req: HttpRequest,
    id: Id<CaseFileId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "case_file.team.read", "case_file");
    let team = case_work::read(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        move |work, _: NoQuery| {
            let members = case_files::team(work.conn(), id.0.uuid())?;
            Ok(team_response(&members, work.today()))
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(team))
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
    id: Id<CaseFileId>,
    body: Body<TeamChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ManageCaseTeam, "case_file.team.add", "case_file");
    let id = id.0.uuid();
    case_work::write(
        &state,
        caller,
        &req,
        Target::CaseFile(CaseFileId::new(id)),
        op,
        body,
        move |work, request, if_match| {
            let (today, now, actor) = (work.today(), work.now(), work.actor());
            let from = request.from.unwrap_or(today);
            let role: TeamRole = request.role.into();
            if role == TeamRole::CaseManager {
                work.event("case_file.reassign");
                if !work.also(Action::ReassignCaseManager) {
                    return Err(work.refuse(format!(
                        "your relation to this case file does not allow `{}`",
                        Action::ReassignCaseManager.code()
                    )));
                }
            }
            let file = lock_for_change(work.conn(), id, &if_match, actor, now)?;
            check_takes_new_work(file.status, "change its team").map_err(ApiError::Conflict)?;
            check_assignment_start(from, file.opened_on)
                .map_err(|e| ApiError::invalid_field("/from", e))?;
            let required =
                (role == TeamRole::CaseManager).then(|| case_manager_requirement(file.area));
            let staff = users::staff_facts(work.conn(), request.staff_id)?;
            check_case_worker(staff.as_ref(), required)
                .map_err(|e| ApiError::invalid_field("/staff_id", e))?;
            let mut existing = case_files::team(work.conn(), id)?;
            if role == TeamRole::CaseManager {
                let ending = case_manager_handover(&existing, from)
                    .map_err(|e| ApiError::invalid_field("/from", e))?;
                for member in existing.iter_mut().filter(|m| ending.contains(&m.id)) {
                    case_files::end_team_member(work.conn(), member.id, from)?;
                    member.assignment.until = Some(from);
                }
            }
            let assignment = TeamAssignment {
                staff_id: request.staff_id,
                role,
                from,
                until: None,
            };
            let current: Vec<TeamAssignment> = existing.iter().map(|m| m.assignment).collect();
            check_team_assignment(&current, &assignment)
                .map_err(|rule| ApiError::Conflict(rule.to_string()))?;
            let sensitive = request.sensitive_access.unwrap_or(false);
            case_files::add_team_member(work.conn(), id, &assignment, sensitive, actor, now)?;
            work.detail("staff_id", request.staff_id)
                .detail("role", role.as_str())
                .detail(
                    "sensitive_access",
                    sensitive && role != TeamRole::CaseManager,
                );
            let members = case_files::team(work.conn(), id)?;
            Ok(Answer::ok(
                &team_response(&members, today),
                Some(file.version + 1),
            ))
        },
    )
    .await
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
    id: Id<CaseFileId>,
    assignment: Id<TeamAssignmentId>,
    body: Body<EndAssignmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ManageCaseTeam, "case_file.team.end", "case_file");
    let (id, assignment_id) = (id.0.uuid(), assignment.0.uuid());
    case_work::write(
        &state,
        caller,
        &req,
        Target::CaseFile(CaseFileId::new(id)),
        op,
        body,
        move |work, request, if_match| {
            let (today, now, actor) = (work.today(), work.now(), work.actor());
            let until = request.until.unwrap_or(today);
            let file = lock_for_change(work.conn(), id, &if_match, actor, now)?;
            let team = case_files::team(work.conn(), id)?;
            let member = assignment_of(&team, assignment_id)?;
            check_assignment_end(member, until).map_err(|refusal| match refusal {
                AssignmentRefusal::EndsBeforeStart => {
                    ApiError::invalid_field("/until", refusal.to_string())
                }
                _ => ApiError::Conflict(refusal.to_string()),
            })?;
            case_files::end_team_member(work.conn(), assignment_id, until)?;
            work.detail("assignment_id", assignment_id);
            let members = case_files::team(work.conn(), id)?;
            Ok(Answer::ok(
                &team_response(&members, today),
                Some(file.version + 1),
            ))
        },
    )
    .await
}

/// The assignment `id` of a file's team; an assignment of another file is 404.
fn assignment_of(team: &[TeamMember], id: Uuid) -> Result<&TeamMember, ApiError> {
    team.iter()
        .find(|m| m.id == id)
        .ok_or_else(|| ApiError::NotFound("no such assignment in this case file".into()))
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
        IfMatchHeader,
        IdempotencyKeyHeader),
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
    id: Id<CaseFileId>,
    assignment: Id<TeamAssignmentId>,
    body: Body<SensitiveAccessRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ManageCaseTeam,
        "case_file.team.sensitive_grant",
        "case_file",
    );
    let (id, assignment_id) = (id.0.uuid(), assignment.0.uuid());
    case_work::write(
        &state,
        caller,
        &req,
        Target::CaseFile(CaseFileId::new(id)),
        op,
        body,
        move |work, request, if_match| {
            let (today, now, actor) = (work.today(), work.now(), work.actor());
            let file = lock_for_change(work.conn(), id, &if_match, actor, now)?;
            let team = case_files::team(work.conn(), id)?;
            let member = assignment_of(&team, assignment_id)?;
            check_sensitive_access_change(member, today)
                .map_err(|refusal| ApiError::Conflict(refusal.to_string()))?;
            case_files::set_sensitive_access(work.conn(), assignment_id, request.granted)?;
            if !request.granted {
                work.event("case_file.team.sensitive_revoke");
            }
            work.detail("assignment_id", assignment_id)
                .detail("staff_id", member.assignment.staff_id);
            let members = case_files::team(work.conn(), id)?;
            Ok(Answer::ok(
                &team_response(&members, today),
                Some(file.version + 1),
            ))
        },
    )
    .await
}
