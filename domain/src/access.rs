//! The access policy: one pure function deciding every action from the caller, the resource and
//! the action (need-to-know, GDPR art. 9 and 10).
//!
//! The model, in short (the full table is in `docs/authorization.md`):
//! - a caller's **relation** to a case file is computed from the file's area, case manager, team
//!   (with the sensitive-data grant the case manager gives each member) and the caller's active
//!   break-glass grant on that file;
//! - the case manager and the team read and write the case; the area coordinator reads it,
//!   reassigns it and changes its status; the office manager reads everything except the special
//!   categories; `administrative` reads identity and bookkeeping data of the cases of its areas,
//!   never diary entries, assessments, referrals or special categories; `system_admin` and
//!   `privacy_officer` never see case content;
//! - special-category groups and restricted diary entries: only the case manager, the team
//!   members granted them, and the area coordinator (and a restricted entry's author);
//! - anybody else who works cases gets the minimal directory answer.
//!
//! Handlers never decide on their own: they ask [`decide`] (through the API's guard, which loads
//! the facts and writes the audit record of a refusal).

use std::collections::BTreeSet;

use uuid::Uuid;

use crate::staff::{Area, Role};

/// An action a caller asks to perform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Create, list, read, update, disable or enable staff accounts.
    ManageStaffAccounts,
    /// Read one's own account.
    ReadOwnAccount,
    /// Register a person.
    RegisterPerson,
    /// Search persons; each result is then cut to what [`Action::ReadPerson`] allows.
    SearchPersons,
    /// The minimal directory answer about a person: known, which area holds the case, who the
    /// case manager is.
    ReadPersonDirectory,
    /// Read a person's identity (and household) data.
    ReadPerson,
    /// Correct a person's identity, manage their household membership.
    UpdatePerson,
    /// Annul a person, or merge a duplicate into them.
    AnnulPerson,
    /// Read one special-category group of a person.
    ReadSensitive,
    /// Write one special-category group of a person.
    WriteSensitive,
    /// Open a case file in an area.
    OpenCaseFile,
    /// List case files (the list holds only the files the caller may read).
    ListCaseFiles,
    /// Read a case file's bookkeeping data: reference, status, history, team, target groups,
    /// consents.
    ReadCaseFile,
    /// Change a case file's status or target groups.
    ChangeCaseFile,
    /// Add or end team members other than the case manager, grant special-category access.
    ManageCaseTeam,
    /// Reassign the case manager.
    ReassignCaseManager,
    /// Read case content: assessments, diary entries, referrals.
    ReadCaseContent,
    /// Write case content: assessments, diary entries, consents, referrals.
    WriteCaseContent,
    /// Read a restricted diary entry (its author may too: see [`may_read_restricted_entry`]).
    ReadRestrictedContent,
    /// Emergency access to a case outside one's team, with a reason.
    RequestBreakGlass,
    /// Search the audit trail and read the access report of a person: `privacy_officer` and
    /// `office_manager`.
    ReadAuditTrail,
    /// Verify the hash chain of the audit trail: `privacy_officer` and `office_manager`.
    VerifyAuditTrail,
    /// Review (list and acknowledge) break-glass accesses: `office_manager`.
    ReviewBreakGlass,
    /// Read an agenda (one's own; another case manager's: see [`may_read_agenda`]).
    ReadAgenda,
    /// Confirm the taking in charge of a case file opened for a person another area has in
    /// charge: the coordinator of the file's area.
    ConfirmCaseFile,
    /// Record and change facilities, their beds and out-of-service periods: `administrative`
    /// staff and area coordinators, of the facility's area (see [`may_manage_facility`]).
    ManageHousing,
    /// Read the facility register and search free beds: whoever works cases.
    ReadHousing,
    /// Place the person of a case file in a bed, and start, end or cancel the placement: the
    /// case team and the area coordinator.
    PlacePerson,
    /// Record, change and annul employers, record and amend procurement contracts:
    /// `administrative` staff.
    ManageEmployers,
    /// Read the employers and the contracts: whoever works cases.
    ReadEmployers,
    /// Propose an employment placement for the person of a case file, start it, end it and
    /// record its hours: the case team and the area coordinator.
    PlaceInWork,
    /// Read the compliance of the contracts' social clauses: area coordinators, the office
    /// manager and `administrative` staff (who keep the contracts).
    ReadCompliance,
    /// Record and change the staff's training and supervision events and their attendance:
    /// `administrative` staff and the office manager.
    ManageTraining,
    /// Read the office's training table (every staff member's credits): `administrative`
    /// staff and the office manager.
    ReadTrainingTable,
    /// Publish criteria sets, record and change care resources and their places:
    /// `administrative` staff and the office manager.
    ManageResources,
    /// Read the care resources and the criteria sets: whoever works cases.
    ReadResources,
    /// Make an application of the person of a case file for a care resource and record the
    /// inputs of its criteria: the case team, the area coordinator and the area's
    /// `administrative` staff.
    KeepApplications,
    /// Read the working ranking of a resource (every waiting application with its person):
    /// area coordinators, the office manager and `administrative` staff.
    ReadRanking,
    /// Offer a place of a resource to an application, admit, record a declined offer or the
    /// person leaving: the coordinator of the file's area and the office manager.
    DecideAdmissions,
    /// Record and correct the benefits granted to the person of a case file: the case team,
    /// the area coordinator and the area's `administrative` staff.
    RecordBenefits,
    /// Register partner organisations and their machine clients, their keys and scopes:
    /// `system_admin`.
    ManagePartners,
    /// Read the register of partner organisations (to address a referral to one): whoever works
    /// cases, and `system_admin`.
    ReadPartners,
    /// Read and answer the referrals addressed to one's own organisation: no staff role; a
    /// machine client with the `referrals` scope (see [`crate::partner::scope_permits`]).
    AnswerAddressedReferrals,
    /// Read the event feed of one's own organisation: no staff role; a machine client with the
    /// `events` scope.
    ReadEvents,
    /// Read the pseudonymised indicators (office manager, area coordinators, and partners with
    /// the `statistics` scope).
    ReadStatistics,
    /// Export the benefits granted to the national register (office manager, administrative
    /// staff).
    ExportBenefits,
    /// Import persons, households and open case files in bulk from the files of the system the
    /// office replaces (office manager only: the import opens files in every area).
    ImportRecords,
    /// Produce a data subject's copy of everything the office holds about them and who accessed
    /// it (GDPR art. 15): the privacy officer only.
    CopyPersonalData,
    /// See which records the retention rules make due and run the retention procedure that
    /// erases and pseudonymises them: the privacy officer only.
    ApplyRetention,
}

