//! Published rankings of care resources: numbered snapshots never changed (the database
//! refuses UPDATE and DELETE). The rules are `socialcare_domain::waiting_list`'s.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use socialcare_domain::waiting_list::{Protocol, Publication, PublishedEntry};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{published_ranking_entries, published_rankings};
use crate::sql_types::{DbInstant, DbUuid};

/// The index that numbers the publications of a resource once.
pub const ONE_NUMBER: &str = "published_rankings_number_idx";

/// A `published_rankings` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = published_rankings, treat_none_as_default_value = false)]
struct PublicationRow {
    id: DbUuid,
    resource_id: DbUuid,
    number: i32,
    criteria_set_id: DbUuid,
    ranked_on: NaiveDate,
    previous_criteria_set_id: Option<DbUuid>,
    reason: Option<String>,
    entries: i32,
    published_at: DbInstant,
    published_by: DbUuid,
}

/// A `published_ranking_entries` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = published_ranking_entries)]
struct EntryRow {
    ranking_id: DbUuid,
    position: i32,
    application_id: DbUuid,
    protocol_year: i32,
    protocol_number: i32,
    total: i32,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("stored {what} is invalid: {e}"))
}

fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl PublicationRow {
    fn into_publication(self) -> Result<Publication, StoreError> {
        Ok(Publication {
            id: self.id.0,
            resource_id: self.resource_id.0,
            number: u32::try_from(self.number).map_err(|e| corrupt("publication number", e))?,
            criteria_set_id: self.criteria_set_id.0,
            ranked_on: self.ranked_on,
            previous_criteria_set_id: self.previous_criteria_set_id.map(|d| d.0),
            reason: self.reason,
            entries: u32::try_from(self.entries).map_err(|e| corrupt("entry count", e))?,
            published_at: self.published_at.0,
            published_by: self.published_by.0,
        })
    }
}

/// The publications of a resource, the latest first.
pub fn publications_of(
    conn: &mut AnyConnection,
    resource_id: Uuid,
) -> Result<Vec<Publication>, StoreError> {
    published_rankings::table
        .filter(published_rankings::resource_id.eq(DbUuid(resource_id)))
        .order(published_rankings::number.desc())
        .select(PublicationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(PublicationRow::into_publication)
        .collect()
}

/// The latest publication of a resource.
pub fn last_publication(
    conn: &mut AnyConnection,
    resource_id: Uuid,
) -> Result<Option<Publication>, StoreError> {
    published_rankings::table
        .filter(published_rankings::resource_id.eq(DbUuid(resource_id)))
        .order(published_rankings::number.desc())
        .select(PublicationRow::as_select())
        .first(conn)
        .optional()?
        .map(PublicationRow::into_publication)
        .transpose()
}

/// A publication.
pub fn find_publication(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<Publication>, StoreError> {
    published_rankings::table
        .find(DbUuid(id))
        .select(PublicationRow::as_select())
        .first(conn)
        .optional()?
        .map(PublicationRow::into_publication)
        .transpose()
}

/// The lines of a publication, by position.
pub fn entries_of(
    conn: &mut AnyConnection,
    ranking_id: Uuid,
) -> Result<Vec<PublishedEntry>, StoreError> {
    published_ranking_entries::table
        .filter(published_ranking_entries::ranking_id.eq(DbUuid(ranking_id)))
        .order(published_ranking_entries::position)
        .select(EntryRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|r| {
            Ok(PublishedEntry {
                position: u32::try_from(r.position).map_err(|e| corrupt("position", e))?,
                application_id: r.application_id.0,
                protocol: Protocol {
                    year: r.protocol_year,
                    number: u32::try_from(r.protocol_number)
                        .map_err(|e| corrupt("protocol number", e))?,
                },
                total: u32::try_from(r.total).map_err(|e| corrupt("total", e))?,
            })
        })
        .collect()
}

/// A ranking to publish.
#[derive(Debug, Clone)]
pub struct NewPublication {
    /// The resource.
    pub resource_id: Uuid,
    /// The version it is ranked under.
    pub criteria_set_id: Uuid,
    /// The version of the previous publication, when re-ranking under another.
    pub previous_criteria_set_id: Option<Uuid>,
    /// The day it is ranked on.
    pub ranked_on: NaiveDate,
    /// Why.
    pub reason: Option<String>,
}

/// Rows per statement when writing the lines (PostgreSQL takes at most 65 535 parameters).
const ENTRY_CHUNK: usize = 1_000;

/// Records a publication numbered after the resource's last (`last_number`), with its lines.
/// Two publications of one resource at the same instant: one is refused ([`ONE_NUMBER`]).
pub fn publish(
    conn: &mut AnyConnection,
    new: &NewPublication,
    last_number: u32,
    entries: &[PublishedEntry],
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Publication, StoreError> {
    let row = PublicationRow {
        id: DbUuid(Uuid::now_v7()),
        resource_id: DbUuid(new.resource_id),
        number: int(last_number.saturating_add(1)),
        criteria_set_id: DbUuid(new.criteria_set_id),
        ranked_on: new.ranked_on,
        previous_criteria_set_id: new.previous_criteria_set_id.map(DbUuid),
        reason: new.reason.clone(),
        entries: int(u32::try_from(entries.len()).unwrap_or(u32::MAX)),
        published_at: now.into(),
        published_by: DbUuid(actor),
    };
    diesel::insert_into(published_rankings::table)
        .values(&row)
        .execute(conn)?;
    let rows: Vec<EntryRow> = entries
        .iter()
        .map(|e| EntryRow {
            ranking_id: row.id,
            position: int(e.position),
            application_id: DbUuid(e.application_id),
            protocol_year: e.protocol.year,
            protocol_number: int(e.protocol.number),
            total: int(e.total),
        })
        .collect();
    for chunk in rows.chunks(ENTRY_CHUNK) {
        // One statement per chunk on either engine (the multi-backend connection has no batch
        // insert of its own).
        match conn {
            AnyConnection::Postgresql(c) => diesel::insert_into(published_ranking_entries::table)
                .values(chunk)
                .execute(c)?,
            AnyConnection::Sqlite(c) => diesel::insert_into(published_ranking_entries::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    row.into_publication()
}
