//! The steps of a pact before its signature: convocation, preliminary analysis (whose
//! employment path transfers the household to the Centro per l'impiego) and in-depth assessment.

use super::*;

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
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
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
        IdempotencyKeyHeader),
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
    id: Id<PactId>,
    body: Body<CreatePactStepRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::WriteCaseContent, "pact.step.create", "pact_step");
    case_work::write(
        &state,
        caller,
        &req,
        pact_target(id.0),
        op,
        body,
        move |work, request, _| {
            let (today, now, actor) = (work.today(), work.now(), work.actor());
            let (file, pact) = pact_of(work.conn(), id.0.uuid())?;
            let kind: StepKind = request.kind.into();
            let occurred_on = request.occurred_on.unwrap_or(today);
            let analysis: Option<AnalysisOutcome> = request.outcome.map(Into::into);
            let notes = optional_text(request.notes.as_deref(), NOTES_MAX_CHARS)
                .map_err(|e| ApiError::invalid_field("/notes", e))?;
            let recorded: Vec<StepKind> = pacts::steps(work.conn(), pact.id)?
                .iter()
                .map(|s| s.kind)
                .collect();
            check_step(&pact, &recorded, kind, occurred_on, analysis, today)
                .map_err(change_error)?;
            let transfer = employment_transfer(&pact, analysis).map_err(ApiError::from_domain)?;
            touch(work.conn(), &pact, actor, now)?;
            let step = pacts::insert_step(
                work.conn(),
                pact.id,
                kind,
                occurred_on,
                analysis,
                notes,
                actor,
                now,
            )?;
            let mut referral_id = None;
            if let Some(transfer) = transfer {
                let new = NewReferral {
                    case_file_id: file.id,
                    direction: ReferralDirection::Outgoing,
                    service: transfer.service,
                    details: transfer.referral.clone(),
                    sent_on: occurred_on,
                    organisation_id: None,
                };
                let referral = referrals::insert(work.conn(), &new, actor, now)?;
                referral_id = Some(referral.id);
                let closing = transfer.closing(&pact, occurred_on, Uuid::now_v7(), actor, now);
                pacts::record_transition(work.conn(), &pact, &closing)?;
                // The referral is a record of its own, created by this request: its own audit
                // record, beside the step's that the gate appends.
                let mut created = work.caller().audit(
                    "referral.create",
                    "referral",
                    Some(referral.id.to_string()),
                    Outcome::Success,
                );
                created.persons = vec![file.person_id];
                created.details = Some(
                    serde_json::json!({
                        "person_id": file.person_id,
                        "case_file_id": file.id,
                        "pact_id": pact.id,
                    })
                    .to_string(),
                );
                audit::append(work.conn(), created)?;
            }
            work.event(format!("pact.step.{}", kind.as_str()))
                .resource(step.id)
                .detail("pact_id", pact.id)
                .detail("outcome", analysis.map(AnalysisOutcome::as_str));
            Ok(Answer::created_in_list(&step_response(&step, referral_id)))
        },
    )
    .await
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
    req: HttpRequest,
    id: Id<PactId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "pact.step.list", "pact");
    let items = case_work::read(
        &state,
        caller,
        &req,
        pact_target(id.0),
        op,
        move |work, _: NoQuery| Ok(pacts::steps(work.conn(), id.0.uuid())?),
    )
    .await?;
    Ok(HttpResponse::Ok().json(PactStepList {
        items: items.iter().map(|s| step_response(s, None)).collect(),
    }))
}
