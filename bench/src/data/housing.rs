//! Housing: the facility register (every kind in the three areas, men / women / mixed /
//! families, a closed facility, beds out of service, the winter emergency plan's seasonal
//! beds of the last and of the coming winter) and a year of placements in every state with
//! their nights.
//!
//! Stays are laid place by place: each place of each bed has a cursor, the first night on
//! which it is free, and a stay booked there starts at or after it and moves it past its last
//! night kept. So no place holds two persons on a night, and a person's next stay starts after
//! the last night of their previous one, whichever of their case files it belongs to: the rows
//! satisfy the database's own keys (`bed_nights` by bed, night and place; one bed a night per
//! person), as the server's bookings do. Eligibility (the facility's and the bed's sex rule, the
//! facility's target groups) is decided by the domain's own check.
//!
//! Housing has its own random stream, so adding it left every other generated row unchanged.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use socialcare_domain::Area;
use socialcare_domain::case_file::TargetGroup;
use socialcare_domain::housing::{
    ExitDestination, FacilityKind, PlacementStatus, PlacementTransition, Takes, Tracking,
    check_eligibility,
};
use socialcare_domain::person::Sex;
use socialcare_persistence::sql_types::DbUuid;
use uuid::Uuid;

use super::cases::FileFacts;
use super::rows::{
    Batch, BedNightRow, BedPlaceRow, BedRow, FacilityGroupRow, FacilityRow, OutOfServiceRow,
    PlacementRow, PlacementTransitionRow,
};
use super::staff::Staff;
use super::util::{add, chance, days_between, id_at, inst, later, office_time, weighted};

/// Separates the housing stream from the others drawn from the same seed.
const HOUSING_STREAM: u64 = 0x686f_7573_696e_6721;
/// Seasonal beds a night shelter adds for each winter.
const SEASONAL_BEDS: usize = 5;
/// How far a stay may start after its place became free before the generator looks for
/// another place (keeps the beds busy).
const MAX_WAIT_DAYS: i64 = 45;
/// Places tried for one case file.
const TRIES: usize = 8;

/// A bed to record: its unit, its label and its season, if seasonal.
type PlannedBed = (String, String, Option<(NaiveDate, NaiveDate)>);

/// A facility as the stays need it.
#[derive(Debug, Clone)]
struct FacilityPlan {
    id: Uuid,
    kind: FacilityKind,
    takes: Takes,
    groups: Vec<TargetGroup>,
}

/// One place of one bed, with the nights it can be booked and its cursor.
#[derive(Debug, Clone)]
struct PlacePlan {
    facility: usize,
    bed: Uuid,
    place: i16,
    bed_takes: Option<Takes>,
    /// The nights `[from, until)` the place exists within the generated year.
    window: (NaiveDate, NaiveDate),
    /// Out-of-service periods `[from, until)` (an open one until the window's end).
    out: Vec<(NaiveDate, NaiveDate)>,
    /// The first night the place is free.
    cursor: NaiveDate,
}

/// The housing register and the state of the stays laid so far.
#[derive(Debug)]
pub struct Housing {
    rng: StdRng,
    today: NaiveDate,
    now: DateTime<Utc>,
    facilities: Vec<FacilityPlan>,
    places: Vec<PlacePlan>,
    /// For each person placed, the first night after their last stay.
    busy: HashMap<Uuid, NaiveDate>,
}

/// The facilities of a data set of `persons` persons: 200 for a million, at least two of each
/// kind, at most 400.
pub fn facility_count(persons: usize) -> usize {
    (persons / 5_000).clamp(14, 400)
}

/// The ordinary beds of each facility (besides a night shelter's seasonal ones): 25 for a
/// million persons (5 000 beds), fewer for fewer persons so that the beds stay about as busy.
pub fn beds_per_facility(persons: usize) -> usize {
    (persons / facility_count(persons) / 200).clamp(3, 25)
}

