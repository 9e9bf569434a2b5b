//! The periodic checks of a pact.

use super::*;

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
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
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
        IdempotencyKeyHeader),
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
    id: Id<PactId>,
    body: Body<CreatePactCheckRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::WriteCaseContent, "pact.check.create", "pact_check");
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
            let checked_on = request.checked_on.unwrap_or(today);
            check_periodic_check(&pact, checked_on, today).map_err(change_error)?;
            let commitment_ids: Vec<Uuid> = pacts::commitments(work.conn(), pact.id)?
                .iter()
                .map(|k| k.id)
                .collect();
            let household_members = match pact.household_id {
                Some(household) => pacts::household_members(work.conn(), household, None)?,
                None => Vec::new(),
            };
            let raw_outcomes: Vec<(Uuid, CommitmentStatus, Option<String>)> = request
                .outcomes
                .iter()
                .map(|o| (o.commitment_id, o.status.into(), o.note.clone()))
                .collect();
            let facts = CheckFacts {
                file_person: file.person_id,
                household_members: &household_members,
                commitment_ids: &commitment_ids,
            };
            let (outcomes, notes) = check_check_content(
                &raw_outcomes,
                &request.attendees,
                request.notes.as_deref(),
                &facts,
            )
            .map_err(ApiError::from_domain)?;
            touch(work.conn(), &pact, actor, now)?;
            let check = pacts::insert_check(
                work.conn(),
                pact.id,
                checked_on,
                &request.attendees,
                &outcomes,
                notes,
                actor,
                now,
            )?;
            work.resource(check.id)
                .detail("pact_id", pact.id)
                .detail("attendees", &check.attendees)
                .shows(check.attendees.iter().copied());
            Ok(Answer::created(
                &PactCheckResponse::from(&check),
                format!("/api/v1/pacts/{}/checks/{}", pact.id, check.id),
                None,
            ))
        },
    )
    .await
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
    req: HttpRequest,
    id: Id<PactId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "pact.check.list", "pact");
    let items = case_work::read(
        &state,
        caller,
        &req,
        pact_target(id.0),
        op,
        move |work, _: NoQuery| {
            let items = pacts::checks(work.conn(), id.0.uuid(), None)?;
            work.shows(items.iter().flat_map(|k| k.attendees.iter().copied()));
            Ok(items)
        },
    )
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
    req: HttpRequest,
    id: Id<PactId>,
    check_id: Id<CheckId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "pact.check.read", "pact_check");
    let check = case_work::read(
        &state,
        caller,
        &req,
        pact_target(id.0),
        op,
        move |work, _: NoQuery| {
            let check = pacts::checks(work.conn(), id.0.uuid(), Some(check_id.0.uuid()))?
                .pop()
                .ok_or_else(|| ApiError::NotFound("no such check in this pact".into()))?;
            work.resource(check.id)
                .detail("pact_id", id.0.uuid())
                .shows(check.attendees.iter().copied());
            Ok(check)
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(PactCheckResponse::from(&check)))
}
