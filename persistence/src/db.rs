//! Connections, the pool and transactions, identical for SQLite and PostgreSQL.

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel::{PgConnection, SqliteConnection};
use uuid::Uuid;

use crate::audit_appender::{Joined, Staged, StagingGroup};
use crate::error::StoreError;

#[allow(missing_docs)]
mod multi {
    use diesel::{PgConnection, SqliteConnection};

    /// One connection to either engine. The derive generates `MultiBackend`, the backend that
    /// queries written once against `schema.rs` run on.
    #[derive(diesel::MultiConnection)]
    pub enum AnyConnection {
        /// A PostgreSQL connection (production).
        Postgresql(PgConnection),
        /// An embedded SQLite connection (zero set-up default).
        Sqlite(SqliteConnection),
    }
}

pub use multi::{AnyConnection, MultiBackend};

/// The database engine behind a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl Engine {
    /// Name used in logs and in the status endpoint.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgresql",
        }
    }
}

/// Where to connect, parsed from `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbTarget {
    /// `postgres://…` or `postgresql://…`, passed to libpq as is.
    Postgres(String),
    /// `sqlite://PATH`: a file path (relative paths are relative to the working directory).
    Sqlite(PathBuf),
}

impl DbTarget {
    /// Parses a database URL; the scheme chooses the engine.
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() || path == ":memory:" {
                return Err(StoreError::Config(
                    "sqlite:// needs a file path, e.g. sqlite://./data/socialcare.db (in-memory databases are not shared between pooled connections)".into(),
                ));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        Err(StoreError::Config(format!(
            "unsupported database URL scheme in `{}`: use postgres:// or sqlite://",
            redact_url(url)
        )))
    }

    /// The engine of this target.
    pub fn engine(&self) -> Engine {
        match self {
            Self::Postgres(_) => Engine::Postgres,
            Self::Sqlite(_) => Engine::Sqlite,
        }
    }

