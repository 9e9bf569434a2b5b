use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn facts(open: i64, closed: Option<NaiveDate>, changed: NaiveDate) -> PersonFacts {
    PersonFacts {
        open_case_files: open,
        last_closed_on: closed,
        last_changed_on: changed,
        last_benefit_on: None,
        benefit_open_ended: false,
    }
}

#[test]
fn a_policy_keeps_identity_at_least_as_long_as_what_would_reveal_it() {
    assert!(RetentionPolicy::new(10, 5, 10).is_ok());
    assert!(RetentionPolicy::new(10, 5, 9).is_err());
    assert!(RetentionPolicy::new(5, 11, 10).is_err());
    assert!(RetentionPolicy::new(0, 5, 10).is_err());
    assert!(RetentionPolicy::new(10, 5, 101).is_err());
    assert_eq!(
        RetentionPolicy::default(),
        RetentionPolicy::new(10, 5, 10).expect("default is valid")
    );
}

#[test]
fn the_cutoff_is_the_same_calendar_day_years_before() {
    let policy = RetentionPolicy::default();
    assert_eq!(
        policy.cutoff(Rule::CaseContent, day(2026, 12, 6)),
        day(2016, 12, 6)
    );
    assert_eq!(
        policy.cutoff(Rule::SpecialCategories, day(2028, 2, 29)),
        day(2023, 2, 28)
    );
}

#[test]
fn a_person_is_due_only_when_nothing_is_open_and_the_anchor_is_old_enough() {
    let policy = RetentionPolicy::default();
    let today = day(2026, 12, 6);
    let old = facts(0, Some(day(2016, 12, 5)), day(2015, 1, 1));
    assert!(old.due(&policy, Rule::Identity, today));
    assert!(old.due(&policy, Rule::SpecialCategories, today));
    // The cutoff day itself is still kept.
    let edge = facts(0, Some(day(2016, 12, 6)), day(2015, 1, 1));
    assert!(!edge.due(&policy, Rule::Identity, today));
    assert!(edge.due(&policy, Rule::SpecialCategories, today));
    // An open file keeps everything.
    let open = facts(1, Some(day(2000, 1, 1)), day(2000, 1, 1));
    assert!(!open.due(&policy, Rule::SpecialCategories, today));
    // A recent change to the record of a person with files (an import, a correction) does
    // not restart the period of a file closed long ago.
    let changed = facts(0, Some(day(2000, 1, 1)), day(2026, 12, 1));
    assert!(changed.due(&policy, Rule::Identity, today));
    // Without files, it does.
    let registered = facts(0, None, day(2024, 1, 1));
    assert!(!registered.due(&policy, Rule::Identity, today));
    // Without any file, the last change counts.
    let never = facts(0, None, day(2010, 1, 1));
    assert!(never.due(&policy, Rule::Identity, today));
    // A benefit without end, or ended recently, keeps the person.
    let mut running = old;
    running.benefit_open_ended = true;
    assert!(!running.due(&policy, Rule::SpecialCategories, today));
    let mut recent = old;
    recent.last_benefit_on = Some(day(2023, 6, 30));
    assert!(!recent.due(&policy, Rule::SpecialCategories, today));
}

#[test]
fn a_case_file_content_is_due_years_after_it_closed() {
    let policy = RetentionPolicy::default();
    let today = day(2026, 12, 6);
    assert!(case_content_due(&policy, Some(day(2016, 12, 5)), today));
    assert!(!case_content_due(&policy, Some(day(2016, 12, 6)), today));
    assert!(!case_content_due(&policy, None, today));
}

#[test]
fn pseudonyms_are_letters_and_tell_persons_apart() {
    let mut seen = BTreeSet::new();
    for _ in 0..1000 {
        let name = pseudonym(uuid::Uuid::now_v7());
        let letters = name.strip_prefix("Persona ").expect("prefix");
        assert_eq!(letters.len(), 10);
        assert!(letters.chars().all(|c| c.is_ascii_uppercase()), "{name}");
        assert!(seen.insert(name));
    }
    assert_eq!(coarse_birth_date(day(1980, 7, 14)), day(1980, 1, 1));
}

#[test]
fn every_table_is_listed_once() {
    let mut tables = BTreeSet::new();
    for kind in KINDS {
        assert!(tables.insert(kind.table), "{} twice", kind.table);
        assert_eq!(kind.delete, kind.rule == Rule::SpecialCategories);
        assert!(!kind.title.is_empty() && !kind.purpose.is_empty());
    }
    for (table, reason) in NOT_ABOUT_PERSONS {
        assert!(tables.insert(table), "{table} twice");
        assert!(!reason.is_empty());
    }
    for rule in Rule::ALL {
        assert_eq!(Rule::parse(rule.as_str()), Some(rule));
    }
}
