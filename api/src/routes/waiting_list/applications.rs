//! Applications (domande) of the person of a case file for a care resource: making them with a
//! yearly protocol number, reading them, and recording the inputs of their criteria with source
//! and day (a correction is a newer input; the history stays). An application is inside its
//! case file: its handlers go through the gate with the case file.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::access::Action;
use socialcare_domain::case_file::check_takes_new_work;
use socialcare_domain::ids::{ApplicationId, CaseFileId};
use socialcare_domain::waiting_list::{
    Application, ApplicationStatus, ApplicationTransition, CriterionKind, Input, InputSource,
    InputValue, allowed_decisions, apply_application, check_application_change, check_input,
    check_submitted_on, check_withdraw_offer, euro_text, level_of, parse_euro, reconfirm_by,
};
use socialcare_domain::{FieldError, ValidationErrors};
use socialcare_persistence::applications::{
    self, ApplicationChange, NewApplication, ONE_OPEN_APPLICATION,
};
use socialcare_persistence::{AnyConnection, StoreError, admissions, case_files, waiting_list};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::admissions::{DecisionItem, PlaceItem, decision_items};
use crate::auth::Caller;
use crate::case_work::{self, Answer, NoQuery, Op, Target, Work, with_etag};
use crate::conditional::IfMatchHeader;
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::idempotency::IdempotencyKeyHeader;
use crate::routes::codes::{
    AllocationDecisionCode, ApplicationStatusCode, ApplicationTransitionCode, CriterionKindCode,
    InputSourceCode,
};
use crate::state::AppState;

/// An application, located in its case file by the gate.
pub(super) fn application_target(id: ApplicationId) -> Target {
    Target::within(
        ApplicationId::KIND,
        id,
        applications::application_case_file_of,
    )
}

/// The application, or 404.
pub(super) fn application_of(conn: &mut AnyConnection, id: Uuid) -> Result<Application, ApiError> {
    applications::find_application(conn, id)?
        .ok_or_else(|| ApiError::NotFound("no application with this id".into()))
}

/// An application to make.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"resource_id": "01938a6e-7f00-7000-8000-000000000005",
    "submitted_at": "2026-12-04T09:30:00Z"}))]
pub struct CreateApplicationRequest {
    /// The care resource applied for.
    pub resource_id: Uuid,
    /// When the application was submitted (RFC 3339; default now): not in the future, at most
    /// a year ago (a paper application entered later keeps its instant, the first
    /// tie-breaker). Its year numbers the protocol.
    pub submitted_at: Option<DateTime<Utc>>,
}

/// An input of a criterion, as answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct InputItem {
    /// The criterion it feeds.
    pub kind: CriterionKindCode,
    /// For a criterion by levels: the level (`0`-`3`; `full`, `partial`, `none`; `none`,
    /// `recognised`, `severe`; `no`, `yes`). Null when withheld.
    pub level: Option<String>,
    /// For `isee`: the indicator in euro, or null when none was declared.
    pub isee: Option<String>,
    /// True when the value is a special category (the disability severity) the caller may not
    /// read: `level` is then null.
    pub withheld: bool,
    /// Where it comes from.
    pub source: InputSourceCode,
    /// The day it refers to.
    pub as_of: NaiveDate,
    /// The DSU protocol of an ISEE certificate.
    pub reference: Option<String>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it.
    pub recorded_by: Uuid,
}

impl InputItem {
    fn of(input: &Input, sensitive: bool) -> Self {
        let withheld = input.kind == CriterionKind::DisabilitySeverity && !sensitive;
        let (level, isee) = match input.value {
            InputValue::Level(l) => (
                input
                    .kind
                    .levels()
                    .and_then(|levels| levels.get(usize::from(l)))
                    .map(|code| (*code).to_owned())
                    .filter(|_| !withheld),
                None,
            ),
            InputValue::Isee(cents) => (None, cents.map(euro_text)),
        };
        Self {
            kind: input.kind.into(),
            level,
            isee,
            withheld,
            source: input.source.into(),
            as_of: input.as_of,
            reference: input.reference.clone(),
            recorded_at: input.recorded_at,
            recorded_by: input.recorded_by,
        }
    }
}

/// A recorded change of an application's status.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationEventItem {
    /// The transition.
    pub transition: ApplicationTransitionCode,
    /// The status before.
    pub from: ApplicationStatusCode,
    /// The status after.
    pub to: ApplicationStatusCode,
    /// The day it happened.
    pub occurred_on: NaiveDate,
    /// Why.
    pub reason: Option<String>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it.
    pub recorded_by: Uuid,
}

