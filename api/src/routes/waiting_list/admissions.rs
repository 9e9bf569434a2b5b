//! Offers and admissions: the coordinator of the file's area or the office manager offers a
//! place of a resource to an application, admits (accepting the offer, or from the list),
//! records a declined offer or the person leaving. A place is taken under the resource's
//! occupancy lock, offers past their answer day lapse first, and the database bounds the places
//! held whatever happens (`resource_occupancy`). Rules: `socialcare_domain::waiting_list`
//! (`check_decision`, `take_place`, `places_ceiling`).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::ValidationErrors;
use socialcare_domain::access::Action;
use socialcare_domain::ids::{ApplicationId, ResourceId};
use socialcare_domain::waiting_list::{
    Allocation, AllocationDecision, AllocationState, ApplicationStatus, DecisionError,
    DecisionRequest, Effect, NoFreePlace, places_ceiling, places_on, take_place,
};
use socialcare_persistence::admissions::{
    self, HeldChange, NO_FREE_PLACE, NewAllocation, ONE_HOLD_PER_APPLICATION,
};
use socialcare_persistence::{StoreError, waiting_list};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::applications::{ApplicationResponse, application_of, application_target, response};
use super::ranking::ranking_on;
use crate::auth::Caller;
use crate::case_work::{self, Answer, NoQuery, Op};
use crate::conditional::IfMatchHeader;
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::idempotency::IdempotencyKeyHeader;
use crate::routes::codes::{AllocationDecisionCode, AllocationStateCode, ExitCode};
use crate::state::AppState;

/// What the office decides on an application's place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AskedDecisionCode {
    /// Offer a free place to a `waiting` application, held until `respond_by`.
    Offer,
    /// Admit: accepting the open offer, or directly a `waiting` application (taking a free
    /// place).
    Admit,
    /// The person declined the open offer: the place is free again.
    Decline,
    /// The admitted person left the service: the place is free again.
    Leave,
}

impl From<AskedDecisionCode> for AllocationDecision {
    fn from(code: AskedDecisionCode) -> Self {
        match code {
            AskedDecisionCode::Offer => AllocationDecision::Offer,
            AskedDecisionCode::Admit => AllocationDecision::Admit,
            AskedDecisionCode::Decline => AllocationDecision::Decline,
            AskedDecisionCode::Leave => AllocationDecision::Leave,
        }
    }
}

/// A decision on an application's place.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "offer", "respond_by": "2026-12-11"}))]
pub struct DecisionBody {
    /// What is decided.
    pub decision: AskedDecisionCode,
    /// The day it happened (default today): not in the future; not before the submission (an
    /// offer, an admission from the list), the offer (accepting, declining) or the admission
    /// (leaving). Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub occurred_on: Option<NaiveDate>,
    /// For `offer` (required, and only there): the last day to answer, from today to 30 days
    /// after the offer. The place is held until then; the day after, the offer lapses and the
    /// application is back on the list. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub respond_by: Option<NaiveDate>,
    /// Why, 1-500 characters: required to give a place (`offer`, `admit` from the list) to an
    /// application that is not first in today's ranking, and with the exit `other`.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: Option<String>,
    /// For `leave` (required, and only there): why the person left.
    pub exit: Option<ExitCode>,
}

/// A decision recorded on an application's place.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionItem {
    /// The allocation it concerns.
    pub allocation_id: Uuid,
    /// What was decided (`lapse`: no answer by the answer day, recorded by the request that
    /// found it; `withdraw`: the application was withdrawn with the offer open).
    pub decision: AllocationDecisionCode,
    /// The day it happened.
    pub occurred_on: NaiveDate,
    /// Why.
    pub reason: Option<String>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it.
    pub recorded_by: Uuid,
}

