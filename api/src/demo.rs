//! `socialcare demo-data`: a small, realistic, fictional data set so that frontend teams can
//! start against the embedded database at once. Deterministic for a given seed.

use chrono::{Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use socialcare_domain::calendar;
use socialcare_domain::case_file::{
    AssessmentScores, CaseStatus, CaseTransition, ClosingReason, DiaryEntryKind, DiaryText,
    Severity, TargetGroup, TeamAssignment, TeamRole, TransitionRecord, apply,
};
use socialcare_domain::household::{Membership, Relationship};
use socialcare_domain::person::{PersonDetails, PersonInput, ResidenceInput};
use socialcare_domain::tax_code::{TaxCodeSex, encode_personal, name_code, surname_code};
use socialcare_domain::{Area, DisplayName, Email, Password, StaffProfile, Username};
use socialcare_persistence::assessments::{self, NewAssessment};
use socialcare_persistence::case_files::{self, NewCaseFile};
use socialcare_persistence::diary::{self, NewDiaryEntry};
use socialcare_persistence::households;
use socialcare_persistence::users::{self, NewStaffUser};
use socialcare_persistence::{AnyConnection, Database, StoreError, audit, persons};
use uuid::Uuid;

use crate::auth::password;

/// Password of every demo account (printed by the command; demo data is refused in production).
pub const DEMO_PASSWORD: &str = "demo-Pa55word-2026";

const GIVEN_FEMALE: &[&str] = &[
    "Maria",
    "Giulia",
    "Anna",
    "Francesca",
    "Chiara",
    "Elena",
    "Sofia",
    "Rosa",
    "Nicoletta",
    "Lucía",
    "Amina",
    "Fatima",
    "Ioana",
    "Oksana",
    "Aïcha",
    "Zoë",
    "Maria Grazia",
    "Anna Maria",
];
const GIVEN_MALE: &[&str] = &[
    "Marco",
    "Luca",
    "Giuseppe",
    "Antonio",
    "Nicolò",
    "Andrea",
    "Francesco",
    "Mattia",
    "Ion",
    "Mohamed",
    "Ibrahim",
    "Oleksandr",
    "José",
    "Dragan",
    "Gian Luca",
    "Pier Paolo",
];
const FAMILY: &[&str] = &[
    "Rossi",
    "Bianchi",
    "Esposito",
    "Ferrari",
    "D'Angelo",
    "De Luca",
    "Dell'Acqua",
    "Lo Russo",
    "Fontana",
    "Moretti",
    "Zanetti",
    "Popescu",
    "Ionescu",
    "El Amrani",
    "Diallo",
    "Okafor",
    "Kovalenko",
    "Álvarez Pérez",
    "Hadžić",
    "Nikolić",
    "Bertolini",
    "Dal Bosco",
];
const TOWNS: &[(&str, &str, &str)] = &[
    ("Trento", "38122", "TN"),
    ("Rovereto", "38068", "TN"),
    ("Pergine Valsugana", "38057", "TN"),
    ("Bolzano", "39100", "BZ"),
];
const STREETS: &[&str] = &[
    "Via Roma",
    "Via Brennero",
    "Corso Tre Novembre",
    "Via Santa Croce",
    "Via dei Mille",
    "Piazza Duomo",
    "Via Verdi",
];

/// What was created.
#[derive(Debug, Default)]
pub struct DemoSummary {
    /// Staff accounts created.
    pub users: Vec<String>,
    /// Persons registered.
    pub persons: usize,
    /// Case files opened.
    pub case_files: usize,
    /// Households formed.
    pub households: usize,
    /// Diary entries written.
    pub diary_entries: usize,
    /// Social projects drawn up.
    pub projects: usize,
    /// Inclusion pacts drawn up.
    pub pacts: usize,
    /// Housing facilities recorded (one of every kind).
    pub facilities: usize,
    /// Beds added to them (a winter season in the night shelter included).
    pub beds: usize,
    /// Placements booked (in every state).
    pub placements: usize,
    /// Employers recorded (one of every kind, one of them annulled).
    pub employers: usize,
    /// Procurement contracts with a social clause awarded to them.
    pub contracts: usize,
    /// Employment placements (in every state, some under a contract's clause).
    pub work_placements: usize,
    /// Tutor reviews of the running employment placements.
    pub work_reviews: usize,
    /// Training and supervision events of the staff.
    pub training_events: usize,
    /// Care resources with waiting lists (and their criteria sets).
    pub resources: usize,
    /// Applications for them (waiting, offered, admitted, suspended, withdrawn).
    pub applications: usize,
    /// Of those, the admitted ones.
    pub admissions: usize,
    /// Partner organisations (each with a machine client, without keys).
    pub partner_organisations: usize,
    /// Referrals addressed to a registered partner organisation.
    pub addressed_referrals: usize,
}

const DIARY_TEXTS: &[&str] = &[
    "Colloquio in ufficio: la persona riferisce difficoltà a trovare un alloggio stabile.",
    "Visita domiciliare: l'abitazione è in condizioni discrete; concordato un nuovo incontro.",
    "Telefonata con il Centro per l'impiego per un possibile tirocinio di inclusione.",
    "Riunione d'équipe: definiti gli obiettivi del progetto per i prossimi tre mesi.",
    "La persona non si è presentata all'appuntamento; riprogrammato.",
    "Incontro con la famiglia per il progetto di vita.",
];

fn store_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("demo data: {e}"))
}

fn staff(
    conn: &mut AnyConnection,
    username: &str,
    name: &str,
    roles: &[&str],
    areas: &[&str],
    hash: &str,
) -> Result<Uuid, StoreError> {
    let username = Username::parse(username).map_err(store_err)?;
    let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
    let areas: Vec<String> = areas.iter().map(|a| (*a).to_owned()).collect();
    let user = users::insert(
        conn,
        NewStaffUser {
            email: Email::parse(&format!("{}@comune.example.it", username.as_str()))
                .map_err(store_err)?,
            username,
            display_name: DisplayName::parse(name).map_err(store_err)?,
            profile: StaffProfile::parse(&roles, &areas).map_err(store_err)?,
            password_hash: hash.to_owned(),
        },
        Utc::now(),
    )?;
    Ok(user.id)
}

fn person_input(rng: &mut StdRng, today: NaiveDate) -> PersonInput {
    let female = rng.random_bool(0.5);
    let given = if female {
        GIVEN_FEMALE.choose(rng)
    } else {
        GIVEN_MALE.choose(rng)
    }
    .copied()
    .unwrap_or("Maria");
    let family = FAMILY.choose(rng).copied().unwrap_or("Rossi");
    let birth = today - Duration::days(rng.random_range(18 * 365..85 * 365));
    let foreign = rng.random_bool(0.3);
    let citizenship = if foreign {
        ["RO", "MA", "NG", "AL", "UA", "SN", "BA"]
            .choose(rng)
            .copied()
            .unwrap_or("RO")
    } else {
        "IT"
    };
    let sex = if female {
        TaxCodeSex::Female
    } else {
        TaxCodeSex::Male
    };
    // Newly arrived migrants and some homeless people have no tax code.
    let tax_code = (!foreign || rng.random_bool(0.5))
        .then(|| {
            let place = if foreign { "Z129" } else { "L378" };
            encode_personal(&surname_code(family), &name_code(given), birth, sex, place)
        })
        .flatten()
        .map(|c| c.as_str().to_owned());
    let (town, cap, province) = TOWNS.choose(rng).copied().unwrap_or(TOWNS[0]);
    let kind = ["residence", "residence", "residence", "fictitious", "none"]
        .choose(rng)
        .copied()
        .unwrap_or("residence");
    let residence = match kind {
        "none" => ResidenceInput {
            kind: "none".into(),
            ..ResidenceInput::default()
        },
        kind => ResidenceInput {
            kind: kind.into(),
            street: Some(format!(
                "{} {}",
                STREETS.choose(rng).copied().unwrap_or("Via Roma"),
                rng.random_range(1..120)
            )),
            postal_code: Some(cap.into()),
            municipality: Some(town.into()),
            province: Some(province.into()),
        },
    };
    let mut languages = vec!["it".to_owned()];
    if foreign {
        languages.push(
            ["ro", "ar", "en", "fr", "uk", "sq", "rom"]
                .choose(rng)
                .copied()
                .unwrap_or("en")
                .to_owned(),
        );
    }
    PersonInput {
        given_names: given.into(),
        family_names: family.into(),
        birth_date: Some(birth),
        birth_place: Some(if foreign {
            "estero".into()
        } else {
            town.into()
        }),
        sex: Some(if female { "female" } else { "male" }.into()),
        citizenship: Some(citizenship.into()),
        tax_code,
        residence,
        phone: rng.random_bool(0.7).then(|| {
            format!(
                "+39 3{:02} {:07}",
                rng.random_range(20..99),
                rng.random_range(0..9_999_999)
            )
        }),
        email: None,
        languages,
    }
}

