//! The one error type of the API and its RFC 9457 `application/problem+json` rendering.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use socialcare_domain::ValidationErrors;
use socialcare_persistence::StoreError;
use utoipa::ToSchema;

/// Media type of error bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The realm announced in `WWW-Authenticate` challenges.
const REALM: &str = "socialcare";

/// One offending input: a JSON Pointer into the request body, or a query/path parameter name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct InvalidParam {
    /// JSON Pointer (RFC 6901) to the offending member of the request body, e.g. `/roles/0`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "/email")]
    pub pointer: Option<String>,
    /// Name of the offending query or path parameter, e.g. `limit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = json!(null))]
    pub parameter: Option<String>,
    /// What is wrong with it.
    #[schema(example = "must be an e-mail address such as name@comune.example.it")]
    pub detail: String,
}

impl InvalidParam {
    /// An error on a body member.
    pub fn pointer(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            pointer: Some(pointer.into()),
            parameter: None,
            detail: detail.into(),
        }
    }

    /// An error on a query or path parameter.
    pub fn parameter(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            pointer: None,
            parameter: Some(name.into()),
            detail: detail.into(),
        }
    }
}

/// An RFC 9457 problem details object, the body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "about:blank",
    "title": "Not Found",
    "status": 404,
    "detail": "no user with this id",
    "instance": "/api/v1/users/01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e5f",
    "request_id": "01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e60"
}))]
pub struct Problem {
    /// URI identifying the problem type; `about:blank` when the HTTP status says it all,
    /// otherwise a `urn:socialcare:problem:*` type documented in docs/api-conventions.md.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the problem type.
    pub title: String,
    /// HTTP status code.
    #[schema(minimum = 100, maximum = 599, format = Int32)]
    pub status: u16,
    /// Explanation specific to this occurrence, safe to show to the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request path this problem occurred on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Identifier of the request (also in the `X-Request-Id` header and in the server logs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Every invalid input, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<InvalidParam>,
    /// For a duplicate person (409): the ids of the existing person or of the likely duplicates.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub duplicates: Vec<uuid::Uuid>,
    /// For an illegal state transition (409): the transitions allowed from the current state.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_transitions: Vec<String>,
    /// For a refused token request (`POST /auth/token`): the OAuth 2.0 error code (RFC 6749
    /// §5.2), so that OAuth client libraries understand the refusal.
    #[serde(rename = "error", skip_serializing_if = "Option::is_none")]
    #[schema(example = json!(null))]
    pub oauth_error: Option<String>,
}

impl Problem {
    /// A problem of a given status, with the status's reason phrase as title.
    pub fn from_status(status: StatusCode, detail: Option<String>) -> Self {
        Self {
            problem_type: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail,
            instance: None,
            request_id: None,
            errors: Vec::new(),
            duplicates: Vec::new(),
            allowed_transitions: Vec::new(),
            oauth_error: None,
        }
    }
}

