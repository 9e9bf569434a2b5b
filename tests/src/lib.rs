//! Test harness: the real server on port 0, over real HTTP, on a fresh database per test —
//! a temporary SQLite file, or a fresh PostgreSQL database on the server of `TEST_DATABASE_URL`.
//!
//! `SOCIALCARE_TEST_ENGINES` chooses the engines a run covers: `sqlite`, `postgres` or `both`.
//! Unset, it means `both`, except that the PostgreSQL variants are skipped (loudly) when
//! `TEST_DATABASE_URL` is unset, so `cargo test --workspace` works on a fresh machine. Named
//! explicitly (`postgres` or `both`), PostgreSQL is required: its variants fail when
//! `TEST_DATABASE_URL` is unset. With `postgres`, the SQLite variants are skipped.

pub mod http;

use std::path::PathBuf;

use diesel::RunQueryDsl;
use serde_json::Value;
use socialcare_api::state::AppState;
use socialcare_api::{Application, Config};
use socialcare_persistence::Database;
use socialcare_persistence::audit::{self, AuditEntry, AuditRow};

/// HS256 secret the test servers sign with (tests forge tokens with it).
pub const JWT_SECRET: &str = "test-secret-that-is-long-enough-for-hs256-0123456789";

/// The origin of the test servers' audit log.
pub const AUDIT_LOG_ORIGIN: &str = "socialcare.test/audit";

/// The test servers' audit log signing key: one per test process, made at the first use.
pub fn audit_signing_key() -> &'static str {
    static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        socialcare_api::audit_log::generate_key(AUDIT_LOG_ORIGIN)
            .unwrap_or_else(|e| panic!("audit key: {e}"))
    })
}

/// The verifier key of [`audit_signing_key`].
pub fn audit_verifier_key() -> String {
    socialcare_api::audit_log::LogKey::parse(audit_signing_key(), AUDIT_LOG_ORIGIN)
        .unwrap_or_else(|e| panic!("audit key: {e}"))
        .verifier_key()
        .to_owned()
}
/// Password of the bootstrap `admin` account in test servers.
pub const ADMIN_PASSWORD: &str = "test-bootstrap-pw-2026";
/// Issuer configured in test servers.
pub const ISSUER: &str = "socialcare";
/// Audience configured in test servers.
pub const AUDIENCE: &str = "socialcare-api";

/// The engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Temporary SQLite file.
    Sqlite,
    /// Fresh PostgreSQL database on the server named by `TEST_DATABASE_URL`.
    Postgres,
}

/// Name of the environment variable that chooses the engines of a test run.
pub const ENGINES_VAR: &str = "SOCIALCARE_TEST_ENGINES";

/// The engines a test run covers, from [`ENGINES_VAR`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineSelection {
    /// Unset: SQLite, and PostgreSQL when `TEST_DATABASE_URL` is set (skipped loudly otherwise).
    Default,
    /// `sqlite`: only SQLite; the PostgreSQL variants are skipped.
    Sqlite,
    /// `postgres`: only PostgreSQL, which is required; the SQLite variants are skipped.
    Postgres,
    /// `both`: SQLite and PostgreSQL, which is required.
    Both,
}

impl EngineSelection {
    /// Parses the value of [`ENGINES_VAR`] (`None` when unset).
    pub fn parse(value: Option<&str>) -> Result<Self, String> {
        match value.map(str::trim) {
            None | Some("") => Ok(Self::Default),
            Some("sqlite") => Ok(Self::Sqlite),
            Some("postgres") => Ok(Self::Postgres),
            Some("both") => Ok(Self::Both),
            Some(other) => Err(format!(
                "{ENGINES_VAR}={other:?} is not one of `sqlite`, `postgres`, `both`"
            )),
        }
    }

