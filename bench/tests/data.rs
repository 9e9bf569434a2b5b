//! `socialcare-bench data` end to end: generates a small office into a temporary SQLite file
//! (and into a fresh PostgreSQL database on the server of `TEST_DATABASE_URL`; the engines follow
//! `SOCIALCARE_TEST_ENGINES`, see `socialcare_tests::engine_selected`), then checks the
//! proportions, the tax codes, determinism, and that the persistence layer reads everything back
//! (person search by the manifest's fragments, the case manager's caseload, every file's parts).
//!
//! `BENCH_TEST_PERSONS` changes the size (default 300).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use socialcare_domain::calendar;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::Value;
use socialcare_domain::case_file::{CaseStatus, TeamRole};
use socialcare_domain::housing::{FacilityKind, PlacementStatus};
use socialcare_domain::names::fold;
use socialcare_domain::tax_code::TaxCode;
use socialcare_persistence::case_files::{self, CaseFileQuery};
use socialcare_persistence::diary::{self, DiaryQuery};
use socialcare_persistence::persons::{self, PersonQuery};
use socialcare_persistence::schema::{
    beds as beds_t, case_files as case_files_t, case_reference_counters, diary_entries,
    facilities as facilities_t, person_name_tokens, persons as persons_t,
    placements as placements_t, users,
};
use socialcare_persistence::sensitive::SensitiveRecord;
use socialcare_persistence::sql_types::{DbInstant, DbUuid};
use socialcare_persistence::{
    AnyConnection, DbTarget, assessments, consents, households, housing, pacts, projects, referrals,
};
use socialcare_tests::{Engine, TestDatabase, engine_selected};
use uuid::Uuid;

