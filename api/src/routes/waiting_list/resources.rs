//! Care resources: recording, listing, reading and changing them, and their places over time.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::access::Action;
use socialcare_domain::ids::ResourceId;
use socialcare_domain::names::clean;
use socialcare_domain::project::{optional_text, required_text};
use socialcare_domain::waiting_list::{
    Capacity, CriteriaSet, Resource, ResourceContent, capacity_after, check_capacity,
    check_resource, check_room_for_held, parse_set_code, places_on, set_in_force,
};
use socialcare_domain::{FieldError, ValidationErrors};
use socialcare_persistence::AnyConnection;
use socialcare_persistence::admissions;
use socialcare_persistence::waiting_list::{self, ResourceQuery};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, Answer, Checked, NoQuery, Op, Work, with_etag};
use crate::conditional::IfMatchHeader;
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::idempotency::IdempotencyKeyHeader;
use crate::routes::codes::ResourceKindCode;
use crate::routes::users::AreaCode;
use crate::state::AppState;

/// A resource's description, to record it (with its first places) or to replace it.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "disability_residential",
    "name": "Residenza Il Girasole",
    "managing_body": "Cooperativa sociale Il Girasole",
    "area": "adults_disability",
    "criteria_code": "residenziale_disabilita",
    "reconfirm_months": 12,
    "places": 20,
    "places_from": "2027-01-01"
}))]
pub struct ResourceRequest {
    /// The kind.
    pub kind: ResourceKindCode,
    /// Its name, 1-200 characters.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// The body that runs it, 1-200 characters.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub managing_body: String,
    /// The area of the office that manages its list.
    pub area: AreaCode,
    /// The code of a published criteria set: the version in force on the day of a ranking
    /// ranks its applicants.
    #[validate(length(min = 1, max = 40))]
    #[schema(min_length = 1, max_length = 40, pattern = r"^[a-z0-9_]{1,40}$")]
    pub criteria_code: String,
    /// Months within which an application must be reconfirmed, 1-36.
    #[validate(range(min = 1, max = 36))]
    #[schema(minimum = 1, maximum = 36, format = Int32)]
    pub reconfirm_months: u32,
    /// Notes, 1-2000 characters.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub notes: Option<String>,
    /// When recording (required there, refused when replacing): its places, 0-100000.
    #[validate(range(max = 100_000))]
    #[schema(minimum = 0, maximum = 100000, format = Int32)]
    pub places: Option<u32>,
    /// When recording (default today; refused when replacing): the day the places count from.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub places_from: Option<NaiveDate>,
}

impl ResourceRequest {
    /// The description, or every field in error; `creating` says whether `places` belongs.
    fn content(
        &self,
        conn: &mut AnyConnection,
        creating: bool,
    ) -> Result<ResourceContent, ApiError> {
        let mut errors = ValidationErrors::new();
        let name = errors.collect("name", required_text(&clean(&self.name), 200));
        let managing_body = errors.collect(
            "managing_body",
            required_text(&clean(&self.managing_body), 200),
        );
        let notes = errors.collect("notes", optional_text(self.notes.as_deref(), 2000));
        match (creating, self.places.is_some(), self.places_from.is_some()) {
            (true, false, _) => errors.push(FieldError::new("places", "is required")),
            (false, true, _) => errors.push(FieldError::new(
                "places",
                "is changed with PUT /resources/{id}/capacity/{from_on}",
            )),
            (false, _, true) => errors.push(FieldError::new(
                "places_from",
                "is changed with PUT /resources/{id}/capacity/{from_on}",
            )),
            _ => {}
        }
        if parse_set_code(&self.criteria_code).is_ok()
            && waiting_list::versions_of(conn, &self.criteria_code)?.is_empty()
        {
            errors.push(FieldError::new(
                "criteria_code",
                "no criteria set with this code is published",
            ));
        }
        let (Some(name), Some(managing_body), Some(notes), true) =
            (name, managing_body, notes, errors.is_empty())
        else {
            return Err(ApiError::from_domain(errors));
        };
        let content = ResourceContent {
            kind: self.kind.into(),
            name,
            managing_body,
            area: self.area.into(),
            criteria_code: self.criteria_code.clone(),
            reconfirm_months: self.reconfirm_months,
            notes,
        };
        check_resource(&content).map_err(ApiError::from_domain)?;
        Ok(content)
    }
}

