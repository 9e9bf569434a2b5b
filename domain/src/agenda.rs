//! The agenda of a case manager: what is due in a period, or already overdue, across the
//! projects and pacts of the case files they manage, and the expected releases of persons in
//! the prison area to plan for.
//!
//! Persistence loads the facts (projects with their next review, pacts with their clock facts,
//! expected releases); the functions here turn them into [`Item`]s, decide which the period
//! shows, and page them by their [`Position`] — (due day, kind, subject, commitment, case
//! file) — so that the next page starts after the last item of this one, whatever was recorded
//! meanwhile.

use chrono::{Duration, NaiveDate};
use uuid::Uuid;

use crate::pact::{Deadline, DueItem as PactDue, DueKind};
use crate::prison::{
    RELEASE_PLANNING_DAYS, RELEASE_PLANNING_MAX_DAYS, ReleaseDue, planned_release,
};

/// What an agenda item is about, in the order items of one day are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ItemKind {
    /// The next review of an active project.
    ProjectReview,
    /// The convocation of the household of a pact.
    PactConvocation,
    /// The signature of a pact.
    PactSignature,
    /// The periodic check of a pact.
    PactCheck,
    /// A commitment of a pact.
    PactCommitment,
    /// The expected release of a person detained or under an alternative measure.
    ExpectedRelease,
    /// The planned end of a housing placement (the day the person is expected to leave).
    PlacementEnd,
    /// The planned last day of an employment placement (proposed or active).
    EmploymentEnd,
    /// The next tutor review of a running employment placement.
    EmploymentReview,
    /// The day by which an open application for a care resource must be reconfirmed.
    ApplicationReconfirmation,
}

impl ItemKind {
    /// Every kind, in order.
    pub const ALL: [ItemKind; 10] = [
        ItemKind::ProjectReview,
        ItemKind::PactConvocation,
        ItemKind::PactSignature,
        ItemKind::PactCheck,
        ItemKind::PactCommitment,
        ItemKind::ExpectedRelease,
        ItemKind::PlacementEnd,
        ItemKind::EmploymentEnd,
        ItemKind::EmploymentReview,
        ItemKind::ApplicationReconfirmation,
    ];

    /// The stable code of the kind (used in positions).
    pub fn code(self) -> &'static str {
        match self {
            ItemKind::ProjectReview => "project_review",
            ItemKind::PactConvocation => "pact_convocation",
            ItemKind::PactSignature => "pact_signature",
            ItemKind::PactCheck => "pact_check",
            ItemKind::PactCommitment => "pact_commitment",
            ItemKind::ExpectedRelease => "expected_release",
            ItemKind::PlacementEnd => "placement_end",
            ItemKind::EmploymentEnd => "employment_end",
            ItemKind::EmploymentReview => "employment_review",
            ItemKind::ApplicationReconfirmation => "application_reconfirmation",
        }
    }

    /// The place of the kind among the items of one day (0 first), as the stored deadlines
    /// keep it so that the database returns them in the agenda's order.
    pub fn rank(self) -> i16 {
        match self {
            ItemKind::ProjectReview => 0,
            ItemKind::PactConvocation => 1,
            ItemKind::PactSignature => 2,
            ItemKind::PactCheck => 3,
            ItemKind::PactCommitment => 4,
            ItemKind::ExpectedRelease => 5,
            ItemKind::PlacementEnd => 6,
            ItemKind::EmploymentEnd => 7,
            ItemKind::EmploymentReview => 8,
            ItemKind::ApplicationReconfirmation => 9,
        }
    }

    /// The kind of a code.
    pub fn of_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

impl From<DueKind> for ItemKind {
    fn from(kind: DueKind) -> Self {
        match kind {
            DueKind::Convocation => ItemKind::PactConvocation,
            DueKind::Signature => ItemKind::PactSignature,
            DueKind::Check => ItemKind::PactCheck,
            DueKind::Commitment => ItemKind::PactCommitment,
        }
    }
}

/// One thing due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// What is due.
    pub kind: ItemKind,
    /// By when.
    pub due_on: NaiveDate,
    /// True when the day has passed.
    pub late: bool,
    /// The case file.
    pub case_file_id: Uuid,
    /// The person of the case file.
    pub person_id: Uuid,
    /// The project (a review), or the open reintegration project (an expected release).
    pub project_id: Option<Uuid>,
    /// The pact, for the pact kinds.
    pub pact_id: Option<Uuid>,
    /// The commitment, for [`ItemKind::PactCommitment`].
    pub commitment_id: Option<Uuid>,
    /// The placement: the housing placement for [`ItemKind::PlacementEnd`], the employment
    /// placement for [`ItemKind::EmploymentEnd`] and [`ItemKind::EmploymentReview`].
    pub placement_id: Option<Uuid>,
    /// The application, for [`ItemKind::ApplicationReconfirmation`].
    pub application_id: Option<Uuid>,
}

