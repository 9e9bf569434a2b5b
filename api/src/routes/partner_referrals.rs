//! The referrals addressed to a partner organisation, as its machine clients (scope
//! `referrals`) read and answer them: the referral and the identification of the person it is
//! about, nothing else of the person or of the case file.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::access::Action;
use socialcare_domain::case_file::{
    ReferralTransition, change_referral, check_referral_transition_request,
};
use socialcare_domain::ids::ReferralId;
use socialcare_domain::partner::client_may_apply;
use socialcare_domain::person::PersonRecord;
use socialcare_persistence::referrals::{self, AddressedReferral, ReferralAuthor};
use socialcare_persistence::{AnyConnection, persons};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::case_work::{Answer, NoQuery, Op, with_etag};
use crate::conditional::IfMatchHeader;
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::idempotency::IdempotencyKeyHeader;
use crate::partner_work::{self, Partner};
use crate::routes::codes::{ExternalServiceCode, ReferralStatusCode, ReferralTransitionCode};
use crate::state::AppState;

/// Who a referral is about, as the receiving service needs to identify them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferredPerson {
    /// Given names.
    #[schema(example = "Mario")]
    pub given_names: String,
    /// Family names.
    #[schema(example = "Rossi")]
    pub family_names: String,
    /// Day of birth, when known.
    pub birth_date: Option<NaiveDate>,
    /// Italian tax code (codice fiscale), when known.
    #[schema(example = "RSSMRA80A01L378Y")]
    pub tax_code: Option<String>,
}

/// A referral addressed to the client's organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartnerReferralResponse {
    /// Identifier.
    pub id: Uuid,
    /// The kind of service it is addressed to.
    pub service: ExternalServiceCode,
    /// The organisation it is addressed to (the client's).
    pub organisation_id: Uuid,
    /// Why the person is referred.
    pub reason: String,
    /// Current status.
    pub status: ReferralStatusCode,
    /// What the client may do now: `accept` and `reject` while `sent`, nothing after.
    pub allowed_transitions: Vec<ReferralTransitionCode>,
    /// Day it was sent.
    pub sent_on: NaiveDate,
    /// The answer given.
    pub reply_text: Option<String>,
    /// Day of the answer.
    pub replied_on: Option<NaiveDate>,
    /// Day the office closed it.
    pub closed_on: Option<NaiveDate>,
    /// Version, also sent as `ETag`; send it back in `If-Match` to answer.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
    /// The person it is about.
    pub person: ReferredPerson,
}

/// The answers for referrals, with their persons read in one query.
fn responses(
    conn: &mut AnyConnection,
    found: &[AddressedReferral],
) -> Result<Vec<PartnerReferralResponse>, ApiError> {
    let ids: Vec<Uuid> = found.iter().map(|f| f.person_id).collect();
    let people = persons::find_many(conn, &ids)?;
    found
        .iter()
        .map(|f| {
            let person = people
                .get(&f.person_id)
                .ok_or_else(|| ApiError::Internal("the referral's person is missing".into()))?;
            Ok(response(f, person))
        })
        .collect()
}

fn response(found: &AddressedReferral, person: &PersonRecord) -> PartnerReferralResponse {
    let r = &found.referral;
    PartnerReferralResponse {
        id: r.id,
        service: r.service.into(),
        organisation_id: r.organisation_id.unwrap_or_default(),
        reason: r.details.reason.clone(),
        status: r.status.into(),
        allowed_transitions: r
            .status
            .allowed_transitions()
            .into_iter()
            .filter(|t| client_may_apply(*t))
            .map(Into::into)
            .collect(),
        sent_on: r.sent_on,
        reply_text: r.reply_text.clone(),
        replied_on: r.replied_on,
        closed_on: r.closed_on,
        version: r.version,
        updated_at: r.updated_at,
        person: ReferredPerson {
            given_names: person.details.given_names.as_str().to_owned(),
            family_names: person.details.family_names.as_str().to_owned(),
            birth_date: person.details.birth_date,
            tax_code: person
                .details
                .tax_code
                .as_ref()
                .map(|t| t.as_str().to_owned()),
        },
    }
}

/// The answer for one referral.
fn one_response(
    conn: &mut AnyConnection,
    found: &AddressedReferral,
) -> Result<PartnerReferralResponse, ApiError> {
    responses(conn, std::slice::from_ref(found))?
        .pop()
        .ok_or_else(|| ApiError::Internal("the referral's person is missing".into()))
}

