//! Logging in, token validation, refresh rotation and throttling.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::{Value, json};
use socialcare_tests::{ADMIN_PASSWORD, AUDIENCE, ISSUER, JWT_SECRET, TestApp, on_both_engines};

on_both_engines!(
    login_returns_a_valid_token_pair,
    wrong_password_unknown_user_and_disabled_account_are_one_401,
    tokens_are_rejected_when_expired_tampered_unsigned_or_for_another_audience,
    refresh_rotates_and_reuse_revokes_the_chain,
    logout_revokes_the_refresh_token,
    repeated_failures_are_throttled_per_account,
    missing_token_is_a_401_challenge,
);

fn claims(sub: &str, aud: &str, iat: i64, exp: i64) -> Value {
    json!({
        "sub": sub, "roles": ["system_admin"], "areas": [], "iss": ISSUER, "aud": aud,
        "iat": iat, "nbf": iat, "exp": exp, "jti": uuid::Uuid::new_v4().to_string()
    })
}

fn sign(claims: &Value) -> String {
    encode(
        &Header::default(),
        claims,
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap()
}

async fn me_status(app: &TestApp, token: &str) -> (u16, Option<String>) {
    let r = app
        .client
        .get(app.api("/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let challenge = r
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    (r.status().as_u16(), challenge)
}

async fn login_returns_a_valid_token_pair(app: TestApp) {
    let r = app.login("ADMIN", ADMIN_PASSWORD).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["refresh_expires_in"], 43200);
    assert_eq!(body["refresh_token"].as_str().unwrap().len(), 43);

    // The access token carries the documented claims.
    let token = body["access_token"].as_str().unwrap();
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    for claim in [
        "sub", "roles", "areas", "iss", "aud", "iat", "exp", "jti", "nbf",
    ] {
        assert!(!claims[claim].is_null(), "claim {claim} missing");
    }
    assert_eq!(claims["roles"], json!(["system_admin"]));
    assert_eq!(claims["iss"], ISSUER);
    assert_eq!(claims["aud"], AUDIENCE);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        900
    );

    let me: Value = app
        .client
        .get(app.api("/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "admin");
    assert_eq!(me["id"], claims["sub"]);

    // The login is in the audit trail with its outcome, and the refresh token is stored hashed.
    let record = &app.audit(1)[0];
    assert_eq!(
        (record.action.as_str(), record.outcome.as_str()),
        ("auth.login", "success")
    );
    assert_eq!(record.actor_username.as_deref(), Some("admin"));
    let stored = socialcare_persistence::sessions::find_by_hash(
        &mut app.db().conn().unwrap(),
        body["refresh_token"].as_str().unwrap(),
    )
    .unwrap();
    assert!(
        stored.is_none(),
        "the clear refresh token must not be stored"
    );
}

async fn wrong_password_unknown_user_and_disabled_account_are_one_401(app: TestApp) {
    let admin = app.admin_token().await;
    let user = app
        .create_user(&admin, "ebianchi", &["educator"], &["transversal"])
        .await;
    let pw = socialcare_tests::user_password("ebianchi");
    let disabled = app
        .client
        .post(app.api(&format!("/users/{}/disable", user["id"].as_str().unwrap())))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.status(), 200);

    let mut bodies = Vec::new();
    for (username, password) in [
        ("admin", "not the password at all"),
        ("nobody", "whatever password"),
        ("ebianchi", pw.as_str()),
    ] {
        let r = app.login(username, password).await;
        assert_eq!(r.status(), 401, "{username}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        assert!(
            r.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
        let body: Value = r.json().await.unwrap();
        bodies.push(body["detail"].clone());
        assert_eq!(body["status"], 401);
        assert_eq!(body["instance"], "/api/v1/auth/token");
    }
    assert!(
        bodies.iter().all(|b| *b == bodies[0]),
        "answers differ: {bodies:?}"
    );
    let failures = app
        .audit(3)
        .iter()
        .filter(|r| r.action == "auth.login" && r.outcome == "failure")
        .count();
    assert_eq!(failures, 3);
}

async fn tokens_are_rejected_when_expired_tampered_unsigned_or_for_another_audience(app: TestApp) {
    let (token, _) = app.tokens("admin", ADMIN_PASSWORD).await;
    assert_eq!(me_status(&app, &token).await.0, 200);
    let sub = {
        let payload = token.split('.').nth(1).unwrap();
        let c: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        c["sub"].as_str().unwrap().to_owned()
    };
    let now = chrono::Utc::now().timestamp();

    // A token we sign ourselves with the right key is accepted: the forgeries below fail for
    // the reason they test, not for a mistake in forging.
    assert_eq!(
        me_status(&app, &sign(&claims(&sub, AUDIENCE, now, now + 60)))
            .await
            .0,
        200
    );

    let expired = sign(&claims(&sub, AUDIENCE, now - 3600, now - 60));
    let other_audience = sign(&claims(&sub, "another-api", now, now + 60));
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut forged: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    forged["roles"] = json!(["office_manager"]);
    parts[1] = URL_SAFE_NO_PAD.encode(forged.to_string());
    let tampered = parts.join(".");
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let unsigned = format!(
        "{none_header}.{}.",
        URL_SAFE_NO_PAD.encode(claims(&sub, AUDIENCE, now, now + 60).to_string())
    );
    let wrong_key = encode(
        &Header::default(),
        &claims(&sub, AUDIENCE, now, now + 60),
        &EncodingKey::from_secret(b"another-secret-another-secret-another-secret"),
    )
    .unwrap();

    for (name, bad) in [
        ("expired", expired),
        ("other audience", other_audience),
        ("tampered", tampered),
        ("alg none", unsigned),
        ("wrong key", wrong_key),
        ("garbage", "not-a-jwt".to_owned()),
    ] {
        let (status, challenge) = me_status(&app, &bad).await;
        assert_eq!(status, 401, "{name}");
        assert!(
            challenge.unwrap().contains("error=\"invalid_token\""),
            "{name} challenge"
        );
    }
}

async fn refresh_rotates_and_reuse_revokes_the_chain(app: TestApp) {
    let (_, first) = app.tokens("admin", ADMIN_PASSWORD).await;
    let refresh = |token: String| {
        let app = &app;
        async move {
            app.client
                .post(app.api("/auth/refresh"))
                .json(&json!({ "refresh_token": token }))
                .send()
                .await
                .unwrap()
        }
    };
    let r = refresh(first.clone()).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let second = body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    assert_eq!(
        me_status(&app, body["access_token"].as_str().unwrap())
            .await
            .0,
        200
    );

    // Reusing the first token is detected: it fails, and so does the second one afterwards.
    let reuse = refresh(first).await;
    assert_eq!(reuse.status(), 401);
    let detail: Value = reuse.json().await.unwrap();
    assert!(detail["detail"].as_str().unwrap().contains("already used"));
    assert_eq!(
        refresh(second).await.status(),
        401,
        "the chain must be revoked"
    );
    assert!(
        app.audit(5)
            .iter()
            .any(|r| r.action == "auth.refresh" && r.outcome == "failure")
    );

    // An unknown token is refused too.
    assert_eq!(refresh("x".repeat(43)).await.status(), 401);
}

async fn logout_revokes_the_refresh_token(app: TestApp) {
    let (_, refresh) = app.tokens("admin", ADMIN_PASSWORD).await;
    let out = app
        .client
        .post(app.api("/auth/logout"))
        .json(&json!({ "refresh_token": refresh }))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert_eq!(out.content_length(), Some(0));
    let again = app
        .client
        .post(app.api("/auth/refresh"))
        .json(&json!({ "refresh_token": refresh }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 401);
    // Unknown tokens are answered the same way, revealing nothing.
    let unknown = app
        .client
        .post(app.api("/auth/logout"))
        .json(&json!({ "refresh_token": "unknown" }))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 204);
    assert_eq!(
        app.audit(10)
            .iter()
            .filter(|r| r.action == "auth.logout")
            .count(),
        1
    );
}

async fn repeated_failures_are_throttled_per_account(app: TestApp) {
    for _ in 0..5 {
        assert_eq!(app.login("admin", "wrong password!!").await.status(), 401);
    }
    // Even the right password is refused while the account is throttled.
    let r = app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "retry-after {retry}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], 429);
    let record = &app.audit(1)[0];
    assert_eq!(
        (record.action.as_str(), record.outcome.as_str()),
        ("auth.login", "denied")
    );
    // Another account from the same address is not blocked by the account limit.
    assert_eq!(app.login("someone", "wrong password!!").await.status(), 401);
}

async fn missing_token_is_a_401_challenge(app: TestApp) {
    let r = app.client.get(app.api("/me")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.headers()["www-authenticate"],
        "Bearer realm=\"socialcare\""
    );
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = app
        .client
        .get(app.api("/me"))
        .header("authorization", "Basic YWRtaW46eA==")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

/// The per-address limit blocks a client that tries many accounts.
#[tokio::test]
async fn repeated_failures_are_throttled_per_address() {
    let Some(app) = TestApp::spawn_with(
        socialcare_tests::Engine::Sqlite,
        &["--login-max-failures-per-address", "3"],
    )
    .await
    else {
        return;
    };
    for name in ["a1", "a2", "a3"] {
        assert_eq!(app.login(name, "wrong password!!").await.status(), 401);
    }
    let r = app.login("a4", "wrong password!!").await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
}
