//! The people the office serves: register, read, correct, annul and search.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use socialcare_domain::access::{Action, CaseListScope, case_list_scope};
use socialcare_domain::ids::PersonId;
use socialcare_domain::names;
use socialcare_domain::person::{
    Duplicate, PersonDetails, PersonInput, PersonRecord, ResidenceInput, check_changeable,
    check_duplicates, check_mergeable, correction_confirmed, parse_annulment_reason,
};
use socialcare_domain::tax_code::TaxCode;
use socialcare_persistence::case_files;
use socialcare_persistence::persons::{self, MatchableFiles, PersonQuery};
use socialcare_persistence::{AnyConnection, StoreError};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, Answer, NoQuery, Op, Target, with_etag};
use crate::conditional::IfMatchHeader;
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id, ValidQuery};
use crate::guard;
use crate::idempotency::IdempotencyKeyHeader;
use crate::routes::codes::CaseStatusCode;
use crate::routes::users::AreaCode;
use crate::state::AppState;

/// Sex as recorded in the civil registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SexCode {
    /// Female.
    Female,
    /// Male.
    Male,
}

/// Kind of residence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum ResidenceKind {
    /// A registered residence (residenza anagrafica).
    Residence,
    /// A fictitious registry address (residenza fittizia), used for homeless people.
    Fictitious,
    /// No residence.
    #[default]
    None,
}

/// Where the person lives or is registered.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidenceDto {
    /// Kind of residence; `none` has no address.
    #[serde(default)]
    pub kind: ResidenceKind,
    /// Street and number.
    #[validate(length(max = 200))]
    #[schema(max_length = 200, example = "Via Roma 12")]
    pub street: Option<String>,
    /// Postal code (CAP).
    #[validate(length(max = 10))]
    #[schema(max_length = 10, example = "38122")]
    pub postal_code: Option<String>,
    /// Municipality; required unless `kind` is `none`.
    #[validate(length(max = 100))]
    #[schema(max_length = 100, example = "Trento")]
    pub municipality: Option<String>,
    /// Province code.
    #[validate(length(max = 2))]
    #[schema(max_length = 2, example = "TN")]
    pub province: Option<String>,
}

/// Identity and contacts of a person, as sent to register or correct them.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "given_names": "Maria Grazia",
    "family_names": "D'Angelo",
    "birth_date": "1985-03-12",
    "birth_place": "Napoli",
    "sex": "female",
    "citizenship": "IT",
    "tax_code": null,
    "residence": {"kind": "fictitious", "street": "Via dei Mille 1", "postal_code": "38122", "municipality": "Trento", "province": "TN"},
    "phone": "+39 333 1234567",
    "email": null,
    "languages": ["it"]
}))]
pub struct PersonRequest {
    /// Given names (1-100 characters).
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub given_names: String,
    /// Family names (1-100 characters).
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub family_names: String,
    /// Birth date (`YYYY-MM-DD`, from 1900-01-01 to today).
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub birth_date: Option<NaiveDate>,
    /// Birth place: municipality, or country for people born abroad.
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub birth_place: Option<String>,
    /// Sex as recorded in the civil registry.
    pub sex: Option<SexCode>,
    /// Citizenship, ISO 3166-1 alpha-2 (e.g. `IT`, `RO`, `NG`).
    #[validate(length(min = 2, max = 2))]
    #[schema(min_length = 2, max_length = 2, pattern = "^[A-Za-z]{2}$")]
    pub citizenship: Option<String>,
    /// Codice fiscale (16 characters, omocodia accepted) or 11-digit provisional code; optional,
    /// validated when given, stored upper-case. Many homeless people and newly arrived migrants
    /// have none.
    #[validate(length(max = 20))]
    #[schema(max_length = 20)]
    pub tax_code: Option<String>,
    /// Residence.
    #[serde(default)]
    #[validate(nested)]
    pub residence: ResidenceDto,
    /// Phone number.
    #[validate(length(max = 30))]
    #[schema(max_length = 30)]
    pub phone: Option<String>,
    /// E-mail address.
    #[validate(length(max = 254))]
    #[schema(max_length = 254)]
    pub email: Option<String>,
    /// Spoken languages, ISO 639 codes (e.g. `it`, `ar`, `rom`).
    #[serde(default)]
    #[validate(length(max = 10))]
    #[schema(max_items = 10)]
    pub languages: Vec<String>,
}

