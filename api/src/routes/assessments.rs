//! Assessments (valutazioni del bisogno) of a case file: versioned, never edited — a new
//! assessment is a new version.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::ValidationErrors;
use socialcare_domain::access::Action;
use socialcare_domain::case_file::{
    Assessment, AssessmentScores, check_assessed_on, check_takes_new_work, parse_assessment_notes,
};
use socialcare_domain::ids::{AssessmentId, CaseFileId};
use socialcare_persistence::assessments::{self, NewAssessment};
use socialcare_persistence::{StoreError, case_files};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, Answer, NoQuery, Op, Target, Work};
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::idempotency::IdempotencyKeyHeader;
use crate::routes::codes::AssessmentDomainCode;
use crate::state::AppState;

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
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
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

/// Names the assessment in the audit record of the request.
fn audited(work: &mut Work<'_>, assessment: &Assessment) {
    work.resource(assessment.id)
        .detail("version_number", assessment.version_number);
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
    id: Id<CaseFileId>,
    body: Body<CreateAssessmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::WriteCaseContent, "assessment.create", "assessment");
    case_work::write(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        body,
        move |work, request, _| {
            let (now, today, actor) = (work.now(), work.today(), work.actor());
            let file = case_files::find(work.conn(), id.0.uuid())?.ok_or_else(file_not_found)?;
            let assessed_on = request.assessed_on.unwrap_or(today);
            let mut errors = ValidationErrors::new();
            errors.collect(
                "assessed_on",
                check_assessed_on(assessed_on, file.opened_on, today),
            );
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
            check_takes_new_work(file.status, "record an assessment")
                .map_err(ApiError::Conflict)?;
            let assessment = assessments::insert(
                work.conn(),
                &NewAssessment {
                    case_file_id: file.id,
                    assessed_on,
                    notes,
                    scores,
                },
                actor,
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
            audited(work, &assessment);
            Ok(Answer::created(
                &AssessmentResponse::from(&assessment),
                format!(
                    "/api/v1/case-files/{}/assessments/{}",
                    file.id, assessment.id
                ),
                None,
            ))
        },
    )
    .await
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
    req: HttpRequest,
    id: Id<CaseFileId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseContent, "assessment.list", "case_file");
    let items = case_work::read(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        move |work, _: NoQuery| {
            let items = assessments::list(work.conn(), id.0.uuid())?;
            let returned: Vec<Uuid> = items.iter().map(|a| a.id).collect();
            work.detail("returned", returned);
            Ok(items)
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(AssessmentList {
        items: items.iter().map(AssessmentResponse::from).collect(),
    }))
}

/// Reads one assessment (`None` = the latest) of a file, auditing the read.
async fn read_one(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    case_file_id: CaseFileId,
    assessment_id: Option<AssessmentId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseContent, "assessment.read", "assessment");
    let assessment = case_work::read(
        &state,
        caller,
        &req,
        Target::CaseFile(case_file_id),
        op,
        move |work, _: NoQuery| {
            let found = match assessment_id {
                Some(aid) => assessments::find(work.conn(), case_file_id.uuid(), aid.uuid())?,
                None => assessments::latest(work.conn(), case_file_id.uuid())?,
            };
            let Some(assessment) = found else {
                return Err(match assessment_id {
                    Some(_) => assessment_not_found(),
                    None => ApiError::NotFound("the case file has no assessment yet".into()),
                });
            };
            audited(work, &assessment);
            Ok(assessment)
        },
    )
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
    req: HttpRequest,
    id: Id<CaseFileId>,
) -> Result<HttpResponse, ApiError> {
    read_one(state, caller, req, id.0, None).await
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
    req: HttpRequest,
    id: Id<CaseFileId>,
    assessment_id: Id<AssessmentId>,
) -> Result<HttpResponse, ApiError> {
    read_one(state, caller, req, id.0, Some(assessment_id.0)).await
}
