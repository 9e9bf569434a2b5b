//! Assessments (valutazioni del bisogno) of a case file: versioned, never edited — a new
//! assessment is a new version.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::ValidationErrors;
use socialcare_domain::access::Action;
use socialcare_domain::case_file::{
    Assessment, AssessmentScores, CaseStatus, check_assessed_on, parse_assessment_notes,
};
use socialcare_persistence::StoreError;
use socialcare_persistence::assessments::{self, NewAssessment};
use socialcare_persistence::audit;
use socialcare_persistence::case_files;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::error::{ApiError, Problem, blocking, transact};
use crate::extract::JsonBody;
use crate::guard::{self, CaseAccess};
use crate::idempotency::IdempotencyKeyHeader;
use crate::idempotency::{self, Replayable};
use crate::routes::codes::AssessmentDomainCode;
use crate::state::AppState;

fn parse_id(raw: &str, name: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::bad_parameter(name, "must be a UUID"))
}

fn file_not_found() -> ApiError {
    ApiError::NotFound("no case file with this id".into())
}

fn assessment_not_found() -> ApiError {
    ApiError::NotFound("no such assessment in this case file".into())
}

/// The severity of one domain, as sent by the client.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"domain": "housing", "severity": 3}))]
pub struct ScoreInput {
    /// The domain of need.
    #[schema(value_type = AssessmentDomainCode)]
    pub domain: String,
    /// Severity: 0 (no problem), 1 (mild), 2 (moderate), 3 (severe).
    #[schema(minimum = 0, maximum = 3, format = Int32, example = 2)]
    pub severity: u8,
}

/// A new assessment of a case file.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "assessed_on": "2026-11-26",
    "scores": [
        {"domain": "housing", "severity": 3},
        {"domain": "income", "severity": 2},
        {"domain": "employment", "severity": 2},
        {"domain": "health", "severity": 1},
        {"domain": "autonomy", "severity": 0},
        {"domain": "family_and_relations", "severity": 1},
        {"domain": "legal_and_documents", "severity": 2},
        {"domain": "justice", "severity": 0}
    ],
    "notes": "Sleeps at the night shelter; lost his job in September."
}))]
pub struct CreateAssessmentRequest {
    /// Day of the assessment (default today): not in the future, not before the file was
    /// opened.
    pub assessed_on: Option<NaiveDate>,
    /// One severity per domain: every domain exactly once (8 items).
    #[schema(min_items = 8, max_items = 8)]
    pub scores: Vec<ScoreInput>,
    /// Free-text notes, at most 10,000 characters (blank means none).
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
}

/// The severity of one domain.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreResponse {
    /// The domain of need.
    pub domain: AssessmentDomainCode,
    /// Severity: 0 (no problem) to 3 (severe).
    #[schema(minimum = 0, maximum = 3, format = Int32, example = 2)]
    pub severity: u8,
}

/// One version of the assessment of a case file.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentResponse {
    /// Identifier.
    pub id: Uuid,
    /// The case file.
    pub case_file_id: Uuid,
    /// Version: 1, 2, 3… per case file.
    #[schema(format = Int32, minimum = 1, example = 2)]
    pub version_number: i32,
    /// Day of the assessment.
    pub assessed_on: NaiveDate,
    /// Who assessed (user id).
    pub author_id: Uuid,
    /// Free-text notes.
    pub notes: Option<String>,
    /// One severity per domain, in a fixed domain order.
    pub scores: Vec<ScoreResponse>,
    /// The highest severity over all domains.
    #[schema(minimum = 0, maximum = 3, format = Int32, example = 3)]
    pub max_severity: u8,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

impl From<&Assessment> for AssessmentResponse {
    fn from(a: &Assessment) -> Self {
        Self {
            id: a.id,
            case_file_id: a.case_file_id,
            version_number: a.version_number,
            assessed_on: a.assessed_on,
            author_id: a.author_id,
            notes: a.notes.clone(),
            scores: a
                .scores
                .iter()
                .map(|(domain, severity)| ScoreResponse {
                    domain: domain.into(),
                    severity: severity.value(),
                })
                .collect(),
            max_severity: a.scores.max_severity().value(),
            created_at: a.created_at,
        }
    }
}

/// Every assessment of a case file.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentList {
    /// The versions, newest first.
    pub items: Vec<AssessmentResponse>,
}

fn audit_assessment(
    c: &mut socialcare_persistence::AnyConnection,
    caller: &Caller,
    access: &CaseAccess,
    action: &str,
    assessment: &Assessment,
) -> Result<(), StoreError> {
    let mut record = access.record(caller, action, "assessment", assessment.id);
    record.details = Some(
        serde_json::json!({
            "person_id": access.person_id,
            "case_file_id": assessment.case_file_id,
            "version_number": assessment.version_number,
        })
        .to_string(),
    );
    audit::append(c, record)?;
    Ok(())
}

