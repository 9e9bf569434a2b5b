//! Small helpers of the generator: weighted choices, identifiers and instants derived from the
//! random stream (never from the clock), and day arithmetic.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, RngCore};
use socialcare_persistence::sql_types::DbInstant;
use uuid::Uuid;

/// One element of a non-empty slice, uniformly. An empty slice is a bug of the catalogue: the
/// generator's lists are constants, so the fallback (`None`) is never reached in practice.
pub fn pick_ref<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    let i = rng.random_range(0..items.len().max(1));
    &items[i.min(items.len().saturating_sub(1))]
}

/// [`pick_ref`] for values that are copied (codes, ids, texts).
pub fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    *pick_ref(rng, items)
}

/// One element of `items` with probability proportional to its weight.
pub fn weighted<'a, T>(rng: &mut StdRng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| *w).sum();
    let mut ticket = rng.random_range(0..total.max(1));
    for (item, weight) in items {
        if ticket < *weight {
            return item;
        }
        ticket -= weight;
    }
    &items[items.len().saturating_sub(1)].0
}

/// True with probability `p` (clamped to 0..=1).
pub fn chance(rng: &mut StdRng, p: f64) -> bool {
    rng.random_bool(p.clamp(0.0, 1.0))
}

/// A time-ordered UUID (version 7) for a row recorded at `at`, as `Uuid::now_v7()` would have
/// made it then, with its random part taken from the generator's stream: ids sort by creation
/// time like the application's, and the same seed gives the same ids.
pub fn id_at(rng: &mut StdRng, at: DateTime<Utc>) -> Uuid {
    let mut random = [0u8; 10];
    rng.fill_bytes(&mut random);
    let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
}

/// The instant `minute` minutes after midnight UTC of `day`.
pub fn at_minute(day: NaiveDate, minute: u32) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc() + Duration::minutes(i64::from(minute))
}

/// A random instant of office hours (07:30–16:30 UTC, i.e. 08:30–17:30 in Italy in winter) of
/// `day`, with seconds and microseconds.
pub fn office_time(rng: &mut StdRng, day: NaiveDate) -> DateTime<Utc> {
    let seconds = rng.random_range(7 * 3600 + 1800..16 * 3600 + 1800);
    let micros = rng.random_range(0..1_000_000);
    day.and_time(NaiveTime::MIN).and_utc()
        + Duration::seconds(seconds)
        + Duration::microseconds(micros)
}

/// An instant as stored (microseconds, like the application).
pub fn inst(at: DateTime<Utc>) -> DbInstant {
    DbInstant::from(at)
}

/// `day` plus `days` (negative goes back).
pub fn add(day: NaiveDate, days: i64) -> NaiveDate {
    day.checked_add_signed(Duration::days(days)).unwrap_or(day)
}

/// Days from `a` to `b` (negative when `b` is earlier).
pub fn days_between(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days()
}

/// A random day in `[from, to]` (`from` when the range is empty).
pub fn day_between(rng: &mut StdRng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = days_between(from, to);
    if span <= 0 {
        return from;
    }
    add(from, rng.random_range(0..=span))
}

/// The later of two instants.
pub fn later(a: DateTime<Utc>, b: DateTime<Utc>) -> DateTime<Utc> {
    if a > b { a } else { b }
}