    /// The selection of this run; panics on a value that is not understood.
    pub fn from_env() -> Self {
        let value = std::env::var(ENGINES_VAR).ok();
        Self::parse(value.as_deref()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Whether the variants of `engine` run.
    pub fn includes(self, engine: Engine) -> bool {
        match (self, engine) {
            (Self::Default | Self::Both, _) => true,
            (Self::Sqlite, Engine::Sqlite) | (Self::Postgres, Engine::Postgres) => true,
            (Self::Sqlite, Engine::Postgres) | (Self::Postgres, Engine::Sqlite) => false,
        }
    }

    /// Whether PostgreSQL was asked for explicitly, so that a missing `TEST_DATABASE_URL` fails.
    pub fn requires_postgres(self) -> bool {
        matches!(self, Self::Postgres | Self::Both)
    }
}

/// Whether the tests of `engine` run in this test run (see [`ENGINES_VAR`]); says once, loudly,
/// when an engine is skipped. Panics when PostgreSQL is required and `TEST_DATABASE_URL` is unset.
pub fn engine_selected(engine: Engine) -> bool {
    let selection = EngineSelection::from_env();
    if !selection.includes(engine) {
        announce_skipped(engine, selection);
        return false;
    }
    if engine == Engine::Postgres && std::env::var_os("TEST_DATABASE_URL").is_none() {
        assert!(
            !selection.requires_postgres(),
            "{ENGINES_VAR} asks for PostgreSQL but TEST_DATABASE_URL is not set: set it \
             (e.g. postgres://postgres@127.0.0.1:5432/postgres), or choose {ENGINES_VAR}=sqlite"
        );
        announce_skipped(engine, selection);
        return false;
    }
    true
}

/// Replaces the database name in a PostgreSQL URL.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let root = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

/// Says once per test binary and engine, on the real stderr (not captured by the test harness),
/// that the variants of `engine` pass without running.
fn announce_skipped(engine: Engine, selection: EngineSelection) {
    use std::io::Write;
    static SQLITE: std::sync::Once = std::sync::Once::new();
    static POSTGRES: std::sync::Once = std::sync::Once::new();
    let (once, message) = match (engine, selection) {
        (Engine::Sqlite, _) => (
            &SQLITE,
            format!(
                "SQLite tests SKIPPED: {ENGINES_VAR}=postgres; the SQLite variants report `ok` \
                 without running"
            ),
        ),
        (Engine::Postgres, EngineSelection::Sqlite) => (
            &POSTGRES,
            format!(
                "PostgreSQL tests SKIPPED: {ENGINES_VAR}=sqlite; the PostgreSQL variants report \
                 `ok` without running"
            ),
        ),
        (Engine::Postgres, _) => (
            &POSTGRES,
            format!(
                "PostgreSQL tests SKIPPED: TEST_DATABASE_URL is not set; the PostgreSQL variants \
                 report `ok` without running. Set it (e.g. \
                 postgres://postgres@127.0.0.1:5432/postgres) to run them, and \
                 {ENGINES_VAR}=postgres (or both) to make its absence fail"
            ),
        ),
    };
    once.call_once(|| {
        let _ = writeln!(std::io::stderr(), "\n*** {message}. ***\n");
    });
}

/// A database made for one test and removed afterwards.
pub enum TestDatabase {
    /// A temporary SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database on the admin server.
    Postgres {
        /// URL of the server's maintenance database.
        admin_url: String,
        /// Name of the created database.
        name: String,
    },
}

impl TestDatabase {
    /// Creates a fresh database for a test of `engine`, or `None` (with a message) when this run
    /// skips the engine (see [`engine_selected`], which panics when PostgreSQL is required but
    /// not configured).
    pub fn create(engine: Engine) -> Option<Self> {
        if !engine_selected(engine) {
            return None;
        }
        Self::create_unselected(engine)
    }

    /// Creates a fresh database even when this run skips `engine` (a reference to compare the
    /// selected engine with); `None` only when PostgreSQL is not configured.
    pub fn create_unselected(engine: Engine) -> Option<Self> {
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        match engine {
            Engine::Sqlite => Some(Self::Sqlite(
                std::env::temp_dir().join(format!("socialcare-test-{suffix}.db")),
            )),
            Engine::Postgres => {
                let admin_url = std::env::var("TEST_DATABASE_URL").ok()?;
                let name = format!("socialcare_test_{suffix}");
                let mut conn = socialcare_persistence::db::establish_postgres(&admin_url)
                    .unwrap_or_else(|e| panic!("cannot connect to TEST_DATABASE_URL: {e}"));
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .unwrap_or_else(|e| panic!("cannot create {name}: {e}"));
                Some(Self::Postgres { admin_url, name })
            }
        }
    }

    /// The `DATABASE_URL` of this database.
    pub fn url(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{}", path.display()),
            Self::Postgres { admin_url, name } => with_database(admin_url, name),
        }
    }

    /// Drops a PostgreSQL database now, terminating its connections (to simulate an outage).
    pub fn drop_now(&self) {
        if let Self::Postgres { admin_url, name } = self
            && let Ok(mut conn) = socialcare_persistence::db::establish_postgres(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self {
            Self::Sqlite(path) => {
                for file in socialcare_persistence::db::sqlite_files(path) {
                    let _ = std::fs::remove_file(file);
                }
            }
            Self::Postgres { .. } => self.drop_now(),
        }
    }
}

/// A running server and a client for it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// HTTP client (no redirects followed).
    pub client: reqwest::Client,
    /// The server's state: its database handle is used to check side effects.
    pub state: actix_web::web::Data<AppState>,
    /// Which engine.
    pub engine: Engine,
    /// The database (dropped with the last app that runs on it).
    pub database: std::sync::Arc<TestDatabase>,
    /// `http://127.0.0.1:PORT` of the metrics server, when started with
    /// `--metrics-bind-addr`.
    pub metrics_address: Option<String>,
}

impl TestApp {
    /// Starts a server on a fresh database; `None` when the engine is not available.
    pub async fn spawn(engine: Engine) -> Option<TestApp> {
        Self::spawn_with(engine, &[]).await
    }

