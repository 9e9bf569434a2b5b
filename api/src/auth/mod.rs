//! Authentication: access tokens (JWT), password hashing, refresh tokens, login throttling and
//! the authenticated-caller extractor.

pub mod caller;
pub mod client;
pub mod jwt;
pub mod password;
pub mod throttle;
pub mod tokens;

pub use caller::Caller;
