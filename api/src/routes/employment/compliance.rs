//! Compliance with the contracts' social clauses: one contract on a day and over its period,
//! and the contracts running on a day with how each stands. Counts only: no person is shown.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use socialcare_domain::access::Action;
use socialcare_domain::employment::{
    Clause, ComplianceState, ComplianceUnit, Contract, DayCompliance, PeriodCompliance,
};
use socialcare_domain::ids::ContractId;
use socialcare_persistence::employment::{self, ContractQuery};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, Op};
use crate::error::{ApiError, Problem};
use crate::extract::Id;
use crate::routes::codes::{ComplianceStateCode, ComplianceUnitCode};
use crate::state::AppState;

/// How a clause stands on one day.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayComplianceBody {
    /// The day.
    pub on: NaiveDate,
    /// How it stands.
    pub state: ComplianceStateCode,
    /// Workers required (or hours required in the day's month); null when `unknown`.
    #[schema(format = Int64)]
    pub required: Option<u64>,
    /// Workers placed that day (or hours recorded in the day's month).
    #[schema(format = Int64)]
    pub actual: u64,
}

impl From<DayCompliance> for DayComplianceBody {
    fn from(d: DayCompliance) -> Self {
        Self {
            on: d.on,
            state: d.state.into(),
            required: d.required,
            actual: d.actual,
        }
    }
}

/// How a clause stood over the contract's period up to the day asked.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodComplianceBody {
    /// The first day judged (the contract's first).
    pub from: NaiveDate,
    /// The last day judged: the contract's last, or the day asked if earlier; null when the
    /// contract had not started.
    pub until: Option<NaiveDate>,
    /// Worker-days (or hours) required over the days (or months) judged; null when unknown.
    #[schema(format = Int64)]
    pub required: Option<u64>,
    /// Worker-days placed (or hours recorded).
    #[schema(format = Int64)]
    pub actual: u64,
    /// Days (or months, for hours) judged.
    #[schema(format = Int64)]
    pub periods: u64,
    /// Of those, the days (or months) the requirement was met.
    #[schema(format = Int64)]
    pub periods_met: u64,
    /// The first day (or the first day of the first month) it was not met.
    pub first_shortfall: Option<NaiveDate>,
}

impl From<PeriodCompliance> for PeriodComplianceBody {
    fn from(p: PeriodCompliance) -> Self {
        Self {
            from: p.from,
            until: p.until,
            required: p.required,
            actual: p.actual,
            periods: p.periods,
            periods_met: p.periods_met,
            first_shortfall: p.first_shortfall,
        }
    }
}

/// A contract's compliance with its social clause.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractCompliance {
    /// The contract.
    pub contract_id: Uuid,
    /// Its CIG.
    pub cig: String,
    /// Its contracting authority.
    pub contracting_authority: String,
    /// The employer awarded it.
    pub employer_id: Uuid,
    /// What the clause is measured in.
    pub unit: ComplianceUnitCode,
    /// On the day asked.
    pub day: DayComplianceBody,
    /// Over the contract's period up to the day asked.
    pub period: PeriodComplianceBody,
}

/// The day compliance is judged on.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplianceQuery {
    /// The day (default today, the office's day). Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[param(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub on: Option<NaiveDate>,
}

/// The compliance of a contract's social clause
///
/// What the clause requires against what the placements under the contract give: on the day
/// asked (workers placed that day, or hours recorded in its month) and over the contract's
/// period up to that day (worker-days or hours, the days or months it was met, the first
/// shortfall). A placement counts from the day it started to the day it ended. For area
/// coordinators, the office manager and the `administrative` staff.
#[utoipa::path(
    tag = "employment",
    operation_id = "get_contract_compliance",
    params(("contract_id" = Uuid, Path, description = "Contract identifier."), ComplianceQuery),
    responses(
        (status = 200, description = "The compliance.", body = ContractCompliance),
        (status = 400, description = "Invalid day.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No contract with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/contracts/{contract_id}/compliance")]