    /// Opens one connection, configured for the office's use.
    pub fn connect(&self) -> Result<AnyConnection, ConnectionError> {
        match self {
            Self::Postgres(url) => {
                let mut conn = establish_postgres(url)?;
                conn.batch_execute("SET TIME ZONE 'UTC'")
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(AnyConnection::Postgresql(conn))
            }
            Self::Sqlite(path) => {
                let mut conn = establish_sqlite(path)?;
                // The reads' audit records are staged in a file of their own, beside the
                // database (see `read_staging_path`); every connection sees it as `audit_reads`
                // (the sequencer chains from it, the gauges count it).
                attach(
                    &mut conn,
                    &read_staging_path(path),
                    crate::audit::READ_STAGING_SCHEMA,
                )?;
                conn.batch_execute(&crate::audit::read_staging_setup(
                    crate::audit::READ_STAGING_SCHEMA,
                ))
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }
}

/// SQLite: opens the file where the audit records of reads are staged ([`read_staging_path`])
/// as a database of its own, with its staging table, and attaches `database` as
/// [`crate::audit::TRAIL_SCHEMA`] (for [`crate::audit::forget_chained_reads`]).
fn connect_read_staging(database: &Path) -> Result<AnyConnection, ConnectionError> {
    let mut conn = establish_sqlite(&read_staging_path(database))?;
    conn.batch_execute(&crate::audit::read_staging_setup("main"))
        .map_err(ConnectionError::CouldntSetupConfiguration)?;
    attach(&mut conn, database, crate::audit::TRAIL_SCHEMA)?;
    Ok(AnyConnection::Sqlite(conn))
}

/// SQLite: attaches the file at `path` to `conn` as `schema`.
fn attach(conn: &mut SqliteConnection, path: &Path, schema: &str) -> Result<(), ConnectionError> {
    diesel::sql_query(format!("ATTACH DATABASE ? AS {schema}"))
        .bind::<diesel::sql_types::Text, _>(path.to_string_lossy().into_owned())
        .execute(conn)
        .map_err(ConnectionError::CouldntSetupConfiguration)?;
    Ok(())
}

/// Opens a SQLite file with the settings of every connection ([`SQLITE_PRAGMAS`]).
fn establish_sqlite(path: &Path) -> Result<SqliteConnection, ConnectionError> {
    let as_str = path.to_str().ok_or_else(|| {
        ConnectionError::BadConnection("the SQLite path is not valid UTF-8".into())
    })?;
    let mut conn = SqliteConnection::establish(as_str)?;
    conn.batch_execute(SQLITE_PRAGMAS)
        .map_err(ConnectionError::CouldntSetupConfiguration)?;
    Ok(conn)
}

/// The settings of every SQLite connection. WAL lets readers proceed while one writer writes;
/// the busy timeout makes a second writer wait instead of failing; foreign keys are off by
/// default in SQLite. The busy timeout comes first so that the other pragmas wait for a lock
/// held by a connection being opened at the same time. Every audited request commits a few
/// pages; the default checkpoint every 1 000 WAL pages ran inside a request every hundred or
/// so. Checkpointing every 10 000 pages (about 40 MiB) copies each hot page once for ten times
/// as many commits (bench/audit-cost.sh: +15-25 % audited throughput, docs/audit.md), and the
/// size limit truncates the file back after a checkpoint.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 10000;
     PRAGMA journal_mode = WAL;
     PRAGMA synchronous = NORMAL;
     PRAGMA foreign_keys = ON;
     PRAGMA wal_autocheckpoint = 10000;
     PRAGMA journal_size_limit = 67108864;";

/// SQLite: the file where reads stage their audit records, beside the database file: its path
/// with `-audit-reads` appended (`socialcare.db-audit-reads`, with its own `-wal` and `-shm`).
///
/// A read changes nothing but the trail. Were its record committed to the database file, every
/// reader connection would discard its page cache at the next transaction, as SQLite does
/// whenever another connection has written: under concurrent reads that is most of the cost of
/// the audit (docs/audit.md). Staged in a file of its own, the record leaves the database file
/// unchanged, and the sequencer chains the staged records into it once per batch. Back up the
/// two files together, or chain first (`socialcare audit checkpoint`).
pub fn read_staging_path(database: &Path) -> PathBuf {
    let mut path = database.as_os_str().to_owned();
    path.push("-audit-reads");
    PathBuf::from(path)
}

/// SQLite: every file of a database: the file itself, its WAL and shared memory, and the same
/// three of the reads' file ([`read_staging_path`]); what to copy or remove together.
pub fn sqlite_files(database: &Path) -> Vec<PathBuf> {
    [
        "",
        "-wal",
        "-shm",
        "-audit-reads",
        "-audit-reads-wal",
        "-audit-reads-shm",
    ]
    .iter()
    .map(|suffix| {
        let mut path = database.as_os_str().to_owned();
        path.push(suffix);
        PathBuf::from(path)
    })
    .collect()
}

/// Whether the SQLite library keeps one plan per statement whatever the values bound to it (the
/// query planner stability guarantee, compiled in by `.cargo/config.toml`). Without it SQLite
/// prepares again, on every execution, each cached statement with a `LIMIT ?` (diesel's
/// `.first()` and `.limit(n)`): correct, but a parse and a plan per query. Always true on
/// PostgreSQL, which has no such option.
pub fn sqlite_plans_are_stable(conn: &mut AnyConnection) -> Result<bool, StoreError> {
    match conn {
        AnyConnection::Postgresql(_) => Ok(true),
        AnyConnection::Sqlite(c) => Ok(diesel::select(
            diesel::dsl::sql::<diesel::sql_types::Bool>("sqlite_compileoption_used('ENABLE_QPSG')"),
        )
        .get_result(c)?),
    }
}

/// Hides the password of a URL before it is logged or shown.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// How long after its last successful use a pooled connection is handed out without a
/// `SELECT 1` first. A connection that answered moments ago is alive; one idle for longer may
/// have been cut meanwhile (a server restart, a firewall's idle timeout) and is tested before
/// use. The same rule as HikariCP's `aliveBypassWindowMs` (500 ms): under load no checkout pays
/// the extra round trip (two per request before: the account, then the handler's transaction),
/// while a connection left idle is still tested.
pub const ALIVE_BYPASS_WINDOW: Duration = Duration::from_millis(500);

/// A pooled connection, with when it last completed work without an error.
pub struct TrackedConnection {
    conn: AnyConnection,
    /// `None` while in use, after an error, or after a use whose outcome the pool did not see:
    /// the next checkout tests the connection.
    succeeded_at: Option<Instant>,
}

impl TrackedConnection {
    /// Records the outcome of work done on the connection: a success spares the next checkout
    /// its test (within [`ALIVE_BYPASS_WINDOW`]); an error makes the next checkout test it, so
    /// that a connection the server dropped is replaced instead of failing again.
    fn record<T, E>(&mut self, result: &Result<T, E>) {
        self.succeeded_at = result.is_ok().then(Instant::now);
    }
}

impl Deref for TrackedConnection {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl DerefMut for TrackedConnection {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

/// r2d2 manager that opens connections of the engine chosen by the URL scheme.
#[derive(Debug, Clone)]
pub struct Manager {
    target: DbTarget,
}

impl ManageConnection for Manager {
    type Connection = TrackedConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Self::Connection, Self::Error> {
        let conn = self
            .target
            .connect()
            .map_err(r2d2::Error::ConnectionError)?;
        Ok(TrackedConnection {
            conn,
            succeeded_at: Some(Instant::now()),
        })
    }

    fn is_valid(&self, conn: &mut Self::Connection) -> Result<(), Self::Error> {
        match conn.succeeded_at {
            Some(at) if at.elapsed() < ALIVE_BYPASS_WINDOW => Ok(()),
            _ => conn
                .conn
                .batch_execute("SELECT 1")
                .map_err(r2d2::Error::QueryError),
        }
    }

    /// A connection returned inside a transaction, or whose transaction manager diesel marks
    /// broken (a failed rollback), is closed instead of pooled.
    fn has_broken(&self, conn: &mut Self::Connection) -> bool {
        conn.conn.is_broken()
    }
}

/// A pooled connection.
pub type Conn = PooledConnection<Manager>;

/// Pool settings.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Maximum connections kept open.
    pub max_size: u32,
    /// How long a request waits for a free connection before the server answers 503.
    pub acquire_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 10,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// The state of the connection pool at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    /// Connections open (idle or in use).
    pub connections: u32,
    /// Open connections waiting for work.
    pub idle: u32,
    /// The most connections the pool opens (`SOCIALCARE_DB_POOL_SIZE`).
    pub max: u32,
}

/// The database: a pool plus, on SQLite, the one connection that writes.
///
/// SQLite lets one writer in at a time, and a connection discards its whole page cache whenever
/// another connection has written since its last transaction. Every write transaction therefore
/// runs on a single dedicated connection, taken under a lock: writers queue in-process instead
/// of failing with "database is locked", and that connection's cache stays warm because nobody
/// else writes (the pool serves the read-only transactions). On PostgreSQL every transaction
/// takes a pooled connection.
///
/// On SQLite, writes that queue up behind each other commit together (group commit, see
/// [`Database::write`]): writes to the same tables touch the same few pages, and one commit
/// writes them to the WAL once for the whole group instead of once per request. The audit
/// records of reads go to a file of their own ([`Database::stage_read`]).
#[derive(Clone)]
pub struct Database {
    pool: Pool<Manager>,
    engine: Engine,
    sqlite_writer: Option<Arc<SqliteWriter>>,
    /// SQLite: the connection that stages the records of reads ([`Database::stage_read`]).
    read_stager: Option<Arc<ReadStager>>,
    /// The records of reads waiting to be staged together ([`Database::stage_read`]).
    read_group: Arc<StagingGroup>,
    target: DbTarget,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("engine", &self.engine)
            .finish_non_exhaustive()
    }
}

/// Opens a PostgreSQL connection, first initialising OpenSSL (once per process) without its
/// exit handler. libpq initialises OpenSSL on its first TLS connection, and OpenSSL 3 then
/// frees its global state in an `atexit` handler while other threads (the pool's, a server's
/// workers) may still hold TLS connections: the process aborted at exit with a corrupted heap
/// ("malloc_consolidate(): invalid chunk size") once every test had passed. Every connection
/// the project opens to PostgreSQL goes through here, so the first initialisation is this one.
pub fn establish_postgres(url: &str) -> Result<PgConnection, ConnectionError> {
    openssl_sys::init();
    PgConnection::establish(url)
}

impl Database {
    /// Connects to `url` (creating the SQLite file and its folder when missing) and builds the pool.
    /// The pool opens connections on demand: a database that goes away later makes requests
    /// answer 503 (and `/status` say so) instead of stopping the server.
    pub fn connect(url: &str, options: &PoolOptions) -> Result<Self, StoreError> {
        let target = DbTarget::parse(url)?;
        if let DbTarget::Sqlite(path) = &target {
            ensure_parent_dir(path)?;
        }
        let engine = target.engine();
        let pool = Pool::builder()
            .max_size(options.max_size.max(1))
            .connection_timeout(options.acquire_timeout)
            .build_unchecked(Manager {
                target: target.clone(),
            });
        Ok(Self {
            pool,
            engine,
            sqlite_writer: (engine == Engine::Sqlite).then(|| Arc::new(SqliteWriter::default())),
            read_stager: match &target {
                DbTarget::Sqlite(path) => Some(Arc::new(ReadStager {
                    database: path.clone(),
                    conn: Mutex::new(None),
                })),
                DbTarget::Postgres(_) => None,
            },
            read_group: Arc::default(),
            target,
        })
    }

    /// The engine in use.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// How the connection pool stands now (for the metrics).
    pub fn pool_state(&self) -> PoolState {
        let state = self.pool.state();
        PoolState {
            connections: state.connections,
            idle: state.idle_connections,
            max: self.pool.max_size(),
        }
    }

    /// Takes a connection from the pool. Its next checkout tests it with `SELECT 1`, as the
    /// pool does not see how its use ends; [`Database::with_conn`], [`Database::read`] and
    /// [`Database::write`] record the outcome and spare that test after a success.
    pub fn conn(&self) -> Result<Conn, StoreError> {
        let mut pooled = self.pool.get().map_err(|e| {
            tracing::warn!(error = %e, "no database connection available");
            StoreError::Unavailable
        })?;
        pooled.succeeded_at = None;
        Ok(pooled)
    }

    /// Runs `f` on a pooled connection, outside any transaction (single statements, such as the
    /// account lookup of every request).
    pub fn with_conn<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    {
        let mut pooled = self.conn()?;
        let result = f(&mut pooled);
        pooled.record(&result);
        result
    }

    /// Runs `f` in a read transaction: one consistent snapshot for all its statements (on
    /// PostgreSQL `REPEATABLE READ`, whose snapshot is taken at the first statement; a default
    /// `READ COMMITTED` transaction would give each statement its own; on SQLite a deferred
    /// transaction keeps the snapshot of its first read). On PostgreSQL it is also `READ ONLY`:
    /// a write in it fails. On SQLite it runs on a pooled connection, never the writer's.
    pub fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    {
        self.read_as(f)
    }

    /// [`Database::read`] for work whose errors are of another type that can carry a database
    /// error (a request's).
    pub fn read_as<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E>,
        E: From<StoreError> + From<diesel::result::Error>,
    {
        let mut pooled = self.conn()?;
        let result = Self::read_on(&mut pooled, self.engine, f);
        pooled.record(&result);
        result
    }

    /// The read transaction of [`Database::read_as`] on a connection already taken.
    fn read_on<T, E, F>(conn: &mut AnyConnection, engine: Engine, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E>,
        E: From<StoreError> + From<diesel::result::Error>,
    {
        if engine == Engine::Postgres {
            begin(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
            return match f(conn) {
                Ok(value) => {
                    AnyConnection::commit_transaction(conn)?;
                    Ok(value)
                }
                Err(error) => {
                    // A rollback that fails leaves diesel's manager broken: the pool discards
                    // the connection.
                    let _ = AnyConnection::rollback_transaction(conn);
                    Err(error)
                }
            };
        }
        conn.transaction(f)
    }

    /// A read whose audit record is staged before it returns: `f` decides and reads in one
    /// snapshot and returns its answer and its record. On PostgreSQL the transaction is
    /// `REPEATABLE READ` (one snapshot) on a pooled connection, and the record joins the group
    /// of read records being staged ([`crate::audit_appender::StagingGroup`]): a read that leads
    /// a group sends the group's insert with its `COMMIT`, in one round trip
    /// ([`crate::audit::staged_group_with_commit`]); one that joins a group being written
    /// commits its transaction, which wrote nothing, and waits for its record's group. On SQLite
    /// it is a write transaction on the writer connection ([`Database::write`]), the record
    /// staged in it.
    pub fn read_recorded<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<(T, crate::audit::NewAuditRecord), E>,
        E: From<StoreError> + From<diesel::result::Error>,
    {
        if let Some(writer) = &self.sqlite_writer {
            return writer.write(&self.target, |c| {
                let (value, record) = f(c)?;
                crate::audit::append(c, record)?;
                Ok(value)
            });
        }
        let mut pooled = self.conn()?;
        let result = read_recorded_on(&mut pooled.conn, &self.read_group, f);
        pooled.record(&result);
        result
    }

    /// Runs `f` in a write transaction: everything it does commits together, and nothing does
    /// when it returns an error (of any type that can carry a database error). Returns once its
    /// changes are committed.
    ///
    /// On SQLite the transaction runs on the dedicated writer connection, taken under an
    /// in-process lock, and starts `IMMEDIATE`, so concurrent requests queue instead of failing
    /// with "database is locked". Requests that queued while one ran join its transaction
    /// (group commit): each runs in a savepoint of it, so that an error undoes its own changes
    /// and nobody else's; the last one of the queue commits, and every member returns only
    /// after that commit, with an error if it failed (then nothing of any member remains). A
    /// group closes at [`GROUP_MAX_MEMBERS`] members or [`GROUP_MAX_OPEN`] after it opened.
    pub fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E>,
        E: From<StoreError> + From<diesel::result::Error>,
    {
        let Some(writer) = &self.sqlite_writer else {
            let mut pooled = self.conn()?;
            let result = pooled.conn.transaction(f);
            pooled.record(&result);
            return result;
        };
        writer.write(&self.target, f)
    }

    /// Runs `f` as one write: on PostgreSQL on a pooled connection outside any explicit
    /// transaction, so that `f` must be a single statement, which is its own transaction (one
    /// round trip instead of three); on SQLite a write transaction (see [`Database::write`]).
    pub fn write_statement<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    {
        if self.sqlite_writer.is_some() {
            return self.write(f);
        }
        let mut pooled = self.conn()?;
        let result = f(&mut pooled.conn);
        pooled.record(&result);
        result
    }

    /// Transactions committed on the SQLite writer connection, and the writes they held (see
    /// [`Database::write`]); `None` on PostgreSQL.
    pub fn write_groups(&self) -> Option<WriteGroups> {
        self.sqlite_writer.as_ref().map(|w| WriteGroups {
            commits: w.commits.load(Ordering::Relaxed),
            members: w.members.load(Ordering::Relaxed),
        })
    }

    /// Runs `f` in a read transaction if a pooled connection is idle now, without waiting for
    /// one (`None` otherwise): for what runs on an async worker and must not block it, such as
    /// the metrics read at each scrape.
    pub fn try_read<T, F>(&self, f: F) -> Option<Result<T, StoreError>>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    {
        let mut pooled = self.pool.try_get()?;
        pooled.succeeded_at = None;
        let result = pooled.conn.transaction(f);
        pooled.record(&result);
        Some(result)
    }

    /// Stages the audit record of a read whose transaction has ended (or was refused), returning
    /// its id once committed: the caller answers only then. The record joins the group of read
    /// records being staged ([`crate::audit_appender::StagingGroup`]): the caller either writes
    /// a group, its own record and those that queued meanwhile, in one transaction, or waits for
    /// the group that holds its record. On SQLite the group goes to the file of the reads'
    /// records ([`read_staging_path`]) on one connection under an in-process lock, which leaves
    /// the database file and the page caches of the reader connections untouched; on PostgreSQL
    /// to the staging table, in one round trip on a pooled connection.
    pub fn stage_read(&self, record: crate::audit::NewAuditRecord) -> Result<Uuid, StoreError> {
        match &self.read_stager {
            Some(stager) => self
                .read_group
                .stage(record, |records| stager.stage_group(records)),
            None => self.read_group.stage(record, |records| match self.conn() {
                Ok(mut pooled) => {
                    let outcomes = stage_group_alone(&mut pooled.conn, records);
                    // The connection counts as healthy only if every record was staged.
                    let all_staged = outcomes.iter().try_for_each(|o| o.as_ref().map(|_| ()));
                    pooled.record(&all_staged);
                    outcomes
                }
                Err(error) => records.iter().map(|_| Err(error.clone())).collect(),
            }),
        }
    }

    /// How the staging of read records stands: the groups staged so far, the records they held,
    /// the records waiting (see [`Database::stage_read`]).
    pub fn read_groups(&self) -> crate::audit_appender::GroupStats {
        self.read_group.stats()
    }

    /// SQLite: removes the reads' records already chained from their file
    /// ([`crate::audit::forget_chained_reads`]), on the connection that stages them; nothing on
    /// PostgreSQL. Returns how many.
    pub fn forget_chained_reads(&self) -> Result<u64, StoreError> {
        match &self.read_stager {
            Some(stager) => stager.run(crate::audit::forget_chained_reads),
            None => Ok(0),
        }
    }

    /// A connection of its own for a background task (see [`Dedicated`]).
    pub fn dedicated(&self) -> Dedicated {
        Dedicated {
            db: self.clone(),
            conn: None,
        }
    }

    /// Answers whether the database responds.
    pub fn ping(&self) -> Result<(), StoreError> {
        self.with_conn(|c| c.batch_execute("SELECT 1").map_err(StoreError::from))
    }
}

/// SQLite: the one connection that writes the reads' file (see [`Database::stage_read`]),
/// opened on first use and again after an error.
struct ReadStager {
    /// The database file, beside which the reads' file lies.
    database: PathBuf,
    conn: Mutex<Option<AnyConnection>>,
}

impl ReadStager {
    /// Runs `f` on the connection, under its lock, opening it when needed; after an error the
    /// connection is dropped, so that the next use opens a fresh one.
    fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    {
        let mut slot = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let conn = match &mut *slot {
            Some(conn) => conn,
            empty => match connect_read_staging(&self.database) {
                Ok(conn) => empty.insert(conn),
                Err(error) => {
                    tracing::warn!(%error, "cannot open the file of the reads' audit records");
                    return Err(StoreError::Unavailable);
                }
            },
        };
        let done = f(conn);
        if done.is_err() {
            *slot = None;
        }
        done
    }

    /// Stages a group of read records in one transaction of the reads' file; when it fails as a
    /// whole, each record alone, so that a record refused fails only its own read.
    fn stage_group(&self, records: &[crate::audit::NewAuditRecord]) -> Vec<Staged> {
        // A group of one is one insert, its own transaction (no BEGIN and COMMIT statements).
        let together = match records {
            [one] => self.run(|c| crate::audit::append_batch(c, std::slice::from_ref(one))),
            _ => self.run(|c| c.transaction(|c| crate::audit::append_batch(c, records))),
        };
        match together {
            Ok(ids) => ids.into_iter().map(Ok).collect(),
            Err(error) if records.len() == 1 => vec![Err(error)],
            Err(error) => {
                tracing::warn!(%error, records = records.len(), "a group of read records failed; staging them one by one");
                records
                    .iter()
                    .map(|r| self.run(|c| crate::audit::append(c, r.clone())))
                    .collect()
            }
        }
    }
}

/// A connection of its own for one background task (the audit log's sequencer), outside the
/// request pool, so that under load the task does not wait in the pool's queue behind every
/// request (on PostgreSQL, at 128 concurrent requests and 10 pooled connections, the sequencer's
/// three checkouts per batch made it late by up to a second). Opened on first use, and again
/// after an error. On SQLite, whose one writer orders every write anyway, it runs through the
/// [`Database`] like a request.
pub struct Dedicated {
    db: Database,
    conn: Option<AnyConnection>,
}

impl Dedicated {
    /// The database this connection belongs to.
    pub fn database(&self) -> &Database {
        &self.db
    }

    fn conn(&mut self) -> Result<&mut AnyConnection, StoreError> {
        if self.conn.is_none() {
            let opened = self.db.target.connect().map_err(|e| {
                tracing::warn!(error = %e, "the background task's database connection could not be opened");
                StoreError::Unavailable
            })?;
            self.conn = Some(opened);
        }
        self.conn.as_mut().ok_or(StoreError::Unavailable)
    }

    /// Runs `f` in a read transaction (see [`Database::read`]).
    pub fn read<T, F>(&mut self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    {
        if self.db.engine == Engine::Sqlite {
            return self.db.read(f);
        }
        self.transaction(f)
    }

    /// Runs `f` in a write transaction (see [`Database::write`]).
    pub fn write<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E>,
        E: From<StoreError> + From<diesel::result::Error>,
    {
        if self.db.engine == Engine::Sqlite {
            return self.db.write(f);
        }
        self.transaction(f)
    }

    /// Runs `f` as one write: on PostgreSQL outside any explicit transaction, so that `f` must
    /// be a single statement, which is its own transaction (one round trip instead of three); on
    /// SQLite a write transaction on the writer connection (see [`Database::write`]).
    pub fn write_statement<T, F>(&mut self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    {
        if self.db.engine == Engine::Sqlite {
            return self.db.write(f);
        }
        let result = f(self.conn()?);
        if result.is_err() {
            self.conn = None;
        }
        result
    }

    /// A transaction on the task's own connection, dropped after an error so that the next
    /// use opens a fresh one.
    fn transaction<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E>,
        E: From<StoreError> + From<diesel::result::Error>,
    {
        let result = self.conn()?.transaction(f);
        if result.is_err() {
            self.conn = None;
        }
        result
    }
}

/// Counters of the SQLite group commit, for tests and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteGroups {
    /// Transactions committed.
    pub commits: u64,
    /// Successful writes they held.
    pub members: u64,
}

/// At most this many writes share one SQLite transaction.
pub const GROUP_MAX_MEMBERS: usize = 32;

/// A group's transaction commits at the latest when a member finishes this long after the group
/// opened, however many requests still queue: its first member has waited about that long.
pub const GROUP_MAX_OPEN: Duration = Duration::from_millis(5);

/// The outcome of a group's commit, awaited by its members.
#[derive(Default)]
struct Settlement {
    outcome: Mutex<Option<Result<(), String>>>,
    settled: Condvar,
}

impl Settlement {
    fn settle(&self, outcome: Result<(), String>) {
        let mut slot = self.outcome.lock().unwrap_or_else(PoisonError::into_inner);
        *slot = Some(outcome);
        self.settled.notify_all();
    }

    fn wait(&self) -> Result<(), String> {
        let mut slot = self.outcome.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(outcome) = &*slot {
                return outcome.clone();
            }
            slot = self
                .settled
                .wait(slot)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// The group whose transaction is open on the writer connection.
struct OpenGroup {
    members: usize,
    opened_at: Instant,
    settlement: Arc<Settlement>,
}

#[derive(Default)]
struct WriterState {
    conn: Option<AnyConnection>,
    group: Option<OpenGroup>,
}

/// The SQLite writer connection and its group commit (see [`Database::write`]).
#[derive(Default)]
struct SqliteWriter {
    state: Mutex<WriterState>,
    /// Writes waiting for the lock: while there are some, a finished write leaves the commit to
    /// them.
    queued: AtomicUsize,
    commits: AtomicU64,
    members: AtomicU64,
}

impl SqliteWriter {
    fn write<T, E, F>(&self, target: &DbTarget, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E>,
        E: From<StoreError> + From<diesel::result::Error>,
    {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let locked = self.state.lock();
        self.queued.fetch_sub(1, Ordering::SeqCst);
        let mut guard = locked.unwrap_or_else(|poisoned| {
            // A write panicked (it already failed its group, see below): start afresh.
            let mut state = poisoned.into_inner();
            state.conn = None;
            if let Some(group) = state.group.take() {
                group
                    .settlement
                    .settle(Err("a write of the same group panicked".into()));
            }
            state
        });
        let state = &mut *guard;
        let conn = match &mut state.conn {
            Some(conn) => conn,
            empty => empty.insert(target.connect().map_err(|e| {
                tracing::warn!(error = %e, "cannot open the SQLite writer connection");
                StoreError::Unavailable
            })?),
        };
        let first = state.group.is_none();
        if first {
            if let Err(begin) = begin_immediate(conn) {
                // A connection that cannot even begin is not trusted again.
                state.conn = None;
                return Err(begin.into());
            }
            state.group = Some(OpenGroup {
                members: 0,
                opened_at: Instant::now(),
                settlement: Arc::default(),
            });
        }
        // The first write of a group runs in the group's transaction itself (on error the
        // transaction, holding nothing else, is rolled back); the others in a savepoint of it.
        // Forget a read of the reads' file noted outside the writer (a reader's transaction).
        crate::audit::reads_file_was_read();
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            if first { f(conn) } else { conn.transaction(f) }
        }));
        let result = match ran {
            Ok(result) => result,
            Err(panic) => {
                // Nothing of the group can be trusted: drop the connection (which rolls the
                // transaction back) and fail the members waiting for the commit.
                state.conn = None;
                if let Some(group) = state.group.take() {
                    group
                        .settlement
                        .settle(Err("a write of the same group panicked".into()));
                }
                std::panic::resume_unwind(panic);
            }
        };
        // (Not `is_broken`: to diesel any open transaction makes a connection broken.)
        let intact = open_depth(conn) == Some(1);
        if !intact || (first && result.is_err()) {
            // SQLite or a failed savepoint rollback ended the whole transaction, or the group's
            // first write failed: roll back, and fail the members waiting for the commit.
            if !intact {
                state.conn = None;
            } else if let Err(rollback) = AnyConnection::rollback_transaction(conn) {
                tracing::error!(error = %rollback, "rollback failed");
                state.conn = None;
            }
            if let Some(group) = state.group.take() {
                group
                    .settlement
                    .settle(Err("a write of the same group failed".into()));
            }
            return match result {
                Err(error) => Err(error),
                Ok(_) => Err(StoreError::Unavailable.into()),
            };
        }
        let Some(group) = state.group.as_mut() else {
            return Err(StoreError::Internal("the write group vanished".into()).into());
        };
        if result.is_ok() {
            group.members += 1;
        }
        // A write that read the reads' file closes its group (see `audit::reads_file_was_read`).
        let closes = crate::audit::reads_file_was_read();
        if !closes
            && self.queued.load(Ordering::SeqCst) > 0
            && group.members < GROUP_MAX_MEMBERS
            && group.opened_at.elapsed() < GROUP_MAX_OPEN
        {
            // A write queued behind this one joins the transaction and commits it, or leaves
            // that to whoever queued behind it.
            let value = result?;
            let settlement = Arc::clone(&group.settlement);
            drop(guard);
            return match settlement.wait() {
                Ok(()) => Ok(value),
                Err(reason) => {
                    tracing::warn!(%reason, "a grouped write was rolled back");
                    Err(StoreError::Unavailable.into())
                }
            };
        }
        // Nobody queued behind, the group is full, or it read the reads' file: commit it.
        let members = group.members as u64;
        let settlement = Arc::clone(&group.settlement);
        state.group = None;
        match AnyConnection::commit_transaction(conn) {
            Ok(()) => {
                self.commits.fetch_add(1, Ordering::Relaxed);
                self.members.fetch_add(members, Ordering::Relaxed);
                settlement.settle(Ok(()));
                result
            }
            Err(commit) => {
                // diesel rolls back a failed commit; start afresh next time regardless.
                state.conn = None;
                settlement.settle(Err(format!("commit failed: {commit}")));
                result.and(Err(StoreError::from(commit).into()))
            }
        }
    }
}

/// The depth of the transaction open on a SQLite connection (1: a transaction, no savepoint);
/// `None` when none is open or diesel's transaction manager is in error.
fn open_depth(conn: &mut AnyConnection) -> Option<u32> {
    match conn {
        AnyConnection::Sqlite(inner) => {
            AnsiTransactionManager::transaction_manager_status_mut(inner)
                .transaction_depth()
                .ok()
                .flatten()
                .map(|depth| depth.get())
        }
        AnyConnection::Postgresql(_) => None,
    }
}

/// Opens a PostgreSQL transaction with `sql` (a `BEGIN` with its modes: one round trip where
/// `BEGIN` and `SET TRANSACTION` take two) through diesel's transaction manager, so that its
/// depth bookkeeping, and therefore the commit, the rollback and nested savepoints, work as for
/// any other transaction.
fn begin(conn: &mut AnyConnection, sql: &str) -> Result<(), StoreError> {
    match conn {
        AnyConnection::Postgresql(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, sql)?;
            Ok(())
        }
        AnyConnection::Sqlite(_) => Err(StoreError::Internal(
            "a PostgreSQL transaction was opened on a SQLite connection".into(),
        )),
    }
}

/// The PostgreSQL transaction of [`Database::read_recorded`]: `f` in a `REPEATABLE READ`
/// transaction; then its record joins `group`. Leading a group, the read sends the group's
/// insert and its `COMMIT` in one simple-query round trip; joining a group being written, it
/// commits (it wrote nothing) and waits, and stages a group itself, in a transaction of its own,
/// when no other read leads one. On any error of `f` a rollback.
fn read_recorded_on<T, E, F>(conn: &mut AnyConnection, group: &StagingGroup, f: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<(T, crate::audit::NewAuditRecord), E>,
    E: From<StoreError> + From<diesel::result::Error>,
{
    begin(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ")?;
    let (value, record) = match f(conn) {
        Ok(read) => read,
        Err(error) => {
            // A rollback that fails leaves diesel's manager broken: the pool discards the
            // connection.
            let _ = AnyConnection::rollback_transaction(conn);
            return Err(error);
        }
    };
    let mut joined = group.join(record);
    if let Joined::Wait(ticket) = joined
        && let Err(error) = AnyConnection::commit_transaction(conn)
    {
        let _ = AnyConnection::rollback_transaction(conn);
        // The read answers an error and shows nothing: its record is withdrawn (not staged if
        // still queued).
        group.withdraw(ticket);
        return Err(error.into());
    }
    loop {
        joined = match joined {
            Joined::Done(staged) => return staged.map(|_| value).map_err(E::from),
            Joined::Wait(ticket) => group.wait(ticket),
            Joined::Lead(batch) if in_transaction(conn) => {
                let outcomes = stage_group_with_commit(conn, batch.records());
                return batch.finish(outcomes).map(|_| value).map_err(E::from);
            }
            Joined::Lead(batch) => {
                let outcomes = stage_group_alone(conn, batch.records());
                return batch.finish(outcomes).map(|_| value).map_err(E::from);
            }
        };
    }
}

/// Whether diesel's manager has a transaction open on `conn`.
fn in_transaction(conn: &mut AnyConnection) -> bool {
    let AnyConnection::Postgresql(inner) = conn else {
        return false;
    };
    match AnsiTransactionManager::transaction_manager_status_mut(inner) {
        diesel::connection::TransactionManagerStatus::Valid(status) => {
            status.transaction_depth().is_some()
        }
        diesel::connection::TransactionManagerStatus::InError => false,
    }
}

/// PostgreSQL: stages `records` in the transaction open on `conn` (the leader's read, which
/// wrote nothing) and commits it, in one round trip; when that fails, the leader's own record
/// (the first) fails with it and the others are staged by [`stage_group_alone`].
fn stage_group_with_commit(
    conn: &mut AnyConnection,
    records: &[crate::audit::NewAuditRecord],
) -> Vec<Staged> {
    let (sql, mut outcomes) = crate::audit::staged_group_with_commit(records, false);
    let sent = execute_closing(conn, &sql);
    match sent {
        Ok(()) => outcomes,
        Err(error) => {
            let _ = AnyConnection::rollback_transaction(conn);
            outcomes.truncate(1);
            outcomes[0] = Err(error);
            outcomes.extend(stage_group_alone(conn, &records[1..]));
            outcomes
        }
    }
}

/// PostgreSQL: stages `records` in one transaction of their own, in one round trip; when that
/// fails as a whole, each record alone, so that a record refused fails only its own read.
fn stage_group_alone(
    conn: &mut AnyConnection,
    records: &[crate::audit::NewAuditRecord],
) -> Vec<Staged> {
    if records.is_empty() {
        return Vec::new();
    }
    let (sql, outcomes) = crate::audit::staged_group_with_commit(records, true);
    match execute_closing(conn, &sql) {
        Ok(()) => outcomes,
        Err(error) => {
            // The statements after the failed one were skipped, the COMMIT among them.
            let _ = conn.batch_execute("ROLLBACK");
            if records.len() == 1 {
                return vec![Err(error)];
            }
            tracing::warn!(%error, records = records.len(), "a group of read records failed; staging them one by one");
            records
                .iter()
                .map(|r| {
                    stage_group_alone(conn, std::slice::from_ref(r))
                        .pop()
                        .unwrap_or_else(|| Err(StoreError::Internal("no outcome".into())))
                })
                .collect()
        }
    }
}

/// PostgreSQL: sends `sql`, which ends with a `COMMIT`, in one simple-query round trip, and
/// makes sure diesel's manager knows the transaction is closed (diesel reads the server's
/// transaction status after each query and has closed its bookkeeping already; should it not
/// have, it is told here).
fn execute_closing(conn: &mut AnyConnection, sql: &str) -> Result<(), StoreError> {
    let AnyConnection::Postgresql(inner) = &mut *conn else {
        return Err(StoreError::Internal("not a PostgreSQL connection".into()));
    };
    inner.batch_execute(sql)?;
    match AnsiTransactionManager::transaction_manager_status_mut(inner) {
        diesel::connection::TransactionManagerStatus::Valid(status) => {
            if status.transaction_depth().is_some() {
                status.change_transaction_depth(
                    diesel::connection::TransactionDepthChange::DecreaseDepth,
                )?;
            }
            Ok(())
        }
        diesel::connection::TransactionManagerStatus::InError => Err(StoreError::from(
            diesel::result::Error::BrokenTransactionManager,
        )),
    }
}

/// `BEGIN IMMEDIATE` through diesel's transaction manager, so that its depth bookkeeping (and
/// therefore nested savepoints and the commit) work as for any other transaction.
fn begin_immediate(conn: &mut AnyConnection) -> Result<(), StoreError> {
    match conn {
        AnyConnection::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
            Ok(())
        }
        AnyConnection::Postgresql(_) => Err(StoreError::Internal(
            "the SQLite writer connection is a PostgreSQL connection".into(),
        )),
    }
}

fn ensure_parent_dir(path: &Path) -> Result<(), StoreError> {
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|e| {
            StoreError::Config(format!(
                "cannot create the database folder {}: {e}",
                parent.display()
            ))
        })?;
    }
    Ok(())
}

/// The next number of `year` in a yearly counter table (`year`, `last_sequence`): 1 for the
/// first of the year. The upsert takes the counter row's lock until the transaction ends, so
/// that concurrent transactions (several processes on PostgreSQL, or the single writer on
/// SQLite) never get the same number, and the first number of a year cannot race either.
/// `table` is one of the project's counter tables, never input.
pub fn next_in_year(
    conn: &mut AnyConnection,
    table: &'static str,
    year: i32,
) -> Result<i32, StoreError> {
    use diesel::RunQueryDsl;
    let upsert = format!(
        "INSERT INTO {table} (year, last_sequence) VALUES ({{p}}, 1) \
         ON CONFLICT (year) DO UPDATE SET last_sequence = {table}.last_sequence + 1 \
         RETURNING last_sequence"
    );
    #[derive(diesel::QueryableByName)]
    struct Next {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        last_sequence: i32,
    }
    let next: Next = match conn {
        AnyConnection::Postgresql(c) => diesel::sql_query(upsert.replace("{p}", "$1"))
            .bind::<diesel::sql_types::Integer, _>(year)
            .get_result(c)?,
        AnyConnection::Sqlite(c) => diesel::sql_query(upsert.replace("{p}", "?"))
            .bind::<diesel::sql_types::Integer, _>(year)
            .get_result(c)?,
    };
    Ok(next.last_sequence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_selects_engine() {
        assert_eq!(
            DbTarget::parse("sqlite://./data/x.db"),
            Ok(DbTarget::Sqlite(PathBuf::from("./data/x.db")))
        );
        assert_eq!(
            DbTarget::parse("sqlite:///var/lib/x.db"),
            Ok(DbTarget::Sqlite(PathBuf::from("/var/lib/x.db")))
        );
        assert_eq!(
            DbTarget::parse("postgresql://u@h/db").map(|t| t.engine()),
            Ok(Engine::Postgres)
        );
        assert!(DbTarget::parse("mysql://x").is_err());
        assert!(DbTarget::parse("sqlite://:memory:").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/socialcare"),
            "postgres://app:***@db:5432/socialcare"
        );
        assert_eq!(redact_url("sqlite://./x.db"), "sqlite://./x.db");
    }
}
