//! The generator: walks the units of the skeleton and produces, chunk by chunk, the rows of
//! their persons, households, special-category data and case files, in the order and with the
//! derived values the application itself would have written.

use std::collections::{HashMap, HashSet};

use anyhow::{Context, anyhow};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use socialcare_domain::Area;
use socialcare_domain::case_file::CaseStatus;
use socialcare_domain::household::{Membership, Relationship, check_join, check_leave};
use socialcare_domain::person::{PersonDetails, PersonInput, ResidenceInput};
use socialcare_domain::tax_code::{
    TaxCode, TaxCodeSex, compute_check_character, encode_personal, name_code, surname_code,
};
use socialcare_persistence::persons::row_of;
use socialcare_persistence::sql_types::DbUuid;
use uuid::Uuid;

use super::catalog::{
    FICTITIOUS_STREET, IT_FAMILY, IT_FEMALE, IT_MALE, ORIGINS, Origin, RARE_MIDDLE, RARE_PREFIX,
    RARE_SUFFIX, STREETS, TOWNS, Town,
};
use super::employment::Employment;
use super::housing::Housing;
use super::plan::{Numbering, Planner, UnitPlan};
use super::rows::{Batch, CounterRow, HouseholdRow, MemberRow, MergeRow, NameTokenRow, PersonRow};
use super::staff::Staff;
use super::util::{add, chance, day_between, id_at, inst, later, office_time, pick, weighted};
use super::waiting::WaitingLists;

/// What the generator is asked for.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Seed of every random stream.
    pub seed: u64,
    /// Persons to register.
    pub persons: usize,
    /// The reference day: the data ends on it (nothing happens later).
    pub today: NaiveDate,
    /// Persons per chunk (the unit of streaming and of memory).
    pub chunk_persons: usize,
}

/// How far back the office's history goes (about eight years and nine months).
pub const HISTORY_DAYS: i64 = 3200;

/// A registered person, as the rest of the unit needs to know them.
#[derive(Debug, Clone)]
pub struct Person {
    /// Identifier.
    pub id: Uuid,
    /// A woman.
    pub female: bool,
    /// Given names.
    pub given: String,
    /// Family names.
    pub family: String,
    /// Birth date.
    pub birth: NaiveDate,
    /// Country of birth, when abroad.
    pub origin: Option<&'static Origin>,
    /// Not an Italian citizen.
    pub foreign_citizen: bool,
    /// When the person was registered.
    pub created_at: DateTime<Utc>,
    /// The household the person currently belongs to, with the day they joined.
    pub household: Option<(Uuid, NaiveDate)>,
    /// The kind of residence (`residence`, `fictitious`, `none`).
    pub residence: &'static str,
}

/// A residence shared by the members of a household.
#[derive(Debug, Clone)]
pub struct Address {
    kind: &'static str,
    street: Option<String>,
    postal_code: Option<String>,
    municipality: Option<String>,
    province: Option<String>,
}

impl Address {
    fn input(&self) -> ResidenceInput {
        ResidenceInput {
            kind: self.kind.to_owned(),
            street: self.street.clone(),
            postal_code: self.postal_code.clone(),
            municipality: self.municipality.clone(),
            province: self.province.clone(),
        }
    }
}

/// What a new person looks like.
#[derive(Debug, Clone)]
pub struct PersonSpec {
    /// A woman.
    pub female: bool,
    /// Birth date.
    pub birth: NaiveDate,
    /// Born abroad, in this country.
    pub origin: Option<&'static Origin>,
    /// Born in Italy of parents from this country (foreign names and citizenship).
    pub family_origin: Option<&'static Origin>,
    /// Family names, when inherited.
    pub family: Option<String>,
    /// Residence.
    pub address: Address,
    /// When registered.
    pub created_at: DateTime<Utc>,
    /// Who registered them.
    pub created_by: Uuid,
}

/// Counters kept across chunks for the manifest and the summary.
#[derive(Debug, Default)]
pub struct Stats {
    /// Persons per 3- and 4-letter prefix of a name word (each person counted once).
    pub prefixes: HashMap<String, u32>,
    /// Persons per whole name word.
    pub tokens: HashMap<String, u32>,
    /// Case files per current case manager, with their status.
    pub caseloads: HashMap<Uuid, Vec<(Uuid, CaseStatus)>>,
    /// Persons with a 16-character tax code.
    pub personal_codes: u64,
    /// Of which with omocodia (a collision with another person's code).
    pub omocodic_codes: u64,
    /// Persons with an 11-digit provisional code.
    pub provisional_codes: u64,
    /// Persons whose code could not be made unique and who were left without one.
    pub code_collisions_skipped: u64,
}

