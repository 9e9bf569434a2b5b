//! The household (nucleo familiare): who lives with whom, and since when.
//!
//! A household has a reference person and members, each with a relationship to the reference
//! person and a validity period `[joined_on, left_on)`. History is kept: a membership is never
//! deleted, only closed by setting `left_on`. Changing a member's relationship (or who is the
//! reference person) closes the membership and opens a new one.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use uuid::Uuid;

/// A member's relationship to the reference person of the household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Relationship {
    /// Intestatario: the reference person of the household.
    ReferencePerson,
    /// Coniuge.
    Spouse,
    /// Partner (civil union or de facto couple).
    Partner,
    /// Figlio o figlia.
    Child,
    /// Genitore.
    Parent,
    /// Fratello o sorella.
    Sibling,
    /// Nipote (grandchild).
    Grandchild,
    /// Nonno o nonna.
    Grandparent,
    /// Altro parente.
    OtherRelative,
    /// Convivente not related to the reference person.
    Cohabitant,
}

impl Relationship {
    /// Every relationship, in a stable order.
    pub const ALL: [Relationship; 10] = [
        Relationship::ReferencePerson,
        Relationship::Spouse,
        Relationship::Partner,
        Relationship::Child,
        Relationship::Parent,
        Relationship::Sibling,
        Relationship::Grandchild,
        Relationship::Grandparent,
        Relationship::OtherRelative,
        Relationship::Cohabitant,
    ];

    /// The code used in the API and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Relationship::ReferencePerson => "reference_person",
            Relationship::Spouse => "spouse",
            Relationship::Partner => "partner",
            Relationship::Child => "child",
            Relationship::Parent => "parent",
            Relationship::Sibling => "sibling",
            Relationship::Grandchild => "grandchild",
            Relationship::Grandparent => "grandparent",
            Relationship::OtherRelative => "other_relative",
            Relationship::Cohabitant => "cohabitant",
        }
    }
}

impl fmt::Display for Relationship {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Relationship {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Relationship::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown relationship `{s}`"))
    }
}

/// A person's membership of a household over the period `[joined_on, left_on)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Membership {
    /// The member.
    pub person_id: Uuid,
    /// The household.
    pub household_id: Uuid,
    /// Relationship to the reference person of the household.
    pub relationship: Relationship,
    /// First day of the membership.
    pub joined_on: NaiveDate,
    /// Day the person left (exclusive: no longer a member on that day); `None` while current.
    pub left_on: Option<NaiveDate>,
}

impl Membership {
    /// Whether the person is a member on `date`: `joined_on <= date < left_on`.
    pub fn is_current_on(&self, date: NaiveDate) -> bool {
        self.joined_on <= date && self.left_on.is_none_or(|left| date < left)
    }

    /// Whether the membership overlaps the open-ended period starting on `from`.
    fn overlaps_from(&self, from: NaiveDate) -> bool {
        let nonempty = self.left_on.is_none_or(|left| left > self.joined_on);
        nonempty && self.left_on.is_none_or(|left| left > from)
    }
}

/// The members of `household_id` on `date`: the reference person first, then by the day they
/// joined, then by person id.
pub fn composition_on(
    members: &[Membership],
    household_id: Uuid,
    date: NaiveDate,
) -> Vec<&Membership> {
    let mut current: Vec<&Membership> = members
        .iter()
        .filter(|m| m.household_id == household_id && m.is_current_on(date))
        .collect();
    current.sort_by_key(|m| {
        (
            m.relationship != Relationship::ReferencePerson,
            m.joined_on,
            m.person_id,
        )
    });
    current
}

/// Formats the exclusive end of a membership.
fn until_text(left_on: &Option<NaiveDate>) -> String {
    match left_on {
        Some(date) => format!("until {date}"),
        None => "with no end date".to_owned(),
    }
}