fn area_of(kind: FacilityKind, n: usize) -> Area {
    match kind {
        FacilityKind::DisabilityResidence => Area::AdultsDisability,
        FacilityKind::NightShelter | FacilityKind::HousingFirstFlat => {
            [Area::SocialInclusion, Area::Transversal][n % 2]
        }
        _ => [
            Area::SocialInclusion,
            Area::AdultsDisability,
            Area::Transversal,
        ][n % 3],
    }
}

fn takes_of(kind: FacilityKind, n: usize) -> Takes {
    match kind {
        FacilityKind::NightShelter => [Takes::Men, Takes::Women, Takes::Men][n % 3],
        FacilityKind::DisabilityResidence => Takes::Mixed,
        FacilityKind::CoHousing | FacilityKind::SocialHousingUnit => {
            [Takes::Families, Takes::Mixed][n % 2]
        }
        _ => [Takes::Men, Takes::Women, Takes::Mixed][n % 3],
    }
}

fn groups_of(kind: FacilityKind, n: usize) -> Vec<TargetGroup> {
    match kind {
        FacilityKind::NightShelter if n.is_multiple_of(2) => vec![TargetGroup::Homeless],
        FacilityKind::HousingFirstFlat => vec![TargetGroup::Homeless],
        FacilityKind::DisabilityResidence => vec![TargetGroup::PersonWithDisability],
        FacilityKind::AdultReception if n.is_multiple_of(3) => vec![
            TargetGroup::InternationalProtection,
            TargetGroup::RomaSintiCaminanti,
        ],
        _ => Vec::new(),
    }
}

/// The first of December of the last winter that began on or before `today`'s year's end
/// of season (the winter in progress, or the last one).
fn last_winter(today: NaiveDate) -> anyhow::Result<NaiveDate> {
    let this_year = NaiveDate::from_ymd_opt(today.year(), 12, 1).context("winter start")?;
    if today >= this_year {
        Ok(this_year)
    } else {
        NaiveDate::from_ymd_opt(today.year() - 1, 12, 1).context("winter start")
    }
}