/// An application for a care resource.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationResponse {
    /// Identifier.
    pub id: Uuid,
    /// The protocol number, `YYYY/NNNNNN`: what a published ranking shows instead of a name.
    #[schema(example = "2026/000123", pattern = r"^[0-9]{4}/[0-9]{6}$")]
    pub protocol: String,
    /// The resource applied for.
    pub resource_id: Uuid,
    /// The case file.
    pub case_file_id: Uuid,
    /// The person applying.
    pub person_id: Uuid,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
    /// The day it was submitted (Europe/Rome).
    pub submitted_on: NaiveDate,
    /// The last day it was confirmed.
    pub confirmed_on: NaiveDate,
    /// The day by which it must be reconfirmed (the resource's period after `confirmed_on`,
    /// as it was then); after it the application may be expired.
    pub reconfirm_by: NaiveDate,
    /// Current status.
    pub status: ApplicationStatusCode,
    /// Transitions allowed from the current status.
    pub allowed_transitions: Vec<ApplicationTransitionCode>,
    /// The changes of its status, as recorded.
    pub history: Vec<ApplicationEventItem>,
    /// The current input of each criterion (the latest recorded).
    pub inputs: Vec<InputItem>,
    /// The application's place: its latest offer or admission (null before any).
    pub place: Option<PlaceItem>,
    /// The decisions on its places (offers, admissions, answers, lapses, leaving), in order.
    pub decisions: Vec<DecisionItem>,
    /// The decisions the office may take now (`POST /applications/{id}/decisions`).
    pub allowed_decisions: Vec<AllocationDecisionCode>,
    /// Version, also sent as `ETag`; send it back in `If-Match` to change the application.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// Who recorded it.
    pub created_by: Uuid,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// The application as answered to a caller who may (`sensitive`) or may not read the
/// person's special categories.
pub(super) fn response(
    conn: &mut AnyConnection,
    a: &Application,
    sensitive: bool,
) -> Result<ApplicationResponse, ApiError> {
    let history = applications::history_of(conn, a.id)?;
    let place = admissions::latest_allocation(conn, a.id)?;
    let decisions = admissions::decisions_of(conn, a.id)?;
    let today = case_work::office_day(Utc::now());
    Ok(ApplicationResponse {
        id: a.id,
        protocol: a.protocol.to_string(),
        resource_id: a.resource_id,
        case_file_id: a.case_file_id,
        person_id: a.person_id,
        submitted_at: a.submitted_at,
        submitted_on: a.submitted_on,
        confirmed_on: a.confirmed_on,
        reconfirm_by: a.reconfirm_by,
        status: a.status.into(),
        allowed_transitions: a
            .status
            .allowed_transitions()
            .iter()
            .map(|t| (*t).into())
            .collect(),
        history: history
            .iter()
            .map(|e| ApplicationEventItem {
                transition: e.transition.into(),
                from: e.from.into(),
                to: e.to.into(),
                occurred_on: e.on,
                reason: e.reason.clone(),
                recorded_at: e.recorded_at,
                recorded_by: e.recorded_by,
            })
            .collect(),
        inputs: a
            .inputs
            .iter()
            .map(|i| InputItem::of(i, sensitive))
            .collect(),
        allowed_decisions: allowed_decisions(a.status, place.as_ref())
            .into_iter()
            .map(Into::into)
            .collect(),
        place: place.as_ref().map(|p| PlaceItem::of(p, today)),
        decisions: decision_items(&decisions),
        version: a.version,
        created_at: a.created_at,
        created_by: a.created_by,
        updated_at: a.updated_at,
    })
}

fn open_taken(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict(c) if c == ONE_OPEN_APPLICATION => ApiError::Conflict(
            "the person already has an open application for this resource".into(),
        ),
        other => other.into(),
    }
}

/// Make an application for a care resource
///
/// Records the application of the person of the case file for a resource, `waiting`, with the
/// next protocol number of its submission year (`2026/000123`). A person has one open
/// application per resource (409); a closed case file or a closed resource takes none (409).
/// The inputs of its criteria are recorded next (`POST /applications/{id}/inputs`). For the
/// case team, the area coordinator and the area's `administrative` staff. Send
/// `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "waiting-lists",
    operation_id = "create_application",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."), IdempotencyKeyHeader),
    request_body = CreateApplicationRequest,
    responses(
        (status = 201, description = "Recorded.", body = ApplicationResponse,
            headers(("Location" = String, description = "URL of the application."), ("ETag" = String, description = "Version, for If-Match."))),
        (status = 403, description = "Not in the case team, the area coordinator nor the area's administrative staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An open application of the person for the resource exists, or the case file or the resource is closed.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (JSON Pointers such as `/resource_id`).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/case-files/{case_file_id}/applications")]
