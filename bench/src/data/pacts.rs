//! Inclusion pacts (ADI, AUP, local measures) of income-support beneficiaries: drawn up, the
//! household convened and analysed, signed with commitments per member, activated, checked
//! periodically, sometimes suspended, with non-compliance events, and closed — every step
//! through the domain rules of `socialcare_domain::pact`.

use anyhow::anyhow;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rand::Rng;
use socialcare_domain::agenda::ItemKind;
use socialcare_domain::case_file::TargetGroup;
use socialcare_domain::pact::{
    AnalysisOutcome, ClockFacts, ClosureOutcome, CommitmentContent, CommitmentKind,
    CommitmentStatus, Frequency, Measure, Pact, PactStatus, PactTransition, PactTransitionRequest,
    StepKind, check_check_outcomes, check_new_pact, check_non_compliance, check_pact_transition,
    check_periodic_check, check_step, clock_deadlines, rules_version, suspensions_from,
};
use socialcare_persistence::sql_types::DbUuid;
use uuid::Uuid;

use super::cases::FileFacts;
use super::generator::Generator;
use super::rows::{
    CheckAttendeeRow, CheckOutcomeRow, CommitmentRow, NonComplianceRow, PactCheckRow,
    PactDeadlineRow, PactRow, PactStepRow, PactTransitionRow,
};
use super::util::{add, chance, day_between, days_between, inst, pick, pick_ref, weighted};

/// A commitment being followed.
struct Commitment {
    id: Uuid,
    content: CommitmentContent,
    version: i64,
    created_at: DateTime<Utc>,
    created_by: Uuid,
    updated_at: DateTime<Utc>,
    updated_by: Uuid,
}

/// The pact under construction with its rows.
struct Draft {
    pact: Pact,
    recorded: Vec<StepKind>,
    last_change: NaiveDate,
    commitments: Vec<Commitment>,
    steps: Vec<PactStepRow>,
    transitions: Vec<PactTransitionRow>,
    checks: Vec<PactCheckRow>,
    attendees: Vec<CheckAttendeeRow>,
    outcomes: Vec<CheckOutcomeRow>,
    non_compliance: Vec<NonComplianceRow>,
}

impl Draft {
    /// Takes the optimistic lock of the pact for a change at `at` by `by`.
    fn touch(&mut self, at: DateTime<Utc>, by: Uuid) {
        self.pact.version += 1;
        if at > self.pact.updated_at {
            self.pact.updated_at = at;
            self.pact.updated_by = by;
        }
    }
}

/// The first day an ADI pact may be drawn up in the data (the measure started in 2024).
fn first_pact_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 15).unwrap_or(NaiveDate::MIN)
}

const COMMITMENTS: &[(CommitmentKind, &str, &str)] = &[
    (
        CommitmentKind::MeetingsWithServices,
        "Servizio sociale",
        "Colloqui registrati nel diario",
    ),
    (
        CommitmentKind::ActiveJobSearch,
        "Centro per l'impiego di Trento",
        "Candidature presentate e colloqui svolti",
    ),
    (
        CommitmentKind::Training,
        "Agenzia del Lavoro",
        "Attestato di frequenza",
    ),
    (
        CommitmentKind::SchoolAttendance,
        "Istituto comprensivo",
        "Registro delle presenze",
    ),
    (
        CommitmentKind::HealthPrevention,
        "Medico di medicina generale",
        "Certificato delle visite",
    ),
    (
        CommitmentKind::SpecialistCare,
        "Centro di salute mentale",
        "Relazione del servizio specialistico",
    ),
    (
        CommitmentKind::CommunityUtilityProject,
        "Comune di Trento - PUC",
        "Registro delle ore svolte",
    ),
];

