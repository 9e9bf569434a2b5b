//! Cross-cutting HTTP behaviour: request ids, problem details completion, security headers,
//! access logs, rate limits, the 404/405 fallback.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use tracing::Instrument;

use crate::auth::caller::bearer_token;
use crate::error::{ApiError, PROBLEM_JSON, Problem};
use crate::i18n::{Language, localise};
use crate::rate_limit::Quotum;
use crate::request::{REQUEST_ID_HEADER, RequestId, client_address};
use crate::state::AppState;

/// Assigns the request id, runs the request inside a tracing span that carries it, turns every
/// error response into complete problem details (with `instance` and `request_id`), sets the
/// `X-Request-Id` response header and the security headers ([`security_headers`]) and writes one
/// access-log line.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let request_id = RequestId::accept_or_generate(
        req.headers()
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok()),
    );
    req.extensions_mut().insert(request_id.clone());
    let path = req.path().to_owned();
    let span = tracing::info_span!(
        "request",
        request_id = %request_id.0,
        method = %req.method(),
        path = %path,
    );
    let language = Language::negotiate(req.headers().get(header::ACCEPT_LANGUAGE));
    let started = Instant::now();
    let shadowed = req
        .app_data::<web::Data<RouteTable>>()
        .and_then(|routes| routes.shadowed(&path, req.method()));
    // Handlers and extractors answer errors as responses; an `Err` here can only come from an
    // inner middleware and is rendered by actix from its `ResponseError` implementation, with
    // the security headers added by a response mapper.
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let standing = state
        .as_ref()
        .map(|state| state.rate_limits.check(&quotum(req.request(), state)));
    let refused = standing.and_then(|s| s.retry_after_secs.map(|wait| (s.limit, wait)));
    let outcome = match (refused, shadowed) {
        (Some((limit, retry_after)), _) => {
            let error = ApiError::TooManyRequests {
                detail: format!("more than {limit} requests in a minute: retry in {retry_after} s"),
                retry_after,
            };
            Ok(req.into_response(actix_web::ResponseError::error_response(&error)))
        }
        (None, Some(methods)) => {
            let response =
                actix_web::ResponseError::error_response(&ApiError::MethodNotAllowed(methods));
            Ok(req.into_response(response))
        }
        (None, None) => next
            .call(req)
            .instrument(span.clone())
            .await
            .map(ServiceResponse::map_into_boxed_body),
    };
    let response = match outcome {
        Ok(response) => response,
        Err(mut error) => {
            let path = path.clone();
            error.add_response_mapper(move |mut response| {
                security_headers(response.headers_mut(), &path);
                if let Some(standing) = standing {
                    standing.write(response.headers_mut());
                }
                response
            });
            return Err(error);
        }
    };
    let status = response.status();
    if changes
        && status.is_success()
        && let Some(state) = &state
    {
        // Its transaction has committed: a waiting reader of the feed looks now.
        state.feed_moved.notify_waiters();
    }
    let mut response = if status.is_client_error() || status.is_server_error() {
        complete_problem(response, &path, &request_id.0, language)
    } else {
        response
    };
    if let Ok(value) = HeaderValue::from_str(&request_id.0) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    security_headers(response.headers_mut(), &path);
    if let Some(standing) = standing {
        standing.write(response.headers_mut());
    }
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), elapsed_ms, "request failed");
        } else {
            tracing::info!(status = status.as_u16(), elapsed_ms, "request served");
        }
    });
    Ok(response)
}

/// Whose quota a request spends: the staff member or machine client of a valid access token,
/// otherwise the client address.
fn quotum(req: &HttpRequest, state: &AppState) -> Quotum {
    let claims = bearer_token(req)
        .ok()
        .and_then(|token| state.jwt.validate(&token).ok());
    match claims {
        Some(claims) if claims.scope.is_some() => Quotum::Client(claims.sub),
        Some(claims) => Quotum::User(claims.sub),
        None => Quotum::Address(client_address(req).unwrap_or_default()),
    }
}

/// Path prefix of the Swagger UI pages.
pub const DOCS_PATH: &str = "/docs";

/// The content security policy of everything but the Swagger UI: a JSON API loads nothing and
/// is framed by no one.
const API_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The content security policy of the Swagger UI: its page loads only its own scripts, styles
/// and icons from this server (no inline script), its stylesheet embeds `data:` SVG icons and
/// React sets inline styles, and "Try it out" calls this server only.
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Adds the security headers every response carries: `Cache-Control: no-store` (every answer
/// of this server may hold personal data or describe an instant), `X-Content-Type-Options:
/// nosniff`, `X-Frame-Options: DENY` and a `Content-Security-Policy` with
/// `frame-ancestors 'none'` (no framing, no clickjacking), and `Referrer-Policy: no-referrer`
/// (URLs carry ids and search terms).
pub fn security_headers(headers: &mut header::HeaderMap, path: &str) {
    let docs = path == DOCS_PATH || path.starts_with("/docs/");
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(if docs { DOCS_CSP } else { API_CSP }),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// Completes a problem document (`instance`, `request_id`) in the language the request asks
/// for ([`crate::i18n`]), with its `Content-Language`.
fn complete_problem(
    response: ServiceResponse<BoxBody>,
    path: &str,
    request_id: &str,
    language: Language,
) -> ServiceResponse<BoxBody> {
    let status = response.status();
    let mut problem = response
        .response()
        .extensions()
        .get::<Problem>()
        .cloned()
        .unwrap_or_else(|| Problem::from_status(status, None));
    problem.instance = Some(path.to_owned());
    problem.request_id = Some(request_id.to_owned());
    let content_language = localise(&mut problem, language);
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    response.map_body(|head, _old| {
        head.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        head.headers_mut().insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(content_language),
        );
        head.headers_mut()
            .append(header::VARY, HeaderValue::from_static("accept-language"));
        head.headers_mut().remove(header::CONTENT_LENGTH);
        BoxBody::new(body)
    })
}

/// The API's paths (as `/api/v1/...` templates) with their methods, read from the contract;
/// used to tell 405 from 404.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<Method>)>,
}

