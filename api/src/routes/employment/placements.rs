//! Employment placements of the person of a case file: proposing them, reading them, their
//! lifecycle `proposed` → `active` → `completed` | `interrupted`, and the hours worked each
//! month. A placement is inside its case file: its handlers go through the gate with the case
//! file, or with [`work_target`].

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::ValidationErrors;
use socialcare_domain::access::Action;
use socialcare_domain::case_file::check_takes_new_work;
use socialcare_domain::case_file::{CaseFile, ExternalService};
use socialcare_domain::employment::{
    CommitmentFacts, ContractFacts, EmployerFacts, MonthHours, ReferralFacts, WorkChange,
    WorkChangeAsked, WorkChangeError, WorkContent, WorkKind, WorkPlacement, WorkStatus,
    WorkTransition, YearMonth, check_month_hours, check_ties, check_work, check_work_change,
    fulfilled_commitment, may_tutor,
};
use socialcare_domain::ids::{CaseFileId, WorkPlacementId};
use socialcare_domain::names::clean;
use socialcare_domain::project::optional_text;
use socialcare_persistence::employment::{self, NewWorkPlacement};
use socialcare_persistence::{AnyConnection, case_files, pacts, users};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, Answer, NoQuery, Op, Target, Work, with_etag};
use crate::conditional::IfMatchHeader;
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::idempotency::IdempotencyKeyHeader;
use crate::routes::codes::{WorkKindCode, WorkOutcomeCode, WorkStatusCode, WorkTransitionCode};
use crate::state::AppState;

/// An employment placement, located in its case file by the gate.
pub(super) fn work_target(id: WorkPlacementId) -> Target {
    Target::within(WorkPlacementId::KIND, id, employment::work_case_file_of)
}

fn no_placement() -> ApiError {
    ApiError::NotFound("no employment placement with this id".into())
}

/// The placement, or 404.
pub(super) fn placement_of(conn: &mut AnyConnection, id: Uuid) -> Result<WorkPlacement, ApiError> {
    employment::find_work_placement(conn, id)?.ok_or_else(no_placement)
}

/// An employment placement to propose.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "social_clause_hiring",
    "employer_id": "01938a6e-7f00-7000-8000-000000000003",
    "contract_id": "01938a6e-7f00-7000-8000-000000000004",
    "company_tutor": "Giulia Ferrari",
    "weekly_hours": 20,
    "from_on": "2027-01-11",
    "until_on": "2027-07-10"
}))]
pub struct CreateWorkPlacementRequest {
    /// The kind.
    pub kind: WorkKindCode,
    /// For `provincial_programme` (required there, refused elsewhere): the measure of the
    /// provincial plan, one of the server's configured codes (default `intervento_3_3_d`,
    /// `intervento_19`, `progettone`).
    #[validate(length(min = 1, max = 40))]
    #[schema(min_length = 1, max_length = 40, pattern = r"^[a-z0-9_]{1,40}$")]
    pub programme: Option<String>,
    /// The employer (host organisation), not annulled; for a PUC not a `company`.
    pub employer_id: Uuid,
    /// The procurement contract whose social clause the placement serves: required for
    /// `social_clause_hiring`; awarded to `employer_id` and running on `from_on`.
    pub contract_id: Option<Uuid>,
    /// The office's tutor: an active staff member who works cases (social worker, educator,
    /// area coordinator).
    pub office_tutor_id: Option<Uuid>,
    /// The employer's tutor, 1-200 characters.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub company_tutor: Option<String>,
    /// Planned hours a week, 1-48.
    #[validate(range(min = 1, max = 48))]
    #[schema(minimum = 1, maximum = 48, format = Int32)]
    pub weekly_hours: u8,
    /// Planned first day. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub from_on: NaiveDate,
    /// Planned last day (inclusive), not before `from_on` and less than three years after it;
    /// required except for a hiring (`social_clause_hiring`, `targeted_placement`), which may
    /// be open-ended. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub until_on: Option<NaiveDate>,
    /// Notes, 1-2000 characters.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub notes: Option<String>,
    /// For a `community_utility_project`: the commitment of an inclusion pact of this case
    /// file, taken by the person, of kind `community_utility_project`, that the placement
    /// fulfils; completing the placement marks it `met`.
    pub commitment_id: Option<Uuid>,
    /// The referral of this case file to or from the employment centre or the labour agency
    /// that led to the placement.
    pub referral_id: Option<Uuid>,
}

