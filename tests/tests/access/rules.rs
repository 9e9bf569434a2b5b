//! The rules behind the matrix, with their bodies and side effects.

use serde_json::{Value, json};
use socialcare_tests::{TestApp, user_password};

use crate::{created, office, send};

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

    // Several restricted persons on one page: each directory answer carries its own files and
    // case managers (they are built for the whole page at once).
    let (other_id, other) = o.staff("other_area_colleague");
    let luca = send(
        &app,
        other,
        reqwest::Method::POST,
        "/persons",
        None,
        Some(json!({"given_names": "Luca", "family_names": "Matrice"})),
    )
    .await;
    assert_eq!(luca.status(), 201);
    let luca: Value = luca.json().await.unwrap();
    let file = send(
        &app,
        other,
        reqwest::Method::POST,
        "/case-files",
        None,
        Some(json!({"person_id": luca["id"], "area": "transversal", "case_manager_id": other_id})),
    )
    .await;
    assert_eq!(file.status(), 201);
    let (status, page) = get_json(&app, colleague, "/persons?q=matrice").await;
    assert_eq!(status, 200);
    assert!(ids(&page).is_empty());
    let restricted = page["restricted"].as_array().unwrap();
    assert_eq!(restricted.len(), 2);
    // Ordered by name: Luca, then Paola.
    assert_eq!(restricted[0]["person_id"], luca["id"]);
    assert_eq!(restricted[0]["case_files"].as_array().unwrap().len(), 1);
    assert_eq!(restricted[0]["case_files"][0]["area"], "transversal");
    assert_eq!(
        restricted[0]["case_files"][0]["case_manager"]["id"],
        other_id.as_str()
    );
    assert_eq!(restricted[1], *entry);
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

fn persons_of(app: &TestApp) -> (String, Vec<String>, bool, Option<String>) {
    let entry = app.audit_entries(1).remove(0);
    (
        entry.row.action.clone(),
        entry.persons.iter().map(|p| p.to_string()).collect(),
        entry.row.break_glass,
        entry.row.purpose.clone(),
    )
}

pub async fn every_read_path_audits_the_persons_it_returns(app: TestApp) {
    let o = office(&app).await;
    let (_, cm) = o.staff("case_manager");
    let person = vec![o.person.clone()];
    let f = &o.case_file;
    for (path, action) in [
        (format!("/case-files/{f}"), "case_file.read"),
        ("/case-files".to_owned(), "case_file.list"),
        ("/me/caseload".to_owned(), "case_file.list"),
        ("/me/agenda".to_owned(), "agenda.read"),
        (format!("/case-files/{f}/team"), "case_file.team.read"),
        (
            format!("/case-files/{f}/transitions"),
            "case_file.history.read",
        ),
        (format!("/case-files/{f}/diary-entries"), "diary_entry.list"),
        (
            format!("/case-files/{f}/diary-entries/{}", o.entry),
            "diary_entry.read",
        ),
        (format!("/case-files/{f}/assessments"), "assessment.list"),
        (
            format!("/case-files/{f}/assessments/{}", o.assessment),
            "assessment.read",
        ),
        (format!("/case-files/{f}/consents"), "consent.list"),
        (format!("/case-files/{f}/referrals"), "referral.list"),
        (
            format!("/case-files/{f}/referrals/{}", o.referral),
            "referral.read",
        ),
        (format!("/persons/{}", o.person), "person.read"),
        ("/persons?q=matrice".to_owned(), "person.search"),
        (
            format!("/persons/{}/health-disability", o.person),
            "person.health_disability.read",
        ),
        (format!("/households/{}", o.household), "household.read"),
        (
            format!("/households/{}/members", o.household),
            "household.members.read",
        ),
        (
            format!("/households/{}/composition", o.household),
            "household.composition.read",
        ),
        (
            format!("/persons/{}/household", o.person),
            "household.read_of_person",
        ),
    ] {
        let (status, _) = get_json(&app, cm, &path).await;
        assert_eq!(status, 200, "{path}");
        let (recorded, persons, break_glass, _) = persons_of(&app);
        assert_eq!(recorded, action, "{path}");
        assert_eq!(persons, person, "{path}");
        assert!(!break_glass, "{path}");
    }
    // A declared purpose is recorded with the read.
    let r = app
        .client
        .get(app.api(&format!("/case-files/{f}")))
        .bearer_auth(cm)
        .header(
            "access-purpose",
            "Preparing the team meeting of 26 November",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, _, _, purpose) = persons_of(&app);
    assert_eq!(
        purpose.as_deref(),
        Some("Preparing the team meeting of 26 November")
    );
    // An empty search names nobody; a refused read names the person it was about.
    get_json(&app, cm, "/persons?q=nessuno").await;
    assert!(persons_of(&app).1.is_empty());
    let (_, colleague) = o.staff("same_area_colleague");
    assert_eq!(
        get_json(&app, colleague, &format!("/case-files/{f}"))
            .await
            .0,
        403
    );
    let entry = app.audit_entries(1).remove(0);
    assert_eq!(entry.row.outcome, "denied");
    assert_eq!(
        entry.persons,
        vec![uuid::Uuid::parse_str(&o.person).unwrap()]
    );
}

