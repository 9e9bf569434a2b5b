//! Persons: registration with duplicate checks, correction with ETag/If-Match, annulment,
//! idempotent writes and search — each on SQLite and on PostgreSQL.

use chrono::NaiveDate;
use serde_json::{Value, json};
use socialcare_domain::tax_code::{TaxCodeSex, encode_personal, name_code, surname_code};
use socialcare_tests::{TestApp, on_both_engines, user_password};

on_both_engines!(
    registering_returns_the_person_with_its_etag,
    an_idempotency_key_names_the_query_too,
    tax_code_and_name_duplicates_are_conflicts,
    invalid_input_points_at_each_field,
    updates_need_the_current_etag_and_one_concurrent_update_wins,
    annulment_keeps_the_record_and_frees_the_tax_code,
    idempotency_keys_replay_the_first_response,
    search_ignores_accents_case_and_order_and_pages_stably,
    fragment_pages_merge_every_word_it_starts,
    fragment_search_applies_every_other_criterion,
    only_staff_who_work_cases_may_touch_persons,
    invisible_characters_are_removed_from_names,
);

fn tax_code(family: &str, given: &str, birth: (i32, u32, u32), sex: TaxCodeSex) -> String {
    encode_personal(
        &surname_code(family),
        &name_code(given),
        NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2).unwrap(),
        sex,
        "L378",
    )
    .unwrap()
    .as_str()
    .to_owned()
}

fn maria() -> Value {
    json!({
        "given_names": "Maria Grazia",
        "family_names": "D'Angelo",
        "birth_date": "1985-03-12",
        "birth_place": "Trento",
        "sex": "female",
        "citizenship": "it",
        "tax_code": tax_code("D'Angelo", "Maria Grazia", (1985, 3, 12), TaxCodeSex::Female).to_lowercase(),
        "residence": {"kind": "fictitious", "street": "Via dei Mille 1", "postal_code": "38122", "municipality": "Trento", "province": "tn"},
        "phone": "+39 333 1234567",
        "languages": ["it", "en"]
    })
}

struct Worker {
    token: String,
}

async fn worker(app: &TestApp) -> Worker {
    let admin = app.admin_token().await;
    app.create_user(&admin, "worker", &["social_worker"], &["social_inclusion"])
        .await;
    let (token, _) = app.tokens("worker", &user_password("worker")).await;
    Worker { token }
}

async fn post(app: &TestApp, w: &Worker, path: &str, body: &Value) -> reqwest::Response {
    app.post(&w.token, path, body).await
}

async fn get(app: &TestApp, w: &Worker, path: &str) -> reqwest::Response {
    app.get(&w.token, path).await
}

async fn put(
    app: &TestApp,
    w: &Worker,
    path: &str,
    etag: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    app.put_if(&w.token, path, etag, body).await
}