impl RouteTable {
    /// Builds the table from `(path template, methods)` pairs.
    pub fn new(routes: impl IntoIterator<Item = (String, Vec<Method>)>) -> Self {
        Self {
            routes: routes
                .into_iter()
                .map(|(path, methods)| {
                    (
                        path.trim_matches('/')
                            .split('/')
                            .map(str::to_owned)
                            .collect(),
                        methods,
                    )
                })
                .collect(),
        }
    }

    /// The templates matching a concrete path, each with its number of `{placeholders}`.
    fn matching<'a>(&'a self, path: &str) -> Vec<(usize, &'a [Method])> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.routes
            .iter()
            .filter(|(template, _)| {
                template.len() == segments.len()
                    && template
                        .iter()
                        .zip(&segments)
                        .all(|(t, s)| (is_placeholder(t) && !s.is_empty()) || t == s)
            })
            .map(|(template, allowed)| {
                let placeholders = template.iter().filter(|t| is_placeholder(t)).count();
                (placeholders, allowed.as_slice())
            })
            .collect()
    }

    /// The methods allowed on a concrete path, if any template matches it: those of the most
    /// specific templates (fewest placeholders), since a fixed segment names its own resource.
    pub fn allowed(&self, path: &str) -> Option<Vec<Method>> {
        let matching = self.matching(path);
        let fewest = matching.iter().map(|(n, _)| *n).min()?;
        let methods: Vec<Method> = matching
            .into_iter()
            .filter(|(n, _)| *n == fewest)
            .flat_map(|(_, allowed)| allowed.iter().cloned())
            .collect();
        sorted(methods)
    }

    /// The methods of the most specific template matching `path`, when `method` is not one of
    /// them but a less specific template would take it: `PUT /persons/permits-expiring` names
    /// the permits resource (GET only), not a person whose id is `permits-expiring`, so it is a
    /// 405 with `Allow: GET` rather than a 400 from the `PUT /persons/{person_id}` handler.
    pub fn shadowed(&self, path: &str, method: &Method) -> Option<Vec<Method>> {
        let matching = self.matching(path);
        let fewest = matching.iter().map(|(n, _)| *n).min()?;
        let specific = self.allowed(path)?;
        let served = |methods: &[Method]| {
            methods.contains(method) || (*method == Method::HEAD && methods.contains(&Method::GET))
        };
        if *method == Method::OPTIONS || served(&specific) {
            return None;
        }
        if matching
            .iter()
            .any(|(n, allowed)| *n > fewest && served(allowed))
        {
            Some(specific)
        } else {
            None
        }
    }
}

/// Whether a template segment is a `{placeholder}`.
fn is_placeholder(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

/// The methods sorted and without duplicates, or `None` when there are none.
fn sorted(mut methods: Vec<Method>) -> Option<Vec<Method>> {
    if methods.is_empty() {
        None
    } else {
        methods.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        methods.dedup();
        Some(methods)
    }
}

/// Default service: 405 with `Allow` when the path exists with other methods, else 404.
pub async fn fallback(
    req: HttpRequest,
    routes: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    Err(match routes.allowed(req.path()) {
        Some(methods) => ApiError::MethodNotAllowed(methods),
        None => ApiError::NotFound(format!("there is nothing at {}", req.path())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_concrete_paths() {
        let table = RouteTable::new([
            ("/api/v1/users".to_owned(), vec![Method::GET, Method::POST]),
            ("/api/v1/users/{user_id}".to_owned(), vec![Method::GET]),
            ("/api/v1/users/{user_id}".to_owned(), vec![Method::PATCH]),
        ]);
        assert_eq!(
            table.allowed("/api/v1/users/abc"),
            Some(vec![Method::GET, Method::PATCH])
        );
        assert_eq!(
            table.allowed("/api/v1/users/"),
            Some(vec![Method::GET, Method::POST])
        );
        assert_eq!(table.allowed("/api/v1/nothing"), None);
        assert_eq!(table.shadowed("/api/v1/users/abc", &Method::PUT), None);
        assert_eq!(table.allowed("/api/v1/users/a/b"), None);
    }

    #[test]
    fn a_fixed_segment_is_not_taken_by_a_placeholder_of_another_method() {
        let table = RouteTable::new([
            (
                "/api/v1/persons/permits-expiring".to_owned(),
                vec![Method::GET],
            ),
            (
                "/api/v1/persons/{person_id}".to_owned(),
                vec![Method::GET, Method::PUT],
            ),
        ]);
        let path = "/api/v1/persons/permits-expiring";
        assert_eq!(table.shadowed(path, &Method::PUT), Some(vec![Method::GET]));
        assert_eq!(table.shadowed(path, &Method::GET), None);
        assert_eq!(table.shadowed(path, &Method::HEAD), None);
        assert_eq!(table.shadowed(path, &Method::DELETE), None);
        assert_eq!(table.allowed(path), Some(vec![Method::GET]));
        assert_eq!(table.shadowed("/api/v1/persons/abc", &Method::PUT), None);
    }
}
