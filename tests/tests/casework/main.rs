//! Casework: versioned assessments and the social diary (corrections, the 24-hour rule,
//! restricted entries, pagination) — each on SQLite and on PostgreSQL.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use serde_json::{Value, json};
use socialcare_domain::calendar;
use socialcare_persistence::schema::{assessment_scores, case_file_team, diary_entries};
use socialcare_persistence::sql_types::{DbInstant, DbUuid};
use socialcare_tests::http::{id_of, pointers};
use socialcare_tests::{TestApp, on_both_engines, user_password};

on_both_engines!(
    assessments_are_versioned_and_read_newest_first,
    assessment_scores_are_validated_with_pointers,
    diary_is_listed_newest_first_with_stable_pages_and_filters,
    corrections_stay_within_their_case_file,
    only_the_author_edits_and_only_for_24_hours,
    restricted_entries_are_for_author_case_manager_and_coordinator,
    casework_is_refused_to_admins_and_privacy_officers,
    diary_days_are_days_of_the_office_in_rome,
    diary_writes_are_decided_before_their_body,
    a_member_removed_from_the_team_writes_no_more,
    casework_lists_link_the_person_they_show,
);

const DOMAINS: [&str; 8] = [
    "housing",
    "income",
    "employment",
    "health",
    "autonomy",
    "family_and_relations",
    "legal_and_documents",
    "justice",
];

/// `(user id, token)`.
type Staff = (String, String);

struct Office {
    admin: String,
    /// Social worker, case manager of the files opened by [`open_file`].
    anna: Staff,
    /// Social worker of the same area, not in the team.
    bruno: Staff,
    /// Educator of the area.
    edo: Staff,
    /// Coordinator of the file's area.
    carla: Staff,
    /// Coordinator of another area.
    dora: Staff,
}

async fn office(app: &TestApp) -> Office {
    let admin = app.admin_token().await;
    let mut ids = Vec::new();
    for (name, role, area) in [
        ("anna", "social_worker", "social_inclusion"),
        ("bruno", "social_worker", "social_inclusion"),
        ("edo", "educator", "social_inclusion"),
        ("carla", "area_coordinator", "social_inclusion"),
        ("dora", "area_coordinator", "transversal"),
    ] {
        ids.push(app.staff(&admin, name, &[role], &[area]).await);
    }
    let mut ids = ids.into_iter();
    Office {
        admin,
        anna: ids.next().unwrap(),
        bruno: ids.next().unwrap(),
        edo: ids.next().unwrap(),
        carla: ids.next().unwrap(),
        dora: ids.next().unwrap(),
    }
}

