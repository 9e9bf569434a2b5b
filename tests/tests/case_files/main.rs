//! Case files: opening with references, the lifecycle, the team, lists and caseloads — each on
//! SQLite and on PostgreSQL.

use chrono::{Datelike, Utc};
use serde_json::{Value, json};
use socialcare_domain::calendar;
use socialcare_tests::{TestApp, on_both_engines, user_password};

on_both_engines!(
    opening_gives_a_yearly_reference_and_one_open_file_per_area,
    every_legal_and_illegal_transition,
    team_history_reassignment_and_caseloads,
    lists_filter_and_page_stably,
    caseloads_page_from_the_cursor,
    concurrent_openings_get_distinct_references,
    concurrent_openings_for_one_person_and_area_open_one_file,
    concurrent_openings_on_two_servers_open_one_file,
    reopening_beside_an_open_file_is_refused,
    case_data_is_refused_to_admins_and_privacy_officers,
    merging_a_duplicate_moves_its_case_files,
    a_merge_is_decided_on_both_persons,
    team_changes_and_merges_replay_their_idempotency_key,
    writes_by_a_stranger_are_refused_before_the_body_and_leave_nothing,
    a_case_manager_replaced_writes_no_more,
    list_reads_link_the_persons_they_show,
);

struct Office {
    admin: String,
    anna: (String, String),
    bruno: (String, String),
    educator: (String, String),
    /// Area coordinator of social_inclusion and transversal.
    cora: (String, String),
}

async fn office(app: &TestApp) -> Office {
    let admin = app.admin_token().await;
    let mut ids = Vec::new();
    for (name, roles, areas) in [
        ("anna", vec!["social_worker"], vec!["social_inclusion"]),
        (
            "bruno",
            vec!["social_worker"],
            vec!["social_inclusion", "transversal"],
        ),
        ("edo", vec!["educator"], vec!["social_inclusion"]),
        (
            "cora",
            vec!["area_coordinator"],
            vec!["social_inclusion", "transversal"],
        ),
    ] {
        let user = app.create_user(&admin, name, &roles, &areas).await;
        let (token, _) = app.tokens(name, &user_password(name)).await;
        ids.push((user["id"].as_str().unwrap().to_owned(), token));
    }
    let mut ids = ids.into_iter();
    Office {
        admin,
        anna: ids.next().unwrap(),
        bruno: ids.next().unwrap(),
        educator: ids.next().unwrap(),
        cora: ids.next().unwrap(),
    }
}