impl Housing {
    /// The register of a data set of `persons` persons, written into `batch`: facilities with
    /// their target groups, beds, places and out-of-service periods, recorded by the
    /// administrative staff.
    pub fn new(
        seed: u64,
        persons: usize,
        today: NaiveDate,
        now: DateTime<Utc>,
        staff: &Staff,
        batch: &mut Batch,
    ) -> anyhow::Result<Self> {
        let mut rng = StdRng::seed_from_u64(seed ^ HOUSING_STREAM);
        let year = (add(today, -365), add(today, 120));
        let winter = last_winter(today)?;
        let winters = [
            (winter, add(winter, 121)),
            (add(winter, 365), add(winter, 365 + 121)),
        ];
        let mut facilities = Vec::new();
        let mut places = Vec::new();
        let mut bed_number = 0usize;
        let per_facility = beds_per_facility(persons);
        for n in 0..facility_count(persons) {
            let kind = FacilityKind::ALL[n % FacilityKind::ALL.len()];
            let area = area_of(kind, n / FacilityKind::ALL.len());
            let takes = takes_of(kind, n / FacilityKind::ALL.len());
            let groups = groups_of(kind, n / FacilityKind::ALL.len());
            let opens_on = add(today, -3 * 365 - i64::try_from(n * 11 % 365).unwrap_or(0));
            let closes_on = (n % 50 == 49).then(|| add(today, -60));
            let clerk = staff.clerk(&mut rng);
            let created = office_time(&mut rng, add(opens_on, -20));
            let id = id_at(&mut rng, created);
            let accessible = n.is_multiple_of(4);
            batch.facilities.push(FacilityRow {
                id: DbUuid(id),
                name: format!("{} {:03}", facility_name(kind), n + 1),
                kind: kind.as_str().to_owned(),
                area: area.as_str().to_owned(),
                operator: format!("Cooperativa sociale {}", OPERATORS[n % OPERATORS.len()]),
                street: format!("Via {} {}", STREETS[n % STREETS.len()], 1 + n % 90),
                municipality: "Trento".to_owned(),
                postcode: Some(format!("381{:02}", 21 + n % 3)),
                takes: takes.as_str().to_owned(),
                accessible,
                opens_on,
                closes_on,
                phone: Some(format!("0461 {:06}", 100_000 + n * 37)),
                email: (n % 3 != 2).then(|| format!("struttura{:03}@example.org", n + 1)),
                version: if closes_on.is_some() { 2 } else { 1 },
                created_at: inst(created),
                created_by: DbUuid(clerk),
                updated_at: inst(match closes_on {
                    Some(c) => later(created, office_time(&mut rng, add(c, -30))),
                    None => created,
                }),
                updated_by: DbUuid(clerk),
            });
            for group in &groups {
                batch.facility_target_groups.push(FacilityGroupRow {
                    facility_id: DbUuid(id),
                    target_group: group.as_str().to_owned(),
                });
            }
            let facility = facilities.len();
            facilities.push(FacilityPlan {
                id,
                kind,
                takes,
                groups,
            });
            let end = closes_on.unwrap_or(year.1).min(year.1);
            // The ordinary beds, then a night shelter's seasonal beds of each winter.
            let mut beds: Vec<PlannedBed> = (0..per_facility)
                .map(|b| {
                    (
                        format!("Unità {}", 1 + b / 5),
                        format!("Posto {}", b + 1),
                        None,
                    )
                })
                .collect();
            if kind == FacilityKind::NightShelter {
                for (from, until) in winters {
                    for k in 0..SEASONAL_BEDS {
                        beds.push((
                            format!("Emergenza freddo {}/{}", from.year(), from.year() + 1),
                            format!("Posto {}", k + 1),
                            Some((from, until)),
                        ));
                    }
                }
            }
            for (b, (unit, label, season)) in beds.into_iter().enumerate() {
                bed_number += 1;
                let capacity: i16 = match (takes, b % 10) {
                    (Takes::Families, _) => 4,
                    (_, 0) => 2,
                    _ => 1,
                };
                let bed_takes = (takes == Takes::Mixed && b < 5).then_some(Takes::Women);
                let bed_opens = season.map_or(opens_on, |(from, _)| add(from, -10).max(opens_on));
                let bed_created = later(created, office_time(&mut rng, add(bed_opens, -5)));
                let bed = id_at(&mut rng, bed_created);
                batch.beds.push(BedRow {
                    id: DbUuid(bed),
                    facility_id: DbUuid(id),
                    unit,
                    label,
                    capacity,
                    takes: bed_takes.map(|t| t.as_str().to_owned()),
                    accessible: accessible || b.is_multiple_of(12),
                    opens_on: bed_opens,
                    closes_on: None,
                    season_from: season.map(|s| s.0),
                    season_until: season.map(|s| s.1),
                    version: 1,
                    created_at: inst(bed_created),
                    created_by: DbUuid(clerk),
                    updated_at: inst(bed_created),
                    updated_by: DbUuid(clerk),
                });
                let mut out = Vec::new();
                if bed_number % 40 == 7 && season.is_none() {
                    let (from, until) = (add(today, -200), add(today, -186));
                    out.push((from, until));
                    let at = later(bed_created, office_time(&mut rng, add(from, -2)));
                    batch.bed_out_of_service.push(OutOfServiceRow {
                        id: DbUuid(id_at(&mut rng, at)),
                        bed_id: DbUuid(bed),
                        from_on: from,
                        until_on: Some(until),
                        reason: "Manutenzione straordinaria del bagno".to_owned(),
                        recorded_by: DbUuid(clerk),
                        recorded_at: inst(at),
                    });
                } else if bed_number % 97 == 3 && season.is_none() {
                    let from = add(today, -3);
                    out.push((from, end));
                    let at = later(bed_created, office_time(&mut rng, from).min(now));
                    batch.bed_out_of_service.push(OutOfServiceRow {
                        id: DbUuid(id_at(&mut rng, at)),
                        bed_id: DbUuid(bed),
                        from_on: from,
                        until_on: None,
                        reason: "Guasto all'impianto elettrico, in attesa di riparazione"
                            .to_owned(),
                        recorded_by: DbUuid(clerk),
                        recorded_at: inst(at),
                    });
                }
                let (from, until) = season.unwrap_or((year.0, end));
                let window = (from.max(year.0).max(bed_opens), until.min(end));
                for place in 0..capacity {
                    batch.bed_places.push(BedPlaceRow {
                        bed_id: DbUuid(bed),
                        place,
                    });
                    if window.0 < window.1 {
                        let cursor = add(window.0, rng.random_range(0..20));
                        places.push(PlacePlan {
                            facility,
                            bed,
                            place,
                            bed_takes,
                            window,
                            out: out.clone(),
                            cursor,
                        });
                    }
                }
            }
        }
        Ok(Self {
            rng,
            today,
            now,
            facilities,
            places,
            busy: HashMap::new(),
        })
    }

