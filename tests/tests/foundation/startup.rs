//! Start-up rules, asymmetric token keys, and the command line.

use serde_json::Value;
use socialcare_api::{Application, Config};
use socialcare_tests::{ADMIN_PASSWORD, Engine, TestApp, TestDatabase};

fn fixture(name: &str) -> String {
    format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

async fn start_error(args: &[&str]) -> String {
    let config = Config::from_args(args).unwrap();
    match Application::build(config).await {
        Ok(_) => panic!("the server started with {args:?}"),
        Err(e) => format!("{e:#}"),
    }
}

#[tokio::test]
async fn production_refuses_generated_keys_and_sqlite() {
    let Some(db) = TestDatabase::create(Engine::Sqlite) else {
        return;
    };
    let url = db.url();
    let base = [
        "socialcare",
        "--database-url",
        &url,
        "--bind-addr",
        "127.0.0.1:0",
        "--profile",
        "production",
    ];

    let no_key = start_error(&base).await;
    assert!(no_key.contains("SOCIALCARE_JWT_SECRET"), "{no_key}");

    let mut with_key = base.to_vec();
    with_key.extend([
        "--jwt-secret",
        socialcare_tests::JWT_SECRET,
        "--admin-password",
        ADMIN_PASSWORD,
    ]);
    let sqlite = start_error(&with_key).await;
    assert!(
        sqlite.contains("SOCIALCARE_ALLOW_SQLITE_IN_PRODUCTION"),
        "{sqlite}"
    );

    let short = [
        "socialcare",
        "--database-url",
        &url,
        "--bind-addr",
        "127.0.0.1:0",
        "--jwt-secret",
        "too-short",
    ];
    assert!(start_error(&short).await.contains("at least 32 bytes"));

    // Told explicitly, production runs on SQLite; but not without the audit log's key.
    with_key.extend(["--allow-sqlite-in-production", "true"]);
    let no_audit_key = start_error(&with_key).await;
    assert!(
        no_audit_key.contains("SOCIALCARE_AUDIT_SIGNING_KEY_FILE"),
        "{no_audit_key}"
    );
    // A key named for another log is refused.
    let other = socialcare_api::audit_log::generate_key("elsewhere.example/audit").unwrap();
    let mut other_key = with_key.clone();
    other_key.extend(["--audit-signing-key", &other]);
    let named = start_error(&other_key).await;
    assert!(named.contains("not the log's origin"), "{named}");
    with_key.extend([
        "--audit-signing-key",
        socialcare_tests::audit_signing_key(),
        "--audit-log-origin",
        socialcare_tests::AUDIT_LOG_ORIGIN,
    ]);
    let config = Config::from_args(&with_key).unwrap();
    assert!(Application::build(config).await.is_ok());
}

#[tokio::test]
async fn a_weak_first_admin_password_is_refused() {
    let Some(db) = TestDatabase::create(Engine::Sqlite) else {
        return;
    };
    let url = db.url();
    let message = start_error(&[
        "socialcare",
        "--database-url",
        &url,
        "--bind-addr",
        "127.0.0.1:0",
        "--admin-password",
        "short",
    ])
    .await;
    assert!(message.contains("SOCIALCARE_ADMIN_PASSWORD"), "{message}");
}

async fn asymmetric(algorithm: &str, prefix: &str) {
    let private = fixture(&format!("{prefix}-private.pem"));
    let public = fixture(&format!("{prefix}-public.pem"));
    let Some(app) = TestApp::spawn_with(
        Engine::Sqlite,
        &[
            "--jwt-algorithm",
            algorithm,
            "--jwt-private-key-file",
            &private,
            "--jwt-public-key-file",
            &public,
        ],
    )
    .await
    else {
        return;
    };
    let (token, _) = app.tokens("admin", ADMIN_PASSWORD).await;
    let header: Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            token.split('.').next().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], algorithm);
    let me = app
        .client
        .get(app.api("/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);

    // Algorithm confusion: an HS256 token keyed with the public key must be refused.
    let now = chrono::Utc::now().timestamp();
    let claims = serde_json::json!({
        "sub": uuid::Uuid::now_v7().to_string(), "roles": ["system_admin"], "areas": [],
        "iss": socialcare_tests::ISSUER, "aud": socialcare_tests::AUDIENCE,
        "iat": now, "nbf": now, "exp": now + 60, "jti": "x"
    });
    let confused = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(&std::fs::read(&public).unwrap()),
    )
    .unwrap();
    let r = app
        .client
        .get(app.api("/me"))
        .bearer_auth(&confused)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn es256_tokens_are_issued_and_pinned() {
    asymmetric("ES256", "es256").await;
}

#[tokio::test]
async fn rs256_tokens_are_issued_and_pinned() {
    asymmetric("RS256", "rs256").await;
}

fn cli(url: &str, args: &[&str], stdin: &str) -> Result<String, String> {
    let mut full = vec!["socialcare", "--database-url", url];
    full.extend_from_slice(args);
    let mut out = Vec::new();
    socialcare_api::cli::run(full, &mut stdin.as_bytes(), &mut out)
        .map(|()| String::from_utf8(out).unwrap())
        .map_err(|e| format!("{e:#}"))
}

async fn command_line_administers_users(engine: Engine) {
    let Some(db) = TestDatabase::create(engine) else {
        return;
    };
    let url = db.url();
    assert!(cli(&url, &["migrate"], "").unwrap().contains("applied"));
    assert!(cli(&url, &["migrate"], "").unwrap().contains("up to date"));

    let created = cli(
        &url,
        &[
            "users",
            "create",
            "--username",
            "Anna",
            "--display-name",
            "Anna Neri",
            "--email",
            "anna@comune.example.it",
            "--roles",
            "social_worker,area_coordinator",
            "--areas",
            "transversal",
            "--password-stdin",
        ],
        "secret-phrase-of-2026\n",
    )
    .unwrap();
    assert!(created.starts_with("created anna ("), "{created}");
    assert!(!created.contains("password:"));

    let generated = cli(
        &url,
        &[
            "users",
            "create",
            "--username",
            "bruno",
            "--display-name",
            "Bruno",
            "--email",
            "bruno@comune.example.it",
            "--roles",
            "office_manager",
        ],
        "",
    )
    .unwrap();
    let password = generated
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .unwrap()
        .to_owned();
    assert_eq!(password.len(), 24);

    let invalid = cli(
        &url,
        &[
            "users",
            "create",
            "--username",
            "x",
            "--display-name",
            "X",
            "--email",
            "no",
            "--roles",
            "educator",
            "--password-stdin",
        ],
        "short\n",
    )
    .unwrap_err();
    for field in ["username", "email", "profile/areas", "password"] {
        assert!(
            invalid.contains(field),
            "{field} not reported in: {invalid}"
        );
    }
    let taken = cli(
        &url,
        &[
            "users",
            "create",
            "--username",
            "anna",
            "--display-name",
            "A",
            "--email",
            "a@comune.example.it",
            "--roles",
            "office_manager",
        ],
        "",
    )
    .unwrap_err();
    assert!(taken.contains("already taken"), "{taken}");

    let list = cli(&url, &["users", "list"], "").unwrap();
    let rows: Vec<&str> = list.lines().collect();
    assert_eq!(
        rows[0],
        "username\tdisplay_name\temail\troles\tareas\tstatus"
    );
    assert_eq!(
        rows[1],
        "anna\tAnna Neri\tanna@comune.example.it\tsocial_worker,area_coordinator\ttransversal\tactive"
    );
    assert!(rows[2].starts_with("bruno\t"));

    // The accounts work on a server started on the same database.
    let config = Config::from_args([
        "socialcare",
        "--database-url",
        &url,
        "--bind-addr",
        "127.0.0.1:0",
        "--jwt-secret",
        socialcare_tests::JWT_SECRET,
        "--admin-password",
        ADMIN_PASSWORD,
        "--audit-signing-key",
        socialcare_tests::audit_signing_key(),
        "--audit-log-origin",
        socialcare_tests::AUDIT_LOG_ORIGIN,
    ])
    .unwrap();
    let app = Application::build(config).await.unwrap();
    let base = format!("http://127.0.0.1:{}/api/v1", app.port());
    let state = app.state();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let login = |user: &'static str, pw: String| {
        let client = client.clone();
        let base = base.clone();
        async move {
            client
                .post(format!("{base}/auth/token"))
                .json(&serde_json::json!({"username": user, "password": pw}))
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(login("bruno", password.clone()).await.status(), 200);
    // With users present, no bootstrap admin was created.
    assert_eq!(
        login("admin", ADMIN_PASSWORD.to_owned()).await.status(),
        401
    );

    let reset = cli(
        &url,
        &["users", "reset-password", "bruno", "--password-stdin"],
        "new-password-for-b-2026\n",
    )
    .unwrap();
    assert!(reset.contains("password reset for bruno"));
    assert_eq!(login("bruno", password).await.status(), 401);
    assert_eq!(
        login("bruno", "new-password-for-b-2026".into())
            .await
            .status(),
        200
    );

    let version_of_anna = || {
        state
            .db
            .read(|c| {
                socialcare_persistence::users::find_credentials(
                    c,
                    &socialcare_domain::Username::parse("anna").unwrap(),
                )
            })
            .unwrap()
            .unwrap()
            .0
            .version
    };
    let before = version_of_anna();
    assert!(
        cli(&url, &["users", "disable", "anna"], "")
            .unwrap()
            .contains("disabled anna")
    );
    // The command line's change moves the account's ETag too.
    assert_eq!(version_of_anna(), before + 1);
    assert_eq!(
        login("anna", "secret-phrase-of-2026".into()).await.status(),
        401
    );
    assert!(
        cli(&url, &["users", "disable", "nobody"], "")
            .unwrap_err()
            .contains("no user named")
    );

    state
        .db
        .write(socialcare_persistence::audit::settle)
        .unwrap();
    let actions: Vec<String> = state
        .db
        .read(|c| socialcare_persistence::audit::recent(c, 50))
        .unwrap()
        .into_iter()
        .filter(|r| {
            r.actor_username
                .as_deref()
                .is_some_and(|a| a.starts_with("cli:"))
        })
        .map(|r| r.action)
        .collect();
    assert_eq!(
        actions,
        vec![
            "user.disable",
            "user.reset_password",
            "user.create",
            "user.create"
        ]
    );
}

#[tokio::test]
async fn command_line_administers_users_on_sqlite() {
    command_line_administers_users(Engine::Sqlite).await;
}

#[tokio::test]
async fn command_line_administers_users_on_postgres() {
    command_line_administers_users(Engine::Postgres).await;
}

#[test]
fn command_line_prints_the_contract_and_help() {
    let mut out = Vec::new();
    socialcare_api::cli::run(["socialcare", "openapi"], &mut "".as_bytes(), &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        socialcare_api::openapi::document_text()
    );
    for args in [
        vec!["socialcare", "--help"],
        vec!["socialcare", "users", "create", "--help"],
        vec!["socialcare", "serve", "--help"],
    ] {
        let err = socialcare_api::cli::run(args.clone(), &mut "".as_bytes(), &mut Vec::new())
            .unwrap_err();
        let help = err.to_string();
        assert!(help.contains("Usage"), "{args:?}: {help}");
        assert!(!help.contains(socialcare_tests::JWT_SECRET));
    }
}