impl PersonRequest {
    fn input(&self) -> PersonInput {
        PersonInput {
            given_names: self.given_names.clone(),
            family_names: self.family_names.clone(),
            birth_date: self.birth_date,
            birth_place: self.birth_place.clone(),
            sex: self.sex.map(|s| match s {
                SexCode::Female => "female".to_owned(),
                SexCode::Male => "male".to_owned(),
            }),
            citizenship: self.citizenship.clone(),
            tax_code: self.tax_code.clone(),
            residence: ResidenceInput {
                kind: match self.residence.kind {
                    ResidenceKind::Residence => "residence",
                    ResidenceKind::Fictitious => "fictitious",
                    ResidenceKind::None => "none",
                }
                .to_owned(),
                street: self.residence.street.clone(),
                postal_code: self.residence.postal_code.clone(),
                municipality: self.residence.municipality.clone(),
                province: self.residence.province.clone(),
            },
            phone: self.phone.clone(),
            email: self.email.clone(),
            languages: self.languages.clone(),
        }
    }

    fn details(&self, today: NaiveDate) -> Result<PersonDetails, ApiError> {
        PersonDetails::parse(&self.input(), today).map_err(ApiError::from_domain)
    }
}

/// A remark on the data that does not block saving it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DataWarning {
    /// The field concerned.
    #[schema(example = "birth_date")]
    pub field: String,
    /// What looks wrong.
    #[schema(example = "the tax code encodes the birth date 85-03-12")]
    pub detail: String,
}

/// Why and by whom a record was annulled.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnnulmentResponse {
    /// When.
    pub annulled_at: DateTime<Utc>,
    /// By whom (user id).
    pub annulled_by: Uuid,
    /// Why.
    pub reason: String,
}

/// A person the office serves.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonResponse {
    /// Identifier.
    pub id: Uuid,
    /// Given names.
    pub given_names: String,
    /// Family names.
    pub family_names: String,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Birth place.
    pub birth_place: Option<String>,
    /// Sex.
    pub sex: Option<SexCode>,
    /// Citizenship (ISO 3166-1 alpha-2).
    pub citizenship: Option<String>,
    /// Tax code, upper-case.
    pub tax_code: Option<String>,
    /// Residence.
    pub residence: ResidenceDto,
    /// Phone number.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Spoken languages.
    pub languages: Vec<String>,
    /// Set when the record was annulled (it is then read-only).
    pub annulment: Option<AnnulmentResponse>,
    /// When the retention procedure pseudonymised the person (the record is then read-only;
    /// see docs/retention.md).
    pub anonymised_at: Option<DateTime<Utc>>,
    /// Version, also sent as the `ETag` header; send it back in `If-Match` to change the person.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Creator (user id).
    pub created_by: Uuid,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change (user id).
    pub updated_by: Uuid,
    /// Remarks on the data, e.g. a birth date that differs from the one encoded in the tax code.
    pub warnings: Vec<DataWarning>,
}

