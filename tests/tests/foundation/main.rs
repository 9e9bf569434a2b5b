//! Foundation: start-up and migrations, authentication, the HTTP error contract, the published
//! contract, and staff account administration — each on SQLite and on PostgreSQL.

mod auth;
mod contract;
mod migrations;
mod operations;
mod pool;
mod startup;
mod users;
mod writer;
