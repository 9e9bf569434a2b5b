//! In-memory store of failed logins per account and per client address.
//!
//! The rule is in `socialcare_domain::throttle`; this keeps the windows. State is per process:
//! with several instances behind a load balancer each instance throttles on its own, which still
//! bounds guessing to (instances × limit) per window.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use socialcare_domain::throttle::{FailureWindow, ThrottleDecision, ThrottlePolicy};

/// Keys above which idle entries are swept on the next failure.
const SWEEP_THRESHOLD: usize = 10_000;

/// Failed-login throttle.
#[derive(Debug)]
pub struct LoginThrottle {
    per_account: ThrottlePolicy,
    per_address: ThrottlePolicy,
    windows: Mutex<HashMap<String, FailureWindow>>,
}

impl LoginThrottle {
    /// A throttle with the two policies.
    pub fn new(per_account: ThrottlePolicy, per_address: ThrottlePolicy) -> Self {
        Self {
            per_account,
            per_address,
            windows: Mutex::new(HashMap::new()),
        }
    }

    fn keys(account: &str, address: &str) -> [(String, bool); 2] {
        [
            (format!("account:{account}"), true),
            (format!("address:{address}"), false),
        ]
    }

    fn policy(&self, is_account: bool) -> &ThrottlePolicy {
        if is_account {
            &self.per_account
        } else {
            &self.per_address
        }
    }

    /// Decides whether a login attempt may proceed; when blocked, the longest wait of the two keys.
    pub fn check(&self, account: &str, address: &str, now: DateTime<Utc>) -> ThrottleDecision {
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut worst = ThrottleDecision::Allowed;
        for (key, is_account) in Self::keys(account, address) {
            if let Some(window) = windows.get_mut(&key)
                && let ThrottleDecision::Blocked { retry_after_secs } =
                    window.check(self.policy(is_account), now)
            {
                worst = match worst {
                    ThrottleDecision::Blocked {
                        retry_after_secs: previous,
                    } if previous >= retry_after_secs => worst,
                    _ => ThrottleDecision::Blocked { retry_after_secs },
                };
            }
        }
        worst
    }

    /// Records a failed attempt for both keys.
    pub fn record_failure(&self, account: &str, address: &str, now: DateTime<Utc>) {
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > SWEEP_THRESHOLD {
            windows.retain(|key, window| {
                let policy = if key.starts_with("account:") {
                    &self.per_account
                } else {
                    &self.per_address
                };
                !window.is_idle(policy, now)
            });
        }
        for (key, is_account) in Self::keys(account, address) {
            windows
                .entry(key)
                .or_default()
                .record_failure(self.policy(is_account), now);
        }
    }

    /// Forgets the failures of an account after a successful login.
    pub fn clear_account(&self, account: &str) {
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        windows.remove(&format!("account:{account}"));
    }
}