impl From<&PersonRecord> for PersonResponse {
    fn from(p: &PersonRecord) -> Self {
        let d = &p.details;
        let address = d.residence.address();
        Self {
            id: p.id,
            given_names: d.given_names.as_str().to_owned(),
            family_names: d.family_names.as_str().to_owned(),
            birth_date: d.birth_date,
            birth_place: d.birth_place.clone(),
            sex: d.sex.map(|s| match s {
                socialcare_domain::person::Sex::Female => SexCode::Female,
                socialcare_domain::person::Sex::Male => SexCode::Male,
            }),
            citizenship: d.citizenship.as_ref().map(|c| c.as_str().to_owned()),
            tax_code: d.tax_code.as_ref().map(|t| t.as_str().to_owned()),
            residence: ResidenceDto {
                kind: match d.residence.kind() {
                    "residence" => ResidenceKind::Residence,
                    "fictitious" => ResidenceKind::Fictitious,
                    _ => ResidenceKind::None,
                },
                street: address.and_then(|a| a.street.clone()),
                postal_code: address.and_then(|a| a.postal_code.clone()),
                municipality: address.map(|a| a.municipality.clone()),
                province: address.and_then(|a| a.province.clone()),
            },
            phone: d.phone.clone(),
            email: d.email.as_ref().map(|e| e.as_str().to_owned()),
            languages: d.languages.iter().map(|l| l.as_str().to_owned()).collect(),
            annulment: p.annulment.as_ref().map(|a| AnnulmentResponse {
                annulled_at: a.at,
                annulled_by: a.by,
                reason: a.reason.clone(),
            }),
            anonymised_at: p.anonymised_at,
            version: p.version,
            created_at: p.created_at,
            created_by: p.created_by,
            updated_at: p.updated_at,
            updated_by: p.updated_by,
            warnings: d
                .tax_code_warnings()
                .iter()
                .map(|w| DataWarning {
                    field: w.field().to_owned(),
                    detail: w.message(),
                })
                .collect(),
        }
    }
}

/// Options of a registration.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreatePersonQuery {
    /// Set to `true` to register the person although others with the same name and birth date
    /// exist (after checking the candidates returned by the 409). Never overrides a tax code
    /// conflict.
    pub confirm_new_person: Option<bool>,
}

/// Reason for annulling a wrong record.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnulRequest {
    /// Why the record is wrong (1-2000 characters), e.g. "registered twice by mistake".
    #[validate(length(min = 1, max = 2000))]
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "registered twice by mistake"
    )]
    pub reason: String,
}

/// Search criteria; every given criterion must hold. Results are in alphabetical order
/// (family names, given names).
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchPersonsQuery {
    /// Name fragment: each word must start a word of the given or family names, in any order,
    /// ignoring case and accents (`ros mar` finds "Maria Rossi").
    #[validate(length(max = 200))]
    #[param(max_length = 200, example = "rossi mar")]
    pub q: Option<String>,
    /// Exact tax code (case-insensitive).
    #[validate(length(max = 20))]
    #[param(max_length = 20)]
    pub tax_code: Option<String>,
    /// Exact birth date.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[param(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub birth_date: Option<NaiveDate>,
    /// Include annulled records (default false).
    pub include_annulled: Option<bool>,
    /// Only persons with a case file in this area, among the files the caller may list.
    pub area: Option<crate::routes::users::AreaCode>,
    /// Only persons with a case file in this status, among the files the caller may list.
    pub case_status: Option<crate::routes::codes::CaseStatusCode>,
    /// Only persons with a case file in this target group, among the files the caller may list.
    pub target_group: Option<crate::routes::codes::TargetGroupCode>,
    /// Opaque position returned in `next` (base64url, 1-500 characters among `A-Z a-z 0-9 - _`);
    /// omit for the first page. Anything else, or a position of another list, is 400.
    #[validate(length(min = 1, max = 500))]
    #[param(min_length = 1, max_length = 500, pattern = "^[A-Za-z0-9_-]{1,500}$")]
    pub cursor: Option<String>,
    /// Page size, 1-100 (default 20).
    #[validate(range(min = 1, max = 100))]
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
}

/// One page of persons.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonPage {
    /// The persons of this page the caller may read.
    pub items: Vec<PersonResponse>,
    /// The persons of this page the caller may not read (their case files are held by others):
    /// the directory answer only, to know who to contact.
    pub restricted: Vec<PersonDirectory>,
    /// Link to the next page, or null on the last one.
    pub next: Option<String>,
}

