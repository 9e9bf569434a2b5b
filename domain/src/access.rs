//! The access policy: what each role may do.
//!
//! This first version covers staff account administration; the need-to-know rules on case data
//! (areas, case teams, restricted groups, break-glass) extend it in the access-control work.

use std::collections::BTreeSet;

use crate::staff::Role;

/// An action a caller asks to perform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Create, list, read, update, disable or enable staff accounts.
    ManageStaffAccounts,
    /// Read one's own account.
    ReadOwnAccount,
    /// Read or write the people the office serves and their case files. Until the need-to-know
    /// rules land, every staff role may, except `system_admin` and `privacy_officer`, who never
    /// see case content.
    AccessCaseData,
    /// Search the audit trail and read the access report of a person: `privacy_officer` and
    /// `office_manager`.
    ReadAuditTrail,
    /// Verify the hash chain of the audit trail: `privacy_officer` and `office_manager`.
    VerifyAuditTrail,
    /// Review (list and acknowledge) break-glass accesses: `office_manager`.
    ReviewBreakGlass,
    /// Open a case file outside one's case team in an emergency ("break-glass"): the staff who
    /// work on cases (`social_worker`, `educator`, `area_coordinator`, `office_manager`); never
    /// `administrative`, `system_admin` or `privacy_officer`.
    RequestBreakGlass,
}

impl Action {
    /// Code recorded in the audit trail.
    pub fn code(self) -> &'static str {
        match self {
            Action::ManageStaffAccounts => "user.manage",
            Action::ReadOwnAccount => "user.read_self",
            Action::AccessCaseData => "case_data.access",
            Action::ReadAuditTrail => "audit.read",
            Action::VerifyAuditTrail => "audit.verify",
            Action::ReviewBreakGlass => "break_glass.review",
            Action::RequestBreakGlass => "case_file.break_glass",
        }
    }
}

/// Whether a caller holding `roles` may perform `action`.
pub fn permits(roles: &BTreeSet<Role>, action: Action) -> bool {
    match action {
        Action::ManageStaffAccounts => roles.contains(&Role::SystemAdmin),
        Action::ReadOwnAccount => !roles.is_empty(),
        Action::AccessCaseData => roles
            .iter()
            .any(|r| !matches!(r, Role::SystemAdmin | Role::PrivacyOfficer)),
        Action::ReadAuditTrail | Action::VerifyAuditTrail => roles
            .iter()
            .any(|r| matches!(r, Role::PrivacyOfficer | Role::OfficeManager)),
        Action::ReviewBreakGlass => roles.contains(&Role::OfficeManager),
        Action::RequestBreakGlass => roles.iter().any(|r| {
            matches!(
                r,
                Role::SocialWorker | Role::Educator | Role::AreaCoordinator | Role::OfficeManager
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_system_admins_manage_accounts() {
        for role in Role::ALL {
            let roles = BTreeSet::from([role]);
            assert_eq!(
                permits(&roles, Action::ManageStaffAccounts),
                role == Role::SystemAdmin,
                "{role}"
            );
            assert!(permits(&roles, Action::ReadOwnAccount));
            assert_eq!(
                permits(&roles, Action::AccessCaseData),
                !matches!(role, Role::SystemAdmin | Role::PrivacyOfficer),
                "{role}"
            );
        }
    }

    #[test]
    fn audit_trail_is_for_privacy_officers_and_office_managers() {
        for role in Role::ALL {
            let roles = BTreeSet::from([role]);
            let expected = matches!(role, Role::PrivacyOfficer | Role::OfficeManager);
            assert_eq!(permits(&roles, Action::ReadAuditTrail), expected, "{role}");
            assert_eq!(
                permits(&roles, Action::VerifyAuditTrail),
                expected,
                "{role}"
            );
            assert_eq!(
                permits(&roles, Action::ReviewBreakGlass),
                role == Role::OfficeManager,
                "{role}"
            );
        }
    }

    #[test]
    fn break_glass_is_for_case_workers_only() {
        for role in Role::ALL {
            let roles = BTreeSet::from([role]);
            assert_eq!(
                permits(&roles, Action::RequestBreakGlass),
                matches!(
                    role,
                    Role::SocialWorker
                        | Role::Educator
                        | Role::AreaCoordinator
                        | Role::OfficeManager
                ),
                "{role}"
            );
        }
        // A privacy officer who is also a social worker may, through the latter role.
        let both = BTreeSet::from([Role::PrivacyOfficer, Role::SocialWorker]);
        assert!(permits(&both, Action::RequestBreakGlass));
        assert!(permits(&both, Action::ReadAuditTrail));
    }

    #[test]
    fn new_actions_have_distinct_codes() {
        let codes = [
            Action::ManageStaffAccounts,
            Action::ReadOwnAccount,
            Action::AccessCaseData,
            Action::ReadAuditTrail,
            Action::VerifyAuditTrail,
            Action::ReviewBreakGlass,
            Action::RequestBreakGlass,
        ]
        .map(Action::code);
        let unique: BTreeSet<&str> = codes.iter().copied().collect();
        assert_eq!(unique.len(), codes.len());
    }
}
