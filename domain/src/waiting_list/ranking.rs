//! Scoring and ranking the applications for a resource under one version of its criteria set,
//! with the breakdown of each score and the explanation of a position against the neighbours.
//!
//! The order is total and deterministic: the higher score first; on equal scores the earlier
//! submission instant; then the lower protocol number (unique per application).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Months, NaiveDate, Utc};
use uuid::Uuid;

use super::criteria::{Criterion, CriterionKind, InputValue, points};

/// The protocol number of an application: a yearly sequence, `2026/000123`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Protocol {
    /// The year of the submission.
    pub year: i32,
    /// The sequence within the year, from 1.
    pub number: u32,
}

/// The highest sequence number a year can hold (six digits).
pub const MAX_PROTOCOL_NUMBER: u32 = 999_999;

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}/{:06}", self.year, self.number)
    }
}

impl FromStr for Protocol {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a protocol number `YYYY/NNNNNN`");
        let (year, number) = s.split_once('/').ok_or_else(bad)?;
        if year.len() != 4
            || number.len() != 6
            || !year
                .bytes()
                .chain(number.bytes())
                .all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let number: u32 = number.parse().map_err(|_| bad())?;
        if !(1900..=2199).contains(&year) || number == 0 {
            return Err(bad());
        }
        Ok(Self { year, number })
    }
}

/// The day by which an application confirmed on `confirmed_on` must be reconfirmed, with a
/// period of `months` (the same day `months` later, or that month's last day).
pub fn reconfirm_by(confirmed_on: NaiveDate, months: u32) -> NaiveDate {
    confirmed_on
        .checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// What the ranking reads of an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    /// The application.
    pub id: Uuid,
    /// Its protocol number.
    pub protocol: Protocol,
    /// When it was submitted (the first tie-breaker).
    pub submitted_at: DateTime<Utc>,
    /// The day it was submitted (the months on the list count from it).
    pub submitted_on: NaiveDate,
    /// The input of each criterion it carries.
    pub inputs: BTreeMap<CriterionKind, InputValue>,
}

/// The points of one criterion in a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// The criterion.
    pub kind: CriterionKind,
    /// The input it read (none for the months on the list, or when missing).
    pub input: Option<InputValue>,
    /// The points it gave.
    pub points: u32,
}

/// An application's score under a set, on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score {
    /// The points of each criterion, in the set's order.
    pub parts: Vec<Part>,
    /// Their sum.
    pub total: u32,
}

/// The score of `applicant` under `criteria` on `on`: each criterion's points in the set's
/// order, and their sum.
pub fn score(criteria: &[Criterion], applicant: &Applicant, on: NaiveDate) -> Score {
    let parts: Vec<Part> = criteria
        .iter()
        .map(|c| {
            let input = applicant.inputs.get(&c.kind).copied();
            Part {
                kind: c.kind,
                input: input.filter(|_| c.kind.takes_input()),
                points: points(c, input, applicant.submitted_on, on),
            }
        })
        .collect();
    let total = parts.iter().map(|p| p.points).sum();
    Score { parts, total }
}

/// An application in a ranking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    /// Its place, from 1.
    pub position: u32,
    /// The application.
    pub applicant: Applicant,
    /// Its score.
    pub score: Score,
}

/// The ranking order: the higher total first, then the earlier submission, then the lower
/// protocol number.
pub fn order(a: (&Applicant, u32), b: (&Applicant, u32)) -> Ordering {
    b.1.cmp(&a.1)
        .then(a.0.submitted_at.cmp(&b.0.submitted_at))
        .then(a.0.protocol.cmp(&b.0.protocol))
}

/// Ranks `applicants` under `criteria` on `on`.
pub fn rank(criteria: &[Criterion], applicants: Vec<Applicant>, on: NaiveDate) -> Vec<Ranked> {
    let mut scored: Vec<(Applicant, Score)> = applicants
        .into_iter()
        .map(|a| {
            let s = score(criteria, &a, on);
            (a, s)
        })
        .collect();
    scored.sort_by(|(a, sa), (b, sb)| order((a, sa.total), (b, sb.total)));
    scored
        .into_iter()
        .zip(1u32..)
        .map(|((applicant, score), position)| Ranked {
            position,
            applicant,
            score,
        })
        .collect()
}

/// What put one application before another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decider {
    /// A higher score.
    Score,
    /// Equal scores: the earlier submission.
    SubmittedAt,
    /// Equal scores and submission instants: the lower protocol number.
    Protocol,
}

impl Decider {
    /// The stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            Decider::Score => "score",
            Decider::SubmittedAt => "submitted_at",
            Decider::Protocol => "protocol",
        }
    }
}

/// The points of one criterion for the application and a neighbour, where they differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Difference {
    /// The criterion.
    pub kind: CriterionKind,
    /// The application's points.
    pub points: u32,
    /// The neighbour's points.
    pub other_points: u32,
}