impl Generator {
    /// A pact for most income-support beneficiaries whose file was open when the measures
    /// existed.
    pub fn pacts(&mut self, facts: &FileFacts) -> anyhow::Result<()> {
        if !facts
            .groups
            .contains(&TargetGroup::IncomeSupportBeneficiary)
            || facts.activated_on.is_none()
        {
            return Ok(());
        }
        if !chance(&mut self.rng, 0.8) {
            return Ok(());
        }
        let Some(&(from, until)) = facts
            .open
            .iter()
            .find(|(_, until)| add(*until, -1) >= add(first_pact_day(), 20))
        else {
            return Ok(());
        };
        let first_day = from
            .max(first_pact_day())
            .max(facts.activated_on.unwrap_or(from));
        let last_day = add(until, -1).min(self.today);
        if days_between(first_day, last_day) < 10 {
            return Ok(());
        }
        let file_closes = until <= self.today;
        let drafted_on = day_between(
            &mut self.rng,
            first_day,
            add(first_day, 120).min(add(last_day, -5)),
        );
        let measure = *weighted(
            &mut self.rng,
            &[
                (Measure::Adi, 75),
                (Measure::Aup, 20),
                (Measure::LocalOther, 5),
            ],
        );
        let activation_on = if measure == Measure::Adi || chance(&mut self.rng, 0.7) {
            Some(add(drafted_on, -self.rng.random_range(1..40)))
        } else {
            None
        };
        let prefix = match measure {
            Measure::Adi => "INPS-ADI",
            Measure::Aup => "AUP",
            _ => "LOC",
        };
        let reference = format!(
            "{prefix}-{}-{:06}",
            activation_on.unwrap_or(drafted_on).year(),
            self.rng.random_range(1..999_999)
        );
        let (reference, rules) = check_new_pact(
            measure,
            &reference,
            activation_on,
            drafted_on,
            facts.opened_on,
            self.today,
        )
        .map_err(|e| anyhow!("generated pact: {e}"))?;
        let household_id = facts
            .person
            .household
            .filter(|(_, joined)| *joined <= drafted_on)
            .map(|(h, _)| h);
        let author = facts.manager_on(drafted_on);
        let created_at = self.time_on(drafted_on);
        let id = self.id(created_at);
        let mut d = Draft {
            pact: Pact {
                id,
                case_file_id: facts.id,
                household_id,
                measure,
                application_reference: reference,
                status: PactStatus::Draft,
                drafted_on,
                activation_on,
                convocation_on: None,
                analysis_outcome: None,
                signed_on: None,
                active_since: None,
                last_check_on: None,
                closed_on: None,
                closure_outcome: None,
                rules_version: rules.version.to_owned(),
                version: 1,
                created_at,
                created_by: author,
                updated_at: created_at,
                updated_by: author,
            },
            recorded: Vec::new(),
            last_change: drafted_on,
            commitments: Vec::new(),
            steps: Vec::new(),
            transitions: Vec::new(),
            checks: Vec::new(),
            attendees: Vec::new(),
            outcomes: Vec::new(),
            non_compliance: Vec::new(),
        };
        self.pact_life(
            &mut d,
            facts,
            last_day,
            file_closes,
            rules.convocation_within_days,
            rules.check_every_days,
        )?;
        // Rows.
        let p = &d.pact;
        let pact_id = p.id;
        self.batch.pacts.push(PactRow {
            id: DbUuid(p.id),
            case_file_id: DbUuid(facts.id),
            household_id: p.household_id.map(DbUuid),
            measure: p.measure.as_str().to_owned(),
            application_reference: p.application_reference.clone(),
            status: p.status.as_str().to_owned(),
            drafted_on: p.drafted_on,
            activation_on: p.activation_on,
            convocation_on: p.convocation_on,
            analysis_outcome: p.analysis_outcome.map(|o| o.as_str().to_owned()),
            signed_on: p.signed_on,
            active_since: p.active_since,
            last_check_on: p.last_check_on,
            closed_on: p.closed_on,
            closure_outcome: p.closure_outcome.map(|o| o.as_str().to_owned()),
            rules_version: p.rules_version.clone(),
            version: p.version,
            created_at: inst(p.created_at),
            created_by: DbUuid(p.created_by),
            updated_at: inst(p.updated_at),
            updated_by: DbUuid(p.updated_by),
        });
        self.pact_deadlines(&d, facts.id)?;
        self.batch.pact_steps.append(&mut d.steps);
        self.batch.pact_transitions.append(&mut d.transitions);
        for c in &d.commitments {
            self.batch.pact_commitments.push(CommitmentRow {
                id: DbUuid(c.id),
                pact_id: DbUuid(pact_id),
                person_id: DbUuid(c.content.person_id),
                kind: c.content.kind.as_str().to_owned(),
                owner: c.content.owner.clone(),
                frequency: c.content.frequency.as_str().to_owned(),
                due_on: c.content.due_on,
                verification: c.content.verification.clone(),
                status: c.content.status.as_str().to_owned(),
                justification: c.content.justification.clone(),
                version: c.version,
                created_at: inst(c.created_at),
                created_by: DbUuid(c.created_by),
                updated_at: inst(c.updated_at),
                updated_by: DbUuid(c.updated_by),
            });
        }
        self.batch.pact_checks.append(&mut d.checks);
        self.batch.pact_check_attendees.append(&mut d.attendees);
        self.batch.pact_check_outcomes.append(&mut d.outcomes);
        self.batch.pact_non_compliance.append(&mut d.non_compliance);
        Ok(())
    }

