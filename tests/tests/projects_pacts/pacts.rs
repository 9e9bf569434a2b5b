//! Inclusion pacts: steps, lifecycle, legacy records, commitments, checks, non-compliance,
//! clocks and their rule versions, nesting, audit and idempotency.

use chrono::Utc;
use serde_json::{Value, json};
use socialcare_domain::calendar;
use socialcare_tests::{TestApp, on_both_engines, user_password};

use crate::{
    Office, day, etag_of, get, get_json, office, open_file, pointers, post, post_if, put_if,
};

on_both_engines!(
    pact_lifecycle_every_legal_and_illegal_transition,
    steps_follow_their_order_and_the_employment_path_transfers,
    legacy_rdc_pacts_are_read_and_closed_only,
    pact_validation_points_at_the_fields,
    commitments_only_on_signed_pacts_of_household_members,
    checks_set_statuses_and_restart_the_clock,
    non_compliance_events_are_flagged_and_reported,
    clock_rules_are_versioned_per_pact,
    nested_pact_objects_and_audit_of_reads,
    writes_by_a_stranger_are_refused_before_the_body_and_leave_nothing,
    a_team_member_removed_from_the_team_writes_no_more,
    list_reads_link_the_persons_they_show,
    a_write_in_flight_when_its_author_leaves_the_team_is_refused,
    the_agenda_reads_the_clock_the_pact_shows,
    deadlines_of_existing_pacts_are_stored_on_upgrade,
);

/// Draws up a pact (201) and returns it.
async fn create(app: &TestApp, token: &str, file: &str, body: Value) -> Value {
    let r = post(app, token, &format!("/case-files/{file}/pacts"), body).await;
    let status = r.status();
    let value: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{value}");
    value
}

fn adi(activation: &str) -> Value {
    json!({"measure": "adi", "application_reference": "INPS-ADI-2026-0001",
        "activation_on": activation, "drafted_on": day(-90)})
}

async fn step(app: &TestApp, token: &str, pact: &str, body: Value) -> reqwest::Response {
    post(app, token, &format!("/pacts/{pact}/steps"), body).await
}

async fn transition(
    app: &TestApp,
    token: &str,
    pact: &str,
    etag: &str,
    body: Value,
) -> reqwest::Response {
    post_if(
        app,
        token,
        &format!("/pacts/{pact}/transitions"),
        etag,
        body,
    )
    .await
}

async fn current_etag(app: &TestApp, token: &str, pact: &str) -> String {
    etag_of(&get(app, token, &format!("/pacts/{pact}")).await)
}

/// Takes a new ADI pact through convocation, social-path analysis and signature (on
/// `signed_on`); returns its id.
async fn signed_pact(app: &TestApp, o: &Office, file: &str, signed_on: &str) -> String {
    let (_, anna) = &o.anna;
    let pact = create(app, anna, file, adi(&day(-95))).await;
    let id = pact["id"].as_str().unwrap().to_owned();
    assert_eq!(
        step(
            app,
            anna,
            &id,
            json!({"kind": "convocation", "occurred_on": day(-85)})
        )
        .await
        .status(),
        201
    );
    assert_eq!(
        step(
            app,
            anna,
            &id,
            json!({"kind": "preliminary_analysis", "occurred_on": day(-80), "outcome": "social_path"})
        )
        .await
        .status(),
        201
    );
    let tag = current_etag(app, anna, &id).await;
    let r = transition(
        app,
        anna,
        &id,
        &tag,
        json!({"transition": "sign", "occurred_on": signed_on}),
    )
    .await;
    assert_eq!(r.status(), 200);
    id
}