async fn registering_returns_the_person_with_its_etag(app: TestApp) {
    let w = worker(&app).await;
    let r = post(&app, &w, "/persons", &maria()).await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["etag"], "\"1\"");
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = r.json().await.unwrap();
    let id = body["id"].as_str().unwrap();
    assert_eq!(location, format!("/api/v1/persons/{id}"));
    assert_eq!(body["given_names"], "Maria Grazia");
    assert_eq!(body["citizenship"], "IT");
    assert_eq!(
        body["tax_code"],
        maria()["tax_code"].as_str().unwrap().to_uppercase()
    );
    assert_eq!(body["residence"]["province"], "TN");
    assert_eq!(body["languages"], json!(["en", "it"]));
    assert_eq!(body["version"], 1);
    assert_eq!(body["warnings"], json!([]));
    assert!(body["annulment"].is_null());
    let me: Value = get(&app, &w, "/me").await.json().await.unwrap();
    assert_eq!(body["created_by"], me["id"]);

    let audit = &app.audit(1)[0];
    assert_eq!(
        (audit.action.as_str(), audit.resource_id.as_deref()),
        ("person.create", Some(id))
    );

    let read = get(&app, &w, &format!("/persons/{id}")).await;
    assert_eq!(read.status(), 200);
    assert_eq!(read.headers()["etag"], "\"1\"");
    let read: Value = read.json().await.unwrap();
    assert_eq!(read, body);
    assert_eq!(app.audit(1)[0].action, "person.read");

    // A tax code that contradicts the birth date is kept, with a warning.
    let mut other = maria();
    other["given_names"] = json!("Anna");
    other["family_names"] = json!("Bianchi");
    other["tax_code"] = json!(tax_code(
        "Bianchi",
        "Anna",
        (1990, 7, 1),
        TaxCodeSex::Female
    ));
    let r = post(&app, &w, "/persons", &other).await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["warnings"][0]["field"], "birth_date");

    // Persons without a tax code, born abroad, without residence are normal.
    let r = post(
        &app,
        &w,
        "/persons",
        &json!({"given_names": "Ion", "family_names": "Popescu", "citizenship": "RO"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["residence"]["kind"], "none");
    assert!(body["tax_code"].is_null());

    let missing = get(&app, &w, &format!("/persons/{}", uuid::Uuid::now_v7())).await;
    assert_eq!(missing.status(), 404);
}

async fn tax_code_and_name_duplicates_are_conflicts(app: TestApp) {
    let w = worker(&app).await;
    let first: Value = post(&app, &w, "/persons", &maria())
        .await
        .json()
        .await
        .unwrap();

    // Same tax code, other name: 409 naming the existing person, even when confirmed.
    let mut same_code = maria();
    same_code["given_names"] = json!("Someone");
    same_code["family_names"] = json!("Else");
    for path in ["/persons", "/persons?confirm_new_person=true"] {
        let r = post(&app, &w, path, &same_code).await;
        assert_eq!(r.status(), 409);
        let problem: Value = r.json().await.unwrap();
        assert_eq!(problem["type"], "urn:socialcare:problem:duplicate-person");
        assert_eq!(problem["duplicates"], json!([first["id"]]));
    }

    // Same name in another order, case and accents, same birth date, no tax code: candidates.
    let lookalike = json!({"given_names": "MARIA grazìa", "family_names": "d angelo", "birth_date": "1985-03-12"});
    let r = post(&app, &w, "/persons", &lookalike).await;
    assert_eq!(r.status(), 409);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["duplicates"], json!([first["id"]]));
    // Confirmed, it is registered.
    let r = post(&app, &w, "/persons?confirm_new_person=true", &lookalike).await;
    assert_eq!(r.status(), 201);
    // Another birth date is no duplicate.
    let r = post(&app, &w, "/persons", &json!({"given_names": "Maria Grazia", "family_names": "D'Angelo", "birth_date": "1986-03-12"})).await;
    assert_eq!(r.status(), 201);

    let count = app
        .db()
        .read(|c| {
            use diesel::prelude::*;
            Ok(socialcare_persistence::schema::persons::table
                .count()
                .get_result::<i64>(c)?)
        })
        .unwrap();
    assert_eq!(count, 3);
}

async fn invalid_input_points_at_each_field(app: TestApp) {
    let w = worker(&app).await;
    let r = post(
        &app,
        &w,
        "/persons",
        &json!({
            "given_names": "Luca", "family_names": "Verdi", "birth_date": "2100-01-01",
            "citizenship": "XX", "tax_code": "RSSMRA85T10A562X",
            "residence": {"kind": "residence"}, "languages": ["italiano"], "email": "nope"
        }),
    )
    .await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    let mut pointers: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    pointers.sort();
    assert_eq!(
        pointers,
        vec![
            "/birth_date",
            "/citizenship",
            "/email",
            "/languages/0",
            "/residence/municipality",
            "/tax_code"
        ]
    );
    let r = post(
        &app,
        &w,
        "/persons",
        &json!({"given_names": "Luca", "family_names": "Verdi", "sex": "x"}),
    )
    .await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["pointer"], "/sex");
    let r = post(&app, &w, "/persons", &json!({"given_names": "Luca"})).await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["pointer"], "/family_names");
    // Nothing was written.
    assert!(app.audit(5).iter().all(|a| a.action != "person.create"));
}

