//! Consents and referrals of case files: states over dates, validation, revocation with
//! If-Match, the referral lifecycle with its history, nested-object checks, audit, access and
//! idempotent creation — each on SQLite and on PostgreSQL.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use socialcare_domain::calendar;
use socialcare_persistence::{consents, referrals};
use socialcare_tests::http::day;
use socialcare_tests::{TestApp, on_both_engines, user_password};

mod hostile_input;

on_both_engines!(
    consent_states_follow_the_dates,
    consent_validation_points_at_the_fields,
    revocation_needs_if_match_and_happens_once,
    referral_lifecycle_every_legal_and_illegal_transition,
    referrals_filter_and_refuse_closed_case_files,
    nested_objects_are_found_only_in_their_case_file,
    reads_and_writes_are_audited,
    consents_and_referrals_are_refused_to_admins_and_privacy_officers,
    idempotent_creation_replays_the_first_response,
    absurd_dates_are_refused_in_bodies_and_queries,
    writes_are_decided_before_their_body,
    a_member_removed_from_the_team_records_no_more,
    lists_link_the_person_they_show,
);

/// A social worker of `social_inclusion`: `(user id, token)`, and the admin token.
async fn office(app: &TestApp) -> (String, String, String) {
    let admin = app.admin_token().await;
    let (id, token) = app
        .staff(&admin, "anna", &["social_worker"], &["social_inclusion"])
        .await;
    (id, token, admin)
}

async fn person(app: &TestApp, token: &str, given: &str) -> String {
    app.register_person(token, given, "Test").await
}

