//! Social projects of case files: drawn up with objectives, participants and actions,
//! activated, reviewed (objectives move on at each review), and completed or interrupted —
//! every step through the domain rules of `socialcare_domain::project`.

use anyhow::anyhow;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::Rng;
use socialcare_domain::Area;
use socialcare_domain::case_file::{AssessmentDomain, ExternalService};
use socialcare_domain::project::{
    ActionContent, ActionStatus, ObjectiveContent, ObjectiveStatus, ParticipantKind,
    ParticipantRef, Project, ProjectKind, ProjectStatus, ProjectTransition,
    ProjectTransitionRequest, change_project, check_drafted_on, check_review, parse_title,
};
use socialcare_persistence::sql_types::DbUuid;
use uuid::Uuid;

use super::cases::FileFacts;
use super::generator::Generator;
use super::rows::{
    ActionRow, ObjectiveRow, ParticipantRow, ProjectRow, ProjectTransitionRow, ReviewOutcomeRow,
    ReviewRow,
};
use super::util::{add, chance, day_between, days_between, inst, pick, pick_ref, weighted};

/// An objective being followed.
struct Objective {
    id: Uuid,
    content: ObjectiveContent,
    version: i64,
    created_at: DateTime<Utc>,
    created_by: Uuid,
    updated_at: DateTime<Utc>,
    updated_by: Uuid,
}

/// Takes the optimistic lock of a project for a change (its version moves on) at `at` by `by`.
fn touch(project: &mut Project, at: DateTime<Utc>, by: Uuid) {
    project.version += 1;
    if at > project.updated_at {
        project.updated_at = at;
        project.updated_by = by;
    }
}

/// An action being followed.
struct Action {
    id: Uuid,
    content: ActionContent,
    created_at: DateTime<Utc>,
    created_by: Uuid,
    version: i64,
    updated_at: DateTime<Utc>,
    updated_by: Uuid,
}

/// Objectives per domain: description and indicator.
fn objective_text(domain: AssessmentDomain) -> &'static [(&'static str, &'static str)] {
    use AssessmentDomain as D;
    match domain {
        D::Housing => &[
            (
                "Trovare una sistemazione abitativa stabile",
                "Contratto di locazione firmato",
            ),
            (
                "Ottenere l'assegnazione di un alloggio pubblico",
                "Alloggio ITEA assegnato",
            ),
            (
                "Passare dal dormitorio a un appartamento condiviso",
                "Ingresso nell'appartamento",
            ),
        ],
        D::Income => &[
            (
                "Attivare una misura di sostegno al reddito",
                "Domanda accolta",
            ),
            (
                "Rientrare dai debiti per le utenze",
                "Piano di rientro rispettato per sei mesi",
            ),
        ],
        D::Employment => &[
            ("Avviare un tirocinio di inclusione", "Tirocinio attivato"),
            (
                "Trovare un lavoro anche a tempo determinato",
                "Contratto di lavoro firmato",
            ),
            (
                "Completare un corso di formazione professionale",
                "Attestato conseguito",
            ),
        ],
        D::Health => &[
            (
                "Riprendere i controlli presso il Centro di salute mentale",
                "Visite regolari per tre mesi",
            ),
            (
                "Seguire con regolarità la terapia prescritta",
                "Nessuna interruzione riferita dal medico",
            ),
        ],
        D::Autonomy => &[
            (
                "Acquisire autonomia negli spostamenti con i mezzi pubblici",
                "Tragitto casa-centro diurno in autonomia",
            ),
            (
                "Gestire autonomamente il budget mensile",
                "Rendiconto mensile senza scoperti",
            ),
        ],
        D::FamilyAndRelations => &[
            (
                "Sostenere la famiglia nel carico di cura",
                "Attivazione del sollievo settimanale",
            ),
            (
                "Ricostruire i rapporti con i figli",
                "Incontri regolari con i figli",
            ),
        ],
        D::LegalAndDocuments => &[
            ("Rinnovare il permesso di soggiorno", "Permesso rinnovato"),
            ("Ottenere l'iscrizione anagrafica", "Residenza registrata"),
        ],
        D::Justice => &[
            (
                "Preparare il rientro dopo la detenzione",
                "Alloggio e lavoro individuati prima della scarcerazione",
            ),
            (
                "Rispettare le prescrizioni della misura alternativa",
                "Relazioni positive dell'UEPE",
            ),
        ],
    }
}

