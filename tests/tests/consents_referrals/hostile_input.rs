//! Control characters in bodies, query strings, cursors, paths and headers: refused with 422 and
//! a JSON Pointer (400 naming the parameter in query strings), never a server error, nothing
//! written. PostgreSQL cannot store U+0000 at all; SQLite would have stored it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use diesel::prelude::*;
use serde_json::{Value, json};
use socialcare_persistence::schema::{
    audit_records, case_files, consents, diary_entries, persons, referrals, users,
};
use socialcare_tests::{TestApp, on_both_engines};
use std::io::{Read, Write};

use crate::{cpi, get, office, open, post, sharing};

on_both_engines!(
    control_characters_are_refused_everywhere_and_nothing_is_written,
    control_characters_in_queries_cursors_paths_and_headers_are_refused,
);

/// Rows of the tables the refused writes would have touched, and audit records.
fn counts(app: &TestApp) -> [i64; 7] {
    app.db()
        .read(|c| {
            Ok([
                persons::table.count().get_result(c)?,
                case_files::table.count().get_result(c)?,
                diary_entries::table.count().get_result(c)?,
                consents::table.count().get_result(c)?,
                referrals::table.count().get_result(c)?,
                users::table.count().get_result(c)?,
                // Chained or staged (the sequencer chains them within the merge delay).
                audit_records::table.count().get_result::<i64>(c)?
                    + i64::try_from(socialcare_persistence::audit::staged(c)?.0)
                        .unwrap_or(i64::MAX),
            ])
        })
        .unwrap()
}

async fn assert_refused_at(r: reqwest::Response, pointer: &str, code_point: &str, what: &str) {
    let status = r.status();
    let problem: Value = r.json().await.unwrap();
    assert_eq!(status, 422, "{what}: {problem}");
    assert_eq!(
        problem["errors"][0]["pointer"], pointer,
        "{what}: {problem}"
    );
    assert_eq!(
        problem["errors"][0]["detail"],
        format!("must not contain control characters ({code_point})"),
        "{what}"
    );
}

