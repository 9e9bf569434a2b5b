//! Care resources and their waiting lists: one criteria set (published a year before the
//! reference day), a resource of every kind, and applications of the persons whose case file
//! is open on the reference day — most of them for home care, the resource whose ranking the
//! load test reads (issue 17's target: a ranking of 10 000 applications) — submitted in the
//! last eleven months, with the inputs of their criteria, most waiting, some suspended or
//! withdrawn. Every criteria set passes the domain's `check_criteria`, every input
//! `check_input`.
//!
//! Waiting lists have their own random stream, so adding them left every other generated row
//! unchanged.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use socialcare_domain::Area;
use socialcare_domain::waiting_list::{
    ApplicationStatus, Band, CriteriaContent, Criterion, CriterionKind, InputSource, InputValue,
    ResourceKind, Scale, check_criteria, check_input, encode_scale, reconfirm_by,
};
use socialcare_persistence::sql_types::DbUuid;
use uuid::Uuid;

use super::cases::FileFacts;
use super::rows::{
    ApplicationCounterRow, ApplicationInputRow, ApplicationRow, Batch, CapacityRow, CriteriaSetRow,
    CriterionRow, OccupancyRow, ResourceRow,
};
use super::staff::Staff;
use super::util::{add, chance, day_between, id_at, inst, office_time};

/// Separates the waiting-list stream from the others drawn from the same seed.
const WAITING_STREAM: u64 = 0x7761_6974_696e_6731;

/// The code of the criteria set of every generated resource.
const CODE: &str = "assistenza";

/// Share of the case files open on the reference day whose person applies for home care.
const HOME_CARE: f64 = 0.07;

/// Share of them that also apply for another resource.
const OTHER: f64 = 0.05;

/// The resources, their waiting lists and the protocol numbers given.
#[derive(Debug)]
pub struct WaitingLists {
    rng: StdRng,
    today: NaiveDate,
    now: DateTime<Utc>,
    clerks: Vec<Uuid>,
    /// The resources, with their kind; home care first.
    resources: Vec<(Uuid, ResourceKind)>,
    /// The last protocol number given in each year.
    protocols: BTreeMap<i32, u32>,
    /// Who applied for what (a person has one open application per resource, whichever of
    /// their case files it is made in).
    applied: HashSet<(usize, Uuid)>,
    /// Waiting applications for home care.
    pub home_care_waiting: u64,
}

