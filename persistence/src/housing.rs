//! Housing: rows, reads and writes of facilities, beds (with their places and out-of-service
//! periods), placements and the nights they take (`bed_nights`). Every rule is decided in
//! `socialcare_domain::housing`; the schema keeps the two invariants as well (see the
//! migration `000021_housing`).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use socialcare_domain::Area;
use socialcare_domain::case_file::TargetGroup;
use socialcare_domain::housing::{
    Attendance, Bed, BedContent, ExitDestination, Facility, FacilityContent, FacilityKind, Nights,
    Placement, PlacementStatus, PlacementTransition, Takes, Tracking,
};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{
    bed_nights, bed_out_of_service, bed_places, beds, facilities, facility_target_groups, persons,
    placement_moves, placement_transitions, placements,
};
use crate::sql_types::{DbInstant, DbUuid};

/// The constraint that keeps a bed's places: a place taken twice on a night.
pub const BED_PLACE_TAKEN: &str = "bed_nights_pkey";
/// The constraint that keeps a person in one bed a night.
pub const ONE_BED_A_NIGHT: &str = "bed_nights_one_bed_a_night_idx";

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("stored {what} is invalid: {e}"))
}

fn parse<T: std::str::FromStr<Err = String>>(what: &str, code: &str) -> Result<T, StoreError> {
    code.parse().map_err(|e| corrupt(what, e))
}

// ---------------------------------------------------------------------------------------------
// Facilities
// ---------------------------------------------------------------------------------------------

/// A `facilities` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = facilities, treat_none_as_default_value = false)]
struct FacilityRow {
    id: DbUuid,
    name: String,
    kind: String,
    area: String,
    operator: String,
    street: String,
    municipality: String,
    postcode: Option<String>,
    takes: String,
    accessible: bool,
    opens_on: NaiveDate,
    closes_on: Option<NaiveDate>,
    phone: Option<String>,
    email: Option<String>,
    version: i64,
    created_at: DbInstant,
    created_by: DbUuid,
    updated_at: DbInstant,
    updated_by: DbUuid,
}

impl FacilityRow {
    fn into_facility(self, groups: Vec<TargetGroup>) -> Result<Facility, StoreError> {
        Ok(Facility {
            id: self.id.0,
            content: FacilityContent {
                name: self.name,
                kind: parse::<FacilityKind>("facility kind", &self.kind)?,
                area: self
                    .area
                    .parse::<Area>()
                    .map_err(|e| corrupt("facility area", e))?,
                operator: self.operator,
                street: self.street,
                municipality: self.municipality,
                postcode: self.postcode,
                takes: parse::<Takes>("facility admission rule", &self.takes)?,
                accessible: self.accessible,
                target_groups: groups,
                opens_on: self.opens_on,
                closes_on: self.closes_on,
                phone: self.phone,
                email: self.email,
            },
            version: self.version,
            created_at: self.created_at.0,
            updated_at: self.updated_at.0,
        })
    }
}

fn groups_of(
    conn: &mut AnyConnection,
    ids: &[Uuid],
) -> Result<BTreeMap<Uuid, Vec<TargetGroup>>, StoreError> {
    let keys: Vec<DbUuid> = ids.iter().copied().map(DbUuid).collect();
    let rows: Vec<(DbUuid, String)> = facility_target_groups::table
        .filter(facility_target_groups::facility_id.eq_any(keys))
        .order((
            facility_target_groups::facility_id.asc(),
            facility_target_groups::target_group.asc(),
        ))
        .load(conn)?;
    let mut out: BTreeMap<Uuid, Vec<TargetGroup>> = BTreeMap::new();
    for (id, code) in rows {
        out.entry(id.0)
            .or_default()
            .push(parse::<TargetGroup>("target group", &code)?);
    }
    for groups in out.values_mut() {
        groups.sort();
    }
    Ok(out)
}

