//! The reviews (verifiche) of a project.

use super::*;

/// The outcome of a review for one objective.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewOutcomeBody {
    /// The objective (of this project).
    pub objective_id: Uuid,
    /// Its status after the review.
    pub status: ObjectiveStatusCode,
    /// A note on it (up to 2000 characters).
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000, example = "Room found, contract signed")]
    pub note: Option<String>,
}

/// A review (verifica) of a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewResponse {
    /// Identifier.
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// Day of the review.
    pub reviewed_on: NaiveDate,
    /// Outcome per objective.
    pub outcomes: Vec<ReviewOutcomeBody>,
    /// Notes.
    #[schema(example = "Good progress on housing; employment still open")]
    pub notes: Option<String>,
    /// The next review day it set.
    pub next_review_on: NaiveDate,
    /// Who recorded it.
    pub author_id: Uuid,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

impl From<&Review> for ReviewResponse {
    fn from(r: &Review) -> Self {
        Self {
            id: r.id,
            project_id: r.project_id,
            reviewed_on: r.reviewed_on,
            outcomes: r
                .outcomes
                .iter()
                .map(|o| ReviewOutcomeBody {
                    objective_id: o.objective_id,
                    status: o.status.into(),
                    note: o.note.clone(),
                })
                .collect(),
            notes: r.notes.clone(),
            next_review_on: r.next_review_on,
            author_id: r.author_id,
            recorded_at: r.recorded_at,
        }
    }
}

/// A review to record.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "reviewed_on": "2026-11-26",
    "outcomes": [{"objective_id": "01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e5f", "status": "in_progress", "note": "Two flats visited"}],
    "notes": "Good progress on housing; employment still open",
    "next_review_on": "2027-02-26"
}))]
pub struct CreateReviewRequest {
    /// Day of the review (default today): not in the future, not before the project started.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub reviewed_on: Option<NaiveDate>,
    /// Outcome per objective (up to 50; each objective at most once). The objectives take the
    /// status given here.
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub outcomes: Vec<ReviewOutcomeBody>,
    /// Notes (up to 10,000 characters).
    #[validate(length(max = 10000))]
    #[schema(
        max_length = 10000,
        example = "Good progress on housing; employment still open"
    )]
    pub notes: Option<String>,
    /// The next review day: after `reviewed_on`.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub next_review_on: NaiveDate,
}

/// The reviews of a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewList {
    /// Reviews, newest first.
    pub items: Vec<ReviewResponse>,
}

/// Record a review
///
/// Records a review of an active project (409 otherwise): the outcome per objective (which
/// sets the objectives' statuses), notes and the next review day, which becomes the project's.
/// Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "projects",
    operation_id = "create_project_review",
    params(("project_id" = Uuid, Path, description = "Project identifier."),
        IdempotencyKeyHeader),
    request_body = CreateReviewRequest,
    responses(
        (status = 201, description = "Recorded.", body = ReviewResponse,
            headers(("Location" = String, description = "URL of the review."))),
        (status = 404, description = "No project with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The project is not active.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, e.g. an objective of another project at `/outcomes/0/objective_id`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/projects/{project_id}/reviews")]
pub async fn create_project_review(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<ProjectId>,
    body: Body<CreateReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::WriteCaseContent,
        "project.review.create",
        "project_review",
    );
    case_work::write(
        &state,
        caller,
        &req,
        project_target(id.0),
        op,
        body,
        move |work, request, _| {
            let (today, now, actor) = (work.today(), work.now(), work.actor());
            let (_, project) = project_of(work.conn(), id.0.uuid())?;
            let objective_ids: Vec<Uuid> = projects::objectives(work.conn(), project.id)?
                .iter()
                .map(|o| o.id)
                .collect();
            let outcomes: Vec<(Uuid, ObjectiveStatus, Option<String>)> = request
                .outcomes
                .iter()
                .map(|o| (o.objective_id, o.status.into(), o.note.clone()))
                .collect();
            let reviewed_on = request.reviewed_on.unwrap_or(today);
            let (notes, outcomes) = check_review(
                &project,
                &objective_ids,
                reviewed_on,
                request.next_review_on,
                &outcomes,
                request.notes.as_deref(),
                today,
            )
            .map_err(change_error)?;
            touch(work.conn(), &project, actor, now)?;
            let review = projects::insert_review(
                work.conn(),
                project.id,
                reviewed_on,
                notes,
                request.next_review_on,
                &outcomes,
                actor,
                now,
            )?;
            work.resource(review.id)
                .detail("project_id", project.id)
                .detail("next_review_on", review.next_review_on);
            Ok(Answer::created(
                &ReviewResponse::from(&review),
                format!("/api/v1/projects/{}/reviews/{}", project.id, review.id),
                None,
            ))
        },
    )
    .await
}

/// List the reviews of a project
///
/// Every review of the project with its outcomes, newest first.
#[utoipa::path(
    tag = "projects",
    operation_id = "list_project_reviews",
    params(("project_id" = Uuid, Path, description = "Project identifier.")),
    responses(
        (status = 200, description = "The reviews.", body = ReviewList),
        (status = 404, description = "No project with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects/{project_id}/reviews")]
pub async fn list_project_reviews(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<ProjectId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "project.review.list", "project");
    let items = case_work::read(
        &state,
        caller,
        &req,
        project_target(id.0),
        op,
        move |work, _: NoQuery| Ok(projects::reviews(work.conn(), id.0.uuid())?),
    )
    .await?;
    Ok(HttpResponse::Ok().json(ReviewList {
        items: items.iter().map(ReviewResponse::from).collect(),
    }))
}

/// Read a review
///
/// One review of the project with its outcomes. A review of another project is 404.
#[utoipa::path(
    tag = "projects",
    operation_id = "get_project_review",
    params(("project_id" = Uuid, Path, description = "Project identifier."),
        ("review_id" = Uuid, Path, description = "Review identifier.")),
    responses(
        (status = 200, description = "The review.", body = ReviewResponse),
        (status = 404, description = "No such project, or no such review in it.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects/{project_id}/reviews/{review_id}")]
pub async fn get_project_review(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<ProjectId>,
    review_id: Id<ReviewId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadCaseFile,
        "project.review.read",
        "project_review",
    );
    let review = case_work::read(
        &state,
        caller,
        &req,
        project_target(id.0),
        op,
        move |work, _: NoQuery| {
            let review = projects::find_review(work.conn(), id.0.uuid(), review_id.0.uuid())?
                .ok_or_else(|| ApiError::NotFound("no such review in this project".into()))?;
            work.resource(review.id).detail("project_id", id.0.uuid());
            Ok(review)
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(ReviewResponse::from(&review)))
}
