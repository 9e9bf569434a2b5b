//! Employment placements (inserimenti lavorativi): the kinds, what binds a placement to its
//! employer and contract, the lifecycle `proposed` → `active` → `completed` | `interrupted`,
//! the days of its transitions and the hours worked each month.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use uuid::Uuid;

use super::EmployerKind;
use crate::case_file::coded_enum;
use crate::error::{FieldError, ValidationErrors};

/// What kind of employment placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WorkKind {
    /// Tirocinio di inclusione: a traineeship for inclusion, with a grant.
    InclusionTraineeship,
    /// Borsa lavoro: a work grant paid by the office.
    WorkGrant,
    /// Hiring under the social clause of a procurement contract.
    SocialClauseHiring,
    /// A measure of the provincial employment plan, from the configured code list.
    ProvincialProgramme,
    /// Progetto utile alla collettività (PUC): community work of a recipient of an income
    /// support measure.
    CommunityUtilityProject,
    /// Collocamento mirato (L. 68/1999): targeted placement of a person with disability.
    TargetedPlacement,
}

coded_enum!(WorkKind, "employment placement kind", {
    InclusionTraineeship => "inclusion_traineeship",
    WorkGrant => "work_grant",
    SocialClauseHiring => "social_clause_hiring",
    ProvincialProgramme => "provincial_programme",
    CommunityUtilityProject => "community_utility_project",
    TargetedPlacement => "targeted_placement",
});

impl WorkKind {
    /// Whether a placement of this kind is a hiring that may have no planned end (an
    /// open-ended contract); the others are fixed-length measures and need one.
    pub fn may_be_open_ended(self) -> bool {
        matches!(
            self,
            WorkKind::SocialClauseHiring | WorkKind::TargetedPlacement
        )
    }
}

/// The status of an employment placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WorkStatus {
    /// Proposed to the person and the employer; not started.
    Proposed,
    /// The person works.
    Active,
    /// Ended as planned.
    Completed,
    /// Ended early, or never started, with a reason.
    Interrupted,
}

coded_enum!(WorkStatus, "employment placement status", {
    Proposed => "proposed",
    Active => "active",
    Completed => "completed",
    Interrupted => "interrupted",
});

/// A change of an employment placement's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WorkTransition {
    /// The person starts working.
    Start,
    /// The placement ends as planned, with its outcome.
    Complete,
    /// The placement ends early or does not start, with a reason.
    Interrupt,
}

coded_enum!(WorkTransition, "employment placement transition", {
    Start => "start",
    Complete => "complete",
    Interrupt => "interrupt",
});

impl WorkStatus {
    /// The transitions allowed from this status.
    pub fn allowed_transitions(self) -> &'static [WorkTransition] {
        match self {
            WorkStatus::Proposed => &[WorkTransition::Start, WorkTransition::Interrupt],
            WorkStatus::Active => &[WorkTransition::Complete, WorkTransition::Interrupt],
            WorkStatus::Completed | WorkStatus::Interrupted => &[],
        }
    }

    /// Whether the person has worked (the placement started).
    pub fn has_started(self) -> bool {
        !matches!(self, WorkStatus::Proposed)
    }
}

/// A transition not allowed from a status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {from} employment placement cannot {transition}; allowed: {allowed}")]
pub struct WorkTransitionError {
    /// The current status.
    pub from: WorkStatus,
    /// What was asked.
    pub transition: WorkTransition,
    /// What is allowed.
    pub allowed: String,
}

/// The status a transition leads to from `from`.
pub fn apply_work(
    from: WorkStatus,
    transition: WorkTransition,
) -> Result<WorkStatus, WorkTransitionError> {
    let to = match (from, transition) {
        (WorkStatus::Proposed, WorkTransition::Start) => WorkStatus::Active,
        (WorkStatus::Active, WorkTransition::Complete) => WorkStatus::Completed,
        (WorkStatus::Proposed | WorkStatus::Active, WorkTransition::Interrupt) => {
            WorkStatus::Interrupted
        }
        _ => {
            return Err(WorkTransitionError {
                from,
                transition,
                allowed: crate::case_file::code_list(from.allowed_transitions()),
            });
        }
    };
    Ok(to)
}

/// What a placement led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WorkOutcome {
    /// Hired on an open-ended contract.
    HiredOpenEnded,
    /// Hired on a fixed-term contract.
    HiredFixedTerm,
    /// Hired as an apprentice.
    Apprenticeship,
    /// No hiring.
    None,
}

coded_enum!(WorkOutcome, "employment outcome", {
    HiredOpenEnded => "hired_open_ended",
    HiredFixedTerm => "hired_fixed_term",
    Apprenticeship => "apprenticeship",
    None => "none",
});