/// Every error the API answers with. Each maps to one HTTP status in [`ResponseError`].
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: malformed request (bad JSON syntax, bad parameter).
    #[error("bad request: {detail}")]
    BadRequest {
        /// What is wrong.
        detail: String,
        /// Offending inputs, when known.
        errors: Vec<InvalidParam>,
    },
    /// 401: missing or invalid credentials.
    #[error("unauthorized: {detail}")]
    Unauthorized {
        /// What is wrong.
        detail: String,
        /// `Some(reason)` when a token was presented and rejected (RFC 6750 `invalid_token`).
        invalid_token: bool,
    },
    /// 403: authenticated but not allowed.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 403 decided inside a transaction: [`transact`] rolls the transaction back, appends
    /// `record` (the refusal) in a transaction of its own, and answers as [`ApiError::Forbidden`].
    #[error("forbidden: {detail}")]
    Denied {
        /// What was refused.
        detail: String,
        /// The audit record of the refusal.
        record: Box<socialcare_persistence::audit::NewAuditRecord>,
    },
    /// 404: no such resource.
    #[error("not found: {0}")]
    NotFound(String),
    /// 405: the path exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed(Vec<Method>),
    /// 406: none of the media types the `Accept` header allows can be produced.
    #[error("not acceptable: {0}")]
    NotAcceptable(String),
    /// 410: what was asked for existed and was removed (events past their retention).
    #[error("gone: {0}")]
    Gone(String),
    /// 409: the request conflicts with the current state.
    #[error("conflict: {0}")]
    Conflict(String),
    /// 409: the person already exists (same tax code) or likely exists (same name and birth date).
    #[error("duplicate: {detail}")]
    Duplicate {
        /// What matched.
        detail: String,
        /// The existing person(s).
        ids: Vec<uuid::Uuid>,
    },
    /// 409: the transition is not allowed from the current state.
    #[error("illegal transition: {detail}")]
    IllegalTransition {
        /// What was refused.
        detail: String,
        /// Transitions allowed from the current state.
        allowed: Vec<String>,
    },
    /// 412: `If-Match` does not match the current version.
    #[error("precondition failed")]
    PreconditionFailed(String),
    /// 428: the update must carry `If-Match`.
    #[error("precondition required")]
    PreconditionRequired,
    /// 413: the body is larger than allowed.
    #[error("payload too large")]
    PayloadTooLarge(usize),
    /// 415: the body is not in a supported media type.
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// 422: the body is well-formed but invalid.
    #[error("validation failed")]
    Validation(Vec<InvalidParam>),
    /// 429: too many attempts; retry later.
    #[error("too many requests")]
    TooManyRequests {
        /// What was throttled.
        detail: String,
        /// Seconds to wait.
        retry_after: u64,
    },
    /// 503: a dependency (the database) is unavailable.
    #[error("service unavailable: {detail}")]
    ServiceUnavailable {
        /// What is unavailable.
        detail: String,
        /// Seconds to wait.
        retry_after: u64,
    },
    /// 400 or 401: a refused token request, with its OAuth 2.0 error code (RFC 6749 §5.2):
    /// 401 for `invalid_client`, 400 otherwise.
    #[error("token request refused: {error}: {detail}")]
    OAuth {
        /// `invalid_request`, `invalid_client`, `unsupported_grant_type`, `invalid_scope`…
        error: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// 500: a bug or unexpected state; the message is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// 400 with a message.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::BadRequest {
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    /// 400 naming a query or path parameter.
    pub fn bad_parameter(name: &str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        Self::BadRequest {
            detail: format!("invalid parameter `{name}`: {detail}"),
            errors: vec![InvalidParam::parameter(name, detail)],
        }
    }

    /// 401 for a request without credentials.
    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::Unauthorized {
            detail: detail.into(),
            invalid_token: false,
        }
    }

    /// 401 for a presented but rejected token.
    pub fn invalid_token(detail: impl Into<String>) -> Self {
        Self::Unauthorized {
            detail: detail.into(),
            invalid_token: true,
        }
    }

    /// 422 from the domain's validation errors (fields are relative pointers).
    pub fn from_domain(errors: ValidationErrors) -> Self {
        Self::Validation(
            errors
                .errors()
                .iter()
                .map(|e| InvalidParam::pointer(format!("/{}", e.field), e.detail.clone()))
                .collect(),
        )
    }

    /// 422 on one body member.
    pub fn invalid_field(pointer: &str, detail: impl Into<String>) -> Self {
        Self::Validation(vec![InvalidParam::pointer(pointer, detail)])
    }

    /// The problem body of this error.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let mut p = Problem::from_status(status, None);
        match self {
            Self::BadRequest { detail, errors } => {
                p.detail = Some(detail.clone());
                p.errors = errors.clone();
            }
            Self::Unauthorized { detail, .. }
            | Self::Forbidden(detail)
            | Self::Denied { detail, .. }
            | Self::NotFound(detail)
            | Self::Gone(detail)
            | Self::NotAcceptable(detail)
            | Self::Conflict(detail)
            | Self::UnsupportedMediaType(detail)
            | Self::TooManyRequests { detail, .. }
            | Self::ServiceUnavailable { detail, .. } => p.detail = Some(detail.clone()),
            Self::MethodNotAllowed(allow) => {
                let names: Vec<&str> = allow.iter().map(Method::as_str).collect();
                p.detail = Some(format!("allowed methods: {}", names.join(", ")));
            }
            Self::Duplicate { detail, ids } => {
                p.problem_type = "urn:socialcare:problem:duplicate-person".into();
                p.title = "The person is already registered".into();
                p.detail = Some(detail.clone());
                p.duplicates = ids.clone();
            }
            Self::IllegalTransition { detail, allowed } => {
                p.problem_type = "urn:socialcare:problem:illegal-transition".into();
                p.title = "Transition not allowed".into();
                p.detail = Some(detail.clone());
                p.allowed_transitions = allowed.clone();
            }
            Self::PreconditionFailed(detail) => {
                p.detail = Some(detail.clone());
            }
            Self::PreconditionRequired => {
                p.detail = Some("send If-Match with the ETag of the version you changed".into());
            }
            Self::PayloadTooLarge(limit) => {
                p.detail = Some(format!("the request body exceeds {limit} bytes"));
            }
            Self::Validation(errors) => {
                p.problem_type = "urn:socialcare:problem:validation-error".into();
                p.title = "Invalid request content".into();
                p.detail = Some(match errors.len() {
                    1 => "one field is invalid; see `errors`".into(),
                    n => format!("{n} fields are invalid; see `errors`"),
                });
                p.errors = errors.clone();
            }
            Self::OAuth { error, detail } => {
                p.detail = Some(detail.clone());
                p.oauth_error = Some((*error).to_owned());
            }
            Self::Internal(_) => {
                p.detail = Some(
                    "an unexpected error occurred; quote the request id when reporting it".into(),
                );
            }
        }
        p
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::Denied { .. } => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Gone(_) => StatusCode::GONE,
            Self::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) | Self::Duplicate { .. } | Self::IllegalTransition { .. } => {
                StatusCode::CONFLICT
            }
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::ServiceUnavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::OAuth { error, .. } if *error == "invalid_client" => StatusCode::UNAUTHORIZED,
            Self::OAuth { .. } => StatusCode::BAD_REQUEST,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(message) = self {
            // The request span carries the request id.
            tracing::error!(error = %message, "internal error");
        }
        let problem = self.problem();
        let mut builder = HttpResponse::build(self.status_code());
        builder.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        builder.insert_header((header::CACHE_CONTROL, "no-store"));
        match self {
            Self::Unauthorized { invalid_token, .. } => {
                let challenge = if *invalid_token {
                    format!("Bearer realm=\"{REALM}\", error=\"invalid_token\"")
                } else {
                    format!("Bearer realm=\"{REALM}\"")
                };
                builder.insert_header((header::WWW_AUTHENTICATE, challenge));
            }
            Self::OAuth { error, .. } if *error == "invalid_client" => {
                // RFC 6749 §5.2: a 401 names the scheme the client should authenticate with.
                builder.insert_header((
                    header::WWW_AUTHENTICATE,
                    format!("private_key_jwt realm=\"{REALM}\""),
                ));
            }
            Self::MethodNotAllowed(allow) => {
                let names: Vec<&str> = allow.iter().map(Method::as_str).collect();
                if let Ok(value) = HeaderValue::from_str(&names.join(", ")) {
                    builder.insert_header((header::ALLOW, value));
                }
            }
            Self::TooManyRequests { retry_after, .. }
            | Self::ServiceUnavailable { retry_after, .. } => {
                builder.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            _ => {}
        }
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = builder.body(body);
        response.extensions_mut().insert(problem);
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => ApiError::NotFound("the resource does not exist".into()),
            StoreError::Conflict(what)
                if what == socialcare_persistence::case_files::ONE_OPEN_PER_AREA =>
            {
                ApiError::Conflict("the person already has an open case file in this area".into())
            }
            StoreError::Conflict(what) => {
                ApiError::Conflict(format!("the change conflicts with existing data ({what})"))
            }
            StoreError::Unavailable => ApiError::ServiceUnavailable {
                detail: "the database is not reachable".into(),
                retry_after: 5,
            },
            StoreError::Busy => ApiError::ServiceUnavailable {
                detail: "the database is busy".into(),
                retry_after: 1,
            },
            StoreError::Config(message) | StoreError::Internal(message) => {
                ApiError::Internal(message)
            }
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        StoreError::from(error).into()
    }
}

/// Runs `f` in one write transaction; any error — a database error or a refusal decided inside
/// (409, 412, 422…) — rolls everything back.
///
/// A refusal decided inside the transaction ([`ApiError::Denied`]) is recorded in the audit
/// trail after the rollback, in a transaction of its own, so that nothing of the refused request
/// remains but the record of the attempt.
pub fn transact<T, F>(db: &socialcare_persistence::Database, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut socialcare_persistence::AnyConnection) -> Result<T, ApiError>,
{
    match db.write(f) {
        Err(ApiError::Denied { detail, record }) => {
            db.write(|c| -> Result<(), ApiError> {
                socialcare_persistence::audit::append(c, *record)?;
                Ok(())
            })?;
            Err(ApiError::Forbidden(detail))
        }
        other => other,
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(format!("blocking task failed: {error}"))
    }
}

/// Runs blocking work (database, password hashing) on the blocking thread pool.
pub async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    actix_web::web::block(f).await?
}