/// Why a change to a household's composition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HouseholdRuleViolation {
    /// The person already belongs to a household (this one or another) on or after the day
    /// they would join.
    #[error(
        "the person already belongs to household {household_id} from {joined_on} {}, \
         which overlaps a membership starting on {requested_on}",
        until_text(.left_on)
    )]
    AlreadyInHousehold {
        /// The household the person already belongs to.
        household_id: Uuid,
        /// First day of that membership.
        joined_on: NaiveDate,
        /// Exclusive end of that membership, `None` if current.
        left_on: Option<NaiveDate>,
        /// The day the person would join.
        requested_on: NaiveDate,
    },
    /// The household already has a reference person on or after the day the new one would join.
    #[error(
        "household {household_id} already has a reference person ({person_id}) from {joined_on} \
         {}, which overlaps a reference person starting on {requested_on}",
        until_text(.left_on)
    )]
    ReferencePersonTaken {
        /// The household.
        household_id: Uuid,
        /// The current reference person.
        person_id: Uuid,
        /// First day of their membership.
        joined_on: NaiveDate,
        /// Exclusive end of their membership, `None` if current.
        left_on: Option<NaiveDate>,
        /// The day the new reference person would join.
        requested_on: NaiveDate,
    },
    /// The membership is already closed.
    #[error("the person already left household {household_id} on {left_on}")]
    AlreadyLeft {
        /// The household.
        household_id: Uuid,
        /// The day they left.
        left_on: NaiveDate,
    },
    /// The person was annulled (a wrong record): they join no household.
    #[error("the person was annulled and cannot join a household")]
    PersonAnnulled {
        /// The annulled person.
        person_id: Uuid,
    },
    /// The leaving day is not after the joining day.
    #[error(
        "the person cannot leave household {household_id} on {left_on}: they joined on \
         {joined_on}, and must leave after that day"
    )]
    LeaveNotAfterJoin {
        /// The household.
        household_id: Uuid,
        /// The day they joined.
        joined_on: NaiveDate,
        /// The requested leaving day.
        left_on: NaiveDate,
    },
}

/// Checks that a person may join `household_id` on `joined_on` with `relationship`, as a new
/// open-ended membership.
///
/// - `existing_for_person`: every membership of the person, in any household. The person
///   belongs to at most one household on any day, so the new period must not overlap any of
///   them (an open membership, or one that ends after `joined_on`, must be closed first).
/// - `household_members`: every membership of the household, past and present. A household has
///   at most one reference person on any day.
pub fn check_join(
    existing_for_person: &[Membership],
    household_id: Uuid,
    relationship: Relationship,
    joined_on: NaiveDate,
    household_members: &[Membership],
) -> Result<(), HouseholdRuleViolation> {
    if let Some(m) = existing_for_person
        .iter()
        .find(|m| m.overlaps_from(joined_on))
    {
        return Err(HouseholdRuleViolation::AlreadyInHousehold {
            household_id: m.household_id,
            joined_on: m.joined_on,
            left_on: m.left_on,
            requested_on: joined_on,
        });
    }
    if relationship == Relationship::ReferencePerson
        && let Some(m) = household_members.iter().find(|m| {
            m.household_id == household_id
                && m.relationship == Relationship::ReferencePerson
                && m.overlaps_from(joined_on)
        })
    {
        return Err(HouseholdRuleViolation::ReferencePersonTaken {
            household_id,
            person_id: m.person_id,
            joined_on: m.joined_on,
            left_on: m.left_on,
            requested_on: joined_on,
        });
    }
    Ok(())
}

/// Checks that a person may join a household at all: an annulled record joins none.
pub fn check_joinable(person_id: Uuid, annulled: bool) -> Result<(), HouseholdRuleViolation> {
    if annulled {
        return Err(HouseholdRuleViolation::PersonAnnulled { person_id });
    }
    Ok(())
}

/// Checks that a person may found a new household as its reference person from `joined_on`:
/// the new household has no reference person yet, so only the person's own memberships
/// (`existing_for_person`, in any household) can clash.
pub fn check_found(
    existing_for_person: &[Membership],
    joined_on: NaiveDate,
) -> Result<(), HouseholdRuleViolation> {
    check_join(
        existing_for_person,
        Uuid::nil(),
        Relationship::ReferencePerson,
        joined_on,
        &[],
    )
}

/// Whether a membership is listed: every membership when the past is asked for, otherwise
/// only those current on `date`.
pub fn is_listed(membership: &Membership, include_past: bool, date: NaiveDate) -> bool {
    include_past || membership.is_current_on(date)
}

