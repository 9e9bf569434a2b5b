//! Placements of the person of a case file in a bed: booking the nights, reading them, and
//! their lifecycle `planned` → `active` → `ended` | `cancelled`.

use super::*;
use socialcare_domain::access::may_override_housing_rules;
use socialcare_domain::case_file::check_takes_new_work;
use socialcare_domain::housing::{
    MoveError, Placement, PlacementStatus, PlacementTransition, apply_placement, check_eligibility,
    check_extension, check_move, check_new_stay, check_transition_day, free_place,
};
use socialcare_domain::project::{optional_text, required_text};
use socialcare_persistence::housing::{
    NewPlacement, PlacementChange, PlacementEventKind, PlacementMove,
};
use socialcare_persistence::{case_files, persons};

use crate::routes::codes::{ExitDestinationCode, PlacementStatusCode, PlacementTransitionCode};

/// A placement to book.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "bed_id": "01938a6e-7f00-7000-8000-000000000001",
    "from": "2026-12-04",
    "until": "2026-12-11"
}))]
pub struct CreatePlacementRequest {
    /// The bed.
    pub bed_id: Uuid,
    /// First night (default tonight, the office's day): at most a year back or ahead. Between
    /// 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub from: Option<NaiveDate>,
    /// The day the person is expected to leave: the first night no longer booked (default the
    /// day after `from`, one night); at most 731 nights after `from`. Between 1900-01-01 and
    /// 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub until: Option<NaiveDate>,
    /// For the coordinator of the case file's area only: why the person is placed although the
    /// facility or the bed does not take them (its sex or target-group rules), 1-500
    /// characters. Audited.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub override_reason: Option<String>,
}

/// A placement.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlacementResponse {
    /// Identifier.
    pub id: Uuid,
    /// The case file.
    pub case_file_id: Uuid,
    /// The person placed.
    pub person_id: Uuid,
    /// The facility.
    pub facility_id: Uuid,
    /// The bed.
    pub bed_id: Uuid,
    /// How it is tracked (the facility's).
    pub tracking: TrackingCode,
    /// Current status.
    pub status: PlacementStatusCode,
    /// Transitions allowed from the current status.
    pub allowed_transitions: Vec<PlacementTransitionCode>,
    /// First night booked.
    pub from: NaiveDate,
    /// The day the person is expected to leave (the first night not booked).
    pub until: NaiveDate,
    /// The day the person arrived.
    pub started_on: Option<NaiveDate>,
    /// The day the person left.
    pub ended_on: Option<NaiveDate>,
    /// Where the person went.
    pub exit_destination: Option<ExitDestinationCode>,
    /// Notes on the exit.
    pub exit_notes: Option<String>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// Why the coordinator placed the person against the facility's rules.
    pub override_reason: Option<String>,
    /// Version, also sent as `ETag`; send it back in `If-Match` to change the status.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Who booked it.
    pub created_by: Uuid,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
}

impl From<&Placement> for PlacementResponse {
    fn from(p: &Placement) -> Self {
        Self {
            id: p.id,
            case_file_id: p.case_file_id,
            person_id: p.person_id,
            facility_id: p.facility_id,
            bed_id: p.bed_id,
            tracking: p.tracking.into(),
            status: p.status.into(),
            allowed_transitions: p
                .status
                .allowed_transitions()
                .iter()
                .map(|t| (*t).into())
                .collect(),
            from: p.nights.from,
            until: p.nights.until.unwrap_or(p.nights.from),
            started_on: p.started_on,
            ended_on: p.ended_on,
            exit_destination: p.exit_destination.map(Into::into),
            exit_notes: p.exit_notes.clone(),
            cancel_reason: p.cancel_reason.clone(),
            override_reason: p.override_reason.clone(),
            version: p.version,
            created_at: p.created_at,
            created_by: p.created_by,
            updated_at: p.updated_at,
        }
    }
}

