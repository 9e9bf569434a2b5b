//! The embedded migrations of both engines, and schema introspection used to test them.

use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::{Integer, Text};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::db::{AnyConnection, Database};
use crate::error::StoreError;
use crate::{audit, pacts};

/// Migrations for PostgreSQL (`migrations/postgres`).
pub const POSTGRES: EmbeddedMigrations = embed_migrations!("../migrations/postgres");
/// Migrations for SQLite (`migrations/sqlite`), mirrored under the same version names.
pub const SQLITE: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");

fn migration_error(e: Box<dyn std::error::Error + Send + Sync>) -> StoreError {
    StoreError::Internal(format!("migration failed: {e}"))
}

/// Applies every pending migration; returns the versions applied.
pub fn run_pending(db: &Database) -> Result<Vec<String>, StoreError> {
    let mut conn = db.conn()?;
    run_pending_on(&mut conn)
}

/// Applies every pending migration on one connection, one at a time (see [`run_next`]).
pub fn run_pending_on(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    let mut applied = Vec::new();
    while let Some(version) = run_next(conn)? {
        applied.push(version);
    }
    Ok(applied)
}

/// Name suffix of the migration that makes the audit trail immutable: before it runs, the
/// records written before the hash chain existed are chained ([`audit::chain_unhashed`]).
const AUDIT_IMMUTABLE: &str = "_audit_immutable";

/// Name suffix of the migration that indexes the stored pact deadlines: before it runs, the
/// deadlines of the pacts that existed before they were stored are computed
/// ([`pacts::store_all_deadlines`]).
const PACT_DEADLINES_BY_FILE: &str = "_pact_deadlines_by_file";

/// Work done in Rust between migrations, before the migration called `name`.
fn before_migration(conn: &mut AnyConnection, name: &str) -> Result<(), StoreError> {
    if name.ends_with(PACT_DEADLINES_BY_FILE) {
        let stored = conn.transaction(pacts::store_all_deadlines)?;
        if stored > 0 {
            tracing::info!(stored, "deadlines of existing pacts stored");
        }
    }
    if name.ends_with(AUDIT_IMMUTABLE) {
        let hashed = conn.transaction(audit::chain_unhashed)?;
        if hashed > 0 {
            tracing::info!(hashed, "existing audit records chained");
        }
    }
    Ok(())
}

/// Applies the next pending migration, if any, after the Rust step that must precede it;
/// returns its version.
pub fn run_next(conn: &mut AnyConnection) -> Result<Option<String>, StoreError> {
    let next_name = match conn {
        AnyConnection::Postgresql(c) => c
            .pending_migrations(POSTGRES)
            .map_err(migration_error)?
            .first()
            .map(|m| m.name().to_string()),
        AnyConnection::Sqlite(c) => c
            .pending_migrations(SQLITE)
            .map_err(migration_error)?
            .first()
            .map(|m| m.name().to_string()),
    };
    let Some(name) = next_name else {
        return Ok(None);
    };
    before_migration(conn, &name)?;
    let version = match conn {
        AnyConnection::Postgresql(c) => match c
            .pending_migrations(POSTGRES)
            .map_err(migration_error)?
            .first()
        {
            Some(next) => Some(
                c.run_migration(&**next)
                    .map_err(migration_error)?
                    .to_string(),
            ),
            None => None,
        },
        AnyConnection::Sqlite(c) => match c
            .pending_migrations(SQLITE)
            .map_err(migration_error)?
            .first()
        {
            Some(next) => Some(
                c.run_migration(&**next)
                    .map_err(migration_error)?
                    .to_string(),
            ),
            None => None,
        },
    };
    Ok(version)
}

/// Reverts the last applied migration; returns its version.
pub fn revert_last(conn: &mut AnyConnection) -> Result<String, StoreError> {
    let version = match conn {
        AnyConnection::Postgresql(c) => c
            .revert_last_migration(POSTGRES)
            .map_err(migration_error)?
            .to_string(),
        AnyConnection::Sqlite(c) => c
            .revert_last_migration(SQLITE)
            .map_err(migration_error)?
            .to_string(),
    };
    Ok(version)
}

/// The version names of a migration set, in order.
pub fn versions(postgres: bool) -> Result<Vec<String>, StoreError> {
    use diesel::migration::MigrationSource;
    let set = if postgres { POSTGRES } else { SQLITE };
    let migrations =
        MigrationSource::<diesel::sqlite::Sqlite>::migrations(&set).map_err(migration_error)?;
    Ok(migrations
        .iter()
        .map(|m| m.name().version().to_string())
        .collect())
}

