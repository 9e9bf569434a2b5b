//! Training and supervision of the staff: the events with the hours and credits they give,
//! who attended them, each staff member's register against the continuing-education
//! obligation, and the office's table. Staff data, not case data: no person is shown. Events
//! and attendance are kept by the `administrative` staff and the office manager; each staff
//! member reads their own register, the office manager (and the administrative staff) every
//! one. See `docs/training.md`.

use std::collections::BTreeSet;

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::ValidationErrors;
use socialcare_domain::access::Action;
use socialcare_domain::ids::{StaffUserId, TrainingEventId};
use socialcare_domain::names::clean;
use socialcare_domain::project::{optional_text, required_text};
use socialcare_domain::staff::Role;
use socialcare_domain::training::{
    CREDITS_REQUIRED, CreditPeriod, ETHICS_CREDITS_REQUIRED, EventContent, PeriodTotals,
    check_attendance, check_event, credits_earned, totals,
};
use socialcare_persistence::training::{self, EventQuery, TrainingEvent};
use socialcare_persistence::{AnyConnection, users};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, Answer, Checked, NoQuery, Op, Work, with_etag};
use crate::conditional::IfMatchHeader;
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::idempotency::IdempotencyKeyHeader;
use crate::routes::codes::TrainingKindCode;
use crate::state::AppState;

/// An event's description, to record it or to replace it.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "training",
    "title": "Etica e deontologia professionale",
    "provider": "Ordine degli assistenti sociali del Trentino-Alto Adige",
    "from_on": "2027-02-10",
    "until_on": "2027-02-10",
    "hours": 6,
    "credits": 6,
    "ethics_credits": 6
}))]
pub struct TrainingEventRequest {
    /// The kind.
    pub kind: TrainingKindCode,
    /// The title, 1-200 characters.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// Who gives it, 1-200 characters.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub provider: String,
    /// First day. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub from_on: NaiveDate,
    /// Last day (inclusive): not before `from_on`, less than a year after it; its credits count
    /// in the three-year period of this day. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub until_on: NaiveDate,
    /// Length in hours, 1-1000.
    #[validate(range(min = 1, max = 1000))]
    #[schema(minimum = 1, maximum = 1000, format = Int32)]
    pub hours: u16,
    /// Professional credits it gives to whoever attends at least 80 % of its hours, 0-60.
    #[validate(range(max = 60))]
    #[schema(minimum = 0, maximum = 60, format = Int32)]
    pub credits: u16,
    /// Of which on ethics and professional conduct, 0-`credits`.
    #[validate(range(max = 60))]
    #[schema(minimum = 0, maximum = 60, format = Int32)]
    pub ethics_credits: u16,
    /// Notes, 1-2000 characters.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub notes: Option<String>,
}

impl TrainingEventRequest {
    fn content(&self) -> Result<EventContent, ApiError> {
        let mut errors = ValidationErrors::new();
        let title = errors.collect("title", required_text(&clean(&self.title), 200));
        let provider = errors.collect("provider", required_text(&clean(&self.provider), 200));
        let notes = errors.collect("notes", optional_text(self.notes.as_deref(), 2000));
        let (Some(title), Some(provider), Some(notes)) = (title, provider, notes) else {
            return Err(ApiError::from_domain(errors));
        };
        let content = EventContent {
            kind: self.kind.into(),
            title,
            provider,
            from_on: self.from_on,
            until_on: self.until_on,
            hours: self.hours,
            credits: self.credits,
            ethics_credits: self.ethics_credits,
            notes,
        };
        check_event(&content).map_err(ApiError::from_domain)?;
        Ok(content)
    }
}

