//! Webhook subscriptions of partners' machine clients: which events a subscription receives,
//! how long the delivery waits after a failure (exponential backoff with jitter, up to a day),
//! and when a subscription that keeps failing is disabled.

use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::events::parse_type_filter;

/// A webhook subscription of a machine client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Identifier.
    pub id: Uuid,
    /// The client that subscribed.
    pub client_id: Uuid,
    /// Where the events are sent.
    pub url: String,
    /// The event types it receives (none: every event of the organisation).
    pub event_types: Vec<String>,
    /// The signing secret (`whsec_…`).
    pub secret: String,
    /// Whether events are sent.
    pub enabled: bool,
    /// Why it was disabled, when the office disabled it.
    pub disabled_reason: Option<String>,
    /// The position of the last event sent (or passed over as not of its types).
    pub delivered_through: i64,
    /// Failures since the last success.
    pub consecutive_failures: u32,
    /// Not before this instant is the next attempt made.
    pub next_attempt_at: DateTime<Utc>,
    /// Version (ETag).
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
}

/// The longest wait between two attempts: a day.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(24 * 3600);

/// The wait after the first failure.
pub const FIRST_RETRY_DELAY: Duration = Duration::from_secs(1);

/// The wait before the next attempt after `failures` consecutive failures (at least 1):
/// `FIRST_RETRY_DELAY · 2^(failures − 1)`, capped at [`MAX_RETRY_DELAY`], then scaled by
/// `jitter` in `[0.5, 1]` ("equal jitter": never less than half the delay, so retries of many
/// subscriptions spread without coming back at once).
pub fn retry_delay(failures: u32, jitter: f64) -> Duration {
    let exponent = failures.saturating_sub(1).min(31);
    let full = FIRST_RETRY_DELAY
        .saturating_mul(1u32 << exponent)
        .min(MAX_RETRY_DELAY);
    full.mul_f64(jitter.clamp(0.5, 1.0))
}

/// Whether a subscription that has failed `failures` times in a row is disabled, with
/// `max_failures` the configured run of failures.
pub fn disables(failures: u32, max_failures: u32) -> bool {
    failures >= max_failures
}

/// The event types a subscription names: comma-separated (as the feed's `type` filter), none
/// for every event of the organisation.
pub fn parse_event_types(raw: &[String]) -> Result<Vec<String>, String> {
    let mut types = parse_type_filter(&raw.join(","))?;
    types.sort();
    types.dedup();
    Ok(types)
}

/// Whether a subscription to `types` (none: all) receives an event of `event_type`.
pub fn receives(types: &[String], event_type: &str) -> bool {
    types.is_empty() || types.iter().any(|t| t == event_type)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_delay_doubles_up_to_a_day() {
        assert_eq!(retry_delay(1, 1.0), Duration::from_secs(1));
        assert_eq!(retry_delay(2, 1.0), Duration::from_secs(2));
        assert_eq!(retry_delay(5, 1.0), Duration::from_secs(16));
        assert_eq!(retry_delay(17, 1.0), Duration::from_secs(65_536));
        assert_eq!(retry_delay(18, 1.0), MAX_RETRY_DELAY);
        assert_eq!(retry_delay(1000, 1.0), MAX_RETRY_DELAY);
        assert_eq!(retry_delay(2, 0.5), Duration::from_secs(1));
        // Jitter out of range is clamped.
        assert_eq!(retry_delay(2, 0.0), Duration::from_secs(1));
        assert_eq!(retry_delay(2, 7.0), Duration::from_secs(2));
    }

    #[test]
    fn subscriptions_filter_by_type() {
        let types = parse_event_types(&[
            "it.comune.socialcare.referral.create".into(),
            "it.comune.socialcare.referral.create".into(),
        ])
        .unwrap_or_default();
        assert_eq!(types.len(), 1);
        assert!(receives(&types, "it.comune.socialcare.referral.create"));
        assert!(!receives(&types, "it.comune.socialcare.referral.close"));
        assert!(receives(&[], "it.comune.socialcare.referral.close"));
        assert!(parse_event_types(&["referral.create".into()]).is_err());
        assert!(disables(3, 3));
        assert!(!disables(2, 3));
    }

    proptest! {
        #[test]
        fn delays_grow_and_stay_within_a_day(failures in 1u32..200, jitter in 0.0f64..2.0) {
            let delay = retry_delay(failures, jitter);
            prop_assert!(delay <= MAX_RETRY_DELAY);
            prop_assert!(delay >= retry_delay(failures, 1.0) / 2);
            prop_assert!(retry_delay(failures + 1, 1.0) >= retry_delay(failures, 1.0));
        }
    }
}
