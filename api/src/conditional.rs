//! Optimistic concurrency: strong `ETag`s from resource versions, and `If-Match` on updates.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::error::ApiError;

/// The `If-Match` request header of an update, as the contract declares it on every operation
/// that requires it (428 without it): `params(IfMatchHeader, ...)` in `#[utoipa::path]`.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatchHeader {
    /// The `ETag` of the version being changed, e.g. `"3"` (for a part of a case file, the case
    /// file's; for a merge, the surviving person's); a list of tags is accepted. Required: 428
    /// without it, 412 when it is not the current version. `*` matches any current version
    /// (RFC 9110) and skips the lost-update check.
    #[param(rename = "If-Match", min_length = 1)]
    pub if_match: String,
}

/// The `If-Match` request header of a create-or-replace `PUT`: omitted to create (201), then
/// required to replace (428 without it, 412 when stale).
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatchToReplaceHeader {
    /// The `ETag` of the data being replaced, e.g. `"2"`; omit it to record the data for the
    /// first time (412 if it is already recorded). Once recorded, required: 428 without it, 412
    /// when it is not the current version. `*` matches any current version (RFC 9110).
    #[param(
        rename = "If-Match",
        value_type = String,
        required = false,
        min_length = 1
    )]
    pub if_match: Option<String>,
}

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
    if value.trim().is_empty() {
        return Err(ApiError::bad_parameter(
            "If-Match",
            "must not be empty: send the ETag of the version you changed",
        ));
    }
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
        for empty in ["", "  "] {
            assert!(matches!(
                require_if_match(Some(empty), 3),
                Err(ApiError::BadRequest { .. })
            ));
        }
        assert_eq!(require_if_match(Some(" * "), 7).ok(), Some(7));
        for stale in ["\"2\"", "W/\"3\"", "\"*\"", "\"2\", *"] {
            assert!(matches!(
                require_if_match(Some(stale), 3),
                Err(ApiError::PreconditionFailed(_))
            ));
        }
    }
}
