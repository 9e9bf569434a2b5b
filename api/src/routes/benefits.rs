//! The register of benefits granted (prestazioni): each benefit of the person of a case file,
//! coded on the nomenclator, in money or in kind, with the ISEE it depends on and the decision
//! that granted it; recorded alone or with the admission or placement it comes with. A benefit
//! is inside its case file: its handlers go through the gate with the case file. Rules:
//! `socialcare_domain::benefits`. See `docs/benefits.md`.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::access::Action;
use socialcare_domain::benefits::{
    Benefit, BenefitContent, CATALOGUE, SourceKind, catalogue, check_benefit,
};
use socialcare_domain::case_file::check_takes_new_work;
use socialcare_domain::ids::{BenefitId, CaseFileId};
use socialcare_domain::project::{optional_text, required_text};
use socialcare_domain::waiting_list::{euro_text, parse_euro};
use socialcare_domain::{FieldError, ValidationErrors};
use socialcare_persistence::benefits::{self, NewBenefit, ONE_PER_SOURCE};
use socialcare_persistence::{AnyConnection, StoreError, case_files};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, Answer, NoQuery, Op, Target, with_etag};
use crate::conditional::IfMatchHeader;
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::idempotency::IdempotencyKeyHeader;
use crate::routes::codes::{
    BenefitFormCode, BenefitSourceCode, CodeFormCode, PaymentFrequencyCode,
};
use crate::state::AppState;

/// One code of the nomenclator.
#[derive(Debug, Serialize, ToSchema)]
pub struct BenefitCodeItem {
    /// The code.
    #[schema(example = "F1")]
    pub code: String,
    /// Its area: `access`, `inclusion`, `home`, `day`, `residential`, `income`.
    pub area: String,
    /// Its title, in Italian.
    pub title: String,
    /// How it may be granted.
    pub form: CodeFormCode,
}

/// The codes benefits are recorded with.
#[derive(Debug, Serialize, ToSchema)]
pub struct BenefitCodeList {
    /// The catalogue (a version of the nomenclator shipped with the server).
    pub catalogue: String,
    /// Its codes, in its order.
    pub items: Vec<BenefitCodeItem>,
}

/// List the codes of benefits (the nomenclator)
///
/// The catalogue of social interventions and services that benefits are coded on, shipped with
/// the server as data (`domain/data/`), with the form each code may be granted in. For whoever
/// works cases.
#[utoipa::path(
    tag = "benefits",
    operation_id = "list_benefit_codes",
    responses(
        (status = 200, description = "The catalogue.", body = BenefitCodeList),
        (status = 403, description = "Not a staff member who works cases.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/benefit-codes")]
pub async fn list_benefit_codes(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadResources, "benefit_code.list", "benefit_code");
    let list = case_work::list(&state, caller, &req, op, |work, _: NoQuery| {
        work.detail("returned", catalogue().len());
        Ok(BenefitCodeList {
            catalogue: CATALOGUE.to_owned(),
            items: catalogue()
                .iter()
                .map(|c| BenefitCodeItem {
                    code: c.code.clone(),
                    area: c.area.clone(),
                    title: c.title.clone(),
                    form: c.form.into(),
                })
                .collect(),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// The admission or placement a benefit comes with.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceRequest {
    /// What it is.
    pub kind: BenefitSourceCode,
    /// Its id: the `place.id` of an admitted application, a housing placement's or an
    /// employment placement's id. It must be of the same person and case file.
    pub id: Uuid,
}

/// A benefit granted, to record or to correct.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "F2", "form": "economic", "amount": "250.00",
    "frequency": "monthly", "isee_dependent": true, "isee": "6850.00",
    "dsu_protocol": "INPS-ISEE-2026-12345678X-00", "from_on": "2026-12-01",
    "until_on": "2027-05-31", "decision_ref": "Determina 123/2026", "decision_on": "2026-11-28"}))]
