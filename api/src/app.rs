//! Building and running the HTTP server.

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use chrono::Utc;
use socialcare_domain::throttle::ThrottlePolicy;
use socialcare_domain::{DisplayName, Email, Password, StaffProfile, Username};
use socialcare_persistence::users::{self, NewStaffUser};
use socialcare_persistence::{Database, Engine, PoolOptions, audit, migrations};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::auth::jwt::JwtKeys;
use crate::auth::password;
use crate::auth::throttle::LoginThrottle;
use crate::config::{Config, Profile};
use crate::error::ApiError;
use crate::extract::MAX_BODY_BYTES;
use crate::metrics::Metrics;
use crate::middleware::{RouteTable, fallback, request_context};
use crate::openapi::{self, BASE_PATH};
use crate::routes;
use crate::state::AppState;

/// A configured server, bound to its port, ready to run.
pub struct Application {
    port: u16,
    server: Server,
    /// The metrics server and its port, when the metrics have an address of their own.
    metrics_server: Option<(u16, Server)>,
    state: web::Data<AppState>,
}

/// Opens the database named by the configuration, refusing SQLite in production unless allowed.
pub fn open_database(config: &Config) -> anyhow::Result<Database> {
    let db = Database::connect(
        &config.database_url,
        &PoolOptions {
            max_size: config.db_pool_size,
            ..PoolOptions::default()
        },
    )?;
    if config.profile == Profile::Production
        && db.engine() == Engine::Sqlite
        && !config.allow_sqlite_in_production
    {
        anyhow::bail!(
            "the production profile needs PostgreSQL; set SOCIALCARE_ALLOW_SQLITE_IN_PRODUCTION=true to run on SQLite anyway"
        );
    }
    Ok(db)
}

/// Creates the first `system_admin` account, named `admin`, when the database has no user.
/// Returns the generated password when one had to be generated.
pub fn bootstrap_admin(db: &Database, config: &Config) -> anyhow::Result<Option<String>> {
    if db.read(users::count)? > 0 {
        return Ok(None);
    }
    let username = Username::parse("admin").map_err(anyhow::Error::msg)?;
    let (clear, generated) = match &config.admin_password {
        Some(given) => (given.clone(), false),
        None => (password::generate(), true),
    };
    let checked = Password::parse(&clear, Some(&username))
        .map_err(|e| anyhow::anyhow!("SOCIALCARE_ADMIN_PASSWORD {e}"))?;
    let password_hash = password::hash(checked.expose())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))?;
    let new = NewStaffUser {
        username,
        display_name: DisplayName::parse("System administrator").map_err(anyhow::Error::msg)?,
        email: Email::parse("admin@socialcare.invalid").map_err(anyhow::Error::msg)?,
        profile: StaffProfile::parse(&["system_admin".to_owned()], &[])?,
        password_hash,
    };
    let created = db.write::<_, socialcare_persistence::StoreError, _>(|c| {
        // Another instance may have bootstrapped in the meantime.
        if users::count(c)? > 0 {
            return Ok(false);
        }
        let user = users::insert(c, new, Utc::now())?;
        audit::append(
            c,
            audit::NewAuditRecord {
                occurred_at: Utc::now(),
                actor_id: None,
                actor_username: Some("system".into()),
                actor_roles: Vec::new(),
                action: "user.bootstrap_admin".into(),
                resource_type: "user".into(),
                resource_id: Some(user.id.to_string()),
                outcome: audit::Outcome::Success,
                request_id: None,
                client_addr: None,
                details: None,
                persons: Vec::new(),
                purpose: None,
                break_glass: false,
                read_only: false,
            },
        )?;
        Ok(true)
    })?;
    Ok((created && generated).then_some(clear))
}

fn cors(origins: &[String]) -> Cors {
    let allowed: Arc<Vec<String>> = Arc::new(
        origins
            .iter()
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty())
            .collect(),
    );
    Cors::default()
        .allowed_origin_fn(move |origin, head| {
            let Ok(origin) = origin.to_str() else {
                return false;
            };
            // Same-origin requests (the Swagger UI served here) are always allowed.
            let same_origin = head
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .is_some_and(|host| {
                    origin
                        .split_once("://")
                        .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(host))
                });
            same_origin || allowed.iter().any(|a| a.eq_ignore_ascii_case(origin))
        })
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-request-id"),
            header::HeaderName::from_static("access-purpose"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::WWW_AUTHENTICATE,
            header::HeaderName::from_static(crate::rate_limit::LIMIT_HEADER),
            header::HeaderName::from_static(crate::rate_limit::REMAINING_HEADER),
            header::HeaderName::from_static(crate::rate_limit::RESET_HEADER),
            header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(3600)
}

