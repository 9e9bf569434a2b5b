//! Consents of a case file: the privacy notice acknowledged, and consents to share data with a
//! named organisation for a purpose, with expiry and revocation.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::access::Action;
use socialcare_domain::case_file::{
    Consent, ConsentState, ConsentTerms, check_consent_dates, check_revocation_reason,
};
use socialcare_persistence::audit;
use socialcare_persistence::consents::{self, NewConsent};
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

fn replayable(status: StatusCode, response: &ConsentResponse, location: bool) -> Replayable {
    Replayable {
        status,
        body: serde_json::to_value(response).unwrap_or_default(),
        location: location.then(|| {
            format!(
                "/api/v1/case-files/{}/consents/{}",
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

/// The person of a case file, or 404.
fn person_of_file(conn: &mut AnyConnection, case_file_id: Uuid) -> Result<Uuid, ApiError> {
    case_files::find(conn, case_file_id)?
        .map(|f| f.person_id)
        .ok_or_else(|| ApiError::NotFound("no case file with this id".into()))
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
    pub given_on: Option<NaiveDate>,
    /// Last valid day, if it expires; not before `given_on`.
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
    path: web::Path<String>,
    body: JsonBody<CreateConsentRequest>,
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
    let today = Utc::now().date_naive();
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
    if given_on > today {
        merge(
            &mut errors,
            ApiError::invalid_field("/given_on", "must not be in the future"),
        );
    }
    if let Err(e) = check_consent_dates(given_on, request.expires_on, None) {
        merge(&mut errors, ApiError::from_domain(e));
    }
    let terms = match terms {
        Some(terms) if errors.is_empty() => terms,
        _ => return Err(ApiError::Validation(errors)),
    };
    let new = NewConsent {
        case_file_id,
        terms,
        given_on,
        expires_on: request.expires_on,
    };
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let person_id = person_of_file(c, case_file_id)?;
                let consent = consents::insert(c, &new, caller.id(), now)?;
                let mut record = access.record(&caller, "consent.create", "consent", consent.id);
                record.details = Some(
                    serde_json::json!({
                        "person_id": person_id,
                        "case_file_id": case_file_id,
                        "kind": consent.terms.kind.as_str(),
                    })
                    .to_string(),
                );
                audit::append(c, record)?;
                let response = response_of(&consent, now.date_naive());
                Ok(replayable(StatusCode::CREATED, &response, true))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
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
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let case_file_id = parse_id(&path, "case_file_id")?;
    caller
        .authorize(
            &state,
            Action::ReadCaseFile,
            "case_file",
            Some(case_file_id.to_string()),
        )
        .await?;
    let access = guard::case_file_now(&state, &caller, Action::ReadCaseFile, case_file_id).await?;
    let q = ValidQuery::<ListConsentsQuery>::parse(&req)?;
    let wanted: Option<ConsentState> = q.state.map(Into::into);
    let today = Utc::now().date_naive();
    let st = state.clone();
    let items = blocking(move || {
        transact(&st.db, |c| {
            let person_id = person_of_file(c, case_file_id)?;
            let items: Vec<Consent> = consents::list(c, case_file_id)?
                .into_iter()
                .filter(|consent| wanted.is_none_or(|s| consent.state_on(today) == s))
                .collect();
            let returned: Vec<Uuid> = items.iter().map(|i| i.id).collect();
            let mut record = access.record(&caller, "consent.list", "case_file", case_file_id);
            record.details = Some(
                serde_json::json!({ "person_id": person_id, "returned": returned }).to_string(),
            );
            audit::append(c, record)?;
            Ok(items)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(ConsentList {
        items: items.iter().map(|c| response_of(c, today)).collect(),
    }))
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
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let case_file_id = parse_id(&path.0, "case_file_id")?;
    let consent_id = parse_id(&path.1, "consent_id")?;
    caller
        .authorize(
            &state,
            Action::ReadCaseFile,
            "case_file",
            Some(case_file_id.to_string()),
        )
        .await?;
    let access = guard::case_file_now(&state, &caller, Action::ReadCaseFile, case_file_id).await?;
    let st = state.clone();
    let consent = blocking(move || {
        transact(&st.db, |c| {
            let person_id = person_of_file(c, case_file_id)?;
            let consent =
                consents::find(c, case_file_id, consent_id)?.ok_or_else(consent_not_found)?;
            let mut record = access.record(&caller, "consent.read", "consent", consent_id);
            record.details = Some(
                serde_json::json!({ "person_id": person_id, "case_file_id": case_file_id })
                    .to_string(),
            );
            audit::append(c, record)?;
            Ok(consent)
        })
    })
    .await?;
    let response = response_of(&consent, Utc::now().date_naive());
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag(response.version)))
        .json(response))
}

/// The revocation of a consent.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"revoked_on": "2026-11-26", "reason": "The person withdrew the consent at the interview"}))]
pub struct RevokeConsentRequest {
    /// Day the revocation takes effect (default today); not in the future, not before the
    /// consent was given.
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
    path: web::Path<(String, String)>,
    body: JsonBody<RevokeConsentRequest>,
) -> Result<HttpResponse, ApiError> {
    let case_file_id = parse_id(&path.0, "case_file_id")?;
    let consent_id = parse_id(&path.1, "consent_id")?;
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
    let reason = check_revocation_reason(&request.reason).map_err(ApiError::from_domain)?;
    let today = Utc::now().date_naive();
    let revoked_on = request.revoked_on.unwrap_or(today);
    if revoked_on > today {
        return Err(ApiError::invalid_field(
            "/revoked_on",
            "must not be in the future",
        ));
    }
    let if_match = if_match_of(&req);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let person_id = person_of_file(c, case_file_id)?;
                let consent =
                    consents::find(c, case_file_id, consent_id)?.ok_or_else(consent_not_found)?;
                require_if_match(if_match.as_deref(), consent.version)?;
                if let Some(day) = consent.revoked_on {
                    return Err(ApiError::Conflict(format!(
                        "the consent was already revoked on {day}"
                    )));
                }
                check_consent_dates(consent.given_on, consent.expires_on, Some(revoked_on))
                    .map_err(ApiError::from_domain)?;
                if !consents::revoke(
                    c,
                    consent_id,
                    consent.version,
                    revoked_on,
                    &reason,
                    caller.id(),
                    now,
                )? {
                    return Err(ApiError::PreconditionFailed(
                        "the consent changed meanwhile; read it again and retry".into(),
                    ));
                }
                let mut record = access.record(&caller, "consent.revoke", "consent", consent_id);
                record.details = Some(
                    serde_json::json!({ "person_id": person_id, "case_file_id": case_file_id })
                        .to_string(),
                );
                audit::append(c, record)?;
                let revoked =
                    consents::find(c, case_file_id, consent_id)?.ok_or_else(consent_not_found)?;
                Ok(replayable(
                    StatusCode::OK,
                    &response_of(&revoked, now.date_naive()),
                    false,
                ))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}
