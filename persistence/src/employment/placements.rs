//! Employment placements, their monthly hours, and what the compliance of a contract's social
//! clause reads of them.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use socialcare_domain::employment::{
    MonthHours, WorkChange, WorkContent, WorkKind, WorkOutcome, WorkPlacement, WorkStatus,
    WorkTransition, Worked, YearMonth,
};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{employment_hours, employment_placements};
use crate::sql_types::{DbInstant, DbUuid};

/// An `employment_placements` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = employment_placements, treat_none_as_default_value = false)]
struct WorkRow {
    id: DbUuid,
    case_file_id: DbUuid,
    person_id: DbUuid,
    kind: String,
    programme: Option<String>,
    employer_id: DbUuid,
    contract_id: Option<DbUuid>,
    office_tutor_id: Option<DbUuid>,
    company_tutor: Option<String>,
    weekly_hours: i16,
    from_on: NaiveDate,
    until_on: Option<NaiveDate>,
    notes: Option<String>,
    status: String,
    started_on: Option<NaiveDate>,
    ended_on: Option<NaiveDate>,
    interruption_reason: Option<String>,
    outcome: Option<String>,
    outcome_on: Option<NaiveDate>,
    version: i64,
    created_at: DbInstant,
    created_by: DbUuid,
    updated_at: DbInstant,
    updated_by: DbUuid,
    commitment_id: Option<DbUuid>,
    referral_id: Option<DbUuid>,
    next_review_on: Option<NaiveDate>,
}

impl WorkRow {
    fn into_placement(self, hours: Vec<MonthHours>) -> Result<WorkPlacement, StoreError> {
        let id = self.id.0;
        let corrupt = |what: &str, e: String| {
            StoreError::Internal(format!(
                "stored {what} of employment placement {id} is invalid: {e}"
            ))
        };
        Ok(WorkPlacement {
            id,
            case_file_id: self.case_file_id.0,
            person_id: self.person_id.0,
            content: WorkContent {
                kind: self
                    .kind
                    .parse::<WorkKind>()
                    .map_err(|e| corrupt("kind", e))?,
                programme: self.programme,
                employer_id: self.employer_id.0,
                contract_id: self.contract_id.map(|c| c.0),
                office_tutor_id: self.office_tutor_id.map(|t| t.0),
                company_tutor: self.company_tutor,
                weekly_hours: u8::try_from(self.weekly_hours)
                    .map_err(|e| corrupt("weekly hours", e.to_string()))?,
                from_on: self.from_on,
                until_on: self.until_on,
                notes: self.notes,
                commitment_id: self.commitment_id.map(|c| c.0),
                referral_id: self.referral_id.map(|r| r.0),
            },
            status: self
                .status
                .parse::<WorkStatus>()
                .map_err(|e| corrupt("status", e))?,
            started_on: self.started_on,
            ended_on: self.ended_on,
            interruption_reason: self.interruption_reason,
            outcome: self
                .outcome
                .as_deref()
                .map(str::parse::<WorkOutcome>)
                .transpose()
                .map_err(|e| corrupt("outcome", e))?,
            outcome_on: self.outcome_on,
            next_review_on: self.next_review_on,
            hours,
            version: self.version,
            created_at: self.created_at.0,
            created_by: self.created_by.0,
            updated_at: self.updated_at.0,
        })
    }
}

/// A placement being proposed.
#[derive(Debug, Clone)]
pub struct NewWorkPlacement {
    /// The case file.
    pub case_file_id: Uuid,
    /// Its person.
    pub person_id: Uuid,
    /// What is proposed.
    pub content: WorkContent,
}

