//! Per-request context: the request id, the client address and the declared purpose.

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use std::future::{Ready, ready};

use crate::error::ApiError;
use crate::state::AppState;

/// Header carrying the request id, accepted from the client or generated.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id of the current request, stored in the request extensions by the middleware.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

impl RequestId {
    /// Accepts a client-supplied id when it is 1-128 visible ASCII characters among
    /// letters, digits, `-`, `_`, `.` and `:`; otherwise the server makes a UUID v7.
    pub fn accept_or_generate(candidate: Option<&str>) -> Self {
        match candidate {
            Some(id)
                if !id.is_empty()
                    && id.len() <= 128
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)) =>
            {
                Self(id.to_owned())
            }
            _ => Self(uuid::Uuid::now_v7().to_string()),
        }
    }
}

/// Header in which a client declares why it accesses personal data (copied into the audit
/// trail as the purpose of every record the request makes).
pub const PURPOSE_HEADER: &str = "Access-Purpose";

/// Longest accepted purpose, in characters.
pub const PURPOSE_MAX_CHARS: usize = 200;

/// Parses an `Access-Purpose` value: UTF-8 text of 1-200 characters, none of them a control
/// character; surrounding spaces are trimmed.
pub fn parse_purpose(raw: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(raw).map_err(|_| "must be UTF-8 text".to_owned())?;
    let text = text.trim();
    if text.is_empty() {
        return Err("must not be empty".into());
    }
    if text.chars().count() > PURPOSE_MAX_CHARS {
        return Err(format!("must be at most {PURPOSE_MAX_CHARS} characters"));
    }
    if text.chars().any(char::is_control) {
        return Err("must contain printable characters only".into());
    }
    Ok(text.to_owned())
}

/// Request id, client address and declared purpose, for the audit trail and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestMeta {
    /// The request id.
    pub request_id: String,
    /// The client address (peer address, or the forwarded one when proxies are trusted).
    pub client_addr: Option<String>,
    /// The purpose declared in the `Access-Purpose` header, when sent and valid.
    pub purpose: Option<String>,
    /// Whether the method is safe (GET, HEAD): the request changes nothing but the audit trail.
    pub safe_method: bool,
}

impl RequestMeta {
    /// Reads the context of a request, refusing an invalid `Access-Purpose` header with 400.
    pub fn try_of(req: &HttpRequest) -> Result<Self, ApiError> {
        let mut meta = Self::of(req);
        if let Some(value) = req.headers().get(PURPOSE_HEADER) {
            meta.purpose = Some(
                parse_purpose(value.as_bytes())
                    .map_err(|detail| ApiError::bad_parameter(PURPOSE_HEADER, detail))?,
            );
        }
        Ok(meta)
    }

    /// Reads the context of a request; an invalid `Access-Purpose` header is ignored here
    /// (see [`RequestMeta::try_of`]).
    pub fn of(req: &HttpRequest) -> Self {
        let request_id = req
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_else(|| RequestId::accept_or_generate(None).0);
        let client_addr = client_address(req);
        let purpose = req
            .headers()
            .get(PURPOSE_HEADER)
            .and_then(|v| parse_purpose(v.as_bytes()).ok());
        Self {
            request_id,
            client_addr,
            purpose,
            safe_method: matches!(
                *req.method(),
                actix_web::http::Method::GET | actix_web::http::Method::HEAD
            ),
        }
    }
}

/// The client's address: the peer's, or the one the trusted proxy reports when
/// `SOCIALCARE_TRUST_PROXY_HEADERS` is on.
pub fn client_address(req: &HttpRequest) -> Option<String> {
    let trust = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.trust_proxy_headers);
    if trust {
        req.connection_info().realip_remote_addr().map(strip_port)
    } else {
        req.peer_addr().map(|a| a.ip().to_string())
    }
}

fn strip_port(addr: &str) -> String {
    match addr.parse::<std::net::SocketAddr>() {
        Ok(sock) => sock.ip().to_string(),
        Err(_) => addr.to_owned(),
    }
}

impl FromRequest for RequestMeta {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        // Used by the public endpoints (login, refresh), whose records carry no purpose: an
        // invalid `Access-Purpose` is ignored there; `Caller` refuses it with 400.
        ready(Ok(Self::of(req)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_accepted_only_when_safe() {
        assert_eq!(RequestId::accept_or_generate(Some("abc-123")).0, "abc-123");
        let generated = RequestId::accept_or_generate(Some("bad id\n")).0;
        assert!(uuid::Uuid::parse_str(&generated).is_ok());
        let long = "a".repeat(129);
        assert_ne!(RequestId::accept_or_generate(Some(&long)).0, long);
    }

    #[test]
    fn purposes_are_short_printable_text() {
        assert_eq!(
            parse_purpose(" Verifica requisiti ADI ".as_bytes()),
            Ok("Verifica requisiti ADI".to_owned())
        );
        assert_eq!(
            parse_purpose("necessità urgente".as_bytes()),
            Ok("necessità urgente".to_owned())
        );
        assert!(parse_purpose(b"").is_err());
        assert!(parse_purpose(b"   ").is_err());
        assert!(parse_purpose(b"a\tb").is_err());
        assert!(parse_purpose(&[0xff, 0xfe]).is_err());
        assert!(parse_purpose("x".repeat(200).as_bytes()).is_ok());
        assert!(parse_purpose("x".repeat(201).as_bytes()).is_err());
    }
}