fn persons_wanted() -> usize {
    std::env::var("BENCH_TEST_PERSONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

/// A temporary SQLite file, removed with its WAL files.
struct TempSqlite(PathBuf);

impl TempSqlite {
    fn new() -> Self {
        Self(std::env::temp_dir().join(format!("socialcare-bench-{}.db", Uuid::new_v4().simple())))
    }

    fn url(&self) -> String {
        format!("sqlite://{}", self.0.display())
    }
}

impl Drop for TempSqlite {
    fn drop(&mut self) {
        for file in socialcare_persistence::db::sqlite_files(&self.0) {
            let _ = std::fs::remove_file(file);
        }
    }
}

/// Runs the generator; returns its output or panics with it.
fn generate(url: &str, seed: u64, manifest: Option<&PathBuf>) -> String {
    let output = run(url, seed, manifest);
    assert!(
        output.status.success(),
        "socialcare-bench data failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn run(url: &str, seed: u64, manifest: Option<&PathBuf>) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_socialcare-bench"));
    command
        .args(["data", "--database-url", url, "--persons"])
        .arg(persons_wanted().to_string())
        .args(["--seed", &seed.to_string(), "--chunk-persons", "100"]);
    if let Some(path) = manifest {
        command.arg("--manifest").arg(path);
    }
    command.output().expect("run socialcare-bench")
}

fn connect(url: &str) -> AnyConnection {
    DbTarget::parse(url).unwrap().connect().unwrap()
}

/// Columns of `persons` compared for determinism.
type PersonColumns = (
    DbUuid,
    String,
    String,
    Option<String>,
    Option<NaiveDate>,
    DbInstant,
    i64,
);

/// The rows compared for determinism: same seed, same rows, on either engine.
#[derive(Debug, PartialEq)]
struct Dump {
    persons: Vec<PersonColumns>,
    files: Vec<(DbUuid, String, String, String, i64, DbInstant)>,
    diary: Vec<(DbUuid, DbUuid, String, DbInstant, bool)>,
    users: Vec<(DbUuid, String, String)>,
    placements: Vec<(DbUuid, DbUuid, String, NaiveDate, NaiveDate, DbInstant)>,
}

fn dump(conn: &mut AnyConnection) -> Dump {
    Dump {
        persons: persons_t::table
            .select((
                persons_t::id,
                persons_t::given_names,
                persons_t::family_names,
                persons_t::tax_code,
                persons_t::birth_date,
                persons_t::created_at,
                persons_t::version,
            ))
            .order(persons_t::id)
            .load(conn)
            .unwrap(),
        files: case_files_t::table
            .select((
                case_files_t::id,
                case_files_t::reference,
                case_files_t::area,
                case_files_t::status,
                case_files_t::version,
                case_files_t::updated_at,
            ))
            .order(case_files_t::id)
            .load(conn)
            .unwrap(),
        diary: diary_entries::table
            .select((
                diary_entries::id,
                diary_entries::author_id,
                diary_entries::text,
                diary_entries::occurred_at,
                diary_entries::restricted,
            ))
            .order(diary_entries::id)
            .load(conn)
            .unwrap(),
        users: users::table
            .select((users::id, users::username, users::password_hash))
            .order(users::id)
            .load(conn)
            .unwrap(),
        placements: placements_t::table
            .select((
                placements_t::id,
                placements_t::bed_id,
                placements_t::status,
                placements_t::from_on,
                placements_t::until_on,
                placements_t::updated_at,
            ))
            .order(placements_t::id)
            .load(conn)
            .unwrap(),
    }
}

/// Everything a generated office must satisfy.
fn check(url: &str, manifest_path: &PathBuf) {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(manifest_path).unwrap()).unwrap();
    let mut conn = connect(url);
    let c = &mut conn;

    // Proportions.
    let n_persons: i64 = persons_t::table.count().get_result(c).unwrap();
    let n_files: i64 = case_files_t::table.count().get_result(c).unwrap();
    let n_diary: i64 = diary_entries::table.count().get_result(c).unwrap();
    assert_eq!(n_persons, persons_wanted() as i64);
    let files_ratio = n_files as f64 / n_persons as f64;
    assert!(
        (0.22..=0.40).contains(&files_ratio),
        "{n_files} files for {n_persons} persons"
    );
    let diary_ratio = n_diary as f64 / n_files as f64;
    assert!(
        (10.0..=25.0).contains(&diary_ratio),
        "{n_diary} entries for {n_files} files"
    );
    let rows = manifest["rows"].as_object().unwrap();
    for table in [
        "users",
        "persons",
        "person_name_tokens",
        "households",
        "household_members",
        "case_files",
        "case_file_team",
        "case_file_transitions",
        "case_file_target_groups",
        "assessments",
        "assessment_scores",
        "diary_entries",
        "consents",
        "referrals",
        "referral_events",
        "projects",
        "project_objectives",
        "project_reviews",
        "pacts",
        "pact_commitments",
        "facilities",
        "beds",
        "bed_places",
        "bed_out_of_service",
        "placements",
        "bed_nights",
        "employers",
        "procurement_contracts",
        "employment_placements",
        "employment_hours",
        "employment_reviews",
        "training_events",
        "training_attendance",
        "criteria_sets",
        "criteria",
        "resources",
        "resource_capacity",
        "resource_occupancy",
        "applications",
        "application_inputs",
        "case_reference_counters",
        "application_protocol_counters",
    ] {
        assert!(rows[table].as_u64().unwrap() > 0, "no row in {table}");
    }
    assert_eq!(rows["persons"].as_i64().unwrap(), n_persons);

    // The ranking resource reads back through the persistence layer: its waiting applications
    // with their inputs, as many as the manifest says.
    let resource: Uuid = manifest["ranking_resource_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let waiting = socialcare_persistence::applications::applications_for(
        c,
        resource,
        socialcare_domain::waiting_list::ApplicationStatus::Waiting,
    )
    .unwrap();
    assert_eq!(
        waiting.len() as u64,
        manifest["ranking_waiting"].as_u64().unwrap()
    );
    assert!(!waiting.is_empty());
    assert!(
        waiting.iter().all(|a| a.inputs.len() == 4),
        "four inputs each"
    );
    assert_eq!(rows["diary_entries"].as_i64().unwrap(), n_diary);

    // Tax codes: valid, unique, consistent with the person's data.
    let codes: Vec<Option<String>> = persons_t::table
        .select(persons_t::tax_code)
        .load(c)
        .unwrap();
    let given: Vec<&String> = codes.iter().flatten().collect();
    assert!(
        given.len() as f64 > 0.7 * n_persons as f64,
        "too few tax codes"
    );
    let unique: BTreeSet<&String> = given.iter().copied().collect();
    assert_eq!(unique.len(), given.len(), "duplicate tax codes");
    for code in &given {
        TaxCode::parse(code).unwrap_or_else(|e| panic!("invalid tax code {code}: {e}"));
    }

    // Every person reads back through the persistence layer, with its search tokens.
    let ids: Vec<DbUuid> = persons_t::table.select(persons_t::id).load(c).unwrap();
    for id in &ids {
        let person = persons::find(c, id.0).unwrap().expect("person");
        if person.details.tax_code.is_some() && person.annulment.is_none() {
            assert!(
                person.details.tax_code_warnings().is_empty(),
                "tax code of {} does not match the person",
                id.0
            );
        }
        let mut tokens: Vec<String> = person_name_tokens::table
            .filter(person_name_tokens::person_id.eq(*id))
            .select(person_name_tokens::token)
            .load(c)
            .unwrap();
        tokens.sort();
        assert_eq!(tokens, person.details.name_tokens());
        let _ = households::memberships_of_person(c, id.0).unwrap();
        let _ = socialcare_domain::sensitive::HealthDisability::find(c, id.0).unwrap();
        let _ = socialcare_domain::sensitive::Ethnicity::find(c, id.0).unwrap();
        let _ = socialcare_domain::sensitive::LegalStatus::find(c, id.0).unwrap();
        let _ = socialcare_domain::sensitive::Justice::find(c, id.0).unwrap();
    }

    // Every case file reads back with all its parts; one current case manager each.
    let today = calendar::today(Utc::now());
    let file_ids: Vec<DbUuid> = case_files_t::table
        .select(case_files_t::id)
        .load(c)
        .unwrap();
    let mut statuses = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for id in &file_ids {
        let file = case_files::find(c, id.0).unwrap().expect("case file");
        statuses.insert(file.status);
        let transitions = case_files::transitions(c, id.0).unwrap();
        seen.extend(transitions.iter().flat_map(|t| [t.from, t.to]));
        seen.insert(file.status);
        assert_eq!(
            transitions.last().map_or(CaseStatus::Intake, |t| t.to),
            file.status
        );
        let team = case_files::team(c, id.0).unwrap();
        let managers = team
            .iter()
            .filter(|m| {
                m.assignment.role == TeamRole::CaseManager && m.assignment.is_current_on(today)
            })
            .count();
        assert_eq!(
            managers, 1,
            "file {} has {managers} current case managers",
            id.0
        );
        let versions: Vec<i32> = assessments::list(c, id.0)
            .unwrap()
            .iter()
            .map(|a| a.version_number)
            .collect();
        assert!(
            versions.iter().rev().copied().eq(1..=versions.len() as i32),
            "assessment versions {versions:?}"
        );
        diary::list(
            c,
            &DiaryQuery {
                case_file_id: id.0,
                kind: None,
                from: None,
                until: None,
                before: None,
                limit: 10_000,
            },
        )
        .unwrap();
        consents::list(c, id.0).unwrap();
        for referral in referrals::list(c, id.0, &Default::default()).unwrap() {
            referrals::events(c, referral.id).unwrap();
        }
        for project in projects::list(c, id.0, None, None).unwrap() {
            projects::objectives(c, project.id).unwrap();
            projects::participants(c, project.id).unwrap();
            projects::actions(c, project.id).unwrap();
            projects::reviews(c, project.id).unwrap();
            projects::transitions(c, project.id).unwrap();
        }
        for pact in pacts::list(c, &[id.0], None, None).unwrap() {
            pacts::steps(c, pact.id).unwrap();
            pacts::transitions(c, pact.id).unwrap();
            pacts::commitments(c, pact.id).unwrap();
            pacts::checks(c, pact.id, None).unwrap();
            pacts::non_compliance(c, pact.id).unwrap();
            let facts = pacts::clock_facts(c, &pact).unwrap();
            // The generated deadlines are the ones the server stores with each change.
            let rules = socialcare_domain::pact::rules_version(&pact.rules_version).unwrap();
            let mut computed = socialcare_domain::pact::clock_deadlines(&facts, rules);
            computed.sort_by_key(|d| (d.due_on, d.kind, d.commitment_id));
            assert_eq!(pacts::stored_deadlines(c, pact.id).unwrap(), computed);
        }
    }
    // Files in several statuses now, and every status in their histories (a few hundred
    // persons may have no file in intake today).
    assert!(statuses.len() >= 3, "current statuses: {statuses:?}");
    for status in CaseStatus::ALL {
        assert!(
            seen.contains(&status),
            "no case file ever in status {status}"
        );
    }

    // Housing: facilities of every kind, seasonal beds, every placement read back through the
    // persistence layer and holding the nights its status leaves it.
    let kinds: BTreeSet<String> = facilities_t::table
        .select(facilities_t::kind)
        .load::<String>(c)
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(kinds.len(), FacilityKind::ALL.len(), "{kinds:?}");
    let seasonal: i64 = beds_t::table
        .filter(beds_t::season_from.is_not_null())
        .count()
        .get_result(c)
        .unwrap();
    assert!(seasonal > 0);
    let placement_ids: Vec<DbUuid> = placements_t::table
        .select(placements_t::id)
        .load(c)
        .unwrap();
    assert!(!placement_ids.is_empty());
    for id in placement_ids {
        let p = housing::find_placement(c, id.0).unwrap().unwrap();
        let held = housing::held_nights(c, p.id).unwrap();
        let file = case_files::find(c, p.case_file_id).unwrap().unwrap();
        assert_eq!(file.person_id, p.person_id);
        match p.status {
            PlacementStatus::Cancelled => assert_eq!(held, None, "{p:?}"),
            PlacementStatus::Planned | PlacementStatus::Active => {
                assert_eq!(held, Some(p.nights), "{p:?}");
            }
            PlacementStatus::Ended => {
                let ended = p.ended_on.unwrap();
                assert!(p.started_on.unwrap() <= ended);
                if let Some(h) = held {
                    assert_eq!(h.from, p.nights.from);
                    assert!(h.until.unwrap() <= ended.min(p.nights.until.unwrap()));
                }
            }
        }
    }

    // The reference counters continue where the files stop: the API opens the next one.
    let counters: Vec<(i32, i32)> = case_reference_counters::table
        .select((
            case_reference_counters::year,
            case_reference_counters::last_sequence,
        ))
        .load(c)
        .unwrap();
    let references: Vec<String> = case_files_t::table
        .select(case_files_t::reference)
        .load(c)
        .unwrap();
    let mut per_year: BTreeMap<i32, Vec<u32>> = BTreeMap::new();
    for r in &references {
        let reference = socialcare_domain::case_file::CaseReference::parse(r).unwrap();
        per_year
            .entry(reference.year())
            .or_default()
            .push(reference.sequence());
    }
    assert_eq!(counters.len(), per_year.len());
    for (year, last) in counters {
        let mut seqs = per_year.remove(&year).unwrap();
        seqs.sort();
        assert_eq!(
            seqs,
            (1..=last as u32).collect::<Vec<_>>(),
            "references of {year}"
        );
    }
    // (Inside a transaction that is rolled back, so that the data stays as generated.)
    let mut next = None;
    let _ = c.transaction::<(), diesel::result::Error, _>(|c| {
        next = Some(
            case_files::next_reference(c, 2026)
                .map_err(|_| diesel::result::Error::RollbackTransaction)?,
        );
        Err(diesel::result::Error::RollbackTransaction)
    });
    let last_2026 = case_reference_counters::table
        .find(2026)
        .select(case_reference_counters::last_sequence)
        .first::<i32>(c)
        .unwrap();
    assert_eq!(next.unwrap().sequence(), last_2026 as u32 + 1);

    // The manifest's credentials and ids work with the persistence layer.
    let password = manifest["password"].as_str().unwrap();
    let manager_name = manifest["users"]["case_manager"].as_str().unwrap();
    let (manager, hash) = socialcare_persistence::users::find_credentials(
        c,
        &socialcare_domain::Username::parse(manager_name).unwrap(),
    )
    .unwrap()
    .expect("case manager account");
    assert!(socialcare_api::auth::password::verify(password, &hash));
    assert_eq!(password, socialcare_api::demo::DEMO_PASSWORD);
    for role in [
        "office_manager",
        "coordinator",
        "educator",
        "administrative",
        "privacy_officer",
        "system_admin",
    ] {
        let name = manifest["users"][role].as_str().unwrap();
        let (_, hash) = socialcare_persistence::users::find_credentials(
            c,
            &socialcare_domain::Username::parse(name).unwrap(),
        )
        .unwrap()
        .unwrap_or_else(|| panic!("no account {name}"));
        assert!(socialcare_api::auth::password::verify(password, &hash));
    }
    let mut caseload = Vec::new();
    let mut after = None;
    loop {
        let page = case_files::list(
            c,
            &CaseFileQuery {
                team_member_id: Some(manager.id),
                today,
                after,
                limit: 100,
                ..Default::default()
            },
        )
        .unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        caseload.extend(page.into_iter().map(|f| f.id));
    }
    let managed = case_files::list(
        c,
        &CaseFileQuery {
            case_manager_id: Some(manager.id),
            today,
            limit: 100_000,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        managed.len() as u64,
        manifest["case_manager"]["current_files"].as_u64().unwrap()
    );
    let listed: Vec<Uuid> = manifest["case_file_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().parse().unwrap())
        .collect();
    assert!(!listed.is_empty());
    for id in &listed {
        assert!(
            caseload.contains(id),
            "case file {id} of the manifest is not in the caseload"
        );
        assert!(
            managed
                .iter()
                .any(|f| f.id == *id && f.status != CaseStatus::Closed)
        );
    }
    let diary_file: Uuid = manifest["diary_case_file_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        case_files::find(c, diary_file).unwrap().unwrap().status,
        CaseStatus::Active
    );
    for fragment in manifest["person_name_fragments"]["many"]
        .as_array()
        .unwrap()
    {
        let text = fragment["fragment"].as_str().unwrap();
        let found = persons::search(
            c,
            &PersonQuery {
                name_tokens: vec![fold(text)],
                include_annulled: true,
                limit: 20,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            found.len() as u64,
            fragment["persons"].as_u64().unwrap().min(20),
            "{text}"
        );
        for p in &found {
            assert!(p.details.name_tokens().iter().any(|t| t.starts_with(text)));
        }
    }
    let few = &manifest["person_name_fragments"]["few"];
    let found = persons::search(
        c,
        &PersonQuery {
            name_tokens: vec![few["fragment"].as_str().unwrap().to_owned()],
            include_annulled: true,
            limit: 100,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(found.len() as u64, few["persons"].as_u64().unwrap());
    assert!((1..=3).contains(&found.len()));
}

#[test]
fn generates_a_usable_deterministic_office() {
    if !engine_selected(Engine::Sqlite) {
        return;
    }
    let dir = std::env::temp_dir();
    let manifest = dir.join(format!("socialcare-bench-{}.json", Uuid::new_v4().simple()));
    let a = TempSqlite::new();
    let output = generate(&a.url(), 42, Some(&manifest));
    assert!(output.contains("rows per table"), "{output}");
    check(&a.url(), &manifest);
    let first = dump(&mut connect(&a.url()));

    // A second load refuses a database that holds persons, and changes nothing.
    let again = run(&a.url(), 42, None);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds"));
    assert_eq!(dump(&mut connect(&a.url())), first);

    // Same seed, same rows; another seed, other rows.
    let b = TempSqlite::new();
    generate(&b.url(), 42, None);
    assert_eq!(dump(&mut connect(&b.url())), first);
    let other = TempSqlite::new();
    generate(&other.url(), 43, None);
    let third = dump(&mut connect(&other.url()));
    assert_ne!(third.persons, first.persons);
    assert_ne!(third.diary, first.diary);

    let _ = std::fs::remove_file(manifest);
}

/// PostgreSQL: the same rows as SQLite (generated here as the reference), and just as usable.
#[test]
fn generates_the_same_office_on_postgres() {
    let Some(pg) = TestDatabase::create(Engine::Postgres) else {
        return;
    };
    let reference = TempSqlite::new();
    generate(&reference.url(), 42, None);
    let expected = dump(&mut connect(&reference.url()));
    let manifest =
        std::env::temp_dir().join(format!("socialcare-bench-{}.json", Uuid::new_v4().simple()));
    generate(&pg.url(), 42, Some(&manifest));
    check(&pg.url(), &manifest);
    assert_eq!(dump(&mut connect(&pg.url())), expected);
    let _ = std::fs::remove_file(manifest);
}
