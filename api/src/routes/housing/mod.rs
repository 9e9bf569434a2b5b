//! Housing (abitare): the facility register with its beds and out-of-service periods, the
//! search of free beds, and the placements of the person of a case file in a bed, one file per
//! sub-resource. Facilities and beds are the office's, not a person's: their handlers go
//! through the gate's office writes and lists ([`case_work::create`], [`case_work::list`]),
//! which decide the roles, and decide the facility's area themselves. A placement is inside its
//! case file: its handlers go through the gate with the case file, or with
//! [`placement_target`], like every case-work resource. See `docs/housing.md`.

mod beds;
mod facilities;
mod placements;
mod register;

pub use beds::*;
pub use facilities::*;
pub use placements::*;
pub use register::*;

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::access::{Action, may_manage_facility};
use socialcare_domain::housing::{Bed, Facility, Nights};
use socialcare_domain::ids::{BedId, CaseFileId, FacilityId, PlacementId};
use socialcare_persistence::housing;
use socialcare_persistence::{AnyConnection, StoreError};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, Answer, NoQuery, Op, Target, Work, with_etag};
use crate::conditional::IfMatchHeader;
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::idempotency::IdempotencyKeyHeader;
use crate::routes::codes::{FacilityKindCode, TakesCode, TargetGroupCode, TrackingCode};
use crate::routes::users::AreaCode;
use crate::state::AppState;

/// A placement, located in its case file by the gate.
fn placement_target(id: PlacementId) -> Target {
    Target::within(PlacementId::KIND, id, housing::case_file_of)
}

/// The facility, or 404.
fn facility_of(conn: &mut AnyConnection, id: Uuid) -> Result<Facility, ApiError> {
    housing::find_facility(conn, id)?
        .ok_or_else(|| ApiError::NotFound("no facility with this id".into()))
}

/// The bed with its facility, or 404.
fn bed_of(conn: &mut AnyConnection, id: Uuid) -> Result<(Bed, Facility), ApiError> {
    let bed = housing::find_bed(conn, id)?
        .ok_or_else(|| ApiError::NotFound("no bed with this id".into()))?;
    let facility = facility_of(conn, bed.facility_id)?;
    Ok((bed, facility))
}

/// 403 unless the caller manages the facilities of `facility`'s area (audited as refused).
fn decide_facility(work: &mut Work<'_>, facility: &Facility) -> Result<(), ApiError> {
    work.resource(facility.id);
    if may_manage_facility(&work.caller().subject(), facility.content.area) {
        Ok(())
    } else {
        Err(work.refuse(
            "the facilities of this area are managed by its administrative staff and coordinators",
        ))
    }
}

/// The bed's calendar: its existence within its facility's, its season and its out-of-service
/// periods.
fn calendar_of(
    conn: &mut AnyConnection,
    bed: &Bed,
    facility: &Facility,
) -> Result<socialcare_domain::housing::BedCalendar, ApiError> {
    let out = housing::out_of_service_of(conn, &[bed.id])?
        .into_iter()
        .map(|o| o.nights)
        .collect();
    Ok(bed.calendar(&facility.open_nights(), out))
}

/// 409 naming the first night on which one of `beds` (of `facility`, as they would be) would
/// hold more persons than its calendar gives it, among the nights already booked from `from`
/// on (what a change of the beds or of their facility must not strand). Two queries for all the
/// beds: their out-of-service periods and their booked nights.
fn check_bookings_fit(
    conn: &mut AnyConnection,
    beds: &[Bed],
    facility: &Facility,
    from: NaiveDate,
) -> Result<(), ApiError> {
    let ids: Vec<Uuid> = beds.iter().map(|b| b.id).collect();
    let out = housing::out_of_service_of(conn, &ids)?;
    let held = housing::occupancy(conn, &ids, &Nights::new(from, None))?;
    let open = facility.open_nights();
    for bed in beds {
        let periods = out
            .iter()
            .filter(|o| o.bed_id == bed.id)
            .map(|o| o.nights)
            .collect();
        let nights = held
            .range((bed.id, NaiveDate::MIN)..=(bed.id, NaiveDate::MAX))
            .map(|((_, night), n)| (*night, *n));
        if let Some(overfull) = bed.calendar(&open, periods).first_overfull(nights) {
            return Err(ApiError::Conflict(format!(
                "{} ({}, {}): {overfull}",
                bed.content.label, bed.content.unit, bed.id
            )));
        }
    }
    Ok(())
}

/// The database refused a booking that the checks let through: a concurrent request took the
/// last place, or placed the person elsewhere, between the check and the write.
fn booking_conflict(error: StoreError) -> ApiError {
    match error {
        StoreError::Conflict(c) if c == housing::BED_PLACE_TAKEN => ApiError::Conflict(
            "the bed was taken on one of these nights by another request; search free beds again"
                .into(),
        ),
        StoreError::Conflict(c) if c == housing::ONE_BED_A_NIGHT => ApiError::Conflict(
            "the person was placed elsewhere for one of these nights by another request".into(),
        ),
        other => other.into(),
    }
}

/// A facility name, a bed label or another name of the register already used.
fn name_taken(error: StoreError, what: &str) -> ApiError {
    match error {
        StoreError::Conflict(_) => ApiError::Conflict(format!("{what} is already used")),
        other => other.into(),
    }
}
