//! Households (nuclei familiari): who lives with whom, since when, with the history kept.
//!
//! The rules (one household per person on any day, one reference person per household on any
//! day, leaving after joining) are `socialcare_domain::household`'s; the handlers load what the
//! rules need inside the write transaction, decide, then write.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::access::Action;
use socialcare_domain::calendar;
use socialcare_domain::household::{
    HouseholdRuleViolation, Membership, Relationship, check_join, check_leave, composition_on,
};
use socialcare_persistence::audit::{self, Outcome};
use socialcare_persistence::households::{self, HouseholdRecord, MemberRecord};
use socialcare_persistence::persons;
use socialcare_persistence::{AnyConnection, StoreError};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::conditional::IfMatchHeader;
use crate::conditional::{etag, if_match_of, require_if_match};
use crate::error::{ApiError, Problem, blocking, transact};
use crate::extract::{JsonBody, ValidQuery};
use crate::guard;
use crate::idempotency::IdempotencyKeyHeader;
use crate::idempotency::{self, Replayable};
use crate::state::AppState;

/// A member's relationship to the reference person of the household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RelationshipCode {
    /// Intestatario: the reference person of the household (one at a time).
    ReferencePerson,
    /// Coniuge.
    Spouse,
    /// Partner (civil union or de facto couple).
    Partner,
    /// Figlio o figlia.
    Child,
    /// Genitore.
    Parent,
    /// Fratello o sorella.
    Sibling,
    /// Nipote (grandchild).
    Grandchild,
    /// Nonno o nonna.
    Grandparent,
    /// Altro parente.
    OtherRelative,
    /// Convivente not related to the reference person.
    Cohabitant,
}

impl From<RelationshipCode> for Relationship {
    fn from(code: RelationshipCode) -> Self {
        match code {
            RelationshipCode::ReferencePerson => Relationship::ReferencePerson,
            RelationshipCode::Spouse => Relationship::Spouse,
            RelationshipCode::Partner => Relationship::Partner,
            RelationshipCode::Child => Relationship::Child,
            RelationshipCode::Parent => Relationship::Parent,
            RelationshipCode::Sibling => Relationship::Sibling,
            RelationshipCode::Grandchild => Relationship::Grandchild,
            RelationshipCode::Grandparent => Relationship::Grandparent,
            RelationshipCode::OtherRelative => Relationship::OtherRelative,
            RelationshipCode::Cohabitant => Relationship::Cohabitant,
        }
    }
}

impl From<Relationship> for RelationshipCode {
    fn from(relationship: Relationship) -> Self {
        match relationship {
            Relationship::ReferencePerson => RelationshipCode::ReferencePerson,
            Relationship::Spouse => RelationshipCode::Spouse,
            Relationship::Partner => RelationshipCode::Partner,
            Relationship::Child => RelationshipCode::Child,
            Relationship::Parent => RelationshipCode::Parent,
            Relationship::Sibling => RelationshipCode::Sibling,
            Relationship::Grandchild => RelationshipCode::Grandchild,
            Relationship::Grandparent => RelationshipCode::Grandparent,
            Relationship::OtherRelative => RelationshipCode::OtherRelative,
            Relationship::Cohabitant => RelationshipCode::Cohabitant,
        }
    }
}

/// A new household, with its reference person.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "reference_person_id": "01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e5f",
    "joined_on": "2026-01-15"
}))]
pub struct CreateHouseholdRequest {
    /// The reference person (intestatario), a registered, not annulled person who belongs to
    /// no household from `joined_on` on.
    pub reference_person_id: Uuid,
    /// First day the reference person heads the household (`YYYY-MM-DD`).
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub joined_on: NaiveDate,
}

/// A person joining a household.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "person_id": "01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e60",
    "relationship": "child",
    "joined_on": "2026-02-01"
}))]
pub struct AddMemberRequest {
    /// The person joining: registered, not annulled, and in no household from `joined_on` on.
    pub person_id: Uuid,
    /// Relationship to the reference person; `reference_person` only when the household has
    /// none from `joined_on` on.
    pub relationship: RelationshipCode,
    /// First day of the membership (`YYYY-MM-DD`).
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub joined_on: NaiveDate,
}

