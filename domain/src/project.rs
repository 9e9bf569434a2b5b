//! The social project (progetto sociale personalizzato) of a case file: its kinds, objectives,
//! participants, actions, reviews and its lifecycle `draft` → `active` → `completed` |
//! `interrupted`.
//!
//! Rules enforced here:
//! - a project becomes (and stays) `active` only with at least one objective and a next review
//!   date after the day it starts;
//! - completing it requires every objective to have a final status (achieved, partially
//!   achieved, not achieved, dropped);
//! - interrupting it requires a reason;
//! - a completed or interrupted project is read-only; reviews are recorded only while it is
//!   active, and each review moves the next review date forward.

use crate::dates::{IN_THE_FUTURE, is_future};
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::case_file::{AssessmentDomain, ExternalService, code_list, coded_enum};
use crate::error::{FieldError, ValidationErrors};

/// The kind of a social project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProjectKind {
    /// Adults in need, community projects.
    CommunitySupport,
    /// Progetto di vita with a person with disability and their family.
    LifeProject,
    /// Abitare sociale for persons with disability (e.g. "Dopo di noi", L. 112/2016).
    SocialHousing,
    /// Inclusion path: homeless people, Roma/Sinti/Caminanti, protection holders.
    InclusionPath,
    /// Housing path.
    HousingPath,
    /// Employment path.
    EmploymentPath,
    /// Reintegration after detention (prison area).
    PrisonReintegration,
}

coded_enum!(ProjectKind, "project kind", {
    CommunitySupport => "community_support",
    LifeProject => "life_project",
    SocialHousing => "social_housing",
    InclusionPath => "inclusion_path",
    HousingPath => "housing_path",
    EmploymentPath => "employment_path",
    PrisonReintegration => "prison_reintegration",
});

/// Where a project stands in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProjectStatus {
    /// Being drawn up with the person; not running yet.
    Draft,
    /// Running: reviews are due.
    Active,
    /// Ended with every objective assessed.
    Completed,
    /// Ended early, with a reason.
    Interrupted,
}

coded_enum!(ProjectStatus, "project status", {
    Draft => "draft",
    Active => "active",
    Completed => "completed",
    Interrupted => "interrupted",
});

impl ProjectStatus {
    /// Whether the project's objectives, participants and actions may still change (draft or
    /// active); completed and interrupted projects are read-only.
    pub fn accepts_changes(self) -> bool {
        matches!(self, ProjectStatus::Draft | ProjectStatus::Active)
    }

    /// The transitions allowed from this status, in the order of [`ProjectTransition::ALL`].
    pub fn allowed_transitions(self) -> Vec<ProjectTransition> {
        ProjectTransition::ALL
            .into_iter()
            .filter(|t| t.target(self).is_some())
            .collect()
    }
}

/// A change of status requested on a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProjectTransition {
    /// `draft` → `active`: needs an objective and a next review date.
    Activate,
    /// `active` → `completed`: needs every objective in a final status.
    Complete,
    /// `active` → `interrupted`: needs a reason.
    Interrupt,
}

coded_enum!(ProjectTransition, "project transition", {
    Activate => "activate",
    Complete => "complete",
    Interrupt => "interrupt",
});

impl ProjectTransition {
    /// The status reached by applying this transition to `from`, if it is allowed.
    fn target(self, from: ProjectStatus) -> Option<ProjectStatus> {
        use ProjectStatus as S;
        use ProjectTransition as T;
        match (from, self) {
            (S::Draft, T::Activate) => Some(S::Active),
            (S::Active, T::Complete) => Some(S::Completed),
            (S::Active, T::Interrupt) => Some(S::Interrupted),
            _ => None,
        }
    }
}

/// A transition that the project lifecycle does not allow from the current status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot `{transition}` a project in status `{from}`; allowed transitions: {}",
    code_list(.allowed)
)]
pub struct IllegalProjectTransition {
    /// The current status.
    pub from: ProjectStatus,
    /// The requested transition.
    pub transition: ProjectTransition,
    /// The transitions allowed from `from`.
    pub allowed: Vec<ProjectTransition>,
}

/// Applies `transition` to a project in `status`, returning the new status.
pub fn apply_project(
    status: ProjectStatus,
    transition: ProjectTransition,
) -> Result<ProjectStatus, IllegalProjectTransition> {
    transition
        .target(status)
        .ok_or_else(|| IllegalProjectTransition {
            from: status,
            transition,
            allowed: status.allowed_transitions(),
        })
}

/// The status of an objective of a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectiveStatus {
    /// Not started.
    Planned,
    /// Being worked on.
    InProgress,
    /// Achieved (final).
    Achieved,
    /// Partially achieved (final).
    PartiallyAchieved,
    /// Not achieved (final).
    NotAchieved,
    /// Given up (final).
    Dropped,
}

coded_enum!(ObjectiveStatus, "objective status", {
    Planned => "planned",
    InProgress => "in_progress",
    Achieved => "achieved",
    PartiallyAchieved => "partially_achieved",
    NotAchieved => "not_achieved",
    Dropped => "dropped",
});

impl ObjectiveStatus {
    /// Whether the status is final (the objective has been assessed for good).
    pub fn is_final(self) -> bool {
        !matches!(self, ObjectiveStatus::Planned | ObjectiveStatus::InProgress)
    }
}

