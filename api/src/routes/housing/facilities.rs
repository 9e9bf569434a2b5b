//! The facility register: recording, listing, reading and replacing facilities.

use super::*;
use crate::case_work::Checked;
use socialcare_domain::ValidationErrors;
use socialcare_domain::housing::{FacilityContent, check_facility_period, parse_postcode};
use socialcare_domain::project::{optional_text, required_text};
use socialcare_persistence::housing::FacilityQuery;

/// A facility's description, to record it or to replace it.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Dormitorio comunale San Martino",
    "kind": "night_shelter",
    "area": "social_inclusion",
    "operator": "Cooperativa sociale Il Ponte",
    "street": "Via San Martino 12",
    "municipality": "Trento",
    "postcode": "38122",
    "takes": "men",
    "accessible": true,
    "target_groups": ["homeless"],
    "opens_on": "2026-01-01",
    "phone": "+39 0461 000000",
    "email": "dormitorio@example.org"
}))]
pub struct FacilityRequest {
    /// Name, unique in the office (1-200 characters).
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Kind: a `night_shelter` is booked night by night, the others by placements.
    pub kind: FacilityKindCode,
    /// The office area that runs it: its administrative staff and coordinators manage it.
    pub area: AreaCode,
    /// The organisation that operates it (1-200 characters).
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub operator: String,
    /// Street and number (1-200 characters).
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub street: String,
    /// Municipality (1-100 characters).
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub municipality: String,
    /// Postcode (CAP): five digits.
    #[schema(pattern = r"^\d{5}$")]
    pub postcode: Option<String>,
    /// Whom it takes.
    pub takes: TakesCode,
    /// Accessible to persons with reduced mobility (default false).
    #[serde(default)]
    pub accessible: bool,
    /// The target groups it serves; empty: everybody.
    #[serde(default)]
    #[validate(length(max = 7))]
    #[schema(max_items = 7)]
    pub target_groups: Vec<TargetGroupCode>,
    /// First night it is open. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub opens_on: NaiveDate,
    /// First night it is closed for good, if known: after `opens_on`. Between 1900-01-01 and
    /// 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub closes_on: Option<NaiveDate>,
    /// Contact phone (3-30 characters).
    #[validate(length(min = 3, max = 30))]
    #[schema(min_length = 3, max_length = 30)]
    pub phone: Option<String>,
    /// Contact e-mail.
    #[validate(email, length(max = 254))]
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
}

impl FacilityRequest {
    /// The domain's description, or the fields in error.
    fn content(&self) -> Result<FacilityContent, ApiError> {
        let mut errors = ValidationErrors::new();
        let name = errors.collect("name", required_text(&self.name, 200));
        let operator = errors.collect("operator", required_text(&self.operator, 200));
        let street = errors.collect("street", required_text(&self.street, 200));
        let municipality = errors.collect("municipality", required_text(&self.municipality, 100));
        let postcode = match self.postcode.as_deref() {
            None => Some(None),
            Some(raw) => errors.collect("postcode", parse_postcode(raw)).map(Some),
        };
        let phone = errors.collect("phone", optional_text(self.phone.as_deref(), 30));
        errors.collect(
            "closes_on",
            check_facility_period(self.opens_on, self.closes_on),
        );
        let mut target_groups: Vec<_> = self.target_groups.iter().map(|g| (*g).into()).collect();
        target_groups.sort();
        target_groups.dedup();
        match (name, operator, street, municipality, postcode, phone) {
            (
                Some(name),
                Some(operator),
                Some(street),
                Some(municipality),
                Some(postcode),
                Some(phone),
            ) if errors.is_empty() => Ok(FacilityContent {
                name,
                kind: self.kind.into(),
                area: self.area.into(),
                operator,
                street,
                municipality,
                postcode,
                takes: self.takes.into(),
                accessible: self.accessible,
                target_groups,
                opens_on: self.opens_on,
                closes_on: self.closes_on,
                phone,
                email: self.email.as_deref().map(str::trim).map(str::to_owned),
            }),
            _ => Err(ApiError::from_domain(errors)),
        }
    }
}

