//! Webhook subscriptions of a partner's machine client (scope `events`): a URL that receives the
//! events of the feed as they commit, signed as the Standard Webhooks specification says, with
//! the delivery log and manual redelivery.

use std::net::IpAddr;

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use socialcare_domain::access::Action;
use socialcare_domain::ids::WebhookSubscriptionId;
use socialcare_domain::webhooks::{Subscription, parse_event_types};
use socialcare_persistence::webhooks::{self, Attempt};
use socialcare_persistence::{AnyConnection, events};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::case_work::{Answer, NoQuery, Op, with_etag};
use crate::conditional::IfMatchHeader;
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::idempotency::IdempotencyKeyHeader;
use crate::partner_work::{self, Partner};
use crate::state::AppState;

/// A webhook subscription.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubscriptionResponse {
    /// Identifier.
    pub id: Uuid,
    /// Where the events are sent (`POST`, `application/cloudevents+json`).
    #[schema(example = "https://sil.agenzialavoro.example.it/hooks/socialcare")]
    pub url: String,
    /// The event types it receives; empty for every event of the organisation.
    pub event_types: Vec<String>,
    /// Whether events are sent.
    pub enabled: bool,
    /// Why the office disabled it (after a run of failed deliveries), if it did.
    pub disabled_reason: Option<String>,
    /// The `sequence` of the last event delivered (or passed over as not of its types).
    #[schema(format = Int64, example = 42)]
    pub delivered_through: i64,
    /// Failed deliveries since the last success.
    #[schema(format = Int32, example = 0)]
    pub consecutive_failures: u32,
    /// The next attempt is not made before this instant.
    pub next_attempt_at: DateTime<Utc>,
    /// Version, also sent as `ETag`.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
}

