//! The lifecycle of a case file: its statuses, the transitions between them, closing reasons.

use super::*;

/// Where a case file stands in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CaseStatus {
    /// First access: the assessment is running, the person is not yet taken in charge.
    Intake,
    /// In carico: the office is working with the person.
    Active,
    /// Temporarily paused (e.g. hospital stay, detention, temporary absence).
    Suspended,
    /// Closed with a closing reason; it can be reopened.
    Closed,
}

coded_enum!(CaseStatus, "case status", {
    Intake => "intake",
    Active => "active",
    Suspended => "suspended",
    Closed => "closed",
});

/// A closed case file takes no new work (projects, pacts, assessments, referrals…) until it is
/// reopened; `to_do` says what was refused, e.g. "draw up new projects".
pub fn check_takes_new_work(status: CaseStatus, to_do: &str) -> Result<(), String> {
    if status == CaseStatus::Closed {
        Err(format!("the case file is closed: reopen it to {to_do}"))
    } else {
        Ok(())
    }
}

/// Whether a case file being opened waits for the area coordinator's confirmation of the taking
/// in charge before its case manager and team reach the person's special categories.
///
/// Opening a file must not by itself unlock what other areas recorded about the person
/// (health, ethnicity, legal status, justice): a social worker who opens a file for a person
/// another area has in charge (`in_charge_elsewhere`: a file not closed in another area) waits
/// for the coordinator of the file's area. A coordinator of that area opening it is that
/// confirmation; a person nobody else has in charge needs none.
pub fn needs_confirmation(in_charge_elsewhere: bool, opener_coordinates_area: bool) -> bool {
    in_charge_elsewhere && !opener_coordinates_area
}

/// A change of status requested on a case file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CaseTransition {
    /// `intake` → `active`: the person is taken in charge.
    Activate,
    /// `active` → `suspended`.
    Suspend,
    /// `suspended` → `active`.
    Resume,
    /// `intake` | `active` | `suspended` → `closed`; requires a closing reason.
    Close,
    /// `closed` → `active`.
    Reopen,
}

coded_enum!(CaseTransition, "case transition", {
    Activate => "activate",
    Suspend => "suspend",
    Resume => "resume",
    Close => "close",
    Reopen => "reopen",
});

impl CaseTransition {
    /// The status reached by applying this transition to `from`, if it is allowed.
    fn target(self, from: CaseStatus) -> Option<CaseStatus> {
        use CaseStatus as S;
        use CaseTransition as T;
        match (from, self) {
            (S::Intake, T::Activate) | (S::Suspended, T::Resume) | (S::Closed, T::Reopen) => {
                Some(S::Active)
            }
            (S::Active, T::Suspend) => Some(S::Suspended),
            (S::Intake | S::Active | S::Suspended, T::Close) => Some(S::Closed),
            _ => None,
        }
    }
}

impl CaseStatus {
    /// The transitions allowed from this status, in the order of [`CaseTransition::ALL`].
    pub fn allowed_transitions(self) -> Vec<CaseTransition> {
        CaseTransition::ALL
            .into_iter()
            .filter(|t| t.target(self).is_some())
            .collect()
    }
}

/// A transition that the case file lifecycle does not allow from the current status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot `{transition}` a case file in status `{from}`; allowed transitions: {}",
    code_list(.allowed)
)]
pub struct IllegalTransition {
    /// The current status of the case file.
    pub from: CaseStatus,
    /// The transition that was requested.
    pub transition: CaseTransition,
    /// The transitions allowed from `from`.
    pub allowed: Vec<CaseTransition>,
}

/// Applies `transition` to a case file in `status`, returning the new status.
pub fn apply(
    status: CaseStatus,
    transition: CaseTransition,
) -> Result<CaseStatus, IllegalTransition> {
    transition.target(status).ok_or_else(|| IllegalTransition {
        from: status,
        transition,
        allowed: status.allowed_transitions(),
    })
}

/// Why a case file is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClosingReason {
    /// The goals of the project were achieved.
    GoalsAchieved,
    /// The person moved to another municipality.
    MovedAway,
    /// The person is now followed by another service.
    TransferredToOtherService,
    /// The person died.
    Deceased,
    /// The person refused the services offered.
    RefusedServices,
    /// The person no longer meets the conditions to be taken in charge.
    NoLongerEligible,
    /// The office lost contact with the person.
    LostContact,
    /// The file duplicated another case file of the same person and was merged into it.
    MergedDuplicate,
    /// Another reason, explained in the reason text.
    Other,
}

coded_enum!(ClosingReason, "closing reason", {
    GoalsAchieved => "goals_achieved",
    MovedAway => "moved_away",
    TransferredToOtherService => "transferred_to_other_service",
    Deceased => "deceased",
    RefusedServices => "refused_services",
    NoLongerEligible => "no_longer_eligible",
    LostContact => "lost_contact",
    MergedDuplicate => "merged_duplicate",
    Other => "other",
});

/// Maximum length, in characters, of the reason text of a transition.
pub const TRANSITION_REASON_MAX_CHARS: usize = 2000;

/// Checks the data that accompanies a transition request, independently of the current status.
///
/// The reason text is mandatory for every transition (1 to [`TRANSITION_REASON_MAX_CHARS`]
/// characters after trimming; field `reason`). A closing reason is required to `close` and
/// refused for every other transition (field `closing_reason`).
pub fn check_transition_request(
    transition: CaseTransition,
    closing_reason: Option<ClosingReason>,
    reason_text: &str,
) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    match (transition, closing_reason) {
        (CaseTransition::Close, None) => errors.push(FieldError::new(
            "closing_reason",
            "a closing reason is required to close a case file",
        )),
        (CaseTransition::Close, Some(_)) | (_, None) => {}
        (other, Some(_)) => errors.push(FieldError::new(
            "closing_reason",
            format!(
                "a closing reason is allowed only when closing a case file, not with `{other}`"
            ),
        )),
    }
    let len = reason_text.trim().chars().count();
    if len == 0 {
        errors.push(FieldError::new(
            "reason",
            "a reason is required for every change of status",
        ));
    } else if len > TRANSITION_REASON_MAX_CHARS {
        errors.push(FieldError::new(
            "reason",
            format!("must be at most {TRANSITION_REASON_MAX_CHARS} characters long"),
        ));
    }
    errors.into_result(())
}
