//! Criteria sets: publishing a version, listing and reading them. A published version is never
//! changed; a new version is published with the day it applies from.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::access::Action;
use socialcare_domain::ids::CriteriaSetId;
use socialcare_domain::project::required_text;
use socialcare_domain::waiting_list::{
    Band, CriteriaContent, CriteriaSet, Criterion, CriterionKind, Scale, check_criteria, euro_text,
    max_score, parse_euro,
};
use socialcare_domain::{FieldError, ValidationErrors};
use socialcare_persistence::waiting_list::{self, ONE_VERSION_NUMBER};
use socialcare_persistence::{AnyConnection, StoreError};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, Answer, NoQuery, Op};
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::idempotency::IdempotencyKeyHeader;
use crate::routes::codes::CriterionKindCode;
use crate::state::AppState;

/// An ISEE band.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BandBody {
    /// The upper bound (inclusive) in euro, two decimals, up to 1000000.00.
    #[schema(example = "7500.00", pattern = r"^[0-9]{1,7}\.[0-9]{2}$")]
    #[validate(length(min = 4, max = 10))]
    pub up_to: String,
    /// The points of an ISEE up to the bound (and above the previous band's), 0-1000.
    #[schema(minimum = 0, maximum = 1000, format = Int32, example = 30)]
    #[validate(range(max = 1000))]
    pub points: u32,
}

/// A criterion of a set, with its scale. Which members a kind takes:
/// `urgency`, `family_support`, `disability_severity`, `minors_in_household`: `levels`;
/// `isee`: `bands`, `above`, `missing`; `months_on_list`: `per_month`, `max`.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "urgency", "label": "Urgenza valutata dall'assistente sociale",
    "levels": {"0": 0, "1": 5, "2": 10, "3": 20}}))]
pub struct CriterionBody {
    /// What it reads.
    pub kind: CriterionKindCode,
    /// How the office names it, 1-200 characters.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub label: String,
    /// For a criterion by levels: the points (0-1000) of every level of its kind, never fewer
    /// for more need: `urgency` `0`-`3`; `family_support` `full`, `partial`, `none`;
    /// `disability_severity` `none`, `recognised` (L. 104/1992), `severe` (art. 3 c. 3);
    /// `minors_in_household` `no`, `yes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<BTreeMap<String, u32>>)]
    pub levels: Option<BTreeMap<String, u32>>,
    /// For `isee`: 1-20 bands by increasing bound, points never increasing.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 20), nested)]
    pub bands: Option<Vec<BandBody>>,
    /// For `isee`: the points above the last bound (not more than the last band's), 0-1000.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 1000, format = Int32)]
    #[validate(range(max = 1000))]
    pub above: Option<u32>,
    /// For `isee`: the points without a declared ISEE, 0-1000.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 1000, format = Int32)]
    #[validate(range(max = 1000))]
    pub missing: Option<u32>,
    /// For `months_on_list`: the points of each whole month since the submission, 1-1000.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 1000, format = Int32)]
    #[validate(range(min = 1, max = 1000))]
    pub per_month: Option<u32>,
    /// For `months_on_list`: the most points, at least `per_month`, up to 1000.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 1000, format = Int32)]
    #[validate(range(min = 1, max = 1000))]
    pub max: Option<u32>,
}

