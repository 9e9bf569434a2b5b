//! The special categories of personal data of a person (GDPR art. 9 and 10), one sub-resource
//! per group: `health-disability`, `ethnicity`, `legal-status`, `justice`; and the list of
//! residence permits about to expire.
//!
//! Every access goes through the gate ([`crate::case_work`]) with the person as target and
//! [`Action::ReadSensitive`] / [`Action::WriteSensitive`], decided in the request's one
//! transaction by the policy: the case manager of one of the person's case files, the team
//! members the case manager granted them, and the coordinators of the file's area (never the
//! office manager, `administrative`, a break-glass grant, `system_admin` or
//! `privacy_officer`). Every read and write is audited as `person.<group>.<read|create|update>`.
//! Nothing here is ever deleted.

use actix_web::{HttpRequest, HttpResponse, get, put, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use socialcare_domain::ValidationErrors;
use socialcare_domain::access::{Action, sensitive_list_areas};
use socialcare_domain::ids::PersonId;
use socialcare_domain::person::check_changeable;
use socialcare_domain::sensitive::{
    Community, Ethnicity, EthnicityInput, HealthDisability, HealthDisabilityInput, Justice,
    JusticeInput, JusticeStatus, LegalStatus, LegalStatusInput, ProtectionStatus, SensitiveGroup,
};
use socialcare_persistence::persons;
use socialcare_persistence::sensitive::{
    self, ExpiringPermit, Recorded, SensitiveRecord, SensitiveScope,
};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, Answer, NoQuery, Op, Target, with_etag};
use crate::conditional::IfMatchToReplaceHeader;
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::idempotency::IdempotencyKeyHeader;
use crate::state::AppState;

// --- codes ---

/// Community (recorded only where relevant to a project).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommunityCode {
    /// Rom.
    Roma,
    /// Sinti.
    Sinti,
    /// Caminanti.
    Caminanti,
}

impl From<CommunityCode> for Community {
    fn from(code: CommunityCode) -> Self {
        match code {
            CommunityCode::Roma => Community::Roma,
            CommunityCode::Sinti => Community::Sinti,
            CommunityCode::Caminanti => Community::Caminanti,
        }
    }
}

impl From<Community> for CommunityCode {
    fn from(community: Community) -> Self {
        match community {
            Community::Roma => CommunityCode::Roma,
            Community::Sinti => CommunityCode::Sinti,
            Community::Caminanti => CommunityCode::Caminanti,
        }
    }
}

/// International protection status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProtectionStatusCode {
    /// Asylum applicant (richiedente asilo).
    Applicant,
    /// Refugee status (status di rifugiato).
    Refugee,
    /// Subsidiary protection (protezione sussidiaria).
    SubsidiaryProtection,
    /// Special protection (protezione speciale).
    SpecialProtection,
    /// Temporary protection (protezione temporanea).
    TemporaryProtection,
    /// No international protection.
    None,
}

impl From<ProtectionStatusCode> for ProtectionStatus {
    fn from(code: ProtectionStatusCode) -> Self {
        match code {
            ProtectionStatusCode::Applicant => ProtectionStatus::Applicant,
            ProtectionStatusCode::Refugee => ProtectionStatus::Refugee,
            ProtectionStatusCode::SubsidiaryProtection => ProtectionStatus::SubsidiaryProtection,
            ProtectionStatusCode::SpecialProtection => ProtectionStatus::SpecialProtection,
            ProtectionStatusCode::TemporaryProtection => ProtectionStatus::TemporaryProtection,
            ProtectionStatusCode::None => ProtectionStatus::None,
        }
    }
}

impl From<ProtectionStatus> for ProtectionStatusCode {
    fn from(status: ProtectionStatus) -> Self {
        match status {
            ProtectionStatus::Applicant => ProtectionStatusCode::Applicant,
            ProtectionStatus::Refugee => ProtectionStatusCode::Refugee,
            ProtectionStatus::SubsidiaryProtection => ProtectionStatusCode::SubsidiaryProtection,
            ProtectionStatus::SpecialProtection => ProtectionStatusCode::SpecialProtection,
            ProtectionStatus::TemporaryProtection => ProtectionStatusCode::TemporaryProtection,
            ProtectionStatus::None => ProtectionStatusCode::None,
        }
    }
}

