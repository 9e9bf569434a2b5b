//! Tests of the consent and referral requests.

use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn fields(errors: &ValidationErrors) -> Vec<&str> {
    errors.errors().iter().map(|e| e.field.as_str()).collect()
}

#[test]
fn consent_terms_need_the_fields_of_their_kind() {
    let t = ConsentTerms::parse(ConsentKind::PrivacyNotice, Some(" 2026.1 "), None, None).unwrap();
    assert_eq!(t.privacy_notice_version.as_deref(), Some("2026.1"));
    let e =
        ConsentTerms::parse(ConsentKind::PrivacyNotice, Some("  "), Some("ASL"), None).unwrap_err();
    assert_eq!(fields(&e), ["privacy_notice_version", "organisation"]);
    let t = ConsentTerms::parse(
        ConsentKind::DataSharing,
        None,
        Some("Centro per l'impiego di Trento"),
        Some("Employment path"),
    )
    .unwrap();
    assert_eq!(
        t.organisation.as_deref(),
        Some("Centro per l'impiego di Trento")
    );
    let e = ConsentTerms::parse(ConsentKind::DataSharing, Some("1"), None, Some("x")).unwrap_err();
    assert_eq!(fields(&e), ["organisation", "privacy_notice_version"]);
}

#[test]
fn consent_terms_limit_lengths_in_characters() {
    let org = "à".repeat(ORGANISATION_MAX_CHARS);
    let purpose = "è".repeat(PURPOSE_MAX_CHARS);
    assert!(
        ConsentTerms::parse(ConsentKind::DataSharing, None, Some(&org), Some(&purpose)).is_ok()
    );
    let e = ConsentTerms::parse(
        ConsentKind::DataSharing,
        None,
        Some(&format!("{org}à")),
        Some(&format!("{purpose}è")),
    )
    .unwrap_err();
    // too long, not also "required"
    assert_eq!(fields(&e), ["organisation", "purpose"]);
    let v = "1".repeat(PRIVACY_NOTICE_VERSION_MAX_CHARS + 1);
    let e = ConsentTerms::parse(ConsentKind::PrivacyNotice, Some(&v), None, None).unwrap_err();
    assert_eq!(fields(&e), ["privacy_notice_version"]);
}

#[test]
fn revocation_needs_a_reason() {
    assert_eq!(check_revocation_reason(" moved ").unwrap(), "moved");
    assert_eq!(
        fields(&check_revocation_reason(" ").unwrap_err()),
        ["reason"]
    );
    let long = "x".repeat(REVOCATION_REASON_MAX_CHARS + 1);
    assert_eq!(
        fields(&check_revocation_reason(&long).unwrap_err()),
        ["reason"]
    );
}

#[test]
fn referral_details_are_required_and_bounded() {
    let d = ReferralDetails::parse(" CPI Trento ", " job search ").unwrap();
    assert_eq!(
        (d.organisation.as_str(), d.reason.as_str()),
        ("CPI Trento", "job search")
    );
    let e = ReferralDetails::parse("", " ").unwrap_err();
    assert_eq!(fields(&e), ["organisation", "reason"]);
    let e = ReferralDetails::parse(&"o".repeat(201), &"r".repeat(4001)).unwrap_err();
    assert_eq!(fields(&e), ["organisation", "reason"]);
    assert!(ReferralDetails::parse(&"o".repeat(200), &"r".repeat(4000)).is_ok());
}

#[test]
fn replies_are_required_to_accept_and_reject() {
    use ReferralTransition::*;
    for t in [Accept, Reject] {
        assert_eq!(
            fields(&check_referral_transition_request(t, None).unwrap_err()),
            ["reply_text"]
        );
        assert_eq!(
            fields(&check_referral_transition_request(t, Some(" ")).unwrap_err()),
            ["reply_text"]
        );
        assert_eq!(
            check_referral_transition_request(t, Some(" ok ")),
            Ok(Some("ok".into()))
        );
    }
    assert_eq!(check_referral_transition_request(Close, None), Ok(None));
    assert_eq!(
        check_referral_transition_request(Close, Some("done")),
        Ok(Some("done".into()))
    );
    let long = "x".repeat(REPLY_TEXT_MAX_CHARS + 1);
    assert!(check_referral_transition_request(Close, Some(&long)).is_err());
}

fn referral(status: ReferralStatus) -> Referral {
    let t = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    Referral {
        id: Uuid::from_u128(1),
        case_file_id: Uuid::from_u128(2),
        direction: ReferralDirection::Outgoing,
        service: ExternalService::EmploymentCentre,
        details: ReferralDetails::parse("CPI", "work").unwrap(),
        organisation_id: None,
        answered_by_client: None,
        status,
        sent_on: day(2026, 3, 1),
        reply_text: None,
        replied_on: None,
        closed_on: None,
        version: 1,
        created_by: Uuid::from_u128(3),
        created_at: t,
        updated_at: t,
        updated_by: Uuid::from_u128(3),
    }
}