fn no_placement() -> ApiError {
    ApiError::NotFound("no placement with this id".into())
}

/// Place a person in a bed
///
/// Books the nights from `from` to `until` of a bed for the person of the case file, in
/// `planned`. Refused with 409 naming the conflict when the bed has no free place on a night
/// (full, out of service, outside its season or opening) or the person already sleeps elsewhere
/// that night (naming the other placement); two simultaneous requests for the last place get
/// one 201 and one 409, also across server processes. The facility's and bed's rules on whom
/// they take hold (409) unless the coordinator of the case file's area gives
/// `override_reason` (others: 403). A closed case file takes no new placements (409). For the
/// case team and the area coordinator. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "housing",
    operation_id = "create_placement",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."), IdempotencyKeyHeader),
    request_body = CreatePlacementRequest,
    responses(
        (status = 201, description = "Booked, in `planned`.", body = PlacementResponse,
            headers(("Location" = String, description = "URL of the placement."), ("ETag" = String, description = "Version, for If-Match."))),
        (status = 403, description = "Not in the case team, or an override by someone other than the area coordinator.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No free place on a night, the person is elsewhere on a night, the facility does not take the person, or the case file is closed.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (JSON Pointers such as `/until`), or no bed with this id (`/bed_id`).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/case-files/{case_file_id}/placements")]
pub async fn create_placement(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<CaseFileId>,
    body: Body<CreatePlacementRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::PlacePerson, "placement.create", "placement");
    case_work::write(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        body,
        |work, request, _| {
            let today = work.today();
            let case_file_id = work.case_file_id()?;
            let file = case_files::find(work.conn(), case_file_id)?
                .ok_or_else(|| ApiError::NotFound("no case file with this id".into()))?;
            let from = request.from.unwrap_or(today);
            let until = request
                .until
                .unwrap_or_else(|| socialcare_domain::housing::plus_days(from, 1));
            let mut errors = socialcare_domain::ValidationErrors::new();
            let nights = match check_new_stay(from, until, today) {
                Ok(n) => Some(n),
                Err(e) => {
                    for field in e.errors() {
                        errors.collect::<()>(&field.field, Err(field.detail.clone()));
                    }
                    None
                }
            };
            let override_reason = errors.collect(
                "override_reason",
                optional_text(request.override_reason.as_deref(), 500),
            );
            let found = housing::find_bed(work.conn(), request.bed_id)?;
            if found.is_none() {
                errors.collect::<()>("bed_id", Err("no bed with this id".into()));
            }
            let (Some(nights), Some(override_reason), Some(bed)) = (nights, override_reason, found)
            else {
                return Err(ApiError::from_domain(errors));
            };
            if !errors.is_empty() {
                return Err(ApiError::from_domain(errors));
            }
            check_takes_new_work(file.status, "take new placements").map_err(ApiError::Conflict)?;
            let relation = work.case()?.relation;
            if override_reason.is_some() && !may_override_housing_rules(relation) {
                return Err(work.refuse(
                    "only the coordinator of the case file's area places against a facility's rules",
                ));
            }
            let facility = facility_of(work.conn(), bed.facility_id)?;
            check_rules(work, &file, &facility, &bed, override_reason.as_deref())?;
            let places = book(work.conn(), &bed, &facility, file.person_id, &nights)?;
            let (actor, now) = (work.actor(), work.now());
            let new = NewPlacement {
                case_file_id,
                person_id: file.person_id,
                facility_id: facility.id,
                bed_id: bed.id,
                tracking: facility.content.kind.tracking(),
                from,
                until,
                places,
                override_reason,
            };
            let placement =
                housing::insert_placement(work.conn(), &new, actor, now).map_err(booking_conflict)?;
            work.resource(placement.id)
                .detail("bed_id", bed.id)
                .detail("facility_id", facility.id);
            Ok(Answer::created(
                &PlacementResponse::from(&placement),
                format!("/api/v1/placements/{}", placement.id),
                Some(placement.version),
            ))
        },
    )
    .await
}