fn not_found() -> ApiError {
    ApiError::NotFound("no person with this id".into())
}

fn duplicate(found: Duplicate) -> ApiError {
    ApiError::Duplicate {
        detail: found.detail(),
        ids: found.ids(),
    }
}

fn person_location(id: Uuid) -> String {
    format!("/api/v1/persons/{id}")
}

/// Register a person
///
/// Registers a person the office serves. A tax code already held by a registered person is a
/// 409 naming that person; the same name (ignoring accents, case and word order) and birth date
/// is a 409 listing the candidates, unless `confirm_new_person=true`. Tax code inconsistencies
/// (birth date, sex) are returned as `warnings`, not refused. Send `Idempotency-Key` to make
/// retries safe.
#[utoipa::path(
    tag = "persons",
    operation_id = "create_person",
    params(CreatePersonQuery,
        IdempotencyKeyHeader),
    request_body = PersonRequest,
    responses(
        (status = 201, description = "Registered.", body = PersonResponse,
            headers(("Location" = String, description = "URL of the person."), ("ETag" = String, description = "Version of the person, for If-Match."))),
        (status = 409, description = "Already registered: `duplicates` lists the existing person(s).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/persons")]
pub async fn create_person(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Body<PersonRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::RegisterPerson, "person.create", "person");
    let query = req.query_string().to_owned();
    // A registration names no case file: the roles decide, then the duplicate rules.
    case_work::create(&state, caller, &req, op, body, move |work, request, _| {
        let options = ValidQuery::<CreatePersonQuery>::from_query(&query)?.0;
        let details = request.details(work.today())?;
        let confirmed = options.confirm_new_person.unwrap_or(false);
        let facts = persons::duplicate_facts(work.conn(), &details, None)?;
        check_duplicates(&details, &facts, confirmed).map_err(duplicate)?;
        let (actor, now) = (work.actor(), work.now());
        let record = persons::insert(work.conn(), &details, actor, now)?;
        work.resource(record.id).shows([record.id]);
        Ok(Answer::created(
            &PersonResponse::from(&record),
            person_location(record.id),
            Some(record.version),
        ))
    })
    .await
}

/// Read a person
///
/// Returns the person with its version in `ETag`. Annulled records are returned too, with
/// their annulment.
#[utoipa::path(
    tag = "persons",
    operation_id = "get_person",
    params(("person_id" = Uuid, Path, description = "Person identifier.")),
    responses(
        (status = 200, description = "The person.", body = PersonResponse,
            headers(("ETag" = String, description = "Version of the person, for If-Match."))),
        (status = 404, description = "No person with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/persons/{person_id}")]
pub async fn get_person(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PersonId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadPerson, "person.read", "person");
    let record = case_work::read(
        &state,
        caller,
        &req,
        Target::Person(id.0),
        op,
        move |work, _: NoQuery| persons::find(work.conn(), id.0.uuid())?.ok_or_else(not_found),
    )
    .await?;
    Ok(with_etag(record.version, &PersonResponse::from(&record)))
}

/// Correct a person
///
/// Replaces the identity and contacts of a person. Requires `If-Match` with the current ETag
/// (428 without it, 412 when someone changed the person meanwhile: the losing update changes
/// nothing). The duplicate rules of registration apply; annulled records, and those the
/// retention procedure pseudonymised, cannot be changed (409).
#[utoipa::path(
    tag = "persons",
    operation_id = "update_person",
    params(("person_id" = Uuid, Path, description = "Person identifier."),
        IfMatchHeader,
        IdempotencyKeyHeader),
    request_body = PersonRequest,
    responses(
        (status = 200, description = "The corrected person.", body = PersonResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 404, description = "No person with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The tax code belongs to another person, or the record is annulled or pseudonymised by the retention procedure.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/persons/{person_id}")]
