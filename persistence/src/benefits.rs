//! The register of benefits granted. The rules are `socialcare_domain::benefits`'.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use socialcare_domain::benefits::{Benefit, BenefitContent, SourceKind};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::benefits;
use crate::sql_types::{DbInstant, DbUuid};

/// The index that gives an admission or a placement one benefit record.
pub const ONE_PER_SOURCE: &str = "benefits_one_per_source_idx";

/// A `benefits` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = benefits, treat_none_as_default_value = false)]
pub(crate) struct BenefitRow {
    id: DbUuid,
    case_file_id: DbUuid,
    person_id: DbUuid,
    catalogue: String,
    code: String,
    form: String,
    amount_cents: Option<i64>,
    frequency: Option<String>,
    isee_dependent: bool,
    isee_cents: Option<i64>,
    dsu_protocol: Option<String>,
    from_on: NaiveDate,
    until_on: Option<NaiveDate>,
    decision_ref: String,
    decision_on: NaiveDate,
    notes: Option<String>,
    source_kind: Option<String>,
    source_id: Option<DbUuid>,
    version: i64,
    created_at: DbInstant,
    created_by: DbUuid,
    updated_at: DbInstant,
    updated_by: DbUuid,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("stored {what} is invalid: {e}"))
}

fn cents(n: Option<u64>) -> Option<i64> {
    n.map(|c| i64::try_from(c).unwrap_or(i64::MAX))
}

fn unsigned(n: Option<i64>, what: &str) -> Result<Option<u64>, StoreError> {
    n.map(u64::try_from)
        .transpose()
        .map_err(|e| corrupt(what, e))
}

impl BenefitRow {
    pub(crate) fn into_benefit(self) -> Result<Benefit, StoreError> {
        let source = match (self.source_kind, self.source_id) {
            (Some(kind), Some(id)) => Some((
                kind.parse::<SourceKind>()
                    .map_err(|e| corrupt("benefit source", e))?,
                id.0,
            )),
            _ => None,
        };
        Ok(Benefit {
            id: self.id.0,
            case_file_id: self.case_file_id.0,
            person_id: self.person_id.0,
            catalogue: self.catalogue,
            content: BenefitContent {
                code: self.code,
                form: self.form.parse().map_err(|e| corrupt("benefit form", e))?,
                amount_cents: unsigned(self.amount_cents, "amount")?,
                frequency: self
                    .frequency
                    .map(|f| f.parse())
                    .transpose()
                    .map_err(|e| corrupt("frequency", e))?,
                isee_dependent: self.isee_dependent,
                isee_cents: unsigned(self.isee_cents, "ISEE")?,
                dsu_protocol: self.dsu_protocol,
                from_on: self.from_on,
                until_on: self.until_on,
                decision_ref: self.decision_ref,
                decision_on: self.decision_on,
                notes: self.notes,
            },
            source,
            version: self.version,
            created_at: self.created_at.0,
            created_by: self.created_by.0,
            updated_at: self.updated_at.0,
        })
    }
}

/// A benefit being recorded.
#[derive(Debug, Clone)]
pub struct NewBenefit {
    /// The case file.
    pub case_file_id: Uuid,
    /// The person.
    pub person_id: Uuid,
    /// The catalogue of its code.
    pub catalogue: String,
    /// What it is.
    pub content: BenefitContent,
    /// The admission or placement it comes with.
    pub source: Option<(SourceKind, Uuid)>,
}