pub struct BenefitRequest {
    /// Its code in the catalogue (`GET /benefit-codes`).
    #[validate(length(min = 1, max = 20))]
    #[schema(min_length = 1, max_length = 20, pattern = r"^[A-Z][0-9]{1,3}$")]
    pub code: String,
    /// `economic` or `in_kind`, as the code allows.
    pub form: BenefitFormCode,
    /// For `economic` (required, and only there): the amount of each payment in euro with two
    /// decimals, 0.01-1000000.00.
    #[validate(length(min = 4, max = 10))]
    #[schema(min_length = 4, max_length = 10, pattern = r"^[0-9]{1,7}\.[0-9]{2}$")]
    pub amount: Option<String>,
    /// For `economic` (required, and only there): how often it is paid.
    pub frequency: Option<PaymentFrequencyCode>,
    /// Whether it depends on the ISEE (a prestazione sociale agevolata; default false).
    #[serde(default)]
    pub isee_dependent: bool,
    /// When it depends on the ISEE (required, and only then): the ISEE in euro, 0.00-1000000.00.
    #[validate(length(min = 4, max = 10))]
    #[schema(min_length = 4, max_length = 10, pattern = r"^[0-9]{1,7}\.[0-9]{2}$")]
    pub isee: Option<String>,
    /// When it depends on the ISEE (required, and only then): the DSU protocol,
    /// `INPS-ISEE-YYYY-NNNNNNNNX-NN`.
    #[validate(length(min = 1, max = 40))]
    #[schema(
        min_length = 1,
        max_length = 40,
        pattern = r"^INPS-ISEE-[0-9]{4}-[0-9]{8,10}[A-Z]-[0-9]{2}$"
    )]
    pub dsu_protocol: Option<String>,
    /// The first day (default: the source's first day, else required). Between 1900-01-01 and
    /// 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub from_on: Option<NaiveDate>,
    /// The last day, when known: not before the first. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub until_on: Option<NaiveDate>,
    /// The decision that granted it (determina), 1-60 characters.
    #[validate(length(min = 1, max = 60))]
    #[schema(min_length = 1, max_length = 60, example = "Determina 123/2026")]
    pub decision_ref: String,
    /// The day of the decision: not in the future. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub decision_on: NaiveDate,
    /// Notes, 1-2000 characters.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub notes: Option<String>,
    /// When recording: the admission or placement it comes with (one benefit each). Not
    /// accepted when correcting (the source stays).
    #[validate(nested)]
    pub source: Option<SourceRequest>,
}

impl BenefitRequest {
    /// The content, every field in error; `default_from` is the source's first day.
    fn content(&self, default_from: Option<NaiveDate>) -> Result<BenefitContent, ApiError> {
        let mut errors = ValidationErrors::new();
        let amount = errors
            .collect("amount", self.amount.as_deref().map(parse_euro).transpose())
            .flatten();
        let isee = errors
            .collect("isee", self.isee.as_deref().map(parse_euro).transpose())
            .flatten();
        let decision_ref = errors.collect("decision_ref", required_text(&self.decision_ref, 60));
        let notes = errors
            .collect("notes", optional_text(self.notes.as_deref(), 2000))
            .flatten();
        let from_on = self.from_on.or(default_from);
        if from_on.is_none() {
            errors.push(FieldError::new("from_on", "is required"));
        }
        let (Some(decision_ref), Some(from_on), true) = (decision_ref, from_on, errors.is_empty())
        else {
            return Err(ApiError::from_domain(errors));
        };
        Ok(BenefitContent {
            code: self.code.clone(),
            form: self.form.into(),
            amount_cents: amount,
            frequency: self.frequency.map(Into::into),
            isee_dependent: self.isee_dependent,
            isee_cents: isee,
            dsu_protocol: self.dsu_protocol.clone(),
            from_on,
            until_on: self.until_on,
            decision_ref,
            decision_on: self.decision_on,
            notes,
        })
    }
}

/// What a benefit came with.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceItem {
    /// What it is.
    pub kind: BenefitSourceCode,
    /// Its id.
    pub id: Uuid,
}

