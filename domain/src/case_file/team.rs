//! The team of a case file: roles, assignments over periods, one case manager at a time.

use super::*;

/// The role of a staff member in the team of a case file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TeamRole {
    /// The responsible social worker; one at a time per case file.
    CaseManager,
    /// Another social worker of the team.
    SocialWorker,
    /// Educatore professionale.
    Educator,
    /// Any other member of the team.
    Other,
}

coded_enum!(TeamRole, "team role", {
    CaseManager => "case_manager",
    SocialWorker => "social_worker",
    Educator => "educator",
    Other => "other",
});

/// Whether two periods share at least one day.
///
/// Each period includes its start (`from`) and excludes its end (`to`); `None` means
/// open-ended. An empty period (`to <= from`) overlaps nothing.
pub fn periods_overlap(
    a_from: NaiveDate,
    a_to: Option<NaiveDate>,
    b_from: NaiveDate,
    b_to: Option<NaiveDate>,
) -> bool {
    let a_nonempty = a_to.is_none_or(|to| to > a_from);
    let b_nonempty = b_to.is_none_or(|to| to > b_from);
    a_nonempty
        && b_nonempty
        && a_to.is_none_or(|to| b_from < to)
        && b_to.is_none_or(|to| a_from < to)
}

/// A staff member's place in the team of a case file over a period `[from, until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeamAssignment {
    /// The staff member.
    pub staff_id: Uuid,
    /// Their role in the team.
    pub role: TeamRole,
    /// First day of the assignment.
    pub from: NaiveDate,
    /// Day the assignment ended (exclusive); `None` while it is current.
    pub until: Option<NaiveDate>,
}

impl TeamAssignment {
    /// Whether the assignment holds on `date`.
    pub fn is_current_on(&self, date: NaiveDate) -> bool {
        self.from <= date && self.until.is_none_or(|until| date < until)
    }
}

/// Why a team assignment is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TeamRuleViolation {
    /// The period ends on or before the day it starts.
    #[error("the assignment must end after it starts ({from} to {until})")]
    EmptyPeriod {
        /// Requested first day.
        from: NaiveDate,
        /// Requested (exclusive) end.
        until: NaiveDate,
    },
    /// Another case manager is assigned over part of the period.
    #[error(
        "the case file already has a case manager ({staff_id}) from {from} {}",
        until_text(.until)
    )]
    CaseManagerOverlap {
        /// The case manager already assigned.
        staff_id: Uuid,
        /// First day of their assignment.
        from: NaiveDate,
        /// Exclusive end of their assignment.
        until: Option<NaiveDate>,
    },
    /// The same staff member is already in the team over part of the period.
    #[error(
        "the staff member is already in the team as `{role}` from {from} {}",
        until_text(.until)
    )]
    AlreadyInTeam {
        /// Their existing role.
        role: TeamRole,
        /// First day of the existing assignment.
        from: NaiveDate,
        /// Exclusive end of the existing assignment.
        until: Option<NaiveDate>,
    },
}

/// Checks a new (or changed) assignment against the other assignments of the same case file:
/// its period is not empty, there is at most one case manager on any day, and a staff member
/// holds at most one place in the team on any day.
///
/// When changing an assignment, pass the others in `existing`, not the one being changed.
pub fn check_team_assignment(
    existing: &[TeamAssignment],
    new: &TeamAssignment,
) -> Result<(), TeamRuleViolation> {
    if let Some(until) = new.until
        && until <= new.from
    {
        return Err(TeamRuleViolation::EmptyPeriod {
            from: new.from,
            until,
        });
    }
    let overlapping = existing
        .iter()
        .filter(|a| periods_overlap(a.from, a.until, new.from, new.until));
    for other in overlapping {
        if other.staff_id == new.staff_id {
            return Err(TeamRuleViolation::AlreadyInTeam {
                role: other.role,
                from: other.from,
                until: other.until,
            });
        }
        if new.role == TeamRole::CaseManager && other.role == TeamRole::CaseManager {
            return Err(TeamRuleViolation::CaseManagerOverlap {
                staff_id: other.staff_id,
                from: other.from,
                until: other.until,
            });
        }
    }
    Ok(())
}