/// A training or supervision event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrainingEventResponse {
    /// Identifier.
    pub id: Uuid,
    /// The kind.
    pub kind: TrainingKindCode,
    /// The title.
    pub title: String,
    /// Who gives it.
    pub provider: String,
    /// First day.
    pub from_on: NaiveDate,
    /// Last day (inclusive).
    pub until_on: NaiveDate,
    /// Length in hours.
    #[schema(format = Int32)]
    pub hours: u16,
    /// Credits it gives.
    #[schema(format = Int32)]
    pub credits: u16,
    /// Of which on ethics and professional conduct.
    #[schema(format = Int32)]
    pub ethics_credits: u16,
    /// The three-year period its credits count in, e.g. `2026-2028`.
    #[schema(example = "2026-2028")]
    pub credit_period: String,
    /// Notes.
    pub notes: Option<String>,
    /// Version, also sent as `ETag`.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
}

impl From<&TrainingEvent> for TrainingEventResponse {
    fn from(e: &TrainingEvent) -> Self {
        let c = &e.content;
        Self {
            id: e.id,
            kind: c.kind.into(),
            title: c.title.clone(),
            provider: c.provider.clone(),
            from_on: c.from_on,
            until_on: c.until_on,
            hours: c.hours,
            credits: c.credits,
            ethics_credits: c.ethics_credits,
            credit_period: CreditPeriod::of(c.until_on).to_string(),
            notes: c.notes.clone(),
            version: e.version,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

fn event_of(conn: &mut AnyConnection, id: Uuid) -> Result<TrainingEvent, ApiError> {
    training::find_event(conn, id)?
        .ok_or_else(|| ApiError::NotFound("no training event with this id".into()))
}

/// Record a training or supervision event
///
/// Records an event with its hours and the professional credits it gives. For the
/// `administrative` staff and the office manager. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "training",
    operation_id = "create_training_event",
    params(IdempotencyKeyHeader),
    request_body = TrainingEventRequest,
    responses(
        (status = 201, description = "Recorded.", body = TrainingEventResponse,
            headers(("Location" = String, description = "URL of the event."), ("ETag" = String, description = "Version, for If-Match."))),
        (status = 403, description = "Not administrative staff nor the office manager.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (JSON Pointers such as `/ethics_credits`).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/training-events")]
pub async fn create_training_event(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Body<TrainingEventRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ManageTraining,
        "training_event.create",
        "training_event",
    );
    case_work::create(&state, caller, &req, op, body, |work, request, _| {
        let content = request.content()?;
        let (actor, now) = (work.actor(), work.now());
        let event = training::insert_event(work.conn(), &content, actor, now)?;
        work.resource(event.id);
        Ok(Answer::created(
            &TrainingEventResponse::from(&event),
            format!("/api/v1/training-events/{}", event.id),
            Some(event.version),
        ))
    })
    .await
}

/// Filters and position of the events list.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrainingEventListQuery {
    /// Only events ending on or after this day. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[param(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub from: Option<NaiveDate>,
    /// Only events starting on or before this day. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[param(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub to: Option<NaiveDate>,
    /// Only events of this kind.
    pub kind: Option<TrainingKindCode>,
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

/// One page of events.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrainingEventPage {
    /// The events, by first day.
    pub items: Vec<TrainingEventResponse>,
    /// Link to the next page, or null on the last one.
    pub next: Option<String>,
}

/// List training and supervision events
///
/// The events by first day, filtered by period and kind. For every staff member.
#[utoipa::path(
    tag = "training",
    operation_id = "list_training_events",
    params(TrainingEventListQuery),
    responses(
        (status = 200, description = "One page of events.", body = TrainingEventPage),
        (status = 400, description = "Invalid filter or cursor.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/training-events")]
pub async fn list_training_events(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadOwnAccount,
        "training_event.list",
        "training_event",
    );
    let query = req.query_string().to_owned();
    let page = case_work::list(
        &state,
        caller,
        &req,
        op,
        move |work, q: TrainingEventListQuery| {
            let limit = q.limit.unwrap_or(50);
            let after = q
                .cursor
                .as_deref()
                .map(|c| {
                    let text = crate::cursor::decode(c)?;
                    text.strip_prefix("training|")
                        .and_then(|rest| rest.split_once('|'))
                        .and_then(|(day, id)| {
                            Some((day.parse::<NaiveDate>().ok()?, Uuid::parse_str(id).ok()?))
                        })
                        .ok_or_else(|| {
                            ApiError::bad_parameter("cursor", "not a position of this list")
                        })
                })
                .transpose()?;
            let mut found = training::list_events(
                work.conn(),
                &EventQuery {
                    from: q.from,
                    to: q.to,
                    kind: q.kind.map(Into::into),
                    after,
                    limit: i64::from(limit) + 1,
                },
            )?;
            let next = crate::cursor::cut(
                &mut found,
                limit as usize,
                "/api/v1/training-events",
                &query,
                |last| format!("training|{}|{}", last.content.from_on, last.id),
            );
            work.detail("returned", found.len());
            Ok(TrainingEventPage {
                items: found.iter().map(TrainingEventResponse::from).collect(),
                next,
            })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Read a training or supervision event
///
/// One event. For every staff member.
#[utoipa::path(
    tag = "training",
    operation_id = "get_training_event",
    params(("event_id" = Uuid, Path, description = "Event identifier.")),
    responses(
        (status = 200, description = "The event.", body = TrainingEventResponse,
            headers(("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No event with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/training-events/{event_id}")]
pub async fn get_training_event(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<TrainingEventId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadOwnAccount,
        "training_event.read",
        "training_event",
    );
    let event = case_work::list(&state, caller, &req, op, move |work, _: NoQuery| {
        work.resource(id.0);
        event_of(work.conn(), id.0.uuid())
    })
    .await?;
    Ok(with_etag(
        event.version,
        &TrainingEventResponse::from(&event),
    ))
}

/// Replace a training or supervision event
///
/// Replaces an event's description. Its hours never fall below the hours a staff member is
/// recorded as attending (409). Requires `If-Match`. For the `administrative` staff and the
/// office manager. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "training",
    operation_id = "replace_training_event",
    params(("event_id" = Uuid, Path, description = "Event identifier."), IfMatchHeader, IdempotencyKeyHeader),
    request_body = TrainingEventRequest,
    responses(
        (status = 200, description = "The event after the change.", body = TrainingEventResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 403, description = "Not administrative staff nor the office manager.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No event with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Fewer hours than a staff member attended.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/training-events/{event_id}")]
pub async fn replace_training_event(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<TrainingEventId>,
    body: Body<TrainingEventRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ManageTraining,
        "training_event.update",
        "training_event",
    );
    let check = move |work: &mut Work<'_>| {
        work.resource(id.0);
        training::lock_event(work.conn(), id.0.uuid())?;
        event_of(work.conn(), id.0.uuid())
    };
    let then = |work: &mut Work<'_>,
                request: TrainingEventRequest,
                if_match: case_work::IfMatch,
                current: TrainingEvent| {
        let content = request.content()?;
        let most = training::most_hours_attended(work.conn(), current.id)?;
        if content.hours < most {
            return Err(ApiError::Conflict(format!(
                "a staff member is recorded as attending {most} hours: the event lasts at least that"
            )));
        }
        if_match.check(current.version)?;
        let (actor, now) = (work.actor(), work.now());
        if !training::update_event(work.conn(), &current, &content, actor, now)? {
            return Err(ApiError::PreconditionFailed(
                "the event changed meanwhile; read it again and retry".into(),
            ));
        }
        let event = event_of(work.conn(), current.id)?;
        Ok(Answer::ok(
            &TrainingEventResponse::from(&event),
            Some(event.version),
        ))
    };
    case_work::office_checked(&state, caller, &req, op, body, Checked { check, then }).await
}

/// The hours a staff member attended.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"hours": 6}))]
pub struct AttendanceRequest {
    /// Hours attended, 0 (absent) to the event's hours.
    #[validate(range(max = 1000))]
    #[schema(minimum = 0, maximum = 1000, format = Int32)]
    pub hours: u16,
}

/// A staff member's attendance of an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceItem {
    /// The staff member.
    pub user_id: Uuid,
    /// Hours attended.
    #[schema(format = Int32)]
    pub hours: u16,
    /// Credits earned (all of the event's from 80 % of its hours, none below).
    #[schema(format = Int32)]
    pub credits: u32,
    /// Of which on ethics.
    #[schema(format = Int32)]
    pub ethics_credits: u32,
}

/// The attendance of an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceList {
    /// The event.
    pub event_id: Uuid,
    /// Who attended, by staff member id.
    pub items: Vec<AttendanceItem>,
}