/// The places of a resource from a day.
#[derive(Debug, Serialize, ToSchema)]
pub struct CapacityItem {
    /// The first day.
    pub from_on: NaiveDate,
    /// The places from that day.
    #[schema(format = Int32)]
    pub places: u32,
}

/// The criteria set version that ranks a resource's applicants today.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionInForce {
    /// The version's identifier.
    pub id: Uuid,
    /// Its number.
    #[schema(format = Int32)]
    pub version: i32,
    /// The day it applies from.
    pub effective_from: NaiveDate,
}

/// A care resource.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceResponse {
    /// Identifier.
    pub id: Uuid,
    /// The kind.
    pub kind: ResourceKindCode,
    /// Its name.
    pub name: String,
    /// The body that runs it.
    pub managing_body: String,
    /// The area that manages its list.
    pub area: AreaCode,
    /// The criteria set code.
    pub criteria_code: String,
    /// The version of that set in force today (null before its first version applies).
    pub criteria_in_force: Option<VersionInForce>,
    /// Months within which an application must be reconfirmed.
    #[schema(format = Int32)]
    pub reconfirm_months: u32,
    /// Notes.
    pub notes: Option<String>,
    /// Its places today.
    #[schema(format = Int32)]
    pub places_today: u32,
    /// Its places over time, by first day.
    pub capacity: Vec<CapacityItem>,
    /// The day it closed.
    pub closed_on: Option<NaiveDate>,
    /// Version, also sent as `ETag`; send it back in `If-Match` to change the resource.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// Who recorded it.
    pub created_by: Uuid,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// The resource as answered on `today`, with the published `versions` of its criteria set.
fn response_with(r: &Resource, versions: &[CriteriaSet], today: NaiveDate) -> ResourceResponse {
    let c = &r.content;
    ResourceResponse {
        id: r.id,
        kind: c.kind.into(),
        name: c.name.clone(),
        managing_body: c.managing_body.clone(),
        area: c.area.into(),
        criteria_code: c.criteria_code.clone(),
        criteria_in_force: set_in_force(versions, today).map(|s| VersionInForce {
            id: s.id,
            version: s.version,
            effective_from: s.content.effective_from,
        }),
        reconfirm_months: c.reconfirm_months,
        notes: c.notes.clone(),
        places_today: places_on(&r.capacity, today),
        capacity: r
            .capacity
            .iter()
            .map(|k| CapacityItem {
                from_on: k.from_on,
                places: k.places,
            })
            .collect(),
        closed_on: r.closed_on,
        version: r.version,
        created_at: r.created_at,
        created_by: r.created_by,
        updated_at: r.updated_at,
    }
}

/// The resource as answered on `today`.
fn response(
    conn: &mut AnyConnection,
    r: &Resource,
    today: NaiveDate,
) -> Result<ResourceResponse, ApiError> {
    let versions = waiting_list::versions_of(conn, &r.content.criteria_code)?;
    Ok(response_with(r, &versions, today))
}

/// The resource, or 404.
pub(super) fn resource_of(conn: &mut AnyConnection, id: Uuid) -> Result<Resource, ApiError> {
    waiting_list::find_resource(conn, id)?
        .ok_or_else(|| ApiError::NotFound("no resource with this id".into()))
}

/// Record a care resource
///
/// Records a resource (a residential or day service, home care, meals, shelter places, social
/// housing) with its managing body, its area, the criteria set that ranks its applicants and
/// its first places. For the `administrative` staff and the office manager. Send
/// `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "waiting-lists",
    operation_id = "create_resource",
    params(IdempotencyKeyHeader),
    request_body = ResourceRequest,
    responses(
        (status = 201, description = "Recorded.", body = ResourceResponse,
            headers(("Location" = String, description = "URL of the resource."), ("ETag" = String, description = "Version, for If-Match."))),
        (status = 403, description = "Not administrative staff nor the office manager.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (JSON Pointers such as `/criteria_code`): no criteria set published with the code, no places.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/resources")]
pub async fn create_resource(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Body<ResourceRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ManageResources, "resource.create", "resource");
    case_work::create(&state, caller, &req, op, body, |work, request, _| {
        let content = request.content(work.conn(), true)?;
        let first = Capacity {
            from_on: request.places_from.unwrap_or(work.today()),
            places: request.places.unwrap_or(0),
        };
        let (actor, now, today) = (work.actor(), work.now(), work.today());
        let resource = waiting_list::insert_resource(work.conn(), &content, first, actor, now)?;
        work.resource(resource.id);
        let body = response(work.conn(), &resource, today)?;
        Ok(Answer::created(
            &body,
            format!("/api/v1/resources/{}", resource.id),
            Some(resource.version),
        ))
    })
    .await
}