impl From<&Subscription> for SubscriptionResponse {
    fn from(s: &Subscription) -> Self {
        Self {
            id: s.id,
            url: s.url.clone(),
            event_types: s.event_types.clone(),
            enabled: s.enabled,
            disabled_reason: s.disabled_reason.clone(),
            delivered_through: s.delivered_through,
            consecutive_failures: s.consecutive_failures,
            next_attempt_at: s.next_attempt_at,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// A new subscription, with its signing secret: shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NewSubscriptionResponse {
    /// The subscription.
    #[serde(flatten)]
    pub subscription: SubscriptionResponse,
    /// The signing secret (`whsec_` and base64): verify every delivery with it, as the
    /// Standard Webhooks libraries do. It is not shown again.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// What to subscribe.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://sil.agenzialavoro.example.it/hooks/socialcare", "event_types": ["it.comune.socialcare.referral.create"]}))]
pub struct SubscriptionRequest {
    /// Where to send the events: an absolute `https` URL (`http` only outside the production
    /// profile), without user information or fragment, at most 2000 characters.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000, format = "uri")]
    pub url: String,
    /// The event types to receive (at most 20); none or absent for every event of the
    /// organisation.
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub event_types: Option<Vec<String>>,
}

/// A subscription as replaced.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://sil.agenzialavoro.example.it/hooks/socialcare", "event_types": [], "enabled": true}))]
pub struct SubscriptionUpdate {
    /// Where to send the events (as when subscribing).
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000, format = "uri")]
    pub url: String,
    /// The event types to receive (at most 20); empty for every event of the organisation.
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub event_types: Vec<String>,
    /// `false` stops the deliveries; `true` (again, after the office disabled it) clears the
    /// failures and resumes from where the deliveries stopped.
    pub enabled: bool,
}

/// Checks a receiver's URL: absolute `http(s)`, no user information or fragment; with
/// `strict` (production), `https` only and no loopback, private, link-local or unspecified
/// address literal, nor `localhost`.
fn check_url(raw: &str, strict: bool) -> Result<String, ApiError> {
    let invalid = |detail: &str| ApiError::invalid_field("/url", detail);
    let url = url::Url::parse(raw.trim()).map_err(|_| invalid("is not an absolute URL"))?;
    match url.scheme() {
        "https" => {}
        "http" if !strict => {}
        "http" => return Err(invalid("must use https")),
        _ => return Err(invalid("must be an http(s) URL")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("must not hold user information"));
    }
    if url.fragment().is_some() {
        return Err(invalid("must not hold a fragment"));
    }
    let host = url.host_str().ok_or_else(|| invalid("must name a host"))?;
    if strict {
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        let internal = match literal.parse::<IpAddr>() {
            Ok(IpAddr::V4(ip)) => {
                ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified()
            }
            Ok(IpAddr::V6(ip)) => {
                ip.is_loopback()
                    || ip.is_unspecified()
                    || ip.is_unique_local()
                    || ip.is_unicast_link_local()
            }
            Err(_) => host.eq_ignore_ascii_case("localhost"),
        };
        if internal {
            return Err(invalid("must not name an internal address"));
        }
    }
    Ok(url.to_string())
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("whsec_{}", STANDARD.encode(bytes))
}

fn types_of(raw: &[String]) -> Result<Vec<String>, ApiError> {
    parse_event_types(raw).map_err(|detail| ApiError::invalid_field("/event_types", detail))
}

fn subscription_of(
    conn: &mut AnyConnection,
    client_id: Uuid,
    id: Uuid,
) -> Result<Subscription, ApiError> {
    webhooks::find(conn, client_id, id)?.ok_or_else(|| {
        ApiError::NotFound("no webhook subscription of this client with this id".into())
    })
}

fn location(id: Uuid) -> String {
    format!("/api/v1/partner/webhooks/{id}")
}

/// Subscribe a URL to my organisation's events
///
/// For a machine client with the `events` scope: the events of its organisation that commit
/// from now on are sent to `url`, in commit order, each as one `POST` of a CloudEvents JSON
/// body signed as the Standard Webhooks specification says (`webhook-id`,
/// `webhook-timestamp`, `webhook-signature`). A delivery succeeds with a 2xx answer within
/// `SOCIALCARE_WEBHOOK_TIMEOUT_SECS`; a failure is retried with exponential backoff and jitter
/// up to a day, later events waiting behind it; after `SOCIALCARE_WEBHOOK_MAX_FAILURES` in a row
/// the subscription is disabled and the feed carries `webhook_subscription.disable`. The secret
/// is in this answer only. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "partners",
    operation_id = "create_webhook_subscription",
    params(IdempotencyKeyHeader),
    request_body = SubscriptionRequest,
    responses(
        (status = 201, description = "Subscribed; the secret is shown only now.", body = NewSubscriptionResponse,
            headers(("Location" = String, description = "URL of the subscription."), ("ETag" = String, description = "Version, for If-Match."))),
        (status = 401, description = "No valid token, or the client is disabled.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a machine client, or no `events` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid URL or event types.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partner/webhooks")]
pub async fn create_webhook_subscription(
    state: web::Data<AppState>,
    partner: Partner,
    req: HttpRequest,
    body: Body<SubscriptionRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadEvents,
        "webhook_subscription.create",
        "webhook_subscription",
    );
    let strict = state.webhook_strict_urls;
    partner_work::write(&state, partner, &req, op, body, move |work, request, _| {
        let url = check_url(&request.url, strict)?;
        let types = types_of(&request.event_types.unwrap_or_default())?;
        let secret = new_secret();
        let (client, now) = (work.client().id, work.now());
        let made = webhooks::insert(work.conn(), client, &url, &types, &secret, now)?;
        work.resource(made.id);
        Ok(Answer::created(
            &NewSubscriptionResponse {
                subscription: SubscriptionResponse::from(&made),
                secret,
            },
            location(made.id),
            Some(made.version),
        ))
    })
    .await
}

/// The subscriptions of a client.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionList {
    /// Oldest first.
    pub items: Vec<SubscriptionResponse>,
}

/// List my webhook subscriptions
///
/// For a machine client with the `events` scope: its subscriptions with their delivery state
/// (never their secrets).
#[utoipa::path(
    tag = "partners",
    operation_id = "list_webhook_subscriptions",
    responses(
        (status = 200, description = "The subscriptions.", body = SubscriptionList),
        (status = 401, description = "No valid token, or the client is disabled.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a machine client, or no `events` scope.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partner/webhooks")]
