//! Shared application state.

use socialcare_persistence::Database;

use crate::auth::jwt::JwtKeys;
use crate::auth::throttle::LoginThrottle;

/// Everything handlers share.
#[derive(Debug)]
pub struct AppState {
    /// The database.
    pub db: Database,
    /// Access-token keys.
    pub jwt: JwtKeys,
    /// Failed-login throttle.
    pub throttle: LoginThrottle,
    /// Wakes the feed's long polls of this process when one of its requests has committed a
    /// change (other processes' changes are seen by polling).
    pub feed_moved: tokio::sync::Notify,
    /// Requests per minute of every caller.
    pub rate_limits: crate::rate_limit::RateLimits,
    /// Lifetime of refresh tokens.
    pub refresh_ttl: chrono::Duration,
    /// Whether `Forwarded`/`X-Forwarded-For` are trusted for the client address.
    pub trust_proxy_headers: bool,
    /// How long a break-glass access lasts.
    pub break_glass_ttl: chrono::Duration,
    /// The codes of the provincial employment plan's measures.
    pub provincial_programmes: Vec<String>,
    /// The audience a partner's client assertion must name.
    pub client_assertion_audience: String,
    /// The office's code as granting body at the national register of social benefits.
    pub siuss_body_code: Option<String>,
    /// Counts of more than none and fewer than this are suppressed from the indicators.
    pub statistics_threshold: u64,
    /// How long each retention rule keeps records.
    pub retention: socialcare_domain::personal_data::RetentionPolicy,
    /// How long the events of the feed are kept.
    pub event_retention: chrono::Duration,
    /// After how many failed deliveries in a row a webhook subscription is disabled.
    pub webhook_max_failures: u32,
    /// How long a webhook receiver has to answer.
    pub webhook_timeout: std::time::Duration,
    /// Whether webhook URLs must use HTTPS and name no loopback, private or link-local address
    /// (the production profile).
    pub webhook_strict_urls: bool,
    /// The verifiable audit log: its signing key, merge delay and witness directory.
    pub audit_log: crate::audit_log::AuditLog,
    /// Appends the audit records of reads in batches (see
    /// [`socialcare_persistence::audit_appender`]).
    pub audit_appender: socialcare_persistence::audit_appender::Appender,
}
