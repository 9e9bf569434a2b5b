//! Households (nuclei familiari): who lives with whom, since when, with the history kept.
//!
//! The rules (one household per person on any day, one reference person per household on any
//! day, leaving after joining, no annulled member) are `socialcare_domain::household`'s. Every
//! handler goes through the gate ([`crate::case_work`]): a household is decided through its
//! members, a new household through its reference person, in the request's one transaction.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::access::Action;
use socialcare_domain::household::{
    HouseholdRuleViolation, Membership, Relationship, check_found, check_join, check_joinable,
    check_leave, composition_on, is_listed,
};
use socialcare_domain::ids::{HouseholdId, HouseholdMemberId, PersonId};
use socialcare_persistence::households::{self, HouseholdRecord, MemberRecord};
use socialcare_persistence::{access, persons};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, Answer, NoQuery, Op, Target, Work};
use crate::conditional::IfMatchHeader;
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::guard;
use crate::idempotency::IdempotencyKeyHeader;
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

fn household_not_found() -> ApiError {
    ApiError::NotFound("no household with this id".into())
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
        HouseholdRuleViolation::PersonAnnulled { .. } => {
            return ApiError::Conflict(violation.to_string());
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

fn person_ids(response: &HouseholdResponse) -> Vec<Uuid> {
    response.members.iter().map(|m| m.person_id).collect()
}

fn household_location(id: Uuid) -> String {
    format!("/api/v1/households/{id}")
}

/// The memberships of `person_id`, in any household.
fn memberships_of(work: &mut Work<'_>, person_id: Uuid) -> Result<Vec<Membership>, ApiError> {
    Ok(households::memberships_of_person(work.conn(), person_id)?
        .iter()
        .map(|m| m.membership)
        .collect())
}

/// The person who would join (`pointer` names the field): registered (422 otherwise), not
/// annulled (409), and one the caller may update (403, linked to the person, otherwise).
fn joining_person(work: &mut Work<'_>, person_id: Uuid, pointer: &str) -> Result<(), ApiError> {
    let Some(person) = persons::find(work.conn(), person_id)? else {
        return Err(ApiError::invalid_field(pointer, "no person with this id"));
    };
    check_joinable(person_id, person.annulment.is_some()).map_err(|v| rule_conflict(&v))?;
    let (actor, today, now) = (work.actor(), work.today(), work.now());
    let mut facts = access::persons(work.conn(), &[person_id], actor, today, now)?;
    let files = facts.remove(&person_id).unwrap_or_default();
    if guard::decide_person(work.caller(), Action::UpdatePerson, &files).is_none() {
        return Err(work.refuse_about(
            format!(
                "your relation to the person at `{pointer}` does not allow `{}`",
                Action::UpdatePerson.code()
            ),
            [person_id],
        ));
    }
    Ok(())
}

/// Create a household
///
/// Creates a household (nucleo familiare) headed by a reference person from `joined_on`. The
/// person must be registered, not annulled, one the caller may update (403 otherwise), and
/// belong to no household from that day on (409 otherwise). Send `Idempotency-Key` to make
/// retries safe.
#[utoipa::path(
    tag = "households",
    operation_id = "create_household",
    params(IdempotencyKeyHeader),
    request_body = CreateHouseholdRequest,
    responses(
        (status = 201, description = "Created; the composition on the joining day.", body = HouseholdResponse,
            headers(("Location" = String, description = "URL of the household."), ("ETag" = String, description = "Version of the household, for If-Match."))),
        (status = 403, description = "Your roles, or your relation to the reference person, do not allow it.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The person is annulled or already belongs to a household from that day on; `detail` names the rule.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/households")]
pub async fn create_household(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Body<CreateHouseholdRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::UpdatePerson, "household.create", "household");
    case_work::create(&state, caller, &req, op, body, |work, request, _| {
        let person_id = request.reference_person_id;
        joining_person(work, person_id, "/reference_person_id")?;
        let existing = memberships_of(work, person_id)?;
        check_found(&existing, request.joined_on).map_err(|v| rule_conflict(&v))?;
        let (actor, now) = (work.actor(), work.now());
        let household = households::insert_household(work.conn(), actor, now)?;
        let membership = Membership {
            person_id,
            household_id: household.id,
            relationship: Relationship::ReferencePerson,
            joined_on: request.joined_on,
            left_on: None,
        };
        let member_id = households::insert_member(work.conn(), &membership, actor, now)?;
        let members = households::members_of_household(work.conn(), household.id)?;
        let response = composition(&household, &members, request.joined_on);
        work.resource(household.id)
            .shows([person_id])
            .detail("person_ids", [person_id])
            .detail("member_id", member_id)
            .detail("relationship", Relationship::ReferencePerson.as_str())
            .detail("joined_on", request.joined_on);
        Ok(Answer::created(
            &response,
            household_location(household.id),
            Some(response.version),
        ))
    })
    .await
}

/// Reads a household's composition on `date` (default: the office's day) under the gate.
async fn read_composition(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: HouseholdId,
    op: Op,
    date: Option<NaiveDate>,
) -> Result<HttpResponse, ApiError> {
    let response = case_work::read(
        &state,
        caller,
        &req,
        Target::Household(id),
        op,
        move |work, _: NoQuery| {
            let date = date.unwrap_or(work.today());
            let household = households::find_household(work.conn(), id.uuid())?
                .ok_or_else(household_not_found)?;
            let members = households::members_of_household(work.conn(), id.uuid())?;
            let response = composition(&household, &members, date);
            let shown = person_ids(&response);
            work.shows(shown.iter().copied())
                .detail("person_ids", shown)
                .detail("date", date);
            Ok(response)
        },
    )
    .await?;
    Ok(case_work::with_etag(response.version, &response))
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
        (status = 403, description = "Your relation to the household's members does not allow it.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No household with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/households/{household_id}")]
pub async fn get_household(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<HouseholdId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadPerson, "household.read", "household");
    read_composition(state, caller, req, id.0, op, None).await
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
        (status = 403, description = "Your relation to the household's members does not allow it.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No household with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/households/{household_id}/composition")]