impl CriterionBody {
    /// The domain's scale, or the error at `criteria/{i}/…`.
    fn scale(&self, kind: CriterionKind) -> Result<Scale, FieldError> {
        let at = |member: &str, detail: String| FieldError::new(member, detail);
        let members = [
            ("levels", self.levels.is_some()),
            ("bands", self.bands.is_some()),
            ("above", self.above.is_some()),
            ("missing", self.missing.is_some()),
            ("per_month", self.per_month.is_some()),
            ("max", self.max.is_some()),
        ];
        let takes: &[&str] = match kind {
            CriterionKind::Isee => &["bands", "above", "missing"],
            CriterionKind::MonthsOnList => &["per_month", "max"],
            _ => &["levels"],
        };
        if let Some((extra, _)) = members
            .iter()
            .find(|(m, given)| *given && !takes.contains(m))
        {
            return Err(at(
                extra,
                format!("is not a member of a `{kind}` criterion"),
            ));
        }
        match kind {
            CriterionKind::Isee => {
                let raw = self
                    .bands
                    .as_deref()
                    .ok_or_else(|| at("bands", "is required for `isee`".into()))?;
                let bands = raw
                    .iter()
                    .enumerate()
                    .map(|(i, b)| {
                        parse_euro(&b.up_to)
                            .map(|up_to_cents| Band {
                                up_to_cents,
                                points: b.points,
                            })
                            .map_err(|e| at(&format!("bands/{i}/up_to"), e))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Scale::Bands {
                    bands,
                    above: self.above.unwrap_or(0),
                    missing: self.missing.unwrap_or(0),
                })
            }
            CriterionKind::MonthsOnList => match (self.per_month, self.max) {
                (Some(per_month), Some(max)) => Ok(Scale::PerMonth { per_month, max }),
                _ => Err(at(
                    "per_month",
                    "`per_month` and `max` are required for `months_on_list`".into(),
                )),
            },
            _ => {
                let levels = kind.levels().unwrap_or(&[]);
                let given = self
                    .levels
                    .as_ref()
                    .ok_or_else(|| at("levels", format!("is required for `{kind}`")))?;
                if let Some(unknown) = given.keys().find(|k| !levels.contains(&k.as_str())) {
                    return Err(at(
                        "levels",
                        format!(
                            "`{unknown}` is not a level of `{kind}`: {}",
                            levels.join(", ")
                        ),
                    ));
                }
                levels
                    .iter()
                    .map(|l| {
                        given
                            .get(*l)
                            .copied()
                            .ok_or_else(|| at("levels", format!("the points of `{l}` are missing")))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Scale::Levels)
            }
        }
    }

    fn of(c: &Criterion) -> Self {
        let mut body = Self {
            kind: c.kind.into(),
            label: c.label.clone(),
            levels: None,
            bands: None,
            above: None,
            missing: None,
            per_month: None,
            max: None,
        };
        match &c.scale {
            Scale::Levels(points) => {
                body.levels = Some(
                    c.kind
                        .levels()
                        .unwrap_or(&[])
                        .iter()
                        .zip(points)
                        .map(|(l, p)| ((*l).to_owned(), *p))
                        .collect(),
                );
            }
            Scale::Bands {
                bands,
                above,
                missing,
            } => {
                body.bands = Some(
                    bands
                        .iter()
                        .map(|b| BandBody {
                            up_to: euro_text(b.up_to_cents),
                            points: b.points,
                        })
                        .collect(),
                );
                body.above = Some(*above);
                body.missing = Some(*missing);
            }
            Scale::PerMonth { per_month, max } => {
                body.per_month = Some(*per_month);
                body.max = Some(*max);
            }
        }
        body
    }
}

/// A version of a criteria set to publish.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "code": "residenziale_disabilita",
    "title": "Servizi residenziali per persone con disabilità",
    "effective_from": "2027-01-01",
    "criteria": [
        {"kind": "urgency", "label": "Urgenza", "levels": {"0": 0, "1": 5, "2": 10, "3": 20}},
        {"kind": "disability_severity", "label": "Gravità (L. 104/1992)",
            "levels": {"none": 0, "recognised": 6, "severe": 12}},
        {"kind": "isee", "label": "ISEE", "bands": [{"up_to": "7500.00", "points": 10},
            {"up_to": "15000.00", "points": 5}], "above": 0, "missing": 0},
        {"kind": "months_on_list", "label": "Mesi in lista", "per_month": 1, "max": 12}
    ]
}))]
pub struct PublishCriteriaRequest {
    /// The set's code, shared by its versions: 1-40 characters among `a-z 0-9 _`. The first
    /// publication of a code is version 1, each next one the following number.
    #[validate(length(min = 1, max = 40))]
    #[schema(min_length = 1, max_length = 40, pattern = r"^[a-z0-9_]{1,40}$")]
    pub code: String,
    /// The title, 1-200 characters.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// The day it applies from: not before today (a set never applies to the past), at most
    /// two years ahead. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub effective_from: NaiveDate,
    /// The criteria, 1-10, each kind at most once.
    #[validate(length(min = 1, max = 10), nested)]
    pub criteria: Vec<CriterionBody>,
}

