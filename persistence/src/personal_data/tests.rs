use std::collections::BTreeSet;

use socialcare_domain::personal_data::{KINDS, NOT_ABOUT_PERSONS, kind_of};

use super::*;
use crate::schema::TABLES;

#[test]
fn the_parsed_schema_is_the_schema() {
    let parsed = schema_tables();
    let names: BTreeSet<&str> = parsed.keys().copied().collect();
    let declared: BTreeSet<&str> = TABLES.iter().map(|(t, _)| *t).collect();
    assert_eq!(names, declared);
    for (table, columns) in TABLES {
        let def = &parsed[table];
        let parsed_columns: Vec<&str> = def.columns.iter().map(|c| c.name).collect();
        assert_eq!(&parsed_columns, columns, "{table}");
        assert!(!def.key.is_empty(), "{table}");
        for key in &def.key {
            assert!(columns.contains(key), "{table}.{key}");
        }
    }
    let persons = &parsed["persons"];
    let birth = persons
        .columns
        .iter()
        .find(|c| c.name == "birth_date")
        .expect("birth_date");
    assert_eq!((birth.ty, birth.nullable), (ColumnType::Date, true));
    assert_eq!(persons.columns[0].ty, ColumnType::Uuid);
}

/// A table added to the schema must say whether it holds records about persons: the copy and
/// retention cannot forget it.
#[test]
fn every_table_is_a_kind_of_record_about_persons_or_says_why_not() {
    let tables = schema_tables();
    let links: Vec<&str> = LINKS.iter().map(|l| l.table).collect();
    let kinds: Vec<&str> = KINDS.iter().map(|k| k.table).collect();
    assert_eq!(
        links, kinds,
        "LINKS and KINDS list the same tables in one order"
    );
    let excluded: BTreeSet<&str> = NOT_ABOUT_PERSONS.iter().map(|(t, _)| *t).collect();
    for table in tables.keys() {
        assert!(
            kind_of(table).is_some() != excluded.contains(table),
            "{table}: a kind of record about persons, or in NOT_ABOUT_PERSONS with a reason"
        );
    }
    for table in excluded {
        assert!(tables.contains_key(table), "{table} is not in the schema");
    }
}

#[test]
fn the_fields_retention_erases_are_text_columns_of_the_kind() {
    let tables = schema_tables();
    for kind in KINDS {
        let def = &tables[kind.table];
        for field in kind.erase {
            let column = def
                .columns
                .iter()
                .find(|c| c.name == *field)
                .unwrap_or_else(|| panic!("{}.{field} is not a column", kind.table));
            assert_eq!(column.ty, ColumnType::Text, "{}.{field}", kind.table);
        }
        assert!(
            def.columns.iter().all(|c| c.ty != ColumnType::Binary),
            "{} holds binary data the copy cannot show",
            kind.table
        );
    }
}

#[test]
fn every_link_names_its_persons_or_their_files() {
    for link in LINKS {
        assert!(link.by_case_file.is_some() || link.by_person.is_some());
        if let Some(c) = link.by_case_file {
            assert!(c.contains("{cf}") && !c.contains("{p}"), "{}", link.table);
        }
        if let Some(c) = link.by_person {
            assert!(c.contains("{p}") && !c.contains("{cf}"), "{}", link.table);
        }
    }
}