impl Action {
    /// Every action, for exhaustive tests and the documentation table.
    pub const ALL: [Action; 49] = [
        Action::ManageStaffAccounts,
        Action::ReadOwnAccount,
        Action::RegisterPerson,
        Action::SearchPersons,
        Action::ReadPersonDirectory,
        Action::ReadPerson,
        Action::UpdatePerson,
        Action::AnnulPerson,
        Action::ReadSensitive,
        Action::WriteSensitive,
        Action::OpenCaseFile,
        Action::ListCaseFiles,
        Action::ReadCaseFile,
        Action::ChangeCaseFile,
        Action::ManageCaseTeam,
        Action::ReassignCaseManager,
        Action::ReadCaseContent,
        Action::WriteCaseContent,
        Action::ReadRestrictedContent,
        Action::RequestBreakGlass,
        Action::ReadAuditTrail,
        Action::VerifyAuditTrail,
        Action::ReviewBreakGlass,
        Action::ReadAgenda,
        Action::ConfirmCaseFile,
        Action::ManageHousing,
        Action::ReadHousing,
        Action::PlacePerson,
        Action::ManageEmployers,
        Action::ReadEmployers,
        Action::PlaceInWork,
        Action::ReadCompliance,
        Action::ManageTraining,
        Action::ReadTrainingTable,
        Action::ManageResources,
        Action::ReadResources,
        Action::KeepApplications,
        Action::ReadRanking,
        Action::DecideAdmissions,
        Action::RecordBenefits,
        Action::ManagePartners,
        Action::ReadPartners,
        Action::AnswerAddressedReferrals,
        Action::ReadEvents,
        Action::ReadStatistics,
        Action::ExportBenefits,
        Action::ImportRecords,
        Action::CopyPersonalData,
        Action::ApplyRetention,
    ];

    /// Code recorded in the audit trail of a refusal.
    pub fn code(self) -> &'static str {
        match self {
            Action::ManageStaffAccounts => "user.manage",
            Action::ReadOwnAccount => "user.read_self",
            Action::RegisterPerson => "person.register",
            Action::SearchPersons => "person.search",
            Action::ReadPersonDirectory => "person.directory",
            Action::ReadPerson => "person.read",
            Action::UpdatePerson => "person.update",
            Action::AnnulPerson => "person.annul",
            Action::ReadSensitive => "person.sensitive.read",
            Action::WriteSensitive => "person.sensitive.write",
            Action::OpenCaseFile => "case_file.open",
            Action::ListCaseFiles => "case_file.list",
            Action::ReadCaseFile => "case_file.read",
            Action::ChangeCaseFile => "case_file.change",
            Action::ManageCaseTeam => "case_file.team",
            Action::ReassignCaseManager => "case_file.reassign",
            Action::ReadCaseContent => "case_file.content.read",
            Action::WriteCaseContent => "case_file.content.write",
            Action::ReadRestrictedContent => "case_file.restricted.read",
            Action::RequestBreakGlass => "case_file.break_glass",
            Action::ReadAuditTrail => "audit.read",
            Action::VerifyAuditTrail => "audit.verify",
            Action::ReviewBreakGlass => "break_glass.review",
            Action::ReadAgenda => "agenda.read",
            Action::ConfirmCaseFile => "case_file.confirm",
            Action::ManageHousing => "housing.manage",
            Action::ReadHousing => "housing.read",
            Action::ManageEmployers => "employment.manage_employers",
            Action::ReadEmployers => "employment.read_employers",
            Action::PlacePerson => "housing.place",
            Action::PlaceInWork => "employment.place",
            Action::ReadCompliance => "employment.read_compliance",
            Action::ManageTraining => "training.manage",
            Action::ReadTrainingTable => "training.read_table",
            Action::ManageResources => "resources.manage",
            Action::ReadResources => "resources.read",
            Action::KeepApplications => "waiting_list.apply",
            Action::ReadRanking => "waiting_list.read_ranking",
            Action::DecideAdmissions => "waiting_list.decide",
            Action::RecordBenefits => "benefits.record",
            Action::ManagePartners => "partners.manage",
            Action::ReadPartners => "partners.read",
            Action::AnswerAddressedReferrals => "referrals.answer_addressed",
            Action::ReadEvents => "events.read",
            Action::ReadStatistics => "statistics.read",
            Action::ExportBenefits => "benefits.export",
            Action::ImportRecords => "records.import",
            Action::CopyPersonalData => "personal_data.copy",
            Action::ApplyRetention => "retention.apply",
        }
    }
}

