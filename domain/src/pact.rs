//! The inclusion pact (Patto per l'inclusione sociale, PaIS) that goes with an income support
//! measure: its steps, lifecycle `draft` → `signed` → `active` ⇄ `suspended` → `closed`,
//! commitments per household member, periodic checks, non-compliance events, and the legal
//! clocks computed from versioned rules.
//!
//! # Clock rules and their versions
//!
//! The deadlines are set by national (ADI) and local (AUP, other) rules that change over time.
//! They live in [`CLOCK_RULES`], a table in code: each entry has a `version` code, the measure,
//! the day from which it applies (`valid_from`) and its periods. A pact is computed under the
//! rules in force on its activation day (or the day it was drawn up) and stores that version
//! code: adding a new entry to the table never changes the deadlines of existing pacts. A rule
//! change is a reviewed code change with its own tests, and the version code is shown with each
//! pact, so the office can say which rule a deadline comes from.

use crate::dates::{IN_THE_FUTURE, is_future};
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Days, NaiveDate, Utc};
use uuid::Uuid;

use crate::case_file::{code_list, coded_enum};
use crate::error::{FieldError, ValidationErrors};
use crate::project::{DESCRIPTION_MAX_CHARS, SHORT_TEXT_MAX_CHARS, optional_text, required_text};

/// The income support measure a pact goes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Measure {
    /// Assegno di inclusione (national, since 2024).
    Adi,
    /// Reddito di cittadinanza: legacy records, which can only be read and closed.
    Rdc,
    /// Assegno unico provinciale (local).
    Aup,
    /// Another local measure.
    LocalOther,
}

coded_enum!(Measure, "measure", {
    Adi => "adi",
    Rdc => "rdc",
    Aup => "aup",
    LocalOther => "local_other",
});

impl Measure {
    /// Whether new pacts and new data (steps, commitments, checks) may be recorded under this
    /// measure: not for the legacy `rdc`, whose pacts may only be read and closed.
    pub fn accepts_new_data(self) -> bool {
        self != Measure::Rdc
    }
}

/// Where a pact stands in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PactStatus {
    /// Convocation, preliminary analysis and in-depth assessment are under way.
    Draft,
    /// Signed by the household; commitments can be agreed.
    Signed,
    /// Running: periodic checks are due.
    Active,
    /// Temporarily suspended.
    Suspended,
    /// Closed with an outcome (read-only).
    Closed,
}

coded_enum!(PactStatus, "pact status", {
    Draft => "draft",
    Signed => "signed",
    Active => "active",
    Suspended => "suspended",
    Closed => "closed",
});

/// A change of status requested on a pact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PactTransition {
    /// `draft` → `signed`: after a preliminary analysis that keeps the social path.
    Sign,
    /// `signed` → `active`.
    Activate,
    /// `active` → `suspended`.
    Suspend,
    /// `suspended` → `active`.
    Resume,
    /// any status but `closed` → `closed`, with a closure outcome.
    Close,
}

coded_enum!(PactTransition, "pact transition", {
    Sign => "sign",
    Activate => "activate",
    Suspend => "suspend",
    Resume => "resume",
    Close => "close",
});

impl PactTransition {
    fn target(self, from: PactStatus) -> Option<PactStatus> {
        use PactStatus as S;
        use PactTransition as T;
        match (from, self) {
            (S::Draft, T::Sign) => Some(S::Signed),
            (S::Signed, T::Activate) | (S::Suspended, T::Resume) => Some(S::Active),
            (S::Active, T::Suspend) => Some(S::Suspended),
            (S::Draft | S::Signed | S::Active | S::Suspended, T::Close) => Some(S::Closed),
            _ => None,
        }
    }
}

impl PactStatus {
    /// The transitions allowed from this status, in the order of [`PactTransition::ALL`].
    pub fn allowed_transitions(self) -> Vec<PactTransition> {
        PactTransition::ALL
            .into_iter()
            .filter(|t| t.target(self).is_some())
            .collect()
    }

    /// The transitions allowed on a pact of `measure` in this status: a legacy `rdc` pact may
    /// only be closed.
    pub fn allowed_for(self, measure: Measure) -> Vec<PactTransition> {
        self.allowed_transitions()
            .into_iter()
            .filter(|t| measure.accepts_new_data() || *t == PactTransition::Close)
            .collect()
    }

    /// Whether commitments may be agreed: only once signed, and not once closed.
    pub fn accepts_commitments(self) -> bool {
        matches!(
            self,
            PactStatus::Signed | PactStatus::Active | PactStatus::Suspended
        )
    }
}

/// A transition that the pact lifecycle does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot `{transition}` a pact in status `{from}`; allowed transitions: {}",
    code_list(.allowed)
)]
pub struct IllegalPactTransition {
    /// The current status.
    pub from: PactStatus,
    /// The requested transition.
    pub transition: PactTransition,
    /// The transitions allowed now.
    pub allowed: Vec<PactTransition>,
}

/// Applies `transition` to a pact of `measure` in `status`.
pub fn apply_pact(
    status: PactStatus,
    measure: Measure,
    transition: PactTransition,
) -> Result<PactStatus, IllegalPactTransition> {
    let allowed = status.allowed_for(measure);
    match transition.target(status) {
        Some(to) if allowed.contains(&transition) => Ok(to),
        _ => Err(IllegalPactTransition {
            from: status,
            transition,
            allowed,
        }),
    }
}

/// How a pact ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClosureOutcome {
    /// The path was completed.
    Completed,
    /// The benefit lapsed (decadenza, end of the period).
    Lapsed,
    /// The benefit was revoked.
    Revoked,
    /// Transferred to another service (e.g. the employment path of the Centro per l'impiego).
    Transferred,
}

coded_enum!(ClosureOutcome, "closure outcome", {
    Completed => "completed",
    Lapsed => "lapsed",
    Revoked => "revoked",
    Transferred => "transferred",
});

/// A step of the pact before (and at) the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StepKind {
    /// The household is convened by the social services (starts the signature clock).
    Convocation,
    /// Analisi preliminare, with its outcome.
    PreliminaryAnalysis,
    /// Quadro di analisi approfondito.
    InDepthAssessment,
    /// The pact is signed (recorded by the `sign` transition).
    Signature,
}

coded_enum!(StepKind, "pact step", {
    Convocation => "convocation",
    PreliminaryAnalysis => "preliminary_analysis",
    InDepthAssessment => "in_depth_assessment",
    Signature => "signature",
});

/// The outcome of the preliminary analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AnalysisOutcome {
    /// The household follows the social path with the social services.
    SocialPath,
    /// The household goes to the employment path of the Centro per l'impiego: the pact with the
    /// social services closes (`transferred`) and a referral is sent.
    EmploymentPath,
    /// The household is followed by specialist services (health, addiction, mental health) with
    /// the social services.
    SpecialistServices,
}

coded_enum!(AnalysisOutcome, "analysis outcome", {
    SocialPath => "social_path",
    EmploymentPath => "employment_path",
    SpecialistServices => "specialist_services",
});

/// The kind of a commitment of a household member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CommitmentKind {
    /// Meetings with the services.
    MeetingsWithServices,
    /// Active job search.
    ActiveJobSearch,
    /// Training.
    Training,
    /// School attendance of minors.
    SchoolAttendance,
    /// Health prevention.
    HealthPrevention,
    /// Specialist care.
    SpecialistCare,
    /// Community-utility project (PUC).
    CommunityUtilityProject,
}

coded_enum!(CommitmentKind, "commitment kind", {
    MeetingsWithServices => "meetings_with_services",
    ActiveJobSearch => "active_job_search",
    Training => "training",
    SchoolAttendance => "school_attendance",
    HealthPrevention => "health_prevention",
    SpecialistCare => "specialist_care",
    CommunityUtilityProject => "community_utility_project",
});

/// How often a commitment recurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Frequency {
    /// Once.
    Once,
    /// Every week.
    Weekly,
    /// Every month.
    Monthly,
    /// Every three months.
    Quarterly,
}

coded_enum!(Frequency, "frequency", {
    Once => "once",
    Weekly => "weekly",
    Monthly => "monthly",
    Quarterly => "quarterly",
});

/// The status of a commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CommitmentStatus {
    /// Not yet verified.
    Pending,
    /// Met.
    Met,
    /// Missed.
    Missed,
    /// Missed for a justified reason (the reason is required).
    Justified,
}

coded_enum!(CommitmentStatus, "commitment status", {
    Pending => "pending",
    Met => "met",
    Missed => "missed",
    Justified => "justified",
});

