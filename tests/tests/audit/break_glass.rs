//! Break-glass access: the grant with its reason and window, refusals, the audit marks, expiry,
//! and the office manager's review with acknowledgement.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use socialcare_persistence::break_glass;
use socialcare_tests::{Engine, TestApp, on_both_engines};
use uuid::Uuid;

use crate::{case_file, get, get_json, office, post};

on_both_engines!(
    a_staff_member_outside_the_team_opens_a_case_file_once,
    break_glass_is_refused_to_the_wrong_people_and_input,
    the_office_manager_reviews_and_acknowledges,
);

const REASON: &str = "Call from the emergency room: the person was found unconscious";

fn instant(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

fn active(app: &TestApp, staff: &str, file: &str, at: DateTime<Utc>) -> Option<break_glass::Grant> {
    let (staff, file) = (
        Uuid::parse_str(staff).unwrap(),
        Uuid::parse_str(file).unwrap(),
    );
    app.db()
        .read(|c| break_glass::active_grant(c, staff, file, at))
        .unwrap()
}

async fn a_staff_member_outside_the_team_opens_a_case_file_once(app: TestApp) {
    let office = office(&app).await;
    let (file, p) = case_file(&app, &office.anna, &office.anna_id, "Maria").await;
    assert!(active(&app, &office.marco_id, &file, Utc::now()).is_none());

    let path = format!("/case-files/{file}/break-glass");
    let r = post(
        &app,
        &office.marco,
        &path,
        json!({"reason": format!("  {REASON} ")}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let grant: Value = r.json().await.unwrap();
    assert_eq!(grant["case_file_id"], file.as_str());
    assert_eq!(grant["staff_id"], office.marco_id.as_str());
    assert_eq!(grant["reason"], REASON, "trimmed");
    assert_eq!(grant["acknowledged_at"], Value::Null);
    let window = instant(&grant["expires_at"]) - instant(&grant["granted_at"]);
    assert_eq!(window.num_seconds(), 86_400, "24 hours by default");

    // Stored, and found by the policy's look-up.
    let stored = active(&app, &office.marco_id, &file, Utc::now()).unwrap();
    assert_eq!(stored.id.to_string(), grant["id"].as_str().unwrap());
    assert_eq!(stored.reason, REASON);
    assert!(active(&app, &office.marco_id, &file, instant(&grant["expires_at"])).is_none());
    assert!(
        active(&app, &office.anna_id, &file, Utc::now()).is_none(),
        "per staff member"
    );

    // Audited as break-glass, with the person and the reason as purpose.
    let record = app.audit_entries(1).remove(0);
    assert_eq!(record.action, "case_file.break_glass");
    assert_eq!(record.resource_type, "case_file");
    assert_eq!(record.resource_id.as_deref(), Some(file.as_str()));
    assert!(record.break_glass);
    assert_eq!(record.purpose.as_deref(), Some(REASON));
    assert_eq!(record.actor_username.as_deref(), Some("marco"));
    assert_eq!(record.outcome, "success");
    assert_eq!(
        record
            .persons
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [p]
    );
    let details: Value = serde_json::from_str(record.details.as_deref().unwrap()).unwrap();
    assert_eq!(details["grant_id"], grant["id"]);

    // A second one while the first is open: 409 naming it, nothing recorded.
    let before = app.audit(1)[0].seq;
    let r = post(&app, &office.marco, &path, json!({"reason": REASON})).await;
    assert_eq!(r.status(), 409);
    let problem: Value = r.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(grant["id"].as_str().unwrap()),
        "{problem}"
    );
    assert_eq!(app.audit(1)[0].seq, before);

    // Idempotent retries replay the first answer.
    let (other_file, _) = case_file(&app, &office.anna, &office.anna_id, "Giulia").await;
    let retry = |key: &'static str| {
        app.client
            .post(app.api(&format!("/case-files/{other_file}/break-glass")))
            .bearer_auth(&office.marco)
            .header("Idempotency-Key", key)
            .json(&json!({"reason": REASON}))
            .send()
    };
    let first = retry("bg-1").await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let second = retry("bg-1").await.unwrap();
    assert_eq!(second.status(), 201);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    assert_eq!(second.json::<Value>().await.unwrap(), first);
}

async fn break_glass_is_refused_to_the_wrong_people_and_input(app: TestApp) {
    let office = office(&app).await;
    let (file, _) = case_file(&app, &office.anna, &office.anna_id, "Maria").await;
    let path = format!("/case-files/{file}/break-glass");

    for (token, who) in [
        (&office.clerk, "clerk"),
        (&office.privacy, "privacy"),
        (&office.admin, "admin"),
    ] {
        let r = post(&app, token, &path, json!({"reason": REASON})).await;
        assert_eq!(r.status(), 403, "{who}");
        let record = &app.audit(1)[0];
        assert_eq!(
            (record.action.as_str(), record.outcome.as_str()),
            ("case_file.break_glass", "denied"),
            "{who}"
        );
        assert_eq!(record.resource_id.as_deref(), Some(file.as_str()));
    }

    // The case manager is on the team: no break-glass needed.
    let r = post(&app, &office.anna, &path, json!({"reason": REASON})).await;
    assert_eq!(r.status(), 409);
    let problem: Value = r.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("team"),
        "{problem}"
    );

    for (body, pointer) in [
        (json!({"reason": "too short"}), "/reason"),
        (json!({"reason": "          short     "}), "/reason"),
        (json!({}), "/reason"),
        (json!({"reason": REASON, "until": "tomorrow"}), "/until"),
    ] {
        let r = post(&app, &office.marco, &path, body.clone()).await;
        assert_eq!(r.status(), 422, "{body}");
        let problem: Value = r.json().await.unwrap();
        assert_eq!(problem["errors"][0]["pointer"], pointer, "{problem}");
    }
    let unknown = Uuid::now_v7();
    let r = post(
        &app,
        &office.marco,
        &format!("/case-files/{unknown}/break-glass"),
        json!({"reason": REASON}),
    )
    .await;
    assert_eq!(r.status(), 404);
    let r = post(
        &app,
        &office.marco,
        "/case-files/nope/break-glass",
        json!({"reason": REASON}),
    )
    .await;
    assert_eq!(r.status(), 400);
    assert!(
        active(&app, &office.marco_id, &file, Utc::now()).is_none(),
        "nothing granted"
    );
    // The office manager reads every case already (never the special categories, which
    // break-glass does not open either): the request is refused and audited.
    let r = post(&app, &office.manager, &path, json!({"reason": REASON})).await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.audit(1)[0].outcome, "denied");
}

