//! Tests of the assessment and diary rules.

use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn notes_are_trimmed_optional_and_bounded() {
    assert_eq!(parse_assessment_notes(None), Ok(None));
    assert_eq!(parse_assessment_notes(Some("   ")), Ok(None));
    assert_eq!(
        parse_assessment_notes(Some("  casa  ")),
        Ok(Some("casa".into()))
    );
    let max = "à".repeat(ASSESSMENT_NOTES_MAX_CHARS);
    assert_eq!(parse_assessment_notes(Some(&max)), Ok(Some(max.clone())));
    assert!(parse_assessment_notes(Some(&format!("{max}x"))).is_err());
}

#[test]
fn assessment_day_is_within_the_file_life_and_not_future() {
    let opened = day(2026, 3, 1);
    let today = day(2026, 11, 26);
    assert!(check_assessed_on(opened, opened, today).is_ok());
    assert!(check_assessed_on(today, opened, today).is_ok());
    assert!(check_assessed_on(day(2026, 2, 28), opened, today).is_err());
    assert!(check_assessed_on(day(2026, 11, 27), opened, today).is_err());
}

#[test]
fn assessment_versions_count_from_one() {
    assert_eq!(next_assessment_version(None), 1);
    assert_eq!(next_assessment_version(Some(1)), 2);
    assert_eq!(next_assessment_version(Some(41)), 42);
}

#[test]
fn only_the_author_edits_and_only_within_the_window() {
    let author = Uuid::now_v7();
    let other = Uuid::now_v7();
    let created = DateTime::parse_from_rfc3339("2026-11-26T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let soon = created + Duration::hours(DIARY_EDIT_WINDOW_HOURS) - Duration::seconds(1);
    let late = created + Duration::hours(DIARY_EDIT_WINDOW_HOURS);
    assert_eq!(check_diary_edit(author, author, created, soon), Ok(()));
    assert_eq!(
        check_diary_edit(author, author, created, late),
        Err(DiaryEditRefusal::WindowClosed)
    );
    assert_eq!(
        check_diary_edit(author, other, created, soon),
        Err(DiaryEditRefusal::NotAuthor)
    );
    assert!(
        DiaryEditRefusal::WindowClosed
            .to_string()
            .contains("add a correcting entry")
    );
}