/// Who is asking.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The staff user's id.
    pub id: Uuid,
    /// Their roles.
    pub roles: &'a BTreeSet<Role>,
    /// Their areas.
    pub areas: &'a BTreeSet<Area>,
}

impl Subject<'_> {
    fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    fn in_area(&self, area: Area) -> bool {
        self.areas.contains(&area)
    }

    /// Whether the caller works cases at all (every role but `system_admin` and
    /// `privacy_officer`, who never see case content).
    pub fn works_cases(&self) -> bool {
        self.roles
            .iter()
            .any(|r| !matches!(r, Role::SystemAdmin | Role::PrivacyOfficer))
    }
}

/// A current member of a case team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeamFact {
    /// The staff user.
    pub staff_id: Uuid,
    /// Whether the case manager granted them the special categories and restricted entries.
    pub sensitive_access: bool,
}

/// What the policy needs to know about one case file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    /// The owning area.
    pub area: Area,
    /// The current case manager.
    pub case_manager: Option<Uuid>,
    /// The current team members other than the case manager.
    pub team: Vec<TeamFact>,
    /// Whether the caller holds an active break-glass grant on this file.
    pub break_glass: bool,
    /// Whether the taking in charge is confirmed (see
    /// [`crate::case_file::needs_confirmation`]): until the area coordinator confirms a file
    /// opened for a person another area has in charge, its case manager and team do not reach
    /// the person's special categories through it.
    pub confirmed: bool,
}

/// The caller's relation to a case file, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Relation {
    /// The responsible social worker.
    CaseManager,
    /// Coordinator of the file's area.
    AreaCoordinator,
    /// Team member granted the special categories.
    GrantedTeamMember,
    /// Team member.
    TeamMember,
    /// The office manager.
    OfficeManager,
    /// Outside the team, with an active break-glass grant.
    BreakGlass,
    /// `administrative` staff of the file's area.
    Administrative,
    /// Any other staff user.
    None,
}

impl Relation {
    /// Computes the caller's relation to a file.
    pub fn of(subject: &Subject<'_>, case: &CaseFacts) -> Relation {
        if case.case_manager == Some(subject.id) && subject.works_cases() {
            return Relation::CaseManager;
        }
        if subject.has(Role::AreaCoordinator) && subject.in_area(case.area) {
            return Relation::AreaCoordinator;
        }
        if subject.works_cases()
            && let Some(member) = case.team.iter().find(|m| m.staff_id == subject.id)
        {
            return if member.sensitive_access {
                Relation::GrantedTeamMember
            } else {
                Relation::TeamMember
            };
        }
        if subject.has(Role::OfficeManager) {
            return Relation::OfficeManager;
        }
        if case.break_glass && may_break_glass(subject) {
            return Relation::BreakGlass;
        }
        if subject.has(Role::Administrative) && subject.in_area(case.area) {
            return Relation::Administrative;
        }
        Relation::None
    }
}

fn may_break_glass(subject: &Subject<'_>) -> bool {
    subject.roles.iter().any(|r| {
        matches!(
            r,
            Role::SocialWorker | Role::Educator | Role::AreaCoordinator
        )
    })
}

/// The answer of the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Allowed.
    Allow {
        /// Allowed only because of a break-glass grant: the access is marked as such.
        break_glass: bool,
    },
    /// Refused.
    Deny,
}

impl Decision {
    /// Whether the action is allowed.
    pub fn allowed(self) -> bool {
        matches!(self, Decision::Allow { .. })
    }

    fn of(allowed: bool) -> Self {
        if allowed {
            Decision::Allow { break_glass: false }
        } else {
            Decision::Deny
        }
    }
}

