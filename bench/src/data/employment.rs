//! Employment: the employers register (every kind, a type-B cooperative for each agreement),
//! the procurement contracts with a social clause (one per 2 000 persons, at most 500: most of
//! them counting workers, some a share of their monthly hours; most running on the reference
//! day), and the employment placements of about one case file in twelve (20 000 at a million
//! persons), in every state, half of them under a contract, with the hours of each month they
//! ran. The rules are the domain's: every placement passes `check_work`, every contract
//! `check_contract`.
//!
//! Employment has its own random stream, so adding it left every other generated row unchanged.

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use socialcare_domain::employment::{
    Cig, ClauseKind, ContractContent, ContractFacts, EmployerFacts, EmployerKind,
    REVIEW_INTERVAL_DAYS, Requirement, ReviewProgress, WorkContent, WorkKind, WorkOutcome,
    YearMonth, check_contract, check_work, default_next_review, vat_check_digit,
};
use socialcare_persistence::sql_types::DbUuid;
use uuid::Uuid;

use super::cases::FileFacts;
use super::rows::{Batch, ContractRow, EmployerRow, WorkHoursRow, WorkPlacementRow, WorkReviewRow};
use super::staff::Staff;
use super::util::{add, chance, day_between, id_at, inst, office_time};

/// Separates the employment stream from the others drawn from the same seed.
const EMPLOYMENT_STREAM: u64 = 0x656d_706c_6f79_6d65;
/// Share of the case files with an employment placement (some files have no open period in
/// the last two years: about 20 000 placements at a million persons).
const PLACED: f64 = 0.085;
/// The provincial programmes the generator names (the server's default list).
const PROGRAMMES: [&str; 3] = ["intervento_3_3_d", "intervento_19", "progettone"];

/// Contracts for a data set of `persons` persons.
pub fn contract_count(persons: usize) -> usize {
    (persons / 2_000).clamp(4, 500)
}

/// A contract as the placements need it.
#[derive(Debug, Clone, Copy)]
struct ContractPlan {
    id: Uuid,
    employer: usize,
    from_on: NaiveDate,
    until_on: NaiveDate,
}

/// An employer as the placements need it.
#[derive(Debug, Clone, Copy)]
struct EmployerPlan {
    id: Uuid,
    kind: EmployerKind,
}

/// The employment register and what the placements draw from it.
#[derive(Debug)]
pub struct Employment {
    rng: StdRng,
    today: NaiveDate,
    now: DateTime<Utc>,
    employers: Vec<EmployerPlan>,
    contracts: Vec<ContractPlan>,
    programmes: Vec<String>,
}

/// A partita IVA with its check digit, from a number.
fn vat(n: usize) -> String {
    let text = format!("{:010}", 1_000_000_000 + n * 7_919);
    let mut digits = [0u8; 10];
    for (d, b) in digits.iter_mut().zip(text.bytes()) {
        *d = b - b'0';
    }
    format!("{text}{}", vat_check_digit(&digits))
}

