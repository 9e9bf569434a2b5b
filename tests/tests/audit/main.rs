//! The audit trail: the hash chain and its verification (endpoint and command line), the
//! database refusing changes, legacy records chained on upgrade, searches and access reports for
//! the privacy officer, the `Access-Purpose` header, and break-glass access with its review —
//! each on SQLite and on PostgreSQL.

mod break_glass;
mod chain;
mod log;
mod trail;
mod witness;

use reqwest::Response;
use serde_json::{Value, json};
use socialcare_tests::{TestApp, user_password};

/// The people of a small office and their tokens.
pub struct Office {
    /// Social worker of `social_inclusion`, case manager of the test case.
    pub anna_id: String,
    /// Anna's access token.
    pub anna: String,
    /// Social worker of `adults_disability`, outside the case team.
    pub marco_id: String,
    /// Marco's access token.
    pub marco: String,
    /// Office manager.
    pub manager_id: String,
    /// The office manager's access token.
    pub manager: String,
    /// Privacy officer.
    pub privacy: String,
    /// Administrative staff.
    pub clerk: String,
    /// System administrator.
    pub admin: String,
}

async fn account(
    app: &TestApp,
    admin: &str,
    name: &str,
    roles: &[&str],
    areas: &[&str],
) -> (String, String) {
    let user = app.create_user(admin, name, roles, areas).await;
    let (token, _) = app.tokens(name, &user_password(name)).await;
    (user["id"].as_str().unwrap().to_owned(), token)
}

/// Creates the office's accounts.
pub async fn office(app: &TestApp) -> Office {
    let admin = app.admin_token().await;
    let (anna_id, anna) = account(
        app,
        &admin,
        "anna",
        &["social_worker"],
        &["social_inclusion"],
    )
    .await;
    let (marco_id, marco) = account(
        app,
        &admin,
        "marco",
        &["social_worker"],
        &["adults_disability"],
    )
    .await;
    let (manager_id, manager) = account(app, &admin, "manager", &["office_manager"], &[]).await;
    let (_, privacy) = account(app, &admin, "privacy", &["privacy_officer"], &[]).await;
    let (_, clerk) = account(
        app,
        &admin,
        "clerk",
        &["administrative"],
        &["social_inclusion"],
    )
    .await;
    Office {
        anna_id,
        anna,
        marco_id,
        marco,
        manager_id,
        manager,
        privacy,
        clerk,
        admin,
    }
}

/// Registers a person; returns its id.
pub async fn person(app: &TestApp, token: &str, given: &str) -> String {
    app.register_person(token, given, "Test").await
}

/// Opens a case file in `social_inclusion` for a new person; returns `(case file, person)`.
pub async fn case_file(app: &TestApp, token: &str, manager: &str, given: &str) -> (String, String) {
    let p = person(app, token, given).await;
    let r = post(
        app,
        token,
        "/case-files",
        json!({"person_id": p, "area": "social_inclusion", "case_manager_id": manager,
            "opened_on": "2026-01-10"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let file: Value = r.json().await.unwrap();
    (file["id"].as_str().unwrap().to_owned(), p)
}

/// POSTs JSON with a bearer token.
pub async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> Response {
    app.post(token, path, &body).await
}

/// GETs with a bearer token.
pub async fn get(app: &TestApp, token: &str, path: &str) -> Response {
    app.get(token, path).await
}

/// GETs with a bearer token, expecting 200; returns the body.
pub async fn get_json(app: &TestApp, token: &str, path: &str) -> Value {
    app.get_ok(token, path).await
}

/// Runs the command line on the app's database.
pub fn cli(url: &str, args: &[&str]) -> Result<String, (String, String)> {
    let mut full = vec!["socialcare", "--database-url", url];
    full.extend_from_slice(args);
    let mut out = Vec::new();
    match socialcare_api::cli::run(full, &mut "".as_bytes(), &mut out) {
        Ok(()) => Ok(String::from_utf8(out).unwrap()),
        Err(e) => Err((String::from_utf8(out).unwrap(), format!("{e:#}"))),
    }
}