pub async fn break_glass_opens_case_content_marked_until_it_expires(app: TestApp) {
    use diesel::prelude::*;
    use socialcare_persistence::schema::break_glass_grants;
    use socialcare_persistence::sql_types::{DbInstant, DbUuid};

    let o = office(&app).await;
    let (_, outsider) = o.staff("other_area_colleague");
    let f = &o.case_file;
    let diary = format!("/case-files/{f}/diary-entries");
    assert_eq!(get_json(&app, outsider, &diary).await.0, 403);

    let reason = "Night emergency: the person was taken to hospital, need the contacts";
    let r = send(
        &app,
        outsider,
        reqwest::Method::POST,
        &format!("/case-files/{f}/break-glass"),
        None,
        Some(json!({ "reason": reason })),
    )
    .await;
    assert_eq!(r.status(), 201);
    let grant: Value = r.json().await.unwrap();

    // Case content opens, every access marked with the reason as its purpose.
    let (status, page) = get_json(&app, outsider, &diary).await;
    assert_eq!(status, 200);
    assert_eq!(page["items"][0]["text"], "Matrix note");
    let (action, persons, break_glass, purpose) = persons_of(&app);
    assert_eq!(action, "diary_entry.list");
    assert_eq!(persons, vec![o.person.clone()]);
    assert!(break_glass);
    assert_eq!(purpose.as_deref(), Some(reason));
    let (status, _) = get_json(&app, outsider, &format!("/case-files/{f}")).await;
    assert_eq!(status, 200);
    assert!(persons_of(&app).2);
    let (status, _) = get_json(&app, outsider, &format!("/persons/{}", o.person)).await;
    assert_eq!(status, 200);
    assert!(persons_of(&app).2);
    // Never the special categories, never writes, never lists.
    let (status, _) = get_json(
        &app,
        outsider,
        &format!("/persons/{}/health-disability", o.person),
    )
    .await;
    assert_eq!(status, 403);
    let r = send(
        &app,
        outsider,
        reqwest::Method::POST,
        &diary,
        None,
        Some(json!({"kind": "note", "occurred_at": chrono::Utc::now(), "text": "x"})),
    )
    .await;
    assert_eq!(r.status(), 403);
    let (_, page) = get_json(&app, outsider, "/case-files").await;
    assert!(ids(&page).is_empty());

    // The office manager sees the grant with the accesses made under it.
    let (_, manager) = o.staff("office_manager");
    let (status, review) =
        get_json(&app, manager, "/break-glass-accesses?acknowledged=false").await;
    assert_eq!(status, 200);
    let item = review["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == grant["id"])
        .unwrap()
        .clone();
    assert!(item["audit_records"].as_i64().unwrap() >= 4, "{item}");

    // Expired: refused again.
    let grant_id = uuid::Uuid::parse_str(grant["id"].as_str().unwrap()).unwrap();
    app.db()
        .write(|c| {
            diesel::update(break_glass_grants::table.find(DbUuid(grant_id)))
                .set((
                    break_glass_grants::granted_at
                        .eq(DbInstant(chrono::Utc::now() - chrono::Duration::hours(25))),
                    break_glass_grants::expires_at
                        .eq(DbInstant(chrono::Utc::now() - chrono::Duration::seconds(1))),
                ))
                .execute(c)
                .map(|_| ())
                .map_err(socialcare_persistence::StoreError::from)
        })
        .unwrap();
    assert_eq!(get_json(&app, outsider, &diary).await.0, 403);
    let entry = app.audit_entries(1).remove(0);
    assert_eq!(entry.row.outcome, "denied");
    assert!(!entry.row.break_glass);
}

/// Defect 2 of issue 14: a social worker of another area opens an intake file in their own area
/// for a person the social inclusion area has in charge and names themselves case manager. The
/// opening does not by itself unlock the special categories the other area recorded: they wait
/// for the coordinator of their area, whose confirmation is audited.
pub async fn opening_a_file_does_not_unlock_other_areas_special_categories(app: TestApp) {
    let o = office(&app).await;
    let (other_id, other) = o.staff("other_area_colleague");
    let (_, cm) = o.staff("case_manager");
    let person = o.person.clone();
    let r = crate::send(
        &app,
        other,
        reqwest::Method::POST,
        "/case-files",
        None,
        Some(json!({"person_id": person, "area": "transversal", "case_manager_id": other_id})),
    )
    .await;
    assert_eq!(r.status(), 201);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let file: Value = r.json().await.unwrap();
    assert_eq!(file["confirmed_at"], Value::Null);
    let file_id = file["id"].as_str().unwrap().to_owned();
    // The person's identity and the new file's own work are open to its case manager…
    assert_eq!(
        get_json(&app, other, &format!("/persons/{person}")).await.0,
        200
    );
    // …the special categories are not, neither to read nor to write.
    for group in ["health-disability", "ethnicity", "legal-status", "justice"] {
        let (status, _) = get_json(&app, other, &format!("/persons/{person}/{group}")).await;
        assert_eq!(status, 403, "{group}");
    }
    let r = crate::send(
        &app,
        other,
        reqwest::Method::PUT,
        &format!("/persons/{person}/justice"),
        None,
        Some(json!({"status": "released"})),
    )
    .await;
    assert_eq!(r.status(), 403);
    // The case manager of the other area still reads them.
    assert_eq!(
        get_json(&app, cm, &format!("/persons/{person}/justice"))
            .await
            .0,
        200
    );
    // Neither the opener nor a coordinator of another area may confirm.
    let confirm = |token: String, etag: String| {
        let app = &app;
        let path = format!("/case-files/{file_id}/confirmation");
        async move {
            crate::send(app, &token, reqwest::Method::POST, &path, Some(&etag), None)
                .await
                .status()
                .as_u16()
        }
    };
    assert_eq!(confirm(other.clone(), etag.clone()).await, 403);
    let (_, inclusion_coordinator) = o.staff("area_coordinator");
    assert_eq!(
        confirm(inclusion_coordinator.clone(), etag.clone()).await,
        403
    );
    // The coordinator of the transversal area confirms.
    app.create_user(
        &o.admin,
        "coord.tr",
        &["area_coordinator"],
        &["transversal"],
    )
    .await;
    let (coordinator, _) = app
        .tokens("coord.tr", &socialcare_tests::user_password("coord.tr"))
        .await;
    assert_eq!(confirm(coordinator.clone(), "\"0\"".into()).await, 412);
    assert_eq!(confirm(coordinator.clone(), etag.clone()).await, 200);
    let record = app.audit_entries(1).remove(0);
    assert_eq!(record.row.action, "case_file.confirm");
    assert_eq!(record.row.outcome, "success");
    assert_eq!(
        record
            .persons
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        vec![person.clone()]
    );
    let (_, confirmed) = get_json(&app, other, &format!("/case-files/{file_id}")).await;
    assert!(confirmed["confirmed_at"].is_string());
    // Confirmed: the case manager reaches them now.
    assert_eq!(
        get_json(&app, other, &format!("/persons/{person}/justice"))
            .await
            .0,
        200
    );
    // A second confirmation is a conflict.
    let etag = confirmed["version"].as_i64().unwrap();
    assert_eq!(confirm(coordinator, format!("\"{etag}\"")).await, 409);
    // A coordinator opening a file in their own area for a person in charge elsewhere is the
    // confirmation; a person nobody else has in charge needs none.
    let adults = app
        .create_user(
            &o.admin,
            "coord.ad",
            &["area_coordinator", "social_worker"],
            &["adults_disability"],
        )
        .await;
    let (adults_token, _) = app
        .tokens("coord.ad", &socialcare_tests::user_password("coord.ad"))
        .await;
    let opened = |token: String, body: Value| {
        let app = &app;
        async move {
            let r = crate::send(
                app,
                &token,
                reqwest::Method::POST,
                "/case-files",
                None,
                Some(body),
            )
            .await;
            assert_eq!(r.status(), 201);
            r.json::<Value>().await.unwrap()
        }
    };
    let by_coordinator = opened(
        adults_token,
        json!({"person_id": person, "area": "adults_disability", "case_manager_id": adults["id"]}),
    )
    .await;
    assert!(by_coordinator["confirmed_at"].is_string());
    let nobody_elses = opened(
        other.clone(),
        json!({"person_id": o.other_person, "area": "transversal", "case_manager_id": other_id}),
    )
    .await;
    assert!(nobody_elses["confirmed_at"].is_string());
}

/// Person search by case facts (target group, area, status) matches only the files the caller
/// may read: a worker of another area learns nothing from a special-category filter, not even
/// the directory answer; the case manager finds the person; a name or exact tax-code search
/// still gives the directory answer.
pub async fn search_filters_match_only_readable_case_files(app: TestApp) {
    use socialcare_domain::tax_code::{TaxCodeSex, encode_personal, name_code, surname_code};
    let admin = app.admin_token().await;
    let mut staff = Vec::new();
    for (name, roles, areas) in [
        ("roma.cm", "social_worker", "transversal"),
        ("adult.sw", "social_worker", "social_inclusion"),
        ("adult.co", "area_coordinator", "social_inclusion"),
    ] {
        let user = app.create_user(&admin, name, &[roles], &[areas]).await;
        let (token, _) = app.tokens(name, &user_password(name)).await;
        staff.push((user["id"].as_str().unwrap().to_owned(), token));
    }
    let [(cm_id, cm), (sw_id, sw), (_, co)] = <[(String, String); 3]>::try_from(staff).unwrap();
    let (cm, sw, co) = (cm.as_str(), sw.as_str(), co.as_str());
    let code = encode_personal(
        &surname_code("Segreto"),
        &name_code("Mira"),
        chrono::NaiveDate::from_ymd_opt(1990, 3, 4).unwrap(),
        TaxCodeSex::Female,
        "L378",
    )
    .unwrap()
    .as_str()
    .to_owned();
    let post = |token: &str, path: &str, body: Value| {
        let token = token.to_owned();
        let path = path.to_owned();
        let app = &app;
        async move {
            created(send(app, &token, reqwest::Method::POST, &path, None, Some(body)).await).await
        }
    };
    // Mira: one file, in the transversal area, in a special-category target group.
    let mira = post(
        cm,
        "/persons",
        json!({"given_names": "Mira", "family_names": "Segreto", "birth_date": "1990-03-04",
               "sex": "female", "birth_place": "Trento", "tax_code": code}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    post(
        cm,
        "/case-files",
        json!({"person_id": mira, "area": "transversal", "case_manager_id": cm_id,
               "target_groups": ["roma_sinti_caminanti"]}),
    )
    .await;
    // Nora: a file the adults-area worker manages, and one in the special-category group that
    // they may not read.
    let nora = post(
        sw,
        "/persons",
        json!({"given_names": "Nora", "family_names": "Segreto"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    post(
        sw,
        "/case-files",
        json!({"person_id": nora, "area": "social_inclusion", "case_manager_id": sw_id}),
    )
    .await;
    post(
        cm,
        "/case-files",
        json!({"person_id": nora, "area": "transversal", "case_manager_id": cm_id,
               "target_groups": ["roma_sinti_caminanti"]}),
    )
    .await;

    let search = |token: &str, query: &str| {
        let token = token.to_owned();
        let path = format!("/persons?{query}");
        let app = &app;
        async move {
            let (status, page) = get_json(app, &token, &path).await;
            assert_eq!(status, 200, "{path}");
            let restricted: Vec<String> = page["restricted"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["person_id"].as_str().unwrap().to_owned())
                .collect();
            (ids(&page), restricted)
        }
    };
    let none = (Vec::<String>::new(), Vec::<String>::new());
    // Filters on case facts: both shapes of the search (name stream and alphabetical walk).
    for query in [
        "target_group=roma_sinti_caminanti",
        "q=segreto&target_group=roma_sinti_caminanti",
        "area=transversal",
        "q=segreto&area=transversal",
        "q=segreto&area=transversal&case_status=intake",
    ] {
        assert_eq!(
            search(sw, query).await,
            none,
            "worker of another area: {query}"
        );
        assert_eq!(
            search(co, query).await,
            none,
            "coordinator of another area: {query}"
        );
        let record = app.audit_entries(1).remove(0);
        assert_eq!(record.row.action, "person.search");
        assert!(record.persons.is_empty(), "{query}");
        assert_eq!(
            search(cm, query).await,
            (vec![mira.clone(), nora.clone()], Vec::new()),
            "case manager: {query}"
        );
    }
    // A status matched through a readable file is found; through an unreadable one it is not.
    assert_eq!(
        search(sw, "q=segreto&case_status=intake").await,
        (vec![nora.clone()], Vec::new())
    );
    assert_eq!(
        search(co, "area=social_inclusion").await,
        (vec![nora.clone()], Vec::new())
    );
    // A plain name search still gives the directory answer, and so does the exact tax code.
    assert_eq!(
        search(sw, "q=segreto").await,
        (vec![nora.clone()], vec![mira.clone()])
    );
    assert_eq!(
        search(sw, &format!("tax_code={code}")).await,
        (Vec::new(), vec![mira.clone()])
    );
}
