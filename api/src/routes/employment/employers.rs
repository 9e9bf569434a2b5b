//! The employers register: recording, listing, reading, replacing and annulling employers.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::ValidationErrors;
use socialcare_domain::access::Action;
use socialcare_domain::employment::{
    Employer, EmployerContent, VatNumber, check_employer, parse_employer_tax_code,
};
use socialcare_domain::housing::parse_postcode;
use socialcare_domain::ids::EmployerId;
use socialcare_domain::names::clean;
use socialcare_domain::project::{optional_text, required_text};
use socialcare_persistence::employment::{self, EmployerQuery, ONE_EMPLOYER_PER_VAT_NUMBER};
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
use crate::routes::codes::EmployerKindCode;
use crate::state::AppState;

/// An employer's description, to record it or to replace it.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "social_cooperative_b",
    "name": "Cooperativa sociale Il Ponte",
    "vat_number": "00355870221",
    "street": "Via Brennero 14",
    "municipality": "Trento",
    "postcode": "38121",
    "contact_name": "Laura Bianchi",
    "phone": "+39 0461 000000",
    "email": "inserimenti@example.org",
    "cooperative_register_number": "A157890",
    "cooperative_registered_on": "2004-03-15"
}))]
pub struct EmployerRequest {
    /// Kind.
    pub kind: EmployerKindCode,
    /// Name (1-200 characters).
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Partita IVA: eleven digits, the last its check digit (an `IT` prefix and spaces are
    /// accepted and dropped). Unique among the employers not annulled. A partita IVA or a tax
    /// code is required.
    #[validate(length(min = 11, max = 20))]
    #[schema(min_length = 11, max_length = 20, pattern = r"^(IT|it)?[0-9 ]{11,18}$")]
    pub vat_number: Option<String>,
    /// Tax code (codice fiscale): a company's eleven digits, or a sole trader's personal code
    /// of sixteen characters (personal data).
    #[validate(length(min = 11, max = 16))]
    #[schema(
        min_length = 11,
        max_length = 16,
        pattern = r"^([0-9]{11}|[A-Za-z0-9]{16})$"
    )]
    pub tax_code: Option<String>,
    /// Street and number (1-200 characters).
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub street: String,
    /// Municipality (1-100 characters).
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub municipality: String,
    /// Postcode (CAP): five digits.
    #[schema(pattern = r"^\d{5}$")]
    pub postcode: Option<String>,
    /// Contact person for placements (1-200 characters).
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub contact_name: Option<String>,
    /// Contact phone (3-30 characters).
    #[validate(length(min = 3, max = 30))]
    #[schema(min_length = 3, max_length = 30)]
    pub phone: Option<String>,
    /// Contact e-mail.
    #[validate(email, length(max = 254))]
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
    /// For a social cooperative (required then, refused otherwise): its number in the regional
    /// register of social cooperatives (1-50 characters).
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub cooperative_register_number: Option<String>,
    /// For a social cooperative (required then, refused otherwise): the day it was registered.
    /// Between 1900-01-01 and 2199-12-31, not in the future.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub cooperative_registered_on: Option<NaiveDate>,
}

impl EmployerRequest {
    /// The domain's description, or the fields in error.
    fn content(&self, today: NaiveDate) -> Result<EmployerContent, ApiError> {
        let mut errors = ValidationErrors::new();
        // Invisible characters go, as in persons' names: "Il\u{200B} Ponte" is "Il Ponte".
        let name = errors.collect("name", required_text(&clean(&self.name), 200));
        let vat_number = match self.vat_number.as_deref() {
            None => Some(None),
            Some(raw) => errors
                .collect("vat_number", VatNumber::parse(raw))
                .map(Some),
        };
        let tax_code = match self.tax_code.as_deref() {
            None => Some(None),
            Some(raw) => errors
                .collect("tax_code", parse_employer_tax_code(raw))
                .map(Some),
        };
        let street = errors.collect("street", required_text(&self.street, 200));
        let municipality = errors.collect("municipality", required_text(&self.municipality, 100));
        let postcode = match self.postcode.as_deref() {
            None => Some(None),
            Some(raw) => errors.collect("postcode", parse_postcode(raw)).map(Some),
        };
        let contact_name = errors.collect(
            "contact_name",
            optional_text(self.contact_name.as_deref(), 200),
        );
        let phone = errors.collect("phone", optional_text(self.phone.as_deref(), 30));
        let register = errors.collect(
            "cooperative_register_number",
            optional_text(self.cooperative_register_number.as_deref(), 50),
        );
        if self.cooperative_registered_on.is_some_and(|d| d > today) {
            errors.collect::<()>(
                "cooperative_registered_on",
                Err(socialcare_domain::dates::IN_THE_FUTURE.into()),
            );
        }
        let (
            Some(name),
            Some(vat_number),
            Some(tax_code),
            Some(street),
            Some(municipality),
            Some(postcode),
            Some(contact_name),
            Some(phone),
            Some(register),
        ) = (
            name,
            vat_number,
            tax_code,
            street,
            municipality,
            postcode,
            contact_name,
            phone,
            register,
        )
        else {
            return Err(ApiError::from_domain(errors));
        };
        if !errors.is_empty() {
            return Err(ApiError::from_domain(errors));
        }
        let content = EmployerContent {
            kind: self.kind.into(),
            name,
            vat_number,
            tax_code,
            street,
            municipality,
            postcode,
            contact_name,
            phone,
            email: self.email.as_deref().map(str::trim).map(str::to_owned),
            cooperative_register_number: register,
            cooperative_registered_on: self.cooperative_registered_on,
        };
        check_employer(&content).map_err(ApiError::from_domain)?;
        Ok(content)
    }
}