/// Hours worked in a month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthHoursItem {
    /// The month, `YYYY-MM`.
    #[schema(example = "2027-01", pattern = r"^(19|2[01])\d{2}-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// Hours worked, whole.
    #[schema(format = Int32, example = 80)]
    pub hours: u16,
}

/// An employment placement.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkPlacementResponse {
    /// Identifier.
    pub id: Uuid,
    /// The case file.
    pub case_file_id: Uuid,
    /// The person placed.
    pub person_id: Uuid,
    /// The kind.
    pub kind: WorkKindCode,
    /// The provincial programme, for `provincial_programme`.
    pub programme: Option<String>,
    /// The employer.
    pub employer_id: Uuid,
    /// The contract whose social clause it serves.
    pub contract_id: Option<Uuid>,
    /// The office's tutor.
    pub office_tutor_id: Option<Uuid>,
    /// The employer's tutor.
    pub company_tutor: Option<String>,
    /// Planned hours a week.
    #[schema(format = Int32)]
    pub weekly_hours: u8,
    /// Planned first day.
    pub from_on: NaiveDate,
    /// Planned last day (none: open-ended).
    pub until_on: Option<NaiveDate>,
    /// Notes.
    pub notes: Option<String>,
    /// Current status.
    pub status: WorkStatusCode,
    /// Transitions allowed from the current status.
    pub allowed_transitions: Vec<WorkTransitionCode>,
    /// The day the person started.
    pub started_on: Option<NaiveDate>,
    /// The day it was completed or interrupted.
    pub ended_on: Option<NaiveDate>,
    /// Why it was interrupted.
    pub interruption_reason: Option<String>,
    /// What it led to.
    pub outcome: Option<WorkOutcomeCode>,
    /// The day of the outcome.
    pub outcome_on: Option<NaiveDate>,
    /// Hours worked, by month.
    pub monthly_hours: Vec<MonthHoursItem>,
    /// The pact commitment it fulfils (a PUC).
    pub commitment_id: Option<Uuid>,
    /// The referral that led to it.
    pub referral_id: Option<Uuid>,
    /// While it runs: the day its office tutor is due to review it next (set at the start and
    /// by each review; in the case manager's agenda as `employment_review`).
    pub next_review_on: Option<NaiveDate>,
    /// Version, also sent as `ETag`; send it back in `If-Match` to change the placement.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Who proposed it.
    pub created_by: Uuid,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
}

impl From<&WorkPlacement> for WorkPlacementResponse {
    fn from(p: &WorkPlacement) -> Self {
        let c = &p.content;
        Self {
            id: p.id,
            case_file_id: p.case_file_id,
            person_id: p.person_id,
            kind: c.kind.into(),
            programme: c.programme.clone(),
            employer_id: c.employer_id,
            contract_id: c.contract_id,
            office_tutor_id: c.office_tutor_id,
            company_tutor: c.company_tutor.clone(),
            weekly_hours: c.weekly_hours,
            from_on: c.from_on,
            until_on: c.until_on,
            notes: c.notes.clone(),
            status: p.status.into(),
            allowed_transitions: p
                .status
                .allowed_transitions()
                .iter()
                .map(|t| (*t).into())
                .collect(),
            started_on: p.started_on,
            ended_on: p.ended_on,
            interruption_reason: p.interruption_reason.clone(),
            outcome: p.outcome.map(Into::into),
            outcome_on: p.outcome_on,
            monthly_hours: p
                .hours
                .iter()
                .map(|h| MonthHoursItem {
                    month: h.month.to_string(),
                    hours: h.hours,
                })
                .collect(),
            commitment_id: c.commitment_id,
            referral_id: c.referral_id,
            next_review_on: p.next_review_on,
            version: p.version,
            created_at: p.created_at,
            created_by: p.created_by,
            updated_at: p.updated_at,
        }
    }
}

