//! Criteria sets: the published rules that score the applications for a resource. Each
//! criterion reads one input of the application (or, for the months on the list, its
//! submission day) and gives points on its scale; a set is versioned and never edited once
//! published: a new version is published with the day it applies from.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use uuid::Uuid;

use crate::case_file::coded_enum;
use crate::error::{FieldError, ValidationErrors};

/// The most points one criterion may give.
pub const MAX_POINTS: u32 = 1_000;

/// The most ISEE bands a criterion may have.
pub const MAX_BANDS: usize = 20;

/// The highest ISEE a band may bound, in euro cents (one million euro).
pub const MAX_ISEE_CENTS: u64 = 100_000_000;

/// What a criterion reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CriterionKind {
    /// Urgency assessed by the social worker, 0 (none) to 3 (very high).
    Urgency,
    /// Support the family gives: `full`, `partial`, `none`.
    FamilySupport,
    /// Disability severity from the person's health and disability data: `none`,
    /// `recognised` (L. 104/1992), `severe` (art. 3 c. 3).
    DisabilitySeverity,
    /// The economic indicator (ISEE) in bands; none declared scores as `missing`.
    Isee,
    /// Whether minors live in the household.
    MinorsInHousehold,
    /// Whole months on the list since the submission, up to a cap.
    MonthsOnList,
}

coded_enum!(CriterionKind, "criterion kind", {
    Urgency => "urgency",
    FamilySupport => "family_support",
    DisabilitySeverity => "disability_severity",
    Isee => "isee",
    MinorsInHousehold => "minors_in_household",
    MonthsOnList => "months_on_list",
});

impl CriterionKind {
    /// For a criterion scored by levels: the level codes, from the least need to the most
    /// (the points of a valid scale never decrease along them).
    pub fn levels(self) -> Option<&'static [&'static str]> {
        match self {
            CriterionKind::Urgency => Some(&["0", "1", "2", "3"]),
            CriterionKind::FamilySupport => Some(&["full", "partial", "none"]),
            CriterionKind::DisabilitySeverity => Some(&["none", "recognised", "severe"]),
            CriterionKind::MinorsInHousehold => Some(&["no", "yes"]),
            CriterionKind::Isee | CriterionKind::MonthsOnList => None,
        }
    }

    /// Whether the application carries an input for it (the months on the list come from the
    /// submission day).
    pub fn takes_input(self) -> bool {
        self != CriterionKind::MonthsOnList
    }
}

/// An ISEE band: an indicator up to `up_to_cents` (inclusive) gives `points`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Band {
    /// The upper bound, in euro cents, inclusive.
    pub up_to_cents: u64,
    /// The points.
    pub points: u32,
}

/// How a criterion gives points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scale {
    /// The points of each level of the kind ([`CriterionKind::levels`]), in its order.
    Levels(Vec<u32>),
    /// ISEE bands by increasing bound; above the last band `above`; no ISEE `missing`.
    Bands {
        /// The bands.
        bands: Vec<Band>,
        /// Points above the last bound.
        above: u32,
        /// Points without a declared ISEE.
        missing: u32,
    },
    /// `per_month` points for each whole month on the list, at most `max`.
    PerMonth {
        /// Points per whole month.
        per_month: u32,
        /// The cap.
        max: u32,
    },
}

/// One criterion of a set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion {
    /// What it reads.
    pub kind: CriterionKind,
    /// How the office names it, 1-200 characters.
    pub label: String,
    /// Its points.
    pub scale: Scale,
}

/// What a version of a criteria set says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriteriaContent {
    /// The set's code, shared by its versions: `a-z 0-9 _`, 1-40 characters.
    pub code: String,
    /// Its title, 1-200 characters.
    pub title: String,
    /// The day it applies from.
    pub effective_from: NaiveDate,
    /// The criteria, at most one of each kind.
    pub criteria: Vec<Criterion>,
}