/// Checks a commitment status with its justification: required with `justified` (1-2000
/// characters, field `justification`), refused otherwise.
pub fn check_commitment_status(
    status: CommitmentStatus,
    justification: Option<&str>,
    pointer: &str,
) -> Result<Option<String>, ValidationErrors> {
    let text = optional_text(justification, DESCRIPTION_MAX_CHARS)
        .map_err(|e| ValidationErrors::single(pointer, e))?;
    match (status, text) {
        (CommitmentStatus::Justified, None) => Err(ValidationErrors::single(
            pointer,
            "a justified commitment needs the reason",
        )),
        (CommitmentStatus::Justified, Some(text)) => Ok(Some(text)),
        (_, None) => Ok(None),
        (other, Some(_)) => Err(ValidationErrors::single(
            pointer,
            format!("a reason is allowed only with `justified`, not `{other}`"),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Clock rules
// ---------------------------------------------------------------------------------------------

/// The deadlines of one measure from a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockRules {
    /// Version code stored on each pact computed under these rules.
    pub version: &'static str,
    /// The measure.
    pub measure: Measure,
    /// First day (activation day of the benefit) these rules apply to.
    pub valid_from: NaiveDate,
    /// The household must be convened within this many days of the activation day.
    pub convocation_within_days: Option<u64>,
    /// The pact must be signed within this many days of the convocation.
    pub signature_within_days: Option<u64>,
    /// While active, a check is due at least every this many days (from the start, then from
    /// the last check).
    pub check_every_days: Option<u64>,
    /// Whether days spent suspended do not count towards the check deadline.
    pub suspension_stops_clock: bool,
}

const fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(day) => day,
        None => NaiveDate::MIN,
    }
}

/// Every rule version, oldest first per measure. Add a new entry (never change an old one)
/// when a rule changes: pacts keep the version they were computed under.
pub const CLOCK_RULES: &[ClockRules] = &[
    ClockRules {
        version: "rdc-2019",
        measure: Measure::Rdc,
        valid_from: date(2019, 4, 1),
        convocation_within_days: None,
        signature_within_days: None,
        check_every_days: None,
        suspension_stops_clock: true,
    },
    ClockRules {
        version: "adi-2024",
        measure: Measure::Adi,
        valid_from: date(2024, 1, 1),
        convocation_within_days: Some(60),
        signature_within_days: Some(120),
        check_every_days: Some(90),
        suspension_stops_clock: true,
    },
    ClockRules {
        version: "aup-2024",
        measure: Measure::Aup,
        valid_from: date(2024, 1, 1),
        convocation_within_days: Some(30),
        signature_within_days: Some(60),
        check_every_days: Some(60),
        suspension_stops_clock: false,
    },
    ClockRules {
        version: "aup-2026",
        measure: Measure::Aup,
        valid_from: date(2026, 7, 1),
        convocation_within_days: Some(45),
        signature_within_days: Some(90),
        check_every_days: Some(90),
        suspension_stops_clock: true,
    },
    ClockRules {
        version: "local-2024",
        measure: Measure::LocalOther,
        valid_from: date(2024, 1, 1),
        convocation_within_days: None,
        signature_within_days: Some(90),
        check_every_days: Some(180),
        suspension_stops_clock: true,
    },
];

/// The rules in force for `measure` on `day`: the entry with the latest `valid_from` not after
/// it (the oldest entry for days before every entry, so a pact always has rules).
pub fn rules_for(measure: Measure, day: NaiveDate) -> Option<&'static ClockRules> {
    let mut of_measure = CLOCK_RULES.iter().filter(|r| r.measure == measure);
    let first = of_measure.clone().min_by_key(|r| r.valid_from);
    of_measure
        .by_ref()
        .filter(|r| r.valid_from <= day)
        .max_by_key(|r| r.valid_from)
        .or(first)
}

/// The rules of a version code.
pub fn rules_version(version: &str) -> Option<&'static ClockRules> {
    CLOCK_RULES.iter().find(|r| r.version == version)
}

/// `day` plus `days`, saturating at the last representable day.
pub fn add_days(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_add_days(Days::new(days))
        .unwrap_or(NaiveDate::MAX)
}

/// A period a pact spent suspended: from the day of the suspension to the day it resumed
/// (exclusive), or still running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suspension {
    /// First suspended day.
    pub from: NaiveDate,
    /// Day it resumed; `None` while suspended.
    pub until: Option<NaiveDate>,
}

/// Days of `suspensions` that fall in `[from, until)`.
pub fn suspended_days(suspensions: &[Suspension], from: NaiveDate, until: NaiveDate) -> u64 {
    suspensions
        .iter()
        .map(|s| {
            let start = s.from.max(from);
            let end = s.until.unwrap_or(until).min(until);
            u64::try_from((end - start).num_days()).unwrap_or(0)
        })
        .sum()
}

/// What is due on a pact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DueKind {
    /// The household must be convened.
    Convocation,
    /// The pact must be signed.
    Signature,
    /// A periodic check is due.
    Check,
    /// A commitment is due.
    Commitment,
}

coded_enum!(DueKind, "due kind", {
    Convocation => "convocation",
    Signature => "signature",
    Check => "check",
    Commitment => "commitment",
});

/// One deadline of a pact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueItem {
    /// What is due.
    pub kind: DueKind,
    /// By when.
    pub due_on: NaiveDate,
    /// Whether the day has passed.
    pub late: bool,
    /// The commitment, for [`DueKind::Commitment`].
    pub commitment_id: Option<Uuid>,
}

/// What the clock needs to know about a pact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockFacts {
    /// Current status.
    pub status: PactStatus,
    /// Activation day of the benefit.
    pub activation_on: Option<NaiveDate>,
    /// Day the household was convened.
    pub convocation_on: Option<NaiveDate>,
    /// Day it was signed.
    pub signed_on: Option<NaiveDate>,
    /// Day it first became active.
    pub active_since: Option<NaiveDate>,
    /// Day of the last periodic check.
    pub last_check_on: Option<NaiveDate>,
    /// Periods spent suspended.
    pub suspensions: Vec<Suspension>,
    /// Pending commitments with their due day.
    pub pending_commitments: Vec<(Uuid, NaiveDate)>,
}

/// A deadline of a pact as it can be stored: the day it falls on, unless the pact's clock is
/// stopped by a suspension still running, in which case it moves one day later for every day
/// of the suspension (see [`clock_deadlines`]). What [`deadlines`] computes for any day, read
/// back without the pact's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// What is due.
    pub kind: DueKind,
    /// The due day, on the day the clock stopped when `stopped_since` is set.
    pub due_on: NaiveDate,
    /// First day of a running suspension that stops the clock: on any later day the deadline
    /// falls that many days after `due_on`.
    pub stopped_since: Option<NaiveDate>,
    /// The commitment, for [`DueKind::Commitment`].
    pub commitment_id: Option<Uuid>,
}

impl Deadline {
    /// The deadline as it stands on `today`.
    pub fn on(&self, today: NaiveDate) -> DueItem {
        let due_on = match self.stopped_since {
            Some(since) if today > since => add_days(
                self.due_on,
                u64::try_from((today - since).num_days()).unwrap_or(0),
            ),
            _ => self.due_on,
        };
        DueItem {
            kind: self.kind,
            due_on,
            late: due_on < today,
            commitment_id: self.commitment_id,
        }
    }
}

/// The deadlines of a pact under `rules`, independent of the day they are read on: the
/// convocation (until it happens), the signature (after the convocation, until signed), the
/// next check (while active or suspended) and the pending commitments. A closed pact has none.
///
/// When the rules say that a suspension stops the clock, the check deadline moves by the
/// suspended days since the last check (or the start); while a suspension is still running the
/// deadline is stored with the day the clock stopped ([`Deadline::stopped_since`]) and keeps
/// moving, so a suspended pact never becomes late for its check. Suspensions are recorded
/// days, never in the future, so the deadlines hold on every day from the last change on.
pub fn clock_deadlines(facts: &ClockFacts, rules: &ClockRules) -> Vec<Deadline> {
    let mut items = Vec::new();
    if facts.status == PactStatus::Closed {
        return items;
    }
    let mut push = |kind, due_on: NaiveDate, stopped_since, commitment_id| {
        items.push(Deadline {
            kind,
            due_on,
            stopped_since,
            commitment_id,
        });
    };
    if facts.convocation_on.is_none()
        && let (Some(activation), Some(days)) = (facts.activation_on, rules.convocation_within_days)
    {
        push(DueKind::Convocation, add_days(activation, days), None, None);
    }
    if facts.signed_on.is_none()
        && let (Some(convocation), Some(days)) = (facts.convocation_on, rules.signature_within_days)
    {
        push(DueKind::Signature, add_days(convocation, days), None, None);
    }
    if matches!(facts.status, PactStatus::Active | PactStatus::Suspended)
        && let Some(days) = rules.check_every_days
        && let Some(base) = facts.last_check_on.or(facts.active_since)
    {
        let (extra, stopped_since) = if rules.suspension_stops_clock {
            // The days of the suspensions that ended (each counted from the base on), and the
            // start of the one still running, which keeps adding days.
            let closed: Vec<Suspension> = facts
                .suspensions
                .iter()
                .copied()
                .filter(|s| s.until.is_some())
                .collect();
            let running = facts
                .suspensions
                .iter()
                .filter(|s| s.until.is_none())
                .map(|s| s.from.max(base))
                .max();
            (suspended_days(&closed, base, NaiveDate::MAX), running)
        } else {
            (0, None)
        };
        push(
            DueKind::Check,
            add_days(base, days.saturating_add(extra)),
            stopped_since,
            None,
        );
    }
    for (id, due_on) in &facts.pending_commitments {
        push(DueKind::Commitment, *due_on, None, Some(*id));
    }
    items.sort_by_key(|i| (i.due_on, i.kind, i.commitment_id));
    items
}