async fn person(app: &TestApp, token: &str, given: &str) -> String {
    let r = app
        .client
        .post(app.api("/persons"))
        .bearer_auth(token)
        .json(&json!({"given_names": given, "family_names": "Test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn open(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.api("/case-files"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn transition(
    app: &TestApp,
    token: &str,
    id: &str,
    etag: &str,
    body: Value,
) -> reqwest::Response {
    app.client
        .post(app.api(&format!("/case-files/{id}/transitions")))
        .bearer_auth(token)
        .header("if-match", etag)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn opening_gives_a_yearly_reference_and_one_open_file_per_area(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, token) = &o.anna;
    let maria = person(&app, token, "Maria").await;
    let r = open(
        &app,
        token,
        json!({"person_id": maria, "area": "social_inclusion", "case_manager_id": anna_id,
        "target_groups": ["homeless", "adult_in_need", "homeless"]}),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["etag"], "\"1\"");
    let file: Value = r.json().await.unwrap();
    let year = Utc::now().year();
    assert_eq!(file["reference"], format!("CS-{year}-000001"));
    assert_eq!(file["status"], "intake");
    assert_eq!(file["allowed_transitions"], json!(["activate", "close"]));
    assert_eq!(file["case_manager_id"], anna_id.as_str());
    assert_eq!(file["target_groups"], json!(["adult_in_need", "homeless"]));
    assert_eq!(file["opened_on"], calendar::today(Utc::now()).to_string());
    let record = &app.audit(1)[0];
    assert_eq!(record.action, "case_file.open");
    assert!(record.details.as_deref().unwrap().contains(&maria));

    // One open file per person and area; another area is fine.
    let again = open(
        &app,
        token,
        json!({"person_id": maria, "area": "social_inclusion", "case_manager_id": anna_id}),
    )
    .await;
    assert_eq!(again.status(), 409);
    let (bruno_id, bruno) = &o.bruno;
    // Anna works in social_inclusion only: she may not open a file in another area.
    let body = json!({"person_id": maria, "area": "transversal", "case_manager_id": bruno_id});
    let refused = open(&app, token, body.clone()).await;
    assert_eq!(refused.status(), 403);
    let denial = &app.audit(1)[0];
    assert_eq!(denial.action, "case_file.open");
    assert_eq!(denial.outcome, "denied");
    let other = open(&app, bruno, body).await;
    assert_eq!(other.status(), 201);
    assert_eq!(
        other.json::<Value>().await.unwrap()["reference"],
        format!("CS-{year}-000002")
    );

    // The case manager must be a social worker of the area; the person must exist.
    let (edo_id, _) = &o.educator;
    let luca = person(&app, token, "Luca").await;
    for (body, pointer) in [
        (
            json!({"person_id": luca, "area": "social_inclusion", "case_manager_id": edo_id}),
            "/case_manager_id",
        ),
        (
            json!({"person_id": luca, "area": "transversal", "case_manager_id": anna_id}),
            "/case_manager_id",
        ),
        (
            json!({"person_id": uuid::Uuid::now_v7(), "area": "social_inclusion", "case_manager_id": anna_id}),
            "/person_id",
        ),
        (
            json!({"person_id": luca, "area": "social_inclusion", "case_manager_id": anna_id, "opened_on": "2999-01-01"}),
            "/opened_on",
        ),
        (
            json!({"person_id": luca, "area": "nowhere", "case_manager_id": anna_id}),
            "/area",
        ),
    ] {
        let r = open(&app, bruno, body).await;
        assert_eq!(r.status(), 422, "{pointer}");
        assert_eq!(
            r.json::<Value>().await.unwrap()["errors"][0]["pointer"],
            pointer
        );
    }

    let read = app
        .client
        .get(app.api(&format!("/case-files/{}", file["id"].as_str().unwrap())))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    assert_eq!(read.headers()["etag"], "\"1\"");
    assert_eq!(read.json::<Value>().await.unwrap(), file);
    assert_eq!(app.audit(1)[0].action, "case_file.read");
}

async fn every_legal_and_illegal_transition(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, token) = &o.anna;
    let p = person(&app, token, "Giada").await;
    let file: Value = open(
        &app,
        token,
        json!({"person_id": p, "area": "social_inclusion", "case_manager_id": anna_id}),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = file["id"].as_str().unwrap();

    assert_eq!(
        app.client
            .post(app.api(&format!("/case-files/{id}/transitions")))
            .bearer_auth(token)
            .json(&json!({"transition": "activate", "reason": "x"}))
            .send()
            .await
            .unwrap()
            .status(),
        428
    );
    assert_eq!(
        transition(
            &app,
            token,
            id,
            "\"9\"",
            json!({"transition": "activate", "reason": "x"})
        )
        .await
        .status(),
        412
    );

    // (transition, expected status or 409 with the allowed list, status after)
    let steps: Vec<(&str, u16, &str, Value)> = vec![
        ("suspend", 409, "intake", json!(["activate", "close"])),
        ("resume", 409, "intake", json!(["activate", "close"])),
        ("reopen", 409, "intake", json!(["activate", "close"])),
        ("activate", 200, "active", json!(["suspend", "close"])),
        ("activate", 409, "active", json!(["suspend", "close"])),
        ("resume", 409, "active", json!(["suspend", "close"])),
        ("reopen", 409, "active", json!(["suspend", "close"])),
        ("suspend", 200, "suspended", json!(["resume", "close"])),
        ("suspend", 409, "suspended", json!(["resume", "close"])),
        ("activate", 409, "suspended", json!(["resume", "close"])),
        ("reopen", 409, "suspended", json!(["resume", "close"])),
        ("resume", 200, "active", json!(["suspend", "close"])),
        ("close", 200, "closed", json!(["reopen"])),
        ("activate", 409, "closed", json!(["reopen"])),
        ("suspend", 409, "closed", json!(["reopen"])),
        ("resume", 409, "closed", json!(["reopen"])),
        ("close", 409, "closed", json!(["reopen"])),
        ("reopen", 200, "active", json!(["suspend", "close"])),
    ];
    let mut version = 1;
    let mut done = 0;
    for (t, expected, status_after, allowed) in steps {
        let mut body = json!({"transition": t, "reason": format!("step {t}")});
        if t == "close" {
            body["closing_reason"] = json!("goals_achieved");
        }
        let r = transition(&app, token, id, &format!("\"{version}\""), body).await;
        assert_eq!(r.status(), expected, "{t} from {status_after}");
        let body: Value = r.json().await.unwrap();
        if expected == 200 {
            version += 1;
            done += 1;
            assert_eq!(body["status"], status_after);
            assert_eq!(body["allowed_transitions"], allowed);
            assert_eq!(body["version"], version);
        } else {
            assert_eq!(body["type"], "urn:socialcare:problem:illegal-transition");
            assert_eq!(
                body["allowed_transitions"], allowed,
                "{t} from {status_after}"
            );
        }
    }
    // A refused transition changed nothing, not even the version.
    let now: Value = app
        .client
        .get(app.api(&format!("/case-files/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(now["version"], version);
    assert!(now["closed_on"].is_null() && now["closing_reason"].is_null());

    // Closing needs a closing reason; other transitions refuse one; reasons are mandatory.
    for (body, pointer) in [
        (
            json!({"transition": "close", "reason": "done"}),
            "/closing_reason",
        ),
        (
            json!({"transition": "suspend", "reason": "x", "closing_reason": "other"}),
            "/closing_reason",
        ),
        (json!({"transition": "suspend", "reason": " "}), "/reason"),
    ] {
        let r = transition(&app, token, id, &format!("\"{version}\""), body).await;
        assert_eq!(r.status(), 422);
        assert_eq!(
            r.json::<Value>().await.unwrap()["errors"][0]["pointer"],
            pointer
        );
    }

    let history: Value = app
        .client
        .get(app.api(&format!("/case-files/{id}/transitions")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = history["items"].as_array().unwrap();
    assert_eq!(items.len(), done);
    let seq: Vec<&str> = items
        .iter()
        .map(|t| t["transition"].as_str().unwrap())
        .collect();
    assert_eq!(
        seq,
        vec!["activate", "suspend", "resume", "close", "reopen"]
    );
    assert_eq!(items[3]["closing_reason"], "goals_achieved");
    assert_eq!(items[3]["reason"], "step close");
    assert!(items.iter().all(|t| t["author_id"] == anna_id.as_str()));
    let actions: Vec<String> = app
        .audit(30)
        .into_iter()
        .map(|a| a.action)
        .filter(|a| a.starts_with("case_file.") && a != "case_file.read")
        .collect();
    assert!(
        actions.contains(&"case_file.close".to_owned())
            && actions.contains(&"case_file.reopen".to_owned())
    );
}

async fn team_history_reassignment_and_caseloads(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, anna) = &o.anna;
    let (bruno_id, bruno) = &o.bruno;
    let (edo_id, edo) = &o.educator;
    let p = person(&app, anna, "Rita").await;
    let file: Value = open(&app, anna, json!({"person_id": p, "area": "social_inclusion", "case_manager_id": anna_id, "opened_on": "2026-01-10"})).await.json().await.unwrap();
    let id = file["id"].as_str().unwrap();
    let team_change = |etag: String, body: Value| {
        app.client
            .post(app.api(&format!("/case-files/{id}/team")))
            .bearer_auth(anna)
            .header("if-match", etag)
            .json(&body)
            .send()
    };
    let r = team_change(
        "\"1\"".into(),
        json!({"staff_id": edo_id, "role": "educator", "from": "2026-02-01"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    // The same person twice is refused.
    let r = team_change(
        "\"2\"".into(),
        json!({"staff_id": edo_id, "role": "other", "from": "2026-02-02"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 409);

    let caseload = |token: &str| {
        let token = token.to_owned();
        let app = &app;
        async move {
            let page: Value = app
                .client
                .get(app.api("/me/caseload"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(caseload(anna).await, vec![id.to_owned()]);
    assert_eq!(caseload(edo).await, vec![id.to_owned()]);
    assert!(caseload(bruno).await.is_empty());

    // Only the area coordinator reassigns the case manager.
    let today = calendar::today(Utc::now()).to_string();
    let r = team_change(
        "\"2\"".into(),
        json!({"staff_id": bruno_id, "role": "case_manager"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 403);
    let (_, cora) = &o.cora;
    // Reassign to Bruno: Anna's assignment ends, history is kept.
    let r = app
        .client
        .post(app.api(&format!("/case-files/{id}/team")))
        .bearer_auth(cora)
        .header("if-match", "\"2\"")
        .json(&json!({"staff_id": bruno_id, "role": "case_manager"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let team: Value = r.json().await.unwrap();
    let managers: Vec<(&str, Option<&str>, bool)> = team["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "case_manager")
        .map(|m| {
            (
                m["staff_id"].as_str().unwrap(),
                m["assigned_until"].as_str(),
                m["current"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        managers,
        vec![
            (anna_id.as_str(), Some(today.as_str()), false),
            (bruno_id.as_str(), None, true)
        ]
    );
    let now: Value = app
        .client
        .get(app.api(&format!("/case-files/{id}")))
        .bearer_auth(bruno)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(now["case_manager_id"], bruno_id.as_str());
    assert_eq!(
        app.audit(2)
            .iter()
            .filter(|a| a.action == "case_file.reassign")
            .count(),
        1
    );
    assert!(caseload(anna).await.is_empty());
    // Anna left the team: the file is no longer hers to read.
    let r = app
        .client
        .get(app.api(&format!("/case-files/{id}")))
        .bearer_auth(anna)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(caseload(bruno).await, vec![id.to_owned()]);

    // Listing by case manager follows the current assignment.
    let by_manager: Value = app
        .client
        .get(app.api(&format!("/case-files?case_manager_id={bruno_id}")))
        .bearer_auth(bruno)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_manager["items"].as_array().unwrap().len(), 1);

    // End the educator's assignment; the case manager's cannot be ended; assignments of other
    // files are not found.
    let edo_assignment = team["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "educator")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let manager_assignment = team["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["current"] == true && m["role"] == "case_manager")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let end = |assignment: String, etag: &'static str| {
        app.client
            .post(app.api(&format!("/case-files/{id}/team/{assignment}/end")))
            .bearer_auth(bruno)
            .header("if-match", etag)
            .json(&json!({}))
            .send()
    };
    assert_eq!(
        end(manager_assignment, "\"3\"").await.unwrap().status(),
        409
    );
    assert_eq!(
        end(uuid::Uuid::now_v7().to_string(), "\"3\"")
            .await
            .unwrap()
            .status(),
        404
    );
    let r = end(edo_assignment, "\"3\"").await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(caseload(edo).await.is_empty());

    // A closed file takes no new team members.
    let r = transition(
        &app,
        bruno,
        id,
        "\"4\"",
        json!({"transition": "close", "reason": "done", "closing_reason": "goals_achieved"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = app
        .client
        .post(app.api(&format!("/case-files/{id}/team")))
        .bearer_auth(bruno)
        .header("if-match", "\"5\"")
        .json(&json!({"staff_id": edo_id, "role": "educator"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let _ = &o.admin;
}

async fn lists_filter_and_page_stably(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, anna_token) = &o.anna;
    let (bruno_id, _) = &o.bruno;
    // The coordinator of both areas sees every file; Anna sees only hers (checked below).
    let (_, anna) = &o.cora;
    let mut ids = Vec::new();
    for (i, (area, manager, groups)) in [
        ("social_inclusion", anna_id, vec!["homeless"]),
        ("transversal", bruno_id, vec!["prison_area"]),
        (
            "social_inclusion",
            bruno_id,
            vec!["homeless", "roma_sinti_caminanti"],
        ),
        ("social_inclusion", anna_id, vec![]),
    ]
    .into_iter()
    .enumerate()
    {
        let p = person(&app, anna, &format!("P{}", ["a", "b", "c", "d"][i])).await;
        let f: Value = open(&app, anna, json!({"person_id": p, "area": area, "case_manager_id": manager, "target_groups": groups})).await.json().await.unwrap();
        ids.push(f["id"].as_str().unwrap().to_owned());
    }
    let list = |query: String| {
        let app = &app;
        async move {
            let page: Value = app
                .client
                .get(app.api(&format!("/case-files{query}")))
                .bearer_auth(anna)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list("?area=transversal".into()).await, vec![ids[1].clone()]);
    assert_eq!(
        list("?target_group=homeless".into()).await,
        vec![ids[0].clone(), ids[2].clone()]
    );
    assert_eq!(
        list(format!("?case_manager_id={anna_id}&area=social_inclusion")).await,
        vec![ids[0].clone(), ids[3].clone()]
    );
    assert_eq!(list("?status=intake".into()).await.len(), 4);
    let mine: Value = app
        .client
        .get(app.api("/case-files"))
        .bearer_auth(anna_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mine: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(mine, vec![ids[0].as_str(), ids[3].as_str()]);
    assert!(list("?status=closed".into()).await.is_empty());
    let bad = app
        .client
        .get(app.api("/case-files?status=open"))
        .bearer_auth(anna)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    // Pages of 3, oldest first; a file opened between the pages comes at the end, nothing shifts.
    let first: Value = app
        .client
        .get(app.api("/case-files?limit=3"))
        .bearer_auth(anna)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first_ids: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        first_ids,
        vec![ids[0].as_str(), ids[1].as_str(), ids[2].as_str()]
    );
    let p = person(&app, anna, "Late").await;
    let late: Value = open(
        &app,
        anna,
        json!({"person_id": p, "area": "transversal", "case_manager_id": bruno_id}),
    )
    .await
    .json()
    .await
    .unwrap();
    let next = first["next"].as_str().unwrap();
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
    let second_ids: Vec<&str> = second["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        second_ids,
        vec![ids[3].as_str(), late["id"].as_str().unwrap()]
    );
    assert!(second["next"].is_null());
    let record = &app.audit(1)[0];
    assert_eq!(record.action, "case_file.list");
    assert!(record.details.as_deref().unwrap().contains(&ids[3]));
}

/// A caseload (`/me/caseload`, `/case-files?case_manager_id=`) is read from the member's team rows
/// in file order and continues after the cursor: every page in creation order, nothing twice,
/// nothing skipped, the other criteria and the caller's visibility still applied.
async fn caseloads_page_from_the_cursor(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, anna) = &o.anna;
    let (bruno_id, bruno) = &o.bruno;
    let (_, cora) = &o.cora;
    let mut annas = Vec::new();
    let mut brunos = Vec::new();
    for (i, (area, manager)) in [
        ("social_inclusion", anna_id),
        ("transversal", bruno_id),
        ("social_inclusion", anna_id),
        ("social_inclusion", bruno_id),
        ("social_inclusion", anna_id),
    ]
    .into_iter()
    .enumerate()
    {
        let p = person(&app, cora, ["Ada", "Bea", "Cloe", "Dina", "Elsa"][i]).await;
        let r = open(
            &app,
            cora,
            json!({"person_id": p, "area": area, "case_manager_id": manager}),
        )
        .await;
        assert_eq!(r.status(), 201);
        let id = r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        if manager == anna_id {
            annas.push(id)
        } else {
            brunos.push(id)
        }
    }
    // Follows `next` from `path` as `token`; every page holds at most `limit` files.
    let all_pages = |token: &str, path: String, limit: usize| {
        let token = token.to_owned();
        let app = &app;
        async move {
            let mut seen = Vec::new();
            let mut path = format!("/api/v1{path}");
            for _ in 0..20 {
                let r = app
                    .client
                    .get(format!("{}{path}", app.address))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200, "{path}");
                let page: Value = r.json().await.unwrap();
                let items = page["items"].as_array().unwrap();
                assert!(items.len() <= limit, "{path}");
                seen.extend(items.iter().map(|f| f["id"].as_str().unwrap().to_owned()));
                match page["next"].as_str() {
                    Some(next) => path = next.to_owned(),
                    None => return seen,
                }
            }
            panic!("still a next page after 20 pages: {seen:?}");
        }
    };
    assert_eq!(
        all_pages(anna, "/me/caseload?limit=1".into(), 1).await,
        annas
    );
    assert_eq!(
        all_pages(anna, "/me/caseload?limit=2&status=intake".into(), 2).await,
        annas
    );
    assert!(
        all_pages(anna, "/me/caseload?status=active".into(), 20)
            .await
            .is_empty()
    );
    // By case manager, as the coordinator of both areas: every file of Anna's.
    assert_eq!(
        all_pages(
            cora,
            format!("/case-files?case_manager_id={anna_id}&limit=2"),
            2
        )
        .await,
        annas
    );
    // A social worker lists only the files of their teams: none of Anna's.
    assert!(
        all_pages(bruno, format!("/case-files?case_manager_id={anna_id}"), 20)
            .await
            .is_empty()
    );
    // A coordinator of transversal only: Bruno's transversal file, not his social_inclusion one.
    let tina = app
        .create_user(&o.admin, "tina", &["area_coordinator"], &["transversal"])
        .await;
    assert_eq!(tina["username"], "tina");
    let (tina, _) = app.tokens("tina", &user_password("tina")).await;
    assert_eq!(
        all_pages(
            &tina,
            format!("/case-files?case_manager_id={bruno_id}&limit=1"),
            1
        )
        .await,
        vec![brunos[0].clone()]
    );
    assert_eq!(
        all_pages(bruno, "/me/caseload?limit=1".into(), 1).await,
        brunos
    );
}

async fn concurrent_openings_get_distinct_references(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, anna) = &o.anna;
    let mut persons = Vec::new();
    for i in 0..6 {
        persons.push(
            person(
                &app,
                anna,
                &format!("C{}", ["a", "b", "c", "d", "e", "f"][i]),
            )
            .await,
        );
    }
    let futures = persons.iter().map(|p| {
        open(
            &app,
            anna,
            json!({"person_id": p, "area": "social_inclusion", "case_manager_id": anna_id}),
        )
    });
    let responses = futures_util::future::join_all(futures).await;
    let mut references = Vec::new();
    for r in responses {
        assert_eq!(r.status(), 201);
        references.push(
            r.json::<Value>().await.unwrap()["reference"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    references.sort();
    let year = Utc::now().year();
    let expected: Vec<String> = (1..=6).map(|n| format!("CS-{year}-{n:06}")).collect();
    assert_eq!(references, expected);
}

/// The person's case files in `area` that are not closed, read from the database.
fn non_closed_files(app: &TestApp, person: &str, area: &str) -> i64 {
    use diesel::prelude::*;
    use socialcare_persistence::schema::case_files;
    use socialcare_persistence::sql_types::DbUuid;
    let person = DbUuid(person.parse().unwrap());
    let area = area.to_owned();
    app.db()
        .read(move |c| {
            Ok(case_files::table
                .filter(case_files::person_id.eq(person))
                .filter(case_files::area.eq(area))
                .filter(case_files::status.ne("closed"))
                .count()
                .get_result(c)?)
        })
        .unwrap()
}

/// Ten simultaneous openings for one person and area, sent in turn to each of `servers`:
/// exactly one is created, the other nine are 409 saying why, and the database holds one file.
async fn race_ten_openings(servers: &[&TestApp]) {
    let app = servers[0];
    let o = office(app).await;
    let (anna_id, anna) = &o.anna;
    let maria = person(app, anna, "Raced").await;
    let body = json!({"person_id": maria, "area": "social_inclusion", "case_manager_id": anna_id});
    let requests = (0..10).map(|i| open(servers[i % servers.len()], anna, body.clone()));
    let responses = futures_util::future::join_all(requests).await;
    let mut created = 0;
    let mut conflicts = 0;
    for r in responses {
        match r.status().as_u16() {
            201 => created += 1,
            409 => {
                conflicts += 1;
                let problem: Value = r.json().await.unwrap();
                assert!(
                    problem["detail"]
                        .as_str()
                        .unwrap()
                        .contains("the person already has an open case file in this area"),
                    "{problem}"
                );
            }
            other => panic!("unexpected {other}: {}", r.text().await.unwrap()),
        }
    }
    assert_eq!((created, conflicts), (1, 9));
    assert_eq!(non_closed_files(app, &maria, "social_inclusion"), 1);
}

async fn concurrent_openings_for_one_person_and_area_open_one_file(app: TestApp) {
    race_ten_openings(&[&app]).await;
}

/// Two servers (two connection pools) on one database, as in a deployment with two processes.
async fn concurrent_openings_on_two_servers_open_one_file(app: TestApp) {
    let beside = app.spawn_beside().await;
    race_ten_openings(&[&app, &beside]).await;
}

/// Reopening a closed file while the person has another open file in the area would make two.
async fn reopening_beside_an_open_file_is_refused(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, anna) = &o.anna;
    let p = person(&app, anna, "Twice").await;
    let body = json!({"person_id": p, "area": "social_inclusion", "case_manager_id": anna_id});
    let first: Value = open(&app, anna, body.clone()).await.json().await.unwrap();
    let first = first["id"].as_str().unwrap();
    let closed = transition(
        &app,
        anna,
        first,
        "\"1\"",
        json!({"transition": "close", "reason": "done", "closing_reason": "goals_achieved"}),
    )
    .await;
    assert_eq!(closed.status(), 200);
    assert_eq!(open(&app, anna, body).await.status(), 201);
    let reopened = transition(
        &app,
        anna,
        first,
        "\"2\"",
        json!({"transition": "reopen", "reason": "again"}),
    )
    .await;
    assert_eq!(reopened.status(), 409);
    let problem: Value = reopened.json().await.unwrap();
    assert_eq!(
        problem["detail"],
        "the person already has an open case file in this area"
    );
    assert_eq!(non_closed_files(&app, &p, "social_inclusion"), 1);
}

async fn case_data_is_refused_to_admins_and_privacy_officers(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, anna) = &o.anna;
    let p = person(&app, anna, "Zoe").await;
    let file: Value = open(
        &app,
        anna,
        json!({"person_id": p, "area": "social_inclusion", "case_manager_id": anna_id}),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = file["id"].as_str().unwrap();
    app.create_user(&o.admin, "dpo", &["privacy_officer"], &[])
        .await;
    let (dpo, _) = app.tokens("dpo", &user_password("dpo")).await;
    for token in [o.admin.as_str(), dpo.as_str()] {
        for request in [
            app.client.get(app.api("/case-files")),
            app.client.get(app.api("/me/caseload")),
            app.client.get(app.api(&format!("/case-files/{id}"))),
            app.client
                .get(app.api(&format!("/case-files/{id}/transitions"))),
            app.client.get(app.api(&format!("/case-files/{id}/team"))),
            app.client.post(app.api("/case-files")).json(&json!({})),
            app.client
                .post(app.api(&format!("/case-files/{id}/transitions")))
                .header("if-match", "\"1\"")
                .json(&json!({"transition": "activate", "reason": "x"})),
            app.client
                .put(app.api(&format!("/case-files/{id}/target-groups")))
                .header("if-match", "\"1\"")
                .json(&json!({"target_groups": []})),
        ] {
            let r = request.bearer_auth(token).send().await.unwrap();
            assert_eq!(r.status(), 403);
        }
    }
    // The refused transition did not happen.
    let now: Value = app
        .client
        .get(app.api(&format!("/case-files/{id}")))
        .bearer_auth(anna)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(now["status"], "intake");
    // Target groups can be set by the team.
    let r = app
        .client
        .put(app.api(&format!("/case-files/{id}/target-groups")))
        .bearer_auth(anna)
        .header("if-match", "\"1\"")
        .json(&json!({"target_groups": ["prison_area", "adult_in_need"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap()["target_groups"],
        json!(["adult_in_need", "prison_area"])
    );
}

/// The gate decides on the survivor; the duplicate is decided in the same transaction: a case
/// manager of the survivor who has no relation to the duplicate is refused, the refusal names
/// both persons, and nothing changes.
async fn a_merge_is_decided_on_both_persons(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, anna) = &o.anna;
    let (bruno_id, _) = &o.bruno;
    let (_, cora) = &o.cora;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let r = app
            .client
            .post(app.api("/persons?confirm_new_person=true"))
            .bearer_auth(cora)
            .json(&json!({"given_names": "Ugo", "family_names": "Doppio", "birth_date": "1970-01-01"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        ids.push(
            r.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let (survivor, duplicate) = (&ids[0], &ids[1]);
    for (person, area, manager) in [
        (survivor, "social_inclusion", anna_id),
        (duplicate, "transversal", bruno_id),
    ] {
        let r = open(
            &app,
            cora,
            json!({"person_id": person, "area": area, "case_manager_id": manager}),
        )
        .await;
        assert_eq!(r.status(), 201);
    }
    let read = |id: String| {
        let app = &app;
        async move {
            let r = app
                .client
                .get(app.api(&format!("/persons/{id}")))
                .bearer_auth(cora)
                .send()
                .await
                .unwrap();
            let tag = r.headers()["etag"].to_str().unwrap().to_owned();
            (tag, r.json::<Value>().await.unwrap())
        }
    };
    let before = (read(survivor.clone()).await, read(duplicate.clone()).await);
    let r = app
        .client
        .post(app.api(&format!("/persons/{survivor}/merge")))
        .bearer_auth(anna)
        .header("if-match", before.0.0.as_str())
        .json(&json!({"duplicate_id": duplicate, "reason": "same person"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let refusal = app.audit_entries(1).remove(0);
    assert_eq!(refusal.row.outcome, "denied");
    assert_eq!(refusal.row.action, "person.merge");
    let mut named: Vec<String> = refusal.persons.iter().map(|p| p.to_string()).collect();
    named.sort();
    let mut both = ids.clone();
    both.sort();
    assert_eq!(named, both);
    assert_eq!(
        (read(survivor.clone()).await, read(duplicate.clone()).await),
        before
    );
    assert!(before.1.1["annulment"].is_null());
}

async fn merging_a_duplicate_moves_its_case_files(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, _) = &o.anna;
    let (bruno_id, _) = &o.bruno;
    // The coordinator of both areas merges records whose files are in both.
    let (_, anna) = &o.cora;
    let create = |body: Value| {
        let app = &app;
        async move {
            let r = app
                .client
                .post(app.api("/persons?confirm_new_person=true"))
                .bearer_auth(anna)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
            r.json::<Value>().await.unwrap()
        }
    };
    let code = "RSSMRA85T10A562S";
    let survivor = create(
        json!({"given_names": "Mario", "family_names": "Rossi", "birth_date": "1985-12-10"}),
    )
    .await;
    let duplicate = create(json!({"given_names": "Mario", "family_names": "Rossi", "birth_date": "1985-12-10", "tax_code": code})).await;
    let s_id = survivor["id"].as_str().unwrap();
    let d_id = duplicate["id"].as_str().unwrap();
    let s_file: Value = open(
        &app,
        anna,
        json!({"person_id": s_id, "area": "social_inclusion", "case_manager_id": anna_id}),
    )
    .await
    .json()
    .await
    .unwrap();
    let d_file: Value = open(
        &app,
        anna,
        json!({"person_id": d_id, "area": "transversal", "case_manager_id": bruno_id}),
    )
    .await
    .json()
    .await
    .unwrap();
    let merge = |etag: Option<&'static str>, body: Value| {
        let mut r = app
            .client
            .post(app.api(&format!("/persons/{s_id}/merge")))
            .bearer_auth(anna)
            .json(&body);
        if let Some(etag) = etag {
            r = r.header("if-match", etag);
        }
        r.send()
    };
    assert_eq!(
        merge(None, json!({"duplicate_id": d_id, "reason": "same person"}))
            .await
            .unwrap()
            .status(),
        428
    );
    let r = merge(
        Some("\"1\""),
        json!({"duplicate_id": s_id, "reason": "same person"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errors"][0]["pointer"],
        "/duplicate_id"
    );

    let r = merge(
        Some("\"1\""),
        json!({"duplicate_id": d_id, "reason": "same person"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let merged: Value = r.json().await.unwrap();
    assert_eq!(merged["tax_code"], code);
    let d_now: Value = app
        .client
        .get(app.api(&format!("/persons/{d_id}")))
        .bearer_auth(anna)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        d_now["annulment"]["reason"]
            .as_str()
            .unwrap()
            .starts_with(&format!("merged into {s_id}"))
    );
    let moved: Value = app
        .client
        .get(app.api(&format!("/case-files/{}", d_file["id"].as_str().unwrap())))
        .bearer_auth(anna)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(moved["person_id"], s_id);
    assert_eq!(moved["reference"], d_file["reference"]);
    let files: Value = app
        .client
        .get(app.api(&format!("/case-files?person_id={s_id}")))
        .bearer_auth(anna)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(files["items"].as_array().unwrap().len(), 2);
    let record = app
        .audit(10)
        .into_iter()
        .find(|a| a.action == "person.merge")
        .unwrap();
    let details: Value = serde_json::from_str(record.details.as_deref().unwrap()).unwrap();
    assert_eq!(details["moved_case_files"], json!([d_file["id"]]));
    assert_eq!(details["duplicate_id"], d_id);
    let _ = s_file;

    // An annulled record cannot be merged again; different tax codes or open files in the same
    // area refuse the merge and change nothing.
    assert_eq!(
        merge(
            Some("\"2\""),
            json!({"duplicate_id": d_id, "reason": "again"})
        )
        .await
        .unwrap()
        .status(),
        409
    );
    let born = chrono::NaiveDate::from_ymd_opt(1985, 12, 10).unwrap();
    let other_code = socialcare_domain::tax_code::encode_personal(
        "RSS",
        "MRA",
        born,
        socialcare_domain::tax_code::TaxCodeSex::Male,
        "H501",
    )
    .unwrap();
    let other = create(json!({"given_names": "Mario", "family_names": "Rossi", "birth_date": "1985-12-10", "tax_code": other_code.as_str()})).await;
    let r = merge(
        Some("\"2\""),
        json!({"duplicate_id": other["id"], "reason": "x"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 409);
    assert!(
        r.json::<Value>().await.unwrap()["detail"]
            .as_str()
            .unwrap()
            .contains("different tax codes")
    );
    let third = create(
        json!({"given_names": "Mario", "family_names": "Rossi", "birth_date": "1985-12-10"}),
    )
    .await;
    open(
        &app,
        anna,
        json!({"person_id": third["id"], "area": "social_inclusion", "case_manager_id": anna_id}),
    )
    .await;
    let r = merge(
        Some("\"2\""),
        json!({"duplicate_id": third["id"], "reason": "x"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 409);
    assert!(
        r.json::<Value>().await.unwrap()["detail"]
            .as_str()
            .unwrap()
            .contains("social_inclusion")
    );
    let third_now: Value = app
        .client
        .get(app.api(&format!("/persons/{}", third["id"].as_str().unwrap())))
        .bearer_auth(anna)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(third_now["annulment"].is_null());
}

async fn demo_data_loads_an_office_in_every_status(engine: socialcare_tests::Engine) {
    let Some(db) = socialcare_tests::TestDatabase::create(engine) else {
        return;
    };
    let url = db.url();
    let run = |args: &[&str]| {
        let mut full = vec![
            "socialcare",
            "--database-url",
            url.as_str(),
            "--admin-password",
            socialcare_tests::ADMIN_PASSWORD,
        ];
        full.extend_from_slice(args);
        let mut out = Vec::new();
        socialcare_api::cli::run(full, &mut "".as_bytes(), &mut out)
            .map(|()| String::from_utf8(out).unwrap())
            .map_err(|e| e.to_string())
    };
    let printed = run(&["demo-data", "--persons", "40"]).unwrap();
    assert!(
        printed.contains("loaded 40 persons, 10 households"),
        "{printed}"
    );
    assert!(run(&["demo-data"]).unwrap_err().contains("empty office"));
    assert!(
        run(&[
            "--profile",
            "production",
            "--jwt-secret",
            socialcare_tests::JWT_SECRET,
            "demo-data"
        ])
        .unwrap_err()
        .contains("production")
    );

    let config = socialcare_api::Config::from_args([
        "socialcare",
        "--database-url",
        &url,
        "--bind-addr",
        "127.0.0.1:0",
        "--jwt-secret",
        socialcare_tests::JWT_SECRET,
        "--audit-signing-key",
        socialcare_tests::audit_signing_key(),
        "--audit-log-origin",
        socialcare_tests::AUDIT_LOG_ORIGIN,
    ])
    .unwrap();
    let app = socialcare_api::Application::build(config).await.unwrap();
    let base = format!("http://127.0.0.1:{}/api/v1", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{base}/auth/token"))
        .json(&json!({"username": "demo.sw.inc1", "password": socialcare_api::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap();
    let caseload: Value = client
        .get(format!("{base}/me/caseload"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!caseload["items"].as_array().unwrap().is_empty());
    for status in ["intake", "active", "suspended", "closed"] {
        let page: Value = client
            .get(format!("{base}/case-files?status={status}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            !page["items"].as_array().unwrap().is_empty(),
            "no {status} file"
        );
    }
    // The bootstrap administrator exists too.
    let admin = client
        .post(format!("{base}/auth/token"))
        .json(&json!({"username": "admin", "password": socialcare_tests::ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(admin.status(), 200);
}

#[tokio::test]
async fn demo_data_on_sqlite() {
    demo_data_loads_an_office_in_every_status(socialcare_tests::Engine::Sqlite).await;
}

#[tokio::test]
async fn demo_data_on_postgres() {
    demo_data_loads_an_office_in_every_status(socialcare_tests::Engine::Postgres).await;
}

/// Team add/end and person merge take `Idempotency-Key`: a retry with the same key and body
/// replays the first answer (even though its `If-Match` is now stale) and changes nothing.
async fn team_changes_and_merges_replay_their_idempotency_key(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, anna) = &o.anna;
    let (edo_id, _) = &o.educator;
    let p = person(&app, anna, "Ivo").await;
    let file: Value = open(
        &app,
        anna,
        json!({"person_id": p, "area": "social_inclusion", "case_manager_id": anna_id}),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = file["id"].as_str().unwrap();
    let add = || {
        app.client
            .post(app.api(&format!("/case-files/{id}/team")))
            .bearer_auth(anna)
            .header("if-match", "\"1\"")
            .header("idempotency-key", "add-edo")
            .json(&json!({"staff_id": edo_id, "role": "educator"}))
            .send()
    };
    let first = add().await.unwrap();
    assert_eq!(first.status(), 200);
    assert!(first.headers().get("idempotent-replayed").is_none());
    assert_eq!(first.headers()["etag"], "\"2\"");
    let first_body: Value = first.json().await.unwrap();
    let again = add().await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["etag"], "\"2\"");
    assert_eq!(again.json::<Value>().await.unwrap(), first_body);
    let adds = app
        .audit(20)
        .into_iter()
        .filter(|r| r.action == "case_file.team.add")
        .count();
    assert_eq!(adds, 1);
    // A malformed key is refused before anything is done.
    let r = app
        .client
        .post(app.api(&format!("/case-files/{id}/team")))
        .bearer_auth(anna)
        .header("if-match", "\"2\"")
        .header("idempotency-key", "")
        .json(&json!({"staff_id": edo_id, "role": "educator"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    let assignment = first_body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "educator")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let end = || {
        app.client
            .post(app.api(&format!("/case-files/{id}/team/{assignment}/end")))
            .bearer_auth(anna)
            .header("if-match", "\"2\"")
            .header("idempotency-key", "end-edo")
            .json(&json!({"until": socialcare_tests::http::day(1)}))
            .send()
    };
    let first = end().await.unwrap();
    assert_eq!(first.status(), 200, "{:?}", first.text().await);
    let again = end().await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["etag"], "\"3\"");
    let ends = app
        .audit(20)
        .into_iter()
        .filter(|r| r.action == "case_file.team.end")
        .count();
    assert_eq!(ends, 1);

    // Merge.
    let survivor = person(&app, anna, "Ugo").await;
    let duplicate = person(&app, anna, "Ugo").await;
    let merge = || {
        app.client
            .post(app.api(&format!("/persons/{survivor}/merge")))
            .bearer_auth(anna)
            .header("if-match", "\"1\"")
            .header("idempotency-key", "merge-ugo")
            .json(&json!({"duplicate_id": duplicate, "reason": "same person"}))
            .send()
    };
    let first = merge().await.unwrap();
    assert_eq!(first.status(), 200);
    let first_body: Value = first.json().await.unwrap();
    let again = merge().await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["etag"], "\"2\"");
    assert_eq!(again.json::<Value>().await.unwrap(), first_body);
    let merges = app
        .audit(20)
        .into_iter()
        .filter(|r| r.action == "person.merge")
        .count();
    assert_eq!(merges, 1);
}

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

/// What a refused write must leave untouched: the file (its version included), its team and
/// its history, as its case manager reads them.
async fn file_state(app: &TestApp, token: &str, id: &str) -> (Value, Value, Value) {
    let mut parts = Vec::new();
    for path in [
        format!("/case-files/{id}"),
        format!("/case-files/{id}/team"),
        format!("/case-files/{id}/transitions"),
    ] {
        let r = app
            .client
            .get(app.api(&path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        parts.push(r.json::<Value>().await.unwrap());
    }
    let mut parts = parts.into_iter();
    (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    )
}

async fn writes_by_a_stranger_are_refused_before_the_body_and_leave_nothing(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, anna) = &o.anna;
    let (edo_id, _) = &o.educator;
    let p = person(&app, anna, "Nora").await;
    let file: Value = open(
        &app,
        anna,
        json!({"person_id": p, "area": "social_inclusion", "case_manager_id": anna_id}),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = file["id"].as_str().unwrap().to_owned();
    let r = app
        .client
        .post(app.api(&format!("/case-files/{id}/team")))
        .bearer_auth(anna)
        .header("if-match", "\"1\"")
        .json(&json!({"staff_id": edo_id, "role": "educator"}))
        .send()
        .await
        .unwrap();
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
    // A social worker of another area: no relation to the file.
    let sara = app
        .create_user(&o.admin, "sara", &["social_worker"], &["adults_disability"])
        .await;
    let sara_id = sara["id"].as_str().unwrap().to_owned();
    let (sara, _) = app.tokens("sara", &user_password("sara")).await;
    let before = file_state(&app, anna, &id).await;
    let writes = [
        (
            reqwest::Method::POST,
            format!("/case-files/{id}/transitions"),
            json!({"transition": "activate", "reason": "Ready"}),
        ),
        (
            reqwest::Method::PUT,
            format!("/case-files/{id}/target-groups"),
            json!({"target_groups": ["homeless"]}),
        ),
        (
            reqwest::Method::POST,
            format!("/case-files/{id}/team"),
            json!({"staff_id": sara_id, "role": "social_worker"}),
        ),
        (
            reqwest::Method::POST,
            format!("/case-files/{id}/team/{assignment}/end"),
            json!({}),
        ),
        (
            reqwest::Method::PUT,
            format!("/case-files/{id}/team/{assignment}/sensitive-access"),
            json!({"granted": true}),
        ),
    ];
    for (method, path, valid) in &writes {
        for (content_type, body) in [
            ("application/json", "{\"transition\": 4".to_owned()),
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
            assert_eq!(refusal.actor_id.unwrap().0.to_string(), sara_id);
        }
    }
    assert_eq!(file_state(&app, anna, &id).await, before);
    // Opening: a caller whose roles never open a file is refused before the body; a social
    // worker opening in an area that is not theirs is refused, linked to the person, and no
    // file is opened.
    let admin_open = send_raw(
        &app,
        &o.admin,
        reqwest::Method::POST,
        "/case-files",
        "application/json",
        "{\"person_id\": 4".to_owned(),
    )
    .await;
    assert_eq!(admin_open.status(), 403);
    let other = person(&app, anna, "Olga").await;
    let r = open(
        &app,
        &sara,
        json!({"person_id": other, "area": "social_inclusion", "case_manager_id": anna_id}),
    )
    .await;
    assert_eq!(r.status(), 403);
    let refusal = app.audit_entries(1).remove(0);
    assert_eq!(refusal.outcome, "denied");
    assert_eq!(refusal.action, "case_file.open");
    assert_eq!(
        refusal.persons,
        vec![uuid::Uuid::parse_str(&other).unwrap()]
    );
    let files: Value = app
        .client
        .get(app.api(&format!("/case-files?person_id={other}")))
        .bearer_auth(anna)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(files["items"].as_array().unwrap().len(), 0);
}

async fn a_case_manager_replaced_writes_no_more(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, _) = &o.anna;
    let (bruno_id, bruno) = &o.bruno;
    let (edo_id, _) = &o.educator;
    let (_, cora) = &o.cora;
    let today = calendar::today(Utc::now());
    let p = person(&app, cora, "Pia").await;
    let r = open(
        &app,
        cora,
        json!({"person_id": p, "area": "social_inclusion", "case_manager_id": bruno_id,
            "opened_on": (today - chrono::Duration::days(10)).to_string()}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let file: Value = r.json().await.unwrap();
    let id = file["id"].as_str().unwrap().to_owned();
    // As case manager, bruno changes the file.
    let r = transition(
        &app,
        bruno,
        &id,
        "\"1\"",
        json!({"transition": "activate", "reason": "Ready"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    // As case manager, bruno adds the educator, with an idempotency key.
    let add_edo = |tag: &'static str| {
        app.client
            .post(app.api(&format!("/case-files/{id}/team")))
            .bearer_auth(bruno)
            .header("if-match", tag)
            .header("idempotency-key", "add-edo")
            .json(&json!({"staff_id": edo_id, "role": "educator"}))
            .send()
    };
    assert_eq!(add_edo("\"2\"").await.unwrap().status(), 200);
    // The coordinator hands the file to anna from today: bruno's assignment ends.
    let r = app
        .client
        .post(app.api(&format!("/case-files/{id}/team")))
        .bearer_auth(cora)
        .header("if-match", "\"3\"")
        .json(&json!({"staff_id": anna_id, "role": "case_manager", "from": today.to_string()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let before = file_state(&app, cora, &id).await;
    assert_eq!(before.0["version"], 4);
    // The replay of a stored answer comes after the decision: refused too.
    let replay = add_edo("\"2\"").await.unwrap();
    assert_eq!(replay.status(), 403);
    assert!(replay.headers().get("idempotent-replayed").is_none());
    let refused = [
        transition(
            &app,
            bruno,
            &id,
            "\"4\"",
            json!({"transition": "suspend", "reason": "Away"}),
        )
        .await,
        app.client
            .put(app.api(&format!("/case-files/{id}/target-groups")))
            .bearer_auth(bruno)
            .header("if-match", "\"4\"")
            .json(&json!({"target_groups": ["homeless"]}))
            .send()
            .await
            .unwrap(),
        app.client
            .post(app.api(&format!("/case-files/{id}/team")))
            .bearer_auth(bruno)
            .header("if-match", "\"4\"")
            .json(&json!({"staff_id": edo_id, "role": "educator"}))
            .send()
            .await
            .unwrap(),
    ];
    for r in refused {
        assert_eq!(r.status(), 403, "{}", r.url());
    }
    assert_eq!(file_state(&app, cora, &id).await, before);
}

async fn list_reads_link_the_persons_they_show(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, anna) = &o.anna;
    let mut persons = Vec::new();
    for given in ["Rita", "Sole"] {
        let p = person(&app, anna, given).await;
        let r = open(
            &app,
            anna,
            json!({"person_id": p, "area": "social_inclusion", "case_manager_id": anna_id}),
        )
        .await;
        assert_eq!(r.status(), 201);
        persons.push(uuid::Uuid::parse_str(&p).unwrap());
    }
    persons.sort();
    for path in ["/case-files", "/me/caseload"] {
        let r = app
            .client
            .get(app.api(path))
            .bearer_auth(anna)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let page: Value = r.json().await.unwrap();
        assert_eq!(page["items"].as_array().unwrap().len(), 2, "{path}");
        let read = app.audit_entries(1).remove(0);
        assert_eq!(read.action, "case_file.list", "{path}");
        assert_eq!(read.persons, persons, "{path}");
    }
    // A page links only the persons it shows.
    let r = app
        .client
        .get(app.api("/case-files?limit=1"))
        .bearer_auth(anna)
        .send()
        .await
        .unwrap();
    let page: Value = r.json().await.unwrap();
    let shown = uuid::Uuid::parse_str(page["items"][0]["person_id"].as_str().unwrap()).unwrap();
    assert_eq!(app.audit_entries(1).remove(0).persons, vec![shown]);
}
