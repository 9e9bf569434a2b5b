//! Tutor reviews of employment placements: while the person works, the office's tutor meets
//! them and the employer's tutor and records how it goes; each review of a running placement
//! plans the next, which the case manager's agenda shows (`employment_review`). A review is
//! inside its placement's case file: its handlers go through the gate with the placement.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::FieldError;
use socialcare_domain::access::Action;
use socialcare_domain::employment::{ReviewContent, WorkReview, check_review};
use socialcare_domain::ids::{WorkPlacementId, WorkReviewId};
use socialcare_domain::project::required_text;
use socialcare_persistence::employment;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::placements::{placement_of, work_target};
use crate::auth::Caller;
use crate::case_work::{self, Answer, NoQuery, Op};
use crate::conditional::IfMatchHeader;
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::idempotency::IdempotencyKeyHeader;
use crate::routes::codes::ReviewProgressCode;
use crate::state::AppState;

/// A tutor review to record.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "held_on": "2027-02-10",
    "progress": "on_track",
    "with_company_tutor": true,
    "summary": "Puntuale, ha imparato le procedure del magazzino; concordato il passaggio al turno del mattino.",
    "next_review_on": "2027-03-10"
}))]
pub struct RecordReviewRequest {
    /// The day of the meeting (default today): not in the future, not before the placement
    /// started, and for a placement that has ended at most 30 days after its end (the closing
    /// review). Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub held_on: Option<NaiveDate>,
    /// How the placement goes.
    pub progress: ReviewProgressCode,
    /// Whether the employer's tutor took part.
    pub with_company_tutor: bool,
    /// What was seen and agreed, 1-2000 characters: work matters (tasks, punctuality,
    /// relations, hours), never health or other special-category data, which belong in the
    /// person's sensitive data.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub summary: String,
    /// Only while the placement runs: the day of the next review, after `held_on` and at most
    /// 183 days after it (default 30 days after `held_on`, or the planned last day when that
    /// comes first). Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub next_review_on: Option<NaiveDate>,
}

/// A tutor review of an employment placement.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkReviewResponse {
    /// Identifier.
    pub id: Uuid,
    /// The employment placement.
    pub placement_id: Uuid,
    /// The day of the meeting.
    pub held_on: NaiveDate,
    /// How the placement goes.
    pub progress: ReviewProgressCode,
    /// Whether the employer's tutor took part.
    pub with_company_tutor: bool,
    /// What was seen and agreed.
    pub summary: String,
    /// The next review it planned (null once the placement had ended).
    pub next_review_on: Option<NaiveDate>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// Who recorded it.
    pub created_by: Uuid,
}

impl From<&WorkReview> for WorkReviewResponse {
    fn from(r: &WorkReview) -> Self {
        let c = &r.content;
        Self {
            id: r.id,
            placement_id: r.placement_id,
            held_on: c.held_on,
            progress: c.progress.into(),
            with_company_tutor: c.with_company_tutor,
            summary: c.summary.clone(),
            next_review_on: c.next_review_on,
            created_at: r.created_at,
            created_by: r.created_by,
        }
    }
}

/// Record a tutor review of an employment placement
///
/// Records a meeting of the office's tutor with the person (and the employer's tutor) about a
/// placement that has started: how it goes and what was agreed. While the placement runs the
/// review plans the next one (`next_review_on`, default a month later), kept on the placement
/// and shown in the case manager's agenda; after its end, a closing review plans none.
/// Requires `If-Match` with the placement's version (it moves on; the new one is in `ETag`).
/// For the case team and the area coordinator. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "employment",
    operation_id = "record_employment_review",
    params(("placement_id" = Uuid, Path, description = "Employment placement identifier."),
        IfMatchHeader, IdempotencyKeyHeader),
    request_body = RecordReviewRequest,
    responses(
        (status = 201, description = "Recorded.", body = WorkReviewResponse,
            headers(("Location" = String, description = "URL of the review."),
                ("ETag" = String, description = "The placement's new version."))),
        (status = 403, description = "Not in the case team nor the area coordinator.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No employment placement with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the placement's current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (JSON Pointers such as `/held_on`): a placement not started, a day in the future or before the start, a next review on an ended placement or too far away.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/employment-placements/{placement_id}/reviews")]
