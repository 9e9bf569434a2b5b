//! Who may be named in a case file's team, and the rules of a change to the team: a new case
//! manager, the end of an assignment, the special categories granted to a member.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use uuid::Uuid;

use super::{TeamMember, TeamRole};
use crate::access::{Action, permits};
use crate::{Area, Role};

/// What the office knows of a staff member named in a request (as case manager, as a member
/// of a team).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffFacts {
    /// Whether the account is active.
    pub active: bool,
    /// Their roles.
    pub roles: BTreeSet<Role>,
    /// Their areas.
    pub areas: BTreeSet<Area>,
}

/// Checks that a staff member may work on cases: known, active, with a role that writes case
/// content, and, when `required` names one, holding that role in that area. `None` is an
/// unknown user.
pub fn check_case_worker(
    staff: Option<&StaffFacts>,
    required: Option<(Role, Area)>,
) -> Result<(), String> {
    let Some(staff) = staff else {
        return Err("no user with this id".into());
    };
    if !staff.active {
        return Err("the account is disabled".into());
    }
    if !permits(&staff.roles, Action::WriteCaseContent) {
        return Err("this user does not work on cases".into());
    }
    if let Some((role, area)) = required
        && (!staff.roles.contains(&role) || !staff.areas.contains(&area))
    {
        return Err(format!("must be a {role} of the area {area}"));
    }
    Ok(())
}

/// The case manager a file must have: a social worker of its area.
pub fn case_manager_requirement(area: Area) -> (Role, Area) {
    (Role::SocialWorker, area)
}

/// Checks the first day of a new assignment: not before the file was opened.
pub fn check_assignment_start(from: NaiveDate, opened_on: NaiveDate) -> Result<(), String> {
    if from < opened_on {
        Err("must not be before the file was opened".into())
    } else {
        Ok(())
    }
}

/// The assignments to end (by id) when a new case manager starts on `from`: the current case
/// manager's, which ends on `from`. Refused when it started on or after `from`.
pub fn case_manager_handover(team: &[TeamMember], from: NaiveDate) -> Result<Vec<Uuid>, String> {
    let mut ending = Vec::new();
    for member in team.iter().filter(|m| {
        m.assignment.role == TeamRole::CaseManager && m.assignment.until.is_none_or(|u| u > from)
    }) {
        if member.assignment.from >= from {
            return Err("must be after the start of the current case manager's assignment".into());
        }
        ending.push(member.id);
    }
    Ok(ending)
}

