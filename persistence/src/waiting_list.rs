//! Care resources and the criteria sets that rank their applicants. The rules are
//! `socialcare_domain::waiting_list`'s.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use socialcare_domain::staff::Area;
use socialcare_domain::waiting_list::{
    Capacity, CriteriaContent, CriteriaSet, Criterion, CriterionKind, Resource, ResourceContent,
    ResourceKind, decode_scale, encode_scale,
};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{criteria, criteria_sets, resource_capacity, resources};
use crate::sql_types::{DbInstant, DbUuid};

/// The constraint that keeps one version number per criteria set code.
pub const ONE_VERSION_NUMBER: &str = "criteria_sets_code_version";

/// A `criteria_sets` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = criteria_sets, treat_none_as_default_value = false)]
struct SetRow {
    id: DbUuid,
    code: String,
    version: i32,
    title: String,
    effective_from: NaiveDate,
    created_at: DbInstant,
    created_by: DbUuid,
}

/// A `criteria` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = criteria, treat_none_as_default_value = false)]
struct CriterionRow {
    set_id: DbUuid,
    position: i16,
    kind: String,
    label: String,
    scale: String,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("stored {what} is invalid: {e}"))
}

fn criterion_of(row: CriterionRow) -> Result<Criterion, StoreError> {
    Ok(Criterion {
        kind: row
            .kind
            .parse::<CriterionKind>()
            .map_err(|e| corrupt("criterion kind", e))?,
        label: row.label,
        scale: decode_scale(&row.scale).map_err(|e| corrupt("criterion scale", e))?,
    })
}

/// The sets of `rows` with their criteria, in the rows' order.
fn with_criteria(
    conn: &mut AnyConnection,
    rows: Vec<SetRow>,
) -> Result<Vec<CriteriaSet>, StoreError> {
    let ids: Vec<DbUuid> = rows.iter().map(|r| r.id).collect();
    let mut by: HashMap<Uuid, Vec<Criterion>> = HashMap::new();
    if !ids.is_empty() {
        let found: Vec<CriterionRow> = criteria::table
            .filter(criteria::set_id.eq_any(ids))
            .order((criteria::set_id, criteria::position))
            .select(CriterionRow::as_select())
            .load(conn)?;
        for row in found {
            let set = row.set_id.0;
            by.entry(set).or_default().push(criterion_of(row)?);
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| CriteriaSet {
            id: r.id.0,
            version: r.version,
            content: CriteriaContent {
                code: r.code,
                title: r.title,
                effective_from: r.effective_from,
                criteria: by.remove(&r.id.0).unwrap_or_default(),
            },
            created_at: r.created_at.0,
            created_by: r.created_by.0,
        })
        .collect())
}