fn attendance_list(
    conn: &mut AnyConnection,
    event: &TrainingEvent,
) -> Result<AttendanceList, ApiError> {
    let items = training::attendance_of(conn, event.id)?
        .into_iter()
        .map(|(user_id, hours)| {
            let (credits, ethics_credits) = credits_earned(&event.content, hours);
            AttendanceItem {
                user_id,
                hours,
                credits,
                ethics_credits,
            }
        })
        .collect();
    Ok(AttendanceList {
        event_id: event.id,
        items,
    })
}

/// Record a staff member's attendance
///
/// Records (or corrects) the hours a staff member attended an event: 0 for absent, at most the
/// event's hours. The answer is the event's whole attendance. For the `administrative` staff
/// and the office manager. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "training",
    operation_id = "record_training_attendance",
    params(("event_id" = Uuid, Path, description = "Event identifier."),
        ("user_id" = Uuid, Path, description = "Staff member identifier."), IdempotencyKeyHeader),
    request_body = AttendanceRequest,
    responses(
        (status = 200, description = "The event's attendance.", body = AttendanceList),
        (status = 403, description = "Not administrative staff nor the office manager.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No event, or no staff member, with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "More hours than the event lasts (`/hours`).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/training-events/{event_id}/attendees/{user_id}")]
pub async fn record_training_attendance(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<TrainingEventId>,
    user: Id<StaffUserId>,
    body: Body<AttendanceRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ManageTraining,
        "training_event.attendance",
        "training_event",
    );
    let check = move |work: &mut Work<'_>| {
        work.resource(id.0);
        training::lock_event(work.conn(), id.0.uuid())?;
        let event = event_of(work.conn(), id.0.uuid())?;
        if users::find(work.conn(), user.0.uuid())?.is_none() {
            return Err(ApiError::NotFound("no staff member with this id".into()));
        }
        Ok(event)
    };
    let then = move |work: &mut Work<'_>,
                     request: AttendanceRequest,
                     _: case_work::IfMatch,
                     event: TrainingEvent| {
        check_attendance(&event.content, request.hours)
            .map_err(|e| ApiError::from_domain(ValidationErrors::single("hours", e)))?;
        let (actor, now) = (work.actor(), work.now());
        training::record_attendance(
            work.conn(),
            event.id,
            user.0.uuid(),
            request.hours,
            actor,
            now,
        )?;
        work.detail("user_id", user.0.uuid())
            .detail("hours", request.hours);
        Ok(Answer::ok(&attendance_list(work.conn(), &event)?, None))
    };
    case_work::office_checked(&state, caller, &req, op, body, Checked { check, then }).await
}

