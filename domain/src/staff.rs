//! Staff of the office: roles, areas and the identity of a user account.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use crate::error::{FieldError, ValidationErrors};

/// A staff role, as listed in the office's organisation chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Assistente sociale: case manager of the case files assigned to them.
    SocialWorker,
    /// Educatore professionale: works inside case teams.
    Educator,
    /// Coordinatore d'area: sees and reassigns every case of their areas.
    AreaCoordinator,
    /// Responsabile dell'ufficio: reads everything of the office.
    OfficeManager,
    /// Personale amministrativo: bookkeeping, never diary or health data.
    Administrative,
    /// Referente privacy / DPO: reads the audit trail, never case content.
    PrivacyOfficer,
    /// Amministratore di sistema: users, roles, configuration; never case content.
    SystemAdmin,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Role; 7] = [
        Role::SocialWorker,
        Role::Educator,
        Role::AreaCoordinator,
        Role::OfficeManager,
        Role::Administrative,
        Role::PrivacyOfficer,
        Role::SystemAdmin,
    ];

    /// The code used in the API, in tokens and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SocialWorker => "social_worker",
            Role::Educator => "educator",
            Role::AreaCoordinator => "area_coordinator",
            Role::OfficeManager => "office_manager",
            Role::Administrative => "administrative",
            Role::PrivacyOfficer => "privacy_officer",
            Role::SystemAdmin => "system_admin",
        }
    }

    /// Whether holding the role gives sight of personal data: case content for every role that
    /// works cases (social worker, educator, area coordinator, office manager, administrative
    /// staff), the audit trail for the privacy officer (it names persons and what was read about
    /// them). Only `system_admin` sees neither, which is why it may not be combined with any of
    /// them: whoever grants roles must not be able to grant themselves access to the data.
    pub fn reads_personal_data(self) -> bool {
        !matches!(self, Role::SystemAdmin)
    }

    /// Whether a user holding this role must belong to at least one area:
    /// the roles whose work is organised by area.
    pub fn requires_area(self) -> bool {
        matches!(
            self,
            Role::SocialWorker | Role::Educator | Role::AreaCoordinator
        )
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role `{s}`"))
    }
}

/// An area of the office; a case file is owned by one area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Area {
    /// Area adulti e persone con disabilità.
    AdultsDisability,
    /// Area inclusione sociale.
    SocialInclusion,
    /// Area trasversale.
    Transversal,
}

impl Area {
    /// Every area, in a stable order.
    pub const ALL: [Area; 3] = [
        Area::AdultsDisability,
        Area::SocialInclusion,
        Area::Transversal,
    ];

    /// The code used in the API, in tokens and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Area::AdultsDisability => "adults_disability",
            Area::SocialInclusion => "social_inclusion",
            Area::Transversal => "transversal",
        }
    }
}

impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Area {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Area::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| format!("unknown area `{s}`"))
    }
}

/// A login name: 3 to 64 characters among lower-case ASCII letters, digits, `.`, `_` and `-`,
/// starting with a letter. Input is trimmed and lower-cased, so `M.Rossi` and `m.rossi` are one user.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Username(String);