/// The most hours a week a placement may plan (the legal maximum working week, D.Lgs.
/// 66/2003 art. 4).
pub const MAX_WEEKLY_HOURS: u8 = 48;

/// The longest planned period of a fixed-length placement, in days (three years).
pub const MAX_WORK_DAYS: i64 = 1_096;

/// The most hours recorded for one month of one placement.
pub const MAX_MONTH_HOURS: u16 = 300;

/// A provincial programme's code: 1-40 characters `a-z`, `0-9`, `_`.
pub fn parse_programme(raw: &str) -> Result<String, String> {
    let valid = (1..=40).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if valid {
        Ok(raw.to_owned())
    } else {
        Err("must be 1-40 characters a-z, 0-9 and `_`".into())
    }
}

/// What describes an employment placement as it is proposed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkContent {
    /// The kind.
    pub kind: WorkKind,
    /// For a provincial programme: its code.
    pub programme: Option<String>,
    /// The employer (host organisation).
    pub employer_id: Uuid,
    /// The procurement contract whose social clause the placement serves.
    pub contract_id: Option<Uuid>,
    /// The office's tutor (a staff member).
    pub office_tutor_id: Option<Uuid>,
    /// The employer's tutor, by name.
    pub company_tutor: Option<String>,
    /// Planned hours a week.
    pub weekly_hours: u8,
    /// Planned first day.
    pub from_on: NaiveDate,
    /// Planned last day (inclusive); none for an open-ended hiring.
    pub until_on: Option<NaiveDate>,
    /// Notes.
    pub notes: Option<String>,
    /// For a PUC: the commitment of an inclusion pact it fulfils.
    pub commitment_id: Option<Uuid>,
    /// The referral to the employment centre or the labour agency that led to it.
    pub referral_id: Option<Uuid>,
}

/// What a placement's checks need to know of its employer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmployerFacts {
    /// Its kind.
    pub kind: EmployerKind,
    /// Whether it is annulled.
    pub annulled: bool,
}

/// What a placement's checks need to know of its contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractFacts {
    /// The employer awarded the contract.
    pub employer_id: Uuid,
    /// Its first day.
    pub from_on: NaiveDate,
    /// Its last day.
    pub until_on: NaiveDate,
}

/// Checks a proposed placement against the rules that bind its fields, its employer and its
/// contract: 1-[`MAX_WEEKLY_HOURS`] hours a week; a planned end on or after the start and
/// within [`MAX_WORK_DAYS`], required except for a hiring; a programme code (one of
/// `programmes`) exactly for a provincial programme; a contract for a social-clause hiring,
/// awarded to the same employer and running on the first day; a PUC never with a company (it
/// is community work, run by public bodies and the third sector); never an annulled employer.
pub fn check_work(
    content: &WorkContent,
    programmes: &[String],
    employer: EmployerFacts,
    contract: Option<ContractFacts>,
) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if content.weekly_hours == 0 || content.weekly_hours > MAX_WEEKLY_HOURS {
        errors.push(FieldError::new(
            "weekly_hours",
            format!("must be between 1 and {MAX_WEEKLY_HOURS}"),
        ));
    }
    match content.until_on {
        None if !content.kind.may_be_open_ended() => errors.push(FieldError::new(
            "until_on",
            format!(
                "is required: a {} has a planned end (only a hiring may be open-ended)",
                content.kind
            ),
        )),
        Some(until) if until < content.from_on => {
            errors.push(FieldError::new("until_on", "must not be before `from_on`"))
        }
        Some(until) if (until - content.from_on).num_days() >= MAX_WORK_DAYS => errors.push(
            FieldError::new("until_on", "a placement is planned for at most three years"),
        ),
        _ => {}
    }
    match (content.kind, content.programme.as_deref()) {
        (WorkKind::ProvincialProgramme, None) => errors.push(FieldError::new(
            "programme",
            "is required for a provincial programme",
        )),
        (WorkKind::ProvincialProgramme, Some(code)) if !programmes.iter().any(|p| p == code) => {
            errors.push(FieldError::new(
                "programme",
                format!(
                    "is not a programme of the provincial plan; known: {}",
                    crate::case_file::code_list(programmes)
                ),
            ))
        }
        (WorkKind::ProvincialProgramme, Some(_)) | (_, None) => {}
        (_, Some(_)) => errors.push(FieldError::new(
            "programme",
            "is only for a `provincial_programme`",
        )),
    }
    if employer.annulled {
        errors.push(FieldError::new("employer_id", "the employer is annulled"));
    } else if content.kind == WorkKind::CommunityUtilityProject
        && employer.kind == EmployerKind::Company
    {
        errors.push(FieldError::new(
            "employer_id",
            "a community-utility project (PUC) is run by a public body or the third sector, \
             not a company",
        ));
    }
    match (content.kind, contract) {
        (WorkKind::SocialClauseHiring, None) => errors.push(FieldError::new(
            "contract_id",
            "is required for a hiring under a social clause",
        )),
        (_, Some(c)) if c.employer_id != content.employer_id => errors.push(FieldError::new(
            "contract_id",
            "the contract was awarded to another employer",
        )),
        (_, Some(c)) if content.from_on < c.from_on || content.from_on > c.until_on => {
            errors.push(FieldError::new(
                "from_on",
                format!(
                    "must be within the contract's period, {} to {}",
                    c.from_on, c.until_on
                ),
            ))
        }
        _ => {}
    }
    errors.into_result(())
}

