use super::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 6).expect("a day")
}

fn read(text: &str) -> ImportFile {
    read_file(text.as_bytes(), today()).expect("a readable file")
}

fn problems(line: &Line) -> Vec<(Option<String>, String)> {
    match &line.verdict {
        Verdict::Valid(_) => Vec::new(),
        Verdict::Refused { problems, .. } => problems
            .iter()
            .map(|p| (p.column.clone(), p.reason.clone()))
            .collect(),
    }
}

fn columns_of(line: &Line) -> Vec<String> {
    problems(line).into_iter().filter_map(|(c, _)| c).collect()
}

#[test]
fn the_template_is_a_valid_file() {
    let file = read(&template());
    assert_eq!(file.delimiter, ';');
    assert_eq!(file.lines.len(), 1);
    let row = file.lines[0]
        .verdict
        .row()
        .expect("the example row is valid");
    assert_eq!(row.person.family_names.as_str(), "Rossi");
    let case = row.case_file.as_ref().expect("a case file");
    assert_eq!(case.area, Area::SocialInclusion);
    assert_eq!(case.target_groups, vec![TargetGroup::Homeless]);
    let household = row.household.as_ref().expect("a household");
    assert_eq!(household.relationship, Relationship::ReferencePerson);
}

#[test]
fn the_delimiter_is_the_header_s_and_a_bom_is_ignored() {
    let file = read("\u{feff}Given_Names , family_names,birth_date\nAnna,Verdi,31/01/1980\n");
    assert_eq!(file.delimiter, ',');
    let row = file.lines[0].verdict.row().expect("valid");
    assert_eq!(row.person.birth_date, NaiveDate::from_ymd_opt(1980, 1, 31));
    assert_eq!(file.lines[0].number, 2);
}

#[test]
fn a_file_that_cannot_be_read_is_refused_whole() {
    let cases: [(&[u8], &str); 6] = [
        (b"given_names\nAnna\n", "one column"),
        (
            b"given_names;surname\nAnna;Verdi\n",
            "unknown column `surname`",
        ),
        (b"given_names;given_names\nAnna;Anna\n", "named twice"),
        (
            b"given_names;birth_date\nAnna;1980-01-01\n",
            "no `family_names` column",
        ),
        (b"given_names;family_names\n", "no rows"),
        (b"given_names;family_names\nAnna;Verd\xe0\n", "not UTF-8"),
    ];
    for (bytes, expected) in cases {
        let error = read_file(bytes, today()).expect_err("refused");
        assert!(error.0.contains(expected), "{expected}: {}", error.0);
    }
}

#[test]
fn each_problem_names_its_column() {
    let file = read(
        "given_names;family_names;birth_date;sex;tax_code;postal_code;case_area;case_manager\n\
         Anna;Verdi;2030-01-01;x;ABC;12;nowhere;\n\
         Anna;;01/01/1980;F;;;;\n\
         Bruno;Neri;1980-13-01;;;;;l.bianchi\n\
         Carla;Bi\u{7}anchi;;;;;;\n",
    );
    let first = columns_of(&file.lines[0]);
    for column in [
        "birth_date",
        "sex",
        "tax_code",
        "case_area",
        "case_manager",
        "case_target_groups",
        "case_opened_on",
    ] {
        assert!(first.contains(&column.to_owned()), "{column}: {first:?}");
    }
    assert!(first.contains(&"street".to_owned()) || first.contains(&"municipality".to_owned()));
    assert_eq!(columns_of(&file.lines[1]), vec!["family_names"]);
    assert_eq!(
        columns_of(&file.lines[2]),
        vec!["birth_date", "case_manager"]
    );
    assert_eq!(
        problems(&file.lines[3]),
        vec![(
            Some("family_names".to_owned()),
            "holds a control character".to_owned()
        )]
    );
}

#[test]
fn a_row_with_too_few_fields_is_refused_not_the_file() {
    let file = read("given_names;family_names;sex\nAnna;Verdi\nBruno;Neri;male\n");
    assert_eq!(problems(&file.lines[0]).len(), 1);
    assert!(file.lines[1].verdict.row().is_some());
}

#[test]
fn the_same_person_twice_in_a_file_is_refused_on_the_later_line() {
    let file = read(
        "given_names;family_names;birth_date;tax_code;confirm_new_person\n\
         Mario;Rossi;1970-03-15;RSSMRA70C15L378I;\n\
         Mario;Rossi;1970-03-15;;no\n\
         Rossi;Mario;1970-03-15;;si\n\
         Luigi;Verdi;1970-03-15;RSSMRA70C15L378I;\n",
    );
    assert!(file.lines[0].verdict.row().is_some());
    assert!(problems(&file.lines[1])[0].1.contains("line 2"));
    assert!(file.lines[2].verdict.row().is_some(), "confirmed");
    assert_eq!(columns_of(&file.lines[3]), vec!["tax_code"]);
}

#[test]
fn a_household_is_imported_with_its_reference_person_or_not_at_all() {
    let file = read(
        "given_names;family_names;household;household_relationship\n\
         Anna;Verdi;A;reference_person\n\
         Bruno;Verdi;A;child\n\
         Carla;Neri;B;spouse\n\
         Dario;Neri;C;reference_person\n\
         Elena;Neri;C;reference_person\n\
         Fabio;Bianchi;D;\n",
    );
    assert!(file.lines[0].verdict.row().is_some());
    assert!(file.lines[1].verdict.row().is_some());
    assert!(problems(&file.lines[2])[0].1.contains("reference_person"));
    assert!(problems(&file.lines[3])[0].1.contains("more than one"));
    assert!(problems(&file.lines[4])[0].1.contains("more than one"));
    assert_eq!(columns_of(&file.lines[5]), vec!["household_relationship"]);
}