/// Where the person stands with criminal justice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JusticeStatusCode {
    /// In prison.
    Detained,
    /// Serving an alternative measure (misura alternativa alla detenzione).
    AlternativeMeasure,
    /// Released.
    Released,
}

impl From<JusticeStatusCode> for JusticeStatus {
    fn from(code: JusticeStatusCode) -> Self {
        match code {
            JusticeStatusCode::Detained => JusticeStatus::Detained,
            JusticeStatusCode::AlternativeMeasure => JusticeStatus::AlternativeMeasure,
            JusticeStatusCode::Released => JusticeStatus::Released,
        }
    }
}

impl From<JusticeStatus> for JusticeStatusCode {
    fn from(status: JusticeStatus) -> Self {
        match status {
            JusticeStatus::Detained => JusticeStatusCode::Detained,
            JusticeStatus::AlternativeMeasure => JusticeStatusCode::AlternativeMeasure,
            JusticeStatus::Released => JusticeStatusCode::Released,
        }
    }
}

// --- DTOs ---

/// Disability and health data of a person (replaces what was recorded).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "law_104_recognised": true,
    "law_104_severe": true,
    "civil_invalidity_percent": 100,
    "accompanying_allowance": true,
    "support_needs": "Needs help with personal hygiene and to move outside the home."
}))]
pub struct HealthDisabilityRequest {
    /// Disability recognised under L. 104/1992.
    pub law_104_recognised: bool,
    /// Recognised with "gravità" (art. 3 c. 3 L. 104/1992); requires `law_104_recognised`.
    pub law_104_severe: bool,
    /// Civil invalidity percentage (0-100), if assessed.
    #[validate(range(min = 0, max = 100))]
    #[schema(minimum = 0, maximum = 100, format = Int32, example = 100)]
    pub civil_invalidity_percent: Option<i32>,
    /// Receives the accompanying allowance (indennità di accompagnamento).
    pub accompanying_allowance: bool,
    /// Needs for support, free text (at most 4000 characters).
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    pub support_needs: Option<String>,
}

/// Disability and health data of a person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HealthDisabilityResponse {
    /// The person.
    pub person_id: Uuid,
    /// Disability recognised under L. 104/1992.
    pub law_104_recognised: bool,
    /// Recognised with "gravità" (art. 3 c. 3 L. 104/1992).
    pub law_104_severe: bool,
    /// Civil invalidity percentage (0-100), if assessed.
    #[schema(minimum = 0, maximum = 100, format = Int32, example = 100)]
    pub civil_invalidity_percent: Option<i32>,
    /// Receives the accompanying allowance.
    pub accompanying_allowance: bool,
    /// Needs for support.
    pub support_needs: Option<String>,
    /// Version, also sent as the `ETag` header; send it back in `If-Match` to replace the data.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// When the group was first recorded.
    pub created_at: DateTime<Utc>,
    /// Who first recorded it (user id).
    pub created_by: Uuid,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change (user id).
    pub updated_by: Uuid,
}

/// Community data of a person (replaces what was recorded). Record it only where relevant to
/// a project, and say why.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "community": "sinti",
    "relevant_to_project": "Housing inclusion project for families living in the transit area."
}))]
pub struct EthnicityRequest {
    /// The community.
    pub community: CommunityCode,
    /// Why it is relevant to the person's project (1-2000 characters); required.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub relevant_to_project: String,
}

/// Community data of a person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EthnicityResponse {
    /// The person.
    pub person_id: Uuid,
    /// The community.
    pub community: CommunityCode,
    /// Why it is relevant to the person's project.
    pub relevant_to_project: String,
    /// Version, also sent as the `ETag` header; send it back in `If-Match` to replace the data.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// When the group was first recorded.
    pub created_at: DateTime<Utc>,
    /// Who first recorded it (user id).
    pub created_by: Uuid,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change (user id).
    pub updated_by: Uuid,
}

