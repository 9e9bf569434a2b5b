//! Tests of the lifecycle, reference, assessment, diary, team, consent and referral rules.

use super::*;

#[test]
fn only_a_person_in_charge_elsewhere_waits_for_the_coordinator() {
    assert!(needs_confirmation(true, false));
    assert!(!needs_confirmation(true, true));
    assert!(!needs_confirmation(false, false));
    assert!(!needs_confirmation(false, true));
}

#[test]
fn a_closed_file_takes_no_new_work() {
    assert_eq!(
        check_takes_new_work(CaseStatus::Closed, "draw up new projects"),
        Err("the case file is closed: reopen it to draw up new projects".into())
    );
    for open in [
        CaseStatus::Intake,
        CaseStatus::Active,
        CaseStatus::Suspended,
    ] {
        assert!(check_takes_new_work(open, "x").is_ok());
    }
}
use proptest::prelude::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn fields(errors: &ValidationErrors) -> Vec<&str> {
    errors.errors().iter().map(|e| e.field.as_str()).collect()
}

#[test]
fn codes_round_trip_and_are_distinct() {
    fn check<T>(all: &[T])
    where
        T: Copy + PartialEq + fmt::Debug + fmt::Display + FromStr<Err = String>,
    {
        let mut seen = std::collections::BTreeSet::new();
        for v in all {
            let code = v.to_string();
            assert!(seen.insert(code.clone()), "duplicate code {code}");
            assert_eq!(code.parse::<T>(), Ok(*v));
        }
        assert!("nope".parse::<T>().is_err());
    }
    check(&CaseStatus::ALL);
    check(&CaseTransition::ALL);
    check(&ClosingReason::ALL);
    check(&TargetGroup::ALL);
    check(&AssessmentDomain::ALL);
    check(&DiaryEntryKind::ALL);
    check(&TeamRole::ALL);
    check(&ConsentKind::ALL);
    check(&ConsentState::ALL);
    check(&ReferralDirection::ALL);
    check(&ReferralStatus::ALL);
    check(&ReferralTransition::ALL);
    check(&ExternalService::ALL);
    assert_eq!(
        "Active".parse::<CaseStatus>(),
        Err("unknown case status `Active`".into())
    );
}

#[test]
fn codes_are_the_documented_ones() {
    let codes = |v: Vec<&'static str>| v.join(",");
    assert_eq!(
        codes(CaseStatus::ALL.map(CaseStatus::as_str).to_vec()),
        "intake,active,suspended,closed"
    );
    assert_eq!(
        codes(ClosingReason::ALL.map(ClosingReason::as_str).to_vec()),
        "goals_achieved,moved_away,transferred_to_other_service,deceased,refused_services,\
         no_longer_eligible,lost_contact,merged_duplicate,other"
    );
    assert_eq!(
        codes(TargetGroup::ALL.map(TargetGroup::as_str).to_vec()),
        "adult_in_need,person_with_disability,homeless,roma_sinti_caminanti,\
         international_protection,prison_area,income_support_beneficiary"
    );
    assert_eq!(
        codes(ExternalService::ALL.map(ExternalService::as_str).to_vec()),
        "employment_centre,labour_agency,mental_health_centre,addiction_service,\
         probation_office,health_district,cooperative,other"
    );
    for (i, d) in AssessmentDomain::ALL.into_iter().enumerate() {
        assert_eq!(d.index(), i);
    }
}

/// The lifecycle written out by hand, independently of `CaseTransition::target`.
fn expected_case(from: CaseStatus, t: CaseTransition) -> Option<CaseStatus> {
    use CaseStatus::*;
    use CaseTransition::*;
    let table = [
        (Intake, Activate, Active),
        (Intake, Close, Closed),
        (Active, Suspend, Suspended),
        (Active, Close, Closed),
        (Suspended, Resume, Active),
        (Suspended, Close, Closed),
        (Closed, Reopen, Active),
    ];
    table
        .into_iter()
        .find(|(f, tr, _)| *f == from && *tr == t)
        .map(|(_, _, to)| to)
}