/// Publishes the next version of the criteria set `content.code` (version 1 for a new code).
/// Two concurrent publications of one code: one of them fails with
/// [`StoreError::Conflict`] naming [`ONE_VERSION_NUMBER`].
pub fn publish_criteria_set(
    conn: &mut AnyConnection,
    content: &CriteriaContent,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<CriteriaSet, StoreError> {
    let last: Option<i32> = criteria_sets::table
        .filter(criteria_sets::code.eq(&content.code))
        .select(diesel::dsl::max(criteria_sets::version))
        .first(conn)?;
    let row = SetRow {
        id: DbUuid(Uuid::now_v7()),
        code: content.code.clone(),
        version: last.unwrap_or(0) + 1,
        title: content.title.clone(),
        effective_from: content.effective_from,
        created_at: now.into(),
        created_by: DbUuid(actor),
    };
    diesel::insert_into(criteria_sets::table)
        .values(&row)
        .execute(conn)?;
    let rows: Vec<CriterionRow> = content
        .criteria
        .iter()
        .zip(0i16..)
        .map(|(c, position)| CriterionRow {
            set_id: row.id,
            position,
            kind: c.kind.as_str().to_owned(),
            label: c.label.clone(),
            scale: encode_scale(&c.scale),
        })
        .collect();
    // One statement per criterion (at most ten): the multi-engine connection has no batch
    // insert.
    for row in &rows {
        diesel::insert_into(criteria::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(CriteriaSet {
        id: row.id.0,
        version: row.version,
        content: content.clone(),
        created_at: row.created_at.0,
        created_by: actor,
    })
}

/// A published version of a criteria set.
pub fn find_criteria_set(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<CriteriaSet>, StoreError> {
    let row = criteria_sets::table
        .find(DbUuid(id))
        .select(SetRow::as_select())
        .first(conn)
        .optional()?;
    Ok(with_criteria(conn, row.into_iter().collect())?.pop())
}

/// The published versions, by code then version, only of `code` when given, after the
/// (code, version) `after`, at most `limit`.
pub fn list_criteria_sets(
    conn: &mut AnyConnection,
    code: Option<&str>,
    after: Option<(String, i32)>,
    limit: i64,
) -> Result<Vec<CriteriaSet>, StoreError> {
    let mut query = criteria_sets::table
        .select(SetRow::as_select())
        .order((criteria_sets::code.asc(), criteria_sets::version.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(code) = code {
        query = query.filter(criteria_sets::code.eq(code.to_owned()));
    }
    if let Some((code, version)) = after {
        query = query.filter(
            criteria_sets::code.gt(code.clone()).or(criteria_sets::code
                .eq(code)
                .and(criteria_sets::version.gt(version))),
        );
    }
    let rows = query.load(conn)?;
    with_criteria(conn, rows)
}

/// Every published version of `code`, by version.
pub fn versions_of(conn: &mut AnyConnection, code: &str) -> Result<Vec<CriteriaSet>, StoreError> {
    let rows = criteria_sets::table
        .filter(criteria_sets::code.eq(code))
        .order(criteria_sets::version.asc())
        .select(SetRow::as_select())
        .load(conn)?;
    with_criteria(conn, rows)
}

/// A `resources` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = resources, treat_none_as_default_value = false)]
struct ResourceRow {
    id: DbUuid,
    kind: String,
    name: String,
    managing_body: String,
    area: String,
    criteria_code: String,
    reconfirm_months: i16,
    notes: Option<String>,
    closed_on: Option<NaiveDate>,
    version: i64,
    created_at: DbInstant,
    created_by: DbUuid,
    updated_at: DbInstant,
    updated_by: DbUuid,
}

impl ResourceRow {
    fn into_resource(self, capacity: Vec<Capacity>) -> Result<Resource, StoreError> {
        Ok(Resource {
            id: self.id.0,
            content: ResourceContent {
                kind: self
                    .kind
                    .parse::<ResourceKind>()
                    .map_err(|e| corrupt("resource kind", e))?,
                name: self.name,
                managing_body: self.managing_body,
                area: self
                    .area
                    .parse::<Area>()
                    .map_err(|e| corrupt("resource area", e))?,
                criteria_code: self.criteria_code,
                reconfirm_months: u32::try_from(self.reconfirm_months)
                    .map_err(|e| corrupt("reconfirmation period", e))?,
                notes: self.notes,
            },
            capacity,
            closed_on: self.closed_on,
            version: self.version,
            created_at: self.created_at.0,
            created_by: self.created_by.0,
            updated_at: self.updated_at.0,
        })
    }
}

fn with_capacity(
    conn: &mut AnyConnection,
    rows: Vec<ResourceRow>,
) -> Result<Vec<Resource>, StoreError> {
    let ids: Vec<DbUuid> = rows.iter().map(|r| r.id).collect();
    let mut by: HashMap<Uuid, Vec<Capacity>> = HashMap::new();
    if !ids.is_empty() {
        let found: Vec<(DbUuid, NaiveDate, i32)> = resource_capacity::table
            .filter(resource_capacity::resource_id.eq_any(ids))
            .order((resource_capacity::resource_id, resource_capacity::from_on))
            .select((
                resource_capacity::resource_id,
                resource_capacity::from_on,
                resource_capacity::places,
            ))
            .load(conn)?;
        for (id, from_on, places) in found {
            by.entry(id.0).or_default().push(Capacity {
                from_on,
                places: u32::try_from(places).map_err(|e| corrupt("places", e))?,
            });
        }
    }
    rows.into_iter()
        .map(|r| {
            let capacity = by.remove(&r.id.0).unwrap_or_default();
            r.into_resource(capacity)
        })
        .collect()
}

fn small(n: u32) -> i16 {
    i16::try_from(n).unwrap_or(i16::MAX)
}

fn places(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Records a resource with its first capacity.
pub fn insert_resource(
    conn: &mut AnyConnection,
    content: &ResourceContent,
    first: Capacity,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Resource, StoreError> {
    let row = ResourceRow {
        id: DbUuid(Uuid::now_v7()),
        kind: content.kind.as_str().to_owned(),
        name: content.name.clone(),
        managing_body: content.managing_body.clone(),
        area: content.area.as_str().to_owned(),
        criteria_code: content.criteria_code.clone(),
        reconfirm_months: small(content.reconfirm_months),
        notes: content.notes.clone(),
        closed_on: None,
        version: 1,
        created_at: now.into(),
        created_by: DbUuid(actor),
        updated_at: now.into(),
        updated_by: DbUuid(actor),
    };
    diesel::insert_into(resources::table)
        .values(&row)
        .execute(conn)?;
    write_capacity(conn, row.id.0, first, actor, now)?;
    // Nothing held yet; the ceiling is set when a place is first taken or the places change.
    crate::admissions::insert_occupancy(conn, row.id.0, 0)?;
    row.into_resource(vec![first])
}

fn write_capacity(
    conn: &mut AnyConnection,
    id: Uuid,
    change: Capacity,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::delete(
        resource_capacity::table
            .filter(resource_capacity::resource_id.eq(DbUuid(id)))
            .filter(resource_capacity::from_on.eq(change.from_on)),
    )
    .execute(conn)?;
    diesel::insert_into(resource_capacity::table)
        .values((
            resource_capacity::resource_id.eq(DbUuid(id)),
            resource_capacity::from_on.eq(change.from_on),
            resource_capacity::places.eq(places(change.places)),
            resource_capacity::recorded_at.eq(DbInstant::from(now)),
            resource_capacity::recorded_by.eq(DbUuid(actor)),
        ))
        .execute(conn)?;
    Ok(())
}

/// A resource with its capacity.
pub fn find_resource(conn: &mut AnyConnection, id: Uuid) -> Result<Option<Resource>, StoreError> {
    let row = resources::table
        .find(DbUuid(id))
        .select(ResourceRow::as_select())
        .first(conn)
        .optional()?;
    Ok(with_capacity(conn, row.into_iter().collect())?.pop())
}

/// Filters and position of a list of resources.
#[derive(Debug, Clone, Default)]
pub struct ResourceQuery {
    /// Only of this area.
    pub area: Option<Area>,
    /// Only of this kind.
    pub kind: Option<ResourceKind>,
    /// Keyset: after this (name, id).
    pub after: Option<(String, Uuid)>,
    /// At most this many.
    pub limit: i64,
}

/// Resources by name then id.
pub fn list_resources(
    conn: &mut AnyConnection,
    q: &ResourceQuery,
) -> Result<Vec<Resource>, StoreError> {
    let mut query = resources::table
        .select(ResourceRow::as_select())
        .order((resources::name.asc(), resources::id.asc()))
        .limit(q.limit)
        .into_boxed();
    if let Some(area) = q.area {
        query = query.filter(resources::area.eq(area.as_str()));
    }
    if let Some(kind) = q.kind {
        query = query.filter(resources::kind.eq(kind.as_str()));
    }
    if let Some((name, id)) = &q.after {
        query = query.filter(
            resources::name.gt(name.clone()).or(resources::name
                .eq(name.clone())
                .and(resources::id.gt(DbUuid(*id)))),
        );
    }
    let rows = query.load(conn)?;
    with_capacity(conn, rows)
}

/// Moves a resource still at `expected_version` to the next version (false when stale).
fn bump(
    conn: &mut AnyConnection,
    id: Uuid,
    expected_version: i64,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        resources::table
            .find(DbUuid(id))
            .filter(resources::version.eq(expected_version)),
    )
    .set((
        resources::version.eq(expected_version + 1),
        resources::updated_at.eq(DbInstant::from(now)),
        resources::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Replaces a resource's description if it is still `expected_version` (false otherwise).
pub fn update_resource(
    conn: &mut AnyConnection,
    id: Uuid,
    expected_version: i64,
    content: &ResourceContent,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    if !bump(conn, id, expected_version, actor, now)? {
        return Ok(false);
    }
    diesel::update(resources::table.find(DbUuid(id)))
        .set((
            resources::kind.eq(content.kind.as_str()),
            resources::name.eq(&content.name),
            resources::managing_body.eq(&content.managing_body),
            resources::area.eq(content.area.as_str()),
            resources::criteria_code.eq(&content.criteria_code),
            resources::reconfirm_months.eq(small(content.reconfirm_months)),
            resources::notes.eq(content.notes.clone()),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Sets the places of a resource still at `expected_version` from `change.from_on` (replacing
/// a change recorded for that day), moving its version on (false when stale).
pub fn set_capacity(
    conn: &mut AnyConnection,
    id: Uuid,
    expected_version: i64,
    change: Capacity,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    if !bump(conn, id, expected_version, actor, now)? {
        return Ok(false);
    }
    write_capacity(conn, id, change, actor, now)?;
    Ok(true)
}