fn write_groups(
    conn: &mut AnyConnection,
    id: Uuid,
    groups: &[TargetGroup],
) -> Result<(), StoreError> {
    diesel::delete(
        facility_target_groups::table.filter(facility_target_groups::facility_id.eq(DbUuid(id))),
    )
    .execute(conn)?;
    let mut codes: Vec<&str> = groups.iter().map(|g| g.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    for code in codes {
        diesel::insert_into(facility_target_groups::table)
            .values((
                facility_target_groups::facility_id.eq(DbUuid(id)),
                facility_target_groups::target_group.eq(code),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn facility_row(
    id: Uuid,
    c: &FacilityContent,
    version: i64,
    actor: Uuid,
    now: DateTime<Utc>,
) -> FacilityRow {
    FacilityRow {
        id: DbUuid(id),
        name: c.name.clone(),
        kind: c.kind.as_str().to_owned(),
        area: c.area.as_str().to_owned(),
        operator: c.operator.clone(),
        street: c.street.clone(),
        municipality: c.municipality.clone(),
        postcode: c.postcode.clone(),
        takes: c.takes.as_str().to_owned(),
        accessible: c.accessible,
        opens_on: c.opens_on,
        closes_on: c.closes_on,
        phone: c.phone.clone(),
        email: c.email.clone(),
        version,
        created_at: now.into(),
        created_by: DbUuid(actor),
        updated_at: now.into(),
        updated_by: DbUuid(actor),
    }
}

/// Records a facility (a name already used is [`StoreError::Conflict`]).
pub fn insert_facility(
    conn: &mut AnyConnection,
    content: &FacilityContent,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Facility, StoreError> {
    let row = facility_row(Uuid::now_v7(), content, 1, actor, now);
    let id = row.id.0;
    diesel::insert_into(facilities::table)
        .values(&row)
        .execute(conn)?;
    write_groups(conn, id, &content.target_groups)?;
    find_facility(conn, id)?.ok_or(StoreError::NotFound)
}

/// A facility.
pub fn find_facility(conn: &mut AnyConnection, id: Uuid) -> Result<Option<Facility>, StoreError> {
    let Some(row) = facilities::table
        .find(DbUuid(id))
        .select(FacilityRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let mut groups = groups_of(conn, &[id])?;
    row.into_facility(groups.remove(&id).unwrap_or_default())
        .map(Some)
}

/// Filters of the facility register.
#[derive(Debug, Clone, Default)]
pub struct FacilityQuery {
    /// Only of this kind.
    pub kind: Option<FacilityKind>,
    /// Only of this area.
    pub area: Option<Area>,
    /// Only open on this night (else every facility, closed ones too).
    pub open_on: Option<NaiveDate>,
    /// Keyset: after this id.
    pub after: Option<Uuid>,
    /// At most this many.
    pub limit: i64,
}

/// Facilities by id (creation order).
pub fn list_facilities(
    conn: &mut AnyConnection,
    q: &FacilityQuery,
) -> Result<Vec<Facility>, StoreError> {
    let mut query = facilities::table
        .select(FacilityRow::as_select())
        .order(facilities::id.asc())
        .limit(q.limit)
        .into_boxed();
    if let Some(kind) = q.kind {
        query = query.filter(facilities::kind.eq(kind.as_str()));
    }
    if let Some(area) = q.area {
        query = query.filter(facilities::area.eq(area.as_str()));
    }
    if let Some(night) = q.open_on {
        query = query.filter(facilities::opens_on.le(night)).filter(
            facilities::closes_on
                .is_null()
                .or(facilities::closes_on.gt(night)),
        );
    }
    if let Some(after) = q.after {
        query = query.filter(facilities::id.gt(DbUuid(after)));
    }
    let rows = query.load(conn)?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id.0).collect();
    let mut groups = groups_of(conn, &ids)?;
    rows.into_iter()
        .map(|r| {
            let g = groups.remove(&r.id.0).unwrap_or_default();
            r.into_facility(g)
        })
        .collect()
}

/// Replaces a facility's description if it is still `expected_version`; false when stale.
pub fn update_facility(
    conn: &mut AnyConnection,
    id: Uuid,
    expected_version: i64,
    content: &FacilityContent,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let c = content;
    let n = diesel::update(
        facilities::table
            .find(DbUuid(id))
            .filter(facilities::version.eq(expected_version)),
    )
    .set((
        facilities::name.eq(&c.name),
        facilities::kind.eq(c.kind.as_str()),
        facilities::area.eq(c.area.as_str()),
        facilities::operator.eq(&c.operator),
        facilities::street.eq(&c.street),
        facilities::municipality.eq(&c.municipality),
        facilities::postcode.eq(c.postcode.clone()),
        facilities::takes.eq(c.takes.as_str()),
        facilities::accessible.eq(c.accessible),
        facilities::opens_on.eq(c.opens_on),
        facilities::closes_on.eq(c.closes_on),
        facilities::phone.eq(c.phone.clone()),
        facilities::email.eq(c.email.clone()),
        facilities::version.eq(expected_version + 1),
        facilities::updated_at.eq(DbInstant::from(now)),
        facilities::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    if n != 1 {
        return Ok(false);
    }
    write_groups(conn, id, &c.target_groups)?;
    Ok(true)
}

// ---------------------------------------------------------------------------------------------
// Beds
// ---------------------------------------------------------------------------------------------

/// A `beds` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = beds, treat_none_as_default_value = false)]
struct BedRow {
    id: DbUuid,
    facility_id: DbUuid,
    unit: String,
    label: String,
    capacity: i16,
    takes: Option<String>,
    accessible: bool,
    opens_on: NaiveDate,
    closes_on: Option<NaiveDate>,
    season_from: Option<NaiveDate>,
    season_until: Option<NaiveDate>,
    version: i64,
    created_at: DbInstant,
    created_by: DbUuid,
    updated_at: DbInstant,
    updated_by: DbUuid,
}

impl TryFrom<BedRow> for Bed {
    type Error = StoreError;

    fn try_from(r: BedRow) -> Result<Self, StoreError> {
        Ok(Bed {
            id: r.id.0,
            facility_id: r.facility_id.0,
            content: BedContent {
                unit: r.unit,
                label: r.label,
                capacity: u16::try_from(r.capacity).map_err(|e| corrupt("bed capacity", e))?,
                takes: r
                    .takes
                    .map(|t| parse::<Takes>("bed admission rule", &t))
                    .transpose()?,
                accessible: r.accessible,
                opens_on: r.opens_on,
                closes_on: r.closes_on,
                season: r.season_from.zip(r.season_until),
            },
            version: r.version,
        })
    }
}

fn capacity_of(content: &BedContent) -> Result<i16, StoreError> {
    i16::try_from(content.capacity).map_err(|e| StoreError::Internal(format!("capacity: {e}")))
}

/// Makes the numbered places of a bed match its capacity: adds the missing ones, removes those
/// above it (a place some night still uses is [`StoreError::Conflict`]).
fn write_places(conn: &mut AnyConnection, bed: Uuid, capacity: i16) -> Result<(), StoreError> {
    let existing: Vec<i16> = bed_places::table
        .filter(bed_places::bed_id.eq(DbUuid(bed)))
        .select(bed_places::place)
        .load(conn)?;
    for place in 0..capacity {
        if !existing.contains(&place) {
            diesel::insert_into(bed_places::table)
                .values((
                    bed_places::bed_id.eq(DbUuid(bed)),
                    bed_places::place.eq(place),
                ))
                .execute(conn)?;
        }
    }
    // The places no longer offered go, unless nights already name them (the history of who
    // slept where stays; the domain never books a place at or above the capacity).
    diesel::delete(
        bed_places::table
            .filter(bed_places::bed_id.eq(DbUuid(bed)))
            .filter(bed_places::place.ge(capacity))
            .filter(not(exists(
                bed_nights::table
                    .filter(bed_nights::bed_id.eq(bed_places::bed_id))
                    .filter(bed_nights::place.eq(bed_places::place)),
            ))),
    )
    .execute(conn)?;
    Ok(())
}

/// Records a bed of a facility with its places (a label already used in the unit is
/// [`StoreError::Conflict`]).
pub fn insert_bed(
    conn: &mut AnyConnection,
    facility_id: Uuid,
    content: &BedContent,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Bed, StoreError> {
    let row = BedRow {
        id: DbUuid(Uuid::now_v7()),
        facility_id: DbUuid(facility_id),
        unit: content.unit.clone(),
        label: content.label.clone(),
        capacity: capacity_of(content)?,
        takes: content.takes.map(|t| t.as_str().to_owned()),
        accessible: content.accessible,
        opens_on: content.opens_on,
        closes_on: content.closes_on,
        season_from: content.season.map(|s| s.0),
        season_until: content.season.map(|s| s.1),
        version: 1,
        created_at: now.into(),
        created_by: DbUuid(actor),
        updated_at: now.into(),
        updated_by: DbUuid(actor),
    };
    diesel::insert_into(beds::table)
        .values(&row)
        .execute(conn)?;
    write_places(conn, row.id.0, row.capacity)?;
    row.try_into()
}

/// A bed.
pub fn find_bed(conn: &mut AnyConnection, id: Uuid) -> Result<Option<Bed>, StoreError> {
    beds::table
        .find(DbUuid(id))
        .select(BedRow::as_select())
        .first(conn)
        .optional()?
        .map(Bed::try_from)
        .transpose()
}

/// The beds of a facility, by unit and label.
pub fn beds_of(conn: &mut AnyConnection, facility_id: Uuid) -> Result<Vec<Bed>, StoreError> {
    beds::table
        .filter(beds::facility_id.eq(DbUuid(facility_id)))
        .order((beds::unit.asc(), beds::label.asc(), beds::id.asc()))
        .select(BedRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Bed::try_from)
        .collect()
}

/// Replaces a bed's description if it is still `expected_version` (false when stale), its
/// places following its capacity.
pub fn update_bed(
    conn: &mut AnyConnection,
    id: Uuid,
    expected_version: i64,
    content: &BedContent,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let capacity = capacity_of(content)?;
    let n = diesel::update(
        beds::table
            .find(DbUuid(id))
            .filter(beds::version.eq(expected_version)),
    )
    .set((
        beds::unit.eq(&content.unit),
        beds::label.eq(&content.label),
        beds::capacity.eq(capacity),
        beds::takes.eq(content.takes.map(|t| t.as_str().to_owned())),
        beds::accessible.eq(content.accessible),
        beds::opens_on.eq(content.opens_on),
        beds::closes_on.eq(content.closes_on),
        beds::season_from.eq(content.season.map(|s| s.0)),
        beds::season_until.eq(content.season.map(|s| s.1)),
        beds::version.eq(expected_version + 1),
        beds::updated_at.eq(DbInstant::from(now)),
        beds::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    if n != 1 {
        return Ok(false);
    }
    write_places(conn, id, capacity)?;
    Ok(true)
}

/// Takes the bed's row lock until the end of the transaction (PostgreSQL; SQLite has one
/// writer at a time), so that two requests booking the same bed decide one after the other.
/// False when there is no such bed.
pub fn lock_bed(conn: &mut AnyConnection, id: Uuid) -> Result<bool, StoreError> {
    let found = match conn {
        // A row lock without writing the row (no dead version left behind).
        AnyConnection::Postgresql(c) => beds::table
            .find(DbUuid(id))
            .select(beds::id)
            .for_update()
            .first::<DbUuid>(c)
            .optional()?,
        // The transaction already holds the database's one write lock (`BEGIN IMMEDIATE`).
        AnyConnection::Sqlite(c) => beds::table
            .find(DbUuid(id))
            .select(beds::id)
            .first::<DbUuid>(c)
            .optional()?,
    };
    Ok(found.is_some())
}

/// An out-of-service period of a bed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfService {
    /// Identifier.
    pub id: Uuid,
    /// The bed.
    pub bed_id: Uuid,
    /// The nights.
    pub nights: Nights,
    /// Why.
    pub reason: String,
    /// Who recorded it.
    pub recorded_by: Uuid,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// Records an out-of-service period.
pub fn insert_out_of_service(
    conn: &mut AnyConnection,
    bed_id: Uuid,
    nights: Nights,
    reason: &str,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<OutOfService, StoreError> {
    let id = Uuid::now_v7();
    diesel::insert_into(bed_out_of_service::table)
        .values((
            bed_out_of_service::id.eq(DbUuid(id)),
            bed_out_of_service::bed_id.eq(DbUuid(bed_id)),
            bed_out_of_service::from_on.eq(nights.from),
            bed_out_of_service::until_on.eq(nights.until),
            bed_out_of_service::reason.eq(reason),
            bed_out_of_service::recorded_by.eq(DbUuid(actor)),
            bed_out_of_service::recorded_at.eq(DbInstant::from(now)),
        ))
        .execute(conn)?;
    Ok(OutOfService {
        id,
        bed_id,
        nights,
        reason: reason.to_owned(),
        recorded_by: actor,
        recorded_at: DbInstant::from(now).0,
    })
}

/// The out-of-service periods of some beds, by bed then first night.
pub fn out_of_service_of(
    conn: &mut AnyConnection,
    bed_ids: &[Uuid],
) -> Result<Vec<OutOfService>, StoreError> {
    let keys: Vec<DbUuid> = bed_ids.iter().copied().map(DbUuid).collect();
    type Row = (
        DbUuid,
        DbUuid,
        NaiveDate,
        Option<NaiveDate>,
        String,
        DbUuid,
        DbInstant,
    );
    let rows: Vec<Row> = bed_out_of_service::table
        .filter(bed_out_of_service::bed_id.eq_any(keys))
        .order((
            bed_out_of_service::bed_id.asc(),
            bed_out_of_service::from_on.asc(),
            bed_out_of_service::id.asc(),
        ))
        .select((
            bed_out_of_service::id,
            bed_out_of_service::bed_id,
            bed_out_of_service::from_on,
            bed_out_of_service::until_on,
            bed_out_of_service::reason,
            bed_out_of_service::recorded_by,
            bed_out_of_service::recorded_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, bed, from, until, reason, by, at)| OutOfService {
            id: id.0,
            bed_id: bed.0,
            nights: Nights::new(from, until),
            reason,
            recorded_by: by.0,
            recorded_at: at.0,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Nights
// ---------------------------------------------------------------------------------------------

/// The places taken in a bed on each night of `nights` (a bounded run), by night.
pub fn taken_places(
    conn: &mut AnyConnection,
    bed_id: Uuid,
    nights: &Nights,
) -> Result<BTreeMap<NaiveDate, Vec<u16>>, StoreError> {
    let mut query = bed_nights::table
        .filter(bed_nights::bed_id.eq(DbUuid(bed_id)))
        .filter(bed_nights::night.ge(nights.from))
        .select((bed_nights::night, bed_nights::place))
        .into_boxed();
    if let Some(until) = nights.until {
        query = query.filter(bed_nights::night.lt(until));
    }
    let rows: Vec<(NaiveDate, i16)> = query.load(conn)?;
    let mut out: BTreeMap<NaiveDate, Vec<u16>> = BTreeMap::new();
    for (night, place) in rows {
        out.entry(night)
            .or_default()
            .push(u16::try_from(place).map_err(|e| corrupt("bed place", e))?);
    }
    Ok(out)
}

/// How many persons each bed of `bed_ids` holds on each night of `nights` (every night from
/// its first for an unbounded run), only where it holds someone.
pub fn occupancy(
    conn: &mut AnyConnection,
    bed_ids: &[Uuid],
    nights: &Nights,
) -> Result<BTreeMap<(Uuid, NaiveDate), u16>, StoreError> {
    let keys: Vec<DbUuid> = bed_ids.iter().copied().map(DbUuid).collect();
    let mut query = bed_nights::table
        .filter(bed_nights::night.ge(nights.from))
        .filter(bed_nights::bed_id.eq_any(keys))
        .group_by((bed_nights::bed_id, bed_nights::night))
        .select((
            bed_nights::bed_id,
            bed_nights::night,
            diesel::dsl::count_star(),
        ))
        .into_boxed();
    if let Some(until) = nights.until {
        query = query.filter(bed_nights::night.lt(until));
    }
    let rows: Vec<(DbUuid, NaiveDate, i64)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(bed, night, n)| ((bed.0, night), u16::try_from(n).unwrap_or(u16::MAX)))
        .collect())
}

/// The first night of `nights` the person already sleeps somewhere, with that placement.
pub fn person_booked(
    conn: &mut AnyConnection,
    person_id: Uuid,
    nights: &Nights,
) -> Result<Option<(NaiveDate, Uuid)>, StoreError> {
    let until = nights.until.unwrap_or(nights.from);
    Ok(bed_nights::table
        .filter(bed_nights::person_id.eq(DbUuid(person_id)))
        .filter(bed_nights::night.ge(nights.from))
        .filter(bed_nights::night.lt(until))
        .order(bed_nights::night.asc())
        .select((bed_nights::night, bed_nights::placement_id))
        .first::<(NaiveDate, DbUuid)>(conn)
        .optional()?
        .map(|(night, placement)| (night, placement.0)))
}

/// Records whether the person of a placement slept in its bed on `night`; false when the
/// placement holds no such night.
pub fn set_attendance(
    conn: &mut AnyConnection,
    placement_id: Uuid,
    night: NaiveDate,
    attendance: Attendance,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        bed_nights::table
            .filter(bed_nights::placement_id.eq(DbUuid(placement_id)))
            .filter(bed_nights::night.eq(night)),
    )
    .set(bed_nights::attendance.eq(attendance.as_str()))
    .execute(conn)?;
    Ok(n == 1)
}

/// Who sleeps in a bed on a night.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occupant {
    /// The bed.
    pub bed_id: Uuid,
    /// The place of the bed.
    pub place: u16,
    /// The person.
    pub person_id: Uuid,
    /// The person's given names.
    pub given_names: String,
    /// The person's family names.
    pub family_names: String,
    /// The placement.
    pub placement_id: Uuid,
    /// The case file of the placement.
    pub case_file_id: Uuid,
    /// Whether the person came.
    pub attendance: Attendance,
}

/// Who sleeps in the beds of `bed_ids` on `night`, by bed and place, with their names and
/// the case file of their placement (one query).
pub fn occupants(
    conn: &mut AnyConnection,
    bed_ids: &[Uuid],
    night: NaiveDate,
) -> Result<Vec<Occupant>, StoreError> {
    type Row = (DbUuid, i16, DbUuid, String, String, DbUuid, DbUuid, String);
    let keys: Vec<DbUuid> = bed_ids.iter().copied().map(DbUuid).collect();
    let rows: Vec<Row> = bed_nights::table
        .inner_join(placements::table)
        .inner_join(persons::table.on(persons::id.eq(bed_nights::person_id)))
        .filter(bed_nights::night.eq(night))
        .filter(bed_nights::bed_id.eq_any(keys))
        .order((bed_nights::bed_id.asc(), bed_nights::place.asc()))
        .select((
            bed_nights::bed_id,
            bed_nights::place,
            bed_nights::person_id,
            persons::given_names,
            persons::family_names,
            bed_nights::placement_id,
            placements::case_file_id,
            bed_nights::attendance,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(
            |(bed, place, person, given_names, family_names, placement, file, attendance)| {
                Ok(Occupant {
                    bed_id: bed.0,
                    place: u16::try_from(place).map_err(|e| corrupt("bed place", e))?,
                    person_id: person.0,
                    given_names,
                    family_names,
                    placement_id: placement.0,
                    case_file_id: file.0,
                    attendance: parse::<Attendance>("attendance", &attendance)?,
                })
            },
        )
        .collect()
}

/// Releases the nights of a placement from `from` on (all of them for its first night).
pub fn release_nights(
    conn: &mut AnyConnection,
    placement_id: Uuid,
    from: NaiveDate,
) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        bed_nights::table
            .filter(bed_nights::placement_id.eq(DbUuid(placement_id)))
            .filter(bed_nights::night.ge(from)),
    )
    .execute(conn)?)
}

// ---------------------------------------------------------------------------------------------
// Placements
// ---------------------------------------------------------------------------------------------

/// A `placements` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = placements, treat_none_as_default_value = false)]
struct PlacementRow {
    id: DbUuid,
    case_file_id: DbUuid,
    person_id: DbUuid,
    facility_id: DbUuid,
    bed_id: DbUuid,
    tracking: String,
    status: String,
    from_on: NaiveDate,
    until_on: NaiveDate,
    started_on: Option<NaiveDate>,
    ended_on: Option<NaiveDate>,
    exit_destination: Option<String>,
    exit_notes: Option<String>,
    cancel_reason: Option<String>,
    override_reason: Option<String>,
    version: i64,
    created_at: DbInstant,
    created_by: DbUuid,
    updated_at: DbInstant,
    updated_by: DbUuid,
}

impl TryFrom<PlacementRow> for Placement {
    type Error = StoreError;

    fn try_from(r: PlacementRow) -> Result<Self, StoreError> {
        Ok(Placement {
            id: r.id.0,
            case_file_id: r.case_file_id.0,
            person_id: r.person_id.0,
            facility_id: r.facility_id.0,
            bed_id: r.bed_id.0,
            tracking: Tracking::parse(&r.tracking)
                .ok_or_else(|| corrupt("placement tracking", &r.tracking))?,
            status: parse::<PlacementStatus>("placement status", &r.status)?,
            nights: Nights::new(r.from_on, Some(r.until_on)),
            started_on: r.started_on,
            ended_on: r.ended_on,
            exit_destination: r
                .exit_destination
                .map(|d| parse::<ExitDestination>("exit destination", &d))
                .transpose()?,
            exit_notes: r.exit_notes,
            cancel_reason: r.cancel_reason,
            override_reason: r.override_reason,
            version: r.version,
            created_at: r.created_at.0,
            created_by: r.created_by.0,
            updated_at: r.updated_at.0,
        })
    }
}

/// A placement to record, with the place it takes on each of its nights.
#[derive(Debug, Clone)]
pub struct NewPlacement {
    /// The case file.
    pub case_file_id: Uuid,
    /// The person.
    pub person_id: Uuid,
    /// The facility.
    pub facility_id: Uuid,
    /// The bed.
    pub bed_id: Uuid,
    /// How it is tracked.
    pub tracking: Tracking,
    /// Its nights (bounded).
    pub from: NaiveDate,
    /// The first night it no longer covers.
    pub until: NaiveDate,
    /// The place taken on each night, in order.
    pub places: Vec<(NaiveDate, u16)>,
    /// A coordinator's reason to place against the facility's rules.
    pub override_reason: Option<String>,
}

/// Records a placement in `planned` and takes its nights: a place taken meanwhile, or a night
/// the person already sleeps elsewhere, is [`StoreError::Conflict`] naming
/// [`BED_PLACE_TAKEN`] or [`ONE_BED_A_NIGHT`].
pub fn insert_placement(
    conn: &mut AnyConnection,
    new: &NewPlacement,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Placement, StoreError> {
    let row = PlacementRow {
        id: DbUuid(Uuid::now_v7()),
        case_file_id: DbUuid(new.case_file_id),
        person_id: DbUuid(new.person_id),
        facility_id: DbUuid(new.facility_id),
        bed_id: DbUuid(new.bed_id),
        tracking: new.tracking.as_str().to_owned(),
        status: PlacementStatus::Planned.as_str().to_owned(),
        from_on: new.from,
        until_on: new.until,
        started_on: None,
        ended_on: None,
        exit_destination: None,
        exit_notes: None,
        cancel_reason: None,
        override_reason: new.override_reason.clone(),
        version: 1,
        created_at: now.into(),
        created_by: DbUuid(actor),
        updated_at: now.into(),
        updated_by: DbUuid(actor),
    };
    diesel::insert_into(placements::table)
        .values(&row)
        .execute(conn)?;
    insert_nights(conn, new.bed_id, new.person_id, row.id.0, &new.places)?;
    row.try_into()
}

/// Writes the nights a placement takes, each at its place; a place taken meanwhile or a night
/// the person already sleeps elsewhere is [`StoreError::Conflict`] naming [`BED_PLACE_TAKEN`] or
/// [`ONE_BED_A_NIGHT`].
fn insert_nights(
    conn: &mut AnyConnection,
    bed_id: Uuid,
    person_id: Uuid,
    placement_id: Uuid,
    places: &[(NaiveDate, u16)],
) -> Result<(), StoreError> {
    for (night, place) in places {
        let place = i16::try_from(*place).map_err(|e| StoreError::Internal(e.to_string()))?;
        diesel::insert_into(bed_nights::table)
            .values((
                bed_nights::bed_id.eq(DbUuid(bed_id)),
                bed_nights::night.eq(*night),
                bed_nights::place.eq(place),
                bed_nights::person_id.eq(DbUuid(person_id)),
                bed_nights::placement_id.eq(DbUuid(placement_id)),
            ))
            .execute(conn)
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(c)
                    if c == ONE_BED_A_NIGHT || c.contains("bed_nights.person_id") =>
                {
                    StoreError::Conflict(ONE_BED_A_NIGHT.into())
                }
                StoreError::Conflict(c)
                    if c == BED_PLACE_TAKEN || c.contains("bed_nights.bed_id") =>
                {
                    StoreError::Conflict(BED_PLACE_TAKEN.into())
                }
                other => other,
            })?;
    }
    Ok(())
}

/// Extends a placement still at `placement.version` to `until` (false when stale) and takes the
/// nights it gains, each at its place (conflicts as [`insert_placement`]).
pub fn extend_placement(
    conn: &mut AnyConnection,
    placement: &Placement,
    until: NaiveDate,
    places: &[(NaiveDate, u16)],
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        placements::table
            .find(DbUuid(placement.id))
            .filter(placements::version.eq(placement.version)),
    )
    .set((
        placements::until_on.eq(until),
        placements::version.eq(placement.version + 1),
        placements::updated_at.eq(DbInstant::from(now)),
        placements::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    if n != 1 {
        return Ok(false);
    }
    insert_nights(
        conn,
        placement.bed_id,
        placement.person_id,
        placement.id,
        places,
    )?;
    Ok(true)
}

/// A move of a placement's nights from one night on to another bed.
#[derive(Debug, Clone)]
pub struct PlacementMove {
    /// The bed the nights move to.
    pub to_bed_id: Uuid,
    /// Its facility.
    pub to_facility_id: Uuid,
    /// How the new facility tracks its beds.
    pub tracking: Tracking,
    /// The first night moved.
    pub from_night: NaiveDate,
    /// The nights taken in the new bed, each at its place.
    pub places: Vec<(NaiveDate, u16)>,
    /// Why.
    pub reason: String,
    /// Why a coordinator moves the person against the new facility's rules.
    pub override_reason: Option<String>,
}

/// Moves a placement still at `placement.version` to another bed (false when stale): its row
/// names the new bed and facility, the nights of `change.places` are taken in the new bed (the
/// caller released the old ones from the first night moved with [`release_nights`], before
/// deciding on the new bed), and the move is recorded. Conflicts as [`insert_placement`].
pub fn move_placement(
    conn: &mut AnyConnection,
    placement: &Placement,
    change: &PlacementMove,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        placements::table
            .find(DbUuid(placement.id))
            .filter(placements::version.eq(placement.version)),
    )
    .set((
        placements::bed_id.eq(DbUuid(change.to_bed_id)),
        placements::facility_id.eq(DbUuid(change.to_facility_id)),
        placements::tracking.eq(change.tracking.as_str()),
        placements::version.eq(placement.version + 1),
        placements::updated_at.eq(DbInstant::from(now)),
        placements::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    if n != 1 {
        return Ok(false);
    }
    insert_nights(
        conn,
        change.to_bed_id,
        placement.person_id,
        placement.id,
        &change.places,
    )?;
    diesel::insert_into(placement_moves::table)
        .values((
            placement_moves::id.eq(DbUuid(Uuid::now_v7())),
            placement_moves::placement_id.eq(DbUuid(placement.id)),
            placement_moves::from_bed_id.eq(DbUuid(placement.bed_id)),
            placement_moves::to_bed_id.eq(DbUuid(change.to_bed_id)),
            placement_moves::from_night.eq(change.from_night),
            placement_moves::reason.eq(&change.reason),
            placement_moves::override_reason.eq(change.override_reason.as_deref()),
            placement_moves::author_id.eq(DbUuid(actor)),
            placement_moves::recorded_at.eq(DbInstant::from(now)),
        ))
        .execute(conn)?;
    Ok(true)
}

/// What happened to a placement after it was booked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlacementEventKind {
    /// A change of status.
    Transition {
        /// The transition.
        transition: PlacementTransition,
        /// Status before.
        from: PlacementStatus,
        /// Status after.
        to: PlacementStatus,
    },
    /// A move to another bed.
    Move {
        /// The bed left.
        from_bed_id: Uuid,
        /// The bed taken.
        to_bed_id: Uuid,
        /// Why.
        reason: String,
        /// Why against the new facility's rules, when it was.
        override_reason: Option<String>,
    },
}

/// One event of a placement's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementEvent {
    /// What happened.
    pub kind: PlacementEventKind,
    /// The day it took effect (the first night moved, for a move).
    pub on: NaiveDate,
    /// Who recorded it.
    pub author_id: Uuid,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// The transitions and moves of a placement, in the order they were recorded.
pub fn placement_history(
    conn: &mut AnyConnection,
    placement_id: Uuid,
) -> Result<Vec<PlacementEvent>, StoreError> {
    type TransitionRow = (DbUuid, String, String, String, NaiveDate, DbUuid, DbInstant);
    let transitions: Vec<TransitionRow> = placement_transitions::table
        .filter(placement_transitions::placement_id.eq(DbUuid(placement_id)))
        .select((
            placement_transitions::id,
            placement_transitions::transition,
            placement_transitions::from_status,
            placement_transitions::to_status,
            placement_transitions::occurred_on,
            placement_transitions::author_id,
            placement_transitions::recorded_at,
        ))
        .load(conn)?;
    type MoveRow = (
        DbUuid,
        DbUuid,
        DbUuid,
        NaiveDate,
        String,
        Option<String>,
        DbUuid,
        DbInstant,
    );
    let moves: Vec<MoveRow> = placement_moves::table
        .filter(placement_moves::placement_id.eq(DbUuid(placement_id)))
        .select((
            placement_moves::id,
            placement_moves::from_bed_id,
            placement_moves::to_bed_id,
            placement_moves::from_night,
            placement_moves::reason,
            placement_moves::override_reason,
            placement_moves::author_id,
            placement_moves::recorded_at,
        ))
        .load(conn)?;
    let mut events: Vec<(DateTime<Utc>, Uuid, PlacementEvent)> = Vec::new();
    for (id, transition, from, to, on, author, at) in transitions {
        let at = DateTime::<Utc>::from(at);
        events.push((
            at,
            id.0,
            PlacementEvent {
                kind: PlacementEventKind::Transition {
                    transition: parse("placement transition", &transition)?,
                    from: parse("placement status", &from)?,
                    to: parse("placement status", &to)?,
                },
                on,
                author_id: author.0,
                recorded_at: at,
            },
        ));
    }
    for (id, from_bed, to_bed, on, reason, override_reason, author, at) in moves {
        let at = DateTime::<Utc>::from(at);
        events.push((
            at,
            id.0,
            PlacementEvent {
                kind: PlacementEventKind::Move {
                    from_bed_id: from_bed.0,
                    to_bed_id: to_bed.0,
                    reason,
                    override_reason,
                },
                on,
                author_id: author.0,
                recorded_at: at,
            },
        ));
    }
    events.sort_by_key(|(at, id, _)| (*at, *id));
    Ok(events.into_iter().map(|(_, _, e)| e).collect())
}

/// A placement.
pub fn find_placement(conn: &mut AnyConnection, id: Uuid) -> Result<Option<Placement>, StoreError> {
    placements::table
        .find(DbUuid(id))
        .select(PlacementRow::as_select())
        .first(conn)
        .optional()?
        .map(Placement::try_from)
        .transpose()
}

/// The case file of a placement.
pub fn case_file_of(conn: &mut AnyConnection, id: Uuid) -> Result<Option<Uuid>, StoreError> {
    Ok(placements::table
        .find(DbUuid(id))
        .select(placements::case_file_id)
        .first::<DbUuid>(conn)
        .optional()?
        .map(|id| id.0))
}

/// The placements of a person (through any case file), by first night then id.
pub fn placements_of_person(
    conn: &mut AnyConnection,
    person_id: Uuid,
) -> Result<Vec<Placement>, StoreError> {
    placements::table
        .filter(placements::person_id.eq(DbUuid(person_id)))
        .order((placements::from_on.asc(), placements::id.asc()))
        .select(PlacementRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Placement::try_from)
        .collect()
}

/// The placements of a case file, by first night then id.
pub fn placements_of(
    conn: &mut AnyConnection,
    case_file_id: Uuid,
) -> Result<Vec<Placement>, StoreError> {
    placements::table
        .filter(placements::case_file_id.eq(DbUuid(case_file_id)))
        .order((placements::from_on.asc(), placements::id.asc()))
        .select(PlacementRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Placement::try_from)
        .collect()
}

/// A change of a placement's status, as recorded.
#[derive(Debug, Clone)]
pub struct PlacementChange {
    /// The transition.
    pub transition: PlacementTransition,
    /// The status it leads to.
    pub to: PlacementStatus,
    /// The day it happened.
    pub on: NaiveDate,
    /// For an end: where the person went.
    pub exit_destination: Option<ExitDestination>,
    /// For an end: notes.
    pub exit_notes: Option<String>,
    /// For a cancellation: why.
    pub cancel_reason: Option<String>,
}

/// Applies a change to a placement still at `placement.version` (false when stale), records it
/// in the history and releases the nights it no longer takes: from the day of leaving on for
/// an end, all of them for a cancellation.
pub fn change_placement(
    conn: &mut AnyConnection,
    placement: &Placement,
    change: &PlacementChange,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let (started_on, ended_on) = match change.transition {
        PlacementTransition::Start => (Some(change.on), None),
        PlacementTransition::End => (placement.started_on, Some(change.on)),
        PlacementTransition::Cancel => (None, None),
    };
    let n = diesel::update(
        placements::table
            .find(DbUuid(placement.id))
            .filter(placements::version.eq(placement.version)),
    )
    .set((
        placements::status.eq(change.to.as_str()),
        placements::started_on.eq(started_on),
        placements::ended_on.eq(ended_on),
        placements::exit_destination.eq(change.exit_destination.map(|d| d.as_str().to_owned())),
        placements::exit_notes.eq(change.exit_notes.clone()),
        placements::cancel_reason.eq(change.cancel_reason.clone()),
        placements::version.eq(placement.version + 1),
        placements::updated_at.eq(DbInstant::from(now)),
        placements::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    if n != 1 {
        return Ok(false);
    }
    diesel::insert_into(placement_transitions::table)
        .values((
            placement_transitions::id.eq(DbUuid(Uuid::now_v7())),
            placement_transitions::placement_id.eq(DbUuid(placement.id)),
            placement_transitions::transition.eq(change.transition.as_str()),
            placement_transitions::from_status.eq(placement.status.as_str()),
            placement_transitions::to_status.eq(change.to.as_str()),
            placement_transitions::occurred_on.eq(change.on),
            placement_transitions::author_id.eq(DbUuid(actor)),
            placement_transitions::recorded_at.eq(DbInstant::from(now)),
        ))
        .execute(conn)?;
    match change.transition {
        PlacementTransition::End => {
            release_nights(conn, placement.id, change.on)?;
        }
        PlacementTransition::Cancel => {
            release_nights(conn, placement.id, placement.nights.from)?;
        }
        PlacementTransition::Start => {}
    }
    Ok(true)
}

/// The nights still held by a placement, as (first, last + 1); `None` when it holds none.
pub fn held_nights(
    conn: &mut AnyConnection,
    placement_id: Uuid,
) -> Result<Option<Nights>, StoreError> {
    let nights: Vec<NaiveDate> = bed_nights::table
        .filter(bed_nights::placement_id.eq(DbUuid(placement_id)))
        .order(bed_nights::night.asc())
        .select(bed_nights::night)
        .load(conn)?;
    Ok(match (nights.first(), nights.last()) {
        (Some(first), Some(last)) => Some(Nights::new(
            *first,
            Some(socialcare_domain::housing::plus_days(*last, 1)),
        )),
        _ => None,
    })
}

// ---------------------------------------------------------------------------------------------
// Free beds
// ---------------------------------------------------------------------------------------------

/// Filters of a free-bed search.
#[derive(Debug, Clone, Default)]
pub struct BedQuery {
    /// Only facilities of this kind.
    pub kind: Option<FacilityKind>,
    /// Only facilities of this area.
    pub area: Option<Area>,
    /// Only accessible beds (in accessible facilities).
    pub accessible: Option<bool>,
    /// Only beds a person of this admission rule may take (`men` / `women`).
    pub takes: Option<Takes>,
    /// Keyset: beds after this id.
    pub after: Option<Uuid>,
    /// At most this many candidate beds.
    pub limit: i64,
}

/// Candidate beds for a run of nights with their facility: those whose facility and own
/// existence (opening, closure, season) cover every night, that are in service and hold fewer
/// persons than their capacity on each night, filtered by `q`, by bed id. The domain decides again on each
/// bed returned, from its calendar (out-of-service periods included), [`occupancy`] and
/// [`out_of_service_of`].
pub fn candidate_beds(
    conn: &mut AnyConnection,
    nights: &Nights,
    q: &BedQuery,
) -> Result<Vec<(Bed, Facility)>, StoreError> {
    let (from, until) = (nights.from, nights.until.unwrap_or(nights.from));
    let mut query = beds::table
        .inner_join(facilities::table)
        .filter(beds::opens_on.le(from))
        .filter(beds::closes_on.is_null().or(beds::closes_on.ge(until)))
        .filter(facilities::opens_on.le(from))
        .filter(
            facilities::closes_on
                .is_null()
                .or(facilities::closes_on.ge(until)),
        )
        .filter(
            beds::season_from
                .is_null()
                .or(beds::season_from.le(from).and(beds::season_until.ge(until))),
        )
        .into_boxed();
    query = if nights.count() == Some(1) {
        // One night: a place of the bed that nobody takes that night. Written with the query
        // builder, so that the statement is prepared once per connection.
        query.filter(exists(
            bed_places::table
                .filter(bed_places::bed_id.eq(beds::id))
                .filter(bed_places::place.lt(beds::capacity))
                .filter(not(exists(
                    bed_nights::table
                        .filter(bed_nights::bed_id.eq(bed_places::bed_id))
                        .filter(bed_nights::place.eq(bed_places::place))
                        .filter(bed_nights::night.eq(from)),
                ))),
        ))
    } else {
        // No night of the run on which the bed already holds its capacity (the domain checks
        // the beds returned again). A bed of one place is full on any night it holds
        // someone: one probe of the bed's nights, which the database runs as an anti-join;
        // only a bed of several places counts its persons on the nights it holds someone.
        query.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>(
                "NOT EXISTS (SELECT 1 FROM bed_nights n WHERE n.bed_id = beds.id AND n.night >= ",
            )
            .bind::<diesel::sql_types::Date, _>(from)
            .sql(" AND n.night < ")
            .bind::<diesel::sql_types::Date, _>(until)
            .sql(
                " AND (beds.capacity = 1 OR (SELECT count(*) FROM bed_nights m \
                 WHERE m.bed_id = n.bed_id AND m.night = n.night) >= beds.capacity))",
            ),
        )
    };
    // Nor out of service on any night of the run.
    query = query.filter(not(exists(
        bed_out_of_service::table
            .filter(bed_out_of_service::bed_id.eq(beds::id))
            .filter(bed_out_of_service::from_on.lt(until))
            .filter(
                bed_out_of_service::until_on
                    .is_null()
                    .or(bed_out_of_service::until_on.gt(from)),
            ),
    )));
    if let Some(kind) = q.kind {
        query = query.filter(facilities::kind.eq(kind.as_str()));
    }
    if let Some(area) = q.area {
        query = query.filter(facilities::area.eq(area.as_str()));
    }
    if let Some(accessible) = q.accessible {
        query = query.filter(beds::accessible.eq(accessible));
    }
    match q.takes {
        Some(Takes::Men) => {
            query = query
                .filter(facilities::takes.ne(Takes::Women.as_str()))
                .filter(
                    beds::takes
                        .is_null()
                        .or(beds::takes.eq(Takes::Men.as_str())),
                );
        }
        Some(Takes::Women) => {
            query = query
                .filter(facilities::takes.ne(Takes::Men.as_str()))
                .filter(
                    beds::takes
                        .is_null()
                        .or(beds::takes.eq(Takes::Women.as_str())),
                );
        }
        Some(Takes::Families) => {
            query = query.filter(facilities::takes.eq(Takes::Families.as_str()));
        }
        Some(Takes::Mixed) | None => {}
    }
    if let Some(after) = q.after {
        query = query.filter(beds::id.gt(DbUuid(after)));
    }
    let rows: Vec<(BedRow, FacilityRow)> = query
        .select((BedRow::as_select(), FacilityRow::as_select()))
        .order(beds::id.asc())
        .limit(q.limit)
        .load(conn)?;
    let ids: Vec<Uuid> = rows.iter().map(|(_, f)| f.id.0).collect();
    let groups = groups_of(conn, &ids)?;
    rows.into_iter()
        .map(|(b, f)| {
            let g = groups.get(&f.id.0).cloned().unwrap_or_default();
            Ok((Bed::try_from(b)?, f.into_facility(g)?))
        })
        .collect()
}