/// The deadlines of a pact on `today` under `rules`, by due day (then kind): the
/// [`clock_deadlines`] as they stand on that day.
pub fn deadlines(facts: &ClockFacts, rules: &ClockRules, today: NaiveDate) -> Vec<DueItem> {
    let mut items: Vec<DueItem> = clock_deadlines(facts, rules)
        .iter()
        .map(|d| d.on(today))
        .collect();
    items.sort_by_key(|i| (i.due_on, i.kind, i.commitment_id));
    items
}

// ---------------------------------------------------------------------------------------------
// The pact and its changes
// ---------------------------------------------------------------------------------------------

/// Maximum length of a national application reference.
pub const APPLICATION_REFERENCE_MAX_CHARS: usize = 50;

/// An inclusion pact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pact {
    /// Identifier.
    pub id: Uuid,
    /// The case file it belongs to.
    pub case_file_id: Uuid,
    /// The household it covers.
    pub household_id: Option<Uuid>,
    /// The measure.
    pub measure: Measure,
    /// The reference of the application to the national (or local) institute.
    pub application_reference: String,
    /// Current status.
    pub status: PactStatus,
    /// Day it was drawn up.
    pub drafted_on: NaiveDate,
    /// Activation day of the benefit.
    pub activation_on: Option<NaiveDate>,
    /// Day the household was convened.
    pub convocation_on: Option<NaiveDate>,
    /// Outcome of the preliminary analysis.
    pub analysis_outcome: Option<AnalysisOutcome>,
    /// Day it was signed.
    pub signed_on: Option<NaiveDate>,
    /// Day it first became active.
    pub active_since: Option<NaiveDate>,
    /// Day of the last periodic check.
    pub last_check_on: Option<NaiveDate>,
    /// Day it was closed.
    pub closed_on: Option<NaiveDate>,
    /// How it ended.
    pub closure_outcome: Option<ClosureOutcome>,
    /// The clock rule version it is computed under.
    pub rules_version: String,
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

/// Why a change to a pact is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PactChangeError {
    /// Not allowed from the current status (409 with the allowed transitions).
    #[error(transparent)]
    Illegal(#[from] IllegalPactTransition),
    /// The pact's state does not allow it (409).
    #[error("{0}")]
    State(String),
    /// Invalid fields (422).
    #[error("{0}")]
    Invalid(ValidationErrors),
}

/// Checks the data of a new pact drawn up on `drafted_on` (not in the future, not before the
/// case file was opened): the measure accepts new pacts (`measure`), the application
/// reference is 1-50 characters (`application_reference`), the activation day is not in the
/// future (`activation_on`) and is required for `adi` (its clock starts from it).
///
/// Returns the trimmed reference and the rules the pact is computed under.
pub fn check_new_pact(
    measure: Measure,
    application_reference: &str,
    activation_on: Option<NaiveDate>,
    drafted_on: NaiveDate,
    file_opened_on: NaiveDate,
    today: NaiveDate,
) -> Result<(String, &'static ClockRules), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if !measure.accepts_new_data() {
        errors.push(FieldError::new(
            "measure",
            "`rdc` is a legacy measure: its pacts can only be read and closed",
        ));
    }
    let reference = errors.collect(
        "application_reference",
        required_text(application_reference, APPLICATION_REFERENCE_MAX_CHARS),
    );
    if is_future(drafted_on, today) {
        errors.push(FieldError::new("drafted_on", IN_THE_FUTURE));
    } else if drafted_on < file_opened_on {
        errors.push(FieldError::new(
            "drafted_on",
            format!("must not be before the case file was opened ({file_opened_on})"),
        ));
    }
    match activation_on {
        Some(day) if is_future(day, today) => {
            errors.push(FieldError::new("activation_on", IN_THE_FUTURE));
        }
        None if measure == Measure::Adi => errors.push(FieldError::new(
            "activation_on",
            "an `adi` pact needs the activation day of the benefit: its clock starts from it",
        )),
        _ => {}
    }
    let rules = rules_for(measure, activation_on.unwrap_or(drafted_on));
    match (reference, rules) {
        (Some(reference), Some(rules)) if errors.is_empty() => Ok((reference, rules)),
        (_, None) => {
            errors.push(FieldError::new(
                "measure",
                "no clock rules for this measure",
            ));
            Err(errors)
        }
        _ => Err(errors),
    }
}

/// Checks a step recorded on `pact` on `occurred_on` (not in the future, not before the pact
/// was drawn up; field `occurred_on`), on `today`:
/// - only on a draft pact of a measure that accepts new data (409 otherwise);
/// - `convocation` once; `preliminary_analysis` once, after the convocation, with an outcome
///   (field `outcome`); `in_depth_assessment` once, after a preliminary analysis that kept the
///   social or specialist path; `signature` only through the `sign` transition;
/// - an outcome is refused on other steps.
pub fn check_step(
    pact: &Pact,
    recorded: &[StepKind],
    kind: StepKind,
    occurred_on: NaiveDate,
    outcome: Option<AnalysisOutcome>,
    today: NaiveDate,
) -> Result<(), PactChangeError> {
    let mut errors = ValidationErrors::new();
    if is_future(occurred_on, today) {
        errors.push(FieldError::new("occurred_on", IN_THE_FUTURE));
    } else if occurred_on < pact.drafted_on {
        errors.push(FieldError::new(
            "occurred_on",
            format!(
                "must not be before the pact was drawn up ({})",
                pact.drafted_on
            ),
        ));
    }
    match (kind, outcome) {
        (StepKind::PreliminaryAnalysis, None) => errors.push(FieldError::new(
            "outcome",
            "the preliminary analysis needs its outcome",
        )),
        (StepKind::PreliminaryAnalysis, Some(_)) | (_, None) => {}
        (other, Some(_)) => errors.push(FieldError::new(
            "outcome",
            format!("an outcome belongs to the preliminary analysis, not to `{other}`"),
        )),
    }
    if kind == StepKind::Signature {
        errors.push(FieldError::new(
            "kind",
            "the signature is recorded with the `sign` transition",
        ));
    }
    if !errors.is_empty() {
        return Err(PactChangeError::Invalid(errors));
    }
    if !pact.measure.accepts_new_data() {
        return Err(PactChangeError::State(
            "`rdc` is a legacy measure: its pacts can only be read and closed".into(),
        ));
    }
    if pact.status != PactStatus::Draft {
        return Err(PactChangeError::State(format!(
            "steps before the signature are recorded on draft pacts; this one is {}",
            pact.status
        )));
    }
    if recorded.contains(&kind) {
        return Err(PactChangeError::State(format!(
            "the step `{kind}` is already recorded"
        )));
    }
    match kind {
        StepKind::PreliminaryAnalysis if !recorded.contains(&StepKind::Convocation) => Err(
            PactChangeError::State("record the convocation before the preliminary analysis".into()),
        ),
        StepKind::InDepthAssessment
            if !matches!(
                pact.analysis_outcome,
                Some(AnalysisOutcome::SocialPath | AnalysisOutcome::SpecialistServices)
            ) =>
        {
            Err(PactChangeError::State(
                "the in-depth assessment follows a preliminary analysis that keeps the social \
                 or specialist path"
                    .into(),
            ))
        }
        _ => Ok(()),
    }
}

/// A transition request on a pact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PactTransitionRequest {
    /// The transition.
    pub transition: PactTransition,
    /// Day it takes effect.
    pub occurred_on: NaiveDate,
    /// Why (required to suspend and to close).
    pub reason: Option<String>,
    /// How it ends (required to close, refused otherwise).
    pub closure_outcome: Option<ClosureOutcome>,
}