/// Opens a case file for a new person; returns `(case file id, person id)`.
async fn open(app: &TestApp, token: &str, manager: &str, given: &str) -> (String, String) {
    let p = person(app, token, given).await;
    let r = app
        .client
        .post(app.api("/case-files"))
        .bearer_auth(token)
        .json(
            &json!({"person_id": p, "area": "social_inclusion", "case_manager_id": manager,
            "opened_on": "2026-01-10"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let file: Value = r.json().await.unwrap();
    (file["id"].as_str().unwrap().to_owned(), p)
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.post(token, path, &body).await
}

async fn post_if(
    app: &TestApp,
    token: &str,
    path: &str,
    etag: &str,
    body: Value,
) -> reqwest::Response {
    app.post_if(token, path, etag, &body).await
}

async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.get(token, path).await
}

async fn get_json(app: &TestApp, token: &str, path: &str) -> Value {
    app.get_ok(token, path).await
}

fn sharing(given_on: &str, expires_on: Option<String>) -> Value {
    json!({"kind": "data_sharing", "organisation": "Centro per l'impiego di Trento",
        "purpose": "Employment path", "given_on": given_on, "expires_on": expires_on})
}

async fn consent_states_follow_the_dates(app: TestApp) {
    let (anna_id, anna, _) = office(&app).await;
    let (file, _) = open(&app, &anna, &anna_id, "Maria").await;
    let base = format!("/case-files/{file}/consents");
    let mut ids = Vec::new();
    for body in [
        sharing(&day(-30), Some(day(-1))), // expired yesterday
        sharing(&day(-30), Some(day(0))),  // expires today: still active
        json!({"kind": "privacy_notice", "privacy_notice_version": " 2026.1 ", "given_on": day(-3)}),
        sharing(&day(-10), None), // to be revoked
    ] {
        let r = post(&app, &anna, &base, body).await;
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers()["etag"], "\"1\"");
        let location = r.headers()["location"].to_str().unwrap().to_owned();
        let consent: Value = r.json().await.unwrap();
        assert_eq!(
            location,
            format!(
                "/api/v1/case-files/{file}/consents/{}",
                consent["id"].as_str().unwrap()
            )
        );
        ids.push(consent);
    }
    assert_eq!(ids[0]["state"], "expired");
    assert_eq!(ids[1]["state"], "active");
    assert_eq!(ids[2]["state"], "active");
    assert_eq!(ids[2]["privacy_notice_version"], "2026.1");
    assert!(ids[2]["organisation"].is_null());
    assert_eq!(ids[3]["state"], "active");
    let id3 = ids[3]["id"].as_str().unwrap();
    let r = post_if(
        &app,
        &anna,
        &format!("{base}/{id3}/revoke"),
        "\"1\"",
        json!({"reason": "Withdrawn at the interview"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let revoked: Value = r.json().await.unwrap();
    assert_eq!(revoked["state"], "revoked");
    assert_eq!(revoked["revoked_on"], day(0));
    assert_eq!(revoked["revocation_reason"], "Withdrawn at the interview");
    assert_eq!(revoked["version"], 2);

    let states = |list: &Value| -> Vec<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["state"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = get_json(&app, &anna, &base).await;
    assert_eq!(states(&all), ["expired", "active", "active", "revoked"]);
    let active = get_json(&app, &anna, &format!("{base}?state=active")).await;
    let active_ids: Vec<&str> = active["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        active_ids,
        [
            ids[1]["id"].as_str().unwrap(),
            ids[2]["id"].as_str().unwrap()
        ]
    );
    assert_eq!(
        states(&get_json(&app, &anna, &format!("{base}?state=expired")).await),
        ["expired"]
    );
    assert_eq!(
        states(&get_json(&app, &anna, &format!("{base}?state=revoked")).await),
        ["revoked"]
    );
    assert!(
        get_json(&app, &anna, &format!("{base}?state=not_yet_valid")).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        get(&app, &anna, &format!("{base}?state=valid"))
            .await
            .status(),
        400
    );

    // The rows hold what was sent.
    let file_id = uuid::Uuid::parse_str(&file).unwrap();
    let rows = app.db().read(|c| consents::list(c, file_id)).unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[3].revoked_on, Some(calendar::today(Utc::now())));
    assert_eq!(rows[3].version, 2);
    assert_eq!(
        rows[0].terms.organisation.as_deref(),
        Some("Centro per l'impiego di Trento")
    );
}

async fn consent_validation_points_at_the_fields(app: TestApp) {
    let (anna_id, anna, _) = office(&app).await;
    let (file, _) = open(&app, &anna, &anna_id, "Luca").await;
    let base = format!("/case-files/{file}/consents");
    for (body, pointers) in [
        (
            json!({"kind": "data_sharing", "purpose": "Employment path"}),
            vec!["/organisation"],
        ),
        (
            json!({"kind": "data_sharing", "organisation": "CSM", "purpose": "Care",
                "given_on": "2026-03-10", "expires_on": "2026-03-09"}),
            vec!["/expires_on"],
        ),
        (
            json!({"kind": "privacy_notice"}),
            vec!["/privacy_notice_version"],
        ),
        (
            json!({"kind": "privacy_notice", "privacy_notice_version": "1", "organisation": "CSM"}),
            vec!["/organisation"],
        ),
        (
            json!({"kind": "data_sharing", "organisation": "x".repeat(201), "purpose": "p"}),
            vec!["/organisation"],
        ),
        (
            json!({"kind": "privacy_notice", "privacy_notice_version": "1", "given_on": day(1)}),
            vec!["/given_on"],
        ),
        (
            json!({"kind": "data_sharing", "given_on": day(1), "expires_on": day(-5)}),
            vec!["/organisation", "/purpose", "/given_on", "/expires_on"],
        ),
        (json!({"kind": "verbal"}), vec!["/kind"]),
    ] {
        let r = post(&app, &anna, &base, body.clone()).await;
        assert_eq!(r.status(), 422, "{body}");
        let problem: Value = r.json().await.unwrap();
        let got: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["pointer"].as_str().unwrap())
            .collect();
        assert_eq!(got, pointers, "{body}");
    }
    // Nothing was stored.
    let file_id = uuid::Uuid::parse_str(&file).unwrap();
    assert!(
        app.db()
            .read(|c| consents::list(c, file_id))
            .unwrap()
            .is_empty()
    );
    // An unknown case file is 404.
    let r = post(
        &app,
        &anna,
        &format!("/case-files/{}/consents", uuid::Uuid::now_v7()),
        sharing(&day(0), None),
    )
    .await;
    assert_eq!(r.status(), 404);
}

async fn revocation_needs_if_match_and_happens_once(app: TestApp) {
    let (anna_id, anna, _) = office(&app).await;
    let (file, _) = open(&app, &anna, &anna_id, "Rita").await;
    let consent: Value = post(
        &app,
        &anna,
        &format!("/case-files/{file}/consents"),
        sharing("2026-02-01", None),
    )
    .await
    .json()
    .await
    .unwrap();
    let revoke = format!(
        "/case-files/{file}/consents/{}/revoke",
        consent["id"].as_str().unwrap()
    );
    let body = json!({"reason": "Withdrawn"});
    assert_eq!(post(&app, &anna, &revoke, body.clone()).await.status(), 428);
    assert_eq!(
        post_if(&app, &anna, &revoke, "\"7\"", body.clone())
            .await
            .status(),
        412
    );
    for (bad, pointer) in [
        (json!({"reason": "  "}), "/reason"),
        (
            json!({"reason": "x", "revoked_on": "2026-01-31"}),
            "/revoked_on",
        ),
        (json!({"reason": "x", "revoked_on": day(1)}), "/revoked_on"),
    ] {
        let r = post_if(&app, &anna, &revoke, "\"1\"", bad.clone()).await;
        assert_eq!(r.status(), 422, "{bad}");
        assert_eq!(
            r.json::<Value>().await.unwrap()["errors"][0]["pointer"],
            pointer
        );
    }
    let r = post_if(
        &app,
        &anna,
        &revoke,
        "\"1\"",
        json!({"reason": "Withdrawn", "revoked_on": "2026-02-15"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let revoked: Value = r.json().await.unwrap();
    assert_eq!(revoked["revoked_on"], "2026-02-15");
    assert_eq!(revoked["state"], "revoked");
    // A second revocation, even with the current ETag, is refused and changes nothing.
    let r = post_if(&app, &anna, &revoke, "\"2\"", json!({"reason": "again"})).await;
    assert_eq!(r.status(), 409);
    assert_eq!(
        post_if(&app, &anna, &revoke, "\"1\"", body).await.status(),
        412
    );
    let now = get(
        &app,
        &anna,
        &format!(
            "/case-files/{file}/consents/{}",
            consent["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(now.headers()["etag"], "\"2\"");
    let now: Value = now.json().await.unwrap();
    assert_eq!(now["revocation_reason"], "Withdrawn");
    assert_eq!(now["revoked_on"], "2026-02-15");
}

async fn create_referral(app: &TestApp, token: &str, file: &str, body: Value) -> Value {
    let r = post(app, token, &format!("/case-files/{file}/referrals"), body).await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["etag"], "\"1\"");
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let referral: Value = r.json().await.unwrap();
    assert_eq!(
        location,
        format!(
            "/api/v1/case-files/{file}/referrals/{}",
            referral["id"].as_str().unwrap()
        )
    );
    referral
}

fn cpi(sent_on: &str) -> Value {
    json!({"direction": "outgoing", "service": "employment_centre",
        "organisation": "Centro per l'impiego di Trento", "reason": "Job search support",
        "sent_on": sent_on})
}

async fn referral_lifecycle_every_legal_and_illegal_transition(app: TestApp) {
    let (anna_id, anna, _) = office(&app).await;
    let (file, _) = open(&app, &anna, &anna_id, "Giada").await;
    // Two paths: sent → accepted → closed and sent → rejected → closed.
    for (reply_step, reply_status) in [("accept", "accepted"), ("reject", "rejected")] {
        let referral = create_referral(&app, &anna, &file, cpi("2026-03-01")).await;
        assert_eq!(referral["status"], "sent");
        assert_eq!(referral["allowed_transitions"], json!(["accept", "reject"]));
        let id = referral["id"].as_str().unwrap();
        let path = format!("/case-files/{file}/referrals/{id}/transitions");
        assert_eq!(
            post(
                &app,
                &anna,
                &path,
                json!({"transition": reply_step, "reply_text": "ok"})
            )
            .await
            .status(),
            428
        );
        assert_eq!(
            post_if(
                &app,
                &anna,
                &path,
                "\"5\"",
                json!({"transition": reply_step, "reply_text": "ok"})
            )
            .await
            .status(),
            412
        );
        // The reply text is required to accept or reject; the day is checked.
        for (body, pointer) in [
            (json!({"transition": reply_step}), "/reply_text"),
            (
                json!({"transition": reply_step, "reply_text": " "}),
                "/reply_text",
            ),
            (
                json!({"transition": reply_step, "reply_text": "ok", "occurred_on": "2026-02-28"}),
                "/occurred_on",
            ),
            (
                json!({"transition": reply_step, "reply_text": "ok", "occurred_on": day(1)}),
                "/occurred_on",
            ),
        ] {
            let r = post_if(&app, &anna, &path, "\"1\"", body.clone()).await;
            assert_eq!(r.status(), 422, "{body}");
            assert_eq!(
                r.json::<Value>().await.unwrap()["errors"][0]["pointer"],
                pointer
            );
        }
        // (transition, expected, status after, allowed after)
        let steps: Vec<(&str, u16, &str, Value)> = vec![
            ("close", 409, "sent", json!(["accept", "reject"])),
            (reply_step, 200, reply_status, json!(["close"])),
            ("accept", 409, reply_status, json!(["close"])),
            ("reject", 409, reply_status, json!(["close"])),
            ("close", 200, "closed", json!([])),
            ("accept", 409, "closed", json!([])),
            ("reject", 409, "closed", json!([])),
            ("close", 409, "closed", json!([])),
        ];
        let mut version = 1;
        for (t, expected, status_after, allowed) in steps {
            let mut body = json!({"transition": t, "occurred_on": "2026-03-10"});
            if t != "close" {
                body["reply_text"] = json!(format!("Reply to {t}"));
            } else if expected == 200 {
                body["reply_text"] = json!("Path completed");
            }
            let r = post_if(&app, &anna, &path, &format!("\"{version}\""), body).await;
            assert_eq!(r.status(), expected, "{t} from {status_after}");
            let etag = r.headers().get("etag").cloned();
            let body: Value = r.json().await.unwrap();
            if expected == 200 {
                version += 1;
                assert_eq!(etag.unwrap(), format!("\"{version}\"").as_str());
                assert_eq!(body["status"], status_after);
                assert_eq!(body["allowed_transitions"], allowed);
                assert_eq!(body["version"], version);
            } else {
                assert_eq!(body["type"], "urn:socialcare:problem:illegal-transition");
                // An empty list is left out of the problem.
                let listed = body
                    .get("allowed_transitions")
                    .cloned()
                    .unwrap_or(json!([]));
                assert_eq!(listed, allowed, "{t} from {status_after}");
            }
        }
        let now = get(&app, &anna, &format!("/case-files/{file}/referrals/{id}")).await;
        assert_eq!(now.headers()["etag"], "\"3\"");
        let now: Value = now.json().await.unwrap();
        assert_eq!(now["status"], "closed");
        assert_eq!(now["reply_text"], format!("Reply to {reply_step}"));
        assert_eq!(now["replied_on"], "2026-03-10");
        assert_eq!(now["closed_on"], "2026-03-10");
        assert_eq!(now["allowed_transitions"], json!([]));

        // The history holds exactly the two changes, with their notes and author.
        let events = get_json(
            &app,
            &anna,
            &format!("/case-files/{file}/referrals/{id}/events"),
        )
        .await;
        let items = events["items"].as_array().unwrap();
        let seq: Vec<(&str, &str, &str)> = items
            .iter()
            .map(|e| {
                (
                    e["transition"].as_str().unwrap(),
                    e["from_status"].as_str().unwrap(),
                    e["to_status"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            seq,
            [
                (reply_step, "sent", reply_status),
                ("close", reply_status, "closed")
            ]
        );
        assert_eq!(items[0]["note"], format!("Reply to {reply_step}"));
        assert_eq!(items[1]["note"], "Path completed");
        assert!(items.iter().all(|e| e["author_id"] == anna_id.as_str()));
        assert!(items.iter().all(|e| e["occurred_on"] == "2026-03-10"));
        let rid = uuid::Uuid::parse_str(id).unwrap();
        assert_eq!(
            app.db().read(|c| referrals::events(c, rid)).unwrap().len(),
            2
        );
    }
    // Closing before the reply day is refused.
    let referral = create_referral(&app, &anna, &file, cpi("2026-03-01")).await;
    let path = format!(
        "/case-files/{file}/referrals/{}/transitions",
        referral["id"].as_str().unwrap()
    );
    let r = post_if(
        &app,
        &anna,
        &path,
        "\"1\"",
        json!({"transition": "accept", "reply_text": "ok", "occurred_on": "2026-03-05"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = post_if(
        &app,
        &anna,
        &path,
        "\"2\"",
        json!({"transition": "close", "occurred_on": "2026-03-04"}),
    )
    .await;
    assert_eq!(r.status(), 422);
}

async fn referrals_filter_and_refuse_closed_case_files(app: TestApp) {
    let (anna_id, anna, _) = office(&app).await;
    let (file, _) = open(&app, &anna, &anna_id, "Zoe").await;
    let a = create_referral(&app, &anna, &file, cpi("2026-03-01")).await;
    let b = create_referral(
        &app,
        &anna,
        &file,
        json!({"direction": "incoming", "service": "mental_health_centre",
            "organisation": "CSM Trento", "reason": "Shared care"}),
    )
    .await;
    assert_eq!(b["sent_on"], day(0));
    let c = create_referral(
        &app,
        &anna,
        &file,
        json!({"direction": "outgoing", "service": "addiction_service",
            "organisation": "SerD Trento", "reason": "Assessment"}),
    )
    .await;
    let r = post_if(
        &app,
        &anna,
        &format!(
            "/case-files/{file}/referrals/{}/transitions",
            c["id"].as_str().unwrap()
        ),
        "\"1\"",
        json!({"transition": "reject", "reply_text": "Not in our competence"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let list = |query: &str| {
        let path = format!("/case-files/{file}/referrals{query}");
        let app = &app;
        let anna = &anna;
        async move {
            get_json(app, anna, &path).await["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    assert_eq!(list("").await, [id(&a), id(&b), id(&c)]);
    assert_eq!(list("?status=sent").await, [id(&a), id(&b)]);
    assert_eq!(list("?status=rejected").await, [id(&c)]);
    assert_eq!(list("?direction=incoming").await, [id(&b)]);
    assert_eq!(list("?direction=outgoing&status=sent").await, [id(&a)]);
    assert_eq!(list("?service=employment_centre").await, [id(&a)]);
    assert!(list("?service=probation_office").await.is_empty());
    assert_eq!(
        get(
            &app,
            &anna,
            &format!("/case-files/{file}/referrals?service=police")
        )
        .await
        .status(),
        400
    );
    // Validation of a new referral.
    for (body, pointer) in [
        (
            json!({"direction": "outgoing", "service": "cooperative", "organisation": " ", "reason": "x"}),
            "/organisation",
        ),
        (
            json!({"direction": "outgoing", "service": "cooperative", "organisation": "x".repeat(201), "reason": "x"}),
            "/organisation",
        ),
        (
            json!({"direction": "outgoing", "service": "cooperative", "organisation": "Coop", "reason": "x".repeat(4001)}),
            "/reason",
        ),
        (
            json!({"direction": "outgoing", "service": "cooperative", "organisation": "Coop", "reason": "x", "sent_on": day(1)}),
            "/sent_on",
        ),
        (
            json!({"direction": "sideways", "service": "cooperative", "organisation": "Coop", "reason": "x"}),
            "/direction",
        ),
        (
            json!({"direction": "outgoing", "service": "police", "organisation": "Coop", "reason": "x"}),
            "/service",
        ),
    ] {
        let r = post(
            &app,
            &anna,
            &format!("/case-files/{file}/referrals"),
            body.clone(),
        )
        .await;
        assert_eq!(r.status(), 422, "{body}");
        assert_eq!(
            r.json::<Value>().await.unwrap()["errors"][0]["pointer"],
            pointer,
            "{body}"
        );
    }
    // A closed case file takes no new referrals; existing ones can still be replied to.
    let r = post_if(
        &app,
        &anna,
        &format!("/case-files/{file}/transitions"),
        "\"1\"",
        json!({"transition": "close", "reason": "done", "closing_reason": "goals_achieved"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = post(
        &app,
        &anna,
        &format!("/case-files/{file}/referrals"),
        cpi("2026-03-01"),
    )
    .await;
    assert_eq!(r.status(), 409);
    let file_id = uuid::Uuid::parse_str(&file).unwrap();
    let rows = app
        .db()
        .read(|c| referrals::list(c, file_id, &referrals::ReferralQuery::default()))
        .unwrap();
    assert_eq!(rows.len(), 3);
    let r = post_if(
        &app,
        &anna,
        &format!("/case-files/{file}/referrals/{}/transitions", id(&a)),
        "\"1\"",
        json!({"transition": "accept", "reply_text": "Appointment on Monday"}),
    )
    .await;
    assert_eq!(r.status(), 200);
}

async fn nested_objects_are_found_only_in_their_case_file(app: TestApp) {
    let (anna_id, anna, _) = office(&app).await;
    let (one, _) = open(&app, &anna, &anna_id, "Uno").await;
    let (two, _) = open(&app, &anna, &anna_id, "Due").await;
    let consent: Value = post(
        &app,
        &anna,
        &format!("/case-files/{one}/consents"),
        sharing(&day(0), None),
    )
    .await
    .json()
    .await
    .unwrap();
    let referral = create_referral(&app, &anna, &one, cpi(&day(0))).await;
    let (cid, rid) = (
        consent["id"].as_str().unwrap(),
        referral["id"].as_str().unwrap(),
    );
    for path in [
        format!("/case-files/{two}/consents/{cid}"),
        format!("/case-files/{two}/referrals/{rid}"),
        format!("/case-files/{two}/referrals/{rid}/events"),
        format!("/case-files/{}/consents/{cid}", uuid::Uuid::now_v7()),
        format!("/case-files/{one}/consents/{rid}"),
        format!("/case-files/{one}/referrals/{cid}"),
    ] {
        assert_eq!(get(&app, &anna, &path).await.status(), 404, "{path}");
    }
    let r = post_if(
        &app,
        &anna,
        &format!("/case-files/{two}/consents/{cid}/revoke"),
        "\"1\"",
        json!({"reason": "x"}),
    )
    .await;
    assert_eq!(r.status(), 404);
    let r = post_if(
        &app,
        &anna,
        &format!("/case-files/{two}/referrals/{rid}/transitions"),
        "\"1\"",
        json!({"transition": "accept", "reply_text": "ok"}),
    )
    .await;
    assert_eq!(r.status(), 404);
    // Nothing changed in the first file.
    assert_eq!(
        get_json(&app, &anna, &format!("/case-files/{one}/consents/{cid}")).await["state"],
        "active"
    );
    assert_eq!(
        get_json(&app, &anna, &format!("/case-files/{one}/referrals/{rid}")).await["status"],
        "sent"
    );
    assert_eq!(
        get(
            &app,
            &anna,
            &format!("/case-files/{one}/consents/not-a-uuid")
        )
        .await
        .status(),
        400
    );
    assert!(
        get_json(&app, &anna, &format!("/case-files/{two}/referrals")).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

async fn reads_and_writes_are_audited(app: TestApp) {
    let (anna_id, anna, _) = office(&app).await;
    let (file, person_id) = open(&app, &anna, &anna_id, "Aldo").await;
    let consent: Value = post(
        &app,
        &anna,
        &format!("/case-files/{file}/consents"),
        sharing(&day(0), None),
    )
    .await
    .json()
    .await
    .unwrap();
    let cid = consent["id"].as_str().unwrap().to_owned();
    let referral = create_referral(&app, &anna, &file, cpi(&day(0))).await;
    let rid = referral["id"].as_str().unwrap().to_owned();
    let check = |action: &str, resource_type: &str, resource_id: &str| {
        let record = &app.audit(1)[0];
        assert_eq!(record.action, action);
        assert_eq!(record.resource_type, resource_type);
        assert_eq!(record.resource_id.as_deref(), Some(resource_id));
        assert_eq!(record.outcome, "success");
        assert_eq!(
            record.actor_id.map(|a| a.0.to_string()).as_deref(),
            Some(anna_id.as_str())
        );
        let details: Value = serde_json::from_str(record.details.as_deref().unwrap()).unwrap();
        assert_eq!(details["person_id"], person_id.as_str(), "{action}");
        details
    };
    // The creation records are behind the referral's.
    let recent: Vec<String> = app.audit(2).into_iter().map(|a| a.action).collect();
    assert_eq!(recent, ["referral.create", "consent.create"]);
    check("referral.create", "referral", &rid);

    get_json(&app, &anna, &format!("/case-files/{file}/consents")).await;
    let details = check("consent.list", "case_file", &file);
    assert_eq!(details["returned"], json!([cid]));
    get_json(&app, &anna, &format!("/case-files/{file}/consents/{cid}")).await;
    check("consent.read", "consent", &cid);
    let r = post_if(
        &app,
        &anna,
        &format!("/case-files/{file}/consents/{cid}/revoke"),
        "\"1\"",
        json!({"reason": "Withdrawn"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    check("consent.revoke", "consent", &cid);

    get_json(&app, &anna, &format!("/case-files/{file}/referrals")).await;
    let details = check("referral.list", "case_file", &file);
    assert_eq!(details["returned"], json!([rid]));
    get_json(&app, &anna, &format!("/case-files/{file}/referrals/{rid}")).await;
    check("referral.read", "referral", &rid);
    let r = post_if(
        &app,
        &anna,
        &format!("/case-files/{file}/referrals/{rid}/transitions"),
        "\"1\"",
        json!({"transition": "reject", "reply_text": "Full"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let details = check("referral.reject", "referral", &rid);
    assert_eq!(
        (details["from"].as_str(), details["to"].as_str()),
        (Some("sent"), Some("rejected"))
    );
    get_json(
        &app,
        &anna,
        &format!("/case-files/{file}/referrals/{rid}/events"),
    )
    .await;
    check("referral.history.read", "referral", &rid);

    // A refused change leaves no success record behind.
    let before = app.audit(1)[0].id;
    let r = post_if(
        &app,
        &anna,
        &format!("/case-files/{file}/referrals/{rid}/transitions"),
        "\"2\"",
        json!({"transition": "accept", "reply_text": "x"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    assert_eq!(app.audit(1)[0].id, before);
}

async fn consents_and_referrals_are_refused_to_admins_and_privacy_officers(app: TestApp) {
    let (anna_id, anna, admin) = office(&app).await;
    let (file, _) = open(&app, &anna, &anna_id, "Ivo").await;
    let consent: Value = post(
        &app,
        &anna,
        &format!("/case-files/{file}/consents"),
        sharing(&day(0), None),
    )
    .await
    .json()
    .await
    .unwrap();
    let referral = create_referral(&app, &anna, &file, cpi(&day(0))).await;
    let (cid, rid) = (
        consent["id"].as_str().unwrap(),
        referral["id"].as_str().unwrap(),
    );
    app.create_user(&admin, "dpo", &["privacy_officer"], &[])
        .await;
    let (dpo, _) = app.tokens("dpo", &user_password("dpo")).await;
    for token in [admin.as_str(), dpo.as_str()] {
        for request in [
            app.client
                .get(app.api(&format!("/case-files/{file}/consents"))),
            app.client
                .get(app.api(&format!("/case-files/{file}/consents/{cid}"))),
            app.client
                .post(app.api(&format!("/case-files/{file}/consents")))
                .json(&sharing(&day(0), None)),
            app.client
                .post(app.api(&format!("/case-files/{file}/consents/{cid}/revoke")))
                .header("if-match", "\"1\"")
                .json(&json!({"reason": "x"})),
            app.client
                .get(app.api(&format!("/case-files/{file}/referrals"))),
            app.client
                .get(app.api(&format!("/case-files/{file}/referrals/{rid}"))),
            app.client
                .get(app.api(&format!("/case-files/{file}/referrals/{rid}/events"))),
            app.client
                .post(app.api(&format!("/case-files/{file}/referrals")))
                .json(&cpi(&day(0))),
            app.client
                .post(app.api(&format!("/case-files/{file}/referrals/{rid}/transitions")))
                .header("if-match", "\"1\"")
                .json(&json!({"transition": "accept", "reply_text": "x"})),
        ] {
            let r = request.bearer_auth(token).send().await.unwrap();
            assert_eq!(r.status(), 403);
        }
    }
    // Nothing changed.
    assert_eq!(
        get_json(&app, &anna, &format!("/case-files/{file}/consents/{cid}")).await["version"],
        1
    );
    assert_eq!(
        get_json(&app, &anna, &format!("/case-files/{file}/referrals/{rid}")).await["version"],
        1
    );
    let file_id = uuid::Uuid::parse_str(&file).unwrap();
    assert_eq!(
        app.db().read(|c| consents::list(c, file_id)).unwrap().len(),
        1
    );
}

async fn idempotent_creation_replays_the_first_response(app: TestApp) {
    let (anna_id, anna, _) = office(&app).await;
    let (file, _) = open(&app, &anna, &anna_id, "Eva").await;
    let file_id = uuid::Uuid::parse_str(&file).unwrap();
    // Keys are per user, not per path: each resource gets its own.
    for (key, path, body, other) in [
        (
            "consent-key",
            format!("/case-files/{file}/consents"),
            sharing(&day(0), None),
            json!({"kind": "privacy_notice", "privacy_notice_version": "2026.1"}),
        ),
        (
            "referral-key",
            format!("/case-files/{file}/referrals"),
            cpi(&day(0)),
            json!({"direction": "incoming", "service": "other", "organisation": "Parrocchia", "reason": "x"}),
        ),
    ] {
        let send = |body: Value| {
            app.client
                .post(app.api(&path))
                .bearer_auth(&anna)
                .header("idempotency-key", key)
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
        assert!(location.ends_with(first_body["id"].as_str().unwrap()));
        let misuse = send(other).await.unwrap();
        assert_eq!(misuse.status(), 422);
    }
    assert_eq!(
        app.db().read(|c| consents::list(c, file_id)).unwrap().len(),
        1
    );
    assert_eq!(
        app.db()
            .read(|c| referrals::list(c, file_id, &referrals::ReferralQuery::default()))
            .unwrap()
            .len(),
        1
    );
    // Creation records were written once each.
    let creations = app
        .audit(20)
        .into_iter()
        .filter(|a| a.action == "consent.create" || a.action == "referral.create")
        .count();
    assert_eq!(creations, 2);
}

/// A staff member created by the administrator: `(user id, token)`.
async fn staff(app: &TestApp, admin: &str, name: &str, role: &str) -> (String, String) {
    app.staff(admin, name, &[role], &["social_inclusion"]).await
}

/// The referral and consent rows of a case file.
fn rows(app: &TestApp, file: &str) -> (usize, usize) {
    let file_id = uuid::Uuid::parse_str(file).unwrap();
    let referrals = app
        .db()
        .read(|c| referrals::list(c, file_id, &referrals::ReferralQuery::default()))
        .unwrap()
        .len();
    let consents = app.db().read(|c| consents::list(c, file_id)).unwrap().len();
    (referrals, consents)
}

/// Authorization comes before the body: a worker with no relation to the file sending junk is
/// refused (403, not 422) and nothing is stored.
async fn writes_are_decided_before_their_body(app: TestApp) {
    let (anna_id, anna, admin) = office(&app).await;
    let (file, _) = open(&app, &anna, &anna_id, "Gino").await;
    let referral = create_referral(&app, &anna, &file, cpi(&day(0))).await;
    let rid = referral["id"].as_str().unwrap();
    let consent: Value = post(
        &app,
        &anna,
        &format!("/case-files/{file}/consents"),
        sharing(&day(0), None),
    )
    .await
    .json()
    .await
    .unwrap();
    let cid = consent["id"].as_str().unwrap();
    let (_, bruno) = staff(&app, &admin, "bruno", "social_worker").await;
    let junk = json!({"direction": "sideways", "sent_on": "tomorrow", "colour": "red"});
    for (path, if_match) in [
        (format!("/case-files/{file}/referrals"), None),
        (
            format!("/case-files/{file}/referrals/{rid}/transitions"),
            Some("\"1\""),
        ),
        (format!("/case-files/{file}/consents"), None),
        (
            format!("/case-files/{file}/consents/{cid}/revoke"),
            Some("\"1\""),
        ),
    ] {
        let mut request = app
            .client
            .post(app.api(&path))
            .bearer_auth(&bruno)
            .json(&junk);
        if let Some(tag) = if_match {
            request = request.header("if-match", tag);
        }
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), 403, "{path}");
        let record = &app.audit(1)[0];
        assert_eq!(record.outcome, "denied", "{path}");
        // The case manager's junk is judged.
        let r = app
            .client
            .post(app.api(&path))
            .bearer_auth(&anna)
            .header("if-match", "\"1\"")
            .json(&junk)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{path}");
    }
    assert_eq!(rows(&app, &file), (1, 1));
    let now = get_json(&app, &anna, &format!("/case-files/{file}/referrals/{rid}")).await;
    assert_eq!(
        (now["status"].as_str(), now["version"].as_i64()),
        (Some("sent"), Some(1))
    );
}

/// A team member whose assignment the case manager ended writes no more: the decision is
/// taken in the transaction that would write.
async fn a_member_removed_from_the_team_records_no_more(app: TestApp) {
    use diesel::prelude::*;
    use socialcare_persistence::schema::case_file_team;
    use socialcare_persistence::sql_types::DbUuid;

    let (anna_id, anna, admin) = office(&app).await;
    let (file, _) = open(&app, &anna, &anna_id, "Nora").await;
    let (edo_id, edo) = staff(&app, &admin, "edo", "educator").await;
    let r = post_if(
        &app,
        &anna,
        &format!("/case-files/{file}/team"),
        "\"1\"",
        json!({"staff_id": edo_id, "role": "educator"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
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
    // While in the team, edo records a referral.
    let referral = create_referral(&app, &edo, &file, cpi(&day(0))).await;
    let rid = referral["id"].as_str().unwrap().to_owned();
    // The assignment began yesterday (an assignment ends after the day it began), and ends.
    let assignment_id = uuid::Uuid::parse_str(&assignment).unwrap();
    app.db()
        .write(|c| {
            diesel::update(case_file_team::table.find(DbUuid(assignment_id)))
                .set(
                    case_file_team::assigned_from
                        .eq(socialcare_domain::calendar::today(Utc::now()) - Duration::days(1)),
                )
                .execute(c)
                .map(|_| ())
                .map_err(socialcare_persistence::StoreError::from)
        })
        .unwrap();
    let r = post_if(
        &app,
        &anna,
        &format!("/case-files/{file}/team/{assignment}/end"),
        &etag,
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 200);

    let r = post(
        &app,
        &edo,
        &format!("/case-files/{file}/referrals"),
        cpi(&day(0)),
    )
    .await;
    assert_eq!(r.status(), 403);
    let r = post_if(
        &app,
        &edo,
        &format!("/case-files/{file}/referrals/{rid}/transitions"),
        "\"1\"",
        json!({"transition": "accept", "reply_text": "ok"}),
    )
    .await;
    assert_eq!(r.status(), 403);
    let r = post(
        &app,
        &edo,
        &format!("/case-files/{file}/consents"),
        sharing(&day(0), None),
    )
    .await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.audit(1)[0].outcome, "denied");
    assert_eq!(rows(&app, &file), (1, 0));
    let now = get_json(&app, &anna, &format!("/case-files/{file}/referrals/{rid}")).await;
    assert_eq!(now["status"], "sent");
}

/// Every list read's audit record links the person the answer shows.
async fn lists_link_the_person_they_show(app: TestApp) {
    let (anna_id, anna, _) = office(&app).await;
    let (file, person) = open(&app, &anna, &anna_id, "Lia").await;
    let person = uuid::Uuid::parse_str(&person).unwrap();
    let referral = create_referral(&app, &anna, &file, cpi(&day(0))).await;
    let rid = referral["id"].as_str().unwrap();
    let r = post(
        &app,
        &anna,
        &format!("/case-files/{file}/consents"),
        sharing(&day(0), None),
    )
    .await;
    assert_eq!(r.status(), 201);
    for (path, action) in [
        (format!("/case-files/{file}/referrals"), "referral.list"),
        (
            format!("/case-files/{file}/referrals/{rid}/events"),
            "referral.history.read",
        ),
        (format!("/case-files/{file}/consents"), "consent.list"),
        (
            format!("/case-files/{file}/consents?state=active"),
            "consent.list",
        ),
    ] {
        get_json(&app, &anna, &path).await;
        let record = &app.audit_entries(1)[0];
        assert_eq!(record.action, action, "{path}");
        assert_eq!(record.outcome, "success", "{path}");
        assert_eq!(record.persons, [person], "{path}");
    }
}

async fn absurd_dates_are_refused_in_bodies_and_queries(app: TestApp) {
    let (anna_id, anna, _) = office(&app).await;
    let (file, _) = open(&app, &anna, &anna_id, "Ugo").await;
    let message = "must be a date between 1900-01-01 and 2199-12-31";
    let mut bodies = Vec::new();
    for absurd in ["0000-01-01", "-0001-12-31", "1899-12-31"] {
        bodies.push(("consents", sharing(absurd, None), "/given_on"));
        bodies.push(("referrals", cpi(absurd), "/sent_on"));
    }
    // The upper bound too, where a future day is otherwise allowed.
    bodies.push((
        "consents",
        sharing("2026-01-11", Some("2200-01-01".into())),
        "/expires_on",
    ));
    for (list, body, pointer) in bodies {
        let r = post(
            &app,
            &anna,
            &format!("/case-files/{file}/{list}"),
            body.clone(),
        )
        .await;
        assert_eq!(r.status(), 422, "{body}");
        let problem: Value = r.json().await.unwrap();
        assert_eq!(problem["errors"][0]["pointer"], pointer, "{body}");
        assert_eq!(problem["errors"][0]["detail"], message, "{body}");
    }
    // The latest plausible day is accepted.
    let r = post(
        &app,
        &anna,
        &format!("/case-files/{file}/consents"),
        sharing("2026-01-11", Some("2199-12-31".into())),
    )
    .await;
    assert_eq!(r.status(), 201);
    // Nothing else was stored.
    let file_id = uuid::Uuid::parse_str(&file).unwrap();
    assert_eq!(
        app.db().read(|c| consents::list(c, file_id)).unwrap().len(),
        1
    );
    assert!(
        app.db()
            .read(|c| referrals::list(c, file_id, &referrals::ReferralQuery::default()))
            .unwrap()
            .is_empty()
    );

    // Query parameters: 400 naming the parameter.
    for (path, parameter) in [
        (
            format!("/case-files/{file}/diary-entries?from=0000-01-01"),
            "from",
        ),
        (
            format!("/case-files/{file}/diary-entries?to=2200-01-01"),
            "to",
        ),
        ("/persons?birth_date=-0001-01-01".to_owned(), "birth_date"),
        (
            format!("/agenda?case_manager_id={anna_id}&from=0000-01-01"),
            "from",
        ),
    ] {
        let r = get(&app, &anna, &path).await;
        let status = r.status();
        let problem: Value = r.json().await.unwrap();
        assert_eq!(status, 400, "{path}: {problem}");
        assert_eq!(problem["errors"][0]["parameter"], parameter, "{path}");
        assert_eq!(problem["errors"][0]["detail"], message, "{path}");
    }
}