/// How an application compares with a neighbour in the ranking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// The neighbour.
    pub other: Uuid,
    /// Its protocol number.
    pub other_protocol: Protocol,
    /// Its position.
    pub other_position: u32,
    /// Its total.
    pub other_total: u32,
    /// The criteria where the points differ, in the set's order.
    pub differences: Vec<Difference>,
    /// What decided the order between the two.
    pub decided_by: Decider,
}

/// Why an application is where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The application as ranked.
    pub ranked: Ranked,
    /// Against the one just above (none for the first).
    pub above: Option<Comparison>,
    /// Against the one just below (none for the last).
    pub below: Option<Comparison>,
}

fn compare(me: &Ranked, other: &Ranked) -> Comparison {
    let decided_by = if me.score.total != other.score.total {
        Decider::Score
    } else if me.applicant.submitted_at != other.applicant.submitted_at {
        Decider::SubmittedAt
    } else {
        Decider::Protocol
    };
    let differences = me
        .score
        .parts
        .iter()
        .zip(&other.score.parts)
        .filter(|(a, b)| a.points != b.points)
        .map(|(a, b)| Difference {
            kind: a.kind,
            points: a.points,
            other_points: b.points,
        })
        .collect();
    Comparison {
        other: other.applicant.id,
        other_protocol: other.applicant.protocol,
        other_position: other.position,
        other_total: other.score.total,
        differences,
        decided_by,
    }
}