/// Checks a transition of `pact` on `today`: legality first (409 with the allowed ones; a
/// legacy `rdc` pact may only be closed); then the fields (422): the day is not in the future
/// nor before the last change of the pact's dates (`occurred_on`), a reason is required to
/// suspend and close (`reason`), a closure outcome is required to close and refused otherwise
/// (`closure_outcome`); then the state (409): signing needs a preliminary analysis that kept
/// the social or specialist path.
///
/// Returns the new status and the trimmed reason.
pub fn check_pact_transition(
    pact: &Pact,
    request: &PactTransitionRequest,
    last_change_on: NaiveDate,
    today: NaiveDate,
) -> Result<(PactStatus, Option<String>), PactChangeError> {
    let to = apply_pact(pact.status, pact.measure, request.transition)?;
    let mut errors = ValidationErrors::new();
    let day = request.occurred_on;
    if is_future(day, today) {
        errors.push(FieldError::new("occurred_on", IN_THE_FUTURE));
    } else if day < last_change_on {
        errors.push(FieldError::new(
            "occurred_on",
            format!("must not be before the pact's last step or change ({last_change_on})"),
        ));
    }
    let reason = errors
        .collect(
            "reason",
            optional_text(request.reason.as_deref(), DESCRIPTION_MAX_CHARS),
        )
        .flatten();
    if matches!(
        request.transition,
        PactTransition::Suspend | PactTransition::Close
    ) && reason.is_none()
    {
        errors.push(FieldError::new(
            "reason",
            format!("a reason is required to `{}`", request.transition),
        ));
    }
    match (request.transition, request.closure_outcome) {
        (PactTransition::Close, None) => errors.push(FieldError::new(
            "closure_outcome",
            "closing a pact needs its outcome",
        )),
        (PactTransition::Close, Some(_)) | (_, None) => {}
        (other, Some(_)) => errors.push(FieldError::new(
            "closure_outcome",
            format!("allowed only to close, not with `{other}`"),
        )),
    }
    if !errors.is_empty() {
        return Err(PactChangeError::Invalid(errors));
    }
    if request.transition == PactTransition::Sign
        && !matches!(
            pact.analysis_outcome,
            Some(AnalysisOutcome::SocialPath | AnalysisOutcome::SpecialistServices)
        )
    {
        return Err(PactChangeError::State(
            "a pact is signed after a preliminary analysis that keeps the social or specialist \
             path"
                .into(),
        ));
    }
    Ok((to, reason))
}

/// The checked content of a commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitmentContent {
    /// The household member it concerns.
    pub person_id: Uuid,
    /// Kind.
    pub kind: CommitmentKind,
    /// Who follows it (service or operator).
    pub owner: String,
    /// How often.
    pub frequency: Frequency,
    /// By when.
    pub due_on: NaiveDate,
    /// How it is verified.
    pub verification: String,
    /// Status.
    pub status: CommitmentStatus,
    /// The reason, with `justified`.
    pub justification: Option<String>,
}

impl CommitmentContent {
    /// Checks a commitment of a pact signed on `signed_on`: `owner` and `verification` 1-500
    /// characters, `due_on` not before the signature, the justification with its status.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        person_id: Uuid,
        kind: CommitmentKind,
        owner: &str,
        frequency: Frequency,
        due_on: NaiveDate,
        verification: &str,
        status: CommitmentStatus,
        justification: Option<&str>,
        signed_on: Option<NaiveDate>,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let owner = errors.collect("owner", required_text(owner, SHORT_TEXT_MAX_CHARS));
        let verification = errors.collect(
            "verification",
            required_text(verification, SHORT_TEXT_MAX_CHARS),
        );
        if let Some(signed) = signed_on
            && due_on < signed
        {
            errors.push(FieldError::new(
                "due_on",
                format!("must not be before the pact was signed ({signed})"),
            ));
        }
        let justification = match check_commitment_status(status, justification, "justification") {
            Ok(j) => j,
            Err(e) => {
                for error in e.errors() {
                    errors.push(error.clone());
                }
                None
            }
        };
        match (owner, verification) {
            (Some(owner), Some(verification)) if errors.is_empty() => Ok(Self {
                person_id,
                kind,
                owner,
                frequency,
                due_on,
                verification,
                status,
                justification,
            }),
            _ => Err(errors),
        }
    }
}

/// Checks that commitments may be added or changed on `pact`: signed, active or suspended, of
/// a measure that accepts new data (409 otherwise).
pub fn check_commitments_allowed(pact: &Pact) -> Result<(), PactChangeError> {
    if !pact.measure.accepts_new_data() {
        return Err(PactChangeError::State(
            "`rdc` is a legacy measure: its pacts can only be read and closed".into(),
        ));
    }
    if pact.status.accepts_commitments() {
        Ok(())
    } else if pact.status == PactStatus::Closed {
        Err(PactChangeError::State(
            "the pact is closed: it is read-only".into(),
        ))
    } else {
        Err(PactChangeError::State(
            "commitments are agreed on signed pacts; sign this one first".into(),
        ))
    }
}

/// Checks a periodic check on `checked_on` of `pact`: only while active (409); not in the
/// future nor before the pact became active or its last check (`checked_on`).
pub fn check_periodic_check(
    pact: &Pact,
    checked_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), PactChangeError> {
    if !pact.measure.accepts_new_data() || pact.status != PactStatus::Active {
        return Err(PactChangeError::State(format!(
            "checks are recorded on active pacts; this one is {}",
            pact.status
        )));
    }
    let earliest = pact
        .last_check_on
        .or(pact.active_since)
        .unwrap_or(pact.drafted_on);
    if is_future(checked_on, today) {
        return Err(PactChangeError::Invalid(ValidationErrors::single(
            "checked_on",
            IN_THE_FUTURE,
        )));
    }
    if checked_on < earliest {
        return Err(PactChangeError::Invalid(ValidationErrors::single(
            "checked_on",
            format!("must not be before the start or the last check ({earliest})"),
        )));
    }
    Ok(())
}

/// A recorded transition of a pact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PactTransitionRecord {
    /// Identifier.
    pub id: Uuid,
    /// The transition.
    pub transition: PactTransition,
    /// Status before.
    pub from: PactStatus,
    /// Status after.
    pub to: PactStatus,
    /// Day it took effect.
    pub occurred_on: NaiveDate,
    /// Why.
    pub reason: Option<String>,
    /// How it ended (close).
    pub closure_outcome: Option<ClosureOutcome>,
    /// Who recorded it.
    pub author_id: Uuid,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// The suspension periods of a pact from its transitions (oldest first).
pub fn suspensions_of(transitions: &[PactTransitionRecord]) -> Vec<Suspension> {
    suspensions_from(transitions.iter().map(|t| (t.transition, t.occurred_on)))
}

/// The suspensions of a history given as (transition, day) pairs, oldest first: each
/// suspension runs until the next resumption or closure.
pub fn suspensions_from(
    history: impl IntoIterator<Item = (PactTransition, NaiveDate)>,
) -> Vec<Suspension> {
    let mut out: Vec<Suspension> = Vec::new();
    for (transition, on) in history {
        match transition {
            PactTransition::Suspend => out.push(Suspension {
                from: on,
                until: None,
            }),
            PactTransition::Resume | PactTransition::Close => {
                if let Some(last) = out.last_mut()
                    && last.until.is_none()
                {
                    last.until = Some(on);
                }
            }
            _ => {}
        }
    }
    out
}

/// A recorded step of a pact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PactStep {
    /// Identifier.
    pub id: Uuid,
    /// The pact.
    pub pact_id: Uuid,
    /// The step.
    pub kind: StepKind,
    /// Day it happened.
    pub occurred_on: NaiveDate,
    /// Outcome (preliminary analysis).
    pub outcome: Option<AnalysisOutcome>,
    /// Notes.
    pub notes: Option<String>,
    /// Who recorded it.
    pub author_id: Uuid,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// A commitment of a household member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commitment {
    /// Identifier.
    pub id: Uuid,
    /// The pact.
    pub pact_id: Uuid,
    /// Content and status.
    pub content: CommitmentContent,
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

/// The outcome of a periodic check for one commitment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    /// The commitment.
    pub commitment_id: Uuid,
    /// Its status after the check.
    pub status: CommitmentStatus,
    /// A note, or the justification with `justified`.
    pub note: Option<String>,
}

/// A periodic check of a pact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PactCheck {
    /// Identifier.
    pub id: Uuid,
    /// The pact.
    pub pact_id: Uuid,
    /// Day of the check.
    pub checked_on: NaiveDate,
    /// The household members who attended.
    pub attendees: Vec<Uuid>,
    /// Outcome per commitment.
    pub outcomes: Vec<CheckOutcome>,
    /// Notes.
    pub notes: Option<String>,
    /// Who recorded it.
    pub author_id: Uuid,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// A non-compliance event of a pact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonCompliance {
    /// Identifier.
    pub id: Uuid,
    /// The pact.
    pub pact_id: Uuid,
    /// The commitment not kept, if one.
    pub commitment_id: Option<Uuid>,
    /// Day it happened.
    pub occurred_on: NaiveDate,
    /// What happened.
    pub description: String,
    /// Whether it is relevant for sanctions (reported to the national institute).
    pub relevant_for_sanctions: bool,
    /// Day it was reported.
    pub reported_on: Option<NaiveDate>,
    /// Who recorded it.
    pub recorded_by: Uuid,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// Checks the outcomes of a check against the pact's commitments (`commitment_ids`): each
