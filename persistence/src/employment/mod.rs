//! Employment: the employers register and the procurement contracts with a social clause. The
//! rules are `socialcare_domain::employment`'s.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use socialcare_domain::employment::{
    Cig, ClauseKind, Contract, ContractContent, Employer, EmployerContent, EmployerKind,
    Requirement, VatNumber,
};
use uuid::Uuid;

mod placements;
mod reviews;

pub use placements::*;
pub use reviews::*;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{contract_amendments, employers, procurement_contracts};
use crate::sql_types::{DbInstant, DbUuid};

/// The index that keeps a partita IVA to one employer not annulled.
pub const ONE_EMPLOYER_PER_VAT_NUMBER: &str = "employers_vat_number_idx";

/// An `employers` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = employers, treat_none_as_default_value = false)]
struct EmployerRow {
    id: DbUuid,
    kind: String,
    name: String,
    vat_number: Option<String>,
    tax_code: Option<String>,
    street: String,
    municipality: String,
    postcode: Option<String>,
    contact_name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    cooperative_register_number: Option<String>,
    cooperative_registered_on: Option<NaiveDate>,
    annulled_at: Option<DbInstant>,
    annulled_by: Option<DbUuid>,
    annulment_reason: Option<String>,
    version: i64,
    created_at: DbInstant,
    created_by: DbUuid,
    updated_at: DbInstant,
    updated_by: DbUuid,
}

impl TryFrom<EmployerRow> for Employer {
    type Error = StoreError;

    fn try_from(r: EmployerRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str, e: String| {
            StoreError::Internal(format!(
                "stored {what} of employer {} is invalid: {e}",
                r.id.0
            ))
        };
        Ok(Employer {
            id: r.id.0,
            content: EmployerContent {
                kind: r
                    .kind
                    .parse::<EmployerKind>()
                    .map_err(|e| corrupt("kind", e))?,
                name: r.name.clone(),
                vat_number: r
                    .vat_number
                    .as_deref()
                    .map(VatNumber::parse)
                    .transpose()
                    .map_err(|e| corrupt("partita IVA", e))?,
                tax_code: r.tax_code.clone(),
                street: r.street.clone(),
                municipality: r.municipality.clone(),
                postcode: r.postcode.clone(),
                contact_name: r.contact_name.clone(),
                phone: r.phone.clone(),
                email: r.email.clone(),
                cooperative_register_number: r.cooperative_register_number.clone(),
                cooperative_registered_on: r.cooperative_registered_on,
            },
            annulled_at: r.annulled_at.map(|a| a.0),
            annulment_reason: r.annulment_reason.clone(),
            version: r.version,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        })
    }
}

