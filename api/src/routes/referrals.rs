//! Referrals of a case file to and from external services (Centro per l'impiego, Agenzia del
//! Lavoro, CSM, SerD, UEPE, health district, cooperatives): sent → accepted | rejected →
//! closed, with the replies and the history.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::access::Action;
use socialcare_domain::case_file::ExternalService;
use socialcare_domain::case_file::{
    Referral, ReferralChangeError, ReferralDetails, ReferralEvent, ReferralTransition,
    change_referral, check_referral_transition_request, check_takes_new_work,
};
use socialcare_domain::dates::check_not_future;
use socialcare_domain::ids::{CaseFileId, ReferralId};
use socialcare_domain::partner::referral_addressee;
use socialcare_persistence::referrals::{self, NewReferral, ReferralAuthor, ReferralQuery};
use socialcare_persistence::{AnyConnection, case_files, partners};
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
    /// The registered partner organisation (`GET /partner-organisations`) it is addressed to or
    /// comes from, if one was named: that organisation's machine clients with the `referrals`
    /// scope read and answer an outgoing referral.
    pub organisation_id: Option<Uuid>,
    /// The partner's machine client that accepted or rejected it, if a client did.
    pub answered_by_client: Option<Uuid>,
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
    /// The staff member who last changed it (a partner client's answer is in
    /// `answered_by_client`).
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
            organisation_id: r.organisation_id,
            answered_by_client: r.answered_by_client,
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

fn location(referral: &Referral) -> String {
    format!(
        "/api/v1/case-files/{}/referrals/{}",
        referral.case_file_id, referral.id
    )
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
    /// The kind of service on the other side: required unless `organisation_id` is given, then
    /// the organisation's (naming another is 422).
    pub service: Option<ExternalServiceCode>,
    /// The organisation on the other side (1-200 characters): required unless
    /// `organisation_id` is given, then the registered name (naming another is 422).
    #[validate(length(min = 1, max = 200))]
    #[schema(
        min_length = 1,
        max_length = 200,
        example = "Centro per l'impiego di Trento"
    )]
    pub organisation: Option<String>,
    /// A registered, active partner organisation (`GET /partner-organisations`) the referral is
    /// addressed to or comes from; not the Provincia, which receives no referrals.
    pub organisation_id: Option<Uuid>,
    /// Why the person is referred (1-4000 characters).
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000, example = "Job search support")]
    pub reason: String,
    /// Day it was sent or received (default today); not in the future.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
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
    id: Id<CaseFileId>,
    body: Body<CreateReferralRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::WriteCaseContent, "referral.create", "referral");
    case_work::write(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        body,
        move |work, request, _| {
            let (now, today, actor) = (work.now(), work.today(), work.actor());
            let (service, organisation) = addressee(work.conn(), &request)?;
            let details = ReferralDetails::parse(&organisation, &request.reason)
                .map_err(ApiError::from_domain)?;
            let sent_on = request.sent_on.unwrap_or(today);
            check_not_future(sent_on, today)
                .map_err(|detail| ApiError::invalid_field("/sent_on", detail))?;
            let file = case_files::find(work.conn(), id.0.uuid())?
                .ok_or_else(|| ApiError::NotFound("no case file with this id".into()))?;
            check_takes_new_work(file.status, "record new referrals")
                .map_err(ApiError::Conflict)?;
            let new = NewReferral {
                case_file_id: file.id,
                direction: request.direction.into(),
                service,
                details,
                sent_on,
                organisation_id: request.organisation_id,
            };
            let referral = referrals::insert(work.conn(), &new, actor, now)?;
            work.resource(referral.id)
                .concerns(referral.organisation_id);
            Ok(Answer::created(
                &ReferralResponse::from(&referral),
                location(&referral),
                Some(referral.version),
            ))
        },
    )
    .await
}

/// The answer to a refused change of a referral: 409 with the transitions allowed from its
/// status that `offered` lets the caller apply, or 422 on `occurred_on`.
pub(crate) fn refused_change(
    error: ReferralChangeError,
    offered: impl Fn(ReferralTransition) -> bool,
) -> ApiError {
    match error {
        ReferralChangeError::Illegal(illegal) => ApiError::IllegalTransition {
            detail: illegal.to_string(),
            allowed: illegal
                .allowed
                .iter()
                .filter(|t| offered(**t))
                .map(|t| t.as_str().to_owned())
                .collect(),
        },
        ReferralChangeError::Date(detail) => ApiError::invalid_field("/occurred_on", detail),
    }
}