/// Records a proposed placement.
pub fn insert_work_placement(
    conn: &mut AnyConnection,
    new: &NewWorkPlacement,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<WorkPlacement, StoreError> {
    let c = &new.content;
    let row = WorkRow {
        id: DbUuid(Uuid::now_v7()),
        case_file_id: DbUuid(new.case_file_id),
        person_id: DbUuid(new.person_id),
        kind: c.kind.as_str().to_owned(),
        programme: c.programme.clone(),
        employer_id: DbUuid(c.employer_id),
        contract_id: c.contract_id.map(DbUuid),
        office_tutor_id: c.office_tutor_id.map(DbUuid),
        company_tutor: c.company_tutor.clone(),
        weekly_hours: i16::from(c.weekly_hours),
        from_on: c.from_on,
        until_on: c.until_on,
        notes: c.notes.clone(),
        status: WorkStatus::Proposed.as_str().to_owned(),
        started_on: None,
        ended_on: None,
        interruption_reason: None,
        outcome: None,
        outcome_on: None,
        version: 1,
        created_at: now.into(),
        created_by: DbUuid(actor),
        updated_at: now.into(),
        updated_by: DbUuid(actor),
        commitment_id: c.commitment_id.map(DbUuid),
        referral_id: c.referral_id.map(DbUuid),
        next_review_on: None,
    };
    diesel::insert_into(employment_placements::table)
        .values(&row)
        .execute(conn)?;
    row.into_placement(Vec::new())
}

/// The hours of `ids`, by placement then month.
fn hours_of(
    conn: &mut AnyConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<MonthHours>>, StoreError> {
    let mut by: HashMap<Uuid, Vec<MonthHours>> = HashMap::new();
    if ids.is_empty() {
        return Ok(by);
    }
    let rows: Vec<(DbUuid, String, i16)> = employment_hours::table
        .filter(employment_hours::placement_id.eq_any(ids.iter().copied().map(DbUuid)))
        .order((employment_hours::placement_id, employment_hours::month))
        .select((
            employment_hours::placement_id,
            employment_hours::month,
            employment_hours::hours,
        ))
        .load(conn)?;
    for (id, month, hours) in rows {
        let month = month.parse::<YearMonth>().map_err(|e| {
            StoreError::Internal(format!("stored month of placement {}: {e}", id.0))
        })?;
        by.entry(id.0).or_default().push(MonthHours {
            month,
            hours: u16::try_from(hours).unwrap_or(0),
        });
    }
    Ok(by)
}

fn with_hours(
    conn: &mut AnyConnection,
    rows: Vec<WorkRow>,
) -> Result<Vec<WorkPlacement>, StoreError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id.0).collect();
    let mut hours = hours_of(conn, &ids)?;
    rows.into_iter()
        .map(|r| {
            let h = hours.remove(&r.id.0).unwrap_or_default();
            r.into_placement(h)
        })
        .collect()
}

