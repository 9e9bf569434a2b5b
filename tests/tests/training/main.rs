//! Training and supervision of the staff over HTTP, each test on SQLite and on PostgreSQL: the
//! events kept by the administrative staff and the office manager, the attendance with the
//! credits it earns (all from 80 % of the hours), each staff member's register against the
//! obligation of 60 credits in three years, 15 of them on ethics, and the office's table.

use serde_json::{Value, json};
use socialcare_tests::http::{created, day, etag_of, id_of, pointers};
use socialcare_tests::{TestApp, on_both_engines};

on_both_engines!(
    events_are_kept_by_the_office_and_read_by_the_staff,
    attendance_earns_credits_toward_the_three_year_obligation,
    demo_data_has_a_training_table,
);

async fn problem(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn course(from: &str, hours: u16, credits: u16, ethics: u16) -> Value {
    json!({"kind": "training", "title": "Etica e deontologia professionale",
        "provider": "Ordine degli assistenti sociali", "from_on": from, "until_on": from,
        "hours": hours, "credits": credits, "ethics_credits": ethics})
}

async fn events_are_kept_by_the_office_and_read_by_the_staff(app: TestApp) {
    let admin = app.admin_token().await;
    let clerk = app
        .staff(&admin, "clerk", &["administrative"], &["social_inclusion"])
        .await;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["social_inclusion"])
        .await;
    // A social worker reads the events but does not keep them: 403 before the body.
    let (status, _) = problem(app.post(&anna.1, "/training-events", &json!({})).await).await;
    assert_eq!(status, 403);
    assert_eq!(app.audit(1)[0].action, "training.manage");
    // Invalid fields with their pointers.
    for (body, pointer) in [
        (course(&day(-3), 8, 8, 9), "/ethics_credits"),
        (course(&day(-3), 0, 0, 0), "/hours"),
        (course(&day(-3), 8, 61, 0), "/credits"),
        (
            {
                let mut b = course(&day(-3), 8, 8, 0);
                b["until_on"] = json!(day(-4));
                b
            },
            "/until_on",
        ),
        (
            {
                let mut b = course(&day(-3), 8, 8, 0);
                b["title"] = json!("Etica\u{0}");
                b
            },
            "/title",
        ),
        (
            {
                let mut b = course(&day(-3), 8, 8, 0);
                b["kind"] = json!("retreat");
                b
            },
            "/kind",
        ),
    ] {
        let (status, p) = problem(app.post(&clerk.1, "/training-events", &body).await).await;
        assert_eq!(status, 422, "{body}: {p}");
        assert_eq!(pointers(&p), [pointer], "{body}");
    }
    let r = app
        .post(&clerk.1, "/training-events", &course("2026-03-10", 8, 8, 4))
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(etag_of(&r), "\"1\"");
    let event: Value = r.json().await.unwrap();
    assert_eq!(event["credit_period"], "2026-2028");
    assert_eq!(app.audit(1)[0].action, "training_event.create");
    let id = id_of(&event);
    let mut supervision = course("2025-11-20", 3, 0, 0);
    supervision["kind"] = json!("supervision_group");
    supervision["title"] = json!("Supervisione di gruppo");
    created(app.post(&clerk.1, "/training-events", &supervision).await).await;
    // Read and listed by every staff member, by first day, filtered, in pages.
    let r = app.get(&anna.1, &format!("/training-events/{id}")).await;
    assert_eq!(r.status(), 200);
    let titles = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = app.get_ok(&anna.1, "/training-events").await;
    assert_eq!(
        titles(&all),
        [
            "Supervisione di gruppo",
            "Etica e deontologia professionale"
        ]
    );
    let only = app
        .get_ok(&anna.1, "/training-events?kind=supervision_group")
        .await;
    assert_eq!(titles(&only), ["Supervisione di gruppo"]);
    let later = app
        .get_ok(&anna.1, "/training-events?from=2026-01-01")
        .await;
    assert_eq!(titles(&later), ["Etica e deontologia professionale"]);
    let first = app.get_ok(&anna.1, "/training-events?limit=1").await;
    let next = first["next"]
        .as_str()
        .unwrap()
        .trim_start_matches("/api/v1");
    assert_eq!(
        titles(&app.get_ok(&anna.1, next).await),
        ["Etica e deontologia professionale"]
    );
    assert_eq!(
        app.get(&anna.1, "/training-events?from=0000-01-01")
            .await
            .status(),
        400
    );
    // Replaced with If-Match.
    let path = format!("/training-events/{id}");
    let changed = course("2026-03-10", 10, 8, 4);
    assert_eq!(
        app.put_if(&clerk.1, &path, None, &changed).await.status(),
        428
    );
    assert_eq!(
        app.put_if(&clerk.1, &path, Some("\"5\""), &changed)
            .await
            .status(),
        412
    );
    assert_eq!(
        app.put_if(&anna.1, &path, Some("\"1\""), &changed)
            .await
            .status(),
        403
    );
    let r = app.put_if(&clerk.1, &path, Some("\"1\""), &changed).await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag_of(&r), "\"2\"");
    assert_eq!(app.audit(1)[0].action, "training_event.update");
    assert_eq!(
        app.get(
            &anna.1,
            &format!("/training-events/{}", uuid::Uuid::now_v7())
        )
        .await
        .status(),
        404
    );
}

