//! The exports to the national register of social benefits (INPS SIUSS): the benefits of a
//! period with their persons' tax codes, and the record of every export made. The rules are
//! `socialcare_domain::siuss`'.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use socialcare_domain::siuss::BenefitFacts;
use uuid::Uuid;

use crate::benefits::BenefitRow;
use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{benefits, persons, siuss_export_persons, siuss_exports};
use crate::sql_types::{DbInstant, DbUuid};

/// The benefits running on at least one day of `from..=until`, with their persons, in the
/// order of their ids.
pub fn benefit_facts(
    conn: &mut AnyConnection,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<BenefitFacts>, StoreError> {
    let rows: Vec<(BenefitRow, Option<String>, Option<DbInstant>)> = benefits::table
        .inner_join(persons::table.on(persons::id.eq(benefits::person_id)))
        .filter(benefits::from_on.le(until))
        .filter(benefits::until_on.is_null().or(benefits::until_on.ge(from)))
        .order(benefits::id.asc())
        .select((
            BenefitRow::as_select(),
            persons::tax_code,
            persons::annulled_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(row, tax_code, annulled_at)| {
            Ok(BenefitFacts {
                benefit: row.into_benefit()?,
                tax_code,
                person_annulled: annulled_at.is_some(),
            })
        })
        .collect()
}

/// A recorded export.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = siuss_exports)]
pub struct ExportRow {
    /// Its id.
    pub id: DbUuid,
    /// The period as asked (`2026`, `2026-Q3`, `2026-11`).
    pub period: String,
    /// The period's first day.
    pub from_on: NaiveDate,
    /// Its last day.
    pub until_on: NaiveDate,
    /// The granting body's code written in the file.
    pub body_code: String,
    /// How many records the file holds.
    pub records: i32,
    /// How many benefits of the period could not be sent.
    pub refused: i32,
    /// The SHA-256 of the file, in hex.
    pub sha256: String,
    /// The file.
    pub content: String,
    /// The refused benefits with their reasons (JSON).
    pub refusals: String,
    /// When it was made.
    pub created_at: DbInstant,
    /// Who made it.
    pub created_by: DbUuid,
}

/// A person named by an export.
#[derive(Insertable)]
#[diesel(table_name = siuss_export_persons)]
struct PersonLink {
    export_id: DbUuid,
    person_id: DbUuid,
}

/// Records an export and the persons its file names.
pub fn insert_export(
    conn: &mut AnyConnection,
    row: &ExportRow,
    persons: &[Uuid],
) -> Result<(), StoreError> {
    diesel::insert_into(siuss_exports::table)
        .values(row)
        .execute(conn)?;
    let mut unique: Vec<Uuid> = persons.to_vec();
    unique.sort_unstable();
    unique.dedup();
    for chunk in unique.chunks(500) {
        let links: Vec<PersonLink> = chunk
            .iter()
            .map(|p| PersonLink {
                export_id: row.id,
                person_id: DbUuid(*p),
            })
            .collect();
        // One multi-row INSERT per chunk; the multi-backend connection has no batch insert.
        match conn {
            AnyConnection::Postgresql(c) => diesel::insert_into(siuss_export_persons::table)
                .values(&links)
                .execute(c)?,
            AnyConnection::Sqlite(c) => diesel::insert_into(siuss_export_persons::table)
                .values(&links)
                .execute(c)?,
        };
    }
    Ok(())
}

/// An export.
pub fn find_export(conn: &mut AnyConnection, id: Uuid) -> Result<Option<ExportRow>, StoreError> {
    Ok(siuss_exports::table
        .find(DbUuid(id))
        .select(ExportRow::as_select())
        .first(conn)
        .optional()?)
}

/// The persons an export's file names.
pub fn export_persons(conn: &mut AnyConnection, id: Uuid) -> Result<Vec<Uuid>, StoreError> {
    let rows: Vec<DbUuid> = siuss_export_persons::table
        .filter(siuss_export_persons::export_id.eq(DbUuid(id)))
        .order(siuss_export_persons::person_id.asc())
        .select(siuss_export_persons::person_id)
        .load(conn)?;
    Ok(rows.into_iter().map(|p| p.0).collect())
}

/// The exports, newest first, after the cursor `(created_at, id)`; `limit` of them.
pub fn list_exports(
    conn: &mut AnyConnection,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<ExportRow>, StoreError> {
    let mut query = siuss_exports::table
        .order((siuss_exports::created_at.desc(), siuss_exports::id.desc()))
        .select(ExportRow::as_select())
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = before {
        query = query.filter(
            siuss_exports::created_at
                .lt(DbInstant(at))
                .or(siuss_exports::created_at
                    .eq(DbInstant(at))
                    .and(siuss_exports::id.lt(DbUuid(id)))),
        );
    }
    Ok(query.load(conn)?)
}
