//! The agenda: contents across projects and pacts, expected releases of the prison area, order,
//! period, pagination, access and audit.

use serde_json::{Value, json};
use socialcare_tests::{TestApp, on_both_engines, user_password};

use crate::{Office, day, get, get_json, office, open_file, post, post_if};

on_both_engines!(
    agenda_lists_what_is_due_or_overdue_by_due_day,
    expected_releases_reach_case_manager_and_coordinators,
    agenda_pages_follow_their_position_across_kinds,
    agenda_follows_the_case_manager_on_the_days_of_the_assignment,
);

/// An active project of `file` with its next review on `next_review_on`.
async fn project_reviewed_on(app: &TestApp, token: &str, file: &str, next_review_on: &str) {
    let r = post(
        app,
        token,
        &format!("/case-files/{file}/projects"),
        json!({"kind": "employment_path", "title": "Lavoro", "next_review_on": next_review_on,
            "objectives": [{"domain": "employment", "description": "Job", "target_date": day(100)}]}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = post_if(
        app,
        token,
        &format!("/projects/{id}/transitions"),
        "\"1\"",
        json!({"transition": "activate"}),
    )
    .await;
    assert_eq!(r.status(), 200);
}

/// The items of an agenda as (due day, kind, project or pact).
fn listed(page: &Value) -> Vec<(String, String, String)> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["due_on"].as_str().unwrap().to_owned(),
                i["kind"].as_str().unwrap().to_owned(),
                i["project_id"]
                    .as_str()
                    .or(i["pact_id"].as_str())
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect()
}

async fn follow(app: &TestApp, token: &str, link: &str) -> Value {
    let r = app
        .client
        .get(format!("{}{link}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn agenda_pages_follow_their_position_across_kinds(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, anna) = &o.anna;
    let (file_a, _) = open_file(&app, &o, "Alba").await;
    let (file_b, _) = open_file(&app, &o, "Bruna").await;
    // Four items due on the same day, two of each kind: reviews, then convocations (an ADI
    // pact is convened within 60 days of its activation).
    for (n, file) in [&file_a, &file_b].into_iter().enumerate() {
        project_reviewed_on(&app, anna, file, &day(5)).await;
        let r = post(
            &app,
            anna,
            &format!("/case-files/{file}/pacts"),
            json!({"measure": "adi", "application_reference": format!("INPS-ADI-P{n}"),
                "activation_on": day(-55)}),
        )
        .await;
        assert_eq!(r.status(), 201);
    }
    let whole = get_json(&app, anna, "/me/agenda").await;
    let all = listed(&whole);
    let kinds: Vec<&str> = all.iter().map(|(_, k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "project_review",
            "project_review",
            "pact_convocation",
            "pact_convocation"
        ]
    );
    assert!(all.iter().all(|(due, _, _)| *due == day(5)));

    // One item a page, across the kinds: the same items in the same order, then no next.
    let mut seen = Vec::new();
    let mut page = get_json(&app, anna, "/me/agenda?limit=1").await;
    loop {
        seen.extend(listed(&page));
        match page["next"].as_str() {
            Some(link) => {
                assert!(
                    link.starts_with("/api/v1/me/agenda?limit=1&cursor="),
                    "{link}"
                );
                page = follow(&app, anna, link).await;
            }
            None => break,
        }
    }
    assert_eq!(seen, all);

    // A kind pages on its own (and loads only its own facts).
    let mut convocations = Vec::new();
    let mut page = get_json(&app, anna, "/me/agenda?kind=pact_convocation&limit=1").await;
    loop {
        convocations.extend(listed(&page));
        match page["next"].as_str() {
            Some(link) => page = follow(&app, anna, link).await,
            None => break,
        }
    }
    assert_eq!(convocations, all[2..]);

    // The position is kept: a review recorded before it, between two pages, does not shift
    // the next page (an offset would repeat the second review).
    let first = get_json(&app, anna, "/me/agenda?limit=2").await;
    assert_eq!(listed(&first), all[..2]);
    let (file_c, _) = open_file(&app, &o, "Carla").await;
    project_reviewed_on(&app, anna, &file_c, &day(3)).await;
    let second = follow(&app, anna, first["next"].as_str().unwrap()).await;
    assert_eq!(listed(&second), all[2..]);
    assert_eq!(second["next"], Value::Null);
    // The coordinator's view of anna's agenda pages the same way.
    app.create_user(
        &o.admin,
        "carla",
        &["area_coordinator"],
        &["social_inclusion"],
    )
    .await;
    let (carla, _) = app.tokens("carla", &user_password("carla")).await;
    let first = get_json(
        &app,
        &carla,
        &format!("/agenda?case_manager_id={anna_id}&limit=3"),
    )
    .await;
    assert_eq!(listed(&first).len(), 3);
    let link = first["next"].as_str().unwrap().to_owned();
    assert!(link.starts_with(&format!(
        "/api/v1/agenda?case_manager_id={anna_id}&limit=3&cursor="
    )));
    let second = follow(&app, &carla, &link).await;
    assert_eq!(listed(&second), all[2..]);

    // Another's agenda is refused before its query is judged, in the read's transaction.
    let bruno = app
        .create_user(&o.admin, "bruno", &["social_worker"], &["social_inclusion"])
        .await;
    let (bruno_token, _) = app.tokens("bruno", &user_password("bruno")).await;
    assert!(bruno["id"].is_string());
    let r = get(
        &app,
        &bruno_token,
        &format!("/agenda?case_manager_id={anna_id}&to=nope&cursor=abc&limit=0"),
    )
    .await;
    assert_eq!(r.status(), 403);
    let refusal = app.audit(1).remove(0);
    assert_eq!(refusal.outcome, "denied");
    assert_eq!(refusal.action, "agenda.read");
    assert_eq!(refusal.resource_id.as_deref(), Some(anna_id.as_str()));
}

async fn agenda_lists_what_is_due_or_overdue_by_due_day(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, anna) = &o.anna;
    let (file_a, person_a) = open_file(&app, &o, "Alba").await;
    let (file_b, person_b) = open_file(&app, &o, "Bruna").await;

    // Project of A: review overdue by 10 days.
    let r = post(
        &app,
        anna,
        &format!("/case-files/{file_a}/projects"),
        json!({"kind": "housing_path", "title": "Casa", "drafted_on": day(-100),
            "objectives": [{"domain": "housing", "description": "Room", "target_date": day(100)}]}),
    )
    .await;
    let overdue_project: Value = r.json().await.unwrap();
    let overdue_id = overdue_project["id"].as_str().unwrap().to_owned();
    let r = post_if(
        &app,
        anna,
        &format!("/projects/{overdue_id}/transitions"),
        "\"1\"",
        json!({"transition": "activate", "occurred_on": day(-90), "next_review_on": day(-10)}),
    )
    .await;
    assert_eq!(r.status(), 200);
    // Project of B: review in 20 days; another in 45 days (outside the default period).
    let mut on_time = Vec::new();
    for next in [day(20), day(45)] {
        let r = post(
            &app,
            anna,
            &format!("/case-files/{file_b}/projects"),
            json!({"kind": "employment_path", "title": "Lavoro", "next_review_on": next,
                "objectives": [{"domain": "employment", "description": "Job", "target_date": day(100)}]}),
        )
        .await;
        let p: Value = r.json().await.unwrap();
        let id = p["id"].as_str().unwrap().to_owned();
        let r = post_if(
            &app,
            anna,
            &format!("/projects/{id}/transitions"),
            "\"1\"",
            json!({"transition": "activate"}),
        )
        .await;
        assert_eq!(r.status(), 200);
        on_time.push(id);
    }
    // A draft project is never on the agenda.
    post(
        &app,
        anna,
        &format!("/case-files/{file_b}/projects"),
        json!({"kind": "life_project", "title": "Bozza", "next_review_on": day(5)}),
    )
    .await;
    // Pact of B: ADI activated 100 days ago, never convened (40 days late).
    let r = post(
        &app,
        anna,
        &format!("/case-files/{file_b}/pacts"),
        json!({"measure": "adi", "application_reference": "INPS-ADI-1", "activation_on": day(-100)}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let late_pact: Value = r.json().await.unwrap();
    // Pact of A: ADI convened 10 days ago: signature due in 110 days (outside the period).
    let r = post(
        &app,
        anna,
        &format!("/case-files/{file_a}/pacts"),
        json!({"measure": "adi", "application_reference": "INPS-ADI-2", "activation_on": day(-20),
            "drafted_on": day(-15)}),
    )
    .await;
    let pact_a: Value = r.json().await.unwrap();
    let pact_a_id = pact_a["id"].as_str().unwrap();
    let r = post(
        &app,
        anna,
        &format!("/pacts/{pact_a_id}/steps"),
        json!({"kind": "convocation", "occurred_on": day(-10)}),
    )
    .await;
    assert_eq!(r.status(), 201);
    // A file managed by someone else is not on anna's agenda.
    let admin = &o.admin;
    let bruno = app
        .create_user(admin, "bruno", &["social_worker"], &["social_inclusion"])
        .await;
    let bruno_id = bruno["id"].as_str().unwrap().to_owned();
    let (bruno_token, _) = app.tokens("bruno", &user_password("bruno")).await;
    let p = crate::person(&app, &bruno_token, "Ciro").await;
    let r = post(
        &app,
        &bruno_token,
        "/case-files",
        json!({"person_id": p, "area": "social_inclusion", "case_manager_id": bruno_id}),
    )
    .await;
    let bruno_file: Value = r.json().await.unwrap();
    let r = post(
        &app,
        &bruno_token,
        &format!("/case-files/{}/pacts", bruno_file["id"].as_str().unwrap()),
        json!({"measure": "adi", "application_reference": "INPS-ADI-3", "activation_on": day(-90)}),
    )
    .await;
    assert_eq!(r.status(), 201);

    // Default period: today + 30 days, and everything overdue, by due day.
    let agenda = get_json(&app, anna, "/me/agenda").await;
    assert_eq!(agenda["case_manager_id"], anna_id.as_str());
    assert_eq!(agenda["from"], day(0));
    assert_eq!(agenda["to"], day(30));
    let items = agenda["items"].as_array().unwrap();
    let summary: Vec<(&str, &str, bool)> = items
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap(),
                i["due_on"].as_str().unwrap(),
                i["late"].as_bool().unwrap(),
            )
        })
        .collect();
    let (d40, d10, d20) = (day(-40), day(-10), day(20));
    assert_eq!(
        summary,
        [
            ("pact_convocation", d40.as_str(), true),
            ("project_review", d10.as_str(), true),
            ("project_review", d20.as_str(), false),
        ]
    );
    assert_eq!(items[0]["pact_id"], late_pact["id"]);
    assert_eq!(items[0]["person_id"], person_b.as_str());
    assert_eq!(items[0]["case_file_id"], file_b.as_str());
    assert_eq!(items[1]["project_id"], overdue_id.as_str());
    assert_eq!(items[1]["person_id"], person_a.as_str());
    assert_eq!(items[2]["project_id"], on_time[0].as_str());
    assert_eq!(agenda["next"], Value::Null);
    // The read is audited with the persons it showed, linked to the record, so that each
    // person's access report lists it.
    let entry = app.audit_entries(1).remove(0);
    assert_eq!(entry.row.action, "agenda.read");
    let mut linked: Vec<String> = entry.persons.iter().map(ToString::to_string).collect();
    linked.sort();
    let mut shown = vec![person_a.clone(), person_b.clone()];
    shown.sort();
    assert_eq!(linked, shown);
    let details: Value = serde_json::from_str(entry.row.details.as_deref().unwrap()).unwrap();
    assert_eq!(details["items"], 3);
    let dpo = privacy_officer(&app, &o).await;
    for person in [&person_a, &person_b] {
        assert_access_report_lists(&app, &dpo, person, entry.row.id.0).await;
    }

    // A longer period adds the later review and the signature.
    let longer = get_json(&app, anna, &format!("/me/agenda?to={}", day(120))).await;
    let kinds: Vec<&str> = longer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "pact_convocation",
            "project_review",
            "project_review",
            "project_review",
            "pact_signature"
        ]
    );
    // A later period still shows what is overdue, not what falls before it.
    let later = get_json(
        &app,
        anna,
        &format!("/me/agenda?from={}&to={}", day(40), day(50)),
    )
    .await;
    let due: Vec<&str> = later["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["due_on"].as_str().unwrap())
        .collect();
    let (d40, d10, d45) = (day(-40), day(-10), day(45));
    assert_eq!(due, [d40.as_str(), d10.as_str(), d45.as_str()]);
    // Filter by kind.
    let reviews = get_json(&app, anna, "/me/agenda?kind=project_review").await;
    assert_eq!(reviews["items"].as_array().unwrap().len(), 2);
    // Pagination.
    let first = get_json(&app, anna, &format!("/me/agenda?to={}&limit=2", day(120))).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let next = first["next"].as_str().unwrap().to_owned();
    let second: Value = app
        .client
        .get(format!("{}{next}", app.address))
        .bearer_auth(anna)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(second["items"][0]["due_on"], day(20));
    let third_link = second["next"].as_str().unwrap().to_owned();
    let third: Value = app
        .client
        .get(format!("{}{third_link}", app.address))
        .bearer_auth(anna)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(third["items"].as_array().unwrap().len(), 1);
    assert_eq!(third["items"][0]["kind"], "pact_signature");
    assert_eq!(third["next"], Value::Null);
    // Bad periods and parameters.
    for query in [
        format!("to={}", day(-1)),
        format!("to={}", day(400)),
        "kind=holiday".to_owned(),
        "limit=0".to_owned(),
        "cursor=abc".to_owned(),
    ] {
        assert_eq!(
            get(&app, anna, &format!("/me/agenda?{query}"))
                .await
                .status(),
            400,
            "{query}"
        );
    }

    // Another case manager's agenda: for coordinators only.
    assert_eq!(
        get(
            &app,
            &bruno_token,
            &format!("/agenda?case_manager_id={anna_id}")
        )
        .await
        .status(),
        403
    );
    assert_eq!(app.audit(1).remove(0).outcome, "denied");
    let own = get_json(
        &app,
        &bruno_token,
        &format!("/agenda?case_manager_id={bruno_id}"),
    )
    .await;
    assert_eq!(own["items"].as_array().unwrap().len(), 1);
    app.create_user(admin, "carla", &["area_coordinator"], &["social_inclusion"])
        .await;
    let (carla, _) = app.tokens("carla", &user_password("carla")).await;
    let seen = get_json(&app, &carla, &format!("/agenda?case_manager_id={anna_id}")).await;
    assert_eq!(seen["items"], agenda["items"]);
    assert_eq!(get(&app, &carla, "/agenda").await.status(), 400);
    assert_eq!(
        get(&app, &carla, "/agenda?case_manager_id=nope")
            .await
            .status(),
        400
    );
    // Administrators have no agenda.
    assert_eq!(get(&app, admin, "/me/agenda").await.status(), 403);
}