/// Loads the demo data set into an empty office (no person registered yet).
pub fn load(db: &Database, seed: u64, persons_count: usize) -> Result<DemoSummary, StoreError> {
    let hash = password::hash(
        Password::parse(DEMO_PASSWORD, None)
            .map_err(store_err)?
            .expose(),
    )
    .map_err(store_err)?;
    db.write::<_, StoreError, _>(|c| {
        if !persons::search(
            c,
            &persons::PersonQuery {
                include_annulled: true,
                limit: 1,
                ..Default::default()
            },
        )?
        .is_empty()
        {
            return Err(StoreError::Conflict(
                "the database already holds persons: demo data goes only into an empty office"
                    .into(),
            ));
        }
        let mut rng = StdRng::seed_from_u64(seed);
        // A separate stream, so that the persons and case files of a seed stay as they were.
        let mut project_rng = StdRng::seed_from_u64(seed ^ 0x5052_4f4a_4543_5453);
        let mut summary = DemoSummary::default();
        let mut workers: Vec<(Area, Uuid)> = Vec::new();
        let mut educators: Vec<(Area, Uuid)> = Vec::new();
        for (area, code) in [
            (Area::AdultsDisability, "add"),
            (Area::SocialInclusion, "inc"),
            (Area::Transversal, "tra"),
        ] {
            for n in 1..=2 {
                let name = format!("demo.sw.{code}{n}");
                workers.push((area, staff(c, &name, &format!("Assistente sociale {code} {n}"), &["social_worker"], &[area.as_str()], &hash)?));
                summary.users.push(name);
            }
            let name = format!("demo.ed.{code}");
            educators.push((area, staff(c, &name, &format!("Educatore {code}"), &["educator"], &[area.as_str()], &hash)?));
            summary.users.push(name);
            let name = format!("demo.coord.{code}");
            staff(c, &name, &format!("Coordinatore {code}"), &["area_coordinator"], &[area.as_str()], &hash)?;
            summary.users.push(name);
        }
        for (name, display, role) in [
            ("demo.manager", "Responsabile dell'ufficio", "office_manager"),
            ("demo.clerk", "Personale amministrativo", "administrative"),
            ("demo.dpo", "Referente privacy", "privacy_officer"),
        ] {
            staff(c, name, display, &[role], &[], &hash)?;
            summary.users.push(name.to_owned());
        }
        let author = workers.first().map(|w| w.1).ok_or_else(|| store_err("no worker"))?;
        let now = Utc::now();
        let today = calendar::today(now);
        let statuses = [
            vec![],
            vec![CaseTransition::Activate],
            vec![CaseTransition::Activate, CaseTransition::Suspend],
            vec![CaseTransition::Activate, CaseTransition::Close],
            vec![CaseTransition::Close],
            vec![CaseTransition::Activate, CaseTransition::Close, CaseTransition::Reopen],
            vec![CaseTransition::Activate, CaseTransition::Suspend, CaseTransition::Resume],
        ];
        // Households: every fourth person heads one, and the next one or two join it.
        let mut household: Option<(Uuid, usize)> = None;
        let mut housing_files: Vec<DemoFile> = Vec::new();
        for i in 0..persons_count {
            let input = person_input(&mut rng, today);
            let Ok(details) = PersonDetails::parse(&input, today) else {
                continue;
            };
            if let Some(code) = &details.tax_code
                && persons::live_with_tax_code(c, code.as_str(), None)?.is_some()
            {
                continue;
            }
            let person = persons::insert(c, &details, author, now)?;
            summary.persons += 1;
            let joined_on = today - Duration::days(rng.random_range(100..2000));
            match household {
                Some((home, members)) if members < 3 && i % 4 != 0 => {
                    let relationship = [Relationship::Spouse, Relationship::Child, Relationship::Parent]
                        .choose(&mut rng)
                        .copied()
                        .unwrap_or(Relationship::Child);
                    households::insert_member(
                        c,
                        &Membership { person_id: person.id, household_id: home, relationship, joined_on, left_on: None },
                        author,
                        now,
                    )?;
                    household = Some((home, members + 1));
                }
                _ if i % 4 == 0 => {
                    let home = households::insert_household(c, author, now)?;
                    households::insert_member(
                        c,
                        &Membership {
                            person_id: person.id,
                            household_id: home.id,
                            relationship: Relationship::ReferencePerson,
                            joined_on,
                            left_on: None,
                        },
                        author,
                        now,
                    )?;
                    household = Some((home.id, 1));
                    summary.households += 1;
                }
                _ => household = None,
            }
            if i % 6 == 5 {
                continue; // some persons are registered without a case file yet
            }
            let (area, manager) = workers[i % workers.len()];
            let opened_on = today - Duration::days(rng.random_range(30..900));
            let mut groups = vec![TargetGroup::AdultInNeed];
            match area {
                Area::AdultsDisability => groups = vec![TargetGroup::PersonWithDisability],
                Area::SocialInclusion => {
                    if rng.random_bool(0.4) {
                        groups.push(TargetGroup::Homeless);
                    }
                    if rng.random_bool(0.2) {
                        groups.push(TargetGroup::RomaSintiCaminanti);
                    }
                    if rng.random_bool(0.2) {
                        groups.push(TargetGroup::InternationalProtection);
                    }
                }
                Area::Transversal => groups.push(TargetGroup::PrisonArea),
            }
            let file = case_files::insert(
                c,
                &NewCaseFile {
                    person_id: person.id,
                    area,
                    case_manager_id: manager,
                    opened_on,
                    target_groups: groups,
                    confirmed: true,
                },
                manager,
                now,
            )?;
            if let Some((_, educator)) = educators.iter().find(|e| e.0 == area)
                && rng.random_bool(0.5)
            {
                case_files::add_team_member(
                    c,
                    file.id,
                    &TeamAssignment {
                        staff_id: *educator,
                        role: TeamRole::Educator,
                        from: opened_on + Duration::days(7),
                        until: None,
                    },
                    rng.random_bool(0.5),
                    manager,
                    now,
                )?;
            }
            let mut status = CaseStatus::Intake;
            let mut day = opened_on;
            let mut current = file.clone();
            for transition in statuses[i % statuses.len()].iter().copied() {
                let to = apply(status, transition).map_err(store_err)?;
                day = (day + Duration::days(rng.random_range(5..60))).min(today);
                let record = TransitionRecord {
                    id: Uuid::now_v7(),
                    transition,
                    from: status,
                    to,
                    occurred_on: day,
                    reason: format!("Demo: {}", transition.as_str()),
                    closing_reason: (transition == CaseTransition::Close)
                        .then_some(ClosingReason::GoalsAchieved),
                    author_id: manager,
                    recorded_at: now,
                };
                case_files::bump_version(c, file.id, current.version, manager, now)?;
                current.version += 1;
                case_files::record_transition(c, &current, &record)?;
                status = to;
            }
            // An assessment (sometimes two versions) and a diary, as a working file has.
            if status != CaseStatus::Intake || rng.random_bool(0.5) {
                for version in 0..rng.random_range(1..=2) {
                    let scores = AssessmentScores::from_fn(|_| {
                        Severity::new(rng.random_range(0..=3)).unwrap_or(Severity::MIN)
                    });
                    assessments::insert(
                        c,
                        &NewAssessment {
                            case_file_id: file.id,
                            assessed_on: (opened_on + Duration::days(10 + 90 * version)).min(today),
                            notes: Some(format!("Valutazione {}: situazione demo.", version + 1)),
                            scores,
                        },
                        manager,
                        now,
                    )?;
                }
            }
            for n in 0..rng.random_range(3..=20) {
                let kind = DiaryEntryKind::ALL.choose(&mut rng).copied().unwrap_or(DiaryEntryKind::Note);
                let occurred_at = (opened_on + Duration::days(n * 7))
                    .min(today)
                    .and_hms_opt(9 + u32::try_from(n % 8).unwrap_or(0), 30, 0)
                    .unwrap_or_default()
                    .and_utc();
                let text = DIARY_TEXTS.choose(&mut rng).copied().unwrap_or("Colloquio.");
                diary::insert(
                    c,
                    &NewDiaryEntry {
                        case_file_id: file.id,
                        kind,
                        occurred_at: occurred_at.min(now),
                        text: DiaryText::parse(text).map_err(store_err)?,
                        restricted: rng.random_bool(0.1),
                        corrects_entry_id: None,
                    },
                    manager,
                    now,
                )?;
                summary.diary_entries += 1;
            }
            summary.case_files += 1;
            if status != CaseStatus::Intake {
                let state = if status == CaseStatus::Closed { 3 + i % 2 } else { i % 5 };
                demo_project(c, &mut project_rng, &DemoFile { id: file.id, person_id: person.id, area, opened_on, manager }, state, now)?;
                summary.projects += 1;
            }
            if area == Area::Transversal {
                demo_justice(c, &mut project_rng, person.id, manager, now)?;
            }
            if area != Area::Transversal && status != CaseStatus::Closed {
                housing_files.push(DemoFile { id: file.id, person_id: person.id, area, opened_on, manager });
            }
            if area == Area::SocialInclusion || (status != CaseStatus::Intake && i % 3 == 0) {
                let state = if status == CaseStatus::Closed { 5 } else { summary.pacts % 6 };
                demo_pact(c, &mut project_rng, &DemoFile { id: file.id, person_id: person.id, area, opened_on, manager }, state, now)?;
                summary.pacts += 1;
            }
        }
        demo_housing(c, &housing_files, author, today, now, &mut summary)?;
        let (hosts, clause) = demo_employers(c, author, now, &mut summary)?;
        demo_work(c, &housing_files, &hosts, clause, today, now, &mut summary)?;
        let social_workers: Vec<Uuid> = workers.iter().map(|w| w.1).collect();
        demo_training(c, &social_workers, author, today, now, &mut summary)?;
        let resources = demo_resources(c, author, today, now, &mut summary)?;
        demo_applications(c, &housing_files, &resources, today, now, &mut summary)?;
        demo_partners(c, &housing_files, author, today, now, &mut summary)?;
        audit::append(
            c,
            audit::NewAuditRecord {
                occurred_at: now,
                actor_id: None,
                actor_username: Some("cli:demo-data".into()),
                actor_roles: Vec::new(),
                action: "demo.load".into(),
                resource_type: "office".into(),
                resource_id: None,
                outcome: audit::Outcome::Success,
                request_id: None,
                client_addr: None,
                details: Some(
                    serde_json::json!({ "seed": seed, "persons": summary.persons, "case_files": summary.case_files, "households": summary.households, "diary_entries": summary.diary_entries })
                        .to_string(),
                ),
                persons: Vec::new(),
                purpose: None,
                break_glass: false,
                read_only: false,
            },
        )?;
        Ok(summary)
    })
}

