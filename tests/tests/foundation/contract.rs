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
    a_malformed_cursor_is_400,
    every_response_carries_the_security_headers,
    swagger_ui_calls_no_validator_and_fills_in_no_purpose,
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
    // A fixed segment names its own resource: `PUT /persons/permits-expiring` is 405 with the
    // methods of that resource, not a 400 from `PUT /persons/{person_id}` about the id.
    let r = app
        .client
        .put(app.api("/persons/permits-expiring"))
        .bearer_auth(&admin)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET");
    problem(r).await;

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

/// Every cursor is base64url as the contract's pattern says: anything else is 400, including
/// the raw ids and offsets the case-file list and the agenda used to take.
async fn a_malformed_cursor_is_400(app: TestApp) {
    let admin = app.admin_token().await;
    let user = app
        .create_user(&admin, "anna", &["social_worker"], &["social_inclusion"])
        .await;
    let (worker, _) = app
        .tokens("anna", &socialcare_tests::user_password("anna"))
        .await;
    let raw_id = user["id"].as_str().unwrap();
    for (token, path) in [
        (&admin, "/users"),
        (&worker, "/case-files"),
        (&worker, "/me/caseload"),
        (&worker, "/me/agenda"),
        (&worker, "/persons"),
    ] {
        // Any text is a position of the account list (a username): the old raw formats are
        // checked on the other lists.
        let old_formats = if path == "/users" { 3 } else { 5 };
        for cursor in ["%21%21", "", "NDI%3D", raw_id, "20"]
            .into_iter()
            .take(old_formats)
        {
            let r = app
                .client
                .get(app.api(&format!("{path}?cursor={cursor}")))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 400, "{path}?cursor={cursor}");
            let problem: Value = r.json().await.unwrap();
            assert_eq!(
                problem["errors"][0]["parameter"], "cursor",
                "{path} {problem}"
            );
        }
    }
}