/// A referral addressed to the client's organisation, or 404 (also for one addressed to
/// another organisation).
fn addressed(
    conn: &mut AnyConnection,
    organisation_id: Uuid,
    id: Uuid,
) -> Result<AddressedReferral, ApiError> {
    referrals::find_addressed(conn, organisation_id, id)?.ok_or_else(|| {
        ApiError::NotFound("no referral with this id is addressed to your organisation".into())
    })
}

/// Filters and position of the referrals addressed to the client's organisation.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartnerReferralQuery {
    /// Only referrals in this status (e.g. `sent`: those waiting for an answer).
    #[param(inline)]
    pub status: Option<ReferralStatusCode>,
    /// Opaque position returned in `next` (base64url, 1-500 characters among `A-Z a-z 0-9 - _`);
    /// omit for the first page. Anything else, or a position of another list, is 400.
    #[validate(length(min = 1, max = 500))]
    #[param(min_length = 1, max_length = 500, pattern = "^[A-Za-z0-9_-]{1,500}$")]
    pub cursor: Option<String>,
    /// Page size, 1-100 (default 50).
    #[validate(range(min = 1, max = 100))]
    #[param(minimum = 1, maximum = 100, default = 50)]
    pub limit: Option<u32>,
}

/// One page of referrals addressed to the client's organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerReferralPage {
    /// The referrals, oldest first.
    pub items: Vec<PartnerReferralResponse>,
    /// Link to the next page, or null on the last one.
    pub next: Option<String>,
}

fn position(raw: Option<&str>) -> Result<Option<Uuid>, ApiError> {
    raw.map(|c| {
        let text = crate::cursor::decode(c)?;
        text.strip_prefix("partner-referral|")
            .and_then(|id| Uuid::parse_str(id).ok())
            .ok_or_else(|| ApiError::bad_parameter("cursor", "not a position of this list"))
    })
    .transpose()
}

/// List the referrals addressed to my organisation
///
/// For a machine client with the `referrals` scope: the referrals the office sent to the
/// client's organisation, oldest first, filtered by status. Each shows the referral and the
/// identification of the person; nothing else of the person or of the case file. Every call
/// is recorded in the audit trail with the persons shown.
#[utoipa::path(
    tag = "partners",
    operation_id = "list_partner_referrals",
    params(PartnerReferralQuery),
    responses(
        (status = 200, description = "One page of referrals.", body = PartnerReferralPage),
        (status = 400, description = "Invalid filter or cursor.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token, or the client is disabled.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a machine client, or no `referrals` scope.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partner/referrals")]
pub async fn list_partner_referrals(
    state: web::Data<AppState>,
    partner: Partner,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::AnswerAddressedReferrals,
        "partner.referral.list",
        "referral",
    );
    let query = req.query_string().to_owned();
    let page = partner_work::read(
        &state,
        partner,
        &req,
        op,
        move |work, q: PartnerReferralQuery| {
            let limit = q.limit.unwrap_or(50);
            let organisation_id = work.organisation().id;
            let mut found = referrals::list_addressed(
                work.conn(),
                organisation_id,
                q.status.map(Into::into),
                position(q.cursor.as_deref())?,
                i64::from(limit) + 1,
            )?;
            let next = crate::cursor::cut(
                &mut found,
                limit as usize,
                "/api/v1/partner/referrals",
                &query,
                |last| format!("partner-referral|{}", last.referral.id),
            );
            let items = responses(work.conn(), &found)?;
            work.shows(found.iter().map(|f| f.person_id))
                .detail("returned", items.len());
            Ok(PartnerReferralPage { items, next })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Read a referral addressed to my organisation
///
/// For a machine client with the `referrals` scope. 404 for a referral addressed to anybody
/// else.
#[utoipa::path(
    tag = "partners",
    operation_id = "get_partner_referral",
    params(("referral_id" = Uuid, Path, description = "Referral identifier.")),
    responses(
        (status = 200, description = "The referral.", body = PartnerReferralResponse,
            headers(("ETag" = String, description = "Version, for If-Match."))),
        (status = 401, description = "No valid token, or the client is disabled.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a machine client, or no `referrals` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No referral with this id is addressed to the client's organisation.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partner/referrals/{referral_id}")]
pub async fn get_partner_referral(
    state: web::Data<AppState>,
    partner: Partner,
    req: HttpRequest,
    id: Id<ReferralId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::AnswerAddressedReferrals,
        "partner.referral.read",
        "referral",
    );
    let body = partner_work::read(&state, partner, &req, op, move |work, _: NoQuery| {
        let organisation_id = work.organisation().id;
        let found = addressed(work.conn(), organisation_id, id.0.uuid())?;
        work.resource(found.referral.id).shows([found.person_id]);
        one_response(work.conn(), &found)
    })
    .await?;
    Ok(with_etag(body.version, &body))
}

/// The answer of the receiving organisation.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"transition": "accept", "reply_text": "Taken in charge; first appointment on 3 December"}))]
pub struct PartnerAnswerRequest {
    /// `accept` or `reject` (closing is the office's).
    pub transition: ReferralTransitionCode,
    /// Day of the answer (default today); not in the future, not before the referral was sent.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub occurred_on: Option<NaiveDate>,
    /// The answer (1-4000 characters).
    #[validate(length(min = 1, max = 4000))]
    #[schema(
        min_length = 1,
        max_length = 4000,
        example = "Taken in charge; first appointment on 3 December"
    )]
    pub reply_text: String,
}

