//! Optimistic concurrency: strong `ETag`s from resource versions, and `If-Match` on updates.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::error::ApiError;

/// The strong entity tag of a resource version, e.g. `"7"`.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The `If-Match` header of a request, if present (read before moving work off the async
/// worker, since requests cannot cross threads).
pub fn if_match_of(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::IF_MATCH)
        .map(|v| v.to_str().unwrap_or("\u{0}").to_owned())
}

/// Checks `If-Match` against the current version and returns it: 428 when missing, 412 when it
/// names something else. A list of tags is accepted; `*` matches any current version (RFC 9110
/// section 13.1.1: it is only called once the resource is known to exist), so the change
/// proceeds without the lost-update check the client chose to skip.
pub fn require_if_match(if_match: Option<&str>, current: i64) -> Result<i64, ApiError> {
    let value = if_match.ok_or(ApiError::PreconditionRequired)?;
    if value.trim() == "*" {
        return Ok(current);
    }
    let wanted = etag(current);
    if value.split(',').map(str::trim).any(|tag| tag == wanted) {
        Ok(current)
    } else {
        Err(ApiError::PreconditionFailed(format!(
            "the resource has changed: its current ETag is {wanted}; read it again and retry"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn if_match_is_required_and_compared_strongly() {
        let none = TestRequest::default().to_http_request();
        assert!(matches!(
            require_if_match(if_match_of(&none).as_deref(), 3),
            Err(ApiError::PreconditionRequired)
        ));
        let ok = TestRequest::default()
            .insert_header((header::IF_MATCH, "\"2\", \"3\""))
            .to_http_request();
        assert_eq!(
            require_if_match(if_match_of(&ok).as_deref(), 3).ok(),
            Some(3)
        );
        assert_eq!(require_if_match(Some("*"), 3).ok(), Some(3));
        assert_eq!(require_if_match(Some(" * "), 7).ok(), Some(7));
        for stale in ["\"2\"", "W/\"3\"", "\"*\"", "\"2\", *"] {
            assert!(matches!(
                require_if_match(Some(stale), 3),
                Err(ApiError::PreconditionFailed(_))
            ));
        }
    }
}
