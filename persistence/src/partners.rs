//! Partner organisations, their machine clients and the clients' public keys; the ids of the
//! client assertions already accepted.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use socialcare_domain::partner::{
    ClientContent, ClientKey, MachineClient, OrganisationKind, PartnerOrganisation, Scope,
    parse_scope_text, scope_text,
};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{
    client_assertions, machine_client_keys, machine_clients, partner_organisations,
};
use crate::sql_types::{DbInstant, DbUuid};

/// A `partner_organisations` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = partner_organisations)]
#[diesel(treat_none_as_default_value = false)]
struct OrganisationRow {
    id: DbUuid,
    name: String,
    kind: String,
    active: bool,
    version: i64,
    created_at: DbInstant,
    created_by: DbUuid,
    updated_at: DbInstant,
    updated_by: DbUuid,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("stored {what} is invalid: {e}"))
}

impl TryFrom<OrganisationRow> for PartnerOrganisation {
    type Error = StoreError;

    fn try_from(row: OrganisationRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.id.0,
            name: row.name,
            kind: row
                .kind
                .parse()
                .map_err(|e| corrupt("organisation kind", e))?,
            active: row.active,
            version: row.version,
            created_at: row.created_at.0,
            created_by: row.created_by.0,
            updated_at: row.updated_at.0,
            updated_by: row.updated_by.0,
        })
    }
}

/// A `machine_clients` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = machine_clients)]
#[diesel(treat_none_as_default_value = false)]
struct ClientRow {
    id: DbUuid,
    organisation_id: DbUuid,
    name: String,
    scopes: String,
    enabled: bool,
    last_used_at: Option<DbInstant>,
    version: i64,
    created_at: DbInstant,
    created_by: DbUuid,
    updated_at: DbInstant,
    updated_by: DbUuid,
}

impl TryFrom<ClientRow> for MachineClient {
    type Error = StoreError;

    fn try_from(row: ClientRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.id.0,
            organisation_id: row.organisation_id.0,
            name: row.name,
            scopes: parse_scope_text(&row.scopes).map_err(|e| corrupt("client scopes", e))?,
            enabled: row.enabled,
            last_used_at: row.last_used_at.map(|t| t.0),
            version: row.version,
            created_at: row.created_at.0,
            created_by: row.created_by.0,
            updated_at: row.updated_at.0,
            updated_by: row.updated_by.0,
        })
    }
}

/// A `machine_client_keys` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = machine_client_keys)]
#[diesel(treat_none_as_default_value = false)]
struct KeyRow {
    client_id: DbUuid,
    kid: String,
    algorithm: String,
    format: String,
    public_key: String,
    thumbprint: String,
    added_at: DbInstant,
    added_by: DbUuid,
    revoked_at: Option<DbInstant>,
    revoked_by: Option<DbUuid>,
}

impl TryFrom<KeyRow> for ClientKey {
    type Error = StoreError;

    fn try_from(row: KeyRow) -> Result<Self, StoreError> {
        Ok(Self {
            client_id: row.client_id.0,
            kid: row.kid,
            algorithm: row
                .algorithm
                .parse()
                .map_err(|e| corrupt("key algorithm", e))?,
            format: row.format.parse().map_err(|e| corrupt("key format", e))?,
            public_key: row.public_key,
            thumbprint: row.thumbprint,
            added_at: row.added_at.0,
            added_by: row.added_by.0,
            revoked_at: row.revoked_at.map(|t| t.0),
            revoked_by: row.revoked_by.map(|u| u.0),
        })
    }
}