    /// Starts a server with extra command-line settings (e.g. `--login-max-failures 2`).
    pub async fn spawn_with(engine: Engine, extra: &[&str]) -> Option<TestApp> {
        if std::env::var("TEST_LOG").is_ok() {
            socialcare_api::telemetry::init(socialcare_api::config::LogFormat::Pretty);
        }
        let database = TestDatabase::create(engine)?;
        Some(Self::start(engine, std::sync::Arc::new(database), extra).await)
    }

    /// Starts a second server on this app's database, with its own connection pool, as a second
    /// process of a deployment would (e.g. to race writes between servers).
    pub async fn spawn_beside(&self) -> TestApp {
        self.spawn_beside_with(&[]).await
    }

    /// Starts a second server on this app's database with extra command-line settings.
    pub async fn spawn_beside_with(&self, extra: &[&str]) -> TestApp {
        Self::start(self.engine, std::sync::Arc::clone(&self.database), extra).await
    }

    async fn start(
        engine: Engine,
        database: std::sync::Arc<TestDatabase>,
        extra: &[&str],
    ) -> TestApp {
        let url = database.url();
        let mut args = vec![
            "socialcare",
            "--database-url",
            &url,
            "--bind-addr",
            "127.0.0.1:0",
            "--jwt-secret",
            JWT_SECRET,
            "--admin-password",
            ADMIN_PASSWORD,
            "--db-pool-size",
            "4",
            "--audit-signing-key",
            audit_signing_key(),
            "--audit-log-origin",
            AUDIT_LOG_ORIGIN,
        ];
        // Tests send bursts far beyond a person's pace from one account: the quota is lifted
        // unless the test sets its own.
        if !extra.contains(&"--rate-limit-per-minute") {
            args.extend_from_slice(&["--rate-limit-per-minute", "1000000"]);
        }
        // The office's code at the national register, so that SIUSS exports can be made.
        if !extra.contains(&"--siuss-body-code") {
            args.extend_from_slice(&["--siuss-body-code", "TEST0001"]);
        }
        args.extend_from_slice(extra);
        let config = Config::from_args(args).unwrap_or_else(|e| panic!("bad test config: {e}"));
        let app = Application::build(config)
            .await
            .unwrap_or_else(|e| panic!("server did not start: {e:#}"));
        let address = format!("http://127.0.0.1:{}", app.port());
        let metrics_address = app
            .metrics_port()
            .map(|port| format!("http://127.0.0.1:{port}"));
        let state = app.state();
        tokio::spawn(app.run_until_stopped());
        // Answers uncompressed, so that tests see the bodies and lengths as sent (the
        // compression test makes its own client).
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_gzip()
            .no_brotli()
            .build()
            .unwrap_or_else(|e| panic!("client: {e}"));
        TestApp {
            address,
            client,
            state,
            engine,
            database,
            metrics_address,
        }
    }

