//! Per-request context: the request id and the client address.

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

/// Request id and client address, for the audit trail and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestMeta {
    /// The request id.
    pub request_id: String,
    /// The client address (peer address, or the forwarded one when proxies are trusted).
    pub client_addr: Option<String>,
}

impl RequestMeta {
    /// Reads the context of a request.
    pub fn of(req: &HttpRequest) -> Self {
        let request_id = req
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_else(|| RequestId::accept_or_generate(None).0);
        let trust = req
            .app_data::<web::Data<AppState>>()
            .is_some_and(|s| s.trust_proxy_headers);
        let client_addr = if trust {
            req.connection_info().realip_remote_addr().map(strip_port)
        } else {
            req.peer_addr().map(|a| a.ip().to_string())
        };
        Self {
            request_id,
            client_addr,
        }
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
}