/// A member leaving a household.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"left_on": "2026-06-30"}))]
pub struct LeaveRequest {
    /// Day the person leaves: from that day on they are no longer a member (must be after the
    /// day they joined). May be in the future for a planned move.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub left_on: NaiveDate,
}

/// One membership of a household.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HouseholdMemberResponse {
    /// Identifier of the membership (used to record the leaving).
    pub member_id: Uuid,
    /// The member.
    pub person_id: Uuid,
    /// Given names of the member.
    #[schema(example = "Maria Grazia")]
    pub given_names: String,
    /// Family names of the member.
    #[schema(example = "D'Angelo")]
    pub family_names: String,
    /// Relationship to the reference person.
    pub relationship: RelationshipCode,
    /// First day of the membership.
    pub joined_on: NaiveDate,
    /// Day the person left (no longer a member from that day), or null while current.
    pub left_on: Option<NaiveDate>,
    /// When the membership was recorded.
    pub created_at: DateTime<Utc>,
    /// Who recorded it (user id).
    pub created_by: Uuid,
    /// When the leaving was recorded, if it was.
    pub ended_at: Option<DateTime<Utc>>,
    /// Who recorded the leaving (user id), if anyone.
    pub ended_by: Option<Uuid>,
}

impl From<&MemberRecord> for HouseholdMemberResponse {
    fn from(m: &MemberRecord) -> Self {
        Self {
            member_id: m.id,
            person_id: m.membership.person_id,
            given_names: m.given_names.clone(),
            family_names: m.family_names.clone(),
            relationship: m.membership.relationship.into(),
            joined_on: m.membership.joined_on,
            left_on: m.membership.left_on,
            created_at: m.created_at,
            created_by: m.created_by,
            ended_at: m.ended_at,
            ended_by: m.ended_by,
        }
    }
}

/// A household and its composition on a date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HouseholdResponse {
    /// Identifier of the household.
    pub id: Uuid,
    /// The date of the composition.
    pub date: NaiveDate,
    /// The members on that date: the reference person first, then by the day they joined.
    pub members: Vec<HouseholdMemberResponse>,
    /// Version, also sent as the `ETag` header; send it back in `If-Match` to change the
    /// composition.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Creator (user id).
    pub created_by: Uuid,
    /// Instant of the last change of the composition.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change (user id).
    pub updated_by: Uuid,
}

/// The membership history of a household.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HouseholdMembersResponse {
    /// Identifier of the household.
    pub household_id: Uuid,
    /// The memberships, in the order people joined.
    pub items: Vec<HouseholdMemberResponse>,
}

/// Which day's composition to return.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompositionQuery {
    /// The date (`YYYY-MM-DD`); default today.
    /// Between 1900-01-01 and 2199-12-31.
    #[param(example = "2026-03-01", pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    #[validate(custom(function = "crate::dates::plausible"))]
    pub date: Option<NaiveDate>,
}

/// Which memberships to list.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MembersQuery {
    /// Include memberships that ended (the full history); default false: only current members.
    pub include_past: Option<bool>,
}

fn parse_id(name: &str, raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::bad_parameter(name, "must be a UUID"))
}

fn household_not_found() -> ApiError {
    ApiError::NotFound("no household with this id".into())
}

fn today() -> NaiveDate {
    calendar::today(Utc::now())
}

/// 409 naming the household rule that refuses the change.
fn rule_conflict(violation: &HouseholdRuleViolation) -> ApiError {
    let rule = match violation {
        HouseholdRuleViolation::AlreadyInHousehold { .. } => {
            "a person belongs to at most one household at a time"
        }
        HouseholdRuleViolation::ReferencePersonTaken { .. } => {
            "a household has at most one reference person at a time"
        }
        HouseholdRuleViolation::AlreadyLeft { .. } => "a membership can end only once",
        HouseholdRuleViolation::LeaveNotAfterJoin { .. } => {
            "a membership ends after the day it starts"
        }
    };
    ApiError::Conflict(format!("{rule}: {violation}"))
}