/// The state of a load.
#[derive(Debug)]
pub struct Generator {
    /// Details stream.
    pub rng: StdRng,
    /// Skeleton stream (drawn again identically to the numbering pass).
    pub planner: Planner,
    /// Reference numbers of the files, in the order met.
    pub numbering: Numbering,
    /// Index of the next file in `numbering`.
    pub next_file: usize,
    /// Reference day.
    pub today: NaiveDate,
    /// Reference instant: nothing is recorded after it.
    pub now: DateTime<Utc>,
    /// First day of the history.
    pub start: NaiveDate,
    /// The staff.
    pub staff: Staff,
    /// Rows of the current chunk.
    pub batch: Batch,
    /// Tax codes given so far (they are unique among live persons).
    pub tax_codes: HashSet<String>,
    /// Counters for the manifest.
    pub stats: Stats,
    /// Persons to make.
    pub persons_target: usize,
    /// Persons made so far.
    pub persons_made: usize,
    /// The housing register and the stays laid so far.
    pub housing: Housing,
    /// The employment register (employers, contracts) the placements draw from.
    pub employment: Employment,
    /// The care resources the applications are made for.
    pub waiting: WaitingLists,
}

impl Generator {
    /// A generator for `settings`, with the staff already in its first batch.
    pub fn new(settings: &Settings, numbering: Numbering) -> anyhow::Result<Self> {
        let today = settings.today;
        let start = add(today, -HISTORY_DAYS);
        let now = today
            .and_hms_opt(17, 0, 0)
            .context("reference instant")?
            .and_utc();
        let mut rng = StdRng::seed_from_u64(settings.seed);
        let mut batch = Batch::default();
        let staff_created = add(start, -30)
            .and_hms_opt(8, 0, 0)
            .context("staff creation instant")?
            .and_utc();
        let staff = Staff::generate(&mut rng, settings.persons, staff_created, &mut batch)?;
        let housing = Housing::new(
            settings.seed,
            settings.persons,
            today,
            now,
            &staff,
            &mut batch,
        )?;
        let employment = Employment::new(
            settings.seed,
            settings.persons,
            today,
            now,
            &staff,
            &mut batch,
        )?;
        super::training::generate(settings.seed, today, now, &staff, &mut batch)?;
        let waiting = WaitingLists::new(settings.seed, today, now, &staff, &mut batch)?;
        Ok(Self {
            rng,
            planner: Planner::new(settings.seed, start, today),
            numbering,
            next_file: 0,
            today,
            now,
            start,
            staff,
            batch,
            tax_codes: HashSet::new(),
            stats: Stats::default(),
            persons_target: settings.persons,
            persons_made: 0,
            housing,
            employment,
            waiting,
        })
    }

    /// Whether every person has been made.
    pub fn done(&self) -> bool {
        self.persons_made >= self.persons_target
    }

    /// Generates units until the chunk holds at least `persons` persons (or all are made) and
    /// hands the chunk's rows over.
    pub fn chunk(&mut self, persons: usize) -> anyhow::Result<Batch> {
        let goal = (self.persons_made + persons).min(self.persons_target);
        while self.persons_made < goal {
            let mut unit = self.planner.unit();
            unit.truncate(self.persons_target - self.persons_made);
            self.persons_made += unit.person_rows();
            self.unit(&unit)?;
        }
        Ok(std::mem::take(&mut self.batch))
    }

    /// The counters of the case references: the last number given in each year.
    pub fn counters(&self) -> Batch {
        let mut batch = Batch::default();
        for (year, last) in &self.numbering.per_year {
            batch.case_reference_counters.push(CounterRow {
                year: *year,
                last_sequence: i32::try_from(*last).unwrap_or(i32::MAX),
            });
        }
        self.waiting.counters(&mut batch);
        batch
    }

    /// The next file's sequence number within its year.
    pub fn next_sequence(&mut self) -> anyhow::Result<u32> {
        let seq = self
            .numbering
            .sequences
            .get(self.next_file)
            .copied()
            .ok_or_else(|| {
                anyhow!(
                    "the skeleton drawn twice differs: no number for file {}",
                    self.next_file
                )
            })?;
        self.next_file += 1;
        Ok(seq)
    }

    /// A random instant not after `now`, on `day` (the last office minutes of today when `day`
    /// is today or later).
    pub fn time_on(&mut self, day: NaiveDate) -> DateTime<Utc> {
        let at = office_time(&mut self.rng, day.min(self.today));
        if at > self.now { self.now } else { at }
    }

    /// An instant `delay_days` (at most) after `day`, in office hours, never after `now`.
    pub fn time_after(&mut self, day: NaiveDate, delay_days: i64) -> DateTime<Utc> {
        let delay = self.rng.random_range(0..=delay_days.max(0));
        let day = add(day, delay).min(self.today);
        self.time_on(day)
    }

    /// `at` when it is not after `now`; otherwise a random instant between `base` and `now`
    /// (so that late events do not all pile up on the same instant).
    pub fn bounded(&mut self, base: DateTime<Utc>, at: DateTime<Utc>) -> DateTime<Utc> {
        if at <= self.now {
            return at;
        }
        if base >= self.now {
            return self.now;
        }
        let span = (self.now - base).num_microseconds().unwrap_or(0).max(1);
        base + Duration::microseconds(self.rng.random_range(0..span))
    }

