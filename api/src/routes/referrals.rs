//! Referrals of a case file to and from external services (Centro per l'impiego, Agenzia del
//! Lavoro, CSM, SerD, UEPE, health district, cooperatives): sent → accepted | rejected →
//! closed, with the replies and the history.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::access::Action;
use socialcare_domain::case_file::{
    CaseFile, CaseStatus, Referral, ReferralChangeError, ReferralDetails, ReferralEvent,
    ReferralTransition, change_referral, check_referral_transition_request,
};
use socialcare_persistence::audit;
use socialcare_persistence::referrals::{self, NewReferral, ReferralQuery};
use socialcare_persistence::{AnyConnection, case_files};
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
    ExternalServiceCode, ReferralDirectionCode, ReferralStatusCode, ReferralTransitionCode,
};
use crate::state::AppState;

/// A referral to or from an external service.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferralResponse {
    /// Identifier.
    pub id: Uuid,
    /// The case file it belongs to.
    pub case_file_id: Uuid,
    /// Sent by the office (`outgoing`) or received by it (`incoming`).
    pub direction: ReferralDirectionCode,
    /// The kind of service on the other side.
    pub service: ExternalServiceCode,
    /// The organisation on the other side.
    #[schema(example = "Centro per l'impiego di Trento")]
    pub organisation: String,
    /// Why the person is referred.
    #[schema(example = "Job search support after the end of the traineeship")]
    pub reason: String,
    /// Current status.
    pub status: ReferralStatusCode,
    /// Transitions allowed from the current status.
    pub allowed_transitions: Vec<ReferralTransitionCode>,
    /// Day it was sent (or received).
    pub sent_on: NaiveDate,
    /// The reply of the receiving service (after `accept` or `reject`).
    pub reply_text: Option<String>,
    /// Day of the reply.
    pub replied_on: Option<NaiveDate>,
    /// Day it was closed.
    pub closed_on: Option<NaiveDate>,
    /// Version, also sent as `ETag`; send it back in `If-Match` to change the status.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// Who recorded it.
    pub created_by: Uuid,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change.
    pub updated_by: Uuid,
}

impl From<&Referral> for ReferralResponse {
    fn from(r: &Referral) -> Self {
        Self {
            id: r.id,
            case_file_id: r.case_file_id,
            direction: r.direction.into(),
            service: r.service.into(),
            organisation: r.details.organisation.clone(),
            reason: r.details.reason.clone(),
            status: r.status.into(),
            allowed_transitions: r
                .status
                .allowed_transitions()
                .into_iter()
                .map(Into::into)
                .collect(),
            sent_on: r.sent_on,
            reply_text: r.reply_text.clone(),
            replied_on: r.replied_on,
            closed_on: r.closed_on,
            version: r.version,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
            updated_by: r.updated_by,
        }
    }
}

fn replayable(status: StatusCode, response: &ReferralResponse, location: bool) -> Replayable {
    Replayable {
        status,
        body: serde_json::to_value(response).unwrap_or_default(),
        location: location.then(|| {
            format!(
                "/api/v1/case-files/{}/referrals/{}",
                response.case_file_id, response.id
            )
        }),
        etag: Some(etag(response.version)),
        replayed: false,
    }
}

fn parse_id(raw: &str, name: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::bad_parameter(name, "must be a UUID"))
}

/// The case file, or 404.
fn file_of(conn: &mut AnyConnection, case_file_id: Uuid) -> Result<CaseFile, ApiError> {
    case_files::find(conn, case_file_id)?
        .ok_or_else(|| ApiError::NotFound("no case file with this id".into()))
}

/// A referral of the case file, or 404 (also for a referral of another file).
fn referral_of(
    conn: &mut AnyConnection,
    case_file_id: Uuid,
    referral_id: Uuid,
) -> Result<Referral, ApiError> {
    referrals::find(conn, case_file_id, referral_id)?
        .ok_or_else(|| ApiError::NotFound("no such referral in this case file".into()))
}

fn details(person_id: Uuid, case_file_id: Uuid) -> Option<String> {
    Some(serde_json::json!({ "person_id": person_id, "case_file_id": case_file_id }).to_string())
}

