//! Configuration from the environment (or command-line flags) and the command line itself.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The socialcare server and its administration commands.
#[derive(Debug, Parser)]
#[command(name = "socialcare", version, about, long_about = None)]
pub struct Cli {
    /// Settings shared by every command.
    #[command(flatten)]
    pub config: Config,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve the API (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Administer staff accounts.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Print the OpenAPI contract (JSON) to standard output.
    Openapi,
    /// Ask the server listening on BIND_ADDR for its status (`GET /api/v1/status`, from the
    /// same host) and exit with a non-zero status unless it answers 200 within 5 seconds: the
    /// container image's HEALTHCHECK, which has no other HTTP client.
    Healthcheck,
    /// Inspect the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Check or rebuild the agenda's index (`agenda_entries`), which the database's triggers
    /// keep from the projects, pacts, justice data, placements, applications and teams.
    #[command(subcommand)]
    Agenda(AgendaCommand),
    /// Load a small fictional data set (staff, persons, case files in every status) into an
    /// empty office, for frontend development. Refused in the production profile.
    DemoData {
        /// Seed of the generator: the same seed gives the same data.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// How many persons to register.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..=5000))]
        persons: u16,
    },
}

/// Audit trail commands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain of the audit trail and report the first broken link; with
    /// `--checkpoint`, also prove that today's log extends a checkpoint kept outside the
    /// database. Exits with a non-zero status at the first inconsistency.
    Verify {
        /// A signed checkpoint of the audit log (C2SP tlog-checkpoint in a signed note), e.g. a
        /// copy from the witness directory or from `GET /api/v1/audit/checkpoint`.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// The verifier key that signed the checkpoint (`<origin>+<key id>+<base64>`); by
        /// default the configured signing key's.
        #[arg(long)]
        key: Option<String>,
    },
    /// Integrate now every audit record not yet in the Merkle tree and print the signed
    /// checkpoint (the server's sequencer does it within the merge delay).
    Checkpoint,
    /// Print the verifier key of the configured signing key, for whoever checks checkpoints.
    VerifierKey,
    /// Create a new signing key for the configured origin in a new file (mode 0600) and print
    /// its verifier key.
    GenerateKey {
        /// The file to create (an existing file is never replaced).
        #[arg(long)]
        out: PathBuf,
    },
}

/// Agenda index commands.
#[derive(Debug, Subcommand)]
pub enum AgendaCommand {
    /// Count the entries of the agenda's index that differ from what their sources give (none
    /// while the triggers keep it); exits with a non-zero status when any differ.
    Check,
    /// Write the agenda's index again from its sources, in one transaction: after restoring a
    /// backup or loading data with the triggers off.
    Rebuild,
}

/// Staff account administration.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create an account. The password is read from standard input with --password-stdin,
    /// otherwise a strong one is generated and printed once.
    Create {
        /// Login name (3-64 characters: a-z, 0-9, `.`, `_`, `-`).
        #[arg(long)]
        username: String,
        /// Name shown to colleagues.
        #[arg(long)]
        display_name: String,
        /// Work e-mail address.
        #[arg(long)]
        email: String,
        /// Roles, comma-separated (social_worker, educator, area_coordinator, office_manager,
        /// administrative, privacy_officer, system_admin).
        #[arg(long, value_delimiter = ',', required = true)]
        roles: Vec<String>,
        /// Areas, comma-separated (adults_disability, social_inclusion, transversal).
        #[arg(long, value_delimiter = ',')]
        areas: Vec<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts.
    List,
    /// Disable an account and revoke its sessions.
    Disable {
        /// Login name.
        username: String,
    },
    /// Set a new password and revoke the account's sessions. The password is read from standard
    /// input with --password-stdin, otherwise a strong one is generated and printed once.
    ResetPassword {
        /// Login name.
        username: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// How the audit records of reads are committed on PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReadAuditCommit {
    /// Without waiting for the WAL flush (the records of the last fraction of a second of reads
    /// may be lost if the database server crashes).
    Asynchronous,
    /// Durable before the response.
    Synchronous,
}

/// Deployment profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// Local development: generated secrets allowed, SQLite allowed.
    Development,
    /// Production: explicit signing key required; SQLite only when explicitly allowed.
    Production,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable, coloured when on a terminal.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// JWT signing algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum JwtAlgorithm {
    /// HMAC with SHA-256 and a shared secret (default).
    #[value(name = "HS256")]
    Hs256,
    /// RSA PKCS#1 v1.5 with SHA-256 and a PEM key pair.
    #[value(name = "RS256")]
    Rs256,
    /// ECDSA P-256 with SHA-256 and a PEM key pair.
    #[value(name = "ES256")]
    Es256,
}