/// Why a change to one assignment is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignmentRefusal {
    /// The case manager is replaced, not removed, and has the special categories by role.
    #[error("{0}")]
    CaseManager(&'static str),
    /// The assignment has ended.
    #[error("{0}")]
    Ended(&'static str),
    /// The requested day is not after the first day of the assignment (a field error).
    #[error("must be after the first day of the assignment")]
    EndsBeforeStart,
}

/// Checks the end of an assignment on `until`: not the case manager's, not already ended,
/// after its first day.
pub fn check_assignment_end(
    member: &TeamMember,
    until: NaiveDate,
) -> Result<(), AssignmentRefusal> {
    if member.assignment.role == TeamRole::CaseManager {
        return Err(AssignmentRefusal::CaseManager(
            "the case manager is replaced, not removed: reassign the file",
        ));
    }
    if member.assignment.until.is_some() {
        return Err(AssignmentRefusal::Ended("the assignment has already ended"));
    }
    if until <= member.assignment.from {
        return Err(AssignmentRefusal::EndsBeforeStart);
    }
    Ok(())
}

/// Checks a grant or withdrawal of the special categories to a member on `today`: not the case
/// manager (they have them by role), not an assignment that has ended.
pub fn check_sensitive_access_change(
    member: &TeamMember,
    today: NaiveDate,
) -> Result<(), AssignmentRefusal> {
    if member.assignment.role == TeamRole::CaseManager {
        return Err(AssignmentRefusal::CaseManager(
            "the case manager has the special categories by role",
        ));
    }
    if member.assignment.until.is_some_and(|until| until <= today) {
        return Err(AssignmentRefusal::Ended("the assignment has ended"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case_file::TeamAssignment;
    use chrono::Utc;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn member(role: TeamRole, from: NaiveDate, until: Option<NaiveDate>) -> TeamMember {
        TeamMember {
            id: Uuid::now_v7(),
            assignment: TeamAssignment {
                staff_id: Uuid::now_v7(),
                role,
                from,
                until,
            },
            assigned_by: Uuid::now_v7(),
            recorded_at: Utc::now(),
            sensitive_access: false,
        }
    }

    fn staff(active: bool, roles: &[Role], areas: &[Area]) -> StaffFacts {
        StaffFacts {
            active,
            roles: roles.iter().copied().collect(),
            areas: areas.iter().copied().collect(),
        }
    }

    #[test]
    fn a_case_worker_is_known_active_and_works_on_cases() {
        let area = Area::SocialInclusion;
        assert_eq!(
            check_case_worker(None, None).unwrap_err(),
            "no user with this id"
        );
        let disabled = staff(false, &[Role::SocialWorker], &[area]);
        assert_eq!(
            check_case_worker(Some(&disabled), None).unwrap_err(),
            "the account is disabled"
        );
        let admin = staff(true, &[Role::SystemAdmin], &[]);
        assert_eq!(
            check_case_worker(Some(&admin), None).unwrap_err(),
            "this user does not work on cases"
        );
        let worker = staff(true, &[Role::SocialWorker], &[area]);
        assert!(check_case_worker(Some(&worker), Some(case_manager_requirement(area))).is_ok());
        let elsewhere = staff(true, &[Role::SocialWorker], &[Area::Transversal]);
        assert!(
            check_case_worker(Some(&elsewhere), Some(case_manager_requirement(area)))
                .unwrap_err()
                .starts_with("must be a social_worker")
        );
        assert!(check_case_worker(Some(&elsewhere), None).is_ok());
    }

    #[test]
    fn an_assignment_starts_on_or_after_the_opening() {
        assert!(check_assignment_start(day(2026, 1, 10), day(2026, 1, 10)).is_ok());
        assert!(check_assignment_start(day(2026, 1, 9), day(2026, 1, 10)).is_err());
    }

    #[test]
    fn a_new_case_manager_ends_the_current_one() {
        let current = member(TeamRole::CaseManager, day(2026, 1, 1), None);
        let past = member(
            TeamRole::CaseManager,
            day(2025, 1, 1),
            Some(day(2026, 1, 1)),
        );
        let educator = member(TeamRole::Educator, day(2026, 1, 1), None);
        let team = vec![past, current.clone(), educator];
        assert_eq!(
            case_manager_handover(&team, day(2026, 2, 1)).unwrap(),
            vec![current.id]
        );
        assert!(case_manager_handover(&team, day(2026, 1, 1)).is_err());
        assert!(
            case_manager_handover(&[], day(2026, 1, 1))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn only_a_current_member_who_is_not_the_case_manager_is_ended_or_granted() {
        let today = day(2026, 3, 1);
        let manager = member(TeamRole::CaseManager, day(2026, 1, 1), None);
        assert!(matches!(
            check_assignment_end(&manager, today),
            Err(AssignmentRefusal::CaseManager(_))
        ));
        assert!(matches!(
            check_sensitive_access_change(&manager, today),
            Err(AssignmentRefusal::CaseManager(_))
        ));
        let ended = member(TeamRole::Educator, day(2026, 1, 1), Some(day(2026, 2, 1)));
        assert!(matches!(
            check_assignment_end(&ended, today),
            Err(AssignmentRefusal::Ended(_))
        ));
        assert!(matches!(
            check_sensitive_access_change(&ended, today),
            Err(AssignmentRefusal::Ended(_))
        ));
        let ending_later = member(TeamRole::Educator, day(2026, 1, 1), Some(day(2026, 4, 1)));
        assert!(check_sensitive_access_change(&ending_later, today).is_ok());
        let educator = member(TeamRole::Educator, day(2026, 1, 1), None);
        assert_eq!(
            check_assignment_end(&educator, day(2026, 1, 1)),
            Err(AssignmentRefusal::EndsBeforeStart)
        );
        assert!(check_assignment_end(&educator, today).is_ok());
        assert!(check_sensitive_access_change(&educator, today).is_ok());
    }
}
