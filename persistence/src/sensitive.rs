//! The special-category groups of a person, one table each, keyed by `person_id`, with an
//! optimistic `version`. Rows are created and replaced, never deleted.
//!
//! [`SensitiveRecord`] gives the four groups one interface (find, insert, replace), so that the
//! API handles them with one code path.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use socialcare_domain::sensitive::{
    Community, Ethnicity, EthnicityInput, HealthDisability, HealthDisabilityInput, Justice,
    JusticeInput, JusticeStatus, LegalStatus, LegalStatusInput, ProtectionStatus, SensitiveGroup,
};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{
    person_ethnicity, person_health_disability, person_justice, person_legal_status, persons,
};
use crate::sql_types::{DbInstant, DbUuid};

/// One group's data of a person, with its version and bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded<T> {
    /// The person.
    pub person_id: Uuid,
    /// The validated data.
    pub data: T,
    /// Version (ETag).
    pub version: i64,
    /// When the group was first recorded.
    pub created_at: DateTime<Utc>,
    /// Who first recorded it.
    pub created_by: Uuid,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change.
    pub updated_by: Uuid,
}

/// The bookkeeping columns every group table has.
#[derive(Debug, Clone, Copy)]
struct Meta {
    version: i64,
    created_at: DbInstant,
    created_by: DbUuid,
    updated_at: DbInstant,
    updated_by: DbUuid,
}

impl Meta {
    fn first(actor: Uuid, now: DateTime<Utc>) -> Self {
        Self {
            version: 1,
            created_at: now.into(),
            created_by: DbUuid(actor),
            updated_at: now.into(),
            updated_by: DbUuid(actor),
        }
    }

    fn next<T>(current: &Recorded<T>, actor: Uuid, now: DateTime<Utc>) -> Self {
        Self {
            version: current.version + 1,
            created_at: DbInstant(current.created_at),
            created_by: DbUuid(current.created_by),
            updated_at: now.into(),
            updated_by: DbUuid(actor),
        }
    }
}

fn recorded<T>(person_id: DbUuid, data: T, meta: Meta) -> Recorded<T> {
    Recorded {
        person_id: person_id.0,
        data,
        version: meta.version,
        created_at: meta.created_at.0,
        created_by: meta.created_by.0,
        updated_at: meta.updated_at.0,
        updated_by: meta.updated_by.0,
    }
}

fn invalid(group: SensitiveGroup, person_id: DbUuid, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!(
        "stored {group} of person {} is invalid: {detail}",
        person_id.0
    ))
}

/// One group of special-category data, stored in its own table.
pub trait SensitiveRecord: Sized {
    /// Which group.
    const GROUP: SensitiveGroup;

    /// The person's data of this group, if recorded.
    fn find(
        conn: &mut AnyConnection,
        person_id: Uuid,
    ) -> Result<Option<Recorded<Self>>, StoreError>;

