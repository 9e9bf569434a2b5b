//! Persistence of socialcare: one diesel code path for SQLite and PostgreSQL.
//!
//! - [`db`]: the multi-engine connection, the pool and transactions;
//! - [`sql_types`]: UUIDs and instants stored natively on each engine;
//! - [`schema`]: the one `schema.rs`;
//! - [`migrations`]: embedded, mirrored migrations and schema introspection;
//! - one module per aggregate ([`users`], [`sessions`], [`audit`], [`persons`], [`households`],
//!   [`sensitive`], [`break_glass`]) with rows and queries.

pub mod access;
pub mod admissions;
pub mod agenda;
pub mod applications;
pub mod assessments;
pub mod audit;
pub mod audit_appender;
pub mod audit_tree;
pub mod benefits;
pub mod break_glass;
pub mod case_files;
pub mod consents;
pub mod db;
pub mod diary;
pub mod employment;
pub mod error;
pub mod events;
pub mod households;
pub mod housing;
pub mod idempotency;
pub mod imports;
pub mod migrations;
pub mod pacts;
pub mod partners;
pub mod personal_data;
pub mod persons;
pub mod prison;
pub mod projects;
pub mod rankings;
pub mod referrals;
pub mod retention;
pub mod schema;
pub mod sensitive;
pub mod sessions;
pub mod siuss;
pub mod sql_types;
pub mod statistics;
pub mod training;
pub mod users;
pub mod waiting_list;
pub mod webhooks;

pub use db::{AnyConnection, Database, DbTarget, Dedicated, Engine, PoolOptions, PoolState};
pub use error::StoreError;
