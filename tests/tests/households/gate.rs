//! The gate's promises for households: the decision before the body, in the transaction that
//! writes, and every read linking the persons it shows.

use serde_json::json;
use socialcare_tests::{TestApp, user_password};

use super::{Worker, etag_of, get, household, json_of, member_ids, person_in_charge, post};

/// How many households and memberships are stored.
fn rows(app: &TestApp) -> (i64, i64) {
    app.db()
        .read(|c| {
            use diesel::prelude::*;
            use socialcare_persistence::schema::{household_members, households};
            Ok((
                households::table.count().get_result::<i64>(c)?,
                household_members::table.count().get_result::<i64>(c)?,
            ))
        })
        .unwrap()
}

/// A social worker of another area, with no relation to the worker's persons.
async fn outsider(app: &TestApp) -> Worker {
    let admin = app.admin_token().await;
    let user = app
        .create_user(&admin, "olga", &["social_worker"], &["adults_disability"])
        .await;
    let (token, _) = app.tokens("olga", &user_password("olga")).await;
    Worker {
        id: user["id"].as_str().unwrap().to_owned(),
        token,
    }
}

/// Sends `body` verbatim with `content_type` as `w`.
async fn post_raw(
    app: &TestApp,
    w: &Worker,
    path: &str,
    content_type: &str,
    body: &str,
) -> reqwest::Response {
    app.client
        .post(app.api(path))
        .bearer_auth(&w.token)
        .header("if-match", "\"1\"")
        .header("content-type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

pub(crate) async fn a_caller_with_no_relation_is_refused_before_the_body_and_writes_nothing(
    app: TestApp,
) {
    let w = super::worker(&app).await;
    let anna = person_in_charge(&app, &w, "Anna", "Gatti").await;
    let bruno = person_in_charge(&app, &w, "Bruno", "Gatti").await;
    let id = household(&app, &w, &anna, "2020-01-01").await;
    let member =
        json_of(get(&app, &w, &format!("/households/{id}")).await).await["members"][0]["member_id"]
            .as_str()
            .unwrap()
            .to_owned();
    let olga = outsider(&app).await;
    let before = rows(&app);
    for path in [
        format!("/households/{id}/members"),
        format!("/households/{id}/members/{member}/leave"),
    ] {
        for (content_type, body) in [
            ("application/json", "{\"person_id\": 4".to_owned()),
            ("application/json", json!({"junk": [1, 2]}).to_string()),
            ("text/plain", "hello".to_owned()),
            (
                "application/json",
                json!({"person_id": bruno, "relationship": "child", "joined_on": "2021-01-01",
                       "left_on": "2021-01-01"})
                .to_string(),
            ),
        ] {
            let r = post_raw(&app, &olga, &path, content_type, &body).await;
            assert_eq!(r.status(), 403, "{path} {body}");
            let refusal = app.audit_entries(1).remove(0);
            assert_eq!(refusal.outcome, "denied", "{path}");
            assert_eq!(refusal.actor_id.unwrap().0.to_string(), olga.id);
            assert!(
                refusal.persons.iter().any(|p| p.to_string() == anna),
                "{path}: the refusal links the household's members"
            );
        }
    }
    // A new household headed by a person the caller has no relation to: refused on what the
    // body names, linked to that person, and nothing is created.
    let r = post(
        &app,
        &olga,
        "/households",
        None,
        &json!({"reference_person_id": bruno, "joined_on": "2020-01-01"}),
    )
    .await;
    assert_eq!(r.status(), 403);
    let refusal = app.audit_entries(1).remove(0);
    assert_eq!(refusal.outcome, "denied");
    assert_eq!(refusal.action, "household.create");
    assert_eq!(
        refusal
            .persons
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        std::slice::from_ref(&bruno)
    );
    assert_eq!(rows(&app), before);
    let r = get(&app, &w, &format!("/households/{id}")).await;
    assert_eq!(etag_of(&r), "\"1\"");
    assert_eq!(member_ids(&json_of(r).await), [anna]);
}

pub(crate) async fn a_team_member_removed_from_the_team_changes_households_no_more(app: TestApp) {
    let w = super::worker(&app).await;
    let anna = super::person(&app, &w, "Anna", "Ferri").await;
    let from = (socialcare_domain::calendar::today(chrono::Utc::now())
        - chrono::Duration::days(10))
    .to_string();
    let r = post(
        &app,
        &w,
        "/case-files",
        None,
        &json!({"person_id": anna, "area": "social_inclusion", "case_manager_id": w.id,
                "opened_on": from}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let file = json_of(r).await["id"].as_str().unwrap().to_owned();
    let bruno = person_in_charge(&app, &w, "Bruno", "Ferri").await;
    let carla = person_in_charge(&app, &w, "Carla", "Ferri").await;
    let id = household(&app, &w, &anna, "2020-01-01").await;
    let members = format!("/households/{id}/members");
    for (tag, person) in [("\"1\"", &bruno), ("\"2\"", &carla)] {
        let r = post(
            &app,
            &w,
            &members,
            Some(tag),
            &json!({"person_id": person, "relationship": "child", "joined_on": "2020-01-01"}),
        )
        .await;
        assert_eq!(r.status(), 201);
    }
    let composition = json_of(get(&app, &w, &format!("/households/{id}")).await).await;
    let member_of = |person: &str| {
        composition["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["person_id"] == person)
            .unwrap()["member_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (bruno_member, carla_member) = (member_of(&bruno), member_of(&carla));

    // An educator of the area joins the team of Anna's file.
    let admin = app.admin_token().await;
    let edo = app
        .create_user(&admin, "edo", &["educator"], &["social_inclusion"])
        .await;
    let edo_id = edo["id"].as_str().unwrap().to_owned();
    let (edo_token, _) = app.tokens("edo", &user_password("edo")).await;
    let edo = Worker {
        id: edo_id.clone(),
        token: edo_token,
    };
    let file_tag = etag_of(&get(&app, &w, &format!("/case-files/{file}")).await);
    let r = post(
        &app,
        &w,
        &format!("/case-files/{file}/team"),
        Some(&file_tag),
        &json!({"staff_id": edo_id, "role": "educator", "from": from}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let team = json_of(r).await;
    let assignment = team["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["staff_id"] == edo_id.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // On the team, the educator records a planned move.
    let r = post(
        &app,
        &edo,
        &format!("{members}/{bruno_member}/leave"),
        Some("\"3\""),
        &json!({"left_on": "2199-01-01"}),
    )
    .await;
    assert_eq!(r.status(), 200);

    // Off the team from today: the household's writes are refused and nothing is written.
    let file_tag = etag_of(&get(&app, &w, &format!("/case-files/{file}")).await);
    let r = post(
        &app,
        &w,
        &format!("/case-files/{file}/team/{assignment}/end"),
        Some(&file_tag),
        &json!({}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let before = rows(&app);
    let r = post(
        &app,
        &edo,
        &format!("{members}/{carla_member}/leave"),
        Some("\"4\""),
        &json!({"left_on": "2199-01-01"}),
    )
    .await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.audit(1)[0].outcome, "denied");
    assert_eq!(
        get(&app, &edo, &format!("/households/{id}")).await.status(),
        403
    );
    assert_eq!(rows(&app), before);
    let r = get(&app, &w, &format!("/households/{id}")).await;
    assert_eq!(etag_of(&r), "\"4\"");
    let history = json_of(get(&app, &w, &format!("{members}?include_past=true")).await).await;
    let carla_now = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["person_id"] == carla.as_str())
        .unwrap()
        .clone();
    assert!(carla_now["left_on"].is_null());
}

pub(crate) async fn every_household_read_links_the_persons_it_shows(app: TestApp) {
    let w = super::worker(&app).await;
    let anna = person_in_charge(&app, &w, "Anna", "Conti").await;
    let bruno = person_in_charge(&app, &w, "Bruno", "Conti").await;
    let id = household(&app, &w, &anna, "2020-01-01").await;
    let r = post(
        &app,
        &w,
        &format!("/households/{id}/members"),
        Some("\"1\""),
        &json!({"person_id": bruno, "relationship": "spouse", "joined_on": "2020-01-01"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let mut both = vec![anna.clone(), bruno.clone()];
    both.sort();
    for (path, action) in [
        (format!("/households/{id}"), "household.read"),
        (
            format!("/households/{id}/composition?date=2020-06-01"),
            "household.composition.read",
        ),
        (
            format!("/households/{id}/members?include_past=true"),
            "household.members.read",
        ),
        (
            format!("/persons/{anna}/household"),
            "household.read_of_person",
        ),
    ] {
        let r = get(&app, &w, &path).await;
        assert_eq!(r.status(), 200, "{path}");
        let entry = app.audit_entries(1).remove(0);
        assert_eq!(entry.action, action, "{path}");
        assert_eq!(entry.outcome, "success", "{path}");
        let mut linked: Vec<String> = entry.persons.iter().map(ToString::to_string).collect();
        linked.sort();
        assert_eq!(linked, both, "{path}");
    }
}