/// The explanation of application `id`'s position in `ranking`, or none when it is not in it.
pub fn explain(ranking: &[Ranked], id: Uuid) -> Option<Explanation> {
    let at = ranking.iter().position(|r| r.applicant.id == id)?;
    let me = &ranking[at];
    Some(Explanation {
        ranked: me.clone(),
        above: at
            .checked_sub(1)
            .and_then(|i| ranking.get(i))
            .map(|o| compare(me, o)),
        below: ranking.get(at + 1).map(|o| compare(me, o)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::waiting_list::criteria::{Band, Scale};
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn set() -> Vec<Criterion> {
        let c = |kind, scale| Criterion {
            kind,
            label: format!("{kind}"),
            scale,
        };
        vec![
            c(CriterionKind::Urgency, Scale::Levels(vec![0, 5, 10, 20])),
            c(CriterionKind::FamilySupport, Scale::Levels(vec![0, 4, 8])),
            c(
                CriterionKind::DisabilitySeverity,
                Scale::Levels(vec![0, 6, 12]),
            ),
            c(
                CriterionKind::Isee,
                Scale::Bands {
                    bands: vec![
                        Band {
                            up_to_cents: 750_000,
                            points: 10,
                        },
                        Band {
                            up_to_cents: 1_500_000,
                            points: 5,
                        },
                    ],
                    above: 0,
                    missing: 0,
                },
            ),
            c(CriterionKind::MinorsInHousehold, Scale::Levels(vec![0, 3])),
            c(
                CriterionKind::MonthsOnList,
                Scale::PerMonth {
                    per_month: 1,
                    max: 12,
                },
            ),
        ]
    }

    fn applicant(n: u32, urgency: u8, isee: Option<u64>, minute: u32) -> Applicant {
        let submitted_at = Utc
            .with_ymd_and_hms(2026, 3, 2, 9, minute % 60, 0)
            .single()
            .unwrap();
        Applicant {
            id: Uuid::from_u128(u128::from(n)),
            protocol: Protocol {
                year: 2026,
                number: n,
            },
            submitted_at,
            submitted_on: day(2026, 3, 2),
            inputs: BTreeMap::from([
                (CriterionKind::Urgency, InputValue::Level(urgency)),
                (CriterionKind::Isee, InputValue::Isee(isee)),
            ]),
        }
    }

    #[test]
    fn protocol_numbers_are_yearly_sequences() {
        let p: Protocol = "2026/000123".parse().unwrap();
        assert_eq!(
            p,
            Protocol {
                year: 2026,
                number: 123
            }
        );
        assert_eq!(p.to_string(), "2026/000123");
        for bad in [
            "2026/123",
            "26/000123",
            "2026-000123",
            "2026/000000",
            "2026/00012a",
        ] {
            assert!(bad.parse::<Protocol>().is_err(), "{bad}");
        }
        assert!(
            Protocol {
                year: 2026,
                number: 2
            } < Protocol {
                year: 2027,
                number: 1
            }
        );
    }

    #[test]
    fn reconfirmation_is_due_months_later() {
        assert_eq!(reconfirm_by(day(2026, 1, 31), 1), day(2026, 2, 28));
        assert_eq!(reconfirm_by(day(2026, 3, 2), 12), day(2027, 3, 2));
    }

    #[test]
    fn a_score_is_the_sum_of_its_breakdown() {
        let a = applicant(1, 3, Some(700_000), 0);
        let s = score(&set(), &a, day(2026, 9, 2));
        assert_eq!(s.parts.len(), 6);
        assert_eq!(s.total, s.parts.iter().map(|p| p.points).sum::<u32>());
        // urgency 20 + ISEE 10 + six months 6.
        assert_eq!(s.total, 36);
        assert_eq!(s.parts[5].input, None);
    }

    #[test]
    fn ties_are_broken_by_submission_then_protocol_and_explained() {
        let ranking = rank(
            &set(),
            vec![
                applicant(3, 2, None, 5),
                applicant(2, 2, None, 5),
                applicant(1, 2, None, 9),
                applicant(4, 3, None, 30),
            ],
            day(2026, 3, 10),
        );
        let order: Vec<u32> = ranking
            .iter()
            .map(|r| r.applicant.protocol.number)
            .collect();
        assert_eq!(order, [4, 2, 3, 1]);
        let positions: Vec<u32> = ranking.iter().map(|r| r.position).collect();
        assert_eq!(positions, [1, 2, 3, 4]);
        let why = explain(&ranking, Uuid::from_u128(3)).unwrap();
        assert_eq!(why.ranked.position, 3);
        let above = why.above.unwrap();
        assert_eq!(above.other_protocol.number, 2);
        assert_eq!(above.decided_by, Decider::Protocol);
        assert!(above.differences.is_empty());
        let below = why.below.unwrap();
        assert_eq!(below.decided_by, Decider::SubmittedAt);
        let top = explain(&ranking, Uuid::from_u128(4)).unwrap();
        assert!(top.above.is_none());
        let below = top.below.unwrap();
        assert_eq!(below.decided_by, Decider::Score);
        assert_eq!(
            below.differences,
            [Difference {
                kind: CriterionKind::Urgency,
                points: 20,
                other_points: 10
            }]
        );
        assert!(explain(&ranking, Uuid::from_u128(99)).is_none());
    }

    fn applicants() -> impl Strategy<Value = Vec<Applicant>> {
        proptest::collection::vec(
            (
                0u8..4,
                proptest::option::of(0u64..3_000_000),
                0u32..60,
                0u8..3,
            ),
            1..40,
        )
        .prop_map(|rows| {
            rows.into_iter()
                .zip(1u32..)
                .map(|((urgency, isee, minute, support), n)| {
                    let mut a = applicant(n, urgency, isee, minute);
                    a.inputs
                        .insert(CriterionKind::FamilySupport, InputValue::Level(support));
                    a
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn a_ranking_is_a_strict_total_order(list in applicants()) {
            let ranking = rank(&set(), list.clone(), day(2026, 12, 1));
            prop_assert_eq!(ranking.len(), list.len());
            for (i, pair) in ranking.windows(2).enumerate() {
                prop_assert_eq!(pair[0].position, u32::try_from(i).unwrap() + 1);
                prop_assert_eq!(
                    order(
                        (&pair[0].applicant, pair[0].score.total),
                        (&pair[1].applicant, pair[1].score.total)
                    ),
                    Ordering::Less
                );
            }
            // The same input in another order ranks the same.
            let mut reversed = list.clone();
            reversed.reverse();
            let again = rank(&set(), reversed, day(2026, 12, 1));
            prop_assert_eq!(again, ranking);
        }

        #[test]
        fn equal_inputs_score_equally(list in applicants()) {
            let on = day(2026, 12, 1);
            for a in &list {
                let mut twin = a.clone();
                twin.id = Uuid::from_u128(1_000_000);
                twin.protocol.number = 999_999;
                prop_assert_eq!(score(&set(), a, on), score(&set(), &twin, on));
            }
        }

        #[test]
        fn more_need_never_lowers_a_position(list in applicants(), pick in 0usize..40, which in 0u8..3) {
            let on = day(2026, 12, 1);
            let at = pick % list.len();
            let before = rank(&set(), list.clone(), on);
            let id = list[at].id;
            let mut raised = list.clone();
            let inputs = &mut raised[at].inputs;
            match which {
                0 => {
                    if let Some(InputValue::Level(l)) = inputs.get_mut(&CriterionKind::Urgency) {
                        *l = (*l + 1).min(3);
                    }
                }
                1 => {
                    if let Some(InputValue::Level(l)) = inputs.get_mut(&CriterionKind::FamilySupport) {
                        *l = (*l + 1).min(2);
                    }
                }
                _ => {
                    if let Some(InputValue::Isee(Some(cents))) = inputs.get_mut(&CriterionKind::Isee) {
                        *cents /= 2;
                    }
                }
            }
            let after = rank(&set(), raised, on);
            let position = |r: &[Ranked]| r.iter().find(|x| x.applicant.id == id).map(|x| x.position);
            prop_assert!(position(&after) <= position(&before));
        }
    }
}
