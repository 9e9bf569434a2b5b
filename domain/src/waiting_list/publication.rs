//! Published rankings (graduatorie pubblicate): a numbered snapshot of a resource's ranking on
//! a day under the criteria set version in force, showing only what may be made public —
//! positions, protocol numbers, totals — never names nor special categories. Publishing under
//! another version than the previous publication is a re-ranking: an explicit decision with
//! its reason.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::criteria::CriteriaSet;
use super::ranking::{Protocol, Ranked};
use crate::error::ValidationErrors;

/// A publication of a resource's ranking, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    /// Identifier.
    pub id: Uuid,
    /// The resource.
    pub resource_id: Uuid,
    /// Its number among the resource's publications, from 1.
    pub number: u32,
    /// The criteria set version it was ranked under.
    pub criteria_set_id: Uuid,
    /// The day it was ranked on.
    pub ranked_on: NaiveDate,
    /// The version of the previous publication, when this one re-ranked under another.
    pub previous_criteria_set_id: Option<Uuid>,
    /// Why it was published (required to re-rank).
    pub reason: Option<String>,
    /// How many applications it ranks.
    pub entries: u32,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// Who published it.
    pub published_by: Uuid,
}

/// One line of a published ranking: what may be made public, and the application it stands
/// for (kept by the office, never published).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishedEntry {
    /// The position, from 1.
    pub position: u32,
    /// The application.
    pub application_id: Uuid,
    /// Its protocol number.
    pub protocol: Protocol,
    /// Its total.
    pub total: u32,
}

/// The lines of a publication of `ranking`.
pub fn entries_of(ranking: &[Ranked]) -> Vec<PublishedEntry> {
    ranking
        .iter()
        .map(|r| PublishedEntry {
            position: r.position,
            application_id: r.applicant.id,
            protocol: r.applicant.protocol,
            total: r.score.total,
        })
        .collect()
}

/// Why a ranking cannot be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicationError {
    /// The version named is not the one in force (409): the publisher confirms the version
    /// it publishes under.
    NotInForce {
        /// The version in force.
        in_force: Uuid,
        /// Its number.
        version: i32,
    },
    /// Invalid fields (422).
    Invalid(ValidationErrors),
}

/// Checks a publication under `in_force` that the publisher confirmed as `confirmed`, after the
/// `last` publication of the resource: the version must be the one in force; a version other
/// than the last publication's is a re-ranking and needs a reason. Returns the previous
/// version when re-ranking.
pub fn check_publication(
    in_force: &CriteriaSet,
    confirmed: Uuid,
    last: Option<&Publication>,
    reason: Option<&str>,
) -> Result<Option<Uuid>, PublicationError> {
    if confirmed != in_force.id {
        return Err(PublicationError::NotInForce {
            in_force: in_force.id,
            version: in_force.version,
        });
    }
    let previous = last
        .map(|l| l.criteria_set_id)
        .filter(|id| *id != in_force.id);
    if previous.is_some() && reason.is_none() {
        return Err(PublicationError::Invalid(ValidationErrors::single(
            "reason",
            format!(
                "is required: the previous publication was ranked under another version; \
                 re-ranking under version {} is a decision with its reason",
                in_force.version
            ),
        )));
    }
    Ok(previous)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::waiting_list::{Applicant, CriteriaContent, Score};

    fn set(id: u128, version: i32) -> CriteriaSet {
        CriteriaSet {
            id: Uuid::from_u128(id),
            version,
            content: CriteriaContent {
                code: "rsa".into(),
                title: "RSA".into(),
                effective_from: "2026-01-01".parse().unwrap(),
                criteria: Vec::new(),
            },
            created_at: DateTime::<Utc>::MIN_UTC,
            created_by: Uuid::nil(),
        }
    }

    fn publication(set_id: u128) -> Publication {
        Publication {
            id: Uuid::nil(),
            resource_id: Uuid::nil(),
            number: 1,
            criteria_set_id: Uuid::from_u128(set_id),
            ranked_on: "2026-06-01".parse().unwrap(),
            previous_criteria_set_id: None,
            reason: None,
            entries: 0,
            published_at: DateTime::<Utc>::MIN_UTC,
            published_by: Uuid::nil(),
        }
    }

    #[test]
    fn the_version_must_be_the_one_in_force() {
        let v2 = set(2, 2);
        assert_eq!(
            check_publication(&v2, Uuid::from_u128(1), None, None),
            Err(PublicationError::NotInForce {
                in_force: Uuid::from_u128(2),
                version: 2
            })
        );
        assert_eq!(
            check_publication(&v2, Uuid::from_u128(2), None, None),
            Ok(None)
        );
    }

    #[test]
    fn re_ranking_under_another_version_needs_a_reason() {
        let v2 = set(2, 2);
        let last = publication(1);
        assert!(matches!(
            check_publication(&v2, v2.id, Some(&last), None),
            Err(PublicationError::Invalid(_))
        ));
        assert_eq!(
            check_publication(&v2, v2.id, Some(&last), Some("Nuovi criteri")),
            Ok(Some(Uuid::from_u128(1)))
        );
        // The same version again is a new publication, not a re-ranking.
        let same = publication(2);
        assert_eq!(check_publication(&v2, v2.id, Some(&same), None), Ok(None));
    }

    #[test]
    fn entries_keep_positions_protocols_and_totals_only() {
        let applicant = Applicant {
            id: Uuid::from_u128(7),
            protocol: Protocol {
                year: 2026,
                number: 12,
            },
            submitted_at: DateTime::<Utc>::MIN_UTC,
            submitted_on: "2026-01-01".parse().unwrap(),
            inputs: Default::default(),
        };
        let ranked = [Ranked {
            position: 1,
            applicant,
            score: Score {
                parts: Vec::new(),
                total: 31,
            },
        }];
        assert_eq!(
            entries_of(&ranked),
            [PublishedEntry {
                position: 1,
                application_id: Uuid::from_u128(7),
                protocol: Protocol {
                    year: 2026,
                    number: 12
                },
                total: 31
            }]
        );
    }
}