/// The attendance of an event
///
/// Who attended the event, for how many hours, with the credits each earned. For the
/// `administrative` staff and the office manager.
#[utoipa::path(
    tag = "training",
    operation_id = "list_training_attendance",
    params(("event_id" = Uuid, Path, description = "Event identifier.")),
    responses(
        (status = 200, description = "The attendance.", body = AttendanceList),
        (status = 404, description = "No event with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/training-events/{event_id}/attendees")]
pub async fn list_training_attendance(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<TrainingEventId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ManageTraining,
        "training_event.attendance_list",
        "training_event",
    );
    let list = case_work::list(&state, caller, &req, op, move |work, _: NoQuery| {
        work.resource(id.0);
        let event = event_of(work.conn(), id.0.uuid())?;
        attendance_list(work.conn(), &event)
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// The three-year period asked.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegisterQuery {
    /// The first year of the three-year period (2014, 2017, … 2026, 2029…; default the period
    /// of today).
    #[validate(range(min = 1901, max = 2197))]
    #[param(minimum = 1901, maximum = 2197)]
    pub period: Option<i32>,
}

impl RegisterQuery {
    fn period(&self, today: NaiveDate) -> Result<CreditPeriod, ApiError> {
        match self.period {
            None => Ok(CreditPeriod::of(today)),
            Some(year) => CreditPeriod::starting(year).ok_or_else(|| {
                ApiError::bad_parameter(
                    "period",
                    format!(
                        "a three-year period starts in 2014, 2017, … {}",
                        CreditPeriod::of(today).first_year
                    ),
                )
            }),
        }
    }
}

/// A staff member's totals in a three-year period.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterTotals {
    /// The period, e.g. `2026-2028`.
    #[schema(example = "2026-2028")]
    pub period: String,
    /// Hours of training and supervision attended.
    #[schema(format = Int32)]
    pub hours: u32,
    /// Credits earned.
    #[schema(format = Int32)]
    pub credits: u32,
    /// Of which on ethics and professional conduct.
    #[schema(format = Int32)]
    pub ethics_credits: u32,
    /// Credits required in the period (60).
    #[schema(format = Int32)]
    pub credits_required: u32,
    /// Ethics credits required in the period (15).
    #[schema(format = Int32)]
    pub ethics_credits_required: u32,
    /// Credits still missing.
    #[schema(format = Int32)]
    pub credits_missing: u32,
    /// Ethics credits still missing.
    #[schema(format = Int32)]
    pub ethics_credits_missing: u32,
    /// Whether the obligation is met.
    pub met: bool,
}

