//! The webhook deliverer: workers inside every server process that take the lease of a due
//! subscription, send it the next events of its organisation in commit order, signed as the
//! Standard Webhooks specification says (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature`: HMAC-SHA256 of `id.timestamp.body` with the subscription's secret), and
//! record the run: the position reached, the attempts in the delivery log, and after a failure
//! the next attempt (exponential backoff with jitter, up to a day). A subscription that fails
//! `SOCIALCARE_WEBHOOK_MAX_FAILURES` times in a row is disabled, and its client told by an
//! event of the feed.
//!
//! Delivery is at least once: a run that ends without recording (the process dies, the lease
//! expires) is sent again by the next run; receivers drop duplicates by `webhook-id`.

use std::time::{Duration, Instant};

use actix_web::web;
use chrono::Utc;
use rand::Rng;
use socialcare_domain::access::Action;
use socialcare_domain::webhooks::{disables, receives, retry_delay};
use socialcare_persistence::audit::{self, NewAuditRecord, Outcome};
use socialcare_persistence::events::{self, EventQuery, EventRow};
use socialcare_persistence::sql_types::{DbInstant, DbUuid};
use socialcare_persistence::webhooks::{self, Attempt, Leased, RunEnd};
use standardwebhooks::Webhook;
use uuid::Uuid;

use crate::error::{ApiError, blocking};
use crate::routes::events::CloudEvent;
use crate::state::AppState;

/// How long a worker holds a subscription's lease; a run stops well before it ends.
const LEASE: Duration = Duration::from_secs(60);
/// The longest run on one subscription before its lease is given back.
const RUN_BUDGET: Duration = Duration::from_secs(20);
/// Events read per run.
const BATCH: i64 = 500;
/// How long an idle worker waits before looking again.
const IDLE: Duration = Duration::from_millis(200);
/// Worker loops per server process.
pub const WORKERS: usize = 2;

/// What a worker needs.
#[derive(Clone)]
pub struct Deliverer {
    http: reqwest::Client,
    owner: Uuid,
}

impl Deliverer {
    /// A deliverer whose requests time out after `timeout`.
    pub fn new(timeout: Duration) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("socialcare-webhooks/1")
            .build()?;
        Ok(Self {
            http,
            owner: Uuid::now_v7(),
        })
    }

    /// Another worker sharing the HTTP connections, with a lease owner of its own.
    pub fn another(&self) -> Self {
        Self {
            http: self.http.clone(),
            owner: Uuid::now_v7(),
        }
    }
}

/// Runs a worker until the server stops.
pub async fn work(state: web::Data<AppState>, deliverer: Deliverer) {
    loop {
        match run_once(&state, &deliverer).await {
            Ok(true) => {}
            Ok(false) => tokio::time::sleep(IDLE).await,
            Err(error) => {
                tracing::warn!(%error, "webhook delivery failed");
                tokio::time::sleep(IDLE).await;
            }
        }
    }
}

/// One run on one due subscription; `false` when none was due.
pub async fn run_once(
    state: &web::Data<AppState>,
    deliverer: &Deliverer,
) -> Result<bool, ApiError> {
    let owner = deliverer.owner;
    let db = state.db.clone();
    let leased = blocking(move || {
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
        Ok(db.write(|c| webhooks::lease(c, owner, now, until))?)
    })
    .await?;
    let Some(leased) = leased else {
        return Ok(false);
    };
    let db = state.db.clone();
    let (after, organisation) = (
        leased.subscription.delivered_through,
        leased.organisation_id,
    );
    let found = blocking(move || {
        Ok(db.with_conn(|c| {
            events::list(
                c,
                &EventQuery {
                    after,
                    types: Vec::new(),
                    organisation_id: Some(organisation),
                    limit: BATCH,
                },
            )
        })?)
    })
    .await?;
    let end = deliver(deliverer, &leased, found, state.webhook_max_failures).await;
    let db = state.db.clone();
    let id = leased.subscription.id;
    blocking(move || {
        db.write(|c| -> Result<(), ApiError> {
            if !webhooks::end_run(c, id, owner, &end)? {
                // The lease expired and another worker took the subscription: it sends again.
                return Ok(());
            }
            if let Some(reason) = &end.disabled {
                disabled(c, &leased, reason)?;
            }
            Ok(())
        })
    })
    .await?;
    Ok(true)
}