/// The Swagger UI's settings. The online validator is off: left at its default, the browser
/// would send the contract's URL (and so the office's host name) to validator.swagger.io.
fn swagger_config() -> SwaggerConfig<'static> {
    SwaggerConfig::new([format!("{BASE_PATH}/openapi.json")]).validator_url("none")
}

/// Removes the events past their retention at start and then every hour. Several server
/// processes may do it at once: the deletes are idempotent.
async fn prune_events(state: web::Data<AppState>) {
    loop {
        let db = state.db.clone();
        let before = Utc::now() - state.event_retention;
        let pruned = tokio::task::spawn_blocking(move || {
            db.write::<_, socialcare_persistence::StoreError, _>(|c| {
                socialcare_persistence::events::prune(c, before)
            })
        })
        .await;
        match pruned {
            Ok(Ok(0)) => {}
            Ok(Ok(removed)) => tracing::info!(removed, "events past their retention removed"),
            Ok(Err(error)) => tracing::warn!(%error, "events could not be pruned"),
            Err(error) => tracing::warn!(%error, "the event pruning task failed"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
}

/// Forgets, every minute, the callers whose rate-limit quota is whole again.
async fn forget_idle_callers(state: web::Data<AppState>) {
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        state.rate_limits.forget_idle();
    }
}

impl Application {
    /// Validates the configuration, opens and migrates the database, creates the first
    /// administrator when needed, and binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        if socialcare_persistence::audit::DISABLED_FOR_BENCHMARK {
            if config.profile == crate::config::Profile::Production {
                anyhow::bail!(
                    "this build records no audit trail (feature `unaudited-benchmark`): it is for \
                     benchmarks only and refuses the production profile"
                );
            }
            tracing::warn!(
                "this build records NO audit trail (feature `unaudited-benchmark`): benchmarks only"
            );
        }
        socialcare_persistence::audit::set_asynchronous_read_commits(
            config.audit_read_commit == crate::config::ReadAuditCommit::Asynchronous,
        );
        let jwt = JwtKeys::from_config(&config)?;
        let retention = socialcare_domain::personal_data::RetentionPolicy::new(
            config.retention_case_content_years,
            config.retention_special_category_years,
            config.retention_identity_years,
        )
        .map_err(|e| anyhow::anyhow!("retention periods: {e}"))?;
        let db = open_database(&config)?;
        let (db, applied, generated) = {
            let config = config.clone();
            tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
                let applied =
                    migrations::run_pending(&db).context("cannot apply the database migrations")?;
                let generated = bootstrap_admin(&db, &config)?;
                // Housekeeping: refresh tokens past their expiry can never be used again.
                let purged = db.write::<_, socialcare_persistence::StoreError, _>(|c| {
                    socialcare_persistence::sessions::purge_expired(c, Utc::now())
                })?;
                if purged > 0 {
                    tracing::info!(purged, "expired refresh tokens removed");
                }
                if !db.with_conn(socialcare_persistence::db::sqlite_plans_are_stable)? {
                    tracing::warn!(
                        "this build's SQLite lacks the query planner stability guarantee (LIBSQLITE3_FLAGS=-DSQLITE_ENABLE_QPSG, set by .cargo/config.toml): every query with a LIMIT is prepared again at each execution"
                    );
                }
                Ok((db, applied, generated))
            })
            .await??
        };
        let audit_log = crate::audit_log::AuditLog::from_config(&config)?;
        let audit_appender = socialcare_persistence::audit_appender::Appender::start(&db)?;
        for version in &applied {
            tracing::info!(%version, "migration applied");
        }
        if let Some(password) = generated {
            tracing::warn!(
                "first start: created the system administrator `admin` with the generated password `{password}` (shown only now; change it with `socialcare users reset-password admin`)"
            );
        }

        let window = chrono::Duration::seconds(i64::from(config.login_window_secs));
        let state = web::Data::new(AppState {
            db,
            jwt,
            throttle: LoginThrottle::new(
                ThrottlePolicy {
                    max_failures: config.login_max_failures,
                    window,
                },
                ThrottlePolicy {
                    max_failures: config.login_max_failures_per_address,
                    window,
                },
            ),
            feed_moved: tokio::sync::Notify::new(),
            rate_limits: crate::rate_limit::RateLimits::per_minute(
                std::num::NonZeroU32::new(config.rate_limit_per_minute)
                    .unwrap_or(std::num::NonZeroU32::MIN),
            ),
            refresh_ttl: chrono::Duration::seconds(i64::from(config.refresh_token_ttl_secs)),
            trust_proxy_headers: config.trust_proxy_headers,
            break_glass_ttl: chrono::Duration::seconds(i64::from(config.break_glass_ttl_secs)),
            provincial_programmes: config.provincial_programmes.clone(),
            client_assertion_audience: config.client_assertion_audience.clone(),
            statistics_threshold: config.statistics_threshold,
            retention,
            siuss_body_code: config.siuss_body_code.clone().filter(|c| !c.is_empty()),
            event_retention: chrono::Duration::days(i64::from(config.event_retention_days)),
            webhook_max_failures: config.webhook_max_failures,
            webhook_timeout: std::time::Duration::from_secs(u64::from(config.webhook_timeout_secs)),
            webhook_strict_urls: config.profile == crate::config::Profile::Production,
            audit_log,
            audit_appender,
        });

        let contract = openapi::document();
        let routes = web::Data::new(RouteTable::new(openapi::route_table(&contract)));
        let metrics = Metrics::new(state.db.clone(), config.metrics_bind_addr.is_none())?;
        let metrics_server = match config.metrics_bind_addr {
            Some(address) => {
                let listener = TcpListener::bind(address)
                    .with_context(|| format!("cannot listen on {address} for the metrics"))?;
                let port = listener.local_addr()?.port();
                let endpoint = metrics.endpoint();
                let server = HttpServer::new(move || {
                    let endpoint = endpoint.clone();
                    App::new()
                        .configure(|cfg| endpoint.configure(cfg))
                        .default_service(web::to(actix_web::HttpResponse::NotFound))
                })
                .workers(1)
                .shutdown_timeout(5)
                .listen(listener)?
                .run();
                tracing::info!(%address, port, "metrics listening");
                Some((port, server))
            }
            None => None,
        };
        let metrics = metrics.middleware;

        let listener = TcpListener::bind(config.bind_addr)
            .with_context(|| format!("cannot listen on {}", config.bind_addr))?;
        let port = listener.local_addr()?.port();
        let origins = config.cors_origins.clone();
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                // Innermost first: the response is complete (problem details, headers) before
                // it is compressed, and the compression is the last thing done to it.
                .wrap(cors(&origins))
                .wrap(metrics.clone())
                .wrap(from_fn(request_context))
                .wrap(Compress::default())
                .app_data(app_state.clone())
                .app_data(routes.clone())
                .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
                .app_data(web::PathConfig::default().error_handler(|err, _| {
                    ApiError::bad_request(format!("invalid path: {err}")).into()
                }))
                // Before the API scope, which would otherwise claim /api/v1/openapi.json.
                .service(
                    SwaggerUi::new("/docs/{_:.*}")
                        .external_url_unchecked(
                            format!("{BASE_PATH}/openapi.json"),
                            contract.clone(),
                        )
                        .config(swagger_config()),
                )
                .into_utoipa_app()
                .service(utoipa_actix_web::scope(BASE_PATH).configure(routes::configure))
                .into_app()
                .route(
                    "/docs",
                    web::get().to(|| async {
                        actix_web::HttpResponse::PermanentRedirect()
                            .insert_header((header::LOCATION, "/docs/"))
                            .finish()
                    }),
                )
                .default_service(web::to(fallback))
        })
        .workers(2)
        .shutdown_timeout(10)
        .listen(listener)?
        .run();
        tracing::info!(address = %config.bind_addr, port, "listening");
        Ok(Self {
            port,
            server,
            metrics_server,
            state,
        })
    }

    /// The bound port (useful when binding port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The bound port of the metrics server, when the metrics have an address of their own.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_server.as_ref().map(|(port, _)| *port)
    }

    /// The shared state (tests use its database handle to check side effects).
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until the server is stopped (Ctrl-C or SIGTERM), with the housekeeping of the
    /// event feed and the webhook workers beside it.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let mut background = vec![
            tokio::spawn(prune_events(self.state.clone())),
            tokio::spawn(forget_idle_callers(self.state.clone())),
            tokio::spawn(crate::audit_log::sequencer(self.state.clone())),
            tokio::spawn(crate::audit_log::push_to_witnesses(self.state.clone())),
        ];
        match crate::webhooks::Deliverer::new(self.state.webhook_timeout) {
            Ok(deliverer) => {
                for _ in 0..crate::webhooks::WORKERS {
                    background.push(tokio::spawn(crate::webhooks::work(
                        self.state.clone(),
                        deliverer.another(),
                    )));
                }
            }
            Err(error) => tracing::error!(%error, "webhooks cannot be delivered"),
        }
        if let Some((_, server)) = self.metrics_server {
            background.push(tokio::spawn(async move {
                if let Err(error) = server.await {
                    tracing::error!(%error, "the metrics server stopped");
                }
            }));
        }
        let served = self.server.await;
        for task in background {
            task.abort();
        }
        served
    }
}
