//! Offers and admissions: an offer holds a place of the resource for an application until the
//! person accepts (admission), declines or lets the answer day pass (the offer lapses and the
//! application is back on the list); an admission holds the place until the person leaves.
//! Places are taken only while some are free: never more held than the fewest places the
//! resource has from today on (an admission has no planned end, so it must fit every later
//! capacity). The database keeps the same bound (`resource_occupancy`).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Days, NaiveDate, Utc};
use uuid::Uuid;

use super::applications::{Application, ApplicationStatus};
use super::resources::{Capacity, places_on};
use crate::case_file::coded_enum;
use crate::error::{FieldError, ValidationErrors};

/// The longest an offer waits for its answer, in days after the offer.
pub const MAX_RESPONSE_DAYS: u64 = 30;

/// Where an allocation of a place stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AllocationState {
    /// A place is offered and held until the answer.
    Offered,
    /// The person is admitted and holds the place.
    Admitted,
    /// The person declined the offer.
    Declined,
    /// The answer day passed without an answer: the application is back on the list.
    Lapsed,
    /// The application was withdrawn while the offer was open.
    Withdrawn,
    /// The person left the service: the place is free again.
    Left,
}

coded_enum!(AllocationState, "allocation state", {
    Offered => "offered",
    Admitted => "admitted",
    Declined => "declined",
    Lapsed => "lapsed",
    Withdrawn => "withdrawn",
    Left => "left",
});

impl AllocationState {
    /// Whether the allocation holds a place.
    pub fn holds(self) -> bool {
        matches!(self, AllocationState::Offered | AllocationState::Admitted)
    }
}

/// What is decided, or what happened, on an allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AllocationDecision {
    /// A place is offered to a waiting application.
    Offer,
    /// The person is admitted: accepting an offer, or directly from the list.
    Admit,
    /// The person declined the offer.
    Decline,
    /// The person left the service.
    Leave,
    /// The offer lapsed (recorded by the request that found it past its answer day).
    Lapse,
    /// The application was withdrawn while the offer was open.
    Withdraw,
}

coded_enum!(AllocationDecision, "allocation decision", {
    Offer => "offer",
    Admit => "admit",
    Decline => "decline",
    Leave => "leave",
    Lapse => "lapse",
    Withdraw => "withdraw",
});

/// Why a person left a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Exit {
    /// The need the resource answered is met.
    NeedsMet,
    /// The person chose to leave.
    OwnChoice,
    /// The person moved out of the municipality.
    MovedAway,
    /// The person moved to another service.
    OtherService,
    /// The person died.
    Deceased,
    /// The service dismissed the person (rules broken).
    Dismissed,
    /// Another reason, said in `reason`.
    Other,
}

coded_enum!(Exit, "exit", {
    NeedsMet => "needs_met",
    OwnChoice => "own_choice",
    MovedAway => "moved_away",
    OtherService => "other_service",
    Deceased => "deceased",
    Dismissed => "dismissed",
    Other => "other",
});

/// One offer of a place, and the admission that may follow it (or an admission without an
/// offer), as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    /// Identifier.
    pub id: Uuid,
    /// The application.
    pub application_id: Uuid,
    /// The resource.
    pub resource_id: Uuid,
    /// Where it stands.
    pub state: AllocationState,
    /// The day of the offer (none for an admission without an offer).
    pub offered_on: Option<NaiveDate>,
    /// The last day to answer the offer.
    pub respond_by: Option<NaiveDate>,
    /// The day of the admission.
    pub admitted_on: Option<NaiveDate>,
    /// The day it stopped holding the place (declined, lapsed, withdrawn, left).
    pub ended_on: Option<NaiveDate>,
    /// Why the person left.
    pub exit: Option<Exit>,
    /// Why an application that was not first in the ranking got the place.
    pub out_of_order_reason: Option<String>,
    /// Optimistic-lock version.
    pub version: i64,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// Who recorded it.
    pub created_by: Uuid,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Allocation {
    /// Whether it is an offer whose answer day has passed on `today`.
    pub fn lapsed_on(&self, today: NaiveDate) -> bool {
        self.state == AllocationState::Offered && self.respond_by.is_some_and(|by| by < today)
    }
}

/// The day an offer answered by `respond_by` lapses on: the day after.
pub fn lapse_day(respond_by: NaiveDate) -> NaiveDate {
    respond_by
        .checked_add_days(Days::new(1))
        .unwrap_or(respond_by)
}

/// The fewest places the resource has on `today` and on any later day of its capacity: how
/// many places may be held today (an admission has no planned end).
pub fn places_ceiling(capacity: &[Capacity], today: NaiveDate) -> u32 {
    capacity
        .iter()
        .filter(|c| c.from_on > today)
        .map(|c| c.places)
        .fold(places_on(capacity, today), u32::min)
}