impl CreateWorkPlacementRequest {
    /// The domain's description, or every field in error (the employer's, the contract's and
    /// the tutor's rules included).
    fn content(
        &self,
        conn: &mut AnyConnection,
        programmes: &[String],
        file: &CaseFile,
    ) -> Result<WorkContent, ApiError> {
        let mut errors = ValidationErrors::new();
        let company_tutor = errors.collect(
            "company_tutor",
            optional_text(self.company_tutor.as_deref().map(clean).as_deref(), 200),
        );
        let notes = errors.collect("notes", optional_text(self.notes.as_deref(), 2000));
        let programme = errors.collect(
            "programme",
            self.programme
                .as_deref()
                .map(socialcare_domain::employment::parse_programme)
                .transpose(),
        );
        let employer = employment::find_employer(conn, self.employer_id)?;
        if employer.is_none() {
            errors.collect::<()>("employer_id", Err("no employer with this id".into()));
        }
        let contract = match self.contract_id {
            Some(id) => {
                let found = employment::find_contract(conn, id)?;
                if found.is_none() {
                    errors.collect::<()>("contract_id", Err("no contract with this id".into()));
                }
                found
            }
            None => None,
        };
        if let Some(tutor) = self.office_tutor_id {
            let staff = users::find(conn, tutor)?;
            let tutors = staff.is_some_and(|u| may_tutor(u.profile.roles(), u.active));
            if !tutors {
                errors.collect::<()>(
                    "office_tutor_id",
                    Err("must be an active social worker, educator or area coordinator".into()),
                );
            }
        }
        let (Some(company_tutor), Some(notes), Some(programme), Some(employer), true) =
            (company_tutor, notes, programme, employer, errors.is_empty())
        else {
            return Err(ApiError::from_domain(errors));
        };
        let content = WorkContent {
            kind: self.kind.into(),
            programme,
            employer_id: employer.id,
            contract_id: contract.as_ref().map(|c| c.id),
            office_tutor_id: self.office_tutor_id,
            company_tutor,
            weekly_hours: self.weekly_hours,
            from_on: self.from_on,
            until_on: self.until_on,
            notes,
            commitment_id: self.commitment_id,
            referral_id: self.referral_id,
        };
        let commitment = match self.commitment_id {
            Some(id) => employment::commitment_facts(conn, id)?
                .map(|(pact_id, case_file_id)| {
                    pacts::find_commitment(conn, pact_id, id).map(|c| {
                        c.map(|c| CommitmentFacts {
                            case_file_id,
                            person_id: c.content.person_id,
                            kind: c.content.kind,
                        })
                    })
                })
                .transpose()?
                .flatten(),
            None => None,
        };
        let referral = match self.referral_id {
            Some(id) => employment::referral_facts(conn, id)?
                .map(|(case_file_id, service)| {
                    service
                        .parse::<ExternalService>()
                        .map(|service| ReferralFacts {
                            case_file_id,
                            service,
                        })
                        .map_err(ApiError::Internal)
                })
                .transpose()?,
            None => None,
        };
        check_ties(&content, file.id, file.person_id, commitment, referral)
            .map_err(ApiError::from_domain)?;
        check_work(
            &content,
            programmes,
            EmployerFacts {
                kind: employer.content.kind,
                annulled: employer.annulled_at.is_some(),
            },
            contract.map(|c| ContractFacts {
                employer_id: c.content.employer_id,
                from_on: c.content.from_on,
                until_on: c.content.until_on,
            }),
        )
        .map_err(ApiError::from_domain)?;
        Ok(content)
    }
}

