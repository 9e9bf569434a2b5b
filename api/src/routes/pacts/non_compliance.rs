//! The non-compliance events of a pact.

use super::*;

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
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
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
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
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
        IdempotencyKeyHeader),
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
    id: Id<PactId>,
    body: Body<CreateNonComplianceRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::WriteCaseContent,
        "pact.non_compliance.create",
        "pact_non_compliance",
    );
    case_work::write(
        &state,
        caller,
        &req,
        pact_target(id.0),
        op,
        body,
        move |work, request, _| {
            let (today, now, actor) = (work.today(), work.now(), work.actor());
            let (_, pact) = pact_of(work.conn(), id.0.uuid())?;
            let description = check_non_compliance(
                &pact,
                request.occurred_on,
                &request.description,
                request.relevant_for_sanctions,
                request.reported_on,
                today,
            )
            .map_err(change_error)?;
            if let Some(commitment) = request.commitment_id
                && pacts::find_commitment(work.conn(), pact.id, commitment)?.is_none()
            {
                return Err(ApiError::invalid_field(
                    "/commitment_id",
                    "no such commitment in this pact",
                ));
            }
            touch(work.conn(), &pact, actor, now)?;
            let event = pacts::insert_non_compliance(
                work.conn(),
                pact.id,
                request.commitment_id,
                request.occurred_on,
                description,
                request.relevant_for_sanctions,
                request.reported_on,
                actor,
                now,
            )?;
            work.resource(event.id)
                .detail("pact_id", pact.id)
                .detail("relevant_for_sanctions", event.relevant_for_sanctions);
            Ok(Answer::created_in_list(&NonComplianceResponse::from(
                &event,
            )))
        },
    )
    .await
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
    req: HttpRequest,
    id: Id<PactId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "pact.non_compliance.list", "pact");
    let items = case_work::read(
        &state,
        caller,
        &req,
        pact_target(id.0),
        op,
        move |work, _: NoQuery| Ok(pacts::non_compliance(work.conn(), id.0.uuid())?),
    )
    .await?;
    Ok(HttpResponse::Ok().json(NonComplianceList {
        items: items.iter().map(NonComplianceResponse::from).collect(),
    }))
}