/// 409 when the facility or the bed does not take the person of `file` (its sex or
/// target-group rules), unless `override_reason` is given (by the coordinator: the caller
/// decided that), in which case the rule set aside is in the audit record.
fn check_rules(
    work: &mut Work<'_>,
    file: &socialcare_domain::case_file::CaseFile,
    facility: &Facility,
    bed: &Bed,
    override_reason: Option<&str>,
) -> Result<(), ApiError> {
    let sex = persons::find(work.conn(), file.person_id)?.and_then(|p| p.details.sex);
    let eligible = check_eligibility(
        sex,
        &file.target_groups,
        facility.content.takes,
        &facility.content.target_groups,
        bed.content.takes,
    );
    match (eligible, override_reason) {
        (Err(e), None) => Err(ApiError::Conflict(format!(
            "{e}; the coordinator of the case file's area may place the person with an `override_reason`"
        ))),
        (Err(e), Some(_)) => {
            work.detail("override", e.to_string());
            Ok(())
        }
        (Ok(()), _) => Ok(()),
    }
}

/// The places a person takes in `bed` on each of `nights`, decided under the bed's lock (one
/// booking of a bed at a time: each decides on what the earlier left; the schema refuses what
/// slips through anyway): 409 naming the first night the bed has no free place or does not take
/// anyone, or the first night the person already sleeps elsewhere.
fn book(
    conn: &mut AnyConnection,
    bed: &Bed,
    facility: &Facility,
    person_id: Uuid,
    nights: &Nights,
) -> Result<Vec<(NaiveDate, u16)>, ApiError> {
    housing::lock_bed(conn, bed.id)?;
    let calendar = calendar_of(conn, bed, facility)?;
    let taken = housing::taken_places(conn, bed.id, nights)?;
    let count = |night| {
        taken
            .get(&night)
            .map_or(0, |p: &Vec<u16>| u16::try_from(p.len()).unwrap_or(u16::MAX))
    };
    if let Some(night) = calendar.first_full_night(nights, count) {
        let why = if calendar.places_on(night) == 0 {
            "does not take anyone"
        } else {
            "has no free place"
        };
        return Err(ApiError::Conflict(format!(
            "bed {} {why} on the night of {night}",
            bed.id
        )));
    }
    if let Some((night, other)) = housing::person_booked(conn, person_id, nights)? {
        return Err(ApiError::Conflict(format!(
            "the person already sleeps elsewhere on the night of {night} (placement {other})"
        )));
    }
    nights
        .each()
        .map(|night| {
            let used = taken.get(&night).cloned().unwrap_or_default();
            free_place(calendar.places_on(night), &used)
                .map(|place| (night, place))
                .ok_or_else(|| {
                    ApiError::Internal(format!("no free place on {night} after the check"))
                })
        })
        .collect()
}

/// A longer stay.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"until": "2027-01-15"}))]
pub struct ExtensionRequest {
    /// The new day the person is expected to leave: after the current one, at most 731 nights
    /// after the first night. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub until: NaiveDate,
}