    /// Sometimes places the person of `facts` in a free place for one stay that fits one of
    /// the file's open periods, writing the placement, its transitions and its nights into
    /// `batch`.
    pub fn stays(&mut self, facts: &FileFacts, batch: &mut Batch) -> anyhow::Result<()> {
        let wanted = if facts.groups.contains(&TargetGroup::Homeless) {
            0.8
        } else if facts.groups.iter().any(|g| {
            matches!(
                g,
                TargetGroup::InternationalProtection | TargetGroup::RomaSintiCaminanti
            )
        }) {
            0.5
        } else if facts.groups.contains(&TargetGroup::PersonWithDisability) {
            0.3
        } else {
            0.1
        };
        if self.places.is_empty() || !chance(&mut self.rng, wanted) {
            return Ok(());
        }
        let sex = Some(if facts.person.female {
            Sex::Female
        } else {
            Sex::Male
        });
        let free_from = self.busy.get(&facts.person.id).copied();
        // Now and then a stay booked ahead for a file open today (a planned placement).
        let open_today = facts.open.last().is_some_and(|p| p.1 > self.today);
        let ahead = (open_today && chance(&mut self.rng, 0.12))
            .then(|| add(self.today, self.rng.random_range(1..21)));
        for _ in 0..TRIES {
            let index = self.rng.random_range(0..self.places.len());
            let (cursor, kind) = {
                let place = &self.places[index];
                let facility = &self.facilities[place.facility];
                if check_eligibility(
                    sex,
                    &facts.groups,
                    facility.takes,
                    &facility.groups,
                    place.bed_takes,
                )
                .is_err()
                {
                    continue;
                }
                (place.cursor, facility.kind)
            };
            let earliest = free_from.map_or(cursor, |f| f.max(cursor));
            let earliest = ahead.map_or(earliest, |a| a.max(earliest));
            let Some((from, limit)) = self.fit(facts, index, earliest) else {
                continue;
            };
            if ahead.is_none() && days_between(cursor, from) > MAX_WAIT_DAYS {
                continue;
            }
            let length = self.length(kind);
            let until = add(from, length).min(limit);
            if until <= from {
                continue;
            }
            let kept = self.book(facts, index, from, until, batch)?;
            let gap = self.rng.random_range(0..4);
            if let Some(last) = kept {
                self.places[index].cursor = add(last, gap);
                self.busy.insert(facts.person.id, last);
            }
            return Ok(());
        }
        Ok(())
    }

    /// The first night on or after `earliest` that the place and the file can start a stay,
    /// with the first night the stay must end by (the place's window, its next out-of-service
    /// period, the end of the file's open period unless the file is open today).
    fn fit(
        &self,
        facts: &FileFacts,
        index: usize,
        earliest: NaiveDate,
    ) -> Option<(NaiveDate, NaiveDate)> {
        let place = &self.places[index];
        let mut from = earliest.max(place.window.0);
        for (start, end) in &place.out {
            if from >= *start && from < *end {
                from = *end;
            }
        }
        let open_today = add(self.today, 1);
        // The period of a file open today goes on (its recorded end is tomorrow).
        let (open_from, open_until) = facts
            .open
            .iter()
            .map(|(f, u)| (*f, if *u >= open_today { NaiveDate::MAX } else { *u }))
            .find(|(_, until)| *until > from)?;
        let from = from.max(open_from);
        let mut limit = place.window.1;
        if open_until < open_today {
            limit = limit.min(open_until);
        } else if from >= open_today {
            // A stay planned ahead only for a file open today.
            limit = limit.min(add(self.today, 120));
        }
        if let Some((start, _)) = place.out.iter().find(|(start, _)| *start > from) {
            limit = limit.min(*start);
        }
        if place.out.iter().any(|(s, e)| from >= *s && from < *e) {
            return None;
        }
        (from < limit).then_some((from, limit))
    }