    /// Records the group for a person who has none yet (version 1). A concurrent insert for the
    /// same person fails with [`StoreError::Conflict`].
    fn insert(
        conn: &mut AnyConnection,
        person_id: Uuid,
        data: &Self,
        actor: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Recorded<Self>, StoreError>;

    /// Replaces the group if its version is still `current.version`; `None` when it moved on
    /// (the losing update changes nothing).
    fn replace(
        conn: &mut AnyConnection,
        current: &Recorded<Self>,
        data: &Self,
        actor: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<Recorded<Self>>, StoreError>;
}

/// Implements [`SensitiveRecord`] for a domain type over its table and row type; the row type
/// provides `of(person_id, &data, meta)` and `into_record(self)`.
macro_rules! sensitive_store {
    ($ty:ty, $group:expr, $table:ident, $row:ident) => {
        impl SensitiveRecord for $ty {
            const GROUP: SensitiveGroup = $group;

            fn find(
                conn: &mut AnyConnection,
                person_id: Uuid,
            ) -> Result<Option<Recorded<Self>>, StoreError> {
                $table::table
                    .find(DbUuid(person_id))
                    .select($row::as_select())
                    .first(conn)
                    .optional()?
                    .map($row::into_record)
                    .transpose()
            }

            fn insert(
                conn: &mut AnyConnection,
                person_id: Uuid,
                data: &Self,
                actor: Uuid,
                now: DateTime<Utc>,
            ) -> Result<Recorded<Self>, StoreError> {
                let row = $row::of(DbUuid(person_id), data, Meta::first(actor, now));
                diesel::insert_into($table::table)
                    .values(&row)
                    .execute(conn)?;
                row.into_record()
            }

            fn replace(
                conn: &mut AnyConnection,
                current: &Recorded<Self>,
                data: &Self,
                actor: Uuid,
                now: DateTime<Utc>,
            ) -> Result<Option<Recorded<Self>>, StoreError> {
                let row = $row::of(
                    DbUuid(current.person_id),
                    data,
                    Meta::next(current, actor, now),
                );
                let changed = diesel::update(
                    $table::table
                        .find(DbUuid(current.person_id))
                        .filter($table::version.eq(current.version)),
                )
                .set(&row)
                .execute(conn)?;
                if changed == 0 {
                    return Ok(None);
                }
                row.into_record().map(Some)
            }
        }
    };
}

/// A `person_health_disability` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = person_health_disability, primary_key(person_id), treat_none_as_null = true)]
pub struct HealthDisabilityRow {
    /// The person.
    pub person_id: DbUuid,
    /// L. 104/1992 recognition.
    pub law_104_recognised: bool,
    /// Art. 3 c. 3 severity.
    pub law_104_severe: bool,
    /// Civil invalidity percentage.
    pub civil_invalidity_percent: Option<i32>,
    /// Accompanying allowance.
    pub accompanying_allowance: bool,
    /// Support needs.
    pub support_needs: Option<String>,
    /// Version.
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

impl HealthDisabilityRow {
    fn of(person_id: DbUuid, data: &HealthDisability, meta: Meta) -> Self {
        let d = data.input();
        Self {
            person_id,
            law_104_recognised: d.law_104_recognised,
            law_104_severe: d.law_104_severe,
            civil_invalidity_percent: d.civil_invalidity_percent,
            accompanying_allowance: d.accompanying_allowance,
            support_needs: d.support_needs.clone(),
            version: meta.version,
            created_at: meta.created_at,
            created_by: meta.created_by,
            updated_at: meta.updated_at,
            updated_by: meta.updated_by,
        }
    }

    fn into_record(self) -> Result<Recorded<HealthDisability>, StoreError> {
        let meta = self.meta();
        let data = HealthDisability::parse(&HealthDisabilityInput {
            law_104_recognised: self.law_104_recognised,
            law_104_severe: self.law_104_severe,
            civil_invalidity_percent: self.civil_invalidity_percent,
            accompanying_allowance: self.accompanying_allowance,
            support_needs: self.support_needs,
        })
        .map_err(|e| invalid(SensitiveGroup::HealthDisability, self.person_id, e))?;
        Ok(recorded(self.person_id, data, meta))
    }
}

/// A `person_ethnicity` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = person_ethnicity, primary_key(person_id), treat_none_as_null = true)]
pub struct EthnicityRow {
    /// The person.
    pub person_id: DbUuid,
    /// Community code.
    pub community: String,
    /// Relevance to a project.
    pub relevant_to_project: String,
    /// Version.
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

impl EthnicityRow {
    fn of(person_id: DbUuid, data: &Ethnicity, meta: Meta) -> Self {
        let d = data.input();
        Self {
            person_id,
            community: d.community.as_str().to_owned(),
            relevant_to_project: d.relevant_to_project.clone(),
            version: meta.version,
            created_at: meta.created_at,
            created_by: meta.created_by,
            updated_at: meta.updated_at,
            updated_by: meta.updated_by,
        }
    }

    fn into_record(self) -> Result<Recorded<Ethnicity>, StoreError> {
        let meta = self.meta();
        let group = SensitiveGroup::Ethnicity;
        let community =
            Community::parse(&self.community).map_err(|e| invalid(group, self.person_id, e))?;
        let data = Ethnicity::parse(&EthnicityInput {
            community,
            relevant_to_project: self.relevant_to_project,
        })
        .map_err(|e| invalid(group, self.person_id, e))?;
        Ok(recorded(self.person_id, data, meta))
    }
}

/// A `person_legal_status` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = person_legal_status, primary_key(person_id), treat_none_as_null = true)]
pub struct LegalStatusRow {
    /// The person.
    pub person_id: DbUuid,
    /// Permit kind.
    pub permit_kind: Option<String>,
    /// Permit expiry.
    pub permit_expires_on: Option<NaiveDate>,
    /// Protection status code.
    pub protection_status: String,
    /// Version.
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

impl LegalStatusRow {
    fn of(person_id: DbUuid, data: &LegalStatus, meta: Meta) -> Self {
        let d = data.input();
        Self {
            person_id,
            permit_kind: d.permit_kind.clone(),
            permit_expires_on: d.permit_expires_on,
            protection_status: d.protection_status.as_str().to_owned(),
            version: meta.version,
            created_at: meta.created_at,
            created_by: meta.created_by,
            updated_at: meta.updated_at,
            updated_by: meta.updated_by,
        }
    }

    fn into_record(self) -> Result<Recorded<LegalStatus>, StoreError> {
        let meta = self.meta();
        let group = SensitiveGroup::LegalStatus;
        let protection_status = ProtectionStatus::parse(&self.protection_status)
            .map_err(|e| invalid(group, self.person_id, e))?;
        let data = LegalStatus::parse(&LegalStatusInput {
            permit_kind: self.permit_kind,
            permit_expires_on: self.permit_expires_on,
            protection_status,
        })
        .map_err(|e| invalid(group, self.person_id, e))?;
        Ok(recorded(self.person_id, data, meta))
    }
}

/// A `person_justice` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = person_justice, primary_key(person_id), treat_none_as_null = true)]
pub struct JusticeRow {
    /// The person.
    pub person_id: DbUuid,
    /// Status code.
    pub status: String,
    /// Alternative measure kind.
    pub alternative_measure_kind: Option<String>,
    /// Institution.
    pub institution: Option<String>,
    /// Start of the measure.
    pub measure_start_on: Option<NaiveDate>,
    /// Expected release.
    pub expected_release_on: Option<NaiveDate>,
    /// UEPE contact reference.
    pub uepe_contact_reference: Option<String>,
    /// Version.
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

impl JusticeRow {
    fn of(person_id: DbUuid, data: &Justice, meta: Meta) -> Self {
        let d = data.input();
        Self {
            person_id,
            status: d.status.as_str().to_owned(),
            alternative_measure_kind: d.alternative_measure_kind.clone(),
            institution: d.institution.clone(),
            measure_start_on: d.measure_start_on,
            expected_release_on: d.expected_release_on,
            uepe_contact_reference: d.uepe_contact_reference.clone(),
            version: meta.version,
            created_at: meta.created_at,
            created_by: meta.created_by,
            updated_at: meta.updated_at,
            updated_by: meta.updated_by,
        }
    }

    fn into_record(self) -> Result<Recorded<Justice>, StoreError> {
        let meta = self.meta();
        let group = SensitiveGroup::Justice;
        let status =
            JusticeStatus::parse(&self.status).map_err(|e| invalid(group, self.person_id, e))?;
        let data = Justice::parse(&JusticeInput {
            status,
            alternative_measure_kind: self.alternative_measure_kind,
            institution: self.institution,
            measure_start_on: self.measure_start_on,
            expected_release_on: self.expected_release_on,
            uepe_contact_reference: self.uepe_contact_reference,
        })
        .map_err(|e| invalid(group, self.person_id, e))?;
        Ok(recorded(self.person_id, data, meta))
    }
}

/// The bookkeeping columns of each row type.
macro_rules! meta_of {
    ($($row:ident),+) => {
        $(impl $row {
            fn meta(&self) -> Meta {
                Meta {
                    version: self.version,
                    created_at: self.created_at,
                    created_by: self.created_by,
                    updated_at: self.updated_at,
                    updated_by: self.updated_by,
                }
            }
        })+
    };
}

meta_of!(
    HealthDisabilityRow,
    EthnicityRow,
    LegalStatusRow,
    JusticeRow
);

sensitive_store!(
    HealthDisability,
    SensitiveGroup::HealthDisability,
    person_health_disability,
    HealthDisabilityRow
);
sensitive_store!(
    Ethnicity,
    SensitiveGroup::Ethnicity,
    person_ethnicity,
    EthnicityRow
);
sensitive_store!(
    LegalStatus,
    SensitiveGroup::LegalStatus,
    person_legal_status,
    LegalStatusRow
);
sensitive_store!(Justice, SensitiveGroup::Justice, person_justice, JusticeRow);

/// Whose special categories a caller may list: the persons of the case files they manage or
/// were granted them on, and every person of the areas they coordinate.
#[derive(Debug, Clone)]
pub struct SensitiveScope {
    /// The caller.
    pub staff_id: Uuid,
    /// Areas the caller coordinates.
    pub areas: Vec<socialcare_domain::Area>,
    /// The day "current" refers to.
    pub today: NaiveDate,
}

/// A residence permit in the "expiring" list, with the holder's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiringPermit {
    /// The holder.
    pub person_id: Uuid,
    /// Given names of the holder.
    pub given_names: String,
    /// Family names of the holder.
    pub family_names: String,
    /// Kind of permit.
    pub permit_kind: Option<String>,
    /// Expiry.
    pub permit_expires_on: NaiveDate,
    /// Protection status.
    pub protection_status: ProtectionStatus,
}

/// Residence permits of live (not annulled) persons expiring between `from` and `to`
/// (inclusive), by expiry date then person id, after the keyset position `after`.
pub fn permits_expiring(
    conn: &mut AnyConnection,
    from: NaiveDate,
    to: NaiveDate,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
    scope: &SensitiveScope,
) -> Result<Vec<ExpiringPermit>, StoreError> {
    let mut query = person_legal_status::table
        .inner_join(persons::table)
        .filter(persons::annulled_at.is_null())
        .filter(person_legal_status::permit_expires_on.ge(from))
        .filter(person_legal_status::permit_expires_on.le(to))
        .order((
            person_legal_status::permit_expires_on.asc(),
            person_legal_status::person_id.asc(),
        ))
        .select((
            person_legal_status::person_id,
            persons::given_names,
            persons::family_names,
            person_legal_status::permit_kind,
            person_legal_status::permit_expires_on,
            person_legal_status::protection_status,
        ))
        .limit(limit)
        .into_boxed();
    {
        use crate::schema::{case_file_team, case_files};
        let areas: Vec<&str> = scope.areas.iter().map(|a| a.as_str()).collect();
        let managed_or_granted = case_file_team::table
            .filter(case_file_team::staff_id.eq(DbUuid(scope.staff_id)))
            .filter(case_file_team::assigned_from.le(scope.today))
            .filter(
                case_file_team::assigned_until
                    .is_null()
                    .or(case_file_team::assigned_until.gt(scope.today)),
            )
            .filter(
                case_file_team::role
                    .eq("case_manager")
                    .or(case_file_team::sensitive_access.eq(true)),
            )
            .select(case_file_team::case_file_id);
        query = query.filter(
            person_legal_status::person_id.eq_any(
                case_files::table
                    // The files one manages or was granted count once their taking in
                    // charge is confirmed (domain::access: an unconfirmed file does not unlock
                    // the special categories).
                    .filter(
                        case_files::area.eq_any(areas).or(case_files::id
                            .eq_any(managed_or_granted)
                            .and(case_files::confirmed_at.is_not_null())),
                    )
                    .select(case_files::person_id),
            ),
        );
    }
    if let Some((date, id)) = after {
        query = query.filter(
            person_legal_status::permit_expires_on.gt(date).or(
                person_legal_status::permit_expires_on
                    .eq(date)
                    .and(person_legal_status::person_id.gt(DbUuid(id))),
            ),
        );
    }
    type Found = (
        DbUuid,
        String,
        String,
        Option<String>,
        Option<NaiveDate>,
        String,
    );
    query
        .load::<Found>(conn)?
        .into_iter()
        .map(|(id, given, family, kind, expires, status)| {
            let group = SensitiveGroup::LegalStatus;
            Ok(ExpiringPermit {
                person_id: id.0,
                given_names: given,
                family_names: family,
                permit_kind: kind,
                permit_expires_on: expires
                    .ok_or_else(|| invalid(group, id, "expiry vanished from the filter"))?,
                protection_status: ProtectionStatus::parse(&status)
                    .map_err(|e| invalid(group, id, e))?,
            })
        })
        .collect()
}