impl WaitingLists {
    /// The criteria set and the resources, written into `batch`.
    pub fn new(
        seed: u64,
        today: NaiveDate,
        now: DateTime<Utc>,
        staff: &Staff,
        batch: &mut Batch,
    ) -> anyhow::Result<Self> {
        let mut rng = StdRng::seed_from_u64(seed ^ WAITING_STREAM);
        let clerk = staff.clerk(&mut rng);
        let published = office_time(&mut rng, add(today, -400)).min(now);
        let content = CriteriaContent {
            code: CODE.to_owned(),
            title: "Criteri di accesso ai servizi socio-assistenziali".to_owned(),
            effective_from: add(today, -365),
            criteria: vec![
                criterion(
                    CriterionKind::Urgency,
                    "Urgenza",
                    Scale::Levels(vec![0, 5, 10, 20]),
                ),
                criterion(
                    CriterionKind::FamilySupport,
                    "Rete familiare",
                    Scale::Levels(vec![0, 4, 8]),
                ),
                criterion(
                    CriterionKind::Isee,
                    "ISEE",
                    Scale::Bands {
                        bands: vec![
                            Band {
                                up_to_cents: 750_000,
                                points: 10,
                            },
                            Band {
                                up_to_cents: 1_500_000,
                                points: 5,
                            },
                        ],
                        above: 0,
                        missing: 0,
                    },
                ),
                criterion(
                    CriterionKind::MinorsInHousehold,
                    "Minori nel nucleo",
                    Scale::Levels(vec![0, 3]),
                ),
                criterion(
                    CriterionKind::MonthsOnList,
                    "Mesi in lista",
                    Scale::PerMonth {
                        per_month: 1,
                        max: 12,
                    },
                ),
            ],
        };
        check_criteria(&content).map_err(|e| anyhow::anyhow!("generated criteria: {e:?}"))?;
        let set = id_at(&mut rng, published);
        batch.criteria_sets.push(CriteriaSetRow {
            id: DbUuid(set),
            code: content.code.clone(),
            version: 1,
            title: content.title.clone(),
            effective_from: content.effective_from,
            created_at: inst(published),
            created_by: DbUuid(clerk),
        });
        for (position, c) in content.criteria.iter().enumerate() {
            batch.criteria.push(CriterionRow {
                set_id: DbUuid(set),
                position: i16::try_from(position)?,
                kind: c.kind.as_str().to_owned(),
                label: c.label.clone(),
                scale: encode_scale(&c.scale),
            });
        }
        let kinds = [
            (
                ResourceKind::HomeCare,
                "Assistenza domiciliare",
                Area::AdultsDisability,
                400,
            ),
            (
                ResourceKind::DisabilityResidential,
                "Residenza Il Girasole",
                Area::AdultsDisability,
                40,
            ),
            (
                ResourceKind::DisabilityDayCentre,
                "Centro diurno La Quercia",
                Area::AdultsDisability,
                30,
            ),
            (
                ResourceKind::Meals,
                "Pasti a domicilio",
                Area::Transversal,
                200,
            ),
            (
                ResourceKind::ShelterPlaces,
                "Posti di accoglienza",
                Area::SocialInclusion,
                60,
            ),
            (
                ResourceKind::SocialHousing,
                "Alloggi sociali",
                Area::SocialInclusion,
                25,
            ),
        ];
        let mut resources = Vec::new();
        for (kind, name, area, places) in kinds {
            let at = office_time(&mut rng, add(today, -390)).min(now);
            let id = id_at(&mut rng, at);
            batch.resources.push(ResourceRow {
                id: DbUuid(id),
                kind: kind.as_str().to_owned(),
                name: name.to_owned(),
                managing_body: "Comune".to_owned(),
                area: area.as_str().to_owned(),
                criteria_code: CODE.to_owned(),
                reconfirm_months: 12,
                notes: None,
                closed_on: None,
                version: 1,
                created_at: inst(at),
                created_by: DbUuid(clerk),
                updated_at: inst(at),
                updated_by: DbUuid(clerk),
            });
            batch.resource_capacity.push(CapacityRow {
                resource_id: DbUuid(id),
                from_on: add(today, -390),
                places,
                recorded_at: inst(at),
                recorded_by: DbUuid(clerk),
            });
            batch.resource_occupancy.push(OccupancyRow {
                resource_id: DbUuid(id),
                places_held: 0,
                places_ceiling: places,
                ranking_version: 0,
            });
            resources.push((id, kind));
        }
        Ok(Self {
            rng,
            today,
            now,
            clerks: staff.administrative.clone(),
            resources,
            protocols: BTreeMap::new(),
            applied: HashSet::new(),
            home_care_waiting: 0,
        })
    }

    /// The resource whose ranking the load test reads (home care).
    pub fn ranking_resource(&self) -> Option<Uuid> {
        self.resources.first().map(|(id, _)| *id)
    }

    /// Applications of the person of `facts` when the file is open on the reference day.
    pub fn applications(&mut self, facts: &FileFacts, batch: &mut Batch) -> anyhow::Result<()> {
        let Some(&(open_from, open_until)) = facts.open.last() else {
            return Ok(());
        };
        if open_until <= self.today || open_from > self.today {
            return Ok(());
        }
        let mut wanted = Vec::new();
        if chance(&mut self.rng, HOME_CARE) {
            wanted.push(0);
        }
        if chance(&mut self.rng, OTHER) {
            wanted.push(self.rng.random_range(1..self.resources.len()));
        }
        for index in wanted {
            if self.applied.insert((index, facts.person.id)) {
                self.application(facts, index, open_from, batch)?;
            }
        }
        Ok(())
    }

