//! Rate limits per caller (X-RateLimit-* on every answer, 429 with Retry-After), response
//! compression and the metrics endpoint.

use reqwest::{Method, Response};
use serde_json::{Value, json};
use socialcare_persistence::users;
use socialcare_tests::{ADMIN_PASSWORD, Engine, TestApp, user_password};

fn header(r: &Response, name: &str) -> Option<u64> {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().parse().unwrap())
}

/// `(limit, remaining)` of an answer, checking that the reset is within a minute.
fn standing(r: &Response) -> (u64, u64) {
    let reset = header(r, "x-ratelimit-reset").expect("X-RateLimit-Reset");
    assert!(reset <= 60, "reset {reset}");
    (
        header(r, "x-ratelimit-limit").expect("X-RateLimit-Limit"),
        header(r, "x-ratelimit-remaining").expect("X-RateLimit-Remaining"),
    )
}

/// With a quota of 3 a minute: the login spends the address's quota, the staff member's calls
/// spend their own; the fourth call of the minute is 429 with `Retry-After`, does nothing, and
/// leaves the address's quota untouched; a rejected token spends the address's quota.
async fn each_caller_has_a_quota(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, &["--rate-limit-per-minute", "3"]).await else {
        return;
    };
    let r = app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(r.status(), 200);
    assert_eq!(standing(&r), (3, 2));
    let token = r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    for remaining in [2, 1, 0] {
        let r = app.get(&token, "/me").await;
        assert_eq!(r.status(), 200);
        assert_eq!(standing(&r), (3, remaining));
    }
    let r = app
        .client
        .post(app.api("/users"))
        .bearer_auth(&token)
        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
        .json(&json!({
            "username": "limited", "display_name": "Limited", "email": "limited@comune.example.it",
            "password": user_password("limited"), "roles": ["social_worker"], "areas": ["transversal"]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(standing(&r), (3, 0));
    // One request comes back every 20 s.
    let wait = header(&r, "retry-after").expect("Retry-After");
    assert!((1..=20).contains(&wait), "Retry-After {wait}");
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["status"], 429);
    assert_eq!(problem["instance"], "/api/v1/users");
    assert!(problem["detail"].as_str().unwrap().contains("3 requests"));
    let listed = app
        .db()
        .read(|c| {
            users::list(
                c,
                &users::UserQuery {
                    limit: 100,
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert!(
        listed.iter().all(|u| u.username.as_str() != "limited"),
        "a refused request changes nothing"
    );

    // The address has its own quota: one request left since the login.
    let r = app.get("", "/status").await;
    assert_eq!(r.status(), 200);
    assert_eq!(standing(&r), (3, 1));
    // A rejected token is counted against the address.
    let r = app.get("not-a-token", "/me").await;
    assert_eq!(r.status(), 401);
    assert_eq!(standing(&r), (3, 0));
    let r = app.get("", "/status").await;
    assert_eq!(r.status(), 429);
    assert!(header(&r, "retry-after").is_some());
}

#[tokio::test]
async fn each_caller_has_a_quota_sqlite() {
    each_caller_has_a_quota(Engine::Sqlite).await;
}

#[tokio::test]
async fn each_caller_has_a_quota_postgres() {
    each_caller_has_a_quota(Engine::Postgres).await;
}

/// A large answer is compressed with brotli or gzip when the client accepts it, and not
/// otherwise; the decompressed body is the same document.
async fn large_answers_are_compressed(app: TestApp) {
    let plain = app.get("", "/openapi.json").await;
    assert_eq!(plain.status(), 200);
    assert!(plain.headers().get("content-encoding").is_none());
    let expected: Value = plain.json().await.unwrap();

    for (encoding, client) in [
        (
            "br",
            reqwest::Client::builder().no_gzip().brotli(true).build(),
        ),
        (
            "gzip",
            reqwest::Client::builder().gzip(true).no_brotli().build(),
        ),
    ] {
        // Without decompression, to see what is on the wire.
        let raw = reqwest::Client::builder()
            .no_gzip()
            .no_brotli()
            .build()
            .unwrap()
            .get(app.api("/openapi.json"))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(raw.headers()["content-encoding"], encoding);
        assert!(
            raw.headers()
                .get_all("vary")
                .iter()
                .any(|v| v.to_str().unwrap().contains("accept-encoding")),
            "{:?}",
            raw.headers()
        );
        // The rate-limit and security headers survive the compression.
        assert!(raw.headers().get("x-ratelimit-limit").is_some());
        assert_eq!(raw.headers()["cache-control"], "no-store");
        let wire = raw.bytes().await.unwrap().len();
        let text = serde_json::to_string(&expected).unwrap();
        assert!(
            wire * 4 < text.len(),
            "{encoding}: {wire} bytes on the wire"
        );

        let decoded: Value = client
            .unwrap()
            .get(app.api("/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(decoded, expected, "{encoding}");
    }

    // A problem document is compressed too, and still complete.
    let r = reqwest::Client::builder()
        .gzip(true)
        .build()
        .unwrap()
        .get(app.api("/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["instance"], "/api/v1/me");
    assert!(problem["request_id"].is_string());
}

/// `/metrics` counts requests by route and shows the pool and the process; with an address of
/// its own it is served there and no longer on the API's address.
async fn metrics_show_the_pool_and_the_process(engine: Engine) {
    let Some(app) = TestApp::spawn_with(engine, &["--metrics-bind-addr", "127.0.0.1:0"]).await
    else {
        return;
    };
    let r = app.get("", "/status").await;
    assert_eq!(r.status(), 200);
    let on_api = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(on_api.status(), 404);

    let metrics = app.metrics_address.as_deref().expect("metrics address");
    let r = app
        .client
        .get(format!("{metrics}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = r.text().await.unwrap();
    let value = |name: &str| -> Option<f64> {
        text.lines()
            .find(|l| l.starts_with(name) && !l.starts_with('#'))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
    };
    assert_eq!(value("socialcare_db_pool_max_connections"), Some(4.0));
    let open = value("socialcare_db_pool_connections").expect("pool connections");
    let idle = value("socialcare_db_pool_idle_connections").expect("idle connections");
    assert!(open >= 1.0 && idle <= open, "{open} open, {idle} idle");
    assert!(
        text.contains("socialcare_http_requests_total{endpoint=\"/api/v1/status\",method=\"GET\",status=\"200\"}"),
        "{text}"
    );
    assert!(value("process_resident_memory_bytes").is_some_and(|b| b > 0.0));
    assert!(value("process_start_time_seconds").is_some());
}

/// Without an address of its own, `/metrics` is on the API's address.
async fn metrics_are_on_the_api_address_by_default(app: TestApp) {
    let r = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("socialcare_db_pool_max_connections 4"),
        "{text}"
    );
}

#[tokio::test]
async fn metrics_show_the_pool_and_the_process_sqlite() {
    metrics_show_the_pool_and_the_process(Engine::Sqlite).await;
}

#[tokio::test]
async fn metrics_show_the_pool_and_the_process_postgres() {
    metrics_show_the_pool_and_the_process(Engine::Postgres).await;
}

socialcare_tests::on_both_engines!(
    large_answers_are_compressed,
    metrics_are_on_the_api_address_by_default,
    the_healthcheck_command_probes_the_status,
    labels_and_problems_speak_italian,
);

/// `socialcare healthcheck` (the image's HEALTHCHECK) succeeds against a serving server and
/// fails when nothing answers.
async fn the_healthcheck_command_probes_the_status(app: TestApp) {
    let port = app.address.rsplit(':').next().unwrap().to_owned();
    let check = |port: String| {
        tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            let bind = format!("0.0.0.0:{port}");
            socialcare_api::cli::run(
                ["socialcare", "--bind-addr", &bind, "healthcheck"],
                &mut "".as_bytes(),
                &mut out,
            )
            .map(|()| String::from_utf8(out).unwrap())
            .map_err(|e| format!("{e:#}"))
        })
    };
    let answer = check(port).await.unwrap().unwrap();
    assert!(answer.contains("/api/v1/status"), "{answer}");
    assert!(answer.contains("\"status\":\"ok\""), "{answer}");

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let free = closed.local_addr().unwrap().port().to_string();
    drop(closed);
    assert!(check(free).await.unwrap().is_err());
}

/// `GET /codes` gives every code list with Italian and English labels; `Accept-Language: it`
/// gives Italian problem documents with `Content-Language: it`, English otherwise.
async fn labels_and_problems_speak_italian(app: TestApp) {
    let r = app.get("", "/codes").await;
    assert_eq!(r.status(), 200);
    let lists: Value = r.json().await.unwrap();
    let items = lists["items"].as_array().unwrap();
    assert!(items.len() >= 70, "{} lists", items.len());
    let status = items.iter().find(|l| l["name"] == "case_status").unwrap();
    assert_eq!(status["schema"], "CaseStatusCode");
    assert_eq!(
        status["codes"],
        json!([
            {"code": "intake", "it": "Primo accesso", "en": "Intake"},
            {"code": "active", "it": "In carico", "en": "Active"},
            {"code": "suspended", "it": "Sospesa", "en": "Suspended"},
            {"code": "closed", "it": "Chiusa", "en": "Closed"},
        ])
    );
    let r = app.get("", "/codes/target_group").await;
    assert_eq!(r.status(), 200);
    let groups: Value = r.json().await.unwrap();
    assert_eq!(groups["codes"][2]["it"], "Persona senza dimora");

    // Unknown list: 404, in English by default and in Italian when asked.
    let r = app.get("", "/codes/no_such_list").await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-language"], "en");
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["title"], "Not Found");
    let r = app
        .call(Method::GET, "", "/codes/no_such_list")
        .header("accept-language", "it-IT,it;q=0.9,en;q=0.8")
        .send()
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-language"], "it");
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["title"], "Risorsa non trovata");
    assert_eq!(
        problem["detail"],
        "nessun elenco di codici si chiama `no_such_list`; vedere GET /codes"
    );

    // The gate's answers: no token, then a validation error with pointers.
    let r = app
        .call(Method::GET, "", "/me")
        .header("accept-language", "it")
        .send()
        .await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["content-language"], "it");
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["title"], "Autenticazione richiesta");
    assert_eq!(problem["detail"], "serve un token di accesso");

    let admin = app.admin_token().await;
    let r = app
        .client
        .post(app.api("/users"))
        .bearer_auth(&admin)
        .header("accept-language", "it")
        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
        .json(&json!({
            "username": "x", "display_name": "", "email": "not-an-email",
            "password": user_password("x"), "roles": ["social_worker"], "areas": ["transversal"]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let language = r.headers()["content-language"].to_str().unwrap().to_owned();
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["title"], "Contenuto della richiesta non valido");
    assert_eq!(language, "it", "{problem}");
    assert_eq!(
        problem["detail"],
        "2 campi non sono validi; vedere `errors`"
    );
    assert_eq!(
        problem["errors"],
        json!([
            {"pointer": "/display_name", "detail": "la lunghezza deve essere tra 1 e 200"},
            {"pointer": "/username", "detail": "la lunghezza deve essere tra 3 e 64"},
        ])
    );
}
