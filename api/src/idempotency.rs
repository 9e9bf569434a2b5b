//! `Idempotency-Key` on writes: the same key with the same request replays the first response;
//! the same key with another request is refused (422). Keys are per user and kept 48 hours.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};
use socialcare_persistence::idempotency::{self, StoredResponse};
use socialcare_persistence::sql_types::{DbInstant, DbUuid};
use socialcare_persistence::{AnyConnection, StoreError};
use uuid::Uuid;

use crate::error::ApiError;

/// Name of the request header.
pub const HEADER: &str = "Idempotency-Key";

/// The `Idempotency-Key` request header, as the contract declares it on every write that takes
/// it: `params(IdempotencyKeyHeader, ...)` in `#[utoipa::path]`. It says exactly what
/// [`key_of`] accepts.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyKeyHeader {
    /// Makes retries safe: any unique value (e.g. a UUID) of 1-255 visible ASCII characters
    /// (`!` to `~`, no spaces); a malformed one is answered with 400. A retry with the same key
    /// and the same request returns the first response (with `Idempotent-Replayed: true`)
    /// instead of acting twice; the same key with another request is 422. Keys are per user and
    /// kept 48 hours.
    #[param(
        rename = "Idempotency-Key",
        value_type = String,
        required = false,
        min_length = 1,
        max_length = 255,
        pattern = "^[\\x21-\\x7E]{1,255}$"
    )]
    pub idempotency_key: Option<String>,
}

/// A successful write's response, in a form that can be stored and replayed.
#[derive(Debug, Clone)]
pub struct Replayable {
    /// Status.
    pub status: StatusCode,
    /// JSON body.
    pub body: Value,
    /// `Location` header.
    pub location: Option<String>,
    /// `ETag` header.
    pub etag: Option<String>,
    /// Whether this is a replay of a stored response.
    pub replayed: bool,
}

impl Replayable {
    /// The HTTP response.
    pub fn into_response(self) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status);
        if let Some(location) = &self.location {
            builder.insert_header((header::LOCATION, location.clone()));
        }
        if let Some(etag) = &self.etag {
            builder.insert_header((header::ETAG, etag.clone()));
        }
        if self.replayed {
            builder.insert_header(("Idempotent-Replayed", "true"));
        }
        builder.json(self.body)
    }
}

/// The key sent by the client, if any: 1-255 visible ASCII characters.
pub fn key_of(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .ok()
        .filter(|t| !t.is_empty() && t.len() <= 255 && t.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| ApiError::bad_parameter(HEADER, "must be 1-255 visible ASCII characters"))?;
    Ok(Some(text.to_owned()))
}

/// Fingerprint of a request: method, path with its query string, and body.
pub fn fingerprint(req: &HttpRequest, body: &[u8]) -> String {
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.path(), |p| p.as_str());
    fingerprint_parts(req.method().as_str(), path, body)
}

/// Fingerprint of a request from its method, path (with the query string) and body.
pub fn fingerprint_parts(method: &str, path: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(method.as_bytes());
    hasher.update([0]);
    hasher.update(path.as_bytes());
    hasher.update([0]);
    hasher.update(body);
    hex::encode(hasher.finalize())
}

/// Inside the write transaction: replays the stored response of `key`, or runs `write` and
/// stores its successful response with the key, so that both commit together (an error from
/// `write` rolls back and stores nothing, so the client may retry).
pub fn replay_or_run<F>(
    conn: &mut AnyConnection,
    actor: Uuid,
    key: Option<&str>,
    fingerprint: &str,
    now: DateTime<Utc>,
    write: F,
) -> Result<Replayable, ApiError>
where
    F: FnOnce(&mut AnyConnection) -> Result<Replayable, ApiError>,
{
    let Some(key) = key else {
        return write(conn);
    };
    if let Some(stored) = replayed(conn, actor, key, fingerprint, now)? {
        return Ok(stored);
    }
    let response = write(conn)?;
    remember(conn, actor, key, fingerprint, now, &response)?;
    Ok(response)
}

/// The stored response of `key` when the same request was already answered; 422 when the key
/// was used for another request.
pub fn replayed(
    conn: &mut AnyConnection,
    actor: Uuid,
    key: &str,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Result<Option<Replayable>, ApiError> {
    let Some(stored) = idempotency::find(conn, actor, key, now)? else {
        return Ok(None);
    };
    if stored.request_hash != fingerprint {
        return Err(ApiError::Validation(vec![
            crate::error::InvalidParam::parameter(
                HEADER,
                "this key was already used for a different request",
            ),
        ]));
    }
    Ok(Some(Replayable {
        status: StatusCode::from_u16(u16::try_from(stored.status_code).unwrap_or(200))
            .unwrap_or(StatusCode::OK),
        body: serde_json::from_str(&stored.response_body).unwrap_or(Value::Null),
        location: stored.location,
        etag: stored.etag,
        replayed: true,
    }))
}

/// Stores the successful `response` of `key` in the write's transaction (409 when a
/// concurrent request with the same key got there first).
pub fn remember(
    conn: &mut AnyConnection,
    actor: Uuid,
    key: &str,
    fingerprint: &str,
    now: DateTime<Utc>,
    response: &Replayable,
) -> Result<(), ApiError> {
    idempotency::store(
        conn,
        &StoredResponse {
            actor_id: DbUuid(actor),
            idempotency_key: key.to_owned(),
            request_hash: fingerprint.to_owned(),
            status_code: i32::from(response.status.as_u16()),
            response_body: response.body.to_string(),
            location: response.location.clone(),
            etag: response.etag.clone(),
            created_at: DbInstant(now),
        },
    )
    .map_err(|e| match e {
        StoreError::Conflict(_) => ApiError::Conflict(
            "a request with this Idempotency-Key is being processed; retry shortly".into(),
        ),
        other => other.into(),
    })
}
