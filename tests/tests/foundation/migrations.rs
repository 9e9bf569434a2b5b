//! Migrations: both engines get the same schema, and every down migration undoes its up.

use socialcare_persistence::migrations::{self, ColumnInfo, FunctionInfo, IndexInfo, TriggerInfo};
use socialcare_persistence::schema::TABLES;
use socialcare_persistence::{AnyConnection, DbTarget};
use socialcare_tests::{Engine, TestDatabase};

fn connect(engine: Engine) -> Option<(TestDatabase, AnyConnection)> {
    let db = TestDatabase::create(engine)?;
    Some(open(db))
}

fn open(db: TestDatabase) -> (TestDatabase, AnyConnection) {
    let conn = DbTarget::parse(&db.url()).unwrap().connect().unwrap();
    (db, conn)
}

type Snapshot = (
    Vec<ColumnInfo>,
    Vec<IndexInfo>,
    Vec<TriggerInfo>,
    Vec<FunctionInfo>,
);

fn snapshot(conn: &mut AnyConnection) -> Snapshot {
    (
        migrations::columns(conn).unwrap(),
        migrations::indexes(conn).unwrap(),
        migrations::triggers(conn).unwrap(),
        migrations::functions(conn).unwrap(),
    )
}

/// Migrations that only add a PostgreSQL function, with nothing to mirror on SQLite (no stored
/// functions there): their SQLite migration changes nothing, on purpose.
const POSTGRES_FUNCTION_ONLY: &[&str] = &["20261207000046"];

fn schema_columns() -> Vec<(String, String)> {
    let mut expected: Vec<(String, String)> = TABLES
        .iter()
        .flat_map(|(t, cols)| cols.iter().map(|c| ((*t).to_owned(), (*c).to_owned())))
        .collect();
    expected.sort();
    expected
}

fn names(cols: &[ColumnInfo]) -> Vec<(String, String)> {
    cols.iter()
        .map(|c| (c.table_name.clone(), c.column_name.clone()))
        .collect()
}

#[test]
fn both_migration_sets_have_the_same_versions() {
    assert_eq!(
        migrations::versions(true).unwrap(),
        migrations::versions(false).unwrap()
    );
}

fn check_engine(engine: Engine) -> Option<(Vec<ColumnInfo>, Vec<IndexInfo>)> {
    connect(engine).map(|db| check(engine, db))
}

fn check(
    engine: Engine,
    (_db, mut conn): (TestDatabase, AnyConnection),
) -> (Vec<ColumnInfo>, Vec<IndexInfo>) {
    // Step through every migration: up, down (schema back to before), up again.
    loop {
        let before = snapshot(&mut conn);
        let Some(version) = migrations::run_next(&mut conn).unwrap() else {
            break;
        };
        let after = snapshot(&mut conn);
        if engine == Engine::Sqlite && POSTGRES_FUNCTION_ONLY.contains(&version.as_str()) {
            assert_eq!(before, after, "{version} is a no-op on SQLite");
        } else {
            assert_ne!(before, after, "{version} changed nothing on {engine:?}");
        }
        assert_eq!(migrations::revert_last(&mut conn).unwrap(), version);
        assert_eq!(
            snapshot(&mut conn),
            before,
            "down of {version} does not undo its up on {engine:?}"
        );
        assert_eq!(migrations::run_next(&mut conn).unwrap(), Some(version));
    }
    let (columns, indexes, _, _) = snapshot(&mut conn);
    assert_eq!(
        names(&columns),
        schema_columns(),
        "{engine:?} schema differs from schema.rs"
    );
    (columns, indexes)
}

#[test]
fn sqlite_migrations_match_schema_and_revert() {
    check_engine(Engine::Sqlite);
}

#[test]
fn postgres_migrations_match_sqlite_and_revert() {
    let Some(pg) = check_engine(Engine::Postgres) else {
        return;
    };
    // SQLite is the reference even when this run skips its own tests.
    let reference = TestDatabase::create_unselected(Engine::Sqlite).unwrap();
    let sqlite = check(Engine::Sqlite, open(reference));
    assert_eq!(
        pg.0, sqlite.0,
        "columns or nullability differ between engines"
    );
    assert_eq!(pg.1, sqlite.1, "indexes differ between engines");
}

#[test]
fn uuids_and_instants_round_trip() {
    use chrono::{SubsecRound, Utc};
    use diesel::prelude::*;
    use socialcare_persistence::schema::audit_records;
    use socialcare_persistence::sql_types::{DbInstant, DbUuid};
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let Some((_db, mut conn)) = connect(engine) else {
            continue;
        };
        migrations::run_pending_on(&mut conn).unwrap();
        let id = uuid::Uuid::now_v7();
        let at = Utc::now().trunc_subsecs(6);
        diesel::insert_into(audit_records::table)
            .values((
                audit_records::id.eq(DbUuid(id)),
                audit_records::occurred_at.eq(DbInstant(at)),
                audit_records::actor_roles.eq(""),
                audit_records::action.eq("test"),
                audit_records::resource_type.eq("test"),
                audit_records::outcome.eq("success"),
                audit_records::seq.eq(1_i64),
                audit_records::prev_hash.eq(""),
                audit_records::hash.eq(""),
            ))
            .execute(&mut conn)
            .unwrap();
        let (got_id, got_at): (DbUuid, DbInstant) = audit_records::table
            .filter(audit_records::id.eq(DbUuid(id)))
            .filter(audit_records::occurred_at.le(DbInstant(at)))
            .select((audit_records::id, audit_records::occurred_at))
            .first(&mut conn)
            .unwrap();
        assert_eq!((got_id.0, got_at.0), (id, at), "{engine:?}");
    }
}
