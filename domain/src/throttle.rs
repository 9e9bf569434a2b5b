//! Throttling of repeated failed logins.
//!
//! A key (an account name or a client address) is blocked once it has collected
//! `max_failures` failed attempts inside a sliding `window`; it is free again as soon as the
//! oldest of those failures leaves the window. A successful login clears the account's key.
//! The functions are pure: the caller passes the current instant.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};

/// How many failures are tolerated in which window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures allowed inside the window before the key is blocked.
    pub max_failures: u32,
    /// Length of the sliding window.
    pub window: Duration,
}

/// Outcome of a throttle check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleDecision {
    /// The attempt may proceed.
    Allowed,
    /// The attempt is refused; the client may retry after this many whole seconds (at least 1).
    Blocked {
        /// Seconds until the key is free again.
        retry_after_secs: u64,
    },
}

/// The recent failures of one key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailureWindow {
    failures: VecDeque<DateTime<Utc>>,
}

impl FailureWindow {
    /// Drops failures older than the policy's window.
    fn prune(&mut self, policy: &ThrottlePolicy, now: DateTime<Utc>) {
        while let Some(first) = self.failures.front() {
            if *first + policy.window <= now {
                self.failures.pop_front();
            } else {
                break;
            }
        }
    }

    /// Decides whether a new attempt may proceed at `now`.
    pub fn check(&mut self, policy: &ThrottlePolicy, now: DateTime<Utc>) -> ThrottleDecision {
        self.prune(policy, now);
        if (self.failures.len() as u64) < u64::from(policy.max_failures) {
            return ThrottleDecision::Allowed;
        }
        // Blocked until enough failures leave the window to go back under the limit.
        let excess = self.failures.len() + 1 - policy.max_failures.max(1) as usize;
        let release = self
            .failures
            .get(excess.saturating_sub(1))
            .map_or(now, |t| *t + policy.window);
        let secs = (release - now).num_milliseconds().max(0);
        let retry_after_secs = u64::try_from((secs + 999) / 1000).unwrap_or(1).max(1);
        ThrottleDecision::Blocked { retry_after_secs }
    }

    /// Records a failed attempt at `now`.
    pub fn record_failure(&mut self, policy: &ThrottlePolicy, now: DateTime<Utc>) {
        self.prune(policy, now);
        self.failures.push_back(now);
    }

    /// True when no failure is left inside the window (the key can be forgotten).
    pub fn is_idle(&mut self, policy: &ThrottlePolicy, now: DateTime<Utc>) -> bool {
        self.prune(policy, now);
        self.failures.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn policy() -> ThrottlePolicy {
        ThrottlePolicy {
            max_failures: 3,
            window: Duration::minutes(15),
        }
    }

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default()
    }

    #[test]
    fn blocks_after_max_failures_and_releases_with_the_oldest() {
        let p = policy();
        let mut w = FailureWindow::default();
        for i in 0..3 {
            assert_eq!(
                w.check(&p, t0() + Duration::minutes(i)),
                ThrottleDecision::Allowed
            );
            w.record_failure(&p, t0() + Duration::minutes(i));
        }
        assert_eq!(
            w.check(&p, t0() + Duration::minutes(5)),
            ThrottleDecision::Blocked {
                retry_after_secs: 600
            }
        );
        // the first failure leaves the window at minute 15
        assert_eq!(
            w.check(&p, t0() + Duration::minutes(15)),
            ThrottleDecision::Allowed
        );
    }

    #[test]
    fn idle_after_window() {
        let p = policy();
        let mut w = FailureWindow::default();
        w.record_failure(&p, t0());
        assert!(!w.is_idle(&p, t0() + Duration::minutes(1)));
        assert!(w.is_idle(&p, t0() + Duration::minutes(15)));
    }

    proptest! {
        #[test]
        fn never_allows_more_than_max_failures_in_any_window(
            gaps in proptest::collection::vec(0i64..600, 1..60)
        ) {
            let p = policy();
            let mut w = FailureWindow::default();
            let mut now = t0();
            let mut accepted: Vec<DateTime<Utc>> = Vec::new();
            for gap in gaps {
                now += Duration::seconds(gap);
                match w.check(&p, now) {
                    ThrottleDecision::Allowed => {
                        w.record_failure(&p, now);
                        accepted.push(now);
                    }
                    ThrottleDecision::Blocked { retry_after_secs } => {
                        prop_assert!(retry_after_secs >= 1);
                        prop_assert!(retry_after_secs <= 15 * 60);
                    }
                }
                let in_window = accepted.iter().filter(|t| **t + p.window > now).count();
                prop_assert!(in_window <= p.max_failures as usize);
            }
        }
    }
}