pub async fn update_person(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PersonId>,
    body: Body<PersonRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::UpdatePerson, "person.update", "person");
    case_work::write(
        &state,
        caller,
        &req,
        Target::Person(id.0),
        op,
        body,
        move |work, request, if_match| {
            let details = request.details(work.today())?;
            let person_id = id.0.uuid();
            let current = persons::find(work.conn(), person_id)?.ok_or_else(not_found)?;
            let version = if_match.check(current.version)?;
            check_changeable(current.annulment.is_some()).map_err(ApiError::Conflict)?;
            socialcare_domain::person::check_not_anonymised(current.anonymised_at)
                .map_err(ApiError::Conflict)?;
            let confirmed = correction_confirmed(&current.details, &details);
            let facts = persons::duplicate_facts(work.conn(), &details, Some(person_id))?;
            check_duplicates(&details, &facts, confirmed).map_err(duplicate)?;
            let (actor, now) = (work.actor(), work.now());
            let record = persons::update(work.conn(), &current, version, &details, actor, now)?
                .ok_or_else(|| {
                    ApiError::PreconditionFailed(
                        "the person changed meanwhile; read it again and retry".into(),
                    )
                })?;
            Ok(Answer::ok(
                &PersonResponse::from(&record),
                Some(record.version),
            ))
        },
    )
    .await
}

/// Annul a person
///
/// Marks a wrong record (e.g. registered twice) as annulled, with a reason. Nothing is deleted:
/// the record stays readable, leaves searches and frees its tax code. Requires `If-Match`.
#[utoipa::path(
    tag = "persons",
    operation_id = "annul_person",
    params(("person_id" = Uuid, Path, description = "Person identifier."),
        IfMatchHeader,
        IdempotencyKeyHeader),
    request_body = AnnulRequest,
    responses(
        (status = 200, description = "The annulled person.", body = PersonResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 404, description = "No person with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already annulled.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/persons/{person_id}/annul")]
pub async fn annul_person(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PersonId>,
    body: Body<AnnulRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::AnnulPerson, "person.annul", "person");
    case_work::write(
        &state,
        caller,
        &req,
        Target::Person(id.0),
        op,
        body,
        move |work, request, if_match| {
            let reason = parse_annulment_reason(&request.reason)
                .map_err(|e| ApiError::invalid_field("/reason", e))?;
            let person_id = id.0.uuid();
            let current = persons::find(work.conn(), person_id)?.ok_or_else(not_found)?;
            let version = if_match.check(current.version)?;
            socialcare_domain::person::check_annullable(current.annulment.is_some())
                .map_err(ApiError::Conflict)?;
            let (actor, now) = (work.actor(), work.now());
            let record = persons::annul(work.conn(), person_id, version, &reason, actor, now)?
                .ok_or_else(|| {
                    ApiError::PreconditionFailed(
                        "the person changed meanwhile; read it again and retry".into(),
                    )
                })?;
            work.detail("reason", reason);
            Ok(Answer::ok(
                &PersonResponse::from(&record),
                Some(record.version),
            ))
        },
    )
    .await
}

fn encode_cursor(record: &PersonRecord) -> String {
    let raw = serde_json::json!([record.details.sort_key(), record.id]).to_string();
    URL_SAFE_NO_PAD.encode(raw)
}

fn decode_cursor(cursor: &str) -> Result<(String, Uuid), ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<(String, Uuid)>(&bytes).ok())
        // The sort key goes to the database: a forged one must not smuggle in a NUL byte.
        .filter(|(key, _)| !key.chars().any(char::is_control))
        .ok_or_else(|| ApiError::bad_parameter("cursor", "is not a cursor returned by this API"))
}