/// Every setting, each from a flag or its environment variable.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Database URL: `sqlite://PATH` (embedded) or `postgres://USER:PASS@HOST:PORT/DB`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://./data/socialcare.db",
        global = true,
        hide_env_values = true
    )]
    pub database_url: String,
    /// Address and port the HTTP server listens on.
    #[arg(
        long,
        env = "BIND_ADDR",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind_addr: SocketAddr,
    /// Serve the Prometheus metrics (`/metrics`) on this address only, e.g. `0.0.0.0:9100` on
    /// a monitoring network; when unset they are served at `/metrics` on `BIND_ADDR`.
    #[arg(long, env = "SOCIALCARE_METRICS_BIND_ADDR", global = true)]
    pub metrics_bind_addr: Option<SocketAddr>,
    /// Deployment profile.
    #[arg(
        long,
        env = "SOCIALCARE_PROFILE",
        value_enum,
        default_value = "development",
        global = true
    )]
    pub profile: Profile,
    /// Log format.
    #[arg(
        long,
        env = "SOCIALCARE_LOG_FORMAT",
        value_enum,
        default_value = "pretty",
        global = true
    )]
    pub log_format: LogFormat,
    /// Issuer (`iss`) of the access tokens.
    #[arg(
        long,
        env = "SOCIALCARE_JWT_ISSUER",
        default_value = "socialcare",
        global = true
    )]
    pub jwt_issuer: String,
    /// Audience (`aud`) of the access tokens.
    #[arg(
        long,
        env = "SOCIALCARE_JWT_AUDIENCE",
        default_value = "socialcare-api",
        global = true
    )]
    pub jwt_audience: String,
    /// Signing algorithm of the access tokens.
    #[arg(
        long,
        env = "SOCIALCARE_JWT_ALGORITHM",
        value_enum,
        default_value = "HS256",
        global = true
    )]
    pub jwt_algorithm: JwtAlgorithm,
    /// HS256 secret (at least 32 bytes). Generated per start in development when unset.
    #[arg(
        long,
        env = "SOCIALCARE_JWT_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub jwt_secret: Option<String>,
    /// PEM private key for RS256/ES256.
    #[arg(long, env = "SOCIALCARE_JWT_PRIVATE_KEY_FILE", global = true)]
    pub jwt_private_key_file: Option<PathBuf>,
    /// PEM public key for RS256/ES256.
    #[arg(long, env = "SOCIALCARE_JWT_PUBLIC_KEY_FILE", global = true)]
    pub jwt_public_key_file: Option<PathBuf>,
    /// The audience (`aud`) a partner's client assertion must name (RFC 7523 §3): in
    /// production, the public URL of the token endpoint (e.g.
    /// `https://servizisociali.comune.example.it/api/v1/auth/client-token`).
    #[arg(
        long,
        env = "SOCIALCARE_CLIENT_ASSERTION_AUDIENCE",
        default_value = "socialcare/api/v1/auth/client-token",
        global = true
    )]
    pub client_assertion_audience: String,
    /// The audit log's signing key, in the signed-note format
    /// (`PRIVATE+KEY+<origin>+<key id>+<base64>`, as `socialcare audit generate-key` prints it):
    /// every checkpoint of the audit log is signed with it (Ed25519). Keep it out of the
    /// database's reach. Alternatively `SOCIALCARE_AUDIT_SIGNING_KEY_FILE`.
    #[arg(
        long,
        env = "SOCIALCARE_AUDIT_SIGNING_KEY",
        global = true,
        hide_env_values = true
    )]
    pub audit_signing_key: Option<String>,
    /// A file holding the audit log's signing key. In development, when neither this nor
    /// `SOCIALCARE_AUDIT_SIGNING_KEY` is set, the server uses `socialcare-audit.key` in its
    /// working directory and creates it (mode 0600) when missing; the production profile
    /// requires one of the two.
    #[arg(long, env = "SOCIALCARE_AUDIT_SIGNING_KEY_FILE", global = true)]
    pub audit_signing_key_file: Option<PathBuf>,
    /// The origin of the audit log: the first line of its checkpoints and the name of its key,
    /// unique to this office (e.g. `servizisociali.comune.example.it/audit`; no spaces or `+`).
    #[arg(
        long,
        env = "SOCIALCARE_AUDIT_LOG_ORIGIN",
        default_value = "socialcare.local/audit",
        global = true
    )]
    pub audit_log_origin: String,
    /// The audit log's maximum merge delay, in milliseconds (50-60000, default 1000): every
    /// audit record enters the Merkle tree, under a signed checkpoint, within this delay of its
    /// commit.
    #[arg(long, env = "SOCIALCARE_AUDIT_MERGE_DELAY_MS", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(50..=60_000), global = true)]
    pub audit_merge_delay_ms: u32,
    /// A directory where every checkpoint of the audit log is also written (`checkpoint`, the
    /// latest, replaced atomically, and `checkpoints/<YYYY-MM-DD>`, the last of each day): a
    /// copy outside the database, e.g. on a share that the privacy officer controls.
    #[arg(long, env = "SOCIALCARE_AUDIT_WITNESS_DIR", global = true)]
    pub audit_witness_dir: Option<PathBuf>,
    /// Witnesses every checkpoint of the audit log is pushed to, comma-separated: the
    /// `add-checkpoint` URL of each (C2SP tlog-witness), e.g. an endpoint of the Provincia;
    /// https in the production profile.
    #[arg(
        long = "audit-witness-url",
        env = "SOCIALCARE_AUDIT_WITNESS_URL",
        value_delimiter = ',',
        global = true
    )]
    pub audit_witness_urls: Vec<String>,
    /// How long the events of the feed (`GET /events`) are kept, in days (1-3650, default 30):
    /// a reader further behind gets 410 and starts again from the oldest kept.
    #[arg(long, env = "SOCIALCARE_EVENT_RETENTION_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650), global = true)]
    pub event_retention_days: u32,
    /// After how many failed deliveries in a row a webhook subscription is disabled (1-1000,
    /// default 15; with the backoff doubling up to a day, about two days of failures).
    #[arg(long, env = "SOCIALCARE_WEBHOOK_MAX_FAILURES", default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..=1000), global = true)]
    pub webhook_max_failures: u32,
    /// How long a webhook receiver has to answer, in seconds (1-60, default 10).
    #[arg(long, env = "SOCIALCARE_WEBHOOK_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=60), global = true)]
    pub webhook_timeout_secs: u32,
    /// Requests per minute each caller may send to one server process (1-1000000, default
    /// 600): each staff member, each partner's machine client and, without a valid access token,
    /// each client address has its own quota, which it may spend at once and which refills one
    /// request every `60 / quota` seconds. Beyond it the answer is 429 with `Retry-After`. Each
    /// process keeps its own count: behind a load balancer over N processes a caller may reach
    /// up to N times the quota.
    #[arg(long, env = "SOCIALCARE_RATE_LIMIT_PER_MINUTE", default_value_t = 600, value_parser = clap::value_parser!(u32).range(1..=1_000_000), global = true)]
    pub rate_limit_per_minute: u32,
    /// The code of the office as granting body (ente erogatore) at the national register of
    /// social benefits, written in every record of a SIUSS export (1-16 letters and digits, as
    /// INPS assigned it). Without it (or empty) no export can be made (409).
    #[arg(long, env = "SOCIALCARE_SIUSS_BODY_CODE", value_parser = parse_body_code, global = true)]
    pub siuss_body_code: Option<String>,
    /// The threshold of the indicators (`GET /indicators/{indicator}`): a count of more than
    /// none and fewer than this many is suppressed, with the values that would give it away
    /// (2-1000, default 5).
    #[arg(long, env = "SOCIALCARE_STATISTICS_THRESHOLD", default_value_t = 5, value_parser = clap::value_parser!(u64).range(2..=1000), global = true)]
    pub statistics_threshold: u64,
    /// Years after a case file closed before the retention procedure erases its content (the
    /// free text of its records), 1-100 (see docs/retention.md).
    #[arg(long, env = "SOCIALCARE_RETENTION_CASE_CONTENT_YEARS", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=100), global = true)]
    pub retention_case_content_years: u16,
    /// Years after a person's last case file closed before the retention procedure erases their
    /// special categories of data (health and disability, ethnic community, legal status,
    /// justice), 1-100.
    #[arg(long, env = "SOCIALCARE_RETENTION_SPECIAL_CATEGORY_YEARS", default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=100), global = true)]
    pub retention_special_category_years: u16,
    /// Years after a person's last case file closed before the retention procedure
    /// pseudonymises their identity, 1-100 and at least the two periods above.
    #[arg(long, env = "SOCIALCARE_RETENTION_IDENTITY_YEARS", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=100), global = true)]
    pub retention_identity_years: u16,
    /// Lifetime of an access token, in seconds.
    #[arg(long, env = "SOCIALCARE_ACCESS_TOKEN_TTL_SECS", default_value_t = 900, value_parser = clap::value_parser!(u32).range(30..=86_400), global = true)]
    pub access_token_ttl_secs: u32,
    /// Lifetime of a refresh token, in seconds.
    #[arg(long, env = "SOCIALCARE_REFRESH_TOKEN_TTL_SECS", default_value_t = 43_200, value_parser = clap::value_parser!(u32).range(60..=2_592_000), global = true)]
    pub refresh_token_ttl_secs: u32,
    /// Origins allowed to call the API from a browser, comma-separated.
    #[arg(
        long,
        env = "SOCIALCARE_CORS_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    pub cors_origins: Vec<String>,
    /// Password of the first `admin` account, used only when the database has no user.
    #[arg(
        long,
        env = "SOCIALCARE_ADMIN_PASSWORD",
        global = true,
        hide_env_values = true
    )]
    pub admin_password: Option<String>,
    /// Allow SQLite in the production profile.
    #[arg(long, env = "SOCIALCARE_ALLOW_SQLITE_IN_PRODUCTION", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub allow_sqlite_in_production: bool,
    /// Maximum number of database connections.
    #[arg(long, env = "SOCIALCARE_DB_POOL_SIZE", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=200), global = true)]
    pub db_pool_size: u32,
    /// Failed logins tolerated per account within the window.
    #[arg(long, env = "SOCIALCARE_LOGIN_MAX_FAILURES", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub login_max_failures: u32,
    /// Failed logins tolerated per client address within the window.
    #[arg(long, env = "SOCIALCARE_LOGIN_MAX_FAILURES_PER_ADDRESS", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub login_max_failures_per_address: u32,
    /// Length of the failed-login window, in seconds.
    #[arg(long, env = "SOCIALCARE_LOGIN_WINDOW_SECS", default_value_t = 900, value_parser = clap::value_parser!(u32).range(1..=86_400), global = true)]
    pub login_window_secs: u32,
    /// How long a break-glass access to a case file lasts, in seconds (default 24 hours).
    #[arg(long, env = "SOCIALCARE_BREAK_GLASS_TTL_SECS", default_value_t = 86_400, value_parser = clap::value_parser!(u32).range(1..=604_800), global = true)]
    pub break_glass_ttl_secs: u32,
    /// How PostgreSQL commits the audit records of reads (GET requests, which change nothing
    /// else): `asynchronous` (default: the commit does not wait for the WAL flush, so a crash of
    /// the database server may lose the read records of its last fraction of a second; the chain
    /// stays intact) or `synchronous` (every read record is durable before the response, at a
    /// large cost in throughput). Writes are always synchronous. No effect on SQLite.
    #[arg(long, env = "SOCIALCARE_AUDIT_READ_COMMIT", value_enum, default_value_t = ReadAuditCommit::Asynchronous, global = true)]
    pub audit_read_commit: ReadAuditCommit,
    /// Take the client address from `Forwarded`/`X-Forwarded-For` (only behind a trusted proxy).
    #[arg(long, env = "SOCIALCARE_TRUST_PROXY_HEADERS", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub trust_proxy_headers: bool,
    /// The code list of the provincial employment plan's measures that a
    /// `provincial_programme` placement names, comma-separated codes of 1-40 characters a-z,
    /// 0-9 and `_` (default: the Agenzia del Lavoro's `intervento_3_3_d`, `intervento_19`,
    /// `progettone`).
    #[arg(
        long,
        env = "SOCIALCARE_PROVINCIAL_PROGRAMMES",
        value_delimiter = ',',
        default_value = "intervento_3_3_d,intervento_19,progettone",
        value_parser = socialcare_domain::employment::parse_programme,
        global = true
    )]
    pub provincial_programmes: Vec<String>,
}

impl Config {
    /// Parses a configuration from explicit arguments (first item is the program name), with the
    /// environment filling what the arguments leave out. Used by tests and tools.
    pub fn from_args<I, T>(args: I) -> Result<Config, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        Cli::try_parse_from(args).map(|cli| cli.config)
    }
}

/// A granting body's code for the SIUSS exports; empty for none (an environment variable
/// set to nothing).
fn parse_body_code(text: &str) -> Result<String, String> {
    if text.is_empty() || socialcare_domain::siuss::is_body_code(text) {
        Ok(text.to_owned())
    } else {
        Err("1-16 ASCII letters and digits".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
