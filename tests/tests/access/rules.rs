//! The rules behind the matrix, with their bodies and side effects.

use serde_json::{Value, json};
use socialcare_tests::TestApp;

use crate::{office, send};

async fn get_json(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let r = send(app, token, reqwest::Method::GET, path, None, None).await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

pub async fn searches_cut_persons_to_the_directory_answer(app: TestApp) {
    let o = office(&app).await;
    let (cm_id, cm) = o.staff("case_manager");
    let (_, colleague) = o.staff("same_area_colleague");

    // The case manager reads the person in full.
    let (status, page) = get_json(&app, cm, "/persons?q=matrice").await;
    assert_eq!(status, 200);
    assert_eq!(ids(&page), vec![o.person.clone()]);
    assert_eq!(page["items"][0]["birth_date"], "1980-02-29");
    assert_eq!(page["restricted"], json!([]));

    // A colleague outside the case gets the directory answer only, never the identity details.
    let (status, page) = get_json(&app, colleague, "/persons?q=matrice").await;
    assert_eq!(status, 200);
    assert!(ids(&page).is_empty());
    let entry = &page["restricted"][0];
    assert_eq!(entry["person_id"], o.person.as_str());
    assert_eq!(entry["family_names"], "Matrice");
    assert!(entry.get("birth_date").is_none());
    assert_eq!(entry["case_files"][0]["area"], "social_inclusion");
    assert_eq!(entry["case_files"][0]["case_manager"]["id"], cm_id.as_str());
    assert_eq!(
        entry["case_files"][0]["case_manager"]["email"],
        "mgr.cm@comune.example.it"
    );
    let record = &app.audit(1)[0];
    assert_eq!(record.action, "person.search");
    let details: Value = serde_json::from_str(record.details.as_deref().unwrap()).unwrap();
    assert_eq!(details["directory_only"], json!([o.person]));
    assert_eq!(details["returned"], json!([]));

    // A person without a case file yet is readable by whoever works cases.
    let (_, page) = get_json(&app, colleague, "/persons?q=senzacartella").await;
    assert_eq!(ids(&page), vec![o.other_person.clone()]);

    // The directory endpoint answers the same, and is audited with the person.
    let (status, directory) =
        get_json(&app, colleague, &format!("/persons/{}/directory", o.person)).await;
    assert_eq!(status, 200);
    assert_eq!(directory, *entry);
    let record = &app.audit(1)[0];
    assert_eq!(record.action, "person.directory.read");
    assert_eq!(record.resource_id.as_deref(), Some(o.person.as_str()));
    // The full record stays refused, and the refusal is audited.
    let (status, problem) = get_json(&app, colleague, &format!("/persons/{}", o.person)).await;
    assert_eq!(status, 403);
    assert_eq!(problem["status"], 403);
    let record = &app.audit(1)[0];
    assert_eq!(record.action, "person.read");
    assert_eq!(record.outcome, "denied");
}

pub async fn lists_hold_only_readable_case_files(app: TestApp) {
    let o = office(&app).await;
    for (relation, sees) in [
        ("case_manager", true),
        ("team_member", true),
        ("granted_team_member", true),
        ("same_area_colleague", false),
        ("other_area_colleague", false),
        ("area_coordinator", true),
        ("office_manager", true),
        ("administrative", true),
    ] {
        let (_, token) = o.staff(relation);
        let (status, page) = get_json(&app, token, "/case-files").await;
        assert_eq!(status, 200, "{relation}");
        let expected: Vec<String> = if sees {
            vec![o.case_file.clone()]
        } else {
            Vec::new()
        };
        assert_eq!(ids(&page), expected, "{relation}");
        // Filters cannot widen the list.
        let (_, page) = get_json(
            &app,
            token,
            &format!("/case-files?person_id={}&area=social_inclusion", o.person),
        )
        .await;
        assert_eq!(ids(&page), expected, "{relation}");
    }
    // The caseload holds the files of the caller's teams.
    let (_, member) = o.staff("team_member");
    let (_, page) = get_json(&app, member, "/me/caseload").await;
    assert_eq!(ids(&page), vec![o.case_file.clone()]);
    let (_, coordinator) = o.staff("area_coordinator");
    let (_, page) = get_json(&app, coordinator, "/me/caseload").await;
    assert!(ids(&page).is_empty());
}

pub async fn the_case_manager_grants_special_categories_to_team_members(app: TestApp) {
    let o = office(&app).await;
    let (_, cm) = o.staff("case_manager");
    let (member_id, member) = o.staff("team_member");
    let health = format!("/persons/{}/health-disability", o.person);
    let sensitive = format!(
        "/case-files/{}/team/{}/sensitive-access",
        o.case_file, o.assignment
    );
    // A restricted entry by the case manager.
    let r = send(
        &app,
        cm,
        reqwest::Method::POST,
        &format!("/case-files/{}/diary-entries", o.case_file),
        None,
        Some(
            json!({"kind": "interview", "occurred_at": chrono::Utc::now(),
                    "text": "Disclosed a health condition", "restricted": true}),
        ),
    )
    .await;
    assert_eq!(r.status(), 201);
    let restricted: Value = r.json().await.unwrap();
    let restricted_path = format!(
        "/case-files/{}/diary-entries/{}",
        o.case_file,
        restricted["id"].as_str().unwrap()
    );

    assert_eq!(get_json(&app, member, &health).await.0, 403);
    assert_eq!(get_json(&app, member, &restricted_path).await.0, 403);
    // The member cannot grant it to themselves.
    let r = send(
        &app,
        member,
        reqwest::Method::PUT,
        &sensitive,
        Some("\"3\""),
        Some(json!({"granted": true})),
    )
    .await;
    assert_eq!(r.status(), 403);

    // The case manager grants it: the member now reads the groups and restricted entries.
    let r = send(
        &app,
        cm,
        reqwest::Method::PUT,
        &sensitive,
        Some("\"3\""),
        Some(json!({"granted": true})),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"4\"");
    let team: Value = r.json().await.unwrap();
    let row = team["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["staff_id"] == member_id.as_str())
        .unwrap();
    assert_eq!(row["sensitive_access"], true);
    let record = &app.audit(1)[0];
    assert_eq!(record.action, "case_file.team.sensitive_grant");
    let (status, data) = get_json(&app, member, &health).await;
    assert_eq!(status, 200);
    assert_eq!(data["law_104_recognised"], true);
    let (status, entry) = get_json(&app, member, &restricted_path).await;
    assert_eq!(status, 200);
    assert_eq!(entry["text"], "Disclosed a health condition");

    // Withdrawn: refused again.
    let r = send(
        &app,
        cm,
        reqwest::Method::PUT,
        &sensitive,
        Some("\"4\""),
        Some(json!({"granted": false})),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(get_json(&app, member, &health).await.0, 403);
    let record = &app.audit(1)[0];
    assert_eq!(record.outcome, "denied");
    assert_eq!(record.action, "person.sensitive.read");

    // The case manager's own assignment has the groups by role: 409.
    let (_, team) = get_json(&app, cm, &format!("/case-files/{}/team", o.case_file)).await;
    let own = team["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "case_manager")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = send(
        &app,
        cm,
        reqwest::Method::PUT,
        &format!("/case-files/{}/team/{own}/sensitive-access", o.case_file),
        Some("\"5\""),
        Some(json!({"granted": true})),
    )
    .await;
    assert_eq!(r.status(), 409);
}

pub async fn nested_objects_are_checked_against_their_parent(app: TestApp) {
    let o = office(&app).await;
    let (cm_id, cm) = o.staff("case_manager");
    // A second file of the same case manager, for the other person.
    let r = send(
        &app,
        cm,
        reqwest::Method::POST,
        "/case-files",
        None,
        Some(
            json!({"person_id": o.other_person, "area": "social_inclusion",
                    "case_manager_id": cm_id}),
        ),
    )
    .await;
    assert_eq!(r.status(), 201);
    let second: Value = r.json().await.unwrap();
    let second = second["id"].as_str().unwrap();
    for path in [
        format!("/case-files/{second}/diary-entries/{}", o.entry),
        format!("/case-files/{second}/assessments/{}", o.assessment),
        format!("/case-files/{second}/consents/{}", o.consent),
        format!("/case-files/{second}/referrals/{}", o.referral),
        format!("/case-files/{second}/referrals/{}/events", o.referral),
    ] {
        let (status, problem) = get_json(&app, cm, &path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(problem["status"], 404);
    }
    let r = send(
        &app,
        cm,
        reqwest::Method::POST,
        &format!("/case-files/{second}/team/{}/end", o.assignment),
        Some("\"1\""),
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status(), 404);
    // The team member of the first file reaches nothing of it through the second one.
    let (_, member) = o.staff("team_member");
    let (status, _) = get_json(
        &app,
        member,
        &format!("/case-files/{second}/diary-entries/{}", o.entry),
    )
    .await;
    assert_eq!(status, 403);
    let (status, entry) = get_json(
        &app,
        member,
        &format!("/case-files/{}/diary-entries/{}", o.case_file, o.entry),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(entry["text"], "Matrix note");
}
