//! The night register of night shelters (who slept, who did not come), tonight's board of a
//! facility, and its occupancy over a period.

use super::*;
use socialcare_domain::access::{Decision, Resource, decide};
use socialcare_domain::housing::{Attendance, check_attendance, plus_days, stay_nights};
use socialcare_persistence::access;

use crate::case_work::Checked;
use crate::routes::codes::AttendanceCode;

/// The attendance of a night.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"night": "2026-12-04", "attendance": "present"}))]
pub struct AttendanceRequest {
    /// The night (the day it starts on): tonight or before, one of the placement's nights.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[schema(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub night: NaiveDate,
    /// `present` (slept there), `absent` (did not come) or back to `expected`.
    pub attendance: AttendanceCode,
}

/// The attendance recorded for a night.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceResponse {
    /// The placement.
    pub placement_id: Uuid,
    /// The night.
    pub night: NaiveDate,
    /// What was recorded.
    pub attendance: AttendanceCode,
}

/// Record who slept
///
/// Records in the night register whether the person of a night-shelter placement slept in the
/// bed on a night (`present`), did not come (`absent`), or resets it to `expected`. Only for
/// night-by-night facilities, placements not cancelled and nights that have begun (409); the
/// night must be one the placement holds (409). For the case team and the area coordinator.
/// Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "housing",
    operation_id = "record_attendance",
    params(("placement_id" = Uuid, Path, description = "Placement identifier."), IdempotencyKeyHeader),
    request_body = AttendanceRequest,
    responses(
        (status = 200, description = "Recorded.", body = AttendanceResponse),
        (status = 404, description = "No placement with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a night-shelter placement, cancelled, a night not begun or not held by the placement.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/placements/{placement_id}/attendance")]
pub async fn record_attendance(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PlacementId>,
    body: Body<AttendanceRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::PlacePerson, "placement.attendance", "placement");
    let check = move |work: &mut Work<'_>| {
        housing::find_placement(work.conn(), id.0.uuid())?
            .ok_or_else(|| ApiError::NotFound("no placement with this id".into()))
    };
    let then = |work: &mut Work<'_>,
                request: AttendanceRequest,
                _: case_work::IfMatch,
                placement: socialcare_domain::housing::Placement| {
        let today = work.today();
        check_attendance(&placement, request.night, today).map_err(ApiError::Conflict)?;
        let attendance: Attendance = request.attendance.into();
        if !housing::set_attendance(work.conn(), placement.id, request.night, attendance)? {
            return Err(ApiError::Conflict(format!(
                "the placement holds no bed on the night of {}",
                request.night
            )));
        }
        work.detail("night", request.night)
            .detail("attendance", attendance.as_str());
        Ok(Answer::ok(
            &AttendanceResponse {
                placement_id: placement.id,
                night: request.night,
                attendance: attendance.into(),
            },
            None,
        ))
    };
    case_work::write_checked(
        &state,
        caller,
        &req,
        super::placement_target(id.0),
        op,
        body,
        Checked { check, then },
    )
    .await
}

/// The night of a board.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardQuery {
    /// The night (default tonight, the office's day). Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[param(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub night: Option<NaiveDate>,
}

/// A person in a bed on the board.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardOccupant {
    /// The place of the bed (0 first).
    pub place: u16,
    /// The person.
    pub person_id: Uuid,
    /// Given names (the directory answer).
    pub given_names: String,
    /// Family names (the directory answer).
    pub family_names: String,
    /// Whether the person came (`expected` until recorded).
    pub attendance: AttendanceCode,
    /// Whether the caller may read the case file of the placement; when false, `case_file_id`
    /// and `placement_id` are null.
    pub case_file_readable: bool,
    /// The case file of the placement, when readable.
    pub case_file_id: Option<Uuid>,
    /// The placement, when its case file is readable.
    pub placement_id: Option<Uuid>,
}

/// A bed on the board.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardBed {
    /// The bed.
    pub bed_id: Uuid,
    /// Its unit.
    pub unit: String,
    /// Its label.
    pub label: String,
    /// Places it offers that night (0: closed, out of season or out of service).
    pub places: u16,
    /// Who is in it, by place.
    pub occupants: Vec<BoardOccupant>,
}