/// A published version of a criteria set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriteriaSet {
    /// Identifier of this version.
    pub id: Uuid,
    /// The version, 1 for the first of its code.
    pub version: i32,
    /// What it says.
    pub content: CriteriaContent,
    /// When it was published.
    pub created_at: DateTime<Utc>,
    /// Who published it.
    pub created_by: Uuid,
}

/// Checks a set's code: `a-z 0-9 _`, 1-40 characters.
pub fn parse_set_code(raw: &str) -> Result<String, String> {
    let ok = (1..=40).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(raw.to_owned())
    } else {
        Err("must be 1-40 characters among `a-z`, `0-9` and `_`".into())
    }
}

fn check_points(points: u32) -> Result<(), String> {
    if points > MAX_POINTS {
        Err(format!("points must be at most {MAX_POINTS}"))
    } else {
        Ok(())
    }
}

/// Checks a criterion's scale against its kind: the right shape, points 0 to [`MAX_POINTS`],
/// and more need never giving fewer points (levels not decreasing; a lower ISEE band never
/// fewer points than a higher one, nor than `above`); bands by strictly increasing bounds.
pub fn check_scale(kind: CriterionKind, scale: &Scale) -> Result<(), String> {
    match (kind.levels(), kind, scale) {
        (Some(levels), _, Scale::Levels(points)) => {
            if points.len() != levels.len() {
                return Err(format!(
                    "`{kind}` takes {} points, one for each of {}",
                    levels.len(),
                    levels.join(", ")
                ));
            }
            points.iter().try_for_each(|p| check_points(*p))?;
            if points.windows(2).any(|w| w[1] < w[0]) {
                return Err(format!(
                    "more need never gives fewer points: the points of {} must not decrease",
                    levels.join(", ")
                ));
            }
            Ok(())
        }
        (
            None,
            CriterionKind::Isee,
            Scale::Bands {
                bands,
                above,
                missing,
            },
        ) => {
            if bands.is_empty() || bands.len() > MAX_BANDS {
                return Err(format!("`isee` takes 1 to {MAX_BANDS} bands"));
            }
            check_points(*above)?;
            check_points(*missing)?;
            for band in bands {
                check_points(band.points)?;
                if band.up_to_cents == 0 || band.up_to_cents > MAX_ISEE_CENTS {
                    return Err(format!(
                        "a band's bound must be between 0.01 and {} euro",
                        MAX_ISEE_CENTS / 100
                    ));
                }
            }
            if bands
                .windows(2)
                .any(|w| w[1].up_to_cents <= w[0].up_to_cents)
            {
                return Err("the bands' bounds must increase".into());
            }
            if bands.windows(2).any(|w| w[1].points > w[0].points)
                || bands.last().is_some_and(|b| *above > b.points)
            {
                return Err(
                    "a lower ISEE never gives fewer points: the bands' points must not increase"
                        .into(),
                );
            }
            Ok(())
        }
        (None, CriterionKind::MonthsOnList, Scale::PerMonth { per_month, max }) => {
            check_points(*per_month)?;
            check_points(*max)?;
            if *per_month == 0 || *max < *per_month {
                return Err("`per_month` must be at least 1 and `max` at least `per_month`".into());
            }
            Ok(())
        }
        _ => Err(format!("is not a scale of `{kind}`")),
    }
}

/// Checks a version of a criteria set: code and title, 1 to 10 criteria, each kind once, each
/// with a label and a valid scale; every field in error with its pointer
/// (`criteria/2/scale`).
pub fn check_criteria(content: &CriteriaContent) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    errors.collect("code", parse_set_code(&content.code));
    if content.criteria.is_empty() || content.criteria.len() > 10 {
        errors.push(FieldError::new("criteria", "takes 1 to 10 criteria"));
    }
    for (i, c) in content.criteria.iter().enumerate() {
        if content.criteria[..i].iter().any(|o| o.kind == c.kind) {
            errors.push(FieldError::new(
                format!("criteria/{i}/kind"),
                format!("`{}` is already a criterion of the set", c.kind),
            ));
        }
        errors.collect(
            &format!("criteria/{i}/scale"),
            check_scale(c.kind, &c.scale),
        );
    }
    errors.into_result(())
}