/// The capacity of a resource after `change` (replacing a change of the same day).
pub fn capacity_after(capacity: &[Capacity], change: Capacity) -> Vec<Capacity> {
    let mut after: Vec<Capacity> = capacity
        .iter()
        .filter(|c| c.from_on != change.from_on)
        .copied()
        .chain(std::iter::once(change))
        .collect();
    after.sort_by_key(|c| c.from_on);
    after
}

/// Checks that a resource whose places become `capacity` still has room, today and on every
/// later day, for the `held` places its offers and admissions hold.
pub fn check_room_for_held(
    capacity: &[Capacity],
    held: u32,
    today: NaiveDate,
) -> Result<u32, NoFreePlace> {
    let ceiling = places_ceiling(capacity, today);
    if ceiling >= held {
        Ok(ceiling)
    } else {
        Err(NoFreePlace { held, ceiling })
    }
}

/// No free place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no free place: {held} of {ceiling} held")]
pub struct NoFreePlace {
    /// The places held.
    pub held: u32,
    /// The places that may be held.
    pub ceiling: u32,
}

/// Whether one more place may be taken with `held` held under `ceiling`.
pub fn take_place(held: u32, ceiling: u32) -> Result<(), NoFreePlace> {
    if held < ceiling {
        Ok(())
    } else {
        Err(NoFreePlace { held, ceiling })
    }
}

/// A decision asked by the office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRequest {
    /// What is decided: `Offer`, `Admit`, `Decline` or `Leave`.
    pub decision: AllocationDecision,
    /// The day it happened.
    pub on: NaiveDate,
    /// For an offer: the last day to answer.
    pub respond_by: Option<NaiveDate>,
    /// Why (required to give a place out of the ranking's order, and with `Exit::Other`).
    pub reason: Option<String>,
    /// For leaving: why.
    pub exit: Option<Exit>,
}

/// What a decision does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// A new allocation, `offered`: the application becomes `offered`; a place is taken.
    Offer,
    /// A new allocation, `admitted`: the application becomes `admitted`; a place is taken.
    AdmitFromList,
    /// The offer becomes an admission: the application becomes `admitted`; the place is kept.
    Accept,
    /// The offer is declined: the application becomes `declined`; the place is freed.
    Decline,
    /// The person leaves: the allocation becomes `left`; the place is freed.
    Leave,
}

impl Effect {
    /// Whether it takes a free place.
    pub fn takes_place(self) -> bool {
        matches!(self, Effect::Offer | Effect::AdmitFromList)
    }
}

/// Why a decision cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionError {
    /// Not allowed where the application stands (409), with the decisions that are.
    NotAllowed {
        /// What is wrong.
        detail: String,
        /// The decisions allowed now.
        allowed: Vec<AllocationDecision>,
    },
    /// Invalid fields (422).
    Invalid(ValidationErrors),
}

/// The decisions the office may take on an application in `status` whose latest allocation
/// is `current`.
pub fn allowed_decisions(
    status: ApplicationStatus,
    current: Option<&Allocation>,
) -> Vec<AllocationDecision> {
    use AllocationDecision::*;
    let holding = current.map(|a| a.state);
    match (status, holding) {
        (ApplicationStatus::Waiting, _) => vec![Offer, Admit],
        (ApplicationStatus::Offered, Some(AllocationState::Offered)) => vec![Admit, Decline],
        (ApplicationStatus::Admitted, Some(AllocationState::Admitted)) => vec![Leave],
        _ => Vec::new(),
    }
}

