//! The connection pool: connections the PostgreSQL server closed are replaced, whether the pool
//! handed them out without a test (used moments ago) or tested them first (idle for longer).

use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::Integer;
use socialcare_persistence::db::{ALIVE_BYPASS_WINDOW, Database, PoolOptions};
use socialcare_persistence::error::StoreError;
use socialcare_tests::{Engine, TestDatabase};

#[derive(QueryableByName)]
struct Backend {
    #[diesel(sql_type = Integer)]
    pid: i32,
}

/// The server process behind the pool's (only) connection.
fn backend_pid(db: &Database) -> Result<i32, StoreError> {
    db.with_conn(|c| {
        Ok(diesel::sql_query("SELECT pg_backend_pid() AS pid")
            .get_result::<Backend>(c)?
            .pid)
    })
}

/// Terminates a server process and waits until it is gone.
fn terminate(admin_url: &str, pid: i32) {
    let mut admin = socialcare_persistence::db::establish_postgres(admin_url).unwrap();
    diesel::sql_query(format!("SELECT pg_terminate_backend({pid})"))
        .execute(&mut admin)
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let alive: i64 = diesel::dsl::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            &format!("(SELECT count(*) FROM pg_stat_activity WHERE pid = {pid})"),
        ))
        .get_result(&mut admin)
        .unwrap();
        if alive == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "backend {pid} did not end");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn connections_closed_by_the_server_are_replaced() {
    let Some(test_db) = TestDatabase::create(Engine::Postgres) else {
        return;
    };
    let admin_url = std::env::var("TEST_DATABASE_URL").unwrap();
    let db = Database::connect(
        &test_db.url(),
        &PoolOptions {
            max_size: 1,
            acquire_timeout: Duration::from_secs(5),
        },
    )
    .unwrap();

    // Closed right after a successful use: the next checkout may trust it (within the window),
    // so at most that one use fails; the use after it runs on a new connection.
    let first = backend_pid(&db).unwrap();
    terminate(&admin_url, first);
    let trusted = backend_pid(&db);
    if let Ok(pid) = trusted {
        assert_ne!(pid, first, "a closed connection answered");
    }
    let second = backend_pid(&db).unwrap();
    assert_ne!(second, first);
    assert_eq!(
        backend_pid(&db).unwrap(),
        second,
        "a healthy connection is kept"
    );

    // Closed while idle for longer than the window: tested on checkout and replaced before use.
    terminate(&admin_url, second);
    std::thread::sleep(ALIVE_BYPASS_WINDOW + Duration::from_millis(200));
    let third = backend_pid(&db).expect("an idle connection is tested before use");
    assert_ne!(third, second);

    // A failed statement does not lose a healthy connection: it is tested, and kept.
    let failed = db.with_conn(|c| {
        diesel::sql_query("SELECT no_such_column FROM no_such_table")
            .execute(c)
            .map_err(StoreError::from)
    });
    assert!(failed.is_err());
    assert_eq!(backend_pid(&db).unwrap(), third);
}

/// `Database::read` is one snapshot for all its statements: a record committed by another
/// connection between two statements of a read is not seen by the second (on PostgreSQL a
/// default transaction would see it), and is seen by the next read.
fn a_read_is_one_snapshot(engine: Engine) {
    use socialcare_persistence::audit::{self, NewAuditRecord};
    use socialcare_persistence::schema::audit_staged;
    use socialcare_tests::audit_record;
    let Some(test_db) = TestDatabase::create(engine) else {
        return;
    };
    let db = Database::connect(&test_db.url(), &PoolOptions::default()).unwrap();
    socialcare_persistence::migrations::run_pending(&db).unwrap();
    let count = |c: &mut socialcare_persistence::AnyConnection| -> Result<i64, StoreError> {
        Ok(audit_staged::table.count().get_result(c)?)
    };
    let append = || {
        db.write(|c| -> Result<_, StoreError> {
            audit::append(
                c,
                NewAuditRecord {
                    action: "test.write".into(),
                    ..audit_record(false)
                },
            )
        })
        .unwrap()
    };
    append();
    let (first, second) = db
        .read(|c| {
            let first = count(c)?;
            append();
            Ok((first, count(c)?))
        })
        .unwrap();
    assert_eq!(
        first, second,
        "{engine:?}: the second statement saw a later commit"
    );
    assert_eq!(db.read(count).unwrap(), first + 1, "{engine:?}");
}

#[test]
fn a_read_is_one_snapshot_sqlite() {
    a_read_is_one_snapshot(Engine::Sqlite);
}

#[test]
fn a_read_is_one_snapshot_postgres() {
    a_read_is_one_snapshot(Engine::Postgres);
}
