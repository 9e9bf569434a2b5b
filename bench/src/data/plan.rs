//! The skeleton of the data: how many persons each unit (a person and their household) has,
//! and which case files it opens in which area on which day.
//!
//! The skeleton comes from its own random stream, so that it can be drawn twice: once before
//! the load, to number the case files `CS-YYYY-NNNNNN` in the order they were opened within
//! each year (as the application numbers them), and again during the load, identically, while
//! the details come from the main stream.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rand::Rng;
use rand::SeedableRng;
use rand::rngs::StdRng;
use socialcare_domain::Area;

use super::util::{add, at_minute, chance, days_between, weighted};

/// A day of `[start, today]` drawn with a density that grows linearly from 1 (at `start`) to 2
/// (at `today`).
pub fn growing_day(rng: &mut StdRng, start: NaiveDate, today: NaiveDate) -> NaiveDate {
    let window = days_between(start, today).max(1) as f64;
    let u: f64 = rng.random();
    // Inverse of the distribution function F(x) = (x + x²/2) / 1.5 on [0, 1].
    let x = (1.0 + 3.0 * u).sqrt() - 1.0;
    add(start, ((window * x).floor() as i64).min(window as i64))
}

/// Seed offset of the skeleton stream.
const SKELETON_STREAM: u64 = 0x534b_454c_4554_4f4e;

/// A case file planned for a member of a unit.
#[derive(Debug, Clone)]
pub struct FilePlan {
    /// Index of the member (0: the unit's head).
    pub owner: usize,
    /// Owning area.
    pub area: Area,
    /// Opening day.
    pub opened_on: NaiveDate,
    /// Seconds after midnight UTC of `opened_on` when it was recorded.
    pub created_secs: u32,
    /// The file must be closed before this day (another file of the same person in the same
    /// area opens then).
    pub close_before: Option<NaiveDate>,
}

impl FilePlan {
    /// When the file was recorded.
    pub fn created_at(&self) -> DateTime<Utc> {
        at_minute(self.opened_on, 0) + chrono::Duration::seconds(i64::from(self.created_secs))
    }
}

/// One unit: a head, their household members, and the files they open.
#[derive(Debug, Clone)]
pub struct UnitPlan {
    /// Persons of the unit (head first), duplicate record excluded.
    pub size: usize,
    /// Whether the unit forms a household (always when more than one person).
    pub household: bool,
    /// Whether the head was registered twice and the duplicate merged.
    pub duplicate: bool,
    /// Case files, in the order they are opened.
    pub files: Vec<FilePlan>,
}

impl UnitPlan {
    /// Persons rows of the unit, the duplicate record included.
    pub fn person_rows(&self) -> usize {
        self.size + usize::from(self.duplicate)
    }

    /// Cuts the unit to at most `persons` rows (the last unit of the load), dropping the files
    /// of members that no longer exist.
    pub fn truncate(&mut self, persons: usize) {
        if self.person_rows() <= persons {
            return;
        }
        if self.duplicate {
            self.duplicate = false;
        }
        self.size = self.size.min(persons).max(1);
        let size = self.size;
        self.files.retain(|f| f.owner < size);
        self.household = self.household && self.size > 1;
    }
}

/// The skeleton stream and the time window.
#[derive(Debug)]
pub struct Planner {
    rng: StdRng,
    start: NaiveDate,
    today: NaiveDate,
}

/// Relative weight of each area for a first case file.
const AREA_WEIGHTS: &[(Area, u32)] = &[
    (Area::AdultsDisability, 33),
    (Area::SocialInclusion, 47),
    (Area::Transversal, 20),
];