async fn updates_need_the_current_etag_and_one_concurrent_update_wins(app: TestApp) {
    let w = worker(&app).await;
    let created: Value = post(&app, &w, "/persons", &maria())
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/persons/{}", created["id"].as_str().unwrap());
    let mut changed = maria();
    changed["phone"] = json!("0461 123456");

    assert_eq!(put(&app, &w, &path, None, &changed).await.status(), 428);
    assert_eq!(
        put(&app, &w, &path, Some("\"7\""), &changed).await.status(),
        412
    );

    let r = put(&app, &w, &path, Some("\"1\""), &changed).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let updated: Value = r.json().await.unwrap();
    assert_eq!(updated["phone"], "0461 123456");
    assert_eq!(updated["created_at"], created["created_at"]);
    assert_eq!(app.audit(1)[0].action, "person.update");

    // Two updates of version 2 at the same time: exactly one wins, the other gets 412.
    let mut a = maria();
    a["phone"] = json!("111");
    let mut b = maria();
    b["phone"] = json!("222");
    let (ra, rb) = tokio::join!(
        put(&app, &w, &path, Some("\"2\""), &a),
        put(&app, &w, &path, Some("\"2\""), &b)
    );
    let mut statuses = vec![ra.status().as_u16(), rb.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, vec![200, 412]);
    let winner = if ra.status() == 200 { "111" } else { "222" };
    let now: Value = get(&app, &w, &path).await.json().await.unwrap();
    assert_eq!(now["phone"], winner);
    assert_eq!(now["version"], 3);

    // Taking another person's tax code is a conflict.
    let other: Value = post(
        &app,
        &w,
        "/persons",
        &json!({"given_names": "Ugo", "family_names": "Neri",
        "tax_code": tax_code("Neri", "Ugo", (1970, 1, 1), TaxCodeSex::Male)}),
    )
    .await
    .json()
    .await
    .unwrap();
    let mut steal = maria();
    steal["tax_code"] = other["tax_code"].clone();
    let r = put(&app, &w, &path, Some("\"3\""), &steal).await;
    assert_eq!(r.status(), 409);
}