impl PublishCriteriaRequest {
    fn content(&self, today: NaiveDate) -> Result<CriteriaContent, ApiError> {
        let mut errors = ValidationErrors::new();
        let title = errors.collect("title", required_text(&self.title, 200));
        if self.effective_from < today {
            errors.push(FieldError::new(
                "effective_from",
                "must not be before today: a criteria set never applies to the past",
            ));
        } else if (self.effective_from - today).num_days() > 731 {
            errors.push(FieldError::new(
                "effective_from",
                "must be at most two years ahead",
            ));
        }
        let mut criteria = Vec::new();
        for (i, c) in self.criteria.iter().enumerate() {
            let kind: CriterionKind = c.kind.into();
            let label =
                errors.collect(&format!("criteria/{i}/label"), required_text(&c.label, 200));
            match (c.scale(kind), label) {
                (Ok(scale), Some(label)) => criteria.push(Criterion { kind, label, scale }),
                (Err(e), _) => errors.push(FieldError::new(
                    format!("criteria/{i}/{}", e.field),
                    e.detail,
                )),
                _ => {}
            }
        }
        let (Some(title), true) = (title, errors.is_empty()) else {
            return Err(ApiError::from_domain(errors));
        };
        let content = CriteriaContent {
            code: self.code.clone(),
            title,
            effective_from: self.effective_from,
            criteria,
        };
        check_criteria(&content).map_err(ApiError::from_domain)?;
        Ok(content)
    }
}

/// A published version of a criteria set.
#[derive(Debug, Serialize, ToSchema)]
pub struct CriteriaSetResponse {
    /// Identifier of this version.
    pub id: Uuid,
    /// The set's code.
    pub code: String,
    /// The version, from 1.
    #[schema(format = Int32, example = 1)]
    pub version: i32,
    /// The title.
    pub title: String,
    /// The day it applies from.
    pub effective_from: NaiveDate,
    /// The most points an application can score under it.
    #[schema(format = Int32, example = 54)]
    pub max_score: u32,
    /// The criteria, in order.
    pub criteria: Vec<CriterionBody>,
    /// When it was published.
    pub created_at: DateTime<Utc>,
    /// Who published it.
    pub created_by: Uuid,
}

impl From<&CriteriaSet> for CriteriaSetResponse {
    fn from(s: &CriteriaSet) -> Self {
        Self {
            id: s.id,
            code: s.content.code.clone(),
            version: s.version,
            title: s.content.title.clone(),
            effective_from: s.content.effective_from,
            max_score: max_score(&s.content.criteria),
            criteria: s.content.criteria.iter().map(CriterionBody::of).collect(),
            created_at: s.created_at,
            created_by: s.created_by,
        }
    }
}

fn version_taken(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict(c) if c == ONE_VERSION_NUMBER => ApiError::Conflict(
            "another version of this criteria set was published meanwhile; read it and retry"
                .into(),
        ),
        other => other.into(),
    }
}

/// Publish a version of a criteria set
///
/// Publishes the next version of the criteria set `code` (version 1 for a new code): its
/// criteria with their scales, applying from `effective_from`. A published version is never
/// changed (the database refuses it): publish a new one. For the `administrative` staff and
/// the office manager. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "waiting-lists",
    operation_id = "publish_criteria_set",
    params(IdempotencyKeyHeader),
    request_body = PublishCriteriaRequest,
    responses(
        (status = 201, description = "Published.", body = CriteriaSetResponse,
            headers(("Location" = String, description = "URL of the version."))),
        (status = 403, description = "Not administrative staff nor the office manager.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another version of the code was published at the same time.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (JSON Pointers such as `/criteria/1/levels`): a kind twice, a scale that rewards less need, a day in the past.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/criteria-sets")]