/// The place of an application: its latest offer or admission.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceItem {
    /// Identifier of the allocation.
    pub id: Uuid,
    /// Where it stands; `offered` and `admitted` hold a place of the resource.
    pub state: AllocationStateCode,
    /// The day of the offer (null for an admission from the list).
    pub offered_on: Option<NaiveDate>,
    /// The last day to answer the offer.
    pub respond_by: Option<NaiveDate>,
    /// True when the offer's answer day has passed: it lapses (and frees its place) at the
    /// next decision on the resource.
    pub answer_overdue: bool,
    /// The day of the admission.
    pub admitted_on: Option<NaiveDate>,
    /// The day it stopped holding the place.
    pub ended_on: Option<NaiveDate>,
    /// Why the person left.
    pub exit: Option<ExitCode>,
    /// Why the place went to an application that was not first in the ranking.
    pub out_of_order_reason: Option<String>,
}

impl PlaceItem {
    /// The allocation as answered on `today`.
    pub fn of(a: &Allocation, today: NaiveDate) -> Self {
        Self {
            id: a.id,
            state: a.state.into(),
            offered_on: a.offered_on,
            respond_by: a.respond_by,
            answer_overdue: a.lapsed_on(today),
            admitted_on: a.admitted_on,
            ended_on: a.ended_on,
            exit: a.exit.map(Into::into),
            out_of_order_reason: a.out_of_order_reason.clone(),
        }
    }
}

/// The decisions on the places of an application, as answered.
pub fn decision_items(events: &[admissions::DecisionEvent]) -> Vec<DecisionItem> {
    events
        .iter()
        .map(|e| DecisionItem {
            allocation_id: e.allocation_id,
            decision: e.decision.into(),
            occurred_on: e.on,
            reason: e.reason.clone(),
            recorded_at: e.recorded_at,
            recorded_by: e.recorded_by,
        })
        .collect()
}

fn no_free_place(e: NoFreePlace) -> ApiError {
    ApiError::Conflict(format!(
        "no free place: {} of {} held by offers and admissions",
        e.held, e.ceiling
    ))
}

fn taken(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict(c) if c == NO_FREE_PLACE => {
            ApiError::Conflict("no free place: every place is held".into())
        }
        StoreError::Conflict(c) if c == ONE_HOLD_PER_APPLICATION => {
            ApiError::Conflict("the application already holds a place".into())
        }
        other => other.into(),
    }
}

