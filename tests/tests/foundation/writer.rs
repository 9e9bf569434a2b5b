//! The SQLite writer connection: writes that queue up commit together (group commit), each in a
//! savepoint of the group's transaction, so that one that fails leaves nothing and undoes nothing
//! of the others; every write returns only once its changes are committed. And the SQLite build
//! keeps one plan per cached statement.

use std::collections::BTreeSet;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use socialcare_persistence::db::{Database, PoolOptions, sqlite_plans_are_stable};
use socialcare_persistence::error::StoreError;
use socialcare_tests::{Engine, TestDatabase};

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn rows(db: &Database, filter: &str) -> Vec<i64> {
    db.read(|c| {
        Ok(
            diesel::sql_query(format!("SELECT n FROM grouped {filter} ORDER BY n"))
                .load::<Row>(c)?
                .into_iter()
                .map(|r| r.n)
                .collect(),
        )
    })
    .unwrap()
}

fn insert(c: &mut socialcare_persistence::AnyConnection, n: i64) -> Result<(), StoreError> {
    diesel::sql_query(format!("INSERT INTO grouped (n) VALUES ({n})")).execute(c)?;
    Ok(())
}

#[test]
fn sqlite_statements_keep_their_plan() {
    let Some(test_db) = TestDatabase::create(Engine::Sqlite) else {
        return;
    };
    let db = Database::connect(&test_db.url(), &PoolOptions::default()).unwrap();
    assert!(
        db.with_conn(sqlite_plans_are_stable).unwrap(),
        "SQLite built without SQLITE_ENABLE_QPSG (.cargo/config.toml)"
    );
}

#[test]
fn queued_writes_commit_together_and_fail_alone() {
    let Some(test_db) = TestDatabase::create(Engine::Sqlite) else {
        return;
    };
    let db = Database::connect(&test_db.url(), &PoolOptions::default()).unwrap();
    db.write(|c| -> Result<(), StoreError> {
        c.batch_execute("CREATE TABLE grouped (n INTEGER PRIMARY KEY)")?;
        Ok(())
    })
    .unwrap();
    let before = db.write_groups().unwrap();

    // Eight writers, 25 writes each, each holding the writer a millisecond so that the others
    // queue. Every fifth write inserts its row and then refuses; every seventh inserts its row
    // twice (a unique violation from SQLite itself). Neither may leave its row behind.
    let threads: Vec<_> = (0..8_i64)
        .map(|t| {
            let db = db.clone();
            std::thread::spawn(move || {
                let mut committed = Vec::new();
                for i in 0..25_i64 {
                    let n = t * 100 + i + 1;
                    let refuses = n % 5 == 0;
                    let duplicates = n % 7 == 0;
                    let outcome = db.write(|c| {
                        insert(c, n)?;
                        std::thread::sleep(Duration::from_millis(1));
                        if duplicates {
                            insert(c, n)?;
                        }
                        if refuses {
                            return Err(StoreError::Internal("refused".into()));
                        }
                        Ok(())
                    });
                    assert_eq!(outcome.is_ok(), !refuses && !duplicates, "write {n}");
                    if outcome.is_ok() {
                        // Committed when write returns: another connection sees it at once.
                        assert_eq!(rows(&db, &format!("WHERE n = {n}")), vec![n], "row {n}");
                        committed.push(n);
                    }
                }
                committed
            })
        })
        .collect();
    let expected: BTreeSet<i64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();

    let stored: BTreeSet<i64> = rows(&db, "").into_iter().collect();
    assert_eq!(stored, expected, "exactly the successful writes are stored");
    assert!(expected.len() > 100 && expected.len() < 200);
    let after = db.write_groups().unwrap();
    let members = after.members - before.members;
    let commits = after.commits - before.commits;
    assert_eq!(members, expected.len() as u64);
    assert!(
        commits < members / 2,
        "queued writes share commits: {commits} commits for {members} writes"
    );

    // Alone, a write commits by itself, and one that fails leaves nothing.
    db.write(|c| insert(c, 10_000)).unwrap();
    assert!(db.write(|c| insert(c, 10_000)).is_err());
    assert!(
        db.write(|c| {
            insert(c, 10_001)?;
            Err::<(), _>(StoreError::Internal("refused".into()))
        })
        .is_err()
    );
    assert_eq!(rows(&db, "WHERE n >= 10000"), vec![10_000]);
    assert_eq!(db.write_groups().unwrap().commits, after.commits + 1);
}

#[test]
fn postgres_has_no_write_groups() {
    let Some(test_db) = TestDatabase::create(Engine::Postgres) else {
        return;
    };
    let db = Database::connect(&test_db.url(), &PoolOptions::default()).unwrap();
    assert_eq!(db.write_groups(), None);
    assert!(db.with_conn(sqlite_plans_are_stable).unwrap());
}