pub async fn record_employment_review(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<WorkPlacementId>,
    body: Body<RecordReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::PlaceInWork,
        "employment_placement.review",
        "employment_placement",
    );
    case_work::write(
        &state,
        caller,
        &req,
        work_target(id.0),
        op,
        body,
        move |work, request, if_match| {
            let placement = placement_of(work.conn(), id.0.uuid())?;
            let held_on = request.held_on.unwrap_or(work.today());
            let checked = check_review(&placement, held_on, request.next_review_on, work.today());
            let (summary, next_review_on) = match (required_text(&request.summary, 2000), checked) {
                (Ok(summary), Ok(next)) => (summary, next),
                (summary, checked) => {
                    let mut errors = checked.err().unwrap_or_default();
                    if let Err(e) = summary {
                        errors.push(FieldError::new("summary", e));
                    }
                    return Err(ApiError::from_domain(errors));
                }
            };
            if_match.check(placement.version)?;
            let content = ReviewContent {
                held_on,
                progress: request.progress.into(),
                with_company_tutor: request.with_company_tutor,
                summary,
                next_review_on,
            };
            let (actor, now) = (work.actor(), work.now());
            let review = employment::record_review(work.conn(), &placement, &content, actor, now)?
                .ok_or_else(|| {
                    ApiError::PreconditionFailed(
                        "the employment placement changed meanwhile; read it again and retry"
                            .into(),
                    )
                })?;
            work.detail("review_id", review.id)
                .detail("held_on", held_on)
                .detail("next_review_on", next_review_on);
            Ok(Answer::created(
                &WorkReviewResponse::from(&review),
                format!(
                    "/api/v1/employment-placements/{}/reviews/{}",
                    placement.id, review.id
                ),
                Some(placement.version + 1),
            ))
        },
    )
    .await
}

/// The tutor reviews of an employment placement.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkReviewList {
    /// By the day of the meeting, then the order recorded.
    pub items: Vec<WorkReviewResponse>,
}

/// List the tutor reviews of an employment placement
///
/// Every review of the placement, by the day of the meeting. For whoever may read its case
/// file; audited with the person.
#[utoipa::path(
    tag = "employment",
    operation_id = "list_employment_reviews",
    params(("placement_id" = Uuid, Path, description = "Employment placement identifier.")),
    responses(
        (status = 200, description = "The reviews.", body = WorkReviewList),
        (status = 404, description = "No employment placement with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/employment-placements/{placement_id}/reviews")]
pub async fn list_employment_reviews(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<WorkPlacementId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadCaseFile,
        "employment_placement.list_reviews",
        "employment_placement",
    );
    let list = case_work::read(
        &state,
        caller,
        &req,
        work_target(id.0),
        op,
        move |work, _: NoQuery| {
            let found = employment::reviews_of(work.conn(), id.0.uuid())?;
            work.detail("returned", found.len());
            Ok(WorkReviewList {
                items: found.iter().map(WorkReviewResponse::from).collect(),
            })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Read a tutor review of an employment placement
///
/// One review. For whoever may read the placement's case file; audited with the person.
#[utoipa::path(
    tag = "employment",
    operation_id = "get_employment_review",
    params(("placement_id" = Uuid, Path, description = "Employment placement identifier."),
        ("review_id" = Uuid, Path, description = "Review identifier.")),
    responses(
        (status = 200, description = "The review.", body = WorkReviewResponse),
        (status = 404, description = "No employment placement with this id, or no review with this id in it.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/employment-placements/{placement_id}/reviews/{review_id}")]
pub async fn get_employment_review(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<WorkPlacementId>,
    review: Id<WorkReviewId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadCaseFile,
        "employment_placement.read_review",
        "employment_placement",
    );
    let found = case_work::read(
        &state,
        caller,
        &req,
        work_target(id.0),
        op,
        move |work, _: NoQuery| {
            work.detail("review_id", review.0.uuid());
            employment::find_review(work.conn(), id.0.uuid(), review.0.uuid())?.ok_or_else(|| {
                ApiError::NotFound("no review with this id in this placement".into())
            })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(WorkReviewResponse::from(&found)))
}