/// An entry of the agenda's index (what the database keeps for each case-manager assignment):
/// something due in a case file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// What is due.
    pub kind: ItemKind,
    /// The case file.
    pub case_file_id: Uuid,
    /// The person of the item: the person placed, applying or to be released, otherwise the
    /// file's.
    pub person_id: Uuid,
    /// The project, pact, person (an expected release), placement, employment placement or
    /// application.
    pub subject: Uuid,
    /// The commitment, for a pact commitment.
    pub commitment_id: Option<Uuid>,
    /// The due day; for a pact check whose clock a running suspension stops, the day it fell
    /// on when the clock stopped.
    pub due_on: NaiveDate,
    /// First day of the running suspension that keeps a pact check's deadline moving.
    pub stopped_since: Option<NaiveDate>,
}

impl Item {
    /// The review of a project due on `next_review_on`.
    pub fn project_review(
        case_file_id: Uuid,
        person_id: Uuid,
        project_id: Uuid,
        next_review_on: NaiveDate,
        today: NaiveDate,
    ) -> Self {
        Self {
            kind: ItemKind::ProjectReview,
            due_on: next_review_on,
            late: next_review_on < today,
            case_file_id,
            person_id,
            project_id: Some(project_id),
            pact_id: None,
            commitment_id: None,
            placement_id: None,
            application_id: None,
        }
    }

    /// A deadline of a pact, as its clock computed it.
    pub fn pact(case_file_id: Uuid, person_id: Uuid, pact_id: Uuid, due: PactDue) -> Self {
        Self {
            kind: due.kind.into(),
            due_on: due.due_on,
            late: due.late,
            case_file_id,
            person_id,
            project_id: None,
            pact_id: Some(pact_id),
            commitment_id: due.commitment_id,
            placement_id: None,
            application_id: None,
        }
    }

    /// The expected release of the person of a case file, with the file's open reintegration
    /// project if one is planned.
    pub fn expected_release(
        case_file_id: Uuid,
        person_id: Uuid,
        plan: Option<Uuid>,
        due: ReleaseDue,
    ) -> Self {
        Self {
            kind: ItemKind::ExpectedRelease,
            due_on: due.due_on,
            late: due.late,
            case_file_id,
            person_id,
            project_id: plan,
            pact_id: None,
            commitment_id: None,
            placement_id: None,
            application_id: None,
        }
    }

    /// The planned end of a placement not ended yet (`until` is the day the person is expected
    /// to leave).
    pub fn placement_end(
        case_file_id: Uuid,
        person_id: Uuid,
        placement_id: Uuid,
        until: NaiveDate,
        today: NaiveDate,
    ) -> Self {
        Self {
            kind: ItemKind::PlacementEnd,
            due_on: until,
            late: until < today,
            case_file_id,
            person_id,
            project_id: None,
            pact_id: None,
            commitment_id: None,
            placement_id: Some(placement_id),
            application_id: None,
        }
    }

    /// The planned last day of an employment placement not ended yet (late once it has
    /// passed and the placement was not completed or interrupted).
    pub fn employment_end(
        case_file_id: Uuid,
        person_id: Uuid,
        placement_id: Uuid,
        until_on: NaiveDate,
        today: NaiveDate,
    ) -> Self {
        Self {
            kind: ItemKind::EmploymentEnd,
            due_on: until_on,
            late: until_on < today,
            case_file_id,
            person_id,
            project_id: None,
            pact_id: None,
            commitment_id: None,
            placement_id: Some(placement_id),
            application_id: None,
        }
    }

    /// The next tutor review of a running employment placement (late once the day has passed
    /// and no review was recorded).
    pub fn employment_review(
        case_file_id: Uuid,
        person_id: Uuid,
        placement_id: Uuid,
        review_on: NaiveDate,
        today: NaiveDate,
    ) -> Self {
        Self {
            kind: ItemKind::EmploymentReview,
            due_on: review_on,
            late: review_on < today,
            case_file_id,
            person_id,
            project_id: None,
            pact_id: None,
            commitment_id: None,
            placement_id: Some(placement_id),
            application_id: None,
        }
    }