impl From<PeriodTotals> for RegisterTotals {
    fn from(t: PeriodTotals) -> Self {
        Self {
            period: t.period.to_string(),
            hours: t.hours,
            credits: t.credits,
            ethics_credits: t.ethics_credits,
            credits_required: CREDITS_REQUIRED,
            ethics_credits_required: ETHICS_CREDITS_REQUIRED,
            credits_missing: t.credits_missing,
            ethics_credits_missing: t.ethics_credits_missing,
            met: t.met(),
        }
    }
}

/// One event in a register.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterEvent {
    /// The event.
    pub event: TrainingEventResponse,
    /// Hours attended.
    #[schema(format = Int32)]
    pub hours_attended: u16,
    /// Credits earned.
    #[schema(format = Int32)]
    pub credits: u32,
    /// Of which on ethics.
    #[schema(format = Int32)]
    pub ethics_credits: u32,
}

/// A staff member's training register for a three-year period.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrainingRegister {
    /// The staff member.
    pub user_id: Uuid,
    /// Whether the continuing-education obligation of social workers applies to them (social
    /// workers and area coordinators).
    pub obligation: bool,
    /// Totals of the period.
    pub totals: RegisterTotals,
    /// The events attended that end in the period, by last day.
    pub events: Vec<RegisterEvent>,
}

fn has_obligation(roles: &BTreeSet<Role>) -> bool {
    roles.contains(&Role::SocialWorker) || roles.contains(&Role::AreaCoordinator)
}

/// A staff member's training register
///
/// The events a staff member attended in a three-year period (`period`, default today's),
/// with the hours, the credits earned and how far they are from the obligation of 60 credits,
/// 15 of them on ethics. For the staff member themselves, the office manager and the
/// `administrative` staff (others: 403).
#[utoipa::path(
    tag = "training",
    operation_id = "get_training_register",
    params(("user_id" = Uuid, Path, description = "Staff member identifier."), RegisterQuery),
    responses(
        (status = 200, description = "The register.", body = TrainingRegister),
        (status = 400, description = "Not a period's first year.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Another staff member's register, for someone who does not keep the table.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No staff member with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{user_id}/training-register")]
