//! Care resources and their waiting lists over HTTP, each test on SQLite and on PostgreSQL:
//! the criteria sets published in versions never changed, each criterion with the scale of
//! its kind; the resources with their places over time and the set version in force.

use serde_json::{Value, json};
use socialcare_tests::http::{created, day, etag_of, id_of, pointers};
use socialcare_tests::{TestApp, on_both_engines};

on_both_engines!(
    criteria_sets_are_published_in_versions_never_changed,
    resources_keep_their_places_over_time,
    demo_data_has_resources_of_every_kind,
    applications_get_protocol_numbers_and_keep_their_inputs,
    simultaneous_applications_get_distinct_protocol_numbers,
    the_ranking_orders_and_explains_without_special_categories,
    applications_are_suspended_reconfirmed_and_expire_from_the_agenda,
    offers_and_admissions_hold_places_until_declined_lapsed_or_left,
    simultaneous_admissions_never_exceed_the_places,
    rankings_are_published_without_names_and_re_ranked_by_decision,
    benefits_are_recorded_with_their_code_isee_and_decision,
    a_kept_ranking_follows_every_change_from_any_process,
);

async fn problem(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn criteria_set(code: &str, from: &str) -> Value {
    json!({"code": code, "title": "Servizi residenziali per persone con disabilità",
    "effective_from": from,
    "criteria": [
        {"kind": "urgency", "label": "Urgenza", "levels": {"0": 0, "1": 5, "2": 10, "3": 20}},
        {"kind": "family_support", "label": "Rete familiare",
            "levels": {"full": 0, "partial": 4, "none": 8}},
        {"kind": "disability_severity", "label": "Gravità (L. 104/1992)",
            "levels": {"none": 0, "recognised": 6, "severe": 12}},
        {"kind": "isee", "label": "ISEE", "bands": [{"up_to": "7500.00", "points": 10},
            {"up_to": "15000.00", "points": 5}], "above": 0, "missing": 0},
        {"kind": "minors_in_household", "label": "Minori nel nucleo",
            "levels": {"no": 0, "yes": 3}},
        {"kind": "months_on_list", "label": "Mesi in lista", "per_month": 1, "max": 12}
    ]})
}

async fn criteria_sets_are_published_in_versions_never_changed(app: TestApp) {
    let admin = app.admin_token().await;
    let clerk = app
        .staff(&admin, "clerk", &["administrative"], &["adults_disability"])
        .await;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["adults_disability"])
        .await;
    // A social worker reads the sets but does not publish them: 403 before the body.
    let (status, _) = problem(app.post(&anna.1, "/criteria-sets", &json!({})).await).await;
    assert_eq!(status, 403);
    assert_eq!(app.audit(1)[0].action, "resources.manage");
    // Every rule with its pointer.
    let base = criteria_set("rsa", &day(0));
    let with = |pointer: &str, value: Value| {
        let mut b = base.clone();
        *b.pointer_mut(pointer).unwrap() = value;
        b
    };
    for (body, expected) in [
        (with("/effective_from", json!(day(-1))), "/effective_from"),
        (with("/effective_from", json!(day(800))), "/effective_from"),
        (with("/code", json!("RSA")), "/code"),
        (with("/title", json!("\u{200B}")), "/title"),
        (
            with(
                "/criteria/0/levels",
                json!({"0": 0, "1": 5, "2": 3, "3": 20}),
            ),
            "/criteria/0/scale",
        ),
        (
            with("/criteria/0/levels", json!({"0": 0, "1": 5, "2": 10})),
            "/criteria/0/levels",
        ),
        (
            with(
                "/criteria/1/levels",
                json!({"full": 0, "partial": 4, "nobody": 8}),
            ),
            "/criteria/1/levels",
        ),
        (
            with(
                "/criteria/1",
                json!({"kind": "urgency", "label": "Ancora urgenza",
                    "levels": {"0": 0, "1": 1, "2": 2, "3": 3}}),
            ),
            "/criteria/1/kind",
        ),
        (
            with("/criteria/3/bands/1/up_to", json!("15000")),
            "/criteria/3/bands/1/up_to",
        ),
        (
            with("/criteria/3/bands/1/points", json!(12)),
            "/criteria/3/scale",
        ),
        (with("/criteria/5/max", json!(1001)), "/criteria/5/max"),
        (
            with("/criteria/4/label", json!("Minori\u{0}")),
            "/criteria/4/label",
        ),
    ] {
        let (status, p) = problem(app.post(&clerk.1, "/criteria-sets", &body).await).await;
        assert_eq!(status, 422, "{body}: {p}");
        assert_eq!(pointers(&p), [expected], "{body}");
    }
    let mut extra = base.clone();
    extra["criteria"][5]["levels"] = json!({"0": 1});
    let (status, p) = problem(app.post(&clerk.1, "/criteria-sets", &extra).await).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/criteria/5/levels"]);
    // Version 1, then 2 of the same code; another code starts at 1.
    let r = app.post(&clerk.1, "/criteria-sets", &base).await;
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let first: Value = r.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/criteria-sets/{}", id_of(&first)));
    assert_eq!(first["version"], 1);
    assert_eq!(first["max_score"], 20 + 8 + 12 + 10 + 3 + 12);
    assert_eq!(first["criteria"], base["criteria"]);
    let entry = &app.audit(1)[0];
    assert_eq!(entry.action, "criteria_set.publish");
    let second = created(
        app.post(&clerk.1, "/criteria-sets", &criteria_set("rsa", &day(30)))
            .await,
    )
    .await;
    assert_eq!(second["version"], 2);
    let other = created(
        app.post(
            &clerk.1,
            "/criteria-sets",
            &criteria_set("centro_diurno", &day(0)),
        )
        .await,
    )
    .await;
    assert_eq!(other["version"], 1);
    // Read by whoever works cases; listed by code then version, one code at a time, in pages.
    let read = app
        .get_ok(&anna.1, &format!("/criteria-sets/{}", id_of(&first)))
        .await;
    assert_eq!(read, first);
    let list = app.get_ok(&anna.1, "/criteria-sets?code=rsa").await;
    let versions: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [1, 2]);
    let page = app.get_ok(&anna.1, "/criteria-sets?limit=2").await;
    assert_eq!(page["items"][0]["code"], "centro_diurno");
    let next = page["next"].as_str().unwrap().trim_start_matches("/api/v1");
    let rest = app.get_ok(&anna.1, next).await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest["items"][0]["version"], 2);
    assert_eq!(rest["next"], Value::Null);
    for bad in ["/criteria-sets?code=RSA", "/criteria-sets?cursor=abc"] {
        assert_eq!(app.get(&anna.1, bad).await.status(), 400, "{bad}");
    }
    assert_eq!(
        app.get(&anna.1, &format!("/criteria-sets/{}", uuid::Uuid::now_v7()))
            .await
            .status(),
        404
    );
    // The privacy officer works no cases.
    let dpo = app
        .staff(&admin, "dpo", &["privacy_officer"], &["adults_disability"])
        .await;
    assert_eq!(app.get(&dpo.1, "/criteria-sets").await.status(), 403);
    // The database itself refuses to change a published version.
    let refused = app.db().write(|c| {
        use diesel::RunQueryDsl;
        diesel::sql_query("UPDATE criteria SET label = 'x'")
            .execute(c)
            .map_err(socialcare_persistence::StoreError::from)
    });
    assert!(refused.is_err(), "a published criterion was changed");
    let refused = app.db().write(|c| {
        use diesel::RunQueryDsl;
        diesel::sql_query("DELETE FROM criteria_sets")
            .execute(c)
            .map_err(socialcare_persistence::StoreError::from)
    });
    assert!(refused.is_err(), "a published set was deleted");
}