/// A benefit granted.
#[derive(Debug, Serialize, ToSchema)]
pub struct BenefitResponse {
    /// Identifier.
    pub id: Uuid,
    /// The case file it was granted in.
    pub case_file_id: Uuid,
    /// The person.
    pub person_id: Uuid,
    /// The catalogue of its code.
    pub catalogue: String,
    /// Its code.
    pub code: String,
    /// The code's title in the catalogue.
    pub title: Option<String>,
    /// `economic` or `in_kind`.
    pub form: BenefitFormCode,
    /// The amount of each payment in euro (economic ones).
    pub amount: Option<String>,
    /// How often it is paid (economic ones).
    pub frequency: Option<PaymentFrequencyCode>,
    /// Whether it depends on the ISEE.
    pub isee_dependent: bool,
    /// The ISEE in euro, when it does.
    pub isee: Option<String>,
    /// The DSU protocol, when it does.
    pub dsu_protocol: Option<String>,
    /// The first day.
    pub from_on: NaiveDate,
    /// The last day, when known.
    pub until_on: Option<NaiveDate>,
    /// The decision that granted it.
    pub decision_ref: String,
    /// The day of the decision.
    pub decision_on: NaiveDate,
    /// Notes.
    pub notes: Option<String>,
    /// The admission or placement it came with.
    pub source: Option<SourceItem>,
    /// Version, also sent as `ETag`; send it back in `If-Match` to correct the benefit.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// Who recorded it.
    pub created_by: Uuid,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<&Benefit> for BenefitResponse {
    fn from(b: &Benefit) -> Self {
        let c = &b.content;
        Self {
            id: b.id,
            case_file_id: b.case_file_id,
            person_id: b.person_id,
            catalogue: b.catalogue.clone(),
            code: c.code.clone(),
            title: (b.catalogue == CATALOGUE)
                .then(|| socialcare_domain::benefits::find_code(&c.code))
                .flatten()
                .map(|code| code.title.clone()),
            form: c.form.into(),
            amount: c.amount_cents.map(euro_text),
            frequency: c.frequency.map(Into::into),
            isee_dependent: c.isee_dependent,
            isee: c.isee_cents.map(euro_text),
            dsu_protocol: c.dsu_protocol.clone(),
            from_on: c.from_on,
            until_on: c.until_on,
            decision_ref: c.decision_ref.clone(),
            decision_on: c.decision_on,
            notes: c.notes.clone(),
            source: b.source.map(|(kind, id)| SourceItem {
                kind: kind.into(),
                id,
            }),
            version: b.version,
            created_at: b.created_at,
            created_by: b.created_by,
            updated_at: b.updated_at,
        }
    }
}

fn one_per_source(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict(c) if c == ONE_PER_SOURCE => {
            ApiError::Conflict("this admission or placement already has its benefit record".into())
        }
        other => other.into(),
    }
}

/// Record a benefit granted to the person of a case file
///
/// Records a benefit: its code in the catalogue (`GET /benefit-codes`) in a form the code
/// allows, the amount and frequency of an economic one, the ISEE and DSU protocol of one that
/// depends on the ISEE, its days and the decision (determina) that granted it. With `source`,
/// it is the benefit record of an admission to a care resource, a housing placement or an
/// employment placement of the same person and case file (one each; `from_on` defaults to its
/// first day). A closed case file takes none (409). For the case team, the area coordinator
/// and the area's `administrative` staff. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "benefits",
    operation_id = "create_benefit",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."), IdempotencyKeyHeader),
    request_body = BenefitRequest,
    responses(
        (status = 201, description = "The benefit recorded.", body = BenefitResponse,
            headers(("Location" = String, description = "The benefit."), ("ETag" = String, description = "Its version."))),
        (status = 403, description = "Not in the case team, the area coordinator nor the area's administrative staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A closed case file, or a source that already has its benefit.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (a code not in the catalogue or in another form, money without amount, an ISEE-dependent benefit without its DSU, a source of another person).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/case-files/{case_file_id}/benefits")]
pub async fn create_benefit(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<CaseFileId>,
    body: Body<BenefitRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::RecordBenefits, "benefit.create", "benefit");
    case_work::write(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        body,
        |work, request, _| {
            let (actor, now, today) = (work.actor(), work.now(), work.today());
            let case_file_id = work.case_file_id()?;
            let file = case_files::find(work.conn(), case_file_id)?
                .ok_or_else(|| ApiError::NotFound("no case file with this id".into()))?;
            let source = match &request.source {
                None => None,
                Some(s) => {
                    let kind: SourceKind = s.kind.into();
                    let facts = benefits::source_facts(work.conn(), kind, s.id)?
                        .filter(|f| f.case_file_id == case_file_id && f.person_id == file.person_id)
                        .ok_or_else(|| {
                            ApiError::from_domain(ValidationErrors::single(
                                "source/id",
                                format!("no {kind} of this case file with this id"),
                            ))
                        })?;
                    Some((kind, s.id, facts.from_on))
                }
            };
            let content = request.content(source.and_then(|(_, _, from)| from))?;
            check_benefit(&content, today).map_err(ApiError::from_domain)?;
            check_takes_new_work(file.status, "record benefits").map_err(ApiError::Conflict)?;
            let new = NewBenefit {
                case_file_id,
                person_id: file.person_id,
                catalogue: CATALOGUE.to_owned(),
                content,
                source: source.map(|(kind, id, _)| (kind, id)),
            };
            let benefit =
                benefits::insert_benefit(work.conn(), &new, actor, now).map_err(one_per_source)?;
            work.resource(benefit.id)
                .detail("code", &benefit.content.code);
            if let Some((kind, source_id)) = benefit.source {
                work.detail("source", kind.as_str())
                    .detail("source_id", source_id);
            }
            Ok(Answer::created(
                &BenefitResponse::from(&benefit),
                format!("/api/v1/benefits/{}", benefit.id),
                Some(benefit.version),
            ))
        },
    )
    .await
}