/// Answer a referral addressed to my organisation
///
/// For a machine client with the `referrals` scope: `accept` or `reject` a referral in `sent`,
/// with the answer. Requires `If-Match` with the referral's ETag; send `Idempotency-Key` to make
/// retries safe (a retry with the same key replays the answer; without one it gets 412). An
/// answer not allowed from the current status is 409 listing the allowed ones.
#[utoipa::path(
    tag = "partners",
    operation_id = "answer_partner_referral",
    params(("referral_id" = Uuid, Path, description = "Referral identifier."), IfMatchHeader,
        IdempotencyKeyHeader),
    request_body = PartnerAnswerRequest,
    responses(
        (status = 200, description = "The referral, answered.", body = PartnerReferralResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 401, description = "No valid token, or the client is disabled.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a machine client, or no `referrals` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No referral with this id is addressed to the client's organisation.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the current status; `allowed_transitions` lists what is.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or a day out of order.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partner/referrals/{referral_id}/answers")]
pub async fn answer_partner_referral(
    state: web::Data<AppState>,
    partner: Partner,
    req: HttpRequest,
    id: Id<ReferralId>,
    body: Body<PartnerAnswerRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::AnswerAddressedReferrals,
        "partner.referral.answer",
        "referral",
    );
    partner_work::write(
        &state,
        partner,
        &req,
        op,
        body,
        move |work, request, if_match| {
            let (now, today, client) = (work.now(), work.today(), work.client().id);
            let transition: ReferralTransition = request.transition.into();
            if !client_may_apply(transition) {
                return Err(ApiError::invalid_field(
                    "/transition",
                    "a partner answers with `accept` or `reject`; closing is the office's",
                ));
            }
            let text = check_referral_transition_request(transition, Some(&request.reply_text))
                .map_err(ApiError::from_domain)?;
            let occurred_on = request.occurred_on.unwrap_or(today);
            let organisation_id = work.organisation().id;
            let found = addressed(work.conn(), organisation_id, id.0.uuid())?;
            let referral = &found.referral;
            let version = if_match.check(referral.version)?;
            let change = change_referral(referral, transition, occurred_on, text.clone(), today)
                .map_err(|error| {
                    crate::routes::referrals::refused_change(error, client_may_apply)
                })?;
            if !referrals::record_change(
                work.conn(),
                referral,
                version,
                transition,
                &change,
                occurred_on,
                text.as_deref(),
                ReferralAuthor::Client(client),
                now,
            )? {
                return Err(ApiError::PreconditionFailed(
                    "the referral changed meanwhile; read it again and retry".into(),
                ));
            }
            work.event(format!("partner.referral.{}", transition.as_str()))
                .resource(referral.id)
                .shows([found.person_id])
                .detail("from", change.from.as_str())
                .detail("to", change.to.as_str());
            let updated = addressed(work.conn(), organisation_id, referral.id)?;
            let body = one_response(work.conn(), &updated)?;
            Ok(Answer::ok(&body, Some(body.version)))
        },
    )
    .await
}