/// Filters and position of the resources.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResourceListQuery {
    /// Only resources of this area.
    pub area: Option<AreaCode>,
    /// Only resources of this kind.
    pub kind: Option<ResourceKindCode>,
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

/// One page of resources.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResourcePage {
    /// The resources, by name.
    pub items: Vec<ResourceResponse>,
    /// Link to the next page, or null on the last one.
    pub next: Option<String>,
}

fn resource_cursor(raw: Option<&str>) -> Result<Option<(String, Uuid)>, ApiError> {
    raw.map(|c| {
        let text = crate::cursor::decode(c)?;
        text.strip_prefix("resource|")
            .and_then(|rest| rest.split_once('|'))
            .and_then(|(id, name)| Uuid::parse_str(id).ok().map(|id| (name.to_owned(), id)))
            .ok_or_else(|| ApiError::bad_parameter("cursor", "not a position of this list"))
    })
    .transpose()
}

/// List care resources
///
/// The resources by name, filtered by area and kind, with their places today. For whoever
/// works cases.
#[utoipa::path(
    tag = "waiting-lists",
    operation_id = "list_resources",
    params(ResourceListQuery),
    responses(
        (status = 200, description = "One page of resources.", body = ResourcePage),
        (status = 400, description = "Invalid filter or cursor.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/resources")]