async fn attendance_earns_credits_toward_the_three_year_obligation(app: TestApp) {
    let admin = app.admin_token().await;
    let manager = app
        .staff(
            &admin,
            "dirigente",
            &["office_manager"],
            &["social_inclusion"],
        )
        .await;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["social_inclusion"])
        .await;
    let bruno = app
        .staff(&admin, "bruno", &["educator"], &["social_inclusion"])
        .await;
    let ethics = id_of(
        &created(
            app.post(
                &manager.1,
                "/training-events",
                &course("2026-03-10", 10, 10, 10),
            )
            .await,
        )
        .await,
    );
    let big = id_of(
        &created(
            app.post(
                &manager.1,
                "/training-events",
                &course("2027-05-04", 40, 50, 5),
            )
            .await,
        )
        .await,
    );
    let old = id_of(
        &created(
            app.post(
                &manager.1,
                "/training-events",
                &course("2025-05-04", 8, 8, 8),
            )
            .await,
        )
        .await,
    );
    let attend = |event: &str, user: &str, hours: u16| {
        let path = format!("/training-events/{event}/attendees/{user}");
        let token = manager.1.clone();
        let app = &app;
        async move {
            app.call(reqwest::Method::PUT, &token, &path)
                .json(&json!({"hours": hours}))
                .send()
                .await
        }
    };
    // More hours than the event lasts, an unknown staff member, a social worker recording.
    let (status, p) = problem(attend(&ethics, &anna.0, 11).await).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/hours"]);
    let (status, _) = problem(attend(&ethics, &uuid::Uuid::now_v7().to_string(), 5).await).await;
    assert_eq!(status, 404);
    let (status, _) = problem(
        app.call(
            reqwest::Method::PUT,
            &anna.1,
            &format!("/training-events/{ethics}/attendees/{}", anna.0),
        )
        .json(&json!({"hours": 10}))
        .send()
        .await,
    )
    .await;
    assert_eq!(status, 403);
    // Anna attends the ethics course in full and most of the big one; Bruno 7 of 10 hours
    // (below 80 %: no credits). A correction replaces the first record.
    let list = created(attend(&ethics, &anna.0, 6).await).await;
    assert_eq!(list["items"][0]["credits"], 0);
    let list = created(attend(&ethics, &anna.0, 10).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["credits"], 10);
    assert_eq!(app.audit(1)[0].action, "training_event.attendance");
    created(attend(&big, &anna.0, 32).await).await;
    created(attend(&old, &anna.0, 8).await).await;
    let list = created(attend(&ethics, &bruno.0, 7).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let attendance = app
        .get_ok(&manager.1, &format!("/training-events/{ethics}/attendees"))
        .await;
    assert_eq!(attendance["items"].as_array().unwrap().len(), 2);
    // An event does not shrink below what someone attended.
    let (status, p) = problem(
        app.put_if(
            &manager.1,
            &format!("/training-events/{big}"),
            Some("\"1\""),
            &course("2027-05-04", 30, 50, 5),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{p}");
    // Anna's register of 2026-2028: 60 credits, 15 on ethics: met.
    let register = app
        .get_ok(
            &anna.1,
            &format!("/users/{}/training-register?period=2026", anna.0),
        )
        .await;
    assert_eq!(register["obligation"], true);
    assert_eq!(
        register["totals"],
        json!({"period": "2026-2028", "hours": 42, "credits": 60, "ethics_credits": 15,
            "credits_required": 60, "ethics_credits_required": 15, "credits_missing": 0,
            "ethics_credits_missing": 0, "met": true})
    );
    assert_eq!(register["events"].as_array().unwrap().len(), 2);
    let earlier = app
        .get_ok(
            &anna.1,
            &format!("/users/{}/training-register?period=2023", anna.0),
        )
        .await;
    assert_eq!(earlier["totals"]["credits"], 8);
    assert_eq!(earlier["totals"]["credits_missing"], 52);
    assert_eq!(earlier["totals"]["ethics_credits_missing"], 7);
    assert_eq!(
        app.get(
            &anna.1,
            &format!("/users/{}/training-register?period=2025", anna.0)
        )
        .await
        .status(),
        400
    );
    // Another staff member's register: for the office manager, not for a colleague.
    assert_eq!(
        app.get(&bruno.1, &format!("/users/{}/training-register", anna.0))
            .await
            .status(),
        403
    );
    assert_eq!(app.audit(1)[0].action, "training.register");
    let bruno_register = app
        .get_ok(
            &manager.1,
            &format!("/users/{}/training-register?period=2026", bruno.0),
        )
        .await;
    assert_eq!(bruno_register["obligation"], false);
    assert_eq!(bruno_register["totals"]["hours"], 7);
    assert_eq!(bruno_register["totals"]["credits"], 0);
    // The office's table: the staff with the obligation first.
    assert_eq!(app.get(&anna.1, "/training-table").await.status(), 403);
    let table = app.get_ok(&manager.1, "/training-table?period=2026").await;
    assert_eq!(table["period"], "2026-2028");
    let rows: Vec<(String, bool, u64)> = table["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["username"].as_str().unwrap().to_owned(),
                r["obligation"].as_bool().unwrap(),
                r["totals"]["credits"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("anna".to_owned(), true, 60),
            ("bruno".to_owned(), false, 0),
            ("dirigente".to_owned(), false, 0)
        ]
    );
    assert_eq!(app.audit(1)[0].action, "training.table");
}

async fn demo_data_has_a_training_table(app: TestApp) {
    let summary = socialcare_api::demo::load(app.db(), 5, 20).unwrap();
    assert!(summary.training_events >= 1, "{}", summary.training_events);
    let admin = app.admin_token().await;
    let manager = app
        .staff(
            &admin,
            "dirigente",
            &["office_manager"],
            &["social_inclusion"],
        )
        .await;
    let table = app.get_ok(&manager.1, "/training-table").await;
    let rows = table["items"].as_array().unwrap();
    let obliged: Vec<&Value> = rows.iter().filter(|r| r["obligation"] == true).collect();
    // Six social workers and three coordinators; the first social worker of each area
    // attended everything, the second the courses only, the coordinators nothing.
    assert_eq!(obliged.len(), 9);
    let credits = |name: &str| {
        rows.iter()
            .find(|r| r["username"] == name)
            .map(|r| r["totals"]["credits"].as_u64().unwrap())
            .unwrap()
    };
    assert!(credits("demo.sw.add1") > credits("demo.sw.add2"));
    assert_eq!(credits("demo.coord.add"), 0);
    assert!(obliged.iter().all(|r| r["totals"]["met"] == false));
}