/// Partner organisations of the Trentino office (the Centro per l'impiego, the Agenzia del
/// Lavoro, the Provincia) with a machine client each (their keys are the partners' to send),
/// and referrals addressed to the Centro per l'impiego, some sent, some accepted by its client.
fn demo_partners(
    c: &mut socialcare_persistence::AnyConnection,
    files: &[DemoFile],
    author: Uuid,
    today: NaiveDate,
    now: chrono::DateTime<Utc>,
    summary: &mut DemoSummary,
) -> Result<(), StoreError> {
    use socialcare_domain::case_file::{
        ReferralDetails, ReferralDirection, ReferralTransition, change_referral,
    };
    use socialcare_domain::partner::{ClientContent, OrganisationKind, Scope};
    use socialcare_persistence::{partners, referrals};
    let mut centre = None;
    for (name, kind, scopes) in [
        (
            "Centro per l'impiego di Trento",
            OrganisationKind::EmploymentCentre,
            vec![Scope::Referrals, Scope::Events],
        ),
        (
            "Agenzia del Lavoro",
            OrganisationKind::LabourAgency,
            vec![Scope::Referrals, Scope::Events],
        ),
        (
            "Provincia autonoma di Trento",
            OrganisationKind::Province,
            vec![Scope::Statistics],
        ),
    ] {
        let organisation = partners::insert_organisation(c, name, kind, author, now)?;
        let content = ClientContent::parse("gateway", &scopes).map_err(store_err)?;
        partners::insert_client(c, organisation.id, &content, author, now)?;
        summary.partner_organisations += 1;
        if kind == OrganisationKind::EmploymentCentre {
            centre = Some(organisation);
        }
    }
    let (Some(centre), Some(service)) = (
        centre.as_ref(),
        OrganisationKind::EmploymentCentre.referral_service(),
    ) else {
        return Ok(());
    };
    let client = partners::list_clients(c, Some(centre.id), None, 1)?
        .into_iter()
        .next()
        .ok_or_else(|| store_err("the centre's client is missing"))?;
    for (n, file) in files.iter().take(6).enumerate() {
        let sent_on =
            (today - Duration::days(20 - i64::try_from(n).unwrap_or(0))).max(file.opened_on);
        let referral = referrals::insert(
            c,
            &referrals::NewReferral {
                case_file_id: file.id,
                direction: ReferralDirection::Outgoing,
                service,
                details: ReferralDetails::parse(
                    &centre.name,
                    "Orientamento e ricerca attiva del lavoro",
                )
                .map_err(store_err)?,
                sent_on,
                organisation_id: Some(centre.id),
            },
            file.manager,
            now,
        )?;
        summary.addressed_referrals += 1;
        if n % 2 == 1 {
            let reply = Some("Presa in carico: primo colloquio fissato".to_owned());
            let change = change_referral(
                &referral,
                ReferralTransition::Accept,
                today,
                reply.clone(),
                today,
            )
            .map_err(store_err)?;
            referrals::record_change(
                c,
                &referral,
                referral.version,
                ReferralTransition::Accept,
                &change,
                today,
                reply.as_deref(),
                referrals::ReferralAuthor::Client(client.id),
                now,
            )?;
        }
    }
    Ok(())
}

/// The case file a demo project is drawn up for.
struct DemoFile {
    id: Uuid,
    person_id: Uuid,
    area: Area,
    opened_on: NaiveDate,
    manager: Uuid,
}

