//! The authenticated caller, extracted from the `Authorization: Bearer` header.

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;
use jsonwebtoken::errors::ErrorKind;
use socialcare_domain::StaffUser;
use socialcare_persistence::audit::Outcome;
use socialcare_persistence::{audit, users};
use uuid::Uuid;

use crate::error::{ApiError, blocking};
use crate::request::RequestMeta;
use crate::state::AppState;

/// A staff user who presented a valid access token and whose account is active.
/// Roles and areas are the current ones from the database, not the token's copy.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The account.
    pub user: StaffUser,
    /// Request id and client address, for the audit trail.
    pub meta: RequestMeta,
    /// Set (to the grant's reason) once the guard allowed this request only through a
    /// break-glass grant: every audit record the request writes is then marked as such.
    pub break_glass: Option<String>,
}

impl Caller {
    /// The caller's id.
    pub fn id(&self) -> Uuid {
        self.user.id
    }

    /// Role codes, for the audit trail.
    pub fn role_codes(&self) -> Vec<String> {
        self.user
            .profile
            .roles()
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect()
    }

    /// An audit record of an action by this caller. The purpose declared in `Access-Purpose` is
    /// copied in; the persons concerned and the break-glass mark are for the handler to set.
    pub fn audit(
        &self,
        action: &str,
        resource_type: &str,
        resource_id: Option<String>,
        outcome: Outcome,
    ) -> audit::NewAuditRecord {
        audit::NewAuditRecord {
            occurred_at: chrono::Utc::now(),
            actor_id: Some(self.user.id),
            actor_username: Some(self.user.username.as_str().to_owned()),
            actor_roles: self.role_codes(),
            action: action.to_owned(),
            resource_type: resource_type.to_owned(),
            resource_id,
            outcome,
            request_id: Some(self.meta.request_id.clone()),
            client_addr: self.meta.client_addr.clone(),
            details: None,
            persons: Vec::new(),
            purpose: self
                .break_glass
                .clone()
                .or_else(|| self.meta.purpose.clone()),
            break_glass: self.break_glass.is_some(),
            read_only: self.meta.safe_method,
        }
    }
}

pub(crate) fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthenticated("an access token is required"))?;
    let text = value
        .to_str()
        .map_err(|_| ApiError::invalid_token("the Authorization header is not valid text"))?;
    let (scheme, token) = text
        .split_once(' ')
        .ok_or_else(|| ApiError::invalid_token("use `Authorization: Bearer <token>`"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::invalid_token(
            "use `Authorization: Bearer <token>`",
        ));
    }
    Ok(token.trim().to_owned())
}

pub(crate) fn describe(error: &jsonwebtoken::errors::Error) -> &'static str {
    match error.kind() {
        ErrorKind::ExpiredSignature => "the access token has expired",
        ErrorKind::ImmatureSignature => "the access token is not valid yet",
        ErrorKind::InvalidAudience => "the access token is not meant for this API",
        ErrorKind::InvalidIssuer => "the access token was issued by someone else",
        ErrorKind::InvalidSignature => "the access token signature is invalid",
        ErrorKind::InvalidAlgorithm => "the access token uses a refused algorithm",
        _ => "the access token is invalid",
    }
}

/// A partner's machine client on a staff operation: 403, recorded as a refusal with the client
/// as actor. No scope allows any staff action.
async fn refuse_client(
    state: &web::Data<AppState>,
    client_id: Uuid,
    scope: &str,
    meta: Option<RequestMeta>,
    path: String,
) -> ApiError {
    let detail = "machine clients may call only the partner operations of their scopes";
    let Some(meta) = meta else {
        return ApiError::Forbidden(detail.into());
    };
    let scopes = socialcare_domain::partner::parse_scope_text(scope).unwrap_or_default();
    let record = crate::partner_work::client_record(
        crate::partner_work::ClientActor {
            id: client_id,
            name: None,
            scopes: &scopes,
        },
        &meta,
        "staff_operation",
        "route",
        Some(path),
        Outcome::Denied,
    );
    crate::partner_work::refused(state, record, detail).await
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        let meta = RequestMeta::try_of(req);
        let path = req.path().to_owned();
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            let claims = state
                .jwt
                .validate(&token?)
                .map_err(|e| ApiError::invalid_token(describe(&e)))?;
            let id = Uuid::parse_str(&claims.sub)
                .map_err(|_| ApiError::invalid_token("the access token subject is invalid"))?;
            if let Some(scope) = claims.scope {
                return Err(refuse_client(&state, id, &scope, meta.ok(), path).await);
            }
            let db = state.db.clone();
            let user = blocking(move || Ok(db.with_conn(|c| users::find(c, id))?)).await?;
            match user {
                // An invalid `Access-Purpose` header is answered (400) once the caller is known.
                Some(user) if user.active => Ok(Caller {
                    user,
                    meta: meta?,
                    break_glass: None,
                }),
                _ => Err(ApiError::invalid_token(
                    "the account is disabled or no longer exists",
                )),
            }
        })
    }
}