/// The resource an action is about.
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    /// No particular resource (lists, searches, creation).
    None,
    /// An area (opening a case file there).
    Area(Area),
    /// One case file.
    Case(&'a CaseFacts),
    /// A person, through every case file they have (possibly none).
    Person(&'a [CaseFacts]),
}

/// Decides whether `subject` may perform `action` on `resource`.
///
/// A case-bound action asked without its case (or person) is decided on roles alone: the
/// answer says whether the caller could ever be allowed it, the guard then asks again with the
/// facts.
pub fn decide(subject: &Subject<'_>, action: Action, resource: Resource<'_>) -> Decision {
    use Role::*;
    let any = |roles: &[Role]| roles.iter().any(|r| subject.has(*r));
    match (action, resource) {
        (Action::ManageStaffAccounts | Action::ManagePartners, _) => {
            Decision::of(subject.has(SystemAdmin))
        }
        (Action::ReadPartners, _) => {
            Decision::of(subject.works_cases() || subject.has(SystemAdmin))
        }
        // A partner's own operation: no staff role holds it (scopes decide, `partner`).
        (Action::AnswerAddressedReferrals | Action::ReadEvents, _) => Decision::of(false),
        (Action::ReadOwnAccount, _) => Decision::of(!subject.roles.is_empty()),
        (Action::ReadAuditTrail | Action::VerifyAuditTrail, _) => {
            Decision::of(any(&[PrivacyOfficer, OfficeManager]))
        }
        (Action::ReviewBreakGlass, _) => Decision::of(subject.has(OfficeManager)),
        (Action::ReadStatistics, _) => Decision::of(any(&[OfficeManager, AreaCoordinator])),
        (Action::ExportBenefits, _) => Decision::of(any(&[OfficeManager, Administrative])),
        (Action::ImportRecords, _) => Decision::of(subject.has(OfficeManager)),
        (Action::CopyPersonalData | Action::ApplyRetention, _) => {
            Decision::of(subject.has(PrivacyOfficer))
        }
        (Action::RegisterPerson, _) => Decision::of(any(&[
            SocialWorker,
            Educator,
            AreaCoordinator,
            Administrative,
        ])),
        (
            Action::SearchPersons
            | Action::ReadPersonDirectory
            | Action::ListCaseFiles
            | Action::ReadAgenda
            | Action::ReadHousing
            | Action::ReadEmployers
            | Action::ReadResources,
            _,
        ) => Decision::of(subject.works_cases()),
        (Action::ManageHousing, _) => Decision::of(any(&[Administrative, AreaCoordinator])),
        (Action::ManageEmployers, _) => Decision::of(subject.has(Administrative)),
        (Action::ManageTraining | Action::ReadTrainingTable | Action::ManageResources, _) => {
            Decision::of(any(&[OfficeManager, Administrative]))
        }
        (Action::ReadCompliance | Action::ReadRanking, _) => {
            Decision::of(any(&[AreaCoordinator, OfficeManager, Administrative]))
        }
        (Action::OpenCaseFile, Resource::Area(area)) => {
            Decision::of(any(&[SocialWorker, AreaCoordinator]) && subject.in_area(area))
        }
        (Action::OpenCaseFile, _) => Decision::of(any(&[SocialWorker, AreaCoordinator])),
        // Whoever works cases hands-on may ask; the handler answers 409 when the caller's
        // relation already gives access (break-glass is then not needed).
        (Action::RequestBreakGlass, _) => Decision::of(may_break_glass(subject)),
        (action, Resource::Case(case)) => {
            on_case(action, Relation::of(subject, case), case.confirmed)
        }
        (action, Resource::Person(cases)) => on_person(subject, action, cases),
        // Case-bound actions asked on roles alone: could any relation allow it?
        (action, Resource::None | Resource::Area(_)) => Decision::of(could_ever(subject, action)),
    }
}

/// The relation table of case-bound actions, on a file whose taking in charge is `confirmed`
/// or not.
fn on_case(action: Action, relation: Relation, confirmed: bool) -> Decision {
    use Relation as R;
    let allowed = match action {
        Action::ReadPerson | Action::ReadCaseFile => relation != R::None,
        Action::UpdatePerson => matches!(
            relation,
            R::CaseManager
                | R::AreaCoordinator
                | R::GrantedTeamMember
                | R::TeamMember
                | R::Administrative
        ),
        Action::AnnulPerson => matches!(
            relation,
            R::CaseManager | R::AreaCoordinator | R::Administrative
        ),
        // The person's special categories: not through a file whose taking in charge the
        // area coordinator has yet to confirm (opening a file does not by itself unlock what
        // other areas recorded), except for that coordinator.
        Action::ReadSensitive | Action::WriteSensitive => match relation {
            R::AreaCoordinator => true,
            R::CaseManager | R::GrantedTeamMember => confirmed,
            _ => false,
        },
        Action::ReadRestrictedContent => matches!(
            relation,
            R::CaseManager | R::AreaCoordinator | R::GrantedTeamMember
        ),
        Action::ConfirmCaseFile => relation == R::AreaCoordinator,
        Action::ChangeCaseFile | Action::ManageCaseTeam => {
            matches!(relation, R::CaseManager | R::AreaCoordinator)
        }
        Action::ReassignCaseManager => relation == R::AreaCoordinator,
        Action::ReadCaseContent => matches!(
            relation,
            R::CaseManager
                | R::AreaCoordinator
                | R::GrantedTeamMember
                | R::TeamMember
                | R::OfficeManager
                | R::BreakGlass
        ),
        Action::WriteCaseContent => matches!(
            relation,
            R::CaseManager | R::GrantedTeamMember | R::TeamMember
        ),
        Action::PlacePerson | Action::PlaceInWork => matches!(
            relation,
            R::CaseManager | R::AreaCoordinator | R::GrantedTeamMember | R::TeamMember
        ),
        Action::KeepApplications | Action::RecordBenefits => matches!(
            relation,
            R::CaseManager
                | R::AreaCoordinator
                | R::GrantedTeamMember
                | R::TeamMember
                | R::Administrative
        ),
        Action::DecideAdmissions => matches!(relation, R::AreaCoordinator | R::OfficeManager),
        _ => false,
    };
    match (allowed, relation) {
        (true, R::BreakGlass) => Decision::Allow { break_glass: true },
        (true, _) => Decision::Allow { break_glass: false },
        (false, _) => Decision::Deny,
    }
}

/// A person is reached through their case files: the strongest allowing relation wins. A person
/// with no case file yet (registered, not taken in charge) holds identity data only: whoever
/// registers persons or works cases may read and correct it, so that someone can take them in
/// charge.
fn on_person(subject: &Subject<'_>, action: Action, cases: &[CaseFacts]) -> Decision {
    if cases.is_empty() {
        let allowed = match action {
            Action::ReadPerson => subject.works_cases(),
            Action::UpdatePerson | Action::AnnulPerson => {
                decide(subject, Action::RegisterPerson, Resource::None).allowed()
            }
            _ => false,
        };
        return Decision::of(allowed);
    }
    let mut best = Decision::Deny;
    for case in cases {
        match on_case(action, Relation::of(subject, case), case.confirmed) {
            Decision::Allow { break_glass: false } => {
                return Decision::Allow { break_glass: false };
            }
            allow @ Decision::Allow { break_glass: true } => best = allow,
            Decision::Deny => {}
        }
    }
    best
}

/// Whether some relation to some case could allow `action` to the caller's roles.
fn could_ever(subject: &Subject<'_>, action: Action) -> bool {
    use Role::*;
    let any = |roles: &[Role]| roles.iter().any(|r| subject.has(*r));
    match action {
        Action::ReadPerson | Action::ReadCaseFile => subject.works_cases(),
        Action::UpdatePerson => any(&[SocialWorker, Educator, AreaCoordinator, Administrative]),
        Action::AnnulPerson => any(&[SocialWorker, AreaCoordinator, Administrative]),
        Action::ReadSensitive
        | Action::WriteSensitive
        | Action::ReadRestrictedContent
        | Action::ChangeCaseFile
        | Action::ManageCaseTeam
        | Action::WriteCaseContent
        | Action::PlacePerson
        | Action::PlaceInWork => any(&[SocialWorker, Educator, AreaCoordinator]),
        Action::ReassignCaseManager | Action::ConfirmCaseFile => any(&[AreaCoordinator]),
        Action::KeepApplications | Action::RecordBenefits => {
            any(&[SocialWorker, Educator, AreaCoordinator, Administrative])
        }
        Action::DecideAdmissions => any(&[AreaCoordinator, OfficeManager]),
        Action::ReadCaseContent => any(&[SocialWorker, Educator, AreaCoordinator, OfficeManager]),
        _ => decide(subject, action, Resource::None).allowed(),
    }
}

/// Whether `subject` may record or change the facilities of `area` (and their beds):
/// `administrative` staff and area coordinators of that area.
pub fn may_manage_facility(subject: &Subject<'_>, area: Area) -> bool {
    (subject.has(Role::Administrative) || subject.has(Role::AreaCoordinator))
        && subject.in_area(area)
}

/// Whether a caller with `relation` to a case file may place its person against a facility's
/// rules on whom it takes (with a reason, audited): the coordinator of the file's area.
pub fn may_override_housing_rules(relation: Relation) -> bool {
    relation == Relation::AreaCoordinator
}

/// Which case files a caller's lists and caseload may hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseListScope {
    /// Every file of the office (the office manager).
    Everything,
    /// Every file of these areas (where the caller coordinates or keeps the books), and the
    /// files whose team the caller is in.
    AreasAndTeams(BTreeSet<Area>),
}

