//! Referrals of case files to and from external services: rows, reads, filtered lists, and the
//! optimistic status changes with their history.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use socialcare_domain::case_file::{
    ExternalService, Referral, ReferralChange, ReferralDetails, ReferralDirection, ReferralEvent,
    ReferralStatus, ReferralTransition,
};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{case_files, referral_events, referrals};
use crate::sql_types::{DbInstant, DbUuid};

/// A `referrals` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = referrals)]
#[diesel(treat_none_as_default_value = false)]
pub struct ReferralRow {
    /// Primary key.
    pub id: DbUuid,
    /// Case file.
    pub case_file_id: DbUuid,
    /// Direction code.
    pub direction: String,
    /// External service code.
    pub service: String,
    /// Organisation.
    pub organisation: String,
    /// Reason.
    pub reason: String,
    /// Status code.
    pub status: String,
    /// Day sent.
    pub sent_on: NaiveDate,
    /// Reply text.
    pub reply_text: Option<String>,
    /// Day of the reply.
    pub replied_on: Option<NaiveDate>,
    /// Day closed.
    pub closed_on: Option<NaiveDate>,
    /// Version.
    pub version: i64,
    /// Creator.
    pub created_by: DbUuid,
    /// Creation instant.
    pub created_at: DbInstant,
    /// Last change.
    pub updated_at: DbInstant,
    /// Last author.
    pub updated_by: DbUuid,
    /// Registered organisation.
    pub organisation_id: Option<DbUuid>,
    /// The machine client that answered.
    pub answered_by_client: Option<DbUuid>,
}

/// A `referral_events` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = referral_events)]
#[diesel(treat_none_as_default_value = false)]
pub struct ReferralEventRow {
    /// Primary key.
    pub id: DbUuid,
    /// Referral.
    pub referral_id: DbUuid,
    /// Transition code.
    pub transition: String,
    /// Status before.
    pub from_status: String,
    /// Status after.
    pub to_status: String,
    /// Day it happened.
    pub occurred_on: NaiveDate,
    /// Reply or note.
    pub note: Option<String>,
    /// Staff author.
    pub author_id: Option<DbUuid>,
    /// Recording instant.
    pub recorded_at: DbInstant,
    /// Machine client author.
    pub client_id: Option<DbUuid>,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("stored {what} is invalid: {e}"))
}

impl TryFrom<ReferralRow> for Referral {
    type Error = StoreError;

    fn try_from(row: ReferralRow) -> Result<Self, StoreError> {
        Ok(Referral {
            id: row.id.0,
            case_file_id: row.case_file_id.0,
            direction: row
                .direction
                .parse()
                .map_err(|e| corrupt("referral direction", e))?,
            service: row
                .service
                .parse()
                .map_err(|e| corrupt("external service", e))?,
            details: ReferralDetails::parse(&row.organisation, &row.reason)
                .map_err(|e| corrupt("referral details", e))?,
            status: row
                .status
                .parse()
                .map_err(|e| corrupt("referral status", e))?,
            sent_on: row.sent_on,
            reply_text: row.reply_text,
            replied_on: row.replied_on,
            closed_on: row.closed_on,
            version: row.version,
            created_by: row.created_by.0,
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
            updated_by: row.updated_by.0,
            organisation_id: row.organisation_id.map(|id| id.0),
            answered_by_client: row.answered_by_client.map(|id| id.0),
        })
    }
}

impl TryFrom<ReferralEventRow> for ReferralEvent {
    type Error = StoreError;

    fn try_from(row: ReferralEventRow) -> Result<Self, StoreError> {
        Ok(ReferralEvent {
            id: row.id.0,
            referral_id: row.referral_id.0,
            transition: row
                .transition
                .parse()
                .map_err(|e| corrupt("referral transition", e))?,
            from: row
                .from_status
                .parse()
                .map_err(|e| corrupt("referral status", e))?,
            to: row
                .to_status
                .parse()
                .map_err(|e| corrupt("referral status", e))?,
            occurred_on: row.occurred_on,
            note: row.note,
            author_id: row.author_id.map(|id| id.0),
            client_id: row.client_id.map(|id| id.0),
            recorded_at: row.recorded_at.0,
        })
    }
}

