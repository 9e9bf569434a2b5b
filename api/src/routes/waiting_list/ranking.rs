//! The working ranking of a resource's waiting applications under the criteria set version in
//! force on a day, with each score's breakdown, and the explanation of one application's
//! position against its neighbours. Scoring and ordering are the domain's
//! (`socialcare_domain::waiting_list::rank`, `explain`).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::access::Action;
use socialcare_domain::ids::{ApplicationId, ResourceId};
use socialcare_domain::waiting_list::{
    Applicant, ApplicationStatus, Comparison, CriteriaSet, CriterionKind, Part, Ranked, explain,
    rank, set_in_force,
};
use socialcare_persistence::{AnyConnection, admissions, applications, waiting_list};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, NoQuery, Op, Target};
use crate::error::{ApiError, Problem};
use crate::extract::Id;
use crate::routes::codes::CriterionKindCode;
use crate::state::AppState;

/// The points of one criterion in a score.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartItem {
    /// The criterion.
    pub kind: CriterionKindCode,
    /// The points it gave; null when withheld (a special category the caller may not read).
    #[schema(format = Int32)]
    pub points: Option<u32>,
    /// True when the points are withheld.
    pub withheld: bool,
}

/// Whether a criterion's points say something of a special category (the disability).
fn special(kind: CriterionKind) -> bool {
    kind == CriterionKind::DisabilitySeverity
}

fn parts(parts: &[Part], sensitive: bool) -> Vec<PartItem> {
    parts
        .iter()
        .map(|p| {
            let withheld = special(p.kind) && !sensitive;
            PartItem {
                kind: p.kind.into(),
                points: (!withheld).then_some(p.points),
                withheld,
            }
        })
        .collect()
}

/// The criteria set version a ranking was made under.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankedUnder {
    /// The version's identifier.
    pub criteria_set_id: Uuid,
    /// The set's code.
    pub code: String,
    /// Its number.
    #[schema(format = Int32)]
    pub version: i32,
}

/// A resource's waiting applications ranked on a day under the criteria version in force.
#[derive(Debug)]
pub(super) struct Snapshot {
    /// The criteria set version it was ranked under.
    pub set: CriteriaSet,
    /// The ranking.
    pub ranked: Vec<Ranked>,
    /// The person and case file of each application.
    pub whose: HashMap<Uuid, (Uuid, Uuid)>,
}

/// What a snapshot was computed for: the resource, the day, the criteria version and the
/// resource's ranking version (moved by the database with any change of its applications or
/// their inputs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SnapshotKey {
    resource: Uuid,
    on: NaiveDate,
    set: Uuid,
    version: i64,
}

/// How many snapshots a server process keeps (the most recently used).
const KEPT_SNAPSHOTS: usize = 16;

/// The snapshots kept, the most recently used first.
type Kept = Vec<(SnapshotKey, Arc<Snapshot>)>;

/// The snapshots of this process.
static SNAPSHOTS: LazyLock<Mutex<Kept>> = LazyLock::new(|| Mutex::new(Vec::new()));

fn kept(key: SnapshotKey) -> Option<Arc<Snapshot>> {
    let mut kept = SNAPSHOTS.lock().ok()?;
    let i = kept.iter().position(|(k, _)| *k == key)?;
    let entry = kept.remove(i);
    let found = Arc::clone(&entry.1);
    kept.insert(0, entry);
    Some(found)
}

fn keep(key: SnapshotKey, snapshot: &Arc<Snapshot>) {
    if let Ok(mut kept) = SNAPSHOTS.lock() {
        kept.retain(|(k, _)| *k != key);
        kept.insert(0, (key, Arc::clone(snapshot)));
        kept.truncate(KEPT_SNAPSHOTS);
    }
}

