//! Case files with everything recorded in them: lifecycle history, team and case managers over
//! time, target groups, assessments, the social diary, consents, referrals, and the person's
//! special-category data. Every step is checked with the domain rule the API applies.

use anyhow::{Context, anyhow};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rand::Rng;
use socialcare_domain::Area;
use socialcare_domain::case_file::{
    AssessmentDomain, CaseReference, CaseStatus, CaseTransition, ClosingReason, ConsentKind,
    ConsentTerms, DiaryEntryKind, DiaryText, ExternalService, Referral, ReferralDetails,
    ReferralDirection, ReferralStatus, ReferralTransition, Severity, TargetGroup, TeamAssignment,
    TeamRole, apply, change_referral, check_assessed_on, check_consent_dates, check_occurred_at,
    check_referral_transition_request, check_team_assignment, check_transition_request,
    parse_assessment_notes,
};
use socialcare_domain::sensitive::{
    Community, Ethnicity, EthnicityInput, HealthDisability, HealthDisabilityInput, Justice,
    JusticeInput, JusticeStatus, LegalStatus, LegalStatusInput, ProtectionStatus,
};
use socialcare_persistence::sql_types::DbUuid;
use uuid::Uuid;

use super::catalog::{CONSENT_ORGANISATIONS, ORGANISATIONS};
use super::generator::{Generator, Person};
use super::plan::FilePlan;
use super::rows::{
    AssessmentRow, CaseFileRow, CaseTransitionRow, ConsentRow, DiaryRow, EthnicityRow,
    HealthDisabilityRow, JusticeRow, LegalStatusRow, ReferralEventRow, ReferralRow, ScoreRow,
    TargetGroupRow, TeamRow,
};
use super::text::{self, Subject};
use super::util::{add, chance, day_between, days_between, inst, later, pick, weighted};

/// A lifecycle transition of a file.
#[derive(Debug, Clone)]
pub struct Event {
    /// The transition.
    pub transition: CaseTransition,
    /// Status before.
    pub from: CaseStatus,
    /// Status after.
    pub to: CaseStatus,
    /// Day it took effect.
    pub on: NaiveDate,
    /// Closing reason, for `close`.
    pub closing: Option<ClosingReason>,
}

/// A team assignment of a file.
#[derive(Debug, Clone)]
pub struct Member {
    /// Assignment id.
    pub id: Uuid,
    /// The assignment.
    pub assignment: TeamAssignment,
    /// Who recorded it.
    pub by: Uuid,
    /// When.
    pub at: DateTime<Utc>,
    /// Granted the special categories and restricted entries.
    pub sensitive: bool,
}

/// What the projects and pacts of a file need to know about it.
#[derive(Debug, Clone)]
pub struct FileFacts {
    /// Id.
    pub id: Uuid,
    /// Area.
    pub area: Area,
    /// The person.
    pub person: Person,
    /// Current members of the person's household (other persons).
    pub household: Vec<Person>,
    /// Opening day.
    pub opened_on: NaiveDate,
    /// Day it became active, if it did.
    pub activated_on: Option<NaiveDate>,
    /// Periods `[from, until)` in which the file was not closed.
    pub open: Vec<(NaiveDate, NaiveDate)>,
    /// Team over time.
    pub team: Vec<Member>,
    /// Target groups.
    pub groups: Vec<TargetGroup>,
}

impl FileFacts {
    /// The case manager on `day` (the first one before the file was opened).
    pub fn manager_on(&self, day: NaiveDate) -> Uuid {
        self.team
            .iter()
            .filter(|m| m.assignment.role == TeamRole::CaseManager)
            .find(|m| m.assignment.is_current_on(day))
            .or_else(|| {
                self.team
                    .iter()
                    .find(|m| m.assignment.role == TeamRole::CaseManager)
            })
            .map_or(Uuid::nil(), |m| m.assignment.staff_id)
    }

    /// Team members other than the case manager on `day`.
    pub fn others_on(&self, day: NaiveDate) -> Vec<&Member> {
        self.team
            .iter()
            .filter(|m| {
                m.assignment.role != TeamRole::CaseManager && m.assignment.is_current_on(day)
            })
            .collect()
    }

    /// The first open period.
    pub fn first_open(&self) -> (NaiveDate, NaiveDate) {
        self.open
            .first()
            .copied()
            .unwrap_or((self.opened_on, self.opened_on))
    }

    /// The last day of the last open period (exclusive), and whether the file is open today.
    pub fn last_open_end(&self) -> NaiveDate {
        self.open.last().map_or(self.opened_on, |p| p.1)
    }
}

/// The privacy notice in force on a day.
fn privacy_notice_version(day: NaiveDate) -> &'static str {
    if day < NaiveDate::from_ymd_opt(2021, 3, 1).unwrap_or(NaiveDate::MIN) {
        "2018.1"
    } else if day < NaiveDate::from_ymd_opt(2024, 6, 1).unwrap_or(NaiveDate::MIN) {
        "2021.2"
    } else {
        "2024.1"
    }
}

/// Countries whose citizens often hold or ask for international protection.
const PROTECTION_COUNTRIES: &[&str] = &["AF", "SY", "NG", "GM", "ML", "PK", "BD", "UA", "SN"];

impl Generator {
    /// Days drawn from an exponential distribution of mean `mean`, at least `min`.
    fn exp_days(&mut self, mean: f64, min: i64) -> i64 {
        let u: f64 = self.rng.random();
        ((-mean * (1.0 - u).ln()) as i64).max(min)
    }