/// The service and organisation of a new referral (`domain::partner::referral_addressee`),
/// with the registered organisation it names read here (422 when there is none with that id).
fn addressee(
    conn: &mut AnyConnection,
    request: &CreateReferralRequest,
) -> Result<(ExternalService, String), ApiError> {
    let registered = match request.organisation_id {
        Some(id) => Some(partners::find_organisation(conn, id)?.ok_or_else(|| {
            ApiError::invalid_field("/organisation_id", "no partner organisation with this id")
        })?),
        None => None,
    };
    referral_addressee(
        registered.as_ref(),
        request.service.map(ExternalService::from),
        request.organisation.as_deref(),
    )
    .map_err(ApiError::from_domain)
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
    id: Id<CaseFileId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseContent, "referral.list", "case_file");
    let items = case_work::read(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        move |work, q: ListReferralsQuery| {
            let query = ReferralQuery {
                status: q.status.map(Into::into),
                direction: q.direction.map(Into::into),
                service: q.service.map(Into::into),
            };
            let items = referrals::list(work.conn(), id.0.uuid(), &query)?;
            let returned: Vec<Uuid> = items.iter().map(|r| r.id).collect();
            work.detail("returned", returned);
            Ok(items)
        },
    )
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
    req: HttpRequest,
    id: Id<CaseFileId>,
    referral_id: Id<ReferralId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseContent, "referral.read", "referral");
    let referral = case_work::read(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        move |work, _: NoQuery| {
            let referral = referral_of(work.conn(), id.0.uuid(), referral_id.0.uuid())?;
            work.resource(referral.id);
            Ok(referral)
        },
    )
    .await?;
    Ok(with_etag(
        referral.version,
        &ReferralResponse::from(&referral),
    ))
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
    /// The staff member who recorded it (absent when a partner's machine client did).
    pub author_id: Option<Uuid>,
    /// The partner's machine client that recorded it (absent when a staff member did).
    pub client_id: Option<Uuid>,
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
            client_id: e.client_id,
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
    req: HttpRequest,
    id: Id<CaseFileId>,
    referral_id: Id<ReferralId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseContent, "referral.history.read", "referral");
    let events = case_work::read(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        move |work, _: NoQuery| {
            let referral = referral_of(work.conn(), id.0.uuid(), referral_id.0.uuid())?;
            work.resource(referral.id);
            Ok(referrals::events(work.conn(), referral.id)?)
        },
    )
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
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
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
    id: Id<CaseFileId>,
    referral_id: Id<ReferralId>,
    body: Body<ReferralTransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::WriteCaseContent, "referral.transition", "referral");
    case_work::write(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        body,
        move |work, request, if_match| {
            let (now, today, actor) = (work.now(), work.today(), work.actor());
            let transition: ReferralTransition = request.transition.into();
            let text = check_referral_transition_request(transition, request.reply_text.as_deref())
                .map_err(ApiError::from_domain)?;
            let occurred_on = request.occurred_on.unwrap_or(today);
            let referral = referral_of(work.conn(), id.0.uuid(), referral_id.0.uuid())?;
            let version = if_match.check(referral.version)?;
            let change = change_referral(&referral, transition, occurred_on, text.clone(), today)
                .map_err(|error| refused_change(error, |_| true))?;
            if !referrals::record_change(
                work.conn(),
                &referral,
                version,
                transition,
                &change,
                occurred_on,
                text.as_deref(),
                ReferralAuthor::Staff(actor),
                now,
            )? {
                return Err(ApiError::PreconditionFailed(
                    "the referral changed meanwhile; read it again and retry".into(),
                ));
            }
            work.event(format!("referral.{}", transition.as_str()))
                .resource(referral.id)
                .concerns(referral.organisation_id)
                .detail("from", change.from.as_str())
                .detail("to", change.to.as_str());
            let updated = referral_of(work.conn(), referral.case_file_id, referral.id)?;
            Ok(Answer::ok(
                &ReferralResponse::from(&updated),
                Some(updated.version),
            ))
        },
    )
    .await
}
