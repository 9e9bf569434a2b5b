//! Households (composition by date, join/leave history, one household per person, one
//! reference person, If-Match) and the special-category groups of a person (round trips,
//! validation, permits expiring) — each on SQLite and on PostgreSQL.

use chrono::{Duration, NaiveDate, Utc};
use serde_json::{Value, json};
use socialcare_domain::calendar;
use socialcare_tests::http::etag_of;
use socialcare_tests::{TestApp, on_both_engines, user_password};

on_both_engines!(
    composition_is_kept_by_date_with_the_history_of_joins_and_leaves,
    a_person_belongs_to_one_household_and_a_household_to_one_reference_person,
    member_changes_need_the_household_etag_and_one_concurrent_change_wins,
    sensitive_groups_are_recorded_read_and_replaced_with_etags,
    sensitive_data_validation_points_at_each_field,
    permits_expiring_lists_the_window_in_expiry_order_with_pages,
    only_staff_who_work_cases_reach_households_and_sensitive_data,
    a_caller_with_no_relation_is_refused_before_the_body_and_writes_nothing,
    a_team_member_removed_from_the_team_changes_households_no_more,
    every_household_read_links_the_persons_it_shows,
);

mod gate;
use gate::{
    a_caller_with_no_relation_is_refused_before_the_body_and_writes_nothing,
    a_team_member_removed_from_the_team_changes_households_no_more,
    every_household_read_links_the_persons_it_shows,
};

struct Worker {
    id: String,
    token: String,
}

async fn worker(app: &TestApp) -> Worker {
    let admin = app.admin_token().await;
    let user = app
        .create_user(&admin, "worker", &["social_worker"], &["social_inclusion"])
        .await;
    let (token, _) = app.tokens("worker", &user_password("worker")).await;
    Worker {
        id: user["id"].as_str().unwrap().to_owned(),
        token,
    }
}

async fn send(
    app: &TestApp,
    w: &Worker,
    method: reqwest::Method,
    path: &str,
    etag: Option<&str>,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut call = app.call(method, &w.token, path);
    if let Some(etag) = etag {
        call = call.if_match(etag);
    }
    if let Some(body) = body {
        call = call.json(body);
    }
    call.send().await
}

async fn get(app: &TestApp, w: &Worker, path: &str) -> reqwest::Response {
    send(app, w, reqwest::Method::GET, path, None, None).await
}

async fn post(
    app: &TestApp,
    w: &Worker,
    path: &str,
    etag: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    send(app, w, reqwest::Method::POST, path, etag, Some(body)).await
}

async fn put(
    app: &TestApp,
    w: &Worker,
    path: &str,
    etag: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    send(app, w, reqwest::Method::PUT, path, etag, Some(body)).await
}

async fn json_of(r: reqwest::Response) -> Value {
    r.json().await.unwrap()
}

/// Registers a person; returns the id.
async fn person(app: &TestApp, w: &Worker, given: &str, family: &str) -> String {
    let r = post(
        app,
        w,
        "/persons",
        None,
        &json!({"given_names": given, "family_names": family}),
    )
    .await;
    assert_eq!(r.status(), 201);
    json_of(r).await["id"].as_str().unwrap().to_owned()
}

/// Registers a person and opens a social inclusion file for them managed by the worker, who
/// may then read and write the person's special categories; returns the person's id.
async fn person_in_charge(app: &TestApp, w: &Worker, given: &str, family: &str) -> String {
    let id = person(app, w, given, family).await;
    let r = post(
        app,
        w,
        "/case-files",
        None,
        &json!({"person_id": id, "area": "social_inclusion", "case_manager_id": w.id}),
    )
    .await;
    assert_eq!(r.status(), 201);
    id
}

/// Creates a household headed by `reference` from `joined_on`; returns its id.
async fn household(app: &TestApp, w: &Worker, reference: &str, joined_on: &str) -> String {
    let r = post(
        app,
        w,
        "/households",
        None,
        &json!({"reference_person_id": reference, "joined_on": joined_on}),
    )
    .await;
    assert_eq!(r.status(), 201);
    json_of(r).await["id"].as_str().unwrap().to_owned()
}