/// Who takes part in a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ParticipantKind {
    /// The person the case file is about.
    Person,
    /// A member of the person's household (another registered person).
    HouseholdMember,
    /// A staff member of the office.
    Staff,
    /// An external service, named by its organisation.
    ExternalService,
}

coded_enum!(ParticipantKind, "participant kind", {
    Person => "person",
    HouseholdMember => "household_member",
    Staff => "staff",
    ExternalService => "external_service",
});

/// The status of an action of a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ActionStatus {
    /// To be done.
    Planned,
    /// Done, on `done_on`.
    Done,
    /// Will not be done.
    Cancelled,
}

coded_enum!(ActionStatus, "action status", {
    Planned => "planned",
    Done => "done",
    Cancelled => "cancelled",
});

// ---------------------------------------------------------------------------------------------
// Texts
// ---------------------------------------------------------------------------------------------

/// Maximum length of a project title, in characters.
pub const TITLE_MAX_CHARS: usize = 200;
/// Maximum length of a description (objective, action) or a reason, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 2000;
/// Maximum length of an indicator, a role or an organisation, in characters.
pub const SHORT_TEXT_MAX_CHARS: usize = 500;
/// Maximum length of the notes of a review, in characters.
pub const NOTES_MAX_CHARS: usize = 10_000;

/// A mandatory text: trimmed, 1 to `max` characters, not only spaces and invisible characters.
pub fn required_text(raw: &str, max: usize) -> Result<String, String> {
    let value = raw.trim();
    let len = value.chars().count();
    // A text of spaces and invisible characters (a zero-width space…) shows nothing.
    if value
        .chars()
        .all(|c| c.is_whitespace() || crate::names::is_invisible(c))
    {
        return Err("must not be empty".into());
    }
    if len > max {
        return Err(format!("must be at most {max} characters long"));
    }
    Ok(value.to_owned())
}

/// An optional text: trimmed; empty means absent; at most `max` characters.
pub fn optional_text(raw: Option<&str>, max: usize) -> Result<Option<String>, String> {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(value) => required_text(value, max).map(Some),
    }
}

// ---------------------------------------------------------------------------------------------
// The project and its parts
// ---------------------------------------------------------------------------------------------

/// A social project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// Identifier.
    pub id: Uuid,
    /// The case file it belongs to.
    pub case_file_id: Uuid,
    /// The kind of project.
    pub kind: ProjectKind,
    /// Short title.
    pub title: String,
    /// Current status.
    pub status: ProjectStatus,
    /// Day it was drawn up.
    pub drafted_on: NaiveDate,
    /// Day it became active.
    pub started_on: Option<NaiveDate>,
    /// Day it was completed or interrupted.
    pub ended_on: Option<NaiveDate>,
    /// Why it was interrupted.
    pub interruption_reason: Option<String>,
    /// When the next review is due (while draft or active).
    pub next_review_on: Option<NaiveDate>,
    /// Version (ETag).
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Creator.
    pub created_by: Uuid,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change.
    pub updated_by: Uuid,
}

/// The checked content of an objective.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectiveContent {
    /// The domain of need it addresses.
    pub domain: AssessmentDomain,
    /// What is to be achieved.
    pub description: String,
    /// By when.
    pub target_date: NaiveDate,
    /// How achievement is measured.
    pub indicator: Option<String>,
    /// Current status.
    pub status: ObjectiveStatus,
}

impl ObjectiveContent {
    /// Checks an objective of a project drawn up on `drafted_on`: description 1-2000
    /// characters (`description`), indicator up to 500 (`indicator`), target date not before
    /// the project was drawn up (`target_date`).
    pub fn parse(
        domain: AssessmentDomain,
        description: &str,
        target_date: NaiveDate,
        indicator: Option<&str>,
        status: ObjectiveStatus,
        drafted_on: NaiveDate,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let description = errors.collect(
            "description",
            required_text(description, DESCRIPTION_MAX_CHARS),
        );
        let indicator = errors.collect("indicator", optional_text(indicator, SHORT_TEXT_MAX_CHARS));
        if target_date < drafted_on {
            errors.push(FieldError::new(
                "target_date",
                format!("must not be before the project was drawn up ({drafted_on})"),
            ));
        }
        match (description, indicator) {
            (Some(description), Some(indicator)) if errors.is_empty() => Ok(Self {
                domain,
                description,
                target_date,
                indicator,
                status,
            }),
            _ => Err(errors),
        }
    }
}

/// An objective of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Objective {
    /// Identifier.
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// Content and status.
    pub content: ObjectiveContent,
    /// Version (ETag).
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Creator.
    pub created_by: Uuid,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change.
    pub updated_by: Uuid,
}

/// Who a participant is, checked against its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParticipantRef {
    /// The person of the case file.
    Person(Uuid),
    /// Another person, member of the household.
    HouseholdMember(Uuid),
    /// A staff member.
    Staff(Uuid),
    /// An external service.
    ExternalService {
        /// The kind of service, when known.
        service: Option<ExternalService>,
        /// The organisation.
        organisation: String,
    },
}

impl ParticipantRef {
    /// The person this participant is, when it is a person of the register (the person of the
    /// case file or a household member): an answer that shows it shows that person.
    pub fn person(&self) -> Option<Uuid> {
        match self {
            ParticipantRef::Person(id) | ParticipantRef::HouseholdMember(id) => Some(*id),
            ParticipantRef::Staff(_) | ParticipantRef::ExternalService { .. } => None,
        }
    }