#[test]
fn allowed_transitions_per_status() {
    use CaseTransition::*;
    assert_eq!(
        CaseStatus::Intake.allowed_transitions(),
        vec![Activate, Close]
    );
    assert_eq!(
        CaseStatus::Active.allowed_transitions(),
        vec![Suspend, Close]
    );
    assert_eq!(
        CaseStatus::Suspended.allowed_transitions(),
        vec![Resume, Close]
    );
    assert_eq!(CaseStatus::Closed.allowed_transitions(), vec![Reopen]);
}

#[test]
fn every_status_and_transition_pair() {
    let mut legal = 0;
    for from in CaseStatus::ALL {
        for t in CaseTransition::ALL {
            match (apply(from, t), expected_case(from, t)) {
                (Ok(to), Some(expected)) => {
                    assert_eq!(to, expected, "{from} --{t}-->");
                    legal += 1;
                }
                (Err(e), None) => {
                    assert_eq!(
                        e,
                        IllegalTransition {
                            from,
                            transition: t,
                            allowed: from.allowed_transitions(),
                        }
                    );
                    assert!(!e.allowed.contains(&t));
                }
                (got, expected) => panic!("{from} --{t}-->: got {got:?}, want {expected:?}"),
            }
        }
    }
    assert_eq!(legal, 7);
}

#[test]
fn illegal_transition_message_names_the_allowed_ones() {
    let e = apply(CaseStatus::Closed, CaseTransition::Suspend).unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot `suspend` a case file in status `closed`; allowed transitions: `reopen`"
    );
    let e = apply(CaseStatus::Intake, CaseTransition::Resume).unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot `resume` a case file in status `intake`; allowed transitions: \
         `activate`, `close`"
    );
}

#[test]
fn closing_reason_is_required_to_close_and_refused_otherwise() {
    for t in CaseTransition::ALL {
        let with = check_transition_request(t, Some(ClosingReason::MovedAway), "ok");
        let without = check_transition_request(t, None, "ok");
        if t == CaseTransition::Close {
            assert_eq!(with, Ok(()));
            let e = without.unwrap_err();
            assert_eq!(fields(&e), ["closing_reason"]);
        } else {
            assert_eq!(without, Ok(()));
            let e = with.unwrap_err();
            assert_eq!(fields(&e), ["closing_reason"]);
            assert!(e.errors()[0].detail.contains(t.as_str()));
        }
    }
}

#[test]
fn reason_text_is_mandatory_and_bounded() {
    let close = CaseTransition::Close;
    let e = check_transition_request(close, None, "  \n ").unwrap_err();
    assert_eq!(fields(&e), ["closing_reason", "reason"]);
    let e = check_transition_request(CaseTransition::Activate, None, "").unwrap_err();
    assert_eq!(fields(&e), ["reason"]);
    // 2000 multi-byte characters are fine, 2001 are not
    let max = "è".repeat(TRANSITION_REASON_MAX_CHARS);
    assert_eq!(
        check_transition_request(CaseTransition::Suspend, None, &format!("  {max}  ")),
        Ok(())
    );
    let e =
        check_transition_request(CaseTransition::Suspend, None, &format!("{max}x")).unwrap_err();
    assert_eq!(fields(&e), ["reason"]);
}

#[test]
fn reference_formats_and_parses() {
    let r = CaseReference::new(2025, 42).unwrap();
    assert_eq!(r.as_str(), "CS-2025-000042");
    assert_eq!(r.to_string(), "CS-2025-000042");
    assert_eq!((r.year(), r.sequence()), (2025, 42));
    assert_eq!(CaseReference::parse("CS-2025-000042"), Ok(r.clone()));
    assert_eq!(CaseReference::parse(" cs-2025-000042 "), Ok(r.clone()));
    assert_eq!("CS-2025-000042".parse::<CaseReference>(), Ok(r));
    assert_eq!(
        CaseReference::new(2999, 999_999).map(|r| r.to_string()),
        Ok("CS-2999-999999".into())
    );
    assert_eq!(
        CaseReference::new(2000, 1).map(|r| r.to_string()),
        Ok("CS-2000-000001".into())
    );
    let a = CaseReference::new(2024, 999_999).unwrap();
    let b = CaseReference::new(2025, 1).unwrap();
    assert!(a < b);
}