#[test]
fn the_office_s_facts_refuse_registered_persons_and_wrong_case_managers() {
    let mut file = read(
        "given_names;family_names;birth_date;tax_code;household;household_relationship;case_area;case_target_groups;case_opened_on;case_manager\n\
         Mario;Rossi;1970-03-15;RSSMRA70C15L378I;A;reference_person;;;;\n\
         Maria;Rossi;1972-01-01;;A;spouse;;;;\n\
         Gino;Bianchi;1960-01-01;;;;social_inclusion;homeless;2024-01-01;l.bianchi\n\
         Pia;Neri;1960-01-01;;;;social_inclusion;homeless;2024-01-01;a.nobody\n",
    );
    let registered = Uuid::from_u128(7);
    let mut facts = OfficeFacts::default();
    facts
        .tax_codes
        .insert("RSSMRA70C15L378I".into(), registered);
    facts.staff.insert(
        "l.bianchi".into(),
        crate::case_file::StaffFacts {
            active: true,
            roles: [crate::staff::Role::SocialWorker].into(),
            areas: [Area::SocialInclusion].into(),
        },
    );
    check_against_office(&mut file.lines, &facts);
    match &file.lines[0].verdict {
        Verdict::Refused { candidates, .. } => assert_eq!(candidates, &vec![registered]),
        other => panic!("{other:?}"),
    }
    assert!(problems(&file.lines[1])[0].1.contains("reference_person"));
    assert!(file.lines[2].verdict.row().is_some());
    assert_eq!(
        problems(&file.lines[3]),
        vec![(
            Some("case_manager".to_owned()),
            "no user with this username".to_owned()
        )]
    );
}

#[test]
fn batches_keep_households_whole_and_are_stable() {
    let mut text = String::from("given_names;family_names;household;household_relationship\n");
    for i in 0..(BATCH_ROWS * 2 + 10) {
        let key = if i % 100 == 0 {
            format!("H{}", i / 100)
        } else {
            String::new()
        };
        let relationship = if key.is_empty() {
            ""
        } else {
            "reference_person"
        };
        text.push_str(&format!("Anna;Verdi;{key};{relationship}\n"));
    }
    // A member of the first household at the very end of the file.
    text.push_str("Bruno;Verdi;H0;child\n");
    let file = read(&text);
    let batches = batches(&file.lines);
    assert_eq!(batches.len(), 3);
    let last = file.lines.len() - 1;
    assert!(
        batches[0].contains(&last),
        "the member joins its household's batch"
    );
    assert_eq!(
        batches.iter().map(Vec::len).sum::<usize>(),
        file.lines.len()
    );
    assert_eq!(batches, super::batches(&file.lines));
}

#[test]
fn every_column_is_documented() {
    let doc = include_str!("../../../docs/import.md");
    for column in COLUMNS {
        assert!(
            doc.contains(&format!("| `{}` |", column.name)),
            "docs/import.md does not describe `{}`",
            column.name
        );
    }
}

mod properties {
    use proptest::prelude::*;

    use super::super::*;
    use super::today;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Whatever bytes arrive, the reader answers (a file or why not) and never panics.
        #[test]
        fn any_bytes_are_read_or_refused(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = read_file(&bytes, today());
        }

        /// Rows of the template's columns with arbitrary text (up to 1 300, so up to three
        /// batches): every line is judged once, and the batches hold every line exactly once
        /// with each household whole.
        #[test]
        fn every_line_is_in_one_batch_with_its_household(
            rows in proptest::collection::vec(
                ("[A-Za-z ]{0,8}", "[A-Za-z]{0,8}", "(H[0-3])?", "(reference_person|child|spouse|x)?"),
                1..1300,
            )
        ) {
            let mut text = String::from("given_names;family_names;household;household_relationship\n");
            for (given, family, key, relationship) in &rows {
                text.push_str(&format!("{given};{family};{key};{relationship}\n"));
            }
            let file = read_file(text.as_bytes(), today()).expect("a header and rows");
            prop_assert_eq!(file.lines.len(), rows.len());
            let batches = batches(&file.lines);
            let mut seen: Vec<usize> = batches.iter().flatten().copied().collect();
            seen.sort_unstable();
            prop_assert_eq!(seen, (0..file.lines.len()).collect::<Vec<_>>());
            for line in &file.lines {
                if let Some(h) = line.verdict.row().and_then(|r| r.household.as_ref()) {
                    // A valid member has its reference person among the valid rows.
                    prop_assert!(file.lines.iter().any(|l| l
                        .verdict
                        .row()
                        .and_then(|r| r.household.as_ref())
                        .is_some_and(|o| o.key == h.key
                            && o.relationship == Relationship::ReferencePerson)));
                    let homes: Vec<usize> = batches
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| b.iter().any(|i| file.lines[*i]
                            .verdict
                            .row()
                            .and_then(|r| r.household.as_ref())
                            .is_some_and(|o| o.key == h.key)))
                        .map(|(n, _)| n)
                        .collect();
                    prop_assert_eq!(homes.len(), 1, "household {} split", h.key);
                }
            }
        }
    }
}