/// Residence permit and international protection of a person (replaces what was recorded).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "permit_kind": "permesso di soggiorno per protezione speciale",
    "permit_expires_on": "2027-03-31",
    "protection_status": "special_protection"
}))]
pub struct LegalStatusRequest {
    /// Kind of residence permit (at most 100 characters); required when `permit_expires_on` is
    /// given.
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub permit_kind: Option<String>,
    /// Expiry of the residence permit (`YYYY-MM-DD`); listed by `/persons/permits-expiring`.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub permit_expires_on: Option<NaiveDate>,
    /// International protection status.
    pub protection_status: ProtectionStatusCode,
}

/// Residence permit and international protection of a person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LegalStatusResponse {
    /// The person.
    pub person_id: Uuid,
    /// Kind of residence permit.
    pub permit_kind: Option<String>,
    /// Expiry of the residence permit.
    pub permit_expires_on: Option<NaiveDate>,
    /// International protection status.
    pub protection_status: ProtectionStatusCode,
    /// Version, also sent as the `ETag` header; send it back in `If-Match` to replace the data.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// When the group was first recorded.
    pub created_at: DateTime<Utc>,
    /// Who first recorded it (user id).
    pub created_by: Uuid,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change (user id).
    pub updated_by: Uuid,
}

/// Criminal justice data of a person (prison area; replaces what was recorded).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "status": "alternative_measure",
    "alternative_measure_kind": "affidamento in prova ai servizi sociali",
    "institution": "Casa circondariale di Trento",
    "measure_start_on": "2026-01-10",
    "expected_release_on": "2027-01-09",
    "uepe_contact_reference": "UEPE Trento, fasc. 2026/114"
}))]
pub struct JusticeRequest {
    /// Detained, serving an alternative measure, or released.
    pub status: JusticeStatusCode,
    /// Kind of alternative measure (at most 200 characters): required when `status` is
    /// `alternative_measure`, and only then.
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub alternative_measure_kind: Option<String>,
    /// Prison or institution (at most 200 characters).
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub institution: Option<String>,
    /// Start of the detention or measure.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub measure_start_on: Option<NaiveDate>,
    /// Expected release date (not before `measure_start_on`); drives the planning.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub expected_release_on: Option<NaiveDate>,
    /// Reference of the contact at the UEPE (Ufficio di esecuzione penale esterna), at most
    /// 100 characters.
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub uepe_contact_reference: Option<String>,
}

/// Criminal justice data of a person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JusticeResponse {
    /// The person.
    pub person_id: Uuid,
    /// Detained, serving an alternative measure, or released.
    pub status: JusticeStatusCode,
    /// Kind of alternative measure.
    pub alternative_measure_kind: Option<String>,
    /// Prison or institution.
    pub institution: Option<String>,
    /// Start of the detention or measure.
    pub measure_start_on: Option<NaiveDate>,
    /// Expected release date.
    pub expected_release_on: Option<NaiveDate>,
    /// Reference of the contact at the UEPE.
    pub uepe_contact_reference: Option<String>,
    /// Version, also sent as the `ETag` header; send it back in `If-Match` to replace the data.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// When the group was first recorded.
    pub created_at: DateTime<Utc>,
    /// Who first recorded it (user id).
    pub created_by: Uuid,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change (user id).
    pub updated_by: Uuid,
}

// --- one code path for the four groups ---

/// What the API needs to know of a group to read and replace it.
trait GroupApi: SensitiveRecord + Send + 'static {
    /// The request body of `PUT`.
    type Request: DeserializeOwned + Validate + Send + 'static;
    /// The response body.
    type Response: Serialize;
    /// Validates a request with the domain's rules.
    fn parse(request: &Self::Request) -> Result<Self, ValidationErrors>;
    /// The response of a stored group.
    fn response(record: &Recorded<Self>) -> Self::Response;
}