impl Username {
    /// Parses and normalises a login name.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = raw.trim().to_ascii_lowercase();
        let len = value.chars().count();
        if !(3..=64).contains(&len) {
            return Err("must be between 3 and 64 characters long".into());
        }
        let mut chars = value.chars();
        if !chars.next().is_some_and(|c| c.is_ascii_lowercase()) {
            return Err("must start with a letter".into());
        }
        if !value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        {
            return Err("may contain only letters a-z, digits, `.`, `_` and `-`".into());
        }
        Ok(Self(value))
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The name shown to colleagues, e.g. `Maria Rossi`: 1 to 200 characters after trimming, no
/// control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// Parses a display name: invisible characters removed and NFC as for persons' names
    /// ([`crate::names::clean`]), trimmed.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let cleaned = crate::names::clean(raw);
        let value = cleaned.trim();
        let len = value.chars().count();
        if len == 0 {
            return Err("must not be empty".into());
        }
        if len > 200 {
            return Err("must be at most 200 characters long".into());
        }
        if value.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        Ok(Self(value.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A work e-mail address: `local@domain.tld`, at most 254 characters, stored lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses an e-mail address with the checks that matter for a staff directory: one `@`,
    /// a non-empty local part, a domain with at least one dot and no empty label, no spaces.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = raw.trim().to_lowercase();
        if value.len() > 254 {
            return Err("must be at most 254 characters long".into());
        }
        let invalid = || "must be an e-mail address such as name@comune.example.it".to_owned();
        let (local, domain) = value.split_once('@').ok_or_else(invalid)?;
        if local.is_empty()
            || local.len() > 64
            || domain.contains('@')
            || value.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(invalid());
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2
            || labels.iter().any(|l| {
                l.is_empty()
                    || l.starts_with('-')
                    || l.ends_with('-')
                    || !l.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
        {
            return Err(invalid());
        }
        Ok(Self(value))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password that meets the office's policy: 12 to 128 characters, not only one kind of
/// character, and not containing the username. The upper bound keeps hashing cost bounded.
pub struct Password(String);

impl Password {
    /// Minimum length, in characters.
    pub const MIN_LEN: usize = 12;
    /// Maximum length, in characters.
    pub const MAX_LEN: usize = 128;

    /// Checks a new password against the policy.
    pub fn parse(raw: &str, username: Option<&Username>) -> Result<Self, String> {
        let len = raw.chars().count();
        if len < Self::MIN_LEN {
            return Err(format!(
                "must be at least {} characters long",
                Self::MIN_LEN
            ));
        }
        if len > Self::MAX_LEN {
            return Err(format!("must be at most {} characters long", Self::MAX_LEN));
        }
        let distinct: BTreeSet<char> = raw.chars().collect();
        if distinct.len() < 5 {
            return Err("must use at least 5 different characters".into());
        }
        if let Some(user) = username
            && raw.to_lowercase().contains(user.as_str())
        {
            return Err("must not contain the username".into());
        }
        Ok(Self(raw.to_owned()))
    }

    /// The clear-text password, to be hashed and then dropped.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// What a staff member is allowed to be: their roles and their areas.
///
/// Invariants: at least one role; no duplicates (sets); a role organised by area
/// (`social_worker`, `educator`, `area_coordinator`) requires at least one area; `system_admin`
/// stands alone (separation of duties: see [`Role::reads_personal_data`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffProfile {
    roles: BTreeSet<Role>,
    areas: BTreeSet<Area>,
}

impl StaffProfile {
    /// Builds a profile from role and area codes, reporting each invalid entry by position.
    pub fn parse(roles: &[String], areas: &[String]) -> Result<Self, ValidationErrors> {
        let (roles, areas) = Self::parse_codes(roles, areas)?;
        Self::new(roles, areas)
    }

    /// Like [`StaffProfile::parse`], for codes read back from storage (see
    /// [`StaffProfile::stored`]).
    pub fn parse_stored(roles: &[String], areas: &[String]) -> Result<Self, ValidationErrors> {
        let (roles, areas) = Self::parse_codes(roles, areas)?;
        Self::stored(roles, areas)
    }

    fn parse_codes(
        roles: &[String],
        areas: &[String],
    ) -> Result<(BTreeSet<Role>, BTreeSet<Area>), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut role_set = BTreeSet::new();
        for (i, code) in roles.iter().enumerate() {
            if let Some(role) = errors.collect(&format!("roles/{i}"), code.parse::<Role>()) {
                role_set.insert(role);
            }
        }
        let mut area_set = BTreeSet::new();
        for (i, code) in areas.iter().enumerate() {
            if let Some(area) = errors.collect(&format!("areas/{i}"), code.parse::<Area>()) {
                area_set.insert(area);
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok((role_set, area_set))
    }

    /// Builds a profile from already-typed roles and areas.
    pub fn new(roles: BTreeSet<Role>, areas: BTreeSet<Area>) -> Result<Self, ValidationErrors> {
        if roles.contains(&Role::SystemAdmin) {
            let readers: Vec<&str> = roles
                .iter()
                .filter(|r| r.reads_personal_data())
                .map(|r| r.as_str())
                .collect();
            if !readers.is_empty() {
                return Err(ValidationErrors::single(
                    "roles",
                    format!(
                        "system_admin cannot be combined with roles that read case content or the audit trail ({}): give them to another account",
                        readers.join(", ")
                    ),
                ));
            }
        }
        Self::stored(roles, areas)
    }

    /// Builds a profile read back from storage: the invariants of [`StaffProfile::new`] except
    /// the separation of `system_admin`, so that an account created before that rule still
    /// loads (and logs in); its next change of roles must separate them.
    pub fn stored(roles: BTreeSet<Role>, areas: BTreeSet<Area>) -> Result<Self, ValidationErrors> {
        if roles.is_empty() {
            return Err(ValidationErrors::single(
                "roles",
                "at least one role is required",
            ));
        }
        if areas.is_empty()
            && let Some(role) = roles.iter().find(|r| r.requires_area())
        {
            let mut errors = ValidationErrors::new();
            errors.push(FieldError::new(
                "areas",
                format!("the role `{role}` requires at least one area"),
            ));
            return Err(errors);
        }
        Ok(Self { roles, areas })
    }

    /// The roles, sorted.
    pub fn roles(&self) -> &BTreeSet<Role> {
        &self.roles
    }

    /// The areas, sorted.
    pub fn areas(&self) -> &BTreeSet<Area> {
        &self.areas
    }

    /// Whether the profile holds `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// A staff account as the office knows it (the password hash is never part of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    /// Stable identifier (UUID v7).
    pub id: uuid::Uuid,
    /// Login name.
    pub username: Username,
    /// Name shown to colleagues.
    pub display_name: DisplayName,
    /// Work e-mail address.
    pub email: Email,
    /// Roles and areas.
    pub profile: StaffProfile,
    /// False once the account is disabled: it can no longer log in or use its tokens.
    pub active: bool,
    /// When the account was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When the account was last changed.
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// When the account was disabled, if it is.
    pub disabled_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Version for optimistic concurrency: 1 when created, one more at each change.
    pub version: i64,
}

/// Why a change to a staff account is refused by the office's rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountRuleViolation {
    /// A system administrator may not disable their own account.
    #[error("you cannot disable your own account")]
    DisableSelf,
    /// Nobody changes their own roles or areas: an administrator could otherwise grant
    /// themselves access to case content or the audit trail.
    #[error("you cannot change your own roles or areas: another system administrator must do it")]
    ChangeOwnProfile,
}

impl AccountRuleViolation {
    /// Whether the refusal is a matter of authorization (403: nobody may do this to their own
    /// account) rather than of the account's state (409).
    pub fn is_forbidden(&self) -> bool {
        matches!(self, AccountRuleViolation::ChangeOwnProfile)
    }
}

/// Checks an administrator's change to the account `target_id`: nobody disables their own
/// account (it would lock them out) or changes their own roles or areas (`current` to
/// `new_profile`; sending the same roles and areas again changes nothing and is allowed).
pub fn check_admin_change(
    actor_id: uuid::Uuid,
    target_id: uuid::Uuid,
    disables: bool,
    change: Option<(&StaffProfile, &StaffProfile)>,
) -> Result<(), AccountRuleViolation> {
    if actor_id != target_id {
        return Ok(());
    }
    if disables {
        return Err(AccountRuleViolation::DisableSelf);
    }
    if change.is_some_and(|(current, new)| current != new) {
        return Err(AccountRuleViolation::ChangeOwnProfile);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_is_normalised_and_checked() {
        assert_eq!(
            Username::parse("  M.Rossi ").map(|u| u.0),
            Ok("m.rossi".into())
        );
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("1abc").is_err());
        assert!(Username::parse("mario rossi").is_err());
        assert!(Username::parse("màrio").is_err());
        assert!(Username::parse(&"a".repeat(65)).is_err());
        assert!(Username::parse(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn email_accepts_work_addresses_and_rejects_garbage() {
        assert_eq!(
            Email::parse(" Maria.Rossi@Comune.Example.IT ").map(|e| e.0),
            Ok("maria.rossi@comune.example.it".into())
        );
        for bad in [
            "", "a", "a@b", "@b.it", "a@@b.it", "a b@c.it", "a@b..it", "a@-b.it",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn display_name_rejects_empty_and_control_characters() {
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse("a\u{0}b").is_err());
        assert_eq!(
            DisplayName::parse(" Maria Rossi ").map(|d| d.0),
            Ok("Maria Rossi".into())
        );
    }

    #[test]
    fn password_policy() {
        let user = Username::parse("mrossi").ok();
        assert!(Password::parse("short", None).is_err());
        assert!(Password::parse("aaaaaaaaaaaaaaaa", None).is_err());
        assert!(Password::parse("xx-mrossi-2026!", user.as_ref()).is_err());
        assert!(Password::parse(&"ab1!x".repeat(26), None).is_err());
        assert!(Password::parse("correct horse battery", user.as_ref()).is_ok());
    }

    #[test]
    fn codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        for area in Area::ALL {
            assert_eq!(area.as_str().parse::<Area>(), Ok(area));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn profile_requires_a_role_and_areas_for_area_roles() {
        let errors = StaffProfile::parse(&[], &[]).err();
        assert_eq!(
            errors.map(|e| e.errors()[0].field.clone()),
            Some("roles".into())
        );

        let errors = StaffProfile::parse(&["social_worker".into()], &[]).err();
        assert_eq!(
            errors.map(|e| e.errors()[0].field.clone()),
            Some("areas".into())
        );

        let errors = StaffProfile::parse(&["x".into(), "educator".into()], &["y".into()]).err();
        let fields: Vec<String> = errors
            .map(|e| e.errors().iter().map(|f| f.field.clone()).collect())
            .unwrap_or_default();
        assert_eq!(fields, vec!["roles/0".to_owned(), "areas/0".to_owned()]);

        let profile = StaffProfile::parse(&["system_admin".into(), "system_admin".into()], &[]);
        assert_eq!(profile.map(|p| p.roles().len()), Ok(1));
    }

    fn profile(roles: &[&str], areas: &[&str]) -> StaffProfile {
        let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
        let areas: Vec<String> = areas.iter().map(|a| (*a).to_owned()).collect();
        StaffProfile::parse(&roles, &areas).unwrap()
    }

    #[test]
    fn nobody_disables_themselves_or_changes_their_own_roles_or_areas() {
        let me = uuid::Uuid::now_v7();
        let other = uuid::Uuid::now_v7();
        let admin = profile(&["system_admin"], &[]);
        let admin_of_an_area = profile(&["system_admin"], &["transversal"]);
        let worker = profile(&["educator"], &["transversal"]);
        // Others' accounts: anything the profile rules allow.
        assert_eq!(check_admin_change(me, other, true, None), Ok(()));
        assert_eq!(
            check_admin_change(me, other, false, Some((&admin, &worker))),
            Ok(())
        );
        assert_eq!(
            check_admin_change(me, me, true, None),
            Err(AccountRuleViolation::DisableSelf)
        );
        for new in [&worker, &admin_of_an_area] {
            let refused = check_admin_change(me, me, false, Some((&admin, new)));
            assert_eq!(refused, Err(AccountRuleViolation::ChangeOwnProfile));
            assert!(refused.is_err_and(|r| r.is_forbidden()));
        }
        assert!(!AccountRuleViolation::DisableSelf.is_forbidden());
        // The same roles and areas sent again change nothing.
        assert_eq!(
            check_admin_change(me, me, false, Some((&admin, &admin.clone()))),
            Ok(())
        );
        assert_eq!(check_admin_change(me, me, false, None), Ok(()));
    }

    #[test]
    fn system_admin_stands_alone() {
        for role in Role::ALL {
            if role == Role::SystemAdmin {
                assert!(!role.reads_personal_data());
                continue;
            }
            assert!(role.reads_personal_data(), "{role}");
            let errors = StaffProfile::parse(
                &["system_admin".into(), role.as_str().into()],
                &["social_inclusion".into()],
            )
            .err()
            .unwrap_or_else(|| panic!("system_admin + {role} accepted"));
            assert_eq!(errors.errors()[0].field, "roles");
            assert!(errors.errors()[0].detail.contains(role.as_str()));
            // Accounts stored before the rule still load.
            assert!(
                StaffProfile::parse_stored(
                    &["system_admin".into(), role.as_str().into()],
                    &["social_inclusion".into()],
                )
                .is_ok()
            );
        }
        assert!(StaffProfile::parse(&["system_admin".into()], &["transversal".into()]).is_ok());
        assert!(
            StaffProfile::parse(&["office_manager".into(), "privacy_officer".into()], &[]).is_ok()
        );
    }

    /// The roles flagged as reading personal data are exactly those the access rules let read
    /// case files, persons or the audit trail.
    #[test]
    fn reads_personal_data_agrees_with_the_access_rules() {
        use crate::access::{Action, Resource, Subject, decide};
        let areas: BTreeSet<Area> = Area::ALL.into_iter().collect();
        for role in Role::ALL {
            let roles: BTreeSet<Role> = [role].into_iter().collect();
            let subject = Subject {
                id: uuid::Uuid::now_v7(),
                roles: &roles,
                areas: &areas,
            };
            let reads = [
                Action::ReadAuditTrail,
                Action::SearchPersons,
                Action::ListCaseFiles,
                Action::ReadCaseFile,
                Action::ReadCaseContent,
                Action::ReadPerson,
            ]
            .into_iter()
            .any(|action| decide(&subject, action, Resource::None).allowed());
            assert_eq!(role.reads_personal_data(), reads, "{role}");
        }
    }
}