/// An employment placement with its hours.
pub fn find_work_placement(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<WorkPlacement>, StoreError> {
    let row = employment_placements::table
        .find(DbUuid(id))
        .select(WorkRow::as_select())
        .first(conn)
        .optional()?;
    Ok(with_hours(conn, row.into_iter().collect())?.pop())
}

/// The case file of an employment placement.
pub fn work_case_file_of(conn: &mut AnyConnection, id: Uuid) -> Result<Option<Uuid>, StoreError> {
    Ok(employment_placements::table
        .find(DbUuid(id))
        .select(employment_placements::case_file_id)
        .first::<DbUuid>(conn)
        .optional()?
        .map(|id| id.0))
}

/// The employment placements of a case file, by planned start then id.
pub fn work_placements_of(
    conn: &mut AnyConnection,
    case_file_id: Uuid,
) -> Result<Vec<WorkPlacement>, StoreError> {
    let rows = employment_placements::table
        .filter(employment_placements::case_file_id.eq(DbUuid(case_file_id)))
        .order((
            employment_placements::from_on.asc(),
            employment_placements::id.asc(),
        ))
        .select(WorkRow::as_select())
        .load(conn)?;
    with_hours(conn, rows)
}

/// Applies a change to a placement still at `placement.version` (false when stale).
pub fn change_work_placement(
    conn: &mut AnyConnection,
    placement: &WorkPlacement,
    change: &WorkChange,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let (started_on, ended_on) = match change.transition {
        WorkTransition::Start => (Some(change.on), None),
        WorkTransition::Complete | WorkTransition::Interrupt => {
            (placement.started_on, Some(change.on))
        }
    };
    let n = diesel::update(
        employment_placements::table
            .find(DbUuid(placement.id))
            .filter(employment_placements::version.eq(placement.version)),
    )
    .set((
        employment_placements::status.eq(change.to.as_str()),
        employment_placements::started_on.eq(started_on),
        employment_placements::ended_on.eq(ended_on),
        employment_placements::interruption_reason.eq(change.interruption_reason.clone()),
        employment_placements::outcome.eq(change.outcome.map(|o| o.as_str().to_owned())),
        employment_placements::outcome_on.eq(change.outcome_on),
        employment_placements::next_review_on.eq(change.next_review_on),
        employment_placements::version.eq(placement.version + 1),
        employment_placements::updated_at.eq(DbInstant::from(now)),
        employment_placements::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records the hours of a month of a placement still at `placement.version` (false when
/// stale), replacing what was recorded for that month, and moves its version on.
pub fn record_month_hours(
    conn: &mut AnyConnection,
    placement: &WorkPlacement,
    entry: MonthHours,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        employment_placements::table
            .find(DbUuid(placement.id))
            .filter(employment_placements::version.eq(placement.version)),
    )
    .set((
        employment_placements::version.eq(placement.version + 1),
        employment_placements::updated_at.eq(DbInstant::from(now)),
        employment_placements::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    if n != 1 {
        return Ok(false);
    }
    let month = entry.month.to_string();
    diesel::delete(
        employment_hours::table
            .filter(employment_hours::placement_id.eq(DbUuid(placement.id)))
            .filter(employment_hours::month.eq(&month)),
    )
    .execute(conn)?;
    diesel::insert_into(employment_hours::table)
        .values((
            employment_hours::placement_id.eq(DbUuid(placement.id)),
            employment_hours::month.eq(&month),
            employment_hours::hours.eq(i16::try_from(entry.hours).unwrap_or(i16::MAX)),
            employment_hours::recorded_at.eq(DbInstant::from(now)),
            employment_hours::recorded_by.eq(DbUuid(actor)),
            employment_hours::contract_id.eq(placement.content.contract_id.map(DbUuid)),
        ))
        .execute(conn)?;
    Ok(true)
}

/// When each started placement under `contract_id` ran.
pub fn worked_under(
    conn: &mut AnyConnection,
    contract_id: Uuid,
) -> Result<Vec<Worked>, StoreError> {
    let rows: Vec<(Option<NaiveDate>, Option<NaiveDate>)> = employment_placements::table
        .filter(employment_placements::contract_id.eq(DbUuid(contract_id)))
        .filter(employment_placements::started_on.is_not_null())
        .select((
            employment_placements::started_on,
            employment_placements::ended_on,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(s, e)| {
            s.map(|started_on| Worked {
                started_on,
                ended_on: e,
            })
        })
        .collect())
}

/// The hours recorded per month for the placements under `contract_id`, summed.
pub fn hours_under(
    conn: &mut AnyConnection,
    contract_id: Uuid,
) -> Result<BTreeMap<YearMonth, u64>, StoreError> {
    let rows: Vec<(String, i16)> = employment_hours::table
        .filter(employment_hours::contract_id.eq(DbUuid(contract_id)))
        .select((employment_hours::month, employment_hours::hours))
        .load(conn)?;
    let mut by: BTreeMap<YearMonth, u64> = BTreeMap::new();
    for (month, hours) in rows {
        let month = month
            .parse::<YearMonth>()
            .map_err(|e| StoreError::Internal(format!("stored month `{month}`: {e}")))?;
        *by.entry(month).or_default() += u64::try_from(hours).unwrap_or(0);
    }
    Ok(by)
}

/// For each of `contract_ids`: how many of its placements ran on `day`; and for each of
/// `hours_ids` (the contracts judged on hours), the hours recorded in `day`'s month. Two
/// grouped statements for all the contracts.
pub fn standing_on(
    conn: &mut AnyConnection,
    contract_ids: &[Uuid],
    hours_ids: &[Uuid],
    day: NaiveDate,
) -> Result<HashMap<Uuid, (u64, u64)>, StoreError> {
    let mut by: HashMap<Uuid, (u64, u64)> = HashMap::new();
    if !contract_ids.is_empty() {
        let ids: Vec<DbUuid> = contract_ids.iter().copied().map(DbUuid).collect();
        let workers: Vec<(Option<DbUuid>, i64)> = employment_placements::table
            .filter(employment_placements::contract_id.eq_any(ids))
            .filter(employment_placements::started_on.le(day))
            .filter(
                employment_placements::ended_on
                    .is_null()
                    .or(employment_placements::ended_on.ge(day)),
            )
            .group_by(employment_placements::contract_id)
            .select((
                employment_placements::contract_id,
                diesel::dsl::count_star(),
            ))
            .load(conn)?;
        for (contract, n) in workers {
            if let Some(c) = contract {
                by.entry(c.0).or_default().0 = u64::try_from(n).unwrap_or(0);
            }
        }
    }
    if !hours_ids.is_empty() {
        let ids: Vec<DbUuid> = hours_ids.iter().copied().map(DbUuid).collect();
        let month = YearMonth::of(day).to_string();
        let hours: Vec<(Option<DbUuid>, Option<i64>)> = employment_hours::table
            .filter(employment_hours::contract_id.eq_any(ids))
            .filter(employment_hours::month.eq(month))
            .group_by(employment_hours::contract_id)
            .select((
                employment_hours::contract_id,
                diesel::dsl::sum(employment_hours::hours),
            ))
            .load(conn)?;
        for (contract, h) in hours {
            if let Some(c) = contract {
                by.entry(c.0).or_default().1 = u64::try_from(h.unwrap_or(0)).unwrap_or(0);
            }
        }
    }
    Ok(by)
}

/// The pact and the case file of a commitment.
pub fn commitment_facts(
    conn: &mut AnyConnection,
    commitment_id: Uuid,
) -> Result<Option<(Uuid, Uuid)>, StoreError> {
    use crate::schema::{pact_commitments, pacts};
    let found: Option<(DbUuid, DbUuid)> = pact_commitments::table
        .inner_join(pacts::table)
        .filter(pact_commitments::id.eq(DbUuid(commitment_id)))
        .select((pacts::id, pacts::case_file_id))
        .first(conn)
        .optional()?;
    Ok(found.map(|(pact, file)| (pact.0, file.0)))
}

/// The case file and the service of a referral.
pub fn referral_facts(
    conn: &mut AnyConnection,
    referral_id: Uuid,
) -> Result<Option<(Uuid, String)>, StoreError> {
    use crate::schema::referrals;
    let found: Option<(DbUuid, String)> = referrals::table
        .find(DbUuid(referral_id))
        .select((referrals::case_file_id, referrals::service))
        .first(conn)
        .optional()?;
    Ok(found.map(|(file, service)| (file.0, service)))
}
