//! Procurement contracts with a social clause: recording, listing, reading and amending them,
//! and the history of their amendments.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::ValidationErrors;
use socialcare_domain::access::Action;
use socialcare_domain::employment::{Cig, Contract, ContractContent, Requirement, check_contract};
use socialcare_domain::ids::ContractId;
use socialcare_domain::names::clean;
use socialcare_domain::project::{optional_text, required_text};
use socialcare_persistence::employment::{self, ContractQuery, ONE_CONTRACT_PER_CIG};
use socialcare_persistence::{AnyConnection, StoreError};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, Answer, Checked, NoQuery, Op, Work, with_etag};
use crate::conditional::IfMatchHeader;
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::idempotency::IdempotencyKeyHeader;
use crate::routes::codes::ClauseKindCode;
use crate::state::AppState;

/// A contract's description, to record it or to amend it.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "contracting_authority": "Comune di Trento",
    "cig": "8512345A3F",
    "subject": "Manutenzione del verde pubblico, lotto 2",
    "from_on": "2026-01-01",
    "until_on": "2027-12-31",
    "employer_id": "01938a6e-7f00-7000-8000-000000000003",
    "clause": "disadvantaged_hiring",
    "required_workers": 3
}))]
pub struct ContractRequest {
    /// The contracting authority (stazione appaltante), 1-200 characters.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub contracting_authority: String,
    /// The CIG (ANAC): seven digits and three characters 0-9 A-F, or a letter and nine
    /// characters 0-9 A-F (smart CIG from V to Z; the national platform's from A to U). Unique.
    #[validate(length(equal = 10))]
    #[schema(
        min_length = 10,
        max_length = 10,
        pattern = r"^([0-9]{7}[0-9A-Fa-f]{3}|[A-Za-z][0-9A-Fa-f]{9})$"
    )]
    pub cig: String,
    /// What the contract is for, 1-500 characters.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub subject: String,
    /// First day. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub from_on: NaiveDate,
    /// Last day (inclusive): not before `from_on`, at most ten years after it. Between
    /// 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub until_on: NaiveDate,
    /// The employer awarded the contract (not annulled; a type-B cooperative for
    /// `type_b_agreement`, a social cooperative for `reserved_contract`).
    pub employer_id: Uuid,
    /// The kind of social clause.
    pub clause: ClauseKindCode,
    /// What the clause requires, either: disadvantaged workers placed at any time (1-10000)…
    #[validate(range(min = 1, max = 10000))]
    #[schema(minimum = 1, maximum = 10000, format = Int32)]
    pub required_workers: Option<u16>,
    /// …or the share of the contract's working hours done by disadvantaged workers (percent,
    /// 1-100).
    #[validate(range(min = 1, max = 100))]
    #[schema(minimum = 1, maximum = 100, format = Int32)]
    pub required_hours_share: Option<u8>,
    /// The contract's working hours per month, all its workers together (1-1000000): what a
    /// `required_hours_share` is a share of. Without it, an hours share is reported `unknown`
    /// by the compliance.
    #[validate(range(min = 1, max = 1000000))]
    #[schema(minimum = 1, maximum = 1000000, format = Int32)]
    pub monthly_hours: Option<u32>,
    /// Notes, 1-2000 characters.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub notes: Option<String>,
    /// For an amendment (`PUT`, required there; refused when recording): why, 1-500
    /// characters. Kept in the contract's history with the description it replaces.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub amendment_reason: Option<String>,
}

