//! The beds of a facility, their out-of-service periods, and the search of free beds.

use super::*;
use crate::case_work::{Checked, IfMatch};
use socialcare_domain::housing::{BedContent, MAX_STAY_NIGHTS, Takes, check_bed, stay_nights};
use socialcare_domain::project::required_text;
use socialcare_persistence::housing::{BedQuery, OutOfService};

/// A bed's description (a room or flat let as a whole is a bed of larger capacity).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "unit": "Camera 3",
    "label": "Letto A",
    "capacity": 1,
    "accessible": false,
    "opens_on": "2026-01-01",
    "season_from": "2026-11-15",
    "season_until": "2027-03-31"
}))]
pub struct BedRequest {
    /// The room or flat it is in (1-100 characters).
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub unit: String,
    /// Its label in the unit (1-50 characters), unique in the unit.
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub label: String,
    /// Places it offers, 1-12 (default 1).
    #[serde(default = "one")]
    #[validate(range(min = 1, max = 12))]
    #[schema(minimum = 1, maximum = 12, default = 1)]
    pub capacity: u16,
    /// Reserved to `men` or `women` (default: as the facility).
    pub takes: Option<TakesCode>,
    /// Accessible (default false).
    #[serde(default)]
    pub accessible: bool,
    /// First night it exists (default: the facility's opening). Between 1900-01-01 and
    /// 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub opens_on: Option<NaiveDate>,
    /// First night it no longer exists. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub closes_on: Option<NaiveDate>,
    /// For a seasonal bed (the winter emergency plan), the season's first night; with
    /// `season_until`. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub season_from: Option<NaiveDate>,
    /// The first night after the season (at most 366 nights after `season_from`). Between
    /// 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub season_until: Option<NaiveDate>,
}

fn one() -> u16 {
    1
}

impl BedRequest {
    fn content(&self, facility: &Facility) -> Result<BedContent, ApiError> {
        let mut errors = socialcare_domain::ValidationErrors::new();
        let unit = errors.collect("unit", required_text(&self.unit, 100));
        let label = errors.collect("label", required_text(&self.label, 50));
        let takes: Option<Takes> = self.takes.map(Into::into);
        if matches!(takes, Some(Takes::Mixed | Takes::Families)) {
            errors.collect::<()>(
                "takes",
                Err("a bed is reserved to `men` or `women` only".into()),
            );
        }
        let season = match (self.season_from, self.season_until) {
            (Some(from), Some(until)) => Some((from, until)),
            (None, None) => None,
            (Some(_), None) => {
                errors.collect::<()>("season_until", Err("is required with `season_from`".into()));
                None
            }
            (None, Some(_)) => {
                errors.collect::<()>("season_from", Err("is required with `season_until`".into()));
                None
            }
        };
        let (Some(unit), Some(label)) = (unit, label) else {
            return Err(ApiError::from_domain(errors));
        };
        let content = BedContent {
            unit,
            label,
            capacity: self.capacity,
            takes,
            accessible: self.accessible,
            opens_on: self.opens_on.unwrap_or(facility.content.opens_on),
            closes_on: self.closes_on,
            season,
        };
        if let Err(more) = check_bed(&content, facility.content.takes) {
            for e in more.errors() {
                errors.collect::<()>(&e.field, Err(e.detail.clone()));
            }
        }
        if errors.is_empty() {
            Ok(content)
        } else {
            Err(ApiError::from_domain(errors))
        }
    }
}

/// An out-of-service period of a bed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutOfServiceResponse {
    /// Identifier.
    pub id: Uuid,
    /// The bed.
    pub bed_id: Uuid,
    /// First night out of service.
    pub from: NaiveDate,
    /// First night back in service (null: until further notice).
    pub until: Option<NaiveDate>,
    /// Why.
    pub reason: String,
    /// Who recorded it.
    pub recorded_by: Uuid,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

impl From<&OutOfService> for OutOfServiceResponse {
    fn from(o: &OutOfService) -> Self {
        Self {
            id: o.id,
            bed_id: o.bed_id,
            from: o.nights.from,
            until: o.nights.until,
            reason: o.reason.clone(),
            recorded_by: o.recorded_by,
            recorded_at: o.recorded_at,
        }
    }
}