/// The composition of a household on `date`, in the domain's order.
fn composition(
    household: &HouseholdRecord,
    members: &[MemberRecord],
    date: NaiveDate,
) -> HouseholdResponse {
    let memberships: Vec<Membership> = members.iter().map(|m| m.membership).collect();
    let current = composition_on(&memberships, household.id, date)
        .into_iter()
        .filter_map(|found| {
            memberships
                .iter()
                .position(|m| std::ptr::eq(m, found))
                .and_then(|i| members.get(i))
        })
        .map(HouseholdMemberResponse::from)
        .collect();
    HouseholdResponse {
        id: household.id,
        date,
        members: current,
        version: household.version,
        created_at: household.created_at,
        created_by: household.created_by,
        updated_at: household.updated_at,
        updated_by: household.updated_by,
    }
}

fn person_ids(response: &HouseholdResponse) -> Vec<String> {
    response
        .members
        .iter()
        .map(|m| m.person_id.to_string())
        .collect()
}

fn replayable(status: StatusCode, response: &HouseholdResponse, location: bool) -> Replayable {
    Replayable {
        status,
        body: serde_json::to_value(response).unwrap_or_default(),
        location: location.then(|| format!("/api/v1/households/{}", response.id)),
        etag: Some(etag(response.version)),
        replayed: false,
    }
}

/// Checks that the person exists and is not annulled; `Err` is the answer to give.
fn joinable_person(
    conn: &mut AnyConnection,
    person_id: Uuid,
    pointer: &str,
) -> Result<(), ApiError> {
    match persons::find(conn, person_id)? {
        None => Err(ApiError::invalid_field(pointer, "no person with this id")),
        Some(p) if p.annulment.is_some() => Err(ApiError::Conflict(
            "the person was annulled and cannot join a household".into(),
        )),
        Some(_) => Ok(()),
    }
}

/// Audits an action on a household, with the person ids involved.
fn audit_household(
    conn: &mut AnyConnection,
    caller: &Caller,
    action: &str,
    household_id: Option<Uuid>,
    details: serde_json::Value,
) -> Result<(), StoreError> {
    let mut record = caller.audit(
        action,
        "household",
        household_id.map(|id| id.to_string()),
        Outcome::Success,
    );
    // The persons concerned are those the details name.
    let named = details
        .get("person_ids")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .chain(details.get("person_id"))
        .filter_map(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok()));
    record.persons = named.collect();
    record.details = Some(details.to_string());
    audit::append(conn, record)?;
    Ok(())
}

/// Create a household
///
/// Creates a household (nucleo familiare) headed by a reference person from `joined_on`. The
/// person must be registered, not annulled, and belong to no household from that day on (409
/// otherwise). Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "households",
    operation_id = "create_household",
    params(IdempotencyKeyHeader),
    request_body = CreateHouseholdRequest,
    responses(
        (status = 201, description = "Created; the composition on the joining day.", body = HouseholdResponse,
            headers(("Location" = String, description = "URL of the household."), ("ETag" = String, description = "Version of the household, for If-Match."))),
        (status = 409, description = "The person is annulled or already belongs to a household from that day on; `detail` names the rule.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/households")]
pub async fn create_household(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: JsonBody<CreateHouseholdRequest>,
) -> Result<HttpResponse, ApiError> {
    caller
        .authorize(&state, Action::UpdatePerson, "household", None)
        .await?;
    let key = idempotency::key_of(&req)?;
    let (request, raw) = body.parse_raw().await?;
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let person_id = request.reference_person_id;
                joinable_person(c, person_id, "/reference_person_id")?;
                guard::person(c, &caller, Action::UpdatePerson, person_id)?;
                let existing: Vec<Membership> = households::memberships_of_person(c, person_id)?
                    .iter()
                    .map(|m| m.membership)
                    .collect();
                // The household does not exist yet, so it has no reference person to clash with.
                if let Err(v) = check_join(
                    &existing,
                    Uuid::nil(),
                    Relationship::ReferencePerson,
                    request.joined_on,
                    &[],
                ) {
                    return Err(rule_conflict(&v));
                }
                let household = households::insert_household(c, caller.id(), now)?;
                let membership = Membership {
                    person_id,
                    household_id: household.id,
                    relationship: Relationship::ReferencePerson,
                    joined_on: request.joined_on,
                    left_on: None,
                };
                let member_id = households::insert_member(c, &membership, caller.id(), now)?;
                let members = households::members_of_household(c, household.id)?;
                let response = composition(&household, &members, request.joined_on);
                audit_household(
                    c,
                    &caller,
                    "household.create",
                    Some(household.id),
                    serde_json::json!({
                        "person_ids": [person_id],
                        "member_id": member_id,
                        "relationship": Relationship::ReferencePerson.as_str(),
                        "joined_on": request.joined_on,
                    }),
                )?;
                Ok(replayable(StatusCode::CREATED, &response, true))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// Reads a household's composition on `date` and audits the read.
async fn read_composition(
    state: web::Data<AppState>,
    caller: Caller,
    id: Uuid,
    date: NaiveDate,
    action: &'static str,
) -> Result<HttpResponse, ApiError> {
    let st = state.clone();
    let response = blocking(move || {
        transact(&st.db, |c| {
            let Some(household) = households::find_household(c, id)? else {
                return Ok(None);
            };
            let members = households::members_of_household(c, id)?;
            let response = composition(&household, &members, date);
            audit_household(
                c,
                &caller,
                action,
                Some(id),
                serde_json::json!({ "person_ids": person_ids(&response), "date": date }),
            )?;
            Ok(Some(response))
        })
    })
    .await?
    .ok_or_else(household_not_found)?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag(response.version)))
        .json(response))
}