    /// The lifecycle of a file opened on `opened_on`: intake, then active with suspensions,
    /// closing and sometimes reopening, ending before `close_before` when another file of the
    /// person in the same area opens then.
    fn lifecycle(
        &mut self,
        opened_on: NaiveDate,
        close_before: Option<NaiveDate>,
    ) -> anyhow::Result<Vec<Event>> {
        let end = close_before
            .map_or(self.today, |d| add(d, -1))
            .min(self.today);
        let mut events = Vec::new();
        let mut status = CaseStatus::Intake;
        let mut day = opened_on;
        let push = |events: &mut Vec<Event>,
                    status: &mut CaseStatus,
                    t: CaseTransition,
                    on: NaiveDate,
                    closing: Option<ClosingReason>|
         -> anyhow::Result<()> {
            let to = apply(*status, t).map_err(|e| anyhow!("generated lifecycle: {e}"))?;
            events.push(Event {
                transition: t,
                from: *status,
                to,
                on,
                closing,
            });
            *status = to;
            Ok(())
        };
        // Most intakes take weeks; some wait months (assessments pending, documents missing).
        let intake = if chance(&mut self.rng, 0.3) {
            self.rng.random_range(60..420)
        } else {
            self.rng.random_range(7..60)
        };
        if add(day, intake) > end {
            if close_before.is_some()
                || (days_between(opened_on, end) > 3 && chance(&mut self.rng, 0.05))
            {
                let on = day_between(&mut self.rng, opened_on, end);
                let reason = *weighted(
                    &mut self.rng,
                    &[
                        (ClosingReason::RefusedServices, 3),
                        (ClosingReason::NoLongerEligible, 3),
                        (ClosingReason::TransferredToOtherService, 2),
                    ],
                );
                push(
                    &mut events,
                    &mut status,
                    CaseTransition::Close,
                    on,
                    Some(reason),
                )?;
            }
            return Ok(events);
        }
        day = add(day, intake);
        if chance(&mut self.rng, 0.06) {
            let reason = *weighted(
                &mut self.rng,
                &[
                    (ClosingReason::RefusedServices, 3),
                    (ClosingReason::NoLongerEligible, 4),
                    (ClosingReason::TransferredToOtherService, 3),
                ],
            );
            push(
                &mut events,
                &mut status,
                CaseTransition::Close,
                day,
                Some(reason),
            )?;
        } else {
            push(
                &mut events,
                &mut status,
                CaseTransition::Activate,
                day,
                None,
            )?;
        }
        for _ in 0..8 {
            let (gap, transition) = match status {
                CaseStatus::Active => {
                    let gap = self.exp_days(1100.0, 20);
                    let t = if chance(&mut self.rng, 0.45) {
                        CaseTransition::Suspend
                    } else {
                        CaseTransition::Close
                    };
                    (gap, t)
                }
                CaseStatus::Suspended => {
                    let gap = self.exp_days(320.0, 7);
                    let t = if chance(&mut self.rng, 0.7) {
                        CaseTransition::Resume
                    } else {
                        CaseTransition::Close
                    };
                    (gap, t)
                }
                CaseStatus::Closed => {
                    if close_before.is_some() || !chance(&mut self.rng, 0.2) {
                        break;
                    }
                    (self.exp_days(500.0, 60), CaseTransition::Reopen)
                }
                CaseStatus::Intake => break,
            };
            let next = add(day, gap);
            if next > end {
                break;
            }
            let closing = (transition == CaseTransition::Close).then(|| {
                *weighted(
                    &mut self.rng,
                    &[
                        (ClosingReason::GoalsAchieved, 25),
                        (ClosingReason::MovedAway, 14),
                        (ClosingReason::TransferredToOtherService, 14),
                        (ClosingReason::Deceased, 4),
                        (ClosingReason::RefusedServices, 9),
                        (ClosingReason::NoLongerEligible, 10),
                        (ClosingReason::LostContact, 18),
                        (ClosingReason::Other, 6),
                    ],
                )
            });
            push(&mut events, &mut status, transition, next, closing)?;
            day = next;
        }
        if close_before.is_some() && status != CaseStatus::Closed {
            let on = day_between(&mut self.rng, day, end.max(day));
            push(
                &mut events,
                &mut status,
                CaseTransition::Close,
                on,
                Some(ClosingReason::GoalsAchieved),
            )?;
        }
        Ok(events)
    }

    /// The target groups of a new file of `person` in `area`.
    fn target_groups(&mut self, area: Area, person: &Person) -> Vec<TargetGroup> {
        let mut groups = Vec::new();
        let country = person.origin.map(|o| o.country);
        match area {
            Area::AdultsDisability => {
                if chance(&mut self.rng, 0.85) {
                    groups.push(TargetGroup::PersonWithDisability);
                }
                if groups.is_empty() || chance(&mut self.rng, 0.25) {
                    groups.push(TargetGroup::AdultInNeed);
                }
                if chance(&mut self.rng, 0.08) {
                    groups.push(TargetGroup::IncomeSupportBeneficiary);
                }
            }
            Area::SocialInclusion => {
                if chance(&mut self.rng, 0.7) {
                    groups.push(TargetGroup::AdultInNeed);
                }
                if person.residence == "fictitious" || chance(&mut self.rng, 0.12) {
                    groups.push(TargetGroup::Homeless);
                }
                let roma_origin = matches!(country, None | Some("RO" | "BA" | "RS"));
                if roma_origin && chance(&mut self.rng, 0.1) {
                    groups.push(TargetGroup::RomaSintiCaminanti);
                }
                if person.foreign_citizen
                    && country.is_some_and(|c| PROTECTION_COUNTRIES.contains(&c))
                    && chance(&mut self.rng, 0.6)
                {
                    groups.push(TargetGroup::InternationalProtection);
                }
                if chance(&mut self.rng, 0.3) {
                    groups.push(TargetGroup::IncomeSupportBeneficiary);
                }
                if groups.is_empty() {
                    groups.push(TargetGroup::AdultInNeed);
                }
            }
            Area::Transversal => {
                if chance(&mut self.rng, 0.8) {
                    groups.push(TargetGroup::PrisonArea);
                }
                if groups.is_empty() || chance(&mut self.rng, 0.4) {
                    groups.push(TargetGroup::AdultInNeed);
                }
                if chance(&mut self.rng, 0.1) {
                    groups.push(TargetGroup::IncomeSupportBeneficiary);
                }
            }
        }
        groups.sort();
        groups.dedup();
        groups
    }