    /// Nights a stay in a facility of `kind` is booked for.
    fn length(&mut self, kind: FacilityKind) -> i64 {
        match kind {
            FacilityKind::NightShelter => *weighted(
                &mut self.rng,
                &[(1, 30), (2, 10), (3, 10), (7, 25), (14, 20), (30, 5)],
            ),
            FacilityKind::AdultReception => self.rng.random_range(30..=180),
            _ => self.rng.random_range(90..=365),
        }
    }

    /// Books the stay `[from, until)` of `facts`'s person in place `index` and settles it as
    /// today would find it (planned, active, ended or cancelled); the first night after the
    /// last night it keeps (`None` when it keeps none).
    fn book(
        &mut self,
        facts: &FileFacts,
        index: usize,
        from: NaiveDate,
        until: NaiveDate,
        batch: &mut Batch,
    ) -> anyhow::Result<Option<NaiveDate>> {
        let today = self.today;
        let place = self.places[index].clone();
        let facility = self.facilities[place.facility].clone();
        let tracking = facility.kind.tracking();
        let booked_on = add(from, -self.rng.random_range(0..10))
            .max(facts.opened_on)
            .min(today);
        let created = self.at(booked_on, None);
        let id = id_at(&mut self.rng, created);
        let manager = facts.manager_on(booked_on);
        // What happened to the stay by today.
        let mut transitions: Vec<(
            PlacementTransition,
            PlacementStatus,
            PlacementStatus,
            NaiveDate,
        )> = Vec::new();
        let (mut started_on, mut ended_on, mut exit, mut cancel) = (None, None, None, None);
        let never_came = chance(&mut self.rng, 0.06);
        if never_came && from > booked_on {
            // Cancelled before the first night, or on the day of a planned one ahead.
            let on = add(from, -1).min(today).max(booked_on);
            transitions.push((
                PlacementTransition::Cancel,
                PlacementStatus::Planned,
                PlacementStatus::Cancelled,
                on,
            ));
            cancel = Some(String::from(*weighted(
                &mut self.rng,
                &[
                    ("La persona ha trovato un'altra sistemazione", 4),
                    ("La persona non si è presentata all'appuntamento", 3),
                    ("Ricovero ospedaliero prima dell'ingresso", 1),
                ],
            )));
        } else if from <= today {
            started_on = Some(from);
            transitions.push((
                PlacementTransition::Start,
                PlacementStatus::Planned,
                PlacementStatus::Active,
                from,
            ));
            let early = chance(&mut self.rng, 0.2) && days_between(from, until) > 1;
            let end = if early {
                add(from, self.rng.random_range(1..days_between(from, until)))
            } else {
                until
            };
            if end <= today {
                ended_on = Some(end);
                exit = Some(*weighted(
                    &mut self.rng,
                    &[
                        (ExitDestination::OwnHousing, 20),
                        (ExitDestination::Family, 12),
                        (ExitDestination::OtherFacility, 25),
                        (ExitDestination::Hospital, 5),
                        (ExitDestination::Prison, 2),
                        (ExitDestination::Street, 18),
                        (ExitDestination::Unknown, 16),
                        (ExitDestination::Deceased, 1),
                    ],
                ));
                transitions.push((
                    PlacementTransition::End,
                    PlacementStatus::Active,
                    PlacementStatus::Ended,
                    end,
                ));
            }
        }
        let status = transitions.last().map_or(PlacementStatus::Planned, |t| t.2);
        let mut recorded = created;
        let mut transition_rows = Vec::with_capacity(transitions.len());
        for (transition, from_status, to_status, on) in &transitions {
            recorded = self.at(*on, Some(recorded));
            transition_rows.push(PlacementTransitionRow {
                id: DbUuid(id_at(&mut self.rng, recorded)),
                placement_id: DbUuid(id),
                transition: transition.as_str().to_owned(),
                from_status: from_status.as_str().to_owned(),
                to_status: to_status.as_str().to_owned(),
                occurred_on: *on,
                author_id: DbUuid(facts.manager_on(*on)),
                recorded_at: inst(recorded),
            });
        }
        let kept_until = match (cancel.is_some(), ended_on) {
            (true, _) => None,
            (false, Some(end)) => Some(end.min(until)),
            (false, None) => Some(until),
        }
        .filter(|end| *end > from);
        batch.placements.push(PlacementRow {
            id: DbUuid(id),
            case_file_id: DbUuid(facts.id),
            person_id: DbUuid(facts.person.id),
            facility_id: DbUuid(facility.id),
            bed_id: DbUuid(place.bed),
            tracking: tracking.as_str().to_owned(),
            status: status.as_str().to_owned(),
            from_on: from,
            until_on: until,
            started_on,
            ended_on,
            exit_destination: exit.map(|e| e.as_str().to_owned()),
            exit_notes: None,
            cancel_reason: cancel,
            override_reason: None,
            version: 1 + i64::try_from(transitions.len()).unwrap_or(0),
            created_at: inst(created),
            created_by: DbUuid(manager),
            updated_at: inst(recorded),
            updated_by: DbUuid(
                transitions
                    .last()
                    .map_or(manager, |t| facts.manager_on(t.3)),
            ),
        });
        batch.placement_transitions.extend(transition_rows);
        if let Some(kept) = kept_until {
            let mut night = from;
            while night < kept {
                let attendance = if tracking == Tracking::NightByNight && night < today {
                    if chance(&mut self.rng, 0.9) {
                        "present"
                    } else {
                        "absent"
                    }
                } else {
                    "expected"
                };
                batch.bed_nights.push(BedNightRow {
                    bed_id: DbUuid(place.bed),
                    night,
                    place: place.place,
                    person_id: DbUuid(facts.person.id),
                    placement_id: DbUuid(id),
                    attendance: attendance.to_owned(),
                });
                night = add(night, 1);
            }
        }
        Ok(kept_until)
    }

