//! Assessments (valutazioni del bisogno): versions per case file with their scores.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use socialcare_domain::case_file::{
    Assessment, AssessmentDomain, AssessmentScores, Severity, next_assessment_version,
};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{assessment_scores, assessments};
use crate::sql_types::{DbInstant, DbUuid};

/// An `assessments` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = assessments)]
#[diesel(treat_none_as_default_value = false)]
pub struct AssessmentRow {
    /// Primary key.
    pub id: DbUuid,
    /// Case file.
    pub case_file_id: DbUuid,
    /// 1, 2, 3… per case file.
    pub version_number: i32,
    /// Day of the assessment.
    pub assessed_on: NaiveDate,
    /// Author.
    pub author_id: DbUuid,
    /// Notes.
    pub notes: Option<String>,
    /// Creation instant.
    pub created_at: DbInstant,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("stored {what} is invalid: {e}"))
}

/// What is needed to record an assessment.
#[derive(Debug, Clone)]
pub struct NewAssessment {
    /// The case file.
    pub case_file_id: Uuid,
    /// Day of the assessment.
    pub assessed_on: NaiveDate,
    /// Notes.
    pub notes: Option<String>,
    /// The scores.
    pub scores: AssessmentScores,
}

/// Records the next version of a file's assessment (call inside the write transaction; a
/// concurrent insert of the same version fails on `assessments_case_version_key`).
pub fn insert(
    conn: &mut AnyConnection,
    new: &NewAssessment,
    author: Uuid,
    now: DateTime<Utc>,
) -> Result<Assessment, StoreError> {
    let latest: Option<i32> = assessments::table
        .filter(assessments::case_file_id.eq(DbUuid(new.case_file_id)))
        .select(diesel::dsl::max(assessments::version_number))
        .first(conn)?;
    let row = AssessmentRow {
        id: DbUuid(Uuid::now_v7()),
        case_file_id: DbUuid(new.case_file_id),
        version_number: next_assessment_version(latest),
        assessed_on: new.assessed_on,
        author_id: DbUuid(author),
        notes: new.notes.clone(),
        created_at: now.into(),
    };
    diesel::insert_into(assessments::table)
        .values(&row)
        .execute(conn)?;
    for (domain, severity) in new.scores.iter() {
        diesel::insert_into(assessment_scores::table)
            .values((
                assessment_scores::assessment_id.eq(row.id),
                assessment_scores::domain.eq(domain.as_str()),
                assessment_scores::severity.eq(i32::from(severity.value())),
            ))
            .execute(conn)?;
    }
    find(conn, new.case_file_id, row.id.0)?.ok_or(StoreError::NotFound)
}

fn assemble(
    conn: &mut AnyConnection,
    rows: Vec<AssessmentRow>,
) -> Result<Vec<Assessment>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<DbUuid> = rows.iter().map(|r| r.id).collect();
    let scores: Vec<(DbUuid, String, i32)> = assessment_scores::table
        .filter(assessment_scores::assessment_id.eq_any(&ids))
        .select((
            assessment_scores::assessment_id,
            assessment_scores::domain,
            assessment_scores::severity,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|row| {
            let mut by_domain = std::collections::HashMap::new();
            for (_, code, value) in scores.iter().filter(|(id, _, _)| *id == row.id) {
                let domain = code
                    .parse::<AssessmentDomain>()
                    .map_err(|e| corrupt("assessment domain", e))?;
                let severity = u8::try_from(*value)
                    .map_err(|e| corrupt("severity", e))
                    .and_then(|v| Severity::new(v).map_err(|e| corrupt("severity", e)))?;
                by_domain.insert(domain, severity);
            }
            if by_domain.len() != AssessmentDomain::ALL.len() {
                return Err(corrupt("assessment scores", "a domain is missing"));
            }
            Ok(Assessment {
                id: row.id.0,
                case_file_id: row.case_file_id.0,
                version_number: row.version_number,
                assessed_on: row.assessed_on,
                author_id: row.author_id.0,
                notes: row.notes,
                scores: AssessmentScores::from_fn(|d| {
                    by_domain.get(&d).copied().unwrap_or(Severity::MIN)
                }),
                created_at: row.created_at.0,
            })
        })
        .collect()
}

/// Finds an assessment by id within its case file (an assessment of another file is `None`).
pub fn find(
    conn: &mut AnyConnection,
    case_file_id: Uuid,
    id: Uuid,
) -> Result<Option<Assessment>, StoreError> {
    let row = assessments::table
        .find(DbUuid(id))
        .filter(assessments::case_file_id.eq(DbUuid(case_file_id)))
        .select(AssessmentRow::as_select())
        .first(conn)
        .optional()?;
    Ok(assemble(conn, row.into_iter().collect())?.pop())
}

/// Every assessment of a file, newest version first.
pub fn list(conn: &mut AnyConnection, case_file_id: Uuid) -> Result<Vec<Assessment>, StoreError> {
    let rows = assessments::table
        .filter(assessments::case_file_id.eq(DbUuid(case_file_id)))
        .order(assessments::version_number.desc())
        .select(AssessmentRow::as_select())
        .load(conn)?;
    assemble(conn, rows)
}

/// The newest assessment of a file.
pub fn latest(
    conn: &mut AnyConnection,
    case_file_id: Uuid,
) -> Result<Option<Assessment>, StoreError> {
    let row = assessments::table
        .filter(assessments::case_file_id.eq(DbUuid(case_file_id)))
        .order(assessments::version_number.desc())
        .select(AssessmentRow::as_select())
        .first(conn)
        .optional()?;
    Ok(assemble(conn, row.into_iter().collect())?.pop())
}