    /// Opens and fills a case file of the plan.
    pub fn case_file(
        &mut self,
        plan: &FilePlan,
        person: &Person,
        household: &[Person],
    ) -> anyhow::Result<()> {
        let area = plan.area;
        let created_at = self.clamp(plan.created_at());
        let id = self.id(created_at);
        let sequence = self.next_sequence()?;
        let reference = CaseReference::new(Generator::year(plan.opened_on), sequence)
            .map_err(|e| anyhow!("case reference: {e}"))?;
        let manager = self.staff.social_worker(&mut self.rng, area);
        let creator = if chance(&mut self.rng, 0.85) {
            manager
        } else {
            self.staff.coordinator(&mut self.rng, area)
        };
        let groups = self.target_groups(area, person);
        let events = self.lifecycle(plan.opened_on, plan.close_before)?;
        let status = events.last().map_or(CaseStatus::Intake, |e| e.to);
        // Periods in which the file was not closed.
        let mut open = Vec::new();
        let mut from = Some(plan.opened_on);
        for e in &events {
            match (e.to, from) {
                (CaseStatus::Closed, Some(f)) => {
                    open.push((f, e.on.max(f)));
                    from = None;
                }
                (CaseStatus::Active, None) => from = Some(e.on),
                _ => {}
            }
        }
        if let Some(f) = from {
            open.push((f, add(self.today, 1)));
        }
        let activated_on = events
            .iter()
            .find(|e| e.transition == CaseTransition::Activate)
            .map(|e| e.on);
        // Version-bumping changes, as (instant, author).
        let mut changes: Vec<(DateTime<Utc>, Uuid)> = vec![(created_at, creator)];
        let mut facts = FileFacts {
            id,
            area,
            person: person.clone(),
            household: household.to_vec(),
            opened_on: plan.opened_on,
            activated_on,
            open,
            team: Vec::new(),
            groups: groups.clone(),
        };
        self.team(&mut facts, manager, creator, created_at, &mut changes)?;
        // Transitions, recorded in order by the case manager of the day (closings sometimes
        // by the coordinator).
        let mut last_recorded = created_at;
        for e in &events {
            let reason = text::transition_reason(&mut self.rng, e.transition);
            check_transition_request(e.transition, e.closing, reason)
                .map_err(|err| anyhow!("generated transition: {err}"))?;
            let author = if e.transition == CaseTransition::Close && chance(&mut self.rng, 0.3) {
                self.staff.coordinator(&mut self.rng, area)
            } else {
                facts.manager_on(e.on)
            };
            let gap = Duration::seconds(self.rng.random_range(60..3600));
            let at = later(self.time_after(e.on, 2), last_recorded + gap);
            let at = self.bounded(last_recorded, at);
            last_recorded = at;
            let tid = self.id(at);
            self.batch.case_file_transitions.push(CaseTransitionRow {
                id: DbUuid(tid),
                case_file_id: DbUuid(id),
                transition: e.transition.as_str().to_owned(),
                from_status: e.from.as_str().to_owned(),
                to_status: e.to.as_str().to_owned(),
                occurred_on: e.on,
                reason: reason.to_owned(),
                closing_reason: e.closing.map(|c| c.as_str().to_owned()),
                author_id: DbUuid(author),
                recorded_at: inst(at),
            });
            changes.push((at, author));
        }
        for group in &groups {
            self.batch.case_file_target_groups.push(TargetGroupRow {
                case_file_id: DbUuid(id),
                target_group: group.as_str().to_owned(),
            });
        }
        let subject_family = person.family.clone();
        let subject = Subject {
            female: person.female,
            family: &subject_family,
        };
        self.assessments(&facts, &subject, status)?;
        self.diary(&facts, &subject, status)?;
        self.consents(&facts)?;
        self.referrals(&facts)?;
        self.projects(&facts)?;
        self.pacts(&facts)?;
        self.housing.stays(&facts, &mut self.batch)?;
        self.employment.placements(&facts, &mut self.batch)?;
        self.waiting.applications(&facts, &mut self.batch)?;
        self.sensitive(&facts, created_at)?;
        let (closed_on, closing_reason) = match events.last() {
            Some(e) if e.to == CaseStatus::Closed => {
                (Some(e.on), e.closing.map(|c| c.as_str().to_owned()))
            }
            _ => (None, None),
        };
        changes.sort_by_key(|c| c.0);
        let (updated_at, updated_by) = changes.last().copied().unwrap_or((created_at, creator));
        self.batch.case_files.push(CaseFileRow {
            id: DbUuid(id),
            reference: reference.as_str().to_owned(),
            person_id: DbUuid(person.id),
            area: area.as_str().to_owned(),
            status: status.as_str().to_owned(),
            opened_on: plan.opened_on,
            closed_on,
            closing_reason,
            version: i64::try_from(changes.len()).unwrap_or(i64::MAX),
            created_at: inst(created_at),
            created_by: DbUuid(creator),
            updated_at: inst(updated_at),
            updated_by: DbUuid(updated_by),
            confirmed_at: Some(inst(created_at)),
            confirmed_by: Some(DbUuid(creator)),
            content_erased_at: None,
        });
        let current = facts
            .team
            .iter()
            .find(|m| m.assignment.role == TeamRole::CaseManager && m.assignment.until.is_none())
            .map(|m| m.assignment.staff_id)
            .context("a file without a current case manager")?;
        self.note_caseload(current, id, status);
        Ok(())
    }