impl Employment {
    /// The register of a data set of `persons` persons, written into `batch` by the
    /// administrative staff.
    pub fn new(
        seed: u64,
        persons: usize,
        today: NaiveDate,
        now: DateTime<Utc>,
        staff: &Staff,
        batch: &mut Batch,
    ) -> anyhow::Result<Self> {
        let mut rng = StdRng::seed_from_u64(seed ^ EMPLOYMENT_STREAM);
        let count = contract_count(persons);
        let kinds = [
            EmployerKind::SocialCooperativeB,
            EmployerKind::Company,
            EmployerKind::Company,
            EmployerKind::PublicBody,
            EmployerKind::Association,
            EmployerKind::SocialCooperativeA,
        ];
        let mut employers = Vec::new();
        for n in 0..count {
            let kind = kinds[n % kinds.len()];
            let clerk = staff.clerk(&mut rng);
            let created = office_time(&mut rng, add(today, -1_500 + (n % 300) as i64));
            let id = id_at(&mut rng, created);
            let cooperative = kind.is_social_cooperative();
            batch.employers.push(EmployerRow {
                id: DbUuid(id),
                kind: kind.as_str().to_owned(),
                name: format!("{} {:04}", employer_name(kind), n + 1),
                vat_number: Some(vat(n)),
                tax_code: None,
                street: format!("Via del Lavoro {}", 1 + n % 120),
                municipality: "Trento".to_owned(),
                postcode: Some(format!("381{:02}", 21 + n % 3)),
                contact_name: Some("Ufficio inserimenti".to_owned()),
                phone: Some(format!("0461 {:06}", 200_000 + n * 13)),
                email: None,
                cooperative_register_number: cooperative.then(|| format!("A{:06}", 100_000 + n)),
                cooperative_registered_on: cooperative.then(|| add(today, -3_000 - n as i64)),
                annulled_at: None,
                annulled_by: None,
                annulment_reason: None,
                version: 1,
                created_at: inst(created),
                created_by: DbUuid(clerk),
                updated_at: inst(created),
                updated_by: DbUuid(clerk),
            });
            employers.push(EmployerPlan { id, kind });
        }
        let mut contracts = Vec::new();
        for n in 0..count {
            // Each contract goes to the employer of its index; a type-B agreement needs a
            // type-B cooperative, which every sixth employer is.
            let employer = n;
            let kind = employers[employer].kind;
            let clause = match kind {
                EmployerKind::SocialCooperativeB => ClauseKind::TypeBAgreement,
                EmployerKind::SocialCooperativeA => ClauseKind::ReservedContract,
                _ => ClauseKind::DisadvantagedHiring,
            };
            let hours_share = n % 5 == 4;
            let requirement = if hours_share {
                Requirement::HoursShare(rng.random_range(10..=40))
            } else {
                Requirement::Workers(rng.random_range(1..=6))
            };
            let from_on = add(today, -rng.random_range(30..1_000));
            let until_on = add(from_on, rng.random_range(400..1_400));
            let content = ContractContent {
                contracting_authority: if n % 3 == 0 {
                    "Provincia autonoma di Trento".to_owned()
                } else {
                    "Comune di Trento".to_owned()
                },
                cig: Cig::parse(&format!("{:07}{:03X}", 5_000_000 + n, n % 4_096))
                    .map_err(|e| anyhow::anyhow!(e))?,
                subject: format!("{} lotto {}", SUBJECTS[n % SUBJECTS.len()], 1 + n / 7),
                from_on,
                until_on,
                employer_id: employers[employer].id,
                clause,
                requirement,
                monthly_hours: hours_share.then(|| rng.random_range(500..5_000)),
                notes: None,
            };
            check_contract(&content, kind, false)
                .map_err(|e| anyhow::anyhow!("generated contract {n}: {e:?}"))?;
            let clerk = staff.clerk(&mut rng);
            let created = office_time(&mut rng, add(from_on, -10));
            let id = id_at(&mut rng, created);
            let (required_workers, required_hours_share) = match requirement {
                Requirement::Workers(w) => (Some(i16::try_from(w)?), None),
                Requirement::HoursShare(p) => (None, Some(i16::from(p))),
            };
            batch.procurement_contracts.push(ContractRow {
                id: DbUuid(id),
                contracting_authority: content.contracting_authority.clone(),
                cig: content.cig.as_str().to_owned(),
                subject: content.subject.clone(),
                from_on,
                until_on,
                employer_id: DbUuid(content.employer_id),
                clause: clause.as_str().to_owned(),
                required_workers,
                required_hours_share,
                notes: None,
                version: 1,
                created_at: inst(created),
                created_by: DbUuid(clerk),
                updated_at: inst(created),
                updated_by: DbUuid(clerk),
                monthly_hours: content
                    .monthly_hours
                    .map(i32::try_from)
                    .transpose()
                    .context("monthly hours")?,
            });
            contracts.push(ContractPlan {
                id,
                employer,
                from_on,
                until_on,
            });
        }
        Ok(Self {
            rng,
            today,
            now,
            employers,
            contracts,
            programmes: PROGRAMMES.iter().map(|p| (*p).to_owned()).collect(),
        })
    }

