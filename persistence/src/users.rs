//! Staff accounts: rows, mapping to [`StaffUser`], and queries.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use socialcare_domain::{Area, DisplayName, Email, Role, StaffProfile, StaffUser, Username};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{user_areas, user_roles, users};
use crate::sql_types::{DbInstant, DbUuid};

/// A `users` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    /// Primary key.
    pub id: DbUuid,
    /// Normalised login name.
    pub username: String,
    /// Name shown to colleagues.
    pub display_name: String,
    /// E-mail address.
    pub email: String,
    /// PHC-formatted argon2id hash.
    pub password_hash: String,
    /// Whether the account may log in.
    pub active: bool,
    /// Creation instant.
    pub created_at: DbInstant,
    /// Last change instant.
    pub updated_at: DbInstant,
    /// When it was disabled.
    pub disabled_at: Option<DbInstant>,
    /// Version for optimistic concurrency, starting at 1.
    pub version: i64,
}

/// A row to insert into `users`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewUserRow {
    /// Primary key.
    pub id: DbUuid,
    /// Normalised login name.
    pub username: String,
    /// Name shown to colleagues.
    pub display_name: String,
    /// E-mail address.
    pub email: String,
    /// PHC-formatted argon2id hash.
    pub password_hash: String,
    /// Whether the account may log in.
    pub active: bool,
    /// Creation instant.
    pub created_at: DbInstant,
    /// Last change instant.
    pub updated_at: DbInstant,
    /// When it was disabled.
    pub disabled_at: Option<DbInstant>,
    /// Version, 1 for a new account.
    pub version: i64,
}

/// Changes to a user's descriptive fields.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChangeset {
    /// New display name.
    pub display_name: Option<String>,
    /// New e-mail address.
    pub email: Option<String>,
    /// New password hash.
    pub password_hash: Option<String>,
    /// New active flag.
    pub active: Option<bool>,
    /// New disabled instant (`Some(None)` clears it).
    pub disabled_at: Option<Option<DbInstant>>,
    /// Change instant.
    pub updated_at: Option<DbInstant>,
}

/// What is needed to create an account.
#[derive(Debug, Clone)]
pub struct NewStaffUser {
    /// Login name.
    pub username: Username,
    /// Name shown to colleagues.
    pub display_name: DisplayName,
    /// E-mail address.
    pub email: Email,
    /// Roles and areas.
    pub profile: StaffProfile,
    /// Already-hashed password.
    pub password_hash: String,
}

/// Filters and position for listing accounts, ordered by username.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    /// Only accounts whose username sorts after this one (keyset pagination).
    pub after_username: Option<String>,
    /// Only active (`true`) or disabled (`false`) accounts.
    pub active: Option<bool>,
    /// Only accounts holding this role.
    pub role: Option<Role>,
    /// Only accounts belonging to this area.
    pub area: Option<Area>,
    /// Maximum number of accounts returned.
    pub limit: i64,
}

fn corrupt(what: &str, detail: String) -> StoreError {
    StoreError::Internal(format!("stored {what} is invalid: {detail}"))
}

fn to_domain(row: UserRow, roles: &[String], areas: &[String]) -> Result<StaffUser, StoreError> {
    let profile =
        StaffProfile::parse_stored(roles, areas).map_err(|e| corrupt("profile", e.to_string()))?;
    Ok(StaffUser {
        id: row.id.0,
        username: Username::parse(&row.username).map_err(|e| corrupt("username", e))?,
        display_name: DisplayName::parse(&row.display_name)
            .map_err(|e| corrupt("display name", e))?,
        email: Email::parse(&row.email).map_err(|e| corrupt("email", e))?,
        profile,
        active: row.active,
        created_at: row.created_at.0,
        updated_at: row.updated_at.0,
        disabled_at: row.disabled_at.map(|d| d.0),
        version: row.version,
    })
}