pub async fn get_household_composition(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<HouseholdId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadPerson,
        "household.composition.read",
        "household",
    );
    let response = case_work::read(
        &state,
        caller,
        &req,
        Target::Household(id.0),
        op,
        move |work, q: CompositionQuery| {
            let date = q.date.unwrap_or(work.today());
            let household = households::find_household(work.conn(), id.0.uuid())?
                .ok_or_else(household_not_found)?;
            let members = households::members_of_household(work.conn(), id.0.uuid())?;
            let response = composition(&household, &members, date);
            let shown = person_ids(&response);
            work.shows(shown.iter().copied())
                .detail("person_ids", shown)
                .detail("date", date);
            Ok(response)
        },
    )
    .await?;
    Ok(case_work::with_etag(response.version, &response))
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
        (status = 403, description = "Your relation to the household's members does not allow it.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No household with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/households/{household_id}/members")]
pub async fn list_household_members(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<HouseholdId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadPerson, "household.members.read", "household");
    let household_id = id.0;
    let items = case_work::read(
        &state,
        caller,
        &req,
        Target::Household(household_id),
        op,
        move |work, q: MembersQuery| {
            let include_past = q.include_past.unwrap_or(false);
            let date = work.today();
            let items: Vec<HouseholdMemberResponse> =
                households::members_of_household(work.conn(), household_id.uuid())?
                    .iter()
                    .filter(|m| is_listed(&m.membership, include_past, date))
                    .map(HouseholdMemberResponse::from)
                    .collect();
            let shown: Vec<Uuid> = items.iter().map(|m| m.person_id).collect();
            work.shows(shown.iter().copied())
                .detail("person_ids", shown)
                .detail("include_past", include_past);
            Ok(items)
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(HouseholdMembersResponse {
        household_id: household_id.uuid(),
        items,
    }))
}

/// Add a member to a household
///
/// Records that a person joins the household on `joined_on` with a relationship to the
/// reference person. Requires `If-Match` with the household's ETag (428 without it, 412 when
/// the composition changed meanwhile). Refused with 409, naming the rule, when the person
/// belongs to a household (this or another) from that day on, when a second reference person
/// would overlap the current one, or when the person is annulled; with 403 when the caller may
/// not update the joining person.
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
        (status = 403, description = "Your relation to the household's members, or to the joining person, does not allow it.", body = Problem, content_type = "application/problem+json"),
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
    id: Id<HouseholdId>,
    body: Body<AddMemberRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::UpdatePerson, "household.member.add", "household");
    let (target, id) = (Target::Household(id.0), id.0.uuid());
    case_work::write(
        &state,
        caller,
        &req,
        target,
        op,
        body,
        move |work, request, if_match| {
            let household =
                households::find_household(work.conn(), id)?.ok_or_else(household_not_found)?;
            let version = if_match.check(household.version)?;
            joining_person(work, request.person_id, "/person_id")?;
            let relationship = Relationship::from(request.relationship);
            let existing = memberships_of(work, request.person_id)?;
            let members: Vec<Membership> = households::members_of_household(work.conn(), id)?
                .iter()
                .map(|m| m.membership)
                .collect();
            check_join(&existing, id, relationship, request.joined_on, &members)
                .map_err(|v| rule_conflict(&v))?;
            let (actor, now) = (work.actor(), work.now());
            let household = households::bump_version(work.conn(), id, version, actor, now)?
                .ok_or_else(changed_meanwhile)?;
            let membership = Membership {
                person_id: request.person_id,
                household_id: id,
                relationship,
                joined_on: request.joined_on,
                left_on: None,
            };
            let member_id = households::insert_member(work.conn(), &membership, actor, now)?;
            let all = households::members_of_household(work.conn(), id)?;
            let response = composition(&household, &all, request.joined_on);
            work.shows([request.person_id])
                .shows(person_ids(&response))
                .detail("person_ids", [request.person_id])
                .detail("member_id", member_id)
                .detail("relationship", relationship.as_str())
                .detail("joined_on", request.joined_on);
            Ok(Answer::created(
                &response,
                household_location(id),
                Some(response.version),
            ))
        },
    )
    .await
}