    /// The kind of participant.
    pub fn kind(&self) -> ParticipantKind {
        match self {
            ParticipantRef::Person(_) => ParticipantKind::Person,
            ParticipantRef::HouseholdMember(_) => ParticipantKind::HouseholdMember,
            ParticipantRef::Staff(_) => ParticipantKind::Staff,
            ParticipantRef::ExternalService { .. } => ParticipantKind::ExternalService,
        }
    }

    /// Checks what identifies a participant of `kind` in a project of the case file of
    /// `case_person`:
    /// - `person`: `person_id` may be omitted and, when given, must be `case_person`;
    /// - `household_member`: `person_id` is required and is another person;
    /// - `staff`: `staff_id` is required;
    /// - `external_service`: `organisation` is required (1-500 characters), `service` optional.
    ///
    /// Fields that do not belong to the kind are refused.
    pub fn parse(
        kind: ParticipantKind,
        person_id: Option<Uuid>,
        staff_id: Option<Uuid>,
        service: Option<ExternalService>,
        organisation: Option<&str>,
        case_person: Uuid,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let refuse = |errors: &mut ValidationErrors, field: &str, present: bool| {
            if present {
                errors.push(FieldError::new(
                    field,
                    format!("not allowed for a participant of kind `{kind}`"),
                ));
            }
        };
        let organisation = organisation.map(str::trim).filter(|o| !o.is_empty());
        let value = match kind {
            ParticipantKind::Person => {
                refuse(&mut errors, "staff_id", staff_id.is_some());
                refuse(&mut errors, "service", service.is_some());
                refuse(&mut errors, "organisation", organisation.is_some());
                if person_id.is_some_and(|p| p != case_person) {
                    errors.push(FieldError::new(
                        "person_id",
                        "must be the person of the case file (or omitted)",
                    ));
                }
                Some(ParticipantRef::Person(case_person))
            }
            ParticipantKind::HouseholdMember => {
                refuse(&mut errors, "staff_id", staff_id.is_some());
                refuse(&mut errors, "service", service.is_some());
                refuse(&mut errors, "organisation", organisation.is_some());
                match person_id {
                    None => {
                        errors.push(FieldError::new(
                            "person_id",
                            "a household member is identified by their person id",
                        ));
                        None
                    }
                    Some(p) if p == case_person => {
                        errors.push(FieldError::new(
                            "person_id",
                            "this is the person of the case file: use the kind `person`",
                        ));
                        None
                    }
                    Some(p) => Some(ParticipantRef::HouseholdMember(p)),
                }
            }
            ParticipantKind::Staff => {
                refuse(&mut errors, "person_id", person_id.is_some());
                refuse(&mut errors, "service", service.is_some());
                refuse(&mut errors, "organisation", organisation.is_some());
                match staff_id {
                    None => {
                        errors.push(FieldError::new(
                            "staff_id",
                            "a staff participant is identified by their user id",
                        ));
                        None
                    }
                    Some(s) => Some(ParticipantRef::Staff(s)),
                }
            }
            ParticipantKind::ExternalService => {
                refuse(&mut errors, "person_id", person_id.is_some());
                refuse(&mut errors, "staff_id", staff_id.is_some());
                match organisation {
                    None => {
                        errors.push(FieldError::new(
                            "organisation",
                            "an external service is identified by its organisation",
                        ));
                        None
                    }
                    Some(o) => errors
                        .collect("organisation", required_text(o, SHORT_TEXT_MAX_CHARS))
                        .map(|organisation| ParticipantRef::ExternalService {
                            service,
                            organisation,
                        }),
                }
            }
        };
        match value {
            Some(v) if errors.is_empty() => Ok(v),
            _ => Err(errors),
        }
    }
}

/// A participant of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// Identifier.
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// Who.
    pub who: ParticipantRef,
    /// Their role in the project (free text).
    pub role: Option<String>,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Creator.
    pub created_by: Uuid,
}

/// The checked content of an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionContent {
    /// What is to be done.
    pub description: String,
    /// The participant responsible for it.
    pub participant_id: Option<Uuid>,
    /// By when.
    pub due_on: Option<NaiveDate>,
    /// Status.
    pub status: ActionStatus,
    /// Day it was done (with `done`).
    pub done_on: Option<NaiveDate>,
}

impl ActionContent {
    /// Checks an action: description 1-2000 characters (`description`); `done_on` is required
    /// with the status `done` and refused otherwise, and is neither in the future nor before the
    /// project was drawn up (`done_on`).
    pub fn parse(
        description: &str,
        participant_id: Option<Uuid>,
        due_on: Option<NaiveDate>,
        status: ActionStatus,
        done_on: Option<NaiveDate>,
        drafted_on: NaiveDate,
        today: NaiveDate,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let description = errors.collect(
            "description",
            required_text(description, DESCRIPTION_MAX_CHARS),
        );
        match (status, done_on) {
            (ActionStatus::Done, None) => errors.push(FieldError::new(
                "done_on",
                "required when the action is done",
            )),
            (ActionStatus::Done, Some(day)) if is_future(day, today) => {
                errors.push(FieldError::new("done_on", IN_THE_FUTURE));
            }
            (ActionStatus::Done, Some(day)) if day < drafted_on => {
                errors.push(FieldError::new(
                    "done_on",
                    format!("must not be before the project was drawn up ({drafted_on})"),
                ));
            }
            (ActionStatus::Done, Some(_)) | (_, None) => {}
            (other, Some(_)) => errors.push(FieldError::new(
                "done_on",
                format!("allowed only when the action is done, not `{other}`"),
            )),
        }
        if due_on.is_some_and(|d| d < drafted_on) {
            errors.push(FieldError::new(
                "due_on",
                format!("must not be before the project was drawn up ({drafted_on})"),
            ));
        }
        match description {
            Some(description) if errors.is_empty() => Ok(Self {
                description,
                participant_id,
                due_on,
                status,
                done_on,
            }),
            _ => Err(errors),
        }
    }
}