impl GroupApi for HealthDisability {
    type Request = HealthDisabilityRequest;
    type Response = HealthDisabilityResponse;

    fn parse(r: &Self::Request) -> Result<Self, ValidationErrors> {
        HealthDisability::parse(&HealthDisabilityInput {
            law_104_recognised: r.law_104_recognised,
            law_104_severe: r.law_104_severe,
            civil_invalidity_percent: r.civil_invalidity_percent,
            accompanying_allowance: r.accompanying_allowance,
            support_needs: r.support_needs.clone(),
        })
    }

    fn response(rec: &Recorded<Self>) -> Self::Response {
        let d = rec.data.input();
        HealthDisabilityResponse {
            person_id: rec.person_id,
            law_104_recognised: d.law_104_recognised,
            law_104_severe: d.law_104_severe,
            civil_invalidity_percent: d.civil_invalidity_percent,
            accompanying_allowance: d.accompanying_allowance,
            support_needs: d.support_needs.clone(),
            version: rec.version,
            created_at: rec.created_at,
            created_by: rec.created_by,
            updated_at: rec.updated_at,
            updated_by: rec.updated_by,
        }
    }
}

impl GroupApi for Ethnicity {
    type Request = EthnicityRequest;
    type Response = EthnicityResponse;

    fn parse(r: &Self::Request) -> Result<Self, ValidationErrors> {
        Ethnicity::parse(&EthnicityInput {
            community: r.community.into(),
            relevant_to_project: r.relevant_to_project.clone(),
        })
    }

    fn response(rec: &Recorded<Self>) -> Self::Response {
        let d = rec.data.input();
        EthnicityResponse {
            person_id: rec.person_id,
            community: d.community.into(),
            relevant_to_project: d.relevant_to_project.clone(),
            version: rec.version,
            created_at: rec.created_at,
            created_by: rec.created_by,
            updated_at: rec.updated_at,
            updated_by: rec.updated_by,
        }
    }
}

impl GroupApi for LegalStatus {
    type Request = LegalStatusRequest;
    type Response = LegalStatusResponse;

    fn parse(r: &Self::Request) -> Result<Self, ValidationErrors> {
        LegalStatus::parse(&LegalStatusInput {
            permit_kind: r.permit_kind.clone(),
            permit_expires_on: r.permit_expires_on,
            protection_status: r.protection_status.into(),
        })
    }

    fn response(rec: &Recorded<Self>) -> Self::Response {
        let d = rec.data.input();
        LegalStatusResponse {
            person_id: rec.person_id,
            permit_kind: d.permit_kind.clone(),
            permit_expires_on: d.permit_expires_on,
            protection_status: d.protection_status.into(),
            version: rec.version,
            created_at: rec.created_at,
            created_by: rec.created_by,
            updated_at: rec.updated_at,
            updated_by: rec.updated_by,
        }
    }
}

impl GroupApi for Justice {
    type Request = JusticeRequest;
    type Response = JusticeResponse;

    fn parse(r: &Self::Request) -> Result<Self, ValidationErrors> {
        Justice::parse(&JusticeInput {
            status: r.status.into(),
            alternative_measure_kind: r.alternative_measure_kind.clone(),
            institution: r.institution.clone(),
            measure_start_on: r.measure_start_on,
            expected_release_on: r.expected_release_on,
            uepe_contact_reference: r.uepe_contact_reference.clone(),
        })
    }

    fn response(rec: &Recorded<Self>) -> Self::Response {
        let d = rec.data.input();
        JusticeResponse {
            person_id: rec.person_id,
            status: d.status.into(),
            alternative_measure_kind: d.alternative_measure_kind.clone(),
            institution: d.institution.clone(),
            measure_start_on: d.measure_start_on,
            expected_release_on: d.expected_release_on,
            uepe_contact_reference: d.uepe_contact_reference.clone(),
            version: rec.version,
            created_at: rec.created_at,
            created_by: rec.created_by,
            updated_at: rec.updated_at,
            updated_by: rec.updated_by,
        }
    }
}