/// The board of a facility for a night.
#[derive(Debug, Serialize, ToSchema)]
pub struct Board {
    /// The facility.
    pub facility_id: Uuid,
    /// The night.
    pub night: NaiveDate,
    /// Places offered that night.
    pub places: u32,
    /// Persons booked that night.
    pub occupied: u32,
    /// Its beds, by unit and label.
    pub beds: Vec<BoardBed>,
}

/// Tonight's board of a facility
///
/// Who is in which bed on a night (default tonight) and who was expected and did not come. Each
/// person is shown as the directory shows them (names); the case file and the placement only
/// when the caller may read the case file. For whoever works cases; audited with every person
/// shown.
#[utoipa::path(
    tag = "housing",
    operation_id = "get_facility_board",
    params(("facility_id" = Uuid, Path, description = "Facility identifier."), BoardQuery),
    responses(
        (status = 200, description = "The board.", body = Board),
        (status = 400, description = "Invalid night.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No facility with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/facilities/{facility_id}/board")]
pub async fn get_facility_board(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<FacilityId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadHousing, "facility.board", "facility");
    let board = case_work::list(&state, caller, &req, op, move |work, q: BoardQuery| {
        work.resource(id.0);
        let facility = facility_of(work.conn(), id.0.uuid())?;
        let night = q.night.unwrap_or(work.today());
        let beds = housing::beds_of(work.conn(), facility.id)?;
        let ids: Vec<Uuid> = beds.iter().map(|b| b.id).collect();
        let out = housing::out_of_service_of(work.conn(), &ids)?;
        let occupants = housing::occupants(work.conn(), &ids, night)?;
        let mut persons_shown: Vec<Uuid> = occupants.iter().map(|o| o.person_id).collect();
        persons_shown.sort_unstable();
        persons_shown.dedup();
        let (today, now) = (work.today(), work.now());
        let actor = work.actor();
        let files = access::persons(work.conn(), &persons_shown, actor, today, now)?;
        let subject_readable = |placement_file: Uuid, person: Uuid, work: &Work<'_>| {
            files.get(&person).is_some_and(|fs| {
                fs.iter().any(|f| {
                    f.case_file_id == placement_file
                        && decide(
                            &work.caller().subject(),
                            Action::ReadCaseFile,
                            Resource::Case(&f.facts),
                        ) == Decision::Allow { break_glass: false }
                })
            })
        };
        let mut board_beds = Vec::with_capacity(beds.len());
        let (mut places_total, mut occupied) = (0u32, 0u32);
        for bed in &beds {
            let periods = out
                .iter()
                .filter(|o| o.bed_id == bed.id)
                .map(|o| o.nights)
                .collect();
            let places = bed
                .calendar(&facility.open_nights(), periods)
                .places_on(night);
            places_total += u32::from(places);
            let mut in_bed = Vec::new();
            for o in occupants.iter().filter(|o| o.bed_id == bed.id) {
                occupied += 1;
                let readable = subject_readable(o.case_file_id, o.person_id, work);
                in_bed.push(BoardOccupant {
                    place: o.place,
                    person_id: o.person_id,
                    given_names: o.given_names.clone(),
                    family_names: o.family_names.clone(),
                    attendance: o.attendance.into(),
                    case_file_readable: readable,
                    case_file_id: readable.then_some(o.case_file_id),
                    placement_id: readable.then_some(o.placement_id),
                });
            }
            board_beds.push(BoardBed {
                bed_id: bed.id,
                unit: bed.content.unit.clone(),
                label: bed.content.label.clone(),
                places,
                occupants: in_bed,
            });
        }
        work.shows(persons_shown.iter().copied())
            .detail("night", night)
            .detail("occupied", occupied);
        Ok(Board {
            facility_id: facility.id,
            night,
            places: places_total,
            occupied,
            beds: board_beds,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(board))
}

/// The period of an occupancy report.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OccupancyQuery {
    /// First night (default 30 nights before tonight). Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[param(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub from: Option<NaiveDate>,
    /// The first night after the period (default the night after tonight, so that tonight is
    /// counted); at most 366 nights after `from`. Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[param(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub until: Option<NaiveDate>,
}