/// Extend a stay
///
/// Books the nights from the current `until` to the new one in the same bed, for a planned or
/// active placement: 409 naming the first night the bed has no free place or the person sleeps
/// elsewhere, as when placing. Requires `If-Match`. For the case team and the area coordinator.
/// Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "housing",
    operation_id = "extend_placement",
    params(("placement_id" = Uuid, Path, description = "Placement identifier."),
        IfMatchHeader, IdempotencyKeyHeader),
    request_body = ExtensionRequest,
    responses(
        (status = 200, description = "The placement with its new end.", body = PlacementResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 404, description = "No placement with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Ended or cancelled, or a night without a place or with the person elsewhere.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not after the current end, or too long (`/until`).", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/placements/{placement_id}/extensions")]
pub async fn extend_placement(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PlacementId>,
    body: Body<ExtensionRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::PlacePerson, "placement.extend", "placement");
    case_work::write(
        &state,
        caller,
        &req,
        placement_target(id.0),
        op,
        body,
        move |work, request, if_match| {
            let placement =
                housing::find_placement(work.conn(), id.0.uuid())?.ok_or_else(no_placement)?;
            let current = placement.nights.until.unwrap_or(placement.nights.from);
            let added = check_extension(&placement, request.until).map_err(|e| {
                ApiError::from_domain(socialcare_domain::ValidationErrors::single("until", e))
            })?;
            if !matches!(
                placement.status,
                PlacementStatus::Planned | PlacementStatus::Active
            ) {
                return Err(ApiError::Conflict(format!(
                    "a {} placement is not extended; place the person again",
                    placement.status.as_str()
                )));
            }
            if_match.check(placement.version)?;
            let (bed, facility) = bed_of(work.conn(), placement.bed_id)?;
            let places = book(work.conn(), &bed, &facility, placement.person_id, &added)?;
            let (actor, now) = (work.actor(), work.now());
            if !housing::extend_placement(
                work.conn(),
                &placement,
                request.until,
                &places,
                actor,
                now,
            )
            .map_err(booking_conflict)?
            {
                return Err(ApiError::PreconditionFailed(
                    "the placement changed meanwhile; read it again and retry".into(),
                ));
            }
            work.detail("from", current).detail("until", request.until);
            let placement =
                housing::find_placement(work.conn(), placement.id)?.ok_or_else(no_placement)?;
            Ok(Answer::ok(
                &PlacementResponse::from(&placement),
                Some(placement.version),
            ))
        },
    )
    .await
}

/// A move to another bed.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "bed_id": "01938a6e-7f00-7000-8000-000000000002",
    "from": "2026-12-10",
    "reason": "Needs a ground-floor room after a fall"
}))]
pub struct MoveRequest {
    /// The bed the person moves to (another one, in any facility).
    pub bed_id: Uuid,
    /// The first night in the new bed (default tonight, the office's day): a night of the
    /// placement, tonight or later. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub from: Option<NaiveDate>,
    /// Why the person moves, 1-500 characters.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
    /// For the coordinator of the case file's area only: why the person moves although the new
    /// facility or bed does not take them, 1-500 characters. Audited.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub override_reason: Option<String>,
}