impl ContractRequest {
    /// The domain's description with the amendment's reason, or the fields in error (the
    /// employer's rules included).
    fn content(
        &self,
        conn: &mut AnyConnection,
        amending: bool,
    ) -> Result<(ContractContent, Option<String>), ApiError> {
        let mut errors = ValidationErrors::new();
        let authority = errors.collect(
            "contracting_authority",
            required_text(&clean(&self.contracting_authority), 200),
        );
        let cig = errors.collect("cig", Cig::parse(&self.cig));
        let subject = errors.collect("subject", required_text(&self.subject, 500));
        let notes = errors.collect("notes", optional_text(self.notes.as_deref(), 2000));
        let requirement = match (self.required_workers, self.required_hours_share) {
            (Some(n), None) => Some(Requirement::Workers(n)),
            (None, Some(p)) => Some(Requirement::HoursShare(p)),
            _ => errors.collect(
                "required_workers",
                Err("give either `required_workers` or `required_hours_share`".into()),
            ),
        };
        let reason = match (amending, self.amendment_reason.as_deref()) {
            (true, Some(raw)) => errors.collect("amendment_reason", required_text(raw, 500)),
            (true, None) => errors.collect(
                "amendment_reason",
                Err("is required to amend a contract".into()),
            ),
            (false, Some(_)) => errors.collect(
                "amendment_reason",
                Err("is only for amendments (PUT)".into()),
            ),
            (false, None) => Some(String::new()),
        };
        let employer = employment::find_employer(conn, self.employer_id)?;
        if employer.is_none() {
            errors.collect::<()>("employer_id", Err("no employer with this id".into()));
        }
        let (
            Some(authority),
            Some(cig),
            Some(subject),
            Some(notes),
            Some(requirement),
            Some(reason),
            Some(employer),
        ) = (
            authority,
            cig,
            subject,
            notes,
            requirement,
            reason,
            employer,
        )
        else {
            return Err(ApiError::from_domain(errors));
        };
        if !errors.is_empty() {
            return Err(ApiError::from_domain(errors));
        }
        let content = ContractContent {
            contracting_authority: authority,
            cig,
            subject,
            from_on: self.from_on,
            until_on: self.until_on,
            employer_id: employer.id,
            clause: self.clause.into(),
            requirement,
            monthly_hours: self.monthly_hours,
            notes,
        };
        check_contract(
            &content,
            employer.content.kind,
            employer.annulled_at.is_some(),
        )
        .map_err(ApiError::from_domain)?;
        Ok((content, amending.then_some(reason)))
    }
}

/// A procurement contract with a social clause.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContractResponse {
    /// Identifier.
    pub id: Uuid,
    /// The contracting authority.
    pub contracting_authority: String,
    /// The CIG.
    #[schema(example = "8512345A3F")]
    pub cig: String,
    /// What the contract is for.
    pub subject: String,
    /// First day.
    pub from_on: NaiveDate,
    /// Last day (inclusive).
    pub until_on: NaiveDate,
    /// The employer awarded the contract.
    pub employer_id: Uuid,
    /// The kind of social clause.
    pub clause: ClauseKindCode,
    /// Disadvantaged workers required at any time (when the clause counts workers).
    #[schema(format = Int32)]
    pub required_workers: Option<u16>,
    /// Share of the working hours required, percent (when the clause counts hours).
    #[schema(format = Int32)]
    pub required_hours_share: Option<u8>,
    /// The contract's working hours per month, what an hours share is a share of.
    #[schema(format = Int32)]
    pub monthly_hours: Option<u32>,
    /// Notes.
    pub notes: Option<String>,
    /// Version, also sent as `ETag`: 1, then one more per amendment.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Last amendment instant.
    pub updated_at: DateTime<Utc>,
}

impl From<&Contract> for ContractResponse {
    fn from(k: &Contract) -> Self {
        let c = &k.content;
        let (required_workers, required_hours_share) = match c.requirement {
            Requirement::Workers(n) => (Some(n), None),
            Requirement::HoursShare(p) => (None, Some(p)),
        };
        Self {
            id: k.id,
            contracting_authority: c.contracting_authority.clone(),
            cig: c.cig.as_str().to_owned(),
            subject: c.subject.clone(),
            from_on: c.from_on,
            until_on: c.until_on,
            employer_id: c.employer_id,
            clause: c.clause.into(),
            required_workers,
            required_hours_share,
            monthly_hours: c.monthly_hours,
            notes: c.notes.clone(),
            version: k.version,
            created_at: k.created_at,
            updated_at: k.updated_at,
        }
    }
}

/// The contract, or 404.
fn contract_of(conn: &mut AnyConnection, id: Uuid) -> Result<Contract, ApiError> {
    employment::find_contract(conn, id)?
        .ok_or_else(|| ApiError::NotFound("no contract with this id".into()))
}

/// A CIG already recorded: 409.
fn cig_taken(error: StoreError) -> ApiError {
    match error {
        StoreError::Conflict(c) if c == ONE_CONTRACT_PER_CIG => {
            ApiError::Conflict("a contract with this CIG is recorded: search it with `cig`".into())
        }
        other => other.into(),
    }
}

/// Record a contract
///
/// Records a procurement contract with a social clause, awarded to an employer of the
/// register. For the `administrative` staff. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "employment",
    operation_id = "create_contract",
    params(IdempotencyKeyHeader),
    request_body = ContractRequest,
    responses(
        (status = 201, description = "Recorded.", body = ContractResponse,
            headers(("Location" = String, description = "URL of the contract."), ("ETag" = String, description = "Version, for If-Match."))),
        (status = 403, description = "Not administrative staff.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A contract with this CIG is recorded.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (JSON Pointers such as `/cig`), no employer with this id, or one the clause does not allow (`/employer_id`).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/contracts")]