    /// The team of a file: the case manager from the opening (sometimes reassigned by the
    /// coordinator), educators and other social workers for a while, each added (and ended)
    /// through the rules of the team.
    fn team(
        &mut self,
        facts: &mut FileFacts,
        manager: Uuid,
        creator: Uuid,
        created_at: DateTime<Utc>,
        changes: &mut Vec<(DateTime<Utc>, Uuid)>,
    ) -> anyhow::Result<()> {
        let area = facts.area;
        let first = TeamAssignment {
            staff_id: manager,
            role: TeamRole::CaseManager,
            from: facts.opened_on,
            until: None,
        };
        let first_id = self.id(created_at);
        facts.team.push(Member {
            id: first_id,
            assignment: first,
            by: creator,
            at: created_at,
            sensitive: false,
        });
        let (open_from, open_until) = facts.first_open();
        let last_open_day = add(open_until, -1).min(self.today);
        // Reassignment of the case manager by the coordinator.
        if days_between(open_from, last_open_day) > 60 && chance(&mut self.rng, 0.12) {
            let on = day_between(&mut self.rng, add(open_from, 30), last_open_day);
            let new_manager = self.staff.social_worker(&mut self.rng, area);
            if new_manager != manager && on > facts.opened_on {
                let coordinator = self.staff.coordinator(&mut self.rng, area);
                let at = self.after(on, created_at + Duration::minutes(4));
                let assignment = TeamAssignment {
                    staff_id: new_manager,
                    role: TeamRole::CaseManager,
                    from: on,
                    until: None,
                };
                if let Some(current) = facts.team.iter_mut().find(|m| {
                    m.assignment.role == TeamRole::CaseManager && m.assignment.until.is_none()
                }) {
                    current.assignment.until = Some(on);
                }
                let others: Vec<TeamAssignment> = facts.team.iter().map(|m| m.assignment).collect();
                check_team_assignment(&others, &assignment)
                    .map_err(|e| anyhow!("generated reassignment: {e}"))?;
                let aid = self.id(at);
                facts.team.push(Member {
                    id: aid,
                    assignment,
                    by: coordinator,
                    at,
                    sensitive: false,
                });
                changes.push((at, coordinator));
            }
        }
        // Other members, while the file is open.
        if let Some(activated) = facts.activated_on
            && activated < last_open_day
        {
            let mut candidates: Vec<(TeamRole, Uuid, bool)> = Vec::new();
            if chance(&mut self.rng, 0.35) {
                let educator = self.staff.educator(&mut self.rng, area);
                candidates.push((TeamRole::Educator, educator, chance(&mut self.rng, 0.4)));
            }
            if chance(&mut self.rng, 0.06) {
                let worker = self.staff.social_worker(&mut self.rng, area);
                candidates.push((TeamRole::SocialWorker, worker, false));
            }
            for (role, staff_id, sensitive) in candidates {
                let from = day_between(
                    &mut self.rng,
                    activated,
                    add(activated, 60).min(last_open_day),
                );
                let until = if chance(&mut self.rng, 0.25) && days_between(from, last_open_day) > 30
                {
                    Some(day_between(&mut self.rng, add(from, 30), last_open_day))
                } else {
                    None
                };
                let assignment = TeamAssignment {
                    staff_id,
                    role,
                    from,
                    until: None,
                };
                let others: Vec<TeamAssignment> = facts.team.iter().map(|m| m.assignment).collect();
                if check_team_assignment(&others, &assignment).is_err() {
                    continue;
                }
                let by = facts.manager_on(from);
                let at = self.after(from, created_at + Duration::minutes(9));
                let mid = self.id(at);
                let mut member = Member {
                    id: mid,
                    assignment,
                    by,
                    at,
                    sensitive,
                };
                changes.push((at, by));
                if let Some(until) = until {
                    member.assignment.until = Some(until);
                    let ended = self.after(until, at);
                    changes.push((ended, facts.manager_on(until)));
                }
                facts.team.push(member);
            }
        }
        for m in &facts.team {
            self.batch.case_file_team.push(TeamRow {
                id: DbUuid(m.id),
                case_file_id: DbUuid(facts.id),
                staff_id: DbUuid(m.assignment.staff_id),
                role: m.assignment.role.as_str().to_owned(),
                assigned_from: m.assignment.from,
                assigned_until: m.assignment.until,
                assigned_by: DbUuid(m.by),
                recorded_at: inst(m.at),
                sensitive_access: m.sensitive && m.assignment.role != TeamRole::CaseManager,
            });
        }
        Ok(())
    }

    /// Versioned assessments while the file is open.
    fn assessments(
        &mut self,
        facts: &FileFacts,
        who: &Subject<'_>,
        status: CaseStatus,
    ) -> anyhow::Result<()> {
        let wanted = if status == CaseStatus::Intake && facts.activated_on.is_none() {
            usize::from(chance(&mut self.rng, 0.4))
        } else if chance(&mut self.rng, 0.9) {
            1 + usize::from(chance(&mut self.rng, 0.5))
                + usize::from(chance(&mut self.rng, 0.3))
                + usize::from(chance(&mut self.rng, 0.15))
        } else {
            0
        };
        let mut day = add(facts.opened_on, self.rng.random_range(3..30));
        let mut severities: Vec<(AssessmentDomain, u8)> = AssessmentDomain::ALL
            .iter()
            .map(|d| (*d, self.base_severity(facts.area, *d)))
            .collect();
        for version in 1..=i32::try_from(wanted).unwrap_or(0) {
            let Some(assessed_on) = facts.open.iter().find_map(|(from, until)| {
                let d = day.max(*from);
                (d < *until && d <= self.today).then_some(d)
            }) else {
                break;
            };
            check_assessed_on(assessed_on, facts.opened_on, self.today)
                .map_err(|e| anyhow!("generated assessment: {e}"))?;
            let at = self.time_on(assessed_on);
            let aid = self.id(at);
            let notes = if chance(&mut self.rng, 0.6) {
                Some(text::assessment_notes(&mut self.rng, who))
            } else {
                None
            };
            let notes = parse_assessment_notes(notes.as_deref())
                .map_err(|e| anyhow!("generated notes: {e}"))?;
            self.batch.assessments.push(AssessmentRow {
                id: DbUuid(aid),
                case_file_id: DbUuid(facts.id),
                version_number: version,
                assessed_on,
                author_id: DbUuid(facts.manager_on(assessed_on)),
                notes,
                created_at: inst(at),
            });
            for (domain, severity) in &mut severities {
                let value =
                    Severity::new(*severity).map_err(|e| anyhow!("generated severity: {e}"))?;
                self.batch.assessment_scores.push(ScoreRow {
                    assessment_id: DbUuid(aid),
                    domain: domain.as_str().to_owned(),
                    severity: i32::from(value.value()),
                });
                // The next version: mostly better, sometimes worse.
                let roll: f64 = self.rng.random();
                if roll < 0.35 && *severity > 0 {
                    *severity -= 1;
                } else if roll > 0.9 && *severity < 3 {
                    *severity += 1;
                }
            }
            day = add(assessed_on, self.rng.random_range(120..400));
        }
        Ok(())
    }

    /// The first severity of a domain for a file of `area`.
    fn base_severity(&mut self, area: Area, domain: AssessmentDomain) -> u8 {
        use AssessmentDomain as D;
        let high = matches!(
            (area, domain),
            (
                Area::AdultsDisability,
                D::Health | D::Autonomy | D::FamilyAndRelations
            ) | (
                Area::SocialInclusion,
                D::Housing | D::Income | D::Employment
            ) | (Area::Transversal, D::Justice | D::Employment | D::Housing)
        );
        if high {
            *weighted(&mut self.rng, &[(1u8, 2), (2, 5), (3, 3)])
        } else if domain == D::Justice {
            *weighted(&mut self.rng, &[(0u8, 9), (1, 1)])
        } else {
            *weighted(&mut self.rng, &[(0u8, 4), (1, 4), (2, 2)])
        }
    }