/// Move a placement to another bed
///
/// Moves the nights of a planned or active placement from `from` (default tonight) to its end
/// into another bed, in the same facility or another: the nights before `from` stay in the old
/// bed (the night register keeps where the person slept), the placement names the new bed from
/// then on, and the move is in its history. Refused with 409 as when placing: the new bed has
/// no free place on a night, or its facility's rules do not take the person (unless the
/// coordinator of the case file's area gives `override_reason`; others: 403); an ended or
/// cancelled placement does not move (409). Requires `If-Match`. For the case team and the
/// area coordinator. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "housing",
    operation_id = "move_placement",
    params(("placement_id" = Uuid, Path, description = "Placement identifier."),
        IfMatchHeader, IdempotencyKeyHeader),
    request_body = MoveRequest,
    responses(
        (status = 200, description = "The placement in its new bed.", body = PlacementResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 403, description = "Not in the case team, or an override by someone other than the area coordinator.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No placement with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Ended or cancelled; a night without a free place in the new bed; the new facility does not take the person.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (JSON Pointers such as `/from`), no bed with this id or the placement's own bed (`/bed_id`).", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/placements/{placement_id}/moves")]
pub async fn move_placement(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PlacementId>,
    body: Body<MoveRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::PlacePerson, "placement.move", "placement");
    case_work::write(
        &state,
        caller,
        &req,
        placement_target(id.0),
        op,
        body,
        move |work, request, if_match| {
            let placement =
                housing::find_placement(work.conn(), id.0.uuid())?.ok_or_else(no_placement)?;
            let today = work.today();
            let from = request.from.unwrap_or(today);
            let mut errors = socialcare_domain::ValidationErrors::new();
            let reason = errors.collect("reason", required_text(&request.reason, 500));
            let override_reason = errors.collect(
                "override_reason",
                optional_text(request.override_reason.as_deref(), 500),
            );
            let found = housing::find_bed(work.conn(), request.bed_id)?;
            match &found {
                None => errors.collect::<()>("bed_id", Err("no bed with this id".into())),
                Some(b) if b.id == placement.bed_id => errors
                    .collect::<()>("bed_id", Err("the placement is already in this bed".into())),
                Some(_) => None,
            };
            let (Some(reason), Some(override_reason), Some(bed), true) =
                (reason, override_reason, found, errors.is_empty())
            else {
                return Err(ApiError::from_domain(errors));
            };
            let nights = check_move(&placement, from, today).map_err(|e| match e {
                MoveError::Status(_) => ApiError::Conflict(e.to_string()),
                MoveError::Night(detail) => ApiError::from_domain(
                    socialcare_domain::ValidationErrors::single("from", detail),
                ),
            })?;
            if override_reason.is_some() && !may_override_housing_rules(work.case()?.relation) {
                return Err(work.refuse(
                    "only the coordinator of the case file's area moves a person against a facility's rules",
                ));
            }
            let file = case_files::find(work.conn(), placement.case_file_id)?
                .ok_or_else(|| ApiError::Internal("a placement without its case file".into()))?;
            let facility = facility_of(work.conn(), bed.facility_id)?;
            check_rules(work, &file, &facility, &bed, override_reason.as_deref())?;
            if_match.check(placement.version)?;
            // Both beds locked, in id order (two moves between the same beds never wait on
            // each other crosswise); the old nights are released before the new bed is
            // decided on, so that the person's own nights do not count against them.
            let mut beds = [placement.bed_id, bed.id];
            beds.sort_unstable();
            for b in beds {
                housing::lock_bed(work.conn(), b)?;
            }
            housing::release_nights(work.conn(), placement.id, nights.from)?;
            let places = book(work.conn(), &bed, &facility, placement.person_id, &nights)?;
            let change = PlacementMove {
                to_bed_id: bed.id,
                to_facility_id: facility.id,
                tracking: facility.content.kind.tracking(),
                from_night: nights.from,
                places,
                reason,
                override_reason,
            };
            let (actor, now) = (work.actor(), work.now());
            if !housing::move_placement(work.conn(), &placement, &change, actor, now)
                .map_err(booking_conflict)?
            {
                return Err(ApiError::PreconditionFailed(
                    "the placement changed meanwhile; read it again and retry".into(),
                ));
            }
            work.detail("from_bed_id", placement.bed_id)
                .detail("to_bed_id", bed.id)
                .detail("from", nights.from);
            let placement =
                housing::find_placement(work.conn(), placement.id)?.ok_or_else(no_placement)?;
            Ok(Answer::ok(
                &PlacementResponse::from(&placement),
                Some(placement.version),
            ))
        },
    )
    .await
}

/// What happened to a placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlacementEventCode {
    /// Booked (`planned`).
    Booked,
    /// The person arrived.
    Start,
    /// The person left.
    End,
    /// Cancelled.
    Cancel,
    /// Moved to another bed.
    Move,
}

/// One event of a placement's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlacementHistoryItem {
    /// What happened.
    pub event: PlacementEventCode,
    /// The day it took effect: the first night booked (`booked`), the day of the transition,
    /// or the first night in the new bed (`move`).
    pub on: NaiveDate,
    /// Status before (transitions).
    pub from_status: Option<PlacementStatusCode>,
    /// Status after (`booked`: `planned`; transitions).
    pub to_status: Option<PlacementStatusCode>,
    /// The bed left (`move`).
    pub from_bed_id: Option<Uuid>,
    /// The bed taken (`booked`, `move`).
    pub to_bed_id: Option<Uuid>,
    /// Why (`move`).
    pub reason: Option<String>,
    /// Why against a facility's rules (`booked`, `move`), when it was.
    pub override_reason: Option<String>,
    /// Who recorded it.
    pub author_id: Uuid,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// The history of a placement.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlacementHistory {
    /// The placement.
    pub placement_id: Uuid,
    /// Its events in the order they were recorded, the booking first.
    pub items: Vec<PlacementHistoryItem>,
}

