//! The HTTP contract: problem details for every error status, status endpoint, request ids,
//! CORS, metrics, and the published OpenAPI document.

use serde_json::{Value, json};
use socialcare_tests::{Engine, TestApp, on_both_engines};

on_both_engines!(
    status_reports_the_engine,
    every_error_status_is_problem_json,
    request_ids_are_echoed_or_generated,
    the_contract_and_docs_are_served,
    metrics_are_exposed,
);

async fn problem(response: reqwest::Response) -> Value {
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json",
        "not problem+json"
    );
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert!(body["title"].is_string());
    assert!(body["type"].is_string());
    assert_eq!(body["request_id"], request_id);
    assert!(body["instance"].as_str().unwrap().starts_with('/'));
    body
}

async fn status_reports_the_engine(app: TestApp) {
    let r = app.client.get(app.api("/status")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    let engine = match app.engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgresql",
    };
    assert_eq!(
        body,
        json!({"status": "ok", "version": env!("CARGO_PKG_VERSION"), "database": engine})
    );
}

async fn every_error_status_is_problem_json(app: TestApp) {
    let admin = app.admin_token().await;
    let users = app.api("/users");

    // 400 malformed JSON
    let r = app
        .client
        .post(&users)
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        problem(r).await["detail"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );

    // 415 wrong content type
    let r = app
        .client
        .post(&users)
        .bearer_auth(&admin)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    problem(r).await;

    // 413 body over 1 MiB
    let big = json!({ "username": "x".repeat(1024 * 1024 + 10) }).to_string();
    let r = app
        .client
        .post(&users)
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    problem(r).await;

    // 422 with a pointer for each offending member, from serde, validator and the domain
    let r = app
        .client
        .post(&users)
        .bearer_auth(&admin)
        .json(
            &json!({ "username": "ok-name", "display_name": "A", "email": "a@b.it",
                       "password": "long enough password", "roles": ["social_worker", "boss"] }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(problem(r).await["errors"][0]["pointer"], "/roles/1");
    let r = app
        .client
        .post(&users)
        .bearer_auth(&admin)
        .json(
            &json!({ "username": "ok-name", "display_name": "A", "email": "not-an-email",
                       "password": "long enough password", "roles": ["social_worker"] }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body = problem(r).await;
    let pointers: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, vec!["/email", "/areas"]);
    let r = app
        .client
        .post(&users)
        .bearer_auth(&admin)
        .json(&json!({ "display_name": "A" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(problem(r).await["errors"][0]["pointer"], "/username");
    let r = app.client.post(&users).bearer_auth(&admin)
        .json(&json!({ "username": "ok-name", "display_name": "A", "email": "a@b.it",
                       "password": "long enough password", "roles": ["educator"], "areas": ["transversal"], "colour": "red" }))
        .send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(problem(r).await["errors"][0]["pointer"], "/colour");

    // 404 unknown path, 405 wrong method with Allow
    let r = app
        .client
        .get(app.api("/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    problem(r).await;
    let r = app.client.delete(app.api("/status")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET");
    problem(r).await;
    let r = app
        .client
        .put(format!("{users}/{}", uuid::Uuid::now_v7()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET, PATCH");

    // 400 for a malformed path or query parameter, naming it
    let r = app
        .client
        .get(format!("{users}/not-a-uuid"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(problem(r).await["errors"][0]["parameter"], "user_id");
    let r = app
        .client
        .get(format!("{users}?limit=1000"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(problem(r).await["errors"][0]["parameter"], "limit");
    let r = app
        .client
        .get(format!("{users}?role=boss"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(problem(r).await["errors"][0]["parameter"], "role");

    // 401 and 403
    let r = app.client.get(&users).send().await.unwrap();
    assert_eq!(r.status(), 401);
    problem(r).await;
    app.create_user(&admin, "worker", &["social_worker"], &["social_inclusion"])
        .await;
    let (worker, _) = app
        .tokens("worker", &socialcare_tests::user_password("worker"))
        .await;
    let r = app
        .client
        .get(&users)
        .bearer_auth(&worker)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    problem(r).await;

    // 409
    let r = app.client.post(&users).bearer_auth(&admin)
        .json(&json!({ "username": "WORKER", "display_name": "Again", "email": "w@comune.example.it",
                       "password": "long enough password", "roles": ["educator"], "areas": ["transversal"] }))
        .send().await.unwrap();
    assert_eq!(r.status(), 409);
    problem(r).await;
}

async fn request_ids_are_echoed_or_generated(app: TestApp) {
    let r = app
        .client
        .get(app.api("/status"))
        .header("x-request-id", "frontend-42.a")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "frontend-42.a");
    let r = app.client.get(app.api("/status")).send().await.unwrap();
    let generated = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&generated).is_ok());
    // An unsafe id is replaced, never reflected.
    let r = app
        .client
        .get(app.api("/nothing"))
        .header("x-request-id", "bad id <script>")
        .send()
        .await
        .unwrap();
    let replaced = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&replaced).is_ok());
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["request_id"], replaced);
    // The request id reaches the audit trail.
    let r = app
        .client
        .post(app.api("/auth/token"))
        .header("x-request-id", "login-7")
        .json(&json!({"username": "admin", "password": socialcare_tests::ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(app.audit(1)[0].request_id.as_deref(), Some("login-7"));
}

async fn the_contract_and_docs_are_served(app: TestApp) {
    let served: Value = app
        .client
        .get(app.api("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served, socialcare_api::openapi::document());
    let r = app
        .client
        .get(format!("{}/docs/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("swagger"));
    let r = app
        .client
        .get(format!("{}/docs", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 308);
}

async fn metrics_are_exposed(app: TestApp) {
    app.client.get(app.api("/status")).send().await.unwrap();
    let text = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("socialcare_http_requests_total{endpoint=\"/api/v1/status\",method=\"GET\",status=\"200\"}"), "{text}");
    assert!(text.contains("socialcare_http_requests_duration_seconds_bucket"));
}

/// CORS: only configured origins (and the server's own) get access.
#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let Some(app) = TestApp::spawn_with(
        Engine::Sqlite,
        &["--cors-origins", "https://frontend.comune.example.it"],
    )
    .await
    else {
        return;
    };
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.api("/users"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let ok = preflight("https://frontend.comune.example.it")
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://frontend.comune.example.it"
    );
    let refused = preflight("https://evil.example.com").await.unwrap();
    assert!(refused.status().is_client_error());
    assert!(
        !refused
            .headers()
            .contains_key("access-control-allow-origin")
    );
    assert_eq!(
        refused.headers()["content-type"],
        "application/problem+json"
    );
}

/// When the database goes away, `/status` answers 503 with Retry-After.
#[tokio::test]
async fn status_is_503_when_the_database_is_down() {
    let Some(app) = TestApp::spawn(Engine::Postgres).await else {
        return;
    };
    assert_eq!(
        app.client
            .get(app.api("/status"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    app.database.drop_now();
    let r = app.client.get(app.api("/status")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}

/// The committed contract is what the code generates.
#[test]
fn committed_contract_is_current() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/openapi.json"
    ))
    .unwrap_or_default();
    assert!(
        committed == socialcare_api::openapi::document_text(),
        "openapi/openapi.json is stale: regenerate it with `cargo run -p socialcare-openapi` and commit it"
    );
}
