//! List positions (`cursor`): one format for every paged list. A cursor is opaque to clients:
//! base64url without padding (RFC 4648 section 5) of a position only the server reads, 1-500
//! characters among `A-Z`, `a-z`, `0-9`, `-` and `_` ([`PATTERN`]). Anything else, or a
//! position of another list, is answered with 400.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;
use validator::Validate;

use crate::error::ApiError;

/// Position and size of a page of a list newest first (imports, SIUSS exports, retention runs).
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Opaque position returned in `next` (base64url, 1-500 characters among `A-Z a-z 0-9 - _`);
    /// omit for the first page. Anything else, or a position of another list, is 400.
    #[validate(length(min = 1, max = 500))]
    #[param(min_length = 1, max_length = 500, pattern = "^[A-Za-z0-9_-]{1,500}$")]
    pub cursor: Option<String>,
    /// Page size, 1-100 (default 20).
    #[validate(range(min = 1, max = 100))]
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
}

/// The pattern every cursor matches, as declared in the contract.
pub const PATTERN: &str = "^[A-Za-z0-9_-]{1,500}$";

/// The longest cursor accepted, in characters.
pub const MAX_LEN: usize = 500;

/// The cursor of a position.
pub fn encode(position: &str) -> String {
    URL_SAFE_NO_PAD.encode(position)
}

/// The position of a cursor; 400 on the `cursor` parameter when it is not one this API made.
pub fn decode(raw: &str) -> Result<String, ApiError> {
    Some(raw)
        .filter(|r| (1..=MAX_LEN).contains(&r.len()))
        .and_then(|r| URL_SAFE_NO_PAD.decode(r).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| ApiError::bad_parameter("cursor", "is not a cursor returned by this API"))
}

/// The cursor of a list ordered by creation, newest first: `tag|instant|id` of its last item.
pub fn encode_created(tag: &str, at: DateTime<Utc>, id: Uuid) -> String {
    format!("{tag}|{}|{id}", at.to_rfc3339())
}

/// The `(instant, id)` position of a cursor made by [`encode_created`] with `tag`; 400 on the
/// `cursor` parameter otherwise (another list's cursor included).
pub fn decode_created(raw: &str, tag: &str) -> Result<(DateTime<Utc>, Uuid), ApiError> {
    let bad = || ApiError::bad_parameter("cursor", "is not a cursor returned by this API");
    let position = decode(raw)?;
    let (at, id) = position
        .strip_prefix(tag)
        .and_then(|p| p.strip_prefix('|'))
        .and_then(|p| p.split_once('|'))
        .ok_or_else(bad)?;
    Ok((
        DateTime::parse_from_rfc3339(at)
            .map_err(|_| bad())?
            .to_utc(),
        Uuid::parse_str(id).map_err(|_| bad())?,
    ))
}

/// The link to the next page of a list: `base` with the request's `query` (its raw query
/// string), the `cursor` parameter replaced by `cursor`.
pub fn next_link(base: &str, query: &str, cursor: &str) -> String {
    let mut pairs: Vec<String> = query
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("cursor="))
        .map(str::to_owned)
        .collect();
    pairs.push(format!("cursor={cursor}"));
    format!("{base}?{}", pairs.join("&"))
}

/// Cuts a list read one item past `limit` (to know whether another page follows) down to
/// `limit`, and answers the link to the next page when there is one: `base` with the request's
/// `query` and the cursor of `position` of the last item kept.
pub fn cut<T>(
    items: &mut Vec<T>,
    limit: usize,
    base: &str,
    query: &str,
    position: impl Fn(&T) -> String,
) -> Option<String> {
    let more = items.len() > limit;
    items.truncate(limit);
    more.then(|| items.last())
        .flatten()
        .map(|last| next_link(base, query, &encode(&position(last))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_match_the_pattern() {
        for position in [
            "42",
            "01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e5f",
            "[\"rossi\",\"x\"]",
        ] {
            let cursor = encode(position);
            assert!(
                cursor
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{cursor}"
            );
            assert_eq!(decode(&cursor).ok().as_deref(), Some(position));
        }
        for bad in ["", "a", "NDI=", "a b", "%00", &"A".repeat(MAX_LEN + 4)] {
            assert!(decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_list_read_one_past_its_page_links_the_next() {
        let mut items = vec![1, 2, 3];
        let next = cut(&mut items, 2, "/api/v1/things", "limit=2&cursor=x", |n| {
            format!("thing|{n}")
        });
        assert_eq!(items, [1, 2]);
        let next = next.unwrap();
        assert!(next.starts_with("/api/v1/things?limit=2&cursor="), "{next}");
        let cursor = next.rsplit("cursor=").next().unwrap();
        assert_eq!(decode(cursor).unwrap(), "thing|2");
        let mut last = vec![1, 2];
        assert_eq!(
            cut(&mut last, 2, "/api/v1/things", "", |n| n.to_string()),
            None
        );
        assert_eq!(last, [1, 2]);
    }
}