/// What the ties of a placement need to know of a pact commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitmentFacts {
    /// The case file of its pact.
    pub case_file_id: Uuid,
    /// The household member who committed.
    pub person_id: Uuid,
    /// Its kind.
    pub kind: crate::pact::CommitmentKind,
}

/// What the ties of a placement need to know of a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferralFacts {
    /// Its case file.
    pub case_file_id: Uuid,
    /// The service referred to or from.
    pub service: crate::case_file::ExternalService,
}

/// Checks what a placement is tied to: a commitment only for a PUC, one of a pact of the same
/// case file, taken by the person placed, of kind `community_utility_project`; a referral of the
/// same case file, to or from the employment centre or the labour agency.
pub fn check_ties(
    content: &WorkContent,
    case_file_id: Uuid,
    person_id: Uuid,
    commitment: Option<CommitmentFacts>,
    referral: Option<ReferralFacts>,
) -> Result<(), ValidationErrors> {
    use crate::case_file::ExternalService;
    use crate::pact::CommitmentKind;
    let mut errors = ValidationErrors::new();
    match (content.commitment_id, commitment) {
        (Some(_), _) if content.kind != WorkKind::CommunityUtilityProject => {
            errors.push(FieldError::new(
                "commitment_id",
                "only a community-utility project (PUC) fulfils a pact commitment",
            ))
        }
        (Some(_), None) => errors.push(FieldError::new(
            "commitment_id",
            "no commitment with this id",
        )),
        (Some(_), Some(c)) if c.case_file_id != case_file_id => errors.push(FieldError::new(
            "commitment_id",
            "the commitment is of a pact of another case file",
        )),
        (Some(_), Some(c)) if c.person_id != person_id => errors.push(FieldError::new(
            "commitment_id",
            "the commitment was taken by another member of the household",
        )),
        (Some(_), Some(c)) if c.kind != CommitmentKind::CommunityUtilityProject => {
            errors.push(FieldError::new(
                "commitment_id",
                "the commitment is not a `community_utility_project` one",
            ))
        }
        _ => {}
    }
    match (content.referral_id, referral) {
        (Some(_), None) => errors.push(FieldError::new("referral_id", "no referral with this id")),
        (Some(_), Some(r)) if r.case_file_id != case_file_id => errors.push(FieldError::new(
            "referral_id",
            "the referral is of another case file",
        )),
        (Some(_), Some(r))
            if !matches!(
                r.service,
                ExternalService::EmploymentCentre | ExternalService::LabourAgency
            ) =>
        {
            errors.push(FieldError::new(
                "referral_id",
                "the referral is not to or from the employment centre or the labour agency",
            ))
        }
        _ => {}
    }
    errors.into_result(())
}

/// Whether a staff member may be a placement's office tutor: an active social worker, educator
/// or area coordinator.
pub fn may_tutor(roles: &std::collections::BTreeSet<crate::staff::Role>, active: bool) -> bool {
    use crate::staff::Role;
    active
        && roles.iter().any(|r| {
            matches!(
                r,
                Role::SocialWorker | Role::Educator | Role::AreaCoordinator
            )
        })
}

/// The status a completed PUC gives the pact commitment it fulfils: `met`, when the commitment
/// is still `pending` and its pact takes changes; otherwise none (a commitment already judged
/// stays as it was).
pub fn fulfilled_commitment(
    current: crate::pact::CommitmentStatus,
    pact_takes_changes: bool,
) -> Option<crate::pact::CommitmentStatus> {
    use crate::pact::CommitmentStatus;
    (current == CommitmentStatus::Pending && pact_takes_changes).then_some(CommitmentStatus::Met)
}