/// Loads roles and areas for many users in two queries and assembles the domain values.
fn assemble(conn: &mut AnyConnection, rows: Vec<UserRow>) -> Result<Vec<StaffUser>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<DbUuid> = rows.iter().map(|r| r.id).collect();
    let mut roles: HashMap<DbUuid, Vec<String>> = HashMap::new();
    for (uid, role) in user_roles::table
        .filter(user_roles::user_id.eq_any(&ids))
        .select((user_roles::user_id, user_roles::role))
        .load::<(DbUuid, String)>(conn)?
    {
        roles.entry(uid).or_default().push(role);
    }
    let mut areas: HashMap<DbUuid, Vec<String>> = HashMap::new();
    for (uid, area) in user_areas::table
        .filter(user_areas::user_id.eq_any(&ids))
        .select((user_areas::user_id, user_areas::area))
        .load::<(DbUuid, String)>(conn)?
    {
        areas.entry(uid).or_default().push(area);
    }
    rows.into_iter()
        .map(|row| {
            let r = roles.get(&row.id).map(Vec::as_slice).unwrap_or(&[]);
            let a = areas.get(&row.id).map(Vec::as_slice).unwrap_or(&[]);
            to_domain(row, r, a)
        })
        .collect()
}

fn write_profile(
    conn: &mut AnyConnection,
    id: DbUuid,
    profile: &StaffProfile,
) -> Result<(), StoreError> {
    diesel::delete(user_roles::table.filter(user_roles::user_id.eq(id))).execute(conn)?;
    diesel::delete(user_areas::table.filter(user_areas::user_id.eq(id))).execute(conn)?;
    // Batch inserts are not part of the common subset of the two engines: one row each.
    for role in profile.roles() {
        diesel::insert_into(user_roles::table)
            .values((
                user_roles::user_id.eq(id),
                user_roles::role.eq(role.as_str()),
            ))
            .execute(conn)?;
    }
    for area in profile.areas() {
        diesel::insert_into(user_areas::table)
            .values((
                user_areas::user_id.eq(id),
                user_areas::area.eq(area.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Creates an account; a taken username is [`StoreError::Conflict`].
pub fn insert(
    conn: &mut AnyConnection,
    new: NewStaffUser,
    now: DateTime<Utc>,
) -> Result<StaffUser, StoreError> {
    let id = DbUuid(Uuid::now_v7());
    let row = NewUserRow {
        id,
        username: new.username.as_str().to_owned(),
        display_name: new.display_name.as_str().to_owned(),
        email: new.email.as_str().to_owned(),
        password_hash: new.password_hash,
        active: true,
        created_at: now.into(),
        updated_at: now.into(),
        disabled_at: None,
        version: 1,
    };
    diesel::insert_into(users::table)
        .values(&row)
        .execute(conn)?;
    write_profile(conn, id, &new.profile)?;
    find(conn, id.0)?.ok_or(StoreError::NotFound)
}

/// Finds an account by id.
pub fn find(conn: &mut AnyConnection, id: Uuid) -> Result<Option<StaffUser>, StoreError> {
    let row = users::table
        .find(DbUuid(id))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?;
    Ok(assemble(conn, row.into_iter().collect())?.pop())
}

/// How to reach a colleague: display name and e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// The account.
    pub id: Uuid,
    /// Display name.
    pub display_name: String,
    /// E-mail address.
    pub email: String,
}

/// The contacts of several accounts in one query; unknown ids are absent from the map.
pub fn contacts(
    conn: &mut AnyConnection,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Contact>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<DbUuid> = ids.iter().copied().map(DbUuid).collect();
    let rows: Vec<(DbUuid, String, String)> = users::table
        .filter(users::id.eq_any(&ids))
        .select((users::id, users::display_name, users::email))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, display_name, email)| {
            (
                id.0,
                Contact {
                    id: id.0,
                    display_name,
                    email,
                },
            )
        })
        .collect())
}

/// Finds an account by username, with its password hash, for login.
pub fn find_credentials(
    conn: &mut AnyConnection,
    username: &Username,
) -> Result<Option<(StaffUser, String)>, StoreError> {
    let Some(row) = users::table
        .filter(users::username.eq(username.as_str()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let hash = row.password_hash.clone();
    Ok(assemble(conn, vec![row])?.pop().map(|u| (u, hash)))
}

/// Lists accounts by username, after the cursor, with the filters.
pub fn list(conn: &mut AnyConnection, q: &UserQuery) -> Result<Vec<StaffUser>, StoreError> {
    let mut query = users::table
        .select(UserRow::as_select())
        .order(users::username.asc())
        .limit(q.limit)
        .into_boxed();
    if let Some(after) = &q.after_username {
        query = query.filter(users::username.gt(after.clone()));
    }
    if let Some(active) = q.active {
        query = query.filter(users::active.eq(active));
    }
    if let Some(role) = q.role {
        query = query.filter(
            users::id.eq_any(
                user_roles::table
                    .filter(user_roles::role.eq(role.as_str()))
                    .select(user_roles::user_id),
            ),
        );
    }
    if let Some(area) = q.area {
        query = query.filter(
            users::id.eq_any(
                user_areas::table
                    .filter(user_areas::area.eq(area.as_str()))
                    .select(user_areas::user_id),
            ),
        );
    }
    let rows = query.load(conn)?;
    assemble(conn, rows)
}

/// Counts all accounts.
pub fn count(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(users::table.count().get_result(conn)?)
}

/// Takes the optimistic lock on an account: moves it from `expected_version` to the next one,
/// or returns false when another change got there first.
pub fn bump_version(
    conn: &mut AnyConnection,
    id: Uuid,
    expected_version: i64,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        users::table
            .find(DbUuid(id))
            .filter(users::version.eq(expected_version)),
    )
    .set(users::version.eq(expected_version + 1))
    .execute(conn)?;
    Ok(n == 1)
}

/// Moves an account to its next version whatever the current one (changes made without
/// `If-Match`, such as the command line's).
pub fn next_version(conn: &mut AnyConnection, id: Uuid) -> Result<(), StoreError> {
    diesel::update(users::table.find(DbUuid(id)))
        .set(users::version.eq(users::version + 1))
        .execute(conn)?;
    Ok(())
}

/// Applies a change to an account and, when given, replaces its roles and areas (the caller
/// bumps the version, see [`bump_version`] and [`next_version`]).
pub fn update(
    conn: &mut AnyConnection,
    id: Uuid,
    changes: UserChangeset,
    profile: Option<&StaffProfile>,
) -> Result<StaffUser, StoreError> {
    let updated = diesel::update(users::table.find(DbUuid(id)))
        .set(&changes)
        .execute(conn)?;
    if updated == 0 {
        return Err(StoreError::NotFound);
    }
    if let Some(profile) = profile {
        write_profile(conn, DbUuid(id), profile)?;
    }
    find(conn, id)?.ok_or(StoreError::NotFound)
}

/// Counts the active accounts holding `system_admin`; used to protect the last administrator.
pub fn active_admin_count(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(users::table
        .filter(users::active.eq(true))
        .filter(
            users::id.eq_any(
                user_roles::table
                    .filter(user_roles::role.eq(Role::SystemAdmin.as_str()))
                    .select(user_roles::user_id),
            ),
        )
        .count()
        .get_result(conn)?)
}

/// The facts that decide whether a staff member may be named in a case file's team (as its
/// case manager or a member): active, roles, areas. `None` when there is no such account.
pub fn staff_facts(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<socialcare_domain::case_file::StaffFacts>, StoreError> {
    Ok(
        find(conn, id)?.map(|user| socialcare_domain::case_file::StaffFacts {
            active: user.active,
            roles: user.profile.roles().clone(),
            areas: user.profile.areas().clone(),
        }),
    )
}