    /// Absolute URL of an API path (`/users` → `http://…/api/v1/users`).
    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.address)
    }

    /// The database handle of the server.
    pub fn db(&self) -> &Database {
        &self.state.db
    }

    /// Logs in and returns the whole token response.
    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.api("/auth/token"))
            .json(&serde_json::json!({ "username": username, "password": password }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("login request failed: {e}"))
    }

    /// Logs in (expecting success) and returns `(access_token, refresh_token)`.
    pub async fn tokens(&self, username: &str, password: &str) -> (String, String) {
        let response = self.login(username, password).await;
        assert_eq!(response.status(), 200, "login of {username} failed");
        let body: Value = response.json().await.unwrap_or_default();
        (
            body["access_token"].as_str().unwrap_or_default().to_owned(),
            body["refresh_token"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    }

    /// An access token of the bootstrap administrator.
    pub async fn admin_token(&self) -> String {
        self.tokens("admin", ADMIN_PASSWORD).await.0
    }

    /// Creates a user through the API as the administrator; returns its JSON.
    pub async fn create_user(
        &self,
        admin: &str,
        username: &str,
        roles: &[&str],
        areas: &[&str],
    ) -> Value {
        let response = self
            .client
            .post(self.api("/users"))
            .bearer_auth(admin)
            .json(&serde_json::json!({
                "username": username,
                "display_name": format!("Test {username}"),
                "email": format!("{username}@comune.example.it"),
                "password": user_password(username),
                "roles": roles,
                "areas": areas,
            }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("create user: {e}"));
        let status = response.status();
        let body: Value = response.json().await.unwrap_or_default();
        assert_eq!(status, 201, "creating {username}: {body}");
        body
    }

    /// Integrates now every audit record not yet in the Merkle tree, as the server's sequencer
    /// does within the merge delay; returns the tree's size. When another sequencer (this
    /// server's own, in the background, or another server's) holds the batch lock, waits for it
    /// and tries again, so that the tree holds every record written before the call.
    pub fn sequence_audit_log(&self) -> u64 {
        socialcare_api::audit_log::sequence_all(
            self.db(),
            &self.state.audit_log,
            std::time::Duration::from_secs(30),
        )
        .unwrap_or_else(|e| panic!("sequencing: {e}"))
    }

    /// Asserts that the agenda's index (`agenda_entries`, kept by the database's triggers on
    /// every source and on the team) holds exactly what its sources give, and returns how many
    /// entries it holds.
    pub fn assert_agenda_index_exact(&self) -> i64 {
        use diesel::prelude::*;
        use socialcare_persistence::schema::agenda_entries;
        let (drift, held) = self
            .db()
            .read(|c| {
                let drift = socialcare_persistence::agenda::entries_drift(c)?;
                let held: i64 = agenda_entries::table.count().get_result(c)?;
                Ok((drift, held))
            })
            .unwrap_or_else(|e| panic!("agenda index: {e}"));
        assert_eq!(
            drift,
            (0, 0),
            "agenda entries the sources do not give, and entries missing"
        );
        held
    }

    /// The newest audit records, newest first.
    pub fn audit(&self, limit: i64) -> Vec<AuditRow> {
        self.settle_audit();
        self.db()
            .read(|c| audit::recent(c, limit))
            .unwrap_or_else(|e| panic!("audit query: {e}"))
    }

    /// The newest audit records with the persons they concern, newest first.
    pub fn audit_entries(&self, limit: i64) -> Vec<AuditEntry> {
        self.settle_audit();
        self.db()
            .read(|c| audit::recent_entries(c, limit))
            .unwrap_or_else(|e| panic!("audit query: {e}"))
    }

    /// Chains every staged audit record now, as the sequencer does within the merge delay and
    /// the searches of the trail do first; returns how many.
    pub fn settle_audit(&self) -> u64 {
        self.db()
            .write(audit::settle)
            .unwrap_or_else(|e: socialcare_persistence::StoreError| panic!("chaining: {e}"))
    }
}

/// Waits until `done` holds (up to `seconds`), checking every 100 ms: for what a server does in
/// the background (webhook deliveries, checkpoints pushed to witnesses).
pub async fn until(seconds: u64, mut done: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while std::time::Instant::now() < deadline {
        if done() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    done()
}

/// The password [`TestApp::create_user`] gives a user.
pub fn user_password(username: &str) -> String {
    format!("S3cret-Pw-2026-{}", username.len())
}

/// Runs each listed `async fn(TestApp)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(app) = $crate::TestApp::spawn($crate::Engine::Sqlite).await {
                        super::$name(app).await;
                    }
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(app) = $crate::TestApp::spawn($crate::Engine::Postgres).await {
                        super::$name(app).await;
                    }
                }
            )*
        }
    };
}

/// A bare audit record for the persistence tests: a successful `test.read` by `test`, now, with
/// no actor id, roles, resource, persons or details; `read_only` as given.
pub fn audit_record(read_only: bool) -> socialcare_persistence::audit::NewAuditRecord {
    socialcare_persistence::audit::NewAuditRecord {
        occurred_at: chrono::Utc::now(),
        actor_id: None,
        actor_username: Some("test".into()),
        actor_roles: Vec::new(),
        action: "test.read".into(),
        resource_type: "test".into(),
        resource_id: None,
        outcome: socialcare_persistence::audit::Outcome::Success,
        request_id: None,
        client_addr: None,
        details: None,
        persons: Vec::new(),
        purpose: None,
        break_glass: false,
        read_only,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }

    #[test]
    fn engine_selection_is_parsed() {
        assert_eq!(EngineSelection::parse(None), Ok(EngineSelection::Default));
        assert_eq!(
            EngineSelection::parse(Some("postgres")),
            Ok(EngineSelection::Postgres)
        );
        assert!(EngineSelection::parse(Some("mysql")).is_err());
        assert!(!EngineSelection::Postgres.includes(Engine::Sqlite));
        assert!(!EngineSelection::Sqlite.includes(Engine::Postgres));
        assert!(EngineSelection::Both.requires_postgres());
        assert!(!EngineSelection::Default.requires_postgres());
    }
}
