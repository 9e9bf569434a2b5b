//! The events the office publishes to its partners' systems: which changes are published, how
//! their CloudEvents type is named, and what a reader may filter on.
//!
//! An event says that a resource changed (its type, id and version), never what it holds: no
//! names, no content, no special-category data. The changes of special-category data and of
//! break-glass access are not published at all, since even their type would tell.

use crate::access::Action;

/// The prefix of every event type (reverse DNS of the office, CloudEvents §3.1.1).
pub const TYPE_PREFIX: &str = "it.comune.socialcare.";

/// The longest type a reader may name.
pub const TYPE_MAX_CHARS: usize = 120;

/// How many types one feed request may filter on.
pub const MAX_TYPE_FILTERS: usize = 20;

/// Whether a change decided as `action` is published as an event.
pub fn publishes(action: Action) -> bool {
    !matches!(
        action,
        Action::ReadSensitive
            | Action::WriteSensitive
            | Action::RequestBreakGlass
            | Action::ReviewBreakGlass
            | Action::ManageStaffAccounts
            | Action::ImportRecords
            | Action::CopyPersonalData
            | Action::ApplyRetention
    )
}

/// The CloudEvents type of a change recorded in the audit trail as `event_code`
/// (`referral.create` → `it.comune.socialcare.referral.create`).
pub fn event_type(event_code: &str) -> String {
    format!("{TYPE_PREFIX}{event_code}")
}

/// Parses the `type` filter of a feed request: comma-separated event types, each the prefix
/// followed by 1-80 characters among `a-z 0-9 . _`; at most [`MAX_TYPE_FILTERS`].
pub fn parse_type_filter(raw: &str) -> Result<Vec<String>, String> {
    let types: Vec<String> = raw
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    if types.len() > MAX_TYPE_FILTERS {
        return Err(format!("at most {MAX_TYPE_FILTERS} types"));
    }
    for t in &types {
        let ok = t.len() <= TYPE_MAX_CHARS
            && t.strip_prefix(TYPE_PREFIX).is_some_and(|rest| {
                !rest.is_empty()
                    && rest.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_'
                    })
            });
        if !ok {
            return Err(format!(
                "`{t}` is not an event type (`{TYPE_PREFIX}` followed by a-z, 0-9, `.`, `_`)"
            ));
        }
    }
    Ok(types)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_categories_and_break_glass_are_never_published() {
        assert!(!publishes(Action::WriteSensitive));
        assert!(!publishes(Action::RequestBreakGlass));
        assert!(publishes(Action::WriteCaseContent));
        assert!(publishes(Action::AnswerAddressedReferrals));
        assert_eq!(
            event_type("referral.create"),
            "it.comune.socialcare.referral.create"
        );
    }

    #[test]
    fn type_filters() {
        assert_eq!(
            parse_type_filter(
                "it.comune.socialcare.referral.create, it.comune.socialcare.referral.accept"
            ),
            Ok(vec![
                "it.comune.socialcare.referral.create".to_owned(),
                "it.comune.socialcare.referral.accept".to_owned()
            ])
        );
        assert_eq!(parse_type_filter(""), Ok(vec![]));
        for bad in [
            "referral.create",
            "it.comune.socialcare.",
            "it.comune.socialcare.Referral",
            "it.comune.socialcare.a b",
        ] {
            assert!(parse_type_filter(bad).is_err(), "{bad}");
        }
        let many = vec!["it.comune.socialcare.x"; 21].join(",");
        assert!(parse_type_filter(&many).is_err());
    }
}