pub async fn create_contract(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Body<ContractRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ManageEmployers, "contract.create", "contract");
    case_work::create(&state, caller, &req, op, body, |work, request, _| {
        let (content, _) = request.content(work.conn(), false)?;
        let (actor, now) = (work.actor(), work.now());
        let contract =
            employment::insert_contract(work.conn(), &content, actor, now).map_err(cig_taken)?;
        work.resource(contract.id)
            .detail("employer_id", contract.content.employer_id);
        Ok(Answer::created(
            &ContractResponse::from(&contract),
            format!("/api/v1/contracts/{}", contract.id),
            Some(contract.version),
        ))
    })
    .await
}

/// Filters and position of the contracts register.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContractListQuery {
    /// Only contracts awarded to this employer.
    pub employer_id: Option<Uuid>,
    /// Only the contract with this CIG (ten characters).
    #[validate(length(equal = 10))]
    #[param(pattern = r"^([0-9]{7}[0-9A-Fa-f]{3}|[A-Za-z][0-9A-Fa-f]{9})$")]
    pub cig: Option<String>,
    /// Only contracts running on this day. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[param(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub running_on: Option<NaiveDate>,
    /// Opaque position returned in `next` (base64url, 1-500 characters among `A-Z a-z 0-9 - _`);
    /// omit for the first page. Anything else, or a position of another list, is 400.
    #[validate(length(min = 1, max = 500))]
    #[param(min_length = 1, max_length = 500, pattern = "^[A-Za-z0-9_-]{1,500}$")]
    pub cursor: Option<String>,
    /// Page size, 1-100 (default 50).
    #[validate(range(min = 1, max = 100))]
    #[param(minimum = 1, maximum = 100, default = 50)]
    pub limit: Option<u32>,
}

/// One page of contracts.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractPage {
    /// The contracts, in the order they were recorded.
    pub items: Vec<ContractResponse>,
    /// Link to the next page, or null on the last one.
    pub next: Option<String>,
}

/// List contracts
///
/// The procurement contracts with a social clause, in the order they were recorded, filtered
/// by employer, CIG and the day they run. For whoever works cases.
#[utoipa::path(
    tag = "employment",
    operation_id = "list_contracts",
    params(ContractListQuery),
    responses(
        (status = 200, description = "One page of contracts.", body = ContractPage),
        (status = 400, description = "Invalid filter or cursor.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/contracts")]
