//! Consents of a case file: the privacy notice acknowledged, and consents to share data with a
//! named organisation for a purpose, with expiry and revocation.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::access::Action;
use socialcare_domain::case_file::{
    Consent, ConsentState, ConsentTerms, RevocationRefusal, check_new_consent_dates,
    check_revocation, check_revocation_reason,
};
use socialcare_domain::ids::{CaseFileId, ConsentId};
use socialcare_persistence::consents::{self, NewConsent};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, Answer, NoQuery, Op, Target, with_etag};
use crate::conditional::IfMatchHeader;
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::idempotency::IdempotencyKeyHeader;
use crate::routes::codes::{ConsentKindCode, ConsentStateCode};
use crate::state::AppState;

/// A consent of a case file, with its state today.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentResponse {
    /// Identifier.
    pub id: Uuid,
    /// The case file it belongs to.
    pub case_file_id: Uuid,
    /// What it covers.
    pub kind: ConsentKindCode,
    /// Version of the privacy notice acknowledged (`privacy_notice` only).
    #[schema(example = "2026.1")]
    pub privacy_notice_version: Option<String>,
    /// Organisation data may be shared with (`data_sharing` only).
    #[schema(example = "Centro per l'impiego di Trento")]
    pub organisation: Option<String>,
    /// Why data is shared (`data_sharing` only).
    #[schema(example = "Employment path agreed in the inclusion pact")]
    pub purpose: Option<String>,
    /// Day it was given.
    pub given_on: NaiveDate,
    /// Last valid day, or null when it does not expire.
    pub expires_on: Option<NaiveDate>,
    /// Day it was revoked, or null.
    pub revoked_on: Option<NaiveDate>,
    /// Why it was revoked, or null.
    pub revocation_reason: Option<String>,
    /// State today: `active`, `expired`, `revoked` or `not_yet_valid`.
    pub state: ConsentStateCode,
    /// Version, also sent as `ETag`; send it back in `If-Match` to revoke the consent.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// Who recorded it.
    pub recorded_by: Uuid,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change.
    pub updated_by: Uuid,
}

fn response_of(consent: &Consent, today: NaiveDate) -> ConsentResponse {
    ConsentResponse {
        id: consent.id,
        case_file_id: consent.case_file_id,
        kind: consent.terms.kind.into(),
        privacy_notice_version: consent.terms.privacy_notice_version.clone(),
        organisation: consent.terms.organisation.clone(),
        purpose: consent.terms.purpose.clone(),
        given_on: consent.given_on,
        expires_on: consent.expires_on,
        revoked_on: consent.revoked_on,
        revocation_reason: consent.revocation_reason.clone(),
        state: consent.state_on(today).into(),
        version: consent.version,
        recorded_by: consent.recorded_by,
        created_at: consent.created_at,
        updated_at: consent.updated_at,
        updated_by: consent.updated_by,
    }
}

fn location(consent: &Consent) -> String {
    format!(
        "/api/v1/case-files/{}/consents/{}",
        consent.case_file_id, consent.id
    )
}

fn consent_not_found() -> ApiError {
    ApiError::NotFound("no such consent in this case file".into())
}

/// Collects 422 errors from several checks into one answer.
fn merge(errors: &mut Vec<crate::error::InvalidParam>, error: ApiError) {
    if let ApiError::Validation(more) = error {
        errors.extend(more);
    }
}

