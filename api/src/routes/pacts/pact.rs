//! The pacts of a case file: drawing up, listing, reading with the legal clock, lifecycle and
//! history.

use super::*;

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
    today: NaiveDate,
) -> Result<PactResponse, ApiError> {
    let rules = rules_version(&pact.rules_version).ok_or_else(|| {
        ApiError::Internal(format!("unknown clock rule version {}", pact.rules_version))
    })?;
    let facts = pacts::clock_facts(conn, pact)?;
    let items = deadlines(&facts, rules, today);
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

/// Loads and renders a pact as of the office's day `today`.
fn render(
    conn: &mut AnyConnection,
    pact_id: Uuid,
    today: NaiveDate,
) -> Result<PactResponse, ApiError> {
    let (file, pact) = pact_of(conn, pact_id)?;
    render_pact(conn, &file, &pact, today)
}

fn pact_location(id: Uuid) -> String {
    format!("/api/v1/pacts/{id}")
}

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
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub activation_on: Option<NaiveDate>,
    /// Day it is drawn up (default today): not in the future, not before the case file was
    /// opened.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
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
        IdempotencyKeyHeader),
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
    id: Id<CaseFileId>,
    body: Body<CreatePactRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::WriteCaseContent, "pact.create", "pact");
    case_work::write(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        body,
        |work, request, _| {
            let (today, now, actor) = (work.today(), work.now(), work.actor());
            let case_file_id = work.case_file_id()?;
            let file = file_of(work.conn(), case_file_id)?;
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
                let members = pacts::household_members(work.conn(), household, None)?;
                errors.collect(
                    "household_id",
                    check_pact_household(file.person_id, &members),
                );
            }
            if !errors.is_empty() {
                return Err(ApiError::from_domain(errors));
            }
            let (reference, rules) = checked.map_err(ApiError::from_domain)?;
            check_takes_new_work(file.status, "draw up new pacts").map_err(ApiError::Conflict)?;
            let new = NewPact {
                case_file_id: file.id,
                household_id: request.household_id,
                measure: request.measure.into(),
                application_reference: reference,
                drafted_on,
                activation_on: request.activation_on,
                rules_version: rules.version.to_owned(),
            };
            let pact = pacts::insert(work.conn(), &new, actor, now)?;
            work.resource(pact.id)
                .detail("measure", pact.measure.as_str())
                .detail("rules_version", rules.version);
            let response = render_pact(work.conn(), &file, &pact, today)?;
            Ok(Answer::created(
                &response,
                pact_location(pact.id),
                Some(pact.version),
            ))
        },
    )
    .await
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
    id: Id<CaseFileId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "pact.list", "case_file");
    let items = case_work::read(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        |work, q: ListPactsQuery| {
            let today = work.today();
            let case_file_id = work.case_file_id()?;
            let file = file_of(work.conn(), case_file_id)?;
            let found = pacts::list(
                work.conn(),
                &[file.id],
                q.status.map(Into::into),
                q.measure.map(Into::into),
            )?;
            let mut items = Vec::with_capacity(found.len());
            for pact in &found {
                items.push(render_pact(work.conn(), &file, pact, today)?);
            }
            let returned: Vec<Uuid> = found.iter().map(|p| p.id).collect();
            work.detail("returned", returned);
            Ok(items)
        },
    )
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
    req: HttpRequest,
    id: Id<PactId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "pact.read", "pact");
    let response = case_work::read(
        &state,
        caller,
        &req,
        pact_target(id.0),
        op,
        move |work, _: NoQuery| {
            let today = work.today();
            render(work.conn(), id.0.uuid(), today)
        },
    )
    .await?;
    Ok(with_etag(response.version, &response))
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
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub occurred_on: Option<NaiveDate>,
    /// Why (1-2000 characters): required to `suspend` and `close`.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000, example = "Hospital stay")]
    pub reason: Option<String>,
    /// How the pact ends: required to `close`, refused otherwise.
    pub closure_outcome: Option<ClosureOutcomeCode>,
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
        IfMatchHeader,
        IdempotencyKeyHeader),
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
    id: Id<PactId>,
    body: Body<PactTransitionBody>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::WriteCaseContent, "pact.transition", "pact");
    case_work::write(
        &state,
        caller,
        &req,
        pact_target(id.0),
        op,
        body,
        move |work, request, if_match| {
            let (today, now, actor) = (work.today(), work.now(), work.actor());
            let (_, pact) = pact_of(work.conn(), id.0.uuid())?;
            if_match.check(pact.version)?;
            let transition_request = PactTransitionRequest {
                transition: request.transition.into(),
                occurred_on: request.occurred_on.unwrap_or(today),
                reason: request.reason.clone(),
                closure_outcome: request.closure_outcome.map(Into::into),
            };
            let last = pacts::last_change_on(work.conn(), &pact)?;
            let (to, reason) = check_pact_transition(&pact, &transition_request, last, today)
                .map_err(change_error)?;
            touch(work.conn(), &pact, actor, now)?;
            let transition_record = PactTransitionRecord {
                id: Uuid::now_v7(),
                transition: transition_request.transition,
                from: pact.status,
                to,
                occurred_on: transition_request.occurred_on,
                reason,
                closure_outcome: transition_request.closure_outcome,
                author_id: actor,
                recorded_at: now,
            };
            pacts::record_transition(work.conn(), &pact, &transition_record)?;
            work.event(format!("pact.{}", transition_request.transition.as_str()))
                .detail("from", pact.status.as_str())
                .detail("to", to.as_str());
            let response = render(work.conn(), pact.id, today)?;
            Ok(Answer::ok(&response, Some(response.version)))
        },
    )
    .await
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
    req: HttpRequest,
    id: Id<PactId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "pact.history.read", "pact");
    let items = case_work::read(
        &state,
        caller,
        &req,
        pact_target(id.0),
        op,
        move |work, _: NoQuery| Ok(pacts::transitions(work.conn(), id.0.uuid())?),
    )
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