/// An action of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectAction {
    /// Identifier.
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// Content and status.
    pub content: ActionContent,
    /// Version (ETag).
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Creator.
    pub created_by: Uuid,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change.
    pub updated_by: Uuid,
}

/// The outcome of a review for one objective.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewOutcome {
    /// The objective.
    pub objective_id: Uuid,
    /// Its status after the review.
    pub status: ObjectiveStatus,
    /// A note on it.
    pub note: Option<String>,
}

/// A review (verifica) of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// Identifier.
    pub id: Uuid,
    /// The project.
    pub project_id: Uuid,
    /// Day of the review.
    pub reviewed_on: NaiveDate,
    /// Outcome per objective.
    pub outcomes: Vec<ReviewOutcome>,
    /// Notes.
    pub notes: Option<String>,
    /// The next review day it set.
    pub next_review_on: NaiveDate,
    /// Who recorded it.
    pub author_id: Uuid,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// A recorded transition of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectTransitionRecord {
    /// Identifier.
    pub id: Uuid,
    /// The transition.
    pub transition: ProjectTransition,
    /// Status before.
    pub from: ProjectStatus,
    /// Status after.
    pub to: ProjectStatus,
    /// Day it took effect.
    pub occurred_on: NaiveDate,
    /// Why.
    pub reason: Option<String>,
    /// Who recorded it.
    pub author_id: Uuid,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

// ---------------------------------------------------------------------------------------------
// Checks of changes
// ---------------------------------------------------------------------------------------------

/// Checks the title of a project (1-200 characters).
pub fn parse_title(raw: &str) -> Result<String, String> {
    required_text(raw, TITLE_MAX_CHARS)
}

/// Checks the day a project is drawn up: not in the future, not before its case file was
/// opened.
pub fn check_drafted_on(
    drafted_on: NaiveDate,
    file_opened_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), String> {
    if is_future(drafted_on, today) {
        return Err(IN_THE_FUTURE.into());
    }
    if drafted_on < file_opened_on {
        return Err(format!(
            "must not be before the case file was opened ({file_opened_on})"
        ));
    }
    Ok(())
}

/// Checks a next review date set on `from` (the day the project is drawn up, starts or is
/// reviewed): it must come after that day.
pub fn check_next_review(next_review_on: NaiveDate, from: NaiveDate) -> Result<(), String> {
    if next_review_on <= from {
        return Err(format!("must be after {from}"));
    }
    Ok(())
}

/// Why a change to a project or its parts is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectChangeError {
    /// The transition is not allowed from the current status (409 with the allowed ones).
    #[error(transparent)]
    Illegal(#[from] IllegalProjectTransition),
    /// The project's state does not allow it (409), e.g. no objective yet, objectives not in a
    /// final status, a read-only project.
    #[error("{0}")]
    State(String),
    /// Invalid fields of the request (422).
    #[error("{0}")]
    Invalid(ValidationErrors),
}

/// A transition request on a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectTransitionRequest {
    /// The transition.
    pub transition: ProjectTransition,
    /// Day it takes effect.
    pub occurred_on: NaiveDate,
    /// Why: required to interrupt, optional otherwise.
    pub reason: Option<String>,
    /// The first review date, to activate (defaults to the one already set on the draft).
    pub next_review_on: Option<NaiveDate>,
}

/// What a transition changes on a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectChange {
    /// Status before.
    pub from: ProjectStatus,
    /// Status after.
    pub to: ProjectStatus,
    /// Start day after the change.
    pub started_on: Option<NaiveDate>,
    /// End day after the change.
    pub ended_on: Option<NaiveDate>,
    /// Interruption reason after the change.
    pub interruption_reason: Option<String>,
    /// Next review day after the change (none once the project has ended).
    pub next_review_on: Option<NaiveDate>,
    /// The trimmed reason text recorded with the transition.
    pub reason: Option<String>,
}