/// A new consent.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "data_sharing",
    "organisation": "Centro per l'impiego di Trento",
    "purpose": "Employment path agreed in the inclusion pact",
    "given_on": "2026-11-20",
    "expires_on": "2027-11-19"
}))]
pub struct CreateConsentRequest {
    /// What the consent covers.
    pub kind: ConsentKindCode,
    /// Version of the privacy notice acknowledged: required for `privacy_notice`, refused
    /// otherwise (1-50 characters).
    #[validate(length(max = 50))]
    #[schema(max_length = 50, example = "2026.1")]
    pub privacy_notice_version: Option<String>,
    /// Organisation data may be shared with: required for `data_sharing`, refused otherwise
    /// (1-200 characters).
    #[validate(length(max = 200))]
    #[schema(max_length = 200, example = "Centro per l'impiego di Trento")]
    pub organisation: Option<String>,
    /// Why data is shared: required for `data_sharing`, refused otherwise (1-1000 characters).
    #[validate(length(max = 1000))]
    #[schema(
        max_length = 1000,
        example = "Employment path agreed in the inclusion pact"
    )]
    pub purpose: Option<String>,
    /// Day the consent was given (default today); not in the future.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub given_on: Option<NaiveDate>,
    /// Last valid day, if it expires; not before `given_on`.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub expires_on: Option<NaiveDate>,
}

/// Record a consent
///
/// Records that the person acknowledged the privacy notice (with its version), or consented to
/// share their data with a named organisation for a purpose, optionally until an expiry day.
/// Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "case-files",
    operation_id = "create_consent",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."),
        IdempotencyKeyHeader),
    request_body = CreateConsentRequest,
    responses(
        (status = 201, description = "Recorded.", body = ConsentResponse,
            headers(("Location" = String, description = "URL of the consent."), ("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields: those of the other kind, missing ones, dates out of order.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/case-files/{case_file_id}/consents")]
pub async fn create_consent(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<CaseFileId>,
    body: Body<CreateConsentRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::WriteCaseContent, "consent.create", "consent");
    case_work::write(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        body,
        move |work, request, _| {
            let (now, today, actor) = (work.now(), work.today(), work.actor());
            let given_on = request.given_on.unwrap_or(today);
            let mut errors = Vec::new();
            let terms = ConsentTerms::parse(
                request.kind.into(),
                request.privacy_notice_version.as_deref(),
                request.organisation.as_deref(),
                request.purpose.as_deref(),
            )
            .map_err(|e| merge(&mut errors, ApiError::from_domain(e)))
            .ok();
            if let Err(e) = check_new_consent_dates(given_on, request.expires_on, today) {
                merge(&mut errors, ApiError::from_domain(e));
            }
            let terms = match terms {
                Some(terms) if errors.is_empty() => terms,
                _ => return Err(ApiError::Validation(errors)),
            };
            let new = NewConsent {
                case_file_id: id.0.uuid(),
                terms,
                given_on,
                expires_on: request.expires_on,
            };
            let consent = consents::insert(work.conn(), &new, actor, now)?;
            work.resource(consent.id)
                .detail("kind", consent.terms.kind.as_str());
            Ok(Answer::created(
                &response_of(&consent, today),
                location(&consent),
                Some(consent.version),
            ))
        },
    )
    .await
}

/// Filter of the consents of a case file.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListConsentsQuery {
    /// Only consents in this state today.
    pub state: Option<ConsentStateCode>,
}

/// The consents of a case file.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentList {
    /// Consents, oldest first.
    pub items: Vec<ConsentResponse>,
}