/// Sends the events in order until one fails or the run's budget is spent.
async fn deliver(
    deliverer: &Deliverer,
    leased: &Leased,
    found: Vec<EventRow>,
    max_failures: u32,
) -> RunEnd {
    let subscription = &leased.subscription;
    let started = Instant::now();
    let complete = i64::try_from(found.len()).unwrap_or(i64::MAX) < BATCH;
    let mut through = subscription.delivered_through;
    let mut attempts = Vec::new();
    let mut failed = false;
    let mut stopped = false;
    let signer = Webhook::new(&subscription.secret).ok();
    for event in found.iter().filter(|e| e.position <= leased.head) {
        if !receives(&subscription.event_types, &event.event_type) {
            through = event.position;
            continue;
        }
        if started.elapsed() > RUN_BUDGET {
            stopped = true;
            break;
        }
        let attempt = send(
            deliverer,
            signer.as_ref(),
            &subscription.url,
            subscription.id,
            event,
        )
        .await;
        let ok = attempt.succeeded;
        attempts.push(attempt);
        if !ok {
            failed = true;
            break;
        }
        through = event.position;
    }
    // Every event of the organisation up to the head was read and sent: nothing can commit
    // there later, so the subscription moves to the head.
    if complete && !failed && !stopped {
        through = through.max(leased.head);
    }
    let now = Utc::now();
    if failed {
        let failures = subscription.consecutive_failures.saturating_add(1);
        let jitter = rand::rng().random_range(0.5..=1.0);
        let wait = chrono::Duration::from_std(retry_delay(failures, jitter)).unwrap_or_default();
        RunEnd {
            delivered_through: through,
            consecutive_failures: failures,
            next_attempt_at: now + wait,
            disabled: disables(failures, max_failures)
                .then(|| format!("disabled after {failures} failed deliveries in a row")),
            attempts,
        }
    } else {
        RunEnd {
            delivered_through: through,
            consecutive_failures: if attempts.is_empty() {
                subscription.consecutive_failures
            } else {
                0
            },
            next_attempt_at: now,
            disabled: None,
            attempts,
        }
    }
}

/// One signed POST of one event.
async fn send(
    deliverer: &Deliverer,
    signer: Option<&Webhook>,
    url: &str,
    subscription_id: Uuid,
    event: &EventRow,
) -> Attempt {
    let started = Instant::now();
    let attempted_at = Utc::now();
    let body = serde_json::to_string(&CloudEvent::from(event)).unwrap_or_default();
    let id = event.id.0.to_string();
    let timestamp = attempted_at.timestamp();
    let signature = signer.and_then(|s| s.sign(&id, timestamp, body.as_bytes()).ok());
    let outcome = match signature {
        None => Err("the subscription's secret cannot sign".to_owned()),
        Some(signature) => deliverer
            .http
            .post(url)
            .header("content-type", "application/cloudevents+json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .map(|r| r.status().as_u16())
            .map_err(|e| describe(&e)),
    };
    let duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    let (succeeded, status_code, error) = match outcome {
        Ok(status) => ((200..300).contains(&status), Some(i32::from(status)), None),
        Err(error) => (false, None, Some(error)),
    };
    Attempt {
        id: DbUuid(Uuid::now_v7()),
        subscription_id: DbUuid(subscription_id),
        event_position: event.position,
        event_id: event.id,
        attempted_at: DbInstant(attempted_at),
        succeeded,
        status_code,
        error,
        duration_ms,
    }
}

fn describe(error: &reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "the receiver did not answer in time"
    } else if error.is_connect() {
        "the receiver could not be reached"
    } else {
        "the request failed"
    };
    what.to_owned()
}

/// The office disabled a subscription: recorded in the audit trail (the office as actor) and
/// told to the client by an event of the feed (after the audit record: one lock order).
fn disabled(
    conn: &mut socialcare_persistence::AnyConnection,
    leased: &Leased,
    reason: &str,
) -> Result<(), ApiError> {
    let now = Utc::now();
    let id = leased.subscription.id.to_string();
    audit::append(
        conn,
        NewAuditRecord {
            occurred_at: now,
            actor_id: None,
            actor_username: Some("system:webhooks".into()),
            actor_roles: Vec::new(),
            action: "webhook_subscription.disable".into(),
            resource_type: "webhook_subscription".into(),
            resource_id: Some(id.clone()),
            outcome: Outcome::Success,
            request_id: None,
            client_addr: None,
            details: Some(
                serde_json::json!({"reason": reason, "client_id": leased.subscription.client_id})
                    .to_string(),
            ),
            persons: Vec::new(),
            purpose: None,
            break_glass: false,
            read_only: false,
        },
    )?;
    crate::outbox::record(
        conn,
        &crate::outbox::Change {
            action: Action::ReadEvents,
            code: "webhook_subscription.disable",
            resource_type: "webhook_subscription",
            resource_id: Some(&id),
            version: None,
            organisation_id: Some(leased.organisation_id),
            time: now,
        },
    )
}
