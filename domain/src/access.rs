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
}

impl Action {
    /// Code recorded in the audit trail.
    pub fn code(self) -> &'static str {
        match self {
            Action::ManageStaffAccounts => "user.manage",
            Action::ReadOwnAccount => "user.read_self",
            Action::AccessCaseData => "case_data.access",
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
}