/// The case files `subject` may see in a list: those they could read one by one, except the
/// break-glass ones (a grant opens one file, it does not put it in lists).
pub fn case_list_scope(subject: &Subject<'_>) -> CaseListScope {
    if subject.has(Role::OfficeManager) {
        return CaseListScope::Everything;
    }
    if !subject.works_cases() {
        return CaseListScope::AreasAndTeams(BTreeSet::new());
    }
    if subject.has(Role::AreaCoordinator) || subject.has(Role::Administrative) {
        CaseListScope::AreasAndTeams(subject.areas.clone())
    } else {
        CaseListScope::AreasAndTeams(BTreeSet::new())
    }
}

/// The areas whose persons' special categories `subject` may list as a whole (the areas they
/// coordinate); the persons of the files they manage or were granted are added by the query.
pub fn sensitive_list_areas(subject: &Subject<'_>) -> BTreeSet<Area> {
    if subject.has(Role::AreaCoordinator) {
        subject.areas.clone()
    } else {
        BTreeSet::new()
    }
}

/// Whether `subject` may read the agenda of the case manager `owner`, who works in
/// `owner_areas`: their own always (if they work cases), another's only as office manager or as
/// coordinator of an area the case manager works in.
pub fn may_read_agenda(subject: &Subject<'_>, owner: Uuid, owner_areas: &BTreeSet<Area>) -> bool {
    subject.works_cases()
        && (owner == subject.id
            || subject.has(Role::OfficeManager)
            || (subject.has(Role::AreaCoordinator) && !subject.areas.is_disjoint(owner_areas)))
}