/// Search persons
///
/// Finds persons by name fragment, tax code, birth date, and the area, status and target group
/// of their case files, in alphabetical order, with cursor pagination (follow `next`; pages stay
/// consistent while persons are added). The area, status and target-group criteria match only
/// the case files the caller may list: a person matched only through another file is not
/// returned at all. Persons the caller may not read come as the directory answer (`restricted`).
#[utoipa::path(
    tag = "persons",
    operation_id = "search_persons",
    params(SearchPersonsQuery),
    responses(
        (status = 200, description = "One page of persons.", body = PersonPage),
    )
)]
#[get("/persons")]
pub async fn search_persons(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::SearchPersons, "person.search", "person");
    let (mut found, mut directory, limit) =
        case_work::list(&state, caller, &req, op, |work, q: SearchPersonsQuery| {
            let limit = q.limit.unwrap_or(20);
            let tax_code = match q.tax_code.as_deref().map(str::trim) {
                Some(code) if !code.is_empty() => Some(
                    TaxCode::parse(code)
                        .map(|c| c.as_str().to_owned())
                        .unwrap_or_else(|_| code.to_ascii_uppercase()),
                ),
                _ => None,
            };
            let (actor, now, today) = (work.actor(), work.now(), work.today());
            let mut query = PersonQuery {
                name_tokens: q.q.as_deref().map(names::search_tokens).unwrap_or_default(),
                tax_code,
                birth_date: q.birth_date,
                include_annulled: q.include_annulled.unwrap_or(false),
                case_area: q.area.map(Into::into),
                case_status: q.case_status.map(Into::into),
                target_group: q.target_group.map(Into::into),
                matchable_files: None,
                after: q.cursor.as_deref().map(decode_cursor).transpose()?,
                limit: i64::from(limit) + 1,
            };
            // Case criteria match only the files the caller may list: a person matched only
            // through a file they may not read is not returned at all (its target group, area
            // or status would tell what they may not know).
            if query.case_area.is_some()
                || query.case_status.is_some()
                || query.target_group.is_some()
            {
                query.matchable_files = match case_list_scope(&work.caller().subject()) {
                    CaseListScope::Everything => None,
                    CaseListScope::AreasAndTeams(areas) => Some(MatchableFiles {
                        areas: areas.into_iter().collect(),
                        case_file_ids: case_files::current_team_files(work.conn(), actor, today)?,
                    }),
                };
            }
            let found = persons::search(work.conn(), &query)?;
            let shown: Vec<Uuid> = found.iter().take(limit as usize).map(|p| p.id).collect();
            let mut facts =
                socialcare_persistence::access::persons(work.conn(), &shown, actor, today, now)?;
            // Each result is cut to what the caller may read of that person: the full record,
            // or the directory answer.
            let restricted_persons: Vec<&PersonRecord> = found
                .iter()
                .take(limit as usize)
                .filter(|person| {
                    let files = facts.remove(&person.id).unwrap_or_default();
                    guard::decide_person(work.caller(), Action::ReadPerson, &files).is_none()
                })
                .collect();
            let directory = directory_entries(work.conn(), &restricted_persons, today)?;
            let (restricted, full): (Vec<Uuid>, Vec<Uuid>) =
                shown.iter().partition(|id| directory.contains_key(id));
            work.shows(shown)
                .detail("returned", full)
                .detail("directory_only", restricted);
            Ok((found, directory, limit))
        })
        .await?;
    let next = if found.len() > limit as usize {
        found.truncate(limit as usize);
        found.last().map(|last| {
            let mut pairs: Vec<(&str, String)> = req
                .query_string()
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .filter(|(k, _)| *k != "cursor")
                .map(|(k, v)| (k, v.to_owned()))
                .collect();
            pairs.push(("cursor", encode_cursor(last)));
            let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("/api/v1/persons?{}", query.join("&"))
        })
    } else {
        None
    };
    let mut items = Vec::new();
    let mut restricted = Vec::new();
    for person in &found {
        match directory.remove(&person.id) {
            Some(entry) => restricted.push(entry),
            None => items.push(PersonResponse::from(person)),
        }
    }
    Ok(HttpResponse::Ok().json(PersonPage {
        items,
        restricted,
        next,
    }))
}