async fn resources_keep_their_places_over_time(app: TestApp) {
    let admin = app.admin_token().await;
    let clerk = app
        .staff(&admin, "clerk", &["administrative"], &["adults_disability"])
        .await;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["adults_disability"])
        .await;
    let v1 = created(
        app.post(&clerk.1, "/criteria-sets", &criteria_set("rsa", &day(0)))
            .await,
    )
    .await;
    let v2 = created(
        app.post(&clerk.1, "/criteria-sets", &criteria_set("rsa", &day(10)))
            .await,
    )
    .await;
    let body = json!({"kind": "disability_residential", "name": "Residenza Il Girasole",
        "managing_body": "Cooperativa sociale Il Girasole", "area": "adults_disability",
        "criteria_code": "rsa", "reconfirm_months": 12, "places": 20,
        "places_from": day(-30)});
    assert_eq!(
        problem(app.post(&anna.1, "/resources", &json!({})).await)
            .await
            .0,
        403
    );
    assert_eq!(app.audit(1)[0].action, "resources.manage");
    for (change, expected) in [
        (json!({"criteria_code": "nessuno"}), "/criteria_code"),
        (json!({"places": null}), "/places"),
        (json!({"places": 100_001}), "/places"),
        (json!({"reconfirm_months": 0}), "/reconfirm_months"),
        (json!({"kind": "hotel"}), "/kind"),
        (json!({"name": "\u{200B} "}), "/name"),
        (json!({"places_from": "0000-01-01"}), "/places_from"),
    ] {
        let mut b = body.clone();
        for (k, v) in change.as_object().unwrap() {
            b[k] = v.clone();
        }
        let (status, p) = problem(app.post(&clerk.1, "/resources", &b).await).await;
        assert!(status == 422 || status == 400, "{b}: {status} {p}");
        assert_eq!(pointers(&p), [expected], "{b}");
    }
    let r = app.post(&clerk.1, "/resources", &body).await;
    assert_eq!(r.status(), 201);
    assert_eq!(etag_of(&r), "\"1\"");
    let resource: Value = r.json().await.unwrap();
    let id = id_of(&resource);
    assert_eq!(resource["places_today"], 20);
    assert_eq!(resource["criteria_in_force"]["id"], v1["id"]);
    assert_eq!(resource["criteria_in_force"]["version"], 1);
    assert_eq!(
        resource["capacity"],
        json!([{"from_on": day(-30), "places": 20}])
    );
    // Places from a later day; the history stays; a change for the same day replaces it.
    let capacity = |from: String| format!("/resources/{id}/capacity/{from}");
    assert_eq!(
        app.put_if(&clerk.1, &capacity(day(5)), None, &json!({"places": 24}))
            .await
            .status(),
        428
    );
    assert_eq!(
        app.put_if(
            &clerk.1,
            &capacity("2026-13-01".into()),
            Some("\"1\""),
            &json!({"places": 24})
        )
        .await
        .status(),
        400
    );
    assert_eq!(
        app.put_if(
            &clerk.1,
            &capacity("1800-01-01".into()),
            Some("\"1\""),
            &json!({"places": 24})
        )
        .await
        .status(),
        400
    );
    let r = app
        .put_if(
            &clerk.1,
            &capacity(day(5)),
            Some("\"1\""),
            &json!({"places": 23}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .put_if(
            &clerk.1,
            &capacity(day(5)),
            Some("\"2\""),
            &json!({"places": 24}),
        )
        .await;
    assert_eq!(etag_of(&r), "\"3\"");
    let changed: Value = r.json().await.unwrap();
    assert_eq!(changed["places_today"], 20);
    assert_eq!(
        changed["capacity"],
        json!([{"from_on": day(-30), "places": 20}, {"from_on": day(5), "places": 24}])
    );
    assert_eq!(app.audit(1)[0].action, "resource.capacity");
    assert_eq!(
        app.put_if(
            &clerk.1,
            &capacity(day(6)),
            Some("\"1\""),
            &json!({"places": 1})
        )
        .await
        .status(),
        412
    );
    // Replaced without the places, which change only from a day.
    let mut replace = body.clone();
    replace["name"] = json!("Residenza Il Girasole (sede nuova)");
    assert_eq!(
        problem(
            app.put_if(
                &clerk.1,
                &format!("/resources/{id}"),
                Some("\"3\""),
                &replace
            )
            .await
        )
        .await
        .0,
        422
    );
    replace.as_object_mut().unwrap().remove("places");
    replace.as_object_mut().unwrap().remove("places_from");
    let r = app
        .put_if(
            &clerk.1,
            &format!("/resources/{id}"),
            Some("\"3\""),
            &replace,
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag_of(&r), "\"4\"");
    // Read and listed by whoever works cases, filtered by area and kind.
    let r = app.get(&anna.1, &format!("/resources/{id}")).await;
    assert_eq!(etag_of(&r), "\"4\"");
    let read: Value = r.json().await.unwrap();
    assert_eq!(read["name"], "Residenza Il Girasole (sede nuova)");
    assert_ne!(read["criteria_in_force"]["id"], v2["id"]);
    let list = app
        .get_ok(
            &anna.1,
            "/resources?area=adults_disability&kind=disability_residential",
        )
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let none = app.get_ok(&anna.1, "/resources?kind=meals").await;
    assert!(none["items"].as_array().unwrap().is_empty());
    assert_eq!(
        app.get(&anna.1, "/resources?kind=hotel").await.status(),
        400
    );
    assert_eq!(
        app.put_if(
            &anna.1,
            &format!("/resources/{id}"),
            Some("\"4\""),
            &replace
        )
        .await
        .status(),
        403
    );
}

async fn demo_data_has_resources_of_every_kind(app: TestApp) {
    let summary = socialcare_api::demo::load(app.db(), 5, 20).unwrap();
    assert_eq!(summary.resources, 6);
    let admin = app.admin_token().await;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["adults_disability"])
        .await;
    let list = app.get_ok(&anna.1, "/resources").await;
    let items = list["items"].as_array().unwrap();
    let mut kinds: Vec<&str> = items.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "disability_day_centre",
            "disability_residential",
            "home_care",
            "meals",
            "shelter_places",
            "social_housing"
        ]
    );
    for r in items {
        assert_eq!(r["criteria_in_force"]["version"], 1, "{r}");
        assert_eq!(r["capacity"].as_array().unwrap().len(), 2, "{r}");
    }
    let versions = app.get_ok(&anna.1, "/criteria-sets?code=disabilita").await;
    assert_eq!(versions["items"].as_array().unwrap().len(), 2);
    // Applications in several states, ranked for the office manager.
    assert!(summary.applications >= 6, "{}", summary.applications);
    let manager = app
        .staff(
            &admin,
            "dirigente",
            &["office_manager"],
            &["adults_disability"],
        )
        .await;
    let mut waiting = 0;
    for r in items {
        let ranking = app
            .get_ok(
                &manager.1,
                &format!("/resources/{}/ranking", r["id"].as_str().unwrap()),
            )
            .await;
        waiting += ranking["waiting"].as_u64().unwrap();
        let totals: Vec<u64> = ranking["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["total"].as_u64().unwrap())
            .collect();
        assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{ranking}");
    }
    assert!(waiting >= 4, "{waiting}");
    // Some hold places (offers and admissions), never more than the places.
    assert!(summary.admissions >= 1, "{}", summary.admissions);
    let mut held = 0;
    for r in items {
        let places = app
            .get_ok(
                &manager.1,
                &format!("/resources/{}/places", r["id"].as_str().unwrap()),
            )
            .await;
        let n = places["held"].as_u64().unwrap();
        assert!(n <= places["places_holdable"].as_u64().unwrap(), "{places}");
        assert_eq!(places["holders"].as_array().unwrap().len() as u64, n);
        held += n;
    }
    assert!(held >= summary.admissions as u64, "{held}");
    // Each demo admission has its benefit record.
    let benefits: i64 = app
        .db()
        .read(|c| {
            use diesel::prelude::*;
            use socialcare_persistence::schema::benefits;
            Ok(benefits::table
                .filter(benefits::source_kind.eq("admission"))
                .count()
                .get_result(c)?)
        })
        .unwrap();
    assert_eq!(benefits as usize, summary.admissions);
}

/// A criteria set `rsa` and a resource ranked by it, recorded by `clerk`; the resource's id.
async fn resource(app: &TestApp, clerk: &str, name: &str) -> String {
    if app.get_ok(clerk, "/criteria-sets?code=rsa").await["items"]
        .as_array()
        .unwrap()
        .is_empty()
    {
        created(
            app.post(clerk, "/criteria-sets", &criteria_set("rsa", &day(0)))
                .await,
        )
        .await;
    }
    let body = json!({"kind": "disability_residential", "name": name,
        "managing_body": "APSP", "area": "adults_disability", "criteria_code": "rsa",
        "reconfirm_months": 12, "places": 2});
    id_of(&created(app.post(clerk, "/resources", &body).await).await)
}

