//! The token endpoint of partners' machine clients: the OAuth 2.0 client credentials grant
//! (RFC 6749 §4.4) authenticated by a signed client assertion (`private_key_jwt`, RFC 7523),
//! as the national interoperability platform's vouchers are obtained.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::partner::{ASSERTION_LEEWAY_SECS, granted_scopes, scope_text};
use socialcare_persistence::audit::{self, Outcome};
use socialcare_persistence::{StoreError, partners};
use utoipa::ToSchema;

use crate::auth::client::{self, ASSERTION_TYPE};
use crate::error::{ApiError, Problem, blocking};
use crate::partner_work::{ClientActor, client_record};
use crate::request::RequestMeta;
use crate::state::AppState;

/// The largest token request accepted, in bytes.
const MAX_REQUEST_BYTES: usize = 16 * 1024;

/// A token request of a machine client (`application/x-www-form-urlencoded`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ClientTokenRequest {
    /// Always `client_credentials`.
    #[schema(example = "client_credentials", pattern = "^client_credentials$")]
    pub grant_type: String,
    /// Always `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`.
    #[schema(example = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")]
    pub client_assertion_type: Option<String>,
    /// The client assertion: a JWT signed with the client's private key (header `kid` of a
    /// registered key and its algorithm; claims `iss` = `sub` = the client id, `aud` = the
    /// office's token endpoint, `iat`, `exp` at most 300 s later, a `jti` never used before).
    #[schema(max_length = 8192)]
    pub client_assertion: Option<String>,
    /// The scopes wanted, separated by spaces (default: every scope the client holds).
    #[schema(example = "referrals", max_length = 200)]
    pub scope: Option<String>,
    /// The client id, if sent: must be the assertion's `iss`.
    #[schema(format = Uuid)]
    pub client_id: Option<String>,
}

/// An access token of a machine client (RFC 6749 §5.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientTokenResponse {
    /// The bearer token for the partner operations.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Lifetime, in seconds.
    #[schema(example = 900)]
    pub expires_in: i64,
    /// The scopes granted, separated by spaces.
    #[schema(example = "referrals")]
    pub scope: String,
}

fn invalid_request(detail: impl Into<String>) -> ApiError {
    ApiError::OAuth {
        error: "invalid_request",
        detail: detail.into(),
    }
}

fn invalid_client(detail: impl Into<String>) -> ApiError {
    ApiError::OAuth {
        error: "invalid_client",
        detail: detail.into(),
    }
}

/// The request, read: form-encoded, small, with the fields of this grant.
/// What a well-formed token request carries.
struct TokenRequest {
    assertion: String,
    scope: Option<String>,
    client_id: Option<String>,
}

fn read_request(req: &HttpRequest, body: &[u8]) -> Result<TokenRequest, ApiError> {
    let media = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if media.as_deref() != Some("application/x-www-form-urlencoded") {
        return Err(ApiError::UnsupportedMediaType(
            "send the token request as application/x-www-form-urlencoded".into(),
        ));
    }
    if body.len() > MAX_REQUEST_BYTES {
        return Err(invalid_request(format!(
            "the token request exceeds {MAX_REQUEST_BYTES} bytes"
        )));
    }
    let form: ClientTokenRequest = serde_urlencoded::from_bytes(body)
        .map_err(|e| invalid_request(format!("the form is not valid: {e}")))?;
    if form.grant_type != "client_credentials" {
        return Err(ApiError::OAuth {
            error: "unsupported_grant_type",
            detail: "only the `client_credentials` grant is offered to machine clients".into(),
        });
    }
    if form.client_assertion_type.as_deref() != Some(ASSERTION_TYPE) {
        return Err(invalid_client(format!(
            "authenticate with a signed client assertion: `client_assertion_type={ASSERTION_TYPE}`"
        )));
    }
    let assertion = form
        .client_assertion
        .filter(|a| !a.is_empty())
        .ok_or_else(|| invalid_client("`client_assertion` is missing"))?;
    if assertion.len() > 8192 {
        return Err(invalid_request(
            "`client_assertion` exceeds 8192 characters",
        ));
    }
    if let Some(scope) = &form.scope
        && (scope.len() > 200 || scope.chars().any(|c| c.is_control()))
    {
        return Err(invalid_request(
            "`scope` must be at most 200 plain characters",
        ));
    }
    Ok(TokenRequest {
        assertion,
        scope: form.scope,
        client_id: form.client_id,
    })
}