/// A person registered twice, to be merged into the person of the URL.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"duplicate_id": "01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e62", "reason": "same person: registered at the shelter and at the front desk"}))]
pub struct MergeRequest {
    /// The duplicate record: it is annulled, and its case files move to the surviving person.
    pub duplicate_id: Uuid,
    /// Why the two records are the same person (1-2000 characters).
    #[validate(length(min = 1, max = 2000))]
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "same person: registered at the shelter and at the front desk"
    )]
    pub reason: String,
}

/// Merge a duplicate into a person
///
/// For a person confirmed to be registered twice: the duplicate's case files and household
/// memberships are re-pointed to this person (the survivor), its special-category data moves
/// where the survivor has none (otherwise the survivor's is kept and the duplicate's stays on the
/// annulled record), the survivor takes the duplicate's tax code if it has none, and the
/// duplicate is annulled with a reference to the survivor. Nothing is deleted; the merge is
/// recorded and audited. Refused (409) when either record is annulled, when the two have
/// different tax codes, or when both have a case file that is not closed in the same area
/// (close one first). Requires `If-Match` with the survivor's ETag.
#[utoipa::path(
    tag = "persons",
    operation_id = "merge_person",
    params(("person_id" = Uuid, Path, description = "The surviving person."),
        IfMatchHeader,
        IdempotencyKeyHeader),
    request_body = MergeRequest,
    responses(
        (status = 200, description = "The surviving person after the merge.", body = PersonResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 404, description = "No person with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The records cannot be merged; `detail` says why.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/persons/{person_id}/merge")]
pub async fn merge_person(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PersonId>,
    body: Body<MergeRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::AnnulPerson, "person.merge", "person");
    case_work::write(
        &state,
        caller,
        &req,
        Target::Person(id.0),
        op,
        body,
        move |work, request, if_match| {
            let id = id.0.uuid();
            let reason = parse_annulment_reason(&request.reason)
                .map_err(|e| ApiError::invalid_field("/reason", e))?;
            if request.duplicate_id == id {
                return Err(ApiError::invalid_field(
                    "/duplicate_id",
                    "a person cannot be merged into itself",
                ));
            }
            let survivor = persons::find(work.conn(), id)?.ok_or_else(not_found)?;
            let version = if_match.check(survivor.version)?;
            let Some(duplicate) = persons::find(work.conn(), request.duplicate_id)? else {
                return Err(ApiError::invalid_field(
                    "/duplicate_id",
                    "no person with this id",
                ));
            };
            // The gate decided on the survivor; the duplicate is decided here, in the same
            // transaction, on its own case files.
            let (actor, now, today) = (work.actor(), work.now(), work.today());
            let mut facts = socialcare_persistence::access::persons(
                work.conn(),
                &[duplicate.id],
                actor,
                today,
                now,
            )?;
            let files = facts.remove(&duplicate.id).unwrap_or_default();
            work.shows([duplicate.id]);
            let Some(break_glass) =
                guard::decide_person(work.caller(), Action::AnnulPerson, &files)
            else {
                return Err(work.refuse(format!(
                    "your relation to the duplicate person does not allow `{}`",
                    Action::AnnulPerson.code()
                )));
            };
            if let Some(reason) = break_glass {
                work.mark_break_glass(&reason);
            }
            let survivor_side = persons::merge_side(work.conn(), &survivor, today)?;
            let duplicate_side = persons::merge_side(work.conn(), &duplicate, today)?;
            check_mergeable(&survivor_side, &duplicate_side).map_err(ApiError::Conflict)?;
            let merged = persons::merge(
                work.conn(),
                &survivor,
                version,
                &duplicate,
                &reason,
                actor,
                now,
            )?
            .ok_or_else(|| {
                ApiError::PreconditionFailed(
                    "the person changed meanwhile; read it again and retry".into(),
                )
            })?;
            work.detail("survivor_id", id)
                .detail("duplicate_id", duplicate.id)
                .detail("moved_case_files", merged.moved_case_files)
                .detail("reason", reason);
            let survivor = merged.survivor;
            Ok(Answer::ok(
                &PersonResponse::from(&survivor),
                Some(survivor.version),
            ))
        },
    )
    .await
}