    /// An instant in office hours of `day` recorded after `previous` (at least a minute later),
    /// never after `now`.
    pub fn after(&mut self, day: NaiveDate, previous: DateTime<Utc>) -> DateTime<Utc> {
        let at = later(self.time_on(day), previous + Duration::minutes(1));
        self.bounded(previous, at)
    }

    /// [`Generator::after`] on a day up to `delay_days` after `day`.
    pub fn after_within(
        &mut self,
        day: NaiveDate,
        delay_days: i64,
        previous: DateTime<Utc>,
    ) -> DateTime<Utc> {
        let at = later(
            self.time_after(day, delay_days),
            previous + Duration::minutes(1),
        );
        self.bounded(previous, at)
    }

    /// Clamps an instant to `now`.
    pub fn clamp(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        if at > self.now { self.now } else { at }
    }

    /// An id for a row recorded at `at`.
    pub fn id(&mut self, at: DateTime<Utc>) -> Uuid {
        id_at(&mut self.rng, at)
    }

    // -----------------------------------------------------------------------------------------
    // Units
    // -----------------------------------------------------------------------------------------

    /// Generates one unit of the skeleton.
    fn unit(&mut self, unit: &UnitPlan) -> anyhow::Result<()> {
        let case = !unit.files.is_empty();
        let first_area = unit.files.first().map(|f| f.area);
        // Who registers the head, and when: shortly before their first file, or at a random
        // moment of the history for persons who never had one.
        let (head_created, registrar) = match unit.files.first() {
            Some(file) => {
                let before = Duration::minutes(self.rng.random_range(5..60 * 24 * 20));
                let at = later(
                    file.created_at() - before,
                    self.start.and_time(chrono::NaiveTime::MIN).and_utc(),
                );
                let registrar = if chance(&mut self.rng, 0.7) {
                    self.staff.social_worker(&mut self.rng, file.area)
                } else {
                    self.staff.clerk(&mut self.rng)
                };
                (at, registrar)
            }
            None => {
                let day = self.history_day();
                (self.time_on(day), self.registrar())
            }
        };
        let head_spec = self.head_spec(first_area, head_created, registrar, unit)?;
        let head_address = head_spec.address.clone();
        let mut people = vec![self.person(&head_spec)?];
        if unit.household {
            self.household(unit, &mut people, &head_address, registrar)?;
        }
        if unit.duplicate {
            self.duplicate(&mut people, first_area.unwrap_or(Area::SocialInclusion))?;
        }
        for file in &unit.files {
            let owner = people
                .get(file.owner)
                .cloned()
                .ok_or_else(|| anyhow!("file owner {} missing", file.owner))?;
            let household_members: Vec<Person> = people
                .iter()
                .filter(|p| {
                    p.id != owner.id
                        && p.household.is_some()
                        && p.household.map(|h| h.0) == owner.household.map(|h| h.0)
                })
                .cloned()
                .collect();
            self.case_file(file, &owner, &household_members)?;
        }
        if !case && chance(&mut self.rng, 0.002) {
            // Registered by mistake and annulled (never with a file or a household).
            if let Some(row) = self
                .batch
                .persons
                .iter_mut()
                .rev()
                .find(|r| r.id.0 == people[0].id)
                && unit.size == 1
                && !unit.household
            {
                let at = office_time(
                    &mut self.rng,
                    add(people[0].created_at.date_naive(), 1).min(self.today),
                );
                let at = if at > self.now { self.now } else { at };
                row.annulled_at = Some(inst(at));
                row.annulled_by = Some(row.created_by);
                row.annulment_reason =
                    Some("Registrazione errata: persona non conosciuta dal servizio.".into());
                row.version += 1;
                row.updated_at = inst(at);
                row.updated_by = row.created_by;
            }
        }
        Ok(())
    }

    /// A day of the history, recent days more likely.
    fn history_day(&mut self) -> NaiveDate {
        super::plan::growing_day(&mut self.rng, self.start, self.today)
    }

    /// Someone who registers persons: a clerk, or a social worker of any area.
    fn registrar(&mut self) -> Uuid {
        if chance(&mut self.rng, 0.5) {
            self.staff.clerk(&mut self.rng)
        } else {
            let area = pick(&mut self.rng, &Area::ALL);
            self.staff.social_worker(&mut self.rng, area)
        }
    }