/// An employment placement as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkPlacement {
    /// Identifier.
    pub id: Uuid,
    /// The case file.
    pub case_file_id: Uuid,
    /// The person placed.
    pub person_id: Uuid,
    /// What was proposed.
    pub content: WorkContent,
    /// Current status.
    pub status: WorkStatus,
    /// The day the person started.
    pub started_on: Option<NaiveDate>,
    /// The day it was completed or interrupted.
    pub ended_on: Option<NaiveDate>,
    /// Why it was interrupted.
    pub interruption_reason: Option<String>,
    /// What it led to.
    pub outcome: Option<WorkOutcome>,
    /// The day of the outcome (the hiring).
    pub outcome_on: Option<NaiveDate>,
    /// While it runs: the day the office's tutor is due to review it next.
    pub next_review_on: Option<NaiveDate>,
    /// Hours worked, by month.
    pub hours: Vec<MonthHours>,
    /// Optimistic-lock version.
    pub version: i64,
    /// When it was proposed.
    pub created_at: DateTime<Utc>,
    /// Who proposed it.
    pub created_by: Uuid,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Checks the day of a transition of `placement`: not in the future; a start not after the
/// planned end nor more than a year before the planned start; a completion or an interruption
/// of a started placement not before its start.
pub fn check_work_day(
    placement: &WorkPlacement,
    transition: WorkTransition,
    on: NaiveDate,
    today: NaiveDate,
) -> Result<(), String> {
    if on > today {
        return Err(crate::dates::IN_THE_FUTURE.into());
    }
    match transition {
        WorkTransition::Start if placement.content.until_on.is_some_and(|u| on > u) => {
            Err("must not be after the planned end of the placement".into())
        }
        WorkTransition::Start if (placement.content.from_on - on).num_days() > 366 => {
            Err("must not be more than a year before the planned start".into())
        }
        WorkTransition::Complete | WorkTransition::Interrupt
            if placement.started_on.is_some_and(|s| on < s) =>
        {
            Err("must not be before the day the placement started".into())
        }
        _ => Ok(()),
    }
}

/// A change of a placement's status as asked: the transition and its facts, not yet checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkChangeAsked<'a> {
    /// The transition.
    pub transition: WorkTransition,
    /// The day it happened (default today).
    pub occurred_on: Option<NaiveDate>,
    /// For an interruption (required there, refused elsewhere): why.
    pub reason: Option<&'a str>,
    /// For a completion (required) or an interruption (optional): the outcome.
    pub outcome: Option<WorkOutcome>,
    /// With a hiring outcome: its day (default the day of the change).
    pub outcome_on: Option<NaiveDate>,
    /// For a start (optional): the day of the first tutor review.
    pub next_review_on: Option<NaiveDate>,
}

/// A checked change of a placement's status, as it is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkChange {
    /// The transition.
    pub transition: WorkTransition,
    /// The status it leads to.
    pub to: WorkStatus,
    /// The day it happened.
    pub on: NaiveDate,
    /// For an interruption: why.
    pub interruption_reason: Option<String>,
    /// For a completion (required) or an interruption: the outcome.
    pub outcome: Option<WorkOutcome>,
    /// The day of the outcome.
    pub outcome_on: Option<NaiveDate>,
    /// For a start: the day of the first tutor review (none once it has ended).
    pub next_review_on: Option<NaiveDate>,
}

/// Why a change of a placement's status is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkChangeError {
    /// Fields in error, each with its pointer.
    Invalid(ValidationErrors),
    /// The transition is not allowed from the current status.
    NotAllowed(WorkTransitionError),
}