/// A bed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BedResponse {
    /// Identifier.
    pub id: Uuid,
    /// Its facility.
    pub facility_id: Uuid,
    /// The room or flat it is in.
    #[schema(example = "Camera 3")]
    pub unit: String,
    /// Its label.
    #[schema(example = "Letto A")]
    pub label: String,
    /// Places it offers.
    pub capacity: u16,
    /// Reserved to `men` or `women`; null: as the facility.
    pub takes: Option<TakesCode>,
    /// Accessible.
    pub accessible: bool,
    /// First night it exists.
    pub opens_on: NaiveDate,
    /// First night it no longer exists.
    pub closes_on: Option<NaiveDate>,
    /// First night of its season (seasonal beds only).
    pub season_from: Option<NaiveDate>,
    /// First night after its season.
    pub season_until: Option<NaiveDate>,
    /// Its out-of-service periods, oldest first.
    pub out_of_service: Vec<OutOfServiceResponse>,
    /// Version, also sent as `ETag`; send it back in `If-Match` to replace the bed.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
}

fn bed_response(bed: &Bed, out: &[OutOfService]) -> BedResponse {
    let c = &bed.content;
    BedResponse {
        id: bed.id,
        facility_id: bed.facility_id,
        unit: c.unit.clone(),
        label: c.label.clone(),
        capacity: c.capacity,
        takes: c.takes.map(Into::into),
        accessible: c.accessible,
        opens_on: c.opens_on,
        closes_on: c.closes_on,
        season_from: c.season.map(|s| s.0),
        season_until: c.season.map(|s| s.1),
        out_of_service: out
            .iter()
            .filter(|o| o.bed_id == bed.id)
            .map(OutOfServiceResponse::from)
            .collect(),
        version: bed.version,
    }
}

const BED_LABEL: &str = "this label in this unit";

/// Add a bed
///
/// Adds a bed (or a room or flat let as a whole, with its capacity) to a facility. Seasonal
/// beds exist only between `season_from` and `season_until`. For the `administrative` staff and
/// the coordinators of the facility's area. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "housing",
    operation_id = "create_bed",
    params(("facility_id" = Uuid, Path, description = "Facility identifier."), IdempotencyKeyHeader),
    request_body = BedRequest,
    responses(
        (status = 201, description = "Added.", body = BedResponse,
            headers(("Location" = String, description = "URL of the bed."), ("ETag" = String, description = "Version, for If-Match."))),
        (status = 403, description = "Not administrative staff or coordinator of the facility's area.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No facility with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The unit already has a bed with this label.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (a season that is not a period, a bed reserved to the sex the facility does not take…).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/facilities/{facility_id}/beds")]
pub async fn create_bed(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<FacilityId>,
    body: Body<BedRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ManageHousing, "bed.create", "bed");
    let check = move |work: &mut Work<'_>| {
        let facility = facility_of(work.conn(), id.0.uuid())?;
        decide_facility(work, &facility)?;
        Ok(facility)
    };
    let then = |work: &mut Work<'_>, request: BedRequest, _: IfMatch, facility: Facility| {
        let content = request.content(&facility)?;
        let (actor, now) = (work.actor(), work.now());
        let bed = housing::insert_bed(work.conn(), facility.id, &content, actor, now)
            .map_err(|e| name_taken(e, BED_LABEL))?;
        work.resource(bed.id).detail("facility_id", facility.id);
        Ok(Answer::created(
            &bed_response(&bed, &[]),
            format!("/api/v1/beds/{}", bed.id),
            Some(bed.version),
        ))
    };
    case_work::office_checked(&state, caller, &req, op, body, Checked { check, then }).await
}

/// The beds of a facility.
#[derive(Debug, Serialize, ToSchema)]
pub struct BedList {
    /// The beds, by unit and label.
    pub items: Vec<BedResponse>,
}

/// List the beds of a facility
///
/// Every bed of the facility, by unit and label, with its out-of-service periods. For whoever
/// works cases.
#[utoipa::path(
    tag = "housing",
    operation_id = "list_beds",
    params(("facility_id" = Uuid, Path, description = "Facility identifier.")),
    responses(
        (status = 200, description = "The beds.", body = BedList),
        (status = 404, description = "No facility with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/facilities/{facility_id}/beds")]