/// names a distinct commitment of the pact (`outcomes/<i>/commitment_id`), and a justified
/// outcome has its reason in `note` (`outcomes/<i>/note`).
pub fn check_check_outcomes(
    outcomes: &[(Uuid, CommitmentStatus, Option<String>)],
    commitment_ids: &[Uuid],
) -> Result<Vec<CheckOutcome>, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for (i, (id, status, note)) in outcomes.iter().enumerate() {
        if !commitment_ids.contains(id) {
            errors.push(FieldError::new(
                format!("outcomes/{i}/commitment_id"),
                "no such commitment in this pact",
            ));
        } else if seen.contains(id) {
            errors.push(FieldError::new(
                format!("outcomes/{i}/commitment_id"),
                "this commitment already has an outcome in this check",
            ));
        }
        seen.push(*id);
        let note = if *status == CommitmentStatus::Justified {
            match check_commitment_status(*status, note.as_deref(), &format!("outcomes/{i}/note")) {
                Ok(n) => n,
                Err(e) => {
                    for error in e.errors() {
                        errors.push(error.clone());
                    }
                    None
                }
            }
        } else {
            errors
                .collect(
                    &format!("outcomes/{i}/note"),
                    optional_text(note.as_deref(), DESCRIPTION_MAX_CHARS),
                )
                .flatten()
        };
        out.push(CheckOutcome {
            commitment_id: *id,
            status: *status,
            note,
        });
    }
    errors.into_result(out)
}