const ACTIONS: &[&str] = &[
    "Colloquio di verifica con la persona",
    "Accompagnamento all'ufficio anagrafe",
    "Presentazione della domanda di alloggio pubblico",
    "Iscrizione al corso di lingua italiana",
    "Contatto con il tutor aziendale del tirocinio",
    "Visita al centro diurno con la famiglia",
    "Incontro con i familiari",
    "Richiesta della documentazione sanitaria",
    "Prenotazione della visita per l'invalidità civile",
    "Contatto con l'UEPE per il programma di trattamento",
    "Aggiornamento del curriculum con l'Agenzia del Lavoro",
];

const REVIEW_NOTES: &[&str] = &[
    "Verifica periodica: il percorso procede come previsto.",
    "Verifica con la persona e la rete: alcuni obiettivi vanno ricalibrati.",
    "Verifica in équipe: si confermano gli obiettivi e i tempi.",
    "La persona partecipa con impegno; emergono nuove difficoltà economiche.",
];

impl Generator {
    /// A project for some of the files that became active.
    pub fn projects(&mut self, facts: &FileFacts) -> anyhow::Result<()> {
        let Some(activated) = facts.activated_on else {
            return Ok(());
        };
        let share = match facts.area {
            Area::AdultsDisability => 0.45,
            Area::SocialInclusion => 0.35,
            Area::Transversal => 0.3,
        };
        if !chance(&mut self.rng, share) {
            return Ok(());
        }
        let (_, open_until) = facts.first_open();
        let file_closes = open_until <= self.today;
        let limit = add(open_until, -1).min(self.today);
        if days_between(activated, limit) < 20 {
            return Ok(());
        }
        let drafted_on = day_between(
            &mut self.rng,
            activated,
            add(activated, 60).min(add(limit, -10)),
        );
        check_drafted_on(drafted_on, facts.opened_on, self.today)
            .map_err(|e| anyhow!("generated project: {e}"))?;
        let (kind, title) = match facts.area {
            Area::AdultsDisability => *weighted(
                &mut self.rng,
                &[
                    ((ProjectKind::LifeProject, "Progetto di vita"), 45),
                    (
                        (ProjectKind::SocialHousing, "Dopo di noi: abitare sociale"),
                        20,
                    ),
                    ((ProjectKind::CommunitySupport, "Sostegno di comunità"), 20),
                    (
                        (
                            ProjectKind::EmploymentPath,
                            "Percorso di inserimento lavorativo",
                        ),
                        15,
                    ),
                ],
            ),
            Area::SocialInclusion => *weighted(
                &mut self.rng,
                &[
                    ((ProjectKind::InclusionPath, "Percorso di inclusione"), 35),
                    (
                        (
                            ProjectKind::HousingPath,
                            "Percorso verso l'abitare autonomo",
                        ),
                        25,
                    ),
                    (
                        (
                            ProjectKind::EmploymentPath,
                            "Percorso di inserimento lavorativo",
                        ),
                        25,
                    ),
                    ((ProjectKind::CommunitySupport, "Sostegno di comunità"), 15),
                ],
            ),
            Area::Transversal => *weighted(
                &mut self.rng,
                &[
                    (
                        (
                            ProjectKind::PrisonReintegration,
                            "Reinserimento dopo la detenzione",
                        ),
                        60,
                    ),
                    (
                        (
                            ProjectKind::EmploymentPath,
                            "Percorso di inserimento lavorativo",
                        ),
                        25,
                    ),
                    ((ProjectKind::CommunitySupport, "Sostegno di comunità"), 15),
                ],
            ),
        };
        let title = parse_title(&format!("{title} {}", drafted_on.format("%Y")))
            .map_err(|e| anyhow!("generated title: {e}"))?;
        let domains: &[AssessmentDomain] = {
            use AssessmentDomain as D;
            match kind {
                ProjectKind::LifeProject => {
                    &[D::Autonomy, D::FamilyAndRelations, D::Health, D::Housing]
                }
                ProjectKind::SocialHousing => &[D::Housing, D::Autonomy],
                ProjectKind::CommunitySupport => &[D::FamilyAndRelations, D::Income, D::Health],
                ProjectKind::InclusionPath => {
                    &[D::Housing, D::LegalAndDocuments, D::Employment, D::Income]
                }
                ProjectKind::HousingPath => &[D::Housing, D::Income],
                ProjectKind::EmploymentPath => &[D::Employment, D::Income],
                ProjectKind::PrisonReintegration => &[D::Justice, D::Housing, D::Employment],
            }
        };
        let author = facts.manager_on(drafted_on);
        let created_at = self.time_on(drafted_on);
        let id = self.id(created_at);
        let mut project = Project {
            id,
            case_file_id: facts.id,
            kind,
            title,
            status: ProjectStatus::Draft,
            drafted_on,
            started_on: None,
            ended_on: None,
            interruption_reason: None,
            next_review_on: None,
            version: 1,
            created_at,
            created_by: author,
            updated_at: created_at,
            updated_by: author,
        };
        // Objectives drawn up with the project.
        let mut objectives: Vec<Objective> = Vec::new();
        let count = self.rng.random_range(1..=domains.len().min(4));
        for domain in domains.iter().take(count) {
            let (description, indicator) = pick(&mut self.rng, objective_text(*domain));
            let target = add(drafted_on, self.rng.random_range(120..540));
            let content = ObjectiveContent::parse(
                *domain,
                description,
                target,
                Some(indicator),
                ObjectiveStatus::Planned,
                drafted_on,
            )
            .map_err(|e| anyhow!("generated objective: {e}"))?;
            let oid = self.id(created_at);
            objectives.push(Objective {
                id: oid,
                content,
                version: 1,
                created_at,
                created_by: author,
                updated_at: created_at,
                updated_by: author,
            });
        }
        // Participants and actions, added while drawing it up.
        let parts_until = add(drafted_on, 10).min(limit);
        let mut participants: Vec<(Uuid, ParticipantRef, Option<&'static str>, DateTime<Utc>)> =
            Vec::new();
        let mut wanted = vec![(ParticipantKind::Person, None)];
        if chance(&mut self.rng, 0.8) {
            wanted.push((ParticipantKind::Staff, None));
        }
        let member = facts.household.first().map(|p| p.id);
        if member.is_some() && chance(&mut self.rng, 0.3) {
            wanted.push((ParticipantKind::HouseholdMember, None));
        }
        if chance(&mut self.rng, 0.4) {
            let service = match facts.area {
                Area::AdultsDisability => ExternalService::HealthDistrict,
                Area::SocialInclusion => ExternalService::EmploymentCentre,
                Area::Transversal => ExternalService::ProbationOffice,
            };
            wanted.push((ParticipantKind::ExternalService, Some(service)));
        }
        for (kind, service) in wanted {
            let day = day_between(&mut self.rng, drafted_on, parts_until);
            let by = facts.manager_on(day);
            let (person_id, staff_id, organisation, role) = match kind {
                ParticipantKind::Person => {
                    (None, None, None, Some("Persona titolare del progetto"))
                }
                ParticipantKind::HouseholdMember => {
                    (member, None, None, Some("Familiare convivente"))
                }
                ParticipantKind::Staff => (None, Some(by), None, Some("Case manager")),
                ParticipantKind::ExternalService => (
                    None,
                    None,
                    Some(match service {
                        Some(ExternalService::HealthDistrict) => {
                            "Distretto sanitario Centro Nord - APSS"
                        }
                        Some(ExternalService::EmploymentCentre) => "Centro per l'impiego di Trento",
                        _ => "UEPE di Trento",
                    }),
                    Some("Servizio della rete"),
                ),
            };
            let who = ParticipantRef::parse(
                kind,
                person_id,
                staff_id,
                service,
                organisation,
                facts.person.id,
            )
            .map_err(|e| anyhow!("generated participant: {e}"))?;
            let at = self.after(day, created_at);
            let pid = self.id(at);
            touch(&mut project, at, by);
            participants.push((pid, who, role, at));
        }
        let mut actions: Vec<Action> = Vec::new();
        for _ in 0..self.rng.random_range(1..=4) {
            let day = day_between(&mut self.rng, drafted_on, add(drafted_on, 20).min(limit));
            let by = facts.manager_on(day);
            let participant =
                (chance(&mut self.rng, 0.5)).then(|| pick_ref(&mut self.rng, &participants).0);
            let due = add(day, self.rng.random_range(15..200));
            let content = ActionContent::parse(
                pick(&mut self.rng, ACTIONS),
                participant,
                Some(due),
                ActionStatus::Planned,
                None,
                drafted_on,
                day,
            )
            .map_err(|e| anyhow!("generated action: {e}"))?;
            let at = self.after(day, created_at + Duration::minutes(1));
            let aid = self.id(at);
            touch(&mut project, at, by);
            actions.push(Action {
                id: aid,
                content,
                created_at: at,
                created_by: by,
                version: 1,
                updated_at: at,
                updated_by: by,
            });
        }
        // Where the project ends up.
        let target = if file_closes {
            if chance(&mut self.rng, 0.6) {
                ProjectStatus::Completed
            } else {
                ProjectStatus::Interrupted
            }
        } else {
            let recent = days_between(drafted_on, self.today) < 45;
            if recent && chance(&mut self.rng, 0.6) {
                ProjectStatus::Draft
            } else {
                *weighted(
                    &mut self.rng,
                    &[
                        (ProjectStatus::Draft, 10),
                        (ProjectStatus::Active, 64),
                        (ProjectStatus::Completed, 15),
                        (ProjectStatus::Interrupted, 11),
                    ],
                )
            }
        };
        let mut reviews: Vec<(ReviewRow, Vec<ReviewOutcomeRow>)> = Vec::new();
        let mut transitions: Vec<ProjectTransitionRow> = Vec::new();
        let last_part = participants
            .iter()
            .map(|p| p.3.date_naive())
            .chain(actions.iter().map(|a| a.created_at.date_naive()))
            .max()
            .unwrap_or(drafted_on);
        let earliest_start = add(last_part.max(drafted_on), 1);
        if target != ProjectStatus::Draft && earliest_start < add(limit, -5) {
            let started_on = day_between(
                &mut self.rng,
                earliest_start,
                add(earliest_start, 40).min(add(limit, -5)),
            );
            let next = add(started_on, self.rng.random_range(60..150));
            self.project_transition(
                &mut project,
                &objectives,
                ProjectTransition::Activate,
                started_on,
                None,
                Some(next),
                facts,
                &mut transitions,
            )?;
            touch(
                &mut project,
                transitions.last().map_or(created_at, |t| t.recorded_at.0),
                facts.manager_on(started_on),
            );
            // When it ends (for the projects that end).
            let end_day = match target {
                ProjectStatus::Completed | ProjectStatus::Interrupted
                    if days_between(started_on, limit) > 30 =>
                {
                    Some(day_between(&mut self.rng, add(started_on, 30), limit))
                }
                _ => None,
            };
            let review_limit = end_day.unwrap_or(self.today);
            // Periodic reviews; a few projects stop being reviewed (their review is overdue).
            while let Some(due) = project.next_review_on {
                if due > review_limit || !chance(&mut self.rng, 0.97) {
                    break;
                }
                let last = reviews.last().map_or(started_on, |r| r.0.reviewed_on);
                let reviewed_on = add(due, self.rng.random_range(-7..21))
                    .max(add(last, 1))
                    .max(started_on)
                    .min(review_limit);
                if reviewed_on <= last {
                    break;
                }
                let next = add(reviewed_on, self.rng.random_range(90..180));
                let mut outcomes = Vec::new();
                for o in objectives.iter().filter(|o| !o.content.status.is_final()) {
                    let next_status = match o.content.status {
                        ObjectiveStatus::Planned => ObjectiveStatus::InProgress,
                        _ => *weighted(
                            &mut self.rng,
                            &[
                                (ObjectiveStatus::InProgress, 70),
                                (ObjectiveStatus::Achieved, 18),
                                (ObjectiveStatus::PartiallyAchieved, 7),
                                (ObjectiveStatus::Dropped, 5),
                            ],
                        ),
                    };
                    outcomes.push((
                        o.id,
                        next_status,
                        chance(&mut self.rng, 0.3).then(|| "Aggiornato in verifica.".to_owned()),
                    ));
                }
                self.project_review(
                    &mut project,
                    &mut objectives,
                    reviewed_on,
                    next,
                    outcomes,
                    facts,
                    &mut reviews,
                )?;
                touch(
                    &mut project,
                    reviews.last().map_or(created_at, |r| r.0.recorded_at.0),
                    facts.manager_on(reviewed_on),
                );
            }
            if let Some(end_day) = end_day {
                let end_day = end_day.max(reviews.last().map_or(started_on, |r| r.0.reviewed_on));
                if target == ProjectStatus::Completed {
                    // The final review gives every objective its final status.
                    let outcomes: Vec<(Uuid, ObjectiveStatus, Option<String>)> = objectives
                        .iter()
                        .filter(|o| !o.content.status.is_final())
                        .map(|o| {
                            (
                                o.id,
                                *weighted(
                                    &mut self.rng,
                                    &[
                                        (ObjectiveStatus::Achieved, 55),
                                        (ObjectiveStatus::PartiallyAchieved, 25),
                                        (ObjectiveStatus::NotAchieved, 12),
                                        (ObjectiveStatus::Dropped, 8),
                                    ],
                                ),
                                None,
                            )
                        })
                        .collect();
                    if !outcomes.is_empty() {
                        self.project_review(
                            &mut project,
                            &mut objectives,
                            end_day,
                            add(end_day, 90),
                            outcomes,
                            facts,
                            &mut reviews,
                        )?;
                        touch(
                            &mut project,
                            reviews.last().map_or(created_at, |r| r.0.recorded_at.0),
                            facts.manager_on(end_day),
                        );
                    }
                    self.project_transition(
                        &mut project,
                        &objectives,
                        ProjectTransition::Complete,
                        end_day,
                        None,
                        None,
                        facts,
                        &mut transitions,
                    )?;
                } else {
                    let reason = pick(
                        &mut self.rng,
                        &[
                            "La persona si è trasferita in un altro comune.",
                            "La persona ha interrotto la collaborazione con il servizio.",
                            "Il progetto è superato da una nuova presa in carico specialistica.",
                        ],
                    );
                    self.project_transition(
                        &mut project,
                        &objectives,
                        ProjectTransition::Interrupt,
                        end_day,
                        Some(reason),
                        None,
                        facts,
                        &mut transitions,
                    )?;
                }
                touch(
                    &mut project,
                    transitions.last().map_or(created_at, |t| t.recorded_at.0),
                    facts.manager_on(end_day),
                );
            }
        }
        // Some actions were done while the project was open.
        let actions_until = project.ended_on.unwrap_or(limit).min(limit);
        for action in &mut actions {
            let created_day = action.created_at.date_naive();
            if created_day < actions_until && chance(&mut self.rng, 0.5) {
                let c = &action.content;
                let done_on = day_between(
                    &mut self.rng,
                    created_day,
                    c.due_on.unwrap_or(actions_until).min(actions_until),
                );
                let content = ActionContent::parse(
                    &c.description,
                    c.participant_id,
                    c.due_on,
                    ActionStatus::Done,
                    Some(done_on),
                    drafted_on,
                    done_on,
                )
                .map_err(|e| anyhow!("generated action: {e}"))?;
                let by = facts.manager_on(done_on);
                let at = self.after(done_on, action.created_at);
                action.content = content;
                action.version = 2;
                action.updated_at = at;
                action.updated_by = by;
                touch(&mut project, at, by);
            }
        }
        // Rows.
        self.batch.projects.push(ProjectRow {
            id: DbUuid(project.id),
            case_file_id: DbUuid(facts.id),
            kind: project.kind.as_str().to_owned(),
            title: project.title.clone(),
            status: project.status.as_str().to_owned(),
            drafted_on: project.drafted_on,
            started_on: project.started_on,
            ended_on: project.ended_on,
            interruption_reason: project.interruption_reason.clone(),
            next_review_on: project.next_review_on,
            version: project.version,
            created_at: inst(project.created_at),
            created_by: DbUuid(project.created_by),
            updated_at: inst(project.updated_at),
            updated_by: DbUuid(project.updated_by),
        });
        self.batch.project_transitions.extend(transitions);
        for o in &objectives {
            self.batch.project_objectives.push(ObjectiveRow {
                id: DbUuid(o.id),
                project_id: DbUuid(project.id),
                domain: o.content.domain.as_str().to_owned(),
                description: o.content.description.clone(),
                target_date: o.content.target_date,
                indicator: o.content.indicator.clone(),
                status: o.content.status.as_str().to_owned(),
                version: o.version,
                created_at: inst(o.created_at),
                created_by: DbUuid(o.created_by),
                updated_at: inst(o.updated_at),
                updated_by: DbUuid(o.updated_by),
            });
        }
        for (pid, who, role, at) in &participants {
            let (person_id, staff_id, service, organisation) = match who {
                ParticipantRef::Person(p) | ParticipantRef::HouseholdMember(p) => {
                    (Some(DbUuid(*p)), None, None, None)
                }
                ParticipantRef::Staff(s) => (None, Some(DbUuid(*s)), None, None),
                ParticipantRef::ExternalService {
                    service,
                    organisation,
                } => (
                    None,
                    None,
                    service.map(|s| s.as_str().to_owned()),
                    Some(organisation.clone()),
                ),
            };
            self.batch.project_participants.push(ParticipantRow {
                id: DbUuid(*pid),
                project_id: DbUuid(project.id),
                kind: who.kind().as_str().to_owned(),
                person_id,
                staff_id,
                service,
                organisation,
                role: role.map(str::to_owned),
                created_at: inst(*at),
                created_by: DbUuid(facts.manager_on(at.date_naive())),
            });
        }
        for a in actions {
            self.batch.project_actions.push(ActionRow {
                id: DbUuid(a.id),
                project_id: DbUuid(project.id),
                description: a.content.description,
                participant_id: a.content.participant_id.map(DbUuid),
                due_on: a.content.due_on,
                status: a.content.status.as_str().to_owned(),
                done_on: a.content.done_on,
                version: a.version,
                created_at: inst(a.created_at),
                created_by: DbUuid(a.created_by),
                updated_at: inst(a.updated_at),
                updated_by: DbUuid(a.updated_by),
            });
        }
        for (review, outcomes) in reviews {
            self.batch.project_reviews.push(review);
            self.batch.project_review_outcomes.extend(outcomes);
        }
        Ok(())
    }

    /// Applies a transition through `change_project` and records it.
    #[allow(clippy::too_many_arguments)]
    fn project_transition(
        &mut self,
        project: &mut Project,
        objectives: &[Objective],
        transition: ProjectTransition,
        on: NaiveDate,
        reason: Option<&str>,
        next_review_on: Option<NaiveDate>,
        facts: &FileFacts,
        rows: &mut Vec<ProjectTransitionRow>,
    ) -> anyhow::Result<()> {
        let statuses: Vec<ObjectiveStatus> = objectives.iter().map(|o| o.content.status).collect();
        let request = ProjectTransitionRequest {
            transition,
            occurred_on: on,
            reason: reason.map(str::to_owned),
            next_review_on,
        };
        let change = change_project(project, &statuses, &request, self.today)
            .map_err(|e| anyhow!("generated project transition: {e}"))?;
        let author = facts.manager_on(on);
        let at = self.after(on, project.updated_at);
        let id = self.id(at);
        rows.push(ProjectTransitionRow {
            id: DbUuid(id),
            project_id: DbUuid(project.id),
            transition: transition.as_str().to_owned(),
            from_status: change.from.as_str().to_owned(),
            to_status: change.to.as_str().to_owned(),
            occurred_on: on,
            reason: change.reason.clone(),
            author_id: DbUuid(author),
            recorded_at: inst(at),
        });
        project.status = change.to;
        project.started_on = change.started_on;
        project.ended_on = change.ended_on;
        project.interruption_reason = change.interruption_reason;
        project.next_review_on = change.next_review_on;
        Ok(())
    }

    /// Records a review through `check_review`: outcomes per objective (each bumps the
    /// objective's version) and the next review day.
    #[allow(clippy::too_many_arguments)]
    fn project_review(
        &mut self,
        project: &mut Project,
        objectives: &mut [Objective],
        reviewed_on: NaiveDate,
        next: NaiveDate,
        outcomes: Vec<(Uuid, ObjectiveStatus, Option<String>)>,
        facts: &FileFacts,
        rows: &mut Vec<(ReviewRow, Vec<ReviewOutcomeRow>)>,
    ) -> anyhow::Result<()> {
        let ids: Vec<Uuid> = objectives.iter().map(|o| o.id).collect();
        let notes = chance(&mut self.rng, 0.7).then(|| pick(&mut self.rng, REVIEW_NOTES));
        let (notes, checked) = check_review(
            project,
            &ids,
            reviewed_on,
            next,
            &outcomes,
            notes,
            self.today,
        )
        .map_err(|e| anyhow!("generated review: {e}"))?;
        let author = facts.manager_on(reviewed_on);
        let at = self.after(reviewed_on, project.updated_at);
        let id = self.id(at);
        let mut outcome_rows = Vec::new();
        for outcome in &checked {
            outcome_rows.push(ReviewOutcomeRow {
                review_id: DbUuid(id),
                objective_id: DbUuid(outcome.objective_id),
                status: outcome.status.as_str().to_owned(),
                note: outcome.note.clone(),
            });
            if let Some(o) = objectives.iter_mut().find(|o| o.id == outcome.objective_id) {
                o.content.status = outcome.status;
                o.version += 1;
                o.updated_at = at;
                o.updated_by = author;
            }
        }
        rows.push((
            ReviewRow {
                id: DbUuid(id),
                project_id: DbUuid(project.id),
                reviewed_on,
                notes,
                next_review_on: next,
                author_id: DbUuid(author),
                recorded_at: inst(at),
            },
            outcome_rows,
        ));
        project.next_review_on = Some(next);
        Ok(())
    }
}