/// What is needed to record a referral.
#[derive(Debug, Clone)]
pub struct NewReferral {
    /// The case file.
    pub case_file_id: Uuid,
    /// Sent or received.
    pub direction: ReferralDirection,
    /// The kind of service.
    pub service: ExternalService,
    /// Organisation and reason.
    pub details: ReferralDetails,
    /// Day sent (or received).
    pub sent_on: NaiveDate,
    /// The registered organisation it is addressed to (or comes from).
    pub organisation_id: Option<Uuid>,
}

/// Records a referral in `sent` (version 1).
pub fn insert(
    conn: &mut AnyConnection,
    new: &NewReferral,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Referral, StoreError> {
    let row = ReferralRow {
        id: DbUuid(Uuid::now_v7()),
        case_file_id: DbUuid(new.case_file_id),
        direction: new.direction.as_str().to_owned(),
        service: new.service.as_str().to_owned(),
        organisation: new.details.organisation.clone(),
        reason: new.details.reason.clone(),
        status: ReferralStatus::Sent.as_str().to_owned(),
        sent_on: new.sent_on,
        reply_text: None,
        replied_on: None,
        closed_on: None,
        version: 1,
        created_by: DbUuid(actor),
        created_at: now.into(),
        updated_at: now.into(),
        updated_by: DbUuid(actor),
        organisation_id: new.organisation_id.map(DbUuid),
        answered_by_client: None,
    };
    diesel::insert_into(referrals::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

/// Finds a referral of a case file: a referral of another file is not found.
pub fn find(
    conn: &mut AnyConnection,
    case_file_id: Uuid,
    id: Uuid,
) -> Result<Option<Referral>, StoreError> {
    referrals::table
        .find(DbUuid(id))
        .filter(referrals::case_file_id.eq(DbUuid(case_file_id)))
        .select(ReferralRow::as_select())
        .first(conn)
        .optional()?
        .map(Referral::try_from)
        .transpose()
}

/// List criteria within a case file; every given criterion must hold.
#[derive(Debug, Clone, Default)]
pub struct ReferralQuery {
    /// Only referrals in this status.
    pub status: Option<ReferralStatus>,
    /// Only referrals in this direction.
    pub direction: Option<ReferralDirection>,
    /// Only referrals with this kind of service.
    pub service: Option<ExternalService>,
}

/// The referrals of a case file matching `q`, oldest first.
pub fn list(
    conn: &mut AnyConnection,
    case_file_id: Uuid,
    q: &ReferralQuery,
) -> Result<Vec<Referral>, StoreError> {
    let mut query = referrals::table
        .filter(referrals::case_file_id.eq(DbUuid(case_file_id)))
        .order(referrals::id.asc())
        .select(ReferralRow::as_select())
        .into_boxed();
    if let Some(status) = q.status {
        query = query.filter(referrals::status.eq(status.as_str()));
    }
    if let Some(direction) = q.direction {
        query = query.filter(referrals::direction.eq(direction.as_str()));
    }
    if let Some(service) = q.service {
        query = query.filter(referrals::service.eq(service.as_str()));
    }
    query
        .load(conn)?
        .into_iter()
        .map(Referral::try_from)
        .collect()
}

/// Who changes a referral: a staff member, or a partner's machine client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralAuthor {
    /// A staff member (user id).
    Staff(Uuid),
    /// A machine client (client id).
    Client(Uuid),
}

impl ReferralAuthor {
    fn staff(self) -> Option<Uuid> {
        match self {
            Self::Staff(id) => Some(id),
            Self::Client(_) => None,
        }
    }

    fn client(self) -> Option<Uuid> {
        match self {
            Self::Client(id) => Some(id),
            Self::Staff(_) => None,
        }
    }
}

/// Applies a change if the referral is still `expected_version` and records the event.
/// Returns false (and changes nothing) when the referral changed meanwhile.
#[allow(clippy::too_many_arguments)]
pub fn record_change(
    conn: &mut AnyConnection,
    referral: &Referral,
    expected_version: i64,
    transition: ReferralTransition,
    change: &ReferralChange,
    occurred_on: NaiveDate,
    note: Option<&str>,
    author: ReferralAuthor,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let target = referrals::table
        .find(DbUuid(referral.id))
        .filter(referrals::version.eq(expected_version));
    let changed = (
        referrals::status.eq(change.to.as_str()),
        referrals::reply_text.eq(change.reply_text.as_deref()),
        referrals::replied_on.eq(change.replied_on),
        referrals::closed_on.eq(change.closed_on),
        referrals::version.eq(expected_version + 1),
        referrals::updated_at.eq(DbInstant::from(now)),
    );
    // `updated_by` names the office's last author; a client's answer is named apart.
    let n = match author {
        ReferralAuthor::Staff(actor) => diesel::update(target)
            .set((changed, referrals::updated_by.eq(DbUuid(actor))))
            .execute(conn)?,
        ReferralAuthor::Client(client) => diesel::update(target)
            .set((
                changed,
                referrals::answered_by_client.eq(Some(DbUuid(client))),
            ))
            .execute(conn)?,
    };
    if n != 1 {
        return Ok(false);
    }
    diesel::insert_into(referral_events::table)
        .values(&ReferralEventRow {
            id: DbUuid(Uuid::now_v7()),
            referral_id: DbUuid(referral.id),
            transition: transition.as_str().to_owned(),
            from_status: change.from.as_str().to_owned(),
            to_status: change.to.as_str().to_owned(),
            occurred_on,
            note: note.map(str::to_owned),
            author_id: author.staff().map(DbUuid),
            recorded_at: now.into(),
            client_id: author.client().map(DbUuid),
        })
        .execute(conn)?;
    Ok(true)
}

/// The status history of a referral, oldest first.
pub fn events(
    conn: &mut AnyConnection,
    referral_id: Uuid,
) -> Result<Vec<ReferralEvent>, StoreError> {
    referral_events::table
        .filter(referral_events::referral_id.eq(DbUuid(referral_id)))
        .order((
            referral_events::recorded_at.asc(),
            referral_events::id.asc(),
        ))
        .select(ReferralEventRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ReferralEvent::try_from)
        .collect()
}

/// A referral addressed to a registered organisation, with the person of its case file.
#[derive(Debug, Clone)]
pub struct AddressedReferral {
    /// The referral.
    pub referral: Referral,
    /// The person of its case file.
    pub person_id: Uuid,
}

/// The outgoing referrals addressed to `organisation_id`, in id order after `after`, at most
/// `limit`, only those in `status` when given.
pub fn list_addressed(
    conn: &mut AnyConnection,
    organisation_id: Uuid,
    status: Option<ReferralStatus>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<AddressedReferral>, StoreError> {
    let mut query = referrals::table
        .inner_join(case_files::table)
        .filter(referrals::organisation_id.eq(DbUuid(organisation_id)))
        .filter(referrals::direction.eq(ReferralDirection::Outgoing.as_str()))
        .order(referrals::id.asc())
        .limit(limit)
        .select((ReferralRow::as_select(), case_files::person_id))
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(referrals::status.eq(status.as_str()));
    }
    if let Some(after) = after {
        query = query.filter(referrals::id.gt(DbUuid(after)));
    }
    query
        .load::<(ReferralRow, DbUuid)>(conn)?
        .into_iter()
        .map(|(row, person)| {
            Ok(AddressedReferral {
                referral: row.try_into()?,
                person_id: person.0,
            })
        })
        .collect()
}

/// An outgoing referral addressed to `organisation_id`; `None` for any other referral, so that
/// a partner learns nothing of referrals addressed to others.
pub fn find_addressed(
    conn: &mut AnyConnection,
    organisation_id: Uuid,
    id: Uuid,
) -> Result<Option<AddressedReferral>, StoreError> {
    referrals::table
        .inner_join(case_files::table)
        .filter(referrals::id.eq(DbUuid(id)))
        .filter(referrals::organisation_id.eq(DbUuid(organisation_id)))
        .filter(referrals::direction.eq(ReferralDirection::Outgoing.as_str()))
        .select((ReferralRow::as_select(), case_files::person_id))
        .first::<(ReferralRow, DbUuid)>(conn)
        .optional()?
        .map(|(row, person)| {
            Ok(AddressedReferral {
                referral: row.try_into()?,
                person_id: person.0,
            })
        })
        .transpose()
}