/// The most points a set can give (every criterion at its top).
pub fn max_score(criteria: &[Criterion]) -> u32 {
    criteria
        .iter()
        .map(|c| match &c.scale {
            Scale::Levels(points) => points.iter().copied().max().unwrap_or(0),
            Scale::Bands {
                bands,
                above,
                missing,
            } => bands
                .iter()
                .map(|b| b.points)
                .chain([*above, *missing])
                .max()
                .unwrap_or(0),
            Scale::PerMonth { max, .. } => *max,
        })
        .sum()
}

/// The text form of a scale, as stored: levels `0,5,10,20`; bands
/// `bands 750000:30,1500000:15 above 0 missing 0`; months `per_month 2 max 24`.
pub fn encode_scale(scale: &Scale) -> String {
    match scale {
        Scale::Levels(points) => points
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(","),
        Scale::Bands {
            bands,
            above,
            missing,
        } => format!(
            "bands {} above {above} missing {missing}",
            bands
                .iter()
                .map(|b| format!("{}:{}", b.up_to_cents, b.points))
                .collect::<Vec<_>>()
                .join(",")
        ),
        Scale::PerMonth { per_month, max } => format!("per_month {per_month} max {max}"),
    }
}

/// The scale of its text form ([`encode_scale`]).
pub fn decode_scale(text: &str) -> Result<Scale, String> {
    let bad = || format!("`{text}` is not a stored scale");
    let number = |t: &str| t.parse::<u32>().map_err(|_| bad());
    let words: Vec<&str> = text.split(' ').collect();
    match words.as_slice() {
        ["bands", bands, "above", above, "missing", missing] => {
            let bands = bands
                .split(',')
                .map(|b| {
                    let (up, points) = b.split_once(':').ok_or_else(bad)?;
                    Ok(Band {
                        up_to_cents: up.parse().map_err(|_| bad())?,
                        points: number(points)?,
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            Ok(Scale::Bands {
                bands,
                above: number(above)?,
                missing: number(missing)?,
            })
        }
        ["per_month", per_month, "max", max] => Ok(Scale::PerMonth {
            per_month: number(per_month)?,
            max: number(max)?,
        }),
        [levels] => levels
            .split(',')
            .map(number)
            .collect::<Result<Vec<_>, _>>()
            .map(Scale::Levels),
        _ => Err(bad()),
    }
}

/// An amount in euro as written, `7500.00` (1-7 digits, a point and two decimals), in cents.
pub fn parse_euro(raw: &str) -> Result<u64, String> {
    let bad = || "must be an amount in euro with two decimals, such as `7500.00`".to_owned();
    let (whole, cents) = raw.split_once('.').ok_or_else(bad)?;
    if whole.is_empty()
        || whole.len() > 7
        || cents.len() != 2
        || !whole
            .bytes()
            .chain(cents.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: u64 = whole.parse().map_err(|_| bad())?;
    let cents: u64 = cents.parse().map_err(|_| bad())?;
    Ok(whole * 100 + cents)
}

/// An amount in cents written in euro, `7500.00`.
pub fn euro_text(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// The input of one criterion, as the application carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InputValue {
    /// The index of a level among [`CriterionKind::levels`].
    Level(u8),
    /// An ISEE in euro cents, or none declared.
    Isee(Option<u64>),
}

/// The level index of a level code of `kind`.
pub fn level_of(kind: CriterionKind, code: &str) -> Result<u8, String> {
    let levels = kind
        .levels()
        .ok_or_else(|| format!("`{kind}` has no levels"))?;
    levels
        .iter()
        .position(|l| *l == code)
        .and_then(|i| u8::try_from(i).ok())
        .ok_or_else(|| format!("must be one of {}", levels.join(", ")))
}

/// Whole months from `from` to `to` (0 when `to` is not later): a month is whole on the same
/// day of the next month (or its last day when shorter).
pub fn whole_months(from: NaiveDate, to: NaiveDate) -> u32 {
    if to <= from {
        return 0;
    }
    let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    let months = if to.day() < from.day() && !is_last_day(to) {
        months - 1
    } else {
        months
    };
    u32::try_from(months.max(0)).unwrap_or(0)
}

fn is_last_day(day: NaiveDate) -> bool {
    day.succ_opt()
        .is_none_or(|next| next.month() != day.month())
}

/// The points of one criterion: its input's level or band, or the months on the list from
/// `submitted_on` to `on`; an input missing (or of the wrong shape) gives no points, except a
/// missing ISEE, which gives the scale's `missing` points.
pub fn points(
    criterion: &Criterion,
    input: Option<InputValue>,
    submitted_on: NaiveDate,
    on: NaiveDate,
) -> u32 {
    match (&criterion.scale, input) {
        (Scale::Levels(points), Some(InputValue::Level(level))) => {
            points.get(usize::from(level)).copied().unwrap_or(0)
        }
        (Scale::Bands { missing, .. }, None | Some(InputValue::Isee(None))) => *missing,
        (Scale::Bands { bands, above, .. }, Some(InputValue::Isee(Some(cents)))) => bands
            .iter()
            .find(|b| cents <= b.up_to_cents)
            .map_or(*above, |b| b.points),
        (Scale::PerMonth { per_month, max }, _) => whole_months(submitted_on, on)
            .saturating_mul(*per_month)
            .min(*max),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn criterion(kind: CriterionKind, scale: Scale) -> Criterion {
        Criterion {
            kind,
            label: kind.to_string(),
            scale,
        }
    }

    fn isee() -> Scale {
        Scale::Bands {
            bands: vec![
                Band {
                    up_to_cents: 750_000,
                    points: 30,
                },
                Band {
                    up_to_cents: 1_500_000,
                    points: 15,
                },
            ],
            above: 0,
            missing: 0,
        }
    }

    #[test]
    fn scales_fit_their_kind_and_never_reward_less_need() {
        use CriterionKind::*;
        assert!(check_scale(Urgency, &Scale::Levels(vec![0, 5, 10, 20])).is_ok());
        assert!(check_scale(Urgency, &Scale::Levels(vec![0, 5, 10])).is_err());
        assert!(check_scale(Urgency, &Scale::Levels(vec![0, 10, 5, 20])).is_err());
        assert!(check_scale(Urgency, &Scale::Levels(vec![0, 5, 10, 1001])).is_err());
        assert!(check_scale(MinorsInHousehold, &Scale::Levels(vec![0, 8])).is_ok());
        assert!(check_scale(Isee, &isee()).is_ok());
        assert!(check_scale(Isee, &Scale::Levels(vec![1, 2])).is_err());
        let rising = Scale::Bands {
            bands: vec![
                Band {
                    up_to_cents: 750_000,
                    points: 10,
                },
                Band {
                    up_to_cents: 1_500_000,
                    points: 15,
                },
            ],
            above: 0,
            missing: 0,
        };
        assert!(check_scale(Isee, &rising).is_err());
        let unordered = Scale::Bands {
            bands: vec![
                Band {
                    up_to_cents: 750_000,
                    points: 30,
                },
                Band {
                    up_to_cents: 750_000,
                    points: 15,
                },
            ],
            above: 0,
            missing: 0,
        };
        assert!(check_scale(Isee, &unordered).is_err());
        assert!(
            check_scale(
                MonthsOnList,
                &Scale::PerMonth {
                    per_month: 1,
                    max: 24
                }
            )
            .is_ok()
        );
        assert!(
            check_scale(
                MonthsOnList,
                &Scale::PerMonth {
                    per_month: 0,
                    max: 24
                }
            )
            .is_err()
        );
    }

    #[test]
    fn a_set_takes_each_kind_once_with_pointers() {
        let content = CriteriaContent {
            code: "residenziale".into(),
            title: "Servizi residenziali".into(),
            effective_from: day(2027, 1, 1),
            criteria: vec![
                criterion(CriterionKind::Urgency, Scale::Levels(vec![0, 5, 10, 20])),
                criterion(CriterionKind::Urgency, Scale::Levels(vec![0, 1, 2, 3])),
                criterion(CriterionKind::Isee, Scale::Levels(vec![0])),
            ],
        };
        let errors = check_criteria(&content).unwrap_err();
        let fields: Vec<&str> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["criteria/1/kind", "criteria/2/scale"]);
    }

    #[test]
    fn scales_survive_their_text_form() {
        for scale in [
            Scale::Levels(vec![0, 5, 10, 20]),
            isee(),
            Scale::PerMonth {
                per_month: 2,
                max: 24,
            },
        ] {
            assert_eq!(decode_scale(&encode_scale(&scale)), Ok(scale));
        }
        assert!(decode_scale("bands x above 0 missing 0").is_err());
    }

    #[test]
    fn points_follow_the_scale() {
        let urgency = criterion(CriterionKind::Urgency, Scale::Levels(vec![0, 5, 10, 20]));
        let isee = criterion(CriterionKind::Isee, isee());
        let months = criterion(
            CriterionKind::MonthsOnList,
            Scale::PerMonth {
                per_month: 2,
                max: 24,
            },
        );
        let (s, on) = (day(2026, 1, 31), day(2026, 12, 1));
        assert_eq!(points(&urgency, Some(InputValue::Level(3)), s, on), 20);
        assert_eq!(points(&urgency, None, s, on), 0);
        assert_eq!(
            points(&isee, Some(InputValue::Isee(Some(750_000))), s, on),
            30
        );
        assert_eq!(
            points(&isee, Some(InputValue::Isee(Some(750_001))), s, on),
            15
        );
        assert_eq!(
            points(&isee, Some(InputValue::Isee(Some(9_000_000))), s, on),
            0
        );
        assert_eq!(points(&isee, Some(InputValue::Isee(None)), s, on), 0);
        // 2026-01-31 to 2026-12-01: 10 whole months.
        assert_eq!(points(&months, None, s, on), 20);
        assert_eq!(points(&months, None, s, day(2030, 1, 1)), 24);
    }

    #[test]
    fn euro_amounts_are_written_with_two_decimals() {
        assert_eq!(parse_euro("7500.00"), Ok(750_000));
        assert_eq!(parse_euro("0.05"), Ok(5));
        assert_eq!(euro_text(750_005), "7500.05");
        for bad in [
            "7500",
            "7500.0",
            "-1.00",
            "12345678.00",
            ".50",
            "1e3.00",
            "7 500.00",
        ] {
            assert!(parse_euro(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn whole_months_count_month_ends() {
        assert_eq!(whole_months(day(2026, 1, 31), day(2026, 2, 28)), 1);
        assert_eq!(whole_months(day(2026, 1, 31), day(2026, 2, 27)), 0);
        assert_eq!(whole_months(day(2026, 1, 15), day(2026, 3, 14)), 1);
        assert_eq!(whole_months(day(2026, 1, 15), day(2026, 3, 15)), 2);
        assert_eq!(whole_months(day(2026, 3, 15), day(2026, 1, 15)), 0);
        assert_eq!(level_of(CriterionKind::FamilySupport, "none"), Ok(2));
        assert!(level_of(CriterionKind::FamilySupport, "some").is_err());
        assert!(level_of(CriterionKind::Isee, "0").is_err());
    }
}
