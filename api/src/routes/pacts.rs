//! Inclusion pacts (Patti per l'inclusione sociale) of a case file: drawing up, steps,
//! lifecycle `draft` → `signed` → `active` ⇄ `suspended` → `closed`, commitments per household
//! member, periodic checks, non-compliance events and the legal clocks. A pact is visible to
//! whoever may see its case file: every handler asks [`authorize_pact_work`] first.

use actix_web::http::StatusCode;
use actix_web::http::header::ETAG;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::ValidationErrors;
use socialcare_domain::access::Action;
use socialcare_domain::case_file::{
    CaseFile, CaseStatus, ExternalService, ReferralDetails, ReferralDirection,
};
use socialcare_domain::pact::{
    AnalysisOutcome, ClosureOutcome, Commitment, CommitmentContent, CommitmentStatus, DueItem,
    NonCompliance, Pact, PactChangeError, PactCheck, PactStatus, PactStep, PactTransition,
    PactTransitionRecord, PactTransitionRequest, StepKind, check_check_outcomes,
    check_commitments_allowed, check_new_pact, check_non_compliance, check_pact_transition,
    check_periodic_check, check_step, deadlines, rules_version,
};
use socialcare_domain::project::{NOTES_MAX_CHARS, optional_text};
use socialcare_persistence::audit::{self, Outcome};
use socialcare_persistence::pacts::{self, NewPact};
use socialcare_persistence::referrals::{self, NewReferral};
use socialcare_persistence::{AnyConnection, case_files, households};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::conditional::{etag, if_match_of, require_if_match};
use crate::error::{ApiError, Problem, blocking, transact};
use crate::extract::{JsonBody, ValidQuery};
use crate::guard;
use crate::idempotency::{self, Replayable};
use crate::routes::codes::{
    AnalysisOutcomeCode, ClosureOutcomeCode, CommitmentKindCode, CommitmentStatusCode, DueKindCode,
    FrequencyCode, MeasureCode, PactStatusCode, PactStepKindCode, PactTransitionCode,
};
use crate::state::AppState;

// ---------------------------------------------------------------------------------------------
// Access, loading, errors
// ---------------------------------------------------------------------------------------------

/// The one access decision of this module: whether the caller may read (`write == false`) or
/// change (`write == true`) the pacts of the case file `case_file_id`. A pact is visible to
/// whoever may see its case file.
async fn authorize_pact_work(
    state: &web::Data<AppState>,
    caller: &Caller,
    case_file_id: Uuid,
    write: bool,
) -> Result<Caller, ApiError> {
    // Pacts are visible to whoever may see the case file (its bookkeeping readers included),
    // and written by the case team.
    let action = if write {
        Action::WriteCaseContent
    } else {
        Action::ReadCaseFile
    };
    caller
        .authorize(state, action, "case_file", Some(case_file_id.to_string()))
        .await?;
    let access = guard::case_file_now(state, caller, action, case_file_id).await?;
    Ok(access.mark(caller))
}

fn parse_id(raw: &str, name: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::bad_parameter(name, "must be a UUID"))
}

fn no_pact() -> ApiError {
    ApiError::NotFound("no pact with this id".into())
}

/// The case file a pact belongs to (404 for an unknown pact), to decide access first.
async fn case_file_of_pact(state: &web::Data<AppState>, pact_id: Uuid) -> Result<Uuid, ApiError> {
    let db = state.db.clone();
    blocking(move || Ok(db.read(|c| pacts::case_file_of(c, pact_id))?))
        .await?
        .ok_or_else(no_pact)
}

fn file_of(conn: &mut AnyConnection, case_file_id: Uuid) -> Result<CaseFile, ApiError> {
    case_files::find(conn, case_file_id)?
        .ok_or_else(|| ApiError::NotFound("no case file with this id".into()))
}

fn pact_of(conn: &mut AnyConnection, pact_id: Uuid) -> Result<(CaseFile, Pact), ApiError> {
    let pact = pacts::find(conn, pact_id)?.ok_or_else(no_pact)?;
    let file = file_of(conn, pact.case_file_id)?;
    Ok((file, pact))
}

fn touch(
    conn: &mut AnyConnection,
    pact: &Pact,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if pacts::bump_version(conn, pact.id, pact.version, actor, now)? {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed(
            "the pact changed meanwhile; read it again and retry".into(),
        ))
    }
}

fn change_error(error: PactChangeError) -> ApiError {
    match error {
        PactChangeError::Illegal(illegal) => ApiError::IllegalTransition {
            detail: illegal.to_string(),
            allowed: illegal
                .allowed
                .iter()
                .map(|t| t.as_str().to_owned())
                .collect(),
        },
        PactChangeError::State(detail) => ApiError::Conflict(detail),
        PactChangeError::Invalid(errors) => ApiError::from_domain(errors),
    }
}

/// Appends the audit record of an action on a pact or one of its parts.
#[allow(clippy::too_many_arguments)]
fn record(
    conn: &mut AnyConnection,
    caller: &Caller,
    action: &str,
    resource_type: &str,
    resource_id: Uuid,
    file: &CaseFile,
    pact_id: Option<Uuid>,
    extra: serde_json::Value,
) -> Result<(), ApiError> {
    let mut entry = caller.audit(
        action,
        resource_type,
        Some(resource_id.to_string()),
        Outcome::Success,
    );
    entry.persons = vec![file.person_id];
    let mut details = serde_json::json!({
        "person_id": file.person_id,
        "case_file_id": file.id,
    });
    if let Some(pact_id) = pact_id {
        details["pact_id"] = serde_json::json!(pact_id);
    }
    if let (Some(target), Some(more)) = (details.as_object_mut(), extra.as_object()) {
        target.extend(more.clone());
    }
    entry.details = Some(details.to_string());
    audit::append(conn, entry)?;
    Ok(())
}

fn replayable<T: Serialize>(
    status: StatusCode,
    body: &T,
    location: Option<String>,
    version: Option<i64>,
) -> Replayable {
    Replayable {
        status,
        body: serde_json::to_value(body).unwrap_or_default(),
        location,
        etag: version.map(etag),
        replayed: false,
    }
}

// ---------------------------------------------------------------------------------------------
// Pact responses and the clock
// ---------------------------------------------------------------------------------------------

/// One deadline of a pact.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeadlineResponse {
    /// What is due.
    pub kind: DueKindCode,
    /// By when.
    pub due_on: NaiveDate,
    /// True when the day has passed.
    pub late: bool,
    /// The commitment, for `commitment`.
    pub commitment_id: Option<Uuid>,
}

impl From<&DueItem> for DeadlineResponse {
    fn from(d: &DueItem) -> Self {
        Self {
            kind: d.kind.into(),
            due_on: d.due_on,
            late: d.late,
            commitment_id: d.commitment_id,
        }
    }
}

