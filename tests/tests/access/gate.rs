//! The gate's promises for persons, special categories and break-glass: a refused caller is
//! told 403 whatever the body says and nothing is written; a team member removed from the team
//! writes no more; every list links the persons it shows.

use serde_json::{Value, json};
use socialcare_tests::TestApp;
use uuid::Uuid;

use crate::{Office, office, send};

async fn etag(app: &TestApp, token: &str, path: &str) -> String {
    let r = send(app, token, reqwest::Method::GET, path, None, None).await;
    assert_eq!(r.status(), 200, "{path}");
    r.headers()["etag"].to_str().unwrap().to_owned()
}

/// What a refused write must leave as it was: the versions of the person and of their special
/// categories, and the number of successful writes in the audit trail.
async fn snapshot(app: &TestApp, o: &Office) -> (Vec<String>, usize) {
    let (_, cm) = o.staff("case_manager");
    let mut versions = vec![etag(app, cm, &format!("/persons/{}", o.person)).await];
    for group in ["health-disability", "ethnicity", "legal-status", "justice"] {
        versions.push(etag(app, cm, &format!("/persons/{}/{group}", o.person)).await);
    }
    let writes = app
        .audit(10_000)
        .iter()
        .filter(|r| {
            r.outcome == "success"
                && !["read", "list", "search"]
                    .iter()
                    .any(|verb| r.action.contains(verb))
        })
        .count();
    (versions, writes)
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

pub async fn person_writes_are_refused_before_the_body_and_leave_nothing(app: TestApp) {
    let o = office(&app).await;
    let p = &o.person;
    let f = &o.case_file;
    let before = snapshot(&app, &o).await;
    let (_, outsider) = o.staff("other_area_colleague");
    let (_, privacy) = o.staff("privacy_officer");
    let (_, cm) = o.staff("case_manager");
    let put = reqwest::Method::PUT;
    let post = reqwest::Method::POST;
    let writes = [
        (
            outsider,
            put.clone(),
            format!("/persons/{p}"),
            json!({"given_names": "X", "family_names": "Y"}),
        ),
        (
            outsider,
            post.clone(),
            format!("/persons/{p}/annul"),
            json!({"reason": "registered twice"}),
        ),
        (
            outsider,
            post.clone(),
            format!("/persons/{p}/merge"),
            json!({"duplicate_id": o.other_person, "reason": "same"}),
        ),
        (
            outsider,
            put.clone(),
            format!("/persons/{p}/health-disability"),
            json!({"law_104_recognised": false}),
        ),
        (
            outsider,
            put.clone(),
            format!("/persons/{p}/ethnicity"),
            json!({"community": "roma", "relevant_to_project": "x"}),
        ),
        (
            outsider,
            put.clone(),
            format!("/persons/{p}/legal-status"),
            json!({"protection_status": "none"}),
        ),
        (
            outsider,
            put.clone(),
            format!("/persons/{p}/justice"),
            json!({"status": "none"}),
        ),
        (
            privacy,
            post.clone(),
            "/persons".to_owned(),
            json!({"given_names": "X", "family_names": "Y"}),
        ),
        (
            outsider,
            post.clone(),
            format!("/break-glass-accesses/{}/acknowledgement", o.grant),
            json!({}),
        ),
    ];
    for (token, method, path, valid) in &writes {
        for (content_type, body) in [
            ("application/json", "{\"given_names\": 4".to_owned()),
            ("application/json", json!({"junk": [1, 2]}).to_string()),
            ("text/plain", "hello".to_owned()),
            ("application/json", valid.to_string()),
        ] {
            let r = send_raw(
                &app,
                token,
                method.clone(),
                path,
                content_type,
                body.clone(),
            )
            .await;
            assert_eq!(r.status(), 403, "{method} {path} {body}");
            let refusal = app.audit(1).remove(0);
            assert_eq!(refusal.outcome, "denied", "{method} {path}");
        }
    }
    // A case manager asking for break-glass on their own file needs none: 409 before the body.
    for (content_type, body) in [
        ("application/json", "{\"reason\": 4".to_owned()),
        ("text/plain", "hello".to_owned()),
    ] {
        let r = send_raw(
            &app,
            cm,
            post.clone(),
            &format!("/case-files/{f}/break-glass"),
            content_type,
            body,
        )
        .await;
        assert_eq!(r.status(), 409, "{content_type}");
    }
    assert_eq!(snapshot(&app, &o).await, before);
}

pub async fn a_granted_member_removed_from_the_team_writes_no_more(app: TestApp) {
    let o = office(&app).await;
    let p = &o.person;
    let f = &o.case_file;
    let (_, cm) = o.staff("case_manager");
    let (granted_id, granted) = o.staff("granted_team_member");
    let legal = format!("/persons/{p}/legal-status");
    // On the team with the grant, the member records the special categories and the person.
    let tag = etag(&app, granted, &legal).await;
    let r = send(
        &app,
        granted,
        reqwest::Method::PUT,
        &legal,
        Some(&tag),
        Some(json!({"protection_status": "subsidiary_protection"})),
    )
    .await;
    assert_eq!(r.status(), 200);
    // Off the team from today, through the API.
    let team: Value = send(
        &app,
        cm,
        reqwest::Method::GET,
        &format!("/case-files/{f}/team"),
        None,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let assignment = team["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["staff_id"] == granted_id.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // An assignment ends after the day it began: it began two days ago.
    {
        use diesel::prelude::*;
        use socialcare_persistence::schema::case_file_team;
        use socialcare_persistence::sql_types::DbUuid;
        let id = Uuid::parse_str(&assignment).unwrap();
        let from =
            socialcare_domain::calendar::today(chrono::Utc::now()) - chrono::Duration::days(2);
        app.db()
            .write(|c| {
                diesel::update(case_file_team::table.find(DbUuid(id)))
                    .set(case_file_team::assigned_from.eq(from))
                    .execute(c)
                    .map(|_| ())
                    .map_err(socialcare_persistence::StoreError::from)
            })
            .unwrap();
    }
    let file_tag = etag(&app, cm, &format!("/case-files/{f}")).await;
    let r = send(
        &app,
        cm,
        reqwest::Method::POST,
        &format!("/case-files/{f}/team/{assignment}/end"),
        Some(&file_tag),
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status(), 200);
    let before = snapshot(&app, &o).await;
    let tag = etag(&app, cm, &legal).await;
    let r = send(
        &app,
        granted,
        reqwest::Method::PUT,
        &legal,
        Some(&tag),
        Some(json!({"protection_status": "refugee"})),
    )
    .await;
    assert_eq!(r.status(), 403);
    let person_tag = etag(&app, cm, &format!("/persons/{p}")).await;
    let r = send(
        &app,
        granted,
        reqwest::Method::PUT,
        &format!("/persons/{p}"),
        Some(&person_tag),
        Some(json!({"given_names": "Paola", "family_names": "Cambiata"})),
    )
    .await;
    assert_eq!(r.status(), 403);
    let refusal = app.audit_entries(1).remove(0);
    assert_eq!(refusal.row.outcome, "denied");
    assert_eq!(refusal.persons, vec![Uuid::parse_str(p).unwrap()]);
    assert_eq!(snapshot(&app, &o).await, before);
}

pub async fn person_lists_link_the_persons_they_show(app: TestApp) {
    let o = office(&app).await;
    let p = &o.person;
    let person = vec![Uuid::parse_str(p).unwrap()];
    let (_, cm) = o.staff("case_manager");
    let (_, outsider) = o.staff("other_area_colleague");
    let (_, om) = o.staff("office_manager");
    // A permit expiring in ten days.
    let legal = format!("/persons/{p}/legal-status");
    let tag = etag(&app, cm, &legal).await;
    let expires =
        socialcare_domain::calendar::today(chrono::Utc::now()) + chrono::Duration::days(10);
    let r = send(&app, cm, reqwest::Method::PUT, &legal, Some(&tag),
        Some(json!({"protection_status": "refugee", "permit_kind": "asylum", "permit_expires_on": expires}))).await;
    assert_eq!(r.status(), 200);
    for (token, path, action, key) in [
        (
            cm,
            "/persons?q=matrice".to_owned(),
            "person.search",
            "items",
        ),
        (
            outsider,
            "/persons?q=matrice".to_owned(),
            "person.search",
            "restricted",
        ),
        (
            cm,
            "/persons/permits-expiring".to_owned(),
            "person.legal_status.list_expiring",
            "items",
        ),
        (
            om,
            "/break-glass-accesses".to_owned(),
            "break_glass.list",
            "items",
        ),
        (
            outsider,
            format!("/persons/{p}/directory"),
            "person.directory.read",
            "case_files",
        ),
    ] {
        let r = send(&app, token, reqwest::Method::GET, &path, None, None).await;
        assert_eq!(r.status(), 200, "{path}");
        let body: Value = r.json().await.unwrap();
        assert!(!body[key].as_array().unwrap().is_empty(), "{path}: {body}");
        let entry = app.audit_entries(1).remove(0);
        assert_eq!(entry.row.action, action, "{path}");
        assert_eq!(entry.persons, person, "{path}");
    }
}