/// History of a placement
///
/// The booking, each change of status and each move to another bed, in the order they were
/// recorded, with who recorded them. For whoever may read the case file.
#[utoipa::path(
    tag = "housing",
    operation_id = "get_placement_history",
    params(("placement_id" = Uuid, Path, description = "Placement identifier.")),
    responses(
        (status = 200, description = "The history.", body = PlacementHistory),
        (status = 404, description = "No placement with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/placements/{placement_id}/history")]
pub async fn get_placement_history(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PlacementId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "placement.history", "placement");
    let history = case_work::read(
        &state,
        caller,
        &req,
        placement_target(id.0),
        op,
        move |work, _: NoQuery| {
            let placement =
                housing::find_placement(work.conn(), id.0.uuid())?.ok_or_else(no_placement)?;
            let events = housing::placement_history(work.conn(), placement.id)?;
            let first_bed = events
                .iter()
                .find_map(|e| match &e.kind {
                    PlacementEventKind::Move { from_bed_id, .. } => Some(*from_bed_id),
                    PlacementEventKind::Transition { .. } => None,
                })
                .unwrap_or(placement.bed_id);
            let mut items = vec![PlacementHistoryItem {
                event: PlacementEventCode::Booked,
                on: placement.nights.from,
                from_status: None,
                to_status: Some(PlacementStatus::Planned.into()),
                from_bed_id: None,
                to_bed_id: Some(first_bed),
                reason: None,
                override_reason: placement.override_reason.clone(),
                author_id: placement.created_by,
                recorded_at: placement.created_at,
            }];
            items.extend(events.into_iter().map(|e| {
                let (event, from_status, to_status, from_bed_id, to_bed_id, reason, over) =
                    match e.kind {
                        PlacementEventKind::Transition {
                            transition,
                            from,
                            to,
                        } => (
                            match transition {
                                PlacementTransition::Start => PlacementEventCode::Start,
                                PlacementTransition::End => PlacementEventCode::End,
                                PlacementTransition::Cancel => PlacementEventCode::Cancel,
                            },
                            Some(from.into()),
                            Some(to.into()),
                            None,
                            None,
                            None,
                            None,
                        ),
                        PlacementEventKind::Move {
                            from_bed_id,
                            to_bed_id,
                            reason,
                            override_reason,
                        } => (
                            PlacementEventCode::Move,
                            None,
                            None,
                            Some(from_bed_id),
                            Some(to_bed_id),
                            Some(reason),
                            override_reason,
                        ),
                    };
                PlacementHistoryItem {
                    event,
                    on: e.on,
                    from_status,
                    to_status,
                    from_bed_id,
                    to_bed_id,
                    reason,
                    override_reason: over,
                    author_id: e.author_id,
                    recorded_at: e.recorded_at,
                }
            }));
            Ok(PlacementHistory {
                placement_id: placement.id,
                items,
            })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(history))
}

/// The placements of a case file.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlacementList {
    /// By first night.
    pub items: Vec<PlacementResponse>,
}