pub async fn get_training_register(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    user: Id<StaffUserId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadOwnAccount, "training.register", "user");
    let register = case_work::list(&state, caller, &req, op, move |work, q: RegisterQuery| {
        let user_id = user.0.uuid();
        work.resource(user_id);
        let keeps_table = work.caller().user.profile.roles().iter().any(|r| {
            matches!(r, Role::OfficeManager | Role::Administrative)
        });
        if user_id != work.actor() && !keeps_table {
            return Err(work.refuse(
                "a training register is read by its staff member, the office manager and the administrative staff",
            ));
        }
        let staff = users::find(work.conn(), user_id)?
            .ok_or_else(|| ApiError::NotFound("no staff member with this id".into()))?;
        let period = q.period(work.today())?;
        let attended = training::attended_by(
            work.conn(),
            Some(&[user_id]),
            period.first_day(),
            period.last_day(),
        )?
        .remove(&user_id)
        .unwrap_or_default();
        let counted: Vec<_> = attended.iter().map(|(_, a)| *a).collect();
        Ok(TrainingRegister {
            user_id,
            obligation: has_obligation(staff.profile.roles()),
            totals: totals(period, &counted).into(),
            events: attended
                .iter()
                .map(|(event, a)| RegisterEvent {
                    event: TrainingEventResponse::from(event),
                    hours_attended: a.hours,
                    credits: a.credits,
                    ethics_credits: a.ethics_credits,
                })
                .collect(),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(register))
}

/// One staff member's line of the office's table.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrainingTableRow {
    /// The staff member.
    pub user_id: Uuid,
    /// Their login name.
    pub username: String,
    /// Their name.
    pub display_name: String,
    /// Whether the obligation applies to them.
    pub obligation: bool,
    /// Their totals.
    pub totals: RegisterTotals,
}

/// The office's training table for a three-year period.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrainingTable {
    /// The period, e.g. `2026-2028`.
    pub period: String,
    /// Every active staff member who works cases, those with the obligation first, then by
    /// login name.
    pub items: Vec<TrainingTableRow>,
}

/// The office's training table
///
/// For a three-year period (`period`, default today's), every active staff member who works
/// cases with their hours and credits and how far they are from the obligation. For the office
/// manager and the `administrative` staff.
#[utoipa::path(
    tag = "training",
    operation_id = "get_training_table",
    params(RegisterQuery),
    responses(
        (status = 200, description = "The table.", body = TrainingTable),
        (status = 400, description = "Not a period's first year.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/training-table")]
pub async fn get_training_table(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadTrainingTable, "training.table", "office");
    let table = case_work::list(&state, caller, &req, op, move |work, q: RegisterQuery| {
        let period = q.period(work.today())?;
        let staff = users::list(
            work.conn(),
            // The office's staff: hundreds of accounts, one page.
            &users::UserQuery {
                active: Some(true),
                limit: 100_000,
                ..Default::default()
            },
        )?;
        let mut attended =
            training::attended_by(work.conn(), None, period.first_day(), period.last_day())?;
        let mut items: Vec<TrainingTableRow> = staff
            .into_iter()
            .filter(|u| {
                u.profile
                    .roles()
                    .iter()
                    .any(|r| !matches!(r, Role::SystemAdmin | Role::PrivacyOfficer))
            })
            .map(|u| {
                let counted: Vec<_> = attended
                    .remove(&u.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(_, a)| a)
                    .collect();
                TrainingTableRow {
                    user_id: u.id,
                    username: u.username.as_str().to_owned(),
                    display_name: u.display_name.as_str().to_owned(),
                    obligation: has_obligation(u.profile.roles()),
                    totals: totals(period, &counted).into(),
                }
            })
            .collect();
        items.sort_by(|a, b| {
            b.obligation
                .cmp(&a.obligation)
                .then_with(|| a.username.cmp(&b.username))
        });
        work.detail("returned", items.len());
        Ok(TrainingTable {
            period: period.to_string(),
            items,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(table))
}