/// Records an employer (a partita IVA of another employer not annulled is
/// [`StoreError::Conflict`] naming [`ONE_EMPLOYER_PER_VAT_NUMBER`]).
pub fn insert_employer(
    conn: &mut AnyConnection,
    c: &EmployerContent,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Employer, StoreError> {
    let row = EmployerRow {
        id: DbUuid(Uuid::now_v7()),
        kind: c.kind.as_str().to_owned(),
        name: c.name.clone(),
        vat_number: c.vat_number.as_ref().map(|v| v.as_str().to_owned()),
        tax_code: c.tax_code.clone(),
        street: c.street.clone(),
        municipality: c.municipality.clone(),
        postcode: c.postcode.clone(),
        contact_name: c.contact_name.clone(),
        phone: c.phone.clone(),
        email: c.email.clone(),
        cooperative_register_number: c.cooperative_register_number.clone(),
        cooperative_registered_on: c.cooperative_registered_on,
        annulled_at: None,
        annulled_by: None,
        annulment_reason: None,
        version: 1,
        created_at: now.into(),
        created_by: DbUuid(actor),
        updated_at: now.into(),
        updated_by: DbUuid(actor),
    };
    diesel::insert_into(employers::table)
        .values(&row)
        .execute(conn)
        .map_err(vat_conflict)?;
    row.try_into()
}

/// A unique violation on the partita IVA, named as [`ONE_EMPLOYER_PER_VAT_NUMBER`] on both
/// engines (SQLite names the column, not the index).
fn vat_conflict(e: diesel::result::Error) -> StoreError {
    match StoreError::from(e) {
        StoreError::Conflict(c)
            if c == ONE_EMPLOYER_PER_VAT_NUMBER || c.contains("employers.vat_number") =>
        {
            StoreError::Conflict(ONE_EMPLOYER_PER_VAT_NUMBER.into())
        }
        other => other,
    }
}

/// An employer, annulled or not.
pub fn find_employer(conn: &mut AnyConnection, id: Uuid) -> Result<Option<Employer>, StoreError> {
    employers::table
        .find(DbUuid(id))
        .select(EmployerRow::as_select())
        .first(conn)
        .optional()?
        .map(Employer::try_from)
        .transpose()
}

/// Filters and position of the employers register.
#[derive(Debug, Clone, Default)]
pub struct EmployerQuery {
    /// Only of this kind.
    pub kind: Option<EmployerKind>,
    /// Only with this partita IVA.
    pub vat_number: Option<String>,
    /// Only those whose name contains this text (case-insensitive on ASCII letters).
    pub name: Option<String>,
    /// Annulled ones too.
    pub include_annulled: bool,
    /// Keyset: after this (name, id).
    pub after: Option<(String, Uuid)>,
    /// At most this many.
    pub limit: i64,
}

/// Employers by name then id.
pub fn list_employers(
    conn: &mut AnyConnection,
    q: &EmployerQuery,
) -> Result<Vec<Employer>, StoreError> {
    let mut query = employers::table
        .select(EmployerRow::as_select())
        .order((employers::name.asc(), employers::id.asc()))
        .limit(q.limit)
        .into_boxed();
    if let Some(kind) = q.kind {
        query = query.filter(employers::kind.eq(kind.as_str()));
    }
    if let Some(vat) = &q.vat_number {
        query = query.filter(employers::vat_number.eq(vat.clone()));
    }
    if let Some(text) = &q.name {
        let escaped = text
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        query = query.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(employers.name) LIKE ")
                .bind::<diesel::sql_types::Text, _>(format!("%{}%", escaped.to_lowercase()))
                .sql(" ESCAPE '\\'"),
        );
    }
    if !q.include_annulled {
        query = query.filter(employers::annulled_at.is_null());
    }
    if let Some((name, id)) = &q.after {
        query = query.filter(
            employers::name.gt(name.clone()).or(employers::name
                .eq(name.clone())
                .and(employers::id.gt(DbUuid(*id)))),
        );
    }
    query
        .load(conn)?
        .into_iter()
        .map(Employer::try_from)
        .collect()
}

/// Replaces an employer's description if it is still `expected_version` and not annulled;
/// false otherwise (conflicts as [`insert_employer`]).
pub fn update_employer(
    conn: &mut AnyConnection,
    id: Uuid,
    expected_version: i64,
    c: &EmployerContent,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        employers::table
            .find(DbUuid(id))
            .filter(employers::version.eq(expected_version))
            .filter(employers::annulled_at.is_null()),
    )
    .set((
        employers::kind.eq(c.kind.as_str()),
        employers::name.eq(&c.name),
        employers::vat_number.eq(c.vat_number.as_ref().map(|v| v.as_str().to_owned())),
        employers::tax_code.eq(c.tax_code.clone()),
        employers::street.eq(&c.street),
        employers::municipality.eq(&c.municipality),
        employers::postcode.eq(c.postcode.clone()),
        employers::contact_name.eq(c.contact_name.clone()),
        employers::phone.eq(c.phone.clone()),
        employers::email.eq(c.email.clone()),
        employers::cooperative_register_number.eq(c.cooperative_register_number.clone()),
        employers::cooperative_registered_on.eq(c.cooperative_registered_on),
        employers::version.eq(expected_version + 1),
        employers::updated_at.eq(DbInstant::from(now)),
        employers::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)
    .map_err(vat_conflict)?;
    Ok(n == 1)
}

