//! Sessions: log in (`POST /auth/token`), refresh (`POST /auth/refresh`), log out
//! (`POST /auth/logout`).

use actix_web::http::header;
use actix_web::{HttpResponse, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::Username;
use socialcare_domain::refresh::{RefreshDecision, decide};
use socialcare_domain::throttle::ThrottleDecision;
use socialcare_persistence::audit::{self, NewAuditRecord, Outcome};
use socialcare_persistence::{AnyConnection, StoreError, sessions, users};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::auth::{password, tokens};
use crate::error::{ApiError, blocking, transact};
use crate::extract::ValidJson;
use crate::request::RequestMeta;
use crate::state::AppState;

/// Credentials of a staff user.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// Login name (case-insensitive).
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64, example = "mrossi")]
    pub username: String,
    /// Password.
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128, format = Password, example = "correct horse battery")]
    pub password: String,
}

/// A refresh token presented to rotate it or to end its session.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The opaque refresh token received with the last token pair.
    #[validate(length(min = 1, max = 512))]
    #[schema(
        min_length = 1,
        max_length = 512,
        example = "q5V0nWcJ2m1s0h8d7Gk9wqk3H6zq1y5j0f8QkXbq0aY"
    )]
    pub refresh_token: String,
}

/// Kind of access token.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub enum TokenType {
    /// Send it as `Authorization: Bearer <access_token>`.
    Bearer,
}

/// A new access token and the refresh token that obtains the next one.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Signed JWT (claims `sub`, `roles`, `areas`, `iss`, `aud`, `iat`, `nbf`, `exp`, `jti`).
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: TokenType,
    /// Seconds until the access token expires.
    #[schema(format = Int64, example = 900)]
    pub expires_in: i64,
    /// Opaque, single-use refresh token; each use returns a new one. Presenting a used one
    /// again revokes the whole chain.
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    #[schema(format = Int64, example = 43200)]
    pub refresh_expires_in: i64,
}

fn login_record(
    meta: &RequestMeta,
    actor_id: Option<Uuid>,
    username: &str,
    roles: Vec<String>,
    action: &str,
    outcome: Outcome,
    details: Option<&str>,
) -> NewAuditRecord {
    NewAuditRecord {
        occurred_at: Utc::now(),
        actor_id,
        actor_username: Some(username.chars().take(64).collect()),
        actor_roles: roles,
        action: action.to_owned(),
        resource_type: "session".to_owned(),
        resource_id: None,
        outcome,
        request_id: Some(meta.request_id.clone()),
        client_addr: meta.client_addr.clone(),
        details: details.map(|d| serde_json::json!({ "reason": d }).to_string()),
        persons: Vec::new(),
        purpose: None,
        break_glass: false,
        read_only: false,
    }
}

/// Issues an access token and a new refresh token (in `family`, or a new family) for a user,
/// inside the caller's transaction.
fn issue_pair(
    state: &AppState,
    conn: &mut AnyConnection,
    user: &socialcare_domain::StaffUser,
    family: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<TokenResponse, StoreError> {
    let roles = user
        .profile
        .roles()
        .iter()
        .map(|r| r.as_str().to_owned())
        .collect();
    let areas = user
        .profile
        .areas()
        .iter()
        .map(|a| a.as_str().to_owned())
        .collect();
    let access_token = state
        .jwt
        .issue(user.id, roles, areas, now)
        .map_err(|e| StoreError::Internal(format!("token signing failed: {e}")))?;
    let (opaque, hash) = tokens::new_refresh_token();
    sessions::insert(conn, user.id, family, hash, now, now + state.refresh_ttl)?;
    Ok(TokenResponse {
        access_token,
        token_type: TokenType::Bearer,
        expires_in: state.jwt.ttl_secs(),
        refresh_token: opaque,
        refresh_expires_in: state.refresh_ttl.num_seconds(),
    })
}

fn token_response(body: &TokenResponse) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(body)
}

