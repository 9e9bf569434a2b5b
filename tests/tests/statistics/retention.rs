//! The retention procedure: the preview lists what is due and changes nothing; a run erases the
//! content of old case files and special categories and pseudonymises identities, and nothing
//! else; the audit chain still verifies; past indicators do not change; one run at a time;
//! only the privacy officer.

use chrono::{Datelike, Duration, Utc};
use serde_json::{Value, json};
use socialcare_domain::calendar;
use socialcare_domain::personal_data::RetentionPolicy;
use socialcare_persistence::retention;
use socialcare_tests::TestApp;
use socialcare_tests::http::{Staff, assessment_scores, created, id_of};

use crate::office;

/// A day `years` years (and `days` days) before today, as the API writes it.
fn years_ago(years: i64, days: i64) -> String {
    (calendar::today(Utc::now()) - Duration::days(365 * years + days)).to_string()
}

/// Registers a person with a file of `worker`'s opened `opened_years` ago and closed
/// `closed_years` ago, holding a diary entry and an assessment; `special` is a PUT of one of
/// the person's special categories (`(segment, body)`). Returns `(person, file)`.
async fn closed_long_ago(
    app: &TestApp,
    worker: &Staff,
    (given, family, tax_code): (&str, &str, &str),
    opened_years: i64,
    closed_years: i64,
    special: (&str, Value),
) -> (String, String) {
    let (worker_id, token) = worker;
    let person = id_of(
        &created(
            app.post(
                token,
                "/persons",
                &json!({"given_names": given, "family_names": family, "tax_code": tax_code,
                    "birth_date": format!("19{}-{}-{}", &tax_code[6..8], "07", "14"),
                    "phone": "+39 0461 987654"}),
            )
            .await,
        )
        .await,
    );
    let file = id_of(
        &created(
            app.post(
                token,
                "/case-files",
                &json!({"person_id": person, "area": "social_inclusion",
                    "case_manager_id": worker_id, "opened_on": years_ago(opened_years, 0),
                    "target_groups": ["homeless"]}),
            )
            .await,
        )
        .await,
    );
    let scores = assessment_scores(3);
    for (path, body) in [
        (
            "diary-entries",
            json!({"kind": "interview", "occurred_at": format!("{}T10:00:00Z", years_ago(opened_years, -10)),
                "text": format!("{given} sleeps at the station")}),
        ),
        (
            "assessments",
            json!({"scores": scores, "notes": format!("{given} needs a bed")}),
        ),
    ] {
        let r = app
            .post(token, &format!("/case-files/{file}/{path}"), &body)
            .await;
        assert_eq!(
            r.status(),
            201,
            "{path}: {}",
            r.text().await.unwrap_or_default()
        );
    }
    let (segment, body) = special;
    let r = app
        .call(
            reqwest::Method::PUT,
            token,
            &format!("/persons/{person}/{segment}"),
        )
        .json(&body)
        .send()
        .await;
    assert_eq!(r.status(), 201);
    let file_now = app.get(token, &format!("/case-files/{file}")).await;
    let etag = file_now.headers()["etag"]
        .to_str()
        .expect("etag")
        .to_owned();
    let r = app
        .post_if(
            token,
            &format!("/case-files/{file}/transitions"),
            &etag,
            &json!({"transition": "close", "reason": "Moved away",
                "closing_reason": "moved_away", "occurred_on": years_ago(closed_years, 0)}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    (person, file)
}

async fn privacy_officer(app: &TestApp) -> Staff {
    let admin = app.admin_token().await;
    app.staff(&admin, "privacy", &["privacy_officer"], &[])
        .await
}

/// What the database counts for every indicator in each year of `years` ago (true counts,
/// before any suppression), with the tables the office manager reads.
async fn indicators(app: &TestApp, manager: &str, years: &[i64]) -> Vec<String> {
    let defs = app.get_ok(manager, "/indicators/definitions").await;
    let today = calendar::today(Utc::now());
    let mut out = Vec::new();
    for def in defs["items"].as_array().expect("items") {
        let name = def["indicator"].as_str().expect("indicator");
        let indicator: socialcare_domain::statistics::Indicator =
            name.parse().expect("an indicator");
        for y in years {
            let year = (today - Duration::days(365 * y)).year();
            let from = chrono::NaiveDate::from_ymd_opt(year, 1, 1).expect("day");
            let until = chrono::NaiveDate::from_ymd_opt(year, 12, 31).expect("day");
            let tally = app
                .db()
                .read(|c| {
                    socialcare_persistence::statistics::tally(c, indicator, from, until, today)
                })
                .expect("tally");
            let mut table = app
                .get_ok(manager, &format!("/indicators/{name}?period={year}"))
                .await;
            table.as_object_mut().expect("table").remove("computed_at");
            out.push(format!("{name} {year}: {tally:?} {table}"));
        }
    }
    out
}

pub async fn a_run_erases_what_is_due_and_nothing_else(app: TestApp) {
    let o = office(&app).await;
    let privacy = privacy_officer(&app).await;
    let (anna, manager, p) = (&o.anna, &o.manager.1, &privacy.1);
    // Mario: file closed 12 years ago, health data: everything due.
    let (mario, mario_file) = closed_long_ago(
        &app,
        anna,
        ("Mario", "Vecchi", "VCCMRA70L14L378I"),
        13,
        12,
        (
            "health-disability",
            json!({"law_104_recognised": true, "law_104_severe": false,
                "accompanying_allowance": false, "support_needs": "Wheelchair"}),
        ),
    )
    .await;
    // Carla: file closed 7 years ago, ethnicity: only her special categories are due.
    let (carla, carla_file) = closed_long_ago(
        &app,
        anna,
        ("Carla", "Medi", "MDECRL80L54L378C"),
        8,
        7,
        (
            "ethnicity",
            json!({"community": "sinti", "relevant_to_project": "Housing project"}),
        ),
    )
    .await;
    // Luca: file closed 3 years ago: nothing due.
    let (luca, luca_file) = closed_long_ago(
        &app,
        anna,
        ("Luca", "Recenti", "RCNLCU90L14L378P"),
        4,
        3,
        ("legal-status", json!({"protection_status": "refugee"})),
    )
    .await;
    let before = indicators(&app, manager, &[13, 12, 8, 7, 4, 3]).await;
    let count = |app: &TestApp| {
        app.db()
            .read(|c| {
                use diesel::prelude::*;
                use socialcare_persistence::schema::{
                    diary_entries, person_ethnicity, person_health_disability, persons,
                };
                Ok((
                    persons::table
                        .filter(persons::anonymised_at.is_not_null())
                        .count()
                        .get_result::<i64>(c)?,
                    person_health_disability::table
                        .count()
                        .get_result::<i64>(c)?,
                    person_ethnicity::table.count().get_result::<i64>(c)?,
                    diary_entries::table
                        .filter(diary_entries::text.eq("[cancellato]"))
                        .count()
                        .get_result::<i64>(c)?,
                ))
            })
            .expect("counts")
    };

    // The preview: Mario's file, Mario (both rules) and Carla (special categories).
    let preview = app.get_ok(p, "/retention/preview").await;
    assert_eq!(preview["case_files_due"], 1, "{preview}");
    assert_eq!(preview["case_files"][0]["case_file_id"], json!(mario_file));
    assert_eq!(preview["special_categories_due"], 2);
    assert_eq!(preview["persons_due"], 1);
    assert_eq!(preview["exports_due"], 0);
    let persons: Vec<(String, Value)> = preview["persons"]
        .as_array()
        .expect("persons")
        .iter()
        .map(|d| {
            (
                d["person_id"].as_str().unwrap_or_default().to_owned(),
                d["rules"].clone(),
            )
        })
        .collect();
    assert!(persons.contains(&(mario.clone(), json!(["special_categories", "identity"]))));
    assert!(persons.contains(&(carla.clone(), json!(["special_categories"]))));
    assert!(!persons.iter().any(|(id, _)| *id == luca));
    assert_eq!(preview["rules"][0]["rule"], "case_content");
    assert_eq!(preview["periods"]["identity_years"], 10);
    // It changed nothing, and is audited with the persons it named.
    assert_eq!(count(&app), (0, 1, 1, 0));
    let record = app.audit_entries(1).remove(0);
    assert_eq!(record.row.action, "retention.preview");
    assert!(record.persons.contains(&mario.parse().expect("uuid")));
    assert!(record.persons.contains(&carla.parse().expect("uuid")));

    // The run.
    let r = app
        .post(
            p,
            "/retention/runs",
            &json!({"authorisation": "Soprintendenza archivistica, prot. 1234"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let run = r.json::<Value>().await.expect("run");
    assert_eq!(run["status"], "completed");
    assert_eq!(
        (
            &run["case_files"],
            &run["special_categories"],
            &run["persons"],
            &run["exports"]
        ),
        (&json!(1), &json!(2), &json!(1), &json!(0))
    );
    assert_eq!(count(&app), (1, 0, 0, 1));
    let batches: Vec<_> = app
        .audit_entries(10)
        .into_iter()
        .filter(|e| e.row.action == "retention.batch")
        .collect();
    assert!(
        batches
            .iter()
            .any(|b| b.persons.contains(&mario.parse().expect("uuid")))
    );

    // Mario: pseudonymised, his file's free text erased, its dates, codes and groups kept.
    let person = app.get_ok(manager, &format!("/persons/{mario}")).await;
    assert_eq!(person["given_names"], "Anonimo");
    assert!(
        person["family_names"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Persona ")
    );
    assert_eq!(person["tax_code"], Value::Null);
    assert_eq!(person["phone"], Value::Null);
    assert_eq!(person["birth_date"], "1970-01-01");
    assert!(person["anonymised_at"].is_string());
    // The pseudonym gathers nothing more.
    let r = app
        .put_if(
            &anna.1,
            &format!("/persons/{mario}"),
            Some(&format!("\"{}\"", person["version"])),
            &json!({"given_names": "Mario", "family_names": "Vecchi"}),
        )
        .await;
    assert_eq!(r.status(), 409);
    let r = app
        .post(
            &anna.1,
            "/case-files",
            &json!({"person_id": mario, "area": "social_inclusion",
                "case_manager_id": anna.0, "target_groups": ["homeless"]}),
        )
        .await;
    assert_eq!(r.status(), 409);
    let found = app.get_ok(manager, "/persons?q=Vecchi").await;
    assert_eq!(found["items"], json!([]));
    let diary = app
        .get_ok(manager, &format!("/case-files/{mario_file}/diary-entries"))
        .await;
    assert_eq!(diary["items"][0]["text"], "[cancellato]");
    assert_eq!(diary["items"][0]["kind"], "interview");
    let assessment = app
        .get_ok(manager, &format!("/case-files/{mario_file}/assessments"))
        .await;
    assert_eq!(assessment["items"][0]["notes"], Value::Null);
    assert_eq!(assessment["items"][0]["scores"][0]["severity"], 3);
    let file = app
        .get_ok(manager, &format!("/case-files/{mario_file}"))
        .await;
    assert_eq!(file["closed_on"], json!(years_ago(12, 0)));
    assert_eq!(file["target_groups"], json!(["homeless"]));
    let r = app
        .get(&anna.1, &format!("/persons/{mario}/health-disability"))
        .await;
    assert_eq!(r.status(), 404);
    // Carla: her special categories only.
    let r = app
        .get(&anna.1, &format!("/persons/{carla}/ethnicity"))
        .await;
    assert_eq!(r.status(), 404);
    let person = app.get_ok(manager, &format!("/persons/{carla}")).await;
    assert_eq!(person["family_names"], "Medi");
    let diary = app
        .get_ok(manager, &format!("/case-files/{carla_file}/diary-entries"))
        .await;
    assert_eq!(diary["items"][0]["text"], "Carla sleeps at the station");
    // Luca: untouched.
    let r = app
        .get(&anna.1, &format!("/persons/{luca}/legal-status"))
        .await;
    assert_eq!(r.status(), 200);
    let diary = app
        .get_ok(manager, &format!("/case-files/{luca_file}/diary-entries"))
        .await;
    assert_eq!(diary["items"][0]["text"], "Luca sleeps at the station");

    // Past indicators are the same; the audit chain still verifies.
    assert_eq!(
        indicators(&app, manager, &[13, 12, 8, 7, 4, 3]).await,
        before
    );
    let verification = app.get_ok(p, "/audit-records/verification").await;
    assert_eq!(verification["intact"], true, "{verification}");

    // The run is recorded; a second one finds nothing more.
    let listed = app.get_ok(p, "/retention/runs").await;
    assert_eq!(listed["items"][0]["id"], run["id"]);
    assert_eq!(
        listed["items"][0]["authorisation"],
        "Soprintendenza archivistica, prot. 1234"
    );
    let again = created(
        app.post(p, "/retention/runs", &json!({"authorisation": "Same act"}))
            .await,
    )
    .await;
    assert_eq!(
        (
            &again["case_files"],
            &again["special_categories"],
            &again["persons"]
        ),
        (&json!(0), &json!(0), &json!(0))
    );
    let preview = app.get_ok(p, "/retention/preview").await;
    assert_eq!(
        (&preview["case_files_due"], &preview["persons_due"]),
        (&json!(0), &json!(0))
    );
}

pub async fn one_run_at_a_time_and_only_the_privacy_officer(app: TestApp) {
    let o = office(&app).await;
    let privacy = privacy_officer(&app).await;
    for token in [&o.anna.1, &o.manager.1] {
        let r = app.get(token, "/retention/preview").await;
        assert_eq!(r.status(), 403);
        let r = app
            .post(token, "/retention/runs", &json!({"authorisation": "x"}))
            .await;
        assert_eq!(r.status(), 403);
        let record = app.audit(1).remove(0);
        assert_eq!(
            (record.action.as_str(), record.outcome.as_str()),
            ("retention.apply", "denied")
        );
    }
    // Bad bodies, after the decision.
    for (body, pointer) in [
        (json!({}), "/authorisation"),
        (json!({"authorisation": "  "}), "/authorisation"),
        (json!({"authorisation": "ok\u{0}"}), "/authorisation"),
        (json!({"authorisation": "x".repeat(501)}), "/authorisation"),
    ] {
        let r = app.post(&privacy.1, "/retention/runs", &body).await;
        assert_eq!(r.status(), 422, "{body}");
        let problem: Value = r.json().await.expect("problem");
        assert_eq!(problem["errors"][0]["pointer"], pointer, "{problem}");
    }
    // Another run working (its claim live): 409. Its claim lapsed: taken over as interrupted.
    let privacy_id: uuid::Uuid = privacy.0.parse().expect("uuid");
    let now = Utc::now();
    let policy = RetentionPolicy::default();
    let other = app
        .db()
        .write::<_, socialcare_persistence::StoreError, _>(|c| {
            retention::start(
                c,
                "another",
                &policy,
                calendar::today(now),
                now + Duration::seconds(60),
                privacy_id,
                now,
            )
        })
        .expect("a running run");
    let r = app
        .post(
            &privacy.1,
            "/retention/runs",
            &json!({"authorisation": "mine"}),
        )
        .await;
    assert_eq!(r.status(), 409);
    app.db()
        .write::<_, socialcare_persistence::StoreError, _>(|c| {
            use diesel::prelude::*;
            use socialcare_persistence::schema::retention_runs;
            Ok(diesel::update(retention_runs::table)
                .set(retention_runs::claimed_until.eq(
                    socialcare_persistence::sql_types::DbInstant(now - Duration::seconds(1)),
                ))
                .execute(c)?)
        })
        .expect("lapse");
    let run = created(
        app.post(
            &privacy.1,
            "/retention/runs",
            &json!({"authorisation": "mine"}),
        )
        .await,
    )
    .await;
    assert_eq!(run["status"], "completed");
    let earlier = app
        .get_ok(&privacy.1, &format!("/retention/runs/{}", other.id.0))
        .await;
    assert_eq!(earlier["status"], "interrupted");
    // An Idempotency-Key gives the same run again.
    let send = || {
        app.call(reqwest::Method::POST, &privacy.1, "/retention/runs")
            .header("idempotency-key", "retention-1")
            .json(&json!({"authorisation": "keyed"}))
            .send()
    };
    let first: Value = send().await.json().await.expect("first");
    let second = send().await;
    assert_eq!(second.status(), 201);
    assert_eq!(
        second.json::<Value>().await.expect("second")["id"],
        first["id"]
    );
    let r = app
        .get(
            &privacy.1,
            &format!("/retention/runs/{}", uuid::Uuid::now_v7()),
        )
        .await;
    assert_eq!(r.status(), 404);
}
