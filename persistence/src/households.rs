//! Households: rows, mapping to [`Membership`], and the queries that the rules of
//! `socialcare_domain::household` need inside a write transaction.
//!
//! Memberships are never deleted: leaving sets `left_on` (and who ended the membership, when).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use socialcare_domain::household::{Membership, Relationship};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{household_members, households, persons};
use crate::sql_types::{DbInstant, DbUuid};

/// A `households` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = households)]
#[diesel(treat_none_as_default_value = false)]
pub struct HouseholdRow {
    /// Primary key.
    pub id: DbUuid,
    /// Version (ETag); every change of the composition increments it.
    pub version: i64,
    /// Creation instant.
    pub created_at: DbInstant,
    /// Creator.
    pub created_by: DbUuid,
    /// Last change.
    pub updated_at: DbInstant,
    /// Last author.
    pub updated_by: DbUuid,
}

/// A household, without its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdRecord {
    /// Identifier.
    pub id: Uuid,
    /// Version (ETag).
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Creator.
    pub created_by: Uuid,
    /// Last change of the composition.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change.
    pub updated_by: Uuid,
}

impl From<HouseholdRow> for HouseholdRecord {
    fn from(row: HouseholdRow) -> Self {
        Self {
            id: row.id.0,
            version: row.version,
            created_at: row.created_at.0,
            created_by: row.created_by.0,
            updated_at: row.updated_at.0,
            updated_by: row.updated_by.0,
        }
    }
}

/// A `household_members` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = household_members)]
#[diesel(treat_none_as_default_value = false)]
pub struct MemberRow {
    /// Primary key.
    pub id: DbUuid,
    /// The household.
    pub household_id: DbUuid,
    /// The member.
    pub person_id: DbUuid,
    /// Relationship code to the reference person.
    pub relationship: String,
    /// First day of the membership.
    pub joined_on: NaiveDate,
    /// Exclusive end of the membership.
    pub left_on: Option<NaiveDate>,
    /// When the membership was recorded.
    pub created_at: DbInstant,
    /// Who recorded it.
    pub created_by: DbUuid,
    /// When the leaving was recorded.
    pub ended_at: Option<DbInstant>,
    /// Who recorded the leaving.
    pub ended_by: Option<DbUuid>,
}

/// One membership with the member's names and its bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRecord {
    /// Identifier of the membership.
    pub id: Uuid,
    /// The membership as the domain rules see it.
    pub membership: Membership,
    /// Given names of the member.
    pub given_names: String,
    /// Family names of the member.
    pub family_names: String,
    /// When the membership was recorded.
    pub created_at: DateTime<Utc>,
    /// Who recorded it.
    pub created_by: Uuid,
    /// When the leaving was recorded.
    pub ended_at: Option<DateTime<Utc>>,
    /// Who recorded the leaving.
    pub ended_by: Option<Uuid>,
}

fn to_record(
    (row, given_names, family_names): (MemberRow, String, String),
) -> Result<MemberRecord, StoreError> {
    let relationship = row.relationship.parse::<Relationship>().map_err(|e| {
        StoreError::Internal(format!("stored membership {} is invalid: {e}", row.id.0))
    })?;
    Ok(MemberRecord {
        id: row.id.0,
        membership: Membership {
            person_id: row.person_id.0,
            household_id: row.household_id.0,
            relationship,
            joined_on: row.joined_on,
            left_on: row.left_on,
        },
        given_names,
        family_names,
        created_at: row.created_at.0,
        created_by: row.created_by.0,
        ended_at: row.ended_at.map(|at| at.0),
        ended_by: row.ended_by.map(|by| by.0),
    })
}

