//! The case file (cartella sociale): its lifecycle, reference, target groups, assessments,
//! diary, team, consents and referrals.
//!
//! A person is taken in charge (presa in carico) by opening a case file in an area. The file
//! moves `intake` → `active` ⇄ `suspended` → `closed`, and a closed file can be reopened (back to
//! `active`). Every rule here is a pure function: callers pass the current state and, where time
//! matters, `now` or `today`.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use crate::dates::check_not_future;
use crate::error::{FieldError, ValidationErrors};

/// Implements `ALL`, `as_str`, `Display` and `FromStr` for a fieldless enum from its code table.
///
/// The variants must be listed in declaration order.
macro_rules! coded_enum {
    ($ty:ident, $what:literal, { $($variant:ident => $code:literal),+ $(,)? }) => {
        impl $ty {
            #[doc = concat!("Every ", $what, ", in a stable order.")]
            pub const ALL: [$ty; [$($code),+].len()] = [$($ty::$variant),+];

            /// The code used in the API and in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $code,)+
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $ty::ALL
                    .into_iter()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| format!(concat!("unknown ", $what, " `{}`"), s))
            }
        }
    };
}

pub(crate) use coded_enum;

/// Formats codes as `` `a`, `b` ``, or `none` when there are none.
pub(crate) fn code_list<T: fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        return "none".to_owned();
    }
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Formats the exclusive end of a period: `until <date>` or `with no end date`.
fn until_text(until: &Option<NaiveDate>) -> String {
    match until {
        Some(date) => format!("until {date}"),
        None => "with no end date".to_owned(),
    }
}

mod assessment;
mod consent;
mod diary;
mod lifecycle;
mod opening;
mod records;
mod reference;
mod referral;
mod requests;
mod staffing;
mod team;

pub use assessment::*;
pub use consent::*;
pub use diary::*;
pub use lifecycle::*;
pub use opening::*;
pub use records::*;
pub use reference::*;
pub use referral::*;
pub use requests::*;
pub use staffing::*;
pub use team::*;

#[cfg(test)]
mod casework_tests;
#[cfg(test)]
mod consent_and_referral_tests;
#[cfg(test)]
mod tests;