/// Draws up a demo project for `file` and takes it to a state: 0 draft, 1 active with the
/// review due in a month, 2 active with the review overdue, 3 completed, 4 interrupted. Every
/// step goes through the domain rules.
fn demo_project(
    c: &mut AnyConnection,
    rng: &mut StdRng,
    file: &DemoFile,
    state: usize,
    now: chrono::DateTime<Utc>,
) -> Result<(), StoreError> {
    use socialcare_domain::case_file::AssessmentDomain;
    use socialcare_domain::project::{
        ActionContent, ActionStatus, ObjectiveContent, ObjectiveStatus, ParticipantRef,
        ProjectKind, ProjectTransition, ProjectTransitionRecord, ProjectTransitionRequest,
        ReviewOutcome, change_project,
    };
    use socialcare_persistence::projects::{self, NewProject};

    let today = calendar::today(now);
    let kinds: &[(ProjectKind, &str)] = match file.area {
        Area::AdultsDisability => &[
            (ProjectKind::LifeProject, "Progetto di vita"),
            (ProjectKind::SocialHousing, "Dopo di noi: abitare sociale"),
        ],
        Area::SocialInclusion => &[
            (ProjectKind::InclusionPath, "Percorso di inclusione"),
            (
                ProjectKind::HousingPath,
                "Percorso verso l'abitare autonomo",
            ),
            (
                ProjectKind::EmploymentPath,
                "Percorso di inserimento lavorativo",
            ),
        ],
        Area::Transversal => &[
            (
                ProjectKind::PrisonReintegration,
                "Reinserimento dopo la detenzione",
            ),
            (ProjectKind::CommunitySupport, "Sostegno di comunità"),
        ],
    };
    let (kind, title) = kinds
        .choose(rng)
        .copied()
        .unwrap_or((ProjectKind::CommunitySupport, "Progetto"));
    let drafted_on = (file.opened_on + Duration::days(10)).min(today);
    let mut project = projects::insert(
        c,
        &NewProject {
            case_file_id: file.id,
            kind,
            title: title.to_owned(),
            drafted_on,
            next_review_on: None,
        },
        file.manager,
        now,
    )?;
    let mut objectives = Vec::new();
    for (domain, description, indicator) in [
        (
            AssessmentDomain::Housing,
            "Trovare una sistemazione abitativa stabile",
            "Contratto di locazione firmato",
        ),
        (
            AssessmentDomain::Employment,
            "Avviare un tirocinio di inclusione",
            "Tirocinio attivato",
        ),
    ] {
        let content = ObjectiveContent::parse(
            domain,
            description,
            drafted_on + Duration::days(rng.random_range(120..365)),
            Some(indicator),
            ObjectiveStatus::Planned,
            drafted_on,
        )
        .map_err(store_err)?;
        objectives.push(projects::insert_objective(
            c,
            project.id,
            &content,
            file.manager,
            now,
        )?);
    }
    projects::insert_participant(
        c,
        project.id,
        &ParticipantRef::Person(file.person_id),
        Some("Persona titolare del progetto".into()),
        file.manager,
        now,
    )?;
    projects::insert_participant(
        c,
        project.id,
        &ParticipantRef::Staff(file.manager),
        Some("Case manager".into()),
        file.manager,
        now,
    )?;
    let action = ActionContent::parse(
        "Colloquio di verifica con la persona",
        None,
        Some(drafted_on + Duration::days(30)),
        ActionStatus::Planned,
        None,
        drafted_on,
        today,
    )
    .map_err(store_err)?;
    projects::insert_action(c, project.id, &action, file.manager, now)?;
    if state == 0 {
        return Ok(());
    }
    let started_on = (drafted_on + Duration::days(5)).min(today);
    let next_review_on = if state == 2 {
        (today - Duration::days(15)).max(started_on + Duration::days(1))
    } else {
        today + Duration::days(rng.random_range(10..60))
    };
    let step = |c: &mut AnyConnection,
                project: &mut socialcare_domain::project::Project,
                request: ProjectTransitionRequest|
     -> Result<(), StoreError> {
        let statuses: Vec<ObjectiveStatus> = projects::objectives(c, project.id)?
            .iter()
            .map(|o| o.content.status)
            .collect();
        let change = change_project(project, &statuses, &request, today).map_err(store_err)?;
        projects::bump_version(c, project.id, project.version, file.manager, now)?;
        let record = ProjectTransitionRecord {
            id: Uuid::now_v7(),
            transition: request.transition,
            from: change.from,
            to: change.to,
            occurred_on: request.occurred_on,
            reason: change.reason.clone(),
            author_id: file.manager,
            recorded_at: now,
        };
        projects::record_transition(c, project.id, &change, &record)?;
        *project = projects::find(c, project.id)?.ok_or(StoreError::NotFound)?;
        Ok(())
    };
    step(
        c,
        &mut project,
        ProjectTransitionRequest {
            transition: ProjectTransition::Activate,
            occurred_on: started_on,
            reason: None,
            next_review_on: Some(next_review_on),
        },
    )?;
    if state < 3 {
        return Ok(());
    }
    let reviewed_on = (started_on + Duration::days(30)).min(today);
    let outcomes: Vec<ReviewOutcome> = objectives
        .iter()
        .zip([
            ObjectiveStatus::Achieved,
            ObjectiveStatus::PartiallyAchieved,
        ])
        .map(|(o, status)| ReviewOutcome {
            objective_id: o.id,
            status,
            note: Some("Verifica demo".into()),
        })
        .collect();
    projects::bump_version(c, project.id, project.version, file.manager, now)?;
    projects::insert_review(
        c,
        project.id,
        reviewed_on,
        Some("Verifica finale del progetto.".into()),
        reviewed_on + Duration::days(90),
        &outcomes,
        file.manager,
        now,
    )?;
    project = projects::find(c, project.id)?.ok_or(StoreError::NotFound)?;
    let (transition, reason) = if state == 3 {
        (ProjectTransition::Complete, None)
    } else {
        (
            ProjectTransition::Interrupt,
            Some("La persona si è trasferita in un altro comune.".to_owned()),
        )
    };
    step(
        c,
        &mut project,
        ProjectTransitionRequest {
            transition,
            occurred_on: reviewed_on,
            reason,
            next_review_on: None,
        },
    )
}

/// Draws up a demo inclusion pact for `file` and takes it to a state through the domain rules:
/// 0 draft never convened (its convocation is often late), 1 draft convened and analysed (the
/// signature is due), 2 signed with commitments, 3 active with commitments (the check often
/// overdue), 4 suspended, 5 closed.
fn demo_pact(
    c: &mut AnyConnection,
    rng: &mut StdRng,
    file: &DemoFile,
    state: usize,
    now: chrono::DateTime<Utc>,
) -> Result<(), StoreError> {
    use socialcare_domain::pact::{
        AnalysisOutcome, ClosureOutcome, CommitmentContent, CommitmentKind, CommitmentStatus,
        Frequency, Measure, PactTransition, PactTransitionRecord, PactTransitionRequest, StepKind,
        check_new_pact, check_pact_transition, check_step,
    };
    use socialcare_persistence::pacts::{self, NewPact};

    let today = calendar::today(now);
    let measure = if rng.random_bool(0.7) {
        Measure::Adi
    } else {
        Measure::Aup
    };
    let drafted_on = (file.opened_on + Duration::days(5)).min(today);
    let activation_on = drafted_on - Duration::days(rng.random_range(1..20));
    let reference = format!(
        "{}-{}-{:06}",
        if measure == Measure::Adi {
            "INPS-ADI"
        } else {
            "AUP"
        },
        activation_on.format("%Y"),
        rng.random_range(1..999_999)
    );
    let (reference, rules) = check_new_pact(
        measure,
        &reference,
        Some(activation_on),
        drafted_on,
        file.opened_on,
        today,
    )
    .map_err(store_err)?;
    let mut pact = pacts::insert(
        c,
        &NewPact {
            case_file_id: file.id,
            household_id: None,
            measure,
            application_reference: reference,
            drafted_on,
            activation_on: Some(activation_on),
            rules_version: rules.version.to_owned(),
        },
        file.manager,
        now,
    )?;
    if state == 0 {
        return Ok(());
    }
    let mut day = drafted_on;
    let mut advance = |rng: &mut StdRng, max: i64| {
        day = (day + Duration::days(rng.random_range(1..=max))).min(today);
        day
    };
    let mut recorded = Vec::new();
    for (kind, outcome) in [
        (StepKind::Convocation, None),
        (
            StepKind::PreliminaryAnalysis,
            Some(AnalysisOutcome::SocialPath),
        ),
    ] {
        let on = advance(rng, 20);
        check_step(&pact, &recorded, kind, on, outcome, today).map_err(store_err)?;
        pacts::insert_step(c, pact.id, kind, on, outcome, None, file.manager, now)?;
        recorded.push(kind);
        pact = pacts::find(c, pact.id)?.ok_or(StoreError::NotFound)?;
    }
    if state == 1 {
        return Ok(());
    }
    let step = |c: &mut AnyConnection,
                pact: &mut socialcare_domain::pact::Pact,
                transition: PactTransition,
                on: NaiveDate,
                reason: Option<&str>,
                closure: Option<ClosureOutcome>|
     -> Result<(), StoreError> {
        let request = PactTransitionRequest {
            transition,
            occurred_on: on,
            reason: reason.map(str::to_owned),
            closure_outcome: closure,
        };
        let (to, reason) = check_pact_transition(pact, &request, on, today).map_err(store_err)?;
        pacts::bump_version(c, pact.id, pact.version, file.manager, now)?;
        pacts::record_transition(
            c,
            pact,
            &PactTransitionRecord {
                id: Uuid::now_v7(),
                transition,
                from: pact.status,
                to,
                occurred_on: on,
                reason,
                closure_outcome: closure,
                author_id: file.manager,
                recorded_at: now,
            },
        )?;
        *pact = pacts::find(c, pact.id)?.ok_or(StoreError::NotFound)?;
        Ok(())
    };
    let signed_on = advance(rng, 30);
    step(c, &mut pact, PactTransition::Sign, signed_on, None, None)?;
    for (kind, owner, verification) in [
        (
            CommitmentKind::MeetingsWithServices,
            "Servizio sociale",
            "Colloqui registrati nel diario",
        ),
        (
            CommitmentKind::ActiveJobSearch,
            "Centro per l'impiego",
            "Candidature presentate",
        ),
    ] {
        let content = CommitmentContent::parse(
            file.person_id,
            kind,
            owner,
            Frequency::Monthly,
            signed_on + Duration::days(rng.random_range(20..200)),
            verification,
            CommitmentStatus::Pending,
            None,
            Some(signed_on),
        )
        .map_err(store_err)?;
        pacts::insert_commitment(c, pact.id, &content, file.manager, now)?;
    }
    if state == 2 {
        return Ok(());
    }
    let started = advance(rng, 10);
    step(c, &mut pact, PactTransition::Activate, started, None, None)?;
    match state {
        4 => {
            let on = advance(rng, 60);
            step(
                c,
                &mut pact,
                PactTransition::Suspend,
                on,
                Some("Ricovero ospedaliero"),
                None,
            )
        }
        5 => {
            let on = advance(rng, 60);
            step(
                c,
                &mut pact,
                PactTransition::Close,
                on,
                Some("Percorso concluso"),
                Some(ClosureOutcome::Completed),
            )
        }
        _ => Ok(()),
    }
}