    /// The day by which an open application must be reconfirmed (late once it has passed:
    /// the application may then be expired).
    pub fn application_reconfirmation(
        case_file_id: Uuid,
        person_id: Uuid,
        application_id: Uuid,
        reconfirm_by: NaiveDate,
        today: NaiveDate,
    ) -> Self {
        Self {
            kind: ItemKind::ApplicationReconfirmation,
            due_on: reconfirm_by,
            late: reconfirm_by < today,
            case_file_id,
            person_id,
            project_id: None,
            pact_id: None,
            commitment_id: None,
            placement_id: None,
            application_id: Some(application_id),
        }
    }

    /// The item of an entry of the agenda's index on `today`: `None` for an expected release,
    /// which needs its horizon and plan ([`Item::planned_release`]).
    pub fn of_due(due: &Due, today: NaiveDate) -> Option<Self> {
        let (file, person, subject, day) =
            (due.case_file_id, due.person_id, due.subject, due.due_on);
        Some(match due.kind {
            ItemKind::ProjectReview => Self::project_review(file, person, subject, day, today),
            ItemKind::PlacementEnd => Self::placement_end(file, person, subject, day, today),
            ItemKind::EmploymentEnd => Self::employment_end(file, person, subject, day, today),
            ItemKind::EmploymentReview => {
                Self::employment_review(file, person, subject, day, today)
            }
            ItemKind::ApplicationReconfirmation => {
                Self::application_reconfirmation(file, person, subject, day, today)
            }
            ItemKind::ExpectedRelease => return None,
            kind @ (ItemKind::PactConvocation
            | ItemKind::PactSignature
            | ItemKind::PactCheck
            | ItemKind::PactCommitment) => {
                let kind = DueKind::ALL
                    .into_iter()
                    .find(|pact| ItemKind::from(*pact) == kind)?;
                let deadline = Deadline {
                    kind,
                    due_on: day,
                    stopped_since: due.stopped_since,
                    commitment_id: due.commitment_id,
                };
                Self::pact(file, person, subject, deadline.on(today))
            }
        })
    }

    /// The item of an expected release kept in the agenda's index (of a person not released),
    /// when it is within `within_days` of `today`, with the open reintegration project `plan`.
    pub fn planned_release(
        due: &Due,
        plan: Option<Uuid>,
        today: NaiveDate,
        within_days: u32,
    ) -> Option<Self> {
        if due.kind != ItemKind::ExpectedRelease {
            return None;
        }
        let release = planned_release(due.due_on, today, within_days)?;
        Some(Self::expected_release(
            due.case_file_id,
            due.person_id,
            plan,
            release,
        ))
    }

    /// Where the item stands in the agenda.
    pub fn position(&self) -> Position {
        Position {
            due_on: self.due_on,
            kind: self.kind,
            subject: self
                .project_id
                .or(self.pact_id)
                .or(self.placement_id)
                .or(self.application_id),
            commitment_id: self.commitment_id,
            case_file_id: self.case_file_id,
        }
    }
}

/// The place of an item in the agenda: by due day, then kind, then what it is about. Two
/// items never share one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// The due day.
    pub due_on: NaiveDate,
    /// The kind.
    pub kind: ItemKind,
    /// The project, pact or placement.
    pub subject: Option<Uuid>,
    /// The commitment.
    pub commitment_id: Option<Uuid>,
    /// The case file.
    pub case_file_id: Uuid,
}

fn uuid_text(id: Option<Uuid>) -> String {
    id.map(|u| u.to_string()).unwrap_or_default()
}

fn uuid_of(text: &str) -> Option<Option<Uuid>> {
    if text.is_empty() {
        Some(None)
    } else {
        Uuid::parse_str(text).ok().map(Some)
    }
}

impl Position {
    /// The position as text (`due_on|kind|subject|commitment|case_file`), read back by
    /// [`Position::parse`].
    pub fn token(&self) -> String {
        format!(
            "agenda|{}|{}|{}|{}|{}",
            self.due_on,
            self.kind.code(),
            uuid_text(self.subject),
            uuid_text(self.commitment_id),
            self.case_file_id
        )
    }

