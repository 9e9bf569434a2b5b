//! The event feed of a partner organisation: the changes that concern it, in commit order, as
//! CloudEvents 1.0, replayable from any position and with a long poll for the next ones.

use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::access::Action;
use socialcare_domain::events::parse_type_filter;
use socialcare_persistence::events::{self, EventQuery, EventRow};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::case_work::Op;
use crate::error::{ApiError, Problem, blocking};
use crate::partner_work::{self, Partner};
use crate::state::AppState;

/// The CloudEvents `source` of the office's events.
pub const SOURCE: &str = "urn:socialcare:office";

/// How often a waiting request looks at the head of the feed when no change of this process
/// wakes it earlier.
const POLL_EVERY: Duration = Duration::from_millis(200);

/// An event, in the CloudEvents 1.0 JSON format.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "specversion": "1.0",
    "id": "01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e5f",
    "source": "urn:socialcare:office",
    "type": "it.comune.socialcare.referral.create",
    "subject": "referral/01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e60",
    "time": "2026-12-06T09:30:00Z",
    "datacontenttype": "application/json",
    "sequence": "42",
    "data": {"resource_type": "referral", "id": "01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e60", "version": 1, "organisation_id": "01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e61"}
}))]
pub struct CloudEvent {
    /// Always `1.0`.
    pub specversion: String,
    /// Unique id of the event (a receiver drops a second delivery of the same id).
    pub id: String,
    /// The office.
    pub source: String,
    /// `it.comune.socialcare.` and the change (`referral.create`, `referral.accept`…).
    #[serde(rename = "type")]
    pub event_type: String,
    /// The resource changed: `<resource type>/<id>`.
    pub subject: String,
    /// When the change happened.
    pub time: DateTime<Utc>,
    /// Always `application/json`.
    pub datacontenttype: String,
    /// The event's position in commit order (CloudEvents `sequence` extension), as decimal
    /// text: pass the last one processed as `after`.
    #[schema(example = "42")]
    pub sequence: String,
    /// Ids only: `resource_type`, `id`, `version` (after the change), `organisation_id`.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl From<&EventRow> for CloudEvent {
    fn from(row: &EventRow) -> Self {
        Self {
            specversion: "1.0".into(),
            id: row.id.0.to_string(),
            source: SOURCE.into(),
            event_type: row.event_type.clone(),
            subject: row.subject.clone(),
            time: row.time.0,
            datacontenttype: "application/json".into(),
            sequence: row.position.to_string(),
            data: serde_json::from_str(&row.data).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// What to read of the feed.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventFeedQuery {
    /// The `sequence` of the last event processed (default 0: from the oldest kept).
    #[validate(range(min = 0))]
    #[param(minimum = 0, format = Int64, default = 0)]
    pub after: Option<i64>,
    /// Only these event types, comma-separated (at most 20), e.g.
    /// `it.comune.socialcare.referral.create`.
    #[serde(rename = "type")]
    #[param(
        rename = "type",
        max_length = 2500,
        pattern = r"^[a-z0-9._,\s]{1,2500}$"
    )]
    #[validate(length(min = 1, max = 2500))]
    pub types: Option<String>,
    /// Page size, 1-500 (default 100).
    #[validate(range(min = 1, max = 500))]
    #[param(minimum = 1, maximum = 500, default = 100)]
    pub limit: Option<u32>,
    /// Seconds to wait for a new event when there is none yet, 0-30 (default 0: answer at
    /// once).
    #[validate(range(min = 0, max = 30))]
    #[param(minimum = 0, maximum = 30, default = 0)]
    pub wait: Option<u32>,
}

/// One page of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    /// The events after `after`, in commit order.
    pub items: Vec<CloudEvent>,
    /// Pass it as `after` for the next page: the last event's `sequence`, or (when there is
    /// none) the feed's position when it was read. No event will ever commit at or before it.
    #[schema(format = Int64, example = 42)]
    pub next_after: i64,
}

/// One gated read of the feed: the client's organisation's events after `after`.
async fn read_page(
    state: &web::Data<AppState>,
    partner: Partner,
    req: &HttpRequest,
) -> Result<(EventPage, i64), ApiError> {
    let op = Op::new(Action::ReadEvents, "event.list", "event");
    partner_work::read(state, partner, req, op, move |work, q: EventFeedQuery| {
        let types = match q.types.as_deref() {
            Some(raw) => {
                parse_type_filter(raw).map_err(|detail| ApiError::bad_parameter("type", detail))?
            }
            None => Vec::new(),
        };
        let after = q.after.unwrap_or(0);
        // The head first: every event at or before it has committed, so none of the
        // organisation's can appear there later.
        let (head, pruned) = events::head(work.conn())?;
        if after < pruned {
            return Err(ApiError::Gone(format!(
                "the events up to {pruned} were removed after their retention period; read again from after={pruned}"
            )));
        }
        let organisation_id = work.organisation().id;
        let found = events::list(
            work.conn(),
            &EventQuery {
                after,
                types,
                organisation_id: Some(organisation_id),
                limit: i64::from(q.limit.unwrap_or(100)),
            },
        )?;
        let next_after = found
            .last()
            .map_or_else(|| head.max(after), |last| last.position);
        work.detail("returned", found.len()).detail("after", after);
        let page = EventPage {
            items: found.iter().map(CloudEvent::from).collect(),
            next_after,
        };
        Ok((page, i64::from(q.wait.unwrap_or(0))))
    })
    .await
}

/// Read the event feed of my organisation
///
/// For a machine client with the `events` scope: the changes that concern its organisation
/// (the referrals addressed to it and their answers, its own registration…), in commit order,
/// as CloudEvents 1.0 with ids only. Replay from any point with `after` (the `sequence` of the
/// last event processed); an event that commits later never has a lower `sequence` than one
/// already read. With `wait`, an empty answer is held until an event arrives or the seconds
/// pass. Events are kept for `SOCIALCARE_EVENT_RETENTION_DAYS` (default 30): a reader further
/// behind gets 410.
#[utoipa::path(
    tag = "partners",
    operation_id = "list_events",
    params(EventFeedQuery),
    responses(
        (status = 200, description = "One page of the feed.", body = EventPage),
        (status = 400, description = "Invalid parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token, or the client is disabled.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a machine client, or no `events` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Events after `after` were removed after their retention period.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    partner: Partner,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let (mut page, wait) = read_page(&state, partner.clone(), &req).await?;
    let deadline = started + Duration::from_secs(u64::try_from(wait).unwrap_or(0));
    let mut seen = page.next_after;
    while page.items.is_empty() && Instant::now() < deadline {
        // A change committed by this process wakes the request at once; those of other
        // processes are seen at the next look.
        tokio::select! {
            () = tokio::time::sleep(POLL_EVERY) => {}
            () = state.feed_moved.notified() => {}
        }
        let db = state.db.clone();
        // The head only (no event, nothing of anybody): the gated read runs when it moves.
        let (head, _) = blocking(move || Ok(db.with_conn(events::head)?)).await?;
        if head > seen {
            page = read_page(&state, partner.clone(), &req).await?.0;
            seen = head.max(page.next_after);
        }
    }
    Ok(HttpResponse::Ok().json(page))
}