    /// The head of a unit: who comes to an area's services.
    fn head_spec(
        &mut self,
        area: Option<Area>,
        created_at: DateTime<Utc>,
        created_by: Uuid,
        unit: &UnitPlan,
    ) -> anyhow::Result<PersonSpec> {
        let (foreign_share, male_share, age) = match area {
            Some(Area::AdultsDisability) => (0.12, 0.5, (18, 88)),
            Some(Area::SocialInclusion) => (0.55, 0.6, (18, 75)),
            Some(Area::Transversal) => (0.35, 0.85, (19, 65)),
            None => (0.3, 0.5, (18, 90)),
        };
        let female = !chance(&mut self.rng, male_share);
        let age_days = self.rng.random_range(age.0 * 365..age.1 * 365);
        let birth = add(created_at.date_naive(), -age_days);
        let origin = chance(&mut self.rng, foreign_share).then(|| self.origin());
        let homeless =
            area == Some(Area::SocialInclusion) && unit.size == 1 && chance(&mut self.rng, 0.35);
        let address = if homeless {
            Address {
                kind: "fictitious",
                street: Some(FICTITIOUS_STREET.to_owned()),
                postal_code: Some("38122".into()),
                municipality: Some("Trento".into()),
                province: Some("TN".into()),
            }
        } else if chance(&mut self.rng, 0.03) {
            Address {
                kind: "none",
                street: None,
                postal_code: None,
                municipality: None,
                province: None,
            }
        } else {
            self.address()
        };
        Ok(PersonSpec {
            female,
            birth,
            origin,
            family_origin: None,
            family: None,
            address,
            created_at,
            created_by,
        })
    }

    /// A registered residence in one of the office's municipalities.
    fn address(&mut self) -> Address {
        let towns: Vec<(Town, u32)> = TOWNS
            .iter()
            .filter(|t| t.residence_weight > 0)
            .map(|t| (*t, t.residence_weight))
            .collect();
        let town = *weighted(&mut self.rng, &towns);
        let number = self.rng.random_range(1..160);
        let street = format!("{} {number}", pick(&mut self.rng, STREETS));
        Address {
            kind: "residence",
            street: Some(street),
            postal_code: Some((pick(&mut self.rng, town.postal_codes)).to_owned()),
            municipality: Some(town.name.to_owned()),
            province: Some(town.province.to_owned()),
        }
    }