async fn applications_get_protocol_numbers_and_keep_their_inputs(app: TestApp) {
    let admin = app.admin_token().await;
    let clerk = app
        .staff(&admin, "clerk", &["administrative"], &["adults_disability"])
        .await;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["adults_disability"])
        .await;
    let bruno = app
        .staff(&admin, "bruno", &["social_worker"], &["social_inclusion"])
        .await;
    let rsa = resource(&app, &clerk.1, "Residenza Il Girasole").await;
    let day_centre = resource(&app, &clerk.1, "Centro diurno La Quercia").await;
    let person = app.register_person(&anna.1, "Paola", "Domanda").await;
    let file = id_of(
        &app.open_case_file(&anna.1, &person, "adults_disability", &anna.0, None)
            .await,
    );
    let path = format!("/case-files/{file}/applications");
    // Another area's social worker is refused before the body is judged.
    assert_eq!(
        problem(app.post(&bruno.1, &path, &json!({})).await).await.0,
        403
    );
    assert_eq!(app.audit(1)[0].action, "waiting_list.apply");
    for (body, pointer) in [
        (json!({"resource_id": uuid::Uuid::now_v7()}), "/resource_id"),
        (
            json!({"resource_id": rsa, "submitted_at": "2999-01-01T00:00:00Z"}),
            "/submitted_at",
        ),
        (
            json!({"resource_id": rsa, "submitted_at": "2020-01-01T00:00:00Z"}),
            "/submitted_at",
        ),
    ] {
        let (status, p) = problem(app.post(&clerk.1, &path, &body).await).await;
        assert_eq!(status, 422, "{body}: {p}");
        assert_eq!(pointers(&p), [pointer], "{body}");
    }
    // The area's clerk makes it: waiting, the year's first protocol number.
    let r = app
        .post(&clerk.1, &path, &json!({"resource_id": rsa}))
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(etag_of(&r), "\"1\"");
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let application: Value = r.json().await.unwrap();
    let id = id_of(&application);
    assert_eq!(location, format!("/api/v1/applications/{id}"));
    let year = &day(0)[..4];
    assert_eq!(application["protocol"], format!("{year}/000001"));
    assert_eq!(application["status"], "waiting");
    assert_eq!(application["person_id"], person.as_str());
    assert_eq!(application["submitted_on"], day(0));
    assert_eq!(application["inputs"], json!([]));
    let entry = &app.audit_entries(1)[0];
    assert_eq!(entry.row.action, "application.create");
    assert_eq!(entry.persons, [uuid::Uuid::parse_str(&person).unwrap()]);
    // One open application per resource; another resource takes the next number.
    assert_eq!(
        problem(
            app.post(&clerk.1, &path, &json!({"resource_id": rsa}))
                .await
        )
        .await
        .0,
        409
    );
    let other = created(
        app.post(&anna.1, &path, &json!({"resource_id": day_centre}))
            .await,
    )
    .await;
    assert_eq!(other["protocol"], format!("{year}/000002"));
    // Inputs: the urgency is the social worker's; the clerk is refused, and it is audited.
    let inputs = format!("/applications/{id}/inputs");
    let urgency = json!({"kind": "urgency", "level": "2"});
    assert_eq!(
        problem(app.post_if(&clerk.1, &inputs, "\"1\"", &urgency).await)
            .await
            .0,
        403
    );
    let refused = &app.audit_entries(1)[0];
    assert_eq!(refused.row.action, "application.input");
    assert_eq!(refused.row.outcome, "denied");
    assert_eq!(app.post(&anna.1, &inputs, &urgency).await.status(), 428);
    let r = app.post_if(&anna.1, &inputs, "\"1\"", &urgency).await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag_of(&r), "\"2\"");
    let with: Value = r.json().await.unwrap();
    assert_eq!(with["inputs"][0]["kind"], "urgency");
    assert_eq!(with["inputs"][0]["level"], "2");
    assert_eq!(with["inputs"][0]["source"], "social_worker_assessment");
    // Every rule with its pointer.
    for (body, pointer) in [
        (json!({"kind": "urgency", "level": "4"}), "/level"),
        (json!({"kind": "urgency"}), "/level"),
        (
            json!({"kind": "urgency", "level": "1", "source": "declaration"}),
            "/source",
        ),
        (
            json!({"kind": "isee", "isee": "6850.00", "source": "isee_certificate"}),
            "/reference",
        ),
        (
            json!({"kind": "isee", "isee": "6850", "source": "declaration"}),
            "/isee",
        ),
        (
            json!({"kind": "isee", "isee": "6850.00", "source": "declaration",
                "reference": "INPS-ISEE-2026-12345678X-00"}),
            "/reference",
        ),
        (
            json!({"kind": "family_support", "level": "none", "source": "declaration",
                "as_of": day(1)}),
            "/as_of",
        ),
        (
            json!({"kind": "family_support", "level": "none"}),
            "/source",
        ),
        (json!({"kind": "months_on_list", "level": "1"}), "/kind"),
        (
            json!({"kind": "disability_severity", "level": "severe"}),
            "/level",
        ),
    ] {
        let (status, p) = problem(app.post_if(&anna.1, &inputs, "\"2\"", &body).await).await;
        assert_eq!(status, 422, "{body}: {p}");
        assert_eq!(pointers(&p), [pointer], "{body}");
    }
    let r = app
        .post_if(
            &clerk.1,
            &inputs,
            "\"2\"",
            &json!({"kind": "isee", "isee": "6850.00", "source": "isee_certificate",
                "as_of": day(-10), "reference": "INPS-ISEE-2026-12345678X-00"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    // The disability severity comes from the health data, for whoever may read them.
    let severity = json!({"kind": "disability_severity"});
    assert_eq!(
        problem(app.post_if(&clerk.1, &inputs, "\"3\"", &severity).await)
            .await
            .0,
        403
    );
    let r = app
        .call(
            reqwest::Method::PUT,
            &anna.1,
            &format!("/persons/{person}/health-disability"),
        )
        .json(&json!({"law_104_recognised": true, "law_104_severe": true,
            "accompanying_allowance": false}))
        .send()
        .await;
    assert_eq!(r.status(), 201);
    let r = app.post_if(&anna.1, &inputs, "\"3\"", &severity).await;
    assert_eq!(r.status(), 200);
    let current: Value = r.json().await.unwrap();
    let disability = current["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "disability_severity")
        .unwrap()
        .clone();
    assert_eq!(disability["level"], "severe");
    assert_eq!(disability["source"], "health_disability_data");
    assert_eq!(disability["withheld"], false);
    // A correction is a newer input: the current value changes, the history keeps both.
    let r = app
        .post_if(
            &anna.1,
            &inputs,
            "\"4\"",
            &json!({"kind": "urgency", "level": "3"}),
        )
        .await;
    assert_eq!(etag_of(&r), "\"5\"");
    // The clerk reads the application without the special category.
    let read = app.get_ok(&clerk.1, &format!("/applications/{id}")).await;
    let kinds: Vec<(&str, &Value, bool)> = read["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap(),
                &i["level"],
                i["withheld"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(kinds.contains(&("urgency", &json!("3"), false)), "{read}");
    assert!(
        kinds.contains(&("disability_severity", &Value::Null, true)),
        "{read}"
    );
    assert_eq!(kinds.len(), 3);
    let isee = read["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "isee")
        .unwrap()
        .clone();
    assert_eq!(isee["isee"], "6850.00");
    assert_eq!(isee["reference"], "INPS-ISEE-2026-12345678X-00");
    let entry = &app.audit_entries(1)[0];
    assert_eq!(entry.row.action, "application.read");
    assert_eq!(entry.persons, [uuid::Uuid::parse_str(&person).unwrap()]);
    let history = app.get_ok(&anna.1, &inputs).await;
    let urgencies: Vec<&Value> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "urgency")
        .map(|i| &i["level"])
        .collect();
    assert_eq!(urgencies, [&json!("2"), &json!("3")]);
    // Listed in the case file, by submission; another area's worker reads nothing.
    let list = app.get_ok(&anna.1, &path).await;
    let protocols: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["protocol"].as_str().unwrap())
        .collect();
    assert_eq!(protocols.len(), 2);
    assert_eq!(
        app.get(&bruno.1, &format!("/applications/{id}"))
            .await
            .status(),
        403
    );
    assert_eq!(app.get(&bruno.1, &inputs).await.status(), 403);
    assert_eq!(
        app.get(&anna.1, &format!("/applications/{}", uuid::Uuid::now_v7()))
            .await
            .status(),
        404
    );
}

async fn simultaneous_applications_get_distinct_protocol_numbers(app: TestApp) {
    let admin = app.admin_token().await;
    let clerk = app
        .staff(&admin, "clerk", &["administrative"], &["adults_disability"])
        .await;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["adults_disability"])
        .await;
    let rsa = resource(&app, &clerk.1, "Residenza Il Girasole").await;
    let mut files = Vec::new();
    for given in [
        "Ada", "Bice", "Carla", "Dora", "Elsa", "Flora", "Gina", "Ilda",
    ] {
        let person = app.register_person(&anna.1, given, "Protocollo").await;
        files.push(id_of(
            &app.open_case_file(&anna.1, &person, "adults_disability", &anna.0, None)
                .await,
        ));
    }
    // Two server processes on PostgreSQL (one on SQLite, whose writer is single).
    let other = app.spawn_beside().await;
    let body = json!({"resource_id": rsa});
    let answers = futures_util::future::join_all(files.iter().enumerate().map(|(i, file)| {
        let target = if i % 2 == 0 { &app } else { &other };
        let path = format!("/case-files/{file}/applications");
        let token = clerk.1.clone();
        let body = body.clone();
        async move { target.post(&token, &path, &body).await }
    }))
    .await;
    let mut protocols = Vec::new();
    for r in answers {
        assert_eq!(r.status(), 201);
        let a: Value = r.json().await.unwrap();
        protocols.push(a["protocol"].as_str().unwrap().to_owned());
    }
    protocols.sort();
    let year = &day(0)[..4];
    let expected: Vec<String> = (1..=8).map(|n| format!("{year}/{n:06}")).collect();
    assert_eq!(protocols, expected);
}

async fn the_ranking_orders_and_explains_without_special_categories(app: TestApp) {
    let admin = app.admin_token().await;
    let clerk = app
        .staff(&admin, "clerk", &["administrative"], &["adults_disability"])
        .await;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["adults_disability"])
        .await;
    let rsa = resource(&app, &clerk.1, "Residenza Il Girasole").await;
    let now = chrono::Utc::now();
    let mut apps = Vec::new();
    // Three applications, submitted three, two and one hours ago.
    for (given, hours) in [("Ada", 3), ("Bice", 2), ("Carla", 1)] {
        let person = app.register_person(&anna.1, given, "Graduatoria").await;
        let file = id_of(
            &app.open_case_file(&anna.1, &person, "adults_disability", &anna.0, None)
                .await,
        );
        let at = (now - chrono::Duration::hours(hours)).to_rfc3339();
        let a = created(
            app.post(
                &clerk.1,
                &format!("/case-files/{file}/applications"),
                &json!({"resource_id": rsa, "submitted_at": at}),
            )
            .await,
        )
        .await;
        apps.push((
            id_of(&a),
            person,
            a["protocol"].as_str().unwrap().to_owned(),
        ));
    }
    let input = |i: usize, version: u32, body: Value| {
        let (app_ref, token, id) = (&app, anna.1.clone(), apps[i].0.clone());
        async move {
            let r = app_ref
                .post_if(
                    &token,
                    &format!("/applications/{id}/inputs"),
                    &format!("\"{version}\""),
                    &body,
                )
                .await;
            assert_eq!(r.status(), 200);
        }
    };
    // Ada: urgency 3 (20). Bice: urgency 2 (10), no family support (8): 18. Carla: urgency 2
    // (10), ISEE 6850.00 (10): 20, tied with Ada, submitted later.
    input(0, 1, json!({"kind": "urgency", "level": "3"})).await;
    input(1, 1, json!({"kind": "urgency", "level": "2"})).await;
    input(
        1,
        2,
        json!({"kind": "family_support", "level": "none", "source": "declaration"}),
    )
    .await;
    input(2, 1, json!({"kind": "urgency", "level": "2"})).await;
    input(
        2,
        2,
        json!({"kind": "isee", "isee": "6850.00", "source": "declaration"}),
    )
    .await;
    let ranking_path = format!("/resources/{rsa}/ranking");
    // A social worker does not read the whole list.
    assert_eq!(app.get(&anna.1, &ranking_path).await.status(), 403);
    assert_eq!(app.audit(1)[0].action, "waiting_list.read_ranking");
    let ranking = app.get_ok(&clerk.1, &ranking_path).await;
    assert_eq!(ranking["waiting"], 3);
    assert_eq!(ranking["ranked_under"]["version"], 1);
    let order: Vec<(&str, u64)> = ranking["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["protocol"].as_str().unwrap(),
                i["total"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            (apps[0].2.as_str(), 20),
            (apps[2].2.as_str(), 20),
            (apps[1].2.as_str(), 18)
        ]
    );
    for item in ranking["items"].as_array().unwrap() {
        let disability = item["breakdown"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["kind"] == "disability_severity")
            .unwrap();
        assert_eq!(disability["points"], Value::Null);
        assert_eq!(disability["withheld"], true);
    }
    let entry = &app.audit_entries(1)[0];
    assert_eq!(entry.row.action, "resource.ranking");
    let mut shown = entry.persons.clone();
    shown.sort();
    let mut persons: Vec<uuid::Uuid> = apps
        .iter()
        .map(|a| uuid::Uuid::parse_str(&a.1).unwrap())
        .collect();
    persons.sort();
    assert_eq!(shown, persons);
    // Pages by position.
    let first = app
        .get_ok(&clerk.1, &format!("{ranking_path}?limit=2"))
        .await;
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let next = first["next"]
        .as_str()
        .unwrap()
        .trim_start_matches("/api/v1");
    let rest = app.get_ok(&clerk.1, next).await;
    assert_eq!(rest["items"][0]["position"], 3);
    assert_eq!(rest["next"], Value::Null);
    // No version in force before the set's first day.
    assert_eq!(
        app.get(&clerk.1, &format!("{ranking_path}?on={}", day(-1)))
            .await
            .status(),
        409
    );
    // Carla's standing: after Ada on the submission, before Bice on the score.
    let standing = app
        .get_ok(&anna.1, &format!("/applications/{}/standing", apps[2].0))
        .await;
    assert_eq!(standing["position"], 2);
    assert_eq!(standing["total"], 20);
    let above = &standing["above"];
    assert_eq!(above["protocol"], apps[0].2.as_str());
    assert_eq!(above["decided_by"], "submitted_at");
    assert_eq!(
        above["differences"],
        json!([{"kind": "urgency", "points": 10, "other_points": 20},
            {"kind": "isee", "points": 10, "other_points": 0}])
    );
    assert_eq!(above["other_points_apart"], 0);
    let below = &standing["below"];
    assert_eq!(below["decided_by"], "score");
    assert_eq!(below["total"], 18);
    let entry = &app.audit_entries(1)[0];
    assert_eq!(entry.row.action, "application.standing");
    assert_eq!(entry.persons, [uuid::Uuid::parse_str(&apps[2].1).unwrap()]);
    // Bice's severe disability (from her health data) puts her first; the neighbours see the
    // gap, not its cause.
    let r = app
        .call(
            reqwest::Method::PUT,
            &anna.1,
            &format!("/persons/{}/health-disability", apps[1].1),
        )
        .json(&json!({"law_104_recognised": true, "law_104_severe": true,
            "accompanying_allowance": false}))
        .send()
        .await;
    assert_eq!(r.status(), 201);
    input(1, 3, json!({"kind": "disability_severity"})).await;
    let ranking = app.get_ok(&clerk.1, &ranking_path).await;
    assert_eq!(ranking["items"][0]["protocol"], apps[1].2.as_str());
    assert_eq!(ranking["items"][0]["total"], 30);
    let ada = app
        .get_ok(&anna.1, &format!("/applications/{}/standing", apps[0].0))
        .await;
    assert_eq!(ada["position"], 2);
    let above = &ada["above"];
    assert_eq!(above["total"], 30);
    let kinds: Vec<&str> = above["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["urgency", "family_support"]);
    // 20 - 30 = -10: urgency +10, family support -8, and -12 not shown.
    assert_eq!(above["other_points_apart"], -12);
    // Bice's own standing shows her disability points to her case manager.
    let bice = app
        .get_ok(&anna.1, &format!("/applications/{}/standing", apps[1].0))
        .await;
    let own = bice["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "disability_severity")
        .unwrap()
        .clone();
    assert_eq!(own["points"], 12);
    assert_eq!(own["withheld"], false);
}

async fn applications_are_suspended_reconfirmed_and_expire_from_the_agenda(app: TestApp) {
    let admin = app.admin_token().await;
    let clerk = app
        .staff(&admin, "clerk", &["administrative"], &["adults_disability"])
        .await;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["adults_disability"])
        .await;
    created(
        app.post(&clerk.1, "/criteria-sets", &criteria_set("rsa", &day(0)))
            .await,
    )
    .await;
    // Home care, to reconfirm every month.
    let body = json!({"kind": "home_care", "name": "Assistenza domiciliare",
        "managing_body": "Comune", "area": "adults_disability", "criteria_code": "rsa",
        "reconfirm_months": 1, "places": 10});
    let home_care = id_of(&created(app.post(&clerk.1, "/resources", &body).await).await);
    let mut ids = Vec::new();
    for (given, days_ago) in [("Ada", 0), ("Bice", 40), ("Carla", 40)] {
        let person = app.register_person(&anna.1, given, "Conferma").await;
        let file = id_of(
            &app.open_case_file(
                &anna.1,
                &person,
                "adults_disability",
                &anna.0,
                Some(&day(-60)),
            )
            .await,
        );
        let at = (chrono::Utc::now() - chrono::Duration::days(days_ago)).to_rfc3339();
        let a = created(
            app.post(
                &clerk.1,
                &format!("/case-files/{file}/applications"),
                &json!({"resource_id": home_care, "submitted_at": at}),
            )
            .await,
        )
        .await;
        ids.push((id_of(&a), a["reconfirm_by"].as_str().unwrap().to_owned()));
    }
    // The reconfirmations are on the case manager's agenda; Bice's and Carla's are late.
    let agenda = app
        .get_ok(
            &anna.1,
            &format!("/me/agenda?kind=application_reconfirmation&to={}", day(40)),
        )
        .await;
    let items: Vec<(&str, bool, &str)> = agenda["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["application_id"].as_str().unwrap(),
                i["late"].as_bool().unwrap(),
                i["due_on"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            (ids[1].0.as_str(), true, ids[1].1.as_str()),
            (ids[2].0.as_str(), true, ids[2].1.as_str()),
            (ids[0].0.as_str(), false, ids[0].1.as_str())
        ]
    );
    let transitions = |i: usize| format!("/applications/{}/transitions", ids[i].0);
    // Suspended with a reason, off the ranking; resumed; reconfirmed: the period starts again.
    let (status, p) = problem(
        app.post_if(
            &clerk.1,
            &transitions(0),
            "\"1\"",
            &json!({"transition": "suspend"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/reason"]);
    assert_eq!(
        app.post(
            &clerk.1,
            &transitions(0),
            &json!({"transition": "suspend", "reason": "Ricovero"})
        )
        .await
        .status(),
        428
    );
    let r = app
        .post_if(
            &clerk.1,
            &transitions(0),
            "\"1\"",
            &json!({"transition": "resume"}),
        )
        .await;
    assert_eq!(r.status(), 409);
    let suspended = created(
        app.post_if(
            &clerk.1,
            &transitions(0),
            "\"1\"",
            &json!({"transition": "suspend", "reason": "Ricovero ospedaliero"}),
        )
        .await,
    )
    .await;
    assert_eq!(suspended["status"], "suspended");
    assert_eq!(
        suspended["allowed_transitions"],
        json!(["withdraw", "resume", "reconfirm", "expire"])
    );
    assert_eq!(suspended["history"][0]["transition"], "suspend");
    assert_eq!(suspended["history"][0]["reason"], "Ricovero ospedaliero");
    assert_eq!(app.audit(1)[0].action, "application.suspend");
    assert_eq!(
        app.get(&anna.1, &format!("/applications/{}/standing", ids[0].0))
            .await
            .status(),
        409
    );
    let resumed = created(
        app.post_if(
            &clerk.1,
            &transitions(0),
            "\"2\"",
            &json!({"transition": "resume"}),
        )
        .await,
    )
    .await;
    assert_eq!(resumed["status"], "waiting");
    // Expiring before the reconfirmation day is refused.
    let (status, p) = problem(
        app.post_if(
            &clerk.1,
            &transitions(0),
            "\"3\"",
            &json!({"transition": "expire"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/occurred_on"]);
    // Carla's, overdue, expires; Bice's, late, reconfirmed today runs another month.
    let expired = created(
        app.post_if(
            &clerk.1,
            &transitions(2),
            "\"1\"",
            &json!({"transition": "expire"}),
        )
        .await,
    )
    .await;
    assert_eq!(expired["status"], "expired");
    assert_eq!(app.audit(1)[0].action, "application.expire");
    let reconfirmed = created(
        app.post_if(
            &clerk.1,
            &transitions(1),
            "\"1\"",
            &json!({"transition": "reconfirm"}),
        )
        .await,
    )
    .await;
    assert_eq!(reconfirmed["status"], "waiting");
    assert_eq!(reconfirmed["confirmed_on"], day(0));
    assert!(reconfirmed["reconfirm_by"].as_str().unwrap() > day(27).as_str());
    let (status, _) = problem(
        app.post_if(
            &clerk.1,
            &transitions(1),
            "\"2\"",
            &json!({"transition": "reconfirm", "occurred_on": day(-1)}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    // Withdrawn: closed, off the agenda, its inputs changed no more.
    let withdrawn = created(
        app.post_if(
            &anna.1,
            &transitions(0),
            "\"3\"",
            &json!({"transition": "withdraw"}),
        )
        .await,
    )
    .await;
    assert_eq!(withdrawn["status"], "withdrawn");
    assert_eq!(withdrawn["allowed_transitions"], json!([]));
    assert_eq!(withdrawn["history"].as_array().unwrap().len(), 3);
    let (status, _) = problem(
        app.post_if(
            &anna.1,
            &format!("/applications/{}/inputs", ids[0].0),
            "\"4\"",
            &json!({"kind": "urgency", "level": "1"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409);
    let agenda = app
        .get_ok(
            &anna.1,
            &format!("/me/agenda?kind=application_reconfirmation&to={}", day(40)),
        )
        .await;
    let left: Vec<&str> = agenda["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["application_id"].as_str().unwrap())
        .collect();
    assert_eq!(left, [ids[1].0.as_str()]);
    app.assert_agenda_index_exact();
    // A new open application of the same person is possible once the first is closed.
    let first = app
        .get_ok(&anna.1, &format!("/applications/{}", ids[0].0))
        .await;
    let again = app
        .post(
            &clerk.1,
            &format!(
                "/case-files/{}/applications",
                first["case_file_id"].as_str().unwrap()
            ),
            &json!({"resource_id": home_care}),
        )
        .await;
    assert_eq!(again.status(), 201);
}

/// `n` persons with a case file each and an application for `resource`, submitted in order
/// (one second apart); the applications' ids.
async fn applicants(
    app: &TestApp,
    worker: &(String, String),
    clerk: &str,
    resource: &str,
    given: &[&str],
) -> Vec<String> {
    let start = chrono::Utc::now() - chrono::Duration::hours(1);
    let mut ids = Vec::new();
    for (i, name) in given.iter().enumerate() {
        let person = app.register_person(&worker.1, name, "Posto").await;
        let file = id_of(
            &app.open_case_file(&worker.1, &person, "adults_disability", &worker.0, None)
                .await,
        );
        let at = (start + chrono::Duration::seconds(i as i64)).to_rfc3339();
        let a = created(
            app.post(
                clerk,
                &format!("/case-files/{file}/applications"),
                &json!({"resource_id": resource, "submitted_at": at}),
            )
            .await,
        )
        .await;
        ids.push(id_of(&a));
    }
    ids
}

/// Posts a decision on an application with its current version.
async fn decide(app: &TestApp, token: &str, id: &str, body: &Value) -> reqwest::Response {
    let r = app.get(token, &format!("/applications/{id}")).await;
    let etag = etag_of(&r);
    app.post_if(token, &format!("/applications/{id}/decisions"), &etag, body)
        .await
}

fn decisions(application: &Value) -> Vec<&str> {
    application["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["decision"].as_str().unwrap())
        .collect()
}

async fn offers_and_admissions_hold_places_until_declined_lapsed_or_left(app: TestApp) {
    let admin = app.admin_token().await;
    let clerk = app
        .staff(&admin, "clerk", &["administrative"], &["adults_disability"])
        .await;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["adults_disability"])
        .await;
    let coord = app
        .staff(
            &admin,
            "coord",
            &["area_coordinator"],
            &["adults_disability"],
        )
        .await;
    let rsa = resource(&app, &clerk.1, "Residenza Il Girasole").await;
    let ids = applicants(&app, &anna, &clerk.1, &rsa, &["Ada", "Bice", "Carla"]).await;
    let (ada, bice, carla) = (&ids[0], &ids[1], &ids[2]);
    let offer = json!({"decision": "offer", "respond_by": day(5)});
    // The social worker keeps applications but does not decide places: 403 before the body.
    let r = app
        .post(
            &anna.1,
            &format!("/applications/{ada}/decisions"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.audit(1)[0].action, "waiting_list.decide");
    // A valid body without If-Match is 428; invalid ones are 422 with their pointer.
    let r = app
        .post(&coord.1, &format!("/applications/{ada}/decisions"), &offer)
        .await;
    assert_eq!(r.status(), 428);
    for (id, body, pointer) in [
        (ada, json!({"decision": "offer"}), "/respond_by"),
        (
            ada,
            json!({"decision": "offer", "respond_by": day(31)}),
            "/respond_by",
        ),
        (
            ada,
            json!({"decision": "offer", "respond_by": day(-1)}),
            "/respond_by",
        ),
        (
            ada,
            json!({"decision": "offer", "respond_by": day(3), "exit": "other"}),
            "/exit",
        ),
        (
            ada,
            json!({"decision": "admit", "occurred_on": day(1)}),
            "/occurred_on",
        ),
        // Bice is second in the ranking: a place out of order needs a reason.
        (bice, offer.clone(), "/reason"),
        (bice, json!({"decision": "admit"}), "/reason"),
    ] {
        let (status, p) = problem(decide(&app, &coord.1, id, &body).await).await;
        assert_eq!(status, 422, "{body}: {p}");
        assert_eq!(pointers(&p), [pointer], "{body}: {p}");
    }
    let (status, p) = problem(
        decide(
            &app,
            &coord.1,
            ada,
            &json!({"decision": "leave",
        "exit": "needs_met"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{p}");
    assert_eq!(p["allowed_transitions"], json!(["offer", "admit"]));
    // Ada, first, is offered a place until day 5: it is held.
    let r = decide(&app, &coord.1, ada, &offer).await;
    assert_eq!(r.status(), 200);
    let a: Value = r.json().await.unwrap();
    assert_eq!(a["status"], "offered");
    assert_eq!(a["place"]["state"], "offered");
    assert_eq!(a["place"]["respond_by"], day(5));
    assert_eq!(a["place"]["answer_overdue"], false);
    assert_eq!(a["allowed_decisions"], json!(["admit", "decline"]));
    assert_eq!(decisions(&a), ["offer"]);
    let entry = &app.audit_entries(1)[0];
    assert_eq!(entry.row.action, "application.offer");
    assert_eq!(entry.persons.len(), 1);
    let places = app
        .get_ok(&coord.1, &format!("/resources/{rsa}/places"))
        .await;
    assert_eq!(
        (&places["places_today"], &places["held"], &places["free"]),
        (&json!(2), &json!(1), &json!(1))
    );
    assert_eq!(places["holders"][0]["application_id"], ada.as_str());
    assert_eq!(app.audit(1)[0].action, "resource.places");
    // The case manager may not read who holds the places of a resource.
    assert_eq!(
        app.get(&anna.1, &format!("/resources/{rsa}/places"))
            .await
            .status(),
        403
    );
    // Carla is admitted out of the ranking's order (Bice is first now that Ada's offer holds a
    // place), with the reason kept.
    let r = decide(
        &app,
        &coord.1,
        carla,
        &json!({"decision": "admit",
        "reason": "Dimissione ospedaliera protetta"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["status"], "admitted");
    assert_eq!(b["place"]["state"], "admitted");
    assert_eq!(b["place"]["admitted_on"], day(0));
    assert_eq!(
        b["place"]["out_of_order_reason"],
        "Dimissione ospedaliera protetta"
    );
    assert_eq!(b["allowed_decisions"], json!(["leave"]));
    // Both places are held: Bice gets none, and the places cannot drop below two.
    let (status, p) = problem(
        decide(
            &app,
            &coord.1,
            bice,
            &json!({"decision": "admit",
        "reason": "Urgenza"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{p}");
    assert!(
        p["detail"].as_str().unwrap().contains("no free place"),
        "{p}"
    );
    let r = app.get(&clerk.1, &format!("/resources/{rsa}")).await;
    let etag = etag_of(&r);
    let (status, p) = problem(
        app.put_if(
            &clerk.1,
            &format!("/resources/{rsa}/capacity/{}", day(30)),
            Some(&etag),
            &json!({"places": 1}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{p}");
    // The database keeps the bound whatever the code does: a third place held is refused.
    let refused = app.db().write(|c| {
        diesel::RunQueryDsl::execute(
            diesel::sql_query(
                "INSERT INTO place_allocations (id, application_id, resource_id, state, \
                 offered_on, respond_by, version, created_at, created_by, updated_at, updated_by) \
                 SELECT id, id, resource_id, 'offered', submitted_on, submitted_on, 1, \
                 created_at, created_by, updated_at, updated_by FROM applications \
                 WHERE status = 'waiting'",
            ),
            c,
        )
        .map_err(socialcare_persistence::StoreError::from)
    });
    assert_eq!(
        refused,
        Err(socialcare_persistence::StoreError::Conflict(
            "resource_occupancy_within".into()
        ))
    );
    // Ada declines: her place is free again, and Bice, first, is offered it.
    let r = decide(
        &app,
        &coord.1,
        ada,
        &json!({"decision": "decline",
        "reason": "Preferisce restare a casa"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let a: Value = r.json().await.unwrap();
    assert_eq!(a["status"], "declined");
    assert_eq!(a["place"]["state"], "declined");
    assert_eq!(a["place"]["ended_on"], day(0));
    assert_eq!(decisions(&a), ["offer", "decline"]);
    let r = decide(&app, &coord.1, bice, &offer).await;
    assert_eq!(r.status(), 200);
    // Carla leaves (an exit is required): the application stays admitted, the place is free.
    let leave = json!({"decision": "leave"});
    let (status, p) = problem(decide(&app, &coord.1, carla, &leave).await).await;
    assert_eq!(
        (status, pointers(&p)),
        (422, vec!["/exit".to_owned()]),
        "{p}"
    );
    let r = decide(
        &app,
        &coord.1,
        carla,
        &json!({"decision": "leave", "exit": "other_service"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["status"], "admitted");
    assert_eq!(b["place"]["state"], "left");
    assert_eq!(b["place"]["exit"], "other_service");
    assert_eq!(b["allowed_decisions"], json!([]));
    let places = app
        .get_ok(&coord.1, &format!("/resources/{rsa}/places"))
        .await;
    assert_eq!((&places["held"], &places["free"]), (&json!(1), &json!(1)));
    // Bice's offer lapses once its answer day has passed (moved back here as if days went
    // by): the next decision on the resource frees it and puts Bice back on the list.
    app.db()
        .write(|c| {
            diesel::RunQueryDsl::execute(
                diesel::sql_query(format!(
                    "UPDATE place_allocations SET offered_on = '{}', respond_by = '{}' \
                     WHERE state = 'offered'",
                    day(-10),
                    day(-2)
                )),
                c,
            )
            .map_err(socialcare_persistence::StoreError::from)
        })
        .unwrap();
    let c = app.get_ok(&coord.1, &format!("/applications/{bice}")).await;
    assert_eq!(c["place"]["answer_overdue"], true);
    let places = app
        .get_ok(&coord.1, &format!("/resources/{rsa}/places"))
        .await;
    assert_eq!(
        (&places["held"], &places["answer_overdue"], &places["free"]),
        (&json!(1), &json!(1), &json!(2))
    );
    let r = decide(&app, &coord.1, bice, &json!({"decision": "admit"})).await;
    assert_eq!(
        r.status(),
        200,
        "a lapsed offer: Bice is admitted from the list, first"
    );
    let c: Value = r.json().await.unwrap();
    assert_eq!(c["status"], "admitted");
    assert_eq!(decisions(&c), ["offer", "lapse", "admit"]);
    assert_eq!(c["decisions"][1]["occurred_on"], day(-1));
    assert!(c["place"]["offered_on"].is_null());
    // A person admitted applies again only after leaving.
    let file = c["case_file_id"].as_str().unwrap();
    let (status, p) = problem(
        app.post(
            &clerk.1,
            &format!("/case-files/{file}/applications"),
            &json!({"resource_id": rsa}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{p}");
    // Withdrawing an application with an open offer frees its place.
    let dora = applicants(&app, &anna, &clerk.1, &rsa, &["Dora"])
        .await
        .remove(0);
    let r = decide(&app, &coord.1, &dora, &offer).await;
    assert_eq!(r.status(), 200);
    let places = app
        .get_ok(&coord.1, &format!("/resources/{rsa}/places"))
        .await;
    assert_eq!(places["held"], 2);
    let r = app.get(&clerk.1, &format!("/applications/{dora}")).await;
    let etag = etag_of(&r);
    let r = app
        .post_if(
            &clerk.1,
            &format!("/applications/{dora}/transitions"),
            &etag,
            &json!({"transition": "withdraw"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let d: Value = r.json().await.unwrap();
    assert_eq!(d["place"]["state"], "withdrawn");
    assert_eq!(decisions(&d), ["offer", "withdraw"]);
    let places = app
        .get_ok(&coord.1, &format!("/resources/{rsa}/places"))
        .await;
    assert_eq!((&places["held"], &places["free"]), (&json!(1), &json!(1)));
}

async fn simultaneous_admissions_never_exceed_the_places(app: TestApp) {
    let admin = app.admin_token().await;
    let clerk = app
        .staff(&admin, "clerk", &["administrative"], &["adults_disability"])
        .await;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["adults_disability"])
        .await;
    let coord = app
        .staff(
            &admin,
            "coord",
            &["area_coordinator"],
            &["adults_disability"],
        )
        .await;
    let rsa = resource(&app, &clerk.1, "Residenza Il Girasole").await;
    let names: Vec<String> = ('A'..='T').map(|c| format!("Persona {c}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let ids = applicants(&app, &anna, &clerk.1, &rsa, &names).await;
    // Twenty admissions at once on two places, from two server processes on PostgreSQL.
    let other = app.spawn_beside().await;
    let body = json!({"decision": "admit", "reason": "Graduatoria d'urgenza"});
    let answers = futures_util::future::join_all(ids.iter().enumerate().map(|(i, id)| {
        let target = if i % 2 == 0 { &app } else { &other };
        let path = format!("/applications/{id}/decisions");
        let token = coord.1.clone();
        let body = body.clone();
        async move { target.post_if(&token, &path, "\"1\"", &body).await }
    }))
    .await;
    let mut statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    statuses.sort_unstable();
    let mut expected = vec![200, 200];
    expected.extend([409; 18]);
    assert_eq!(statuses, expected);
    let places = app
        .get_ok(&coord.1, &format!("/resources/{rsa}/places"))
        .await;
    assert_eq!((&places["held"], &places["free"]), (&json!(2), &json!(0)));
    assert_eq!(places["holders"].as_array().unwrap().len(), 2);
    let admitted = app
        .db()
        .read(|c| {
            use diesel::prelude::*;
            use socialcare_persistence::schema::{applications, place_allocations};
            let allocations: i64 = place_allocations::table.count().get_result(c)?;
            let admitted: i64 = applications::table
                .filter(applications::status.eq("admitted"))
                .count()
                .get_result(c)?;
            Ok((allocations, admitted))
        })
        .unwrap();
    assert_eq!(admitted, (2, 2));
}

async fn rankings_are_published_without_names_and_re_ranked_by_decision(app: TestApp) {
    let admin = app.admin_token().await;
    let clerk = app
        .staff(&admin, "clerk", &["administrative"], &["adults_disability"])
        .await;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["adults_disability"])
        .await;
    let rsa = resource(&app, &clerk.1, "Residenza Il Girasole").await;
    let ids = applicants(&app, &anna, &clerk.1, &rsa, &["Ada", "Bice", "Carla"]).await;
    let v1 = app.get_ok(&clerk.1, "/criteria-sets?code=rsa").await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/resources/{rsa}/rankings");
    // The social worker reads publications but does not publish: 403 before the body.
    assert_eq!(app.post(&anna.1, &path, &json!({})).await.status(), 403);
    assert_eq!(app.audit(1)[0].action, "resources.manage");
    // The publisher confirms the version in force.
    let (status, p) = problem(
        app.post(
            &clerk.1,
            &path,
            &json!({"criteria_set_id": uuid::Uuid::now_v7()}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{p}");
    let r = app
        .post(&clerk.1, &path, &json!({"criteria_set_id": v1}))
        .await;
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let first: Value = r.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/published-rankings/{}", id_of(&first))
    );
    assert_eq!(first["number"], 1);
    assert_eq!(first["entries"], 3);
    assert_eq!(first["ranked_on"], day(0));
    assert_eq!(first["ranked_under"]["version"], 1);
    assert!(first["re_ranked_from"].is_null());
    // Positions, protocol numbers and totals only: no name, person, case file or application.
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    for (i, item) in items.iter().enumerate() {
        let mut keys: Vec<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["position", "protocol", "total"], "{item}");
        assert_eq!(item["position"], i + 1);
    }
    let text = first.to_string();
    for secret in ["Ada", "Bice", "Carla", "Posto", "person_id", "case_file_id"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    for id in &ids {
        assert!(!text.contains(id.as_str()), "an application id in {text}");
    }
    let entry = &app.audit_entries(1)[0];
    assert_eq!(entry.row.action, "resource.ranking.publish");
    assert!(entry.persons.is_empty());
    // As CSV, for the office's notice board, to whoever works cases.
    let r = app
        .get(
            &anna.1,
            &format!("{}?format=csv", &location["/api/v1".len()..]),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "position;protocol;total");
    assert_eq!(lines.len(), 4, "{csv}");
    assert_eq!(
        lines[1],
        format!(
            "1;{};{}",
            items[0]["protocol"].as_str().unwrap(),
            items[0]["total"]
        )
    );
    assert!(!csv.contains("Ada"));
    let r = app
        .get(
            &anna.1,
            &format!("{}?format=xml", &location["/api/v1".len()..]),
        )
        .await;
    assert_eq!(r.status(), 400);
    // A new version of the criteria: publishing under it re-ranks, a decision with a reason.
    let v2 = id_of(
        &created(
            app.post(&clerk.1, "/criteria-sets", &criteria_set("rsa", &day(0)))
                .await,
        )
        .await,
    );
    let (status, p) = problem(
        app.post(&clerk.1, &path, &json!({"criteria_set_id": v1}))
            .await,
    )
    .await;
    assert_eq!(status, 409, "version 1 is no longer in force: {p}");
    let (status, p) = problem(
        app.post(&clerk.1, &path, &json!({"criteria_set_id": v2}))
            .await,
    )
    .await;
    assert_eq!(
        (status, pointers(&p)),
        (422, vec!["/reason".to_owned()]),
        "{p}"
    );
    let r = app
        .post(
            &clerk.1,
            &path,
            &json!({"criteria_set_id": v2, "reason": "Nuovi criteri approvati con determina 45/2026"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let second: Value = r.json().await.unwrap();
    assert_eq!(second["number"], 2);
    assert_eq!(second["re_ranked_from"], v1.as_str());
    assert_eq!(second["ranked_under"]["version"], 2);
    assert_eq!(app.audit(1)[0].action, "resource.ranking.re_rank");
    // The history, the latest first, for whoever works cases.
    let history = app.get_ok(&anna.1, &path).await;
    let numbers: Vec<u64> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [2, 1]);
    assert!(history["items"][0].get("items").is_none());
    // A publication is never changed, whatever the code does.
    let changed = app.db().write(|c| {
        diesel::RunQueryDsl::execute(
            diesel::sql_query("UPDATE published_ranking_entries SET total = total + 1"),
            c,
        )
        .map_err(socialcare_persistence::StoreError::from)
    });
    assert!(changed.is_err(), "{changed:?}");
    let again = app.get_ok(&anna.1, &location["/api/v1".len()..]).await;
    assert_eq!(again["items"], first["items"]);
}

async fn benefits_are_recorded_with_their_code_isee_and_decision(app: TestApp) {
    let admin = app.admin_token().await;
    let clerk = app
        .staff(&admin, "clerk", &["administrative"], &["adults_disability"])
        .await;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["adults_disability"])
        .await;
    let bruno = app
        .staff(&admin, "bruno", &["social_worker"], &["social_inclusion"])
        .await;
    let coord = app
        .staff(
            &admin,
            "coord",
            &["area_coordinator"],
            &["adults_disability"],
        )
        .await;
    // The catalogue is data shipped with the server.
    let codes = app.get_ok(&anna.1, "/benefit-codes").await;
    assert_eq!(codes["catalogue"], "cisis-2013-draft");
    let f2 = codes["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "F2")
        .unwrap();
    assert_eq!(f2["form"], "economic");
    let rsa = resource(&app, &clerk.1, "Residenza Il Girasole").await;
    let ids = applicants(&app, &anna, &clerk.1, &rsa, &["Ada", "Bice"]).await;
    let a = decide(&app, &coord.1, &ids[0], &json!({"decision": "admit"})).await;
    assert_eq!(a.status(), 200);
    let ada: Value = a.json().await.unwrap();
    let place = ada["place"]["id"].as_str().unwrap().to_owned();
    let file = ada["case_file_id"].as_str().unwrap().to_owned();
    let bice_file = app
        .get_ok(&clerk.1, &format!("/applications/{}", ids[1]))
        .await["case_file_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/case-files/{file}/benefits");
    // Another area's social worker is refused before the body is judged.
    assert_eq!(app.post(&bruno.1, &path, &json!({})).await.status(), 403);
    assert_eq!(app.audit(1)[0].action, "benefits.record");
    let money = json!({"code": "F2", "form": "economic", "amount": "250.00",
        "frequency": "monthly", "isee_dependent": true, "isee": "6850.00",
        "dsu_protocol": "INPS-ISEE-2026-12345678X-00", "from_on": day(-3),
        "until_on": day(180), "decision_ref": "Determina 123/2026", "decision_on": day(-5)});
    let with = |patch: Value| {
        let mut body = money.clone();
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                body.as_object_mut().unwrap().remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        body
    };
    for (body, expected) in [
        (with(json!({"code": "Z9"})), vec!["/code"]),
        (
            with(json!({"form": "in_kind"})),
            vec!["/form", "/amount", "/frequency"],
        ),
        (
            with(json!({"amount": null, "frequency": null})),
            vec!["/amount", "/frequency"],
        ),
        (
            with(json!({"isee": null, "dsu_protocol": null})),
            vec!["/isee", "/dsu_protocol"],
        ),
        (
            with(json!({"isee_dependent": false})),
            vec!["/isee", "/dsu_protocol"],
        ),
        (with(json!({"until_on": day(-4)})), vec!["/until_on"]),
        (with(json!({"decision_on": day(1)})), vec!["/decision_on"]),
        (with(json!({"amount": "0.00"})), vec!["/amount"]),
        (with(json!({"from_on": null})), vec!["/from_on"]),
        (
            with(json!({"source": {"kind": "admission", "id": uuid::Uuid::now_v7()}})),
            vec!["/source/id"],
        ),
    ] {
        let (status, p) = problem(app.post(&clerk.1, &path, &body).await).await;
        assert_eq!(status, 422, "{body}: {p}");
        let mut found = pointers(&p);
        found.sort();
        let mut expected: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
        expected.sort();
        assert_eq!(found, expected, "{body}: {p}");
    }
    // The admission of another person's file is not a source of this one.
    let r = app
        .post(
            &clerk.1,
            &format!("/case-files/{bice_file}/benefits"),
            &with(json!({"source": {"kind": "admission", "id": place}})),
        )
        .await;
    assert_eq!(r.status(), 422);
    // An economic, ISEE-dependent contribution by the area's clerk.
    let r = app.post(&clerk.1, &path, &money).await;
    assert_eq!(r.status(), 201);
    assert_eq!(etag_of(&r), "\"1\"");
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let b: Value = r.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/benefits/{}", id_of(&b)));
    assert_eq!(b["amount"], "250.00");
    assert_eq!(b["isee"], "6850.00");
    assert_eq!(b["frequency"], "monthly");
    assert_eq!(b["catalogue"], "cisis-2013-draft");
    assert!(b["title"].as_str().unwrap().contains("alloggio"), "{b}");
    let entry = &app.audit_entries(1)[0];
    assert_eq!(entry.row.action, "benefit.create");
    assert_eq!(
        entry.persons,
        [uuid::Uuid::parse_str(ada["person_id"].as_str().unwrap()).unwrap()]
    );
    // The admission's benefit, in kind, from the admission day; one per admission.
    let stay = json!({"code": "E1", "form": "in_kind", "decision_ref": "Determina 130/2026",
        "decision_on": day(0), "source": {"kind": "admission", "id": place}});
    let r = app.post(&coord.1, &path, &stay).await;
    assert_eq!(r.status(), 201);
    let s: Value = r.json().await.unwrap();
    assert_eq!(s["from_on"], ada["place"]["admitted_on"]);
    assert_eq!(s["source"], json!({"kind": "admission", "id": place}));
    assert_eq!(problem(app.post(&coord.1, &path, &stay).await).await.0, 409);
    // Listed by first day; corrected with If-Match, the source staying.
    let list = app.get_ok(&anna.1, &path).await;
    let listed: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["F2", "E1"]);
    let benefit = &location["/api/v1".len()..];
    assert_eq!(
        app.get(&bruno.1, benefit).await.status(),
        403,
        "another area reads no benefit of this file"
    );
    let r = app.get(&anna.1, benefit).await;
    assert_eq!(etag_of(&r), "\"1\"");
    let ended = with(json!({"until_on": day(30)}));
    assert_eq!(
        app.put_if(&clerk.1, benefit, None, &ended).await.status(),
        428
    );
    let r = app.put_if(&clerk.1, benefit, Some("\"1\""), &ended).await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag_of(&r), "\"2\"");
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["until_on"], day(30));
    assert_eq!(
        problem(app.put_if(&clerk.1, benefit, Some("\"1\""), &ended).await)
            .await
            .0,
        412
    );
    let (status, p) = problem(
        app.put_if(
            &clerk.1,
            benefit,
            Some("\"2\""),
            &with(json!({"source": {"kind": "admission", "id": place}})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, pointers(&p)),
        (422, vec!["/source".to_owned()]),
        "{p}"
    );
}

async fn a_kept_ranking_follows_every_change_from_any_process(app: TestApp) {
    let admin = app.admin_token().await;
    let clerk = app
        .staff(&admin, "clerk", &["administrative"], &["adults_disability"])
        .await;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["adults_disability"])
        .await;
    let coord = app
        .staff(
            &admin,
            "coord",
            &["area_coordinator"],
            &["adults_disability"],
        )
        .await;
    let rsa = resource(&app, &clerk.1, "Residenza Il Girasole").await;
    let ids = applicants(&app, &anna, &clerk.1, &rsa, &["Ada", "Bice"]).await;
    let order = |ranking: Value| -> Vec<String> {
        ranking["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["application_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let path = format!("/resources/{rsa}/ranking");
    assert_eq!(order(app.get_ok(&coord.1, &path).await), ids);
    // Changes made through another server process are seen by this one's kept ranking.
    let other = app.spawn_beside().await;
    let bice = &ids[1];
    let r = other.get(&anna.1, &format!("/applications/{bice}")).await;
    let etag = etag_of(&r);
    let r = other
        .post_if(
            &anna.1,
            &format!("/applications/{bice}/inputs"),
            &etag,
            &json!({"kind": "urgency", "level": "3"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        order(app.get_ok(&coord.1, &path).await),
        [ids[1].clone(), ids[0].clone()]
    );
    let r = other.get(&clerk.1, &format!("/applications/{bice}")).await;
    let etag = etag_of(&r);
    let r = other
        .post_if(
            &clerk.1,
            &format!("/applications/{bice}/transitions"),
            &etag,
            &json!({"transition": "suspend", "reason": "Ricovero"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(order(app.get_ok(&coord.1, &path).await), [ids[0].clone()]);
    // A new application enters it too.
    let carla = applicants(&other, &anna, &clerk.1, &rsa, &["Carla"]).await;
    let ranked = order(app.get_ok(&coord.1, &path).await);
    assert_eq!(ranked, [ids[0].clone(), carla[0].clone()]);
}