/// The waiting applications of `resource_id` ranked under the version in force on `on`. A
/// ranking is computed once per process for each ranking version of the resource (read in
/// this transaction: the database moves it with any change of an application of the resource
/// or of its inputs, so a kept ranking is never stale, whichever process made the change).
pub(super) fn ranking_on(
    conn: &mut AnyConnection,
    resource_id: Uuid,
    on: NaiveDate,
) -> Result<Arc<Snapshot>, ApiError> {
    let resource = waiting_list::find_resource(conn, resource_id)?
        .ok_or_else(|| ApiError::NotFound("no resource with this id".into()))?;
    let versions = waiting_list::versions_of(conn, &resource.content.criteria_code)?;
    let set = set_in_force(&versions, on).cloned().ok_or_else(|| {
        ApiError::Conflict(format!(
            "no version of the criteria set `{}` is in force on {on}",
            resource.content.criteria_code
        ))
    })?;
    let version = admissions::ranking_version(conn, resource_id)?
        .ok_or_else(|| ApiError::Internal("a resource without its occupancy".into()))?;
    let key = SnapshotKey {
        resource: resource_id,
        on,
        set: set.id,
        version,
    };
    if let Some(snapshot) = kept(key) {
        return Ok(snapshot);
    }
    let waiting = applications::applications_for(conn, resource_id, ApplicationStatus::Waiting)?;
    let applicants = waiting
        .iter()
        .map(|a| Applicant {
            id: a.id,
            protocol: a.protocol,
            submitted_at: a.submitted_at,
            submitted_on: a.submitted_on,
            inputs: a.inputs.iter().map(|i| (i.kind, i.value)).collect(),
        })
        .collect();
    let ranked = rank(&set.content.criteria, applicants, on);
    let whose = waiting
        .iter()
        .map(|a| (a.id, (a.person_id, a.case_file_id)))
        .collect();
    let snapshot = Arc::new(Snapshot { set, ranked, whose });
    keep(key, &snapshot);
    Ok(snapshot)
}

/// One application in a ranking.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingItem {
    /// Its place, from 1.
    #[schema(format = Int32, example = 1)]
    pub position: u32,
    /// The application.
    pub application_id: Uuid,
    /// Its protocol number.
    pub protocol: String,
    /// The person.
    pub person_id: Uuid,
    /// The case file.
    pub case_file_id: Uuid,
    /// When it was submitted (the first tie-breaker).
    pub submitted_at: DateTime<Utc>,
    /// Its total.
    #[schema(format = Int32)]
    pub total: u32,
    /// The points of each criterion, in the set's order; the disability severity's withheld.
    pub breakdown: Vec<PartItem>,
}

/// The working ranking of a resource.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingPage {
    /// The resource.
    pub resource_id: Uuid,
    /// The day it was ranked on.
    pub on: NaiveDate,
    /// The criteria set version in force that day.
    pub ranked_under: RankedUnder,
    /// How many applications are waiting.
    #[schema(format = Int32)]
    pub waiting: u32,
    /// The applications of this page, by position.
    pub items: Vec<RankingItem>,
    /// Link to the next page, or null on the last one.
    pub next: Option<String>,
}

/// Day and position of a ranking.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RankingQuery {
    /// The day to rank on (default today): the criteria set version in force that day
    /// applies and the months on the list count to it. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[param(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub on: Option<NaiveDate>,
    /// Opaque position returned in `next` (base64url, 1-500 characters among `A-Z a-z 0-9 - _`);
    /// omit for the first page. Anything else, or a position of another list, is 400.
    #[validate(length(min = 1, max = 500))]
    #[param(min_length = 1, max_length = 500, pattern = "^[A-Za-z0-9_-]{1,500}$")]
    pub cursor: Option<String>,
    /// Page size, 1-500 (default 100).
    #[validate(range(min = 1, max = 500))]
    #[param(minimum = 1, maximum = 500, default = 100)]
    pub limit: Option<u32>,
}

fn ranking_cursor(raw: Option<&str>) -> Result<u32, ApiError> {
    raw.map_or(Ok(0), |c| {
        let text = crate::cursor::decode(c)?;
        text.strip_prefix("ranking|")
            .and_then(|n| n.parse::<u32>().ok())
            .ok_or_else(|| ApiError::bad_parameter("cursor", "not a position of this list"))
    })
}