#[test]
fn reference_rejects_invalid_values() {
    assert!(CaseReference::new(1999, 1).is_err());
    assert!(CaseReference::new(3000, 1).is_err());
    assert!(CaseReference::new(2025, 0).is_err());
    assert!(CaseReference::new(2025, 1_000_000).is_err());
    for bad in [
        "",
        "CS",
        "CS-2025",
        "CS-2025-42",
        "CS-2025-0000042",
        "CS-25-000042",
        "CS-2025-000000",
        "CS-1999-000001",
        "CS-2025-00004a",
        "CS-2025-+00042",
        "CS-+025-000042",
        "CX-2025-000042",
        "CS 2025 000042",
        "CS-2025-000042-1",
        "CS--2025-000042",
        "CS-２０２５-000042",
    ] {
        assert!(CaseReference::parse(bad).is_err(), "{bad} accepted");
    }
}

fn all_pairs(value: u8) -> Vec<(String, u8)> {
    AssessmentDomain::ALL
        .iter()
        .map(|d| (d.as_str().to_owned(), value))
        .collect()
}

#[test]
fn assessment_scores_accept_every_domain_once() {
    let mut pairs = all_pairs(1);
    pairs.reverse();
    pairs[0].1 = 3; // justice
    pairs[7].1 = 0; // housing
    let scores = AssessmentScores::parse(&pairs).unwrap();
    assert_eq!(scores.get(AssessmentDomain::Justice).value(), 3);
    assert_eq!(scores.get(AssessmentDomain::Housing), Severity::MIN);
    assert_eq!(scores.get(AssessmentDomain::Health).value(), 1);
    assert_eq!(scores.max_severity(), Severity::MAX);
    assert_eq!(scores.iter().count(), 8);
    assert_eq!(
        scores.iter().next(),
        Some((AssessmentDomain::Housing, Severity::MIN))
    );
    let zero = AssessmentScores::from_fn(|_| Severity::MIN);
    assert_eq!(zero.max_severity(), Severity::MIN);
    assert_eq!(AssessmentScores::parse(&all_pairs(0)), Ok(zero));
}

#[test]
fn assessment_scores_report_missing_domains() {
    let e = AssessmentScores::parse(&[]).unwrap_err();
    assert_eq!(fields(&e), ["scores"]);
    let mut pairs = all_pairs(2);
    pairs.retain(|(c, _)| c != "income" && c != "justice");
    let e = AssessmentScores::parse(&pairs).unwrap_err();
    assert_eq!(fields(&e), ["scores"]);
    assert_eq!(
        e.errors()[0].detail,
        "every domain must be scored exactly once; missing: `income`, `justice`"
    );
}

#[test]
fn assessment_scores_report_unknown_duplicate_and_out_of_range_entries() {
    let mut pairs = all_pairs(2);
    pairs.push(("housing".into(), 1)); // 8: duplicate
    pairs.push(("weather".into(), 1)); // 9: unknown
    pairs[3].1 = 4; // health out of range
    let e = AssessmentScores::parse(&pairs).unwrap_err();
    assert_eq!(fields(&e), ["scores/3", "scores/8", "scores/9"]);
    assert!(e.errors()[0].detail.contains("health"));
    assert!(e.errors()[1].detail.contains("scores/0"));
    assert!(e.errors()[2].detail.contains("weather"));
}

#[test]
fn severity_range() {
    for v in 0..=3 {
        assert_eq!(Severity::new(v).map(Severity::value), Ok(v));
    }
    assert!(Severity::new(4).is_err());
    assert!(Severity::new(255).is_err());
}

#[test]
fn diary_text_counts_characters_after_trimming() {
    assert!(DiaryText::parse(" \n\t ").is_err());
    assert_eq!(
        DiaryText::parse("  Colloquio con la sig.ra  \n").map(|t| t.as_str().to_owned()),
        Ok("Colloquio con la sig.ra".into())
    );
    let max = "à".repeat(DiaryText::MAX_CHARS);
    assert!(DiaryText::parse(&max).is_ok());
    assert!(DiaryText::parse(&format!("{max}à")).is_err());
}

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap()
}

