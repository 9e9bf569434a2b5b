//! Tutor reviews of employment placements, and the next review each plans.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use socialcare_domain::employment::{ReviewContent, ReviewProgress, WorkPlacement, WorkReview};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{employment_placements, employment_reviews};
use crate::sql_types::{DbInstant, DbUuid};

/// An `employment_reviews` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = employment_reviews, treat_none_as_default_value = false)]
struct ReviewRow {
    id: DbUuid,
    placement_id: DbUuid,
    held_on: chrono::NaiveDate,
    progress: String,
    with_company_tutor: bool,
    summary: String,
    next_review_on: Option<chrono::NaiveDate>,
    created_at: DbInstant,
    created_by: DbUuid,
}

impl ReviewRow {
    fn into_review(self) -> Result<WorkReview, StoreError> {
        let progress = self.progress.parse::<ReviewProgress>().map_err(|e| {
            StoreError::Internal(format!("stored progress of review {}: {e}", self.id.0))
        })?;
        Ok(WorkReview {
            id: self.id.0,
            placement_id: self.placement_id.0,
            content: ReviewContent {
                held_on: self.held_on,
                progress,
                with_company_tutor: self.with_company_tutor,
                summary: self.summary,
                next_review_on: self.next_review_on,
            },
            created_at: self.created_at.0,
            created_by: self.created_by.0,
        })
    }
}

/// Records a review of a placement still at `placement.version` and keeps the next review it
/// plans on the placement, moving its version on; `None` when the placement changed meanwhile
/// (nothing written).
pub fn record_review(
    conn: &mut AnyConnection,
    placement: &WorkPlacement,
    content: &ReviewContent,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<WorkReview>, StoreError> {
    let n = diesel::update(
        employment_placements::table
            .find(DbUuid(placement.id))
            .filter(employment_placements::version.eq(placement.version)),
    )
    .set((
        employment_placements::next_review_on.eq(content.next_review_on),
        employment_placements::version.eq(placement.version + 1),
        employment_placements::updated_at.eq(DbInstant::from(now)),
        employment_placements::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    if n != 1 {
        return Ok(None);
    }
    let row = ReviewRow {
        id: DbUuid(Uuid::now_v7()),
        placement_id: DbUuid(placement.id),
        held_on: content.held_on,
        progress: content.progress.as_str().to_owned(),
        with_company_tutor: content.with_company_tutor,
        summary: content.summary.clone(),
        next_review_on: content.next_review_on,
        created_at: now.into(),
        created_by: DbUuid(actor),
    };
    diesel::insert_into(employment_reviews::table)
        .values(&row)
        .execute(conn)?;
    row.into_review().map(Some)
}

/// The reviews of a placement, by the day held then the order recorded.
pub fn reviews_of(
    conn: &mut AnyConnection,
    placement_id: Uuid,
) -> Result<Vec<WorkReview>, StoreError> {
    employment_reviews::table
        .filter(employment_reviews::placement_id.eq(DbUuid(placement_id)))
        .order((
            employment_reviews::held_on.asc(),
            employment_reviews::id.asc(),
        ))
        .select(ReviewRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ReviewRow::into_review)
        .collect()
}

/// One review of a placement.
pub fn find_review(
    conn: &mut AnyConnection,
    placement_id: Uuid,
    review_id: Uuid,
) -> Result<Option<WorkReview>, StoreError> {
    employment_reviews::table
        .find(DbUuid(review_id))
        .filter(employment_reviews::placement_id.eq(DbUuid(placement_id)))
        .select(ReviewRow::as_select())
        .first(conn)
        .optional()?
        .map(ReviewRow::into_review)
        .transpose()
}