    /// Diary entries: about twenty for an active file, fewer for others, spread over the
    /// file's life, by the case manager and the team; some restricted, some edited within the
    /// day, some corrected later by a correcting entry.
    fn diary(
        &mut self,
        facts: &FileFacts,
        who: &Subject<'_>,
        status: CaseStatus,
    ) -> anyhow::Result<()> {
        let base = match status {
            CaseStatus::Intake => 3.0,
            CaseStatus::Active => 22.0,
            CaseStatus::Suspended => 16.0,
            CaseStatus::Closed => 12.0,
        };
        let n = (base * (0.4 + 1.2 * self.rng.random::<f64>())).round() as usize;
        let end = add(facts.last_open_end(), -1)
            .min(self.today)
            .max(facts.opened_on);
        let mut days: Vec<NaiveDate> = (0..n)
            .map(|_| day_between(&mut self.rng, facts.opened_on, end))
            .collect();
        days.sort();
        let org = self.organisation(facts.area);
        let mut written: Vec<(Uuid, DateTime<Utc>, DateTime<Utc>, Uuid)> = Vec::new();
        for day in days {
            let manager = facts.manager_on(day);
            let others = facts.others_on(day);
            let (author, member) = if !others.is_empty() && chance(&mut self.rng, 0.3) {
                let m = pick(&mut self.rng, &others);
                (m.assignment.staff_id, true)
            } else {
                (manager, false)
            };
            let kind = if member {
                *weighted(
                    &mut self.rng,
                    &[
                        (DiaryEntryKind::HomeVisit, 4),
                        (DiaryEntryKind::Meeting, 3),
                        (DiaryEntryKind::Note, 2),
                        (DiaryEntryKind::PhoneCall, 2),
                    ],
                )
            } else {
                *weighted(
                    &mut self.rng,
                    &[
                        (DiaryEntryKind::Interview, 30),
                        (DiaryEntryKind::PhoneCall, 25),
                        (DiaryEntryKind::HomeVisit, 10),
                        (DiaryEntryKind::Meeting, 13),
                        (DiaryEntryKind::TeamMeeting, 6),
                        (DiaryEntryKind::Note, 16),
                    ],
                )
            };
            let raw = text::diary(&mut self.rng, kind, who, org, day.year());
            let text = DiaryText::parse(&raw).map_err(|e| anyhow!("generated diary text: {e}"))?;
            let occurred_at = self.time_on(day);
            let delay = match self.rng.random_range(0..100) {
                0..70 => Duration::minutes(self.rng.random_range(5..240)),
                70..95 => Duration::hours(self.rng.random_range(20..72)),
                _ => Duration::days(self.rng.random_range(4..14)),
            };
            let created_at = self.bounded(occurred_at, occurred_at + delay);
            check_occurred_at(occurred_at, created_at)
                .map_err(|e| anyhow!("generated diary time: {e}"))?;
            let restricted = !member && chance(&mut self.rng, 0.06);
            let (version, updated_at) = if chance(&mut self.rng, 0.03) {
                let minutes = self.rng.random_range(5..600);
                (
                    2,
                    self.bounded(created_at, created_at + Duration::minutes(minutes)),
                )
            } else {
                (1, created_at)
            };
            let eid = self.id(created_at);
            self.batch.diary_entries.push(DiaryRow {
                id: DbUuid(eid),
                case_file_id: DbUuid(facts.id),
                kind: kind.as_str().to_owned(),
                occurred_at: inst(occurred_at),
                text: text.as_str().to_owned(),
                restricted,
                corrects_entry_id: None,
                author_id: DbUuid(author),
                version,
                created_at: inst(created_at),
                updated_at: inst(updated_at),
            });
            written.push((eid, occurred_at, created_at, author));
        }
        // Correcting entries, once the 24-hour edit window of the corrected one is over.
        let corrections = written.len() / 60
            + usize::from(chance(&mut self.rng, (written.len() % 60) as f64 / 60.0));
        for _ in 0..corrections {
            let Some(&(target, occurred_at, created_at, _)) =
                written.get(self.rng.random_range(0..written.len().max(1)))
            else {
                break;
            };
            let at = created_at + Duration::hours(self.rng.random_range(25..24 * 20));
            if at > self.now {
                continue;
            }
            let day = at.date_naive();
            let author = facts.manager_on(day);
            let raw = text::correction(&mut self.rng, who, org);
            let text = DiaryText::parse(&raw).map_err(|e| anyhow!("generated correction: {e}"))?;
            let occurred = later(
                occurred_at,
                at - Duration::minutes(self.rng.random_range(1..120)),
            );
            let cid = self.id(at);
            self.batch.diary_entries.push(DiaryRow {
                id: DbUuid(cid),
                case_file_id: DbUuid(facts.id),
                kind: DiaryEntryKind::Note.as_str().to_owned(),
                occurred_at: inst(occurred),
                text: text.as_str().to_owned(),
                restricted: false,
                corrects_entry_id: Some(DbUuid(target)),
                author_id: DbUuid(author),
                version: 1,
                created_at: inst(at),
                updated_at: inst(at),
            });
        }
        Ok(())
    }