/// Annuls an employer still at `expected_version` and not annulled; false otherwise.
pub fn annul_employer(
    conn: &mut AnyConnection,
    id: Uuid,
    expected_version: i64,
    reason: &str,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        employers::table
            .find(DbUuid(id))
            .filter(employers::version.eq(expected_version))
            .filter(employers::annulled_at.is_null()),
    )
    .set((
        employers::annulled_at.eq(Some(DbInstant::from(now))),
        employers::annulled_by.eq(Some(DbUuid(actor))),
        employers::annulment_reason.eq(Some(reason)),
        employers::version.eq(expected_version + 1),
        employers::updated_at.eq(DbInstant::from(now)),
        employers::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

// ---------------------------------------------------------------------------------------------
// Procurement contracts
// ---------------------------------------------------------------------------------------------

/// The index that keeps a CIG to one contract.
pub const ONE_CONTRACT_PER_CIG: &str = "procurement_contracts_cig_idx";

/// A `procurement_contracts` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = procurement_contracts, treat_none_as_default_value = false)]
struct ContractRow {
    id: DbUuid,
    contracting_authority: String,
    cig: String,
    subject: String,
    from_on: NaiveDate,
    until_on: NaiveDate,
    employer_id: DbUuid,
    clause: String,
    required_workers: Option<i16>,
    required_hours_share: Option<i16>,
    notes: Option<String>,
    version: i64,
    created_at: DbInstant,
    created_by: DbUuid,
    updated_at: DbInstant,
    updated_by: DbUuid,
    monthly_hours: Option<i32>,
}

impl TryFrom<ContractRow> for Contract {
    type Error = StoreError;

    fn try_from(r: ContractRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str, e: String| {
            StoreError::Internal(format!(
                "stored {what} of contract {} is invalid: {e}",
                r.id.0
            ))
        };
        let requirement = match (r.required_workers, r.required_hours_share) {
            (Some(n), None) => Requirement::Workers(
                u16::try_from(n).map_err(|e| corrupt("workers", e.to_string()))?,
            ),
            (None, Some(p)) => Requirement::HoursShare(
                u8::try_from(p).map_err(|e| corrupt("hours share", e.to_string()))?,
            ),
            _ => return Err(corrupt("requirement", "not exactly one".into())),
        };
        Ok(Contract {
            id: r.id.0,
            content: ContractContent {
                contracting_authority: r.contracting_authority.clone(),
                cig: Cig::parse(&r.cig).map_err(|e| corrupt("CIG", e))?,
                subject: r.subject.clone(),
                from_on: r.from_on,
                until_on: r.until_on,
                employer_id: r.employer_id.0,
                clause: r
                    .clause
                    .parse::<ClauseKind>()
                    .map_err(|e| corrupt("clause", e))?,
                requirement,
                monthly_hours: r
                    .monthly_hours
                    .map(u32::try_from)
                    .transpose()
                    .map_err(|e| corrupt("monthly hours", e.to_string()))?,
                notes: r.notes.clone(),
            },
            version: r.version,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        })
    }
}

fn requirement_columns(r: Requirement) -> (Option<i16>, Option<i16>) {
    match r {
        Requirement::Workers(n) => (Some(i16::try_from(n).unwrap_or(i16::MAX)), None),
        Requirement::HoursShare(p) => (None, Some(i16::from(p))),
    }
}

/// A unique violation on the CIG, named as [`ONE_CONTRACT_PER_CIG`] on both engines.
fn cig_conflict(e: diesel::result::Error) -> StoreError {
    match StoreError::from(e) {
        StoreError::Conflict(c)
            if c == ONE_CONTRACT_PER_CIG || c.contains("procurement_contracts.cig") =>
        {
            StoreError::Conflict(ONE_CONTRACT_PER_CIG.into())
        }
        other => other,
    }
}

/// Records a contract (a CIG already recorded is [`StoreError::Conflict`] naming
/// [`ONE_CONTRACT_PER_CIG`]).
pub fn insert_contract(
    conn: &mut AnyConnection,
    c: &ContractContent,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Contract, StoreError> {
    let (required_workers, required_hours_share) = requirement_columns(c.requirement);
    let row = ContractRow {
        id: DbUuid(Uuid::now_v7()),
        contracting_authority: c.contracting_authority.clone(),
        cig: c.cig.as_str().to_owned(),
        subject: c.subject.clone(),
        from_on: c.from_on,
        until_on: c.until_on,
        employer_id: DbUuid(c.employer_id),
        clause: c.clause.as_str().to_owned(),
        required_workers,
        required_hours_share,
        notes: c.notes.clone(),
        version: 1,
        created_at: now.into(),
        created_by: DbUuid(actor),
        updated_at: now.into(),
        updated_by: DbUuid(actor),
        monthly_hours: c
            .monthly_hours
            .map(|h| i32::try_from(h).unwrap_or(i32::MAX)),
    };
    diesel::insert_into(procurement_contracts::table)
        .values(&row)
        .execute(conn)
        .map_err(cig_conflict)?;
    row.try_into()
}

/// A contract.
pub fn find_contract(conn: &mut AnyConnection, id: Uuid) -> Result<Option<Contract>, StoreError> {
    procurement_contracts::table
        .find(DbUuid(id))
        .select(ContractRow::as_select())
        .first(conn)
        .optional()?
        .map(Contract::try_from)
        .transpose()
}

/// Filters and position of the contracts register.
#[derive(Debug, Clone, Default)]
pub struct ContractQuery {
    /// Only those awarded to this employer.
    pub employer_id: Option<Uuid>,
    /// Only the one with this CIG.
    pub cig: Option<String>,
    /// Only those running on this day.
    pub running_on: Option<NaiveDate>,
    /// Keyset: after this id.
    pub after: Option<Uuid>,
    /// At most this many.
    pub limit: i64,
}

/// Contracts by id (the order they were recorded).
pub fn list_contracts(
    conn: &mut AnyConnection,
    q: &ContractQuery,
) -> Result<Vec<Contract>, StoreError> {
    let mut query = procurement_contracts::table
        .select(ContractRow::as_select())
        .order(procurement_contracts::id.asc())
        .limit(q.limit)
        .into_boxed();
    if let Some(employer) = q.employer_id {
        query = query.filter(procurement_contracts::employer_id.eq(DbUuid(employer)));
    }
    if let Some(cig) = &q.cig {
        query = query.filter(procurement_contracts::cig.eq(cig.clone()));
    }
    if let Some(day) = q.running_on {
        query = query
            .filter(procurement_contracts::from_on.le(day))
            .filter(procurement_contracts::until_on.ge(day));
    }
    if let Some(after) = q.after {
        query = query.filter(procurement_contracts::id.gt(DbUuid(after)));
    }
    query
        .load(conn)?
        .into_iter()
        .map(Contract::try_from)
        .collect()
}

/// Amends a contract still at `current.version` to `c` (false when stale), keeping `previous`
/// (the description it replaces, as the API showed it) with `reason` in its history.
pub fn amend_contract(
    conn: &mut AnyConnection,
    current: &Contract,
    c: &ContractContent,
    reason: &str,
    previous: &str,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let (required_workers, required_hours_share) = requirement_columns(c.requirement);
    let n = diesel::update(
        procurement_contracts::table
            .find(DbUuid(current.id))
            .filter(procurement_contracts::version.eq(current.version)),
    )
    .set((
        procurement_contracts::contracting_authority.eq(&c.contracting_authority),
        procurement_contracts::cig.eq(c.cig.as_str()),
        procurement_contracts::subject.eq(&c.subject),
        procurement_contracts::from_on.eq(c.from_on),
        procurement_contracts::until_on.eq(c.until_on),
        procurement_contracts::employer_id.eq(DbUuid(c.employer_id)),
        procurement_contracts::clause.eq(c.clause.as_str()),
        procurement_contracts::required_workers.eq(required_workers),
        procurement_contracts::required_hours_share.eq(required_hours_share),
        procurement_contracts::notes.eq(c.notes.clone()),
        procurement_contracts::monthly_hours.eq(c
            .monthly_hours
            .map(|h| i32::try_from(h).unwrap_or(i32::MAX))),
        procurement_contracts::version.eq(current.version + 1),
        procurement_contracts::updated_at.eq(DbInstant::from(now)),
        procurement_contracts::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)
    .map_err(cig_conflict)?;
    if n != 1 {
        return Ok(false);
    }
    diesel::insert_into(contract_amendments::table)
        .values((
            contract_amendments::id.eq(DbUuid(Uuid::now_v7())),
            contract_amendments::contract_id.eq(DbUuid(current.id)),
            contract_amendments::version.eq(current.version + 1),
            contract_amendments::reason.eq(reason),
            contract_amendments::previous.eq(previous),
            contract_amendments::author_id.eq(DbUuid(actor)),
            contract_amendments::recorded_at.eq(DbInstant::from(now)),
        ))
        .execute(conn)?;
    Ok(true)
}

/// An amendment of a contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amendment {
    /// The version the amendment made.
    pub version: i64,
    /// Why.
    pub reason: String,
    /// The description it replaced, as the API showed it (JSON).
    pub previous: String,
    /// Who.
    pub author_id: Uuid,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// The amendments of a contract, oldest first.
pub fn amendments_of(
    conn: &mut AnyConnection,
    contract_id: Uuid,
) -> Result<Vec<Amendment>, StoreError> {
    let rows: Vec<(i64, String, String, DbUuid, DbInstant)> = contract_amendments::table
        .filter(contract_amendments::contract_id.eq(DbUuid(contract_id)))
        .order(contract_amendments::version.asc())
        .select((
            contract_amendments::version,
            contract_amendments::reason,
            contract_amendments::previous,
            contract_amendments::author_id,
            contract_amendments::recorded_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(version, reason, previous, author, at)| Amendment {
            version,
            reason,
            previous,
            author_id: author.0,
            recorded_at: at.0,
        })
        .collect())
}