/// Record an assessment
///
/// Records a new version of the assessment of need of a case file: one severity 0–3 for each
/// of the eight domains, with the day, the author (the caller) and notes. Assessments are never
/// edited: to change one, record a new version. Refused on a closed file (409). Send
/// `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "case-files",
    operation_id = "create_assessment",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."),
        IdempotencyKeyHeader),
    request_body = CreateAssessmentRequest,
    responses(
        (status = 201, description = "Recorded as the next version.", body = AssessmentResponse,
            headers(("Location" = String, description = "URL of the assessment."))),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The case file is closed, or another assessment was recorded at the same time.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/case-files/{case_file_id}/assessments")]
pub async fn create_assessment(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<CreateAssessmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case_file_id")?;
    caller
        .authorize(
            &state,
            Action::WriteCaseContent,
            "case_file",
            Some(id.to_string()),
        )
        .await?;
    let access = guard::case_file_now(&state, &caller, Action::WriteCaseContent, id).await?;
    let key = idempotency::key_of(&req)?;
    let (request, raw) = body.parse_raw().await?;
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let today = Utc::now().date_naive();
    let assessed_on = request.assessed_on.unwrap_or(today);
    let mut errors = ValidationErrors::new();
    if assessed_on > today {
        errors.collect::<()>("assessed_on", Err("must not be in the future".into()));
    }
    let pairs: Vec<(String, u8)> = request
        .scores
        .iter()
        .map(|s| (s.domain.clone(), s.severity))
        .collect();
    let scores = match AssessmentScores::parse(&pairs) {
        Ok(scores) => Some(scores),
        Err(e) => {
            for error in e.errors() {
                errors.push(error.clone());
            }
            None
        }
    };
    let notes = errors.collect("notes", parse_assessment_notes(request.notes.as_deref()));
    let (Some(scores), Some(notes), true) = (scores, notes, errors.is_empty()) else {
        return Err(ApiError::from_domain(errors));
    };
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let Some(file) = case_files::find(c, id)? else {
                    return Err(file_not_found());
                };
                if file.status == CaseStatus::Closed {
                    return Err(ApiError::Conflict(
                        "the case file is closed: reopen it to record an assessment".into(),
                    ));
                }
                check_assessed_on(assessed_on, file.opened_on, today)
                    .map_err(|e| ApiError::invalid_field("/assessed_on", e))?;
                let assessment = assessments::insert(
                    c,
                    &NewAssessment {
                        case_file_id: id,
                        assessed_on,
                        notes,
                        scores,
                    },
                    caller.id(),
                    now,
                )
                .map_err(|e| match e {
                    StoreError::Conflict(_) => ApiError::Conflict(
                        "another assessment of this file was recorded at the same time; read the \
                         latest and retry"
                            .into(),
                    ),
                    other => other.into(),
                })?;
                audit_assessment(c, &caller, &access, "assessment.create", &assessment)?;
                let response = AssessmentResponse::from(&assessment);
                Ok(Replayable {
                    status: StatusCode::CREATED,
                    body: serde_json::to_value(&response).unwrap_or_default(),
                    location: Some(format!(
                        "/api/v1/case-files/{id}/assessments/{}",
                        assessment.id
                    )),
                    etag: None,
                    replayed: false,
                })
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// List the assessments of a case file
///
/// Every version of the assessment of need, newest first.
#[utoipa::path(
    tag = "case-files",
    operation_id = "list_assessments",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier.")),
    responses(
        (status = 200, description = "Every version, newest first.", body = AssessmentList),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/case-files/{case_file_id}/assessments")]
pub async fn list_assessments(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case_file_id")?;
    caller
        .authorize(
            &state,
            Action::ReadCaseContent,
            "case_file",
            Some(id.to_string()),
        )
        .await?;
    let st = state.clone();
    let items = blocking(move || {
        transact(&st.db, |c| {
            let access = guard::case_file(c, &caller, Action::ReadCaseContent, id)?;
            let items = assessments::list(c, id)?;
            let mut record = access.record(&caller, "assessment.list", "case_file", id);
            let returned: Vec<Uuid> = items.iter().map(|a| a.id).collect();
            record.details = Some(
                serde_json::json!({ "person_id": access.person_id, "returned": returned })
                    .to_string(),
            );
            audit::append(c, record)?;
            Ok(items)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(AssessmentList {
        items: items.iter().map(AssessmentResponse::from).collect(),
    }))
}

/// Reads one assessment (`None` = the latest) of a file, auditing the read.
async fn read_one(
    state: web::Data<AppState>,
    caller: Caller,
    case_file_id: Uuid,
    assessment_id: Option<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller
        .authorize(
            &state,
            Action::ReadCaseContent,
            "case_file",
            Some(case_file_id.to_string()),
        )
        .await?;
    let st = state.clone();
    let assessment = blocking(move || {
        transact(&st.db, |c| {
            let access = guard::case_file(c, &caller, Action::ReadCaseContent, case_file_id)?;
            let found = match assessment_id {
                Some(aid) => assessments::find(c, case_file_id, aid)?,
                None => assessments::latest(c, case_file_id)?,
            };
            let Some(assessment) = found else {
                return Err(match assessment_id {
                    Some(_) => assessment_not_found(),
                    None => ApiError::NotFound("the case file has no assessment yet".into()),
                });
            };
            audit_assessment(c, &caller, &access, "assessment.read", &assessment)?;
            Ok(assessment)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(AssessmentResponse::from(&assessment)))
}

/// Read the latest assessment of a case file
///
/// The newest version of the assessment of need; 404 when the file has none yet.
#[utoipa::path(
    tag = "case-files",
    operation_id = "get_latest_assessment",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier.")),
    responses(
        (status = 200, description = "The newest version.", body = AssessmentResponse),
        (status = 404, description = "No case file with this id, or no assessment yet.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/case-files/{case_file_id}/assessments/latest")]
pub async fn get_latest_assessment(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case_file_id")?;
    read_one(state, caller, id, None).await
}

/// Read an assessment
///
/// One version of the assessment of need of a case file (404 when it belongs to another file).
#[utoipa::path(
    tag = "case-files",
    operation_id = "get_assessment",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."),
        ("assessment_id" = Uuid, Path, description = "Assessment identifier.")),
    responses(
        (status = 200, description = "The assessment.", body = AssessmentResponse),
        (status = 404, description = "No such case file, or no such assessment in it.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/case-files/{case_file_id}/assessments/{assessment_id}")]
pub async fn get_assessment(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path.0, "case_file_id")?;
    let assessment_id = parse_id(&path.1, "assessment_id")?;
    read_one(state, caller, id, Some(assessment_id)).await
}