/// Registers an organisation (version 1, active). A name already registered is
/// [`StoreError::Conflict`].
pub fn insert_organisation(
    conn: &mut AnyConnection,
    name: &str,
    kind: OrganisationKind,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<PartnerOrganisation, StoreError> {
    let row = OrganisationRow {
        id: DbUuid(Uuid::now_v7()),
        name: name.to_owned(),
        kind: kind.as_str().to_owned(),
        active: true,
        version: 1,
        created_at: now.into(),
        created_by: DbUuid(actor),
        updated_at: now.into(),
        updated_by: DbUuid(actor),
    };
    diesel::insert_into(partner_organisations::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

/// An organisation.
pub fn find_organisation(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<PartnerOrganisation>, StoreError> {
    partner_organisations::table
        .find(DbUuid(id))
        .select(OrganisationRow::as_select())
        .first(conn)
        .optional()?
        .map(TryInto::try_into)
        .transpose()
}

/// The organisations in id order after `after`, at most `limit`; only active (or inactive)
/// ones when `active` is given.
pub fn list_organisations(
    conn: &mut AnyConnection,
    active: Option<bool>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<PartnerOrganisation>, StoreError> {
    let mut query = partner_organisations::table
        .order(partner_organisations::id.asc())
        .limit(limit)
        .select(OrganisationRow::as_select())
        .into_boxed();
    if let Some(active) = active {
        query = query.filter(partner_organisations::active.eq(active));
    }
    if let Some(after) = after {
        query = query.filter(partner_organisations::id.gt(DbUuid(after)));
    }
    query
        .load(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// Replaces an organisation's name, kind and active flag if it is still `expected_version`;
/// `false` (nothing changed) otherwise.
#[allow(clippy::too_many_arguments)]
pub fn update_organisation(
    conn: &mut AnyConnection,
    id: Uuid,
    expected_version: i64,
    name: &str,
    kind: OrganisationKind,
    active: bool,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        partner_organisations::table
            .find(DbUuid(id))
            .filter(partner_organisations::version.eq(expected_version)),
    )
    .set((
        partner_organisations::name.eq(name),
        partner_organisations::kind.eq(kind.as_str()),
        partner_organisations::active.eq(active),
        partner_organisations::version.eq(expected_version + 1),
        partner_organisations::updated_at.eq(DbInstant::from(now)),
        partner_organisations::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Registers a machine client of an organisation (version 1, enabled). A name already used in
/// the organisation is [`StoreError::Conflict`].
pub fn insert_client(
    conn: &mut AnyConnection,
    organisation_id: Uuid,
    content: &ClientContent,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<MachineClient, StoreError> {
    let row = ClientRow {
        id: DbUuid(Uuid::now_v7()),
        organisation_id: DbUuid(organisation_id),
        name: content.name.clone(),
        scopes: scope_text(&content.scopes),
        enabled: true,
        last_used_at: None,
        version: 1,
        created_at: now.into(),
        created_by: DbUuid(actor),
        updated_at: now.into(),
        updated_by: DbUuid(actor),
    };
    diesel::insert_into(machine_clients::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

/// A machine client.
pub fn find_client(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<MachineClient>, StoreError> {
    machine_clients::table
        .find(DbUuid(id))
        .select(ClientRow::as_select())
        .first(conn)
        .optional()?
        .map(TryInto::try_into)
        .transpose()
}

/// The machine clients in id order after `after`, at most `limit`; only those of
/// `organisation_id` when given.
pub fn list_clients(
    conn: &mut AnyConnection,
    organisation_id: Option<Uuid>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<MachineClient>, StoreError> {
    let mut query = machine_clients::table
        .order(machine_clients::id.asc())
        .limit(limit)
        .select(ClientRow::as_select())
        .into_boxed();
    if let Some(organisation_id) = organisation_id {
        query = query.filter(machine_clients::organisation_id.eq(DbUuid(organisation_id)));
    }
    if let Some(after) = after {
        query = query.filter(machine_clients::id.gt(DbUuid(after)));
    }
    query
        .load(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// Replaces a client's name, scopes and enabled flag if it is still `expected_version`;
/// `false` (nothing changed) otherwise.
#[allow(clippy::too_many_arguments)]
pub fn update_client(
    conn: &mut AnyConnection,
    id: Uuid,
    expected_version: i64,
    name: &str,
    scopes: &BTreeSet<Scope>,
    enabled: bool,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        machine_clients::table
            .find(DbUuid(id))
            .filter(machine_clients::version.eq(expected_version)),
    )
    .set((
        machine_clients::name.eq(name),
        machine_clients::scopes.eq(scope_text(scopes)),
        machine_clients::enabled.eq(enabled),
        machine_clients::version.eq(expected_version + 1),
        machine_clients::updated_at.eq(DbInstant::from(now)),
        machine_clients::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records that a client was used at `now` (its version does not move: this is not a change
/// of its registration).
pub fn mark_used(conn: &mut AnyConnection, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
    diesel::update(machine_clients::table.find(DbUuid(id)))
        .set(machine_clients::last_used_at.eq(Some(DbInstant::from(now))))
        .execute(conn)?;
    Ok(())
}

/// Adds a public key to a client. A `kid` the client already has (revoked or not) is
/// [`StoreError::Conflict`]: a key id is never reused.
pub fn insert_key(conn: &mut AnyConnection, key: &ClientKey) -> Result<(), StoreError> {
    diesel::insert_into(machine_client_keys::table)
        .values(&KeyRow {
            client_id: DbUuid(key.client_id),
            kid: key.kid.clone(),
            algorithm: key.algorithm.as_str().to_owned(),
            format: key.format.as_str().to_owned(),
            public_key: key.public_key.clone(),
            thumbprint: key.thumbprint.clone(),
            added_at: key.added_at.into(),
            added_by: DbUuid(key.added_by),
            revoked_at: None,
            revoked_by: None,
        })
        .execute(conn)?;
    Ok(())
}

/// The keys of a client (revoked ones too), oldest first.
pub fn keys_of(conn: &mut AnyConnection, client_id: Uuid) -> Result<Vec<ClientKey>, StoreError> {
    machine_client_keys::table
        .filter(machine_client_keys::client_id.eq(DbUuid(client_id)))
        .order((
            machine_client_keys::added_at.asc(),
            machine_client_keys::kid.asc(),
        ))
        .select(KeyRow::as_select())
        .load(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// The keys of several clients in one query (revoked ones too), oldest first per client.
pub fn keys_of_clients(
    conn: &mut AnyConnection,
    client_ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<ClientKey>>, StoreError> {
    let ids: Vec<DbUuid> = client_ids.iter().copied().map(DbUuid).collect();
    let mut keys: std::collections::HashMap<Uuid, Vec<ClientKey>> =
        std::collections::HashMap::new();
    let rows = machine_client_keys::table
        .filter(machine_client_keys::client_id.eq_any(ids))
        .order((
            machine_client_keys::added_at.asc(),
            machine_client_keys::kid.asc(),
        ))
        .select(KeyRow::as_select())
        .load(conn)?;
    for row in rows {
        let key = ClientKey::try_from(row)?;
        keys.entry(key.client_id).or_default().push(key);
    }
    Ok(keys)
}

/// One key of a client.
pub fn find_key(
    conn: &mut AnyConnection,
    client_id: Uuid,
    kid: &str,
) -> Result<Option<ClientKey>, StoreError> {
    machine_client_keys::table
        .find((DbUuid(client_id), kid))
        .select(KeyRow::as_select())
        .first(conn)
        .optional()?
        .map(TryInto::try_into)
        .transpose()
}

/// Revokes a key not yet revoked; `false` when it was already revoked.
pub fn revoke_key(
    conn: &mut AnyConnection,
    client_id: Uuid,
    kid: &str,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        machine_client_keys::table
            .find((DbUuid(client_id), kid))
            .filter(machine_client_keys::revoked_at.is_null()),
    )
    .set((
        machine_client_keys::revoked_at.eq(Some(DbInstant::from(now))),
        machine_client_keys::revoked_by.eq(Some(DbUuid(actor))),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records the `jti` of an accepted assertion until it expires, after forgetting the client's
/// expired ones. An id already recorded is [`StoreError::Conflict`] (also when another server
/// process records it at the same instant: the primary key decides), and the caller's
/// transaction must then be abandoned.
pub fn use_assertion(
    conn: &mut AnyConnection,
    client_id: Uuid,
    jti: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::delete(
        client_assertions::table
            .filter(client_assertions::client_id.eq(DbUuid(client_id)))
            .filter(client_assertions::expires_at.lt(DbInstant::from(now))),
    )
    .execute(conn)?;
    diesel::insert_into(client_assertions::table)
        .values((
            client_assertions::client_id.eq(DbUuid(client_id)),
            client_assertions::jti.eq(jti),
            client_assertions::expires_at.eq(DbInstant::from(expires_at)),
        ))
        .execute(conn)?;
    Ok(())
}
