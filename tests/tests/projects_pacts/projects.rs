//! Social projects: lifecycle, validation, parts, reviews, nesting, audit, access,
//! idempotency and If-Match.

use serde_json::{Value, json};
use socialcare_domain::calendar;
use socialcare_tests::{TestApp, on_both_engines, user_password};

use crate::{day, etag_of, get, get_json, office, open_file, pointers, post, post_if, put_if};

on_both_engines!(
    project_lifecycle_every_legal_and_illegal_transition,
    interruption_needs_a_reason_and_ends_the_project,
    project_validation_points_at_the_fields,
    participants_and_actions_are_checked,
    reviews_set_statuses_and_move_the_next_review,
    nested_objects_are_found_only_in_their_project,
    reads_and_writes_are_audited,
    idempotent_creation_and_if_match_on_parts,
    projects_are_refused_to_privacy_officers_and_closed_files,
    demo_data_has_projects_in_every_state,
    a_write_in_flight_is_refused_once_the_writer_left_the_team,
    a_colleague_outside_the_team_gets_403_whatever_the_body,
    participant_reads_link_the_household_members_they_show,
);

fn objective(description: &str, target: &str) -> Value {
    json!({"domain": "housing", "description": description, "target_date": target,
        "indicator": "Signed contract"})
}

/// Draws up a project (201) with two objectives; returns its JSON.
async fn draft(app: &TestApp, token: &str, file: &str, next_review: Option<String>) -> Value {
    let r = post(
        app,
        token,
        &format!("/case-files/{file}/projects"),
        json!({"kind": "housing_path", "title": "  Back home  ", "drafted_on": day(-100),
            "next_review_on": next_review,
            "objectives": [objective("Find a room", &day(100)), objective("Pay the rent", &day(200))]}),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/api/v1/projects/")
    );
    assert_eq!(etag_of(&r), "\"1\"");
    r.json().await.unwrap()
}

async fn transition(
    app: &TestApp,
    token: &str,
    project: &str,
    etag: &str,
    body: Value,
) -> reqwest::Response {
    post_if(
        app,
        token,
        &format!("/projects/{project}/transitions"),
        etag,
        body,
    )
    .await
}