/// List the consents of a case file
///
/// Every consent of the file, oldest first, each with its state today; `state` keeps only
/// those in that state (e.g. `active` to know what may be shared now).
#[utoipa::path(
    tag = "case-files",
    operation_id = "list_consents",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."), ListConsentsQuery),
    responses(
        (status = 200, description = "The consents.", body = ConsentList),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/case-files/{case_file_id}/consents")]
pub async fn list_consents(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<CaseFileId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "consent.list", "case_file");
    let items = case_work::read(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        move |work, q: ListConsentsQuery| {
            let today = work.today();
            let wanted: Option<ConsentState> = q.state.map(Into::into);
            let items: Vec<ConsentResponse> = consents::list(work.conn(), id.0.uuid())?
                .iter()
                .filter(|consent| wanted.is_none_or(|s| consent.state_on(today) == s))
                .map(|consent| response_of(consent, today))
                .collect();
            let returned: Vec<Uuid> = items.iter().map(|i| i.id).collect();
            work.detail("returned", returned);
            Ok(items)
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(ConsentList { items }))
}

/// Read a consent
///
/// One consent of the file with its state today. A consent of another case file is 404.
#[utoipa::path(
    tag = "case-files",
    operation_id = "get_consent",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."),
        ("consent_id" = Uuid, Path, description = "Consent identifier.")),
    responses(
        (status = 200, description = "The consent.", body = ConsentResponse,
            headers(("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No such case file, or no such consent in it.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/case-files/{case_file_id}/consents/{consent_id}")]
pub async fn get_consent(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<CaseFileId>,
    consent_id: Id<ConsentId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "consent.read", "consent");
    let response = case_work::read(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        move |work, _: NoQuery| {
            let consent = consents::find(work.conn(), id.0.uuid(), consent_id.0.uuid())?
                .ok_or_else(consent_not_found)?;
            work.resource(consent.id);
            Ok(response_of(&consent, work.today()))
        },
    )
    .await?;
    Ok(with_etag(response.version, &response))
}

/// The revocation of a consent.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"revoked_on": "2026-11-26", "reason": "The person withdrew the consent at the interview"}))]
pub struct RevokeConsentRequest {
    /// Day the revocation takes effect (default today); not in the future, not before the
    /// consent was given.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub revoked_on: Option<NaiveDate>,
    /// Why (1-2000 characters).
    #[validate(length(min = 1, max = 2000))]
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "The person withdrew the consent"
    )]
    pub reason: String,
}

/// Revoke a consent
///
/// Records that the person revoked the consent, from `revoked_on`. A consent is revoked once
/// (409 afterwards). Requires `If-Match` with the consent's ETag.
#[utoipa::path(
    tag = "case-files",
    operation_id = "revoke_consent",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."),
        ("consent_id" = Uuid, Path, description = "Consent identifier."),
        IfMatchHeader,
        IdempotencyKeyHeader),
    request_body = RevokeConsentRequest,
    responses(
        (status = 200, description = "The revoked consent.", body = ConsentResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 404, description = "No such case file, or no such consent in it.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The consent is already revoked.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid reason or day.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/case-files/{case_file_id}/consents/{consent_id}/revoke")]
pub async fn revoke_consent(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<CaseFileId>,
    consent_id: Id<ConsentId>,
    body: Body<RevokeConsentRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::WriteCaseContent, "consent.revoke", "consent");
    case_work::write(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        body,
        move |work, request, if_match| {
            let (now, today, actor) = (work.now(), work.today(), work.actor());
            let (case_file_id, consent_id) = (id.0.uuid(), consent_id.0.uuid());
            let consent = consents::find(work.conn(), case_file_id, consent_id)?
                .ok_or_else(consent_not_found)?;
            let version = if_match.check(consent.version)?;
            let reason = check_revocation_reason(&request.reason).map_err(ApiError::from_domain)?;
            let revoked_on = request.revoked_on.unwrap_or(today);
            check_revocation(&consent, revoked_on, today).map_err(|refusal| match refusal {
                RevocationRefusal::AlreadyRevoked(_) => ApiError::Conflict(refusal.to_string()),
                RevocationRefusal::Invalid(errors) => ApiError::from_domain(errors),
            })?;
            if !consents::revoke(
                work.conn(),
                consent_id,
                version,
                revoked_on,
                &reason,
                actor,
                now,
            )? {
                return Err(ApiError::PreconditionFailed(
                    "the consent changed meanwhile; read it again and retry".into(),
                ));
            }
            work.resource(consent_id);
            let revoked = consents::find(work.conn(), case_file_id, consent_id)?
                .ok_or_else(consent_not_found)?;
            Ok(Answer::ok(
                &response_of(&revoked, today),
                Some(revoked.version),
            ))
        },
    )
    .await
}
