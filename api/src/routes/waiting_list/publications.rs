//! Published rankings: the office publishes a resource's ranking of today under the criteria set
//! version in force, as a numbered snapshot never changed, showing only positions, protocol
//! numbers and totals (JSON or CSV). Publishing under another version than the previous
//! publication is a re-ranking, an explicit decision with its reason, audited. Rules:
//! `socialcare_domain::waiting_list::check_publication`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::ValidationErrors;
use socialcare_domain::access::Action;
use socialcare_domain::ids::{PublishedRankingId, ResourceId};
use socialcare_domain::waiting_list::{
    CriteriaSet, Publication, PublicationError, PublishedEntry, Resource, check_publication,
    entries_of,
};
use socialcare_persistence::rankings::{self, NewPublication, ONE_NUMBER};
use socialcare_persistence::{AnyConnection, StoreError, admissions, waiting_list};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::ranking::{RankedUnder, ranking_on};
use super::resources::resource_of;
use crate::auth::Caller;
use crate::case_work::{self, Answer, Checked, NoQuery, Op, Work};
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::idempotency::IdempotencyKeyHeader;
use crate::state::AppState;

/// A publication of a resource's ranking.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"criteria_set_id": "01938a6e-7f00-7000-8000-000000000007"}))]
pub struct PublishRequest {
    /// The criteria set version in force today, confirmed by the publisher (409 when another
    /// is in force): the ranking is published under it.
    pub criteria_set_id: Uuid,
    /// Why, 1-500 characters: required when the previous publication was ranked under another
    /// version (a re-ranking).
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: Option<String>,
}

/// One line of a published ranking: what may be made public.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedEntryItem {
    /// The position, from 1.
    #[schema(format = Int32, example = 1)]
    pub position: u32,
    /// The application's protocol number (what the applicant knows it by).
    #[schema(example = "2026/000123", pattern = r"^[0-9]{4}/[0-9]{6}$")]
    pub protocol: String,
    /// Its total score.
    #[schema(format = Int32)]
    pub total: u32,
}

impl From<&PublishedEntry> for PublishedEntryItem {
    fn from(e: &PublishedEntry) -> Self {
        Self {
            position: e.position,
            protocol: e.protocol.to_string(),
            total: e.total,
        }
    }
}

/// A publication of a resource's ranking (without its lines).
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicationSummary {
    /// Identifier.
    pub id: Uuid,
    /// The resource.
    pub resource_id: Uuid,
    /// Its number among the resource's publications, from 1.
    #[schema(format = Int32, example = 1)]
    pub number: u32,
    /// The day it was ranked on.
    pub ranked_on: NaiveDate,
    /// The criteria set version it was ranked under.
    pub ranked_under: RankedUnder,
    /// The version of the previous publication, when this one re-ranked under another.
    pub re_ranked_from: Option<Uuid>,
    /// Why it was published (required to re-rank).
    pub reason: Option<String>,
    /// How many applications it ranks.
    #[schema(format = Int32)]
    pub entries: u32,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// Who published it.
    pub published_by: Uuid,
}

/// A published ranking: positions, protocol numbers and totals, never names nor special
/// categories.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedRanking {
    /// The publication.
    #[serde(flatten)]
    pub publication: PublicationSummary,
    /// The resource's name.
    pub resource_name: String,
    /// The lines, by position.
    pub items: Vec<PublishedEntryItem>,
}

fn summary(p: &Publication, set: &CriteriaSet) -> PublicationSummary {
    PublicationSummary {
        id: p.id,
        resource_id: p.resource_id,
        number: p.number,
        ranked_on: p.ranked_on,
        ranked_under: RankedUnder {
            criteria_set_id: set.id,
            code: set.content.code.clone(),
            version: set.version,
        },
        re_ranked_from: p.previous_criteria_set_id,
        reason: p.reason.clone(),
        entries: p.entries,
        published_at: p.published_at,
        published_by: p.published_by,
    }
}

/// The criteria set versions of `code`, to name the version of each publication.
fn version_of(versions: &[CriteriaSet], id: Uuid) -> Result<&CriteriaSet, ApiError> {
    versions
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| ApiError::Internal("a publication under an unknown criteria set".into()))
}