async fn annulment_keeps_the_record_and_frees_the_tax_code(app: TestApp) {
    let w = worker(&app).await;
    let created: Value = post(&app, &w, "/persons", &maria())
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let annul = |etag: Option<&'static str>, body: Value| {
        let mut request = app
            .client
            .post(app.api(&format!("/persons/{id}/annul")))
            .bearer_auth(&w.token)
            .json(&body);
        if let Some(etag) = etag {
            request = request.header("if-match", etag);
        }
        request.send()
    };
    assert_eq!(
        annul(Some("\"1\""), json!({"reason": "  "}))
            .await
            .unwrap()
            .status(),
        422
    );
    assert_eq!(
        annul(None, json!({"reason": "registered twice"}))
            .await
            .unwrap()
            .status(),
        428
    );
    let r = annul(Some("\"1\""), json!({"reason": "registered twice"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let annulled: Value = r.json().await.unwrap();
    assert_eq!(annulled["annulment"]["reason"], "registered twice");
    assert_eq!(annulled["version"], 2);
    let audit = &app.audit(1)[0];
    assert_eq!(audit.action, "person.annul");
    assert!(
        audit
            .details
            .as_deref()
            .unwrap()
            .contains("registered twice")
    );

    // Still readable, no longer searchable (unless asked), no longer changeable.
    assert_eq!(get(&app, &w, &format!("/persons/{id}")).await.status(), 200);
    let page: Value = get(&app, &w, "/persons?q=angelo")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"], json!([]));
    let page: Value = get(&app, &w, "/persons?q=angelo&include_annulled=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["id"], created["id"]);
    assert_eq!(
        put(&app, &w, &format!("/persons/{id}"), Some("\"2\""), &maria())
            .await
            .status(),
        409
    );
    assert_eq!(
        annul(Some("\"2\""), json!({"reason": "again"}))
            .await
            .unwrap()
            .status(),
        409
    );

    // Its tax code is free again.
    assert_eq!(post(&app, &w, "/persons", &maria()).await.status(), 201);
}

async fn idempotency_keys_replay_the_first_response(app: TestApp) {
    let w = worker(&app).await;
    let send = |key: &'static str, body: Value| {
        app.client
            .post(app.api("/persons"))
            .bearer_auth(&w.token)
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };
    let first = send("k-1", maria()).await.unwrap();
    assert_eq!(first.status(), 201);
    let first_body: Value = first.json().await.unwrap();
    let replay = send("k-1", maria()).await.unwrap();
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.headers()["etag"], "\"1\"");
    let replay_body: Value = replay.json().await.unwrap();
    assert_eq!(replay_body, first_body);
    let mut other = maria();
    other["phone"] = json!("999");
    let misuse = send("k-1", other).await.unwrap();
    assert_eq!(misuse.status(), 422);
    let problem: Value = misuse.json().await.unwrap();
    assert_eq!(problem["errors"][0]["parameter"], "Idempotency-Key");
    // One person, one audit record of the creation.
    let page: Value = get(&app, &w, "/persons?q=maria")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.audit(20)
            .iter()
            .filter(|a| a.action == "person.create")
            .count(),
        1
    );
    // Keys are per user: another user's same key is a new request.
    let admin = app.admin_token().await;
    app.create_user(&admin, "second", &["educator"], &["transversal"])
        .await;
    let (token, _) = app.tokens("second", &user_password("second")).await;
    let r = app
        .client
        .post(app.api("/persons"))
        .bearer_auth(&token)
        .header("idempotency-key", "k-1")
        .json(&json!({"given_names": "Ada", "family_names": "Lovelace"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert!(r.headers().get("idempotent-replayed").is_none());
}

async fn search_ignores_accents_case_and_order_and_pages_stably(app: TestApp) {
    let w = worker(&app).await;
    for (given, family, birth) in [
        ("Maria", "Rossi", "1980-01-01"),
        ("Mario", "Rossi", "1981-01-01"),
        ("José", "Álvarez Pérez", "1990-05-05"),
        ("Nicolò", "De Gasperi", "1975-02-02"),
        ("Amina", "Diallo", "2001-09-09"),
    ] {
        let r = post(
            &app,
            &w,
            "/persons",
            &json!({"given_names": given, "family_names": family, "birth_date": birth}),
        )
        .await;
        assert_eq!(r.status(), 201);
    }
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{} {}",
                    p["given_names"].as_str().unwrap(),
                    p["family_names"].as_str().unwrap()
                )
            })
            .collect()
    };
    let page: Value = get(&app, &w, "/persons?q=ROSSI%20mari")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(&page), vec!["Maria Rossi", "Mario Rossi"]);
    let page: Value = get(&app, &w, "/persons?q=perez%20jose")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(&page), vec!["José Álvarez Pérez"]);
    let page: Value = get(&app, &w, "/persons?q=nicolo")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(&page), vec!["Nicolò De Gasperi"]);
    let page: Value = get(&app, &w, "/persons?birth_date=2001-09-09")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(&page), vec!["Amina Diallo"]);
    let record = &app.audit(1)[0];
    assert_eq!(record.action, "person.search");
    assert!(
        record
            .details
            .as_deref()
            .unwrap()
            .contains(page["items"][0]["id"].as_str().unwrap())
    );

    // Pages of 2 in alphabetical order; a person added between pages before the cursor does not
    // shift the following pages.
    let first: Value = get(&app, &w, "/persons?limit=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        names(&first),
        vec!["José Álvarez Pérez", "Nicolò De Gasperi"]
    );
    post(
        &app,
        &w,
        "/persons",
        &json!({"given_names": "Aldo", "family_names": "Abate"}),
    )
    .await;
    let next = first["next"].as_str().unwrap();
    let second: Value = app
        .client
        .get(format!("{}{next}", app.address))
        .bearer_auth(&w.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(names(&second), vec!["Amina Diallo", "Maria Rossi"]);
    let next = second["next"].as_str().unwrap();
    let third: Value = app
        .client
        .get(format!("{}{next}", app.address))
        .bearer_auth(&w.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(names(&third), vec!["Mario Rossi"]);
    assert!(third["next"].is_null());

    let bad = get(&app, &w, "/persons?cursor=garbage").await;
    assert_eq!(bad.status(), 400);
}

/// A fragment that starts several index words (`mari`: maria, mariani, marina, marini, mario)
/// reads each word's persons in alphabetical order and merges them: pages stay alphabetical, a
/// person under two of the words comes once, the cursor continues across words, and the other
/// criteria still apply.
async fn fragment_pages_merge_every_word_it_starts(app: TestApp) {
    let w = worker(&app).await;
    for (given, family) in [
        ("Maria", "Mariani"),
        ("Mario", "Rossi"),
        ("Marina", "Bianchi"),
        ("Anna", "Marini"),
        ("Luca", "Verdi"),
        ("Marisa", "Abate"),
    ] {
        let r = post(
            &app,
            &w,
            "/persons",
            &json!({"given_names": given, "family_names": family}),
        )
        .await;
        assert_eq!(r.status(), 201);
    }
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["family_names"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut seen = Vec::new();
    let mut path = "/api/v1/persons?q=mari&limit=2".to_owned();
    loop {
        let page: Value = app
            .client
            .get(format!("{}{path}", app.address))
            .bearer_auth(&w.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(page["items"].as_array().unwrap().len() <= 2);
        seen.extend(names(&page));
        match page["next"].as_str() {
            Some(next) => path = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, vec!["Abate", "Bianchi", "Mariani", "Marini", "Rossi"]);
    // Two words: the longer drives, the shorter filters.
    let page: Value = get(&app, &w, "/persons?q=mari%20ros")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(&page), vec!["Rossi"]);
    let page: Value = get(&app, &w, "/persons?q=mariani%20m")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(&page), vec!["Mariani"]);
}

/// With a name fragment that starts several index words, every other criterion still applies
/// (PostgreSQL reads all the words' pages in one statement, SQLite one statement per word: the
/// two must agree): the other words, tax code, birth date, annulment, and the area, status and
/// target group of a case file.
async fn fragment_search_applies_every_other_criterion(app: TestApp) {
    let admin = app.admin_token().await;
    let me = app
        .create_user(&admin, "worker", &["social_worker"], &["social_inclusion"])
        .await;
    let (token, _) = app.tokens("worker", &user_password("worker")).await;
    let w = Worker { token };
    let abate_code = tax_code("Abate", "Maria", (1980, 1, 1), TaxCodeSex::Female);
    let mut ids = std::collections::HashMap::new();
    for (given, family, sex, birth, code) in [
        (
            "Maria",
            "Abate",
            "female",
            Some("1980-01-01"),
            Some(abate_code.as_str()),
        ),
        ("Mario", "Bianchi", "male", Some("1980-01-01"), None),
        ("Marina", "Conti", "female", None, None),
        ("Marisa", "Donati", "female", None, None),
        ("Luca", "Mariani", "male", None, None),
    ] {
        let r = post(
            &app,
            &w,
            "/persons",
            &json!({"given_names": given, "family_names": family, "sex": sex,
                    "birth_date": birth, "birth_place": "Trento", "tax_code": code}),
        )
        .await;
        assert_eq!(r.status(), 201, "{family}");
        let body: Value = r.json().await.unwrap();
        ids.insert(family, body["id"].as_str().unwrap().to_owned());
    }
    for (family, group) in [("Abate", "homeless"), ("Conti", "adult_in_need")] {
        let r = post(
            &app,
            &w,
            "/case-files",
            &json!({"person_id": ids[family], "area": "social_inclusion",
                    "case_manager_id": me["id"], "target_groups": [group]}),
        )
        .await;
        assert_eq!(r.status(), 201, "case file of {family}");
    }
    let annulled = app
        .client
        .post(app.api(&format!("/persons/{}/annul", ids["Donati"])))
        .bearer_auth(&w.token)
        .header("if-match", "\"1\"")
        .json(&json!({"reason": "registered by mistake"}))
        .send()
        .await
        .unwrap();
    assert_eq!(annulled.status(), 200);

    let names = |page: Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["family_names"].as_str().unwrap().to_owned())
            .collect()
    };
    for (query, expected) in [
        ("q=mari", vec!["Abate", "Bianchi", "Conti", "Mariani"]),
        (
            "q=mari&include_annulled=true",
            vec!["Abate", "Bianchi", "Conti", "Donati", "Mariani"],
        ),
        ("q=mari%20bia", vec!["Bianchi"]),
        ("q=mari%20l", vec!["Mariani"]),
        ("q=mari&birth_date=1980-01-01", vec!["Abate", "Bianchi"]),
        (&format!("q=mari&tax_code={abate_code}"), vec!["Abate"]),
        ("q=mari&area=social_inclusion", vec!["Abate", "Conti"]),
        ("q=mari&area=transversal", vec![]),
        ("q=mari&target_group=homeless", vec!["Abate"]),
        ("q=mari&case_status=intake", vec!["Abate", "Conti"]),
        ("q=mari&case_status=closed", vec![]),
        (
            "q=mari&area=social_inclusion&target_group=adult_in_need&case_status=intake",
            vec!["Conti"],
        ),
        (
            "q=mari&birth_date=1980-01-01&area=social_inclusion",
            vec!["Abate"],
        ),
    ] {
        let r = get(&app, &w, &format!("/persons?{query}")).await;
        assert_eq!(r.status(), 200, "{query}");
        assert_eq!(names(r.json().await.unwrap()), expected, "{query}");
    }
    // Paging with a criterion: the cursor continues after the last person shown.
    let first: Value = get(&app, &w, "/persons?q=mari&area=social_inclusion&limit=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(first.clone()), vec!["Abate"]);
    let next = first["next"].as_str().unwrap();
    let second: Value = app
        .client
        .get(format!("{}{next}", app.address))
        .bearer_auth(&w.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(names(second.clone()), vec!["Conti"]);
    assert_eq!(second["next"], Value::Null);
}

async fn only_staff_who_work_cases_may_touch_persons(app: TestApp) {
    let w = worker(&app).await;
    let created: Value = post(&app, &w, "/persons", &maria())
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let admin = app.admin_token().await;
    app.create_user(&admin, "dpo", &["privacy_officer"], &[])
        .await;
    let (dpo, _) = app.tokens("dpo", &user_password("dpo")).await;
    for token in [admin.as_str(), dpo.as_str()] {
        for request in [
            app.client.get(app.api("/persons")),
            app.client.get(app.api(&format!("/persons/{id}"))),
            app.client.post(app.api("/persons")).json(&maria()),
            app.client
                .put(app.api(&format!("/persons/{id}")))
                .header("if-match", "\"1\"")
                .json(&maria()),
            app.client
                .post(app.api(&format!("/persons/{id}/annul")))
                .header("if-match", "\"1\"")
                .json(&json!({"reason": "x"})),
        ] {
            let r = request.bearer_auth(token).send().await.unwrap();
            assert_eq!(r.status(), 403);
            assert_eq!(app.audit(1)[0].outcome, "denied");
        }
    }
    // Without a token: 401, before the body is looked at.
    let r = app
        .client
        .post(app.api("/persons"))
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

async fn invisible_characters_are_removed_from_names(app: TestApp) {
    let w = worker(&app).await;
    // A zero-width space, a soft hyphen, a bidi override and a decomposed accent.
    let r = post(
        &app,
        &w,
        "/persons",
        &json!({"given_names": "Ma\u{200B}rio Nicc\u{6F}\u{300}lo",
            "family_names": "\u{202E}Ros\u{AD}si\u{FEFF}", "birth_date": "1980-01-01"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["given_names"], "Mario Nicc\u{F2}lo");
    assert_eq!(created["family_names"], "Rossi");
    let id = created["id"].as_str().unwrap().to_owned();
    // Stored clean: read back.
    let stored: Value = get(&app, &w, &format!("/persons/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["given_names"], "Mario Nicc\u{F2}lo");
    assert_eq!(stored["family_names"], "Rossi");

    // The plain spelling is its duplicate.
    let r = post(
        &app,
        &w,
        "/persons",
        &json!({"given_names": "Mario Niccolò", "family_names": "Rossi", "birth_date": "1980-01-01"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["duplicates"], json!([id]));

    // Found by the plain spelling and by one with invisible characters.
    for q in [
        "Mario",
        "Ma%E2%80%8Brio",
        "Nicc%C3%B2lo",
        "nicco%CC%80lo",
        "ros%C2%ADsi",
    ] {
        let page: Value = get(&app, &w, &format!("/persons?q={q}"))
            .await
            .json()
            .await
            .unwrap();
        let ids: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, vec![id.as_str()], "q={q}");
    }
}

/// `Idempotency-Key` replays only the same request: the same body with another query string
/// (`?confirm_new_person=…`) is another request (422), never the replay of the first answer.
async fn an_idempotency_key_names_the_query_too(app: TestApp) {
    let w = worker(&app).await;
    let body = json!({"given_names": "Maria", "family_names": "Rossi"});
    let send = |query: &'static str| {
        let (app, w, body) = (&app, &w, &body);
        async move {
            app.call(reqwest::Method::POST, &w.token, &format!("/persons{query}"))
                .header_key("idem-person-1")
                .json(body)
                .send()
                .await
        }
    };
    let first = send("").await;
    assert_eq!(first.status(), 201);
    let replay = send("").await;
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    for query in [
        "?confirm_new_person=true",
        "?confirm_new_person=null&confirm_new_person=null",
    ] {
        let r = send(query).await;
        let status = r.status();
        let problem: Value = r.json().await.unwrap();
        assert_eq!(status, 422, "{query}: {problem}");
        assert_eq!(
            problem["errors"][0]["parameter"], "Idempotency-Key",
            "{query}"
        );
    }
    let found = get(&app, &w, "/persons?q=maria").await;
    let page: Value = found.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
}