/// A new referral.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "direction": "outgoing",
    "service": "employment_centre",
    "organisation": "Centro per l'impiego di Trento",
    "reason": "Job search support after the end of the traineeship",
    "sent_on": "2026-11-26"
}))]
pub struct CreateReferralRequest {
    /// Sent by the office (`outgoing`) or received by it (`incoming`).
    pub direction: ReferralDirectionCode,
    /// The kind of service on the other side.
    pub service: ExternalServiceCode,
    /// The organisation on the other side (1-200 characters).
    #[validate(length(min = 1, max = 200))]
    #[schema(
        min_length = 1,
        max_length = 200,
        example = "Centro per l'impiego di Trento"
    )]
    pub organisation: String,
    /// Why the person is referred (1-4000 characters).
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000, example = "Job search support")]
    pub reason: String,
    /// Day it was sent or received (default today); not in the future.
    pub sent_on: Option<NaiveDate>,
}

/// Record a referral
///
/// Records a referral sent to, or received from, an external service; it starts in `sent`.
/// A closed case file takes no new referrals (409). Send `Idempotency-Key` to make retries
/// safe.
#[utoipa::path(
    tag = "case-files",
    operation_id = "create_referral",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."),
        IdempotencyKeyHeader),
    request_body = CreateReferralRequest,
    responses(
        (status = 201, description = "Recorded, in `sent`.", body = ReferralResponse,
            headers(("Location" = String, description = "URL of the referral."), ("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The case file is closed.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/case-files/{case_file_id}/referrals")]
pub async fn create_referral(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<CreateReferralRequest>,
) -> Result<HttpResponse, ApiError> {
    let case_file_id = parse_id(&path, "case_file_id")?;
    caller
        .authorize(
            &state,
            Action::WriteCaseContent,
            "case_file",
            Some(case_file_id.to_string()),
        )
        .await?;
    let access =
        guard::case_file_now(&state, &caller, Action::WriteCaseContent, case_file_id).await?;
    let key = idempotency::key_of(&req)?;
    let (request, raw) = body.parse_raw().await?;
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let details_of_referral = ReferralDetails::parse(&request.organisation, &request.reason)
        .map_err(ApiError::from_domain)?;
    let today = Utc::now().date_naive();
    let sent_on = request.sent_on.unwrap_or(today);
    if sent_on > today {
        return Err(ApiError::invalid_field(
            "/sent_on",
            "must not be in the future",
        ));
    }
    let new = NewReferral {
        case_file_id,
        direction: request.direction.into(),
        service: request.service.into(),
        details: details_of_referral,
        sent_on,
    };
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let file = file_of(c, case_file_id)?;
                if file.status == CaseStatus::Closed {
                    return Err(ApiError::Conflict(
                        "the case file is closed: reopen it to record new referrals".into(),
                    ));
                }
                let referral = referrals::insert(c, &new, caller.id(), now)?;
                let mut record = access.record(&caller, "referral.create", "referral", referral.id);
                record.details = details(file.person_id, case_file_id);
                audit::append(c, record)?;
                Ok(replayable(
                    StatusCode::CREATED,
                    &ReferralResponse::from(&referral),
                    true,
                ))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// Filters of the referrals of a case file.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListReferralsQuery {
    /// Only referrals in this status.
    pub status: Option<ReferralStatusCode>,
    /// Only referrals in this direction.
    pub direction: Option<ReferralDirectionCode>,
    /// Only referrals with this kind of service.
    pub service: Option<ExternalServiceCode>,
}

/// The referrals of a case file.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralList {
    /// Referrals, oldest first.
    pub items: Vec<ReferralResponse>,
}

/// List the referrals of a case file
///
/// Every referral of the file, oldest first, filtered by status, direction and service.
#[utoipa::path(
    tag = "case-files",
    operation_id = "list_referrals",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."), ListReferralsQuery),
    responses(
        (status = 200, description = "The referrals.", body = ReferralList),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/case-files/{case_file_id}/referrals")]
pub async fn list_referrals(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let case_file_id = parse_id(&path, "case_file_id")?;
    caller
        .authorize(
            &state,
            Action::ReadCaseContent,
            "case_file",
            Some(case_file_id.to_string()),
        )
        .await?;
    let access =
        guard::case_file_now(&state, &caller, Action::ReadCaseContent, case_file_id).await?;
    let q = ValidQuery::<ListReferralsQuery>::parse(&req)?;
    let query = ReferralQuery {
        status: q.status.map(Into::into),
        direction: q.direction.map(Into::into),
        service: q.service.map(Into::into),
    };
    let st = state.clone();
    let items = blocking(move || {
        transact(&st.db, |c| {
            let file = file_of(c, case_file_id)?;
            let items = referrals::list(c, case_file_id, &query)?;
            let returned: Vec<Uuid> = items.iter().map(|r| r.id).collect();
            let mut record = access.record(&caller, "referral.list", "case_file", case_file_id);
            record.details = Some(
                serde_json::json!({ "person_id": file.person_id, "returned": returned })
                    .to_string(),
            );
            audit::append(c, record)?;
            Ok(items)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(ReferralList {
        items: items.iter().map(ReferralResponse::from).collect(),
    }))
}

/// Read a referral
///
/// One referral of the file with the transitions allowed now. A referral of another case file
/// is 404.
#[utoipa::path(
    tag = "case-files",
    operation_id = "get_referral",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."),
        ("referral_id" = Uuid, Path, description = "Referral identifier.")),
    responses(
        (status = 200, description = "The referral.", body = ReferralResponse,
            headers(("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No such case file, or no such referral in it.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/case-files/{case_file_id}/referrals/{referral_id}")]
pub async fn get_referral(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let case_file_id = parse_id(&path.0, "case_file_id")?;
    let referral_id = parse_id(&path.1, "referral_id")?;
    caller
        .authorize(
            &state,
            Action::ReadCaseContent,
            "case_file",
            Some(case_file_id.to_string()),
        )
        .await?;
    let access =
        guard::case_file_now(&state, &caller, Action::ReadCaseContent, case_file_id).await?;
    let st = state.clone();
    let referral = blocking(move || {
        transact(&st.db, |c| {
            let file = file_of(c, case_file_id)?;
            let referral = referral_of(c, case_file_id, referral_id)?;
            let mut record = access.record(&caller, "referral.read", "referral", referral_id);
            record.details = details(file.person_id, case_file_id);
            audit::append(c, record)?;
            Ok(referral)
        })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag(referral.version)))
        .json(ReferralResponse::from(&referral)))
}

/// A recorded status change of a referral.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralEventResponse {
    /// Identifier.
    pub id: Uuid,
    /// The referral.
    pub referral_id: Uuid,
    /// The transition.
    pub transition: ReferralTransitionCode,
    /// Status before.
    pub from_status: ReferralStatusCode,
    /// Status after.
    pub to_status: ReferralStatusCode,
    /// Day it happened.
    pub occurred_on: NaiveDate,
    /// The reply (accept, reject) or the closing note.
    pub note: Option<String>,
    /// Who recorded it.
    pub author_id: Uuid,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

impl From<&ReferralEvent> for ReferralEventResponse {
    fn from(e: &ReferralEvent) -> Self {
        Self {
            id: e.id,
            referral_id: e.referral_id,
            transition: e.transition.into(),
            from_status: e.from.into(),
            to_status: e.to.into(),
            occurred_on: e.occurred_on,
            note: e.note.clone(),
            author_id: e.author_id,
            recorded_at: e.recorded_at,
        }
    }
}

/// The history of a referral.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralEventList {
    /// Status changes, oldest first.
    pub items: Vec<ReferralEventResponse>,
}

/// History of a referral
///
/// Every status change with its day, author and reply or note, oldest first.
#[utoipa::path(
    tag = "case-files",
    operation_id = "list_referral_events",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."),
        ("referral_id" = Uuid, Path, description = "Referral identifier.")),
    responses(
        (status = 200, description = "The history.", body = ReferralEventList),
        (status = 404, description = "No such case file, or no such referral in it.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/case-files/{case_file_id}/referrals/{referral_id}/events")]
pub async fn list_referral_events(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let case_file_id = parse_id(&path.0, "case_file_id")?;
    let referral_id = parse_id(&path.1, "referral_id")?;
    caller
        .authorize(
            &state,
            Action::ReadCaseContent,
            "case_file",
            Some(case_file_id.to_string()),
        )
        .await?;
    let access =
        guard::case_file_now(&state, &caller, Action::ReadCaseContent, case_file_id).await?;
    let st = state.clone();
    let events = blocking(move || {
        transact(&st.db, |c| {
            let file = file_of(c, case_file_id)?;
            referral_of(c, case_file_id, referral_id)?;
            let events = referrals::events(c, referral_id)?;
            let mut record =
                access.record(&caller, "referral.history.read", "referral", referral_id);
            record.details = details(file.person_id, case_file_id);
            audit::append(c, record)?;
            Ok(events)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(ReferralEventList {
        items: events.iter().map(ReferralEventResponse::from).collect(),
    }))
}

/// A status change to apply to a referral.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"transition": "accept", "occurred_on": "2026-11-26", "reply_text": "Taken in charge; first appointment on 3 December"}))]
pub struct ReferralTransitionRequest {
    /// The transition: `accept` or `reject` (from `sent`), `close` (from `accepted` or
    /// `rejected`).
    pub transition: ReferralTransitionCode,
    /// Day it happened (default today); not in the future, not before the referral was sent,
    /// and (to close) not before the reply.
    pub occurred_on: Option<NaiveDate>,
    /// The reply of the receiving service: required to `accept` or `reject`; an optional note
    /// to `close` (1-4000 characters).
    #[validate(length(max = 4000))]
    #[schema(
        max_length = 4000,
        example = "Taken in charge; first appointment on 3 December"
    )]
    pub reply_text: Option<String>,
}

/// Change the status of a referral
///
/// `accept` or `reject` record the reply and its day; `close` records the closing day. An
/// illegal transition is 409 listing the allowed ones. Requires `If-Match` with the referral's
/// ETag.
#[utoipa::path(
    tag = "case-files",
    operation_id = "transition_referral",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."),
        ("referral_id" = Uuid, Path, description = "Referral identifier."),
        IfMatchHeader,
        IdempotencyKeyHeader),
    request_body = ReferralTransitionRequest,
    responses(
        (status = 200, description = "The referral in its new status.", body = ReferralResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 404, description = "No such case file, or no such referral in it.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the current status; `allowed_transitions` lists what is.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing reply, or a day out of order.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/case-files/{case_file_id}/referrals/{referral_id}/transitions")]
pub async fn transition_referral(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: JsonBody<ReferralTransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    let case_file_id = parse_id(&path.0, "case_file_id")?;
    let referral_id = parse_id(&path.1, "referral_id")?;
    caller
        .authorize(
            &state,
            Action::WriteCaseContent,
            "case_file",
            Some(case_file_id.to_string()),
        )
        .await?;
    let access =
        guard::case_file_now(&state, &caller, Action::WriteCaseContent, case_file_id).await?;
    let key = idempotency::key_of(&req)?;
    let (request, raw) = body.parse_raw().await?;
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let transition: ReferralTransition = request.transition.into();
    let text = check_referral_transition_request(transition, request.reply_text.as_deref())
        .map_err(ApiError::from_domain)?;
    let if_match = if_match_of(&req);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        let today = now.date_naive();
        let occurred_on = request.occurred_on.unwrap_or(today);
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let file = file_of(c, case_file_id)?;
                let referral = referral_of(c, case_file_id, referral_id)?;
                require_if_match(if_match.as_deref(), referral.version)?;
                let change = match change_referral(
                    &referral,
                    transition,
                    occurred_on,
                    text.clone(),
                    today,
                ) {
                    Ok(change) => change,
                    Err(ReferralChangeError::Illegal(illegal)) => {
                        return Err(ApiError::IllegalTransition {
                            detail: illegal.to_string(),
                            allowed: illegal
                                .allowed
                                .iter()
                                .map(|t| t.as_str().to_owned())
                                .collect(),
                        });
                    }
                    Err(ReferralChangeError::Date(detail)) => {
                        return Err(ApiError::invalid_field("/occurred_on", detail));
                    }
                };
                if !referrals::record_change(
                    c,
                    &referral,
                    referral.version,
                    transition,
                    &change,
                    occurred_on,
                    text.as_deref(),
                    caller.id(),
                    now,
                )? {
                    return Err(ApiError::PreconditionFailed(
                        "the referral changed meanwhile; read it again and retry".into(),
                    ));
                }
                let action = format!("referral.{}", transition.as_str());
                let mut record = access.record(&caller, &action, "referral", referral_id);
                record.details = Some(
                    serde_json::json!({
                        "person_id": file.person_id,
                        "case_file_id": case_file_id,
                        "from": change.from.as_str(),
                        "to": change.to.as_str(),
                    })
                    .to_string(),
                );
                audit::append(c, record)?;
                let updated = referral_of(c, case_file_id, referral_id)?;
                Ok(replayable(
                    StatusCode::OK,
                    &ReferralResponse::from(&updated),
                    false,
                ))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}