async fn project_lifecycle_every_legal_and_illegal_transition(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, anna) = &o.anna;
    let (file, person) = open_file(&app, &o, "Maria").await;
    let created = draft(&app, anna, &file, None).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["status"], "draft");
    assert_eq!(created["title"], "Back home");
    assert_eq!(created["person_id"], person.as_str());
    assert_eq!(created["case_file_id"], file.as_str());
    assert_eq!(created["allowed_transitions"], json!(["activate"]));
    assert_eq!(created["objectives"].as_array().unwrap().len(), 2);
    assert_eq!(created["objectives"][0]["status"], "planned");
    assert_eq!(created["review_overdue"], false);

    // Illegal from draft: 409 naming the allowed transition.
    for t in ["complete", "interrupt"] {
        let r = transition(
            &app,
            anna,
            &id,
            "\"1\"",
            json!({"transition": t, "reason": "x"}),
        )
        .await;
        assert_eq!(r.status(), 409, "{t}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["type"], "urn:socialcare:problem:illegal-transition");
        assert_eq!(body["allowed_transitions"], json!(["activate"]));
    }
    // If-Match: missing 428, stale 412.
    let r = app
        .client
        .post(app.api(&format!("/projects/{id}/transitions")))
        .bearer_auth(anna)
        .json(&json!({"transition": "activate"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 428);
    assert_eq!(
        transition(&app, anna, &id, "\"7\"", json!({"transition": "activate"}))
            .await
            .status(),
        412
    );
    // No next review date anywhere: 422 on /next_review_on.
    let r = transition(&app, anna, &id, "\"1\"", json!({"transition": "activate"})).await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/next_review_on"]);
    // A review date not after the start: 422.
    let r = transition(
        &app,
        anna,
        &id,
        "\"1\"",
        json!({"transition": "activate", "occurred_on": day(-90), "next_review_on": day(-90)}),
    )
    .await;
    assert_eq!(r.status(), 422);
    // Activation.
    let r = transition(
        &app,
        anna,
        &id,
        "\"1\"",
        json!({"transition": "activate", "occurred_on": day(-90), "next_review_on": day(30)}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag_of(&r), "\"2\"");
    let active: Value = r.json().await.unwrap();
    assert_eq!(active["status"], "active");
    assert_eq!(active["started_on"], day(-90));
    assert_eq!(active["next_review_on"], day(30));
    assert_eq!(
        active["allowed_transitions"],
        json!(["complete", "interrupt"])
    );
    let r = transition(&app, anna, &id, "\"2\"", json!({"transition": "activate"})).await;
    assert_eq!(r.status(), 409);
    assert_eq!(
        r.json::<Value>().await.unwrap()["allowed_transitions"],
        json!(["complete", "interrupt"])
    );
    // Completion needs every objective final.
    let r = transition(&app, anna, &id, "\"2\"", json!({"transition": "complete"})).await;
    assert_eq!(r.status(), 409);
    assert!(
        r.json::<Value>().await.unwrap()["detail"]
            .as_str()
            .unwrap()
            .contains("2 objective(s)")
    );
    for (i, status) in ["achieved", "dropped"].into_iter().enumerate() {
        let oid = active["objectives"][i]["id"].as_str().unwrap();
        let mut body = objective("Done", &day(100));
        body["status"] = json!(status);
        let r = put_if(
            &app,
            anna,
            &format!("/projects/{id}/objectives/{oid}"),
            Some("\"1\""),
            body,
        )
        .await;
        assert_eq!(r.status(), 200);
        assert_eq!(etag_of(&r), "\"2\"");
    }
    // Each change of a part bumped the project version.
    let current = get(&app, anna, &format!("/projects/{id}")).await;
    let tag = etag_of(&current);
    assert_eq!(tag, "\"4\"");
    let r = transition(
        &app,
        anna,
        &id,
        &tag,
        json!({"transition": "complete", "occurred_on": day(0), "reason": "All done"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let done: Value = r.json().await.unwrap();
    assert_eq!(done["status"], "completed");
    assert_eq!(done["ended_on"], day(0));
    assert_eq!(done["next_review_on"], Value::Null);
    assert_eq!(done["allowed_transitions"], json!([]));
    // Ended: no transition is allowed, and the parts are read-only.
    let r = transition(
        &app,
        anna,
        &id,
        "\"5\"",
        json!({"transition": "interrupt", "reason": "x"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    let r = post(
        &app,
        anna,
        &format!("/projects/{id}/objectives"),
        objective("Late", &day(10)),
    )
    .await;
    assert_eq!(r.status(), 409);
    let r = post(
        &app,
        anna,
        &format!("/projects/{id}/actions"),
        json!({"description": "Late"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    // The history.
    let history = get_json(&app, anna, &format!("/projects/{id}/transitions")).await;
    let items = history["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["transition"], "activate");
    assert_eq!(items[0]["from_status"], "draft");
    assert_eq!(items[0]["to_status"], "active");
    assert_eq!(items[0]["author_id"], anna_id.as_str());
    assert_eq!(items[1]["transition"], "complete");
    assert_eq!(items[1]["reason"], "All done");
}

async fn interruption_needs_a_reason_and_ends_the_project(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, _) = open_file(&app, &o, "Ivo").await;
    // The draft's own review date is enough to activate.
    let created = draft(&app, anna, &file, Some(day(20))).await;
    let id = created["id"].as_str().unwrap();
    let r = transition(&app, anna, id, "\"1\"", json!({"transition": "activate"})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["next_review_on"], day(20));
    let r = transition(&app, anna, id, "\"2\"", json!({"transition": "interrupt"})).await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/reason"]);
    let r = transition(
        &app,
        anna,
        id,
        "\"2\"",
        json!({"transition": "interrupt", "reason": "   "}),
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = transition(
        &app,
        anna,
        id,
        "\"2\"",
        json!({"transition": "interrupt", "reason": "Moved away", "next_review_on": day(50)}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/next_review_on"]);
    let r = transition(
        &app,
        anna,
        id,
        "\"2\"",
        json!({"transition": "interrupt", "reason": "Moved away", "occurred_on": day(1)}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/occurred_on"]);
    let r = transition(
        &app,
        anna,
        id,
        "\"2\"",
        json!({"transition": "interrupt", "reason": "Moved away"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "interrupted");
    assert_eq!(body["interruption_reason"], "Moved away");
    // Projects without objectives cannot be activated.
    let r = post(
        &app,
        anna,
        &format!("/case-files/{file}/projects"),
        json!({"kind": "employment_path", "title": "Work", "next_review_on": day(30)}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let empty: Value = r.json().await.unwrap();
    let r = transition(
        &app,
        anna,
        empty["id"].as_str().unwrap(),
        "\"1\"",
        json!({"transition": "activate"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    assert!(
        r.json::<Value>().await.unwrap()["detail"]
            .as_str()
            .unwrap()
            .contains("at least one objective")
    );
    // Listing with filters.
    let all = get_json(&app, anna, &format!("/case-files/{file}/projects")).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let drafts = get_json(
        &app,
        anna,
        &format!("/case-files/{file}/projects?status=draft"),
    )
    .await;
    assert_eq!(drafts["items"].as_array().unwrap().len(), 1);
    assert_eq!(drafts["items"][0]["kind"], "employment_path");
    let housing = get_json(
        &app,
        anna,
        &format!("/case-files/{file}/projects?kind=housing_path"),
    )
    .await;
    assert_eq!(housing["items"][0]["status"], "interrupted");
    let r = get(
        &app,
        anna,
        &format!("/case-files/{file}/projects?status=done"),
    )
    .await;
    assert_eq!(r.status(), 400);
}

async fn project_validation_points_at_the_fields(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, _) = open_file(&app, &o, "Lia").await;
    let path = format!("/case-files/{file}/projects");
    let r = post(
        &app,
        anna,
        &path,
        json!({"kind": "life_project", "title": "   ", "drafted_on": day(1),
            "objectives": [objective("ok", &day(10))]}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        pointers(&r.json().await.unwrap()),
        ["/title", "/drafted_on"]
    );
    let r = post(
        &app,
        anna,
        &path,
        json!({"kind": "life_project", "title": "Life", "drafted_on": day(-10),
            "next_review_on": day(-10),
            "objectives": [objective("ok", &day(10)), objective("early", &day(-11)),
                objective(" ", &day(10))]}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        pointers(&r.json().await.unwrap()),
        [
            "/next_review_on",
            "/objectives/1/target_date",
            "/objectives/2/description"
        ]
    );
    // Before the case file was opened.
    let r = post(
        &app,
        anna,
        &path,
        json!({"kind": "life_project", "title": "Life", "drafted_on": day(-300)}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/drafted_on"]);
    // Unknown codes and fields, too long texts.
    let r = post(&app, anna, &path, json!({"kind": "holiday", "title": "x"})).await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/kind"]);
    let r = post(
        &app,
        anna,
        &path,
        json!({"kind": "life_project", "title": "x", "colour": "red"}),
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = post(
        &app,
        anna,
        &path,
        json!({"kind": "life_project", "title": "x".repeat(201)}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/title"]);
    let mut long = objective("x", &day(10));
    long["indicator"] = json!("i".repeat(501));
    let r = post(
        &app,
        anna,
        &path,
        json!({"kind": "life_project", "title": "x", "objectives": [long]}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        pointers(&r.json().await.unwrap()),
        ["/objectives/0/indicator"]
    );
    // Nothing was stored by the refused requests.
    let list = get_json(&app, anna, &path).await;
    assert_eq!(list["items"], json!([]));
    // Objectives added later are checked against the project's day.
    let created = draft(&app, anna, &file, None).await;
    let id = created["id"].as_str().unwrap();
    let r = post(
        &app,
        anna,
        &format!("/projects/{id}/objectives"),
        objective("early", &day(-101)),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/target_date"]);
    let r = post(
        &app,
        anna,
        &format!("/projects/{id}/objectives"),
        json!({"domain": "cooking", "description": "x", "target_date": day(1)}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/domain"]);
}

async fn participants_and_actions_are_checked(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, anna) = &o.anna;
    let (file, person) = open_file(&app, &o, "Ada").await;
    let sister = crate::person(&app, anna, "Sara").await;
    let created = draft(&app, anna, &file, None).await;
    let id = created["id"].as_str().unwrap();
    let path = format!("/projects/{id}/participants");
    // The person: the person id is implied.
    let r = post(&app, anna, &path, json!({"kind": "person", "role": "Lead"})).await;
    assert_eq!(r.status(), 201);
    let me: Value = r.json().await.unwrap();
    assert_eq!(me["person_id"], person.as_str());
    let r = post(&app, anna, &path, json!({"kind": "household_member"})).await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/person_id"]);
    let r = post(
        &app,
        anna,
        &path,
        json!({"kind": "household_member", "person_id": uuid::Uuid::now_v7()}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/person_id"]);
    // Not in the same household yet: refused.
    let r = post(
        &app,
        anna,
        &path,
        json!({"kind": "household_member", "person_id": sister, "role": "Sister"}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/person_id"]);
    let r = post(
        &app,
        anna,
        "/households",
        json!({"reference_person_id": person, "joined_on": day(-300)}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let tag = etag_of(&r);
    let home: Value = r.json().await.unwrap();
    let r = post_if(
        &app,
        anna,
        &format!("/households/{}/members", home["id"].as_str().unwrap()),
        &tag,
        json!({"person_id": sister, "relationship": "sibling", "joined_on": day(-300)}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let r = post(
        &app,
        anna,
        &path,
        json!({"kind": "household_member", "person_id": sister, "role": "Sister"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let r = post(
        &app,
        anna,
        &path,
        json!({"kind": "staff", "staff_id": uuid::Uuid::now_v7()}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/staff_id"]);
    let r = post(
        &app,
        anna,
        &path,
        json!({"kind": "staff", "staff_id": anna_id}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let r = post(
        &app,
        anna,
        &path,
        json!({"kind": "external_service", "staff_id": anna_id}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        pointers(&r.json().await.unwrap()),
        ["/staff_id", "/organisation"]
    );
    let r = post(
        &app,
        anna,
        &path,
        json!({"kind": "external_service", "service": "addiction_service", "organisation": "SerD di Trento"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let serd: Value = r.json().await.unwrap();
    assert_eq!(serd["service"], "addiction_service");
    let list = get_json(&app, anna, &path).await;
    let kinds: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["person", "household_member", "staff", "external_service"]
    );
    let one = get_json(
        &app,
        anna,
        &format!("{path}/{}", serd["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(one, serd);

    // Actions.
    let actions = format!("/projects/{id}/actions");
    let r = post(
        &app,
        anna,
        &actions,
        json!({"description": "Call", "status": "done"}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/done_on"]);
    let r = post(
        &app,
        anna,
        &actions,
        json!({"description": "Call", "participant_id": uuid::Uuid::now_v7()}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/participant_id"]);
    let r = post(
        &app,
        anna,
        &actions,
        json!({"description": "Weekly meeting at the SerD", "participant_id": serd["id"],
            "due_on": day(14)}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let action: Value = r.json().await.unwrap();
    assert_eq!(action["status"], "planned");
    let action_path = format!("{actions}/{}", action["id"].as_str().unwrap());
    let done = json!({"description": "Weekly meeting at the SerD", "participant_id": serd["id"],
        "due_on": day(14), "status": "done", "done_on": day(0)});
    assert_eq!(
        put_if(&app, anna, &action_path, None, done.clone())
            .await
            .status(),
        428
    );
    assert_eq!(
        put_if(&app, anna, &action_path, Some("\"9\""), done.clone())
            .await
            .status(),
        412
    );
    let mut future = done.clone();
    future["done_on"] = json!(day(1));
    let r = put_if(&app, anna, &action_path, Some("\"1\""), future).await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/done_on"]);
    let r = put_if(&app, anna, &action_path, Some("\"1\""), done).await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag_of(&r), "\"2\"");
    let updated: Value = r.json().await.unwrap();
    assert_eq!(updated["status"], "done");
    assert_eq!(updated["done_on"], day(0));
    let r = get(&app, anna, &action_path).await;
    assert_eq!(etag_of(&r), "\"2\"");
    let list = get_json(&app, anna, &actions).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

async fn reviews_set_statuses_and_move_the_next_review(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, anna) = &o.anna;
    let (file, _) = open_file(&app, &o, "Rita").await;
    let created = draft(&app, anna, &file, None).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let first = created["objectives"][0]["id"].as_str().unwrap().to_owned();
    let reviews = format!("/projects/{id}/reviews");
    // Only active projects are reviewed.
    let r = post(&app, anna, &reviews, json!({"next_review_on": day(30)})).await;
    assert_eq!(r.status(), 409);
    // Activated 90 days ago with the review due 10 days ago: overdue.
    let r = transition(
        &app,
        anna,
        &id,
        "\"1\"",
        json!({"transition": "activate", "occurred_on": day(-90), "next_review_on": day(-10)}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["review_overdue"], true);
    // Invalid reviews.
    let other = draft(&app, anna, &file, None).await;
    let foreign = other["objectives"][0]["id"].as_str().unwrap();
    let r = post(
        &app,
        anna,
        &reviews,
        json!({"reviewed_on": day(-91), "next_review_on": day(-91),
            "outcomes": [{"objective_id": foreign, "status": "achieved"},
                {"objective_id": first, "status": "bogus"}]}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/outcomes/1/status"]);
    let r = post(
        &app,
        anna,
        &reviews,
        json!({"reviewed_on": day(-91), "next_review_on": day(-91),
            "outcomes": [{"objective_id": foreign, "status": "achieved"},
                {"objective_id": first, "status": "in_progress"},
                {"objective_id": first, "status": "achieved"}]}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        pointers(&r.json().await.unwrap()),
        [
            "/reviewed_on",
            "/next_review_on",
            "/outcomes/0/objective_id",
            "/outcomes/2/objective_id"
        ]
    );
    let r = post(
        &app,
        anna,
        &reviews,
        json!({"reviewed_on": day(1), "next_review_on": day(30)}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json().await.unwrap()), ["/reviewed_on"]);
    // Two reviews.
    let r = post(
        &app,
        anna,
        &reviews,
        json!({"reviewed_on": day(-5), "next_review_on": day(20), "notes": " first ",
            "outcomes": [{"objective_id": first, "status": "in_progress", "note": "visits"}]}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let review: Value = r.json().await.unwrap();
    assert_eq!(review["notes"], "first");
    assert_eq!(review["author_id"], anna_id.as_str());
    assert_eq!(
        review["outcomes"],
        json!([{"objective_id": first, "status": "in_progress", "note": "visits"}])
    );
    let r = post(
        &app,
        anna,
        &reviews,
        json!({"next_review_on": day(60),
            "outcomes": [{"objective_id": first, "status": "achieved"}]}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let second: Value = r.json().await.unwrap();
    assert_eq!(second["reviewed_on"], day(0));
    // The project's next review moved; the objective took the last outcome.
    let project = get_json(&app, anna, &format!("/projects/{id}")).await;
    assert_eq!(project["next_review_on"], day(60));
    assert_eq!(project["review_overdue"], false);
    assert_eq!(project["objectives"][0]["status"], "achieved");
    assert_eq!(project["objectives"][0]["version"], 3);
    assert_eq!(project["objectives"][1]["status"], "planned");
    // Newest first.
    let list = get_json(&app, anna, &reviews).await;
    let days: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reviewed_on"].as_str().unwrap())
        .collect();
    assert_eq!(days, [day(0), day(-5)]);
    let one = get_json(
        &app,
        anna,
        &format!("{reviews}/{}", review["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(one["id"], review["id"]);
}

async fn nested_objects_are_found_only_in_their_project(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, _) = open_file(&app, &o, "Nina").await;
    let a = draft(&app, anna, &file, Some(day(30))).await;
    let b = draft(&app, anna, &file, Some(day(30))).await;
    let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let objective_of_a = a["objectives"][0]["id"].as_str().unwrap();
    let participant: Value = post(
        &app,
        anna,
        &format!("/projects/{a_id}/participants"),
        json!({"kind": "person"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let action: Value = post(
        &app,
        anna,
        &format!("/projects/{a_id}/actions"),
        json!({"description": "Call"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        transition(&app, anna, a_id, "\"3\"", json!({"transition": "activate"}))
            .await
            .status(),
        200
    );
    let review: Value = post(
        &app,
        anna,
        &format!("/projects/{a_id}/reviews"),
        json!({"next_review_on": day(40)}),
    )
    .await
    .json()
    .await
    .unwrap();
    for (kind, child) in [
        ("objectives", objective_of_a),
        ("participants", participant["id"].as_str().unwrap()),
        ("actions", action["id"].as_str().unwrap()),
        ("reviews", review["id"].as_str().unwrap()),
    ] {
        assert_eq!(
            get(&app, anna, &format!("/projects/{a_id}/{kind}/{child}"))
                .await
                .status(),
            200,
            "{kind}"
        );
        let r = get(&app, anna, &format!("/projects/{b_id}/{kind}/{child}")).await;
        assert_eq!(r.status(), 404, "{kind}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
    let r = put_if(
        &app,
        anna,
        &format!("/projects/{b_id}/objectives/{objective_of_a}"),
        Some("\"1\""),
        json!({"domain": "housing", "description": "x", "target_date": day(10), "status": "planned"}),
    )
    .await;
    assert_eq!(r.status(), 404);
    let r = put_if(
        &app,
        anna,
        &format!(
            "/projects/{b_id}/actions/{}",
            action["id"].as_str().unwrap()
        ),
        Some("\"1\""),
        json!({"description": "x"}),
    )
    .await;
    assert_eq!(r.status(), 404);
    // Actions of b may not name a participant of a.
    let r = post(
        &app,
        anna,
        &format!("/projects/{b_id}/actions"),
        json!({"description": "Call", "participant_id": participant["id"]}),
    )
    .await;
    assert_eq!(r.status(), 422);
    // Unknown ids.
    let unknown = uuid::Uuid::now_v7();
    for path in [
        format!("/projects/{unknown}"),
        format!("/projects/{unknown}/objectives"),
        format!("/projects/{unknown}/reviews"),
        format!("/case-files/{unknown}/projects"),
    ] {
        assert_eq!(get(&app, anna, &path).await.status(), 404, "{path}");
    }
    assert_eq!(get(&app, anna, "/projects/not-a-uuid").await.status(), 400);
    let r = post(
        &app,
        anna,
        &format!("/case-files/{unknown}/projects"),
        json!({"kind": "life_project", "title": "x"}),
    )
    .await;
    assert_eq!(r.status(), 404);
}

async fn reads_and_writes_are_audited(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, anna) = &o.anna;
    let (file, person) = open_file(&app, &o, "Aldo").await;
    let created = draft(&app, anna, &file, None).await;
    let id = created["id"].as_str().unwrap();
    let last = app.audit(1).remove(0);
    assert_eq!(last.action, "project.create");
    assert_eq!(last.resource_type, "project");
    assert_eq!(last.resource_id.as_deref(), Some(id));
    let objective_id = created["objectives"][0]["id"].as_str().unwrap();
    for (path, action, resource) in [
        (format!("/projects/{id}"), "project.read", id.to_owned()),
        (
            format!("/case-files/{file}/projects"),
            "project.list",
            file.clone(),
        ),
        (
            format!("/projects/{id}/objectives"),
            "project.objective.list",
            id.to_owned(),
        ),
        (
            format!("/projects/{id}/objectives/{objective_id}"),
            "project.objective.read",
            objective_id.to_owned(),
        ),
        (
            format!("/projects/{id}/participants"),
            "project.participant.list",
            id.to_owned(),
        ),
        (
            format!("/projects/{id}/actions"),
            "project.action.list",
            id.to_owned(),
        ),
        (
            format!("/projects/{id}/reviews"),
            "project.review.list",
            id.to_owned(),
        ),
        (
            format!("/projects/{id}/transitions"),
            "project.history.read",
            id.to_owned(),
        ),
    ] {
        get_json(&app, anna, &path).await;
        let record = app.audit(1).remove(0);
        assert_eq!(record.action, action, "{path}");
        assert_eq!(record.resource_id.as_deref(), Some(resource.as_str()));
        assert_eq!(record.actor_id.unwrap().0.to_string(), *anna_id);
        assert_eq!(record.outcome, "success");
        let details: Value = serde_json::from_str(record.details.as_deref().unwrap()).unwrap();
        assert_eq!(details["person_id"], person.as_str(), "{path}");
        assert_eq!(details["case_file_id"], file.as_str(), "{path}");
    }
    // A refused write leaves no success record behind.
    let before = app.audit(1).remove(0).id;
    let r = transition(&app, anna, id, "\"1\"", json!({"transition": "complete"})).await;
    assert_eq!(r.status(), 409);
    assert_eq!(app.audit(1).remove(0).id, before);
    let r = transition(
        &app,
        anna,
        id,
        "\"1\"",
        json!({"transition": "activate", "next_review_on": day(10)}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let record = app.audit(1).remove(0);
    assert_eq!(record.action, "project.activate");
    let details: Value = serde_json::from_str(record.details.as_deref().unwrap()).unwrap();
    assert_eq!(details["from"], "draft");
    assert_eq!(details["to"], "active");
}

async fn idempotent_creation_and_if_match_on_parts(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, _) = open_file(&app, &o, "Eva").await;
    let path = format!("/case-files/{file}/projects");
    let body = json!({"kind": "community_support", "title": "Neighbourhood",
        "objectives": [objective("Join the community centre", &day(60))]});
    let send = |body: Value| {
        app.client
            .post(app.api(&path))
            .bearer_auth(anna)
            .header("idempotency-key", "project-key")
            .json(&body)
            .send()
    };
    let first = send(body.clone()).await.unwrap();
    assert_eq!(first.status(), 201);
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    let first_body: Value = first.json().await.unwrap();
    let again = send(body.clone()).await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["location"].to_str().unwrap(), location);
    assert_eq!(again.headers()["etag"], "\"1\"");
    assert_eq!(again.json::<Value>().await.unwrap(), first_body);
    let misuse = send(json!({"kind": "life_project", "title": "Other"}))
        .await
        .unwrap();
    assert_eq!(misuse.status(), 422);
    let list = get_json(&app, anna, &path).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let creations = app
        .audit(30)
        .into_iter()
        .filter(|a| a.action == "project.create")
        .count();
    assert_eq!(creations, 1);
    // Objectives: If-Match on their own version.
    let id = first_body["id"].as_str().unwrap();
    let oid = first_body["objectives"][0]["id"].as_str().unwrap();
    let opath = format!("/projects/{id}/objectives/{oid}");
    let mut change = objective("Join the community centre", &day(60));
    change["status"] = json!("in_progress");
    assert_eq!(
        put_if(&app, anna, &opath, None, change.clone())
            .await
            .status(),
        428
    );
    assert_eq!(
        put_if(&app, anna, &opath, Some("\"2\""), change.clone())
            .await
            .status(),
        412
    );
    let r = put_if(&app, anna, &opath, Some("\"1\""), change.clone()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag_of(&r), "\"2\"");
    let r = get(&app, anna, &opath).await;
    assert_eq!(etag_of(&r), "\"2\"");
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "in_progress");
    assert_eq!(
        put_if(&app, anna, &opath, Some("\"1\""), change)
            .await
            .status(),
        412
    );
}

async fn projects_are_refused_to_privacy_officers_and_closed_files(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, _) = open_file(&app, &o, "Bice").await;
    let created = draft(&app, anna, &file, None).await;
    let id = created["id"].as_str().unwrap();
    app.create_user(&o.admin, "dpo", &["privacy_officer"], &[])
        .await;
    let (dpo, _) = app.tokens("dpo", &user_password("dpo")).await;
    for path in [
        format!("/projects/{id}"),
        format!("/case-files/{file}/projects"),
        format!("/projects/{id}/reviews"),
    ] {
        assert_eq!(get(&app, &dpo, &path).await.status(), 403, "{path}");
    }
    // Refused before the body is looked at.
    let r = app
        .client
        .post(app.api(&format!("/case-files/{file}/projects")))
        .bearer_auth(&dpo)
        .header("content-type", "text/plain")
        .body("nonsense")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(app.audit(1).remove(0).outcome, "denied");
    assert_eq!(
        get(&app, &o.admin, &format!("/projects/{id}"))
            .await
            .status(),
        403
    );
    // A closed case file takes no new projects.
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
        &format!("/case-files/{file}/projects"),
        json!({"kind": "life_project", "title": "x"}),
    )
    .await;
    assert_eq!(r.status(), 409);
}

async fn demo_data_has_projects_in_every_state(app: TestApp) {
    use diesel::prelude::*;
    use socialcare_persistence::schema::projects;

    let summary = socialcare_api::demo::load(app.db(), 11, 60).unwrap();
    assert!(summary.projects > 0);
    let today = calendar::today(chrono::Utc::now());
    let rows: Vec<(String, Option<chrono::NaiveDate>)> = app
        .db()
        .read(|c| {
            Ok(projects::table
                .select((projects::status, projects::next_review_on))
                .load(c)?)
        })
        .unwrap();
    assert_eq!(rows.len(), summary.projects);
    for status in ["draft", "active", "completed", "interrupted"] {
        assert!(rows.iter().any(|(s, _)| s == status), "no {status} project");
    }
    let overdue = rows
        .iter()
        .filter(|(s, next)| s == "active" && next.is_some_and(|d| d < today))
        .count();
    let on_time = rows
        .iter()
        .filter(|(s, next)| s == "active" && next.is_some_and(|d| d >= today))
        .count();
    assert!(
        overdue > 0 && on_time > 0,
        "{overdue} overdue, {on_time} on time"
    );
    // Pacts in every state, some of them late.
    let pacts: Vec<String> = app
        .db()
        .read(|c| {
            Ok(socialcare_persistence::schema::pacts::table
                .select(socialcare_persistence::schema::pacts::status)
                .load(c)?)
        })
        .unwrap();
    assert_eq!(pacts.len(), summary.pacts);
    for status in ["draft", "signed", "active", "suspended", "closed"] {
        assert!(pacts.iter().any(|s| s == status), "no {status} pact");
    }
    let ids: Vec<socialcare_persistence::sql_types::DbUuid> = app
        .db()
        .read(|c| {
            Ok(socialcare_persistence::schema::pacts::table
                .select(socialcare_persistence::schema::pacts::id)
                .load(c)?)
        })
        .unwrap();
    let late = app
        .db()
        .read(|c| {
            let mut late = 0;
            for id in &ids {
                let pact = socialcare_persistence::pacts::find(c, id.0)?.unwrap();
                let facts = socialcare_persistence::pacts::clock_facts(c, &pact)?;
                let rules = socialcare_domain::pact::rules_version(&pact.rules_version).unwrap();
                if socialcare_domain::pact::deadlines(&facts, rules, today)
                    .iter()
                    .any(|d| d.late)
                {
                    late += 1;
                }
            }
            Ok(late)
        })
        .unwrap();
    assert!(late > 0, "no late pact in the demo data");
    // Prison area: justice data with expected releases.
    let justice: i64 = app
        .db()
        .read(|c| {
            Ok(socialcare_persistence::schema::person_justice::table
                .count()
                .get_result(c)?)
        })
        .unwrap();
    assert!(justice > 0);
    // Every active project has a next review, every ended one has none.
    for (status, next) in &rows {
        match status.as_str() {
            "active" => assert!(next.is_some()),
            "completed" | "interrupted" => assert!(next.is_none()),
            _ => {}
        }
    }
}

/// Bruno, a social worker of the area, added to the team of `file`; returns his token and his
/// assignment id.
async fn bruno_in_team(app: &TestApp, o: &crate::Office, file: &str) -> (String, String, String) {
    let (_, anna) = &o.anna;
    let bruno = app
        .create_user(&o.admin, "bruno", &["social_worker"], &["social_inclusion"])
        .await;
    let bruno_id = bruno["id"].as_str().unwrap().to_owned();
    let (token, _) = app.tokens("bruno", &user_password("bruno")).await;
    let etag = etag_of(&get(app, anna, &format!("/case-files/{file}")).await);
    let r = post_if(
        app,
        anna,
        &format!("/case-files/{file}/team"),
        &etag,
        json!({"staff_id": bruno_id, "role": "social_worker", "from": day(-10)}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let team: Value = r.json().await.unwrap();
    let assignment = team["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["staff_id"] == bruno_id.as_str() && m["current"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (token, bruno_id, assignment)
}

fn count_projects(app: &TestApp, file: &str) -> usize {
    let file = uuid::Uuid::parse_str(file).unwrap();
    app.db()
        .read(|c| socialcare_persistence::projects::list(c, file, None, None))
        .unwrap()
        .len()
}

/// The decision is taken in the transaction that writes: a member removed from the team while
/// their request is in flight (headers sent, body not yet) is refused, and nothing is written.
async fn a_write_in_flight_is_refused_once_the_writer_left_the_team(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, _) = open_file(&app, &o, "Dora").await;
    let (bruno, _, assignment) = bruno_in_team(&app, &o, &file).await;
    // While a member, Bruno draws up projects.
    let body = json!({"kind": "life_project", "title": "Housing first"});
    let path = format!("/case-files/{file}/projects");
    assert_eq!(post(&app, &bruno, &path, body.clone()).await.status(), 201);
    assert_eq!(count_projects(&app, &file), 1);
    // His next request is in flight when Anna ends his assignment.
    let end = async {
        let etag = etag_of(&get(&app, anna, &format!("/case-files/{file}")).await);
        let r = post_if(
            &app,
            anna,
            &format!("/case-files/{file}/team/{assignment}/end"),
            &etag,
            json!({}),
        )
        .await;
        assert_eq!(r.status(), 200, "{:?}", r.text().await);
    };
    let status = app.post_with_body_after(&bruno, &path, &body, end).await;
    assert_eq!(status, 403);
    assert_eq!(
        count_projects(&app, &file),
        1,
        "the refused write left a project"
    );
    let last = app.audit(1).remove(0);
    assert_eq!(last.outcome, "denied");
    assert_eq!(last.action, "case_file.content.write");
}

/// A colleague of the same area outside the team is refused before the body is judged: the
/// same 403 for a valid body, an invalid one, malformed JSON and another media type.
async fn a_colleague_outside_the_team_gets_403_whatever_the_body(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, _) = open_file(&app, &o, "Elsa").await;
    let created = draft(&app, anna, &file, None).await;
    let id = created["id"].as_str().unwrap();
    app.create_user(&o.admin, "carlo", &["social_worker"], &["social_inclusion"])
        .await;
    let (carlo, _) = app.tokens("carlo", &user_password("carlo")).await;
    let writes = [
        format!("/case-files/{file}/projects"),
        format!("/projects/{id}/objectives"),
        format!("/projects/{id}/participants"),
        format!("/projects/{id}/actions"),
        format!("/projects/{id}/reviews"),
        format!("/projects/{id}/transitions"),
    ];
    let bodies: [(&str, &str); 4] = [
        (
            "application/json",
            r#"{"kind": "life_project", "title": "ok"}"#,
        ),
        ("application/json", r#"{"kind": 42, "unknown": true}"#),
        ("application/json", "{not json"),
        ("text/plain", "nonsense"),
    ];
    for path in &writes {
        for (media_type, body) in bodies {
            let r = app
                .client
                .post(app.api(path))
                .bearer_auth(&carlo)
                .header("content-type", media_type)
                .header("if-match", "\"1\"")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 403, "{path} with {body}");
        }
    }
    assert_eq!(count_projects(&app, &file), 1);
    // An unknown project is 404 for a caller whose roles allow the action, 403 for one whose
    // roles never do (no existence oracle).
    let unknown = uuid::Uuid::now_v7();
    assert_eq!(
        get(&app, &carlo, &format!("/projects/{unknown}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        get(&app, &o.admin, &format!("/projects/{unknown}"))
            .await
            .status(),
        403
    );
}

/// A read that shows household members links them in its audit record.
async fn participant_reads_link_the_household_members_they_show(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, person) = open_file(&app, &o, "Fede").await;
    let sister = crate::person(&app, anna, "Gina").await;
    let r = post(
        &app,
        anna,
        "/households",
        json!({"reference_person_id": person, "joined_on": day(-300)}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let tag = etag_of(&r);
    let home: Value = r.json().await.unwrap();
    let r = post_if(
        &app,
        anna,
        &format!("/households/{}/members", home["id"].as_str().unwrap()),
        &tag,
        json!({"person_id": sister, "relationship": "sibling", "joined_on": day(-300)}),
    )
    .await;
    assert!(r.status().is_success(), "{:?}", r.text().await);
    let created = draft(&app, anna, &file, None).await;
    let id = created["id"].as_str().unwrap();
    let r = post(
        &app,
        anna,
        &format!("/projects/{id}/participants"),
        json!({"kind": "household_member", "person_id": sister}),
    )
    .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let r = get(&app, anna, &format!("/projects/{id}/participants")).await;
    assert_eq!(r.status(), 200);
    let entry = app.audit_entries(1).remove(0);
    assert_eq!(entry.action, "project.participant.list");
    let mut linked: Vec<String> = entry.persons.iter().map(ToString::to_string).collect();
    linked.sort();
    let mut expected = vec![person.clone(), sister.clone()];
    expected.sort();
    assert_eq!(linked, expected);
}
