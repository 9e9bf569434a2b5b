//! Consents of case files: rows, reads and the optimistic revocation.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use socialcare_domain::case_file::{Consent, ConsentKind, ConsentTerms};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::consents;
use crate::sql_types::{DbInstant, DbUuid};

/// A `consents` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = consents)]
#[diesel(treat_none_as_default_value = false)]
pub struct ConsentRow {
    /// Primary key.
    pub id: DbUuid,
    /// Case file.
    pub case_file_id: DbUuid,
    /// Kind code.
    pub kind: String,
    /// Privacy notice version (privacy_notice).
    pub privacy_notice_version: Option<String>,
    /// Organisation (data_sharing).
    pub organisation: Option<String>,
    /// Purpose (data_sharing).
    pub purpose: Option<String>,
    /// Day given.
    pub given_on: NaiveDate,
    /// Last valid day.
    pub expires_on: Option<NaiveDate>,
    /// Day revoked.
    pub revoked_on: Option<NaiveDate>,
    /// Why revoked.
    pub revocation_reason: Option<String>,
    /// Version.
    pub version: i64,
    /// Who recorded it.
    pub recorded_by: DbUuid,
    /// Creation instant.
    pub created_at: DbInstant,
    /// Last change.
    pub updated_at: DbInstant,
    /// Last author.
    pub updated_by: DbUuid,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("stored {what} is invalid: {e}"))
}

impl TryFrom<ConsentRow> for Consent {
    type Error = StoreError;

    fn try_from(row: ConsentRow) -> Result<Self, StoreError> {
        let kind = row
            .kind
            .parse::<ConsentKind>()
            .map_err(|e| corrupt("consent kind", e))?;
        let terms = ConsentTerms::parse(
            kind,
            row.privacy_notice_version.as_deref(),
            row.organisation.as_deref(),
            row.purpose.as_deref(),
        )
        .map_err(|e| corrupt("consent terms", e))?;
        Ok(Consent {
            id: row.id.0,
            case_file_id: row.case_file_id.0,
            terms,
            given_on: row.given_on,
            expires_on: row.expires_on,
            revoked_on: row.revoked_on,
            revocation_reason: row.revocation_reason,
            version: row.version,
            recorded_by: row.recorded_by.0,
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
            updated_by: row.updated_by.0,
        })
    }
}

/// What is needed to record a consent.
#[derive(Debug, Clone)]
pub struct NewConsent {
    /// The case file.
    pub case_file_id: Uuid,
    /// What it covers.
    pub terms: ConsentTerms,
    /// Day given.
    pub given_on: NaiveDate,
    /// Last valid day.
    pub expires_on: Option<NaiveDate>,
}

/// Records a consent (version 1).
pub fn insert(
    conn: &mut AnyConnection,
    new: &NewConsent,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Consent, StoreError> {
    let row = ConsentRow {
        id: DbUuid(Uuid::now_v7()),
        case_file_id: DbUuid(new.case_file_id),
        kind: new.terms.kind.as_str().to_owned(),
        privacy_notice_version: new.terms.privacy_notice_version.clone(),
        organisation: new.terms.organisation.clone(),
        purpose: new.terms.purpose.clone(),
        given_on: new.given_on,
        expires_on: new.expires_on,
        revoked_on: None,
        revocation_reason: None,
        version: 1,
        recorded_by: DbUuid(actor),
        created_at: now.into(),
        updated_at: now.into(),
        updated_by: DbUuid(actor),
    };
    diesel::insert_into(consents::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

/// Finds a consent of a case file: a consent of another file is not found.
pub fn find(
    conn: &mut AnyConnection,
    case_file_id: Uuid,
    id: Uuid,
) -> Result<Option<Consent>, StoreError> {
    consents::table
        .find(DbUuid(id))
        .filter(consents::case_file_id.eq(DbUuid(case_file_id)))
        .select(ConsentRow::as_select())
        .first(conn)
        .optional()?
        .map(Consent::try_from)
        .transpose()
}

/// Every consent of a case file, oldest first.
pub fn list(conn: &mut AnyConnection, case_file_id: Uuid) -> Result<Vec<Consent>, StoreError> {
    consents::table
        .filter(consents::case_file_id.eq(DbUuid(case_file_id)))
        .order(consents::id.asc())
        .select(ConsentRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Consent::try_from)
        .collect()
}

/// Records the revocation of a consent if it is still `expected_version` and not revoked.
/// Returns false when it changed meanwhile.
pub fn revoke(
    conn: &mut AnyConnection,
    id: Uuid,
    expected_version: i64,
    revoked_on: NaiveDate,
    reason: &str,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        consents::table
            .find(DbUuid(id))
            .filter(consents::version.eq(expected_version))
            .filter(consents::revoked_on.is_null()),
    )
    .set((
        consents::revoked_on.eq(Some(revoked_on)),
        consents::revocation_reason.eq(Some(reason)),
        consents::version.eq(expected_version + 1),
        consents::updated_at.eq(DbInstant::from(now)),
        consents::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