/// Read a household
///
/// Returns the current composition of the household (today's members, the reference person
/// first) with its version in `ETag`.
#[utoipa::path(
    tag = "households",
    operation_id = "get_household",
    params(("household_id" = Uuid, Path, description = "Household identifier.")),
    responses(
        (status = 200, description = "The household and its current members.", body = HouseholdResponse,
            headers(("ETag" = String, description = "Version of the household, for If-Match."))),
        (status = 404, description = "No household with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/households/{household_id}")]
pub async fn get_household(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id("household_id", &path)?;
    caller
        .authorize(
            &state,
            Action::ReadPerson,
            "household",
            Some(id.to_string()),
        )
        .await?;
    guard::household_now(&state, &caller, Action::ReadPerson, id).await?;
    read_composition(state, caller, id, today(), "household.read").await
}

/// Read a household's composition on a date
///
/// Returns who belonged to the household on `date` (default today), from the kept history:
/// a member counts from the day they joined up to the day before they left.
#[utoipa::path(
    tag = "households",
    operation_id = "get_household_composition",
    params(("household_id" = Uuid, Path, description = "Household identifier."), CompositionQuery),
    responses(
        (status = 200, description = "The composition on that date.", body = HouseholdResponse,
            headers(("ETag" = String, description = "Current version of the household, for If-Match."))),
        (status = 404, description = "No household with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/households/{household_id}/composition")]
pub async fn get_household_composition(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id("household_id", &path)?;
    caller
        .authorize(
            &state,
            Action::ReadPerson,
            "household",
            Some(id.to_string()),
        )
        .await?;
    guard::household_now(&state, &caller, Action::ReadPerson, id).await?;
    let query = ValidQuery::<CompositionQuery>::parse(&req)?;
    let date = query.date.unwrap_or_else(today);
    read_composition(state, caller, id, date, "household.composition.read").await
}

/// List a household's memberships
///
/// Lists the current members, or with `include_past=true` every membership the household ever
/// had (who lived there, with which relationship, from when to when), in the order people
/// joined. Nothing is ever deleted from this history.
#[utoipa::path(
    tag = "households",
    operation_id = "list_household_members",
    params(("household_id" = Uuid, Path, description = "Household identifier."), MembersQuery),
    responses(
        (status = 200, description = "The memberships.", body = HouseholdMembersResponse),
        (status = 404, description = "No household with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/households/{household_id}/members")]
pub async fn list_household_members(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id("household_id", &path)?;
    caller
        .authorize(
            &state,
            Action::ReadPerson,
            "household",
            Some(id.to_string()),
        )
        .await?;
    guard::household_now(&state, &caller, Action::ReadPerson, id).await?;
    let query = ValidQuery::<MembersQuery>::parse(&req)?;
    let include_past = query.include_past.unwrap_or(false);
    let date = today();
    let st = state.clone();
    let items = blocking(move || {
        transact(&st.db, |c| {
            if households::find_household(c, id)?.is_none() {
                return Ok(None);
            }
            let items: Vec<HouseholdMemberResponse> = households::members_of_household(c, id)?
                .iter()
                .filter(|m| include_past || m.membership.is_current_on(date))
                .map(HouseholdMemberResponse::from)
                .collect();
            let ids: Vec<String> = items.iter().map(|m| m.person_id.to_string()).collect();
            audit_household(
                c,
                &caller,
                "household.members.read",
                Some(id),
                serde_json::json!({ "person_ids": ids, "include_past": include_past }),
            )?;
            Ok(Some(items))
        })
    })
    .await?
    .ok_or_else(household_not_found)?;
    Ok(HttpResponse::Ok().json(HouseholdMembersResponse {
        household_id: id,
        items,
    }))
}