    /// The position a [`Position::token`] wrote; `None` for any other text.
    pub fn parse(token: &str) -> Option<Self> {
        let mut parts = token.split('|');
        if parts.next()? != "agenda" {
            return None;
        }
        let due_on = NaiveDate::parse_from_str(parts.next()?, "%Y-%m-%d").ok()?;
        let kind = ItemKind::of_code(parts.next()?)?;
        let subject = uuid_of(parts.next()?)?;
        let commitment_id = uuid_of(parts.next()?)?;
        let case_file_id = Uuid::parse_str(parts.next()?).ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(Self {
            due_on,
            kind,
            subject,
            commitment_id,
            case_file_id,
        })
    }
}

/// Why an agenda's period is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// The last day is before the first.
    #[error("must not be before `from`")]
    EndsBeforeStart,
    /// The period is longer than [`MAX_PERIOD_DAYS`].
    #[error("the period is at most 366 days long")]
    TooLong,
}

/// The longest period of an agenda, in days.
pub const MAX_PERIOD_DAYS: i64 = 366;

/// The default length of an agenda's period, in days.
pub const DEFAULT_PERIOD_DAYS: i64 = 30;

/// What an agenda covers: the period (`from`..=`to`), what is overdue on `today`, and the
/// expected releases up to `release_within_days` ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The office's day.
    pub today: NaiveDate,
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day of the period.
    pub to: NaiveDate,
    /// How many days ahead expected releases enter the agenda.
    pub release_within_days: u32,
}

impl Window {
    /// The window asked for: `from` defaults to `today`, `to` to 30 days after `from`, the
    /// release horizon to [`RELEASE_PLANNING_DAYS`] (at most [`RELEASE_PLANNING_MAX_DAYS`]).
    pub fn new(
        today: NaiveDate,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        release_within_days: Option<u32>,
    ) -> Result<Self, PeriodError> {
        let from = from.unwrap_or(today);
        let to = to.unwrap_or(from + Duration::days(DEFAULT_PERIOD_DAYS));
        if to < from {
            return Err(PeriodError::EndsBeforeStart);
        }
        if (to - from).num_days() > MAX_PERIOD_DAYS {
            return Err(PeriodError::TooLong);
        }
        Ok(Self {
            today,
            from,
            to,
            release_within_days: release_within_days
                .unwrap_or(RELEASE_PLANNING_DAYS)
                .min(RELEASE_PLANNING_MAX_DAYS),
        })
    }

    /// Whether the agenda lists `item`: a project or pact deadline when it is overdue or falls
    /// in the period; an expected release whenever it is due (the release horizon decided it).
    pub fn shows(&self, item: &Item) -> bool {
        match item.kind {
            ItemKind::ExpectedRelease => true,
            _ => item.due_on <= self.to && (item.late || item.due_on >= self.from),
        }
    }
}

/// One page of an agenda.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The items, by position.
    pub items: Vec<Item>,
    /// Where the next page starts (after this position), or `None` on the last page.
    pub next: Option<Position>,
}