/// Checks a non-compliance event of `pact`: on a signed, active or suspended pact (409);
/// the day not in the future nor before the signature (`occurred_on`); a description of
/// 1-2000 characters (`description`); the day it was reported only when relevant for sanctions,
/// not before the event nor in the future (`reported_on`).
pub fn check_non_compliance(
    pact: &Pact,
    occurred_on: NaiveDate,
    description: &str,
    relevant_for_sanctions: bool,
    reported_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<String, PactChangeError> {
    check_commitments_allowed(pact)?;
    let mut errors = ValidationErrors::new();
    let description = errors.collect(
        "description",
        required_text(description, DESCRIPTION_MAX_CHARS),
    );
    let earliest = pact.signed_on.unwrap_or(pact.drafted_on);
    if is_future(occurred_on, today) {
        errors.push(FieldError::new("occurred_on", IN_THE_FUTURE));
    } else if occurred_on < earliest {
        errors.push(FieldError::new(
            "occurred_on",
            format!("must not be before the pact was signed ({earliest})"),
        ));
    }
    match reported_on {
        Some(_) if !relevant_for_sanctions => errors.push(FieldError::new(
            "reported_on",
            "only events relevant for sanctions are reported",
        )),
        Some(day) if is_future(day, today) || day < occurred_on => errors.push(FieldError::new(
            "reported_on",
            "must be between the day of the event and today",
        )),
        _ => {}
    }
    match description {
        Some(d) if errors.is_empty() => Ok(d),
        _ => Err(PactChangeError::Invalid(errors)),
    }
}

#[cfg(test)]
mod record_tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn check_outcomes_name_distinct_commitments_and_justify() {
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        let ok = check_check_outcomes(
            &[
                (a, CommitmentStatus::Met, None),
                (b, CommitmentStatus::Justified, Some(" ill ".into())),
            ],
            &[a, b],
        )
        .unwrap();
        assert_eq!(ok[1].note.as_deref(), Some("ill"));
        let err = check_check_outcomes(
            &[
                (a, CommitmentStatus::Met, None),
                (a, CommitmentStatus::Missed, None),
                (Uuid::now_v7(), CommitmentStatus::Justified, None),
            ],
            &[a, b],
        )
        .unwrap_err();
        let fields: Vec<&str> = err.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "outcomes/1/commitment_id",
                "outcomes/2/commitment_id",
                "outcomes/2/note"
            ]
        );
    }

    #[test]
    fn non_compliance_is_reported_only_when_relevant() {
        let at = Utc::now();
        let mut pact = Pact {
            id: Uuid::now_v7(),
            case_file_id: Uuid::now_v7(),
            household_id: None,
            measure: Measure::Adi,
            application_reference: "x".into(),
            status: PactStatus::Active,
            drafted_on: day(2026, 1, 1),
            activation_on: None,
            convocation_on: None,
            analysis_outcome: None,
            signed_on: Some(day(2026, 2, 1)),
            active_since: Some(day(2026, 2, 1)),
            last_check_on: None,
            closed_on: None,
            closure_outcome: None,
            rules_version: "adi-2024".into(),
            version: 1,
            created_at: at,
            created_by: Uuid::now_v7(),
            updated_at: at,
            updated_by: Uuid::now_v7(),
        };
        let today = day(2026, 11, 26);
        assert!(
            check_non_compliance(
                &pact,
                day(2026, 3, 1),
                "Absent",
                true,
                Some(day(2026, 3, 2)),
                today
            )
            .is_ok()
        );
        let Err(PactChangeError::Invalid(e)) = check_non_compliance(
            &pact,
            day(2026, 1, 15),
            " ",
            false,
            Some(day(2026, 3, 2)),
            today,
        ) else {
            panic!()
        };
        let fields: Vec<&str> = e.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["description", "occurred_on", "reported_on"]);
        pact.status = PactStatus::Closed;
        assert!(matches!(
            check_non_compliance(&pact, day(2026, 3, 1), "Absent", false, None, today),
            Err(PactChangeError::State(_))
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn adi() -> &'static ClockRules {
        rules_version("adi-2024").unwrap()
    }

    fn facts(status: PactStatus) -> ClockFacts {
        ClockFacts {
            status,
            activation_on: None,
            convocation_on: None,
            signed_on: None,
            active_since: None,
            last_check_on: None,
            suspensions: Vec::new(),
            pending_commitments: Vec::new(),
        }
    }

    fn pact(status: PactStatus, measure: Measure) -> Pact {
        let at = DateTime::parse_from_rfc3339("2026-01-10T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        Pact {
            id: Uuid::now_v7(),
            case_file_id: Uuid::now_v7(),
            household_id: None,
            measure,
            application_reference: "INPS-ADI-1".into(),
            status,
            drafted_on: day(2026, 1, 10),
            activation_on: Some(day(2026, 1, 5)),
            convocation_on: None,
            analysis_outcome: None,
            signed_on: None,
            active_since: None,
            last_check_on: None,
            closed_on: None,
            closure_outcome: None,
            rules_version: "adi-2024".into(),
            version: 1,
            created_at: at,
            created_by: Uuid::now_v7(),
            updated_at: at,
            updated_by: Uuid::now_v7(),
        }
    }

    #[test]
    fn lifecycle_table() {
        use PactStatus as S;
        use PactTransition as T;
        assert_eq!(S::Draft.allowed_transitions(), vec![T::Sign, T::Close]);
        assert_eq!(S::Signed.allowed_transitions(), vec![T::Activate, T::Close]);
        assert_eq!(S::Active.allowed_transitions(), vec![T::Suspend, T::Close]);
        assert_eq!(
            S::Suspended.allowed_transitions(),
            vec![T::Resume, T::Close]
        );
        assert!(S::Closed.allowed_transitions().is_empty());
        let err = apply_pact(S::Active, Measure::Adi, T::Resume).unwrap_err();
        assert_eq!(err.allowed, vec![T::Suspend, T::Close]);
        // Legacy records: only closing.
        assert_eq!(S::Active.allowed_for(Measure::Rdc), vec![T::Close]);
        assert!(apply_pact(S::Active, Measure::Rdc, T::Suspend).is_err());
        assert_eq!(apply_pact(S::Active, Measure::Rdc, T::Close), Ok(S::Closed));
        assert!(S::Signed.accepts_commitments() && !S::Draft.accepts_commitments());
        assert!(!S::Closed.accepts_commitments());
    }

    #[test]
    fn rules_are_chosen_by_day_and_kept_by_version() {
        assert_eq!(
            rules_for(Measure::Aup, day(2026, 6, 30)).unwrap().version,
            "aup-2024"
        );
        assert_eq!(
            rules_for(Measure::Aup, day(2026, 7, 1)).unwrap().version,
            "aup-2026"
        );
        // Before the first entry: the oldest rules.
        assert_eq!(
            rules_for(Measure::Adi, day(2023, 5, 1)).unwrap().version,
            "adi-2024"
        );
        assert_eq!(
            rules_for(Measure::Rdc, day(2026, 1, 1)).unwrap().version,
            "rdc-2019"
        );
        // A pact computed under aup-2024 keeps its 60-day checks after aup-2026 came in.
        let old = rules_version("aup-2024").unwrap();
        let mut f = facts(PactStatus::Active);
        f.active_since = Some(day(2026, 8, 1));
        assert_eq!(
            deadlines(&f, old, day(2026, 8, 2))[0].due_on,
            day(2026, 9, 30)
        );
        let new = rules_version("aup-2026").unwrap();
        assert_eq!(
            deadlines(&f, new, day(2026, 8, 2))[0].due_on,
            day(2026, 10, 30)
        );
        // Versions are unique and every measure has rules.
        for (i, r) in CLOCK_RULES.iter().enumerate() {
            assert!(CLOCK_RULES[i + 1..].iter().all(|o| o.version != r.version));
        }
        for m in Measure::ALL {
            assert!(rules_for(m, day(2030, 1, 1)).is_some());
        }
    }

    #[test]
    fn adi_convocation_signature_and_checks() {
        let today = day(2024, 3, 15);
        let mut f = facts(PactStatus::Draft);
        // Leap year: 1 January + 60 days is 1 March in 2024.
        f.activation_on = Some(day(2024, 1, 1));
        let items = deadlines(&f, adi(), today);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].kind, DueKind::Convocation);
        assert_eq!(items[0].due_on, day(2024, 3, 1));
        assert!(items[0].late);
        // And 2 March in a common year.
        f.activation_on = Some(day(2023, 1, 1));
        assert_eq!(deadlines(&f, adi(), today)[0].due_on, day(2023, 3, 2));
        // Month ends: 31 December + 60 days is 1 March (2025 is not a leap year).
        f.activation_on = Some(day(2024, 12, 31));
        assert_eq!(deadlines(&f, adi(), today)[0].due_on, day(2025, 3, 1));
        // After the convocation, the signature within 120 days.
        f.convocation_on = Some(day(2024, 2, 29));
        let items = deadlines(&f, adi(), today);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].kind, DueKind::Signature);
        assert_eq!(items[0].due_on, day(2024, 6, 28));
        assert!(!items[0].late);
        // Once active: a check every 90 days from the start, then from the last check.
        f.status = PactStatus::Active;
        f.signed_on = Some(day(2024, 3, 10));
        f.active_since = Some(day(2024, 3, 10));
        let items = deadlines(&f, adi(), today);
        assert_eq!(items[0].kind, DueKind::Check);
        assert_eq!(items[0].due_on, day(2024, 6, 8));
        f.last_check_on = Some(day(2024, 5, 31));
        assert_eq!(deadlines(&f, adi(), today)[0].due_on, day(2024, 8, 29));
        // Closed pacts have no deadline.
        f.status = PactStatus::Closed;
        assert!(deadlines(&f, adi(), today).is_empty());
    }

    #[test]
    fn suspensions_stop_the_check_clock_when_the_rules_say_so() {
        let mut f = facts(PactStatus::Active);
        f.active_since = Some(day(2026, 1, 1));
        // 10 days suspended in January, resumed.
        f.suspensions = vec![Suspension {
            from: day(2026, 1, 11),
            until: Some(day(2026, 1, 21)),
        }];
        let today = day(2026, 2, 1);
        assert_eq!(deadlines(&f, adi(), today)[0].due_on, day(2026, 4, 11));
        let aup = rules_version("aup-2024").unwrap();
        assert_eq!(deadlines(&f, aup, today)[0].due_on, day(2026, 3, 2));
        // A suspension still running keeps moving the deadline: never late while suspended.
        f.status = PactStatus::Suspended;
        f.suspensions.push(Suspension {
            from: day(2026, 3, 1),
            until: None,
        });
        let late_day = day(2026, 12, 1);
        let check = deadlines(&f, adi(), late_day)[0];
        assert!(!check.late);
        assert_eq!(check.due_on, add_days(day(2026, 1, 1), 90 + 10 + 275));
        // Without the stop, it is late.
        assert!(deadlines(&f, aup, late_day)[0].late);
        // Suspended days before the last check do not count.
        f.last_check_on = Some(day(2026, 2, 1));
        f.suspensions.truncate(1);
        f.status = PactStatus::Active;
        assert_eq!(
            deadlines(&f, adi(), day(2026, 2, 2))[0].due_on,
            day(2026, 5, 2)
        );
    }

    #[test]
    fn commitments_are_listed_by_due_day() {
        let mut f = facts(PactStatus::Signed);
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        f.pending_commitments = vec![(a, day(2026, 5, 1)), (b, day(2026, 4, 1))];
        let items = deadlines(&f, adi(), day(2026, 4, 15));
        assert_eq!(items[0].commitment_id, Some(b));
        assert!(items[0].late);
        assert_eq!(items[1].commitment_id, Some(a));
        assert!(!items[1].late);
    }

    #[test]
    fn suspensions_come_from_the_transitions() {
        let record = |transition, on| PactTransitionRecord {
            id: Uuid::now_v7(),
            transition,
            from: PactStatus::Active,
            to: PactStatus::Active,
            occurred_on: on,
            reason: None,
            closure_outcome: None,
            author_id: Uuid::now_v7(),
            recorded_at: Utc::now(),
        };
        let s = suspensions_of(&[
            record(PactTransition::Activate, day(2026, 1, 1)),
            record(PactTransition::Suspend, day(2026, 2, 1)),
            record(PactTransition::Resume, day(2026, 2, 11)),
            record(PactTransition::Suspend, day(2026, 3, 1)),
        ]);
        assert_eq!(
            s,
            vec![
                Suspension {
                    from: day(2026, 2, 1),
                    until: Some(day(2026, 2, 11))
                },
                Suspension {
                    from: day(2026, 3, 1),
                    until: None
                }
            ]
        );
        assert_eq!(suspended_days(&s, day(2026, 1, 1), day(2026, 3, 5)), 14);
        assert_eq!(suspended_days(&s, day(2026, 2, 5), day(2026, 3, 5)), 10);
    }

    #[test]
    fn new_pacts_are_checked() {
        let today = day(2026, 11, 26);
        let opened = day(2026, 1, 1);
        let (reference, rules) = check_new_pact(
            Measure::Adi,
            " INPS-ADI-2026-0001 ",
            Some(day(2026, 10, 1)),
            today,
            opened,
            today,
        )
        .unwrap();
        assert_eq!(reference, "INPS-ADI-2026-0001");
        assert_eq!(rules.version, "adi-2024");
        let err =
            check_new_pact(Measure::Rdc, "", None, day(2027, 1, 1), opened, today).unwrap_err();
        let fields: Vec<&str> = err.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["measure", "application_reference", "drafted_on"]);
        let err = check_new_pact(Measure::Adi, "x", None, today, opened, today).unwrap_err();
        assert_eq!(err.errors()[0].field, "activation_on");
        assert!(check_new_pact(Measure::LocalOther, "x", None, today, opened, today).is_ok());
    }

    #[test]
    fn steps_follow_their_order() {
        let today = day(2026, 11, 26);
        let mut p = pact(PactStatus::Draft, Measure::Adi);
        let on = day(2026, 2, 1);
        assert!(check_step(&p, &[], StepKind::Convocation, on, None, today).is_ok());
        assert!(matches!(
            check_step(
                &p,
                &[],
                StepKind::PreliminaryAnalysis,
                on,
                Some(AnalysisOutcome::SocialPath),
                today
            ),
            Err(PactChangeError::State(_))
        ));
        assert!(matches!(
            check_step(
                &p,
                &[StepKind::Convocation],
                StepKind::PreliminaryAnalysis,
                on,
                None,
                today
            ),
            Err(PactChangeError::Invalid(_))
        ));
        assert!(matches!(
            check_step(
                &p,
                &[StepKind::Convocation],
                StepKind::Convocation,
                on,
                None,
                today
            ),
            Err(PactChangeError::State(_))
        ));
        assert!(matches!(
            check_step(&p, &[], StepKind::Convocation, day(2026, 1, 9), None, today),
            Err(PactChangeError::Invalid(_))
        ));
        assert!(matches!(
            check_step(&p, &[], StepKind::Signature, on, None, today),
            Err(PactChangeError::Invalid(_))
        ));
        let done = [StepKind::Convocation, StepKind::PreliminaryAnalysis];
        assert!(check_step(&p, &done, StepKind::InDepthAssessment, on, None, today).is_err());
        p.analysis_outcome = Some(AnalysisOutcome::SpecialistServices);
        assert!(check_step(&p, &done, StepKind::InDepthAssessment, on, None, today).is_ok());
        p.status = PactStatus::Signed;
        assert!(matches!(
            check_step(&p, &done, StepKind::InDepthAssessment, on, None, today),
            Err(PactChangeError::State(_))
        ));
    }

    #[test]
    fn transitions_check_their_fields_and_the_analysis() {
        let today = day(2026, 11, 26);
        let mut p = pact(PactStatus::Draft, Measure::Adi);
        let request = |transition, reason: Option<&str>, outcome| PactTransitionRequest {
            transition,
            occurred_on: day(2026, 3, 1),
            reason: reason.map(str::to_owned),
            closure_outcome: outcome,
        };
        assert!(matches!(
            check_pact_transition(
                &p,
                &request(PactTransition::Sign, None, None),
                p.drafted_on,
                today
            ),
            Err(PactChangeError::State(_))
        ));
        p.analysis_outcome = Some(AnalysisOutcome::SocialPath);
        assert_eq!(
            check_pact_transition(
                &p,
                &request(PactTransition::Sign, None, None),
                p.drafted_on,
                today
            )
            .unwrap()
            .0,
            PactStatus::Signed
        );
        let err = check_pact_transition(
            &p,
            &request(PactTransition::Close, None, None),
            p.drafted_on,
            today,
        )
        .unwrap_err();
        let PactChangeError::Invalid(errors) = err else {
            panic!()
        };
        let fields: Vec<&str> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["reason", "closure_outcome"]);
        assert!(matches!(
            check_pact_transition(
                &p,
                &request(PactTransition::Sign, None, Some(ClosureOutcome::Lapsed)),
                p.drafted_on,
                today
            ),
            Err(PactChangeError::Invalid(_))
        ));
        assert!(matches!(
            check_pact_transition(
                &p,
                &request(PactTransition::Sign, None, None),
                day(2026, 3, 2),
                today
            ),
            Err(PactChangeError::Invalid(_))
        ));
        assert!(matches!(
            check_pact_transition(
                &p,
                &request(PactTransition::Resume, None, None),
                p.drafted_on,
                today
            ),
            Err(PactChangeError::Illegal(_))
        ));
    }

    #[test]
    fn commitments_and_checks() {
        let signed = Some(day(2026, 3, 1));
        let person = Uuid::now_v7();
        let ok = CommitmentContent::parse(
            person,
            CommitmentKind::SchoolAttendance,
            " Scuola ",
            Frequency::Monthly,
            day(2026, 6, 1),
            "Registro presenze",
            CommitmentStatus::Pending,
            None,
            signed,
        )
        .unwrap();
        assert_eq!(ok.owner, "Scuola");
        let err = CommitmentContent::parse(
            person,
            CommitmentKind::Training,
            "",
            Frequency::Once,
            day(2026, 2, 1),
            "",
            CommitmentStatus::Justified,
            None,
            signed,
        )
        .unwrap_err();
        let fields: Vec<&str> = err.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["owner", "verification", "due_on", "justification"]);
        assert!(check_commitment_status(CommitmentStatus::Met, Some("x"), "j").is_err());
        assert_eq!(
            check_commitment_status(CommitmentStatus::Justified, Some(" ill "), "j"),
            Ok(Some("ill".into()))
        );
        let mut p = pact(PactStatus::Draft, Measure::Adi);
        assert!(matches!(
            check_commitments_allowed(&p),
            Err(PactChangeError::State(_))
        ));
        p.status = PactStatus::Signed;
        assert!(check_commitments_allowed(&p).is_ok());
        p.status = PactStatus::Closed;
        assert!(check_commitments_allowed(&p).is_err());
        let mut p = pact(PactStatus::Active, Measure::Adi);
        p.active_since = Some(day(2026, 3, 1));
        let today = day(2026, 11, 26);
        assert!(check_periodic_check(&p, day(2026, 6, 1), today).is_ok());
        assert!(check_periodic_check(&p, day(2026, 2, 1), today).is_err());
        assert!(check_periodic_check(&p, day(2026, 11, 27), today).is_err());
        p.status = PactStatus::Suspended;
        assert!(matches!(
            check_periodic_check(&p, day(2026, 6, 1), today),
            Err(PactChangeError::State(_))
        ));
        let legacy = pact(PactStatus::Active, Measure::Rdc);
        assert!(check_commitments_allowed(&legacy).is_err());
    }

    fn any_day() -> impl Strategy<Value = NaiveDate> {
        (0i64..20_000).prop_map(|n| add_days(day(1990, 1, 1), u64::try_from(n).unwrap()))
    }

    proptest! {
        /// Any sequence of requested transitions: the allowed list predicts success exactly,
        /// a closed pact never moves, and a legacy pact can only close.
        #[test]
        fn lifecycle_is_consistent(
            steps in prop::collection::vec(prop::sample::select(PactTransition::ALL.to_vec()), 0..16),
            legacy in any::<bool>(),
        ) {
            let measure = if legacy { Measure::Rdc } else { Measure::Adi };
            let mut status = PactStatus::Draft;
            for t in steps {
                let allowed = status.allowed_for(measure);
                match apply_pact(status, measure, t) {
                    Ok(next) => {
                        prop_assert!(allowed.contains(&t));
                        prop_assert!(!legacy || next == PactStatus::Closed);
                        status = next;
                    }
                    Err(e) => {
                        prop_assert!(!allowed.contains(&t));
                        prop_assert_eq!(e.allowed, allowed);
                    }
                }
            }
            if status == PactStatus::Closed {
                prop_assert!(status.allowed_transitions().is_empty());
            }
        }

        /// The convocation is due exactly `convocation_within_days` after activation, on any day
        /// (leap years and month ends included), and is late exactly after that day.
        #[test]
        fn convocation_deadline(activation in any_day(), offset in 0u64..200) {
            let mut f = facts(PactStatus::Draft);
            f.activation_on = Some(activation);
            let today = add_days(activation, offset);
            let items = deadlines(&f, adi(), today);
            prop_assert_eq!((items[0].due_on - activation).num_days(), 60);
            prop_assert_eq!(items[0].late, offset > 60);
        }

        /// With the stop, the check deadline is the base plus the period plus the suspended days
        /// after the base; without it, suspensions change nothing.
        #[test]
        fn suspension_shifts_the_check(
            start in any_day(),
            gaps in prop::collection::vec((1u64..60, 1u64..60), 0..4),
        ) {
            let mut f = facts(PactStatus::Active);
            f.active_since = Some(start);
            let mut cursor = start;
            let mut total = 0;
            for (before, length) in gaps {
                let from = add_days(cursor, before);
                let until = add_days(from, length);
                f.suspensions.push(Suspension { from, until: Some(until) });
                total += length;
                cursor = until;
            }
            let today = add_days(cursor, 1);
            let with_stop = deadlines(&f, adi(), today)[0].due_on;
            prop_assert_eq!(with_stop, add_days(start, 90 + total));
            let without = deadlines(&f, rules_version("aup-2024").unwrap(), today)[0].due_on;
            prop_assert_eq!(without, add_days(start, 60));
        }

        /// Deadlines come sorted by due day.
        #[test]
        fn deadlines_are_sorted(
            commitments in prop::collection::vec(any_day(), 0..6),
            activation in any_day(),
        ) {
            let mut f = facts(PactStatus::Signed);
            f.activation_on = Some(activation);
            f.pending_commitments = commitments.into_iter().map(|d| (Uuid::now_v7(), d)).collect();
            let items = deadlines(&f, adi(), day(2026, 1, 1));
            prop_assert!(items.windows(2).all(|w| w[0].due_on <= w[1].due_on));
        }

        /// A stored deadline read on any later day says what the clock computed from the whole
        /// history says that day (the reference below is the clock as it was computed before
        /// deadlines were stored): with or without a running suspension, under rules that stop
        /// the clock and rules that do not.
        #[test]
        fn stored_deadlines_read_as_the_clock(
            base in 0i64..2_000,
            gaps in prop::collection::vec((0i64..200, 1i64..200), 0..4),
            running in prop::option::of(0i64..200),
            later in 0i64..1_000,
            stops in any::<bool>(),
        ) {
            let start = day(2020, 1, 1);
            let at = |n: i64| add_days(start, u64::try_from(n).unwrap());
            let mut f = facts(PactStatus::Active);
            f.active_since = Some(at(base));
            let mut cursor = (base - 50).max(0);
            for (gap, length) in gaps {
                let from = cursor + gap;
                f.suspensions.push(Suspension { from: at(from), until: Some(at(from + length)) });
                cursor = from + length;
            }
            let mut last = cursor.max(base);
            if let Some(gap) = running {
                f.status = PactStatus::Suspended;
                f.suspensions.push(Suspension { from: at(cursor + gap), until: None });
                last = last.max(cursor + gap);
            }
            let today = at(last + later);
            let rules = if stops { adi() } else { rules_version("aup-2024").unwrap() };
            let extra = if rules.suspension_stops_clock {
                suspended_days(&f.suspensions, at(base), today.max(at(base)))
            } else {
                0
            };
            let expected = add_days(at(base), rules.check_every_days.unwrap() + extra);
            let stored = clock_deadlines(&f, rules);
            prop_assert_eq!(stored.len(), 1);
            let read = stored[0].on(today);
            prop_assert_eq!(read.due_on, expected);
            prop_assert_eq!(read.late, expected < today);
            prop_assert_eq!(stored[0].stopped_since.is_some(), stops && running.is_some());
        }
    }
}