/// Checks a change of `placement`'s status and returns it as recorded: the day
/// ([`check_work_day`]); the reason exactly for an interruption; the outcome required to
/// complete, refused to start; a hiring outcome's day not before the start (default the day of
/// the change), refused without a hiring; the first tutor review only for a start
/// ([`super::first_review`]); then the transition allowed from the current status.
pub fn check_work_change(
    placement: &WorkPlacement,
    asked: WorkChangeAsked<'_>,
    today: NaiveDate,
) -> Result<WorkChange, WorkChangeError> {
    let transition = asked.transition;
    let on = asked.occurred_on.unwrap_or(today);
    let mut errors = ValidationErrors::new();
    errors.collect(
        "occurred_on",
        check_work_day(placement, transition, on, today),
    );
    let reason = match (transition, asked.reason) {
        (WorkTransition::Interrupt, Some(raw)) => {
            errors.collect("reason", crate::project::required_text(raw, 500))
        }
        (WorkTransition::Interrupt, None) => {
            errors.collect::<String>("reason", Err("is required to interrupt".into()))
        }
        (_, Some(_)) => errors.collect::<String>("reason", Err("is only for `interrupt`".into())),
        (_, None) => None,
    };
    match (transition, asked.outcome) {
        (WorkTransition::Complete, None) => {
            errors.push(FieldError::new("outcome", "is required to complete"));
        }
        (WorkTransition::Start, Some(_)) => {
            errors.push(FieldError::new(
                "outcome",
                "is only for `complete` and `interrupt`",
            ));
        }
        _ => {}
    }
    let hired = asked.outcome.is_some_and(|o| o != WorkOutcome::None);
    let outcome_on = match (asked.outcome_on, hired) {
        (Some(_), false) => {
            errors.push(FieldError::new(
                "outcome_on",
                "is only for a hiring outcome",
            ));
            None
        }
        (Some(day), true) if placement.started_on.is_some_and(|s| day < s) => {
            errors.push(FieldError::new(
                "outcome_on",
                "must not be before the day the placement started",
            ));
            None
        }
        (day, true) => Some(day.unwrap_or(on)),
        (None, false) => None,
    };
    let next_review_on = match (transition, asked.next_review_on) {
        (WorkTransition::Start, chosen) => errors
            .collect(
                "next_review_on",
                super::first_review(on, placement.content.until_on, chosen),
            )
            .map(Some),
        (_, Some(_)) => {
            errors.collect::<Option<NaiveDate>>("next_review_on", Err("is only for `start`".into()))
        }
        (_, None) => Some(None),
    };
    if !errors.is_empty() {
        return Err(WorkChangeError::Invalid(errors));
    }
    let to = apply_work(placement.status, transition).map_err(WorkChangeError::NotAllowed)?;
    Ok(WorkChange {
        transition,
        to,
        on,
        interruption_reason: reason,
        outcome: asked.outcome,
        outcome_on,
        next_review_on: next_review_on.flatten(),
    })
}

/// A calendar month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    /// The year.
    pub year: i32,
    /// The month, 1-12.
    pub month: u32,
}