/// Who to contact about a case file the caller may not read.
#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryContact {
    /// The case manager (user id).
    pub id: Uuid,
    /// Their name.
    pub display_name: String,
    /// Their e-mail address.
    pub email: String,
}

/// One case file of a person, as the directory shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryCaseFile {
    /// The area that holds the case.
    pub area: AreaCode,
    /// The status of the file.
    pub status: CaseStatusCode,
    /// The current case manager, or null when there is none today.
    pub case_manager: Option<DirectoryContact>,
}

/// The minimal directory answer about a person: that the office knows them, which areas hold
/// their case files, and who to contact. It never carries identity details beyond the name,
/// nor any case content.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonDirectory {
    /// The person.
    pub person_id: Uuid,
    /// Given names.
    pub given_names: String,
    /// Family names.
    pub family_names: String,
    /// Their case files, oldest first.
    pub case_files: Vec<DirectoryCaseFile>,
}

/// The directory answers of several persons in three queries whatever their number: their case
/// files, the files' current case managers, and those managers' contacts.
fn directory_entries(
    c: &mut AnyConnection,
    persons: &[&PersonRecord],
    today: NaiveDate,
) -> Result<HashMap<Uuid, PersonDirectory>, StoreError> {
    let ids: Vec<Uuid> = persons.iter().map(|p| p.id).collect();
    let files = case_files::directory_of_persons(c, &ids)?;
    let file_ids: Vec<Uuid> = files.iter().map(|f| f.id).collect();
    let managers = case_files::current_case_managers(c, &file_ids, today)?;
    let mut manager_ids: Vec<Uuid> = managers.values().copied().collect();
    manager_ids.sort_unstable();
    manager_ids.dedup();
    let contacts = socialcare_persistence::users::contacts(c, &manager_ids)?;
    let mut out: HashMap<Uuid, PersonDirectory> = persons
        .iter()
        .map(|person| {
            (
                person.id,
                PersonDirectory {
                    person_id: person.id,
                    given_names: person.details.given_names.as_str().to_owned(),
                    family_names: person.details.family_names.as_str().to_owned(),
                    case_files: Vec::new(),
                },
            )
        })
        .collect();
    for file in files {
        let Some(entry) = out.get_mut(&file.person_id) else {
            continue;
        };
        // As many files as a case-file list page holds at most.
        if entry.case_files.len() >= 100 {
            continue;
        }
        let case_manager = managers
            .get(&file.id)
            .and_then(|id| contacts.get(id))
            .map(|u| DirectoryContact {
                id: u.id,
                display_name: u.display_name.clone(),
                email: u.email.clone(),
            });
        entry.case_files.push(DirectoryCaseFile {
            area: file.area.into(),
            status: file.status.into(),
            case_manager,
        });
    }
    Ok(out)
}

/// Directory answer about a person
///
/// For any staff user who works cases: whether the office knows the person, which areas hold
/// their case files and who their case managers are, so that a colleague outside the case
/// knows whom to contact. It carries no case content; the read is audited.
#[utoipa::path(
    tag = "persons",
    operation_id = "get_person_directory",
    params(("person_id" = Uuid, Path, description = "Person identifier.")),
    responses(
        (status = 200, description = "The directory answer.", body = PersonDirectory),
        (status = 404, description = "No person with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/persons/{person_id}/directory")]
pub async fn get_person_directory(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PersonId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadPersonDirectory,
        "person.directory.read",
        "person",
    );
    let entry = case_work::read(
        &state,
        caller,
        &req,
        Target::Person(id.0),
        op,
        move |work, _: NoQuery| {
            let today = work.today();
            let person = persons::find(work.conn(), id.0.uuid())?.ok_or_else(not_found)?;
            directory_entries(work.conn(), &[&person], today)?
                .remove(&person.id)
                .ok_or_else(|| ApiError::Internal("the directory answer went missing".into()))
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(entry))
}
