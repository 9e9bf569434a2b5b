//! Rate limits per caller: every staff member, every partner's machine client and, for requests
//! without a valid access token, every client address has its own quota of requests per minute,
//! kept by the `governor` crate (the generic cell rate algorithm: a bucket of `limit` requests
//! refilled one every `60 / limit` seconds, so a caller may burst up to the whole quota and then
//! goes on at the refill rate).
//!
//! Every response carries `X-RateLimit-Limit` (the quota), `X-RateLimit-Remaining` (the
//! requests the caller may still send at once) and `X-RateLimit-Reset` (the seconds until the
//! bucket is full again), as the Italian API guidelines ask; a refused request gets 429 with
//! `Retry-After`. The quota is kept in the memory of each server process: with several processes
//! behind a load balancer a caller may send up to the quota to each of them (see
//! docs/configuration.md).

use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

/// `X-RateLimit-Limit`: the caller's quota of requests per minute.
pub const LIMIT_HEADER: &str = "x-ratelimit-limit";
/// `X-RateLimit-Remaining`: how many requests the caller may still send at once.
pub const REMAINING_HEADER: &str = "x-ratelimit-remaining";
/// `X-RateLimit-Reset`: seconds until the caller's quota is whole again.
pub const RESET_HEADER: &str = "x-ratelimit-reset";

/// Who a quota belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Quotum {
    /// A staff member (the `sub` of a valid access token).
    User(String),
    /// A partner's machine client (the `sub` of a valid client token).
    Client(String),
    /// A request without a valid access token, by client address.
    Address(String),
}

/// The state of a caller's quota after a request was counted (or refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// The quota per minute.
    pub limit: u32,
    /// Requests the caller may still send at once.
    pub remaining: u32,
    /// Seconds until the quota is whole again.
    pub reset_secs: u64,
    /// For a refused request: seconds to wait before the next one is accepted.
    pub retry_after_secs: Option<u64>,
}

impl Standing {
    /// Writes the three rate-limit headers (and `Retry-After` for a refused request).
    pub fn write(&self, headers: &mut HeaderMap) {
        let pairs = [
            (LIMIT_HEADER, u64::from(self.limit)),
            (REMAINING_HEADER, u64::from(self.remaining)),
            (RESET_HEADER, self.reset_secs),
        ];
        for (name, value) in pairs {
            headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
        }
        if let Some(wait) = self.retry_after_secs {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(wait));
        }
    }
}

type Limiter =
    RateLimiter<Quotum, DefaultKeyedStateStore<Quotum>, DefaultClock, StateInformationMiddleware>;

/// The quotas of one server process.
pub struct RateLimits {
    limiter: Limiter,
    limit: NonZeroU32,
    /// Time to earn back one request.
    refill: Duration,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("limit", &self.limit)
            .field("tracked", &self.limiter.len())
            .finish_non_exhaustive()
    }
}

impl RateLimits {
    /// Quotas of `per_minute` requests per minute for every caller.
    pub fn per_minute(per_minute: NonZeroU32) -> Self {
        let quota = Quota::per_minute(per_minute);
        Self {
            limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
            limit: per_minute,
            refill: quota.replenish_interval(),
        }
    }

    /// Counts one request of `who` and tells whether it may be served.
    pub fn check(&self, who: &Quotum) -> Standing {
        let limit = self.limit.get();
        match self.limiter.check_key(who) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity().min(limit);
                Standing {
                    limit,
                    remaining,
                    reset_secs: self.seconds_for(limit - remaining),
                    retry_after_secs: None,
                }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.limiter.clock().now());
                Standing {
                    limit,
                    remaining: 0,
                    reset_secs: self.seconds_for(limit),
                    retry_after_secs: Some(ceil_secs(wait).max(1)),
                }
            }
        }
    }

    /// Forgets the callers whose quota is whole again (run periodically: memory stays
    /// proportional to the callers of the last minute).
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    /// How many callers are being tracked.
    pub fn tracked(&self) -> usize {
        self.limiter.len()
    }

    fn seconds_for(&self, requests: u32) -> u64 {
        ceil_secs(self.refill.saturating_mul(requests))
    }
}

fn ceil_secs(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(n: u32) -> RateLimits {
        RateLimits::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
    }

    #[test]
    fn a_caller_may_burst_the_whole_quota_then_waits_for_the_refill() {
        let limits = limits(3);
        let who = Quotum::User("u".into());
        let seen: Vec<(u32, Option<u64>)> = (0..4)
            .map(|_| {
                let s = limits.check(&who);
                (s.remaining, s.retry_after_secs)
            })
            .collect();
        assert_eq!(seen[..3], [(2, None), (1, None), (0, None)]);
        let refused = seen[3];
        assert_eq!(refused.0, 0);
        // One request comes back every 20 s.
        assert!(
            matches!(refused.1, Some(s) if (19..=20).contains(&s)),
            "{refused:?}"
        );
    }

    #[test]
    fn the_reset_is_the_time_to_refill_what_was_used() {
        let limits = limits(60);
        let who = Quotum::Client("c".into());
        let first = limits.check(&who);
        assert_eq!(
            (first.limit, first.remaining, first.reset_secs),
            (60, 59, 1)
        );
        for _ in 0..9 {
            limits.check(&who);
        }
        let tenth = limits.check(&who);
        assert_eq!(tenth.remaining, 49);
        assert!((10..=11).contains(&tenth.reset_secs), "{tenth:?}");
    }

    #[test]
    fn callers_have_separate_quotas() {
        let limits = limits(1);
        assert_eq!(
            limits.check(&Quotum::User("a".into())).retry_after_secs,
            None
        );
        assert!(
            limits
                .check(&Quotum::User("a".into()))
                .retry_after_secs
                .is_some()
        );
        assert_eq!(
            limits.check(&Quotum::User("b".into())).retry_after_secs,
            None
        );
        assert_eq!(
            limits.check(&Quotum::Client("a".into())).retry_after_secs,
            None
        );
        assert_eq!(
            limits.check(&Quotum::Address("a".into())).retry_after_secs,
            None
        );
        assert_eq!(limits.tracked(), 4);
    }

    #[test]
    fn headers_are_written() {
        let mut headers = HeaderMap::new();
        Standing {
            limit: 10,
            remaining: 0,
            reset_secs: 60,
            retry_after_secs: Some(6),
        }
        .write(&mut headers);
        let get = |n: &str| {
            headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        assert_eq!(get(LIMIT_HEADER).as_deref(), Some("10"));
        assert_eq!(get(REMAINING_HEADER).as_deref(), Some("0"));
        assert_eq!(get(RESET_HEADER).as_deref(), Some("60"));
        assert_eq!(get("retry-after").as_deref(), Some("6"));
    }
}