/// Whether a restricted diary entry may be read: its author always, otherwise whoever may read
/// restricted content of the file.
pub fn may_read_restricted_entry(subject: &Subject<'_>, author: Uuid, case: &CaseFacts) -> bool {
    (author == subject.id && subject.works_cases())
        || decide(subject, Action::ReadRestrictedContent, Resource::Case(case)).allowed()
}

/// Whether a caller holding `roles` could perform `action` at all (roles only; the guard then
/// decides on the facts). Kept for the actions that have no resource.
pub fn permits(roles: &BTreeSet<Role>, action: Action) -> bool {
    let areas = BTreeSet::new();
    let subject = Subject {
        id: Uuid::nil(),
        roles,
        areas: &areas,
    };
    decide(&subject, action, Resource::None).allowed()
}

#[cfg(test)]
mod tests {
    use super::*;

    const AREA: Area = Area::SocialInclusion;

    struct World {
        manager: Uuid,
        member: Uuid,
        granted: Uuid,
        case: CaseFacts,
    }

    fn world() -> World {
        let manager = Uuid::from_u128(1);
        let member = Uuid::from_u128(2);
        let granted = Uuid::from_u128(3);
        World {
            manager,
            member,
            granted,
            case: CaseFacts {
                area: AREA,
                case_manager: Some(manager),
                team: vec![
                    TeamFact {
                        staff_id: member,
                        sensitive_access: false,
                    },
                    TeamFact {
                        staff_id: granted,
                        sensitive_access: true,
                    },
                ],
                break_glass: false,
                confirmed: true,
            },
        }
    }

    fn set<T: Ord + Copy>(items: &[T]) -> BTreeSet<T> {
        items.iter().copied().collect()
    }

    fn check(id: Uuid, roles: &[Role], areas: &[Area], case: &CaseFacts, action: Action) -> bool {
        let roles = set(roles);
        let areas = set(areas);
        let subject = Subject {
            id,
            roles: &roles,
            areas: &areas,
        };
        decide(&subject, action, Resource::Case(case)).allowed()
    }

    #[test]
    fn an_unconfirmed_file_does_not_unlock_the_special_categories() {
        let mut w = world();
        w.case.confirmed = false;
        for action in [Action::ReadSensitive, Action::WriteSensitive] {
            assert!(!check(
                w.manager,
                &[Role::SocialWorker],
                &[AREA],
                &w.case,
                action
            ));
            assert!(!check(
                w.granted,
                &[Role::SocialWorker],
                &[AREA],
                &w.case,
                action
            ));
            // The coordinator who confirms still reads them.
            assert!(check(
                Uuid::from_u128(7),
                &[Role::AreaCoordinator],
                &[AREA],
                &w.case,
                action
            ));
        }
        // The file's own work goes on.
        for action in [
            Action::ReadCaseContent,
            Action::WriteCaseContent,
            Action::ReadRestrictedContent,
        ] {
            assert!(check(
                w.manager,
                &[Role::SocialWorker],
                &[AREA],
                &w.case,
                action
            ));
        }
        // Only the coordinator of the file's area confirms.
        assert!(!check(
            w.manager,
            &[Role::SocialWorker],
            &[AREA],
            &w.case,
            Action::ConfirmCaseFile
        ));
        assert!(check(
            Uuid::from_u128(7),
            &[Role::AreaCoordinator],
            &[AREA],
            &w.case,
            Action::ConfirmCaseFile
        ));
        assert!(!check(
            Uuid::from_u128(7),
            &[Role::AreaCoordinator],
            &[Area::Transversal],
            &w.case,
            Action::ConfirmCaseFile
        ));
        // A person reached through a confirmed file of another area keeps that relation.
        let confirmed = world().case;
        let roles = set(&[Role::SocialWorker]);
        let areas = set(&[AREA]);
        let subject = Subject {
            id: w.manager,
            roles: &roles,
            areas: &areas,
        };
        let both = [w.case.clone(), confirmed];
        assert!(decide(&subject, Action::ReadSensitive, Resource::Person(&both)).allowed());
        let only_unconfirmed = [w.case.clone()];
        assert!(
            !decide(
                &subject,
                Action::ReadSensitive,
                Resource::Person(&only_unconfirmed)
            )
            .allowed()
        );
    }