/// Records demo justice data (prison area) for a person: detained or under an alternative
/// measure with an expected release from a month ago to a year ahead (so some are in the
/// agenda's planning window), or released.
fn demo_justice(
    c: &mut AnyConnection,
    rng: &mut StdRng,
    person_id: Uuid,
    manager: Uuid,
    now: chrono::DateTime<Utc>,
) -> Result<(), StoreError> {
    use socialcare_domain::sensitive::{Justice, JusticeInput, JusticeStatus};
    use socialcare_persistence::sensitive::SensitiveRecord;

    let today = calendar::today(now);
    let status = [
        JusticeStatus::Detained,
        JusticeStatus::AlternativeMeasure,
        JusticeStatus::Released,
    ]
    .choose(rng)
    .copied()
    .unwrap_or(JusticeStatus::Detained);
    let start = today - Duration::days(rng.random_range(100..1500));
    let data = Justice::parse(&JusticeInput {
        status,
        alternative_measure_kind: (status == JusticeStatus::AlternativeMeasure)
            .then(|| "affidamento in prova ai servizi sociali".to_owned()),
        institution: Some("Casa circondariale di Trento".into()),
        measure_start_on: Some(start),
        expected_release_on: Some(today + Duration::days(rng.random_range(-30..365))),
        uepe_contact_reference: Some(format!("UEPE-TN-{}", rng.random_range(100..999))),
    })
    .map_err(store_err)?;
    Justice::insert(c, person_id, &data, manager, now)?;
    Ok(())
}

/// A demo facility: name, kind, area, whom it takes, its target groups, how many beds and the
/// capacity of each.
type DemoFacility = (
    &'static str,
    socialcare_domain::housing::FacilityKind,
    Area,
    socialcare_domain::housing::Takes,
    &'static [socialcare_domain::case_file::TargetGroup],
    u16,
    u16,
);

/// The housing network of the demo office: one facility of every kind (a night shelter with a
/// winter season of extra beds, a family room, flats), and placements of the persons of open
/// case files in every state — planned, active, ended with a destination, cancelled — each in a
/// bed of its own, through the domain's rules.
/// The employers register: one employer of every kind, each with a valid partita IVA, a sole
/// trader, and one annulled (recorded twice); a contract with a social clause for the type-B
/// cooperative (workers) and for the company (a share of hours).
/// The employers that host placements (id and kind, annulled ones left out), and the type-B
/// agreement whose clause placements serve (id, employer, period).
type Hosts = (
    Vec<(Uuid, socialcare_domain::employment::EmployerKind)>,
    Option<(Uuid, Uuid, NaiveDate, NaiveDate)>,
);

fn demo_employers(
    c: &mut AnyConnection,
    author: Uuid,
    now: chrono::DateTime<Utc>,
    summary: &mut DemoSummary,
) -> Result<Hosts, StoreError> {
    let mut hosts = Vec::new();
    let mut clause_contract = None;
    use socialcare_domain::employment::{
        Cig, ClauseKind, ContractContent, EmployerContent, EmployerKind, Requirement, VatNumber,
        check_contract, check_employer, vat_check_digit,
    };
    use socialcare_persistence::employment;

    let vat = |n: u32| -> Result<VatNumber, StoreError> {
        let mut digits = [0u8; 10];
        let text = format!("{:07}{:03}", 1_000_000 + n * 7_919, 22);
        for (d, b) in digits.iter_mut().zip(text.bytes()) {
            *d = b - b'0';
        }
        let check = vat_check_digit(&digits);
        VatNumber::parse(&format!("{text}{check}")).map_err(store_err)
    };
    let register = |kind: EmployerKind, n: u32| {
        kind.is_social_cooperative().then(|| {
            (
                format!("A{:06}", 100_000 + n * 37),
                NaiveDate::from_ymd_opt(2000 + i32::try_from(n).unwrap_or(0), 3, 15),
            )
        })
    };
    let employers: [(&str, EmployerKind); 6] = [
        (
            "Cooperativa sociale Lavoro Insieme",
            EmployerKind::SocialCooperativeB,
        ),
        (
            "Cooperativa sociale Il Ponte",
            EmployerKind::SocialCooperativeA,
        ),
        ("Manutenzioni Trentine S.r.l.", EmployerKind::Company),
        (
            "Comune di Trento - Servizio Verde",
            EmployerKind::PublicBody,
        ),
        ("Associazione Punto d'Incontro", EmployerKind::Association),
        (
            "Cooperativa sociale Lavoro Insieme (doppione)",
            EmployerKind::SocialCooperativeB,
        ),
    ];
    for (n, (name, kind)) in (1u32..).zip(employers) {
        let (register_number, registered_on) = register(kind, n).unzip();
        let content = EmployerContent {
            kind,
            name: name.to_owned(),
            vat_number: Some(vat(n)?),
            tax_code: None,
            street: STREETS[usize::try_from(n).unwrap_or(0) % STREETS.len()].to_owned(),
            municipality: "Trento".to_owned(),
            postcode: Some("38122".to_owned()),
            contact_name: Some("Ufficio inserimenti".to_owned()),
            phone: Some("+39 0461 000000".to_owned()),
            email: None,
            cooperative_register_number: register_number,
            cooperative_registered_on: registered_on.flatten(),
        };
        check_employer(&content).map_err(store_err)?;
        let employer = employment::insert_employer(c, &content, author, now)?;
        if name.ends_with("(doppione)") {
            employment::annul_employer(c, employer.id, 1, "Registrato due volte", author, now)?;
            summary.employers += 1;
            continue;
        }
        hosts.push((employer.id, kind));
        if let Some((clause, requirement, subject)) = match kind {
            EmployerKind::SocialCooperativeB => Some((
                ClauseKind::TypeBAgreement,
                Requirement::Workers(3),
                "Pulizia degli uffici comunali",
            )),
            EmployerKind::Company => Some((
                ClauseKind::DisadvantagedHiring,
                Requirement::HoursShare(30),
                "Manutenzione del verde pubblico",
            )),
            _ => None,
        } {
            let today = socialcare_domain::calendar::today(now);
            let contract = ContractContent {
                contracting_authority: "Comune di Trento".to_owned(),
                cig: Cig::parse(&format!("{:07}A3F", 8_512_340 + n)).map_err(store_err)?,
                subject: subject.to_owned(),
                from_on: today - Duration::days(200),
                until_on: today + Duration::days(530),
                employer_id: employer.id,
                clause,
                requirement,
                monthly_hours: matches!(requirement, Requirement::HoursShare(_)).then_some(1_200),
                notes: None,
            };
            check_contract(&contract, kind, false).map_err(store_err)?;
            let recorded = employment::insert_contract(c, &contract, author, now)?;
            if clause == ClauseKind::TypeBAgreement {
                clause_contract = Some((
                    recorded.id,
                    employer.id,
                    contract.from_on,
                    contract.until_on,
                ));
            }
            summary.contracts += 1;
        }
        summary.employers += 1;
    }
    let sole_trader = EmployerContent {
        kind: EmployerKind::Company,
        name: "Falegnameria Rossi di Mario Rossi".to_owned(),
        vat_number: Some(vat(7)?),
        tax_code: Some("RSSMRA85T10A562S".to_owned()),
        street: STREETS[0].to_owned(),
        municipality: "Trento".to_owned(),
        postcode: None,
        contact_name: None,
        phone: None,
        email: None,
        cooperative_register_number: None,
        cooperative_registered_on: None,
    };
    employment::insert_employer(c, &sole_trader, author, now)?;
    summary.employers += 1;
    Ok((hosts, clause_contract))
}