/// A pact covers a household only when the person of its case file is among the household's
/// members (`members`: every membership, past and present; none for an unknown household).
pub fn check_pact_household(file_person: Uuid, members: &[Uuid]) -> Result<(), String> {
    if members.contains(&file_person) {
        Ok(())
    } else {
        Err("no household with this id has the person of the case file among its members".into())
    }
}

/// The latest day recorded on `pact` (drawn up, convocation, signature, start, last check,
/// and the days of its steps and transitions, given in `recorded`): a transition may not be
/// dated before it.
pub fn last_change_on(pact: &Pact, recorded: impl IntoIterator<Item = NaiveDate>) -> NaiveDate {
    [
        pact.convocation_on,
        pact.signed_on,
        pact.active_since,
        pact.last_check_on,
    ]
    .into_iter()
    .flatten()
    .chain(recorded)
    .fold(pact.drafted_on, NaiveDate::max)
}

/// A commitment concerns the person of the case file or a member of the pact's household on
/// the day it is agreed or changed (`current_members`: the household's members that day).
pub fn check_commitment_person(
    person: Uuid,
    file_person: Uuid,
    current_members: &[Uuid],
) -> Result<(), String> {
    if person == file_person || current_members.contains(&person) {
        Ok(())
    } else {
        Err(
            "must be the person of the case file or a current member of the pact's household"
                .into(),
        )
    }
}