    /// The deadlines of the finished pact, as the server stores them with each change.
    fn pact_deadlines(&mut self, d: &Draft, case_file_id: Uuid) -> anyhow::Result<()> {
        let p = &d.pact;
        let rules = rules_version(&p.rules_version)
            .ok_or_else(|| anyhow!("generated pact with unknown rules {}", p.rules_version))?;
        let history = d
            .transitions
            .iter()
            .map(|t| {
                let transition: PactTransition = t
                    .transition
                    .parse()
                    .map_err(|e| anyhow!("generated transition: {e}"))?;
                Ok((transition, t.occurred_on))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let suspensions = suspensions_from(history);
        let facts = ClockFacts {
            status: p.status,
            activation_on: p.activation_on,
            convocation_on: p.convocation_on,
            signed_on: p.signed_on,
            active_since: p.active_since,
            last_check_on: p.last_check_on,
            suspensions,
            pending_commitments: d
                .commitments
                .iter()
                .filter(|c| c.content.status == CommitmentStatus::Pending)
                .map(|c| (c.id, c.content.due_on))
                .collect(),
        };
        for deadline in clock_deadlines(&facts, rules) {
            self.batch.pact_deadlines.push(PactDeadlineRow {
                pact_id: DbUuid(p.id),
                case_file_id: DbUuid(case_file_id),
                kind: deadline.kind.as_str().to_owned(),
                kind_rank: ItemKind::from(deadline.kind).rank(),
                commitment_key: DbUuid(deadline.commitment_id.unwrap_or_default()),
                due_on: deadline.due_on,
                stopped_since: deadline.stopped_since,
            });
        }
        Ok(())
    }

    /// Walks a pact from its draft: convocation, analysis, signature, commitments, start,
    /// checks (with suspensions and non-compliance) and closing.
    fn pact_life(
        &mut self,
        d: &mut Draft,
        facts: &FileFacts,
        last_day: NaiveDate,
        file_closes: bool,
        convocation_within: Option<u64>,
        check_every: Option<u64>,
    ) -> anyhow::Result<()> {
        let mut day = d.pact.drafted_on;
        // Convocation (sometimes late, sometimes not yet).
        if !chance(&mut self.rng, 0.95) {
            return self.maybe_close_draft(d, facts, last_day, file_closes);
        }
        let within = i64::try_from(convocation_within.unwrap_or(45)).unwrap_or(45);
        let conv = add(day, self.rng.random_range(0..within + within / 3));
        if conv > last_day {
            return self.maybe_close_draft(d, facts, last_day, file_closes);
        }
        self.pact_step(d, facts, StepKind::Convocation, conv, None)?;
        day = conv;
        // Preliminary analysis.
        let analysis = add(day, self.rng.random_range(1..30));
        if analysis > last_day || !chance(&mut self.rng, 0.95) {
            return self.maybe_close_draft(d, facts, last_day, file_closes);
        }
        let outcome = *weighted(
            &mut self.rng,
            &[
                (AnalysisOutcome::SocialPath, 80),
                (AnalysisOutcome::SpecialistServices, 12),
                (AnalysisOutcome::EmploymentPath, 8),
            ],
        );
        self.pact_step(
            d,
            facts,
            StepKind::PreliminaryAnalysis,
            analysis,
            Some(outcome),
        )?;
        day = analysis;
        if outcome == AnalysisOutcome::EmploymentPath {
            let on = add(day, self.rng.random_range(0..10)).min(last_day);
            return self.pact_transition(
                d,
                facts,
                PactTransition::Close,
                on,
                Some("Percorso lavorativo con il Centro per l'impiego."),
                Some(ClosureOutcome::Transferred),
            );
        }
        if chance(&mut self.rng, 0.5) {
            let on = add(day, self.rng.random_range(3..30));
            if on <= last_day {
                self.pact_step(d, facts, StepKind::InDepthAssessment, on, None)?;
                day = on;
            }
        }
        // Signature.
        let signed = add(day, self.rng.random_range(3..90));
        if signed > last_day || !chance(&mut self.rng, 0.92) {
            return self.maybe_close_draft(d, facts, last_day, file_closes);
        }
        self.pact_transition(d, facts, PactTransition::Sign, signed, None, None)?;
        day = signed;
        // Commitments of the person and the household members.
        let mut people = vec![facts.person.id];
        if d.pact.household_id.is_some() {
            people.extend(
                facts
                    .household
                    .iter()
                    .filter(|m| m.household.is_some_and(|(_, j)| j <= signed))
                    .map(|m| m.id),
            );
        }
        for _ in 0..self.rng.random_range(2..=4) {
            let on = add(signed, self.rng.random_range(0..7)).min(last_day);
            let person = pick(&mut self.rng, &people);
            let (kind, owner, verification) = pick(&mut self.rng, COMMITMENTS);
            let frequency = *weighted(
                &mut self.rng,
                &[
                    (Frequency::Monthly, 5),
                    (Frequency::Weekly, 2),
                    (Frequency::Quarterly, 2),
                    (Frequency::Once, 1),
                ],
            );
            let due_on = add(signed, self.rng.random_range(20..240));
            let content = CommitmentContent::parse(
                person,
                kind,
                owner,
                frequency,
                due_on,
                verification,
                CommitmentStatus::Pending,
                None,
                d.pact.signed_on,
            )
            .map_err(|e| anyhow!("generated commitment: {e}"))?;
            socialcare_domain::pact::check_commitments_allowed(&d.pact)
                .map_err(|e| anyhow!("generated commitment: {e}"))?;
            let by = facts.manager_on(on);
            let at = self.after(on, d.pact.updated_at);
            let cid = self.id(at);
            d.touch(at, by);
            d.commitments.push(Commitment {
                id: cid,
                content,
                version: 1,
                created_at: at,
                created_by: by,
                updated_at: at,
                updated_by: by,
            });
        }
        // Start.
        let start = add(day, self.rng.random_range(1..20));
        if start > last_day || !chance(&mut self.rng, 0.9) {
            return self.maybe_close_signed(d, facts, last_day, file_closes);
        }
        self.pact_transition(d, facts, PactTransition::Activate, start, None, None)?;
        day = start;
        // Periodic checks, suspensions, non-compliance.
        let every = i64::try_from(check_every.unwrap_or(90)).unwrap_or(90);
        let neglected = chance(&mut self.rng, 0.15);
        loop {
            if d.pact.status == PactStatus::Active && chance(&mut self.rng, 0.06) {
                let on = add(day, self.rng.random_range(10..every));
                if on > last_day {
                    break;
                }
                let reason = pick(
                    &mut self.rng,
                    &[
                        "Ricovero ospedaliero.",
                        "Temporaneo trasferimento all'estero per motivi familiari.",
                        "Sospensione del beneficio da parte dell'ente erogatore.",
                    ],
                );
                self.pact_transition(d, facts, PactTransition::Suspend, on, Some(reason), None)?;
                let resume = add(on, self.rng.random_range(20..120));
                if resume > last_day {
                    break;
                }
                self.pact_transition(d, facts, PactTransition::Resume, resume, None, None)?;
                day = resume;
                continue;
            }
            let on = add(day, (every as f64 * self.rng.random_range(0.6..1.1)) as i64);
            if on > last_day || (neglected && days_between(on, self.today) < 200) {
                break;
            }
            self.pact_check(d, facts, on)?;
            day = on;
            if chance(&mut self.rng, 0.08) {
                self.pact_non_compliance(d, facts, day)?;
            }
        }
        // Closing: always before the file closes, sometimes while it stays open.
        if file_closes || chance(&mut self.rng, 0.12) {
            let on = day_between(&mut self.rng, d.last_change, last_day.max(d.last_change));
            let outcome = *weighted(
                &mut self.rng,
                &[
                    (ClosureOutcome::Completed, 5),
                    (ClosureOutcome::Lapsed, 3),
                    (ClosureOutcome::Revoked, 1),
                ],
            );
            let reason = match outcome {
                ClosureOutcome::Completed => "Percorso concluso con esito positivo.",
                ClosureOutcome::Lapsed => "Decadenza del beneficio.",
                _ => "Revoca del beneficio da parte dell'ente erogatore.",
            };
            self.pact_transition(
                d,
                facts,
                PactTransition::Close,
                on,
                Some(reason),
                Some(outcome),
            )?;
        }
        Ok(())
    }

    /// A draft pact of a file that closes is closed (lapsed) with it.
    fn maybe_close_draft(
        &mut self,
        d: &mut Draft,
        facts: &FileFacts,
        last_day: NaiveDate,
        file_closes: bool,
    ) -> anyhow::Result<()> {
        if file_closes {
            let on = day_between(&mut self.rng, d.last_change, last_day.max(d.last_change));
            self.pact_transition(
                d,
                facts,
                PactTransition::Close,
                on,
                Some("Il nucleo non ha completato il percorso di sottoscrizione."),
                Some(ClosureOutcome::Lapsed),
            )?;
        }
        Ok(())
    }

    /// A signed pact of a file that closes is closed with it.
    fn maybe_close_signed(
        &mut self,
        d: &mut Draft,
        facts: &FileFacts,
        last_day: NaiveDate,
        file_closes: bool,
    ) -> anyhow::Result<()> {
        if file_closes {
            let on = day_between(&mut self.rng, d.last_change, last_day.max(d.last_change));
            self.pact_transition(
                d,
                facts,
                PactTransition::Close,
                on,
                Some("Beneficio cessato prima dell'avvio."),
                Some(ClosureOutcome::Lapsed),
            )?;
        }
        Ok(())
    }

    /// Records a step before the signature.
    fn pact_step(
        &mut self,
        d: &mut Draft,
        facts: &FileFacts,
        kind: StepKind,
        on: NaiveDate,
        outcome: Option<AnalysisOutcome>,
    ) -> anyhow::Result<()> {
        check_step(&d.pact, &d.recorded, kind, on, outcome, self.today)
            .map_err(|e| anyhow!("generated pact step: {e}"))?;
        let by = facts.manager_on(on);
        let at = self.after(on, d.pact.updated_at);
        let id = self.id(at);
        d.touch(at, by);
        d.steps.push(PactStepRow {
            id: DbUuid(id),
            pact_id: DbUuid(d.pact.id),
            kind: kind.as_str().to_owned(),
            occurred_on: on,
            outcome: outcome.map(|o| o.as_str().to_owned()),
            notes: chance(&mut self.rng, 0.3)
                .then(|| "Presente l'intero nucleo familiare.".to_owned()),
            author_id: DbUuid(by),
            recorded_at: inst(at),
        });
        d.recorded.push(kind);
        match kind {
            StepKind::Convocation => d.pact.convocation_on = Some(on),
            StepKind::PreliminaryAnalysis => d.pact.analysis_outcome = outcome,
            StepKind::InDepthAssessment | StepKind::Signature => {}
        }
        d.last_change = d.last_change.max(on);
        Ok(())
    }

    /// Applies a transition through `check_pact_transition` and records it (the signature
    /// also records its step, as the persistence layer does).
    #[allow(clippy::too_many_arguments)]
    fn pact_transition(
        &mut self,
        d: &mut Draft,
        facts: &FileFacts,
        transition: PactTransition,
        on: NaiveDate,
        reason: Option<&str>,
        closure: Option<ClosureOutcome>,
    ) -> anyhow::Result<()> {
        let on = on.max(d.last_change);
        let request = PactTransitionRequest {
            transition,
            occurred_on: on,
            reason: reason.map(str::to_owned),
            closure_outcome: closure,
        };
        let (to, reason) = check_pact_transition(&d.pact, &request, d.last_change, self.today)
            .map_err(|e| {
                anyhow!(
                    "generated pact transition {transition} from {}: {e}",
                    d.pact.status
                )
            })?;
        let by = facts.manager_on(on);
        let at = self.after(on, d.pact.updated_at);
        d.touch(at, by);
        if transition == PactTransition::Sign {
            let sid = self.id(at);
            d.steps.push(PactStepRow {
                id: DbUuid(sid),
                pact_id: DbUuid(d.pact.id),
                kind: StepKind::Signature.as_str().to_owned(),
                occurred_on: on,
                outcome: None,
                notes: reason.clone(),
                author_id: DbUuid(by),
                recorded_at: inst(at),
            });
            d.recorded.push(StepKind::Signature);
            d.pact.signed_on = Some(on);
        }
        let tid = self.id(at);
        d.transitions.push(PactTransitionRow {
            id: DbUuid(tid),
            pact_id: DbUuid(d.pact.id),
            transition: transition.as_str().to_owned(),
            from_status: d.pact.status.as_str().to_owned(),
            to_status: to.as_str().to_owned(),
            occurred_on: on,
            reason,
            closure_outcome: closure.map(|c| c.as_str().to_owned()),
            author_id: DbUuid(by),
            recorded_at: inst(at),
        });
        if transition == PactTransition::Activate && d.pact.active_since.is_none() {
            d.pact.active_since = Some(on);
        }
        if transition == PactTransition::Close {
            d.pact.closed_on = Some(on);
            d.pact.closure_outcome = closure;
        }
        d.pact.status = to;
        d.last_change = d.last_change.max(on);
        Ok(())
    }

    /// A periodic check: who came, and how each pending commitment went.
    fn pact_check(
        &mut self,
        d: &mut Draft,
        facts: &FileFacts,
        on: NaiveDate,
    ) -> anyhow::Result<()> {
        check_periodic_check(&d.pact, on, self.today)
            .map_err(|e| anyhow!("generated check: {e}"))?;
        let mut raw = Vec::new();
        for c in d
            .commitments
            .iter()
            .filter(|c| c.content.status == CommitmentStatus::Pending)
        {
            let status = *weighted(
                &mut self.rng,
                &[
                    (CommitmentStatus::Met, 60),
                    (CommitmentStatus::Missed, 12),
                    (CommitmentStatus::Justified, 10),
                    (CommitmentStatus::Pending, 18),
                ],
            );
            let note = match status {
                CommitmentStatus::Justified => {
                    Some("Assenza giustificata da certificato medico.".to_owned())
                }
                CommitmentStatus::Missed => chance(&mut self.rng, 0.5)
                    .then(|| "Nessuna documentazione presentata.".to_owned()),
                _ => None,
            };
            raw.push((c.id, status, note));
        }
        let ids: Vec<Uuid> = d.commitments.iter().map(|c| c.id).collect();
        let outcomes = check_check_outcomes(&raw, &ids)
            .map_err(|e| anyhow!("generated check outcomes: {e}"))?;
        let by = facts.manager_on(on);
        let at = self.after(on, d.pact.updated_at);
        let id = self.id(at);
        d.touch(at, by);
        d.checks.push(PactCheckRow {
            id: DbUuid(id),
            pact_id: DbUuid(d.pact.id),
            checked_on: on,
            notes: chance(&mut self.rng, 0.4)
                .then(|| "Verifica periodica con il nucleo.".to_owned()),
            author_id: DbUuid(by),
            recorded_at: inst(at),
        });
        let mut attendees = vec![facts.person.id];
        if d.pact.household_id.is_some() {
            for m in &facts.household {
                if chance(&mut self.rng, 0.4) {
                    attendees.push(m.id);
                }
            }
        }
        attendees.sort();
        attendees.dedup();
        for person in attendees {
            d.attendees.push(CheckAttendeeRow {
                check_id: DbUuid(id),
                person_id: DbUuid(person),
            });
        }
        for outcome in outcomes {
            d.outcomes.push(CheckOutcomeRow {
                check_id: DbUuid(id),
                commitment_id: DbUuid(outcome.commitment_id),
                status: outcome.status.as_str().to_owned(),
                note: outcome.note.clone(),
            });
            if let Some(c) = d
                .commitments
                .iter_mut()
                .find(|c| c.id == outcome.commitment_id)
            {
                c.content.status = outcome.status;
                c.content.justification = (outcome.status == CommitmentStatus::Justified)
                    .then(|| outcome.note.clone())
                    .flatten();
                c.version += 1;
                c.updated_at = at;
                c.updated_by = by;
            }
        }
        d.pact.last_check_on = Some(on);
        d.last_change = d.last_change.max(on);
        Ok(())
    }

    /// A non-compliance event, reported to the national institute when relevant.
    fn pact_non_compliance(
        &mut self,
        d: &mut Draft,
        facts: &FileFacts,
        on: NaiveDate,
    ) -> anyhow::Result<()> {
        let commitment = (!d.commitments.is_empty() && chance(&mut self.rng, 0.7))
            .then(|| pick_ref(&mut self.rng, &d.commitments).id);
        let relevant = chance(&mut self.rng, 0.4);
        let reported_on = (relevant && chance(&mut self.rng, 0.7))
            .then(|| add(on, self.rng.random_range(0..20)).min(self.today));
        let description = pick(
            &mut self.rng,
            &[
                "Mancata presentazione alla convocazione del Centro per l'impiego.",
                "Rifiuto di un'offerta di lavoro congrua.",
                "Mancata frequenza del corso di formazione concordato.",
                "Assenza ingiustificata alla verifica periodica.",
            ],
        );
        let description =
            check_non_compliance(&d.pact, on, description, relevant, reported_on, self.today)
                .map_err(|e| anyhow!("generated non-compliance: {e}"))?;
        let by = facts.manager_on(on);
        let at = self.after(on, d.pact.updated_at);
        let id = self.id(at);
        d.touch(at, by);
        d.non_compliance.push(NonComplianceRow {
            id: DbUuid(id),
            pact_id: DbUuid(d.pact.id),
            commitment_id: commitment.map(DbUuid),
            occurred_on: on,
            description,
            relevant_for_sanctions: relevant,
            reported_on,
            recorded_by: DbUuid(by),
            recorded_at: inst(at),
        });
        Ok(())
    }
}