pub async fn create_application(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<CaseFileId>,
    body: Body<CreateApplicationRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::KeepApplications,
        "application.create",
        "application",
    );
    case_work::write(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        body,
        |work, request, _| {
            let (actor, now, today) = (work.actor(), work.now(), work.today());
            let submitted_at = request.submitted_at.unwrap_or(now);
            let submitted_on = case_work::office_day(submitted_at);
            let mut errors = ValidationErrors::new();
            if submitted_at > now {
                errors.push(FieldError::new(
                    "submitted_at",
                    socialcare_domain::dates::IN_THE_FUTURE,
                ));
            } else {
                errors.collect("submitted_at", check_submitted_on(submitted_on, today));
            }
            let resource = waiting_list::find_resource(work.conn(), request.resource_id)?;
            if resource.is_none() {
                errors.push(FieldError::new("resource_id", "no resource with this id"));
            }
            let (Some(resource), true) = (resource, errors.is_empty()) else {
                return Err(ApiError::from_domain(errors));
            };
            let case_file_id = work.case_file_id()?;
            let file = case_files::find(work.conn(), case_file_id)?
                .ok_or_else(|| ApiError::NotFound("no case file with this id".into()))?;
            check_takes_new_work(file.status, "take new applications")
                .map_err(ApiError::Conflict)?;
            if let Some(closed) = resource.closed_on.filter(|c| *c <= today) {
                return Err(ApiError::Conflict(format!(
                    "the resource closed on {closed}: it takes no applications"
                )));
            }
            if admissions::is_admitted(work.conn(), resource.id, file.person_id)? {
                return Err(ApiError::Conflict(
                    "the person is admitted to this resource: a new application follows their \
                     leaving"
                        .into(),
                ));
            }
            let new = NewApplication {
                resource_id: resource.id,
                case_file_id,
                person_id: file.person_id,
                submitted_at,
                submitted_on,
                reconfirm_by: reconfirm_by(submitted_on, resource.content.reconfirm_months),
            };
            let application = applications::insert_application(work.conn(), &new, actor, now)
                .map_err(open_taken)?;
            work.resource(application.id)
                .detail("protocol", application.protocol.to_string())
                .detail("resource_id", resource.id);
            let sensitive = work.also(Action::ReadSensitive);
            let body = response(work.conn(), &application, sensitive)?;
            Ok(Answer::created(
                &body,
                format!("/api/v1/applications/{}", application.id),
                Some(application.version),
            ))
        },
    )
    .await
}

/// The applications of a case file.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationList {
    /// By submission.
    pub items: Vec<ApplicationResponse>,
}

/// List the applications of a case file
///
/// Every application of the person of the case file, by submission, with the current inputs.
/// For whoever may read the case file; audited with the person.
#[utoipa::path(
    tag = "waiting-lists",
    operation_id = "list_applications",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier.")),
    responses(
        (status = 200, description = "The applications.", body = ApplicationList),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/case-files/{case_file_id}/applications")]
pub async fn list_applications(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<CaseFileId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "application.list", "case_file");
    let list = case_work::read(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        |work, _: NoQuery| {
            let case_file_id = work.case_file_id()?;
            let found = applications::applications_of(work.conn(), case_file_id)?;
            work.detail("returned", found.len());
            let sensitive = work.also(Action::ReadSensitive);
            let items = found
                .iter()
                .map(|a| response(work.conn(), a, sensitive))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ApplicationList { items })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Read an application
///
/// One application with its current inputs; the disability severity is withheld from whoever
/// may not read the person's health data. For whoever may read its case file; audited with
/// the person.
#[utoipa::path(
    tag = "waiting-lists",
    operation_id = "get_application",
    params(("application_id" = Uuid, Path, description = "Application identifier.")),
    responses(
        (status = 200, description = "The application.", body = ApplicationResponse,
            headers(("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No application with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/applications/{application_id}")]
pub async fn get_application(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<ApplicationId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "application.read", "application");
    let (version, body) = case_work::read(
        &state,
        caller,
        &req,
        application_target(id.0),
        op,
        move |work, _: NoQuery| {
            let application = application_of(work.conn(), id.0.uuid())?;
            let sensitive = work.also(Action::ReadSensitive);
            Ok((
                application.version,
                response(work.conn(), &application, sensitive)?,
            ))
        },
    )
    .await?;
    Ok(with_etag(version, &body))
}

/// An input of a criterion to record.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "isee", "isee": "6850.00", "source": "isee_certificate",
    "as_of": "2026-11-20", "reference": "INPS-ISEE-2026-12345678X-00"}))]