/// What a periodic check is checked against: the person of the case file, the members of the
/// pact's household (past and present) and the commitments of the pact.
#[derive(Debug, Clone, Copy)]
pub struct CheckFacts<'a> {
    /// The person of the case file.
    pub file_person: Uuid,
    /// Every member of the pact's household, past and present (none without a household).
    pub household_members: &'a [Uuid],
    /// The commitments of the pact.
    pub commitment_ids: &'a [Uuid],
}

/// Checks the content of a periodic check: the outcomes (see [`check_check_outcomes`]), the
/// attendees (the person of the case file or members of the pact's household:
/// `attendees/<i>`) and the notes (up to [`NOTES_MAX_CHARS`](crate::project::NOTES_MAX_CHARS)
/// characters: `notes`), errors in that order.
///
/// Returns the checked outcomes and the trimmed notes.
pub fn check_check_content(
    outcomes: &[(Uuid, CommitmentStatus, Option<String>)],
    attendees: &[Uuid],
    notes: Option<&str>,
    facts: &CheckFacts<'_>,
) -> Result<(Vec<CheckOutcome>, Option<String>), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let outcomes = match check_check_outcomes(outcomes, facts.commitment_ids) {
        Ok(o) => o,
        Err(e) => {
            for error in e.errors() {
                errors.push(error.clone());
            }
            Vec::new()
        }
    };
    for (i, person) in attendees.iter().enumerate() {
        if *person != facts.file_person && !facts.household_members.contains(person) {
            errors.push(FieldError::new(
                format!("attendees/{i}"),
                "not the person of the case file nor a member of the household",
            ));
        }
    }
    let notes = errors
        .collect(
            "notes",
            optional_text(notes, crate::project::NOTES_MAX_CHARS),
        )
        .flatten();
    errors.into_result((outcomes, notes))
}

/// What a preliminary analysis that chooses the employment path sets off: the pact is closed
/// as `transferred` and the person is referred to the Centro per l'impiego.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmploymentTransfer {
    /// The service the referral goes to.
    pub service: crate::case_file::ExternalService,
    /// The organisation and reason of the referral.
    pub referral: crate::case_file::ReferralDetails,
    /// The reason recorded with the closing transition.
    pub reason: String,
}

impl EmploymentTransfer {
    /// The transition that closes `pact` on `occurred_on`, recorded by `author_id` at
    /// `recorded_at` with the id `id`.
    pub fn closing(
        &self,
        pact: &Pact,
        occurred_on: NaiveDate,
        id: Uuid,
        author_id: Uuid,
        recorded_at: DateTime<Utc>,
    ) -> PactTransitionRecord {
        PactTransitionRecord {
            id,
            transition: PactTransition::Close,
            from: pact.status,
            to: PactStatus::Closed,
            occurred_on,
            reason: Some(self.reason.clone()),
            closure_outcome: Some(ClosureOutcome::Transferred),
            author_id,
            recorded_at,
        }
    }
}

/// The transfer a preliminary analysis with `outcome` sets off on `pact`: `Some` only for the
/// employment path.
pub fn employment_transfer(
    pact: &Pact,
    outcome: Option<AnalysisOutcome>,
) -> Result<Option<EmploymentTransfer>, ValidationErrors> {
    if outcome != Some(AnalysisOutcome::EmploymentPath) {
        return Ok(None);
    }
    let referral = crate::case_file::ReferralDetails::parse(
        "Centro per l'impiego",
        &format!(
            "Inclusion pact {}: the preliminary analysis chose the employment path",
            pact.application_reference
        ),
    )?;
    Ok(Some(EmploymentTransfer {
        service: crate::case_file::ExternalService::EmploymentCentre,
        referral,
        reason: "Employment path: transferred to the Centro per l'impiego".into(),
    }))
}

#[cfg(test)]
mod handler_rules {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn draft() -> Pact {
        let at = DateTime::parse_from_rfc3339("2026-01-10T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let author = Uuid::now_v7();
        Pact {
            id: Uuid::now_v7(),
            case_file_id: Uuid::now_v7(),
            household_id: None,
            measure: Measure::Adi,
            application_reference: "INPS-ADI-2026-000123".into(),
            status: PactStatus::Draft,
            drafted_on: day(2026, 1, 10),
            activation_on: Some(day(2026, 1, 2)),
            convocation_on: None,
            analysis_outcome: None,
            signed_on: None,
            active_since: None,
            last_check_on: None,
            closed_on: None,
            closure_outcome: None,
            rules_version: "adi-2024".into(),
            version: 1,
            created_at: at,
            created_by: author,
            updated_at: at,
            updated_by: author,
        }
    }

    #[test]
    fn a_pact_covers_only_a_household_of_the_person() {
        let person = Uuid::now_v7();
        assert_eq!(
            check_pact_household(person, &[Uuid::now_v7(), person]),
            Ok(())
        );
        assert!(check_pact_household(person, &[Uuid::now_v7()]).is_err());
        assert!(check_pact_household(person, &[]).is_err());
    }

    #[test]
    fn the_last_change_is_the_latest_recorded_day() {
        let mut pact = draft();
        assert_eq!(last_change_on(&pact, []), day(2026, 1, 10));
        pact.convocation_on = Some(day(2026, 2, 1));
        pact.signed_on = Some(day(2026, 3, 1));
        assert_eq!(last_change_on(&pact, [day(2026, 2, 15)]), day(2026, 3, 1));
        assert_eq!(
            last_change_on(&pact, [day(2026, 2, 15), day(2026, 4, 2)]),
            day(2026, 4, 2)
        );
        pact.last_check_on = Some(day(2026, 5, 1));
        assert_eq!(last_change_on(&pact, [day(2026, 4, 2)]), day(2026, 5, 1));
        // Days before the draft never move it back.
        assert_eq!(
            last_change_on(&draft(), [day(2025, 1, 1)]),
            day(2026, 1, 10)
        );
    }

    #[test]
    fn commitments_concern_the_person_or_a_current_member() {
        let (person, member) = (Uuid::now_v7(), Uuid::now_v7());
        assert!(check_commitment_person(person, person, &[]).is_ok());
        assert!(check_commitment_person(member, person, &[member]).is_ok());
        assert_eq!(
            check_commitment_person(Uuid::now_v7(), person, &[member]),
            Err(
                "must be the person of the case file or a current member of the pact's household"
                    .into()
            )
        );
    }

    #[test]
    fn a_check_points_at_outcomes_then_attendees_then_notes() {
        let (person, member, kept) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let facts = CheckFacts {
            file_person: person,
            household_members: &[member],
            commitment_ids: &[kept],
        };
        let (outcomes, notes) = check_check_content(
            &[(kept, CommitmentStatus::Met, None)],
            &[person, member],
            Some(" All present "),
            &facts,
        )
        .unwrap();
        assert_eq!(outcomes.len(), 1);
        assert_eq!(notes.as_deref(), Some("All present"));
        let err = check_check_content(
            &[
                (Uuid::now_v7(), CommitmentStatus::Met, None),
                (kept, CommitmentStatus::Justified, None),
            ],
            &[person, Uuid::now_v7()],
            Some(&"x".repeat(crate::project::NOTES_MAX_CHARS + 1)),
            &facts,
        )
        .unwrap_err();
        let fields: Vec<&str> = err.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "outcomes/0/commitment_id",
                "outcomes/1/note",
                "attendees/1",
                "notes"
            ]
        );
    }

    #[test]
    fn only_the_employment_path_transfers() {
        let pact = draft();
        for other in [
            None,
            Some(AnalysisOutcome::SocialPath),
            Some(AnalysisOutcome::SpecialistServices),
        ] {
            assert_eq!(employment_transfer(&pact, other), Ok(None));
        }
        let transfer = employment_transfer(&pact, Some(AnalysisOutcome::EmploymentPath))
            .unwrap()
            .unwrap();
        assert_eq!(
            transfer.service,
            crate::case_file::ExternalService::EmploymentCentre
        );
        assert!(transfer.referral.reason.contains("INPS-ADI-2026-000123"));
        let (id, author) = (Uuid::now_v7(), Uuid::now_v7());
        let at = Utc::now();
        let closing = transfer.closing(&pact, day(2026, 2, 1), id, author, at);
        assert_eq!(closing.transition, PactTransition::Close);
        assert_eq!(
            (closing.from, closing.to),
            (PactStatus::Draft, PactStatus::Closed)
        );
        assert_eq!(closing.closure_outcome, Some(ClosureOutcome::Transferred));
        assert_eq!(
            (closing.id, closing.author_id, closing.recorded_at),
            (id, author, at)
        );
        assert_eq!(closing.occurred_on, day(2026, 2, 1));
    }
}