/// Employment placements of the first open files, cycling through the states: proposed,
/// active with the hours of its months, completed with a hiring, interrupted. The first two
/// serve the type-B agreement's clause, which asks three workers: not compliant.
fn demo_work(
    c: &mut AnyConnection,
    files: &[DemoFile],
    hosts: &[(Uuid, socialcare_domain::employment::EmployerKind)],
    clause: Option<(Uuid, Uuid, NaiveDate, NaiveDate)>,
    today: NaiveDate,
    now: chrono::DateTime<Utc>,
    summary: &mut DemoSummary,
) -> Result<(), StoreError> {
    use socialcare_domain::employment::{
        EmployerKind, MonthHours, REVIEW_INTERVAL_DAYS, ReviewContent, ReviewProgress, WorkChange,
        WorkContent, WorkKind, WorkOutcome, WorkStatus, WorkTransition, YearMonth,
        default_next_review,
    };
    use socialcare_persistence::employment::{self, NewWorkPlacement};

    let host = |wanted: EmployerKind| hosts.iter().find(|(_, k)| *k == wanted).map(|(id, _)| *id);
    let states = [
        WorkStatus::Active,
        WorkStatus::Proposed,
        WorkStatus::Completed,
        WorkStatus::Interrupted,
    ];
    for (i, file) in files.iter().take(8).enumerate() {
        let state = states[i % states.len()];
        let started = today - Duration::days(100);
        let (kind, employer, contract) = match (i, clause) {
            (0 | 1, Some((contract, employer, from, until)))
                if from <= started && started <= until =>
            {
                (WorkKind::SocialClauseHiring, Some(employer), Some(contract))
            }
            _ => match i % 3 {
                0 => (WorkKind::WorkGrant, host(EmployerKind::PublicBody), None),
                1 => (
                    WorkKind::CommunityUtilityProject,
                    host(EmployerKind::Association),
                    None,
                ),
                _ => (
                    WorkKind::InclusionTraineeship,
                    host(EmployerKind::Company),
                    None,
                ),
            },
        };
        let Some(employer_id) = employer else {
            continue;
        };
        let from_on = if state == WorkStatus::Proposed {
            today + Duration::days(10)
        } else {
            started
        };
        let placement = employment::insert_work_placement(
            c,
            &NewWorkPlacement {
                case_file_id: file.id,
                person_id: file.person_id,
                content: WorkContent {
                    kind,
                    programme: None,
                    employer_id,
                    contract_id: contract,
                    office_tutor_id: Some(file.manager),
                    company_tutor: Some("Responsabile inserimenti".to_owned()),
                    weekly_hours: 20,
                    from_on,
                    until_on: Some(from_on + Duration::days(180)),
                    notes: None,
                    commitment_id: None,
                    referral_id: None,
                },
            },
            file.manager,
            now,
        )?;
        summary.work_placements += 1;
        let mut current = placement;
        let mut steps = Vec::new();
        if state != WorkStatus::Proposed && state != WorkStatus::Interrupted {
            steps.push((
                WorkTransition::Start,
                WorkStatus::Active,
                started,
                None,
                None,
            ));
        }
        match state {
            WorkStatus::Completed => steps.push((
                WorkTransition::Complete,
                WorkStatus::Completed,
                today - Duration::days(5),
                None,
                Some(WorkOutcome::HiredFixedTerm),
            )),
            WorkStatus::Interrupted => steps.push((
                WorkTransition::Interrupt,
                WorkStatus::Interrupted,
                today - Duration::days(90),
                Some("La persona ha rinunciato prima dell'avvio".to_owned()),
                None,
            )),
            _ => {}
        }
        for (transition, to, on, reason, outcome) in steps {
            let change = WorkChange {
                transition,
                to,
                on,
                interruption_reason: reason,
                outcome,
                outcome_on: outcome.map(|_| on),
                next_review_on: (transition == WorkTransition::Start)
                    .then(|| default_next_review(on, current.content.until_on)),
            };
            employment::change_work_placement(c, &current, &change, file.manager, now)?;
            current = employment::find_work_placement(c, current.id)?
                .ok_or_else(|| StoreError::Internal("a demo placement vanished".into()))?;
        }
        if current.status == WorkStatus::Active {
            let last = YearMonth::of(today);
            for month in YearMonth::of(started).through(last) {
                let entry = MonthHours { month, hours: 80 };
                employment::record_month_hours(c, &current, entry, file.manager, now)?;
                current = employment::find_work_placement(c, current.id)?
                    .ok_or_else(|| StoreError::Internal("a demo placement vanished".into()))?;
            }
            // The tutor's monthly reviews so far; the last one plans the next.
            let mut held_on = started + Duration::days(REVIEW_INTERVAL_DAYS);
            let mut progress = [
                ReviewProgress::NeedsSupport,
                ReviewProgress::OnTrack,
                ReviewProgress::OnTrack,
            ]
            .into_iter()
            .cycle();
            while held_on <= today {
                let content = ReviewContent {
                    held_on,
                    progress: progress.next().unwrap_or(ReviewProgress::OnTrack),
                    with_company_tutor: true,
                    summary: "Incontro con la persona e il tutor aziendale: mansioni, orari e \
                              rapporti con i colleghi."
                        .to_owned(),
                    next_review_on: Some(default_next_review(held_on, current.content.until_on)),
                };
                employment::record_review(c, &current, &content, file.manager, now)?;
                summary.work_reviews += 1;
                current = employment::find_work_placement(c, current.id)?
                    .ok_or_else(|| StoreError::Internal("a demo placement vanished".into()))?;
                held_on += Duration::days(REVIEW_INTERVAL_DAYS);
            }
        }
    }
    Ok(())
}

fn demo_housing(
    c: &mut AnyConnection,
    files: &[DemoFile],
    author: Uuid,
    today: NaiveDate,
    now: chrono::DateTime<Utc>,
    summary: &mut DemoSummary,
) -> Result<(), StoreError> {
    use socialcare_domain::case_file::TargetGroup;
    use socialcare_domain::housing::{
        BedContent, ExitDestination, FacilityContent, FacilityKind, PlacementStatus,
        PlacementTransition, Takes, plus_days, stay_nights,
    };
    use socialcare_persistence::housing::{self, NewPlacement, PlacementChange};

    let opens_on = today - Duration::days(730);
    let winter_from =
        NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 11, 15).unwrap_or(today);
    let winter = if winter_from > today {
        (
            winter_from - Duration::days(365),
            winter_from - Duration::days(365) + Duration::days(136),
        )
    } else {
        (winter_from, winter_from + Duration::days(136))
    };
    let network: [DemoFacility; 7] = [
        (
            "Dormitorio comunale San Martino",
            FacilityKind::NightShelter,
            Area::SocialInclusion,
            Takes::Men,
            &[TargetGroup::Homeless],
            6,
            1,
        ),
        (
            "Accoglienza adulti Casa Aperta",
            FacilityKind::AdultReception,
            Area::SocialInclusion,
            Takes::Mixed,
            &[],
            6,
            1,
        ),
        (
            "Appartamento protetto Via Verdi",
            FacilityKind::ProtectedFlat,
            Area::SocialInclusion,
            Takes::Women,
            &[],
            3,
            1,
        ),
        (
            "Housing First Piazza Duomo",
            FacilityKind::HousingFirstFlat,
            Area::SocialInclusion,
            Takes::Mixed,
            &[TargetGroup::Homeless],
            2,
            2,
        ),
        (
            "Co-housing Santa Croce",
            FacilityKind::CoHousing,
            Area::AdultsDisability,
            Takes::Mixed,
            &[],
            4,
            1,
        ),
        (
            "Residenza Il Girasole",
            FacilityKind::DisabilityResidence,
            Area::AdultsDisability,
            Takes::Mixed,
            &[TargetGroup::PersonWithDisability],
            6,
            1,
        ),
        (
            "Alloggio sociale Corso Tre Novembre",
            FacilityKind::SocialHousingUnit,
            Area::AdultsDisability,
            Takes::Families,
            &[],
            2,
            4,
        ),
    ];
    let mut beds_by_area: Vec<(Area, Uuid, Uuid)> = Vec::new();
    for (name, kind, area, takes, groups, count, capacity) in network {
        let facility = housing::insert_facility(
            c,
            &FacilityContent {
                name: name.to_owned(),
                kind,
                area,
                operator: "Cooperativa sociale Il Ponte".to_owned(),
                street: STREETS[summary.facilities % STREETS.len()].to_owned(),
                municipality: "Trento".to_owned(),
                postcode: Some("38122".to_owned()),
                takes,
                accessible: kind == FacilityKind::DisabilityResidence,
                target_groups: groups.to_vec(),
                opens_on,
                closes_on: None,
                phone: Some("+39 0461 000000".to_owned()),
                email: None,
            },
            author,
            now,
        )?;
        summary.facilities += 1;
        for n in 1..=count {
            let bed = housing::insert_bed(
                c,
                facility.id,
                &BedContent {
                    unit: format!("Unità {}", n.div_ceil(2)),
                    label: format!("Posto {n}"),
                    capacity,
                    takes: None,
                    accessible: kind == FacilityKind::DisabilityResidence,
                    opens_on,
                    closes_on: None,
                    season: None,
                },
                author,
                now,
            )?;
            summary.beds += 1;
            if takes == Takes::Mixed && groups.is_empty() {
                beds_by_area.push((area, facility.id, bed.id));
            }
        }
        if kind == FacilityKind::NightShelter {
            // The winter emergency plan: four more beds from mid-November for 136 nights.
            for n in 1..=4 {
                housing::insert_bed(
                    c,
                    facility.id,
                    &BedContent {
                        unit: "Piano emergenza freddo".to_owned(),
                        label: format!("Brandina {n}"),
                        capacity: 1,
                        takes: None,
                        accessible: false,
                        opens_on,
                        closes_on: None,
                        season: Some(winter),
                    },
                    author,
                    now,
                )?;
                summary.beds += 1;
            }
        }
    }
    // Placements: each in a bed of the file's area no other demo placement uses, cycling
    // through the states.
    let states = [
        PlacementStatus::Active,
        PlacementStatus::Planned,
        PlacementStatus::Ended,
        PlacementStatus::Cancelled,
    ];
    let mut free = beds_by_area;
    for (i, file) in files.iter().enumerate() {
        let Some(index) = free.iter().position(|(area, _, _)| *area == file.area) else {
            continue;
        };
        let (_, facility_id, bed_id) = free.remove(index);
        let state = states[i % states.len()];
        let (from, until) = match state {
            PlacementStatus::Planned => (plus_days(today, 3), plus_days(today, 60)),
            PlacementStatus::Ended => (today - Duration::days(90), today - Duration::days(10)),
            _ => (today - Duration::days(20), plus_days(today, 70)),
        };
        let nights = stay_nights(from, until).map_err(store_err)?;
        let placement = housing::insert_placement(
            c,
            &NewPlacement {
                case_file_id: file.id,
                person_id: file.person_id,
                facility_id,
                bed_id,
                tracking: socialcare_domain::housing::Tracking::EntryExit,
                from,
                until,
                places: nights.each().map(|n| (n, 0)).collect(),
                override_reason: None,
            },
            file.manager,
            now,
        )?;
        summary.placements += 1;
        let mut current = placement;
        let mut steps: Vec<(PlacementTransition, PlacementStatus, NaiveDate)> = Vec::new();
        match state {
            PlacementStatus::Active => {
                steps.push((PlacementTransition::Start, PlacementStatus::Active, from))
            }
            PlacementStatus::Ended => {
                steps.push((PlacementTransition::Start, PlacementStatus::Active, from));
                steps.push((
                    PlacementTransition::End,
                    PlacementStatus::Ended,
                    today - Duration::days(10),
                ));
            }
            PlacementStatus::Cancelled => steps.push((
                PlacementTransition::Cancel,
                PlacementStatus::Cancelled,
                today,
            )),
            PlacementStatus::Planned => {}
        }
        for (transition, to, on) in steps {
            let change = PlacementChange {
                transition,
                to,
                on,
                exit_destination: (transition == PlacementTransition::End)
                    .then_some(ExitDestination::OwnHousing),
                exit_notes: None,
                cancel_reason: (transition == PlacementTransition::Cancel)
                    .then(|| "La persona ha trovato una sistemazione in famiglia".to_owned()),
            };
            housing::change_placement(c, &current, &change, file.manager, now)?;
            current = housing::find_placement(c, current.id)?.ok_or(StoreError::NotFound)?;
        }
    }
    Ok(())
}