/// One column as the database describes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, QueryableByName)]
pub struct ColumnInfo {
    /// Table name.
    #[diesel(sql_type = Text)]
    pub table_name: String,
    /// Column name.
    #[diesel(sql_type = Text)]
    pub column_name: String,
    /// 1 when the column accepts NULL.
    #[diesel(sql_type = Integer)]
    pub nullable: i32,
}

/// One index as the database describes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, QueryableByName)]
pub struct IndexInfo {
    /// Table name.
    #[diesel(sql_type = Text)]
    pub table_name: String,
    /// Index name.
    #[diesel(sql_type = Text)]
    pub index_name: String,
}

/// Every column of every application table (migration bookkeeping and views excluded), sorted.
pub fn columns(conn: &mut AnyConnection) -> Result<Vec<ColumnInfo>, StoreError> {
    let mut cols: Vec<ColumnInfo> = match conn {
        AnyConnection::Postgresql(c) => sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name,
                    CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END AS nullable
             FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name <> '__diesel_schema_migrations'
               AND table_name IN (SELECT table_name FROM information_schema.tables
                                  WHERE table_schema = current_schema()
                                    AND table_type = 'BASE TABLE')",
        )
        .load(c)?,
        AnyConnection::Sqlite(c) => sql_query(
            "SELECT m.name AS table_name, p.name AS column_name,
                    CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 0 ELSE 1 END AS nullable
             FROM sqlite_schema m JOIN pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
               AND m.name <> '__diesel_schema_migrations'",
        )
        .load(c)?,
    };
    cols.sort();
    Ok(cols)
}

/// Every named index of the application tables (automatic ones excluded), sorted.
pub fn indexes(conn: &mut AnyConnection) -> Result<Vec<IndexInfo>, StoreError> {
    let mut idx: Vec<IndexInfo> = match conn {
        AnyConnection::Postgresql(c) => sql_query(
            "SELECT tablename::text AS table_name, indexname::text AS index_name
             FROM pg_indexes WHERE schemaname = current_schema()
               AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key' AND tablename <> '__diesel_schema_migrations'",
        )
        .load(c)?,
        AnyConnection::Sqlite(c) => sql_query(
            "SELECT tbl_name AS table_name, name AS index_name FROM sqlite_schema
             WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'",
        )
        .load(c)?,
    };
    idx.sort();
    Ok(idx)
}

/// One stored function as the database describes it (PostgreSQL only: SQLite has none).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, QueryableByName)]
pub struct FunctionInfo {
    /// Function name.
    #[diesel(sql_type = Text)]
    pub function_name: String,
    /// Its argument types, as PostgreSQL prints them.
    #[diesel(sql_type = Text)]
    pub arguments: String,
}

/// Every function of the application's schema, sorted (always empty on SQLite).
pub fn functions(conn: &mut AnyConnection) -> Result<Vec<FunctionInfo>, StoreError> {
    let mut found: Vec<FunctionInfo> = match conn {
        AnyConnection::Postgresql(c) => sql_query(
            "SELECT p.proname::text AS function_name,
                    pg_get_function_identity_arguments(p.oid) AS arguments
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = current_schema()",
        )
        .load(c)?,
        AnyConnection::Sqlite(_) => Vec::new(),
    };
    found.sort();
    Ok(found)
}

/// One trigger as the database describes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, QueryableByName)]
pub struct TriggerInfo {
    /// Table name.
    #[diesel(sql_type = Text)]
    pub table_name: String,
    /// Trigger name.
    #[diesel(sql_type = Text)]
    pub trigger_name: String,
}

/// Every trigger on the application tables (internal ones excluded), sorted.
pub fn triggers(conn: &mut AnyConnection) -> Result<Vec<TriggerInfo>, StoreError> {
    let mut found: Vec<TriggerInfo> = match conn {
        AnyConnection::Postgresql(c) => sql_query(
            "SELECT cl.relname::text AS table_name, t.tgname::text AS trigger_name
             FROM pg_trigger t
             JOIN pg_class cl ON cl.oid = t.tgrelid
             JOIN pg_namespace n ON n.oid = cl.relnamespace
             WHERE NOT t.tgisinternal AND n.nspname = current_schema()",
        )
        .load(c)?,
        AnyConnection::Sqlite(c) => sql_query(
            "SELECT tbl_name AS table_name, name AS trigger_name FROM sqlite_schema
             WHERE type = 'trigger'",
        )
        .load(c)?,
    };
    found.sort();
    Ok(found)
}