/// Applies a transition to `project` whose objectives are in `objective_statuses`, on `today`.
///
/// Legality comes first (409 with the allowed transitions). Then the fields (422): the day is
/// not in the future nor before the project was drawn up (or started); `reason` is required to
/// interrupt (1-2000 characters); `next_review_on` is accepted only to activate and, from the
/// request or the draft, must exist and come after the start day. Last the state (409): to
/// activate there must be an objective; to complete every objective must be final.
pub fn change_project(
    project: &Project,
    objective_statuses: &[ObjectiveStatus],
    request: &ProjectTransitionRequest,
    today: NaiveDate,
) -> Result<ProjectChange, ProjectChangeError> {
    let to = apply_project(project.status, request.transition)?;
    let mut errors = ValidationErrors::new();
    let day = request.occurred_on;
    let earliest = project.started_on.unwrap_or(project.drafted_on);
    if is_future(day, today) {
        errors.push(FieldError::new("occurred_on", IN_THE_FUTURE));
    } else if day < earliest {
        errors.push(FieldError::new(
            "occurred_on",
            format!("must not be before {earliest}, when the project was drawn up or started"),
        ));
    }
    let reason = errors
        .collect(
            "reason",
            optional_text(request.reason.as_deref(), DESCRIPTION_MAX_CHARS),
        )
        .flatten();
    if request.transition == ProjectTransition::Interrupt && reason.is_none() {
        errors.push(FieldError::new(
            "reason",
            "a reason is required to interrupt a project",
        ));
    }
    let mut next_review_on = None;
    if request.transition == ProjectTransition::Activate {
        match request.next_review_on.or(project.next_review_on) {
            None => errors.push(FieldError::new(
                "next_review_on",
                "an active project needs a next review date",
            )),
            Some(next) => match check_next_review(next, day) {
                Ok(()) => next_review_on = Some(next),
                Err(detail) => errors.push(FieldError::new("next_review_on", detail)),
            },
        }
    } else if request.next_review_on.is_some() {
        errors.push(FieldError::new(
            "next_review_on",
            format!(
                "allowed only to activate; reviews set it afterwards (not with `{}`)",
                request.transition
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(ProjectChangeError::Invalid(errors));
    }
    match request.transition {
        ProjectTransition::Activate if objective_statuses.is_empty() => {
            return Err(ProjectChangeError::State(
                "a project needs at least one objective to become active".into(),
            ));
        }
        ProjectTransition::Complete => {
            let open = objective_statuses.iter().filter(|s| !s.is_final()).count();
            if open > 0 {
                return Err(ProjectChangeError::State(format!(
                    "{open} objective(s) are still planned or in progress: give every objective \
                     a final status (achieved, partially_achieved, not_achieved, dropped) first"
                )));
            }
        }
        _ => {}
    }
    let mut change = ProjectChange {
        from: project.status,
        to,
        started_on: project.started_on,
        ended_on: project.ended_on,
        interruption_reason: None,
        next_review_on,
        reason: reason.clone(),
    };
    match request.transition {
        ProjectTransition::Activate => change.started_on = Some(day),
        ProjectTransition::Complete => change.ended_on = Some(day),
        ProjectTransition::Interrupt => {
            change.ended_on = Some(day);
            change.interruption_reason = reason;
        }
    }
    Ok(change)
}

/// Checks that the parts (objectives, participants, actions) of a project in `status` may
/// change: only while draft or active.
pub fn check_parts_editable(status: ProjectStatus) -> Result<(), ProjectChangeError> {
    if status.accepts_changes() {
        Ok(())
    } else {
        Err(ProjectChangeError::State(format!(
            "the project is {status}: it is read-only"
        )))
    }
}

/// Checks a review of `project`, whose objectives are `objective_ids`, on `today`: the project
/// must be active (409); the review day is neither in the future nor before the project started
/// (`reviewed_on`); the next review comes after it (`next_review_on`); each outcome names a
/// distinct objective of this project (`outcomes/<i>/objective_id`) with a note of up to 2000
/// characters (`outcomes/<i>/note`); notes up to 10,000 characters (`notes`).
///
/// Returns the trimmed notes and outcomes.
pub fn check_review(
    project: &Project,
    objective_ids: &[Uuid],
    reviewed_on: NaiveDate,
    next_review_on: NaiveDate,
    outcomes: &[(Uuid, ObjectiveStatus, Option<String>)],
    notes: Option<&str>,
    today: NaiveDate,
) -> Result<(Option<String>, Vec<ReviewOutcome>), ProjectChangeError> {
    if project.status != ProjectStatus::Active {
        return Err(ProjectChangeError::State(format!(
            "reviews are recorded only on active projects; this one is {}",
            project.status
        )));
    }
    let mut errors = ValidationErrors::new();
    let started = project.started_on.unwrap_or(project.drafted_on);
    if is_future(reviewed_on, today) {
        errors.push(FieldError::new("reviewed_on", IN_THE_FUTURE));
    } else if reviewed_on < started {
        errors.push(FieldError::new(
            "reviewed_on",
            format!("must not be before the project started ({started})"),
        ));
    }
    if let Err(detail) = check_next_review(next_review_on, reviewed_on) {
        errors.push(FieldError::new("next_review_on", detail));
    }
    let notes = errors
        .collect("notes", optional_text(notes, NOTES_MAX_CHARS))
        .flatten();
    let mut checked = Vec::with_capacity(outcomes.len());
    let mut seen: Vec<Uuid> = Vec::new();
    for (i, (objective_id, status, note)) in outcomes.iter().enumerate() {
        if !objective_ids.contains(objective_id) {
            errors.push(FieldError::new(
                format!("outcomes/{i}/objective_id"),
                "no such objective in this project",
            ));
        } else if seen.contains(objective_id) {
            errors.push(FieldError::new(
                format!("outcomes/{i}/objective_id"),
                "this objective already has an outcome in this review",
            ));
        }
        seen.push(*objective_id);
        let note = errors
            .collect(
                &format!("outcomes/{i}/note"),
                optional_text(note.as_deref(), DESCRIPTION_MAX_CHARS),
            )
            .flatten();
        checked.push(ReviewOutcome {
            objective_id: *objective_id,
            status: *status,
            note,
        });
    }
    if errors.is_empty() {
        Ok((notes, checked))
    } else {
        Err(ProjectChangeError::Invalid(errors))
    }
}

/// Whether the review of an active project is overdue on `today` (its next review day has
/// passed).
pub fn review_overdue(project: &Project, today: NaiveDate) -> bool {
    project.status == ProjectStatus::Active && project.next_review_on.is_some_and(|d| d < today)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_of_invisible_characters_is_empty() {
        assert!(required_text("\u{200B}\u{2060} \u{FEFF}", 10).is_err());
        assert_eq!(
            required_text(" Bene\u{200B} ", 10),
            Ok("Bene\u{200B}".into())
        );
        assert!(optional_text(Some("\u{200B}"), 10).is_err());
    }
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn project(status: ProjectStatus) -> Project {
        let at = DateTime::parse_from_rfc3339("2026-03-01T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let started = !matches!(status, ProjectStatus::Draft);
        Project {
            id: Uuid::now_v7(),
            case_file_id: Uuid::now_v7(),
            kind: ProjectKind::InclusionPath,
            title: "Casa e lavoro".into(),
            status,
            drafted_on: day(2026, 3, 1),
            started_on: started.then(|| day(2026, 3, 10)),
            ended_on: None,
            interruption_reason: None,
            next_review_on: Some(day(2026, 6, 10)),
            version: 1,
            created_at: at,
            created_by: Uuid::now_v7(),
            updated_at: at,
            updated_by: Uuid::now_v7(),
        }
    }

    fn request(transition: ProjectTransition, on: NaiveDate) -> ProjectTransitionRequest {
        ProjectTransitionRequest {
            transition,
            occurred_on: on,
            reason: None,
            next_review_on: None,
        }
    }

    const TODAY: (i32, u32, u32) = (2026, 11, 26);

    fn today() -> NaiveDate {
        day(TODAY.0, TODAY.1, TODAY.2)
    }

    #[test]
    fn codes_round_trip() {
        for k in ProjectKind::ALL {
            assert_eq!(k.as_str().parse::<ProjectKind>(), Ok(k));
        }
        for s in ObjectiveStatus::ALL {
            assert_eq!(s.as_str().parse::<ObjectiveStatus>(), Ok(s));
        }
        assert!("done".parse::<ProjectStatus>().is_err());
    }

    #[test]
    fn lifecycle_table() {
        use ProjectStatus as S;
        use ProjectTransition as T;
        assert_eq!(S::Draft.allowed_transitions(), vec![T::Activate]);
        assert_eq!(
            S::Active.allowed_transitions(),
            vec![T::Complete, T::Interrupt]
        );
        assert!(S::Completed.allowed_transitions().is_empty());
        assert!(S::Interrupted.allowed_transitions().is_empty());
        let err = apply_project(S::Draft, T::Complete).unwrap_err();
        assert_eq!(err.allowed, vec![T::Activate]);
        assert!(err.to_string().contains("`activate`"));
        assert!(
            apply_project(S::Completed, T::Interrupt)
                .unwrap_err()
                .to_string()
                .ends_with("none")
        );
    }

    #[test]
    fn activation_needs_an_objective_and_a_next_review() {
        let mut draft = project(ProjectStatus::Draft);
        draft.next_review_on = None;
        let on = day(2026, 4, 1);
        let err = change_project(
            &draft,
            &[ObjectiveStatus::Planned],
            &request(ProjectTransition::Activate, on),
            today(),
        )
        .unwrap_err();
        let ProjectChangeError::Invalid(errors) = err else {
            panic!("{err:?}")
        };
        assert_eq!(errors.errors()[0].field, "next_review_on");
        let mut with_review = request(ProjectTransition::Activate, on);
        with_review.next_review_on = Some(on);
        assert!(matches!(
            change_project(&draft, &[ObjectiveStatus::Planned], &with_review, today()),
            Err(ProjectChangeError::Invalid(_))
        ));
        with_review.next_review_on = Some(day(2026, 7, 1));
        assert!(matches!(
            change_project(&draft, &[], &with_review, today()),
            Err(ProjectChangeError::State(_))
        ));
        let change =
            change_project(&draft, &[ObjectiveStatus::Planned], &with_review, today()).unwrap();
        assert_eq!(change.to, ProjectStatus::Active);
        assert_eq!(change.started_on, Some(on));
        assert_eq!(change.next_review_on, Some(day(2026, 7, 1)));
        // The draft's own next review date is enough.
        draft.next_review_on = Some(day(2026, 6, 1));
        let change = change_project(
            &draft,
            &[ObjectiveStatus::InProgress],
            &request(ProjectTransition::Activate, on),
            today(),
        )
        .unwrap();
        assert_eq!(change.next_review_on, Some(day(2026, 6, 1)));
    }

    #[test]
    fn completion_needs_final_objectives_and_ends_reviews() {
        let active = project(ProjectStatus::Active);
        let on = day(2026, 11, 20);
        assert!(matches!(
            change_project(
                &active,
                &[ObjectiveStatus::Achieved, ObjectiveStatus::InProgress],
                &request(ProjectTransition::Complete, on),
                today()
            ),
            Err(ProjectChangeError::State(_))
        ));
        let change = change_project(
            &active,
            &[ObjectiveStatus::Achieved, ObjectiveStatus::Dropped],
            &request(ProjectTransition::Complete, on),
            today(),
        )
        .unwrap();
        assert_eq!(change.ended_on, Some(on));
        assert_eq!(change.next_review_on, None);
    }

    #[test]
    fn interruption_needs_a_reason() {
        let active = project(ProjectStatus::Active);
        let on = day(2026, 11, 20);
        let err = change_project(
            &active,
            &[],
            &request(ProjectTransition::Interrupt, on),
            today(),
        )
        .unwrap_err();
        assert!(
            matches!(err, ProjectChangeError::Invalid(ref e) if e.errors()[0].field == "reason")
        );
        let mut with_reason = request(ProjectTransition::Interrupt, on);
        with_reason.reason = Some("  moved away  ".into());
        let change = change_project(&active, &[], &with_reason, today()).unwrap();
        assert_eq!(change.interruption_reason.as_deref(), Some("moved away"));
        assert_eq!(change.to, ProjectStatus::Interrupted);
    }

    #[test]
    fn transition_days_are_bounded() {
        let active = project(ProjectStatus::Active);
        for on in [day(2026, 3, 9), day(2026, 11, 27)] {
            let mut r = request(ProjectTransition::Interrupt, on);
            r.reason = Some("x".into());
            assert!(matches!(
                change_project(&active, &[], &r, today()),
                Err(ProjectChangeError::Invalid(ref e)) if e.errors()[0].field == "occurred_on"
            ));
        }
        let mut r = request(ProjectTransition::Complete, day(2026, 11, 1));
        r.next_review_on = Some(day(2027, 1, 1));
        assert!(matches!(
            change_project(&active, &[ObjectiveStatus::Achieved], &r, today()),
            Err(ProjectChangeError::Invalid(ref e)) if e.errors()[0].field == "next_review_on"
        ));
    }

    #[test]
    fn objectives_are_checked() {
        let drafted = day(2026, 3, 1);
        let ok = ObjectiveContent::parse(
            AssessmentDomain::Housing,
            "  Find a room  ",
            day(2026, 12, 31),
            Some(" "),
            ObjectiveStatus::Planned,
            drafted,
        )
        .unwrap();
        assert_eq!(ok.description, "Find a room");
        assert_eq!(ok.indicator, None);
        let err = ObjectiveContent::parse(
            AssessmentDomain::Housing,
            "",
            day(2026, 2, 28),
            Some(&"x".repeat(SHORT_TEXT_MAX_CHARS + 1)),
            ObjectiveStatus::Planned,
            drafted,
        )
        .unwrap_err();
        let fields: Vec<&str> = err.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["description", "indicator", "target_date"]);
    }

    #[test]
    fn participants_are_checked_by_kind() {
        let me = Uuid::now_v7();
        let other = Uuid::now_v7();
        assert_eq!(
            ParticipantRef::parse(ParticipantKind::Person, None, None, None, None, me),
            Ok(ParticipantRef::Person(me))
        );
        assert!(
            ParticipantRef::parse(ParticipantKind::Person, Some(other), None, None, None, me)
                .is_err()
        );
        assert!(
            ParticipantRef::parse(
                ParticipantKind::HouseholdMember,
                Some(me),
                None,
                None,
                None,
                me
            )
            .is_err()
        );
        assert_eq!(
            ParticipantRef::parse(
                ParticipantKind::HouseholdMember,
                Some(other),
                None,
                None,
                None,
                me
            ),
            Ok(ParticipantRef::HouseholdMember(other))
        );
        let err = ParticipantRef::parse(ParticipantKind::Staff, Some(other), None, None, None, me)
            .unwrap_err();
        let fields: Vec<&str> = err.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["person_id", "staff_id"]);
        assert_eq!(
            ParticipantRef::parse(
                ParticipantKind::ExternalService,
                None,
                None,
                Some(ExternalService::AddictionService),
                Some(" SerD Trento "),
                me
            ),
            Ok(ParticipantRef::ExternalService {
                service: Some(ExternalService::AddictionService),
                organisation: "SerD Trento".into()
            })
        );
        assert!(
            ParticipantRef::parse(ParticipantKind::ExternalService, None, None, None, None, me)
                .is_err()
        );
    }

    #[test]
    fn actions_are_checked() {
        let drafted = day(2026, 3, 1);
        assert!(
            ActionContent::parse(
                "Call",
                None,
                None,
                ActionStatus::Done,
                None,
                drafted,
                today()
            )
            .is_err()
        );
        assert!(
            ActionContent::parse(
                "Call",
                None,
                None,
                ActionStatus::Planned,
                Some(drafted),
                drafted,
                today()
            )
            .is_err()
        );
        assert!(
            ActionContent::parse(
                "Call",
                None,
                Some(day(2026, 1, 1)),
                ActionStatus::Planned,
                None,
                drafted,
                today()
            )
            .is_err()
        );
        let done = ActionContent::parse(
            "Call",
            None,
            Some(day(2026, 4, 1)),
            ActionStatus::Done,
            Some(day(2026, 4, 2)),
            drafted,
            today(),
        )
        .unwrap();
        assert_eq!(done.done_on, Some(day(2026, 4, 2)));
    }

    #[test]
    fn reviews_only_on_active_projects_with_known_objectives() {
        let active = project(ProjectStatus::Active);
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        let stranger = Uuid::now_v7();
        let (notes, outcomes) = check_review(
            &active,
            &[a, b],
            day(2026, 6, 10),
            day(2026, 9, 10),
            &[(a, ObjectiveStatus::Achieved, Some(" ok ".into()))],
            Some("  fine "),
            today(),
        )
        .unwrap();
        assert_eq!(notes.as_deref(), Some("fine"));
        assert_eq!(outcomes[0].note.as_deref(), Some("ok"));
        let err = check_review(
            &active,
            &[a, b],
            day(2026, 6, 10),
            day(2026, 6, 10),
            &[
                (a, ObjectiveStatus::Achieved, None),
                (a, ObjectiveStatus::Dropped, None),
                (stranger, ObjectiveStatus::Dropped, None),
            ],
            None,
            today(),
        )
        .unwrap_err();
        let ProjectChangeError::Invalid(errors) = err else {
            panic!()
        };
        let fields: Vec<&str> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "next_review_on",
                "outcomes/1/objective_id",
                "outcomes/2/objective_id"
            ]
        );
        for status in [ProjectStatus::Draft, ProjectStatus::Completed] {
            assert!(matches!(
                check_review(
                    &project(status),
                    &[a],
                    day(2026, 6, 10),
                    day(2026, 9, 10),
                    &[],
                    None,
                    today()
                ),
                Err(ProjectChangeError::State(_))
            ));
        }
    }

    #[test]
    fn overdue_reviews() {
        let active = project(ProjectStatus::Active);
        assert!(!review_overdue(&active, day(2026, 6, 10)));
        assert!(review_overdue(&active, day(2026, 6, 11)));
        assert!(!review_overdue(
            &project(ProjectStatus::Draft),
            day(2027, 1, 1)
        ));
    }

    fn any_transition() -> impl Strategy<Value = ProjectTransition> {
        prop::sample::select(ProjectTransition::ALL.to_vec())
    }

    fn any_objective_status() -> impl Strategy<Value = ObjectiveStatus> {
        prop::sample::select(ObjectiveStatus::ALL.to_vec())
    }

    proptest! {
        /// Any sequence of requested transitions: the allowed list predicts success exactly,
        /// ended projects never move again, and only `draft` reaches `active`.
        #[test]
        fn lifecycle_is_consistent(steps in prop::collection::vec(any_transition(), 0..12)) {
            let mut status = ProjectStatus::Draft;
            for t in steps {
                let allowed = status.allowed_transitions();
                match apply_project(status, t) {
                    Ok(next) => {
                        prop_assert!(allowed.contains(&t));
                        if next == ProjectStatus::Active {
                            prop_assert_eq!(status, ProjectStatus::Draft);
                        }
                        status = next;
                    }
                    Err(e) => {
                        prop_assert!(!allowed.contains(&t));
                        prop_assert_eq!(e.allowed, allowed);
                    }
                }
                if !status.accepts_changes() {
                    prop_assert!(status.allowed_transitions().is_empty());
                }
            }
        }

        /// Completing succeeds exactly when every objective is final.
        #[test]
        fn completion_iff_all_final(statuses in prop::collection::vec(any_objective_status(), 0..8)) {
            let active = project(ProjectStatus::Active);
            let result = change_project(
                &active,
                &statuses,
                &request(ProjectTransition::Complete, day(2026, 11, 1)),
                today(),
            );
            prop_assert_eq!(result.is_ok(), statuses.iter().all(|s| s.is_final()));
        }

        /// A next review day is accepted exactly when it comes after the day it is set on.
        #[test]
        fn next_review_after_the_day(offset in -400i64..400) {
            let from = day(2028, 2, 29);
            let next = from + chrono::Duration::days(offset);
            prop_assert_eq!(check_next_review(next, from).is_ok(), offset > 0);
        }
    }
}