#[test]
fn diary_edit_window_is_strictly_24_hours() {
    let created = t0();
    assert!(diary_entry_editable(created, created));
    assert!(diary_entry_editable(
        created,
        created + Duration::hours(23) + Duration::minutes(59) + Duration::seconds(59)
    ));
    assert!(!diary_entry_editable(
        created,
        created + Duration::hours(24)
    ));
    assert!(!diary_entry_editable(created, created + Duration::days(30)));
}

#[test]
fn occurred_at_may_be_at_most_five_minutes_ahead() {
    let now = t0();
    assert_eq!(check_occurred_at(now - Duration::days(400), now), Ok(()));
    assert_eq!(check_occurred_at(now + Duration::minutes(5), now), Ok(()));
    assert!(check_occurred_at(now + Duration::minutes(5) + Duration::seconds(1), now).is_err());
}

#[test]
fn periods_overlap_with_exclusive_ends() {
    let (d1, d5, d10, d20) = (
        day(2025, 1, 1),
        day(2025, 1, 5),
        day(2025, 1, 10),
        day(2025, 1, 20),
    );
    assert!(periods_overlap(d1, Some(d10), d5, Some(d20)));
    assert!(periods_overlap(d5, Some(d20), d1, Some(d10)));
    assert!(!periods_overlap(d1, Some(d10), d10, Some(d20)));
    assert!(!periods_overlap(d10, None, d1, Some(d10)));
    assert!(periods_overlap(d1, None, d20, None));
    assert!(periods_overlap(d1, None, d5, Some(d10)));
    assert!(periods_overlap(d5, Some(d10), d1, None));
    assert!(!periods_overlap(d1, Some(d5), d10, None));
    // empty periods overlap nothing
    assert!(!periods_overlap(d5, Some(d5), d1, None));
    assert!(!periods_overlap(d1, None, d10, Some(d5)));
}

#[test]
fn one_case_manager_at_a_time() {
    let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
    let existing = [
        TeamAssignment {
            staff_id: a,
            role: TeamRole::CaseManager,
            from: day(2025, 1, 1),
            until: Some(day(2025, 3, 1)),
        },
        TeamAssignment {
            staff_id: c,
            role: TeamRole::Educator,
            from: day(2025, 1, 1),
            until: None,
        },
    ];
    assert!(existing[0].is_current_on(day(2025, 2, 28)));
    assert!(!existing[0].is_current_on(day(2025, 3, 1)));
    let mut new = TeamAssignment {
        staff_id: b,
        role: TeamRole::CaseManager,
        from: day(2025, 2, 1),
        until: None,
    };
    assert_eq!(
        check_team_assignment(&existing, &new),
        Err(TeamRuleViolation::CaseManagerOverlap {
            staff_id: a,
            from: day(2025, 1, 1),
            until: Some(day(2025, 3, 1)),
        })
    );
    new.from = day(2025, 3, 1);
    assert_eq!(check_team_assignment(&existing, &new), Ok(()));
    new.role = TeamRole::SocialWorker;
    new.from = day(2025, 2, 1);
    assert_eq!(check_team_assignment(&existing, &new), Ok(()));
    new.staff_id = c;
    assert!(matches!(
        check_team_assignment(&existing, &new),
        Err(TeamRuleViolation::AlreadyInTeam {
            role: TeamRole::Educator,
            ..
        })
    ));
    new.until = Some(new.from);
    assert!(matches!(
        check_team_assignment(&existing, &new),
        Err(TeamRuleViolation::EmptyPeriod { .. })
    ));
    let message = TeamRuleViolation::CaseManagerOverlap {
        staff_id: a,
        from: day(2025, 1, 1),
        until: None,
    }
    .to_string();
    assert!(
        message.ends_with("from 2025-01-01 with no end date"),
        "{message}"
    );
}