/// The audit event codes of a group's read, creation and replacement.
fn events(group: SensitiveGroup) -> [&'static str; 3] {
    match group {
        SensitiveGroup::HealthDisability => [
            "person.health_disability.read",
            "person.health_disability.create",
            "person.health_disability.update",
        ],
        SensitiveGroup::Ethnicity => [
            "person.ethnicity.read",
            "person.ethnicity.create",
            "person.ethnicity.update",
        ],
        SensitiveGroup::LegalStatus => [
            "person.legal_status.read",
            "person.legal_status.create",
            "person.legal_status.update",
        ],
        SensitiveGroup::Justice => [
            "person.justice.read",
            "person.justice.create",
            "person.justice.update",
        ],
    }
}

/// `GET /persons/{person_id}/<group>`: decided by the gate as [`Action::ReadSensitive`] on
/// the person. Even "nothing recorded" tells something about the person: audited as well.
async fn read_group<G: GroupApi>(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: PersonId,
) -> Result<HttpResponse, ApiError> {
    let [read, _, _] = events(G::GROUP);
    let op = Op::new(Action::ReadSensitive, read, "person");
    let found = case_work::read(
        &state,
        caller,
        &req,
        Target::Person(id),
        op,
        move |work, _: NoQuery| {
            let found = G::find(work.conn(), id.uuid())?;
            work.detail("found", found.is_some());
            Ok(found)
        },
    )
    .await?;
    let record = found.ok_or_else(|| {
        ApiError::NotFound(format!(
            "no {} data is recorded for this person",
            G::GROUP.code()
        ))
    })?;
    Ok(with_etag(record.version, &G::response(&record)))
}

/// `PUT /persons/{person_id}/<group>`: creates (201, no `If-Match`) or replaces (200,
/// `If-Match` required); decided by the gate as [`Action::WriteSensitive`] on the person.
async fn write_group<G: GroupApi>(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: PersonId,
    body: Body<G::Request>,
) -> Result<HttpResponse, ApiError> {
    let [_, create, update] = events(G::GROUP);
    let op = Op::new(Action::WriteSensitive, update, "person");
    let location = format!("/api/v1/persons/{id}/{}", G::GROUP.path_segment());
    case_work::write(
        &state,
        caller,
        &req,
        Target::Person(id),
        op,
        body,
        move |work, request, if_match| {
            let data = G::parse(&request).map_err(ApiError::from_domain)?;
            let person_id = id.uuid();
            let person = persons::find(work.conn(), person_id)?
                .ok_or_else(|| ApiError::NotFound("no person with this id".into()))?;
            check_changeable(person.annulment.is_some()).map_err(ApiError::Conflict)?;
            let (actor, now) = (work.actor(), work.now());
            let (created, record) = match G::find(work.conn(), person_id)? {
                None => {
                    if if_match.is_sent() {
                        return Err(ApiError::PreconditionFailed(format!(
                            "no {} data is recorded for this person yet: send the PUT \
                             without If-Match to record it",
                            G::GROUP.code()
                        )));
                    }
                    (true, G::insert(work.conn(), person_id, &data, actor, now)?)
                }
                Some(current) => {
                    if_match.check(current.version)?;
                    let Some(record) = G::replace(work.conn(), &current, &data, actor, now)? else {
                        return Err(ApiError::PreconditionFailed(
                            "the data changed meanwhile; read it again and retry".into(),
                        ));
                    };
                    (false, record)
                }
            };
            work.detail("version", record.version);
            let response = G::response(&record);
            if created {
                work.event(create);
                Ok(Answer::created(&response, location, Some(record.version)))
            } else {
                Ok(Answer::ok(&response, Some(record.version)))
            }
        },
    )
    .await
}

// --- the handlers ---