/// The legal clock of a pact under the rule version it was computed with.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PactClockResponse {
    /// The clock rule version (kept for the life of the pact).
    #[schema(example = "adi-2024")]
    pub rules_version: String,
    /// Days from the activation of the benefit to the convocation, if the rules set it.
    #[schema(format = Int64, example = 60)]
    pub convocation_within_days: Option<u64>,
    /// Days from the convocation to the signature, if the rules set it.
    #[schema(format = Int64, example = 120)]
    pub signature_within_days: Option<u64>,
    /// Longest interval between periodic checks while active, if the rules set it.
    #[schema(format = Int64, example = 90)]
    pub check_every_days: Option<u64>,
    /// Whether days spent suspended do not count towards the next check.
    pub suspension_stops_clock: bool,
    /// The earliest deadline, if any.
    pub next_due_on: Option<NaiveDate>,
    /// True when at least one deadline has passed.
    pub late: bool,
    /// Every deadline, by due day.
    pub deadlines: Vec<DeadlineResponse>,
}

/// An inclusion pact with its clock.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PactResponse {
    /// Identifier.
    pub id: Uuid,
    /// The case file it belongs to.
    pub case_file_id: Uuid,
    /// The person of the case file.
    pub person_id: Uuid,
    /// The household it covers.
    pub household_id: Option<Uuid>,
    /// The measure.
    pub measure: MeasureCode,
    /// Reference of the application to the national or local institute.
    #[schema(example = "INPS-ADI-2026-000123")]
    pub application_reference: String,
    /// Current status.
    pub status: PactStatusCode,
    /// Transitions allowed now (a legacy `rdc` pact may only be closed).
    pub allowed_transitions: Vec<PactTransitionCode>,
    /// Day it was drawn up.
    pub drafted_on: NaiveDate,
    /// Activation day of the benefit.
    pub activation_on: Option<NaiveDate>,
    /// Day the household was convened.
    pub convocation_on: Option<NaiveDate>,
    /// Outcome of the preliminary analysis.
    pub analysis_outcome: Option<AnalysisOutcomeCode>,
    /// Day it was signed.
    pub signed_on: Option<NaiveDate>,
    /// Day it first became active.
    pub active_since: Option<NaiveDate>,
    /// Day of the last periodic check.
    pub last_check_on: Option<NaiveDate>,
    /// Day it was closed.
    pub closed_on: Option<NaiveDate>,
    /// How it ended.
    pub closure_outcome: Option<ClosureOutcomeCode>,
    /// The legal clock.
    pub clock: PactClockResponse,
    /// Version, also sent as `ETag`; send it back in `If-Match` to change the status.
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

/// Loads a pact's clock facts and renders the pact.
fn render_pact(
    conn: &mut AnyConnection,
    file: &CaseFile,
    pact: &Pact,
) -> Result<PactResponse, ApiError> {
    let rules = rules_version(&pact.rules_version).ok_or_else(|| {
        ApiError::Internal(format!("unknown clock rule version {}", pact.rules_version))
    })?;
    let facts = pacts::clock_facts(conn, pact)?;
    let items = deadlines(&facts, rules, Utc::now().date_naive());
    Ok(PactResponse {
        id: pact.id,
        case_file_id: pact.case_file_id,
        person_id: file.person_id,
        household_id: pact.household_id,
        measure: pact.measure.into(),
        application_reference: pact.application_reference.clone(),
        status: pact.status.into(),
        allowed_transitions: pact
            .status
            .allowed_for(pact.measure)
            .into_iter()
            .map(Into::into)
            .collect(),
        drafted_on: pact.drafted_on,
        activation_on: pact.activation_on,
        convocation_on: pact.convocation_on,
        analysis_outcome: pact.analysis_outcome.map(Into::into),
        signed_on: pact.signed_on,
        active_since: pact.active_since,
        last_check_on: pact.last_check_on,
        closed_on: pact.closed_on,
        closure_outcome: pact.closure_outcome.map(Into::into),
        clock: PactClockResponse {
            rules_version: rules.version.to_owned(),
            convocation_within_days: rules.convocation_within_days,
            signature_within_days: rules.signature_within_days,
            check_every_days: rules.check_every_days,
            suspension_stops_clock: rules.suspension_stops_clock,
            next_due_on: items.first().map(|i| i.due_on),
            late: items.iter().any(|i| i.late),
            deadlines: items.iter().map(DeadlineResponse::from).collect(),
        },
        version: pact.version,
        created_at: pact.created_at,
        created_by: pact.created_by,
        updated_at: pact.updated_at,
        updated_by: pact.updated_by,
    })
}

fn reload(conn: &mut AnyConnection, pact_id: Uuid) -> Result<PactResponse, ApiError> {
    let (file, pact) = pact_of(conn, pact_id)?;
    render_pact(conn, &file, &pact)
}

// ---------------------------------------------------------------------------------------------
// Pacts
// ---------------------------------------------------------------------------------------------

/// A new inclusion pact.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "measure": "adi",
    "application_reference": "INPS-ADI-2026-000123",
    "activation_on": "2026-11-02",
    "drafted_on": "2026-11-20"
}))]
pub struct CreatePactRequest {
    /// The measure (`rdc` is legacy: no new pacts).
    pub measure: MeasureCode,
    /// Reference of the application to the national or local institute (1-50 characters).
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50, example = "INPS-ADI-2026-000123")]
    pub application_reference: String,
    /// The household it covers (an existing household with the person of the case file among
    /// its members).
    pub household_id: Option<Uuid>,
    /// Activation day of the benefit (required for `adi`: its clock starts from it); not in the
    /// future. It also chooses the clock rule version.
    pub activation_on: Option<NaiveDate>,
    /// Day it is drawn up (default today): not in the future, not before the case file was
    /// opened.
    pub drafted_on: Option<NaiveDate>,
}