    /// A country of origin.
    fn origin(&mut self) -> &'static Origin {
        let weighted_origins: Vec<(usize, u32)> = ORIGINS
            .iter()
            .enumerate()
            .map(|(i, o)| (i, o.weight))
            .collect();
        let i = *weighted(&mut self.rng, &weighted_origins);
        &ORIGINS[i]
    }

    /// An Italian surname: mostly common ones, sometimes two, sometimes a rare one.
    fn italian_family(&mut self) -> String {
        if chance(&mut self.rng, 0.012) {
            return format!(
                "{}{}{}",
                pick(&mut self.rng, RARE_PREFIX),
                pick(&mut self.rng, RARE_MIDDLE),
                pick(&mut self.rng, RARE_SUFFIX)
            );
        }
        let first = *weighted(&mut self.rng, IT_FAMILY);
        if chance(&mut self.rng, 0.02) {
            let second = *weighted(&mut self.rng, IT_FAMILY);
            if second != first {
                return format!("{first} {second}");
            }
        }
        first.to_owned()
    }

    /// Given and family names for a person.
    fn names(
        &mut self,
        female: bool,
        origin: Option<&'static Origin>,
        family: Option<&str>,
    ) -> (String, String) {
        match origin {
            Some(o) => {
                let given = pick(&mut self.rng, if female { o.female } else { o.male });
                let family = family
                    .map_or_else(|| (pick(&mut self.rng, o.family)).to_owned(), str::to_owned);
                ((*given).to_owned(), family)
            }
            None => {
                let given = weighted(&mut self.rng, if female { IT_FEMALE } else { IT_MALE });
                let family = family.map_or_else(|| self.italian_family(), str::to_owned);
                ((*given).to_owned(), family)
            }
        }
    }

    /// Registers a person: the row as the persistence layer maps it, and the name tokens the
    /// person search uses.
    pub fn person(&mut self, spec: &PersonSpec) -> anyhow::Result<Person> {
        let names_origin = spec.origin.or(spec.family_origin);
        let (given, family) = self.names(spec.female, names_origin, spec.family.as_deref());
        let born_abroad = spec.origin;
        let (birth_place, place_code) = match born_abroad {
            Some(o) => (o.name.to_owned(), o.belfiore),
            None if spec.family_origin.is_some() => ("Trento".to_owned(), "L378"),
            None => {
                let towns: Vec<(Town, u32)> = TOWNS.iter().map(|t| (*t, t.birth_weight)).collect();
                let town = *weighted(&mut self.rng, &towns);
                (town.name.to_owned(), town.belfiore)
            }
        };
        let foreign_citizen = match (born_abroad, spec.family_origin) {
            (Some(_), _) => !chance(&mut self.rng, 0.15),
            (None, Some(_)) => !chance(&mut self.rng, 0.3),
            (None, None) => false,
        };
        let citizenship = match (foreign_citizen, names_origin) {
            (true, Some(o)) => o.country,
            _ => "IT",
        };
        let sex = if spec.female {
            TaxCodeSex::Female
        } else {
            TaxCodeSex::Male
        };
        let code_share = if born_abroad.is_some() { 0.65 } else { 0.97 };
        let tax_code = if chance(&mut self.rng, code_share) {
            self.unique_tax_code(&family, &given, spec.birth, sex, place_code)
        } else if born_abroad.is_some() && chance(&mut self.rng, 0.2) {
            self.provisional_code()
        } else {
            None
        };
        let mut languages = vec![];
        match names_origin {
            Some(o) => {
                languages.extend(o.languages.iter().map(|l| (*l).to_owned()));
                if spec.origin.is_none() || chance(&mut self.rng, 0.7) {
                    languages.push("it".to_owned());
                }
            }
            None => languages.push("it".to_owned()),
        }
        let phone = chance(&mut self.rng, 0.75).then(|| {
            format!(
                "+39 3{:02} {:07}",
                self.rng.random_range(20..99),
                self.rng.random_range(0..9_999_999)
            )
        });
        let email = chance(&mut self.rng, 0.15).then(|| {
            let local: String = socialcare_domain::names::fold(&format!("{given} {family}"))
                .chars()
                .map(|c| if c == ' ' { '.' } else { c })
                .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
                .collect();
            let local = if local.is_empty() {
                "utente".to_owned()
            } else {
                local
            };
            format!(
                "{local}{}@{}",
                self.rng.random_range(1..99),
                pick(
                    &mut self.rng,
                    &["example.org", "mail.example.it", "posta.example.com"]
                )
            )
        });
        let input = PersonInput {
            given_names: given.clone(),
            family_names: family.clone(),
            birth_date: Some(spec.birth),
            birth_place: Some(birth_place),
            sex: Some(if spec.female { "female" } else { "male" }.to_owned()),
            citizenship: Some(citizenship.to_owned()),
            tax_code,
            residence: spec.address.input(),
            phone,
            email,
            languages,
        };
        let details = PersonDetails::parse(&input, self.today)
            .map_err(|e| anyhow!("generated person {given} {family} is invalid: {e}"))?;
        let created_at = self.clamp(spec.created_at);
        let id = self.id(created_at);
        // Some persons were corrected later (address, phone): their version moved on.
        let (version, updated_at, updated_by) = if chance(&mut self.rng, 0.18) {
            let edits = if chance(&mut self.rng, 0.2) { 2 } else { 1 };
            let day = day_between(&mut self.rng, created_at.date_naive(), self.today);
            let at = self.after(day, created_at);
            (1 + edits, at, self.registrar())
        } else {
            (1, created_at, spec.created_by)
        };
        let row = row_of(
            id,
            &details,
            version,
            (created_at, spec.created_by),
            (updated_at, updated_by),
        );
        self.batch.persons.push(PersonRow::from(row));
        self.tokens(id, &details);
        Ok(Person {
            id,
            female: spec.female,
            given,
            family,
            birth: spec.birth,
            origin: names_origin,
            foreign_citizen,
            created_at,
            household: None,
            residence: spec.address.kind,
        })
    }

    /// The search tokens of a person (exactly `PersonDetails::name_tokens`, what the
    /// persistence layer's `write_tokens` stores), and the counters behind the manifest's name
    /// fragments.
    fn tokens(&mut self, id: Uuid, details: &PersonDetails) {
        let tokens = details.name_tokens();
        let mut prefixes: HashSet<String> = HashSet::new();
        for token in &tokens {
            self.batch.person_name_tokens.push(NameTokenRow {
                token: token.clone(),
                person_id: DbUuid(id),
                sort_key: details.sort_key(),
            });
            *self.stats.tokens.entry(token.clone()).or_default() += 1;
            for len in [3, 4] {
                if token.chars().count() >= len {
                    prefixes.insert(token.chars().take(len).collect());
                }
            }
        }
        for prefix in prefixes {
            *self.stats.prefixes.entry(prefix).or_default() += 1;
        }
    }

    /// A valid tax code for the person, unique among the persons made so far: the plain code,
    /// or one of its omocodia variants when another person already holds it (as the revenue
    /// agency does), or none when every variant is taken.
    fn unique_tax_code(
        &mut self,
        family: &str,
        given: &str,
        birth: NaiveDate,
        sex: TaxCodeSex,
        place: &str,
    ) -> Option<String> {
        let code = encode_personal(&surname_code(family), &name_code(given), birth, sex, place)?;
        let mut candidate = code.as_str().to_owned();
        for level in 0..=7 {
            if level > 0 {
                candidate = omocode(code.as_str(), level)?;
            }
            if !self.tax_codes.contains(&candidate) {
                self.tax_codes.insert(candidate.clone());
                self.stats.personal_codes += 1;
                if level > 0 {
                    self.stats.omocodic_codes += 1;
                }
                return Some(candidate);
            }
        }
        self.stats.code_collisions_skipped += 1;
        None
    }

    /// An 11-digit provisional code (given to newly arrived persons while their personal code
    /// is being issued), unique and with its check digit.
    fn provisional_code(&mut self) -> Option<String> {
        for _ in 0..10 {
            let mut digits: Vec<u32> = (0..10).map(|_| self.rng.random_range(0..10)).collect();
            digits[0] = 9;
            let check = socialcare_domain::tax_code::provisional_check_digit(&digits);
            digits.push(check);
            let code: String = digits
                .iter()
                .filter_map(|d| char::from_digit(*d, 10))
                .collect();
            if TaxCode::parse(&code).is_ok() && self.tax_codes.insert(code.clone()) {
                self.stats.provisional_codes += 1;
                return Some(code);
            }
        }
        None
    }

    /// Forms a household around the head, with its history: members joined when they came to
    /// live together (newborns later), and some left since.
    fn household(
        &mut self,
        unit: &UnitPlan,
        people: &mut Vec<Person>,
        head_address: &Address,
        registrar: Uuid,
    ) -> anyhow::Result<()> {
        let head = people[0].clone();
        let minutes = self.rng.random_range(2..60 * 24 * 30);
        let created_at = self.bounded(
            head.created_at,
            head.created_at + Duration::minutes(minutes),
        );
        let household_id = self.id(created_at);
        let adult_on = add(head.birth, 18 * 365);
        let head_joined = day_between(
            &mut self.rng,
            add(created_at.date_naive(), -2500),
            created_at.date_naive(),
        )
        .max(adult_on)
        .min(created_at.date_naive());
        let mut version = 1i64;
        let mut updated = (created_at, registrar);
        let mut memberships: Vec<Membership> = Vec::new();
        let mut rows: Vec<(MemberRow, usize)> = Vec::new();
        let join = |this: &mut Self,
                    person: &mut Person,
                    index: usize,
                    relationship: Relationship,
                    joined_on: NaiveDate,
                    at: DateTime<Utc>,
                    memberships: &mut Vec<Membership>,
                    rows: &mut Vec<(MemberRow, usize)>|
         -> anyhow::Result<()> {
            let membership = Membership {
                person_id: person.id,
                household_id,
                relationship,
                joined_on,
                left_on: None,
            };
            check_join(&[], household_id, relationship, joined_on, memberships)
                .map_err(|e| anyhow!("generated household breaks a rule: {e}"))?;
            memberships.push(membership);
            let id = this.id(at);
            rows.push((
                MemberRow {
                    id: DbUuid(id),
                    household_id: DbUuid(household_id),
                    person_id: DbUuid(person.id),
                    relationship: relationship.as_str().to_owned(),
                    joined_on,
                    left_on: None,
                    created_at: inst(at),
                    created_by: DbUuid(registrar),
                    ended_at: None,
                    ended_by: None,
                },
                index,
            ));
            person.household = Some((household_id, joined_on));
            Ok(())
        };
        {
            let mut head_mut = people[0].clone();
            join(
                self,
                &mut head_mut,
                0,
                Relationship::ReferencePerson,
                head_joined,
                created_at,
                &mut memberships,
                &mut rows,
            )?;
            people[0] = head_mut;
        }
        let head_age = (head_joined - head.birth).num_days() / 365;
        let mut has_partner = false;
        for index in 1..unit.size {
            // A member with a case file of their own is an adult, registered before it.
            let own_file = unit
                .files
                .iter()
                .filter(|f| f.owner == index)
                .map(|f| f.created_at())
                .min();
            let relationship = if own_file.is_some() {
                *weighted(
                    &mut self.rng,
                    &[
                        (Relationship::Spouse, 6),
                        (Relationship::Partner, 2),
                        (Relationship::Parent, 1),
                        (Relationship::Sibling, 1),
                    ],
                )
            } else if index == 1 && head_age >= 20 {
                *weighted(
                    &mut self.rng,
                    &[
                        (Relationship::Spouse, 50),
                        (Relationship::Partner, 15),
                        (Relationship::Child, 22),
                        (Relationship::Parent, 6),
                        (Relationship::Sibling, 4),
                        (Relationship::Cohabitant, 3),
                    ],
                )
            } else if index == 1 {
                Relationship::Parent
            } else {
                *weighted(
                    &mut self.rng,
                    &[
                        (Relationship::Child, 72),
                        (Relationship::Parent, 6),
                        (Relationship::Grandchild, 6),
                        (Relationship::Sibling, 5),
                        (Relationship::OtherRelative, 6),
                        (Relationship::Cohabitant, 5),
                    ],
                )
            };
            let partner = matches!(relationship, Relationship::Spouse | Relationship::Partner);
            has_partner |= partner;
            let head_age_days = (created_at.date_naive() - head.birth).num_days();
            let (female, birth_days_ago) = match relationship {
                Relationship::Spouse | Relationship::Partner => (
                    if chance(&mut self.rng, 0.96) {
                        !head.female
                    } else {
                        head.female
                    },
                    (head_age_days + self.rng.random_range(-6 * 365..6 * 365)).max(18 * 365),
                ),
                Relationship::Child => (
                    chance(&mut self.rng, 0.5),
                    (head_age_days - self.rng.random_range(18 * 365..42 * 365))
                        .max(self.rng.random_range(-4 * 365..16 * 365)),
                ),
                Relationship::Grandchild => (
                    chance(&mut self.rng, 0.5),
                    (head_age_days - self.rng.random_range(45 * 365..62 * 365))
                        .max(self.rng.random_range(-2 * 365..10 * 365)),
                ),
                Relationship::Parent => (
                    chance(&mut self.rng, 0.6),
                    (head_age_days + self.rng.random_range(20 * 365..36 * 365)).min(96 * 365),
                ),
                _ => (
                    chance(&mut self.rng, 0.5),
                    (head_age_days + self.rng.random_range(-10 * 365..10 * 365))
                        .clamp(18 * 365, 90 * 365),
                ),
            };
            let birth = add(created_at.date_naive(), -birth_days_ago).min(self.today);
            let birth = birth.max(socialcare_domain::person::earliest_birth_date());
            // Children take the father's surname (the head's, unless the head is a woman with a
            // partner in the household); others have their own.
            let family = match relationship {
                Relationship::Child | Relationship::Grandchild | Relationship::Sibling => {
                    if head.female && has_partner && relationship == Relationship::Child {
                        people
                            .get(1)
                            .filter(|_| unit.size > 1)
                            .map(|p| p.family.clone())
                    } else {
                        Some(head.family.clone())
                    }
                }
                Relationship::Parent if !female => Some(head.family.clone()),
                _ => None,
            };
            let young = birth > add(self.today, -18 * 365);
            let (origin, family_origin) = match head.origin {
                Some(o)
                    if matches!(relationship, Relationship::Child | Relationship::Grandchild)
                        && young
                        && chance(&mut self.rng, 0.5) =>
                {
                    (None, Some(o))
                }
                Some(o) if chance(&mut self.rng, 0.88) => (Some(o), None),
                Some(_) => (None, None),
                None if partner && chance(&mut self.rng, 0.08) => (Some(self.origin()), None),
                None => (None, None),
            };
            // A member born after the household was formed joins at birth, recorded later.
            let joined_on = head_joined.max(birth);
            let recorded = if joined_on > created_at.date_naive() {
                let day = add(joined_on, self.rng.random_range(3..40)).min(self.today);
                self.after(day, created_at)
            } else {
                created_at + Duration::minutes(i64::try_from(index).unwrap_or(1) * 3)
            };
            let recorded = self.bounded(created_at, recorded);
            let address = if head_address.kind == "residence" {
                head_address.clone()
            } else {
                self.address()
            };
            let spec = PersonSpec {
                female,
                birth,
                origin,
                family_origin,
                family,
                address,
                created_at: match own_file {
                    Some(file) if file <= recorded => {
                        file - Duration::minutes(self.rng.random_range(10..600))
                    }
                    _ => recorded - Duration::minutes(1),
                },
                created_by: registrar,
            };
            let mut person = self.person(&spec)?;
            join(
                self,
                &mut person,
                index,
                relationship,
                joined_on,
                recorded,
                &mut memberships,
                &mut rows,
            )?;
            version += 1;
            if recorded > updated.0 {
                updated = (recorded, registrar);
            }
            people.push(person);
        }
        // An adult child moved out.
        if unit.size >= 3
            && chance(&mut self.rng, 0.12)
            && let Some((row, index)) = rows
                .iter_mut()
                .find(|(r, i)| *i > 0 && r.relationship == "child")
        {
            {
                let person = &mut people[*index];
                let earliest = add(row.joined_on.max(add(person.birth, 18 * 365)), 1);
                if earliest < self.today {
                    let left_on = day_between(&mut self.rng, earliest, self.today);
                    let membership = memberships
                        .iter()
                        .find(|m| m.person_id == person.id)
                        .copied()
                        .context("membership")?;
                    check_leave(&membership, left_on)
                        .map_err(|e| anyhow!("generated leave breaks a rule: {e}"))?;
                    let at = self.after_within(left_on, 10, row.created_at.0);
                    row.left_on = Some(left_on);
                    row.ended_at = Some(inst(at));
                    row.ended_by = Some(DbUuid(registrar));
                    person.household = None;
                    version += 1;
                    if at > updated.0 {
                        updated = (at, registrar);
                    }
                }
            }
        }
        self.batch.households.push(HouseholdRow {
            id: DbUuid(household_id),
            version,
            created_at: inst(created_at),
            created_by: DbUuid(registrar),
            updated_at: inst(updated.0),
            updated_by: DbUuid(updated.1),
        });
        self.batch
            .household_members
            .extend(rows.into_iter().map(|(r, _)| r));
        Ok(())
    }

    /// The head registered a second time (a spelling variant, no tax code), found and merged:
    /// the duplicate is annulled, the head's record updated, and the merge recorded.
    fn duplicate(&mut self, people: &mut [Person], area: Area) -> anyhow::Result<()> {
        let head = people[0].clone();
        // Registered again some days later, merged some days after that, before `now` (the
        // planner makes duplicates only of persons registered long enough ago).
        let days = self.rng.random_range(1..30);
        let created_at = later(
            head.created_at + Duration::minutes(10),
            (head.created_at + Duration::days(days)).min(self.now - Duration::days(20)),
        );
        let given = socialcare_domain::names::fold(&head.given);
        let given = capitalise(&given);
        let registrar = self.staff.clerk(&mut self.rng);
        let input = PersonInput {
            given_names: given,
            family_names: head.family.to_uppercase(),
            birth_date: Some(head.birth),
            birth_place: None,
            sex: Some(if head.female { "female" } else { "male" }.to_owned()),
            citizenship: None,
            tax_code: None,
            residence: ResidenceInput {
                kind: "none".into(),
                ..ResidenceInput::default()
            },
            phone: None,
            email: None,
            languages: vec![],
        };
        let details = PersonDetails::parse(&input, self.today)
            .map_err(|e| anyhow!("generated duplicate is invalid: {e}"))?;
        let id = self.id(created_at);
        let days = self.rng.random_range(1..20);
        let merged_at = self.bounded(created_at, created_at + Duration::days(days));
        let actor = self.staff.coordinator(&mut self.rng, area);
        let reason = "Stessa persona registrata due volte: verificato il documento d'identità.";
        let mut row = PersonRow::from(row_of(
            id,
            &details,
            2,
            (created_at, registrar),
            (merged_at, actor),
        ));
        row.annulled_at = Some(inst(merged_at));
        row.annulled_by = Some(DbUuid(actor));
        row.annulment_reason = Some(format!("merged into {}: {reason}", head.id));
        self.batch.persons.push(row);
        self.tokens(id, &details);
        if let Some(survivor) = self.batch.persons.iter_mut().find(|r| r.id.0 == head.id) {
            survivor.version += 1;
            if merged_at > survivor.updated_at.0 {
                survivor.updated_at = inst(merged_at);
                survivor.updated_by = DbUuid(actor);
            }
        }
        let merge_id = self.id(merged_at);
        self.batch.person_merges.push(MergeRow {
            id: DbUuid(merge_id),
            survivor_id: DbUuid(head.id),
            duplicate_id: DbUuid(id),
            reason: reason.to_owned(),
            moved_case_files: String::new(),
            merged_by: DbUuid(actor),
            merged_at: inst(merged_at),
        });
        Ok(())
    }

    /// Records a case file in the current case manager's caseload (for the manifest).
    pub fn note_caseload(&mut self, manager: Uuid, file: Uuid, status: CaseStatus) {
        self.stats
            .caseloads
            .entry(manager)
            .or_default()
            .push((file, status));
    }

    /// The year of a day, as the counters store it.
    pub fn year(day: NaiveDate) -> i32 {
        day.year()
    }
}