pub async fn list_beds(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<FacilityId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadHousing, "bed.list", "facility");
    let list = case_work::list(&state, caller, &req, op, move |work, _: NoQuery| {
        work.resource(id.0);
        let facility = facility_of(work.conn(), id.0.uuid())?;
        let beds = housing::beds_of(work.conn(), facility.id)?;
        let ids: Vec<Uuid> = beds.iter().map(|b| b.id).collect();
        let out = housing::out_of_service_of(work.conn(), &ids)?;
        Ok(BedList {
            items: beds.iter().map(|b| bed_response(b, &out)).collect(),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Replace a bed
///
/// Replaces the description of a bed. Requires `If-Match`. A change that would leave booked
/// nights without a place (a lower capacity, an earlier closure, a shorter season) is refused
/// (409 naming the night). For the `administrative` staff and the coordinators of the
/// facility's area.
#[utoipa::path(
    tag = "housing",
    operation_id = "replace_bed",
    params(("bed_id" = Uuid, Path, description = "Bed identifier."), IfMatchHeader),
    request_body = BedRequest,
    responses(
        (status = 200, description = "The bed as replaced.", body = BedResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 403, description = "Not administrative staff or coordinator of the facility's area.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No bed with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Booked nights would be left without a place, or the label is used in the unit.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/beds/{bed_id}")]
pub async fn replace_bed(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<BedId>,
    body: Body<BedRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ManageHousing, "bed.update", "bed");
    let check = move |work: &mut Work<'_>| {
        let (bed, facility) = bed_of(work.conn(), id.0.uuid())?;
        decide_facility(work, &facility)?;
        work.resource(bed.id);
        Ok((bed, facility))
    };
    let then = |work: &mut Work<'_>,
                request: BedRequest,
                if_match: IfMatch,
                (bed, facility): (Bed, Facility)| {
        let content = request.content(&facility)?;
        let version = if_match.check(bed.version)?;
        housing::lock_bed(work.conn(), bed.id)?;
        let changed = Bed {
            content: content.clone(),
            ..bed.clone()
        };
        let today = work.today();
        check_bookings_fit(work.conn(), &[changed], &facility, today)?;
        let (actor, now) = (work.actor(), work.now());
        if !housing::update_bed(work.conn(), bed.id, version, &content, actor, now)
            .map_err(|e| name_taken(e, BED_LABEL))?
        {
            return Err(ApiError::PreconditionFailed(
                "the bed changed meanwhile; read it again and retry".into(),
            ));
        }
        let (bed, _) = bed_of(work.conn(), bed.id)?;
        let out = housing::out_of_service_of(work.conn(), &[bed.id])?;
        Ok(Answer::ok(&bed_response(&bed, &out), Some(bed.version)))
    };
    case_work::office_checked(&state, caller, &req, op, body, Checked { check, then }).await
}

/// An out-of-service period to record.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"from": "2026-12-10", "until": "2026-12-14", "reason": "Broken heater"}))]
pub struct OutOfServiceRequest {
    /// First night out of service. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub from: NaiveDate,
    /// First night back in service (omit: until further notice); after `from`. Between
    /// 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub until: Option<NaiveDate>,
    /// Why (1-500 characters).
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Take a bed out of service
///
/// Records that nobody sleeps in the bed from `from` to `until` (a repair, a sanitation). Nights
/// already booked in the period are refused (409 naming the night): end, cancel or move those
/// placements first. For the `administrative` staff and the coordinators of the facility's area.
/// Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "housing",
    operation_id = "create_out_of_service",
    params(("bed_id" = Uuid, Path, description = "Bed identifier."), IdempotencyKeyHeader),
    request_body = OutOfServiceRequest,
    responses(
        (status = 201, description = "Recorded.", body = OutOfServiceResponse),
        (status = 403, description = "Not administrative staff or coordinator of the facility's area.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No bed with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The bed is booked on a night of the period.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/beds/{bed_id}/out-of-service")]
pub async fn create_out_of_service(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<BedId>,
    body: Body<OutOfServiceRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ManageHousing, "bed.out_of_service", "bed");
    let check = move |work: &mut Work<'_>| {
        let (bed, facility) = bed_of(work.conn(), id.0.uuid())?;
        decide_facility(work, &facility)?;
        work.resource(bed.id);
        Ok(bed)
    };
    let then = |work: &mut Work<'_>, request: OutOfServiceRequest, _: IfMatch, bed: Bed| {
        let mut errors = socialcare_domain::ValidationErrors::new();
        let reason = errors.collect("reason", required_text(&request.reason, 500));
        if let Some(until) = request.until
            && until <= request.from
        {
            errors.collect::<()>("until", Err("must be after `from`".into()));
        }
        let Some(reason) = reason.filter(|_| errors.is_empty()) else {
            return Err(ApiError::from_domain(errors));
        };
        housing::lock_bed(work.conn(), bed.id)?;
        let nights = Nights::new(request.from, request.until);
        let taken = housing::taken_places(work.conn(), bed.id, &nights)?;
        if let Some(night) = taken.keys().next() {
            return Err(ApiError::Conflict(format!(
                "the bed is booked on the night of {night}: end, cancel or move those placements first"
            )));
        }
        let (actor, now) = (work.actor(), work.now());
        let out = housing::insert_out_of_service(work.conn(), bed.id, nights, &reason, actor, now)?;
        Ok(Answer::created_in_list(&OutOfServiceResponse::from(&out)))
    };
    case_work::office_checked(&state, caller, &req, op, body, Checked { check, then }).await
}