/// Propose an employment placement
///
/// Proposes a placement in work for the person of the case file (`proposed`): a traineeship, a
/// work grant, a hiring under a contract's social clause, a measure of the provincial plan, a
/// community-utility project (PUC) or a targeted placement, with its employer, tutors, weekly
/// hours and period. A closed case file takes no new placements (409). For the case team and
/// the area coordinator. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "employment",
    operation_id = "create_employment_placement",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."), IdempotencyKeyHeader),
    request_body = CreateWorkPlacementRequest,
    responses(
        (status = 201, description = "Proposed.", body = WorkPlacementResponse,
            headers(("Location" = String, description = "URL of the placement."), ("ETag" = String, description = "Version, for If-Match."))),
        (status = 403, description = "Not in the case team nor the area coordinator.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The case file is closed.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (JSON Pointers such as `/until_on`): an unknown or annulled employer, a contract of another employer or not running on `from_on`, a programme not configured, a tutor who is not case staff.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/case-files/{case_file_id}/employment-placements")]
pub async fn create_employment_placement(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<CaseFileId>,
    body: Body<CreateWorkPlacementRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::PlaceInWork,
        "employment_placement.create",
        "employment_placement",
    );
    let programmes = state.provincial_programmes.clone();
    case_work::write(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        body,
        move |work, request, _| {
            let case_file_id = work.case_file_id()?;
            let file = case_files::find(work.conn(), case_file_id)?
                .ok_or_else(|| ApiError::NotFound("no case file with this id".into()))?;
            let content = request.content(work.conn(), &programmes, &file)?;
            check_takes_new_work(file.status, "take new employment placements")
                .map_err(ApiError::Conflict)?;
            let (actor, now) = (work.actor(), work.now());
            let new = NewWorkPlacement {
                case_file_id,
                person_id: file.person_id,
                content,
            };
            let placement = employment::insert_work_placement(work.conn(), &new, actor, now)?;
            work.resource(placement.id)
                .detail("kind", placement.content.kind.as_str())
                .detail("employer_id", placement.content.employer_id);
            Ok(Answer::created(
                &WorkPlacementResponse::from(&placement),
                format!("/api/v1/employment-placements/{}", placement.id),
                Some(placement.version),
            ))
        },
    )
    .await
}

/// The employment placements of a case file.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkPlacementList {
    /// By planned first day.
    pub items: Vec<WorkPlacementResponse>,
}

