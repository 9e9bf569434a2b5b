//! Reading the trail: who may, searches with filters and pages, the access report of a person,
//! and the `Access-Purpose` header.

use serde_json::{Value, json};
use socialcare_tests::{TestApp, on_both_engines};

use crate::{case_file, get, get_json, office, person, post};

on_both_engines!(
    only_privacy_officers_and_office_managers_read_the_trail,
    searches_filter_by_person_action_actor_and_page,
    search_parameters_are_checked,
    the_access_report_lists_who_accessed_a_person,
    the_declared_purpose_is_recorded,
);

async fn only_privacy_officers_and_office_managers_read_the_trail(app: TestApp) {
    let office = office(&app).await;
    let p = person(&app, &office.anna, "Maria").await;
    let report = format!("/persons/{p}/access-report");
    for (token, who) in [
        (&office.anna, "anna"),
        (&office.clerk, "clerk"),
        (&office.admin, "admin"),
    ] {
        for (path, action) in [
            ("/audit-records", "audit.read"),
            ("/audit-records/verification", "audit.verify"),
            (report.as_str(), "audit.read"),
            ("/break-glass-accesses", "break_glass.review"),
        ] {
            let r = get(&app, token, path).await;
            assert_eq!(r.status(), 403, "{who} {path}");
            let problem: Value = r.json().await.unwrap();
            assert_eq!(problem["status"], 403);
            let record = &app.audit(1)[0];
            assert_eq!(
                (record.action.as_str(), record.outcome.as_str()),
                (action, "denied"),
                "{who} {path}"
            );
            assert_eq!(record.actor_username.as_deref(), Some(who));
        }
    }
    // The privacy officer does not review break-glass accesses; the office manager does.
    assert_eq!(
        get(&app, &office.privacy, "/break-glass-accesses")
            .await
            .status(),
        403
    );
    for token in [&office.privacy, &office.manager] {
        get_json(&app, token, "/audit-records").await;
        get_json(&app, token, &report).await;
    }
    get_json(&app, &office.manager, "/break-glass-accesses").await;
    // Unauthenticated: 401.
    let r = app
        .client
        .get(app.api("/audit-records"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

fn actions(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["action"].as_str().unwrap().to_owned())
        .collect()
}

async fn searches_filter_by_person_action_actor_and_page(app: TestApp) {
    let office = office(&app).await;
    let p1 = person(&app, &office.anna, "Maria").await;
    let p2 = person(&app, &office.anna, "Giulia").await;
    get_json(&app, &office.anna, &format!("/persons/{p1}")).await;
    get_json(&app, &office.marco, &format!("/persons/{p1}")).await;

    let page = get_json(
        &app,
        &office.privacy,
        &format!("/audit-records?person_id={p1}"),
    )
    .await;
    assert_eq!(
        actions(&page),
        ["person.read", "person.read", "person.create"]
    );
    for item in page["items"].as_array().unwrap() {
        assert_eq!(item["persons"], json!([p1]));
        assert_eq!(item["resource_type"], "person");
        assert_eq!(item["hash"].as_str().unwrap().len(), 64);
    }
    assert_eq!(page["items"][0]["actor_username"], "marco");
    assert_eq!(page["items"][0]["actor_roles"], json!(["social_worker"]));
    assert_eq!(page["items"][0]["outcome"], "success");
    assert_eq!(page["items"][0]["break_glass"], false);
    assert_eq!(page["next"], Value::Null);
    // The search is recorded, with the person searched for.
    let record = app.audit_entries(1).remove(0);
    assert_eq!(record.action, "audit.search");
    assert_eq!(record.actor_username.as_deref(), Some("privacy"));
    assert_eq!(record.persons.len(), 1);
    assert_eq!(record.persons[0].to_string(), p1);

    let page = get_json(&app, &office.privacy, "/audit-records?action=person.create").await;
    assert_eq!(actions(&page), ["person.create", "person.create"]);
    let created: Vec<&Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["persons"][0])
        .collect();
    assert_eq!(created, [&json!(p2), &json!(p1)]);
    // A search by action shows both persons: its record links them both.
    let record = app.audit_entries(1).remove(0);
    assert_eq!(record.action, "audit.search");
    let mut linked: Vec<String> = record.persons.iter().map(ToString::to_string).collect();
    linked.sort();
    let mut shown = vec![p1.clone(), p2.clone()];
    shown.sort();
    assert_eq!(linked, shown);

    // A prefix ends with `.`; without it the action must match exactly.
    let page = get_json(
        &app,
        &office.privacy,
        "/audit-records?action=audit.&limit=100",
    )
    .await;
    assert_eq!(actions(&page), ["audit.search", "audit.search"]);
    let page = get_json(
        &app,
        &office.privacy,
        "/audit-records?action=user.&limit=100",
    )
    .await;
    assert!(actions(&page).len() >= 5);
    assert!(actions(&page).iter().all(|a| a.starts_with("user.")));
    let page = get_json(
        &app,
        &office.privacy,
        "/audit-records?action=user&limit=100",
    )
    .await;
    assert!(page["items"].as_array().unwrap().is_empty());

    let page = get_json(
        &app,
        &office.manager,
        &format!("/audit-records?actor_id={}&limit=100", office.marco_id),
    )
    .await;
    assert!(actions(&page).contains(&"person.read".to_owned()));
    assert!(actions(&page).contains(&"auth.login".to_owned()));
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["actor_id"] == office.marco_id.as_str())
    );

    // Denied attempts are searchable.
    assert_eq!(
        get(&app, &office.anna, "/audit-records").await.status(),
        403
    );
    let page = get_json(&app, &office.privacy, "/audit-records?outcome=denied").await;
    assert_eq!(actions(&page), ["audit.read"]);
    assert_eq!(page["items"][0]["actor_username"], "anna");

    // Period: nothing before the start, everything in a wide window.
    let page = get_json(
        &app,
        &office.privacy,
        "/audit-records?to=2000-01-01T00:00:00Z",
    )
    .await;
    assert!(page["items"].as_array().unwrap().is_empty());
    let page = get_json(
        &app,
        &office.privacy,
        "/audit-records?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z",
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 20);

    // Pages follow each other without overlap, newest first.
    let mut seen: Vec<i64> = Vec::new();
    let mut path = format!("/audit-records?actor_id={}&limit=2", office.anna_id);
    loop {
        let page = get_json(&app, &office.privacy, &path).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|i| i["seq"].as_i64().unwrap()));
        match page["next"].as_str() {
            Some(next) => {
                assert!(next.contains("actor_id="), "{next}");
                path = next.trim_start_matches("/api/v1").to_owned();
            }
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(seen, sorted, "strictly newest first, no repeats");
    assert!(seen.len() >= 5, "{seen:?}");
}