/// Registers a person and opens a social inclusion file managed by anna, with edo in the team;
/// returns
/// `(case file id, person id)`.
async fn open_file(app: &TestApp, o: &Office, given: &str) -> (String, String) {
    let (anna_id, token) = &o.anna;
    let person = app.register_person(token, given, "Test").await;
    let file = id_of(
        &app.open_case_file(token, &person, "social_inclusion", anna_id, None)
            .await,
    );
    // Edo joins the team (without the special-category grant).
    let (edo_id, _) = &o.edo;
    let r = app
        .post_if(
            token,
            &format!("/case-files/{file}/team"),
            "\"1\"",
            &json!({"staff_id": edo_id, "role": "educator"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    (file, person)
}

fn scores(severities: [u8; 8]) -> Value {
    Value::Array(
        DOMAINS
            .iter()
            .zip(severities)
            .map(|(d, s)| json!({"domain": d, "severity": s}))
            .collect(),
    )
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.post(token, path, &body).await
}

async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.get(token, path).await
}

async fn patch(
    app: &TestApp,
    token: &str,
    path: &str,
    if_match: Option<&str>,
    body: Value,
) -> reqwest::Response {
    app.merge_patch(token, path, if_match, &body).await
}

/// Writes a diary entry (expecting 201) and returns it.
async fn write_entry(app: &TestApp, token: &str, file: &str, body: Value) -> Value {
    let r = post(
        app,
        token,
        &format!("/case-files/{file}/diary-entries"),
        body,
    )
    .await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

fn last_audit(app: &TestApp) -> socialcare_persistence::audit::AuditRow {
    app.audit(1).remove(0)
}

async fn assessments_are_versioned_and_read_newest_first(app: TestApp) {
    let o = office(&app).await;
    let (anna_id, anna) = &o.anna;
    let (file, person) = open_file(&app, &o, "Maria").await;
    let base = format!("/case-files/{file}/assessments");

    let none = get(&app, anna, &format!("{base}/latest")).await;
    assert_eq!(none.status(), 404);
    assert_eq!(
        get(&app, anna, &base).await.json::<Value>().await.unwrap()["items"],
        json!([])
    );

    let mut ids = Vec::new();
    for (n, severities) in [
        [3, 2, 2, 1, 0, 1, 2, 0],
        [2, 2, 1, 1, 0, 1, 1, 0],
        [1, 1, 1, 0, 0, 0, 0, 0],
    ]
    .into_iter()
    .enumerate()
    {
        let r = post(
            &app,
            anna,
            &base,
            json!({"scores": scores(severities), "notes": format!("  visit {n}  ")}),
        )
        .await;
        assert_eq!(r.status(), 201);
        let created: Value = r.json().await.unwrap();
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(created["version_number"], n + 1);
        assert_eq!(created["author_id"], anna_id.as_str());
        assert_eq!(created["case_file_id"], file.as_str());
        assert_eq!(created["notes"], format!("visit {n}"));
        assert_eq!(
            created["assessed_on"],
            calendar::today(Utc::now()).to_string()
        );
        assert_eq!(created["scores"], scores(severities));
        assert_eq!(
            created["max_severity"],
            severities.iter().max().copied().unwrap()
        );
        let record = last_audit(&app);
        assert_eq!(record.action, "assessment.create");
        assert_eq!(record.resource_id.as_deref(), Some(id.as_str()));
        assert!(record.details.as_deref().unwrap().contains(&person));
        ids.push(id);
    }
    // One score row per domain for each version.
    let rows: i64 = app
        .db()
        .read(|c| {
            Ok(assessment_scores::table
                .filter(
                    assessment_scores::assessment_id
                        .eq(DbUuid(uuid::Uuid::parse_str(&ids[0]).unwrap())),
                )
                .count()
                .get_result(c)?)
        })
        .unwrap();
    assert_eq!(rows, 8);

    let list: Value = get(&app, anna, &base).await.json().await.unwrap();
    let versions: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["version_number"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [3, 2, 1]);
    let record = last_audit(&app);
    assert_eq!(record.action, "assessment.list");
    assert!(record.details.as_deref().unwrap().contains(&person));

    let latest: Value = get(&app, anna, &format!("{base}/latest"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(latest["id"], ids[2].as_str());
    assert_eq!(last_audit(&app).action, "assessment.read");
    let first = get(&app, anna, &format!("{base}/{}", ids[0])).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.json::<Value>().await.unwrap()["version_number"], 1);

    // Objects are checked by id within their parent.
    let (other, _) = open_file(&app, &o, "Luca").await;
    let r = get(
        &app,
        anna,
        &format!("/case-files/{other}/assessments/{}", ids[0]),
    )
    .await;
    assert_eq!(r.status(), 404);
    let r = get(
        &app,
        anna,
        &format!("/case-files/{}/assessments", uuid::Uuid::now_v7()),
    )
    .await;
    assert_eq!(r.status(), 404);

    // Idempotent retries replay the first response and record nothing new.
    let body = json!({"scores": scores([0; 8])});
    let mut replies = Vec::new();
    for _ in 0..2 {
        let r = app
            .client
            .post(app.api(&base))
            .bearer_auth(anna)
            .header("idempotency-key", "assessment-4")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        assert!(
            r.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with(&format!("/api/v1{base}/"))
        );
        replies.push(r.json::<Value>().await.unwrap());
    }
    assert_eq!(replies[0], replies[1]);
    assert_eq!(replies[0]["version_number"], 4);
    let list: Value = get(&app, anna, &base).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 4);

    // Never on a closed file.
    let r = app
        .client
        .post(app.api(&format!("/case-files/{file}/transitions")))
        .bearer_auth(anna)
        .header("if-match", "\"2\"")
        .json(
            &json!({"transition": "close", "reason": "Moved away", "closing_reason": "moved_away"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = post(&app, anna, &base, json!({"scores": scores([1; 8])})).await;
    assert_eq!(r.status(), 409);
    let list: Value = get(&app, anna, &base).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 4);
}

async fn assessment_scores_are_validated_with_pointers(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, _) = open_file(&app, &o, "Giada").await;
    let base = format!("/case-files/{file}/assessments");
    let mut missing = scores([1; 8]);
    missing.as_array_mut().unwrap().pop();
    let mut duplicate = scores([1; 8]);
    duplicate
        .as_array_mut()
        .unwrap()
        .push(json!({"domain": "housing", "severity": 2}));
    let mut out_of_range = scores([1; 8]);
    out_of_range[2]["severity"] = json!(4);
    let mut unknown = scores([1; 8]);
    unknown[7]["domain"] = json!("astrology");
    let tomorrow = (calendar::today(Utc::now()) + Duration::days(1)).to_string();
    let before_opening = (calendar::today(Utc::now()) - Duration::days(1)).to_string();
    for (body, expected) in [
        (json!({"scores": missing}), vec!["/scores"]),
        (json!({"scores": duplicate}), vec!["/scores/8"]),
        (json!({"scores": out_of_range}), vec!["/scores/2"]),
        (json!({"scores": unknown}), vec!["/scores/7", "/scores"]),
        (json!({"scores": []}), vec!["/scores"]),
        (
            json!({"scores": scores([1; 8]), "assessed_on": tomorrow}),
            vec!["/assessed_on"],
        ),
        (
            json!({"scores": scores([1; 8]), "notes": "x".repeat(10_001)}),
            vec!["/notes"],
        ),
        (
            json!({"scores": scores([1; 8]), "assessed_on": before_opening}),
            vec!["/assessed_on"],
        ),
    ] {
        let r = post(&app, anna, &base, body).await;
        assert_eq!(r.status(), 422, "{expected:?}");
        let problem: Value = r.json().await.unwrap();
        assert_eq!(pointers(&problem), expected, "{problem}");
    }
    let r = post(
        &app,
        anna,
        &base,
        json!({"scores": [{"domain": "housing", "severity": -1}]}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        pointers(&r.json::<Value>().await.unwrap()),
        ["/scores/0/severity"]
    );
    // Nothing was recorded.
    let list: Value = get(&app, anna, &base).await.json().await.unwrap();
    assert_eq!(list["items"], json!([]));
}

async fn diary_is_listed_newest_first_with_stable_pages_and_filters(app: TestApp) {
    let o = office(&app).await;
    let (edo_id, edo) = &o.edo;
    let (file, person) = open_file(&app, &o, "Ugo").await;
    let base = format!("/case-files/{file}/diary-entries");
    let start = Utc::now() - Duration::days(10);
    let kinds = ["interview", "phone_call", "home_visit", "note", "interview"];
    let mut written = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        let at = start + Duration::days(i64::try_from(i).unwrap() * 2);
        let r = post(
            &app,
            edo,
            &base,
            json!({"kind": kind, "occurred_at": at, "text": format!(" entry {i} ")}),
        )
        .await;
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers()["etag"], "\"1\"");
        let entry: Value = r.json().await.unwrap();
        let id = entry["id"].as_str().unwrap().to_owned();
        assert_eq!(entry["text"], format!("entry {i}"));
        assert_eq!(entry["restricted"], false);
        assert_eq!(entry["author_id"], edo_id.as_str());
        let record = last_audit(&app);
        assert_eq!(record.action, "diary_entry.create");
        assert_eq!(record.resource_id.as_deref(), Some(id.as_str()));
        assert!(record.details.as_deref().unwrap().contains(&person));
        written.push(id);
    }
    // Two entries at the same instant are ordered by id.
    let same = start + Duration::days(8);
    let twin = write_entry(
        &app,
        edo,
        &file,
        json!({"kind": "meeting", "occurred_at": same, "text": "twin"}),
    )
    .await;
    written.push(twin["id"].as_str().unwrap().to_owned());
    // Newest first: the twin (same instant, larger id), then 4, 3, 2, 1, 0.
    let expected: Vec<String> = vec![
        written[5].clone(),
        written[4].clone(),
        written[3].clone(),
        written[2].clone(),
        written[1].clone(),
        written[0].clone(),
    ];

    // Page by two; insert entries while paging: newer ones do not shift the pages, an older
    // one appears at its place further on.
    let mut seen = Vec::new();
    let mut url = app.api(&format!("{base}?limit=2"));
    let mut inserted = false;
    loop {
        let page: Value = app
            .client
            .get(&url)
            .bearer_auth(edo)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for item in page["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        if !inserted {
            inserted = true;
            write_entry(
                &app,
                edo,
                &file,
                json!({"kind": "note", "occurred_at": Utc::now(), "text": "newest"}),
            )
            .await;
            let old = write_entry(
                &app,
                edo,
                &file,
                json!({"kind": "note", "occurred_at": start - Duration::days(1), "text": "oldest"}),
            )
            .await;
            written.push(old["id"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(next) => url = format!("{}{next}", app.address),
            None => break,
        }
    }
    let mut with_oldest = expected.clone();
    with_oldest.push(written[6].clone());
    assert_eq!(seen, with_oldest);
    let record = last_audit(&app);
    assert_eq!(record.action, "diary_entry.list");
    assert!(record.details.as_deref().unwrap().contains(&person));

    // Filters: kind, and days (inclusive).
    let interviews: Value = get(&app, edo, &format!("{base}?kind=interview"))
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = interviews["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [written[4].as_str(), written[0].as_str()]);
    // Days of the office's calendar (Europe/Rome).
    let from = calendar::day_of(start + Duration::days(2));
    let to = calendar::day_of(start + Duration::days(4));
    let window: Value = get(&app, edo, &format!("{base}?from={from}&to={to}"))
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = window["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [written[2].as_str(), written[1].as_str()]);
    for bad in [
        "limit=0",
        "limit=101",
        "cursor=nonsense",
        "kind=gossip",
        "from=2026-02-01&to=2026-01-01",
    ] {
        assert_eq!(
            get(&app, edo, &format!("{base}?{bad}")).await.status(),
            400,
            "{bad}"
        );
    }

    // The single entry, with its ETag; 404 through another file.
    let r = get(&app, edo, &format!("{base}/{}", written[0])).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"1\"");
    assert_eq!(r.json::<Value>().await.unwrap()["text"], "entry 0");
    let record = last_audit(&app);
    assert_eq!(record.action, "diary_entry.read");
    assert!(record.details.as_deref().unwrap().contains(&person));
    let (other, _) = open_file(&app, &o, "Ivo").await;
    let r = get(
        &app,
        edo,
        &format!("/case-files/{other}/diary-entries/{}", written[0]),
    )
    .await;
    assert_eq!(r.status(), 404);

    // Validation with pointers.
    let future = Utc::now() + Duration::minutes(10);
    for (body, pointer) in [
        (
            json!({"kind": "note", "occurred_at": future, "text": "x"}),
            "/occurred_at",
        ),
        (
            json!({"kind": "note", "occurred_at": start, "text": "   "}),
            "/text",
        ),
        (
            json!({"kind": "note", "occurred_at": start, "text": "x".repeat(20_001)}),
            "/text",
        ),
        (
            json!({"kind": "gossip", "occurred_at": start, "text": "x"}),
            "/kind",
        ),
    ] {
        let r = post(&app, edo, &base, body).await;
        assert_eq!(r.status(), 422, "{pointer}");
        assert_eq!(pointers(&r.json::<Value>().await.unwrap()), [pointer]);
    }
    let long = write_entry(
        &app,
        edo,
        &file,
        json!({"kind": "note", "occurred_at": start, "text": "è".repeat(20_000)}),
    )
    .await;
    assert_eq!(long["text"].as_str().unwrap().chars().count(), 20_000);
}

async fn corrections_stay_within_their_case_file(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, _) = open_file(&app, &o, "Rita").await;
    let (other, _) = open_file(&app, &o, "Olga").await;
    let at = Utc::now() - Duration::hours(1);
    let original = write_entry(
        &app,
        anna,
        &file,
        json!({"kind": "interview", "occurred_at": at, "text": "Wrong address noted"}),
    )
    .await;
    let foreign = write_entry(
        &app,
        anna,
        &other,
        json!({"kind": "note", "occurred_at": at, "text": "Another file"}),
    )
    .await;
    let base = format!("/case-files/{file}/diary-entries");
    for target in [
        foreign["id"].as_str().unwrap().to_owned(),
        uuid::Uuid::now_v7().to_string(),
    ] {
        let r = post(
            &app,
            anna,
            &base,
            json!({"kind": "note", "occurred_at": at, "text": "Correction", "corrects_entry_id": target}),
        )
        .await;
        assert_eq!(r.status(), 422);
        assert_eq!(
            pointers(&r.json::<Value>().await.unwrap()),
            ["/corrects_entry_id"]
        );
    }
    let correction = write_entry(
        &app,
        anna,
        &file,
        json!({"kind": "note", "occurred_at": Utc::now(), "text": "The address is Via Roma 1",
            "corrects_entry_id": original["id"]}),
    )
    .await;
    assert_eq!(correction["corrects_entry_id"], original["id"]);
    let stored: Option<DbUuid> = app
        .db()
        .read(|c| {
            Ok(diary_entries::table
                .find(DbUuid(
                    uuid::Uuid::parse_str(correction["id"].as_str().unwrap()).unwrap(),
                ))
                .select(diary_entries::corrects_entry_id)
                .first(c)?)
        })
        .unwrap();
    assert_eq!(
        stored.map(|u| u.0.to_string()).as_deref(),
        original["id"].as_str()
    );
    let list: Value = get(&app, anna, &base).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
}

async fn only_the_author_edits_and_only_for_24_hours(app: TestApp) {
    let o = office(&app).await;
    let (_, edo) = &o.edo;
    let (file, person) = open_file(&app, &o, "Nina").await;
    let at = Utc::now() - Duration::hours(2);
    let entry = write_entry(
        &app,
        edo,
        &file,
        json!({"kind": "home_visit", "occurred_at": at, "text": "Visit"}),
    )
    .await;
    let id = entry["id"].as_str().unwrap().to_owned();
    let path = format!("/case-files/{file}/diary-entries/{id}");

    // If-Match is required and compared.
    let r = patch(&app, edo, &path, None, json!({"text": "Visit, all well"})).await;
    assert_eq!(r.status(), 428);
    let r = patch(
        &app,
        edo,
        &path,
        Some("\"7\""),
        json!({"text": "Visit, all well"}),
    )
    .await;
    assert_eq!(r.status(), 412);
    // Only as a merge patch.
    let r = app
        .client
        .patch(app.api(&path))
        .bearer_auth(edo)
        .header("if-match", "\"1\"")
        .json(&json!({"text": "Visit, all well"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    // Members may be absent, not null.
    let r = patch(&app, edo, &path, Some("\"1\""), json!({"text": null})).await;
    assert_eq!(r.status(), 422);
    assert_eq!(pointers(&r.json::<Value>().await.unwrap()), ["/text"]);

    let r = patch(
        &app,
        edo,
        &path,
        Some("\"1\""),
        json!({"text": "Visit, all well", "kind": "meeting", "restricted": true}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let edited: Value = r.json().await.unwrap();
    assert_eq!(edited["text"], "Visit, all well");
    assert_eq!(edited["kind"], "meeting");
    assert_eq!(edited["restricted"], true);
    assert_eq!(edited["version"], 2);
    assert_eq!(edited["occurred_at"], entry["occurred_at"]);
    let record = last_audit(&app);
    assert_eq!(record.action, "diary_entry.update");
    assert_eq!(record.outcome, "success");
    assert!(record.details.as_deref().unwrap().contains(&person));
    // The stale version loses.
    let r = patch(
        &app,
        edo,
        &path,
        Some("\"1\""),
        json!({"text": "Lost update"}),
    )
    .await;
    assert_eq!(r.status(), 412);

    // Nobody else edits, not even the case manager.
    let (_, anna) = &o.anna;
    let r = patch(
        &app,
        anna,
        &path,
        Some("\"2\""),
        json!({"text": "Not mine"}),
    )
    .await;
    assert_eq!(r.status(), 403);
    let record = last_audit(&app);
    assert_eq!(record.action, "diary_entry.update");
    assert_eq!(record.outcome, "denied");

    // After 24 hours the entry is frozen.
    let entry_id = uuid::Uuid::parse_str(&id).unwrap();
    app.db()
        .write(|c| {
            diesel::update(diary_entries::table.find(DbUuid(entry_id)))
                .set(diary_entries::created_at.eq(DbInstant(Utc::now() - Duration::hours(25))))
                .execute(c)
                .map(|_| ())
                .map_err(socialcare_persistence::StoreError::from)
        })
        .unwrap();
    let r = patch(&app, edo, &path, Some("\"2\""), json!({"text": "Too late"})).await;
    assert_eq!(r.status(), 409);
    let problem: Value = r.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("add a correcting entry")
    );
    let now: Value = get(&app, edo, &path).await.json().await.unwrap();
    assert_eq!(now["text"], "Visit, all well");
    assert_eq!(now["version"], 2);
}

async fn restricted_entries_are_for_author_case_manager_and_coordinator(app: TestApp) {
    let o = office(&app).await;
    let (_, edo) = &o.edo;
    let (file, person) = open_file(&app, &o, "Sara").await;
    let at = Utc::now() - Duration::hours(1);
    let secret = write_entry(
        &app,
        edo,
        &file,
        json!({"kind": "interview", "occurred_at": at, "text": "Disclosed violence at home", "restricted": true}),
    )
    .await;
    write_entry(
        &app,
        edo,
        &file,
        json!({"kind": "note", "occurred_at": at - Duration::hours(1), "text": "Open note"}),
    )
    .await;
    let secret_id = secret["id"].as_str().unwrap();
    let list_path = format!("/case-files/{file}/diary-entries");
    let entry_path = format!("{list_path}/{secret_id}");
    app.create_user(&o.admin, "olga", &["office_manager"], &[])
        .await;
    let (olga, _) = app.tokens("olga", &user_password("olga")).await;
    let olga = (String::new(), olga);
    // Outside the team and the area's coordination: not even the diary list.
    for (_, token) in [&o.bruno, &o.dora] {
        assert_eq!(get(&app, token, &list_path).await.status(), 403);
        let r = get(&app, token, &entry_path).await;
        assert_eq!(r.status(), 403);
        let record = last_audit(&app);
        assert_eq!(record.outcome, "denied");
        assert_eq!(record.action, "case_file.content.read");
    }
    // The author, the case manager and the coordinator read it; the office manager reads the
    // diary but not its restricted entries.
    let readers = [
        (&o.edo, true),
        (&o.anna, true),
        (&o.carla, true),
        (&olga, false),
    ];
    for ((_, token), entitled) in readers {
        let list: Value = get(&app, token, &list_path).await.json().await.unwrap();
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["id"], secret_id);
        assert_eq!(items[0]["restricted"], true);
        assert_eq!(items[1]["text"], "Open note");
        let r = get(&app, token, &entry_path).await;
        let record = last_audit(&app);
        assert_eq!(record.action, "diary_entry.read");
        assert!(record.details.as_deref().unwrap().contains(&person));
        if entitled {
            assert_eq!(items[0]["text"], "Disclosed violence at home");
            assert_eq!(r.status(), 200);
            assert_eq!(record.outcome, "success");
        } else {
            assert_eq!(items[0]["text"], Value::Null);
            assert_eq!(r.status(), 403);
            assert_eq!(record.outcome, "denied");
        }
    }
}

async fn casework_is_refused_to_admins_and_privacy_officers(app: TestApp) {
    let o = office(&app).await;
    let (_, edo) = &o.edo;
    let (file, _) = open_file(&app, &o, "Zoe").await;
    let entry = write_entry(
        &app,
        edo,
        &file,
        json!({"kind": "note", "occurred_at": Utc::now(), "text": "Note"}),
    )
    .await;
    let entry_id = entry["id"].as_str().unwrap();
    let r = post(
        &app,
        edo,
        &format!("/case-files/{file}/assessments"),
        json!({"scores": scores([1; 8])}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let assessment: Value = r.json().await.unwrap();
    let assessment_id = assessment["id"].as_str().unwrap();
    app.create_user(&o.admin, "dpo", &["privacy_officer"], &[])
        .await;
    let (dpo, _) = app.tokens("dpo", &user_password("dpo")).await;
    for token in [o.admin.as_str(), dpo.as_str()] {
        for request in [
            app.client
                .get(app.api(&format!("/case-files/{file}/assessments"))),
            app.client
                .get(app.api(&format!("/case-files/{file}/assessments/latest"))),
            app.client
                .get(app.api(&format!("/case-files/{file}/assessments/{assessment_id}"))),
            app.client
                .post(app.api(&format!("/case-files/{file}/assessments")))
                .json(&json!({"scores": scores([1; 8])})),
            app.client
                .get(app.api(&format!("/case-files/{file}/diary-entries"))),
            app.client
                .get(app.api(&format!("/case-files/{file}/diary-entries/{entry_id}"))),
            app.client
                .post(app.api(&format!("/case-files/{file}/diary-entries")))
                .json(&json!({"kind": "note", "occurred_at": Utc::now(), "text": "x"})),
            app.client
                .patch(app.api(&format!("/case-files/{file}/diary-entries/{entry_id}")))
                .header("if-match", "\"1\"")
                .header("content-type", "application/merge-patch+json")
                .body(json!({"text": "x"}).to_string()),
        ] {
            let r = request.bearer_auth(token).send().await.unwrap();
            assert_eq!(r.status(), 403);
            let record = last_audit(&app);
            assert_eq!(record.outcome, "denied");
            assert!(record.action.starts_with("case_file."), "{}", record.action);
        }
    }
    // Nothing changed.
    let list: Value = get(&app, edo, &format!("/case-files/{file}/diary-entries"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["text"], "Note");
    let list: Value = get(&app, edo, &format!("/case-files/{file}/assessments"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

/// An entry written at 23:30 UTC belongs to the next day in Rome (CET and CEST alike): the
/// diary's day filter counts the office's calendar days.
async fn diary_days_are_days_of_the_office_in_rome(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, _) = open_file(&app, &o, "Ugo").await;
    let base = format!("/case-files/{file}/diary-entries");
    let utc_day = calendar::today(Utc::now()) - Duration::days(3);
    let late_evening = utc_day.and_hms_opt(23, 30, 0).unwrap().and_utc();
    let r = post(
        &app,
        anna,
        &base,
        json!({"kind": "note", "occurred_at": late_evening, "text": "after midnight in Rome"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let rome_day = utc_day + Duration::days(1);
    for (day, expected) in [(rome_day, vec![id.as_str()]), (utc_day, vec![])] {
        let page: Value = get(&app, anna, &format!("{base}?from={day}&to={day}"))
            .await
            .json()
            .await
            .unwrap();
        let ids: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, expected, "{day}");
    }
}

/// The number of diary entries stored for a case file.
fn diary_rows(app: &TestApp, file: &str) -> i64 {
    let file = uuid::Uuid::parse_str(file).unwrap();
    app.db()
        .read(|c| {
            Ok(diary_entries::table
                .filter(diary_entries::case_file_id.eq(DbUuid(file)))
                .count()
                .get_result(c)?)
        })
        .unwrap()
}

/// Ends edo's team assignment through the API, as the case manager.
async fn end_edo_assignment(app: &TestApp, o: &Office, file: &str) {
    let (edo_id, _) = &o.edo;
    let (_, anna) = &o.anna;
    let team: Value = get(app, anna, &format!("/case-files/{file}/team"))
        .await
        .json()
        .await
        .unwrap();
    let assignment = team["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["staff_id"] == edo_id.as_str() && m["current"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // An assignment ends after the day it began: it began yesterday.
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
    let r = get(app, anna, &format!("/case-files/{file}")).await;
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let r = app
        .client
        .post(app.api(&format!("/case-files/{file}/team/{assignment}/end")))
        .bearer_auth(anna)
        .header("if-match", etag)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// Issue 14, defect 9: a caller who may not write is told so (403) whatever the body says;
/// the refused write stores nothing.
async fn diary_writes_are_decided_before_their_body(app: TestApp) {
    let o = office(&app).await;
    let (_, edo) = &o.edo;
    let (file, person) = open_file(&app, &o, "Pia").await;
    let entry = write_entry(
        &app,
        edo,
        &file,
        json!({"kind": "note", "occurred_at": Utc::now(), "text": "Original"}),
    )
    .await;
    let path = format!(
        "/case-files/{file}/diary-entries/{}",
        entry["id"].as_str().unwrap()
    );
    let junk = json!({"text": 42, "kind": "gossip", "colour": "red"});

    // The author's junk is judged: 422.
    let r = patch(&app, edo, &path, Some("\"1\""), junk.clone()).await;
    assert_eq!(r.status(), 422);

    // The case manager is not the author: 403 on junk, with the attempt audited, under either
    // media type and without If-Match.
    let (_, anna) = &o.anna;
    for if_match in [Some("\"1\""), None] {
        let r = patch(&app, anna, &path, if_match, junk.clone()).await;
        assert_eq!(r.status(), 403);
        let record = &app.audit_entries(1)[0];
        assert_eq!(record.action, "diary_entry.update");
        assert_eq!(record.outcome, "denied");
        assert_eq!(record.persons, [uuid::Uuid::parse_str(&person).unwrap()]);
    }
    let r = app
        .client
        .patch(app.api(&path))
        .bearer_auth(anna)
        .header("if-match", "\"1\"")
        .json(&junk)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Malformed JSON, another media type, an oversized body: still 403 for the non-author.
    for (media_type, raw) in [
        ("application/merge-patch+json", "{not json".to_owned()),
        ("text/plain", "nonsense".to_owned()),
        (
            "application/merge-patch+json",
            format!("{{\"text\":\"{}\"}}", "x".repeat(2 * 1024 * 1024)),
        ),
    ] {
        let r = app
            .client
            .patch(app.api(&path))
            .bearer_auth(anna)
            .header("if-match", "\"1\"")
            .header("content-type", media_type)
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{media_type}");
    }

    // A worker with no relation to the file: 403 on junk, for a new entry and for an edit.
    let (_, bruno) = &o.bruno;
    let r = post(
        &app,
        bruno,
        &format!("/case-files/{file}/diary-entries"),
        junk.clone(),
    )
    .await;
    assert_eq!(r.status(), 403);
    let r = post(
        &app,
        bruno,
        &format!("/case-files/{file}/diary-entries"),
        json!({"kind": "note", "occurred_at": Utc::now(), "text": "Not my file"}),
    )
    .await;
    assert_eq!(r.status(), 403);
    let r = patch(&app, bruno, &path, Some("\"1\""), junk).await;
    assert_eq!(r.status(), 403);

    // Nothing was written.
    assert_eq!(diary_rows(&app, &file), 1);
    let now: Value = get(&app, edo, &path).await.json().await.unwrap();
    assert_eq!(now["text"], "Original");
    assert_eq!(now["version"], 1);
}

/// The gate decides in the transaction that writes: once the case manager ends a member's
/// assignment, that member's next write is refused and stores nothing.
async fn a_member_removed_from_the_team_writes_no_more(app: TestApp) {
    let o = office(&app).await;
    let (_, edo) = &o.edo;
    let (file, _) = open_file(&app, &o, "Teo").await;
    let entry = write_entry(
        &app,
        edo,
        &file,
        json!({"kind": "note", "occurred_at": Utc::now(), "text": "Before"}),
    )
    .await;
    let path = format!(
        "/case-files/{file}/diary-entries/{}",
        entry["id"].as_str().unwrap()
    );
    end_edo_assignment(&app, &o, &file).await;

    let r = post(
        &app,
        edo,
        &format!("/case-files/{file}/diary-entries"),
        json!({"kind": "note", "occurred_at": Utc::now(), "text": "After"}),
    )
    .await;
    assert_eq!(r.status(), 403);
    let record = last_audit(&app);
    assert_eq!(record.outcome, "denied");
    // Not even the author's own entry, within its 24 hours.
    let r = patch(&app, edo, &path, Some("\"1\""), json!({"text": "Changed"})).await;
    assert_eq!(r.status(), 403);
    let r = post(
        &app,
        edo,
        &format!("/case-files/{file}/assessments"),
        json!({"scores": scores([1; 8])}),
    )
    .await;
    assert_eq!(r.status(), 403);

    assert_eq!(diary_rows(&app, &file), 1);
    let (_, anna) = &o.anna;
    let now: Value = get(&app, anna, &path).await.json().await.unwrap();
    assert_eq!(now["text"], "Before");
    let list: Value = get(&app, anna, &format!("/case-files/{file}/assessments"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([]));
}

/// Every list read's audit record links the person the answer shows.
async fn casework_lists_link_the_person_they_show(app: TestApp) {
    let o = office(&app).await;
    let (_, anna) = &o.anna;
    let (file, person) = open_file(&app, &o, "Ada").await;
    let person = uuid::Uuid::parse_str(&person).unwrap();
    write_entry(
        &app,
        anna,
        &file,
        json!({"kind": "note", "occurred_at": Utc::now(), "text": "Seen"}),
    )
    .await;
    let r = post(
        &app,
        anna,
        &format!("/case-files/{file}/assessments"),
        json!({"scores": scores([1; 8])}),
    )
    .await;
    assert_eq!(r.status(), 201);
    for (path, action) in [
        (
            format!("/case-files/{file}/diary-entries"),
            "diary_entry.list",
        ),
        (format!("/case-files/{file}/assessments"), "assessment.list"),
        (
            format!("/case-files/{file}/assessments/latest"),
            "assessment.read",
        ),
    ] {
        let r = get(&app, anna, &path).await;
        assert_eq!(r.status(), 200, "{path}");
        let record = &app.audit_entries(1)[0];
        assert_eq!(record.action, action);
        assert_eq!(record.outcome, "success");
        assert_eq!(record.persons, [person], "{action}");
    }
}