pub async fn list_webhook_subscriptions(
    state: web::Data<AppState>,
    partner: Partner,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadEvents,
        "webhook_subscription.list",
        "webhook_subscription",
    );
    let list = partner_work::read(&state, partner, &req, op, move |work, _: NoQuery| {
        let client = work.client().id;
        let found = webhooks::list(work.conn(), client)?;
        Ok(SubscriptionList {
            items: found.iter().map(SubscriptionResponse::from).collect(),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Read a webhook subscription
///
/// For the machine client that subscribed: its delivery state.
#[utoipa::path(
    tag = "partners",
    operation_id = "get_webhook_subscription",
    params(("subscription_id" = Uuid, Path, description = "Subscription identifier.")),
    responses(
        (status = 200, description = "The subscription.", body = SubscriptionResponse,
            headers(("ETag" = String, description = "Version, for If-Match."))),
        (status = 401, description = "No valid token, or the client is disabled.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a machine client, or no `events` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No subscription of this client with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partner/webhooks/{subscription_id}")]
pub async fn get_webhook_subscription(
    state: web::Data<AppState>,
    partner: Partner,
    req: HttpRequest,
    id: Id<WebhookSubscriptionId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadEvents,
        "webhook_subscription.read",
        "webhook_subscription",
    );
    let found = partner_work::read(&state, partner, &req, op, move |work, _: NoQuery| {
        let client = work.client().id;
        work.resource(id.0);
        subscription_of(work.conn(), client, id.0.uuid())
    })
    .await?;
    Ok(with_etag(
        found.version,
        &SubscriptionResponse::from(&found),
    ))
}

/// Replace a webhook subscription
///
/// Changes the URL or the event types, stops the deliveries (`enabled: false`) or resumes them
/// (`enabled: true`, also after the office disabled the subscription: the failures are cleared
/// and the deliveries resume where they stopped). Requires `If-Match`.
#[utoipa::path(
    tag = "partners",
    operation_id = "replace_webhook_subscription",
    params(("subscription_id" = Uuid, Path, description = "Subscription identifier."), IfMatchHeader),
    request_body = SubscriptionUpdate,
    responses(
        (status = 200, description = "The subscription as replaced.", body = SubscriptionResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 401, description = "No valid token, or the client is disabled.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a machine client, or no `events` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No subscription of this client with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid URL or event types.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/partner/webhooks/{subscription_id}")]
pub async fn replace_webhook_subscription(
    state: web::Data<AppState>,
    partner: Partner,
    req: HttpRequest,
    id: Id<WebhookSubscriptionId>,
    body: Body<SubscriptionUpdate>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadEvents,
        "webhook_subscription.update",
        "webhook_subscription",
    );
    let strict = state.webhook_strict_urls;
    partner_work::write(
        &state,
        partner,
        &req,
        op,
        body,
        move |work, request, if_match| {
            let url = check_url(&request.url, strict)?;
            let types = types_of(&request.event_types)?;
            let (client, now) = (work.client().id, work.now());
            let current = subscription_of(work.conn(), client, id.0.uuid())?;
            if_match.check(current.version)?;
            if !webhooks::update(work.conn(), &current, &url, &types, request.enabled, now)? {
                return Err(ApiError::PreconditionFailed(
                    "the subscription changed meanwhile; read it again and retry".into(),
                ));
            }
            work.resource(current.id).detail("enabled", request.enabled);
            let updated = subscription_of(work.conn(), client, current.id)?;
            Ok(Answer::ok(
                &SubscriptionResponse::from(&updated),
                Some(updated.version),
            ))
        },
    )
    .await
}

/// Where to redeliver from.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"after": 40}))]
pub struct RedeliveryRequest {
    /// Send again every event of the subscription after this `sequence` (not before the
    /// oldest event kept).
    #[validate(range(min = 0))]
    #[schema(minimum = 0, format = Int64)]
    pub after: i64,
}

/// Redeliver events
///
/// Moves the subscription back to `after`: the events after it are sent again, in order, from
/// the next run (also to a subscription that had moved past them). For the machine client that
/// subscribed. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "partners",
    operation_id = "redeliver_webhook_events",
    params(("subscription_id" = Uuid, Path, description = "Subscription identifier."), IdempotencyKeyHeader),
    request_body = RedeliveryRequest,
    responses(
        (status = 200, description = "The subscription, moved back.", body = SubscriptionResponse),
        (status = 401, description = "No valid token, or the client is disabled.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a machine client, or no `events` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No subscription of this client with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`after` is before the oldest event kept, or after the newest.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partner/webhooks/{subscription_id}/redeliveries")]
pub async fn redeliver_webhook_events(
    state: web::Data<AppState>,
    partner: Partner,
    req: HttpRequest,
    id: Id<WebhookSubscriptionId>,
    body: Body<RedeliveryRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadEvents,
        "webhook_subscription.redeliver",
        "webhook_subscription",
    );
    partner_work::write(&state, partner, &req, op, body, move |work, request, _| {
        let (client, now) = (work.client().id, work.now());
        let current = subscription_of(work.conn(), client, id.0.uuid())?;
        let (head, pruned) = events::head(work.conn())?;
        if request.after < pruned || request.after > head {
            return Err(ApiError::invalid_field(
                "/after",
                format!("must be between {pruned} (the oldest kept) and {head} (the newest)"),
            ));
        }
        if !webhooks::rewind(work.conn(), &current, request.after, now)? {
            return Err(ApiError::PreconditionFailed(
                "the subscription changed meanwhile; read it again and retry".into(),
            ));
        }
        work.resource(current.id).detail("after", request.after);
        let updated = subscription_of(work.conn(), client, current.id)?;
        Ok(Answer::ok(
            &SubscriptionResponse::from(&updated),
            Some(updated.version),
        ))
    })
    .await
}

/// One attempt of the delivery log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttemptResponse {
    /// Identifier.
    pub id: Uuid,
    /// The event's `sequence`.
    #[schema(format = Int64)]
    pub event_sequence: i64,
    /// The event's id (its `webhook-id`).
    pub event_id: Uuid,
    /// When it was sent.
    pub attempted_at: DateTime<Utc>,
    /// Whether the receiver answered 2xx in time.
    pub succeeded: bool,
    /// The receiver's status code, when it answered.
    #[schema(format = Int32)]
    pub status_code: Option<i32>,
    /// What went wrong when nothing was answered (timeout, connection refused…).
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    #[schema(format = Int32)]
    pub duration_ms: i32,
}