pub async fn get_contract_compliance(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<ContractId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCompliance, "contract.compliance", "contract");
    let body = case_work::list(&state, caller, &req, op, move |work, q: ComplianceQuery| {
        work.resource(id.0);
        let day = q.on.unwrap_or_else(|| work.today());
        let contract = employment::find_contract(work.conn(), id.0.uuid())?
            .ok_or_else(|| ApiError::NotFound("no contract with this id".into()))?;
        let worked = employment::worked_under(work.conn(), contract.id)?;
        let hours = employment::hours_under(work.conn(), contract.id)?;
        let clause = clause_of(&contract, &worked, &hours);
        Ok(ContractCompliance {
            contract_id: contract.id,
            cig: contract.content.cig.as_str().to_owned(),
            contracting_authority: contract.content.contracting_authority.clone(),
            employer_id: contract.content.employer_id,
            unit: clause.unit().into(),
            day: clause.on(day).into(),
            period: clause.over(day).into(),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

fn clause_of<'a>(
    contract: &Contract,
    worked: &'a [socialcare_domain::employment::Worked],
    hours: &'a BTreeMap<socialcare_domain::employment::YearMonth, u64>,
) -> Clause<'a> {
    Clause {
        from_on: contract.content.from_on,
        until_on: contract.content.until_on,
        requirement: contract.content.requirement,
        monthly_hours: contract.content.monthly_hours,
        worked,
        hours,
    }
}

/// Which contracts, on which day.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplianceListQuery {
    /// The day (default today, the office's day): the contracts running on it. Between
    /// 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[param(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub on: Option<NaiveDate>,
    /// Only the contracts that stand so on the day (e.g. `not_compliant`: the list for the
    /// office and the contracting authority).
    pub state: Option<ComplianceStateCode>,
    /// Only the contracts awarded to this employer.
    pub employer_id: Option<Uuid>,
    /// Opaque position returned in `next` (base64url, 1-500 characters among `A-Z a-z 0-9 - _`);
    /// omit for the first page. Anything else, or a position of another list, is 400.
    #[validate(length(min = 1, max = 500))]
    #[param(min_length = 1, max_length = 500, pattern = "^[A-Za-z0-9_-]{1,500}$")]
    pub cursor: Option<String>,
    /// How many running contracts a page judges, 1-500 (default 100); with `state`, a page
    /// holds those of them that stand so (possibly none, with a `next`).
    #[validate(range(min = 1, max = 500))]
    #[param(minimum = 1, maximum = 500, default = 100)]
    pub limit: Option<u32>,
}

/// How one contract stands on the day.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplianceItem {
    /// The contract.
    pub contract_id: Uuid,
    /// Its CIG.
    pub cig: String,
    /// Its contracting authority.
    pub contracting_authority: String,
    /// What it is for.
    pub subject: String,
    /// The employer awarded it.
    pub employer_id: Uuid,
    /// What the clause is measured in.
    pub unit: ComplianceUnitCode,
    /// How it stands.
    pub state: ComplianceStateCode,
    /// Workers required (or hours in the day's month); null when `unknown`.
    #[schema(format = Int64)]
    pub required: Option<u64>,
    /// Workers placed that day (or hours recorded in the day's month).
    #[schema(format = Int64)]
    pub actual: u64,
}

/// One page of the contracts' compliance on a day.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompliancePage {
    /// The day judged.
    pub on: NaiveDate,
    /// The contracts, in the order they were recorded.
    pub items: Vec<ComplianceItem>,
    /// Link to the next page, or null on the last one.
    pub next: Option<String>,
}

/// The contracts' compliance on a day
///
/// Every contract running on the day (default today) with how its social clause stands:
/// workers placed that day against those required, or hours recorded in the day's month
/// against the share of the contract's monthly hours. `state=not_compliant` gives the list of
/// contracts not compliant, for the office and the contracting authority. Two grouped
/// statements per page, whatever the number of placements. For area coordinators, the office
/// manager and the `administrative` staff.
#[utoipa::path(
    tag = "employment",
    operation_id = "list_contract_compliance",
    params(ComplianceListQuery),
    responses(
        (status = 200, description = "One page.", body = CompliancePage),
        (status = 400, description = "Invalid filter or cursor.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/contract-compliance")]
pub async fn list_contract_compliance(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadCompliance,
        "contract.compliance_list",
        "contract",
    );
    let query = req.query_string().to_owned();
    let page = case_work::list(
        &state,
        caller,
        &req,
        op,
        move |work, q: ComplianceListQuery| {
            let limit = q.limit.unwrap_or(100);
            let day = q.on.unwrap_or_else(|| work.today());
            let after = q
                .cursor
                .as_deref()
                .map(|c| {
                    let text = crate::cursor::decode(c)?;
                    text.strip_prefix("compliance|")
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
                    cig: None,
                    running_on: Some(day),
                    after,
                    limit: i64::from(limit) + 1,
                },
            )?;
            let next = crate::cursor::cut(
                &mut found,
                limit as usize,
                "/api/v1/contract-compliance",
                &query,
                |last| format!("compliance|{}", last.id),
            );
            let (workers, hours): (Vec<&Contract>, Vec<&Contract>) = found
                .iter()
                .partition(|c| c.content.requirement.unit() == ComplianceUnit::Workers);
            let ids = |cs: Vec<&Contract>| cs.into_iter().map(|c| c.id).collect::<Vec<Uuid>>();
            let standing = employment::standing_on(work.conn(), &ids(workers), &ids(hours), day)?;
            let wanted: Option<ComplianceState> = q.state.map(Into::into);
            let items: Vec<ComplianceItem> = found
                .iter()
                .filter_map(|contract| {
                    let (workers, hours) = standing.get(&contract.id).copied().unwrap_or((0, 0));
                    let judged = judge_on(contract, day, workers, hours);
                    if wanted.is_some_and(|w| w != judged.state) {
                        return None;
                    }
                    Some(ComplianceItem {
                        contract_id: contract.id,
                        cig: contract.content.cig.as_str().to_owned(),
                        contracting_authority: contract.content.contracting_authority.clone(),
                        subject: contract.content.subject.clone(),
                        employer_id: contract.content.employer_id,
                        unit: contract.content.requirement.unit().into(),
                        state: judged.state.into(),
                        required: judged.required,
                        actual: judged.actual,
                    })
                })
                .collect();
            work.detail("on", day).detail("returned", items.len());
            Ok(CompliancePage {
                on: day,
                items,
                next,
            })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// The domain's judgement on `day` from the counts of that day: `workers` placements running
/// and `hours` recorded in its month.
fn judge_on(contract: &Contract, day: NaiveDate, workers: u64, hours: u64) -> DayCompliance {
    let none = BTreeMap::new();
    clause_of(contract, &[], &none).judge(day, workers, hours)
}