/// The benefits of a case file.
#[derive(Debug, Serialize, ToSchema)]
pub struct BenefitList {
    /// By first day.
    pub items: Vec<BenefitResponse>,
}

/// List the benefits granted in a case file
///
/// Every benefit recorded in the case file, by first day. For whoever may read the case file;
/// audited with the person.
#[utoipa::path(
    tag = "benefits",
    operation_id = "list_benefits",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier.")),
    responses(
        (status = 200, description = "The benefits.", body = BenefitList),
        (status = 403, description = "No relation to the case file.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/case-files/{case_file_id}/benefits")]
pub async fn list_benefits(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<CaseFileId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "benefit.list", "case_file");
    let list = case_work::read(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        move |work, _: NoQuery| {
            let found = benefits::benefits_of(work.conn(), id.0.uuid())?;
            work.detail("returned", found.len());
            Ok(BenefitList {
                items: found.iter().map(BenefitResponse::from).collect(),
            })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// A benefit, located in its case file by the gate.
fn benefit_target(id: BenefitId) -> Target {
    Target::within(BenefitId::KIND, id, benefits::benefit_case_file_of)
}

fn benefit_of(conn: &mut AnyConnection, id: Uuid) -> Result<Benefit, ApiError> {
    benefits::find_benefit(conn, id)?
        .ok_or_else(|| ApiError::NotFound("no benefit with this id".into()))
}

/// Read a benefit
///
/// For whoever may read its case file; audited with the person.
#[utoipa::path(
    tag = "benefits",
    operation_id = "get_benefit",
    params(("benefit_id" = Uuid, Path, description = "Benefit identifier.")),
    responses(
        (status = 200, description = "The benefit.", body = BenefitResponse,
            headers(("ETag" = String, description = "Its version."))),
        (status = 403, description = "No relation to its case file.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No benefit with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/benefits/{benefit_id}")]
pub async fn get_benefit(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<BenefitId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "benefit.read", "benefit");
    let (version, body) = case_work::read(
        &state,
        caller,
        &req,
        benefit_target(id.0),
        op,
        move |work, _: NoQuery| {
            let benefit = benefit_of(work.conn(), id.0.uuid())?;
            Ok((benefit.version, BenefitResponse::from(&benefit)))
        },
    )
    .await?;
    Ok(with_etag(version, &body))
}

/// Correct a benefit
///
/// Replaces what the benefit is (to correct it, or to record its last day); its source stays
/// (`source` is refused), and it is coded on the current catalogue. Requires `If-Match`. For
/// the case team, the area coordinator and the area's `administrative` staff.
#[utoipa::path(
    tag = "benefits",
    operation_id = "replace_benefit",
    params(("benefit_id" = Uuid, Path, description = "Benefit identifier."), IfMatchHeader),
    request_body = BenefitRequest,
    responses(
        (status = 200, description = "The benefit after the change.", body = BenefitResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 403, description = "Not in the case team, the area coordinator nor the area's administrative staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No benefit with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/benefits/{benefit_id}")]
pub async fn replace_benefit(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<BenefitId>,
    body: Body<BenefitRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::RecordBenefits, "benefit.update", "benefit");
    case_work::write(
        &state,
        caller,
        &req,
        benefit_target(id.0),
        op,
        body,
        move |work, request, if_match| {
            let current = benefit_of(work.conn(), id.0.uuid())?;
            if request.source.is_some() {
                return Err(ApiError::from_domain(ValidationErrors::single(
                    "source",
                    "stays as recorded: it is not corrected",
                )));
            }
            let content = request.content(None)?;
            check_benefit(&content, work.today()).map_err(ApiError::from_domain)?;
            if_match.check(current.version)?;
            let (actor, now) = (work.actor(), work.now());
            if !benefits::update_benefit(
                work.conn(),
                current.id,
                current.version,
                &content,
                CATALOGUE,
                actor,
                now,
            )? {
                return Err(ApiError::PreconditionFailed(
                    "the benefit changed meanwhile; read it again and retry".into(),
                ));
            }
            let benefit = benefit_of(work.conn(), current.id)?;
            Ok(Answer::ok(
                &BenefitResponse::from(&benefit),
                Some(benefit.version),
            ))
        },
    )
    .await
}