/// List the placements of a case file
///
/// Every placement of the case file, by first night. For whoever may read the case file.
#[utoipa::path(
    tag = "housing",
    operation_id = "list_placements",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier.")),
    responses(
        (status = 200, description = "The placements.", body = PlacementList),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/case-files/{case_file_id}/placements")]
pub async fn list_placements(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<CaseFileId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "placement.list", "case_file");
    let list = case_work::read(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        |work, _: NoQuery| {
            let case_file_id = work.case_file_id()?;
            let found = housing::placements_of(work.conn(), case_file_id)?;
            work.detail("returned", found.len());
            Ok(PlacementList {
                items: found.iter().map(PlacementResponse::from).collect(),
            })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Read a placement
///
/// One placement. For whoever may read its case file.
#[utoipa::path(
    tag = "housing",
    operation_id = "get_placement",
    params(("placement_id" = Uuid, Path, description = "Placement identifier.")),
    responses(
        (status = 200, description = "The placement.", body = PlacementResponse,
            headers(("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No placement with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/placements/{placement_id}")]
pub async fn get_placement(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PlacementId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "placement.read", "placement");
    let placement = case_work::read(
        &state,
        caller,
        &req,
        placement_target(id.0),
        op,
        move |work, _: NoQuery| {
            housing::find_placement(work.conn(), id.0.uuid())?.ok_or_else(no_placement)
        },
    )
    .await?;
    Ok(with_etag(
        placement.version,
        &PlacementResponse::from(&placement),
    ))
}

/// A change of a placement's status.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"transition": "end", "occurred_on": "2026-12-20", "exit_destination": "own_housing"}))]
pub struct PlacementTransitionRequest {
    /// The transition.
    pub transition: PlacementTransitionCode,
    /// The day it happened (default today): not in the future; a start on or after the first
    /// night; an end on or after the start. Ending releases the nights from this day on.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub occurred_on: Option<NaiveDate>,
    /// For `end` (required): where the person went.
    pub exit_destination: Option<ExitDestinationCode>,
    /// For `end`: notes on the exit (1-2000 characters).
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub exit_notes: Option<String>,
    /// For `cancel` (required): why (1-500 characters).
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub cancel_reason: Option<String>,
}

/// Start, end or cancel a placement
///
/// `start` when the person arrives; `end` when they leave, with `exit_destination` (the nights
/// from `occurred_on` on are released); `cancel` a placement that will not happen, with
/// `cancel_reason` (every night is released). Requires `If-Match`. A transition not allowed
/// from the current status is 409 with the allowed ones. For the case team and the area
/// coordinator. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "housing",
    operation_id = "transition_placement",
    params(("placement_id" = Uuid, Path, description = "Placement identifier."),
        IfMatchHeader, IdempotencyKeyHeader),
    request_body = PlacementTransitionRequest,
    responses(
        (status = 200, description = "The placement after the change.", body = PlacementResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 404, description = "No placement with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from the current status.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (a missing exit destination or reason, a day in the future).", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/placements/{placement_id}/transitions")]
pub async fn transition_placement(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PlacementId>,
    body: Body<PlacementTransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::PlacePerson, "placement.transition", "placement");
    case_work::write(
        &state,
        caller,
        &req,
        placement_target(id.0),
        op,
        body,
        move |work, request, if_match| {
            let placement =
                housing::find_placement(work.conn(), id.0.uuid())?.ok_or_else(no_placement)?;
            let transition: PlacementTransition = request.transition.into();
            work.event(format!("placement.{}", transition.as_str()));
            let today = work.today();
            let on = request.occurred_on.unwrap_or(today);
            let mut errors = socialcare_domain::ValidationErrors::new();
            errors.collect(
                "occurred_on",
                check_transition_day(&placement, transition, on, today),
            );
            let exit_notes = errors.collect(
                "exit_notes",
                optional_text(request.exit_notes.as_deref(), 2000),
            );
            let cancel_reason =
                match (transition, request.cancel_reason.as_deref()) {
                    (PlacementTransition::Cancel, Some(raw)) => {
                        errors.collect("cancel_reason", required_text(raw, 500))
                    }
                    (PlacementTransition::Cancel, None) => errors
                        .collect::<String>("cancel_reason", Err("is required to cancel".into())),
                    (_, Some(_)) => errors
                        .collect::<String>("cancel_reason", Err("is only for `cancel`".into())),
                    (_, None) => None,
                };
            match (transition, request.exit_destination) {
                (PlacementTransition::End, None) => {
                    errors.collect::<()>("exit_destination", Err("is required to end".into()));
                }
                (PlacementTransition::Start | PlacementTransition::Cancel, Some(_)) => {
                    errors.collect::<()>("exit_destination", Err("is only for `end`".into()));
                }
                _ => {}
            }
            if transition != PlacementTransition::End && request.exit_notes.is_some() {
                errors.collect::<()>("exit_notes", Err("is only for `end`".into()));
            }
            if !errors.is_empty() {
                return Err(ApiError::from_domain(errors));
            }
            let to = apply_placement(placement.status, transition).map_err(|e| {
                ApiError::IllegalTransition {
                    detail: e.to_string(),
                    allowed: placement
                        .status
                        .allowed_transitions()
                        .iter()
                        .map(|t| t.as_str().to_owned())
                        .collect(),
                }
            })?;
            if_match.check(placement.version)?;
            let change = PlacementChange {
                transition,
                to,
                on,
                exit_destination: request.exit_destination.map(Into::into),
                exit_notes: exit_notes.flatten(),
                cancel_reason,
            };
            let (actor, now) = (work.actor(), work.now());
            if !housing::change_placement(work.conn(), &placement, &change, actor, now)? {
                return Err(ApiError::PreconditionFailed(
                    "the placement changed meanwhile; read it again and retry".into(),
                ));
            }
            let placement =
                housing::find_placement(work.conn(), placement.id)?.ok_or_else(no_placement)?;
            Ok(Answer::ok(
                &PlacementResponse::from(&placement),
                Some(placement.version),
            ))
        },
    )
    .await
}

/// A person's housing history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HousingHistory {
    /// The person.
    pub person_id: Uuid,
    /// Their placements in the case files the caller may read, by first night.
    pub items: Vec<PlacementResponse>,
    /// How many placements of case files the caller may not read were left out.
    pub withheld: u32,
}

/// A person's housing history
///
/// Every placement of the person, across their case files, by first night: where they slept,
/// from when to when, how each ended. Placements of case files the caller may not read are left
/// out (counted in `withheld`). For whoever may read a case file of the person; audited with
/// the person.
#[utoipa::path(
    tag = "housing",
    operation_id = "get_housing_history",
    params(("person_id" = Uuid, Path, description = "Person identifier.")),
    responses(
        (status = 200, description = "The history.", body = HousingHistory),
        (status = 404, description = "No person with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/persons/{person_id}/housing-history")]
pub async fn get_housing_history(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<socialcare_domain::ids::PersonId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseFile, "person.housing_history", "person");
    let history = case_work::read(
        &state,
        caller,
        &req,
        Target::Person(id.0),
        op,
        move |work, _: NoQuery| {
            let person = id.0.uuid();
            let (today, now, actor) = (work.today(), work.now(), work.actor());
            let files =
                socialcare_persistence::access::persons(work.conn(), &[person], actor, today, now)?
                    .remove(&person)
                    .unwrap_or_default();
            let subject = work.caller().subject();
            let readable: Vec<Uuid> = files
                .iter()
                .filter(|f| {
                    socialcare_domain::access::decide(
                        &subject,
                        Action::ReadCaseFile,
                        socialcare_domain::access::Resource::Case(&f.facts),
                    )
                    .allowed()
                })
                .map(|f| f.case_file_id)
                .collect();
            let all = housing::placements_of_person(work.conn(), person)?;
            let total = all.len();
            let items: Vec<PlacementResponse> = all
                .iter()
                .filter(|p| readable.contains(&p.case_file_id))
                .map(PlacementResponse::from)
                .collect();
            let withheld = u32::try_from(total - items.len()).unwrap_or(u32::MAX);
            work.detail("returned", items.len())
                .detail("withheld", withheld);
            Ok(HousingHistory {
                person_id: person,
                items,
                withheld,
            })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(history))
}
