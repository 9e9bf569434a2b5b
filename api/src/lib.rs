//! HTTP API of socialcare: the actix-web server, authentication, the error contract, the
//! OpenAPI document and the command line.

pub mod app;
pub mod audit_log;
pub mod auth;
pub mod case_work;
pub mod cli;
pub mod conditional;
pub mod config;
pub mod cursor;
pub mod dates;
pub mod demo;
pub mod error;
pub mod extract;
pub mod guard;
pub mod i18n;
pub mod idempotency;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod outbox;
pub mod partner_work;
pub mod rate_limit;
pub mod request;
pub mod routes;
pub mod state;
pub mod telemetry;
pub mod webhooks;

pub use app::Application;
pub use config::Config;