/// Checks a decision on `application` (whose latest allocation is `current`, offers past their
/// answer day already lapsed) and says what it does. `position` is the application's place in
/// today's ranking (1 for the first); giving a place to any other application needs a reason.
pub fn check_decision(
    application: &Application,
    current: Option<&Allocation>,
    request: &DecisionRequest,
    position: Option<u32>,
    today: NaiveDate,
) -> Result<Effect, DecisionError> {
    use AllocationDecision::*;
    let allowed = allowed_decisions(application.status, current);
    if !allowed.contains(&request.decision) {
        return Err(DecisionError::NotAllowed {
            detail: format!(
                "a {} application cannot be given `{}`; allowed: {}",
                application.status,
                request.decision,
                crate::case_file::code_list(&allowed)
            ),
            allowed,
        });
    }
    let effect = match (request.decision, application.status) {
        (Offer, _) => Effect::Offer,
        (Admit, ApplicationStatus::Waiting) => Effect::AdmitFromList,
        (Admit, _) => Effect::Accept,
        (Decline, _) => Effect::Decline,
        _ => Effect::Leave,
    };
    let mut errors = ValidationErrors::new();
    let since = match effect {
        Effect::Offer | Effect::AdmitFromList => Some(application.submitted_on),
        Effect::Accept | Effect::Decline => current.and_then(|a| a.offered_on),
        Effect::Leave => current.and_then(|a| a.admitted_on),
    };
    if request.on > today {
        errors.push(FieldError::new("occurred_on", crate::dates::IN_THE_FUTURE));
    } else if let Some(since) = since
        && request.on < since
    {
        errors.push(FieldError::new(
            "occurred_on",
            format!("must not be before {since}"),
        ));
    }
    match (effect, request.respond_by) {
        (Effect::Offer, None) => errors.push(FieldError::new("respond_by", "is required")),
        (Effect::Offer, Some(by)) => {
            let last = request.on.checked_add_days(Days::new(MAX_RESPONSE_DAYS));
            if by < today {
                errors.push(FieldError::new("respond_by", "must not be in the past"));
            } else if last.is_some_and(|last| by > last) {
                errors.push(FieldError::new(
                    "respond_by",
                    format!("must be at most {MAX_RESPONSE_DAYS} days after the offer"),
                ));
            }
        }
        (_, Some(_)) => errors.push(FieldError::new("respond_by", "is only for an offer")),
        (_, None) => {}
    }
    match (effect, request.exit) {
        (Effect::Leave, None) => errors.push(FieldError::new("exit", "is required")),
        (Effect::Leave, Some(Exit::Other)) if request.reason.is_none() => {
            errors.push(FieldError::new(
                "reason",
                "is required with the exit `other`",
            ));
        }
        (Effect::Leave, Some(_)) | (_, None) => {}
        (_, Some(_)) => errors.push(FieldError::new("exit", "is only for leaving")),
    }
    if effect.takes_place() && position != Some(1) && request.reason.is_none() {
        let detail = match position {
            Some(p) => format!(
                "is required: {} application(s) rank above this one",
                p.saturating_sub(1)
            ),
            None => "is required: the application is not in today's ranking".to_owned(),
        };
        errors.push(FieldError::new("reason", detail));
    }
    errors.into_result(effect).map_err(DecisionError::Invalid)
}