async fn search_parameters_are_checked(app: TestApp) {
    let office = office(&app).await;
    for (query, parameter) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("from=yesterday", "from"),
        ("person_id=nope", "person_id"),
        ("outcome=maybe", "outcome"),
        ("action=Person%20read", "action"),
        ("cursor=%21%21", "cursor"),
        ("from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to"),
        ("to=%2B12026-01-01T00:00:00Z", "to"),
    ] {
        let r = get(&app, &office.privacy, &format!("/audit-records?{query}")).await;
        assert_eq!(r.status(), 400, "{query}");
        let problem: Value = r.json().await.unwrap();
        let named: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["parameter"].as_str())
            .collect();
        assert!(named.contains(&parameter), "{query}: {problem}");
    }
}

async fn the_access_report_lists_who_accessed_a_person(app: TestApp) {
    let office = office(&app).await;
    let (file, p) = case_file(&app, &office.anna, &office.anna_id, "Maria").await;
    let other = person(&app, &office.anna, "Giulia").await;
    get_json(&app, &office.anna, &format!("/persons/{p}")).await;
    let reason = "Call from the emergency room about the person";
    let r = post(
        &app,
        &office.marco,
        &format!("/case-files/{file}/break-glass"),
        json!({"reason": reason}),
    )
    .await;
    assert_eq!(r.status(), 201);
    // A refused attempt on the person is an access attempt too.
    assert_eq!(
        get(&app, &office.admin, &format!("/persons/{p}"))
            .await
            .status(),
        403
    );

    let report = get_json(
        &app,
        &office.privacy,
        &format!("/persons/{p}/access-report"),
    )
    .await;
    assert_eq!(report["person_id"], p.as_str());
    assert_eq!(report["truncated"], false);
    let accesses = report["accesses"].as_array().unwrap();
    assert_eq!(report["total"], accesses.len());
    let lines: Vec<(String, String, String)> = accesses
        .iter()
        .map(|a| {
            (
                a["actor_username"].as_str().unwrap().to_owned(),
                a["action"].as_str().unwrap().to_owned(),
                a["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("anna", "person.create", "success"),
        ("anna", "person.read", "success"),
        ("marco", "case_file.break_glass", "success"),
        ("admin", "person.read", "denied"),
    ];
    for (who, action, outcome) in expected {
        assert!(
            lines.contains(&(who.into(), action.into(), outcome.into())),
            "{who} {action} {outcome} missing from {lines:?}"
        );
    }
    assert!(lines.iter().all(|(who, _, _)| who != "privacy"));
    let glass = accesses
        .iter()
        .find(|a| a["action"] == "case_file.break_glass")
        .unwrap();
    assert_eq!(glass["break_glass"], true);
    assert_eq!(glass["purpose"], reason);
    assert_eq!(glass["resource_id"], file.as_str());
    assert_eq!(glass["actor_id"], office.marco_id.as_str());
    // Oldest first.
    let instants: Vec<&str> = accesses
        .iter()
        .map(|a| a["occurred_at"].as_str().unwrap())
        .collect();
    let mut sorted = instants.clone();
    sorted.sort_unstable();
    assert_eq!(instants, sorted);

    let actors = report["actors"].as_array().unwrap();
    let anna = actors
        .iter()
        .find(|a| a["actor_username"] == "anna")
        .unwrap();
    let anna_count = lines.iter().filter(|(w, _, _)| w == "anna").count();
    assert_eq!(anna["count"], anna_count);
    assert_eq!(anna["actor_id"], office.anna_id.as_str());
    assert!(anna["first"].as_str().unwrap() <= anna["last"].as_str().unwrap());
    let marco = actors
        .iter()
        .find(|a| a["actor_username"] == "marco")
        .unwrap();
    assert_eq!(marco["count"], 1);
    assert_eq!(actors[0]["actor_username"], "anna", "most accesses first");

    // The report is recorded, about the person; the next report shows it.
    let record = app.audit_entries(1).remove(0);
    assert_eq!(record.action, "audit.person_access_report");
    assert_eq!(record.resource_id.as_deref(), Some(p.as_str()));
    assert_eq!(record.persons.len(), 1);
    assert_eq!(record.persons[0].to_string(), p);
    let again = get_json(
        &app,
        &office.manager,
        &format!("/persons/{p}/access-report"),
    )
    .await;
    assert_eq!(again["total"], accesses.len() + 1);
    assert_eq!(
        again["accesses"].as_array().unwrap().last().unwrap()["actor_username"],
        "privacy"
    );

    // Another person's report does not list these accesses.
    let theirs = get_json(
        &app,
        &office.privacy,
        &format!("/persons/{other}/access-report"),
    )
    .await;
    assert_eq!(theirs["total"], 1, "{theirs}");

    // A period after everything is empty; an unknown person is 404.
    let future = get_json(
        &app,
        &office.privacy,
        &format!("/persons/{p}/access-report?from=2100-01-01T00:00:00Z"),
    )
    .await;
    assert_eq!(future["total"], 0);
    assert_eq!(future["accesses"], json!([]));
    assert_eq!(future["actors"], json!([]));
    let unknown = uuid::Uuid::now_v7();
    assert_eq!(
        get(
            &app,
            &office.privacy,
            &format!("/persons/{unknown}/access-report")
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        get(&app, &office.privacy, "/persons/nope/access-report")
            .await
            .status(),
        400
    );
}

async fn the_declared_purpose_is_recorded(app: TestApp) {
    let office = office(&app).await;
    let p = person(&app, &office.anna, "Maria").await;
    assert_eq!(app.audit(1)[0].purpose, None);
    let purpose = "Verifica requisiti ADI";
    let r = app
        .client
        .get(app.api(&format!("/persons/{p}")))
        .bearer_auth(&office.anna)
        .header("Access-Purpose", purpose)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let record = &app.audit(1)[0];
    assert_eq!(record.action, "person.read");
    assert_eq!(record.purpose.as_deref(), Some(purpose));
    assert!(!record.break_glass);

    let before = app.audit(1)[0].seq;
    for bad in ["x".repeat(201), "   ".to_owned()] {
        let r = app
            .client
            .get(app.api(&format!("/persons/{p}")))
            .bearer_auth(&office.anna)
            .header("Access-Purpose", bad.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let problem: Value = r.json().await.unwrap();
        assert_eq!(
            problem["errors"][0]["parameter"], "Access-Purpose",
            "{problem}"
        );
    }
    assert_eq!(
        app.audit(1)[0].seq,
        before,
        "a refused request reads nothing"
    );

    // The purpose is searchable evidence for the privacy officer.
    let page = get_json(
        &app,
        &office.privacy,
        &format!("/audit-records?person_id={p}&action=person.read"),
    )
    .await;
    assert_eq!(page["items"][0]["purpose"], purpose);
}