/// List the employment placements of a case file
///
/// Every employment placement of the case file, by planned first day, with the hours worked.
/// For whoever may read the case file; audited with the person.
#[utoipa::path(
    tag = "employment",
    operation_id = "list_employment_placements",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier.")),
    responses(
        (status = 200, description = "The placements.", body = WorkPlacementList),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/case-files/{case_file_id}/employment-placements")]
pub async fn list_employment_placements(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<CaseFileId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadCaseFile,
        "employment_placement.list",
        "case_file",
    );
    let list = case_work::read(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        |work, _: NoQuery| {
            let case_file_id = work.case_file_id()?;
            let found = employment::work_placements_of(work.conn(), case_file_id)?;
            work.detail("returned", found.len());
            Ok(WorkPlacementList {
                items: found.iter().map(WorkPlacementResponse::from).collect(),
            })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Read an employment placement
///
/// One employment placement with the hours worked. For whoever may read its case file;
/// audited with the person.
#[utoipa::path(
    tag = "employment",
    operation_id = "get_employment_placement",
    params(("placement_id" = Uuid, Path, description = "Employment placement identifier.")),
    responses(
        (status = 200, description = "The placement.", body = WorkPlacementResponse,
            headers(("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No employment placement with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/employment-placements/{placement_id}")]
pub async fn get_employment_placement(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<WorkPlacementId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadCaseFile,
        "employment_placement.read",
        "employment_placement",
    );
    let placement = case_work::read(
        &state,
        caller,
        &req,
        work_target(id.0),
        op,
        move |work, _: NoQuery| placement_of(work.conn(), id.0.uuid()),
    )
    .await?;
    Ok(with_etag(
        placement.version,
        &WorkPlacementResponse::from(&placement),
    ))
}

/// A change of an employment placement's status.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"transition": "complete", "occurred_on": "2027-07-10", "outcome": "hired_fixed_term", "outcome_on": "2027-07-11"}))]
pub struct WorkTransitionRequest {
    /// The transition.
    pub transition: WorkTransitionCode,
    /// The day it happened (default today): not in the future; a start not after the planned
    /// end; a completion or interruption not before the start. Between 1900-01-01 and
    /// 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub occurred_on: Option<NaiveDate>,
    /// For `interrupt` (required): why, 1-500 characters.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: Option<String>,
    /// For `complete` (required) and `interrupt` (optional): what the placement led to.
    pub outcome: Option<WorkOutcomeCode>,
    /// With a hiring outcome: the day of the hiring (default `occurred_on`), not before the
    /// placement started. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub outcome_on: Option<NaiveDate>,
    /// For `start` (optional): the day of the first tutor review, after `occurred_on` and at
    /// most 183 days after it (default 30 days after it, or the planned last day when that
    /// comes first). Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub next_review_on: Option<NaiveDate>,
}

impl WorkTransitionRequest {
    /// The change, or every field in error (422), or the transition not allowed (409).
    fn change(&self, placement: &WorkPlacement, today: NaiveDate) -> Result<WorkChange, ApiError> {
        let asked = WorkChangeAsked {
            transition: self.transition.into(),
            occurred_on: self.occurred_on,
            reason: self.reason.as_deref(),
            outcome: self.outcome.map(Into::into),
            outcome_on: self.outcome_on,
            next_review_on: self.next_review_on,
        };
        check_work_change(placement, asked, today).map_err(|e| match e {
            WorkChangeError::Invalid(errors) => ApiError::from_domain(errors),
            WorkChangeError::NotAllowed(e) => ApiError::IllegalTransition {
                detail: e.to_string(),
                allowed: placement
                    .status
                    .allowed_transitions()
                    .iter()
                    .map(|t| t.as_str().to_owned())
                    .collect(),
            },
        })
    }
}

/// A completed PUC fulfils the pact commitment it names: a commitment still `pending` becomes
/// `met` (with the pact's version and deadlines moved on, as any change of a commitment), in
/// the same transaction; one already judged, or of a pact that takes no changes (a legacy
/// measure), stays as it is. The audit record says which.
fn fulfil_commitment(work: &mut Work<'_>, placement: &WorkPlacement) -> Result<(), ApiError> {
    let (Some(commitment_id), WorkKind::CommunityUtilityProject) =
        (placement.content.commitment_id, placement.content.kind)
    else {
        return Ok(());
    };
    let Some((pact_id, _)) = employment::commitment_facts(work.conn(), commitment_id)? else {
        return Ok(());
    };
    let (actor, now) = (work.actor(), work.now());
    let pact = pacts::find(work.conn(), pact_id)?
        .ok_or_else(|| ApiError::Internal("a commitment without its pact".into()))?;
    let Some(commitment) = pacts::find_commitment(work.conn(), pact_id, commitment_id)? else {
        return Ok(());
    };
    let open = socialcare_domain::pact::check_commitments_allowed(&pact).is_ok();
    let Some(status) = fulfilled_commitment(commitment.content.status, open) else {
        work.detail("commitment_met", false);
        return Ok(());
    };
    let mut content = commitment.content.clone();
    content.status = status;
    let bumped = pacts::bump_version(work.conn(), pact.id, pact.version, actor, now)?;
    let updated = bumped
        && pacts::update_commitment(
            work.conn(),
            commitment_id,
            commitment.version,
            &content,
            actor,
            now,
        )?;
    if !updated {
        return Err(ApiError::PreconditionFailed(
            "the pact changed meanwhile; read the placement again and retry".into(),
        ));
    }
    work.detail("commitment_met", true)
        .detail("commitment_id", commitment_id);
    Ok(())
}

/// The placement as it is now, after a change that moved its version on (or 412 when another
/// request changed it first).
fn answer_changed(work: &mut Work<'_>, id: Uuid, changed: bool) -> Result<Answer, ApiError> {
    if !changed {
        return Err(ApiError::PreconditionFailed(
            "the employment placement changed meanwhile; read it again and retry".into(),
        ));
    }
    let placement = placement_of(work.conn(), id)?;
    Ok(Answer::ok(
        &WorkPlacementResponse::from(&placement),
        Some(placement.version),
    ))
}

/// Start, complete or interrupt an employment placement
///
/// `start` when the person starts working; `complete` when it ends as planned, with its
/// `outcome`; `interrupt` when it ends early or does not start, with a `reason` (and the
/// outcome, if any). Requires `If-Match`. A transition not allowed from the current status is
/// 409 with the allowed ones. For the case team and the area coordinator. Send
/// `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "employment",
    operation_id = "transition_employment_placement",
    params(("placement_id" = Uuid, Path, description = "Employment placement identifier."),
        IfMatchHeader, IdempotencyKeyHeader),
    request_body = WorkTransitionRequest,
    responses(
        (status = 200, description = "The placement after the change.", body = WorkPlacementResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 403, description = "Not in the case team nor the area coordinator.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No employment placement with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the current status.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (a missing outcome or reason, a day in the future).", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/employment-placements/{placement_id}/transitions")]
pub async fn transition_employment_placement(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<WorkPlacementId>,
    body: Body<WorkTransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::PlaceInWork,
        "employment_placement.transition",
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
            work.event(format!(
                "employment_placement.{}",
                WorkTransition::from(request.transition).as_str()
            ));
            let change = request.change(&placement, work.today())?;
            if_match.check(placement.version)?;
            let (actor, now) = (work.actor(), work.now());
            let changed =
                employment::change_work_placement(work.conn(), &placement, &change, actor, now)?;
            work.detail("on", change.on);
            if changed && change.to == WorkStatus::Completed {
                fulfil_commitment(work, &placement)?;
            }
            answer_changed(work, placement.id, changed)
        },
    )
    .await
}

/// The hours worked in a month.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"hours": 80}))]
pub struct MonthHoursRequest {
    /// Hours worked in the month, whole, 0-300.
    #[validate(range(max = 300))]
    #[schema(minimum = 0, maximum = 300, format = Int32)]
    pub hours: u16,
}

/// Record the hours worked in a month
///
/// Records (or corrects) the hours the person worked in a month of a started placement, from
/// the month it started to the month it ended (or this month while it runs). The hours of
/// the placements under a contract are what an hours-share clause is judged on. Requires
/// `If-Match` (the placement's version moves on). For the case team and the area
/// coordinator. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "employment",
    operation_id = "record_employment_hours",
    params(("placement_id" = Uuid, Path, description = "Employment placement identifier."),
        ("month" = String, Path, description = "The month, `YYYY-MM`.", pattern = r"^(19|2[01])\d{2}-(0[1-9]|1[0-2])$"),
        IfMatchHeader, IdempotencyKeyHeader),
    request_body = MonthHoursRequest,
    responses(
        (status = 200, description = "The placement with the hours.", body = WorkPlacementResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 400, description = "The month is not `YYYY-MM`.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not in the case team nor the area coordinator.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No employment placement with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not started, a month it did not run (`/month`), or too many hours (`/hours`).", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/employment-placements/{placement_id}/hours/{month}")]
pub async fn record_employment_hours(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<WorkPlacementId>,
    body: Body<MonthHoursRequest>,
) -> Result<HttpResponse, ApiError> {
    let month: YearMonth = req
        .match_info()
        .get("month")
        .unwrap_or_default()
        .parse()
        .map_err(|e: String| ApiError::bad_parameter("month", e))?;
    let op = Op::new(
        Action::PlaceInWork,
        "employment_placement.hours",
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
            check_month_hours(&placement, month, request.hours, work.today())
                .map_err(ApiError::from_domain)?;
            if_match.check(placement.version)?;
            let entry = MonthHours {
                month,
                hours: request.hours,
            };
            let (actor, now) = (work.actor(), work.now());
            let changed =
                employment::record_month_hours(work.conn(), &placement, entry, actor, now)?;
            work.detail("month", month.to_string())
                .detail("hours", request.hours);
            answer_changed(work, placement.id, changed)
        },
    )
    .await
}