/// Rank the waiting applications of a resource
///
/// The working ranking of the resource's `waiting` applications on a day (default today),
/// under the criteria set version in force that day: each application's position, total and
/// breakdown per criterion (the disability severity's points withheld: the list is not the
/// place of special categories), by the higher total, then the earlier submission, then the
/// lower protocol number. Pages by position; `waiting` counts them all. For the area
/// coordinators, the office manager and the `administrative` staff; the audit record links
/// every person of the page.
#[utoipa::path(
    tag = "waiting-lists",
    operation_id = "get_resource_ranking",
    params(("resource_id" = Uuid, Path, description = "Resource identifier."), RankingQuery),
    responses(
        (status = 200, description = "One page of the ranking.", body = RankingPage),
        (status = 400, description = "Invalid day or cursor.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an area coordinator, the office manager nor administrative staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No resource with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No version of the resource's criteria set is in force on the day.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/resources/{resource_id}/ranking")]
pub async fn get_resource_ranking(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<ResourceId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadRanking, "resource.ranking", "resource");
    let query = req.query_string().to_owned();
    let page = case_work::list(&state, caller, &req, op, move |work, q: RankingQuery| {
        work.resource(id.0);
        let on = q.on.unwrap_or(work.today());
        let limit = q.limit.unwrap_or(100);
        let after = ranking_cursor(q.cursor.as_deref())?;
        let snapshot = ranking_on(work.conn(), id.0.uuid(), on)?;
        let (set, ranked, whose) = (&snapshot.set, &snapshot.ranked, &snapshot.whose);
        let total = u32::try_from(ranked.len()).unwrap_or(u32::MAX);
        let mut items: Vec<RankingItem> = ranked
            .iter()
            .filter(|r| r.position > after)
            .take(limit as usize + 1)
            .map(|r| {
                let (person_id, case_file_id) =
                    whose.get(&r.applicant.id).copied().unwrap_or_default();
                RankingItem {
                    position: r.position,
                    application_id: r.applicant.id,
                    protocol: r.applicant.protocol.to_string(),
                    person_id,
                    case_file_id,
                    submitted_at: r.applicant.submitted_at,
                    total: r.score.total,
                    breakdown: parts(&r.score.parts, false),
                }
            })
            .collect();
        let next = crate::cursor::cut(
            &mut items,
            limit as usize,
            &format!("/api/v1/resources/{}/ranking", id.0),
            &query,
            |last| format!("ranking|{}", last.position),
        );
        work.shows(items.iter().map(|i| i.person_id))
            .detail("on", on)
            .detail("criteria_set_id", set.id)
            .detail("returned", items.len());
        Ok(RankingPage {
            resource_id: id.0.uuid(),
            on,
            ranked_under: RankedUnder {
                criteria_set_id: set.id,
                code: set.content.code.clone(),
                version: set.version,
            },
            waiting: total,
            items,
            next,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Where the points differ between an application and a neighbour.
#[derive(Debug, Serialize, ToSchema)]
pub struct DifferenceItem {
    /// The criterion.
    pub kind: CriterionKindCode,
    /// The application's points.
    #[schema(format = Int32)]
    pub points: u32,
    /// The neighbour's points.
    #[schema(format = Int32)]
    pub other_points: u32,
}

/// What put one application before another.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeciderCode {
    /// A higher total.
    Score,
    /// Equal totals: the earlier submission.
    SubmittedAt,
    /// Equal totals and submissions: the lower protocol number.
    Protocol,
}

/// How the application compares with a neighbour (known by its protocol number only).
#[derive(Debug, Serialize, ToSchema)]
pub struct NeighbourItem {
    /// The neighbour's protocol number.
    pub protocol: String,
    /// Its position.
    #[schema(format = Int32)]
    pub position: u32,
    /// Its total.
    #[schema(format = Int32)]
    pub total: u32,
    /// What decided the order between the two.
    pub decided_by: DeciderCode,
    /// The criteria where the points differ, in the set's order; never the disability
    /// severity (a special category of either person), whose share is in `other_points_apart`.
    pub differences: Vec<DifferenceItem>,
    /// The part of the difference in totals that `differences` does not show.
    #[schema(format = Int64)]
    pub other_points_apart: i64,
}

fn neighbour(c: &Comparison, my_total: u32) -> NeighbourItem {
    use socialcare_domain::waiting_list::Decider;
    let shown: Vec<DifferenceItem> = c
        .differences
        .iter()
        .filter(|d| !special(d.kind))
        .map(|d| DifferenceItem {
            kind: d.kind.into(),
            points: d.points,
            other_points: d.other_points,
        })
        .collect();
    let apart = i64::from(my_total) - i64::from(c.other_total);
    let explained: i64 = shown
        .iter()
        .map(|d| i64::from(d.points) - i64::from(d.other_points))
        .sum();
    NeighbourItem {
        protocol: c.other_protocol.to_string(),
        position: c.other_position,
        total: c.other_total,
        decided_by: match c.decided_by {
            Decider::Score => DeciderCode::Score,
            Decider::SubmittedAt => DeciderCode::SubmittedAt,
            Decider::Protocol => DeciderCode::Protocol,
        },
        differences: shown,
        other_points_apart: apart - explained,
    }
}

/// Where an application stands and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandingResponse {
    /// The application.
    pub application_id: Uuid,
    /// Its protocol number.
    pub protocol: String,
    /// The day it was ranked on (today).
    pub on: NaiveDate,
    /// The criteria set version in force that day.
    pub ranked_under: RankedUnder,
    /// Its position among the waiting applications.
    #[schema(format = Int32)]
    pub position: u32,
    /// How many are waiting.
    #[schema(format = Int32)]
    pub waiting: u32,
    /// Its total.
    #[schema(format = Int32)]
    pub total: u32,
    /// The points of each criterion; the disability severity's withheld from whoever may not
    /// read the person's health data.
    pub breakdown: Vec<PartItem>,
    /// Against the application just above (null for the first).
    pub above: Option<NeighbourItem>,
    /// Against the application just below (null for the last).
    pub below: Option<NeighbourItem>,
}

/// Explain where an application stands
///
/// The position of a `waiting` application in its resource's ranking today, its total and
/// breakdown, and why it is there: against the application just above and the one just below
/// (known by their protocol numbers only), what decided the order and the criteria where the
/// points differ. For whoever may read its case file (the case manager answers the person);
/// audited with the person.
#[utoipa::path(
    tag = "waiting-lists",
    operation_id = "get_application_standing",
    params(("application_id" = Uuid, Path, description = "Application identifier.")),
    responses(
        (status = 200, description = "The standing.", body = StandingResponse),
        (status = 404, description = "No application with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The application is not waiting (not ranked), or no criteria set version is in force.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/applications/{application_id}/standing")]
pub async fn get_application_standing(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<ApplicationId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "application.standing", "application");
    let target = Target::within(
        ApplicationId::KIND,
        id.0,
        applications::application_case_file_of,
    );
    let standing = case_work::read(&state, caller, &req, target, op, move |work, _: NoQuery| {
        let application = applications::find_application(work.conn(), id.0.uuid())?
            .ok_or_else(|| ApiError::NotFound("no application with this id".into()))?;
        if !application.status.is_ranked() {
            return Err(ApiError::Conflict(format!(
                "the application is {}: only waiting applications are ranked",
                application.status
            )));
        }
        let on = work.today();
        let snapshot = ranking_on(work.conn(), application.resource_id, on)?;
        let (set, ranked) = (&snapshot.set, &snapshot.ranked);
        let why = explain(ranked, application.id).ok_or_else(|| {
            ApiError::Internal("a waiting application missing from its ranking".into())
        })?;
        let sensitive = work.also(Action::ReadSensitive);
        let me = &why.ranked;
        work.detail("position", me.position);
        Ok(StandingResponse {
            application_id: application.id,
            protocol: application.protocol.to_string(),
            on,
            ranked_under: RankedUnder {
                criteria_set_id: set.id,
                code: set.content.code.clone(),
                version: set.version,
            },
            position: me.position,
            waiting: u32::try_from(ranked.len()).unwrap_or(u32::MAX),
            total: me.score.total,
            breakdown: parts(&me.score.parts, sensitive),
            above: why.above.as_ref().map(|c| neighbour(c, me.score.total)),
            below: why.below.as_ref().map(|c| neighbour(c, me.score.total)),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(standing))
}