/// The nights and filters of a free-bed search.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FreeBedQuery {
    /// First night (default tonight, the office's day). Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[param(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub from: Option<NaiveDate>,
    /// The first night no longer needed (default the night after `from`); at most 731 nights
    /// after `from`. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[param(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub until: Option<NaiveDate>,
    /// Only facilities of this kind.
    pub kind: Option<FacilityKindCode>,
    /// Only facilities of this area.
    pub area: Option<AreaCode>,
    /// Only accessible beds (true) or only the others (false).
    pub accessible: Option<bool>,
    /// Only beds a person of this kind may take: `men`, `women` (facilities and beds that take
    /// them) or `families` (family facilities).
    pub takes: Option<TakesCode>,
    /// Opaque position returned in `next` (base64url, 1-500 characters among `A-Z a-z 0-9 - _`);
    /// omit for the first page. Anything else, or a position of another list, is 400.
    #[validate(length(min = 1, max = 500))]
    #[param(min_length = 1, max_length = 500, pattern = "^[A-Za-z0-9_-]{1,500}$")]
    pub cursor: Option<String>,
    /// Page size, 1-200 (default 50).
    #[validate(range(min = 1, max = 200))]
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<u32>,
}

/// A bed with a free place on every night asked.
#[derive(Debug, Serialize, ToSchema)]
pub struct FreeBed {
    /// The bed.
    pub bed_id: Uuid,
    /// Its unit.
    pub unit: String,
    /// Its label.
    pub label: String,
    /// Reserved to `men` or `women`; null: as the facility.
    pub takes: Option<TakesCode>,
    /// Accessible.
    pub accessible: bool,
    /// The fewest places free on any of the nights.
    pub free_places: u16,
    /// The facility.
    pub facility_id: Uuid,
    /// Its name.
    pub facility_name: String,
    /// Its kind.
    pub facility_kind: FacilityKindCode,
    /// Its area.
    pub area: AreaCode,
    /// Whom it takes.
    pub facility_takes: TakesCode,
}

/// One page of free beds.
#[derive(Debug, Serialize, ToSchema)]
pub struct FreeBedPage {
    /// First night.
    pub from: NaiveDate,
    /// First night no longer needed.
    pub until: NaiveDate,
    /// The beds with a free place every night, by bed id.
    pub items: Vec<FreeBed>,
    /// Link to the next page, or null on the last one.
    pub next: Option<String>,
}

/// Candidate beds examined per query of a free-bed search, at most.
const FREE_BED_CHUNK: i64 = 500;

/// Candidate beds asked by the first query of a search for `limit` free beds: the database
/// returns only beds in service with a free place every night, so a page and one more (to know
/// whether another page follows) suffice; see [`next_chunk`] for the rare further query.
fn first_chunk(limit: usize) -> i64 {
    i64::try_from(limit.saturating_add(1))
        .unwrap_or(FREE_BED_CHUNK)
        .clamp(1, FREE_BED_CHUNK)
}