/// Add a member to a household
///
/// Records that a person joins the household on `joined_on` with a relationship to the
/// reference person. Requires `If-Match` with the household's ETag (428 without it, 412 when
/// the composition changed meanwhile). Refused with 409, naming the rule, when the person
/// belongs to a household (this or another) from that day on, when a second reference person
/// would overlap the current one, or when the person is annulled.
#[utoipa::path(
    tag = "households",
    operation_id = "add_household_member",
    params(("household_id" = Uuid, Path, description = "Household identifier."),
        IfMatchHeader,
        IdempotencyKeyHeader),
    request_body = AddMemberRequest,
    responses(
        (status = 201, description = "Joined; the composition on the joining day.", body = HouseholdResponse,
            headers(("Location" = String, description = "URL of the household."), ("ETag" = String, description = "The new version of the household."))),
        (status = 404, description = "No household with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A household rule refuses the change (named in `detail`), or the person is annulled.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/households/{household_id}/members")]
pub async fn add_household_member(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<AddMemberRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id("household_id", &path)?;
    caller
        .authorize(
            &state,
            Action::UpdatePerson,
            "household",
            Some(id.to_string()),
        )
        .await?;
    guard::household_now(&state, &caller, Action::UpdatePerson, id).await?;
    let key = idempotency::key_of(&req)?;
    let (request, raw) = body.parse_raw().await?;
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let if_match = if_match_of(&req);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let Some(household) = households::find_household(c, id)? else {
                    return Err(household_not_found());
                };
                let version = require_if_match(if_match.as_deref(), household.version)?;
                joinable_person(c, request.person_id, "/person_id")?;
                guard::person(c, &caller, Action::UpdatePerson, request.person_id)?;
                let relationship = Relationship::from(request.relationship);
                let existing: Vec<Membership> =
                    households::memberships_of_person(c, request.person_id)?
                        .iter()
                        .map(|m| m.membership)
                        .collect();
                let members: Vec<Membership> = households::members_of_household(c, id)?
                    .iter()
                    .map(|m| m.membership)
                    .collect();
                if let Err(v) = check_join(&existing, id, relationship, request.joined_on, &members)
                {
                    return Err(rule_conflict(&v));
                }
                let Some(household) = households::bump_version(c, id, version, caller.id(), now)?
                else {
                    return Err(ApiError::PreconditionFailed(
                        "the household changed meanwhile; read it again and retry".into(),
                    ));
                };
                let membership = Membership {
                    person_id: request.person_id,
                    household_id: id,
                    relationship,
                    joined_on: request.joined_on,
                    left_on: None,
                };
                let member_id = households::insert_member(c, &membership, caller.id(), now)?;
                let all = households::members_of_household(c, id)?;
                let response = composition(&household, &all, request.joined_on);
                audit_household(
                    c,
                    &caller,
                    "household.member.add",
                    Some(id),
                    serde_json::json!({
                        "person_ids": [request.person_id],
                        "member_id": member_id,
                        "relationship": relationship.as_str(),
                        "joined_on": request.joined_on,
                    }),
                )?;
                Ok(replayable(StatusCode::CREATED, &response, true))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// Record that a member leaves a household
///
/// Closes a membership on `left_on` (the person is no longer a member from that day). The
/// membership stays in the history. Requires `If-Match` with the household's ETag. Refused
/// with 409 when the membership already ended or `left_on` is not after the joining day.
#[utoipa::path(
    tag = "households",
    operation_id = "leave_household",
    params(("household_id" = Uuid, Path, description = "Household identifier."),
        ("member_id" = Uuid, Path, description = "Membership identifier (`member_id` of the composition)."),
        IfMatchHeader,
        IdempotencyKeyHeader),
    request_body = LeaveRequest,
    responses(
        (status = 200, description = "Left; the current composition.", body = HouseholdResponse,
            headers(("ETag" = String, description = "The new version of the household."))),
        (status = 404, description = "No household with this id, or no such membership in it.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A household rule refuses the change (named in `detail`).", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/households/{household_id}/members/{member_id}/leave")]
pub async fn leave_household(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: JsonBody<LeaveRequest>,
) -> Result<HttpResponse, ApiError> {
    let (raw_household, raw_member) = path.into_inner();
    let id = parse_id("household_id", &raw_household)?;
    let member_id = parse_id("member_id", &raw_member)?;
    caller
        .authorize(
            &state,
            Action::UpdatePerson,
            "household",
            Some(id.to_string()),
        )
        .await?;
    guard::household_now(&state, &caller, Action::UpdatePerson, id).await?;
    let key = idempotency::key_of(&req)?;
    let (request, raw) = body.parse_raw().await?;
    let fingerprint = idempotency::fingerprint(&req, &raw);
    let if_match = if_match_of(&req);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        transact(&st.db, |c| {
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let Some(household) = households::find_household(c, id)? else {
                    return Err(household_not_found());
                };
                let version = require_if_match(if_match.as_deref(), household.version)?;
                let members = households::members_of_household(c, id)?;
                let Some(member) = members.iter().find(|m| m.id == member_id) else {
                    return Err(ApiError::NotFound(
                        "no membership with this id in the household".into(),
                    ));
                };
                if let Err(v) = check_leave(&member.membership, request.left_on) {
                    return Err(rule_conflict(&v));
                }
                let person_id = member.membership.person_id;
                let Some(household) = households::bump_version(c, id, version, caller.id(), now)?
                else {
                    return Err(ApiError::PreconditionFailed(
                        "the household changed meanwhile; read it again and retry".into(),
                    ));
                };
                if !households::close_member(c, member_id, request.left_on, caller.id(), now)? {
                    return Err(ApiError::Internal(format!(
                        "membership {member_id} closed concurrently despite the version check"
                    )));
                }
                let all = households::members_of_household(c, id)?;
                let response = composition(&household, &all, today());
                audit_household(
                    c,
                    &caller,
                    "household.member.leave",
                    Some(id),
                    serde_json::json!({
                        "person_ids": [person_id],
                        "member_id": member_id,
                        "left_on": request.left_on,
                    }),
                )?;
                Ok(replayable(StatusCode::OK, &response, false))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// Read a person's current household
///
/// Returns the household the person belongs to today, with its current composition and its
/// version in `ETag`; 404 when the person belongs to none.
#[utoipa::path(
    tag = "households",
    operation_id = "get_person_household",
    params(("person_id" = Uuid, Path, description = "Person identifier.")),
    responses(
        (status = 200, description = "The person's household and its current members.", body = HouseholdResponse,
            headers(("ETag" = String, description = "Version of the household, for If-Match."))),
        (status = 404, description = "No person with this id, or the person belongs to no household today.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/persons/{person_id}/household")]
pub async fn get_person_household(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let person_id = parse_id("person_id", &path)?;
    caller
        .authorize(
            &state,
            Action::ReadPerson,
            "person",
            Some(person_id.to_string()),
        )
        .await?;
    guard::person_now(&state, &caller, Action::ReadPerson, person_id).await?;
    let date = today();
    let st = state.clone();
    let response = blocking(move || {
        transact(&st.db, |c| {
            if persons::find(c, person_id)?.is_none() {
                return Err(ApiError::NotFound("no person with this id".into()));
            }
            let found = households::household_of_person_on(c, person_id, date)?;
            let response = match found {
                Some(id) => match households::find_household(c, id)? {
                    Some(household) => {
                        let members = households::members_of_household(c, id)?;
                        Some(composition(&household, &members, date))
                    }
                    None => None,
                },
                None => None,
            };
            // The absence of a household is personal data too: it is audited like a hit.
            audit_household(
                c,
                &caller,
                "household.read_of_person",
                response.as_ref().map(|r| r.id),
                serde_json::json!({
                    "person_id": person_id,
                    "person_ids": response.as_ref().map(person_ids).unwrap_or_default(),
                    "date": date,
                }),
            )?;
            Ok(response.ok_or_else(|| {
                ApiError::NotFound("the person belongs to no household today".into())
            }))
        })
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag(response.version)))
        .json(response))
}