/// A facility.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FacilityResponse {
    /// Identifier.
    pub id: Uuid,
    /// Name.
    #[schema(example = "Dormitorio comunale San Martino")]
    pub name: String,
    /// Kind.
    pub kind: FacilityKindCode,
    /// How its beds are taken: night by night or by placements.
    pub tracking: TrackingCode,
    /// The office area that runs it.
    pub area: AreaCode,
    /// The organisation that operates it.
    pub operator: String,
    /// Street and number.
    pub street: String,
    /// Municipality.
    pub municipality: String,
    /// Postcode.
    pub postcode: Option<String>,
    /// Whom it takes.
    pub takes: TakesCode,
    /// Accessible.
    pub accessible: bool,
    /// Target groups it serves (empty: everybody).
    pub target_groups: Vec<TargetGroupCode>,
    /// First night open.
    pub opens_on: NaiveDate,
    /// First night closed for good.
    pub closes_on: Option<NaiveDate>,
    /// Contact phone.
    pub phone: Option<String>,
    /// Contact e-mail.
    pub email: Option<String>,
    /// Version, also sent as `ETag`; send it back in `If-Match` to replace the facility.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
}

impl From<&Facility> for FacilityResponse {
    fn from(f: &Facility) -> Self {
        let c = &f.content;
        Self {
            id: f.id,
            name: c.name.clone(),
            kind: c.kind.into(),
            tracking: c.kind.tracking().into(),
            area: c.area.into(),
            operator: c.operator.clone(),
            street: c.street.clone(),
            municipality: c.municipality.clone(),
            postcode: c.postcode.clone(),
            takes: c.takes.into(),
            accessible: c.accessible,
            target_groups: c.target_groups.iter().map(|g| (*g).into()).collect(),
            opens_on: c.opens_on,
            closes_on: c.closes_on,
            phone: c.phone.clone(),
            email: c.email.clone(),
            version: f.version,
            created_at: f.created_at,
            updated_at: f.updated_at,
        }
    }
}

fn facility_location(id: Uuid) -> String {
    format!("/api/v1/facilities/{id}")
}

const FACILITY_NAME: &str = "a facility with this name";

/// Record a facility
///
/// Records a facility of the office's housing network. For the `administrative` staff and the
/// coordinators of the facility's area (403 for another area). Send `Idempotency-Key` to make
/// retries safe.
#[utoipa::path(
    tag = "housing",
    operation_id = "create_facility",
    params(IdempotencyKeyHeader),
    request_body = FacilityRequest,
    responses(
        (status = 201, description = "Recorded.", body = FacilityResponse,
            headers(("Location" = String, description = "URL of the facility."), ("ETag" = String, description = "Version, for If-Match."))),
        (status = 403, description = "Not administrative staff or coordinator of the facility's area.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A facility with this name exists.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (JSON Pointers such as `/postcode`).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/facilities")]
pub async fn create_facility(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Body<FacilityRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ManageHousing, "facility.create", "facility");
    case_work::create(&state, caller, &req, op, body, |work, request, _| {
        let area = request.area.into();
        if !may_manage_facility(&work.caller().subject(), area) {
            return Err(work.refuse(
                "the facilities of this area are managed by its administrative staff and coordinators",
            ));
        }
        let content = request.content()?;
        let (actor, now) = (work.actor(), work.now());
        let facility = housing::insert_facility(work.conn(), &content, actor, now)
            .map_err(|e| name_taken(e, FACILITY_NAME))?;
        work.resource(facility.id);
        Ok(Answer::created(
            &FacilityResponse::from(&facility),
            facility_location(facility.id),
            Some(facility.version),
        ))
    })
    .await
}

/// Filters and position of the facility register.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FacilityListQuery {
    /// Only facilities of this kind.
    pub kind: Option<FacilityKindCode>,
    /// Only facilities of this area.
    pub area: Option<AreaCode>,
    /// Only facilities open on this night. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[param(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub open_on: Option<NaiveDate>,
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

/// One page of facilities.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacilityPage {
    /// The facilities, in the order they were recorded.
    pub items: Vec<FacilityResponse>,
    /// Link to the next page, or null on the last one.
    pub next: Option<String>,
}

/// The position of a facility list.
fn facility_cursor(raw: Option<&str>) -> Result<Option<Uuid>, ApiError> {
    raw.map(|c| {
        let text = crate::cursor::decode(c)?;
        text.strip_prefix("facility|")
            .and_then(|id| Uuid::parse_str(id).ok())
            .ok_or_else(|| ApiError::bad_parameter("cursor", "not a position of this list"))
    })
    .transpose()
}