impl Planner {
    /// The skeleton stream of `seed` over the window `[start, today]`.
    pub fn new(seed: u64, start: NaiveDate, today: NaiveDate) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed ^ SKELETON_STREAM),
            start,
            today,
        }
    }

    /// A day of the window, recent days more likely: the office grows, and opens twice as many
    /// files a day now as at the start of the history.
    fn opening_day(&mut self) -> NaiveDate {
        growing_day(&mut self.rng, self.start, self.today)
    }

    fn file(&mut self, owner: usize, area: Area, opened_on: NaiveDate) -> FilePlan {
        FilePlan {
            owner,
            area,
            opened_on,
            created_secs: self.rng.random_range(7 * 3600 + 1800..16 * 3600 + 1800),
            close_before: None,
        }
    }

    /// The next unit.
    pub fn unit(&mut self) -> UnitPlan {
        let case = chance(&mut self.rng, 0.56);
        let size = if case {
            *weighted(
                &mut self.rng,
                &[(1usize, 40), (2, 22), (3, 16), (4, 12), (5, 6), (6, 4)],
            )
        } else {
            *weighted(&mut self.rng, &[(1usize, 55), (2, 25), (3, 12), (4, 8)])
        };
        let household = size > 1 || chance(&mut self.rng, if case { 0.5 } else { 0.3 });
        let mut files = Vec::new();
        if case {
            let area = *weighted(&mut self.rng, AREA_WEIGHTS);
            let opened_on = self.opening_day();
            files.push(self.file(0, area, opened_on));
            if chance(&mut self.rng, 0.12) {
                let room = days_between(opened_on, self.today);
                let same_area = room > 400 && chance(&mut self.rng, 0.5);
                if same_area {
                    let second_on = add(opened_on, self.rng.random_range(200..room));
                    if let Some(first) = files.first_mut() {
                        first.close_before = Some(second_on);
                    }
                    files.push(self.file(0, area, second_on));
                } else if room > 30 {
                    let other = loop {
                        let a = *weighted(&mut self.rng, AREA_WEIGHTS);
                        if a != area {
                            break a;
                        }
                    };
                    let second_on = add(opened_on, self.rng.random_range(30..room));
                    files.push(self.file(0, other, second_on));
                }
            }
            if size > 1 && chance(&mut self.rng, 0.06) {
                let area = *weighted(&mut self.rng, AREA_WEIGHTS);
                let opened_on = self.opening_day().max(opened_on);
                files.push(self.file(1, area, opened_on));
            }
        }
        // A duplicate record is found and merged some weeks after the person's first file.
        let duplicate = case
            && chance(&mut self.rng, 0.004)
            && files
                .first()
                .is_some_and(|f| days_between(f.opened_on, self.today) > 60);
        UnitPlan {
            size,
            household,
            duplicate,
            files,
        }
    }
}

/// The reference numbers of every case file of a load, in the order the load meets them.
#[derive(Debug, Clone, Default)]
pub struct Numbering {
    /// Sequence number of the n-th file met, within the year it was opened.
    pub sequences: Vec<u32>,
    /// Files per year: the last sequence number given in each year.
    pub per_year: BTreeMap<i32, u32>,
}

/// Draws the whole skeleton of a load of `persons` persons and numbers its case files: within
/// a year, by the instant they were recorded (then by the order they are met).
pub fn number_files(seed: u64, persons: usize, start: NaiveDate, today: NaiveDate) -> Numbering {
    let mut planner = Planner::new(seed, start, today);
    let mut keys: Vec<(i32, DateTime<Utc>, usize)> = Vec::new();
    let mut made = 0usize;
    while made < persons {
        let mut unit = planner.unit();
        unit.truncate(persons - made);
        made += unit.person_rows();
        for file in &unit.files {
            keys.push((file.opened_on.year(), file.created_at(), keys.len()));
        }
    }
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by_key(|&i| keys[i]);
    let mut numbering = Numbering {
        sequences: vec![0; keys.len()],
        per_year: BTreeMap::new(),
    };
    for i in order {
        let counter = numbering.per_year.entry(keys[i].0).or_insert(0);
        *counter += 1;
        numbering.sequences[i] = *counter;
    }
    numbering
}