/// Log in
///
/// Exchanges a username and password for a short-lived access token and a refresh token.
/// After repeated failures the account and the client address are throttled (429 with
/// `Retry-After`). Wrong password, unknown user and disabled account all answer the same 401.
#[utoipa::path(
    tag = "authentication",
    operation_id = "create_token",
    security(()),
    request_body = TokenRequest,
    responses(
        (status = 200, description = "Logged in.", body = TokenResponse,
            headers(("Cache-Control" = String, description = "Always `no-store`: tokens must not be cached."))),
        (status = 401, description = "Invalid username or password.", body = crate::error::Problem,
            content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "The Bearer challenge."))),
        (status = 429, description = "Too many failed logins for this account or address, or the address has spent its quota of requests per minute.",
            body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait before trying again."))),
    )
)]
#[post("/auth/token")]
pub async fn create_token(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: ValidJson<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.0;
    let account = request.username.trim().to_ascii_lowercase();
    let address = meta.client_addr.clone().unwrap_or_default();
    let now = Utc::now();

    if let ThrottleDecision::Blocked { retry_after_secs } =
        state.throttle.check(&account, &address, now)
    {
        let record = login_record(
            &meta,
            None,
            &account,
            Vec::new(),
            "auth.login",
            Outcome::Denied,
            Some("throttled"),
        );
        let db = state.db.clone();
        blocking(move || transact(&db, |c| Ok(audit::append(c, record)?))).await?;
        return Err(ApiError::TooManyRequests {
            detail: "too many failed logins; wait before trying again".into(),
            retry_after: retry_after_secs,
        });
    }

    let st = state.clone();
    let acct = account.clone();
    let issued = blocking(move || {
        let found = match Username::parse(&acct) {
            Ok(username) => st.db.read(|c| users::find_credentials(c, &username))?,
            Err(_) => None,
        };
        let verified = match &found {
            Some((user, hash)) => password::verify(&request.password, hash) && user.active,
            None => {
                password::verify_dummy(&request.password);
                false
            }
        };
        match found {
            Some((user, _)) if verified => {
                let pair = transact(&st.db, |c| {
                    let pair = issue_pair(&st, c, &user, None, now)?;
                    let roles = user
                        .profile
                        .roles()
                        .iter()
                        .map(|r| r.as_str().to_owned())
                        .collect();
                    audit::append(
                        c,
                        login_record(
                            &meta,
                            Some(user.id),
                            &acct,
                            roles,
                            "auth.login",
                            Outcome::Success,
                            None,
                        ),
                    )?;
                    Ok(pair)
                })?;
                Ok(Some(pair))
            }
            other => {
                let actor = other.map(|(u, _)| u.id);
                transact(&st.db, |c| {
                    Ok(audit::append(
                        c,
                        login_record(
                            &meta,
                            actor,
                            &acct,
                            Vec::new(),
                            "auth.login",
                            Outcome::Failure,
                            Some("invalid credentials"),
                        ),
                    )?)
                })?;
                Ok(None)
            }
        }
    })
    .await?;

    match issued {
        Some(pair) => {
            state.throttle.clear_account(&account);
            Ok(token_response(&pair))
        }
        None => {
            state.throttle.record_failure(&account, &address, now);
            Err(ApiError::unauthenticated("invalid username or password"))
        }
    }
}

