//! Refresh-token rotation (RFC 6819 §5.2.2.3, OAuth 2.0 Security BCP §4.14).
//!
//! Every refresh token is used once: using it yields a new token of the same family and marks
//! the old one as used. Presenting a used token again means that it leaked: the whole family is
//! revoked, which logs out both the thief and the legitimate client.

use chrono::{DateTime, Utc};

/// What the store knows about a presented refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshTokenState {
    /// When the token stops being valid.
    pub expires_at: DateTime<Utc>,
    /// When it was exchanged for a new one, if it was.
    pub used_at: Option<DateTime<Utc>>,
    /// When it (or its family) was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Whether the account it belongs to is active.
    pub user_active: bool,
}

/// The decision on a refresh attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshDecision {
    /// Rotate: mark this token used and issue a new one in the same family.
    Rotate,
    /// The token was already used: revoke the whole family and refuse.
    ReuseDetected,
    /// The token was revoked (logout, reuse, disabled account): refuse.
    Revoked,
    /// The token expired: refuse.
    Expired,
    /// The account is disabled: revoke the family and refuse.
    AccountDisabled,
}

/// Decides what to do with a presented refresh token at `now`.
pub fn decide(state: &RefreshTokenState, now: DateTime<Utc>) -> RefreshDecision {
    if state.revoked_at.is_some() {
        RefreshDecision::Revoked
    } else if state.used_at.is_some() {
        RefreshDecision::ReuseDetected
    } else if !state.user_active {
        RefreshDecision::AccountDisabled
    } else if state.expires_at <= now {
        RefreshDecision::Expired
    } else {
        RefreshDecision::Rotate
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn state() -> (RefreshTokenState, DateTime<Utc>) {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        (
            RefreshTokenState {
                expires_at: now + Duration::hours(1),
                used_at: None,
                revoked_at: None,
                user_active: true,
            },
            now,
        )
    }

    #[test]
    fn fresh_token_rotates() {
        let (s, now) = state();
        assert_eq!(decide(&s, now), RefreshDecision::Rotate);
    }

    #[test]
    fn used_token_is_reuse_even_when_expired() {
        let (mut s, now) = state();
        s.used_at = Some(now);
        assert_eq!(
            decide(&s, now + Duration::hours(2)),
            RefreshDecision::ReuseDetected
        );
    }

    #[test]
    fn revoked_wins_over_everything() {
        let (mut s, now) = state();
        s.used_at = Some(now);
        s.revoked_at = Some(now);
        s.user_active = false;
        assert_eq!(decide(&s, now), RefreshDecision::Revoked);
    }

    #[test]
    fn expiry_is_exclusive_and_disabled_accounts_are_refused() {
        let (mut s, now) = state();
        assert_eq!(decide(&s, s.expires_at), RefreshDecision::Expired);
        s.user_active = false;
        assert_eq!(decide(&s, now), RefreshDecision::AccountDisabled);
    }
}