pub async fn list_contracts(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadEmployers, "contract.list", "contract");
    let query = req.query_string().to_owned();
    let page = case_work::list(
        &state,
        caller,
        &req,
        op,
        move |work, q: ContractListQuery| {
            let limit = q.limit.unwrap_or(50);
            let cig = q
                .cig
                .as_deref()
                .map(|c| Cig::parse(c).map_err(|e| ApiError::bad_parameter("cig", e)))
                .transpose()?;
            let after = q
                .cursor
                .as_deref()
                .map(|c| {
                    let text = crate::cursor::decode(c)?;
                    text.strip_prefix("contract|")
                        .and_then(|id| Uuid::parse_str(id).ok())
                        .ok_or_else(|| {
                            ApiError::bad_parameter("cursor", "not a position of this list")
                        })
                })
                .transpose()?;
            let mut found = employment::list_contracts(
                work.conn(),
                &ContractQuery {
                    employer_id: q.employer_id,
                    cig: cig.map(|c| c.as_str().to_owned()),
                    running_on: q.running_on,
                    after,
                    limit: i64::from(limit) + 1,
                },
            )?;
            let next = crate::cursor::cut(
                &mut found,
                limit as usize,
                "/api/v1/contracts",
                &query,
                |last| format!("contract|{}", last.id),
            );
            work.detail("returned", found.len());
            Ok(ContractPage {
                items: found.iter().map(ContractResponse::from).collect(),
                next,
            })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Read a contract
///
/// One procurement contract, as last amended. For whoever works cases.
#[utoipa::path(
    tag = "employment",
    operation_id = "get_contract",
    params(("contract_id" = Uuid, Path, description = "Contract identifier.")),
    responses(
        (status = 200, description = "The contract.", body = ContractResponse,
            headers(("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No contract with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/contracts/{contract_id}")]
pub async fn get_contract(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<ContractId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadEmployers, "contract.read", "contract");
    let contract = case_work::list(&state, caller, &req, op, move |work, _: NoQuery| {
        work.resource(id.0);
        contract_of(work.conn(), id.0.uuid())
    })
    .await?;
    Ok(with_etag(
        contract.version,
        &ContractResponse::from(&contract),
    ))
}

/// Amend a contract
///
/// Replaces the description of a contract (every field, as when recording it) with the
/// `amendment_reason`; the description it replaces is kept in its history
/// (`GET /contracts/{id}/amendments`). Requires `If-Match`. For the `administrative` staff.
#[utoipa::path(
    tag = "employment",
    operation_id = "amend_contract",
    params(("contract_id" = Uuid, Path, description = "Contract identifier."), IfMatchHeader),
    request_body = ContractRequest,
    responses(
        (status = 200, description = "The contract as amended.", body = ContractResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 403, description = "Not administrative staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No contract with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another contract has this CIG.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or no `amendment_reason`.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/contracts/{contract_id}")]
pub async fn amend_contract(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<ContractId>,
    body: Body<ContractRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ManageEmployers, "contract.amend", "contract");
    let check = move |work: &mut Work<'_>| {
        work.resource(id.0);
        contract_of(work.conn(), id.0.uuid())
    };
    let then = |work: &mut Work<'_>,
                request: ContractRequest,
                if_match: case_work::IfMatch,
                current: Contract| {
        let (content, reason) = request.content(work.conn(), true)?;
        if_match.check(current.version)?;
        let previous = serde_json::to_string(&ContractResponse::from(&current))
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let (actor, now) = (work.actor(), work.now());
        let reason = reason.unwrap_or_default();
        if !employment::amend_contract(
            work.conn(),
            &current,
            &content,
            &reason,
            &previous,
            actor,
            now,
        )
        .map_err(cig_taken)?
        {
            return Err(ApiError::PreconditionFailed(
                "the contract changed meanwhile; read it again and retry".into(),
            ));
        }
        let contract = contract_of(work.conn(), current.id)?;
        Ok(Answer::ok(
            &ContractResponse::from(&contract),
            Some(contract.version),
        ))
    };
    case_work::office_checked(&state, caller, &req, op, body, Checked { check, then }).await
}

/// An amendment of a contract.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractAmendment {
    /// The version the amendment made.
    #[schema(format = Int64, example = 2)]
    pub version: i64,
    /// Why.
    pub reason: String,
    /// The contract as it was before the amendment.
    pub previous: ContractSnapshot,
    /// Who amended it.
    pub author_id: Uuid,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// A contract as it was (the fields of a contract, as read then).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ContractSnapshot {
    /// The contracting authority.
    pub contracting_authority: String,
    /// The CIG.
    pub cig: String,
    /// What the contract was for.
    pub subject: String,
    /// First day.
    pub from_on: NaiveDate,
    /// Last day (inclusive).
    pub until_on: NaiveDate,
    /// The employer awarded the contract.
    pub employer_id: Uuid,
    /// The kind of social clause.
    pub clause: ClauseKindCode,
    /// Disadvantaged workers required.
    #[schema(format = Int32)]
    pub required_workers: Option<u16>,
    /// Share of the working hours required, percent.
    #[schema(format = Int32)]
    pub required_hours_share: Option<u8>,
    /// Notes.
    pub notes: Option<String>,
    /// Its version then.
    #[schema(format = Int64)]
    pub version: i64,
}

/// The amendments of a contract.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractAmendments {
    /// The contract.
    pub contract_id: Uuid,
    /// Its amendments, oldest first.
    pub items: Vec<ContractAmendment>,
}

/// History of a contract
///
/// Every amendment of a contract, oldest first, each with its reason, who made it and the
/// contract as it was before. For whoever works cases.
#[utoipa::path(
    tag = "employment",
    operation_id = "list_contract_amendments",
    params(("contract_id" = Uuid, Path, description = "Contract identifier.")),
    responses(
        (status = 200, description = "The amendments.", body = ContractAmendments),
        (status = 404, description = "No contract with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/contracts/{contract_id}/amendments")]
pub async fn list_contract_amendments(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<ContractId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadEmployers, "contract.amendments", "contract");
    let history = case_work::list(&state, caller, &req, op, move |work, _: NoQuery| {
        work.resource(id.0);
        let contract = contract_of(work.conn(), id.0.uuid())?;
        let items = employment::amendments_of(work.conn(), contract.id)?
            .into_iter()
            .map(|a| {
                let previous = serde_json::from_str(&a.previous).map_err(|e| {
                    ApiError::Internal(format!("stored amendment {} unreadable: {e}", a.version))
                })?;
                Ok(ContractAmendment {
                    version: a.version,
                    reason: a.reason,
                    previous,
                    author_id: a.author_id,
                    recorded_at: a.recorded_at,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok(ContractAmendments {
            contract_id: contract.id,
            items,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(history))
}