    #[test]
    fn team_reads_and_writes_outsiders_do_not() {
        let w = world();
        let other = Uuid::from_u128(9);
        for action in [Action::ReadCaseContent, Action::WriteCaseContent] {
            assert!(check(
                w.manager,
                &[Role::SocialWorker],
                &[AREA],
                &w.case,
                action
            ));
            assert!(check(w.member, &[Role::Educator], &[AREA], &w.case, action));
            assert!(!check(
                other,
                &[Role::SocialWorker],
                &[AREA],
                &w.case,
                action
            ));
            assert!(!check(
                other,
                &[Role::SocialWorker],
                &[Area::Transversal],
                &w.case,
                action
            ));
        }
    }

    #[test]
    fn coordinator_reads_and_reassigns_but_does_not_write_content() {
        let w = world();
        let c = Uuid::from_u128(7);
        let roles = [Role::AreaCoordinator];
        assert!(check(c, &roles, &[AREA], &w.case, Action::ReadCaseContent));
        assert!(check(
            c,
            &roles,
            &[AREA],
            &w.case,
            Action::ReassignCaseManager
        ));
        assert!(check(c, &roles, &[AREA], &w.case, Action::ReadSensitive));
        assert!(!check(
            c,
            &roles,
            &[AREA],
            &w.case,
            Action::WriteCaseContent
        ));
        assert!(!check(
            c,
            &roles,
            &[Area::Transversal],
            &w.case,
            Action::ReadCaseContent
        ));
    }

    #[test]
    fn sensitive_only_for_manager_granted_members_and_coordinator() {
        let w = world();
        let a = Action::ReadSensitive;
        assert!(check(w.manager, &[Role::SocialWorker], &[AREA], &w.case, a));
        assert!(check(w.granted, &[Role::Educator], &[AREA], &w.case, a));
        assert!(!check(w.member, &[Role::Educator], &[AREA], &w.case, a));
        let om = Uuid::from_u128(8);
        assert!(!check(om, &[Role::OfficeManager], &[], &w.case, a));
        assert!(check(
            om,
            &[Role::OfficeManager],
            &[],
            &w.case,
            Action::ReadCaseContent
        ));
    }

    #[test]
    fn administrative_sees_identity_and_bookkeeping_only() {
        let w = world();
        let ad = Uuid::from_u128(5);
        let roles = [Role::Administrative];
        assert!(check(ad, &roles, &[AREA], &w.case, Action::ReadPerson));
        assert!(check(ad, &roles, &[AREA], &w.case, Action::ReadCaseFile));
        assert!(!check(
            ad,
            &roles,
            &[AREA],
            &w.case,
            Action::ReadCaseContent
        ));
        assert!(!check(ad, &roles, &[AREA], &w.case, Action::ReadSensitive));
        assert!(!check(
            ad,
            &roles,
            &[Area::Transversal],
            &w.case,
            Action::ReadPerson
        ));
    }

    #[test]
    fn system_admin_and_privacy_officer_never_see_case_content() {
        let w = world();
        for role in [Role::SystemAdmin, Role::PrivacyOfficer] {
            for action in Action::ALL {
                // Their own work: accounts, the audit trail (no case content in it).
                if matches!(
                    action,
                    Action::ReadOwnAccount
                        | Action::ManageStaffAccounts
                        | Action::ManagePartners
                        | Action::ReadPartners
                        | Action::ReadAuditTrail
                        | Action::VerifyAuditTrail
                        | Action::ReviewBreakGlass
                        | Action::CopyPersonalData
                        | Action::ApplyRetention
                ) {
                    continue;
                }
                // Even named case manager or team member by mistake.
                assert!(
                    !check(w.manager, &[role], &[AREA], &w.case, action),
                    "{role} {action:?}"
                );
            }
        }
    }

    #[test]
    fn break_glass_reads_content_marked_and_nothing_more() {
        let mut w = world();
        let outsider = Uuid::from_u128(11);
        w.case.break_glass = true;
        let roles = set(&[Role::SocialWorker]);
        let areas = set(&[Area::Transversal]);
        let subject = Subject {
            id: outsider,
            roles: &roles,
            areas: &areas,
        };
        assert_eq!(
            decide(&subject, Action::ReadCaseContent, Resource::Case(&w.case)),
            Decision::Allow { break_glass: true }
        );
        for action in [
            Action::WriteCaseContent,
            Action::ReadSensitive,
            Action::ReadRestrictedContent,
            Action::ChangeCaseFile,
        ] {
            assert_eq!(
                decide(&subject, action, Resource::Case(&w.case)),
                Decision::Deny,
                "{action:?}"
            );
        }
        // A team member does not need (nor get) break-glass marking.
        let member_roles = set(&[Role::Educator]);
        let member = Subject {
            id: w.member,
            roles: &member_roles,
            areas: &areas,
        };
        assert_eq!(
            decide(&member, Action::ReadCaseContent, Resource::Case(&w.case)),
            Decision::Allow { break_glass: false }
        );
        assert_eq!(
            Relation::of(&member, &w.case),
            Relation::TeamMember,
            "a team member has access without break-glass"
        );
    }