/// Outcome of a refresh attempt, decided inside the transaction so that revocations commit
/// even when the answer is a refusal.
enum Refresh {
    Issued(TokenResponse),
    Refused(&'static str),
}

/// Refresh the access token
///
/// Exchanges a refresh token for a new access token and a new refresh token (rotation). The
/// presented token can never be used again; presenting it again revokes every token of its
/// chain, logging out whoever holds them.
#[utoipa::path(
    tag = "authentication",
    operation_id = "refresh_token",
    security(()),
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair.", body = TokenResponse,
            headers(("Cache-Control" = String, description = "Always `no-store`: tokens must not be cached."))),
        (status = 401, description = "The refresh token is unknown, expired, revoked or reused.",
            body = crate::error::Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "The Bearer challenge."))),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh_token(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: ValidJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let presented = body.0.refresh_token;
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        let hash = tokens::hash_refresh_token(&presented);
        transact(&st.db, |c| {
            let Some(stored) = sessions::find_by_hash(c, &hash)? else {
                return Ok(Refresh::Refused("the refresh token is not valid"));
            };
            let user = users::find(c, stored.user_id)?.ok_or(StoreError::NotFound)?;
            let username = user.username.as_str().to_owned();
            let roles: Vec<String> = user
                .profile
                .roles()
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect();
            let mut decision = decide(&stored.state, now);
            if decision == RefreshDecision::Rotate && !sessions::mark_used(c, stored.id, now)? {
                // A concurrent request used it first: that is a reuse.
                decision = RefreshDecision::ReuseDetected;
            }
            let refused = match decision {
                RefreshDecision::Rotate => {
                    let pair = issue_pair(&st, c, &user, Some(stored.family_id), now)?;
                    audit::append(
                        c,
                        login_record(
                            &meta,
                            Some(user.id),
                            &username,
                            roles,
                            "auth.refresh",
                            Outcome::Success,
                            None,
                        ),
                    )?;
                    return Ok(Refresh::Issued(pair));
                }
                RefreshDecision::ReuseDetected => {
                    sessions::revoke_family(c, stored.family_id, now)?;
                    (
                        "auth.refresh",
                        "reuse detected; every token of this login was revoked",
                        "the refresh token was already used; the session has been revoked",
                    )
                }
                RefreshDecision::AccountDisabled => {
                    sessions::revoke_family(c, stored.family_id, now)?;
                    (
                        "auth.refresh",
                        "account disabled",
                        "the refresh token is not valid",
                    )
                }
                RefreshDecision::Revoked => {
                    ("auth.refresh", "revoked", "the refresh token was revoked")
                }
                RefreshDecision::Expired => {
                    ("auth.refresh", "expired", "the refresh token has expired")
                }
            };
            audit::append(
                c,
                login_record(
                    &meta,
                    Some(user.id),
                    &username,
                    roles,
                    refused.0,
                    Outcome::Failure,
                    Some(refused.1),
                ),
            )?;
            Ok(Refresh::Refused(refused.2))
        })
    })
    .await?;
    match outcome {
        Refresh::Issued(pair) => Ok(token_response(&pair)),
        Refresh::Refused(reason) => Err(ApiError::invalid_token(reason)),
    }
}

/// Log out
///
/// Revokes the presented refresh token and every token of its chain. Always answers 204, also
/// for unknown tokens, so that the answer reveals nothing. Access tokens already issued stay
/// valid until they expire (minutes); discard them on the client.
#[utoipa::path(
    tag = "authentication",
    operation_id = "logout",
    security(()),
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "The session is closed."),
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: ValidJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let presented = body.0.refresh_token;
    let st = state.clone();
    blocking(move || {
        let now = Utc::now();
        let hash = tokens::hash_refresh_token(&presented);
        transact(&st.db, |c| {
            if let Some(stored) = sessions::find_by_hash(c, &hash)? {
                let revoked = sessions::revoke_family(c, stored.family_id, now)?;
                let user = users::find(c, stored.user_id)?;
                let username = user
                    .as_ref()
                    .map(|u| u.username.as_str().to_owned())
                    .unwrap_or_default();
                let details = format!("{revoked} token(s) revoked");
                audit::append(
                    c,
                    login_record(
                        &meta,
                        Some(stored.user_id),
                        &username,
                        Vec::new(),
                        "auth.logout",
                        Outcome::Success,
                        Some(&details),
                    ),
                )?;
            }
            Ok(())
        })?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