/// Read a person's disability and health data
///
/// Returns the L. 104/1992 recognition, civil invalidity, accompanying allowance and support
/// needs of the person, with the version in `ETag`; 404 when nothing is recorded. Special
/// category data (GDPR art. 9): every read is audited.
#[utoipa::path(
    tag = "sensitive-data",
    operation_id = "get_person_health_disability",
    params(("person_id" = Uuid, Path, description = "Person identifier.")),
    responses(
        (status = 200, description = "The data.", body = HealthDisabilityResponse,
            headers(("ETag" = String, description = "Version of the data, for If-Match."))),
        (status = 404, description = "No person with this id, or nothing recorded.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/persons/{person_id}/health-disability")]
pub async fn get_person_health_disability(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PersonId>,
) -> Result<HttpResponse, ApiError> {
    read_group::<HealthDisability>(state, caller, req, id.0).await
}

/// Record a person's disability and health data
///
/// Records the data (201, no `If-Match`) or replaces it (200, `If-Match` with the current ETag
/// required: 428 without it, 412 when stale). Nothing is ever deleted. Every write is audited.
#[utoipa::path(
    tag = "sensitive-data",
    operation_id = "put_person_health_disability",
    params(("person_id" = Uuid, Path, description = "Person identifier."),
        IfMatchToReplaceHeader,
        IdempotencyKeyHeader),
    request_body = HealthDisabilityRequest,
    responses(
        (status = 200, description = "Replaced.", body = HealthDisabilityResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 201, description = "Recorded for the first time.", body = HealthDisabilityResponse,
            headers(("Location" = String, description = "URL of the data."), ("ETag" = String, description = "The version."))),
        (status = 404, description = "No person with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The person is annulled.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version, or data is not recorded yet.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing while data is recorded.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/persons/{person_id}/health-disability")]
pub async fn put_person_health_disability(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PersonId>,
    body: Body<HealthDisabilityRequest>,
) -> Result<HttpResponse, ApiError> {
    write_group::<HealthDisability>(state, caller, req, id.0, body).await
}

/// Read a person's community data
///
/// Returns the Roma, Sinti or Caminanti community of the person and why it is relevant to
/// their project, with the version in `ETag`; 404 when nothing is recorded. Special category
/// data (GDPR art. 9): every read is audited.
#[utoipa::path(
    tag = "sensitive-data",
    operation_id = "get_person_ethnicity",
    params(("person_id" = Uuid, Path, description = "Person identifier.")),
    responses(
        (status = 200, description = "The data.", body = EthnicityResponse,
            headers(("ETag" = String, description = "Version of the data, for If-Match."))),
        (status = 404, description = "No person with this id, or nothing recorded.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/persons/{person_id}/ethnicity")]
pub async fn get_person_ethnicity(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PersonId>,
) -> Result<HttpResponse, ApiError> {
    read_group::<Ethnicity>(state, caller, req, id.0).await
}

/// Record a person's community data
///
/// Records the data (201, no `If-Match`) or replaces it (200, `If-Match` required: 428
/// without it, 412 when stale). Only where relevant to a project: `relevant_to_project` is
/// required. Every write is audited.
#[utoipa::path(
    tag = "sensitive-data",
    operation_id = "put_person_ethnicity",
    params(("person_id" = Uuid, Path, description = "Person identifier."),
        IfMatchToReplaceHeader,
        IdempotencyKeyHeader),
    request_body = EthnicityRequest,
    responses(
        (status = 200, description = "Replaced.", body = EthnicityResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 201, description = "Recorded for the first time.", body = EthnicityResponse,
            headers(("Location" = String, description = "URL of the data."), ("ETag" = String, description = "The version."))),
        (status = 404, description = "No person with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The person is annulled.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version, or data is not recorded yet.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing while data is recorded.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/persons/{person_id}/ethnicity")]
pub async fn put_person_ethnicity(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PersonId>,
    body: Body<EthnicityRequest>,
) -> Result<HttpResponse, ApiError> {
    write_group::<Ethnicity>(state, caller, req, id.0, body).await
}