async fn the_office_manager_reviews_and_acknowledges(app: TestApp) {
    let office = office(&app).await;
    let (file, p) = case_file(&app, &office.anna, &office.anna_id, "Maria").await;
    let r = post(
        &app,
        &office.marco,
        &format!("/case-files/{file}/break-glass"),
        json!({"reason": REASON}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let grant: Value = r.json().await.unwrap();
    let id = grant["id"].as_str().unwrap().to_owned();

    for token in [&office.marco, &office.privacy, &office.clerk] {
        assert_eq!(
            get(&app, token, "/break-glass-accesses").await.status(),
            403
        );
    }
    let page = get_json(
        &app,
        &office.manager,
        "/break-glass-accesses?acknowledged=false",
    )
    .await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    let item = &items[0];
    assert_eq!(item["id"], id.as_str());
    assert_eq!(item["staff"]["id"], office.marco_id.as_str());
    assert_eq!(item["staff"]["username"], "marco");
    assert_eq!(item["staff"]["display_name"], "Test marco");
    assert_eq!(item["case_file_id"], file.as_str());
    assert!(item["case_reference"].as_str().unwrap().starts_with("CS-"));
    assert_eq!(item["person_id"], p.as_str());
    assert_eq!(item["reason"], REASON);
    assert_eq!(item["active"], true);
    assert_eq!(item["audit_records"], 1, "the opening itself");
    assert_eq!(item["acknowledged_at"], Value::Null);
    assert_eq!(page["next"], Value::Null);
    // Reviewing is recorded, with the persons shown.
    let record = app.audit_entries(1).remove(0);
    assert_eq!(record.action, "break_glass.list");
    assert_eq!(record.persons[0].to_string(), p);

    let ack = format!("/break-glass-accesses/{id}/acknowledgement");
    assert_eq!(
        post(&app, &office.anna, &ack, json!({})).await.status(),
        403
    );
    let r = post(
        &app,
        &office.manager,
        &ack,
        json!({"note": "x".repeat(501)}),
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = post(
        &app,
        &office.manager,
        &ack,
        json!({"note": "Checked with the emergency room"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let done: Value = r.json().await.unwrap();
    assert_eq!(done["id"], id.as_str());
    assert_eq!(done["acknowledged_by"], office.manager_id.as_str());
    assert_eq!(
        done["acknowledgement_note"],
        "Checked with the emergency room"
    );
    assert!(instant(&done["acknowledged_at"]) <= Utc::now());
    let record = app.audit_entries(1).remove(0);
    assert_eq!(record.action, "break_glass.acknowledge");
    assert_eq!(record.resource_id.as_deref(), Some(id.as_str()));
    assert_eq!(record.persons[0].to_string(), p);

    let before = app.audit(1)[0].seq;
    let r = post(&app, &office.manager, &ack, json!({})).await;
    assert_eq!(r.status(), 409);
    assert_eq!(
        app.audit(1)[0].seq,
        before,
        "nothing recorded for a refused change"
    );
    let unknown = Uuid::now_v7();
    let r = post(
        &app,
        &office.manager,
        &format!("/break-glass-accesses/{unknown}/acknowledgement"),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 404);

    let open = get_json(
        &app,
        &office.manager,
        "/break-glass-accesses?acknowledged=false",
    )
    .await;
    assert_eq!(open["items"], json!([]));
    let reviewed = get_json(
        &app,
        &office.manager,
        "/break-glass-accesses?acknowledged=true",
    )
    .await;
    assert_eq!(reviewed["items"][0]["id"], id.as_str());
    assert_eq!(
        reviewed["items"][0]["acknowledged_by"],
        office.manager_id.as_str()
    );
    let stored = app
        .db()
        .read(|c| break_glass::find(c, Uuid::parse_str(&id).unwrap()))
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.acknowledged_by.unwrap().to_string(),
        office.manager_id
    );
}

/// With a one-second window the grant lapses, a new one may be asked, and the review list shows
/// both, newest first, one page at a time.
async fn break_glass_grants_expire(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, &["--break-glass-ttl-secs", "1"]).await else {
        return;
    };
    let office = office(&app).await;
    let (file, _) = case_file(&app, &office.anna, &office.anna_id, "Maria").await;
    let path = format!("/case-files/{file}/break-glass");
    let r = post(&app, &office.marco, &path, json!({"reason": REASON})).await;
    assert_eq!(r.status(), 201);
    let first: Value = r.json().await.unwrap();
    let window = instant(&first["expires_at"]) - instant(&first["granted_at"]);
    assert_eq!(window.num_seconds(), 1);
    assert!(active(&app, &office.marco_id, &file, instant(&first["granted_at"])).is_some());

    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert!(
        active(&app, &office.marco_id, &file, Utc::now()).is_none(),
        "expired"
    );
    let r = post(&app, &office.marco, &path, json!({"reason": REASON})).await;
    assert_eq!(
        r.status(),
        201,
        "a new access may be asked once the first has lapsed"
    );
    let second: Value = r.json().await.unwrap();
    assert_ne!(second["id"], first["id"]);

    let page = get_json(&app, &office.manager, "/break-glass-accesses?limit=1").await;
    assert_eq!(page["items"][0]["id"], second["id"]);
    let next = page["next"]
        .as_str()
        .unwrap()
        .trim_start_matches("/api/v1")
        .to_owned();
    let page = get_json(&app, &office.manager, &next).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["id"], first["id"]);
    assert_eq!(page["items"][0]["active"], false);
    assert_eq!(page["next"], Value::Null);
}

#[tokio::test]
async fn break_glass_grants_expire_sqlite() {
    break_glass_grants_expire(Engine::Sqlite).await;
}

#[tokio::test]
async fn break_glass_grants_expire_postgres() {
    break_glass_grants_expire(Engine::Postgres).await;
}