    /// Sometimes places the person of `facts` in work once, in one of the file's open periods,
    /// writing the placement and the hours of its months into `batch`.
    pub fn placements(&mut self, facts: &FileFacts, batch: &mut Batch) -> anyhow::Result<()> {
        if self.employers.is_empty() || !chance(&mut self.rng, PLACED) {
            return Ok(());
        }
        let Some(&(open_from, open_until)) = facts.open.last() else {
            return Ok(());
        };
        let first = open_from.max(add(self.today, -730));
        let last = add(open_until, -1).min(add(self.today, 30));
        if last < first {
            return Ok(());
        }
        let from_on = day_between(&mut self.rng, first, last);
        let roll = self.rng.random_range(0..100);
        let running: Vec<ContractPlan> = self
            .contracts
            .iter()
            .filter(|c| c.from_on <= from_on && from_on <= c.until_on)
            .copied()
            .collect();
        let (kind, employer, contract) = if roll < 50 && !running.is_empty() {
            let c = running[self.rng.random_range(0..running.len())];
            (
                WorkKind::SocialClauseHiring,
                self.employers[c.employer],
                Some(c),
            )
        } else {
            let kind = match roll % 5 {
                0 => WorkKind::WorkGrant,
                1 => WorkKind::InclusionTraineeship,
                2 => WorkKind::CommunityUtilityProject,
                3 => WorkKind::ProvincialProgramme,
                _ => WorkKind::TargetedPlacement,
            };
            let hosts: Vec<EmployerPlan> = self
                .employers
                .iter()
                .filter(|e| {
                    kind != WorkKind::CommunityUtilityProject || e.kind != EmployerKind::Company
                })
                .copied()
                .collect();
            (kind, hosts[self.rng.random_range(0..hosts.len())], None)
        };
        let open_ended = kind.may_be_open_ended() && chance(&mut self.rng, 0.3);
        let until_on = (!open_ended).then(|| add(from_on, self.rng.random_range(90..=365)));
        let weekly_hours: u8 = self.rng.random_range(12..=36);
        let manager = facts.manager_on(from_on.min(self.today));
        let content = WorkContent {
            kind,
            programme: (kind == WorkKind::ProvincialProgramme)
                .then(|| PROGRAMMES[self.rng.random_range(0..PROGRAMMES.len())].to_owned()),
            employer_id: employer.id,
            contract_id: contract.map(|c| c.id),
            office_tutor_id: Some(manager),
            company_tutor: Some("Responsabile del personale".to_owned()),
            weekly_hours,
            from_on,
            until_on,
            notes: None,
            commitment_id: None,
            referral_id: None,
        };
        check_work(
            &content,
            &self.programmes,
            EmployerFacts {
                kind: employer.kind,
                annulled: false,
            },
            contract.map(|c| ContractFacts {
                employer_id: employer.id,
                from_on: c.from_on,
                until_on: c.until_on,
            }),
        )
        .map_err(|e| anyhow::anyhow!("generated placement: {e:?}"))?;
        // The state follows the dates: not started yet, running, or ended (mostly completed,
        // some interrupted halfway).
        let (status, started_on, ended_on, reason, outcome) = if from_on > self.today {
            ("proposed", None, None, None, None)
        } else if until_on.is_some_and(|u| u < self.today) {
            let until = until_on.unwrap_or(self.today);
            if chance(&mut self.rng, 0.2) {
                let halfway = day_between(&mut self.rng, from_on, until);
                (
                    "interrupted",
                    Some(from_on),
                    Some(halfway),
                    Some("Interrotto per motivi di salute".to_owned()),
                    Some(WorkOutcome::None),
                )
            } else {
                let outcome = [
                    WorkOutcome::HiredOpenEnded,
                    WorkOutcome::HiredFixedTerm,
                    WorkOutcome::Apprenticeship,
                    WorkOutcome::None,
                    WorkOutcome::None,
                ][self.rng.random_range(0..5)];
                ("completed", Some(from_on), Some(until), None, Some(outcome))
            }
        } else {
            ("active", Some(from_on), None, None, None)
        };
        let created = office_time(&mut self.rng, add(from_on, -14).min(self.today));
        let created = created.min(self.now);
        let id = id_at(&mut self.rng, created);
        let hired = outcome.is_some_and(|o| o != WorkOutcome::None);
        let mut version = 1 + i64::from(started_on.is_some()) + i64::from(ended_on.is_some());
        if let Some(start) = started_on {
            let last = ended_on.unwrap_or(self.today);
            for month in YearMonth::of(start).through(YearMonth::of(last)) {
                let hours = u16::from(weekly_hours) * 4 + self.rng.random_range(0..12);
                batch.employment_hours.push(WorkHoursRow {
                    placement_id: DbUuid(id),
                    month: month.to_string(),
                    hours: i16::try_from(hours)?,
                    recorded_at: inst(
                        office_time(&mut self.rng, month.first_day().max(start)).min(self.now),
                    ),
                    recorded_by: DbUuid(manager),
                    contract_id: contract.map(|c| DbUuid(c.id)),
                });
                version += 1;
            }
        }
        // The tutor's monthly reviews while it ran; a running one has its next review planned.
        let mut next_review_on = None;
        if let Some(start) = started_on {
            let last = ended_on.unwrap_or(self.today);
            let mut held_on = add(start, REVIEW_INTERVAL_DAYS);
            while held_on <= last {
                let next = (status == "active").then(|| default_next_review(held_on, until_on));
                let progress = match self.rng.random_range(0..10) {
                    0 => ReviewProgress::AtRisk,
                    1 | 2 => ReviewProgress::NeedsSupport,
                    _ => ReviewProgress::OnTrack,
                };
                let at = office_time(&mut self.rng, held_on).min(self.now);
                batch.employment_reviews.push(WorkReviewRow {
                    id: DbUuid(id_at(&mut self.rng, at)),
                    placement_id: DbUuid(id),
                    held_on,
                    progress: progress.as_str().to_owned(),
                    with_company_tutor: chance(&mut self.rng, 0.7),
                    summary: "Verifica con la persona e il tutor aziendale".to_owned(),
                    next_review_on: next,
                    created_at: inst(at),
                    created_by: DbUuid(manager),
                });
                next_review_on = next;
                version += 1;
                held_on = add(held_on, REVIEW_INTERVAL_DAYS);
            }
            if status == "active" && next_review_on.is_none() {
                next_review_on = Some(default_next_review(start, until_on));
            }
        }
        batch.employment_placements.push(WorkPlacementRow {
            id: DbUuid(id),
            case_file_id: DbUuid(facts.id),
            person_id: DbUuid(facts.person.id),
            kind: kind.as_str().to_owned(),
            programme: content.programme,
            employer_id: DbUuid(employer.id),
            contract_id: contract.map(|c| DbUuid(c.id)),
            office_tutor_id: Some(DbUuid(manager)),
            company_tutor: content.company_tutor,
            weekly_hours: i16::from(weekly_hours),
            from_on,
            until_on,
            notes: None,
            status: status.to_owned(),
            started_on,
            ended_on,
            interruption_reason: reason,
            outcome: outcome.map(|o| o.as_str().to_owned()),
            outcome_on: if hired { ended_on } else { None },
            version,
            created_at: inst(created),
            created_by: DbUuid(manager),
            updated_at: inst(self.now),
            updated_by: DbUuid(manager),
            commitment_id: None,
            referral_id: None,
            next_review_on,
        });
        Ok(())
    }
}

fn employer_name(kind: EmployerKind) -> &'static str {
    match kind {
        EmployerKind::SocialCooperativeB => "Cooperativa sociale di inserimento",
        EmployerKind::SocialCooperativeA => "Cooperativa sociale di servizi",
        EmployerKind::Company => "Impresa",
        EmployerKind::PublicBody => "Ente pubblico",
        EmployerKind::Association => "Associazione",
    }
}

const SUBJECTS: [&str; 6] = [
    "Manutenzione del verde pubblico",
    "Pulizia degli uffici comunali",
    "Raccolta differenziata",
    "Servizi di portierato",
    "Manutenzione delle strade",
    "Gestione dei parcheggi",
];