    #[test]
    fn restricted_entries_for_their_author_too() {
        let w = world();
        let roles = set(&[Role::Educator]);
        let areas = set(&[AREA]);
        let member = Subject {
            id: w.member,
            roles: &roles,
            areas: &areas,
        };
        assert!(may_read_restricted_entry(&member, w.member, &w.case));
        assert!(!may_read_restricted_entry(&member, w.manager, &w.case));
        let reads = |id: Uuid, roles: &[Role], areas: &[Area]| {
            let roles = set(roles);
            let areas = set(areas);
            may_read_restricted_entry(
                &Subject {
                    id,
                    roles: &roles,
                    areas: &areas,
                },
                w.member,
                &w.case,
            )
        };
        let someone = Uuid::from_u128(42);
        assert!(reads(w.manager, &[Role::SocialWorker], &[AREA]));
        assert!(reads(w.granted, &[Role::Educator], &[AREA]));
        assert!(reads(someone, &[Role::AreaCoordinator], &[AREA]));
        assert!(!reads(
            someone,
            &[Role::AreaCoordinator],
            &[Area::Transversal]
        ));
        assert!(!reads(someone, &[Role::SocialWorker], &[AREA]));
        assert!(!reads(someone, &[Role::OfficeManager], &[]));
        // The author who left every case-working role does not keep reading.
        assert!(!reads(w.member, &[Role::SystemAdmin], &[]));
    }

    #[test]
    fn persons_without_case_files_are_open_to_case_workers() {
        let roles = set(&[Role::Educator]);
        let areas = set(&[AREA]);
        let subject = Subject {
            id: Uuid::from_u128(4),
            roles: &roles,
            areas: &areas,
        };
        assert!(decide(&subject, Action::ReadPerson, Resource::Person(&[])).allowed());
        assert!(decide(&subject, Action::UpdatePerson, Resource::Person(&[])).allowed());
        assert!(!decide(&subject, Action::ReadSensitive, Resource::Person(&[])).allowed());
        let w = world();
        assert!(
            !decide(
                &subject,
                Action::ReadPerson,
                Resource::Person(std::slice::from_ref(&w.case))
            )
            .allowed()
        );
    }

    #[test]
    fn audit_trail_for_privacy_officers_and_office_managers_break_glass_review_for_managers() {
        for role in Role::ALL {
            let roles = BTreeSet::from([role]);
            let auditor = matches!(role, Role::PrivacyOfficer | Role::OfficeManager);
            assert_eq!(permits(&roles, Action::ReadAuditTrail), auditor, "{role}");
            assert_eq!(permits(&roles, Action::VerifyAuditTrail), auditor, "{role}");
            assert_eq!(
                permits(&roles, Action::ReviewBreakGlass),
                role == Role::OfficeManager,
                "{role}"
            );
            assert_eq!(
                permits(&roles, Action::RequestBreakGlass),
                matches!(
                    role,
                    Role::SocialWorker | Role::Educator | Role::AreaCoordinator
                ),
                "{role}"
            );
        }
    }

    #[test]
    fn agendas_are_read_by_their_owner_the_office_manager_and_area_coordinators() {
        let owner = Uuid::from_u128(1);
        let other = Uuid::from_u128(2);
        let owner_areas = set(&[AREA]);
        let reads = |id: Uuid, roles: &[Role], areas: &[Area]| {
            let roles = set(roles);
            let areas = set(areas);
            may_read_agenda(
                &Subject {
                    id,
                    roles: &roles,
                    areas: &areas,
                },
                owner,
                &owner_areas,
            )
        };
        assert!(reads(owner, &[Role::SocialWorker], &[AREA]));
        assert!(!reads(other, &[Role::SocialWorker], &[AREA]));
        assert!(reads(other, &[Role::AreaCoordinator], &[AREA]));
        assert!(!reads(
            other,
            &[Role::AreaCoordinator],
            &[Area::Transversal]
        ));
        assert!(reads(other, &[Role::OfficeManager], &[]));
        assert!(!reads(other, &[Role::PrivacyOfficer], &[]));
        assert!(!reads(owner, &[Role::SystemAdmin], &[]));
    }

    #[test]
    fn action_codes_are_distinct() {
        let codes: BTreeSet<&str> = Action::ALL.iter().map(|a| a.code()).collect();
        assert_eq!(codes.len(), Action::ALL.len());
    }

    #[test]
    fn roles_only_answers() {
        for role in Role::ALL {
            let roles = BTreeSet::from([role]);
            assert_eq!(
                permits(&roles, Action::ManageStaffAccounts),
                role == Role::SystemAdmin,
                "{role}"
            );
            assert!(permits(&roles, Action::ReadOwnAccount));
            assert_eq!(
                permits(&roles, Action::ReadCaseFile),
                !matches!(role, Role::SystemAdmin | Role::PrivacyOfficer),
                "{role}"
            );
        }
    }
}