fn member_ids(composition: &Value) -> Vec<String> {
    composition["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["person_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn composition_is_kept_by_date_with_the_history_of_joins_and_leaves(app: TestApp) {
    let w = worker(&app).await;
    let anna = person(&app, &w, "Anna", "Bianchi").await;
    let bruno = person(&app, &w, "Bruno", "Bianchi").await;
    let carla = person(&app, &w, "Carla", "Bianchi").await;

    let r = post(
        &app,
        &w,
        "/households",
        None,
        &json!({"reference_person_id": anna, "joined_on": "2020-01-01"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert_eq!(etag_of(&r), "\"1\"");
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let created = json_of(r).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/households/{id}"));
    assert_eq!(member_ids(&created), std::slice::from_ref(&anna));
    assert_eq!(created["members"][0]["relationship"], "reference_person");
    assert_eq!(created["members"][0]["given_names"], "Anna");
    let audit = &app.audit(1)[0];
    assert_eq!(audit.action, "household.create");
    assert_eq!(audit.resource_type, "household");
    assert_eq!(audit.resource_id.as_deref(), Some(id.as_str()));
    assert!(audit.details.as_deref().unwrap().contains(&anna));

    let members = format!("/households/{id}/members");
    let r = post(
        &app,
        &w,
        &members,
        Some("\"1\""),
        &json!({"person_id": bruno, "relationship": "spouse", "joined_on": "2020-01-01"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert_eq!(etag_of(&r), "\"2\"");
    let r = post(
        &app,
        &w,
        &members,
        Some("\"2\""),
        &json!({"person_id": carla, "relationship": "child", "joined_on": "2021-06-01"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let after_carla = json_of(r).await;
    // The reference person first, then by joining day.
    assert_eq!(
        member_ids(&after_carla),
        [anna.clone(), bruno.clone(), carla.clone()]
    );
    let bruno_member = after_carla["members"][1]["member_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Bruno moves out at the start of 2024.
    let r = post(
        &app,
        &w,
        &format!("/households/{id}/members/{bruno_member}/leave"),
        Some("\"3\""),
        &json!({"left_on": "2024-01-01"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag_of(&r), "\"4\"");
    assert_eq!(member_ids(&json_of(r).await), [anna.clone(), carla.clone()]);
    let audit = &app.audit(1)[0];
    assert_eq!(audit.action, "household.member.leave");
    assert!(audit.details.as_deref().unwrap().contains(&bruno));

    // Now and on past dates.
    let r = get(&app, &w, &format!("/households/{id}")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag_of(&r), "\"4\"");
    let now = json_of(r).await;
    assert_eq!(member_ids(&now), [anna.clone(), carla.clone()]);
    assert_eq!(now["date"], calendar::today(Utc::now()).to_string());
    let audit = &app.audit(1)[0];
    assert_eq!(audit.action, "household.read");
    assert!(audit.details.as_deref().unwrap().contains(&carla));
    for (date, expected) in [
        ("2019-12-31", vec![]),
        ("2020-01-01", vec![anna.clone(), bruno.clone()]),
        (
            "2021-06-01",
            vec![anna.clone(), bruno.clone(), carla.clone()],
        ),
        (
            "2023-12-31",
            vec![anna.clone(), bruno.clone(), carla.clone()],
        ),
        ("2024-01-01", vec![anna.clone(), carla.clone()]),
    ] {
        let r = get(
            &app,
            &w,
            &format!("/households/{id}/composition?date={date}"),
        )
        .await;
        assert_eq!(r.status(), 200);
        let body = json_of(r).await;
        assert_eq!(body["date"], date);
        assert_eq!(member_ids(&body), expected, "on {date}");
    }
    let r = get(
        &app,
        &w,
        &format!("/households/{id}/composition?date=yesterday"),
    )
    .await;
    assert_eq!(r.status(), 400);

    // The history keeps the ended membership.
    let current = json_of(get(&app, &w, &members).await).await;
    assert_eq!(current["items"].as_array().unwrap().len(), 2);
    let history = json_of(get(&app, &w, &format!("{members}?include_past=true")).await).await;
    let items = history["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let ended = items.iter().find(|m| m["person_id"] == bruno).unwrap();
    assert_eq!(ended["left_on"], "2024-01-01");
    assert_eq!(ended["relationship"], "spouse");
    assert!(ended["ended_by"].is_string());
    assert_eq!(app.audit(1)[0].action, "household.members.read");

    // From the person's side.
    let r = get(&app, &w, &format!("/persons/{carla}/household")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(json_of(r).await["id"], id.as_str());
    let r = get(&app, &w, &format!("/persons/{bruno}/household")).await;
    assert_eq!(r.status(), 404);
    let audit = &app.audit(1)[0];
    assert_eq!(audit.action, "household.read_of_person");
    assert!(audit.details.as_deref().unwrap().contains(&bruno));
    let unknown = uuid::Uuid::now_v7();
    assert_eq!(
        get(&app, &w, &format!("/persons/{unknown}/household"))
            .await
            .status(),
        404
    );
    assert_eq!(
        get(&app, &w, &format!("/households/{unknown}"))
            .await
            .status(),
        404
    );

    // Nothing was deleted: three membership rows.
    let rows = app
        .db()
        .read(|c| {
            use diesel::prelude::*;
            Ok(socialcare_persistence::schema::household_members::table
                .count()
                .get_result::<i64>(c)?)
        })
        .unwrap();
    assert_eq!(rows, 3);
}

async fn a_person_belongs_to_one_household_and_a_household_to_one_reference_person(app: TestApp) {
    let w = worker(&app).await;
    let anna = person(&app, &w, "Anna", "Rossi").await;
    let dario = person(&app, &w, "Dario", "Verdi").await;
    let elena = person(&app, &w, "Elena", "Neri").await;
    let first = household(&app, &w, &anna, "2022-01-01").await;
    let second = household(&app, &w, &dario, "2022-01-01").await;

    // Anna is in the first household: she cannot join the second, nor head a new one.
    let r = post(
        &app,
        &w,
        &format!("/households/{second}/members"),
        Some("\"1\""),
        &json!({"person_id": anna, "relationship": "partner", "joined_on": "2023-01-01"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    let detail = json_of(r).await["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.contains("at most one household") && detail.contains(&first),
        "{detail}"
    );
    let r = post(
        &app,
        &w,
        "/households",
        None,
        &json!({"reference_person_id": anna, "joined_on": "2023-01-01"}),
    )
    .await;
    assert_eq!(r.status(), 409);

    // A second reference person overlapping the first is refused.
    let r = post(
        &app,
        &w,
        &format!("/households/{first}/members"),
        Some("\"1\""),
        &json!({"person_id": elena, "relationship": "reference_person", "joined_on": "2023-01-01"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    let detail = json_of(r).await["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("at most one reference person"), "{detail}");

    // Refused changes changed nothing: versions are still 1, no member was added.
    let r = get(&app, &w, &format!("/households/{first}")).await;
    assert_eq!(etag_of(&r), "\"1\"");
    assert_eq!(member_ids(&json_of(r).await), std::slice::from_ref(&anna));

    // Once Anna left the first household, she may join the second from that day, not before.
    let anna_member = json_of(get(&app, &w, &format!("/households/{first}")).await).await
        ["members"][0]["member_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let leave = format!("/households/{first}/members/{anna_member}/leave");
    // Leaving on (or before) the joining day is refused.
    let r = post(
        &app,
        &w,
        &leave,
        Some("\"1\""),
        &json!({"left_on": "2022-01-01"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    assert!(
        json_of(r).await["detail"]
            .as_str()
            .unwrap()
            .contains("ends after the day it starts")
    );
    let r = post(
        &app,
        &w,
        &leave,
        Some("\"1\""),
        &json!({"left_on": "2024-03-01"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    // Leaving twice is refused.
    let r = post(
        &app,
        &w,
        &leave,
        Some("\"2\""),
        &json!({"left_on": "2024-04-01"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    let join_second =
        |on: &str| json!({"person_id": anna, "relationship": "partner", "joined_on": on});
    let r = post(
        &app,
        &w,
        &format!("/households/{second}/members"),
        Some("\"1\""),
        &join_second("2024-02-29"),
    )
    .await;
    assert_eq!(r.status(), 409);
    let r = post(
        &app,
        &w,
        &format!("/households/{second}/members"),
        Some("\"1\""),
        &join_second("2024-03-01"),
    )
    .await;
    assert_eq!(r.status(), 201);
    let r = get(&app, &w, &format!("/persons/{anna}/household")).await;
    assert_eq!(json_of(r).await["id"], second.as_str());

    // The first household has no reference person any more: Elena may take the role.
    let r = post(
        &app,
        &w,
        &format!("/households/{first}/members"),
        Some("\"2\""),
        &json!({"person_id": elena, "relationship": "reference_person", "joined_on": "2024-03-01"}),
    )
    .await;
    assert_eq!(r.status(), 201);

    // Unknown and annulled persons, unknown memberships.
    let r = post(
        &app,
        &w,
        &format!("/households/{second}/members"),
        Some("\"2\""),
        &json!({"person_id": uuid::Uuid::now_v7(), "relationship": "child", "joined_on": "2024-03-01"}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(json_of(r).await["errors"][0]["pointer"], "/person_id");
    let ghost = person(&app, &w, "Fabio", "Errato").await;
    let r = post(
        &app,
        &w,
        &format!("/persons/{ghost}/annul"),
        Some("\"1\""),
        &json!({"reason": "registered by mistake"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = post(
        &app,
        &w,
        &format!("/households/{second}/members"),
        Some("\"2\""),
        &json!({"person_id": ghost, "relationship": "child", "joined_on": "2024-03-01"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    assert!(
        json_of(r).await["detail"]
            .as_str()
            .unwrap()
            .contains("annulled")
    );
    let r = post(
        &app,
        &w,
        &format!(
            "/households/{second}/members/{}/leave",
            uuid::Uuid::now_v7()
        ),
        Some("\"2\""),
        &json!({"left_on": "2025-01-01"}),
    )
    .await;
    assert_eq!(r.status(), 404);
    let r = post(
        &app,
        &w,
        &format!("/households/{second}/members"),
        Some("\"2\""),
        &json!({"person_id": dario, "relationship": "uncle", "joined_on": "2024-03-01"}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(json_of(r).await["errors"][0]["pointer"], "/relationship");
}

async fn member_changes_need_the_household_etag_and_one_concurrent_change_wins(app: TestApp) {
    let w = worker(&app).await;
    let anna = person(&app, &w, "Anna", "Gialli").await;
    let bea = person(&app, &w, "Bea", "Gialli").await;
    let ciro = person(&app, &w, "Ciro", "Gialli").await;
    let id = household(&app, &w, &anna, "2021-01-01").await;
    let members = format!("/households/{id}/members");
    let join =
        |p: &str| json!({"person_id": p, "relationship": "child", "joined_on": "2021-02-01"});

    let r = post(&app, &w, &members, None, &join(&bea)).await;
    assert_eq!(r.status(), 428);
    let r = post(&app, &w, &members, Some("\"9\""), &join(&bea)).await;
    assert_eq!(r.status(), 412);
    let anna_member = json_of(get(&app, &w, &format!("/households/{id}")).await).await["members"]
        [0]["member_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let leave = format!("/households/{id}/members/{anna_member}/leave");
    let r = post(&app, &w, &leave, None, &json!({"left_on": "2025-01-01"})).await;
    assert_eq!(r.status(), 428);
    let r = post(
        &app,
        &w,
        &leave,
        Some("\"0\""),
        &json!({"left_on": "2025-01-01"}),
    )
    .await;
    assert_eq!(r.status(), 412);

    // Two changes of version 1 at the same time: exactly one wins, the other gets 412.
    let (join_bea, join_ciro) = (join(&bea), join(&ciro));
    let (ra, rb) = tokio::join!(
        post(&app, &w, &members, Some("\"1\""), &join_bea),
        post(&app, &w, &members, Some("\"1\""), &join_ciro)
    );
    let mut statuses = vec![ra.status().as_u16(), rb.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, vec![201, 412]);
    let r = get(&app, &w, &format!("/households/{id}")).await;
    assert_eq!(etag_of(&r), "\"2\"");
    assert_eq!(json_of(r).await["members"].as_array().unwrap().len(), 2);

    // Idempotent retries replay the first answer.
    let dino = person(&app, &w, "Dino", "Gialli").await;
    let retry = || {
        app.client
            .post(app.api(&members))
            .bearer_auth(&w.token)
            .header("if-match", "\"2\"")
            .header("idempotency-key", "join-dino")
            .json(&join(&dino))
            .send()
    };
    let first = retry().await.unwrap();
    assert_eq!(first.status(), 201);
    let again = retry().await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(etag_of(&again), "\"3\"");
}

/// The four groups: path, a valid body, a changed valid body, a field to compare.
fn groups() -> Vec<(&'static str, &'static str, Value, Value, &'static str)> {
    vec![
        (
            "health-disability",
            "health_disability",
            json!({"law_104_recognised": true, "law_104_severe": false,
                   "civil_invalidity_percent": 75, "accompanying_allowance": false,
                   "support_needs": " Home care twice a week "}),
            json!({"law_104_recognised": true, "law_104_severe": true,
                   "civil_invalidity_percent": 100, "accompanying_allowance": true,
                   "support_needs": null}),
            "civil_invalidity_percent",
        ),
        (
            "ethnicity",
            "ethnicity",
            json!({"community": "sinti", "relevant_to_project": "Housing inclusion project"}),
            json!({"community": "roma", "relevant_to_project": "Schooling of the children"}),
            "community",
        ),
        (
            "legal-status",
            "legal_status",
            json!({"permit_kind": "protezione speciale", "permit_expires_on": "2027-03-31",
                   "protection_status": "special_protection"}),
            json!({"permit_kind": null, "permit_expires_on": null, "protection_status": "refugee"}),
            "protection_status",
        ),
        (
            "justice",
            "justice",
            json!({"status": "detained", "institution": "Casa circondariale di Trento",
                   "measure_start_on": "2025-05-01", "expected_release_on": "2027-05-01"}),
            json!({"status": "alternative_measure",
                   "alternative_measure_kind": "affidamento in prova ai servizi sociali",
                   "uepe_contact_reference": "UEPE TN 2026/114"}),
            "status",
        ),
    ]
}

async fn sensitive_groups_are_recorded_read_and_replaced_with_etags(app: TestApp) {
    let w = worker(&app).await;
    let id = person_in_charge(&app, &w, "Goran", "Nikolic").await;
    for (segment, code, body, changed, field) in groups() {
        let path = format!("/persons/{id}/{segment}");
        let r = get(&app, &w, &path).await;
        assert_eq!(r.status(), 404, "{segment}");
        let audit = &app.audit(1)[0];
        assert_eq!(audit.action, format!("person.{code}.read"));
        assert!(audit.details.as_deref().unwrap().contains("false"));

        // If-Match on data that does not exist yet fails; without it, the data is recorded.
        assert_eq!(
            put(&app, &w, &path, Some("\"1\""), &body).await.status(),
            412
        );
        let r = put(&app, &w, &path, None, &body).await;
        assert_eq!(r.status(), 201, "{segment}");
        assert_eq!(etag_of(&r), "\"1\"");
        assert_eq!(
            r.headers()["location"].to_str().unwrap(),
            format!("/api/v1{path}")
        );
        let created = json_of(r).await;
        assert_eq!(created["person_id"], id.as_str());
        assert_eq!(created[field], body[field], "{segment}");
        assert_eq!(created["version"], 1);
        let audit = &app.audit(1)[0];
        assert_eq!(audit.action, format!("person.{code}.create"));
        assert_eq!(audit.resource_type, "person");
        assert_eq!(audit.resource_id.as_deref(), Some(id.as_str()));

        let r = get(&app, &w, &path).await;
        assert_eq!(r.status(), 200);
        assert_eq!(etag_of(&r), "\"1\"");
        assert_eq!(json_of(r).await, created);
        assert_eq!(app.audit(1)[0].action, format!("person.{code}.read"));

        // Replacing needs the current ETag.
        assert_eq!(put(&app, &w, &path, None, &changed).await.status(), 428);
        assert_eq!(
            put(&app, &w, &path, Some("\"7\""), &changed).await.status(),
            412
        );
        let r = put(&app, &w, &path, Some("\"1\""), &changed).await;
        assert_eq!(r.status(), 200, "{segment}");
        assert_eq!(etag_of(&r), "\"2\"");
        assert!(r.headers().get("location").is_none());
        let replaced = json_of(r).await;
        assert_eq!(replaced[field], changed[field], "{segment}");
        assert_eq!(replaced["created_at"], created["created_at"]);
        assert_eq!(app.audit(1)[0].action, format!("person.{code}.update"));
        // No DELETE is offered.
        let r = send(&app, &w, reqwest::Method::DELETE, &path, None, None).await;
        assert_eq!(r.status(), 405);

        // Unknown persons.
        let unknown = format!("/persons/{}/{segment}", uuid::Uuid::now_v7());
        assert_eq!(get(&app, &w, &unknown).await.status(), 404);
        assert_eq!(put(&app, &w, &unknown, None, &body).await.status(), 404);
    }
    // Texts are stored trimmed; blank optional texts become null.
    let health = json_of(get(&app, &w, &format!("/persons/{id}/health-disability")).await).await;
    assert_eq!(health["support_needs"], Value::Null);
    let r = put(
        &app,
        &w,
        &format!("/persons/{id}/health-disability"),
        Some("\"2\""),
        &json!({"law_104_recognised": false, "law_104_severe": false,
                "accompanying_allowance": false, "support_needs": "  Needs a ramp  "}),
    )
    .await;
    assert_eq!(json_of(r).await["support_needs"], "Needs a ramp");

    // An annulled person's data is read-only.
    let r = post(
        &app,
        &w,
        &format!("/persons/{id}/annul"),
        Some("\"1\""),
        &json!({"reason": "registered twice"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let (segment, _, body, _, _) = &groups()[1];
    let r = put(
        &app,
        &w,
        &format!("/persons/{id}/{segment}"),
        Some("\"2\""),
        body,
    )
    .await;
    assert_eq!(r.status(), 409);
}

async fn sensitive_data_validation_points_at_each_field(app: TestApp) {
    let w = worker(&app).await;
    let id = person_in_charge(&app, &w, "Ion", "Popescu").await;
    let pointers = |body: Value| -> Vec<String> {
        let mut p: Vec<String> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["pointer"].as_str().unwrap().to_owned())
            .collect();
        p.sort();
        p
    };
    for (segment, body, expected) in [
        (
            "health-disability",
            json!({"law_104_recognised": false, "law_104_severe": true,
                   "civil_invalidity_percent": 50, "accompanying_allowance": false}),
            vec!["/law_104_severe"],
        ),
        (
            "health-disability",
            json!({"law_104_recognised": true, "law_104_severe": true,
                   "civil_invalidity_percent": 150, "accompanying_allowance": false,
                   "support_needs": "x".repeat(4001)}),
            vec!["/civil_invalidity_percent", "/support_needs"],
        ),
        (
            "health-disability",
            json!({"law_104_recognised": true, "accompanying_allowance": false}),
            vec!["/law_104_severe"],
        ),
        (
            "ethnicity",
            json!({"community": "sinti", "relevant_to_project": "   "}),
            vec!["/relevant_to_project"],
        ),
        (
            "ethnicity",
            json!({"community": "other", "relevant_to_project": "x"}),
            vec!["/community"],
        ),
        (
            "legal-status",
            json!({"permit_expires_on": "2027-01-01", "protection_status": "applicant"}),
            vec!["/permit_kind"],
        ),
        (
            "legal-status",
            json!({"protection_status": "applicant", "colour": "red"}),
            vec!["/colour"],
        ),
        (
            "justice",
            json!({"status": "alternative_measure", "measure_start_on": "2026-05-01",
                   "expected_release_on": "2026-04-30"}),
            vec!["/alternative_measure_kind", "/expected_release_on"],
        ),
        (
            "justice",
            json!({"status": "released", "alternative_measure_kind": "detenzione domiciliare"}),
            vec!["/alternative_measure_kind"],
        ),
    ] {
        let r = put(&app, &w, &format!("/persons/{id}/{segment}"), None, &body).await;
        assert_eq!(r.status(), 422, "{segment}: {body}");
        assert_eq!(pointers(json_of(r).await), expected, "{segment}: {body}");
    }
    // Nothing was written.
    assert!(
        app.audit(30)
            .iter()
            .all(
                |a| !(a.action.starts_with("person.") && a.action.ends_with(".create"))
                    || a.action == "person.create"
            )
    );
    for segment in ["health-disability", "ethnicity", "legal-status", "justice"] {
        assert_eq!(
            get(&app, &w, &format!("/persons/{id}/{segment}"))
                .await
                .status(),
            404
        );
    }
}

async fn permits_expiring_lists_the_window_in_expiry_order_with_pages(app: TestApp) {
    let w = worker(&app).await;
    let today = calendar::today(Utc::now());
    let day = |d: i64| -> NaiveDate { today + Duration::days(d) };
    let mut ids = std::collections::HashMap::new();
    for (name, offset) in [
        ("Five", 5),
        ("One", 1),
        ("Forty", 40),
        ("Expired", -1),
        ("Today", 0),
        ("Far", 400),
        ("AlsoFive", 5),
        ("Annulled", 2),
    ] {
        let id = person_in_charge(&app, &w, name, "Permit").await;
        let r = put(
            &app,
            &w,
            &format!("/persons/{id}/legal-status"),
            None,
            &json!({"permit_kind": "lavoro subordinato", "permit_expires_on": day(offset),
                    "protection_status": "none"}),
        )
        .await;
        assert_eq!(r.status(), 201);
        ids.insert(name, id);
    }
    // A person with protection but no permit expiry is never listed.
    let no_expiry = person_in_charge(&app, &w, "NoExpiry", "Permit").await;
    put(
        &app,
        &w,
        &format!("/persons/{no_expiry}/legal-status"),
        None,
        &json!({"protection_status": "applicant"}),
    )
    .await;
    let r = post(
        &app,
        &w,
        &format!("/persons/{}/annul", ids["Annulled"]),
        Some("\"1\""),
        &json!({"reason": "registered twice"}),
    )
    .await;
    assert_eq!(r.status(), 200);

    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["given_names"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut five = [ids["Five"].clone(), ids["AlsoFive"].clone()];
    five.sort();
    let five_names: Vec<String> = five
        .iter()
        .map(|id| {
            if *id == ids["Five"] {
                "Five".to_owned()
            } else {
                "AlsoFive".to_owned()
            }
        })
        .collect();

    let r = get(&app, &w, "/persons/permits-expiring").await;
    assert_eq!(r.status(), 200);
    let page = json_of(r).await;
    let mut expected = vec!["Today".to_owned(), "One".to_owned()];
    expected.extend(five_names.clone());
    assert_eq!(names(&page), expected);
    assert_eq!(page["items"][0]["days_left"], 0);
    assert_eq!(page["items"][1]["days_left"], 1);
    assert_eq!(page["items"][1]["permit_expires_on"], day(1).to_string());
    assert_eq!(page["items"][1]["protection_status"], "none");
    assert!(page["next"].is_null());
    let audit = &app.audit(1)[0];
    assert_eq!(audit.action, "person.legal_status.list_expiring");
    let details = audit.details.as_deref().unwrap();
    assert!(details.contains(&ids["One"]) && !details.contains(&ids["Forty"]));

    let page = json_of(get(&app, &w, "/persons/permits-expiring?within_days=40").await).await;
    expected.push("Forty".to_owned());
    assert_eq!(names(&page), expected);

    // Pages of 2 follow the same order.
    let mut seen = Vec::new();
    let mut next = Some("/api/v1/persons/permits-expiring?within_days=365&limit=2".to_owned());
    while let Some(link) = next {
        let r = app
            .client
            .get(format!("{}{link}", app.address))
            .bearer_auth(&w.token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let page = json_of(r).await;
        assert!(page["items"].as_array().unwrap().len() <= 2);
        seen.extend(names(&page));
        next = page["next"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, expected);

    for bad in [
        "within_days=0",
        "within_days=366",
        "limit=0",
        "cursor=garbage",
    ] {
        let r = get(&app, &w, &format!("/persons/permits-expiring?{bad}")).await;
        assert_eq!(r.status(), 400, "{bad}");
    }
}

async fn only_staff_who_work_cases_reach_households_and_sensitive_data(app: TestApp) {
    let w = worker(&app).await;
    let anna = person(&app, &w, "Anna", "Marrone").await;
    let id = household(&app, &w, &anna, "2020-01-01").await;
    let admin = app.admin_token().await;
    app.create_user(&admin, "dpo", &["privacy_officer"], &[])
        .await;
    let (dpo, _) = app.tokens("dpo", &user_password("dpo")).await;
    for token in [admin.as_str(), dpo.as_str()] {
        let mut requests = vec![
            app.client
                .post(app.api("/households"))
                .json(&json!({"reference_person_id": anna, "joined_on": "2020-01-01"})),
            app.client.get(app.api(&format!("/households/{id}"))),
            app.client
                .get(app.api(&format!("/households/{id}/composition?date=2020-01-01"))),
            app.client
                .get(app.api(&format!("/households/{id}/members"))),
            app.client
                .post(app.api(&format!("/households/{id}/members")))
                .header("if-match", "\"1\"")
                .json(
                    &json!({"person_id": anna, "relationship": "child", "joined_on": "2020-01-01"}),
                ),
            app.client
                .post(app.api(&format!(
                    "/households/{id}/members/{}/leave",
                    uuid::Uuid::now_v7()
                )))
                .header("if-match", "\"1\"")
                .json(&json!({"left_on": "2021-01-01"})),
            app.client
                .get(app.api(&format!("/persons/{anna}/household"))),
            app.client.get(app.api("/persons/permits-expiring")),
        ];
        for (segment, _, body, _, _) in groups() {
            requests.push(
                app.client
                    .get(app.api(&format!("/persons/{anna}/{segment}"))),
            );
            requests.push(
                app.client
                    .put(app.api(&format!("/persons/{anna}/{segment}")))
                    .json(&body),
            );
        }
        for request in requests {
            let r = request.bearer_auth(token).send().await.unwrap();
            assert_eq!(r.status(), 403);
            assert_eq!(app.audit(1)[0].outcome, "denied");
        }
    }
    // Without a token: 401.
    let r = app
        .client
        .get(app.api(&format!("/persons/{anna}/justice")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // The refusals wrote nothing.
    let r = get(&app, &w, &format!("/households/{id}")).await;
    assert_eq!(etag_of(&r), "\"1\"");
}