/// Training and supervision of the staff: a course on ethics and one on the social clauses in
/// the current three-year period, six group supervisions every other month (none after
/// today), attended by the
/// social workers (the first in full, the others partly: some below the 80 % that earns the
/// credits), so that the office's table shows obligations met and not.
/// Two criteria sets (one with a second version applying next year) and a care resource of
/// each kind, with places that change during the year.
fn demo_resources(
    c: &mut AnyConnection,
    author: Uuid,
    today: NaiveDate,
    now: chrono::DateTime<Utc>,
    summary: &mut DemoSummary,
) -> Result<Vec<(Uuid, Area)>, StoreError> {
    use socialcare_domain::waiting_list::{
        Band, Capacity, CriteriaContent, Criterion, CriterionKind, ResourceContent, ResourceKind,
        Scale, check_criteria, check_resource,
    };
    use socialcare_persistence::waiting_list;

    let criterion = |kind: CriterionKind, label: &str, scale: Scale| Criterion {
        kind,
        label: label.to_owned(),
        scale,
    };
    let isee = |first: u32| Scale::Bands {
        bands: vec![
            Band {
                up_to_cents: 750_000,
                points: first,
            },
            Band {
                up_to_cents: 1_500_000,
                points: first / 2,
            },
        ],
        above: 0,
        missing: 0,
    };
    let months = |max: u32| Scale::PerMonth { per_month: 1, max };
    let sets = [
        CriteriaContent {
            code: "disabilita".to_owned(),
            title: "Servizi residenziali e diurni per persone con disabilità".to_owned(),
            effective_from: today,
            criteria: vec![
                criterion(
                    CriterionKind::Urgency,
                    "Urgenza valutata dall'assistente sociale",
                    Scale::Levels(vec![0, 5, 10, 20]),
                ),
                criterion(
                    CriterionKind::FamilySupport,
                    "Assenza di rete familiare",
                    Scale::Levels(vec![0, 4, 8]),
                ),
                criterion(
                    CriterionKind::DisabilitySeverity,
                    "Gravità (L. 104/1992 art. 3 c. 3)",
                    Scale::Levels(vec![0, 6, 12]),
                ),
                criterion(CriterionKind::Isee, "ISEE", isee(10)),
                criterion(CriterionKind::MonthsOnList, "Mesi in lista", months(12)),
            ],
        },
        CriteriaContent {
            code: "inclusione".to_owned(),
            title: "Pasti, assistenza domiciliare e accoglienza".to_owned(),
            effective_from: today,
            criteria: vec![
                criterion(
                    CriterionKind::Urgency,
                    "Urgenza valutata dall'assistente sociale",
                    Scale::Levels(vec![0, 6, 12, 24]),
                ),
                criterion(CriterionKind::Isee, "ISEE", isee(12)),
                criterion(
                    CriterionKind::MinorsInHousehold,
                    "Minori nel nucleo",
                    Scale::Levels(vec![0, 5]),
                ),
                criterion(CriterionKind::MonthsOnList, "Mesi in lista", months(6)),
            ],
        },
    ];
    for content in &sets {
        check_criteria(content).map_err(|e| StoreError::Internal(format!("demo criteria: {e}")))?;
        waiting_list::publish_criteria_set(c, content, author, now)?;
    }
    // Next year's version of the first set weighs the months on the list more.
    let mut next = sets[0].clone();
    next.effective_from =
        NaiveDate::from_ymd_opt(chrono::Datelike::year(&today) + 1, 1, 1).unwrap_or(today);
    if let Some(last) = next.criteria.last_mut() {
        last.scale = months(24);
    }
    waiting_list::publish_criteria_set(c, &next, author, now)?;
    let resources = [
        (
            ResourceKind::DisabilityResidential,
            "Residenza Il Girasole",
            "Cooperativa sociale Il Girasole",
            Area::AdultsDisability,
            "disabilita",
            20,
        ),
        (
            ResourceKind::DisabilityDayCentre,
            "Centro diurno La Quercia",
            "APSP Città di Trento",
            Area::AdultsDisability,
            "disabilita",
            30,
        ),
        (
            ResourceKind::HomeCare,
            "Assistenza domiciliare",
            "Comune di Trento",
            Area::AdultsDisability,
            "inclusione",
            60,
        ),
        (
            ResourceKind::Meals,
            "Pasti a domicilio",
            "Comune di Trento",
            Area::SocialInclusion,
            "inclusione",
            80,
        ),
        (
            ResourceKind::ShelterPlaces,
            "Posti di accoglienza invernale",
            "Comune di Trento",
            Area::SocialInclusion,
            "inclusione",
            25,
        ),
        (
            ResourceKind::SocialHousing,
            "Alloggi sociali ITEA",
            "ITEA S.p.A.",
            Area::Transversal,
            "inclusione",
            12,
        ),
    ];
    let mut recorded = Vec::new();
    for (kind, name, body, area, code, places) in resources {
        let content = ResourceContent {
            kind,
            name: name.to_owned(),
            managing_body: body.to_owned(),
            area,
            criteria_code: code.to_owned(),
            reconfirm_months: 12,
            notes: None,
        };
        check_resource(&content)
            .map_err(|e| StoreError::Internal(format!("demo resource: {e}")))?;
        let first = Capacity {
            from_on: today - Duration::days(365),
            places,
        };
        let resource = waiting_list::insert_resource(c, &content, first, author, now)?;
        // Two more places from next month.
        let more = Capacity {
            from_on: today + Duration::days(30),
            places: places + 2,
        };
        waiting_list::set_capacity(c, resource.id, resource.version, more, author, now)?;
        summary.resources += 1;
        recorded.push((resource.id, area));
    }
    Ok(recorded)
}

