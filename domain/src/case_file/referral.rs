//! Referrals to and from external services: directions, statuses, transitions.

use super::*;

/// Whether a referral leaves the office or arrives at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReferralDirection {
    /// Sent by the office to another service (invio).
    Outgoing,
    /// Received by the office from another service (segnalazione).
    Incoming,
}

coded_enum!(ReferralDirection, "referral direction", {
    Outgoing => "outgoing",
    Incoming => "incoming",
});

/// Where a referral stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReferralStatus {
    /// Sent, waiting for the receiving service's reply.
    Sent,
    /// Accepted by the receiving service.
    Accepted,
    /// Rejected by the receiving service.
    Rejected,
    /// Closed; no further change.
    Closed,
}

coded_enum!(ReferralStatus, "referral status", {
    Sent => "sent",
    Accepted => "accepted",
    Rejected => "rejected",
    Closed => "closed",
});

/// A change of status requested on a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReferralTransition {
    /// `sent` → `accepted`.
    Accept,
    /// `sent` → `rejected`.
    Reject,
    /// `accepted` | `rejected` → `closed`.
    Close,
}

coded_enum!(ReferralTransition, "referral transition", {
    Accept => "accept",
    Reject => "reject",
    Close => "close",
});

impl ReferralTransition {
    /// The status reached by applying this transition to `from`, if it is allowed.
    fn target(self, from: ReferralStatus) -> Option<ReferralStatus> {
        use ReferralStatus as S;
        use ReferralTransition as T;
        match (from, self) {
            (S::Sent, T::Accept) => Some(S::Accepted),
            (S::Sent, T::Reject) => Some(S::Rejected),
            (S::Accepted | S::Rejected, T::Close) => Some(S::Closed),
            _ => None,
        }
    }
}

impl ReferralStatus {
    /// The transitions allowed from this status, in the order of [`ReferralTransition::ALL`].
    pub fn allowed_transitions(self) -> Vec<ReferralTransition> {
        ReferralTransition::ALL
            .into_iter()
            .filter(|t| t.target(self).is_some())
            .collect()
    }
}

/// A transition that the referral lifecycle does not allow from the current status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot `{transition}` a referral in status `{from}`; allowed transitions: {}",
    code_list(.allowed)
)]
pub struct IllegalReferralTransition {
    /// The current status of the referral.
    pub from: ReferralStatus,
    /// The transition that was requested.
    pub transition: ReferralTransition,
    /// The transitions allowed from `from` (empty once closed).
    pub allowed: Vec<ReferralTransition>,
}

/// Applies `transition` to a referral in `status`, returning the new status.
pub fn apply_referral(
    status: ReferralStatus,
    transition: ReferralTransition,
) -> Result<ReferralStatus, IllegalReferralTransition> {
    transition
        .target(status)
        .ok_or_else(|| IllegalReferralTransition {
            from: status,
            transition,
            allowed: status.allowed_transitions(),
        })
}

/// The kind of service a referral is sent to or received from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExternalService {
    /// Centro per l'impiego.
    EmploymentCentre,
    /// Agenzia del Lavoro.
    LabourAgency,
    /// Centro di salute mentale (CSM).
    MentalHealthCentre,
    /// Servizio per le dipendenze (SerD).
    AddictionService,
    /// Ufficio di esecuzione penale esterna (UEPE).
    ProbationOffice,
    /// Distretto sanitario.
    HealthDistrict,
    /// Cooperativa sociale.
    Cooperative,
    /// Any other service, named in the referral.
    Other,
}

coded_enum!(ExternalService, "external service", {
    EmploymentCentre => "employment_centre",
    LabourAgency => "labour_agency",
    MentalHealthCentre => "mental_health_centre",
    AddictionService => "addiction_service",
    ProbationOffice => "probation_office",
    HealthDistrict => "health_district",
    Cooperative => "cooperative",
    Other => "other",
});