/// Checks the day of a withdrawal of an application that holds the offer `held`: not before
/// the offer.
pub fn check_withdraw_offer(held: &Allocation, on: NaiveDate) -> Result<(), ValidationErrors> {
    match held.offered_on {
        Some(offered) if on < offered => Err(ValidationErrors::single(
            "occurred_on",
            format!("must not be before the offer ({offered})"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::waiting_list::Protocol;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn application(status: ApplicationStatus) -> Application {
        Application {
            id: Uuid::nil(),
            protocol: Protocol {
                year: 2026,
                number: 1,
            },
            resource_id: Uuid::nil(),
            case_file_id: Uuid::nil(),
            person_id: Uuid::nil(),
            submitted_at: "2026-03-01T09:00:00Z".parse().unwrap(),
            submitted_on: day("2026-03-01"),
            confirmed_on: day("2026-03-01"),
            reconfirm_by: day("2027-03-01"),
            status,
            inputs: Vec::new(),
            version: 1,
            created_at: "2026-03-01T09:00:00Z".parse().unwrap(),
            created_by: Uuid::nil(),
            updated_at: "2026-03-01T09:00:00Z".parse().unwrap(),
        }
    }

    fn offer(on: &str, by: &str) -> Allocation {
        Allocation {
            id: Uuid::nil(),
            application_id: Uuid::nil(),
            resource_id: Uuid::nil(),
            state: AllocationState::Offered,
            offered_on: Some(day(on)),
            respond_by: Some(day(by)),
            admitted_on: None,
            ended_on: None,
            exit: None,
            out_of_order_reason: None,
            version: 1,
            created_at: "2026-03-01T09:00:00Z".parse().unwrap(),
            created_by: Uuid::nil(),
            updated_at: "2026-03-01T09:00:00Z".parse().unwrap(),
        }
    }

    fn ask(decision: AllocationDecision, on: &str) -> DecisionRequest {
        DecisionRequest {
            decision,
            on: day(on),
            respond_by: None,
            reason: None,
            exit: None,
        }
    }

    fn fields(e: DecisionError) -> Vec<String> {
        match e {
            DecisionError::Invalid(v) => v.errors().iter().map(|e| e.field.clone()).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_ceiling_is_the_fewest_places_from_today_on() {
        let capacity = [
            Capacity {
                from_on: day("2026-01-01"),
                places: 10,
            },
            Capacity {
                from_on: day("2026-03-01"),
                places: 4,
            },
            Capacity {
                from_on: day("2026-06-01"),
                places: 12,
            },
        ];
        assert_eq!(places_ceiling(&capacity, day("2026-02-01")), 4);
        assert_eq!(places_ceiling(&capacity, day("2026-03-15")), 4);
        assert_eq!(places_ceiling(&capacity, day("2026-06-01")), 12);
        assert_eq!(places_ceiling(&capacity, day("2025-12-31")), 0);
        assert_eq!(places_ceiling(&[], day("2026-06-01")), 0);
    }

    #[test]
    fn a_place_is_taken_only_while_one_is_free() {
        assert!(take_place(1, 2).is_ok());
        assert_eq!(
            take_place(2, 2),
            Err(NoFreePlace {
                held: 2,
                ceiling: 2
            })
        );
        assert!(take_place(0, 0).is_err());
    }

    #[test]
    fn an_offer_needs_an_answer_day_within_thirty_days() {
        let today = day("2026-12-04");
        let a = application(ApplicationStatus::Waiting);
        let mut r = ask(AllocationDecision::Offer, "2026-12-04");
        assert_eq!(
            fields(check_decision(&a, None, &r, Some(1), today).unwrap_err()),
            ["respond_by"]
        );
        r.respond_by = Some(day("2027-01-04"));
        assert_eq!(
            fields(check_decision(&a, None, &r, Some(1), today).unwrap_err()),
            ["respond_by"]
        );
        r.respond_by = Some(day("2027-01-03"));
        assert_eq!(
            check_decision(&a, None, &r, Some(1), today),
            Ok(Effect::Offer)
        );
        r.respond_by = Some(day("2026-12-03"));
        assert!(check_decision(&a, None, &r, Some(1), today).is_err());
    }

    #[test]
    fn out_of_the_ranking_order_a_reason_is_required() {
        let today = day("2026-12-04");
        let a = application(ApplicationStatus::Waiting);
        let mut r = ask(AllocationDecision::Admit, "2026-12-04");
        assert_eq!(
            check_decision(&a, None, &r, Some(1), today),
            Ok(Effect::AdmitFromList)
        );
        assert_eq!(
            fields(check_decision(&a, None, &r, Some(3), today).unwrap_err()),
            ["reason"]
        );
        r.reason = Some("Urgenza sanitaria".into());
        assert_eq!(
            check_decision(&a, None, &r, Some(3), today),
            Ok(Effect::AdmitFromList)
        );
    }

    #[test]
    fn an_offer_is_accepted_or_declined_and_an_admission_left() {
        let today = day("2026-12-04");
        let offered = application(ApplicationStatus::Offered);
        let o = offer("2026-12-01", "2026-12-08");
        let r = ask(AllocationDecision::Admit, "2026-12-04");
        // Accepting needs no ranking position: the place was given with the offer.
        assert_eq!(
            check_decision(&offered, Some(&o), &r, None, today),
            Ok(Effect::Accept)
        );
        let r = ask(AllocationDecision::Decline, "2026-11-30");
        assert_eq!(
            fields(check_decision(&offered, Some(&o), &r, None, today).unwrap_err()),
            ["occurred_on"]
        );
        let mut admitted = o.clone();
        admitted.state = AllocationState::Admitted;
        admitted.admitted_on = Some(day("2026-12-02"));
        let a = application(ApplicationStatus::Admitted);
        let mut r = ask(AllocationDecision::Leave, "2026-12-04");
        assert_eq!(
            fields(check_decision(&a, Some(&admitted), &r, None, today).unwrap_err()),
            ["exit"]
        );
        r.exit = Some(Exit::Other);
        assert_eq!(
            fields(check_decision(&a, Some(&admitted), &r, None, today).unwrap_err()),
            ["reason"]
        );
        r.exit = Some(Exit::NeedsMet);
        assert_eq!(
            check_decision(&a, Some(&admitted), &r, None, today),
            Ok(Effect::Leave)
        );
    }

    #[test]
    fn decisions_not_allowed_say_which_are() {
        let today = day("2026-12-04");
        let a = application(ApplicationStatus::Suspended);
        let r = ask(AllocationDecision::Offer, "2026-12-04");
        match check_decision(&a, None, &r, None, today) {
            Err(DecisionError::NotAllowed { allowed, .. }) => assert!(allowed.is_empty()),
            other => panic!("{other:?}"),
        }
        let w = application(ApplicationStatus::Waiting);
        let r = ask(AllocationDecision::Leave, "2026-12-04");
        match check_decision(&w, None, &r, Some(1), today) {
            Err(DecisionError::NotAllowed { allowed, .. }) => assert_eq!(
                allowed,
                [AllocationDecision::Offer, AllocationDecision::Admit]
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_offer_lapses_the_day_after_its_answer_day() {
        let o = offer("2026-12-01", "2026-12-04");
        assert!(!o.lapsed_on(day("2026-12-04")));
        assert!(o.lapsed_on(day("2026-12-05")));
        assert_eq!(lapse_day(day("2026-12-04")), day("2026-12-05"));
    }
}
