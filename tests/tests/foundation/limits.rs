//! Rate limits per caller (X-RateLimit-* on every answer, 429 with Retry-After), response
//! compression and the metrics endpoint.

use reqwest::Response;
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
        let r = app
            .client
            .get(app.api("/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
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
    let r = app.client.get(app.api("/status")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(standing(&r), (3, 1));
    // A rejected token is counted against the address.
    let r = app
        .client
        .get(app.api("/me"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(standing(&r), (3, 0));
    let r = app.client.get(app.api("/status")).send().await.unwrap();
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