/// What the household-member rule of a participant decides on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HouseholdParticipantFacts {
    /// Whether the named person exists.
    pub person_exists: bool,
    /// The household of the person of the case file on the day.
    pub home_of_file_person: Option<Uuid>,
    /// The household of the named person on the day.
    pub home_of_participant: Option<Uuid>,
}

/// A household member takes part in a project only while they live in the same household as
/// the person of the case file.
pub fn check_household_participant(facts: &HouseholdParticipantFacts) -> Result<(), String> {
    if !facts.person_exists {
        return Err("no person with this id".into());
    }
    match facts.home_of_file_person {
        Some(home) if facts.home_of_participant == Some(home) => Ok(()),
        _ => Err("not a current member of the household of the person of the case file".into()),
    }
}

/// A staff participant must be an active account.
pub fn check_staff_participant(active: bool) -> Result<(), String> {
    if active {
        Ok(())
    } else {
        Err("no active user with this id".into())
    }
}

#[cfg(test)]
mod participant_rules {
    use super::*;

    #[test]
    fn a_household_member_must_share_the_household_today() {
        let home = Uuid::now_v7();
        let ok = HouseholdParticipantFacts {
            person_exists: true,
            home_of_file_person: Some(home),
            home_of_participant: Some(home),
        };
        assert_eq!(check_household_participant(&ok), Ok(()));
        let elsewhere = HouseholdParticipantFacts {
            home_of_participant: Some(Uuid::now_v7()),
            ..ok
        };
        assert!(check_household_participant(&elsewhere).is_err());
        let homeless = HouseholdParticipantFacts {
            home_of_file_person: None,
            home_of_participant: None,
            ..ok
        };
        assert!(check_household_participant(&homeless).is_err());
        let unknown = HouseholdParticipantFacts {
            person_exists: false,
            ..ok
        };
        assert_eq!(
            check_household_participant(&unknown),
            Err("no person with this id".into())
        );
        assert!(check_staff_participant(true).is_ok());
        assert!(check_staff_participant(false).is_err());
    }
}