/// Decide on an application's place: offer, admit, decline, leave
///
/// `offer` holds a free place of the resource for a `waiting` application until `respond_by`
/// (the application becomes `offered`; the day after, the offer lapses and the application is
/// back to `waiting`); `admit` accepts the open offer, or admits a `waiting` application
/// directly, taking a free place (`admitted`); `decline` records that the person declined the
/// offer (`declined`: the place is free again); `leave` records that the admitted person left
/// the service, with the `exit` (the place is free again). Giving a place to an application
/// that is not first in today's ranking needs a `reason` (422 otherwise), kept with the
/// allocation. A place is taken only while one is free, today and on every later day of the
/// resource's places (409 otherwise): never more offers and admissions than places, also under
/// simultaneous requests from several server processes. A decision not allowed where the
/// application stands is 409 with `allowed`. Requires `If-Match` (the application's version).
/// For the coordinator of the file's area and the office manager; audited with the person as
/// `application.offer`, `.admit`, `.decline`, `.leave`. Send `Idempotency-Key` to make retries
/// safe.
#[utoipa::path(
    tag = "waiting-lists",
    operation_id = "decide_application_place",
    params(("application_id" = Uuid, Path, description = "Application identifier."),
        IfMatchHeader, IdempotencyKeyHeader),
    request_body = DecisionBody,
    responses(
        (status = 200, description = "The application after the decision, with its place.", body = ApplicationResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 403, description = "Not the coordinator of the file's area nor the office manager.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No application with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No free place, a closed resource, or a decision not allowed where the application stands.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (a day in the future or too early, no answer day for an offer, no exit to leave, no reason out of the ranking's order).", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/applications/{application_id}/decisions")]
pub async fn decide_application_place(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<ApplicationId>,
    body: Body<DecisionBody>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::DecideAdmissions,
        "application.decision",
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
            let seen = application_of(work.conn(), id.0.uuid())?;
            let decision: AllocationDecision = request.decision.into();
            work.event(format!("application.{}", decision.as_str()));
            let reason = request
                .reason
                .as_deref()
                .map(|r| socialcare_domain::project::required_text(r, 500))
                .transpose()
                .map_err(|e| ApiError::from_domain(ValidationErrors::single("reason", e)))?;
            let (actor, now, today) = (work.actor(), work.now(), work.today());
            let resource = waiting_list::find_resource(work.conn(), seen.resource_id)?
                .ok_or_else(|| ApiError::Internal("an application without its resource".into()))?;
            // Decisions on one resource, one after the other; offers past their answer day
            // free their places first.
            let occupancy = admissions::lock_occupancy(work.conn(), resource.id)?
                .ok_or_else(|| ApiError::Internal("a resource without its occupancy".into()))?;
            let lapsed = admissions::lapse_offers(work.conn(), resource.id, today, actor, now)?;
            let application = if lapsed.is_empty() {
                seen.clone()
            } else {
                application_of(work.conn(), seen.id)?
            };
            let current = admissions::latest_allocation(work.conn(), application.id)?;
            let position = if application.status == ApplicationStatus::Waiting
                && matches!(
                    decision,
                    AllocationDecision::Offer | AllocationDecision::Admit
                ) {
                ranking_on(work.conn(), resource.id, today)?
                    .ranked
                    .iter()
                    .find(|r| r.applicant.id == application.id)
                    .map(|r| r.position)
            } else {
                None
            };
            let asked = DecisionRequest {
                decision,
                on: request.occurred_on.unwrap_or(today),
                respond_by: request.respond_by,
                reason: reason.clone(),
                exit: request.exit.map(Into::into),
            };
            let effect = socialcare_domain::waiting_list::check_decision(
                &application,
                current.as_ref(),
                &asked,
                position,
                today,
            )
            .map_err(|e| match e {
                DecisionError::Invalid(errors) => ApiError::from_domain(errors),
                DecisionError::NotAllowed { detail, allowed } => ApiError::IllegalTransition {
                    detail,
                    allowed: allowed.iter().map(|d| d.as_str().to_owned()).collect(),
                },
            })?;
            // The client's version is that of the application it saw (before any lapse).
            if_match.check(seen.version)?;
            if effect.takes_place() {
                if let Some(closed) = resource.closed_on.filter(|c| *c <= today) {
                    return Err(ApiError::Conflict(format!(
                        "the resource closed on {closed}: it gives no places"
                    )));
                }
                // The ceiling grows as days pass (a lower capacity behind us); never below
                // what is held.
                let ceiling = places_ceiling(&resource.capacity, today).max(occupancy.held);
                if ceiling != occupancy.ceiling {
                    admissions::set_ceiling(work.conn(), resource.id, ceiling)?;
                }
                let held_now = occupancy
                    .held
                    .saturating_sub(u32::try_from(lapsed.len()).unwrap_or(0));
                take_place(held_now, ceiling).map_err(no_free_place)?;
                let new = NewAllocation {
                    state: if effect == Effect::Offer {
                        AllocationState::Offered
                    } else {
                        AllocationState::Admitted
                    },
                    on: asked.on,
                    respond_by: asked.respond_by,
                    reason: if position == Some(1) {
                        None
                    } else {
                        reason.clone()
                    },
                };
                if !admissions::take(work.conn(), &application, &new, actor, now).map_err(taken)? {
                    return Err(stale());
                }
            } else {
                let held = current
                    .as_ref()
                    .ok_or_else(|| ApiError::Internal("a decision without its place".into()))?;
                let to = match effect {
                    Effect::Accept => Some(ApplicationStatus::Admitted),
                    Effect::Decline => Some(ApplicationStatus::Declined),
                    _ => None,
                };
                let change = HeldChange {
                    decision,
                    on: asked.on,
                    reason: reason.clone(),
                    exit: asked.exit,
                };
                if !admissions::change_held(
                    work.conn(),
                    held,
                    application.version,
                    to,
                    &change,
                    actor,
                    now,
                )? {
                    return Err(stale());
                }
            }
            work.detail("on", asked.on)
                .detail("resource_id", resource.id);
            if let Some(p) = position {
                work.detail("position", p);
            }
            if !lapsed.is_empty() {
                work.detail("lapsed_offers", lapsed.len());
            }
            let application = application_of(work.conn(), application.id)?;
            let sensitive = work.also(Action::ReadSensitive);
            let body = response(work.conn(), &application, sensitive)?;
            Ok(Answer::ok(&body, Some(application.version)))
        },
    )
    .await
}