/// Candidate beds asked by a further query when the domain set aside some that the database
/// returned (it rarely does: the database applies the same rules): twice what the page still
/// lacks, at least 16, at most [`FREE_BED_CHUNK`].
fn next_chunk(limit: usize, found: usize) -> i64 {
    let lacking = limit.saturating_add(1).saturating_sub(found);
    i64::try_from(lacking.saturating_mul(2))
        .unwrap_or(FREE_BED_CHUNK)
        .clamp(16, FREE_BED_CHUNK)
}

/// Search free beds
///
/// The beds, across all facilities, that have a free place on every night from `from` to
/// `until`: they exist those nights (opening, closure, season), are in service, and hold fewer
/// persons than their capacity. Filtered by facility kind, area, accessibility and whom they
/// take. For whoever works cases.
#[utoipa::path(
    tag = "housing",
    operation_id = "search_free_beds",
    params(FreeBedQuery),
    responses(
        (status = 200, description = "One page of free beds.", body = FreeBedPage),
        (status = 400, description = "Invalid nights, filter or cursor.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/free-beds")]
pub async fn search_free_beds(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadHousing, "bed.search_free", "bed");
    let query = req.query_string().to_owned();
    let page = case_work::list(&state, caller, &req, op, move |work, q: FreeBedQuery| {
        let from = q.from.unwrap_or(work.today());
        let until = q
            .until
            .unwrap_or_else(|| socialcare_domain::housing::plus_days(from, 1));
        let nights = stay_nights(from, until).map_err(|e| {
            ApiError::bad_parameter("until", format!("{e} (at most {MAX_STAY_NIGHTS} nights)"))
        })?;
        let mut after = q
            .cursor
            .as_deref()
            .map(|c| {
                let text = crate::cursor::decode(c)?;
                text.strip_prefix("free-bed|")
                    .and_then(|id| Uuid::parse_str(id).ok())
                    .ok_or_else(|| ApiError::bad_parameter("cursor", "not a position of this list"))
            })
            .transpose()?;
        let limit = q.limit.unwrap_or(50) as usize;
        let mut items = Vec::new();
        let mut more = false;
        let mut chunk = first_chunk(limit);
        'chunks: loop {
            let candidates = housing::candidate_beds(
                work.conn(),
                &nights,
                &BedQuery {
                    kind: q.kind.map(Into::into),
                    area: q.area.map(Into::into),
                    accessible: q.accessible,
                    takes: q.takes.map(Into::into),
                    after,
                    limit: chunk,
                },
            )?;
            let exhausted = i64::try_from(candidates.len()).unwrap_or(i64::MAX) < chunk;
            let ids: Vec<Uuid> = candidates.iter().map(|(b, _)| b.id).collect();
            let occupancy = housing::occupancy(work.conn(), &ids, &nights)?;
            let out = housing::out_of_service_of(work.conn(), &ids)?;
            for (bed, facility) in &candidates {
                after = Some(bed.id);
                let periods = out
                    .iter()
                    .filter(|o| o.bed_id == bed.id)
                    .map(|o| o.nights)
                    .collect();
                let calendar = bed.calendar(&facility.open_nights(), periods);
                let taken = |night| occupancy.get(&(bed.id, night)).copied().unwrap_or(0);
                if calendar.first_full_night(&nights, taken).is_some() {
                    continue;
                }
                if items.len() == limit {
                    more = true;
                    break 'chunks;
                }
                let free = nights
                    .each()
                    .map(|n| calendar.places_on(n).saturating_sub(taken(n)))
                    .min()
                    .unwrap_or(0);
                items.push(FreeBed {
                    bed_id: bed.id,
                    unit: bed.content.unit.clone(),
                    label: bed.content.label.clone(),
                    takes: bed.content.takes.map(Into::into),
                    accessible: bed.content.accessible,
                    free_places: free,
                    facility_id: facility.id,
                    facility_name: facility.content.name.clone(),
                    facility_kind: facility.content.kind.into(),
                    area: facility.content.area.into(),
                    facility_takes: facility.content.takes.into(),
                });
            }
            if exhausted {
                break;
            }
            chunk = next_chunk(limit, items.len());
        }
        work.detail("returned", items.len());
        let next = more.then(|| items.last()).flatten().map(|last| {
            let cursor = crate::cursor::encode(&format!("free-bed|{}", last.bed_id));
            crate::cursor::next_link("/api/v1/free-beds", &query, &cursor)
        });
        Ok(FreeBedPage {
            from,
            until,
            items,
            next,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}