pub async fn list_resources(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadResources, "resource.list", "resource");
    let query = req.query_string().to_owned();
    let page = case_work::list(
        &state,
        caller,
        &req,
        op,
        move |work, q: ResourceListQuery| {
            let limit = q.limit.unwrap_or(50);
            let mut found = waiting_list::list_resources(
                work.conn(),
                &ResourceQuery {
                    area: q.area.map(Into::into),
                    kind: q.kind.map(Into::into),
                    after: resource_cursor(q.cursor.as_deref())?,
                    limit: i64::from(limit) + 1,
                },
            )?;
            let next = crate::cursor::cut(
                &mut found,
                limit as usize,
                "/api/v1/resources",
                &query,
                |last| format!("resource|{}|{}", last.id, last.content.name),
            );
            work.detail("returned", found.len());
            let today = work.today();
            // The versions of each criteria set once, however many resources share it.
            let mut versions: HashMap<String, Vec<CriteriaSet>> = HashMap::new();
            for r in &found {
                let code = &r.content.criteria_code;
                if !versions.contains_key(code) {
                    let published = waiting_list::versions_of(work.conn(), code)?;
                    versions.insert(code.clone(), published);
                }
            }
            let items = found
                .iter()
                .map(|r| {
                    let published = versions
                        .get(&r.content.criteria_code)
                        .map_or(&[][..], Vec::as_slice);
                    response_with(r, published, today)
                })
                .collect();
            Ok(ResourcePage { items, next })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Read a care resource
///
/// One resource with its places over time and the criteria set version in force today. For
/// whoever works cases.
#[utoipa::path(
    tag = "waiting-lists",
    operation_id = "get_resource",
    params(("resource_id" = Uuid, Path, description = "Resource identifier.")),
    responses(
        (status = 200, description = "The resource.", body = ResourceResponse,
            headers(("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No resource with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/resources/{resource_id}")]
pub async fn get_resource(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<ResourceId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadResources, "resource.read", "resource");
    let (version, body) = case_work::list(&state, caller, &req, op, move |work, _: NoQuery| {
        work.resource(id.0);
        let resource = resource_of(work.conn(), id.0.uuid())?;
        let today = work.today();
        Ok((resource.version, response(work.conn(), &resource, today)?))
    })
    .await?;
    Ok(with_etag(version, &body))
}

/// The resource a change is about, named in the audit record (404 when there is none).
fn current_resource(work: &mut Work<'_>, id: Id<ResourceId>) -> Result<Resource, ApiError> {
    work.resource(id.0);
    resource_of(work.conn(), id.0.uuid())
}

/// The resource as it now is after a change (412 when another request changed it first).
fn answer_changed(work: &mut Work<'_>, changed: bool, id: Uuid) -> Result<Answer, ApiError> {
    if !changed {
        return Err(ApiError::PreconditionFailed(
            "the resource changed meanwhile; read it again and retry".into(),
        ));
    }
    let resource = resource_of(work.conn(), id)?;
    let today = work.today();
    let body = response(work.conn(), &resource, today)?;
    Ok(Answer::ok(&body, Some(resource.version)))
}

/// Replace a care resource
///
/// Replaces the description of a resource (every field as when recording it, without the
/// places, which change with `PUT /resources/{id}/capacity/{from_on}`). Requires `If-Match`.
/// For the `administrative` staff and the office manager.
#[utoipa::path(
    tag = "waiting-lists",
    operation_id = "replace_resource",
    params(("resource_id" = Uuid, Path, description = "Resource identifier."), IfMatchHeader),
    request_body = ResourceRequest,
    responses(
        (status = 200, description = "The resource as replaced.", body = ResourceResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 403, description = "Not administrative staff nor the office manager.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No resource with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/resources/{resource_id}")]
pub async fn replace_resource(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<ResourceId>,
    body: Body<ResourceRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ManageResources, "resource.update", "resource");
    let check = move |work: &mut Work<'_>| current_resource(work, id);
    let then = |work: &mut Work<'_>,
                request: ResourceRequest,
                if_match: case_work::IfMatch,
                current: Resource| {
        let content = request.content(work.conn(), false)?;
        let version = if_match.check(current.version)?;
        let (actor, now) = (work.actor(), work.now());
        let changed =
            waiting_list::update_resource(work.conn(), current.id, version, &content, actor, now)?;
        answer_changed(work, changed, current.id)
    };
    case_work::office_checked(&state, caller, &req, op, body, Checked { check, then }).await
}

/// The places of a resource from a day.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"places": 24}))]
pub struct CapacityRequest {
    /// The places from the day on, 0-100000.
    #[validate(range(max = 100_000))]
    #[schema(minimum = 0, maximum = 100000, format = Int32)]
    pub places: u32,
}

/// Set the places of a care resource from a day
///
/// From `from_on` on, the resource has `places` places (until a later change); a change
/// already recorded for that day is replaced. The history stays in `capacity`. Requires
/// `If-Match`. Never fewer places, today or on any later day, than the offers and admissions
/// hold (409): they have no planned end. For the `administrative` staff and the office
/// manager.
#[utoipa::path(
    tag = "waiting-lists",
    operation_id = "set_resource_capacity",
    params(("resource_id" = Uuid, Path, description = "Resource identifier."),
        ("from_on" = String, Path, description = "The first day, `YYYY-MM-DD`.", pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$"),
        IfMatchHeader),
    request_body = CapacityRequest,
    responses(
        (status = 200, description = "The resource with its places.", body = ResourceResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 400, description = "`from_on` is not a day.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not administrative staff nor the office manager.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No resource with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Fewer places than the offers and admissions hold.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Too many places, or a day the resource was closed.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/resources/{resource_id}/capacity/{from_on}")]
pub async fn set_resource_capacity(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<ResourceId>,
    body: Body<CapacityRequest>,
) -> Result<HttpResponse, ApiError> {
    let from_on = crate::dates::path_day(&req, "from_on")?;
    let op = Op::new(Action::ManageResources, "resource.capacity", "resource");
    let check = move |work: &mut Work<'_>| current_resource(work, id);
    let then = move |work: &mut Work<'_>,
                     request: CapacityRequest,
                     if_match: case_work::IfMatch,
                     current: Resource| {
        let change = Capacity {
            from_on,
            places: request.places,
        };
        check_capacity(&current, change).map_err(ApiError::from_domain)?;
        let version = if_match.check(current.version)?;
        // Never fewer places than the offers and admissions hold, today or later (they have
        // no planned end); the database keeps the same bound.
        let held = admissions::lock_occupancy(work.conn(), current.id)?
            .ok_or_else(|| ApiError::Internal("a resource without its occupancy".into()))?
            .held;
        let ceiling = check_room_for_held(
            &capacity_after(&current.capacity, change),
            held,
            work.today(),
        )
        .map_err(|e| {
            ApiError::Conflict(format!(
                "{} places are held by offers and admissions: the resource cannot have fewer \
                 ({} from {from_on})",
                e.held, e.ceiling
            ))
        })?;
        let (actor, now) = (work.actor(), work.now());
        let changed =
            waiting_list::set_capacity(work.conn(), current.id, version, change, actor, now)?;
        if changed {
            admissions::set_ceiling(work.conn(), current.id, ceiling)?;
        }
        work.detail("from_on", from_on)
            .detail("places", request.places);
        answer_changed(work, changed, current.id)
    };
    case_work::office_checked(&state, caller, &req, op, body, Checked { check, then }).await
}