/// Read a person's residence permit and protection status
///
/// Returns the residence permit kind and expiry and the international protection status, with
/// the version in `ETag`; 404 when nothing is recorded. Every read is audited.
#[utoipa::path(
    tag = "sensitive-data",
    operation_id = "get_person_legal_status",
    params(("person_id" = Uuid, Path, description = "Person identifier.")),
    responses(
        (status = 200, description = "The data.", body = LegalStatusResponse,
            headers(("ETag" = String, description = "Version of the data, for If-Match."))),
        (status = 404, description = "No person with this id, or nothing recorded.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/persons/{person_id}/legal-status")]
pub async fn get_person_legal_status(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PersonId>,
) -> Result<HttpResponse, ApiError> {
    read_group::<LegalStatus>(state, caller, req, id.0).await
}

/// Record a person's residence permit and protection status
///
/// Records the data (201, no `If-Match`) or replaces it (200, `If-Match` required: 428
/// without it, 412 when stale). Every write is audited.
#[utoipa::path(
    tag = "sensitive-data",
    operation_id = "put_person_legal_status",
    params(("person_id" = Uuid, Path, description = "Person identifier."),
        IfMatchToReplaceHeader,
        IdempotencyKeyHeader),
    request_body = LegalStatusRequest,
    responses(
        (status = 200, description = "Replaced.", body = LegalStatusResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 201, description = "Recorded for the first time.", body = LegalStatusResponse,
            headers(("Location" = String, description = "URL of the data."), ("ETag" = String, description = "The version."))),
        (status = 404, description = "No person with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The person is annulled.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version, or data is not recorded yet.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing while data is recorded.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/persons/{person_id}/legal-status")]
pub async fn put_person_legal_status(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PersonId>,
    body: Body<LegalStatusRequest>,
) -> Result<HttpResponse, ApiError> {
    write_group::<LegalStatus>(state, caller, req, id.0, body).await
}

/// Read a person's criminal justice data
///
/// Returns detention or alternative measure, institution, dates and UEPE contact, with the
/// version in `ETag`; 404 when nothing is recorded. Judicial data (GDPR art. 10): every read
/// is audited.
#[utoipa::path(
    tag = "sensitive-data",
    operation_id = "get_person_justice",
    params(("person_id" = Uuid, Path, description = "Person identifier.")),
    responses(
        (status = 200, description = "The data.", body = JusticeResponse,
            headers(("ETag" = String, description = "Version of the data, for If-Match."))),
        (status = 404, description = "No person with this id, or nothing recorded.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/persons/{person_id}/justice")]
pub async fn get_person_justice(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PersonId>,
) -> Result<HttpResponse, ApiError> {
    read_group::<Justice>(state, caller, req, id.0).await
}

/// Record a person's criminal justice data
///
/// Records the data (201, no `If-Match`) or replaces it (200, `If-Match` required: 428
/// without it, 412 when stale). `alternative_measure_kind` is required exactly when `status`
/// is `alternative_measure`. Every write is audited.
#[utoipa::path(
    tag = "sensitive-data",
    operation_id = "put_person_justice",
    params(("person_id" = Uuid, Path, description = "Person identifier."),
        IfMatchToReplaceHeader,
        IdempotencyKeyHeader),
    request_body = JusticeRequest,
    responses(
        (status = 200, description = "Replaced.", body = JusticeResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 201, description = "Recorded for the first time.", body = JusticeResponse,
            headers(("Location" = String, description = "URL of the data."), ("ETag" = String, description = "The version."))),
        (status = 404, description = "No person with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The person is annulled.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version, or data is not recorded yet.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing while data is recorded.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/persons/{person_id}/justice")]
pub async fn put_person_justice(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PersonId>,
    body: Body<JusticeRequest>,
) -> Result<HttpResponse, ApiError> {
    write_group::<Justice>(state, caller, req, id.0, body).await
}

// --- permits expiring ---

/// Which permits to list.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PermitsExpiringQuery {
    /// Window in days from today, 1-365 (default 30): permits expiring from today to today + N.
    #[validate(range(min = 1, max = 365))]
    #[param(minimum = 1, maximum = 365, default = 30, example = 60)]
    pub within_days: Option<u32>,
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