/// Asserts the headers that every response carries, whatever produced it.
fn assert_security_headers(r: &reqwest::Response, what: &str) {
    let h = r.headers();
    let value = |name: &str| {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{what}: no {name}"))
            .to_owned()
    };
    assert_eq!(value("cache-control"), "no-store", "{what}");
    assert_eq!(value("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(value("x-frame-options"), "DENY", "{what}");
    assert_eq!(value("referrer-policy"), "no-referrer", "{what}");
    assert!(
        value("content-security-policy").contains("frame-ancestors 'none'"),
        "{what}"
    );
}

async fn every_response_carries_the_security_headers(app: TestApp) {
    let admin = app.admin_token().await;
    let ok = app
        .client
        .get(app.api("/users"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_security_headers(&ok, "200 with personal data");
    let unauthorized = app.client.get(app.api("/users")).send().await.unwrap();
    assert_eq!(unauthorized.status(), 401);
    assert_security_headers(&unauthorized, "401");
    let missing = app
        .client
        .get(app.api("/no-such-thing"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert_security_headers(&missing, "404 of an unknown path");
    let outside = app
        .client
        .get(format!("{}/robots.txt", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), 404);
    assert_security_headers(&outside, "404 outside the API");
    let contract = app
        .client
        .get(app.api("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(contract.status(), 200);
    assert_security_headers(&contract, "the contract");
    let docs = app
        .client
        .get(format!("{}/docs/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(docs.status(), 200);
    assert_security_headers(&docs, "the Swagger UI page");
    // The Swagger UI still works: its own scripts and styles may load, nothing else.
    let csp = docs.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    let api_csp = ok.headers()["content-security-policy"].to_str().unwrap();
    assert!(api_csp.starts_with("default-src 'none'"), "{api_csp}");
    for asset in [
        "swagger-ui-bundle.js",
        "swagger-initializer.js",
        "swagger-ui.css",
    ] {
        let r = app
            .client
            .get(format!("{}/docs/{asset}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{asset}");
        assert_security_headers(&r, asset);
    }
    let redirect = app
        .client
        .get(format!("{}/docs", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), 308);
    assert_security_headers(&redirect, "the /docs redirect");
    // A CORS preflight from a foreign origin, refused by the CORS middleware.
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.api("/users"))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert_security_headers(&preflight, "a refused CORS preflight");
}

async fn swagger_ui_calls_no_validator_and_fills_in_no_purpose(app: TestApp) {
    let initializer = app
        .client
        .get(format!("{}/docs/swagger-initializer.js", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        initializer.contains(r#""validatorUrl": "none""#),
        "{initializer}"
    );
    assert!(
        initializer.contains("/api/v1/openapi.json"),
        "{initializer}"
    );
    // No default or example for Access-Purpose anywhere in the contract: "Try it out" would
    // put an invented purpose into the audit trail.
    let served: Value = app
        .client
        .get(app.api("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut found = Vec::new();
    fn walk(v: &Value, path: &str, found: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                let is_purpose = map
                    .get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case("access-purpose"));
                if is_purpose {
                    let text = v.to_string();
                    for word in ["\"example\"", "\"examples\"", "\"default\""] {
                        if text.contains(word) {
                            found.push(format!("{path}: {word}"));
                        }
                    }
                }
                for (k, child) in map {
                    walk(child, &format!("{path}/{k}"), found);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, &format!("{path}/{i}"), found);
                }
            }
            _ => {}
        }
    }
    walk(&served, "", &mut found);
    assert!(found.is_empty(), "{found:?}");
    assert!(served["components"]["parameters"]["AccessPurpose"].is_object());
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

/// The parameters of an operation, with `$ref`s to `components/parameters` resolved.
fn parameters_of(doc: &Value, op: &Value) -> Vec<Value> {
    op["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|p| match p["$ref"].as_str() {
            Some(r) => doc["components"]["parameters"][r.rsplit('/').next().unwrap()].clone(),
            None => p,
        })
        .collect()
}

/// The contract says exactly what the server does about `Idempotency-Key`, `If-Match` and
/// cursors: every POST that creates or changes something (all but the session endpoints under
/// `/auth`) declares `Idempotency-Key` with the pattern `key_of` enforces, every operation that
/// may answer 428 declares `If-Match` (required, except on a create-or-replace PUT that also
/// answers 201), and every paged list takes one cursor format.
#[test]
fn the_contract_declares_idempotency_if_match_and_cursors_as_enforced() {
    let doc = socialcare_api::openapi::document();
    let mut problems = Vec::new();
    let mut cursors = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or("?");
            let params = parameters_of(&doc, op);
            let named = |name: &str| params.iter().find(|p| p["name"] == name).cloned();
            if method == "post" && !path.starts_with("/auth/") {
                match named("Idempotency-Key") {
                    None => problems.push(format!("{id}: no Idempotency-Key")),
                    Some(p) => {
                        let schema = &p["schema"];
                        if schema["pattern"] != "^[\\x21-\\x7E]{1,255}$"
                            || schema["minLength"] != 1
                            || schema["maxLength"] != 255
                            || schema["type"] != "string"
                            || p["required"] == true
                        {
                            problems.push(format!("{id}: Idempotency-Key is {p}"));
                        }
                    }
                }
            }
            if op["responses"].get("428").is_some() {
                let create_or_replace = method == "put" && op["responses"].get("201").is_some();
                match named("If-Match") {
                    None => problems.push(format!("{id}: answers 428 without If-Match")),
                    Some(p) if p["required"] != true && !create_or_replace => {
                        problems.push(format!("{id}: answers 428 but If-Match is optional"))
                    }
                    Some(p) if p["schema"]["type"] != "string" => {
                        problems.push(format!("{id}: If-Match is {p}"))
                    }
                    Some(_) => {}
                }
            }
            for p in ["Idempotency-Key", "If-Match"]
                .into_iter()
                .filter_map(named)
            {
                if p.get("example").is_some() || p["schema"].get("example").is_some() {
                    problems.push(format!(
                        "{id}: an example would be pre-filled by Try it out"
                    ));
                }
            }
            if let Some(p) = named("cursor") {
                cursors += 1;
                let schema = &p["schema"];
                if schema["pattern"] != "^[A-Za-z0-9_-]{1,500}$"
                    || schema["minLength"] != 1
                    || schema["maxLength"] != 500
                    || schema["type"] != "string"
                {
                    problems.push(format!("{id}: cursor is {p}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(cursors >= 10, "{cursors} paged lists");
}