impl YearMonth {
    /// The month of a day.
    pub fn of(day: NaiveDate) -> Self {
        Self {
            year: day.year(),
            month: day.month(),
        }
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The month after.
    pub fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The months from `self` to `last`, both included (none when `last` is earlier).
    pub fn through(self, last: YearMonth) -> Vec<YearMonth> {
        let mut months = Vec::new();
        let mut m = self;
        while m <= last {
            months.push(m);
            m = m.next();
        }
        months
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for YearMonth {
    type Err = String;

    /// `YYYY-MM`, years 1900-2199.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || "must be a month `YYYY-MM` between 1900-01 and 2199-12".to_owned();
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 || !(y.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if !(1900..=2199).contains(&year) || !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(Self { year, month })
    }
}

/// The hours worked in one month of a placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthHours {
    /// The month.
    pub month: YearMonth,
    /// Hours worked, whole.
    pub hours: u16,
}

/// Checks hours recorded for `month` of `placement`: it started, the month is between its start
/// and its end (or today's month while it runs), and at most [`MAX_MONTH_HOURS`].
pub fn check_month_hours(
    placement: &WorkPlacement,
    month: YearMonth,
    hours: u16,
    today: NaiveDate,
) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if hours > MAX_MONTH_HOURS {
        errors.push(FieldError::new(
            "hours",
            format!("must be between 0 and {MAX_MONTH_HOURS}"),
        ));
    }
    match placement.started_on {
        None => errors.push(FieldError::new(
            "month",
            "the placement has not started: hours are recorded once it is active",
        )),
        Some(start) => {
            let last = YearMonth::of(placement.ended_on.unwrap_or(today));
            if month < YearMonth::of(start) || month > last {
                errors.push(FieldError::new(
                    "month",
                    format!(
                        "must be a month the placement ran, {} to {last}",
                        YearMonth::of(start)
                    ),
                ));
            }
        }
    }
    errors.into_result(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn content(kind: WorkKind) -> WorkContent {
        WorkContent {
            kind,
            programme: None,
            employer_id: Uuid::from_u128(1),
            contract_id: None,
            office_tutor_id: None,
            company_tutor: None,
            weekly_hours: 20,
            from_on: day(2026, 3, 1),
            until_on: Some(day(2026, 8, 31)),
            notes: None,
            commitment_id: None,
            referral_id: None,
        }
    }

    const COOP: EmployerFacts = EmployerFacts {
        kind: EmployerKind::SocialCooperativeB,
        annulled: false,
    };

    fn fields(r: Result<(), ValidationErrors>) -> Vec<String> {
        r.err()
            .map(|e| e.errors().iter().map(|f| f.field.clone()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn every_transition_from_every_status() {
        use WorkStatus::*;
        use WorkTransition::*;
        let expected = [
            (Proposed, Start, Some(Active)),
            (Proposed, Complete, None),
            (Proposed, Interrupt, Some(Interrupted)),
            (Active, Start, None),
            (Active, Complete, Some(Completed)),
            (Active, Interrupt, Some(Interrupted)),
            (Completed, Start, None),
            (Completed, Complete, None),
            (Completed, Interrupt, None),
            (Interrupted, Start, None),
            (Interrupted, Complete, None),
            (Interrupted, Interrupt, None),
        ];
        for (from, t, to) in expected {
            assert_eq!(apply_work(from, t).ok(), to, "{from} {t}");
            assert_eq!(from.allowed_transitions().contains(&t), to.is_some());
        }
        let e = apply_work(Completed, Start).unwrap_err();
        assert_eq!(
            e.to_string(),
            "a completed employment placement cannot start; allowed: none"
        );
    }

    #[test]
    fn a_fixed_length_measure_needs_an_end_and_a_hiring_may_be_open_ended() {
        let mut c = content(WorkKind::InclusionTraineeship);
        c.until_on = None;
        assert_eq!(fields(check_work(&c, &[], COOP, None)), ["until_on"]);
        let mut c = content(WorkKind::TargetedPlacement);
        c.until_on = None;
        assert!(check_work(&c, &[], COOP, None).is_ok());
        let mut c = content(WorkKind::WorkGrant);
        c.until_on = Some(day(2026, 2, 28));
        assert_eq!(fields(check_work(&c, &[], COOP, None)), ["until_on"]);
        c.until_on = Some(day(2029, 3, 1));
        assert_eq!(fields(check_work(&c, &[], COOP, None)), ["until_on"]);
        c.until_on = Some(day(2029, 2, 28));
        assert!(check_work(&c, &[], COOP, None).is_ok());
    }

    #[test]
    fn weekly_hours_are_one_to_forty_eight() {
        for (hours, ok) in [(0, false), (1, true), (48, true), (49, false)] {
            let mut c = content(WorkKind::WorkGrant);
            c.weekly_hours = hours;
            assert_eq!(check_work(&c, &[], COOP, None).is_ok(), ok, "{hours}");
        }
    }

    #[test]
    fn a_programme_code_exactly_for_a_provincial_programme() {
        let known = vec!["intervento_19".to_owned()];
        let mut c = content(WorkKind::ProvincialProgramme);
        assert_eq!(fields(check_work(&c, &known, COOP, None)), ["programme"]);
        c.programme = Some("intervento_20".into());
        let e = check_work(&c, &known, COOP, None).unwrap_err();
        assert!(e.errors()[0].detail.contains("`intervento_19`"));
        c.programme = Some("intervento_19".into());
        assert!(check_work(&c, &known, COOP, None).is_ok());
        let mut c = content(WorkKind::WorkGrant);
        c.programme = Some("intervento_19".into());
        assert_eq!(fields(check_work(&c, &known, COOP, None)), ["programme"]);
        assert!(parse_programme("intervento_3_3_d").is_ok());
        for bad in ["", "Intervento", "a-b", &"x".repeat(41)] {
            assert!(parse_programme(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_social_clause_hiring_needs_a_running_contract_of_its_employer() {
        let mut c = content(WorkKind::SocialClauseHiring);
        assert_eq!(fields(check_work(&c, &[], COOP, None)), ["contract_id"]);
        let contract = ContractFacts {
            employer_id: c.employer_id,
            from_on: day(2026, 1, 1),
            until_on: day(2027, 12, 31),
        };
        c.contract_id = Some(Uuid::from_u128(9));
        assert!(check_work(&c, &[], COOP, Some(contract)).is_ok());
        let other = ContractFacts {
            employer_id: Uuid::from_u128(2),
            ..contract
        };
        assert_eq!(
            fields(check_work(&c, &[], COOP, Some(other))),
            ["contract_id"]
        );
        let later = ContractFacts {
            from_on: day(2026, 4, 1),
            ..contract
        };
        assert_eq!(fields(check_work(&c, &[], COOP, Some(later))), ["from_on"]);
    }

    #[test]
    fn a_puc_is_not_with_a_company_and_nothing_with_an_annulled_employer() {
        let c = content(WorkKind::CommunityUtilityProject);
        let company = EmployerFacts {
            kind: EmployerKind::Company,
            annulled: false,
        };
        assert_eq!(fields(check_work(&c, &[], company, None)), ["employer_id"]);
        let public = EmployerFacts {
            kind: EmployerKind::PublicBody,
            annulled: false,
        };
        assert!(check_work(&c, &[], public, None).is_ok());
        let annulled = EmployerFacts {
            annulled: true,
            ..public
        };
        assert_eq!(fields(check_work(&c, &[], annulled, None)), ["employer_id"]);
    }

    fn asked(transition: WorkTransition) -> WorkChangeAsked<'static> {
        WorkChangeAsked {
            transition,
            occurred_on: None,
            reason: None,
            outcome: None,
            outcome_on: None,
            next_review_on: None,
        }
    }

    fn invalid(result: Result<WorkChange, WorkChangeError>) -> Vec<String> {
        match result {
            Err(WorkChangeError::Invalid(e)) => {
                e.errors().iter().map(|f| f.field.clone()).collect()
            }
            other => panic!("expected invalid fields, got {other:?}"),
        }
    }

    #[test]
    fn a_change_carries_exactly_the_facts_of_its_transition() {
        let today = day(2026, 4, 10);
        let proposed = placement(WorkStatus::Proposed, None);
        let active = placement(WorkStatus::Active, Some(day(2026, 3, 2)));
        // A start plans the first review; it takes no outcome nor reason.
        let started = check_work_change(&proposed, asked(WorkTransition::Start), today).unwrap();
        assert_eq!(started.to, WorkStatus::Active);
        assert_eq!(started.on, today);
        assert_eq!(started.next_review_on, Some(day(2026, 5, 10)));
        let mut a = asked(WorkTransition::Start);
        a.outcome = Some(WorkOutcome::None);
        a.reason = Some("why");
        assert_eq!(
            invalid(check_work_change(&proposed, a, today)),
            ["reason", "outcome"]
        );
        // Completing needs the outcome; a hiring's day defaults to the end.
        assert_eq!(
            invalid(check_work_change(
                &active,
                asked(WorkTransition::Complete),
                today
            )),
            ["outcome"]
        );
        let mut a = asked(WorkTransition::Complete);
        a.outcome = Some(WorkOutcome::HiredFixedTerm);
        let done = check_work_change(&active, a, today).unwrap();
        assert_eq!(
            (done.to, done.outcome_on, done.next_review_on),
            (WorkStatus::Completed, Some(today), None)
        );
        a.outcome_on = Some(day(2026, 3, 1));
        assert_eq!(
            invalid(check_work_change(&active, a, today)),
            ["outcome_on"]
        );
        a.outcome = Some(WorkOutcome::None);
        a.outcome_on = Some(today);
        assert_eq!(
            invalid(check_work_change(&active, a, today)),
            ["outcome_on"]
        );
        // Interrupting needs a reason; only a start plans a review.
        let mut a = asked(WorkTransition::Interrupt);
        a.next_review_on = Some(day(2026, 5, 1));
        assert_eq!(
            invalid(check_work_change(&active, a, today)),
            ["reason", "next_review_on"]
        );
        a.reason = Some("  ");
        a.next_review_on = None;
        assert_eq!(invalid(check_work_change(&active, a, today)), ["reason"]);
        // A valid change not allowed from the status.
        let mut a = asked(WorkTransition::Complete);
        a.outcome = Some(WorkOutcome::None);
        assert!(matches!(
            check_work_change(&proposed, a, today),
            Err(WorkChangeError::NotAllowed(_))
        ));
    }

    fn placement(status: WorkStatus, started: Option<NaiveDate>) -> WorkPlacement {
        WorkPlacement {
            id: Uuid::from_u128(5),
            case_file_id: Uuid::from_u128(6),
            person_id: Uuid::from_u128(7),
            content: content(WorkKind::WorkGrant),
            status,
            started_on: started,
            ended_on: None,
            interruption_reason: None,
            outcome: None,
            outcome_on: None,
            next_review_on: None,
            hours: Vec::new(),
            version: 1,
            created_at: DateTime::<Utc>::MIN_UTC,
            created_by: Uuid::from_u128(8),
            updated_at: DateTime::<Utc>::MIN_UTC,
        }
    }

    #[test]
    fn a_puc_fulfils_a_puc_commitment_of_its_person_and_a_referral_is_to_employment() {
        use crate::case_file::ExternalService;
        use crate::pact::CommitmentKind;
        let (file, person) = (Uuid::from_u128(6), Uuid::from_u128(7));
        let mut c = content(WorkKind::CommunityUtilityProject);
        c.commitment_id = Some(Uuid::from_u128(20));
        let puc = CommitmentFacts {
            case_file_id: file,
            person_id: person,
            kind: CommitmentKind::CommunityUtilityProject,
        };
        assert!(check_ties(&c, file, person, Some(puc), None).is_ok());
        for (facts, why) in [
            (None, "no commitment"),
            (
                Some(CommitmentFacts {
                    case_file_id: Uuid::from_u128(9),
                    ..puc
                }),
                "another case file",
            ),
            (
                Some(CommitmentFacts {
                    person_id: Uuid::from_u128(9),
                    ..puc
                }),
                "another member",
            ),
            (
                Some(CommitmentFacts {
                    kind: CommitmentKind::Training,
                    ..puc
                }),
                "not a `community",
            ),
        ] {
            let e = check_ties(&c, file, person, facts, None).unwrap_err();
            assert!(e.errors()[0].detail.contains(why), "{why}");
        }
        let mut grant = content(WorkKind::WorkGrant);
        grant.commitment_id = Some(Uuid::from_u128(20));
        assert!(check_ties(&grant, file, person, Some(puc), None).is_err());
        let mut referred = content(WorkKind::WorkGrant);
        referred.referral_id = Some(Uuid::from_u128(21));
        let centre = ReferralFacts {
            case_file_id: file,
            service: ExternalService::EmploymentCentre,
        };
        assert!(check_ties(&referred, file, person, None, Some(centre)).is_ok());
        let serd = ReferralFacts {
            service: ExternalService::AddictionService,
            ..centre
        };
        assert_eq!(
            check_ties(&referred, file, person, None, Some(serd))
                .unwrap_err()
                .errors()[0]
                .field,
            "referral_id"
        );
    }

    #[test]
    fn tutors_and_fulfilled_commitments() {
        use crate::pact::CommitmentStatus;
        use crate::staff::Role;
        let roles = |r: &[Role]| r.iter().copied().collect::<std::collections::BTreeSet<_>>();
        assert!(may_tutor(&roles(&[Role::Educator]), true));
        assert!(!may_tutor(&roles(&[Role::Educator]), false));
        assert!(!may_tutor(
            &roles(&[Role::Administrative, Role::OfficeManager]),
            true
        ));
        assert_eq!(
            fulfilled_commitment(CommitmentStatus::Pending, true),
            Some(CommitmentStatus::Met)
        );
        assert_eq!(fulfilled_commitment(CommitmentStatus::Pending, false), None);
        assert_eq!(fulfilled_commitment(CommitmentStatus::Missed, true), None);
    }

    #[test]
    fn transition_days() {
        let today = day(2026, 5, 10);
        let p = placement(WorkStatus::Proposed, None);
        assert!(check_work_day(&p, WorkTransition::Start, day(2026, 5, 11), today).is_err());
        assert!(check_work_day(&p, WorkTransition::Start, day(2026, 3, 2), today).is_ok());
        assert!(check_work_day(&p, WorkTransition::Start, day(2025, 2, 27), today).is_err());
        let p = placement(WorkStatus::Active, Some(day(2026, 3, 2)));
        assert!(check_work_day(&p, WorkTransition::Complete, day(2026, 3, 1), today).is_err());
        assert!(check_work_day(&p, WorkTransition::Interrupt, day(2026, 3, 2), today).is_ok());
    }

    #[test]
    fn months_parse_and_hours_fall_in_the_months_the_placement_ran() {
        assert_eq!(
            "2026-03".parse::<YearMonth>(),
            Ok(YearMonth {
                year: 2026,
                month: 3
            })
        );
        for bad in [
            "2026-13",
            "2026-00",
            "26-03",
            "2026-3",
            "0000-01",
            "2026-03-01",
            "+026-03",
        ] {
            assert!(bad.parse::<YearMonth>().is_err(), "{bad}");
        }
        assert_eq!(
            YearMonth::of(day(2026, 11, 5))
                .through(YearMonth::of(day(2027, 2, 1)))
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["2026-11", "2026-12", "2027-01", "2027-02"]
        );
        let today = day(2026, 5, 10);
        let m = |s: &str| s.parse::<YearMonth>().unwrap();
        let proposed = placement(WorkStatus::Proposed, None);
        assert!(check_month_hours(&proposed, m("2026-03"), 10, today).is_err());
        let active = placement(WorkStatus::Active, Some(day(2026, 3, 2)));
        assert!(check_month_hours(&active, m("2026-03"), 80, today).is_ok());
        assert!(check_month_hours(&active, m("2026-05"), 300, today).is_ok());
        assert!(check_month_hours(&active, m("2026-05"), 301, today).is_err());
        assert!(check_month_hours(&active, m("2026-02"), 10, today).is_err());
        assert!(check_month_hours(&active, m("2026-06"), 10, today).is_err());
    }
}