/// A residence permit about to expire.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExpiringPermitResponse {
    /// The holder.
    pub person_id: Uuid,
    /// Given names of the holder.
    #[schema(example = "Amina")]
    pub given_names: String,
    /// Family names of the holder.
    #[schema(example = "Diallo")]
    pub family_names: String,
    /// Kind of residence permit.
    pub permit_kind: Option<String>,
    /// Expiry.
    pub permit_expires_on: NaiveDate,
    /// Days from today to the expiry (0 = expires today).
    #[schema(format = Int32, minimum = 0, example = 12)]
    pub days_left: i32,
    /// International protection status.
    pub protection_status: ProtectionStatusCode,
}

/// One page of expiring permits.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExpiringPermitPage {
    /// The permits of this page, soonest expiry first.
    pub items: Vec<ExpiringPermitResponse>,
    /// Link to the next page, or null on the last one.
    pub next: Option<String>,
}

fn encode_cursor(permit: &ExpiringPermit) -> String {
    let raw = serde_json::json!([permit.permit_expires_on, permit.person_id]).to_string();
    URL_SAFE_NO_PAD.encode(raw)
}

fn decode_cursor(cursor: &str) -> Result<(NaiveDate, Uuid), ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<(NaiveDate, Uuid)>(&bytes).ok())
        .ok_or_else(|| ApiError::bad_parameter("cursor", "is not a cursor returned by this API"))
}

/// List residence permits about to expire
///
/// Lists the persons whose residence permit expires between today and today + `within_days`
/// (default 30), soonest first, with cursor pagination (follow `next`). Annulled records are
/// left out. The returned persons are recorded in the audit trail.
#[utoipa::path(
    tag = "sensitive-data",
    operation_id = "list_expiring_permits",
    params(PermitsExpiringQuery),
    responses(
        (status = 200, description = "One page of expiring permits.", body = ExpiringPermitPage),
    )
)]
#[get("/persons/permits-expiring")]
pub async fn list_expiring_permits(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadSensitive,
        "person.legal_status.list_expiring",
        "person",
    );
    let (mut found, within_days, limit, today) =
        case_work::list(&state, caller, &req, op, |work, q: PermitsExpiringQuery| {
            let within_days = q.within_days.unwrap_or(30);
            let limit = q.limit.unwrap_or(20);
            let after = q.cursor.as_deref().map(decode_cursor).transpose()?;
            let today = work.today();
            let until = today + Duration::days(i64::from(within_days));
            // Only the persons of the files the caller may read the special categories of.
            let scope = SensitiveScope {
                staff_id: work.actor(),
                areas: sensitive_list_areas(&work.caller().subject())
                    .into_iter()
                    .collect(),
                today,
            };
            let found = sensitive::permits_expiring(
                work.conn(),
                today,
                until,
                after,
                i64::from(limit) + 1,
                &scope,
            )?;
            let shown: Vec<Uuid> = found
                .iter()
                .take(limit as usize)
                .map(|p| p.person_id)
                .collect();
            let ids: Vec<String> = shown.iter().map(Uuid::to_string).collect();
            work.shows(shown)
                .detail("returned", ids)
                .detail("within_days", within_days);
            Ok((found, within_days, limit, today))
        })
        .await?;
    let next = if found.len() > limit as usize {
        found.truncate(limit as usize);
        found.last().map(|last| {
            format!(
                "/api/v1/persons/permits-expiring?within_days={within_days}&limit={limit}&cursor={}",
                encode_cursor(last)
            )
        })
    } else {
        None
    };
    let items = found
        .iter()
        .map(|p| ExpiringPermitResponse {
            person_id: p.person_id,
            given_names: p.given_names.clone(),
            family_names: p.family_names.clone(),
            permit_kind: p.permit_kind.clone(),
            permit_expires_on: p.permit_expires_on,
            days_left: i32::try_from((p.permit_expires_on - today).num_days()).unwrap_or(i32::MAX),
            protection_status: p.protection_status.into(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(ExpiringPermitPage { items, next }))
}