/// Stores a new, empty household (version 1).
pub fn insert_household(
    conn: &mut AnyConnection,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<HouseholdRecord, StoreError> {
    let row = HouseholdRow {
        id: DbUuid(Uuid::now_v7()),
        version: 1,
        created_at: now.into(),
        created_by: DbUuid(actor),
        updated_at: now.into(),
        updated_by: DbUuid(actor),
    };
    diesel::insert_into(households::table)
        .values(&row)
        .execute(conn)?;
    Ok(row.into())
}

/// Finds a household.
pub fn find_household(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<HouseholdRecord>, StoreError> {
    Ok(households::table
        .find(DbUuid(id))
        .select(HouseholdRow::as_select())
        .first(conn)
        .optional()?
        .map(HouseholdRecord::from))
}

/// Records a change of the household's composition if its version is still
/// `expected_version`: increments the version. Returns `None` when the version moved on (the
/// caller answers 412). Call it before writing the members, in the same transaction: on
/// PostgreSQL the row lock it takes makes concurrent changes of one household queue, and the
/// loser finds the version changed.
pub fn bump_version(
    conn: &mut AnyConnection,
    id: Uuid,
    expected_version: i64,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<HouseholdRecord>, StoreError> {
    let changed = diesel::update(
        households::table
            .find(DbUuid(id))
            .filter(households::version.eq(expected_version)),
    )
    .set((
        households::version.eq(expected_version + 1),
        households::updated_at.eq(DbInstant::from(now)),
        households::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    find_household(conn, id)
}

/// Every membership of a household, past and present, in the order people joined.
pub fn members_of_household(
    conn: &mut AnyConnection,
    household_id: Uuid,
) -> Result<Vec<MemberRecord>, StoreError> {
    household_members::table
        .inner_join(persons::table)
        .filter(household_members::household_id.eq(DbUuid(household_id)))
        .order((
            household_members::joined_on.asc(),
            household_members::id.asc(),
        ))
        .select((
            MemberRow::as_select(),
            persons::given_names,
            persons::family_names,
        ))
        .load::<(MemberRow, String, String)>(conn)?
        .into_iter()
        .map(to_record)
        .collect()
}

/// Every membership of a person, in any household, past and present, oldest first.
pub fn memberships_of_person(
    conn: &mut AnyConnection,
    person_id: Uuid,
) -> Result<Vec<MemberRecord>, StoreError> {
    household_members::table
        .inner_join(persons::table)
        .filter(household_members::person_id.eq(DbUuid(person_id)))
        .order((
            household_members::joined_on.asc(),
            household_members::id.asc(),
        ))
        .select((
            MemberRow::as_select(),
            persons::given_names,
            persons::family_names,
        ))
        .load::<(MemberRow, String, String)>(conn)?
        .into_iter()
        .map(to_record)
        .collect()
}

/// Stores a new open membership; returns its id. Check it with
/// `socialcare_domain::household::check_join` first.
pub fn insert_member(
    conn: &mut AnyConnection,
    membership: &Membership,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    let row = MemberRow {
        id: DbUuid(id),
        household_id: DbUuid(membership.household_id),
        person_id: DbUuid(membership.person_id),
        relationship: membership.relationship.as_str().to_owned(),
        joined_on: membership.joined_on,
        left_on: membership.left_on,
        created_at: now.into(),
        created_by: DbUuid(actor),
        ended_at: None,
        ended_by: None,
    };
    diesel::insert_into(household_members::table)
        .values(&row)
        .execute(conn)?;
    Ok(id)
}

/// Closes an open membership on `left_on`; `false` when it was not open any more. Check it
/// with `socialcare_domain::household::check_leave` first.
pub fn close_member(
    conn: &mut AnyConnection,
    member_id: Uuid,
    left_on: NaiveDate,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        household_members::table
            .find(DbUuid(member_id))
            .filter(household_members::left_on.is_null()),
    )
    .set((
        household_members::left_on.eq(Some(left_on)),
        household_members::ended_at.eq(Some(DbInstant::from(now))),
        household_members::ended_by.eq(Some(DbUuid(actor))),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The facts of the household-member rule of a project participant (see
/// [`socialcare_domain::project::check_household_participant`]) on `day`.
pub fn participant_facts(
    conn: &mut AnyConnection,
    file_person: Uuid,
    participant: Uuid,
    day: NaiveDate,
) -> Result<socialcare_domain::project::HouseholdParticipantFacts, StoreError> {
    Ok(socialcare_domain::project::HouseholdParticipantFacts {
        person_exists: crate::persons::exists(conn, participant)?,
        home_of_file_person: household_of_person_on(conn, file_person, day)?,
        home_of_participant: household_of_person_on(conn, participant, day)?,
    })
}

/// The household `person_id` belongs to on `date`, if any.
pub fn household_of_person_on(
    conn: &mut AnyConnection,
    person_id: Uuid,
    date: NaiveDate,
) -> Result<Option<Uuid>, StoreError> {
    Ok(memberships_of_person(conn, person_id)?
        .into_iter()
        .find(|m| m.membership.is_current_on(date))
        .map(|m| m.membership.household_id))
}