fn number_taken(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict(c) if c == ONE_NUMBER => ApiError::Conflict(
            "another publication of this resource was recorded at the same moment; retry".into(),
        ),
        other => other.into(),
    }
}

/// Publish the ranking of a resource
///
/// Publishes the ranking of the resource's `waiting` applications today under the criteria set
/// version in force, which the publisher confirms in `criteria_set_id` (409 when another is in
/// force): a snapshot numbered after the previous publications, never changed, with each
/// application's position, protocol number and total only. Publishing under another version
/// than the previous publication re-ranks the list: a decision that needs a `reason` (422
/// otherwise), kept with the publication (`re_ranked_from`) and audited. For the
/// `administrative` staff and the office manager. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "waiting-lists",
    operation_id = "publish_resource_ranking",
    params(("resource_id" = Uuid, Path, description = "Resource identifier."), IdempotencyKeyHeader),
    request_body = PublishRequest,
    responses(
        (status = 201, description = "The published ranking.", body = PublishedRanking,
            headers(("Location" = String, description = "The published ranking."))),
        (status = 403, description = "Not administrative staff nor the office manager.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No resource with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version named is not the one in force today, or none is.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (no reason to re-rank under another version).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/resources/{resource_id}/rankings")]
pub async fn publish_resource_ranking(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<ResourceId>,
    body: Body<PublishRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ManageResources,
        "resource.ranking.publish",
        "resource",
    );
    let check = move |work: &mut Work<'_>| {
        work.resource(id.0);
        resource_of(work.conn(), id.0.uuid())
    };
    let then = move |work: &mut Work<'_>,
                     request: PublishRequest,
                     _: case_work::IfMatch,
                     resource: Resource| {
        let reason = request
            .reason
            .as_deref()
            .map(|r| socialcare_domain::project::required_text(r, 500))
            .transpose()
            .map_err(|e| ApiError::from_domain(ValidationErrors::single("reason", e)))?;
        let (actor, now, today) = (work.actor(), work.now(), work.today());
        // Publications (and decisions on places) of one resource, one after the other.
        admissions::lock_occupancy(work.conn(), resource.id)?;
        let snapshot = ranking_on(work.conn(), resource.id, today)?;
        let (set, ranked) = (&snapshot.set, &snapshot.ranked);
        let last = rankings::last_publication(work.conn(), resource.id)?;
        let previous = check_publication(
            set,
            request.criteria_set_id,
            last.as_ref(),
            reason.as_deref(),
        )
        .map_err(|e| match e {
            PublicationError::NotInForce { in_force, version } => ApiError::Conflict(format!(
                "the version in force today is {version} ({in_force}): confirm it to publish"
            )),
            PublicationError::Invalid(errors) => ApiError::from_domain(errors),
        })?;
        let entries = entries_of(ranked);
        let new = NewPublication {
            resource_id: resource.id,
            criteria_set_id: set.id,
            previous_criteria_set_id: previous,
            ranked_on: today,
            reason,
        };
        let number = last.as_ref().map_or(0, |l| l.number);
        let publication = rankings::publish(work.conn(), &new, number, &entries, actor, now)
            .map_err(number_taken)?;
        work.event(if previous.is_some() {
            "resource.ranking.re_rank"
        } else {
            "resource.ranking.publish"
        })
        .detail("ranking_id", publication.id)
        .detail("number", publication.number)
        .detail("criteria_set_id", set.id)
        .detail("entries", entries.len());
        if let Some(previous) = previous {
            work.detail("re_ranked_from", previous);
        }
        let body = PublishedRanking {
            publication: summary(&publication, set),
            resource_name: resource.content.name.clone(),
            items: entries.iter().map(Into::into).collect(),
        };
        Ok(Answer::created(
            &body,
            format!("/api/v1/published-rankings/{}", publication.id),
            None,
        ))
    };
    case_work::office_checked(&state, caller, &req, op, body, Checked { check, then }).await
}

/// The publications of a resource.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicationList {
    /// The latest first.
    pub items: Vec<PublicationSummary>,
}