/// Obtain an access token for a machine client
///
/// The OAuth 2.0 client credentials grant for the machine clients of partner organisations,
/// authenticated by a client assertion signed with a registered private key (`private_key_jwt`,
/// RFC 7523): no shared secret. Each assertion is accepted once (`jti`), within its short
/// lifetime, for this endpoint's audience only (`SOCIALCARE_CLIENT_ASSERTION_AUDIENCE`). The
/// token lasts `expires_in` seconds and allows only the partner operations of its scopes.
/// Refusals carry the OAuth 2.0 `error` code: `invalid_client` (401: unknown or disabled
/// client, unknown or revoked `kid`, bad signature, wrong `aud`, expired or reused assertion,
/// `alg: none`), `invalid_request`, `unsupported_grant_type`, `invalid_scope` (400). Every
/// attempt is recorded in the audit trail.
#[utoipa::path(
    tag = "partners",
    operation_id = "create_client_token",
    request_body(content = ClientTokenRequest, content_type = "application/x-www-form-urlencoded"),
    security(()),
    responses(
        (status = 200, description = "The access token.", body = ClientTokenResponse,
            headers(("Cache-Control" = String, description = "`no-store`."))),
        (status = 400, description = "`invalid_request` (also for a request over 16 KiB), `unsupported_grant_type` or `invalid_scope` (in `error`).", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_client` (in `error`): the assertion or the client is refused.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not `application/x-www-form-urlencoded`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/client-token")]
pub async fn create_client_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let TokenRequest {
        assertion,
        scope,
        client_id: sent_id,
    } = read_request(&req, &body)?;
    let claimed = client::claimed(&assertion).map_err(invalid_client)?;
    if sent_id.is_some_and(|id| id != claimed.client_id.to_string()) {
        return Err(invalid_client("`client_id` is not the assertion's `iss`"));
    }
    let meta = RequestMeta::of(&req);
    let st = state.clone();
    let (client_id, meta2) = (claimed.client_id, meta.clone());
    let outcome = blocking(move || {
        st.db.write(
            |c| -> Result<Result<_, (ApiError, Option<String>)>, ApiError> {
                let now = Utc::now();
                let Some(found) = partners::find_client(c, claimed.client_id)? else {
                    return Ok(Err((invalid_client("no such client"), None)));
                };
                let name = Some(found.name.clone());
                let refuse = |e: ApiError| Ok(Err((e, name.clone())));
                let key = match partners::find_key(c, found.id, &claimed.kid)? {
                    Some(key) if key.revoked_at.is_none() => key,
                    Some(_) => return refuse(invalid_client("the key `kid` names was revoked")),
                    None => return refuse(invalid_client("the client has no key with this `kid`")),
                };
                let verified = match client::verify(
                    &assertion,
                    &key,
                    &st.client_assertion_audience,
                    now.timestamp(),
                ) {
                    Ok(verified) => verified,
                    Err(detail) => return refuse(invalid_client(detail)),
                };
                if !found.enabled {
                    return refuse(invalid_client("the client is disabled"));
                }
                let active = partners::find_organisation(c, found.organisation_id)?
                    .is_some_and(|o| o.active);
                if !active {
                    return refuse(invalid_client(
                        "the client's organisation is no longer active",
                    ));
                }
                let scopes = match granted_scopes(&found.scopes, scope.as_deref()) {
                    Ok(scopes) => scopes,
                    Err(detail) => {
                        return refuse(ApiError::OAuth {
                            error: "invalid_scope",
                            detail,
                        });
                    }
                };
                // Kept until the assertion could no longer be accepted (its `exp` and the leeway).
                let keep_until = DateTime::<Utc>::from_timestamp(
                    verified.exp.saturating_add(ASSERTION_LEEWAY_SECS),
                    0,
                )
                .unwrap_or(now);
                match partners::use_assertion(c, found.id, &verified.jti, keep_until, now) {
                    Ok(()) => {}
                    Err(StoreError::Conflict(_)) => {
                        return refuse(invalid_client("this assertion was already used (`jti`)"));
                    }
                    Err(other) => return Err(other.into()),
                }
                partners::mark_used(c, found.id, now)?;
                let mut record = client_record(
                    ClientActor {
                        id: found.id,
                        name: Some(&found.name),
                        scopes: &scopes,
                    },
                    &meta,
                    "client.token",
                    "machine_client",
                    Some(found.id.to_string()),
                    Outcome::Success,
                );
                record.details = Some(
                    serde_json::json!({"kid": key.kid, "scope": scope_text(&scopes)}).to_string(),
                );
                audit::append(c, record)?;
                Ok(Ok((found.id, scopes)))
            },
        )
    })
    .await?;
    let (id, scopes) = match outcome {
        Ok(granted) => granted,
        Err((error, name)) => {
            // The refusal is recorded in a transaction of its own (the attempt's rolled back).
            let no_scope = Default::default();
            let mut record = client_record(
                ClientActor {
                    id: client_id,
                    name: name.as_deref(),
                    scopes: &no_scope,
                },
                &meta2,
                "client.token",
                "machine_client",
                Some(client_id.to_string()),
                Outcome::Denied,
            );
            record.details = Some(serde_json::json!({"reason": error.to_string()}).to_string());
            let db = state.db.clone();
            blocking(move || {
                db.write(|c| -> Result<(), ApiError> {
                    audit::append(c, record)?;
                    Ok(())
                })
            })
            .await?;
            return Err(error);
        }
    };
    let scope = scope_text(&scopes);
    let token = state
        .jwt
        .issue_client(id, scope.clone(), Utc::now())
        .map_err(|e| ApiError::Internal(format!("token signing failed: {e}")))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(ClientTokenResponse {
            access_token: token,
            token_type: "Bearer".into(),
            expires_in: state.jwt.ttl_secs(),
            scope,
        }))
}