pub struct InputRequest {
    /// The criterion. `urgency` is assessed by the social worker of the case (the case
    /// manager or the team); `disability_severity` is taken by the server from the person's
    /// health and disability data (L. 104/1992), by whoever may read them, and takes no value;
    /// `months_on_list` comes from the submission day and takes no input.
    pub kind: CriterionKindCode,
    /// For `urgency` (`0`-`3`), `family_support` (`full`, `partial`, `none`) and
    /// `minors_in_household` (`no`, `yes`): the level.
    #[validate(length(min = 1, max = 20))]
    #[schema(min_length = 1, max_length = 20, pattern = r"^[a-z0-9]{1,20}$")]
    pub level: Option<String>,
    /// For `isee`: the indicator in euro with two decimals (up to 1000000.00); omit when none
    /// was declared (the scale's `missing` points apply).
    #[validate(length(min = 4, max = 10))]
    #[schema(min_length = 4, max_length = 10, pattern = r"^[0-9]{1,7}\.[0-9]{2}$")]
    pub isee: Option<String>,
    /// Where it comes from: `urgency` from `social_worker_assessment`; `family_support` from
    /// it or a `declaration`; `isee` from the `isee_certificate` or a `declaration`;
    /// `minors_in_household` from the `household_records` or a `declaration`;
    /// `disability_severity` from the `health_disability_data` (the default for it).
    pub source: Option<InputSourceCode>,
    /// The day it refers to (default today): not in the future, not more than a year before
    /// the submission. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub as_of: Option<NaiveDate>,
    /// For an `isee_certificate` (required there): the DSU protocol,
    /// `INPS-ISEE-YYYY-NNNNNNNNX-NN`.
    #[validate(length(min = 1, max = 40))]
    #[schema(
        min_length = 1,
        max_length = 40,
        pattern = r"^INPS-ISEE-[0-9]{4}-[0-9]{8,10}[A-Z]-[0-9]{2}$"
    )]
    pub reference: Option<String>,
}

impl InputRequest {
    /// The input's value from the request (every field in error), or for the disability
    /// severity the level the person's health data give.
    fn value(
        &self,
        kind: CriterionKind,
        work: &mut Work<'_>,
        person_id: Uuid,
    ) -> Result<InputValue, ApiError> {
        let mut errors = ValidationErrors::new();
        let value = match kind {
            CriterionKind::DisabilitySeverity => {
                if self.level.is_some() {
                    errors.push(FieldError::new(
                        "level",
                        "the disability severity comes from the person's health data",
                    ));
                }
                Some(InputValue::Level(applications::disability_level(
                    work.conn(),
                    person_id,
                )?))
            }
            CriterionKind::Isee => {
                if self.level.is_some() {
                    errors.push(FieldError::new("level", "is not for `isee`"));
                }
                errors
                    .collect("isee", self.isee.as_deref().map(parse_euro).transpose())
                    .map(InputValue::Isee)
            }
            CriterionKind::MonthsOnList => {
                errors.push(FieldError::new(
                    "kind",
                    "the months on the list come from the submission day",
                ));
                None
            }
            _ => {
                if self.isee.is_some() {
                    errors.push(FieldError::new("isee", format!("is not for `{kind}`")));
                }
                match self.level.as_deref() {
                    None => {
                        errors.push(FieldError::new("level", "is required"));
                        None
                    }
                    Some(code) => errors
                        .collect("level", level_of(kind, code))
                        .map(InputValue::Level),
                }
            }
        };
        match (value, errors.is_empty()) {
            (Some(value), true) => Ok(value),
            _ => Err(ApiError::from_domain(errors)),
        }
    }
}