fn changed_meanwhile() -> ApiError {
    ApiError::PreconditionFailed("the household changed meanwhile; read it again and retry".into())
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
        (status = 403, description = "Your relation to the household's members does not allow it.", body = Problem, content_type = "application/problem+json"),
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
    id: Id<HouseholdId>,
    member: Id<HouseholdMemberId>,
    body: Body<LeaveRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::UpdatePerson, "household.member.leave", "household");
    let (household_id, member_id) = (id.0, member.0.uuid());
    case_work::write(
        &state,
        caller,
        &req,
        Target::Household(household_id),
        op,
        body,
        move |work, request, if_match| {
            let id = household_id.uuid();
            let household =
                households::find_household(work.conn(), id)?.ok_or_else(household_not_found)?;
            let version = if_match.check(household.version)?;
            let members = households::members_of_household(work.conn(), id)?;
            let Some(member) = members.iter().find(|m| m.id == member_id) else {
                return Err(ApiError::NotFound(
                    "no membership with this id in the household".into(),
                ));
            };
            check_leave(&member.membership, request.left_on).map_err(|v| rule_conflict(&v))?;
            let person_id = member.membership.person_id;
            let (actor, now, today) = (work.actor(), work.now(), work.today());
            let household = households::bump_version(work.conn(), id, version, actor, now)?
                .ok_or_else(changed_meanwhile)?;
            if !households::close_member(work.conn(), member_id, request.left_on, actor, now)? {
                return Err(ApiError::Internal(format!(
                    "membership {member_id} closed concurrently despite the version check"
                )));
            }
            let all = households::members_of_household(work.conn(), id)?;
            let response = composition(&household, &all, today);
            work.shows([person_id])
                .shows(person_ids(&response))
                .detail("person_ids", [person_id])
                .detail("member_id", member_id)
                .detail("left_on", request.left_on);
            Ok(Answer::ok(&response, Some(response.version)))
        },
    )
    .await
}

/// Read a person's current household
///
/// Returns the household the person belongs to today, with its current composition and its
/// version in `ETag`; 404 when the person belongs to none (the read is audited either way).
#[utoipa::path(
    tag = "households",
    operation_id = "get_person_household",
    params(("person_id" = Uuid, Path, description = "Person identifier.")),
    responses(
        (status = 200, description = "The person's household and its current members.", body = HouseholdResponse,
            headers(("ETag" = String, description = "Version of the household, for If-Match."))),
        (status = 403, description = "Your relation to the person does not allow it.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No person with this id, or the person belongs to no household today.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/persons/{person_id}/household")]
pub async fn get_person_household(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PersonId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadPerson, "household.read_of_person", "household");
    let person_id = id.0.uuid();
    // The absence of a household is personal data too: it is audited like a hit, so the use
    // case answers `None` (committing the record) and the 404 is given after.
    let found = case_work::read(
        &state,
        caller,
        &req,
        Target::Person(id.0),
        op,
        move |work, _: NoQuery| {
            let date = work.today();
            let response = match households::household_of_person_on(work.conn(), person_id, date)? {
                Some(id) => match households::find_household(work.conn(), id)? {
                    Some(household) => {
                        let members = households::members_of_household(work.conn(), id)?;
                        Some(composition(&household, &members, date))
                    }
                    None => None,
                },
                None => None,
            };
            let shown = response.as_ref().map(person_ids).unwrap_or_default();
            if let Some(household) = &response {
                work.resource(household.id);
            }
            work.shows(shown.iter().copied())
                .detail("person_id", person_id)
                .detail("person_ids", shown)
                .detail("date", date);
            Ok(response)
        },
    )
    .await?;
    let response = found
        .ok_or_else(|| ApiError::NotFound("the person belongs to no household today".into()))?;
    Ok(case_work::with_etag(response.version, &response))
}
