//! The commitments of the household members in a pact.

use super::*;

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
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
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
        let current_members = match pact.household_id {
            Some(household) => pacts::household_members(conn, household, Some(today))?,
            None => Vec::new(),
        };
        errors.collect(
            "person_id",
            check_commitment_person(self.person_id, file.person_id, &current_members),
        );
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
        IdempotencyKeyHeader),
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
    id: Id<PactId>,
    body: Body<CommitmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::WriteCaseContent,
        "pact.commitment.create",
        "pact_commitment",
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
            let (file, pact) = pact_of(work.conn(), id.0.uuid())?;
            check_commitments_allowed(&pact).map_err(change_error)?;
            let content = request.content(work.conn(), &file, &pact, today)?;
            touch(work.conn(), &pact, actor, now)?;
            let commitment = pacts::insert_commitment(work.conn(), pact.id, &content, actor, now)?;
            work.resource(commitment.id)
                .detail("pact_id", pact.id)
                .detail("member_id", content.person_id)
                .shows([content.person_id]);
            Ok(Answer::created(
                &CommitmentResponse::from(&commitment),
                format!("/api/v1/pacts/{}/commitments/{}", pact.id, commitment.id),
                Some(commitment.version),
            ))
        },
    )
    .await
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
    req: HttpRequest,
    id: Id<PactId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "pact.commitment.list", "pact");
    let items = case_work::read(
        &state,
        caller,
        &req,
        pact_target(id.0),
        op,
        move |work, _: NoQuery| {
            let items = pacts::commitments(work.conn(), id.0.uuid())?;
            work.shows(items.iter().map(|c| c.content.person_id));
            Ok(items)
        },
    )
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
    req: HttpRequest,
    id: Id<PactId>,
    commitment_id: Id<CommitmentId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadCaseFile,
        "pact.commitment.read",
        "pact_commitment",
    );
    let commitment = case_work::read(
        &state,
        caller,
        &req,
        pact_target(id.0),
        op,
        move |work, _: NoQuery| {
            let commitment =
                pacts::find_commitment(work.conn(), id.0.uuid(), commitment_id.0.uuid())?
                    .ok_or_else(no_commitment)?;
            work.resource(commitment.id)
                .detail("pact_id", id.0.uuid())
                .shows([commitment.content.person_id]);
            Ok(commitment)
        },
    )
    .await?;
    Ok(with_etag(
        commitment.version,
        &CommitmentResponse::from(&commitment),
    ))
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
        IfMatchHeader,
        IdempotencyKeyHeader),
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
    id: Id<PactId>,
    commitment_id: Id<CommitmentId>,
    body: Body<CommitmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::WriteCaseContent,
        "pact.commitment.update",
        "pact_commitment",
    );
    case_work::write(
        &state,
        caller,
        &req,
        pact_target(id.0),
        op,
        body,
        move |work, request, if_match| {
            let (today, now, actor) = (work.today(), work.now(), work.actor());
            let (pact_id, commitment_id) = (id.0.uuid(), commitment_id.0.uuid());
            let (file, pact) = pact_of(work.conn(), pact_id)?;
            let commitment = pacts::find_commitment(work.conn(), pact_id, commitment_id)?
                .ok_or_else(no_commitment)?;
            if_match.check(commitment.version)?;
            check_commitments_allowed(&pact).map_err(change_error)?;
            let content = request.content(work.conn(), &file, &pact, today)?;
            touch(work.conn(), &pact, actor, now)?;
            if !pacts::update_commitment(
                work.conn(),
                commitment_id,
                commitment.version,
                &content,
                actor,
                now,
            )? {
                return Err(ApiError::PreconditionFailed(
                    "the commitment changed meanwhile; read it again and retry".into(),
                ));
            }
            work.resource(commitment_id)
                .detail("pact_id", pact_id)
                .detail("status", content.status.as_str())
                .shows([commitment.content.person_id, content.person_id]);
            let updated = pacts::find_commitment(work.conn(), pact_id, commitment_id)?
                .ok_or_else(no_commitment)?;
            Ok(Answer::ok(
                &CommitmentResponse::from(&updated),
                Some(updated.version),
            ))
        },
    )
    .await
}