/// Records a benefit (an admission or a placement has one: [`ONE_PER_SOURCE`]).
pub fn insert_benefit(
    conn: &mut AnyConnection,
    new: &NewBenefit,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Benefit, StoreError> {
    let c = &new.content;
    let row = BenefitRow {
        id: DbUuid(Uuid::now_v7()),
        case_file_id: DbUuid(new.case_file_id),
        person_id: DbUuid(new.person_id),
        catalogue: new.catalogue.clone(),
        code: c.code.clone(),
        form: c.form.as_str().to_owned(),
        amount_cents: cents(c.amount_cents),
        frequency: c.frequency.map(|f| f.as_str().to_owned()),
        isee_dependent: c.isee_dependent,
        isee_cents: cents(c.isee_cents),
        dsu_protocol: c.dsu_protocol.clone(),
        from_on: c.from_on,
        until_on: c.until_on,
        decision_ref: c.decision_ref.clone(),
        decision_on: c.decision_on,
        notes: c.notes.clone(),
        source_kind: new.source.map(|(k, _)| k.as_str().to_owned()),
        source_id: new.source.map(|(_, id)| DbUuid(id)),
        version: 1,
        created_at: now.into(),
        created_by: DbUuid(actor),
        updated_at: now.into(),
        updated_by: DbUuid(actor),
    };
    diesel::insert_into(benefits::table)
        .values(&row)
        .execute(conn)?;
    row.into_benefit()
}

/// A benefit.
pub fn find_benefit(conn: &mut AnyConnection, id: Uuid) -> Result<Option<Benefit>, StoreError> {
    benefits::table
        .find(DbUuid(id))
        .select(BenefitRow::as_select())
        .first(conn)
        .optional()?
        .map(BenefitRow::into_benefit)
        .transpose()
}

/// The case file a benefit was granted in (for the gate).
pub fn benefit_case_file_of(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<Uuid>, StoreError> {
    Ok(benefits::table
        .find(DbUuid(id))
        .select(benefits::case_file_id)
        .first::<DbUuid>(conn)
        .optional()?
        .map(|d| d.0))
}

/// The benefits of a case file, by first day then recording.
pub fn benefits_of(
    conn: &mut AnyConnection,
    case_file_id: Uuid,
) -> Result<Vec<Benefit>, StoreError> {
    benefits::table
        .filter(benefits::case_file_id.eq(DbUuid(case_file_id)))
        .order((benefits::from_on, benefits::id))
        .select(BenefitRow::as_select())
        .load(conn)?
        .into_iter()
        .map(BenefitRow::into_benefit)
        .collect()
}

/// Replaces what a benefit still at `expected_version` is (its code stays in its catalogue;
/// its source stays), moving its version on (false when stale).
pub fn update_benefit(
    conn: &mut AnyConnection,
    id: Uuid,
    expected_version: i64,
    content: &BenefitContent,
    catalogue: &str,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        benefits::table
            .find(DbUuid(id))
            .filter(benefits::version.eq(expected_version)),
    )
    .set((
        benefits::catalogue.eq(catalogue),
        benefits::code.eq(&content.code),
        benefits::form.eq(content.form.as_str()),
        benefits::amount_cents.eq(cents(content.amount_cents)),
        benefits::frequency.eq(content.frequency.map(|f| f.as_str())),
        benefits::isee_dependent.eq(content.isee_dependent),
        benefits::isee_cents.eq(cents(content.isee_cents)),
        benefits::dsu_protocol.eq(&content.dsu_protocol),
        benefits::from_on.eq(content.from_on),
        benefits::until_on.eq(content.until_on),
        benefits::decision_ref.eq(&content.decision_ref),
        benefits::decision_on.eq(content.decision_on),
        benefits::notes.eq(&content.notes),
        benefits::version.eq(expected_version + 1),
        benefits::updated_at.eq(DbInstant::from(now)),
        benefits::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// What a benefit's source says of itself: the person, the case file and the day it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceFacts {
    /// The person.
    pub person_id: Uuid,
    /// The case file.
    pub case_file_id: Uuid,
    /// The day it started (the admission, the placement's first day).
    pub from_on: Option<NaiveDate>,
}

/// The facts of an admission (an allocation that was admitted), a housing placement or an
/// employment placement; None when there is none with that id.
pub fn source_facts(
    conn: &mut AnyConnection,
    kind: SourceKind,
    id: Uuid,
) -> Result<Option<SourceFacts>, StoreError> {
    use crate::schema::{applications, employment_placements, place_allocations, placements};
    let found: Option<(DbUuid, DbUuid, Option<NaiveDate>)> = match kind {
        SourceKind::Admission => place_allocations::table
            .inner_join(applications::table)
            .filter(place_allocations::id.eq(DbUuid(id)))
            .filter(place_allocations::admitted_on.is_not_null())
            .select((
                applications::person_id,
                applications::case_file_id,
                place_allocations::admitted_on,
            ))
            .first(conn)
            .optional()?,
        SourceKind::HousingPlacement => placements::table
            .find(DbUuid(id))
            .select((
                placements::person_id,
                placements::case_file_id,
                placements::from_on.nullable(),
            ))
            .first(conn)
            .optional()?,
        SourceKind::EmploymentPlacement => employment_placements::table
            .find(DbUuid(id))
            .select((
                employment_placements::person_id,
                employment_placements::case_file_id,
                employment_placements::from_on.nullable(),
            ))
            .first(conn)
            .optional()?,
    };
    Ok(found.map(|(person, case_file, from_on)| SourceFacts {
        person_id: person.0,
        case_file_id: case_file.0,
        from_on,
    }))
}