#[test]
fn changes_record_replies_and_closing_days() {
    let today = day(2026, 4, 1);
    let sent = referral(ReferralStatus::Sent);
    let c = change_referral(
        &sent,
        ReferralTransition::Accept,
        day(2026, 3, 10),
        Some("yes".into()),
        today,
    )
    .unwrap();
    assert_eq!(c.to, ReferralStatus::Accepted);
    assert_eq!(
        (c.reply_text.as_deref(), c.replied_on),
        (Some("yes"), Some(day(2026, 3, 10)))
    );
    assert_eq!(c.closed_on, None);
    let mut accepted = referral(ReferralStatus::Accepted);
    accepted.reply_text = Some("yes".into());
    accepted.replied_on = Some(day(2026, 3, 10));
    let c = change_referral(
        &accepted,
        ReferralTransition::Close,
        day(2026, 3, 10),
        Some("note".into()),
        today,
    )
    .unwrap();
    assert_eq!(c.to, ReferralStatus::Closed);
    assert_eq!(c.reply_text.as_deref(), Some("yes"));
    assert_eq!(c.closed_on, Some(day(2026, 3, 10)));
    assert!(matches!(
        change_referral(
            &accepted,
            ReferralTransition::Close,
            day(2026, 3, 9),
            None,
            today
        ),
        Err(ReferralChangeError::Date(_))
    ));
    assert!(matches!(
        change_referral(
            &sent,
            ReferralTransition::Reject,
            day(2026, 2, 28),
            Some("no".into()),
            today
        ),
        Err(ReferralChangeError::Date(_))
    ));
    assert!(matches!(
        change_referral(
            &sent,
            ReferralTransition::Reject,
            day(2026, 4, 2),
            Some("no".into()),
            today
        ),
        Err(ReferralChangeError::Date(_))
    ));
    // Legality first, even with a bad date.
    assert!(matches!(
        change_referral(&sent, ReferralTransition::Close, day(2030, 1, 1), None, today),
        Err(ReferralChangeError::Illegal(IllegalReferralTransition { allowed, .. }))
            if allowed == vec![ReferralTransition::Accept, ReferralTransition::Reject]
    ));
}

#[test]
fn consent_state_on_a_day() {
    let t = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    let consent = Consent {
        id: Uuid::from_u128(1),
        case_file_id: Uuid::from_u128(2),
        terms: ConsentTerms::parse(ConsentKind::PrivacyNotice, Some("1"), None, None).unwrap(),
        given_on: day(2026, 1, 1),
        expires_on: Some(day(2026, 1, 31)),
        revoked_on: None,
        revocation_reason: None,
        version: 1,
        recorded_by: Uuid::from_u128(3),
        created_at: t,
        updated_at: t,
        updated_by: Uuid::from_u128(3),
    };
    assert_eq!(consent.state_on(day(2026, 1, 31)), ConsentState::Active);
    assert_eq!(consent.state_on(day(2026, 2, 1)), ConsentState::Expired);
}

#[test]
fn a_new_consent_is_not_given_in_the_future_nor_expires_before() {
    let today = day(2026, 5, 10);
    assert_eq!(check_new_consent_dates(today, None, today), Ok(()));
    assert_eq!(
        check_new_consent_dates(day(2026, 5, 1), Some(day(2026, 5, 1)), today),
        Ok(())
    );
    let e = check_new_consent_dates(day(2026, 5, 11), Some(day(2026, 5, 5)), today).unwrap_err();
    assert_eq!(fields(&e), ["given_on", "expires_on"]);
    assert_eq!(e.errors()[0].detail, crate::dates::IN_THE_FUTURE);
}

#[test]
fn a_consent_is_revoked_once_from_a_day_between_giving_and_today() {
    let t = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    let mut consent = Consent {
        id: Uuid::from_u128(1),
        case_file_id: Uuid::from_u128(2),
        terms: ConsentTerms::parse(ConsentKind::PrivacyNotice, Some("1"), None, None).unwrap(),
        given_on: day(2026, 2, 1),
        expires_on: None,
        revoked_on: None,
        revocation_reason: None,
        version: 1,
        recorded_by: Uuid::from_u128(3),
        created_at: t,
        updated_at: t,
        updated_by: Uuid::from_u128(3),
    };
    let today = day(2026, 3, 1);
    assert_eq!(check_revocation(&consent, day(2026, 2, 1), today), Ok(()));
    assert_eq!(check_revocation(&consent, today, today), Ok(()));
    for refused in [day(2026, 1, 31), day(2026, 3, 2)] {
        match check_revocation(&consent, refused, today) {
            Err(RevocationRefusal::Invalid(e)) => assert_eq!(fields(&e), ["revoked_on"]),
            other => panic!("{refused}: {other:?}"),
        }
    }
    consent.revoked_on = Some(day(2026, 2, 15));
    let refusal = check_revocation(&consent, today, today).unwrap_err();
    assert_eq!(refusal, RevocationRefusal::AlreadyRevoked(day(2026, 2, 15)));
    assert!(refusal.to_string().contains("2026-02-15"));
}
