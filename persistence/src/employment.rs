//! Employment: the employers register. The rules are `socialcare_domain::employment`'s.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use socialcare_domain::employment::{Employer, EmployerContent, EmployerKind, VatNumber};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::employers;
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
