//! Social projects and inclusion pacts over HTTP, each test on SQLite and on PostgreSQL:
//! lifecycles with every legal and illegal transition, validation pointers, nested objects
//! found only under their parent, ETag/If-Match, idempotency and the audit of reads.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use socialcare_domain::calendar;
use socialcare_tests::{TestApp, user_password};

mod agenda;
mod pacts;
mod projects;

/// `(user id, token)`.
pub type Staff = (String, String);

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
    let user = app
        .create_user(&admin, "anna", &["social_worker"], &["social_inclusion"])
        .await;
    let (token, _) = app.tokens("anna", &user_password("anna")).await;
    Office {
        admin,
        anna: (user["id"].as_str().unwrap().to_owned(), token),
    }
}

/// Registers a person; returns the id.
pub async fn person(app: &TestApp, token: &str, given: &str) -> String {
    let r = post(
        app,
        token,
        "/persons",
        json!({"given_names": given, "family_names": "Test"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Opens a case file (200 days ago) for a new person managed by anna; returns
/// `(case file id, person id)`.
pub async fn open_file(app: &TestApp, o: &Office, given: &str) -> (String, String) {
    let (anna_id, token) = &o.anna;
    let p = person(app, token, given).await;
    let r = post(
        app,
        token,
        "/case-files",
        json!({"person_id": p, "area": "social_inclusion", "case_manager_id": anna_id,
            "opened_on": day(-200)}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let file: Value = r.json().await.unwrap();
    (file["id"].as_str().unwrap().to_owned(), p)
}

/// POST with a JSON body.
pub async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.api(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// POST with `If-Match`.
pub async fn post_if(
    app: &TestApp,
    token: &str,
    path: &str,
    etag: &str,
    body: Value,
) -> reqwest::Response {
    app.client
        .post(app.api(path))
        .bearer_auth(token)
        .header("if-match", etag)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// PUT with an optional `If-Match`.
pub async fn put_if(
    app: &TestApp,
    token: &str,
    path: &str,
    etag: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut request = app.client.put(app.api(path)).bearer_auth(token).json(&body);
    if let Some(tag) = etag {
        request = request.header("if-match", tag);
    }
    request.send().await.unwrap()
}

/// GET.
pub async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.api(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// GET expecting 200; returns the body.
pub async fn get_json(app: &TestApp, token: &str, path: &str) -> Value {
    let r = get(app, token, path).await;
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.unwrap()
}

/// Today plus `offset` days, as `YYYY-MM-DD`.
pub fn day(offset: i64) -> String {
    (calendar::today(Utc::now()) + Duration::days(offset)).to_string()
}

/// The JSON Pointers of a 422 problem, in order.
pub fn pointers(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|e| e["pointer"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The `ETag` header of a response.
pub fn etag_of(r: &reqwest::Response) -> String {
    r.headers()["etag"].to_str().unwrap().to_owned()
}
