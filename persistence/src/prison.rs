//! The prison area: the expected releases of persons, read from their justice data (the
//! `justice` sensitive group) for the planning of reintegration.

use chrono::NaiveDate;
use diesel::prelude::*;
use socialcare_domain::sensitive::JusticeStatus;
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{person_justice, persons};
use crate::sql_types::DbUuid;

/// The justice status and expected release of those of `person_ids` (live persons) who are
/// not released and have an expected release date, by that date.
pub fn expected_releases(
    conn: &mut AnyConnection,
    person_ids: &[Uuid],
) -> Result<Vec<(Uuid, JusticeStatus, NaiveDate)>, StoreError> {
    let ids: Vec<DbUuid> = person_ids.iter().copied().map(DbUuid).collect();
    let rows: Vec<(DbUuid, String, Option<NaiveDate>)> = person_justice::table
        .inner_join(persons::table)
        .filter(persons::annulled_at.is_null())
        .filter(person_justice::person_id.eq_any(ids))
        .filter(person_justice::status.ne(JusticeStatus::Released.as_str()))
        .filter(person_justice::expected_release_on.is_not_null())
        .order((
            person_justice::expected_release_on.asc(),
            person_justice::person_id.asc(),
        ))
        .select((
            person_justice::person_id,
            person_justice::status,
            person_justice::expected_release_on,
        ))
        .load(conn)?;
    rows.into_iter()
        .filter_map(|(id, status, on)| on.map(|on| (id, status, on)))
        .map(|(id, status, on)| {
            let status = JusticeStatus::parse(&status).map_err(|e| {
                StoreError::Internal(format!("stored justice status of {} is invalid: {e}", id.0))
            })?;
            Ok((id.0, status, on))
        })
        .collect()
}