/// Applications of the persons of the open files for the resources of their area, submitted
/// over the last months, with the urgency their case manager assessed, the family support and
/// the ISEE declared; some suspended, some withdrawn, the rest waiting (ranked).
fn demo_applications(
    c: &mut AnyConnection,
    files: &[DemoFile],
    resources: &[(Uuid, Area)],
    today: NaiveDate,
    now: chrono::DateTime<Utc>,
    summary: &mut DemoSummary,
) -> Result<(), StoreError> {
    use socialcare_domain::waiting_list::{AllocationState, places_ceiling, take_place};
    use socialcare_domain::waiting_list::{
        ApplicationStatus, ApplicationTransition, CriterionKind, Input, InputSource, InputValue,
        apply_application, check_input, reconfirm_by,
    };
    use socialcare_persistence::applications::{self, ApplicationChange, NewApplication};
    use socialcare_persistence::{admissions, waiting_list};

    let reload = |c: &mut AnyConnection, id: Uuid| {
        applications::find_application(c, id)?
            .ok_or_else(|| StoreError::Internal("a demo application vanished".into()))
    };
    for (i, file) in files.iter().enumerate().take(24) {
        let offered: Vec<Uuid> = resources
            .iter()
            .filter(|(_, area)| *area == file.area)
            .map(|(id, _)| *id)
            .collect();
        let Some(resource) = offered.get(i % offered.len().max(1)).copied() else {
            continue;
        };
        let days_ago = i64::try_from(i * 9 % 200).unwrap_or(0);
        let submitted_at = now - Duration::days(days_ago);
        let submitted_on = crate::case_work::office_day(submitted_at);
        let new = NewApplication {
            resource_id: resource,
            case_file_id: file.id,
            person_id: file.person_id,
            submitted_at,
            submitted_on,
            reconfirm_by: reconfirm_by(submitted_on, 12),
        };
        let mut application = applications::insert_application(c, &new, file.manager, now)?;
        summary.applications += 1;
        let isee = [Some(520_000), Some(1_240_000), None, Some(2_100_000)][i % 4];
        let inputs = [
            (
                CriterionKind::Urgency,
                InputValue::Level(u8::try_from(i % 4).unwrap_or(0)),
                InputSource::SocialWorkerAssessment,
            ),
            (
                CriterionKind::FamilySupport,
                InputValue::Level(u8::try_from(i % 3).unwrap_or(0)),
                InputSource::Declaration,
            ),
            (
                CriterionKind::Isee,
                InputValue::Isee(isee),
                InputSource::Declaration,
            ),
        ];
        for (kind, value, source) in inputs {
            check_input(kind, value, source, submitted_on, None, submitted_on, today)
                .map_err(|e| StoreError::Internal(format!("demo input: {e}")))?;
            let input = Input {
                kind,
                value,
                source,
                as_of: submitted_on,
                reference: None,
                recorded_at: now,
                recorded_by: file.manager,
            };
            applications::record_input(c, &application, &input, file.manager, now)?;
            application = reload(c, application.id)?;
        }
        // Some are offered a place (answer within a week) or admitted, while places are free.
        let place = match i % 6 {
            2 => Some(AllocationState::Offered),
            3 => Some(AllocationState::Admitted),
            _ => None,
        };
        if let Some(state) = place {
            let capacity = waiting_list::find_resource(c, resource)?
                .map(|r| r.capacity)
                .unwrap_or_default();
            let ceiling = places_ceiling(&capacity, today);
            let held = admissions::lock_occupancy(c, resource)?.map_or(0, |o| o.held);
            admissions::set_ceiling(c, resource, ceiling.max(held))?;
            if take_place(held, ceiling).is_ok() {
                let new = admissions::NewAllocation {
                    state,
                    on: today,
                    respond_by: (state == AllocationState::Offered)
                        .then(|| today + Duration::days(7)),
                    reason: Some("Assegnazione dimostrativa".into()),
                };
                admissions::take(c, &application, &new, file.manager, now)?;
                if state == AllocationState::Admitted {
                    summary.admissions += 1;
                    demo_admission_benefit(c, file, application.id, today, now)?;
                }
            }
            continue;
        }
        let transition = match i % 6 {
            4 => Some((ApplicationTransition::Suspend, Some("Ricovero ospedaliero"))),
            5 => Some((ApplicationTransition::Withdraw, None)),
            _ => None,
        };
        if let Some((transition, reason)) = transition {
            let to = apply_application(ApplicationStatus::Waiting, transition)
                .map_err(|e| StoreError::Internal(format!("demo application: {e}")))?;
            let change = ApplicationChange {
                transition,
                to,
                on: today,
                reason: reason.map(ToOwned::to_owned),
                reconfirm_by: None,
            };
            applications::change_application(c, &application, &change, file.manager, now)?;
        }
    }
    Ok(())
}

/// The benefit record of a demo admission: the service in kind, from the admission day.
fn demo_admission_benefit(
    c: &mut AnyConnection,
    file: &DemoFile,
    application_id: Uuid,
    today: NaiveDate,
    now: chrono::DateTime<Utc>,
) -> Result<(), StoreError> {
    use socialcare_domain::benefits::{
        BenefitContent, BenefitForm, CATALOGUE, SourceKind, check_benefit,
    };
    use socialcare_persistence::{admissions, benefits};

    use socialcare_domain::waiting_list::ResourceKind;
    use socialcare_persistence::waiting_list;

    let Some(place) = admissions::latest_allocation(c, application_id)? else {
        return Ok(());
    };
    let kind = waiting_list::find_resource(c, place.resource_id)?.map(|r| r.content.kind);
    let code = match kind {
        Some(ResourceKind::DisabilityDayCentre) => "D1",
        Some(ResourceKind::HomeCare) => "C1",
        Some(ResourceKind::Meals) => "C3",
        Some(ResourceKind::ShelterPlaces) => "E2",
        Some(ResourceKind::SocialHousing) => "E4",
        _ => "E1",
    };
    let content = BenefitContent {
        code: code.into(),
        form: BenefitForm::InKind,
        amount_cents: None,
        frequency: None,
        isee_dependent: false,
        isee_cents: None,
        dsu_protocol: None,
        from_on: today,
        until_on: None,
        decision_ref: "Determina dimostrativa 1/2026".into(),
        decision_on: today,
        notes: None,
    };
    check_benefit(&content, today)
        .map_err(|e| StoreError::Internal(format!("demo benefit: {e}")))?;
    let new = benefits::NewBenefit {
        case_file_id: file.id,
        person_id: file.person_id,
        catalogue: CATALOGUE.to_owned(),
        content,
        source: Some((SourceKind::Admission, place.id)),
    };
    benefits::insert_benefit(c, &new, file.manager, now)?;
    Ok(())
}

fn demo_training(
    c: &mut AnyConnection,
    workers: &[Uuid],
    author: Uuid,
    today: NaiveDate,
    now: chrono::DateTime<Utc>,
    summary: &mut DemoSummary,
) -> Result<(), StoreError> {
    use socialcare_domain::training::{
        CreditPeriod, EventContent, TrainingKind, check_attendance, check_event,
    };
    use socialcare_persistence::training;

    let start = CreditPeriod::of(today).first_day();
    let mut events = vec![
        EventContent {
            kind: TrainingKind::Training,
            title: "Etica e deontologia professionale".to_owned(),
            provider: "Ordine degli assistenti sociali del Trentino-Alto Adige".to_owned(),
            from_on: start + Duration::days(40),
            until_on: start + Duration::days(41),
            hours: 12,
            credits: 15,
            ethics_credits: 15,
            notes: None,
        },
        EventContent {
            kind: TrainingKind::Training,
            title: "Le clausole sociali negli appalti pubblici".to_owned(),
            provider: "Provincia autonoma di Trento".to_owned(),
            from_on: start + Duration::days(120),
            until_on: start + Duration::days(120),
            hours: 6,
            credits: 6,
            ethics_credits: 0,
            notes: None,
        },
    ];
    for k in 0..6 {
        events.push(EventContent {
            kind: TrainingKind::SupervisionGroup,
            title: format!("Supervisione di gruppo, incontro {}", k + 1),
            provider: "Studio di supervisione professionale".to_owned(),
            from_on: start + Duration::days(60 * k + 30),
            until_on: start + Duration::days(60 * k + 30),
            hours: 3,
            credits: 3,
            ethics_credits: 0,
            notes: None,
        });
    }
    // Early in a period, the events are all held by today (so that its table has some).
    for content in &mut events {
        content.from_on = content.from_on.min(today);
        content.until_on = content.until_on.min(today);
    }
    for content in &events {
        check_event(content).map_err(store_err)?;
        let event = training::insert_event(c, content, author, now)?;
        summary.training_events += 1;
        for (i, worker) in workers.iter().enumerate() {
            let hours = match (i % 3, content.kind) {
                (0, _) | (1, TrainingKind::Training) => content.hours,
                (1, _) => 1,
                _ => content.hours / 2,
            };
            check_attendance(content, hours).map_err(store_err)?;
            training::record_attendance(c, event.id, *worker, hours, author, now)?;
        }
    }
    Ok(())
}