impl From<&Attempt> for AttemptResponse {
    fn from(a: &Attempt) -> Self {
        Self {
            id: a.id.0,
            event_sequence: a.event_position,
            event_id: a.event_id.0,
            attempted_at: a.attempted_at.0,
            succeeded: a.succeeded,
            status_code: a.status_code,
            error: a.error.clone(),
            duration_ms: a.duration_ms,
        }
    }
}

/// Position and size of a page of the delivery log.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttemptQuery {
    /// Opaque position returned in `next` (base64url, 1-500 characters among `A-Z a-z 0-9 - _`);
    /// omit for the first page. Anything else, or a position of another list, is 400.
    #[validate(length(min = 1, max = 500))]
    #[param(min_length = 1, max_length = 500, pattern = "^[A-Za-z0-9_-]{1,500}$")]
    pub cursor: Option<String>,
    /// Page size, 1-100 (default 50).
    #[validate(range(min = 1, max = 100))]
    #[param(minimum = 1, maximum = 100, default = 50)]
    pub limit: Option<u32>,
}

/// One page of the delivery log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptPage {
    /// The attempts, newest first.
    pub items: Vec<AttemptResponse>,
    /// Link to the next (older) page, or null on the last one.
    pub next: Option<String>,
}

/// Read the delivery log of a webhook subscription
///
/// Every delivery attempt, newest first: the event, the answer or the error, the time taken.
/// For the machine client that subscribed.
#[utoipa::path(
    tag = "partners",
    operation_id = "list_webhook_attempts",
    params(("subscription_id" = Uuid, Path, description = "Subscription identifier."), AttemptQuery),
    responses(
        (status = 200, description = "One page of the log.", body = AttemptPage),
        (status = 400, description = "Invalid cursor.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token, or the client is disabled.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a machine client, or no `events` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No subscription of this client with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partner/webhooks/{subscription_id}/attempts")]
pub async fn list_webhook_attempts(
    state: web::Data<AppState>,
    partner: Partner,
    req: HttpRequest,
    id: Id<WebhookSubscriptionId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadEvents,
        "webhook_attempt.list",
        "webhook_subscription",
    );
    let query = req.query_string().to_owned();
    let page = partner_work::read(&state, partner, &req, op, move |work, q: AttemptQuery| {
        let client = work.client().id;
        let subscription = subscription_of(work.conn(), client, id.0.uuid())?;
        let before = q
            .cursor
            .as_deref()
            .map(|c| {
                let text = crate::cursor::decode(c)?;
                text.strip_prefix("attempt|")
                    .and_then(|id| Uuid::parse_str(id).ok())
                    .ok_or_else(|| ApiError::bad_parameter("cursor", "not a position of this list"))
            })
            .transpose()?;
        let limit = q.limit.unwrap_or(50);
        let mut found =
            webhooks::attempts(work.conn(), subscription.id, before, i64::from(limit) + 1)?;
        let next = crate::cursor::cut(
            &mut found,
            limit as usize,
            &format!("/api/v1/partner/webhooks/{}/attempts", subscription.id),
            &query,
            |last| format!("attempt|{}", last.id.0),
        );
        work.resource(subscription.id);
        Ok(AttemptPage {
            items: found.iter().map(AttemptResponse::from).collect(),
            next,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receiver_urls() {
        assert!(check_url("https://sil.example.it/hooks", true).is_ok());
        assert!(check_url("http://127.0.0.1:8080/hooks", false).is_ok());
        for bad in [
            "http://sil.example.it/hooks",
            "https://127.0.0.1/hooks",
            "https://10.1.2.3/hooks",
            "https://[::1]/hooks",
            "https://localhost/hooks",
            "https://169.254.169.254/latest/meta-data",
            "https://user:pw@sil.example.it/",
            "https://sil.example.it/#x",
            "ftp://sil.example.it/",
            "/relative",
        ] {
            assert!(check_url(bad, true).is_err(), "{bad}");
        }
    }
}