/// Draw up an inclusion pact
///
/// Draws up a pact for the case file, in `draft`, under the clock rules in force on the
/// activation day (or the day it is drawn up); the pact keeps that rule version. A closed case
/// file takes no new pacts (409). Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "pacts",
    operation_id = "create_pact",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key and body return the first response; another body is 422.")),
    request_body = CreatePactRequest,
    responses(
        (status = 201, description = "Drawn up, in `draft`.", body = PactResponse,
            headers(("Location" = String, description = "URL of the pact."), ("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The case file is closed.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (a legacy measure, a missing activation day, an unknown household).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/case-files/{case_file_id}/pacts")]
pub async fn create_pact(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<CreatePactRequest>,
) -> Result<HttpResponse, ApiError> {
    let case_file_id = parse_id(&path, "case_file_id")?;
    let caller = authorize_pact_work(&state, &caller, case_file_id, true).await?;
    let key = idempotency::key_of(&req)?;
    let (request, raw) = body.parse_raw().await?;
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        let today = now.date_naive();
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let file = file_of(c, case_file_id)?;
                let drafted_on = request.drafted_on.unwrap_or(today);
                let checked = check_new_pact(
                    request.measure.into(),
                    &request.application_reference,
                    request.activation_on,
                    drafted_on,
                    file.opened_on,
                    today,
                );
                let mut errors = match &checked {
                    Ok(_) => ValidationErrors::new(),
                    Err(e) => e.clone(),
                };
                if let Some(household) = request.household_id {
                    let members = households::members_of_household(c, household)?;
                    if !members
                        .iter()
                        .any(|m| m.membership.person_id == file.person_id)
                    {
                        errors.push(socialcare_domain::FieldError::new(
                            "household_id",
                            "no household with this id has the person of the case file among \
                             its members",
                        ));
                    }
                }
                if !errors.is_empty() {
                    return Err(ApiError::from_domain(errors));
                }
                let (reference, rules) = checked.map_err(ApiError::from_domain)?;
                if file.status == CaseStatus::Closed {
                    return Err(ApiError::Conflict(
                        "the case file is closed: reopen it to draw up new pacts".into(),
                    ));
                }
                let pact = pacts::insert(
                    c,
                    &NewPact {
                        case_file_id,
                        household_id: request.household_id,
                        measure: request.measure.into(),
                        application_reference: reference,
                        drafted_on,
                        activation_on: request.activation_on,
                        rules_version: rules.version.to_owned(),
                    },
                    caller.id(),
                    now,
                )?;
                record(
                    c,
                    &caller,
                    "pact.create",
                    "pact",
                    pact.id,
                    &file,
                    None,
                    serde_json::json!({ "measure": pact.measure.as_str(), "rules_version": rules.version }),
                )?;
                let response = render_pact(c, &file, &pact)?;
                Ok(replayable(
                    StatusCode::CREATED,
                    &response,
                    Some(format!("/api/v1/pacts/{}", pact.id)),
                    Some(pact.version),
                ))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// Filters of the pacts of a case file.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListPactsQuery {
    /// Only pacts in this status.
    pub status: Option<PactStatusCode>,
    /// Only pacts of this measure.
    pub measure: Option<MeasureCode>,
}

/// The pacts of a case file.
#[derive(Debug, Serialize, ToSchema)]
pub struct PactList {
    /// Pacts, oldest first.
    pub items: Vec<PactResponse>,
}

/// List the pacts of a case file
///
/// Every pact of the file with its clock, oldest first, filtered by status and measure.
#[utoipa::path(
    tag = "pacts",
    operation_id = "list_pacts",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."), ListPactsQuery),
    responses(
        (status = 200, description = "The pacts.", body = PactList),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/case-files/{case_file_id}/pacts")]
pub async fn list_pacts(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let case_file_id = parse_id(&path, "case_file_id")?;
    let caller = authorize_pact_work(&state, &caller, case_file_id, false).await?;
    let q = ValidQuery::<ListPactsQuery>::parse(&req)?;
    let st = state.clone();
    let items = blocking(move || {
        transact(&st.db, |c| {
            let file = file_of(c, case_file_id)?;
            let found = pacts::list(
                c,
                &[case_file_id],
                q.status.map(Into::into),
                q.measure.map(Into::into),
            )?;
            let mut items = Vec::with_capacity(found.len());
            for pact in &found {
                items.push(render_pact(c, &file, pact)?);
            }
            let returned: Vec<Uuid> = found.iter().map(|p| p.id).collect();
            record(
                c,
                &caller,
                "pact.list",
                "case_file",
                case_file_id,
                &file,
                None,
                serde_json::json!({ "returned": returned }),
            )?;
            Ok(items)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(PactList { items }))
}

/// Read a pact
///
/// One pact with the transitions allowed now and its clock: the rule version, every deadline
/// (convocation, signature, check, commitments), the next due day and whether anything is late.
#[utoipa::path(
    tag = "pacts",
    operation_id = "get_pact",
    params(("pact_id" = Uuid, Path, description = "Pact identifier.")),
    responses(
        (status = 200, description = "The pact.", body = PactResponse,
            headers(("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No pact with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/pacts/{pact_id}")]
pub async fn get_pact(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let pact_id = parse_id(&path, "pact_id")?;
    let case_file_id = case_file_of_pact(&state, pact_id).await?;
    let caller = authorize_pact_work(&state, &caller, case_file_id, false).await?;
    let st = state.clone();
    let response = blocking(move || {
        transact(&st.db, |c| {
            let (file, pact) = pact_of(c, pact_id)?;
            let response = render_pact(c, &file, &pact)?;
            record(
                c,
                &caller,
                "pact.read",
                "pact",
                pact_id,
                &file,
                None,
                serde_json::json!({}),
            )?;
            Ok(response)
        })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((ETAG, etag(response.version)))
        .json(response))
}

/// A lifecycle transition to apply to a pact.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"transition": "suspend", "occurred_on": "2026-11-26", "reason": "Hospital stay"}))]
pub struct PactTransitionBody {
    /// The transition.
    pub transition: PactTransitionCode,
    /// Day it takes effect (default today): not in the future, not before the pact's last step
    /// or change.
    pub occurred_on: Option<NaiveDate>,
    /// Why (1-2000 characters): required to `suspend` and `close`.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000, example = "Hospital stay")]
    pub reason: Option<String>,
    /// How the pact ends: required to `close`, refused otherwise.
    pub closure_outcome: Option<ClosureOutcomeCode>,
}

/// The latest day recorded on a pact (steps, signature, start, last check, transitions): a
/// transition may not be dated before it.
fn last_change_on(conn: &mut AnyConnection, pact: &Pact) -> Result<NaiveDate, ApiError> {
    let mut last = pact.drafted_on;
    for day in [
        pact.convocation_on,
        pact.signed_on,
        pact.active_since,
        pact.last_check_on,
    ]
    .into_iter()
    .flatten()
    {
        last = last.max(day);
    }
    for step in pacts::steps(conn, pact.id)? {
        last = last.max(step.occurred_on);
    }
    for t in pacts::transitions(conn, pact.id)? {
        last = last.max(t.occurred_on);
    }
    Ok(last)
}

/// Change the status of a pact
///
/// `sign` (after a preliminary analysis that keeps the social or specialist path; records the
/// signature step), `activate`, `suspend` (with a reason), `resume`, `close` (with a reason and
/// a closure outcome). An illegal transition is 409 listing the allowed ones; a legacy `rdc`
/// pact may only be closed. Requires `If-Match` with the pact's ETag.
#[utoipa::path(
    tag = "pacts",
    operation_id = "transition_pact",
    params(("pact_id" = Uuid, Path, description = "Pact identifier."),
        ("If-Match" = String, Header, description = "The ETag of the pact."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = PactTransitionBody,
    responses(
        (status = 200, description = "The pact in its new status.", body = PactResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 404, description = "No pact with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the current status (`allowed_transitions` lists what is), or the steps do not allow it.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing reason or closure outcome, or a day out of order.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/pacts/{pact_id}/transitions")]
pub async fn transition_pact(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<PactTransitionBody>,
) -> Result<HttpResponse, ApiError> {
    let pact_id = parse_id(&path, "pact_id")?;
    let case_file_id = case_file_of_pact(&state, pact_id).await?;
    let caller = authorize_pact_work(&state, &caller, case_file_id, true).await?;
    let key = idempotency::key_of(&req)?;
    let (request, raw) = body.parse_raw().await?;
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let if_match = if_match_of(&req);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        let today = now.date_naive();
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let (file, pact) = pact_of(c, pact_id)?;
                require_if_match(if_match.as_deref(), pact.version)?;
                let transition_request = PactTransitionRequest {
                    transition: request.transition.into(),
                    occurred_on: request.occurred_on.unwrap_or(today),
                    reason: request.reason.clone(),
                    closure_outcome: request.closure_outcome.map(Into::into),
                };
                let last = last_change_on(c, &pact)?;
                let (to, reason) = check_pact_transition(&pact, &transition_request, last, today)
                    .map_err(change_error)?;
                touch(c, &pact, caller.id(), now)?;
                let transition_record = PactTransitionRecord {
                    id: Uuid::now_v7(),
                    transition: transition_request.transition,
                    from: pact.status,
                    to,
                    occurred_on: transition_request.occurred_on,
                    reason,
                    closure_outcome: transition_request.closure_outcome,
                    author_id: caller.id(),
                    recorded_at: now,
                };
                pacts::record_transition(c, &pact, &transition_record)?;
                record(
                    c,
                    &caller,
                    &format!("pact.{}", transition_request.transition.as_str()),
                    "pact",
                    pact_id,
                    &file,
                    None,
                    serde_json::json!({ "from": pact.status.as_str(), "to": to.as_str() }),
                )?;
                let response = reload(c, pact_id)?;
                Ok(replayable(
                    StatusCode::OK,
                    &response,
                    None,
                    Some(response.version),
                ))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// A recorded transition of a pact.
#[derive(Debug, Serialize, ToSchema)]
pub struct PactTransitionResponse {
    /// Identifier.
    pub id: Uuid,
    /// The transition.
    pub transition: PactTransitionCode,
    /// Status before.
    pub from_status: PactStatusCode,
    /// Status after.
    pub to_status: PactStatusCode,
    /// Day it took effect.
    pub occurred_on: NaiveDate,
    /// Why.
    pub reason: Option<String>,
    /// How the pact ended (close).
    pub closure_outcome: Option<ClosureOutcomeCode>,
    /// Who recorded it.
    pub author_id: Uuid,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// The lifecycle history of a pact.
#[derive(Debug, Serialize, ToSchema)]
pub struct PactTransitionList {
    /// Transitions, oldest first.
    pub items: Vec<PactTransitionResponse>,
}

/// History of a pact
///
/// Every status change of the pact with its day, reason and author, oldest first.
#[utoipa::path(
    tag = "pacts",
    operation_id = "list_pact_transitions",
    params(("pact_id" = Uuid, Path, description = "Pact identifier.")),
    responses(
        (status = 200, description = "The history.", body = PactTransitionList),
        (status = 404, description = "No pact with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/pacts/{pact_id}/transitions")]
pub async fn list_pact_transitions(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let pact_id = parse_id(&path, "pact_id")?;
    let case_file_id = case_file_of_pact(&state, pact_id).await?;
    let caller = authorize_pact_work(&state, &caller, case_file_id, false).await?;
    let st = state.clone();
    let items = blocking(move || {
        transact(&st.db, |c| {
            let (file, _) = pact_of(c, pact_id)?;
            let items = pacts::transitions(c, pact_id)?;
            record(
                c,
                &caller,
                "pact.history.read",
                "pact",
                pact_id,
                &file,
                None,
                serde_json::json!({}),
            )?;
            Ok(items)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(PactTransitionList {
        items: items
            .iter()
            .map(|t| PactTransitionResponse {
                id: t.id,
                transition: t.transition.into(),
                from_status: t.from.into(),
                to_status: t.to.into(),
                occurred_on: t.occurred_on,
                reason: t.reason.clone(),
                closure_outcome: t.closure_outcome.map(Into::into),
                author_id: t.author_id,
                recorded_at: t.recorded_at,
            })
            .collect(),
    }))
}

// ---------------------------------------------------------------------------------------------
// Steps
// ---------------------------------------------------------------------------------------------

/// A recorded step of a pact.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PactStepResponse {
    /// Identifier.
    pub id: Uuid,
    /// The pact.
    pub pact_id: Uuid,
    /// The step.
    pub kind: PactStepKindCode,
    /// Day it happened.
    pub occurred_on: NaiveDate,
    /// Outcome (preliminary analysis).
    pub outcome: Option<AnalysisOutcomeCode>,
    /// Notes.
    #[schema(example = "Household met at the office; needs a housing path")]
    pub notes: Option<String>,
    /// Who recorded it.
    pub author_id: Uuid,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The referral sent to the Centro per l'impiego when the preliminary analysis chose the
    /// employment path (the pact is then closed as `transferred`).
    pub referral_id: Option<Uuid>,
}

fn step_response(s: &PactStep, referral_id: Option<Uuid>) -> PactStepResponse {
    PactStepResponse {
        id: s.id,
        pact_id: s.pact_id,
        kind: s.kind.into(),
        occurred_on: s.occurred_on,
        outcome: s.outcome.map(Into::into),
        notes: s.notes.clone(),
        author_id: s.author_id,
        recorded_at: s.recorded_at,
        referral_id,
    }
}

/// A step to record.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "preliminary_analysis", "occurred_on": "2026-11-26", "outcome": "social_path", "notes": "Needs a housing path"}))]
pub struct CreatePactStepRequest {
    /// The step: `convocation`, `preliminary_analysis` or `in_depth_assessment` (the
    /// signature is the `sign` transition).
    pub kind: PactStepKindCode,
    /// Day it happened (default today): not in the future, not before the pact was drawn up.
    pub occurred_on: Option<NaiveDate>,
    /// The outcome: required for `preliminary_analysis`, refused otherwise.
    pub outcome: Option<AnalysisOutcomeCode>,
    /// Notes (up to 10,000 characters).
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000, example = "Needs a housing path")]
    pub notes: Option<String>,
}

/// The steps of a pact.
#[derive(Debug, Serialize, ToSchema)]
pub struct PactStepList {
    /// Steps, in the order they happened.
    pub items: Vec<PactStepResponse>,
}

/// Record a step of a pact
///
/// Records the convocation, the preliminary analysis (with its outcome) or the in-depth
/// assessment of a draft pact, each once and in order (409 otherwise). A preliminary analysis
/// that chooses the employment path closes the pact as `transferred` and sends a referral to
/// the Centro per l'impiego. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "pacts",
    operation_id = "create_pact_step",
    params(("pact_id" = Uuid, Path, description = "Pact identifier."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = CreatePactStepRequest,
    responses(
        (status = 201, description = "Recorded.", body = PactStepResponse),
        (status = 404, description = "No pact with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The pact is not a draft, the step is already recorded or out of order, or the measure is legacy.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/pacts/{pact_id}/steps")]
pub async fn create_pact_step(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<CreatePactStepRequest>,
) -> Result<HttpResponse, ApiError> {
    let pact_id = parse_id(&path, "pact_id")?;
    let case_file_id = case_file_of_pact(&state, pact_id).await?;
    let caller = authorize_pact_work(&state, &caller, case_file_id, true).await?;
    let key = idempotency::key_of(&req)?;
    let (request, raw) = body.parse_raw().await?;
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        let today = now.date_naive();
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let (file, pact) = pact_of(c, pact_id)?;
                let kind: StepKind = request.kind.into();
                let occurred_on = request.occurred_on.unwrap_or(today);
                let analysis: Option<AnalysisOutcome> = request.outcome.map(Into::into);
                let notes = optional_text(request.notes.as_deref(), NOTES_MAX_CHARS)
                    .map_err(|e| ApiError::invalid_field("/notes", e))?;
                let recorded: Vec<StepKind> =
                    pacts::steps(c, pact_id)?.iter().map(|s| s.kind).collect();
                check_step(&pact, &recorded, kind, occurred_on, analysis, today)
                    .map_err(change_error)?;
                touch(c, &pact, caller.id(), now)?;
                let step = pacts::insert_step(
                    c,
                    pact_id,
                    kind,
                    occurred_on,
                    analysis,
                    notes,
                    caller.id(),
                    now,
                )?;
                let mut referral_id = None;
                if analysis == Some(AnalysisOutcome::EmploymentPath) {
                    let details = ReferralDetails::parse(
                        "Centro per l'impiego",
                        &format!(
                            "Inclusion pact {}: the preliminary analysis chose the employment path",
                            pact.application_reference
                        ),
                    )
                    .map_err(ApiError::from_domain)?;
                    let referral = referrals::insert(
                        c,
                        &NewReferral {
                            case_file_id: file.id,
                            direction: ReferralDirection::Outgoing,
                            service: ExternalService::EmploymentCentre,
                            details,
                            sent_on: occurred_on,
                        },
                        caller.id(),
                        now,
                    )?;
                    referral_id = Some(referral.id);
                    pacts::record_transition(
                        c,
                        &pact,
                        &PactTransitionRecord {
                            id: Uuid::now_v7(),
                            transition: PactTransition::Close,
                            from: pact.status,
                            to: PactStatus::Closed,
                            occurred_on,
                            reason: Some(
                                "Employment path: transferred to the Centro per l'impiego".into(),
                            ),
                            closure_outcome: Some(ClosureOutcome::Transferred),
                            author_id: caller.id(),
                            recorded_at: now,
                        },
                    )?;
                    record(
                        c,
                        &caller,
                        "referral.create",
                        "referral",
                        referral.id,
                        &file,
                        Some(pact_id),
                        serde_json::json!({}),
                    )?;
                }
                record(
                    c,
                    &caller,
                    &format!("pact.step.{}", kind.as_str()),
                    "pact_step",
                    step.id,
                    &file,
                    Some(pact_id),
                    serde_json::json!({ "outcome": analysis.map(AnalysisOutcome::as_str) }),
                )?;
                Ok(replayable(
                    StatusCode::CREATED,
                    &step_response(&step, referral_id),
                    None,
                    None,
                ))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// List the steps of a pact
///
/// The convocation, preliminary analysis, in-depth assessment and signature recorded, in the
/// order they happened.
#[utoipa::path(
    tag = "pacts",
    operation_id = "list_pact_steps",
    params(("pact_id" = Uuid, Path, description = "Pact identifier.")),
    responses(
        (status = 200, description = "The steps.", body = PactStepList),
        (status = 404, description = "No pact with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/pacts/{pact_id}/steps")]
pub async fn list_pact_steps(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let pact_id = parse_id(&path, "pact_id")?;
    let case_file_id = case_file_of_pact(&state, pact_id).await?;
    let caller = authorize_pact_work(&state, &caller, case_file_id, false).await?;
    let st = state.clone();
    let items = blocking(move || {
        transact(&st.db, |c| {
            let (file, _) = pact_of(c, pact_id)?;
            let items = pacts::steps(c, pact_id)?;
            record(
                c,
                &caller,
                "pact.step.list",
                "pact",
                pact_id,
                &file,
                None,
                serde_json::json!({}),
            )?;
            Ok(items)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(PactStepList {
        items: items.iter().map(|s| step_response(s, None)).collect(),
    }))
}

// ---------------------------------------------------------------------------------------------
// Commitments
// ---------------------------------------------------------------------------------------------

/// A commitment of a household member.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommitmentResponse {
    /// Identifier.
    pub id: Uuid,
    /// The pact.
    pub pact_id: Uuid,
    /// The household member it concerns.
    pub person_id: Uuid,
    /// Kind.
    pub kind: CommitmentKindCode,
    /// Who follows it (service or operator).
    #[schema(example = "Centro per l'impiego di Trento")]
    pub owner: String,
    /// How often.
    pub frequency: FrequencyCode,
    /// By when.
    pub due_on: NaiveDate,
    /// How it is verified.
    #[schema(example = "Attendance sheet signed by the tutor")]
    pub verification: String,
    /// Status.
    pub status: CommitmentStatusCode,
    /// The reason, with `justified`.
    pub justification: Option<String>,
    /// Version, also sent as `ETag`; send it back in `If-Match` to change the commitment.
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

impl From<&Commitment> for CommitmentResponse {
    fn from(c: &Commitment) -> Self {
        Self {
            id: c.id,
            pact_id: c.pact_id,
            person_id: c.content.person_id,
            kind: c.content.kind.into(),
            owner: c.content.owner.clone(),
            frequency: c.content.frequency.into(),
            due_on: c.content.due_on,
            verification: c.content.verification.clone(),
            status: c.content.status.into(),
            justification: c.content.justification.clone(),
            version: c.version,
            created_at: c.created_at,
            created_by: c.created_by,
            updated_at: c.updated_at,
            updated_by: c.updated_by,
        }
    }
}

/// The content of a commitment (to add or to replace).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "person_id": "01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e5f",
    "kind": "active_job_search",
    "owner": "Centro per l'impiego di Trento",
    "frequency": "monthly",
    "due_on": "2027-01-31",
    "verification": "Job applications shown at the check",
    "status": "pending"
}))]
pub struct CommitmentRequest {
    /// The household member it concerns: the person of the case file or a current member of
    /// the pact's household.
    pub person_id: Uuid,
    /// Kind.
    pub kind: CommitmentKindCode,
    /// Who follows it (1-500 characters).
    #[validate(length(min = 1, max = 500))]
    #[schema(
        min_length = 1,
        max_length = 500,
        example = "Centro per l'impiego di Trento"
    )]
    pub owner: String,
    /// How often.
    pub frequency: FrequencyCode,
    /// By when: not before the signature.
    pub due_on: NaiveDate,
    /// How it is verified (1-500 characters).
    #[validate(length(min = 1, max = 500))]
    #[schema(
        min_length = 1,
        max_length = 500,
        example = "Job applications shown at the check"
    )]
    pub verification: String,
    /// Status (default `pending`).
    pub status: Option<CommitmentStatusCode>,
    /// The reason: required with `justified`, refused otherwise (1-2000 characters).
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000, example = "Hospital stay")]
    pub justification: Option<String>,
}

impl CommitmentRequest {
    fn content(
        &self,
        conn: &mut AnyConnection,
        file: &CaseFile,
        pact: &Pact,
        today: NaiveDate,
    ) -> Result<CommitmentContent, ApiError> {
        let checked = CommitmentContent::parse(
            self.person_id,
            self.kind.into(),
            &self.owner,
            self.frequency.into(),
            self.due_on,
            &self.verification,
            self.status.map_or(CommitmentStatus::Pending, Into::into),
            self.justification.as_deref(),
            pact.signed_on,
        );
        let mut errors = match &checked {
            Ok(_) => ValidationErrors::new(),
            Err(e) => e.clone(),
        };
        let member = self.person_id == file.person_id
            || match pact.household_id {
                Some(household) => households::members_of_household(conn, household)?
                    .iter()
                    .any(|m| {
                        m.membership.person_id == self.person_id
                            && m.membership.is_current_on(today)
                    }),
                None => false,
            };
        if !member {
            errors.push(socialcare_domain::FieldError::new(
                "person_id",
                "must be the person of the case file or a current member of the pact's household",
            ));
        }
        match checked {
            Ok(content) if errors.is_empty() => Ok(content),
            _ => Err(ApiError::from_domain(errors)),
        }
    }
}

/// The commitments of a pact.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommitmentList {
    /// Commitments, by due day.
    pub items: Vec<CommitmentResponse>,
}

fn no_commitment() -> ApiError {
    ApiError::NotFound("no such commitment in this pact".into())
}

/// Agree a commitment
///
/// Adds a commitment of a household member to a signed, active or suspended pact (409 on a
/// draft, a closed or a legacy pact). Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "pacts",
    operation_id = "create_pact_commitment",
    params(("pact_id" = Uuid, Path, description = "Pact identifier."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = CommitmentRequest,
    responses(
        (status = 201, description = "Agreed.", body = CommitmentResponse,
            headers(("Location" = String, description = "URL of the commitment."), ("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No pact with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The pact is not signed, is closed, or is a legacy record.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or a person outside the household.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/pacts/{pact_id}/commitments")]
pub async fn create_pact_commitment(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<CommitmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let pact_id = parse_id(&path, "pact_id")?;
    let case_file_id = case_file_of_pact(&state, pact_id).await?;
    let caller = authorize_pact_work(&state, &caller, case_file_id, true).await?;
    let key = idempotency::key_of(&req)?;
    let (request, raw) = body.parse_raw().await?;
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let (file, pact) = pact_of(c, pact_id)?;
                check_commitments_allowed(&pact).map_err(change_error)?;
                let content = request.content(c, &file, &pact, now.date_naive())?;
                touch(c, &pact, caller.id(), now)?;
                let commitment = pacts::insert_commitment(c, pact_id, &content, caller.id(), now)?;
                record(
                    c,
                    &caller,
                    "pact.commitment.create",
                    "pact_commitment",
                    commitment.id,
                    &file,
                    Some(pact_id),
                    serde_json::json!({ "member_id": content.person_id }),
                )?;
                Ok(replayable(
                    StatusCode::CREATED,
                    &CommitmentResponse::from(&commitment),
                    Some(format!(
                        "/api/v1/pacts/{pact_id}/commitments/{}",
                        commitment.id
                    )),
                    Some(commitment.version),
                ))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// List the commitments of a pact
///
/// Every commitment of the pact, by due day.
#[utoipa::path(
    tag = "pacts",
    operation_id = "list_pact_commitments",
    params(("pact_id" = Uuid, Path, description = "Pact identifier.")),
    responses(
        (status = 200, description = "The commitments.", body = CommitmentList),
        (status = 404, description = "No pact with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/pacts/{pact_id}/commitments")]
pub async fn list_pact_commitments(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let pact_id = parse_id(&path, "pact_id")?;
    let case_file_id = case_file_of_pact(&state, pact_id).await?;
    let caller = authorize_pact_work(&state, &caller, case_file_id, false).await?;
    let st = state.clone();
    let items = blocking(move || {
        transact(&st.db, |c| {
            let (file, _) = pact_of(c, pact_id)?;
            let items = pacts::commitments(c, pact_id)?;
            record(
                c,
                &caller,
                "pact.commitment.list",
                "pact",
                pact_id,
                &file,
                None,
                serde_json::json!({}),
            )?;
            Ok(items)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(CommitmentList {
        items: items.iter().map(CommitmentResponse::from).collect(),
    }))
}

/// Read a commitment
///
/// One commitment of the pact. A commitment of another pact is 404.
#[utoipa::path(
    tag = "pacts",
    operation_id = "get_pact_commitment",
    params(("pact_id" = Uuid, Path, description = "Pact identifier."),
        ("commitment_id" = Uuid, Path, description = "Commitment identifier.")),
    responses(
        (status = 200, description = "The commitment.", body = CommitmentResponse,
            headers(("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No such pact, or no such commitment in it.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/pacts/{pact_id}/commitments/{commitment_id}")]
pub async fn get_pact_commitment(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let pact_id = parse_id(&path.0, "pact_id")?;
    let commitment_id = parse_id(&path.1, "commitment_id")?;
    let case_file_id = case_file_of_pact(&state, pact_id).await?;
    let caller = authorize_pact_work(&state, &caller, case_file_id, false).await?;
    let st = state.clone();
    let commitment = blocking(move || {
        transact(&st.db, |c| {
            let (file, _) = pact_of(c, pact_id)?;
            let commitment =
                pacts::find_commitment(c, pact_id, commitment_id)?.ok_or_else(no_commitment)?;
            record(
                c,
                &caller,
                "pact.commitment.read",
                "pact_commitment",
                commitment_id,
                &file,
                Some(pact_id),
                serde_json::json!({}),
            )?;
            Ok(commitment)
        })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((ETAG, etag(commitment.version)))
        .json(CommitmentResponse::from(&commitment)))
}

/// Change a commitment
///
/// Replaces the content and status of a commitment (409 on a closed or legacy pact). Requires
/// `If-Match` with the commitment's ETag.
#[utoipa::path(
    tag = "pacts",
    operation_id = "update_pact_commitment",
    params(("pact_id" = Uuid, Path, description = "Pact identifier."),
        ("commitment_id" = Uuid, Path, description = "Commitment identifier."),
        ("If-Match" = String, Header, description = "The ETag of the commitment."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = CommitmentRequest,
    responses(
        (status = 200, description = "The changed commitment.", body = CommitmentResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 404, description = "No such pact, or no such commitment in it.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The pact is closed or a legacy record.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/pacts/{pact_id}/commitments/{commitment_id}")]
pub async fn update_pact_commitment(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: JsonBody<CommitmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let pact_id = parse_id(&path.0, "pact_id")?;
    let commitment_id = parse_id(&path.1, "commitment_id")?;
    let case_file_id = case_file_of_pact(&state, pact_id).await?;
    let caller = authorize_pact_work(&state, &caller, case_file_id, true).await?;
    let key = idempotency::key_of(&req)?;
    let (request, raw) = body.parse_raw().await?;
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let if_match = if_match_of(&req);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let (file, pact) = pact_of(c, pact_id)?;
                let commitment =
                    pacts::find_commitment(c, pact_id, commitment_id)?.ok_or_else(no_commitment)?;
                require_if_match(if_match.as_deref(), commitment.version)?;
                check_commitments_allowed(&pact).map_err(change_error)?;
                let content = request.content(c, &file, &pact, now.date_naive())?;
                touch(c, &pact, caller.id(), now)?;
                if !pacts::update_commitment(
                    c,
                    commitment_id,
                    commitment.version,
                    &content,
                    caller.id(),
                    now,
                )? {
                    return Err(ApiError::PreconditionFailed(
                        "the commitment changed meanwhile; read it again and retry".into(),
                    ));
                }
                record(
                    c,
                    &caller,
                    "pact.commitment.update",
                    "pact_commitment",
                    commitment_id,
                    &file,
                    Some(pact_id),
                    serde_json::json!({ "status": content.status.as_str() }),
                )?;
                let updated =
                    pacts::find_commitment(c, pact_id, commitment_id)?.ok_or_else(no_commitment)?;
                Ok(replayable(
                    StatusCode::OK,
                    &CommitmentResponse::from(&updated),
                    None,
                    Some(updated.version),
                ))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/// The outcome of a check for one commitment.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckOutcomeBody {
    /// The commitment (of this pact).
    pub commitment_id: Uuid,
    /// Its status after the check.
    pub status: CommitmentStatusCode,
    /// A note; with `justified`, the reason (required; up to 2000 characters).
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000, example = "Certificate of attendance shown")]
    pub note: Option<String>,
}

/// A periodic check of a pact.
#[derive(Debug, Serialize, ToSchema)]
pub struct PactCheckResponse {
    /// Identifier.
    pub id: Uuid,
    /// The pact.
    pub pact_id: Uuid,
    /// Day of the check.
    pub checked_on: NaiveDate,
    /// The household members who attended.
    pub attendees: Vec<Uuid>,
    /// Outcome per commitment.
    pub outcomes: Vec<CheckOutcomeBody>,
    /// Notes.
    #[schema(example = "The household attended; school certificates shown")]
    pub notes: Option<String>,
    /// Who recorded it.
    pub author_id: Uuid,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

impl From<&PactCheck> for PactCheckResponse {
    fn from(k: &PactCheck) -> Self {
        Self {
            id: k.id,
            pact_id: k.pact_id,
            checked_on: k.checked_on,
            attendees: k.attendees.clone(),
            outcomes: k
                .outcomes
                .iter()
                .map(|o| CheckOutcomeBody {
                    commitment_id: o.commitment_id,
                    status: o.status.into(),
                    note: o.note.clone(),
                })
                .collect(),
            notes: k.notes.clone(),
            author_id: k.author_id,
            recorded_at: k.recorded_at,
        }
    }
}

/// A periodic check to record.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "checked_on": "2026-11-26",
    "attendees": ["01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e5f"],
    "outcomes": [{"commitment_id": "01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e60", "status": "met", "note": "Certificate shown"}],
    "notes": "The household attended"
}))]
pub struct CreatePactCheckRequest {
    /// Day of the check (default today): not in the future, not before the start or the last
    /// check.
    pub checked_on: Option<NaiveDate>,
    /// The household members who attended (up to 20): the person of the case file or members
    /// of the pact's household.
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub attendees: Vec<Uuid>,
    /// Outcome per commitment (up to 100; each commitment at most once); the commitments take
    /// the status given here.
    #[serde(default)]
    #[validate(length(max = 100), nested)]
    #[schema(max_items = 100)]
    pub outcomes: Vec<CheckOutcomeBody>,
    /// Notes (up to 10,000 characters).
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000, example = "The household attended")]
    pub notes: Option<String>,
}

/// The checks of a pact.
#[derive(Debug, Serialize, ToSchema)]
pub struct PactCheckList {
    /// Checks, newest first.
    pub items: Vec<PactCheckResponse>,
}

/// Record a periodic check
///
/// Records a check of an active pact (409 otherwise) with who attended and the outcome per
/// commitment (which sets the commitments' statuses); it restarts the check clock. Send
/// `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "pacts",
    operation_id = "create_pact_check",
    params(("pact_id" = Uuid, Path, description = "Pact identifier."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = CreatePactCheckRequest,
    responses(
        (status = 201, description = "Recorded.", body = PactCheckResponse,
            headers(("Location" = String, description = "URL of the check."))),
        (status = 404, description = "No pact with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The pact is not active.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, e.g. a commitment of another pact at `/outcomes/0/commitment_id`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/pacts/{pact_id}/checks")]
pub async fn create_pact_check(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<CreatePactCheckRequest>,
) -> Result<HttpResponse, ApiError> {
    let pact_id = parse_id(&path, "pact_id")?;
    let case_file_id = case_file_of_pact(&state, pact_id).await?;
    let caller = authorize_pact_work(&state, &caller, case_file_id, true).await?;
    let key = idempotency::key_of(&req)?;
    let (request, raw) = body.parse_raw().await?;
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        let today = now.date_naive();
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let (file, pact) = pact_of(c, pact_id)?;
                let checked_on = request.checked_on.unwrap_or(today);
                check_periodic_check(&pact, checked_on, today).map_err(change_error)?;
                let commitment_ids: Vec<Uuid> = pacts::commitments(c, pact_id)?
                    .iter()
                    .map(|k| k.id)
                    .collect();
                let raw_outcomes: Vec<(Uuid, CommitmentStatus, Option<String>)> = request
                    .outcomes
                    .iter()
                    .map(|o| (o.commitment_id, o.status.into(), o.note.clone()))
                    .collect();
                let mut errors = ValidationErrors::new();
                let outcomes = match check_check_outcomes(&raw_outcomes, &commitment_ids) {
                    Ok(o) => o,
                    Err(e) => {
                        for error in e.errors() {
                            errors.push(error.clone());
                        }
                        Vec::new()
                    }
                };
                let members: Vec<Uuid> = match pact.household_id {
                    Some(h) => households::members_of_household(c, h)?
                        .iter()
                        .map(|m| m.membership.person_id)
                        .collect(),
                    None => Vec::new(),
                };
                for (i, person) in request.attendees.iter().enumerate() {
                    if *person != file.person_id && !members.contains(person) {
                        errors.push(socialcare_domain::FieldError::new(
                            format!("attendees/{i}"),
                            "not the person of the case file nor a member of the household",
                        ));
                    }
                }
                let notes = errors
                    .collect(
                        "notes",
                        optional_text(request.notes.as_deref(), NOTES_MAX_CHARS),
                    )
                    .flatten();
                if !errors.is_empty() {
                    return Err(ApiError::from_domain(errors));
                }
                touch(c, &pact, caller.id(), now)?;
                let check = pacts::insert_check(
                    c,
                    pact_id,
                    checked_on,
                    &request.attendees,
                    &outcomes,
                    notes,
                    caller.id(),
                    now,
                )?;
                record(
                    c,
                    &caller,
                    "pact.check.create",
                    "pact_check",
                    check.id,
                    &file,
                    Some(pact_id),
                    serde_json::json!({ "attendees": check.attendees }),
                )?;
                Ok(replayable(
                    StatusCode::CREATED,
                    &PactCheckResponse::from(&check),
                    Some(format!("/api/v1/pacts/{pact_id}/checks/{}", check.id)),
                    None,
                ))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// List the checks of a pact
///
/// Every periodic check with attendees and outcomes, newest first.
#[utoipa::path(
    tag = "pacts",
    operation_id = "list_pact_checks",
    params(("pact_id" = Uuid, Path, description = "Pact identifier.")),
    responses(
        (status = 200, description = "The checks.", body = PactCheckList),
        (status = 404, description = "No pact with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/pacts/{pact_id}/checks")]
pub async fn list_pact_checks(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let pact_id = parse_id(&path, "pact_id")?;
    let case_file_id = case_file_of_pact(&state, pact_id).await?;
    let caller = authorize_pact_work(&state, &caller, case_file_id, false).await?;
    let st = state.clone();
    let items = blocking(move || {
        transact(&st.db, |c| {
            let (file, _) = pact_of(c, pact_id)?;
            let items = pacts::checks(c, pact_id, None)?;
            record(
                c,
                &caller,
                "pact.check.list",
                "pact",
                pact_id,
                &file,
                None,
                serde_json::json!({}),
            )?;
            Ok(items)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(PactCheckList {
        items: items.iter().map(PactCheckResponse::from).collect(),
    }))
}

/// Read a check
///
/// One periodic check of the pact. A check of another pact is 404.
#[utoipa::path(
    tag = "pacts",
    operation_id = "get_pact_check",
    params(("pact_id" = Uuid, Path, description = "Pact identifier."),
        ("check_id" = Uuid, Path, description = "Check identifier.")),
    responses(
        (status = 200, description = "The check.", body = PactCheckResponse),
        (status = 404, description = "No such pact, or no such check in it.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/pacts/{pact_id}/checks/{check_id}")]
pub async fn get_pact_check(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let pact_id = parse_id(&path.0, "pact_id")?;
    let check_id = parse_id(&path.1, "check_id")?;
    let case_file_id = case_file_of_pact(&state, pact_id).await?;
    let caller = authorize_pact_work(&state, &caller, case_file_id, false).await?;
    let st = state.clone();
    let check = blocking(move || {
        transact(&st.db, |c| {
            let (file, _) = pact_of(c, pact_id)?;
            let check = pacts::checks(c, pact_id, Some(check_id))?
                .pop()
                .ok_or_else(|| ApiError::NotFound("no such check in this pact".into()))?;
            record(
                c,
                &caller,
                "pact.check.read",
                "pact_check",
                check_id,
                &file,
                Some(pact_id),
                serde_json::json!({}),
            )?;
            Ok(check)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(PactCheckResponse::from(&check)))
}

// ---------------------------------------------------------------------------------------------
// Non-compliance
// ---------------------------------------------------------------------------------------------

/// A non-compliance event of a pact.
#[derive(Debug, Serialize, ToSchema)]
pub struct NonComplianceResponse {
    /// Identifier.
    pub id: Uuid,
    /// The pact.
    pub pact_id: Uuid,
    /// The commitment not kept, if one.
    pub commitment_id: Option<Uuid>,
    /// Day it happened.
    pub occurred_on: NaiveDate,
    /// What happened.
    #[schema(example = "Did not attend the check without a reason")]
    pub description: String,
    /// Whether it is relevant for sanctions (reported to the national institute).
    pub relevant_for_sanctions: bool,
    /// Day it was reported.
    pub reported_on: Option<NaiveDate>,
    /// Who recorded it.
    pub recorded_by: Uuid,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

impl From<&NonCompliance> for NonComplianceResponse {
    fn from(n: &NonCompliance) -> Self {
        Self {
            id: n.id,
            pact_id: n.pact_id,
            commitment_id: n.commitment_id,
            occurred_on: n.occurred_on,
            description: n.description.clone(),
            relevant_for_sanctions: n.relevant_for_sanctions,
            reported_on: n.reported_on,
            recorded_by: n.recorded_by,
            recorded_at: n.recorded_at,
        }
    }
}

/// A non-compliance event to record.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "occurred_on": "2026-11-20",
    "description": "Did not attend the check without a reason",
    "relevant_for_sanctions": true,
    "reported_on": "2026-11-26"
}))]
pub struct CreateNonComplianceRequest {
    /// The commitment not kept (of this pact), if one.
    pub commitment_id: Option<Uuid>,
    /// Day it happened: not in the future, not before the signature.
    pub occurred_on: NaiveDate,
    /// What happened (1-2000 characters).
    #[validate(length(min = 1, max = 2000))]
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "Did not attend the check without a reason"
    )]
    pub description: String,
    /// Whether it is relevant for sanctions.
    pub relevant_for_sanctions: bool,
    /// Day it was reported to the national institute: only when relevant for sanctions, between
    /// the event and today.
    pub reported_on: Option<NaiveDate>,
}

/// The non-compliance events of a pact.
#[derive(Debug, Serialize, ToSchema)]
pub struct NonComplianceList {
    /// Events, by day.
    pub items: Vec<NonComplianceResponse>,
}

/// Record a non-compliance event
///
/// Records a non-compliance of a signed, active or suspended pact (409 otherwise), flagged
/// when relevant for sanctions with the day it was reported. Send `Idempotency-Key` to make
/// retries safe.
#[utoipa::path(
    tag = "pacts",
    operation_id = "create_pact_non_compliance_event",
    params(("pact_id" = Uuid, Path, description = "Pact identifier."),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe.")),
    request_body = CreateNonComplianceRequest,
    responses(
        (status = 201, description = "Recorded.", body = NonComplianceResponse),
        (status = 404, description = "No pact with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The pact is not signed, is closed, or is a legacy record.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/pacts/{pact_id}/non-compliance-events")]
pub async fn create_pact_non_compliance_event(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<CreateNonComplianceRequest>,
) -> Result<HttpResponse, ApiError> {
    let pact_id = parse_id(&path, "pact_id")?;
    let case_file_id = case_file_of_pact(&state, pact_id).await?;
    let caller = authorize_pact_work(&state, &caller, case_file_id, true).await?;
    let key = idempotency::key_of(&req)?;
    let (request, raw) = body.parse_raw().await?;
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let (file, pact) = pact_of(c, pact_id)?;
                let description = check_non_compliance(
                    &pact,
                    request.occurred_on,
                    &request.description,
                    request.relevant_for_sanctions,
                    request.reported_on,
                    now.date_naive(),
                )
                .map_err(change_error)?;
                if let Some(commitment) = request.commitment_id
                    && pacts::find_commitment(c, pact_id, commitment)?.is_none()
                {
                    return Err(ApiError::invalid_field(
                        "/commitment_id",
                        "no such commitment in this pact",
                    ));
                }
                touch(c, &pact, caller.id(), now)?;
                let event = pacts::insert_non_compliance(
                    c,
                    pact_id,
                    request.commitment_id,
                    request.occurred_on,
                    description,
                    request.relevant_for_sanctions,
                    request.reported_on,
                    caller.id(),
                    now,
                )?;
                record(
                    c,
                    &caller,
                    "pact.non_compliance.create",
                    "pact_non_compliance",
                    event.id,
                    &file,
                    Some(pact_id),
                    serde_json::json!({ "relevant_for_sanctions": event.relevant_for_sanctions }),
                )?;
                Ok(replayable(
                    StatusCode::CREATED,
                    &NonComplianceResponse::from(&event),
                    None,
                    None,
                ))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// List the non-compliance events of a pact
///
/// Every non-compliance event of the pact, by day.
#[utoipa::path(
    tag = "pacts",
    operation_id = "list_pact_non_compliance_events",
    params(("pact_id" = Uuid, Path, description = "Pact identifier.")),
    responses(
        (status = 200, description = "The events.", body = NonComplianceList),
        (status = 404, description = "No pact with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/pacts/{pact_id}/non-compliance-events")]
pub async fn list_pact_non_compliance_events(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let pact_id = parse_id(&path, "pact_id")?;
    let case_file_id = case_file_of_pact(&state, pact_id).await?;
    let caller = authorize_pact_work(&state, &caller, case_file_id, false).await?;
    let st = state.clone();
    let items = blocking(move || {
        transact(&st.db, |c| {
            let (file, _) = pact_of(c, pact_id)?;
            let items = pacts::non_compliance(c, pact_id)?;
            record(
                c,
                &caller,
                "pact.non_compliance.list",
                "pact",
                pact_id,
                &file,
                None,
                serde_json::json!({}),
            )?;
            Ok(items)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(NonComplianceList {
        items: items.iter().map(NonComplianceResponse::from).collect(),
    }))
}