/// A privacy officer's token.
async fn privacy_officer(app: &TestApp, o: &Office) -> String {
    app.create_user(&o.admin, "dpo", &["privacy_officer"], &[])
        .await;
    app.tokens("dpo", &user_password("dpo")).await.0
}

/// The person's access report (read by a privacy officer) lists the audit record `record`.
async fn assert_access_report_lists(app: &TestApp, dpo: &str, person: &str, record: uuid::Uuid) {
    let report = get_json(app, dpo, &format!("/persons/{person}/access-report")).await;
    let listed = report["accesses"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["audit_record_id"] == record.to_string() && a["action"] == "agenda.read");
    assert!(listed, "{report}");
}

/// Records justice data of a person (first time: 201).
async fn justice(app: &TestApp, token: &str, person: &str, body: Value) {
    let r = app
        .client
        .put(app.api(&format!("/persons/{person}/justice")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

async fn expected_releases_reach_case_manager_and_coordinators(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file_1, p1) = open_file(&app, &o, "Uno").await;
    let (_, p2) = open_file(&app, &o, "Due").await;
    let (_, p3) = open_file(&app, &o, "Tre").await;
    let (file_4, p4) = open_file(&app, &o, "Quattro").await;
    justice(
        &app,
        anna,
        &p1,
        json!({"status": "detained", "institution": "Casa circondariale di Trento",
            "measure_start_on": day(-400), "expected_release_on": day(30),
            "uepe_contact_reference": "UEPE-TN-77"}),
    )
    .await;
    justice(
        &app,
        anna,
        &p2,
        json!({"status": "alternative_measure",
            "alternative_measure_kind": "affidamento in prova ai servizi sociali",
            "expected_release_on": day(200)}),
    )
    .await;
    justice(
        &app,
        anna,
        &p3,
        json!({"status": "released", "expected_release_on": day(10)}),
    )
    .await;
    justice(
        &app,
        anna,
        &p4,
        json!({"status": "detained", "expected_release_on": day(-5)}),
    )
    .await;

    let releases = |agenda: &Value| -> Vec<(String, String, bool, Value)> {
        agenda["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["kind"] == "expected_release")
            .map(|i| {
                (
                    i["person_id"].as_str().unwrap().to_owned(),
                    i["due_on"].as_str().unwrap().to_owned(),
                    i["late"].as_bool().unwrap(),
                    i["project_id"].clone(),
                )
            })
            .collect()
    };
    let agenda = get_json(&app, anna, "/me/agenda").await;
    assert_eq!(
        releases(&agenda),
        [
            (p4.clone(), day(-5), true, Value::Null),
            (p1.clone(), day(30), false, Value::Null),
        ]
    );
    // The persons are linked to the read; its details say nothing of what the items are
    // about (an expected release is justice data), only ids and a count.
    let entry = app.audit_entries(1).remove(0);
    assert_eq!(entry.row.action, "agenda.read");
    let mut linked: Vec<String> = entry.persons.iter().map(ToString::to_string).collect();
    linked.sort();
    let mut shown = vec![p1.clone(), p4.clone()];
    shown.sort();
    assert_eq!(linked, shown);
    let details = entry.row.details.as_deref().unwrap();
    for word in ["release", "justice", "detained", "prison"] {
        assert!(!details.contains(word), "{details}");
    }
    assert_eq!(
        serde_json::from_str::<Value>(details).unwrap()["case_file_ids"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let dpo = privacy_officer(&app, &o).await;
    assert_access_report_lists(&app, &dpo, &p4, entry.row.id.0).await;
    // A longer horizon brings the alternative measure ending in 200 days.
    let longer = get_json(&app, anna, "/me/agenda?release_within_days=365").await;
    assert_eq!(releases(&longer).len(), 3);
    assert_eq!(
        get(&app, anna, "/me/agenda?release_within_days=366")
            .await
            .status(),
        400
    );
    // Planning the reintegration links the project.
    let r = post(
        &app,
        anna,
        &format!("/case-files/{file_1}/projects"),
        json!({"kind": "prison_reintegration", "title": "Reinserimento"}),
    )
    .await;
    let plan: Value = r.json().await.unwrap();
    let agenda = get_json(&app, anna, "/me/agenda?kind=expected_release").await;
    assert_eq!(agenda["items"].as_array().unwrap().len(), 2);
    assert_eq!(agenda["items"][1]["project_id"], plan["id"]);
    assert_eq!(agenda["items"][1]["case_file_id"], file_1.as_str());
    // The coordinator of the area sees them; another area's coordinator and another worker
    // do not.
    let admin = &o.admin;
    app.create_user(admin, "carla", &["area_coordinator"], &["social_inclusion"])
        .await;
    let (carla, _) = app.tokens("carla", &user_password("carla")).await;
    app.create_user(admin, "dora", &["area_coordinator"], &["transversal"])
        .await;
    let (dora, _) = app.tokens("dora", &user_password("dora")).await;
    app.create_user(admin, "bruno", &["social_worker"], &["social_inclusion"])
        .await;
    let (bruno, _) = app.tokens("bruno", &user_password("bruno")).await;
    let coordinator = get_json(&app, &carla, "/me/agenda").await;
    let persons: Vec<String> = releases(&coordinator).into_iter().map(|r| r.0).collect();
    assert_eq!(persons, [p4.clone(), p1.clone()]);
    assert!(
        releases(&get_json(&app, &dora, "/me/agenda").await).is_empty(),
        "another area"
    );
    assert!(releases(&get_json(&app, &bruno, "/me/agenda").await).is_empty());
    // A closed file leaves the planning.
    let r = post_if(
        &app,
        anna,
        &format!("/case-files/{file_4}/transitions"),
        "\"1\"",
        json!({"transition": "close", "reason": "Moved", "closing_reason": "moved_away"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let persons: Vec<String> = releases(&get_json(&app, &carla, "/me/agenda").await)
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(persons, [p1]);
}

/// The agenda's items are the current case manager's: a handover from a later day leaves them
/// with the outgoing case manager until then and gives none to the incoming one yet; the index
/// the database keeps of them matches its sources after every change.
async fn agenda_follows_the_case_manager_on_the_days_of_the_assignment(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (_, cora) = app
        .staff(
            &o.admin,
            "cora",
            &["area_coordinator"],
            &["social_inclusion"],
        )
        .await;
    let (bruno_id, bruno) = app
        .staff(&o.admin, "bruno", &["social_worker"], &["social_inclusion"])
        .await;
    let (file, _) = open_file(&app, &o, "Dora").await;
    let reviews = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["case_file_id"] == file.as_str())
            .map(|i| i["due_on"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(app.assert_agenda_index_exact(), 0);
    project_reviewed_on(&app, anna, &file, &day(5)).await;
    assert_eq!(app.assert_agenda_index_exact(), 1);
    assert_eq!(reviews(&get_json(&app, anna, "/me/agenda").await), [day(5)]);
    assert!(reviews(&get_json(&app, &bruno, "/me/agenda").await).is_empty());

    // The coordinator hands the file over to Bruno from ten days on.
    let r = get(&app, &cora, &format!("/case-files/{file}")).await;
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let r = post_if(
        &app,
        &cora,
        &format!("/case-files/{file}/team"),
        &etag,
        json!({"staff_id": bruno_id, "role": "case_manager", "from": day(10)}),
    )
    .await;
    assert_eq!(r.status(), 200);
    // One entry for each of the two assignments; today the review is still Anna's.
    assert_eq!(app.assert_agenda_index_exact(), 2);
    assert_eq!(reviews(&get_json(&app, anna, "/me/agenda").await), [day(5)]);
    assert!(reviews(&get_json(&app, &bruno, "/me/agenda").await).is_empty());
    let coordinator_view =
        get_json(&app, &cora, &format!("/agenda?case_manager_id={bruno_id}")).await;
    assert!(reviews(&coordinator_view).is_empty());

    // A second review moves in both assignments' entries.
    project_reviewed_on(&app, anna, &file, &day(3)).await;
    assert_eq!(app.assert_agenda_index_exact(), 4);
    assert_eq!(
        reviews(&get_json(&app, anna, "/me/agenda").await),
        [day(3), day(5)]
    );
    assert!(reviews(&get_json(&app, &bruno, "/me/agenda").await).is_empty());

    // `socialcare agenda check` finds the index whole; emptied behind the triggers' back, it
    // reports what is missing and fails, and `agenda rebuild` writes it again.
    let cli = |args: &[&str]| {
        let url = app.database.url();
        let mut full = vec!["socialcare", "--database-url", url.as_str()];
        full.extend_from_slice(args);
        let mut out = Vec::new();
        let result = socialcare_api::cli::run(full, &mut "".as_bytes(), &mut out);
        (
            String::from_utf8(out).unwrap(),
            result.map_err(|e| format!("{e:#}")),
        )
    };
    let (out, result) = cli(&["agenda", "check"]);
    assert_eq!(result, Ok(()));
    assert_eq!(
        out,
        "agenda index: 0 entries the sources do not give, 0 entries missing\n"
    );
    app.db()
        .write::<_, socialcare_persistence::StoreError, _>(|c| {
            use diesel::prelude::*;
            diesel::delete(socialcare_persistence::schema::agenda_entries::table).execute(c)?;
            Ok(())
        })
        .unwrap();
    assert!(
        get_json(&app, anna, "/me/agenda").await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let (out, result) = cli(&["agenda", "check"]);
    assert!(result.unwrap_err().contains("agenda rebuild"));
    assert_eq!(
        out,
        "agenda index: 0 entries the sources do not give, 4 entries missing\n"
    );
    let (out, result) = cli(&["agenda", "rebuild"]);
    assert_eq!(result, Ok(()));
    assert_eq!(out, "agenda index rebuilt: 4 entries\n");
    assert_eq!(app.assert_agenda_index_exact(), 4);
    assert_eq!(
        reviews(&get_json(&app, anna, "/me/agenda").await),
        [day(3), day(5)]
    );
}