/// The page of `items` after `after` (from the start when `None`): those the window shows, of
/// `kind` when given, by position, at most `limit` of them.
pub fn page(
    items: impl IntoIterator<Item = Item>,
    window: &Window,
    kind: Option<ItemKind>,
    after: Option<&Position>,
    limit: usize,
) -> Page {
    let mut listed: Vec<Item> = items
        .into_iter()
        .filter(|i| window.shows(i))
        .filter(|i| kind.is_none_or(|k| i.kind == k))
        .filter(|i| after.is_none_or(|a| i.position() > *a))
        .collect();
    listed.sort_by_key(Item::position);
    listed.dedup_by_key(|i| i.position());
    let more = listed.len() > limit;
    listed.truncate(limit);
    let next = if more {
        listed.last().map(Item::position)
    } else {
        None
    };
    Page {
        items: listed,
        next,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap() + Duration::days(d)
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn review(n: u128, due: i64) -> Item {
        Item::project_review(id(100 + n), id(200 + n), id(n), day(due), day(0))
    }

    fn pact(n: u128, kind: DueKind, due: i64) -> Item {
        Item::pact(
            id(100 + n),
            id(200 + n),
            id(300 + n),
            PactDue {
                kind,
                due_on: day(due),
                late: due < 0,
                commitment_id: (kind == DueKind::Commitment).then(|| id(400 + n)),
            },
        )
    }

    fn release(n: u128, due: i64) -> Item {
        Item::expected_release(
            id(100 + n),
            id(200 + n),
            None,
            ReleaseDue {
                due_on: day(due),
                late: due < 0,
            },
        )
    }

    fn window() -> Window {
        Window::new(day(0), None, None, None).unwrap()
    }

    #[test]
    fn the_period_defaults_to_thirty_days_and_is_bounded() {
        let w = window();
        assert_eq!((w.from, w.to), (day(0), day(30)));
        assert_eq!(w.release_within_days, RELEASE_PLANNING_DAYS);
        assert_eq!(
            Window::new(day(0), Some(day(5)), Some(day(4)), None),
            Err(PeriodError::EndsBeforeStart)
        );
        assert_eq!(
            Window::new(day(0), Some(day(0)), Some(day(367)), None),
            Err(PeriodError::TooLong)
        );
        assert!(Window::new(day(0), Some(day(0)), Some(day(366)), None).is_ok());
        assert_eq!(
            Window::new(day(0), None, None, Some(10_000))
                .unwrap()
                .release_within_days,
            RELEASE_PLANNING_MAX_DAYS
        );
    }

    #[test]
    fn overdue_items_are_shown_whatever_the_period_and_releases_always() {
        let w = Window::new(day(0), Some(day(10)), Some(day(20)), None).unwrap();
        assert!(w.shows(&review(1, -3)), "overdue");
        assert!(!w.shows(&review(1, 5)), "before the period, not late");
        assert!(w.shows(&review(1, 10)));
        assert!(w.shows(&review(1, 20)));
        assert!(!w.shows(&review(1, 21)), "after the period");
        assert!(w.shows(&release(1, 80)), "the release horizon decided");
    }

    #[test]
    fn items_are_ordered_by_day_then_kind_then_subject() {
        let items = vec![
            release(1, 2),
            pact(2, DueKind::Check, 2),
            review(3, 2),
            review(4, 1),
            pact(5, DueKind::Commitment, -1),
        ];
        let p = page(items, &window(), None, None, 10);
        let kinds: Vec<(NaiveDate, ItemKind)> =
            p.items.iter().map(|i| (i.due_on, i.kind)).collect();
        assert_eq!(
            kinds,
            [
                (day(-1), ItemKind::PactCommitment),
                (day(1), ItemKind::ProjectReview),
                (day(2), ItemKind::ProjectReview),
                (day(2), ItemKind::PactCheck),
                (day(2), ItemKind::ExpectedRelease),
            ]
        );
        assert_eq!(p.next, None);
    }

    #[test]
    fn pages_follow_each_other_by_position_across_kinds() {
        let items: Vec<Item> = (0..7)
            .flat_map(|n| {
                [
                    review(n, (n as i64) % 3),
                    pact(n, DueKind::Signature, (n as i64) % 3),
                    release(n, (n as i64) % 3),
                ]
            })
            .collect();
        let whole = page(items.clone(), &window(), None, None, 100).items;
        assert_eq!(whole.len(), 21);
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let p = page(items.clone(), &window(), None, after.as_ref(), 4);
            assert!(p.items.len() <= 4);
            seen.extend(p.items);
            match p.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, whole);
        // An item recorded meanwhile before the position does not shift the next page.
        let first = page(items.clone(), &window(), None, None, 4);
        let mut more = items.clone();
        more.push(review(50, -5));
        let second = page(more, &window(), None, first.next.as_ref(), 4);
        assert_eq!(second.items, whole[4..8]);
    }

    #[test]
    fn a_kind_filters_the_page() {
        let items = vec![review(1, 1), pact(2, DueKind::Check, 1), release(3, 1)];
        let p = page(items, &window(), Some(ItemKind::PactCheck), None, 10);
        assert_eq!(p.items.len(), 1);
        assert_eq!(p.items[0].kind, ItemKind::PactCheck);
    }

    #[test]
    fn positions_round_trip_and_reject_other_text() {
        for item in [
            review(1, 3),
            pact(2, DueKind::Commitment, -2),
            release(3, 9),
        ] {
            let position = item.position();
            assert_eq!(Position::parse(&position.token()), Some(position));
        }
        for bad in [
            "",
            "42",
            "agenda|2026-03-01|nope||x|y",
            "agenda|2026-03-01|project_review|||",
            "cases|2026-03-01|project_review|||00000000-0000-0000-0000-000000000001",
            "agenda|2026-03-01|project_review|||00000000-0000-0000-0000-000000000001|x",
        ] {
            assert_eq!(Position::parse(bad), None, "{bad}");
        }
    }
}