async fn control_characters_are_refused_everywhere_and_nothing_is_written(app: TestApp) {
    let (anna_id, anna, admin) = office(&app).await;
    let (file, person) = open(&app, &anna, &anna_id, "Maria").await;
    let before = counts(&app);

    let cases: Vec<(String, &str, Value, &str, &str)> = vec![
        (
            "/persons".into(),
            &anna,
            json!({"given_names": "Ma\u{0}rio", "family_names": "Rossi"}),
            "/given_names",
            "U+0000",
        ),
        (
            "/persons".into(),
            &anna,
            json!({"given_names": "Mario", "family_names": "Rossi",
                "residence": {"kind": "residence", "street": "Via\u{1b} Roma 1",
                    "postal_code": "38122", "municipality": "Trento"}}),
            "/residence/street",
            "U+001B",
        ),
        (
            "/case-files".into(),
            &anna,
            json!({"person_id": person, "area": "social_\u{0}inclusion",
                "case_manager_id": anna_id}),
            "/area",
            "U+0000",
        ),
        (
            format!("/case-files/{file}/diary-entries"),
            &anna,
            json!({"kind": "interview", "occurred_at": "2026-01-11T10:00:00Z",
                "text": "Colloquio\u{0}"}),
            "/text",
            "U+0000",
        ),
        (
            format!("/case-files/{file}/consents"),
            &anna,
            {
                let mut body = sharing("2026-01-11", None);
                body["organisation"] = json!("CPI\u{7f}");
                body
            },
            "/organisation",
            "U+007F",
        ),
        (
            format!("/case-files/{file}/referrals"),
            &anna,
            {
                let mut body = cpi("2026-01-11");
                body["reason"] = json!("Job\u{0} search");
                body
            },
            "/reason",
            "U+0000",
        ),
        (
            "/users".into(),
            &admin,
            json!({"username": "carla", "display_name": "Carla\u{0}",
                "email": "carla@comune.example.it", "password": "S3cret-Pw-2026-5",
                "roles": ["social_worker"], "areas": ["social_inclusion"]}),
            "/display_name",
            "U+0000",
        ),
        (
            "/users".into(),
            &admin,
            json!({"username": "carla", "display_name": "Carla",
                "email": "carla@comune.example.it", "password": "S3cret-Pw-2026-5",
                "roles": ["social\u{0}_worker"], "areas": ["social_inclusion"]}),
            "/roles/0",
            "U+0000",
        ),
    ];
    for (path, token, body, pointer, code_point) in cases {
        let r = post(&app, token, &path, body).await;
        assert_refused_at(r, pointer, code_point, &path).await;
    }
    // The unauthenticated token endpoint too.
    for (body, pointer) in [
        (
            json!({"username": "ad\u{0}min", "password": "x"}),
            "/username",
        ),
        (
            json!({"username": "admin", "password": "pw\u{0}"}),
            "/password",
        ),
    ] {
        let r = app
            .client
            .post(app.api("/auth/token"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_refused_at(r, pointer, "U+0000", "/auth/token").await;
    }
    // Nothing was written, not even an audit record.
    assert_eq!(counts(&app), before);

    // Tab, line feed and carriage return stay allowed in free text.
    let r = post(
        &app,
        &anna,
        &format!("/case-files/{file}/diary-entries"),
        json!({"kind": "interview", "occurred_at": "2026-01-11T10:00:00Z",
            "text": "Colloquio:\r\n\t- casa\n\t- lavoro"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let entry: Value = r.json().await.unwrap();
    assert_eq!(entry["text"], "Colloquio:\r\n\t- casa\n\t- lavoro");
}

/// Sends a raw HTTP/1.1 request (reqwest refuses to send control characters in headers) and
/// returns the status line.
async fn raw_status(app: &TestApp, request: &[u8]) -> String {
    let address = app.address.trim_start_matches("http://").to_owned();
    let request = request.to_vec();
    // Blocking I/O off the test's runtime thread, which also runs the server.
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream.write_all(&request).unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned()
    })
    .await
    .unwrap()
}

async fn control_characters_in_queries_cursors_paths_and_headers_are_refused(app: TestApp) {
    let (anna_id, anna, _) = office(&app).await;
    let (file, _) = open(&app, &anna, &anna_id, "Maria").await;
    let before = counts(&app);

    // Query parameters: 400 naming the parameter.
    let forged_cursor =
        URL_SAFE_NO_PAD.encode(json!(["rossi\u{0}", uuid::Uuid::now_v7()]).to_string());
    for (path, parameter) in [
        ("/persons?q=Ma%00rio".to_owned(), "q"),
        ("/persons?tax_code=%01".to_owned(), "tax_code"),
        ("/persons?cursor=%00".to_owned(), "cursor"),
        (format!("/persons?q=rossi&cursor={forged_cursor}"), "cursor"),
        (
            format!("/case-files/{file}/diary-entries?cursor=%00"),
            "cursor",
        ),
        ("/case-files?cursor=abc%00".to_owned(), "cursor"),
    ] {
        let r = get(&app, &anna, &path).await;
        let status = r.status();
        let problem: Value = r.json().await.unwrap_or_default();
        assert_eq!(status, 400, "{path}: {problem}");
        assert_eq!(problem["errors"][0]["parameter"], parameter, "{path}");
    }

    // Path segments: a client error, never a server error.
    for path in [
        "/persons/%00".to_owned(),
        "/case-files/%00".to_owned(),
        format!("/case-files/{file}/consents/%00"),
        "/users/%00".to_owned(),
    ] {
        let r = get(&app, &anna, &path).await;
        assert!(r.status().is_client_error(), "{path}: {}", r.status());
    }

    // Headers: refused by the HTTP parser with 400.
    let port = app.address.rsplit(':').next().unwrap().to_owned();
    for header in ["Access-Purpose: audit\u{0}x", "Idempotency-Key: k\u{1}y"] {
        let request = format!(
            "POST /api/v1/persons HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
             Authorization: Bearer {anna}\r\n{header}\r\nContent-Type: application/json\r\n\
             Content-Length: 2\r\nConnection: close\r\n\r\n{{}}"
        );
        let status = raw_status(&app, request.as_bytes()).await;
        assert!(status.starts_with("HTTP/1.1 400"), "{header:?}: {status}");
    }
    assert_eq!(counts(&app), before);
}
