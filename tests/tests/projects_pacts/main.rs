//! Social projects and inclusion pacts over HTTP, each test on SQLite and on PostgreSQL:
//! lifecycles with every legal and illegal transition, validation pointers, nested objects
//! found only under their parent, ETag/If-Match, idempotency and the audit of reads.

use serde_json::Value;
use socialcare_tests::TestApp;
use socialcare_tests::http::id_of;
pub use socialcare_tests::http::{Staff, day, etag_of, pointers};

mod agenda;
mod pacts;
mod projects;

/// The office of a test: the administrator and a social worker of `social_inclusion`.
pub struct Office {
    /// Administrator token.
    pub admin: String,
    /// Social worker, case manager of the files opened by [`open_file`].
    pub anna: Staff,
}

/// Creates the office.
pub async fn office(app: &TestApp) -> Office {
    let admin = app.admin_token().await;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["social_inclusion"])
        .await;
    Office { admin, anna }
}

/// Registers a person; returns the id.
pub async fn person(app: &TestApp, token: &str, given: &str) -> String {
    app.register_person(token, given, "Test").await
}

/// Opens a case file (200 days ago) for a new person managed by anna; returns
/// `(case file id, person id)`.
pub async fn open_file(app: &TestApp, o: &Office, given: &str) -> (String, String) {
    let (anna_id, token) = &o.anna;
    let p = person(app, token, given).await;
    let file = app
        .open_case_file(token, &p, "social_inclusion", anna_id, Some(&day(-200)))
        .await;
    (id_of(&file), p)
}

/// POST with a JSON body.
pub async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.post(token, path, &body).await
}

/// POST with `If-Match`.
pub async fn post_if(
    app: &TestApp,
    token: &str,
    path: &str,
    etag: &str,
    body: Value,
) -> reqwest::Response {
    app.post_if(token, path, etag, &body).await
}

/// PUT with an optional `If-Match`.
pub async fn put_if(
    app: &TestApp,
    token: &str,
    path: &str,
    etag: Option<&str>,
    body: Value,
) -> reqwest::Response {
    app.put_if(token, path, etag, &body).await
}

/// GET.
pub async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.get(token, path).await
}

/// GET expecting 200; returns the body.
pub async fn get_json(app: &TestApp, token: &str, path: &str) -> Value {
    app.get_ok(token, path).await
}