fn stale() -> ApiError {
    ApiError::PreconditionFailed(
        "the application changed meanwhile; read it again and retry".into(),
    )
}

/// One place held of a resource.
#[derive(Debug, Serialize, ToSchema)]
pub struct HolderItem {
    /// The application.
    pub application_id: Uuid,
    /// Its protocol number.
    pub protocol: String,
    /// The person.
    pub person_id: Uuid,
    /// The case file.
    pub case_file_id: Uuid,
    /// The offer or admission.
    pub place: PlaceItem,
}

/// The places of a resource today and who holds them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlacesResponse {
    /// The resource.
    pub resource_id: Uuid,
    /// Today (Europe/Rome).
    pub on: NaiveDate,
    /// The places the resource has today.
    #[schema(format = Int32)]
    pub places_today: u32,
    /// The places that may be held today: the fewest the resource has today or on any later
    /// day (an admission has no planned end).
    #[schema(format = Int32)]
    pub places_holdable: u32,
    /// The places held by open offers and admissions.
    #[schema(format = Int32)]
    pub held: u32,
    /// Of those, the offers whose answer day has passed: their places are freed at the next
    /// decision on the resource.
    #[schema(format = Int32)]
    pub answer_overdue: u32,
    /// The places free for an offer or an admission now.
    #[schema(format = Int32)]
    pub free: u32,
    /// Who holds them, by the day the place was given.
    pub holders: Vec<HolderItem>,
}

/// Read the places of a resource and who holds them
///
/// Today's places of the resource, how many may be held (the fewest it has today or later),
/// how many offers and admissions hold, how many are free, and every holder with its
/// application's protocol number, person and case file. For the area coordinators, the office
/// manager and the `administrative` staff; the audit record links every person shown.
#[utoipa::path(
    tag = "waiting-lists",
    operation_id = "get_resource_places",
    params(("resource_id" = Uuid, Path, description = "Resource identifier.")),
    responses(
        (status = 200, description = "The places and their holders.", body = PlacesResponse),
        (status = 403, description = "Not an area coordinator, the office manager nor administrative staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No resource with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/resources/{resource_id}/places")]
pub async fn get_resource_places(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<ResourceId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadRanking, "resource.places", "resource");
    let body = case_work::list(&state, caller, &req, op, move |work, _: NoQuery| {
        work.resource(id.0);
        let resource = waiting_list::find_resource(work.conn(), id.0.uuid())?
            .ok_or_else(|| ApiError::NotFound("no resource with this id".into()))?;
        let today = work.today();
        let holders = admissions::holders(work.conn(), resource.id)?;
        let held = u32::try_from(holders.len()).unwrap_or(u32::MAX);
        let overdue = u32::try_from(
            holders
                .iter()
                .filter(|h| h.allocation.lapsed_on(today))
                .count(),
        )
        .unwrap_or(u32::MAX);
        let holdable = places_ceiling(&resource.capacity, today);
        work.shows(holders.iter().map(|h| h.person_id))
            .detail("returned", holders.len());
        Ok(PlacesResponse {
            resource_id: resource.id,
            on: today,
            places_today: places_on(&resource.capacity, today),
            places_holdable: holdable,
            held,
            answer_overdue: overdue,
            free: holdable.saturating_sub(held - overdue),
            holders: holders
                .iter()
                .map(|h| HolderItem {
                    application_id: h.allocation.application_id,
                    protocol: h.protocol.to_string(),
                    person_id: h.person_id,
                    case_file_id: h.case_file_id,
                    place: PlaceItem::of(&h.allocation, today),
                })
                .collect(),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}