#[test]
fn consent_states() {
    let given = day(2025, 1, 10);
    let expires = Some(day(2025, 6, 30));
    let state = |revoked, today| consent_state(given, expires, revoked, today);
    assert_eq!(state(None, day(2025, 1, 9)), ConsentState::NotYetValid);
    assert_eq!(state(None, given), ConsentState::Active);
    assert_eq!(state(None, day(2025, 6, 30)), ConsentState::Active);
    assert_eq!(state(None, day(2025, 7, 1)), ConsentState::Expired);
    let revoked = Some(day(2025, 3, 1));
    assert_eq!(state(revoked, day(2025, 2, 28)), ConsentState::Active);
    assert_eq!(state(revoked, day(2025, 3, 1)), ConsentState::Revoked);
    // revoked wins over expired
    assert_eq!(state(revoked, day(2026, 1, 1)), ConsentState::Revoked);
    assert_eq!(
        consent_state(given, None, None, day(2099, 1, 1)),
        ConsentState::Active
    );
}

#[test]
fn consent_dates_are_not_before_the_consent() {
    let given = day(2025, 1, 10);
    assert_eq!(check_consent_dates(given, None, None), Ok(()));
    assert_eq!(check_consent_dates(given, Some(given), Some(given)), Ok(()));
    let before = Some(day(2025, 1, 9));
    let e = check_consent_dates(given, before, before).unwrap_err();
    assert_eq!(fields(&e), ["expires_on", "revoked_on"]);
    let e = check_consent_dates(given, None, before).unwrap_err();
    assert_eq!(fields(&e), ["revoked_on"]);
}

#[test]
fn referral_lifecycle_is_exhaustive() {
    use ReferralStatus::*;
    use ReferralTransition::*;
    let table = [
        (Sent, Accept, Accepted),
        (Sent, Reject, Rejected),
        (Accepted, Close, Closed),
        (Rejected, Close, Closed),
    ];
    for from in ReferralStatus::ALL {
        for t in ReferralTransition::ALL {
            let expected = table
                .iter()
                .find(|(f, tr, _)| *f == from && *tr == t)
                .map(|(_, _, to)| *to);
            match expected {
                Some(to) => assert_eq!(apply_referral(from, t), Ok(to)),
                None => assert_eq!(
                    apply_referral(from, t),
                    Err(IllegalReferralTransition {
                        from,
                        transition: t,
                        allowed: from.allowed_transitions(),
                    })
                ),
            }
        }
    }
    assert_eq!(Sent.allowed_transitions(), vec![Accept, Reject]);
    assert_eq!(Accepted.allowed_transitions(), vec![Close]);
    assert_eq!(Rejected.allowed_transitions(), vec![Close]);
    assert_eq!(Closed.allowed_transitions(), vec![]);
    assert_eq!(
        apply_referral(Closed, Accept).unwrap_err().to_string(),
        "cannot `accept` a referral in status `closed`; allowed transitions: none"
    );
}

proptest! {
    #[test]
    fn random_transition_sequences_stay_in_the_lifecycle(
        steps in proptest::collection::vec(proptest::sample::select(CaseTransition::ALL.to_vec()), 0..50)
    ) {
        let mut status = CaseStatus::Intake;
        for t in steps {
            match apply(status, t) {
                Ok(next) => {
                    prop_assert!(status.allowed_transitions().contains(&t));
                    prop_assert_eq!(Some(next), expected_case(status, t));
                    status = next;
                }
                Err(e) => {
                    prop_assert_eq!(e.from, status);
                    prop_assert_eq!(e.transition, t);
                    prop_assert_eq!(&e.allowed, &status.allowed_transitions());
                    prop_assert!(!e.allowed.contains(&t));
                    prop_assert_eq!(expected_case(status, t), None);
                }
            }
            prop_assert!(CaseStatus::ALL.contains(&status));
        }
    }

    #[test]
    fn reference_round_trips(year in 2000i32..=2999, sequence in 1u32..=999_999) {
        let r = CaseReference::new(year, sequence).unwrap();
        prop_assert_eq!(r.as_str().len(), 14);
        let parsed = CaseReference::parse(&r.to_string()).unwrap();
        prop_assert_eq!(parsed.year(), year);
        prop_assert_eq!(parsed.sequence(), sequence);
        prop_assert_eq!(parsed, r);
    }
}