/// List facilities
///
/// The facility register, in the order the facilities were recorded, filtered by kind, area
/// and the night they are open. For whoever works cases.
#[utoipa::path(
    tag = "housing",
    operation_id = "list_facilities",
    params(FacilityListQuery),
    responses(
        (status = 200, description = "One page of facilities.", body = FacilityPage),
        (status = 400, description = "Invalid filter or cursor.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/facilities")]
pub async fn list_facilities(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadHousing, "facility.list", "facility");
    let query = req.query_string().to_owned();
    let page = case_work::list(
        &state,
        caller,
        &req,
        op,
        move |work, q: FacilityListQuery| {
            let limit = q.limit.unwrap_or(50);
            let mut found = housing::list_facilities(
                work.conn(),
                &FacilityQuery {
                    kind: q.kind.map(Into::into),
                    area: q.area.map(Into::into),
                    open_on: q.open_on,
                    after: facility_cursor(q.cursor.as_deref())?,
                    limit: i64::from(limit) + 1,
                },
            )?;
            let next = crate::cursor::cut(
                &mut found,
                limit as usize,
                "/api/v1/facilities",
                &query,
                |last| format!("facility|{}", last.id),
            );
            work.detail("returned", found.len());
            Ok(FacilityPage {
                items: found.iter().map(FacilityResponse::from).collect(),
                next,
            })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Read a facility
///
/// One facility of the register. For whoever works cases.
#[utoipa::path(
    tag = "housing",
    operation_id = "get_facility",
    params(("facility_id" = Uuid, Path, description = "Facility identifier.")),
    responses(
        (status = 200, description = "The facility.", body = FacilityResponse,
            headers(("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No facility with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/facilities/{facility_id}")]
pub async fn get_facility(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<FacilityId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadHousing, "facility.read", "facility");
    let facility = case_work::list(&state, caller, &req, op, move |work, _: NoQuery| {
        work.resource(id.0);
        facility_of(work.conn(), id.0.uuid())
    })
    .await?;
    Ok(with_etag(
        facility.version,
        &FacilityResponse::from(&facility),
    ))
}

/// Replace a facility
///
/// Replaces the description of a facility (every field, as when recording it). Requires
/// `If-Match`. For the `administrative` staff and the coordinators of its area (both the area
/// it is in and the one it is moved to). A facility closes by setting `closes_on`; nights
/// already booked after it must be ended or cancelled first (409).
#[utoipa::path(
    tag = "housing",
    operation_id = "replace_facility",
    params(("facility_id" = Uuid, Path, description = "Facility identifier."), IfMatchHeader),
    request_body = FacilityRequest,
    responses(
        (status = 200, description = "The facility as replaced.", body = FacilityResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 403, description = "Not administrative staff or coordinator of the facility's area.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No facility with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is used by another facility, or booked nights fall outside the new opening period.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/facilities/{facility_id}")]
pub async fn replace_facility(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<FacilityId>,
    body: Body<FacilityRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ManageHousing, "facility.update", "facility");
    let check = move |work: &mut Work<'_>| {
        let current = facility_of(work.conn(), id.0.uuid())?;
        decide_facility(work, &current)?;
        Ok(current)
    };
    let then = |work: &mut Work<'_>,
                request: FacilityRequest,
                if_match: case_work::IfMatch,
                current: Facility| {
        if !may_manage_facility(&work.caller().subject(), request.area.into()) {
            return Err(work
                .refuse("the facility would move to an area whose facilities you do not manage"));
        }
        let content = request.content()?;
        let version = if_match.check(current.version)?;
        let (actor, now) = (work.actor(), work.now());
        let changed = Facility {
            content: content.clone(),
            ..current.clone()
        };
        let beds = housing::beds_of(work.conn(), current.id)?;
        let today = work.today();
        check_bookings_fit(work.conn(), &beds, &changed, today)?;
        if !housing::update_facility(work.conn(), current.id, version, &content, actor, now)
            .map_err(|e| name_taken(e, FACILITY_NAME))?
        {
            return Err(ApiError::PreconditionFailed(
                "the facility changed meanwhile; read it again and retry".into(),
            ));
        }
        let facility = facility_of(work.conn(), current.id)?;
        Ok(Answer::ok(
            &FacilityResponse::from(&facility),
            Some(facility.version),
        ))
    };
    case_work::office_checked(&state, caller, &req, op, body, Checked { check, then }).await
}