/// Checks that `membership` may be closed on `left_on`: it is still open and `left_on` is after
/// the day the person joined.
pub fn check_leave(
    membership: &Membership,
    left_on: NaiveDate,
) -> Result<(), HouseholdRuleViolation> {
    if let Some(already) = membership.left_on {
        return Err(HouseholdRuleViolation::AlreadyLeft {
            household_id: membership.household_id,
            left_on: already,
        });
    }
    if left_on <= membership.joined_on {
        return Err(HouseholdRuleViolation::LeaveNotAfterJoin {
            household_id: membership.household_id,
            joined_on: membership.joined_on,
            left_on,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;

    fn day(d: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + Duration::days(d)
    }

    fn person(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn household(n: u128) -> Uuid {
        Uuid::from_u128(1_000 + n)
    }

    fn open(p: Uuid, h: Uuid, on: i64, left: Option<i64>) -> Membership {
        Membership {
            person_id: p,
            household_id: h,
            relationship: Relationship::Child,
            joined_on: day(on),
            left_on: left.map(day),
        }
    }

    #[test]
    fn an_annulled_person_joins_no_household() {
        assert_eq!(
            check_joinable(person(1), true),
            Err(HouseholdRuleViolation::PersonAnnulled {
                person_id: person(1)
            })
        );
        assert_eq!(check_joinable(person(1), false), Ok(()));
    }

    #[test]
    fn founding_a_household_clashes_only_with_the_persons_own_memberships() {
        assert_eq!(check_found(&[], day(0)), Ok(()));
        // A membership that ended before the founding day does not clash.
        assert_eq!(
            check_found(&[open(person(1), household(1), -10, Some(0))], day(0)),
            Ok(())
        );
        let current = open(person(1), household(1), -10, None);
        assert!(matches!(
            check_found(&[current], day(0)),
            Err(HouseholdRuleViolation::AlreadyInHousehold { .. })
        ));
        // A membership ending after the founding day overlaps too.
        let ending = open(person(1), household(1), -10, Some(5));
        assert!(matches!(
            check_found(&[ending], day(0)),
            Err(HouseholdRuleViolation::AlreadyInHousehold { .. })
        ));
    }

    #[test]
    fn the_past_is_listed_only_when_asked_for() {
        let ended = open(person(1), household(1), 0, Some(5));
        let current = open(person(2), household(1), 0, None);
        assert!(!is_listed(&ended, false, day(10)));
        assert!(is_listed(&ended, true, day(10)));
        assert!(is_listed(&current, false, day(10)));
        // Not yet joined: not current.
        assert!(!is_listed(&current, false, day(-1)));
    }

    /// A tiny in-memory register that applies the checks, as the persistence layer would.
    #[derive(Default)]
    struct Register {
        rows: Vec<Membership>,
    }

    impl Register {
        fn join(
            &mut self,
            p: Uuid,
            h: Uuid,
            relationship: Relationship,
            on: NaiveDate,
        ) -> Result<(), HouseholdRuleViolation> {
            let mine: Vec<Membership> = self
                .rows
                .iter()
                .filter(|m| m.person_id == p)
                .copied()
                .collect();
            let theirs: Vec<Membership> = self
                .rows
                .iter()
                .filter(|m| m.household_id == h)
                .copied()
                .collect();
            check_join(&mine, h, relationship, on, &theirs)?;
            self.rows.push(Membership {
                person_id: p,
                household_id: h,
                relationship,
                joined_on: on,
                left_on: None,
            });
            Ok(())
        }

        fn leave(&mut self, p: Uuid, on: NaiveDate) -> Result<(), HouseholdRuleViolation> {
            let Some(m) = self
                .rows
                .iter_mut()
                .find(|m| m.person_id == p && m.left_on.is_none())
            else {
                return Ok(());
            };
            check_leave(m, on)?;
            m.left_on = Some(on);
            Ok(())
        }
    }

    #[test]
    fn codes_round_trip() {
        for r in Relationship::ALL {
            assert_eq!(r.as_str().parse::<Relationship>(), Ok(r));
        }
        assert_eq!(
            Relationship::ALL.map(Relationship::as_str).join(","),
            "reference_person,spouse,partner,child,parent,sibling,grandchild,grandparent,\
             other_relative,cohabitant"
        );
        assert!("Spouse".parse::<Relationship>().is_err());
    }

    #[test]
    fn membership_period_is_closed_open() {
        let m = Membership {
            person_id: person(1),
            household_id: household(1),
            relationship: Relationship::Child,
            joined_on: day(10),
            left_on: Some(day(20)),
        };
        assert!(!m.is_current_on(day(9)));
        assert!(m.is_current_on(day(10)));
        assert!(m.is_current_on(day(19)));
        assert!(!m.is_current_on(day(20)));
        let open = Membership { left_on: None, ..m };
        assert!(open.is_current_on(day(10_000)));
    }

    #[test]
    fn join_and_composition_order() {
        let h = household(1);
        let mut reg = Register::default();
        reg.join(person(3), h, Relationship::Child, day(0)).unwrap();
        reg.join(person(2), h, Relationship::Spouse, day(0))
            .unwrap();
        reg.join(person(1), h, Relationship::ReferencePerson, day(5))
            .unwrap();
        reg.join(person(4), h, Relationship::Grandparent, day(3))
            .unwrap();
        let ids = |date| -> Vec<Uuid> {
            composition_on(&reg.rows, h, date)
                .iter()
                .map(|m| m.person_id)
                .collect()
        };
        assert_eq!(ids(day(5)), [person(1), person(2), person(3), person(4)]);
        assert_eq!(ids(day(4)), [person(2), person(3), person(4)]);
        assert_eq!(ids(day(-1)), Vec::<Uuid>::new());
        assert!(composition_on(&reg.rows, household(2), day(5)).is_empty());
    }

    #[test]
    fn leave_rules() {
        let mut m = Membership {
            person_id: person(1),
            household_id: household(1),
            relationship: Relationship::Child,
            joined_on: day(10),
            left_on: None,
        };
        assert_eq!(check_leave(&m, day(11)), Ok(()));
        assert_eq!(
            check_leave(&m, day(10)),
            Err(HouseholdRuleViolation::LeaveNotAfterJoin {
                household_id: household(1),
                joined_on: day(10),
                left_on: day(10),
            })
        );
        assert!(check_leave(&m, day(9)).is_err());
        m.left_on = Some(day(15));
        assert_eq!(
            check_leave(&m, day(20)),
            Err(HouseholdRuleViolation::AlreadyLeft {
                household_id: household(1),
                left_on: day(15),
            })
        );
    }

    #[test]
    fn rejoin_after_leaving() {
        let (p, h) = (person(1), household(1));
        let mut reg = Register::default();
        reg.join(p, h, Relationship::Child, day(0)).unwrap();
        reg.leave(p, day(10)).unwrap();
        // before the leaving day the old membership is still running
        assert!(matches!(
            reg.join(p, h, Relationship::Child, day(9)),
            Err(HouseholdRuleViolation::AlreadyInHousehold { .. })
        ));
        // on the leaving day the person is free again
        reg.join(p, h, Relationship::Cohabitant, day(10)).unwrap();
        assert_eq!(reg.rows.len(), 2);
        assert_eq!(
            composition_on(&reg.rows, h, day(9))[0].relationship,
            Relationship::Child
        );
        assert_eq!(
            composition_on(&reg.rows, h, day(10))[0].relationship,
            Relationship::Cohabitant
        );
    }

    #[test]
    fn overlap_in_another_household_is_refused() {
        let p = person(1);
        let mut reg = Register::default();
        reg.join(p, household(1), Relationship::Child, day(0))
            .unwrap();
        let e = reg
            .join(p, household(2), Relationship::ReferencePerson, day(30))
            .unwrap_err();
        assert_eq!(
            e,
            HouseholdRuleViolation::AlreadyInHousehold {
                household_id: household(1),
                joined_on: day(0),
                left_on: None,
                requested_on: day(30),
            }
        );
        assert_eq!(
            e.to_string(),
            format!(
                "the person already belongs to household {} from 2025-01-01 with no end date, \
                 which overlaps a membership starting on 2025-01-31",
                household(1)
            )
        );
        reg.leave(p, day(20)).unwrap();
        // a new membership may not start before a past one ended
        let e = reg
            .join(p, household(2), Relationship::ReferencePerson, day(19))
            .unwrap_err();
        assert!(e.to_string().contains("until 2025-01-21"), "{e}");
        reg.join(p, household(2), Relationship::ReferencePerson, day(20))
            .unwrap();
    }

    #[test]
    fn one_reference_person_per_household() {
        let h = household(1);
        let mut reg = Register::default();
        reg.join(person(1), h, Relationship::ReferencePerson, day(0))
            .unwrap();
        let e = reg
            .join(person(2), h, Relationship::ReferencePerson, day(5))
            .unwrap_err();
        assert!(matches!(
            e,
            HouseholdRuleViolation::ReferencePersonTaken { person_id, .. } if person_id == person(1)
        ));
        // another household is not affected
        reg.join(
            person(2),
            household(2),
            Relationship::ReferencePerson,
            day(5),
        )
        .unwrap();
        // once the reference person leaves, someone else takes the role from that day
        reg.leave(person(1), day(10)).unwrap();
        reg.join(person(3), h, Relationship::ReferencePerson, day(9))
            .unwrap_err();
        reg.join(person(3), h, Relationship::ReferencePerson, day(10))
            .unwrap();
    }

    #[test]
    fn composition_on_past_dates_shows_history() {
        let h = household(1);
        let mut reg = Register::default();
        reg.join(person(1), h, Relationship::ReferencePerson, day(0))
            .unwrap();
        reg.join(person(2), h, Relationship::Spouse, day(0))
            .unwrap();
        reg.join(person(3), h, Relationship::Child, day(100))
            .unwrap();
        reg.leave(person(2), day(50)).unwrap();
        reg.join(
            person(2),
            household(2),
            Relationship::ReferencePerson,
            day(50),
        )
        .unwrap();
        let ids = |h, date| -> Vec<Uuid> {
            composition_on(&reg.rows, h, date)
                .iter()
                .map(|m| m.person_id)
                .collect()
        };
        assert_eq!(ids(h, day(10)), [person(1), person(2)]);
        assert_eq!(ids(h, day(60)), [person(1)]);
        assert_eq!(ids(h, day(100)), [person(1), person(3)]);
        assert_eq!(ids(household(2), day(49)), Vec::<Uuid>::new());
        assert_eq!(ids(household(2), day(50)), [person(2)]);
        // nothing was deleted
        assert_eq!(reg.rows.len(), 4);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Join {
            person: u128,
            household: u128,
            relationship: Relationship,
            on: i64,
        },
        Leave {
            person: u128,
            on: i64,
        },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (
                0u128..5,
                0u128..3,
                proptest::sample::select(Relationship::ALL.to_vec()),
                0i64..60
            )
                .prop_map(|(person, household, relationship, on)| Op::Join {
                    person,
                    household,
                    relationship,
                    on,
                }),
            (0u128..5, 0i64..60).prop_map(|(person, on)| Op::Leave { person, on }),
        ]
    }

    proptest! {
        #[test]
        fn a_person_is_never_in_two_households_on_the_same_day(
            ops in proptest::collection::vec(op(), 0..80)
        ) {
            let mut reg = Register::default();
            for op in ops {
                // refused operations leave the register unchanged
                let _ = match op {
                    Op::Join { person: p, household: h, relationship, on } => {
                        reg.join(person(p), household(h), relationship, day(on))
                    }
                    Op::Leave { person: p, on } => reg.leave(person(p), day(on)),
                };
            }
            for d in -1..=61 {
                let date = day(d);
                for p in 0..5 {
                    let count = reg
                        .rows
                        .iter()
                        .filter(|m| m.person_id == person(p) && m.is_current_on(date))
                        .count();
                    prop_assert!(count <= 1, "person {} is in {} households on {}", p, count, date);
                }
                for h in 0..3 {
                    let composition = composition_on(&reg.rows, household(h), date);
                    let references = composition
                        .iter()
                        .filter(|m| m.relationship == Relationship::ReferencePerson)
                        .count();
                    prop_assert!(references <= 1);
                    if references == 1 {
                        prop_assert_eq!(composition[0].relationship, Relationship::ReferencePerson);
                    }
                }
            }
        }
    }
}