    /// A partner organisation of an area, for texts.
    fn organisation(&mut self, area: Area) -> &'static str {
        let service = match area {
            Area::AdultsDisability => *weighted(
                &mut self.rng,
                &[
                    ("health_district", 3),
                    ("cooperative", 3),
                    ("mental_health_centre", 1),
                    ("labour_agency", 1),
                ],
            ),
            Area::SocialInclusion => *weighted(
                &mut self.rng,
                &[
                    ("employment_centre", 3),
                    ("labour_agency", 2),
                    ("cooperative", 2),
                    ("other", 2),
                    ("addiction_service", 1),
                ],
            ),
            Area::Transversal => *weighted(
                &mut self.rng,
                &[
                    ("probation_office", 4),
                    ("employment_centre", 2),
                    ("addiction_service", 1),
                ],
            ),
        };
        let matching: Vec<&(&str, &str)> = ORGANISATIONS
            .iter()
            .filter(|(s, _)| *s == service)
            .collect();
        pick(&mut self.rng, &matching).1
    }

    /// The privacy notice acknowledged at the opening, and data-sharing consents given later,
    /// some with an expiry, a few revoked.
    fn consents(&mut self, facts: &FileFacts) -> anyhow::Result<()> {
        let (open_from, open_until) = facts.first_open();
        let last_day = add(open_until, -1).min(self.today).max(open_from);
        if chance(&mut self.rng, 0.95) {
            let version = privacy_notice_version(facts.opened_on);
            let terms = ConsentTerms::parse(ConsentKind::PrivacyNotice, Some(version), None, None)
                .map_err(|e| anyhow!("generated consent: {e}"))?;
            let given_on = facts.opened_on;
            check_consent_dates(given_on, None, None)
                .map_err(|e| anyhow!("generated consent: {e}"))?;
            let at = self.time_on(given_on);
            let by = facts.manager_on(given_on);
            self.consent_row(facts.id, &terms, given_on, None, None, by, at);
        }
        let sharing = if chance(&mut self.rng, 0.3) {
            1 + usize::from(chance(&mut self.rng, 0.3))
        } else {
            0
        };
        for _ in 0..sharing {
            let organisation = pick(&mut self.rng, CONSENT_ORGANISATIONS);
            let purpose = format!(
                "Condivisione delle informazioni necessarie {} con {organisation}.",
                pick(
                    &mut self.rng,
                    &[
                        "alla definizione del progetto personalizzato",
                        "all'attivazione del tirocinio di inclusione",
                        "alla domanda di alloggio pubblico",
                        "alla presa in carico congiunta",
                        "alla verifica dei requisiti del beneficio economico",
                    ]
                )
            );
            let terms = ConsentTerms::parse(
                ConsentKind::DataSharing,
                None,
                Some(organisation),
                Some(&purpose),
            )
            .map_err(|e| anyhow!("generated consent: {e}"))?;
            let given_on = day_between(&mut self.rng, open_from, last_day);
            let expires_on =
                chance(&mut self.rng, 0.6).then(|| add(given_on, pick(&mut self.rng, &[364, 729])));
            let revoke_until = expires_on.unwrap_or(self.today).min(self.today);
            let revoked_on = (chance(&mut self.rng, 0.08) && revoke_until > given_on)
                .then(|| day_between(&mut self.rng, add(given_on, 1), revoke_until));
            check_consent_dates(given_on, expires_on, revoked_on)
                .map_err(|e| anyhow!("generated consent: {e}"))?;
            let at = self.time_on(given_on);
            let by = facts.manager_on(given_on);
            self.consent_row(facts.id, &terms, given_on, expires_on, revoked_on, by, at);
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn consent_row(
        &mut self,
        file: Uuid,
        terms: &ConsentTerms,
        given_on: NaiveDate,
        expires_on: Option<NaiveDate>,
        revoked_on: Option<NaiveDate>,
        by: Uuid,
        at: DateTime<Utc>,
    ) {
        let id = self.id(at);
        let (version, revocation_reason, updated_at) = match revoked_on {
            Some(day) => {
                let when = self.after(day, at);
                (
                    2,
                    Some(text::revocation_reason(&mut self.rng).to_owned()),
                    when,
                )
            }
            None => (1, None, at),
        };
        self.batch.consents.push(ConsentRow {
            id: DbUuid(id),
            case_file_id: DbUuid(file),
            kind: terms.kind.as_str().to_owned(),
            privacy_notice_version: terms.privacy_notice_version.clone(),
            organisation: terms.organisation.clone(),
            purpose: terms.purpose.clone(),
            given_on,
            expires_on,
            revoked_on,
            revocation_reason,
            version,
            recorded_by: DbUuid(by),
            created_at: inst(at),
            updated_at: inst(updated_at),
            updated_by: DbUuid(by),
        });
    }

    /// Referrals to and from other services, with their replies and closing.
    fn referrals(&mut self, facts: &FileFacts) -> anyhow::Result<()> {
        if !chance(&mut self.rng, 0.35) {
            return Ok(());
        }
        let count = 1 + usize::from(chance(&mut self.rng, 0.3));
        let (open_from, open_until) = facts.first_open();
        let last_day = add(open_until, -1).min(self.today).max(open_from);
        for _ in 0..count {
            let service = match facts.area {
                Area::AdultsDisability => *weighted(
                    &mut self.rng,
                    &[
                        (ExternalService::HealthDistrict, 30),
                        (ExternalService::Cooperative, 25),
                        (ExternalService::MentalHealthCentre, 15),
                        (ExternalService::LabourAgency, 15),
                        (ExternalService::Other, 15),
                    ],
                ),
                Area::SocialInclusion => *weighted(
                    &mut self.rng,
                    &[
                        (ExternalService::EmploymentCentre, 30),
                        (ExternalService::LabourAgency, 20),
                        (ExternalService::Cooperative, 15),
                        (ExternalService::AddictionService, 10),
                        (ExternalService::MentalHealthCentre, 10),
                        (ExternalService::HealthDistrict, 5),
                        (ExternalService::Other, 10),
                    ],
                ),
                Area::Transversal => *weighted(
                    &mut self.rng,
                    &[
                        (ExternalService::ProbationOffice, 40),
                        (ExternalService::EmploymentCentre, 20),
                        (ExternalService::LabourAgency, 15),
                        (ExternalService::AddictionService, 15),
                        (ExternalService::Other, 10),
                    ],
                ),
            };
            let matching: Vec<&(&str, &str)> = ORGANISATIONS
                .iter()
                .filter(|(s, _)| *s == service.as_str())
                .collect();
            let organisation = if matching.is_empty() {
                "Fondazione Comunità Solidale"
            } else {
                pick(&mut self.rng, &matching).1
            };
            let reason = text::referral_reason(&mut self.rng, service.as_str());
            let details = ReferralDetails::parse(organisation, reason)
                .map_err(|e| anyhow!("generated referral: {e}"))?;
            let direction = if chance(&mut self.rng, 0.75) {
                ReferralDirection::Outgoing
            } else {
                ReferralDirection::Incoming
            };
            let sent_on = day_between(&mut self.rng, open_from, last_day);
            let author = facts.manager_on(sent_on);
            let created_at = self.time_on(sent_on);
            let rid = self.id(created_at);
            let mut referral = Referral {
                id: rid,
                case_file_id: facts.id,
                direction,
                service,
                details,
                organisation_id: None,
                answered_by_client: None,
                status: ReferralStatus::Sent,
                sent_on,
                reply_text: None,
                replied_on: None,
                closed_on: None,
                version: 1,
                created_by: author,
                created_at,
                updated_at: created_at,
                updated_by: author,
            };
            let reply_on = add(sent_on, self.rng.random_range(3..45));
            let mut steps: Vec<(ReferralTransition, NaiveDate, Option<String>)> = Vec::new();
            if reply_on <= self.today && chance(&mut self.rng, 0.9) {
                let accepted = chance(&mut self.rng, 0.75);
                let t = if accepted {
                    ReferralTransition::Accept
                } else {
                    ReferralTransition::Reject
                };
                steps.push((
                    t,
                    reply_on,
                    Some(text::referral_reply(&mut self.rng, accepted).to_owned()),
                ));
                let close_on = add(reply_on, self.rng.random_range(20..300));
                if close_on <= self.today && chance(&mut self.rng, 0.6) {
                    steps.push((
                        ReferralTransition::Close,
                        close_on,
                        text::referral_close_note(&mut self.rng).map(str::to_owned),
                    ));
                }
            }
            for (transition, on, note) in steps {
                let note = check_referral_transition_request(transition, note.as_deref())
                    .map_err(|e| anyhow!("generated referral change: {e}"))?;
                let change = change_referral(&referral, transition, on, note.clone(), self.today)
                    .map_err(|e| anyhow!("generated referral change: {e}"))?;
                let by = facts.manager_on(on);
                let at = self.after_within(on, 2, referral.updated_at);
                let eid = self.id(at);
                self.batch.referral_events.push(ReferralEventRow {
                    id: DbUuid(eid),
                    referral_id: DbUuid(rid),
                    transition: transition.as_str().to_owned(),
                    from_status: change.from.as_str().to_owned(),
                    to_status: change.to.as_str().to_owned(),
                    occurred_on: on,
                    note,
                    author_id: Some(DbUuid(by)),
                    recorded_at: inst(at),
                    client_id: None,
                });
                referral.status = change.to;
                referral.reply_text = change.reply_text;
                referral.replied_on = change.replied_on;
                referral.closed_on = change.closed_on;
                referral.version += 1;
                referral.updated_at = at;
                referral.updated_by = by;
            }
            self.batch.referrals.push(ReferralRow {
                id: DbUuid(rid),
                case_file_id: DbUuid(facts.id),
                direction: referral.direction.as_str().to_owned(),
                service: referral.service.as_str().to_owned(),
                organisation: referral.details.organisation.clone(),
                reason: referral.details.reason.clone(),
                status: referral.status.as_str().to_owned(),
                sent_on,
                reply_text: referral.reply_text.clone(),
                replied_on: referral.replied_on,
                closed_on: referral.closed_on,
                version: referral.version,
                created_by: DbUuid(author),
                created_at: inst(created_at),
                updated_at: inst(referral.updated_at),
                updated_by: DbUuid(referral.updated_by),
                // The generated referrals name their organisation in words, as most of the
                // office's referrals do: none is addressed to a registered partner.
                organisation_id: None,
                answered_by_client: None,
            });
        }
        Ok(())
    }

    /// The special categories of the person, recorded by the case manager where the file's
    /// area and target groups make them relevant.
    fn sensitive(&mut self, facts: &FileFacts, file_created: DateTime<Utc>) -> anyhow::Result<()> {
        let person = facts.person.id;
        let manager = facts.manager_on(facts.opened_on);
        let when = |this: &mut Self| -> (DateTime<Utc>, DateTime<Utc>, Uuid, i64) {
            let created = later(
                this.time_after(facts.opened_on, 40),
                file_created + Duration::minutes(1),
            );
            let created = this.bounded(file_created, created);
            if chance(&mut this.rng, 0.2) {
                let day = day_between(&mut this.rng, created.date_naive(), this.today);
                let updated = this.after(day, created);
                (created, updated, facts.manager_on(day), 2)
            } else {
                (created, created, manager, 1)
            }
        };
        let has = |g: TargetGroup| facts.groups.contains(&g);
        let health = (facts.area == Area::AdultsDisability && chance(&mut self.rng, 0.85))
            || chance(&mut self.rng, 0.04);
        if health
            && !self
                .batch
                .person_health_disability
                .iter()
                .rev()
                .take(8)
                .any(|r| r.person_id.0 == person)
        {
            let recognised = chance(&mut self.rng, 0.7);
            let input = HealthDisabilityInput {
                law_104_recognised: recognised,
                law_104_severe: recognised && chance(&mut self.rng, 0.4),
                civil_invalidity_percent: chance(&mut self.rng, 0.7)
                    .then(|| pick(&mut self.rng, &[34, 46, 50, 67, 74, 80, 90, 100])),
                accompanying_allowance: chance(&mut self.rng, 0.25),
                support_needs: chance(&mut self.rng, 0.6).then(|| {
                    (pick(&mut self.rng, &[
                        "Supporto nelle attività quotidiane e nella gestione dei farmaci.",
                        "Accompagnamento alle visite mediche; non autonomo negli spostamenti.",
                        "Assistenza domiciliare per l'igiene personale due volte a settimana.",
                        "Supervisione nella gestione del denaro e delle pratiche amministrative.",
                        "Trasporto al centro diurno dal lunedì al venerdì.",
                    ]))
                    .to_owned()
                }),
            };
            let data = HealthDisability::parse(&input)
                .map_err(|e| anyhow!("generated health data: {e}"))?;
            let d = data.input();
            let (created, updated, by, version) = when(self);
            self.batch
                .person_health_disability
                .push(HealthDisabilityRow {
                    person_id: DbUuid(person),
                    law_104_recognised: d.law_104_recognised,
                    law_104_severe: d.law_104_severe,
                    civil_invalidity_percent: d.civil_invalidity_percent,
                    accompanying_allowance: d.accompanying_allowance,
                    support_needs: d.support_needs.clone(),
                    version,
                    created_at: inst(created),
                    created_by: DbUuid(manager),
                    updated_at: inst(updated),
                    updated_by: DbUuid(by),
                });
        }
        if has(TargetGroup::RomaSintiCaminanti)
            && chance(&mut self.rng, 0.9)
            && !self
                .batch
                .person_ethnicity
                .iter()
                .rev()
                .take(8)
                .any(|r| r.person_id.0 == person)
        {
            let input = EthnicityInput {
                community: *weighted(&mut self.rng, &[(Community::Roma, 6), (Community::Sinti, 3), (Community::Caminanti, 1)]),
                relevant_to_project: (pick(&mut self.rng, &[
                    "Rilevante per il progetto di superamento dell'area di sosta e l'accesso all'abitare.",
                    "Rilevante per il raccordo con il mediatore culturale e la frequenza scolastica dei minori.",
                    "Rilevante per l'accesso al progetto provinciale di inclusione delle comunità RSC.",
                ]))
                .to_owned(),
            };
            let data = Ethnicity::parse(&input).map_err(|e| anyhow!("generated ethnicity: {e}"))?;
            let d = data.input();
            let (created, updated, by, version) = when(self);
            self.batch.person_ethnicity.push(EthnicityRow {
                person_id: DbUuid(person),
                community: d.community.as_str().to_owned(),
                relevant_to_project: d.relevant_to_project.clone(),
                version,
                created_at: inst(created),
                created_by: DbUuid(manager),
                updated_at: inst(updated),
                updated_by: DbUuid(by),
            });
        }
        let protection = has(TargetGroup::InternationalProtection);
        if (protection || (facts.person.foreign_citizen && chance(&mut self.rng, 0.5)))
            && !self
                .batch
                .person_legal_status
                .iter()
                .rev()
                .take(8)
                .any(|r| r.person_id.0 == person)
        {
            let status = if protection {
                if facts.person.origin.map(|o| o.country) == Some("UA") {
                    ProtectionStatus::TemporaryProtection
                } else {
                    *weighted(
                        &mut self.rng,
                        &[
                            (ProtectionStatus::Applicant, 30),
                            (ProtectionStatus::Refugee, 25),
                            (ProtectionStatus::SubsidiaryProtection, 25),
                            (ProtectionStatus::SpecialProtection, 20),
                        ],
                    )
                }
            } else {
                ProtectionStatus::None
            };
            let permit = match status {
                ProtectionStatus::Applicant => Some("Permesso per richiesta asilo"),
                ProtectionStatus::Refugee => Some("Permesso per asilo politico"),
                ProtectionStatus::SubsidiaryProtection => {
                    Some("Permesso per protezione sussidiaria")
                }
                ProtectionStatus::SpecialProtection => Some("Permesso per protezione speciale"),
                ProtectionStatus::TemporaryProtection => Some("Permesso per protezione temporanea"),
                ProtectionStatus::None => Some(pick(
                    &mut self.rng,
                    &[
                        "Permesso per lavoro subordinato",
                        "Permesso per motivi familiari",
                        "Permesso di soggiorno UE per soggiornanti di lungo periodo",
                        "Permesso per attesa occupazione",
                    ],
                )),
            };
            let long_term = permit.is_some_and(|p| p.contains("lungo periodo"));
            let expires = (!long_term).then(|| add(self.today, self.rng.random_range(-90..720)));
            let input = LegalStatusInput {
                permit_kind: permit.map(str::to_owned),
                permit_expires_on: expires,
                protection_status: status,
            };
            let data =
                LegalStatus::parse(&input).map_err(|e| anyhow!("generated legal status: {e}"))?;
            let d = data.input();
            let (created, updated, by, version) = when(self);
            self.batch.person_legal_status.push(LegalStatusRow {
                person_id: DbUuid(person),
                permit_kind: d.permit_kind.clone(),
                permit_expires_on: d.permit_expires_on,
                protection_status: d.protection_status.as_str().to_owned(),
                version,
                created_at: inst(created),
                created_by: DbUuid(manager),
                updated_at: inst(updated),
                updated_by: DbUuid(by),
            });
        }
        if has(TargetGroup::PrisonArea)
            && chance(&mut self.rng, 0.95)
            && !self
                .batch
                .person_justice
                .iter()
                .rev()
                .take(8)
                .any(|r| r.person_id.0 == person)
        {
            let status = *weighted(
                &mut self.rng,
                &[
                    (JusticeStatus::Detained, 4),
                    (JusticeStatus::AlternativeMeasure, 4),
                    (JusticeStatus::Released, 2),
                ],
            );
            let start = add(facts.opened_on, -self.rng.random_range(30..2000));
            let release = match status {
                JusticeStatus::Released => day_between(&mut self.rng, start, self.today),
                _ => add(self.today, self.rng.random_range(-30..900)).max(start),
            };
            let input = JusticeInput {
                status,
                alternative_measure_kind: (status == JusticeStatus::AlternativeMeasure).then(
                    || {
                        (pick(
                            &mut self.rng,
                            &[
                                "affidamento in prova ai servizi sociali",
                                "detenzione domiciliare",
                                "semilibertà",
                            ],
                        ))
                        .to_owned()
                    },
                ),
                institution: Some(
                    (pick(
                        &mut self.rng,
                        &[
                            "Casa circondariale di Trento",
                            "Casa circondariale di Bolzano",
                            "Casa circondariale di Verona",
                        ],
                    ))
                    .to_owned(),
                ),
                measure_start_on: Some(start),
                expected_release_on: Some(release),
                uepe_contact_reference: chance(&mut self.rng, 0.7)
                    .then(|| format!("UEPE-TN-{}", self.rng.random_range(1000..9999))),
            };
            let data =
                Justice::parse(&input).map_err(|e| anyhow!("generated justice data: {e}"))?;
            let d = data.input();
            let (created, updated, by, version) = when(self);
            self.batch.person_justice.push(JusticeRow {
                person_id: DbUuid(person),
                status: d.status.as_str().to_owned(),
                alternative_measure_kind: d.alternative_measure_kind.clone(),
                institution: d.institution.clone(),
                measure_start_on: d.measure_start_on,
                expected_release_on: d.expected_release_on,
                uepe_contact_reference: d.uepe_contact_reference.clone(),
                version,
                created_at: inst(created),
                created_by: DbUuid(manager),
                updated_at: inst(updated),
                updated_by: DbUuid(by),
            });
        }
        Ok(())
    }
}