pub async fn publish_criteria_set(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Body<PublishCriteriaRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ManageResources,
        "criteria_set.publish",
        "criteria_set",
    );
    case_work::create(&state, caller, &req, op, body, |work, request, _| {
        let content = request.content(work.today())?;
        let (actor, now) = (work.actor(), work.now());
        let set = waiting_list::publish_criteria_set(work.conn(), &content, actor, now)
            .map_err(version_taken)?;
        work.resource(set.id)
            .detail("code", &set.content.code)
            .detail("version", set.version);
        Ok(Answer::created(
            &CriteriaSetResponse::from(&set),
            format!("/api/v1/criteria-sets/{}", set.id),
            None,
        ))
    })
    .await
}

/// Filter and position of the criteria sets.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CriteriaListQuery {
    /// Only the versions of this code.
    #[validate(length(min = 1, max = 40))]
    #[param(min_length = 1, max_length = 40, pattern = r"^[a-z0-9_]{1,40}$")]
    pub code: Option<String>,
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

/// One page of criteria sets.
#[derive(Debug, Serialize, ToSchema)]
pub struct CriteriaSetPage {
    /// The versions, by code then version.
    pub items: Vec<CriteriaSetResponse>,
    /// Link to the next page, or null on the last one.
    pub next: Option<String>,
}

fn criteria_cursor(raw: Option<&str>) -> Result<Option<(String, i32)>, ApiError> {
    raw.map(|c| {
        let text = crate::cursor::decode(c)?;
        text.strip_prefix("criteria|")
            .and_then(|rest| rest.split_once('|'))
            .and_then(|(version, code)| version.parse().ok().map(|v| (code.to_owned(), v)))
            .ok_or_else(|| ApiError::bad_parameter("cursor", "not a position of this list"))
    })
    .transpose()
}

/// List criteria sets
///
/// Every published version of the criteria sets, by code then version, or those of one code.
/// The criteria are public rules: for whoever works cases.
#[utoipa::path(
    tag = "waiting-lists",
    operation_id = "list_criteria_sets",
    params(CriteriaListQuery),
    responses(
        (status = 200, description = "One page of versions.", body = CriteriaSetPage),
        (status = 400, description = "Invalid filter or cursor.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/criteria-sets")]
pub async fn list_criteria_sets(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadResources, "criteria_set.list", "criteria_set");
    let query = req.query_string().to_owned();
    let page = case_work::list(
        &state,
        caller,
        &req,
        op,
        move |work, q: CriteriaListQuery| {
            let limit = q.limit.unwrap_or(50);
            if let Some(code) = q.code.as_deref() {
                socialcare_domain::waiting_list::parse_set_code(code)
                    .map_err(|e| ApiError::bad_parameter("code", e))?;
            }
            let mut found = waiting_list::list_criteria_sets(
                work.conn(),
                q.code.as_deref(),
                criteria_cursor(q.cursor.as_deref())?,
                i64::from(limit) + 1,
            )?;
            let next = crate::cursor::cut(
                &mut found,
                limit as usize,
                "/api/v1/criteria-sets",
                &query,
                |last| format!("criteria|{}|{}", last.version, last.content.code),
            );
            work.detail("returned", found.len());
            Ok(CriteriaSetPage {
                items: found.iter().map(CriteriaSetResponse::from).collect(),
                next,
            })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// The version, or 404.
pub(super) fn criteria_set_of(conn: &mut AnyConnection, id: Uuid) -> Result<CriteriaSet, ApiError> {
    waiting_list::find_criteria_set(conn, id)?
        .ok_or_else(|| ApiError::NotFound("no criteria set with this id".into()))
}

/// Read a version of a criteria set
///
/// One published version with its criteria and scales. For whoever works cases.
#[utoipa::path(
    tag = "waiting-lists",
    operation_id = "get_criteria_set",
    params(("set_id" = Uuid, Path, description = "Criteria set version identifier.")),
    responses(
        (status = 200, description = "The version.", body = CriteriaSetResponse),
        (status = 404, description = "No criteria set with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/criteria-sets/{set_id}")]
pub async fn get_criteria_set(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<CriteriaSetId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadResources, "criteria_set.read", "criteria_set");
    let set = case_work::list(&state, caller, &req, op, move |work, _: NoQuery| {
        work.resource(id.0);
        criteria_set_of(work.conn(), id.0.uuid())
    })
    .await?;
    Ok(HttpResponse::Ok().json(CriteriaSetResponse::from(&set)))
}