/// List the published rankings of a resource
///
/// Every publication of the resource's ranking, the latest first, with the version it was
/// ranked under and, for a re-ranking, the previous version and the reason. For whoever works
/// cases.
#[utoipa::path(
    tag = "waiting-lists",
    operation_id = "list_resource_rankings",
    params(("resource_id" = Uuid, Path, description = "Resource identifier.")),
    responses(
        (status = 200, description = "The publications.", body = PublicationList),
        (status = 403, description = "Not a staff member who works cases.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No resource with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/resources/{resource_id}/rankings")]
pub async fn list_resource_rankings(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<ResourceId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadResources, "resource.ranking.list", "resource");
    let list = case_work::list(&state, caller, &req, op, move |work, _: NoQuery| {
        work.resource(id.0);
        let resource = resource_of(work.conn(), id.0.uuid())?;
        let found = rankings::publications_of(work.conn(), resource.id)?;
        let versions = waiting_list::versions_of(work.conn(), &resource.content.criteria_code)?;
        work.detail("returned", found.len());
        Ok(PublicationList {
            items: found
                .iter()
                .map(|p| Ok(summary(p, version_of(&versions, p.criteria_set_id)?)))
                .collect::<Result<_, ApiError>>()?,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// How a published ranking is answered.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RankingFormat {
    /// JSON (the default).
    #[default]
    Json,
    /// CSV: UTF-8, `;`-separated, a header line `position;protocol;total`.
    Csv,
}

/// The format of a published ranking.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublishedQuery {
    /// `json` (default) or `csv`.
    #[param(inline)]
    pub format: Option<RankingFormat>,
}

fn published(conn: &mut AnyConnection, id: Uuid) -> Result<(Publication, Resource), ApiError> {
    let publication = rankings::find_publication(conn, id)?
        .ok_or_else(|| ApiError::NotFound("no published ranking with this id".into()))?;
    let resource = resource_of(conn, publication.resource_id)?;
    Ok((publication, resource))
}

/// The CSV of a published ranking: a header line, then one line per position.
fn csv_of(items: &[PublishedEntryItem]) -> String {
    let mut out = String::from("position;protocol;total\r\n");
    for i in items {
        out.push_str(&format!("{};{};{}\r\n", i.position, i.protocol, i.total));
    }
    out
}

/// Read a published ranking (JSON or CSV)
///
/// A publication of a resource's ranking as it may be made public: the position, protocol
/// number and total of each application, never a name, a tax code or a special category;
/// `format=csv` answers it as CSV (UTF-8, `;`, a header line `position;protocol;total`). For
/// whoever works cases.
#[utoipa::path(
    tag = "waiting-lists",
    operation_id = "get_published_ranking",
    params(("ranking_id" = Uuid, Path, description = "Published ranking identifier."), PublishedQuery),
    responses(
        (status = 200, description = "The published ranking.",
            content(
                (PublishedRanking = "application/json"),
                (String = "text/csv", example = "position;protocol;total\r\n1;2026/000123;31\r\n"),
            )),
        (status = 400, description = "Unknown format.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a staff member who works cases.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No published ranking with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/published-rankings/{ranking_id}")]
pub async fn get_published_ranking(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PublishedRankingId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadResources,
        "resource.ranking.read",
        "published_ranking",
    );
    let (body, format) =
        case_work::list(&state, caller, &req, op, move |work, q: PublishedQuery| {
            work.resource(id.0);
            let (publication, resource) = published(work.conn(), id.0.uuid())?;
            let entries = rankings::entries_of(work.conn(), publication.id)?;
            let versions = waiting_list::versions_of(work.conn(), &resource.content.criteria_code)?;
            let set = version_of(&versions, publication.criteria_set_id)?;
            let format = q.format.unwrap_or_default();
            work.detail("resource_id", resource.id).detail(
                "format",
                match format {
                    RankingFormat::Csv => "csv",
                    RankingFormat::Json => "json",
                },
            );
            Ok((
                PublishedRanking {
                    publication: summary(&publication, set),
                    resource_name: resource.content.name.clone(),
                    items: entries.iter().map(Into::into).collect(),
                },
                format,
            ))
        })
        .await?;
    Ok(match format {
        RankingFormat::Json => HttpResponse::Ok().json(body),
        RankingFormat::Csv => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"graduatoria-{}.csv\"",
                    body.publication.number
                ),
            ))
            .body(csv_of(&body.items)),
    })
}