    /// An office-hours instant on `day`, after `after`, never after the reference instant.
    fn at(&mut self, day: NaiveDate, after: Option<DateTime<Utc>>) -> DateTime<Utc> {
        let at = office_time(&mut self.rng, day);
        let at = after.map_or(at, |a| later(at, a + chrono::Duration::seconds(30)));
        at.min(self.now)
    }
}

fn facility_name(kind: FacilityKind) -> &'static str {
    match kind {
        FacilityKind::NightShelter => "Dormitorio",
        FacilityKind::AdultReception => "Centro di accoglienza",
        FacilityKind::ProtectedFlat => "Appartamento protetto",
        FacilityKind::HousingFirstFlat => "Appartamento Housing First",
        FacilityKind::CoHousing => "Coabitazione",
        FacilityKind::DisabilityResidence => "Residenza per persone con disabilità",
        FacilityKind::SocialHousingUnit => "Alloggio sociale",
    }
}

const OPERATORS: [&str; 9] = [
    "La Rete",
    "Il Ponte",
    "Kaleidoscopio",
    "Villa Sant'Ignazio",
    "Punto d'Approdo",
    "Arianna",
    "Samuele",
    "La Bussola",
    "Progetto 92",
];

const STREETS: [&str; 8] = [
    "Brennero",
    "Gocciadoro",
    "Sanseverino",
    "Perini",
    "Matteotti",
    "Fersina",
    "Vittorio Veneto",
    "Marsala",
];