/// Replaces digits of a personal code with omocodia letters, from the right, `level` of them,
/// and recomputes the check character.
pub fn omocode(code: &str, level: usize) -> Option<String> {
    const POSITIONS: [usize; 7] = [14, 13, 12, 10, 9, 7, 6];
    const LETTERS: &[u8; 10] = b"LMNPQRSTUV";
    let mut bytes: Vec<u8> = code.as_bytes().get(..15)?.to_vec();
    for &i in POSITIONS.iter().take(level) {
        let digit = bytes.get(i)?.checked_sub(b'0')?;
        *bytes.get_mut(i)? = *LETTERS.get(usize::from(digit))?;
    }
    let first15 = String::from_utf8(bytes).ok()?;
    let check = compute_check_character(&first15)?;
    let candidate = format!("{first15}{check}");
    TaxCode::parse(&candidate)
        .ok()
        .map(|c| c.as_str().to_owned())
}

/// Upper-cases the first letter of each word.
fn capitalise(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn omocodia_variants_are_valid_and_distinct() {
        let base = "RSSMRA85T10A562S";
        let mut seen = std::collections::HashSet::new();
        seen.insert(base.to_owned());
        for level in 1..=7 {
            let code = omocode(base, level).expect("variant");
            assert!(TaxCode::parse(&code).is_ok(), "{code}");
            assert!(seen.insert(code));
        }
    }

    #[test]
    fn provisional_codes_pass_the_domain_check() {
        let digits = [9, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        let check = socialcare_domain::tax_code::provisional_check_digit(&digits);
        let code: String = digits
            .iter()
            .chain(std::iter::once(&check))
            .filter_map(|d| char::from_digit(*d, 10))
            .collect();
        assert!(TaxCode::parse(&code).unwrap().is_provisional());
    }
}