/// An employer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EmployerResponse {
    /// Identifier.
    pub id: Uuid,
    /// Kind.
    pub kind: EmployerKindCode,
    /// Name.
    #[schema(example = "Cooperativa sociale Il Ponte")]
    pub name: String,
    /// Partita IVA.
    pub vat_number: Option<String>,
    /// Tax code.
    pub tax_code: Option<String>,
    /// A sole trader (the tax code is a person's).
    pub sole_trader: bool,
    /// Street and number.
    pub street: String,
    /// Municipality.
    pub municipality: String,
    /// Postcode.
    pub postcode: Option<String>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone.
    pub phone: Option<String>,
    /// Contact e-mail.
    pub email: Option<String>,
    /// Number in the regional register of social cooperatives.
    pub cooperative_register_number: Option<String>,
    /// Day of that registration.
    pub cooperative_registered_on: Option<NaiveDate>,
    /// When it was annulled; an annulled employer takes no new placement and is changed no
    /// more.
    pub annulled_at: Option<DateTime<Utc>>,
    /// Why it was annulled.
    pub annulment_reason: Option<String>,
    /// Version, also sent as `ETag`; send it back in `If-Match` to change the employer.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
}

impl From<&Employer> for EmployerResponse {
    fn from(e: &Employer) -> Self {
        let c = &e.content;
        Self {
            id: e.id,
            kind: c.kind.into(),
            name: c.name.clone(),
            vat_number: c.vat_number.as_ref().map(|v| v.as_str().to_owned()),
            tax_code: c.tax_code.clone(),
            sole_trader: e.is_sole_trader(),
            street: c.street.clone(),
            municipality: c.municipality.clone(),
            postcode: c.postcode.clone(),
            contact_name: c.contact_name.clone(),
            phone: c.phone.clone(),
            email: c.email.clone(),
            cooperative_register_number: c.cooperative_register_number.clone(),
            cooperative_registered_on: c.cooperative_registered_on,
            annulled_at: e.annulled_at,
            annulment_reason: e.annulment_reason.clone(),
            version: e.version,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// The employer, or 404.
fn employer_of(conn: &mut AnyConnection, id: Uuid) -> Result<Employer, ApiError> {
    employment::find_employer(conn, id)?
        .ok_or_else(|| ApiError::NotFound("no employer with this id".into()))
}

/// A partita IVA already used by another employer not annulled: 409.
fn vat_taken(error: StoreError) -> ApiError {
    match error {
        StoreError::Conflict(c) if c == ONE_EMPLOYER_PER_VAT_NUMBER => ApiError::Conflict(
            "another employer (not annulled) has this partita IVA: search it with `vat_number`"
                .into(),
        ),
        other => other.into(),
    }
}

/// Record an employer
///
/// Records an employer of the employment register. For the `administrative` staff. Send
/// `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "employment",
    operation_id = "create_employer",
    params(IdempotencyKeyHeader),
    request_body = EmployerRequest,
    responses(
        (status = 201, description = "Recorded.", body = EmployerResponse,
            headers(("Location" = String, description = "URL of the employer."), ("ETag" = String, description = "Version, for If-Match."))),
        (status = 403, description = "Not administrative staff.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another employer (not annulled) has this partita IVA.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (JSON Pointers such as `/vat_number`).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/employers")]
pub async fn create_employer(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Body<EmployerRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ManageEmployers, "employer.create", "employer");
    case_work::create(&state, caller, &req, op, body, |work, request, _| {
        let content = request.content(work.today())?;
        let (actor, now) = (work.actor(), work.now());
        let employer =
            employment::insert_employer(work.conn(), &content, actor, now).map_err(vat_taken)?;
        work.resource(employer.id);
        Ok(Answer::created(
            &EmployerResponse::from(&employer),
            format!("/api/v1/employers/{}", employer.id),
            Some(employer.version),
        ))
    })
    .await
}

/// Filters and position of the employers register.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmployerListQuery {
    /// Only employers of this kind.
    pub kind: Option<EmployerKindCode>,
    /// Only the employer with this partita IVA (eleven digits).
    #[param(pattern = r"^[0-9]{11}$")]
    #[validate(length(equal = 11))]
    pub vat_number: Option<String>,
    /// Only employers whose name contains this text (2-100 characters, letters compared
    /// without case).
    #[validate(length(min = 2, max = 100))]
    #[param(min_length = 2, max_length = 100)]
    pub name: Option<String>,
    /// Annulled employers too (default false).
    pub include_annulled: Option<bool>,
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

/// One page of employers.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployerPage {
    /// The employers, by name.
    pub items: Vec<EmployerResponse>,
    /// Link to the next page, or null on the last one.
    pub next: Option<String>,
}

/// The position of an employer list: the last name and id shown.
fn employer_cursor(raw: Option<&str>) -> Result<Option<(String, Uuid)>, ApiError> {
    raw.map(|c| {
        let text = crate::cursor::decode(c)?;
        text.strip_prefix("employer|")
            .and_then(|rest| rest.split_once('|'))
            .and_then(|(id, name)| Uuid::parse_str(id).ok().map(|id| (name.to_owned(), id)))
            .ok_or_else(|| ApiError::bad_parameter("cursor", "not a position of this list"))
    })
    .transpose()
}

/// List employers
///
/// The employers register by name, filtered by kind, partita IVA and a part of the name;
/// annulled employers only when asked. For whoever works cases.
#[utoipa::path(
    tag = "employment",
    operation_id = "list_employers",
    params(EmployerListQuery),
    responses(
        (status = 200, description = "One page of employers.", body = EmployerPage),
        (status = 400, description = "Invalid filter or cursor.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/employers")]
pub async fn list_employers(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadEmployers, "employer.list", "employer");
    let query = req.query_string().to_owned();
    let page = case_work::list(
        &state,
        caller,
        &req,
        op,
        move |work, q: EmployerListQuery| {
            let limit = q.limit.unwrap_or(50);
            if let Some(vat) = q.vat_number.as_deref()
                && !vat.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(ApiError::bad_parameter(
                    "vat_number",
                    "must be eleven digits",
                ));
            }
            let name = q
                .name
                .as_deref()
                .map(clean)
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty());
            let mut found = employment::list_employers(
                work.conn(),
                &EmployerQuery {
                    kind: q.kind.map(Into::into),
                    vat_number: q.vat_number.clone(),
                    name,
                    include_annulled: q.include_annulled.unwrap_or(false),
                    after: employer_cursor(q.cursor.as_deref())?,
                    limit: i64::from(limit) + 1,
                },
            )?;
            let next = crate::cursor::cut(
                &mut found,
                limit as usize,
                "/api/v1/employers",
                &query,
                |last| format!("employer|{}|{}", last.id, last.content.name),
            );
            work.detail("returned", found.len());
            Ok(EmployerPage {
                items: found.iter().map(EmployerResponse::from).collect(),
                next,
            })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Read an employer
///
/// One employer of the register, annulled or not. For whoever works cases.
#[utoipa::path(
    tag = "employment",
    operation_id = "get_employer",
    params(("employer_id" = Uuid, Path, description = "Employer identifier.")),
    responses(
        (status = 200, description = "The employer.", body = EmployerResponse,
            headers(("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No employer with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/employers/{employer_id}")]
pub async fn get_employer(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<EmployerId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadEmployers, "employer.read", "employer");
    let employer = case_work::list(&state, caller, &req, op, move |work, _: NoQuery| {
        work.resource(id.0);
        employer_of(work.conn(), id.0.uuid())
    })
    .await?;
    Ok(with_etag(
        employer.version,
        &EmployerResponse::from(&employer),
    ))
}

/// The employer a change is about, named in the audit record (404 when there is none).
fn current_employer(work: &mut Work<'_>, id: Id<EmployerId>) -> Result<Employer, ApiError> {
    work.resource(id.0);
    employer_of(work.conn(), id.0.uuid())
}

/// The answer to a change of an employer: 412 when it was no longer at the version decided on
/// (a concurrent change), else the employer as it now is.
fn answer_changed(work: &mut Work<'_>, changed: bool, id: Uuid) -> Result<Answer, ApiError> {
    if !changed {
        return Err(ApiError::PreconditionFailed(
            "the employer changed meanwhile; read it again and retry".into(),
        ));
    }
    let employer = employer_of(work.conn(), id)?;
    Ok(Answer::ok(
        &EmployerResponse::from(&employer),
        Some(employer.version),
    ))
}

/// 409 for an annulled employer: it is changed no more.
fn not_annulled(employer: &Employer) -> Result<(), ApiError> {
    if employer.annulled_at.is_some() {
        return Err(ApiError::Conflict(
            "the employer is annulled: it is changed no more".into(),
        ));
    }
    Ok(())
}

/// Replace an employer
///
/// Replaces the description of an employer (every field, as when recording it). Requires
/// `If-Match`. For the `administrative` staff. An annulled employer is changed no more (409).
#[utoipa::path(
    tag = "employment",
    operation_id = "replace_employer",
    params(("employer_id" = Uuid, Path, description = "Employer identifier."), IfMatchHeader),
    request_body = EmployerRequest,
    responses(
        (status = 200, description = "The employer as replaced.", body = EmployerResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 403, description = "Not administrative staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No employer with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Annulled, or another employer has this partita IVA.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/employers/{employer_id}")]
pub async fn replace_employer(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<EmployerId>,
    body: Body<EmployerRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ManageEmployers, "employer.update", "employer");
    let check = move |work: &mut Work<'_>| current_employer(work, id);
    let then = |work: &mut Work<'_>,
                request: EmployerRequest,
                if_match: case_work::IfMatch,
                current: Employer| {
        let content = request.content(work.today())?;
        not_annulled(&current)?;
        let version = if_match.check(current.version)?;
        let (actor, now) = (work.actor(), work.now());
        let changed =
            employment::update_employer(work.conn(), current.id, version, &content, actor, now)
                .map_err(vat_taken)?;
        answer_changed(work, changed, current.id)
    };
    case_work::office_checked(&state, caller, &req, op, body, Checked { check, then }).await
}

/// Why an employer is annulled.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Recorded twice: see the other record"}))]
pub struct AnnulEmployerRequest {
    /// Why (1-500 characters).
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Annul an employer
///
/// Annuls an employer recorded by mistake or no longer working with the office: it stays in
/// the register (read it, list it with `include_annulled`), takes no new placement and is
/// changed no more; its partita IVA may be recorded again. Never deleted. Requires `If-Match`.
/// For the `administrative` staff. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "employment",
    operation_id = "annul_employer",
    params(("employer_id" = Uuid, Path, description = "Employer identifier."),
        IfMatchHeader, IdempotencyKeyHeader),
    request_body = AnnulEmployerRequest,
    responses(
        (status = 200, description = "The employer, annulled.", body = EmployerResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 403, description = "Not administrative staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No employer with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already annulled.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/employers/{employer_id}/annulment")]
pub async fn annul_employer(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<EmployerId>,
    body: Body<AnnulEmployerRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ManageEmployers, "employer.annul", "employer");
    let check = move |work: &mut Work<'_>| current_employer(work, id);
    let then = |work: &mut Work<'_>,
                request: AnnulEmployerRequest,
                if_match: case_work::IfMatch,
                current: Employer| {
        let reason = required_text(&request.reason, 500).map_err(|e| {
            ApiError::from_domain(socialcare_domain::ValidationErrors::single("reason", e))
        })?;
        not_annulled(&current)?;
        let version = if_match.check(current.version)?;
        let (actor, now) = (work.actor(), work.now());
        let changed =
            employment::annul_employer(work.conn(), current.id, version, &reason, actor, now)?;
        answer_changed(work, changed, current.id)
    };
    case_work::office_checked(&state, caller, &req, op, body, Checked { check, then }).await
}