/// Record an input of an application
///
/// Records the value of one criterion of the application, with its source and the day it
/// refers to. A correction is a newer input of the same criterion: the earlier one stays in
/// the history (`GET /applications/{id}/inputs`), the latest counts. The urgency is for the
/// social worker of the case (the case manager or the team; 403 for others); the disability
/// severity is taken from the person's health data by whoever may read them (403 for others)
/// and its value is withheld from whoever may not. Requires `If-Match`. For the case team, the
/// area coordinator and the area's `administrative` staff. Send `Idempotency-Key` to make
/// retries safe.
#[utoipa::path(
    tag = "waiting-lists",
    operation_id = "record_application_input",
    params(("application_id" = Uuid, Path, description = "Application identifier."),
        IfMatchHeader, IdempotencyKeyHeader),
    request_body = InputRequest,
    responses(
        (status = 200, description = "The application with the input.", body = ApplicationResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 403, description = "Not allowed to keep the application, to assess the urgency or to read the health data.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No application with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The application is not open.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (JSON Pointers such as `/level`, `/source`, `/reference`).", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/applications/{application_id}/inputs")]
pub async fn record_application_input(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<ApplicationId>,
    body: Body<InputRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::KeepApplications, "application.input", "application");
    case_work::write(
        &state,
        caller,
        &req,
        application_target(id.0),
        op,
        body,
        move |work, request, if_match| {
            let application = application_of(work.conn(), id.0.uuid())?;
            let kind: CriterionKind = request.kind.into();
            work.detail("kind", kind.as_str());
            match kind {
                CriterionKind::Urgency if !work.also(Action::WriteCaseContent) => {
                    return Err(
                        work.refuse("the urgency is assessed by the social worker of the case")
                    );
                }
                CriterionKind::DisabilitySeverity if !work.also(Action::ReadSensitive) => {
                    return Err(work.refuse(
                        "the disability severity is taken from health data you may not read",
                    ));
                }
                _ => {}
            }
            let value = request.value(kind, work, application.person_id)?;
            let source: InputSource = match (request.source, kind) {
                (Some(s), _) => s.into(),
                (None, CriterionKind::DisabilitySeverity) => InputSource::HealthDisabilityData,
                (None, CriterionKind::Urgency) => InputSource::SocialWorkerAssessment,
                (None, _) => {
                    return Err(ApiError::from_domain(ValidationErrors::single(
                        "source",
                        "is required",
                    )));
                }
            };
            let as_of = request.as_of.unwrap_or(work.today());
            check_input(
                kind,
                value,
                source,
                as_of,
                request.reference.as_deref(),
                application.submitted_on,
                work.today(),
            )
            .map_err(ApiError::from_domain)?;
            if !application.status.is_open() {
                return Err(ApiError::Conflict(format!(
                    "the application is {}: its inputs are changed no more",
                    application.status
                )));
            }
            if_match.check(application.version)?;
            let (actor, now) = (work.actor(), work.now());
            let input = Input {
                kind,
                value,
                source,
                as_of,
                reference: request.reference.clone(),
                recorded_at: now,
                recorded_by: actor,
            };
            if !applications::record_input(work.conn(), &application, &input, actor, now)? {
                return Err(ApiError::PreconditionFailed(
                    "the application changed meanwhile; read it again and retry".into(),
                ));
            }
            let application = application_of(work.conn(), application.id)?;
            let sensitive = work.also(Action::ReadSensitive);
            let body = response(work.conn(), &application, sensitive)?;
            Ok(Answer::ok(&body, Some(application.version)))
        },
    )
    .await
}

/// Every input recorded for an application.
#[derive(Debug, Serialize, ToSchema)]
pub struct InputHistory {
    /// By criterion, then as recorded (a correction after what it corrects).
    pub items: Vec<InputItem>,
}

/// List the history of an application's inputs
///
/// Every input ever recorded for the application, corrections included, by criterion then
/// recording; the disability severity is withheld from whoever may not read the person's
/// health data. For whoever may read its case file; audited with the person.
#[utoipa::path(
    tag = "waiting-lists",
    operation_id = "list_application_inputs",
    params(("application_id" = Uuid, Path, description = "Application identifier.")),
    responses(
        (status = 200, description = "The inputs.", body = InputHistory),
        (status = 404, description = "No application with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/applications/{application_id}/inputs")]
pub async fn list_application_inputs(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<ApplicationId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "application.inputs", "application");
    let history = case_work::read(
        &state,
        caller,
        &req,
        application_target(id.0),
        op,
        move |work, _: NoQuery| {
            let found = applications::input_history(work.conn(), id.0.uuid())?;
            let sensitive = work.also(Action::ReadSensitive);
            work.detail("returned", found.len());
            Ok(InputHistory {
                items: found.iter().map(|i| InputItem::of(i, sensitive)).collect(),
            })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(history))
}

/// A change of an application's status.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"transition": "suspend", "occurred_on": "2026-12-04",
    "reason": "Ricovero ospedaliero"}))]