/// Activates a signed pact on `on`.
async fn activate(app: &TestApp, token: &str, pact: &str, on: &str) -> Value {
    let tag = current_etag(app, token, pact).await;
    let r = transition(
        app,
        token,
        pact,
        &tag,
        json!({"transition": "activate", "occurred_on": on}),
    )
    .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn pact_lifecycle_every_legal_and_illegal_transition(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, anna) = &o.anna;
    let (file, person) = open_file(&app, &o, "Paola").await;
    let created = create(&app, anna, &file, adi(&day(-30))).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["status"], "draft");
    assert_eq!(created["person_id"], person.as_str());
    assert_eq!(created["allowed_transitions"], json!(["sign", "close"]));
    assert_eq!(created["clock"]["rules_version"], "adi-2024");
    assert_eq!(created["clock"]["convocation_within_days"], 60);
    assert_eq!(
        created["clock"]["deadlines"],
        json!([{"kind": "convocation", "due_on": day(30), "late": false, "commitment_id": null}])
    );
    assert_eq!(created["clock"]["next_due_on"], day(30));
    assert_eq!(created["clock"]["late"], false);

    for t in ["activate", "suspend", "resume"] {
        let r = transition(
            &app,
            anna,
            &id,
            "\"1\"",
            json!({"transition": t, "reason": "x"}),
        )
        .await;
        assert_eq!(r.status(), 409, "{t}");
        assert_eq!(
            r.json::<Value>().await.unwrap()["allowed_transitions"],
            json!(["sign", "close"])
        );
    }
    // No preliminary analysis yet: signing is refused.
    let r = transition(&app, anna, &id, "\"1\"", json!({"transition": "sign"})).await;
    assert_eq!(r.status(), 409);
    assert_eq!(
        app.client
            .post(app.api(&format!("/pacts/{id}/transitions")))
            .bearer_auth(anna)
            .json(&json!({"transition": "sign"}))
            .send()
            .await
            .unwrap()
            .status(),
        428
    );
    assert_eq!(
        transition(&app, anna, &id, "\"9\"", json!({"transition": "sign"}))
            .await
            .status(),
        412
    );
    // Steps: the convocation starts the signature clock.
    let r = step(
        &app,
        anna,
        &id,
        json!({"kind": "convocation", "occurred_on": day(-20)}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let convocation: Value = r.json().await.unwrap();
    assert_eq!(convocation["author_id"], anna_id.as_str());
    let pact = get_json(&app, anna, &format!("/pacts/{id}")).await;
    assert_eq!(pact["convocation_on"], day(-20));
    assert_eq!(
        pact["clock"]["deadlines"],
        json!([{"kind": "signature", "due_on": day(100), "late": false, "commitment_id": null}])
    );
    assert_eq!(
        step(
            &app,
            anna,
            &id,
            json!({"kind": "preliminary_analysis", "occurred_on": day(-15), "outcome": "specialist_services"})
        )
        .await
        .status(),
        201
    );
    assert_eq!(
        step(&app, anna, &id, json!({"kind": "in_depth_assessment", "occurred_on": day(-10), "notes": "Quadro completo"}))
            .await
            .status(),
        201
    );
    // Sign (the version moved with each step).
    let tag = current_etag(&app, anna, &id).await;
    assert_eq!(tag, "\"4\"");
    let r = transition(
        &app,
        anna,
        &id,
        &tag,
        json!({"transition": "sign", "occurred_on": day(-11)}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/occurred_on"]);
    let r = transition(
        &app,
        anna,
        &id,
        &tag,
        json!({"transition": "sign", "occurred_on": day(-5)}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let signed: Value = r.json().await.unwrap();
    assert_eq!(signed["status"], "signed");
    assert_eq!(signed["signed_on"], day(-5));
    assert_eq!(signed["allowed_transitions"], json!(["activate", "close"]));
    assert_eq!(signed["clock"]["deadlines"], json!([]));
    let steps = get_json(&app, anna, &format!("/pacts/{id}/steps")).await;
    let kinds: Vec<&str> = steps["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "convocation",
            "preliminary_analysis",
            "in_depth_assessment",
            "signature"
        ]
    );
    // Activate: a check is due within 90 days.
    let active = activate(&app, anna, &id, &day(-4)).await;
    assert_eq!(active["status"], "active");
    assert_eq!(active["active_since"], day(-4));
    assert_eq!(active["allowed_transitions"], json!(["suspend", "close"]));
    assert_eq!(active["clock"]["deadlines"][0]["kind"], "check");
    assert_eq!(active["clock"]["deadlines"][0]["due_on"], day(86));
    // Suspend needs a reason.
    let tag = current_etag(&app, anna, &id).await;
    let r = transition(&app, anna, &id, &tag, json!({"transition": "suspend"})).await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/reason"]);
    let r = transition(
        &app,
        anna,
        &id,
        &tag,
        json!({"transition": "suspend", "occurred_on": day(-2), "reason": "Hospital stay"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let suspended: Value = r.json().await.unwrap();
    assert_eq!(suspended["status"], "suspended");
    assert_eq!(suspended["allowed_transitions"], json!(["resume", "close"]));
    // The suspension stops the ADI check clock: two days so far.
    assert_eq!(suspended["clock"]["deadlines"][0]["due_on"], day(88));
    let tag = etag_of(&get(&app, anna, &format!("/pacts/{id}")).await);
    let r = transition(
        &app,
        anna,
        &id,
        &tag,
        json!({"transition": "suspend", "reason": "x"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    let r = transition(&app, anna, &id, &tag, json!({"transition": "resume"})).await;
    assert_eq!(r.status(), 200);
    let resumed: Value = r.json().await.unwrap();
    assert_eq!(resumed["clock"]["deadlines"][0]["due_on"], day(88));
    // Close needs a reason and an outcome.
    let tag = current_etag(&app, anna, &id).await;
    let r = transition(&app, anna, &id, &tag, json!({"transition": "close"})).await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        pointers(&r.json().await.unwrap()),
        ["/reason", "/closure_outcome"]
    );
    let r = transition(
        &app,
        anna,
        &id,
        &tag,
        json!({"transition": "resume", "closure_outcome": "completed"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    let r = transition(
        &app,
        anna,
        &id,
        &tag,
        json!({"transition": "close", "reason": "Path completed", "closure_outcome": "completed"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let closed: Value = r.json().await.unwrap();
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["closure_outcome"], "completed");
    assert_eq!(closed["closed_on"], day(0));
    assert_eq!(closed["allowed_transitions"], json!([]));
    assert_eq!(closed["clock"]["deadlines"], json!([]));
    // Closed: read-only.
    let tag = current_etag(&app, anna, &id).await;
    let r = transition(
        &app,
        anna,
        &id,
        &tag,
        json!({"transition": "close", "reason": "x", "closure_outcome": "lapsed"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    let r = post(
        &app,
        anna,
        &format!("/pacts/{id}/commitments"),
        json!({"person_id": person, "kind": "training", "owner": "x", "frequency": "once",
            "due_on": day(10), "verification": "x"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    let history = get_json(&app, anna, &format!("/pacts/{id}/transitions")).await;
    let transitions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["transition"].as_str().unwrap())
        .collect();
    assert_eq!(
        transitions,
        ["sign", "activate", "suspend", "resume", "close"]
    );
    assert_eq!(history["items"][4]["closure_outcome"], "completed");
}

async fn steps_follow_their_order_and_the_employment_path_transfers(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, _) = open_file(&app, &o, "Elio").await;
    let pact = create(&app, anna, &file, adi(&day(-30))).await;
    let id = pact["id"].as_str().unwrap();
    // The analysis needs the convocation first, and an outcome.
    let r = step(
        &app,
        anna,
        id,
        json!({"kind": "preliminary_analysis", "outcome": "social_path"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    let r = step(
        &app,
        anna,
        id,
        json!({"kind": "convocation", "outcome": "social_path"}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/outcome"]);
    let r = step(
        &app,
        anna,
        id,
        json!({"kind": "convocation", "occurred_on": day(1)}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/occurred_on"]);
    let r = step(&app, anna, id, json!({"kind": "signature"})).await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/kind"]);
    assert_eq!(
        step(&app, anna, id, json!({"kind": "convocation"}))
            .await
            .status(),
        201
    );
    assert_eq!(
        step(&app, anna, id, json!({"kind": "convocation"}))
            .await
            .status(),
        409
    );
    let r = step(&app, anna, id, json!({"kind": "preliminary_analysis"})).await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/outcome"]);
    // Employment path: the pact closes as transferred and a referral goes to the CPI.
    let r = step(
        &app,
        anna,
        id,
        json!({"kind": "preliminary_analysis", "outcome": "employment_path"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let analysis: Value = r.json().await.unwrap();
    let referral = analysis["referral_id"].as_str().unwrap();
    let pact = get_json(&app, anna, &format!("/pacts/{id}")).await;
    assert_eq!(pact["status"], "closed");
    assert_eq!(pact["closure_outcome"], "transferred");
    assert_eq!(pact["analysis_outcome"], "employment_path");
    let sent = get_json(
        &app,
        anna,
        &format!("/case-files/{file}/referrals/{referral}"),
    )
    .await;
    assert_eq!(sent["service"], "employment_centre");
    assert_eq!(sent["direction"], "outgoing");
    assert_eq!(sent["status"], "sent");
    // Nothing more on it.
    assert_eq!(
        step(&app, anna, id, json!({"kind": "in_depth_assessment"}))
            .await
            .status(),
        409
    );
    // A social-path analysis allows the in-depth assessment; the employment path never does.
    let other = create(&app, anna, &file, adi(&day(-30))).await;
    let other = other["id"].as_str().unwrap();
    step(&app, anna, other, json!({"kind": "convocation"})).await;
    assert_eq!(
        step(&app, anna, other, json!({"kind": "in_depth_assessment"}))
            .await
            .status(),
        409
    );
    step(
        &app,
        anna,
        other,
        json!({"kind": "preliminary_analysis", "outcome": "social_path"}),
    )
    .await;
    assert_eq!(
        step(&app, anna, other, json!({"kind": "in_depth_assessment"}))
            .await
            .status(),
        201
    );
    // Steps are refused on a signed pact.
    let tag = current_etag(&app, anna, other).await;
    assert_eq!(
        transition(&app, anna, other, &tag, json!({"transition": "sign"}))
            .await
            .status(),
        200
    );
    assert_eq!(
        step(&app, anna, other, json!({"kind": "in_depth_assessment"}))
            .await
            .status(),
        409
    );
}

async fn legacy_rdc_pacts_are_read_and_closed_only(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, anna) = &o.anna;
    let (file, _) = open_file(&app, &o, "Rino").await;
    let r = post(
        &app,
        anna,
        &format!("/case-files/{file}/pacts"),
        json!({"measure": "rdc", "application_reference": "RDC-2021-9"}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/measure"]);
    // A legacy record, as migrated from the old system.
    let file_id = uuid::Uuid::parse_str(&file).unwrap();
    let actor = uuid::Uuid::parse_str(anna_id).unwrap();
    let legacy = app
        .db()
        .write::<_, socialcare_persistence::StoreError, _>(|c| {
            socialcare_persistence::pacts::insert(
                c,
                &socialcare_persistence::pacts::NewPact {
                    case_file_id: file_id,
                    household_id: None,
                    measure: socialcare_domain::pact::Measure::Rdc,
                    application_reference: "RDC-2021-9".into(),
                    drafted_on: calendar::today(Utc::now()) - chrono::Duration::days(100),
                    activation_on: None,
                    rules_version: "rdc-2019".into(),
                },
                actor,
                Utc::now(),
            )
        })
        .unwrap();
    let id = legacy.id.to_string();
    let pact = get_json(&app, anna, &format!("/pacts/{id}")).await;
    assert_eq!(pact["measure"], "rdc");
    assert_eq!(pact["allowed_transitions"], json!(["close"]));
    assert_eq!(pact["clock"]["rules_version"], "rdc-2019");
    assert_eq!(
        step(&app, anna, &id, json!({"kind": "convocation"}))
            .await
            .status(),
        409
    );
    let r = transition(&app, anna, &id, "\"1\"", json!({"transition": "sign"})).await;
    assert_eq!(r.status(), 409);
    assert_eq!(
        r.json::<Value>().await.unwrap()["allowed_transitions"],
        json!(["close"])
    );
    let r = transition(
        &app,
        anna,
        &id,
        "\"1\"",
        json!({"transition": "close", "reason": "Measure ended", "closure_outcome": "lapsed"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "closed");
}

async fn pact_validation_points_at_the_fields(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, _) = open_file(&app, &o, "Vera").await;
    let path = format!("/case-files/{file}/pacts");
    let r = post(
        &app,
        anna,
        &path,
        json!({"measure": "adi", "application_reference": "  ", "drafted_on": day(-300)}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        pointers(&r.json().await.unwrap()),
        ["/application_reference", "/drafted_on", "/activation_on"]
    );
    let r = post(
        &app,
        anna,
        &path,
        json!({"measure": "aup", "application_reference": "AUP-1", "activation_on": day(1)}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/activation_on"]);
    let r = post(
        &app,
        anna,
        &path,
        json!({"measure": "aup", "application_reference": "AUP-1",
            "household_id": uuid::Uuid::now_v7()}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/household_id"]);
    let r = post(
        &app,
        anna,
        &path,
        json!({"measure": "bonus", "application_reference": "x"}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/measure"]);
    let r = post(
        &app,
        anna,
        &path,
        json!({"measure": "aup", "application_reference": "x".repeat(51)}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(get_json(&app, anna, &path).await["items"], json!([]));
    // A closed case file takes no new pacts; an unknown one is 404.
    let r = post(
        &app,
        anna,
        &format!("/case-files/{}/pacts", uuid::Uuid::now_v7()),
        json!({"measure": "aup", "application_reference": "AUP-1"}),
    )
    .await;
    assert_eq!(r.status(), 404);
    let r = post_if(
        &app,
        anna,
        &format!("/case-files/{file}/transitions"),
        "\"1\"",
        json!({"transition": "close", "reason": "Moved", "closing_reason": "moved_away"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = post(
        &app,
        anna,
        &path,
        json!({"measure": "aup", "application_reference": "AUP-1"}),
    )
    .await;
    assert_eq!(r.status(), 409);
}

/// Registers a household headed by the person of the file with one more member; returns
/// `(household id, member id)`.
async fn household(app: &TestApp, token: &str, head: &str) -> (String, String) {
    let r = post(
        app,
        token,
        "/households",
        json!({"reference_person_id": head, "joined_on": day(-300)}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let tag = etag_of(&r);
    let home: Value = r.json().await.unwrap();
    let home = home["id"].as_str().unwrap().to_owned();
    let child = crate::person(app, token, "Figlio").await;
    let r = post_if(
        app,
        token,
        &format!("/households/{home}/members"),
        &tag,
        json!({"person_id": child, "relationship": "child", "joined_on": day(-300)}),
    )
    .await;
    assert_eq!(r.status(), 201);
    (home, child)
}

fn commitment(person: &str, due: &str) -> Value {
    json!({"person_id": person, "kind": "school_attendance", "owner": "Istituto comprensivo",
        "frequency": "monthly", "due_on": due, "verification": "Attendance register"})
}

async fn commitments_only_on_signed_pacts_of_household_members(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, person) = open_file(&app, &o, "Gina").await;
    let (home, child) = household(&app, anna, &person).await;
    let pact = create(
        &app,
        anna,
        &file,
        json!({"measure": "aup", "application_reference": "AUP-7", "household_id": home}),
    )
    .await;
    let id = pact["id"].as_str().unwrap().to_owned();
    assert_eq!(pact["household_id"], home.as_str());
    let path = format!("/pacts/{id}/commitments");
    // Draft: refused.
    let r = post(&app, anna, &path, commitment(&child, &day(30))).await;
    assert_eq!(r.status(), 409);
    step(&app, anna, &id, json!({"kind": "convocation"})).await;
    step(
        &app,
        anna,
        &id,
        json!({"kind": "preliminary_analysis", "outcome": "social_path"}),
    )
    .await;
    let tag = current_etag(&app, anna, &id).await;
    assert_eq!(
        transition(&app, anna, &id, &tag, json!({"transition": "sign"}))
            .await
            .status(),
        200
    );
    // Signed: accepted for members only.
    let stranger = crate::person(&app, anna, "Estraneo").await;
    let r = post(&app, anna, &path, commitment(&stranger, &day(30))).await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/person_id"]);
    let mut justified = commitment(&child, &day(-1));
    justified["status"] = json!("justified");
    let r = post(&app, anna, &path, justified).await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        pointers(&r.json().await.unwrap()),
        ["/due_on", "/justification"]
    );
    let r = post(&app, anna, &path, commitment(&child, &day(30))).await;
    assert_eq!(r.status(), 201);
    assert_eq!(etag_of(&r), "\"1\"");
    let school: Value = r.json().await.unwrap();
    assert_eq!(school["status"], "pending");
    let mut job = commitment(&person, &day(10));
    job["kind"] = json!("active_job_search");
    assert_eq!(post(&app, anna, &path, job).await.status(), 201);
    // Listed by due day, and on the clock.
    let list = get_json(&app, anna, &path).await;
    let kinds: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["active_job_search", "school_attendance"]);
    let pact = get_json(&app, anna, &format!("/pacts/{id}")).await;
    let due: Vec<(&str, &str)> = pact["clock"]["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["kind"].as_str().unwrap(), d["due_on"].as_str().unwrap()))
        .collect();
    let (d10, d30) = (day(10), day(30));
    assert_eq!(
        due,
        [("commitment", d10.as_str()), ("commitment", d30.as_str())]
    );
    // Changes need If-Match.
    let cpath = format!("{path}/{}", school["id"].as_str().unwrap());
    let mut met = commitment(&child, &day(30));
    met["status"] = json!("justified");
    met["justification"] = json!("School closed for a strike");
    assert_eq!(
        put_if(&app, anna, &cpath, None, met.clone()).await.status(),
        428
    );
    assert_eq!(
        put_if(&app, anna, &cpath, Some("\"3\""), met.clone())
            .await
            .status(),
        412
    );
    let r = put_if(&app, anna, &cpath, Some("\"1\""), met).await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag_of(&r), "\"2\"");
    let changed: Value = r.json().await.unwrap();
    assert_eq!(changed["status"], "justified");
    assert_eq!(changed["justification"], "School closed for a strike");
    let r = get(&app, anna, &cpath).await;
    assert_eq!(etag_of(&r), "\"2\"");
    // Idempotent creation.
    let send = |body: Value| {
        app.client
            .post(app.api(&path))
            .bearer_auth(anna)
            .header("idempotency-key", "commitment-key")
            .json(&body)
            .send()
    };
    let first = send(commitment(&child, &day(60))).await.unwrap();
    assert_eq!(first.status(), 201);
    let first_body: Value = first.json().await.unwrap();
    let again = send(commitment(&child, &day(60))).await.unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first_body);
    assert_eq!(
        get_json(&app, anna, &path).await["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

async fn checks_set_statuses_and_restart_the_clock(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, person) = open_file(&app, &o, "Carlo").await;
    let id = signed_pact(&app, &o, &file, &day(-70)).await;
    let r = post(
        &app,
        anna,
        &format!("/pacts/{id}/commitments"),
        commitment(&person, &day(-10)),
    )
    .await;
    assert_eq!(r.status(), 201);
    let kept: Value = r.json().await.unwrap();
    let checks = format!("/pacts/{id}/checks");
    // Only active pacts are checked.
    assert_eq!(post(&app, anna, &checks, json!({})).await.status(), 409);
    let active = activate(&app, anna, &id, &day(-60)).await;
    assert_eq!(active["clock"]["deadlines"][0]["kind"], "commitment");
    assert_eq!(active["clock"]["deadlines"][0]["late"], true);
    assert_eq!(active["clock"]["deadlines"][1]["kind"], "check");
    assert_eq!(active["clock"]["deadlines"][1]["due_on"], day(30));
    assert_eq!(active["clock"]["late"], true);
    // Invalid checks.
    let other = signed_pact(&app, &o, &file, &day(-70)).await;
    let foreign: Value = post(
        &app,
        anna,
        &format!("/pacts/{other}/commitments"),
        commitment(&person, &day(5)),
    )
    .await
    .json()
    .await
    .unwrap();
    let outsider = crate::person(&app, anna, "Esterno").await;
    let r = post(
        &app,
        anna,
        &checks,
        json!({"attendees": [outsider], "outcomes": [
            {"commitment_id": foreign["id"], "status": "met"},
            {"commitment_id": kept["id"], "status": "justified"}]}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        pointers(&r.json().await.unwrap()),
        [
            "/outcomes/0/commitment_id",
            "/outcomes/1/note",
            "/attendees/0"
        ]
    );
    let r = post(&app, anna, &checks, json!({"checked_on": day(-61)})).await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/checked_on"]);
    // A valid check.
    let r = post(
        &app,
        anna,
        &checks,
        json!({"checked_on": day(-5), "attendees": [person], "notes": "All present",
            "outcomes": [{"commitment_id": kept["id"], "status": "met", "note": "Register shown"}]}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let check: Value = r.json().await.unwrap();
    assert_eq!(check["attendees"], json!([person]));
    let pact = get_json(&app, anna, &format!("/pacts/{id}")).await;
    assert_eq!(pact["last_check_on"], day(-5));
    assert_eq!(
        pact["clock"]["deadlines"],
        json!([{"kind": "check", "due_on": day(85), "late": false, "commitment_id": null}])
    );
    assert_eq!(pact["clock"]["late"], false);
    let updated = get_json(
        &app,
        anna,
        &format!("/pacts/{id}/commitments/{}", kept["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(updated["status"], "met");
    assert_eq!(updated["version"], 2);
    let list = get_json(&app, anna, &checks).await;
    assert_eq!(list["items"][0]["id"], check["id"]);
    let one = get_json(
        &app,
        anna,
        &format!("{checks}/{}", check["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(one["outcomes"][0]["note"], "Register shown");
    // A check cannot go before the last one.
    let r = post(&app, anna, &checks, json!({"checked_on": day(-6)})).await;
    assert_eq!(r.status(), 422);
}

async fn non_compliance_events_are_flagged_and_reported(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, person) = open_file(&app, &o, "Nadia").await;
    let draft = create(&app, anna, &file, adi(&day(-30))).await;
    let path = |id: &str| format!("/pacts/{id}/non-compliance-events");
    let r = post(
        &app,
        anna,
        &path(draft["id"].as_str().unwrap()),
        json!({"occurred_on": day(-1), "description": "Absent", "relevant_for_sanctions": false}),
    )
    .await;
    assert_eq!(r.status(), 409);
    let id = signed_pact(&app, &o, &file, &day(-70)).await;
    let kept: Value = post(
        &app,
        anna,
        &format!("/pacts/{id}/commitments"),
        commitment(&person, &day(5)),
    )
    .await
    .json()
    .await
    .unwrap();
    let r = post(
        &app,
        anna,
        &path(&id),
        json!({"occurred_on": day(-71), "description": " ", "relevant_for_sanctions": false,
            "reported_on": day(-1)}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        pointers(&r.json().await.unwrap()),
        ["/description", "/occurred_on", "/reported_on"]
    );
    let r = post(
        &app,
        anna,
        &path(&id),
        json!({"occurred_on": day(-3), "description": "Absent", "relevant_for_sanctions": false,
            "commitment_id": uuid::Uuid::now_v7()}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/commitment_id"]);
    let r = post(
        &app,
        anna,
        &path(&id),
        json!({"occurred_on": day(-3), "description": "Did not attend the check",
            "relevant_for_sanctions": true, "reported_on": day(-1), "commitment_id": kept["id"]}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let event: Value = r.json().await.unwrap();
    assert_eq!(event["relevant_for_sanctions"], true);
    assert_eq!(event["reported_on"], day(-1));
    let r = post(
        &app,
        anna,
        &path(&id),
        json!({"occurred_on": day(-10), "description": "Late to the meeting",
            "relevant_for_sanctions": false}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let list = get_json(&app, anna, &path(&id)).await;
    let days: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["occurred_on"].as_str().unwrap())
        .collect();
    assert_eq!(days, [day(-10), day(-3)]);
}

async fn clock_rules_are_versioned_per_pact(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, _) = open_file(&app, &o, "Ugo").await;
    // AUP: the rules changed on 2026-07-01; each pact keeps the version of its activation day.
    let today = calendar::today(Utc::now());
    let old_day = "2026-06-30";
    let new_day = "2026-07-01";
    if today.to_string().as_str() >= new_day && day(-200).as_str() <= old_day {
        let old = create(
            &app,
            anna,
            &file,
            json!({"measure": "aup", "application_reference": "AUP-OLD", "activation_on": old_day}),
        )
        .await;
        assert_eq!(old["clock"]["rules_version"], "aup-2024");
        assert_eq!(old["clock"]["check_every_days"], 60);
        assert_eq!(old["clock"]["suspension_stops_clock"], false);
        let new = create(
            &app,
            anna,
            &file,
            json!({"measure": "aup", "application_reference": "AUP-NEW", "activation_on": new_day}),
        )
        .await;
        assert_eq!(new["clock"]["rules_version"], "aup-2026");
        assert_eq!(new["clock"]["check_every_days"], 90);
    }
    // The stored version is what the clock uses, whatever the table says today.
    let local = create(
        &app,
        anna,
        &file,
        json!({"measure": "local_other", "application_reference": "LOC-1"}),
    )
    .await;
    assert_eq!(local["clock"]["rules_version"], "local-2024");
    assert_eq!(local["clock"]["convocation_within_days"], Value::Null);
    // ADI activated 100 days ago, never convened: the convocation is 40 days late.
    let late = create(&app, anna, &file, adi(&day(-100))).await;
    assert_eq!(
        late["clock"]["deadlines"],
        json!([{"kind": "convocation", "due_on": day(-40), "late": true, "commitment_id": null}])
    );
    assert_eq!(late["clock"]["late"], true);
    assert_eq!(late["clock"]["next_due_on"], day(-40));
    // Listing by measure and status.
    let list = get_json(&app, anna, &format!("/case-files/{file}/pacts?measure=adi")).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let drafts = get_json(
        &app,
        anna,
        &format!("/case-files/{file}/pacts?status=draft"),
    )
    .await;
    assert!(drafts["items"].as_array().unwrap().len() >= 2);
}

async fn nested_pact_objects_and_audit_of_reads(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, anna) = &o.anna;
    let (file, person) = open_file(&app, &o, "Dario").await;
    let a = signed_pact(&app, &o, &file, &day(-70)).await;
    let b = signed_pact(&app, &o, &file, &day(-70)).await;
    let kept: Value = post(
        &app,
        anna,
        &format!("/pacts/{a}/commitments"),
        commitment(&person, &day(5)),
    )
    .await
    .json()
    .await
    .unwrap();
    activate(&app, anna, &a, &day(-60)).await;
    let check: Value = post(&app, anna, &format!("/pacts/{a}/checks"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    for (kind, child) in [
        ("commitments", kept["id"].as_str().unwrap()),
        ("checks", check["id"].as_str().unwrap()),
    ] {
        assert_eq!(
            get(&app, anna, &format!("/pacts/{a}/{kind}/{child}"))
                .await
                .status(),
            200
        );
        assert_eq!(
            get(&app, anna, &format!("/pacts/{b}/{kind}/{child}"))
                .await
                .status(),
            404,
            "{kind}"
        );
    }
    let r = put_if(
        &app,
        anna,
        &format!("/pacts/{b}/commitments/{}", kept["id"].as_str().unwrap()),
        Some("\"1\""),
        commitment(&person, &day(5)),
    )
    .await;
    assert_eq!(r.status(), 404);
    let unknown = uuid::Uuid::now_v7();
    for path in [
        format!("/pacts/{unknown}"),
        format!("/pacts/{unknown}/steps"),
        format!("/pacts/{unknown}/commitments"),
        format!("/case-files/{unknown}/pacts"),
    ] {
        assert_eq!(get(&app, anna, &path).await.status(), 404, "{path}");
    }
    for (path, action, resource) in [
        (format!("/pacts/{a}"), "pact.read", a.clone()),
        (
            format!("/case-files/{file}/pacts"),
            "pact.list",
            file.clone(),
        ),
        (format!("/pacts/{a}/steps"), "pact.step.list", a.clone()),
        (
            format!("/pacts/{a}/transitions"),
            "pact.history.read",
            a.clone(),
        ),
        (
            format!("/pacts/{a}/commitments"),
            "pact.commitment.list",
            a.clone(),
        ),
        (
            format!("/pacts/{a}/commitments/{}", kept["id"].as_str().unwrap()),
            "pact.commitment.read",
            kept["id"].as_str().unwrap().to_owned(),
        ),
        (format!("/pacts/{a}/checks"), "pact.check.list", a.clone()),
        (
            format!("/pacts/{a}/non-compliance-events"),
            "pact.non_compliance.list",
            a.clone(),
        ),
    ] {
        get_json(&app, anna, &path).await;
        let record = app.audit(1).remove(0);
        assert_eq!(record.action, action, "{path}");
        assert_eq!(record.resource_id.as_deref(), Some(resource.as_str()));
        assert_eq!(record.actor_id.unwrap().0.to_string(), *anna_id);
        let details: Value = serde_json::from_str(record.details.as_deref().unwrap()).unwrap();
        assert_eq!(details["person_id"], person.as_str(), "{path}");
        assert_eq!(details["case_file_id"], file.as_str(), "{path}");
    }
    // Administrators never see pacts.
    assert_eq!(
        get(&app, &o.admin, &format!("/pacts/{a}")).await.status(),
        403
    );
}

/// Everything recorded on a pact and the pacts of its file, as the case manager reads it: to
/// show that a refused write changed nothing.
async fn snapshot(app: &TestApp, token: &str, file: &str, pact: &str) -> Value {
    let mut all = serde_json::Map::new();
    for path in [
        format!("/case-files/{file}/pacts"),
        format!("/pacts/{pact}/steps"),
        format!("/pacts/{pact}/transitions"),
        format!("/pacts/{pact}/commitments"),
        format!("/pacts/{pact}/checks"),
        format!("/pacts/{pact}/non-compliance-events"),
        format!("/case-files/{file}/referrals"),
    ] {
        let body = get_json(app, token, &path).await;
        all.insert(path, body);
    }
    Value::Object(all)
}

/// Sends `body` as is, with `content_type`, and `If-Match: "1"`.
async fn send_raw(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    content_type: &str,
    body: String,
) -> reqwest::Response {
    app.client
        .request(method, app.api(path))
        .bearer_auth(token)
        .header("if-match", "\"1\"")
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn writes_by_a_stranger_are_refused_before_the_body_and_leave_nothing(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, person) = open_file(&app, &o, "Lia").await;
    let id = signed_pact(&app, &o, &file, &day(-70)).await;
    let kept: Value = post(
        &app,
        anna,
        &format!("/pacts/{id}/commitments"),
        commitment(&person, &day(5)),
    )
    .await
    .json()
    .await
    .unwrap();
    let kept = kept["id"].as_str().unwrap();
    // A social worker of another area: no relation to the file.
    let sara = app
        .create_user(&o.admin, "sara", &["social_worker"], &["adults_disability"])
        .await;
    let sara_id = sara["id"].as_str().unwrap().to_owned();
    let (sara, _) = app.tokens("sara", &user_password("sara")).await;
    let before = snapshot(&app, anna, &file, &id).await;
    let writes = [
        (
            reqwest::Method::POST,
            format!("/case-files/{file}/pacts"),
            json!({"measure": "aup", "application_reference": "AUP-X"}),
        ),
        (
            reqwest::Method::POST,
            format!("/pacts/{id}/transitions"),
            json!({"transition": "activate"}),
        ),
        (
            reqwest::Method::POST,
            format!("/pacts/{id}/steps"),
            json!({"kind": "convocation"}),
        ),
        (
            reqwest::Method::POST,
            format!("/pacts/{id}/commitments"),
            commitment(&person, &day(5)),
        ),
        (
            reqwest::Method::PUT,
            format!("/pacts/{id}/commitments/{kept}"),
            commitment(&person, &day(6)),
        ),
        (
            reqwest::Method::POST,
            format!("/pacts/{id}/checks"),
            json!({}),
        ),
        (
            reqwest::Method::POST,
            format!("/pacts/{id}/non-compliance-events"),
            json!({"occurred_on": day(-1), "description": "Absent", "relevant_for_sanctions": false}),
        ),
    ];
    for (method, path, valid) in &writes {
        for (content_type, body) in [
            ("application/json", "{\"measure\": 4".to_owned()),
            ("application/json", json!({"junk": [1, 2]}).to_string()),
            ("text/plain", "hello".to_owned()),
            ("application/json", valid.to_string()),
        ] {
            let r = send_raw(
                &app,
                &sara,
                method.clone(),
                path,
                content_type,
                body.clone(),
            )
            .await;
            assert_eq!(r.status(), 403, "{method} {path} {body}");
            let refusal = app.audit(1).remove(0);
            assert_eq!(refusal.outcome, "denied", "{method} {path}");
            assert_eq!(
                refusal.actor_id.unwrap().0.to_string(),
                sara_id,
                "{method} {path}"
            );
        }
    }
    assert_eq!(snapshot(&app, anna, &file, &id).await, before);
}

/// Creates the educator `edo` of the file's area and adds them to the team of `file` from ten
/// days ago; returns `(token, assignment id)`.
async fn educator_on_team(app: &TestApp, o: &Office, file: &str) -> (String, String) {
    let (_, anna) = &o.anna;
    let edo = app
        .create_user(&o.admin, "edo", &["educator"], &["social_inclusion"])
        .await;
    let edo_id = edo["id"].as_str().unwrap().to_owned();
    let (edo, _) = app.tokens("edo", &user_password("edo")).await;
    let r = post_if(
        app,
        anna,
        &format!("/case-files/{file}/team"),
        &etag_of(&get(app, anna, &format!("/case-files/{file}")).await),
        json!({"staff_id": edo_id, "role": "educator", "from": day(-10)}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let team: Value = r.json().await.unwrap();
    let assignment = team["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["staff_id"] == edo_id.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (edo, assignment)
}

/// Ends a team assignment today, through the API, as the case manager.
async fn leave_team(app: &TestApp, o: &Office, file: &str, assignment: &str) {
    let (_, anna) = &o.anna;
    let r = post_if(
        app,
        anna,
        &format!("/case-files/{file}/team/{assignment}/end"),
        &etag_of(&get(app, anna, &format!("/case-files/{file}")).await),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 200);
}

async fn a_team_member_removed_from_the_team_writes_no_more(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, _) = open_file(&app, &o, "Teo").await;
    let (edo, assignment) = educator_on_team(&app, &o, &file).await;
    // On the team, the educator works on the file's pacts.
    let pact = create(&app, &edo, &file, adi(&day(-30))).await;
    let id = pact["id"].as_str().unwrap().to_owned();
    assert_eq!(
        step(&app, &edo, &id, json!({"kind": "convocation"}))
            .await
            .status(),
        201
    );
    // Off the team from today: every write is refused and nothing is written.
    leave_team(&app, &o, &file, &assignment).await;
    let before = snapshot(&app, anna, &file, &id).await;
    let tag = current_etag(&app, anna, &id).await;
    let refused = [
        post(
            &app,
            &edo,
            &format!("/case-files/{file}/pacts"),
            adi(&day(-30)),
        )
        .await,
        step(
            &app,
            &edo,
            &id,
            json!({"kind": "preliminary_analysis", "outcome": "social_path"}),
        )
        .await,
        transition(
            &app,
            &edo,
            &id,
            &tag,
            json!({"transition": "close", "reason": "x", "closure_outcome": "lapsed"}),
        )
        .await,
    ];
    for r in refused {
        assert_eq!(r.status(), 403, "{}", r.url());
    }
    assert_eq!(get(&app, &edo, &format!("/pacts/{id}")).await.status(), 403);
    assert_eq!(snapshot(&app, anna, &file, &id).await, before);
    assert_eq!(current_etag(&app, anna, &id).await, tag);
}

async fn list_reads_link_the_persons_they_show(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, person) = open_file(&app, &o, "Ada").await;
    let (home, child) = household(&app, anna, &person).await;
    let pact = create(
        &app,
        anna,
        &file,
        json!({"measure": "aup", "application_reference": "AUP-9", "household_id": home}),
    )
    .await;
    let id = pact["id"].as_str().unwrap().to_owned();
    step(&app, anna, &id, json!({"kind": "convocation"})).await;
    step(
        &app,
        anna,
        &id,
        json!({"kind": "preliminary_analysis", "outcome": "social_path"}),
    )
    .await;
    let tag = current_etag(&app, anna, &id).await;
    assert_eq!(
        transition(&app, anna, &id, &tag, json!({"transition": "sign"}))
            .await
            .status(),
        200
    );
    let r = post(
        &app,
        anna,
        &format!("/pacts/{id}/commitments"),
        commitment(&child, &day(30)),
    )
    .await;
    assert_eq!(r.status(), 201);
    let school: Value = r.json().await.unwrap();
    let school = school["id"].as_str().unwrap().to_owned();
    let persons = |ids: &[&str]| {
        let mut ids: Vec<uuid::Uuid> = ids
            .iter()
            .map(|i| uuid::Uuid::parse_str(i).unwrap())
            .collect();
        ids.sort();
        ids
    };
    // The write that shows the child links them too.
    let created = app.audit_entries(1).remove(0);
    assert_eq!(created.action, "pact.commitment.create");
    assert_eq!(created.persons, persons(&[&person, &child]));
    activate(&app, anna, &id, &day(0)).await;
    let r = post(
        &app,
        anna,
        &format!("/pacts/{id}/checks"),
        json!({"attendees": [child]}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let check: Value = r.json().await.unwrap();
    let check = check["id"].as_str().unwrap().to_owned();
    let created = app.audit_entries(1).remove(0);
    assert_eq!(created.action, "pact.check.create");
    assert_eq!(created.persons, persons(&[&person, &child]));
    for (path, action, shown) in [
        (
            format!("/case-files/{file}/pacts"),
            "pact.list",
            vec![&person],
        ),
        (
            format!("/pacts/{id}/steps"),
            "pact.step.list",
            vec![&person],
        ),
        (
            format!("/pacts/{id}/transitions"),
            "pact.history.read",
            vec![&person],
        ),
        (
            format!("/pacts/{id}/non-compliance-events"),
            "pact.non_compliance.list",
            vec![&person],
        ),
        (
            format!("/pacts/{id}/commitments"),
            "pact.commitment.list",
            vec![&person, &child],
        ),
        (
            format!("/pacts/{id}/commitments/{school}"),
            "pact.commitment.read",
            vec![&person, &child],
        ),
        (
            format!("/pacts/{id}/checks"),
            "pact.check.list",
            vec![&person, &child],
        ),
        (
            format!("/pacts/{id}/checks/{check}"),
            "pact.check.read",
            vec![&person, &child],
        ),
    ] {
        get_json(&app, anna, &path).await;
        let read = app.audit_entries(1).remove(0);
        assert_eq!(read.action, action, "{path}");
        let shown: Vec<&str> = shown.iter().map(|s| s.as_str()).collect();
        assert_eq!(read.persons, persons(&shown), "{path}");
    }
}

async fn a_write_in_flight_when_its_author_leaves_the_team_is_refused(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, _) = open_file(&app, &o, "Ivo").await;
    let (edo, assignment) = educator_on_team(&app, &o, &file).await;
    let pact = create(&app, &edo, &file, adi(&day(-30))).await;
    let id = pact["id"].as_str().unwrap().to_owned();
    let before = snapshot(&app, anna, &file, &id).await;
    // The educator starts recording a step while still on the team; the body is still
    // arriving when the case manager ends their assignment.
    let body = json!({"kind": "convocation", "notes": "Household met at the office"});
    let status = app
        .post_with_body_after(
            &edo,
            &format!("/pacts/{id}/steps"),
            &body,
            leave_team(&app, &o, &file, &assignment),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(snapshot(&app, anna, &file, &id).await, before);
}

/// Every stored deadline of every pact, with what the clock computes from the pact's facts
/// now: the two must agree.
fn stored_and_recomputed(
    app: &TestApp,
) -> Vec<(
    uuid::Uuid,
    Vec<socialcare_domain::pact::Deadline>,
    Vec<socialcare_domain::pact::Deadline>,
)> {
    use diesel::prelude::*;
    use socialcare_domain::pact::{clock_deadlines, rules_version};
    use socialcare_persistence::pacts;
    use socialcare_persistence::schema::pacts as pact_table;
    use socialcare_persistence::sql_types::DbUuid;

    app.db()
        .read(|c| {
            let ids: Vec<DbUuid> = pact_table::table.select(pact_table::id).load(c)?;
            let mut out = Vec::new();
            for id in ids {
                let pact = pacts::find(c, id.0)?.unwrap();
                let facts = pacts::clock_facts(c, &pact)?;
                let mut computed =
                    clock_deadlines(&facts, rules_version(&pact.rules_version).unwrap());
                computed.sort_by_key(|d| (d.due_on, d.kind, d.commitment_id));
                out.push((id.0, pacts::stored_deadlines(c, id.0)?, computed));
            }
            Ok(out)
        })
        .unwrap()
}

/// The agenda reads the deadlines stored with each change of a pact, and they are the ones
/// the pact's own clock shows: the check of an active pact; the same check moving day
/// by day while a suspension stops the clock (stored with the day it stopped), fixed again
/// after the resumption; a commitment added, then met.
async fn the_agenda_reads_the_clock_the_pact_shows(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, _) = open_file(&app, &o, "Dora").await;
    let id = signed_pact(&app, &o, &file, &day(-79)).await;
    activate(&app, anna, &id, &day(-78)).await;
    let agenda_path = format!("/me/agenda?to={}", day(60));
    let checks = |agenda: &Value| -> Vec<(String, bool)> {
        agenda["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["pact_id"] == id.as_str())
            .map(|i| {
                (
                    format!(
                        "{}:{}",
                        i["kind"].as_str().unwrap(),
                        i["due_on"].as_str().unwrap()
                    ),
                    i["late"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    // ADI: a check every 90 days from the start.
    let agenda = get_json(&app, anna, &agenda_path).await;
    assert_eq!(
        checks(&agenda),
        [(format!("pact_check:{}", day(12)), false)]
    );
    // Suspended 20 days ago: the clock stopped then, so the check falls 20 days later than
    // it would have, and keeps moving while the suspension runs.
    let tag = current_etag(&app, anna, &id).await;
    let r = transition(
        &app,
        anna,
        &id,
        &tag,
        json!({"transition": "suspend", "occurred_on": day(-20), "reason": "Hospital stay"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let suspended: Value = r.json().await.unwrap();
    assert_eq!(suspended["clock"]["deadlines"][0]["due_on"], day(32));
    let agenda = get_json(&app, anna, &agenda_path).await;
    assert_eq!(
        checks(&agenda),
        [(format!("pact_check:{}", day(32)), false)]
    );
    let kind_only = get_json(&app, anna, &format!("{agenda_path}&kind=pact_check")).await;
    assert_eq!(checks(&kind_only), checks(&agenda));
    let rows = stored_and_recomputed(&app);
    let (_, stored, computed) = rows.iter().find(|(p, _, _)| p.to_string() == id).unwrap();
    assert_eq!(stored, computed);
    // The agenda's index holds the moving check with the day its clock stopped.
    assert!(app.assert_agenda_index_exact() > 0);
    assert_eq!(
        stored[0].stopped_since,
        Some(chrono::NaiveDate::parse_from_str(&day(-20), "%Y-%m-%d").unwrap())
    );
    // Resumed today: 20 suspended days, the deadline is fixed again.
    let tag = current_etag(&app, anna, &id).await;
    let r = transition(&app, anna, &id, &tag, json!({"transition": "resume"})).await;
    assert_eq!(r.status(), 200);
    let agenda = get_json(&app, anna, &agenda_path).await;
    assert_eq!(
        checks(&agenda),
        [(format!("pact_check:{}", day(32)), false)]
    );
    // A commitment due in 5 days joins the agenda before the check.
    let person = get_json(&app, anna, &format!("/case-files/{file}")).await["person_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = post(
        &app,
        anna,
        &format!("/pacts/{id}/commitments"),
        json!({"person_id": person, "kind": "training", "owner": "Dora",
            "frequency": "once", "due_on": day(5), "verification": "Certificate"}),
    )
    .await;
    let status = r.status();
    let commitment: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{commitment}");
    let agenda = get_json(&app, anna, &agenda_path).await;
    assert_eq!(
        checks(&agenda),
        [
            (format!("pact_commitment:{}", day(5)), false),
            (format!("pact_check:{}", day(32)), false)
        ]
    );
    assert!(
        stored_and_recomputed(&app)
            .iter()
            .all(|(_, stored, computed)| stored == computed)
    );
}

/// A database upgraded from before deadlines were stored gets the deadlines of every pact it
/// has, computed by the step that precedes the migration indexing them; they are the ones the
/// server would have stored.
async fn deadlines_of_existing_pacts_are_stored_on_upgrade(app: TestApp) {
    use socialcare_persistence::migrations;

    let summary = socialcare_api::demo::load(app.db(), 7, 60).unwrap();
    assert!(summary.pacts > 0);
    let before = stored_and_recomputed(&app);
    assert_eq!(before.len(), summary.pacts);
    assert!(before.iter().any(|(_, stored, _)| !stored.is_empty()));
    assert!(
        before
            .iter()
            .all(|(_, stored, computed)| stored == computed)
    );
    // Back to before deadlines were stored: every migration from 000019 on reverted (after the
    // staged audit records are chained: migration 000048 refuses to go down while any is staged).
    app.settle_audit();
    let mut conn = app.db().conn().unwrap();
    let mut reverted = Vec::new();
    loop {
        let version = migrations::revert_last(&mut conn).unwrap();
        let done = version.ends_with("000019");
        reverted.push(version);
        if done {
            break;
        }
    }
    let applied = migrations::run_pending_on(&mut conn).unwrap();
    assert_eq!(applied.len(), reverted.len(), "{applied:?}");
    drop(conn);
    assert_eq!(stored_and_recomputed(&app), before);
}