    fn application(
        &mut self,
        facts: &FileFacts,
        index: usize,
        open_from: NaiveDate,
        batch: &mut Batch,
    ) -> anyhow::Result<()> {
        let (resource, _) = self.resources[index];
        let first = open_from.max(add(self.today, -330));
        let submitted_on = day_between(&mut self.rng, first, self.today);
        let submitted_at = office_time(&mut self.rng, submitted_on).min(self.now);
        let submitted_on = socialcare_domain::calendar::today(submitted_at);
        let year = chrono::Datelike::year(&submitted_on);
        let number = self.protocols.entry(year).or_insert(0);
        *number += 1;
        let number = *number;
        let status = match self.rng.random_range(0..100) {
            0..=4 => ApplicationStatus::Suspended,
            5..=9 => ApplicationStatus::Withdrawn,
            _ => ApplicationStatus::Waiting,
        };
        if index == 0 && status == ApplicationStatus::Waiting {
            self.home_care_waiting += 1;
        }
        let clerk = self.clerks[self.rng.random_range(0..self.clerks.len())];
        let manager = facts.manager_on(submitted_on);
        let id = id_at(&mut self.rng, submitted_at);
        let recorded =
            (submitted_at + Duration::minutes(self.rng.random_range(5..120))).min(self.now);
        batch.applications.push(ApplicationRow {
            id: DbUuid(id),
            protocol_year: year,
            protocol_number: i32::try_from(number)?,
            resource_id: DbUuid(resource),
            case_file_id: DbUuid(facts.id),
            person_id: DbUuid(facts.person.id),
            submitted_at: inst(submitted_at),
            submitted_on,
            confirmed_on: submitted_on,
            reconfirm_by: reconfirm_by(submitted_on, 12),
            status: status.as_str().to_owned(),
            version: 1,
            created_at: inst(recorded),
            created_by: DbUuid(clerk),
            updated_at: inst(recorded),
            updated_by: DbUuid(clerk),
        });
        let isee = match self.rng.random_range(0..4) {
            0 => None,
            _ => Some(self.rng.random_range(0..3_000_000u64)),
        };
        let inputs = [
            (
                CriterionKind::Urgency,
                InputValue::Level(self.rng.random_range(0..4)),
                InputSource::SocialWorkerAssessment,
                manager,
            ),
            (
                CriterionKind::FamilySupport,
                InputValue::Level(self.rng.random_range(0..3)),
                InputSource::Declaration,
                clerk,
            ),
            (
                CriterionKind::Isee,
                InputValue::Isee(isee),
                InputSource::Declaration,
                clerk,
            ),
            (
                CriterionKind::MinorsInHousehold,
                InputValue::Level(u8::from(
                    facts.household.len() > 2 && chance(&mut self.rng, 0.5),
                )),
                InputSource::HouseholdRecords,
                clerk,
            ),
        ];
        for (kind, value, source, author) in inputs {
            check_input(
                kind,
                value,
                source,
                submitted_on,
                None,
                submitted_on,
                self.today,
            )
            .map_err(|e| anyhow::anyhow!("generated input: {e:?}"))?;
            let (level, isee_cents) = match value {
                InputValue::Level(l) => (Some(i16::from(l)), None),
                InputValue::Isee(cents) => (None, cents.map(i64::try_from).transpose()?),
            };
            batch.application_inputs.push(ApplicationInputRow {
                id: DbUuid(id_at(&mut self.rng, recorded)),
                application_id: DbUuid(id),
                kind: kind.as_str().to_owned(),
                level,
                isee_cents,
                source: source.as_str().to_owned(),
                as_of: submitted_on,
                reference: None,
                recorded_at: inst(recorded),
                recorded_by: DbUuid(author),
            });
        }
        Ok(())
    }

    /// The protocol counters: the last number given in each year.
    pub fn counters(&self, batch: &mut Batch) {
        for (year, last) in &self.protocols {
            batch
                .application_protocol_counters
                .push(ApplicationCounterRow {
                    year: *year,
                    last_sequence: i32::try_from(*last).unwrap_or(i32::MAX),
                });
        }
    }
}

fn criterion(kind: CriterionKind, label: &str, scale: Scale) -> Criterion {
    Criterion {
        kind,
        label: label.to_owned(),
        scale,
    }
}