pub struct ApplicationTransitionRequest {
    /// The transition.
    pub transition: ApplicationTransitionCode,
    /// The day it happened (default today): not in the future, not before the last
    /// confirmation; for `expire`, after the reconfirmation day. Between 1900-01-01 and
    /// 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub occurred_on: Option<NaiveDate>,
    /// Why, 1-500 characters (required to `suspend`).
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: Option<String>,
}

/// Withdraw, suspend, resume, reconfirm or expire an application
///
/// `withdraw` when the person no longer wants the resource (also from `offered`); `suspend`
/// (with a `reason`) takes a `waiting` application off the ranking for a while and `resume`
/// puts it back; `reconfirm` records that the person still needs it: the reconfirmation period
/// of the resource starts again from `occurred_on`; `expire` closes an application not
/// reconfirmed by its `reconfirm_by` day (only after it). Requires `If-Match`. A transition not
/// allowed from the current status is 409 with the allowed ones. For the case team, the area
/// coordinator and the area's `administrative` staff. Send `Idempotency-Key` to make retries
/// safe.
#[utoipa::path(
    tag = "waiting-lists",
    operation_id = "transition_application",
    params(("application_id" = Uuid, Path, description = "Application identifier."),
        IfMatchHeader, IdempotencyKeyHeader),
    request_body = ApplicationTransitionRequest,
    responses(
        (status = 200, description = "The application after the change.", body = ApplicationResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 403, description = "Not in the case team, the area coordinator nor the area's administrative staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No application with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the current status.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (a day in the future or before the last confirmation, no reason to suspend, expiring before the reconfirmation day).", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/applications/{application_id}/transitions")]
pub async fn transition_application(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<ApplicationId>,
    body: Body<ApplicationTransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::KeepApplications,
        "application.transition",
        "application",
    );
    case_work::write(
        &state,
        caller,
        &req,
        application_target(id.0),
        op,
        body,
        move |work, request, if_match| {
            let application = application_of(work.conn(), id.0.uuid())?;
            let transition: ApplicationTransition = request.transition.into();
            work.event(format!("application.{}", transition.as_str()));
            let on = request.occurred_on.unwrap_or(work.today());
            let reason = request
                .reason
                .as_deref()
                .map(|r| socialcare_domain::project::required_text(r, 500))
                .transpose()
                .map_err(|e| ApiError::from_domain(ValidationErrors::single("reason", e)))?;
            check_application_change(
                &application,
                transition,
                on,
                reason.as_deref(),
                work.today(),
            )
            .map_err(ApiError::from_domain)?;
            let to = apply_application(application.status, transition).map_err(|e| {
                ApiError::IllegalTransition {
                    detail: e.to_string(),
                    allowed: application
                        .status
                        .allowed_transitions()
                        .iter()
                        .map(|t| t.as_str().to_owned())
                        .collect(),
                }
            })?;
            if application.status == ApplicationStatus::Offered
                && let Some(held) = admissions::latest_allocation(work.conn(), application.id)?
            {
                check_withdraw_offer(&held, on).map_err(ApiError::from_domain)?;
            }
            if_match.check(application.version)?;
            let next_by = match transition {
                ApplicationTransition::Reconfirm => {
                    let months = waiting_list::find_resource(work.conn(), application.resource_id)?
                        .map(|r| r.content.reconfirm_months)
                        .ok_or_else(|| {
                            ApiError::Internal("an application without its resource".into())
                        })?;
                    Some(reconfirm_by(on, months))
                }
                _ => None,
            };
            let change = ApplicationChange {
                transition,
                to,
                on,
                reason,
                reconfirm_by: next_by,
            };
            let (actor, now) = (work.actor(), work.now());
            if !applications::change_application(work.conn(), &application, &change, actor, now)? {
                return Err(ApiError::PreconditionFailed(
                    "the application changed meanwhile; read it again and retry".into(),
                ));
            }
            work.detail("on", on);
            let application = application_of(work.conn(), application.id)?;
            let sensitive = work.also(Action::ReadSensitive);
            let body = response(work.conn(), &application, sensitive)?;
            Ok(Answer::ok(&body, Some(application.version)))
        },
    )
    .await
}
