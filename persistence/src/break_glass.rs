//! Break-glass grants: emergency access of a staff user to a case outside their team.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::sql_types::DbUuid;

/// The reasons of `staff`'s grants active at `now` on the given case files, by case file.
pub fn active_reasons(
    _conn: &mut AnyConnection,
    _staff: Uuid,
    _case_files: &[DbUuid],
    _now: DateTime<Utc>,
) -> Result<HashMap<Uuid, String>, StoreError> {
    Ok(HashMap::new())
}