/// One night of an occupancy report.
#[derive(Debug, Serialize, ToSchema)]
pub struct OccupancyNight {
    /// The night.
    pub night: NaiveDate,
    /// Places offered.
    pub places: u32,
    /// Persons booked.
    pub occupied: u32,
}

/// Occupancy of a facility over a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct Occupancy {
    /// The facility.
    pub facility_id: Uuid,
    /// First night.
    pub from: NaiveDate,
    /// First night after the period.
    pub until: NaiveDate,
    /// Places offered over the period (bed nights available).
    pub place_nights: u64,
    /// Bed nights booked over the period.
    pub bed_nights: u64,
    /// `bed_nights / place_nights` (0 when nothing was offered).
    #[schema(example = 0.85)]
    pub occupancy_rate: f64,
    /// Night by night.
    pub nights: Vec<OccupancyNight>,
}

/// Occupancy of a facility
///
/// Places offered and bed nights booked, night by night and in total, over at most 366 nights
/// (default the last 30 nights and tonight). No person is named. For whoever works cases.
#[utoipa::path(
    tag = "housing",
    operation_id = "get_facility_occupancy",
    params(("facility_id" = Uuid, Path, description = "Facility identifier."), OccupancyQuery),
    responses(
        (status = 200, description = "The occupancy.", body = Occupancy),
        (status = 400, description = "Invalid period.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No facility with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/facilities/{facility_id}/occupancy")]
pub async fn get_facility_occupancy(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<FacilityId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadHousing, "facility.occupancy", "facility");
    let report = case_work::list(&state, caller, &req, op, move |work, q: OccupancyQuery| {
        work.resource(id.0);
        let facility = facility_of(work.conn(), id.0.uuid())?;
        let today = work.today();
        let from = q.from.unwrap_or_else(|| today - chrono::Duration::days(30));
        let until = q.until.unwrap_or_else(|| plus_days(today, 1));
        let nights = stay_nights(from, until)
            .ok()
            .filter(|n| n.count().is_some_and(|c| c <= 366))
            .ok_or_else(|| {
                ApiError::bad_parameter("until", "must be after `from`, at most 366 nights")
            })?;
        let beds = housing::beds_of(work.conn(), facility.id)?;
        let ids: Vec<Uuid> = beds.iter().map(|b| b.id).collect();
        let out = housing::out_of_service_of(work.conn(), &ids)?;
        let taken = housing::occupancy(work.conn(), &ids, &nights)?;
        let calendars: Vec<(Uuid, socialcare_domain::housing::BedCalendar)> = beds
            .iter()
            .map(|b| {
                let periods = out
                    .iter()
                    .filter(|o| o.bed_id == b.id)
                    .map(|o| o.nights)
                    .collect();
                (b.id, b.calendar(&facility.open_nights(), periods))
            })
            .collect();
        let mut report_nights = Vec::new();
        let (mut place_nights, mut bed_nights) = (0u64, 0u64);
        for night in nights.each() {
            let places: u32 = calendars
                .iter()
                .map(|(_, c)| u32::from(c.places_on(night)))
                .sum();
            let occupied: u32 = calendars
                .iter()
                .map(|(bed, _)| u32::from(taken.get(&(*bed, night)).copied().unwrap_or(0)))
                .sum();
            place_nights += u64::from(places);
            bed_nights += u64::from(occupied);
            report_nights.push(OccupancyNight {
                night,
                places,
                occupied,
            });
        }
        let rate = if place_nights == 0 {
            0.0
        } else {
            // Bed nights are far below 2^52: the conversion is exact.
            bed_nights as f64 / place_nights as f64
        };
        Ok(Occupancy {
            facility_id: facility.id,
            from,
            until: plus_days(from, u64::try_from(report_nights.len()).unwrap_or(0)),
            place_nights,
            bed_nights,
            occupancy_rate: (rate * 1000.0).round() / 1000.0,
            nights: report_nights,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}
